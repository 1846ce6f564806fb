//! Phase timings for benchmarks: printed on stderr when `SORTES_TIMING` is set.
//! Only names of phases and seconds, never data.

/// Prints how long `phase` took since `since`, if `SORTES_TIMING` is set.
pub fn phase(phase: &str, since: std::time::Instant) {
    if enabled() {
        eprintln!("timing {phase}: {:.3} s", since.elapsed().as_secs_f64());
    }
}

/// Whether phase timings are printed.
pub fn enabled() -> bool {
    std::env::var_os("SORTES_TIMING").is_some()
}

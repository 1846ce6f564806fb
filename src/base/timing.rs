//! Phase timings for benchmarks: printed on stderr when `SORTES_TIMING` is set.
//! Only names of phases and seconds, never data.

/// Prints how long `phase` took since `since`, if `SORTES_TIMING` is set.
pub fn phase(phase: &str, since: std::time::Instant) {
    if enabled() {
        eprintln!(
            "timing {phase}: {:.3} s{}",
            since.elapsed().as_secs_f64(),
            memory()
        );
    }
}

/// Prints a phase's total time (summed over several runs of it), if `SORTES_TIMING` is set.
pub fn took(phase: &str, total: std::time::Duration) {
    if enabled() {
        eprintln!("timing {phase}: {:.3} s{}", total.as_secs_f64(), memory());
    }
}

/// ", memory now / peak N MiB" from /proc/self/status (Linux), or nothing.
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    match (kib("VmRSS:"), kib("VmHWM:")) {
        (Some(now), Some(peak)) => {
            format!(", memory now {} MiB, peak {} MiB", now / 1024, peak / 1024)
        }
        _ => String::new(),
    }
}

/// Whether phase timings are printed.
pub fn enabled() -> bool {
    std::env::var_os("SORTES_TIMING").is_some()
}

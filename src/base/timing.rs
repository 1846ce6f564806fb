//! Phase timings for benchmarks: printed on stderr when `SORTES_TIMING` is set.
//! Only names of phases, seconds and memory, never data.

/// Prints how long `phase` took since `since`, if `SORTES_TIMING` is set.
pub fn phase(phase: &str, since: std::time::Instant) {
    took(phase, since.elapsed());
}

/// Prints a phase's total time (summed over several runs of it), if `SORTES_TIMING` is set.
pub fn took(phase: &str, total: std::time::Duration) {
    if enabled() {
        eprintln!("timing {phase}: {:.3} s{}", total.as_secs_f64(), memory());
    }
}

/// ", memory now N MiB, peak M MiB" (Linux), or nothing.
fn memory() -> String {
    memory_kib().map_or_else(String::new, |(now, peak)| {
        format!(", memory now {} MiB, peak {} MiB", now / 1024, peak / 1024)
    })
}

/// Resident memory now and its peak (VmRSS, VmHWM from /proc/self/status) in KiB;
/// `None` where the system has no such file.
pub fn memory_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((kib("VmRSS:")?, kib("VmHWM:")?))
}

/// Whether phase timings are printed.
pub fn enabled() -> bool {
    std::env::var_os("SORTES_TIMING").is_some()
}

use crate::base::error::Result;
use crate::base::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file (its [intake] table maps the form's columns).
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// The applications: CSV export of the online form or typed-in reply cards.
    #[arg(long)]
    applications: PathBuf,
    /// Replace existing outputs.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let r = crate::intake::step::intake(&process, &a.applications, a.force)?;
    print_report(&r);
    Ok(0)
}

pub(crate) fn print_report(r: &crate::intake::step::IntakeReport) {
    let s = &r.result.summary;
    println!(
        "intake: {} rows → {} in the pool, {} rejected ({} invited, response {} %)",
        r.result.rows_in,
        r.result.pool.len(),
        r.result.rejects.len(),
        r.invitees,
        crate::intake::RateRow {
            value: String::new(),
            invited: s.invited,
            applied: s.applied
        }
        .rate_text()
    );
    for (kind, n) in &s.rejected {
        println!("  rejected: {kind} {n}");
    }
    if !s.duplicates.is_empty() {
        println!(
            "  {} codes replied more than once (the latest reply counts)",
            s.duplicates.len()
        );
    }
    println!("  response by stratum:");
    for row in &s.by_stratum {
        println!(
            "    {:<22} {:>5} invited {:>4} applied {:>6} %",
            row.value,
            row.invited,
            row.applied,
            row.rate_text()
        );
    }
    println!("  pool (pseudonymous): {}", r.pool.display());
    println!("  response summary: {}", r.summary.display());
    println!(
        "  mapping and rejects (personal, mode 0600): {}, {}",
        r.mapping.display(),
        r.rejects.display()
    );
}

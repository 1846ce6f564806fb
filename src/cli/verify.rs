use crate::error::Result;
use crate::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let pb = super::spinner("verifying");
    let checks = crate::verify::verify(&process);
    pb.finish_and_clear();
    Ok(print(&checks))
}

/// Prints one line per check; returns the exit code (1 if any check failed).
pub(crate) fn print(checks: &[crate::verify::Check]) -> i32 {
    let mut failed = 0;
    for c in checks {
        println!(
            "{} {}: {}",
            if c.ok { "PASS" } else { "FAIL" },
            c.name,
            c.detail
        );
        failed += usize::from(!c.ok);
    }
    if failed == 0 {
        println!("all {} checks passed", checks.len());
        0
    } else {
        println!("{failed} of {} checks FAILED", checks.len());
        1
    }
}

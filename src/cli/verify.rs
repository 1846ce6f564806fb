use crate::base::error::Result;
use crate::base::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Verify an audit bundle (written by `sortes audit-bundle`) instead of a process.
    #[arg(long, conflicts_with = "process")]
    bundle: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<i32> {
    let pb = super::spinner("verifying");
    let checks = match &a.bundle {
        Some(dir) => crate::verify::bundle::verify(dir),
        None => Process::load(&a.process).map(|p| crate::verify::verify(&p)),
    };
    pb.finish_and_clear();
    Ok(print(&checks?))
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

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
    /// A journal head published earlier (with a commitment, the lottery, the report or
    /// a bundle): HASH or SEQ:HASH. The journal must still contain it.
    #[arg(long)]
    head: Option<String>,
    /// Report a wave committed or drawn more than once as ACCEPTED instead of FAIL
    /// (after checking the reasons the journal gives).
    #[arg(long)]
    accept_repeats: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let pb = super::spinner("verifying");
    if let Some(h) = &a.head {
        crate::verify::parse_head(h)?;
    }
    let opts = crate::verify::Options {
        head: a.head.clone(),
        accept_repeats: a.accept_repeats,
    };
    let checks = match &a.bundle {
        Some(dir) => crate::verify::bundle::verify(dir, &opts),
        None => Process::load(&a.process).map(|p| crate::verify::verify(&p, &opts)),
    };
    pb.finish_and_clear();
    Ok(print(&checks?))
}

/// Prints one line per check; returns the exit code (1 if any check failed).
pub(crate) fn print(checks: &[crate::verify::Check]) -> i32 {
    let mut failed = 0;
    for c in checks {
        println!("{} {}: {}", c.status.label(), c.name, c.detail);
        failed += usize::from(!c.ok());
    }
    if failed == 0 {
        println!("all {} checks passed", checks.len());
        0
    } else {
        println!("{failed} of {} checks FAILED", checks.len());
        1
    }
}

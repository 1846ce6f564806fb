use crate::base::error::Result;
use crate::base::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file (the invitees of its draws reply).
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Where to write the synthetic form export (CSV, ';', UTF-8).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the synthetic response model.
    #[arg(long, default_value_t = 2027)]
    seed: u64,
    #[arg(long)]
    force: bool,
}

/// Synthetic applications for trying the tool out (never for a real process).
pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let (rows, invitees) =
        crate::synth::applications::write_for_process(&process, &a.out, a.seed, a.force)?;
    println!(
        "wrote {rows} synthetic applications from {} invitees to {} (mode 0600)",
        invitees,
        a.out.display()
    );
    Ok(0)
}

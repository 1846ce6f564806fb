use crate::error::{Error, Result};
use crate::process::Process;
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
    let cfg = process
        .file
        .intake
        .clone()
        .ok_or_else(|| Error::refused("the process file has no [intake] table"))?;
    let (_, _, invitees, _) = crate::intake::step::load_invitees(&process)?;
    let bytes = crate::intake::synth_applications(&invitees, &cfg, a.seed);
    crate::fsio::write_atomic(&a.out, &bytes, crate::fsio::Privacy::Personal, a.force)?;
    let rows = bytes
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        .saturating_sub(1);
    println!(
        "wrote {rows} synthetic applications from {} invitees to {} (mode 0600)",
        invitees.len(),
        a.out.display()
    );
    Ok(0)
}

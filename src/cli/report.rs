use crate::base::error::Result;
use crate::base::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Replace existing report pages.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    print(&crate::report::step::write(&process, a.force)?);
    Ok(0)
}

pub(crate) fn print(w: &crate::report::step::Written) {
    println!(
        "report: {} charts, aggregates only (small counts suppressed), no network needed to view",
        w.charts
    );
    for f in &w.files {
        println!("  wrote {}", f.display());
    }
}

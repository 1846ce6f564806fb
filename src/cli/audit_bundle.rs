use crate::base::error::Result;
use crate::base::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Directory to write the bundle to (default: <output dir>/audit-bundle).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an existing bundle.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let dest = a
        .out
        .unwrap_or_else(|| process.out_dir().join("audit-bundle"));
    let w = crate::bundle::write(&process, &dest, a.force)?;
    println!(
        "audit bundle: {} files, {} kB, no personal data: {}",
        w.files,
        w.bytes.div_ceil(1024),
        w.dir.display()
    );
    println!(
        "  check it with: sortes verify --bundle {}",
        w.dir.display()
    );
    println!(
        "  or without sortes: python3 {}/sortes_verify.py --bundle {}",
        w.dir.display(),
        w.dir.display()
    );
    Ok(0)
}

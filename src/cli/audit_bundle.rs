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
    /// Include the pool (out/audit/pool.csv: pool ids with their quota
    /// attributes, no names) so the auditor can check the quotas and the
    /// selection's distribution. Hand this bundle only to an auditor bound
    /// to confidentiality; publish the bundle written without it.
    #[arg(long)]
    confidential: bool,
    /// Replace an existing bundle.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let dest = a
        .out
        .unwrap_or_else(|| process.out_dir().join("audit-bundle"));
    let w = crate::bundle::write(&process, &dest, a.confidential, a.force)?;
    let level = if a.confidential {
        "confidential (pool attributes included, no names or addresses): give it only to a sworn auditor"
    } else {
        "public (no personal data): fit to publish"
    };
    println!(
        "audit bundle: {} files, {} kB, {level}: {}",
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

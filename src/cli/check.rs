use crate::base::error::Result;
use crate::base::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Set invalid rows aside (counted) instead of stopping at the first one.
    #[arg(long)]
    keep_going: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let run = crate::base::run::Run::open(process.layout())?;
    let pb = super::spinner("reading the register extract");
    let reg = crate::register::load(&process, a.keep_going);
    pb.finish_and_clear();
    let reg = reg?;
    // Each row set aside: line, column and reason, never the row's contents.
    for r in &reg.rejects {
        let at = crate::base::error::Location::at(&reg.path, r.line, r.column.clone());
        println!("  set aside: {at}: {}", r.reason);
    }
    let loaded = crate::draw::step::plan_of(&process, &run, reg, 1, None)?;
    println!(
        "{}: {} rows, {} residents, {} rejected rows",
        loaded.reg.path.display(),
        loaded.reg.rows,
        loaded.reg.people.len(),
        loaded.reg.rejects.len()
    );
    println!("  extract SHA-256 {}", loaded.reg.extract_sha256);
    super::print_plan(&loaded.plan, None);
    super::print_partial_dates(&loaded.reg);
    Ok(0)
}

use crate::base::error::Result;
use crate::base::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Why the data is deleted now (journaled), e.g. "retention period ended".
    #[arg(long)]
    reason: String,
    /// Delete the register extract too (register.path of the process file).
    #[arg(long)]
    register: bool,
    /// The day of the deletion (YYYY-MM-DD; default today).
    #[arg(long)]
    date: Option<String>,
    /// Delete before the deletion date the letters announce.
    #[arg(long)]
    force: bool,
}

/// Deletes the personal data of the process and journals what was deleted.
pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let r = crate::retention::delete(
        &process,
        &crate::retention::Args {
            date: a.date.as_deref(),
            reason: &a.reason,
            register: a.register,
            force: a.force,
        },
    )?;
    println!(
        "retention ({}): {} personal files deleted{}{}; journaled with their SHA-256",
        r.date,
        r.deleted.len(),
        if r.code_key {
            ", the code key among them"
        } else {
            ""
        },
        if r.register {
            ", and the register extract"
        } else {
            ""
        }
    );
    Ok(0)
}

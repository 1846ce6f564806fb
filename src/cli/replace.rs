use crate::base::error::{Error, Result};
use crate::base::process::Process;
use crate::lottery::step::{self, Setup};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Pool ids of the members who dropped out (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', required = true)]
    dropped: Vec<String>,
    /// Pool ids in the reserve order who could not be reached or declined (skipped for good).
    #[arg(long, value_delimiter = ',')]
    unavailable: Vec<String>,
    /// Date of the replacement (YYYY-MM-DD; default today).
    #[arg(long)]
    date: Option<String>,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let l = Setup::of(&process)?;
    let date = match a.date {
        Some(d) => {
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                Error::refused(format!("--date {d:?} is not a date like 2027-03-01"))
            })?;
            d
        }
        None => chrono::Utc::now().format("%Y-%m-%d").to_string(),
    };
    let trim = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    print(&step::replace_step(
        &l,
        &trim(a.dropped),
        &trim(a.unavailable),
        &date,
    )?);
    Ok(0)
}

pub(crate) fn print(r: &step::ReplaceReport) {
    println!(
        "replacement round {}: {} new member{} from the reserve order: {}",
        r.round,
        r.replacements.len(),
        if r.replacements.len() == 1 { "" } else { "s" },
        r.replacements.join(", ")
    );
    println!("  the panel of {} again meets every quota", r.panel.len());
    println!("  wrote {}", r.file.display());
}

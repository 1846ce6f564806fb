use crate::base::error::{Error, Result};
use crate::synth::register::SynthConfig;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Directory for register.csv (Windows-1252, `;`) and register.parquet.
    #[arg(long, default_value = "data")]
    out: PathBuf,
    /// Number of residents (Dortmund 31.12.2023: 612,065).
    #[arg(long, default_value_t = 612_065)]
    population: usize,
    /// Generator seed (the same seed gives the same register).
    #[arg(long, default_value_t = 2027)]
    seed: u64,
    /// The day the extract is "as of" (ISO date).
    #[arg(long, default_value = "2027-01-15")]
    as_of: String,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let reference_date = chrono::NaiveDate::parse_from_str(&a.as_of, "%Y-%m-%d").map_err(|_| {
        Error::refused(format!(
            "--as-of {:?} is not a date like 2027-01-15",
            a.as_of
        ))
    })?;
    let cfg = SynthConfig {
        seed: a.seed,
        population: a.population,
        reference_date,
    };
    let pb = super::spinner("generating the synthetic register");
    let r = crate::synth::write_register(&a.out, &cfg, a.force);
    pb.finish_and_clear();
    let (csv, pq, n) = r?;
    println!(
        "wrote a synthetic register of {n} residents:\n  {} (Windows-1252, ';')\n  {}",
        csv.display(),
        pq.display()
    );
    Ok(0)
}

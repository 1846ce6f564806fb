use crate::base::error::Result;
use crate::base::process::Process;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// How the seed will be produced, announced now, in words (e.g. "Lotto 6aus49 of 2027-01-09").
    #[arg(long)]
    seed_source: String,
    /// The form the seed will have: rfc3797:COUNTS (numbers per source, e.g. rfc3797:6+1
    /// for six numbers and the Superzahl) or drand:ROUND (a future drand round).
    #[arg(long)]
    seed_form: String,
    /// Why a wave that has a commitment gets a new one (journaled; every verify reports it).
    #[arg(long)]
    recommit_reason: Option<String>,
    /// Wave number: 1 for the main draw, 2, 3 … for top-up waves.
    #[arg(long, default_value_t = 1)]
    wave: u32,
    /// Top-up counts per stratum: CSV `stratum,count` (waves 2 and later).
    #[arg(long)]
    counts: Option<PathBuf>,
    /// Set invalid register rows aside in this file (mode 0600) instead of stopping.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Replace existing outputs and allow a new commitment for a drawn wave.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let counts = match &a.counts {
        Some(p) => Some(crate::draw::step::read_counts(p)?),
        None => None,
    };
    let pb = super::spinner("reading the register extract");
    let form = crate::base::spec::SeedForm::parse(&a.seed_form)?;
    let r = crate::draw::step::commit(
        &process,
        &crate::draw::step::CommitArgs {
            wave: a.wave,
            counts: counts.as_ref(),
            seed_source: &a.seed_source,
            seed_form: &form,
            recommit_reason: a.recommit_reason.as_deref(),
            rejects: a.rejects.as_deref(),
            force: a.force,
        },
    );
    pb.finish_and_clear();
    let r = r?;
    println!(
        "committed wave {} of {}: {} invitations",
        r.loaded.plan.wave, process.file.process.name, r.loaded.plan.invitations
    );
    super::print_plan(&r.loaded.plan, None);
    super::print_partial_dates(&r.loaded.reg);
    if let Some(p) = &r.rejects_file {
        println!(
            "  {} rejected rows written to {} (mode 0600)",
            r.loaded.reg.rejects.len(),
            p.display()
        );
    }
    println!("  commitment {}", r.commitment);
    println!(
        "  publish {} before the seed is drawn (journal head: entry {}, {})",
        r.commitment_file.display(),
        r.head.0,
        r.head.1
    );
    Ok(0)
}

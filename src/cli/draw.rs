use crate::base::error::Result;
use crate::base::process::Process;
use crate::base::spec::Seed;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// The public seed, e.g. "3.12.19.27.33.41./7./" (RFC 3797), "drand:ROUND:HEX", "text:…".
    #[arg(long)]
    seed: String,
    /// Which wave's commitment to draw (default: the latest commitment).
    #[arg(long)]
    wave: Option<u32>,
    /// Allow a second draw on the same commitment, and say why (journaled).
    #[arg(long)]
    redraw_reason: Option<String>,
    /// Replace existing outputs.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let seed = Seed::parse(&a.seed)?;
    let pb = super::spinner("reading the register and drawing");
    let r = crate::draw::step::draw(&process, &seed, a.wave, a.redraw_reason.as_deref(), a.force);
    pb.finish_and_clear();
    let r = r?;
    report(&r);
    Ok(0)
}

pub(crate) fn report(r: &crate::draw::step::DrawReport) {
    println!(
        "drew wave {}: {} invitees with seed {}",
        r.wave,
        r.drawn.total(),
        r.seed.canonical()
    );
    super::print_plan(&r.loaded.plan, Some(&r.drawn));
    super::print_partial_dates(&r.loaded.reg);
    for (s, d) in r.loaded.plan.strata.iter().zip(&r.drawn.per_stratum) {
        if (d.len() as u64) < s.allocated {
            println!(
                "  warning: {} got {} of {} invitations (household rule left too few households)",
                s.label,
                d.len(),
                s.allocated
            );
        }
    }
    println!("  drawn ids SHA-256 {}", r.drawn_sha256);
    println!(
        "  invitees (personal data, mode 0600): {}",
        r.invitees.display()
    );
    println!("  public summary: {}", r.summary.display());
}

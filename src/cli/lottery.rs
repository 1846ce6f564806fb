use crate::base::error::{Error, Result};
use crate::base::process::Process;
use crate::base::spec::Seed;
use crate::base::text::units_text;
use crate::lottery::step::{self, Setup, Source};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Round the selection to m numbered panels and commit the list (before the number is known).
    Build(BuildArgs),
    /// Draw the panel: a ceremony number (--number) or public randomness (--seed); fixes the reserve order.
    Draw(DrawArgs),
}

#[derive(clap::Args)]
pub struct BuildArgs {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Number of equally likely panels (numbered 0 … m−1).
    #[arg(long, default_value_t = 1000)]
    m: u32,
    /// How the number will be drawn, announced now, in words (e.g. "three digits drawn
    /// from urns at the council meeting of 2027-04-01").
    #[arg(long)]
    seed_source: String,
    /// Its form: ceremony (a number drawn in public), drand:ROUND (a future drand
    /// round) or rfc3797:COUNTS (numbers of a public lottery draw).
    #[arg(long)]
    seed_form: String,
    /// Replace lottery files that exist (refused anyway once the lottery is drawn).
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
pub struct DrawArgs {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// The number drawn at the public ceremony (0 … m−1).
    #[arg(long, conflicts_with = "seed")]
    number: Option<u64>,
    /// Public randomness (rfc3797:…, drand:ROUND:HEX, hex:…, text:…); the number is derived from it.
    #[arg(long)]
    seed: Option<String>,
}

pub fn run(c: Command) -> Result<i32> {
    match c {
        Command::Build(a) => build(a),
        Command::Draw(a) => draw(a),
    }
}

fn build(a: BuildArgs) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let l = Setup::of(&process)?;
    let pb = super::spinner("rounding the distribution to a lottery");
    let form = crate::base::spec::SeedForm::parse(&a.seed_form)?;
    let r = step::build(&l, a.m, &a.seed_source, &form, a.force);
    pb.finish_and_clear();
    print_build(&r?, a.m);
    Ok(0)
}

pub(crate) fn print_build(r: &step::BuildReport, m: u32) {
    let mi = i128::from(m);
    println!(
        "lottery: {} numbered panels ({} to {}) from {} panels of the distribution — {:.2} s",
        r.lottery.m(),
        r.lottery.number_text(0),
        r.lottery.number_text(r.lottery.m() - 1),
        r.panels_in_distribution,
        r.seconds
    );
    println!(
        "  largest change of anyone's probability: {} ({:.3} × 1/m; largest-remainder rounding: {:.3} × 1/m; no rounding can beat {:.3} × 1/m)",
        units_text(r.rounding.max_deviation / mi),
        r.rounding.max_deviation as f64 / crate::base::text::UNIT as f64,
        r.rounding.start_deviation as f64 / crate::base::text::UNIT as f64,
        r.rounding.lower_bound as f64 / crate::base::text::UNIT as f64,
    );
    println!(
        "  {} different panels in the lottery, {} of them generated to even out the rounding",
        r.panels_in_lottery, r.rounding.new_panels
    );
    println!(
        "  minimum probability: LEXIMIN {}, lottery {}",
        units_text(r.min_leximin),
        units_text(r.min_lottery)
    );
    println!(
        "  committed: lottery SHA-256 {} (journal head: entry {}, {}); publish both before the draw",
        r.lottery_sha256, r.head.0, r.head.1
    );
    for f in &r.files {
        println!("  wrote {}", f.display());
    }
}

fn draw(a: DrawArgs) -> Result<i32> {
    let process = Process::load(&a.process)?;
    let l = Setup::of(&process)?;
    let source = match (a.number, &a.seed) {
        (Some(n), None) => Source::Number(n),
        (None, Some(s)) => Source::Seed(Seed::parse(s)?),
        _ => {
            return Err(Error::refused(
                "give the ceremony's number (--number 187) or public randomness (--seed …)",
            ));
        }
    };
    print_draw(&step::draw_step(&l, &source)?);
    Ok(0)
}

pub(crate) fn print_draw(r: &step::DrawReport) {
    println!(
        "lottery number {} of {}: panel of {} drawn; {} people in the reserve order",
        r.number_text,
        r.m,
        r.panel.len(),
        r.reserves
    );
    for f in &r.files {
        println!("  wrote {}", f.display());
    }
}

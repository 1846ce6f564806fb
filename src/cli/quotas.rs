use crate::base::error::{Error, Result};
use crate::base::process::Process;
use crate::quotas::{self, Tolerance};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Check a quota file, and its feasibility against a pool (names conflicts, proposes a relaxation).
    Check(CheckArgs),
    /// Derive a quota file: targets proportional to the eligible population.
    Derive(DeriveArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[arg(long)]
    quotas: PathBuf,
    /// Panel size.
    #[arg(long)]
    k: usize,
    /// Pool file to check feasibility against.
    #[arg(long)]
    pool: Option<PathBuf>,
    #[arg(long, default_value = "pool_id")]
    id_column: String,
    #[arg(long)]
    household_column: Option<String>,
}

#[derive(clap::Args)]
pub struct DeriveArgs {
    /// Panel size.
    #[arg(long)]
    k: u32,
    /// From the eligible residents of the register named in this process file.
    #[arg(long, short)]
    process: Option<PathBuf>,
    /// Register categories to derive: gender, age_band, stadtbezirk, citizenship.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "gender,age_band,stadtbezirk"
    )]
    categories: Vec<String>,
    /// Instead: from the Dortmund statistics table shipped with sortes
    /// (quotas/dortmund-statistics.csv, every figure with its source).
    #[arg(long, conflicts_with = "process")]
    dortmund: bool,
    /// Instead: from a statistics table in the layout of quotas/dortmund-statistics.csv.
    #[arg(long, conflicts_with_all = ["process", "dortmund"])]
    dortmund_statistics: Option<PathBuf>,
    /// With --dortmund or --dortmund-statistics: district groups instead of the 12 districts.
    #[arg(long)]
    grouped: bool,
    /// Tolerance: seats ("2"), a percentage of the target ("20%"), a fraction ("1/5"),
    /// or by size ("1<=5<2": ±1 seat for targets up to 5, else ±2).
    #[arg(long, default_value = "1<=5<2")]
    tolerance: String,
    /// Output quota file.
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    force: bool,
}

pub fn run(c: Command) -> Result<i32> {
    match c {
        Command::Check(a) => check(a),
        Command::Derive(a) => derive(a),
    }
}

fn check(a: CheckArgs) -> Result<i32> {
    let qf = quotas::read_quota_file(&a.quotas)?;
    quotas::check_against_k(&qf, a.k, &a.quotas)?;
    let values: usize = qf.categories.iter().map(|c| c.values.len()).sum();
    println!(
        "{}: {} categories, {} values, consistent with k = {}",
        a.quotas.display(),
        qf.categories.len(),
        values,
        a.k
    );
    let Some(pool_path) = a.pool else {
        return Ok(0);
    };
    let pool = quotas::read_pool(&pool_path, &a.id_column, a.household_column.as_deref())?;
    let inst = crate::select::instance::build(&qf, a.k, &pool)?;
    match crate::select::feasibility_within_flex(&inst, &crate::select::instance::flex(&qf, &inst))
    {
        Ok(()) => {
            println!(
                "feasible: at least one panel of {} from the {} applicants meets every quota",
                a.k,
                pool.ids.len()
            );
            Ok(0)
        }
        Err(inf) => {
            println!("INFEASIBLE: {inf}");
            Ok(1)
        }
    }
}

fn derive(a: DeriveArgs) -> Result<i32> {
    let tol: Tolerance = a
        .tolerance
        .parse()
        .map_err(|e: Error| e.context(&format!("--tolerance {:?}", a.tolerance)))?;
    let qf = match (&a.dortmund_statistics, &a.process) {
        _ if a.dortmund => quotas::dortmund::dortmund_quotas_builtin(a.k, a.grouped)?,
        (Some(stats), _) => quotas::dortmund::dortmund_quotas(stats, a.k, a.grouped)?,
        (None, Some(p)) => {
            let process = Process::load(p)?;
            let run = crate::base::run::Run::open(process.layout())?;
            let pb = super::spinner("reading the register extract");
            let loaded = crate::draw::step::load_plan(&process, &run, 1, None, false);
            pb.finish_and_clear();
            let loaded = loaded?;
            let counts =
                quotas::register_counts(&process, &loaded.reg, &loaded.plan, &a.categories)?;
            quotas::derive(&counts, a.k, tol)
        }
        _ => {
            return Err(Error::refused(
                "give -p forum.toml (derive from the register), --dortmund (the shipped Dortmund statistics) or --dortmund-statistics FILE",
            ));
        }
    };
    let text = quotas::write_quota_file(&qf);
    crate::base::fsio::write_atomic(
        &a.out,
        text.as_bytes(),
        crate::base::fsio::Privacy::Public,
        a.force,
    )?;
    println!(
        "wrote {} ({} categories, k = {})",
        a.out.display(),
        qf.categories.len(),
        a.k
    );
    print!("{text}");
    Ok(0)
}

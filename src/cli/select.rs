use crate::error::{Error, Result};
use crate::process::Process;
use crate::select::run::{self, Algorithm, Inputs};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file (reads [selection]; the pool from the intake step).
    #[arg(long, short)]
    process: Option<PathBuf>,
    /// Pool file (CSV with an id column and one column per quota category).
    #[arg(long)]
    pool: Option<PathBuf>,
    /// Quota file (`category,value,min,max[,min_flex,max_flex]`).
    #[arg(long)]
    quotas: Option<PathBuf>,
    /// Panel size.
    #[arg(long)]
    k: Option<usize>,
    /// Id column of the pool file.
    #[arg(long, default_value = "pool_id")]
    id_column: String,
    /// Household column of the pool file (at most one member per household).
    #[arg(long)]
    household_column: Option<String>,
    /// leximin (default), maximin or legacy.
    #[arg(long)]
    algorithm: Option<String>,
    /// Output directory (default: <output dir>/public/selection, or ./selection).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Samples for the legacy baseline's probability estimate.
    #[arg(long, default_value_t = 10_000)]
    legacy_samples: usize,
    /// Replace existing outputs.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let process = a.process.as_deref().map(Process::load).transpose()?;
    let sel = process.as_ref().and_then(|p| p.file.selection.clone());
    let need = |what: &str| {
        Error::refused(format!(
            "give --{what}, or a process file (-p) with a [selection] table"
        ))
    };
    let paths = process.as_ref().map(crate::draw::run::Paths::of);
    let pool_path = match (&a.pool, &paths) {
        (Some(p), _) => p.clone(),
        (None, Some(ps)) => ps.public.join("pool.csv"),
        _ => return Err(need("pool")),
    };
    let quota_path = match (&a.quotas, &sel, &process) {
        (Some(q), _, _) => q.clone(),
        (None, Some(s), Some(p)) => p.resolve(&s.quotas),
        _ => return Err(need("quotas")),
    };
    let k = a.k.or(sel.as_ref().map(|s| s.k)).ok_or_else(|| need("k"))?;
    let algorithm = Algorithm::parse(
        a.algorithm
            .as_deref()
            .or(sel.as_ref().map(|s| s.algorithm.as_str()))
            .unwrap_or("leximin"),
    )?;
    let household_column = match (&a.household_column, &sel) {
        (Some(h), _) => Some(h.clone()),
        (None, Some(s)) if s.household_rule => Some("household".to_string()),
        _ => None,
    };
    let inputs = Inputs {
        pool_path,
        quota_path,
        k,
        id_column: a.id_column.clone(),
        household_column,
        algorithm,
        legacy_samples: a.legacy_samples,
    };
    let out_dir = match (&a.out, &paths) {
        (Some(o), _) => o.clone(),
        (None, Some(ps)) => ps.public.join("selection"),
        _ => PathBuf::from("selection"),
    };
    let pb = super::spinner(&format!("{} selection", algorithm.name()));
    let mut last = std::time::Instant::now();
    let mut progress = |p: &crate::select::Progress| {
        if last.elapsed().as_millis() >= 100 {
            last = std::time::Instant::now();
            pb.set_message(format!(
                "{}: {:?} round {} · iteration {} · {} panels · {}/{} fixed · bound {:.5} · gap {:.2e}",
                algorithm.name(),
                p.phase,
                p.outer_iteration,
                p.iteration,
                p.columns,
                p.fixed_agents,
                p.n_agents,
                p.bound,
                p.gap
            ));
        }
    };
    let r = run::select(&inputs, &mut progress);
    pb.finish_and_clear();
    let o = r?;
    let written = run::write(&o, &out_dir, a.force)?;
    println!(
        "{} selection: {} applicants, panel of {k}, {} categories — {:.2} s",
        algorithm.name(),
        o.pool.ids.len(),
        o.instance.categories.len(),
        o.seconds
    );
    if let Some(d) = &o.distribution {
        println!("  {} panels in the distribution", d.panels.len());
    }
    println!(
        "  selection probability: minimum {:.4}, maximum {:.4}, sum {:.4} (= k)",
        o.min_probability(),
        o.max_probability(),
        o.probabilities.iter().sum::<f64>()
    );
    for (_, p, _) in &written.files {
        println!("  wrote {}", p.display());
    }
    if let (Some(process), Some(paths)) = (&process, &paths) {
        let mut j = crate::journal::Journal::open(&paths.journal)?;
        let outputs: serde_json::Map<String, serde_json::Value> = written
            .files
            .iter()
            .map(|(n, p, _)| (n.clone(), serde_json::json!(paths.rel(p))))
            .collect();
        let hashes: serde_json::Map<String, serde_json::Value> = written
            .files
            .iter()
            .map(|(n, _, h)| (n.clone(), serde_json::json!(h)))
            .collect();
        j.append(
            "select",
            serde_json::json!({
                "process_sha256": process.sha256,
                "pool_sha256": crate::fsio::sha256_file(&inputs.pool_path)?,
                "quotas_sha256": crate::fsio::sha256_file(&inputs.quota_path)?,
                "k": k,
                "algorithm": algorithm.name(),
                "applicants": o.pool.ids.len(),
                "panels": o.distribution.as_ref().map(|d| d.panels.len()),
                "min_probability": o.min_probability(),
                "outputs": outputs,
                "output_sha256": hashes,
            }),
        )?;
    }
    Ok(0)
}

/// The selection step with everything taken from the process file (used by the demo).
pub(crate) fn run_for_process(process: &Process, force: bool) -> Result<i32> {
    run(for_process(process, None, None, force))
}

/// The legacy baseline beside the main selection (`public/selection-legacy/`), for
/// the report's comparison; run before the main selection so that the lottery uses
/// the LEXIMIN distribution (the latest `select` entry).
pub(crate) fn run_legacy_baseline(process: &Process, force: bool) -> Result<i32> {
    let out = crate::draw::run::Paths::of(process)
        .public
        .join("selection-legacy");
    run(for_process(process, Some("legacy"), Some(out), force))
}

fn for_process(
    process: &Process,
    algorithm: Option<&str>,
    out: Option<PathBuf>,
    force: bool,
) -> Args {
    Args {
        process: Some(process.path.clone()),
        pool: None,
        quotas: None,
        k: None,
        id_column: "pool_id".into(),
        household_column: None,
        algorithm: algorithm.map(str::to_string),
        out,
        legacy_samples: 10_000,
        force,
    }
}

use crate::base::error::{Error, Result};
use crate::base::process::Process;
use crate::select::run::{self, Inputs, Outcome, parse_algorithm};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The process file: k and the quota file from [selection], the pool from the
    /// intake step (or --pool); the step is journaled.
    #[arg(long, short, conflicts_with_all = ["quotas", "k", "id_column", "household_column"])]
    process: Option<PathBuf>,
    /// The pool (CSV with an id column and one column per quota category). With a
    /// process file: a pool prepared outside `sortes intake`, in the output folder's audit/.
    #[arg(long)]
    pool: Option<PathBuf>,
    /// Without a process file: the quota file (`category,value,min,max[,min_flex,max_flex]`).
    #[arg(long)]
    quotas: Option<PathBuf>,
    /// Without a process file: the panel size.
    #[arg(long)]
    k: Option<usize>,
    /// Id column of the pool file.
    #[arg(long)]
    id_column: Option<String>,
    /// Household column of the pool file (at most one member per household).
    #[arg(long)]
    household_column: Option<String>,
    /// leximin (default), goldilocks, maximin or legacy.
    #[arg(long)]
    algorithm: Option<String>,
    /// Goldilocks: γ, the weight of "nobody too low" against "nobody too high" (default 1,
    /// or `[selection] gamma`); `balanced`: (n/k)²·(maximin optimum)·(minimax optimum),
    /// which weighs both at their best possible values (computed, then journaled).
    #[arg(long)]
    gamma: Option<String>,
    /// Output directory (default: <output dir>/public/selection, or ./selection).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Samples for the legacy baseline's probability estimate.
    #[arg(long, default_value_t = 10_000)]
    legacy_samples: usize,
    /// Also run legacy, LEXIMIN and Goldilocks side by side and write comparison.csv (min,
    /// max, median, Gini, min ÷ maximin-optimal, max ÷ minimax-optimal), journaled with the
    /// selection.
    #[arg(long)]
    compare: bool,
    /// Replace existing outputs.
    #[arg(long)]
    force: bool,
    /// Progress as `progress {json}` lines on stderr (for the workbench).
    #[arg(long, hide = true)]
    progress_lines: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let algorithm = a.algorithm.as_deref().map(parse_algorithm).transpose()?;
    let gamma = a.gamma.as_deref().map(run::parse_gamma).transpose()?;
    let name = algorithm.map_or("selection", |al| al.name());
    let pb = super::spinner(&format!("{name} selection"));
    let mut last = std::time::Instant::now();
    let lines = a.progress_lines;
    let mut progress = |p: &crate::select::Progress| {
        if last.elapsed().as_millis() >= 100 {
            last = std::time::Instant::now();
            if lines {
                eprintln!(
                    "progress {}",
                    serde_json::json!({
                        "phase": format!("{:?}", p.phase),
                        "outer_iteration": p.outer_iteration,
                        "iteration": p.iteration,
                        "columns": p.columns,
                        "fixed_agents": p.fixed_agents,
                        "n_agents": p.n_agents,
                        "bound": p.bound,
                        "gap": p.gap,
                    })
                );
            }
            pb.set_message(format!("{name}: {p}"));
        }
    };
    let (outcome, written, k, algorithm) = match &a.process {
        Some(p) => {
            let process = Process::load(p)?;
            let opts = run::StepOptions {
                algorithm,
                out: a.out.clone(),
                pool: a.pool.clone(),
                force: a.force,
                legacy_samples: a.legacy_samples,
                gamma,
                compare: a.compare,
            };
            let r = run::step(&process, &opts, &mut progress);
            pb.finish_and_clear();
            let r = r?;
            (r.outcome, r.written, r.k, r.algorithm)
        }
        None => {
            let need = |what: &str| {
                Error::refused(format!(
                    "give --{what}, or a process file (-p) with a [selection] table"
                ))
            };
            let pool = a.pool.clone().ok_or_else(|| need("pool"))?;
            let quotas = a.quotas.clone().ok_or_else(|| need("quotas"))?;
            let k = a.k.ok_or_else(|| need("k"))?;
            let algorithm = algorithm.unwrap_or(run::Algorithm::Leximin);
            let out = a.out.clone().unwrap_or_else(|| PathBuf::from("selection"));
            let r = (|| {
                run::check_outputs(&out, a.force)?;
                let bytes = crate::base::fsio::read_input(&pool, "the pool file was not found")?;
                let mut inputs = Inputs::read(
                    &pool,
                    &bytes,
                    a.id_column
                        .as_deref()
                        .unwrap_or(crate::intake::files::POOL_ID),
                    a.household_column.as_deref(),
                    &quotas,
                    k,
                    algorithm,
                )?;
                inputs.legacy_samples = a.legacy_samples;
                if let Some(g) = gamma {
                    inputs.gamma = g;
                }
                inputs.compare = a.compare;
                let o = run::select(inputs, &mut progress)?;
                let w = run::write(&o, &out, a.force)?;
                Ok::<_, Error>((o, w))
            })();
            pb.finish_and_clear();
            let (o, w) = r?;
            (o, w, k, algorithm)
        }
    };
    print(&outcome, &written, k, algorithm);
    Ok(0)
}

fn print(o: &Outcome, written: &run::Written, k: usize, algorithm: run::Algorithm) {
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
    if algorithm == run::Algorithm::Goldilocks {
        println!("  γ = {}", o.gamma);
    }
    if let Some(c) = &o.certificate {
        println!(
            "  certificate: within {:.2e} of the optimum ({} column-generation rounds)",
            c.gap, c.rounds
        );
    }
    if let Some(c) = &o.comparison {
        println!(
            "  comparison (γ = {}; maximin optimum {:.4}, minimax optimum {:.4}):",
            c.gamma, c.maximin_optimal, c.minimax_optimal
        );
        println!(
            "    {:<11} {:>7} {:>7} {:>7} {:>6} {:>13} {:>13} {:>11}",
            "algorithm", "min", "max", "median", "Gini", "min÷maximin", "max÷minimax", "objective"
        );
        for r in &c.rows {
            println!(
                "    {:<11} {:>7.4} {:>7.4} {:>7.4} {:>6.3} {:>13.3} {:>13.3} {:>11}",
                r.algorithm,
                r.stats.min,
                r.stats.max,
                r.stats.median,
                r.stats.gini,
                r.min_ratio,
                r.max_ratio,
                r.goldilocks_value
                    .map_or("infinite".to_string(), |v| format!("{v:.4}"))
            );
        }
    }
    for (_, p, _) in &written.files {
        println!("  wrote {}", p.display());
    }
}

/// The selection step with everything taken from the process file (used by the demo).
pub(crate) fn run_for_process(process: &Process, force: bool) -> Result<i32> {
    run(for_process(process, None, None, force))
}

/// The legacy baseline beside the main selection (`public/selection-legacy/`), for
/// the report's comparison; run before the main selection so that the lottery uses
/// the LEXIMIN distribution (the latest `select` entry).
pub(crate) fn run_legacy_baseline(process: &Process, force: bool) -> Result<i32> {
    let out = process.layout().public.join("selection-legacy");
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
        id_column: None,
        household_column: None,
        algorithm: algorithm.map(str::to_string),
        gamma: None,
        out,
        legacy_samples: 10_000,
        compare: false,
        force,
        progress_lines: false,
    }
}

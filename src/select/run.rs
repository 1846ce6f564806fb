//! Stage 2 as a step: read the pool and the quota file, check feasibility, compute
//! the distribution, and write the public outputs. [`select`] works on files (the
//! stand-alone `sortes select --pool … --quotas …`); [`step`] is the journaled step
//! of a process, whose pool is the intake's recorded output. The CLI prints what
//! these return.

use super::files::{distribution_csv, probabilities_csv, quota_table_csv};
use super::{Distribution, Instance, Options, Progress};
use crate::base::error::{Error, Result};
use crate::base::fsio::{self, Privacy, Sha256};
use crate::base::journal::{Body, Decimal, Intake, Select, Step};
use crate::base::process::Process;
use crate::base::run::Run;
use crate::base::text::units_of;
use crate::quotas::{self, Pool, QuotaFile};
use std::path::{Path, PathBuf};

pub use crate::base::journal::Algorithm;

/// The legacy estimate's panels are drawn from ChaCha20 keyed with SHA-256 of this text
/// (a baseline, not a draw: fixed so that its figures replay).
pub const LEGACY_SEED: &[u8] = b"sortes/v1/legacy-baseline";

/// The algorithm named on the command line or in the process file.
pub fn parse_algorithm(s: &str) -> Result<Algorithm> {
    match s.to_ascii_lowercase().as_str() {
        "leximin" => Ok(Algorithm::Leximin),
        "maximin" => Ok(Algorithm::Maximin),
        "goldilocks" => Ok(Algorithm::Goldilocks),
        "legacy" => Ok(Algorithm::Legacy),
        _ => Err(Error::refused(format!(
            "unknown algorithm {s:?}; use leximin, goldilocks, maximin or legacy"
        ))),
    }
}

/// γ of Goldilocks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gamma {
    /// A positive number with at most 12 decimals (journaled exactly).
    Fixed(f64),
    /// The paper's balanced choice γ = (n/k)²·(maximin optimum)·(minimax optimum): both
    /// terms of the objective weigh the same at their individual optima. Computed from
    /// the pool (MAXIMIN and MINIMAX are solved first), rounded to 12 decimals and
    /// journaled as the number used.
    Balanced,
}

impl Gamma {
    /// The γ to use on `inst`: the fixed value, or the balanced one (rounded to 12
    /// decimals, so that the journaled number reproduces the run).
    pub fn value(
        self,
        inst: &Instance,
        opts: &Options,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<f64> {
        match self {
            Gamma::Fixed(g) => Ok(g),
            Gamma::Balanced => {
                let lo = super::marginals(inst, &super::maximin(inst, opts, progress)?);
                let lo = lo
                    .iter()
                    .copied()
                    .filter(|&p| p > 0.0)
                    .fold(f64::INFINITY, f64::min);
                let (hi, _) = super::minimax(inst, opts, progress)?;
                let hi = super::marginals(inst, &hi)
                    .iter()
                    .copied()
                    .fold(0.0, f64::max);
                let r = inst.agents.len() as f64 / inst.k as f64;
                let g = r * r * lo * hi;
                Ok(units_of(g) as f64 / crate::base::text::UNIT as f64)
            }
        }
    }
}

/// γ of Goldilocks as given (command line or process file): a positive number with at
/// most 12 decimals (it is journaled exactly), or `balanced` ([`Gamma::Balanced`]).
/// Default 1.
pub fn parse_gamma(s: &str) -> Result<Gamma> {
    if s.eq_ignore_ascii_case("balanced") {
        return Ok(Gamma::Balanced);
    }
    let bad = || {
        Error::refused(format!(
            "gamma {s:?} is not a positive number with at most 12 decimals (e.g. 1 or 0.5) or \"balanced\""
        ))
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > 12 || int.len() > 6 {
        return Err(bad());
    }
    let g: f64 = s.parse().map_err(|_| bad())?;
    if g > 0.0 {
        Ok(Gamma::Fixed(g))
    } else {
        Err(bad())
    }
}

/// What a selection needs: the pool and the quota file, read (with their hashes).
pub struct Inputs {
    pub pool: Pool,
    pub pool_sha256: Sha256,
    pub quotas: QuotaFile,
    pub quotas_path: PathBuf,
    pub quotas_sha256: Sha256,
    pub k: usize,
    pub algorithm: Algorithm,
    /// Samples for the legacy estimate (legacy is a Monte-Carlo baseline).
    pub legacy_samples: usize,
    /// γ of Goldilocks (ignored by the other algorithms unless comparing).
    pub gamma: Gamma,
    /// Also compare legacy, LEXIMIN and Goldilocks (`comparison.csv`).
    pub compare: bool,
}

impl Inputs {
    /// Reads the pool from `pool_bytes` (read from `pool_path`) and the quota file.
    pub fn read(
        pool_path: &Path,
        pool_bytes: &[u8],
        id_column: &str,
        household_column: Option<&str>,
        quotas_path: &Path,
        k: usize,
        algorithm: Algorithm,
    ) -> Result<Inputs> {
        let qbytes = fsio::read_input(quotas_path, "the quota file was not found")?;
        let quotas = quotas::parse_quota_file(quotas_path, &qbytes)?;
        quotas::check_against_k(&quotas, k, quotas_path)?;
        let pool = quotas::parse_pool(pool_path, pool_bytes, id_column, household_column)?;
        Ok(Inputs {
            pool,
            pool_sha256: Sha256::of(pool_bytes),
            quotas,
            quotas_path: quotas_path.to_path_buf(),
            quotas_sha256: Sha256::of(&qbytes),
            k,
            algorithm,
            legacy_samples: 10_000,
            gamma: Gamma::Fixed(1.0),
            compare: false,
        })
    }
}

pub struct Outcome {
    pub pool: Pool,
    pub quotas: QuotaFile,
    pub instance: Instance,
    /// None for legacy (it has no explicit distribution).
    pub distribution: Option<Distribution>,
    pub probabilities: Vec<f64>,
    pub seconds: f64,
    /// With [`Inputs::compare`]: the algorithms side by side.
    pub comparison: Option<super::compare::Comparison>,
    /// LEXIMIN and Goldilocks: how far from optimal the result can be.
    pub certificate: Option<super::Certificate>,
    /// The γ used by Goldilocks and the comparison.
    pub gamma: f64,
}

impl Outcome {
    pub fn min_probability(&self) -> f64 {
        self.probabilities
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }
    pub fn max_probability(&self) -> f64 {
        self.probabilities.iter().copied().fold(0.0, f64::max)
    }
}

/// Feasibility first (quota problems are named errors); then the chosen algorithm.
pub fn select(inp: Inputs, progress: &mut dyn FnMut(&Progress)) -> Result<Outcome> {
    let inst = super::instance::build(&inp.quotas, inp.k, &inp.pool)?;
    if let Err(inf) =
        super::feasibility_within_flex(&inst, &super::instance::flex(&inp.quotas, &inst))
    {
        return Err(Error::refused(format!(
            "the quotas cannot be met with this pool ({}): {inf}",
            inp.pool.path.display()
        )));
    }
    let t = std::time::Instant::now();
    let opts = Options::default();
    let engine = |e: Error| e.context("selection failed");
    let gamma = if inp.algorithm == Algorithm::Goldilocks || inp.compare {
        inp.gamma.value(&inst, &opts, progress).map_err(engine)?
    } else {
        1.0
    };
    let mut certificate = None;
    let (distribution, probabilities) = match inp.algorithm {
        Algorithm::Leximin => {
            let (d, c) = super::leximin_with_certificate(&inst, &opts, progress).map_err(engine)?;
            certificate = Some(c);
            let p = super::marginals(&inst, &d);
            (Some(d), p)
        }
        Algorithm::Maximin => {
            let d = super::maximin(&inst, &opts, progress).map_err(engine)?;
            let p = super::marginals(&inst, &d);
            (Some(d), p)
        }
        Algorithm::Goldilocks => {
            let (d, c) = super::goldilocks_with_certificate(&inst, gamma, &opts, progress)
                .map_err(engine)?;
            certificate = Some(c);
            let p = super::marginals(&inst, &d);
            (Some(d), p)
        }
        Algorithm::Legacy => {
            let seed: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(LEGACY_SEED).into();
            let est =
                super::legacy_probabilities(&inst, inp.legacy_samples, seed).map_err(engine)?;
            (None, est.probs)
        }
    };
    if let Some(d) = &distribution {
        for (i, p) in d.panels.iter().enumerate() {
            super::check_panel(&inst, p).map_err(|e| {
                Error::internal(format!("panel {i} breaks a quota: {}", e.message()))
            })?;
        }
    }
    let comparison = if inp.compare {
        let known = Some((inp.algorithm.name(), &probabilities[..]));
        Some(
            super::compare::compare(&inst, gamma, inp.legacy_samples, &opts, known, progress)
                .map_err(engine)?,
        )
    } else {
        None
    };
    Ok(Outcome {
        pool: inp.pool,
        quotas: inp.quotas,
        instance: inst,
        distribution,
        probabilities,
        seconds: t.elapsed().as_secs_f64(),
        comparison,
        certificate,
        gamma,
    })
}

/// The output files: (journal name, file name).
const FILES: [(&str, &str); 5] = [
    ("distribution", "distribution.csv"),
    ("probabilities", "probabilities.csv"),
    ("quota_table", "quota-table.csv"),
    ("comparison", "comparison.csv"),
    ("comparison_curves", "comparison-curves.csv"),
];

pub struct Written {
    /// (journal name, path, SHA-256) of every file written.
    pub files: Vec<(String, PathBuf, Sha256)>,
}

/// Refuses (unless `force`) when an output exists in `dir`; before any computation.
pub fn check_outputs(dir: &Path, force: bool) -> Result<()> {
    for (_, f) in FILES {
        fsio::check_new(&dir.join(f), force)?;
    }
    Ok(())
}

/// Writes the outputs (public: pseudonymous pool ids only) into `dir`.
pub fn write(o: &Outcome, dir: &Path, force: bool) -> Result<Written> {
    check_outputs(dir, force)?;
    let mut files = Vec::new();
    for (name, file) in FILES {
        let p = dir.join(file);
        let text = match name {
            "distribution" => o.distribution.as_ref().map(|_| distribution_csv(o)),
            "comparison" => o.comparison.as_ref().map(super::compare::comparison_csv),
            "comparison_curves" => o.comparison.as_ref().map(super::compare::curves_csv),
            "probabilities" => Some(probabilities_csv(o)),
            _ => Some(quota_table_csv(o)),
        };
        let Some(text) = text else {
            // Not an output this time: an earlier run's file (replaced under --force, as
            // check_outputs allowed) must not stay beside outputs it does not belong to.
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
            }
            continue;
        };
        let h = fsio::write_atomic(&p, text.as_bytes(), Privacy::Public, force)?;
        files.push((name.to_string(), p, h));
    }
    Ok(Written { files })
}

/// Settings of the selection step beyond the process file.
pub struct StepOptions {
    /// The algorithm (default: `[selection] algorithm`).
    pub algorithm: Option<Algorithm>,
    /// Output folder (default `public/selection/`).
    pub out: Option<PathBuf>,
    /// A pool prepared outside `sortes intake` (default: the intake's recorded pool);
    /// it must lie in the output folder's `audit/` folder (it is confidential), where
    /// later steps and the confidential audit bundle find it.
    pub pool: Option<PathBuf>,
    pub force: bool,
    /// Samples of the legacy estimate.
    pub legacy_samples: usize,
    /// γ of Goldilocks (default: `[selection] gamma`, else 1).
    pub gamma: Option<Gamma>,
    /// Also compare the algorithms (`comparison.csv`, journaled with the selection).
    pub compare: bool,
}

/// What the selection step of a process did.
pub struct StepReport {
    pub outcome: Outcome,
    pub written: Written,
    pub k: usize,
    pub algorithm: Algorithm,
}

/// The selection step of a process: the pool is the latest intake's recorded pool
/// (read through the run handle), the quota file and k come from `[selection]`; the
/// outputs go to `out` (default `public/selection/`) and the step is journaled.
pub fn step(
    process: &Process,
    opts: &StepOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<StepReport> {
    let force = opts.force;
    let sel = process.file.selection.as_ref().ok_or_else(|| {
        Error::refused(format!(
            "{} has no [selection] table (k, quotas): the selection needs it",
            process.path.display()
        ))
    })?;
    let algorithm = match opts.algorithm {
        Some(a) => a,
        None => parse_algorithm(&sel.algorithm)?,
    };
    let mut run = Run::begin(process.layout(), Step::Select)?;
    let out = opts.out.clone().unwrap_or_else(|| run.layout().selection());
    if run
        .layout()
        .inside(&out)
        .is_none_or(|r| !r.starts_with("public"))
    {
        return Err(Error::refused(format!(
            "--out {}: the outputs of a process's selection go into its output folder's public/ folder ({})",
            out.display(),
            run.layout().public.display()
        )));
    }
    check_outputs(&out, force)?;
    let (pool_path, pool_rel, pool_bytes) = match &opts.pool {
        Some(p) => {
            // A pool holds everyone's quota attributes: it is confidential, so it
            // lives beside intake's pool in audit/ (only a confidential audit
            // bundle carries it), never in public/.
            let audit = run.layout().audit.canonicalize().ok();
            let inside = p
                .canonicalize()
                .ok()
                .zip(audit)
                .and_then(|(p, audit)| p.strip_prefix(&audit).ok().map(|r| r.to_path_buf()));
            let Some(rel) = inside else {
                return Err(Error::refused(format!(
                    "the pool {} is not in {}: put it there (it is confidential), so that the lottery, verify and the confidential audit bundle find it",
                    p.display(),
                    run.layout().audit.display()
                )));
            };
            let rel = run.layout().rel(&run.layout().audit.join(rel));
            (
                p.clone(),
                rel,
                fsio::read_input(p, "the pool file was not found")?,
            )
        }
        None => {
            let (entry, _) = run
                .journal()
                .last::<Intake>()
                .ok_or_else(|| Error::refused("there is no pool yet: run `sortes intake` first"))?;
            let rec = entry.output("pool")?;
            let bytes = run.read(&rec)?;
            (run.path_of(&rec), rec.path, bytes)
        }
    };
    let mut inputs = Inputs::read(
        &pool_path,
        &pool_bytes,
        crate::intake::files::POOL_ID,
        sel.household_rule
            .then_some(crate::intake::files::POOL_HOUSEHOLD),
        &process.resolve(&sel.quotas),
        sel.k,
        algorithm,
    )?;
    inputs.legacy_samples = opts.legacy_samples;
    inputs.gamma = match (opts.gamma, &sel.gamma) {
        (Some(g), _) => g,
        (None, Some(g)) => parse_gamma(g)?,
        (None, None) => Gamma::Fixed(1.0),
    };
    inputs.compare = opts.compare;
    let (pool_sha256, quotas_sha256) = (inputs.pool_sha256.clone(), inputs.quotas_sha256.clone());
    let outcome = select(inputs, progress)?;
    let gamma =
        (algorithm == Algorithm::Goldilocks).then(|| Decimal::units(units_of(outcome.gamma)));
    let written = write(&outcome, &out, force)?;
    let rel = |p: &Path| run.layout().rel(p);
    let body = Select {
        process_sha256: process.sha256.clone(),
        pool_file: pool_rel,
        pool_sha256,
        quotas_sha256,
        k: sel.k as u64,
        algorithm,
        gamma,
        pricing_gap: outcome
            .certificate
            .as_ref()
            .map(|c| Decimal::units(units_of(c.gap))),
        applicants: outcome.pool.ids.len() as u64,
        panels: outcome.distribution.as_ref().map(|d| d.panels.len() as u64),
        min_probability: Decimal::units(units_of(outcome.min_probability())),
        outputs: written
            .files
            .iter()
            .map(|(n, p, _)| (n.clone(), rel(p)))
            .collect(),
        output_sha256: written
            .files
            .iter()
            .map(|(n, _, h)| (n.clone(), h.clone()))
            .collect(),
    };
    run.append(Body::Select(body))?;
    Ok(StepReport {
        outcome,
        written,
        k: sel.k,
        algorithm,
    })
}

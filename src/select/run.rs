//! Stage 2 as a step: read the pool and the quota file, check feasibility, compute
//! the distribution, and write the public outputs. The CLI prints what this returns.

use super::{Distribution, Instance, Options, Progress};
use crate::error::{Error, Result};
use crate::fsio::{self, Privacy};
use crate::quotas::{self, Pool, QuotaFile};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Leximin,
    Maximin,
    Legacy,
}

impl Algorithm {
    pub fn parse(s: &str) -> Result<Algorithm> {
        match s.to_ascii_lowercase().as_str() {
            "leximin" => Ok(Algorithm::Leximin),
            "maximin" => Ok(Algorithm::Maximin),
            "legacy" => Ok(Algorithm::Legacy),
            _ => Err(Error::refused(format!(
                "unknown algorithm {s:?}; use leximin, maximin or legacy"
            ))),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Leximin => "leximin",
            Algorithm::Maximin => "maximin",
            Algorithm::Legacy => "legacy",
        }
    }
}

/// What a selection needs.
pub struct Inputs {
    pub pool_path: PathBuf,
    pub quota_path: PathBuf,
    pub k: usize,
    pub id_column: String,
    pub household_column: Option<String>,
    pub algorithm: Algorithm,
    /// Samples for the legacy estimate (legacy is a Monte-Carlo baseline).
    pub legacy_samples: usize,
}

pub struct Outcome {
    pub pool: Pool,
    pub quotas: QuotaFile,
    pub instance: Instance,
    /// None for legacy (it has no explicit distribution).
    pub distribution: Option<Distribution>,
    pub probabilities: Vec<f64>,
    pub seconds: f64,
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

/// Reads the inputs and builds the instance; quota-file problems and unknown
/// applicant values are named errors.
pub fn load(inp: &Inputs) -> Result<(Pool, QuotaFile, Instance)> {
    let qf = quotas::read_quota_file(&inp.quota_path)?;
    quotas::check_against_k(&qf, inp.k, &inp.quota_path)?;
    let pool = quotas::read_pool(
        &inp.pool_path,
        &inp.id_column,
        inp.household_column.as_deref(),
    )?;
    let inst = quotas::build_instance(&qf, inp.k, &pool)?;
    Ok((pool, qf, inst))
}

/// Feasibility first; then the chosen algorithm.
pub fn select(inp: &Inputs, progress: &mut dyn FnMut(&Progress)) -> Result<Outcome> {
    let (pool, qf, inst) = load(inp)?;
    if let Err(inf) = super::feasibility_within_flex(&inst, &qf.flex_for(&inst)) {
        return Err(Error::refused(format!(
            "the quotas cannot be met with this pool ({}): {inf}",
            inp.pool_path.display()
        )));
    }
    let t = std::time::Instant::now();
    let opts = Options::default();
    let engine = |e: super::SelectError| Error::refused(format!("selection failed: {e}"));
    let (distribution, probabilities) = match inp.algorithm {
        Algorithm::Leximin => {
            let d = super::leximin(&inst, &opts, progress).map_err(engine)?;
            let p = super::marginals(&inst, &d);
            (Some(d), p)
        }
        Algorithm::Maximin => {
            let d = super::maximin(&inst, &opts, progress).map_err(engine)?;
            let p = super::marginals(&inst, &d);
            (Some(d), p)
        }
        Algorithm::Legacy => {
            let seed: [u8; 32] =
                <sha2::Sha256 as sha2::Digest>::digest(b"sortes/v1/legacy-baseline").into();
            let est =
                super::legacy_probabilities(&inst, inp.legacy_samples, seed).map_err(engine)?;
            (None, est.probs)
        }
    };
    if let Some(d) = &distribution {
        for (i, p) in d.panels.iter().enumerate() {
            super::check_panel(&inst, p).map_err(|e| {
                Error::refused(format!(
                    "internal check failed: panel {i} breaks a quota: {e}"
                ))
            })?;
        }
    }
    Ok(Outcome {
        pool,
        quotas: qf,
        instance: inst,
        distribution,
        probabilities,
        seconds: t.elapsed().as_secs_f64(),
    })
}

/// `distribution.csv`: `panel,probability,members` — panels in canonical order
/// (members sorted by pool position, panels lexicographic), members as pool ids.
pub fn distribution_csv(o: &Outcome) -> String {
    let mut s = String::from("panel,probability,members\n");
    if let Some(d) = &o.distribution {
        for (i, (panel, p)) in d.panels.iter().zip(&d.probs).enumerate() {
            let ids: Vec<&str> = panel
                .iter()
                .map(|&a| o.pool.ids[a as usize].as_str())
                .collect();
            let _ = writeln!(s, "{i},{p:.12},{}", ids.join(" "));
        }
    }
    s
}

/// `probabilities.csv`: every applicant's selection probability (Σ = k).
pub fn probabilities_csv(o: &Outcome) -> String {
    let mut s = String::from("pool_id,probability\n");
    for (id, p) in o.pool.ids.iter().zip(&o.probabilities) {
        let _ = writeln!(s, "{id},{p:.12}");
    }
    s
}

/// `quota-table.csv`: min, max, applicants and the expected number of panel members.
pub fn quota_table_csv(o: &Outcome) -> String {
    let mut s = String::from("category,value,min,max,applicants,expected\n");
    for (c, cat) in o.instance.categories.iter().enumerate() {
        for (v, val) in cat.values.iter().enumerate() {
            let members: Vec<usize> = (0..o.instance.agents.len())
                .filter(|&i| o.instance.agents[i][c] == v)
                .collect();
            let expected: f64 = members.iter().map(|&i| o.probabilities[i]).sum();
            let _ = writeln!(
                s,
                "{},{},{},{},{},{:.3}",
                fsio::csv_field(&cat.name),
                fsio::csv_field(&val.name),
                val.min,
                val.max,
                members.len(),
                expected
            );
        }
    }
    s
}

pub struct Written {
    pub files: Vec<(String, PathBuf, String)>,
}

/// Writes the outputs (public: pseudonymous pool ids only) into `dir`.
pub fn write(o: &Outcome, dir: &Path, force: bool) -> Result<Written> {
    for f in ["distribution.csv", "probabilities.csv", "quota-table.csv"] {
        fsio::check_new(&dir.join(f), force)?;
    }
    let mut files = Vec::new();
    let mut put = |name: &str, file: &str, text: String| -> Result<()> {
        let p = dir.join(file);
        let h = fsio::write_atomic(&p, text.as_bytes(), Privacy::Public, force)?;
        files.push((name.to_string(), p, h));
        Ok(())
    };
    if o.distribution.is_some() {
        put("distribution", "distribution.csv", distribution_csv(o))?;
    }
    put("probabilities", "probabilities.csv", probabilities_csv(o))?;
    put("quota_table", "quota-table.csv", quota_table_csv(o))?;
    Ok(Written { files })
}

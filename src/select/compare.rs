//! The comparison of selection algorithms on one pool (`sortes select --compare`): for
//! legacy, LEXIMIN and Goldilocks the smallest, largest and median probability, the Gini
//! coefficient, and the Goldilocks ratios (Baharav & Flanigan):
//!
//! * `min ÷ maximin-optimal` — how close the lowest chance is to the best possible lowest
//!   chance (the MAXIMIN value, which LEXIMIN reaches: 1 for LEXIMIN);
//! * `max ÷ minimax-optimal` — how close the highest chance is to the best possible highest
//!   chance (the MINIMAX value, [`super::goldilocks::minimax`]).
//!
//! A coordinator reads the table to choose; the file is journaled with the selection.

use super::{Instance, Options, Progress};
use crate::base::error::Result;

/// One algorithm's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub algorithm: &'static str,
    pub stats: Stats,
    /// min ÷ maximin-optimal and max ÷ minimax-optimal.
    pub min_ratio: f64,
    pub max_ratio: f64,
    /// The Goldilocks objective with the comparison's γ.
    pub goldilocks_value: Option<f64>,
}

/// The comparison: the optima the ratios divide by, and a row per algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub gamma: f64,
    pub maximin_optimal: f64,
    pub minimax_optimal: f64,
    pub rows: Vec<Row>,
    /// Each algorithm's probabilities sorted ascending (the report's curves), in the
    /// order of `rows`.
    pub curves: Vec<Vec<f64>>,
}

/// Summary statistics of a probability vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub min: f64,
    pub max: f64,
    pub median: f64,
    /// Gini coefficient: Σ_i Σ_j |π_i − π_j| / (2 n² mean); 0 when everyone has the same
    /// chance.
    pub gini: f64,
}

impl Stats {
    pub fn of(probs: &[f64]) -> Stats {
        let mut x: Vec<f64> = probs.to_vec();
        x.sort_by(f64::total_cmp);
        let n = x.len();
        if n == 0 {
            return Stats {
                min: 0.0,
                max: 0.0,
                median: 0.0,
                gini: 0.0,
            };
        }
        let median = if n % 2 == 1 {
            x[n / 2]
        } else {
            (x[n / 2 - 1] + x[n / 2]) / 2.0
        };
        // Sorted form of the double sum: Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n − 1) x_(i),
        // i = 1..n in ascending order.
        let total: f64 = x.iter().sum();
        let weighted: f64 = x
            .iter()
            .enumerate()
            .map(|(i, &v)| (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * v)
            .sum();
        let gini = if total > 0.0 {
            // Rounding can leave −1e-17 for equal values; the coefficient is ≥ 0.
            (weighted / (n as f64 * total)).max(0.0)
        } else {
            0.0
        };
        Stats {
            min: x[0],
            max: x[n - 1],
            median,
            gini,
        }
    }
}

/// Runs LEXIMIN, Goldilocks (with `gamma`), MINIMAX and the legacy estimate
/// (`legacy_samples` panels, the legacy baseline's fixed seed) on `inst` and tabulates
/// them. `known` holds probabilities already computed (algorithm name, probabilities), which
/// are used instead of running that algorithm again.
pub fn compare(
    inst: &Instance,
    gamma: f64,
    legacy_samples: usize,
    opts: &Options,
    known: Option<(&str, &[f64])>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Comparison> {
    let reuse = |name: &str| known.filter(|(n, _)| *n == name).map(|(_, p)| p.to_vec());
    let lex = match reuse("leximin") {
        Some(p) => p,
        None => super::marginals(inst, &super::leximin(inst, opts, progress)?),
    };
    let gl = match reuse("goldilocks") {
        Some(p) => p,
        None => super::marginals(inst, &super::goldilocks(inst, gamma, opts, progress)?),
    };
    let mm = super::marginals(inst, &super::goldilocks::minimax(inst, opts, progress)?.0);
    let legacy = match reuse("legacy") {
        Some(p) => p,
        None => {
            let seed: [u8; 32] =
                <sha2::Sha256 as sha2::Digest>::digest(super::run::LEGACY_SEED).into();
            super::legacy_probabilities(inst, legacy_samples, seed)?.probs
        }
    };
    // The minimum runs over the applicants some panel can hold: those LEXIMIN gives a
    // positive probability (the others have 0 under every distribution). The legacy
    // estimate can give one of them 0; then its ratio is 0 and its value infinite (None).
    let coverable: Vec<usize> = (0..lex.len()).filter(|&i| lex[i] > 0.0).collect();
    let min_over = |p: &[f64]| {
        coverable
            .iter()
            .map(|&i| p[i])
            .fold(f64::INFINITY, f64::min)
    };
    let maximin_optimal = min_over(&lex);
    let minimax_optimal = Stats::of(&mm).max;
    let (n, k) = (inst.agents.len() as f64, inst.k as f64);
    let row = |algorithm: &'static str, p: &[f64]| {
        let stats = Stats::of(p);
        let min = min_over(p);
        Row {
            algorithm,
            min_ratio: min / maximin_optimal,
            max_ratio: stats.max / minimax_optimal,
            goldilocks_value: (min > 0.0).then(|| n / k * stats.max + gamma * k / n / min),
            stats,
        }
    };
    let sorted = |p: &[f64]| {
        let mut v = p.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    Ok(Comparison {
        gamma,
        maximin_optimal,
        minimax_optimal,
        rows: vec![
            row("legacy", &legacy),
            row("leximin", &lex),
            row("goldilocks", &gl),
        ],
        curves: vec![sorted(&legacy), sorted(&lex), sorted(&gl)],
    })
}

/// The columns of `comparison.csv`, in order (written here, read by the report).
pub const COLUMNS: [&str; 9] = [
    "algorithm",
    "min",
    "max",
    "median",
    "gini",
    "min_over_maximin_optimal",
    "max_over_minimax_optimal",
    "goldilocks_value",
    "gamma",
];

/// `comparison-curves.csv`: `rank` (1 = lowest) and one column per algorithm (the
/// algorithm names of `comparison.csv`), each column the algorithm's probabilities sorted
/// ascending on its own — a row is a rank, not an applicant.
pub fn curves_csv(c: &Comparison) -> String {
    let mut s = String::from("rank");
    for r in &c.rows {
        s.push(',');
        s.push_str(r.algorithm);
    }
    s.push('\n');
    let n = c.curves.iter().map(Vec::len).min().unwrap_or(0);
    for i in 0..n {
        s.push_str(&(i + 1).to_string());
        for v in &c.curves {
            s.push_str(&format!(",{:.6}", v[i]));
        }
        s.push('\n');
    }
    s
}

/// `comparison.csv`: one row per algorithm (aggregates only, no applicant).
pub fn comparison_csv(c: &Comparison) -> String {
    let mut s = COLUMNS.join(",");
    s.push('\n');
    for r in &c.rows {
        s.push_str(&format!(
            "{},{:.6},{:.6},{:.6},{:.6},{:.4},{:.4},{},{}\n",
            r.algorithm,
            r.stats.min,
            r.stats.max,
            r.stats.median,
            r.stats.gini,
            r.min_ratio,
            r.max_ratio,
            r.goldilocks_value
                .map_or(String::new(), |v| format!("{v:.6}")),
            c.gamma
        ));
    }
    s
}

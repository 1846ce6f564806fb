//! Panel selection engine: fair distributions over quota-feasible panels.
//!
//! * [`leximin`] — LEXIMIN by column generation (Flanigan, Gölz, Gupta, Hennig, Procaccia,
//!   *Fair algorithms for selecting citizens' assemblies*, Nature 2021).
//! * [`maximin`] — the first stage of the same method (maximise the minimum probability).
//! * [`goldilocks`] — nobody's probability too low and nobody's too high (Baharav &
//!   Flanigan, EC 2024), by column generation over a second-order cone master problem.
//! * [`legacy_probabilities`] — Monte-Carlo estimate of the Sortition Foundation's greedy
//!   "legacy" algorithm (a baseline only).
//! * [`feasibility`] — explains infeasible quotas and proposes a minimal relaxation.
//!
//! Solvers: the pricing ILP and the final primal LP use `good_lp` with the backend chosen by
//! [`Options::solver`] — [`Solver::Microlp`] (pure Rust branch and bound / simplex, the
//! default) or [`Solver::Highs`] (HiGHS, only with the cargo feature `highs`, which builds
//! the bundled C++ library and needs cmake and libclang). The restricted dual LP always uses
//! `clarabel` (interior point, so that the duals are strictly complementary, see
//! `leximin.rs`).
//!
//! **Types.** Agents with identical attribute vectors and no shared household are
//! interchangeable. Because the leximin probability vector is unique, they receive equal
//! probabilities, so the engine works with *types* (attribute vector + multiplicity) and only
//! expands type-level panels into concrete panels at the end (see `expand.rs` for the
//! rotation scheme that keeps identical agents at exactly equal marginals).
//!
//! Everything is deterministic for fixed inputs: single-threaded solvers, ordered maps only,
//! canonical ordering of types (by lowest member index) and of panels (lexicographic).

mod backend;
pub mod compare;
mod expand;
mod feasibility;
pub mod files;
mod goldilocks;
mod goldilocks_lp;
pub mod instance;
mod legacy;
mod leximin;
mod lp;
mod pricing;
mod simplex;
pub mod run;
#[cfg(test)]
mod testing;
mod types;

pub use feasibility::{
    Infeasibility, QuotaChange, feasibility, feasibility_with, feasibility_within_flex,
};
pub use goldilocks::{goldilocks, goldilocks_value, goldilocks_with_certificate, minimax};
pub use legacy::{LegacyEstimate, legacy_probabilities};
pub use leximin::{leximin, leximin_with_certificate, maximin};

/// How far from optimal a LEXIMIN or Goldilocks result can be, from the pricing bound of
/// column generation (weak duality; see `leximin.rs` and `goldilocks.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    /// LEXIMIN: the lowest probability reached; Goldilocks: the objective of the
    /// distribution returned (MINIMAX: (n/k)·its largest probability).
    pub objective: f64,
    /// LEXIMIN: the largest pricing gap at the end of a stage (no stage's level could be
    /// higher by more than this, given the levels before it); Goldilocks: no distribution
    /// over all panels has an objective below `objective − gap`.
    pub gap: f64,
    /// Column-generation rounds.
    pub rounds: usize,
}

/// A selection problem: choose `k` agents such that every quota holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Panel size.
    pub k: usize,
    /// Each category partitions the agents.
    pub categories: Vec<Category>,
    /// `agents[i][c]` = index of agent `i`'s value in `categories[c].values`.
    pub agents: Vec<Vec<usize>>,
    /// At most one selected agent per `Some(household id)`.
    pub households: Option<Vec<Option<u32>>>,
}

/// A quota category (e.g. "gender") with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub name: String,
    pub values: Vec<QuotaValue>,
}

/// One value of a category with inclusive bounds on the number of panel members.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaValue {
    pub name: String,
    pub min: u32,
    pub max: u32,
}

/// A probability distribution over concrete panels.
///
/// `panels[j]` holds sorted agent indices; panels are sorted lexicographically and
/// `probs` sums to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    pub panels: Vec<Vec<u32>>,
    pub probs: Vec<f64>,
}

/// Tolerances and limits of the column-generation algorithms.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Pricing gap tolerance of Goldilocks and MINIMAX: column generation stops once the
    /// best new panel improves the master by at most `eps` (upstream EPS = 5e-4).
    pub eps: f64,
    /// Pricing gap tolerance of a LEXIMIN or MAXIMIN stage. A stage that stops at a gap g may close up to g below its optimum, and
    /// the types its duals fix need not bind in the full LP, which moves every later level:
    /// with 5e-4, the first stage of a skewed 120/20 pool stopped at a gap of 3.6e-4 and
    /// its later levels ended up to 4.4e-2 away from the exact LEXIMIN
    /// (docs/selection.md, "Accuracy of the stages").
    pub eps_leximin: f64,
    /// A type is fixed when its per-agent dual, normalised so that the mean over the unfixed
    /// agents is 1, exceeds `eps_dual`.
    pub eps_dual: f64,
    /// Numerical fallback: largest amount by which the fixed probabilities are lowered when
    /// the restricted dual LP cannot be solved (upstream 1e-4). Consecutive failures lower
    /// them by relax_step/10⁵, /10⁴, …, /10, then relax_step. The first step is at the
    /// interior point's tolerance: every fixed agent's loss frees probability that a later
    /// level can take, so a step of 10⁻⁷ moved the later levels of skewed 150–300-agent
    /// pools by up to 4·10⁻⁵, a step of 10⁻⁹ by under 4·10⁻⁷.
    pub relax_step: f64,
    /// Tolerance passed to the interior-point LP solver (gap and feasibility).
    pub lp_tolerance: f64,
    /// Maximum number of outer (fixing) iterations.
    pub max_outer_iterations: usize,
    /// Maximum number of column-generation rounds in total.
    pub max_column_rounds: usize,
    /// Rounds of multiplicative weights for the initial columns; `None` = 3 × number of types
    /// for LEXIMIN (upstream uses 3n at agent level), at most 10 for MAXIMIN.
    pub mw_rounds: Option<usize>,
    /// Collapse interchangeable agents into types (recommended; `false` is for testing).
    pub collapse_types: bool,
    /// Backend of the pricing ILP and of the final primal LP.
    pub solver: Solver,
    /// Method of the restricted LP (LEXIMIN, MAXIMIN) and of the master (Goldilocks,
    /// MINIMAX).
    pub lp: LpMethod,
}

impl Options {
    /// An error once column generation has run more than `max_column_rounds` rounds.
    pub(crate) fn check_round(&self, round: usize) -> crate::base::error::Result<()> {
        if round > self.max_column_rounds {
            return Err(crate::base::error::Error::solver(format!(
                "iteration limit reached: {} column-generation rounds",
                self.max_column_rounds
            )));
        }
        Ok(())
    }
}

/// How the restricted LP of a LEXIMIN stage and the Goldilocks master are solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LpMethod {
    /// LEXIMIN: the warm-started primal simplex (`simplex.rs`), vertex duals; the
    /// interior-point path where it reports trouble or the pool has more than
    /// `simplex::MAX_ROWS` types. Goldilocks: the linear master with tangent cuts
    /// (`goldilocks_lp.rs`), re-solved warm by the same simplex; the conic master where
    /// that fails or the LP has more than `simplex::MAX_ROWS` rows (2·types + 2).
    #[default]
    Simplex,
    /// clarabel's interior-point method only (LEXIMIN: strictly complementary duals;
    /// Goldilocks: the conic master).
    InteriorPoint,
}

/// MILP/LP backend (via `good_lp`) of the pricing ILP and the final primal LP.
///
/// Both variants always exist, so callers compile either way; selecting
/// [`Solver::Highs`] in a build without the cargo feature `highs` makes the computation
/// return `crate::base::error::Error::solver("sortes was built without the highs feature")`
/// (see [`Solver::is_available`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Solver {
    /// `microlp`: pure Rust, always available (default).
    #[default]
    Microlp,
    /// HiGHS (bundled C++ library), with `mip_rel_gap = mip_abs_gap = 0`.
    Highs,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            eps: 5e-4,
            eps_leximin: 5e-6,
            eps_dual: 5e-4,
            relax_step: 1e-4,
            lp_tolerance: 1e-9,
            max_outer_iterations: 100_000,
            max_column_rounds: 100_000,
            mw_rounds: None,
            collapse_types: true,
            solver: Solver::Microlp,
            lp: LpMethod::default(),
        }
    }
}

/// Phase of a running computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Multiplicative-weights generation of the initial columns.
    InitialColumns,
    /// Restricted dual LP + pricing (one report per pricing round).
    ColumnGeneration,
    /// Final primal LP and expansion into concrete panels.
    FinalLp,
}

/// Progress report for a terminal display.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub phase: Phase,
    /// Outer (fixing) iteration, starting at 1; 0 during the initial columns.
    pub outer_iteration: usize,
    /// Overall iteration counter (pricing rounds).
    pub iteration: usize,
    /// Number of type-level columns so far.
    pub columns: usize,
    /// Agents whose probability is fixed.
    pub fixed_agents: usize,
    pub n_agents: usize,
    /// Value achieved by the restricted LP (current bound on the minimum probability).
    pub bound: f64,
    /// Certified upper bound on the value of the current stage.
    pub upper_bound: f64,
    /// `upper_bound - bound`.
    pub gap: f64,
}

/// One line for a terminal: phase, round, iteration, panels, fixed agents, bound and gap.
impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} round {} · iteration {} · {} panels · {}/{} fixed · bound {:.5} · gap {:.2e}",
            self.phase,
            self.outer_iteration,
            self.iteration,
            self.columns,
            self.fixed_agents,
            self.n_agents,
            self.bound,
            self.gap
        )
    }
}

/// Checks that the instance is well formed.
pub fn validate(inst: &Instance) -> crate::base::error::Result<()> {
    let bad = |m: String| Err(crate::base::error::Error::invalid_instance(m));
    let n = inst.agents.len();
    if u32::try_from(n).is_err() {
        return bad(format!("too many agents ({n})"));
    }
    if inst.k == 0 {
        return bad("panel size k must be at least 1".into());
    }
    for cat in &inst.categories {
        if cat.values.is_empty() {
            return bad(format!("category {} has no values", cat.name));
        }
        for v in &cat.values {
            if v.min > v.max {
                return bad(format!(
                    "{}={}: minimum {} exceeds maximum {}",
                    cat.name, v.name, v.min, v.max
                ));
            }
        }
    }
    for (i, a) in inst.agents.iter().enumerate() {
        if a.len() != inst.categories.len() {
            return bad(format!(
                "agent {i} has {} attribute values, expected {}",
                a.len(),
                inst.categories.len()
            ));
        }
        for (c, &v) in a.iter().enumerate() {
            if v >= inst.categories[c].values.len() {
                return bad(format!(
                    "agent {i}: value index {v} out of range for category {}",
                    inst.categories[c].name
                ));
            }
        }
    }
    if inst.households.as_ref().is_some_and(|h| h.len() != n) {
        let h = inst.households.as_ref().map_or(0, Vec::len);
        return bad(format!("households has {h} entries, expected {n}"));
    }
    Ok(())
}

/// Integer check of a concrete panel: size, distinct valid indices, every quota, households.
/// A panel that breaks one is refused with a sentence naming the quota.
pub fn check_panel(inst: &Instance, panel: &[u32]) -> crate::base::error::Result<()> {
    use crate::base::error::Error;
    if panel.len() != inst.k {
        return Err(Error::refused(format!(
            "panel has {} members, expected {}",
            panel.len(),
            inst.k
        )));
    }
    let n = inst.agents.len();
    let mut sorted: Vec<u32> = panel.to_vec();
    sorted.sort_unstable();
    for w in sorted.windows(2) {
        if w[0] == w[1] {
            return Err(Error::refused(format!("agent {} appears twice", w[0])));
        }
    }
    if let Some(&last) = sorted.last().filter(|&&l| l as usize >= n) {
        return Err(Error::refused(format!(
            "agent {last} does not exist (pool has {n})"
        )));
    }
    for (c, cat) in inst.categories.iter().enumerate() {
        let mut counts = vec![0u32; cat.values.len()];
        for &i in &sorted {
            let v = *inst.agents[i as usize]
                .get(c)
                .ok_or_else(|| Error::refused(format!("agent {i} lacks category {}", cat.name)))?;
            *counts.get_mut(v).ok_or_else(|| {
                Error::refused(format!("agent {i}: bad value index for {}", cat.name))
            })? += 1;
        }
        for (v, val) in cat.values.iter().enumerate() {
            if counts[v] < val.min || counts[v] > val.max {
                return Err(Error::refused(format!(
                    "{}={}: {} selected, quota is {}..={}",
                    cat.name, val.name, counts[v], val.min, val.max
                )));
            }
        }
    }
    if let Some(h) = &inst.households {
        let mut seen = std::collections::BTreeSet::new();
        for &i in &sorted {
            let id = h.get(i as usize).copied().flatten();
            if let Some(id) = id.filter(|id| !seen.insert(*id)) {
                return Err(Error::refused(format!(
                    "two members of household {id} selected"
                )));
            }
        }
    }
    Ok(())
}

/// Maximum-weight panel (the pricing problem of column generation): maximise
/// `Σ_{i∈P} weights[i]` over all panels `P` satisfying size, quotas and households, solved
/// by `solver` to optimality (microlp: within a relative gap of 1e-7, see
/// `backend::MICROLP_MIP_GAP`). Returns the sorted agent indices, `Ok(None)` if no panel is
/// feasible.
///
/// When interchangeable agents (see `types.rs`) have equal weights — as the duals in
/// [`leximin`] do — the problem is solved at type level like inside the engine; otherwise at
/// agent level.
pub fn best_panel(
    inst: &Instance,
    weights: &[f64],
    solver: Solver,
) -> crate::base::error::Result<Option<Vec<u32>>> {
    validate(inst)?;
    solver.check_available()?;
    if weights.len() != inst.agents.len() {
        return Err(crate::base::error::Error::invalid_instance(format!(
            "{} weights for {} agents",
            weights.len(),
            inst.agents.len()
        )));
    }
    if let Some(i) = weights.iter().position(|w| !w.is_finite()) {
        return Err(crate::base::error::Error::invalid_instance(format!(
            "weight of agent {i} is not finite"
        )));
    }
    let mut tm = types::TypeModel::build(inst, true);
    let uniform = tm.members.iter().all(|m| {
        m.iter()
            .all(|&i| weights[i as usize] == weights[m[0] as usize])
    });
    if !uniform {
        tm = types::TypeModel::build(inst, false);
    }
    let w: Vec<f64> = tm.members.iter().map(|m| weights[m[0] as usize]).collect();
    let pricer = pricing::Pricer::new(inst, &tm, solver);
    Ok(pricer.best_panel(&w)?.map(|m| {
        let mut panel: Vec<u32> = m
            .iter()
            .zip(&tm.members)
            .flat_map(|(&c, members)| members[..c as usize].iter().copied())
            .collect();
        panel.sort_unstable();
        panel
    }))
}

/// The type of every agent (types numbered by lowest member): agents of one type are
/// interchangeable for every quota and the household rule (`types.rs`).
pub fn agent_types(inst: &Instance) -> Vec<u32> {
    let mut of = vec![0u32; inst.agents.len()];
    for (t, members) in types::TypeModel::build(inst, true)
        .members
        .iter()
        .enumerate()
    {
        for &i in members {
            of[i as usize] = t as u32;
        }
    }
    of
}

/// Per-agent selection probability under `d` (sums to `k` for a valid distribution).
pub fn marginals(inst: &Instance, d: &Distribution) -> Vec<f64> {
    let mut pi = vec![0.0; inst.agents.len()];
    for (panel, &p) in d.panels.iter().zip(&d.probs) {
        for &i in panel {
            if let Some(x) = pi.get_mut(i as usize) {
                *x += p;
            }
        }
    }
    pi
}

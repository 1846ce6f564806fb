//! LEXIMIN and MAXIMIN by column generation (Flanigan et al., Nature 2021; algorithms.md).
//!
//! All LPs work at type level (see `types.rs`); the per-agent semantics are preserved by
//! using per-agent dual weights u_t (agent-level y_i = u_{t(i)}).

use std::collections::BTreeSet;

use super::expand::expand;
use super::feasibility::explain;
use super::lp::{final_primal, normalise, solve_dual};
use super::pricing::{Goal, Pricer, panel_value};
use super::types::TypeModel;
use super::{Certificate, Distribution, Instance, Options, Phase, Progress, validate};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Leximin,
    Maximin,
}

/// LEXIMIN distribution: maximise the minimum selection probability, then the second
/// lowest, and so on.
pub fn leximin(
    inst: &Instance,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> crate::base::error::Result<Distribution> {
    run(inst, opts, progress, Mode::Leximin).map(|(d, _)| d)
}

/// [`leximin`] and its certificate: `objective` is the lowest probability reached and
/// `gap` the largest pricing gap at the end of any stage — no stage's level could have been
/// higher by more than `gap` given the levels fixed before it.
pub fn leximin_with_certificate(
    inst: &Instance,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> crate::base::error::Result<(Distribution, Certificate)> {
    run(inst, opts, progress, Mode::Leximin)
}

/// MAXIMIN distribution: maximise the minimum selection probability (one leximin stage).
pub fn maximin(
    inst: &Instance,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> crate::base::error::Result<Distribution> {
    run(inst, opts, progress, Mode::Maximin).map(|(d, _)| d)
}

/// Extra pricing ILPs per column-generation round (see the loop in `run`).
const EXTRA_COLUMNS: usize = 8;

/// Column pool with de-duplication (BTreeSet: deterministic).
pub(crate) struct Columns {
    pub list: Vec<Vec<u32>>,
    seen: BTreeSet<Vec<u32>>,
}

impl Columns {
    pub fn contains(&self, c: &[u32]) -> bool {
        self.seen.contains(c)
    }

    pub fn add(&mut self, c: Vec<u32>) -> bool {
        if self.seen.insert(c.clone()) {
            self.list.push(c);
            true
        } else {
            false
        }
    }
}

/// Extra columns per master solve: [`EXTRA_COLUMNS`] multiplicative-weights steps
/// started at the pricing weights `w` and the panel `first` just priced (after each panel
/// w_t ← w_t − 0.2·|w_t|·m_t/c_t: a type just on a panel counts less, whatever the sign of
/// its weight) give further panels; each one worth more than `threshold` under the
/// original weights is a violated dual constraint of the current master, so adding it is
/// as valid as adding the priced panel but saves master solves (one ILP costs ~1/20 of one
/// LP here).
pub(crate) fn extra_columns(
    pricer: &Pricer<'_>,
    counts: &[u32],
    w: &[f64],
    first: Vec<u32>,
    threshold: f64,
    cols: &mut Columns,
) -> crate::base::error::Result<()> {
    let mut x = w.to_vec();
    let mut q = first;
    for _ in 0..EXTRA_COLUMNS {
        for t in 0..x.len() {
            x[t] -= 0.2 * x[t].abs() * q[t] as f64 / counts[t] as f64;
        }
        q = pricer.price_feasible(&x, Goal::Good)?.panel;
        if panel_value(&q, w) > threshold {
            cols.add(q.clone());
        }
    }
    Ok(())
}

/// Rounds of multiplicative weights for the initial columns.
fn rounds(opts: &Options, mode: Mode, nt: usize) -> usize {
    // With the interior-point LP, MAXIMIN (a single stage) measured faster with few
    // initial columns (Dortmund-like pool: 0.9 s with 10 rounds, 2.7 s with 3·types) and
    // LEXIMIN, which re-solves the LP once per stage, with the reference implementation's
    // 3·types. With the warm simplex 1·types measured best for LEXIMIN (Dortmund-like
    // pool, one run each: 150 rounds 3.7 s, 250 4.1 s, 550 5.8 s) and for MAXIMIN on
    // larger pools (regional 600/50, 508 types: 10 rounds 28.8 s with 104
    // column-generation rounds, 508 rounds 10.5 s with 10; on the pools under 200 types
    // 1·types costs 10 % more, 0.32 → 0.35 s on the Dortmund-like pool).
    opts.mw_rounds.unwrap_or(match (mode, opts.lp) {
        (_, super::LpMethod::Simplex) => nt,
        (Mode::Leximin, super::LpMethod::InteriorPoint) => 3 * nt,
        (Mode::Maximin, super::LpMethod::InteriorPoint) => (3 * nt).min(10),
    })
}

/// The initial columns of column generation (shared with Goldilocks): a feasible panel,
/// `rounds` of multiplicative weights, and a panel for every type not yet covered. Types
/// that no feasible panel contains come back fixed at 0; all others `None`. An infeasible
/// instance is refused with its explanation.
pub(crate) fn initial_columns(
    inst: &Instance,
    pricer: &Pricer<'_>,
    counts: &[u32],
    rounds: usize,
    progress: &mut dyn FnMut(&Progress),
) -> crate::base::error::Result<(Columns, Vec<Option<f64>>)> {
    let nt = counts.len();
    let n = inst.agents.len();
    // Feasibility: best_panel with a zero objective.
    let first = match pricer.best_panel(&vec![0.0; nt])? {
        Some(p) => p,
        None => {
            return Err(crate::base::error::Error::refused(
                explain(inst).to_string(),
            ));
        }
    };
    let mut cols = Columns {
        list: Vec::new(),
        seen: BTreeSet::new(),
    };
    cols.add(first);

    // ---- Step 1: initial columns by multiplicative weights. ----
    // Agent level: P = best_panel(w); w_i ← 0.8 w_i for i ∈ P; rescale to Σ w = n; if P was
    // already known, w ← 0.9 w + 0.1 (pull towards uniform to escape the cycle).
    // Type level: a member of t is on P with probability m_t/c_t, so the type's (common)
    // weight is multiplied by the average factor 1 − 0.2·m_t/c_t.
    let mut w = vec![1.0f64; nt];
    for r in 0..rounds {
        let p = pricer.price_feasible(&w, Goal::Good)?.panel;
        for t in 0..nt {
            w[t] *= 1.0 - 0.2 * p[t] as f64 / counts[t] as f64;
        }
        let s: f64 = (0..nt).map(|t| w[t] * counts[t] as f64).sum();
        for x in w.iter_mut() {
            *x *= n as f64 / s;
        }
        if !cols.add(p) {
            for x in w.iter_mut() {
                *x = 0.9 * *x + 0.1;
            }
        }
        progress(&Progress {
            phase: Phase::InitialColumns,
            outer_iteration: 0,
            iteration: r + 1,
            columns: cols.list.len(),
            fixed_agents: 0,
            n_agents: n,
            bound: 0.0,
            upper_bound: 1.0,
            gap: 1.0,
        });
    }
    // Every type not yet on any panel: best_panel(e_t). If t is still excluded, no
    // feasible panel contains its members; their probability is 0 (fixed right away).
    let mut fixed: Vec<Option<f64>> = vec![None; nt];
    for t in 0..nt {
        if cols.list.iter().any(|c| c[t] > 0) {
            continue;
        }
        let mut e = vec![0.0; nt];
        e[t] = 1.0;
        let p = pricer.price_feasible(&e, Goal::Optimal)?.panel;
        if p[t] > 0 {
            cols.add(p);
        } else {
            fixed[t] = Some(0.0);
        }
    }

    Ok((cols, fixed))
}

/// From this many types on, a LEXIMIN whose last stage the interior point solved takes
/// that solve's λ instead of solving the final primal LP (see the end of [`run`]).
const FINAL_LP_MAX_TYPES: usize = 1000;

fn final_lp_max_types() -> usize {
    #[cfg(test)]
    if let Some(t) = tests::FINAL_LP_MAX_TYPES.with(|t| t.get()) {
        return t;
    }
    FINAL_LP_MAX_TYPES
}

/// When LEXIMIN tries the simplex again after it reported trouble: in a later stage
/// (within the troubled stage it would start from the same basis) and at least
/// 2^(min(k,5)−1) rounds after the troubled round, k being the troubled tries in a row
/// (waits of 1, 2, 4, 8, then 16 rounds). A simplex that keeps failing so costs a try
/// every few stages instead of one per stage, while one that fails once is back at the
/// next stage. A solve without trouble starts the count again.
#[derive(Default)]
struct Backoff {
    /// Troubled tries since the last solve without trouble.
    streak: usize,
    /// The last troubled stage.
    stage: usize,
    /// The first round that may try the simplex again (in a later stage than `stage`).
    round: usize,
}

impl Backoff {
    /// The wait stops doubling after this many troubles in a row.
    const MAX_STREAK: usize = 5;

    fn allows(&self, round: usize, stage: usize) -> bool {
        self.streak == 0 || (stage > self.stage && round >= self.round)
    }

    fn trouble(&mut self, round: usize, stage: usize) {
        self.streak += 1;
        self.stage = stage;
        self.round = round + (1 << (self.streak.min(Self::MAX_STREAK) - 1));
    }

    fn solved(&mut self) {
        self.streak = 0;
    }
}

fn run(
    inst: &Instance,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
    mode: Mode,
) -> crate::base::error::Result<(Distribution, Certificate)> {
    validate(inst)?;
    opts.solver.check_available()?;
    let t0 = std::time::Instant::now();
    let tm = TypeModel::build(inst, opts.collapse_types);
    let pricer = Pricer::new(inst, &tm, opts.solver);
    let counts = tm.counts();
    let nt = tm.len();
    let n = inst.agents.len();

    let (mut cols, mut fixed) =
        initial_columns(inst, &pricer, &counts, rounds(opts, mode, nt), progress)?;
    crate::base::timing::phase(
        &format!(
            "select initial columns ({} types, {} panels)",
            nt,
            cols.list.len()
        ),
        t0,
    );
    let (mut t_lp, mut t_ilp) = (0.0f64, 0.0f64);
    // The stages' pricing tolerance.
    let eps = opts.eps_leximin;
    // The warm simplex where it works; the interior-point path for the rest of a stage
    // in which it reported trouble. A later stage gives it another try from its repaired
    // basis: on the national pool the trouble came in single rounds of a few stages, and
    // the interior point takes ~30 s per round; a failed try costs at most the simplex's
    // pivot limits. (Under an earlier cap of three troubled stages the national run had
    // used two by its seventh stage of about 34.) Tries that fail in a row wait longer
    // ([`Backoff`]): from its 12th stage on, every try of the national run failed, at
    // 20–90 s each.
    let mut simplex = (opts.lp == super::LpMethod::Simplex && nt < super::simplex::MAX_ROWS)
        .then(|| super::simplex::StageLp::new(&counts));
    let mut backoff = Backoff::default();
    let mut simplex_troubles = 0usize;
    // Simplex solves after the first trouble.
    let mut resumed = 0usize;
    let (mut simplex_solves, mut ipm_solves) = (0usize, 0usize);
    // ---- Steps 2–3: outer loop (fix types) with inner column generation. ----
    let mut outer = 0usize;
    let (mut certificate_gap, mut rounds) = (0.0f64, 0usize);
    let mut iteration = 0usize;
    let mut relaxations = 0usize;
    let mut consecutive_failures = 0usize;
    // Whether the last LP solved came from the simplex (its λ is then at hand).
    let mut last_from_simplex = false;
    // The interior point's λ at the end of the last stage it solved.
    let mut ipm_lambda: Option<Vec<f64>> = None;
    let fixed_agents = |fixed: &[Option<f64>]| -> usize {
        (0..nt)
            .filter(|&t| fixed[t].is_some())
            .map(|t| counts[t] as usize)
            .sum()
    };
    while fixed.iter().any(Option::is_none) {
        outer += 1;
        if outer > opts.max_outer_iterations {
            return Err(crate::base::error::Error::solver(format!(
                "iteration limit reached: {} outer iterations",
                opts.max_outer_iterations
            )));
        }
        loop {
            iteration += 1;
            opts.check_round(iteration)?;
            // Restricted LP over the current columns C: the simplex's vertex duals (it
            // retries a warm start's trouble from the repaired basis itself); where it
            // fails, the interior point's central ones (then for at least the rest of the
            // stage).
            let tl = std::time::Instant::now();
            let solved = simplex
                .as_mut()
                .filter(|_| backoff.allows(iteration, outer))
                .map(|s| s.solve(&cols.list, &fixed));
            #[cfg(test)]
            let solved = tests::observe(solved, iteration, outer);
            last_from_simplex = matches!(solved, Some(super::simplex::Solved::Optimal(_)));
            let dual = match solved {
                Some(super::simplex::Solved::Optimal(d)) => {
                    simplex_solves += 1;
                    resumed += usize::from(simplex_troubles > 0);
                    backoff.solved();
                    Some(d)
                }
                Some(super::simplex::Solved::Infeasible) => {
                    simplex_solves += 1;
                    backoff.solved();
                    None
                }
                Some(super::simplex::Solved::Trouble) | None => {
                    if solved.is_some() {
                        simplex_troubles += 1;
                        backoff.trouble(iteration, outer);
                    }
                    ipm_solves += 1;
                    solve_dual(&cols.list, &counts, &fixed, opts.lp_tolerance)?
                }
            };
            t_lp += tl.elapsed().as_secs_f64();
            let Some(mut d) = dual else {
                // Numerical fallback: the primal became infeasible because the fixed values
                // drifted; lower every p_t (t ∈ F) (floor 0) and retry.
                relaxations += 1;
                if relaxations > 1000 {
                    return Err(crate::base::error::Error::solver(
                        "restricted dual LP keeps failing after 1000 relaxations",
                    ));
                }
                // The step starts at relax_step/10⁵ (the interior point's tolerance) and
                // grows tenfold per consecutive failure up to relax_step, so a tiny drift
                // costs only a tiny loss (`Options::relax_step`).
                let step = opts.relax_step * 10f64.powi(consecutive_failures.min(5) as i32 - 5);
                consecutive_failures += 1;
                for p in fixed.iter_mut().flatten() {
                    *p = (*p - step).max(0.0);
                }
                continue;
            };
            consecutive_failures = 0;
            // Pricing: P* = best_panel(y) with y_i = u_{t(i)}; v = Σ_{i∈P*} y_i.
            // A column violating Σ_{i∈P} y_i ≤ ŷ exists iff v > ŷ.
            // The question is whether a panel's value exceeds ŷ + EPS; the pricing ILP may
            // answer it before proving its optimum (`Goal::Above`).
            let tl = std::time::Instant::now();
            let priced = pricer.price_feasible(&d.u, Goal::Above(d.yhat + eps))?;
            t_ilp += tl.elapsed().as_secs_f64();
            let (p, v) = (priced.panel, priced.value);
            // Weak duality: (y, v*) is feasible for the full dual, so obj − ŷ + v* bounds the
            // value of this stage from above; obj is achieved by the current columns. The
            // pricing ILP proves v* ≤ bound.
            let upper = d.obj - d.yhat + priced.bound;
            progress(&Progress {
                phase: Phase::ColumnGeneration,
                outer_iteration: outer,
                iteration,
                columns: cols.list.len(),
                fixed_agents: fixed_agents(&fixed),
                n_agents: n,
                bound: d.obj,
                upper_bound: upper,
                gap: upper - d.obj,
            });
            // Stopping rule: v ≤ ŷ + EPS ⇒ the columns suffice for this stage. (A duplicate
            // column can only come back through numerical noise; stop as well.)
            let priced_out = v <= d.yhat + eps;
            let stop = priced_out || !cols.add(p.clone());
            if stop {
                certificate_gap = certificate_gap.max(upper - d.obj);
                rounds = iteration;
                ipm_lambda = d.lambda.take();
            }
            if !stop {
                extra_columns(&pricer, &counts, &d.u, p, d.yhat + eps, &mut cols)?;
            }
            if stop {
                let value = d.obj.max(0.0);
                if mode == Mode::Maximin {
                    // MAXIMIN is the first stage only: every type must reach the optimum.
                    for f in fixed.iter_mut() {
                        *f = Some(f.unwrap_or(value));
                    }
                    break;
                }
                // Fix every unfixed type with a positive dual: in a strictly complementary
                // optimum, u_t > 0 ⇒ the constraint π_t ≥ z binds in every optimal primal.
                // Duals are normalised per agent so that their mean over unfixed agents is 1.
                let unfixed_agents: f64 = (0..nt)
                    .filter(|&t| fixed[t].is_none())
                    .map(|t| counts[t] as f64)
                    .sum();
                let mut any = false;
                for (f, &u) in fixed.iter_mut().zip(&d.u) {
                    if f.is_none() && u * unfixed_agents > opts.eps_dual {
                        *f = Some(value);
                        any = true;
                    }
                }
                if crate::base::timing::enabled() {
                    eprintln!(
                        "timing select stage {outer}: level {value:.6}, {} of {n} agents fixed after {iteration} rounds, {:.1} s (LP {t_lp:.1} s, {simplex_solves} simplex with {} pivots and {} refactorisations, {ipm_solves} interior point); pricing gap {:.2e}{}, {relaxations} relaxations so far, last LP by the {}",
                        fixed_agents(&fixed),
                        t0.elapsed().as_secs_f64(),
                        simplex.as_ref().map_or(0, |s| s.lp.pivots),
                        simplex.as_ref().map_or(0, |s| s.lp.refactors.0),
                        upper - d.obj,
                        if priced_out {
                            ""
                        } else {
                            " (stopped by a repeated panel)"
                        },
                        if last_from_simplex {
                            "simplex"
                        } else {
                            "interior point"
                        },
                    );
                }
                if !any {
                    // Cannot happen mathematically (Σ_{t∉F} c_t u_t = 1); fix the largest dual
                    // to guarantee progress.
                    let t = (0..nt)
                        .filter(|&t| fixed[t].is_none())
                        .max_by(|&a, &b| d.u[a].total_cmp(&d.u[b]))
                        .unwrap_or(0);
                    fixed[t] = Some(value);
                }
                break;
            }
        }
    }

    if crate::base::timing::enabled() {
        eprintln!(
            "timing select column generation: {outer} outer, {iteration} rounds, {} panels, LP {t_lp:.3} s ({simplex_solves} simplex, {} cold retries, {} refactorisations in {:.3} s, {ipm_solves} interior point; {simplex_troubles} troubled tries, {resumed} simplex solves after the first), pricing {t_ilp:.3} s",
            cols.list.len(),
            simplex.as_ref().map_or(0, |s| s.lp.cold_retries),
            simplex.as_ref().map_or(0, |s| s.lp.refactors.0),
            simplex.as_ref().map_or(0.0, |s| s.lp.refactors.1),
        );
    }
    crate::base::timing::phase("select up to the final LP", t0);
    // ---- Step 4: final primal over C. ----
    // The last stage LP's optimum already is one: its λ meets π_t ≥ p_t for every type
    // (the types it fixed at its level z* = p_t, the earlier ones at theirs), and the
    // simplex gives it as a basic solution with at most (#types + 1) panels, which is
    // what the final primal LP is for. Only after the interior point (whose λ is not at
    // hand) is the final primal LP solved.
    //
    // After the interior point, the final primal LP (microlp's simplex) was still running
    // after 33 min on the national pool (1,294 types, 3,019 panels); from
    // [`FINAL_LP_MAX_TYPES`] types on, the interior point's own λ of the last stage is the
    // distribution instead: optimal as well (π_t ≥ p_t within the LP tolerance), but in
    // the interior of the optimal face, so it weighs nearly every panel.
    let target: Vec<f64> = fixed.iter().map(|f| f.unwrap_or(0.0)).collect();
    let lambda = match (simplex.as_ref().filter(|_| last_from_simplex), ipm_lambda) {
        (Some(s), _) => normalise(&super::simplex::dense(&s.lambda, cols.list.len()))?,
        (None, Some(l)) if nt >= final_lp_max_types() => normalise(&l)?,
        _ => final_primal(&cols.list, &counts, &target, opts.lp_tolerance, opts.solver)?,
    };
    progress(&Progress {
        phase: Phase::FinalLp,
        outer_iteration: outer,
        iteration,
        columns: cols.list.len(),
        fixed_agents: n,
        n_agents: n,
        bound: target.iter().copied().fold(f64::INFINITY, f64::min),
        upper_bound: target.iter().copied().fold(f64::INFINITY, f64::min),
        gap: 0.0,
    });
    crate::base::timing::phase("select final LP", t0);
    // ---- Step 5: expand into concrete panels (equal marginals inside each type). ----
    let objective = target
        .iter()
        .copied()
        .filter(|&t| t > 0.0)
        .fold(f64::INFINITY, f64::min);
    Ok((
        expand(&tm, &cols.list, &lambda),
        Certificate {
            objective,
            gap: certificate_gap,
            rounds,
        },
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::select::lp::DualSolution;
    use crate::select::marginals;
    use crate::select::simplex::Solved;
    use crate::select::testing::instance;
    use std::cell::RefCell;

    thread_local! {
        /// Rounds in which the simplex is made to report trouble.
        pub static TROUBLE_AT: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
        /// Every round of the last runs: its stage and how its LP was solved ('S'
        /// simplex, 'T' simplex trouble then interior point, 'I' interior point).
        pub static ROUNDS: RefCell<Vec<(usize, char)>> = const { RefCell::new(Vec::new()) };
        /// A lower type threshold for the interior point's own λ, so that small pools
        /// take that path.
        pub static FINAL_LP_MAX_TYPES: std::cell::Cell<Option<usize>> =
            const { std::cell::Cell::new(None) };
    }

    /// `n` agents in three categories with skewed value counts, tight quotas for `k`.
    fn skewed(n: usize, k: usize) -> Instance {
        let values: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                vec![
                    usize::from(i % 3 == 0),
                    (i * 7 % 11) % 3,
                    usize::from(i % 5 < 2),
                ]
            })
            .collect();
        instance(&values, &[2, 3, 2], k, false)
    }

    /// The interior point's λ (the duals of its panel rows) is an optimal primal of the
    /// stage LP: λ ≥ 0, Σλ = 1, every type at its level or above, and its value equals
    /// the dual's (strong duality), checked on the columns of a real run. As the final
    /// distribution (the path for large pools), LEXIMIN's probabilities are those of the
    /// final primal LP's.
    #[test]
    fn the_interior_points_lambda_is_an_optimal_distribution() {
        let inst = skewed(40, 8);
        let tm = TypeModel::build(&inst, true);
        let counts = tm.counts();
        let nt = counts.len();
        let pricer = Pricer::new(&inst, &tm, Options::default().solver);
        let (cols, _) = initial_columns(&inst, &pricer, &counts, 3 * nt, &mut |_| {}).unwrap();
        // First stage (nothing fixed), then one with the two smallest-count types fixed
        // a little below the first level.
        let d0 = solve_dual(&cols.list, &counts, &vec![None; nt], 1e-9)
            .unwrap()
            .unwrap();
        let mut fixed = vec![None; nt];
        for f in &mut fixed[..2] {
            *f = Some(d0.obj * 0.9);
        }
        for fixed in [vec![None; nt], fixed] {
            let d = solve_dual(&cols.list, &counts, &fixed, 1e-9)
                .unwrap()
                .unwrap();
            let lambda = d.lambda.expect("the interior point's λ");
            assert_eq!(lambda.len(), cols.list.len());
            let total: f64 = lambda.iter().sum();
            assert!((total - 1.0).abs() < 1e-7, "Σλ = {total}");
            // The primal's value: z = min over unfixed types of π_t.
            let pi: Vec<f64> = (0..nt)
                .map(|t| {
                    let m: f64 = cols
                        .list
                        .iter()
                        .zip(&lambda)
                        .map(|(c, l)| c[t] as f64 * l)
                        .sum();
                    m / counts[t] as f64
                })
                .collect();
            let z = (0..nt)
                .filter(|&t| fixed[t].is_none())
                .map(|t| pi[t])
                .fold(f64::INFINITY, f64::min);
            for t in 0..nt {
                if let Some(p) = fixed[t] {
                    assert!(pi[t] >= p - 1e-7, "type {t}: {} < {p}", pi[t]);
                }
            }
            assert!((z - d.obj).abs() < 1e-6, "primal {z} vs dual {}", d.obj);
        }
        // The whole LEXIMIN with the interior point only, through the final LP and
        // through its own λ: the same probabilities.
        let opts = Options {
            lp: crate::select::LpMethod::InteriorPoint,
            ..Options::default()
        };
        let via_lp = marginals(&inst, &leximin(&inst, &opts, &mut |_| {}).unwrap());
        FINAL_LP_MAX_TYPES.set(Some(0));
        let via_ipm = marginals(&inst, &leximin(&inst, &opts, &mut |_| {}).unwrap());
        FINAL_LP_MAX_TYPES.set(None);
        for (i, (a, b)) in via_lp.iter().zip(&via_ipm).enumerate() {
            assert!((a - b).abs() < 1e-6, "agent {i}: {a} vs {b}");
        }
    }

    /// The waits, round by round: trouble in round 5 of stage 2, then in every try.
    #[test]
    fn troubles_in_a_row_wait_longer() {
        let mut b = Backoff::default();
        assert!(b.allows(1, 1));
        b.trouble(5, 2);
        assert!(!b.allows(6, 2), "not within the troubled stage");
        assert!(b.allows(6, 3), "a single trouble: back at the next stage");
        b.trouble(6, 3);
        assert!(!b.allows(7, 4) && b.allows(8, 4), "second: two rounds");
        b.trouble(8, 4);
        assert!(!b.allows(11, 9) && b.allows(12, 5), "third: four rounds");
        b.trouble(12, 5);
        assert!(!b.allows(19, 9) && b.allows(20, 6), "fourth: eight rounds");
        b.trouble(20, 6);
        assert!(!b.allows(35, 9) && b.allows(36, 7), "fifth: sixteen rounds");
        b.trouble(36, 7);
        assert!(!b.allows(51, 9) && b.allows(52, 8), "sixth: still sixteen");
        b.solved();
        assert!(b.allows(52, 8), "a solve without trouble: no wait");
        b.trouble(52, 8);
        assert!(
            !b.allows(53, 8) && b.allows(53, 9),
            "the count starts again"
        );
    }

    /// The run's hook into a round: trouble injected where `TROUBLE_AT` asks, and the
    /// round's path recorded in `ROUNDS`.
    pub fn observe(
        solved: Option<Solved<DualSolution>>,
        iteration: usize,
        stage: usize,
    ) -> Option<Solved<DualSolution>> {
        let solved = match solved {
            Some(_) if TROUBLE_AT.with_borrow(|t| t.contains(&iteration)) => Some(Solved::Trouble),
            solved => solved,
        };
        let path = match &solved {
            Some(Solved::Trouble) => 'T',
            Some(_) => 'S',
            None => 'I',
        };
        ROUNDS.with_borrow_mut(|r| r.push((stage, path)));
        solved
    }

    /// After trouble the interior point solves the rest of that stage and the simplex a
    /// later stage: the next one after a single trouble, and after k troubles in a row
    /// one at least 2^(k−1) rounds on; the probabilities are LEXIMIN's (unique)
    /// whichever path solved which round.
    #[test]
    fn the_simplex_returns_at_the_next_stage_after_trouble() {
        // 48 agents, k = 10: several LEXIMIN stages.
        let inst = skewed(48, 10);
        let run = |trouble: &[usize]| {
            TROUBLE_AT.set(trouble.to_vec());
            ROUNDS.set(Vec::new());
            let d = leximin(&inst, &Options::default(), &mut |_| {}).expect("leximin");
            (marginals(&inst, &d), ROUNDS.take())
        };
        let (exact, rounds) = run(&[]);
        assert!(rounds.iter().all(|&(_, p)| p == 'S'), "{rounds:?}");
        let stages = rounds.last().map_or(0, |&(s, _)| s);
        assert!(stages >= 4, "{rounds:?}: too few stages to test");
        let close = |p: &[f64], what: &str| {
            for (i, (a, b)) in p.iter().zip(&exact).enumerate() {
                assert!((a - b).abs() < 1e-5, "{what}: agent {i} {a} vs {b}");
            }
        };
        // Trouble in the first round of the first stage with several rounds: the
        // interior point finishes that stage, the simplex solves every later one.
        let at = (1..rounds.len())
            .find(|&i| rounds[i].0 == rounds[i - 1].0 && (i < 2 || rounds[i - 2].0 != rounds[i].0))
            .expect("a stage with two rounds or more");
        let hit = rounds[at - 1].0;
        let (p, rounds) = run(&[at]);
        close(&p, "trouble in one round");
        assert_eq!(rounds[at - 1], (hit, 'T'), "{rounds:?}");
        assert_eq!(rounds[at].0, hit, "the stage goes on: {rounds:?}");
        for (i, &(stage, path)) in rounds.iter().enumerate().filter(|&(i, _)| i != at - 1) {
            let want = if stage == hit { 'I' } else { 'S' };
            assert_eq!(path, want, "round {}: {rounds:?}", i + 1);
        }
        assert!(rounds.last().is_some_and(|&(s, _)| s > hit), "{rounds:?}");
        // Trouble in every round: the (k+1)-th try comes in a later stage than the k-th
        // and at least 2^(min(k,5)−1) rounds after it; the interior point solves every
        // round between.
        let every: Vec<usize> = (1..=1000).collect();
        let (p, rounds) = run(&every);
        close(&p, "trouble everywhere");
        assert_eq!(rounds[0].1, 'T', "{rounds:?}");
        let mut last = 0; // index of the last try
        let mut tries = 1;
        // Rounds of a later stage than the last try's that still went to the interior point.
        let mut waited = 0;
        for (i, &(stage, path)) in rounds.iter().enumerate().skip(1) {
            let wait = 1 << (tries.min(5) - 1);
            let want = if stage > rounds[last].0 && i >= last + wait {
                'T'
            } else {
                'I'
            };
            assert_eq!(path, want, "round {}: {rounds:?}", i + 1);
            if path == 'T' {
                (last, tries) = (i, tries + 1);
            }
            waited += usize::from(path == 'I' && stage > rounds[last].0);
        }
        assert!(tries >= 3, "{rounds:?}: too few tries to test the waits");
        assert!(waited > 0, "{rounds:?}: no stage waited for its try");
        TROUBLE_AT.set(Vec::new());
    }
}

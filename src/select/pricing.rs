//! The pricing ILP (`best_panel`), at type level.
//!
//! Agent level (algorithms.md): `max Σ_i w_i x_i  s.t.  Σ_i x_i = k,
//! l_f ≤ Σ_{i∈N_f} x_i ≤ u_f ∀f,  Σ_{i∈H} x_i ≤ 1 ∀H,  x ∈ {0,1}^n`.
//!
//! Type level: all agents of a type t carry the same weight w_t, so only the number
//! m_t ∈ {0,…,c_t} of selected members matters:
//! `max Σ_t w_t m_t  s.t.  Σ_t m_t = k,  l_f ≤ Σ_{t∈T_f} m_t ≤ u_f,  Σ_{t∈H} m_t ≤ 1,  m ∈ ℤ`.
//! Any optimal m expands to an optimal x (pick any m_t members of each type), so both
//! problems have the same optimal value.

use good_lp::{Constraint, Expression, ProblemVariables, ResolutionError, Variable, variable};
use microlp::TerminationReason;

use super::backend;
use super::types::TypeModel;
use super::{Instance, Solver};

/// What a pricing call must answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Goal {
    /// The best panel (microlp: within the relative gap `backend::MICROLP_MIP_GAP`).
    Optimal,
    /// A good panel, quickly: within [`GOOD_GAP`], or the best one found after
    /// [`GOOD_NODES`] branch-and-bound nodes. Any feasible panel is a valid column, so the
    /// initial and the extra columns need not be optimal.
    Good,
    /// Whether a panel's value exceeds the threshold: the best panel within the gap as
    /// `Optimal` when the search ends within its first [`NODE_CHUNK`] nodes; after that,
    /// the first panel found above the threshold, or a bound at or below it. Column
    /// generation asks this question (is there a violated column?), and it can be answered
    /// long before optimality is proven when many panels are almost equally good.
    Above(f64),
}

/// A panel from the pricing ILP, its value and a proven upper bound on the value of every
/// feasible panel (`bound ≥ value`).
pub(crate) struct Priced {
    pub panel: Vec<u32>,
    pub value: f64,
    pub bound: f64,
}

/// A panel's value Σ_t m_t·w_t under the weights w.
pub(crate) fn panel_value(panel: &[u32], w: &[f64]) -> f64 {
    panel.iter().zip(w).map(|(&m, &x)| m as f64 * x).sum()
}

/// Branch-and-bound nodes between the checks of a threshold question. Deterministic (a
/// node count, never a time).
const NODE_CHUNK: u64 = 1000;

/// Relative gap of [`Goal::Good`].
const GOOD_GAP: f64 = 1e-3;

/// Nodes after which [`Goal::Good`] takes the best panel found so far. Without a budget,
/// one multiplicative-weights round of the interior-point LEXIMIN on a skewed 150/25 pool
/// (139 types) was still proving its gap when it was stopped after 15 minutes (360 MB
/// after two); with it the whole LEXIMIN takes 5.8 s. A node count, never a time, so
/// that the columns are the same on every machine.
const GOOD_NODES: u64 = 20 * NODE_CHUNK;

/// One quota row: the types having feature-value f, and its bounds.
pub(crate) struct QuotaRow {
    pub types: Vec<usize>,
    pub min: u32,
    pub max: u32,
}

/// One linear constraint of the pricing ILP: `Σ_{t ∈ types} m_t (sense) rhs`.
struct Limit {
    types: Vec<usize>,
    sense: Sense,
    rhs: f64,
}

#[derive(Clone, Copy)]
enum Sense {
    Eq,
    Ge,
    Le,
}

pub(crate) struct Pricer<'a> {
    pub tm: &'a TypeModel,
    pub k: usize,
    pub rows: Vec<QuotaRow>,
    /// The ILP's constraints (size, quotas that can bind, households), built once for
    /// both backends.
    limits: Vec<Limit>,
    counts: Vec<u32>,
    solver: Solver,
    /// Nodes between the checks of a threshold question ([`NODE_CHUNK`]; tests use less).
    node_chunk: u64,
    /// The node budget of [`Goal::Good`] ([`GOOD_NODES`]; tests use less).
    good_nodes: u64,
}

impl<'a> Pricer<'a> {
    pub fn new(inst: &Instance, tm: &'a TypeModel, solver: Solver) -> Pricer<'a> {
        let mut rows = Vec::new();
        for (c, cat) in inst.categories.iter().enumerate() {
            for (v, val) in cat.values.iter().enumerate() {
                let types = (0..tm.len()).filter(|&t| tm.attrs[t][c] == v).collect();
                rows.push(QuotaRow {
                    types,
                    min: val.min,
                    max: val.max,
                });
            }
        }
        let counts = tm.counts();
        let limit = |types: Vec<usize>, sense, rhs: u32| Limit {
            types,
            sense,
            rhs: rhs as f64,
        };
        let mut limits = vec![limit((0..tm.len()).collect(), Sense::Eq, inst.k as u32)];
        for row in &rows {
            let avail: u32 = row.types.iter().map(|&t| counts[t]).sum();
            if row.min > 0 {
                limits.push(limit(row.types.clone(), Sense::Ge, row.min));
            }
            if row.max < avail {
                limits.push(limit(row.types.clone(), Sense::Le, row.max));
            }
        }
        for h in &tm.households {
            limits.push(limit(h.clone(), Sense::Le, 1));
        }
        Pricer {
            tm,
            k: inst.k,
            rows,
            limits,
            counts,
            solver,
            node_chunk: NODE_CHUNK,
            good_nodes: GOOD_NODES,
        }
    }

    /// Type-level panel maximising `Σ_t w_t m_t`; `Ok(None)` if no feasible panel exists.
    pub fn best_panel(&self, w: &[f64]) -> crate::base::error::Result<Option<Vec<u32>>> {
        Ok(self.price(w, Goal::Optimal)?.map(|p| p.panel))
    }

    /// The pricing ILP for `goal` (see [`Goal`]): a panel, its value `Σ_t w_t m_t` and a
    /// proven upper bound on every panel's value; `Ok(None)` if no feasible panel exists.
    pub fn price(&self, w: &[f64], goal: Goal) -> crate::base::error::Result<Option<Priced>> {
        // Scale the objective so that the largest weight is 1 (keeps the solvers' absolute
        // tolerances meaningful when the duals are tiny).
        let scale = w.iter().fold(0.0f64, |a, &x| a.max(x.abs()));
        let scale = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        let scaled: Vec<f64> = w.iter().map(|&x| x * scale).collect();
        let goal = match goal {
            Goal::Above(t) => Goal::Above(t * scale),
            other => other,
        };
        let found = match self.solver {
            Solver::Microlp => self.price_microlp(&scaled, goal)?,
            Solver::Highs => self.price_good_lp(&scaled)?,
        };
        let Some((panel, bound)) = found else {
            return Ok(None);
        };
        self.check(&panel).map_err(|e| {
            crate::base::error::Error::solver(format!("pricing ILP ({}): {e}", self.solver.name()))
        })?;
        let value = panel_value(&panel, w);
        // The bound in the caller's units; never below the panel found (round-off).
        let bound = if scale > 0.0 { bound / scale } else { 0.0 };
        Ok(Some(Priced {
            panel,
            value,
            bound: bound.max(value),
        }))
    }

    /// [`Pricer::price`] on a pool known to be feasible (a panel was found before), where
    /// no panel is an error.
    pub fn price_feasible(&self, w: &[f64], goal: Goal) -> crate::base::error::Result<Priced> {
        self.price(w, goal)?.ok_or_else(|| {
            crate::base::error::Error::solver("pricing ILP infeasible after a feasible panel")
        })
    }

    /// microlp, called directly: branch and bound in chunks of [`NODE_CHUNK`] nodes, so
    /// that a threshold question can stop as soon as it is answered. `w` and the threshold
    /// are scaled; returns the panel and the bound on the scaled objective.
    fn price_microlp(
        &self,
        w: &[f64],
        goal: Goal,
    ) -> crate::base::error::Result<Option<(Vec<u32>, f64)>> {
        use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, SolveOptions};
        let mut pb = Problem::new(OptimizationDirection::Maximize);
        let m: Vec<microlp::Variable> = self
            .counts
            .iter()
            .zip(w)
            .map(|(&c, &wt)| pb.add_integer_var(wt, (0, c as i32)))
            .collect();
        for l in &self.limits {
            let e: LinearExpr = l.types.iter().map(|&t| (m[t], 1.0)).collect();
            let op = match l.sense {
                Sense::Eq => ComparisonOp::Eq,
                Sense::Ge => ComparisonOp::Ge,
                Sense::Le => ComparisonOp::Le,
            };
            pb.add_constraint(e, op, l.rhs);
        }
        let mut options = SolveOptions::default();
        options.mip_gap = match goal {
            Goal::Good => GOOD_GAP,
            _ => backend::MICROLP_MIP_GAP,
        };
        options.node_limit = Some(self.node_chunk);
        let fail = |e: microlp::Error| {
            crate::base::error::Error::solver(format!("pricing ILP (microlp): {e}"))
        };
        let mut outcome = match pb.solve_with(options) {
            Ok(o) => o,
            Err(microlp::Error::Infeasible) => return Ok(None),
            Err(e) => return Err(fail(e)),
        };
        loop {
            let stats = outcome.stats();
            if let Some(s) = outcome.solution()
                && match goal {
                    _ if s.termination_reason() != TerminationReason::NodeLimit => true,
                    // A panel above the threshold answers the question; so does a bound
                    // at or below it (no panel is above).
                    Goal::Above(t) => s.objective() > t || stats.best_bound.is_some_and(|b| b <= t),
                    Goal::Good => stats.nodes_solved >= self.good_nodes,
                    Goal::Optimal => false,
                }
            {
                let panel = m
                    .iter()
                    .map(|&v| s.var_value(v).round().max(0.0) as u32)
                    .collect();
                let bound = match s.termination_reason() {
                    TerminationReason::ProvenOptimal => s.objective(),
                    _ => stats.best_bound.unwrap_or(f64::INFINITY),
                };
                return Ok(Some((panel, bound)));
            }
            outcome = match outcome.resume() {
                Ok(o) => o,
                Err(microlp::Error::Infeasible) => return Ok(None),
                Err(e) => return Err(fail(e)),
            };
        }
    }

    /// The same ILP through `good_lp` (HiGHS, solved to optimality); the bound is the
    /// optimum.
    fn price_good_lp(&self, w: &[f64]) -> crate::base::error::Result<Option<(Vec<u32>, f64)>> {
        let mut vars = ProblemVariables::new();
        let m: Vec<Variable> = self
            .counts
            .iter()
            .map(|&c| vars.add(variable().integer().min(0).max(c as f64)))
            .collect();
        let objective: Expression = m.iter().zip(w).map(|(&v, &wt)| v * wt).sum();
        let problem = vars.maximise(objective);
        let constraints: Vec<Constraint> = self
            .limits
            .iter()
            .map(|l| {
                let e: Expression = l.types.iter().map(|&t| Expression::from(m[t])).sum();
                match l.sense {
                    Sense::Eq => e.eq(l.rhs),
                    Sense::Ge => e.geq(l.rhs),
                    Sense::Le => e.leq(l.rhs),
                }
            })
            .collect();
        match backend::solve(self.solver, problem, constraints, &m) {
            Ok(values) => {
                let panel: Vec<u32> = values.iter().map(|&x| x.round().max(0.0) as u32).collect();
                let value = panel_value(&panel, w);
                Ok(Some((panel, value)))
            }
            Err(ResolutionError::Infeasible) => Ok(None),
            Err(e) => Err(crate::base::error::Error::solver(format!(
                "pricing ILP ({}): {e}",
                self.solver.name()
            ))),
        }
    }

    /// Integer check of a type-level panel.
    /// A failure names what the solver's panel breaks.
    pub fn check(&self, m: &[u32]) -> crate::base::error::Result<()> {
        let bad = |what: &str| Err(crate::base::error::Error::solver(what));
        if m.iter().zip(&self.counts).any(|(a, c)| a > c) {
            return bad("type count exceeds multiplicity");
        }
        if m.iter().map(|&x| x as usize).sum::<usize>() != self.k {
            return bad("wrong panel size");
        }
        for row in &self.rows {
            let s: u32 = row.types.iter().map(|&t| m[t]).sum();
            if s < row.min || s > row.max {
                return bad("quota violated");
            }
        }
        for h in &self.tm.households {
            if h.iter().map(|&t| m[t]).sum::<u32>() > 1 {
                return bad("household violated");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::testing::instance;
    use proptest::prelude::*;

    /// The best panel's value by enumerating every type-count vector of size k (the
    /// oracle; depth-first, counts summing to more than k are cut).
    fn brute_force(p: &Pricer<'_>, w: &[f64]) -> Option<f64> {
        fn walk(p: &Pricer<'_>, w: &[f64], m: &mut Vec<u32>, left: u32, best: &mut Option<f64>) {
            let t = m.len();
            if t == p.counts.len() {
                if left == 0 && p.check(m).is_ok() {
                    let v = panel_value(m, w);
                    *best = Some(best.map_or(v, |b: f64| b.max(v)));
                }
                return;
            }
            for c in 0..=p.counts[t].min(left) {
                m.push(c);
                walk(p, w, m, left - c, best);
                m.pop();
            }
        }
        let mut best = None;
        walk(p, w, &mut Vec::new(), p.k as u32, &mut best);
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// On pools where branch and bound needs many nodes (four categories, tight quotas,
        /// weights with many ties as a stage's duals have), checked after every node:
        /// `Above(t)` for thresholds just below and just above the optimum (found by
        /// `Optimal`) returns a feasible panel above t, or a bound at or below t that is
        /// not below the optimum.
        #[test]
        fn a_threshold_question_is_answered_during_the_search(
            agents in prop::collection::vec((0usize..3, 0usize..3, 0usize..4, 0usize..2), 40..70),
            weights in prop::collection::vec(prop::sample::select(vec![0.0, 0.0, 0.5, 1.0, 1.0]), 72),
            delta in -0.05f64..0.05,
        ) {
            let values: Vec<Vec<usize>> =
                agents.iter().map(|&(a, b, c, d)| vec![a, b, c, d]).collect();
            let inst = instance(&values, &[3, 3, 4, 2], 11, false);
            let tm = TypeModel::build(&inst, true);
            let w: Vec<f64> = (0..tm.len()).map(|t| weights[t % weights.len()]).collect();
            let full = Pricer::new(&inst, &tm, Solver::Microlp);
            let Some(best) = full.price(&w, Goal::Optimal).expect("the pricing ILP") else {
                return Ok(());
            };
            let mut pricer = Pricer::new(&inst, &tm, Solver::Microlp);
            pricer.node_chunk = 1;
            let t = best.value * (1.0 + delta);
            let got = pricer.price(&w, Goal::Above(t)).expect("the pricing ILP").expect("feasible");
            prop_assert!(pricer.check(&got.panel).is_ok());
            prop_assert!(
                got.value > t || got.bound <= t + 1e-9,
                "threshold {t}: value {} bound {} optimum {}", got.value, got.bound, best.value
            );
            prop_assert!(got.bound >= best.value * (1.0 - 1e-6) - 1e-9);
        }
    }

    /// `Good` takes the best panel found once its node budget is spent: still a feasible
    /// panel with a bound no panel exceeds, but no longer within `GOOD_GAP` on every
    /// weight vector. Without the budget, the budgeted and the unbudgeted searches would
    /// agree on every vector.
    #[test]
    fn good_stops_at_its_node_budget() {
        let values: Vec<Vec<usize>> = (0..22)
            .map(|i| vec![i % 3, (i * 7 % 11) % 3, (i * 5 % 13) % 3])
            .collect();
        // Households (two agents each) make the LP relaxation fractional, so that the
        // search needs branching.
        let inst = instance(&values, &[3, 3, 3], 7, true);
        let tm = TypeModel::build(&inst, true);
        let full = Pricer::new(&inst, &tm, Solver::Microlp);
        let mut budgeted = Pricer::new(&inst, &tm, Solver::Microlp);
        budgeted.node_chunk = 1;
        budgeted.good_nodes = 1;
        let mut below_gap = 0;
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..40 {
            // Pseudo-random weights in [-0.5, 1.5) (xorshift).
            let w: Vec<f64> = (0..tm.len())
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    2.0 * ((x >> 11) as f64 / (1u64 << 53) as f64) - 0.5
                })
                .collect();
            let best = brute_force(&full, &w).expect("feasible");
            let got = budgeted.price(&w, Goal::Good).unwrap().expect("feasible");
            assert!(budgeted.check(&got.panel).is_ok());
            assert!(got.bound >= best - 1e-9, "bound {} below {best}", got.bound);
            let fully = full.price(&w, Goal::Good).unwrap().expect("feasible");
            assert!(fully.value >= best - GOOD_GAP * best.abs() - 1e-9);
            if got.value < best - GOOD_GAP * best.abs() - 1e-9 {
                below_gap += 1;
            }
        }
        assert!(below_gap > 0, "the budget never cut a search short");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(60))]
        /// Every goal returns a feasible panel whose value is its weights' sum and a bound
        /// no panel exceeds; `Optimal` finds the optimum, `Good` comes within its gap, and
        /// `Above(t)` either returns a panel worth more than t or proves none is.
        #[test]
        fn every_goal_answers_its_question(
            agents in prop::collection::vec((0usize..3, 0usize..3, 0usize..3), 8..22),
            weights in prop::collection::vec(-1.0f64..1.0, 27),
            households: bool,
            k in 3usize..8,
            threshold in -2.0f64..3.0,
            chunk in prop::sample::select(vec![1u64, NODE_CHUNK]),
        ) {
            let values: Vec<Vec<usize>> = agents.iter().map(|&(a, b, c)| vec![a, b, c]).collect();
            let inst = instance(&values, &[3, 3, 3], k, households);
            let tm = TypeModel::build(&inst, true);
            let mut pricer = Pricer::new(&inst, &tm, Solver::Microlp);
            // One node between checks: the threshold is looked at while the search runs.
            pricer.node_chunk = chunk;
            let w: Vec<f64> = (0..tm.len()).map(|t| weights[t % weights.len()]).collect();
            let best = brute_force(&pricer, &w);
            for goal in [Goal::Optimal, Goal::Good, Goal::Above(threshold)] {
                let got = pricer.price(&w, goal).expect("the pricing ILP");
                let (Some(best), Some(got)) = (best, got.as_ref()) else {
                    prop_assert!(best.is_none() && got.is_none(), "feasibility differs: {goal:?}");
                    continue;
                };
                prop_assert!(pricer.check(&got.panel).is_ok());
                prop_assert!((panel_value(&got.panel, &w) - got.value).abs() < 1e-9);
                prop_assert!(got.bound >= best - 1e-6, "{goal:?}: bound {} below the optimum {best}", got.bound);
                let scale = w.iter().fold(0.0f64, |a, &x| a.max(x.abs()));
                match goal {
                    Goal::Optimal => prop_assert!(got.value >= best - 1e-6 * scale.max(1.0)),
                    Goal::Good => prop_assert!(got.value >= best - GOOD_GAP * best.abs() - 1e-6),
                    Goal::Above(t) => prop_assert!(
                        got.value > t || got.bound <= t + 1e-9,
                        "threshold {t}: value {} bound {} optimum {best}", got.value, got.bound
                    ),
                }
            }
        }
    }
}

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

use super::backend;
use super::types::TypeModel;
use super::{Instance, Solver};

/// One quota row: the types having feature-value f, and its bounds.
pub(crate) struct QuotaRow {
    pub types: Vec<usize>,
    pub min: u32,
    pub max: u32,
}

pub(crate) struct Pricer<'a> {
    pub tm: &'a TypeModel,
    pub k: usize,
    pub rows: Vec<QuotaRow>,
    counts: Vec<u32>,
    solver: Solver,
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
        Pricer {
            tm,
            k: inst.k,
            rows,
            counts: tm.counts(),
            solver,
        }
    }

    /// Type-level panel maximising `Σ_t w_t m_t`; `Ok(None)` if no feasible panel exists.
    pub fn best_panel(&self, w: &[f64]) -> crate::base::error::Result<Option<Vec<u32>>> {
        // Scale the objective so that the largest weight is 1 (keeps the solvers' absolute
        // tolerances meaningful when the duals are tiny).
        let scale = w.iter().fold(0.0f64, |a, &x| a.max(x.abs()));
        let scale = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        let mut vars = ProblemVariables::new();
        let m: Vec<Variable> = self
            .counts
            .iter()
            .map(|&c| vars.add(variable().integer().min(0).max(c as f64)))
            .collect();
        let objective: Expression = m.iter().zip(w).map(|(&v, &wt)| v * (wt * scale)).sum();
        let problem = vars.maximise(objective);
        let mut constraints: Vec<Constraint> = Vec::new();
        let size: Expression = m.iter().map(|&v| Expression::from(v)).sum();
        constraints.push(size.eq(self.k as f64));
        for row in &self.rows {
            let avail: u32 = row.types.iter().map(|&t| self.counts[t]).sum();
            let e: Expression = row.types.iter().map(|&t| Expression::from(m[t])).sum();
            if row.min > 0 {
                constraints.push(e.clone().geq(row.min as f64));
            }
            if row.max < avail {
                constraints.push(e.leq(row.max as f64));
            }
        }
        for h in &self.tm.households {
            let e: Expression = h.iter().map(|&t| Expression::from(m[t])).sum();
            constraints.push(e.leq(1.0));
        }
        match backend::solve(self.solver, problem, constraints, &m) {
            Ok(values) => {
                let panel: Vec<u32> = values.iter().map(|&x| x.round().max(0.0) as u32).collect();
                self.check(&panel).map_err(|e| {
                    crate::base::error::Error::solver(format!(
                        "pricing ILP ({}): {e}",
                        self.solver.name()
                    ))
                })?;
                Ok(Some(panel))
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

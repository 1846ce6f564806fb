//! The `good_lp` backend of the final primal LP and, with HiGHS, of the pricing ILP:
//! `microlp` (pure Rust, always available) or HiGHS (only with the cargo feature `highs`).
//!
//! With microlp the pricing ILP calls microlp directly (`pricing.rs`: its search is
//! checked against a threshold while it runs). The restricted LP of a stage is not routed
//! through here either: it is the simplex of `simplex.rs`, with clarabel's interior point
//! as its fallback (`lp.rs`).

use good_lp::variable::UnsolvedProblem;
use good_lp::{
    Constraint, ResolutionError, Solution, SolutionStatus, SolverModel, Variable, WithMipGap,
    microlp,
};

use super::Solver;

/// Message of the error returned when [`Solver::Highs`] is selected in a build without the
/// `highs` feature.
pub(crate) const NO_HIGHS: &str = "sortes was built without the highs feature";

impl Solver {
    /// Whether this backend was compiled in.
    pub fn is_available(self) -> bool {
        match self {
            Solver::Microlp => true,
            Solver::Highs => cfg!(feature = "highs"),
        }
    }

    /// `Err(crate::base::error::Error::solver(..))` if this backend was not compiled in.
    pub fn check_available(self) -> crate::base::error::Result<()> {
        if self.is_available() {
            Ok(())
        } else {
            Err(crate::base::error::Error::solver(NO_HIGHS))
        }
    }

    /// Backend name as used in messages ("microlp", "highs").
    pub fn name(self) -> &'static str {
        match self {
            Solver::Microlp => "microlp",
            Solver::Highs => "highs",
        }
    }
}

/// Relative optimality gap at which microlp's branch and bound may stop (`|best bound −
/// incumbent| ≤ MICROLP_MIP_GAP · |incumbent|`).
///
/// Why not 0: the weights of the pricing ILP span many orders of magnitude (multiplicative
/// weights shrink to 1e-17 and below; duals of fixed agents are ~0), and with hundreds of
/// interchangeable types the last 1e-9 of the objective can take millions of nodes to prove
/// (measured: a demo pool of 233 applicants ran for more than 16 minutes at gap 0 and
/// stopped after 5 nodes at 1e-7, with the gap at 1.0e-8). 1e-7 of the pricing value (at
/// most about 1) is far below the column-generation tolerance (`eps_leximin` = 5e-6,
/// Goldilocks' `eps` = 5e-4, on the same scale), and the bound the
/// search proves, not the value, enters a certificate (`pricing.rs`). The stop is deterministic: it
/// depends on the node sequence only, never on time.
pub(crate) const MICROLP_MIP_GAP: f64 = 1e-7;

/// Solves `problem` subject to `constraints` with `solver` and returns the values of `vars`.
///
/// Only a proven optimum counts as success (for microlp: proven within
/// [`MICROLP_MIP_GAP`]). HiGHS runs with `mip_rel_gap = mip_abs_gap = 0`
/// (its defaults, 1e-4 and 1e-6, would accept sub-optimal panels and could end column
/// generation too early). Even then HiGHS closes the search tree up to its internal
/// tolerances and reports model status `Optimal` with a residual relative gap (observed
/// ≤ 4e-9, or `inf` for a zero objective), which `good_lp` turns into
/// `SolutionStatus::GapLimit`; with both gap limits at 0 that status can only come from a
/// proven optimum, so it is accepted. A time or iteration limit is an error. HiGHS runs on
/// one thread (the problems are small; measured faster than the default thread pool, and it
/// keeps the engine single-threaded and deterministic).
pub(crate) fn solve(
    solver: Solver,
    problem: UnsolvedProblem,
    constraints: Vec<Constraint>,
    vars: &[Variable],
) -> Result<Vec<f64>, ResolutionError> {
    match solver {
        Solver::Microlp => {
            let model = problem
                .using(microlp)
                .with_mip_gap(MICROLP_MIP_GAP as f32)
                .map_err(|e| ResolutionError::Str(e.to_string()))?;
            run(model, constraints, vars, true)
        }
        #[cfg(feature = "highs")]
        Solver::Highs => run(
            problem
                .using(good_lp::highs)
                .set_option("mip_rel_gap", 0.0)
                .set_option("mip_abs_gap", 0.0)
                .set_option("threads", 1),
            constraints,
            vars,
            true,
        ),
        #[cfg(not(feature = "highs"))]
        Solver::Highs => {
            drop((problem, constraints));
            Err(ResolutionError::Str(NO_HIGHS.into()))
        }
    }
}

fn run<M: SolverModel<Error = ResolutionError>>(
    mut model: M,
    constraints: Vec<Constraint>,
    vars: &[Variable],
    gap_limit_is_optimal: bool,
) -> Result<Vec<f64>, ResolutionError> {
    for c in constraints {
        model.add_constraint(c);
    }
    let sol = model.solve()?;
    let status = sol.status();
    let optimal = match status {
        SolutionStatus::Optimal => true,
        SolutionStatus::GapLimit => gap_limit_is_optimal,
        SolutionStatus::TimeLimit => false,
    };
    if !optimal {
        return Err(ResolutionError::Str(format!(
            "solver stopped without a proven optimum ({status:?})"
        )));
    }
    Ok(vars.iter().map(|&v| sol.value(v)).collect())
}

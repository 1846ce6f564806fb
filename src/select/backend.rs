//! The `good_lp` backend of the pricing ILP and the final primal LP: `microlp` (pure Rust,
//! always available) or HiGHS (only with the cargo feature `highs`).
//!
//! The restricted dual LP of the column generation is not routed through here: it always
//! uses clarabel's interior-point method, whose strictly complementary duals the fixing
//! rule of `leximin.rs` relies on.

use good_lp::variable::UnsolvedProblem;
use good_lp::{
    Constraint, ResolutionError, Solution, SolutionStatus, SolverModel, Variable, microlp,
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

/// Solves `problem` subject to `constraints` with `solver` and returns the values of `vars`.
///
/// Only a proven optimum counts as success. HiGHS runs with `mip_rel_gap = mip_abs_gap = 0`
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
        Solver::Microlp => run(problem.using(microlp), constraints, vars, false),
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
    zero_gap_limits: bool,
) -> Result<Vec<f64>, ResolutionError> {
    for c in constraints {
        model.add_constraint(c);
    }
    let sol = model.solve()?;
    let status = sol.status();
    let optimal = match status {
        SolutionStatus::Optimal => true,
        SolutionStatus::GapLimit => zero_gap_limits,
        SolutionStatus::TimeLimit => false,
    };
    if !optimal {
        return Err(ResolutionError::Str(format!(
            "solver stopped without a proven optimum ({status:?})"
        )));
    }
    Ok(vars.iter().map(|&v| sol.value(v)).collect())
}

//! Linear programs of the column-generation method.
//!
//! Notation (type level): columns P ∈ C with counts m_{P,t}; c_t = multiplicity of type t;
//! u_t = dual weight of each single agent of type t (so the agent-level dual vector is
//! y_i = u_{t(i)}); a_{P,t} = m_{P,t}/c_t is the probability that a given member of t is on
//! P when P's members are drawn uniformly inside each type.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, NonnegativeConeT, SecondOrderConeT,
    SolverStatus, ZeroConeT,
};
use good_lp::{Constraint, Expression, ProblemVariables, Variable, variable};

use super::Solver;
use super::backend;

/// Optimum of the restricted dual LP.
#[derive(Debug, Clone)]
pub(crate) struct DualSolution {
    /// Objective value `ŷ − Σ_{t∈F} p_t c_t u_t` (= value of the restricted primal).
    pub obj: f64,
    pub yhat: f64,
    /// Per-agent dual weight of every type.
    pub u: Vec<f64>,
    /// The interior point's optimal primal weights λ_P, one per column (the duals of the
    /// panel rows); the simplex keeps its basic λ itself.
    pub lambda: Option<Vec<f64>>,
}

/// Sparse conic program `min q'x  s.t.  A x + s = b,  s ∈ {0}^{n_eq} × ℝ_+^{…} × SOC`
/// (the second-order cone, if any, on the last rows), solved by clarabel.
pub(crate) struct ConeLp {
    n: usize,
    q: Vec<f64>,
    rows: usize,
    ti: Vec<usize>,
    tj: Vec<usize>,
    tv: Vec<f64>,
    b: Vec<f64>,
}

impl ConeLp {
    pub fn new(n: usize, q: Vec<f64>) -> ConeLp {
        ConeLp {
            n,
            q,
            rows: 0,
            ti: Vec::new(),
            tj: Vec::new(),
            tv: Vec::new(),
            b: Vec::new(),
        }
    }

    pub fn row(&mut self, coefs: impl IntoIterator<Item = (usize, f64)>, rhs: f64) {
        for (j, v) in coefs {
            if v != 0.0 {
                self.ti.push(self.rows);
                self.tj.push(j);
                self.tv.push(v);
            }
        }
        self.b.push(rhs);
        self.rows += 1;
    }

    /// Solves with the first `n_eq` rows as equalities; `None` unless (almost) optimal.
    fn solve(self, n_eq: usize, tol: f64) -> crate::base::error::Result<Option<(Vec<f64>, f64)>> {
        Ok(self.solve_conic(n_eq, 0, tol)?.map(|c| (c.x, c.obj)))
    }

    /// Solves with the first `n_eq` rows as equalities and the last `n_soc` rows as one
    /// second-order cone (`s_0 ≥ ‖s_1..‖`); `None` unless (almost) optimal. Returns the
    /// primal point, the duals (clarabel's convention: `q + Aᵀz = 0` on the linear part,
    /// z in the dual cone) and the objective value.
    pub fn solve_conic(
        self,
        n_eq: usize,
        n_soc: usize,
        tol: f64,
    ) -> crate::base::error::Result<Option<Conic>> {
        let p = CscMatrix::<f64>::zeros((self.n, self.n));
        let a = CscMatrix::new_from_triplets(self.rows, self.n, self.ti, self.tj, self.tv);
        let mut cones = vec![ZeroConeT(n_eq), NonnegativeConeT(self.rows - n_eq - n_soc)];
        if n_soc > 0 {
            cones.push(SecondOrderConeT(n_soc));
        }
        let settings = DefaultSettingsBuilder::default()
            .verbose(false)
            .max_iter(500)
            .tol_gap_abs(tol)
            .tol_gap_rel(tol)
            .tol_feas(tol)
            .build()
            .map_err(|e| crate::base::error::Error::solver(format!("clarabel settings: {e}")))?;
        let mut solver = DefaultSolver::new(&p, &self.q, &a, &self.b, &cones, settings)
            .map_err(|e| crate::base::error::Error::solver(format!("clarabel: {e:?}")))?;
        solver.solve();
        let sol = &solver.solution;
        match sol.status {
            SolverStatus::Solved | SolverStatus::AlmostSolved => Ok(Some(Conic {
                x: sol.x.clone(),
                z: sol.z.clone(),
                obj: sol.obj_val,
            })),
            _ => Ok(None),
        }
    }
}

/// Solution of a [`ConeLp`]: primal point, duals, objective value.
pub(crate) struct Conic {
    pub x: Vec<f64>,
    pub z: Vec<f64>,
    pub obj: f64,
}

/// Restricted dual LP of one leximin stage (algorithms.md step 2), at type level:
///
/// `min ŷ − Σ_{t∈F} p_t c_t u_t`
/// `s.t. Σ_t m_{P,t} u_t ≤ ŷ            ∀P ∈ C`   (dual of λ_P ≥ 0)
/// `     Σ_{t∉F} c_t u_t = 1`                     (dual of the free variable z)
/// `     ŷ ≥ 0, u ≥ 0`.
///
/// It is the dual of `max z s.t. Σ_P λ_P a_{P,t} ≥ z (t∉F), ≥ p_t (t∈F), Σ_P λ_P ≤ 1, λ ≥ 0`.
/// Solved by an interior-point method (no crossover exists in clarabel): the returned
/// point lies in the relative interior of the optimal face, i.e. it is strictly
/// complementary, so every type whose constraint binds in *all* optimal primals gets
/// u_t > 0 (Pelessoni 1998, Thm 3.3) and can be fixed.
pub(crate) fn solve_dual(
    columns: &[Vec<u32>],
    counts: &[u32],
    fixed: &[Option<f64>],
    tol: f64,
) -> crate::base::error::Result<Option<DualSolution>> {
    let nt = counts.len();
    // Variables: x_0 = ŷ, x_{1+t} = u_t.
    let mut q = vec![0.0; nt + 1];
    q[0] = 1.0;
    for t in 0..nt {
        if let Some(p) = fixed[t] {
            q[1 + t] = -p * counts[t] as f64;
        }
    }
    let mut lp = ConeLp::new(nt + 1, q);
    // Σ_{t∉F} c_t u_t = 1
    lp.row(
        (0..nt)
            .filter(|&t| fixed[t].is_none())
            .map(|t| (1 + t, counts[t] as f64)),
        1.0,
    );
    // Σ_t m_{P,t} u_t − ŷ ≤ 0
    for col in columns {
        lp.row(
            std::iter::once((0, -1.0)).chain(
                col.iter()
                    .enumerate()
                    .filter(|(_, m)| **m > 0)
                    .map(|(t, &m)| (1 + t, m as f64)),
            ),
            0.0,
        );
    }
    // −x ≤ 0
    for j in 0..=nt {
        lp.row([(j, -1.0)], 0.0);
    }
    // The duals of the panel rows (rows 1..=|C|) are the primal's λ: clarabel's
    // `q + Aᵀz = 0`, z ≥ 0, read at ŷ gives Σ_P λ_P ≤ 1 and at u_t gives
    // Σ_P λ_P m_{P,t} ≥ c_t·p_t (t ∈ F), ≥ c_t·z (t ∉ F, z = −z_0), the stage's primal.
    Ok(lp.solve_conic(1, 0, tol)?.map(|c| DualSolution {
        obj: c.obj,
        yhat: c.x[0],
        u: c.x[1..].iter().map(|&v| v.max(0.0)).collect(),
        lambda: Some(c.z[1..=columns.len()].iter().map(|&l| l.max(0.0)).collect()),
    }))
}

/// Final primal LP (algorithms.md step 4):
/// `min ε  s.t.  Σ_P λ_P = 1,  Σ_P λ_P a_{P,t} ≥ p_t − ε ∀t,  λ ≥ 0`.
///
/// Solved first with the simplex method of the chosen backend (microlp or HiGHS), whose
/// basic optimal solution has at most (#types + 1) non-zero λ (a small support); clarabel
/// is the fallback. Returns the weights of the final distribution: λ clipped to [0, 1]
/// (below 1e-12: 0) and renormalised to sum 1.
pub(crate) fn final_primal(
    columns: &[Vec<u32>],
    counts: &[u32],
    target: &[f64],
    tol: f64,
    solver: Solver,
) -> crate::base::error::Result<Vec<f64>> {
    let lambda = match final_primal_simplex(columns, counts, target, solver) {
        Ok(l) => l,
        Err(_) => final_primal_ipm(columns, counts, target, tol)?,
    };
    normalise(&lambda)
}

/// Panel weights as a distribution: clipped to [0, 1] (below 1e-12: 0) and renormalised
/// to sum 1.
pub(crate) fn normalise(lambda: &[f64]) -> crate::base::error::Result<Vec<f64>> {
    let mut lambda: Vec<f64> = lambda
        .iter()
        .map(|&l| if l > 1e-12 { l.min(1.0) } else { 0.0 })
        .collect();
    let s: f64 = lambda.iter().sum();
    if s <= 0.0 {
        return Err(crate::base::error::Error::solver(
            "final primal LP gave no probability mass",
        ));
    }
    for l in lambda.iter_mut() {
        *l /= s;
    }
    Ok(lambda)
}

/// One variable λ_P ≥ 0 per panel.
pub(crate) fn weight_vars(vars: &mut ProblemVariables, panels: usize) -> Vec<Variable> {
    (0..panels).map(|_| vars.add(variable().min(0.0))).collect()
}

fn final_primal_simplex(
    columns: &[Vec<u32>],
    counts: &[u32],
    target: &[f64],
    solver: Solver,
) -> crate::base::error::Result<Vec<f64>> {
    let mut vars = ProblemVariables::new();
    let lam = weight_vars(&mut vars, columns.len());
    let eps = vars.add(variable().min(-1.0).max(1.0));
    let problem = vars.minimise(eps);
    let mut constraints: Vec<Constraint> = Vec::with_capacity(counts.len() + 1);
    let total: Expression = lam.iter().map(|&v| Expression::from(v)).sum();
    constraints.push(total.eq(1.0));
    for (t, &c) in counts.iter().enumerate() {
        let e: Expression = columns
            .iter()
            .zip(&lam)
            .filter(|(col, _)| col[t] > 0)
            .map(|(col, &v)| v * (col[t] as f64 / c as f64))
            .sum();
        constraints.push((e + eps).geq(target[t]));
    }
    backend::solve(solver, problem, constraints, &lam).map_err(|e| {
        crate::base::error::Error::solver(format!("final primal (simplex, {}): {e}", solver.name()))
    })
}

fn final_primal_ipm(
    columns: &[Vec<u32>],
    counts: &[u32],
    target: &[f64],
    tol: f64,
) -> crate::base::error::Result<Vec<f64>> {
    let nc = columns.len();
    // Variables: λ_0..λ_{nc-1}, ε (free).
    let mut q = vec![0.0; nc + 1];
    q[nc] = 1.0;
    let mut lp = ConeLp::new(nc + 1, q);
    lp.row((0..nc).map(|j| (j, 1.0)), 1.0);
    for (t, &c) in counts.iter().enumerate() {
        // −Σ λ_P a_{P,t} − ε ≤ −p_t
        lp.row(
            columns
                .iter()
                .enumerate()
                .map(|(j, col)| (j, -(col[t] as f64) / c as f64))
                .chain(std::iter::once((nc, -1.0))),
            -target[t],
        );
    }
    for j in 0..nc {
        lp.row([(j, -1.0)], 0.0);
    }
    match lp.solve(1, tol)? {
        Some((x, _)) => Ok(x[..nc].to_vec()),
        None => Err(crate::base::error::Error::solver(
            "final primal LP not solved by either solver",
        )),
    }
}

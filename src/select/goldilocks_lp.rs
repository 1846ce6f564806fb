//! The Goldilocks master as a linear program, re-solved warm (issue 14).
//!
//! The conic master of `goldilocks.rs` is solved from scratch by an interior-point method
//! in every round; on the regional 600/50 pool (508 types) a round took 1–5 s and
//! column generation needed hundreds of rounds. Here the master is an LP whose new panels
//! (and new cuts) are *rows*, which a dual simplex adds to a solved LP warm (microlp's
//! `Solution::add_constraint`).
//!
//! **The dual of the master.** With the Lagrangian of the master (notation of
//! `goldilocks.rs`: ceiling a, floor b, γ' = γ·k/n), the infimum over λ ≥ 0 requires
//! `ν + Σ_t a_{P,t}(y_t − z_t) ≤ 0` for every panel P, the infimum over a requires
//! `Σ_t z_t = n/k`, and the infimum over the floor is a function of Y = Σ_t y_t alone:
//!
//! `φ(Y) = inf_{0 < b ≤ 1} (γ'/b + b·Y) = 2√(γ'Y)  if Y ≥ γ',  γ' + Y  otherwise`
//!
//! (b ≤ 1 may be added to the master: b ≤ min_t π_t ≤ 1). So the dual is
//! `max ν + φ(Y)  s.t.  Σ_t z_t = n/k,  ν + Σ_t a_{P,t}(y_t − z_t) ≤ 0 ∀P,  y, z ≥ 0`:
//! linear but for the concave φ, which is the minimum of its tangents. The tangent at the
//! floor b (where Y = γ'/b²) is `γ'/b + b·Y`, so the **dual LP** over the known panels C
//! and a set B of floors is
//!
//! ```text
//! max  ν + w
//! s.t. Σ_t z_t = n/k
//!      ν + Σ_t a_{P,t}(y_t − z_t) ≤ 0     ∀P ∈ C   (primal λ_P)
//!      w − b·Σ_t y_t ≤ γ'/b              ∀b ∈ B   (primal μ_b)
//!      y, z ≥ 0;  ν, w free
//! ```
//!
//! Its own dual is the master with 1/b replaced by its chords through the points of B:
//! `min (n/k)·a + Σ_b (γ'/b)·μ_b  s.t.  Σ λ = 1,  Σ μ = 1,  π_t ≤ a,  π_t ≥ Σ_b b·μ_b`
//! ([`final_primal`]). Chords of a convex function lie above it, so every λ of that LP
//! is a distribution whose true objective is at most the LP's value.
//!
//! **Rounds.** Solve the dual LP; with Y = Σ y the tangent is violated when w > φ(Y) +
//! eps (add the tangent at b = min(1, √(γ'/Y))), a panel when the pricing ILP finds
//! v = max_P Σ_t m_{P,t}(y_t − z_t)/c_t > −ν + eps (add it, with the extra columns of
//! LEXIMIN; the caller prices with Wentges' smoothing, `goldilocks.rs`).
//!
//! **Bounds.** At any dual-feasible (y, z) (Σ z = n/k, y, z ≥ 0), ν = −v̄, v̄ ≥ v the
//! bound the pricing ILP proves, satisfies every panel row of the dual over *all* panels,
//! so by weak duality every distribution has an objective of at least `−v̄ + φ(Y)`. The
//! LP's value ν + w is the chord master's over C, at least the optimum. Column generation
//! stops when the two are within eps, or when no panel is violated and no tangent needed.
//! The final distribution's own objective minus the best lower bound is the certificate
//! (it also contains the chords' and the LP's round-off).
//!
//! Without a floor (MINIMAX) there are no y, w or tangents: `max ν` over the same rows.

use good_lp::{Constraint, Expression, ProblemVariables, Variable, variable};
use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, Solution};

use super::lp::weight_vars;
use super::{Solver, backend};

/// The floors b/(k/n) of the first tangents (more are added where the dual asks).
const FIRST_FLOORS: [f64; 5] = [1.0, 0.75, 0.5, 0.25, 0.1];

/// A solution of the dual LP, per coverable type in the order of `live` (y = 0 without a
/// floor).
#[derive(Clone)]
pub(super) struct Point {
    pub nu: f64,
    /// The LP's w (0 without a floor).
    pub w: f64,
    pub z: Vec<f64>,
    pub y: Vec<f64>,
}

impl Point {
    /// The point a fraction `t` of the way from this one to `other`: dual feasibility
    /// (Σ z = n/k, y, z ≥ 0) is convex, so it holds there too.
    pub fn towards(&self, other: &Point, t: f64) -> Point {
        let mix = |a: &[f64], b: &[f64]| -> Vec<f64> {
            a.iter().zip(b).map(|(&x, &y)| x + t * (y - x)).collect()
        };
        Point {
            nu: self.nu + t * (other.nu - self.nu),
            w: self.w + t * (other.w - self.w),
            z: mix(&self.z, &other.z),
            y: mix(&self.y, &other.y),
        }
    }
}

/// The dual LP, kept solved between rounds.
pub(super) struct LpMaster {
    /// c_t of the coverable types, in the order of `live`.
    counts: Vec<f64>,
    live: Vec<usize>,
    /// γ' (`None`: MINIMAX).
    floor: Option<f64>,
    nu: microlp::Variable,
    w: Option<microlp::Variable>,
    z: Vec<microlp::Variable>,
    y: Vec<microlp::Variable>,
    /// The floors of the tangents, in the order added.
    pub floors: Vec<f64>,
    solution: Option<Solution>,
}

fn fail(e: microlp::Error) -> crate::base::error::Error {
    crate::base::error::Error::solver(format!("Goldilocks master LP (microlp): {e}"))
}

impl LpMaster {
    /// The dual LP over `columns` and the first tangents, solved: at the floors k/n times
    /// [`FIRST_FLOORS`] and, below them, at one the known panels reach for sure (their
    /// uniform mixture gives every coverable type at least 1/(|C|·c_t)), so that the chord
    /// master is feasible (the dual LP bounded) from the first solve on. `ceiling` is n/k.
    pub fn new(
        columns: &[Vec<u32>],
        counts: &[u32],
        live: &[usize],
        ceiling: f64,
        floor: Option<f64>,
    ) -> crate::base::error::Result<LpMaster> {
        let mut pb = Problem::new(OptimizationDirection::Maximize);
        let free = (f64::NEG_INFINITY, f64::INFINITY);
        let nu = pb.add_var(1.0, free);
        let w = floor.map(|_| pb.add_var(1.0, free));
        let z: Vec<_> = live
            .iter()
            .map(|_| pb.add_var(0.0, (0.0, f64::INFINITY)))
            .collect();
        let y: Vec<_> = match floor {
            Some(_) => live
                .iter()
                .map(|_| pb.add_var(0.0, (0.0, f64::INFINITY)))
                .collect(),
            None => Vec::new(),
        };
        let sum_z: LinearExpr = z.iter().map(|&v| (v, 1.0)).collect();
        pb.add_constraint(sum_z, ComparisonOp::Eq, ceiling);
        let mut master = LpMaster {
            counts: live.iter().map(|&t| counts[t] as f64).collect(),
            live: live.to_vec(),
            floor,
            nu,
            w,
            z,
            y,
            floors: Vec::new(),
            solution: None,
        };
        for col in columns {
            let (e, rhs) = master.panel_row(col);
            pb.add_constraint(e, ComparisonOp::Le, rhs);
        }
        if let (Some(g), Some(w)) = (floor, w) {
            let largest = live.iter().map(|&t| counts[t]).max().unwrap_or(1).max(1);
            let sure = 1.0 / (columns.len().max(1) as f64 * largest as f64);
            let mut first: Vec<f64> = FIRST_FLOORS
                .iter()
                .map(|&f| (f / ceiling).min(1.0))
                .collect();
            if first.iter().all(|&b| b > sure) {
                first.push(sure);
            }
            for b in first {
                let (e, rhs) = master.tangent_row(g, w, b);
                pb.add_constraint(e, ComparisonOp::Le, rhs);
                master.floors.push(b);
            }
        }
        master.solution = Some(
            pb.solve()
                .map_err(fail)?
                .into_solution()
                .map_err(|_| crate::base::error::Error::solver("Goldilocks master LP stopped"))?,
        );
        Ok(master)
    }

    /// The row of a panel: ν + Σ_t (m_t/c_t)(y_t − z_t) ≤ 0.
    fn panel_row(&self, col: &[u32]) -> (LinearExpr, f64) {
        let mut e = LinearExpr::empty();
        e.add(self.nu, 1.0);
        for (i, &t) in self.live.iter().enumerate() {
            if col[t] > 0 {
                let a = col[t] as f64 / self.counts[i];
                e.add(self.z[i], -a);
                if self.floor.is_some() {
                    e.add(self.y[i], a);
                }
            }
        }
        (e, 0.0)
    }

    fn add(&mut self, e: LinearExpr, rhs: f64) -> crate::base::error::Result<()> {
        let Some(s) = self.solution.take() else {
            return Err(crate::base::error::Error::solver(
                "Goldilocks master LP failed before",
            ));
        };
        self.solution = Some(
            s.add_constraint(e, ComparisonOp::Le, rhs)
                .map_err(fail)?
                .into_solution()
                .map_err(|_| crate::base::error::Error::solver("Goldilocks master LP stopped"))?,
        );
        Ok(())
    }

    pub fn add_panel(&mut self, col: &[u32]) -> crate::base::error::Result<()> {
        let (e, rhs) = self.panel_row(col);
        self.add(e, rhs)
    }

    /// The row of the tangent of φ at the floor b: w − b·Σ y ≤ γ'/b.
    fn tangent_row(&self, g: f64, w: microlp::Variable, b: f64) -> (LinearExpr, f64) {
        let mut e = LinearExpr::empty();
        e.add(w, 1.0);
        for &v in &self.y {
            e.add(v, -b);
        }
        (e, g / b)
    }

    pub fn add_tangent(&mut self, b: f64) -> crate::base::error::Result<()> {
        let (Some(g), Some(w)) = (self.floor, self.w) else {
            return Ok(());
        };
        let (e, rhs) = self.tangent_row(g, w, b);
        self.floors.push(b);
        self.add(e, rhs)
    }

    /// The current solution (an error after a failed re-solve).
    pub fn point(&self) -> crate::base::error::Result<Point> {
        let s = self.solution.as_ref().ok_or_else(|| {
            crate::base::error::Error::solver("Goldilocks master LP failed before")
        })?;
        Ok(Point {
            nu: s.var_value(self.nu),
            w: self.w.map_or(0.0, |w| s.var_value(w)),
            z: self.z.iter().map(|&v| s.var_value(v).max(0.0)).collect(),
            y: match self.floor {
                Some(_) => self.y.iter().map(|&v| s.var_value(v).max(0.0)).collect(),
                None => vec![0.0; self.z.len()],
            },
        })
    }
}

/// φ(Y) of the module docs.
pub(super) fn phi(g: f64, y: f64) -> f64 {
    if y >= g { 2.0 * (g * y).sqrt() } else { g + y }
}

/// The floor whose tangent touches φ at Y: √(γ'/Y), at most 1.
pub(super) fn floor_at(g: f64, y: f64) -> f64 {
    if y > g { (g / y).sqrt() } else { 1.0 }
}

/// The master with chords (module docs), a basic optimal λ over `columns`:
/// `min (n/k)·a + Σ_b (γ'/b)·μ_b  s.t.  Σ λ = 1,  Σ μ = 1,  π_t ≤ a,  π_t ≥ Σ_b b·μ_b`
/// (without a floor: `min (n/k)·a`, no μ).
pub(super) fn final_primal(
    columns: &[Vec<u32>],
    counts: &[u32],
    live: &[usize],
    ceiling: f64,
    floor: Option<(f64, &[f64])>,
    solver: Solver,
) -> crate::base::error::Result<Vec<f64>> {
    let mut vars = ProblemVariables::new();
    let lam = weight_vars(&mut vars, columns.len());
    let a = vars.add(variable().min(0.0));
    let floors = floor.map_or(&[][..], |(_, b)| b);
    let mu: Vec<Variable> = floors
        .iter()
        .map(|_| vars.add(variable().min(0.0)))
        .collect();
    let mut objective = Expression::from(a) * ceiling;
    if let Some((g, _)) = floor {
        for (&m, &b) in mu.iter().zip(floors) {
            objective += m * (g / b);
        }
    }
    let problem = vars.minimise(objective);
    let mut constraints: Vec<Constraint> = Vec::new();
    let total: Expression = lam.iter().map(|&v| Expression::from(v)).sum();
    constraints.push(total.eq(1.0));
    if floor.is_some() {
        let total: Expression = mu.iter().map(|&v| Expression::from(v)).sum();
        constraints.push(total.eq(1.0));
    }
    for &t in live {
        let c = counts[t] as f64;
        let pi: Expression = columns
            .iter()
            .zip(&lam)
            .filter(|(col, _)| col[t] > 0)
            .map(|(col, &v)| v * (col[t] as f64 / c))
            .sum();
        constraints.push((pi.clone() - a).leq(0.0));
        if floor.is_some() {
            let level: Expression = mu.iter().zip(floors).map(|(&m, &b)| m * b).sum();
            constraints.push((pi - level).geq(0.0));
        }
    }
    backend::solve(solver, problem, constraints, &lam).map_err(|e| {
        crate::base::error::Error::solver(format!("Goldilocks final LP ({}): {e}", solver.name()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// φ(Y) against the infimum it stands for, by brute force over a fine grid of floors
    /// b ∈ (0, 1]; the tangent at `floor_at` touches φ at Y and lies above it elsewhere.
    #[test]
    fn phi_is_the_infimum_over_the_floor_and_its_tangents_lie_above() {
        for g in [0.01, 0.15, 0.5, 1.0] {
            for y in [0.0, 0.001, 0.01, 0.1, 0.15, 0.5, 1.0, 3.0, 20.0, 500.0] {
                let brute = (1..=200_000)
                    .map(|i| {
                        let b = i as f64 / 200_000.0;
                        g / b + b * y
                    })
                    .fold(f64::INFINITY, f64::min);
                let exact = phi(g, y);
                assert!(exact <= brute + 1e-12, "g {g} y {y}: {exact} > {brute}");
                assert!(
                    brute - exact < 1e-3 * brute,
                    "g {g} y {y}: {exact} vs {brute}"
                );
                // The tangent at b = floor_at(g, y): γ'/b + b·Y' ≥ φ(Y') for all Y', = at Y.
                let b = floor_at(g, y);
                assert!((g / b + b * y - exact).abs() < 1e-9 * (1.0 + exact));
                for y2 in [0.0, 0.05, 0.7, 9.0, 300.0] {
                    assert!(g / b + b * y2 >= phi(g, y2) - 1e-12);
                }
            }
        }
    }
}

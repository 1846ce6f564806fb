//! The Goldilocks master as a linear program, re-solved warm (issue 14).
//!
//! The conic master of `goldilocks.rs` is solved from scratch by an interior-point method
//! in every round; on the regional 600/50 pool (508 types) a round took 1–5 s and
//! column generation needed hundreds of rounds. Here the master is an LP solved by the
//! primal simplex of `simplex.rs` ([`Chords`]), in which new panels and new tangents are
//! *columns*: the last optimal basis stays feasible and is re-optimised by a few pivots.
//! (The first version added the dual LP's rows to microlp's dual simplex, whose
//! `add_constraint` rebuilds the matrix and refactorises per row: regional pool 118 s,
//! against 48 s here; national 2,200/160 ~14 s per round, against 1–2 s.)
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
//! ([`Chords`], the LP the simplex solves; its row duals are the dual LP's point). Chords
//! of a convex function lie above it, so every λ of that LP is a distribution whose true
//! objective is at most the LP's value; the simplex's optimal λ is a basic solution (at
//! most 2·types + 2 panels), the final distribution without a further LP.
//!
//! **Rounds.** Solve the LP; with Y = Σ y the tangent is violated when w > φ(Y) + eps
//! (add the tangent at b = min(1, √(γ'/Y))), a panel when the pricing ILP finds
//! v = max_P Σ_t m_{P,t}(y_t − z_t)/c_t > −ν + eps (add it; the caller prices with
//! Wentges' smoothing, `goldilocks.rs`).
//!
//! **Bounds.** At any dual-feasible (y, z) (Σ z ≤ n/k, y, z ≥ 0), ν = −v̄, v̄ ≥ v the
//! bound the pricing ILP proves, satisfies every panel row of the dual over *all* panels,
//! so by weak duality every distribution has an objective of at least `−v̄ + φ(Y)`. The
//! LP's value ν + w is the chord master's over C, at least the optimum. Column generation
//! stops when the two are within eps, or when no panel is violated and no tangent needed.
//! The final distribution's own objective minus the best lower bound is the certificate
//! (it also contains the chords' and the LP's round-off).
//!
//! Without a floor (MINIMAX) there are no y, w or tangents: `max ν` over the same rows.

use super::simplex::{MAX_ROWS, Shape, Simplex, Solved, dense, perturbation, sparse};

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
    /// (Σ z ≤ n/k, y, z ≥ 0) is convex, so it holds there too.
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

/// The chord master in the engine's standard form (rows scaled by c_t, L coverable
/// types, positions i in the order of `live`):
///
/// ```text
/// min  (n/k)·a + Σ_b (γ'/b)·μ_b
/// s.t. Σ_P m_{P,i} λ_P − c_i a             + s_i = 0   i < L     (ceiling, dual −z_i/c_i)
///      Σ_P m_{P,i} λ_P − c_i Σ_b b μ_b     − r_i = 0   i < L     (floor, dual y_i/c_i)
///      Σ_P λ_P = 1                                               (dual ν)
///      Σ_b μ_b = 1                                               (dual w)
///      λ, a, μ, s, r ≥ 0
/// ```
///
/// Its row duals are the dual LP's point (reduced costs ≥ 0 at the optimum: the panel
/// rows `ν + Σ_i a_{P,i}(y_i − z_i) ≤ 0`, the tangent rows `w ≤ γ'/b + b·Σ y`, and from
/// a: Σ z ≤ n/k, with equality while a > 0, which Σ λ = 1 forces). Without a floor
/// (MINIMAX) the floor rows, μ and the second convexity row are left out. New panels and
/// new tangents are *columns* here, so the last optimal basis stays feasible and a few
/// primal simplex pivots re-optimise it.
pub(super) struct Chords {
    counts: Vec<f64>,
    /// Panels over the coverable types, sparse (position in `live`, m_{P,t}).
    panels: Vec<Vec<(usize, f64)>>,
    /// n/k, the cost of a.
    ceiling: f64,
    /// γ' (`None`: MINIMAX).
    floor: Option<f64>,
    /// The floors of the tangents, in the order added.
    floors: Vec<f64>,
}

impl Chords {
    fn types(&self) -> usize {
        self.counts.len()
    }

    /// The row of Σ λ = 1.
    fn lambda_row(&self) -> usize {
        match self.floor {
            Some(_) => 2 * self.types(),
            None => self.types(),
        }
    }

    /// The row of Σ μ = 1 (with a floor).
    fn mu_row(&self) -> usize {
        2 * self.types() + 1
    }
}

impl Shape for Chords {
    fn rows(&self) -> usize {
        match self.floor {
            Some(_) => 2 * self.types() + 2,
            None => self.types() + 1,
        }
    }

    fn panels(&self) -> usize {
        self.panels.len()
    }

    fn panel_column(&self, j: usize, out: &mut Vec<(usize, f64)>) {
        let l = self.types();
        for &(i, m) in &self.panels[j] {
            out.push((i, m));
            if self.floor.is_some() {
                out.push((l + i, m));
            }
        }
        out.push((self.lambda_row(), 1.0));
    }

    /// a, then one μ_b per tangent.
    fn extras(&self) -> usize {
        1 + self.floors.len()
    }

    fn extra_column(&self, e: usize, out: &mut Vec<(usize, f64)>) {
        let l = self.types();
        if e == 0 {
            out.extend(self.counts.iter().enumerate().map(|(i, &c)| (i, -c)));
        } else {
            let b = self.floors[e - 1];
            out.extend(
                self.counts
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| (l + i, -c * b)),
            );
            out.push((self.mu_row(), 1.0));
        }
    }

    fn extra_cost(&self, e: usize) -> f64 {
        match (e, self.floor) {
            (0, _) | (_, None) => self.ceiling,
            (_, Some(g)) => g / self.floors[e - 1],
        }
    }

    fn slack(&self, r: usize) -> Option<f64> {
        let l = self.types();
        if r < l {
            Some(1.0)
        } else if r < self.lambda_row() {
            Some(-1.0)
        } else {
            None
        }
    }

    /// `perturbed`: π_i ≤ a + perturbation(i) and π_i ≥ Σ b μ − perturbation(L + i)
    /// (distinct amounts for the two rows of a type, against ties in the ratio test).
    fn rhs(&self, perturbed: bool) -> Vec<f64> {
        let l = self.types();
        let eps = |row: usize| {
            if perturbed {
                perturbation(row) * self.counts[row % l]
            } else {
                0.0
            }
        };
        let mut b: Vec<f64> = (0..l).map(eps).collect();
        if self.floor.is_some() {
            b.extend((l..2 * l).map(|r| -eps(r)));
            b.push(1.0);
        }
        b.push(1.0);
        b
    }
}

/// The master, kept with its last optimal basis between rounds.
pub(super) struct LpMaster {
    lp: Simplex<Chords>,
    live: Vec<usize>,
    /// The panel weights of the last optimal solve.
    lambda: Vec<(usize, f64)>,
}

fn fail(why: &str) -> crate::base::error::Error {
    crate::base::error::Error::solver(format!("Goldilocks master LP: {why}"))
}

impl LpMaster {
    /// The master over `columns` and the first tangents: at the floors k/n times
    /// [`FIRST_FLOORS`] and, below them, at one the known panels reach for sure (their
    /// uniform mixture gives every coverable type at least 1/(|C|·c_t)), so that the chord
    /// master is feasible from the first solve on. `ceiling` is n/k. An error when the
    /// LP has more rows than the dense simplex takes ([`MAX_ROWS`]).
    pub fn new(
        columns: &[Vec<u32>],
        counts: &[u32],
        live: &[usize],
        ceiling: f64,
        floor: Option<f64>,
    ) -> crate::base::error::Result<LpMaster> {
        let mut master = LpMaster {
            lp: Simplex::new(Chords {
                counts: live.iter().map(|&t| counts[t] as f64).collect(),
                panels: Vec::new(),
                ceiling,
                floor,
                floors: Vec::new(),
            }),
            live: live.to_vec(),
            lambda: Vec::new(),
        };
        if master.lp.shape.rows() > MAX_ROWS {
            return Err(fail(&format!(
                "{} rows, more than the simplex takes ({MAX_ROWS})",
                master.lp.shape.rows()
            )));
        }
        for col in columns {
            master.add_panel(col);
        }
        if floor.is_some() {
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
                master.add_tangent(b);
            }
        }
        Ok(master)
    }

    /// Adds a panel (a type-count vector over all types) for the next solve.
    pub fn add_panel(&mut self, col: &[u32]) {
        let only_live: Vec<u32> = self.live.iter().map(|&t| col[t]).collect();
        self.lp.shape.panels.push(sparse(&only_live));
    }

    /// Adds the tangent of φ at the floor b for the next solve (nothing without a floor).
    pub fn add_tangent(&mut self, b: f64) {
        if self.lp.shape.floor.is_some() {
            self.lp.shape.floors.push(b);
        }
    }

    /// The floors of the tangents, in the order added.
    pub fn floors(&self) -> &[f64] {
        &self.lp.shape.floors
    }

    /// Solves the master warm from the last basis: its dual point.
    pub fn solve(&mut self) -> crate::base::error::Result<Point> {
        let opt = match self.lp.solve(false) {
            Solved::Optimal(o) => o,
            Solved::Infeasible => return Err(fail("infeasible (an artificial stays positive)")),
            Solved::Trouble => return Err(fail("numerical trouble in the simplex")),
        };
        self.lambda = opt.panels();
        let shape = &self.lp.shape;
        let l = shape.types();
        let z = (0..l)
            .map(|i| (-shape.counts[i] * opt.y[i]).max(0.0))
            .collect();
        let (y, w) = match shape.floor {
            Some(_) => (
                (0..l)
                    .map(|i| (shape.counts[i] * opt.y[l + i]).max(0.0))
                    .collect(),
                opt.y[shape.mu_row()],
            ),
            None => (vec![0.0; l], 0.0),
        };
        Ok(Point {
            nu: opt.y[shape.lambda_row()],
            w,
            z,
            y,
        })
    }

    /// The distribution of the last solve over the first `columns` panels (a basic
    /// solution: at most as many panels as rows).
    pub fn lambda(&self, columns: usize) -> Vec<f64> {
        dense(&self.lambda, columns)
    }

    /// The engine's counters (for `SORTES_TIMING`).
    pub fn stats(&self) -> &Simplex<Chords> {
        &self.lp
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

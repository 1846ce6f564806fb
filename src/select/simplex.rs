//! A warm-started primal simplex for the restricted LP of one LEXIMIN stage (issue 14).
//!
//! The LP, at type level (notation of `lp.rs`; one row per type t, scaled by c_t so that
//! the row's dual is the per-agent dual u_t):
//!
//! `min −z`
//! `s.t. Σ_P m_{P,t} λ_P − c_t z − s_t = 0          t ∉ F   (π_t ≥ z)`
//! `     Σ_P m_{P,t} λ_P       − s_t = c_t p_t      t ∈ F   (π_t ≥ p_t)`
//! `     Σ_P λ_P + s_c = 1                                 (convexity)`
//! `     λ, z, s ≥ 0`.
//!
//! Its dual is the restricted dual LP of `lp.rs`: with row duals y (cost c_B B⁻¹),
//! `u_t = y_t`, `ŷ = −y_c`, and the reduced cost of a panel is `ŷ − Σ_t m_{P,t} u_t`, so
//! a panel prices in exactly when the pricing ILP finds `v > ŷ`.
//!
//! Why a primal simplex and not the interior-point method: between two solves of a stage
//! only columns are added (new panels), so the last optimal basis stays primal feasible
//! and a few pivots re-optimise it; between stages, the types just fixed move from
//! `π_t ≥ z` to `π_t ≥ p_t` with p_t = z*, which the last optimal point still satisfies
//! (same λ, same slacks), so if the old basis stays non-singular in the new matrix it is
//! still a feasible basis. Otherwise (or when a basis goes bad) the stage starts cold from
//! the slack basis with artificial variables on the rows with `c_t p_t > 0`, priced at
//! [`BIG_M`] (big-M method; every variable lies in [0, 1]·c_t, so M = 10⁴ dominates).
//!
//! Vertex duals instead of interior ones: a type with u_t > 0 in *some* optimal dual
//! binds in every optimal primal (complementary slackness), so fixing it is correct; a
//! vertex dual may leave types of the same level unfixed, which the next stage fixes at
//! the same level (more, but cheap, stages).
//!
//! Numerical policy (written down because a simplex needs one):
//! * dense explicit basis inverse B⁻¹ (rows = types + 1, at most [`MAX_ROWS`]), updated
//!   by the product form after every pivot and recomputed from scratch (Gauss–Jordan with
//!   partial pivoting) every `rows` pivots (at least [`REFACTOR`], at most
//!   [`REFACTOR_MAX`]), and before reporting a
//!   result unless the product-form inverse checks to 10⁻⁹ (primal residual, and dual
//!   residual relative to 1 + ‖y‖∞, after up to [`REFINE`] steps of iterative
//!   refinement of x_B and y, since products with an explicit inverse lose accuracy with
//!   the condition of B);
//! * entering variable: among reduced costs d_j below −[`OPT_TOL`] the largest d_j²/w_j
//!   with Devex reference weights w_j (Forrest & Goldfarb's approximation of steepest
//!   edge; w = 1 at the start of every solve, updated from the pivot row). On the
//!   regional 600/50 pool it needs about half the pivots of the most negative d_j
//!   (Dantzig): 150–520 instead of 330–910 per solve within a stage, 773 instead of
//!   3,234 at the largest (LP time 24.2 → 16.0 s). After [`STALL`] pivots without
//!   objective progress, Bland's rule (lowest index) until the objective moves, which
//!   rules out cycling;
//! * ratio test: Harris' two passes with primal tolerance [`PRIMAL_TOL`]; pivots with
//!   |α| < [`PIVOT_TOL`] are never taken; basic values pushed below 0 by round-off are
//!   set to 0, and after a refactorisation by bound shifting ([`StageLp::shift`]: the
//!   right-hand side moves by at most [`SHIFT_MAX`] per value);
//! * the optimal basis of the perturbed LP is re-checked on the true right-hand side;
//!   basic values below −[`CLEAN_TOL`] (an ill-conditioned basis magnifies the
//!   perturbation) are removed by dual simplex pivots ([`StageLp::dual_cleanup`]), which
//!   keep the basis optimal;
//! * a pivot on a singular basis, an iteration limit ([`MAX_PIVOTS`]) or a residual
//!   `‖B x_B − b‖∞` above 1e-7 after refactorisation is trouble: the solve is done again
//!   from the same basis, repaired and refactorised (as at a new stage), then from a
//!   cold basis; only when that fails too does the caller fall back to the
//!   interior-point path (`lp::solve_dual`). On the national 2,200/160 pool (1,295 rows)
//!   the repaired retry succeeded where the cold start ran into the pivot limit and the
//!   interior point then took ~30 s per round.

use super::lp::DualSolution;

/// Cost of an artificial variable (big-M).
const BIG_M: f64 = 1.0e4;
/// Largest number of rows (types + 1) for which the dense inverse is used.
pub const MAX_ROWS: usize = 2500;
/// Pivots between two refactorisations.
const REFACTOR: usize = 100;
/// On large bases a refactorisation (O(m³)) costs as much as m product-form updates
/// (O(m²) each), but the product-form inverse drifts with every update: every `rows`
/// pivots up to [`REFACTOR_MAX`] (regional pool, 509 rows: every rows/2 pivots, 160
/// refactorisations took 8.5 s; every `rows` pivots, 110 took 5.5 s, same results).
fn refactor_every(rows: usize) -> usize {
    rows.clamp(REFACTOR, REFACTOR_MAX)
}
/// Most pivots between two refactorisations.
const REFACTOR_MAX: usize = 500;
/// Steps of iterative refinement when a basis is checked.
const REFINE: usize = 2;

/// A basic solution and duals after iterative refinement, with their residuals.
struct Refined {
    x: Vec<f64>,
    y: Vec<f64>,
    /// ‖b − B x‖∞.
    primal: f64,
    /// ‖c_B − y B‖∞ / (1 + ‖y‖∞): relative, because the duals carry the big-M cost of an
    /// artificial variable left basic at 0 and round-off in c_B − yB grows with them.
    dual: f64,
}

/// Pivots without progress before Bland's rule.
const STALL: usize = 30;
const OPT_TOL: f64 = 1e-10;
const PRIMAL_TOL: f64 = 1e-10;
const PIVOT_TOL: f64 = 1e-9;
/// A warm basis whose values are above −WARM_TOL is accepted (values clamped to 0).
const WARM_TOL: f64 = 1e-7;
const MAX_PIVOTS: usize = 50_000;
/// Largest negative basic value that bound shifting absorbs.
const SHIFT_MAX: f64 = 1e-5;
/// The same at the start of a solve, from the last solve's basis.
const START_SHIFT_MAX: f64 = 1e-3;
/// Dual simplex pivots allowed to remove the perturbation's negative basic values.
const MAX_CLEANUP: usize = 1_000;
/// Basic values below −CLEAN_TOL are removed by the dual clean-up.
const CLEAN_TOL: f64 = 1e-9;
/// Size of the right-hand-side perturbation (per agent of the type).
const PERTURB: f64 = 1e-9;

/// ε_t / c_t: distinct for neighbouring types (no ties in the ratio test), in
/// [PERTURB, 2·PERTURB).
fn perturbation(t: usize) -> f64 {
    PERTURB * (1.0 + ((t * 7919) % 1000) as f64 / 1000.0)
}

/// A variable of the LP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Var {
    Panel(usize),
    Z,
    /// Surplus of a type row (−1) or slack of the convexity row (+1).
    Slack(usize),
    Artificial(usize),
    /// The single artificial that restores feasibility of a warm basis (Wolfe): its
    /// column is `StageLp::restore`.
    Restore,
}

/// Outcome of one solve.
pub(crate) enum Solve {
    Optimal(DualSolution),
    /// The fixed levels cannot all be met (an artificial stays positive).
    Infeasible,
    /// Numerical trouble: use the interior-point path.
    Trouble,
}

/// Says why a solve fails, with `SORTES_TIMING` set.
fn note(why: &str) {
    if crate::base::timing::enabled() {
        eprintln!("simplex: {why}");
    }
}

/// Reports trouble (and why, with `SORTES_TIMING` set).
fn trouble(why: &str) -> Solve {
    if crate::base::timing::enabled() {
        eprintln!("simplex trouble: {why}");
    }
    Solve::Trouble
}

/// The stage LP with its last basis, kept between solves.
pub(crate) struct StageLp {
    counts: Vec<f64>,
    /// Sparse panel columns (type, m_{P,t}), the convexity entry implied.
    panels: Vec<Vec<(usize, f64)>>,
    /// Fixed levels of the last solve (to detect a new stage).
    fixed: Vec<Option<f64>>,
    basis: Vec<Var>,
    binv: Vec<f64>,
    /// Column of [`Var::Restore`] while it is basic.
    restore: Vec<(usize, f64)>,
    /// Product-form updates since the last refactorisation.
    stale: usize,
    /// Solves that hit trouble from a warm basis and were done again from a cold one.
    pub cold_retries: usize,
    /// Refactorisations and the seconds they took (for `SORTES_TIMING`).
    pub refactors: (usize, f64),
    /// The panel weights λ (index into the column list, value) of the last optimal
    /// solve, on the true right-hand side: a basic solution, so at most rows of them.
    pub lambda: Vec<(usize, f64)>,
}

impl StageLp {
    pub fn new(counts: &[u32]) -> StageLp {
        StageLp {
            counts: counts.iter().map(|&c| c as f64).collect(),
            panels: Vec::new(),
            fixed: Vec::new(),
            basis: Vec::new(),
            binv: Vec::new(),
            restore: Vec::new(),
            stale: 0,
            cold_retries: 0,
            refactors: (0, 0.0),
            lambda: Vec::new(),
        }
    }

    fn rows(&self) -> usize {
        self.counts.len() + 1
    }

    /// Column of a variable as (row, value) pairs.
    fn column(&self, v: Var, out: &mut Vec<(usize, f64)>) {
        let nt = self.counts.len();
        out.clear();
        match v {
            Var::Panel(j) => {
                out.extend_from_slice(&self.panels[j]);
                out.push((nt, 1.0));
            }
            Var::Z => {
                for t in 0..nt {
                    if self.fixed[t].is_none() {
                        out.push((t, -self.counts[t]));
                    }
                }
            }
            Var::Slack(r) => out.push((r, if r == nt { 1.0 } else { -1.0 })),
            Var::Artificial(r) => out.push((r, 1.0)),
            Var::Restore => out.extend_from_slice(&self.restore),
        }
    }

    fn cost(v: Var) -> f64 {
        match v {
            Var::Z => -1.0,
            Var::Artificial(_) | Var::Restore => BIG_M,
            _ => 0.0,
        }
    }

    /// Right-hand side; `perturbed` subtracts ε_t from every type row (see [`PERTURB`]).
    fn rhs(&self, perturbed: bool) -> Vec<f64> {
        let nt = self.counts.len();
        let mut b: Vec<f64> = (0..nt)
            .map(|t| {
                let e = if perturbed {
                    perturbation(t) * self.counts[t]
                } else {
                    0.0
                };
                self.fixed[t].map_or(0.0, |p| self.counts[t] * p) - e
            })
            .collect();
        b.push(1.0);
        b
    }

    /// The slack basis, with an artificial on every row whose right-hand side is positive.
    fn cold_basis(&self) -> Vec<Var> {
        let nt = self.counts.len();
        let b = self.rhs(true);
        (0..=nt)
            .map(|r| {
                if r < nt && b[r] > 0.0 {
                    Var::Artificial(r)
                } else {
                    Var::Slack(r)
                }
            })
            .collect()
    }

    /// The basis matrix B, dense, row-major (column i = basic variable i).
    fn dense_basis(&self) -> Vec<f64> {
        let m = self.rows();
        let mut a = vec![0.0; m * m];
        let mut col = Vec::new();
        for (i, &v) in self.basis.iter().enumerate() {
            self.column(v, &mut col);
            for &(r, x) in &col {
                a[r * m + i] = x;
            }
        }
        a
    }

    /// B⁻¹ of the current basis by Gauss–Jordan with partial pivoting; false if singular.
    fn refactor(&mut self) -> bool {
        let started = std::time::Instant::now();
        let ok = self.gauss_jordan();
        self.refactors.0 += 1;
        self.refactors.1 += started.elapsed().as_secs_f64();
        ok
    }

    fn gauss_jordan(&mut self) -> bool {
        let m = self.rows();
        let mut a = self.dense_basis();
        let mut inv = vec![0.0; m * m];
        for i in 0..m {
            inv[i * m + i] = 1.0;
        }
        // The pivot row, copied out so that the row updates below are plain loops over
        // two slices (which the compiler vectorises).
        let mut pivot_a = vec![0.0; m];
        let mut pivot_inv = vec![0.0; m];
        for c in 0..m {
            let p = (c..m)
                .max_by(|&x, &y| a[x * m + c].abs().total_cmp(&a[y * m + c].abs()))
                .unwrap_or(c);
            if a[p * m + c].abs() < 1e-11 {
                return false;
            }
            if p != c {
                for k in 0..m {
                    a.swap(p * m + k, c * m + k);
                    inv.swap(p * m + k, c * m + k);
                }
            }
            let d = 1.0 / a[c * m + c];
            // Columns left of c are unit vectors already: only k ≥ c of a changes, and
            // only the non-zeros of inv's pivot row matter (few while B is sparse: a
            // dense loop once they are many).
            for (x, p) in a[c * m + c..(c + 1) * m].iter_mut().zip(&mut pivot_a[c..]) {
                *x *= d;
                *p = *x;
            }
            let mut nz = Vec::new();
            for (k, (x, p)) in inv[c * m..(c + 1) * m]
                .iter_mut()
                .zip(&mut pivot_inv)
                .enumerate()
            {
                *x *= d;
                *p = *x;
                if *x != 0.0 {
                    nz.push(k);
                }
            }
            let dense = nz.len() * 4 > m;
            for r in (0..m).filter(|&r| r != c) {
                let f = a[r * m + c];
                if f == 0.0 {
                    continue;
                }
                for (x, &p) in a[r * m + c..(r + 1) * m].iter_mut().zip(&pivot_a[c..]) {
                    *x -= f * p;
                }
                let row = &mut inv[r * m..(r + 1) * m];
                if dense {
                    for (x, &p) in row.iter_mut().zip(&pivot_inv) {
                        *x -= f * p;
                    }
                } else {
                    for &k in &nz {
                        row[k] -= f * pivot_inv[k];
                    }
                }
            }
        }
        // a is now the identity: inv = B⁻¹ (rows of inv belong to basis positions).
        self.binv = inv;
        self.stale = 0;
        true
    }

    /// Basis repair: the basic columns that have no pivot (linearly dependent on the
    /// others) are replaced by the slacks of rows that got no pivot. Elimination with
    /// partial pivoting over the unused rows; the pivoted columns are independent and
    /// unit columns complete them to a basis.
    fn repair(&mut self) {
        let m = self.rows();
        let mut a = self.dense_basis();
        let mut used = vec![false; m];
        let mut failed = Vec::new();
        // z last: if the basis became singular because z lost the fixed rows, z is the
        // column dropped (set to 0, which keeps the old point feasible: the unfixed rows
        // only get more slack), never a panel the old point uses.
        let mut order: Vec<usize> = (0..m).filter(|&i| self.basis[i] != Var::Z).collect();
        order.extend((0..m).filter(|&i| self.basis[i] == Var::Z));
        for c in order {
            let p = (0..m)
                .filter(|&r| !used[r])
                .max_by(|&x, &y| a[x * m + c].abs().total_cmp(&a[y * m + c].abs()));
            let Some(p) = p.filter(|&p| a[p * m + c].abs() >= 1e-9) else {
                failed.push(c);
                continue;
            };
            used[p] = true;
            let pivot: Vec<f64> = a[p * m..(p + 1) * m].to_vec();
            for r in (0..m).filter(|&r| r != p) {
                let f = a[r * m + c] / pivot[c];
                if f != 0.0 {
                    for (x, &y) in a[r * m..(r + 1) * m].iter_mut().zip(&pivot) {
                        *x -= f * y;
                    }
                }
            }
        }
        let free: Vec<usize> = (0..m).filter(|&r| !used[r]).collect();
        for (&c, &r) in failed.iter().zip(&free) {
            self.basis[c] = Var::Slack(r);
        }
    }

    /// Makes the current (factored) basis feasible with one pivot when some basic values
    /// are negative (Wolfe's single artificial): the artificial's column is
    /// `h = −Σ_{i: x_i<0} B e_i`, so B⁻¹h = −v (v the indicator of the negative positions)
    /// and entering it at θ = max_i(−x_i) lifts every negative value to ≥ 0, the most
    /// negative position leaving. Priced at BIG_M, the simplex then drives it out.
    /// False when the basis cannot be used (an artificial already restores it).
    fn restore_feasibility(&mut self, b: &[f64]) -> bool {
        let m = self.rows();
        let x = self.primal(b);
        let negative: Vec<usize> = (0..m).filter(|&i| x[i] < -WARM_TOL).collect();
        if negative.is_empty() {
            return true;
        }
        if self.basis.contains(&Var::Restore) {
            return false;
        }
        let mut h = vec![0.0; m];
        let mut col = Vec::new();
        for &i in &negative {
            self.column(self.basis[i], &mut col);
            for &(r, a) in &col {
                h[r] -= a;
            }
        }
        self.restore = (0..m).filter(|&r| h[r] != 0.0).map(|r| (r, h[r])).collect();
        let l = negative
            .iter()
            .copied()
            .min_by(|&a, &c| x[a].total_cmp(&x[c]))
            .unwrap_or(negative[0]);
        self.basis[l] = Var::Restore;
        let mut alpha = vec![0.0; m];
        for &i in &negative {
            alpha[i] = -1.0;
        }
        self.update_inverse(&alpha, l);
        true
    }

    /// Product-form update of B⁻¹ after the column with B⁻¹a = `alpha` replaced basis
    /// position `l`: row l ÷ α_l, every other row − α_i · (new row l).
    fn update_inverse(&mut self, alpha: &[f64], l: usize) {
        let m = self.rows();
        let p = alpha[l];
        for v in &mut self.binv[l * m..(l + 1) * m] {
            *v /= p;
        }
        let pivot_row: Vec<f64> = self.binv[l * m..(l + 1) * m].to_vec();
        for (i, &f) in alpha.iter().enumerate() {
            if i != l && f != 0.0 {
                for (b, &r) in self.binv[i * m..(i + 1) * m].iter_mut().zip(&pivot_row) {
                    *b -= f * r;
                }
            }
        }
        self.stale += 1;
    }

    /// x_B = B⁻¹ b.
    fn primal(&self, b: &[f64]) -> Vec<f64> {
        let m = self.rows();
        (0..m)
            .map(|i| (0..m).map(|r| self.binv[i * m + r] * b[r]).sum())
            .collect()
    }

    /// y = c_B B⁻¹.
    fn duals(&self) -> Vec<f64> {
        let costs: Vec<f64> = self.basis.iter().map(|&v| Self::cost(v)).collect();
        let mut y = vec![0.0; self.rows()];
        self.add_times_binv(&costs, &mut y);
        y
    }

    /// y += w B⁻¹ (w: one entry per basic column; B⁻¹ stored by rows).
    fn add_times_binv(&self, w: &[f64], y: &mut [f64]) {
        let m = self.rows();
        for (i, &wi) in w.iter().enumerate() {
            if wi != 0.0 {
                for (yr, &b) in y.iter_mut().zip(&self.binv[i * m..(i + 1) * m]) {
                    *yr += wi * b;
                }
            }
        }
    }

    /// Every variable that may enter the basis, in a fixed order: panels, z, slacks
    /// (artificials never re-enter).
    fn candidates(&self) -> impl Iterator<Item = Var> + use<> {
        (0..self.panels.len())
            .map(Var::Panel)
            .chain(std::iter::once(Var::Z))
            .chain((0..self.rows()).map(Var::Slack))
    }

    /// Index of a candidate (see [`StageLp::candidates`]) in per-candidate arrays.
    fn slot(&self, v: Var) -> usize {
        match v {
            Var::Panel(j) => j,
            Var::Z => self.panels.len(),
            Var::Slack(r) => self.panels.len() + 1 + r,
            // Never candidates; a slot of their own is not needed.
            Var::Artificial(_) | Var::Restore => 0,
        }
    }

    /// Drops the basis: the next solve starts cold.
    fn forget_basis(&mut self) {
        self.basis.clear();
        self.binv.clear();
        self.stale = 0;
    }

    /// Solves the stage LP over `columns` (type-count vectors; the list only grows
    /// between calls) with the levels `fixed`. After trouble from a warm basis (which may
    /// have become ill-conditioned) once more from that basis repaired, then from a cold
    /// one; trouble from a cold start is reported at once (the same cold solve would fail
    /// the same way).
    /// The caller keeps the number of types below [`MAX_ROWS`].
    pub fn solve(&mut self, columns: &[Vec<u32>], fixed: &[Option<f64>]) -> Solve {
        if columns.len() < self.panels.len() {
            return trouble("column list shrank");
        }
        for col in &columns[self.panels.len()..] {
            self.panels.push(
                col.iter()
                    .enumerate()
                    .filter(|(_, m)| **m > 0)
                    .map(|(t, &m)| (t, m as f64))
                    .collect(),
            );
        }
        let new_stage = self.fixed != fixed;
        self.fixed = fixed.to_vec();
        let mut result = self.solve_basis(new_stage);
        if let (Solve::Trouble, true) = result {
            // The basis as at the start of a stage: repaired, refactorised and made
            // feasible for the perturbed right-hand side by Wolfe's artificial. Cheaper
            // than a cold start, which on the national pool (1,295 rows) ran into the
            // pivot limit.
            note("retry from the repaired basis");
            result = self.solve_basis(true);
        }
        match result {
            (Solve::Trouble, true) => {
                self.forget_basis();
                self.cold_retries += 1;
                self.solve_basis(true).0
            }
            (done, _) => done,
        }
    }

    /// One solve from the kept basis where it serves (`new_stage`: the fixed levels
    /// changed), else from a cold one; the result and whether it started warm.
    fn solve_basis(&mut self, new_stage: bool) -> (Solve, bool) {
        let b = self.rhs(true);
        // A new stage keeps the last basis where it is still a feasible basis; z (now
        // without the fixed rows) usually becomes dependent (on the regional pool at every
        // one of 34 stages) and is swapped for a slack by the repair, which leaves z = 0
        // and the same panels: the simplex raises z again. The repair comes first: a
        // refactorisation that fails on the dependent column costs as much as one that
        // succeeds.
        let warm = !self.basis.is_empty()
            && (!new_stage
                || ({
                    self.repair();
                    self.refactor()
                } && self.restore_feasibility(&b)));
        if !warm {
            self.basis = self.cold_basis();
            if !self.refactor() {
                return (trouble("cold basis singular"), warm);
            }
        }
        if self.iterate(&b) != Some(true) {
            return (trouble("iteration failed or hit the pivot limit"), warm);
        }
        // The optimal basis of the perturbed LP, checked without the perturbation: the
        // duals do not depend on b, so a basis that stays primal feasible is optimal. An
        // ill-conditioned basis can turn the 10⁻⁹ perturbation into basic values of
        // −10⁻⁶ or so; a few dual simplex pivots on the true right-hand side remove them
        // while the basis stays optimal (dual feasible). The product-form inverse is
        // trusted when the result checks to 10⁻⁹ (primal residual ‖B x_B − b‖∞ and dual
        // residual ‖c_B − yB‖∞); otherwise the basis is refactorised and checked to 10⁻⁷.
        let b = self.rhs(false);
        let mut checked: Option<Refined> = None;
        for tol in [1e-9, 1e-7] {
            if tol > 1e-9 {
                if self.stale == 0 {
                    break;
                }
                if !self.refactor() {
                    return (trouble("refactorisation failed"), warm);
                }
            }
            if !self.dual_cleanup(&b) {
                continue;
            }
            let r = self.refined(&b);
            if r.primal.max(r.dual) <= tol && r.x.iter().all(|&v| v >= -tol) {
                checked = Some(r);
                break;
            }
            if crate::base::timing::enabled() {
                let low = r.x.iter().fold(0.0f64, |a, &v| a.min(v));
                note(&format!(
                    "check at tolerance {tol:.0e}: primal residual {:.1e}, relative dual residual {:.1e}, lowest basic value {low:.1e}",
                    r.primal, r.dual
                ));
            }
        }
        let Some(Refined { x, y, .. }) = checked else {
            return (trouble("no basis checks on the true right-hand side"), warm);
        };
        let artificial: f64 = self
            .basis
            .iter()
            .zip(&x)
            .filter(|(v, _)| matches!(v, Var::Artificial(_) | Var::Restore))
            .map(|(_, &x)| x)
            .sum();
        if artificial > 1e-9 {
            return (Solve::Infeasible, warm);
        }
        let z = self
            .basis
            .iter()
            .zip(&x)
            .find(|(v, _)| **v == Var::Z)
            .map_or(0.0, |(_, &x)| x);
        self.lambda = self
            .basis
            .iter()
            .zip(&x)
            .filter_map(|(v, &x)| match v {
                Var::Panel(j) => Some((*j, x)),
                _ => None,
            })
            .collect();
        let nt = self.rows() - 1;
        let dual = DualSolution {
            obj: z,
            yhat: -y[nt],
            u: y[..nt].iter().map(|&u| u.max(0.0)).collect(),
        };
        (Solve::Optimal(dual), warm)
    }

    /// x_B = B⁻¹b and y = c_B B⁻¹ with up to [`REFINE`] steps of iterative refinement
    /// each (x ← x + B⁻¹(b − Bx), y ← y + (c_B − yB)B⁻¹): products with an explicit
    /// inverse are not backward stable, their residuals grow with the condition of B
    /// (on the national 2,200/160 pool's first optimal basis, 1,295 rows: a primal
    /// residual of 1.4·10⁻⁷ right after refactorisation).
    fn refined(&self, b: &[f64]) -> Refined {
        let m = self.rows();
        let mut col = Vec::new();
        let mut x = self.primal(b);
        let mut y = self.duals();
        let mut out = Refined {
            x: Vec::new(),
            y: Vec::new(),
            primal: f64::INFINITY,
            dual: f64::INFINITY,
        };
        for step in 0..=REFINE {
            // r = b − B x and d = c_B − y B (one entry per basic column).
            let mut r = b.to_vec();
            let mut d = vec![0.0; m];
            for (i, &v) in self.basis.iter().enumerate() {
                self.column(v, &mut col);
                d[i] = Self::cost(v);
                for &(row, a) in &col {
                    r[row] -= a * x[i];
                    d[i] -= y[row] * a;
                }
            }
            let scale = 1.0 + y.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let primal = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let dual = d.iter().fold(0.0f64, |a, v| a.max(v.abs())) / scale;
            // Keep the best pair seen: refinement cannot help a nearly singular basis.
            if primal.max(dual) < out.primal.max(out.dual) {
                out = Refined {
                    x: x.clone(),
                    y: y.clone(),
                    primal,
                    dual,
                };
            }
            if step == REFINE || primal.max(dual) <= 1e-13 {
                break;
            }
            let dx = self.primal(&r);
            for (xi, di) in x.iter_mut().zip(&dx) {
                *xi += di;
            }
            self.add_times_binv(&d, &mut y);
        }
        out
    }

    /// Dual simplex from an optimal (dual feasible) basis until it is primal feasible for
    /// `b`: the most negative basic value leaves; the entering variable is the nonbasic
    /// one with α_rj < 0 (row r of B⁻¹A) that minimises d_j / −α_rj, which keeps every
    /// reduced cost d ≥ 0, ties to the largest |α_rj|. False when no variable can enter
    /// (the basis cannot be made feasible) or after [`MAX_CLEANUP`] pivots.
    fn dual_cleanup(&mut self, b: &[f64]) -> bool {
        let m = self.rows();
        let mut col = Vec::new();
        let mut alpha = vec![0.0; m];
        for _ in 0..MAX_CLEANUP {
            if self.stale >= refactor_every(m) && !self.refactor() {
                return false;
            }
            let x = self.primal(b);
            let Some(r) = (0..m)
                .filter(|&i| x[i] < -CLEAN_TOL)
                .min_by(|&i, &j| x[i].total_cmp(&x[j]))
            else {
                return true;
            };
            let y = self.duals();
            let in_basis: std::collections::BTreeSet<Var> = self.basis.iter().copied().collect();
            let mut best: Option<(Var, f64, f64)> = None;
            let candidates = self.candidates();
            for v in candidates {
                if in_basis.contains(&v) {
                    continue;
                }
                self.column(v, &mut col);
                let row = &self.binv[r * m..(r + 1) * m];
                let a_r: f64 = col.iter().map(|&(i, a)| row[i] * a).sum();
                if a_r >= -PIVOT_TOL {
                    continue;
                }
                let d = (Self::cost(v) - col.iter().map(|&(i, a)| y[i] * a).sum::<f64>()).max(0.0);
                let ratio = d / -a_r;
                let better = match best {
                    None => true,
                    Some((_, br, ba)) => ratio < br - 1e-12 || (ratio <= br + 1e-12 && -a_r > ba),
                };
                if better {
                    best = Some((v, ratio, -a_r));
                }
            }
            let Some((q, _, _)) = best else {
                note(&format!(
                    "dual clean-up: no variable can enter (basic value {:.1e})",
                    x[r]
                ));
                return false;
            };
            self.column(q, &mut col);
            for (i, a) in alpha.iter_mut().enumerate() {
                *a = col.iter().map(|&(r, v)| self.binv[i * m + r] * v).sum();
            }
            self.update_inverse(&alpha, r);
            self.basis[r] = q;
        }
        note("dual clean-up: pivot limit");
        false
    }

    /// Bound shifting: basic values that round-off (or an ill-conditioned basis) pushed
    /// below 0 are set to 0 by moving the right-hand side by B·δ (δ_i = −x_i), i.e. the
    /// simplex goes on with a slightly larger perturbation; the final check on the true
    /// right-hand side and the dual clean-up remove it. False when a value is below
    /// −`limit` (then the basis is not trusted).
    fn shift(&self, b: &mut [f64], x: &mut [f64], limit: f64) -> bool {
        let mut col = Vec::new();
        for (i, v) in x.iter_mut().enumerate() {
            if *v < -limit {
                return false;
            }
            if *v < 0.0 {
                self.column(self.basis[i], &mut col);
                for &(r, a) in &col {
                    b[r] -= a * *v;
                }
                *v = 0.0;
            }
        }
        true
    }

    /// Primal simplex from the current (feasible) basis. Some(true) at the optimum,
    /// Some(false) when a pivot fails, None at the pivot limit.
    fn iterate(&mut self, b: &[f64]) -> Option<bool> {
        let m = self.rows();
        let mut b = b.to_vec();
        let mut x = self.primal(&b);
        // A basis kept from the last solve is optimal for the true right-hand side; an
        // ill-conditioned one can put the perturbed values well below 0: shifted as well.
        if !self.shift(&mut b, &mut x, START_SHIFT_MAX) {
            note("shift refused at start");
            return Some(false);
        }
        let mut in_basis: std::collections::BTreeSet<Var> = self.basis.iter().copied().collect();
        let mut since_progress = 0usize;
        let mut objective: f64 = self
            .basis
            .iter()
            .zip(&x)
            .map(|(&v, &x)| Self::cost(v) * x)
            .sum();
        let mut col = Vec::new();
        let mut alpha = vec![0.0; m];
        // Devex reference weights (one per candidate, `self.slot`), reset to 1 per call.
        let mut weight = vec![1.0f64; self.panels.len() + 1 + m];
        for _ in 0..MAX_PIVOTS {
            let y = self.duals();
            let bland = since_progress >= STALL;
            // Candidates in a fixed order: panels, z, slacks (artificials never re-enter).
            let reduced = |this: &StageLp, v: Var, col: &mut Vec<(usize, f64)>| -> f64 {
                this.column(v, col);
                Self::cost(v) - col.iter().map(|&(r, a)| y[r] * a).sum::<f64>()
            };
            // Devex pricing: the largest d_j² / w_j (w_j approximates the squared length
            // of the edge in the reference framework), which needs far fewer pivots on
            // this degenerate LP than the most negative d_j.
            let mut entering: Option<(Var, f64, f64)> = None;
            let candidates = self.candidates();
            for v in candidates {
                if in_basis.contains(&v) {
                    continue;
                }
                let d = reduced(self, v, &mut col);
                if d < -OPT_TOL {
                    if bland {
                        entering = Some((v, d, 0.0));
                        break;
                    }
                    let score = d * d / weight[self.slot(v)];
                    if entering.is_none_or(|(_, _, e)| score > e) {
                        entering = Some((v, d, score));
                    }
                }
            }
            let Some((q, dq, _)) = entering else {
                return Some(true);
            };
            // α = B⁻¹ a_q.
            self.column(q, &mut col);
            for (i, a) in alpha.iter_mut().enumerate() {
                *a = col.iter().map(|&(r, v)| self.binv[i * m + r] * v).sum();
            }
            // Harris ratio test; under Bland's rule the exact minimum ratio (ties to the
            // lowest variable), which Bland's anti-cycling argument needs.
            let slack = if bland { 0.0 } else { PRIMAL_TOL };
            let mut bound = f64::INFINITY;
            for i in 0..m {
                if alpha[i] > PIVOT_TOL {
                    bound = bound.min((x[i] + slack) / alpha[i]);
                }
            }
            if !bound.is_finite() {
                // Unbounded cannot happen (z ≤ max_t …, λ in the simplex); trouble.
                note("unbounded");
                return Some(false);
            }
            let mut leave: Option<usize> = None;
            for i in 0..m {
                if alpha[i] > PIVOT_TOL && x[i] / alpha[i] <= bound {
                    let better = match leave {
                        None => true,
                        Some(l) if bland => self.basis[i] < self.basis[l],
                        Some(l) => alpha[i] > alpha[l],
                    };
                    if better {
                        leave = Some(i);
                    }
                }
            }
            let Some(l) = leave else {
                note("no leaving row");
                return Some(false);
            };
            let theta = (x[l] / alpha[l]).max(0.0);
            for i in 0..m {
                x[i] = (x[i] - theta * alpha[i]).max(0.0);
            }
            x[l] = theta;
            // Devex update with the pivot row α_lj = (e_l B⁻¹) a_j of the old basis:
            // w_j ← max(w_j, (α_lj/α_lq)² w_q), and the leaving variable gets
            // max(w_q/α_lq², 1).
            let wq = weight[self.slot(q)];
            let row = &self.binv[l * m..(l + 1) * m];
            for v in self.candidates() {
                if v == q || in_basis.contains(&v) {
                    continue;
                }
                self.column(v, &mut col);
                let a: f64 = col.iter().map(|&(r, a)| row[r] * a).sum();
                if a != 0.0 {
                    let w = &mut weight[self.slot(v)];
                    *w = w.max((a / alpha[l]).powi(2) * wq);
                }
            }
            if !matches!(self.basis[l], Var::Artificial(_) | Var::Restore) {
                weight[self.slot(self.basis[l])] = (wq / (alpha[l] * alpha[l])).max(1.0);
            }
            self.update_inverse(&alpha, l);
            in_basis.remove(&self.basis[l]);
            in_basis.insert(q);
            self.basis[l] = q;
            let new_objective = objective + theta * dq;
            if new_objective < objective - 1e-12 {
                since_progress = 0;
            } else {
                since_progress += 1;
            }
            objective = new_objective;
            if self.stale >= refactor_every(m) {
                if !self.refactor() {
                    note("refactor failed");
                    return Some(false);
                }
                x = self.primal(&b);
                if !self.shift(&mut b, &mut x, SHIFT_MAX) {
                    note("shift refused after refactor");
                    return Some(false);
                }
            }
        }
        note("pivot limit");
        None
    }
}

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
//!   partial pivoting) when it has drifted ([`Simplex::refresh`]: checked every
//!   [`CHECK_EVERY`] pivots on a probe vector, at the latest after [`REFACTOR_MAX`]),
//!   and before reporting a result unless the product-form inverse checks to 10⁻⁹ (primal residual, and dual
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
//!   from the same basis, repaired and refactorised (as at a new stage), on the true
//!   right-hand side with a budget of [`RETRY_PIVOTS`] per row, then (Goldilocks
//!   only, [`Simplex::cold_retry`]) from a cold basis; only when that fails too does the
//!   caller fall back: LEXIMIN to the interior-point path (`lp::solve_dual`) for the
//!   rest of the stage (and longer after troubles in a row), Goldilocks to the conic
//!   master. On the national 2,200/160 pool (1,295 rows) the repaired retry succeeded
//!   where the cold start ran into the pivot limit (ten minutes in the fifth stage).

use super::lp::DualSolution;

/// Cost of an artificial variable (big-M).
const BIG_M: f64 = 1.0e4;
/// Largest number of rows for which the dense inverse is used (LEXIMIN: types + 1;
/// Goldilocks: 2·types + 2, 2,590 on the national pool): B⁻¹ takes 8·rows² bytes, 72 MB
/// at 3,000.
pub const MAX_ROWS: usize = 3000;
/// Product-form updates between two accuracy checks of the inverse ([`Simplex::drift`]).
const CHECK_EVERY: usize = 100;
/// The inverse is recomputed when its drift exceeds this many times its drift right
/// after the last refactorisation (at least [`DRIFT_FLOOR`]).
const DRIFT_GROWTH: f64 = 10.0;
/// Drift below which an inverse is always kept: the final check's tolerance, which the
/// iterative refinement there reaches from an inverse this far off. (At 10⁻¹¹ the
/// national LEXIMIN stage LP, 1,295 rows, refactorised at nearly every check: 303 times in
/// 25,333 pivots of one stage.)
const DRIFT_FLOOR: f64 = 1e-9;
/// Most product-form updates between two refactorisations, whatever the drift.
const REFACTOR_MAX: usize = 5_000;

/// Fewest product-form updates between two refactorisations for drift: `rows`, at least
/// [`CHECK_EVERY`] and at most 500. A refactorisation costs about as much as `rows`
/// updates; on the national LEXIMIN stage LP (1,295 rows, ill-conditioned bases) the
/// drift grew tenfold within 100 pivots, and refactorising at every check took 1,056
/// refactorisations and two thirds of a 14-minute stage.
fn refactor_min(rows: usize) -> usize {
    rows.clamp(CHECK_EVERY, 500)
}
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
/// Pivots per row allowed to the retry on the true right-hand side ([`Simplex::solve`]).
const RETRY_PIVOTS: usize = 10;
/// The retry's budget on small LPs.
const RETRY_PIVOTS_MIN: usize = 1_000;
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
pub(crate) fn perturbation(t: usize) -> f64 {
    PERTURB * (1.0 + ((t * 7919) % 1000) as f64 / 1000.0)
}

/// A variable of the LP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Var {
    Panel(usize),
    /// A structural column of the shape other than a panel ([`Shape::extra_column`]).
    Extra(usize),
    /// The slack or surplus of a row that has one ([`Shape::slack`]).
    Slack(usize),
    Artificial(usize),
    /// The single artificial that restores feasibility of a warm basis (Wolfe): its
    /// column is `Simplex::restore`.
    Restore,
}

/// Says why a solve fails, with `SORTES_TIMING` set.
fn note(why: &str) {
    if crate::base::timing::enabled() {
        eprintln!("simplex: {why}");
    }
}

/// Reports trouble (and why, with `SORTES_TIMING` set).
fn trouble(why: &str) -> Option<Refined> {
    if crate::base::timing::enabled() {
        eprintln!("simplex trouble: {why}");
    }
    None
}

/// The structure of an LP `min c·x  s.t.  A x = b,  x ≥ 0` that the engine solves: panel
/// columns (cost 0; their number only grows between solves), further structural columns
/// (`extras`, which may also grow), and one slack or surplus for each row that is an
/// inequality. The LEXIMIN stage LP ([`Stage`]) and the Goldilocks chord master
/// (`goldilocks_lp.rs`) are the two shapes.
pub(crate) trait Shape {
    fn rows(&self) -> usize;
    fn panels(&self) -> usize;
    /// Appends the non-zeros (row, value) of panel `j`'s column.
    fn panel_column(&self, j: usize, out: &mut Vec<(usize, f64)>);
    fn extras(&self) -> usize;
    /// Appends the non-zeros of extra column `i`.
    fn extra_column(&self, i: usize, out: &mut Vec<(usize, f64)>);
    fn extra_cost(&self, i: usize) -> f64;
    /// The coefficient of row `r`'s slack (+1 for ≤, −1 for ≥), `None` for an equality.
    /// The cold basis puts an artificial (+1) on an equality row and on a row whose
    /// right-hand side has the wrong sign for its slack, so those right-hand sides must
    /// be ≥ 0 (true of both shapes).
    fn slack(&self, r: usize) -> Option<f64>;
    /// The right-hand side; `perturbed` relaxes the inequality rows by a tiny distinct
    /// amount each (against degeneracy, see [`PERTURB`]).
    fn rhs(&self, perturbed: bool) -> Vec<f64>;
}

/// The simplex engine: a shape with its last basis and that basis' inverse, kept between
/// solves.
pub(crate) struct Simplex<S> {
    pub shape: S,
    basis: Vec<Var>,
    /// B⁻¹ by columns: entry (i, r) at `binv[r·m + i]`, so that B⁻¹a (a sparse) adds a
    /// few contiguous columns and the update skips every column whose pivot-row entry is
    /// 0 (the columns of rows whose slack is basic are unit vectors).
    binv: Vec<f64>,
    /// Column of [`Var::Restore`] while it is basic.
    restore: Vec<(usize, f64)>,
    /// Product-form updates since the last refactorisation.
    stale: usize,
    /// [`Simplex::drift`] right after the last refactorisation.
    drift_fresh: f64,
    /// Solves that hit trouble from a warm basis and were done again from a cold one.
    pub cold_retries: usize,
    /// Whether trouble from a warm basis (after the repaired retry) is retried from a
    /// cold one. Off for LEXIMIN: its caller solves that round by the interior point and
    /// gives the simplex a later stage (`leximin::Backoff`), while a cold start of the
    /// national pool's stage LP (1,295 rows) ran into the 50,000-pivot limit after ten
    /// minutes.
    pub cold_retry: bool,
    /// Refactorisations and the seconds they took (for `SORTES_TIMING`).
    pub refactors: (usize, f64),
    /// Primal simplex pivots (for `SORTES_TIMING`).
    pub pivots: usize,
    devex: PerVar<f64>,
}

/// One value per candidate variable (panels, extras, slacks): the Devex reference
/// weights, and which candidates are basic.
#[derive(Default)]
struct PerVar<T> {
    panel: Vec<T>,
    extra: Vec<T>,
    slack: Vec<T>,
}

impl<T: Copy + Default> PerVar<T> {
    /// Every value `value`, sized for the shape's candidates.
    fn reset(&mut self, panels: usize, extras: usize, rows: usize, value: T) {
        for (v, n) in [
            (&mut self.panel, panels),
            (&mut self.extra, extras),
            (&mut self.slack, rows),
        ] {
            v.clear();
            v.resize(n, value);
        }
    }

    /// The value of a candidate (the default for artificials, never candidates).
    fn at(&self, v: Var) -> T {
        match v {
            Var::Panel(j) => self.panel[j],
            Var::Extra(i) => self.extra[i],
            Var::Slack(r) => self.slack[r],
            Var::Artificial(_) | Var::Restore => T::default(),
        }
    }

    /// Sets the value of a candidate (artificials are ignored).
    fn set(&mut self, v: Var, value: T) {
        match v {
            Var::Panel(j) => self.panel[j] = value,
            Var::Extra(i) => self.extra[i] = value,
            Var::Slack(r) => self.slack[r] = value,
            Var::Artificial(_) | Var::Restore => {}
        }
    }
}

/// An optimal basis of the true (unperturbed) LP: the basic variables' values and the
/// row duals.
pub(crate) struct Optimum {
    basis: Vec<Var>,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Optimum {
    /// The panels in the basis with their values (index into the panel list, value).
    pub fn panels(&self) -> Vec<(usize, f64)> {
        self.basis
            .iter()
            .zip(&self.x)
            .filter_map(|(v, &x)| match v {
                Var::Panel(j) => Some((*j, x)),
                _ => None,
            })
            .collect()
    }

    /// The value of extra column `i` (0 when not basic).
    pub fn extra(&self, i: usize) -> f64 {
        self.basis
            .iter()
            .zip(&self.x)
            .find(|(v, _)| **v == Var::Extra(i))
            .map_or(0.0, |(_, &x)| x)
    }

    /// The sum of the artificial variables (above 0: the LP is infeasible).
    fn artificial(&self) -> f64 {
        self.basis
            .iter()
            .zip(&self.x)
            .filter(|(v, _)| matches!(v, Var::Artificial(_) | Var::Restore))
            .map(|(_, &x)| x)
            .sum()
    }
}

/// Outcome of a solve: of [`Simplex::solve`] an [`Optimum`], of [`StageLp::solve`] its
/// duals.
pub(crate) enum Solved<T = Optimum> {
    Optimal(T),
    /// An artificial variable stays positive (LEXIMIN: the fixed levels cannot all be met).
    Infeasible,
    /// Numerical trouble (after the retries): use the interior-point path.
    Trouble,
}

impl<T> Solved<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Solved<U> {
        match self {
            Solved::Optimal(t) => Solved::Optimal(f(t)),
            Solved::Infeasible => Solved::Infeasible,
            Solved::Trouble => Solved::Trouble,
        }
    }
}

/// The LEXIMIN stage LP of the module docs: one row per type, then the convexity row;
/// panels as type-count vectors; one extra column, z.
pub(crate) struct Stage {
    counts: Vec<f64>,
    /// Sparse panel columns (type, m_{P,t}), the convexity entry implied.
    panels: Vec<Vec<(usize, f64)>>,
    /// Fixed levels of the last solve (to detect a new stage).
    fixed: Vec<Option<f64>>,
}

impl Shape for Stage {
    fn rows(&self) -> usize {
        self.counts.len() + 1
    }

    fn panels(&self) -> usize {
        self.panels.len()
    }

    fn panel_column(&self, j: usize, out: &mut Vec<(usize, f64)>) {
        out.extend_from_slice(&self.panels[j]);
        out.push((self.counts.len(), 1.0));
    }

    fn extras(&self) -> usize {
        1
    }

    /// z: −c_t in every type row not yet fixed.
    fn extra_column(&self, _: usize, out: &mut Vec<(usize, f64)>) {
        for t in 0..self.counts.len() {
            if self.fixed[t].is_none() {
                out.push((t, -self.counts[t]));
            }
        }
    }

    fn extra_cost(&self, _: usize) -> f64 {
        -1.0
    }

    /// Type rows are ≥ (surplus), the convexity row ≤ (slack).
    fn slack(&self, r: usize) -> Option<f64> {
        Some(if r == self.counts.len() { 1.0 } else { -1.0 })
    }

    /// `perturbed` subtracts ε_t from every type row (see [`PERTURB`]).
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
}

/// The LEXIMIN stage LP with its last basis, kept between solves.
pub(crate) struct StageLp {
    pub lp: Simplex<Stage>,
    /// The panel weights λ (index into the column list, value) of the last optimal
    /// solve, on the true right-hand side: a basic solution, so at most rows of them.
    pub lambda: Vec<(usize, f64)>,
}

impl StageLp {
    pub fn new(counts: &[u32]) -> StageLp {
        let mut lp = Simplex::new(Stage {
            counts: counts.iter().map(|&c| c as f64).collect(),
            panels: Vec::new(),
            fixed: Vec::new(),
        });
        lp.cold_retry = false;
        StageLp {
            lp,
            lambda: Vec::new(),
        }
    }

    /// Solves the stage LP over `columns` (type-count vectors; the list only grows
    /// between calls) with the levels `fixed`: warm from the last basis, which at a new
    /// stage is repaired first (see [`Simplex::solve`]).
    /// The caller keeps the number of types below [`MAX_ROWS`].
    pub fn solve(&mut self, columns: &[Vec<u32>], fixed: &[Option<f64>]) -> Solved<DualSolution> {
        let shape = &mut self.lp.shape;
        if columns.len() < shape.panels.len() {
            note("column list shrank");
            return Solved::Trouble;
        }
        for col in &columns[shape.panels.len()..] {
            shape.panels.push(sparse(col));
        }
        let new_stage = shape.fixed != fixed;
        shape.fixed = fixed.to_vec();
        let nt = shape.counts.len();
        let lambda = &mut self.lambda;
        self.lp.solve(new_stage).map(|opt| {
            *lambda = opt.panels();
            DualSolution {
                obj: opt.extra(0),
                yhat: -opt.y[nt],
                u: opt.y[..nt].iter().map(|&u| u.max(0.0)).collect(),
                lambda: None,
            }
        })
    }
}

/// The non-zero entries of a dense vector as (index, value) pairs.
fn nonzeros(v: &[f64]) -> Vec<(usize, f64)> {
    v.iter()
        .enumerate()
        .filter(|(_, x)| **x != 0.0)
        .map(|(i, &x)| (i, x))
        .collect()
}

/// The dense vector of length `n` with the given (index, value) entries, 0 elsewhere: a
/// basic solution's panel weights over the whole column list.
pub(crate) fn dense(entries: &[(usize, f64)], n: usize) -> Vec<f64> {
    let mut v = vec![0.0; n];
    for &(i, x) in entries {
        v[i] = x;
    }
    v
}

/// A type-count vector as (type, count) pairs of its non-zero counts.
pub(crate) fn sparse(col: &[u32]) -> Vec<(usize, f64)> {
    col.iter()
        .enumerate()
        .filter(|(_, m)| **m > 0)
        .map(|(t, &m)| (t, m as f64))
        .collect()
}

/// Columns eliminated per block of [`invert`].
const BLOCK: usize = 32;

/// A⁻¹ of a dense row-major m×m matrix by blocked Gauss–Jordan elimination with partial
/// pivoting, by columns (entry (i, j) at `j·m + i`, as `Simplex::binv`), or None when a
/// pivot is below 10⁻¹¹ (singular).
///
/// Gauss–Jordan without row swaps: the pivot of column c is the largest entry among the
/// rows not pivoted yet, r_c, and its step `E_c` (row r_c ÷ its entry v, every other row
/// r minus v_r times the new row r_c) differs from I only in column r_c. At the end
/// `E A = P` with `P e_c = e_{r_c}`, so row c of A⁻¹ is row r_c of E.
///
/// Blocked: the steps of [`BLOCK`] columns are found on those columns alone (an
/// m×BLOCK panel), together with T = (their product)·S_R, S_R = [e_{r_c}] over the
/// block's pivot rows R. Their product is I + (T − S_R)S_Rᵀ, so the rest of A and the E
/// so far take them in one pass, `X ← X + (T − S_R)·X_R` (X_R: X's rows R, which stay in
/// cache), instead of BLOCK passes over the whole matrix: unblocked, the refactorisation of
/// the national pool's 2,590-row Goldilocks master ran at memory speed. E is kept by
/// pivot order (column j ↔ row r_j): its columns of rows not pivoted yet are still unit
/// vectors. Plain loops in a fixed order, so the result is the same on every machine
/// (no runtime-dispatched kernels).
fn invert(mut a: Vec<f64>, m: usize) -> Option<Vec<f64>> {
    // E by pivot order: column j is E e_{r_j}.
    let mut e = vec![0.0; m * m];
    let mut pivot: Vec<usize> = Vec::with_capacity(m);
    let mut used = vec![false; m];
    let mut panel = Vec::new();
    let mut t = Vec::new();
    let mut c0 = 0;
    while c0 < m {
        let nb = BLOCK.min(m - c0);
        panel.clear();
        for r in 0..m {
            panel.extend_from_slice(&a[r * m + c0..r * m + c0 + nb]);
        }
        t.clear();
        t.resize(m * nb, 0.0);
        let before = pivot.len();
        for i in 0..nb {
            let p = (0..m)
                .filter(|&r| !used[r])
                .max_by(|&x, &y| panel[x * nb + i].abs().total_cmp(&panel[y * nb + i].abs()))?;
            let v = panel[p * nb + i];
            if v.abs() < 1e-11 {
                return None;
            }
            used[p] = true;
            pivot.push(p);
            t[p * nb + i] = 1.0;
            let d = 1.0 / v;
            for x in &mut panel[p * nb + i..(p + 1) * nb] {
                *x *= d;
            }
            for x in &mut t[p * nb..=p * nb + i] {
                *x *= d;
            }
            let pivot_panel = panel[p * nb + i..(p + 1) * nb].to_vec();
            let pivot_t = t[p * nb..=p * nb + i].to_vec();
            for r in (0..m).filter(|&r| r != p) {
                let f = panel[r * nb + i];
                if f == 0.0 {
                    continue;
                }
                for (x, &y) in panel[r * nb + i..(r + 1) * nb].iter_mut().zip(&pivot_panel) {
                    *x -= f * y;
                }
                for (x, &y) in t[r * nb..=r * nb + i].iter_mut().zip(&pivot_t) {
                    *x -= f * y;
                }
            }
        }
        let rows = &pivot[before..];
        // U = T − S_R.
        let mut u = t.clone();
        for (i, &r) in rows.iter().enumerate() {
            u[r * nb + i] -= 1.0;
        }
        // X_R of the rest of A (columns right of the block) and of E's earlier columns.
        let wide = m - c0 - nb;
        let mut a_r = Vec::with_capacity(nb * wide);
        let mut e_r = Vec::with_capacity(nb * c0);
        for &r in rows {
            a_r.extend_from_slice(&a[r * m + c0 + nb..(r + 1) * m]);
            e_r.extend_from_slice(&e[r * m..r * m + c0]);
        }
        for r in 0..m {
            let f = &u[r * nb..(r + 1) * nb];
            add_rows(&mut a[r * m + c0 + nb..(r + 1) * m], f, &a_r);
            add_rows(&mut e[r * m..r * m + c0], f, &e_r);
            // E's columns of this block: T.
            e[r * m + c0..r * m + c0 + nb].copy_from_slice(&t[r * nb..(r + 1) * nb]);
        }
        c0 += nb;
    }
    // A⁻¹[c][r_j] = E[r_c][r_j] = e[r_c][j], stored at r_j·m + c: column r_j of A⁻¹
    // is column j of e, read down the rows r_c.
    let mut inv = vec![0.0; m * m];
    for (j, &rj) in pivot.iter().enumerate() {
        for (x, &rc) in inv[rj * m..(rj + 1) * m].iter_mut().zip(&pivot) {
            *x = e[rc * m + j];
        }
    }
    Some(inv)
}

/// `x += Σ_i f_i · y_i` over the rows y_i of `y` (each `x.len()` long), four rows per
/// pass over x so that x is loaded and stored once per four of them; rows with f_i = 0
/// are skipped (most, where B is sparse). Called for every row of every block, so it
/// gathers the four rows on the stack.
fn add_rows(x: &mut [f64], f: &[f64], y: &[f64]) {
    let w = x.len();
    if w == 0 {
        return;
    }
    let mut quad: [(f64, &[f64]); 4] = [(0.0, &[]); 4];
    let mut n = 0;
    for (&fi, yi) in f.iter().zip(y.chunks_exact(w)) {
        if fi == 0.0 {
            continue;
        }
        quad[n] = (fi, yi);
        n += 1;
        if n == 4 {
            let [(f0, y0), (f1, y1), (f2, y2), (f3, y3)] = quad;
            for ((((x, &a), &b), &c), &d) in x.iter_mut().zip(y0).zip(y1).zip(y2).zip(y3) {
                *x += f0 * a + f1 * b + f2 * c + f3 * d;
            }
            n = 0;
        }
    }
    for &(fi, yi) in &quad[..n] {
        for (x, &a) in x.iter_mut().zip(yi) {
            *x += fi * a;
        }
    }
}

impl<S: Shape> Simplex<S> {
    pub fn new(shape: S) -> Simplex<S> {
        Simplex {
            shape,
            basis: Vec::new(),
            binv: Vec::new(),
            restore: Vec::new(),
            stale: 0,
            drift_fresh: 0.0,
            cold_retries: 0,
            cold_retry: true,
            refactors: (0, 0.0),
            pivots: 0,
            devex: PerVar::default(),
        }
    }

    fn rows(&self) -> usize {
        self.shape.rows()
    }

    /// Column of a variable as (row, value) pairs.
    fn column(&self, v: Var, out: &mut Vec<(usize, f64)>) {
        out.clear();
        match v {
            Var::Panel(j) => self.shape.panel_column(j, out),
            Var::Extra(i) => self.shape.extra_column(i, out),
            Var::Slack(r) => out.push((r, self.shape.slack(r).unwrap_or(0.0))),
            Var::Artificial(r) => out.push((r, 1.0)),
            Var::Restore => out.extend_from_slice(&self.restore),
        }
    }

    fn cost(&self, v: Var) -> f64 {
        match v {
            Var::Extra(i) => self.shape.extra_cost(i),
            Var::Artificial(_) | Var::Restore => BIG_M,
            Var::Panel(_) | Var::Slack(_) => 0.0,
        }
    }

    /// The slack basis, with an artificial on every equality row and on every row whose
    /// right-hand side has the wrong sign for its slack.
    fn cold_basis(&self) -> Vec<Var> {
        let b = self.shape.rhs(true);
        (0..self.rows())
            .map(|r| match self.shape.slack(r) {
                Some(s) if b[r] * s >= 0.0 => Var::Slack(r),
                _ => Var::Artificial(r),
            })
            .collect()
    }

    /// A row's own unit column for the repair: its slack, or an artificial (driven out
    /// again by its cost) for an equality row.
    fn row_column(&self, r: usize) -> Var {
        match self.shape.slack(r) {
            Some(_) => Var::Slack(r),
            None => Var::Artificial(r),
        }
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
        if ok {
            self.drift_fresh = self.drift();
        }
        self.refactors.0 += 1;
        self.refactors.1 += started.elapsed().as_secs_f64();
        ok
    }

    /// How far the inverse is from inverting B: ‖1 − B·(B⁻¹1)‖∞ on the all-ones vector
    /// (O(m²), one product-form update's work). Right after a refactorisation it shows
    /// the basis' conditioning, later also the updates' accumulated round-off.
    fn drift(&self) -> f64 {
        let m = self.rows();
        let mut x = vec![0.0; m];
        for column in self.binv.chunks_exact(m) {
            for (xi, &b) in x.iter_mut().zip(column) {
                *xi += b;
            }
        }
        let mut r = vec![1.0; m];
        let mut col = Vec::new();
        for (i, &v) in self.basis.iter().enumerate() {
            self.column(v, &mut col);
            for &(row, a) in &col {
                r[row] -= a * x[i];
            }
        }
        r.iter().fold(0.0f64, |a, v| a.max(v.abs()))
    }

    /// Whether the drift is above `limit` (or NaN).
    fn drift_exceeds(&self, limit: f64) -> bool {
        let d = self.drift();
        d.is_nan() || d > limit
    }

    /// Refactorises when the inverse has drifted: checked every [`CHECK_EVERY`] updates
    /// once [`refactor_min`] have been made, recomputed when the drift is
    /// [`DRIFT_GROWTH`] times what it was after the last refactorisation (and above
    /// [`DRIFT_FLOOR`]), or after [`REFACTOR_MAX`] updates. With an explicit inverse an
    /// update costs the same however many came before, so only accuracy calls for a
    /// refactorisation (O(m³)): on the national pool's Goldilocks master (2,590 rows) one
    /// cost 0.7 s, as much as 900 updates.
    /// None when nothing was done, else whether the refactorisation succeeded.
    fn refresh(&mut self) -> Option<bool> {
        let due = self.stale >= REFACTOR_MAX
            || (self.stale >= refactor_min(self.rows())
                && self.stale.is_multiple_of(CHECK_EVERY)
                && self.drift_exceeds((DRIFT_GROWTH * self.drift_fresh).max(DRIFT_FLOOR)));
        due.then(|| self.refactor())
    }

    /// B⁻¹ in blocks: the unit columns of B (basic slacks and artificials, often half of
    /// the basis) need no elimination. With their rows R_s first, B = [[D, N_s], [0, N_n]]
    /// (D diagonal ±1), so B⁻¹ = [[D⁻¹, −D⁻¹ N_s N_n⁻¹], [0, N_n⁻¹]]: one dense inverse of
    /// the k×k block N_n (k³ instead of m³) and a sparse product.
    fn gauss_jordan(&mut self) -> bool {
        let m = self.rows();
        // Per basis position, the row and coefficient of a unit column.
        let mut unit: Vec<Option<(usize, f64)>> = vec![None; m];
        let mut unit_row = vec![false; m];
        for (i, &v) in self.basis.iter().enumerate() {
            let u = match v {
                Var::Slack(r) => self.shape.slack(r).map(|c| (r, c)),
                Var::Artificial(r) => Some((r, 1.0)),
                Var::Panel(_) | Var::Extra(_) | Var::Restore => None,
            };
            if let Some((r, c)) = u {
                if unit_row[r] {
                    return false; // two unit columns on one row: singular
                }
                unit_row[r] = true;
                unit[i] = Some((r, c));
            }
        }
        let rows_n: Vec<usize> = (0..m).filter(|&r| !unit_row[r]).collect();
        let pos_n: Vec<usize> = (0..m).filter(|&i| unit[i].is_none()).collect();
        let k = pos_n.len();
        let mut index = vec![usize::MAX; m];
        for (c, &r) in rows_n.iter().enumerate() {
            index[r] = c;
        }
        // N_n dense (row c ↔ rows_n[c], column j ↔ pos_n[j]); N_s by row.
        let mut n_n = vec![0.0; k * k];
        let mut n_s: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
        let mut col = Vec::new();
        for (j, &i) in pos_n.iter().enumerate() {
            self.column(self.basis[i], &mut col);
            for &(r, x) in &col {
                if unit_row[r] {
                    n_s[r].push((j, x));
                } else {
                    n_n[index[r] * k + j] = x;
                }
            }
        }
        let Some(inv_n) = invert(n_n, k) else {
            return false;
        };
        // Assembled by columns (see `binv`), in the old inverse's memory (72 MB at
        // 3,000 rows; after a failure the caller refactorises anyway).
        let mut inv = std::mem::take(&mut self.binv);
        inv.clear();
        inv.resize(m * m, 0.0);
        // inv_n by columns: column c (row rows_n[c] of B) at c·k. Column rows_n[c] of
        // B⁻¹ is inv_n's column c at the positions pos_n and, at a unit position i (row
        // r, coefficient coef), −(1/coef)·Σ_j (N_s)_{r,j}·(N_n⁻¹)_{j,c}.
        // The unit positions whose row of N_s has entries: (position, coefficient, row).
        let coupled: Vec<_> = (0..m)
            .filter_map(|i| unit[i].map(|(r, coef)| (i, coef, n_s[r].as_slice())))
            .filter(|(_, _, row)| !row.is_empty())
            .collect();
        for (c, &rr) in rows_n.iter().enumerate() {
            let src = &inv_n[c * k..(c + 1) * k];
            let dst = &mut inv[rr * m..(rr + 1) * m];
            for (&i, &v) in pos_n.iter().zip(src) {
                dst[i] = v;
            }
            for &(i, coef, row) in &coupled {
                let sum: f64 = row.iter().map(|&(j, x)| x * src[j]).sum();
                dst[i] = -sum / coef;
            }
        }
        for i in 0..m {
            let Some((r, coef)) = unit[i] else { continue };
            inv[r * m + i] = 1.0 / coef;
        }
        self.binv = inv;
        self.stale = 0;
        true
    }

    /// Basis repair: the basic columns that have no pivot (linearly dependent on the
    /// others) are replaced by the slacks of rows that got no pivot. Elimination with
    /// partial pivoting over the unused rows; the pivoted columns are independent and
    /// unit columns complete them to a basis. A Wolfe artificial of an earlier solve (left
    /// basic after trouble, or at 0) is replaced the same way: kept, it made
    /// [`Simplex::restore_feasibility`] refuse the basis (national pool, sixth stage).
    fn repair(&mut self) {
        let m = self.rows();
        let mut a = self.dense_basis();
        let mut used = vec![false; m];
        let mut failed: Vec<usize> = (0..m).filter(|&i| self.basis[i] == Var::Restore).collect();
        // Extras first, then panels, slacks last: when LEXIMIN's z lost the rows just
        // fixed and became dependent, z stays basic and a slack (or a panel) is dropped.
        // Dropping z instead (the old order) kept the old point feasible, but set z to
        // 0 for the unfixed agents, and raising it again took the national pool's late
        // stages 10,000–60,000 pivots; with z kept, Wolfe's artificial restores
        // feasibility, and the national run ended stage 7 after 476 s instead of 780 s.
        let rank = |v: Var| match v {
            Var::Extra(_) => 0,
            Var::Panel(_) => 1,
            Var::Slack(_) | Var::Artificial(_) | Var::Restore => 2,
        };
        let mut order: Vec<usize> = (0..m).filter(|&i| self.basis[i] != Var::Restore).collect();
        order.sort_by_key(|&i| rank(self.basis[i]));
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
            self.basis[c] = self.row_column(r);
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
    /// position `l`: row l ÷ α_l, every other row − α_i · (new row l); by columns, each
    /// column with x = (its row-l entry)/α_l becomes itself − x·α, with x at position l.
    fn update_inverse(&mut self, alpha: &[f64], l: usize) {
        let m = self.rows();
        let p = alpha[l];
        for column in self.binv.chunks_exact_mut(m) {
            let x = column[l] / p;
            if x != 0.0 {
                for (b, &a) in column.iter_mut().zip(alpha) {
                    *b -= x * a;
                }
                column[l] = x;
            }
        }
        self.stale += 1;
    }

    /// B⁻¹a for a sparse column a (row, value).
    fn times(&self, a: &[(usize, f64)], out: &mut [f64]) {
        let m = self.rows();
        out.fill(0.0);
        for &(r, v) in a {
            for (o, &b) in out.iter_mut().zip(&self.binv[r * m..(r + 1) * m]) {
                *o += v * b;
            }
        }
    }

    /// Row l of B⁻¹ (e_l B⁻¹).
    fn row(&self, l: usize) -> Vec<f64> {
        self.binv.chunks_exact(self.rows()).map(|c| c[l]).collect()
    }

    /// x_B = B⁻¹ b.
    fn primal(&self, b: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; self.rows()];
        self.times(&nonzeros(b), &mut x);
        x
    }

    /// y = c_B B⁻¹.
    fn duals(&self) -> Vec<f64> {
        let costs: Vec<f64> = self.basis.iter().map(|&v| self.cost(v)).collect();
        let mut y = vec![0.0; self.rows()];
        self.add_times_binv(&costs, &mut y);
        y
    }

    /// y += w B⁻¹ (w: one entry per basic column): y_r += w · (column r of B⁻¹), over
    /// the non-zeros of w.
    fn add_times_binv(&self, w: &[f64], y: &mut [f64]) {
        let nz = nonzeros(w);
        for (yr, column) in y.iter_mut().zip(self.binv.chunks_exact(self.rows())) {
            *yr += nz.iter().map(|&(i, v)| v * column[i]).sum::<f64>();
        }
    }

    /// Every variable that may enter the basis, in a fixed order: panels, extras, slacks
    /// (artificials never re-enter).
    fn candidates(&self) -> impl Iterator<Item = Var> + use<S> {
        let slacks: Vec<Var> = (0..self.rows())
            .filter(|&r| self.shape.slack(r).is_some())
            .map(Var::Slack)
            .collect();
        (0..self.shape.panels())
            .map(Var::Panel)
            .chain((0..self.shape.extras()).map(Var::Extra))
            .chain(slacks)
    }

    /// The reduced costs d_j = c_j − y·a_j of the non-basic candidates, y = c_B B⁻¹.
    fn reduced_costs(&self, in_basis: &PerVar<bool>, d: &mut PerVar<f64>) {
        let y = self.duals();
        d.reset(self.shape.panels(), self.shape.extras(), self.rows(), 0.0);
        let mut col = Vec::new();
        for v in self.candidates() {
            if !in_basis.at(v) {
                self.column(v, &mut col);
                d.set(
                    v,
                    self.cost(v) - col.iter().map(|&(r, a)| y[r] * a).sum::<f64>(),
                );
            }
        }
    }

    /// Which candidates are basic.
    fn basic_flags(&self) -> PerVar<bool> {
        let mut flags = PerVar::default();
        flags.reset(self.shape.panels(), self.shape.extras(), self.rows(), false);
        for &v in &self.basis {
            flags.set(v, true);
        }
        flags
    }

    /// Drops the basis: the next solve starts cold.
    fn forget_basis(&mut self) {
        self.basis.clear();
        self.binv.clear();
        self.stale = 0;
    }

    /// Solves the LP from the kept basis (`restart`: the rows changed, e.g. a new
    /// LEXIMIN stage, so the basis is repaired, refactorised and made feasible first; new
    /// columns alone keep it feasible). After trouble from a warm basis (which may have
    /// become ill-conditioned) once more from that basis repaired, on the true right-hand
    /// side with a budget of [`RETRY_PIVOTS`] per row, then (with [`Simplex::cold_retry`])
    /// from a cold one; trouble from a cold start is reported at once (the same cold solve
    /// would fail the same way).
    pub fn solve(&mut self, restart: bool) -> Solved {
        let mut result = self.solve_basis(restart, true, MAX_PIVOTS);
        if let (None, true) = result {
            // The basis as at the start of a stage: repaired, refactorised and made
            // feasible by Wolfe's artificial. Cheaper than a cold start, which on the
            // national pool (1,295 rows) ran into the pivot limit. On the true
            // right-hand side: with the same perturbation the simplex went back to the
            // same ill-conditioned optimal basis (national pool, fifth stage: basic
            // values down to −3 on the true right-hand side, which 1,000 dual clean-up
            // pivots did not remove). Without it the LP is degenerate (Bland's rule
            // after STALL pivots), hence a budget of RETRY_PIVOTS per row.
            note("retry from the repaired basis, without the perturbation");
            let budget = (RETRY_PIVOTS * self.rows()).max(RETRY_PIVOTS_MIN);
            result = self.solve_basis(true, false, budget);
        }
        let checked = match result {
            (None, true) if self.cold_retry => {
                self.forget_basis();
                self.cold_retries += 1;
                self.solve_basis(true, true, MAX_PIVOTS).0
            }
            (done, _) => done,
        };
        let Some(Refined { x, y, .. }) = checked else {
            return Solved::Trouble;
        };
        let opt = Optimum {
            basis: self.basis.clone(),
            x,
            y,
        };
        if opt.artificial() > 1e-9 {
            return Solved::Infeasible;
        }
        Solved::Optimal(opt)
    }

    /// One solve from the kept basis where it serves (`restart`: repaired first), else
    /// from a cold one; the checked optimum (`None`: trouble) and whether it started warm.
    fn solve_basis(
        &mut self,
        restart: bool,
        perturbed: bool,
        max_pivots: usize,
    ) -> (Option<Refined>, bool) {
        let b = self.shape.rhs(perturbed);
        // A new stage keeps the last basis where it is still a feasible basis; z (now
        // without the fixed rows) usually becomes dependent (on the regional pool at every
        // one of 34 stages), and the repair keeps z and drops another column (see
        // `repair`); Wolfe's artificial then restores feasibility. The repair comes first: a
        // refactorisation that fails on the dependent column costs as much as one that
        // succeeds.
        let warm = !self.basis.is_empty()
            && (!restart
                || ({
                    self.repair();
                    self.refactor()
                } && self.restore_feasibility(&b)));
        if !warm {
            if !self.basis.is_empty() && !self.cold_retry {
                // A kept basis that cannot be repaired and made feasible: trouble, not
                // the cold start this LP does without (see `cold_retry`).
                return (trouble("the kept basis cannot be made feasible"), false);
            }
            self.basis = self.cold_basis();
            if !self.refactor() {
                return (trouble("cold basis singular"), warm);
            }
        }
        if self.iterate(&b, max_pivots) != Some(true) {
            return (trouble("iteration failed or hit the pivot limit"), warm);
        }
        // The optimal basis of the perturbed LP, checked without the perturbation: the
        // duals do not depend on b, so a basis that stays primal feasible is optimal. An
        // ill-conditioned basis can turn the 10⁻⁹ perturbation into basic values of
        // −10⁻⁶ or so; a few dual simplex pivots on the true right-hand side remove them
        // while the basis stays optimal (dual feasible). The product-form inverse is
        // trusted when the result checks to 10⁻⁹ (primal residual ‖B x_B − b‖∞ and dual
        // residual ‖c_B − yB‖∞); otherwise the basis is refactorised and checked to 10⁻⁷.
        let b = self.shape.rhs(false);
        for tol in [1e-9, 1e-7] {
            // The looser pass on a fresh inverse (unless it is fresh already); it also
            // accepts round-off the clean-up cannot lift (values in [−10⁻⁷, −10⁻⁹)).
            if tol > 1e-9 && self.stale > 0 && !self.refactor() {
                return (trouble("refactorisation failed"), warm);
            }
            if !self.dual_cleanup(&b, tol) {
                continue;
            }
            let r = self.refined(&b);
            if r.primal.max(r.dual) <= tol && r.x.iter().all(|&v| v >= -tol) {
                return (Some(r), warm);
            }
            if crate::base::timing::enabled() {
                let low = r.x.iter().fold(0.0f64, |a, &v| a.min(v));
                note(&format!(
                    "check at tolerance {tol:.0e}: primal residual {:.1e}, relative dual residual {:.1e}, lowest basic value {low:.1e}",
                    r.primal, r.dual
                ));
            }
        }
        (trouble("no basis checks on the true right-hand side"), warm)
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
                d[i] = self.cost(v);
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
    /// on a row below −`tol` (the basis cannot be made feasible; above it the value is
    /// left for the caller's check to accept) or after [`MAX_CLEANUP`] pivots.
    fn dual_cleanup(&mut self, b: &[f64], tol: f64) -> bool {
        let m = self.rows();
        let mut col = Vec::new();
        let mut alpha = vec![0.0; m];
        // Rows left at a value in [−tol, −CLEAN_TOL) because no variable can enter.
        let mut accepted = vec![false; m];
        for _ in 0..MAX_CLEANUP {
            if self.refresh() == Some(false) {
                return false;
            }
            let x = self.primal(b);
            let Some(r) = (0..m)
                .filter(|&i| x[i] < -CLEAN_TOL && !accepted[i])
                .min_by(|&i, &j| x[i].total_cmp(&x[j]))
            else {
                return true;
            };
            let y = self.duals();
            let in_basis = self.basic_flags();
            let row = self.row(r);
            let mut best: Option<(Var, f64, f64)> = None;
            let candidates = self.candidates();
            for v in candidates {
                if in_basis.at(v) {
                    continue;
                }
                self.column(v, &mut col);
                let a_r: f64 = col.iter().map(|&(i, a)| row[i] * a).sum();
                if a_r >= -PIVOT_TOL {
                    continue;
                }
                let d = (self.cost(v) - col.iter().map(|&(i, a)| y[i] * a).sum::<f64>()).max(0.0);
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
                // Row r reads x_r = Σ α_rj x_j ≥ 0 over the non-basic x_j ≥ 0: a value
                // within the check's tolerance is round-off (on the national pool's
                // ill-conditioned bases −2·10⁻⁹), not infeasibility.
                if x[r] >= -tol {
                    accepted[r] = true;
                    continue;
                }
                note(&format!(
                    "dual clean-up: no variable can enter (basic value {:.1e})",
                    x[r]
                ));
                return false;
            };
            self.column(q, &mut col);
            self.times(&col, &mut alpha);
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
    fn iterate(&mut self, b: &[f64], max_pivots: usize) -> Option<bool> {
        let m = self.rows();
        let mut b = b.to_vec();
        let mut x = self.primal(&b);
        // A basis kept from the last solve is optimal for the true right-hand side; an
        // ill-conditioned one can put the perturbed values well below 0: shifted as well.
        if !self.shift(&mut b, &mut x, START_SHIFT_MAX) {
            note("shift refused at start");
            return Some(false);
        }
        let mut in_basis = self.basic_flags();
        let mut since_progress = 0usize;
        let mut objective: f64 = self
            .basis
            .iter()
            .zip(&x)
            .map(|(&v, &x)| self.cost(v) * x)
            .sum();
        let mut col = Vec::new();
        let mut alpha = vec![0.0; m];
        // Devex reference weights, reset to 1 per call.
        let (p, e) = (self.shape.panels(), self.shape.extras());
        self.devex.reset(p, e, m, 1.0);
        // Reduced costs of the candidates, updated with the pivot row after every pivot
        // (the row the Devex update needs anyway) and computed afresh from y = c_B B⁻¹
        // after a refactorisation and before optimality is declared.
        let mut reduced: PerVar<f64> = PerVar::default();
        // Whether `reduced` holds the current reduced costs.
        let mut valid = false;
        for _ in 0..max_pivots {
            let bland = since_progress >= STALL;
            let entering = loop {
                // Under Bland's rule always afresh: the anti-cycling argument needs the
                // true signs, which updates over hundreds of pivots could blur.
                let afresh = !valid || bland;
                if afresh {
                    self.reduced_costs(&in_basis, &mut reduced);
                    valid = true;
                }
                // Devex pricing: the largest d_j² / w_j (w_j approximates the squared
                // length of the edge in the reference framework), which needs far fewer
                // pivots on this degenerate LP than the most negative d_j. Candidates in a
                // fixed order: panels, extras, slacks (artificials never re-enter).
                let mut entering: Option<(Var, f64, f64)> = None;
                for v in self.candidates() {
                    if in_basis.at(v) {
                        continue;
                    }
                    let d = reduced.at(v);
                    if d < -OPT_TOL {
                        if bland {
                            entering = Some((v, d, 0.0));
                            break;
                        }
                        let score = d * d / self.devex.at(v);
                        if entering.is_none_or(|(_, _, e)| score > e) {
                            entering = Some((v, d, score));
                        }
                    }
                }
                // Optimal only on reduced costs computed afresh.
                if entering.is_some() || afresh {
                    break entering;
                }
                valid = false;
            };
            let Some((q, dq, _)) = entering else {
                return Some(true);
            };
            // α = B⁻¹ a_q.
            self.column(q, &mut col);
            self.times(&col, &mut alpha);
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
            // max(w_q/α_lq², 1). The new duals are y + (d_q/α_lq)·e_l B⁻¹, so
            // d_j ← d_j − (d_q/α_lq)·α_lj, and the leaving variable's is −d_q/α_lq.
            let wq = self.devex.at(q);
            let row = self.row(l);
            for v in self.candidates() {
                if v == q || in_basis.at(v) {
                    continue;
                }
                self.column(v, &mut col);
                let a: f64 = col.iter().map(|&(r, a)| row[r] * a).sum();
                if a != 0.0 {
                    let w = self.devex.at(v);
                    self.devex.set(v, w.max((a / alpha[l]).powi(2) * wq));
                    reduced.set(v, reduced.at(v) - dq / alpha[l] * a);
                }
            }
            if !matches!(self.basis[l], Var::Artificial(_) | Var::Restore) {
                self.devex
                    .set(self.basis[l], (wq / (alpha[l] * alpha[l])).max(1.0));
                reduced.set(self.basis[l], -dq / alpha[l]);
            }
            reduced.set(q, 0.0);
            self.update_inverse(&alpha, l);
            self.pivots += 1;
            in_basis.set(self.basis[l], false);
            in_basis.set(q, true);
            self.basis[l] = q;
            let new_objective = objective + theta * dq;
            if new_objective < objective - 1e-12 {
                since_progress = 0;
            } else {
                since_progress += 1;
            }
            objective = new_objective;
            if let Some(ok) = self.refresh() {
                if !ok {
                    note("refactor failed");
                    return Some(false);
                }
                valid = false;
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// A random LP in the engine's form: `panels` sparse non-negative columns, two extra
    /// columns with costs, rows alternately ≤ and ≥ with a last equality row.
    struct Random {
        m: usize,
        panels: Vec<Vec<(usize, f64)>>,
        extras: Vec<(Vec<(usize, f64)>, f64)>,
        b: Vec<f64>,
    }

    impl Shape for Random {
        fn rows(&self) -> usize {
            self.m
        }
        fn panels(&self) -> usize {
            self.panels.len()
        }
        fn panel_column(&self, j: usize, out: &mut Vec<(usize, f64)>) {
            out.extend_from_slice(&self.panels[j]);
        }
        fn extras(&self) -> usize {
            self.extras.len()
        }
        fn extra_column(&self, i: usize, out: &mut Vec<(usize, f64)>) {
            out.extend_from_slice(&self.extras[i].0);
        }
        fn extra_cost(&self, i: usize) -> f64 {
            self.extras[i].1
        }
        fn slack(&self, r: usize) -> Option<f64> {
            match r {
                r if r + 1 == self.m => None,
                r if r % 2 == 0 => Some(1.0),
                _ => Some(-1.0),
            }
        }
        fn rhs(&self, _: bool) -> Vec<f64> {
            self.b.clone()
        }
    }

    fn random(seed: u64, m: usize, panels: usize) -> Random {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let column = |rng: &mut ChaCha20Rng, density: f64| -> Vec<(usize, f64)> {
            let mut out = Vec::new();
            for r in 0..m {
                if rng.random_bool(density) {
                    out.push((r, rng.random_range(1..6) as f64));
                }
            }
            out
        };
        let panels: Vec<_> = (0..panels).map(|_| column(&mut rng, 0.5)).collect();
        let extras = (0..2)
            .map(|_| {
                let c = column(&mut rng, 0.7);
                (
                    c.into_iter().map(|(r, v)| (r, -v)).collect(),
                    rng.random_range(1..4) as f64,
                )
            })
            .collect();
        let b = (0..m).map(|r| if r + 1 == m { 1.0 } else { 0.0 }).collect();
        Random {
            m,
            panels,
            extras,
            b,
        }
    }

    /// ‖B·B⁻¹ − I‖∞, computed from the columns (not from the factorisation).
    fn residual<S: Shape>(lp: &Simplex<S>) -> f64 {
        let m = lp.rows();
        let mut col = Vec::new();
        let mut worst = 0.0f64;
        for r in 0..m {
            let mut e = vec![0.0; m];
            e[r] = 1.0;
            let x = lp.primal(&e);
            let mut bx = vec![0.0; m];
            for (i, &v) in lp.basis.iter().enumerate() {
                lp.column(v, &mut col);
                for &(row, a) in &col {
                    bx[row] += a * x[i];
                }
            }
            for (row, v) in bx.iter().enumerate() {
                worst = worst.max((v - e[row]).abs());
            }
        }
        worst
    }

    /// The block refactorisation and the product-form update by columns give B⁻¹ for
    /// bases that mix slacks, an artificial, panels and extras.
    #[test]
    fn the_inverse_inverts_after_refactorisation_and_pivots() {
        let mut checked = 0;
        for seed in 0..40 {
            let m = 12;
            let mut lp = Simplex::new(random(seed, m, 30));
            lp.basis = lp.cold_basis();
            assert!(lp.refactor());
            assert!(residual(&lp) < 1e-12);
            let mut rng = ChaCha20Rng::seed_from_u64(1000 + seed);
            let mut col = Vec::new();
            let mut alpha = vec![0.0; m];
            for _ in 0..20 {
                let q = if rng.random_bool(0.8) {
                    Var::Panel(rng.random_range(0..30))
                } else {
                    Var::Extra(rng.random_range(0..2))
                };
                if lp.basis.contains(&q) {
                    continue;
                }
                lp.column(q, &mut col);
                lp.times(&col, &mut alpha);
                let Some(l) = (0..m).filter(|&i| alpha[i].abs() > 0.5).max_by_key(|&i| i) else {
                    continue;
                };
                lp.update_inverse(&alpha, l);
                lp.basis[l] = q;
                let r = residual(&lp);
                assert!(r < 1e-8, "seed {seed}: residual {r} after a pivot");
                assert!(
                    lp.refactor(),
                    "seed {seed}: a basis the pivots kept regular"
                );
                let r = residual(&lp);
                assert!(r < 1e-9, "seed {seed}: residual {r} after refactorisation");
                checked += 1;
            }
        }
        assert!(checked > 200, "{checked} pivots checked");
    }

    /// A random 12-row LP from the cold basis with up to six panels pivoted in (product
    /// form, no refactorisation).
    fn with_panels(seed: u64) -> Simplex<Random> {
        let mut lp = Simplex::new(random(seed, 12, 30));
        lp.basis = lp.cold_basis();
        assert!(lp.refactor());
        let mut col = Vec::new();
        let mut alpha = vec![0.0; 12];
        for j in 0..6 {
            lp.column(Var::Panel(j), &mut col);
            lp.times(&col, &mut alpha);
            if let Some(l) = (0..12).filter(|&i| alpha[i].abs() > 0.5).max_by_key(|&i| i) {
                lp.update_inverse(&alpha, l);
                lp.basis[l] = Var::Panel(j);
            }
        }
        lp
    }

    /// A Wolfe artificial left in the basis gives way in the repair (at a restart) to the
    /// unit column of a row without one, and the basis is regular after the repair.
    #[test]
    fn a_left_over_restore_column_is_dropped_at_a_restart() {
        for seed in 0..20 {
            // Panels into the basis, then Wolfe's artificial in place of one of them.
            let mut lp = with_panels(seed);
            let Some(at) = lp.basis.iter().position(|v| matches!(v, Var::Panel(_))) else {
                continue;
            };
            lp.restore = vec![(0, -1.0), (5, -2.0)];
            lp.basis[at] = Var::Restore;
            lp.repair();
            assert!(!lp.basis.contains(&Var::Restore), "seed {seed}");
            let (Var::Slack(r) | Var::Artificial(r)) = lp.basis[at] else {
                panic!("seed {seed}: {:?} instead of a unit column", lp.basis[at]);
            };
            let units = lp
                .basis
                .iter()
                .filter(|v| matches!(v, Var::Slack(x) | Var::Artificial(x) if *x == r))
                .count();
            assert_eq!(units, 1, "seed {seed}: row {r} had a unit column already");
            assert!(lp.refactor(), "seed {seed}: regular after the repair");
        }
    }

    /// The drift check keeps an exact inverse, recomputes a corrupted one at the next
    /// check, and refactorises after [`REFACTOR_MAX`] updates whatever the drift.
    #[test]
    fn a_drifted_inverse_is_recomputed_at_the_next_check() {
        for seed in 0..20 {
            // A basis with panels in it, so that B⁻¹ is not diagonal.
            let mut lp = with_panels(seed);
            assert!(lp.refactor());
            lp.stale = CHECK_EVERY;
            assert_eq!(lp.refresh(), None, "seed {seed}: an exact inverse is kept");
            // One entry of B⁻¹ off by a relative 10⁻⁶.
            let big = (0..lp.binv.len())
                .max_by(|&a, &b| lp.binv[a].abs().total_cmp(&lp.binv[b].abs()))
                .unwrap();
            lp.binv[big] *= 1.0 + 1e-6;
            lp.stale = CHECK_EVERY + 1;
            assert_eq!(
                lp.refresh(),
                None,
                "seed {seed}: checked only every CHECK_EVERY"
            );
            lp.stale = 2 * CHECK_EVERY;
            assert_eq!(lp.refresh(), Some(true), "seed {seed}: drift seen");
            assert_eq!(lp.stale, 0);
            assert!(residual(&lp) < 1e-12, "seed {seed}: recomputed");
            lp.stale = REFACTOR_MAX;
            assert_eq!(
                lp.refresh(),
                Some(true),
                "seed {seed}: refactorised at the limit"
            );
        }
    }

    /// The blocked inverse against an unblocked Gauss–Jordan written here, and A·A⁻¹ = I,
    /// on random sparse matrices of sizes around the block size and a larger one; a
    /// singular matrix (two equal columns) is refused.
    #[test]
    fn the_blocked_inverse_inverts() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for m in [1, 2, 5, 31, 32, 33, 64, 70, 150] {
            // Diagonal plus sparse off-diagonal entries (a basis-like pattern).
            let mut a = vec![0.0; m * m];
            for r in 0..m {
                a[r * m + r] =
                    rng.random_range(0.5..3.0) * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                for c in 0..m {
                    if c != r && rng.random_bool(0.1) {
                        a[r * m + c] = rng.random_range(-2.0..2.0);
                    }
                }
            }
            let inv = invert(a.clone(), m).expect("regular");
            for r in 0..m {
                for c in 0..m {
                    let x: f64 = (0..m).map(|k| a[r * m + k] * inv[c * m + k]).sum();
                    let want = if r == c { 1.0 } else { 0.0 };
                    assert!((x - want).abs() < 1e-9, "m {m}: (A·A⁻¹)[{r}][{c}] = {x}");
                }
            }
            // Gauss–Jordan with explicit row swaps, one column at a time.
            let mut g = a.clone();
            let mut h = vec![0.0; m * m];
            for i in 0..m {
                h[i * m + i] = 1.0;
            }
            for c in 0..m {
                let p = (c..m)
                    .max_by(|&x, &y| g[x * m + c].abs().total_cmp(&g[y * m + c].abs()))
                    .unwrap();
                for k in 0..m {
                    g.swap(p * m + k, c * m + k);
                    h.swap(p * m + k, c * m + k);
                }
                let d = g[c * m + c];
                for k in 0..m {
                    g[c * m + k] /= d;
                    h[c * m + k] /= d;
                }
                for r in (0..m).filter(|&r| r != c) {
                    let f = g[r * m + c];
                    for k in 0..m {
                        g[r * m + k] -= f * g[c * m + k];
                        h[r * m + k] -= f * h[c * m + k];
                    }
                }
            }
            for r in 0..m {
                for c in 0..m {
                    let (x, y) = (inv[c * m + r], h[r * m + c]);
                    assert!((x - y).abs() < 1e-9, "m {m}: blocked {x} vs unblocked {y}");
                }
            }
            if m > 1 {
                for r in 0..m {
                    a[r * m + m - 1] = a[r * m];
                }
                assert!(invert(a, m).is_none(), "m {m}: singular");
            }
        }
    }

    /// Solves `min c·x, Ax = b, x ≥ 0` by enumerating every basis (m of the columns):
    /// the smallest cost over the feasible basic solutions.
    fn brute_force(lp: &Simplex<Random>) -> Option<f64> {
        let m = lp.rows();
        let mut vars: Vec<Var> = (0..lp.shape.panels()).map(Var::Panel).collect();
        vars.extend((0..lp.shape.extras()).map(Var::Extra));
        vars.extend(
            (0..m)
                .filter(|&r| lp.shape.slack(r).is_some())
                .map(Var::Slack),
        );
        let b = lp.shape.rhs(false);
        let mut best: Option<f64> = None;
        let mut col = Vec::new();
        let mut pick = vec![0usize; m];
        // All m-subsets of the variables, in lexicographic order.
        for (i, p) in pick.iter_mut().enumerate() {
            *p = i;
        }
        loop {
            // Gaussian elimination on [B | b].
            let mut a = vec![vec![0.0; m + 1]; m];
            for (c, &j) in pick.iter().enumerate() {
                lp.column(vars[j], &mut col);
                for &(r, v) in &col {
                    a[r][c] = v;
                }
            }
            for (r, row) in a.iter_mut().enumerate() {
                row[m] = b[r];
            }
            let mut regular = true;
            for c in 0..m {
                let p = (c..m)
                    .max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))
                    .unwrap();
                if a[p][c].abs() < 1e-9 {
                    regular = false;
                    break;
                }
                a.swap(p, c);
                let pivot = a[c].clone();
                for (r, row) in a.iter_mut().enumerate() {
                    if r != c {
                        let f = row[c] / pivot[c];
                        for (x, &y) in row[c..].iter_mut().zip(&pivot[c..]) {
                            *x -= f * y;
                        }
                    }
                }
            }
            if regular {
                let x: Vec<f64> = (0..m).map(|c| a[c][m] / a[c][c]).collect();
                if x.iter().all(|&v| v >= -1e-9) {
                    let cost: f64 = pick
                        .iter()
                        .zip(&x)
                        .map(|(&j, &v)| lp.cost(vars[j]) * v)
                        .sum();
                    best = Some(best.map_or(cost, |b: f64| b.min(cost)));
                }
            }
            // Next subset.
            let n = vars.len();
            let Some(i) = (0..m).rev().find(|&i| pick[i] < n - m + i) else {
                break;
            };
            pick[i] += 1;
            for k in i + 1..m {
                pick[k] = pick[k - 1] + 1;
            }
        }
        best
    }

    /// The engine's optimum (cold, then warm after adding columns) against the
    /// enumeration of all bases on small random LPs.
    #[test]
    fn the_simplex_finds_the_optimum_of_small_lps() {
        let mut solved = 0;
        for seed in 0..60 {
            let mut shape = random(seed, 5, 8);
            let later: Vec<_> = shape.panels.split_off(5);
            let mut lp = Simplex::new(shape);
            for round in 0..2 {
                let exact = brute_force(&lp);
                match (lp.solve(false), exact) {
                    (Solved::Optimal(o), Some(best)) => {
                        let cost: f64 = o
                            .basis
                            .iter()
                            .zip(&o.x)
                            .map(|(&v, &x)| lp.cost(v) * x)
                            .sum();
                        assert!(
                            (cost - best).abs() < 1e-7,
                            "seed {seed} round {round}: simplex {cost}, enumeration {best}"
                        );
                        solved += 1;
                    }
                    (Solved::Infeasible, None) => {}
                    (Solved::Optimal(_), None) => {
                        panic!("seed {seed}: optimum of an infeasible LP")
                    }
                    (Solved::Infeasible, Some(b)) => {
                        panic!("seed {seed}: infeasible, enumeration finds {b}")
                    }
                    (Solved::Trouble, _) => panic!("seed {seed}: trouble"),
                }
                lp.shape.panels.extend(later.iter().cloned());
            }
        }
        assert!(solved > 40, "{solved} optima compared");
    }
}

//! Goldilocks by column generation (Baharav & Flanigan, *Fair, manipulation-robust, and
//! transparent sortition*, EC 2024, arXiv 2406.15009): nobody's selection probability
//! too low *and* nobody's too high.
//!
//! **Objective** over distributions λ on quota-feasible panels, with π_i = Σ_{P∋i} λ_P:
//!
//! `min  (n/k)·max_i π_i  +  γ·(k/n) / min_i π_i`
//!
//! Both terms are 1 for the ideal π_i = k/n (the paper's normalisation); γ (default 1)
//! weighs the floor against the ceiling. The minimum runs over the agents that some
//! feasible panel contains: an agent no panel can hold has π = 0 under every distribution,
//! and counting them would make every distribution infinitely bad (the authors' code fails
//! on such pools); they are left out here, as LEXIMIN fixes them at 0 first.
//!
//! **Master problem** over the known type-level panels C (notation of `lp.rs`:
//! a_{P,t} = m_{P,t}/c_t, the probability that a given member of type t is on P), in the
//! variables λ ≥ 0, a (the ceiling), b (the floor) and s (the floor's reciprocal):
//!
//! ```text
//! min  (n/k)·a + γ·(k/n)·s
//! s.t. Σ_P λ_P = 1                                (dual ν, free)
//!      Σ_P a_{P,t} λ_P ≤ a        ∀ coverable t   (dual z_t ≥ 0)
//!      Σ_P a_{P,t} λ_P ≥ b        ∀ coverable t   (dual y_t ≥ 0)
//!      s·b ≥ 1,  s, b ≥ 0                          (a rotated second-order cone)
//! ```
//!
//! At the optimum s = 1/b, so this is the objective above. The hyperbolic constraint
//! s·b ≥ 1 is the cone (s + b, s − b, 2) ∈ SOC₃ (i.e. (s+b)² ≥ (s−b)² + 4), so the
//! master is a second-order cone program (clarabel's interior point, below). The set
//! {(b, s): s ≥ 1/b} is not polyhedral, but the master's *dual* sees it only through one
//! concave function of one number, which tangents approximate as closely as needed: the
//! default path solves the master as a linear program with tangent cuts, re-solved warm
//! (`goldilocks_lp.rs`, derivation there); the conic master is its fallback and, with
//! `LpMethod::InteriorPoint`, the second method the tests compare with the enumeration
//! oracle (a golden-section search over b with LPs).
//!
//! Working with types is exact: the objective is convex and invariant under swapping two
//! members of a type (which maps feasible panels to feasible panels), so averaging an
//! optimum over those swaps gives an optimum with equal probabilities inside every type.
//!
//! **Pricing.** Stationarity for λ_P gives the reduced cost r_P = ν − Σ_t a_{P,t}(y_t − z_t)
//! ≥ 0 (clarabel's sign convention, `lp.rs`). A panel outside C improves the master iff
//! v = max_P Σ_t m_{P,t}·(y_t − z_t)/c_t > ν: the pricing ILP of LEXIMIN with weights
//! w_t = (y_t − z_t)/c_t (which may be negative: the ceiling pushes back).
//!
//! **Stopping rule and bound (conic master).** Raising ν to v makes (ν, y, z) feasible
//! for the dual of the full problem (over *all* panels) and lowers the dual objective by
//! (v − ν)·1 (the convexity row's right-hand side). By weak duality the optimum over all
//! panels is at least `obj(C) − (v̄ − ν)`, v̄ ≥ v the upper bound the pricing ILP proves.
//! Column generation stops when v ≤ ν + eps; the pricing ILP is asked only that question
//! (`pricing::Goal::Above`), so it may stop as soon as it finds a panel above ν + eps or a
//! bound v̄ ≤ ν + eps, without proving its optimum. (The linear master's rule and bound:
//! `goldilocks_lp.rs`.)
//!
//! **Certificate.** The objective of the final distribution itself, and its distance to
//! the best lower bound found (no distribution over all panels is better by more).
//!
//! **Panels.** The conic master's λ comes from an interior-point method and spreads over
//! many panels; as in LEXIMIN the final distribution is then a basic solution of the final
//! primal LP (`lp::final_primal`) for the master's type probabilities, which has at most
//! (#types + 1) panels. The linear master's simplex gives a basic solution directly.
//! Either is expanded into concrete panels with exactly equal marginals inside each type
//! (`expand.rs`).

use super::expand::expand;
use super::goldilocks_lp::{LpMaster, Point, floor_at, phi};
use super::leximin::{Columns, extra_columns, initial_columns};
use super::lp::{ConeLp, final_primal, normalise};
use super::pricing::{Goal, Pricer, panel_value};
use super::types::TypeModel;
use super::{Certificate, Distribution, Instance, Options, Phase, Progress, validate};
use crate::base::error::{Error, Result};

/// The MINIMAX distribution (the smallest possible largest probability), the denominator of
/// the Goldilocks ratio "max ÷ minimax-optimal": the master without the floor (an LP,
/// `min a`), with the same pricing, stopping rule and certificate.
pub fn minimax(
    inst: &Instance,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Distribution, Certificate)> {
    solve(inst, None, opts, progress)
}

/// Goldilocks distribution with the paper's default γ = 1 or another γ > 0.
pub fn goldilocks(
    inst: &Instance,
    gamma: f64,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Distribution> {
    goldilocks_with_certificate(inst, gamma, opts, progress).map(|(d, _)| d)
}

/// [`goldilocks`] and its certificate (the objective and how far from optimal it can be).
pub fn goldilocks_with_certificate(
    inst: &Instance,
    gamma: f64,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Distribution, Certificate)> {
    if !(gamma.is_finite() && gamma > 0.0) {
        return Err(Error::invalid_instance(format!(
            "gamma must be a positive number, not {gamma}"
        )));
    }
    solve(inst, Some(gamma), opts, progress)
}

/// Column generation for Goldilocks (`gamma` given) or MINIMAX (`None`): with the linear
/// master of `goldilocks_lp.rs`, re-solved warm by the primal simplex of `simplex.rs`
/// (`LpMethod::Simplex`, the default); where the simplex fails on it or the LP has more
/// than `simplex::MAX_ROWS` rows, or with `LpMethod::InteriorPoint`, with the conic
/// master (from the columns found so far).
fn solve(
    inst: &Instance,
    gamma: Option<f64>,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Distribution, Certificate)> {
    solve_with(inst, gamma, opts, progress, true)
}

/// [`solve`]; without `fallback` a failure of the linear master is an error (tests).
fn solve_with(
    inst: &Instance,
    gamma: Option<f64>,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
    fallback: bool,
) -> Result<(Distribution, Certificate)> {
    validate(inst)?;
    opts.solver.check_available()?;
    let tm = TypeModel::build(inst, opts.collapse_types);
    let pricer = Pricer::new(inst, &tm, opts.solver);
    let counts = tm.counts();
    let nt = tm.len();
    let n = inst.agents.len();
    // The master converges from few columns; LEXIMIN's 3·types rounds measured slower.
    let rounds = opts.mw_rounds.unwrap_or(nt.min(50));
    let (mut cols, fixed) = initial_columns(inst, &pricer, &counts, rounds, progress)?;
    // Coverable types: those some feasible panel contains (initial_columns fixed the rest
    // at 0).
    let live: Vec<usize> = (0..nt).filter(|&t| fixed[t].is_none()).collect();
    let scale = Scale {
        ceiling: n as f64 / inst.k as f64,
        floor: gamma.map(|g| g * inst.k as f64 / n as f64),
    };
    let ctx = Context {
        pricer: &pricer,
        counts: &counts,
        live: &live,
        scale,
        opts,
        n,
    };
    let outcome = match opts.lp {
        super::LpMethod::Simplex => match linear_rounds(&ctx, &mut cols, progress)? {
            Linear::Done(o) => o,
            Linear::Failed(e) if fallback => {
                if crate::base::timing::enabled() {
                    eprintln!(
                        "select goldilocks: linear master failed ({e}); the conic master goes on"
                    );
                }
                conic_rounds(&ctx, &mut cols, progress)?
            }
            Linear::Failed(e) => return Err(e),
        },
        super::LpMethod::InteriorPoint => conic_rounds(&ctx, &mut cols, progress)?,
    };
    // The certificate: the objective of the distribution itself, and how far below it the
    // optimum can be.
    let mut pi = vec![0.0; nt];
    for (col, &l) in cols.list.iter().zip(&outcome.lambda) {
        for &t in &live {
            pi[t] += l * col[t] as f64 / counts[t] as f64;
        }
    }
    let max = live.iter().map(|&t| pi[t]).fold(0.0, f64::max);
    let min = live.iter().map(|&t| pi[t]).fold(f64::INFINITY, f64::min);
    let objective = scale.ceiling * max + scale.floor.map_or(0.0, |g| g / min);
    let gap = (objective - outcome.lower).max(0.0);
    progress(&Progress {
        phase: Phase::FinalLp,
        outer_iteration: 1,
        iteration: outcome.rounds,
        columns: cols.list.len(),
        fixed_agents: n,
        n_agents: n,
        bound: outcome.lower,
        upper_bound: objective,
        gap,
    });
    Ok((
        expand(&tm, &cols.list, &outcome.lambda),
        Certificate {
            objective,
            gap,
            rounds: outcome.rounds,
        },
    ))
}

/// What both masters need.
struct Context<'a> {
    pricer: &'a Pricer<'a>,
    counts: &'a [u32],
    live: &'a [usize],
    scale: Scale,
    opts: &'a Options,
    n: usize,
}

impl Context<'_> {
    /// The progress report of a column-generation round.
    fn round(&self, round: usize, cols: &Columns, lower: f64, upper: f64) -> Progress {
        Progress {
            phase: Phase::ColumnGeneration,
            outer_iteration: 1,
            iteration: round,
            columns: cols.list.len(),
            fixed_agents: 0,
            n_agents: self.n,
            bound: lower,
            upper_bound: upper,
            gap: upper - lower,
        }
    }
}

/// The end of column generation: the distribution's weights over the columns, a lower
/// bound on the optimum over all panels, and the rounds.
struct Outcome {
    lambda: Vec<f64>,
    lower: f64,
    rounds: usize,
}

/// The end of the linear master: an outcome, or the simplex's failure on the LP.
enum Linear {
    Done(Outcome),
    Failed(Error),
}

/// Column generation with the linear master (`goldilocks_lp.rs`).
fn linear_rounds(
    ctx: &Context<'_>,
    cols: &mut Columns,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Linear> {
    let (opts, scale, live, counts) = (ctx.opts, ctx.scale, ctx.live, ctx.counts);
    let mut master = match LpMaster::new(&cols.list, counts, live, scale.ceiling, scale.floor) {
        Ok(m) => m,
        Err(e) => return Ok(Linear::Failed(e)),
    };
    let mut in_master = cols.list.len();
    let (mut t_master, mut t_price) = (0.0f64, 0.0f64);
    let mut round = 0usize;
    let mut centre: Option<Centre> = None;
    let lower = loop {
        round += 1;
        opts.check_round(round)?;
        let tl = std::time::Instant::now();
        let pt = match master.solve() {
            Ok(p) => p,
            Err(e) => return Ok(Linear::Failed(e)),
        };
        t_master += tl.elapsed().as_secs_f64();
        let y_sum: f64 = pt.y.iter().sum();
        // How far the LP's tangents are above φ(Y) at this point.
        let cut_gap = scale.floor.map_or(0.0, |g| (pt.w - phi(g, y_sum)).max(0.0));
        let upper = pt.nu + pt.w;
        let w = weights(&pt.y, &pt.z, live, counts);
        let threshold = -pt.nu + opts.eps;
        // Wentges' smoothing: price first at the point SMOOTHING of the way from this one
        // to the centre (the point with the best lower bound so far). Its panel is added
        // when it is new and violated here too; otherwise (a mispricing, after which the
        // centre's bound may have improved) this point is priced as well. Measured with /
        // without (one run each, with microlp's master and 0.5): regional 600/50 118 /
        // 213 s (890 / 1,245 rounds), households 1.41 / 2.37 s, 750/112 0.24 / 0.35 s.
        let mut priced_here = None;
        if let Some(c) = &centre {
            let mid = c.point.towards(&pt, 1.0 - SMOOTHING);
            let (panel, lb) = price_at(ctx, &mid, &mut t_price)?;
            if panel_value(&panel, &w) > threshold && !cols.contains(&panel) {
                priced_here = Some((panel, None));
            }
            if lb > c.lower {
                centre = Some(Centre {
                    point: mid,
                    lower: lb,
                });
            }
        }
        let (panel, lb_here) = match priced_here {
            Some(p) => p,
            None => {
                let (panel, lb) = price_at(ctx, &pt, &mut t_price)?;
                (panel, Some(lb))
            }
        };
        if let Some(lb) = lb_here
            && centre.as_ref().is_none_or(|c| lb > c.lower)
        {
            centre = Some(Centre {
                point: pt.clone(),
                lower: lb,
            });
        }
        let lower = centre.as_ref().map_or(f64::NEG_INFINITY, |c| c.lower);
        progress(&ctx.round(round, cols, lower, upper));
        // The LP's value bounds the optimum from above (module docs of goldilocks_lp.rs).
        if upper - lower <= opts.eps {
            break lower;
        }
        let mut added = false;
        // One panel per round: LEXIMIN's extra panels (which the conic master takes) cost
        // more pivots and pricing ILPs than the rounds they save (regional 600/50, one run
        // each: 1 panel 82 s in 918 rounds, 8 extra 92 s in 229 rounds, 24 extra 156 s).
        if panel_value(&panel, &w) > threshold && cols.add(panel) {
            added = true;
        }
        if let Some(g) = scale.floor
            && cut_gap > opts.eps
        {
            let b = floor_at(g, y_sum);
            if !master.floors().iter().any(|&f| (f - b).abs() <= 1e-12 * b) {
                master.add_tangent(b);
                added = true;
            }
        }
        if !added {
            break lower;
        }
        for col in &cols.list[in_master..] {
            master.add_panel(col);
        }
        in_master = cols.list.len();
    };
    // The last solve's basic λ is optimal for the chord master over all columns (the
    // loop ends before adding any): no final LP.
    let lambda = match normalise(&master.lambda(cols.list.len())) {
        Ok(l) => l,
        Err(e) => return Ok(Linear::Failed(e)),
    };
    if crate::base::timing::enabled() {
        let lp = master.stats();
        eprintln!(
            "timing select goldilocks (linear master): {round} rounds, {} panels, {} tangents, master {t_master:.3} s ({} pivots, {} refactorisations in {:.3} s, {} cold retries), pricing {t_price:.3} s",
            cols.list.len(),
            master.floors().len(),
            lp.pivots,
            lp.refactors.0,
            lp.refactors.1,
            lp.cold_retries,
        );
    }
    Ok(Linear::Done(Outcome {
        lambda,
        lower,
        rounds: round,
    }))
}

/// Weight of the centre in Wentges' smoothing (0: none).
/// Regional 600/50, one run each: 0.5 74 s (902 rounds), 0.8 56 s (804), 0.9 48 s (727),
/// 0.95 60 s (833); on the pools under 1,000 applicants 0.9 costs 0.02–0.09 s more.
const SMOOTHING: f64 = 0.9;

/// The dual point with the best lower bound so far.
struct Centre {
    point: Point,
    lower: f64,
}

/// Pricing weights (y_t − z_t)/c_t from the floor and ceiling duals of the coverable
/// types (in the order of `live`); 0 for types no panel can hold.
fn weights(y: &[f64], z: &[f64], live: &[usize], counts: &[u32]) -> Vec<f64> {
    let mut w = vec![0.0; counts.len()];
    for (i, &t) in live.iter().enumerate() {
        w[t] = (y[i] - z[i]) / counts[t] as f64;
    }
    w
}

/// Prices at a dual point: a panel (above −ν + eps if there is one) and the lower bound
/// of the point, −v̄ + φ(Y) (weak duality, module docs of goldilocks_lp.rs: the point
/// with ν lowered to −v̄ is feasible for the dual over all panels).
fn price_at(ctx: &Context<'_>, pt: &Point, seconds: &mut f64) -> Result<(Vec<u32>, f64)> {
    let started = std::time::Instant::now();
    let w = weights(&pt.y, &pt.z, ctx.live, ctx.counts);
    let priced = ctx
        .pricer
        .price_feasible(&w, Goal::Above(-pt.nu + ctx.opts.eps))?;
    *seconds += started.elapsed().as_secs_f64();
    let phi_y = ctx.scale.floor.map_or(0.0, |g| phi(g, pt.y.iter().sum()));
    Ok((priced.panel, -priced.bound + phi_y))
}

/// Column generation with the conic master (module docs).
fn conic_rounds(
    ctx: &Context<'_>,
    cols: &mut Columns,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome> {
    let (opts, scale, live, counts) = (ctx.opts, ctx.scale, ctx.live, ctx.counts);
    let mut round = 0usize;
    let (mut t_master, mut t_price) = (0.0f64, 0.0f64);
    let (master, gap) = loop {
        round += 1;
        opts.check_round(round)?;
        let tl = std::time::Instant::now();
        let m = solve_master(&cols.list, counts, live, scale, opts.lp_tolerance)?
            .ok_or_else(|| Error::solver("the Goldilocks master problem could not be solved"))?;
        t_master += tl.elapsed().as_secs_f64();
        let w = weights(&m.y, &m.z, live, counts);
        // Is there a panel worth more than ν + EPS? (`Goal::Above`: answered as soon as
        // a panel above it or a bound below it is found.)
        let tl = std::time::Instant::now();
        let priced = ctx
            .pricer
            .price_feasible(&w, Goal::Above(m.nu + opts.eps))?;
        t_price += tl.elapsed().as_secs_f64();
        let (p, v) = (priced.panel, priced.value);
        let gap = (priced.bound - m.nu).max(0.0);
        progress(&ctx.round(round, cols, m.obj - gap, m.obj));
        if v <= m.nu + opts.eps || !cols.add(p.clone()) {
            break (m, gap);
        }
        // Further violated panels from the same duals (as in LEXIMIN): the conic master
        // costs far more than a pricing ILP and is solved from scratch every round.
        let t_extra = std::time::Instant::now();
        extra_columns(ctx.pricer, counts, &w, p, m.nu + opts.eps, cols)?;
        t_price += t_extra.elapsed().as_secs_f64();
    };
    if crate::base::timing::enabled() {
        eprintln!(
            "timing select goldilocks (conic master): {round} rounds, {} panels, master {t_master:.3} s, pricing {t_price:.3} s",
            cols.list.len()
        );
    }
    let mut target = vec![0.0; counts.len()];
    for (i, &t) in live.iter().enumerate() {
        target[t] = master.pi[i];
    }
    Ok(Outcome {
        lambda: final_primal(&cols.list, counts, &target, opts.lp_tolerance, opts.solver)?,
        lower: master.obj - gap,
        rounds: round,
    })
}

/// The Goldilocks objective of a probability vector: (n/k)·max π + γ·(k/n)/min π, the
/// minimum over the agents with π > 0 (those no panel can hold have π = 0 under every
/// distribution). `None` if nobody has π > 0.
pub fn goldilocks_value(probs: &[f64], k: usize, gamma: f64) -> Option<f64> {
    let n = probs.len() as f64;
    let k = k as f64;
    let max = probs.iter().copied().fold(0.0, f64::max);
    let min = probs
        .iter()
        .copied()
        .filter(|&p| p > 0.0)
        .fold(f64::INFINITY, f64::min);
    (min.is_finite() && min > 0.0).then(|| n / k * max + gamma * k / n / min)
}

#[derive(Clone, Copy)]
struct Scale {
    /// n/k, the weight of the ceiling a.
    ceiling: f64,
    /// γ·k/n, the weight of s = 1/b; `None`: no floor (MINIMAX).
    floor: Option<f64>,
}

/// Master solution: objective, ν, the duals z (ceiling) and y (floor) and the type
/// probabilities π_t of the coverable types, in the order of `live`.
struct Master {
    obj: f64,
    nu: f64,
    z: Vec<f64>,
    y: Vec<f64>,
    pi: Vec<f64>,
}

/// The master problem of the module docs, in clarabel's form `A x + s = b`, s in
/// {0} × ℝ_+^{2L+J} × SOC₃, with x = (λ_1..λ_J, a, b, s). Without a floor (MINIMAX) the
/// floor rows and the cone are left out (y = 0) and b, s are unused.
fn solve_master(
    columns: &[Vec<u32>],
    counts: &[u32],
    live: &[usize],
    scale: Scale,
    tol: f64,
) -> Result<Option<Master>> {
    let j = columns.len();
    let (ia, ib, is) = (j, j + 1, j + 2);
    let mut q = vec![0.0; j + 3];
    q[ia] = scale.ceiling;
    q[is] = scale.floor.unwrap_or(0.0);
    let mut lp = ConeLp::new(j + 3, q);
    // Row 0: Σ λ = 1.
    lp.row((0..j).map(|p| (p, 1.0)), 1.0);
    // (P, a_{P,t}) for every known panel P.
    let share = |t: usize| {
        let c = counts[t] as f64;
        columns
            .iter()
            .enumerate()
            .map(move |(p, col)| (p, col[t] as f64 / c))
    };
    // Rows 1..=L: Σ_P a_{P,t} λ_P − a ≤ 0.
    for &t in live {
        lp.row(share(t).chain(std::iter::once((ia, -1.0))), 0.0);
    }
    // Rows L+1..=2L: b − Σ_P a_{P,t} λ_P ≤ 0 (only with a floor).
    if scale.floor.is_some() {
        for &t in live {
            lp.row(
                share(t)
                    .map(|(p, a)| (p, -a))
                    .chain(std::iter::once((ib, 1.0))),
                0.0,
            );
        }
    }
    // −λ ≤ 0.
    for p in 0..j {
        lp.row([(p, -1.0)], 0.0);
    }
    // (s + b, s − b, 2) ∈ SOC₃  ⇔  (s+b)² − (s−b)² = 4sb ≥ 4, s + b ≥ 0  ⇔  s·b ≥ 1, s, b ≥ 0.
    // Without a floor: b = s = 0 (rows −b ≤ 0, b ≤ 0 and the same for s).
    let n_soc = if scale.floor.is_some() {
        lp.row([(is, -1.0), (ib, -1.0)], 0.0);
        lp.row([(is, -1.0), (ib, 1.0)], 0.0);
        lp.row([], 2.0);
        3
    } else {
        for v in [ib, is] {
            lp.row([(v, -1.0)], 0.0);
            lp.row([(v, 1.0)], 0.0);
        }
        0
    };
    let Some(sol) = lp.solve_conic(1, n_soc, tol)? else {
        return Ok(None);
    };
    let l = live.len();
    let pi = live
        .iter()
        .map(|&t| share(t).map(|(p, a)| a * sol.x[p]).sum())
        .collect();
    Ok(Some(Master {
        obj: sol.obj,
        nu: sol.z[0],
        z: sol.z[1..=l].iter().map(|&v| v.max(0.0)).collect(),
        y: if scale.floor.is_some() {
            sol.z[l + 1..=2 * l].iter().map(|&v| v.max(0.0)).collect()
        } else {
            vec![0.0; l]
        },
        pi,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::testing::instance;

    /// A pool of `n` with three categories (2, 3 and 2 values, skewed: value v of a
    /// category is drawn about twice as often as v + 1), from a fixed xorshift sequence.
    fn pool(n: usize, k: usize, seed: u64, households: bool) -> Instance {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // P(v) ∝ 2^(m−1−v).
            let r = x % ((1 << m) - 1);
            (0..m)
                .find(|&v| r < (1 << m) - (1 << (m - 1 - v)))
                .unwrap_or(0) as usize
        };
        let values: Vec<Vec<usize>> = (0..n).map(|_| vec![next(2), next(3), next(2)]).collect();
        instance(&values, &[2, 3, 2], k, households)
    }

    /// The linear master alone (no conic fallback) on skewed pools of 40 and 60 (with and
    /// without households), with and without multiplicative-weights panels, for
    /// Goldilocks (γ = 1 and 0.3) and MINIMAX: it must not fail, its certificate must be
    /// small and non-negative, and its objective must agree with the conic master's.
    #[test]
    fn the_linear_master_needs_no_fallback() {
        let mut checked = 0;
        for (seed, n, k, households) in [(1, 40, 8, false), (2, 60, 12, true), (3, 60, 9, false)] {
            let inst = pool(n, k, seed, households);
            for mw_rounds in [Some(0), None] {
                for gamma in [Some(1.0), Some(0.3), None] {
                    let opts = Options {
                        mw_rounds,
                        ..Options::default()
                    };
                    let Ok((_, linear)) = solve_with(&inst, gamma, &opts, &mut |_| {}, false)
                    else {
                        // Only an infeasible pool may fail, and then the conic one too.
                        assert!(solve(&inst, gamma, &opts, &mut |_| {}).is_err());
                        continue;
                    };
                    assert!(linear.gap >= 0.0 && linear.gap < 1e-3, "{linear:?}");
                    let conic_opts = Options {
                        lp: crate::select::LpMethod::InteriorPoint,
                        ..opts
                    };
                    let (_, conic) = solve(&inst, gamma, &conic_opts, &mut |_| {}).expect("conic");
                    assert!(
                        (linear.objective - conic.objective).abs() < 2e-3 * conic.objective,
                        "seed {seed} {gamma:?} {mw_rounds:?}: linear {linear:?} vs conic {conic:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 12, "only {checked} feasible runs");
    }
}

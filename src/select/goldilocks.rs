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
//! master is a second-order cone program, solved by clarabel's interior-point method.
//! A purely linear reformulation does not exist: the set {(a, b, s): s ≥ 1/b} is not
//! polyhedral; a bisection over b with LPs is the alternative (used by the tests as an
//! independent oracle).
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
//! **Stopping rule and bound.** Raising ν to v makes (ν, y, z) feasible for the dual of the
//! full problem (over *all* panels) and lowers the dual objective by (v − ν)·1 (the
//! convexity row's right-hand side). By weak duality the optimum over all panels is at least
//! `obj(C) − (v − ν)`; the gap `v̄ − ν`, with v̄ ≥ v the upper bound the pricing ILP
//! proves, is the certificate. Column generation stops when v ≤ ν + eps; the pricing ILP
//! is asked only that question (`pricing::Goal::Above`), so it may stop as soon as it finds
//! a panel above ν + eps or a bound v̄ ≤ ν + eps, without proving its optimum.
//!
//! **Panels.** The master's λ comes from an interior-point method and spreads over many
//! panels. As in LEXIMIN the final distribution is a basic solution of the final primal LP
//! (`lp::final_primal`) for the master's type probabilities, which has at most
//! (#types + 1) panels, expanded into concrete panels with exactly equal marginals inside
//! each type (`expand.rs`).

use super::expand::expand;
use super::leximin::initial_columns;
use super::lp::{ConeLp, final_primal};
use super::pricing::{Goal, Pricer};
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

/// Column generation for Goldilocks (`gamma` given) or MINIMAX (`None`).
fn solve(
    inst: &Instance,
    gamma: Option<f64>,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
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
    let mut round = 0usize;
    let (master, gap) = loop {
        round += 1;
        if round > opts.max_column_rounds {
            return Err(Error::solver(format!(
                "iteration limit reached: {} column-generation rounds",
                opts.max_column_rounds
            )));
        }
        let m = solve_master(&cols.list, &counts, &live, scale, opts.lp_tolerance)?
            .ok_or_else(|| Error::solver("the Goldilocks master problem could not be solved"))?;
        // Pricing weights w_t = (y_t − z_t)/c_t; 0 for types no panel can hold.
        let mut w = vec![0.0; nt];
        for (i, &t) in live.iter().enumerate() {
            w[t] = (m.y[i] - m.z[i]) / counts[t] as f64;
        }
        // Is there a panel worth more than ν + EPS? (`Goal::Above`: answered as soon as
        // a panel above it or a bound below it is found.)
        let priced = pricer
            .price(&w, Goal::Above(m.nu + opts.eps))?
            .ok_or_else(|| Error::solver("pricing ILP infeasible"))?;
        let (p, v) = (priced.panel, priced.value);
        let gap = (priced.bound - m.nu).max(0.0);
        progress(&Progress {
            phase: Phase::ColumnGeneration,
            outer_iteration: 1,
            iteration: round,
            columns: cols.list.len(),
            fixed_agents: 0,
            n_agents: n,
            bound: m.obj - gap,
            upper_bound: m.obj,
            gap,
        });
        if v <= m.nu + opts.eps || !cols.add(p) {
            break (m, gap);
        }
    };
    let mut target = vec![0.0; nt];
    for (i, &t) in live.iter().enumerate() {
        target[t] = master.pi[i];
    }
    let lambda = final_primal(&cols.list, &counts, &target, opts.lp_tolerance, opts.solver)?;
    progress(&Progress {
        phase: Phase::FinalLp,
        outer_iteration: 1,
        iteration: round,
        columns: cols.list.len(),
        fixed_agents: n,
        n_agents: n,
        bound: master.obj - gap,
        upper_bound: master.obj,
        gap,
    });
    Ok((
        expand(&tm, &cols.list, &lambda),
        Certificate {
            objective: master.obj,
            gap,
            rounds: round,
        },
    ))
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

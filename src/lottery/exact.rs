//! Exact rounding where exactness exists (issue 14): when every agent's target m·π_i is
//! (within the selection's decimals) a whole number of tickets, look for a lottery that
//! gives every agent exactly that number.
//!
//! The local search of [`super::round`] moves single tickets between agent-level panels;
//! a rotation-expanded distribution has many panels with tiny probabilities, and a
//! deviation of one ticket spread over many agents is a local optimum it cannot leave.
//! Exactness is a property of the *group-level* problem, so it is solved there:
//!
//! 1. Groups: agents of one type (`select::agent_types`: the same value in every
//!    category, not in a household with another applicant) who want the same number of tickets
//!    `w_i = round(m π_i)` form one group g of size c_g; the lottery must give the group
//!    `R_g = c_g · w` seats over its m numbered panels.
//! 2. Sequential balanced rounding: with r panels still to make and residual seats R_g,
//!    panel number m − r + 1 takes `v_g ∈ {⌊R_g/r⌋, ⌈R_g/r⌉}` members of every group,
//!    chosen by a small integer program (microlp): `v_g = ⌊R_g/r⌋ + b_g`, b_g ∈ {0, 1}
//!    (b_g = 0 where R_g/r is whole), `Σ_g v_g = k`, every quota's min and max, at most
//!    one member per household, maximising `Σ_g frac(R_g/r)·b_g` (the groups furthest
//!    behind their share go first, as in largest-remainder apportionment). Then
//!    R_g ← R_g − v_g, r ← r − 1. Since v_g is a rounding of R_g/r, the residual stays
//!    within `0 ≤ R_g ≤ r·c_g`, and at r = 1 the last panel takes exactly R_g. The
//!    method stops without a result when some step has no solution (the quotas leave no
//!    rounding of the residual share) — then the local search's lottery stands.
//! 3. Members are assigned by rotation inside each group: the panels in order, each
//!    taking the next v_g members of g cyclically. A panel never takes a member twice
//!    (v_g ≤ c_g), and every member of g gets exactly `R_g / c_g = w` tickets.
//!    Every panel meets the quotas by step 2's constraints (checked again by the
//!    caller before writing).
//!
//! With at most two categories and no households the method always succeeds when an
//! exact lottery exists: the residual share of every value stays between the floor and
//! ceiling of its first share (so inside its quota), and the step's constraint matrix
//! (groups nested in the values of two categories) is totally unimodular, so the
//! fractional share itself proves that an integer rounding exists. With more categories
//! or households this is not guaranteed; the tests measure how it fares.
//!
//! Every step is deterministic (a fixed order, integer residuals, an ILP per panel).
//! The result replaces the local search's only when every agent gets its wanted count.

use std::collections::BTreeMap;

use super::round::UNIT;
use crate::select::Instance;

/// Tickets per panel of an exact lottery, or None when the sequential rounding finds
/// none. `target` in units (m·π_i·UNIT).
pub fn exact(inst: &Instance, target: &[i128], m: u32) -> Option<(Vec<Vec<u32>>, Vec<u32>)> {
    let n = target.len();
    let types = crate::select::agent_types(inst);
    // Nearest whole ticket count (ties down: either is as far from the target).
    let want: Vec<i128> = target.iter().map(|&t| (t + UNIT / 2 - 1) / UNIT).collect();
    // Groups in order of their first member.
    let mut group_of: BTreeMap<(u32, i128), usize> = BTreeMap::new();
    let mut members: Vec<Vec<u32>> = Vec::new();
    for i in 0..n {
        let g = *group_of.entry((types[i], want[i])).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        members[g].push(i as u32);
    }
    let mut residual: Vec<i64> = members
        .iter()
        .map(|ms| ms.len() as i64 * want[ms[0] as usize] as i64)
        .collect();
    let mut next = vec![0usize; members.len()];
    let mut tickets: BTreeMap<Vec<u32>, u32> = BTreeMap::new();
    for r in (1..=m as i64).rev() {
        let v = balanced_panel(inst, &members, &residual, r)?;
        let mut p = Vec::with_capacity(inst.k);
        for (g, &c) in v.iter().enumerate() {
            residual[g] -= c;
            let ms = &members[g];
            for _ in 0..c {
                p.push(ms[next[g] % ms.len()]);
                next[g] += 1;
            }
        }
        p.sort_unstable();
        *tickets.entry(p).or_default() += 1;
    }
    let (panels, counts): (Vec<Vec<u32>>, Vec<u32>) = tickets.into_iter().unzip();
    // Every agent at its wanted count, or no result.
    let mut got = vec![0i128; n];
    for (p, &c) in panels.iter().zip(&counts) {
        for &a in p {
            got[a as usize] += c as i128;
        }
    }
    (got == want).then_some((panels, counts))
}

/// Step 2 for one panel: members per group, or None when no rounding of `residual / r`
/// meets the quotas.
fn balanced_panel(
    inst: &Instance,
    members: &[Vec<u32>],
    residual: &[i64],
    r: i64,
) -> Option<Vec<i64>> {
    use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem};
    let floor: Vec<i64> = residual.iter().map(|&x| x.div_euclid(r)).collect();
    let mut pb = Problem::new(OptimizationDirection::Maximize);
    // b_g where the share is fractional; the fractional part as the objective weight.
    let b: Vec<Option<microlp::Variable>> = residual
        .iter()
        .map(|&x| {
            let rem = x.rem_euclid(r);
            (rem > 0).then(|| pb.add_binary_var(rem as f64 / r as f64))
        })
        .collect();
    // Σ over a set of groups of v_g = constant + Σ b_g, bounded by [lo, hi].
    let mut bounded = |groups: &mut dyn Iterator<Item = usize>, lo: i64, hi: i64| -> bool {
        let mut e = LinearExpr::empty();
        let mut base = 0i64;
        let mut free = 0i64;
        for g in groups {
            base += floor[g];
            if let Some(x) = b[g] {
                e.add(x, 1.0);
                free += 1;
            }
        }
        if base + free < lo || base > hi {
            return false;
        }
        if free > 0 {
            if lo > base {
                pb.add_constraint(e.clone(), ComparisonOp::Ge, (lo - base) as f64);
            }
            if hi < base + free {
                pb.add_constraint(e, ComparisonOp::Le, (hi - base) as f64);
            }
        }
        true
    };
    let k = inst.k as i64;
    if !bounded(&mut (0..members.len()), k, k) {
        return None;
    }
    let first = |g: usize| members[g][0] as usize;
    for (c, cat) in inst.categories.iter().enumerate() {
        for (vi, val) in cat.values.iter().enumerate() {
            let gs: Vec<usize> = (0..members.len())
                .filter(|&g| inst.agents[first(g)][c] == vi)
                .collect();
            // The value's own residual share is rounded too, so that no value drifts
            // away from its share and out of its quota later.
            let seats: i64 = gs.iter().map(|&g| residual[g]).sum();
            let lo = (val.min as i64).max(seats.div_euclid(r));
            let hi = (val.max as i64).min((seats + r - 1).div_euclid(r));
            if !bounded(&mut gs.into_iter(), lo, hi) {
                return None;
            }
        }
    }
    if let Some(h) = &inst.households {
        // Members of a household of two or more are types, so groups, of one.
        let mut by_household: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for g in 0..members.len() {
            if let Some(id) = h[first(g)] {
                by_household.entry(id).or_default().push(g);
            }
        }
        for gs in by_household.values().filter(|gs| gs.len() > 1) {
            // Rounded like a value's share, so the household's share stays ≤ 1.
            let seats: i64 = gs.iter().map(|&g| residual[g]).sum();
            let lo = seats.div_euclid(r);
            if !bounded(&mut gs.iter().copied(), lo, 1) {
                return None;
            }
        }
    }
    let out = pb.solve().ok()?;
    let sol = out.solution()?;
    Some(
        floor
            .iter()
            .zip(&b)
            .map(|(&f, x)| f + x.map_or(0, |x| sol.var_value(x).round() as i64))
            .collect(),
    )
}

//! Replacing drop-outs without breaking a quota (spec §14).
//!
//! Rule: the replacements are the **lexicographically first feasible choice in the
//! published reserve order**. Walk the reserve order; take a person if the panel can
//! still be completed to satisfy every quota (and the household rule) with people who
//! come later in the order; stop when enough are taken.
//!
//! Why this rule rather than a fresh LEXIMIN over the remaining pool: the order was
//! fixed by public randomness at the lottery, before anyone dropped out, so whoever
//! decides who counts as dropped out cannot steer who comes in; each remaining
//! applicant's place in the order is uniformly random; and the choice needs no new
//! seed and no floating point, so an auditor can recompute it. A fresh LEXIMIN would
//! need new randomness at each replacement and makes the result depend on solver
//! numerics.
//!
//! Correctness of the greedy walk: if adding person r to the chosen set C cannot be
//! completed, then no superset C' ⊇ C can be completed together with r either (every
//! completion of C' ∪ {r} is one of C ∪ {r}), so skipping r for good is right, and the
//! walk yields the lexicographically first feasible set.

use super::super::select::{
    Category, Instance, QuotaChange, QuotaValue, check_panel, feasibility_within_flex,
};
use std::collections::BTreeSet;

/// Why no replacement keeps the quotas.
#[derive(Debug, Clone, PartialEq)]
pub struct Impossible {
    /// Plain sentences naming the quotas that break.
    pub conflicts: Vec<String>,
    /// Smallest change of the quota file (within min_flex/max_flex) that would allow a
    /// replacement, in whole-panel terms.
    pub relaxation: Option<Vec<QuotaChange>>,
}

/// Returns the replacements (agent indices, in reserve order) for a panel whose
/// `staying` members remain, `need` seats are free, choosing from `reserve` (agent
/// indices in reserve order, already without former members and unavailable people).
pub fn replace(
    inst: &Instance,
    flex: &[Vec<(u32, u32)>],
    staying: &[u32],
    need: usize,
    reserve: &[u32],
) -> Result<Vec<u32>, Impossible> {
    if need == 0 {
        return Ok(Vec::new());
    }
    if let Some(r) = residual(inst, staying, reserve, need) {
        if let Err(inf) = feasibility_within_flex(&r.inst, &r.flex(flex)) {
            return Err(explain(inst, reserve, need, &r, inf));
        }
    } else {
        return Err(explain_overfull(inst, staying));
    }
    let mut chosen: Vec<u32> = Vec::new();
    for (pos, &cand) in reserve.iter().enumerate() {
        if chosen.len() == need {
            break;
        }
        let mut fixed: Vec<u32> = staying.to_vec();
        fixed.extend(&chosen);
        fixed.push(cand);
        let left = need - chosen.len() - 1;
        let ok = if left == 0 {
            let mut panel = fixed.clone();
            panel.sort_unstable();
            check_panel(inst, &panel).is_ok()
        } else {
            residual(inst, &fixed, &reserve[pos + 1..], left).is_some_and(|r| {
                // The cheap household check first: it spares an ILP.
                r.household_ok && super::super::select::feasibility(&r.inst).is_ok()
            })
        };
        if ok {
            chosen.push(cand);
        }
    }
    if chosen.len() < need {
        // Cannot happen after the feasibility check above; reported rather than assumed.
        return Err(Impossible {
            conflicts: vec!["the reserve order ran out before the panel was complete".into()],
            relaxation: None,
        });
    }
    Ok(chosen)
}

/// The sub-problem "choose `need` more from `candidates` given `fixed`": quotas shifted
/// by the fixed members' counts; candidates sharing a household with a fixed member
/// left out. `None` if the fixed members alone exceed a maximum.
struct Residual {
    inst: Instance,
    /// Per category and value, how many fixed members have it.
    fixed_counts: Vec<Vec<u32>>,
    /// The fixed members obey the household rule among themselves.
    household_ok: bool,
}

impl Residual {
    fn flex(&self, flex: &[Vec<(u32, u32)>]) -> Vec<Vec<(u32, u32)>> {
        flex.iter()
            .zip(&self.fixed_counts)
            .map(|(vals, fc)| {
                vals.iter()
                    .zip(fc)
                    .map(|(&(lo, hi), &f)| (lo.saturating_sub(f), hi.saturating_sub(f)))
                    .collect()
            })
            .collect()
    }
}

fn counts_of(inst: &Instance, members: &[u32]) -> Vec<Vec<u32>> {
    let mut fc: Vec<Vec<u32>> = inst
        .categories
        .iter()
        .map(|c| vec![0; c.values.len()])
        .collect();
    for &i in members {
        for (c, &v) in inst.agents[i as usize].iter().enumerate() {
            fc[c][v] += 1;
        }
    }
    fc
}

fn residual(inst: &Instance, fixed: &[u32], candidates: &[u32], need: usize) -> Option<Residual> {
    let fc = counts_of(inst, fixed);
    let mut categories = Vec::new();
    for (cat, counts) in inst.categories.iter().zip(&fc) {
        let mut values = Vec::new();
        for (v, &f) in cat.values.iter().zip(counts) {
            if f > v.max {
                return None;
            }
            values.push(QuotaValue {
                name: v.name.clone(),
                min: v.min.saturating_sub(f),
                max: v.max - f,
            });
        }
        categories.push(Category {
            name: cat.name.clone(),
            values,
        });
    }
    let hh = inst.households.as_ref();
    let fixed_hh: Vec<u32> = fixed
        .iter()
        .filter_map(|&i| hh.and_then(|h| h[i as usize]))
        .collect();
    let taken: BTreeSet<u32> = fixed_hh.iter().copied().collect();
    let household_ok = taken.len() == fixed_hh.len();
    let cands: Vec<u32> = candidates
        .iter()
        .copied()
        .filter(|&i| {
            hh.and_then(|h| h[i as usize])
                .is_none_or(|id| !taken.contains(&id))
        })
        .collect();
    Some(Residual {
        inst: Instance {
            k: need,
            categories,
            agents: cands
                .iter()
                .map(|&i| inst.agents[i as usize].clone())
                .collect(),
            households: hh.map(|h| cands.iter().map(|&i| h[i as usize]).collect()),
        },
        fixed_counts: fc,
        household_ok,
    })
}

fn explain_overfull(inst: &Instance, staying: &[u32]) -> Impossible {
    let fc = counts_of(inst, staying);
    let mut conflicts = Vec::new();
    for (cat, counts) in inst.categories.iter().zip(&fc) {
        for (v, &f) in cat.values.iter().zip(counts) {
            if f > v.max {
                conflicts.push(format!(
                    "{}={}: {f} members stay on the panel, more than the maximum of {}",
                    cat.name, v.name, v.max
                ));
            }
        }
    }
    Impossible {
        conflicts,
        relaxation: None,
    }
}

fn explain(
    inst: &Instance,
    reserve: &[u32],
    need: usize,
    r: &Residual,
    inf: super::super::select::Infeasibility,
) -> Impossible {
    let mut conflicts = Vec::new();
    if r.inst.agents.len() < need {
        conflicts.push(format!(
            "{need} seats are free but only {} people are left in the reserve order",
            r.inst.agents.len()
        ));
    }
    let avail = counts_of(inst, reserve);
    for (c, cat) in inst.categories.iter().enumerate() {
        for (v, val) in cat.values.iter().enumerate() {
            let f = r.fixed_counts[c][v];
            let a = avail[c][v];
            if f + a < val.min {
                conflicts.push(format!(
                    "{}={} needs at least {} members: {f} stay on the panel and {a} {} left in the reserve",
                    cat.name,
                    val.name,
                    val.min,
                    if a == 1 { "is" } else { "are" }
                ));
            }
        }
    }
    if conflicts.is_empty() {
        // No single value is short: the free seats need a combination nobody has.
        // Values below their minimum without the newcomers must be filled; values at
        // their maximum must not grow.
        let mut must = Vec::new();
        let mut full = Vec::new();
        for (c, cat) in inst.categories.iter().enumerate() {
            let short = |v: usize| r.fixed_counts[c][v] < cat.values[v].min;
            // Where a category has a value that must be filled, its full values go
            // without saying.
            let has_short = (0..cat.values.len()).any(short);
            for (v, val) in cat.values.iter().enumerate() {
                let f = r.fixed_counts[c][v];
                if short(v) {
                    must.push(format!("{}={} ({} short)", cat.name, val.name, val.min - f));
                } else if f >= val.max && !has_short {
                    full.push(format!("{}={}", cat.name, val.name));
                }
            }
        }
        let seats = if need == 1 {
            "the free seat".to_string()
        } else {
            format!("the {need} free seats")
        };
        if !must.is_empty() {
            conflicts.push(format!("{seats} must go to: {}", must.join(", ")));
        }
        if !full.is_empty() {
            conflicts.push(format!(
                "and cannot go to anyone with: {} (at their maximum)",
                full.join(", ")
            ));
        }
        conflicts.push(if need == 1 {
            "nobody left in the reserve order fits all of these".to_string()
        } else {
            "no group of people left in the reserve order fits all of these together".to_string()
        });
    }
    let relaxation = inf.relaxation.map(|changes| {
        changes
            .into_iter()
            .map(|ch| {
                let (ci, vi) = position(inst, &ch.category, &ch.value);
                let f = r.fixed_counts[ci][vi];
                let full = &inst.categories[ci].values[vi];
                QuotaChange {
                    old_min: full.min,
                    old_max: full.max,
                    new_min: (ch.new_min + f).min(full.min),
                    new_max: (ch.new_max + f).max(full.max),
                    category: ch.category,
                    value: ch.value,
                }
            })
            .collect()
    });
    Impossible {
        conflicts,
        relaxation,
    }
}

fn position(inst: &Instance, cat: &str, val: &str) -> (usize, usize) {
    for (c, ca) in inst.categories.iter().enumerate() {
        if ca.name == cat {
            for (v, va) in ca.values.iter().enumerate() {
                if va.name == val {
                    return (c, v);
                }
            }
        }
    }
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 8 agents, gender 0/1 alternating, panel of 4 with exactly 2 of each.
    fn inst() -> Instance {
        Instance {
            k: 4,
            categories: vec![Category {
                name: "gender".into(),
                values: vec![
                    QuotaValue {
                        name: "w".into(),
                        min: 2,
                        max: 2,
                    },
                    QuotaValue {
                        name: "m".into(),
                        min: 2,
                        max: 2,
                    },
                ],
            }],
            agents: (0..8).map(|i| vec![i % 2]).collect(),
            households: None,
        }
    }

    fn flex(i: &Instance) -> Vec<Vec<(u32, u32)>> {
        i.categories
            .iter()
            .map(|c| c.values.iter().map(|_| (0, i.k as u32)).collect())
            .collect()
    }

    #[test]
    fn skips_reserves_that_would_break_a_quota() {
        let i = inst();
        // Panel 0,1,2,3; agent 0 (w) drops out. Reserve order 5 (m), 7 (m), 4 (w), 6 (w).
        let got = replace(&i, &flex(&i), &[1, 2, 3], 1, &[5, 7, 4, 6]).expect("replaced");
        assert_eq!(got, vec![4], "the first woman in reserve order");
    }

    #[test]
    fn lexicographically_first_for_two_seats() {
        let i = inst();
        // 0 (w) and 1 (m) drop out; order 6 (w), 4 (w), 7 (m): 6 is taken, 4 is skipped
        // (two women would break the quota), 7 completes.
        let got = replace(&i, &flex(&i), &[2, 3], 2, &[6, 4, 7]).expect("replaced");
        assert_eq!(got, vec![6, 7]);
    }

    #[test]
    fn names_the_quota_that_breaks() {
        let i = inst();
        let err = replace(&i, &flex(&i), &[1, 2, 3], 1, &[5, 7]).expect_err("no woman left");
        assert!(
            err.conflicts[0].contains("gender=w needs at least 2 members: 1 stay"),
            "{:?}",
            err.conflicts
        );
        let relax = err.relaxation.expect("a relaxation exists");
        assert_eq!(relax.len(), 2, "{relax:?}");
    }

    #[test]
    fn household_rule_holds_for_replacements() {
        let mut i = inst();
        // Agent 4 lives with staying member 2.
        let mut h = vec![None; 8];
        h[2] = Some(7);
        h[4] = Some(7);
        i.households = Some(h);
        let got = replace(&i, &flex(&i), &[1, 2, 3], 1, &[4, 6]).expect("replaced");
        assert_eq!(got, vec![6]);
    }
}

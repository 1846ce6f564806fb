//! Invariants of the lottery's rounding and of the replacement rule, on random
//! small instances, against brute force.

mod common;

use common::all_feasible_panels;
use proptest::prelude::*;
use sortes::lottery::replace::replace;
use sortes::lottery::round::{UNIT, round};
use sortes::select::{Category, Instance, QuotaValue, check_panel};

fn rounding_case() -> impl Strategy<Value = (usize, Vec<Vec<u32>>, Vec<i128>, u32)> {
    (4usize..12, 1usize..4, 2u32..200).prop_flat_map(|(n, k, m)| {
        let k = k.min(n);
        let panel = proptest::sample::subsequence((0..n as u32).collect::<Vec<_>>(), k);
        (
            Just(n),
            proptest::collection::vec(panel, 1..12),
            proptest::collection::vec(1u32..1000, 12),
            Just(m),
        )
            .prop_map(|(n, panels, w, m)| {
                let total: u32 = w[..panels.len()].iter().sum();
                let mut probs: Vec<i128> = w[..panels.len()]
                    .iter()
                    .map(|&x| i128::from(x) * UNIT / i128::from(total))
                    .collect();
                let s: i128 = probs.iter().sum();
                probs[0] += UNIT - s;
                (n, panels, probs, m)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rounding_hands_out_m_tickets_and_never_does_worse_than_largest_remainder(
        (n, panels, probs, m) in rounding_case()
    ) {
        let r = round(&panels, &probs, n, m, None, &mut |_| None);
        prop_assert_eq!(r.counts.iter().map(|&c| u64::from(c)).sum::<u64>(), u64::from(m));
        prop_assert_eq!(r.panels.len(), panels.len(), "no generator, no new panels");
        // Recompute every agent's deviation from scratch.
        let mut dev = vec![0i128; n];
        for (p, &pr) in panels.iter().zip(&probs) {
            for &a in p {
                dev[a as usize] -= i128::from(m) * pr;
            }
        }
        for (p, &c) in r.panels.iter().zip(&r.counts) {
            for &a in p {
                dev[a as usize] += i128::from(c) * UNIT;
            }
        }
        let worst = dev.iter().map(|d| d.abs()).max().unwrap_or(0);
        prop_assert_eq!(worst, r.max_deviation);
        prop_assert!(r.max_deviation <= r.start_deviation);
        prop_assert!(r.max_deviation >= r.lower_bound);
    }

    /// Agent n (added to every panel) has π = 1 and agent n + 1 (on no panel) π = 0;
    /// whatever panels the generator offers — here arbitrary ones, mostly without the
    /// first and with the second — they end with m and 0 tickets.
    #[test]
    fn certain_agents_get_m_tickets_and_impossible_ones_none(
        (n, panels, probs, m) in rounding_case(),
        offers in proptest::collection::vec(proptest::collection::vec(any::<bool>(), 14), 0..40)
    ) {
        let (sure, never) = (n as u32, n as u32 + 1);
        let panels: Vec<Vec<u32>> = panels
            .into_iter()
            .map(|mut p| {
                p.push(sure);
                p
            })
            .collect();
        let mut offers = offers.into_iter().map(|bits| {
            (0..n as u32 + 2).filter(|&i| bits[i as usize]).collect::<Vec<u32>>()
        });
        let r = round(&panels, &probs, n + 2, m, None, &mut |_| offers.next());
        let tickets = |i: u32| -> u64 {
            r.panels
                .iter()
                .zip(&r.counts)
                .filter(|(p, _)| p.contains(&i))
                .map(|(_, &c)| u64::from(c))
                .sum()
        };
        prop_assert_eq!(tickets(sure), u64::from(m));
        prop_assert_eq!(tickets(never), 0);
        prop_assert_eq!(r.counts.iter().map(|&c| u64::from(c)).sum::<u64>(), u64::from(m));
    }
}

/// Two categories (a: 2 values, b: 2 values), n agents, panel size k.
fn instance(agents: Vec<(usize, usize)>, k: usize, qa: (u32, u32), qb: (u32, u32)) -> Instance {
    let cat = |name: &str, q: (u32, u32)| Category {
        name: name.into(),
        values: vec![
            QuotaValue {
                name: "0".into(),
                min: q.0,
                max: q.1,
            },
            QuotaValue {
                name: "1".into(),
                min: 0,
                max: k as u32,
            },
        ],
    };
    Instance {
        k,
        categories: vec![cat("a", qa), cat("b", qb)],
        agents: agents.into_iter().map(|(x, y)| vec![x, y]).collect(),
        households: None,
    }
}

/// All subsets of `items` of size `r`, in lexicographic order of positions.
fn combinations(n: usize, r: usize) -> Vec<Vec<usize>> {
    if r == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for first in 0..n {
        for mut rest in combinations(n - first - 1, r - 1) {
            for x in &mut rest {
                *x += first + 1;
            }
            let mut c = vec![first];
            c.extend(rest);
            out.push(c);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn replacement_is_the_lexicographically_first_feasible_choice(
        agents in proptest::collection::vec((0usize..2, 0usize..2), 8..12),
        order_seed in proptest::collection::vec(0u32..1000, 12),
        drop in 1usize..3,
        qa in (0u32..3, 2u32..5),
        qb in (0u32..2, 2u32..5),
    ) {
        let k = 4;
        let inst = instance(agents.clone(), k, (qa.0.min(qa.1), qa.1), (qb.0.min(qb.1), qb.1));
        let n = agents.len();
        // A feasible starting panel: the first in lexicographic order.
        let Some(panel) = combinations(n, k)
            .into_iter()
            .map(|c| c.into_iter().map(|x| x as u32).collect::<Vec<u32>>())
            .find(|p| check_panel(&inst, p).is_ok())
        else {
            return Ok(());
        };
        let staying: Vec<u32> = panel[drop..].to_vec();
        let mut reserve: Vec<u32> = (0..n as u32).filter(|a| !panel.contains(a)).collect();
        reserve.sort_by_key(|&a| (order_seed[a as usize], a));
        let flex: Vec<Vec<(u32, u32)>> = vec![vec![(0, k as u32); 2]; 2];
        let got = replace(&inst, &flex, &staying, drop, &reserve);
        let brute = combinations(reserve.len(), drop).into_iter().find(|c| {
            let mut p: Vec<u32> = staying.clone();
            p.extend(c.iter().map(|&i| reserve[i]));
            p.sort_unstable();
            check_panel(&inst, &p).is_ok()
        });
        match (got, brute) {
            (Ok(g), Some(b)) => {
                let want: Vec<u32> = b.iter().map(|&i| reserve[i]).collect();
                prop_assert_eq!(g, want);
            }
            (Err(e), None) => prop_assert!(!e.conflicts.is_empty()),
            (g, b) => prop_assert!(false, "replace {:?} vs brute force {:?}", g, b),
        }
    }
}

/// An instance with one or two categories of few values (so that agents repeat their
/// attributes) and, optionally, two-person households.
fn exact_case() -> impl Strategy<Value = (Instance, Vec<usize>, u32)> {
    (6usize..12, 2usize..5, 1usize..3, any::<bool>(), 2u32..40).prop_flat_map(
        |(n, k, cats, households, m)| {
            (
                proptest::collection::vec(proptest::collection::vec(0usize..2, cats), n),
                proptest::collection::vec(0usize..1000, m as usize),
                Just((k, households, m)),
            )
                .prop_map(move |(agents, picks, (k, households, m))| {
                    let categories = (0..cats)
                        .map(|c| Category {
                            name: format!("c{c}"),
                            values: (0..2)
                                .map(|v| QuotaValue {
                                    name: format!("v{v}"),
                                    min: 1,
                                    max: k as u32 - 1,
                                })
                                .collect(),
                        })
                        .collect();
                    let households = households
                        .then(|| (0..n).map(|i| (i < 4).then_some(i as u32 / 2)).collect());
                    let inst = Instance {
                        k,
                        categories,
                        agents,
                        households,
                    };
                    (inst, picks, m)
                })
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Targets made from m feasible panels, so an exact lottery exists. Whenever the exact
    /// phase answers, its panels meet the quotas (the library's check_panel), there are
    /// m tickets and every agent has exactly its target; without households and with at
    /// most two categories it always answers (the module's total-unimodularity argument).
    #[test]
    fn exact_phase_is_exact_and_feasible((inst, picks, m) in exact_case()) {
        use sortes::lottery::exact::exact;
        let feasible = all_feasible_panels(&inst);
        prop_assume!(!feasible.is_empty());
        let n = inst.agents.len();
        let mut target = vec![0i128; n];
        for &x in &picks {
            for &a in &feasible[x % feasible.len()] {
                target[a as usize] += UNIT;
            }
        }
        let got = exact(&inst, &target, m);
        if inst.households.is_none() {
            prop_assert!(got.is_some(), "no exact lottery found");
        }
        if let Some((panels, counts)) = got {
            prop_assert_eq!(counts.iter().map(|&c| u64::from(c)).sum::<u64>(), u64::from(m));
            let mut tickets = vec![0i128; n];
            for (p, &c) in panels.iter().zip(&counts) {
                prop_assert!(check_panel(&inst, p).is_ok(), "panel {:?} breaks a quota", p);
                for &a in p {
                    tickets[a as usize] += i128::from(c) * UNIT;
                }
            }
            prop_assert_eq!(tickets, target);
        }
    }
}

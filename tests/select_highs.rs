//! Cross-check of the two `good_lp` backends of the selection engine: HiGHS (feature
//! `highs`) against the pure-Rust default microlp. The leximin vector and the optimum of
//! the pricing ILP are unique, so both backends must agree up to solver tolerances.
//!
//! Run: `cargo test --release --features highs --test select_highs`

#![cfg(feature = "highs")]

use std::collections::BTreeMap;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sortes::select::{
    Category, Distribution, Instance, Options, QuotaValue, Solver, best_panel, check_panel,
    feasibility_with, leximin, marginals,
};

/// Tolerance on the sorted probability vectors (as in the exact-enumeration tests).
const TOL: f64 = 1e-5;

/// Alternate(200, 20), generated from its published definition.
fn small20() -> Instance {
    sortes::synth::instances::alternate(200, 20).expect("Alternate(200,20)")
}

/// The Scotland-like pool (150 candidates, k = 22) with households.
fn fixture() -> Instance {
    sortes::synth::instances::scotland(true).expect("Scotland-like pool")
}

fn rng(seed: u64) -> ChaCha20Rng {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    ChaCha20Rng::from_seed(s)
}

/// Random small instance (10–40 agents, 1–3 categories, households on odd seeds); may be
/// infeasible.
fn random_instance(seed: u64) -> Instance {
    let mut rng = rng(seed);
    let mut r = |m: u64| (rng.next_u64() % m) as usize;
    let n = 10 + r(31);
    let k = 2 + r(n as u64 / 2 - 1);
    let ncat = 1 + r(3);
    let mut agents = vec![Vec::new(); n];
    let mut categories = Vec::new();
    for c in 0..ncat {
        let nv = 2 + r(3);
        let mut count = vec![0u32; nv];
        for a in agents.iter_mut() {
            let v = r(nv as u64);
            a.push(v);
            count[v] += 1;
        }
        let values = (0..nv)
            .map(|v| {
                let min = r((count[v] as u64).min(k as u64) + 1) as u32;
                let max = min + r(k as u64 - min as u64 + 1) as u32;
                QuotaValue {
                    name: format!("v{v}"),
                    min: min / 2,
                    max,
                }
            })
            .collect();
        categories.push(Category {
            name: format!("c{c}"),
            values,
        });
    }
    let households = (seed % 2 == 1).then(|| {
        (0..n)
            .map(|_| {
                let h = r(n as u64);
                (h < n / 2).then_some(h as u32)
            })
            .collect()
    });
    Instance {
        k,
        categories,
        agents,
        households,
    }
}

fn opts(solver: Solver) -> Options {
    Options {
        eps: 1e-7,
        eps_leximin: 1e-7,
        solver,
        ..Options::default()
    }
}

fn run(inst: &Instance, solver: Solver) -> sortes::base::error::Result<Distribution> {
    leximin(inst, &opts(solver), &mut |_| {})
}

fn sorted_marginals(inst: &Instance, d: &Distribution) -> Vec<f64> {
    let s: f64 = d.probs.iter().sum();
    assert!((s - 1.0).abs() < 1e-9, "probabilities sum to {s}");
    for p in &d.panels {
        check_panel(inst, p).expect("panel in support violates a constraint");
    }
    let mut pi = marginals(inst, d);
    pi.sort_by(f64::total_cmp);
    pi
}

/// Leximin with both backends: same verdict, and for feasible instances the same sorted
/// probability vector. Returns whether the instance was feasible.
fn compare_leximin(name: &str, inst: &Instance) -> bool {
    let a = run(inst, Solver::Microlp);
    let b = run(inst, Solver::Highs);
    let fa = feasibility_with(inst, Solver::Microlp);
    let fb = feasibility_with(inst, Solver::Highs);
    assert_eq!(
        fa.is_ok(),
        fb.is_ok(),
        "{name}: feasibility verdicts differ"
    );
    match (a, b) {
        (Ok(da), Ok(db)) => {
            assert!(
                fa.is_ok(),
                "{name}: leximin found panels, feasibility did not"
            );
            let pa = sorted_marginals(inst, &da);
            let pb = sorted_marginals(inst, &db);
            for (i, (x, y)) in pa.iter().zip(&pb).enumerate() {
                assert!(
                    (x - y).abs() < TOL,
                    "{name}: sorted probability {i}: microlp {x} vs highs {y}"
                );
            }
            true
        }
        (Err(ia), Err(ib)) => {
            assert!(fa.is_err(), "{name}: leximin infeasible, feasibility not");
            // The explanation is computed with microlp in both cases.
            assert_eq!(
                ia.to_string(),
                ib.to_string(),
                "{name}: explanations differ"
            );
            false
        }
        (a, b) => panic!(
            "{name}: verdicts differ: microlp {:?} vs highs {:?}",
            a.map(|d| d.panels.len()),
            b.map(|d| d.panels.len())
        ),
    }
}

#[test]
fn alternate_200_20_backends_agree() {
    let inst = small20();
    assert!(compare_leximin("Alternate(200,20)", &inst));
    let d = run(&inst, Solver::Highs).expect("leximin highs");
    for p in marginals(&inst, &d) {
        assert!((p - 0.1).abs() < 1e-6, "{p}");
    }
}

#[test]
fn fixture_backends_agree() {
    assert!(compare_leximin("SF fixture", &fixture()));
}

#[test]
fn random_instances_backends_agree() {
    let mut feasible = 0;
    for seed in 0..20 {
        if compare_leximin(&format!("seed {seed}"), &random_instance(seed)) {
            feasible += 1;
        }
    }
    println!("{feasible} of 20 random instances feasible");
    assert!(
        feasible >= 8,
        "only {feasible} of 20 random instances feasible"
    );
}

/// Weight of a panel.
fn weight(w: &[f64], p: &[u32]) -> f64 {
    p.iter().map(|&i| w[i as usize]).sum()
}

fn compare_pricing(name: &str, inst: &Instance, seed: u64, rounds: usize) {
    let mut rng = rng(seed);
    let n = inst.agents.len();
    for round in 0..rounds {
        // Continuous weights in [0, 1) (like duals), integer weights with many ties, weights
        // of mixed sign (all agent level), and weights that depend only on the attribute
        // vector (solved at type level, like inside leximin).
        let mut by_attrs: BTreeMap<&[usize], f64> = BTreeMap::new();
        let mut w: Vec<f64> = Vec::with_capacity(n);
        for i in 0..n {
            let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            w.push(match round % 4 {
                0 => x,
                1 => (x * 4.0).floor(),
                2 => 2.0 * x - 1.0,
                _ => *by_attrs.entry(inst.agents[i].as_slice()).or_insert(x),
            });
        }
        let a = best_panel(inst, &w, Solver::Microlp).expect("microlp");
        let b = best_panel(inst, &w, Solver::Highs).expect("highs");
        match (a, b) {
            (Some(a), Some(b)) => {
                check_panel(inst, &a).expect("microlp panel infeasible");
                check_panel(inst, &b).expect("highs panel infeasible");
                let (va, vb) = (weight(&w, &a), weight(&w, &b));
                assert!(
                    (va - vb).abs() <= 1e-7 * (1.0 + va.abs()),
                    "{name}, round {round}: optimum microlp {va} vs highs {vb}"
                );
            }
            (None, None) => {}
            (a, b) => panic!("{name}, round {round}: verdicts differ: {a:?} vs {b:?}"),
        }
    }
}

#[test]
fn pricing_optima_agree_on_random_weights() {
    compare_pricing("Alternate(200,20)", &small20(), 1, 12);
    compare_pricing("SF fixture", &fixture(), 2, 12);
    for seed in 0..20 {
        compare_pricing(
            &format!("seed {seed}"),
            &random_instance(seed),
            100 + seed,
            6,
        );
    }
}

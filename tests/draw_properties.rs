//! Property tests of the whole draw step on random small registers (library calls
//! on real files): eligibility respected, no one drawn twice, the allocation is met
//! exactly, and the result does not depend on the row order of the extract.

mod common;
use common::*;
use proptest::prelude::*;
use sortes::base::process::Process;
use sortes::base::spec::Seed;

#[derive(Debug, Clone)]
struct Resident {
    age_year: u32,
    blocked: bool,
    district: usize,
}

fn rows(res: &[Resident]) -> Vec<String> {
    let d = ["Eving", "Hörde", "Mengede"];
    res.iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                "P{i:03};Name{i};V;Weg;{i};44135;Dortmund;01.06.{};m;deutsch;{};{};",
                r.age_year,
                d[r.district],
                if r.blocked { "ja" } else { "" }
            )
        })
        .collect()
}

fn drawn(process: &std::path::Path, seed: &str) -> Vec<String> {
    let p = Process::load(process).unwrap();
    // One source with one number: the form of the seeds below.
    let form = sortes::base::spec::SeedForm::parse("rfc3797:1").unwrap();
    let args = sortes::draw::step::CommitArgs {
        wave: 1,
        counts: None,
        seed_source: "test",
        seed_form: &form,
        recommit_reason: None,
        rejects: None,
        force: false,
    };
    sortes::draw::step::commit(&p, &args).unwrap();
    let r = sortes::draw::step::draw(&p, &Seed::parse(seed).unwrap(), None, None, false).unwrap();
    r.drawn
        .all()
        .map(|(_, _, i)| {
            r.loaded
                .reg
                .id(&r.loaded.reg.people[i as usize])
                .to_string()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn draw_invariants(
        res in proptest::collection::vec(
            (1930u32..2020, proptest::bool::weighted(0.1), 0usize..3)
                .prop_map(|(age_year, blocked, district)| Resident { age_year, blocked, district }),
            12..60,
        ),
        frac in 1u64..=100,
        rotate in 0usize..60,
        seed in 1u32..1000,
    ) {
        // Born on 1 June of `age_year`; reference date 2027-01-15: 16 or older iff year ≤ 2010.
        let eligible: Vec<usize> = (0..res.len())
            .filter(|&i| res[i].age_year <= 2010 && !res[i].blocked)
            .collect();
        prop_assume!(!eligible.is_empty());
        let n = (eligible.len() as u64 * frac).div_ceil(100);
        let a = setup(&rows(&res), "", "");
        let toml = std::fs::read_to_string(&a.process).unwrap();
        let toml = toml.replace("invitations = 10", &format!("invitations = {n}"));
        std::fs::write(&a.process, &toml).unwrap();
        let mut shuffled = rows(&res);
        let len = shuffled.len();
        shuffled.rotate_left(rotate % len);
        shuffled.reverse();
        let b = setup(&shuffled, "", "");
        std::fs::write(&b.process, &toml).unwrap();
        let seed = format!("{seed}./");
        let da = drawn(&a.process, &seed);
        let db = drawn(&b.process, &seed);
        prop_assert_eq!(da.len() as u64, n);
        let mut uniq = da.clone();
        uniq.sort();
        uniq.dedup();
        prop_assert_eq!(uniq.len(), da.len(), "no one is drawn twice");
        for id in &da {
            let i: usize = id[1..].parse().unwrap();
            prop_assert!(eligible.contains(&i), "{} is not eligible", id);
        }
        prop_assert_eq!(da, db, "row order of the extract does not matter");
    }
}

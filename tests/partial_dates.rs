//! Partial birth dates never cost a resident their chance (spec §6.5), checked
//! against a brute force: every day a partial date may stand for is tried with an
//! age function written here, independently of the program's.

mod common;
use common::*;
use proptest::prelude::*;
use sortes::base::process::Process;
use sortes::register::dates::{AgeRule, BirthDate};

type Ymd = (i32, u32, u32);

fn leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in(y: i32, m: u32) -> u32 {
    match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Completed years on `on` for a birth on `b`: a year older from the start of the
/// birthday; 29 February counts as passed on 1 March in common years.
fn age(b: Ymd, on: Ymd) -> i64 {
    let mut a = i64::from(on.0 - b.0);
    if (on.1, on.2) < (b.1, b.2) {
        a -= 1;
    }
    a
}

/// Every day the partial date may stand for, up to the reference date.
fn possible(year: i32, month: Option<u32>, reference: Ymd) -> Vec<Ymd> {
    let months: Vec<u32> = match month {
        Some(m) => vec![m],
        None => (1..=12).collect(),
    };
    let mut out = Vec::new();
    for m in months {
        for d in 1..=days_in(year, m) {
            if (year, m, d) <= reference {
                out.push((year, m, d));
            }
        }
    }
    out
}

fn band(edges: &[u32], a: i64) -> Option<usize> {
    edges.iter().rposition(|&e| i64::from(e) <= a)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    /// Eligible exactly when some possible day makes the person eligible; the age
    /// given is one that a possible day gives; "decided" exactly when the possible
    /// days disagree on eligibility or age band.
    #[test]
    fn the_rule_matches_the_brute_force(
        year in 1990i32..2030,
        month in proptest::option::of(1u32..=12),
        ry in 2020i32..2030, rm in 1u32..=12, rd in 1u32..=28,
        min_age in 14u32..20,
        max_extra in proptest::option::of(0u32..25),
        bands in proptest::sample::select(vec![vec![16u32, 25, 35], vec![18, 30], vec![0, 16, 17, 18]]),
    ) {
        // The process file refuses max_age below min_age.
        let max_age = max_extra.map(|e| min_age + e);
        let reference = (ry, rm, rd);
        let days = possible(year, month, reference);
        let cell = match month {
            Some(m) => format!("00.{m:02}.{year}"),
            None => format!("00.00.{year}"),
        };
        let date = BirthDate::parse(&cell).unwrap();
        let rule = AgeRule {
            reference: chrono::NaiveDate::from_ymd_opt(ry, rm, rd).unwrap(),
            min_age,
            max_age,
            bands: &bands,
        };
        let got = rule.apply(&date);
        if days.is_empty() {
            prop_assert!(got.is_err(), "every possible day lies after the reference date");
            return Ok(());
        }
        let got = got.unwrap();
        let eligible = |a: i64| a >= i64::from(min_age) && max_age.is_none_or(|m| a <= i64::from(m));
        let ages: Vec<i64> = days.iter().map(|&d| age(d, reference)).collect();
        let any_eligible = ages.iter().any(|&a| eligible(a));
        prop_assert_eq!(eligible(i64::from(got.age)), any_eligible, "ages {:?}", ages);
        prop_assert!(ages.contains(&i64::from(got.age)), "age {} not possible: {:?}", got.age, ages);
        prop_assert!(got.partial);
        let same = ages.iter().all(|&a| eligible(a) == eligible(ages[0]) && band(&bands, a) == band(&bands, ages[0]));
        prop_assert_eq!(got.decided, !same);
    }
}

#[derive(Debug, Clone)]
struct Person {
    year: i32,
    month: u32, // 0: unknown
    day: u32,   // 0: unknown
}

fn person() -> impl Strategy<Value = Person> {
    (1930i32..2015, 0u32..=12, 0u32..=28, 0u32..3).prop_map(|(year, month, day, form)| {
        let (month, day) = match form {
            0 => (0, 0),
            1 if month > 0 => (month, 0),
            _ if month > 0 => (month, day.max(1)),
            _ => (0, 0),
        };
        Person { year, month, day }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    /// Through the reader on real files: a register full of partial dates loses no
    /// resident, and the eligible count is the brute force's.
    #[test]
    fn no_resident_is_dropped(people in proptest::collection::vec(person(), 1..60)) {
        let rows: Vec<String> = people
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let date = if p.month == 0 && i % 2 == 0 {
                    format!("{}", p.year)
                } else {
                    format!("{:02}.{:02}.{}", p.day, p.month, p.year)
                };
                format!("P{i:03};N{i};V;Weg;{i};44135;Dortmund;{date};m;deutsch;Eving;;")
            })
            .collect();
        let s = setup(&rows, "", "");
        let process = Process::load(&s.process).unwrap();
        let reg = sortes::register::load(&process, false).unwrap();
        prop_assert_eq!(reg.people.len(), people.len());
        prop_assert!(reg.rejects.is_empty());
        let reference = (2027, 1, 15);
        let want_eligible = people
            .iter()
            .filter(|p| {
                let days = if p.day > 0 {
                    vec![(p.year, p.month, p.day)]
                } else {
                    possible(p.year, (p.month > 0).then_some(p.month), reference)
                };
                days.iter().any(|&d| age(d, reference) >= 16)
            })
            .count();
        let eligible = reg.people.iter().filter(|p| p.age() >= 16).count();
        prop_assert_eq!(eligible, want_eligible);
        let partial = people.iter().filter(|p| p.day == 0).count() as u64;
        prop_assert_eq!(reg.partial_dates, partial);
    }
}

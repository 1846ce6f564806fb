//! Selection instances with known answers, generated from their published
//! definitions (so the repository needs no copy of the research data):
//!
//! * **Alternate(n, k)** (Flanigan, Gölz, Gupta, Hennig, Procaccia, Nature 2021,
//!   replication data `example_small_20` = Alternate(200, 20) and `example_large_200`
//!   = Alternate(2000, 200)): two categories, gender and leaning; agent 0 is female
//!   and conservative, agents 1 … n/2 − 1 female and liberal, agents n/2 … n − 1 male
//!   and conservative; every value needs between k/2 − 1 and k panel members. LEXIMIN
//!   gives every agent exactly k/n; the legacy greedy algorithm gives agent 0 far less.
//! * **A Scotland-like pool** in the Sortition Foundation's layout (`features.csv` with
//!   flex bounds, `candidates.csv` with an id column, contact and address columns), the
//!   shape of the fixture of `sortition-algorithms`: 150 candidates, k = 22, four
//!   categories, some candidates sharing an address.
//!
//! Both are files in the layouts sortes reads (research layout and Sortition
//! Foundation layout), written into a folder by the caller.
//!
//! * **Skewed pools** ([`skewed`]): the benchmark's random pools and its regional and
//!   national ones, generated in memory from a seed.

use crate::base::error::Result;
use crate::base::spec::Stream;
use crate::quotas::{parse_pool, parse_quota_file, parse_research_pool};
use crate::select::{Category, Instance, QuotaValue};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use std::path::Path;

/// `categories.csv` of Alternate(n, k) (research layout `category,feature,min,max`).
pub fn alternate_categories(k: usize) -> String {
    let (lo, hi) = (k / 2 - 1, k);
    let mut s = String::from("category,feature,min,max\n");
    for (c, v) in [
        ("gender", "female"),
        ("gender", "male"),
        ("leaning", "liberal"),
        ("leaning", "conservative"),
    ] {
        s.push_str(&format!("{c},{v},{lo},{hi}\n"));
    }
    s
}

/// `respondents.csv` of Alternate(n, k): one row per agent, no id column (the id is
/// the 0-based row).
pub fn alternate_respondents(n: usize) -> String {
    let mut s = String::from("gender,leaning\n");
    for i in 0..n {
        s.push_str(match i {
            0 => "female,conservative\n",
            i if i < n / 2 => "female,liberal\n",
            _ => "male,conservative\n",
        });
    }
    s
}

/// The quota table of the Scotland-like pool (`feature,value,min,max,min_flex,max_flex`), k = 22.
pub const SCOTLAND_FEATURES: &str = "feature,value,min,max,min_flex,max_flex
Gender,Female,10,12,0,12
Gender,Male,10,12,0,12
Gender,Non-binary or other,0,1,0,1
age_bracket,16-29,4,7,0,7
age_bracket,30-44,4,7,0,7
age_bracket,45-59,4,7,0,7
age_bracket,60+,4,7,0,7
edu_level,No qualifications,4,7,0,7
edu_level,Level 1,4,7,0,7
edu_level,Level 2 or 3,4,7,0,7
edu_level,Level 4 and above,4,7,0,7
geo_bucket,Central Scotland,2,5,0,5
geo_bucket,Glasgow,2,5,0,5
geo_bucket,Highlands and Islands,1,5,0,5
geo_bucket,Lothian,2,5,0,5
geo_bucket,Mid Scotland and Fife,2,5,0,5
geo_bucket,North East Scotland,1,5,0,5
geo_bucket,South Scotland,2,5,0,5
geo_bucket,West Scotland,2,5,0,5
";

/// The candidates of the Scotland-like pool: 150 rows, id column `nationbuilder_id`,
/// placeholder contact and address columns (every tenth candidate shares the
/// address of the one before), attributes drawn from a fixed stream. With `lower`,
/// every attribute value is written in lower case (for case-insensitive matching).
pub fn scotland_candidates(lower: bool) -> String {
    const GENDER: [(&str, u64); 3] = [("Female", 48), ("Male", 48), ("Non-binary or other", 4)];
    const AGE: [(&str, u64); 4] = [("16-29", 1), ("30-44", 1), ("45-59", 1), ("60+", 1)];
    const EDU: [(&str, u64); 4] = [
        ("No qualifications", 1),
        ("Level 1", 1),
        ("Level 2 or 3", 1),
        ("Level 4 and above", 1),
    ];
    const GEO: [(&str, u64); 8] = [
        ("Central Scotland", 1),
        ("Glasgow", 1),
        ("Highlands and Islands", 1),
        ("Lothian", 1),
        ("Mid Scotland and Fife", 1),
        ("North East Scotland", 1),
        ("South Scotland", 1),
        ("West Scotland", 1),
    ];
    let key: [u8; 32] =
        <sha2::Sha256 as sha2::Digest>::digest(b"sortes/synth/scotland-pool/v1").into();
    let mut s = Stream::new(key);
    let mut pick = |table: &[(&'static str, u64)]| {
        let weights: Vec<u64> = table.iter().map(|t| t.1).collect();
        table[super::Draws::weighted(&mut s, &weights)].0
    };
    let mut out = String::from(
        "nationbuilder_id,first_name,last_name,email,mobile_number,primary_address1,primary_address2,primary_city,primary_zip,Gender,age_bracket,geo_bucket,edu_level\n",
    );
    for i in 0..150 {
        let home = if i % 10 == 9 { i - 1 } else { i };
        let (g, a, geo, e) = (pick(&GENDER), pick(&AGE), pick(&GEO), pick(&EDU));
        let case = |v: &str| {
            if lower {
                v.to_lowercase()
            } else {
                v.to_string()
            }
        };
        out.push_str(&format!(
            "p{i},first_name{i},last_name{i},email{i},mobile_number{i},primary_address1{home},primary_address2{home},primary_city{home},primary_zip{home},{},{},{},{}\n",
            case(g),
            case(a),
            case(geo),
            case(e)
        ));
    }
    out
}

/// Alternate(n, k) as a selection instance, read through the quota and pool readers.
pub fn alternate(n: usize, k: usize) -> Result<Instance> {
    let q = parse_quota_file(
        Path::new("categories.csv"),
        alternate_categories(k).as_bytes(),
    )?;
    let pool = parse_research_pool(
        Path::new("respondents.csv"),
        alternate_respondents(n).as_bytes(),
    )?;
    crate::select::instance::build(&q, k, &pool)
}

/// The Scotland-like pool as a selection instance (k = 22); with `households`, the
/// candidates sharing `primary_address1` form households.
pub fn scotland(households: bool) -> Result<Instance> {
    let q = parse_quota_file(Path::new("features.csv"), SCOTLAND_FEATURES.as_bytes())?;
    let pool = parse_pool(
        Path::new("candidates.csv"),
        scotland_candidates(false).as_bytes(),
        "nationbuilder_id",
        households.then_some("primary_address1"),
    )?;
    crate::select::instance::build(&q, 22, &pool)
}

/// A pool of n applicants with one category per entry of `sizes` (that many values),
/// skewed: value v is drawn with weight v + 1 from ChaCha20 seeded with `seed`
/// (little-endian in the first 8 bytes of the key); quotas ⌊0.9·k/m⌋ (at most the
/// value's count) to ⌈1.1·k/m⌉. The shape of `bench_select`'s random, regional and
/// national pools, and of the tests' larger pools.
pub fn skewed(n: usize, k: usize, seed: u64, sizes: &[usize]) -> Instance {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = ChaCha20Rng::from_seed(s);
    let mut agents = vec![Vec::new(); n];
    let mut categories = Vec::new();
    for (c, &m) in sizes.iter().enumerate() {
        let total: u64 = (1..=m as u64).sum();
        let mut counts = vec![0usize; m];
        for a in agents.iter_mut() {
            let mut r = rng.next_u64() % total;
            let mut v = 0;
            while r > v as u64 {
                r -= v as u64 + 1;
                v += 1;
            }
            a.push(v);
            counts[v] += 1;
        }
        let share = k as f64 / m as f64;
        let values = (0..m)
            .map(|v| QuotaValue {
                name: format!("v{v}"),
                min: ((share * 0.9).floor() as u32).min(counts[v] as u32),
                max: (share * 1.1).ceil() as u32,
            })
            .collect();
        categories.push(Category {
            name: format!("c{c}"),
            values,
        });
    }
    Instance {
        k,
        categories,
        agents,
        households: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_has_its_published_shape() {
        let r = alternate_respondents(200);
        let rows: Vec<&str> = r.lines().skip(1).collect();
        assert_eq!(rows.len(), 200);
        assert_eq!(rows[0], "female,conservative");
        assert_eq!(rows.iter().filter(|r| **r == "female,liberal").count(), 99);
        assert_eq!(
            rows.iter().filter(|r| **r == "male,conservative").count(),
            100
        );
        assert!(alternate_categories(20).contains("gender,female,9,20\n"));
        assert!(alternate_categories(200).contains("leaning,conservative,99,200\n"));
    }
}

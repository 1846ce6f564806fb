//! Stage 1: the invitation draw (spec §6–§9).
//!
//! plan   — eligibility, strata, allocation: everything fixed before the seed exists;
//! execute — the seeded, stratified sample;
//! render — invitees.csv (personal, mode 0600) and the public summary.

pub mod codes;
pub mod eligibility;
pub mod invitees;
pub mod step;

use crate::base::apportion::{Share, apportion_capped};
use crate::base::error::{Error, Location, Result};
use crate::base::fsio::Sha256;
use crate::base::journal::{Commit, CommitStratum, Decimal, Draw};
use crate::base::process::Process;
use crate::base::spec::{Seed, Stream};
use crate::register::{Field, Register, list_hash};
use invitees::Invitee;
use std::collections::{BTreeMap, BTreeSet};

/// Domain label of the invitation draw's random stream (spec §3).
pub const LABEL: &str = "invitation-draw";

#[derive(Debug, Clone)]
pub struct StratumPlan {
    pub key: Vec<String>,
    pub label: String,
    pub residents: u64,
    pub eligible: u64,
    /// Eligible persons, or households under the household rule.
    pub capacity: u64,
    pub factor_milli: u128,
    pub allocated: u64,
    /// Eligible persons of the stratum (indices into `register.people`), canonical order.
    pub members: Vec<u32>,
}

pub struct Plan {
    pub wave: u32,
    pub strata: Vec<StratumPlan>,
    pub eligibility: eligibility::Eligibility,
    /// SHA-256 over the record hashes of the eligible persons (canonical order).
    pub eligible_sha256: Sha256,
    pub invitations: u64,
    pub household_rule: bool,
}

pub fn stratum_label(key: &[String]) -> String {
    key.join(" / ")
}

/// Builds the plan of a wave. `counts` (top-up waves) gives the invitations per
/// stratum label instead of the proportional allocation.
pub fn plan(
    process: &Process,
    reg: &Register,
    earlier: &BTreeSet<String>,
    excluded_ids: &BTreeSet<String>,
    wave: u32,
    counts: Option<&BTreeMap<String, u64>>,
) -> Result<Plan> {
    let cfg = &process.file.draw;
    let t = std::time::Instant::now();
    let elig = eligibility::apply(process, reg, earlier, excluded_ids);
    crate::base::timing::phase("plan: eligibility", t);
    let eligible_sha256 = list_hash(elig.eligible.iter().map(|&i| &reg.people[i as usize].hash));
    // Strata in canonical order: keys compared value by value, by UTF-8 bytes.
    let mut order: Vec<usize> = (0..reg.strata.len()).collect();
    order.sort_by(|&a, &b| reg.strata[a].cmp(&reg.strata[b]));
    let mut pos = vec![0usize; reg.strata.len()];
    for (p, &s) in order.iter().enumerate() {
        pos[s] = p;
    }
    let mut strata: Vec<StratumPlan> = order
        .iter()
        .map(|&s| {
            let key = reg.strata[s].clone();
            let factor_milli = key
                .iter()
                .zip(&cfg.strata)
                .map(|(v, col)| {
                    cfg.oversample
                        .get(col)
                        .and_then(|m| {
                            m.iter()
                                .find(|(k, _)| k.to_lowercase() == v.to_lowercase())
                                .map(|(_, f)| f)
                        })
                        // Validated with the process file; 1 where no factor is set.
                        .and_then(|f| crate::base::text::parse_thousandths(f))
                        .unwrap_or(1000)
                })
                .product();
            StratumPlan {
                label: stratum_label(&key),
                key,
                residents: 0,
                eligible: 0,
                capacity: 0,
                factor_milli,
                allocated: 0,
                members: vec![],
            }
        })
        .collect();
    for p in &reg.people {
        strata[pos[p.stratum as usize]].residents += 1;
    }
    for &i in &elig.eligible {
        let p = &reg.people[i as usize];
        strata[pos[p.stratum as usize]].members.push(i);
    }
    crate::base::timing::phase("plan: strata", t);
    // Distinct households per stratum: each household marked with the last stratum
    // that counted it (one pass, no set per stratum).
    let mut seen = if cfg.household_rule {
        vec![u32::MAX; reg.households]
    } else {
        Vec::new()
    };
    for (n, s) in strata.iter_mut().enumerate() {
        s.eligible = s.members.len() as u64;
        s.capacity = if cfg.household_rule {
            // Distinct households, and every person without a household on their own.
            let mut capacity = 0u64;
            for &i in &s.members {
                match reg.people[i as usize].household() {
                    Some(h) if seen[h as usize] == n as u32 => {}
                    Some(h) => {
                        seen[h as usize] = n as u32;
                        capacity += 1;
                    }
                    None => capacity += 1,
                }
            }
            capacity
        } else {
            s.eligible
        };
    }
    let invitations;
    match counts {
        None => {
            // Spec §7.2: proportional to eligible × factor, largest remainder, capped
            // at each stratum's capacity.
            let shares: Vec<Share> = strata
                .iter()
                .map(|s| Share {
                    weight: s.eligible as u128 * s.factor_milli,
                    capacity: s.capacity,
                })
                .collect();
            let cap: u64 = strata.iter().map(|s| s.capacity).sum();
            let alloc = apportion_capped(&shares, cfg.invitations).ok_or_else(|| {
                Error::refused(format!(
                    "{} invitations are asked for, but only {cap} {} can be invited",
                    cfg.invitations,
                    if cfg.household_rule {
                        "households"
                    } else {
                        "eligible residents"
                    }
                ))
            })?;
            for (s, a) in strata.iter_mut().zip(alloc) {
                s.allocated = a;
            }
            invitations = cfg.invitations;
        }
        Some(c) => {
            for (label, &n) in c {
                let Some(s) = strata
                    .iter_mut()
                    .find(|s| s.label.to_lowercase() == label.to_lowercase())
                else {
                    let hint = crate::base::text::did_you_mean(
                        label,
                        strata.iter().map(|s| s.label.as_str()),
                    );
                    return Err(Error::input(
                        Location::default(),
                        format!(
                            "top-up counts name the stratum {label:?}, which has no eligible residents{hint}"
                        ),
                    ));
                };
                if n > s.capacity {
                    return Err(Error::refused(format!(
                        "the top-up asks for {n} invitations in {label:?}, but only {} can still be invited there",
                        s.capacity
                    )));
                }
                s.allocated = n;
            }
            invitations = strata.iter().map(|s| s.allocated).sum();
            if invitations == 0 {
                return Err(Error::refused("the top-up counts add up to 0 invitations"));
            }
        }
    }
    Ok(Plan {
        wave,
        strata,
        eligibility: elig,
        eligible_sha256,
        invitations,
        household_rule: cfg.household_rule,
    })
}

/// The drawn persons of one stratum, in draw order.
pub struct Drawn {
    pub per_stratum: Vec<Vec<u32>>,
    pub words_used: u64,
}

impl Drawn {
    pub fn total(&self) -> usize {
        self.per_stratum.iter().map(Vec::len).sum()
    }
    /// All drawn persons in output order: strata in canonical order, draw order within.
    pub fn all(&self) -> impl Iterator<Item = (usize, usize, u32)> + '_ {
        self.per_stratum
            .iter()
            .enumerate()
            .flat_map(|(s, v)| v.iter().enumerate().map(move |(r, &p)| (s, r, p)))
    }
}

/// Spec §8: one stream for the whole wave; strata in canonical order; in each, a
/// partial Fisher–Yates sample of `allocated` from the members in canonical order.
/// Under the household rule the walk skips persons whose household already has an
/// invitee (in this wave, any stratum).
pub fn execute(plan: &Plan, reg: &Register, seed: &Seed, commitment: &str) -> Drawn {
    let mut stream = Stream::for_step(LABEL, seed, commitment);
    let mut taken: BTreeSet<u32> = BTreeSet::new();
    let mut per_stratum = Vec::with_capacity(plan.strata.len());
    for s in &plan.strata {
        let picked = if plan.household_rule {
            crate::base::spec::sample_filtered(
                &mut stream,
                &s.members,
                s.allocated as usize,
                |&i| match reg.people[i as usize].household() {
                    Some(h) => taken.insert(h),
                    None => true,
                },
            )
        } else {
            crate::base::spec::sample(&mut stream, &s.members, s.allocated as usize)
        };
        per_stratum.push(picked);
    }
    Drawn {
        per_stratum,
        words_used: stream.words_used(),
    }
}

/// Spec §8.3: SHA-256 of the drawn register ids in output order, each followed by "\n".
pub fn drawn_digest(reg: &Register, drawn: &Drawn) -> Sha256 {
    let mut text = String::new();
    for (_, _, p) in drawn.all() {
        text.push_str(reg.id(&reg.people[p as usize]));
        text.push('\n');
    }
    Sha256::of(text.as_bytes())
}

/// Assigns codes to the drawn persons in canonical id order, avoiding every code in
/// `used` (earlier waves). Returns person index → code.
pub fn assign_codes(
    process: &Process,
    reg: &Register,
    drawn: &Drawn,
    key: &codes::CodeKey,
    used: &BTreeSet<String>,
) -> BTreeMap<u32, String> {
    let mut ids: Vec<u32> = drawn.all().map(|(_, _, p)| p).collect();
    ids.sort_unstable(); // person indices are in canonical id order already
    let mut taken = used.clone();
    let mut out = BTreeMap::new();
    for p in ids {
        let id = reg.id(&reg.people[p as usize]);
        let mut attempt = 0;
        let code = loop {
            let c = key.code(&process.file.process.id, id, attempt);
            if taken.insert(c.clone()) {
                break c;
            }
            attempt += 1;
        };
        out.insert(p, code);
    }
    out
}

/// invitees.csv: what the letters need. Personal data: written with mode 0600.
pub fn invitees_csv(
    process: &Process,
    reg: &Register,
    plan: &Plan,
    drawn: &Drawn,
    codes: &BTreeMap<u32, String>,
) -> Result<Vec<u8>> {
    let mut rows = Vec::with_capacity(drawn.total());
    let rules = crate::register::RowRules::of(process)?;
    for (s, rank, p) in drawn.all() {
        let person = &reg.people[p as usize];
        let mut record = reg.record(&rules, person)?;
        let mut t = |f: Field| std::mem::take(&mut record[f.index()]);
        let code = codes.get(&p).cloned().ok_or_else(|| {
            Error::internal(format!(
                "drawn person {} of stratum {} has no code",
                rank + 1,
                s + 1
            ))
        })?;
        rows.push(Invitee {
            wave: plan.wave.to_string(),
            stratum: plan.strata[s].label.clone(),
            draw_rank: (rank + 1).to_string(),
            register_id: t(Field::RegisterId),
            application_code: code,
            family_name: t(Field::FamilyName),
            given_names: t(Field::GivenNames),
            doctorate: t(Field::Doctorate),
            name_prefix: t(Field::NamePrefix),
            street: t(Field::Street),
            house_number: t(Field::HouseNumber),
            house_number_suffix: t(Field::HouseNumberSuffix),
            house_number_part: t(Field::HouseNumberPart),
            address_addition: t(Field::AddressAddition),
            postcode: t(Field::Postcode),
            city: t(Field::City),
            age: person.age().to_string(),
            age_band: process.age_band(person.age()),
            gender: t(Field::Gender),
            nationality: t(Field::Nationality),
            stadtbezirk: t(Field::Stadtbezirk),
            file: None,
            line: 0,
        });
    }
    invitees::write(&rows)
}

/// The public per-stratum summary (aggregate counts only): the committed strata
/// with the number drawn in each. It follows from the commit and draw entries alone
/// (see [`summary_of`]), so anyone can recompute it from the journal.
pub fn summary_csv(strata: &[CommitStratum], drawn: &[u64]) -> Vec<u8> {
    let mut s = String::from("stratum,residents,eligible,capacity,factor,allocated,drawn\n");
    for (st, d) in strata.iter().zip(drawn) {
        s.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            crate::base::text::csv_field(&st.stratum),
            st.residents,
            st.eligible,
            st.capacity,
            st.factor,
            st.allocated,
            d
        ));
    }
    s.into_bytes()
}

/// The summary a draw entry implies: every stratum drawn in full, except those its
/// `shortfall` lists.
pub fn summary_of(commit: &Commit, draw: &Draw) -> Vec<u8> {
    summary_csv(&commit.strata, &drawn_counts(commit, draw))
}

/// Drawn per committed stratum, as a draw entry records it: the allocation, or the
/// shortfall's count.
pub fn drawn_counts(commit: &Commit, draw: &Draw) -> Vec<u64> {
    commit
        .strata
        .iter()
        .map(|st| {
            draw.shortfall
                .iter()
                .find(|s| s.stratum == st.stratum)
                .map_or(st.allocated, |s| s.drawn)
        })
        .collect()
}

/// The factor as the journal records it.
pub fn factor_decimal(product: u128, columns: usize) -> Decimal {
    Decimal::scaled(product, 3 * columns as u32)
}

/// A product of `columns` factors, each in thousandths, as decimal text ("1.5").
pub fn factor_text(product: u128, columns: usize) -> String {
    crate::base::text::scaled_text(product, 3 * columns as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_print_as_decimals() {
        assert_eq!(factor_text(1000, 1), "1");
        assert_eq!(factor_text(1500, 1), "1.5");
        assert_eq!(factor_text(1500 * 1300, 2), "1.95");
        assert_eq!(factor_text(1000 * 1000, 2), "1");
    }
}

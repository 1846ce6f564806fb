//! Who may be invited (spec §6.4): age at the reference date, nationality filter,
//! § 51 / § 52 BMG blocks, exclusion lists. Each excluded person is counted under
//! the first reason that applies, in the order of [`REASONS`], so that
//! residents = eligible + Σ excluded.

use crate::base::error::Result;
use crate::base::process::Process;
use crate::base::table::{self, Encoding, Options, Table};
use crate::base::text::canonical;
use crate::register::Register;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const REASONS: [&str; 7] = [
    "invited_earlier",
    "exclusion_list",
    "block_51",
    "block_52",
    "under_min_age",
    "over_max_age",
    "nationality",
];

pub struct Eligibility {
    /// Indices into `register.people` (so in canonical order).
    pub eligible: Vec<u32>,
    /// Excluded persons by first reason.
    pub excluded: BTreeMap<&'static str, u64>,
    /// Ids on exclusion lists that are not in the register (counted, not an error).
    pub list_ids_not_in_register: u64,
}

/// Reads an exclusion list. It is a CSV file when a field of its first line (split
/// at `,` `;` and tab, trimmed) is `register_id` — such as an earlier invitees.csv —
/// and the ids are that column (read by the table reader: delimiter the most frequent
/// of `;` `,` tab in the header line). Otherwise it is plain text with one id per line,
/// `#` starting a comment. Ids are in canonical form; empty ones are skipped.
pub fn read_id_list(path: &Path) -> Result<BTreeSet<String>> {
    let bytes = crate::base::fsio::read_input(path, "the exclusion list was not found")?;
    let text = table::decode(path, &bytes, Encoding::Utf8, "save it as UTF-8")?;
    let first = text
        .lines()
        .next()
        .map_or("", |l| l.trim_start_matches('\u{feff}'));
    let mut ids = BTreeSet::new();
    if first
        .split([',', ';', '\t'])
        .any(|h| h.trim() == "register_id")
    {
        let t = Table::parse(path, &bytes, &Options::delimited(b";,\t"))?;
        let idx = t.column("register_id", "exclusion list")?;
        ids.extend(
            t.rows
                .iter()
                .map(|r| r.cells[idx].clone())
                .filter(|v| !v.is_empty()),
        );
    } else {
        for line in text.lines() {
            let v = line.split('#').next().unwrap_or(line);
            let v = canonical(v);
            if !v.is_empty() {
                ids.insert(v.into_owned());
            }
        }
    }
    Ok(ids)
}

pub fn apply(
    process: &Process,
    reg: &Register,
    earlier: &BTreeSet<String>,
    excluded_ids: &BTreeSet<String>,
) -> Eligibility {
    let e = &process.file.eligibility;
    let nats: Vec<String> = e.nationalities.iter().map(|s| s.to_lowercase()).collect();
    let nat_ok: Vec<bool> = reg
        .nationalities
        .iter()
        .map(|n| nats.is_empty() || crate::register::nationality_in(n, &nats))
        .collect();
    let mut excluded: BTreeMap<&'static str, u64> = REASONS.iter().map(|r| (*r, 0)).collect();
    let mut eligible = Vec::with_capacity(reg.people.len());
    let mut found = 0u64;
    for (i, p) in reg.people.iter().enumerate() {
        let listed = !excluded_ids.is_empty() && excluded_ids.contains(reg.id(p));
        found += u64::from(listed);
        let reason = if !earlier.is_empty() && earlier.contains(reg.id(p)) {
            Some(REASONS[0])
        } else if listed {
            Some(REASONS[1])
        } else if e.exclude_blocked && p.block_51() {
            Some(REASONS[2])
        } else if e.exclude_blocked && p.block_52() {
            Some(REASONS[3])
        } else if p.age() < e.min_age {
            Some(REASONS[4])
        } else if e.max_age.is_some_and(|m| p.age() > m) {
            Some(REASONS[5])
        } else if !nat_ok[p.nationality as usize] {
            Some(REASONS[6])
        } else {
            None
        };
        match reason {
            Some(r) => *excluded.entry(r).or_default() += 1,
            None => eligible.push(i as u32),
        }
    }
    Eligibility {
        eligible,
        excluded,
        list_ids_not_in_register: excluded_ids.len() as u64 - found,
    }
}

//! The intake's output files and their schemas: the pseudonymous `pool.csv`
//! (public), `pool-mapping.csv` and `intake-rejects.csv` (personal, mode 0600) and
//! `intake-summary.csv` (aggregates, public). Later steps read `pool.csv` through
//! [`crate::quotas::read_pool`] and the mapping through [`read_mapping`].

use super::summary::{RateRow, rate_text};
use super::{IntakeResult, Invitee};
use crate::base::error::{Error, Location, Result};
use crate::base::table::{Options, Table};
use std::collections::BTreeMap;
use std::path::Path;

fn write_csv(rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::internal(format!("writing an intake file: {e}"));
    for r in rows {
        w.write_record(&r).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| Error::internal(format!("writing an intake file: {e}")))
}

/// The first columns of `pool.csv`; the attribute columns follow.
pub const POOL_ID: &str = "pool_id";
pub const POOL_HOUSEHOLD: &str = "household";

/// The pseudonymous pool for stage 2: `pool_id,household,<attributes>`. No names,
/// addresses, codes, register ids or contact data.
pub fn pool_csv(res: &IntakeResult) -> Result<Vec<u8>> {
    let header: Vec<String> = [POOL_ID.to_string(), POOL_HOUSEHOLD.to_string()]
        .into_iter()
        .chain(res.attribute_names.iter().cloned())
        .collect();
    write_csv(std::iter::once(header).chain(res.pool.iter().map(|p| {
        let mut r = vec![p.pool_id.clone(), p.household.clone()];
        r.extend(p.attributes.iter().cloned());
        r
    })))
}

/// The columns of `pool-mapping.csv` after `pool_id` (then the contact and
/// availability columns of the form, then `line`).
pub const MAPPING_FIXED: [&str; 14] = [
    "register_id",
    "application_code",
    "family_name",
    "given_names",
    "doctorate",
    "name_prefix",
    "street",
    "house_number",
    "house_number_suffix",
    "house_number_part",
    "address_addition",
    "postcode",
    "city",
    "wave",
];

/// The private re-identification table (office only, mode 0600): pool id → register
/// id, code, name, address, contact and availability, and the counted line.
pub fn mapping_csv(res: &IntakeResult, invitees: &[Invitee]) -> Result<Vec<u8>> {
    // Codes of invitees are in canonical form (checked when read).
    let by_code: BTreeMap<&str, &Invitee> = invitees
        .iter()
        .map(|i| (i.application_code.as_str(), i))
        .collect();
    let header: Vec<String> = std::iter::once(POOL_ID.to_string())
        .chain(MAPPING_FIXED.iter().map(|s| s.to_string()))
        .chain(res.private_columns.iter().cloned())
        .chain(std::iter::once("line".to_string()))
        .collect();
    let mut rows = vec![header];
    for p in &res.pool {
        let inv = by_code
            .get(p.code.as_str())
            .ok_or_else(|| Error::internal(format!("pool member {} has no invitee", p.pool_id)))?;
        let mut r = vec![p.pool_id.clone()];
        for f in MAPPING_FIXED {
            r.push(
                inv.field(f)
                    .ok_or_else(|| Error::internal(format!("{f} is not an invitee column")))?
                    .to_string(),
            );
        }
        r.extend(p.private.iter().cloned());
        r.push(p.line.to_string());
        rows.push(r);
    }
    write_csv(rows)
}

/// Reads `pool-mapping.csv` (bytes checked by the caller): pool id → column → value.
pub fn read_mapping(
    path: &Path,
    bytes: &[u8],
) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let t = Table::parse(path, bytes, &Options::csv())?;
    if t.header.first().map(String::as_str) != Some(POOL_ID)
        || t.header.get(1..=MAPPING_FIXED.len()) != Some(&MAPPING_FIXED.map(String::from)[..])
    {
        return Err(Error::input(
            Location::line(path, 1),
            "the header is not that of pool-mapping.csv; it must be the file sortes wrote",
        ));
    }
    let mut out = BTreeMap::new();
    for row in t.rows {
        let id = row.cells[0].clone();
        let fields = t.header.iter().cloned().zip(row.cells).collect();
        if out.insert(id, fields).is_some() {
            return Err(Error::input(
                Location::line(path, row.line),
                "this pool id occurs twice",
            ));
        }
    }
    Ok(out)
}

/// The rejects (office only, mode 0600): `line,code,reason_kind,reason`.
pub fn rejects_csv(res: &IntakeResult) -> Result<Vec<u8>> {
    let header = ["line", "code", "reason_kind", "reason"]
        .map(String::from)
        .to_vec();
    write_csv(std::iter::once(header).chain(res.rejects.iter().map(|r| {
        vec![
            r.line.to_string(),
            r.code_typed.clone(),
            r.reason.kind().to_string(),
            r.reason.to_string(),
        ]
    })))
}

/// Response rates and counts (aggregates only; publishable):
/// `section,attribute,value,invited,applied,rate_percent,rows,note` with sections
/// `total`, `stratum`, `register`, `form` (pool members per answer), `rejected`
/// (rows per reason) and `duplicate` (counted line, superseded lines).
pub fn summary_csv(res: &IntakeResult) -> Result<Vec<u8>> {
    let s = &res.summary;
    let e = String::new;
    let mut rows: Vec<Vec<String>> = vec![
        [
            "section",
            "attribute",
            "value",
            "invited",
            "applied",
            "rate_percent",
            "rows",
            "note",
        ]
        .map(String::from)
        .to_vec(),
    ];
    rows.push(vec![
        "total".into(),
        e(),
        e(),
        s.invited.to_string(),
        s.applied.to_string(),
        rate_text(s.applied, s.invited),
        res.rows_in.to_string(),
        format!("{} rejected", res.rejects.len()),
    ]);
    let rate_row = |section: &str, attr: &str, r: &RateRow| {
        vec![
            section.to_string(),
            attr.to_string(),
            r.value.clone(),
            r.invited.to_string(),
            r.applied.to_string(),
            r.rate_text(),
            String::new(),
            String::new(),
        ]
    };
    for r in &s.by_stratum {
        rows.push(rate_row("stratum", "stratum", r));
    }
    for (a, rs) in &s.by_register {
        for r in rs {
            rows.push(rate_row("register", a, r));
        }
    }
    for (a, vs) in &s.by_form {
        for (v, n) in vs {
            rows.push(vec![
                "form".into(),
                a.clone(),
                v.clone(),
                e(),
                n.to_string(),
                e(),
                e(),
                e(),
            ]);
        }
    }
    for (k, n) in &s.rejected {
        rows.push(vec![
            "rejected".into(),
            "reason".into(),
            k.clone(),
            e(),
            e(),
            e(),
            n.to_string(),
            e(),
        ]);
    }
    for d in &s.duplicates {
        let lines: Vec<String> = d.superseded.iter().map(u64::to_string).collect();
        rows.push(vec![
            "duplicate".into(),
            "line".into(),
            d.line.to_string(),
            e(),
            e(),
            e(),
            (d.superseded.len() + 1).to_string(),
            format!(
                "supersedes line {}; {}",
                lines.join(", "),
                if d.in_pool { "in pool" } else { "rejected" }
            ),
        ]);
    }
    write_csv(rows)
}

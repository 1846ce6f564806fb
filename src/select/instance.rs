//! The selection instance of a pool and a quota file: agents as value indices,
//! households as ids. Values are matched by [`fold`] (trimmed, case-insensitive, NFC);
//! an applicant whose value the quota file does not know is an error naming the pool
//! file, line, column and the closest known value.

use super::{Category, Instance, QuotaValue};
use crate::base::error::{Error, Location, Result};
use crate::base::text::{fold, quoted_list};
use crate::quotas::{Pool, QuotaFile};
use std::collections::BTreeMap;

/// Matches a pool to a quota file and builds the selection instance for panel size `k`.
///
/// * Each quota category is looked up among the pool's columns case-insensitively; a category
///   without a column is an error listing the pool's columns.
/// * Each applicant's cell must be one of the category's values, compared case-insensitively
///   after trimming (and Unicode NFC); otherwise the error names the pool file, line, column,
///   the value and the closest known value.
/// * Category and value names, order and bounds come from the quota file; agent `i` is
///   `pool.ids[i]`.
/// * Households: applicants with the same non-empty household key share one household id
///   (numbered in order of first appearance); `households` is `None` when no applicant has a key.
///
/// The bounds are not checked against `k` here (see [`super::check_against_k`] and
/// [`crate::select::feasibility`]).
pub fn build(qf: &QuotaFile, k: usize, pool: &Pool) -> Result<Instance> {
    let mut cols = Vec::with_capacity(qf.categories.len());
    let mut lookup: Vec<BTreeMap<String, usize>> = Vec::with_capacity(qf.categories.len());
    for c in &qf.categories {
        let Some(col) = pool.column(&c.name) else {
            return Err(pool.missing_column(&c.name));
        };
        cols.push(col);
        lookup.push(
            c.values
                .iter()
                .enumerate()
                .map(|(i, v)| (fold(&v.value), i))
                .collect(),
        );
    }
    let mut agents = Vec::with_capacity(pool.rows.len());
    for (i, row) in pool.rows.iter().enumerate() {
        let mut a = Vec::with_capacity(cols.len());
        for (c, &col) in cols.iter().enumerate() {
            let cell = row.get(col).map_or("", String::as_str);
            match lookup[c].get(&fold(cell)) {
                Some(&v) => a.push(v),
                None => {
                    let cat = &qf.categories[c];
                    let known = cat.values.iter().map(|v| v.value.as_str());
                    let loc = match pool.lines.get(i) {
                        Some(&line) => Location::at(&pool.path, line, pool.columns[col].clone()),
                        None => Location::file(&pool.path),
                    };
                    let msg = if cell.is_empty() {
                        format!(
                            "the {} of this applicant is empty; the quota file knows {}",
                            cat.name,
                            quoted_list(known)
                        )
                    } else {
                        let hint = crate::base::text::did_you_mean(cell, known.clone());
                        format!(
                            "\"{cell}\" is not a value of {} in the quota file{hint} (known: {})",
                            cat.name,
                            quoted_list(known)
                        )
                    };
                    return Err(Error::input(loc, msg));
                }
            }
        }
        agents.push(a);
    }
    let households = if pool.households.iter().any(Option::is_some) {
        let mut ids: BTreeMap<String, u32> = BTreeMap::new();
        let mut out = Vec::with_capacity(pool.rows.len());
        for h in &pool.households {
            out.push(match h {
                Some(h) => {
                    let next = u32::try_from(ids.len()).map_err(|_| {
                        Error::input(Location::file(&pool.path), "too many households")
                    })?;
                    Some(*ids.entry(fold(h)).or_insert(next))
                }
                None => None,
            });
        }
        // Pad in case `households` is shorter than the pool (hand-built pools).
        out.resize(pool.rows.len(), None);
        Some(out)
    } else {
        None
    };
    Ok(Instance {
        k,
        categories: categories(qf),
        agents,
        households,
    })
}

/// The quota file's categories as the engine sees them (flex bounds are dropped).
pub fn categories(qf: &QuotaFile) -> Vec<Category> {
    qf.categories
        .iter()
        .map(|c| Category {
            name: c.name.clone(),
            values: c
                .values
                .iter()
                .map(|v| QuotaValue {
                    name: v.value.clone(),
                    min: v.min,
                    max: v.max,
                })
                .collect(),
        })
        .collect()
}

/// `(min_flex, max_flex)` for every value of the instance's categories (matched by
/// name): min_flex defaults to 0, max_flex to k.
pub fn flex(qf: &QuotaFile, inst: &Instance) -> Vec<Vec<(u32, u32)>> {
    let k = inst.k as u32;
    inst.categories
        .iter()
        .map(|c| {
            c.values
                .iter()
                .map(|v| {
                    let row = qf.category(&c.name).and_then(|qc| qc.value(&v.name));
                    (
                        row.and_then(|r| r.min_flex).unwrap_or(0).min(v.min),
                        row.and_then(|r| r.max_flex).unwrap_or(k).max(v.max),
                    )
                })
                .collect()
        })
        .collect()
}

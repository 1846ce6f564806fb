//! Response rates and counts: aggregates only, safe to publish.

use super::{IntakeReject, PoolRow};
use crate::base::process::IntakeConfig;
use crate::draw::invitees::Invitee;
use std::collections::BTreeMap;

/// Invited and valid applications for one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRow {
    pub value: String,
    pub invited: usize,
    pub applied: usize,
}

impl RateRow {
    /// applied / invited in percent, one decimal, rounded half up ("" when nobody
    /// was invited). Integer arithmetic only.
    pub fn rate_text(&self) -> String {
        rate_text(self.applied, self.invited)
    }
}

pub(super) fn rate_text(applied: usize, invited: usize) -> String {
    if invited == 0 {
        return String::new();
    }
    let tenths = (applied as u128 * 1000 + invited as u128 / 2) / invited as u128;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Several replies for one code: the counted line and the superseded ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateNote {
    pub line: u64,
    pub superseded: Vec<u64>,
    /// Whether the counted reply entered the pool (it may itself be rejected).
    pub in_pool: bool,
}

/// Aggregates only: safe to publish.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseSummary {
    pub invited: usize,
    pub applied: usize,
    pub by_stratum: Vec<RateRow>,
    /// Register attribute → rows per value.
    pub by_register: Vec<(String, Vec<RateRow>)>,
    /// Form attribute → (value, pool members) in configured value order.
    pub by_form: Vec<(String, Vec<(String, usize)>)>,
    pub duplicates: Vec<DuplicateNote>,
    /// Reject kind → rows.
    pub rejected: Vec<(String, usize)>,
}

pub(super) fn summarise(
    cfg: &IntakeConfig,
    invitees: &[Invitee],
    by_code: &BTreeMap<String, usize>,
    pool: &[PoolRow],
    rejects: &[IntakeReject],
    duplicates: Vec<DuplicateNote>,
    register_attrs: &[String],
) -> ResponseSummary {
    let in_pool: std::collections::BTreeSet<usize> = pool
        .iter()
        .filter_map(|p| by_code.get(&p.code).copied())
        .collect();
    let rates = |get: &dyn Fn(&Invitee) -> String| -> Vec<RateRow> {
        let mut m: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (i, inv) in invitees.iter().enumerate() {
            let e = m.entry(get(inv)).or_default();
            e.0 += 1;
            if in_pool.contains(&i) {
                e.1 += 1;
            }
        }
        m.into_iter()
            .map(|(value, (invited, applied))| RateRow {
                value,
                invited,
                applied,
            })
            .collect()
    };
    let by_stratum = rates(&|inv: &Invitee| inv.stratum.clone());
    let by_register = register_attrs
        .iter()
        .map(|a| {
            (
                a.clone(),
                rates(&|inv: &Invitee| inv.field(a).unwrap_or("").to_string()),
            )
        })
        .collect();
    let offset = register_attrs.len();
    let by_form = cfg
        .attributes
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let counts = a
                .values
                .iter()
                .map(|v| {
                    let n = pool
                        .iter()
                        .filter(|p| p.attributes.get(offset + k) == Some(v))
                        .count();
                    (v.clone(), n)
                })
                .collect();
            (a.name.clone(), counts)
        })
        .collect();
    let mut rejected: BTreeMap<&'static str, usize> = BTreeMap::new();
    for r in rejects {
        *rejected.entry(r.reason.kind()).or_default() += 1;
    }
    ResponseSummary {
        invited: invitees.len(),
        applied: pool.len(),
        by_stratum,
        by_register,
        by_form,
        duplicates,
        rejected: rejected
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up() {
        assert_eq!(rate_text(1, 8), "12.5");
        assert_eq!(rate_text(1, 3), "33.3");
        assert_eq!(rate_text(2, 3), "66.7");
        assert_eq!(rate_text(0, 0), "");
    }
}

//! The latest LEXIMIN or MAXIMIN selection, checked without a solver (its optimality
//! is not re-proved; what can be checked exactly is): every panel of
//! `distribution.csv` is made of pool members, has k of them and meets every quota
//! and the household rule (integer counts); the probabilities sum to 1; and every
//! applicant's probability in `probabilities.csv` is the sum over the panels that
//! include them.
//!
//! Probabilities are written with 12 decimals: each panel's is off by at most half a
//! unit of the 12th decimal, and `parse_distribution` moves the sum's difference to 1
//! (at most half a unit per panel) to one panel, so an applicant's sum may differ from
//! the listed value by up to one unit per panel (plus the listed value's own
//! rounding); that is the tolerance.

use super::Check;
use crate::base::journal::Select;
use crate::base::run::Run;
use crate::base::text::units_text;
use crate::lottery::step::{Setup, frame};
use crate::select::files::{parse_distribution, parse_probabilities};
use std::collections::BTreeMap;

pub(super) fn checks(run: &Run, setup: &Setup, pool_in_scope: bool) -> Vec<Check> {
    let mut out = Vec::new();
    let Some((entry, sel)) = run
        .journal()
        .all::<Select>()
        .rev()
        .find(|(_, s)| s.algorithm.has_distribution())
    else {
        return out;
    };
    let f = if pool_in_scope {
        match frame(run, setup, entry, sel) {
            Ok(f) => Some(f),
            Err(e) => {
                out.push(Check::fail("selection panels", e.to_string()));
                return out;
            }
        }
    } else {
        None
    };
    let dist = run
        .output(entry, "distribution")
        .and_then(|(path, bytes)| parse_distribution(&bytes, &path));
    let d = match dist {
        Ok(d) => d,
        Err(e) => {
            out.push(Check::fail("selection panels", e.to_string()));
            return out;
        }
    };
    let mut bad = Vec::new();
    let mut sums: BTreeMap<&str, i128> = BTreeMap::new();
    for (pi, (p, &pr)) in d.panels.iter().zip(&d.probs).enumerate() {
        if let Some(f) = &f
            && let Err(e) = f.check(p)
        {
            bad.push(format!("panel {pi} (line {}): {}", pi + 2, e.message()));
        }
        for id in p {
            *sums.entry(id.as_str()).or_default() += pr;
        }
    }
    let n = d.panels.len() as i128;
    match &f {
        Some(_) => out.push(Check::verdict(
            "selection panels",
            bad,
            format!(
                "all {n} panels of the distribution have {} pool members and meet every quota; the probabilities sum to 1",
                setup.k
            ),
        )),
        None => out.push(Check::skip("selection panels", super::lottery::NO_POOL)),
    }
    let probs = run
        .output(entry, "probabilities")
        .and_then(|(path, bytes)| parse_probabilities(&bytes, &path));
    let listed = match probs {
        Ok(p) => p,
        Err(e) => {
            out.push(Check::fail("selection probabilities", e.to_string()));
            return out;
        }
    };
    let mut bad = Vec::new();
    let mut lowest = i128::MAX;
    let path = super::output_path(run, &sel.outputs, "probabilities");
    for (id, p) in &listed {
        lowest = lowest.min(*p);
        let sum = sums.get(id.as_str()).copied().unwrap_or(0);
        if (p - sum).abs() > n + 1 {
            bad.push(format!(
                "{path}: {id}: listed {}, the panels give {}",
                units_text(*p),
                units_text(sum)
            ));
        }
    }
    if listed.len() as u64 != sel.applicants {
        bad.push(format!(
            "{path}: {} applicants listed, the selection had {}",
            listed.len(),
            sel.applicants
        ));
    }
    out.push(Check::verdict(
        "selection probabilities",
        bad,
        format!(
            "{} applicants' probabilities are the sums over the distribution's panels (lowest {})",
            listed.len(),
            units_text(lowest)
        ),
    ));
    out
}

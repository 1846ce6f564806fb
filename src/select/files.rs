//! The selection's public output files and their schemas, written here and read by
//! the lottery, verify and the report: `distribution.csv` (`panel,probability,members`),
//! `probabilities.csv` (`pool_id,probability`) and `quota-table.csv`.

use super::run::Outcome;
use crate::base::error::{Error, Location, Result};
use crate::base::table::{Options, Table};
use crate::base::text::{UNIT, csv_field, parse_units};
use std::fmt::Write as _;
use std::path::Path;

/// `distribution.csv`: `panel,probability,members` — panels in canonical order
/// (members sorted by pool position, panels lexicographic), members as pool ids.
pub fn distribution_csv(o: &Outcome) -> String {
    let mut s = String::from("panel,probability,members\n");
    if let Some(d) = &o.distribution {
        for (i, (panel, p)) in d.panels.iter().zip(&d.probs).enumerate() {
            let ids: Vec<&str> = panel
                .iter()
                .map(|&a| o.pool.ids[a as usize].as_str())
                .collect();
            let _ = writeln!(s, "{i},{p:.12},{}", ids.join(" "));
        }
    }
    s
}

/// `probabilities.csv`: every applicant's selection probability (Σ = k).
pub fn probabilities_csv(o: &Outcome) -> String {
    let mut s = String::from("pool_id,probability\n");
    for (id, p) in o.pool.ids.iter().zip(&o.probabilities) {
        let _ = writeln!(s, "{id},{p:.12}");
    }
    s
}

/// `quota-table.csv`: min, max, applicants and the expected number of panel members.
pub fn quota_table_csv(o: &Outcome) -> String {
    let mut s = String::from("category,value,min,max,applicants,expected\n");
    for (c, cat) in o.instance.categories.iter().enumerate() {
        for (v, val) in cat.values.iter().enumerate() {
            let members: Vec<usize> = (0..o.instance.agents.len())
                .filter(|&i| o.instance.agents[i][c] == v)
                .collect();
            let expected: f64 = members.iter().map(|&i| o.probabilities[i]).sum();
            let _ = writeln!(
                s,
                "{},{},{},{},{},{:.3}",
                csv_field(&cat.name),
                csv_field(&val.name),
                val.min,
                val.max,
                members.len(),
                expected
            );
        }
    }
    s
}

/// A distribution as written in `distribution.csv`: panels as pool ids and
/// probabilities in units of 10⁻¹² (exact integers, see [`UNIT`]).
#[derive(Debug, Clone)]
pub struct DistributionFile {
    pub panels: Vec<Vec<String>>,
    pub probs: Vec<i128>,
}

/// Parses `distribution.csv` read from `path` (named in errors). The probabilities
/// are normalised to sum to exactly 1: the decimals were rounded to 12 places, so the
/// sum may be off by a few units; the difference goes to the most probable panel
/// (lowest number on ties), a change far below 1/m.
pub fn parse_distribution(bytes: &[u8], path: &Path) -> Result<DistributionFile> {
    let t = Table::parse(path, bytes, &Options::written())?;
    if t.header != ["panel", "probability", "members"] {
        return Err(Error::input(
            Location::line(path, 1),
            "the header must be panel,probability,members",
        ));
    }
    let mut panels = Vec::new();
    let mut probs = Vec::new();
    for row in &t.rows {
        let p = parse_units(&row.cells[1]).ok_or_else(|| {
            Error::input(
                t.at(row, 1),
                "the probability is not a decimal number with at most 12 places",
            )
        })?;
        let mut members: Vec<String> = row.cells[2]
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        members.sort();
        panels.push(members);
        probs.push(p);
    }
    if panels.is_empty() {
        return Err(Error::input(
            Location::line(path, 1),
            "the distribution lists no panels",
        ));
    }
    let sum: i128 = probs.iter().sum();
    if (UNIT - sum).abs() > 1_000_000 {
        return Err(Error::input(
            Location::file(path),
            format!("the probabilities sum to {sum}e-12, not 1"),
        ));
    }
    normalise_units(&mut probs);
    Ok(DistributionFile { panels, probs })
}

/// `probabilities.csv` read back: (pool id, probability in units) in file order.
pub fn parse_probabilities(bytes: &[u8], path: &Path) -> Result<Vec<(String, i128)>> {
    let t = Table::parse(path, bytes, &Options::written())?;
    if t.header != ["pool_id", "probability"] {
        return Err(Error::input(
            Location::line(path, 1),
            "the header must be pool_id,probability",
        ));
    }
    t.rows
        .iter()
        .map(|row| {
            let p = parse_units(&row.cells[1]).ok_or_else(|| {
                Error::input(
                    t.at(row, 1),
                    "the probability is not a decimal number with at most 12 places",
                )
            })?;
            Ok((row.cells[0].clone(), p))
        })
        .collect()
}

/// Makes probabilities in units sum to exactly [`UNIT`]: the difference (from
/// rounding to 12 decimals) goes to the most probable panel, lowest index on ties.
pub fn normalise_units(probs: &mut [i128]) {
    let off = UNIT - probs.iter().sum::<i128>();
    if let Some(top) = (0..probs.len()).max_by(|&a, &b| probs[a].cmp(&probs[b]).then(b.cmp(&a))) {
        probs[top] += off;
    }
}

//! Reading, writing and checking quota files.

use std::path::Path;

use super::{QuotaCategory, QuotaFile, QuotaRow};
use crate::base::error::{Error, Location, Result};
use crate::base::table::{Options, Table};
use crate::base::text::{fold as key, quoted_list as list};

/// Reads a quota file.
///
/// Accepted headers (names case-insensitive, any column order, extra columns ignored, delimiter
/// `,` or `;` detected from the header line):
/// * `category,value,min,max[,min_flex,max_flex]` — sortes;
/// * `feature,value,min,max[,min_flex,max_flex]` — Sortition Foundation `features.csv`;
/// * `category,feature,min,max` — research layout (here `feature` is the value).
///
/// Categories and values are kept in file order; category names that differ only in case are
/// the same category (the first spelling is kept). Empty `min_flex`/`max_flex` cells are `None`.
///
/// Errors (each with file, line and column): missing header column, empty category or value,
/// a bound that is not a whole number or is negative, `min > max`, `min_flex > min`,
/// `max_flex < max`, a (category, value) pair given twice (case-insensitively; both lines are
/// named), no rows at all.
pub fn read_quota_file(path: &Path) -> Result<QuotaFile> {
    parse_quota_file(path, &crate::base::fsio::read(path)?)
}

/// [`read_quota_file`] on bytes read from `path` (named in errors).
pub fn parse_quota_file(path: &Path, bytes: &[u8]) -> Result<QuotaFile> {
    let table = Table::parse(path, bytes, &Options::delimited(b",;"))?;
    let header_loc = || Location::line(path, 1);
    let (cat_col, val_col) = match (
        table.find("category"),
        table.find("feature"),
        table.find("value"),
    ) {
        (Some(c), _, Some(v)) | (None, Some(c), Some(v)) | (Some(c), Some(v), None) => (c, v),
        _ => {
            return Err(Error::input(
                header_loc(),
                format!(
                    "the header needs a category and a value column (category,value,min,max or feature,value,min,max or category,feature,min,max); it has {}",
                    list(table.header.iter().map(String::as_str))
                ),
            ));
        }
    };
    let need = |name: &str| {
        table.find(name).ok_or_else(|| {
            Error::input(
                header_loc(),
                format!(
                    "the header has no column \"{name}\"; it has {}",
                    list(table.header.iter().map(String::as_str))
                ),
            )
        })
    };
    let min_col = need("min")?;
    let max_col = need("max")?;
    let min_flex_col = table.find("min_flex");
    let max_flex_col = table.find("max_flex");
    let name = |i: usize| table.header[i].clone();

    let mut categories: Vec<QuotaCategory> = Vec::new();
    for row in &table.rows {
        let (line, cells) = (row.line, &row.cells);
        let at = |col: usize| Location::at(path, line, name(col));
        let cat = &cells[cat_col];
        let val = &cells[val_col];
        if cat.is_empty() {
            return Err(Error::input(at(cat_col), "the category is empty"));
        }
        if val.is_empty() {
            return Err(Error::input(
                at(val_col),
                format!("the value of category \"{cat}\" is empty"),
            ));
        }
        let bound = |col: usize| parse_bound(&cells[col], &name(col), at(col));
        let min = bound(min_col)?;
        let max = bound(max_col)?;
        let opt = |col: Option<usize>| -> Result<Option<u32>> {
            match col {
                Some(c) if !cells[c].is_empty() => bound(c).map(Some),
                _ => Ok(None),
            }
        };
        let min_flex = opt(min_flex_col)?;
        let max_flex = opt(max_flex_col)?;
        if min > max {
            return Err(Error::input(
                at(min_col),
                format!("{cat}={val}: the minimum {min} is greater than the maximum {max}"),
            ));
        }
        if let (Some(mf), Some(c)) = (min_flex, min_flex_col)
            && mf > min
        {
            return Err(Error::input(
                at(c),
                format!(
                    "{cat}={val}: min_flex {mf} is greater than min {min}; the flexible minimum may only be lower"
                ),
            ));
        }
        if let (Some(xf), Some(c)) = (max_flex, max_flex_col)
            && xf < max
        {
            return Err(Error::input(
                at(c),
                format!(
                    "{cat}={val}: max_flex {xf} is less than max {max}; the flexible maximum may only be higher"
                ),
            ));
        }
        let pos = match categories.iter().position(|c| key(&c.name) == key(cat)) {
            Some(p) => p,
            None => {
                categories.push(QuotaCategory {
                    name: cat.clone(),
                    values: Vec::new(),
                });
                categories.len() - 1
            }
        };
        let category = &mut categories[pos];
        if let Some(first) = category.values.iter().find(|v| key(&v.value) == key(val)) {
            return Err(Error::input(
                at(val_col),
                format!(
                    "{cat}={val} is given twice, on line {} and on line {line}; keep one of them",
                    first.line
                ),
            ));
        }
        category.values.push(QuotaRow {
            value: val.clone(),
            min,
            max,
            min_flex,
            max_flex,
            line,
        });
    }
    if categories.is_empty() {
        return Err(Error::input(
            Location::file(path),
            "the quota file has a header but no quota rows",
        ));
    }
    Ok(QuotaFile { categories })
}

fn parse_bound(s: &str, column: &str, loc: Location) -> Result<u32> {
    if s.is_empty() {
        return Err(Error::input(loc, format!("{column} is empty")));
    }
    if let Some(rest) = s.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Error::input(
            loc,
            format!("{column} is {s}, a negative number; quotas are whole numbers of 0 or more"),
        ));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::input(
            loc,
            format!(
                "{column} is \"{s}\", not a whole number; quotas are whole numbers of 0 or more"
            ),
        ));
    }
    s.parse::<u32>()
        .map_err(|_| Error::input(loc, format!("{column} is {s}, far too large a number")))
}

/// The sums of a category's minimums and of its maximums.
fn min_max_sums(c: &QuotaCategory) -> (u64, u64) {
    let sum = |f: fn(&QuotaRow) -> u32| c.values.iter().map(|v| u64::from(f(v))).sum();
    (sum(|v| v.min), sum(|v| v.max))
}

/// Whether a panel of `k` can meet the category: its minimums add up to at most `k` and
/// its maximums to at least `k` (what [`check_against_k`] checks).
pub fn fits_k(c: &QuotaCategory, k: usize) -> bool {
    let (lo, hi) = min_max_sums(c);
    lo <= k as u64 && hi >= k as u64
}

/// Checks every category against the panel size `k`: the minimums of a category must not add
/// up to more than `k` and its maximums not to less than `k` (otherwise no panel of `k` people
/// can meet them). `path` names the quota file in the error, whose line is the category's first
/// row. The error proposes the smallest change ([`propose_for_k`]).
pub fn check_against_k(qf: &QuotaFile, k: usize, path: &Path) -> Result<()> {
    for c in &qf.categories {
        let (sum_min, sum_max) = min_max_sums(c);
        let line = c.values.first().map_or(0, |v| v.line);
        let loc = Location::line(path, line);
        let proposal = |c: &QuotaCategory| match propose_for_k(c, k) {
            Some(changes) => format!("smallest change: {}", changes.join(", ")),
            None => "even min_flex/max_flex do not allow it; change the category or k".to_string(),
        };
        if sum_min > k as u64 {
            return Err(Error::input(
                loc,
                format!(
                    "in category \"{}\" the minimums add up to {sum_min}, more than the panel size {k}; lower some minimums ({})",
                    c.name,
                    proposal(c)
                ),
            ));
        }
        if sum_max < k as u64 {
            return Err(Error::input(
                loc,
                format!(
                    "in category \"{}\" the maximums add up to {sum_max}, less than the panel size {k}; raise some maximums ({})",
                    c.name,
                    proposal(c)
                ),
            ));
        }
    }
    Ok(())
}

/// The smallest change of one category's bounds that lets its minimums add up to at most
/// `k` and its maximums to at least `k`, as readable changes (`16-29 minimum 22 -> 21`);
/// `None` if min_flex/max_flex forbid it. Nothing is needed → empty list.
///
/// Rule: the total change is the excess (Σ min − k, or k − Σ max), which no change can
/// undercut; it is taken one seat at a time from the value with the largest minimum
/// (raised at the one with the largest maximum), ties to the first in the file, never
/// below min_flex or above max_flex. The largest values lose the smallest share per seat.
/// Whether the pool can fill the proposal is the selection's question (its relaxation ILP
/// sees the applicants).
pub fn propose_for_k(c: &QuotaCategory, k: usize) -> Option<Vec<String>> {
    let (min, max) = bounds_for_k(c, k)?;
    let mut out = Vec::new();
    for (i, v) in c.values.iter().enumerate() {
        if min[i] != v.min {
            out.push(format!("{} minimum {} -> {}", v.value, v.min, min[i]));
        }
        if max[i] != v.max {
            out.push(format!("{} maximum {} -> {}", v.value, v.max, max[i]));
        }
    }
    Some(out)
}

/// The new minimums and maximums of [`propose_for_k`], value by value in file order
/// (unchanged where no change is needed); `None` if min_flex/max_flex forbid it.
pub fn bounds_for_k(c: &QuotaCategory, k: usize) -> Option<(Vec<u32>, Vec<u32>)> {
    let mut min: Vec<u64> = c.values.iter().map(|v| u64::from(v.min)).collect();
    let mut max: Vec<u64> = c.values.iter().map(|v| u64::from(v.max)).collect();
    let k = k as u64;
    while min.iter().sum::<u64>() > k {
        let i = (0..min.len())
            .filter(|&i| min[i] > c.values[i].min_flex.map_or(0, u64::from))
            .max_by(|&a, &b| min[a].cmp(&min[b]).then(b.cmp(&a)))?;
        min[i] -= 1;
    }
    while max.iter().sum::<u64>() < k {
        let i = (0..max.len())
            .filter(|&i| c.values[i].max_flex.is_none_or(|f| max[i] < u64::from(f)))
            .max_by(|&a, &b| max[a].cmp(&max[b]).then(b.cmp(&a)))?;
        max[i] += 1;
    }
    // Minimums only fall and maximums only rise from u32 values (and a rise stops at
    // k ≤ usize, checked against max_flex), so both fit back into u32.
    let narrow = |v: Vec<u64>| -> Option<Vec<u32>> {
        v.into_iter().map(|x| u32::try_from(x).ok()).collect()
    };
    Some((narrow(min)?, narrow(max)?))
}

/// Writes a quota file in the sortes layout `category,value,min,max,min_flex,max_flex`
/// (comma-separated, `\n` line ends, categories and values in order; a missing flex bound is
/// an empty cell; cells are quoted only when needed). [`read_quota_file`] reads it back.
pub fn write_quota_file(qf: &QuotaFile) -> String {
    let mut out = String::from("category,value,min,max,min_flex,max_flex\n");
    let flex = |f: Option<u32>| f.map(|x| x.to_string()).unwrap_or_default();
    for c in &qf.categories {
        for v in &c.values {
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                quote(&c.name),
                quote(&v.value),
                v.min,
                v.max,
                flex(v.min_flex),
                flex(v.max_flex)
            ));
        }
    }
    out
}

fn quote(s: &str) -> String {
    let needs = s.contains([',', ';', '"', '\n', '\r']) || s.trim() != s;
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

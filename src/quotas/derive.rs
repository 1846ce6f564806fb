//! Deriving quotas from population figures.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;
use std::path::Path;
use std::str::FromStr;

use super::{QuotaCategory, QuotaFile, QuotaRow};
use crate::base::error::{Error, Location, Result};
use crate::base::table::{Options, Table};
use crate::base::text::fold as key;

/// How far min and max lie from a target of `T` seats (`t` below); then
/// `min = max(0, T − t)` and `max = min(k, T + t)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// `t` is this number of seats, whatever the target.
    Seats(u32),
    /// `t = ⌈T · numerator / denominator⌉` (exact integer arithmetic), e.g. 1/5 gives
    /// 20 % of the target rounded up: T = 7 → t = 2; T = 5 → t = 1; T = 0 → t = 0.
    Fraction {
        numerator: u32,
        denominator: NonZeroU32,
    },
    /// `t = small` if `T ≤ up_to`, else `t = large`. The shipped Dortmund files use
    /// `up_to = 5, small = 1, large = 2`: ±1 seat for small groups (districts with 3–5 seats,
    /// gender "d" with 0), ±2 seats for everything larger.
    BySize { up_to: u32, small: u32, large: u32 },
}

impl Tolerance {
    /// `p` percent of the target, rounded up.
    pub fn percent(p: u32) -> Self {
        Tolerance::Fraction {
            numerator: p,
            denominator: NonZeroU32::MIN.saturating_add(99),
        }
    }

    /// The number of seats `t` for a target of `target` seats.
    pub fn seats_for(self, target: u32) -> u32 {
        match self {
            Tolerance::Seats(s) => s,
            Tolerance::Fraction {
                numerator,
                denominator,
            } => {
                let t = u64::from(target) * u64::from(numerator);
                u32::try_from(t.div_ceil(u64::from(denominator.get()))).unwrap_or(u32::MAX)
            }
            Tolerance::BySize {
                up_to,
                small,
                large,
            } => {
                if target <= up_to {
                    small
                } else {
                    large
                }
            }
        }
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::Seats(s) => write!(f, "{s}"),
            Tolerance::Fraction {
                numerator,
                denominator,
            } => write!(f, "{numerator}/{denominator}"),
            Tolerance::BySize {
                up_to,
                small,
                large,
            } => write!(f, "{small}<={up_to}<{large}"),
        }
    }
}

/// Parses `"2"` (seats), `"20%"` (percent of the target), `"1/5"` or `"0.2"` (fraction of the
/// target) and `"1<=5<2"` ([`Tolerance::BySize`]: 1 seat up to a target of 5, else 2).
impl FromStr for Tolerance {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        let bad = || {
            Error::input(
                Location::default(),
                format!(
                    "tolerance \"{s}\" is not understood; write seats (2), a percentage (20%), a fraction (1/5 or 0.2) or small<=limit<large (1<=5<2)"
                ),
            )
        };
        let num = |x: &str| x.trim().parse::<u32>().map_err(|_| bad());
        if let Some(p) = s.strip_suffix('%') {
            return Ok(Tolerance::percent(num(p)?));
        }
        if let Some((small, rest)) = s.split_once("<=") {
            let (up_to, large) = rest.split_once('<').ok_or_else(bad)?;
            return Ok(Tolerance::BySize {
                up_to: num(up_to)?,
                small: num(small)?,
                large: num(large)?,
            });
        }
        if let Some((n, d)) = s.split_once('/') {
            let denominator = NonZeroU32::new(num(d)?).ok_or_else(bad)?;
            return Ok(Tolerance::Fraction {
                numerator: num(n)?,
                denominator,
            });
        }
        if let Some((int, frac)) = s.split_once('.') {
            if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let den = 10u32.pow(frac.len() as u32);
            let whole = if int.is_empty() { 0 } else { num(int)? };
            let numerator = whole
                .checked_mul(den)
                .and_then(|w| w.checked_add(num(frac).ok()?))
                .ok_or_else(bad)?;
            let denominator = NonZeroU32::new(den).ok_or_else(bad)?;
            return Ok(Tolerance::Fraction {
                numerator,
                denominator,
            });
        }
        Ok(Tolerance::Seats(num(s)?))
    }
}

/// Largest-remainder (Hare) apportionment of `k` seats to `counts`.
///
/// Each value first gets `⌊k·cᵢ/N⌋` seats (`N = Σ cᵢ`); the seats left over go one each to the
/// values with the largest remainders `k·cᵢ mod N`, ties to the earlier value. The result sums
/// to `k` and each entry differs from the exact share `k·cᵢ/N` by less than 1. All arithmetic is
/// exact (integers). If `N = 0` every value counts as 1 (an even split). Empty `counts` give an
/// empty result.
pub fn apportion(counts: &[u64], k: u32) -> Vec<u32> {
    // All counts zero: equal shares.
    let weights: Vec<u128> = if counts.iter().all(|&c| c == 0) {
        vec![1; counts.len()]
    } else {
        counts.iter().map(|&c| u128::from(c)).collect()
    };
    crate::base::apportion::apportion(u64::from(k), &weights)
        .into_iter()
        // Each share is at most k, a u32.
        .map(|s| s as u32)
        .collect()
}

/// One category from population counts (in the given order, which also breaks ties).
///
/// Targets by [`apportion`] (so they sum to `k`); then `min = max(0, T − t)`,
/// `max = min(k, T + t)` with `t = tolerance.seats_for(T)`, `min_flex = 0`, `max_flex = k`.
/// Row `line`s are numbered from `first_line`.
fn category_from(
    name: &str,
    counts: &[(String, u64)],
    k: u32,
    tolerance: Tolerance,
    first_line: u64,
) -> QuotaCategory {
    let c: Vec<u64> = counts.iter().map(|(_, n)| *n).collect();
    let targets = apportion(&c, k);
    let values = counts
        .iter()
        .zip(targets)
        .enumerate()
        .map(|(i, ((value, _), target))| {
            let t = tolerance.seats_for(target);
            QuotaRow {
                value: value.clone(),
                min: target.saturating_sub(t),
                max: target.saturating_add(t).min(k),
                min_flex: Some(0),
                max_flex: Some(k),
                line: first_line + i as u64,
            }
        })
        .collect();
    QuotaCategory {
        name: name.to_string(),
        values,
    }
}

/// Derives one category from `(value, population count)` pairs, keeping their order (the
/// order breaks ties between equal remainders). See [`derive()`] for the rule; `line`s are
/// numbered as if the category were the first in a written file (2, 3, …).
pub fn derive_category(
    name: &str,
    counts: &[(String, u64)],
    k: u32,
    tolerance: Tolerance,
) -> QuotaCategory {
    category_from(name, counts, k, tolerance, 2)
}

/// Derives a quota table from population counts per category and value.
///
/// For each category (in map order, i.e. sorted by name) and its values (sorted by name):
/// 1. **Target** `T` — the panel size `k` apportioned to the counts by largest remainder
///    (Hare): `⌊k·c/N⌋` each, the remaining seats to the largest remainders, ties to the value
///    that comes first (see [`apportion`]). So `Σ T = k` per category and every `T` is within 1
///    of the exact share `k·c/N`.
/// 2. **Bounds** — `t = tolerance.seats_for(T)`: [`Tolerance::Seats`]`(s)` gives `t = s`;
///    [`Tolerance::Fraction`] gives `t = ⌈T·num/den⌉` (fraction of the target, rounded up);
///    [`Tolerance::BySize`] gives `small` or `large` seats. Then `min = max(0, T − t)` and
///    `max = min(k, T + t)`.
/// 3. **Flex** — `min_flex = 0`, `max_flex = k`.
///
/// Row `line`s are the lines the rows get in [`super::write_quota_file`]'s output. To keep a
/// value order other than alphabetical (it matters for ties), use [`derive_category`].
pub fn derive(
    counts: &BTreeMap<String, BTreeMap<String, u64>>,
    k: u32,
    tolerance: Tolerance,
) -> QuotaFile {
    let mut line = 2;
    let mut categories = Vec::with_capacity(counts.len());
    for (name, values) in counts {
        let pairs: Vec<(String, u64)> = values.iter().map(|(v, &c)| (v.clone(), c)).collect();
        categories.push(category_from(name, &pairs, k, tolerance, line));
        line += pairs.len() as u64;
    }
    QuotaFile { categories }
}

/// Where one quota value's count comes from in a statistics table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsValue {
    /// The quota value it contributes to (several entries may add to one value).
    pub value: String,
    /// The table's value (second column) of the row; `None` contributes 0 (a value the table
    /// has no usable figure for, e.g. gender "d").
    pub row: Option<String>,
    /// Part of the row's count that is added: `numerator / denominator` (1/1 = the whole row).
    pub numerator: u64,
    pub denominator: u64,
}

impl StatsValue {
    /// The whole row `row` counts towards `value`.
    pub fn whole(value: &str, row: &str) -> Self {
        Self::part(value, row, 1, 1)
    }
    /// `numerator/denominator` of row `row` counts towards `value` (e.g. 7/12 of the band
    /// 18–29 for the ages 18–24 when the years are taken as equally populated).
    pub fn part(value: &str, row: &str, numerator: u64, denominator: u64) -> Self {
        StatsValue {
            value: value.to_string(),
            row: Some(row.to_string()),
            numerator,
            denominator,
        }
    }
    /// `value` is listed with a count of 0.
    pub fn zero(value: &str) -> Self {
        StatsValue {
            value: value.to_string(),
            row: None,
            numerator: 0,
            denominator: 1,
        }
    }
}

/// Which rows of a statistics table make up one quota category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsCategory {
    /// Name of the quota category to produce.
    pub category: String,
    /// The table's category (first column) the rows are chosen from.
    pub table_category: String,
    /// Shares (numbers with a decimal point, 0–1) are multiplied by this; counts are used as
    /// they are.
    pub total: u64,
    pub values: Vec<StatsValue>,
    /// A value that receives `total − Σ (other values)` (e.g. "nein" when only the share with
    /// a migration background is published).
    pub rest: Option<String>,
}

/// Reads population counts from a statistics table with the columns
/// `category,value,population_count_or_share,source` (the layout of
/// `dortmund-statistics.csv`; the number column may also be called `count` or `share`, or is
/// the third column).
///
/// Rows are chosen by `(table_category, value)` (case-insensitive). The figure is read as
/// * a count: a whole number, optionally followed by a comment, e.g. `"10509 (0.021)"` → 10509;
/// * a share: a decimal number between 0 and 1, e.g. `"0.0886"`, multiplied by the mapping's
///   `total` and rounded to the nearest whole number (exactly).
///
/// Parts of rows (`numerator/denominator`) are added exactly and rounded at the end to the
/// nearest whole number. A missing row, an unreadable figure or `Σ > total` for a `rest` value
/// is an error.
pub fn counts_from_statistics(
    path: &Path,
    mapping: &[StatsCategory],
) -> Result<BTreeMap<String, BTreeMap<String, u64>>> {
    counts_from_statistics_text(path, &crate::base::fsio::read(path)?, mapping)
}

/// [`counts_from_statistics`] on the bytes of a table (`path` names it in errors).
pub fn counts_from_statistics_text(
    path: &Path,
    bytes: &[u8],
    mapping: &[StatsCategory],
) -> Result<BTreeMap<String, BTreeMap<String, u64>>> {
    let table = Table::parse(path, bytes, &Options::delimited(b",;"))?;
    let cat_col = table.column("category", "statistics table")?;
    let val_col = table.column("value", "statistics table")?;
    let num_col = table
        .header
        .iter()
        .position(|h| {
            let h = key(h);
            h.contains("count") || h.contains("share") || h.contains("population")
        })
        .unwrap_or(2);
    let width = cat_col.max(val_col).max(num_col) + 1;
    if table.header.len() < width {
        return Err(Error::input(
            Location::line(path, 1),
            "a statistics table needs the columns category, value and a count or share",
        ));
    }
    let mut out = BTreeMap::new();
    for m in mapping {
        // Sums in millionths of a person, rounded at the end.
        const SCALE: u128 = 1_000_000;
        let mut acc: Vec<(String, u128)> = Vec::new();
        for v in &m.values {
            let add = match &v.row {
                None => 0,
                Some(row) => {
                    let found = table.rows.iter().find(|r| {
                        key(&r.cells[cat_col]) == key(&m.table_category)
                            && key(&r.cells[val_col]) == key(row)
                    });
                    let Some(crate::base::table::Row { line, cells }) = found else {
                        return Err(Error::input(
                            Location::file(path),
                            format!(
                                "the statistics table has no row with category \"{}\" and value \"{row}\"",
                                m.table_category
                            ),
                        ));
                    };
                    let loc = Location::at(path, *line, table.header[num_col].clone());
                    let n = parse_figure(&cells[num_col], m.total, loc.clone())?;
                    if v.denominator == 0 {
                        return Err(Error::input(loc, "a part with denominator 0"));
                    }
                    u128::from(n) * u128::from(v.numerator) * SCALE / u128::from(v.denominator)
                }
            };
            match acc.iter_mut().find(|(name, _)| *name == v.value) {
                Some((_, a)) => *a += add,
                None => acc.push((v.value.clone(), add)),
            }
        }
        let mut values: BTreeMap<String, u64> = acc
            .into_iter()
            .map(|(name, a)| {
                (
                    name,
                    u64::try_from((a + SCALE / 2) / SCALE).unwrap_or(u64::MAX),
                )
            })
            .collect();
        if let Some(rest) = &m.rest {
            let sum: u64 = values.values().sum();
            let left = m.total.checked_sub(sum).ok_or_else(|| {
                Error::input(
                    Location::file(path),
                    format!(
                        "{}: the chosen rows add up to {sum}, more than the total {}",
                        m.category, m.total
                    ),
                )
            })?;
            values.insert(rest.clone(), left);
        }
        out.insert(m.category.clone(), values);
    }
    Ok(out)
}

/// A count (`"10509"`, `"10509 (0.021)"`) or a share in [0, 1] (`"0.0886"`) times `total`.
fn parse_figure(s: &str, total: u64, loc: Location) -> Result<u64> {
    let first = s
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let bad = || {
        Error::input(
            loc.clone(),
            format!(
                "\"{s}\" is neither a count (e.g. 10509) nor a share between 0 and 1 (e.g. 0.0886)"
            ),
        )
    };
    if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) {
        return first.parse::<u64>().map_err(|_| bad());
    }
    let (int, frac) = first.split_once('.').ok_or_else(bad)?;
    if frac.is_empty()
        || frac.len() > 18
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let int: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let den = 10u128.pow(frac.len() as u32);
    let num = int * den + frac.parse::<u128>().map_err(|_| bad())?;
    if num > den {
        return Err(Error::input(
            loc,
            format!("\"{s}\" is a share above 1 (or a count written with a thousands separator)"),
        ));
    }
    let scaled = (num * u128::from(total) * 2 + den) / (2 * den);
    u64::try_from(scaled).map_err(|_| bad())
}

/// The register categories [`register_counts`] knows.
pub const REGISTER_CATEGORIES: [&str; 4] = ["gender", "age_band", "stadtbezirk", "citizenship"];

/// Eligible residents per value of those `categories` that are register categories
/// (others are left out: the register does not know education or migration background),
/// from the process file's register extract, read as the draw reads it. With the
/// commitment, the extract must be the committed file (its SHA-256, from the one read)
/// and the eligible residents the committed ones (same rules and exclusion lists), else
/// an error of kind `Changed`.
/// `Ok(None)` when none of the categories is in the register; an error when the extract
/// cannot be read.
pub fn population_counts(
    process: &crate::base::process::Process,
    categories: &[String],
    commit: Option<&crate::base::journal::entry::Commit>,
) -> Result<Option<BTreeMap<String, BTreeMap<String, u64>>>> {
    let known: Vec<String> = categories
        .iter()
        .filter(|c| REGISTER_CATEGORIES.contains(&c.as_str()))
        .cloned()
        .collect();
    if known.is_empty() {
        return Ok(None);
    }
    let reg = crate::register::load(process, false)?;
    let changed = |what: &str| {
        Error::changed(
            crate::base::error::Location::file(&process.register_path()),
            what.to_string(),
        )
    };
    if commit.is_some_and(|c| c.register_file_sha256 != reg.file_sha256) {
        return Err(changed(
            "the register extract is not the committed file (its SHA-256 differs)",
        ));
    }
    let plan = crate::draw::plan(
        process,
        &reg,
        &std::collections::BTreeSet::new(),
        &crate::draw::step::exclusions(process)?,
        1,
        None,
    )?;
    if commit.is_some_and(|c| c.eligible_sha256 != plan.eligible_sha256) {
        return Err(changed(
            "the eligible residents differ from those of the commitment (rules or exclusion lists changed)",
        ));
    }
    register_counts(process, &reg, &plan, &known).map(Some)
}

/// Eligible residents per category value (aggregates only): one text column per
/// category over the eligible records (age band and citizenship need the process file's
/// rules, so they are computed here), then a polars group-by per category counts them.
pub fn register_counts(
    process: &crate::base::process::Process,
    reg: &crate::register::Register,
    plan: &crate::draw::Plan,
    categories: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, u64>>> {
    use polars::prelude::{Column, DataFrame, PlSmallStr};
    let german: Vec<String> = process
        .file
        .register
        .german_values
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    for (n, c) in categories.iter().enumerate() {
        if !REGISTER_CATEGORIES.contains(&c.as_str()) {
            return Err(Error::refused(format!(
                "{c:?} is not a register category; use gender, age_band, stadtbezirk or citizenship"
            )));
        }
        if categories[..n].contains(c) {
            return Err(Error::refused(format!("the category {c:?} is given twice")));
        }
    }
    let eligible = &plan.eligibility.eligible;
    let mut columns = Vec::with_capacity(categories.len());
    for c in categories {
        let values: Vec<String> = eligible
            .iter()
            .map(|&i| {
                let p = &reg.people[i as usize];
                match c.as_str() {
                    "gender" => reg.gender(p).to_string(),
                    "stadtbezirk" => reg.district(p).to_string(),
                    "age_band" => process.age_band(p.age()),
                    _ => crate::register::citizenship(
                        &reg.nationalities[p.nationality as usize],
                        &german,
                    )
                    .to_string(),
                }
            })
            .collect();
        columns.push(Column::new(PlSmallStr::from(c.as_str()), values));
    }
    let polars_err = |e: polars::error::PolarsError| {
        Error::refused(format!("counting the register by category failed: {e}"))
    };
    let df = DataFrame::new(eligible.len(), columns).map_err(polars_err)?;
    let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for c in categories {
        let groups = df.group_by([c.as_str()]).map_err(polars_err)?;
        let keys = groups.keys();
        let sizes = groups.get_groups().group_count();
        let values = keys
            .first()
            .ok_or_else(|| Error::refused("polars group-by returned no key column"))?
            .str()
            .map_err(polars_err)?;
        let m = out.entry(c.clone()).or_default();
        for g in 0..values.len() {
            let v = values.get(g).unwrap_or_default();
            *m.entry(v.to_string()).or_default() += u64::from(sizes.get(g).unwrap_or(0));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_parsing() {
        let seats = |s: &str, target: u32| s.parse::<Tolerance>().ok().map(|t| t.seats_for(target));
        assert_eq!("2".parse::<Tolerance>().ok(), Some(Tolerance::Seats(2)));
        assert_eq!(seats("20%", 7), Some(2));
        assert_eq!(seats("0.2", 5), Some(1));
        assert_eq!(seats("1/5", 6), Some(2));
        assert_eq!(seats("1<=5<2", 5), Some(1));
        assert_eq!(seats("1<=5<2", 6), Some(2));
        assert!("x".parse::<Tolerance>().is_err());
        assert!("1/0".parse::<Tolerance>().is_err());
    }

    #[test]
    fn figures() {
        let loc = Location::default();
        assert_eq!(
            parse_figure("10509 (0.021)", 0, loc.clone()).ok(),
            Some(10509)
        );
        assert_eq!(
            parse_figure("0.0886", 612065, loc.clone()).ok(),
            Some(54229)
        );
        assert_eq!(parse_figure("0.5", 3, loc.clone()).ok(), Some(2));
        assert!(parse_figure("612.065", 1, loc.clone()).is_err());
        assert!(parse_figure("~0.50", 1, loc.clone()).is_err());
        assert!(parse_figure("<0.001 (assumption)", 1, loc).is_err());
    }

    #[test]
    fn apportion_ties_go_to_the_first() {
        assert_eq!(apportion(&[1, 1], 1), vec![1, 0]);
        assert_eq!(apportion(&[0, 0, 0], 4), vec![2, 1, 1]);
        assert_eq!(apportion(&[360, 290, 350], 50), vec![18, 15, 17]);
    }
}

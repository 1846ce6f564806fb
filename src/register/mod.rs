//! Reading the register extract (Einwohnermelderegister) and putting it into
//! canonical form.
//!
//! The extract is personal data: nothing here prints a value; errors name the
//! file, line, column and the problem, and quote a value only where the clerk
//! needs it to find the cell (a date or age that does not parse).

pub mod read;

use crate::base::error::{Error, Location, Result};
use crate::base::fsio::Sha256;
use crate::base::process::Process;
use sha2::Digest;
use std::collections::HashMap;
use std::path::PathBuf;

/// The fields of a canonical record, in the order they enter the record hash (spec §6).
pub const FIELDS: [&str; 14] = [
    "register_id",
    "family_name",
    "given_names",
    "street",
    "house_number",
    "postcode",
    "city",
    "birth_date_or_age",
    "gender",
    "nationality",
    "stadtbezirk",
    "block_51",
    "block_52",
    "household",
];

/// One resident, in the compact form the draw needs. Names and addresses stay in
/// [`Register::text`] and are fetched only for the persons who are drawn.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: Box<str>,
    /// 1-based line in the file (header = line 1), or row + 1 for Parquet.
    pub line: u64,
    /// Row index in [`Register::text`].
    pub row: u32,
    pub age: u32,
    pub block_51: bool,
    pub block_52: bool,
    /// Index into [`Register::nationalities`].
    pub nationality: u32,
    /// Index into [`Register::strata`]: the person's stratum key.
    pub stratum: u32,
    /// Index into the household table, if the register maps an address or household.
    pub household: Option<u32>,
    /// SHA-256 of the canonical record.
    pub hash: [u8; 32],
}

/// A row that was set aside (with `--rejects`).
#[derive(Debug, Clone)]
pub struct Reject {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// The text of every mapped field, column by column (row-indexed), as read.
/// Values are put into canonical form when they are fetched.
pub struct TextColumns {
    pub columns: Vec<Option<polars::prelude::StringChunked>>,
}

impl TextColumns {
    /// Canonical value of field `f` (index into [`FIELDS`]) for row `row`.
    pub fn get(&self, f: usize, row: u32) -> std::borrow::Cow<'_, str> {
        match &self.columns[f] {
            Some(c) => canonical(c.get(row as usize).unwrap_or("")),
            None => std::borrow::Cow::Borrowed(""),
        }
    }
}

pub struct Register {
    pub path: PathBuf,
    /// Rows with every mapped cell empty (ignored, but counted).
    pub blank_rows: u64,
    /// SHA-256 of the file's bytes as read.
    pub file_sha256: Sha256,
    /// Data rows in the file.
    pub rows: u64,
    /// Valid persons, sorted by register id bytes (the canonical order).
    pub people: Vec<Person>,
    pub rejects: Vec<Reject>,
    /// SHA-256 over the record hashes of all valid persons in canonical order.
    pub extract_sha256: Sha256,
    /// Stratum keys (one value per stratum column), indexed by `Person::stratum`.
    pub strata: Vec<Vec<String>>,
    pub nationalities: Vec<String>,
    pub households: usize,
    pub text: TextColumns,
}

/// Numbers distinct values in order of first appearance (the numbers are identities
/// only; nothing iterates the map).
struct Interner<K> {
    ids: HashMap<K, u32>,
    values: Vec<K>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner {
            ids: HashMap::new(),
            values: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Interner<K> {
    /// Looks up first, so a key is cloned only the first time it is seen.
    fn id(&mut self, k: K) -> u32 {
        if let Some(&i) = self.ids.get(&k) {
            return i;
        }
        let i = self.values.len() as u32;
        self.ids.insert(k.clone(), i);
        self.values.push(k);
        i
    }
}

const BLANK: &str = "\0blank";

pub use crate::base::text::canonical;

/// Spec §6: record = for each field in [`FIELDS`] order, its canonical UTF-8 bytes
/// preceded by their length as a 4-byte little-endian integer; hash = SHA-256(record).
pub fn record_hash(values: &[&str; 14]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    for v in values {
        h.update((v.len() as u32).to_le_bytes());
        h.update(v.as_bytes());
    }
    h.finalize().into()
}

/// Spec §6: SHA-256 over the concatenated record hashes, in canonical order.
pub fn list_hash<'a>(hashes: impl Iterator<Item = &'a [u8; 32]>) -> Sha256 {
    let mut h = sha2::Sha256::new();
    for x in hashes {
        h.update(x);
    }
    Sha256::from_digest(h.finalize().into())
}

/// Household key from the address (spec §6.3): lower-case street with "str." and
/// "strasse" written "straße", house number without spaces, postcode; joined by '|'.
pub fn address_key(street: &str, number: &str, postcode: &str) -> String {
    let mut s = street.to_lowercase();
    s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(stem) = s.strip_suffix("str.") {
        s = format!("{stem}straße");
    }
    s = s.replace("strasse", "straße");
    let n: String = number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    format!("{s}|{n}|{}", postcode.trim())
}

/// Parses a birth date as ISO `YYYY-MM-DD` or German `DD.MM.YYYY` (day and month
/// may have one digit: `3.4.1980`). Nothing else is accepted (spec §6.2).
pub fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    let digits = |p: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let (y, m, d) = if let [y, m, d] = s.split('-').collect::<Vec<_>>()[..] {
        (digits(y, 4, 4) && digits(m, 2, 2) && digits(d, 2, 2)).then_some((y, m, d))?
    } else if let [d, m, y] = s.split('.').collect::<Vec<_>>()[..] {
        (digits(y, 4, 4) && digits(m, 1, 2) && digits(d, 1, 2)).then_some((y, m, d))?
    } else {
        return None;
    };
    let y: i32 = y.parse().ok()?;
    if y < 1800 {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(y, m.parse().ok()?, d.parse().ok()?)
}

/// Age in completed years on `on` (§ 187 Abs. 2, § 188 Abs. 2 BGB: a person is a
/// year older from the start of their birthday; someone born on 29 February turns a
/// year older on 1 March in other years).
pub fn age_on(birth: chrono::NaiveDate, on: chrono::NaiveDate) -> Option<u32> {
    use chrono::Datelike;
    if birth > on {
        return None;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// Whether a nationality cell names one of `wanted` (lower-case): a cell may list
/// several nationalities separated by `,` `/` `;` (spec §6.4).
pub fn nationality_in(cell: &str, wanted: &[String]) -> bool {
    cell.split([',', '/', ';'])
        .any(|p| wanted.contains(&p.trim().to_lowercase()))
}

/// Stratum value of the `citizenship` column (spec §7.1).
pub fn citizenship(cell: &str, german: &[String]) -> &'static str {
    if nationality_in(cell, german) {
        "deutsch"
    } else {
        "nicht-deutsch"
    }
}

/// Reads and canonicalises the extract named by the process file.
/// With `keep_rejects`, invalid rows are set aside instead of stopping the run.
pub fn load(process: &Process, keep_rejects: bool) -> Result<Register> {
    let path = process.register_path();
    let t = std::time::Instant::now();
    let raw = read::read_table(process, &path)?;
    crate::base::timing::phase("read", t);
    build(process, path, raw, keep_rejects)
}

fn build(
    process: &Process,
    path: PathBuf,
    raw: read::RawTable,
    keep_rejects: bool,
) -> Result<Register> {
    use rayon::prelude::*;
    let cfg = &process.file;
    let cols = &cfg.register.columns;
    let n = raw.rows;
    let first_line = raw.first_line;
    let line_of = |row: u32| row as u64 + first_line;
    let file_sha256 = raw.file_sha256;
    let text = TextColumns {
        columns: raw.fields,
    };
    let has = |f: usize| text.columns[f].is_some();
    let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    let block_yes = lower(&cfg.register.block_values);
    let block_no = lower(&cfg.register.no_block_values);
    let german = lower(&cfg.register.german_values);
    let no_block_empty = block_no.iter().any(String::is_empty);
    let age_from_birth = cols.birth_date.is_some();
    let date_col = if age_from_birth {
        cols.birth_date.clone()
    } else {
        cols.age.clone()
    }
    .unwrap_or_default();
    let known: Vec<(String, Option<&Vec<String>>)> = cfg
        .draw
        .strata
        .iter()
        .map(|s| (s.clone(), cfg.strata.values.get(s)))
        .collect();
    // Household keys are needed only by the household rule.
    let household_mode = if !cfg.draw.household_rule {
        None
    } else if cols.household.is_some() {
        Some(true)
    } else if has(3) && has(4) && has(5) {
        Some(false)
    } else {
        None
    };

    struct Row {
        id: Box<str>,
        age: u32,
        b51: bool,
        b52: bool,
        nat: String,
        key: Vec<String>,
        household: Option<String>,
        hash: [u8; 32],
    }
    // Per-row validation and hashing, in parallel; results keep row order.
    let t = std::time::Instant::now();
    let results: Vec<std::result::Result<Row, Reject>> = (0..n as u32)
        .into_par_iter()
        .map(|row| {
            let line = line_of(row);
            let rej = |column: &str, reason: String| Reject {
                line,
                column: column.to_string(),
                reason,
            };
            let v: [std::borrow::Cow<'_, str>; 14] = std::array::from_fn(|f| text.get(f, row));
            if v.iter().all(|x| x.is_empty()) {
                // A blank line (exports often end with some): counted, not a resident.
                return Err(Reject {
                    line,
                    column: String::new(),
                    reason: BLANK.into(),
                });
            }
            let id = &*v[0];
            if id.is_empty() {
                return Err(rej(&cols.register_id, "the register id is empty".into()));
            }
            let when = &*v[7];
            let age = if age_from_birth {
                let d = parse_date(when).ok_or_else(|| {
                    rej(
                        &date_col,
                        format!("birth date {when:?} is not a date like 1980-04-30 or 30.04.1980"),
                    )
                })?;
                age_on(d, process.reference_date).ok_or_else(|| {
                    rej(
                        &date_col,
                        format!("birth date {when:?} lies after the reference date"),
                    )
                })?
            } else {
                match when.parse::<u32>() {
                    Ok(a) if a <= 130 && when.bytes().all(|b| b.is_ascii_digit()) => a,
                    _ => {
                        return Err(rej(
                            &date_col,
                            format!("age {when:?} is not a whole number of years between 0 and 130"),
                        ));
                    }
                }
            };
            let block = |f: usize, col: &Option<String>| -> std::result::Result<bool, Reject> {
                // An unmapped block column says nothing: nobody is blocked by it.
                let Some(col) = col else {
                    return Ok(false);
                };
                let raw = &*v[f];
                if raw.is_empty() && no_block_empty {
                    return Ok(false);
                }
                let same = |x: &String| x.eq_ignore_ascii_case(raw);
                if block_no.iter().any(same) {
                    return Ok(false);
                }
                if block_yes.iter().any(same) {
                    return Ok(true);
                }
                let v = raw.to_lowercase();
                if block_yes.contains(&v) {
                    Ok(true)
                } else if block_no.contains(&v) {
                    Ok(false)
                } else {
                    Err(rej(
                        col,
                        format!(
                            "block mark {v:?} is neither a yes ({}) nor a no ({})",
                            block_yes.join("/"),
                            block_no
                                .iter()
                                .map(|x| if x.is_empty() { "empty" } else { x.as_str() })
                                .collect::<Vec<_>>()
                                .join("/")
                        ),
                    ))
                }
            };
            let b51 = block(11, &cols.block_51)?;
            let b52 = block(12, &cols.block_52)?;
            let nat = v[9].to_string();
            let mut key = Vec::with_capacity(known.len());
            for (s, values) in &known {
                let v = match s.as_str() {
                    "stadtbezirk" => v[10].to_string(),
                    "gender" => v[8].to_string(),
                    "postcode" => v[5].to_string(),
                    "citizenship" => citizenship(&nat, &german).to_string(),
                    _ => crate::base::process::age_band_label(&cfg.draw.age_bands, age)
                        .unwrap_or_else(|| format!("unter {}", cfg.draw.age_bands[0])),
                };
                let column = process.field_column(s).unwrap_or(s).to_string();
                if v.is_empty() && s != "age_band" {
                    return Err(rej(&column, format!("the {s} value is empty")));
                }
                let v = match values {
                    Some(list) => match list.iter().find(|k| **k == v).or_else(|| {
                        let lv = v.to_lowercase();
                        list.iter().find(|k| k.to_lowercase() == lv)
                    }) {
                        Some(k) => k.clone(),
                        None if s == "age_band" || s == "citizenship" => v,
                        None => {
                            let hint = crate::base::text::did_you_mean(
                                &v,
                                list.iter().map(String::as_str),
                            );
                            return Err(rej(
                                &column,
                                format!(
                                    "{s} value {v:?} is not one of the values listed in strata.values.{s}{hint}"
                                ),
                            ));
                        }
                    },
                    None => v,
                };
                key.push(v);
            }
            // An empty household cell, or an address without street and house
            // number, is no household: such persons are never grouped (spec §6.3).
            let household = match household_mode {
                Some(true) if !v[13].is_empty() => Some(v[13].to_string()),
                Some(false) if !(v[3].is_empty() && v[4].is_empty()) => {
                    Some(address_key(&v[3], &v[4], &v[5]))
                }
                _ => None,
            };
            // Spec §6.2 field 8: the birth date as YYYY-MM-DD, or the age in decimal.
            let canon_when = if age_from_birth {
                parse_date(when).map(|d| d.to_string()).unwrap_or_default()
            } else {
                age.to_string()
            };
            let when_field = canon_when.as_str();
            let values: [&str; 14] = [
                id,
                &*v[1],
                &*v[2],
                &*v[3],
                &*v[4],
                &*v[5],
                &*v[6],
                when_field,
                &*v[8],
                &*v[9],
                &*v[10],
                if b51 { "1" } else { "0" },
                if b52 { "1" } else { "0" },
                &*v[13],
            ];
            Ok(Row {
                id: id.into(),
                age,
                b51,
                b52,
                nat,
                key,
                household,
                hash: record_hash(&values),
            })
        })
        .collect();

    crate::base::timing::phase("rows", t);
    let t = std::time::Instant::now();
    let mut rejects = Vec::new();
    let mut people = Vec::with_capacity(n);
    let mut strata = Interner::default();
    let mut nats = Interner::default();
    let mut households = Interner::default();
    let mut blank_rows = 0u64;
    for (row, r) in results.into_iter().enumerate() {
        match r {
            Err(rj) if rj.reason == BLANK => blank_rows += 1,
            Err(rj) => rejects.push(rj),
            Ok(r) => {
                let stratum = strata.id(r.key);
                let nationality = nats.id(r.nat);
                let household = r.household.map(|h| households.id(h));
                people.push(Person {
                    id: r.id,
                    line: line_of(row as u32),
                    row: row as u32,
                    age: r.age,
                    block_51: r.b51,
                    block_52: r.b52,
                    nationality,
                    stratum,
                    household,
                    hash: r.hash,
                });
            }
        }
    }
    crate::base::timing::phase("intern", t);
    let t = std::time::Instant::now();
    // Canonical order: register id bytes (then line, so duplicates group stably).
    // Row order of the file never matters. The first 16 id bytes, packed big-endian
    // into a u128, decide most comparisons without a call to memcmp.
    let prefix = |id: &str| {
        let mut b = [0u8; 16];
        let n = id.len().min(16);
        b[..n].copy_from_slice(&id.as_bytes()[..n]);
        u128::from_be_bytes(b)
    };
    let mut order: Vec<(u128, u32)> = people
        .iter()
        .enumerate()
        .map(|(i, p)| (prefix(&p.id), i as u32))
        .collect();
    order.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let (pa, pb) = (&people[a.1 as usize], &people[b.1 as usize]);
            pa.id
                .as_bytes()
                .cmp(pb.id.as_bytes())
                .then(pa.line.cmp(&pb.line))
        })
    });
    let mut slots: Vec<Option<Person>> = people.into_iter().map(Some).collect();
    let mut people: Vec<Person> = order
        .iter()
        .filter_map(|&(_, i)| slots[i as usize].take())
        .collect();
    let mut dup_groups: Vec<Vec<u64>> = Vec::new();
    let mut i = 0;
    while i < people.len() {
        let mut j = i + 1;
        while j < people.len() && people[j].id == people[i].id {
            j += 1;
        }
        if j - i > 1 {
            dup_groups.push(people[i..j].iter().map(|p| p.line).collect());
        }
        i = j;
    }
    if !dup_groups.is_empty() {
        dup_groups.sort();
        if !keep_rejects {
            let g = &dup_groups[0];
            return Err(Error::input(
                Location::at(&path, g[1], &cols.register_id),
                format!(
                    "the register id on line {} appears already on line {}; each resident must appear once{}",
                    g[1],
                    g[0],
                    more(dup_groups.len() - 1, "duplicate")
                ),
            ));
        }
        let mut bad = std::collections::BTreeSet::new();
        for g in &dup_groups {
            let lines = g.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            for &l in g {
                bad.insert(l);
                rejects.push(Reject {
                    line: l,
                    column: cols.register_id.clone(),
                    reason: format!("duplicate register id (lines {lines})"),
                });
            }
        }
        people.retain(|p| !bad.contains(&p.line));
    }
    rejects.sort_by_key(|r| r.line);
    rejects.dedup_by(|a, b| a.line == b.line && a.reason == b.reason);
    if !keep_rejects && let Some(first) = rejects.first() {
        return Err(Error::input(
            Location::at(&path, first.line, &first.column),
            format!(
                "{}{}",
                first.reason,
                more(rejects.len() - 1, "row with a problem")
            ),
        ));
    }
    if people.is_empty() {
        return Err(Error::input(
            Location::file(&path),
            "no valid resident rows remain".to_string(),
        ));
    }
    crate::base::timing::phase("sort", t);
    let extract_sha256 = list_hash(people.iter().map(|p| &p.hash));
    Ok(Register {
        path,
        blank_rows,
        file_sha256,
        rows: n as u64,
        people,
        rejects,
        extract_sha256,
        strata: strata.values,
        nationalities: nats.values,
        households: households.values.len(),
        text,
    })
}

fn more(n: usize, what: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!(" (and 1 more {what}; use --rejects FILE to set such rows aside)"),
        _ => format!(" (and {n} more {what}s; use --rejects FILE to set such rows aside)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn age_follows_the_bgb_birthday_rule() {
        assert_eq!(age_on(d(2010, 3, 5), d(2026, 3, 4)), Some(15));
        assert_eq!(age_on(d(2010, 3, 5), d(2026, 3, 5)), Some(16));
        // Born 29 February: a year older on 1 March in a common year.
        assert_eq!(age_on(d(2008, 2, 29), d(2024, 2, 28)), Some(15));
        assert_eq!(age_on(d(2008, 2, 29), d(2024, 2, 29)), Some(16));
        assert_eq!(age_on(d(2008, 2, 29), d(2025, 2, 28)), Some(16));
        assert_eq!(age_on(d(2009, 2, 28), d(2025, 2, 28)), Some(16));
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), None);
    }

    #[test]
    fn dates_in_both_forms() {
        assert_eq!(parse_date("1980-04-30"), Some(d(1980, 4, 30)));
        assert_eq!(parse_date("30.04.1980"), Some(d(1980, 4, 30)));
        assert_eq!(parse_date("3.4.1980"), Some(d(1980, 4, 3)));
        assert_eq!(parse_date("31.02.1980"), None);
        assert_eq!(parse_date("1980"), None);
    }

    #[test]
    fn record_hash_is_length_prefixed() {
        // ("ab","c") and ("a","bc") must differ: the length prefixes separate fields.
        let mut a = [""; 14];
        a[0] = "ab";
        a[1] = "c";
        let mut b = [""; 14];
        b[0] = "a";
        b[1] = "bc";
        assert_ne!(record_hash(&a), record_hash(&b));
    }

    #[test]
    fn address_keys_normalise_spelling() {
        assert_eq!(
            address_key("Hauptstr.", "12 a", "44135"),
            address_key("Hauptstraße", "12A", "44135")
        );
        assert_eq!(
            address_key("Haupt Strasse", "1", "44135"),
            "haupt straße|1|44135"
        );
    }
}

//! One row of the extract into one resident (spec §6.2–§6.5): the canonical values
//! of the 19 fields, the record hash, the age by the rule for partial dates, block
//! marks, the stratum key and the household. Rows are handled in parallel chunks;
//! each chunk numbers its distinct values itself, and [`Merge`] maps those numbers
//! to the register's in file order, so the result does not depend on the threads.

use super::dates::{AgeRule, BirthDate};
use super::fields::{self, BlockMarks, Field, N, ValueMap};
use super::{Person, Reject, flags};
use crate::base::process::Process;
use crate::base::text::canonical;
use rustc_hash::FxHashMap as HashMap;
use sha2::Digest;
use std::borrow::Cow;

/// What the per-row work needs from the process file, read once.
pub struct RowRules<'a> {
    pub process: &'a Process,
    pub mapped: [Option<String>; N],
    pub gender: ValueMap,
    pub nationality: ValueMap,
    pub blocks: BlockMarks,
    pub german: Vec<String>,
    pub age: AgeRule<'a>,
    pub age_from_date: bool,
    /// Household keys are needed only by the household rule: explicit column or address.
    pub household: Option<HouseholdFrom>,
    strata: Vec<(String, Option<&'a Vec<String>>)>,
    /// The age band label of every age 0–255 (spec §7.1), made once.
    band_labels: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdFrom {
    Column,
    Address,
}

/// A row that could not be read into a resident: the column (name) and why.
pub struct RowProblem {
    pub column: String,
    pub reason: String,
    /// The file is broken here, not just this row (see [`Reject::broken_file`]).
    pub broken_file: bool,
}

/// The canonical fields of a row (spec §6.2), as the record hash takes them.
pub struct Canonical<'a> {
    pub values: [Cow<'a, str>; N],
    pub age: u32,
    pub partial: bool,
    pub decided: bool,
}

impl<'a> RowRules<'a> {
    pub fn of(process: &'a Process) -> crate::base::error::Result<RowRules<'a>> {
        let cfg = &process.file;
        let mapped = fields::mapped(process);
        let cols = &cfg.register.columns;
        let household = if !cfg.draw.household_rule {
            None
        } else if cols.household.is_some() {
            Some(HouseholdFrom::Column)
        } else if cols.house_number.is_some() {
            Some(HouseholdFrom::Address)
        } else {
            None
        };
        Ok(RowRules {
            process,
            mapped,
            gender: ValueMap::gender(process)?,
            nationality: ValueMap::nationality(process)?,
            blocks: BlockMarks::of(process),
            german: cfg
                .register
                .german_values
                .iter()
                .map(|s| s.to_lowercase())
                .collect(),
            age: AgeRule {
                reference: process.reference_date,
                min_age: cfg.eligibility.min_age,
                max_age: cfg.eligibility.max_age,
                bands: &cfg.draw.age_bands,
            },
            age_from_date: cols.birth_date.is_some(),
            household,
            band_labels: (0..=255)
                .map(|a| crate::base::process::band_label(&cfg.draw.age_bands, a))
                .collect(),
            strata: cfg
                .draw
                .strata
                .iter()
                .map(|s| (s.clone(), cfg.strata.values.get(s)))
                .collect(),
        })
    }

    /// The column name of a field, for messages.
    pub fn column(&self, f: Field) -> String {
        self.mapped[f.index()]
            .clone()
            .unwrap_or_else(|| f.key().to_string())
    }

    fn problem(&self, f: Field, reason: String) -> RowProblem {
        RowProblem {
            column: self.column(f),
            reason,
            broken_file: false,
        }
    }

    /// The canonical values of a row whose raw cells `cell` gives (None: unmapped).
    pub fn canonical<'c>(
        &'c self,
        cell: impl Fn(Field) -> Option<Cow<'c, str>>,
    ) -> Result<Option<Canonical<'c>>, RowProblem> {
        let raw: [Option<Cow<'c, str>>; N] = std::array::from_fn(|i| {
            cell(Field::ALL[i]).map(|c| match c {
                Cow::Borrowed(b) => canonical(b),
                Cow::Owned(o) => Cow::Owned(canonical(&o).into_owned()),
            })
        });
        if raw.iter().flatten().all(|v| v.is_empty()) {
            return Ok(None); // a blank row
        }
        let get = |f: Field| raw[f.index()].clone().unwrap_or(Cow::Borrowed(""));
        let id = get(Field::RegisterId);
        if id.is_empty() {
            return Err(self.problem(Field::RegisterId, "the register id is empty".into()));
        }
        let when = get(Field::BirthDateOrAge);
        let (canon_when, age, partial, decided) = if self.age_from_date {
            let d = BirthDate::parse(&when)
                .map_err(|p| self.problem(Field::BirthDateOrAge, p.sentence()))?;
            let a = self
                .age
                .apply(&d)
                .map_err(|p| self.problem(Field::BirthDateOrAge, p.sentence()))?;
            (d.canonical(), a.age, a.partial, a.decided)
        } else {
            match when.parse::<u32>() {
                Ok(a) if a <= 130 && when.bytes().all(|b| b.is_ascii_digit()) => {
                    (a.to_string(), a, false, false)
                }
                _ => {
                    return Err(self.problem(
                        Field::BirthDateOrAge,
                        "the age is not a whole number of years between 0 and 130".into(),
                    ));
                }
            }
        };
        let gender = match &raw[Field::Gender.index()] {
            None => Cow::Borrowed(""),
            Some(g) => match self.gender.get(g) {
                Some(v) => Cow::Borrowed(v),
                None => {
                    return Err(self.problem(
                        Field::Gender,
                        format!(
                            "the gender value is not in {}, which holds {}; add the value this export writes there",
                            self.gender.name,
                            self.gender.keys_text()
                        ),
                    ));
                }
            },
        };
        let nationality: Cow<'c, str> = match &raw[Field::Nationality.index()] {
            None => Cow::Borrowed(""),
            Some(Cow::Borrowed(b)) => fields::nationality(b, &self.nationality),
            Some(Cow::Owned(o)) => {
                Cow::Owned(fields::nationality(o, &self.nationality).into_owned())
            }
        };
        let block = |f: Field| -> Result<Cow<'c, str>, RowProblem> {
            let Some(v) = &raw[f.index()] else {
                return Ok(Cow::Borrowed("0")); // an unmapped block column blocks nobody
            };
            match self.blocks.read(v) {
                Some(true) => Ok(Cow::Borrowed("1")),
                Some(false) => Ok(Cow::Borrowed("0")),
                None => Err(self.problem(
                    f,
                    format!("the block mark is neither: {}", self.blocks.lists_text()),
                )),
            }
        };
        let b51 = block(Field::Block51)?;
        let b52 = block(Field::Block52)?;
        let mut raw = raw;
        let mut values: [Cow<'c, str>; N] =
            std::array::from_fn(|i| raw[i].take().unwrap_or(Cow::Borrowed("")));
        values[Field::BirthDateOrAge.index()] = Cow::Owned(canon_when);
        values[Field::Gender.index()] = gender;
        values[Field::Nationality.index()] = nationality;
        values[Field::Block51.index()] = b51;
        values[Field::Block52.index()] = b52;
        Ok(Some(Canonical {
            values,
            age,
            partial,
            decided,
        }))
    }

    /// The stratum key of a resident, values joined by U+001F (which no cell holds).
    fn stratum_key(&self, c: &Canonical<'_>, out: &mut String) -> Result<(), RowProblem> {
        out.clear();
        let v = |f: Field| c.values[f.index()].as_ref();
        for (n, (s, listed)) in self.strata.iter().enumerate() {
            let value: Cow<'_, str> = match s.as_str() {
                "stadtbezirk" => Cow::Borrowed(v(Field::Stadtbezirk)),
                "gender" => Cow::Borrowed(v(Field::Gender)),
                "postcode" => Cow::Borrowed(v(Field::Postcode)),
                "citizenship" => {
                    Cow::Borrowed(fields::citizenship(v(Field::Nationality), &self.german))
                }
                _ => Cow::Borrowed(self.band_labels[c.age.min(255) as usize].as_str()),
            };
            let column = || self.process.field_column(s).unwrap_or(s).to_string();
            if value.is_empty() && s != "age_band" {
                return Err(RowProblem {
                    column: column(),
                    reason: format!("the {s} value is empty"),
                    broken_file: false,
                });
            }
            let value = match listed {
                Some(list) => match list.iter().find(|k| **k == value).or_else(|| {
                    let lower = value.to_lowercase();
                    list.iter().find(|k| k.to_lowercase() == lower)
                }) {
                    Some(k) => Cow::Borrowed(k.as_str()),
                    None if s == "age_band" || s == "citizenship" => value,
                    None => {
                        let hint = crate::base::text::did_you_mean(
                            &value,
                            list.iter().map(String::as_str),
                        );
                        return Err(RowProblem {
                            column: column(),
                            reason: format!(
                                "the {s} value is not one of the values listed in strata.values.{s} ({}){hint}",
                                crate::base::text::quoted_list(list.iter().map(String::as_str))
                            ),
                            broken_file: false,
                        });
                    }
                },
                None => value,
            };
            if n > 0 {
                out.push('\u{1f}');
            }
            out.push_str(&value);
        }
        Ok(())
    }

    fn household_of(&self, c: &Canonical<'_>) -> Option<u128> {
        let v = |f: Field| c.values[f.index()].as_ref();
        let key = match self.household? {
            HouseholdFrom::Column => {
                Some(v(Field::Household).to_string()).filter(|h| !h.is_empty())
            }
            HouseholdFrom::Address => {
                let mut key = String::with_capacity(64);
                fields::address_key_into(
                    &mut key,
                    v(Field::Street),
                    v(Field::HouseNumber),
                    v(Field::HouseNumberSuffix),
                    v(Field::HouseNumberPart),
                    v(Field::Postcode),
                )
                .then_some(key)
            }
        }?;
        // The key's identity only: 128 bits of its SHA-256 (no collision in practice).
        let h = sha2::Sha256::digest(key.as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(&h[..16]);
        Some(u128::from_le_bytes(b))
    }
}

/// Spec §6.3: record = for each field its UTF-8 length (u32, little-endian) and
/// bytes; hash = SHA-256(record). `buf` is reused between rows.
pub fn record_hash<S: AsRef<str>>(values: &[S; N], buf: &mut Vec<u8>) -> [u8; 32] {
    buf.clear();
    for v in values {
        let v = v.as_ref().as_bytes();
        buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
        buf.extend_from_slice(v);
    }
    sha2::Sha256::digest(&buf[..]).into()
}

/// Distinct values numbered in order of first appearance (identities only; nothing
/// iterates the map).
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Box<str>, u32>,
    pub values: Vec<Box<str>>,
}

impl Interner {
    pub fn id(&mut self, v: &str) -> u32 {
        if let Some(&i) = self.ids.get(v) {
            return i;
        }
        let i = self.values.len() as u32;
        self.ids.insert(v.into(), i);
        self.values.push(v.into());
        i
    }
}

/// A resident as a chunk records it (numbers local to the chunk).
struct Row {
    person: Person,
    household: Option<u128>,
}

/// What one chunk of rows gives.
#[derive(Default)]
pub struct ChunkOut {
    rows: Vec<Row>,
    ids: Vec<u8>,
    nationalities: Interner,
    strata: Interner,
    genders: Interner,
    districts: Interner,
    /// Rows set aside (with their line within the chunk, 0-based), or the first
    /// row that stops the run.
    pub rejects: Vec<(u64, Reject)>,
    pub blank_rows: u64,
    pub rows_read: u64,
    buf: Vec<u8>,
    key: String,
}

impl ChunkOut {
    /// Adds the row at `line` (within the chunk) found at `offset`.
    pub fn add<'c>(
        &mut self,
        rules: &'c RowRules<'_>,
        line: u64,
        offset: u64,
        cell: impl Fn(Field) -> Option<Cow<'c, str>>,
    ) {
        self.rows_read += 1;
        let c = match rules.canonical(cell) {
            Ok(Some(c)) => c,
            Ok(None) => {
                self.blank_rows += 1;
                return;
            }
            Err(p) => return self.reject(line, p),
        };
        if let Err(p) = rules.stratum_key(&c, &mut self.key) {
            return self.reject(line, p);
        }
        let hash = record_hash(&c.values, &mut self.buf);
        let id = c.values[Field::RegisterId.index()].as_bytes();
        let id_start = self.ids.len() as u32;
        self.ids.extend_from_slice(id);
        let mut fl = 0u8;
        if c.values[Field::Block51.index()] == "1" {
            fl |= flags::BLOCK_51;
        }
        if c.values[Field::Block52.index()] == "1" {
            fl |= flags::BLOCK_52;
        }
        if c.partial {
            fl |= flags::PARTIAL_DATE;
        }
        if c.decided {
            fl |= flags::DECIDED;
        }
        let stratum = self.strata.id(&self.key);
        let person = Person {
            hash,
            offset,
            id_start,
            id_len: id.len() as u16,
            age: c.age.min(255) as u8,
            flags: fl,
            nationality: self.nationalities.id(&c.values[Field::Nationality.index()]),
            stratum,
            household: u32::MAX,
            gender: self.genders.id(&c.values[Field::Gender.index()]) as u16,
            district: self.districts.id(&c.values[Field::Stadtbezirk.index()]) as u16,
        };
        let household = rules.household_of(&c);
        self.rows.push(Row { person, household });
    }

    pub fn reject(&mut self, line: u64, p: RowProblem) {
        self.rejects.push((
            line,
            Reject {
                line: 0,
                column: p.column,
                reason: p.reason,
                broken_file: p.broken_file,
            },
        ));
    }
}

/// The register's tables, filled chunk by chunk in file order.
pub struct Merge {
    pub people: Vec<Person>,
    pub ids: Vec<u8>,
    pub nationalities: Interner,
    pub strata: Interner,
    pub genders: Interner,
    pub districts: Interner,
    households: HashMap<u128, u32>,
    /// Every row set aside when rows are kept aside; else the first problem only
    /// (the run stops on it), the others counted in `more_problems`.
    pub rejects: Vec<Reject>,
    pub keep_rejects: bool,
    pub more_problems: u64,
    pub blank_rows: u64,
    pub rows: u64,
}

impl Merge {
    pub fn new(keep_rejects: bool) -> Merge {
        Merge {
            people: Vec::new(),
            ids: Vec::new(),
            nationalities: Interner::default(),
            strata: Interner::default(),
            genders: Interner::default(),
            districts: Interner::default(),
            households: HashMap::default(),
            rejects: Vec::new(),
            keep_rejects,
            more_problems: 0,
            blank_rows: 0,
            rows: 0,
        }
    }

    /// Appends a chunk whose first line is line `first_line` of the file.
    pub fn push(&mut self, c: ChunkOut, first_line: u64) -> crate::base::error::Result<()> {
        let map = |local: &Interner, global: &mut Interner| -> Vec<u32> {
            local.values.iter().map(|v| global.id(v)).collect()
        };
        let nat = map(&c.nationalities, &mut self.nationalities);
        let st = map(&c.strata, &mut self.strata);
        let ge = map(&c.genders, &mut self.genders);
        let di = map(&c.districts, &mut self.districts);
        if self.genders.values.len() > usize::from(u16::MAX)
            || self.districts.values.len() > usize::from(u16::MAX)
        {
            return Err(crate::base::error::Error::refused(
                "the extract has more than 65,535 different gender or Stadtbezirk values; is the column mapping right?",
            ));
        }
        let base = self.ids.len();
        if base + c.ids.len() > u32::MAX as usize {
            return Err(crate::base::error::Error::refused(
                "the register ids of this extract take more than 4 GiB",
            ));
        }
        self.ids.extend_from_slice(&c.ids);
        self.people.reserve(c.rows.len());
        for r in c.rows {
            let mut p = r.person;
            p.id_start += base as u32;
            p.nationality = nat[p.nationality as usize];
            p.stratum = st[p.stratum as usize];
            p.gender = ge[p.gender as usize] as u16;
            p.district = di[p.district as usize] as u16;
            if let Some(h) = r.household {
                let n = self.households.len() as u32;
                p.household = *self.households.entry(h).or_insert(n);
            }
            self.people.push(p);
        }
        for (line, mut rj) in c.rejects {
            rj.line = first_line + line;
            // A broken file is kept first: it stops the run even when rows are kept aside.
            if self.keep_rejects || self.rejects.is_empty() {
                self.rejects.push(rj);
            } else if rj.broken_file && !self.rejects[0].broken_file {
                self.rejects[0] = rj;
                self.more_problems += 1;
            } else {
                self.more_problems += 1;
            }
        }
        self.blank_rows += c.blank_rows;
        self.rows += c.rows_read;
        Ok(())
    }

    pub fn households(&self) -> usize {
        self.households.len()
    }
}

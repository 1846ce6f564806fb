//! Reading the register extract (Einwohnermelderegister) and putting it into
//! canonical form (spec §6).
//!
//! The extract is personal data: nothing here prints a value; errors name the
//! file, line and column and say what is wrong, and quote a value only where the
//! clerk needs it to find the cell (a date or age that does not parse, a code that
//! no map holds). A CSV extract is read in one streaming pass (`csv`): memory holds
//! each resident in a compact [`Person`] — hash, age, marks, stratum, household and
//! where the row is — never the names and addresses, which are read again for the
//! few who are drawn ([`Register::record`]).

pub mod csv;
pub mod dates;
pub mod fields;
mod parquet;
pub mod rows;

pub use fields::{Field, citizenship, nationality_in};

use crate::base::error::{Error, Location, Result};
use crate::base::fsio::Sha256;
use crate::base::process::Process;
pub use rows::RowRules;
use rows::{ChunkOut, Merge};
use sha2::Digest;
use std::borrow::Cow;
use std::path::PathBuf;

/// Marks of a [`Person`].
pub mod flags {
    pub const BLOCK_51: u8 = 1;
    pub const BLOCK_52: u8 = 2;
    /// The birth date was partial (spec §6.5).
    pub const PARTIAL_DATE: u8 = 4;
    /// The rule for partial dates decided eligibility or the age band.
    pub const DECIDED: u8 = 8;
}

/// One resident, in the 64 bytes the draw needs (an 18-million-row extract fits
/// in memory): the register id lives in [`Register::ids`], names and addresses in
/// the file.
#[derive(Debug, Clone)]
pub struct Person {
    /// SHA-256 of the canonical record (spec §6.3).
    pub hash: [u8; 32],
    /// Where the row starts: the byte offset of its line (CSV) or its row (Parquet).
    pub offset: u64,
    id_start: u32,
    id_len: u16,
    age: u8,
    flags: u8,
    /// Index into [`Register::nationalities`].
    pub nationality: u32,
    /// Index into [`Register::strata`]: the person's stratum key.
    pub stratum: u32,
    household: u32,
    gender: u16,
    district: u16,
}

impl Person {
    pub fn age(&self) -> u32 {
        u32::from(self.age)
    }
    pub fn block_51(&self) -> bool {
        self.flags & flags::BLOCK_51 != 0
    }
    pub fn block_52(&self) -> bool {
        self.flags & flags::BLOCK_52 != 0
    }
    pub fn partial_date(&self) -> bool {
        self.flags & flags::PARTIAL_DATE != 0
    }
    pub fn decided(&self) -> bool {
        self.flags & flags::DECIDED != 0
    }
    /// The household (an identity only), if the household rule needs one.
    pub fn household(&self) -> Option<u32> {
        (self.household != u32::MAX).then_some(self.household)
    }
}

/// A row that was set aside (with `commit --rejects`).
#[derive(Debug, Clone)]
pub struct Reject {
    pub line: u64,
    pub column: String,
    pub reason: String,
    /// The file itself is broken here (an unterminated quote, a wrong encoding):
    /// never a row to set aside.
    pub broken_file: bool,
}

/// Where the names and addresses of the drawn are read from.
enum Source {
    Csv(Box<csv::CsvFile>),
    Parquet(parquet::Columns),
}

pub struct Register {
    pub path: PathBuf,
    /// Rows with every mapped cell empty (ignored, but counted).
    pub blank_rows: u64,
    /// SHA-256 of the file's bytes as read.
    pub file_sha256: Sha256,
    /// Data rows in the file.
    pub rows: u64,
    /// Valid persons, sorted by register id bytes (the canonical order, spec §6.4).
    pub people: Vec<Person>,
    /// The register ids, one after the other (see [`Register::id`]).
    ids: Vec<u8>,
    pub rejects: Vec<Reject>,
    /// SHA-256 over the record hashes of all valid persons in canonical order.
    pub extract_sha256: Sha256,
    /// Stratum keys (one value per stratum column), indexed by `Person::stratum`.
    pub strata: Vec<Vec<String>>,
    pub nationalities: Vec<String>,
    pub genders: Vec<String>,
    pub districts: Vec<String>,
    pub households: usize,
    /// Residents with a partial birth date, and those for whom the rule decided.
    pub partial_dates: u64,
    pub partial_decided: u64,
    source: Source,
}

impl Register {
    /// The register id of a person.
    pub fn id(&self, p: &Person) -> &str {
        let b = &self.ids[p.id_start as usize..p.id_start as usize + p.id_len as usize];
        std::str::from_utf8(b).unwrap_or_default()
    }

    /// The canonical gender and Stadtbezirk of a person.
    pub fn gender(&self, p: &Person) -> &str {
        &self.genders[p.gender as usize]
    }
    pub fn district(&self, p: &Person) -> &str {
        &self.districts[p.district as usize]
    }

    /// The canonical fields of a person's record (spec §6.2), read again from the
    /// file and checked against the record hash: names and addresses are not kept
    /// in memory.
    pub fn record(&self, rules: &RowRules<'_>, p: &Person) -> Result<[String; fields::N]> {
        let changed = || {
            Error::changed(
                Location::file(&self.path),
                "the register extract changed while sortes read it; run the step again",
            )
        };
        let values: [String; fields::N] = match &self.source {
            Source::Csv(f) => {
                let line = f.line_at(p.offset)?;
                let mut split = csv::Split::default();
                split.split(&line, f.delimiter).map_err(|_| changed())?;
                let c = rules
                    .canonical(|fld| f.columns[fld.index()].map(|i| split.field(&line, i)))
                    .map_err(|_| changed())?
                    .ok_or_else(changed)?;
                c.values.map(Cow::into_owned)
            }
            Source::Parquet(cols) => {
                let row = p.offset as usize;
                let c = rules
                    .canonical(|fld| cols.cell(fld, row))
                    .map_err(|_| changed())?
                    .ok_or_else(changed)?;
                c.values.map(Cow::into_owned)
            }
        };
        if rows::record_hash(&values, &mut Vec::new()) != p.hash {
            return Err(changed());
        }
        Ok(values)
    }
}

/// Spec §6.4: SHA-256 over the concatenated record hashes, in canonical order.
pub fn list_hash<'a>(hashes: impl Iterator<Item = &'a [u8; 32]>) -> Sha256 {
    let mut h = sha2::Sha256::new();
    for x in hashes {
        h.update(x);
    }
    Sha256::from_digest(h.finalize().into())
}

/// Reads and canonicalises the extract named by the process file.
/// With `keep_rejects`, invalid rows are set aside instead of stopping the run.
pub fn load(process: &Process, keep_rejects: bool) -> Result<Register> {
    let path = process.register_path();
    if !path.exists() {
        return Err(Error::input(
            Location::file(&path),
            "the register extract was not found (check register.path in the process file)",
        ));
    }
    let format = match &process.file.register.format {
        Some(f) => f.to_ascii_lowercase(),
        None => match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("parquet") => "parquet".into(),
            _ => "csv".into(),
        },
    };
    let rules = RowRules::of(process)?;
    let t = std::time::Instant::now();
    let (merge, file_sha256, source) = match format.as_str() {
        "csv" => read_csv(process, &path, &rules, keep_rejects)?,
        "parquet" => {
            let (merge, sha, cols) = parquet::read(&path, &rules, keep_rejects)?;
            (merge, sha, Source::Parquet(cols))
        }
        other => {
            return Err(Error::input(
                Location::file(&process.path),
                format!("register.format {other:?} is not csv or parquet"),
            ));
        }
    };
    crate::base::timing::phase("read", t);
    finish(path, merge, file_sha256, source, keep_rejects)
}

fn read_csv(
    process: &Process,
    path: &std::path::Path,
    rules: &RowRules<'_>,
    keep_rejects: bool,
) -> Result<(Merge, Sha256, Source)> {
    use rayon::prelude::*;
    let delimiter = process.delimiter().ok_or_else(|| {
        Error::input(
            Location::file(&process.path),
            format!(
                "register.delimiter {:?} is not one of \";\", \",\", \"tab\" or \"auto\"",
                process.file.register.delimiter
            ),
        )
    })?;
    let file = csv::CsvFile::open(path, process.is_windows_1252(), delimiter, &rules.mapped)?;
    let mut merge = Merge::new(keep_rejects);
    // Data lines start at line 2.
    let mut next_line = 2u64;
    let width = file.header.len();
    let mut merge_in = |merge: &mut Merge, outs: Vec<(ChunkOut, u64)>| -> Result<()> {
        for (out, lines) in outs {
            let first = next_line;
            next_line += lines;
            merge.push(out, first)?;
        }
        Ok(())
    };
    // Each batch of chunks is worked on while the previous batch is merged (the
    // merge is sequential: it numbers values and households in file order).
    let mut pending: Vec<(ChunkOut, u64)> = Vec::new();
    let sha = file.stream(|chunks| {
        let (outs, merged) = rayon::join(
            || {
                chunks
                    .par_iter()
                    .map(|chunk| (read_chunk(chunk, &file, width, rules), chunk.line_count()))
                    .collect::<Vec<_>>()
            },
            || merge_in(&mut merge, std::mem::take(&mut pending)),
        );
        merged?;
        pending = outs;
        Ok(())
    })?;
    merge_in(&mut merge, pending)?;
    if merge.rows == 0 {
        return Err(Error::input(
            Location::file(path),
            "the file has a header but no data rows",
        ));
    }
    refuse_problems(path, &merge)?;
    Ok((merge, sha, Source::Csv(Box::new(file))))
}

/// The rows of one chunk.
fn read_chunk(
    chunk: &csv::Chunk,
    file: &csv::CsvFile,
    width: usize,
    rules: &RowRules<'_>,
) -> ChunkOut {
    let mut out = ChunkOut::default();
    let mut split = csv::Split::default();
    let mut buf = String::new();
    for (i, offset, raw) in chunk.lines() {
        match read_line(raw, file, width, &mut split, &mut buf) {
            Ok(Some(line)) => out.add(rules, i, offset, |f| {
                file.columns[f.index()].map(|c| split.field(line, c))
            }),
            Ok(None) => {
                out.rows_read += 1;
                out.blank_rows += 1;
            }
            Err(p) => {
                out.rows_read += 1;
                let (column, reason) = p.describe(&file.header, file.windows_1252);
                out.reject(
                    i,
                    rows::RowProblem {
                        column,
                        reason,
                        broken_file: !p.row_only(),
                    },
                );
            }
        }
    }
    out
}

/// One line decoded, split and checked (spec §6.1); None: an empty line.
fn read_line<'a>(
    raw: &'a [u8],
    file: &csv::CsvFile,
    width: usize,
    split: &mut csv::Split,
    buf: &'a mut String,
) -> std::result::Result<Option<&'a str>, csv::LineProblem> {
    let line = csv::decode_into(raw, file.windows_1252, buf)?;
    if line.is_empty() {
        return Ok(None);
    }
    split.split(line, file.delimiter)?;
    if split.len() != width {
        return Err(csv::LineProblem::Width { found: split.len() });
    }
    split.check_cells(line)?;
    Ok(Some(line))
}

/// The first problem, unless rows are set aside and none is a broken file; the
/// message counts the others.
fn refuse_problems(path: &std::path::Path, m: &Merge) -> Result<()> {
    if let Some(r) = m.rejects.iter().find(|r| !m.keep_rejects || r.broken_file) {
        let others = m.rejects.len() as u64 - 1 + m.more_problems;
        return Err(Error::input(
            Location::at(path, r.line, r.column.clone()),
            format!("{}{}", r.reason, more_text(others as usize)),
        ));
    }
    Ok(())
}

/// Sorts the residents into canonical order, refuses (or sets aside) duplicate ids
/// and computes the extract hash.
fn finish(
    path: PathBuf,
    mut m: Merge,
    file_sha256: Sha256,
    source: Source,
    keep_rejects: bool,
) -> Result<Register> {
    let t = std::time::Instant::now();
    let ids = std::mem::take(&mut m.ids);
    let id_of = |p: &Person| &ids[p.id_start as usize..p.id_start as usize + p.id_len as usize];
    let keys = canonical_order(&m.people, &ids);
    crate::base::timing::phase("sort: order", t);
    // Duplicates are neighbours with the same key; only then are ids compared.
    let mut dup_groups: Vec<Vec<u64>> = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let first = &m.people[keys[i].1 as usize];
        let mut j = i + 1;
        while j < keys.len()
            && keys[j].0 == keys[i].0
            && id_of(&m.people[keys[j].1 as usize]) == id_of(first)
        {
            j += 1;
        }
        if j - i > 1 {
            dup_groups.push(
                keys[i..j]
                    .iter()
                    .map(|&(_, k)| m.people[k as usize].offset)
                    .collect(),
            );
        }
        i = j;
    }
    // Residents into canonical order, in place: every later pass (eligibility,
    // strata, hashes) then reads them in sequence.
    let mut keys = keys;
    permute(&mut m.people, &mut keys);
    crate::base::timing::phase("sort: permute", t);
    if !dup_groups.is_empty() {
        let lines = |offsets: &[u64]| line_numbers(&path, &source, offsets);
        let column = match &source {
            Source::Csv(f) => f.columns[Field::RegisterId.index()]
                .map(|c| f.header[c].clone())
                .unwrap_or_default(),
            Source::Parquet(c) => c.id_column.clone(),
        };
        if !keep_rejects {
            dup_groups.sort();
            let g = lines(&dup_groups[0])?;
            return Err(Error::input(
                Location::at(&path, g[1], column),
                format!(
                    "the register id on line {} appears already on line {}; each resident must appear once{}",
                    g[1],
                    g[0],
                    more_text(dup_groups.len() - 1)
                ),
            ));
        }
        let mut bad = std::collections::BTreeSet::new();
        for g in &dup_groups {
            let ls = lines(g)?;
            let text = ls.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            for (&o, &l) in g.iter().zip(&ls) {
                bad.insert(o);
                m.rejects.push(Reject {
                    line: l,
                    column: column.clone(),
                    reason: format!("duplicate register id (lines {text})"),
                    broken_file: false,
                });
            }
        }
        m.people.retain(|p| !bad.contains(&p.offset));
    }
    m.rejects.sort_by_key(|r| r.line);
    if m.people.is_empty() {
        return Err(Error::input(
            Location::file(&path),
            "no valid resident rows remain".to_string(),
        ));
    }
    crate::base::timing::phase("sort", t);
    let extract_sha256 = list_hash(m.people.iter().map(|p| &p.hash));
    let text = |v: Vec<Box<str>>| v.into_iter().map(String::from).collect::<Vec<_>>();
    Ok(Register {
        path,
        blank_rows: m.blank_rows,
        file_sha256,
        rows: m.rows,
        partial_dates: m.people.iter().filter(|p| p.partial_date()).count() as u64,
        partial_decided: m.people.iter().filter(|p| p.decided()).count() as u64,
        households: m.households(),
        extract_sha256,
        strata: m
            .strata
            .values
            .iter()
            .map(|k| k.split('\u{1f}').map(String::from).collect())
            .collect(),
        nationalities: text(std::mem::take(&mut m.nationalities.values)),
        genders: text(std::mem::take(&mut m.genders.values)),
        districts: text(std::mem::take(&mut m.districts.values)),
        people: m.people,
        ids,
        rejects: m.rejects,
        source,
    })
}

/// The canonical order (spec §6.4): positions in `people` sorted by register id
/// bytes, then by file position (so that duplicates group stably). Sorted by keys:
/// the first eight id bytes as a number (ids hold no NUL, so zero padding keeps the
/// byte order) decide most comparisons without touching the ids.
fn canonical_order(people: &[Person], ids: &[u8]) -> Vec<(u64, u32)> {
    use rayon::prelude::*;
    let id_of = |p: &Person| &ids[p.id_start as usize..p.id_start as usize + p.id_len as usize];
    let head = |p: &Person| {
        let b = id_of(p);
        match b.get(..8) {
            Some(h) => u64::from_be_bytes(h.try_into().unwrap_or_default()),
            None => b.iter().fold(0u64, |k, &x| (k << 8) | u64::from(x)) << (8 * (8 - b.len())),
        }
    };
    let mut keys: Vec<(u64, u32)> = people
        .par_iter()
        .enumerate()
        .map(|(i, p)| (head(p), i as u32))
        .collect();
    keys.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let (x, y) = (&people[a.1 as usize], &people[b.1 as usize]);
            id_of(x).cmp(id_of(y)).then(x.offset.cmp(&y.offset))
        })
    });
    keys
}

/// Puts `v[order[i].1]` at position i, in place (following each cycle once); marks
/// `order` as it goes.
fn permute(v: &mut [Person], order: &mut [(u64, u32)]) {
    const DONE: u32 = u32::MAX;
    for i in 0..v.len() {
        if order[i].1 == DONE {
            continue;
        }
        let first = v[i].clone();
        let mut j = i;
        loop {
            let k = order[j].1 as usize;
            order[j].1 = DONE;
            if k == i {
                v[j] = first;
                break;
            }
            v[j] = v[k].clone();
            j = k;
        }
    }
}

/// Line numbers of rows given by their offsets (only for messages: counted anew).
fn line_numbers(path: &std::path::Path, source: &Source, offsets: &[u64]) -> Result<Vec<u64>> {
    match source {
        Source::Parquet(_) => Ok(offsets.iter().map(|o| o + 1).collect()),
        Source::Csv(_) => {
            use std::io::Read;
            // Line ends before each offset, counted in one pass over the file.
            let mut order: Vec<(u64, usize)> = offsets.iter().copied().zip(0..).collect();
            order.sort_unstable();
            let mut out = vec![0u64; offsets.len()];
            let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let mut buf = vec![0u8; 1 << 20];
            let (mut pos, mut lines, mut next) = (0u64, 1u64, 0usize);
            while next < order.len() {
                let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
                for &b in &buf[..n] {
                    while next < order.len() && order[next].0 == pos {
                        out[order[next].1] = lines;
                        next += 1;
                    }
                    lines += u64::from(b == b'\n');
                    pos += 1;
                }
                if n == 0 {
                    for &(_, i) in &order[next..] {
                        out[i] = lines;
                    }
                    break;
                }
            }
            Ok(out)
        }
    }
}

fn more_text(n: usize) -> String {
    let hint = "`sortes check --keep-going` lists them all; `sortes commit --rejects FILE` sets such rows aside, out of the draw";
    match n {
        0 => String::new(),
        1 => format!(" (and 1 more row with a problem; {hint})"),
        _ => format!(" (and {n} more rows with problems; {hint})"),
    }
}

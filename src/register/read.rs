//! Reading the extract file (CSV or Parquet) with polars, after decoding and
//! checking the bytes ourselves so that errors can name line and column.

use crate::error::{Error, Location, Result};
use crate::process::Process;
use polars::prelude::*;
use std::io::Cursor;
use std::path::Path;

/// The mapped columns of the extract, all as text, in [`super::FIELDS`] order.
pub struct RawTable {
    pub rows: usize,
    pub fields: Vec<Option<StringChunked>>,
    pub file_sha256: String,
    /// Line numbers: CSV data row r is on line r + 2 (line 1 is the header).
    pub first_line: u64,
}

impl RawTable {
    pub fn line_of(&self, row: u32) -> u64 {
        row as u64 + self.first_line
    }
}

/// Column names of the process file, in [`super::FIELDS`] order.
fn mapped(process: &Process) -> Vec<Option<String>> {
    let c = &process.file.register.columns;
    vec![
        Some(c.register_id.clone()),
        c.family_name.clone(),
        c.given_names.clone(),
        c.street.clone(),
        c.house_number.clone(),
        c.postcode.clone(),
        c.city.clone(),
        c.birth_date.clone().or_else(|| c.age.clone()),
        c.gender.clone(),
        c.nationality.clone(),
        c.stadtbezirk.clone(),
        c.block_51.clone(),
        c.block_52.clone(),
        c.household.clone(),
    ]
}

pub fn read_table(process: &Process, path: &Path) -> Result<RawTable> {
    let format = match &process.file.register.format {
        Some(f) => f.to_ascii_lowercase(),
        None => match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("parquet") => "parquet".into(),
            _ => "csv".into(),
        },
    };
    let bytes = crate::fsio::read_input(
        path,
        "the register extract was not found (check register.path in the process file)",
    )?;
    if bytes.is_empty() {
        return Err(Error::input(
            Location::file(path),
            "the register extract is empty (0 bytes)",
        ));
    }
    let wanted = mapped(process);
    // The file's hash is computed on a second thread while the table is parsed.
    let (file_sha256, table) = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| crate::fsio::sha256_hex(&bytes));
        let table = match format.as_str() {
            "csv" => read_csv(process, path, &bytes, &wanted),
            "parquet" => read_parquet(path, &bytes, &wanted),
            other => Err(Error::input(
                Location::file(&process.path),
                format!("register.format {other:?} is not csv or parquet"),
            )),
        };
        (hasher.join(), table)
    });
    let mut table = table?;
    table.file_sha256 =
        file_sha256.map_err(|_| Error::refused("hashing the register file failed"))?;
    Ok(table)
}

/// Decodes the bytes to UTF-8 text: Windows-1252 by table, UTF-8 checked (with BOM removed).
pub fn decode(path: &Path, bytes: &[u8], windows_1252: bool) -> Result<String> {
    if windows_1252 {
        if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return Err(Error::input(
                Location::line(path, 1),
                "the file starts with a UTF-8 byte order mark, but register.encoding says windows-1252; set register.encoding = \"utf-8\"",
            ));
        }
        // Five byte values have no character in Windows-1252; they mean the file is
        // in another encoding, so they are refused rather than passed through.
        if let Some(pos) = bytes
            .iter()
            .position(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
        {
            let (line, col) = line_col(bytes, pos);
            return Err(Error::input(
                Location::at(path, line, format!("{col} (byte)")),
                format!(
                    "byte 0x{:02X} is not a Windows-1252 character; is the file in another encoding?",
                    bytes[pos]
                ),
            ));
        }
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
        return Ok(text.into_owned());
    }
    let start = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    match std::str::from_utf8(&bytes[start..]) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let pos = start + e.valid_up_to();
            let (line, col) = line_col(bytes, pos);
            Err(Error::input(
                Location::at(path, line, format!("{col} (byte)")),
                format!(
                    "byte 0x{:02X} is not valid UTF-8; if the office exported Windows-1252 (ANSI), set register.encoding = \"windows-1252\"",
                    bytes[pos]
                ),
            ))
        }
    }
}

fn line_col(bytes: &[u8], pos: usize) -> (u64, usize) {
    let before = &bytes[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let col = pos
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

fn parse_header(line: &str, delim: u8) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .from_reader(line.as_bytes());
    match r.records().next() {
        Some(Ok(rec)) => rec.iter().map(|s| s.trim().to_string()).collect(),
        _ => vec![],
    }
}

fn delim_name(d: u8) -> &'static str {
    match d {
        b';' => "';'",
        b',' => "','",
        _ => "tab",
    }
}

fn read_csv(
    process: &Process,
    path: &Path,
    bytes: &[u8],
    wanted: &[Option<String>],
) -> Result<RawTable> {
    let t = std::time::Instant::now();
    let text = decode(path, bytes, process.is_windows_1252())?;
    crate::timing::phase("read: decode", t);
    let header_line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if header_line.trim().is_empty() {
        return Err(Error::input(
            Location::line(path, 1),
            "the first line is empty; it must be the header with the column names",
        ));
    }
    let candidates = [b';', b',', b'\t'];
    let counts: Vec<(u8, usize)> = candidates
        .iter()
        .map(|&d| (d, parse_header(header_line, d).len()))
        .collect();
    let delim = match process.delimiter() {
        Some(Some(d)) => {
            let n = counts.iter().find(|c| c.0 == d).map_or(0, |c| c.1);
            if let Some(better) = counts.iter().filter(|c| c.1 > n).max_by_key(|c| c.1)
                && n == 1
            {
                return Err(Error::input(
                    Location::line(path, 1),
                    format!(
                        "the header has one column with delimiter {}, but {} with {}: the file seems to use {} (set register.delimiter)",
                        delim_name(d),
                        better.1,
                        delim_name(better.0),
                        delim_name(better.0)
                    ),
                ));
            }
            d
        }
        _ => {
            // Detection: the candidate that splits the header into the most columns
            // (ties: ';' before ',' before tab, the order German exports use most).
            let mut best = counts[0];
            for &c in &counts[1..] {
                if c.1 > best.1 {
                    best = c;
                }
            }
            best.0
        }
    };
    let header = parse_header(header_line, delim);
    check_columns(path, &header, wanted)?;
    let mut seen = std::collections::BTreeSet::new();
    for h in &header {
        if !seen.insert(h) {
            return Err(Error::input(
                Location::at(path, 1, h.clone()),
                format!("the header names the column {h:?} twice"),
            ));
        }
    }
    let data_lines = text
        .lines()
        .skip(1)
        .any(|l| !l.trim_end_matches('\r').is_empty());
    if !data_lines {
        return Err(Error::input(
            Location::file(path),
            "the file has a header but no data rows",
        ));
    }
    let t = std::time::Instant::now();
    let needed: Vec<PlSmallStr> = dedup(wanted).into_iter().map(PlSmallStr::from).collect();
    let schema: Schema = header
        .iter()
        .map(|h| Field::new(PlSmallStr::from(h.as_str()), DataType::String))
        .collect();
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .with_columns(Some(needed.into()))
        .with_parse_options(
            CsvParseOptions::default()
                .with_separator(delim)
                .with_missing_is_null(true)
                .with_truncate_ragged_lines(false),
        )
        .into_reader_with_file_handle(Cursor::new(text.into_bytes()))
        .finish()
        .map_err(|e| {
            Error::input(
                Location::file(path),
                format!(
                    "the file could not be read as CSV with delimiter {}: {}",
                    delim_name(delim),
                    first_line(&e.to_string())
                ),
            )
        })?;
    crate::timing::phase("read: polars", t);
    let t = std::time::Instant::now();
    let fields = columns_of(path, &df, wanted)?;
    crate::timing::phase("read: columns", t);
    Ok(RawTable {
        rows: df.height(),
        fields,
        file_sha256: String::new(),
        first_line: 2,
    })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn dedup(wanted: &[Option<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in wanted.iter().flatten() {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out
}

fn check_columns(path: &Path, header: &[String], wanted: &[Option<String>]) -> Result<()> {
    let missing: Vec<&String> = wanted
        .iter()
        .flatten()
        .filter(|w| !header.contains(w))
        .collect();
    if let Some(first) = missing.first() {
        return Err(Error::input(
            Location::line(path, 1),
            format!(
                "the column {first:?} named in register.columns is not in the file{}; the file has the columns: {}",
                if missing.len() > 1 {
                    format!(
                        " (nor {})",
                        missing[1..]
                            .iter()
                            .map(|m| format!("{m:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    String::new()
                },
                header
                    .iter()
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(())
}

fn columns_of(
    path: &Path,
    df: &DataFrame,
    wanted: &[Option<String>],
) -> Result<Vec<Option<StringChunked>>> {
    wanted
        .iter()
        .map(|w| {
            let Some(name) = w else { return Ok(None) };
            let col = df.column(name).map_err(|_| {
                Error::input(
                    Location::file(path),
                    format!("the column {name:?} is missing"),
                )
            })?;
            let s = col
                .as_materialized_series()
                .cast(&DataType::String)
                .map_err(|e| {
                    Error::input(
                        Location::at(path, 1, name.clone()),
                        format!(
                            "the column cannot be read as text: {}",
                            first_line(&e.to_string())
                        ),
                    )
                })?;
            // One chunk, so that fetching row r needs no search for its chunk.
            let ca = s
                .str()
                .map_err(|e| Error::input(Location::file(path), e.to_string()))?
                .rechunk()
                .into_owned();
            Ok(Some(ca))
        })
        .collect()
}

fn read_parquet(path: &Path, bytes: &[u8], wanted: &[Option<String>]) -> Result<RawTable> {
    let bad = |e: PolarsError| {
        Error::input(
            Location::file(path),
            format!(
                "the file could not be read as Parquet: {}",
                first_line(&e.to_string())
            ),
        )
    };
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let schema = reader.schema().map_err(bad)?;
    let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    check_columns(path, &header, wanted)?;
    let df = reader
        .with_columns(Some(dedup(wanted)))
        .finish()
        .map_err(bad)?;
    if df.height() == 0 {
        return Err(Error::input(
            Location::file(path),
            "the Parquet file has columns but no rows",
        ));
    }
    let fields = columns_of(path, &df, wanted)?;
    Ok(RawTable {
        rows: df.height(),
        fields,
        file_sha256: String::new(),
        first_line: 1,
    })
}

/// Writes a DataFrame as Parquet (used by the synthetic register generator).
pub fn write_parquet(df: &mut DataFrame) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .finish(df)
        .map_err(|e| Error::refused(format!("writing Parquet failed: {e}")))?;
    Ok(buf)
}

/// Writes the synthetic register as `;`-separated Windows-1252 CSV and as Parquet
/// into `dir`. Both hold the same canonical records (the extract hashes agree).
pub fn write_synthetic(
    dir: &Path,
    cfg: &super::synth::SynthConfig,
    force: bool,
) -> Result<(std::path::PathBuf, std::path::PathBuf, usize)> {
    use super::synth;
    use crate::fsio::{Privacy, write_atomic};
    let csv_path = dir.join("register.csv");
    let pq_path = dir.join("register.parquet");
    crate::fsio::check_new(&csv_path, force)?;
    crate::fsio::check_new(&pq_path, force)?;
    let people = synth::generate(cfg);
    let bytes = synth::to_csv_windows1252(&people, b';').map_err(Error::refused)?;
    let columns: Vec<Column> = synth::HEADER
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let values: Vec<String> = people
                .iter()
                .map(|p| match i {
                    0 => p.register_id.clone(),
                    1 => p.family_name.clone(),
                    2 => p.given_names.clone(),
                    3 => p.street.clone(),
                    4 => p.house_number.clone(),
                    5 => p.postcode.clone(),
                    6 => p.city.clone(),
                    7 => p.birth_date.format("%d.%m.%Y").to_string(),
                    8 => p.gender.to_string(),
                    9 => p.nationality.clone(),
                    10 => p.stadtbezirk.to_string(),
                    11 => if p.block_51 { "ja" } else { "" }.to_string(),
                    _ => if p.block_52 { "ja" } else { "" }.to_string(),
                })
                .collect();
            Column::new(PlSmallStr::from(*name), values)
        })
        .collect();
    let mut df = DataFrame::new(people.len(), columns)
        .map_err(|e| Error::refused(format!("building the Parquet table failed: {e}")))?;
    let pq = write_parquet(&mut df)?;
    write_atomic(&csv_path, &bytes, Privacy::Personal, force)?;
    write_atomic(&pq_path, &pq, Privacy::Personal, force)?;
    Ok((csv_path, pq_path, people.len()))
}

//! Reading the extract file (CSV or Parquet) with polars, after decoding and
//! checking the bytes ourselves so that errors can name line and column.

use crate::base::error::{Error, Location, Result};
use crate::base::fsio::Sha256;
use crate::base::process::Process;
use crate::base::table::{self, Encoding};
use polars::prelude::*;
use std::io::Cursor;
use std::path::Path;

/// The mapped columns of the extract, all as text, in [`super::FIELDS`] order.
pub struct RawTable {
    pub rows: usize,
    pub fields: Vec<Option<StringChunked>>,
    pub file_sha256: Sha256,
    /// Line numbers: CSV data row r is on line r + 2 (line 1 is the header).
    pub first_line: u64,
}

impl RawTable {
    pub fn line_of(&self, row: u32) -> u64 {
        row as u64 + self.first_line
    }
}

/// Rows, the mapped columns, and the line of the first data row.
type Parsed = (usize, Vec<Option<StringChunked>>, u64);

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
    let bytes = crate::base::fsio::read_input(
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
        let hasher = scope.spawn(|| Sha256::of(&bytes));
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
    let (rows, fields, first_line) = table?;
    let file_sha256 =
        file_sha256.map_err(|_| Error::internal("hashing the register file failed"))?;
    Ok(RawTable {
        rows,
        fields,
        file_sha256,
        first_line,
    })
}

/// Decodes the bytes to text in the process file's encoding (see [`table::decode`]).
fn decode(process: &Process, path: &Path, bytes: &[u8]) -> Result<String> {
    if process.is_windows_1252() {
        table::decode(
            path,
            bytes,
            Encoding::Windows1252,
            "set register.encoding = \"utf-8\"",
        )
    } else {
        table::decode(
            path,
            bytes,
            Encoding::Utf8,
            "if the office exported Windows-1252 (ANSI), set register.encoding = \"windows-1252\"",
        )
    }
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
) -> Result<Parsed> {
    let t = std::time::Instant::now();
    let text = decode(process, path, bytes)?;
    crate::base::timing::phase("read: decode", t);
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
    crate::base::timing::phase("read: polars", t);
    let t = std::time::Instant::now();
    let fields = columns_of(path, &df, wanted)?;
    crate::base::timing::phase("read: columns", t);
    Ok((df.height(), fields, 2))
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

fn read_parquet(path: &Path, bytes: &[u8], wanted: &[Option<String>]) -> Result<Parsed> {
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
    Ok((df.height(), fields, 1))
}

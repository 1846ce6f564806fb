//! The register extract as Parquet (spec §6.1): the mapped columns read by polars
//! and cast to text, then the rows handled in parallel ranges like CSV chunks. The
//! text columns stay in memory for [`super::Register::record`].

use super::fields::{Field, N};
use super::rows::{ChunkOut, Merge, RowProblem, RowRules};
use crate::base::error::{Error, Location, Result};
use crate::base::fsio::Sha256;
use polars::prelude::*;
use std::borrow::Cow;
use std::io::Cursor;
use std::path::Path;

/// Rows per parallel range.
const RANGE: usize = 1 << 16;

/// The mapped columns as text, one per field (None: unmapped).
pub struct Columns {
    columns: Vec<Option<StringChunked>>,
    pub id_column: String,
}

impl Columns {
    /// The raw text of `field` in `row` (a null cell is empty).
    pub fn cell(&self, field: Field, row: usize) -> Option<Cow<'_, str>> {
        self.columns[field.index()]
            .as_ref()
            .map(|c| Cow::Borrowed(c.get(row).unwrap_or("")))
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

pub fn read(
    path: &Path,
    rules: &RowRules<'_>,
    keep_rejects: bool,
) -> Result<(Merge, Sha256, Columns)> {
    use rayon::prelude::*;
    let bytes = crate::base::fsio::read_input(
        path,
        "the register extract was not found (check register.path in the process file)",
    )?;
    let file_sha256 = Sha256::of(&bytes);
    let bad = |e: PolarsError| {
        Error::input(
            Location::file(path),
            format!(
                "the file could not be read as Parquet: {}",
                first_line(&e.to_string())
            ),
        )
    };
    let mut reader = ParquetReader::new(Cursor::new(&bytes[..]));
    let schema = reader.schema().map_err(bad)?;
    let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let mut wanted: Vec<String> = Vec::new();
    let mut missing = Vec::new();
    for m in rules.mapped.iter().flatten() {
        if !header.contains(m) {
            missing.push(format!("{m:?}"));
        } else if !wanted.contains(m) {
            wanted.push(m.clone());
        }
    }
    if !missing.is_empty() {
        return Err(Error::input(
            Location::file(path),
            format!(
                "the column {} named in register.columns is not in the file; the file has the columns: {}",
                missing.join(", "),
                header
                    .iter()
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let df = reader.with_columns(Some(wanted)).finish().map_err(bad)?;
    drop(bytes);
    if df.height() == 0 {
        return Err(Error::input(
            Location::file(path),
            "the Parquet file has columns but no rows",
        ));
    }
    let columns = rules
        .mapped
        .iter()
        .map(|w| {
            let Some(name) = w else { return Ok(None) };
            let s = df
                .column(name)
                .map_err(bad)?
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
            Ok(Some(s.str().map_err(bad)?.rechunk().into_owned()))
        })
        .collect::<Result<Vec<_>>>()?;
    let cols = Columns {
        columns,
        id_column: rules.mapped[0].clone().unwrap_or_default(),
    };
    let n = df.height();
    drop(df);
    let outs: Vec<ChunkOut> = (0..n.div_ceil(RANGE))
        .into_par_iter()
        .map(|r| {
            let mut out = ChunkOut::default();
            for row in r * RANGE..((r + 1) * RANGE).min(n) {
                // The cell rules of CSV hold here too (spec §6.1).
                if let Some(p) = check_cells(&cols, row, rules) {
                    out.rows_read += 1;
                    out.reject((row - r * RANGE) as u64, p);
                    continue;
                }
                out.add(rules, (row - r * RANGE) as u64, row as u64, |f| {
                    cols.cell(f, row)
                });
            }
            out
        })
        .collect();
    let mut merge = Merge::new(keep_rejects);
    for (r, out) in outs.into_iter().enumerate() {
        // "Line" r + 1: Parquet has rows, not lines.
        merge.push(out, (r * RANGE) as u64 + 1)?;
    }
    super::refuse_problems(path, &merge)?;
    Ok((merge, file_sha256, cols))
}

/// A control character or an over-long value in a mapped cell of `row`.
fn check_cells(cols: &Columns, row: usize, rules: &RowRules<'_>) -> Option<RowProblem> {
    for f in Field::ALL.iter().take(N) {
        let Some(v) = cols.cell(*f, row) else {
            continue;
        };
        // C0 (but tab) and DEL are single bytes; C1 is U+0080–U+009F (0xC2 0x80–0x9F).
        let b = v.as_bytes();
        let control = b.iter().enumerate().any(|(k, &c)| {
            (c < 0x20 && c != b'\t')
                || c == 0x7F
                || (c == 0xC2 && b.get(k + 1).is_some_and(|n| (0x80..=0x9F).contains(n)))
        });
        let long = v.len() > super::csv::MAX_CELL && v.chars().count() > super::csv::MAX_CELL;
        if control || long {
            return Some(RowProblem {
                column: rules.column(*f),
                reason: if control {
                    "the cell holds a control character (such as a NUL byte or a line break)".into()
                } else {
                    format!(
                        "the cell is longer than {} characters",
                        super::csv::MAX_CELL
                    )
                },
                broken_file: false,
            });
        }
    }
    None
}

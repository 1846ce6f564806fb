//! The one CSV table reader of sortes (applications, quota files, pools, exclusion
//! lists, top-up counts and every CSV file one step hands the next): decoding
//! (UTF-8 with or without byte order mark, or Windows-1252), the delimiter (fixed, or
//! detected from the header line among candidates), rows with their line numbers,
//! cells in canonical form (trimmed, NFC), header names matched by [`fold`].
//! The register extract is read by polars (register/read.rs) after the same [`decode`].

use super::error::{Error, Location, Result};
use super::text::{canonical, fold, quoted_list};
use std::path::{Path, PathBuf};

/// The character encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8; a byte order mark at the start is allowed and removed.
    Utf8,
    /// Windows-1252 ("ANSI"), as many register exports are written.
    Windows1252,
}

/// How a file is read.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub encoding: Encoding,
    /// The delimiter, or the candidates to detect it from: the one that occurs most
    /// often outside quotes in the header line (ties: the earlier candidate).
    pub delimiters: &'static [u8],
    /// Every row must have as many cells as the header (else a row that has not is
    /// kept as it is, for the caller to judge).
    pub strict_width: bool,
    /// What to tell the clerk when the bytes are not in the encoding.
    pub encoding_hint: &'static str,
}

impl Options {
    /// A CSV file written by sortes or a spreadsheet: UTF-8, `,` `;` or tab, every
    /// row as wide as the header.
    pub const fn csv() -> Options {
        Options {
            encoding: Encoding::Utf8,
            delimiters: b",;\t",
            strict_width: true,
            encoding_hint: "save it as \"CSV UTF-8\" and try again",
        }
    }
    /// A CSV file that sortes wrote: delimiter `,` only.
    pub const fn written() -> Options {
        Options {
            delimiters: b",",
            ..Options::csv()
        }
    }
    /// As [`Options::csv`] with the delimiter among `delimiters`.
    pub const fn delimited(delimiters: &'static [u8]) -> Options {
        Options {
            delimiters,
            ..Options::csv()
        }
    }
    /// As [`Options::csv`], rows of any width.
    pub const fn flexible() -> Options {
        Options {
            strict_width: false,
            ..Options::csv()
        }
    }
}

/// A CSV file as read: the header and the rows that have a non-empty cell.
#[derive(Debug)]
pub struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
    pub delimiter: u8,
}

/// One data row. `line` is the 1-based line where the row starts (header = line 1).
#[derive(Debug)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `i`, or "" when the row is shorter (only possible for a
    /// table read without [`Options::strict_width`]).
    pub fn get(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or("")
    }
}

/// 1-based line and column (in bytes) of byte offset `pos`.
pub fn line_col(bytes: &[u8], pos: usize) -> (u64, usize) {
    let before = &bytes[..pos.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let col = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

/// Decodes a file's bytes to text. UTF-8 is checked (a byte order mark is removed);
/// Windows-1252 is decoded by table, and the five byte values without a character in
/// it are refused (they mean the file is in another encoding).
pub fn decode(path: &Path, bytes: &[u8], encoding: Encoding, hint: &str) -> Result<String> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    match encoding {
        Encoding::Windows1252 => {
            if bytes.starts_with(BOM) {
                return Err(Error::input(
                    Location::line(path, 1),
                    format!(
                        "the file starts with a UTF-8 byte order mark, but it is read as Windows-1252; {hint}"
                    ),
                ));
            }
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
            Ok(text.into_owned())
        }
        Encoding::Utf8 => {
            let start = if bytes.starts_with(BOM) { 3 } else { 0 };
            match std::str::from_utf8(&bytes[start..]) {
                Ok(text) => Ok(text.to_string()),
                Err(e) => {
                    let pos = start + e.valid_up_to();
                    let (line, col) = line_col(bytes, pos);
                    Err(Error::input(
                        Location::at(path, line, format!("{col} (byte)")),
                        format!(
                            "byte 0x{:02X} is not valid UTF-8: the file is not UTF-8; {hint}",
                            bytes[pos]
                        ),
                    ))
                }
            }
        }
    }
}

/// The delimiter among `candidates` that occurs most often outside quotes in the
/// first non-empty line; ties and a line without any go to the first candidate.
pub fn detect_delimiter(text: &str, candidates: &[u8]) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = vec![0usize; candidates.len()];
    let mut quoted = false;
    for b in first.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = candidates.iter().position(|&d| d == b) {
            counts[i] += 1;
        }
    }
    let mut best = 0;
    for (i, &c) in counts.iter().enumerate() {
        if c > counts[best] {
            best = i;
        }
    }
    candidates.get(best).copied().unwrap_or(b',')
}

/// A delimiter as a clerk names it.
pub fn delimiter_name(d: u8) -> &'static str {
    match d {
        b',' => "comma",
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "other",
    }
}

impl Table {
    /// Reads and parses `path`.
    pub fn read(path: &Path, opts: &Options) -> Result<Table> {
        let bytes = super::fsio::read(path)?;
        Table::parse(path, &bytes, opts)
    }

    /// Parses `bytes` read from `path` (named in errors only).
    pub fn parse(path: &Path, bytes: &[u8], opts: &Options) -> Result<Table> {
        let text = decode(path, bytes, opts.encoding, opts.encoding_hint)?;
        let delimiter = detect_delimiter(&text, opts.delimiters);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let mut header: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        let mut last_start: Option<(u64, usize)> = None;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                Error::input(
                    Location::line(path, line),
                    "the file cannot be read as CSV (a broken quote?)",
                )
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            last_start = rec.position().map(|p| (p.line(), p.byte() as usize));
            let cells: Vec<String> = rec.iter().map(|c| canonical(c).into_owned()).collect();
            let Some(h) = &header else {
                header = Some(cells);
                continue;
            };
            if cells.iter().all(String::is_empty) {
                continue;
            }
            if opts.strict_width && cells.len() != h.len() {
                return Err(Error::input(
                    Location::line(path, line),
                    format!(
                        "this row has {} cells but the header has {}; check the delimiter ({}) and quoting",
                        cells.len(),
                        h.len(),
                        delimiter_name(delimiter)
                    ),
                ));
            }
            rows.push(Row { line, cells });
        }
        let header = header.ok_or_else(|| {
            Error::input(
                Location::file(path),
                "the file is empty; it needs a header row",
            )
        })?;
        // An opening quote that is never closed makes the rest of the file one field of
        // the last record: its quotes do not pair up. Refused, so no row is lost unseen.
        if let Some((line, start)) = last_start
            && text[start.min(text.len())..].matches('"').count() % 2 == 1
        {
            return Err(Error::input(
                Location::line(path, line),
                "a quote opened in this row is never closed, so the rest of the file would be read as one field; check the quoting",
            ));
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
            delimiter,
        })
    }

    /// Index of the header column `name` (compared by [`fold`]), the first if several.
    pub fn find(&self, name: &str) -> Option<usize> {
        let k = fold(name);
        self.header.iter().position(|h| fold(h) == k)
    }

    /// Index of the column named `name`; `what` names the setting that asks for it.
    /// A missing column is an error that lists the columns the file has.
    pub fn column(&self, name: &str, what: &str) -> Result<usize> {
        Ok(self.columns(&[(name, what)])?[0])
    }

    /// Indices of several columns; one error names every missing column and lists the
    /// columns the file has. A name that occurs twice in the header is an error.
    pub fn columns(&self, wanted: &[(&str, &str)]) -> Result<Vec<usize>> {
        let mut out = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for (name, what) in wanted {
            let want = fold(name);
            let hits: Vec<usize> = (0..self.header.len())
                .filter(|&i| fold(&self.header[i]) == want)
                .collect();
            match hits.as_slice() {
                [i] => out.push(*i),
                [] => missing.push(format!("{name:?} ({what})")),
                _ => {
                    return Err(Error::input(
                        Location::line(&self.path, 1),
                        format!(
                            "the column {name:?} ({what}) occurs {} times in the header; rename all but one",
                            hits.len()
                        ),
                    ));
                }
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        Err(Error::input(
            Location::line(&self.path, 1),
            format!(
                "{} missing; the file has the columns {}",
                if missing.len() == 1 {
                    format!("the column {} is", missing[0])
                } else {
                    format!("the columns {} are", missing.join(", "))
                },
                quoted_list(self.header.iter().map(String::as_str))
            ),
        ))
    }

    /// The location of cell `col` of `row`, for error messages.
    pub fn at(&self, row: &Row, col: usize) -> Location {
        Location::at(&self.path, row.line, self.header[col].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_detected_from_the_header() {
        assert_eq!(detect_delimiter("a;b;c\n1,5;2;3", b",;\t"), b';');
        assert_eq!(detect_delimiter("a,b\n", b",;\t"), b',');
        assert_eq!(detect_delimiter("a\tb\tc", b",;\t"), b'\t');
        assert_eq!(detect_delimiter("\"a;b\",c", b",;\t"), b',');
        assert_eq!(detect_delimiter("single", b",;\t"), b',');
        assert_eq!(detect_delimiter("a;b", b","), b',');
    }

    #[test]
    fn bom_semicolons_lines_and_columns() {
        let t = Table::parse(
            Path::new("x.csv"),
            "\u{feff} Antragscode ;Name\nABCD-EFGHJ;x\n;\n\"a\nb\";y\n".as_bytes(),
            &Options::csv(),
        )
        .unwrap();
        assert_eq!(t.header, vec!["Antragscode", "Name"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.column("antragscode", "code_column").unwrap(), 0);
        let e = t.column("E-Mail", "contact_columns").unwrap_err();
        assert!(e.to_string().contains("\"Antragscode\", \"Name\""), "{e}");
    }

    #[test]
    fn an_unclosed_quote_is_named() {
        let e = Table::parse(
            Path::new("a.csv"),
            b"code,name\nA,\"open\nB,x\nC,y\n",
            &Options::flexible(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("a.csv, line 2: a quote opened"), "{e}");
        // Closed quotes, doubled quotes and line breaks inside quotes are fine.
        let t = Table::parse(
            Path::new("a.csv"),
            b"code,name\nA,\"say \"\"hi\"\"\nthere\"\nB,x\n",
            &Options::csv(),
        )
        .unwrap();
        assert_eq!(t.rows.len(), 2);
    }

    #[test]
    fn width_and_encoding_errors_name_the_line() {
        let e = Table::parse(Path::new("q.csv"), b"a,b\n1,2\n1,2,3\n", &Options::csv())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("q.csv, line 3: this row has 3 cells"), "{e}");
        let t = Table::parse(Path::new("q.csv"), b"a,b\n1,2,3\n", &Options::flexible()).unwrap();
        assert_eq!(t.rows[0].cells.len(), 3);
        let e = Table::parse(Path::new("q.csv"), b"a\nM\xFCller\n", &Options::csv())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2, column 2 (byte)") && e.contains("not UTF-8"),
            "{e}"
        );
        let w = Table::parse(
            Path::new("q.csv"),
            b"a\nM\xFCller\n",
            &Options {
                encoding: Encoding::Windows1252,
                ..Options::csv()
            },
        )
        .unwrap();
        assert_eq!(w.rows[0].cells[0], "Müller");
    }
}

//! Reading the CSV files of the intake: UTF-8 with or without BOM, delimiter `,`,
//! `;` or tab detected from the header line, header names matched trimmed and
//! case-insensitively. Cells are trimmed and put into Unicode NFC.

use crate::error::{Error, Location, Result};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// A CSV file as read: the header and the non-empty rows.
pub(crate) struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

/// One data row. `line` is the 1-based line where the row starts (header = line 1).
pub(crate) struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `i`, or "" when the row is shorter.
    pub fn get(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Trimmed, NFC-composed text.
pub(crate) fn clean(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Comparison form: trimmed, NFC, lower case, inner runs of white space as one space.
pub(crate) fn fold(s: &str) -> String {
    let c: String = s.nfc().collect::<String>().to_lowercase();
    c.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn read_table(path: &Path) -> Result<Table> {
    let bytes = crate::fsio::read(path)?;
    parse_table(path, &bytes)
}

/// The delimiter that occurs most often outside quotes in the header line
/// (`,` when none occurs).
fn detect_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

pub(crate) fn parse_table(path: &Path, bytes: &[u8]) -> Result<Table> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        Error::input(
            Location::line(path, line),
            "the file is not UTF-8; export or save it as CSV in UTF-8",
        )
    })?;
    let delimiter = detect_delimiter(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::input(
                Location::line(path, line),
                format!("the CSV cannot be read: {e}"),
            )
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let cells: Vec<String> = rec.iter().map(clean).collect();
        if header.is_none() {
            header = Some(cells);
            continue;
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        rows.push(Row { line, cells });
    }
    let header = header.ok_or_else(|| {
        Error::input(
            Location::file(path),
            "the file is empty; a header line is needed",
        )
    })?;
    Ok(Table {
        path: path.to_path_buf(),
        header,
        rows,
    })
}

impl Table {
    /// Index of the column named `name` (trimmed, case-insensitive); `what` names the
    /// setting that asks for it. A missing column is an error that lists the columns.
    pub fn column(&self, name: &str, what: &str) -> Result<usize> {
        Ok(self.columns(&[(name, what)])?[0])
    }

    /// Indices of several columns; one error names every missing column and lists
    /// the columns the file has.
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
                "{} {} missing; the file has the columns {}",
                if missing.len() == 1 {
                    "the column"
                } else {
                    "the columns"
                },
                if missing.len() == 1 {
                    format!("{} is", missing[0])
                } else {
                    format!("{} are", missing.join(", "))
                },
                self.header
                    .iter()
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

/// A submission time as (year, month, day, hour, minute, second) for ordering.
/// Accepts `2025-03-14 10:22[:05]`, `2025-03-14T10:22:05[.123][Z|+01:00]` and
/// `14.03.2025 10:22[:05]` (or a date alone). Time-zone suffixes are ignored: a form
/// export uses one zone.
pub(crate) fn parse_timestamp(s: &str) -> Option<[u32; 6]> {
    let s = s.trim();
    let (date, time) = match s.find([' ', 'T', ',']) {
        Some(i) => (&s[..i], s[i + 1..].trim_start_matches([' ', ','])),
        None => (s, ""),
    };
    let num = |t: &str| -> Option<u32> {
        if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (y, m, d) = if date.contains('-') {
        let p: Vec<&str> = date.split('-').collect();
        if p.len() != 3 || p[0].len() != 4 {
            return None;
        }
        (num(p[0])?, num(p[1])?, num(p[2])?)
    } else if date.contains('.') {
        let p: Vec<&str> = date.split('.').collect();
        if p.len() != 3 || p[2].len() != 4 {
            return None;
        }
        (num(p[2])?, num(p[1])?, num(p[0])?)
    } else {
        return None;
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut hms = [0u32; 3];
    if !time.is_empty() {
        let end = time
            .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
            .unwrap_or(time.len());
        let t = &time[..end];
        let t = t.split('.').next().unwrap_or("");
        let parts: Vec<&str> = t.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return None;
        }
        for (k, p) in parts.iter().enumerate() {
            hms[k] = num(p)?;
        }
        if hms[0] > 24 || hms[1] > 59 || hms[2] > 60 {
            return None;
        }
    }
    Some([y, m, d, hms[0], hms[1], hms[2]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_detected_from_the_header() {
        assert_eq!(detect_delimiter("a;b;c\n1,5;2;3"), b';');
        assert_eq!(detect_delimiter("a,b\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("\"a;b\",c"), b',');
        assert_eq!(detect_delimiter("single"), b',');
    }

    #[test]
    fn timestamps_order() {
        assert_eq!(
            parse_timestamp("2025-03-14 10:22:05"),
            Some([2025, 3, 14, 10, 22, 5])
        );
        assert_eq!(
            parse_timestamp("14.03.2025 10:22"),
            Some([2025, 3, 14, 10, 22, 0])
        );
        assert_eq!(
            parse_timestamp("2025-03-14T10:22:05.123+01:00"),
            Some([2025, 3, 14, 10, 22, 5])
        );
        assert_eq!(parse_timestamp("14.03.2025"), Some([2025, 3, 14, 0, 0, 0]));
        assert_eq!(parse_timestamp("gestern"), None);
        assert_eq!(parse_timestamp("2025-13-01"), None);
    }

    #[test]
    fn bom_and_semicolons() {
        let t = parse_table(
            Path::new("x.csv"),
            "\u{feff} Antragscode ;Name\nABCD-EFGHJ;x\n;\n\"a\nb\";y\n".as_bytes(),
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
}

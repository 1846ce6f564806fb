//! Small text and CSV helpers shared by the quota readers.

use std::path::Path;

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Location, Result};

/// Matching key: Unicode NFC, trimmed, inner runs of white space collapsed to one space,
/// lower case. "  Hörde " (also in decomposed form) and "HÖRDE" give the same key.
pub(crate) fn key(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Edit distance (insertions, deletions, substitutions) between two strings, by characters.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `s` (by edit distance of the matching keys; ties: first).
pub(crate) fn closest<'a>(
    s: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let k = key(s);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(&k, &key(c));
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Lists names as `"a", "b", "c"`.
pub(crate) fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A CSV file read into trimmed cells.
#[derive(Debug)]
pub(crate) struct Table {
    pub header: Vec<String>,
    /// (line of the record, trimmed cells); rows whose cells are all empty are left out.
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Index of the header column `name` (case-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        let k = key(name);
        self.header.iter().position(|h| key(h) == k)
    }
}

/// Reads a UTF-8 file (a byte-order mark is skipped).
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            Err(Error::input(
                Location::line(path, line),
                "the file is not UTF-8 text; save it as \"CSV UTF-8\" and try again",
            ))
        }
    }
}

/// The delimiter among `allowed` that occurs most often (outside quotes) in the first
/// non-empty line; ties and a line without any go to the first of `allowed`.
pub(crate) fn detect_delimiter(text: &str, allowed: &[u8]) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = vec![0usize; allowed.len()];
    let mut quoted = false;
    for b in first.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = allowed.iter().position(|&d| d == b) {
            counts[i] += 1;
        }
    }
    let mut best = 0;
    for (i, &c) in counts.iter().enumerate() {
        if c > counts[best] {
            best = i;
        }
    }
    allowed.get(best).copied().unwrap_or(b',')
}

/// Reads a CSV file with a header row; the delimiter is detected among `allowed`.
/// Every row must have as many cells as the header.
pub(crate) fn read_table(path: &Path, allowed: &[u8]) -> Result<Table> {
    let text = read_text(path)?;
    let delimiter = detect_delimiter(&text, allowed);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::input(
                Location::line(path, line),
                format!("the file cannot be read as CSV: {e}"),
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        match &header {
            None => {
                header = Some(cells);
            }
            Some(h) => {
                if cells.iter().all(String::is_empty) {
                    continue;
                }
                if cells.len() != h.len() {
                    return Err(Error::input(
                        Location::line(path, line),
                        format!(
                            "this row has {} cells but the header has {}; check the delimiter ({}) and quoting",
                            cells.len(),
                            h.len(),
                            describe_delimiter(delimiter)
                        ),
                    ));
                }
                rows.push((line, cells));
            }
        }
    }
    let Some(header) = header else {
        return Err(Error::input(
            Location::file(path),
            "the file is empty; it needs a header row",
        ));
    };
    Ok(Table { header, rows })
}

fn describe_delimiter(d: u8) -> &'static str {
    match d {
        b',' => "comma",
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_distance() {
        assert_eq!(key("  Ho\u{308}rde "), key("HÖRDE"));
        assert_eq!(key("South   Scotland"), "south scotland");
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(closest("Hoerde", ["Hörde", "Hombruch"]), Some("Hörde"));
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a;b;c\n", b",;"), b';');
        assert_eq!(detect_delimiter("\"a,b\";c\n", b",;"), b';');
        assert_eq!(detect_delimiter("a\tb\n", b",;\t"), b'\t');
        assert_eq!(detect_delimiter("abc\n", b",;"), b',');
    }
}

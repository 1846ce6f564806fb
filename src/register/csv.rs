//! The register extract as CSV, read in one streaming pass (spec §6.1).
//!
//! The file is read in chunks that end at a line end; a batch of chunks is split,
//! checked and canonicalised on all cores while the file's SHA-256 is computed
//! beside it, so memory holds a few chunks, never the file. Each line is one record:
//! the splitter below is written for that rule (a quoted field ends on its line) and
//! for errors that name line and column without quoting a value, which a general
//! CSV reader does not give.

use super::fields::{Field, N};
use crate::base::error::{Error, Location, Result};
use crate::base::table::delimiter_name;
use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bytes per chunk (a chunk grows to hold a longer line).
const CHUNK: usize = 4 << 20;
/// The longest cell, in characters (spec §6.1).
pub const MAX_CELL: usize = 256;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// An opened extract: its header checked, the columns of the mapped fields found.
#[derive(Debug, Clone)]
pub struct CsvFile {
    pub path: PathBuf,
    pub windows_1252: bool,
    pub delimiter: u8,
    pub header: Vec<String>,
    /// The column index of each field (None: not mapped).
    pub columns: [Option<usize>; N],
    /// The header line's bytes with its LF (and a BOM, if any): the file's first
    /// bytes, hashed before the data.
    pub head_bytes: Vec<u8>,
}

/// What is wrong with one line (spec §6.1); `col` is a column index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineProblem {
    /// The line has another number of fields than the header.
    Width { found: usize },
    /// A quoted field does not end on its line.
    Unterminated { col: usize },
    /// Text after a closing quote.
    AfterQuote { col: usize },
    /// A control character in a cell.
    Control { col: usize },
    /// A cell longer than [`MAX_CELL`] characters.
    TooLong { col: usize },
    /// A byte that is not text in the file's encoding (at this byte of the line).
    Encoding { byte: usize, value: u8 },
    /// A line of valid UTF-8 with non-ASCII characters in a file declared
    /// Windows-1252: UTF-8 read as Windows-1252 ("StraÃŸe").
    Utf8AsWindows1252,
}

impl LineProblem {
    /// Whether the row can be set aside (`commit --rejects`); an unterminated quote
    /// or a wrong encoding means the file itself is broken.
    pub fn row_only(self) -> bool {
        !matches!(
            self,
            LineProblem::Unterminated { .. }
                | LineProblem::Encoding { .. }
                | LineProblem::Utf8AsWindows1252
        )
    }

    /// Column name (or position) and one sentence, never the value.
    pub fn describe(self, header: &[String], windows_1252: bool) -> (String, String) {
        let name = |c: usize| {
            header
                .get(c)
                .cloned()
                .unwrap_or_else(|| format!("field {}", c + 1))
        };
        match self {
            LineProblem::Width { found } => (
                String::new(),
                format!(
                    "the line has {found} fields, the header {}; a row must have one field per column (a stray delimiter, or a line cut short?)",
                    header.len()
                ),
            ),
            LineProblem::Unterminated { col } => (
                name(col),
                "a quoted field does not end on its line (a missing closing quote, or a line break inside quotes)".into(),
            ),
            LineProblem::AfterQuote { col } => (
                name(col),
                "there is text after the closing quote of this field".into(),
            ),
            LineProblem::Control { col } => (
                name(col),
                "the cell holds a control character (such as a NUL byte or a line break); is this a text export?".into(),
            ),
            LineProblem::TooLong { col } => (
                name(col),
                format!("the cell is longer than {MAX_CELL} characters"),
            ),
            LineProblem::Utf8AsWindows1252 => (
                String::new(),
                "the line is UTF-8 text, but register.encoding is windows-1252 (\"StraÃŸe\" would be read for \"Straße\"): set register.encoding = \"utf-8\"".into(),
            ),
            LineProblem::Encoding { byte, value } => (
                format!("{} (byte)", byte + 1),
                if windows_1252 {
                    format!(
                        "byte 0x{value:02X} is not a Windows-1252 character; is the file in another encoding?"
                    )
                } else {
                    format!(
                        "byte 0x{value:02X} is not valid UTF-8: the file is not UTF-8; if the office exported Windows-1252 (ANSI), set register.encoding = \"windows-1252\""
                    )
                },
            ),
        }
    }
}

/// Where a field lies in a decoded line, and whether it holds `""` to unescape.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    escaped: bool,
}

/// One decoded line split into fields.
#[derive(Debug, Default)]
pub struct Split {
    spans: Vec<Span>,
}

impl Split {
    /// Splits `line` at `delim`; `"` quotes a field that starts with it.
    pub fn split(&mut self, line: &str, delim: u8) -> std::result::Result<(), LineProblem> {
        self.spans.clear();
        let b = line.as_bytes();
        let mut i = 0;
        loop {
            let col = self.spans.len();
            if b.get(i) == Some(&b'"') {
                let start = i + 1;
                let mut j = start;
                let mut escaped = false;
                loop {
                    match b.get(j) {
                        None => return Err(LineProblem::Unterminated { col }),
                        Some(b'"') if b.get(j + 1) == Some(&b'"') => {
                            escaped = true;
                            j += 2;
                        }
                        Some(b'"') => break,
                        Some(_) => j += 1,
                    }
                }
                self.spans.push(Span {
                    start,
                    end: j,
                    escaped,
                });
                i = j + 1;
                match b.get(i) {
                    None => return Ok(()),
                    Some(&c) if c == delim => i += 1,
                    Some(_) => return Err(LineProblem::AfterQuote { col }),
                }
            } else {
                let end = memchr::memchr(delim, &b[i..]).map_or(b.len(), |p| i + p);
                self.spans.push(Span {
                    start: i,
                    end,
                    escaped: false,
                });
                if end == b.len() {
                    return Ok(());
                }
                i = end + 1;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The text of field `i` of `line` (the line that was split).
    pub fn field<'a>(&self, line: &'a str, i: usize) -> Cow<'a, str> {
        let s = self.spans[i];
        let t = &line[s.start..s.end];
        if s.escaped {
            Cow::Owned(t.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(t)
        }
    }

    /// The first cell with a control character or more than [`MAX_CELL`] characters.
    pub fn check_cells(&self, line: &str) -> std::result::Result<(), LineProblem> {
        // Fast path: no byte that can start a control character anywhere in the line,
        // and no cell can be too long; only otherwise is each cell looked at.
        let b = line.as_bytes();
        let suspicious = b
            .iter()
            .any(|&c| (c < 0x20 && c != b'\t') || c == 0x7F || c == 0xC2);
        if !suspicious && b.len() <= MAX_CELL {
            return Ok(());
        }
        for (col, s) in self.spans.iter().enumerate() {
            let t = &line.as_bytes()[s.start..s.end];
            // C0 (but tab) and DEL are single bytes; C1 is U+0080–U+009F (0xC2 0x80–0x9F).
            let control = t.iter().enumerate().any(|(k, &c)| {
                (c < 0x20 && c != b'\t')
                    || c == 0x7F
                    || (c == 0xC2 && t.get(k + 1).is_some_and(|n| (0x80..=0x9F).contains(n)))
            });
            if control {
                return Err(LineProblem::Control { col });
            }
            // More bytes than allowed characters is needed for too many characters;
            // they are counted as the cell reads (a doubled quote is one).
            if t.len() > MAX_CELL && self.field(line, col).chars().count() > MAX_CELL {
                return Err(LineProblem::TooLong { col });
            }
        }
        Ok(())
    }
}

/// A line's bytes as text in the file's encoding.
pub fn decode(raw: &[u8], windows_1252: bool) -> std::result::Result<Cow<'_, str>, LineProblem> {
    if raw.is_ascii() || !windows_1252 {
        return as_utf8(raw).map(Cow::Borrowed);
    }
    let mut buf = String::new();
    decode_into(raw, true, &mut buf)?;
    Ok(Cow::Owned(buf))
}

/// [`decode`] for the rows: Windows-1252 text is decoded into `buf`, which is reused
/// from line to line.
pub fn decode_into<'a>(
    raw: &'a [u8],
    windows_1252: bool,
    buf: &'a mut String,
) -> std::result::Result<&'a str, LineProblem> {
    if raw.is_ascii() || !windows_1252 {
        // ASCII is the same text in both encodings.
        return as_utf8(raw);
    }
    if std::str::from_utf8(raw).is_ok() {
        return Err(LineProblem::Utf8AsWindows1252);
    }
    if let Some(byte) = raw
        .iter()
        .position(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
    {
        return Err(LineProblem::Encoding {
            byte,
            value: raw[byte],
        });
    }
    buf.clear();
    let mut d = encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling();
    buf.reserve(3 * raw.len() + 16);
    let _ = d.decode_to_string_without_replacement(raw, buf, true);
    Ok(buf.as_str())
}

fn as_utf8(raw: &[u8]) -> std::result::Result<&str, LineProblem> {
    std::str::from_utf8(raw).map_err(|e| {
        let byte = e.valid_up_to();
        LineProblem::Encoding {
            byte,
            value: raw[byte],
        }
    })
}

/// One chunk of whole lines and where it starts in the file.
pub struct Chunk {
    pub bytes: Vec<u8>,
    /// Byte offset of the chunk's first byte in the file.
    pub offset: u64,
}

impl Chunk {
    /// Each line (without its LF or CR LF) with its index in the chunk and its offset
    /// in the file. A last line without LF counts; the empty text after a final LF
    /// does not.
    pub fn lines(&self) -> impl Iterator<Item = (u64, u64, &[u8])> {
        let b = &self.bytes[..];
        let body = b.strip_suffix(b"\n").unwrap_or(b);
        let empty = b.is_empty();
        body.split(|&c| c == b'\n')
            .filter(move |_| !empty)
            .scan(0usize, |pos, l| {
                let at = *pos;
                *pos += l.len() + 1;
                Some((at, l))
            })
            .enumerate()
            .map(|(i, (at, l))| {
                (
                    i as u64,
                    self.offset + at as u64,
                    l.strip_suffix(b"\r").unwrap_or(l),
                )
            })
    }

    /// Number of lines [`Chunk::lines`] yields.
    pub fn line_count(&self) -> u64 {
        if self.bytes.is_empty() {
            return 0;
        }
        let lf = self.bytes.iter().filter(|&&c| c == b'\n').count() as u64;
        if self.bytes.ends_with(b"\n") {
            lf
        } else {
            lf + 1
        }
    }
}

impl CsvFile {
    /// Opens the extract and checks its header against the mapped columns.
    pub fn open(
        path: &Path,
        windows_1252: bool,
        delimiter: Option<u8>,
        mapped: &[Option<String>; N],
    ) -> Result<CsvFile> {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut head = Vec::new();
        let mut buf = [0u8; 64 << 10];
        // The header line, read up to its LF (a header over 1 MiB is no header).
        while !head.contains(&b'\n') && head.len() < (1 << 20) {
            let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        if head.is_empty() {
            return Err(Error::input(
                Location::file(path),
                "the register extract is empty (0 bytes)",
            ));
        }
        not_a_text_export(path, &head)?;
        let end = head.iter().position(|&c| c == b'\n').unwrap_or(head.len());
        let head_bytes = head[..(end + 1).min(head.len())].to_vec();
        let mut line = &head[..end];
        if line.starts_with(BOM) {
            if windows_1252 {
                return Err(Error::input(
                    Location::line(path, 1),
                    "the file starts with a UTF-8 byte order mark, but it is read as Windows-1252; set register.encoding = \"utf-8\"",
                ));
            }
            line = &line[3..];
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = decode(line, windows_1252).map_err(|p| {
            let (col, msg) = p.describe(&[], windows_1252);
            Error::input(Location::at(path, 1, col), msg)
        })?;
        if text.trim().is_empty() {
            return Err(Error::input(
                Location::line(path, 1),
                "the first line is empty; it must be the header with the column names",
            ));
        }
        let mut split = Split::default();
        let count = |d: u8, s: &mut Split| s.split(&text, d).map(|_| s.len()).unwrap_or(0);
        let counts: Vec<(u8, usize)> = [b';', b',', b'\t']
            .into_iter()
            .map(|d| (d, count(d, &mut split)))
            .collect();
        let delimiter = match delimiter {
            Some(d) => {
                let n = counts.iter().find(|c| c.0 == d).map_or(0, |c| c.1);
                if let Some(better) = counts.iter().filter(|c| c.1 > n).max_by_key(|c| c.1)
                    && n == 1
                {
                    return Err(Error::input(
                        Location::line(path, 1),
                        format!(
                            "the header has one column with delimiter {}, but {} with {}: the file seems to use {} (set register.delimiter)",
                            delimiter_name(d),
                            better.1,
                            delimiter_name(better.0),
                            delimiter_name(better.0)
                        ),
                    ));
                }
                d
            }
            // The candidate that gives the most columns; ties: ';' ',' tab.
            None => {
                counts
                    .iter()
                    .fold(counts[0], |best, &c| if c.1 > best.1 { c } else { best })
                    .0
            }
        };
        split
            .split(&text, delimiter)
            .and_then(|_| split.check_cells(&text))
            .map_err(|p| {
                let (col, msg) = p.describe(&[], windows_1252);
                Error::input(Location::at(path, 1, col), format!("in the header: {msg}"))
            })?;
        let header: Vec<String> = (0..split.len())
            .map(|i| crate::base::text::canonical(&split.field(&text, i)).into_owned())
            .collect();
        let mut columns = [None; N];
        let mut missing = Vec::new();
        for (f, want) in Field::ALL.iter().zip(mapped) {
            let Some(want) = want else { continue };
            let want = crate::base::text::canonical(want);
            let hits: Vec<usize> = (0..header.len()).filter(|&i| header[i] == want).collect();
            match hits[..] {
                [i] => columns[f.index()] = Some(i),
                [] => missing.push(want.into_owned()),
                _ => {
                    return Err(Error::input(
                        Location::at(path, 1, want.to_string()),
                        format!("the header names the column {want:?} {} times", hits.len()),
                    ));
                }
            }
        }
        if !missing.is_empty() {
            return Err(missing_columns(path, &missing, &header));
        }
        Ok(CsvFile {
            path: path.to_path_buf(),
            windows_1252,
            delimiter,
            header,
            columns,
            head_bytes,
        })
    }

    /// Reads the data lines (from line 2) in batches of chunks, in file order,
    /// calling `batch` with each; returns the SHA-256 of the whole file.
    pub fn stream(
        &self,
        mut batch: impl FnMut(&[Chunk]) -> Result<()> + Send,
    ) -> Result<crate::base::fsio::Sha256> {
        use sha2::Digest;
        use std::io::{Seek, SeekFrom};
        let mut f = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let mut hasher = sha2::Sha256::new();
        hasher.update(&self.head_bytes);
        let mut pos = self.head_bytes.len() as u64;
        f.seek(SeekFrom::Start(pos))
            .map_err(|e| Error::io(&self.path, e))?;
        let mut carry: Vec<u8> = Vec::new();
        let per_batch = 2 * rayon::current_num_threads().max(1);
        let mut eof = false;
        while !eof {
            let mut chunks = Vec::with_capacity(per_batch);
            while chunks.len() < per_batch && !eof {
                let mut buf = std::mem::take(&mut carry);
                let start = buf.len();
                buf.resize(start + CHUNK, 0);
                let mut filled = start;
                while filled < buf.len() {
                    let n = f
                        .read(&mut buf[filled..])
                        .map_err(|e| Error::io(&self.path, e))?;
                    if n == 0 {
                        eof = true;
                        break;
                    }
                    filled += n;
                }
                buf.truncate(filled);
                let cut = if eof {
                    buf.len()
                } else {
                    match buf.iter().rposition(|&c| c == b'\n') {
                        Some(p) => p + 1,
                        // No line end in a whole chunk: read on into a bigger chunk.
                        None => {
                            carry = buf;
                            continue;
                        }
                    }
                };
                carry = buf[cut..].to_vec();
                buf.truncate(cut);
                let chunk_at = pos;
                pos += buf.len() as u64;
                chunks.push(Chunk {
                    bytes: buf,
                    offset: chunk_at,
                });
            }
            if !chunks.is_empty() {
                // The file's hash (chunks are consecutive ranges of it) beside the
                // work on the rows.
                let hash = || chunks.iter().for_each(|c| hasher.update(&c.bytes));
                rayon::join(hash, || batch(&chunks)).1?;
            }
        }
        Ok(crate::base::fsio::Sha256::from_digest(
            hasher.finalize().into(),
        ))
    }

    /// The line that starts at byte `offset`, decoded (for the letters of the few
    /// who are drawn: their names and addresses are not kept in memory).
    pub fn line_at(&self, offset: u64) -> Result<String> {
        use std::io::{Seek, SeekFrom};
        let mut f = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io(&self.path, e))?;
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = f.read(&mut buf).map_err(|e| Error::io(&self.path, e))?;
            if n == 0 {
                break;
            }
            if let Some(p) = buf[..n].iter().position(|&c| c == b'\n') {
                out.extend_from_slice(&buf[..p]);
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        let raw = out.strip_suffix(b"\r").unwrap_or(&out);
        decode(raw, self.windows_1252)
            .map(Cow::into_owned)
            .map_err(|_| {
                Error::changed(
                    Location::file(&self.path),
                    "the register extract changed while it was read",
                )
            })
    }
}

/// A spreadsheet, archive or Parquet file given as CSV: say what it is.
fn not_a_text_export(path: &Path, head: &[u8]) -> Result<()> {
    let what = if head.starts_with(b"PK\x03\x04") {
        Some("a zip archive or an Excel workbook (.xlsx): export the sheet as CSV")
    } else if head.starts_with(b"PAR1") {
        Some("a Parquet file: name it .parquet or set register.format = \"parquet\"")
    } else if head.starts_with(b"\xD0\xCF\x11\xE0") {
        Some("an old Excel workbook (.xls): export the sheet as CSV")
    } else if looks_binary(head) {
        Some("binary, not text (it holds NUL or other control bytes): export the register as CSV")
    } else {
        None
    };
    match what {
        Some(w) => Err(Error::input(
            Location::file(path),
            format!("this is not a CSV text file: it looks like {w}"),
        )),
        None => Ok(()),
    }
}

/// Control bytes (other than tab, CR, LF) in the header line, or in more than 1 % of
/// the first 4 KiB: a binary file. A single stray byte in a data row is not: it is
/// named as that row's problem, with its line and column.
fn looks_binary(head: &[u8]) -> bool {
    let control = |b: &u8| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r');
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let sample = &head[..head.len().min(4096)];
    first_line.iter().any(control)
        || sample.iter().filter(|b| control(b)).count() * 100 > sample.len()
}

/// The error for mapped columns the header lacks, with the hint a clerk needs: the
/// closest name and the columns the file has.
fn missing_columns(path: &Path, missing: &[String], header: &[String]) -> Error {
    let first = &missing[0];
    let more = if missing.len() > 1 {
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
    };
    let hint = crate::base::text::did_you_mean(first, header.iter().map(String::as_str));
    Error::input(
        Location::line(path, 1),
        format!(
            "the column {first:?} named in register.columns is not in the file{more}{hint}; the file has the columns: {}",
            header
                .iter()
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str, d: u8) -> std::result::Result<Vec<String>, LineProblem> {
        let mut s = Split::default();
        s.split(line, d)?;
        s.check_cells(line)?;
        Ok((0..s.len())
            .map(|i| s.field(line, i).into_owned())
            .collect())
    }

    #[test]
    fn lines_split_into_fields() {
        assert_eq!(fields("a;b;;c", b';').unwrap(), ["a", "b", "", "c"]);
        assert_eq!(
            fields("\"x;y\";\"say \"\"hi\"\"\";", b';').unwrap(),
            ["x;y", "say \"hi\"", ""]
        );
        assert_eq!(fields("", b';').unwrap(), [""]);
        assert_eq!(fields("ab\"c;d", b';').unwrap(), ["ab\"c", "d"]);
        assert_eq!(
            fields("a;\"open", b';'),
            Err(LineProblem::Unterminated { col: 1 })
        );
        assert_eq!(
            fields("\"a\"b;c", b';'),
            Err(LineProblem::AfterQuote { col: 0 })
        );
        assert_eq!(fields("a;b\0c", b';'), Err(LineProblem::Control { col: 1 }));
        assert_eq!(
            fields("a;b\u{85}", b';'),
            Err(LineProblem::Control { col: 1 })
        );
        assert_eq!(fields("a\tb;c", b';').unwrap(), ["a\tb", "c"]);
        let long = "ä".repeat(MAX_CELL + 1);
        assert_eq!(
            fields(&format!("x;{long}"), b';'),
            Err(LineProblem::TooLong { col: 1 })
        );
        assert!(fields(&"ä".repeat(MAX_CELL), b';').is_ok());
    }

    #[test]
    fn chunks_yield_lines_with_offsets() {
        let c = Chunk {
            bytes: b"a;b\r\nc;d\n\ne".to_vec(),
            offset: 10,
        };
        let lines: Vec<(u64, u64, &[u8])> = c.lines().collect();
        assert_eq!(
            lines,
            vec![
                (0, 10, &b"a;b"[..]),
                (1, 15, &b"c;d"[..]),
                (2, 19, &b""[..]),
                (3, 20, &b"e"[..])
            ]
        );
        assert_eq!(c.line_count(), 4);
        let d = Chunk {
            bytes: b"x\n".to_vec(),
            offset: 0,
        };
        assert_eq!(d.lines().count(), 1);
        assert_eq!(d.line_count(), 1);
    }

    #[test]
    fn encodings_are_checked_per_line() {
        assert_eq!(decode(b"Stra\xdfe", true).unwrap(), "Straße");
        assert_eq!(
            decode("Straße".as_bytes(), true),
            Err(LineProblem::Utf8AsWindows1252)
        );
        assert_eq!(decode("Straße".as_bytes(), false).unwrap(), "Straße");
        assert_eq!(
            decode(b"Stra\xdfe", false),
            Err(LineProblem::Encoding {
                byte: 4,
                value: 0xDF
            })
        );
        assert_eq!(
            decode(b"a\x81", true),
            Err(LineProblem::Encoding {
                byte: 1,
                value: 0x81
            })
        );
    }
}

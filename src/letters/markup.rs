//! The small text markup of the letter templates, and the escaping that keeps
//! data (names, addresses) from ever being read as markup.
//!
//! A template renders (with tera) to lines of text:
//! `# subject`, `## heading`, `- list item`, `[ ] tick box`, `**bold**`,
//! `[[qr]] text beside the QR code`, `[[field]] label of a line to write on`,
//! `[[space]]` / `[[space 3]]` (empty lines), `[[pagebreak]]`, `[[card]]` (what follows
//! is the reply card: a tear-off part of the sheet or its own page); other lines are
//! paragraphs, a blank line ends one, a line break stays a line break.
//! `\x` prints x as written: every value tera inserts passes through [`escape`],
//! which puts a backslash before each markup character, so a family name like
//! `**Kim** # [[qr]]` prints exactly so.

use serde::Serialize;
use std::io::Write;

/// Characters the parser gives a meaning to; [`escape`] neutralises them.
const SPECIAL: &[char] = &['\\', '*', '#', '-', '[', ']'];

/// Tera escape function for the `.txt` letter templates.
pub(crate) fn escape(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = String::with_capacity(input.len() + 8);
    for c in input.chars() {
        if SPECIAL.contains(&c) {
            buf.push('\\');
            buf.push(c);
        } else if c.is_control() {
            // A line break inside a value must not start a new block.
            buf.push(' ');
        } else {
            buf.push(c);
        }
    }
    out.write_all(buf.as_bytes())
}

/// A run of text, bold or not.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Span {
    pub s: String,
    pub b: bool,
}

/// One block of a letter, as the layout (typst) and the HTML writer receive it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Block {
    /// subject | heading | p | item | check | field | qr | space | pagebreak | card
    pub t: &'static str,
    pub lines: Vec<Vec<Span>>,
    /// Empty lines, for `space`.
    pub n: u32,
}

impl Block {
    fn new(t: &'static str) -> Self {
        Block {
            t,
            lines: Vec::new(),
            n: 0,
        }
    }
    fn with_line(t: &'static str, line: &str) -> Self {
        let mut b = Block::new(t);
        b.lines.push(inline(line));
        b
    }
    /// All characters of the block's text (for the glyph check).
    pub fn text(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().flatten().map(|s| s.s.as_str())
    }
}

/// Parses the text rendered from a template. The error is (line of the
/// rendered text, message).
pub(crate) fn parse(text: &str) -> Result<Vec<Block>, (usize, String)> {
    let mut blocks: Vec<Block> = Vec::new();
    // Whether the last block takes further lines (paragraphs and QR captions do).
    let mut open = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            open = false;
            continue;
        }
        // The block this line starts (and whether it takes further lines),
        // or None when the line continues the open block.
        let started: Option<(Block, bool)> = if let Some(rest) = line.strip_prefix("## ") {
            Some((Block::with_line("heading", rest), false))
        } else if let Some(rest) = line.strip_prefix("# ") {
            Some((Block::with_line("subject", rest), false))
        } else if let Some(rest) = line.strip_prefix("- ") {
            Some((Block::with_line("item", rest), false))
        } else if let Some(rest) = line.strip_prefix("[ ] ") {
            Some((Block::with_line("check", rest), false))
        } else if let Some(rest) = line.strip_prefix("[[") {
            let Some((name, after)) = rest.split_once("]]") else {
                return Err((i + 1, "a mark opened with [[ is not closed with ]]".into()));
            };
            let mut words = name.split_whitespace();
            Some(match (words.next(), words.next(), words.next()) {
                (Some("pagebreak"), None, _) => (Block::new("pagebreak"), false),
                (Some("card"), None, _) => (Block::new("card"), false),
                (Some("space"), n, None) => {
                    let mut b = Block::new("space");
                    b.n = match n {
                        None => 1,
                        Some(n) => n.parse().ok().filter(|n| *n <= 40).ok_or((
                            i + 1,
                            format!("[[space {n}]] needs a whole number of lines up to 40"),
                        ))?,
                    };
                    (b, false)
                }
                (Some("qr"), None, _) => (Block::with_line("qr", after.trim()), true),
                (Some("field"), None, _) => (Block::with_line("field", after.trim()), false),
                _ => {
                    return Err((
                        i + 1,
                        format!(
                            "unknown mark [[{name}]]; known are [[qr]], [[field]], [[space]], [[pagebreak]], [[card]]"
                        ),
                    ));
                }
            })
        } else if open {
            None
        } else {
            Some((Block::with_line("p", line), true))
        };
        match started {
            Some((b, takes_more)) => {
                blocks.push(b);
                open = takes_more;
            }
            None => {
                if let Some(last) = blocks.last_mut() {
                    last.lines.push(inline(line));
                }
            }
        }
    }
    Ok(blocks)
}

/// Splits a line into bold and normal runs; `\x` is a literal x.
fn inline(line: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut cur = String::new();
    let mut bold = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if !cur.is_empty() {
                    spans.push(Span {
                        s: std::mem::take(&mut cur),
                        b: bold,
                    });
                }
                bold = !bold;
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        spans.push(Span { s: cur, b: bold });
    }
    spans
}

/// Plain text of a line (tests).
#[cfg(test)]
pub(crate) fn plain(spans: &[Span]) -> String {
    spans.iter().map(|s| s.s.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut v = Vec::new();
        escape(s, &mut v).unwrap_or_default();
        String::from_utf8(v).unwrap_or_default()
    }

    #[test]
    fn escaped_values_print_as_written() {
        let hostile = "- **Kim** # [[qr]] \\ [ ] {{x}} $ @ _ <b>";
        for prefix in ["", "## ", "- "] {
            let text = format!("{prefix}{}", esc(hostile));
            let blocks = parse(&text).unwrap_or_default();
            assert_eq!(blocks.len(), 1);
            assert_eq!(plain(&blocks[0].lines[0]), hostile);
            assert!(blocks[0].lines[0].iter().all(|s| !s.b));
        }
    }

    #[test]
    fn blocks() {
        let b = parse("# S\n\nA **b** c\nd\n- i\ne\n\n[[qr]] x\ny\n[[space 2]]\n[[pagebreak]]")
            .unwrap_or_default();
        let kinds: Vec<_> = b.iter().map(|b| b.t).collect();
        assert_eq!(
            kinds,
            ["subject", "p", "item", "p", "qr", "space", "pagebreak"]
        );
        assert_eq!(b[1].lines.len(), 2);
        assert!(b[1].lines[0][1].b);
        assert_eq!(b[4].lines.len(), 2);
        assert!(parse("[[nope]]").is_err());
    }
}

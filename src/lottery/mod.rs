//! Stage 3: the public lottery.
//!
//! The LEXIMIN distribution is rounded to `m` equally likely numbered panels
//! ([`round`]); the list (`lottery.txt`, canonical text) is committed by its SHA-256
//! before the number is known; a ceremony number or a public seed picks the panel
//! ([`draw`]); the same public randomness fixes the reserve order, from which drop-outs
//! are replaced without breaking a quota ([`replace`]). [`step`] reads and writes the
//! files and the journal.

pub mod draw;
pub mod exact;
pub mod replace;
pub mod round;
pub mod step;

use crate::base::error::{Error, Location, Result};
use std::fmt::Write as _;
use std::path::Path;

/// First line of every lottery file.
pub const MAGIC: &str = "sortes lottery v1";

/// The committed list of numbered panels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lottery {
    pub process_id: String,
    pub k: usize,
    /// SHA-256 of the pool, quota and distribution files the lottery was built from.
    pub pool_sha256: String,
    pub quotas_sha256: String,
    pub distribution_sha256: String,
    /// `tickets[t]` = pool ids of panel number t, sorted by their UTF-8 bytes.
    pub tickets: Vec<Vec<String>>,
}

impl Lottery {
    pub fn m(&self) -> usize {
        self.tickets.len()
    }

    /// Digits of a panel number: enough for m − 1 (000–999 for m = 1000).
    pub fn width(&self) -> usize {
        self.m().saturating_sub(1).to_string().len()
    }

    pub fn number_text(&self, t: usize) -> String {
        format!("{t:0w$}", w = self.width())
    }

    /// Canonical text (spec §12): header lines `key=value`, then one line per panel
    /// number: the number, zero-padded, and the member ids separated by single spaces.
    /// LF line ends, UTF-8, no trailing spaces.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{MAGIC}");
        let _ = writeln!(s, "process={}", self.process_id);
        let _ = writeln!(s, "m={}", self.m());
        let _ = writeln!(s, "k={}", self.k);
        let _ = writeln!(s, "pool_sha256={}", self.pool_sha256);
        let _ = writeln!(s, "quotas_sha256={}", self.quotas_sha256);
        let _ = writeln!(s, "distribution_sha256={}", self.distribution_sha256);
        for (t, members) in self.tickets.iter().enumerate() {
            let _ = writeln!(s, "{} {}", self.number_text(t), members.join(" "));
        }
        s
    }

    /// Parses the canonical text; anything else (other spacing, order, widths) is a
    /// named error, so that one lottery has exactly one byte form.
    pub fn parse(text: &str, path: &Path) -> Result<Lottery> {
        let err = |line: usize, msg: String| {
            let loc = if line == 0 {
                Location::file(path)
            } else {
                Location::line(path, line as u64)
            };
            Error::input(loc, msg)
        };
        let mut lines = text.split_terminator('\n').enumerate();
        let mut next = |want: &str| -> Result<String> {
            let (i, l) = lines
                .next()
                .ok_or_else(|| err(0, format!("the file ends before the {want} line")))?;
            if want == "magic" {
                if l != MAGIC {
                    return Err(err(
                        i + 1,
                        format!("this is not a sortes lottery file (first line must be {MAGIC:?})"),
                    ));
                }
                return Ok(String::new());
            }
            l.strip_prefix(&format!("{want}="))
                .map(str::to_string)
                .ok_or_else(|| err(i + 1, format!("expected the line {want}=…")))
        };
        next("magic")?;
        let process_id = next("process")?;
        let m: usize = next("m")?
            .parse()
            .map_err(|_| err(3, "m is not a whole number".into()))?;
        let k: usize = next("k")?
            .parse()
            .map_err(|_| err(4, "k is not a whole number".into()))?;
        let pool_sha256 = next("pool_sha256")?;
        let quotas_sha256 = next("quotas_sha256")?;
        let distribution_sha256 = next("distribution_sha256")?;
        let width = m.saturating_sub(1).to_string().len();
        let mut tickets = Vec::with_capacity(m);
        for (i, l) in lines {
            let t = tickets.len();
            let want = format!("{t:0width$}");
            let rest = l
                .strip_prefix(&want)
                .and_then(|r| r.strip_prefix(' '))
                .ok_or_else(|| err(i + 1, format!("expected panel number {want} here")))?;
            let members: Vec<String> = rest.split(' ').map(str::to_string).collect();
            if members.len() != k || members.iter().any(String::is_empty) {
                return Err(err(
                    i + 1,
                    format!("panel {want} must list {k} pool ids separated by single spaces"),
                ));
            }
            if members.windows(2).any(|w| w[0] >= w[1]) {
                return Err(err(
                    i + 1,
                    format!("panel {want}: pool ids must be sorted and distinct"),
                ));
            }
            tickets.push(members);
        }
        if tickets.len() != m || !text.ends_with('\n') {
            return Err(err(
                7 + tickets.len(),
                format!("the file lists {} panels, m = {m}", tickets.len()),
            ));
        }
        Ok(Lottery {
            process_id,
            k,
            pool_sha256,
            quotas_sha256,
            distribution_sha256,
            tickets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_is_strict() {
        let l = Lottery {
            process_id: "p".into(),
            k: 2,
            pool_sha256: "a".into(),
            quotas_sha256: "b".into(),
            distribution_sha256: "c".into(),
            tickets: (0..11)
                .map(|t| vec![format!("P{t:02}"), "P99".into()])
                .collect(),
        };
        let text = l.to_text();
        assert!(text.contains("\n00 P00 P99\n"), "{text}");
        assert!(text.ends_with("\n10 P10 P99\n"));
        let back = Lottery::parse(&text, Path::new("l.txt")).expect("parses");
        assert_eq!(back, l);
        // Another spacing is another byte form: refused.
        let bad = text.replace("03 P03 P99", "03  P03 P99");
        assert!(Lottery::parse(&bad, Path::new("l.txt")).is_err());
        let unsorted = text.replace("03 P03 P99", "03 P99 P03");
        assert!(Lottery::parse(&unsorted, Path::new("l.txt")).is_err());
    }
}

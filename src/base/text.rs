//! Text helpers every stage shares: the canonical form of a cell, the comparison
//! form, the one edit distance with its "did you mean", quoting for CSV and HTML, and
//! the exact decimals sortes writes (thousandths for factors, 10⁻¹² for probabilities).

use std::borrow::Cow;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Canonical form of a cell (spec §6.1): trimmed (Unicode White_Space) and in Unicode
/// NFC. Borrowed when the text is canonical already (the common case).
pub fn canonical(s: &str) -> Cow<'_, str> {
    // Fast path for the common cell: empty, or ASCII printable at both ends and
    // ASCII throughout (nothing to trim, NFC by definition).
    let b = s.as_bytes();
    if b.is_empty()
        || (b[0] > b' '
            && b[0] < 0x7F
            && b[b.len() - 1] > b' '
            && b[b.len() - 1] < 0x7F
            && s.is_ascii())
    {
        return Cow::Borrowed(s);
    }
    let t = s.trim();
    // ASCII text is always in NFC; the check over chars is for the rest.
    if t.is_ascii() || is_nfc_quick(t.chars()) == IsNormalized::Yes {
        Cow::Borrowed(t)
    } else {
        Cow::Owned(t.nfc().collect())
    }
}

/// Comparison form: NFC, lower case, runs of white space as one space, trimmed.
/// "  Hörde " (also in decomposed form) and "HÖRDE" compare equal.
pub fn fold(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Edit distance (insertions, deletions, substitutions) between two strings, by characters.
pub fn distance(a: &str, b: &str) -> usize {
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

/// The candidate closest to `s` by [`distance`] of the comparison forms ([`fold`]);
/// on equal distance the first candidate. `None` only without candidates.
pub fn closest<'a>(s: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let k = fold(s);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(&k, &fold(c));
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// "; did you mean \"x\"?" for the closest candidate, or nothing.
pub fn did_you_mean<'a>(s: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(s, candidates)
        .map(|c| format!("; did you mean {c:?}?"))
        .unwrap_or_default()
}

/// Names quoted and separated by commas: `"a", "b", "c"`.
pub fn quoted_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A CSV field, quoted only where it must be (`,`, `"` or a line break inside).
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// `text` with `& < > " '` escaped for HTML text and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    html_escape_into(text, &mut out);
    out
}

/// Appends `text` HTML-escaped as by [`html_escape`] to `out`.
pub fn html_escape_into(text: &str, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Parses a positive decimal with at most three decimals ("1.5") into thousandths (1500).
pub fn parse_thousandths(s: &str) -> Option<u128> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || frac.len() > 3 {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..3 {
        f *= 10;
    }
    let v = i.checked_mul(1000)?.checked_add(f)?;
    (v > 0).then_some(v)
}

/// `value / 10^decimals` as decimal text without trailing zeros ("1.5", "2").
pub fn scaled_text(value: u128, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let (int, frac) = (value / scale, value % scale);
    if frac == 0 {
        return int.to_string();
    }
    let f = format!("{frac:0w$}", w = decimals as usize);
    format!("{int}.{}", f.trim_end_matches('0'))
}

/// One probability unit: probabilities are exact integers of 10⁻¹² (12 decimals).
pub const UNIT: i128 = 1_000_000_000_000;

/// Parses a non-negative decimal with at most 12 places into units of 10⁻¹².
pub fn parse_units(s: &str) -> Option<i128> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty()
        || frac.len() > 12
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let i: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let f: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i128>().ok()? * 10i128.pow(12 - frac.len() as u32)
    };
    i.checked_mul(UNIT)?.checked_add(f)
}

/// Units of 10⁻¹² as a decimal with 12 places ("0.135000000000", "-0.000000000001").
pub fn units_text(u: i128) -> String {
    let sign = if u < 0 { "-" } else { "" };
    let a = u.abs();
    format!("{sign}{}.{:012}", a / UNIT, a % UNIT)
}

/// A probability in [0, 1] computed in floating point, as exact units (rounded to the
/// nearest unit). Used where a solver's result enters a file or the journal.
pub fn units_of(p: f64) -> i128 {
    if !p.is_finite() {
        return 0;
    }
    (p * UNIT as f64).round() as i128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_trims_and_composes() {
        // "Mu" + combining diaeresis + "ller" becomes the precomposed "Müller".
        assert_eq!(canonical("  Mu\u{308}ller "), "Müller");
        assert!(matches!(canonical("Müller"), Cow::Borrowed(_)));
    }

    #[test]
    fn fold_and_distance() {
        assert_eq!(fold("  Ho\u{308}rde "), fold("HÖRDE"));
        assert_eq!(fold("South   Scotland"), "south scotland");
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(closest("Hoerde", ["Hörde", "Hombruch"]), Some("Hörde"));
        // Equal distance: the first candidate.
        assert_eq!(closest("ab", ["ac", "ad"]), Some("ac"));
        assert_eq!(closest("x", []), None);
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_thousandths("1.5"), Some(1500));
        assert_eq!(parse_thousandths("2"), Some(2000));
        assert_eq!(parse_thousandths("0.125"), Some(125));
        assert_eq!(parse_thousandths("1.2345"), None);
        assert_eq!(parse_thousandths("0"), None);
        assert_eq!(parse_thousandths("-1"), None);
        assert_eq!(parse_units("0.000066235566"), Some(66_235_566));
        assert_eq!(parse_units("1"), Some(UNIT));
        assert_eq!(parse_units("0.5"), Some(UNIT / 2));
        assert_eq!(parse_units("0.1234567890123"), None);
        assert_eq!(parse_units("-0.5"), None);
        assert_eq!(parse_units(""), None);
        assert_eq!(units_text(UNIT / 8), "0.125000000000");
        assert_eq!(units_text(-1), "-0.000000000001");
        assert_eq!(units_of(0.135), 135_000_000_000);
        assert_eq!(scaled_text(1500, 3), "1.5");
        assert_eq!(scaled_text(1500 * 1300, 6), "1.95");
        assert_eq!(scaled_text(1000 * 1000, 6), "1");
    }

    #[test]
    fn csv_and_html_quoting() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}

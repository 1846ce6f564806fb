//! What a reply says, read leniently where a clerk would: an application code one
//! typo away from an issued one, an answer one typo away from an allowed one, the
//! time stamps of form exports.

use super::reasons::AttributeProblem;
use crate::base::process::FormAttribute;
use crate::base::text::{distance, fold};

/// Whether `a` becomes `b` by one substitution, adjacent swap, insertion or deletion.
pub fn one_edit(a: &[u8], b: &[u8]) -> bool {
    if a.len() == b.len() {
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        match diff.as_slice() {
            [_] => true,
            [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
            _ => false,
        }
    } else {
        let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
        if long.len() != short.len() + 1 {
            return false;
        }
        let i = (0..short.len())
            .find(|&i| long[i] != short[i])
            .unwrap_or(short.len());
        long[i + 1..] == short[i..]
    }
}

/// Typed code without spaces and hyphens, upper case.
fn code_chars(s: &str) -> Vec<u8> {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(|c| c.to_uppercase())
        .collect::<String>()
        .into_bytes()
}

/// The one issued code that is one edit away from `typed`, if exactly one is.
pub fn suggest_code<'a>(typed: &str, issued: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let t = code_chars(typed);
    let mut found: Option<&str> = None;
    for c in issued {
        if one_edit(&t, &code_chars(c)) {
            if found.is_some_and(|f| f != c) {
                return None;
            }
            found = Some(c);
        }
    }
    found.map(str::to_string)
}

/// The closest allowed answer, when it is close (a prefix either way, or at most
/// half the characters differ) and unique.
pub fn closest_value(value: &str, allowed: &[String]) -> Option<String> {
    let v = fold(value);
    let scored: Vec<(usize, &String)> = allowed
        .iter()
        .filter_map(|a| {
            let f = fold(a);
            let d = if v.chars().count() >= 2 && (f.starts_with(&v) || v.starts_with(&f)) {
                0
            } else {
                distance(&v, &f)
            };
            let len = v.chars().count().max(f.chars().count());
            (d * 2 <= len).then_some((d, a))
        })
        .collect();
    let best = scored.iter().map(|s| s.0).min()?;
    let winners: Vec<&&String> = scored
        .iter()
        .filter(|s| s.0 == best)
        .map(|s| &s.1)
        .collect();
    match winners.as_slice() {
        [w] => Some((**w).clone()),
        _ => None,
    }
}

/// Matches a form answer to an attribute value (trimmed, case-insensitive; `map`
/// first, then the values themselves).
pub fn match_attribute(
    attr: &FormAttribute,
    raw: &str,
) -> std::result::Result<String, AttributeProblem> {
    let key = fold(raw);
    if !key.is_empty() {
        if let Some(m) = &attr.map
            && let Some((_, v)) = m.iter().find(|(k, _)| fold(k) == key)
        {
            let canon = attr.values.iter().find(|x| fold(x) == fold(v));
            return Ok(canon.cloned().unwrap_or_else(|| v.clone()));
        }
        if let Some(v) = attr.values.iter().find(|x| fold(x) == key) {
            return Ok(v.clone());
        }
    }
    let mut allowed: Vec<String> = attr
        .map
        .as_ref()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for v in &attr.values {
        if !allowed.iter().any(|a| fold(a) == fold(v)) {
            allowed.push(v.clone());
        }
    }
    let hint = if key.is_empty() {
        None
    } else {
        closest_value(raw, &allowed)
    };
    Err(AttributeProblem {
        attribute: attr.name.clone(),
        column: attr.column.clone(),
        value: raw.trim().to_string(),
        allowed,
        hint,
    })
}

/// A submission time as (year, month, day, hour, minute, second) for ordering.
/// Accepts `2025-03-14 10:22[:05]`, `2025-03-14T10:22:05[.123][Z|+01:00]` and
/// `14.03.2025 10:22[:05]` (or a date alone). Time-zone suffixes are ignored: a form
/// export uses one zone.
pub fn parse_timestamp(s: &str) -> Option<[u32; 6]> {
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
    fn one_edit_kinds() {
        assert!(one_edit(b"ABCD", b"ABCE"));
        assert!(one_edit(b"ABCD", b"ABDC"));
        assert!(one_edit(b"ABCD", b"ABD"));
        assert!(one_edit(b"ABD", b"ABCD"));
        assert!(one_edit(b"ABCD", b"XABCD"));
        assert!(!one_edit(b"ABCD", b"ABCD"));
        assert!(!one_edit(b"ABCD", b"BADC"));
        assert!(!one_edit(b"ABCD", b"AB"));
    }

    #[test]
    fn closest_values() {
        let a: Vec<String> = ["niedrig", "mittel", "hoch"].map(String::from).to_vec();
        assert_eq!(closest_value("Mitel", &a).as_deref(), Some("mittel"));
        assert_eq!(closest_value("ho", &a).as_deref(), Some("hoch"));
        assert_eq!(closest_value("Doktor", &a), None);
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
}

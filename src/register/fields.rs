//! The 19 fields of a canonical record (spec §6.2), which column of the extract
//! feeds each, and the canonical value of each: gender and nationality through
//! their maps, block marks as `1`/`0`, and the household key (spec §6.4).

use crate::base::process::Process;
use crate::base::text::canonical;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A field of the canonical record; its discriminant is its position (spec §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    RegisterId,
    FamilyName,
    GivenNames,
    Doctorate,
    NamePrefix,
    Street,
    HouseNumber,
    HouseNumberSuffix,
    HouseNumberPart,
    AddressAddition,
    Postcode,
    City,
    BirthDateOrAge,
    Gender,
    Nationality,
    Stadtbezirk,
    Block51,
    Block52,
    Household,
}

/// Number of fields of a record.
pub const N: usize = 19;

impl Field {
    pub const ALL: [Field; N] = [
        Field::RegisterId,
        Field::FamilyName,
        Field::GivenNames,
        Field::Doctorate,
        Field::NamePrefix,
        Field::Street,
        Field::HouseNumber,
        Field::HouseNumberSuffix,
        Field::HouseNumberPart,
        Field::AddressAddition,
        Field::Postcode,
        Field::City,
        Field::BirthDateOrAge,
        Field::Gender,
        Field::Nationality,
        Field::Stadtbezirk,
        Field::Block51,
        Field::Block52,
        Field::Household,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The key of `[register.columns]` that maps this field.
    pub fn key(self) -> &'static str {
        match self {
            Field::RegisterId => "register_id",
            Field::FamilyName => "family_name",
            Field::GivenNames => "given_names",
            Field::Doctorate => "doctorate",
            Field::NamePrefix => "name_prefix",
            Field::Street => "street",
            Field::HouseNumber => "house_number",
            Field::HouseNumberSuffix => "house_number_suffix",
            Field::HouseNumberPart => "house_number_part",
            Field::AddressAddition => "address_addition",
            Field::Postcode => "postcode",
            Field::City => "city",
            Field::BirthDateOrAge => "birth_date",
            Field::Gender => "gender",
            Field::Nationality => "nationality",
            Field::Stadtbezirk => "stadtbezirk",
            Field::Block51 => "block_51",
            Field::Block52 => "block_52",
            Field::Household => "household",
        }
    }
}

/// The column names of the extract, one per field (None: not mapped).
pub fn mapped(process: &Process) -> [Option<String>; N] {
    let c = &process.file.register.columns;
    [
        Some(c.register_id.clone()),
        c.family_name.clone(),
        c.given_names.clone(),
        c.doctorate.clone(),
        c.name_prefix.clone(),
        c.street.clone(),
        c.house_number.clone(),
        c.house_number_suffix.clone(),
        c.house_number_part.clone(),
        c.address_addition.clone(),
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

/// A value map (export value → canonical value), looked up lower-cased.
#[derive(Debug, Clone)]
pub struct ValueMap {
    /// `[register.gender_map]` or `[register.nationality_map]`, for messages.
    pub name: &'static str,
    entries: BTreeMap<String, String>,
    /// The same map for lookups per row: one-byte ASCII keys in a table, the rest
    /// hashed (identities only; nothing iterates it).
    short: Box<[Option<Box<str>>; 128]>,
    long: rustc_hash::FxHashMap<Box<str>, Box<str>>,
    empty: Option<Box<str>>,
}

impl ValueMap {
    /// Keys are compared trimmed, in NFC and lower-cased; values are used as written.
    /// Two keys that compare equal with different values are refused.
    fn new(
        name: &'static str,
        pairs: impl IntoIterator<Item = (String, String)>,
        file: &std::path::Path,
    ) -> crate::base::error::Result<ValueMap> {
        let mut entries: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in pairs {
            let key = canonical(&k).to_lowercase();
            if let Some(old) = entries.get(&key)
                && *old != v
            {
                return Err(crate::base::error::Error::config(
                    crate::base::error::Location::file(file),
                    format!(
                        "{name}: the keys {k:?} and another one are the same value (compared without case), but map to {old:?} and {v:?}"
                    ),
                ));
            }
            entries.insert(key, v);
        }
        Ok(ValueMap::from_entries(name, entries))
    }

    /// A map from keys already in lower-case canonical form.
    fn from_entries(name: &'static str, entries: BTreeMap<String, String>) -> ValueMap {
        let mut short: Box<[Option<Box<str>>; 128]> = Box::new(std::array::from_fn(|_| None));
        let mut long = rustc_hash::FxHashMap::default();
        let mut empty = None;
        for (k, v) in &entries {
            match k.as_bytes() {
                [] => empty = Some(v.as_str().into()),
                [b] if b.is_ascii() => short[usize::from(*b)] = Some(v.as_str().into()),
                _ => {
                    long.insert(k.as_str().into(), v.as_str().into());
                }
            }
        }
        ValueMap {
            name,
            entries,
            short,
            long,
            empty,
        }
    }

    /// The gender map of the process file, or the default (spec §6.2).
    pub fn gender(process: &Process) -> crate::base::error::Result<ValueMap> {
        let default = || {
            [
                ("m", "m"),
                ("männlich", "m"),
                ("maennlich", "m"),
                ("male", "m"),
                ("w", "w"),
                ("f", "w"),
                ("weiblich", "w"),
                ("female", "w"),
                ("d", "d"),
                ("divers", "d"),
                ("diverse", "d"),
                ("x", "x"),
                ("ohne angabe", "x"),
                ("unbestimmt", "x"),
                ("keine angabe", "x"),
                ("", "x"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into_iter()
            .collect()
        };
        let m = process
            .file
            .register
            .gender_map
            .clone()
            .unwrap_or_else(default);
        ValueMap::new("register.gender_map", m, &process.path)
    }

    /// The nationality map of the process file, or the default (spec §6.2).
    pub fn nationality(process: &Process) -> crate::base::error::Result<ValueMap> {
        let default = || {
            ["000", "d", "de", "deu", "deutsch", "deutschland", "german"]
                .map(|k| (k.to_string(), "deutsch".to_string()))
                .into_iter()
                .collect()
        };
        let m = process
            .file
            .register
            .nationality_map
            .clone()
            .unwrap_or_else(default);
        ValueMap::new("register.nationality_map", m, &process.path)
    }

    pub fn get(&self, canonical_value: &str) -> Option<&str> {
        match canonical_value.as_bytes() {
            [] => return self.empty.as_deref(),
            [b] if b.is_ascii() => {
                return self.short[usize::from(b.to_ascii_lowercase())].as_deref();
            }
            _ => {}
        }
        // Short ASCII codes ("000", "DEU") are lower-cased on the stack.
        let mut buf = [0u8; 32];
        let key: Cow<'_, str> = if canonical_value.len() <= buf.len() && canonical_value.is_ascii()
        {
            let b = &mut buf[..canonical_value.len()];
            b.copy_from_slice(canonical_value.as_bytes());
            b.make_ascii_lowercase();
            Cow::Borrowed(std::str::from_utf8(b).unwrap_or_default())
        } else if canonical_value.chars().any(char::is_uppercase) {
            Cow::Owned(canonical_value.to_lowercase())
        } else {
            Cow::Borrowed(canonical_value)
        };
        self.long.get(key.as_ref()).map(|v| &**v)
    }

    /// The map's keys as a clerk reads them: `"M", "W", …, empty`.
    pub fn keys_text(&self) -> String {
        values_text(self.entries.keys())
    }
}

/// Values as a clerk reads them: quoted, the empty one as `empty`.
fn values_text<'a>(values: impl Iterator<Item = &'a String>) -> String {
    values
        .map(|k| {
            if k.is_empty() {
                "empty".to_string()
            } else {
                format!("{k:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Canonical nationality (spec §6.2): the parts split at `,` `/` `;`, trimmed,
/// empty ones dropped, each mapped where the map holds it, joined by `/`.
pub fn nationality<'a>(cell: &'a str, map: &'a ValueMap) -> Cow<'a, str> {
    let simple = !cell.bytes().any(|b| matches!(b, b',' | b'/' | b';'));
    if simple {
        return Cow::Borrowed(map.get(cell).unwrap_or(cell));
    }
    let parts: Vec<String> = cell
        .split([',', '/', ';'])
        .map(|p| canonical(p).into_owned())
        .filter(|p| !p.is_empty())
        .map(|p| map.get(&p).map_or(p.clone(), str::to_string))
        .collect();
    Cow::Owned(parts.join("/"))
}

/// Whether a canonical nationality names one of `wanted` (lower-case): any of its
/// parts does (spec §6.5).
pub fn nationality_in(canonical_value: &str, wanted: &[String]) -> bool {
    canonical_value.split('/').any(|p| {
        if p.is_ascii() {
            wanted.iter().any(|w| w.eq_ignore_ascii_case(p))
        } else {
            let lower = p.to_lowercase();
            wanted.contains(&lower)
        }
    })
}

/// Stratum value of the `citizenship` column (spec §7.1).
pub fn citizenship(canonical_value: &str, german: &[String]) -> &'static str {
    if nationality_in(canonical_value, german) {
        "deutsch"
    } else {
        "nicht-deutsch"
    }
}

/// The block marks: what means "blocked" and what means "not blocked".
#[derive(Debug, Clone)]
pub struct BlockMarks {
    yes: Vec<String>,
    no: Vec<String>,
    /// The two lists as one map (a value in both blocks: the safe reading of a
    /// protected person's mark), for the lookup per row.
    map: ValueMap,
}

impl BlockMarks {
    pub fn of(process: &Process) -> BlockMarks {
        let lower = |v: &[String]| -> Vec<String> {
            v.iter().map(|s| canonical(s).to_lowercase()).collect()
        };
        let (yes, no) = (
            lower(&process.file.register.block_values),
            lower(&process.file.register.no_block_values),
        );
        // "yes" last, so that it wins where both lists hold a value.
        let pairs: BTreeMap<String, String> = no
            .iter()
            .map(|k| (k.clone(), "0".to_string()))
            .chain(yes.iter().map(|k| (k.clone(), "1".to_string())))
            .collect();
        let map = ValueMap::from_entries("register.block_values", pairs);
        BlockMarks { yes, no, map }
    }

    /// `Some(true)` blocked, `Some(false)` not, `None`: neither list holds it. A value
    /// in both lists blocks (the safe reading of a protected person's mark).
    pub fn read(&self, cell: &str) -> Option<bool> {
        self.map.get(cell).map(|v| v == "1")
    }

    /// Both lists as a clerk reads them, for an error message.
    pub fn lists_text(&self) -> String {
        let show = |v: &[String]| values_text(v.iter());
        format!(
            "a block is one of {} (register.block_values), no block one of {} (register.no_block_values)",
            show(&self.yes),
            show(&self.no)
        )
    }
}

/// Household key from the address (spec §6.4): the street with runs of white space
/// as one space and `str.`/`strasse` written `straße`, lower-cased; the house number
/// with its suffix, white space removed, lower-cased, and `/part` when there is a
/// part number; the postcode. None without a house number: a street alone (or
/// "ohne Hausnummer") is not one address, and its residents are not one household.
pub fn address_key(
    street: &str,
    number: &str,
    suffix: &str,
    part: &str,
    postcode: &str,
) -> Option<String> {
    let mut out = String::new();
    address_key_into(&mut out, street, number, suffix, part, postcode).then_some(out)
}

/// [`address_key`] written into `out` (cleared first); false: no household. Runs per
/// row, so it builds the key in place (ASCII without allocating).
pub fn address_key_into(
    out: &mut String,
    street: &str,
    number: &str,
    suffix: &str,
    part: &str,
    postcode: &str,
) -> bool {
    out.clear();
    if number.is_empty() {
        return false;
    }
    // Street: white-space runs as one space, trimmed, lower-cased.
    for (i, w) in street.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_ascii() {
        out.make_ascii_lowercase();
    } else {
        *out = out.to_lowercase();
    }
    if out.ends_with("str.") {
        out.truncate(out.len() - "str.".len());
        out.push_str("straße");
    }
    if out.contains("strasse") {
        *out = out.replace("strasse", "straße");
    }
    out.push('|');
    let squeeze = |out: &mut String, parts: &[&str]| {
        let start = out.len();
        for t in parts {
            out.extend(t.chars().filter(|c| !c.is_whitespace()));
        }
        if out[start..].is_ascii() {
            out[start..].make_ascii_lowercase();
        } else {
            let lower = out[start..].to_lowercase();
            out.truncate(start);
            out.push_str(&lower);
        }
    };
    squeeze(out, &[number, suffix]);
    if part.chars().any(|c| !c.is_whitespace()) {
        out.push('/');
        squeeze(out, &[part]);
    }
    out.push('|');
    out.push_str(postcode);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_keys_join_number_and_suffix() {
        let k = |s, n, x, p| address_key(s, n, x, p, "44135");
        assert_eq!(
            k("Hauptstr.", "12", "a", ""),
            k("Hauptstraße", "12A", "", "")
        );
        assert_eq!(
            k("Hauptstraße", "12 a", "", ""),
            k("Hauptstraße", "12", "A", "")
        );
        assert_ne!(
            k("Hauptstraße", "12", "", ""),
            k("Hauptstraße", "12", "a", "")
        );
        assert_eq!(
            k("Haupt  Strasse", "1", "", "1 / 2").as_deref(),
            Some("haupt straße|1/1/2|44135")
        );
        assert_eq!(k("", "", "a", ""), None);
        assert_eq!(k("Hauptstraße", "", "", ""), None);
    }

    #[test]
    fn nationalities_are_split_mapped_and_joined() {
        let map = ValueMap::new(
            "m",
            [
                ("000".into(), "deutsch".into()),
                ("deu".into(), "deutsch".into()),
            ],
            std::path::Path::new("p"),
        )
        .unwrap();
        let clash = [("M".into(), "m".into()), ("m".into(), "w".into())];
        assert!(ValueMap::new("m", clash, std::path::Path::new("p")).is_err());
        assert_eq!(nationality("000", &map), "deutsch");
        assert_eq!(nationality("DEU, türkisch", &map), "deutsch/türkisch");
        assert_eq!(nationality("polnisch", &map), "polnisch");
        assert_eq!(nationality(" ; ", &map), "");
        assert!(nationality_in(
            "deutsch/türkisch",
            &["türkisch".to_string()]
        ));
    }
}

//! Language folders: `strings.toml`, the tera templates, dates in words, and the
//! values each template sees.

use super::error;
use super::markup;
use crate::base::process::letters::LettersConfig;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `<lang>/strings.toml`: the words the code itself needs in each language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Strings {
    pub months: Vec<String>,
    pub weekdays: Vec<String>,
    pub date: String,
    pub date_long: String,
    pub salutation_female: String,
    pub salutation_male: String,
    pub salutation_neutral: String,
    /// Used instead of the three above when the person has a Doktorgrad (e.g.
    /// English "Dear {title} {family_name},"); without it the gendered pattern is
    /// used, which may hold `{title}` itself (German "Sehr geehrte Frau {title} …").
    #[serde(default)]
    pub salutation_with_title: Option<String>,
    pub address_title_female: String,
    pub address_title_male: String,
    pub address_title_neutral: String,
    pub page: String,
    /// The tear-off reply card: "cut here" on its cut line, the word above the office's
    /// address on its back, and the postage note in its stamp box.
    #[serde(default)]
    pub card_cut: Option<String>,
    #[serde(default)]
    pub card_reply: Option<String>,
    #[serde(default)]
    pub card_postage: Option<String>,
    /// Thousands separator of numbers ("2.000").
    pub thousands: String,
}

/// One language folder, loaded.
pub(crate) struct Language {
    pub code: String,
    pub strings: Strings,
    /// Values common to all letters of this language (config, dates in words).
    pub common: tera::Context,
}

/// The file names of the `.txt` templates a language folder may hold.
pub(crate) fn template_files(dir: &Path) -> crate::base::error::Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| crate::base::error::Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| crate::base::error::Error::io(dir, e))?;
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "txt") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads a file as UTF-8 text.
pub(crate) fn read_text(path: &Path) -> crate::base::error::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| crate::base::error::Error::io(path, e))?;
    String::from_utf8(bytes)
        .map_err(|_| error::template(path, "the file is not UTF-8 text; save it as UTF-8"))
}

pub(crate) fn load_strings(path: &Path) -> crate::base::error::Result<Strings> {
    let text = read_text(path)?;
    let s: Strings = toml::from_str(&text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|r| line_col(&text, r.start))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        error::template_at(path, line, column, e.message().to_string())
    })?;
    if s.months.len() != 12 || s.weekdays.len() != 7 {
        return Err(error::template(
            path,
            "months needs 12 names and weekdays 7 (Monday first)",
        ));
    }
    Ok(s)
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A checked ISO date.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Date {
    y: i64,
    m: u32,
    d: u32,
}

impl Date {
    pub fn parse(s: &str, key: &str) -> crate::base::error::Result<Date> {
        let bad = || {
            error::config(format!(
                "{key} = \"{s}\" is not a date; write it as YYYY-MM-DD, e.g. 2027-03-06"
            ))
        };
        let mut it = s.trim().splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (it.next(), it.next(), it.next()) else {
            return Err(bad());
        };
        let (y, m, d): (i64, u32, u32) = (
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
        );
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        if !(1..=12).contains(&m)
            || d == 0
            || d > days[(m - 1) as usize]
            || !(1900..=2200).contains(&y)
        {
            return Err(bad());
        }
        Ok(Date { y, m, d })
    }

    /// 0 = Monday (days-from-civil, H. Hinnant).
    fn weekday(self) -> usize {
        let y = if self.m <= 2 { self.y - 1 } else { self.y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468; // 1970-01-01 was a Thursday
        (days + 3).rem_euclid(7) as usize
    }

    pub fn format(self, pattern: &str, s: &Strings) -> String {
        pattern
            .replace("{weekday}", &s.weekdays[self.weekday()])
            .replace("{day}", &self.d.to_string())
            .replace("{month}", &s.months[(self.m - 1) as usize])
            .replace("{year}", &self.y.to_string())
    }
}

/// The values common to all letters of one language.
pub(crate) fn common_values(
    cfg: &LettersConfig,
    s: &Strings,
    lang: &str,
) -> crate::base::error::Result<Value> {
    let date = |v: &str, key: &str| Date::parse(v, key).map(|d| d.format(&s.date, s));
    let meetings = cfg
        .meetings
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let d = Date::parse(&m.date, &format!("meetings[{}].date", i + 1))?;
            Ok(json!({
                "date": d.format(&s.date, s),
                "date_long": d.format(&s.date_long, s),
                "iso": m.date,
                "time": m.time,
                "place": m.place,
            }))
        })
        .collect::<crate::base::error::Result<Vec<_>>>()?;
    let first_meeting = meetings
        .first()
        .and_then(|m| m.get("date").cloned())
        .unwrap_or(Value::Null);
    let total = cfg
        .allowance
        .total
        .unwrap_or(cfg.allowance.per_meeting * cfg.meetings.len() as u32);
    let mut sender = to_value(&cfg.sender);
    if let Some(obj) = sender.as_object_mut() {
        obj.insert("return_line".into(), Value::String(return_line(cfg)));
    }
    let mut privacy = to_value(&cfg.privacy);
    if let Some(obj) = privacy.as_object_mut() {
        obj.insert(
            "deletion_date".into(),
            Value::String(date(&cfg.privacy.deletion_date, "privacy.deletion_date")?),
        );
    }
    let num = |n: u32| group_thousands(n, &s.thousands);
    let mut forum = to_value(&cfg.forum);
    if let Some(obj) = forum.as_object_mut() {
        for (k, n) in [
            ("seats", cfg.forum.seats),
            ("invitations", cfg.forum.invitations),
            ("min_age", cfg.forum.min_age),
        ] {
            if let Some(n) = n {
                obj.insert(k.into(), Value::String(num(n)));
            }
        }
    }
    let mut v = json!({
        "forum": forum,
        "sender": sender,
        "signatory": to_value(&cfg.signatory),
        "meetings": meetings,
        "first_meeting": first_meeting,
        "allowance": { "per_meeting": num(cfg.allowance.per_meeting), "total": num(total) },
        "support": to_value(&cfg.support),
        "privacy": privacy,
        "extra": to_value(&cfg.extra),
        "deadline": date(&cfg.reply_deadline, "reply_deadline")?,
        "letter_date": date(&cfg.letter_date, "letter_date")?,
        "language": lang,
        "card": to_value(&cfg.card),
    });
    // Options left out of the config must be missing in the templates (a clear
    // "not defined" error there), not printed as "none".
    strip_nulls(&mut v);
    if let Some(over) = cfg.lang.get(lang) {
        for (key, text) in over {
            set_dotted(&mut v, key, text).map_err(|()| {
                error::config(format!(
                    "[letters.lang.{lang}] \"{key}\" names no text value; use a name like \"forum.name\" or \"signatory.title\""
                ))
            })?;
        }
    }
    Ok(v)
}

/// The config parts as template values. They cannot fail to convert (plain
/// strings, numbers, maps with string keys); Null would show as a missing value.
fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// 2000 → "2.000" (German) or "2,000" (English).
fn group_thousands(n: u32, sep: &str) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn set_dotted(v: &mut Value, key: &str, text: &str) -> Result<(), ()> {
    let mut cur = v;
    for part in key.split('.') {
        cur = cur.as_object_mut().ok_or(())?.get_mut(part).ok_or(())?;
    }
    if !cur.is_string() {
        return Err(());
    }
    *cur = Value::String(text.to_string());
    Ok(())
}

pub(crate) fn return_line(cfg: &LettersConfig) -> String {
    cfg.sender.return_line.clone().unwrap_or_else(|| {
        format!(
            "{} · {} · {} {}",
            cfg.sender.authority, cfg.sender.street, cfg.sender.postcode, cfg.sender.city
        )
    })
}

/// Salutation form of a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Female,
    Male,
    Neutral,
}

impl Form {
    pub fn of(gender: &str, cfg: &LettersConfig) -> Form {
        let g = gender.trim().to_lowercase();
        let is = |vals: &[String]| vals.iter().any(|v| v.to_lowercase() == g);
        if g.is_empty() {
            Form::Neutral
        } else if is(&cfg.gender_values.female) {
            Form::Female
        } else if is(&cfg.gender_values.male) {
            Form::Male
        } else {
            Form::Neutral
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Form::Female => "female",
            Form::Male => "male",
            Form::Neutral => "neutral",
        }
    }
}

/// The family name with its Namensvorsatz ("von der Heide"). Registers keep names
/// unstructured since November 2025, so the family name may already begin with the
/// prefix: then it is not written twice.
pub(crate) fn surname(prefix: &str, family: &str) -> String {
    let starts = family
        .to_lowercase()
        .strip_prefix(&prefix.to_lowercase())
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '));
    if prefix.is_empty() || starts {
        family.to_string()
    } else {
        format!("{prefix} {family}")
    }
}

/// The address block of a private person after DIN 5008 (Anschriftzone): the
/// Anrede line ("Frau", "Herrn"; none for a neutral form), the name with the
/// Doktorgrad first, the address addition ("c/o …", "bei …"), street and house
/// number with its suffix written onto it ("12a") and the part number after a space
/// ("16 1/7"), postcode and city. Empty lines are left out.
pub(crate) fn address_block(
    anrede: &str,
    name: &[&str],
    addition: &str,
    (street, number, suffix, part): (&str, &str, &str, &str),
    (postcode, city): (&str, &str),
) -> Vec<String> {
    let words = |w: &[&str]| {
        w.iter()
            .filter(|x| !x.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let number = format!("{number}{suffix}");
    [
        anrede.trim().to_string(),
        words(name),
        addition.to_string(),
        words(&[street, &number, part]),
        words(&[postcode, city]),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect()
}

/// Fills `{title}`, `{given_names}` and `{family_name}` of a strings.toml pattern.
/// Plain replacement, so a value is never read as a pattern.
pub(crate) fn fill_name(pattern: &str, title: &str, given: &str, family: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(t) = tail.strip_prefix("{given_names}") {
            out.push_str(given);
            rest = t;
        } else if let Some(t) = tail.strip_prefix("{family_name}") {
            out.push_str(family);
            rest = t;
        } else if let Some(t) = tail.strip_prefix("{title}") {
            out.push_str(title);
            rest = t;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    // A neutral salutation without a given name must not keep a double space.
    out.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders a template of a loaded tera instance; maps errors to file, line and
/// column of the template, with the message tera gives ("Variable `x` not found").
pub(crate) fn render_template(
    tera: &tera::Tera,
    name: &str,
    ctx: &tera::Context,
    dir: &Path,
) -> crate::base::error::Result<String> {
    tera.render(name, ctx)
        .map_err(|e| tera_error(&e, dir, name))
}

pub(crate) fn tera_error(e: &tera::Error, dir: &Path, fallback: &str) -> crate::base::error::Error {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let file = if r.filename().is_empty() {
                fallback
            } else {
                r.filename()
            };
            error::template_at(
                dir.join(file),
                Some(r.span().start_line),
                Some(r.span().start_col + 1),
                clerk_message(r.message()),
            )
        }
        other => error::template(dir.join(fallback), other.to_string()),
    }
}

/// Tera's messages, with a hint where a clerk needs one.
fn clerk_message(m: &str) -> String {
    if m.contains("not found") || m.contains("not defined") {
        format!(
            "{m}; the value is not known to the letter (check the spelling against docs/formats.md, \
             or add it to [letters.extra] and write {{{{ extra.name }}}})"
        )
    } else {
        m.to_string()
    }
}

/// Renders a letter text and parses its markup; markup errors name the template.
pub(crate) fn render_blocks(
    tera: &tera::Tera,
    name: &str,
    ctx: &tera::Context,
    dir: &Path,
) -> crate::base::error::Result<Vec<markup::Block>> {
    let text = render_template(tera, name, ctx, dir)?;
    markup::parse(&text).map_err(|(line, msg)| {
        error::template_at(
            dir.join(name),
            None,
            None,
            format!("line {line} of the rendered text: {msg}"),
        )
    })
}

/// A recipient's fields as a template value.
pub(crate) fn fields_value(fields: &BTreeMap<String, String>) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>(),
    )
}

/// Whether a language folder's code names a language written right to left (its
/// letters are laid out so; addresses stay left to right).
pub(crate) fn right_to_left(lang: &str) -> bool {
    let base = lang.split(['-', '_']).next().unwrap_or(lang);
    matches!(
        base.to_ascii_lowercase().as_str(),
        "ar" | "fa" | "he" | "ur" | "ps" | "yi" | "ckb" | "dv"
    )
}

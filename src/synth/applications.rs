//! Synthetic online-form export (replies to the invitation letters) for tests and
//! the demo. Deterministic from the seed: ChaCha20 keyed by SHA-256 of a domain
//! label and the seed, raw `next_u64` words, integer probabilities only.
//!
//! Response model (probability in parts per million, factors in percent):
//! base 120,000 × age × Stadtbezirk × education × nationality, where
//!
//! * age: 16–24 70, 25–34 85, 35–49 105, 50–64 120, 65–74 115, 75–84 75, 85+ 40;
//! * Stadtbezirk: Innenstadt-Nord 60, Eving and Scharnhorst 85, Innenstadt-Ost 110,
//!   Aplerbeck and Hombruch 130, other 100;
//! * education: niedrig 60, still at school 90, mittel 95, hoch 150;
//! * nationality other than German: 75 (language, less trust in letters from the city).
//!
//! On a Dortmund-like invitee list of 2,000 this gives about 11–12 % replies
//! (≈ 230 rows) — the Bundestag/Aachen range of german-practice.md §1.4.
//!
//! Education is drawn per invitee from the synthetic Dortmund 16+ shares
//! (dortmund-statistics.csv, `education_synthetic_dortmund_16plus`): up to age 18
//! mostly "noch in der Schule" (≈ 3 % overall); otherwise by age group so that
//! overall niedrig ≈ 36 %, mittel ≈ 26 %, hoch ≈ 35 %. The form asks for the school
//! leaving certificate in words; [`default_dortmund_config`] maps the answers to
//! niedrig/mittel/hoch and folds "noch in der Schule" into **niedrig** (highest
//! certificate so far), so stage 2 needs no fourth category for ≈ 1–2 seats.
//!
//! Migration background "ja": 97 % of non-German nationals, 25 % of Germans
//! (≈ 41 % overall with Dortmund's ≈ 22 % foreign nationals).
//!
//! Realistic mistakes (when there are at least 6 replies): one code with one
//! character changed, one duplicate reply (a corrected row 1–3 days later), one
//! missing education answer, one without consent, one withdrawn.

use super::Draws;
use crate::base::process::intake::{
    FormAttribute, IntakeConfig, default_no_values, default_register_attributes, default_yes_values,
};
use crate::base::spec::Stream;
use crate::base::text::fold;
use crate::draw::codes::ALPHABET;
use crate::draw::invitees::Invitee;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// Form answers for the school leaving certificate and their level.
const EDUCATION_ANSWERS: [(&str, &str); 6] = [
    ("kein Schulabschluss", "niedrig"),
    ("Hauptschulabschluss", "niedrig"),
    ("noch in der Schule", "niedrig"),
    ("Mittlerer Schulabschluss", "mittel"),
    ("Fachhochschulreife", "hoch"),
    ("Abitur", "hoch"),
];

/// The `[intake]` configuration matching [`synth_applications`]' columns.
pub fn default_dortmund_config() -> IntakeConfig {
    let map: BTreeMap<String, String> = EDUCATION_ANSWERS
        .iter()
        .map(|(a, v)| (a.to_string(), v.to_string()))
        .collect();
    IntakeConfig {
        code_column: "Antragscode".into(),
        consent_column: "Einwilligung Datenschutz".into(),
        withdrawn_column: Some("Zurückgezogen".into()),
        submitted_column: Some("Eingangsdatum".into()),
        contact_columns: vec!["E-Mail".into(), "Telefon".into()],
        availability_column: Some("Verfügbarkeit".into()),
        attributes: vec![
            FormAttribute {
                name: "education".into(),
                column: "Bildungsabschluss".into(),
                values: vec!["niedrig".into(), "mittel".into(), "hoch".into()],
                map: Some(map),
            },
            FormAttribute {
                name: "migration_background".into(),
                column: "Migrationshintergrund".into(),
                values: vec!["ja".into(), "nein".into()],
                map: None,
            },
        ],
        register_attributes: default_register_attributes(),
        household_rule: true,
        yes_values: default_yes_values(),
        no_values: default_no_values(),
    }
}

/// The spec's stream (raw ChaCha20 words, unbiased `below`), keyed by the seed.
struct Rng(Stream);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut h = Sha256::new();
        h.update(b"sortes/intake-synth/v1\0");
        h.update(seed.to_le_bytes());
        Rng(Stream::new(h.finalize().into()))
    }
}

impl super::Draws for Rng {
    /// Uniform in 0..n (n > 0), by rejection: no modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        self.0.below(n.max(1))
    }
}

fn age_of(inv: &Invitee) -> u32 {
    if let Ok(a) = inv.age.trim().parse::<u32>() {
        return a;
    }
    let lead: String = inv
        .age_band
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    lead.parse().unwrap_or(45)
}

fn is_german(inv: &Invitee) -> bool {
    let n = fold(&inv.nationality);
    n.is_empty() || n == "deutsch" || n == "de" || n == "deutschland" || n == "german"
}

fn age_factor(age: u32) -> u64 {
    match age {
        0..=24 => 70,
        25..=34 => 85,
        35..=49 => 105,
        50..=64 => 120,
        65..=74 => 115,
        75..=84 => 75,
        _ => 40,
    }
}

fn district_factor(d: &str) -> u64 {
    match fold(d).as_str() {
        "innenstadt-nord" => 60,
        "eving" | "scharnhorst" => 85,
        "innenstadt-ost" => 110,
        "aplerbeck" | "hombruch" => 130,
        _ => 100,
    }
}

/// Index into [`EDUCATION_ANSWERS`].
fn draw_education(r: &mut Rng, age: u32) -> usize {
    if age <= 18 && r.chance(80, 100) {
        return 2;
    }
    let w: [u64; 6] = if age >= 65 {
        [9, 42, 0, 24, 7, 18]
    } else {
        [7, 24, 0, 27, 10, 32]
    };
    r.weighted(&w)
}

fn education_factor(answer: usize) -> u64 {
    match answer {
        2 => 90,
        3 => 95,
        4 | 5 => 150,
        _ => 60,
    }
}

/// The answer written for a form attribute: the form wording if the attribute's
/// map knows it, else the level if it is a value, else a value at random.
fn answer_for(r: &mut Rng, a: &FormAttribute, wording: &str, level: &str) -> String {
    let known = |s: &str| {
        a.map
            .as_ref()
            .is_some_and(|m| m.keys().any(|k| fold(k) == fold(s)))
    };
    if known(wording) {
        wording.to_string()
    } else if a.values.iter().any(|v| fold(v) == fold(level)) || a.values.is_empty() {
        level.to_string()
    } else {
        a.values[r.below(a.values.len() as u64) as usize].clone()
    }
}

fn ascii_name(s: &str) -> String {
    let mut out = String::new();
    for c in s.split_whitespace().next().unwrap_or("").chars() {
        match c.to_lowercase().next().unwrap_or(c) {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            '-' => out.push('-'),
            _ => {}
        }
    }
    if out.is_empty() { "x".into() } else { out }
}

/// One reply row, before it is written.
struct Reply {
    minute: u64,
    code: String,
    attributes: Vec<String>,
    contact: Vec<String>,
    consent: String,
    availability: String,
    withdrawn: String,
}

/// Minutes since 2025-09-01 00:00 as "dd.mm.yyyy HH:MM:SS" (September/October).
fn timestamp(minute: u64, second: u64) -> String {
    let day = minute / 1440;
    let (d, m) = if day < 30 {
        (day + 1, 9)
    } else {
        (day - 29, 10)
    };
    format!(
        "{:02}.{:02}.2025 {:02}:{:02}:{:02}",
        d,
        m,
        minute % 1440 / 60,
        minute % 60,
        second
    )
}

/// A realistic online-form export (UTF-8, `;`) of the replies of `invitees`, with
/// the columns of `cfg` (see the module documentation for the model).
pub fn synth_applications(invitees: &[Invitee], cfg: &IntakeConfig, seed: u64) -> Vec<u8> {
    let mut r = Rng::new(seed);
    let mut replies: Vec<Reply> = Vec::new();
    for inv in invitees {
        let age = age_of(inv);
        let german = is_german(inv);
        let edu = draw_education(&mut r, age);
        let migration = if german {
            r.chance(25, 100)
        } else {
            r.chance(97, 100)
        };
        let nat_f = if german { 100 } else { 75 };
        let p = 120_000
            * age_factor(age)
            * district_factor(&inv.stadtbezirk)
            * education_factor(edu)
            * nat_f
            / 100_000_000;
        if !r.chance(p.min(1_000_000), 1_000_000) {
            continue;
        }
        // Code as typed: mostly as printed, some in lower case or without hyphen.
        let code = match r.below(20) {
            0 | 1 => inv.application_code.to_lowercase(),
            2 => inv.application_code.replace('-', " "),
            3 => inv.application_code.replace('-', ""),
            _ => inv.application_code.clone(),
        };
        let mut attributes = Vec::new();
        for a in &cfg.attributes {
            let v = match fold(&a.name).as_str() {
                "education" | "bildung" => {
                    let (w, level) = EDUCATION_ANSWERS[edu];
                    answer_for(&mut r, a, w, level)
                }
                "migration_background" | "migrationshintergrund" => {
                    let yes = if migration { "ja" } else { "nein" };
                    let mut v = answer_for(&mut r, a, yes, yes);
                    if r.chance(1, 5) {
                        // Some forms capitalise.
                        let mut c = v.chars();
                        v = c
                            .next()
                            .map(|f| f.to_uppercase().chain(c).collect())
                            .unwrap_or_default();
                    }
                    v
                }
                _ => a
                    .values
                    .get(r.below(a.values.len().max(1) as u64) as usize)
                    .cloned()
                    .unwrap_or_default(),
            };
            attributes.push(v);
        }
        let has_mail = r.chance(85, 100);
        let has_phone = !has_mail || r.chance(55, 100);
        let contact = cfg
            .contact_columns
            .iter()
            .map(|c| {
                let c = fold(c);
                if c.contains("mail") {
                    if has_mail {
                        let domain =
                            ["example.org", "example.net", "example.com"][r.below(3) as usize];
                        format!(
                            "{}.{}{}@{domain}",
                            ascii_name(&inv.given_names),
                            ascii_name(&inv.family_name),
                            if r.chance(1, 3) {
                                (r.below(90) + 10).to_string()
                            } else {
                                String::new()
                            }
                        )
                    } else {
                        String::new()
                    }
                } else if c.contains("tel") || c.contains("phone") || c.contains("handy") {
                    if has_phone {
                        if r.chance(1, 2) {
                            format!("0231 {}", 100_000 + r.below(9_900_000))
                        } else {
                            format!("01{} {}", 51 + r.below(29), 1_000_000 + r.below(9_000_000))
                        }
                    } else {
                        String::new()
                    }
                } else {
                    String::new()
                }
            })
            .collect();
        let availability = ["alle Termine", "nur Samstage", "nicht am 2. Termin", ""]
            [r.weighted(&[70, 12, 8, 10])]
        .to_string();
        // Replies come early: the day is the smaller of two uniform draws.
        let day = r.below(28).min(r.below(28));
        let minute = day * 1440 + 7 * 60 + r.below(17 * 60);
        replies.push(Reply {
            minute,
            code,
            attributes,
            contact,
            consent: "ja".into(),
            availability,
            withdrawn: String::new(),
        });
    }

    if replies.len() >= 6 {
        // Five different replies get one mistake each.
        let mut picks: Vec<usize> = Vec::new();
        while picks.len() < 5 {
            let k = r.below(replies.len() as u64) as usize;
            if !picks.contains(&k) {
                picks.push(k);
            }
        }
        // 1. A typo: one character of the code changed.
        let typo = &mut replies[picks[0]];
        let mut chars: Vec<char> = typo.code.to_uppercase().chars().collect();
        let positions: Vec<usize> = (0..chars.len())
            .filter(|&i| chars[i].is_ascii_alphanumeric())
            .collect();
        if !positions.is_empty() {
            let pos = positions[r.below(positions.len() as u64) as usize];
            let old = chars[pos];
            let mut new = old;
            while new == old {
                new = ALPHABET[r.below(ALPHABET.len() as u64) as usize] as char;
            }
            chars[pos] = new;
            typo.code = chars.into_iter().collect();
        }
        // 2. A duplicate: a corrected reply 1–3 days later (education changed).
        let first = &replies[picks[1]];
        let mut again = Reply {
            minute: first.minute + 1440 + r.below(2 * 1440),
            code: first.code.clone(),
            attributes: first.attributes.clone(),
            contact: first.contact.clone(),
            consent: first.consent.clone(),
            availability: first.availability.clone(),
            withdrawn: String::new(),
        };
        for (a, v) in cfg.attributes.iter().zip(again.attributes.iter_mut()) {
            if matches!(fold(&a.name).as_str(), "education" | "bildung") {
                let alternatives: Vec<String> = match &a.map {
                    Some(m) => m.keys().cloned().collect(),
                    None => a.values.clone(),
                };
                if let Some(other) = alternatives.iter().find(|x| fold(x) != fold(v)) {
                    *v = other.clone();
                }
            }
        }
        replies.push(again);
        // 3. A missing answer (the first attribute, normally education).
        if let Some(v) = replies[picks[2]].attributes.first_mut() {
            v.clear();
        }
        // 4. Consent box not ticked.
        replies[picks[3]].consent = String::new();
        // 5. Withdrawn after replying.
        replies[picks[4]].withdrawn = "ja".into();
    }

    // Export order: by submission time (stable).
    let mut order: Vec<(u64, u64, usize)> = replies
        .iter()
        .enumerate()
        .map(|(i, x)| (x.minute, r.below(60), i))
        .collect();
    order.sort();

    let mut header: Vec<String> = vec![cfg.code_column.clone()];
    header.extend(cfg.attributes.iter().map(|a| a.column.clone()));
    header.extend(cfg.contact_columns.iter().cloned());
    header.push(cfg.consent_column.clone());
    header.extend(cfg.availability_column.iter().cloned());
    header.extend(cfg.withdrawn_column.iter().cloned());
    header.extend(cfg.submitted_column.iter().cloned());
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let _ = w.write_record(&header);
    for (minute, second, i) in order {
        let x = &replies[i];
        let mut rec: Vec<String> = vec![x.code.clone()];
        rec.extend(x.attributes.iter().cloned());
        rec.extend(x.contact.iter().cloned());
        rec.push(x.consent.clone());
        if cfg.availability_column.is_some() {
            rec.push(x.availability.clone());
        }
        if cfg.withdrawn_column.is_some() {
            rec.push(x.withdrawn.clone());
        }
        if cfg.submitted_column.is_some() {
            rec.push(timestamp(minute, second));
        }
        // Writing to a Vec<u8> cannot fail.
        let _ = w.write_record(&rec);
    }
    w.into_inner().unwrap_or_default()
}

/// Writes synthetic applications of the drawn invitees (for trying the tool out and
/// for the demo; never for a real process). Returns (rows, invitees).
pub fn write_for_process(
    process: &crate::base::process::Process,
    out: &Path,
    seed: u64,
    force: bool,
) -> crate::base::error::Result<(usize, usize)> {
    let cfg = process.file.intake.as_ref().ok_or_else(|| {
        crate::base::error::Error::refused("the process file has no [intake] table")
    })?;
    let run = crate::base::run::Run::open(process.layout())?;
    let (invitees, _) = crate::intake::step::load_invitees(&run)?;
    let bytes = synth_applications(&invitees, cfg, seed);
    crate::base::fsio::write_atomic(out, &bytes, crate::base::fsio::Privacy::Personal, force)?;
    let rows = bytes
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        .saturating_sub(1);
    Ok((rows, invitees.len()))
}

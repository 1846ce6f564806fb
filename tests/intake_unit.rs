//! Tests of the intake of applications (`sortes::intake`).

use proptest::prelude::*;
use sortes::draw::codes::{ALPHABET, CodeKey, parse_code};
use sortes::intake::{
    DuplicateNote, FormAttribute, IntakeConfig, IntakeResult, Invitee, RejectReason, intake,
    mapping_csv, pool_csv, read_invitees, rejects_csv, summary_csv,
};
use sortes::synth::{default_dortmund_config, synth_applications};
use std::path::{Path, PathBuf};

/// The `[intake]` table for the Dortmund forum.toml (kept in sync with the report).
const DORTMUND_TOML: &str = r#"
[intake]
code_column = "Antragscode"
consent_column = "Einwilligung Datenschutz"
withdrawn_column = "Zurückgezogen"
submitted_column = "Eingangsdatum"
contact_columns = ["E-Mail", "Telefon"]
availability_column = "Verfügbarkeit"
register_attributes = ["gender", "age_band", "stadtbezirk"]
household_rule = true

[[intake.attributes]]
name = "education"
column = "Bildungsabschluss"
values = ["niedrig", "mittel", "hoch"]

[intake.attributes.map]
"kein Schulabschluss" = "niedrig"
"Hauptschulabschluss" = "niedrig"
"noch in der Schule" = "niedrig"
"Mittlerer Schulabschluss" = "mittel"
"Fachhochschulreife" = "hoch"
"Abitur" = "hoch"

[[intake.attributes]]
name = "migration_background"
column = "Migrationshintergrund"
values = ["ja", "nein"]
"#;

const DISTRICTS: [(&str, u64); 12] = [
    ("Innenstadt-West", 177),
    ("Innenstadt-Nord", 200),
    ("Innenstadt-Ost", 191),
    ("Eving", 129),
    ("Scharnhorst", 154),
    ("Brackel", 184),
    ("Aplerbeck", 182),
    ("Hörde", 187),
    ("Hombruch", 188),
    ("Lütgendortmund", 159),
    ("Huckarde", 120),
    ("Mengede", 129),
];

fn age_band(age: u32) -> String {
    let edges = [16, 25, 35, 45, 55, 65, 75];
    let i = edges.iter().rposition(|&e| e <= age).unwrap_or(0);
    match edges.get(i + 1) {
        Some(n) => format!("{}-{}", edges[i], n - 1),
        None => format!("{}+", edges[i]),
    }
}

/// A small deterministic generator for test data (not the one under test).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `n` Dortmund-like invitees: districts in proportion to the 2,000-letter plan,
/// ages as in Dortmund's 16+ population, about 22 % non-German (more in Innenstadt-Nord), every tenth
/// person living with the previous one.
fn make_invitees(n: usize, key: u8) -> Vec<Invitee> {
    let k = CodeKey::from_bytes([key; 32]);
    let mut g = Lcg(u64::from(key) * 7919 + n as u64);
    let total: u64 = DISTRICTS.iter().map(|d| d.1).sum();
    let mut out: Vec<Invitee> = Vec::with_capacity(n);
    let mut codes = std::collections::BTreeSet::new();
    for i in 0..n {
        let mut x = g.next(total);
        let mut d = 0;
        while x >= DISTRICTS[d].1 {
            x -= DISTRICTS[d].1;
            d += 1;
        }
        let district = DISTRICTS[d].0;
        // Dortmund 16+ age structure (IT.NRW 2021): 16–17, 18–29, 30–44, 45–59, 60–64, 65–74, 75–94.
        let bands: [(u32, u32, u64); 7] = [
            (16, 2, 21),
            (18, 12, 181),
            (30, 15, 233),
            (45, 15, 244),
            (60, 5, 77),
            (65, 10, 120),
            (75, 20, 124),
        ];
        let mut y = g.next(1000);
        let mut b = 0;
        while b < 6 && y >= bands[b].2 {
            y -= bands[b].2;
            b += 1;
        }
        let age = bands[b].0 + g.next(u64::from(bands[b].1)) as u32;
        let foreign_pct = if district == "Innenstadt-Nord" {
            50
        } else {
            18
        };
        let nationality = if g.next(100) < foreign_pct {
            ["türkisch", "polnisch", "syrisch", "rumänisch"][g.next(4) as usize]
        } else {
            "deutsch"
        };
        let id = format!("R{:07}", 1_000_000 + i);
        let mut attempt = 0;
        let code = loop {
            let c = k.code("test-process", &id, attempt);
            if codes.insert(c.clone()) {
                break c;
            }
            attempt += 1;
        };
        let (street, number, postcode) = if i % 10 == 9 {
            let p: &Invitee = &out[i - 1];
            (p.street.clone(), p.house_number.clone(), p.postcode.clone())
        } else {
            (
                format!("Zqwstraße{i}"),
                format!("{}a", 1 + g.next(120)),
                format!("44{:03}", 100 + g.next(800)),
            )
        };
        out.push(Invitee {
            wave: "1".into(),
            stratum: district.into(),
            draw_rank: (i + 1).to_string(),
            register_id: id,
            application_code: code,
            family_name: format!("Xylofam{i}"),
            given_names: format!("Qvorname{i}"),
            street,
            house_number: number,
            postcode,
            city: "Dortmund".into(),
            age: age.to_string(),
            age_band: age_band(age),
            gender: if g.next(500) == 0 {
                "d"
            } else if g.next(100) < 49 {
                "m"
            } else {
                "w"
            }
            .into(),
            nationality: nationality.into(),
            stadtbezirk: district.into(),
            file: None,
            line: i as u64 + 2,
            ..Default::default()
        });
    }
    out
}

/// The small form used by most tests (comma-separated).
fn small_cfg() -> IntakeConfig {
    let mut c = default_dortmund_config();
    c.submitted_column = None;
    c.availability_column = None;
    c
}

const SMALL_HEADER: &str = "Antragscode,Bildungsabschluss,Migrationshintergrund,E-Mail,Telefon,Einwilligung Datenschutz,Zurückgezogen";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn row(code: &str, edu: &str, mig: &str, consent: &str, withdrawn: &str) -> String {
    format!("{code},{edu},{mig},a@example.org,0231 1,{consent},{withdrawn}\n")
}

fn run(cfg: &IntakeConfig, inv: &[Invitee], text: &str) -> IntakeResult {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "applications.csv", text);
    let res = intake(cfg, inv, &p).unwrap();
    assert_eq!(res.rows_in, res.pool.len() + res.rejects.len());
    res
}

fn reason_at(res: &IntakeResult, line: u64) -> &RejectReason {
    &res.rejects
        .iter()
        .find(|r| r.line == line)
        .unwrap_or_else(|| panic!("no reject at line {line}"))
        .reason
}

/// A code with a valid check character that `make_invitees(_, key)` never issues.
fn foreign_code() -> String {
    CodeKey::from_bytes([200; 32]).code("other", "R9999999", 0)
}

/// Raw 9 characters of a code with one character substituted (an invalid code).
fn substituted(code: &str, pos: usize) -> String {
    let mut raw: Vec<u8> = code.bytes().filter(|&b| b != b'-').collect();
    let v = ALPHABET.iter().position(|&a| a == raw[pos]).unwrap();
    raw[pos] = ALPHABET[(v + 1) % 31];
    String::from_utf8(raw).unwrap()
}

#[test]
fn each_reject_reason_is_reported() {
    let inv = make_invitees(12, 3);
    let c = |i: usize| inv[i].application_code.clone();
    let mut text = String::from(SMALL_HEADER);
    text.push('\n');
    text += &row(&c(0), "Abitur", "nein", "ja", ""); // 2 pool
    text += &row(&foreign_code(), "Abitur", "nein", "ja", ""); // 3 unknown
    text += &row(&substituted(&c(1), 4), "Abitur", "nein", "ja", ""); // 4 typo
    text += &row("", "Abitur", "nein", "ja", ""); // 5 no code
    text += &row(&c(2), "Abitur", "nein", "ja", ""); // 6 superseded by 7
    text += &row(&c(2).to_lowercase(), "Hauptschulabschluss", "ja", "ja", ""); // 7 pool
    text += &row(&c(3), "", "nein", "ja", ""); // 8 missing
    text += &row(&c(4), "Mitel", "nein", "ja", ""); // 9 invalid + hint
    text += &row(&c(5), "Abitur", "nein", "nein", ""); // 10 no consent
    text += &row(&c(6), "Abitur", "nein", "ja", "ja"); // 11 withdrawn
    text += &row(&c(7), "Abitur", "nein", "ja", "vielleicht"); // 12 unclear
    text += &format!("{},Abitur,nein,a@example.org,0231 1,ja,,extra\n", c(8)); // 13 broken
    text += &row(&c(9), " mittel ", " JA ", "Ja", "nein"); // 14 pool
    text += &row("ABCD-EFG", "Abitur", "nein", "ja", ""); // 15 malformed
    let res = run(&small_cfg(), &inv, &text);
    assert_eq!(res.rows_in, 14);
    assert_eq!(res.pool.len(), 3);
    assert_eq!(res.rejects.len(), 11);

    assert_eq!(reason_at(&res, 3), &RejectReason::UnknownCode);
    match reason_at(&res, 4) {
        RejectReason::InvalidCode { suggestion, .. } => {
            assert_eq!(suggestion.as_deref(), Some(c(1).as_str()))
        }
        r => panic!("{r:?}"),
    }
    assert_eq!(reason_at(&res, 5), &RejectReason::NoCode);
    assert_eq!(reason_at(&res, 6), &RejectReason::Superseded { by_line: 7 });
    match reason_at(&res, 8) {
        RejectReason::Attributes(p) => {
            assert_eq!(p.len(), 1);
            assert_eq!(p[0].attribute, "education");
            assert!(p[0].value.is_empty());
            let msg = reason_at(&res, 8).to_string();
            assert!(
                msg.contains("Bildungsabschluss (education) is missing"),
                "{msg}"
            );
            assert!(msg.contains("Abitur") && msg.contains("hoch"), "{msg}");
        }
        r => panic!("{r:?}"),
    }
    match reason_at(&res, 9) {
        RejectReason::Attributes(p) => {
            assert_eq!(p[0].hint.as_deref(), Some("mittel"));
            let msg = reason_at(&res, 9).to_string();
            assert!(msg.contains("\"Mitel\" is not an allowed answer"), "{msg}");
            assert!(msg.contains("did you mean \"mittel\""), "{msg}");
        }
        r => panic!("{r:?}"),
    }
    assert!(matches!(
        reason_at(&res, 10),
        RejectReason::NoConsent { .. }
    ));
    assert_eq!(reason_at(&res, 11), &RejectReason::Withdrawn);
    assert!(matches!(
        reason_at(&res, 12),
        RejectReason::UnclearWithdrawal { .. }
    ));
    assert_eq!(
        reason_at(&res, 13),
        &RejectReason::BrokenRow {
            fields: 8,
            expected: 7
        }
    );
    match reason_at(&res, 15) {
        RejectReason::InvalidCode { problem, .. } => assert!(problem.contains("9 characters")),
        r => panic!("{r:?}"),
    }
    // The winner of the duplicate is in the pool and noted in the summary.
    assert!(res.pool.iter().any(|p| p.line == 7));
    assert_eq!(
        res.summary.duplicates,
        vec![DuplicateNote {
            line: 7,
            superseded: vec![6],
            in_pool: true
        }]
    );
    // Answers are matched trimmed and case-insensitively, and mapped.
    let p14 = res.pool.iter().find(|p| p.line == 14).unwrap();
    assert_eq!(&p14.attributes[3..], ["mittel", "ja"]);
    let p7 = res.pool.iter().find(|p| p.line == 7).unwrap();
    assert_eq!(&p7.attributes[3..], ["niedrig", "ja"]);
    // Register attributes come from the invitee row.
    assert_eq!(
        &p7.attributes[..3],
        [
            inv[2].gender.as_str(),
            inv[2].age_band.as_str(),
            inv[2].stadtbezirk.as_str()
        ]
    );
    // The rejects file has line, code as typed, reason.
    let rj = String::from_utf8(rejects_csv(&res).unwrap()).unwrap();
    assert!(rj.starts_with("line,code,reason_kind,reason\n"));
    assert!(rj.contains(&format!("6,{},superseded,superseded by line 7", c(2))));
    assert!(rj.contains(&format!("did you mean {}?", c(1))));
}

/// The valid codes one substitution away from `typed` (one per position).
fn valid_neighbours(typed: &str) -> Vec<String> {
    let raw: Vec<u8> = typed.bytes().collect();
    let mut out = Vec::new();
    for pos in 0..raw.len() {
        for &a in ALPHABET {
            let mut t = raw.clone();
            if t[pos] == a {
                continue;
            }
            t[pos] = a;
            if let Ok(c) = parse_code(std::str::from_utf8(&t).unwrap()) {
                out.push(c);
            }
        }
    }
    out
}

#[test]
fn did_you_mean_only_for_exactly_one_candidate() {
    let mut inv = make_invitees(30, 4);
    let c1 = inv[0].application_code.clone();
    let typo = substituted(&c1, 6);
    let neighbours = valid_neighbours(&typo);
    assert!(neighbours.contains(&c1));
    let c2 = neighbours.iter().find(|c| **c != c1).unwrap().clone();
    let cfg = small_cfg();
    let text = format!("{SMALL_HEADER}\n{}", row(&typo, "Abitur", "nein", "ja", ""));
    // One issued code one edit away: suggested.
    let res = run(&cfg, &inv, &text);
    assert_eq!(
        reason_at(&res, 2),
        &RejectReason::InvalidCode {
            problem: "the check character does not match (a typo?)".into(),
            suggestion: Some(c1.clone())
        }
    );
    // Two issued codes one edit away: no suggestion.
    inv[1].application_code = c2;
    let res = run(&cfg, &inv, &text);
    match reason_at(&res, 2) {
        RejectReason::InvalidCode { suggestion, .. } => assert_eq!(suggestion, &None),
        r => panic!("{r:?}"),
    }
    assert!(
        !rejects_csv(&res)
            .unwrap()
            .windows(7)
            .any(|w| w == b"did you")
    );
    // Deletion, insertion and adjacent swap are one edit as well.
    let raw: String = inv[5].application_code.replace('-', "");
    let deleted = format!("{}{}", &raw[..3], &raw[4..]);
    let inserted = format!("{}Z{}", &raw[..5], &raw[5..]);
    let mut b = raw.clone().into_bytes();
    let pos = (0..8).find(|&i| b[i] != b[i + 1]).unwrap();
    b.swap(pos, pos + 1);
    let swapped = String::from_utf8(b).unwrap();
    for typed in [deleted, inserted, swapped] {
        let text = format!(
            "{SMALL_HEADER}\n{}",
            row(&typed, "Abitur", "nein", "ja", "")
        );
        let res = run(&cfg, &inv, &text);
        match reason_at(&res, 2) {
            RejectReason::InvalidCode { suggestion, .. } => {
                assert_eq!(
                    suggestion.as_deref(),
                    Some(inv[5].application_code.as_str())
                )
            }
            r => panic!("{typed}: {r:?}"),
        }
    }
    // Far from every issued code: no suggestion.
    let text = format!(
        "{SMALL_HEADER}\n{}",
        row("2222-22222", "Abitur", "nein", "ja", "")
    );
    let res = run(&cfg, &inv, &text);
    assert!(matches!(
        reason_at(&res, 2),
        RejectReason::UnknownCode
            | RejectReason::InvalidCode {
                suggestion: None,
                ..
            }
    ));
}

#[test]
fn duplicates_later_submission_wins_and_both_are_reported() {
    let inv = make_invitees(10, 5);
    let c = inv[0].application_code.clone();
    let mut cfg = small_cfg();
    cfg.submitted_column = Some("Eingangsdatum".into());
    // The row order is not the time order: line 2 was submitted last.
    let text = format!(
        "{SMALL_HEADER},Eingangsdatum\n\
         {c},Abitur,nein,a@example.org,,ja,,2025-09-20 10:00\n\
         {c},Hauptschulabschluss,nein,a@example.org,,ja,,2025-09-03 09:00\n\
         {c},Fachhochschulreife,nein,a@example.org,,ja,,12.09.2025 08:30:00\n"
    );
    let res = run(&cfg, &inv, &text);
    assert_eq!(res.pool.len(), 1);
    assert_eq!(res.pool[0].line, 2);
    assert_eq!(res.rejects.len(), 2);
    assert_eq!(reason_at(&res, 3), &RejectReason::Superseded { by_line: 2 });
    assert_eq!(reason_at(&res, 4), &RejectReason::Superseded { by_line: 2 });
    assert_eq!(
        res.summary.duplicates,
        vec![DuplicateNote {
            line: 2,
            superseded: vec![3, 4],
            in_pool: true
        }]
    );
    let s = String::from_utf8(summary_csv(&res).unwrap()).unwrap();
    assert!(
        s.contains("duplicate,line,2,,,,3,\"supersedes line 3, 4; in pool\""),
        "{s}"
    );

    // Without a submission column the later row wins; a later withdrawal counts.
    let text = format!(
        "{SMALL_HEADER}\n{}{}",
        row(&c, "Abitur", "nein", "ja", ""),
        row(&c, "Abitur", "nein", "ja", "ja")
    );
    let res = run(&small_cfg(), &inv, &text);
    assert!(res.pool.is_empty());
    assert_eq!(reason_at(&res, 2), &RejectReason::Superseded { by_line: 3 });
    assert_eq!(reason_at(&res, 3), &RejectReason::Withdrawn);
    assert!(!res.summary.duplicates[0].in_pool);

    // An unreadable time is an error that names the cell.
    let text = format!("{SMALL_HEADER},Eingangsdatum\n{c},Abitur,nein,,,ja,,gestern\n");
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.csv", &text);
    let e = intake(&cfg, &inv, &p).unwrap_err().to_string();
    assert!(e.contains("line 2") && e.contains("Eingangsdatum"), "{e}");
}

fn personal_texts(inv: &Invitee) -> Vec<String> {
    vec![
        inv.register_id.clone(),
        inv.application_code.clone(),
        inv.application_code.replace('-', ""),
        inv.family_name.clone(),
        inv.given_names.clone(),
        inv.street.clone(),
        inv.postcode.clone(),
    ]
}

#[test]
fn pool_csv_is_pseudonymous_and_households_are_marked() {
    let inv = make_invitees(40, 6);
    let mut text = String::from(SMALL_HEADER);
    text.push('\n');
    for (i, x) in inv.iter().enumerate() {
        text += &format!(
            "{},Abitur,nein,{}@example.org,0231 55{i},ja,\n",
            x.application_code, x.given_names
        );
    }
    let cfg = small_cfg();
    let res = run(&cfg, &inv, &text);
    assert_eq!(res.pool.len(), 40);
    let pool = String::from_utf8(pool_csv(&res).unwrap()).unwrap();
    assert!(pool.starts_with(
        "pool_id,household,gender,age_band,stadtbezirk,education,migration_background\n"
    ));
    for i in &inv {
        for t in personal_texts(i) {
            assert!(!pool.contains(&t), "pool_csv contains {t}");
        }
    }
    assert!(!pool.contains("example.org") && !pool.contains("0231"));
    assert!(!pool.contains("Dortmund"));
    // Ids in code order.
    let mut codes: Vec<&str> = res.pool.iter().map(|p| p.code.as_str()).collect();
    let sorted = {
        let mut s = codes.clone();
        s.sort();
        s
    };
    assert_eq!(codes, sorted);
    codes.dedup();
    assert_eq!(res.pool[0].pool_id, "P0001");
    assert_eq!(res.pool[39].pool_id, "P0040");
    // Households: invitees 8 and 9 share an address (every tenth lives with the previous).
    let pid = |i: usize| {
        res.pool
            .iter()
            .find(|p| p.code == inv[i].application_code)
            .unwrap()
            .clone()
    };
    let (a, b) = (pid(8), pid(9));
    let head = a.pool_id.clone().min(b.pool_id.clone());
    assert_eq!(a.household, head);
    assert_eq!(b.household, head);
    assert_eq!(pid(0).household, "");
    // Without the household rule nobody has a household.
    let mut no_hh = cfg.clone();
    no_hh.household_rule = false;
    let res2 = run(&no_hh, &inv, &text);
    assert!(res2.pool.iter().all(|p| p.household.is_empty()));
    // The private mapping holds what the office needs.
    let m = String::from_utf8(mapping_csv(&res, &inv).unwrap()).unwrap();
    assert!(m.starts_with("pool_id,register_id,application_code,family_name,given_names,doctorate,name_prefix,street,house_number,house_number_suffix,house_number_part,address_addition,postcode,city,wave,E-Mail,Telefon,line\n"));
    let line = m.lines().find(|l| l.starts_with(&a.pool_id)).unwrap();
    assert!(line.contains(&inv[8].register_id) && line.contains(&inv[8].family_name));
    assert!(line.contains(&format!("{}@example.org", inv[8].given_names)));
    // Debug output of pool rows and invitees does not show personal data.
    let dbg = format!("{:?} {:?}", res.pool, inv);
    for i in &inv {
        for t in personal_texts(i) {
            assert!(!dbg.contains(&t), "Debug shows {t}");
        }
    }
    // The summary holds aggregates only.
    let s = String::from_utf8(summary_csv(&res).unwrap()).unwrap();
    for i in &inv {
        for t in personal_texts(i) {
            assert!(!s.contains(&t));
        }
    }
}

#[test]
fn input_formats_and_missing_columns() {
    let inv = make_invitees(5, 7);
    let cfg = small_cfg();
    let c0 = &inv[0].application_code;
    let c1 = &inv[1].application_code;
    // BOM, semicolons, header names with other case and spaces.
    let text = format!(
        "\u{feff} antragscode ;BILDUNGSABSCHLUSS;Migrationshintergrund;e-mail;Telefon;Einwilligung Datenschutz;Zurückgezogen\n\
         {c0};Abitur;nein;;;ja;\n"
    );
    assert_eq!(run(&cfg, &inv, &text).pool.len(), 1);
    // Tabs, quoted fields.
    let text = format!(
        "Antragscode\tBildungsabschluss\tMigrationshintergrund\tE-Mail\tTelefon\tEinwilligung Datenschutz\tZurückgezogen\n\
         {c0}\t\"Abitur\"\tnein\t\t\tja\t\n{c1}\tAbitur\tja\t\"a;b\"\t\tja\t\n"
    );
    assert_eq!(run(&cfg, &inv, &text).pool.len(), 2);
    // A missing configured column is an error listing the columns that exist.
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.csv", "Antragscode,Bildung\nX,Y\n");
    let e = intake(&cfg, &inv, &p).unwrap_err().to_string();
    assert!(e.contains("line 1"), "{e}");
    assert!(
        e.contains("the columns \"Einwilligung Datenschutz\" (intake.consent_column), ")
            && e.contains("\"E-Mail\" (intake.contact_columns)")
            && e.contains("are missing; the file has the columns \"Antragscode\", \"Bildung\""),
        "{e}"
    );
    // Not UTF-8.
    let p = dir.path().join("latin1.csv");
    std::fs::write(&p, b"Antragscode,Bildungsabschluss\nA\xe4,B\n").unwrap();
    let e = intake(&cfg, &inv, &p).unwrap_err().to_string();
    assert!(e.contains("not UTF-8") && e.contains("line 2"), "{e}");
    // A bad configuration is refused before reading.
    let mut bad = cfg.clone();
    bad.register_attributes = vec!["family_name".into()];
    assert!(
        intake(&bad, &inv, &p)
            .unwrap_err()
            .to_string()
            .contains("register_attributes")
    );
    let mut bad = cfg.clone();
    bad.attributes.push(FormAttribute {
        name: "x".into(),
        column: "X".into(),
        values: vec!["a".into()],
        map: Some([("A1".to_string(), "b".to_string())].into_iter().collect()),
    });
    assert!(intake(&bad, &inv, &p).is_err());
}

#[test]
fn invitees_are_read_from_every_wave() {
    let inv = make_invitees(6, 8);
    let header = sortes::draw::invitees::HEADER.join(",");
    let line = |i: &Invitee| {
        sortes::draw::invitees::HEADER
            .iter()
            .map(|c| {
                if *c == "application_code" {
                    i.application_code.to_lowercase()
                } else {
                    i.field(c).unwrap().to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let dir = tempfile::tempdir().unwrap();
    let w1: String = inv[..4].iter().map(|i| line(i) + "\n").collect();
    let w2: String = inv[4..].iter().map(|i| line(i) + "\n").collect();
    let p1 = write(dir.path(), "w1.csv", &format!("{header}\n{w1}"));
    let p2 = write(dir.path(), "w2.csv", &format!("{header}\n{w2}"));
    let read = read_invitees(&[p1.clone(), p2]).unwrap();
    assert_eq!(read.len(), 6);
    assert_eq!(read[5].application_code, inv[5].application_code);
    assert_eq!(read[5].line, 3);
    assert_eq!(read[0].family_name, inv[0].family_name);
    // The same file twice is refused.
    let e = read_invitees(&[p1.clone(), p1]).unwrap_err().to_string();
    assert!(e.contains("given twice"), "{e}");
}

#[test]
fn dortmund_toml_example_is_the_default_config() {
    #[derive(serde::Deserialize)]
    struct F {
        intake: IntakeConfig,
    }
    let f: F = toml::from_str(DORTMUND_TOML).unwrap();
    assert_eq!(f.intake, default_dortmund_config());
    // Unknown keys are refused.
    let bad = DORTMUND_TOML.replace("household_rule = true", "household = true");
    assert!(toml::from_str::<F>(&bad).is_err());
    // Minimal table: defaults for the rest.
    let f: F =
        toml::from_str("[intake]\ncode_column = \"Code\"\nconsent_column = \"OK\"\n").unwrap();
    assert!(f.intake.household_rule);
    assert_eq!(
        f.intake.register_attributes,
        ["gender", "age_band", "stadtbezirk"]
    );
    assert!(f.intake.yes_values.contains(&"ja".to_string()));
}

#[test]
fn synthetic_replies_are_realistic_and_deterministic() {
    let inv = make_invitees(2000, 9);
    let cfg = default_dortmund_config();
    let a = synth_applications(&inv, &cfg, 42);
    assert_eq!(a, synth_applications(&inv, &cfg, 42));
    assert_ne!(a, synth_applications(&inv, &cfg, 43));
    let text = String::from_utf8(a.clone()).unwrap();
    assert!(text.starts_with("Antragscode;Bildungsabschluss;Migrationshintergrund;E-Mail;Telefon;Einwilligung Datenschutz;Verfügbarkeit;Zurückgezogen;Eingangsdatum\n"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("applications.csv");
    std::fs::write(&p, &a).unwrap();
    let res = intake(&cfg, &inv, &p).unwrap();
    assert_eq!(res.rows_in, res.pool.len() + res.rejects.len());
    // 8–16 % of the invitees reply validly.
    let rate = res.pool.len() * 1000 / inv.len();
    assert!(
        (80..=160).contains(&rate),
        "{} valid replies",
        res.pool.len()
    );
    // The planted mistakes: one typo, one superseded, one missing, one without consent, one withdrawn.
    let kinds: Vec<&str> = res.rejects.iter().map(|r| r.reason.kind()).collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "attribute",
            "invalid_code",
            "no_consent",
            "superseded",
            "withdrawn"
        ],
        "{:?}",
        res.rejects
            .iter()
            .map(|r| r.reason.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(res.summary.duplicates.len(), 1);
    // The typo has exactly one candidate here, so it gets a suggestion.
    assert!(res.rejects.iter().any(|r| matches!(
        &r.reason,
        RejectReason::InvalidCode {
            suggestion: Some(_),
            ..
        }
    )));
    // Response rates differ in the modelled direction.
    let rate_of = |v: &str| {
        let r = res
            .summary
            .by_stratum
            .iter()
            .find(|r| r.value == v)
            .unwrap();
        r.applied as f64 / r.invited as f64
    };
    assert!(rate_of("Innenstadt-Nord") < rate_of("Hombruch"));
    let form = &res.summary.by_form;
    let edu = &form.iter().find(|f| f.0 == "education").unwrap().1;
    let count = |v: &str| edu.iter().find(|x| x.0 == v).unwrap().1;
    assert!(count("hoch") > count("niedrig"));
    let mig = &form
        .iter()
        .find(|f| f.0 == "migration_background")
        .unwrap()
        .1;
    let ja = mig[0].1 as f64 / (mig[0].1 + mig[1].1) as f64;
    assert!((0.2..0.5).contains(&ja), "migration background ja {ja}");
    // Summary: a rate line per stratum.
    let s = String::from_utf8(summary_csv(&res).unwrap()).unwrap();
    assert!(
        s.lines()
            .any(|l| l.starts_with("stratum,stratum,Hombruch,"))
    );
    assert!(s.lines().any(|l| l.starts_with("form,education,hoch,,")));
}

/// Kinds of rows for the reconciliation property.
#[derive(Debug, Clone)]
enum Kind {
    Valid(usize),
    Unknown,
    Typo(usize),
    Empty,
    Garbage(String),
    Missing(usize),
    NoConsent(usize),
    Withdrawn(usize),
    Broken(usize),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => (0usize..25).prop_map(Kind::Valid),
        1 => Just(Kind::Unknown),
        1 => (0usize..25).prop_map(Kind::Typo),
        1 => Just(Kind::Empty),
        1 => "[A-Za-z0-9 ;,\"-]{0,12}".prop_map(Kind::Garbage),
        1 => (0usize..25).prop_map(Kind::Missing),
        1 => (0usize..25).prop_map(Kind::NoConsent),
        1 => (0usize..25).prop_map(Kind::Withdrawn),
        1 => (0usize..25).prop_map(Kind::Broken),
    ]
}

fn csv_cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_row_ends_in_pool_or_rejects(kinds in proptest::collection::vec(kind(), 0..40)) {
        let inv = make_invitees(25, 11);
        let cfg = small_cfg();
        let c = |i: usize| inv[i].application_code.clone();
        let mut text = String::from(SMALL_HEADER);
        text.push('\n');
        for k in &kinds {
            text += &match k {
                Kind::Valid(i) => row(&c(*i), "Abitur", "ja", "ja", ""),
                Kind::Unknown => row(&foreign_code(), "Abitur", "ja", "ja", ""),
                Kind::Typo(i) => row(&substituted(&c(*i), i % 9), "Abitur", "ja", "ja", ""),
                Kind::Empty => row("", "Abitur", "ja", "ja", ""),
                Kind::Garbage(g) => row(&csv_cell(g), "Abitur", "ja", "ja", ""),
                Kind::Missing(i) => row(&c(*i), "", "ja", "ja", ""),
                Kind::NoConsent(i) => row(&c(*i), "Abitur", "ja", "", ""),
                Kind::Withdrawn(i) => row(&c(*i), "Abitur", "ja", "ja", "ja"),
                Kind::Broken(i) => format!("{},Abitur\n", c(*i)),
            };
        }
        let res = run(&cfg, &inv, &text);
        prop_assert_eq!(res.rows_in, res.pool.len() + res.rejects.len());
        // Pool ids and counted codes are unique; every line is accounted for once.
        let mut ids: Vec<&str> = res.pool.iter().map(|p| p.pool_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), res.pool.len());
        let mut codes: Vec<&str> = res.pool.iter().map(|p| p.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        prop_assert_eq!(codes.len(), res.pool.len());
        let mut lines: Vec<u64> = res.pool.iter().map(|p| p.line)
            .chain(res.rejects.iter().map(|r| r.line)).collect();
        lines.sort();
        lines.dedup();
        prop_assert_eq!(lines.len(), res.rows_in);
        let pool = String::from_utf8(pool_csv(&res).unwrap()).unwrap();
        for i in &inv {
            for t in personal_texts(i) {
                prop_assert!(!pool.contains(&t));
            }
        }
        prop_assert!(!pool.contains("example.org"));
    }
}

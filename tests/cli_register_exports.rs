//! A register export as German offices write it (issue 13): German column names,
//! `;`, Windows-1252, CR LF, `DD.MM.YYYY` with `00` for unknown parts, a year alone,
//! house-number suffix and part number in their own columns, Doktorgrad, name
//! prefix, address additions (one holding `;`, so quoted), `M/W/D/X` and empty
//! gender, `J/N` blocks, Destatis nationality keys, multi-person households.
//!
//! The expected values come from the table below, written by hand: who is eligible
//! (and why), who shares a household, how each address is printed. The binary runs
//! check → commit → draw → letters → verify on it, and the Python reference
//! verifier replays the draw.

mod common;
use common::*;
use predicates::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const HEADER: &str = "Ordnungsmerkmal;Familienname;Vornamen;Doktorgrad;Namensvorsatz;Straße;Hausnummer;HNr-Zusatz;Teilnummer;Adresszusatz;PLZ;Ort;Geburtsdatum;Geschlecht;Staatsangehörigkeiten;Stadtbezirk;Auskunftssperre;Sperrvermerk";

/// One resident as the export writes them, with what the test expects.
struct Row {
    cells: [&'static str; 18],
    /// Eligible (16 or over on 2027-01-15, or possibly so; not blocked).
    eligible: bool,
    /// The household, by hand: residents with the same label share an address.
    household: &'static str,
    /// The address block's name line and street line, as a letter prints them.
    name_line: &'static str,
    street_line: &'static str,
    /// The address addition line, if any.
    addition: &'static str,
}

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let r = |cells, eligible, household, name_line, street_line, addition| Row {
        cells, eligible, household, name_line, street_line, addition,
    };
    vec![
        // Hauptstraße 12 + a: one household with "12a" written in one cell.
        r(["100001", "Groß", "Erika", "Dr.", "", "Hauptstraße", "12", "a", "", "", "44135", "Dortmund", "14.03.1962", "W", "000", "Innenstadt-Ost", "N", "N"],
          true, "haupt12a", "Dr. Erika Groß", "Hauptstraße 12a", ""),
        r(["100002", "Groß", "Hans", "", "", "Hauptstr.", "12", "A", "", "", "44135", "Dortmund", "00.07.1955", "M", "000", "Innenstadt-Ost", "N", "N"],
          true, "haupt12a", "Hans Groß", "Hauptstr. 12A", ""),
        r(["100003", "Yılmaz", "Ayşe", "", "", "Hauptstraße", "12a", "", "", "", "44135", "Dortmund", "00.00.1990", "W", "TUR", "Innenstadt-Ost", "N", "N"],
          true, "haupt12a", "Ayşe Yılmaz", "Hauptstraße 12a", ""),
        // Hauptstraße 12 without the letter: another household.
        r(["100004", "Becker", "Tim", "", "", "Hauptstraße", "12", "", "", "", "44135", "Dortmund", "01.01.1985", "M", "DEU", "Innenstadt-Ost", "n", "n"],
          true, "haupt12", "Tim Becker", "Hauptstraße 12", ""),
        // Lindenweg 5, part 1/2, prefix in its own column, c/o line.
        r(["100005", "Heide", "Anna", "Dr.", "von der", "Lindenweg", "5", "", "1/2", "bei Müller", "44137", "Dortmund", "30.04.1970", "X", "000", "Innenstadt-West", "N", "N"],
          true, "linden5-1/2", "Dr. Anna von der Heide", "Lindenweg 5 1/2", "bei Müller"),
        // Lindenweg 5 without the part number: another household.
        r(["100006", "Dubois", "Pierre", "", "", "Lindenweg", "5", "", "", "", "44137", "Dortmund", "00.07.1955", "M", "129/000", "Innenstadt-West", "N", "N"],
          true, "linden5", "Pierre Dubois", "Lindenweg 5", ""),
        // A quoted address addition that holds the delimiter.
        r(["100007", "Schneider", "Kim", "", "", "Rheinische Straße", "20", "", "", "Gebäude B; 3. OG", "44137", "Dortmund", "00.00.1990", "D", "000", "Innenstadt-West", "N", "N"],
          true, "rhein20", "Kim Schneider", "Rheinische Straße 20", "Gebäude B; 3. OG"),
        // § 51 block: excluded, not a rejected row; empty gender is "x".
        r(["100008", "Nowak", "Anna", "", "", "Am Markt", "1", "", "", "", "44139", "Dortmund", "02.11.1999", "", "000", "Innenstadt-Ost", "J", "N"],
          false, "markt1", "", "", ""),
        // A year alone: 15 or 16 on the reference date, so eligible (the rule decides).
        r(["100009", "Kaya", "Mehmet", "", "", "Am Markt", "3", "", "", "", "44139", "Dortmund", "2011", "m", "TUR", "Innenstadt-Ost", "N", "N"],
          true, "markt3", "Mehmet Kaya", "Am Markt 3", ""),
        // January 2011, day unknown: 16 if born by the 15th, so eligible.
        r(["100010", "Lange", "Lea", "", "", "Am Markt", "5", "", "", "", "44139", "Dortmund", "00.01.2011", "weiblich", "000", "Innenstadt-Ost", "N", "N"],
          true, "markt5", "Lea Lange", "Am Markt 5", ""),
        // February 2011, day unknown: 15 whatever the day, so not eligible.
        r(["100011", "Lange", "Ole", "", "", "Am Markt", "5", "", "", "", "44139", "Dortmund", "00.02.2011", "M", "000", "Innenstadt-Ost", "N", "N"],
          false, "markt5", "", "", ""),
        // § 52 block, written 1 (the default marks read J/N and 1/0 alike).
        r(["100012", "Stein", "Paul", "", "", "Heimweg", "2", "", "", "", "44141", "Dortmund", "01.01.1940", "M", "000", "Innenstadt-West", "0", "1"],
          false, "heim2", "", "", ""),
        r(["100013", "Weiß", "Jörg", "Dr.", "", "Kirchstraße", "7", "b", "", "", "44141", "Dortmund", "29.02.1960", "M", "deutsch", "Innenstadt-West", "", ""],
          true, "kirch7b", "Dr. Jörg Weiß", "Kirchstraße 7b", ""),
        r(["100014", "Weiß", "Ute", "", "", "Kirchstrasse", "7 b", "", "", "", "44141", "Dortmund", "00.12.1961", "W", "deutsch", "Innenstadt-West", "N", "N"],
          true, "kirch7b", "Ute Weiß", "Kirchstrasse 7 b", ""),
    ]
}

/// The extract as text with the given line end, quoting what must be quoted.
fn export_text(rows: &[Row], eol: &str) -> String {
    let mut text = format!("{HEADER}{eol}");
    for r in rows {
        let cells: Vec<String> = r
            .cells
            .iter()
            .map(|c| {
                if c.contains(';') {
                    format!("\"{c}\"")
                } else {
                    c.to_string()
                }
            })
            .collect();
        text.push_str(&cells.join(";"));
        text.push_str(eol);
    }
    text
}

/// The extract as Windows-1252 bytes with CR LF. Turkish ı and ş are not in
/// Windows-1252 (such an office exports UTF-8, tested below), so this text must
/// encode without loss.
fn export_bytes(rows: &[Row]) -> Vec<u8> {
    let text = export_text(rows, "\r\n");
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!lossy, "the test register must be Windows-1252");
    bytes.into_owned()
}

/// Changes the lines of the setup's Windows-1252 register (index 0 is the header).
fn edit_register(dir: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join("register.csv");
    let bytes = std::fs::read(&path).unwrap();
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    let mut lines: Vec<String> = text.split("\r\n").map(String::from).collect();
    edit(&mut lines);
    let joined = lines.join("\r\n");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&joined);
    std::fs::write(&path, &bytes).unwrap();
}

fn process_text(encoding: &str, invitations: usize, letters: &str) -> String {
    format!(
        r#"
[process]
name = "Exportforum"
id = "export-forum"
reference_date = "2027-01-15"

[register]
path = "register.csv"
encoding = "{encoding}"
delimiter = ";"

[register.columns]
register_id = "Ordnungsmerkmal"
family_name = "Familienname"
given_names = "Vornamen"
doctorate = "Doktorgrad"
name_prefix = "Namensvorsatz"
street = "Straße"
house_number = "Hausnummer"
house_number_suffix = "HNr-Zusatz"
house_number_part = "Teilnummer"
address_addition = "Adresszusatz"
postcode = "PLZ"
city = "Ort"
birth_date = "Geburtsdatum"
gender = "Geschlecht"
nationality = "Staatsangehörigkeiten"
stadtbezirk = "Stadtbezirk"
block_51 = "Auskunftssperre"
block_52 = "Sperrvermerk"

[eligibility]
min_age = 16

[draw]
invitations = {invitations}
strata = ["stadtbezirk"]
household_rule = true
{letters}
"#
    )
}

/// Rows without the Turkish letters, for the Windows-1252 file.
fn latin_rows() -> Vec<Row> {
    let mut rows = rows();
    rows[2].cells[1] = "Yilmaz";
    rows[2].cells[2] = "Ayse";
    rows[2].name_line = "Ayse Yilmaz";
    rows
}

fn write_setup(dir: &Path, rows: &[Row], encoding: &str, letters: &str) -> std::path::PathBuf {
    let bytes = if encoding == "utf-8" {
        export_text(rows, "\n").into_bytes()
    } else {
        export_bytes(rows)
    };
    std::fs::write(dir.join("register.csv"), bytes).unwrap();
    // One invitation per household with an eligible resident: everybody's household
    // is drawn, so every invitee's address can be checked.
    let households: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.eligible)
        .map(|r| r.household)
        .collect();
    let p = dir.join("forum.toml");
    std::fs::write(&p, process_text(encoding, households.len(), letters)).unwrap();
    p
}

fn letters_section() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let forum = std::fs::read_to_string(format!("{root}/examples/dortmund/forum.toml")).unwrap();
    let start = forum.find("[letters]").expect("the example has [letters]");
    forum[start..]
        .replace(
            "../../templates/letters",
            &format!("{root}/templates/letters"),
        )
        .replace(
            "# optional address parts",
            "doctorate = \"doctorate\"\nname_prefix = \"name_prefix\"\nhouse_number_suffix = \"house_number_suffix\"\nhouse_number_part = \"house_number_part\"\naddress_extra = \"address_addition\"\n# optional address parts",
        )
}

fn run(p: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    sortes().args(args).arg("-p").arg(p).assert()
}

fn invitees(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            h.iter()
                .zip(rec.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn an_office_export_runs_from_check_to_verify_with_nobody_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let rows = latin_rows();
    let p = write_setup(dir.path(), &rows, "windows-1252", &letters_section());
    let total = rows.len();
    let eligible = rows.iter().filter(|r| r.eligible).count();

    let out = stdout_of(&run(&p, &["check"]).success());
    assert!(
        out.contains(&format!("{total} rows, {total} residents, 0 rejected rows")),
        "{out}"
    );
    // Partial dates: 100002, 100003, 100006, 100007, 100009, 100010, 100011, 100014.
    assert!(
        out.contains("partial birth dates: 8 residents"),
        "the summary counts the partial dates: {out}"
    );
    assert!(!out.contains("Groß") && !out.contains("Müller"), "{out}");

    commit(&p).success();
    let journal = std::fs::read_to_string(dir.path().join("out/journal.jsonl")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(journal.lines().next().unwrap()).unwrap();
    assert_eq!(entry["residents"], total as u64);
    assert_eq!(entry["eligible"], eligible as u64);
    assert_eq!(entry["partial_birth_dates"], 8);
    // Decided by the rule: 2011 (15 or 16) and 00.01.2011 (15 or 16).
    assert_eq!(entry["partial_birth_dates_decided"], 2);
    assert_eq!(entry["excluded"]["block_51"], 1);
    assert_eq!(entry["excluded"]["block_52"], 1);
    assert_eq!(entry["excluded"]["under_min_age"], 1);
    assert!(!journal.contains("Groß") && !journal.contains("Lindenweg"));

    draw(&p, "1.2.3.4.5.6./7./").success();
    let inv = invitees(&dir.path().join("out/private/invitees.csv"));
    let by_id: BTreeMap<&str, &Row> = rows.iter().map(|r| (r.cells[0], r)).collect();
    // One invitee per household, every household with an eligible resident drawn.
    let mut seen = BTreeSet::new();
    for i in &inv {
        let r = by_id[i["register_id"].as_str()];
        assert!(r.eligible, "{} is not eligible", i["register_id"]);
        assert!(seen.insert(r.household), "two invitees of one household");
        // The full address, as the register holds it.
        for (col, k) in [
            ("family_name", 1),
            ("given_names", 2),
            ("doctorate", 3),
            ("name_prefix", 4),
            ("street", 5),
            ("house_number", 6),
            ("house_number_suffix", 7),
            ("house_number_part", 8),
            ("address_addition", 9),
            ("postcode", 10),
            ("city", 11),
        ] {
            assert_eq!(i[col], r.cells[k], "{col} of {}", r.cells[0]);
        }
    }
    let households: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.eligible)
        .map(|r| r.household)
        .collect();
    assert_eq!(seen, households);
    // Gender through the default map; the year-alone resident has an age band.
    for i in &inv {
        let want = match by_id[i["register_id"].as_str()].cells[13] {
            "W" | "weiblich" => "w",
            "M" | "m" => "m",
            "D" => "d",
            _ => "x",
        };
        assert_eq!(i["gender"], want);
        assert!(!i["age_band"].is_empty(), "every invitee has an age band");
    }

    let out = stdout_of(&run(&p, &["letters", "invitations"]).success());
    assert!(
        out.contains(&format!("{} letters", households.len())),
        "{out}"
    );
    let pdf = dir.path().join("out/private/letters/invitation-wave1.pdf");
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&text.stdout);
    for i in &inv {
        let r = by_id[i["register_id"].as_str()];
        for line in [r.name_line, r.street_line, r.addition] {
            if !line.is_empty() {
                assert!(text.contains(line), "{line:?} missing from the letters");
            }
        }
        if r.cells[3] == "Dr." {
            let salutation = format!(
                "Dr. {}",
                if r.cells[4].is_empty() {
                    r.cells[1].to_string()
                } else {
                    format!("{} {}", r.cells[4], r.cells[1])
                }
            );
            assert!(
                text.contains(&format!("Sehr geehrte Frau {salutation},"))
                    || text.contains(&format!("Sehr geehrter Herr {salutation},"))
                    || text.contains(&format!("Guten Tag, {} ", r.cells[3])),
                "the salutation uses the Doktorgrad: {salutation}"
            );
        }
    }

    let out = stdout_of(&run(&p, &["verify"]).success());
    assert!(!out.contains("FAIL"), "{out}");
    let root = env!("CARGO_MANIFEST_DIR");
    let py = std::process::Command::new("python3")
        .arg(format!("{root}/docs/verifier/sortes_verify.py"))
        .arg("--process")
        .arg(&p)
        .output()
        .expect("python3 runs");
    let py_out = String::from_utf8_lossy(&py.stdout);
    assert!(
        py.status.success(),
        "the Python verifier replays the export: {py_out}{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert!(
        py_out.contains("PASS") && !py_out.contains("FAIL"),
        "{py_out}"
    );
}

#[test]
fn a_utf8_export_keeps_turkish_letters() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows();
    let p = write_setup(dir.path(), &rows, "utf-8", "");
    // Everybody eligible invited, households or not.
    let eligible = rows.iter().filter(|r| r.eligible).count();
    let toml = std::fs::read_to_string(&p).unwrap();
    let toml = toml.replace("household_rule = true", "household_rule = false");
    let toml = toml
        .lines()
        .map(|l| {
            if l.starts_with("invitations = ") {
                format!("invitations = {eligible}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&p, toml).unwrap();
    commit(&p).success();
    draw(&p, "1.2.3.4.5.6./7./").success();
    let inv = std::fs::read_to_string(dir.path().join("out/private/invitees.csv")).unwrap();
    assert!(inv.contains("Yılmaz") && inv.contains("Ayşe"));
}

/// The same export declared in the other encoding: a named error with a hint that
/// names the key to set, nothing journaled, nothing personal printed.
#[test]
fn a_misdeclared_encoding_gets_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_setup(dir.path(), &rows(), "utf-8", "");
    // UTF-8 bytes, declared Windows-1252: the header reads "StraÃŸe".
    let toml = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        toml.replace("encoding = \"utf-8\"", "encoding = \"windows-1252\""),
    )
    .unwrap();
    let a = commit(&p).failure();
    let err = stderr_of(&a);
    assert!(err.contains("register.csv, line 1"), "{err}");
    assert!(err.contains("set register.encoding = \"utf-8\""), "{err}");
    assert!(!dir.path().join("out/journal.jsonl").exists());
    // Windows-1252 bytes, declared UTF-8.
    let dir = tempfile::tempdir().unwrap();
    let p = write_setup(dir.path(), &latin_rows(), "windows-1252", "");
    let toml = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        toml.replace("encoding = \"windows-1252\"", "encoding = \"utf-8\""),
    )
    .unwrap();
    let err = stderr_of(&commit(&p).failure());
    assert!(err.contains("register.csv, line 1"), "{err}");
    assert!(
        err.contains("set register.encoding = \"windows-1252\""),
        "{err}"
    );
    assert!(!err.contains("Groß"), "{err}");
}

/// Value maps of the process file replace the defaults; a value the map lacks is a
/// named error that lists the map and does not print the value.
#[test]
fn value_maps_are_the_offices_code_lists() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = latin_rows();
    let codes = [
        "2", "1", "2", "1", "3", "1", "3", "", "1", "2", "1", "1", "1", "2",
    ];
    for (r, c) in rows.iter_mut().zip(codes) {
        r.cells[13] = c;
    }
    let p = write_setup(dir.path(), &rows, "windows-1252", "");
    let toml = std::fs::read_to_string(&p).unwrap()
        + "\n[register.gender_map]\n\"1\" = \"m\"\n\"2\" = \"w\"\n\"3\" = \"d\"\n\"\" = \"x\"\n";
    std::fs::write(&p, &toml).unwrap();
    commit(&p).success();
    draw(&p, "1.2.3.4.5.6./7./").success();
    for i in invitees(&dir.path().join("out/private/invitees.csv")) {
        assert!(["m", "w", "d", "x"].contains(&i["gender"].as_str()));
    }
    // An M where the map has only 1/2/3/empty: line 3 (100002 is the second row).
    let dir = tempfile::tempdir().unwrap();
    let mut rows = latin_rows();
    for (r, c) in rows.iter_mut().zip(codes) {
        r.cells[13] = c;
    }
    rows[1].cells[13] = "Q";
    let p = write_setup(dir.path(), &rows, "windows-1252", "");
    std::fs::write(
        &p,
        std::fs::read_to_string(&p).unwrap()
            + "\n[register.gender_map]\n\"1\" = \"m\"\n\"2\" = \"w\"\n\"3\" = \"d\"\n\"\" = \"x\"\n",
    )
    .unwrap();
    let err = stderr_of(&commit(&p).code(1));
    assert!(
        err.contains("line 3, column Geschlecht: the gender value is not in register.gender_map, which holds empty, \"1\", \"2\", \"3\""),
        "{err}"
    );
    assert!(
        !err.contains("\"Q\""),
        "the value itself is not printed: {err}"
    );
    assert!(!dir.path().join("out/journal.jsonl").exists());
}

/// Each kind of broken input: a named error with file, line and column, exit code
/// 1, nothing written, and nothing of the record on the terminal.
#[test]
fn broken_rows_are_named_errors_without_their_contents() {
    let long = "x".repeat(257);
    // (what is done to data line 3 — 100002 Hans Groß — and what the error says)
    type Change = Box<dyn Fn(&str) -> String>;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "long row",
            Box::new(|l: &str| format!("{l};extra")),
            "line 3: the line has 19 fields, the header 18",
        ),
        (
            "short row",
            Box::new(|l: &str| l.rsplit_once(';').unwrap().0.to_string()),
            "line 3: the line has 17 fields, the header 18",
        ),
        (
            "NUL byte",
            Box::new(|l: &str| l.replacen("Hans", "Ha\0ns", 1)),
            "line 3, column Vornamen: the cell holds a control character",
        ),
        (
            "escape",
            Box::new(|l: &str| l.replacen("Hans", "Ha\u{1b}ns", 1)),
            "line 3, column Vornamen: the cell holds a control character",
        ),
        (
            "bell in a quoted cell",
            Box::new(|l: &str| l.replacen("Hans", "\"Ha\u{7}ns\"", 1)),
            "line 3, column Vornamen: the cell holds a control character",
        ),
        (
            "long cell",
            Box::new(move |l: &str| l.replacen("Hans", &long, 1)),
            "line 3, column Vornamen: the cell is longer than 256 characters",
        ),
        (
            "unterminated quote",
            Box::new(|l: &str| l.replacen("Hans", "\"Hans", 1)),
            "line 3, column Vornamen: a quoted field does not end on its line",
        ),
        (
            "text after a closing quote",
            Box::new(|l: &str| l.replacen("Hans", "\"Ha\"ns", 1)),
            "line 3, column Vornamen: there is text after the closing quote",
        ),
    ];
    for (what, change, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let p = write_setup(dir.path(), &latin_rows(), "windows-1252", "");
        edit_register(dir.path(), |lines| lines[2] = change(&lines[2]));
        for step in [
            &["check"][..],
            &["commit", "--seed-source", "x", "--seed-form", "rfc3797:2"],
        ] {
            let a = run(&p, step).code(1);
            let err = stderr_of(&a);
            assert!(
                err.contains(&format!("register.csv, {message}")),
                "{what} ({}): {err}",
                step[0]
            );
            for personal in ["Groß", "Hans", "Hauptstr", "1955", "00.07"] {
                assert!(!err.contains(personal), "{what}: {personal} printed: {err}");
            }
            assert!(!stdout_of(&a).contains("Hans"), "{what}");
            assert!(!err.contains("panicked"), "{what}: {err}");
        }
        assert!(
            !dir.path().join("out/journal.jsonl").exists(),
            "{what}: nothing journaled"
        );
        assert!(
            !dir.path().join("out/public").exists() && !dir.path().join("out/private").exists(),
            "{what}: nothing written"
        );
    }
}

/// A row problem can be set aside with `commit --rejects`; a broken file cannot.
/// The hints name commands and options that exist.
#[test]
fn hints_name_options_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_setup(dir.path(), &latin_rows(), "windows-1252", "");
    edit_register(dir.path(), |lines| {
        lines[2].push_str(";extra");
        lines[4] = lines[4].replacen("Tim", "T\0m", 1);
    });
    // Fewer invitations: two rows set aside leave fewer households.
    let toml = std::fs::read_to_string(&p).unwrap();
    let n = toml
        .lines()
        .find(|l| l.starts_with("invitations = "))
        .unwrap()
        .to_string();
    std::fs::write(&p, toml.replace(&n, "invitations = 5")).unwrap();
    let err = stderr_of(&commit(&p).code(1));
    assert!(
        err.contains("(and 1 more row with a problem; `sortes check --keep-going` lists them all; `sortes commit --rejects FILE` sets such rows aside, out of the draw)"),
        "{err}"
    );
    // Both options exist and do what the hint says.
    let out = stdout_of(&run(&p, &["check", "--keep-going"]).success());
    assert!(out.contains("2 rejected rows"), "{out}");
    assert!(
        out.contains("register.csv, line 3: the line has 19 fields")
            && out.contains(
                "register.csv, line 5, column Vornamen: the cell holds a control character"
            ),
        "check --keep-going lists them all: {out}"
    );
    assert!(!out.contains("Groß"), "{out}");
    let rej = dir.path().join("rejects.csv");
    run(
        &p,
        &[
            "commit",
            "--seed-source",
            "x",
            "--seed-form",
            "rfc3797:6+1",
            "--rejects",
            rej.to_str().unwrap(),
        ],
    )
    .success()
    .stdout(predicate::str::contains("2 rejected rows"));
    let r = std::fs::read_to_string(&rej).unwrap();
    assert!(r.contains("3,,") && r.contains("5,Vornamen,"), "{r}");
    assert!(!r.contains("Groß") && !r.contains("Tim"), "{r}");
    // The draw sets aside the same rows (the commitment says so): no option needed.
    draw(&p, "1.2.3.4.5.6./7./").success();
    // An unterminated quote refuses the file even with --rejects.
    let dir = tempfile::tempdir().unwrap();
    let p = write_setup(dir.path(), &latin_rows(), "windows-1252", "");
    edit_register(dir.path(), |lines| {
        lines[2] = lines[2].replacen(";Hans;", ";\"Hans;", 1);
    });
    let rej = dir.path().join("rejects.csv");
    let err = stderr_of(
        &run(
            &p,
            &[
                "commit",
                "--seed-source",
                "x",
                "--seed-form",
                "rfc3797:6+1",
                "--rejects",
                rej.to_str().unwrap(),
            ],
        )
        .code(1),
    );
    assert!(
        err.contains("a quoted field does not end on its line"),
        "{err}"
    );
    assert!(!rej.exists());
}

/// Files that are not a CSV export at all.
#[test]
fn binary_files_are_refused_by_what_they_are() {
    let cases: [(&[u8], &str); 4] = [
        (b"PK\x03\x04\x14\x00\x06\x00", "an Excel workbook (.xlsx)"),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "an old Excel workbook (.xls)",
        ),
        (b"PAR1\x15\x04", "a Parquet file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary, not text"),
    ];
    for (bytes, what) in cases {
        let dir = tempfile::tempdir().unwrap();
        let p = write_setup(dir.path(), &latin_rows(), "windows-1252", "");
        std::fs::write(dir.path().join("register.csv"), bytes).unwrap();
        let err = stderr_of(&commit(&p).code(1));
        assert!(
            err.contains("register.csv: this is not a CSV text file"),
            "{err}"
        );
        assert!(err.contains(what), "{what}: {err}");
        assert!(!dir.path().join("out/journal.jsonl").exists());
    }
}

/// A § 46 extract gives ages, not dates: taken as given.
#[test]
fn an_age_column_instead_of_a_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Ordnungsmerkmal;Alter;Geschlecht;Stadtbezirk\n");
    for i in 0..30 {
        text.push_str(&format!(
            "A{i:02};{};{};{}\n",
            5 + 3 * i,
            ["M", "W", "D", "X", ""][i % 5],
            ["Eving", "Hörde"][i % 2]
        ));
    }
    std::fs::write(dir.path().join("register.csv"), text).unwrap();
    let p = dir.path().join("forum.toml");
    std::fs::write(
        &p,
        r#"
[process]
name = "Alter"
id = "alter"
reference_date = "2027-01-15"
[register]
path = "register.csv"
[register.columns]
register_id = "Ordnungsmerkmal"
age = "Alter"
gender = "Geschlecht"
stadtbezirk = "Stadtbezirk"
[draw]
invitations = 24
strata = ["stadtbezirk", "gender"]
"#,
    )
    .unwrap();
    commit(&p).success();
    draw(&p, "1.2.3.4.5.6./7./").success();
    let inv = invitees(&dir.path().join("out/private/invitees.csv"));
    // Ages 5, 8, 11, 14 are under 16: the other 26 are eligible; 24 drawn.
    assert_eq!(inv.len(), 24);
    for i in &inv {
        let age: u32 = i["age"].parse().unwrap();
        assert!(
            age >= 16 && (age - 5).is_multiple_of(3),
            "age as given: {age}"
        );
    }
    assert!(inv.iter().any(|i| i["gender"] == "x"), "X and empty are x");
}

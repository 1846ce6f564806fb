//! Every kind of bad register input gets a clear error (file, line, column, a
//! sentence) and a non-zero exit code, and nothing is journaled.

mod common;
use common::*;
use predicates::prelude::*;

fn fails_with(s: &Setup, needle: &str) {
    commit(&s.process)
        .failure()
        .code(1)
        .stderr(predicate::str::contains(needle))
        .stderr(predicate::str::contains("panicked").not());
    assert!(!s.path("out/journal.jsonl").exists(), "nothing journaled");
}

fn with_register_bytes(bytes: &[u8]) -> Setup {
    let s = setup(&register_rows(1), "", "");
    std::fs::write(s.path("register.csv"), bytes).unwrap();
    s
}

#[test]
fn missing_file() {
    let s = setup(&register_rows(5), "", "");
    std::fs::remove_file(s.path("register.csv")).unwrap();
    fails_with(&s, "register extract was not found");
}

#[test]
fn empty_file() {
    fails_with(&with_register_bytes(b""), "is empty");
}

#[test]
fn header_only() {
    fails_with(
        &with_register_bytes(format!("{HEADER}\n").as_bytes()),
        "header but no data rows",
    );
}

#[test]
fn missing_mapped_column_lists_the_columns() {
    let text = format!(
        "{}\n{}\n",
        HEADER.replace("geburtsdatum", "gebdat"),
        register_rows(1)[0]
    );
    let s = with_register_bytes(text.as_bytes());
    fails_with(
        &s,
        "\"geburtsdatum\" named in register.columns is not in the file",
    );
    commit(&s.process)
        .failure()
        .stderr(predicate::str::contains("\"gebdat\""));
}

#[test]
fn wrong_delimiter() {
    let text = format!(
        "{}\n{}\n",
        HEADER.replace(';', ","),
        register_rows(1)[0].replace(';', ",")
    );
    fails_with(&with_register_bytes(text.as_bytes()), "seems to use comma");
}

#[test]
fn undecodable_bytes_name_line_and_column() {
    // "Müller" in Windows-1252 (ü = 0xFC) while the process file says UTF-8.
    let mut bytes = format!("{HEADER}\n").into_bytes();
    bytes.extend_from_slice(b"R1;M\xfcller;A;S;1;44135;Dortmund;01.01.1980;m;deutsch;Eving;;\n");
    fails_with(
        &with_register_bytes(&bytes),
        "line 2, column 5 (byte): byte 0xFC is not valid UTF-8",
    );
}

#[test]
fn windows_1252_decodes_umlauts() {
    let s = setup(&register_rows(30), "", "");
    let text = std::fs::read_to_string(s.path("register.csv")).unwrap();
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!bad);
    std::fs::write(s.path("register.csv"), &bytes).unwrap();
    let toml = std::fs::read_to_string(&s.process).unwrap();
    std::fs::write(
        &s.process,
        toml.replace("encoding = \"utf-8\"", "encoding = \"windows-1252\""),
    )
    .unwrap();
    commit(&s.process).success();
    draw(&s.process, "1.2.3.4.5.6./7./").success();
    let inv = std::fs::read_to_string(s.path("out/private/invitees.csv")).unwrap();
    assert!(inv.contains("Müller-") && inv.contains("Jürgen"));
}

#[test]
fn duplicate_register_ids_name_both_lines() {
    let mut rows = register_rows(6);
    rows[4] = rows[4].replacen("R0004", "R0001", 1);
    fails_with(&setup(&rows, "", ""), "line 6 appears already on line 3");
}

#[test]
fn unparsable_date_names_line_and_column_not_the_value() {
    let mut rows = register_rows(6);
    rows[2] = rows[2].replace("Dortmund;", "Dortmund;31.02.1980x;");
    rows[2] = {
        let mut f: Vec<&str> = rows[2].split(';').collect();
        f.remove(8);
        f.join(";")
    };
    let s = setup(&rows, "", "");
    fails_with(
        &s,
        "line 4, column geburtsdatum: the birth date is not a date like 30.04.1980",
    );
    commit(&s.process)
        .failure()
        .stderr(predicate::str::contains("1980x").not());
}

#[test]
fn unknown_stratum_value_suggests_the_closest() {
    let mut rows = register_rows(6);
    rows[3] = rows[3].replace(";Eving;", ";Evng;");
    fails_with(&setup(&rows, "", ""), "did you mean \"Eving\"");
}

#[test]
fn unknown_key_in_process_file_is_named() {
    let s = setup(&register_rows(5), "househld_rule = true", "");
    fails_with(&s, "househld_rule");
}

#[test]
fn ages_instead_of_birth_dates() {
    let mut text = String::from("id;alter;bezirk\n");
    for i in 0..40 {
        text.push_str(&format!(
            "A{i};{};{}\n",
            10 + i * 2,
            ["Eving", "Hörde"][i % 2]
        ));
    }
    text.push_str("A99;zwölf;Eving\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reg.csv"), text).unwrap();
    let toml = r#"
[process]
name = "Alter"
id = "alter"
reference_date = "2027-01-15"
[register]
path = "reg.csv"
[register.columns]
register_id = "id"
age = "alter"
stadtbezirk = "bezirk"
[draw]
invitations = 5
"#;
    let p = dir.path().join("forum.toml");
    std::fs::write(&p, toml).unwrap();
    commit(&p).failure().stderr(predicate::str::contains(
        "line 42, column alter: the age is not a whole number",
    ));
    // With --rejects the bad row is set aside and counted.
    let rej = dir.path().join("rejects.csv");
    sortes()
        .args([
            "commit",
            "--seed-source",
            "x",
            "--seed-form",
            "rfc3797:2",
            "-p",
        ])
        .arg(&p)
        .arg("--rejects")
        .arg(&rej)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 rejected rows"));
    let r = std::fs::read_to_string(&rej).unwrap();
    assert!(r.contains("42,alter,"));
    sortes()
        .args(["draw", "--seed", "7.8./", "-p"])
        .arg(&p)
        .assert()
        .success();
    let ids = drawn_ids(&dir.path().join("out/private/invitees.csv"));
    assert_eq!(ids.len(), 5);
    for minor in ["A0", "A1", "A2", "A99"] {
        assert!(
            !ids.iter().any(|i| i == minor),
            "under 16 or rejected: never drawn"
        );
    }
}

//! Letters and the report through the real binary: invitation letters for a small
//! draw (PDF pages and text, mode 0600, journal without names), then the report.

mod common;
use common::*;

/// The example's `[letters]` table with the repository's templates.
fn letters_section() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let forum = std::fs::read_to_string(format!("{root}/examples/dortmund/forum.toml")).unwrap();
    let start = forum.find("[letters]").expect("the example has [letters]");
    forum[start..].replace(
        "../../templates/letters",
        &format!("{root}/templates/letters"),
    )
}

#[test]
fn invitation_letters_for_a_draw() {
    let s = setup(&register_rows(60), "", &letters_section());
    commit(&s.process).success();
    draw(&s.process, "4.5.6.7.8.9./1./").success();
    let a = on(&s, &["letters", "invitations"]).success();
    let out = stdout_of(&a);
    assert!(out.contains("invitation letters: 10 letters"), "{out}");
    assert!(!out.contains("Müller"), "no names on the terminal: {out}");
    let pdf = s.path("out/private/letters/invitation-wave1.pdf");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pdf).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "letters hold personal data");
    }
    // Every invitee's family name and code is in the PDF text.
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&text.stdout);
    let inv = s.path("out/private/invitees.csv");
    let mut r = csv::Reader::from_path(&inv).unwrap();
    let h = r.headers().unwrap().clone();
    let fam = h.iter().position(|c| c == "family_name").unwrap();
    let code = h.iter().position(|c| c == "application_code").unwrap();
    let mut n = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        assert!(
            text.contains(&rec[fam]),
            "family name missing from the letters"
        );
        assert!(
            text.contains(&rec[code]),
            "application code missing from the letters"
        );
        n += 1;
    }
    assert_eq!(n, 10);
    // The journal records counts and hashes, no names.
    let journal = std::fs::read_to_string(s.path("out/journal.jsonl")).unwrap();
    let last = journal.lines().last().unwrap();
    assert!(last.contains("\"step\":\"letters\"") && last.contains("\"letters\":10"));
    assert!(!journal.contains("Müller"));
    // A second run refuses to overwrite without --force.
    on(&s, &["letters", "invitations"]).failure();
}

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

/// The reply card asks what the intake reads: every form attribute's column with each
/// answer the intake accepts, the contact and availability columns and the consent.
/// Oracle: the `[intake]` table of the process file, read here with the toml crate.
#[test]
fn the_reply_card_carries_every_intake_question() {
    let ex = common::example();
    ex.drawn();
    ex.run(&["letters", "invitations"]).success();
    let pdf = ex.path("out/private/letters/invitation-wave1.pdf");
    let text = std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "4"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    let process: toml::Value = toml::from_str(&std::fs::read_to_string(&ex.toml).unwrap()).unwrap();
    let intake = &process["intake"];
    let mut asked = 0;
    for a in intake["attributes"].as_array().unwrap() {
        let column = a["column"].as_str().unwrap();
        assert!(text.contains(column), "the card asks {column}");
        let answers: Vec<&str> = match a.get("map").and_then(|m| m.as_table()) {
            Some(map) => map.keys().map(String::as_str).collect(),
            None => a["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect(),
        };
        for answer in answers {
            assert!(text.contains(answer), "{column}: the card offers {answer}");
            asked += 1;
        }
    }
    assert!(asked >= 8, "{asked} answers");
    for c in intake["contact_columns"].as_array().unwrap() {
        let c = c.as_str().unwrap();
        assert!(text.contains(&format!("{c}:")), "a line for {c}");
    }
    for key in ["availability_column", "consent_column"] {
        let c = intake[key].as_str().unwrap();
        assert!(text.contains(c), "the card has {c}");
    }
}

/// Where the ink of the body text lines starts and ends on page 1 of a letter: the
/// number of pixel rows that start at the left text edge and that end at the right one.
/// Read from the page as a picture (96 dpi), between the address field and the cut line.
fn line_edges(pdf: &[u8]) -> (usize, usize) {
    let png = sortes::letters::preview::page_png(pdf.to_vec(), 1, 96).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = |mm: f64| (mm / 25.4 * 96.0) as usize;
    let (w, left_edge, right_edge) = (info.width as usize, px(25.0), px(190.0));
    let (mut starts_left, mut ends_right) = (0, 0);
    // Above the tear-off card's cut line (192 mm), where the letter's text runs.
    for y in px(100.0)..px(185.0) {
        let dark: Vec<usize> = (px(22.0)..px(195.0))
            .filter(|&x| {
                let p = &buf[(y * w + x) * 4..(y * w + x) * 4 + 3];
                u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]) < 300
            })
            .collect();
        if let (Some(&first), Some(&last)) = (dark.first(), dark.last()) {
            starts_left += usize::from(first <= left_edge + px(1.5));
            ends_right += usize::from(last + px(1.5) >= right_edge);
        }
    }
    (starts_left, ends_right)
}

/// Turkish and Arabic letters, each a folder of texts (and, for Arabic, a font file):
/// every glyph is there (the default policy refuses a letter with a missing glyph) and
/// the text runs the language's way — checked on page 1 as a picture: German and
/// Turkish lines start at the left edge, Arabic lines end at the right edge.
#[test]
fn turkish_and_arabic_letters_have_their_glyphs_and_direction() {
    let mut edges = std::collections::BTreeMap::new();
    for lang in ["de", "tr", "ar"] {
        let ex = common::example();
        let toml = std::fs::read_to_string(&ex.toml)
            .unwrap()
            .replace(
                "default_language = \"de\"",
                &format!("default_language = \"{lang}\""),
            )
            .replace("language_column = \"sprache\"", "");
        std::fs::write(&ex.toml, toml).unwrap();
        ex.drawn();
        ex.run(&["letters", "invitations"]).success();
        let journal = std::fs::read_to_string(ex.path("out/journal.jsonl")).unwrap();
        assert!(
            journal.contains("\"missing_glyphs\":0"),
            "{lang}: every glyph"
        );
        let pdf = std::fs::read(ex.path("out/private/letters/invitation-wave1.pdf")).unwrap();
        edges.insert(lang, line_edges(&pdf));
    }
    eprintln!("pixel rows starting left / ending right: {edges:?}");
    for lang in ["de", "tr"] {
        let (left, right) = edges[lang];
        assert!(
            left > 3 * right && left > 60,
            "{lang} runs left to right: {edges:?}"
        );
    }
    let (left, right) = edges["ar"];
    assert!(
        right > 3 * left && right > 60,
        "ar runs right to left: {edges:?}"
    );
}

/// An address wider than the window's address zone would be cut off by the layout: the
/// batch names the letters (numbers only, never the address) or, with
/// `address_overflow = "error"`, writes nothing. Oracle: the drawn invitees whose street
/// is the long one (about 125 mm at 11 pt, the zone is 80 mm), counted from invitees.csv.
#[test]
fn an_address_too_wide_for_the_window_is_named() {
    let long = "Oberbürgermeister-Dr.-Ernst-Friedrich-Wilhelm-von-Hohenzollern-Gedächtnisallee";
    let rows: Vec<String> = register_rows(60)
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            if i % 2 == 0 {
                r.replacen("Hauptstraße", long, 1)
            } else {
                r
            }
        })
        .collect();
    let s = setup(&rows, "", &letters_section());
    commit(&s.process).success();
    draw(&s.process, "4.5.6.7.8.9./1./").success();
    let mut r = csv::Reader::from_path(s.path("out/private/invitees.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let street = h.iter().position(|c| c == "street").unwrap();
    let wide = r
        .records()
        .filter(|rec| &rec.as_ref().unwrap()[street] == long)
        .count();
    assert!(
        wide > 0 && wide < 10,
        "{wide} of 10 drawn have the long street"
    );
    let a = on(&s, &["letters", "invitations"]).success();
    let err = stderr_of(&a);
    assert!(
        err.contains(&format!("warning: {wide} address(es) do not fit")),
        "{err}"
    );
    assert!(
        !err.contains("Hohenzollern"),
        "no address on the terminal: {err}"
    );

    let strict = letters_section().replacen(
        "[letters]\n",
        "[letters]\naddress_overflow = \"error\"\n",
        1,
    );
    let s = setup(&rows, "", &strict);
    commit(&s.process).success();
    draw(&s.process, "4.5.6.7.8.9./1./").success();
    let a = on(&s, &["letters", "invitations"]).failure();
    let err = stderr_of(&a);
    assert!(err.contains("mm wide, the address field 80 mm"), "{err}");
    assert!(!s.path("out/private/letters/invitation-wave1.pdf").exists());
}

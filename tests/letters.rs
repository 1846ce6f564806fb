//! Letters: render example letters and check them as a reader would — page
//! counts and text with pdftotext, positions with pdftotext -bbox, and PNG pages
//! (pdftoppm) under target/letters-test/ to look at. Needs Debian's poppler-utils.

use sortes::base::error::Kind as Kind_;
use sortes::letters::{Batch, GlyphPolicy, Kind, LettersConfig, Order, Recipient, render};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(serde::Deserialize)]
struct File {
    letters: LettersConfig,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn config() -> LettersConfig {
    let text = std::fs::read_to_string(root().join("examples/dortmund/forum.toml"))
        .expect("example config");
    toml::from_str::<File>(&text)
        .expect("example config parses")
        .letters
}

fn templates() -> PathBuf {
    root().join("templates/letters")
}

fn out_dir(name: &str) -> PathBuf {
    let d = root().join("target/letters-test").join(name);
    std::fs::create_dir_all(&d).expect("test output folder");
    d
}

fn person(family: &str, given: &str, gender: &str, postcode: &str, code: &str) -> Recipient {
    let mut f = BTreeMap::new();
    for (k, v) in [
        ("family_name", family),
        ("given_names", given),
        ("gender", gender),
        ("street", "Ginsterpfad"),
        ("house_number", "36"),
        ("postcode", postcode),
        ("city", "Dortmund"),
        ("application_code", code),
    ] {
        f.insert(k.to_string(), v.to_string());
    }
    Recipient {
        language: None,
        fields: f,
    }
}

/// Names from several scripts, all three salutation forms, one English letter.
fn sample() -> Vec<Recipient> {
    let mut v = vec![
        person("Wojciechowska", "Iwona", "w", "44289", "UU79-PCBRA"),
        person("Yılmaz", "Gökçe İpek", "m", "44135", "3XPR-RDP2D"),
        person("Wróbel", "Łukasz", "d", "44137", "K7MN-22QXA"),
        person("Παπαδόπουλος", "Γιώργος", "m", "44139", "H4TT-9LMRE"),
        person("Шевченко", "Олена", "w", "44141", "Q2WE-RT5YZ"),
        person("GROẞMANN-Strauß", "Jürgen", "", "44143", "ZZ11-AB3CD"),
    ];
    v[2].fields
        .insert("street".into(), "Straße des 17. Juni".into());
    let mut en = person("O'Brien", "Siobhán", "w", "44145", "EN12-ABCDE");
    en.language = Some("en".into());
    v.push(en);
    v
}

fn pdftotext(pdf: &Path, args: &[&str]) -> String {
    let out = Command::new("pdftotext")
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).expect("pdftotext gives UTF-8")
}

fn pdf_pages(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&out.stdout).to_string();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write test output");
    p
}

fn to_png(pdf: &Path, dir: &Path, last: usize) {
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "70", "-f", "1", "-l", &last.to_string()])
        .arg(pdf)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm runs");
    assert!(status.success());
}

/// The text of one letter's pages, with whitespace normalised.
fn letter_text(pdf: &Path, first: usize, last: usize) -> String {
    let t = pdftotext(pdf, &["-f", &first.to_string(), "-l", &last.to_string()]);
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The data rows of the batch's mail-merge CSV (';'-separated, header skipped).
fn mail_merge_rows(b: &Batch) -> Vec<csv::StringRecord> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(b.mail_merge_csv.as_bytes());
    r.records().map(|x| x.expect("csv row")).collect()
}

fn letter_pages(b: &Batch) -> Vec<usize> {
    mail_merge_rows(b)
        .iter()
        .map(|x| x[14].parse().expect("pages"))
        .collect()
}

fn starts(b: &Batch) -> Vec<usize> {
    // First page of each letter, from the mail-merge CSV.
    mail_merge_rows(b)
        .iter()
        .map(|x| x[13].parse().expect("first_page"))
        .collect()
}

#[test]
fn invitations_render_as_proper_letters() {
    let cfg = config();
    let recips = sample();
    let b = render(Kind::Invitation, &recips, &cfg, &templates(), true).expect("letters render");
    assert_eq!(b.letters, recips.len());
    assert_eq!(b.singles.len(), recips.len());
    assert_eq!(b.missing_glyphs, 0);
    let dir = out_dir("invitation");
    let pdf = write(&dir, "invitations.pdf", &b.pdf);
    std::fs::write(dir.join("invitations.html"), &b.html).expect("html");
    assert_eq!(pdf_pages(&pdf), b.pages);
    // Duplex: each letter starts on an odd page, on a new sheet.
    let st = starts(&b);
    assert_eq!(st.len(), recips.len());
    assert!(
        st.iter().all(|p| p % 2 == 1),
        "letters start on odd pages: {st:?}"
    );
    // Sorted by postcode.
    assert_eq!(b.order, vec![1, 2, 3, 4, 5, 6, 0]);

    let first = letter_text(&pdf, st[0], st[1] - 1);
    for needle in [
        "Herrn",
        "Gökçe İpek Yılmaz",
        "Ginsterpfad 36",
        "44135 Dortmund",
        "Stadt Dortmund · Friedensplatz 1 · 44135 Dortmund",
        "Sehr geehrter Herr Yılmaz,",
        "Samstag, 6. März 2027",
        "50 € pro Treffen",
        "3XPR-RDP2D",
        "https://www.dortmund.de/buergerforum?code=3XPR-RDP2D",
        "19. Februar 2027",
        "31. Dezember 2027",
        "Alexander Kalouti",
        "Seite 1 von 2",
        "Seite 2 von 2",
        "Antwortkarte",
        "Hier abtrennen",
        "Entgelt zahlt Empfänger",
    ] {
        assert!(first.contains(needle), "letter 1 lacks {needle:?}");
    }
    let all = letter_text(&pdf, 1, b.pages);
    for needle in [
        "Guten Tag, Łukasz Wróbel,",
        "Straße des 17. Juni 36",
        "Sehr geehrter Herr Παπαδόπουλος,",
        "Sehr geehrte Frau Шевченко,",
        "Guten Tag, Jürgen GROẞMANN-Strauß,",
        "Dear Ms O'Brien,",
        "Your reply code",
        "Sehr geehrte Frau Wojciechowska,",
    ] {
        assert!(all.contains(needle), "batch lacks {needle:?}");
    }
    // Single files: one per letter, each a PDF with that letter's pages.
    let (name, bytes) = &b.singles[0];
    // The file name carries the letter's number only: no code, no name.
    assert_eq!(name, "invitation-0001.pdf");
    assert!(b.singles.iter().all(|(n, _)| !n.contains("3XPR")));
    let single = write(&dir, name, bytes);
    assert_eq!(pdf_pages(&single), letter_pages(&b)[0]);
    assert_eq!(
        letter_pages(&b),
        vec![2; recips.len()],
        "one sheet: the letter and its tear-off reply card"
    );
    to_png(&pdf, &dir, 4);
    assert!(b.html.contains("Sehr geehrter Herr Yılmaz,"));
    assert!(b.mail_merge_csv.lines().count() == recips.len() + 1);
}

/// The address sits in the DIN 5008 form-B window: 20 mm from the left, in the
/// address zone between 62.7 mm and 90 mm from the top; the return line above it.
#[test]
fn address_in_the_window_field() {
    for (form, top, note) in [("B", 45.0, 17.7), ("A", 27.0, 12.7)] {
        let mut cfg: LettersConfig = config();
        // The German invitation fits one sheet with form A only (form B's address field
        // leaves page 1 too little room above the tear-off card).
        cfg.reply_card = Some(sortes::letters::ReplyCard::Separate);
        cfg.form = if form == "A" {
            sortes::letters::Form::A
        } else {
            sortes::letters::Form::B
        };
        let b =
            render(Kind::Invitation, &sample()[..1], &cfg, &templates(), false).expect("render");
        let dir = out_dir(&format!("form-{form}"));
        let pdf = write(&dir, "letter.pdf", &b.pdf);
        to_png(&pdf, &dir, 1);
        let page = words(&pdf, 1);
        let word = |w: &str| {
            let found = page.iter().find(|x| x.text == w);
            let found = found.unwrap_or_else(|| panic!("{w} on page 1"));
            (found.x0, found.y0, found.y1)
        };
        let (x, y0, _) = word("Iwona");
        assert!((20.0..30.0).contains(&x), "form {form}: name at x = {x} mm");
        assert!(
            y0 > top + note && y0 < top + note + 27.3,
            "form {form}: name at y = {y0} mm"
        );
        let (x, _, y1) = word("44289");
        assert!((20.0..30.0).contains(&x));
        assert!(
            y1 < top + note + 27.3,
            "form {form}: last address line ends at {y1} mm"
        );
        let (x, y0, y1) = word("Friedensplatz");
        assert!(
            x > 20.0 && y0 >= top - 0.5 && y1 < top + note,
            "form {form}: return line at {y0} mm"
        );
    }
}

/// Names are data: markup characters print as written and change nothing else.
#[test]
fn hostile_names_print_as_written() {
    let cfg = config();
    let hostile = [
        r"#set page(width: 1cm) [x] *bold* <lbl> {{ code }} $x^2$ @ref _it_ \ \#",
        r"**Müller** - [[qr]] {% if true %}",
        "<script>alert(1)</script> & \"quoted\"",
        "Line\nBreak",
    ];
    let benign = person("Musterfrau", "Erika", "w", "44135", "AB12-CDEFG");
    let base = render(
        Kind::Invitation,
        std::slice::from_ref(&benign),
        &cfg,
        &templates(),
        false,
    )
    .expect("render");
    let dir = out_dir("hostile");
    let base_pdf = write(&dir, "benign.pdf", &base.pdf);
    let base_text = letter_text(&base_pdf, 1, base.pages);
    for (i, h) in hostile.iter().enumerate() {
        let mut r = benign.clone();
        r.fields.insert("family_name".into(), h.to_string());
        let b = render(Kind::Invitation, &[r], &cfg, &templates(), false)
            .expect("hostile name renders");
        assert_eq!(b.pages, base.pages, "a name must not change the layout");
        let pdf = write(&dir, &format!("hostile-{i}.pdf"), &b.pdf);
        let text = letter_text(&pdf, 1, b.pages);
        let shown = h.replace('\n', " ");
        let shown = shown.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains(&format!("Sehr geehrte Frau {shown},")),
            "salutation of name {i}: {text}"
        );
        assert!(
            text.contains(&format!("Erika {shown}")),
            "address of name {i}"
        );
        assert_eq!(
            text.replace(&shown, "Musterfrau"),
            base_text,
            "name {i} changed other text"
        );
        // HTML: escaped, never markup.
        assert!(!b.html.contains("<script>"));
        assert!(!b.html.contains("<lbl>"));
        if i == 2 {
            assert!(
                b.html
                    .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;")
            );
        }
        assert_eq!(
            b.html.matches("<img alt=\"QR\"").count(),
            1,
            "one QR code, no injected [[qr]]"
        );
    }
    to_png(&dir.join("hostile-0.pdf"), &dir, 1);
}

#[test]
fn mail_merge_cells_are_never_spreadsheet_formulas() {
    // A given name typed as a formula starts the name line of the address; a street
    // starting with "-" or "@" starts another line. None may reach a spreadsheet as a
    // formula: each such cell begins with an apostrophe, the rest of it unchanged.
    let mut r = person("Musterfrau", "Erika", "w", "44135", "AB12-CDEFG");
    r.fields.insert(
        "given_names".into(),
        "=HYPERLINK(\"http://x\";\"y\")".into(),
    );
    r.fields.insert("street".into(), "@SUM(1+1)".into());
    let b = render(Kind::Invitation, &[r], &config(), &templates(), false).expect("render");
    let row = mail_merge_rows(&b).into_iter().next().expect("one row");
    let cells: Vec<&str> = row.iter().collect();
    for c in &cells {
        assert!(
            !c.starts_with(['=', '+', '-', '@']),
            "formula cell {c:?} in {cells:?}"
        );
    }
    assert!(
        cells
            .iter()
            .any(|c| c.starts_with("'=HYPERLINK(\"http://x\";\"y\") Musterfrau")),
        "{cells:?}"
    );
    assert!(
        cells.iter().any(|c| c.starts_with("'@SUM(1+1)")),
        "{cells:?}"
    );
}

#[test]
fn template_error_names_file_line_and_variable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&templates(), tmp.path());
    let file = tmp.path().join("de/invitation.txt");
    let text = std::fs::read_to_string(&file).expect("template");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(9, "Ihr Termin: {{ meeting_place }}");
    std::fs::write(&file, lines.join("\n")).expect("write template");
    let err = invite_one(tmp.path()).expect_err("unknown variable is an error");
    let msg = err.to_string();
    assert_eq!(err.kind(), Kind_::Template, "{msg}");
    let f = err.location().file.clone().expect("file");
    assert!(f.ends_with("de/invitation.txt"), "{msg}");
    assert_eq!(err.location().line, Some(10), "{msg}");
    assert!(msg.contains("meeting_place"), "{msg}");

    // A syntax error, too.
    std::fs::write(&file, "# Betreff\n\n{% if %}\n").expect("write template");
    let err = invite_one(tmp.path()).expect_err("syntax");
    assert!(
        err.kind() == Kind_::Template && err.location().line == Some(3),
        "{err}"
    );

    // An error in the layout names layout.typ and its line.
    std::fs::write(tmp.path().join("layout.typ"), "#let x = 1\n#nonsense(x)\n").expect("layout");
    std::fs::write(&file, "# Betreff\n").expect("template");
    let err = invite_one(tmp.path()).expect_err("layout");
    assert!(
        err.kind() == Kind_::Template
            && err.location().line == Some(2)
            && err
                .location()
                .file
                .as_ref()
                .is_some_and(|f| f.ends_with("layout.typ")),
        "{err}"
    );
}

/// One invitation with the example settings and the templates in `dir`.
fn invite_one(dir: &Path) -> sortes::base::error::Result<Batch> {
    render(Kind::Invitation, &sample()[..1], &config(), dir, false)
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("read templates") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn unknown_language_is_a_named_error() {
    let mut r = sample();
    r[3].language = Some("pl".into());
    let err =
        render(Kind::Invitation, &r, &config(), &templates(), false).expect_err("no pl folder");
    let msg = err.to_string();
    assert!(msg.starts_with("letter 4 asks for language"), "{msg}");
    assert!(msg.contains("\"pl\"") && msg.contains("de, en"), "{msg}");
    assert!(
        !msg.contains("fonts"),
        "the fonts folder is no language: {msg}"
    );
    // Path tricks are not language codes.
    r[3].language = Some("../de".into());
    assert!(
        render(Kind::Invitation, &r, &config(), &templates(), false)
            .is_err_and(|e| e.to_string().contains("(not a language code)"))
    );
    // The language column works too.
    let mut cfg = config();
    cfg.language_column = Some("sprache".into());
    let mut r = sample();
    r[0].fields.insert("sprache".into(), "EN".into());
    let b = render(Kind::Invitation, &r, &cfg, &templates(), false).expect("render");
    assert!(b.html.contains("Dear Ms Wojciechowska,"));
}

#[test]
fn missing_glyph_is_an_error_or_counted() {
    let mut r = sample();
    r[0].fields.insert("given_names".into(), "王 Iwona".into());
    let err =
        render(Kind::Invitation, &r, &config(), &templates(), false).expect_err("no CJK font");
    let msg = err.to_string();
    assert!(
        msg.contains("U+738B") && !msg.contains("Wojciechowska"),
        "{msg}"
    );
    let mut cfg = config();
    cfg.missing_glyphs = GlyphPolicy::Warn;
    let b = render(Kind::Invitation, &r, &cfg, &templates(), false).expect("warn only");
    assert_eq!(b.missing_glyphs, 1);
}

#[test]
fn stage_two_letters_and_orders() {
    let mut cfg = config();
    cfg.duplex = false;
    cfg.order = Order::Code;
    for kind in [Kind::Selected, Kind::Reserve, Kind::NotSelected] {
        let b = render(kind, &sample(), &cfg, &templates(), false).expect("render");
        assert_eq!(b.letters, 7);
        assert_eq!(b.pages, 7, "{kind:?}: one page each");
        let dir = out_dir(kind.name());
        let pdf = write(&dir, "letters.pdf", &b.pdf);
        to_png(&pdf, &dir, 1);
        let text = letter_text(&pdf, 1, 1);
        assert!(text.contains("Alexander Kalouti"));
        assert!(
            !text.contains("Seite 1 von"),
            "no page number on one-page letters"
        );
        // Order by code: 3XPR… first.
        assert!(text.contains("Yılmaz"));
    }
    cfg.order = Order::Input;
    let b = render(Kind::Selected, &sample(), &cfg, &templates(), false).expect("render");
    assert_eq!(b.order, (0..7).collect::<Vec<_>>());
}

#[test]
fn same_input_same_bytes() {
    let a = render(Kind::Invitation, &sample(), &config(), &templates(), false).expect("render");
    let b = render(Kind::Invitation, &sample(), &config(), &templates(), false).expect("render");
    assert_eq!(a.pdf_sha256, b.pdf_sha256);
    assert_eq!(a.html_sha256, b.html_sha256);
    assert_eq!(a.mail_merge_sha256.len(), 64);
}

#[test]
fn unknown_config_key_is_rejected() {
    let text =
        std::fs::read_to_string(root().join("examples/dortmund/forum.toml")).expect("config");
    let bad = text.replace("duplex = true", "duplex = true\nduplx = false");
    let err = toml::from_str::<File>(&bad)
        .err()
        .expect("unknown key")
        .to_string();
    assert!(err.contains("duplx"), "{err}");
}

/// DIN 5008 address block and salutation with every part a register export has:
/// Doktorgrad before the given name and in the salutation, the name prefix before the
/// family name (not twice where the family name holds it already, as unstructured
/// names since November 2025 do), the address addition between name and street, the
/// house-number suffix written onto the number, the part number after it; gender x
/// gets the neutral salutation. Expected lines written by hand from DIN 5008.
#[test]
fn din_5008_address_block_with_every_part() {
    let mut heide = person("Heide", "Erika", "w", "44135", "UU79-PCBRA");
    for (k, v) in [
        ("doctorate", "Dr."),
        ("name_prefix", "von der"),
        ("address_addition", "c/o Müller"),
        ("street", "Hauptstraße"),
        ("house_number", "12"),
        ("house_number_suffix", "a"),
        ("house_number_part", "1/2"),
    ] {
        heide.fields.insert(k.into(), v.into());
    }
    let mut unstructured = person("von Bülow", "Vicco", "m", "44137", "3XPR-RDP2D");
    unstructured
        .fields
        .insert("name_prefix".into(), "von".into());
    let kim = person("Schneider", "Kim", "x", "44139", "K7MN-22QXA");
    let b = render(
        Kind::Invitation,
        &[heide, unstructured, kim],
        &config(),
        &templates(),
        false,
    )
    .expect("render");
    let lines = |csv: &str, n: usize| -> Vec<String> {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.as_bytes());
        let h = r.headers().unwrap().clone();
        let rec = r.records().nth(n).unwrap().unwrap();
        let at = |name: &str| h.iter().position(|x| x == name).unwrap();
        (1..=6)
            .map(|k| rec[at(&format!("address_{k}"))].to_string())
            .filter(|l| !l.is_empty())
            .chain(std::iter::once(rec[at("salutation")].to_string()))
            .collect()
    };
    // Print order is by postcode: 44135, 44137, 44139.
    assert_eq!(
        lines(&b.mail_merge_csv, 0),
        [
            "Frau",
            "Dr. Erika von der Heide",
            "c/o Müller",
            "Hauptstraße 12a 1/2",
            "44135 Dortmund",
            "Sehr geehrte Frau Dr. von der Heide,"
        ]
    );
    assert_eq!(
        lines(&b.mail_merge_csv, 1),
        [
            "Herrn",
            "Vicco von Bülow",
            "Ginsterpfad 36",
            "44137 Dortmund",
            "Sehr geehrter Herr von Bülow,"
        ]
    );
    assert_eq!(
        lines(&b.mail_merge_csv, 2),
        [
            "Kim Schneider",
            "Ginsterpfad 36",
            "44139 Dortmund",
            "Guten Tag, Kim Schneider,"
        ]
    );
}

/// A word as pdftotext -bbox places it: its left edge, top and bottom in mm from the
/// page's top left corner.
struct Word {
    text: String,
    x0: f64,
    y0: f64,
    y1: f64,
}

/// The words of page `page` of `pdf`.
fn words(pdf: &Path, page: usize) -> Vec<Word> {
    let bbox = pdftotext(
        pdf,
        &["-bbox", "-f", &page.to_string(), "-l", &page.to_string()],
    );
    let mm = |pt: f64| pt / 72.0 * 25.4;
    bbox.lines()
        .filter(|l| l.contains("<word "))
        .map(|line| {
            let num = |k: &str| -> f64 {
                let s = &line[line.find(k).expect("coordinate") + k.len() + 2..];
                s[..s.find('"').expect("quote")].parse().expect("number")
            };
            let word =
                &line[line.find('>').expect("word") + 1..line.rfind("</word>").expect("end")];
            Word {
                text: word.to_string(),
                x0: mm(num("xMin")),
                y0: mm(num("yMin")),
                y1: mm(num("yMax")),
            }
        })
        .collect()
}

/// The invitation with its reply card is one sheet printed on both sides, in every
/// shipped language: the letter above the cut line (192 mm, the postcard's top edge, the
/// lower fold of form A) on both pages, the card's questions below it on page 2, the
/// office's address (the card's back) below it on page 1. Oracle: positions read back from
/// the PDF with pdftotext -bbox, against the DIN lang postcard (210 × 105 mm).
#[test]
fn the_invitation_is_one_sheet_with_a_tear_off_card() {
    let cut = 192.0;
    for (lang, title, reply) in [
        ("de", "Antwortkarte", "Antwort"),
        ("en", "Reply", "Reply"),
        ("tr", "Cevap", "Cevap"),
        // (pdftotext gives Arabic words in presentation forms; the address is Latin.)
        ("ar", "2027", "Büro"),
    ] {
        let mut r = sample()[..1].to_vec();
        r[0].language = Some(lang.into());
        let b = render(Kind::Invitation, &r, &config(), &templates(), false).expect("render");
        assert_eq!(b.pages, 2, "{lang}: one sheet");
        let dir = out_dir(&format!("tear-off-{lang}"));
        let pdf = write(&dir, "invitation.pdf", &b.pdf);
        to_png(&pdf, &dir, 2);
        let front = words(&pdf, 1);
        let back = words(&pdf, 2);
        // Page 1: the salutation above the cut, the office's address below it.
        let below = |ws: &[Word], w: &str| ws.iter().any(|x| x.text.contains(w) && x.y0 > cut);
        let above = |ws: &[Word], w: &str| ws.iter().any(|x| x.text.contains(w) && x.y1 < cut);
        assert!(
            above(&front, "Wojciechowska"),
            "{lang}: the letter on page 1"
        );
        for w in [reply, "Friedensplatz", "44135"] {
            assert!(below(&front, w), "{lang}: {w} on the card's back");
        }
        // Page 2: the card's title and the personal code below the cut, nothing of the
        // letter there.
        assert!(
            below(&back, title),
            "{lang}: the card's title below the cut"
        );
        assert!(below(&back, "UU79-PCBRA"), "{lang}: the code on the card");
        assert!(
            above(&back, "Kalouti"),
            "{lang}: the signature above the cut"
        );
        // The card fits the postcard: nothing below 297 mm less its 7 mm margin.
        for w in back.iter().chain(&front) {
            assert!(w.y1 < 290.0, "{lang}: {} ends at {:.1} mm", w.text, w.y1);
        }
        // Nothing crosses the cut line.
        for w in front.iter().chain(&back) {
            assert!(
                w.y1 < cut || w.y0 > cut,
                "{lang}: {} at {:.1}–{:.1} mm crosses the cut line",
                w.text,
                w.y0,
                w.y1
            );
        }
    }
}

/// `reply_card = "separate"` keeps the card on a page of its own (three pages, a blank
/// fourth in duplex); a tear-off card without duplex is refused, as its two sides would
/// land on two sheets.
#[test]
fn a_separate_card_and_a_card_without_duplex() {
    let mut cfg = config();
    cfg.reply_card = Some(sortes::letters::ReplyCard::Separate);
    let b = render(Kind::Invitation, &sample()[..2], &cfg, &templates(), false).expect("render");
    assert_eq!(letter_pages(&b), vec![3, 3]);
    assert_eq!(b.pages, 7, "a blank fourth page before the second letter");
    let dir = out_dir("separate-card");
    let pdf = write(&dir, "invitations.pdf", &b.pdf);
    assert!(letter_text(&pdf, 3, 3).starts_with("Antwortkarte"));
    assert!(!letter_text(&pdf, 1, 2).contains("Mein Code"));
    // Unset: separate unless duplex on form A (a form-B process file keeps its layout).
    cfg.reply_card = None;
    cfg.form = sortes::letters::Form::B;
    let b = render(Kind::Invitation, &sample()[..1], &cfg, &templates(), false).expect("render");
    assert_eq!(
        b.pages, 3,
        "duplex on form B: the card is separate by default"
    );
    cfg.form = sortes::letters::Form::A;
    let b = render(Kind::Invitation, &sample()[..1], &cfg, &templates(), false).expect("render");
    assert_eq!(
        b.pages, 2,
        "duplex on form A: the card is torn off by default"
    );
    cfg.duplex = false;
    let b = render(Kind::Invitation, &sample()[..1], &cfg, &templates(), false).expect("render");
    assert_eq!(b.pages, 3, "without duplex the card is separate by default");
    cfg.reply_card = Some(sortes::letters::ReplyCard::TearOff);
    let err = render(Kind::Invitation, &sample()[..1], &cfg, &templates(), false)
        .expect_err("tear-off needs duplex");
    assert!(err.to_string().contains("needs duplex = true"), "{err}");
}

/// A text too long for one sheet, or a card too long for its 105 mm, stops the letters
/// with a sentence that says what to shorten; nothing is cut off silently.
#[test]
fn too_long_for_one_sheet_is_an_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    copy_dir(&templates(), tmp.path());
    let path = tmp.path().join("de/invitation.txt");
    let text = std::fs::read_to_string(&path).expect("text");
    let (letter, card) = text.split_once("\n[[card]]\n").expect("a card");
    let long = format!("{letter}\n\n{letter}\n[[card]]\n{card}");
    std::fs::write(&path, long).expect("write");
    let msg = invite_one(tmp.path())
        .expect_err("two letters' text printed on one sheet")
        .to_string();
    assert!(
        msg.contains("letter 1") && msg.contains("must fit one sheet"),
        "{msg}"
    );
    assert!(
        msg.contains("de/invitation.txt") && msg.contains("separate"),
        "{msg}"
    );

    let many: String = (1..=24)
        .map(|i| format!("\n[ ] Antwort Nummer {i} mit einem recht langen Text, der eine eigene Zeile braucht\n"))
        .collect();
    std::fs::write(&path, format!("{letter}\n[[card]]\n{card}{many}")).expect("write");
    let msg = invite_one(tmp.path())
        .expect_err("a card too long printed")
        .to_string();
    assert!(
        msg.contains("the reply card runs") && msg.contains("mm below the foot"),
        "{msg}"
    );
    // With the card on its own page the same texts print.
    let mut cfg = config();
    cfg.reply_card = Some(sortes::letters::ReplyCard::Separate);
    render(Kind::Invitation, &sample()[..1], &cfg, tmp.path(), false).expect("separate card");

    // A letter that ends on page 1 still has its card on page 2 (the back of the sheet).
    std::fs::write(&path, format!("# Kurz\n\nEin Satz.\n[[card]]\n{card}")).expect("write");
    let b = invite_one(tmp.path()).expect("a short letter");
    assert_eq!(b.pages, 2);
    let dir = out_dir("tear-off-short");
    let pdf = write(&dir, "invitation.pdf", &b.pdf);
    assert!(letter_text(&pdf, 2, 2).contains("Mein Code: UU79-PCBRA"));
    assert!(!letter_text(&pdf, 1, 1).contains("Mein Code"));
}

/// A batch longer than one part (sortes lays out and exports 200 letters at a time and
/// joins the parts' PDFs): one PDF that poppler reads without a complaint, every page
/// there, every letter where the mail-merge CSV says it starts, and the same bytes from
/// the same input. Oracle: pdfinfo / pdftotext, the codes written into the recipients.
#[test]
fn a_batch_of_several_parts_is_one_pdf() {
    let base = sample();
    let recips: Vec<Recipient> = (0..405)
        .map(|i| {
            let mut r = base[i % base.len()].clone();
            r.language = None;
            r.fields
                .insert("application_code".into(), format!("C{i:04}-TEST"));
            r
        })
        .collect();
    let mut cfg = config();
    cfg.order = Order::Input;
    let b = render(Kind::Invitation, &recips, &cfg, &templates(), false).expect("render");
    assert_eq!(b.pages, 810, "two pages each");
    let dir = out_dir("parts");
    let pdf = write(&dir, "invitations.pdf", &b.pdf);
    let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
    assert!(info.status.success() && info.stderr.is_empty(), "{info:?}");
    assert_eq!(pdf_pages(&pdf), 810);
    let st = starts(&b);
    for n in [0, 199, 200, 201, 399, 400, 404] {
        let text = letter_text(&pdf, st[n], st[n] + 1);
        assert!(
            text.contains(&format!("C{n:04}-TEST")),
            "letter {} on pages {}–{}",
            n + 1,
            st[n],
            st[n] + 1
        );
    }
    let out = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "poppler: {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Three pages each (the card on its own page) and a blank fourth in duplex: no blank
    // after the last letter, every letter on a new sheet across the parts' seams.
    let mut separate = cfg.clone();
    separate.reply_card = Some(sortes::letters::ReplyCard::Separate);
    let s = render(Kind::Invitation, &recips, &separate, &templates(), false).expect("render");
    assert_eq!(s.pages, 405 * 4 - 1);
    let st = starts(&s);
    assert!(st.iter().all(|p| p % 2 == 1), "letters start on odd pages");
    assert_eq!(st[200], 801);
    let sep = write(&dir, "separate.pdf", &s.pdf);
    assert_eq!(pdf_pages(&sep), 405 * 4 - 1);
    assert!(letter_text(&sep, 801, 803).contains("C0200-TEST"));
    assert!(
        letter_text(&sep, 800, 800).is_empty(),
        "page 800 is a blank back"
    );
    // The workbench's preview (hayro) reads the joined file too: a page of the third part.
    let png = sortes::letters::preview::page_png(b.pdf.clone(), 803, 24).expect("hayro renders it");
    assert!(png.starts_with(b"\x89PNG"));
    let again = render(Kind::Invitation, &recips, &cfg, &templates(), false).expect("render");
    assert!(again.pdf == b.pdf, "the same input gives the same bytes");
}

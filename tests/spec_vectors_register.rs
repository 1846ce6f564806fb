//! The Rust implementation against the test vectors of spec §6–§11
//! (docs/test-vectors.md), as the Python reference verifier computes them:
//! `sortes_verify.py --vectors` runs here, and every line of the kinds below is
//! recomputed with the library and compared. The Python code is written from the
//! spec alone (standard library only), so the two agree only if both follow it.

use sortes::base::apportion::{Share, apportion_capped};
use sortes::base::process::{Process, band_label};
use sortes::base::text::canonical;
use sortes::register::csv::{LineProblem, Split};
use sortes::register::dates::{AgeRule, BirthDate};
use sortes::register::fields::{self, BlockMarks, Field, ValueMap};
use std::collections::BTreeMap;

/// The `--vectors` lines, by id, in order.
fn vectors() -> BTreeMap<String, Vec<String>> {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("python3")
        .arg(format!("{root}/docs/verifier/sortes_verify.py"))
        .arg("--vectors")
        .output()
        .expect("python3 runs the reference verifier");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        if let Some((id, rest)) = line.split_once(' ') {
            v.entry(id.to_string())
                .or_default()
                .push(rest.trim_start().to_string());
        }
    }
    v
}

/// `<U+XXXX>` written out as the character.
fn unicode(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("<U+") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('>').unwrap() + i;
        let cp = u32::from_str_radix(&rest[i + 3..end], 16).unwrap();
        out.push(char::from_u32(cp).unwrap());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A Python string literal `'…'` at the start of `s`: its text and what follows.
fn py_str(s: &str) -> (String, &str) {
    let s = s.trim_start();
    let q = s.chars().next().unwrap();
    assert!(q == '\'' || q == '"', "a string literal: {s}");
    let mut out = String::new();
    let mut it = s[1..].char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '\\' => {
                let (_, e) = it.next().unwrap();
                match e {
                    't' => out.push('\t'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    'x' | 'u' => {
                        let n = if e == 'x' { 2 } else { 4 };
                        let hex: String = (0..n).map(|_| it.next().unwrap().1).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    }
                    other => out.push(other),
                }
            }
            c if c == q => return (out, &s[1 + i + 1..]),
            c => out.push(c),
        }
    }
    panic!("unterminated literal: {s}")
}

/// A Python list of strings `['a', 'b']`.
fn py_list(s: &str) -> Vec<String> {
    let mut rest = s.trim().strip_prefix('[').unwrap();
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(']') {
            assert!(r.trim().is_empty());
            return out;
        }
        let (v, r) = py_str(rest);
        out.push(v);
        rest = r.trim_start().strip_prefix(',').unwrap_or(r);
    }
}

fn process(toml_extra: &str) -> (tempfile::TempDir, Process) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("forum.toml");
    std::fs::write(
        &p,
        format!(
            "[process]\nname = \"V\"\nid = \"v\"\nreference_date = \"2026-06-15\"\n[register]\npath = \"r.csv\"\n[register.columns]\nregister_id = \"id\"\nage = \"alter\"\n[draw]\ninvitations = 1\nstrata = [\"age_band\"]\n{toml_extra}"
        ),
    )
    .unwrap();
    let process = Process::load(&p).unwrap();
    (dir, process)
}

#[test]
fn reading_the_file() {
    let v = vectors();
    for l in &v["V6.1-trim"] {
        let (cell, rest) = py_str(l);
        let (want, _) = py_str(rest.trim_start().strip_prefix("->").unwrap());
        assert_eq!(canonical(&unicode(&cell)), unicode(&want), "{l}");
    }
    for l in &v["V6.1-split"] {
        let (line, want) = l.split_once(" -> ").unwrap();
        let mut s = Split::default();
        let got = s.split(line, b';');
        if want.starts_with('[') {
            got.unwrap();
            let fields: Vec<String> = (0..s.len())
                .map(|i| s.field(line, i).into_owned())
                .collect();
            assert_eq!(fields, py_list(want), "{l}");
        } else {
            let field: usize = want.rsplit(' ').next().unwrap().parse().unwrap();
            let problem = if want.starts_with("unterminated") {
                LineProblem::Unterminated { col: field - 1 }
            } else {
                LineProblem::AfterQuote { col: field - 1 }
            };
            assert_eq!(got, Err(problem), "{l}");
        }
    }
    for l in &v["V6.1-cell"] {
        let (cell, want) = l.split_once(" -> ").unwrap();
        let text = if let Some((n, what)) = cell.split_once(" x ") {
            let n: usize = n.parse().unwrap();
            let unit = if what.starts_with("'u' U+0308") {
                "u\u{308}".to_string()
            } else {
                py_str(what).0
            };
            unit.repeat(n)
        } else {
            unicode(cell)
        };
        let line = format!("x;{text}");
        let mut s = Split::default();
        s.split(&line, b';').unwrap();
        let got = s.check_cells(&line);
        match want {
            "allowed" => assert_eq!(got, Ok(()), "{l}"),
            w if w.contains("control character") => {
                assert_eq!(got, Err(LineProblem::Control { col: 1 }), "{l}")
            }
            _ => assert_eq!(got, Err(LineProblem::TooLong { col: 1 }), "{l}"),
        }
    }
    for l in &v["V6.1-delimiter"] {
        // Detection is the header's: the candidate with the most columns.
        let (header, rest) = py_str(l);
        let (want, _) = py_str(rest.trim_start().strip_prefix("->").unwrap());
        let count = |d: u8| {
            let mut s = Split::default();
            s.split(&header, d).map(|_| s.len()).unwrap_or(0)
        };
        let best = [b';', b',', b'\t'].into_iter().fold((b';', 0), |b, d| {
            if count(d) > b.1 { (d, count(d)) } else { b }
        });
        assert_eq!(char::from(best.0).to_string(), want, "{l}");
    }
}

#[test]
fn canonical_values() {
    let v = vectors();
    for l in &v["V6.2-date"] {
        let (cell, rest) = py_str(l);
        let want = rest.trim_start().strip_prefix("-> ").unwrap();
        let got = BirthDate::parse(&cell).map(|d| d.canonical());
        match want {
            "refused" => assert!(got.is_err(), "{l}"),
            w => assert_eq!(got.as_deref(), Ok(w), "{l}"),
        }
    }
    // Ages go through the row reader (digits only, 0–130).
    let (_d, p) = process("");
    let rules = sortes::register::rows::RowRules::of(&p).unwrap();
    for l in &v["V6.2-age"] {
        let (cell, rest) = py_str(l);
        let want = rest.trim_start().strip_prefix("-> ").unwrap();
        let got = rules.canonical(|f| match f {
            Field::RegisterId => Some("R1".into()),
            Field::BirthDateOrAge => Some(cell.clone().into()),
            _ => None,
        });
        match want {
            "refused" => assert!(got.is_err(), "{l}"),
            w => {
                let c = got.ok().flatten().unwrap();
                assert_eq!(c.values[Field::BirthDateOrAge.index()], w, "{l}");
            }
        }
    }
    let gender = ValueMap::gender(&p).unwrap();
    for l in &v["V6.2-gender"] {
        let (cell, rest) = py_str(l);
        let want = rest.trim_start().strip_prefix("-> ").unwrap();
        let got = gender.get(&canonical(&cell));
        match want {
            "refused" => assert_eq!(got, None, "{l}"),
            w => assert_eq!(got, Some(py_str(w).0.as_str()), "{l}"),
        }
    }
    let nat = ValueMap::nationality(&p).unwrap();
    let german = p.file.register.german_values.clone();
    for l in &v["V6.2-nationality"] {
        let (cell, rest) = py_str(l);
        let (want, rest) = py_str(rest.trim_start().strip_prefix("->").unwrap());
        let got = fields::nationality(&canonical(&cell), &nat).into_owned();
        assert_eq!(got, want, "{l}");
        let cit = rest
            .trim()
            .trim_start_matches("(citizenship ")
            .trim_end_matches(')');
        assert_eq!(fields::citizenship(&got, &german), cit, "{l}");
    }
    let blocks = BlockMarks::of(&p);
    for l in &v["V6.2-block"] {
        let (cell, rest) = py_str(l);
        let want = rest.trim_start().strip_prefix("-> ").unwrap();
        let got = blocks.read(&canonical(&cell));
        match want {
            "refused" => assert_eq!(got, None, "{l}"),
            w => assert_eq!(got, Some(w == "1"), "{l}"),
        }
    }
}

#[test]
fn records_lists_and_households() {
    let v = vectors();
    let rec = &v["V6.3-record"];
    let values: Vec<String> = rec[0]
        .strip_prefix("fields ")
        .unwrap()
        .split(" | ")
        .map(|s| s.trim_end().to_string())
        .collect();
    let values: [String; fields::N] = values.try_into().unwrap();
    let mut buf = Vec::new();
    let h = sortes::register::rows::record_hash(&values, &mut buf);
    assert_eq!(
        hex::encode(&buf),
        rec[1].strip_prefix("bytes ").unwrap(),
        "record bytes"
    );
    assert_eq!(hex::encode(h), rec[2].strip_prefix("record_hash ").unwrap());
    // List hash: canonical order by id bytes.
    let list = &v["V6.4-list"];
    let mut entries: Vec<(String, [u8; 32])> = list[..3]
        .iter()
        .map(|l| {
            let id = l.strip_prefix("id ").unwrap().split(' ').next().unwrap();
            let h = l.rsplit(' ').next().unwrap();
            (id.to_string(), hex::decode(h).unwrap().try_into().unwrap())
        })
        .collect();
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let order: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert!(list[3].contains(&format!("canonical order {}", order.join(", "))));
    let lh = sortes::register::list_hash(entries.iter().map(|e| &e.1));
    assert!(list[3].ends_with(&lh.to_string()), "{}", list[3]);
    for l in &v["V6.4-household"] {
        if l.starts_with("explicit") {
            continue;
        }
        let mut rest = l.as_str();
        let mut parts = Vec::new();
        for key in ["street ", "number ", "suffix ", "part ", "postcode "] {
            rest = rest.trim_start().strip_prefix(key).unwrap();
            let (s, r) = py_str(rest);
            parts.push(canonical(&unicode(&s)).into_owned());
            rest = r;
        }
        let want = rest.trim_start().strip_prefix("-> ").unwrap();
        let got = fields::address_key(&parts[0], &parts[1], &parts[2], &parts[3], &parts[4]);
        match want {
            "no household" => assert_eq!(got, None, "{l}"),
            w => assert_eq!(got.as_deref(), Some(w), "{l}"),
        }
    }
}

#[test]
fn ages_and_bands() {
    let v = vectors();
    let bands = [16, 25, 35, 45, 55, 65, 75];
    for (id, max_age) in [("V6.5-age", None), ("V6.5-age-max", Some(80))] {
        let rule = AgeRule {
            reference: chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap(),
            min_age: 16,
            max_age,
            bands: &bands,
        };
        for l in &v[id] {
            let cell = l.split(' ').next().unwrap();
            let got = BirthDate::parse(cell).and_then(|d| rule.apply(&d));
            let (_, want) = l.split_once(" -> ").unwrap();
            if want.starts_with("refused") {
                assert!(got.is_err(), "{l}");
                continue;
            }
            let got = got.unwrap();
            let w: Vec<&str> = want.split(", ").collect();
            assert_eq!(format!("age {}", got.age), w[0], "{l}");
            let eligible = got.age >= 16 && max_age.is_none_or(|m| got.age <= m);
            assert_eq!(eligible, w[1] == "eligible", "{l}");
            assert_eq!(format!("band {}", band_label(&bands, got.age)), w[2], "{l}");
            if let Some(d) = w.get(3) {
                assert_eq!(got.decided, *d == "decided", "{l}");
            } else {
                assert!(!got.partial, "{l}");
            }
        }
    }
    for l in &v["V7.1-band"] {
        let edges: Vec<u32> = l[l.find('[').unwrap() + 1..l.find(']').unwrap()]
            .split(", ")
            .map(|e| e.parse().unwrap())
            .collect();
        for pair in l[l.find("]:").unwrap() + 2..].split(", ") {
            let (age, label) = pair.trim().split_once(" -> ").unwrap();
            assert_eq!(band_label(&edges, age.parse().unwrap()), label, "{l}");
        }
    }
}

#[test]
fn factors_and_allocation() {
    let v = vectors();
    for l in &v["V7.2-factor"] {
        let (input, want) = l.split_once(" -> ").unwrap();
        if want == "refused" {
            let (s, _) = py_str(input);
            assert_eq!(sortes::base::text::parse_thousandths(&s), None, "{l}");
            continue;
        }
        let factors: Vec<u128> = input
            .split(" x ")
            .map(|f| sortes::base::text::parse_thousandths(f).unwrap())
            .collect();
        let product: u128 = factors.iter().product();
        let (_, text) = want.rsplit_once(" -> ").unwrap();
        assert_eq!(
            format!("'{}'", sortes::draw::factor_text(product, factors.len())),
            text,
            "{l}"
        );
    }
    for id in ["V7.2-alloc", "V7.2-alloc-two", "V7.2-alloc-tie"] {
        let lines = &v[id];
        let first = &lines[0];
        let n: u64 = first["n = ".len()..first.find(';').unwrap()]
            .parse()
            .unwrap();
        let mut names = Vec::new();
        let mut shares = Vec::new();
        for part in first.split("; #").skip(1) {
            let name = part.split(':').next().unwrap().split(' ').nth(1).unwrap();
            let num = |key: &str| -> u128 {
                let i = part.find(key).unwrap() + key.len();
                part[i..]
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            };
            names.push(name.to_string());
            shares.push(Share {
                weight: num("w = "),
                capacity: num("capacity ") as u64,
            });
        }
        let got = apportion_capped(&shares, n).unwrap();
        let text: Vec<String> = names
            .iter()
            .zip(&got)
            .map(|(s, a)| format!("{s} {a}"))
            .collect();
        assert_eq!(
            lines.last().unwrap(),
            &format!("allocation {}", text.join(", ")),
            "{id}"
        );
    }
}

#[test]
fn codes_entries_and_commitments() {
    let v = vectors();
    let key: [u8; 32] = std::array::from_fn(|i| i as u8);
    let key = sortes::draw::codes::CodeKey::from_bytes(key);
    for l in &v["V9-code"] {
        let rest = l.split_once("process ").unwrap().1;
        let (process, rest) = rest.split_once(", id ").unwrap();
        let (id, rest) = rest.split_once(", attempt ").unwrap();
        let (attempt, code) = rest.split_once(" -> ").unwrap();
        assert_eq!(key.code(process, id, attempt.parse().unwrap()), code, "{l}");
    }
    let entry = &v["V10-entry"];
    // U+2028 is written out as <U+2028> in the listing; the entry holds it raw.
    let json = unicode(entry[0].strip_prefix("canonical JSON ").unwrap());
    let json = json.as_str();
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(sortes::base::journal::canonical_json(&value), json);
    assert_eq!(
        sortes::base::fsio::sha256_hex(json.as_bytes()),
        entry[1].strip_prefix("entry_hash ").unwrap()
    );
    let c = &v["V11-commitment"];
    let json = c[0].strip_prefix("canonical JSON ").unwrap();
    assert_eq!(
        sortes::base::fsio::sha256_hex(json.as_bytes()),
        c[1].strip_prefix("commitment ").unwrap()
    );
    // The commit entry's other fields do not enter the commitment.
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    let zero = "0".repeat(64);
    for (k, x) in [
        ("register_file_sha256", serde_json::json!(zero)),
        ("commitment", serde_json::json!(zero)),
        ("register_rows", serde_json::json!(99)),
        ("blank_rows", serde_json::json!(1)),
        ("rejected_rows", serde_json::json!(0)),
        ("residents", serde_json::json!(11)),
        ("partial_birth_dates", serde_json::json!(3)),
        ("partial_birth_dates_decided", serde_json::json!(1)),
        ("exclusion_list_ids_not_in_register", serde_json::json!(0)),
        ("strata_columns", serde_json::json!(["stadtbezirk"])),
        ("seed_source", serde_json::json!("test")),
        ("seed_form", serde_json::json!("rfc3797:6+1")),
        ("reference_date", serde_json::json!("2026-06-15")),
    ] {
        value.as_object_mut().unwrap().insert(k.into(), x);
    }
    let commit: sortes::base::journal::Commit = serde_json::from_value(value).unwrap();
    assert_eq!(
        sortes::draw::step::commitment_digest(&commit).to_string(),
        c[1].strip_prefix("commitment ").unwrap()
    );
}

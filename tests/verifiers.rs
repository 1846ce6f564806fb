//! Both verifiers — `sortes verify` and the independent Python verifier
//! (docs/verifier/sortes_verify.py) — against tampering with one complete process
//! (the example process through every step): every file of a public and of a
//! confidential audit bundle changed in turn, and the whole tamper corpus of
//! docs/verifier/tamper_corpus.py. Each case must make both fail with a FAIL line
//! (or, where the run cannot start, an error) that names the file.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn python() -> Command {
    let mut c = Command::new("python3");
    c.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/verifier/sortes_verify.py"
    ));
    c
}

/// Runs a verifier; (exit code, stdout and stderr).
fn run(mut c: Command) -> (i32, String) {
    let o = c.output().expect("the verifier runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

/// Whether a verifier's output names `rel` in a failure: a FAIL line, or an error
/// line of a run that could not start.
fn names(text: &str, rel: &str) -> bool {
    text.lines()
        .any(|l| (l.starts_with("FAIL") || l.starts_with("error")) && l.contains(rel))
}

/// The example process through every step: commit, draw, invitation letters,
/// applications, intake, select, lottery build and draw, a replacement, panel
/// letters, report, public and confidential audit bundles.
fn complete() -> Example {
    let p = example();
    commit(&p.toml).success();
    draw(&p.toml, "3.12.19.27.33.41./7./").success();
    p.run(&["letters", "invitations"]).success();
    p.selected();
    p.build_lottery().success();
    p.run(&["lottery", "draw", "--number", "7"]).success();
    p.replace_some_seat(&["--date", "2027-03-01"]);
    p.run(&["letters", "panel"]).success();
    p.run(&["report"]).success();
    p.run(&["audit-bundle", "--out", p.path("bundle").to_str().unwrap()])
        .success();
    p.run(&[
        "audit-bundle",
        "--confidential",
        "--out",
        p.path("bundle-confidential").to_str().unwrap(),
    ])
    .success();
    p
}

/// Every file under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = vec![];
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// One byte in the middle of the file changed (a digit to another digit, anything
/// else to '0'): what a careless or a dishonest edit does.
fn flipped(bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let i = b.len() / 2;
    b[i] = match b[i] {
        b'0' => b'1',
        b'1'..=b'9' => b'0',
        b'a' => b'b',
        _ => b'a',
    };
    b
}

/// Both verifiers on the current state: each must fail and name `rel`.
fn both_fail(what: &str, rel: &str, rust: Command, py: Command, misses: &mut Vec<String>) {
    for (who, c) in [("sortes", rust), ("python", py)] {
        let (code, text) = run(c);
        if code == 0 || !names(&text, rel) {
            misses.push(format!("{who}: {what} {rel}: exit {code}\n{text}"));
        }
    }
}

fn sortes_verify(args: &[&str], at: &Path) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("sortes"));
    c.arg("verify").args(args).arg(at);
    c
}

fn python_verify(args: &[&str], at: &Path) -> Command {
    let mut c = python();
    c.args(args).arg(at);
    c
}

#[test]
fn every_file_of_a_bundle_changed_fails_both_verifiers() {
    let p = complete();
    let mut misses = vec![];
    for name in ["bundle", "bundle-confidential"] {
        let dir = p.path(name);
        for (who, c) in [
            ("sortes", sortes_verify(&["--bundle"], &dir)),
            ("python", python_verify(&["--bundle"], &dir)),
        ] {
            let (code, text) = run(c);
            assert_eq!(code, 0, "{who} on the untouched {name}:\n{text}");
        }
        let all = files(&dir);
        assert!(all.len() > 15, "{all:?}");
        assert_eq!(
            all.iter().any(|f| f == "out/audit/pool.csv"),
            name == "bundle-confidential",
            "only the confidential bundle holds the pool: {all:?}"
        );
        for rel in &all {
            let path = dir.join(rel);
            let orig = std::fs::read(&path).unwrap();
            std::fs::write(&path, flipped(&orig)).unwrap();
            both_fail(
                &format!("{name}: changed"),
                rel,
                sortes_verify(&["--bundle"], &dir),
                python_verify(&["--bundle"], &dir),
                &mut misses,
            );
            std::fs::write(&path, &orig).unwrap();
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n\n"));
}

/// The whole tamper corpus (docs/verifier/tamper_corpus.py): every recorded file of
/// the process changed and deleted in turn, each journal entry removed with the chain
/// recomputed, the journal cut after the published head, non-canonical journal lines,
/// a stray file, bundle.json edits, and forgeries whose every hash was rewritten
/// (panel, reserve order, replacement panel, lottery report, probabilities, draw
/// summary, invitees): both verifiers must catch each case and name the file.
#[test]
fn the_tamper_corpus_is_caught_by_both_verifiers() {
    let p = complete();
    let o = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/verifier/tamper_corpus.py"
        ))
        .arg(assert_cmd::cargo::cargo_bin("sortes"))
        .arg(&p.root)
        .output()
        .expect("python3 runs the corpus");
    let text = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{text}\n{err}");
    assert!(
        text.contains("python missed 0, sortes missed 0"),
        "{text}\n{err}"
    );
    let cases: usize = text
        .lines()
        .find_map(|l| {
            l.split_once(" cases;")
                .and_then(|(n, _)| n.trim().parse().ok())
        })
        .unwrap_or(0);
    assert!(cases > 100, "{cases} cases\n{text}");
}

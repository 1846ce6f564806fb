//! What a broken file, a crash or a careless operator leaves behind (issue 12, "also
//! found"): each on the example process through the real binary.

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;

const SEED: &str = EXAMPLE_SEED;

fn journal(p: &Example) -> Vec<u8> {
    std::fs::read(p.path("out/journal.jsonl")).unwrap()
}

#[test]
fn an_unbalanced_quote_in_the_applications_is_an_error_with_its_line() {
    let p = example();
    p.drawn();
    let apps = p.applications();
    let text = std::fs::read_to_string(&apps).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The third data row (line 4) opens a quote it never closes.
    let mut broken = lines.clone();
    let bad = format!("\"{}", lines[3]);
    broken[3] = &bad;
    std::fs::write(&apps, broken.join("\n") + "\n").unwrap();
    let before = journal(&p);
    let e = p
        .run(&["intake", "--applications", apps.to_str().unwrap()])
        .failure();
    let err = stderr_of(&e);
    assert!(
        err.contains("applications.csv") && err.contains("line 4"),
        "{err}"
    );
    assert!(err.contains("quote"), "{err}");
    assert_eq!(journal(&p), before, "nothing journaled");
    assert!(!p.path("out/audit/pool.csv").exists());
    // The file repaired: every row in ends in the pool or in the rejects.
    std::fs::write(&apps, &text).unwrap();
    p.run(&["intake", "--applications", apps.to_str().unwrap()])
        .success();
    let j = String::from_utf8(journal(&p)).unwrap();
    let v: serde_json::Value = serde_json::from_str(j.lines().last().unwrap()).unwrap();
    let rows = (lines.len() - 1) as u64;
    assert_eq!(v["rows_in"].as_u64(), Some(rows));
    assert_eq!(
        v["pool"].as_u64().unwrap() + v["rejected"].as_u64().unwrap(),
        rows
    );
}

#[test]
fn a_stray_personal_file_in_public_is_not_bundled_and_fails_verify() {
    let p = example();
    p.drawn();
    std::fs::copy(
        p.path("out/private/invitees.csv"),
        p.path("out/public/invitees-copy.csv"),
    )
    .unwrap();
    let bundle = p.path("bundle");
    p.run(&["audit-bundle", "--out", bundle.to_str().unwrap()])
        .success();
    assert!(!bundle.join("out/public/invitees-copy.csv").exists());
    let listed = std::fs::read_to_string(bundle.join("bundle.json")).unwrap();
    assert!(!listed.contains("invitees"), "{listed}");
    // The folder itself: a file no entry records is named.
    let out = stdout_of(&p.run(&["verify"]).failure());
    assert!(
        out.lines()
            .any(|l| l.starts_with("FAIL journal complete") && l.contains("invitees-copy.csv")),
        "{out}"
    );
}

#[test]
fn private_folders_are_0700_and_personal_files_0600_whatever_the_umask() {
    let p = example();
    // The umask reaches sortes through the shell.
    let sh = |cmd: &str| {
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask 000 && {} {cmd} -p {}",
                assert_cmd::cargo::cargo_bin("sortes").display(),
                p.toml.display()
            ))
            .output()
            .unwrap();
        assert!(o.status.success(), "{cmd}: {o:?}");
    };
    sh(&format!(
        "commit --seed-source test --seed-form {EXAMPLE_FORM}"
    ));
    sh(&format!("draw --seed {SEED}"));
    let apps = p.applications();
    sh("letters invitations --singles");
    sh(&format!("intake --applications {}", apps.display()));
    let mode = |rel: &str| std::fs::metadata(p.path(rel)).unwrap().permissions().mode() & 0o777;
    for dir in ["out/private", "out/private/letters", "out/audit"] {
        assert_eq!(mode(dir), 0o700, "{dir}");
    }
    for file in [
        "out/private/invitees.csv",
        "out/private/code-key.secret",
        "out/private/pool-mapping.csv",
        "out/audit/pool.csv",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    // Single letters are named by number, never by code or name.
    let codes: Vec<String> = {
        let mut r = csv::Reader::from_path(p.path("out/private/invitees.csv")).unwrap();
        let i = r
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "application_code")
            .unwrap();
        r.records().map(|x| x.unwrap()[i].to_string()).collect()
    };
    let mut singles = 0;
    for dir in walk_dirs(&p.path("out/private/letters")) {
        for e in std::fs::read_dir(&dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            singles += 1;
            for c in &codes {
                let short: String = c.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                assert!(
                    !name.contains(c.as_str()) && !name.contains(&short[short.len() - 5..]),
                    "{name} holds a code"
                );
            }
        }
    }
    assert!(singles > 200, "{singles} letter files");
}

fn walk_dirs(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![d.to_path_buf()];
    for e in std::fs::read_dir(d).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(walk_dirs(&path));
        }
    }
    out
}

#[test]
fn leftover_temporary_files_are_removed_and_reported() {
    let p = example();
    p.drawn();
    let left = p.path("out/private/.sortes-tmp-invitees.csv.x1y2");
    std::fs::copy(p.path("out/private/invitees.csv"), &left).unwrap();
    let e = p.run(&["letters", "invitations"]).success();
    assert!(!left.exists(), "the leftover copy was removed");
    let err = stderr_of(&e);
    assert!(
        err.contains("removed 1 temporary file") && err.contains(".sortes-tmp-invitees.csv.x1y2"),
        "{err}"
    );
}

#[test]
fn an_overwrite_is_refused_before_any_work() {
    let p = example();
    p.drawn();
    p.run(&["letters", "invitations"]).success();
    // A template that cannot be rendered: if the refusal came after the work, the
    // template error would be the message.
    let templates = p.path("templates");
    copy_dir(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/letters")),
        &templates,
    );
    let toml = std::fs::read_to_string(&p.toml).unwrap();
    let repo_templates = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/letters");
    std::fs::write(&p.toml, toml.replace(repo_templates, "templates")).unwrap();
    for e in walk_dirs(&templates) {
        for f in std::fs::read_dir(&e).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|x| x == "txt" || x == "typ") {
                std::fs::write(&f, "{{ broken").unwrap();
            }
        }
    }
    let e = p.run(&["letters", "invitations"]).failure();
    let err = stderr_of(&e);
    assert!(err.contains("--force") && err.contains("exists"), "{err}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn a_lottery_draw_after_a_lost_entry_is_refused_without_a_force_hint() {
    let p = example();
    p.drawn();
    p.selected();
    p.build_lottery().success();
    let before = journal(&p);
    p.run(&["lottery", "draw", "--number", "7"]).success();
    // The draw's entry lost (a crash after the files, or a cut journal).
    std::fs::write(p.path("out/journal.jsonl"), &before).unwrap();
    let e = p.run(&["lottery", "draw", "--number", "8"]).failure();
    let err = stderr_of(&e);
    assert!(
        err.contains("panel.csv exists") && !err.contains("--force"),
        "{err}"
    );
}

#[test]
fn the_public_bundle_has_no_row_of_attributes_per_person() {
    let p = example();
    p.drawn();
    p.selected();
    p.build_lottery().success();
    p.run(&["lottery", "draw", "--number", "7"]).success();
    p.run(&["report"]).success();
    let bundle = p.path("bundle");
    p.run(&["audit-bundle", "--out", bundle.to_str().unwrap()])
        .success();
    // Every CSV of the public bundle: a per-person file (a pool_id column) has no
    // quota attribute column beside it.
    let mut csvs = 0;
    for dir in walk_dirs(&bundle) {
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|x| x == "csv") {
                csvs += 1;
                let text = std::fs::read_to_string(&f).unwrap();
                let header = text.lines().next().unwrap_or("");
                if header.split(',').any(|h| h == "pool_id") {
                    for attr in [
                        "gender",
                        "age_band",
                        "stadtbezirk",
                        "education",
                        "household",
                    ] {
                        assert!(
                            !header.split(',').any(|h| h == attr),
                            "{}: {header}",
                            f.display()
                        );
                    }
                }
            }
        }
    }
    assert!(csvs >= 6, "{csvs}");
    assert!(!bundle.join("out/audit").exists());
    let v = sortes()
        .args(["verify", "--bundle"])
        .arg(&bundle)
        .assert()
        .success();
    assert!(
        stdout_of(&v).contains("SKIP lottery panels"),
        "{}",
        stdout_of(&v)
    );
}

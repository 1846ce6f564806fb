//! A flipped byte in any recorded output that a later step reads makes that step
//! refuse — naming the step that recorded the file and the file — and write nothing
//! (same journal, no new output). One process through the real binary: the example
//! process on a small synthetic register, every step, and before each step every
//! file it reads flipped in turn.

mod common;
use common::*;
use std::path::Path;

/// Flips one byte of `file` (relative to the process folder), runs `args`, expects a
/// refusal that names `step` and the file, and that the journal and `absent` (an
/// output of the refused step, if any) are unchanged; then restores the file.
fn refuses(p: &Example, args: &[&str], file: &str, step: &str, absent: Option<&str>) {
    let path = p.path(file);
    let orig = std::fs::read(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let journal = std::fs::read(p.path("out/journal.jsonl")).unwrap();
    let mut bad = orig.clone();
    // The middle of the file: a data byte, not the header.
    let i = bad.len() / 2;
    bad[i] = if bad[i] == b'0' { b'1' } else { b'0' };
    std::fs::write(&path, &bad).unwrap();
    let a = p.run(args).failure();
    std::fs::write(&path, &orig).unwrap();
    let err = stderr_of(&a);
    let name = Path::new(file).file_name().unwrap().to_str().unwrap();
    assert!(
        err.contains(name) && err.contains(&format!("has changed since the {step} step")),
        "{args:?} with {file} flipped:\n{err}"
    );
    assert_eq!(
        std::fs::read(p.path("out/journal.jsonl")).unwrap(),
        journal,
        "{args:?}: the journal changed"
    );
    if let Some(out) = absent {
        assert!(!p.path(out).exists(), "{args:?} wrote {out}");
    }
}

/// The lottery, its number announced to come from a ceremony.
const BUILD: [&str; 8] = [
    "lottery",
    "build",
    "--m",
    "20",
    "--seed-source",
    "urns",
    "--seed-form",
    "ceremony",
];

#[test]
fn every_step_refuses_a_changed_input() {
    let p = example();
    p.run(&[
        "commit",
        "--seed-source",
        "test",
        "--seed-form",
        "rfc3797:3",
    ])
    .success();
    p.run(&["draw", "--seed", "1.2.3./"]).success();
    let inv = "out/private/invitees.csv";
    let letters = "out/private/letters/invitation-wave1.pdf";
    refuses(&p, &["letters", "invitations"], inv, "draw", Some(letters));
    let apps = p.path("applications.csv");
    let apps_s = apps.to_str().unwrap();
    refuses(
        &p,
        &["generate-applications", "--out", apps_s],
        inv,
        "draw",
        Some("applications.csv"),
    );
    p.run(&["letters", "invitations"]).success();
    p.run(&["generate-applications", "--out", apps_s]).success();
    refuses(
        &p,
        &["intake", "--applications", apps_s],
        inv,
        "draw",
        Some("out/audit/pool.csv"),
    );
    // A top-up wave's commitment reads the invitees of the first wave.
    std::fs::write(p.path("counts.csv"), "stratum,count\nEving,3\n").unwrap();
    refuses(
        &p,
        &[
            "commit",
            "--wave",
            "2",
            "--counts",
            p.path("counts.csv").to_str().unwrap(),
            "--seed-source",
            "t",
            "--seed-form",
            "rfc3797:2",
        ],
        inv,
        "draw",
        Some("out/public/commitment-wave2.json"),
    );
    p.run(&["intake", "--applications", apps_s]).success();
    let pool = "out/audit/pool.csv";
    refuses(
        &p,
        &["select"],
        pool,
        "intake",
        Some("out/public/selection/distribution.csv"),
    );
    p.run(&["select"]).success();
    let lot = "out/public/lottery/lottery.txt";
    for (file, step) in [
        ("out/public/selection/distribution.csv", "select"),
        (pool, "select"),
        ("quotas.csv", "select"),
    ] {
        refuses(&p, &BUILD, file, step, Some(lot));
    }
    p.run(&BUILD).success();
    let panel = "out/public/lottery/panel.csv";
    for (file, step) in [(lot, "lottery"), (pool, "select"), ("quotas.csv", "select")] {
        refuses(
            &p,
            &["lottery", "draw", "--number", "7"],
            file,
            step,
            Some(panel),
        );
    }
    p.run(&["lottery", "draw", "--number", "7"]).success();
    // The replacement: the first seat that can be refilled (some cannot, by the quotas).
    let seats = column(&p.path(panel), "pool_id");
    let reserves = "out/public/lottery/reserves.csv";
    for (file, step) in [
        (reserves, "lottery-draw"),
        (lot, "lottery"),
        (pool, "select"),
    ] {
        refuses(
            &p,
            &["replace", "--dropped", &seats[0]],
            file,
            step,
            Some("out/public/lottery/panel-after-replacement-1.csv"),
        );
    }
    let replaced = seats.iter().any(|s| {
        sortes()
            .args(["replace", "--dropped", s, "--date", "2027-03-01", "-p"])
            .arg(&p.toml)
            .assert()
            .try_success()
            .is_ok()
    });
    assert!(replaced, "some seat can be refilled");
    let mapping = "out/private/pool-mapping.csv";
    for (file, step) in [
        (mapping, "intake"),
        (reserves, "lottery-draw"),
        (pool, "intake"),
    ] {
        refuses(
            &p,
            &["letters", "panel"],
            file,
            step,
            Some("out/private/letters/selected.pdf"),
        );
    }
    p.run(&["letters", "panel"]).success();
    for (file, step) in [
        ("out/public/draw-summary-wave1.csv", "draw"),
        ("out/public/intake-summary.csv", "intake"),
        (pool, "intake"),
        ("out/public/selection/quota-table.csv", "select"),
        ("out/public/selection/probabilities.csv", "select"),
        (
            "out/public/lottery/panel-after-replacement-1.csv",
            "replace",
        ),
    ] {
        refuses(&p, &["report"], file, step, Some("out/public/report.html"));
    }
    p.run(&["report"]).success();
    let bundle = p.path("bundle");
    let bundle_s = bundle.to_str().unwrap();
    for (file, step) in [
        ("out/public/draw-summary-wave1.csv", "draw"),
        ("out/public/selection/distribution.csv", "select"),
        (lot, "lottery"),
        (panel, "lottery-draw"),
        ("out/public/report.html", "report"),
    ] {
        refuses(
            &p,
            &["audit-bundle", "--out", bundle_s],
            file,
            step,
            Some("bundle"),
        );
    }
    // The pool as the selection recorded it (the latest record of the file): only
    // the confidential bundle carries it.
    refuses(
        &p,
        &["audit-bundle", "--confidential", "--out", bundle_s],
        pool,
        "select",
        Some("bundle"),
    );
    p.run(&["audit-bundle", "--out", bundle_s]).success();
    p.run(&["verify"]).success();
    // The journal holds an entry of every kind; the independent verifier reads each
    // by the same schema and finds nothing wrong.
    let kinds: std::collections::BTreeSet<String> =
        std::fs::read_to_string(p.path("out/journal.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["step"].to_string())
            .collect();
    assert_eq!(kinds.len(), 9, "{kinds:?}");
    let py = std::process::Command::new("python3")
        .arg(bundle.join("sortes_verify.py"))
        .arg("--bundle")
        .arg(&bundle)
        .output()
        .expect("python3");
    let out = String::from_utf8_lossy(&py.stdout);
    assert!(py.status.success() && !out.contains("FAIL"), "{out}");
}

/// The values of one column of a CSV file.
fn column(path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|x| x.unwrap()[i].to_string()).collect()
}

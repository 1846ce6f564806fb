//! The independent Python reference verifier (docs/verifier/sortes_verify.py,
//! standard library only) replays draws made by the real binary: two waves,
//! Windows-1252, household rule, oversampled age bands; and it must detect one
//! changed byte in the extract. See tests/data/verifier_scenario.sh.

use std::process::Command;

#[test]
fn python_reference_verifier_reproduces_the_draw() {
    let root = env!("CARGO_MANIFEST_DIR");
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(format!("{root}/tests/data/verifier_scenario.sh"))
        .env("ROOT", root)
        .env("SORTES", assert_cmd::cargo::cargo_bin("sortes"))
        .env("WORK", work.path().join("scenario"))
        .output()
        .expect("bash and python3 are installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(!stdout.contains("FAIL  "), "{stdout}");
    assert!(stdout.contains("PASS  wave 2 draw: replay"), "{stdout}");
    assert!(stdout.contains("tampered extract detected"), "{stdout}");
}

/// The Python verifier's own tests of the journal schema: a journal with one entry
/// of every kind passes, and each way of breaking the schema is named.
#[test]
fn python_verifier_schema_tests_pass() {
    python_tests("test_schema.py");
}

/// Its unit tests of the pieces the checks rest on: the replacement rule's search
/// against brute force, seed forms, --head, application codes, the lottery file, the
/// CSV reader, quotas, the commitment file and the manifest.
#[test]
fn python_verifier_unit_tests_pass() {
    python_tests("test_verify.py");
}

/// Its tests of the register reader (spec §6): a Windows-1252 export with every
/// field, partial dates, maps and households, and each malformed variant.
#[test]
fn python_verifier_register_tests_pass() {
    python_tests("test_register_v3.py");
}

fn python_tests(file: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/docs/verifier/{file}"))
        .output()
        .expect("python3 is installed");
    assert!(
        out.status.success(),
        "{file}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

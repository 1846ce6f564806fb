//! The invitation draw through the real binary on real files.

mod common;
use common::*;
use predicates::prelude::*;
use std::collections::BTreeSet;

const SEED: &str = "3.12.19.27.33.41./7./";

fn invitees(s: &Setup) -> std::path::PathBuf {
    s.path("out/private/invitees.csv")
}

#[test]
fn draw_respects_eligibility_and_allocation() {
    let s = setup(&register_rows(300), "", "");
    commit(&s.process).success();
    draw(&s.process, SEED).success();
    let mut r = csv::Reader::from_path(invitees(&s)).unwrap();
    let mut ids = BTreeSet::new();
    let mut per_district = std::collections::BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let i: usize = rec[3][1..].parse().unwrap();
        assert!(ids.insert(i), "no one is drawn twice");
        assert!(!i.is_multiple_of(10), "minors (born 2015) are never drawn");
        assert!(
            !i.is_multiple_of(37),
            "§ 51 blocked residents are never drawn"
        );
        assert!(rec[16].parse::<u32>().unwrap() >= 16, "age");
        *per_district.entry(rec[20].to_string()).or_insert(0) += 1;
        // Umlauts survive: the family name is written as in the register.
        assert!(rec[5].starts_with("Müller-"));
        assert_eq!(rec[4].len(), 10, "an application code XXXX-XXXXX");
    }
    assert_eq!(ids.len(), 10);
    // 300 residents, 100 per district; equal eligible counts → 4/3/3 by largest remainder
    // with ties to the earlier stratum (Eving < Hörde < Mengede by bytes).
    let counts: Vec<i32> = per_district.values().copied().collect();
    assert_eq!(counts.iter().sum::<i32>(), 10);
    assert!(counts.iter().all(|&c| c == 3 || c == 4));
}

#[test]
fn same_seed_same_draw_and_row_order_does_not_matter() {
    let rows = register_rows(200);
    let a = setup(&rows, "", "");
    let mut shuffled = rows.clone();
    shuffled.reverse();
    shuffled.rotate_left(17);
    let b = setup(&shuffled, "", "");
    for s in [&a, &b] {
        commit(&s.process).success();
        draw(&s.process, SEED).success();
    }
    assert_eq!(drawn_ids(&invitees(&a)), drawn_ids(&invitees(&b)));
    let sa = std::fs::read(a.path("out/public/draw-summary-wave1.csv")).unwrap();
    let sb = std::fs::read(b.path("out/public/draw-summary-wave1.csv")).unwrap();
    assert_eq!(sa, sb);
    let ja = std::fs::read_to_string(a.path("out/public/commitment-wave1.json")).unwrap();
    let jb = std::fs::read_to_string(b.path("out/public/commitment-wave1.json")).unwrap();
    let ex = |t: &str| {
        let v: serde_json::Value = serde_json::from_str(t).unwrap();
        v["extract_sha256"].as_str().unwrap().to_string()
    };
    assert_eq!(ex(&ja), ex(&jb), "the extract hash ignores row order");
}

#[test]
fn different_seeds_draw_different_people() {
    let rows = register_rows(200);
    let a = setup(&rows, "", "");
    let b = setup(&rows, "", "");
    commit(&a.process).success();
    draw(&a.process, SEED).success();
    commit(&b.process).success();
    draw(&b.process, "3.12.19.27.33.42./7./").success();
    assert_ne!(drawn_ids(&invitees(&a)), drawn_ids(&invitees(&b)));
}

#[test]
fn a_second_draw_on_one_commitment_is_refused_unless_justified() {
    let s = setup(&register_rows(100), "", "");
    commit(&s.process).success();
    draw(&s.process, SEED).success();
    let first = std::fs::read(invitees(&s)).unwrap();
    draw(&s.process, "1.2.3.4.5.6./7./")
        .failure()
        .stderr(predicate::str::contains("seed grinding"));
    assert_eq!(
        std::fs::read(invitees(&s)).unwrap(),
        first,
        "nothing overwritten"
    );
    sortes()
        .args([
            "draw",
            "--seed",
            "1.2.3.4.5.6./7./",
            "--redraw-reason",
            "printer lost the letters",
            "--force",
            "-p",
        ])
        .arg(&s.process)
        .assert()
        .success();
    let journal = std::fs::read_to_string(s.path("out/journal.jsonl")).unwrap();
    assert!(journal.contains("printer lost the letters"));
    // Every verify reports the second draw prominently: a FAIL with the first draw and
    // the reason, unless the auditor accepts it; the latest draw is replayed either way.
    let v = on(&s, &["verify"]).failure();
    let out = stdout_of(&v);
    assert!(
        out.contains("FAIL wave 1 repeated: wave 1 was committed once and drawn twice")
            && out.contains("the first draw was entry 2 with seed rfc3797:3.12.19.27.33.41./7./")
            && out.contains("\"printer lost the letters\""),
        "{out}"
    );
    let v = on(&s, &["verify", "--accept-repeats"]).success();
    assert!(stdout_of(&v).contains("ACCEPTED wave 1 repeated"));
}

#[test]
fn changed_inputs_after_commit_are_refused() {
    let s = setup(&register_rows(100), "", "");
    commit(&s.process).success();
    let reg = s.path("register.csv");
    let text = std::fs::read_to_string(&reg).unwrap();
    std::fs::write(&reg, text.replace("R0005;Müller-5", "R0005;Mueller-5")).unwrap();
    draw(&s.process, SEED)
        .failure()
        .stderr(predicate::str::contains("register extract changed"));
    assert!(!invitees(&s).exists());
}

#[test]
fn verify_names_the_changed_output_and_fails() {
    let s = setup(&register_rows(100), "", "");
    commit(&s.process).success();
    draw(&s.process, SEED).success();
    sortes()
        .args(["verify", "-p"])
        .arg(&s.process)
        .assert()
        .success()
        .stdout(predicate::str::contains("FAIL").not());
    let p = s.path("out/public/draw-summary-wave1.csv");
    let mut b = std::fs::read(&p).unwrap();
    let last = b.len() - 2;
    b[last] = if b[last] == b'1' { b'2' } else { b'1' };
    std::fs::write(&p, b).unwrap();
    sortes()
        .args(["verify", "-p"])
        .arg(&s.process)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL wave 1 draw: summary file"));
}

#[test]
fn verify_detects_a_changed_journal() {
    let s = setup(&register_rows(100), "", "");
    commit(&s.process).success();
    draw(&s.process, SEED).success();
    let j = s.path("out/journal.jsonl");
    let text = std::fs::read_to_string(&j).unwrap();
    std::fs::write(
        &j,
        text.replacen("\"invitations\":10", "\"invitations\":11", 1),
    )
    .unwrap();
    sortes()
        .args(["verify", "-p"])
        .arg(&s.process)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL journal chain"));
}

#[test]
fn personal_files_are_private_and_no_names_are_printed() {
    let s = setup(&register_rows(100), "", "");
    let c = commit(&s.process).success();
    let d = draw(&s.process, SEED).success();
    let v = sortes()
        .args(["verify", "-p"])
        .arg(&s.process)
        .assert()
        .success();
    for out in [stdout_of(&c), stdout_of(&d), stdout_of(&v), stderr_of(&d)] {
        assert!(!out.contains("Müller"), "no names on the terminal");
        assert!(!out.contains("Hauptstraße"), "no addresses on the terminal");
        assert!(!out.contains("R00"), "no register ids on the terminal");
    }
    let journal = std::fs::read_to_string(s.path("out/journal.jsonl")).unwrap();
    assert!(!journal.contains("Müller") && !journal.contains("R00"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["out/private/invitees.csv", "out/private/code-key.secret"] {
            let m = std::fs::metadata(s.path(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(m, 0o600, "{f}");
        }
    }
}

#[test]
fn household_rule_gives_one_invitee_per_address() {
    // 3 residents per address (see register_rows); 10 invitations among 100 residents.
    let s = setup(&register_rows(100), "household_rule = true", "");
    commit(&s.process).success();
    draw(&s.process, SEED).success();
    let mut r = csv::Reader::from_path(invitees(&s)).unwrap();
    let mut addresses = BTreeSet::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        // street, house number, postcode
        assert!(addresses.insert(format!("{}|{}|{}", &rec[9], &rec[10], &rec[14])));
    }
    assert_eq!(addresses.len(), 10);
}

#[test]
fn top_up_wave_excludes_everyone_invited_before() {
    let s = setup(&register_rows(120), "", "");
    commit(&s.process).success();
    draw(&s.process, SEED).success();
    let first: BTreeSet<String> = drawn_ids(&invitees(&s)).into_iter().collect();
    std::fs::write(s.path("counts.csv"), "stratum,count\nEving,5\nMengede,3\n").unwrap();
    sortes()
        .args([
            "commit",
            "--wave",
            "2",
            "--seed-source",
            "second lottery",
            "--seed-form",
            "rfc3797:2",
            "-p",
        ])
        .arg(&s.process)
        .arg("--counts")
        .arg(s.path("counts.csv"))
        .assert()
        .success();
    draw(&s.process, "5.6./").success();
    let second = drawn_ids(&s.path("out/private/invitees-wave2.csv"));
    assert_eq!(second.len(), 8);
    for id in &second {
        assert!(!first.contains(id), "a top-up never invites someone twice");
    }
    sortes()
        .args(["verify", "-p"])
        .arg(&s.process)
        .assert()
        .success();
}

#[test]
fn oversampling_shifts_the_allocation() {
    let s = setup(
        &register_rows(300),
        "strata = [\"stadtbezirk\"]\n[draw.oversample.stadtbezirk]\n\"Eving\" = \"2\"",
        "",
    );
    commit(&s.process).success();
    let summary = std::fs::read_to_string(s.path("out/public/commitment-wave1.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let strata = v["strata"].as_array().unwrap();
    let eving = strata.iter().find(|x| x["stratum"] == "Eving").unwrap();
    // Equal eligible counts, Eving weighted 2: 10·2/4 = 5 invitations.
    assert_eq!(eving["allocated"], 5);
    assert_eq!(eving["factor"], "2");
}

#[test]
fn outputs_are_never_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |force: bool| {
        let mut c = sortes();
        c.args(["generate-register", "--population", "500", "--out"])
            .arg(dir.path());
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    generate(false).success();
    generate(false)
        .failure()
        .stderr(predicate::str::contains("--force"));
    generate(true).success();
}

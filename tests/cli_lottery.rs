//! Stage 3 through the real binary: lottery build, draw, replacements, verify, the
//! audit bundle (also checked by the independent Python verifier), and the bad inputs
//! of the issue: tampered lottery, number out of range, a drop-out who is not a
//! member, a pool changed since selection, a broken journal.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A process with a hand-written pool of 40 applicants (gender × district, a few
/// two-person households), k = 8, quotas: gender 4..4 each, district 2..3 each.
fn setup_selected() -> Setup {
    let s = setup(
        &register_rows(30),
        "",
        r#"
[selection]
k = 8
quotas = "quotas.csv"
algorithm = "leximin"
household_rule = true
"#,
    );
    std::fs::write(
        s.path("quotas.csv"),
        "category,value,min,max\ngender,w,4,4\ngender,m,4,4\n\
         district,Eving,2,3\ndistrict,Hörde,2,3\ndistrict,Mengede,2,3\n",
    )
    .unwrap();
    let mut pool = String::from("pool_id,household,gender,district\n");
    let d = ["Eving", "Hörde", "Mengede"];
    for i in 0..40 {
        // Women are scarce in Mengede: only two of them, so they are often needed.
        let g = if i % 2 == 0 || (i % 3 == 2 && i > 4) {
            "m"
        } else {
            "w"
        };
        let hh = if i < 6 {
            format!("H{}", i / 2)
        } else {
            String::new()
        };
        pool.push_str(&format!("P{i:03},{hh},{g},{}\n", d[i % 3]));
    }
    std::fs::create_dir_all(s.path("out/audit")).unwrap();
    std::fs::write(s.path("out/audit/pool.csv"), pool).unwrap();
    // A pool prepared outside `sortes intake`, in the output folder's audit/.
    let pool = s.path("out/audit/pool.csv");
    on(
        &s,
        &["select", "--pool", pool.to_str().expect("UTF-8 path")],
    )
    .success();
    s
}

/// Writes `bad` over `path`, runs `sortes <args> -p …` expecting failure, puts the
/// original bytes back and returns the failed run for the caller's assertions.
fn failing_while_tampered(
    s: &Setup,
    path: &Path,
    bad: impl AsRef<[u8]>,
    args: &[&str],
) -> assert_cmd::assert::Assert {
    let orig = std::fs::read(path).unwrap();
    std::fs::write(path, bad).unwrap();
    let a = on(s, args).failure();
    std::fs::write(path, orig).unwrap();
    a
}

/// Writes `bad` over `path`, runs `sortes <args> -p …` expecting failure with `needle` on
/// stdout or stderr, and puts the original bytes back.
fn fails_while_tampered(
    s: &Setup,
    path: &Path,
    bad: impl AsRef<[u8]>,
    args: &[&str],
    needle: &str,
) {
    let a = failing_while_tampered(s, path, bad, args);
    let (out, err) = (stdout_of(&a), stderr_of(&a));
    assert!(
        out.contains(needle) || err.contains(needle),
        "{needle}\n{out}\n{err}"
    );
}

/// Changes `path` to `bad` and forges the journal to record the new bytes (see
/// [`forge_journal`]); `sortes verify` must still fail with `needle`. Restores both.
fn fails_with_forged_journal(s: &Setup, path: &Path, bad: impl AsRef<[u8]>, needle: &str) {
    let journal = s.path("out/journal.jsonl");
    let (orig, orig_journal) = (
        std::fs::read(path).unwrap(),
        std::fs::read(&journal).unwrap(),
    );
    let bad = bad.as_ref();
    std::fs::write(path, bad).unwrap();
    forge_journal(
        &journal,
        &sortes::base::fsio::sha256_hex(&orig),
        &sortes::base::fsio::sha256_hex(bad),
    );
    let a = on(s, &["verify"]).failure();
    std::fs::write(path, orig).unwrap();
    std::fs::write(&journal, orig_journal).unwrap();
    let out = stdout_of(&a);
    assert!(out.contains(needle), "{needle}\n{out}");
}

fn pool_of(s: &Setup) -> BTreeMap<String, (String, String, String)> {
    let mut r = csv::Reader::from_path(s.path("out/audit/pool.csv")).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[0].to_string(),
                (x[1].to_string(), x[2].to_string(), x[3].to_string()),
            )
        })
        .collect()
}

/// Independent quota check (the test's own counting, not the library's).
fn meets_quotas(ids: &[String], pool: &BTreeMap<String, (String, String, String)>) -> bool {
    let mut g: BTreeMap<&str, usize> = BTreeMap::new();
    let mut d: BTreeMap<&str, usize> = BTreeMap::new();
    let mut hh = BTreeSet::new();
    for id in ids {
        let (h, gender, district) = &pool[id];
        *g.entry(gender).or_default() += 1;
        *d.entry(district).or_default() += 1;
        if !h.is_empty() && !hh.insert(h.clone()) {
            return false;
        }
    }
    ids.len() == 8
        && g.get("w") == Some(&4)
        && g.get("m") == Some(&4)
        && ["Eving", "Hörde", "Mengede"]
            .iter()
            .all(|x| (2..=3).contains(d.get(x).unwrap_or(&0)))
}

fn tickets(s: &Setup) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(s.path("out/public/lottery/lottery.txt")).unwrap();
    text.lines()
        .skip(7)
        .map(|l| l.split(' ').skip(1).map(str::to_string).collect())
        .collect()
}

fn journal_lines(s: &Setup) -> usize {
    std::fs::read_to_string(s.path("out/journal.jsonl"))
        .unwrap()
        .lines()
        .count()
}

fn column(path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|x| x.unwrap()[i].to_string()).collect()
}

#[test]
fn lottery_draw_replace_verify_and_bundle() {
    let s = setup_selected();
    let pool = pool_of(&s);
    let a = on(
        &s,
        &[
            "lottery",
            "build",
            "--m",
            "100",
            "--seed-source",
            "three urns",
            "--seed-form",
            "ceremony",
        ],
    )
    .success();
    assert!(
        stdout_of(&a).contains("100 numbered panels (00 to 99)"),
        "{}",
        stdout_of(&a)
    );
    let t = tickets(&s);
    assert_eq!(t.len(), 100);
    for (n, p) in t.iter().enumerate() {
        assert!(meets_quotas(p, &pool), "panel {n} breaks a quota: {p:?}");
    }
    // The report's tickets are the lottery file's, and the LEXIMIN column is the
    // selection's probabilities file.
    let report = s.path("out/public/lottery/lottery-report.csv");
    let ids = column(&report, "pool_id");
    let tick = column(&report, "lottery_tickets");
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &t {
        for id in p {
            *count.entry(id).or_default() += 1;
        }
    }
    for (id, n) in ids.iter().zip(&tick) {
        assert_eq!(count.get(id.as_str()).copied().unwrap_or(0).to_string(), *n);
    }
    let lex: Vec<f64> = column(&report, "leximin_probability")
        .iter()
        .map(|x| x.parse().unwrap())
        .collect();
    let sel: Vec<f64> = column(
        &s.path("out/public/selection/probabilities.csv"),
        "probability",
    )
    .iter()
    .map(|x| x.parse().unwrap())
    .collect();
    for (a, b) in lex.iter().zip(&sel) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    // Bad numbers, then a ceremony number.
    let before = journal_lines(&s);
    let e = on(&s, &["lottery", "draw", "--number", "100"]).failure();
    assert!(
        stderr_of(&e).contains("outside the lottery"),
        "{}",
        stderr_of(&e)
    );
    assert_eq!(journal_lines(&s), before, "nothing journaled");
    on(&s, &["lottery", "draw", "--number", "42"]).success();
    let panel = column(&s.path("out/public/lottery/panel.csv"), "pool_id");
    assert_eq!(panel, t[42], "the panel is line 42 of the lottery");
    let reserves = column(&s.path("out/public/lottery/reserves.csv"), "pool_id");
    assert_eq!(reserves.len(), 32);
    assert!(reserves.iter().all(|r| !panel.contains(r)));
    let e = on(&s, &["lottery", "draw", "--number", "7"]).failure();
    assert!(stderr_of(&e).contains("already been drawn"));

    // A drop-out who is not a member.
    let outsider = &reserves[0];
    let before = journal_lines(&s);
    let e = on(&s, &["replace", "--dropped", outsider]).failure();
    assert!(stderr_of(&e).contains("is not a member of the current panel"));
    assert_eq!(journal_lines(&s), before);

    // Replace a woman: the first reserve who keeps every quota comes in.
    let woman = panel.iter().find(|p| pool[*p].1 == "w").unwrap().clone();
    let a = on(
        &s,
        &["replace", "--dropped", &woman, "--date", "2027-03-01"],
    )
    .success();
    let new_panel = column(
        &s.path("out/public/lottery/panel-after-replacement-1.csv"),
        "pool_id",
    );
    assert!(meets_quotas(&new_panel, &pool), "{new_panel:?}");
    assert!(!new_panel.contains(&woman));
    let newcomer = new_panel.iter().find(|p| !panel.contains(p)).unwrap();
    // Lexicographically first: no earlier reserve would have kept the quotas.
    let staying: Vec<String> = panel.iter().filter(|p| **p != woman).cloned().collect();
    for r in reserves.iter().take_while(|r| *r != newcomer) {
        let mut trial = staying.clone();
        trial.push(r.clone());
        assert!(!meets_quotas(&trial, &pool), "{r} came earlier and fits");
    }
    assert!(stdout_of(&a).contains(newcomer.as_str()));

    // verify passes; a changed byte in the published panel fails and names the step.
    let v = on(&s, &["verify"]).success();
    let out = stdout_of(&v);
    for line in [
        "PASS selection panels: all ",
        "PASS selection probabilities: 40 applicants",
        "PASS lottery panels: all 100 numbered panels",
        "PASS lottery draw: number 42",
        "PASS reserve order",
        "PASS replacement 1",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    // A distribution panel with a man in a woman's seat breaks gender = 4 women; a listed
    // probability that is not the sum over the panels is named.
    let df = s.path("out/public/selection/distribution.csv");
    let dist = std::fs::read_to_string(&df).unwrap();
    let first = dist.lines().nth(1).unwrap().to_string();
    let members: Vec<&str> = first.split(',').nth(2).unwrap().split(' ').collect();
    let woman = *members.iter().find(|m| pool[**m].1 == "w").unwrap();
    let man = pool
        .iter()
        .find(|(id, (hh, g, _))| g == "m" && hh.is_empty() && !members.contains(&id.as_str()))
        .map(|(id, _)| id.clone())
        .unwrap();
    let mut swapped: Vec<String> = members
        .iter()
        .map(|m| {
            if *m == woman {
                man.clone()
            } else {
                m.to_string()
            }
        })
        .collect();
    swapped.sort();
    let fields: Vec<&str> = first.split(',').collect();
    let bad_line = format!("{},{},{}", fields[0], fields[1], swapped.join(" "));
    let bad = dist.replacen(&first, &bad_line, 1);
    // The file alone changed: named as changed since the select step.
    fails_while_tampered(&s, &df, &bad, &["verify"], "FAIL select: distribution file");
    // The journal forged to match: the panel itself is found to break a quota.
    fails_with_forged_journal(&s, &df, &bad, "FAIL selection panels: panel 0 (line 2): ");
    let pf = s.path("out/public/selection/probabilities.csv");
    let probs = std::fs::read_to_string(&pf).unwrap();
    let row = probs.lines().nth(1).unwrap().to_string();
    let (id, p) = row.split_once(',').unwrap();
    let changed = format!("{id},{}", if p.starts_with("0.9") { "0.1" } else { "0.9" });
    let bad = probs.replacen(&row, &changed, 1);
    fails_while_tampered(
        &s,
        &pf,
        &bad,
        &["verify"],
        "FAIL select: probabilities file",
    );
    fails_with_forged_journal(&s, &pf, &bad, &format!("probabilities.csv: {id}: listed"));
    let pf = s.path("out/public/lottery/panel.csv");
    let mut bad = std::fs::read(&pf).unwrap();
    let last = bad.len() - 2;
    bad[last] ^= 1;
    let v = failing_while_tampered(&s, &pf, bad, &["verify"]);
    assert!(
        stdout_of(&v).contains("FAIL lottery-draw: panel file"),
        "{}",
        stdout_of(&v)
    );

    // The report: aggregates only, no pool id reaches the page.
    on(&s, &["report"]).success();
    for page in ["report.html", "report-en.html"] {
        let html = std::fs::read_to_string(s.path("out/public").join(page)).unwrap();
        assert!(html.contains("<svg"), "{page} has charts");
        assert!(
            !html.contains("P00") && !html.contains("P01"),
            "{page} shows a pool id"
        );
    }

    // The audit bundle: nothing personal, verifiable alone, also by the Python verifier.
    let bundle = s.path("bundle");
    sortes()
        .args(["audit-bundle", "--out"])
        .arg(&bundle)
        .arg("-p")
        .arg(&s.process)
        .assert()
        .success();
    assert!(!bundle.join("out/private").exists());
    assert!(!bundle.join("register.csv").exists());
    for entry in walk(&bundle) {
        let text = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&text);
        // The test register's family names are "Müller-<number>".
        let leaked = text
            .match_indices("Müller-")
            .any(|(i, m)| text[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
        assert!(!leaked, "personal data in {}", entry.display());
    }
    let v = sortes()
        .arg("verify")
        .arg("--bundle")
        .arg(&bundle)
        .assert()
        .success();
    assert!(stdout_of(&v).contains("PASS bundle manifest"));
    let py = std::process::Command::new("python3")
        .arg(bundle.join("sortes_verify.py"))
        .arg("--bundle")
        .arg(&bundle)
        .output()
        .expect("python3 is installed");
    let pyout = String::from_utf8_lossy(&py.stdout);
    assert!(py.status.success(), "{pyout}");
    assert!(
        pyout.contains("PASS  lottery draw: number 42 (drawn at the public ceremony)"),
        "{pyout}"
    );
    assert!(pyout.contains("PASS  replacement 1"), "{pyout}");
    // A public bundle: the quotas need the confidential pool, the sums do not.
    assert!(
        pyout.contains("SKIP  selection panels")
            && pyout.contains("PASS  selection probabilities: 40 applicants"),
        "{pyout}"
    );
    assert!(!pyout.contains("FAIL"), "{pyout}");

    // The lottery changed after the commitment: replace refuses, nothing journaled.
    let lf = s.path("out/public/lottery/lottery.txt");
    let orig = std::fs::read_to_string(&lf).unwrap();
    let before = journal_lines(&s);
    let e = failing_while_tampered(
        &s,
        &lf,
        orig.replacen("00 ", "00  ", 1),
        &["replace", "--dropped", &panel[1]],
    );
    assert!(
        stderr_of(&e).contains("this lottery file has changed since the lottery step"),
        "{}",
        stderr_of(&e)
    );
    assert_eq!(journal_lines(&s), before);

    // The pool changed since the selection.
    let poolf = s.path("out/audit/pool.csv");
    let porig = std::fs::read_to_string(&poolf).unwrap();
    fails_while_tampered(
        &s,
        &poolf,
        porig.replace("P039,,", "P039,H9,"),
        &["replace", "--dropped", &panel[1]],
        "this pool file has changed since the select step",
    );

    // A journal with a broken link.
    let jf = s.path("out/journal.jsonl");
    let jorig = std::fs::read_to_string(&jf).unwrap();
    let lines: Vec<&str> = jorig.lines().collect();
    let broken = format!("{}\n{}\n", lines[0], lines[2..].join("\n"));
    std::fs::write(&jf, broken).unwrap();
    let e = on(&s, &["replace", "--dropped", &panel[1]]).failure();
    assert!(stderr_of(&e).contains("entry 2"), "{}", stderr_of(&e));
}

#[test]
fn seed_draw_is_reproducible_and_replacement_explains_a_dead_end() {
    let s = setup_selected();
    on(
        &s,
        &[
            "lottery",
            "build",
            "--m",
            "50",
            "--seed-source",
            "drand",
            "--seed-form",
            "drand:1234",
        ],
    )
    .success();
    let seed = format!("drand:1234:{}", "0123456789abcdef".repeat(4));
    // Another round than the announced one is refused.
    on(
        &s,
        &[
            "lottery",
            "draw",
            "--seed",
            &seed.replace(":1234:", ":1235:"),
        ],
    )
    .failure();
    on(&s, &["lottery", "draw", "--seed", &seed]).success();
    // The number is the spec's function of the seed and the lottery hash.
    let lsha = sortes::base::fsio::sha256_file(&s.path("out/public/lottery/lottery.txt")).unwrap();
    let seed = sortes::base::spec::Seed::parse(&seed).unwrap();
    let n = sortes::lottery::draw::number_from_seed(&seed, lsha.as_str(), 50) as usize;
    assert_eq!(
        column(&s.path("out/public/lottery/panel.csv"), "pool_id"),
        tickets(&s)[n]
    );
    // Mark every reserve man unavailable, then drop a man: no replacement can keep
    // gender m at 4, and the error says so in plain words.
    let pool = pool_of(&s);
    let panel = column(&s.path("out/public/lottery/panel.csv"), "pool_id");
    let reserves = column(&s.path("out/public/lottery/reserves.csv"), "pool_id");
    let men: Vec<String> = reserves
        .iter()
        .filter(|r| pool[*r].1 == "m")
        .cloned()
        .collect();
    let man = panel.iter().find(|p| pool[*p].1 == "m").unwrap();
    let e = on(
        &s,
        &["replace", "--dropped", man, "--unavailable", &men.join(",")],
    )
    .failure();
    let err = stderr_of(&e);
    assert!(
        err.contains("gender=m needs at least 4 members: 3 stay on the panel and 0 are left"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Issue 14, "exact when exactness exists": 300 applicants, k = 45, three categories
/// whose quotas are ⌊0.15·count⌋..⌈0.15·count⌉, so everyone can have 0.15 = 150/1000.
/// LEXIMIN gives everyone 0.15 (up to its decimals) over a rotation-expanded
/// distribution of many panels; the lottery of m = 1000 must give every applicant
/// exactly 150 tickets (hand calculation: m·k/n), with every panel inside the quotas
/// (counted here, not by the library).
#[test]
fn lottery_is_exact_where_exactness_exists() {
    let s = setup(
        &register_rows(30),
        "",
        r#"
[selection]
k = 45
quotas = "quotas.csv"
algorithm = "leximin"
"#,
    );
    let mut x: u64 = 12345;
    let mut rows = Vec::new();
    let mut counts: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for i in 0..300 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let g = [0, 0, 0, 1, 1, 1, 0, 1, 2, 1][(x >> 33) as usize % 10];
        let a = ((x >> 40) % 6) as usize;
        let d = ((x >> 50) % 4) as usize;
        for (c, v) in [(0, g), (1, a), (2, d)] {
            *counts.entry((c, v)).or_default() += 1;
        }
        rows.push(format!("A{i:03},,g{g},a{a},d{d}"));
    }
    let names = ["gender", "age", "district"];
    let mut quotas = String::from("category,value,min,max\n");
    for (&(c, v), &n) in &counts {
        let p = ["g", "a", "d"][c];
        // ⌊0.15 n⌋ and ⌈0.15 n⌉ in integers: 15 n / 100.
        let (lo, hi) = (15 * n / 100, (15 * n).div_ceil(100));
        quotas.push_str(&format!("{},{p}{v},{lo},{hi}\n", names[c]));
    }
    std::fs::write(s.path("quotas.csv"), quotas).unwrap();
    std::fs::create_dir_all(s.path("out/audit")).unwrap();
    let pool = s.path("out/audit/pool.csv");
    std::fs::write(
        &pool,
        format!(
            "pool_id,household,gender,age,district\n{}\n",
            rows.join("\n")
        ),
    )
    .unwrap();
    on(
        &s,
        &["select", "--pool", pool.to_str().expect("UTF-8 path")],
    )
    .success();
    on(
        &s,
        &[
            "lottery",
            "build",
            "--m",
            "1000",
            "--seed-source",
            "three urns",
            "--seed-form",
            "ceremony",
        ],
    )
    .success();
    let t = tickets(&s);
    assert_eq!(t.len(), 1000);
    let attrs: BTreeMap<String, [String; 3]> = rows
        .iter()
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            (f[0].to_string(), [f[2].into(), f[3].into(), f[4].into()])
        })
        .collect();
    let mut per_agent: BTreeMap<&str, u32> = BTreeMap::new();
    for p in &t {
        assert_eq!(p.len(), 45);
        let mut per_value: BTreeMap<(usize, &str), u32> = BTreeMap::new();
        for id in p {
            *per_agent.entry(id).or_default() += 1;
            for (c, v) in attrs[id].iter().enumerate() {
                *per_value.entry((c, v)).or_default() += 1;
            }
        }
        for (&(c, v), &n) in &counts {
            let name = format!("{}{v}", ["g", "a", "d"][c]);
            let got = per_value.get(&(c, name.as_str())).copied().unwrap_or(0);
            assert!(
                15 * n / 100 <= got && got <= (15 * n).div_ceil(100),
                "{name}: {got} of {n}"
            );
        }
    }
    assert_eq!(per_agent.len(), 300, "everyone is on some panel");
    assert!(
        per_agent.values().all(|&c| c == 150),
        "tickets: {:?}",
        per_agent.values().collect::<BTreeSet<_>>()
    );
}

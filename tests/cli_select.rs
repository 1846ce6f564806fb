//! Stage 2 through the real binary: quota checks, selection outputs, intake.

mod common;
use common::*;
use predicates::prelude::*;
use std::path::PathBuf;

/// Writes the quota file of Alternate(200,20) into `dir`.
fn small20_quotas(dir: &std::path::Path) -> PathBuf {
    let p = dir.join("categories.csv");
    std::fs::write(&p, sortes::synth::instances::alternate_categories(20)).unwrap();
    p
}

/// Writes the research instance Alternate(200,20) as a pool file with ids.
fn small20_pool(dir: &std::path::Path) -> PathBuf {
    let src = sortes::synth::instances::alternate_respondents(200);
    let mut out = String::new();
    for (i, line) in src.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("pool_id,{line}\n"));
        } else {
            out.push_str(&format!("A{i:03},{line}\n"));
        }
    }
    let p = dir.join("pool.csv");
    std::fs::write(&p, out).unwrap();
    p
}

/// `sortes select` of a pool under the Alternate(200,20) quotas, writing into `out`.
fn select_small20(pool: &std::path::Path, out: &std::path::Path) -> assert_cmd::assert::Assert {
    sortes()
        .args(["select", "--k", "20", "--pool"])
        .arg(pool)
        .arg("--quotas")
        .arg(small20_quotas(pool.parent().expect("pool folder")))
        .arg("--out")
        .arg(out)
        .assert()
}

#[test]
fn select_writes_distribution_probabilities_and_quota_table() {
    let dir = tempfile::tempdir().unwrap();
    let pool = small20_pool(dir.path());
    let out = dir.path().join("sel");
    select_small20(&pool, &out)
        .success()
        .stdout(predicate::str::contains("minimum 0.1000"));
    // Every applicant's probability, summing to k; LEXIMIN gives everyone 0.1.
    let probs = std::fs::read_to_string(out.join("probabilities.csv")).unwrap();
    let mut sum = 0.0;
    for line in probs.lines().skip(1) {
        let p: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
        assert!((p - 0.1).abs() < 1e-6);
        sum += p;
    }
    assert!((sum - 20.0).abs() < 1e-6);
    // Every panel in the distribution meets every quota (integer count from the files).
    let pool_text = std::fs::read_to_string(&pool).unwrap();
    let attrs: std::collections::HashMap<&str, Vec<&str>> = pool_text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[1..].to_vec())
        })
        .collect();
    let dist = std::fs::read_to_string(out.join("distribution.csv")).unwrap();
    let mut total = 0.0;
    for line in dist.lines().skip(1) {
        let f: Vec<&str> = line.splitn(3, ',').collect();
        total += f[1].parse::<f64>().unwrap();
        let members: Vec<&str> = f[2].split(' ').collect();
        assert_eq!(members.len(), 20);
        let female = members.iter().filter(|m| attrs[*m][0] == "female").count();
        let liberal = members.iter().filter(|m| attrs[*m][1] == "liberal").count();
        assert!((9..=11).contains(&female) && (9..=11).contains(&liberal));
    }
    assert!((total - 1.0).abs() < 1e-6);
    let table = std::fs::read_to_string(out.join("quota-table.csv")).unwrap();
    assert!(table.starts_with("category,value,min,max,applicants,expected\n"));
    assert!(table.contains("gender,female,9,20,"));
    // Nothing is overwritten without --force.
    select_small20(&pool, &out)
        .failure()
        .stderr(predicate::str::contains("--force"));
}

#[test]
fn infeasible_quotas_are_explained_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let pool = small20_pool(dir.path());
    let q = dir.path().join("q.csv");
    std::fs::write(
        &q,
        "category,value,min,max\ngender,female,9,20\ngender,male,9,20\nleaning,liberal,19,20\nleaning,conservative,0,20\n",
    )
    .unwrap();
    // Make "liberal" rare: only the first 10 applicants stay liberal.
    let text = std::fs::read_to_string(&pool).unwrap();
    let mut out = String::new();
    for (i, l) in text.lines().enumerate() {
        if i > 10 {
            out.push_str(&l.replace("liberal", "conservative"));
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    std::fs::write(&pool, out).unwrap();
    sortes()
        .args(["quotas", "check", "--k", "20", "--quotas"])
        .arg(&q)
        .arg("--pool")
        .arg(&pool)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("INFEASIBLE"))
        .stdout(predicate::str::contains("liberal"));
    sortes()
        .args(["select", "--k", "20", "--pool"])
        .arg(&pool)
        .arg("--quotas")
        .arg(&q)
        .arg("--out")
        .arg(dir.path().join("sel"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot be met"));
    assert!(!dir.path().join("sel/probabilities.csv").exists());
}

#[test]
fn unknown_applicant_value_names_the_closest() {
    let dir = tempfile::tempdir().unwrap();
    let pool = small20_pool(dir.path());
    let text = std::fs::read_to_string(&pool).unwrap();
    std::fs::write(&pool, text.replacen("female", "femal", 1)).unwrap();
    sortes()
        .args(["select", "--k", "20", "--pool"])
        .arg(&pool)
        .arg("--quotas")
        .arg(small20_quotas(dir.path()))
        .assert()
        .failure()
        .stderr(predicate::str::contains("\"female\""))
        .stderr(predicate::str::contains("line"));
}

/// `sortes quotas derive` with k = 10 over district and gender, tolerance 1, into
/// `q.csv` of the setup (asserted to succeed); returns that path.
fn derive_k10(s: &Setup) -> PathBuf {
    let out = s.path("q.csv");
    sortes()
        .args([
            "quotas",
            "derive",
            "--k",
            "10",
            "--categories",
            "stadtbezirk,gender",
            "--tolerance",
            "1",
            "-p",
        ])
        .arg(&s.process)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn quotas_derive_from_the_register() {
    let s = setup(&register_rows(300), "", "");
    let out = derive_k10(&s);
    let q = std::fs::read_to_string(&out).unwrap();
    // Targets sum to k per category; min/max are target ± 1.
    let mut sums = std::collections::BTreeMap::new();
    for line in q.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (min, max): (i64, i64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        assert!(max - min <= 2);
        *sums.entry(f[0].to_string()).or_insert(0) += (min + max) / 2;
    }
    assert!(sums.contains_key("stadtbezirk") && sums.contains_key("gender"));
    sortes()
        .args(["quotas", "check", "--k", "10", "--quotas"])
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn quotas_derive_counts_the_eligible_register_exactly() {
    // 20 adult residents without blocks, 14 m / 6 w, Eving 10 / Hörde 6 / Mengede 4, plus four
    // minors (not eligible, must not count). With k = 10 the exact shares are whole numbers
    // (7/3 and 5/3/2), so the targets are known without the program; tolerance 1 gives
    // target ± 1.
    let mut rows: Vec<String> = (0..20)
        .map(|i| {
            let g = if i < 14 { "m" } else { "w" };
            let d = match i {
                0..10 => "Eving",
                10..16 => "Hörde",
                _ => "Mengede",
            };
            format!(
                "R{i:04};Name-{i};Vorname;Weg;{i};44{i:03};Dortmund;01.01.1970;{g};deutsch;{d};;"
            )
        })
        .collect();
    // Counted by mistake, they would move the targets to w = 4 and Mengede = 3.
    for i in 90..94 {
        rows.push(format!(
            "R{i:04};Kind-{i};Vorname;Weg;{i};44{i:03};Dortmund;01.01.2015;w;deutsch;Mengede;;"
        ));
    }
    let s = setup(&rows, "", "");
    let out = derive_k10(&s);
    let q = std::fs::read_to_string(&out).unwrap();
    let bounds: Vec<(String, String, u32, u32)> = q
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect();
    for (cat, val, min, max) in [
        ("gender", "m", 6, 8),
        ("gender", "w", 2, 4),
        ("stadtbezirk", "Eving", 4, 6),
        ("stadtbezirk", "Hörde", 2, 4),
        ("stadtbezirk", "Mengede", 1, 3),
    ] {
        assert!(
            bounds.contains(&(cat.to_string(), val.to_string(), min, max)),
            "{cat}={val} should be {min}..{max}:\n{q}"
        );
    }
    assert_eq!(bounds.len(), 5, "{q}");
    // An unknown or repeated category is a named error, whatever the register holds.
    for (cats, says) in [
        (
            "gender,education",
            "\"education\" is not a register category",
        ),
        ("gender,gender", "\"gender\" is given twice"),
    ] {
        let a = sortes()
            .args(["quotas", "derive", "--k", "10", "--categories", cats, "-p"])
            .arg(&s.process)
            .arg("--out")
            .arg(s.path("q2.csv"))
            .assert()
            .failure();
        let err = stderr_of(&a);
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn intake_links_codes_and_writes_a_pseudonymous_pool() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    // The example process on a small synthetic register: draw, applications, intake.
    sortes()
        .args(["generate-register", "--population", "30000", "--out"])
        .arg(d.join("data"))
        .assert()
        .success();
    let toml = include_str!("../examples/dortmund/forum.toml");
    let p = d.join("forum.toml");
    std::fs::write(&p, toml).unwrap();
    commit(&p).success();
    draw(&p, "1.2.3.4.5.6./7./").success();
    let apps = d.join("applications.csv");
    sortes()
        .args(["generate-applications", "-p"])
        .arg(&p)
        .arg("--out")
        .arg(&apps)
        .assert()
        .success();
    let r = sortes()
        .args(["intake", "-p"])
        .arg(&p)
        .arg("--applications")
        .arg(&apps)
        .assert()
        .success();
    let text = stdout_of(&r);
    assert!(text.contains("in the pool") && text.contains("response by stratum"));
    let pool = std::fs::read_to_string(d.join("out/audit/pool.csv")).unwrap();
    assert!(pool.starts_with(
        "pool_id,household,gender,age_band,stadtbezirk,education,migration_background"
    ));
    let mapping = std::fs::read_to_string(d.join("out/private/pool-mapping.csv")).unwrap();
    // Names and codes are only in the private mapping, never in the pool.
    let second = mapping.lines().nth(1).unwrap();
    let fields: Vec<&str> = second.split(',').collect();
    for personal in &fields[1..4] {
        assert!(!pool.contains(personal), "pool must not contain {personal}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [
            "out/private/pool-mapping.csv",
            "out/private/intake-rejects.csv",
        ] {
            let m = std::fs::metadata(d.join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(m, 0o600, "{f}");
        }
    }
    // Rows in = pool + rejects, as the journal records.
    let j = std::fs::read_to_string(d.join("out/journal.jsonl")).unwrap();
    let intake: serde_json::Value = j
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["step"] == "intake")
        .unwrap();
    assert_eq!(
        intake["rows_in"].as_u64().unwrap(),
        intake["pool"].as_u64().unwrap() + intake["rejected"].as_u64().unwrap()
    );
    assert!(
        intake["rejected"].as_u64().unwrap() >= 4,
        "the planted mistakes are rejected"
    );
}

#[test]
fn relaxation_stays_within_min_flex_and_max_flex() {
    let dir = tempfile::tempdir().unwrap();
    let pool = small20_pool(dir.path());
    // Only 10 applicants are liberal (the others are made conservative).
    let text = std::fs::read_to_string(&pool).unwrap();
    let mut out = String::new();
    let mut liberal = 0;
    for (i, l) in text.lines().enumerate() {
        if i > 0 && l.ends_with(",liberal") {
            liberal += 1;
            if liberal > 10 {
                out.push_str(&l.replace("liberal", "conservative"));
                out.push('\n');
                continue;
            }
        }
        out.push_str(l);
        out.push('\n');
    }
    std::fs::write(&pool, out).unwrap();
    let check = |min_flex: u32| {
        let q = dir.path().join(format!("q{min_flex}.csv"));
        std::fs::write(
            &q,
            format!(
                "category,value,min,max,min_flex,max_flex\ngender,female,9,20,0,20\ngender,male,9,20,0,20\nleaning,liberal,12,20,{min_flex},20\nleaning,conservative,0,20,0,20\n"
            ),
        )
        .unwrap();
        let a = sortes()
            .args(["quotas", "check", "--k", "20", "--quotas"])
            .arg(&q)
            .arg("--pool")
            .arg(&pool)
            .assert()
            .code(1);
        stdout_of(&a)
    };
    // Allowed down to 5: the smallest change lowers the liberal minimum from 12 to 10.
    let loose = check(5);
    assert!(
        loose.contains("leaning=liberal: minimum 12 -> 10"),
        "{loose}"
    );
    // Allowed only down to 11: no change within the flexible bounds helps.
    let tight = check(11);
    assert!(tight.contains("within their min_flex/max_flex"), "{tight}");
}

/// A demo pool whose pricing ILP did not finish at gap 0 with microlp (weights spanning
/// 17 orders of magnitude, many ties; see tests/data/select/README.md). LEXIMIN must finish
/// and give a distribution whose panels all meet the quotas (counted here from the files).
#[test]
fn leximin_finishes_on_the_demo_pool_with_tiny_weights() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let pool = root.join("tests/data/select/demo-pool-233.csv");
    let quotas = root.join("quotas/dortmund-50.csv");
    let out = dir.path().join("sel");
    sortes()
        .args(["select", "--k", "50", "--id-column", "pool_id"])
        .args(["--household-column", "household", "--pool"])
        .arg(&pool)
        .arg("--quotas")
        .arg(&quotas)
        .arg("--out")
        .arg(&out)
        .timeout(std::time::Duration::from_secs(900))
        .assert()
        .success();
    // Pool attributes by id, quota bounds by (category, value).
    let pool_text = std::fs::read_to_string(&pool).unwrap();
    let mut lines = pool_text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: std::collections::BTreeMap<String, Vec<String>> = lines
        .map(|l| {
            let f: Vec<String> = l.split(',').map(str::to_string).collect();
            (f[0].clone(), f)
        })
        .collect();
    let quota_text = std::fs::read_to_string(&quotas).unwrap();
    let bounds: Vec<(usize, String, u32, u32)> = quota_text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let col = header.iter().position(|h| *h == f[0]).unwrap();
            (
                col,
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect();
    let dist = std::fs::read_to_string(out.join("distribution.csv")).unwrap();
    let mut panels = 0;
    let mut mass = 0.0;
    for line in dist.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        mass += f[1].parse::<f64>().unwrap();
        let ids: Vec<&str> = f[2].split(' ').collect();
        assert_eq!(ids.len(), 50, "panel size");
        for (col, value, min, max) in &bounds {
            let c = ids.iter().filter(|id| rows[**id][*col] == *value).count() as u32;
            assert!(*min <= c && c <= *max, "{} {value}: {c}", header[*col]);
        }
        panels += 1;
    }
    assert!(panels > 0);
    assert!((mass - 1.0).abs() < 1e-6, "probabilities sum to {mass}");
}

/// Goldilocks through a process: `select --algorithm goldilocks --gamma 0.5 --compare`
/// journals the algorithm, γ and the comparison, the lottery is built on its distribution, and `sortes verify` and the
/// independent Python verifier both pass. A γ that is not a positive number is refused.
#[test]
fn goldilocks_is_journaled_and_verified() {
    let p = example();
    p.drawn();
    let apps = p.applications();
    p.run(&["intake", "--applications", apps.to_str().unwrap()])
        .success();
    for bad in ["0", "-1", "abc", "1e3", "0.1234567890123"] {
        let a = p
            .run(&[
                "select",
                "--algorithm",
                "goldilocks",
                &format!("--gamma={bad}"),
            ])
            .failure();
        assert!(stderr_of(&a).contains("gamma"), "{bad}: {}", stderr_of(&a));
    }
    let a = p
        .run(&[
            "select",
            "--algorithm",
            "goldilocks",
            "--gamma",
            "0.5",
            "--compare",
        ])
        .success();
    let out = stdout_of(&a);
    assert!(out.contains("goldilocks selection"), "{out}");
    assert!(out.contains("comparison (γ = 0.5"), "{out}");
    // The comparison: one row per algorithm, journaled as an output of the selection.
    let cmp = std::fs::read_to_string(p.path("out/public/selection/comparison.csv")).unwrap();
    let names: Vec<&str> = cmp
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names, ["legacy", "leximin", "goldilocks"]);
    let journal = std::fs::read_to_string(p.path("out/journal.jsonl")).unwrap();
    let select = journal
        .lines()
        .find(|l| l.contains("\"step\":\"select\""))
        .expect("select entry");
    assert!(select.contains("\"algorithm\":\"goldilocks\""), "{select}");
    assert!(select.contains("\"gamma\":\"0.500000000000\""), "{select}");
    assert!(select.contains("comparison.csv"), "{select}");
    assert!(select.contains("\"pricing_gap\":\"0.0"), "{select}");
    // The probabilities sum to k = 6 (read from the published file).
    let probs = std::fs::read_to_string(p.path("out/public/selection/probabilities.csv")).unwrap();
    let sum: f64 = probs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((sum - 6.0).abs() < 1e-6, "{sum}");
    // The curves: one column per algorithm; Goldilocks' is probabilities.csv sorted.
    let curves =
        std::fs::read_to_string(p.path("out/public/selection/comparison-curves.csv")).unwrap();
    assert!(select.contains("comparison-curves.csv"), "{select}");
    let mut lines = curves.lines();
    assert_eq!(lines.next(), Some("rank,legacy,leximin,goldilocks"));
    let gl: Vec<f64> = lines
        .map(|l| l.split(',').nth(3).unwrap().parse::<f64>().unwrap())
        .collect();
    let mut own: Vec<f64> = probs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap())
        .collect();
    own.sort_by(f64::total_cmp);
    assert_eq!(gl.len(), own.len());
    for (a, b) in gl.iter().zip(&own) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    p.build_lottery().success();
    // The report names the algorithm and states the certificate.
    p.run(&["report"]).success();
    let report = std::fs::read_to_string(p.path("out/public/report-en.html")).unwrap();
    assert!(
        report.contains("Goldilocks (Baharav &amp; Flanigan 2024)"),
        "report intro"
    );
    assert!(report.contains("Certificate of optimality: the result is at most 0"));
    // The comparison from comparison.csv, one row per algorithm, and the other
    // algorithms' curves beside Goldilocks' in the chart's legend.
    assert!(report.contains("The algorithms were compared before the selection"));
    let lower = report.to_lowercase();
    for colour in ["#009e73", "#d55e00"] {
        assert!(lower.contains(colour), "curve {colour} in the chart");
    }
    for name in ["Legacy algorithm", "LEXIMIN", "Goldilocks"] {
        assert!(
            report.contains(&format!("<tr><th scope=\"row\">{name}</th>")),
            "{name}"
        );
    }
    p.run(&["verify"]).success();
    let root = env!("CARGO_MANIFEST_DIR");
    let py = std::process::Command::new("python3")
        .arg(format!("{root}/docs/verifier/sortes_verify.py"))
        .arg("--process")
        .arg(&p.toml)
        .output()
        .expect("python3 is installed");
    let out = String::from_utf8_lossy(&py.stdout);
    assert!(py.status.success(), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}

/// The cells of the table rows of the category article headed `label` in `html`
/// (tags stripped), row header first.
fn category_rows(html: &str, label: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("<h3>{label}</h3>"))
        .unwrap_or_else(|| panic!("no category {label}"));
    let end = start + html[start..].find("</article>").unwrap();
    let part = &html[start..end];
    let body = &part[part.find("<tbody>").unwrap()..];
    let mut rows = Vec::new();
    for tr in body.split("<tr>").skip(1) {
        let mut cells = Vec::new();
        let mut rest = tr;
        while let Some(i) = rest.find(['>']) {
            rest = &rest[i + 1..];
            let j = rest.find('<').unwrap_or(rest.len());
            let text = rest[..j].trim();
            if !text.is_empty() {
                cells.push(text.replace("&nbsp;", " "));
            }
            rest = &rest[j..];
        }
        rows.push(cells);
    }
    rows
}

#[test]
fn the_report_shows_population_shares_from_the_register() {
    let ex = common::example();
    ex.drawn();
    ex.taken_in();
    ex.run(&["report"]).success();
    let html = std::fs::read_to_string(ex.path("out/public/report.html")).unwrap();
    // The commitment's count of eligible residents (journal), against the report's
    // eligible residents per gender, which the report counts from the register.
    let commit = common::journal_entries(&ex.path("out/journal.jsonl"))
        .into_iter()
        .find(|e| e["step"] == "commit")
        .unwrap();
    let eligible = commit["eligible"].as_u64().unwrap();
    let rows = category_rows(&html, "Geschlecht");
    assert!(rows.len() >= 2, "{rows:?}");
    // German figures: "48,4 %" population share, then "9.690" eligible (thousands dot).
    let number = |s: &str| -> u64 {
        s.split(' ')
            .next()
            .unwrap()
            .replace('.', "")
            .parse()
            .unwrap_or(0)
    };
    // The values the table lists (those among the invitees; the rare d and x of the
    // synthetic register may not be) hold all but a few eligible residents.
    let shown: u64 = rows.iter().map(|r| number(&r[2])).sum();
    assert!(
        shown <= eligible && eligible - shown < eligible / 200,
        "eligible per gender {shown} of {eligible}: {rows:?}"
    );
    let m = rows.iter().find(|r| r[0] == "m").unwrap();
    let share: f64 = m[1]
        .split('\u{202f}')
        .next()
        .unwrap()
        .replace(',', ".")
        .parse()
        .unwrap();
    let own = number(&m[2]) as f64 / eligible as f64 * 100.0;
    assert!((share - own).abs() < 0.06, "share {share} vs {own}: {m:?}");
    let article = |label: &str| -> String {
        let start = html.find(&format!("<h3>{label}</h3>")).unwrap();
        let end = start + html[start..].find("</article>").unwrap();
        html[start..end].to_string()
    };
    assert!(
        !article("Geschlecht").contains("population-missing"),
        "gender has its shares"
    );
    // An attribute of the reply form only: the page says the register does not hold it.
    assert!(
        html.contains("das Melderegister enthält dieses Merkmal nicht"),
        "education and the like say why"
    );

    // The PDF for the council: journaled, and it shows the page's figures. Oracle:
    // poppler's pdftotext against every number cell of the German page.
    let report_entry = common::journal_entries(&ex.path("out/journal.jsonl"))
        .into_iter()
        .rfind(|e| e["step"] == "report")
        .unwrap();
    let pdf = std::fs::read(ex.path("out/public/report.pdf")).unwrap();
    assert_eq!(report_entry["outputs"]["pdf_de"], "public/report.pdf");
    assert_eq!(
        report_entry["output_sha256"]["pdf_de"],
        sortes::base::fsio::sha256_hex(&pdf)
    );
    let text = std::process::Command::new("pdftotext")
        .arg(ex.path("out/public/report.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}')
            .collect()
    };
    let text = squash(&String::from_utf8_lossy(&text.stdout));
    let mut cells = 0;
    for part in html.split("<td class=\"num\">").skip(1) {
        let cell = &part[..part.find("</td>").unwrap()];
        if cell.contains('<') || cell.is_empty() {
            continue; // marked cells ("< 3 (bei w)") are checked by the report's tests
        }
        let cell = squash(&cell.replace("&nbsp;", " "));
        assert!(text.contains(&cell), "{cell} is in the PDF");
        cells += 1;
    }
    assert!(cells > 50, "{cells} number cells compared");

    // Without the register extract (deleted after retention, say) the page says why.
    let register = ex.path("data/register.csv");
    std::fs::rename(&register, register.with_extension("gone")).unwrap();
    ex.run(&["report", "--force"]).success();
    let html = std::fs::read_to_string(ex.path("out/public/report-en.html")).unwrap();
    assert!(
        html.contains("Population shares: not known – the register extract was not available"),
        "the reason is given"
    );
}

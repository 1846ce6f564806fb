//! What a dishonest operator would try, each on a fresh copy of the example process:
//! every re-roll route of issue 12 is refused, or `sortes verify` fails naming it.

mod common;
use common::*;

const SEED: &str = EXAMPLE_SEED;
const FORM: &str = EXAMPLE_FORM;

/// The example process up to the public lottery's draw (number 7, announced as a
/// ceremony); returns the journal head published after the draw.
fn drawn_lottery(p: &Example) -> String {
    p.drawn();
    p.selected();
    p.build_lottery().success();
    p.run(&["lottery", "draw", "--number", "7"]).success();
    head(p)
}

/// The journal's last entry as SEQ:HASH.
fn head(p: &Example) -> String {
    let j = std::fs::read_to_string(p.path("out/journal.jsonl")).unwrap();
    let v: serde_json::Value = serde_json::from_str(j.lines().last().unwrap()).unwrap();
    format!("{}:{}", v["seq"], v["entry_hash"].as_str().unwrap())
}

fn verify_fails(p: &Example, extra: &[&str], needle: &str) -> String {
    let mut args = vec!["verify"];
    args.extend(extra);
    let out = stdout_of(&p.run(&args).failure());
    assert!(out.contains(needle), "{needle}\n{out}");
    out
}

/// The journal without its entries `drop` (1-based), chain recomputed: what an
/// operator with write access could make.
fn without_entries(p: &Example, drop: &[usize]) {
    let path = p.path("out/journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| !drop.contains(&(i + 1)))
        .map(|(_, l)| l)
        .collect();
    let mut renumbered = String::new();
    for (i, l) in kept.iter().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["seq"] = (i as u64 + 1).into();
        renumbered.push_str(&v.to_string());
        renumbered.push('\n');
    }
    std::fs::write(&path, renumbered).unwrap();
    forge_journal(&path, "no-such-hash", "no-such-hash");
}

#[test]
fn recommitting_after_the_seed_is_refused_or_reported() {
    let p = example();
    p.drawn();
    // A comment in the process file changes its hash: a new commitment would draw others.
    let toml = std::fs::read_to_string(&p.toml).unwrap();
    std::fs::write(&p.toml, format!("{toml}\n# changed after the seed\n")).unwrap();
    let recommit = [
        "commit",
        "--seed-source",
        "test",
        "--seed-form",
        FORM,
        "--force",
    ];
    let e = p.run(&recommit).failure();
    assert!(
        stderr_of(&e).contains("--recommit-reason"),
        "{}",
        stderr_of(&e)
    );
    let reason = ["--recommit-reason", "the process file had a typo"];
    p.run(&[&recommit[..], &reason[..]].concat()).success();
    p.run(&["draw", "--seed", SEED, "--force"]).success();
    let out = verify_fails(
        &p,
        &[],
        "FAIL wave 1 repeated: wave 1 was committed twice and drawn twice",
    );
    assert!(out.contains("\"the process file had a typo\""), "{out}");
    let ok = stdout_of(&p.run(&["verify", "--accept-repeats"]).success());
    assert!(ok.contains("ACCEPTED wave 1 repeated"), "{ok}");
}

#[test]
fn a_seed_of_another_form_than_announced_is_refused() {
    let p = example();
    p.run(&["commit", "--seed-source", "test", "--seed-form", FORM])
        .success();
    // Each a valid seed, but not of the announced form (three numbers, RFC 3797).
    let beacon = format!("drand:5:{}", "ab".repeat(32));
    for bad in ["text:public randomness 1245", "hex:00ff", "1.2./", &beacon] {
        let e = p.run(&["draw", "--seed", bad]).failure();
        assert!(
            stderr_of(&e).contains("rfc3797:3"),
            "{bad}: {}",
            stderr_of(&e)
        );
        assert!(!p.path("out/private/invitees.csv").exists(), "{bad}");
    }
    p.run(&["draw", "--seed", SEED]).success();
    p.selected();
    // The lottery's randomness is announced with it: no free seed, no free reserve order.
    p.run(&["lottery", "build", "--m", "20"]).failure();
    p.build_lottery().success();
    let e = p
        .run(&["lottery", "draw", "--seed", "text:public randomness 1245"])
        .failure();
    assert!(
        stderr_of(&e).contains("announced ceremony"),
        "{}",
        stderr_of(&e)
    );
    p.run(&[
        "lottery",
        "draw",
        "--number",
        "7",
        "--reserve-seed",
        "text:x",
    ])
    .failure();
    assert!(!p.path("out/public/lottery/panel.csv").exists());
    p.run(&["lottery", "draw", "--number", "7"]).success();
    p.run(&["verify"]).success();
}

#[test]
fn a_redraw_after_the_intake_makes_the_pool_stale() {
    let p = example();
    p.drawn();
    let apps = p.applications();
    p.run(&["intake", "--applications", apps.to_str().unwrap()])
        .success();
    p.run(&[
        "draw",
        "--seed",
        "4.5.6./",
        "--redraw-reason",
        "letters lost",
        "--force",
    ])
    .success();
    verify_fails(&p, &["--accept-repeats"], "the pool is stale");
}

#[test]
fn removed_entries_are_found() {
    // (entry removed, what verify names)
    let cases: [(usize, &str); 4] = [
        (2, "invitees.csv exists, but no journal entry records it"),
        (
            4,
            "distribution.csv exists, but no journal entry records it",
        ),
        (5, "lottery.txt exists, but no journal entry records it"),
        (6, "panel.csv exists, but no journal entry records it"),
    ];
    for (drop, needle) in cases {
        let p = example();
        drawn_lottery(&p);
        without_entries(&p, &[drop]);
        verify_fails(&p, &[], needle);
    }
    // A replacement removed: its panel file is left without its entry.
    let p = example();
    drawn_lottery(&p);
    p.replace_some_seat(&[]);
    without_entries(&p, &[7]);
    verify_fails(
        &p,
        &[],
        "panel-after-replacement-1.csv exists, but no journal entry records it",
    );
}

#[test]
fn a_second_lottery_draw_after_cutting_the_journal_is_caught_by_the_head() {
    let p = example();
    let published = drawn_lottery(&p);
    // Cut the journal back to the lottery's commitment and remove the drawn files.
    let path = p.path("out/journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let five: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, five).unwrap();
    std::fs::remove_file(p.path("out/public/lottery/panel.csv")).unwrap();
    std::fs::remove_file(p.path("out/public/lottery/reserves.csv")).unwrap();
    p.run(&["lottery", "draw", "--number", "8"]).success();
    // Everything else is consistent; the head published after the first draw is gone.
    verify_fails(&p, &["--head", &published], "FAIL journal head");
    // A journal whose last line was removed is caught the same way.
    let p = example();
    drawn_lottery(&p);
    let published = head(&p);
    let path = p.path("out/journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let n = text.lines().count();
    let cut: String = text.lines().take(n - 1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, cut).unwrap();
    verify_fails(&p, &["--head", &published], "journal.jsonl, a journal of");
}

#[test]
fn the_published_commitment_is_checked() {
    let p = example();
    p.drawn();
    let c = p.path("out/public/commitment-wave1.json");
    let orig = std::fs::read_to_string(&c).unwrap();
    for bad in [orig.replace("\"wave\": 1", "\"wave\": 1 "), String::new()] {
        std::fs::write(&c, bad).unwrap();
        verify_fails(&p, &[], "FAIL wave 1 published commitment");
    }
    std::fs::remove_file(&c).unwrap();
    verify_fails(&p, &[], "commitment-wave1.json is missing");
}

#[test]
fn a_missing_private_file_fails_unless_its_deletion_is_journaled() {
    let p = example();
    drawn_lottery(&p);
    let inv = p.path("out/private/invitees.csv");
    let keep = std::fs::read(&inv).unwrap();
    std::fs::remove_file(&inv).unwrap();
    verify_fails(
        &p,
        &[],
        "invitees.csv is missing, and no retention entry records its deletion",
    );
    std::fs::write(&inv, keep).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&inv, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // The retention step deletes every private file (and, asked, the register) and
    // journals it: verify then skips them, naming the date.
    p.run(&[
        "retention",
        "--reason",
        "retention period ended",
        "--register",
        "--date",
        "2028-02-01",
    ])
    .success();
    assert!(!inv.exists() && !p.path("data/register.csv").exists());
    assert!(
        std::fs::read_dir(p.path("out/private"))
            .unwrap()
            .next()
            .is_none()
    );
    let out = stdout_of(&p.run(&["verify"]).success());
    assert!(
        out.contains("SKIP wave 1 draw: invitees file") && out.contains("deleted on 2028-02-01"),
        "{out}"
    );
    assert!(out.contains("SKIP replay"), "{out}");
}

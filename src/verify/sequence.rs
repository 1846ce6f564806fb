//! The sequence of steps: the journal must tell the whole story of the folder (or
//! the bundle), in an order in which every step used what the step before it had
//! recorded.
//!
//! * **inputs**: a draw draws the latest commitment of its wave; the intake used the
//!   invitee files of the latest draw of every wave, and no later draw replaced one
//!   of them (else the pool is stale); a selection read the latest intake's pool (or
//!   a recorded pool of its own); a lottery rounds the latest selection with a
//!   distribution, and the lottery draw draws the latest lottery; replacements follow
//!   the lottery draw, in rounds 1, 2, …; invitation letters were written from the
//!   invitee file of the latest draw of their wave.
//! * **repeats**: a wave committed or drawn more than once is reported with the first
//!   draw and the reasons given — a FAIL unless the auditor accepts it.
//! * **completeness**: every file of the output folder (or of the bundle) is recorded
//!   by an entry (or is a published commitment, the code key, the lock); a file
//!   without its entry means an entry was removed, or a step was interrupted.
//! * **commitments**: each published `commitment-waveN.json` is the latest commit
//!   entry of its wave, byte for byte.
//! * **seeds**: every seed and the lottery's number have the form the commitment
//!   before them announced.

use super::{Check, Context, Scope, Status};
use crate::base::fsio::{Sha256, TEMP_PREFIX};
use crate::base::journal::{
    Body, Commit, Draw, Entry, Intake, Letters, LotteryBuild, LotteryDraw, Select, Source,
};
use crate::base::run::MANIFEST;
use crate::base::spec::{Seed, SeedForm};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub(super) fn checks(cx: &Context<'_>) -> Vec<Check> {
    let mut out = vec![inputs(cx), seeds(cx)];
    out.extend(repeats(cx));
    out.push(completeness(cx));
    out.extend(commitments(cx));
    out
}

/// The latest entry of kind `T` before `seq` satisfying `f`.
fn before<'a, T: crate::base::journal::Kind + 'a>(
    cx: &'a Context<'_>,
    seq: u64,
    f: impl Fn(&T) -> bool,
) -> Option<(&'a Entry, &'a T)> {
    cx.run
        .journal()
        .all::<T>()
        .filter(|(e, _)| e.seq < seq)
        .rfind(|(_, t)| f(t))
}

fn inputs(cx: &Context<'_>) -> Check {
    let j = cx.run.journal();
    let mut bad = Vec::new();
    let mut lottery_draws = 0;
    let mut next_round = 1;
    for e in j.entries() {
        let at = format!("entry {} ({})", e.seq, e.step());
        match &e.body {
            Body::Commit(c)
                if c.wave > 1 && before::<Draw>(cx, e.seq, |d| d.wave == c.wave - 1).is_none() =>
            {
                bad.push(format!("{at}: wave {} is committed before wave {} was drawn", c.wave, c.wave - 1));
            }
            Body::Draw(d) => match before::<Commit>(cx, e.seq, |c| c.wave == d.wave) {
                None => bad.push(format!("{at}: no commitment of wave {} before it", d.wave)),
                Some((_, c)) if c.commitment != d.commitment => bad.push(format!(
                    "{at}: it draws commitment {}, but the latest commitment of wave {} before it is {}",
                    d.commitment.short(),
                    d.wave,
                    c.commitment.short()
                )),
                _ => {}
            },
            Body::Intake(i) => {
                let mut want: Vec<(String, Sha256)> = Vec::new();
                let waves: BTreeSet<u32> = j
                    .all::<Draw>()
                    .filter(|(d, _)| d.seq < e.seq)
                    .map(|(_, d)| d.wave)
                    .collect();
                for w in waves {
                    if let Some((_, d)) = before::<Draw>(cx, e.seq, |d| d.wave == w)
                        && let (Some(p), Some(h)) = (d.outputs.get("invitees"), d.output_sha256.get("invitees"))
                    {
                        want.push((p.clone(), h.clone()));
                    }
                }
                let have: Vec<(String, Sha256)> = i
                    .invitee_files
                    .iter()
                    .map(|f| (f.file.clone(), f.sha256.clone()))
                    .collect();
                if want.is_empty() {
                    bad.push(format!("{at}: no draw before it"));
                } else if have != want {
                    bad.push(format!(
                        "{at}: it linked the applications to other invitee files than the latest draws before it recorded"
                    ));
                }
                // A draw after the intake replaced an invitee file it used: the pool is stale,
                // unless a later intake took the new invitees in.
                let later_draw = j.all::<Draw>().find(|(d, dr)| {
                    d.seq > e.seq && have.iter().any(|(p, _)| dr.outputs.get("invitees") == Some(p))
                });
                if let Some((d, _)) = later_draw
                    && !j.all::<Intake>().any(|(x, _)| x.seq > d.seq)
                {
                    bad.push(format!(
                        "{at}: the draw in entry {} replaced invitees the intake used, and no intake followed it: the pool is stale",
                        d.seq
                    ));
                }
            }
            Body::Select(s) => {
                if let Some((ie, i)) = before::<Intake>(cx, e.seq, |_| true)
                    && i.outputs.get("pool") == Some(&s.pool_file)
                    && i.output_sha256.get("pool") != Some(&s.pool_sha256)
                {
                    bad.push(format!(
                        "{at}: it read another pool than the intake in entry {} recorded",
                        ie.seq
                    ));
                }
                let from_intake = j.all::<Intake>().any(|(_, i)| i.outputs.get("pool") == Some(&s.pool_file));
                if from_intake && before::<Intake>(cx, e.seq, |_| true).is_none() {
                    bad.push(format!("{at}: the intake that wrote its pool comes after it"));
                }
            }
            Body::Lottery(l) => {
                match before::<Select>(cx, e.seq, |s| s.algorithm.has_distribution()) {
                    None => bad.push(format!("{at}: no selection with a distribution before it")),
                    Some((se, s)) => {
                        if s.output_sha256.get("distribution") != Some(&l.distribution_sha256)
                            || s.pool_sha256 != l.pool_sha256
                            || s.quotas_sha256 != l.quotas_sha256
                        {
                            bad.push(format!(
                                "{at}: it was not built from the latest selection before it (entry {})",
                                se.seq
                            ));
                        }
                    }
                }
            }
            Body::LotteryDraw(d) => {
                lottery_draws += 1;
                if lottery_draws > 1 {
                    bad.push(format!("{at}: the lottery is drawn a second time"));
                }
                match before::<LotteryBuild>(cx, e.seq, |_| true) {
                    Some((_, l)) if l.lottery_sha256 == d.lottery_sha256 => {}
                    Some((le, _)) => bad.push(format!(
                        "{at}: it draws another lottery than the latest before it (entry {})",
                        le.seq
                    )),
                    None => bad.push(format!("{at}: no lottery before it")),
                }
                if j.all::<LotteryBuild>().any(|(l, _)| l.seq > e.seq) {
                    bad.push(format!("{at}: a lottery was built again after the draw"));
                }
            }
            Body::Replace(r) => {
                if before::<LotteryDraw>(cx, e.seq, |_| true).is_none() {
                    bad.push(format!("{at}: a replacement before the lottery draw"));
                }
                if r.round != next_round {
                    bad.push(format!("{at}: round {}, expected round {next_round}", r.round));
                }
                next_round = r.round + 1;
            }
            Body::Letters(l) => check_letters(cx, e, l, &at, &mut bad),
            _ => {}
        }
    }
    Check::verdict(
        "journal sequence",
        bad,
        format!(
            "every step of the {} entries used what the step before it recorded; nothing is stale",
            j.entries().len()
        ),
    )
}

fn check_letters(cx: &Context<'_>, e: &Entry, l: &Letters, at: &str, bad: &mut Vec<String>) {
    match (l.wave, &l.invitees_sha256) {
        (Some(w), Some(h)) => match before::<Draw>(cx, e.seq, |d| d.wave == w) {
            Some((_, d)) if d.output_sha256.get("invitees") == Some(h) => {}
            Some(_) => bad.push(format!(
                "{at}: the letters were written from other invitees than the latest draw of wave {w} before them"
            )),
            None => bad.push(format!("{at}: invitation letters before the draw of wave {w}")),
        },
        (None, None) if before::<LotteryDraw>(cx, e.seq, |_| true).is_none() => {
            bad.push(format!("{at}: letters after the lottery, before the lottery draw"));
        }
        (None, None) => {}
        _ => bad.push(format!("{at}: an invitation batch records its wave and its invitee file together")),
    }
}

/// Every seed against the form announced before it.
fn seeds(cx: &Context<'_>) -> Check {
    let j = cx.run.journal();
    let mut bad = Vec::new();
    let mut n = 0;
    for (e, d) in j.all::<Draw>() {
        n += 1;
        let Some((_, c)) = j
            .all::<Commit>()
            .find(|(_, c)| c.commitment == d.commitment)
        else {
            continue; // named by the sequence check
        };
        let verdict = SeedForm::parse(&c.seed_form)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                let s = Seed::parse(&d.seed).map_err(|e| e.to_string())?;
                if s.canonical() != d.seed {
                    return Err("it is not written in canonical form".into());
                }
                f.admits(&s)
            });
        if let Err(why) = verdict {
            bad.push(format!(
                "entry {} (draw of wave {}): seed {}: {why} (announced: {} — {})",
                e.seq, d.wave, d.seed, c.seed_form, c.seed_source
            ));
        }
    }
    for (e, d) in j.all::<LotteryDraw>() {
        n += 1;
        let Some((_, l)) = j
            .all::<LotteryBuild>()
            .find(|(_, l)| l.lottery_sha256 == d.lottery_sha256)
        else {
            continue;
        };
        let verdict = SeedForm::parse(&l.seed_form)
            .map_err(|e| e.to_string())
            .and_then(|f| match (d.source, &d.seed, &f) {
                (Source::Ceremony, None, SeedForm::Ceremony) => Ok(()),
                (Source::Ceremony, _, _) => {
                    Err("a ceremony number, but the announced form is not a ceremony".into())
                }
                (Source::Seed, Some(s), f) => f.admits(&Seed::parse(s).map_err(|e| e.to_string())?),
                (Source::Seed, None, _) => Err("no seed recorded".into()),
            });
        let reserve = match (d.source, &d.seed) {
            (Source::Seed, Some(s)) => &d.reserve_seed == s,
            _ => d.reserve_seed == crate::lottery::draw::seed_for_number(d.number).canonical(),
        };
        if let Err(why) = verdict {
            bad.push(format!(
                "entry {} (lottery draw): {why} (announced: {} — {})",
                e.seq, l.seed_form, l.seed_source
            ));
        } else if !reserve {
            bad.push(format!(
                "entry {} (lottery draw): the reserve order's seed {} is not the draw's own randomness",
                e.seq, d.reserve_seed
            ));
        }
    }
    Check::verdict(
        "announced randomness",
        bad,
        format!("{n} draws used public randomness of the form announced before them"),
    )
}

/// Waves committed or drawn more than once.
fn repeats(cx: &Context<'_>) -> Vec<Check> {
    let j = cx.run.journal();
    let mut commits: BTreeMap<u32, Vec<(&Entry, &Commit)>> = BTreeMap::new();
    let mut draws: BTreeMap<u32, Vec<(&Entry, &Draw)>> = BTreeMap::new();
    for (e, c) in j.all::<Commit>() {
        commits.entry(c.wave).or_default().push((e, c));
    }
    for (e, d) in j.all::<Draw>() {
        draws.entry(d.wave).or_default().push((e, d));
    }
    let mut out = Vec::new();
    for (w, cs) in &commits {
        let ds = draws.get(w).map_or(&[][..], Vec::as_slice);
        if cs.len() < 2 && ds.len() < 2 {
            continue;
        }
        let times = |n: usize| match n {
            1 => "once".to_string(),
            2 => "twice".to_string(),
            n => format!("{n} times"),
        };
        let mut what = format!("wave {w} was committed {}", times(cs.len()));
        if ds.len() > 1 {
            what.push_str(&format!(" and drawn {}", times(ds.len())));
        }
        let seqs = |v: Vec<u64>| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
        what.push_str(&format!(
            " (commitments in entries {}; draws in entries {})",
            seqs(cs.iter().map(|(e, _)| e.seq).collect()),
            seqs(ds.iter().map(|(e, _)| e.seq).collect())
        ));
        if let Some((e, d)) = ds.first() {
            what.push_str(&format!(
                ": the first draw was entry {} with seed {} (drawn ids SHA-256 {})",
                e.seq, d.seed, d.drawn_sha256
            ));
        }
        let reasons: Vec<String> = cs
            .iter()
            .filter_map(|(e, c)| {
                c.recommit_reason
                    .as_ref()
                    .map(|r| format!("entry {}: {r:?}", e.seq))
            })
            .chain(ds.iter().filter_map(|(e, d)| {
                d.redraw_reason
                    .as_ref()
                    .map(|r| format!("entry {}: {r:?}", e.seq))
            }))
            .collect();
        what.push_str(&if reasons.is_empty() {
            "; no reason was given".to_string()
        } else {
            format!("; the reasons given: {}", reasons.join("; "))
        });
        let status = if cx.opts.accept_repeats {
            Status::Accepted
        } else {
            what.push_str(". A second commitment or draw could choose the invitees; an auditor who has checked the reasons may accept it with --accept-repeats");
            Status::Fail
        };
        out.push(Check {
            name: format!("wave {w} repeated"),
            status,
            detail: what,
        });
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            // A bundle written into the folder is not the folder's own output.
            if !p.join(MANIFEST).exists() {
                walk(&p, out);
            }
        } else {
            out.push(p);
        }
    }
}

/// Every file of the output folder is accounted for by an entry.
fn completeness(cx: &Context<'_>) -> Check {
    let run = cx.run;
    let j = run.journal();
    let l = run.layout();
    let mut known: BTreeSet<PathBuf> = BTreeSet::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut hashes: BTreeSet<Sha256> = BTreeSet::new();
    for e in j.entries() {
        for r in e.outputs() {
            known.insert(run.path_of(&r));
        }
        match &e.body {
            Body::Commit(c) => {
                known.insert(l.commitment(c.wave));
                hashes.extend(c.rejects_sha256.clone());
            }
            Body::Draw(_) => {
                known.insert(l.code_key());
            }
            Body::Select(s) => {
                known.insert(l.path(&s.pool_file));
            }
            Body::Letters(b) if b.single_files > 0 => {
                if let Some(pdf) = b.outputs.get("pdf") {
                    dirs.push(l.path(pdf.trim_end_matches(".pdf")));
                }
            }
            _ => {}
        }
    }
    known.insert(l.journal.clone());
    known.insert(l.out.join(crate::base::journal::lock::LOCK_FILE));
    let mut files = Vec::new();
    walk(&l.out, &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with(TEMP_PREFIX) {
            bad.push(format!("{} is left from an interrupted write", f.display()));
            continue;
        }
        if known.contains(f) || dirs.iter().any(|d| f.starts_with(d)) {
            continue;
        }
        // A file the user named (the rejects of a commit) is known by its hash.
        if std::fs::read(f).is_ok_and(|b| hashes.contains(&Sha256::of(&b))) {
            continue;
        }
        bad.push(format!(
            "{} exists, but no journal entry records it: an entry was removed, or a step was interrupted",
            f.display()
        ));
    }
    let scope = match cx.scope {
        Scope::Process => "the output folder",
        Scope::Bundle { .. } => "the bundle's output folder",
    };
    Check::verdict(
        "journal complete",
        bad,
        format!(
            "every one of the {} files of {scope} is recorded by the journal",
            files.len()
        ),
    )
}

/// Each published commitment is the latest commit entry of its wave.
fn commitments(cx: &Context<'_>) -> Vec<Check> {
    let j = cx.run.journal();
    let mut latest: BTreeMap<u32, &Entry> = BTreeMap::new();
    for (e, c) in j.all::<Commit>() {
        latest.insert(c.wave, e);
    }
    latest
        .into_iter()
        .map(|(w, e)| {
            let path = cx.run.layout().commitment(w);
            let label = format!("wave {w} published commitment");
            let want = crate::draw::step::commitment_file_text(e);
            match (std::fs::read(&path), want) {
                (Ok(have), Ok(want)) if have == want.as_bytes() => Check::pass(
                    label,
                    format!("{} is commit entry {} of the journal", path.display(), e.seq),
                ),
                (Ok(_), _) => Check::fail(
                    label,
                    format!(
                        "{} is not commit entry {} of the journal: the commitment the office published was changed, or the journal was",
                        path.display(),
                        e.seq
                    ),
                ),
                (Err(_), _) => Check::fail(
                    label,
                    format!("{} is missing: it is what the office publishes before the seed", path.display()),
                ),
            }
        })
        .collect()
}

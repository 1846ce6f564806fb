//! Replays of every invitation draw, when the register extract is at hand: the
//! commitment recomputed from the inputs, the draw from the seed, the public summary
//! byte for byte, and (with the office's code key) invitees.csv byte for byte.

use super::{Check, Context};
use crate::base::journal::Commit;
use crate::base::spec::Seed;
use crate::draw::codes::CodeKey;
use crate::draw::step as run_step;

pub(super) fn replays(cx: &Context<'_>, out: &mut Vec<Check>) {
    let (process, run) = (cx.process, cx.run);
    let reg_path = process.register_path();
    if run.journal().last::<Commit>().is_none() {
        return;
    }
    summaries(cx, out);
    if !reg_path.exists() {
        let recorded: Vec<_> = run
            .journal()
            .all::<Commit>()
            .map(|(_, c)| c.register_file_sha256.clone())
            .collect();
        let what = format!(
            "the register extract {} is not at hand (needed to replay the draw)",
            reg_path.display()
        );
        match cx.absent_why(|r| {
            r.register_sha256
                .as_ref()
                .is_some_and(|h| recorded.contains(h))
        }) {
            Some(why) => out.push(Check::skip("replay", format!("{what}: {why}"))),
            None => out.push(Check::fail(
                "replay",
                format!("{what}, and no retention entry records its deletion"),
            )),
        }
        return;
    }
    let key_path = run.layout().code_key();
    let key = if key_path.exists() {
        Some(CodeKey::load(&key_path))
    } else {
        None
    };
    for (wave, (entry, d)) in run_step::latest_draws(run.journal()) {
        let label = format!("wave {wave} draw: replay");
        let Some((commit_entry, commit)) = run
            .journal()
            .all::<Commit>()
            .find(|(_, c)| c.commitment == d.commitment)
        else {
            out.push(Check::fail(label, "its commitment is not in the journal"));
            continue;
        };
        if commit_entry.seq >= entry.seq {
            out.push(Check::fail(
                label,
                "the commitment was journaled after the draw",
            ));
            continue;
        }
        let seed = match Seed::parse(&d.seed) {
            Ok(s) if s.canonical() == d.seed => s,
            Ok(_) => {
                out.push(Check::fail(
                    label,
                    "the seed is not written in canonical form",
                ));
                continue;
            }
            Err(e) => {
                out.push(Check::fail(label, e.to_string()));
                continue;
            }
        };
        let counts = run_step::topup_counts(commit);
        let keep = commit.rejects_sha256.is_some();
        let loaded = match run_step::load_plan(process, run, wave, counts.as_ref(), keep) {
            Ok(l) => l,
            Err(e) => {
                out.push(Check::fail(label, e.to_string()));
                continue;
            }
        };
        let now = run_step::commitment_body(process, &loaded.reg, &loaded.plan, "");
        if let Some(diff) = run_step::compare_commitment(commit, &now) {
            out.push(Check::fail(
                format!("wave {wave} commitment"),
                format!(
                    "{diff} (register {}, process file {})",
                    reg_path.display(),
                    process.path.display()
                ),
            ));
            continue;
        }
        if now.commitment != commit.commitment {
            out.push(Check::fail(
                format!("wave {wave} commitment"),
                "the recorded commitment digest does not match the inputs",
            ));
            continue;
        }
        out.push(Check::pass(
            format!("wave {wave} commitment"),
            "process file, extract, eligible list and allocation are as committed",
        ));
        let commitment = d.commitment.to_string();
        let drawn = crate::draw::execute(&loaded.plan, &loaded.reg, &seed, &commitment);
        let digest = crate::draw::drawn_digest(&loaded.reg, &drawn);
        if digest == d.drawn_sha256 && drawn.words_used == d.words_used {
            out.push(Check::pass(
                label.clone(),
                format!(
                    "{} invitees drawn again from seed {}: same persons, same order",
                    drawn.total(),
                    seed.canonical()
                ),
            ));
        } else {
            out.push(Check::fail(
                label.clone(),
                "replaying the seed draws different persons",
            ));
            continue;
        }
        let counts: Vec<u64> = drawn.per_stratum.iter().map(|x| x.len() as u64).collect();
        let sum = crate::draw::summary_csv(&commit.strata, &counts);
        let want_sum = d.output_sha256.get("summary");
        if want_sum.is_some_and(|w| crate::base::fsio::Sha256::of(&sum) == *w) {
            out.push(Check::pass(
                format!("wave {wave} summary replay"),
                "same bytes",
            ));
        } else {
            out.push(Check::fail(
                format!("wave {wave} summary replay"),
                format!(
                    "the recomputed {} differs",
                    super::output_path(run, &d.outputs, "summary")
                ),
            ));
        }
        match &key {
            Some(Err(e)) => out.push(Check::fail(format!("wave {wave} code key"), e.to_string())),
            Some(Ok(k)) if k.fingerprint() == d.code_key_sha256 => {
                let codes = crate::draw::assign_codes(
                    process,
                    &loaded.reg,
                    &drawn,
                    k,
                    &loaded.earlier_codes,
                );
                let label = format!("wave {wave} invitees replay");
                match crate::draw::invitees_csv(process, &loaded.reg, &loaded.plan, &drawn, &codes)
                {
                    Ok(bytes)
                        if d.output_sha256
                            .get("invitees")
                            .is_some_and(|w| crate::base::fsio::Sha256::of(&bytes) == *w) =>
                    {
                        out.push(Check::pass(label, "same bytes, codes included"));
                    }
                    Ok(_) => out.push(Check::fail(
                        label,
                        format!(
                            "the recomputed {} differs",
                            super::output_path(run, &d.outputs, "invitees")
                        ),
                    )),
                    Err(e) => out.push(Check::fail(label, e.to_string())),
                }
            }
            Some(Ok(_)) => out.push(Check::fail(
                format!("wave {wave} code key"),
                format!(
                    "the code key {} is not the one the draw used",
                    key_path.display()
                ),
            )),
            None => {
                let label = format!("wave {wave} invitees replay");
                match cx.absent_why(|r| r.code_key_sha256.as_ref() == Some(&d.code_key_sha256)) {
                    Some(why) => out.push(Check::skip(label, format!("the code key is gone: {why}"))),
                    None => out.push(Check::fail(
                        label,
                        format!(
                            "the code key {} is missing, and no retention entry records its deletion",
                            key_path.display()
                        ),
                    )),
                }
            }
        }
    }
}

/// Each draw's public summary is what its commit and draw entries imply (the
/// committed strata, drawn in full except the recorded shortfall): checkable
/// without the register, so also in an audit bundle.
fn summaries(cx: &Context<'_>, out: &mut Vec<Check>) {
    let j = cx.run.journal();
    for (wave, (_, d)) in run_step::latest_draws(j) {
        let label = format!("wave {wave} draw summary");
        let path = super::output_path(cx.run, &d.outputs, "summary");
        let Some((_, c)) = j
            .all::<Commit>()
            .find(|(_, c)| c.commitment == d.commitment)
        else {
            continue; // the replay and the sequence name the missing commitment
        };
        let want = crate::base::fsio::Sha256::of(&crate::draw::summary_of(c, d));
        let total: u64 = crate::draw::drawn_counts(c, d).iter().sum();
        if d.output_sha256.get("summary") == Some(&want) && d.drawn == total {
            out.push(Check::pass(
                label,
                format!("{path} follows from the commit and draw entries"),
            ));
        } else {
            out.push(Check::fail(
                label,
                format!("{path} (or the draw entry's count of {} drawn) is not what the commit and draw entries give (committed strata, drawn in full except the recorded shortfall)", d.drawn),
            ));
        }
    }
}

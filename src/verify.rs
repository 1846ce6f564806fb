//! `sortes verify`: re-checks everything the journal claims, one line per check.

use crate::draw::codes::CodeKey;
use crate::draw::run::{self, Paths, str_of};
use crate::fsio;
use crate::journal::Journal;
use crate::lottery::step::Layout;
use crate::process::Process;
use crate::spec::Seed;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    pub(crate) fn pass(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            ok: true,
            detail: detail.into(),
        }
    }
    pub(crate) fn fail(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            ok: false,
            detail: detail.into(),
        }
    }
    /// Passes with `ok` when nothing is `bad`, else fails listing every problem.
    pub(crate) fn verdict(name: &str, bad: Vec<String>, ok: String) -> Check {
        if bad.is_empty() {
            Check::pass(name, ok)
        } else {
            Check::fail(name, bad.join("; "))
        }
    }
}

/// Runs every check it can. Missing personal inputs (the extract, the code key,
/// private files deleted after their retention period) skip the checks that need
/// them; that is reported as a passing note, not hidden.
pub fn verify(process: &Process) -> Vec<Check> {
    verify_at(process, Paths::of(process), Layout::of(process).ok())
}

/// [`verify`] with explicit output paths and lottery layout (used for audit bundles).
pub fn verify_at(process: &Process, paths: Paths, layout: Option<Layout>) -> Vec<Check> {
    let mut out = Vec::new();
    let j = match Journal::open(&paths.journal) {
        Ok(j) => {
            out.push(Check::pass(
                "journal chain",
                format!("{} entries, every link and hash intact", j.entries.len()),
            ));
            j
        }
        Err(e) => {
            out.push(Check::fail("journal chain", e.to_string()));
            return out;
        }
    };
    if j.entries.is_empty() {
        out.push(Check::fail(
            "journal",
            "the journal is empty: nothing to verify",
        ));
        return out;
    }
    // Every recorded output file, at the hash of the last entry that wrote it (a
    // justified re-draw or a forced re-run replaces a file; the journal says so).
    let mut latest: std::collections::BTreeMap<String, (String, String, String)> =
        std::collections::BTreeMap::new();
    for e in &j.entries {
        let outputs = e.get("outputs").and_then(Value::as_object);
        let hashes = e.get("output_sha256").and_then(Value::as_object);
        if let (Some(o), Some(h)) = (outputs, hashes) {
            let step = str_of(e, "step");
            let label = match e.get("wave").and_then(Value::as_u64) {
                Some(w) => format!("wave {w} {step}"),
                None => step.to_string(),
            };
            for (name, rel) in o {
                let rel = rel.as_str().unwrap_or("").to_string();
                let want = h
                    .get(name)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                latest.insert(rel, (label.clone(), name.clone(), want));
            }
        }
    }
    for (rel, (step, name, want)) in &latest {
        let path = paths.out.join(rel);
        let label = format!("{step}: {name} file");
        if path.starts_with(&paths.private) && !path.exists() {
            out.push(Check::pass(
                label,
                format!(
                    "skipped: {} holds personal data and is not at hand",
                    path.display()
                ),
            ));
            continue;
        }
        match fsio::sha256_file(&path) {
            Ok(have) if &have == want => out.push(Check::pass(
                label,
                format!("{} matches its recorded SHA-256", path.display()),
            )),
            Ok(_) => out.push(Check::fail(
                label,
                format!("{} differs from the bytes the step wrote", path.display()),
            )),
            Err(err) => out.push(Check::fail(label, err.to_string())),
        }
    }
    if let Some(e) = j
        .entries
        .iter()
        .rev()
        .find(|e| e.contains_key("process_sha256"))
    {
        let want = str_of(e, "process_sha256");
        if process.sha256 == want {
            out.push(Check::pass(
                "process file",
                format!(
                    "{} is the file the journal recorded",
                    process.path.display()
                ),
            ));
        } else {
            out.push(Check::fail(
                "process file",
                format!(
                    "{} differs from the process file the steps used",
                    process.path.display()
                ),
            ));
        }
    }
    replays(process, &paths, &j, &mut out);
    if let Some(l) = layout {
        out.extend(crate::lottery::check::all(&l, &j));
    }
    out
}

/// Replays of every invitation draw, when the extract is at hand.
fn replays(process: &Process, paths: &Paths, j: &Journal, out: &mut Vec<Check>) {
    let reg_path = process.register_path();
    if !reg_path.exists() {
        out.push(Check::pass(
            "replay",
            format!(
                "skipped: the register extract {} is not at hand (needed to replay the draw)",
                reg_path.display()
            ),
        ));
        return;
    }
    let key = CodeKey::load(&paths.code_key()).ok();
    for (wave, d) in run::latest_draws(j) {
        let label = format!("wave {wave} draw: replay");
        let commitment = str_of(&d, "commitment").to_string();
        let Some(commit) = j
            .of_step("commit")
            .find(|c| str_of(c, "commitment") == commitment)
            .cloned()
        else {
            out.push(Check::fail(label, "its commitment is not in the journal"));
            continue;
        };
        if commit.get("seq").and_then(Value::as_u64) >= d.get("seq").and_then(Value::as_u64) {
            out.push(Check::fail(
                label,
                "the commitment was journaled after the draw",
            ));
            continue;
        }
        let seed = match Seed::parse(str_of(&d, "seed")) {
            Ok(s) => s,
            Err(e) => {
                out.push(Check::fail(label, e.to_string()));
                continue;
            }
        };
        let counts = run::topup_counts(&commit);
        let keep = commit.get("rejects_sha256").is_some();
        let loaded = match run::load_plan(process, paths, j, wave as u32, counts.as_ref(), keep) {
            Ok(l) => l,
            Err(e) => {
                out.push(Check::fail(label, e.to_string()));
                continue;
            }
        };
        let now = run::commitment_body(process, &loaded.reg, &loaded.plan, "");
        if let Some(diff) = run::compare_commitment(&commit, &now) {
            out.push(Check::fail(format!("wave {wave} commitment"), diff));
            continue;
        }
        if run::commitment_digest(&now) != commitment {
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
        let drawn = crate::draw::execute(&loaded.plan, &loaded.reg, &seed, &commitment);
        let digest = crate::draw::drawn_digest(&loaded.reg, &drawn);
        if digest == str_of(&d, "drawn_sha256") {
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
        let sum = crate::draw::summary_csv(&loaded.plan, &drawn);
        let want_sum = run::recorded(&d, "summary").1;
        if fsio::sha256_hex(&sum) == want_sum {
            out.push(Check::pass(
                format!("wave {wave} summary replay"),
                "same bytes",
            ));
        } else {
            out.push(Check::fail(
                format!("wave {wave} summary replay"),
                "the recomputed summary differs",
            ));
        }
        match &key {
            Some(k) if k.fingerprint() == str_of(&d, "code_key_sha256") => {
                let codes = crate::draw::assign_codes(
                    process,
                    &loaded.reg,
                    &drawn,
                    k,
                    &loaded.earlier_codes,
                );
                match crate::draw::invitees_csv(process, &loaded.reg, &loaded.plan, &drawn, &codes)
                {
                    Ok(bytes) => {
                        let want = run::recorded(&d, "invitees").1;
                        if fsio::sha256_hex(&bytes) == want {
                            out.push(Check::pass(
                                format!("wave {wave} invitees replay"),
                                "same bytes, codes included",
                            ));
                        } else {
                            out.push(Check::fail(
                                format!("wave {wave} invitees replay"),
                                "the recomputed invitees.csv differs",
                            ));
                        }
                    }
                    Err(e) => out.push(Check::fail(
                        format!("wave {wave} invitees replay"),
                        e.to_string(),
                    )),
                }
            }
            Some(_) => out.push(Check::fail(
                format!("wave {wave} code key"),
                "the code key at hand is not the one the draw used",
            )),
            None => out.push(Check::pass(
                format!("wave {wave} invitees replay"),
                "skipped: the code key is not at hand (register office only)",
            )),
        }
    }
}

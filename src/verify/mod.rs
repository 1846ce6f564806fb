//! `sortes verify`: re-checks everything the journal claims, one line per check.
//!
//! * the journal: chain, hashes, schema ([`crate::base::journal::Journal::open`]);
//! * every recorded output file against its SHA-256;
//! * the process file against the hash the steps recorded;
//! * every invitation draw replayed from the register and the seed ([`draw`]);
//! * the selection's distribution and probabilities ([`selection`]);
//! * the lottery: commitment, numbered panels, number, reserve order and every
//!   replacement ([`lottery`]);
//! * an audit bundle: its manifest, then the checks above that need no personal data
//!   ([`bundle`]).

pub mod bundle;
mod draw;
mod lottery;
mod selection;

use crate::base::fsio::Sha256;
use crate::base::process::Process;
use crate::base::run::Run;
use crate::lottery::step::Setup;
use std::collections::BTreeMap;

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
    verify_at(process, Setup::of(process).ok(), process.layout())
}

/// [`verify`] with an explicit output layout and lottery setup (used for audit bundles).
pub fn verify_at(
    process: &Process,
    setup: Option<Setup>,
    layout: crate::base::run::Layout,
) -> Vec<Check> {
    let mut out = Vec::new();
    let run = match Run::open(layout) {
        Ok(r) => {
            out.push(Check::pass(
                "journal chain",
                format!(
                    "{} entries, every link, hash and field intact",
                    r.journal().entries().len()
                ),
            ));
            r
        }
        Err(e) => {
            out.push(Check::fail("journal chain", e.to_string()));
            return out;
        }
    };
    if run.journal().is_empty() {
        out.push(Check::fail(
            "journal",
            "the journal is empty: nothing to verify",
        ));
        return out;
    }
    recorded_files(&run, &mut out);
    process_file(process, &run, &mut out);
    draw::replays(process, &run, &mut out);
    if let Some(s) = setup {
        out.extend(selection::checks(&run, &s));
        out.extend(lottery::checks(&run, &s));
    }
    out
}

/// Every recorded output file, at the hash of the last entry that wrote it (a
/// justified re-draw or a forced re-run replaces a file; the journal says so).
fn recorded_files(run: &Run, out: &mut Vec<Check>) {
    let mut latest = BTreeMap::new();
    for e in run.journal().entries() {
        for r in e.outputs() {
            latest.insert(r.path.clone(), r);
        }
    }
    for r in latest.values() {
        let path = run.path_of(r);
        let label = match r.wave {
            Some(w) => format!("wave {w} {}: {} file", r.step, r.name),
            None => format!("{}: {} file", r.step, r.name),
        };
        if path.starts_with(&run.layout().private) && !path.exists() {
            out.push(Check::pass(
                label,
                format!(
                    "skipped: {} holds personal data and is not at hand",
                    path.display()
                ),
            ));
            continue;
        }
        match run.read(r) {
            Ok(_) => out.push(Check::pass(
                label,
                format!("{} matches its recorded SHA-256", path.display()),
            )),
            Err(e) => out.push(Check::fail(label, e.to_string())),
        }
    }
}

/// The process file against the latest hash a step recorded.
fn process_file(process: &Process, run: &Run, out: &mut Vec<Check>) {
    use crate::base::journal::Body;
    let recorded: Option<&Sha256> =
        run.journal()
            .entries()
            .iter()
            .rev()
            .find_map(|e| match &e.body {
                Body::Commit(c) => Some(&c.process_sha256),
                Body::Intake(i) => Some(&i.process_sha256),
                Body::Select(s) => Some(&s.process_sha256),
                _ => None,
            });
    if let Some(want) = recorded {
        if &process.sha256 == want {
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
}

//! `sortes verify`: re-checks everything the journal claims, one line per check.
//!
//! * the journal: chain, hashes, schema ([`crate::base::journal::Journal::open`]), and
//!   the journal head the auditor obtained out of band (`--head`);
//! * the sequence of steps ([`sequence`]): every step's inputs are the outputs the
//!   step before it recorded, nothing is stale, no file on disk or in the bundle lacks
//!   its entry, the published commitments are the journal's, every seed has the
//!   announced form, and a wave committed or drawn twice is reported (a FAIL unless
//!   the auditor accepts it with `--accept-repeats`);
//! * every recorded output file against its SHA-256; a personal file that is gone
//!   passes only when a retention entry records its deletion;
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
mod sequence;

use crate::base::error::{Error, Location, Result};
use crate::base::fsio::Sha256;
use crate::base::journal::{Journal, Recorded, Retention};
use crate::base::process::Process;
use crate::base::run::{Layout, Run};
use crate::lottery::step::Setup;
use std::collections::BTreeMap;

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    /// Not checked, and why is said (a personal file deleted as journaled, or not in
    /// an audit bundle).
    Skipped,
    /// A repeat the auditor accepted with `--accept-repeats`: reported in full, not a failure.
    Accepted,
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Skipped => "SKIP",
            Status::Accepted => "ACCEPTED",
            Status::Fail => "FAIL",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
}

impl Check {
    fn with(status: Status, name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            status,
            detail: detail.into(),
        }
    }
    pub(crate) fn pass(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check::with(Status::Pass, name, detail)
    }
    pub(crate) fn skip(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check::with(Status::Skipped, name, detail)
    }
    pub(crate) fn fail(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check::with(Status::Fail, name, detail)
    }
    /// Passes with `ok` when nothing is `bad`, else fails listing every problem.
    pub(crate) fn verdict(name: &str, bad: Vec<String>, ok: String) -> Check {
        if bad.is_empty() {
            Check::pass(name, ok)
        } else {
            Check::fail(name, bad.join("; "))
        }
    }
    /// Not a failure.
    pub fn ok(&self) -> bool {
        self.status != Status::Fail
    }

    pub fn skipped(&self) -> bool {
        self.status == Status::Skipped
    }
}

/// What the auditor brings to the verification.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A journal head obtained out of band (published with a commitment, the report or
    /// the lottery): `HASH` or `SEQ:HASH`. The journal must still contain it.
    pub head: Option<String>,
    /// A wave committed or drawn more than once is ACCEPTED (still reported in full)
    /// instead of a FAIL.
    pub accept_repeats: bool,
}

/// Where the files are: a process folder, or an audit bundle (which holds no
/// personal data, so personal files and the register are out of its scope; a public
/// bundle also leaves out the confidential pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Process,
    Bundle { confidential: bool },
}

impl Scope {
    /// Whether the confidential pool (attributes per pseudonym) is at hand.
    pub fn pool(self) -> bool {
        self != Scope::Bundle {
            confidential: false,
        }
    }
}

/// Runs every check of a process folder.
pub fn verify(process: &Process, opts: &Options) -> Vec<Check> {
    verify_at(
        process,
        Setup::of(process).ok(),
        process.layout(),
        opts,
        Scope::Process,
    )
}

/// What every check needs: the run, the process, the scope, the retention entries.
pub(crate) struct Context<'a> {
    pub run: &'a Run,
    pub process: &'a Process,
    pub scope: Scope,
    pub opts: &'a Options,
    pub retention: Vec<(u64, &'a Retention)>,
}

impl Context<'_> {
    /// Why a personal file (or the register, or the code key) that is not at hand
    /// may be absent: deleted as journaled (with the date), or out of the bundle's
    /// scope. None: it should be there.
    pub fn absent_why(&self, deleted: impl Fn(&Retention) -> bool) -> Option<String> {
        if self.scope != Scope::Process {
            return Some(
                "personal data, not in an audit bundle (the register office verifies it)".into(),
            );
        }
        self.retention
            .iter()
            .find(|(_, r)| deleted(r))
            .map(|(seq, r)| {
                format!(
                    "deleted on {} after its retention period, as journal entry {seq} records ({})",
                    r.date, r.reason
                )
            })
    }
}

/// [`verify`] with an explicit output layout and lottery setup (used for audit bundles).
pub fn verify_at(
    process: &Process,
    setup: Option<Setup>,
    layout: Layout,
    opts: &Options,
    scope: Scope,
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
        let path = run.layout().journal.display();
        out.push(Check::fail(
            "journal",
            if run.layout().journal.exists() {
                format!("the journal {path} is empty: nothing to verify")
            } else {
                format!("there is no journal at {path}: nothing to verify")
            },
        ));
        return out;
    }
    if let Some(h) = &opts.head {
        out.push(head(run.journal(), h));
    }
    let cx = Context {
        run: &run,
        process,
        scope,
        opts,
        retention: run
            .journal()
            .all::<Retention>()
            .map(|(e, r)| (e.seq, r))
            .collect(),
    };
    out.extend(sequence::checks(&cx));
    recorded_files(&cx, &mut out);
    process_file(process, &run, &mut out);
    draw::replays(&cx, &mut out);
    if let Some(s) = setup {
        out.extend(selection::checks(&run, &s, scope.pool()));
        out.extend(lottery::checks(&run, &s, scope.pool()));
    }
    out
}

/// Where the output `name` of an entry is (its full path, as failures name it), or
/// the bare name when the entry records none.
pub(super) fn output_path(run: &Run, outputs: &crate::base::journal::Files, name: &str) -> String {
    outputs.get(name).map_or_else(
        || name.to_string(),
        |rel| run.layout().path(rel).display().to_string(),
    )
}

/// Parses a head as the auditor writes it: `HASH` or `SEQ:HASH`.
pub fn parse_head(text: &str) -> Result<(Option<u64>, Sha256)> {
    let bad = || {
        Error::input(
            Location::default(),
            format!("--head {text:?}: write the journal head as HASH or SEQ:HASH (64 hex digits)"),
        )
    };
    let (seq, hash) = match text.trim().split_once(':') {
        Some((s, h)) => (Some(s.parse::<u64>().map_err(|_| bad())?), h),
        None => (None, text.trim()),
    };
    let hash = Sha256::parse(&hash.to_ascii_lowercase()).ok_or_else(bad)?;
    Ok((seq, hash))
}

/// The head obtained out of band must be an entry of the journal (at its seq): a
/// journal cut after it, or rewritten, is caught.
fn head(j: &Journal, text: &str) -> Check {
    let (seq, hash) = match parse_head(text) {
        Ok(h) => h,
        Err(e) => return Check::fail("journal head", e.to_string()),
    };
    let last = j.entries().len();
    match j.entries().iter().find(|e| e.entry_hash == hash) {
        Some(e) if seq.is_none_or(|s| s == e.seq) => Check::pass(
            "journal head",
            format!(
                "the published head {} is entry {} of {last}; {} entries follow it",
                hash.short(),
                e.seq,
                last as u64 - e.seq
            ),
        ),
        Some(e) => Check::fail(
            "journal head",
            format!(
                "the published head {} is entry {} of {}, not {}",
                hash.short(),
                e.seq,
                j.path().display(),
                seq.unwrap_or(0)
            ),
        ),
        None => Check::fail(
            "journal head",
            format!(
                "the published head {} is not in {}, a journal of {last} entries: entries were cut off after it, or the journal was rewritten",
                hash,
                j.path().display()
            ),
        ),
    }
}

/// Every recorded output file, at the hash of the last entry that wrote it (a
/// justified re-draw or a forced re-run replaces a file; the journal says so).
fn recorded_files(cx: &Context<'_>, out: &mut Vec<Check>) {
    let run = cx.run;
    let mut latest: BTreeMap<String, Recorded> = BTreeMap::new();
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
        if !cx.scope.pool() && path.starts_with(&run.layout().audit) && !path.exists() {
            out.push(Check::skip(
                label,
                format!(
                    "{}: confidential, not in a public audit bundle",
                    path.display()
                ),
            ));
            continue;
        }
        if path.starts_with(&run.layout().private) && !path.exists() {
            let why = cx.absent_why(|ret| {
                ret.deleted
                    .iter()
                    .any(|d| d.file == r.path && d.sha256 == r.sha256)
            });
            match why {
                Some(why) => out.push(Check::skip(label, format!("{}: {why}", path.display()))),
                None => out.push(Check::fail(
                    label,
                    format!(
                        "{} is missing, and no retention entry records its deletion",
                        path.display()
                    ),
                )),
            }
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

//! The register office's steps as library calls: `commit` fixes the inputs before
//! the seed exists, `draw` replays the commitment with the seed. The CLI only parses
//! arguments and prints the reports returned here.

use super::invitees::{self, Invitee};
use super::{Drawn, Plan, codes::CodeKey};
use crate::base::error::{Error, Location, Result};
use crate::base::fsio::{self, Privacy};
use crate::base::journal::{
    Body, Commit, CommitStratum, Draw, Entry, Journal, Recorded, Sha256, Shortfall, Step, named,
};
use crate::base::process::Process;
use crate::base::run::Run;
use crate::base::spec::{Seed, SeedForm};
use crate::base::table::{Options, Table};
use crate::register::{self, Register};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The latest draw of each wave (a justified re-draw supersedes the earlier one).
pub fn latest_draws(j: &Journal) -> BTreeMap<u32, (&Entry, &Draw)> {
    j.all::<Draw>().map(|(e, d)| (d.wave, (e, d))).collect()
}

/// The invitee files of the latest draw of every wave before `before` (all waves with
/// `None`), each read through the run handle (checked against the journal, so that
/// no step works on an altered list).
pub fn invitee_files(run: &Run, before: Option<u32>) -> Result<Vec<(Recorded, Vec<u8>)>> {
    let mut files = Vec::new();
    for (w, (e, _)) in latest_draws(run.journal()) {
        if before.is_some_and(|b| w >= b) {
            continue;
        }
        let r = e.output("invitees")?;
        let bytes = run.read(&r)?;
        files.push((r, bytes));
    }
    Ok(files)
}

/// Everyone invited in the waves before `wave` (all waves with `None`).
pub fn invitees_of(run: &Run, before: Option<u32>) -> Result<Vec<Invitee>> {
    let mut out = Vec::new();
    for (r, bytes) in invitee_files(run, before)? {
        out.extend(invitees::parse(&run.path_of(&r), &bytes)?);
    }
    Ok(out)
}

/// Exclusion ids of the process file's lists.
pub(crate) fn exclusions(process: &Process) -> Result<BTreeSet<String>> {
    let mut ids = BTreeSet::new();
    for f in &process.file.eligibility.exclude_lists {
        ids.extend(super::eligibility::read_id_list(&process.resolve(f))?);
    }
    Ok(ids)
}

/// What `commit` records (and `draw` and `verify` recompute and compare); the
/// commitment digest is computed from it.
pub fn commitment_body(
    process: &Process,
    reg: &Register,
    plan: &Plan,
    seed_source: &str,
) -> Commit {
    let strata = plan
        .strata
        .iter()
        .map(|s| CommitStratum {
            stratum: s.label.clone(),
            residents: s.residents,
            eligible: s.eligible,
            capacity: s.capacity,
            factor: super::factor_decimal(s.factor_milli, s.key.len()),
            allocated: s.allocated,
        })
        .collect();
    let mut c = Commit {
        wave: plan.wave,
        process_sha256: process.sha256.clone(),
        register_file_sha256: reg.file_sha256.clone(),
        extract_sha256: reg.extract_sha256.clone(),
        register_rows: reg.rows,
        blank_rows: reg.blank_rows,
        rejected_rows: reg.rejects.len() as u64,
        rejects_sha256: None,
        residents: reg.people.len() as u64,
        partial_birth_dates: reg.partial_dates,
        partial_birth_dates_decided: reg.partial_decided,
        eligible: plan.eligibility.eligible.len() as u64,
        eligible_sha256: plan.eligible_sha256.clone(),
        excluded: plan
            .eligibility
            .excluded
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        exclusion_list_ids_not_in_register: plan.eligibility.list_ids_not_in_register,
        invitations: plan.invitations,
        household_rule: plan.household_rule,
        strata_columns: process.file.draw.strata.clone(),
        strata,
        seed_source: seed_source.to_string(),
        seed_form: String::new(),
        reference_date: process.file.process.reference_date.clone(),
        recommit_reason: None,
        // Computed from the other fields just below.
        commitment: Sha256::of(b""),
    };
    c.commitment = commitment_digest(&c);
    c
}

/// The fields of a commitment that `draw` and `verify` recompute.
pub const COMMITTED: [&str; 8] = [
    "process_sha256",
    "extract_sha256",
    "eligible",
    "eligible_sha256",
    "excluded",
    "invitations",
    "household_rule",
    "strata",
];

/// Spec §11: the commitment is SHA-256 of the canonical JSON of the wave and the
/// committed fields — a function of the inputs only (no time, no file bytes), so the
/// same inputs always give the same commitment, the same key and the same draw.
pub fn commitment_digest(c: &Commit) -> Sha256 {
    let all = serde_json::to_value(c).unwrap_or(Value::Null);
    let mut m = Map::new();
    for k in std::iter::once("wave").chain(COMMITTED) {
        m.insert(k.to_string(), all.get(k).cloned().unwrap_or(Value::Null));
    }
    Sha256::of(crate::base::journal::canonical_json(&Value::Object(m)).as_bytes())
}

/// Compares a recomputed commitment with the recorded one; names the first difference.
pub fn compare_commitment(recorded: &Commit, now: &Commit) -> Option<String> {
    let (a, b) = (
        serde_json::to_value(recorded).ok()?,
        serde_json::to_value(now).ok()?,
    );
    let k = COMMITTED.iter().find(|k| a.get(**k) != b.get(**k))?;
    let what = match *k {
        "process_sha256" => "the process file changed",
        "extract_sha256" => "the register extract changed",
        "eligible" | "eligible_sha256" | "excluded" => "the set of eligible residents changed",
        "strata" => "the strata or their allocation changed",
        _ => "a draw parameter changed",
    };
    Some(format!("{what} since the commitment ({k} differs)"))
}

pub struct Loaded {
    pub reg: Register,
    pub plan: Plan,
    /// Application codes issued in earlier waves (new codes must differ).
    pub earlier_codes: BTreeSet<String>,
}

/// Reads the register and builds the plan of `wave` (earlier waves' invitees read
/// through the run handle).
pub fn load_plan(
    process: &Process,
    run: &Run,
    wave: u32,
    counts: Option<&BTreeMap<String, u64>>,
    keep_rejects: bool,
) -> Result<Loaded> {
    let reg = register::load(process, keep_rejects)?;
    let t = std::time::Instant::now();
    let loaded = plan_of(process, run, reg, wave, counts);
    crate::base::timing::phase("plan", t);
    loaded
}

/// The plan of `wave` for a register already read.
pub fn plan_of(
    process: &Process,
    run: &Run,
    reg: Register,
    wave: u32,
    counts: Option<&BTreeMap<String, u64>>,
) -> Result<Loaded> {
    let earlier = invitees_of(run, Some(wave))?;
    let ids: BTreeSet<String> = earlier.iter().map(|i| i.register_id.clone()).collect();
    let earlier_codes = earlier.into_iter().map(|i| i.application_code).collect();
    let excl = exclusions(process)?;
    let plan = super::plan(process, &reg, &ids, &excl, wave, counts)?;
    Ok(Loaded {
        reg,
        plan,
        earlier_codes,
    })
}

pub struct CommitReport {
    pub commitment: String,
    pub loaded: Loaded,
    pub commitment_file: PathBuf,
    pub rejects_file: Option<PathBuf>,
    /// The journal head after the commitment (seq, entry hash): publish it.
    pub head: (u64, Sha256),
}

/// The rejects file (personal: line, column, reason; mode 0600).
fn rejects_csv(reg: &Register) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::internal(format!("writing the rejects file: {e}"));
    w.write_record(["line", "column", "reason"]).map_err(io)?;
    for r in &reg.rejects {
        w.write_record([r.line.to_string(), r.column.clone(), r.reason.clone()])
            .map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| Error::internal(format!("writing the rejects file: {e}")))
}

/// What `commit` is asked to do.
pub struct CommitArgs<'a> {
    pub wave: u32,
    /// Top-up counts per stratum (waves 2 and later).
    pub counts: Option<&'a BTreeMap<String, u64>>,
    /// The announced public randomness, in words …
    pub seed_source: &'a str,
    /// … and its form, which the draw's seed must have (spec §2.1).
    pub seed_form: &'a SeedForm,
    /// Why a wave that has a commitment gets a new one (journaled; verify reports it).
    pub recommit_reason: Option<&'a str>,
    /// Set invalid register rows aside in this file (personal) instead of stopping.
    pub rejects: Option<&'a Path>,
    pub force: bool,
}

pub fn commit(process: &Process, a: &CommitArgs<'_>) -> Result<CommitReport> {
    let wave = a.wave;
    if a.seed_source.trim().is_empty() {
        return Err(Error::refused(
            "announce the seed source in words (--seed-source), e.g. \"Lotto 6aus49 of Saturday 2027-01-09, the six numbers and the Superzahl\"",
        ));
    }
    if *a.seed_form == SeedForm::Ceremony {
        return Err(Error::refused(
            "the invitation draw needs a seed: announce rfc3797:COUNTS (numbers of a public lottery draw) or drand:ROUND (a future drand round) as --seed-form",
        ));
    }
    if a.recommit_reason.is_some_and(|r| r.trim().is_empty()) {
        return Err(Error::refused("--recommit-reason must say why"));
    }
    let mut run = Run::begin(process.layout(), Step::Commit)?;
    let drawn_waves = latest_draws(run.journal());
    if wave > 1 && !drawn_waves.contains_key(&(wave - 1)) {
        return Err(Error::refused(format!(
            "wave {wave} needs a completed draw of wave {}",
            wave - 1
        )));
    }
    if wave == 1 && a.counts.is_some() {
        return Err(Error::refused("top-up counts are for waves 2 and later"));
    }
    if wave > 1 && a.counts.is_none() {
        return Err(Error::refused(
            "a top-up wave needs --counts FILE with the invitations per stratum",
        ));
    }
    if let Some((e, _)) = run.journal().all::<Commit>().rfind(|(_, c)| c.wave == wave) {
        let drawn = drawn_waves.contains_key(&wave);
        if a.recommit_reason.is_none() || (drawn && !a.force) {
            return Err(Error::refused(format!(
                "wave {wave} has a commitment already (journal entry {}){}; a second one is journaled with its reason and every verify reports it as a repeat: give --recommit-reason \"…\"{}",
                e.seq,
                if drawn { " and has been drawn" } else { "" },
                if drawn { " and --force" } else { "" }
            )));
        }
    } else if a.recommit_reason.is_some() {
        return Err(Error::refused(format!(
            "wave {wave} has no commitment yet: --recommit-reason is for a second one"
        )));
    }
    let commitment_file = run.layout().commitment(wave);
    fsio::check_new(&commitment_file, a.force)?;
    if let Some(rp) = a.rejects {
        fsio::check_new(rp, a.force)?;
    }
    let loaded = load_plan(process, &run, wave, a.counts, a.rejects.is_some())?;
    let mut body = commitment_body(process, &loaded.reg, &loaded.plan, a.seed_source);
    body.seed_form = a.seed_form.text();
    body.recommit_reason = a.recommit_reason.map(str::to_string);
    let commitment = body.commitment.to_string();
    let mut rejects_file = None;
    if let Some(rp) = a.rejects {
        let bytes = rejects_csv(&loaded.reg)?;
        body.rejects_sha256 = Some(fsio::write_atomic(rp, &bytes, Privacy::Personal, a.force)?);
        rejects_file = Some(rp.to_path_buf());
    }
    let entry = run.append(Body::Commit(body))?;
    let head = (entry.seq, entry.entry_hash.clone());
    fsio::write_atomic(
        &commitment_file,
        commitment_file_text(entry)?.as_bytes(),
        Privacy::Public,
        a.force,
    )?;
    Ok(CommitReport {
        commitment,
        loaded,
        commitment_file,
        rejects_file,
        head,
    })
}

/// The published commitment file of a commit entry: the entry with its header
/// fields (so also the journal head at the commitment), keys sorted, indented by two.
pub fn commitment_file_text(entry: &Entry) -> Result<String> {
    let text = serde_json::to_string_pretty(&crate::base::journal::entry_json(entry)?)
        .map_err(|e| Error::internal(format!("the commitment file: {e}")))?;
    Ok(format!("{text}\n"))
}

/// The latest commitment of a wave (or of the latest wave).
pub fn find_commit(j: &Journal, wave: Option<u32>) -> Result<(&Entry, &Commit)> {
    j.all::<Commit>()
        .rfind(|(_, c)| wave.is_none_or(|w| c.wave == w))
        .ok_or_else(|| {
            Error::refused(
                "there is no commitment to draw from; run `sortes commit` first, before the seed is known",
            )
        })
}

pub struct DrawReport {
    pub wave: u32,
    pub loaded: Loaded,
    pub drawn: Drawn,
    pub invitees: PathBuf,
    pub summary: PathBuf,
    pub drawn_sha256: Sha256,
    pub seed: Seed,
}

pub fn draw(
    process: &Process,
    seed: &Seed,
    wave: Option<u32>,
    redraw_reason: Option<&str>,
    force: bool,
) -> Result<DrawReport> {
    let mut run = Run::begin(process.layout(), Step::Draw)?;
    let (_, commit) = find_commit(run.journal(), wave)?;
    let commit = commit.clone();
    let commitment = commit.commitment.to_string();
    let wave = commit.wave;
    let earlier_draw = run
        .journal()
        .all::<Draw>()
        .any(|(_, d)| d.commitment == commit.commitment);
    match (earlier_draw, redraw_reason) {
        (true, None) => {
            return Err(Error::refused(format!(
                "wave {wave} was drawn already from this commitment; a second draw is refused (seed grinding). If it is truly needed, give --redraw-reason \"…\" (it is journaled) and --force"
            )));
        }
        (_, Some(r)) if r.trim().is_empty() => {
            return Err(Error::refused("--redraw-reason must say why"));
        }
        _ => {}
    }
    let inv_path = run.layout().invitees(wave);
    let sum_path = run.layout().draw_summary(wave);
    fsio::check_new(&inv_path, force)?;
    fsio::check_new(&sum_path, force)?;
    let form = SeedForm::parse(&commit.seed_form)?;
    form.admits(seed).map_err(|why| {
        Error::refused(format!(
            "the commitment announced {} ({}): {why}",
            commit.seed_form, commit.seed_source
        ))
    })?;
    let counts = topup_counts(&commit);
    // Rows are set aside exactly when the commitment set them aside (commit --rejects).
    let rejects = commit.rejects_sha256.is_some();
    let loaded = load_plan(process, &run, wave, counts.as_ref(), rejects)?;
    let t = std::time::Instant::now();
    let now = commitment_body(process, &loaded.reg, &loaded.plan, "");
    if let Some(diff) = compare_commitment(&commit, &now) {
        return Err(Error::refused(format!(
            "the draw does not match commitment {}: {diff}. Commit again before the seed is known.",
            commit.commitment.short()
        )));
    }
    if now.commitment != commit.commitment {
        return Err(Error::changed(
            Location::file(run.journal().path()),
            "the commitment entry's digest does not match its content; the journal was changed",
        ));
    }
    crate::base::timing::phase("draw: commitment", t);
    let drawn = super::execute(&loaded.plan, &loaded.reg, seed, &commitment);
    crate::base::timing::phase("draw: sample", t);
    let key = CodeKey::load_or_create(&run.layout().code_key())?;
    let codes = super::assign_codes(process, &loaded.reg, &drawn, &key, &loaded.earlier_codes);
    let inv_bytes = super::invitees_csv(process, &loaded.reg, &loaded.plan, &drawn, &codes)?;
    crate::base::timing::phase("draw: invitees", t);
    let counts: Vec<u64> = drawn.per_stratum.iter().map(|d| d.len() as u64).collect();
    let sum_bytes = super::summary_csv(&commit.strata, &counts);
    let inv_hash = fsio::write_atomic(&inv_path, &inv_bytes, Privacy::Personal, force)?;
    let sum_hash = fsio::write_atomic(&sum_path, &sum_bytes, Privacy::Public, force)?;
    let drawn_sha256 = super::drawn_digest(&loaded.reg, &drawn);
    let shortfall = loaded
        .plan
        .strata
        .iter()
        .zip(&drawn.per_stratum)
        .filter(|(s, d)| (d.len() as u64) < s.allocated)
        .map(|(s, d)| Shortfall {
            stratum: s.label.clone(),
            allocated: s.allocated,
            drawn: d.len() as u64,
        })
        .collect();
    let rel = |p: &Path| run.layout().rel(p);
    let body = Draw {
        wave,
        commitment: commit.commitment.clone(),
        seed: seed.canonical().to_string(),
        key_label: super::LABEL.to_string(),
        drawn: drawn.total() as u64,
        drawn_sha256: drawn_sha256.clone(),
        words_used: drawn.words_used,
        code_key_sha256: key.fingerprint(),
        outputs: named([("invitees", rel(&inv_path)), ("summary", rel(&sum_path))]),
        output_sha256: named([("invitees", inv_hash), ("summary", sum_hash)]),
        shortfall,
        redraw_reason: redraw_reason.map(str::to_string),
    };
    run.append(Body::Draw(body))?;
    Ok(DrawReport {
        wave,
        loaded,
        drawn,
        invitees: inv_path,
        summary: sum_path,
        drawn_sha256,
        seed: seed.clone(),
    })
}

/// Top-up counts as recorded in a commitment (None for a proportional wave).
pub fn topup_counts(commit: &Commit) -> Option<BTreeMap<String, u64>> {
    if commit.wave <= 1 {
        return None;
    }
    Some(
        commit
            .strata
            .iter()
            .filter(|s| s.allocated > 0)
            .map(|s| (s.stratum.clone(), s.allocated))
            .collect(),
    )
}

/// Reads a top-up counts file: CSV `stratum,count`.
pub fn read_counts(path: &Path) -> Result<BTreeMap<String, u64>> {
    let t = Table::read(path, &Options::csv())?;
    let cols = t.columns(&[("stratum", "top-up counts"), ("count", "top-up counts")])?;
    let mut m = BTreeMap::new();
    for row in &t.rows {
        let s = row.cells[cols[0]].clone();
        let n = &row.cells[cols[1]];
        let n: u64 = n.parse().map_err(|_| {
            Error::input(
                t.at(row, cols[1]),
                format!("count {n:?} is not a whole number"),
            )
        })?;
        if m.insert(s.clone(), n).is_some() {
            return Err(Error::input(
                t.at(row, cols[0]),
                format!("the stratum {s:?} is listed twice"),
            ));
        }
    }
    Ok(m)
}

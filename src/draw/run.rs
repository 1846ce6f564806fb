//! The register office's steps as library calls: `commit` fixes the inputs before
//! the seed exists, `draw` replays the commitment with the seed. The CLI only
//! parses arguments and prints the reports returned here.

use super::{Drawn, Plan, codes::CodeKey};
use crate::error::{Error, Result};
use crate::fsio::{self, Privacy};
use crate::journal::Journal;
use crate::process::Process;
use crate::register::{self, Register};
use crate::spec::Seed;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where a process keeps its outputs.
#[derive(Clone)]
pub struct Paths {
    pub out: PathBuf,
    pub journal: PathBuf,
    pub public: PathBuf,
    pub private: PathBuf,
}

impl Paths {
    pub fn of(process: &Process) -> Paths {
        Paths::at(process.out_dir())
    }
    /// The layout under an output directory `out`.
    pub fn at(out: PathBuf) -> Paths {
        Paths {
            journal: out.join("journal.jsonl"),
            public: out.join("public"),
            private: out.join("private"),
            out,
        }
    }
    pub fn code_key(&self) -> PathBuf {
        self.private.join("code-key.secret")
    }
    pub fn invitees(&self, wave: u32) -> PathBuf {
        if wave == 1 {
            self.private.join("invitees.csv")
        } else {
            self.private.join(format!("invitees-wave{wave}.csv"))
        }
    }
    pub fn summary(&self, wave: u32) -> PathBuf {
        self.public.join(format!("draw-summary-wave{wave}.csv"))
    }
    pub fn commitment(&self, wave: u32) -> PathBuf {
        self.public.join(format!("commitment-wave{wave}.json"))
    }
    /// Journal-relative path text (outputs are recorded relative to the out dir).
    pub fn rel(&self, p: &Path) -> String {
        p.strip_prefix(&self.out)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    }
}

pub fn str_of<'a>(e: &'a Map<String, Value>, k: &str) -> &'a str {
    e.get(k).and_then(Value::as_str).unwrap_or("")
}

pub fn u64_of(e: &Map<String, Value>, k: &str) -> u64 {
    e.get(k).and_then(Value::as_u64).unwrap_or(0)
}

/// The recorded output `name` of a journal entry: (path relative to the out dir,
/// SHA-256); empty strings where the entry has none.
pub fn recorded<'a>(e: &'a Map<String, Value>, name: &str) -> (&'a str, &'a str) {
    let field = |table: &str| {
        e.get(table)
            .and_then(|o| o.get(name))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    (field("outputs"), field("output_sha256"))
}

/// The latest draw of each wave (a re-draw supersedes the earlier one).
pub fn latest_draws(j: &Journal) -> BTreeMap<u64, Map<String, Value>> {
    let mut m = BTreeMap::new();
    for e in j.of_step("draw") {
        m.insert(u64_of(e, "wave"), e.clone());
    }
    m
}

/// The invitee files of the latest draw of every wave before `before` (all waves
/// with `None`), after checking each file's SHA-256 against the journal, so that no
/// step works on an altered list.
pub fn invitee_files(paths: &Paths, j: &Journal, before: Option<u32>) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for (w, e) in latest_draws(j) {
        if before.is_some_and(|b| w >= b as u64) {
            continue;
        }
        let (rel, want) = recorded(&e, "invitees");
        let path = paths.out.join(rel);
        if fsio::sha256_file(&path)? != want {
            return Err(Error::Verify(format!(
                "{} (wave {w}) differs from the file the draw wrote; it is not used",
                path.display()
            )));
        }
        files.push(path);
    }
    Ok(files)
}

/// Register ids and application codes of everyone invited in waves before `wave`.
pub fn earlier_invitees(
    paths: &Paths,
    j: &Journal,
    wave: u32,
) -> Result<(BTreeSet<String>, BTreeSet<String>)> {
    let mut ids = BTreeSet::new();
    let mut codes = BTreeSet::new();
    for path in invitee_files(paths, j, Some(wave))? {
        let mut r = csv::Reader::from_path(&path)
            .map_err(|e| Error::refused(format!("{}: {e}", path.display())))?;
        for rec in r.records() {
            let rec = rec.map_err(|e| Error::refused(format!("{}: {e}", path.display())))?;
            ids.insert(rec.get(3).unwrap_or("").to_string());
            codes.insert(rec.get(4).unwrap_or("").to_string());
        }
    }
    Ok((ids, codes))
}

/// Exclusion ids of the process file's lists.
fn exclusions(process: &Process) -> Result<BTreeSet<String>> {
    let mut ids = BTreeSet::new();
    for f in &process.file.eligibility.exclude_lists {
        ids.extend(super::eligibility::read_id_list(&process.resolve(f))?);
    }
    Ok(ids)
}

/// What `commit` records (and `draw` and `verify` recompute and compare).
pub fn commitment_body(process: &Process, reg: &Register, plan: &Plan, seed_source: &str) -> Value {
    let strata: Vec<Value> = plan
        .strata
        .iter()
        .map(|s| {
            json!({
                "stratum": s.label,
                "residents": s.residents,
                "eligible": s.eligible,
                "capacity": s.capacity,
                "factor": super::factor_text(s.factor_milli, s.key.len()),
                "allocated": s.allocated,
            })
        })
        .collect();
    json!({
        "wave": plan.wave,
        "process_sha256": process.sha256,
        "register_file_sha256": reg.file_sha256,
        "extract_sha256": reg.extract_sha256,
        "register_rows": reg.rows,
        "blank_rows": reg.blank_rows,
        "rejected_rows": reg.rejects.len(),
        "residents": reg.people.len(),
        "eligible": plan.eligibility.eligible.len(),
        "eligible_sha256": plan.eligible_sha256,
        "excluded": plan.eligibility.excluded,
        "exclusion_list_ids_not_in_register": plan.eligibility.list_ids_not_in_register,
        "invitations": plan.invitations,
        "household_rule": plan.household_rule,
        "strata_columns": process.file.draw.strata,
        "strata": strata,
        "seed_source": seed_source,
        "reference_date": process.file.process.reference_date,
    })
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
pub fn commitment_digest(body: &Value) -> String {
    let mut m = Map::new();
    for k in std::iter::once("wave").chain(COMMITTED) {
        m.insert(k.to_string(), body.get(k).cloned().unwrap_or(Value::Null));
    }
    fsio::sha256_hex(crate::journal::canonical_json(&Value::Object(m)).as_bytes())
}

pub struct Loaded {
    pub reg: Register,
    pub plan: Plan,
    /// Application codes issued in earlier waves (new codes must differ).
    pub earlier_codes: BTreeSet<String>,
}

/// Reads the register and builds the plan of `wave`.
pub fn load_plan(
    process: &Process,
    paths: &Paths,
    j: &Journal,
    wave: u32,
    counts: Option<&BTreeMap<String, u64>>,
    keep_rejects: bool,
) -> Result<Loaded> {
    let reg = register::load(process, keep_rejects)?;
    let (earlier, earlier_codes) = earlier_invitees(paths, j, wave)?;
    let excl = exclusions(process)?;
    let plan = super::plan(process, &reg, &earlier, &excl, wave, counts)?;
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
}

/// Writes the rejects file (personal: line, column, reason; mode 0600).
fn write_rejects(reg: &Register, path: &Path, force: bool) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["line", "column", "reason"]);
    for r in &reg.rejects {
        let _ = w.write_record([r.line.to_string(), r.column.clone(), r.reason.clone()]);
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::refused(format!("writing rejects failed: {e}")))?;
    fsio::write_atomic(path, &bytes, Privacy::Personal, force)
}

pub fn commit(
    process: &Process,
    wave: u32,
    counts: Option<&BTreeMap<String, u64>>,
    seed_source: &str,
    rejects: Option<&Path>,
    force: bool,
) -> Result<CommitReport> {
    let paths = Paths::of(process);
    let mut j = Journal::open(&paths.journal)?;
    if seed_source.trim().is_empty() {
        return Err(Error::refused(
            "announce the seed source (--seed-source), e.g. \"Lotto 6aus49 of Saturday 2027-01-09, numbers and Superzahl as an RFC 3797 key\"",
        ));
    }
    if wave > 1 && !latest_draws(&j).contains_key(&(wave as u64 - 1)) {
        return Err(Error::refused(format!(
            "wave {wave} needs a completed draw of wave {}",
            wave - 1
        )));
    }
    if wave == 1 && counts.is_some() {
        return Err(Error::refused("top-up counts are for waves 2 and later"));
    }
    if wave > 1 && counts.is_none() {
        return Err(Error::refused(
            "a top-up wave needs --counts FILE with the invitations per stratum",
        ));
    }
    let drawn_waves = latest_draws(&j);
    if drawn_waves.contains_key(&(wave as u64)) && !force {
        return Err(Error::refused(format!(
            "wave {wave} has been drawn already; a new commitment for it needs --force"
        )));
    }
    let loaded = load_plan(process, &paths, &j, wave, counts, rejects.is_some())?;
    let commitment_file = paths.commitment(wave);
    fsio::check_new(&commitment_file, force)?;
    let mut body = commitment_body(process, &loaded.reg, &loaded.plan, seed_source);
    let commitment = commitment_digest(&body);
    body["commitment"] = json!(commitment);
    let mut rejects_file = None;
    if let Some(rp) = rejects {
        let h = write_rejects(&loaded.reg, rp, force)?;
        body["rejects_sha256"] = json!(h);
        rejects_file = Some(rp.to_path_buf());
    }
    j.append("commit", body)?;
    let entry = j.entries.last().cloned().unwrap_or_default();
    fsio::write_atomic(
        &commitment_file,
        format!(
            "{}\n",
            serde_json::to_string_pretty(&entry).unwrap_or_default()
        )
        .as_bytes(),
        Privacy::Public,
        force,
    )?;
    Ok(CommitReport {
        commitment,
        loaded,
        commitment_file,
        rejects_file,
    })
}

/// The latest commitment of a wave (or of the latest wave).
pub fn find_commit(j: &Journal, wave: Option<u32>) -> Result<Map<String, Value>> {
    j.of_step("commit")
        .filter(|e| wave.is_none_or(|w| u64_of(e, "wave") == w as u64))
        .last()
        .cloned()
        .ok_or_else(|| {
            Error::refused(
                "there is no commitment to draw from; run `sortes commit` first, before the seed is known",
            )
        })
}

/// Compares a recomputed commitment with the recorded one; names the first difference.
pub fn compare_commitment(recorded: &Map<String, Value>, now: &Value) -> Option<String> {
    for k in COMMITTED {
        if recorded.get(k) != now.get(k) {
            let what = match k {
                "process_sha256" => "the process file changed",
                "extract_sha256" => "the register extract changed",
                "eligible" | "eligible_sha256" | "excluded" => {
                    "the set of eligible residents changed"
                }
                "strata" => "the strata or their allocation changed",
                _ => "a draw parameter changed",
            };
            return Some(format!("{what} since the commitment ({k} differs)"));
        }
    }
    None
}

pub struct DrawReport {
    pub wave: u32,
    pub loaded: Loaded,
    pub drawn: Drawn,
    pub invitees: PathBuf,
    pub summary: PathBuf,
    pub drawn_sha256: String,
    pub seed: Seed,
}

pub fn draw(
    process: &Process,
    seed: &Seed,
    wave: Option<u32>,
    redraw_reason: Option<&str>,
    rejects: bool,
    force: bool,
) -> Result<DrawReport> {
    let paths = Paths::of(process);
    let mut j = Journal::open(&paths.journal)?;
    let commit = find_commit(&j, wave)?;
    let commitment = str_of(&commit, "commitment").to_string();
    let wave = u64_of(&commit, "wave") as u32;
    let earlier_draw = j
        .of_step("draw")
        .any(|e| str_of(e, "commitment") == commitment);
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
    let counts = topup_counts(&commit);
    let loaded = load_plan(process, &paths, &j, wave, counts.as_ref(), rejects)?;
    let now = commitment_body(process, &loaded.reg, &loaded.plan, "");
    if let Some(diff) = compare_commitment(&commit, &now) {
        return Err(Error::refused(format!(
            "the draw does not match commitment {}: {diff}. Commit again before the seed is known.",
            commitment.get(..12).unwrap_or(&commitment)
        )));
    }
    if commitment_digest(&now) != commitment {
        return Err(Error::refused(
            "the commitment entry's digest does not match its content; the journal was changed",
        ));
    }
    let drawn = super::execute(&loaded.plan, &loaded.reg, seed, &commitment);
    let key = CodeKey::load_or_create(&paths.code_key())?;
    let codes = super::assign_codes(process, &loaded.reg, &drawn, &key, &loaded.earlier_codes);
    let inv_bytes = super::invitees_csv(process, &loaded.reg, &loaded.plan, &drawn, &codes)?;
    let sum_bytes = super::summary_csv(&loaded.plan, &drawn);
    let inv_path = paths.invitees(wave);
    let sum_path = paths.summary(wave);
    fsio::check_new(&inv_path, force)?;
    fsio::check_new(&sum_path, force)?;
    let inv_hash = fsio::write_atomic(&inv_path, &inv_bytes, Privacy::Personal, force)?;
    let sum_hash = fsio::write_atomic(&sum_path, &sum_bytes, Privacy::Public, force)?;
    let drawn_sha256 = super::drawn_digest(&loaded.reg, &drawn);
    let shortfall: Vec<Value> = loaded
        .plan
        .strata
        .iter()
        .zip(&drawn.per_stratum)
        .filter(|(s, d)| (d.len() as u64) < s.allocated)
        .map(|(s, d)| json!({"stratum": s.label, "allocated": s.allocated, "drawn": d.len()}))
        .collect();
    let mut body = json!({
        "wave": wave,
        "commitment": commitment,
        "seed": seed.canonical(),
        "key_label": super::LABEL,
        "drawn": drawn.total(),
        "drawn_sha256": drawn_sha256,
        "words_used": drawn.words_used,
        "code_key_sha256": key.fingerprint(),
        "outputs": {"invitees": paths.rel(&inv_path), "summary": paths.rel(&sum_path)},
        "output_sha256": {"invitees": inv_hash, "summary": sum_hash},
        "shortfall": shortfall,
    });
    if let Some(r) = redraw_reason {
        body["redraw_reason"] = json!(r);
    }
    j.append("draw", body)?;
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
pub fn topup_counts(commit: &Map<String, Value>) -> Option<BTreeMap<String, u64>> {
    if u64_of(commit, "wave") <= 1 {
        return None;
    }
    let strata = commit.get("strata")?.as_array()?;
    Some(
        strata
            .iter()
            .filter_map(|s| {
                let n = s.get("allocated")?.as_u64()?;
                let label = s.get("stratum")?.as_str()?.to_string();
                (n > 0).then_some((label, n))
            })
            .collect(),
    )
}

/// Reads a top-up counts file: CSV `stratum,count`.
pub fn read_counts(path: &Path) -> Result<BTreeMap<String, u64>> {
    use crate::error::Location;
    let mut r = csv::Reader::from_path(path)
        .map_err(|e| Error::refused(format!("{}: {e}", path.display())))?;
    let mut m = BTreeMap::new();
    for (i, rec) in r.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| Error::input(Location::line(path, line), e.to_string()))?;
        let s = rec.get(0).unwrap_or("").trim().to_string();
        let n = rec.get(1).unwrap_or("").trim();
        let n: u64 = n.parse().map_err(|_| {
            Error::input(
                Location::at(path, line, "count"),
                format!("count {n:?} is not a whole number"),
            )
        })?;
        if m.insert(s.clone(), n).is_some() {
            return Err(Error::input(
                Location::at(path, line, "stratum"),
                format!("the stratum {s:?} is listed twice"),
            ));
        }
    }
    Ok(m)
}

//! Intake as a journaled step of a process: invitees of every drawn wave (checked
//! against the journal), the applications file, and the four outputs.

use super::{IntakeResult, Invitee};
use crate::draw::run::{self, Paths};
use crate::error::{Error, Result};
use crate::fsio::{self, Privacy};
use crate::journal::Journal;
use crate::process::Process;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub struct IntakeReport {
    pub result: IntakeResult,
    pub invitees: usize,
    pub pool: PathBuf,
    pub summary: PathBuf,
    pub mapping: PathBuf,
    pub rejects: PathBuf,
}

pub fn load_invitees(process: &Process) -> Result<(Paths, Journal, Vec<Invitee>, Vec<PathBuf>)> {
    let paths = Paths::of(process);
    let j = Journal::open(&paths.journal)?;
    let files = run::invitee_files(&paths, &j, None)?;
    if files.is_empty() {
        return Err(Error::refused(
            "no draw in the journal: applications can only be linked to drawn invitees",
        ));
    }
    let inv = super::read_invitees(&files)?;
    Ok((paths, j, inv, files))
}

pub fn intake(process: &Process, applications: &Path, force: bool) -> Result<IntakeReport> {
    let cfg = process.file.intake.as_ref().ok_or_else(|| {
        Error::refused("the process file has no [intake] table (see examples/dortmund/forum.toml)")
    })?;
    cfg.check()?;
    let (paths, mut j, invitees, files) = load_invitees(process)?;
    let result = super::intake(cfg, &invitees, applications)?;
    let pool = paths.public.join("pool.csv");
    let summary = paths.public.join("intake-summary.csv");
    let mapping = paths.private.join("pool-mapping.csv");
    let rejects = paths.private.join("intake-rejects.csv");
    for p in [&pool, &summary, &mapping, &rejects] {
        fsio::check_new(p, force)?;
    }
    let h_pool = fsio::write_atomic(
        &pool,
        &super::pool_csv(&result, cfg),
        Privacy::Public,
        force,
    )?;
    let h_sum = fsio::write_atomic(
        &summary,
        &super::summary_csv(&result),
        Privacy::Public,
        force,
    )?;
    let h_map = fsio::write_atomic(
        &mapping,
        &super::mapping_csv(&result, &invitees),
        Privacy::Personal,
        force,
    )?;
    let h_rej = fsio::write_atomic(
        &rejects,
        &super::rejects_csv(&result),
        Privacy::Personal,
        force,
    )?;
    let by_reason: serde_json::Map<String, Value> = result
        .summary
        .rejected
        .iter()
        .map(|(k, n)| (k.clone(), json!(n)))
        .collect();
    let inv_hashes: Vec<Value> = files
        .iter()
        .map(|f| fsio::sha256_file(f).map(|h| json!({"file": paths.rel(f), "sha256": h})))
        .collect::<Result<_>>()?;
    j.append(
        "intake",
        json!({
            "process_sha256": process.sha256,
            "applications_sha256": fsio::sha256_file(applications)?,
            "invitee_files": inv_hashes,
            "rows_in": result.rows_in,
            "pool": result.pool.len(),
            "rejected": result.rejects.len(),
            "rejected_by_reason": by_reason,
            "outputs": {
                "pool": paths.rel(&pool), "summary": paths.rel(&summary),
                "mapping": paths.rel(&mapping), "rejects": paths.rel(&rejects),
            },
            "output_sha256": {"pool": h_pool, "summary": h_sum, "mapping": h_map, "rejects": h_rej},
        }),
    )?;
    Ok(IntakeReport {
        invitees: invitees.len(),
        result,
        pool,
        summary,
        mapping,
        rejects,
    })
}

/// Writes synthetic applications of the drawn invitees (for trying the tool out and
/// for the demo; never for a real process). Returns (rows, invitees).
pub fn write_synthetic_applications(
    process: &Process,
    out: &Path,
    seed: u64,
    force: bool,
) -> Result<(usize, usize)> {
    let cfg = process
        .file
        .intake
        .as_ref()
        .ok_or_else(|| Error::refused("the process file has no [intake] table"))?;
    let (_, _, invitees, _) = load_invitees(process)?;
    let bytes = super::synth_applications(&invitees, cfg, seed);
    fsio::write_atomic(out, &bytes, Privacy::Personal, force)?;
    let rows = bytes
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        .saturating_sub(1);
    Ok((rows, invitees.len()))
}

//! Intake as a journaled step of a process: the invitees of every drawn wave (read
//! through the run handle, so checked against the journal), the applications file,
//! and the four outputs.

use super::{IntakeResult, Invitee};
use crate::base::error::{Error, Result};
use crate::base::fsio::{self, Privacy, Sha256};
use crate::base::journal::{Body, FileHash, Intake, Step};
use crate::base::process::Process;
use crate::base::run::Run;
use std::path::{Path, PathBuf};

pub struct IntakeReport {
    pub result: IntakeResult,
    pub invitees: usize,
    pub pool: PathBuf,
    pub summary: PathBuf,
    pub mapping: PathBuf,
    pub rejects: PathBuf,
}

/// The invitees of every drawn wave, read through `run`, and the files they came
/// from (path relative to the output folder, SHA-256).
pub fn load_invitees(run: &Run) -> Result<(Vec<Invitee>, Vec<FileHash>)> {
    let files = crate::draw::step::invitee_files(run, None)?;
    if files.is_empty() {
        return Err(Error::refused(
            "no draw in the journal: applications can only be linked to drawn invitees",
        ));
    }
    let mut invitees = Vec::new();
    let mut hashes = Vec::new();
    for (r, bytes) in files {
        invitees.extend(crate::draw::invitees::parse(&run.path_of(&r), &bytes)?);
        hashes.push(FileHash {
            file: r.path.clone(),
            sha256: r.sha256.clone(),
        });
    }
    super::check_unique(&invitees)?;
    Ok((invitees, hashes))
}

pub fn intake(process: &Process, applications: &Path, force: bool) -> Result<IntakeReport> {
    let cfg = process.file.intake.as_ref().ok_or_else(|| {
        Error::refused("the process file has no [intake] table (see examples/dortmund/forum.toml)")
    })?;
    cfg.check()?;
    let mut run = Run::begin(process.layout(), Step::Intake)?;
    let l = run.layout().clone();
    let (pool, summary, mapping, rejects) = (
        l.pool(),
        l.intake_summary(),
        l.pool_mapping(),
        l.intake_rejects(),
    );
    for p in [&pool, &summary, &mapping, &rejects] {
        fsio::check_new(p, force)?;
    }
    let (invitees, invitee_files) = load_invitees(&run)?;
    let app_bytes = fsio::read_input(applications, "the applications file was not found")?;
    let result = super::intake_bytes(cfg, &invitees, applications, &app_bytes)?;
    let files = [
        // One row per applicant with attributes: re-identifying, so confidential.
        ("pool", &pool, super::pool_csv(&result)?, Privacy::Personal),
        (
            "summary",
            &summary,
            super::summary_csv(&result)?,
            Privacy::Public,
        ),
        (
            "mapping",
            &mapping,
            super::mapping_csv(&result, &invitees)?,
            Privacy::Personal,
        ),
        (
            "rejects",
            &rejects,
            super::rejects_csv(&result)?,
            Privacy::Personal,
        ),
    ];
    let mut outputs = std::collections::BTreeMap::new();
    let mut output_sha256 = std::collections::BTreeMap::new();
    for (name, path, bytes, privacy) in &files {
        let h = fsio::write_atomic(path, bytes, *privacy, force)?;
        outputs.insert(name.to_string(), l.rel(path));
        output_sha256.insert(name.to_string(), h);
    }
    run.append(Body::Intake(Intake {
        process_sha256: process.sha256.clone(),
        applications_sha256: Sha256::of(&app_bytes),
        invitee_files,
        rows_in: result.rows_in as u64,
        pool: result.pool.len() as u64,
        rejected: result.rejects.len() as u64,
        rejected_by_reason: result
            .summary
            .rejected
            .iter()
            .map(|(k, n)| (k.clone(), *n as u64))
            .collect(),
        outputs,
        output_sha256,
    }))?;
    Ok(IntakeReport {
        invitees: invitees.len(),
        result,
        pool,
        summary,
        mapping,
        rejects,
    })
}

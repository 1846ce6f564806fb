//! `sortes retention`: deletes the personal data of a process after its retention
//! period — every file of `out/private/` (invitees, code key, pool mapping, rejects,
//! letters) and, with `--register`, the register extract — and journals what was
//! deleted with each file's SHA-256. `verify` then reports these files as deleted
//! (skipped, with the date) instead of missing (a failure).
//!
//! Every file is checked before anything is deleted: a recorded file must still be
//! the recorded bytes, the code key the one the draws used, the register the one the
//! commitments recorded; a file in `out/private/` that no entry accounts for is not
//! deleted blindly (the step refuses and names it). Deleting is `remove_file`: the
//! storage's own erasure rules (backups, copies) are the office's to apply.

use crate::base::error::{Error, Location, Result};
use crate::base::fsio::Sha256;
use crate::base::journal::{Body, Commit, Draw, FileHash, Retention, Step};
use crate::base::process::Process;
use crate::base::run::Run;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `retention` is asked to do.
pub struct Args<'a> {
    /// The day of the deletion (default today), `YYYY-MM-DD`.
    pub date: Option<&'a str>,
    /// Why (journaled), e.g. "retention period of the Bürgerforum ended".
    pub reason: &'a str,
    /// Delete the register extract too.
    pub register: bool,
    /// Delete before the deletion date the letters announce.
    pub force: bool,
}

pub struct Report {
    pub deleted: Vec<PathBuf>,
    pub register: bool,
    pub code_key: bool,
    pub date: String,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

pub fn delete(process: &Process, a: &Args<'_>) -> Result<Report> {
    if a.reason.trim().is_empty() {
        return Err(Error::refused("say why the data is deleted (--reason)"));
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let date = a.date.map_or(today, str::to_string);
    chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .map_err(|_| Error::refused(format!("--date {date:?} is not a date like 2028-01-31")))?;
    if let Some(due) = process
        .file
        .letters
        .as_ref()
        .map(|l| &l.privacy.deletion_date)
        && date < *due
        && !a.force
    {
        return Err(Error::refused(format!(
            "the letters announce the deletion for {due}; deleting on {date} needs --force"
        )));
    }
    let mut run = Run::begin(process.layout(), Step::Retention)?;
    let l = run.layout().clone();
    let j = run.journal();
    // What may be in out/private: the latest recorded outputs (checked), the code key
    // the draws used, the rejects of a commit (by hash), letters' single-file folders.
    let mut recorded = BTreeMap::new();
    let mut single_dirs = Vec::new();
    for e in j.entries() {
        for r in e.outputs() {
            recorded.insert(run.path_of(&r), r);
        }
        if let Body::Letters(b) = &e.body
            && b.single_files > 0
            && let Some(pdf) = b.outputs.get("pdf")
        {
            single_dirs.push(l.path(pdf.trim_end_matches(".pdf")));
        }
    }
    let rejects: Vec<Sha256> = j
        .all::<Commit>()
        .filter_map(|(_, c)| c.rejects_sha256.clone())
        .collect();
    let key_hashes: Vec<Sha256> = j
        .all::<Draw>()
        .map(|(_, d)| d.code_key_sha256.clone())
        .collect();
    let mut files = Vec::new();
    walk(&l.private, &mut files)?;
    let mut deleted = Vec::new();
    let mut code_key = None;
    for f in &files {
        let bytes = crate::base::fsio::read(f)?;
        let h = Sha256::of(&bytes);
        if let Some(r) = recorded.get(f) {
            run.read(r)?;
        } else if *f == l.code_key() {
            let key = crate::draw::codes::CodeKey::load(f)?;
            if !key_hashes.contains(&key.fingerprint()) {
                return Err(Error::changed(
                    Location::file(f),
                    "this code key is not the one the draws used; it is not deleted",
                ));
            }
            code_key = Some(key.fingerprint());
            continue;
        } else if !single_dirs.iter().any(|d| f.starts_with(d)) && !rejects.contains(&h) {
            return Err(Error::refused(format!(
                "{} is in the private folder, but no journal entry accounts for it; move it away or delete it yourself, then run the retention again (nothing was deleted)",
                f.display()
            )));
        }
        deleted.push(FileHash {
            file: l.rel(f),
            sha256: h,
        });
    }
    let reg_path = process.register_path();
    let mut register_sha256 = None;
    if a.register && reg_path.exists() {
        let h = crate::base::fsio::sha256_file(&reg_path)?;
        if !j.all::<Commit>().any(|(_, c)| c.register_file_sha256 == h) {
            return Err(Error::changed(
                Location::file(&reg_path),
                "this register extract is not the one the commitments recorded; it is not deleted",
            ));
        }
        register_sha256 = Some(h);
    }
    if deleted.is_empty() && code_key.is_none() && register_sha256.is_none() {
        return Err(Error::refused(
            "there is no personal data left to delete (out/private is empty)",
        ));
    }
    for f in &files {
        std::fs::remove_file(f).map_err(|e| Error::io(f, e))?;
    }
    if register_sha256.is_some() {
        std::fs::remove_file(&reg_path).map_err(|e| Error::io(&reg_path, e))?;
    }
    // Empty folders left behind (letters/, single-file folders).
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    dirs.dedup();
    for d in dirs {
        if d != l.private {
            let _ = std::fs::remove_dir(&d);
        }
    }
    let report = Report {
        deleted: files,
        register: register_sha256.is_some(),
        code_key: code_key.is_some(),
        date: date.clone(),
    };
    run.append(Body::Retention(Retention {
        date,
        reason: a.reason.trim().to_string(),
        deleted,
        code_key_sha256: code_key,
        register_sha256,
    }))?;
    Ok(report)
}

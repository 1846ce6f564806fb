//! The audit bundle: everything an external auditor needs and nothing personal.
//!
//! Layout (all files public):
//! ```text
//! bundle.json                 manifest: format, spec version, paths, SHA-256 of every file
//! <process file>              verbatim (its hash is in the journal)
//! quotas/<quota file>         the quota file the selection used
//! out/journal.jsonl           the hash-chained journal
//! out/public/…                the public outputs the journal records (summaries,
//!                             distribution, lottery, panel ids, report) and the
//!                             published commitments
//! out/audit/…                 only in a confidential bundle: the pool with attributes
//! draw-spec.md                the specification the steps follow
//! sortes_verify.py            the independent Python verifier (standard library only)
//! ```
//! Every output is read through the run handle (so checked against the journal)
//! before it is copied. The register extract, the invitees, the code key, the
//! applications and the pool mapping are never copied: they hold personal data, and
//! only files under `out/public/` are.

use crate::base::error::{Error, Result};
use crate::base::fsio::{self, Sha256};
use crate::base::journal::Commit;
use crate::base::process::Process;
use crate::base::run::{BUNDLE_FORMAT, Head, MANIFEST, Manifest, Run};
use crate::lottery::step::Setup;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SPEC_TEXT: &str = include_str!("../docs/draw-spec.md");
const VERIFIER: &str = include_str!("../docs/verifier/sortes_verify.py");

pub struct Written {
    pub dir: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

/// The files of the process a bundle holds, each checked: the latest recorded output
/// of every public path (and, for a confidential bundle, of every path in `audit/`),
/// and the published commitment of every committed wave.
fn bundled_files(run: &Run, confidential: bool) -> Result<Vec<(String, Vec<u8>)>> {
    let mut latest = BTreeMap::new();
    for e in run.journal().entries() {
        let mut recorded = e.outputs();
        // A pool prepared outside the intake, recorded by the selection that read it.
        if let crate::base::journal::Body::Select(s) = &e.body {
            recorded.push(e.input("pool", &s.pool_file, &s.pool_sha256));
        }
        for r in recorded {
            let p = run.path_of(&r);
            if p.starts_with(&run.layout().public)
                || (confidential && p.starts_with(&run.layout().audit))
            {
                latest.insert(r.path.clone(), r);
            }
        }
    }
    let mut files = Vec::new();
    for (rel, r) in latest {
        files.push((format!("out/{rel}"), run.read(&r)?));
    }
    let waves: std::collections::BTreeSet<u32> =
        run.journal().all::<Commit>().map(|(_, c)| c.wave).collect();
    for w in waves {
        let p = run.layout().commitment(w);
        files.push((
            format!("out/{}", run.layout().rel(&p)),
            fsio::read_input(&p, "the published commitment file is missing")?,
        ));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// Writes the bundle for `process` into `dest` (refused if it exists, unless `force`).
/// A public bundle holds nothing that re-identifies anyone; a `confidential` one adds
/// `out/audit/` (the pool with its attributes), for auditors under a confidentiality
/// agreement.
pub fn write(process: &Process, dest: &Path, confidential: bool, force: bool) -> Result<Written> {
    let setup = Setup::of(process)?;
    if dest.exists() && !force {
        return Err(Error::refused(format!(
            "{} exists; add --force to replace it",
            dest.display()
        )));
    }
    let run = Run::open(process.layout())?;
    if run.journal().is_empty() {
        return Err(Error::refused(format!(
            "there is no journal at {}: nothing to bundle yet",
            run.layout().journal.display()
        )));
    }
    let name_of = |p: &Path, default: &str| {
        p.file_name()
            .map_or_else(|| default.to_string(), |n| n.to_string_lossy().to_string())
    };
    let proc_name = name_of(&process.path, "process.toml");
    let quota_name = format!("quotas/{}", name_of(&setup.quota_path, "quotas.csv"));
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (proc_name.clone(), fsio::read(&process.path)?),
        (quota_name.clone(), fsio::read(&setup.quota_path)?),
        (
            "out/journal.jsonl".into(),
            fsio::read(&run.layout().journal)?,
        ),
        ("draw-spec.md".into(), SPEC_TEXT.as_bytes().to_vec()),
        ("sortes_verify.py".into(), VERIFIER.as_bytes().to_vec()),
    ];
    files.extend(bundled_files(&run, confidential)?);
    let manifest = Manifest {
        files: files
            .iter()
            .map(|(r, b)| (r.clone(), Sha256::of(b)))
            .collect(),
        format: BUNDLE_FORMAT.into(),
        level: if confidential {
            "confidential"
        } else {
            "public"
        }
        .into(),
        journal_head: run
            .journal()
            .entries()
            .last()
            .map(|e| Head {
                seq: e.seq,
                sha256: e.entry_hash.clone(),
            })
            .ok_or_else(|| Error::internal("the journal has no entry"))?,
        out_dir: "out".into(),
        process_file: proc_name,
        quota_file: quota_name,
        spec: crate::base::spec::SPEC_VERSION.into(),
        tool: format!("sortes {}", env!("CARGO_PKG_VERSION")),
    };
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::internal(format!("the bundle manifest: {e}")))?
        + "\n";
    files.push((MANIFEST.into(), text.into_bytes()));
    // Build next to the destination, then rename: no half bundle under the real name.
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fsio::create_dir(parent, fsio::Privacy::Public)?;
    let tmp = tempfile::Builder::new()
        .prefix(".sortes-bundle-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    let mut bytes = 0u64;
    for (rel, b) in &files {
        let p = tmp.path().join(rel);
        fsio::write_atomic(&p, b, fsio::Privacy::Public, false)?;
        bytes += b.len() as u64;
    }
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, dest).map_err(|e| Error::io(dest, e))?;
    Ok(Written {
        dir: dest.to_path_buf(),
        files: files.len(),
        bytes,
    })
}

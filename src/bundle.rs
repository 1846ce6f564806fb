//! The audit bundle: everything an external auditor needs and nothing personal.
//!
//! Layout (all files public):
//! ```text
//! bundle.json                 manifest: format, spec version, paths, SHA-256 of every file
//! <process file>              verbatim (its hash is in the journal)
//! quotas/<quota file>         the quota file the selection used
//! out/journal.jsonl           the hash-chained journal
//! out/public/**               pool (pseudonymous), summaries, distribution, lottery, panel
//! draw-spec.md                the specification the steps follow
//! sortes_verify.py            the independent Python verifier (standard library only)
//! ```
//! The register extract, the invitees, the code key, the applications and the pool
//! mapping are never copied: they hold personal data.

use crate::draw::run::Paths;
use crate::error::{Error, Result};
use crate::fsio;
use crate::lottery::step::Layout;
use crate::process::Process;
use crate::verify::Check;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "sortes-audit-bundle/1";
const SPEC_TEXT: &str = include_str!("../docs/draw-spec.md");
const VERIFIER: &str = include_str!("../docs/verifier/sortes_verify.py");

pub struct Written {
    pub dir: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

fn collect(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue; // temp files of interrupted writes
        }
        let p = e.path();
        let r = format!("{rel}/{name}");
        if p.is_dir() {
            collect(&p, &r, out)?;
        } else {
            out.push((r, p));
        }
    }
    Ok(())
}

/// Writes the bundle for `process` into `dest` (refused if it exists, unless `force`).
pub fn write(process: &Process, dest: &Path, force: bool) -> Result<Written> {
    let layout = Layout::of(process)?;
    let paths = Paths::of(process);
    if !paths.journal.exists() {
        return Err(Error::refused(format!(
            "there is no journal at {}: nothing to bundle yet",
            paths.journal.display()
        )));
    }
    if dest.exists() && !force {
        return Err(Error::refused(format!(
            "{} exists; add --force to replace it",
            dest.display()
        )));
    }
    let proc_name = process
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "process.toml".into());
    let quota_name = layout
        .quota_path
        .file_name()
        .map(|n| format!("quotas/{}", n.to_string_lossy()))
        .unwrap_or_else(|| "quotas/quotas.csv".into());
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (proc_name.clone(), fsio::read(&process.path)?),
        (quota_name.clone(), fsio::read(&layout.quota_path)?),
        ("out/journal.jsonl".into(), fsio::read(&paths.journal)?),
        ("draw-spec.md".into(), SPEC_TEXT.as_bytes().to_vec()),
        ("sortes_verify.py".into(), VERIFIER.as_bytes().to_vec()),
    ];
    let mut public = Vec::new();
    if paths.public.exists() {
        collect(&paths.public, "out/public", &mut public)?;
    }
    for (rel, p) in public {
        files.push((rel, fsio::read(&p)?));
    }
    let hashes: BTreeMap<String, String> = files
        .iter()
        .map(|(r, b)| (r.clone(), fsio::sha256_hex(b)))
        .collect();
    let manifest = json!({
        "format": FORMAT,
        "spec": crate::spec::SPEC_VERSION,
        "tool": format!("sortes {}", env!("CARGO_PKG_VERSION")),
        "process_file": proc_name,
        "quota_file": quota_name,
        "out_dir": "out",
        "files": hashes,
    });
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    files.push(("bundle.json".into(), text.into_bytes()));
    // Build next to the destination, then rename: no half bundle under the real name.
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
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

/// `sortes verify --bundle DIR`: the manifest, then every check that needs no
/// personal data.
pub fn verify(dir: &Path) -> Result<Vec<Check>> {
    let mpath = dir.join("bundle.json");
    let text = fsio::read_input(&mpath, "the bundle manifest")?;
    let m: Value = serde_json::from_slice(&text).map_err(|e| {
        Error::input(
            crate::error::Location::file(&mpath),
            format!("the manifest is not valid JSON: {e}"),
        )
    })?;
    let get = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    if get("format") != FORMAT {
        return Err(Error::input(
            crate::error::Location::file(&mpath),
            format!("this is not a {FORMAT} manifest"),
        ));
    }
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let listed = m
        .get("files")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (rel, h) in &listed {
        match fsio::sha256_file(&dir.join(rel)) {
            Ok(have) if Some(have.as_str()) == h.as_str() => {}
            Ok(_) => bad.push(format!("{rel} differs")),
            Err(_) => bad.push(format!("{rel} is missing")),
        }
    }
    out.push(Check::verdict(
        "bundle manifest",
        bad,
        format!(
            "{} files match bundle.json (spec {})",
            listed.len(),
            get("spec")
        ),
    ));
    let process = Process::load(&dir.join(get("process_file")))?;
    let paths = Paths::at(dir.join(get("out_dir")));
    let mut layout = Layout::of(&process)?;
    layout.paths = paths.clone();
    layout.quota_path = dir.join(get("quota_file"));
    out.extend(crate::verify::verify_at(&process, paths, Some(layout)));
    Ok(out)
}

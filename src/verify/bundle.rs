//! `sortes verify --bundle DIR`: the manifest (every file listed with its SHA-256,
//! no other file), then every check of [`super::verify_at`] that needs no personal
//! data, on the bundle's copies.

use super::Check;
use crate::base::error::{Error, Location, Result};
use crate::base::fsio::{self, Sha256};
use crate::base::process::Process;
use crate::base::run::{BUNDLE_FORMAT, Layout, MANIFEST, Manifest};
use crate::lottery::step::Setup;
use std::path::Path;

/// Reads and checks the manifest of the bundle in `dir`.
pub fn manifest(dir: &Path) -> Result<Manifest> {
    let mpath = dir.join(MANIFEST);
    let text = fsio::read_input(&mpath, "the bundle has no manifest (bundle.json)")?;
    let m: Manifest = serde_json::from_slice(&text).map_err(|e| {
        Error::input(
            Location::file(&mpath),
            format!("the manifest is not a sortes bundle manifest: {e}"),
        )
    })?;
    if m.format != BUNDLE_FORMAT {
        return Err(Error::input(
            Location::file(&mpath),
            format!("this is not a {BUNDLE_FORMAT} manifest"),
        ));
    }
    Ok(m)
}

pub fn verify(dir: &Path, opts: &super::Options) -> Result<Vec<Check>> {
    let m = manifest(dir)?;
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (rel, h) in &m.files {
        match std::fs::read(dir.join(rel)) {
            Ok(b) if Sha256::of(&b) == *h => {}
            Ok(_) => bad.push(format!("{rel} differs from its SHA-256 in {MANIFEST}")),
            Err(_) => bad.push(format!("{rel}, listed in {MANIFEST}, is missing")),
        }
    }
    // Every file of the bundle is listed (a stray copy of personal data is not).
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    for rel in files {
        if rel != MANIFEST && !m.files.contains_key(&rel) {
            bad.push(format!(
                "{rel} is in the bundle but not in its manifest {MANIFEST}"
            ));
        }
    }
    if m.spec != crate::base::spec::SPEC_VERSION {
        bad.push(format!(
            "{MANIFEST} names the spec {:?}; this verifier checks {}",
            m.spec,
            crate::base::spec::SPEC_VERSION
        ));
    }
    let layout = Layout::at(dir.join(&m.out_dir));
    let confidential = match m.level.as_str() {
        "public" => false,
        "confidential" => true,
        other => {
            return Err(Error::input(
                Location::file(&dir.join(MANIFEST)),
                format!("the bundle's level {other:?} is neither public nor confidential"),
            ));
        }
    };
    // A public bundle holds nothing of the confidential level: a pool in it (listed
    // or not) would be published with it.
    let audit = layout.audit.strip_prefix(dir).unwrap_or(&layout.audit);
    let audit = format!("{}/", audit.to_string_lossy().replace('\\', "/"));
    if !confidential {
        for rel in m.files.keys().filter(|r| r.starts_with(&audit)) {
            bad.push(format!(
                "{rel} is confidential, but {MANIFEST} says the bundle is public"
            ));
        }
    } else if let Ok(j) = crate::base::journal::Journal::open(&layout.journal) {
        // What the journal records at the confidential level must then be there.
        let out_dir = format!("{}/", m.out_dir.trim_end_matches('/'));
        let recorded: std::collections::BTreeSet<String> = j
            .entries()
            .iter()
            .flat_map(|e| e.outputs())
            .map(|r| format!("{out_dir}{}", r.path))
            .collect();
        for rel in recorded {
            if rel.starts_with(&audit) && !m.files.contains_key(&rel) {
                bad.push(format!(
                    "{MANIFEST} says the bundle is confidential, but it does not list {rel}, which the journal records"
                ));
            }
        }
    }
    out.push(Check::verdict(
        "bundle manifest",
        bad,
        format!(
            "{} files match bundle.json (spec {})",
            m.files.len(),
            m.spec
        ),
    ));
    let process = Process::load(&dir.join(&m.process_file))?;
    let mut setup = Setup::of(&process)?;
    setup.layout = layout.clone();
    setup.quota_path = dir.join(&m.quota_file);
    let checks = super::verify_at(
        &process,
        Some(setup),
        layout.clone(),
        opts,
        super::Scope::Bundle { confidential },
    );
    out.extend(checks);
    // The head the bundle was made at is the journal's last entry.
    if let Ok(j) = crate::base::journal::Journal::open(&layout.journal) {
        let last = j.entries().last().map(|e| (e.seq, e.entry_hash.clone()));
        if last == Some((m.journal_head.seq, m.journal_head.sha256.clone())) {
            out.push(Check::pass(
                "bundle journal head",
                format!(
                    "the bundle was made at entry {}, the journal's last",
                    m.journal_head.seq
                ),
            ));
        } else {
            out.push(Check::fail(
                "bundle journal head",
                format!(
                    "bundle.json names the head entry {} ({}), but the journal ends elsewhere",
                    m.journal_head.seq,
                    m.journal_head.sha256.short()
                ),
            ));
        }
    }
    Ok(out)
}

/// Paths (relative to `root`, `/`-separated) of every file below `dir`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

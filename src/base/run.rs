//! The run handle: a process folder's outputs and its journal, through which every
//! step reads what an earlier step wrote. [`Run::read`] opens a recorded file only
//! after checking its SHA-256 against the journal and refuses, naming the step and
//! the file, when it differs; a step that will append takes the folder's lock first
//! ([`Run::begin`]), so the journal it read is the journal it appends to.
//!
//! [`Layout`] is the one place that names the output files.

use super::error::{Error, Location, Result};
use super::journal::{Body, Entry, Journal, Lock, Recorded, Sha256, Step};
use std::path::{Path, PathBuf};

/// Where a process keeps its outputs: `out/journal.jsonl`; `out/public/` (what anyone
/// may see: aggregates and pseudonymous ids without attributes); `out/audit/`
/// (confidential: pseudonymous rows with attributes, which re-identify people, for
/// auditors under a confidentiality agreement; mode 0600/0700); `out/private/`
/// (personal data, the office only; mode 0600/0700).
#[derive(Clone, Debug)]
pub struct Layout {
    pub out: PathBuf,
    pub journal: PathBuf,
    pub public: PathBuf,
    pub audit: PathBuf,
    pub private: PathBuf,
}

impl Layout {
    /// The layout under an output folder `out`.
    pub fn at(out: PathBuf) -> Layout {
        Layout {
            journal: out.join("journal.jsonl"),
            public: out.join("public"),
            audit: out.join("audit"),
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
    pub fn draw_summary(&self, wave: u32) -> PathBuf {
        self.public.join(format!("draw-summary-wave{wave}.csv"))
    }
    pub fn commitment(&self, wave: u32) -> PathBuf {
        self.public.join(format!("commitment-wave{wave}.json"))
    }
    /// The pool with its attributes: confidential (one row per applicant).
    pub fn pool(&self) -> PathBuf {
        self.audit.join("pool.csv")
    }
    pub fn intake_summary(&self) -> PathBuf {
        self.public.join("intake-summary.csv")
    }
    pub fn pool_mapping(&self) -> PathBuf {
        self.private.join("pool-mapping.csv")
    }
    pub fn intake_rejects(&self) -> PathBuf {
        self.private.join("intake-rejects.csv")
    }
    pub fn selection(&self) -> PathBuf {
        self.public.join("selection")
    }
    pub fn lottery(&self) -> PathBuf {
        self.public.join("lottery")
    }
    pub fn letters(&self) -> PathBuf {
        self.private.join("letters")
    }
    /// `p` relative to the output folder, if it lies inside it (`./out/x` and `out/x`
    /// are the same place).
    pub fn inside(&self, p: &Path) -> Option<PathBuf> {
        let abs = |x: &Path| std::path::absolute(x).unwrap_or_else(|_| x.to_path_buf());
        abs(p)
            .strip_prefix(abs(&self.out))
            .ok()
            .map(Path::to_path_buf)
    }
    /// A path relative to the output folder, as the journal records it (a path outside
    /// the folder stays as it is; the journal refuses to record it).
    pub fn rel(&self, p: &Path) -> String {
        self.inside(p)
            .unwrap_or_else(|| p.to_path_buf())
            .to_string_lossy()
            .replace('\\', "/")
    }
    /// The path of a file the journal records relative to the output folder.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.out.join(rel)
    }
}

/// A process folder opened for reading, or for one step that will append.
#[derive(Debug)]
pub struct Run {
    layout: Layout,
    journal: Journal,
    lock: Option<Lock>,
}

impl Run {
    /// Opens the journal for reading (verify, the report's data): chain and schema checked.
    pub fn open(layout: Layout) -> Result<Run> {
        let journal = Journal::open(&layout.journal)?;
        Ok(Run {
            layout,
            journal,
            lock: None,
        })
    }

    /// Opens the folder for `step`: takes the lock (refused while another sortes
    /// process works on the folder), then opens and checks the journal.
    pub fn begin(layout: Layout, step: Step) -> Result<Run> {
        let lock = Lock::take(&layout.out, step)?;
        // With the lock held no other step writes: a temporary file is a leftover of
        // an interrupted write (it may be a whole copy of a personal file).
        let left = remove_leftovers(&layout.out)?;
        if !left.is_empty() {
            eprintln!(
                "note: removed {} temporary file(s) left by an interrupted write: {}",
                left.len(),
                left.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let journal = Journal::open(&layout.journal)?;
        Ok(Run {
            layout,
            journal,
            lock: Some(lock),
        })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Where a recorded file is.
    pub fn path_of(&self, r: &Recorded) -> PathBuf {
        self.layout.path(&r.path)
    }

    /// The bytes of a recorded file, after checking them against the journal.
    pub fn read(&self, r: &Recorded) -> Result<Vec<u8>> {
        let path = self.path_of(r);
        check_recorded(&path, r)
    }

    /// The output `name` of `entry`: where it is and its bytes, checked.
    pub fn output(&self, entry: &Entry, name: &str) -> Result<(PathBuf, Vec<u8>)> {
        let r = entry.output(name)?;
        let bytes = self.read(&r)?;
        Ok((self.path_of(&r), bytes))
    }

    /// The bytes of an input that lives outside the output folder (the quota file),
    /// after checking them against the SHA-256 `entry` recorded for it.
    pub fn read_input(
        &self,
        path: &Path,
        what: &str,
        want: &Sha256,
        entry: &Entry,
    ) -> Result<Vec<u8>> {
        let r = entry.input(what, &path.to_string_lossy(), want);
        check_recorded(path, &r)
    }

    /// Appends the step's entry (only for a run opened with [`Run::begin`]).
    pub fn append(&mut self, body: Body) -> Result<&Entry> {
        let lock = self.lock.as_ref().ok_or_else(|| {
            Error::internal("a journal entry was to be written without the folder's lock")
        })?;
        self.journal.append(lock, body)
    }
}

/// Removes the temporary files of interrupted atomic writes below `dir`; returns them.
fn remove_leftovers(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(remove_leftovers(&p)?);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(super::fsio::TEMP_PREFIX))
        {
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
            out.push(p);
        }
    }
    Ok(out)
}

/// Reads `path` and checks it is the file `r` records.
fn check_recorded(path: &Path, r: &Recorded) -> Result<Vec<u8>> {
    let who = match r.wave {
        Some(w) => format!("the {} step of wave {w} (journal entry {})", r.step, r.seq),
        None => format!("the {} step (journal entry {})", r.step, r.seq),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::changed(
                Location::file(path),
                format!(
                    "this {} file, recorded by {who}, is missing; nothing was written",
                    r.name
                ),
            ));
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    let have = Sha256::of(&bytes);
    if have != r.sha256 {
        return Err(Error::changed(
            Location::file(path),
            format!(
                "this {} file has changed since {who} recorded it (SHA-256 {}, recorded {}); it is not used and nothing was written",
                r.name, have, r.sha256
            ),
        ));
    }
    Ok(bytes)
}

/// The manifest of an audit bundle (`bundle.json`): what `sortes audit-bundle` wrote
/// and `sortes verify --bundle` reads. Fields in alphabetical order (the file is
/// written with them in this order).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Path in the bundle → SHA-256 of every file but the manifest.
    pub files: std::collections::BTreeMap<String, Sha256>,
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// The journal head the bundle was made at: its last entry.
    pub journal_head: Head,
    /// `public` (nothing re-identifying) or `confidential` (with `out/audit/`, for
    /// auditors under a confidentiality agreement).
    pub level: String,
    /// The output folder's path in the bundle (`out`).
    pub out_dir: String,
    /// The process file's path in the bundle.
    pub process_file: String,
    /// The quota file's path in the bundle.
    pub quota_file: String,
    /// The draw spec version of the tool that wrote the bundle.
    pub spec: String,
    pub tool: String,
}

/// A journal head: the last entry's number and hash, to publish and compare.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    pub seq: u64,
    pub sha256: Sha256,
}

/// Format of the audit bundle's manifest.
pub const BUNDLE_FORMAT: &str = "sortes-audit-bundle/1";

/// The manifest's file name in a bundle.
pub const MANIFEST: &str = "bundle.json";

//! Letters as steps on the process's files: invitations from the drawn invitees,
//! and selected / reserve / thank-you letters after the public lottery. Every batch
//! is rendered in memory first, then written atomically (mode 0600: the letters
//! carry names and addresses), and journaled by its hashes and counts only.

use super::{Batch, Kind, LetterError, LettersConfig, Recipient, Resources, render_with};
use crate::draw::run::Paths;
use crate::error::{Error, Location, Result};
use crate::fsio::{self, Privacy};
use crate::journal::Journal;
use crate::process::Process;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

impl From<LetterError> for Error {
    fn from(e: LetterError) -> Error {
        Error::refused(format!("letters: {e}"))
    }
}

/// The `[letters]` table with paths resolved and forum figures filled in from the
/// rest of the process file.
pub fn config(process: &Process) -> Result<LettersConfig> {
    let mut cfg = process.file.letters.clone().ok_or_else(|| {
        Error::refused(format!(
            "{} has no [letters] table (sender, signatory, dates …): see docs/formats.md",
            process.path.display()
        ))
    })?;
    cfg.templates = process.resolve(&cfg.templates);
    if cfg.forum.seats.is_none() {
        cfg.forum.seats = process.file.selection.as_ref().map(|s| s.k as u32);
    }
    if cfg.forum.invitations.is_none() {
        cfg.forum.invitations = Some(process.file.draw.invitations as u32);
    }
    if cfg.forum.min_age.is_none() {
        cfg.forum.min_age = Some(process.file.eligibility.min_age);
    }
    Ok(cfg)
}

/// Rows of a CSV file as column → value maps (personal data: never printed).
fn rows(path: &Path, what: &str) -> Result<Vec<BTreeMap<String, String>>> {
    let bytes = fsio::read_input(path, what)?;
    rows_of(path, &bytes)
}

/// Rows of CSV `bytes` read from `path` (named in errors only).
fn rows_of(path: &Path, bytes: &[u8]) -> Result<Vec<BTreeMap<String, String>>> {
    let mut r = csv::Reader::from_reader(bytes);
    let headers = r
        .headers()
        .map_err(|e| Error::input(Location::line(path, 1), e.to_string()))?
        .clone();
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec =
            rec.map_err(|e| Error::input(Location::line(path, i as u64 + 2), e.to_string()))?;
        out.push(
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        );
    }
    Ok(out)
}

pub struct Written {
    pub kind: Kind,
    pub letters: usize,
    pub pages: usize,
    pub pdf_bytes: usize,
    pub files: Vec<PathBuf>,
    pub seconds: f64,
}

/// One rendered batch and what the journal should say about it besides the hashes.
struct Rendered<'a> {
    kind: Kind,
    stem: &'a str,
    batch: &'a Batch,
    extra: serde_json::Value,
    seconds: f64,
}

/// The files a batch is written to: `<stem>.pdf`, `<stem>.html`,
/// `<stem>-mail-merge.csv` and, with single letters, `<stem>/<name>`.
struct Targets {
    pdf: PathBuf,
    html: PathBuf,
    csv: PathBuf,
    singles_dir: PathBuf,
}

impl Targets {
    fn of(paths: &Paths, stem: &str) -> Targets {
        let dir = paths.private.join("letters");
        Targets {
            pdf: dir.join(format!("{stem}.pdf")),
            html: dir.join(format!("{stem}.html")),
            csv: dir.join(format!("{stem}-mail-merge.csv")),
            singles_dir: dir.join(stem),
        }
    }

    /// Every file path of `batch`, in the order they are written.
    fn all(&self, batch: &Batch) -> Vec<PathBuf> {
        let mut all = vec![self.pdf.clone(), self.html.clone(), self.csv.clone()];
        all.extend(
            batch
                .singles
                .iter()
                .map(|(name, _)| self.singles_dir.join(name)),
        );
        all
    }
}

/// Refuses, before anything of a step is written, when any file of any of its
/// batches exists already (unless `force`): no half set of letters on disk or
/// in the journal.
fn check_all_new(paths: &Paths, batches: &[(&str, &Batch)], force: bool) -> Result<()> {
    for (stem, batch) in batches {
        for p in Targets::of(paths, stem).all(batch) {
            fsio::check_new(&p, force)?;
        }
    }
    Ok(())
}

/// Writes one batch (its files checked by [`check_all_new`] before) and journals it.
fn write_batch(paths: &Paths, j: &mut Journal, r: Rendered<'_>, force: bool) -> Result<Written> {
    let Rendered {
        kind,
        stem,
        batch,
        extra,
        seconds,
    } = r;
    let Targets {
        pdf,
        html,
        csv,
        singles_dir: sdir,
    } = Targets::of(paths, stem);
    let mut files = vec![pdf.clone(), html.clone(), csv.clone()];
    fsio::write_atomic(&pdf, &batch.pdf, Privacy::Personal, force)?;
    fsio::write_atomic(&html, batch.html.as_bytes(), Privacy::Personal, force)?;
    fsio::write_atomic(
        &csv,
        batch.mail_merge_csv.as_bytes(),
        Privacy::Personal,
        force,
    )?;
    if !batch.singles.is_empty() {
        for (name, bytes) in &batch.singles {
            fsio::write_atomic(&sdir.join(name), bytes, Privacy::Personal, force)?;
        }
        files.push(sdir);
    }
    let mut body = json!({
        "kind": kind.name(),
        "letters": batch.letters,
        "pages": batch.pages,
        "missing_glyphs": batch.missing_glyphs,
        "single_files": batch.singles.len(),
        "outputs": {
            "pdf": paths.rel(&pdf),
            "html": paths.rel(&html),
            "mail_merge": paths.rel(&csv),
        },
        "output_sha256": {
            "pdf": batch.pdf_sha256,
            "html": batch.html_sha256,
            "mail_merge": batch.mail_merge_sha256,
        },
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    j.append("letters", body)?;
    Ok(Written {
        kind,
        letters: batch.letters,
        pages: batch.pages,
        pdf_bytes: batch.pdf.len(),
        files,
        seconds,
    })
}

/// Invitation letters for the invitees of `wave`.
pub fn invitations(process: &Process, wave: u32, singles: bool, force: bool) -> Result<Written> {
    let cfg = config(process)?;
    let paths = Paths::of(process);
    let mut j = Journal::open(&paths.journal)?;
    let inv = paths.invitees(wave);
    // Read once: the journaled hash is of the very bytes the letters came from.
    let inv_bytes = fsio::read_input(&inv, "the invitees file (run the draw first)")?;
    let invitees_sha256 = fsio::sha256_hex(&inv_bytes);
    let recipients: Vec<Recipient> = rows_of(&inv, &inv_bytes)?
        .into_iter()
        .map(|fields| Recipient {
            language: None,
            fields,
        })
        .collect();
    if recipients.is_empty() {
        return Err(Error::refused(format!("{} lists nobody", inv.display())));
    }
    let t = std::time::Instant::now();
    let resources = Resources::load(&cfg.templates, &cfg)?;
    let batch = render_with(Kind::Invitation, &recipients, &cfg, &resources, singles)?;
    let stem = format!("invitation-wave{wave}");
    check_all_new(&paths, &[(&stem, &batch)], force)?;
    let r = Rendered {
        kind: Kind::Invitation,
        stem: &stem,
        batch: &batch,
        extra: json!({"wave": wave, "invitees_sha256": invitees_sha256}),
        seconds: t.elapsed().as_secs_f64(),
    };
    write_batch(&paths, &mut j, r, force)
}

/// After the lottery: `selected` letters to the panel as it stands, `reserve` letters
/// to the first `reserve_letters` people of the reserve order (not yet on the panel),
/// and thank-you letters to everyone else in the pool.
pub fn panel_letters(
    process: &Process,
    reserve_letters: usize,
    singles: bool,
    force: bool,
) -> Result<Vec<Written>> {
    let cfg = config(process)?;
    let layout = crate::lottery::step::Layout::of(process)?;
    let paths = layout.paths.clone();
    let mut j = Journal::open(&paths.journal)?;
    let st = crate::lottery::step::standing(&j)?;
    let reserves = crate::lottery::step::reserves(&layout, &j)?;
    // Pool attributes (gender for the salutation) joined with the office's mapping.
    let public: BTreeMap<String, BTreeMap<String, String>> = rows(&layout.pool_file(), "the pool")?
        .into_iter()
        .map(|r| (r.get("pool_id").cloned().unwrap_or_default(), r))
        .collect();
    let mapping = paths.private.join("pool-mapping.csv");
    let mut people: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for r in rows(&mapping, "the pool mapping (office only)")? {
        let id = r.get("pool_id").cloned().unwrap_or_default();
        let mut fields = public.get(&id).cloned().unwrap_or_default();
        fields.extend(r);
        people.insert(id, fields);
    }
    let on_panel: BTreeSet<&str> = st.panel.iter().map(String::as_str).collect();
    let reserve_ids: Vec<&String> = reserves
        .iter()
        .filter(|r| !st.ever.contains(*r) && !st.unavailable.contains(*r))
        .take(reserve_letters)
        .collect();
    let reserve_set: BTreeSet<&str> = reserve_ids.iter().map(|s| s.as_str()).collect();
    let pick = |ids: Vec<&String>| -> Result<Vec<Recipient>> {
        ids.into_iter()
            .map(|id| {
                people
                    .get(id)
                    .cloned()
                    .map(|fields| Recipient {
                        language: None,
                        fields,
                    })
                    .ok_or_else(|| {
                        Error::refused(format!(
                            "pool id {id} is not in the pool mapping {}",
                            mapping.display()
                        ))
                    })
            })
            .collect()
    };
    let selected = pick(st.panel.iter().collect())?;
    let reserve = pick(reserve_ids.clone())?;
    let others = pick(
        people
            .keys()
            .filter(|id| !on_panel.contains(id.as_str()) && !reserve_set.contains(id.as_str()))
            .collect(),
    )?;
    // Everything rendered before anything is written: no half set of letters.
    // Fonts and layout are loaded once, for the first batch that has letters.
    let mut resources: Option<Resources> = None;
    let mut batches = Vec::new();
    for (kind, recips, stem) in [
        (Kind::Selected, &selected, "selected"),
        (Kind::Reserve, &reserve, "reserve"),
        (Kind::NotSelected, &others, "not-selected"),
    ] {
        if recips.is_empty() {
            continue;
        }
        let t = std::time::Instant::now();
        let loaded = match resources.take() {
            Some(r) => r,
            None => Resources::load(&cfg.templates, &cfg)?,
        };
        let b = render_with(kind, recips, &cfg, &loaded, singles)?;
        resources = Some(loaded);
        batches.push((kind, stem, b, t.elapsed().as_secs_f64()));
    }
    // Every target of every batch checked before the first is written.
    let targets: Vec<(&str, &Batch)> = batches.iter().map(|(_, stem, b, _)| (*stem, b)).collect();
    check_all_new(&paths, &targets, force)?;
    let mut out = Vec::new();
    for (kind, stem, b, secs) in &batches {
        let r = Rendered {
            kind: *kind,
            stem,
            batch: b,
            extra: json!({"replacement_rounds": st.rounds}),
            seconds: *secs,
        };
        out.push(write_batch(&paths, &mut j, r, force)?);
    }
    Ok(out)
}

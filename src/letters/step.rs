//! Letters as steps on the process's files: invitations from the drawn invitees,
//! and selected / reserve / thank-you letters after the public lottery. Every batch
//! is rendered in memory first, then written atomically (mode 0600: the letters
//! carry names and addresses), and journaled by its hashes and counts only.

use super::{Batch, Kind, LettersConfig, Recipient, Resources, render_with};
use crate::base::error::{Error, Result};
use crate::base::fsio::{self, Privacy};
use crate::base::journal::{Body, Intake, Letters, Step};
use crate::base::process::Process;
use crate::base::run::{Layout, Run};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

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
    if let Some(intake) = &process.file.intake {
        cfg.card = card(intake);
    }
    Ok(cfg)
}

/// The reply card's questions from `[intake]`: per form attribute its column and the
/// answers the intake accepts — the form's answers of its `map` grouped by the value they
/// stand for (in the order of `values`), or the values themselves — then the contact and
/// availability lines and the consent with the intake's first "yes" answer.
pub fn card(intake: &crate::base::process::IntakeConfig) -> crate::base::process::Card {
    let questions = intake
        .attributes
        .iter()
        .map(|a| {
            // Per value, the form's answers mapped to it (compared as the intake compares,
            // folded), or the value itself, which the intake accepts as well.
            let fold = crate::base::text::fold;
            let options = a
                .values
                .iter()
                .flat_map(|v| {
                    let mapped: Vec<String> = a
                        .map
                        .iter()
                        .flatten()
                        .filter(|(_, to)| fold(to) == fold(v))
                        .map(|(answer, _)| answer.clone())
                        .collect();
                    if mapped.is_empty() {
                        vec![v.clone()]
                    } else {
                        mapped
                    }
                })
                .collect();
            crate::base::process::CardQuestion {
                label: a.column.clone(),
                options,
            }
        })
        .collect();
    crate::base::process::Card {
        questions,
        availability: intake.availability_column.clone(),
        contact: intake.contact_columns.clone(),
        consent: Some(intake.consent_column.clone()),
        consent_yes: intake.yes_values.first().cloned(),
    }
}

pub struct Written {
    pub kind: Kind,
    pub letters: usize,
    pub pages: usize,
    pub pdf_bytes: usize,
    pub files: Vec<PathBuf>,
    pub seconds: f64,
    /// Letters (numbers in print order) whose address does not fit the address zone.
    pub address_overflow: Vec<usize>,
}

/// One rendered batch and what the journal should say about it besides the hashes.
struct Rendered<'a> {
    kind: Kind,
    stem: &'a str,
    batch: &'a Batch,
    extra: &'a dyn Fn(&mut Letters),
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
    fn of(layout: &Layout, stem: &str) -> Targets {
        let dir = layout.letters();
        Targets {
            pdf: dir.join(format!("{stem}.pdf")),
            html: dir.join(format!("{stem}.html")),
            csv: dir.join(format!("{stem}-mail-merge.csv")),
            singles_dir: dir.join(stem),
        }
    }

    /// Every file path of a batch of `letters` letters of `kind`, in the order they
    /// are written (known before the batch is rendered).
    fn all(&self, kind: Kind, letters: usize, singles: bool) -> Vec<PathBuf> {
        let mut all = vec![self.pdf.clone(), self.html.clone(), self.csv.clone()];
        if singles {
            all.extend((1..=letters).map(|n| self.singles_dir.join(super::single_name(kind, n))));
        }
        all
    }
}

/// Refuses, before anything of a step is computed or written, when any file of any
/// of its batches (stem, kind, letters) exists already (unless `force`): no wasted
/// layout, and no half set of letters on disk or in the journal.
fn check_all_new(
    layout: &Layout,
    batches: &[(&str, Kind, usize)],
    singles: bool,
    force: bool,
) -> Result<()> {
    for (stem, kind, n) in batches {
        for p in Targets::of(layout, stem).all(*kind, *n, singles) {
            fsio::check_new(&p, force)?;
        }
    }
    Ok(())
}

/// Writes one batch (its files checked by [`check_all_new`] before) and journals it.
fn write_batch(run: &mut Run, r: Rendered<'_>, force: bool) -> Result<Written> {
    let Rendered {
        kind,
        stem,
        batch,
        extra,
        seconds,
    } = r;
    let layout = run.layout().clone();
    let Targets {
        pdf,
        html,
        csv,
        singles_dir: sdir,
    } = Targets::of(&layout, stem);
    let mut files = vec![pdf.clone(), html.clone(), csv.clone()];
    let hp = fsio::write_atomic(&pdf, &batch.pdf, Privacy::Personal, force)?;
    let hh = fsio::write_atomic(&html, batch.html.as_bytes(), Privacy::Personal, force)?;
    let hc = fsio::write_atomic(
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
    let names = ["pdf", "html", "mail_merge"];
    let mut body = Letters {
        kind: kind.name().to_string(),
        letters: batch.letters as u64,
        pages: batch.pages as u64,
        missing_glyphs: batch.missing_glyphs as u64,
        single_files: batch.singles.len() as u64,
        wave: None,
        invitees_sha256: None,
        replacement_rounds: None,
        outputs: names
            .iter()
            .zip([&pdf, &html, &csv])
            .map(|(n, p)| (n.to_string(), layout.rel(p)))
            .collect(),
        output_sha256: names
            .iter()
            .zip([hp, hh, hc])
            .map(|(n, h)| (n.to_string(), h))
            .collect(),
    };
    extra(&mut body);
    run.append(Body::Letters(body))?;
    Ok(Written {
        kind,
        letters: batch.letters,
        pages: batch.pages,
        pdf_bytes: batch.pdf.len(),
        files,
        seconds,
        address_overflow: batch.address_overflow.clone(),
    })
}

/// Invitation letters for the invitees of `wave`, read through the run handle (the
/// file the draw of that wave recorded).
pub fn invitations(process: &Process, wave: u32, singles: bool, force: bool) -> Result<Written> {
    let cfg = config(process)?;
    let mut run = Run::begin(process.layout(), Step::Letters)?;
    let (entry, _) = crate::draw::step::latest_draws(run.journal())
        .remove(&wave)
        .ok_or_else(|| {
            Error::refused(format!(
                "wave {wave} has not been drawn: there are no invitees to write to (run the draw first)"
            ))
        })?;
    let rec = entry.output("invitees")?;
    let inv_bytes = run.read(&rec)?;
    let invitees = crate::draw::invitees::parse(&run.path_of(&rec), &inv_bytes)?;
    let recipients: Vec<Recipient> = invitees
        .iter()
        .map(|i| Recipient {
            language: None,
            fields: i.fields(),
        })
        .collect();
    if recipients.is_empty() {
        return Err(Error::refused(format!(
            "{} lists nobody",
            run.path_of(&rec).display()
        )));
    }
    let stem = format!("invitation-wave{wave}");
    check_all_new(
        run.layout(),
        &[(&stem, Kind::Invitation, recipients.len())],
        singles,
        force,
    )?;
    let t = std::time::Instant::now();
    let resources = Resources::load(&cfg.templates, &cfg)?;
    let batch = render_with(Kind::Invitation, &recipients, &cfg, &resources, singles)?;
    let sha = rec.sha256.clone();
    let extra = move |b: &mut Letters| {
        b.wave = Some(wave);
        b.invitees_sha256 = Some(sha.clone());
    };
    let r = Rendered {
        kind: Kind::Invitation,
        stem: &stem,
        batch: &batch,
        extra: &extra,
        seconds: t.elapsed().as_secs_f64(),
    };
    write_batch(&mut run, r, force)
}

/// After the lottery: `selected` letters to the panel as it stands, `reserve` letters
/// to the first `reserve_letters` people of the reserve order (not yet on the panel),
/// and thank-you letters to everyone else in the pool. The pool, its mapping and the
/// reserve order are read through the run handle.
pub fn panel_letters(
    process: &Process,
    reserve_letters: usize,
    singles: bool,
    force: bool,
) -> Result<Vec<Written>> {
    let cfg = config(process)?;
    let mut run = Run::begin(process.layout(), Step::Letters)?;
    let st = crate::lottery::step::standing(run.journal())?;
    let reserves = crate::lottery::step::reserves(&run)?;
    let (intake, _) = run
        .journal()
        .last::<Intake>()
        .ok_or_else(|| Error::refused("there is no intake in the journal: no pool to write to"))?;
    // Pool attributes (gender for the salutation) joined with the office's mapping.
    let (pool_path, pool_bytes) = run.output(intake, "pool")?;
    let pool = crate::base::table::Table::parse(
        &pool_path,
        &pool_bytes,
        &crate::base::table::Options::written(),
    )?;
    let id_col = pool.column(crate::intake::files::POOL_ID, "pool.csv")?;
    let public: BTreeMap<String, BTreeMap<String, String>> = pool
        .rows
        .into_iter()
        .map(|r| {
            let id = r.cells[id_col].clone();
            (id, pool.header.iter().cloned().zip(r.cells).collect())
        })
        .collect();
    let (mapping, map_bytes) = run.output(intake, "mapping")?;
    let mut people = crate::intake::files::read_mapping(&mapping, &map_bytes)?;
    for (id, fields) in people.iter_mut() {
        let mut all = public.get(id).cloned().ok_or_else(|| {
            Error::refused(format!("pool id {id} of the mapping is not in the pool"))
        })?;
        all.append(fields);
        *fields = all;
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
    let planned = [
        (Kind::Selected, &selected, "selected"),
        (Kind::Reserve, &reserve, "reserve"),
        (Kind::NotSelected, &others, "not-selected"),
    ];
    // Every target of every batch checked before the first is rendered.
    let targets: Vec<(&str, Kind, usize)> = planned
        .iter()
        .filter(|(_, r, _)| !r.is_empty())
        .map(|(k, r, stem)| (*stem, *k, r.len()))
        .collect();
    check_all_new(run.layout(), &targets, singles, force)?;
    // Everything rendered before anything is written: no half set of letters.
    // Fonts and layout are loaded once, for the first batch that has letters.
    let mut resources: Option<Resources> = None;
    let mut batches = Vec::new();
    for (kind, recips, stem) in planned {
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
    let rounds = st.rounds as u64;
    let extra = move |b: &mut Letters| b.replacement_rounds = Some(rounds);
    let mut out = Vec::new();
    for (kind, stem, b, secs) in &batches {
        let r = Rendered {
            kind: *kind,
            stem,
            batch: b,
            extra: &extra,
            seconds: *secs,
        };
        out.push(write_batch(&mut run, r, force)?);
    }
    Ok(out)
}

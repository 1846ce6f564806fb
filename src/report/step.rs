//! The report as a step: gather the public outputs (each checked against the
//! journal), render German and English pages, write them atomically and journal
//! their hashes. Nothing is written before every input is checked.

use super::{Lang, ReportOptions, load, render_html};
use crate::base::error::Result;
use crate::base::fsio::{self, Privacy};
use crate::base::journal::{Body, Report, Step};
use crate::base::process::Process;
use crate::base::run::Run;
use std::path::PathBuf;

pub struct Written {
    pub files: Vec<PathBuf>,
    pub charts: usize,
}

/// Writes `out/public/report.html` (German) and `report-en.html` (English), and each
/// as a PDF (`report.pdf`, `report-en.pdf`).
pub fn write(process: &Process, force: bool) -> Result<Written> {
    let mut run = Run::begin(process.layout(), Step::Report)?;
    let public = run.layout().public.clone();
    let targets = [
        (Lang::De, "report_de", public.join("report.html")),
        (Lang::En, "report_en", public.join("report-en.html")),
    ];
    let pdf_targets = [
        ("pdf_de", public.join("report.pdf")),
        ("pdf_en", public.join("report-en.pdf")),
    ];
    for p in targets
        .iter()
        .map(|t| &t.2)
        .chain(pdf_targets.iter().map(|t| &t.1))
    {
        fsio::check_new(p, force)?;
    }
    let mut data = load(&run).map_err(|e| e.context("the report cannot be made"))?;
    population(process, &run, &mut data);
    data.process_name = Some(process.file.process.name.clone());
    data.process_id = Some(process.file.process.id.clone());
    let cfg = process.file.report.as_ref();
    let opts = ReportOptions {
        small_cell_threshold: cfg.and_then(|c| c.min_cell).unwrap_or(3),
        category_labels: cfg.map(|c| c.labels.clone()).unwrap_or_default(),
    };
    let mut pages = Vec::new();
    let mut pdfs = Vec::new();
    for ((lang, key, path), (pdf_key, pdf_path)) in targets.into_iter().zip(pdf_targets) {
        let html = render_html(&data, lang, &opts)
            .map_err(|e| e.context("the report cannot be rendered"))?;
        // The PDF is laid out from the same page, so the two show the same figures.
        let (pdf, _) = super::pdf::pdf(&html, lang.tag())
            .map_err(|e| e.context("the report's PDF cannot be laid out"))?;
        pages.push((lang, key, path, html));
        pdfs.push((pdf_key, pdf_path, pdf));
    }
    let mut files = Vec::new();
    let mut outputs = std::collections::BTreeMap::new();
    let mut hashes = std::collections::BTreeMap::new();
    let mut charts = 0;
    for (lang, key, p, html) in pages {
        let h = fsio::write_atomic(&p, html.as_bytes(), Privacy::Public, force)?;
        if lang == Lang::De {
            charts = super::expected_marks(&html).len();
        }
        outputs.insert(key.to_string(), run.layout().rel(&p));
        hashes.insert(key.to_string(), h);
        files.push(p);
    }
    for (key, p, pdf) in pdfs {
        let h = fsio::write_atomic(&p, &pdf, Privacy::Public, force)?;
        outputs.insert(key.to_string(), run.layout().rel(&p));
        hashes.insert(key.to_string(), h);
        files.push(p);
    }
    run.append(Body::Report(Report {
        min_cell: opts.small_cell_threshold,
        outputs,
        output_sha256: hashes,
    }))?;
    Ok(Written { files, charts })
}

/// Population shares of the register categories (gender, age band, district,
/// citizenship) from the eligible residents of the register extract, read only if it is
/// the one the commitment recorded (its SHA-256). Aggregates only; small counts are
/// suppressed on the page like every other count. Shares already known (the strata's,
/// from the draw summary) stay. Every category left without shares gets its reason.
fn population(process: &Process, run: &Run, data: &mut super::ReportData) {
    use super::data::PopulationMissing;
    use crate::quotas::REGISTER_CATEGORIES;
    let wanted: Vec<String> = data
        .categories
        .iter()
        .filter(|c| c.values.iter().all(|v| v.population_share.is_none()))
        .map(|c| c.name.clone())
        .filter(|n| REGISTER_CATEGORIES.contains(&n.as_str()))
        .collect();
    let commit = run
        .journal()
        .last::<crate::base::journal::entry::Commit>()
        .map(|(_, c)| c);
    // Without a commitment there is nothing to check the extract against.
    let counts = match commit {
        _ if wanted.is_empty() => Ok(None),
        None => Err(PopulationMissing::NoRegister),
        Some(c) => crate::quotas::population_counts(process, &wanted, Some(c)).map_err(|e| match e
            .kind()
        {
            crate::base::error::Kind::Changed => PopulationMissing::RegisterChanged,
            _ => PopulationMissing::NoRegister,
        }),
    };
    for cat in &mut data.categories {
        if cat.values.iter().any(|v| v.population_share.is_some()) {
            continue;
        }
        if !REGISTER_CATEGORIES.contains(&cat.name.as_str()) {
            data.population_missing
                .insert(cat.name.clone(), PopulationMissing::NotInRegister);
            continue;
        }
        let by_value = match &counts {
            Ok(Some(c)) => c.get(&cat.name),
            Ok(None) => None,
            Err(why) => {
                data.population_missing.insert(cat.name.clone(), *why);
                continue;
            }
        };
        let Some(by_value) = by_value else {
            data.population_missing
                .insert(cat.name.clone(), PopulationMissing::NoRegister);
            continue;
        };
        let total: u64 = by_value.values().sum();
        // A value the register does not have (other age-band edges, a spelling) stays
        // unknown rather than 0.
        for v in &mut cat.values {
            if let Some(&n) = by_value.get(&v.value) {
                v.eligible = Some(n);
                if total > 0 {
                    v.population_share = Some(n as f64 / total as f64);
                }
            }
        }
    }
}

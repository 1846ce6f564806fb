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

/// Writes `out/public/report.html` (German) and `report-en.html` (English).
pub fn write(process: &Process, force: bool) -> Result<Written> {
    let mut run = Run::begin(process.layout(), Step::Report)?;
    let targets = [
        (
            Lang::De,
            "report_de",
            run.layout().public.join("report.html"),
        ),
        (
            Lang::En,
            "report_en",
            run.layout().public.join("report-en.html"),
        ),
    ];
    for (_, _, p) in &targets {
        fsio::check_new(p, force)?;
    }
    let mut data = load(&run).map_err(|e| e.context("the report cannot be made"))?;
    data.process_name = Some(process.file.process.name.clone());
    data.process_id = Some(process.file.process.id.clone());
    let cfg = process.file.report.as_ref();
    let opts = ReportOptions {
        small_cell_threshold: cfg.and_then(|c| c.min_cell).unwrap_or(3),
        category_labels: cfg.map(|c| c.labels.clone()).unwrap_or_default(),
    };
    let mut pages = Vec::new();
    for (lang, key, path) in targets {
        let html = render_html(&data, lang, &opts)
            .map_err(|e| e.context("the report cannot be rendered"))?;
        pages.push((lang, key, path, html));
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
    run.append(Body::Report(Report {
        min_cell: opts.small_cell_threshold,
        outputs,
        output_sha256: hashes,
    }))?;
    Ok(Written { files, charts })
}

//! The report as a step: gather the public outputs, render German and English
//! pages, write them atomically and journal their hashes.

use super::{Lang, ReportOptions, load_from_outputs, render_html};
use crate::draw::run::Paths;
use crate::error::{Error, Result};
use crate::fsio::{self, Privacy};
use crate::journal::Journal;
use crate::process::Process;
use serde_json::json;
use std::path::PathBuf;

pub struct Written {
    pub files: Vec<PathBuf>,
    pub charts: usize,
}

/// Writes `out/public/report.html` (German) and `report-en.html` (English).
pub fn write(process: &Process, force: bool) -> Result<Written> {
    let paths = Paths::of(process);
    let mut data = load_from_outputs(&paths.out)
        .map_err(|e| Error::refused(format!("the report cannot be made: {e}")))?;
    data.process_name = Some(process.file.process.name.clone());
    data.process_id = Some(process.file.process.id.clone());
    let cfg = process.file.report.as_ref();
    let opts = ReportOptions {
        small_cell_threshold: cfg.and_then(|c| c.min_cell).unwrap_or(3),
        category_labels: cfg.map(|c| c.labels.clone()).unwrap_or_default(),
    };
    let mut files = Vec::new();
    let mut hashes = serde_json::Map::new();
    let mut outputs = serde_json::Map::new();
    let mut charts = 0;
    let pages: Vec<(Lang, &str, String)> =
        [(Lang::De, "report.html"), (Lang::En, "report-en.html")]
            .into_iter()
            .map(|(lang, name)| {
                render_html(&data, lang, &opts)
                    .map(|html| (lang, name, html))
                    .map_err(|e| Error::refused(format!("the report cannot be rendered: {e}")))
            })
            .collect::<Result<_>>()?;
    for (_, name, _) in &pages {
        fsio::check_new(&paths.public.join(name), force)?;
    }
    for (lang, name, html) in pages {
        let p = paths.public.join(name);
        let h = fsio::write_atomic(&p, html.as_bytes(), Privacy::Public, force)?;
        if lang == Lang::De {
            charts = super::expected_marks(&html).len();
        }
        let key = if lang == Lang::De {
            "report_de"
        } else {
            "report_en"
        };
        outputs.insert(key.into(), json!(paths.rel(&p)));
        hashes.insert(key.into(), json!(h));
        files.push(p);
    }
    let mut j = Journal::open(&paths.journal)?;
    j.append(
        "report",
        json!({
            "min_cell": opts.small_cell_threshold,
            "outputs": outputs,
            "output_sha256": hashes,
        }),
    )?;
    Ok(Written { files, charts })
}

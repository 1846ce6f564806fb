//! The public report of a process: one self-contained HTML page (inline CSS and
//! SVG, no script, no external resource) for council members, journalists and
//! auditors, in German or English.
//!
//! Input is a plain [`ReportData`] of aggregate figures, so this module depends on
//! no other part of sortes; [`load_from_outputs`] fills one from a process's public
//! outputs (`out/public/` and `out/journal.jsonl`, never `out/private/`).
//!
//! Only aggregate figures reach the page, and small counts are suppressed by the
//! rule documented in [`suppress`] (primary cells below the threshold, plus a
//! complementary cell per column so that no hidden count can be recomputed).

mod charts;
mod data;
mod html;
mod i18n;
mod load;
pub mod step;
pub mod suppress;

pub use data::{
    Category, Funnel, HashKind, Lottery, Probabilities, Replacement, ReportData, ResponseRate,
    SeedHash, ValueRow,
};
pub use html::{escape, escape_into};
pub use i18n::{Key, Lang, Strings};
pub use load::load_from_outputs;

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("report data: {0}")]
    Data(String),
    #[error("report texts: {0}")]
    Strings(String),
    #[error("chart: {0}")]
    Chart(String),
}

/// How to render.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportOptions {
    /// Counts of persons below this are suppressed ("< 3"). 0 disables suppression
    /// (for internal use only; a public report should keep the default).
    pub small_cell_threshold: u64,
    /// Display names of categories by their machine name (e.g. "age_band" →
    /// "Altersgruppe"); a category without one is shown by its machine name.
    pub category_labels: BTreeMap<String, String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            small_cell_threshold: 3,
            category_labels: BTreeMap::new(),
        }
    }
}

/// Renders the report page.
pub fn render_html(
    data: &ReportData,
    lang: Lang,
    opts: &ReportOptions,
) -> Result<String, ReportError> {
    html::render(data, lang, opts)
}

/// Charts in the page with the number of marks each must show; used by the
/// browser test and handy for checking a page.
pub fn expected_marks(html: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for part in html.split("data-chart=\"").skip(1) {
        let Some((id, rest)) = part.split_once('"') else {
            continue;
        };
        let Some(after) = rest.split("data-marks=\"").nth(1) else {
            continue;
        };
        let Some((n, _)) = after.split_once('"') else {
            continue;
        };
        if let Ok(n) = n.parse() {
            out.insert(id.to_string(), n);
        }
    }
    out
}

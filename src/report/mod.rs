//! The public report of a process: one self-contained HTML page (inline CSS and
//! SVG, no script, no external resource) for council members, journalists and
//! auditors, in German or English.
//!
//! Input is a plain [`ReportData`] of aggregate figures; [`load`] fills one from a
//! process's journal and the public outputs it records (read through the run handle,
//! so every file is checked against the journal first; never `out/private/`).
//!
//! Only aggregate figures reach the page, and small counts are suppressed by the
//! rule documented in [`suppress`] (cells below the threshold are merged into a large
//! value of their column, so that no hidden count can be recomputed and no large one
//! is hidden; the panel's composition is public and shown whole).

mod charts;
mod data;
mod html;
mod i18n;
mod load;
pub mod pdf;
pub mod step;
pub mod suppress;

pub use crate::base::text::{html_escape as escape, html_escape_into as escape_into};
pub use data::{
    Category, Funnel, HashKind, Lottery, PopulationMissing, Probabilities, Replacement, ReportData,
    ResponseRate, SeedHash, ValueRow,
};
pub use i18n::{Key, Lang, Strings};
pub use load::load;

use std::collections::BTreeMap;

/// The chart drawing failed (a bug: the figures were checked before).
fn chart_error(msg: impl std::fmt::Display) -> crate::base::error::Error {
    crate::base::error::Error::internal(format!("chart: {msg}"))
}

/// The figures are not consistent (a probability above 1, a negative share …).
fn data_error(msg: impl std::fmt::Display) -> crate::base::error::Error {
    crate::base::error::Error::refused(format!("report data: {msg}"))
}

/// The page's texts are incomplete (a bug in the bundled translations).
fn strings_error(msg: impl std::fmt::Display) -> crate::base::error::Error {
    crate::base::error::Error::internal(format!("report texts: {msg}"))
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
) -> crate::base::error::Result<String> {
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

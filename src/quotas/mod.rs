//! Quota files: reading, checking, matching a pool of applicants, deriving targets.
//!
//! * [`read_quota_file`] reads a quota table in one of three layouts (header names are
//!   case-insensitive, the delimiter is `,` or `;`):
//!   - `category,value,min,max[,min_flex,max_flex]` (the sortes layout, written by
//!     [`write_quota_file`]),
//!   - `feature,value,min,max[,min_flex,max_flex]` (Sortition Foundation `features.csv`),
//!   - `category,feature,min,max` (research layout of pgoelz/citizensassemblies-replication).
//! * [`check_against_k`] checks that every category can add up to the panel size.
//! * [`read_pool`] / [`read_research_pool`] read applicants (the selection matches them to the
//!   quotas: `crate::select::instance`).
//! * [`derive()`] / [`derive_category`] turn population counts into targets by largest remainder
//!   and into min/max bounds by a [`Tolerance`]; [`counts_from_statistics`] reads the counts from a
//!   statistics table such as `dortmund-statistics.csv`; [`dortmund`] holds the recipe of the
//!   shipped Dortmund quota files.
//!
//! Every error on input names the file, the line (line 1 is the header) and, where it
//! applies, the column.

mod derive;
pub mod dortmund;
mod file;
mod pool;

pub use derive::{
    REGISTER_CATEGORIES, StatsCategory, StatsValue, Tolerance, apportion, counts_from_statistics,
    counts_from_statistics_text, derive, derive_category, population_counts, register_counts,
};
pub use file::{
    bounds_for_k, check_against_k, fits_k, parse_quota_file, propose_for_k, read_quota_file,
    write_quota_file,
};
pub use pool::{Pool, parse_pool, parse_research_pool, read_pool, read_research_pool};

use crate::base::text::fold;

/// A quota table: categories and their values in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuotaFile {
    pub categories: Vec<QuotaCategory>,
}

/// One category (e.g. `gender`) with its values in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuotaCategory {
    pub name: String,
    pub values: Vec<QuotaRow>,
}

/// One value of a category with inclusive bounds on the number of panel members.
///
/// `min_flex` / `max_flex` are the Sortition Foundation's outer bounds (how far a quota may be
/// relaxed if the strict bounds are infeasible); `None` when the file has no such column or the
/// cell is empty. When present, `min_flex ≤ min` and `max_flex ≥ max`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuotaRow {
    pub value: String,
    pub min: u32,
    pub max: u32,
    pub min_flex: Option<u32>,
    pub max_flex: Option<u32>,
    /// Line of the row in its file (1-based, line 1 is the header). For a derived table it is
    /// the line the row gets in [`write_quota_file`]'s output.
    pub line: u64,
}

impl QuotaFile {
    /// The category called `name` (compared case-insensitively, after trimming).
    pub fn category(&self, name: &str) -> Option<&QuotaCategory> {
        let key = fold(name);
        self.categories.iter().find(|c| fold(&c.name) == key)
    }
}

impl QuotaCategory {
    /// The value called `name` (compared case-insensitively, after trimming).
    pub fn value(&self, name: &str) -> Option<&QuotaRow> {
        let key = fold(name);
        self.values.iter().find(|v| fold(&v.value) == key)
    }
}

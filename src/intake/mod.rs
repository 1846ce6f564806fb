//! Stage 1½: intake of the applications (replies to the invitation letter).
//!
//! The office exports the replies of the online form (or types in the paper
//! reply cards) as CSV. `intake` matches every reply to an invitee by the personal
//! application code, checks it and ends it in exactly one of two places:
//!
//! * the **pool** — pseudonymous (`pool_id`, household, attributes) for stage 2;
//! * the **rejects** — with one reason a clerk can act on (unknown code, typo with
//!   a "did you mean" where exactly one issued code is one edit away, superseded by
//!   a later reply, withdrawn, no consent, missing or invalid answers, broken row).
//!
//! `rows_in = pool + rejects` always holds. Attributes the register knows (gender,
//! age band, Stadtbezirk …) are taken from the invitee row, never from the form.
//!
//! Data protection: [`pool_csv`] and [`summary_csv`] hold no names, addresses,
//! codes, register ids or contact data and may be shown or published. Only
//! [`mapping_csv`] and [`rejects_csv`] hold personal data; the caller writes them
//! with mode 0600 (`fsio::Privacy::Personal`). `Debug` of [`Invitee`], [`PoolRow`]
//! and [`IntakeReject`] leaves out names, addresses, codes and contact data.
//!
//! Rules in brief: the code is checked first; replies with a known code are then
//! grouped by code and the latest (by the submission column when every reply of the
//! group has one, else by line) is the person's current statement: the others are
//! "superseded by line N" and the latest is checked for withdrawal, consent (must be
//! a yes value; empty or unclear is no consent) and answers — so a later withdrawal
//! or a later incomplete correction counts. Rows whose cells are all empty are not
//! rows. Households are computed among the pool members only.

mod answers;
pub mod files;
mod link;
mod reasons;
pub mod step;
mod summary;

pub use crate::base::process::{FormAttribute, IntakeConfig};
pub use crate::draw::invitees::Invitee;
pub use answers::{closest_value, match_attribute, one_edit, parse_timestamp, suggest_code};
pub use files::{mapping_csv, pool_csv, rejects_csv, summary_csv};
pub use link::household_key;
pub use reasons::{AttributeProblem, RejectReason};
pub use summary::{DuplicateNote, RateRow, ResponseSummary};

use crate::base::error::{Error, Location, Result};
use crate::base::table::{Options, Table};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A row that did not enter the pool. Office only (holds the code as typed).
#[derive(Clone, PartialEq, Eq)]
pub struct IntakeReject {
    /// 1-based line in the applications file (header = line 1).
    pub line: u64,
    /// The code cell exactly as typed (trimmed).
    pub code_typed: String,
    pub reason: RejectReason,
}

impl fmt::Debug for IntakeReject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntakeReject")
            .field("line", &self.line)
            .field("reason", &self.reason.kind())
            .finish_non_exhaustive()
    }
}

/// A pool member. `attributes` follow [`IntakeConfig::attribute_names`]; `private`
/// follows [`IntakeResult::private_columns`] (contact, availability).
#[derive(Clone, PartialEq, Eq)]
pub struct PoolRow {
    pub pool_id: String,
    /// pool_id of the household's first member, or "" when alone.
    pub household: String,
    pub attributes: Vec<String>,
    /// Canonical application code (private; never in pool_csv).
    pub code: String,
    /// Line of the counted reply in the applications file.
    pub line: u64,
    pub private: Vec<String>,
}

impl fmt::Debug for PoolRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolRow")
            .field("pool_id", &self.pool_id)
            .field("household", &self.household)
            .field("attributes", &self.attributes)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct IntakeResult {
    /// In pool order (application code order), ids P0001 …
    pub pool: Vec<PoolRow>,
    /// In line order.
    pub rejects: Vec<IntakeReject>,
    /// Non-empty data rows of the applications file.
    pub rows_in: usize,
    pub summary: ResponseSummary,
    /// Pool attribute column names (register attributes, then form attributes).
    pub attribute_names: Vec<String>,
    /// Header names of the private columns kept for the mapping.
    pub private_columns: Vec<String>,
}

/// Checks that no application code and no register id occurs twice among the
/// invitees of all waves (a file given twice?).
pub fn check_unique(invitees: &[Invitee]) -> Result<()> {
    let mut codes: BTreeMap<&str, &Invitee> = BTreeMap::new();
    let mut ids: BTreeMap<&str, &Invitee> = BTreeMap::new();
    let at = |i: &Invitee, col: &str| match &i.file {
        Some(p) => Location::at(p, i.line, col),
        None => Location::default(),
    };
    let place = |i: &Invitee| match &i.file {
        Some(p) => format!("{}, line {}", p.display(), i.line),
        None => format!("line {}", i.line),
    };
    for inv in invitees {
        if let Some(first) = codes.insert(&inv.application_code, inv) {
            return Err(Error::input(
                at(inv, "application_code"),
                format!(
                    "the same application code occurs already in {}; is a file given twice?",
                    place(first)
                ),
            ));
        }
        if let Some(first) = ids.insert(&inv.register_id, inv) {
            return Err(Error::input(
                at(inv, "register_id"),
                format!(
                    "the same register id occurs already in {}; is a file given twice?",
                    place(first)
                ),
            ));
        }
    }
    Ok(())
}

/// Reads invitees.csv of every wave (files given by path; the step reads them
/// through the run handle instead) and checks that no code or id occurs twice.
pub fn read_invitees(paths: &[PathBuf]) -> Result<Vec<Invitee>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(crate::draw::invitees::parse(
            p,
            &crate::base::fsio::read(p)?,
        )?);
    }
    check_unique(&out)?;
    Ok(out)
}

/// Matches, checks and pseudonymises the applications. See the module documentation.
pub fn intake(
    cfg: &IntakeConfig,
    invitees: &[Invitee],
    applications_path: &Path,
) -> Result<IntakeResult> {
    let bytes =
        crate::base::fsio::read_input(applications_path, "the applications file was not found")?;
    intake_bytes(cfg, invitees, applications_path, &bytes)
}

/// [`intake`] on the bytes of the applications file (`path` is named in errors).
pub fn intake_bytes(
    cfg: &IntakeConfig,
    invitees: &[Invitee],
    path: &Path,
    bytes: &[u8],
) -> Result<IntakeResult> {
    cfg.check()?;
    let t = Table::parse(
        path,
        bytes,
        &Options {
            encoding_hint: "export or save it as CSV in UTF-8",
            ..Options::flexible()
        },
    )?;
    let cols = link::Columns::find(cfg, &t)?;
    let by_code = link::issued_codes(invitees)?;
    let mut rejects = link::Rejects::new(&t, cols.code);
    let candidates = link::codes(&t, &cols, &by_code, &mut rejects)?;
    let (winners, mut duplicates) = link::latest(&t, &candidates, &mut rejects);
    let register_attrs: Vec<String> = cfg
        .register_attributes
        .iter()
        .map(|a| a.trim().to_lowercase())
        .collect();
    let mut pool = link::check_replies(
        cfg,
        &t,
        &cols,
        invitees,
        &candidates,
        &winners,
        &register_attrs,
        &mut rejects,
    )?;
    link::number_pool(cfg, &mut pool, &by_code, invitees);
    let mut rejects = rejects.list;
    link::finish(&pool, &mut duplicates, &mut rejects);
    let rows_in = t.rows.len();
    if rows_in != pool.len() + rejects.len() {
        return Err(Error::internal(format!(
            "intake: {rows_in} rows in, {} in the pool and {} rejected",
            pool.len(),
            rejects.len()
        )));
    }
    let summary = summary::summarise(
        cfg,
        invitees,
        &by_code,
        &pool,
        &rejects,
        duplicates,
        &register_attrs,
    );
    let private_columns = cols.private.iter().map(|&i| t.header[i].clone()).collect();
    Ok(IntakeResult {
        pool,
        rejects,
        rows_in,
        summary,
        attribute_names: cfg.attribute_names(),
        private_columns,
    })
}

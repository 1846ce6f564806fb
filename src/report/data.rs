//! The report's input: plain, serde-serialisable aggregate figures.
//!
//! Nothing here refers to a person: every field is a count, a share, a quota
//! parameter, a probability without its pool id, or a public hash/seed. Whoever
//! fills a `ReportData` (the pipeline, or [`super::load_from_outputs`]) must keep it
//! that way; the renderer additionally suppresses small counts (see `suppress.rs`).

use serde::{Deserialize, Serialize};

/// Everything the report shows about one process.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ReportData {
    /// Human-readable name of the process, e.g. "Dortmunder Bürgerinnen- und Bürgerforum 2027".
    pub process_name: Option<String>,
    /// The process id from the process file, e.g. "dortmund-forum-2027".
    pub process_id: Option<String>,
    /// Date (or date and time) printed as "as of"; given by the caller rather than read
    /// from the clock so that the same data always renders to the same page.
    pub as_of: Option<String>,
    /// Panel size k.
    pub panel_size: Option<u64>,
    pub funnel: Funnel,
    /// Quota categories (and other attributes) in display order.
    pub categories: Vec<Category>,
    /// Response rates per stratum of the invitation draw.
    pub response_rates: Vec<ResponseRate>,
    pub probabilities: Probabilities,
    /// Seeds, commitments and hashes, in display order.
    pub seeds_hashes: Vec<SeedHash>,
    /// The public lottery that picks one panel from the distribution, once held.
    pub lottery: Option<Lottery>,
    /// Drop-outs and replacements after the lottery, oldest first (may be empty).
    pub replacements: Vec<Replacement>,
    /// Why a category has no population shares, by category name (the page says so
    /// beside its chart).
    #[serde(default)]
    pub population_missing: std::collections::BTreeMap<String, PopulationMissing>,
}

/// Why the population shares of a category are not shown.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PopulationMissing {
    /// The population register does not hold the attribute (education, migration …).
    NotInRegister,
    /// The register extract was not available when the report was made (deleted after
    /// its retention period, or on another computer).
    NoRegister,
    /// The register extract differs from the one the commitment recorded.
    RegisterChanged,
}

/// Overall counts of the stages; `None` where a stage has not happened (yet).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Funnel {
    /// Residents in the register extract.
    pub residents: Option<u64>,
    /// Residents eligible for the draw.
    pub eligible: Option<u64>,
    /// Invitations sent (all waves).
    pub invited: Option<u64>,
    /// Replies received (form rows, including those later rejected).
    pub applied: Option<u64>,
    /// Valid applications: the pool the panel is selected from.
    pub pool: Option<u64>,
    /// Panel members (k), once the panel exists.
    pub panel: Option<u64>,
}

/// One attribute (quota category or stratum column) and its values.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Category {
    /// Machine name as in the quota file, e.g. "age_band".
    pub name: String,
    pub values: Vec<ValueRow>,
}

/// The figures for one value of a category. Counts are raw here; the renderer
/// suppresses small ones.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ValueRow {
    pub value: String,
    /// Share of the (eligible) population with this value, 0..=1, where known.
    pub population_share: Option<f64>,
    /// Eligible residents with this value (known for stratum columns).
    pub eligible: Option<u64>,
    /// Invitees with this value (known for register attributes, not for form answers).
    pub invitees: Option<u64>,
    /// Applicants in the pool with this value.
    pub applicants: Option<u64>,
    /// Panel members with this value, once the lottery has picked the panel.
    pub panel: Option<u64>,
    /// Quota bounds (inclusive).
    pub min: Option<u64>,
    pub max: Option<u64>,
    /// The seat target the quota was derived from, if the caller knows it.
    pub target: Option<f64>,
    /// Expected number of panel members with this value under the selection
    /// distribution (Σ of the members' selection probabilities).
    pub expected: Option<f64>,
}

/// Invited and applied per stratum of the draw.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ResponseRate {
    pub stratum: String,
    pub invited: u64,
    pub applied: u64,
}

/// Selection probabilities of the pool members, without their ids.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Probabilities {
    /// Name of the algorithm that produced `leximin` ("leximin", or "maximin").
    pub algorithm: Option<String>,
    /// Probabilities of the fair algorithm, one per pool member (any order).
    pub leximin: Vec<f64>,
    /// The legacy (greedy) algorithm's probabilities, where it was run too.
    pub legacy: Option<Vec<f64>>,
    /// Number of panels in the distribution.
    pub panels: Option<u64>,
    /// The certificate of the selection (journal `pricing_gap`), as decimal text.
    #[serde(default)]
    pub pricing_gap: Option<String>,
    /// The algorithms compared with the selection (`select --compare`), if they were.
    #[serde(default)]
    pub comparison: Vec<ComparisonRow>,
    /// The compared algorithms' sorted probabilities (`comparison-curves.csv`):
    /// (algorithm name, probabilities ascending).
    #[serde(default)]
    pub curves: Vec<(String, Vec<f64>)>,
}

/// One algorithm of `comparison.csv`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ComparisonRow {
    pub algorithm: String,
    pub min: f64,
    pub max: f64,
    pub median: f64,
    pub gini: f64,
    /// min ÷ maximin-optimal, max ÷ minimax-optimal.
    pub min_ratio: f64,
    pub max_ratio: f64,
}

/// What a seed or hash is; the renderer translates the label.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum HashKind {
    SeedSource,
    Seed,
    Commitment,
    JournalHead,
    ProcessFile,
    RegisterExtract,
    EligibleList,
    Invitees,
    Pool,
    Quotas,
    Distribution,
    Probabilities,
    Lottery,
    /// Anything else, labelled by the caller (shown escaped, untranslated).
    Other(String),
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SeedHash {
    pub kind: HashKind,
    pub value: String,
    /// e.g. "wave 1" or the journal entry number.
    pub detail: Option<String>,
}

/// The public lottery: a number drawn from 1..=m picks panel `panel_no` of the
/// distribution's m slots.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Lottery {
    pub m: u64,
    pub number: u64,
    pub panel_no: u64,
    pub date: Option<String>,
    pub seed: Option<String>,
}

/// One event of drop-outs and replacements. Counts here are not suppressed: they
/// carry no attribute, so they single no one out; `note` must not name anyone.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Replacement {
    pub date: String,
    pub dropped: u32,
    pub replaced: u32,
    pub note: Option<String>,
}

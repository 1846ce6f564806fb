//! The journal's entries, one serde struct per step (docs/formats.md lists them).
//! Unknown fields are refused; no field is a floating-point number (probabilities
//! and factors are decimal text, see [`Decimal`]); hashes are checked to be SHA-256
//! hex ([`Sha256`]). A field that is missing is an error when the journal is opened,
//! so no reader ever falls back to an empty string or a zero.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub use crate::base::fsio::Sha256;

/// An exact decimal as text: `-?digits[.digits]` (a probability with 12 places, a
/// factor such as "1.5"). The journal holds numbers that are not whole this way,
/// never as JSON floats, whose text differs between implementations.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Decimal(String);

impl Decimal {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `value / 10^decimals` (a factor in thousandths, …), trailing zeros dropped.
    pub fn scaled(value: u128, decimals: u32) -> Decimal {
        Decimal(crate::base::text::scaled_text(value, decimals))
    }
    /// Units of 10⁻¹² as a decimal with 12 places.
    pub fn units(u: i128) -> Decimal {
        Decimal(crate::base::text::units_text(u))
    }
    /// Value in units of 10⁻¹² (None for a negative or too precise value).
    pub fn to_units(&self) -> Option<i128> {
        crate::base::text::parse_units(&self.0)
    }
}

impl TryFrom<String> for Decimal {
    type Error = crate::base::error::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let body = s.strip_prefix('-').unwrap_or(&s);
        let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if digits(int) && digits(frac) {
            Ok(Decimal(s))
        } else {
            Err(crate::base::error::Error::input(
                crate::base::error::Location::default(),
                format!("{s:?} is not a decimal number written as text"),
            ))
        }
    }
}

impl From<Decimal> for String {
    fn from(d: Decimal) -> String {
        d.0
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A map with text keys from `[(name, value), …]` (the outputs of an entry).
pub fn named<T, const N: usize>(pairs: [(&str, T); N]) -> BTreeMap<String, T> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Output files of a step: name → path relative to the output folder.
pub type Files = BTreeMap<String, String>;
/// Output files of a step: name → SHA-256 of the bytes written.
pub type Hashes = BTreeMap<String, Sha256>;

/// The name of a step, as the journal's `step` field writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Commit,
    Draw,
    Intake,
    Select,
    Lottery,
    LotteryDraw,
    Replace,
    Letters,
    Report,
    Retention,
}

impl Step {
    pub const ALL: [Step; 10] = [
        Step::Commit,
        Step::Draw,
        Step::Intake,
        Step::Select,
        Step::Lottery,
        Step::LotteryDraw,
        Step::Replace,
        Step::Letters,
        Step::Report,
        Step::Retention,
    ];

    /// The journal's name of the step.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Commit => "commit",
            Step::Draw => "draw",
            Step::Intake => "intake",
            Step::Select => "select",
            Step::Lottery => "lottery",
            Step::LotteryDraw => "lottery-draw",
            Step::Replace => "replace",
            Step::Letters => "letters",
            Step::Report => "report",
            Step::Retention => "retention",
        }
    }

    /// The command that performs the step.
    pub fn command(self) -> &'static str {
        match self {
            Step::Commit => "sortes commit",
            Step::Draw => "sortes draw",
            Step::Intake => "sortes intake",
            Step::Select => "sortes select",
            Step::Lottery => "sortes lottery build",
            Step::LotteryDraw => "sortes lottery draw",
            Step::Replace => "sortes replace",
            Step::Letters => "sortes letters",
            Step::Report => "sortes report",
            Step::Retention => "sortes retention",
        }
    }

    /// Output files the entry must record, and those it may record.
    pub(super) fn outputs(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Step::Commit => (&[], &[]),
            Step::Draw => (&["invitees", "summary"], &[]),
            Step::Intake => (&["pool", "summary", "mapping", "rejects"], &[]),
            // legacy has no distribution (checked in Body::check).
            Step::Select => (
                &["probabilities", "quota_table"],
                &["distribution", "comparison", "comparison_curves"],
            ),
            Step::Lottery => (&["lottery", "report"], &[]),
            Step::LotteryDraw => (&["panel", "reserves"], &[]),
            Step::Replace => (&["panel"], &[]),
            Step::Letters => (&["pdf", "html", "mail_merge"], &[]),
            Step::Report => (&["report_de", "report_en"], &["pdf_de", "pdf_en"]),
            Step::Retention => (&[], &[]),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one journal entry says, by step (the `step` field is the tag).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Body {
    Commit(Commit),
    Draw(Draw),
    Intake(Intake),
    Select(Select),
    Lottery(LotteryBuild),
    LotteryDraw(LotteryDraw),
    Replace(Replace),
    Letters(Letters),
    Report(Report),
    Retention(Retention),
}

/// The invitation draw's commitment: every input fixed before the seed exists (spec §11).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commit {
    pub wave: u32,
    pub process_sha256: Sha256,
    pub register_file_sha256: Sha256,
    pub extract_sha256: Sha256,
    pub register_rows: u64,
    pub blank_rows: u64,
    pub rejected_rows: u64,
    /// With `commit --rejects FILE`: the SHA-256 of that file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejects_sha256: Option<Sha256>,
    pub residents: u64,
    /// Residents with a partial birth date, and those of them for whom the rule of
    /// spec §6.5 decided eligibility or the age band.
    pub partial_birth_dates: u64,
    pub partial_birth_dates_decided: u64,
    pub eligible: u64,
    pub eligible_sha256: Sha256,
    /// Excluded residents by first reason (every reason listed, also with 0).
    pub excluded: BTreeMap<String, u64>,
    pub exclusion_list_ids_not_in_register: u64,
    pub invitations: u64,
    pub household_rule: bool,
    pub strata_columns: Vec<String>,
    pub strata: Vec<CommitStratum>,
    /// The announced public randomness: a description, and its form (spec §2.1),
    /// which the draw's seed must have.
    pub seed_source: String,
    pub seed_form: String,
    pub reference_date: String,
    /// A new commitment for a wave that has one already, with the reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommit_reason: Option<String>,
    /// Spec §11: SHA-256 of the canonical JSON of `wave` and the committed fields.
    pub commitment: Sha256,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitStratum {
    pub stratum: String,
    pub residents: u64,
    pub eligible: u64,
    pub capacity: u64,
    pub factor: Decimal,
    pub allocated: u64,
}

/// The invitation draw with the public seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draw {
    pub wave: u32,
    pub commitment: Sha256,
    /// The seed in canonical form (spec §2).
    pub seed: String,
    pub key_label: String,
    pub drawn: u64,
    pub drawn_sha256: Sha256,
    pub words_used: u64,
    pub code_key_sha256: Sha256,
    pub outputs: Files,
    pub output_sha256: Hashes,
    pub shortfall: Vec<Shortfall>,
    /// A second draw of the same commitment, with the reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redraw_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shortfall {
    pub stratum: String,
    pub allocated: u64,
    pub drawn: u64,
}

/// The intake of the applications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    pub process_sha256: Sha256,
    pub applications_sha256: Sha256,
    /// The invitee files the applications were linked to.
    pub invitee_files: Vec<FileHash>,
    pub rows_in: u64,
    pub pool: u64,
    pub rejected: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    pub outputs: Files,
    pub output_sha256: Hashes,
}

/// A file (relative to the output folder) and its SHA-256.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    pub file: String,
    pub sha256: Sha256,
}

/// The selection algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Leximin,
    Maximin,
    Goldilocks,
    Legacy,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Leximin => "leximin",
            Algorithm::Maximin => "maximin",
            Algorithm::Goldilocks => "goldilocks",
            Algorithm::Legacy => "legacy",
        }
    }
    /// Whether the algorithm writes a distribution over panels (the lottery needs one).
    pub fn has_distribution(self) -> bool {
        self != Algorithm::Legacy
    }
}

/// The panel selection (the distribution over quota-feasible panels).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Select {
    pub process_sha256: Sha256,
    /// The pool the selection read (relative to the output folder) and its SHA-256.
    pub pool_file: String,
    pub pool_sha256: Sha256,
    pub quotas_sha256: Sha256,
    pub k: u64,
    pub algorithm: Algorithm,
    /// Goldilocks only: its γ (weight of the floor against the ceiling), 12 decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<Decimal>,
    /// LEXIMIN and Goldilocks: the certificate, how far from optimal the result can be
    /// (the final pricing gap of column generation, see docs/selection.md), 12 decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_gap: Option<Decimal>,
    pub applicants: u64,
    /// Panels in the distribution (none for legacy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panels: Option<u64>,
    /// The smallest selection probability, 12 decimals.
    pub min_probability: Decimal,
    pub outputs: Files,
    pub output_sha256: Hashes,
}

/// The public lottery's commitment: m numbered panels, before the number is known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotteryBuild {
    pub lottery_sha256: Sha256,
    /// The announced randomness of the draw: a description and its form (spec §2.1):
    /// `ceremony`, `drand:ROUND` or `rfc3797:COUNTS`.
    pub seed_source: String,
    pub seed_form: String,
    pub m: u64,
    pub k: u64,
    pub pool_sha256: Sha256,
    pub quotas_sha256: Sha256,
    pub distribution_sha256: Sha256,
    pub panels_in_distribution: u64,
    pub panels_in_lottery: u64,
    pub panels_generated: u64,
    pub max_deviation: Decimal,
    pub deviation_lower_bound: Decimal,
    pub min_probability_leximin: Decimal,
    pub min_probability_lottery: Decimal,
    pub outputs: Files,
    pub output_sha256: Hashes,
}

/// Where the lottery's number came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Drawn at a public ceremony.
    Ceremony,
    /// Derived from public randomness (`seed`).
    Seed,
}

/// The public lottery's draw: the number, the panel and the reserve order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotteryDraw {
    pub lottery_sha256: Sha256,
    pub m: u64,
    pub number: u64,
    pub number_text: String,
    pub source: Source,
    /// The seed in canonical form when `source` is `seed` (else null).
    pub seed: Option<String>,
    pub reserve_seed: String,
    pub panel: Vec<String>,
    pub reserves: u64,
    pub outputs: Files,
    pub output_sha256: Hashes,
}

/// A replacement round: who dropped out, who replaced them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    pub round: u64,
    pub date: String,
    pub dropped: Vec<String>,
    pub unavailable: Vec<String>,
    pub replacements: Vec<String>,
    pub rule: String,
    pub outputs: Files,
    pub output_sha256: Hashes,
}

/// A batch of letters (counts and hashes only, never a name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letters {
    /// `invitation`, `selected`, `reserve` or `not_selected`.
    pub kind: String,
    pub letters: u64,
    pub pages: u64,
    pub missing_glyphs: u64,
    pub single_files: u64,
    /// Invitations: the wave and the SHA-256 of the invitee file they came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitees_sha256: Option<Sha256>,
    /// Letters after the lottery: the replacement rounds the panel has been through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_rounds: Option<u64>,
    pub outputs: Files,
    pub output_sha256: Hashes,
}

/// Personal data deleted after its retention period (files of `out/private/`, the
/// code key, the register extract): what was deleted, with its SHA-256, so that
/// verify can tell a deleted file from a missing one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// The day of the deletion (`YYYY-MM-DD`).
    pub date: String,
    pub reason: String,
    /// Deleted files of the output folder (paths relative to it).
    pub deleted: Vec<FileHash>,
    /// The code key's SHA-256 (as the draws record it), when it was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_key_sha256: Option<Sha256>,
    /// The register extract's SHA-256 (as the commits record it), when it was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_sha256: Option<Sha256>,
}

/// The public report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub min_cell: u64,
    pub outputs: Files,
    pub output_sha256: Hashes,
}

impl Body {
    pub fn step(&self) -> Step {
        match self {
            Body::Commit(_) => Step::Commit,
            Body::Draw(_) => Step::Draw,
            Body::Intake(_) => Step::Intake,
            Body::Select(_) => Step::Select,
            Body::Lottery(_) => Step::Lottery,
            Body::LotteryDraw(_) => Step::LotteryDraw,
            Body::Replace(_) => Step::Replace,
            Body::Letters(_) => Step::Letters,
            Body::Report(_) => Step::Report,
            Body::Retention(_) => Step::Retention,
        }
    }

    /// The recorded output files: (paths, hashes); None for a step without outputs.
    pub fn files(&self) -> Option<(&Files, &Hashes)> {
        match self {
            Body::Commit(_) | Body::Retention(_) => None,
            Body::Draw(e) => Some((&e.outputs, &e.output_sha256)),
            Body::Intake(e) => Some((&e.outputs, &e.output_sha256)),
            Body::Select(e) => Some((&e.outputs, &e.output_sha256)),
            Body::Lottery(e) => Some((&e.outputs, &e.output_sha256)),
            Body::LotteryDraw(e) => Some((&e.outputs, &e.output_sha256)),
            Body::Replace(e) => Some((&e.outputs, &e.output_sha256)),
            Body::Letters(e) => Some((&e.outputs, &e.output_sha256)),
            Body::Report(e) => Some((&e.outputs, &e.output_sha256)),
        }
    }

    /// The wave of a stage-1 entry.
    pub fn wave(&self) -> Option<u32> {
        match self {
            Body::Commit(e) => Some(e.wave),
            Body::Draw(e) => Some(e.wave),
            Body::Letters(e) => e.wave,
            _ => None,
        }
    }

    /// What the schema cannot say by types alone: the output names of the step, and
    /// the rules between fields. A sentence for the first problem.
    pub(super) fn check(&self) -> Result<(), String> {
        if let Some((files, hashes)) = self.files() {
            let (required, optional) = self.step().outputs();
            let named: Vec<&String> = files.keys().collect();
            if named != hashes.keys().collect::<Vec<_>>() {
                return Err("outputs and output_sha256 name different files".into());
            }
            for r in required {
                if !files.contains_key(*r) {
                    return Err(format!("the output {r:?} is not recorded"));
                }
            }
            if let Some(n) = named
                .iter()
                .find(|n| !required.contains(&n.as_str()) && !optional.contains(&n.as_str()))
            {
                return Err(format!("{n:?} is not an output of this step"));
            }
            if let Some((n, p)) = files.iter().find(|(_, p)| !inside(p)) {
                return Err(format!(
                    "the output {n:?} is recorded at {p:?}, which is not a path inside the output folder"
                ));
            }
        }
        match self {
            Body::Select(s)
                if s.algorithm.has_distribution() != s.outputs.contains_key("distribution") =>
            {
                Err(format!(
                    "a {} selection {}",
                    s.algorithm.name(),
                    if s.algorithm.has_distribution() {
                        "must record a distribution"
                    } else {
                        "records no distribution"
                    }
                ))
            }
            Body::LotteryDraw(d) if (d.source == Source::Seed) != d.seed.is_some() => {
                Err("the seed is given exactly when the source is \"seed\"".into())
            }
            _ => Ok(()),
        }
    }
}

/// Whether a recorded path is a plain relative path inside the output folder:
/// components separated by `/`, none empty, `.` or `..`, no `\\` or `:`.
fn inside(p: &str) -> bool {
    !p.is_empty()
        && !p.contains(['\\', ':'])
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// An entry kind, for typed access to the journal: `journal.all::<Draw>()`.
pub trait Kind: Sized {
    const STEP: Step;
    fn of(body: &Body) -> Option<&Self>;
}

macro_rules! kinds {
    ($($variant:ident => $ty:ty),* $(,)?) => {
        $(impl Kind for $ty {
            const STEP: Step = Step::$variant;
            fn of(body: &Body) -> Option<&Self> {
                match body {
                    Body::$variant(e) => Some(e),
                    _ => None,
                }
            }
        })*
    };
}

kinds! {
    Commit => Commit,
    Draw => Draw,
    Intake => Intake,
    Select => Select,
    Lottery => LotteryBuild,
    LotteryDraw => LotteryDraw,
    Replace => Replace,
    Letters => Letters,
    Report => Report,
    Retention => Retention,
}

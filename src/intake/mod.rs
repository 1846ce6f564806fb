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

pub mod step;
mod synth;
mod table;

pub use synth::{default_dortmund_config, synth_applications};

use crate::draw::codes::parse_code;
use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use table::{Table, fold};

/// The columns of invitees.csv (the same as `draw::INVITEE_HEADER`).
pub const INVITEE_COLUMNS: [&str; 16] = [
    "wave",
    "stratum",
    "draw_rank",
    "register_id",
    "application_code",
    "family_name",
    "given_names",
    "street",
    "house_number",
    "postcode",
    "city",
    "age",
    "age_band",
    "gender",
    "nationality",
    "stadtbezirk",
];

/// Invitee columns that may become pool attributes. Names, addresses, codes and
/// register ids never can.
pub const REGISTER_ATTRIBUTE_CHOICES: [&str; 8] = [
    "wave",
    "stratum",
    "age",
    "age_band",
    "gender",
    "nationality",
    "stadtbezirk",
    "postcode",
];

/// The `[intake]` table of the process file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeConfig {
    /// Column holding the application code, e.g. "Antragscode".
    pub code_column: String,
    /// Column holding the consent to the processing of the answers (yes/no).
    pub consent_column: String,
    /// Column marking a withdrawn application (yes/no/empty).
    #[serde(default)]
    pub withdrawn_column: Option<String>,
    /// Column with the submission time; decides which of several replies for one
    /// code counts (the later). Without it, the later row counts.
    #[serde(default)]
    pub submitted_column: Option<String>,
    /// Contact columns (e-mail, phone …): kept only in the private mapping.
    #[serde(default)]
    pub contact_columns: Vec<String>,
    /// Availability column: kept only in the private mapping (for scheduling).
    #[serde(default)]
    pub availability_column: Option<String>,
    /// Self-reported attributes asked on the form.
    #[serde(default)]
    pub attributes: Vec<FormAttribute>,
    /// Invitee columns that become pool attributes.
    #[serde(default = "default_register_attributes")]
    pub register_attributes: Vec<String>,
    /// Household key from the invitee's address (street, house number, postcode).
    #[serde(default = "yes")]
    pub household_rule: bool,
    /// Answers read as "yes" (case-insensitive, trimmed).
    #[serde(default = "default_yes_values")]
    pub yes_values: Vec<String>,
    /// Answers read as "no" (case-insensitive, trimmed).
    #[serde(default = "default_no_values")]
    pub no_values: Vec<String>,
}

/// A self-reported attribute, e.g. `{ name = "education", column = "Bildungsabschluss",
/// values = ["niedrig", "mittel", "hoch"] }`. `map` translates form answers to
/// values (`"Abitur" = "hoch"`); answers equal to a value are accepted as well.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormAttribute {
    pub name: String,
    pub column: String,
    pub values: Vec<String>,
    #[serde(default)]
    pub map: Option<BTreeMap<String, String>>,
}

fn yes() -> bool {
    true
}
pub fn default_register_attributes() -> Vec<String> {
    vec!["gender".into(), "age_band".into(), "stadtbezirk".into()]
}
pub fn default_yes_values() -> Vec<String> {
    [
        "ja",
        "j",
        "yes",
        "y",
        "x",
        "1",
        "true",
        "wahr",
        "zugestimmt",
        "einverstanden",
        "ich stimme zu",
    ]
    .map(String::from)
    .to_vec()
}
pub fn default_no_values() -> Vec<String> {
    ["nein", "n", "no", "0", "false", "falsch", "abgelehnt"]
        .map(String::from)
        .to_vec()
}

impl IntakeConfig {
    /// Names of the pool attribute columns: register attributes, then form attributes.
    pub fn attribute_names(&self) -> Vec<String> {
        self.register_attributes
            .iter()
            .map(|a| a.trim().to_lowercase())
            .chain(self.attributes.iter().map(|a| a.name.clone()))
            .collect()
    }

    /// Checks the configuration itself (before any file is read).
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::refused(format!("[intake] {m}")));
        if self.code_column.trim().is_empty() || self.consent_column.trim().is_empty() {
            return bad("code_column and consent_column must name columns".into());
        }
        for r in &self.register_attributes {
            let r = r.trim().to_lowercase();
            if !REGISTER_ATTRIBUTE_CHOICES.contains(&r.as_str()) {
                return bad(format!(
                    "register_attributes names {r:?}; possible are {}",
                    REGISTER_ATTRIBUTE_CHOICES.join(", ")
                ));
            }
        }
        let mut seen: Vec<String> = vec!["pool_id".into(), "household".into()];
        for n in self.attribute_names() {
            if n.trim().is_empty() {
                return bad("an attribute has an empty name".into());
            }
            if seen.iter().any(|s| fold(s) == fold(&n)) {
                return bad(format!(
                    "the attribute name {n:?} occurs twice (or is pool_id/household)"
                ));
            }
            seen.push(n);
        }
        for a in &self.attributes {
            if a.values.is_empty() {
                return bad(format!("attribute {:?} has no values", a.name));
            }
            if let Some(m) = &a.map {
                for (k, v) in m {
                    if !a.values.iter().any(|x| fold(x) == fold(v)) {
                        return bad(format!(
                            "attribute {:?} maps {k:?} to {v:?}, which is not one of its values ({})",
                            a.name,
                            a.values.join(", ")
                        ));
                    }
                }
            }
        }
        for y in &self.yes_values {
            if self.no_values.iter().any(|n| fold(n) == fold(y)) {
                return bad(format!("{y:?} is in both yes_values and no_values"));
            }
        }
        Ok(())
    }

    fn is_yes(&self, v: &str) -> bool {
        let v = fold(v);
        self.yes_values.iter().any(|y| fold(y) == v)
    }
    fn is_no(&self, v: &str) -> bool {
        let v = fold(v);
        self.no_values.iter().any(|y| fold(y) == v)
    }
}

/// One invited person (a row of invitees.csv, any wave).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Invitee {
    pub wave: String,
    pub stratum: String,
    pub draw_rank: String,
    pub register_id: String,
    pub application_code: String,
    pub family_name: String,
    pub given_names: String,
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
    pub age: String,
    pub age_band: String,
    pub gender: String,
    pub nationality: String,
    pub stadtbezirk: String,
    /// Where the row was read (for messages that must not quote personal data).
    pub file: Option<PathBuf>,
    pub line: u64,
}

impl fmt::Debug for Invitee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invitee")
            .field("wave", &self.wave)
            .field("stratum", &self.stratum)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl Invitee {
    /// The value of an invitee column by its invitees.csv name.
    pub fn field(&self, name: &str) -> Option<&str> {
        Some(match name {
            "wave" => &self.wave,
            "stratum" => &self.stratum,
            "draw_rank" => &self.draw_rank,
            "register_id" => &self.register_id,
            "application_code" => &self.application_code,
            "family_name" => &self.family_name,
            "given_names" => &self.given_names,
            "street" => &self.street,
            "house_number" => &self.house_number,
            "postcode" => &self.postcode,
            "city" => &self.city,
            "age" => &self.age,
            "age_band" => &self.age_band,
            "gender" => &self.gender,
            "nationality" => &self.nationality,
            "stadtbezirk" => &self.stadtbezirk,
            _ => return None,
        })
    }

    fn set(&mut self, name: &str, v: String) {
        let slot = match name {
            "wave" => &mut self.wave,
            "stratum" => &mut self.stratum,
            "draw_rank" => &mut self.draw_rank,
            "register_id" => &mut self.register_id,
            "application_code" => &mut self.application_code,
            "family_name" => &mut self.family_name,
            "given_names" => &mut self.given_names,
            "street" => &mut self.street,
            "house_number" => &mut self.house_number,
            "postcode" => &mut self.postcode,
            "city" => &mut self.city,
            "age" => &mut self.age,
            "age_band" => &mut self.age_band,
            "gender" => &mut self.gender,
            "nationality" => &mut self.nationality,
            "stadtbezirk" => &mut self.stadtbezirk,
            _ => return,
        };
        *slot = v;
    }

    /// Normalised address (street lower case, house number without spaces,
    /// postcode), or None when street or postcode is empty.
    pub fn household_key(&self) -> Option<(String, String, String)> {
        let street = fold(&self.street);
        let postcode: String = self.postcode.split_whitespace().collect();
        if street.is_empty() || postcode.is_empty() {
            return None;
        }
        let number: String = fold(&self.house_number)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        Some((street, number, postcode))
    }

    fn location(&self) -> Location {
        match &self.file {
            Some(p) => Location::line(p, self.line),
            None => Location::default(),
        }
    }
}

/// Reads invitees.csv of every wave. Codes are put into canonical form; a code or a
/// register id that occurs twice is an error (the same file given twice?).
pub fn read_invitees(paths: &[PathBuf]) -> Result<Vec<Invitee>> {
    let mut out: Vec<Invitee> = Vec::new();
    let mut codes: HashMap<String, (PathBuf, u64)> = HashMap::new();
    let mut ids: HashMap<String, (PathBuf, u64)> = HashMap::new();
    for path in paths {
        let t = table::read_table(path)?;
        let idx: Vec<usize> = INVITEE_COLUMNS
            .iter()
            .map(|c| t.column(c, "invitees.csv"))
            .collect::<Result<_>>()?;
        for row in &t.rows {
            if row.cells.len() != t.header.len() {
                return Err(Error::input(
                    Location::line(path, row.line),
                    format!(
                        "the row has {} fields, the header has {}",
                        row.cells.len(),
                        t.header.len()
                    ),
                ));
            }
            let mut inv = Invitee {
                file: Some(path.clone()),
                line: row.line,
                ..Default::default()
            };
            for (c, &i) in INVITEE_COLUMNS.iter().zip(&idx) {
                inv.set(c, row.get(i).to_string());
            }
            let code = parse_code(&inv.application_code).map_err(|_| {
                Error::input(
                    Location::at(path, row.line, "application_code"),
                    "this is not a valid application code; invitees.csv must be the file sortes wrote",
                )
            })?;
            inv.application_code = code.clone();
            if let Some((p, l)) = codes.insert(code, (path.clone(), row.line)) {
                return Err(Error::input(
                    Location::at(path, row.line, "application_code"),
                    format!(
                        "the same application code occurs already in {}, line {l}; is a file given twice?",
                        p.display()
                    ),
                ));
            }
            if let Some((p, l)) = ids.insert(inv.register_id.clone(), (path.clone(), row.line)) {
                return Err(Error::input(
                    Location::at(path, row.line, "register_id"),
                    format!(
                        "the same register id occurs already in {}, line {l}; is a file given twice?",
                        p.display()
                    ),
                ));
            }
            out.push(inv);
        }
    }
    Ok(out)
}

/// Why an application row is not in the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The row has a different number of fields than the header (a stray delimiter?).
    BrokenRow { fields: usize, expected: usize },
    /// The code cell is empty.
    NoCode,
    /// The code is malformed or its check character does not match (a typo).
    InvalidCode {
        problem: String,
        suggestion: Option<String>,
    },
    /// A well-formed code that was not issued in the invitation waves given.
    UnknownCode,
    /// A later reply for the same code counts instead.
    Superseded { by_line: u64 },
    /// The applicant withdrew.
    Withdrawn,
    /// The withdrawal column holds neither a yes nor a no value.
    UnclearWithdrawal { value: String },
    /// Consent is not given (empty, a no value, or unclear).
    NoConsent { value: String },
    /// Missing or invalid self-reported answers.
    Attributes(Vec<AttributeProblem>),
}

/// A missing (`value` empty) or invalid answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeProblem {
    pub attribute: String,
    pub column: String,
    pub value: String,
    pub allowed: Vec<String>,
    pub hint: Option<String>,
}

impl RejectReason {
    /// A short key for counting ("invalid_code", "superseded" …).
    pub fn kind(&self) -> &'static str {
        match self {
            RejectReason::BrokenRow { .. } => "broken_row",
            RejectReason::NoCode => "no_code",
            RejectReason::InvalidCode { .. } => "invalid_code",
            RejectReason::UnknownCode => "unknown_code",
            RejectReason::Superseded { .. } => "superseded",
            RejectReason::Withdrawn => "withdrawn",
            RejectReason::UnclearWithdrawal { .. } => "unclear_withdrawal",
            RejectReason::NoConsent { .. } => "no_consent",
            RejectReason::Attributes(_) => "attribute",
        }
    }
}

impl fmt::Display for AttributeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{} ({}) is missing", self.column, self.attribute)?;
        } else {
            write!(
                f,
                "{} ({}) {:?} is not an allowed answer",
                self.column, self.attribute, self.value
            )?;
        }
        write!(f, "; allowed: {}", self.allowed.join(", "))?;
        if let Some(h) = &self.hint {
            write!(f, "; did you mean {h:?}?")?;
        }
        Ok(())
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::BrokenRow { fields, expected } => write!(
                f,
                "the row has {fields} fields, the header has {expected} (a stray delimiter?)"
            ),
            RejectReason::NoCode => write!(f, "no application code"),
            RejectReason::InvalidCode {
                problem,
                suggestion,
            } => {
                write!(f, "invalid code: {problem}")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean {s}?"),
                    None => Ok(()),
                }
            }
            RejectReason::UnknownCode => {
                write!(f, "unknown code: not issued in the invitation waves given")
            }
            RejectReason::Superseded { by_line } => write!(f, "superseded by line {by_line}"),
            RejectReason::Withdrawn => write!(f, "withdrawn"),
            RejectReason::UnclearWithdrawal { value } => write!(
                f,
                "withdrawal column holds {value:?}, neither a yes nor a no value; ask the applicant"
            ),
            RejectReason::NoConsent { value } if value.is_empty() => {
                write!(f, "no consent (the consent field is empty)")
            }
            RejectReason::NoConsent { value } => write!(f, "no consent (answer {value:?})"),
            RejectReason::Attributes(ps) => {
                let parts: Vec<String> = ps.iter().map(ToString::to_string).collect();
                write!(f, "{}", parts.join(" | "))
            }
        }
    }
}

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

/// Invited and valid applications for one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRow {
    pub value: String,
    pub invited: usize,
    pub applied: usize,
}

impl RateRow {
    /// applied / invited in percent, one decimal, rounded half up ("" when nobody
    /// was invited). Integer arithmetic only.
    pub fn rate_text(&self) -> String {
        rate_text(self.applied, self.invited)
    }
}

fn rate_text(applied: usize, invited: usize) -> String {
    if invited == 0 {
        return String::new();
    }
    let tenths = (applied as u128 * 1000 + invited as u128 / 2) / invited as u128;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Several replies for one code: the counted line and the superseded ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateNote {
    pub line: u64,
    pub superseded: Vec<u64>,
    /// Whether the counted reply entered the pool (it may itself be rejected).
    pub in_pool: bool,
}

/// Aggregates only: safe to publish.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseSummary {
    pub invited: usize,
    pub applied: usize,
    pub by_stratum: Vec<RateRow>,
    /// Register attribute → rows per value.
    pub by_register: Vec<(String, Vec<RateRow>)>,
    /// Form attribute → (value, pool members) in configured value order.
    pub by_form: Vec<(String, Vec<(String, usize)>)>,
    pub duplicates: Vec<DuplicateNote>,
    /// Reject kind → rows.
    pub rejected: Vec<(String, usize)>,
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

/// Column indices of the applications file.
struct Columns {
    code: usize,
    consent: usize,
    withdrawn: Option<usize>,
    submitted: Option<usize>,
    attributes: Vec<usize>,
    private: Vec<usize>,
}

impl Columns {
    fn find(cfg: &IntakeConfig, t: &Table) -> Result<Columns> {
        let attr_what: Vec<String> = cfg
            .attributes
            .iter()
            .map(|a| format!("attribute {}", a.name))
            .collect();
        let mut wanted: Vec<(&str, &str)> = vec![
            (&cfg.code_column, "intake.code_column"),
            (&cfg.consent_column, "intake.consent_column"),
        ];
        let optional = [
            (&cfg.withdrawn_column, "intake.withdrawn_column"),
            (&cfg.submitted_column, "intake.submitted_column"),
            (&cfg.availability_column, "intake.availability_column"),
        ];
        for (c, what) in &optional {
            if let Some(c) = c {
                wanted.push((c, what));
            }
        }
        for (a, what) in cfg.attributes.iter().zip(&attr_what) {
            wanted.push((&a.column, what));
        }
        for c in &cfg.contact_columns {
            wanted.push((c, "intake.contact_columns"));
        }
        let idx = t.columns(&wanted)?;
        let mut it = idx.into_iter();
        let mut next = || it.next().unwrap_or(0);
        let code = next();
        let consent = next();
        let mut opt = [None; 3];
        for (slot, (c, _)) in opt.iter_mut().zip(&optional) {
            if c.is_some() {
                *slot = Some(next());
            }
        }
        let attributes = cfg.attributes.iter().map(|_| next()).collect();
        let mut private: Vec<usize> = cfg.contact_columns.iter().map(|_| next()).collect();
        private.extend(opt[2]);
        Ok(Columns {
            code,
            consent,
            withdrawn: opt[0],
            submitted: opt[1],
            attributes,
            private,
        })
    }
}

/// Whether `a` becomes `b` by one substitution, adjacent swap, insertion or deletion.
pub fn one_edit(a: &[u8], b: &[u8]) -> bool {
    if a.len() == b.len() {
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        match diff.as_slice() {
            [_] => true,
            [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
            _ => false,
        }
    } else {
        let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
        if long.len() != short.len() + 1 {
            return false;
        }
        let i = (0..short.len())
            .find(|&i| long[i] != short[i])
            .unwrap_or(short.len());
        long[i + 1..] == short[i..]
    }
}

/// Typed code without spaces and hyphens, upper case.
fn code_chars(s: &str) -> Vec<u8> {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(|c| c.to_uppercase())
        .collect::<String>()
        .into_bytes()
}

/// The one issued code that is one edit away from `typed`, if exactly one is.
pub fn suggest_code<'a>(typed: &str, issued: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let t = code_chars(typed);
    let mut found: Option<&str> = None;
    for c in issued {
        if one_edit(&t, &code_chars(c)) {
            if found.is_some_and(|f| f != c) {
                return None;
            }
            found = Some(c);
        }
    }
    found.map(str::to_string)
}

/// Levenshtein distance over characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest allowed answer, when it is close (a prefix either way, or at most
/// half the characters differ) and unique.
fn closest_value(value: &str, allowed: &[String]) -> Option<String> {
    let v = fold(value);
    let scored: Vec<(usize, &String)> = allowed
        .iter()
        .filter_map(|a| {
            let f = fold(a);
            let d = if v.chars().count() >= 2 && (f.starts_with(&v) || v.starts_with(&f)) {
                0
            } else {
                levenshtein(&v, &f)
            };
            let len = v.chars().count().max(f.chars().count());
            (d * 2 <= len).then_some((d, a))
        })
        .collect();
    let best = scored.iter().map(|s| s.0).min()?;
    let winners: Vec<&&String> = scored
        .iter()
        .filter(|s| s.0 == best)
        .map(|s| &s.1)
        .collect();
    match winners.as_slice() {
        [w] => Some((**w).clone()),
        _ => None,
    }
}

/// Matches a form answer to an attribute value (trimmed, case-insensitive; `map`
/// first, then the values themselves).
fn match_attribute(
    attr: &FormAttribute,
    raw: &str,
) -> std::result::Result<String, AttributeProblem> {
    let key = fold(raw);
    if !key.is_empty() {
        if let Some(m) = &attr.map
            && let Some((_, v)) = m.iter().find(|(k, _)| fold(k) == key)
        {
            let canon = attr.values.iter().find(|x| fold(x) == fold(v));
            return Ok(canon.cloned().unwrap_or_else(|| v.clone()));
        }
        if let Some(v) = attr.values.iter().find(|x| fold(x) == key) {
            return Ok(v.clone());
        }
    }
    let mut allowed: Vec<String> = attr
        .map
        .as_ref()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for v in &attr.values {
        if !allowed.iter().any(|a| fold(a) == fold(v)) {
            allowed.push(v.clone());
        }
    }
    let hint = if key.is_empty() {
        None
    } else {
        closest_value(raw, &allowed)
    };
    Err(AttributeProblem {
        attribute: attr.name.clone(),
        column: attr.column.clone(),
        value: raw.trim().to_string(),
        allowed,
        hint,
    })
}

/// A reply whose code names an invitee.
struct Candidate {
    row: usize,
    invitee: usize,
    code: String,
    submitted: Option<[u32; 6]>,
}

/// Matches, checks and pseudonymises the applications. See the module documentation.
pub fn intake(
    cfg: &IntakeConfig,
    invitees: &[Invitee],
    applications_path: &Path,
) -> Result<IntakeResult> {
    cfg.check()?;
    let t = table::read_table(applications_path)?;
    intake_table(cfg, invitees, &t)
}

fn intake_table(cfg: &IntakeConfig, invitees: &[Invitee], t: &Table) -> Result<IntakeResult> {
    let cols = Columns::find(cfg, t)?;
    // Issued codes → invitee.
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for (i, inv) in invitees.iter().enumerate() {
        let code = parse_code(&inv.application_code).map_err(|_| {
            Error::input(inv.location(), "an invitee has an invalid application code")
        })?;
        if by_code.insert(code, i).is_some() {
            return Err(Error::input(
                inv.location(),
                "two invitees have the same application code; is a file given twice?",
            ));
        }
    }

    let mut rejects: Vec<IntakeReject> = Vec::new();
    let reject = |rejects: &mut Vec<IntakeReject>, row: usize, reason: RejectReason| {
        let r = &t.rows[row];
        rejects.push(IntakeReject {
            line: r.line,
            code_typed: r.get(cols.code).to_string(),
            reason,
        });
    };

    // 1. The code of every row.
    let mut candidates: Vec<Candidate> = Vec::new();
    for (ri, row) in t.rows.iter().enumerate() {
        if row.cells.len() != t.header.len() {
            reject(
                &mut rejects,
                ri,
                RejectReason::BrokenRow {
                    fields: row.cells.len(),
                    expected: t.header.len(),
                },
            );
            continue;
        }
        let typed = row.get(cols.code);
        if typed.is_empty() {
            reject(&mut rejects, ri, RejectReason::NoCode);
            continue;
        }
        let code = match parse_code(typed) {
            Ok(c) => c,
            Err(p) => {
                let problem = match p {
                    crate::draw::codes::CodeProblem::Malformed(m) => m,
                    crate::draw::codes::CodeProblem::CheckFailed => {
                        "the check character does not match (a typo?)".to_string()
                    }
                };
                let suggestion = suggest_code(typed, by_code.keys().map(String::as_str));
                reject(
                    &mut rejects,
                    ri,
                    RejectReason::InvalidCode {
                        problem,
                        suggestion,
                    },
                );
                continue;
            }
        };
        let Some(&invitee) = by_code.get(&code) else {
            reject(&mut rejects, ri, RejectReason::UnknownCode);
            continue;
        };
        let submitted = match cols.submitted {
            None => None,
            Some(c) => {
                let v = row.get(c);
                if v.is_empty() {
                    None
                } else {
                    Some(table::parse_timestamp(v).ok_or_else(|| {
                        Error::input(
                            Location::at(&t.path, row.line, t.header[c].clone()),
                            format!(
                                "{v:?} is not a time sortes can read (e.g. 2025-03-14 10:22 or 14.03.2025 10:22)"
                            ),
                        )
                    })?)
                }
            }
        };
        candidates.push(Candidate {
            row: ri,
            invitee,
            code,
            submitted,
        });
    }

    // 2. Several replies for one code: the later counts.
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, c) in candidates.iter().enumerate() {
        groups.entry(c.invitee).or_default().push(k);
    }
    let mut winners: Vec<usize> = Vec::new();
    let mut duplicates: Vec<DuplicateNote> = Vec::new();
    for members in groups.values() {
        let all_timed = members.iter().all(|&k| candidates[k].submitted.is_some());
        let key = |k: usize| {
            let c = &candidates[k];
            let ts = if all_timed { c.submitted } else { None };
            (ts, t.rows[c.row].line)
        };
        let Some(&win) = members.iter().max_by_key(|&&k| key(k)) else {
            continue;
        };
        winners.push(win);
        if members.len() > 1 {
            let by_line = t.rows[candidates[win].row].line;
            let mut superseded = Vec::new();
            for &k in members.iter().filter(|&&k| k != win) {
                superseded.push(t.rows[candidates[k].row].line);
                reject(
                    &mut rejects,
                    candidates[k].row,
                    RejectReason::Superseded { by_line },
                );
            }
            superseded.sort_unstable();
            duplicates.push(DuplicateNote {
                line: by_line,
                superseded,
                in_pool: false,
            });
        }
    }

    // 3. The counted replies: withdrawal, consent, answers.
    let attribute_names = cfg.attribute_names();
    let register_attrs: Vec<String> = cfg
        .register_attributes
        .iter()
        .map(|a| a.trim().to_lowercase())
        .collect();
    let mut pool: Vec<PoolRow> = Vec::new();
    for &k in &winners {
        let c = &candidates[k];
        let row = &t.rows[c.row];
        if let Some(w) = cols.withdrawn {
            let v = row.get(w);
            if cfg.is_yes(v) {
                reject(&mut rejects, c.row, RejectReason::Withdrawn);
                continue;
            }
            if !v.is_empty() && !cfg.is_no(v) {
                reject(
                    &mut rejects,
                    c.row,
                    RejectReason::UnclearWithdrawal {
                        value: v.to_string(),
                    },
                );
                continue;
            }
        }
        let consent = row.get(cols.consent);
        if !cfg.is_yes(consent) {
            reject(
                &mut rejects,
                c.row,
                RejectReason::NoConsent {
                    value: consent.to_string(),
                },
            );
            continue;
        }
        let inv = &invitees[c.invitee];
        let mut attributes: Vec<String> = register_attrs
            .iter()
            .map(|a| inv.field(a).unwrap_or("").to_string())
            .collect();
        let mut problems = Vec::new();
        for (a, &col) in cfg.attributes.iter().zip(&cols.attributes) {
            match match_attribute(a, row.get(col)) {
                Ok(v) => attributes.push(v),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            reject(&mut rejects, c.row, RejectReason::Attributes(problems));
            continue;
        }
        pool.push(PoolRow {
            pool_id: String::new(),
            household: String::new(),
            attributes,
            code: c.code.clone(),
            line: row.line,
            private: cols
                .private
                .iter()
                .map(|&i| row.get(i).to_string())
                .collect(),
        });
    }

    // 4. Pool order, ids, households.
    pool.sort_by(|a, b| a.code.cmp(&b.code));
    let width = pool.len().to_string().len().max(4);
    for (i, p) in pool.iter_mut().enumerate() {
        p.pool_id = format!("P{:0width$}", i + 1);
    }
    if cfg.household_rule {
        let mut first: HashMap<(String, String, String), (usize, usize)> = HashMap::new();
        for (i, p) in pool.iter().enumerate() {
            if let Some(key) = by_code
                .get(&p.code)
                .and_then(|&j| invitees[j].household_key())
            {
                first.entry(key).or_insert((i, 0)).1 += 1;
            }
        }
        let heads: Vec<Option<usize>> = pool
            .iter()
            .map(|p| {
                by_code
                    .get(&p.code)
                    .and_then(|&j| invitees[j].household_key())
                    .and_then(|key| first.get(&key))
                    .and_then(|&(h, n)| (n > 1).then_some(h))
            })
            .collect();
        for (i, h) in heads.into_iter().enumerate() {
            if let Some(h) = h {
                pool[i].household = pool[h].pool_id.clone();
            }
        }
    }
    let pool_lines: std::collections::BTreeSet<u64> = pool.iter().map(|p| p.line).collect();
    for d in &mut duplicates {
        d.in_pool = pool_lines.contains(&d.line);
    }
    duplicates.sort_by_key(|d| d.line);
    rejects.sort_by_key(|r| r.line);

    let rows_in = t.rows.len();
    assert_eq!(
        rows_in,
        pool.len() + rejects.len(),
        "intake lost or doubled a row"
    );

    // 5. Summary.
    let summary = summarise(
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
        attribute_names,
        private_columns,
    })
}

fn summarise(
    cfg: &IntakeConfig,
    invitees: &[Invitee],
    by_code: &BTreeMap<String, usize>,
    pool: &[PoolRow],
    rejects: &[IntakeReject],
    duplicates: Vec<DuplicateNote>,
    register_attrs: &[String],
) -> ResponseSummary {
    let in_pool: std::collections::BTreeSet<usize> = pool
        .iter()
        .filter_map(|p| by_code.get(&p.code).copied())
        .collect();
    let rates = |get: &dyn Fn(&Invitee) -> String| -> Vec<RateRow> {
        let mut m: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (i, inv) in invitees.iter().enumerate() {
            let e = m.entry(get(inv)).or_default();
            e.0 += 1;
            if in_pool.contains(&i) {
                e.1 += 1;
            }
        }
        m.into_iter()
            .map(|(value, (invited, applied))| RateRow {
                value,
                invited,
                applied,
            })
            .collect()
    };
    let by_stratum = rates(&|inv: &Invitee| inv.stratum.clone());
    let by_register = register_attrs
        .iter()
        .map(|a| {
            (
                a.clone(),
                rates(&|inv: &Invitee| inv.field(a).unwrap_or("").to_string()),
            )
        })
        .collect();
    let offset = register_attrs.len();
    let by_form = cfg
        .attributes
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let counts = a
                .values
                .iter()
                .map(|v| {
                    let n = pool
                        .iter()
                        .filter(|p| p.attributes.get(offset + k) == Some(v))
                        .count();
                    (v.clone(), n)
                })
                .collect();
            (a.name.clone(), counts)
        })
        .collect();
    let mut rejected: BTreeMap<&'static str, usize> = BTreeMap::new();
    for r in rejects {
        *rejected.entry(r.reason.kind()).or_default() += 1;
    }
    ResponseSummary {
        invited: invitees.len(),
        applied: pool.len(),
        by_stratum,
        by_register,
        by_form,
        duplicates,
        rejected: rejected
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
    }
}

fn write_csv(rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // Writing to a Vec<u8> cannot fail.
        let _ = w.write_record(&r);
    }
    w.into_inner().unwrap_or_default()
}

/// The pseudonymous pool for stage 2: `pool_id,household,<attributes>`. No names,
/// addresses, codes, register ids or contact data.
pub fn pool_csv(res: &IntakeResult, cfg: &IntakeConfig) -> Vec<u8> {
    let names = if res.attribute_names.is_empty() {
        cfg.attribute_names()
    } else {
        res.attribute_names.clone()
    };
    let header: Vec<String> = ["pool_id".to_string(), "household".to_string()]
        .into_iter()
        .chain(names)
        .collect();
    write_csv(std::iter::once(header).chain(res.pool.iter().map(|p| {
        let mut r = vec![p.pool_id.clone(), p.household.clone()];
        r.extend(p.attributes.iter().cloned());
        r
    })))
}

/// The private re-identification table (office only, mode 0600): pool id → register
/// id, code, name, address, contact and availability, and the counted line.
pub fn mapping_csv(res: &IntakeResult, invitees: &[Invitee]) -> Vec<u8> {
    let by_code: HashMap<String, &Invitee> = invitees
        .iter()
        .map(|i| {
            (
                parse_code(&i.application_code).unwrap_or_else(|_| i.application_code.clone()),
                i,
            )
        })
        .collect();
    const FIXED: [&str; 9] = [
        "register_id",
        "application_code",
        "family_name",
        "given_names",
        "street",
        "house_number",
        "postcode",
        "city",
        "wave",
    ];
    let header: Vec<String> = std::iter::once("pool_id".to_string())
        .chain(FIXED.iter().map(|s| s.to_string()))
        .chain(res.private_columns.iter().cloned())
        .chain(std::iter::once("line".to_string()))
        .collect();
    write_csv(std::iter::once(header).chain(res.pool.iter().map(|p| {
        let inv = by_code.get(&p.code);
        let mut r = vec![p.pool_id.clone()];
        for f in FIXED {
            let v = match f {
                "application_code" => p.code.clone(),
                _ => inv.and_then(|i| i.field(f)).unwrap_or_default().to_string(),
            };
            r.push(v);
        }
        r.extend(p.private.iter().cloned());
        r.push(p.line.to_string());
        r
    })))
}

/// The rejects (office only, mode 0600): `line,code,reason_kind,reason`.
pub fn rejects_csv(res: &IntakeResult) -> Vec<u8> {
    let header = ["line", "code", "reason_kind", "reason"]
        .map(String::from)
        .to_vec();
    write_csv(std::iter::once(header).chain(res.rejects.iter().map(|r| {
        vec![
            r.line.to_string(),
            r.code_typed.clone(),
            r.reason.kind().to_string(),
            r.reason.to_string(),
        ]
    })))
}

/// Response rates and counts (aggregates only; publishable):
/// `section,attribute,value,invited,applied,rate_percent,rows,note` with sections
/// `total`, `stratum`, `register`, `form` (pool members per answer), `rejected`
/// (rows per reason) and `duplicate` (counted line, superseded lines).
pub fn summary_csv(res: &IntakeResult) -> Vec<u8> {
    let s = &res.summary;
    let e = String::new;
    let mut rows: Vec<Vec<String>> = vec![
        [
            "section",
            "attribute",
            "value",
            "invited",
            "applied",
            "rate_percent",
            "rows",
            "note",
        ]
        .map(String::from)
        .to_vec(),
    ];
    rows.push(vec![
        "total".into(),
        e(),
        e(),
        s.invited.to_string(),
        s.applied.to_string(),
        rate_text(s.applied, s.invited),
        res.rows_in.to_string(),
        format!("{} rejected", res.rejects.len()),
    ]);
    let rate_row = |section: &str, attr: &str, r: &RateRow| {
        vec![
            section.to_string(),
            attr.to_string(),
            r.value.clone(),
            r.invited.to_string(),
            r.applied.to_string(),
            r.rate_text(),
            String::new(),
            String::new(),
        ]
    };
    for r in &s.by_stratum {
        rows.push(rate_row("stratum", "stratum", r));
    }
    for (a, rs) in &s.by_register {
        for r in rs {
            rows.push(rate_row("register", a, r));
        }
    }
    for (a, vs) in &s.by_form {
        for (v, n) in vs {
            rows.push(vec![
                "form".into(),
                a.clone(),
                v.clone(),
                e(),
                n.to_string(),
                e(),
                e(),
                e(),
            ]);
        }
    }
    for (k, n) in &s.rejected {
        rows.push(vec![
            "rejected".into(),
            "reason".into(),
            k.clone(),
            e(),
            e(),
            e(),
            n.to_string(),
            e(),
        ]);
    }
    for d in &s.duplicates {
        let lines: Vec<String> = d.superseded.iter().map(u64::to_string).collect();
        rows.push(vec![
            "duplicate".into(),
            "line".into(),
            d.line.to_string(),
            e(),
            e(),
            e(),
            (d.superseded.len() + 1).to_string(),
            format!(
                "supersedes line {}; {}",
                lines.join(", "),
                if d.in_pool { "in pool" } else { "rejected" }
            ),
        ]);
    }
    write_csv(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_kinds() {
        assert!(one_edit(b"ABCD", b"ABCE"));
        assert!(one_edit(b"ABCD", b"ABDC"));
        assert!(one_edit(b"ABCD", b"ABD"));
        assert!(one_edit(b"ABD", b"ABCD"));
        assert!(one_edit(b"ABCD", b"XABCD"));
        assert!(!one_edit(b"ABCD", b"ABCD"));
        assert!(!one_edit(b"ABCD", b"BADC"));
        assert!(!one_edit(b"ABCD", b"AB"));
    }

    #[test]
    fn rates_round_half_up() {
        assert_eq!(rate_text(1, 8), "12.5");
        assert_eq!(rate_text(1, 3), "33.3");
        assert_eq!(rate_text(2, 3), "66.7");
        assert_eq!(rate_text(0, 0), "");
    }

    #[test]
    fn closest_values() {
        let a: Vec<String> = ["niedrig", "mittel", "hoch"].map(String::from).to_vec();
        assert_eq!(closest_value("Mitel", &a).as_deref(), Some("mittel"));
        assert_eq!(closest_value("ho", &a).as_deref(), Some("hoch"));
        assert_eq!(closest_value("Doktor", &a), None);
    }
}

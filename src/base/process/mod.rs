//! The process file (`forum.toml`): everything that defines one civic lottery.
//! Unknown keys are errors that name the key (serde `deny_unknown_fields`), so a
//! typo never silently falls back to a default.

pub mod intake;
pub mod letters;

pub use intake::{FormAttribute, IntakeConfig};
pub use letters::{Card, CardQuestion, LettersConfig};

use crate::base::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessFile {
    pub process: ProcessInfo,
    pub register: RegisterConfig,
    #[serde(default)]
    pub eligibility: Eligibility,
    pub draw: DrawConfig,
    #[serde(default)]
    pub strata: StrataConfig,
    #[serde(default)]
    pub output: OutputConfig,
    /// Stage 2: intake of applications (optional until applications arrive).
    pub intake: Option<IntakeConfig>,
    /// Stage 2: the panel selection.
    pub selection: Option<SelectionConfig>,
    /// The public report (optional; defaults apply without it).
    pub report: Option<ReportConfig>,
    /// Letters: sender, signatory, dates, templates (needed by `sortes letters`).
    pub letters: Option<LettersConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Counts of persons below this are shown as "< n" (default 3).
    pub min_cell: Option<u64>,
    /// Display names of the categories on the German page, e.g. `age_band = "Altersgruppe"`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionConfig {
    /// Panel size.
    pub k: usize,
    /// Quota file (relative to the process file).
    pub quotas: PathBuf,
    /// `leximin` (default), `goldilocks`, `maximin` or `legacy`.
    #[serde(default = "default_algorithm")]
    pub algorithm: String,
    /// Goldilocks: γ, the weight of the floor against the ceiling, as text ("1", "0.5",
    /// "balanced"; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<String>,
    /// At most one panel member per household.
    #[serde(default = "yes")]
    pub household_rule: bool,
}

fn default_algorithm() -> String {
    "leximin".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessInfo {
    /// Human name of the process, printed in summaries.
    pub name: String,
    /// Short identifier (letters, digits, `-`); part of the application-code derivation.
    pub id: String,
    /// Ages are computed on this day (ISO date).
    pub reference_date: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterConfig {
    /// Path of the extract, relative to the process file.
    pub path: PathBuf,
    /// `csv` or `parquet`; by default from the file extension.
    pub format: Option<String>,
    /// `utf-8` (default; a BOM is allowed) or `windows-1252`.
    #[serde(default = "default_encoding")]
    pub encoding: String,
    /// `;`, `,`, `tab` or `auto` (default: detected from the header line).
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    pub columns: Columns,
    /// Values of the block columns that mean "blocked" (case-insensitive).
    #[serde(default = "default_true_values")]
    pub block_values: Vec<String>,
    /// Values of the block columns that mean "not blocked" (case-insensitive).
    #[serde(default = "default_false_values")]
    pub no_block_values: Vec<String>,
    /// Nationality values counted as German for the `citizenship` stratum.
    #[serde(default = "default_german")]
    pub german_values: Vec<String>,
    /// What the export writes for gender → the canonical value (spec §6.2); replaces
    /// the default map (M/W/D/X, männlich/weiblich/divers/ohne Angabe, empty → x).
    pub gender_map: Option<BTreeMap<String, String>>,
    /// What the export writes for a nationality → the canonical value (spec §6.2);
    /// replaces the default map (000, D, DE, DEU, … → deutsch). Values it does not
    /// hold are kept as they are.
    pub nationality_map: Option<BTreeMap<String, String>>,
}

fn default_encoding() -> String {
    "utf-8".into()
}
fn default_delimiter() -> String {
    "auto".into()
}
fn default_true_values() -> Vec<String> {
    ["ja", "j", "x", "1", "true", "yes", "y", "wahr"]
        .map(String::from)
        .to_vec()
}
fn default_false_values() -> Vec<String> {
    ["", "nein", "n", "0", "false", "no", "falsch"]
        .map(String::from)
        .to_vec()
}
fn default_german() -> Vec<String> {
    ["deutsch", "de", "deu", "german", "deutschland"]
        .map(String::from)
        .to_vec()
}

/// Column names of the extract for each field sortes knows.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    pub register_id: String,
    pub family_name: Option<String>,
    pub given_names: Option<String>,
    /// Doktorgrad ("Dr.", "Prof. Dr."): on the letter and in the salutation.
    pub doctorate: Option<String>,
    /// Namensvorsatz ("von der"): before the family name.
    pub name_prefix: Option<String>,
    pub street: Option<String>,
    pub house_number: Option<String>,
    /// Hausnummerzusatz / Buchstabe ("a" of 12a): part of the address and the household.
    pub house_number_suffix: Option<String>,
    /// Teilnummer der Hausnummer ("1/2"): part of the address and the household.
    pub house_number_part: Option<String>,
    /// Adresszusatz ("c/o Müller", "Gebäude B"): a line of the address block.
    pub address_addition: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    /// ISO (YYYY-MM-DD) or German (DD.MM.YYYY) birth date …
    pub birth_date: Option<String>,
    /// … or the age in whole years at the reference date (§ 46 BMG disclosures).
    pub age: Option<String>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub stadtbezirk: Option<String>,
    pub block_51: Option<String>,
    pub block_52: Option<String>,
    /// An explicit household key, if the office provides one (else the address is used).
    pub household: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    #[serde(default = "default_min_age")]
    pub min_age: u32,
    pub max_age: Option<u32>,
    /// Empty: all residents. Otherwise only these nationalities (case-insensitive).
    #[serde(default)]
    pub nationalities: Vec<String>,
    /// Exclude persons with a § 51 / § 52 BMG block (default true).
    #[serde(default = "yes")]
    pub exclude_blocked: bool,
    /// Files of register ids to exclude (earlier invitees or participants).
    #[serde(default)]
    pub exclude_lists: Vec<PathBuf>,
}

fn default_min_age() -> u32 {
    16
}
fn yes() -> bool {
    true
}

impl Default for Eligibility {
    fn default() -> Self {
        Eligibility {
            min_age: 16,
            max_age: None,
            nationalities: vec![],
            exclude_blocked: true,
            exclude_lists: vec![],
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DrawConfig {
    /// Number of invitations.
    pub invitations: u64,
    /// Stratum columns: any of `stadtbezirk`, `gender`, `age_band`, `citizenship`, `postcode`.
    #[serde(default = "default_strata")]
    pub strata: Vec<String>,
    /// At most one invitee per household (address).
    #[serde(default)]
    pub household_rule: bool,
    /// Lower edges of the age bands (for the `age_band` stratum and for reports).
    #[serde(default = "default_age_bands")]
    pub age_bands: Vec<u32>,
    /// Oversampling factors: stratum column → value → decimal factor as text ("1.5").
    #[serde(default)]
    pub oversample: BTreeMap<String, BTreeMap<String, String>>,
}

fn default_strata() -> Vec<String> {
    vec!["stadtbezirk".into()]
}
fn default_age_bands() -> Vec<u32> {
    vec![16, 25, 35, 45, 55, 65, 75]
}

/// Known values of stratum columns: a person with another value is an error
/// (or a reject), so typos in the extract cannot create a stratum of their own.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StrataConfig {
    #[serde(default)]
    pub values: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Output directory, relative to the process file (default `out`).
    #[serde(default = "default_out")]
    pub dir: PathBuf,
}

fn default_out() -> PathBuf {
    PathBuf::from("out")
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig { dir: default_out() }
    }
}

/// A loaded process file with its location and hash.
#[derive(Debug, Clone)]
pub struct Process {
    pub file: ProcessFile,
    pub path: PathBuf,
    pub base_dir: PathBuf,
    pub sha256: crate::base::fsio::Sha256,
    pub reference_date: chrono::NaiveDate,
}

pub const STRATUM_COLUMNS: [&str; 5] = [
    "stadtbezirk",
    "gender",
    "age_band",
    "citizenship",
    "postcode",
];

impl Process {
    pub fn load(path: &Path) -> Result<Process> {
        let bytes = crate::base::fsio::read_input(
            path,
            "the process file was not found (give it with -p, e.g. -p forum.toml)",
        )?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            Error::input(
                Location::file(path),
                format!(
                    "the process file is not UTF-8 (byte {}); save it as UTF-8",
                    e.valid_up_to()
                ),
            )
        })?;
        let file: ProcessFile = toml::from_str(text).map_err(|e| {
            let mut loc = Location::file(path);
            if let Some(span) = e.span() {
                let before = &text[..span.start.min(text.len())];
                loc.line = Some(before.matches('\n').count() as u64 + 1);
                loc.column = Some(
                    (before.len() - before.rfind('\n').map(|p| p + 1).unwrap_or(0) + 1).to_string(),
                );
            }
            Error::input(loc, e.message().to_string())
        })?;
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let reference_date =
            chrono::NaiveDate::parse_from_str(&file.process.reference_date, "%Y-%m-%d").map_err(
                |_| {
                    Error::input(
                        Location::file(path),
                        format!(
                            "process.reference_date {:?} is not a date like 2027-01-15",
                            file.process.reference_date
                        ),
                    )
                },
            )?;
        let p = Process {
            sha256: crate::base::fsio::Sha256::of(&bytes),
            file,
            path: path.to_path_buf(),
            base_dir,
            reference_date,
        };
        p.validate()?;
        Ok(p)
    }

    fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::config(Location::file(&self.path), msg));
        let f = &self.file;
        if f.process.id.is_empty()
            || !f
                .process
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad(format!(
                "process.id {:?} must be letters, digits, '-' or '_'",
                f.process.id
            ));
        }
        let c = &f.register.columns;
        if c.birth_date.is_some() == c.age.is_some() {
            return bad("register.columns needs exactly one of birth_date and age".into());
        }
        if !["utf-8", "utf8", "windows-1252", "cp1252"]
            .contains(&f.register.encoding.to_ascii_lowercase().as_str())
        {
            return bad(format!(
                "register.encoding {:?} is not supported; use utf-8 or windows-1252",
                f.register.encoding
            ));
        }
        if self.delimiter().is_none() {
            return bad(format!(
                "register.delimiter {:?} is not one of \";\", \",\", \"tab\", \"auto\"",
                f.register.delimiter
            ));
        }
        if f.draw.strata.is_empty() {
            return bad("draw.strata needs at least one column (e.g. [\"stadtbezirk\"])".into());
        }
        for s in &f.draw.strata {
            if !STRATUM_COLUMNS.contains(&s.as_str()) {
                return bad(format!(
                    "draw.strata: {s:?} is not a stratum column; use one of {}",
                    STRATUM_COLUMNS.join(", ")
                ));
            }
            if self.field_column(s).is_none() && s != "citizenship" && s != "age_band" {
                return bad(format!(
                    "draw.strata uses {s:?}, but register.columns does not map it"
                ));
            }
        }
        if f.draw.strata.iter().any(|s| s == "citizenship") && c.nationality.is_none() {
            return bad("the citizenship stratum needs register.columns.nationality".into());
        }
        for (col, m) in &f.draw.oversample {
            if !f.draw.strata.contains(col) {
                return bad(format!(
                    "draw.oversample.{col}: {col:?} is not one of draw.strata"
                ));
            }
            for (v, factor) in m {
                if crate::base::text::parse_thousandths(factor).is_none() {
                    return bad(format!(
                        "draw.oversample.{col}.{v:?} = {factor:?} is not a positive decimal with at most 3 decimals"
                    ));
                }
            }
        }
        if f.draw.age_bands.is_empty() || f.draw.age_bands.windows(2).any(|w| w[0] >= w[1]) {
            return bad("draw.age_bands must be increasing lower edges, e.g. [16, 25, 35]".into());
        }
        if f.draw.household_rule
            && c.household.is_none()
            && (c.street.is_none() || c.house_number.is_none() || c.postcode.is_none())
        {
            return bad("draw.household_rule needs register.columns.household or street, house_number and postcode".into());
        }
        if f.draw.invitations == 0 {
            return bad("draw.invitations must be at least 1".into());
        }
        if let Some(max) = f.eligibility.max_age
            && max < f.eligibility.min_age
        {
            return bad(format!(
                "eligibility.max_age {max} is below min_age {}",
                f.eligibility.min_age
            ));
        }
        Ok(())
    }

    /// The configured delimiter: `Some(None)` means detect from the header; `None`
    /// means the setting is not one of the accepted ones.
    pub fn delimiter(&self) -> Option<Option<u8>> {
        match self.file.register.delimiter.as_str() {
            ";" => Some(Some(b';')),
            "," => Some(Some(b',')),
            "tab" | "\t" => Some(Some(b'\t')),
            "auto" => Some(None),
            _ => None,
        }
    }

    pub fn is_windows_1252(&self) -> bool {
        matches!(
            self.file.register.encoding.to_ascii_lowercase().as_str(),
            "windows-1252" | "cp1252"
        )
    }

    /// Register column mapped to a stratum/field name.
    pub fn field_column(&self, field: &str) -> Option<&str> {
        let c = &self.file.register.columns;
        match field {
            "stadtbezirk" => c.stadtbezirk.as_deref(),
            "gender" => c.gender.as_deref(),
            "postcode" => c.postcode.as_deref(),
            "nationality" => c.nationality.as_deref(),
            _ => None,
        }
    }

    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    pub fn register_path(&self) -> PathBuf {
        self.resolve(&self.file.register.path)
    }

    pub fn out_dir(&self) -> PathBuf {
        self.resolve(&self.file.output.dir)
    }

    /// The output layout of this process.
    pub fn layout(&self) -> crate::base::run::Layout {
        crate::base::run::Layout::at(self.out_dir())
    }

    /// Label of the age band containing `age` (e.g. "25-34", "75+"); below the first
    /// edge `unter <first edge>` (spec §7.1), the label the strata use too.
    pub fn age_band(&self, age: u32) -> String {
        band_label(&self.file.draw.age_bands, age)
    }
}

/// [`age_band_label`], or `unter <first edge>` below the first edge.
pub fn band_label(edges: &[u32], age: u32) -> String {
    age_band_label(edges, age).unwrap_or_else(|| match edges.first() {
        Some(first) => format!("unter {first}"),
        None => String::new(),
    })
}

pub fn age_band_label(edges: &[u32], age: u32) -> Option<String> {
    let i = edges.iter().rposition(|&e| e <= age)?;
    Some(match edges.get(i + 1) {
        Some(next) => format!("{}-{}", edges[i], next - 1),
        None => format!("{}+", edges[i]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_are_labelled() {
        let e = [16, 25, 35];
        assert_eq!(age_band_label(&e, 15), None);
        assert_eq!(age_band_label(&e, 16).as_deref(), Some("16-24"));
        assert_eq!(age_band_label(&e, 34).as_deref(), Some("25-34"));
        assert_eq!(age_band_label(&e, 99).as_deref(), Some("35+"));
    }
}

//! The `[intake]` table of the process file: which columns of the applications
//! export hold what, the self-reported attributes and their answers.

use crate::base::error::{Error, Result};
use crate::base::text::fold;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

    pub fn is_yes(&self, v: &str) -> bool {
        let v = fold(v);
        self.yes_values.iter().any(|y| fold(y) == v)
    }
    pub fn is_no(&self, v: &str) -> bool {
        let v = fold(v);
        self.no_values.iter().any(|y| fold(y) == v)
    }
}

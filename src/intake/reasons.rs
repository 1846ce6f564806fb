//! Why an application row is not in the pool: one reason per row, in words a clerk
//! can act on, and a short kind for counting.

use std::fmt;

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

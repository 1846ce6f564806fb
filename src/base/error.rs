//! The one error type of sortes: what kind of problem, where (file, line, column)
//! and what, in one sentence a clerk can act on. Messages never quote personal data
//! except where the clerk needs the cell to find it (a date that does not parse).

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input file a problem was found. Lines and columns are 1-based;
/// line 1 is the header of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: Option<PathBuf>,
    pub line: Option<u64>,
    pub column: Option<String>,
}

impl Location {
    pub fn file(path: &Path) -> Self {
        Location {
            file: Some(path.to_path_buf()),
            ..Default::default()
        }
    }
    pub fn at(path: &Path, line: u64, column: impl Into<String>) -> Self {
        Location {
            file: Some(path.to_path_buf()),
            line: Some(line),
            column: Some(column.into()),
        }
    }
    pub fn line(path: &Path, line: u64) -> Self {
        Location {
            file: Some(path.to_path_buf()),
            line: Some(line),
            column: None,
        }
    }
    fn is_empty(&self) -> bool {
        *self == Location::default()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = &self.file {
            parts.push(p.display().to_string());
        }
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        // An empty column name means the whole line (a row with too many fields).
        if let Some(c) = self.column.as_ref().filter(|c| !c.is_empty()) {
            parts.push(format!("column {c}"));
        }
        write!(f, "{}", parts.join(", "))
    }
}

/// What kind of problem an [`Error`] is; callers (the CLI, the workbench, tests)
/// decide by the kind, never by the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad input: the message is a sentence for the person who prepared the file.
    Input,
    /// A setting of the process file is wrong or missing.
    Config,
    /// A file could not be read or written.
    Io,
    /// A refused action (existing output, repeated draw, missing earlier step …).
    Refused,
    /// A file or journal entry is not what the journal recorded: it was changed,
    /// replaced or deleted after the step that wrote it.
    Changed,
    /// Another sortes process holds the journal of the process folder.
    Locked,
    /// A letter template, its layout or its strings are wrong.
    Template,
    /// The selection engine gave up (solver failure, iteration limit).
    Solver,
    /// An internal check failed: a bug, reported instead of writing a wrong file.
    Internal,
}

/// An error of sortes. See [`Kind`].
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    loc: Location,
    msg: String,
    source: Option<std::io::Error>,
}

impl Error {
    fn new(kind: Kind, loc: Location, msg: impl Into<String>) -> Self {
        Error {
            kind,
            loc,
            msg: msg.into(),
            source: None,
        }
    }
    pub fn input(loc: Location, msg: impl Into<String>) -> Self {
        Error::new(Kind::Input, loc, msg)
    }
    pub fn config(loc: Location, msg: impl Into<String>) -> Self {
        Error::new(Kind::Config, loc, msg)
    }
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error {
            kind: Kind::Io,
            loc: Location::file(path),
            msg: source.to_string(),
            source: Some(source),
        }
    }
    pub fn refused(msg: impl Into<String>) -> Self {
        Error::new(Kind::Refused, Location::default(), msg)
    }
    pub fn changed(loc: Location, msg: impl Into<String>) -> Self {
        Error::new(Kind::Changed, loc, msg)
    }
    pub fn locked(msg: impl Into<String>) -> Self {
        Error::new(Kind::Locked, Location::default(), msg)
    }
    pub fn template(loc: Location, msg: impl Into<String>) -> Self {
        Error::new(Kind::Template, loc, msg)
    }
    pub fn solver(msg: impl Into<String>) -> Self {
        Error::new(Kind::Solver, Location::default(), msg)
    }
    /// A selection instance that is not well formed (index out of range, min > max …).
    pub fn invalid_instance(msg: impl Into<String>) -> Self {
        Error::new(
            Kind::Input,
            Location::default(),
            format!("invalid instance: {}", msg.into()),
        )
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Error::new(
            Kind::Internal,
            Location::default(),
            format!("internal check failed, nothing written: {}", msg.into()),
        )
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }
    pub fn location(&self) -> &Location {
        &self.loc
    }
    /// The sentence without the location.
    pub fn message(&self) -> &str {
        &self.msg
    }
    /// The same error with `context` before the sentence ("the report cannot be made: …").
    pub fn context(mut self, context: &str) -> Self {
        self.msg = format!("{context}: {}", self.msg);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == Kind::Template {
            write!(f, "letter template ")?;
        }
        if self.loc.is_empty() {
            write!(f, "{}", self.msg)
        } else {
            write!(f, "{}: {}", self.loc, self.msg)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_and_sentence() {
        let e = Error::input(Location::at(Path::new("a.csv"), 3, "PLZ"), "is empty");
        assert_eq!(e.to_string(), "a.csv, line 3, column PLZ: is empty");
        assert_eq!(e.kind(), Kind::Input);
        assert_eq!(Error::refused("no").to_string(), "no");
        let t = Error::template(Location::line(Path::new("de/x.txt"), 2), "unknown value");
        assert_eq!(
            t.to_string(),
            "letter template de/x.txt, line 2: unknown value"
        );
    }
}

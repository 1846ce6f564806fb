//! Error values a clerk can read: where (file, line, column) and what, in one sentence.

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
        if let Some(c) = &self.column {
            parts.push(format!("column {c}"));
        }
        write!(f, "{}", parts.join(", "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: the message is a sentence for the person who prepared the file.
    #[error("{}{msg}", if *loc == Location::default() { String::new() } else { format!("{loc}: ") })]
    Input { loc: Location, msg: String },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A refused action (existing output, repeated draw, broken commitment …).
    #[error("{0}")]
    Refused(String),
    /// A verification found a difference.
    #[error("{0}")]
    Verify(String),
}

impl Error {
    pub fn input(loc: Location, msg: impl Into<String>) -> Self {
        Error::Input {
            loc,
            msg: msg.into(),
        }
    }
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn refused(msg: impl Into<String>) -> Self {
        Error::Refused(msg.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

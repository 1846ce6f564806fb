//! Errors of the letters module: each says where (file, line, column) and what,
//! in one sentence a clerk can act on. No personal data goes into a message:
//! letters are named by their number in the batch, never by a name or address.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum LetterError {
    /// A template (text, letterhead, layout or strings file) is wrong.
    Template {
        file: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        msg: String,
    },
    /// The language of a recipient has no template folder.
    Language {
        language: String,
        letter: usize,
        available: Vec<String>,
        dir: PathBuf,
    },
    /// A setting of the `[letters]` table is wrong.
    Config(String),
    /// A recipient's data cannot be printed (e.g. a character no bundled font has).
    Data { letter: usize, msg: String },
    /// A template file could not be read.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl LetterError {
    pub(crate) fn template(file: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        LetterError::Template {
            file: file.into(),
            line: None,
            column: None,
            msg: msg.into(),
        }
    }
}

impl fmt::Display for LetterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LetterError::Template {
                file,
                line,
                column,
                msg,
            } => {
                write!(f, "letter template {}", file.display())?;
                if let Some(l) = line {
                    write!(f, ", line {l}")?;
                }
                if let Some(c) = column {
                    write!(f, ", column {c}")?;
                }
                write!(f, ": {msg}")
            }
            LetterError::Language {
                language,
                letter,
                available,
                dir,
            } => write!(
                f,
                "letter {letter} asks for language \"{language}\", but {} has no folder for it \
                 (languages there: {}); add the folder {}/ with the letter templates, \
                 or correct the language column",
                dir.display(),
                if available.is_empty() {
                    "none".to_string()
                } else {
                    available.join(", ")
                },
                dir.join(language).display()
            ),
            LetterError::Config(msg) => write!(f, "[letters] in the process file: {msg}"),
            LetterError::Data { letter, msg } => write!(f, "letter {letter}: {msg}"),
            LetterError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for LetterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LetterError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

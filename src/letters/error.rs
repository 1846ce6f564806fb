//! Errors of the letters, as the one error type of sortes: each says where (file,
//! line, column) and what, in one sentence a clerk can act on. No personal data goes
//! into a message: letters are named by their number in the batch, never by a name
//! or address.

use crate::base::error::{Error, Location};
use std::path::Path;

/// A template (text, letterhead, layout or strings file) is wrong.
pub(crate) fn template(file: impl AsRef<Path>, msg: impl Into<String>) -> Error {
    Error::template(Location::file(file.as_ref()), msg)
}

/// A template is wrong at a line and column.
pub(crate) fn template_at(
    file: impl AsRef<Path>,
    line: Option<usize>,
    column: Option<usize>,
    msg: impl Into<String>,
) -> Error {
    Error::template(
        Location {
            file: Some(file.as_ref().to_path_buf()),
            line: line.map(|l| l as u64),
            column: column.map(|c| c.to_string()),
        },
        msg,
    )
}

/// A setting of the `[letters]` table is wrong.
pub(crate) fn config(msg: impl std::fmt::Display) -> Error {
    Error::config(
        Location::default(),
        format!("[letters] in the process file: {msg}"),
    )
}

/// A recipient's data cannot be printed (e.g. a character no bundled font has).
pub(crate) fn data(letter: usize, msg: impl std::fmt::Display) -> Error {
    Error::input(Location::default(), format!("letter {letter}: {msg}"))
}

/// The language of a recipient has no template folder.
pub(crate) fn language(language: &str, letter: usize, available: &[String], dir: &Path) -> Error {
    Error::config(
        Location::default(),
        format!(
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
    )
}

//! Atomic file writes and hashing. Every output of sortes goes through here, so that
//! (1) a crash never leaves half a file, (2) an existing output is never replaced
//! without `--force`, (3) files holding personal data get mode 0600, and
//! (4) the journal can record a SHA-256 of exactly the bytes that were written.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::Path;

/// Whether a file holds personal data (mode 0600) or public data (mode 0644).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    Personal,
    Public,
}

/// Lower-case hex SHA-256 of a byte string.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(sha256_hex(&bytes))
}

/// Refuses when `path` exists and `force` is false.
pub fn check_new(path: &Path, force: bool) -> Result<()> {
    if !force && path.exists() {
        return Err(Error::refused(format!(
            "{} exists already; it is not overwritten (use --force to replace it)",
            path.display()
        )));
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory is
/// written, synced, given its mode, and renamed over the target. Returns the SHA-256.
pub fn write_atomic(path: &Path, bytes: &[u8], privacy: Privacy, force: bool) -> Result<String> {
    check_new(path, force)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".sortes-tmp-")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    set_mode(tmp.path(), privacy)?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    if force {
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    } else {
        // persist_noclobber fails if the target appeared in the meantime.
        tmp.persist_noclobber(path)
            .map_err(|e| Error::io(path, e.error))?;
    }
    Ok(sha256_hex(bytes))
}

#[cfg(unix)]
fn set_mode(path: &Path, privacy: Privacy) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = match privacy {
        Privacy::Personal => 0o600,
        Privacy::Public => 0o644,
    };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _privacy: Privacy) -> Result<()> {
    Ok(())
}

/// A CSV field, quoted only where it must be (`,`, `"` or a line break inside).
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Reads an input file; a missing file is an input error with `missing` as the
/// sentence for the clerk.
pub fn read_input(path: &Path, missing: &str) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            crate::error::Error::input(crate::error::Location::file(path), missing)
        } else {
            Error::io(path, e)
        }
    })
}

/// Reads a whole file with an error that names it.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_matches_fips_180_2_vector() {
        // FIPS 180-2, Appendix B.1.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        write_atomic(&p, b"one", Privacy::Public, false).unwrap();
        assert!(write_atomic(&p, b"two", Privacy::Public, false).is_err());
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"two", Privacy::Public, true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
    }

    #[cfg(unix)]
    #[test]
    fn personal_files_are_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret.csv");
        write_atomic(&p, b"x", Privacy::Personal, false).unwrap();
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

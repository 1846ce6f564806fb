//! Atomic file writes and hashing. Every output of sortes goes through here, so that
//! (1) a crash never leaves half a file, (2) an existing output is never replaced
//! without `--force`, (3) files holding personal data get mode 0600 in folders of
//! mode 0700, and (4) the journal can record a SHA-256 of exactly the bytes written.

use super::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether a file holds personal data (mode 0600) or public data (mode 0644).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    Personal,
    Public,
}

/// Prefix of the temporary files of [`write_atomic`] (renamed over the target when
/// complete; a leftover one means a write was interrupted).
pub const TEMP_PREFIX: &str = ".sortes-tmp-";

/// 64 lower-case hex digits: a SHA-256 as sortes writes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256(String);

impl Sha256 {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256 {
        Sha256(sha256_hex(bytes))
    }
    /// A digest computed by sortes.
    pub fn from_digest(d: [u8; 32]) -> Sha256 {
        Sha256(hex::encode(d))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Checks a hex text (as the CLI's `--head` or a file's header gives it).
    pub fn parse(s: &str) -> Option<Sha256> {
        Sha256::try_from(s.to_string()).ok()
    }
    /// The first twelve digits, for messages.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

impl TryFrom<String> for Sha256 {
    type Error = crate::base::error::Error;
    fn try_from(s: String) -> Result<Self> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Sha256(s))
        } else {
            Err(Error::input(
                Location::default(),
                format!("{s:?} is not a SHA-256 (64 lower-case hex digits)"),
            ))
        }
    }
}

impl From<Sha256> for String {
    fn from(h: Sha256) -> String {
        h.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Sha256 {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Sha256 {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Sha256 {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

/// Lower-case hex SHA-256 of a byte string.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// SHA-256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<Sha256> {
    Ok(Sha256::of(&read(path)?))
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

/// Creates `dir` and its missing parents; a folder for personal files gets mode 0700.
pub fn create_dir(dir: &Path, privacy: Privacy) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        if privacy == Privacy::Personal {
            b.mode(0o700);
        }
    }
    b.create(dir).map_err(|e| Error::io(dir, e))
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory is
/// written, synced, given its mode, and renamed over the target. Returns the SHA-256.
pub fn write_atomic(path: &Path, bytes: &[u8], privacy: Privacy, force: bool) -> Result<Sha256> {
    check_new(path, force)?;
    let dir = parent_of(path);
    create_dir(&dir, privacy)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
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
    Ok(Sha256::of(bytes))
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

/// Reads an input file; a missing file is an input error with `missing` as the
/// sentence for the clerk.
pub fn read_input(path: &Path, missing: &str) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::input(Location::file(path), missing)
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
    fn personal_files_are_0600_in_0700_folders() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("private/secret.csv");
        write_atomic(&p, b"x", Privacy::Personal, false).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(&dir.path().join("private")), 0o700);
    }
}

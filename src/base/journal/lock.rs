//! One sortes step at a time per process folder: a step takes an exclusive lock on
//! `<out>/journal.lock` (the operating system's file lock, released when the step
//! ends or its process dies) before it reads the journal, and keeps it until it has
//! appended its entry. The file says which step holds it, so that a refusal can too.

use super::Step;
use crate::base::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Name of the lock file in the output folder.
pub const LOCK_FILE: &str = "journal.lock";

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct Lock {
    file: File,
    dir: PathBuf,
}

impl Lock {
    /// Takes the lock of the output folder `out` for `step`; refuses, naming the step
    /// that holds it, when another sortes process has it.
    pub fn take(out: &Path, step: Step) -> Result<Lock> {
        crate::base::fsio::create_dir(out, crate::base::fsio::Privacy::Public)?;
        let path = out.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::locked(format!(
                    "another sortes process is working on {}: {}; wait until it has finished, then try again",
                    out.display(),
                    if holder.is_empty() {
                        "a step is starting".to_string()
                    } else {
                        holder.to_string()
                    }
                )));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        let holder = format!(
            "the {} step ({}) holds the journal, process {}, since {}\n",
            step,
            step.command(),
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        file.set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(holder.as_bytes()))
            .map_err(|e| Error::io(&path, e))?;
        Ok(Lock {
            file,
            dir: out.to_path_buf(),
        })
    }

    /// Refuses a journal of another folder than the locked one.
    pub(super) fn check(&self, journal: &Path) -> Result<()> {
        let same = journal.parent().is_some_and(|d| {
            d == self.dir || d.canonicalize().ok() == self.dir.canonicalize().ok()
        });
        if same {
            Ok(())
        } else {
            Err(Error::internal(format!(
                "the journal {} is appended under the lock of {}",
                journal.display(),
                self.dir.display()
            )))
        }
    }
}

/// Which step holds the lock of `out` right now, as its lock file says; None when
/// nobody does (the probe takes and releases the lock at once, without writing).
pub fn holder(out: &Path) -> Option<String> {
    let path = out.join(LOCK_FILE);
    let mut file = OpenOptions::new().read(true).open(path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let text = text.trim();
            Some(if text.is_empty() {
                "a step is starting".to_string()
            } else {
                text.to_string()
            })
        }
        Err(TryLockError::Error(_)) => None,
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Say that nobody holds it (the lock itself ends with the file handle).
        let _ = self.file.set_len(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::take(dir.path(), Step::Select).unwrap();
        let e = Lock::take(dir.path(), Step::Report).unwrap_err();
        assert_eq!(e.kind(), crate::base::error::Kind::Locked);
        assert!(e.to_string().contains("the select step"), "{e}");
        assert!(
            holder(dir.path()).is_some_and(|h| h.contains("the select step")),
            "{:?}",
            holder(dir.path())
        );
        drop(first);
        assert_eq!(holder(dir.path()), None);
        Lock::take(dir.path(), Step::Report).expect("free again");
    }
}

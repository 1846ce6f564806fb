//! Personal application codes (spec §9).
//!
//! A code is 8 data characters and 1 check character from a 31-character alphabet
//! without look-alikes (no 0/O, 1/I/L), printed as `XXXX-XXXXX`. The data part is
//! HMAC-SHA256 of the register id under the process's secret key: unguessable,
//! not derivable from the public seed, reproducible by the office that holds the key.
//! The check character makes the weighted sum Σ i·v_i (i = 1..9) ≡ 0 (mod 31); as
//! 31 is prime and every weight is below 31, any single wrong character and any swap
//! of two different adjacent characters changes the sum and is caught.

use crate::base::error::{Error, Result};
use crate::base::fsio::{self, Privacy};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const DATA_LEN: usize = 8;

/// The secret key of a process (32 bytes from the operating system's randomness).
pub struct CodeKey([u8; 32]);

impl CodeKey {
    /// Creates a new key file (mode 0600). Refuses if one exists: replacing the key
    /// would change every code already sent.
    pub fn create(path: &Path) -> Result<CodeKey> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k)
            .map_err(|e| Error::refused(format!("the operating system gave no randomness: {e}")))?;
        fsio::write_atomic(
            path,
            format!("{}\n", hex::encode(k)).as_bytes(),
            Privacy::Personal,
            false,
        )?;
        Ok(CodeKey(k))
    }

    pub fn load(path: &Path) -> Result<CodeKey> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == 32);
        match bytes {
            Some(b) => {
                let mut k = [0u8; 32];
                k.copy_from_slice(&b);
                Ok(CodeKey(k))
            }
            None => Err(Error::refused(format!(
                "{} is not a sortes code key (64 hex digits)",
                path.display()
            ))),
        }
    }

    pub fn load_or_create(path: &Path) -> Result<CodeKey> {
        if path.exists() {
            Self::load(path)
        } else {
            Self::create(path)
        }
    }

    pub fn from_bytes(k: [u8; 32]) -> CodeKey {
        CodeKey(k)
    }

    /// SHA-256 of the key, recorded in the journal so the office can tell which key
    /// made a set of codes (it reveals nothing about the key).
    pub fn fingerprint(&self) -> fsio::Sha256 {
        fsio::Sha256::of(&self.0)
    }

    /// The code for `register_id`; `attempt` is 0 unless an earlier attempt collided.
    pub fn code(&self, process_id: &str, register_id: &str, attempt: u32) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        mac.update(b"sortes/code/v1\0");
        mac.update(process_id.as_bytes());
        mac.update(b"\0");
        mac.update(register_id.as_bytes());
        mac.update(b"\0");
        mac.update(attempt.to_string().as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut x = u64::from_be_bytes([
            tag[0], tag[1], tag[2], tag[3], tag[4], tag[5], tag[6], tag[7],
        ]);
        let mut v = [0u8; DATA_LEN];
        for d in v.iter_mut().rev() {
            *d = (x % 31) as u8;
            x /= 31;
        }
        format_code(&v)
    }
}

fn check_value(data: &[u8]) -> u8 {
    let s: u32 = data
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as u32 + 1) * v as u32)
        .sum();
    // Solve s + 9·c ≡ 0 (mod 31); 9⁻¹ ≡ 7 (mod 31) because 9·7 = 63 = 2·31 + 1.
    ((31 - s % 31) % 31 * 7 % 31) as u8
}

fn format_code(data: &[u8; DATA_LEN]) -> String {
    let c = check_value(data);
    let mut s = String::with_capacity(10);
    for (i, &v) in data.iter().chain(std::iter::once(&c)).enumerate() {
        if i == 4 {
            s.push('-');
        }
        s.push(ALPHABET[v as usize] as char);
    }
    s
}

/// Why a typed code is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    /// Wrong number of characters or a character outside the alphabet.
    Malformed(String),
    /// The check character does not match: a typo.
    CheckFailed,
}

/// Normalises a typed code (case, spaces, hyphens) and verifies its check
/// character. Returns the canonical `XXXX-XXXXX` form.
pub fn parse_code(input: &str) -> std::result::Result<String, CodeProblem> {
    let chars: Vec<u8> = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase() as u8)
        .collect();
    if chars.len() != DATA_LEN + 1 {
        return Err(CodeProblem::Malformed(format!(
            "a code has 9 characters, this one has {}",
            chars.len()
        )));
    }
    let mut v = [0u8; DATA_LEN + 1];
    for (i, ch) in chars.iter().enumerate() {
        v[i] = ALPHABET.iter().position(|a| a == ch).ok_or_else(|| {
            CodeProblem::Malformed(format!(
                "character {:?} does not occur in codes",
                *ch as char
            ))
        })? as u8;
    }
    let s: u32 = v
        .iter()
        .enumerate()
        .map(|(i, &x)| (i as u32 + 1) * x as u32)
        .sum();
    if !s.is_multiple_of(31) {
        return Err(CodeProblem::CheckFailed);
    }
    let mut data = [0u8; DATA_LEN];
    data.copy_from_slice(&v[..DATA_LEN]);
    Ok(format_code(&data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn alphabet_has_no_lookalikes() {
        for c in b"01ILO" {
            assert!(!ALPHABET.contains(c));
        }
        let mut a = ALPHABET.to_vec();
        a.sort();
        a.dedup();
        assert_eq!(a.len(), 31);
    }

    #[test]
    fn codes_are_keyed_and_valid() {
        let k1 = CodeKey::from_bytes([1; 32]);
        let k2 = CodeKey::from_bytes([2; 32]);
        let c = k1.code("p", "123", 0);
        assert_eq!(c.len(), 10);
        assert_eq!(parse_code(&c).unwrap(), c);
        assert_eq!(parse_code(&c.to_lowercase().replace('-', " ")).unwrap(), c);
        assert_ne!(c, k2.code("p", "123", 0));
        assert_ne!(c, k1.code("p", "124", 0));
        assert_ne!(c, k1.code("q", "123", 0));
        assert_ne!(c, k1.code("p", "123", 1));
    }

    proptest! {
        #[test]
        fn every_single_typo_and_adjacent_swap_is_caught(id in "[0-9]{12}", pos in 0usize..9, delta in 1u8..31) {
            let code = CodeKey::from_bytes([9; 32]).code("p", &id, 0);
            let raw: Vec<u8> = code.bytes().filter(|&b| b != b'-').collect();
            // Substitution.
            let mut t = raw.clone();
            let v = ALPHABET.iter().position(|&a| a == t[pos]).unwrap() as u8;
            t[pos] = ALPHABET[((v + delta) % 31) as usize];
            prop_assert!(parse_code(std::str::from_utf8(&t).unwrap()).is_err());
            // Adjacent transposition of two different characters.
            if pos < 8 && raw[pos] != raw[pos + 1] {
                let mut t = raw.clone();
                t.swap(pos, pos + 1);
                prop_assert!(parse_code(std::str::from_utf8(&t).unwrap()).is_err());
            }
        }
    }
}

//! The randomness of sortes: the one module that turns public randomness into draws.
//!
//! Everything here is specified byte for byte in `docs/draw-spec.md`; the Python
//! reference verifier (`docs/verifier/sortes_verify.py`) re-implements it with the
//! standard library only. Change nothing here without bumping [`SPEC_VERSION`] and
//! the spec: published draws must replay in every later version.
//!
//! Rules: only raw ChaCha20 keystream words are used (never `rand`'s `random_range`,
//! `shuffle` or `choose_multiple`, whose algorithms may change between versions),
//! no floating point, and inputs are put into a canonical order before sampling.

use crate::base::error::{Error, Location, Result};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

/// Version of the draw specification. Recorded in every journal entry.
pub const SPEC_VERSION: &str = "sortes-draw-spec/3";

/// Domain-separation prefix of every key derivation.
const KEY_PREFIX: &[u8] = b"sortes/v1";

/// A seed in canonical form, e.g. `rfc3797:3.12.19.27.33.41./7./`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    canonical: String,
}

impl Seed {
    /// Parses a seed as written by a person. Accepted forms (see the spec, §2):
    /// - `rfc3797:<key string>` or a bare RFC 3797 key string such as `3.12.19.27.33.41./7./`
    /// - `drand:<round>:<randomness hex>`
    /// - `hex:<hex digits>`
    /// - `text:<any text>`
    pub fn parse(input: &str) -> Result<Seed> {
        let s = input.trim();
        let bad = |msg: String| Error::input(Location::default(), format!("seed {s:?}: {msg}"));
        let canonical = if let Some(rest) = s.strip_prefix("rfc3797:") {
            format!("rfc3797:{}", canonical_rfc3797(rest).map_err(bad)?)
        } else if let Some(rest) = s.strip_prefix("drand:") {
            let (round, value) = rest.split_once(':').ok_or_else(|| {
                bad("a drand seed is written drand:<round>:<randomness in hex>".into())
            })?;
            let round: u64 = round
                .trim()
                .parse()
                .map_err(|_| bad(format!("the drand round {round:?} is not a whole number")))?;
            let value = canonical_hex(value).map_err(bad)?;
            if value.len() != 64 {
                return Err(bad(format!(
                    "drand randomness has 64 hex digits (32 bytes), this one has {}",
                    value.len()
                )));
            }
            format!("drand:{round}:{value}")
        } else if let Some(rest) = s.strip_prefix("hex:") {
            format!("hex:{}", canonical_hex(rest).map_err(bad)?)
        } else if let Some(rest) = s.strip_prefix("text:") {
            let t: String = rest.trim().nfc().collect();
            if t.is_empty() {
                return Err(bad("the text after text: is empty".into()));
            }
            format!("text:{t}")
        } else if looks_like_rfc3797(s) {
            format!("rfc3797:{}", canonical_rfc3797(s).map_err(bad)?)
        } else {
            return Err(bad(
                "not a recognised seed; write it as rfc3797:…, drand:ROUND:HEX, hex:… or text:…"
                    .into(),
            ));
        };
        Ok(Seed { canonical })
    }

    /// The seed `text:<text>` of a text sortes composes itself (trimmed, NFC, not
    /// empty, as the canonical form requires).
    pub fn from_text(text: &str) -> Seed {
        let t: String = text.trim().nfc().collect();
        Seed {
            canonical: format!("text:{t}"),
        }
    }

    /// The canonical text that enters the key derivation.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }
}

/// The form of the public randomness announced before a draw (spec §2.1): a seed of
/// another form is refused, so nobody can pick a seed after the commitment. Written
/// as text: `rfc3797:6+1` (an RFC 3797 key string with 6 numbers in its first source
/// and 1 in its second, e.g. Lotto 6aus49 and its Superzahl), `drand:4242` (the
/// randomness of drand round 4242, a round in the future when announced) or
/// `ceremony` (a number drawn in public; the public lottery only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedForm {
    Rfc3797 { counts: Vec<u32> },
    Drand { round: u64 },
    Ceremony,
}

impl SeedForm {
    /// Parses the written form; the error says which forms there are.
    pub fn parse(input: &str) -> Result<SeedForm> {
        let s = input.trim();
        let bad = || {
            Error::input(
                Location::default(),
                format!(
                    "seed form {s:?} is not one of rfc3797:COUNTS (e.g. rfc3797:6+1 for six numbers and a Superzahl), drand:ROUND (a future round of the drand beacon) or ceremony (a number drawn in public)"
                ),
            )
        };
        let whole = |t: &str| {
            (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<u64>().ok())
                .flatten()
        };
        if s == "ceremony" {
            return Ok(SeedForm::Ceremony);
        }
        if let Some(r) = s.strip_prefix("drand:") {
            return whole(r)
                .map(|round| SeedForm::Drand { round })
                .ok_or_else(bad);
        }
        if let Some(c) = s.strip_prefix("rfc3797:") {
            let counts: Option<Vec<u32>> = c
                .split('+')
                .map(|n| {
                    whole(n)
                        .and_then(|v| u32::try_from(v).ok())
                        .filter(|v| *v > 0)
                })
                .collect();
            return counts
                .map(|counts| SeedForm::Rfc3797 { counts })
                .ok_or_else(bad);
        }
        Err(bad())
    }

    /// The written form (what [`SeedForm::parse`] reads back).
    pub fn text(&self) -> String {
        match self {
            SeedForm::Rfc3797 { counts } => format!(
                "rfc3797:{}",
                counts
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join("+")
            ),
            SeedForm::Drand { round } => format!("drand:{round}"),
            SeedForm::Ceremony => "ceremony".to_string(),
        }
    }

    /// Whether `seed` is of this form; else a sentence saying why not.
    pub fn admits(&self, seed: &Seed) -> std::result::Result<(), String> {
        let c = seed.canonical();
        match self {
            SeedForm::Rfc3797 { counts } => {
                let Some(body) = c.strip_prefix("rfc3797:") else {
                    return Err(format!(
                        "the seed must be an RFC 3797 key string ({}), not {c}",
                        self.text()
                    ));
                };
                // Canonical: every source ends with "/", every number with ".".
                let have: Vec<u32> = body
                    .split_terminator('/')
                    .map(|g| g.split_terminator('.').count() as u32)
                    .collect();
                if &have == counts {
                    Ok(())
                } else {
                    Err(format!(
                        "the announced form {} has {} numbers per source, the seed {}",
                        self.text(),
                        counts
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join("+"),
                        have.iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join("+")
                    ))
                }
            }
            SeedForm::Drand { round } => {
                match c.strip_prefix("drand:").and_then(|r| r.split_once(':')) {
                    Some((r, _)) if r == round.to_string() => Ok(()),
                    _ => Err(format!(
                        "the seed must be the randomness of drand round {round} (drand:{round}:HEX), not {c}"
                    )),
                }
            }
            SeedForm::Ceremony => Err(format!(
                "the announced source is a number drawn at a public ceremony, not a seed ({c})"
            )),
        }
    }
}

fn looks_like_rfc3797(s: &str) -> bool {
    !s.is_empty()
        && s.contains('/')
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '/')
}

/// RFC 3797 §4 key string: each source's numbers sorted ascending, each number
/// written in decimal without leading zeros and followed by `.`, each source
/// followed by `/`. Input may omit the trailing dots or the final slash.
fn canonical_rfc3797(s: &str) -> std::result::Result<String, String> {
    let s = s.trim();
    let body = s.strip_suffix('/').unwrap_or(s);
    if body.is_empty() {
        return Err("the key string has no numbers".into());
    }
    let mut out = String::new();
    for (gi, group) in body.split('/').enumerate() {
        let mut nums: Vec<u64> = Vec::new();
        for part in group.split('.').filter(|p| !p.is_empty()) {
            let digits = part.bytes().all(|b| b.is_ascii_digit());
            let n = part.parse::<u64>().ok().filter(|_| digits).ok_or_else(|| {
                format!(
                    "source {} has {part:?}, which is not a whole number",
                    gi + 1
                )
            })?;
            nums.push(n);
        }
        if nums.is_empty() {
            return Err(format!("source {} has no numbers", gi + 1));
        }
        nums.sort_unstable();
        for n in nums {
            out.push_str(&n.to_string());
            out.push('.');
        }
        out.push('/');
    }
    Ok(out)
}

fn canonical_hex(s: &str) -> std::result::Result<String, String> {
    let t = s.trim().to_ascii_lowercase();
    if t.is_empty() || !t.len().is_multiple_of(2) || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{s:?} is not an even number of hex digits"));
    }
    Ok(t)
}

/// Spec §3: key = SHA-256("sortes/v1" 0x00 label 0x00 seed 0x00 context).
/// `label` names the step (e.g. `invitation-draw`), `context` binds the key to the
/// frozen inputs (the commitment hash of the step, lower-case hex).
pub fn derive_key(label: &str, seed: &Seed, context: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(KEY_PREFIX);
    h.update([0u8]);
    h.update(label.as_bytes());
    h.update([0u8]);
    h.update(seed.canonical.as_bytes());
    h.update([0u8]);
    h.update(context.as_bytes());
    h.finalize().into()
}

/// The random stream of one step: ChaCha20 (20 rounds, 256-bit key, 64-bit block
/// counter starting at 0, 64-bit nonce 0), read as little-endian 32-bit words.
pub struct Stream {
    rng: ChaCha20Rng,
    words: u64,
}

impl Stream {
    pub fn new(key: [u8; 32]) -> Self {
        Stream {
            rng: ChaCha20Rng::from_seed(key),
            words: 0,
        }
    }

    pub fn for_step(label: &str, seed: &Seed, context: &str) -> Self {
        Stream::new(derive_key(label, seed, context))
    }

    /// Spec §4.1: the next keystream word.
    pub fn next_u32(&mut self) -> u32 {
        self.words += 1;
        self.rng.next_u32()
    }

    /// Spec §4.2: two consecutive words, the first one low.
    pub fn next_u64(&mut self) -> u64 {
        let lo = self.next_u32() as u64;
        let hi = self.next_u32() as u64;
        lo | (hi << 32)
    }

    /// Spec §4.3: a uniform integer in `0..n` (n ≥ 1) by rejection. With
    /// r = 2^64 mod n, a 64-bit value x is accepted iff x < 2^64 − r; the result is
    /// x mod n. Each accepted residue then has exactly (2^64 − r)/n preimages.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n >= 1, "below(0) has no values");
        // (2^64 − n) mod n == 2^64 mod n, computed without 128-bit arithmetic.
        let r = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            if r == 0 || x < r.wrapping_neg() {
                return x % n;
            }
        }
    }

    /// Number of 32-bit words consumed so far (recorded in the journal).
    pub fn words_used(&self) -> u64 {
        self.words
    }
}

/// Spec §5: draws `k` distinct items from `items` (already in canonical order) by a
/// partial Fisher–Yates shuffle: for i = 0, 1, …, k−1 swap position i with position
/// i + below(N − i). Returns the chosen items in draw order.
pub fn sample<T: Clone>(stream: &mut Stream, items: &[T], k: usize) -> Vec<T> {
    let k = k.min(items.len());
    let mut pos: Vec<usize> = (0..items.len()).collect();
    let n = items.len();
    for i in 0..k {
        let j = i + stream.below((n - i) as u64) as usize;
        pos.swap(i, j);
    }
    pos[..k].iter().map(|&p| items[p].clone()).collect()
}

/// Spec §5.2: like [`sample`], but continues the same Fisher–Yates walk and skips
/// an item when `accept` refuses it (household rule: the household already has an
/// invitee). Stops when `k` items are accepted or the list is exhausted.
pub fn sample_filtered<T: Clone>(
    stream: &mut Stream,
    items: &[T],
    k: usize,
    mut accept: impl FnMut(&T) -> bool,
) -> Vec<T> {
    let n = items.len();
    let mut pos: Vec<usize> = (0..n).collect();
    let mut out = Vec::with_capacity(k.min(n));
    let mut i = 0;
    while out.len() < k && i < n {
        let j = i + stream.below((n - i) as u64) as usize;
        pos.swap(i, j);
        let item = &items[pos[i]];
        if accept(item) {
            out.push(item.clone());
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chacha20_matches_rfc8439_a1_test_vector_1() {
        // RFC 8439 Appendix A.1, test vector #1: key 0, nonce 0, block counter 0.
        let mut s = Stream::new([0u8; 32]);
        let expected: [u32; 4] = [0xade0b876, 0x903df1a0, 0xe56a5d40, 0x28bd8653];
        for e in expected {
            assert_eq!(s.next_u32(), e);
        }
    }

    #[test]
    fn rfc3797_key_strings_are_canonicalised() {
        let a = Seed::parse("41.3.12.19.27.33/7").unwrap();
        let b = Seed::parse("rfc3797:3.12.19.27.33.41./7./").unwrap();
        assert_eq!(a.canonical(), "rfc3797:3.12.19.27.33.41./7./");
        assert_eq!(a, b);
        assert_eq!(
            Seed::parse("rfc3797:03.1./").unwrap().canonical(),
            "rfc3797:1.3./"
        );
    }

    #[test]
    fn seeds_of_other_forms() {
        assert_eq!(
            Seed::parse(&format!("drand:0042:{}", "AB".repeat(32)))
                .unwrap()
                .canonical(),
            format!("drand:42:{}", "ab".repeat(32))
        );
        assert!(Seed::parse("drand:1:abcd").is_err());
        assert!(Seed::parse("hello").is_err());
        assert_eq!(
            Seed::parse("text:  Lotto  ").unwrap().canonical(),
            "text:Lotto"
        );
        assert!(Seed::parse("hex:abc").is_err());
    }

    #[test]
    fn seed_forms_admit_only_their_seeds() {
        let lotto = SeedForm::parse("rfc3797:6+1").unwrap();
        assert_eq!(lotto.text(), "rfc3797:6+1");
        assert!(
            lotto
                .admits(&Seed::parse("3.12.19.27.33.41./7./").unwrap())
                .is_ok()
        );
        assert!(
            lotto
                .admits(&Seed::parse("3.12.19.27.33./7./").unwrap())
                .is_err()
        );
        assert!(
            lotto
                .admits(&Seed::parse("text:anything").unwrap())
                .is_err()
        );
        let drand = SeedForm::parse("drand:4242").unwrap();
        let hex = "ab".repeat(32);
        assert!(
            drand
                .admits(&Seed::parse(&format!("drand:4242:{hex}")).unwrap())
                .is_ok()
        );
        assert!(
            drand
                .admits(&Seed::parse(&format!("drand:4243:{hex}")).unwrap())
                .is_err()
        );
        assert!(
            SeedForm::Ceremony
                .admits(&Seed::parse("1.2./").unwrap())
                .is_err()
        );
        for bad in ["text", "rfc3797:", "rfc3797:6+0", "drand:x", "hex:"] {
            assert!(SeedForm::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn below_rejects_the_biased_zone() {
        // n = 2^63 + 1: r = 2^64 mod n = 2^63 − 1, so values ≥ 2^64 − r are redrawn.
        let n = (1u64 << 63) + 1;
        let r = n.wrapping_neg() % n;
        assert_eq!(r, (1u64 << 63) - 1);
        let mut s = Stream::new([7u8; 32]);
        for _ in 0..1000 {
            assert!(s.below(n) < n);
        }
        let mut s = Stream::new([7u8; 32]);
        for _ in 0..1000 {
            assert_eq!(s.below(1), 0);
        }
    }

    #[test]
    fn sample_is_a_prefix_of_a_permutation() {
        let items: Vec<u32> = (0..100).collect();
        let mut s = Stream::new([1u8; 32]);
        let all = sample(&mut s, &items, 100);
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, items);
        // The first k of a full shuffle equal a k-sample from the same stream.
        let mut s = Stream::new([1u8; 32]);
        assert_eq!(sample(&mut s, &items, 10), all[..10].to_vec());
    }

    #[test]
    fn filtered_sample_without_filter_equals_sample() {
        let items: Vec<u32> = (0..50).collect();
        let mut a = Stream::new([3u8; 32]);
        let mut b = Stream::new([3u8; 32]);
        assert_eq!(
            sample(&mut a, &items, 20),
            sample_filtered(&mut b, &items, 20, |_| true)
        );
    }

    #[test]
    fn key_derivation_separates_labels_and_contexts() {
        let seed = Seed::parse("1.2./").unwrap();
        let k1 = derive_key("invitation-draw", &seed, "c0");
        assert_ne!(k1, derive_key("lottery", &seed, "c0"));
        assert_ne!(k1, derive_key("invitation-draw", &seed, "c1"));
        // Independent recomputation of the documented byte string.
        let mut msg = b"sortes/v1\0invitation-draw\0rfc3797:1.2./\0c0".to_vec();
        let direct: [u8; 32] = Sha256::digest(&msg).into();
        assert_eq!(k1, direct);
        msg.clear();
    }
}

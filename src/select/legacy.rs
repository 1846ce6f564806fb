//! The Sortition Foundation's greedy "legacy" algorithm (baseline only), estimated by
//! repeated sampling.
//!
//! One draw (paraphrasing `find_random_sample_legacy` of stratification.py): repeat k times —
//! for every feature-value f with remaining candidates and max > 0 compute the urgency
//! `(l_f − selected_f) / remaining_f` and take the first f with the largest value; pick a
//! uniformly random remaining candidate having f; select them, remove their household
//! members, and remove every remaining candidate having a feature-value that is now full.
//! A draw fails if some minimum can no longer be met (or is not met at the end); failed
//! draws are retried.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::{Instance, check_panel, validate};

/// Maximum consecutive failed draws before giving up.
const MAX_ATTEMPTS: usize = 1000;

/// Monte-Carlo estimate of the legacy algorithm's selection probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyEstimate {
    /// Estimated selection probability per agent (selection count / samples).
    pub probs: Vec<f64>,
    /// Number of successful draws.
    pub samples: usize,
    /// Number of failed draws that were retried.
    pub failed_attempts: usize,
}

/// Uniform integer in `0..n` (n > 0) from raw `next_u64` by rejection: values at or above
/// the largest multiple of n below 2^64 are rejected, so `x % n` is exactly uniform.
fn below(rng: &mut ChaCha20Rng, n: u64) -> u64 {
    let rem = (u64::MAX % n + 1) % n; // 2^64 mod n
    loop {
        let x = rng.next_u64();
        if x <= u64::MAX - rem {
            return x % n;
        }
    }
}

/// Estimates the legacy algorithm's selection probabilities from `samples` draws.
pub fn legacy_probabilities(
    inst: &Instance,
    samples: usize,
    seed: [u8; 32],
) -> crate::base::error::Result<LegacyEstimate> {
    validate(inst)?;
    let mut rng = ChaCha20Rng::from_seed(seed);
    let n = inst.agents.len();
    let mut hits = vec![0u64; n];
    let mut failed = 0usize;
    for _ in 0..samples {
        let mut attempts = 0;
        let panel = loop {
            if let Some(p) = draw(inst, &mut rng) {
                break p;
            }
            failed += 1;
            attempts += 1;
            if attempts >= MAX_ATTEMPTS {
                return Err(crate::base::error::Error::solver(format!(
                    "legacy algorithm failed {MAX_ATTEMPTS} times in a row"
                )));
            }
        };
        for i in panel {
            hits[i as usize] += 1;
        }
    }
    let s = samples.max(1) as f64;
    Ok(LegacyEstimate {
        probs: hits.iter().map(|&h| h as f64 / s).collect(),
        samples,
        failed_attempts: failed,
    })
}

struct State<'a> {
    inst: &'a Instance,
    alive: Vec<bool>,
    selected: Vec<Vec<u32>>,
    remaining: Vec<Vec<u32>>,
}

impl State<'_> {
    fn remove(&mut self, i: usize) {
        if self.alive[i] {
            self.alive[i] = false;
            for (c, &v) in self.inst.agents[i].iter().enumerate() {
                self.remaining[c][v] -= 1;
            }
        }
    }
}

/// One legacy draw; `None` if it fails.
fn draw(inst: &Instance, rng: &mut ChaCha20Rng) -> Option<Vec<u32>> {
    let n = inst.agents.len();
    let mut st = State {
        inst,
        alive: vec![true; n],
        selected: inst
            .categories
            .iter()
            .map(|c| vec![0; c.values.len()])
            .collect(),
        remaining: inst
            .categories
            .iter()
            .map(|c| vec![0; c.values.len()])
            .collect(),
    };
    for a in &inst.agents {
        for (c, &v) in a.iter().enumerate() {
            st.remaining[c][v] += 1;
        }
    }
    let mut panel = Vec::with_capacity(inst.k);
    for _ in 0..inst.k {
        // Most urgent feature-value (first maximum in category/value order).
        let mut best: Option<(usize, usize)> = None;
        let mut best_ratio = -100.0f64;
        for (c, cat) in inst.categories.iter().enumerate() {
            for (v, val) in cat.values.iter().enumerate() {
                let sel = st.selected[c][v];
                let rem = st.remaining[c][v];
                if sel < val.min && rem < val.min - sel {
                    return None;
                }
                if rem != 0 && val.max != 0 {
                    let ratio = (val.min as f64 - sel as f64) / rem as f64;
                    if ratio > best_ratio {
                        best_ratio = ratio;
                        best = Some((c, v));
                    }
                }
            }
        }
        let (c, v) = best?;
        // Uniformly random remaining candidate with that feature-value.
        let r = below(rng, st.remaining[c][v] as u64) as usize;
        let i = (0..n)
            .filter(|&i| st.alive[i] && inst.agents[i][c] == v)
            .nth(r)?;
        panel.push(i as u32);
        st.remove(i);
        for (c2, &v2) in inst.agents[i].iter().enumerate() {
            st.selected[c2][v2] += 1;
        }
        if let Some(h) = &inst.households
            && let Some(id) = h[i]
        {
            for (j, hj) in h.iter().enumerate() {
                if *hj == Some(id) {
                    st.remove(j);
                }
            }
        }
        for (c2, &v2) in inst.agents[i].iter().enumerate() {
            if st.selected[c2][v2] >= inst.categories[c2].values[v2].max {
                for j in 0..n {
                    if st.alive[j] && inst.agents[j][c2] == v2 {
                        st.remove(j);
                    }
                }
            }
        }
    }
    panel.sort_unstable();
    check_panel(inst, &panel).ok().map(|_| panel)
}

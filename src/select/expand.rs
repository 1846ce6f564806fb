//! Expansion of type-level panels into concrete panels with exactly equal marginals
//! inside each type.
//!
//! Taking the lowest-indexed members of every type would give those agents all of the
//! type's probability. Instead, for a type-level panel q with probability λ_q:
//!
//! * For every type t with 0 < m = m_{q,t} < c = c_t, put the members of t on a circle (in
//!   index order) and let g = gcd(m, c), L_t = c/g. The L_t windows of m consecutive members
//!   starting at 0, m, 2m, …, (L_t−1)m (mod c) cover the circle exactly m/g times, so each
//!   member lies in exactly m/g of them — a fraction m/c, the type average.
//! * All types are rotated "in parallel" along a common axis τ ∈ [0,1): type t uses window
//!   j = ⌊τ·L_t⌋. The axis is cut at the union of the breakpoints j/L_t (exact rational
//!   comparison), and each piece [b_s, b_{s+1}) becomes one concrete panel with probability
//!   λ_q·(b_{s+1} − b_s). Each window of t then gets total weight λ_q/L_t exactly, so every
//!   member of t has marginal λ_q·m/c, regardless of the other types.
//! * Types with m = 0 or m = c need no rotation.
//!
//! A type-level panel expands into at most Σ_t L_t ≤ n concrete panels. The result is
//! deterministic; panels are sorted and identical panels merged.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::Distribution;
use super::types::TypeModel;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Rational j/l with exact comparison.
#[derive(Clone, Copy, Debug)]
struct Frac {
    num: u64,
    den: u64,
}

impl Frac {
    fn cmp(&self, o: &Frac) -> Ordering {
        (self.num as u128 * o.den as u128).cmp(&(o.num as u128 * self.den as u128))
    }
    fn value(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

pub(crate) fn expand(tm: &TypeModel, columns: &[Vec<u32>], lambda: &[f64]) -> Distribution {
    let mut acc: BTreeMap<Vec<u32>, f64> = BTreeMap::new();
    for (col, &lam) in columns.iter().zip(lambda) {
        if lam <= 0.0 {
            continue;
        }
        // (type, m, c, L)
        let rot: Vec<(usize, u64, u64, u64)> = col
            .iter()
            .enumerate()
            .filter_map(|(t, &m)| {
                let c = tm.members[t].len() as u64;
                let m = m as u64;
                (m > 0 && m < c).then(|| (t, m, c, c / gcd(m, c)))
            })
            .collect();
        let mut fixed_part: Vec<u32> = Vec::new();
        for (t, &m) in col.iter().enumerate() {
            if m as usize == tm.members[t].len() {
                fixed_part.extend_from_slice(&tm.members[t]);
            }
        }
        let mut cuts: Vec<Frac> = vec![Frac { num: 0, den: 1 }];
        for &(_, _, _, l) in &rot {
            cuts.extend((1..l).map(|j| Frac { num: j, den: l }));
        }
        cuts.sort_by(|a, b| a.cmp(b));
        cuts.dedup_by(|a, b| a.cmp(b) == Ordering::Equal);
        for (s, start) in cuts.iter().enumerate() {
            let end = cuts.get(s + 1).map_or(1.0, Frac::value);
            let weight = lam * (end - start.value());
            let mut panel = fixed_part.clone();
            for &(t, m, c, l) in &rot {
                // j = ⌊τ L_t⌋ for τ = start (exact integer arithmetic).
                let j = (start.num as u128 * l as u128 / start.den as u128) as u64;
                let first = (j * m) % c;
                for r in 0..m {
                    panel.push(tm.members[t][((first + r) % c) as usize]);
                }
            }
            panel.sort_unstable();
            *acc.entry(panel).or_insert(0.0) += weight;
        }
    }
    let total: f64 = acc.values().sum();
    let (panels, probs) = acc
        .into_iter()
        .map(|(p, w)| (p, if total > 0.0 { w / total } else { w }))
        .unzip();
    Distribution { panels, probs }
}

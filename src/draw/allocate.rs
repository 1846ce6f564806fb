//! Allocation of invitations to strata (spec §7): proportional to the eligible
//! count times the oversampling factor, by largest remainder, never above a
//! stratum's capacity. Integer arithmetic only, so the rule is exact.

/// Parses a decimal factor such as "1.5" into thousandths (1500). At most three
/// decimals; must be positive.
pub fn parse_factor(s: &str) -> Option<u128> {
    let s = s.trim();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() || frac.len() > 3 {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..3 {
        f *= 10;
    }
    let v = i.checked_mul(1000)?.checked_add(f)?;
    (v > 0).then_some(v)
}

/// One stratum's input to the allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Eligible count × product of factors in thousandths.
    pub weight: u128,
    /// The most invitations the stratum can take (its eligible persons, or its
    /// households under the household rule).
    pub capacity: u64,
}

/// Allocates `total` invitations. `shares` are in canonical stratum order, which
/// breaks ties between equal remainders (earlier stratum first).
///
/// Rule (spec §7.2): let A be the strata not yet fixed and R the invitations not
/// yet given. If some stratum in A has an exact quota R·w/W above its capacity
/// (W = Σ_A w), every such stratum is fixed at its capacity and the step repeats.
/// Otherwise each stratum in A gets ⌊R·w/W⌋ and the L remaining invitations go one
/// each to the L strata with the largest remainders R·w mod W.
/// Returns None if the capacities add up to less than `total`.
pub fn allocate(shares: &[Share], total: u64) -> Option<Vec<u64>> {
    let cap_sum: u128 = shares.iter().map(|s| s.capacity as u128).sum();
    if cap_sum < total as u128 {
        return None;
    }
    let mut alloc = vec![0u64; shares.len()];
    let mut active: Vec<usize> = (0..shares.len())
        .filter(|&i| shares[i].weight > 0 && shares[i].capacity > 0)
        .collect();
    let mut rest = total as u128;
    loop {
        let w: u128 = active.iter().map(|&i| shares[i].weight).sum();
        if rest == 0 {
            return Some(alloc);
        }
        if w == 0 {
            // Unreachable while Σ capacity ≥ total: every stratum left is full.
            return Some(alloc);
        }
        let over: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&i| rest * shares[i].weight > shares[i].capacity as u128 * w)
            .collect();
        if !over.is_empty() {
            for &i in &over {
                alloc[i] = shares[i].capacity;
                rest -= shares[i].capacity as u128;
            }
            active.retain(|i| !over.contains(i));
            continue;
        }
        let mut given: u128 = 0;
        let mut rems: Vec<(u128, usize)> = Vec::with_capacity(active.len());
        for &i in &active {
            let q = rest * shares[i].weight / w;
            alloc[i] = q as u64;
            given += q;
            rems.push((rest * shares[i].weight % w, i));
        }
        // Largest remainder first; equal remainders in canonical stratum order.
        rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let left = (rest - given) as usize;
        for &(_, i) in rems.iter().take(left) {
            alloc[i] += 1;
        }
        return Some(alloc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shares(eligible: &[u64]) -> Vec<Share> {
        eligible
            .iter()
            .map(|&e| Share {
                weight: e as u128 * 1000,
                capacity: e,
            })
            .collect()
    }

    #[test]
    fn factors_parse_exactly() {
        assert_eq!(parse_factor("1.5"), Some(1500));
        assert_eq!(parse_factor("2"), Some(2000));
        assert_eq!(parse_factor("0.125"), Some(125));
        assert_eq!(parse_factor("1.2345"), None);
        assert_eq!(parse_factor("0"), None);
        assert_eq!(parse_factor("-1"), None);
        assert_eq!(parse_factor("abc"), None);
    }

    #[test]
    fn dortmund_districts_match_the_published_hare_allocation() {
        // Populations from ../shared/reference/dortmund-statistics.csv and the
        // allocation of 2,000 letters computed there independently (largest remainder).
        let pop = [
            54215, 61065, 58520, 39405, 47185, 56395, 55685, 57315, 57380, 48750, 36565, 39585,
        ];
        let expected = [177, 200, 191, 129, 154, 184, 182, 187, 188, 159, 120, 129];
        assert_eq!(allocate(&shares(&pop), 2000).unwrap(), expected.to_vec());
    }

    #[test]
    fn ties_go_to_the_earlier_stratum() {
        assert_eq!(allocate(&shares(&[1, 1, 1]), 2).unwrap(), vec![1, 1, 0]);
    }

    #[test]
    fn capacity_is_never_exceeded() {
        // Oversampling the small stratum 100× would give it 7.5 of 10; it holds 3.
        let s = vec![
            Share {
                weight: 3 * 100_000,
                capacity: 3,
            },
            Share {
                weight: 100 * 1000,
                capacity: 100,
            },
        ];
        assert_eq!(allocate(&s, 10).unwrap(), vec![3, 7]);
        assert_eq!(allocate(&shares(&[2, 3]), 6), None);
        assert_eq!(allocate(&shares(&[2, 3]), 5).unwrap(), vec![2, 3]);
    }

    proptest! {
        #[test]
        fn allocation_sums_and_bounds(
            eligible in proptest::collection::vec(0u64..500, 1..15),
            factors in proptest::collection::vec(1u128..4000, 15),
            frac in 0u64..=100,
        ) {
            let s: Vec<Share> = eligible.iter().zip(&factors)
                .map(|(&e, &f)| Share { weight: e as u128 * f, capacity: e }).collect();
            let cap: u64 = eligible.iter().sum();
            let total = cap * frac / 100;
            let a = allocate(&s, total).unwrap();
            prop_assert_eq!(a.iter().sum::<u64>(), total);
            for (x, sh) in a.iter().zip(&s) {
                prop_assert!(*x <= sh.capacity);
            }
            // Without any capped stratum each allocation is within 1 of its exact quota.
            let w: u128 = s.iter().map(|x| x.weight).sum();
            if w > 0 && s.iter().all(|x| total as u128 * x.weight <= x.capacity as u128 * w) {
                for (x, sh) in a.iter().zip(&s) {
                    let exact_floor = total as u128 * sh.weight / w;
                    prop_assert!(*x as u128 == exact_floor || *x as u128 == exact_floor + 1);
                }
            }
        }
    }
}

//! Largest-remainder (Hare–Niemeyer) apportionment, in integers only, so that the
//! rule is exact and replayable: the one apportionment of sortes (invitations to
//! strata, seats to quota targets, residents of the synthetic register).

/// Apportions `total` to `weights`: each gets ⌊total·w/W⌋ (W = Σ w), and the L seats
/// left go one each to the L largest remainders total·w mod W; equal remainders go
/// to the lower index. All zero when W = 0.
pub fn apportion(total: u64, weights: &[u128]) -> Vec<u64> {
    let sum: u128 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let total = u128::from(total);
    let mut out = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut given = 0u128;
    for (i, &w) in weights.iter().enumerate() {
        let q = total * w;
        given += q / sum;
        // q / sum ≤ total, which came from a u64.
        out.push((q / sum) as u64);
        rems.push((q % sum, i));
    }
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rems.iter().take((total - given) as usize) {
        out[i] += 1;
    }
    out
}

/// One claimant of [`apportion_capped`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub weight: u128,
    /// The most the claimant can take.
    pub capacity: u64,
}

/// Apportions `total` to `shares` without giving anyone more than its capacity
/// (spec §7.2). Let A be the claimants not yet fixed and R what is left to give. If
/// some claimant in A has an exact quota R·w/W above its capacity (W = Σ_A w), every
/// such claimant is fixed at its capacity and the step repeats; otherwise A is
/// apportioned R by [`apportion`]. Claimants with weight or capacity 0 get nothing.
/// `None` when the capacities add up to less than `total`.
pub fn apportion_capped(shares: &[Share], total: u64) -> Option<Vec<u64>> {
    let cap_sum: u128 = shares.iter().map(|s| u128::from(s.capacity)).sum();
    if cap_sum < u128::from(total) {
        return None;
    }
    let mut alloc = vec![0u64; shares.len()];
    let mut active: Vec<usize> = (0..shares.len())
        .filter(|&i| shares[i].weight > 0 && shares[i].capacity > 0)
        .collect();
    let mut rest = u128::from(total);
    loop {
        let w: u128 = active.iter().map(|&i| shares[i].weight).sum();
        if rest == 0 || w == 0 {
            // w == 0 with rest > 0 cannot happen while Σ capacity ≥ total.
            return Some(alloc);
        }
        let over: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&i| rest * shares[i].weight > u128::from(shares[i].capacity) * w)
            .collect();
        if over.is_empty() {
            let weights: Vec<u128> = active.iter().map(|&i| shares[i].weight).collect();
            // rest ≤ total, a u64.
            for (&i, a) in active.iter().zip(apportion(rest as u64, &weights)) {
                alloc[i] = a;
            }
            return Some(alloc);
        }
        for &i in &over {
            alloc[i] = shares[i].capacity;
            rest -= u128::from(shares[i].capacity);
        }
        active.retain(|i| !over.contains(i));
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
                weight: u128::from(e) * 1000,
                capacity: e,
            })
            .collect()
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        assert_eq!(apportion(1, &[1, 1]), vec![1, 0]);
        assert_eq!(apportion(4, &[1, 1, 1]), vec![2, 1, 1]);
        assert_eq!(apportion(50, &[360, 290, 350]), vec![18, 15, 17]);
        assert_eq!(apportion(3, &[0, 0]), vec![0, 0]);
        assert_eq!(
            apportion_capped(&shares(&[1, 1, 1]), 2),
            Some(vec![1, 1, 0])
        );
    }

    #[test]
    fn dortmund_districts_match_the_hare_allocation() {
        // Stadtbezirk populations (quotas/dortmund-statistics.csv) and the allocation of
        // 2,000 letters computed by hand with largest remainders.
        let pop = [
            54215, 61065, 58520, 39405, 47185, 56395, 55685, 57315, 57380, 48750, 36565, 39585,
        ];
        let expected = [177, 200, 191, 129, 154, 184, 182, 187, 188, 159, 120, 129];
        assert_eq!(
            apportion_capped(&shares(&pop), 2000).unwrap(),
            expected.to_vec()
        );
    }

    #[test]
    fn capacity_is_never_exceeded() {
        // Oversampling the small claimant 100× would give it 7.5 of 10; it holds 3.
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
        assert_eq!(apportion_capped(&s, 10).unwrap(), vec![3, 7]);
        assert_eq!(apportion_capped(&shares(&[2, 3]), 6), None);
        assert_eq!(apportion_capped(&shares(&[2, 3]), 5).unwrap(), vec![2, 3]);
    }

    proptest! {
        #[test]
        fn sums_and_bounds(
            eligible in proptest::collection::vec(0u64..500, 1..15),
            factors in proptest::collection::vec(1u128..4000, 15),
            frac in 0u64..=100,
        ) {
            let s: Vec<Share> = eligible.iter().zip(&factors)
                .map(|(&e, &f)| Share { weight: u128::from(e) * f, capacity: e }).collect();
            let cap: u64 = eligible.iter().sum();
            let total = cap * frac / 100;
            let a = apportion_capped(&s, total).unwrap();
            prop_assert_eq!(a.iter().sum::<u64>(), total);
            for (x, sh) in a.iter().zip(&s) {
                prop_assert!(*x <= sh.capacity);
            }
            // Without any capped claimant each share is within 1 of its exact quota.
            let w: u128 = s.iter().map(|x| x.weight).sum();
            if w > 0 && s.iter().all(|x| u128::from(total) * x.weight <= u128::from(x.capacity) * w) {
                for (x, sh) in a.iter().zip(&s) {
                    let floor = u128::from(total) * sh.weight / w;
                    prop_assert!(u128::from(*x) == floor || u128::from(*x) == floor + 1);
                }
            }
        }
    }
}

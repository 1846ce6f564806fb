//! The lottery draw and the reserve order (spec §13). Integer arithmetic only.
//!
//! - Panel number: from a public ceremony (`--number`), or from a seed:
//!   `Stream(derive_key("lottery-number", seed, lottery_sha256)).below(m)`.
//! - Reserve order: every pool id not on the drawn panel, sorted by UTF-8 bytes, put
//!   in order by a full Fisher–Yates walk (`spec::sample` with k = all) on
//!   `Stream(derive_key("reserve-order", seed, lottery_sha256 ":" number))`.
//!   With a ceremony number and no seed, the seed is `text:lottery number <n>`; the
//!   order is then fixed by the committed lottery and the public number, so nobody can
//!   choose it after the commitment.

use crate::base::spec::{self, Seed, Stream};

/// Label of the number draw in the key derivation.
pub const NUMBER_LABEL: &str = "lottery-number";
/// Label of the reserve order in the key derivation.
pub const RESERVE_LABEL: &str = "reserve-order";

/// The panel number drawn from `seed` for a lottery with `m` panels.
pub fn number_from_seed(seed: &Seed, lottery_sha256: &str, m: u64) -> u64 {
    Stream::for_step(NUMBER_LABEL, seed, lottery_sha256).below(m)
}

/// The seed of the reserve order when only a ceremony number is known.
pub fn seed_for_number(number: u64) -> Seed {
    Seed::from_text(&format!("lottery number {number}"))
}

/// Everyone in `pool_ids` not on `panel`, in reserve order.
pub fn reserve_order(
    seed: &Seed,
    lottery_sha256: &str,
    number: u64,
    pool_ids: &[String],
    panel: &[String],
) -> Vec<String> {
    let on: std::collections::BTreeSet<&str> = panel.iter().map(String::as_str).collect();
    let mut rest: Vec<String> = pool_ids
        .iter()
        .filter(|id| !on.contains(id.as_str()))
        .cloned()
        .collect();
    rest.sort();
    rest.dedup();
    let mut stream = Stream::for_step(RESERVE_LABEL, seed, &format!("{lottery_sha256}:{number}"));
    let n = rest.len();
    spec::sample(&mut stream, &rest, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_is_in_range_and_depends_on_the_lottery() {
        let seed = Seed::parse("hex:00ff").expect("seed");
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..50 {
            let n = number_from_seed(&seed, &format!("{i:064x}"), 1000);
            assert!(n < 1000);
            seen.insert(n);
        }
        assert!(seen.len() > 40, "numbers should vary with the lottery hash");
    }

    #[test]
    fn reserve_order_is_a_permutation_of_the_rest() {
        let seed = seed_for_number(187);
        let pool: Vec<String> = (0..30).map(|i| format!("P{i:03}")).collect();
        let panel: Vec<String> = pool[..10].to_vec();
        let order = reserve_order(&seed, "ab", 187, &pool, &panel);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, pool[10..].to_vec());
        // Input order of the pool does not matter.
        let mut rev = pool.clone();
        rev.reverse();
        assert_eq!(reserve_order(&seed, "ab", 187, &rev, &panel), order);
        // Another number, another order.
        assert_ne!(reserve_order(&seed, "ab", 188, &pool, &panel), order);
    }
}

//! Instances for the unit tests of `select` (an integration test's helpers are out of a
//! unit test's reach, and `synth` sits above `select` in the pipeline).

use super::{Category, Instance, QuotaValue};

/// A small instance: `n` agents, two or three categories with tight quotas (so that
/// the LP relaxation is fractional and branch and bound has work), households when
/// `households`.
pub(crate) fn instance(
    values: &[Vec<usize>],
    sizes: &[usize],
    k: usize,
    households: bool,
) -> Instance {
    let n = values.len();
    let categories = sizes
        .iter()
        .enumerate()
        .map(|(c, &m)| Category {
            name: format!("c{c}"),
            values: (0..m)
                .map(|v| {
                    let have = values.iter().filter(|a| a[c] == v).count() as u32;
                    // Tight: ⌊k/m⌋ ≤ count ≤ ⌈k/m⌉.
                    let share = k as u32 / m as u32;
                    QuotaValue {
                        name: format!("v{v}"),
                        min: share.min(have),
                        max: share + u32::from(!k.is_multiple_of(m)),
                    }
                })
                .collect(),
        })
        .collect();
    Instance {
        k,
        categories,
        agents: values.to_vec(),
        households: households.then(|| (0..n).map(|i| Some(i as u32 / 2)).collect()),
    }
}

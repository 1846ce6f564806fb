//! Small-cell suppression.
//!
//! The rule (also printed, translated, at the end of every report):
//!
//! 1. **Primary**: every count of persons below the threshold `t` (default 3),
//!    zero included, is shown as "< t". Zero is included because "0 of the one
//!    invitee with gender d applied" says something about that one person.
//! 2. **Complementary**: the values of a category partition its total, and the
//!    total is printed in the funnel. A single suppressed cell could therefore be
//!    recomputed as total − the other cells, and two cells that are both below `t`
//!    would be bounded tightly. So in every column (one measure, e.g. applicants,
//!    across the values of one category) that has a suppressed cell, and in which no
//!    suppressed cell is ≥ `t`, the smallest shown cell is suppressed as well. The
//!    remainder total − shown cells is then the sum of at least one small and one
//!    large cell and pins down neither.
//! 3. **Derived figures** follow their counts: a share, a rate or a chart bar is
//!    drawn only from shown counts; a rate needs both numerator and denominator; an
//!    expected panel count (≤ applicants) is hidden where the applicants cell is.
//!    Charts plot shares of the printed column total, so a suppressed cell has no bar
//!    (only a "< t" mark) and cannot be read off the chart either.
//!
//! Not suppressed, on purpose: quota bounds (public parameters of the process),
//! population counts from official statistics, probabilities (no ids), and the
//! replacement timeline (counts of events with no attribute attached).

use serde::Serialize;

/// A count as it may be printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Cell {
    /// The count may be shown.
    Shown(u64),
    /// Suppressed because it is below the threshold (shown as "< t").
    Small,
    /// Suppressed so that a `Small` cell cannot be recomputed from the total (shown as "•").
    Complement,
    /// Not known for this value (e.g. invitees of a form answer).
    Unknown,
}

impl Cell {
    pub fn shown(self) -> Option<u64> {
        match self {
            Cell::Shown(n) => Some(n),
            _ => None,
        }
    }
    pub fn is_suppressed(self) -> bool {
        matches!(self, Cell::Small | Cell::Complement)
    }
}

/// Suppresses one column of counts that partition a published total.
pub fn suppress_column(counts: &[Option<u64>], threshold: u64) -> Vec<Cell> {
    let mut cells: Vec<Cell> = counts
        .iter()
        .map(|c| suppress_single(*c, threshold))
        .collect();
    let any_primary = cells.iter().any(|c| c.is_suppressed());
    // Every suppressed cell is < threshold at this point (only primaries exist), so a
    // complementary cell is needed whenever there is any primary one.
    if any_primary {
        let smallest_shown = cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.shown().map(|n| (n, i)))
            .min();
        if let Some((_, i)) = smallest_shown {
            cells[i] = Cell::Complement;
        }
    }
    cells
}

/// A single count that no other printed count complements (e.g. a funnel stage).
pub fn suppress_single(count: Option<u64>, threshold: u64) -> Cell {
    match count {
        None => Cell::Unknown,
        Some(n) if n < threshold => Cell::Small,
        Some(n) => Cell::Shown(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_small_cells_nothing_suppressed() {
        let c = suppress_column(&[Some(10), Some(3), None], 3);
        assert_eq!(c, vec![Cell::Shown(10), Cell::Shown(3), Cell::Unknown]);
    }

    #[test]
    fn one_small_cell_takes_the_smallest_other_with_it() {
        let c = suppress_column(&[Some(120), Some(1), Some(99)], 3);
        assert_eq!(c, vec![Cell::Shown(120), Cell::Small, Cell::Complement]);
    }

    #[test]
    fn two_small_cells_still_get_a_large_complement() {
        // 0 and 0 alone would be recomputable (remainder 0 ⇒ both 0).
        let c = suppress_column(&[Some(0), Some(0), Some(50), Some(40)], 3);
        assert_eq!(
            c,
            vec![Cell::Small, Cell::Small, Cell::Shown(50), Cell::Complement]
        );
    }
}

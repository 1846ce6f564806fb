//! Small-cell suppression.
//!
//! The rule (also printed, translated, at the end of every report):
//!
//! 1. **Primary**: every count of persons below the threshold `t` (default 3),
//!    zero included, is not printed; it is marked "< t". Zero is included because
//!    "0 of the one invitee with gender d applied" says something about that one
//!    person.
//! 2. **Merged, not complemented**: the values of a category partition a stage's
//!    total, and that total is printed (in the funnel, and as the sum of any other
//!    category's column). A lone "< t" cell could be recomputed as total − the other
//!    cells. So in every column (one stage, e.g. the pool, across the values of one
//!    category) that has such a cell, the small cells are counted together with one
//!    large value of the same column, the *partner*: the partner's row shows the sum,
//!    marked "(+ d)", the small rows "< t (in m)". The partner is the value with the
//!    most persons that has a *margin* of at least `t − 1` on both sides: its count is
//!    at least `t − 1` above every lower bound the page gives for it (`t` itself, its
//!    panel count, its quota minimum, its expected panel count, its count at the next
//!    stage) and at least `t − 1` below every upper bound (its count at the previous
//!    stage). "Most persons" is the smallest count over the category's columns that
//!    need a partner, so that invitees and pool share one partner where they can and
//!    the representation chart compares like with like. If no value has the margin,
//!    the whole column is hidden ("•"); the stage total stays printed.
//!
//!    Why this protects: with that margin, every value from a small cell's public
//!    lower bound (its panel count or quota minimum, else 0) up to `t − 1` stays
//!    consistent with everything on the page, other stages included (pool ≤ invitees,
//!    panel ≤ pool), so the page says no more about it than "< t" and what the
//!    published panel says anyway; nor does it pin down the partner's own count. The
//!    choice of partner depends on the small cells only through "below `t`", so
//!    knowing the rule gives nothing away either. (The test
//!    `no_hidden_count_can_be_recomputed` checks this by enumerating every possible
//!    world of random small categories.)
//!
//!    Why it loses least: hiding a complementary cell instead (the former rule)
//!    publishes the same information, since total − shown cells is exactly the sum of
//!    the hidden ones, but leaves a large value without a number and a bar. Merging
//!    prints that sum where it belongs. No count of `t` or more is ever hidden, except
//!    in a column hidden whole, which needs a small cell and no value with the margin
//!    (so no value of at least `2t − 1` persons beyond its bounds); a merged count is
//!    off from its own by less than `t` per small value merged into it. Two small cells are never merged only with each
//!    other: two counts below `t` that add up to `t` or more are each at least 1, which
//!    says that someone with each value is there. Suppressing a stage total instead is
//!    no option: every category's column adds up to it.
//! 3. **The panel is shown whole**: its composition is public (anyone must be able to
//!    check it against the quotas), so panel counts are never suppressed
//!    ([`shown_whole`]). They are lower bounds for the pool and the
//!    invitees, and rule 2 takes them into account. A small count that the panel alone
//!    already fixes (`t − 1` panel members with a value, so "< t" means exactly
//!    `t − 1`) cannot be protected by any table: it is still marked "< t", not
//!    merged, and not printed.
//! 4. **Derived figures** follow their counts: a share, a rate, an expected panel
//!    count or a chart bar is drawn only from printed counts; at a merged row it is
//!    the figure of the merged values together (marked like the count); a rate needs
//!    both numerator and denominator. Charts plot shares of the printed column total,
//!    so a small cell has no bar (only a "< t" mark) and cannot be read off a chart.
//!
//! Not suppressed, on purpose: the panel's composition (rule 3), quota bounds (public
//! parameters of the process), population counts from official statistics,
//! probabilities (no ids), and the replacement timeline (counts of events with no
//! attribute attached).

use serde::Serialize;

/// A count as it may be printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Cell {
    /// The count may be shown.
    Shown(u64),
    /// This value's count together with the small counts merged into it (the cells
    /// `With(i)` where `i` is this cell's index); shown as the sum, marked "(+ d)".
    Sum(u64),
    /// Below the threshold and counted in the cell at this index (shown as
    /// "< t (in m)").
    With(usize),
    /// Below the threshold and merged nowhere (shown as "< t"): a count standing alone
    /// (a funnel stage), or one the published panel already fixes (rule 3).
    Small,
    /// Hidden because no value of its column could take the small ones in (shown as
    /// "•"); the whole column is hidden then.
    Complement,
    /// Not known for this value (e.g. invitees of a form answer).
    Unknown,
}

impl Cell {
    /// The count, where it is shown on its own.
    pub fn shown(self) -> Option<u64> {
        match self {
            Cell::Shown(n) => Some(n),
            _ => None,
        }
    }
    /// Whether the value's own count is not printed (a merged sum is printed).
    pub fn is_suppressed(self) -> bool {
        matches!(self, Cell::Small | Cell::With(_) | Cell::Complement)
    }
    /// Whether the cell takes part in a merge (as the sum or as a merged small count).
    pub fn is_merged(self) -> bool {
        matches!(self, Cell::Sum(_) | Cell::With(_))
    }
}

/// What the rest of the page tells about one value's count in one column. The
/// caller fills it from the other stages and the quota table; `Bounds::default()`
/// (nothing known) is right for a column that stands alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// A lower bound the page publishes *whatever this column shows*: the panel's
    /// count of the value (the panel is shown whole) or its quota minimum. Must not
    /// include a figure that is hidden where this count is small.
    pub public_lower: u64,
    /// A lower bound the page may publish where this count is large: besides the
    /// above, the next stage's count and the expected panel count (rounded up). Used
    /// only for choosing a partner, where a higher bound is the safe side.
    pub lower: u64,
    /// An upper bound the page may publish: the previous stage's count. `None`: none.
    pub upper: Option<u64>,
}

/// One column of a category: one count per value, all partitioning one printed
/// total, and what the rest of the page tells about each (`bounds` empty: nothing).
#[derive(Clone, Copy, Debug)]
pub struct Column<'a> {
    pub counts: &'a [Option<u64>],
    pub bounds: &'a [Bounds],
}

/// Suppresses one column of counts that partition a published total, with nothing
/// else known about them (see [`suppress_category`]).
pub fn suppress_column(counts: &[Option<u64>], threshold: u64) -> Vec<Cell> {
    suppress_category(
        &[Column {
            counts,
            bounds: &[],
        }],
        threshold,
    )
    .pop()
    .unwrap_or_default()
}

/// A single count that no other printed count complements (e.g. a funnel stage).
pub fn suppress_single(count: Option<u64>, threshold: u64) -> Cell {
    match count {
        None => Cell::Unknown,
        Some(n) if n < threshold => Cell::Small,
        Some(n) => Cell::Shown(n),
    }
}

/// A column published whole (the panel's composition, rule 3).
pub fn shown_whole(counts: &[Option<u64>]) -> Vec<Cell> {
    counts
        .iter()
        .map(|c| c.map_or(Cell::Unknown, Cell::Shown))
        .collect()
}

/// Suppresses the columns (stages) of one category by rules 1 and 2; one result per
/// column, one cell per value. The columns should have one entry per value; a
/// missing count is `Unknown`. The panel is not passed here (see [`shown_whole`]);
/// its counts go into the other columns' [`Bounds`].
pub fn suppress_category(columns: &[Column<'_>], threshold: u64) -> Vec<Vec<Cell>> {
    let t = threshold;
    let mut out: Vec<Vec<Cell>> = columns
        .iter()
        .map(|c| c.counts.iter().map(|x| suppress_single(*x, t)).collect())
        .collect();
    let bound = |c: usize, i: usize| columns[c].bounds.get(i).copied().unwrap_or_default();
    // A count of t or more (a possible partner), read from the input, not from `out`.
    let large = |c: usize, i: usize| {
        columns[c]
            .counts
            .get(i)
            .copied()
            .flatten()
            .filter(|x| *x >= t)
    };
    // The small cells that need a partner: all but those the published panel fixes.
    let needy: Vec<Vec<usize>> = (0..columns.len())
        .map(|c| {
            (0..out[c].len())
                .filter(|&i| {
                    out[c][i] == Cell::Small && bound(c, i).public_lower < t.saturating_sub(1)
                })
                .collect()
        })
        .collect();
    let needing: Vec<usize> = (0..columns.len())
        .filter(|&c| !needy[c].is_empty())
        .collect();
    if needing.is_empty() {
        return out;
    }
    // One ranking of candidate partners for the whole category: by the smallest count
    // over the columns that need one, a small count counting as 0 (so the ranking
    // depends on small counts only through "below t"), ties by position.
    let n = columns.iter().map(|c| c.counts.len()).max().unwrap_or(0);
    let key = |i: usize| {
        needing
            .iter()
            .map(|&c| large(c, i).unwrap_or(0))
            .min()
            .unwrap_or(0)
    };
    let mut ranking: Vec<usize> = (0..n).collect();
    ranking.sort_by_key(|&i| (std::cmp::Reverse(key(i)), i));
    // A partner has t − 1 to spare above every lower bound and below every upper one.
    let margin = |c: usize, i: usize| -> bool {
        let Some(x) = large(c, i) else {
            return false;
        };
        let b = bound(c, i);
        let spare = t.saturating_sub(1);
        let floor = b.lower.max(b.public_lower).max(t);
        let down_ok = x.checked_sub(floor).is_some_and(|d| d >= spare);
        let up_ok = b
            .upper
            .is_none_or(|u| u.checked_sub(x).is_some_and(|d| d >= spare));
        down_ok && up_ok
    };
    for &c in &needing {
        match ranking.iter().copied().find(|&i| margin(c, i)) {
            Some(host) => {
                let mut sum = large(c, host).unwrap_or(0);
                for &i in &needy[c] {
                    sum += columns[c].counts[i].unwrap_or(0);
                    out[c][i] = Cell::With(host);
                }
                out[c][host] = Cell::Sum(sum);
            }
            None => {
                for cell in out[c].iter_mut() {
                    if *cell != Cell::Unknown {
                        *cell = Cell::Complement;
                    }
                }
            }
        }
    }
    out
}

/// The values counted in the cell at `host`: `host` and every `With(host)`, in order.
pub fn members(cells: &[Cell], host: usize) -> Vec<usize> {
    (0..cells.len())
        .filter(|&i| i == host || cells[i] == Cell::With(host))
        .collect()
}

/// The printed total of the values `group` (sorted or not) in one column, if the
/// page prints it: every value shown, or merged with its partner inside `group`.
pub fn total(cells: &[Cell], group: &[usize]) -> Option<u64> {
    let mut sum = 0;
    for &i in group {
        match cells.get(i)? {
            Cell::Shown(n) => sum += n,
            Cell::Sum(n) if members(cells, i).iter().all(|m| group.contains(m)) => sum += n,
            Cell::With(h) if group.contains(h) => {}
            _ => return None,
        }
    }
    Some(sum)
}

/// The values a derived figure of row `i` over several columns (e.g. a rate:
/// applicants ÷ invitees) must cover: `i` and everything merged into it in any of
/// the columns. `None` where row `i` has no printed count in one of them.
pub fn row_group(columns: &[&[Cell]], i: usize) -> Option<Vec<usize>> {
    let mut group = vec![i];
    for col in columns {
        match col.get(i)? {
            Cell::Shown(_) => {}
            Cell::Sum(_) => group.extend(members(col, i)),
            _ => return None,
        }
    }
    group.sort_unstable();
    group.dedup();
    Some(group)
}

/// The sum of a per-value figure (an expected count, a population share) over the
/// values counted in the cell at `host`; `None` if one of them lacks it.
pub fn group_sum(cells: &[Cell], host: usize, values: &[Option<f64>]) -> Option<f64> {
    members(cells, host)
        .into_iter()
        .map(|i| values.get(i).copied().flatten())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col<'a>(counts: &'a [Option<u64>], bounds: &'a [Bounds]) -> Column<'a> {
        Column { counts, bounds }
    }

    fn some(v: &[u64]) -> Vec<Option<u64>> {
        v.iter().map(|x| Some(*x)).collect()
    }

    /// Bounds per value: what is public (`public_lower`), what a reader can infer from
    /// the other stages (`lower`: at least the public bound and `at_least`), `upper`.
    fn bounds(public: &[u64], at_least: &[u64], upper: &[Option<u64>]) -> Vec<Bounds> {
        (0..public.len())
            .map(|i| Bounds {
                public_lower: public[i],
                lower: public[i].max(at_least[i]),
                upper: upper[i],
            })
            .collect()
    }

    #[test]
    fn no_small_cells_nothing_suppressed() {
        let c = suppress_column(&[Some(10), Some(3), None], 3);
        assert_eq!(c, vec![Cell::Shown(10), Cell::Shown(3), Cell::Unknown]);
    }

    #[test]
    fn one_small_cell_is_merged_into_the_largest() {
        // 1 goes into 120 (the former rule hid 99 instead).
        let c = suppress_column(&some(&[120, 1, 99]), 3);
        assert_eq!(c, vec![Cell::Sum(121), Cell::With(0), Cell::Shown(99)]);
        assert_eq!(members(&c, 0), vec![0, 1]);
        assert_eq!(total(&c, &[0, 1]), Some(121));
        assert_eq!(total(&c, &[2]), Some(99));
        assert_eq!(total(&c, &[0]), None, "120 alone is not printed");
        assert_eq!(total(&c, &[1]), None);
    }

    #[test]
    fn two_small_cells_go_into_one_partner() {
        let c = suppress_column(&some(&[0, 0, 50, 40]), 3);
        assert_eq!(
            c,
            vec![Cell::With(2), Cell::With(2), Cell::Sum(50), Cell::Shown(40)]
        );
    }

    #[test]
    fn threshold_zero_shows_everything_and_one_hides_only_zeros() {
        assert_eq!(
            suppress_column(&some(&[0, 5]), 0),
            vec![Cell::Shown(0), Cell::Shown(5)]
        );
        // t = 1: "< 1" is 0, nothing to protect, nothing merged.
        assert_eq!(
            suppress_column(&some(&[0, 5]), 1),
            vec![Cell::Small, Cell::Shown(5)]
        );
    }

    /// The demo's gender before the lottery: m, w, d with 989/1010/1 invitees and
    /// 120/100/0 in the pool; quota minimums 23/23/0, expected 27/23/0.
    #[test]
    fn demo_gender_keeps_both_large_values() {
        let inv = some(&[989, 1010, 1]);
        let pool = [120, 100, 0];
        let app = some(&pool);
        let public = [23, 23, 0]; // quota minimums, no panel yet
        let b_inv = bounds(&public, &pool, &[None; 3]);
        let expected_up = [27, 23, 0];
        let b_app = bounds(&public, &expected_up, &inv);
        let r = suppress_category(&[col(&inv, &b_inv), col(&app, &b_app)], 3);
        // Ranking: m by min(989, 120) = 120 before w by min(1010, 100) = 100, so m is
        // the partner in both columns although w has more invitees.
        // Margins: invitees 989 − max(120, 23, 3) = 869; pool 120 − max(27, 23, 3) = 93
        // below, 989 − 120 = 869 above; all ≥ 2.
        assert_eq!(r[0], vec![Cell::Sum(990), Cell::Shown(1010), Cell::With(0)]);
        assert_eq!(r[1], vec![Cell::Sum(120), Cell::Shown(100), Cell::With(0)]);
        // The rate of the merged row covers m and d in both columns: 120 / 990.
        let g = row_group(&[&r[1], &r[0]], 0).unwrap();
        assert_eq!(g, vec![0, 2]);
        assert_eq!((total(&r[1], &g), total(&r[0], &g)), (Some(120), Some(990)));
        assert_eq!(row_group(&[&r[1], &r[0]], 2), None);
        // Expected panel counts follow: 27 + 0 at the merged row.
        let e = [Some(27.0), Some(23.0), Some(0.0)];
        assert_eq!(group_sum(&r[1], 0, &e), Some(27.0));
    }

    /// The variant after the lottery: invitees 900/1098/2, pool 100/118/2,
    /// panel 23/26/1 (shown whole).
    #[test]
    fn variant_with_the_panel_shares_one_partner() {
        let inv = some(&[900, 1098, 2]);
        let pool = [100, 118, 2];
        let app = some(&pool);
        let panel = [23u64, 26, 1];
        let b_inv = bounds(&panel, &pool, &[None; 3]);
        let b_app = bounds(&panel, &panel, &inv);
        let r = suppress_category(&[col(&inv, &b_inv), col(&app, &b_app)], 3);
        // w ranks first (min 118 > min 100): margins 1098 − 118 = 980; 118 − 26 = 92
        // and 1098 − 118 = 980.
        assert_eq!(r[0], vec![Cell::Shown(900), Cell::Sum(1100), Cell::With(1)]);
        assert_eq!(r[1], vec![Cell::Shown(100), Cell::Sum(120), Cell::With(1)]);
        assert_eq!(
            shown_whole(&some(&panel)),
            vec![Cell::Shown(23), Cell::Shown(26), Cell::Shown(1)]
        );
    }

    #[test]
    fn a_partner_needs_its_margin_above_and_below() {
        // 50 has only 1 more invitee than applicants (upper margin 1 < 2): 30 takes d.
        let app = some(&[1, 50, 30]);
        let b: Vec<Bounds> = [1u64, 51, 200]
            .iter()
            .map(|u| Bounds {
                upper: Some(*u),
                ..Bounds::default()
            })
            .collect();
        let r = suppress_category(&[col(&app, &b)], 3);
        assert_eq!(r[0], vec![Cell::With(2), Cell::Shown(50), Cell::Sum(31)]);
        // 40 has 39 panel members (lower margin 1 < 2): 9 takes d (9 − max(3, 3) = 6).
        let app = some(&[1, 40, 9]);
        let b = [
            Bounds::default(),
            Bounds {
                public_lower: 39,
                lower: 39,
                upper: None,
            },
            Bounds {
                public_lower: 3,
                lower: 3,
                upper: None,
            },
        ];
        let r = suppress_category(&[col(&app, &b)], 3);
        assert_eq!(r[0], vec![Cell::With(2), Cell::Shown(40), Cell::Sum(10)]);
    }

    #[test]
    fn no_partner_with_a_margin_hides_the_column() {
        // 4 − max(3, 2) = 1 < 2 for both large values.
        let app = some(&[1, 4, 4]);
        let b = [
            Bounds::default(),
            Bounds {
                public_lower: 2,
                lower: 2,
                upper: None,
            },
            Bounds {
                public_lower: 2,
                lower: 2,
                upper: None,
            },
        ];
        let r = suppress_category(&[col(&app, &b), col(&some(&[5, 6, 7]), &[])], 3);
        assert_eq!(r[0], vec![Cell::Complement; 3]);
        assert_eq!(r[1], vec![Cell::Shown(5), Cell::Shown(6), Cell::Shown(7)]);
    }

    #[test]
    fn a_count_the_panel_fixes_is_left_small_and_unmerged() {
        // Two panel members with d, two applicants with d: "< 3" is 2 whatever the
        // table does; merging would blur 40 for nothing.
        let app = some(&[40, 2]);
        let b = [
            Bounds {
                public_lower: 10,
                lower: 10,
                upper: None,
            },
            Bounds {
                public_lower: 2,
                lower: 2,
                upper: None,
            },
        ];
        let r = suppress_category(&[col(&app, &b)], 3);
        assert_eq!(r[0], vec![Cell::Shown(40), Cell::Small]);
    }

    #[test]
    fn the_choice_ignores_how_small_a_small_count_is() {
        // Same large counts, different small ones: same partner, same cells but the sum.
        for d in 0..3 {
            let r = suppress_column(&some(&[d, 70, 80]), 3);
            assert_eq!(r, vec![Cell::With(2), Cell::Shown(70), Cell::Sum(80 + d)]);
        }
    }

    #[test]
    fn row_groups_and_totals_across_columns() {
        // Invitees all shown, pool merged: the rate of m's row is (m + d) / (m + d).
        let inv = [Cell::Shown(30), Cell::Shown(5)];
        let app = [Cell::Sum(9), Cell::With(0)];
        let g = row_group(&[&app, &inv], 0).unwrap();
        assert_eq!(g, vec![0, 1]);
        assert_eq!((total(&app, &g), total(&inv, &g)), (Some(9), Some(35)));
        assert_eq!(row_group(&[&app, &inv], 1), None);
        // A column hidden whole prints no total.
        assert_eq!(total(&[Cell::Complement, Cell::Complement], &[0, 1]), None);
    }

    // --- protection, checked by brute force --------------------------------------

    /// Every assignment of one column's counts that agrees with what the page prints
    /// about it and with the rule (a `With`/`Small` count is below `t`, a partner is
    /// not), given the column's total.
    fn column_worlds(cells: &[Cell], true_total: u64, t: u64) -> Vec<Vec<u64>> {
        let free: Vec<usize> = (0..cells.len())
            .filter(|&i| matches!(cells[i], Cell::With(_) | Cell::Small))
            .collect();
        let mut worlds = vec![];
        let combos = t.pow(free.len() as u32);
        for code in 0..combos {
            let mut x = vec![0u64; cells.len()];
            let mut c = code;
            for &i in &free {
                x[i] = c % t;
                c /= t;
            }
            let mut ok = true;
            for (i, cell) in cells.iter().enumerate() {
                match cell {
                    Cell::Shown(n) => x[i] = *n,
                    Cell::Sum(s) => {
                        let merged: u64 = members(cells, i)
                            .iter()
                            .filter(|&&m| m != i)
                            .map(|&m| x[m])
                            .sum();
                        match s.checked_sub(merged) {
                            Some(own) if own >= t => x[i] = own,
                            _ => ok = false,
                        }
                    }
                    _ => {}
                }
            }
            if ok && x.iter().sum::<u64>() == true_total {
                worlds.push(x);
            }
        }
        worlds
    }

    /// Random small categories with invitees ⊇ pool ⊇ panel per value, suppressed as
    /// html.rs does (panel and quota minimum public; bounds from the other stages).
    /// A reader who knows the panel, the quota minimums, every printed cell, both
    /// stage totals and the nesting must find every value from the public lower bound
    /// to t − 1 possible for each small count, and no merged count pinned down.
    #[test]
    fn no_hidden_count_can_be_recomputed() {
        let mut rng = crate::base::spec::Stream::new([7; 32]);
        let mut merged_cases = 0;
        for _ in 0..3000 {
            let t = 2 + rng.below(2); // 2 or 3
            let n = 3 + rng.below(2) as usize;
            let mut inv = vec![];
            let mut app = vec![];
            let mut panel = vec![];
            let mut min = vec![];
            for _ in 0..n {
                let i = if rng.below(3) == 0 {
                    rng.below(4)
                } else {
                    rng.below(40)
                };
                let a = rng.below(i + 1);
                // Mostly a panel of a third of the pool or less, sometimes all of it.
                let p = if rng.below(6) == 0 {
                    a
                } else {
                    rng.below(a / 3 + 1)
                };
                let m = rng.below(p + 1);
                inv.push(i);
                app.push(a);
                panel.push(p);
                min.push(m);
            }
            let public: Vec<u64> = (0..n).map(|i| panel[i].max(min[i])).collect();
            let b_inv: Vec<Bounds> = (0..n)
                .map(|i| Bounds {
                    public_lower: public[i],
                    lower: public[i].max(app[i]),
                    upper: None,
                })
                .collect();
            let b_app: Vec<Bounds> = (0..n)
                .map(|i| Bounds {
                    public_lower: public[i],
                    lower: public[i],
                    upper: Some(inv[i]),
                })
                .collect();
            let (ci, ca) = (some(&inv), some(&app));
            let r = suppress_category(&[col(&ci, &b_inv), col(&ca, &b_app)], t);
            // Nothing of t or more is hidden outside a column hidden whole, and a
            // column is hidden whole only with a small count in it.
            for (k, raw) in [&inv, &app].iter().enumerate() {
                let whole = r[k].iter().all(|c| *c == Cell::Complement);
                assert!(!whole || raw.iter().any(|x| *x < t), "{raw:?} {:?}", r[k]);
                for (i, c) in r[k].iter().enumerate() {
                    match c {
                        Cell::Shown(x) => assert!(*x >= t && *x == raw[i]),
                        Cell::With(_) | Cell::Small => assert!(raw[i] < t),
                        Cell::Sum(_) => assert!(raw[i] >= t),
                        Cell::Complement => assert!(whole),
                        Cell::Unknown => unreachable!(),
                    }
                }
            }
            if r.iter().any(|c| c.contains(&Cell::Complement)) {
                continue; // the stage total is all a reader has; nothing to enumerate
            }
            if r.iter().any(|c| c.iter().any(|x| x.is_merged())) {
                merged_cases += 1;
            }
            let wi = column_worlds(&r[0], inv.iter().sum(), t);
            let wa = column_worlds(&r[1], app.iter().sum(), t);
            let mut seen_inv = vec![std::collections::BTreeSet::new(); n];
            let mut seen_app = vec![std::collections::BTreeSet::new(); n];
            for xi in &wi {
                for xa in &wa {
                    let fits = (0..n).all(|v| {
                        public[v] <= xa[v] && xa[v] <= xi[v] // panel, min ≤ pool ≤ invitees
                    });
                    if fits {
                        for v in 0..n {
                            seen_inv[v].insert(xi[v]);
                            seen_app[v].insert(xa[v]);
                        }
                    }
                }
            }
            for (cells, seen, raw) in [(&r[0], &seen_inv, &inv), (&r[1], &seen_app, &app)] {
                for v in 0..n {
                    assert!(seen[v].contains(&raw[v]), "the truth is a possible world");
                    match cells[v] {
                        Cell::With(_) | Cell::Small => {
                            let want: Vec<u64> = (public[v]..t).collect();
                            let got: Vec<u64> = seen[v].iter().copied().collect();
                            assert_eq!(
                                got, want,
                                "t={t} inv={inv:?} app={app:?} panel={panel:?} min={min:?} {cells:?} value {v}"
                            );
                        }
                        Cell::Sum(_) => assert!(
                            seen[v].len() >= 2,
                            "merged count pinned: t={t} inv={inv:?} app={app:?} panel={panel:?} {cells:?}"
                        ),
                        _ => {}
                    }
                }
            }
        }
        assert!(
            merged_cases > 1000,
            "{merged_cases} samples exercised a merge"
        );
    }
}

//! Fills a [`ReportData`] from a process's journal and the public files it records.
//!
//! Every file is found through its journal entry and read through the run handle, so
//! it is checked against the recorded SHA-256 before a figure of it reaches the page;
//! `out/private/` is never opened. From the pool and the probabilities only counts
//! per value and bare probabilities are kept, never a pool id. A process that has not
//! reached a stage simply has no figures for it.
//!
//! Not in the public outputs, so left `None` for the caller: the process name and id
//! (they are in the process file), per-value population shares other than the
//! strata's (from official statistics) and quota targets. After the public lottery the
//! panel's composition comes from the panel file of the lottery draw, or of the latest
//! replacement (counts per value only); the journal gives the lottery hash, the
//! number and the replacements (as counts: pool ids never reach the page).

use super::data::{
    Category, HashKind, Lottery, Replacement, ReportData, ResponseRate, SeedHash, ValueRow,
};
use crate::base::error::{Error, Location, Result};
use crate::base::journal::{Body, Entry, LotteryBuild, LotteryDraw, Replace, Select};
use crate::base::run::Run;
use crate::base::table::{Options, Row, Table};
use crate::base::text::fold as norm;
use std::collections::BTreeMap;

/// Categories in first-seen order, values in first-seen order within each.
#[derive(Default)]
struct Values {
    cats: Vec<Category>,
    index: BTreeMap<String, usize>,
    values: BTreeMap<(String, String), (usize, usize)>,
}

impl Values {
    fn row(&mut self, cat: &str, value: &str) -> &mut ValueRow {
        let ci = match self.index.get(&norm(cat)) {
            Some(i) => *i,
            None => {
                self.cats.push(Category {
                    name: cat.trim().to_string(),
                    values: vec![],
                });
                self.index.insert(norm(cat), self.cats.len() - 1);
                self.cats.len() - 1
            }
        };
        let key = (norm(cat), norm(value));
        let (ci, vi) = match self.values.get(&key) {
            Some(p) => *p,
            None => {
                self.cats[ci].values.push(ValueRow {
                    value: value.trim().to_string(),
                    ..ValueRow::default()
                });
                let p = (ci, self.cats[ci].values.len() - 1);
                self.values.insert(key, p);
                p
            }
        };
        &mut self.cats[ci].values[vi]
    }
}

/// The output `name` of `e`, a CSV file, read through the run handle.
fn table(run: &Run, e: &Entry, name: &str) -> Result<Table> {
    let (path, bytes) = run.output(e, name)?;
    Table::parse(&path, &bytes, &Options::csv())
}

/// A number in a cell, `None` for an empty cell.
fn num<T: std::str::FromStr>(t: &Table, row: &Row, col: usize, what: &str) -> Result<Option<T>> {
    let s = row.get(col);
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| Error::input(t.at(row, col), format!("{what} {s:?} is not a number")))
}

/// "journal.jsonl #n".
fn jref(e: &Entry) -> Option<String> {
    Some(format!("journal.jsonl #{}", e.seq))
}

fn push_hash(out: &mut Vec<SeedHash>, kind: HashKind, value: &str, detail: Option<String>) {
    out.push(SeedHash {
        kind,
        value: value.to_string(),
        detail,
    });
}

/// The date part (first ten characters) of a journal time stamp.
fn day(t: &str) -> String {
    t.chars().take(10).collect()
}

/// The probabilities of a selection entry, numbers only.
fn probabilities(run: &Run, e: &Entry) -> Result<Vec<f64>> {
    let (path, bytes) = run.output(e, "probabilities")?;
    let rows = crate::select::files::parse_probabilities(&bytes, &path)?;
    Ok(rows
        .into_iter()
        .map(|(_, u)| u as f64 / crate::base::text::UNIT as f64)
        .collect())
}

/// The columns of the selection's `comparison-curves.csv` (read after its recorded hash
/// is checked): every column but `rank`, numbers in [0, 1].
fn curves(run: &Run, e: &Entry) -> Result<Vec<(String, Vec<f64>)>> {
    let (path, bytes) = run.output(e, "comparison_curves")?;
    let t = Table::parse(&path, &bytes, &Options::csv())?;
    let mut out: Vec<(String, Vec<f64>)> = t
        .header
        .iter()
        .skip(1)
        .map(|h| (h.to_string(), Vec::with_capacity(t.rows.len())))
        .collect();
    for row in &t.rows {
        for (i, (name, v)) in out.iter_mut().enumerate() {
            let x = row
                .get(i + 1)
                .parse::<f64>()
                .ok()
                .filter(|x| (0.0..=1.0).contains(x));
            let x = x.ok_or_else(|| {
                Error::input(
                    Location::line(&path, row.line),
                    format!("{name} is not a probability"),
                )
            })?;
            v.push(x);
        }
    }
    Ok(out)
}

/// The rows of the selection's `comparison.csv` (read after its recorded hash is checked).
fn comparison(run: &Run, e: &Entry) -> Result<Vec<crate::report::data::ComparisonRow>> {
    let (path, bytes) = run.output(e, "comparison")?;
    let t = Table::parse(&path, &bytes, &Options::csv())?;
    let names = &crate::select::compare::COLUMNS[..7];
    let wanted: Vec<(&str, &str)> = names.iter().map(|n| (*n, "comparison")).collect();
    let c = t.columns(&wanted)?;
    let mut out = Vec::new();
    for row in &t.rows {
        let num = |i: usize| -> Result<f64> {
            row.get(c[i]).parse::<f64>().map_err(|_| {
                Error::input(
                    Location::line(&path, row.line),
                    format!("{} is not a number", names[i]),
                )
            })
        };
        out.push(crate::report::data::ComparisonRow {
            algorithm: row.get(c[0]).to_string(),
            min: num(1)?,
            max: num(2)?,
            median: num(3)?,
            gini: num(4)?,
            min_ratio: num(5)?,
            max_ratio: num(6)?,
        });
    }
    Ok(out)
}

/// Builds the report data from the journal of `run` and the files it records.
pub fn load(run: &Run) -> Result<ReportData> {
    let j = run.journal();
    let mut data = ReportData::default();
    let mut values = Values::default();

    // The selection: the latest with a distribution (the one the lottery rounds),
    // else the latest; a legacy run beside it is the baseline of the comparison.
    let main = j
        .all::<Select>()
        .rev()
        .find(|(_, s)| s.algorithm.has_distribution())
        .or_else(|| j.last::<Select>());

    // --- journal: funnel totals, hashes, lottery, replacements -------------------
    let mut strata_columns: Vec<String> = vec![];
    let mut invited_total: Option<u64> = None;
    let mut first_commit_seen = false;
    for e in j.entries() {
        match &e.body {
            Body::Commit(c) => {
                if !first_commit_seen {
                    first_commit_seen = true;
                    data.funnel.residents = Some(c.residents);
                    data.funnel.eligible = Some(c.eligible);
                    strata_columns = c.strata_columns.clone();
                    for (kind, v) in [
                        (HashKind::ProcessFile, &c.process_sha256),
                        (HashKind::RegisterExtract, &c.extract_sha256),
                        (HashKind::EligibleList, &c.eligible_sha256),
                    ] {
                        push_hash(&mut data.seeds_hashes, kind, v.as_str(), jref(e));
                    }
                }
                let file = Some(format!("commitment-wave{}.json", c.wave));
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::SeedSource,
                    &c.seed_source,
                    file.clone(),
                );
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Commitment,
                    c.commitment.as_str(),
                    file,
                );
            }
            Body::Draw(d) => {
                invited_total = Some(invited_total.unwrap_or(0) + d.drawn);
                push_hash(&mut data.seeds_hashes, HashKind::Seed, &d.seed, jref(e));
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Invitees,
                    d.drawn_sha256.as_str(),
                    jref(e),
                );
            }
            Body::Intake(i) => {
                data.funnel.applied = Some(i.rows_in);
                data.funnel.pool = Some(i.pool);
                if let (Some(h), Some(p)) = (i.output_sha256.get("pool"), i.outputs.get("pool")) {
                    push_hash(
                        &mut data.seeds_hashes,
                        HashKind::Pool,
                        h.as_str(),
                        Some(p.clone()),
                    );
                }
            }
            Body::Select(s) if main.is_some_and(|(m, _)| m.seq == e.seq) => {
                data.panel_size = Some(s.k);
                data.funnel.panel = Some(s.k);
                data.probabilities.algorithm = Some(s.algorithm.name().to_string());
                data.probabilities.panels = s.panels;
                data.probabilities.pricing_gap = s.pricing_gap.as_ref().map(|g| g.to_string());
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Quotas,
                    s.quotas_sha256.as_str(),
                    jref(e),
                );
                for (kind, name) in [
                    (HashKind::Distribution, "distribution"),
                    (HashKind::Probabilities, "probabilities"),
                ] {
                    if let (Some(h), Some(p)) = (s.output_sha256.get(name), s.outputs.get(name)) {
                        push_hash(&mut data.seeds_hashes, kind, h.as_str(), Some(p.clone()));
                    }
                }
            }
            Body::Lottery(l) => {
                let file = l.outputs.get("lottery").cloned();
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Lottery,
                    l.lottery_sha256.as_str(),
                    file,
                );
            }
            Body::LotteryDraw(d) => {
                data.lottery = Some(Lottery {
                    m: d.m,
                    number: d.number,
                    panel_no: d.number,
                    date: Some(day(&e.time)),
                    seed: d.seed.clone(),
                });
            }
            Body::Replace(r) => {
                let len = |v: &Vec<String>| u32::try_from(v.len()).unwrap_or(u32::MAX);
                data.replacements.push(Replacement {
                    date: day(&r.date),
                    dropped: len(&r.dropped),
                    replaced: len(&r.replacements),
                    note: None,
                });
            }
            _ => {}
        }
    }
    data.funnel.invited = invited_total;
    if let Some(last) = j.entries().last() {
        push_hash(
            &mut data.seeds_hashes,
            HashKind::JournalHead,
            last.entry_hash.as_str(),
            jref(last),
        );
        data.as_of = Some(day(&last.time));
    }

    // --- quota table: category and value order, bounds, expected -----------------
    if let Some((e, _)) = main {
        let t = table(run, e, "quota_table")?;
        let c = t.columns(&[
            ("category", "quota table"),
            ("value", "quota table"),
            ("min", "quota table"),
            ("max", "quota table"),
            ("expected", "quota table"),
        ])?;
        for row in &t.rows {
            let min = num(&t, row, c[2], "min")?;
            let max = num(&t, row, c[3], "max")?;
            let expected: Option<f64> = num(&t, row, c[4], "expected")?;
            let v = values.row(row.get(c[0]), row.get(c[1]));
            v.min = min;
            v.max = max;
            // The solver may print -0.000; an expectation is never negative.
            v.expected = expected.map(|x| x.max(0.0));
        }
    }

    // --- draw summaries: eligible per stratum (first wave) -----------------------
    let stratum_cat = match strata_columns.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    if let (Some(cat), Some((_, (e, _)))) = (
        &stratum_cat,
        crate::draw::step::latest_draws(j).into_iter().next(),
    ) {
        let t = table(run, e, "summary")?;
        let c = t.columns(&[("stratum", "draw summary"), ("eligible", "draw summary")])?;
        let mut eligible_by_stratum: Vec<(String, u64)> = vec![];
        for row in &t.rows {
            if let Some(el) = num(&t, row, c[1], "eligible")? {
                eligible_by_stratum.push((row.get(c[0]).to_string(), el));
            }
        }
        let total: u64 = eligible_by_stratum.iter().map(|(_, e)| e).sum();
        for (stratum, el) in &eligible_by_stratum {
            let v = values.row(cat, stratum);
            v.eligible = Some(*el);
            if total > 0 {
                v.population_share = Some(*el as f64 / total as f64);
            }
        }
    }

    // --- intake summary and pool ------------------------------------------------
    if let Some((e, _)) = j.last::<crate::base::journal::Intake>() {
        let t = table(run, e, "summary")?;
        let c = t.columns(&[
            ("section", "intake summary"),
            ("attribute", "intake summary"),
            ("value", "intake summary"),
            ("invited", "intake summary"),
            ("applied", "intake summary"),
            ("rows", "intake summary"),
        ])?;
        for row in &t.rows {
            let (section, attr, value) = (row.get(c[0]), row.get(c[1]), row.get(c[2]));
            let invited: Option<u64> = num(&t, row, c[3], "invited")?;
            let applied: Option<u64> = num(&t, row, c[4], "applied")?;
            match section {
                "total" => {
                    data.funnel.invited = data.funnel.invited.or(invited);
                    data.funnel.pool = data.funnel.pool.or(applied);
                    let rows: Option<u64> = num(&t, row, c[5], "rows")?;
                    data.funnel.applied = data.funnel.applied.or(rows);
                }
                "stratum" => {
                    if let (Some(inv), Some(app)) = (invited, applied) {
                        data.response_rates.push(ResponseRate {
                            stratum: value.to_string(),
                            invited: inv,
                            applied: app,
                        });
                    }
                }
                "register" | "form" => {
                    let v = values.row(attr, value);
                    if section == "register" {
                        v.invitees = invited;
                    }
                }
                _ => {}
            }
        }
        // Applicants per value (ids are read past, never kept).
        let t = table(run, e, "pool")?;
        count_values(&t, &["pool_id", "household"], &mut values, |v, n| {
            v.applicants = n
        });
        data.funnel.pool = data.funnel.pool.or(Some(t.rows.len() as u64));
    }

    // --- the panel as it stands: counts per value (ids read past, never kept) ----
    let panel = match j.last::<Replace>() {
        Some((e, _)) => Some(e),
        None => j.last::<LotteryDraw>().map(|(e, _)| e),
    };
    if let (Some(e), Some((_, build))) = (panel, j.last::<LotteryBuild>()) {
        let t = table(run, e, "panel")?;
        let members = panel_rows(run, &t, build)?;
        count_values(&members, &["pool_id", "household"], &mut values, |v, n| {
            v.panel = n
        });
    }

    // --- probabilities ------------------------------------------------------------
    if let Some((e, s)) = main {
        if s.outputs.contains_key("comparison") {
            data.probabilities.comparison = comparison(run, e)?;
        }
        if s.outputs.contains_key("comparison_curves") {
            data.probabilities.curves = curves(run, e)?;
        }
        let p = probabilities(run, e)?;
        if s.algorithm.has_distribution() {
            data.probabilities.leximin = p;
        } else {
            data.probabilities.legacy = Some(p);
        }
    }
    // A legacy baseline run beside the main selection.
    if let Some((e, _)) = j
        .all::<Select>()
        .rev()
        .find(|(_, s)| !s.algorithm.has_distribution())
        .filter(|(e, _)| main.is_some_and(|(m, _)| m.seq != e.seq))
    {
        data.probabilities.legacy = Some(probabilities(run, e)?);
    }

    data.categories = values.cats;
    Ok(data)
}

/// The pool rows of the panel's members. Panel files hold pool ids only (their
/// attributes would make them personal), so each id is looked up in the pool the
/// lottery's selection read, checked against its recorded hash.
fn panel_rows(run: &Run, panel: &Table, build: &LotteryBuild) -> Result<Table> {
    let (se, sel) = crate::lottery::step::selection_of(run.journal(), build)?;
    let rec = se.input("pool", &sel.pool_file, &sel.pool_sha256);
    let path = run.path_of(&rec);
    let pool = Table::parse(&path, &run.read(&rec)?, &Options::csv())?;
    let pid = pool.columns(&[(crate::intake::files::POOL_ID, "pool")])?[0];
    let mid = panel.columns(&[(crate::intake::files::POOL_ID, "panel")])?[0];
    let mut by_id: BTreeMap<&str, &Row> = BTreeMap::new();
    for row in &pool.rows {
        by_id.insert(row.get(pid), row);
    }
    let mut rows = vec![];
    for row in &panel.rows {
        let found = by_id.get(row.get(mid)).ok_or_else(|| {
            Error::changed(
                panel.at(row, mid),
                format!(
                    "this panel member is not in the pool {} the selection read",
                    path.display()
                ),
            )
        })?;
        rows.push(Row {
            line: row.line,
            cells: found.cells.clone(),
        });
    }
    Ok(Table {
        path: pool.path.clone(),
        header: pool.header.clone(),
        rows,
        delimiter: pool.delimiter,
    })
}

/// Counts per value of every column of `t` except `skip`, set through `set` (zero
/// first for every value already known, so a value nobody has shows 0).
fn count_values(
    t: &Table,
    skip: &[&str],
    values: &mut Values,
    set: impl Fn(&mut ValueRow, Option<u64>),
) {
    let attrs: Vec<(usize, &String)> = t
        .header
        .iter()
        .enumerate()
        .filter(|(_, name)| !skip.contains(&name.as_str()))
        .collect();
    for (_, name) in &attrs {
        if let Some(ci) = values.index.get(&norm(name)).copied() {
            for v in &mut values.cats[ci].values {
                set(v, Some(0));
            }
        }
    }
    let mut counts: BTreeMap<(usize, String), u64> = BTreeMap::new();
    let mut order: Vec<(usize, String)> = vec![];
    for row in &t.rows {
        for (i, _) in &attrs {
            let v = row.get(*i);
            if v.is_empty() {
                continue;
            }
            let key = (*i, v.to_string());
            if !counts.contains_key(&key) {
                order.push(key.clone());
            }
            *counts.entry(key).or_insert(0) += 1;
        }
    }
    for key in &order {
        let name = &t.header[key.0];
        let n = counts.get(key).copied();
        set(values.row(name, &key.1), n);
    }
}

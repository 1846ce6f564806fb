//! Fills a [`ReportData`] from a process's output directory.
//!
//! Reads only `out/journal.jsonl` and files under `out/public/` (formats in
//! docs/formats.md); `out/private/` is never opened. From `public/pool.csv` and
//! `public/selection/probabilities.csv` only per-column counts and bare
//! probabilities are kept, never a pool id. Every input is optional: a process that
//! has not reached a stage simply has no figures for it.
//!
//! Not in the public outputs, so left `None` for the caller: the process name and
//! id (they are in the process file), per-value population shares other than the
//! strata's (from official statistics) and quota targets. After the public lottery the
//! panel's composition comes from `public/lottery/panel.csv`, or the latest
//! `panel-after-replacement-N.csv` (counts per value only); journal steps `lottery`,
//! `lottery-draw` and `replace` give the lottery hash, the number and the
//! replacements (as counts: pool ids never reach the page).

use super::ReportError;
use super::data::{
    Category, HashKind, Lottery, Replacement, ReportData, ResponseRate, SeedHash, ValueRow,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn input_err(path: &Path, message: impl Into<String>) -> ReportError {
    ReportError::Input {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Opens a CSV with headers; `Ok(None)` if the file does not exist.
fn open_csv(path: &Path) -> Result<Option<csv::Reader<std::fs::File>>, ReportError> {
    match std::fs::File::open(path) {
        Ok(f) => Ok(Some(
            csv::ReaderBuilder::new().has_headers(true).from_reader(f),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReportError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// Header name → column index.
fn columns(
    r: &mut csv::Reader<std::fs::File>,
    path: &Path,
) -> Result<BTreeMap<String, usize>, ReportError> {
    let h = r
        .headers()
        .map_err(|e| input_err(path, format!("cannot read the header: {e}")))?;
    Ok(h.iter()
        .enumerate()
        .map(|(i, name)| (name.trim().trim_start_matches('\u{feff}').to_string(), i))
        .collect())
}

fn need(cols: &BTreeMap<String, usize>, name: &str, path: &Path) -> Result<usize, ReportError> {
    cols.get(name)
        .copied()
        .ok_or_else(|| input_err(path, format!("no column {name:?}")))
}

fn records(
    r: &mut csv::Reader<std::fs::File>,
    path: &Path,
) -> Result<Vec<csv::StringRecord>, ReportError> {
    r.records()
        .enumerate()
        .map(|(i, rec)| {
            // Line numbers count the header as line 1, as elsewhere in sortes.
            rec.map_err(|e| input_err(path, format!("line {}: {e}", i + 2)))
        })
        .collect()
}

fn parse_opt<T: std::str::FromStr>(
    field: Option<&str>,
    path: &Path,
    line: usize,
    what: &str,
) -> Result<Option<T>, ReportError> {
    match field.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| input_err(path, format!("line {line}: {what} {s:?} is not a number"))),
    }
}

/// Case- and space-insensitive key, as quota matching in sortes does.
fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Categories in first-seen order, values in first-seen order within each.
#[derive(Default)]
struct Table {
    cats: Vec<Category>,
    index: BTreeMap<String, usize>,
    values: BTreeMap<(String, String), (usize, usize)>,
}

impl Table {
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

fn read_journal(path: &Path) -> Result<Vec<serde_json::Map<String, Value>>, ReportError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => {
            return Err(ReportError::Io {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(m)) => out.push(m),
            Ok(_) => {
                return Err(input_err(
                    path,
                    format!("line {}: not a JSON object", i + 1),
                ));
            }
            Err(e) => return Err(input_err(path, format!("line {}: {e}", i + 1))),
        }
    }
    Ok(out)
}

fn s_of<'a>(e: &'a serde_json::Map<String, Value>, k: &str) -> Option<&'a str> {
    e.get(k).and_then(Value::as_str)
}
fn u_of(e: &serde_json::Map<String, Value>, k: &str) -> Option<u64> {
    e.get(k).and_then(Value::as_u64)
}
fn nested<'a>(e: &'a serde_json::Map<String, Value>, a: &str, b: &str) -> Option<&'a str> {
    e.get(a).and_then(|v| v.get(b)).and_then(Value::as_str)
}

/// Records a hash or seed if the journal entry has it.
fn push_hash(out: &mut Vec<SeedHash>, kind: HashKind, value: Option<&str>, detail: Option<String>) {
    if let Some(v) = value {
        out.push(SeedHash {
            kind,
            value: v.to_string(),
            detail,
        });
    }
}

/// The date part (first ten characters) of a journal time stamp.
fn day(t: &str) -> String {
    t.chars().take(10).collect()
}

/// Reads a probabilities file (`pool_id,probability`), keeping only the numbers.
fn read_probabilities(path: &Path) -> Result<Option<Vec<f64>>, ReportError> {
    let Some(mut r) = open_csv(path)? else {
        return Ok(None);
    };
    let cols = columns(&mut r, path)?;
    let pc = need(&cols, "probability", path)?;
    let mut out = Vec::new();
    for (i, rec) in records(&mut r, path)?.iter().enumerate() {
        let p: Option<f64> = parse_opt(rec.get(pc), path, i + 2, "probability")?;
        if let Some(p) = p {
            out.push(p);
        }
    }
    Ok(Some(out))
}

/// Builds the report data from `out_dir` (the process's `[output] dir`).
pub fn load_from_outputs(out_dir: &Path) -> Result<ReportData, ReportError> {
    let public = out_dir.join("public");
    let journal_path = out_dir.join("journal.jsonl");
    let journal = read_journal(&journal_path)?;
    let mut data = ReportData::default();
    let mut table = Table::default();

    // --- journal: funnel totals, hashes, lottery, replacements -------------------
    let jref = |seq: Option<u64>| {
        Some(match seq {
            Some(n) => format!("journal.jsonl #{n}"),
            None => "journal.jsonl".to_string(),
        })
    };
    let mut strata_columns: Vec<String> = vec![];
    let mut invited_total: Option<u64> = None;
    let mut first_commit_seen = false;
    for e in &journal {
        let seq = u_of(e, "seq");
        match s_of(e, "step") {
            Some("commit") => {
                let wave = u_of(e, "wave").unwrap_or(1);
                if !first_commit_seen {
                    first_commit_seen = true;
                    data.funnel.residents = u_of(e, "residents");
                    data.funnel.eligible = u_of(e, "eligible");
                    if let Some(cols) = e.get("strata_columns").and_then(Value::as_array) {
                        strata_columns = cols
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect();
                    }
                    for (kind, field) in [
                        (HashKind::ProcessFile, "process_sha256"),
                        (HashKind::RegisterExtract, "extract_sha256"),
                        (HashKind::EligibleList, "eligible_sha256"),
                    ] {
                        push_hash(&mut data.seeds_hashes, kind, s_of(e, field), jref(seq));
                    }
                }
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::SeedSource,
                    s_of(e, "seed_source"),
                    Some(format!("commitment-wave{wave}.json")),
                );
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Commitment,
                    s_of(e, "commitment"),
                    Some(format!("commitment-wave{wave}.json")),
                );
            }
            Some("draw") => {
                if let Some(d) = u_of(e, "drawn") {
                    invited_total = Some(invited_total.unwrap_or(0) + d);
                }
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Seed,
                    s_of(e, "seed"),
                    jref(seq),
                );
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Invitees,
                    s_of(e, "drawn_sha256"),
                    jref(seq),
                );
            }
            Some("intake") => {
                data.funnel.applied = u_of(e, "rows_in");
                data.funnel.pool = u_of(e, "pool");
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Pool,
                    nested(e, "output_sha256", "pool"),
                    Some("public/pool.csv".into()),
                );
            }
            Some("select") => {
                // The last selection wins: its outputs are the files on disk.
                data.panel_size = u_of(e, "k");
                data.funnel.panel = u_of(e, "k");
                data.probabilities.algorithm = s_of(e, "algorithm").map(str::to_string);
                data.probabilities.panels = u_of(e, "panels");
                data.seeds_hashes.retain(|h| {
                    !matches!(
                        h.kind,
                        HashKind::Quotas | HashKind::Distribution | HashKind::Probabilities
                    )
                });
                for (kind, value, detail) in [
                    (HashKind::Quotas, s_of(e, "quotas_sha256"), jref(seq)),
                    (
                        HashKind::Distribution,
                        nested(e, "output_sha256", "distribution"),
                        Some("public/selection/distribution.csv".into()),
                    ),
                    (
                        HashKind::Probabilities,
                        nested(e, "output_sha256", "probabilities"),
                        Some("public/selection/probabilities.csv".into()),
                    ),
                ] {
                    push_hash(&mut data.seeds_hashes, kind, value, detail);
                }
            }
            Some("lottery") => {
                push_hash(
                    &mut data.seeds_hashes,
                    HashKind::Lottery,
                    s_of(e, "lottery_sha256"),
                    Some("public/lottery/lottery.txt".into()),
                );
            }
            Some("lottery-draw") => {
                data.lottery = Some(Lottery {
                    m: u_of(e, "m").unwrap_or(0),
                    number: u_of(e, "number").unwrap_or(0),
                    panel_no: u_of(e, "number").unwrap_or(0),
                    date: s_of(e, "time").map(day),
                    seed: match s_of(e, "source") {
                        Some("seed") => s_of(e, "seed").map(str::to_string),
                        _ => None,
                    },
                });
            }
            Some("replace") => {
                let len = |k: &str| {
                    e.get(k)
                        .and_then(Value::as_array)
                        .map_or(0, |a| u32::try_from(a.len()).unwrap_or(u32::MAX))
                };
                data.replacements.push(Replacement {
                    date: s_of(e, "date")
                        .or_else(|| s_of(e, "time"))
                        .map(day)
                        .unwrap_or_default(),
                    dropped: len("dropped"),
                    replaced: len("replacements"),
                    note: None,
                });
            }
            _ => {}
        }
    }
    data.funnel.invited = invited_total;
    if let Some(last) = journal.last() {
        push_hash(
            &mut data.seeds_hashes,
            HashKind::JournalHead,
            s_of(last, "entry_hash"),
            jref(u_of(last, "seq")),
        );
        data.as_of = s_of(last, "time").map(day);
    }

    // --- quota table: category and value order, bounds, expected -----------------
    let qpath = public.join("selection").join("quota-table.csv");
    if let Some(mut r) = open_csv(&qpath)? {
        let cols = columns(&mut r, &qpath)?;
        let (cc, vc) = (
            need(&cols, "category", &qpath)?,
            need(&cols, "value", &qpath)?,
        );
        let (minc, maxc) = (need(&cols, "min", &qpath)?, need(&cols, "max", &qpath)?);
        let ec = cols.get("expected").copied();
        for (i, rec) in records(&mut r, &qpath)?.iter().enumerate() {
            let line = i + 2;
            let (Some(cat), Some(val)) = (rec.get(cc), rec.get(vc)) else {
                return Err(input_err(&qpath, format!("line {line}: too few fields")));
            };
            let min = parse_opt(rec.get(minc), &qpath, line, "min")?;
            let max = parse_opt(rec.get(maxc), &qpath, line, "max")?;
            let expected: Option<f64> =
                parse_opt(ec.and_then(|c| rec.get(c)), &qpath, line, "expected")?;
            let row = table.row(cat, val);
            row.min = min;
            row.max = max;
            // The solver may print -0.000; an expectation is never negative.
            row.expected = expected.map(|x| x.max(0.0));
        }
    }

    // --- draw summaries: eligible per stratum (first wave), drawn per stratum ----
    let mut waves: Vec<(u64, PathBuf)> = vec![];
    if let Ok(rd) = std::fs::read_dir(&public) {
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(n) = name
                .strip_prefix("draw-summary-wave")
                .and_then(|r| r.strip_suffix(".csv"))
                .and_then(|n| n.parse::<u64>().ok())
            {
                waves.push((n, entry.path()));
            }
        }
    }
    waves.sort();
    let stratum_cat = match strata_columns.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    let mut eligible_by_stratum: Vec<(String, u64)> = vec![];
    for (wi, (_, path)) in waves.iter().enumerate() {
        let Some(mut r) = open_csv(path)? else {
            continue;
        };
        let cols = columns(&mut r, path)?;
        let sc = need(&cols, "stratum", path)?;
        let ec = need(&cols, "eligible", path)?;
        for (i, rec) in records(&mut r, path)?.iter().enumerate() {
            let line = i + 2;
            let stratum = rec.get(sc).unwrap_or("").to_string();
            let eligible: Option<u64> = parse_opt(rec.get(ec), path, line, "eligible")?;
            if wi == 0
                && let Some(el) = eligible
            {
                eligible_by_stratum.push((stratum, el));
            }
        }
    }
    if let Some(cat) = &stratum_cat {
        let total: u64 = eligible_by_stratum.iter().map(|(_, e)| e).sum();
        for (stratum, el) in &eligible_by_stratum {
            let row = table.row(cat, stratum);
            row.eligible = Some(*el);
            if total > 0 {
                row.population_share = Some(*el as f64 / total as f64);
            }
        }
    }

    // --- intake summary: invitees and applicants per value, response rates -------
    let ipath = public.join("intake-summary.csv");
    let mut intake_applied: Vec<(String, String, u64)> = vec![];
    if let Some(mut r) = open_csv(&ipath)? {
        let cols = columns(&mut r, &ipath)?;
        let secc = need(&cols, "section", &ipath)?;
        let ac = need(&cols, "attribute", &ipath)?;
        let vc = need(&cols, "value", &ipath)?;
        let ic = need(&cols, "invited", &ipath)?;
        let apc = need(&cols, "applied", &ipath)?;
        let rc = cols.get("rows").copied();
        for (i, rec) in records(&mut r, &ipath)?.iter().enumerate() {
            let line = i + 2;
            let section = rec.get(secc).unwrap_or("");
            let attr = rec.get(ac).unwrap_or("");
            let value = rec.get(vc).unwrap_or("");
            let invited: Option<u64> = parse_opt(rec.get(ic), &ipath, line, "invited")?;
            let applied: Option<u64> = parse_opt(rec.get(apc), &ipath, line, "applied")?;
            match section {
                "total" => {
                    data.funnel.invited = data.funnel.invited.or(invited);
                    data.funnel.pool = data.funnel.pool.or(applied);
                    let rows: Option<u64> =
                        parse_opt(rc.and_then(|c| rec.get(c)), &ipath, line, "rows")?;
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
                    let row = table.row(attr, value);
                    if section == "register" {
                        row.invitees = invited;
                    }
                    if let Some(a) = applied {
                        intake_applied.push((attr.to_string(), value.to_string(), a));
                    }
                }
                _ => {}
            }
        }
    }

    // --- pool: applicants per value (ids are read past, never kept) --------------
    let ppath = public.join("pool.csv");
    let mut pool_rows: Option<u64> = None;
    if let Some(mut r) = open_csv(&ppath)? {
        let cols = columns(&mut r, &ppath)?;
        // Column order of the file, minus the id and household (pseudonymous links).
        let mut attrs: Vec<(usize, String)> = cols
            .iter()
            .filter(|(name, _)| name.as_str() != "pool_id" && name.as_str() != "household")
            .map(|(name, i)| (*i, name.clone()))
            .collect();
        attrs.sort();
        let mut counts: BTreeMap<(usize, String), u64> = BTreeMap::new();
        let mut order: Vec<(usize, String)> = vec![];
        let mut n = 0u64;
        for rec in records(&mut r, &ppath)? {
            n += 1;
            for (i, _) in &attrs {
                let v = rec.get(*i).unwrap_or("").trim().to_string();
                if v.is_empty() {
                    continue;
                }
                let key = (*i, v);
                if !counts.contains_key(&key) {
                    order.push(key.clone());
                }
                *counts.entry(key).or_insert(0) += 1;
            }
        }
        pool_rows = Some(n);
        // Zero for every known value first, so a value nobody applied with shows 0.
        for (_, name) in &attrs {
            if let Some(ci) = table.index.get(&norm(name)).copied() {
                for v in &mut table.cats[ci].values {
                    v.applicants = Some(0);
                }
            }
        }
        for key in &order {
            let Some(name) = attrs
                .iter()
                .find(|(i, _)| *i == key.0)
                .map(|(_, n)| n.clone())
            else {
                continue;
            };
            let c = counts.get(key).copied().unwrap_or(0);
            table.row(&name, &key.1).applicants = Some(c);
        }
    } else {
        for (attr, value, a) in &intake_applied {
            table.row(attr, value).applicants = Some(*a);
        }
    }
    data.funnel.pool = data.funnel.pool.or(pool_rows);

    // --- the panel as it stands: counts per value (ids read past, never kept) ----
    let lot = public.join("lottery");
    let mut panel_file = None;
    for n in 1.. {
        let p = lot.join(format!("panel-after-replacement-{n}.csv"));
        if !p.exists() {
            break;
        }
        panel_file = Some(p);
    }
    let panel_file = panel_file.unwrap_or_else(|| lot.join("panel.csv"));
    if let Some(mut r) = open_csv(&panel_file)? {
        let cols = columns(&mut r, &panel_file)?;
        let attrs: Vec<(usize, String)> = cols
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "pool_id" | "household" | "seat" | "rank"))
            .map(|(name, i)| (*i, name.clone()))
            .collect();
        for (_, name) in &attrs {
            if let Some(ci) = table.index.get(&norm(name)).copied() {
                for v in &mut table.cats[ci].values {
                    v.panel = Some(0);
                }
            }
        }
        for rec in records(&mut r, &panel_file)? {
            for (i, name) in &attrs {
                let v = rec.get(*i).unwrap_or("").trim();
                if !v.is_empty() {
                    let row = table.row(name, v);
                    row.panel = Some(row.panel.unwrap_or(0) + 1);
                }
            }
        }
    }

    // --- probabilities ------------------------------------------------------------
    if let Some(p) = read_probabilities(&public.join("selection").join("probabilities.csv"))? {
        if data.probabilities.algorithm.as_deref() == Some("legacy") {
            data.probabilities.legacy = Some(p);
        } else {
            data.probabilities.leximin = p;
        }
    }
    // A legacy baseline run kept beside the main selection (e.g. `sortes select
    // --algorithm legacy` with its outputs moved to public/selection-legacy/).
    if let Some(p) = read_probabilities(&public.join("selection-legacy").join("probabilities.csv"))?
    {
        data.probabilities.legacy = Some(p);
    }

    data.categories = table.cats;
    Ok(data)
}

//! The lottery as steps on files: `build` (round and commit), `draw` (number, panel,
//! reserve order) and `replace` (drop-outs). Each checks its inputs against the
//! journal first and writes nothing when a check fails.

use super::{Lottery, draw, parse_distribution, replace::replace, round};
use crate::draw::run::{Paths, recorded, str_of};
use crate::error::{Error, Location, Result};
use crate::fsio::{self, Privacy};
use crate::journal::Journal;
use crate::process::Process;
use crate::quotas::{self, Pool, QuotaFile};
use crate::select::{Instance, check_panel};
use crate::spec::Seed;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the lottery's inputs and outputs are: from a process file, or from an audit
/// bundle (see `crate::bundle`).
#[derive(Clone)]
pub struct Layout {
    pub paths: Paths,
    pub quota_path: PathBuf,
    pub k: usize,
    pub household_rule: bool,
    pub process_id: String,
}

impl Layout {
    pub fn of(process: &Process) -> Result<Layout> {
        let sel = process.file.selection.as_ref().ok_or_else(|| {
            Error::refused(format!(
                "{} has no [selection] table (k, quotas): the lottery needs it",
                process.path.display()
            ))
        })?;
        Ok(Layout {
            paths: Paths::of(process),
            quota_path: process.resolve(&sel.quotas),
            k: sel.k,
            household_rule: sel.household_rule,
            process_id: process.file.process.id.clone(),
        })
    }
    pub fn dir(&self) -> PathBuf {
        self.paths.public.join("lottery")
    }
    pub fn lottery_file(&self) -> PathBuf {
        self.dir().join("lottery.txt")
    }
    pub fn pool_file(&self) -> PathBuf {
        self.paths.public.join("pool.csv")
    }
}

/// Pool, quotas and instance, as the selection saw them.
pub struct Frame {
    pub pool: Pool,
    pub quotas: QuotaFile,
    pub inst: Instance,
    pub index: BTreeMap<String, u32>,
}

impl Frame {
    /// A panel given by pool ids: every id in the pool, k members, every quota and the
    /// household rule met (integer counts; `check_panel` sorts its own copy).
    pub fn check(&self, ids: &[String]) -> std::result::Result<(), String> {
        let idx: Option<Vec<u32>> = ids.iter().map(|id| self.index.get(id).copied()).collect();
        match idx {
            None => Err("a member is not in the pool".to_string()),
            Some(v) => check_panel(&self.inst, &v),
        }
    }
}

pub fn frame(l: &Layout) -> Result<Frame> {
    let qf = quotas::read_quota_file(&l.quota_path)?;
    let pool = quotas::read_pool(
        &l.pool_file(),
        "pool_id",
        l.household_rule.then_some("household"),
    )?;
    let inst = quotas::build_instance(&qf, l.k, &pool)?;
    let index = pool
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), i as u32))
        .collect();
    Ok(Frame {
        pool,
        quotas: qf,
        inst,
        index,
    })
}

fn last_entry(j: &Journal, step: &str, what: &str) -> Result<Map<String, Value>> {
    j.of_step(step).last().cloned().ok_or_else(|| {
        Error::refused(format!(
            "the journal {} has no {step} entry: {what}",
            j.path.display()
        ))
    })
}

/// Refuses when `path` no longer has the hash `want` the journal recorded; else its
/// bytes (read once, for the caller to parse).
fn same_as_recorded(path: &Path, want: &str, what: &str, step: &str) -> Result<Vec<u8>> {
    let bytes = fsio::read(path)?;
    let have = fsio::sha256_hex(&bytes);
    if have != want {
        return Err(Error::refused(format!(
            "{what} {} has changed since the {step} step (SHA-256 {have}, journal says {want}); \
             nothing was written",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Units (10⁻¹²) as a decimal with 12 places.
pub fn units_text(u: i128) -> String {
    let sign = if u < 0 { "-" } else { "" };
    let a = u.abs();
    format!("{sign}{}.{:012}", a / round::UNIT, a % round::UNIT)
}

pub struct BuildReport {
    pub lottery: Lottery,
    pub panels_in_lottery: usize,
    pub lottery_sha256: String,
    pub rounding: round::Rounding,
    pub panels_in_distribution: usize,
    pub min_leximin: i128,
    pub min_lottery: i128,
    pub files: Vec<PathBuf>,
    pub seconds: f64,
}

/// Rounds the latest selection to `m` numbered panels, writes `lottery.txt` and
/// `lottery-report.csv`, and commits the lottery's SHA-256 in the journal.
pub fn build(l: &Layout, m: u32, force: bool) -> Result<BuildReport> {
    if !(2..=1_000_000).contains(&m) {
        return Err(Error::refused(format!(
            "m = {m}: a lottery needs between 2 and 1000000 numbered panels"
        )));
    }
    let mut j = Journal::open(&l.paths.journal)?;
    if j.of_step("lottery-draw").next().is_some() {
        return Err(Error::refused(
            "the lottery has already been drawn; a new lottery after the draw would let one \
             choose among outcomes, so it is refused",
        ));
    }
    let sel = last_entry(&j, "select", "run the selection first")?;
    if str_of(&sel, "algorithm") == "legacy" {
        return Err(Error::refused(
            "the last selection used the legacy algorithm, which has no distribution to round",
        ));
    }
    let (dist_rel, dist_hash) = recorded(&sel, "distribution");
    let dist_path = l.paths.out.join(dist_rel);
    let dist_bytes = same_as_recorded(&dist_path, dist_hash, "the distribution", "select")?;
    same_as_recorded(
        &l.pool_file(),
        str_of(&sel, "pool_sha256"),
        "the pool",
        "select",
    )?;
    same_as_recorded(
        &l.quota_path,
        str_of(&sel, "quotas_sha256"),
        "the quota file",
        "select",
    )?;
    let f = frame(l)?;
    let dist = parse_distribution(&dist_bytes, &dist_path)?;
    let t0 = std::time::Instant::now();
    let mut panels: Vec<Vec<u32>> = Vec::with_capacity(dist.panels.len());
    for (pi, p) in dist.panels.iter().enumerate() {
        let mut idx = Vec::with_capacity(p.len());
        for id in p {
            let i = f.index.get(id).copied().ok_or_else(|| {
                Error::input(
                    Location::line(&dist_path, pi as u64 + 2),
                    format!("pool id {id} is not in the pool"),
                )
            })?;
            idx.push(i);
        }
        idx.sort_unstable();
        check_panel(&f.inst, &idx).map_err(|e| {
            Error::input(
                Location::line(&dist_path, pi as u64 + 2),
                format!("this panel breaks the quotas: {e}"),
            )
        })?;
        panels.push(idx);
    }
    let n = f.pool.ids.len();
    let mut new_panel = |w: &[f64]| {
        crate::select::best_panel(&f.inst, w, crate::select::Solver::default())
            .ok()
            .flatten()
    };
    let r = round::round(&panels, &dist.probs, n, m, &mut new_panel);
    // Tickets: panels with at least one ticket, ordered by their member lists (ids
    // sorted by bytes, lists compared lexicographically), each repeated per ticket.
    let mut used: Vec<(Vec<String>, u32)> = r
        .panels
        .iter()
        .zip(&r.counts)
        .filter(|&(_, &c)| c > 0)
        .map(|(p, &c)| {
            let mut ids: Vec<String> = p.iter().map(|&a| f.pool.ids[a as usize].clone()).collect();
            ids.sort();
            (ids, c)
        })
        .collect();
    used.sort();
    for (ids, _) in &used {
        f.check(ids).map_err(|e| {
            Error::refused(format!(
                "internal check failed, nothing written: a lottery panel breaks a quota: {e}"
            ))
        })?;
    }
    let tickets: Vec<Vec<String>> = used
        .iter()
        .flat_map(|(ids, c)| std::iter::repeat_n(ids.clone(), *c as usize))
        .collect();
    let lottery = Lottery {
        process_id: l.process_id.clone(),
        k: l.k,
        // Checked equal to the files above.
        pool_sha256: str_of(&sel, "pool_sha256").to_string(),
        quotas_sha256: str_of(&sel, "quotas_sha256").to_string(),
        distribution_sha256: dist_hash.to_string(),
        tickets,
    };
    // Per applicant: LEXIMIN probability, tickets, lottery probability, difference.
    let mut lex = vec![0i128; n];
    for (p, &pr) in panels.iter().zip(&dist.probs) {
        for &a in p {
            lex[a as usize] += pr;
        }
    }
    let mut tick = vec![0u32; n];
    for (p, &c) in r.panels.iter().zip(&r.counts) {
        for &a in p {
            tick[a as usize] += c;
        }
    }
    let mi = i128::from(m);
    let lot = |i: usize| i128::from(tick[i]) * round::UNIT / mi;
    let mut report = String::from(
        "pool_id,leximin_probability,lottery_tickets,lottery_probability,difference\n",
    );
    for i in 0..n {
        let _ = writeln!(
            report,
            "{},{},{},{},{}",
            f.pool.ids[i],
            units_text(lex[i]),
            tick[i],
            units_text(lot(i)),
            units_text(lot(i) - lex[i])
        );
    }
    let dir = l.dir();
    let lf = l.lottery_file();
    let rf = dir.join("lottery-report.csv");
    fsio::check_new(&lf, force)?;
    fsio::check_new(&rf, force)?;
    let text = lottery.to_text();
    let h = fsio::write_atomic(&lf, text.as_bytes(), Privacy::Public, force)?;
    let hr = fsio::write_atomic(&rf, report.as_bytes(), Privacy::Public, force)?;
    let min_leximin = lex.iter().copied().min().unwrap_or(0);
    let min_lottery = (0..n).map(lot).min().unwrap_or(0);
    j.append(
        "lottery",
        json!({
            "lottery_sha256": h,
            "m": m,
            "k": l.k,
            "pool_sha256": lottery.pool_sha256,
            "quotas_sha256": lottery.quotas_sha256,
            "distribution_sha256": dist_hash,
            "panels_in_distribution": panels.len(),
            "panels_in_lottery": used.len(),
            "panels_generated": r.new_panels,
            "max_deviation": units_text(r.max_deviation / mi),
            "deviation_lower_bound": units_text(r.lower_bound / mi),
            "min_probability_leximin": units_text(min_leximin),
            "min_probability_lottery": units_text(min_lottery),
            "outputs": {"lottery": l.paths.rel(&lf), "report": l.paths.rel(&rf)},
            "output_sha256": {"lottery": h, "report": hr},
        }),
    )?;
    Ok(BuildReport {
        panels_in_lottery: used.len(),
        lottery,
        lottery_sha256: h,
        panels_in_distribution: panels.len(),
        rounding: r,
        min_leximin,
        min_lottery,
        files: vec![lf, rf],
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Reads the committed lottery and checks it against the journal and the pool.
pub fn committed(l: &Layout, j: &Journal) -> Result<(Lottery, String, Map<String, Value>)> {
    let e = last_entry(
        j,
        "lottery",
        "build the lottery first (sortes lottery build)",
    )?;
    let want = str_of(&e, "lottery_sha256").to_string();
    let lf = l.lottery_file();
    let bytes = fsio::read_input(&lf, "the lottery file")?;
    let have = fsio::sha256_hex(&bytes);
    if have != want {
        return Err(Error::refused(format!(
            "the lottery file {} does not match its committed hash (SHA-256 {have}, committed \
             {want}); it was changed after the commitment",
            lf.display()
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::input(
            Location::file(&lf),
            "the lottery file is not UTF-8 text".to_string(),
        )
    })?;
    let lottery = Lottery::parse(&text, &lf)?;
    let pool_now = fsio::sha256_file(&l.pool_file())?;
    if pool_now != lottery.pool_sha256 {
        return Err(Error::refused(format!(
            "the pool {} has changed since the selection (SHA-256 {pool_now}, the lottery was \
             built from {})",
            l.pool_file().display(),
            lottery.pool_sha256
        )));
    }
    // Draw, replacements and verify all count quotas: none may use another quota file.
    let quotas_now = fsio::sha256_file(&l.quota_path)?;
    if quotas_now != lottery.quotas_sha256 {
        return Err(Error::refused(format!(
            "the quota file {} is not the one the lottery was built with (SHA-256 {quotas_now},              the lottery was built with {})",
            l.quota_path.display(),
            lottery.quotas_sha256
        )));
    }
    Ok((lottery, want, e))
}

/// Where the number comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Drawn at a public ceremony (e.g. three digits from urns).
    Number(u64),
    /// Public randomness: the number is derived from the seed.
    Seed(Seed),
}

pub struct DrawReport {
    pub number: u64,
    pub number_text: String,
    pub m: usize,
    pub panel: Vec<String>,
    pub reserves: usize,
    pub files: Vec<PathBuf>,
}

pub(crate) fn members_csv(f: &Frame, ids: &[String], first: &str) -> String {
    // The pool's own columns (pool_id first there) after the seat or rank number.
    let mut s = first.to_string();
    for c in &f.pool.columns {
        s.push(',');
        s.push_str(&fsio::csv_field(c));
    }
    s.push('\n');
    for (n, id) in ids.iter().enumerate() {
        let _ = write!(s, "{}", n + 1);
        if let Some(&i) = f.index.get(id) {
            for v in &f.pool.rows[i as usize] {
                s.push(',');
                s.push_str(&fsio::csv_field(v));
            }
        }
        s.push('\n');
    }
    s
}

/// Draws the panel and fixes the reserve order; writes `panel.csv` and `reserves.csv`.
pub fn draw_step(l: &Layout, source: &Source, reserve_seed: Option<&Seed>) -> Result<DrawReport> {
    let mut j = Journal::open(&l.paths.journal)?;
    let (lottery, lsha, _) = committed(l, &j)?;
    if j.of_step("lottery-draw").next().is_some() {
        return Err(Error::refused(
            "the lottery has already been drawn; a second draw is refused (the journal keeps \
             the first)",
        ));
    }
    let m = lottery.m();
    let (number, seed) = match source {
        Source::Number(n) => {
            if *n >= m as u64 {
                return Err(Error::refused(format!(
                    "number {n} is outside the lottery: panels are numbered 0 to {} ({} to {})",
                    m - 1,
                    lottery.number_text(0),
                    lottery.number_text(m - 1)
                )));
            }
            (
                *n,
                reserve_seed
                    .cloned()
                    .unwrap_or_else(|| draw::seed_for_number(*n)),
            )
        }
        Source::Seed(s) => (draw::number_from_seed(s, &lsha, m as u64), s.clone()),
    };
    let f = frame(l)?;
    let panel = lottery.tickets[number as usize].clone();
    let reserve = draw::reserve_order(&seed, &lsha, number, &f.pool.ids, &panel);
    let pf = l.dir().join("panel.csv");
    let rf = l.dir().join("reserves.csv");
    fsio::check_new(&pf, false)?;
    fsio::check_new(&rf, false)?;
    let hp = fsio::write_atomic(
        &pf,
        members_csv(&f, &panel, "seat").as_bytes(),
        Privacy::Public,
        false,
    )?;
    let hr = fsio::write_atomic(
        &rf,
        members_csv(&f, &reserve, "rank").as_bytes(),
        Privacy::Public,
        false,
    )?;
    j.append(
        "lottery-draw",
        json!({
            "lottery_sha256": lsha,
            "m": m,
            "number": number,
            "number_text": lottery.number_text(number as usize),
            "source": match source { Source::Number(_) => "ceremony", Source::Seed(_) => "seed" },
            "seed": match source { Source::Seed(s) => Some(s.canonical().to_string()), Source::Number(_) => None },
            "reserve_seed": seed.canonical(),
            "panel": panel,
            "reserves": reserve.len(),
            "outputs": {"panel": l.paths.rel(&pf), "reserves": l.paths.rel(&rf)},
            "output_sha256": {"panel": hp, "reserves": hr},
        }),
    )?;
    Ok(DrawReport {
        number,
        number_text: lottery.number_text(number as usize),
        m,
        panel,
        reserves: reserve.len(),
        files: vec![pf, rf],
    })
}

/// The panel as it stands now, everyone who was ever on it, and everyone marked
/// unavailable, from the journal's draw and replacement entries.
pub struct Standing {
    pub panel: Vec<String>,
    pub ever: BTreeSet<String>,
    pub unavailable: BTreeSet<String>,
    pub rounds: usize,
}

/// A list of pool ids in a journal entry (empty when absent).
pub(crate) fn ids_of(e: &Map<String, Value>, key: &str) -> Vec<String> {
    e.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Standing {
    /// The panel as drawn, before any replacement.
    pub fn drawn(panel: Vec<String>) -> Standing {
        Standing {
            ever: panel.iter().cloned().collect(),
            panel,
            unavailable: BTreeSet::new(),
            rounds: 0,
        }
    }

    /// One replacement round: `dropped` leave, `replacements` join, `unavailable`
    /// are skipped from now on.
    pub fn apply(&mut self, dropped: &[String], replacements: &[String], unavailable: &[String]) {
        let gone: BTreeSet<&String> = dropped.iter().collect();
        self.panel.retain(|p| !gone.contains(p));
        self.panel.extend(replacements.iter().cloned());
        self.ever.extend(replacements.iter().cloned());
        self.unavailable.extend(unavailable.iter().cloned());
        self.rounds += 1;
    }
}

pub fn standing(j: &Journal) -> Result<Standing> {
    let d = last_entry(
        j,
        "lottery-draw",
        "draw the lottery first (sortes lottery draw)",
    )?;
    let mut st = Standing::drawn(ids_of(&d, "panel"));
    for e in j.of_step("replace") {
        st.apply(
            &ids_of(e, "dropped"),
            &ids_of(e, "replacements"),
            &ids_of(e, "unavailable"),
        );
    }
    Ok(st)
}

/// The reserve order from `reserves.csv`, checked against the journal.
pub fn reserves(l: &Layout, j: &Journal) -> Result<Vec<String>> {
    let d = last_entry(j, "lottery-draw", "draw the lottery first")?;
    let (rel, want) = recorded(&d, "reserves");
    let path = l.paths.out.join(rel);
    let text = same_as_recorded(&path, want, "the reserve list", "lottery-draw")?;
    let mut rdr = csv::Reader::from_reader(text.as_slice());
    let mut out = Vec::new();
    let col = rdr
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|c| c == "pool_id"))
        .ok_or_else(|| Error::input(Location::line(&path, 1), "no pool_id column"))?;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::input(Location::file(&path), e.to_string()))?;
        out.push(rec.get(col).unwrap_or("").to_string());
    }
    Ok(out)
}

pub struct ReplaceReport {
    pub round: usize,
    pub replacements: Vec<String>,
    pub panel: Vec<String>,
    pub file: PathBuf,
}

/// Pure part of a replacement: who replaces `dropped`, given the standing panel.
pub fn choose(
    f: &Frame,
    st: &Standing,
    reserve: &[String],
    dropped: &[String],
    unavailable: &[String],
) -> Result<Vec<String>> {
    let on: BTreeSet<&str> = st.panel.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    for d in dropped {
        if !on.contains(d.as_str()) {
            return Err(Error::refused(format!(
                "{d} is not a member of the current panel; nothing was changed"
            )));
        }
        if !seen.insert(d) {
            return Err(Error::refused(format!("{d} is named twice as dropped out")));
        }
    }
    for u in unavailable {
        if !f.index.contains_key(u) {
            return Err(Error::refused(format!("{u} is not in the pool")));
        }
    }
    let gone: BTreeSet<&str> = dropped.iter().map(String::as_str).collect();
    let staying: Vec<u32> = st
        .panel
        .iter()
        .filter(|p| !gone.contains(p.as_str()))
        .filter_map(|p| f.index.get(p).copied())
        .collect();
    let skip: BTreeSet<&str> = st
        .ever
        .iter()
        .chain(&st.unavailable)
        .chain(unavailable)
        .map(String::as_str)
        .collect();
    let cands: Vec<u32> = reserve
        .iter()
        .filter(|r| !skip.contains(r.as_str()))
        .filter_map(|r| f.index.get(r).copied())
        .collect();
    let flex = f.quotas.flex_for(&f.inst);
    match replace(&f.inst, &flex, &staying, dropped.len(), &cands) {
        Ok(chosen) => Ok(chosen
            .iter()
            .map(|&i| f.pool.ids[i as usize].clone())
            .collect()),
        Err(imp) => {
            let mut msg = String::from("no choice from the reserve keeps every quota:\n");
            for c in &imp.conflicts {
                let _ = writeln!(msg, "  - {c}");
            }
            match &imp.relaxation {
                Some(ch) if !ch.is_empty() => {
                    let _ = writeln!(msg, "smallest change of the quota file that allows it:");
                    for c in ch {
                        let mut parts = Vec::new();
                        if c.new_min != c.old_min {
                            parts.push(format!("minimum {} -> {}", c.old_min, c.new_min));
                        }
                        if c.new_max != c.old_max {
                            parts.push(format!("maximum {} -> {}", c.old_max, c.new_max));
                        }
                        let _ =
                            writeln!(msg, "  - {}={}: {}", c.category, c.value, parts.join(", "));
                    }
                }
                _ => {
                    let _ = writeln!(msg, "no change within min_flex/max_flex makes it possible");
                }
            }
            msg.push_str("nothing was changed or journaled");
            Err(Error::refused(msg))
        }
    }
}

/// Replaces `dropped` members; journals the round and writes the new panel.
pub fn replace_step(
    l: &Layout,
    dropped: &[String],
    unavailable: &[String],
    date: &str,
) -> Result<ReplaceReport> {
    let mut j = Journal::open(&l.paths.journal)?;
    committed(l, &j)?;
    let mut st = standing(&j)?;
    let reserve = reserves(l, &j)?;
    let f = frame(l)?;
    if dropped.is_empty() {
        return Err(Error::refused("name at least one member who dropped out"));
    }
    let chosen = choose(&f, &st, &reserve, dropped, unavailable)?;
    st.apply(dropped, &chosen, unavailable);
    let panel = st.panel;
    f.check(&panel)
        .map_err(|e| Error::refused(format!("internal check failed, nothing written: {e}")))?;
    let round = st.rounds;
    let file = l.dir().join(format!("panel-after-replacement-{round}.csv"));
    let h = fsio::write_atomic(
        &file,
        members_csv(&f, &panel, "seat").as_bytes(),
        Privacy::Public,
        false,
    )?;
    j.append(
        "replace",
        json!({
            "round": round,
            "date": date,
            "dropped": dropped,
            "unavailable": unavailable,
            "replacements": chosen,
            "rule": "first feasible choice in the published reserve order",
            "outputs": {"panel": l.paths.rel(&file)},
            "output_sha256": {"panel": h},
        }),
    )?;
    Ok(ReplaceReport {
        round,
        replacements: chosen,
        panel,
        file,
    })
}

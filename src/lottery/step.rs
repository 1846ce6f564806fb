//! The lottery as steps on a process folder: `build` (round and commit), `draw`
//! (number, panel, reserve order) and `replace` (drop-outs). Each reads its inputs
//! through the run handle — the distribution, the pool and the quota file as the
//! selection recorded them — and writes nothing when a check fails.

use super::{Lottery, draw, replace::replace, round};
use crate::base::error::{Error, Location, Result};
use crate::base::fsio::{self, Privacy, Sha256};
use crate::base::journal::{
    Body, Decimal, Entry, Journal, LotteryBuild, LotteryDraw, Replace, Select,
    Source as DrawSource, Step, named,
};
use crate::base::process::Process;
use crate::base::run::{Layout, Run};
use crate::base::spec::{Seed, SeedForm};
use crate::base::table::{Options, Table};
use crate::base::text::{UNIT, csv_field, units_text};
use crate::quotas::{self, Pool, QuotaFile};
use crate::select::files::parse_distribution;
use crate::select::{Instance, check_panel};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What the lottery needs besides the journal: the output layout, the quota file,
/// k, the household rule and the process id — from a process file, or from an audit
/// bundle (see `crate::verify::bundle`).
#[derive(Clone, Debug)]
pub struct Setup {
    pub layout: Layout,
    pub quota_path: PathBuf,
    pub k: usize,
    pub household_rule: bool,
    pub process_id: String,
}

impl Setup {
    pub fn of(process: &Process) -> Result<Setup> {
        let sel = process.file.selection.as_ref().ok_or_else(|| {
            Error::refused(format!(
                "{} has no [selection] table (k, quotas): the lottery needs it",
                process.path.display()
            ))
        })?;
        Ok(Setup {
            layout: process.layout(),
            quota_path: process.resolve(&sel.quotas),
            k: sel.k,
            household_rule: sel.household_rule,
            process_id: process.file.process.id.clone(),
        })
    }
    pub fn dir(&self) -> PathBuf {
        self.layout.lottery()
    }
    pub fn lottery_file(&self) -> PathBuf {
        self.dir().join("lottery.txt")
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
    /// household rule met (integer counts).
    pub fn check(&self, ids: &[String]) -> Result<()> {
        let idx = self.indices(ids)?;
        check_panel(&self.inst, &idx)
    }

    /// Pool indices of `ids`; an id not in the pool is an error.
    pub fn indices(&self, ids: &[String]) -> Result<Vec<u32>> {
        ids.iter()
            .map(|id| {
                self.index
                    .get(id)
                    .copied()
                    .ok_or_else(|| Error::refused(format!("{id} is not in the pool")))
            })
            .collect()
    }
}

/// The selection the lottery rounds: the latest select entry, which must have a
/// distribution.
pub fn selection(j: &Journal) -> Result<(&Entry, &Select)> {
    let (e, s) = j.last::<Select>().ok_or_else(|| {
        Error::refused(format!(
            "the journal {} has no select entry: run the selection first",
            j.path().display()
        ))
    })?;
    if !s.algorithm.has_distribution() {
        return Err(Error::refused(
            "the last selection used the legacy algorithm, which has no distribution to round",
        ));
    }
    Ok((e, s))
}

/// The selection entry whose distribution a lottery was built from.
pub fn selection_of<'a>(j: &'a Journal, lottery: &LotteryBuild) -> Result<(&'a Entry, &'a Select)> {
    j.all::<Select>()
        .rev()
        .find(|(_, s)| s.output_sha256.get("distribution") == Some(&lottery.distribution_sha256))
        .ok_or_else(|| {
            Error::changed(
                Location::file(j.path()),
                "no select entry of the journal recorded the distribution the lottery was built from",
            )
        })
}

/// Pool, quotas and instance of a selection entry, each file checked against it.
pub fn frame(run: &Run, setup: &Setup, entry: &Entry, sel: &Select) -> Result<Frame> {
    let pool_rec = entry.input("pool", &sel.pool_file, &sel.pool_sha256);
    let pool_bytes = run.read(&pool_rec)?;
    let qbytes = run.read_input(&setup.quota_path, "quota", &sel.quotas_sha256, entry)?;
    let quotas = quotas::parse_quota_file(&setup.quota_path, &qbytes)?;
    let pool = quotas::parse_pool(
        &run.path_of(&pool_rec),
        &pool_bytes,
        crate::intake::files::POOL_ID,
        setup
            .household_rule
            .then_some(crate::intake::files::POOL_HOUSEHOLD),
    )?;
    let inst = crate::select::instance::build(&quotas, setup.k, &pool)?;
    let index = pool
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), i as u32))
        .collect();
    Ok(Frame {
        pool,
        quotas,
        inst,
        index,
    })
}

pub struct BuildReport {
    /// The journal head after the commitment of the lottery: publish it with the hash.
    pub head: (u64, Sha256),
    pub lottery: Lottery,
    pub panels_in_lottery: usize,
    pub lottery_sha256: Sha256,
    pub rounding: round::Rounding,
    pub panels_in_distribution: usize,
    pub min_leximin: i128,
    pub min_lottery: i128,
    pub files: Vec<PathBuf>,
    pub seconds: f64,
}

/// A person's lottery probability: tickets / m, in units of 10⁻¹² (rounded down).
pub fn lottery_probability(tickets: u32, m: u32) -> i128 {
    i128::from(tickets) * UNIT / i128::from(m)
}

/// `lottery-report.csv`: per applicant (in pool order) the distribution's
/// probability `lex` (units of 10⁻¹²), the lottery tickets, the lottery probability
/// and the difference, decimals with 12 places.
pub fn report_csv(ids: &[String], lex: &[i128], tickets: &[u32], m: u32) -> String {
    let mut report = String::from(
        "pool_id,leximin_probability,lottery_tickets,lottery_probability,difference\n",
    );
    for ((id, &l), &t) in ids.iter().zip(lex).zip(tickets) {
        let lot = lottery_probability(t, m);
        let _ = writeln!(
            report,
            "{id},{},{t},{},{}",
            units_text(l),
            units_text(lot),
            units_text(lot - l)
        );
    }
    report
}

/// Rounds the latest selection to `m` numbered panels, writes `lottery.txt` and
/// `lottery-report.csv`, and commits the lottery's SHA-256 in the journal together
/// with the announced randomness of the draw (`seed_source` in words, `seed_form`:
/// `ceremony`, `drand:ROUND` or `rfc3797:COUNTS`; the draw accepts nothing else).
pub fn build(
    setup: &Setup,
    m: u32,
    seed_source: &str,
    seed_form: &SeedForm,
    force: bool,
) -> Result<BuildReport> {
    if !(2..=1_000_000).contains(&m) {
        return Err(Error::refused(format!(
            "m = {m}: a lottery needs between 2 and 1000000 numbered panels"
        )));
    }
    if seed_source.trim().is_empty() {
        return Err(Error::refused(
            "announce the randomness of the draw in words (--seed-source), e.g. \"three digits drawn from urns at the council meeting of 2027-04-01\"",
        ));
    }
    let mut run = Run::begin(setup.layout.clone(), Step::Lottery)?;
    if run.journal().last::<LotteryDraw>().is_some() {
        return Err(Error::refused(
            "the lottery has already been drawn; a new lottery after the draw would let one \
             choose among outcomes, so it is refused",
        ));
    }
    let lf = setup.lottery_file();
    let rf = setup.dir().join("lottery-report.csv");
    fsio::check_new(&lf, force)?;
    fsio::check_new(&rf, force)?;
    let (entry, sel) = selection(run.journal())?;
    let dist_rec = entry.output("distribution")?;
    let dist_bytes = run.read(&dist_rec)?;
    let dist_path = run.path_of(&dist_rec);
    let f = frame(&run, setup, entry, sel)?;
    let (pool_sha256, quotas_sha256) = (sel.pool_sha256.clone(), sel.quotas_sha256.clone());
    let dist = parse_distribution(&dist_bytes, &dist_path)?;
    let t0 = std::time::Instant::now();
    let mut panels: Vec<Vec<u32>> = Vec::with_capacity(dist.panels.len());
    for (pi, p) in dist.panels.iter().enumerate() {
        let line = Location::line(&dist_path, pi as u64 + 2);
        let mut idx = f
            .indices(p)
            .map_err(|e| Error::input(line.clone(), e.message()))?;
        idx.sort_unstable();
        check_panel(&f.inst, &idx).map_err(|e| {
            Error::input(
                line,
                format!("this panel breaks the quotas: {}", e.message()),
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
    let r = round::round(&panels, &dist.probs, n, m, Some(&f.inst), &mut new_panel);
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
            Error::internal(format!("a lottery panel breaks a quota: {}", e.message()))
        })?;
    }
    let tickets: Vec<Vec<String>> = used
        .iter()
        .flat_map(|(ids, c)| std::iter::repeat_n(ids.clone(), *c as usize))
        .collect();
    let lottery = Lottery {
        process_id: setup.process_id.clone(),
        k: setup.k,
        pool_sha256: pool_sha256.to_string(),
        quotas_sha256: quotas_sha256.to_string(),
        distribution_sha256: dist_rec.sha256.to_string(),
        tickets,
    };
    // Per applicant: the distribution's probability, tickets, lottery probability, difference.
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
    let report = report_csv(&f.pool.ids, &lex, &tick, m);
    let lot = |i: usize| lottery_probability(tick[i], m);
    let mi = i128::from(m);
    let text = lottery.to_text();
    let h = fsio::write_atomic(&lf, text.as_bytes(), Privacy::Public, force)?;
    let hr = fsio::write_atomic(&rf, report.as_bytes(), Privacy::Public, force)?;
    let min_leximin = lex.iter().copied().min().unwrap_or(0);
    let min_lottery = (0..n).map(lot).min().unwrap_or(0);
    let rel = |p: &Path| run.layout().rel(p);
    let body = LotteryBuild {
        lottery_sha256: h.clone(),
        seed_source: seed_source.to_string(),
        seed_form: seed_form.text(),
        m: u64::from(m),
        k: setup.k as u64,
        pool_sha256,
        quotas_sha256,
        distribution_sha256: dist_rec.sha256.clone(),
        panels_in_distribution: panels.len() as u64,
        panels_in_lottery: used.len() as u64,
        panels_generated: r.new_panels as u64,
        max_deviation: Decimal::units(r.max_deviation / mi),
        deviation_lower_bound: Decimal::units(r.lower_bound / mi),
        min_probability_leximin: Decimal::units(min_leximin),
        min_probability_lottery: Decimal::units(min_lottery),
        outputs: named([("lottery", rel(&lf)), ("report", rel(&rf))]),
        output_sha256: named([("lottery", h.clone()), ("report", hr)]),
    };
    let entry = run.append(Body::Lottery(body))?;
    let head = (entry.seq, entry.entry_hash.clone());
    Ok(BuildReport {
        head,
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

/// The committed lottery, read through the run handle, with its journal entry and
/// the frame of the selection it was built from (pool and quota file checked).
pub struct Committed<'a> {
    pub lottery: Lottery,
    pub sha256: Sha256,
    pub entry: &'a Entry,
    pub build: &'a LotteryBuild,
    pub frame: Frame,
}

/// Reads the committed lottery and checks it against the journal, the pool and the
/// quota file.
pub fn committed<'a>(run: &'a Run, setup: &Setup) -> Result<Committed<'a>> {
    let (lottery, sha256, entry, build) = commitment(run)?;
    let (sel_entry, sel) = selection_of(run.journal(), build)?;
    // Draw, replacements and verify all count quotas with the files the selection used.
    let frame = frame(run, setup, sel_entry, sel)?;
    Ok(Committed {
        lottery,
        sha256,
        entry,
        build,
        frame,
    })
}

/// The committed lottery, checked against its journal entry and the selection it
/// was built from (without reading the confidential pool).
pub fn commitment(run: &Run) -> Result<(Lottery, Sha256, &Entry, &LotteryBuild)> {
    let (entry, build) = run.journal().last::<LotteryBuild>().ok_or_else(|| {
        Error::refused(format!(
            "the journal {} has no lottery entry: build the lottery first (sortes lottery build)",
            run.journal().path().display()
        ))
    })?;
    let rec = entry.output("lottery")?;
    let path = run.path_of(&rec);
    let bytes = run.read(&rec)?;
    if rec.sha256 != build.lottery_sha256 {
        return Err(Error::changed(
            Location::file(run.journal().path()),
            "the lottery entry records two different hashes of lottery.txt",
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::input(Location::file(&path), "the lottery file is not UTF-8 text"))?;
    let lottery = Lottery::parse(&text, &path)?;
    if lottery.pool_sha256 != build.pool_sha256.as_str()
        || lottery.quotas_sha256 != build.quotas_sha256.as_str()
        || lottery.distribution_sha256 != build.distribution_sha256.as_str()
    {
        return Err(Error::changed(
            Location::file(&path),
            "the lottery file names other input hashes than its journal entry",
        ));
    }
    let (_, sel) = selection_of(run.journal(), build)?;
    if sel.pool_sha256 != build.pool_sha256 || sel.quotas_sha256 != build.quotas_sha256 {
        return Err(Error::changed(
            Location::file(run.journal().path()),
            "the lottery was built from another pool or quota file than its selection used",
        ));
    }
    Ok((lottery, rec.sha256, entry, build))
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

/// The members file (`panel.csv`, `reserves.csv`, `panel-after-replacement-N.csv`):
/// `first` (seat or rank) and `pool_id` — public, so pool ids only: the attributes
/// stay in the confidential pool (they would re-identify applicants).
pub fn members_csv(ids: &[String], first: &str) -> String {
    let mut s = format!("{first},pool_id\n");
    for (n, id) in ids.iter().enumerate() {
        let _ = writeln!(s, "{},{}", n + 1, csv_field(id));
    }
    s
}

/// Draws the panel and fixes the reserve order; writes `panel.csv` and `reserves.csv`.
/// The number or seed must be of the form the lottery's commitment announced; the
/// reserve order comes from the same randomness (the seed, or the ceremony number).
pub fn draw_step(setup: &Setup, source: &Source) -> Result<DrawReport> {
    let mut run = Run::begin(setup.layout.clone(), Step::LotteryDraw)?;
    if run.journal().last::<LotteryDraw>().is_some() {
        return Err(Error::refused(
            "the lottery has already been drawn; a second draw is refused (the journal keeps \
             the first)",
        ));
    }
    let pf = setup.dir().join("panel.csv");
    let rf = setup.dir().join("reserves.csv");
    for p in [&pf, &rf] {
        if p.exists() {
            return Err(Error::refused(format!(
                "{} exists, but the journal records no lottery draw: an earlier draw was interrupted, or its journal entry was removed. A second draw would let one choose between outcomes, so it is refused; restore the journal (verify with the published head), or, if no draw was ever announced, move the files away and say so publicly before drawing",
                p.display()
            )));
        }
    }
    let c = committed(&run, setup)?;
    let m = c.lottery.m();
    let lsha = c.sha256.to_string();
    let form = SeedForm::parse(&c.build.seed_form)?;
    let announced = |why: String| {
        Error::refused(format!(
            "the lottery's commitment announced {} ({}): {why}",
            c.build.seed_form, c.build.seed_source
        ))
    };
    match (source, &form) {
        (Source::Number(_), SeedForm::Ceremony) => {}
        (Source::Number(n), _) => {
            return Err(announced(format!(
                "a number ({n}) is not of that form; give the seed (--seed)"
            )));
        }
        (Source::Seed(s), f) => f.admits(s).map_err(announced)?,
    }
    let (number, seed) = match source {
        Source::Number(n) => {
            if *n >= m as u64 {
                return Err(Error::refused(format!(
                    "number {n} is outside the lottery: panels are numbered 0 to {} ({} to {})",
                    m - 1,
                    c.lottery.number_text(0),
                    c.lottery.number_text(m - 1)
                )));
            }
            (*n, draw::seed_for_number(*n))
        }
        Source::Seed(s) => (draw::number_from_seed(s, &lsha, m as u64), s.clone()),
    };
    let panel = c.lottery.tickets[number as usize].clone();
    let reserve = draw::reserve_order(&seed, &lsha, number, &c.frame.pool.ids, &panel);
    let panel_text = members_csv(&panel, "seat");
    let reserve_text = members_csv(&reserve, "rank");
    let number_text = c.lottery.number_text(number as usize);
    drop(c);
    let hp = fsio::write_atomic(&pf, panel_text.as_bytes(), Privacy::Public, false)?;
    let hr = fsio::write_atomic(&rf, reserve_text.as_bytes(), Privacy::Public, false)?;
    let rel = |p: &Path| run.layout().rel(p);
    let body = LotteryDraw {
        lottery_sha256: Sha256::parse(&lsha)
            .ok_or_else(|| Error::internal("the lottery hash is not a SHA-256"))?,
        m: m as u64,
        number,
        number_text: number_text.clone(),
        source: match source {
            Source::Number(_) => DrawSource::Ceremony,
            Source::Seed(_) => DrawSource::Seed,
        },
        seed: match source {
            Source::Seed(s) => Some(s.canonical().to_string()),
            Source::Number(_) => None,
        },
        reserve_seed: seed.canonical().to_string(),
        panel: panel.clone(),
        reserves: reserve.len() as u64,
        outputs: named([("panel", rel(&pf)), ("reserves", rel(&rf))]),
        output_sha256: named([("panel", hp), ("reserves", hr)]),
    };
    run.append(Body::LotteryDraw(body))?;
    Ok(DrawReport {
        number,
        number_text,
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

/// The lottery's draw entry, or a refusal saying to draw first.
pub fn drawn(j: &Journal) -> Result<(&Entry, &LotteryDraw)> {
    j.last::<LotteryDraw>().ok_or_else(|| {
        Error::refused(format!(
            "the journal {} has no lottery-draw entry: draw the lottery first (sortes lottery draw)",
            j.path().display()
        ))
    })
}

/// The panel as it stands after every journaled replacement.
pub fn standing(j: &Journal) -> Result<Standing> {
    let (_, d) = drawn(j)?;
    let mut st = Standing::drawn(d.panel.clone());
    for (_, r) in j.all::<Replace>() {
        st.apply(&r.dropped, &r.replacements, &r.unavailable);
    }
    Ok(st)
}

/// The pool ids of a members file (`pool_id` column), in file order.
pub fn parse_members(path: &Path, bytes: &[u8]) -> Result<Vec<String>> {
    let t = Table::parse(path, bytes, &Options::written())?;
    let col = t.column("pool_id", "a members file")?;
    Ok(t.rows.iter().map(|r| r.cells[col].clone()).collect())
}

/// The reserve order from `reserves.csv`, read through the run handle.
pub fn reserves(run: &Run) -> Result<Vec<String>> {
    let (e, _) = drawn(run.journal())?;
    let (path, bytes) = run.output(e, "reserves")?;
    parse_members(&path, &bytes)
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
    let flex = crate::select::instance::flex(&f.quotas, &f.inst);
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
/// Who would replace `dropped` (with `unavailable` skipped), without writing or
/// journaling anything: the workbench shows it before the coordinator confirms.
pub fn replace_preview(
    setup: &Setup,
    dropped: &[String],
    unavailable: &[String],
) -> Result<Vec<String>> {
    if dropped.is_empty() {
        return Err(Error::refused("name at least one member who dropped out"));
    }
    let run = Run::open(setup.layout.clone())?;
    let c = committed(&run, setup)?;
    let st = standing(run.journal())?;
    let reserve = reserves(&run)?;
    choose(&c.frame, &st, &reserve, dropped, unavailable)
}

pub fn replace_step(
    setup: &Setup,
    dropped: &[String],
    unavailable: &[String],
    date: &str,
) -> Result<ReplaceReport> {
    if dropped.is_empty() {
        return Err(Error::refused("name at least one member who dropped out"));
    }
    let mut run = Run::begin(setup.layout.clone(), Step::Replace)?;
    let c = committed(&run, setup)?;
    let mut st = standing(run.journal())?;
    let reserve = reserves(&run)?;
    let chosen = choose(&c.frame, &st, &reserve, dropped, unavailable)?;
    st.apply(dropped, &chosen, unavailable);
    let panel = st.panel;
    c.frame
        .check(&panel)
        .map_err(|e| Error::internal(e.message()))?;
    let round = st.rounds;
    let file = setup
        .dir()
        .join(format!("panel-after-replacement-{round}.csv"));
    let text = members_csv(&panel, "seat");
    drop(c);
    let h = fsio::write_atomic(&file, text.as_bytes(), Privacy::Public, false)?;
    let rel = run.layout().rel(&file);
    run.append(Body::Replace(Replace {
        round: round as u64,
        date: date.to_string(),
        dropped: dropped.to_vec(),
        unavailable: unavailable.to_vec(),
        replacements: chosen.clone(),
        rule: "first feasible choice in the published reserve order".into(),
        outputs: [("panel".to_string(), rel)].into_iter().collect(),
        output_sha256: [("panel".to_string(), h)].into_iter().collect(),
    }))?;
    Ok(ReplaceReport {
        round,
        replacements: chosen,
        panel,
        file,
    })
}

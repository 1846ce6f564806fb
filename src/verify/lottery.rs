//! The lottery's part of `sortes verify`: the commitment before the draw, every
//! numbered panel against the quotas (integers), the rounding's largest difference
//! as recorded, the number and the reserve order recomputed from the public
//! randomness, and every replacement replayed. Without the confidential pool (a
//! public audit bundle) the checks that count attributes are skipped, saying so;
//! everything that needs only pool ids is still checked.

use super::Check;
use crate::base::fsio::Sha256;
use crate::base::journal::{LotteryDraw, Replace, Source};
use crate::base::run::Run;
use crate::base::spec::Seed;
use crate::base::text::{UNIT, units_text};
use crate::lottery::draw;
use crate::lottery::step::{self, Frame, Setup, Standing, members_csv};
use crate::select::files::parse_distribution;
use std::collections::{BTreeMap, BTreeSet};

/// `lottery-report.csv` recomputed from the distribution and the numbered panels,
/// per applicant in the order of the selection's `probabilities.csv` (pool order):
/// it must be the recorded file, so its figures are those of the committed lottery.
fn report(
    run: &Run,
    build: &crate::base::journal::LotteryBuild,
    d: &crate::select::files::DistributionFile,
    lottery: &crate::lottery::Lottery,
) -> Check {
    let name = "lottery report";
    let ids = match step::selection_of(run.journal(), build)
        .and_then(|(e, _)| run.output(e, "probabilities"))
        .and_then(|(path, bytes)| crate::select::files::parse_probabilities(&bytes, &path))
    {
        Ok(rows) => rows.into_iter().map(|(id, _)| id).collect::<Vec<_>>(),
        Err(e) => return Check::fail(name, e.to_string()),
    };
    let mut lex: BTreeMap<&str, i128> = BTreeMap::new();
    for (p, &pr) in d.panels.iter().zip(&d.probs) {
        for id in p {
            *lex.entry(id.as_str()).or_default() += pr;
        }
    }
    let mut tickets: BTreeMap<&str, u32> = BTreeMap::new();
    for ids in &lottery.tickets {
        for id in ids {
            *tickets.entry(id.as_str()).or_default() += 1;
        }
    }
    let lex: Vec<i128> = ids
        .iter()
        .map(|i| lex.get(i.as_str()).copied().unwrap_or(0))
        .collect();
    let tick: Vec<u32> = ids
        .iter()
        .map(|i| tickets.get(i.as_str()).copied().unwrap_or(0))
        .collect();
    let text = step::report_csv(&ids, &lex, &tick, lottery.m() as u32);
    let path = super::output_path(run, &build.outputs, "report");
    if build.output_sha256.get("report") == Some(&Sha256::of(text.as_bytes())) {
        Check::pass(
            name,
            format!(
                "{path}: every applicant's probabilities and tickets recomputed from the distribution and lottery.txt"
            ),
        )
    } else {
        Check::fail(
            name,
            format!(
                "{path} is not what the distribution and lottery.txt give (recomputed per applicant)"
            ),
        )
    }
}

/// What a check that counts attributes says when the pool is not in scope.
pub(super) const NO_POOL: &str = "skipped: counting attributes needs the confidential pool, which a public audit bundle leaves out (an auditor under a confidentiality agreement gets a bundle made with --confidential)";

pub(super) fn checks(run: &Run, setup: &Setup, pool_in_scope: bool) -> Vec<Check> {
    let mut out = Vec::new();
    if run
        .journal()
        .last::<crate::base::journal::LotteryBuild>()
        .is_none()
    {
        return out;
    }
    let (lottery, lsha, entry, build) = match step::commitment(run) {
        Ok(c) => c,
        Err(e) => {
            out.push(Check::fail("lottery commitment", e.to_string()));
            return out;
        }
    };
    let frame: Option<Frame> = if pool_in_scope {
        match step::selection_of(run.journal(), build)
            .and_then(|(e, s)| step::frame(run, setup, e, s))
        {
            Ok(f) => Some(f),
            Err(e) => {
                out.push(Check::fail("lottery commitment", e.to_string()));
                return out;
            }
        }
    } else {
        None
    };
    let lsha_text = lsha.to_string();
    if lottery.m() as u64 != build.m
        || lottery.k as u64 != build.k
        || lottery.process_id != setup.process_id
    {
        out.push(Check::fail(
            "lottery commitment",
            format!(
                "{}: its header (m = {}, k = {}, process {}) is not the lottery entry's (m = {}, k = {}) or the process file's ({})",
                setup.lottery_file().display(),
                lottery.m(),
                lottery.k,
                lottery.process_id,
                build.m,
                build.k,
                setup.process_id
            ),
        ));
        return out;
    }
    out.push(Check::pass(
        "lottery commitment",
        format!(
            "lottery.txt matches the committed SHA-256 {lsha}; it names the pool, quota file and distribution its selection used"
        ),
    ));
    // Every numbered panel against the quotas, with integer counts.
    let distinct: BTreeSet<&Vec<String>> = lottery.tickets.iter().collect();
    match &frame {
        Some(f) => {
            let mut bad = Vec::new();
            let mut seen = BTreeSet::new();
            for (t, ids) in lottery.tickets.iter().enumerate() {
                if seen.insert(ids)
                    && let Err(e) = f.check(ids)
                {
                    bad.push(format!("panel {}: {}", lottery.number_text(t), e.message()));
                }
            }
            out.push(Check::verdict(
                "lottery panels",
                bad,
                format!(
                    "all {} numbered panels ({} different) have {} members and meet every quota",
                    lottery.m(),
                    distinct.len(),
                    lottery.k
                ),
            ));
        }
        None => out.push(Check::skip("lottery panels", NO_POOL)),
    }
    // Fairness of the rounding, recomputed from the distribution.
    let dist = step::selection_of(run.journal(), build)
        .and_then(|(e, _)| run.output(e, "distribution"))
        .and_then(|(path, bytes)| parse_distribution(&bytes, &path));
    match &dist {
        Ok(d) => {
            let m = lottery.m() as i128;
            let mut dev: BTreeMap<&str, i128> = BTreeMap::new();
            for (p, &pr) in d.panels.iter().zip(&d.probs) {
                for id in p {
                    *dev.entry(id.as_str()).or_default() -= m * pr;
                }
            }
            for ids in &lottery.tickets {
                for id in ids {
                    *dev.entry(id.as_str()).or_default() += UNIT;
                }
            }
            let worst = dev.values().map(|v| v.abs()).max().unwrap_or(0) / m;
            let said = build.max_deviation.as_str();
            let text = units_text(worst);
            if text == said {
                out.push(Check::pass(
                    "lottery fairness",
                    format!("largest difference to the distribution's probabilities is {text}, as recorded"),
                ));
            } else {
                out.push(Check::fail(
                    "lottery fairness",
                    format!("largest difference to the distribution's probabilities is {text}, the journal says {said}"),
                ));
            }
        }
        Err(e) => out.push(Check::fail("lottery fairness", e.to_string())),
    }
    if let Ok(d) = &dist {
        out.push(report(run, build, d, &lottery));
    }
    let Some((de, d)) = run.journal().last::<LotteryDraw>() else {
        out.push(Check::pass("lottery draw", "not drawn yet"));
        return out;
    };
    if d.lottery_sha256 != lsha || de.seq <= entry.seq {
        out.push(Check::fail(
            "lottery draw",
            "the draw does not follow the commitment of this lottery in the journal",
        ));
        return out;
    }
    let m = lottery.m() as u64;
    let number = d.number;
    let (number_ok, how) = match (d.source, &d.seed) {
        (Source::Seed, Some(s)) => match Seed::parse(s) {
            Ok(s) => (
                draw::number_from_seed(&s, &lsha_text, m) == number,
                format!("recomputed from seed {}", s.canonical()),
            ),
            Err(e) => (false, e.to_string()),
        },
        (Source::Ceremony, None) => (number < m, "drawn at the public ceremony".to_string()),
        _ => (false, "the source and the seed do not fit".to_string()),
    };
    if !number_ok || number >= m {
        out.push(Check::fail(
            "lottery draw",
            format!("number {number}: {how}: does not match"),
        ));
        return out;
    }
    let panel = &lottery.tickets[number as usize];
    let recorded = |name: &str| d.output_sha256.get(name);
    let same =
        |text: &str, name: &str| recorded(name).is_some_and(|h| Sha256::of(text.as_bytes()) == *h);
    let panel_path = super::output_path(run, &d.outputs, "panel");
    if same(&members_csv(panel, "seat"), "panel")
        && &d.panel == panel
        && d.m == build.m
        && d.number_text == lottery.number_text(number as usize)
    {
        out.push(Check::pass(
            "lottery draw",
            format!(
                "number {} ({how}) gives panel {} of the lottery: the published panel",
                lottery.number_text(number as usize),
                lottery.number_text(number as usize)
            ),
        ));
    } else {
        out.push(Check::fail(
            "lottery draw",
            format!(
                "{panel_path} (or the lottery-draw entry's panel, m or number text) is not the lottery's panel for number {}",
                lottery.number_text(number as usize)
            ),
        ));
    }
    let reserve_seed = match Seed::parse(&d.reserve_seed) {
        Ok(s) => s,
        Err(e) => {
            out.push(Check::fail("reserve order", e.to_string()));
            return out;
        }
    };
    // Everyone in the pool, in pool order: from the pool, or (public bundle) from
    // the selection's probabilities.csv, which lists every applicant in that order.
    let ids: Vec<String> = match &frame {
        Some(f) => f.pool.ids.clone(),
        None => match step::selection_of(run.journal(), build)
            .and_then(|(e, _)| run.output(e, "probabilities"))
            .and_then(|(path, bytes)| crate::select::files::parse_probabilities(&bytes, &path))
        {
            Ok(rows) => rows.into_iter().map(|(id, _)| id).collect(),
            Err(e) => {
                out.push(Check::fail("reserve order", e.to_string()));
                return out;
            }
        },
    };
    let reserve = draw::reserve_order(&reserve_seed, &lsha_text, number, &ids, panel);
    let reserves_path = super::output_path(run, &d.outputs, "reserves");
    if same(&members_csv(&reserve, "rank"), "reserves") && d.reserves == reserve.len() as u64 {
        out.push(Check::pass(
            "reserve order",
            format!(
                "{} people, recomputed from {}{}",
                reserve.len(),
                reserve_seed.canonical(),
                if frame.is_none() {
                    " (the applicants as probabilities.csv lists them)"
                } else {
                    ""
                }
            ),
        ));
    } else {
        out.push(Check::fail(
            "reserve order",
            format!("recomputing the reserve order gives another list than {reserves_path}"),
        ));
        return out;
    }
    // Replacements, replayed in journal order.
    let mut st = Standing::drawn(panel.clone());
    for (_, r) in run.journal().all::<Replace>() {
        let label = format!("replacement {}", r.round);
        let chosen = match &frame {
            Some(f) => match step::choose(f, &st, &reserve, &r.dropped, &r.unavailable) {
                Ok(c) if c == r.replacements => c,
                Ok(c) => {
                    out.push(Check::fail(
                        label,
                        format!(
                            "the rule picks {}, the journal says {}",
                            c.join(", "),
                            r.replacements.join(", ")
                        ),
                    ));
                    return out;
                }
                Err(err) => {
                    out.push(Check::fail(label, err.to_string()));
                    return out;
                }
            },
            None => r.replacements.clone(),
        };
        st.apply(&r.dropped, &chosen, &r.unavailable);
        let ok = r
            .output_sha256
            .get("panel")
            .is_some_and(|h| Sha256::of(members_csv(&st.panel, "seat").as_bytes()) == *h);
        if !ok {
            out.push(Check::fail(
                label,
                format!(
                    "the published panel after this replacement, {}, differs",
                    super::output_path(run, &r.outputs, "panel")
                ),
            ));
            return out;
        }
        match &frame {
            Some(_) => out.push(Check::pass(
                label,
                format!(
                    "{} dropped out, {} replaced from the reserve order as the rule says; the panel meets every quota",
                    r.dropped.len(),
                    chosen.join(", ")
                ),
            )),
            None => out.push(Check::pass(
                label,
                format!(
                    "the published panel is the one before with {} replaced by {}; whether the rule chose them: {NO_POOL}",
                    r.dropped.join(", "),
                    chosen.join(", ")
                ),
            )),
        }
    }
    out
}

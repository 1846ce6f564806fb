//! The lottery's part of `sortes verify`: the commitment before the draw, every
//! numbered panel against the quotas (integers), the rounding's largest difference
//! as recorded, the number and the reserve order recomputed from the public
//! randomness, and every replacement replayed.

use super::Check;
use crate::base::fsio::Sha256;
use crate::base::journal::{LotteryDraw, Replace, Source};
use crate::base::run::Run;
use crate::base::spec::Seed;
use crate::base::text::{UNIT, units_text};
use crate::lottery::draw;
use crate::lottery::step::{self, Setup, Standing, members_csv};
use crate::select::files::parse_distribution;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn checks(run: &Run, setup: &Setup) -> Vec<Check> {
    let mut out = Vec::new();
    if run
        .journal()
        .last::<crate::base::journal::LotteryBuild>()
        .is_none()
    {
        return out;
    }
    let c = match step::committed(run, setup) {
        Ok(c) => c,
        Err(e) => {
            out.push(Check::fail("lottery commitment", e.to_string()));
            return out;
        }
    };
    let lsha = c.sha256.to_string();
    out.push(Check::pass(
        "lottery commitment",
        format!(
            "lottery.txt matches the committed SHA-256 {lsha}; pool and quota file are the ones it was built from"
        ),
    ));
    let f = &c.frame;
    let lottery = &c.lottery;
    // Every numbered panel against the quotas, with integer counts.
    let mut bad = Vec::new();
    let mut distinct: BTreeSet<&Vec<String>> = BTreeSet::new();
    for (t, ids) in lottery.tickets.iter().enumerate() {
        if !distinct.insert(ids) {
            continue;
        }
        if let Err(e) = f.check(ids) {
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
    // Fairness of the rounding, recomputed from the distribution.
    let dist = step::selection_of(run.journal(), c.build)
        .and_then(|(e, _)| run.output(e, "distribution"))
        .and_then(|(path, bytes)| parse_distribution(&bytes, &path));
    match dist {
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
            let said = c.build.max_deviation.as_str();
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
    let Some((de, d)) = run.journal().last::<LotteryDraw>() else {
        out.push(Check::pass("lottery draw", "not drawn yet"));
        return out;
    };
    if d.lottery_sha256 != c.sha256 || de.seq <= c.entry.seq {
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
                draw::number_from_seed(&s, &lsha, m) == number,
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
    let same = |text: crate::base::error::Result<String>, name: &str| {
        text.ok()
            .is_some_and(|t| recorded(name).is_some_and(|h| Sha256::of(t.as_bytes()) == *h))
    };
    if same(members_csv(f, panel, "seat"), "panel") && &d.panel == panel {
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
            "the published panel is not the lottery's panel for the drawn number",
        ));
    }
    let reserve_seed = match Seed::parse(&d.reserve_seed) {
        Ok(s) => s,
        Err(e) => {
            out.push(Check::fail("reserve order", e.to_string()));
            return out;
        }
    };
    let reserve = draw::reserve_order(&reserve_seed, &lsha, number, &f.pool.ids, panel);
    if same(members_csv(f, &reserve, "rank"), "reserves") {
        out.push(Check::pass(
            "reserve order",
            format!(
                "{} people, recomputed from {}",
                reserve.len(),
                reserve_seed.canonical()
            ),
        ));
    } else {
        out.push(Check::fail(
            "reserve order",
            "recomputing the reserve order gives a different list",
        ));
        return out;
    }
    // Replacements, replayed in journal order.
    let mut st = Standing::drawn(panel.clone());
    for (_, r) in run.journal().all::<Replace>() {
        let label = format!("replacement {}", r.round);
        match step::choose(f, &st, &reserve, &r.dropped, &r.unavailable) {
            Ok(chosen) if chosen == r.replacements => {
                st.apply(&r.dropped, &chosen, &r.unavailable);
                let text = members_csv(f, &st.panel, "seat");
                let ok = text.ok().is_some_and(|t| {
                    r.output_sha256
                        .get("panel")
                        .is_some_and(|h| Sha256::of(t.as_bytes()) == *h)
                });
                if ok {
                    out.push(Check::pass(
                        label,
                        format!(
                            "{} dropped out, {} replaced from the reserve order as the rule says; the panel meets every quota",
                            r.dropped.len(),
                            chosen.join(", ")
                        ),
                    ));
                } else {
                    out.push(Check::fail(
                        label,
                        "the published panel after this replacement differs",
                    ));
                    return out;
                }
            }
            Ok(chosen) => {
                out.push(Check::fail(
                    label,
                    format!(
                        "the rule picks {}, the journal says {}",
                        chosen.join(", "),
                        r.replacements.join(", ")
                    ),
                ));
                return out;
            }
            Err(err) => {
                out.push(Check::fail(label, err.to_string()));
                return out;
            }
        }
    }
    out
}

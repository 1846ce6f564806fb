//! The selection's and the lottery's part of `sortes verify`: the distribution's panels
//! against the quotas and the applicants' probabilities against the distribution; the
//! lottery's commitment before the draw, every numbered panel against the quotas
//! (integers), the number and the reserve order recomputed from the public randomness,
//! and every replacement replayed.

use super::step::{self, Frame, Layout, Standing, members_csv};
use super::{DistributionFile, draw, parse_units, read_distribution, round};
use crate::draw::run::{recorded, str_of, u64_of};
use crate::fsio;
use crate::journal::Journal;
use crate::spec::Seed;
use crate::verify::Check;
use serde_json::{Map, Value};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// What the selection and lottery checks both need, read at most once: pool, quotas
/// and instance, and the distribution the latest LEXIMIN/MAXIMIN selection recorded.
struct Inputs<'a> {
    l: &'a Layout,
    select: Option<&'a Map<String, Value>>,
    dist_path: Option<PathBuf>,
    frame: OnceCell<Result<Frame, String>>,
    dist: OnceCell<Result<DistributionFile, String>>,
}

impl<'a> Inputs<'a> {
    fn new(l: &'a Layout, j: &'a Journal) -> Self {
        let select = j
            .of_step("select")
            .filter(|e| str_of(e, "algorithm") != "legacy")
            .last();
        let dist_path = select
            .map(|e| recorded(e, "distribution").0)
            .filter(|rel| !rel.is_empty())
            .map(|rel| l.paths.out.join(rel));
        Inputs {
            l,
            select,
            dist_path,
            frame: OnceCell::new(),
            dist: OnceCell::new(),
        }
    }

    fn frame(&self) -> Result<&Frame, &str> {
        self.frame
            .get_or_init(|| step::frame(self.l).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// None when no selection recorded a distribution.
    fn dist(&self) -> Option<Result<&DistributionFile, &str>> {
        let path = self.dist_path.as_ref()?;
        Some(
            self.dist
                .get_or_init(|| read_distribution(path).map_err(|e| e.to_string()))
                .as_ref()
                .map_err(String::as_str),
        )
    }
}

/// The selection's and the lottery's checks (see [`selection_checks`] and [`checks`]).
pub fn all(l: &Layout, j: &Journal) -> Vec<Check> {
    let inputs = Inputs::new(l, j);
    let mut out = selection_checks(&inputs);
    out.extend(checks(j, &inputs));
    out
}

/// The latest LEXIMIN or MAXIMIN selection, checked without a solver (its optimality is
/// not re-proved; what can be checked exactly is): every panel of `distribution.csv` is
/// made of pool members, has k of them and meets every quota and the household rule
/// (integer counts); the probabilities sum to 1; and every applicant's probability in
/// `probabilities.csv` is the sum over the panels that include them. Probabilities are
/// written with 12 decimals: each panel's is off by at most half a unit of the 12th
/// decimal, and `read_distribution` moves the sum's difference to 1 (at most half a unit
/// per panel) to one panel, so an applicant's sum may differ from the listed value by up
/// to one unit per panel (plus the listed value's own rounding); that is the tolerance.
fn selection_checks(inputs: &Inputs<'_>) -> Vec<Check> {
    let mut out = Vec::new();
    let (Some(sel), Some(dist_path)) = (inputs.select, &inputs.dist_path) else {
        return out;
    };
    let l = inputs.l;
    for (path, key, what) in [
        (&l.quota_path, "quotas_sha256", "quota file"),
        (&l.pool_file(), "pool_sha256", "pool"),
    ] {
        if fsio::sha256_file(path).unwrap_or_default() != str_of(sel, key) {
            out.push(Check::fail(
                "selection panels",
                format!(
                    "the {what} {} is not the one the selection used",
                    path.display()
                ),
            ));
            return out;
        }
    }
    // read_distribution refuses probabilities that do not sum to 1 (within rounding).
    let (f, d) = match (inputs.frame(), inputs.dist()) {
        (Ok(f), Some(Ok(d))) => (f, d),
        (Err(e), _) | (_, Some(Err(e))) => {
            out.push(Check::fail("selection panels", e));
            return out;
        }
        (Ok(_), None) => return out,
    };
    let mut bad = Vec::new();
    let mut sums: BTreeMap<&str, i128> = BTreeMap::new();
    for (pi, (p, &pr)) in d.panels.iter().zip(&d.probs).enumerate() {
        if let Err(e) = f.check(p) {
            bad.push(format!("panel {pi} (line {}): {e}", pi + 2));
        }
        for id in p {
            *sums.entry(id.as_str()).or_default() += pr;
        }
    }
    let n = d.panels.len() as i128;
    out.push(Check::verdict(
        "selection panels",
        bad,
        format!(
            "all {n} panels of the distribution have {} pool members and meet every quota; the probabilities sum to 1",
            l.k
        ),
    ));
    let prob_path = dist_path.with_file_name("probabilities.csv");
    let Ok(text) = std::fs::read(&prob_path) else {
        return out;
    };
    let mut bad = Vec::new();
    let mut listed = 0usize;
    let mut lowest = i128::MAX;
    let mut rdr = csv::Reader::from_reader(text.as_slice());
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) if r.len() == 2 => r,
            _ => {
                bad.push(format!("line {line}: not pool_id,probability"));
                continue;
            }
        };
        let id = &rec[0];
        let Some(p) = parse_units(&rec[1]) else {
            bad.push(format!("line {line}: {:?} is not a probability", &rec[1]));
            continue;
        };
        listed += 1;
        lowest = lowest.min(p);
        let sum = sums.get(id).copied().unwrap_or(0);
        if (p - sum).abs() > n + 1 {
            bad.push(format!(
                "{id}: listed {}, the panels give {}",
                step::units_text(p),
                step::units_text(sum)
            ));
        }
    }
    if listed != f.pool.ids.len() {
        bad.push(format!(
            "{listed} applicants listed, the pool has {}",
            f.pool.ids.len()
        ));
    }
    out.push(Check::verdict(
        "selection probabilities",
        bad,
        format!(
            "{listed} applicants' probabilities are the sums over the distribution's panels (lowest {})",
            step::units_text(lowest)
        ),
    ));
    out
}

fn checks(j: &Journal, inputs: &Inputs<'_>) -> Vec<Check> {
    let l = inputs.l;
    let mut out = Vec::new();
    if j.of_step("lottery").next().is_none() {
        return out;
    }
    let (lottery, lsha, entry) = match step::committed(l, j) {
        Ok(x) => x,
        Err(e) => {
            out.push(Check::fail("lottery commitment", e.to_string()));
            return out;
        }
    };
    out.push(Check::pass(
        "lottery commitment",
        format!(
            "lottery.txt matches the committed SHA-256 {lsha}; pool and quota file are the ones it was built from"
        ),
    ));
    let f = match inputs.frame() {
        Ok(f) => f,
        Err(e) => {
            out.push(Check::fail("lottery panels", e));
            return out;
        }
    };
    // Every numbered panel against the quotas, with integer counts.
    let mut bad = Vec::new();
    let mut distinct: BTreeSet<&Vec<String>> = BTreeSet::new();
    for (t, ids) in lottery.tickets.iter().enumerate() {
        if !distinct.insert(ids) {
            continue;
        }
        if let Err(e) = f.check(ids) {
            bad.push(format!("panel {}: {e}", lottery.number_text(t)));
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
    if let Some(Ok(d)) = inputs.dist() {
        let m = lottery.m() as i128;
        let mut dev: BTreeMap<&str, i128> = BTreeMap::new();
        for (p, &pr) in d.panels.iter().zip(&d.probs) {
            for id in p {
                *dev.entry(id.as_str()).or_default() -= m * pr;
            }
        }
        for ids in &lottery.tickets {
            for id in ids {
                *dev.entry(id.as_str()).or_default() += round::UNIT;
            }
        }
        let worst = dev.values().map(|v| v.abs()).max().unwrap_or(0) / m;
        let said = str_of(&entry, "max_deviation");
        let text = step::units_text(worst);
        if text == said {
            out.push(Check::pass(
                "lottery fairness",
                format!("largest difference to the LEXIMIN probabilities is {text}, as recorded"),
            ));
        } else {
            out.push(Check::fail(
                "lottery fairness",
                format!("largest difference to the LEXIMIN probabilities is {text}, the journal says {said}"),
            ));
        }
    }
    let Some(d) = j.of_step("lottery-draw").last() else {
        out.push(Check::pass("lottery draw", "not drawn yet"));
        return out;
    };
    if str_of(d, "lottery_sha256") != lsha || u64_of(d, "seq") <= u64_of(&entry, "seq") {
        out.push(Check::fail(
            "lottery draw",
            "the draw does not follow the commitment of this lottery in the journal",
        ));
        return out;
    }
    let m = lottery.m() as u64;
    let number = d.get("number").and_then(Value::as_u64).unwrap_or(u64::MAX);
    let (number_ok, how) = match str_of(d, "source") {
        "seed" => match Seed::parse(str_of(d, "seed")) {
            Ok(s) => (
                draw::number_from_seed(&s, &lsha, m) == number,
                format!("recomputed from seed {}", s.canonical()),
            ),
            Err(e) => (false, e.to_string()),
        },
        "ceremony" => (number < m, "drawn at the public ceremony".to_string()),
        other => (false, format!("unknown source {other:?}")),
    };
    if !number_ok {
        out.push(Check::fail(
            "lottery draw",
            format!("number {number}: {how}: does not match"),
        ));
        return out;
    }
    let panel = &lottery.tickets[number as usize];
    let panel_bytes = members_csv(f, panel, "seat");
    let want_panel = recorded(d, "panel").1;
    let journal_panel = step::ids_of(d, "panel");
    if fsio::sha256_hex(panel_bytes.as_bytes()) == want_panel && &journal_panel == panel {
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
    let reserve_seed = match Seed::parse(str_of(d, "reserve_seed")) {
        Ok(s) => s,
        Err(e) => {
            out.push(Check::fail("reserve order", e.to_string()));
            return out;
        }
    };
    let reserve = draw::reserve_order(&reserve_seed, &lsha, number, &f.pool.ids, panel);
    if fsio::sha256_hex(members_csv(f, &reserve, "rank").as_bytes()) == recorded(d, "reserves").1 {
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
    for e in j.of_step("replace") {
        let round_no = u64_of(e, "round");
        let label = format!("replacement {round_no}");
        let ids = |k: &str| step::ids_of(e, k);
        let (dropped, unavailable, said) =
            (ids("dropped"), ids("unavailable"), ids("replacements"));
        match step::choose(f, &st, &reserve, &dropped, &unavailable) {
            Ok(chosen) if chosen == said => {
                st.apply(&dropped, &chosen, &unavailable);
                let bytes = members_csv(f, &st.panel, "seat");
                if fsio::sha256_hex(bytes.as_bytes()) == recorded(e, "panel").1 {
                    out.push(Check::pass(
                        label,
                        format!(
                            "{} dropped out, {} replaced from the reserve order as the rule says; the panel meets every quota",
                            dropped.len(),
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
                        said.join(", ")
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

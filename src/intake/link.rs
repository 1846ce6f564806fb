//! The intake in four phases, each a function: (1) every row's code, (2) the latest
//! reply per invitee, (3) withdrawal, consent and answers of the counted replies,
//! (4) pool order, pool ids and households. Every row ends in exactly one of the
//! pool and the rejects.

use super::answers::{match_attribute, parse_timestamp, suggest_code};
use super::reasons::RejectReason;
use super::summary::DuplicateNote;
use super::{IntakeReject, PoolRow};
use crate::base::error::{Error, Result};
use crate::base::process::IntakeConfig;
use crate::base::table::Table;
use crate::base::text::fold;
use crate::draw::codes::{CodeProblem, parse_code};
use crate::draw::invitees::Invitee;
use std::collections::{BTreeMap, BTreeSet};

/// Column indices of the applications file.
pub(super) struct Columns {
    pub code: usize,
    pub consent: usize,
    pub withdrawn: Option<usize>,
    pub submitted: Option<usize>,
    pub attributes: Vec<usize>,
    /// Contact columns, then the availability column.
    pub private: Vec<usize>,
}

impl Columns {
    /// Finds every configured column; one error names all missing ones.
    pub fn find(cfg: &IntakeConfig, t: &Table) -> Result<Columns> {
        let attr_what: Vec<String> = cfg
            .attributes
            .iter()
            .map(|a| format!("attribute {}", a.name))
            .collect();
        let mut wanted: Vec<(&str, &str)> = vec![
            (&cfg.code_column, "intake.code_column"),
            (&cfg.consent_column, "intake.consent_column"),
        ];
        let optional = [
            (&cfg.withdrawn_column, "intake.withdrawn_column"),
            (&cfg.submitted_column, "intake.submitted_column"),
            (&cfg.availability_column, "intake.availability_column"),
        ];
        for (c, what) in &optional {
            if let Some(c) = c {
                wanted.push((c, what));
            }
        }
        for (a, what) in cfg.attributes.iter().zip(&attr_what) {
            wanted.push((&a.column, what));
        }
        for c in &cfg.contact_columns {
            wanted.push((c, "intake.contact_columns"));
        }
        // `columns` returns one index per wanted column, in order.
        let mut idx = t.columns(&wanted)?.into_iter();
        let mut next = || {
            idx.next()
                .ok_or_else(|| Error::internal("fewer column indices than columns asked for"))
        };
        let code = next()?;
        let consent = next()?;
        let mut opt = [None; 3];
        for (slot, (c, _)) in opt.iter_mut().zip(&optional) {
            if c.is_some() {
                *slot = Some(next()?);
            }
        }
        let attributes = cfg
            .attributes
            .iter()
            .map(|_| next())
            .collect::<Result<_>>()?;
        let mut private: Vec<usize> = cfg
            .contact_columns
            .iter()
            .map(|_| next())
            .collect::<Result<_>>()?;
        private.extend(opt[2]);
        Ok(Columns {
            code,
            consent,
            withdrawn: opt[0],
            submitted: opt[1],
            attributes,
            private,
        })
    }
}

/// Issued codes → index of the invitee.
pub(super) fn issued_codes(invitees: &[Invitee]) -> Result<BTreeMap<String, usize>> {
    let mut by_code = BTreeMap::new();
    for (i, inv) in invitees.iter().enumerate() {
        let code = parse_code(&inv.application_code).map_err(|_| {
            Error::input(inv.location(), "an invitee has an invalid application code")
        })?;
        if by_code.insert(code, i).is_some() {
            return Err(Error::input(
                inv.location(),
                "two invitees have the same application code; is a file given twice?",
            ));
        }
    }
    Ok(by_code)
}

/// A reply whose code names an invitee.
pub(super) struct Candidate {
    pub row: usize,
    pub invitee: usize,
    pub code: String,
    pub submitted: Option<[u32; 6]>,
}

/// The rejects as they are found, each with the code as typed.
pub(super) struct Rejects<'a> {
    t: &'a Table,
    code_col: usize,
    pub list: Vec<IntakeReject>,
}

impl<'a> Rejects<'a> {
    pub fn new(t: &'a Table, code_col: usize) -> Self {
        Rejects {
            t,
            code_col,
            list: Vec::new(),
        }
    }
    pub fn add(&mut self, row: usize, reason: RejectReason) {
        let r = &self.t.rows[row];
        self.list.push(IntakeReject {
            line: r.line,
            code_typed: r.get(self.code_col).to_string(),
            reason,
        });
    }
}

/// Phase 1: the code of every row (broken rows, missing, malformed or unknown codes
/// are rejected; a one-typo code gets its suggestion), and its submission time.
pub(super) fn codes(
    t: &Table,
    cols: &Columns,
    by_code: &BTreeMap<String, usize>,
    rejects: &mut Rejects<'_>,
) -> Result<Vec<Candidate>> {
    let mut candidates = Vec::new();
    for (ri, row) in t.rows.iter().enumerate() {
        if row.cells.len() != t.header.len() {
            rejects.add(
                ri,
                RejectReason::BrokenRow {
                    fields: row.cells.len(),
                    expected: t.header.len(),
                },
            );
            continue;
        }
        let typed = row.get(cols.code);
        if typed.is_empty() {
            rejects.add(ri, RejectReason::NoCode);
            continue;
        }
        let code = match parse_code(typed) {
            Ok(c) => c,
            Err(p) => {
                let problem = match p {
                    CodeProblem::Malformed(m) => m,
                    CodeProblem::CheckFailed => {
                        "the check character does not match (a typo?)".to_string()
                    }
                };
                let suggestion = suggest_code(typed, by_code.keys().map(String::as_str));
                rejects.add(
                    ri,
                    RejectReason::InvalidCode {
                        problem,
                        suggestion,
                    },
                );
                continue;
            }
        };
        let Some(&invitee) = by_code.get(&code) else {
            rejects.add(ri, RejectReason::UnknownCode);
            continue;
        };
        let submitted = match cols.submitted {
            Some(c) if !row.get(c).is_empty() => {
                let v = row.get(c);
                Some(parse_timestamp(v).ok_or_else(|| {
                    Error::input(
                        t.at(row, c),
                        format!(
                            "{v:?} is not a time sortes can read (e.g. 2025-03-14 10:22 or 14.03.2025 10:22)"
                        ),
                    )
                })?)
            }
            _ => None,
        };
        candidates.push(Candidate {
            row: ri,
            invitee,
            code,
            submitted,
        });
    }
    Ok(candidates)
}

/// Phase 2: of several replies for one code the later counts (by submission time
/// when every reply of the group has one, else by line); the others are superseded.
/// Returns the counted candidates (in invitee order) and the duplicate notes.
pub(super) fn latest(
    t: &Table,
    candidates: &[Candidate],
    rejects: &mut Rejects<'_>,
) -> (Vec<usize>, Vec<DuplicateNote>) {
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, c) in candidates.iter().enumerate() {
        groups.entry(c.invitee).or_default().push(k);
    }
    let mut winners = Vec::new();
    let mut duplicates = Vec::new();
    for members in groups.values() {
        let all_timed = members.iter().all(|&k| candidates[k].submitted.is_some());
        let key = |k: usize| {
            let c = &candidates[k];
            let ts = if all_timed { c.submitted } else { None };
            (ts, t.rows[c.row].line)
        };
        let Some(&win) = members.iter().max_by_key(|&&k| key(k)) else {
            continue;
        };
        winners.push(win);
        if members.len() > 1 {
            let by_line = t.rows[candidates[win].row].line;
            let mut superseded = Vec::new();
            for &k in members.iter().filter(|&&k| k != win) {
                superseded.push(t.rows[candidates[k].row].line);
                rejects.add(candidates[k].row, RejectReason::Superseded { by_line });
            }
            superseded.sort_unstable();
            duplicates.push(DuplicateNote {
                line: by_line,
                superseded,
                in_pool: false,
            });
        }
    }
    (winners, duplicates)
}

/// Phase 3: the counted replies — withdrawal, consent (a yes value; empty or unclear
/// is no consent) and the answers. Register attributes come from the invitee row.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_replies(
    cfg: &IntakeConfig,
    t: &Table,
    cols: &Columns,
    invitees: &[Invitee],
    candidates: &[Candidate],
    winners: &[usize],
    register_attrs: &[String],
    rejects: &mut Rejects<'_>,
) -> Result<Vec<PoolRow>> {
    let mut pool = Vec::new();
    for &k in winners {
        let c = &candidates[k];
        let row = &t.rows[c.row];
        if let Some(w) = cols.withdrawn {
            let v = row.get(w);
            if cfg.is_yes(v) {
                rejects.add(c.row, RejectReason::Withdrawn);
                continue;
            }
            if !v.is_empty() && !cfg.is_no(v) {
                rejects.add(
                    c.row,
                    RejectReason::UnclearWithdrawal {
                        value: v.to_string(),
                    },
                );
                continue;
            }
        }
        let consent = row.get(cols.consent);
        if !cfg.is_yes(consent) {
            rejects.add(
                c.row,
                RejectReason::NoConsent {
                    value: consent.to_string(),
                },
            );
            continue;
        }
        let inv = &invitees[c.invitee];
        let mut attributes = Vec::with_capacity(register_attrs.len() + cfg.attributes.len());
        for a in register_attrs {
            // The configuration check allows invitee columns only.
            let v = inv
                .field(a)
                .ok_or_else(|| Error::internal(format!("{a:?} is not a column of invitees.csv")))?;
            attributes.push(v.to_string());
        }
        let mut problems = Vec::new();
        for (a, &col) in cfg.attributes.iter().zip(&cols.attributes) {
            match match_attribute(a, row.get(col)) {
                Ok(v) => attributes.push(v),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            rejects.add(c.row, RejectReason::Attributes(problems));
            continue;
        }
        pool.push(PoolRow {
            pool_id: String::new(),
            household: String::new(),
            attributes,
            code: c.code.clone(),
            line: row.line,
            private: cols
                .private
                .iter()
                .map(|&i| row.get(i).to_string())
                .collect(),
        });
    }
    Ok(pool)
}

/// Normalised address of an invitee (street by [`fold`], house number without
/// spaces, postcode), or None when street or postcode is empty.
pub fn household_key(inv: &Invitee) -> Option<(String, String, String)> {
    let street = fold(&inv.street);
    let postcode: String = inv.postcode.split_whitespace().collect();
    if street.is_empty() || postcode.is_empty() {
        return None;
    }
    let number: String = fold(&inv.house_number)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some((street, number, postcode))
}

/// Phase 4: pool order (application codes), ids P0001 …, and households among the
/// pool members: `household` is the pool id of the first member at the same address
/// when at least two members live there.
pub(super) fn number_pool(
    cfg: &IntakeConfig,
    pool: &mut [PoolRow],
    by_code: &BTreeMap<String, usize>,
    invitees: &[Invitee],
) {
    pool.sort_by(|a, b| a.code.cmp(&b.code));
    let width = pool.len().to_string().len().max(4);
    for (i, p) in pool.iter_mut().enumerate() {
        p.pool_id = format!("P{:0width$}", i + 1);
    }
    if !cfg.household_rule {
        return;
    }
    let key_of = |p: &PoolRow| {
        by_code
            .get(&p.code)
            .and_then(|&j| household_key(&invitees[j]))
    };
    let mut first: BTreeMap<(String, String, String), (usize, usize)> = BTreeMap::new();
    for (i, p) in pool.iter().enumerate() {
        if let Some(key) = key_of(p) {
            first.entry(key).or_insert((i, 0)).1 += 1;
        }
    }
    let heads: Vec<Option<usize>> = pool
        .iter()
        .map(|p| {
            key_of(p)
                .and_then(|key| first.get(&key).copied())
                .and_then(|(h, n)| (n > 1).then_some(h))
        })
        .collect();
    for (i, h) in heads.into_iter().enumerate() {
        if let Some(h) = h {
            pool[i].household = pool[h].pool_id.clone();
        }
    }
}

/// Marks which duplicates ended in the pool, and sorts the notes and rejects by line.
pub(super) fn finish(
    pool: &[PoolRow],
    duplicates: &mut [DuplicateNote],
    rejects: &mut [IntakeReject],
) {
    let pool_lines: BTreeSet<u64> = pool.iter().map(|p| p.line).collect();
    for d in duplicates.iter_mut() {
        d.in_pool = pool_lines.contains(&d.line);
    }
    duplicates.sort_by_key(|d| d.line);
    rejects.sort_by_key(|r| r.line);
}

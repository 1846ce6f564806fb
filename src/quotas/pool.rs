//! Pools of applicants and matching them to a quota file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::QuotaFile;
use super::text::{closest, key, list, read_table};
use crate::error::{Error, Location, Result};
use crate::select::Instance;

/// A pool of applicants read from a CSV file.
///
/// `ids[i]`, `rows[i]`, `households[i]` and `lines[i]` describe applicant `i` (the agent index
/// of [`build_instance`]); `rows[i][j]` is the (trimmed) cell in `columns[j]`; `lines[i]` is its
/// line in `path` (line 1 is the header).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pool {
    pub ids: Vec<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Household key of each applicant (`None`: no household column or an empty cell).
    pub households: Vec<Option<String>>,
    pub path: PathBuf,
    pub lines: Vec<u64>,
}

impl Pool {
    /// Index of `name` among [`Pool::columns`] (case-insensitive, trimmed).
    pub fn column(&self, name: &str) -> Option<usize> {
        let k = key(name);
        self.columns.iter().position(|c| key(c) == k)
    }

    /// Adds a column `new_column` whose value is the group of each applicant's value in
    /// `source_column`, e.g. a `bezirksgruppe` from `stadtbezirk` with
    /// [`super::dortmund::DISTRICT_GROUPS`]. Values match the group members case-insensitively;
    /// an applicant whose value is in no group is an error (file, line, column, closest member).
    pub fn add_group_column(
        &mut self,
        source_column: &str,
        new_column: &str,
        groups: &[(&str, &[&str])],
    ) -> Result<()> {
        let Some(src) = self.column(source_column) else {
            return Err(self.missing_column(source_column));
        };
        if self.column(new_column).is_some() {
            return Err(Error::input(
                Location::line(&self.path, 1),
                format!("the pool already has a column \"{new_column}\""),
            ));
        }
        let mut member: BTreeMap<String, &str> = BTreeMap::new();
        for (group, members) in groups {
            for m in *members {
                member.insert(key(m), group);
            }
        }
        let mut added = Vec::with_capacity(self.rows.len());
        for (i, row) in self.rows.iter().enumerate() {
            let v = &row[src];
            match member.get(&key(v)) {
                Some(g) => added.push((*g).to_string()),
                None => {
                    let all = groups.iter().flat_map(|(_, m)| m.iter().copied());
                    let hint = closest(v, all).unwrap_or("");
                    return Err(Error::input(
                        Location::at(&self.path, self.lines[i], self.columns[src].clone()),
                        format!(
                            "\"{v}\" belongs to none of the groups of {new_column}; did you mean \"{hint}\"?"
                        ),
                    ));
                }
            }
        }
        self.columns.push(new_column.to_string());
        for (row, g) in self.rows.iter_mut().zip(added) {
            row.push(g);
        }
        Ok(())
    }

    fn missing_column(&self, name: &str) -> Error {
        Error::input(
            Location::line(&self.path, 1),
            format!(
                "the pool has no column \"{name}\"; its columns are {}",
                list(self.columns.iter().map(String::as_str))
            ),
        )
    }
}

/// Reads a pool of applicants: a CSV file (UTF-8) with a header row, delimiter `,`, `;` or
/// tab (detected from the header line).
///
/// `id_column` (case-insensitive) holds a non-empty, unique id per applicant (duplicates are
/// an error naming both lines). `household_column`, if given, holds a household key (e.g. the
/// address): applicants with the same non-empty key — compared case-insensitively, trimmed,
/// inner white space collapsed — may not both be selected. Cells are trimmed.
pub fn read_pool(path: &Path, id_column: &str, household_column: Option<&str>) -> Result<Pool> {
    let table = read_table(path, b",;\t")?;
    let mut pool = Pool {
        columns: table.header.clone(),
        path: path.to_path_buf(),
        ..Pool::default()
    };
    let Some(id_col) = table.column(id_column) else {
        return Err(pool.missing_column(id_column));
    };
    let hh_col = match household_column {
        Some(h) => match table.column(h) {
            Some(c) => Some(c),
            None => return Err(pool.missing_column(h)),
        },
        None => None,
    };
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for (line, cells) in table.rows {
        let id = cells[id_col].clone();
        let at = Location::at(path, line, table.header[id_col].clone());
        if id.is_empty() {
            return Err(Error::input(at, "the applicant id is empty"));
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(Error::input(
                at,
                format!("the id \"{id}\" is given twice, on line {first} and on line {line}"),
            ));
        }
        let hh = hh_col.map(|c| cells[c].clone()).filter(|h| !h.is_empty());
        pool.ids.push(id);
        pool.households.push(hh);
        pool.lines.push(line);
        pool.rows.push(cells);
    }
    Ok(pool)
}

/// Reads `respondents.csv` of a research-layout directory (one column per category, no id
/// column): the id of an applicant is its 0-based row number, there are no households.
pub fn read_research_pool(dir: &Path) -> Result<Pool> {
    let path = dir.join("respondents.csv");
    let table = read_table(&path, b",;\t")?;
    let n = table.rows.len();
    let mut pool = Pool {
        ids: (0..n).map(|i| i.to_string()).collect(),
        columns: table.header,
        households: vec![None; n],
        path,
        ..Pool::default()
    };
    for (line, cells) in table.rows {
        pool.lines.push(line);
        pool.rows.push(cells);
    }
    Ok(pool)
}

/// Matches a pool to a quota file and builds the selection instance for panel size `k`.
///
/// * Each quota category is looked up among the pool's columns case-insensitively; a category
///   without a column is an error listing the pool's columns.
/// * Each applicant's cell must be one of the category's values, compared case-insensitively
///   after trimming (and Unicode NFC); otherwise the error names the pool file, line, column,
///   the value and the closest known value.
/// * Category and value names, order and bounds come from the quota file; agent `i` is
///   `pool.ids[i]`.
/// * Households: applicants with the same non-empty household key share one household id
///   (numbered in order of first appearance); `households` is `None` when no applicant has a key.
///
/// The bounds are not checked against `k` here (see [`super::check_against_k`] and
/// [`crate::select::feasibility`]).
pub fn build_instance(qf: &QuotaFile, k: usize, pool: &Pool) -> Result<Instance> {
    let mut cols = Vec::with_capacity(qf.categories.len());
    let mut lookup: Vec<BTreeMap<String, usize>> = Vec::with_capacity(qf.categories.len());
    for c in &qf.categories {
        let Some(col) = pool.column(&c.name) else {
            return Err(pool.missing_column(&c.name));
        };
        cols.push(col);
        lookup.push(
            c.values
                .iter()
                .enumerate()
                .map(|(i, v)| (key(&v.value), i))
                .collect(),
        );
    }
    let mut agents = Vec::with_capacity(pool.rows.len());
    for (i, row) in pool.rows.iter().enumerate() {
        let mut a = Vec::with_capacity(cols.len());
        for (c, &col) in cols.iter().enumerate() {
            let cell = row.get(col).map_or("", String::as_str);
            match lookup[c].get(&key(cell)) {
                Some(&v) => a.push(v),
                None => {
                    let cat = &qf.categories[c];
                    let known = cat.values.iter().map(|v| v.value.as_str());
                    let line = pool.lines.get(i).copied().unwrap_or(0);
                    let loc = Location::at(&pool.path, line, pool.columns[col].clone());
                    let msg = if cell.is_empty() {
                        format!(
                            "the {} of applicant \"{}\" is empty; the quota file knows {}",
                            cat.name,
                            pool.ids.get(i).map_or("", String::as_str),
                            list(known)
                        )
                    } else {
                        let hint = closest(cell, known.clone()).unwrap_or("");
                        format!(
                            "\"{cell}\" is not a value of {} in the quota file; did you mean \"{hint}\"? (known: {})",
                            cat.name,
                            list(known)
                        )
                    };
                    return Err(Error::input(loc, msg));
                }
            }
        }
        agents.push(a);
    }
    let households = if pool.households.iter().any(Option::is_some) {
        let mut ids: BTreeMap<String, u32> = BTreeMap::new();
        let mut out = Vec::with_capacity(pool.rows.len());
        for h in &pool.households {
            out.push(match h {
                Some(h) => {
                    let next = u32::try_from(ids.len()).map_err(|_| {
                        Error::input(Location::file(&pool.path), "too many households")
                    })?;
                    Some(*ids.entry(key(h)).or_insert(next))
                }
                None => None,
            });
        }
        // Pad in case `households` is shorter than the pool (hand-built pools).
        out.resize(pool.rows.len(), None);
        Some(out)
    } else {
        None
    };
    Ok(Instance {
        k,
        categories: qf.to_select_categories(),
        agents,
        households,
    })
}

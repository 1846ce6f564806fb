//! Pools of applicants and matching them to a quota file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::base::error::{Error, Location, Result};
use crate::base::table::{Options, Table};
use crate::base::text::{fold as key, quoted_list as list};

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
                    let hint = crate::base::text::did_you_mean(v, all);
                    return Err(Error::input(
                        Location::at(&self.path, self.lines[i], self.columns[src].clone()),
                        format!("\"{v}\" belongs to none of the groups of {new_column}{hint}"),
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

    pub fn missing_column(&self, name: &str) -> Error {
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
    parse_pool(
        path,
        &crate::base::fsio::read(path)?,
        id_column,
        household_column,
    )
}

/// [`read_pool`] on bytes read from `path` (through the run handle, in a process).
pub fn parse_pool(
    path: &Path,
    bytes: &[u8],
    id_column: &str,
    household_column: Option<&str>,
) -> Result<Pool> {
    let table = Table::parse(path, bytes, &Options::csv())?;
    let mut pool = Pool {
        columns: table.header.clone(),
        path: path.to_path_buf(),
        ..Pool::default()
    };
    let Some(id_col) = table.find(id_column) else {
        return Err(pool.missing_column(id_column));
    };
    let hh_col = match household_column {
        Some(h) => match table.find(h) {
            Some(c) => Some(c),
            None => return Err(pool.missing_column(h)),
        },
        None => None,
    };
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for row in table.rows {
        let (line, cells) = (row.line, row.cells);
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
    let bytes = crate::base::fsio::read(&path)?;
    parse_research_pool(&path, &bytes)
}

/// [`read_research_pool`] on the bytes of a `respondents.csv` read from `path`.
pub fn parse_research_pool(path: &Path, bytes: &[u8]) -> Result<Pool> {
    let table = Table::parse(path, bytes, &Options::csv())?;
    let n = table.rows.len();
    let mut pool = Pool {
        ids: (0..n).map(|i| i.to_string()).collect(),
        columns: table.header,
        households: vec![None; n],
        path: path.to_path_buf(),
        ..Pool::default()
    };
    for row in table.rows {
        pool.lines.push(row.line);
        pool.rows.push(row.cells);
    }
    Ok(pool)
}

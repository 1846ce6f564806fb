//! Reading instances from CSV files.
//!
//! * Research format (pgoelz/citizensassemblies-replication): `categories.csv` with header
//!   `category,feature,min,max` and `respondents.csv` with one column per category and no id
//!   column (agent id = 0-based row).
//! * Sortition-foundation format: `features.csv` with header
//!   `feature,value,min,max[,min_flex,max_flex]` and a candidates CSV with an id column and one
//!   column per feature; values are matched case-insensitively.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Category, Instance, QuotaValue};

fn open(path: &Path) -> Result<csv::Reader<std::fs::File>, String> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn header_index(headers: &csv::StringRecord, name: &str, path: &Path) -> Result<usize, String> {
    headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("{}: missing column {name}", path.display()))
}

fn parse_u32(s: &str, what: &str, path: &Path, line: usize) -> Result<u32, String> {
    s.parse::<u32>().map_err(|_| {
        format!(
            "{}:{line}: {what} {s:?} is not a non-negative integer",
            path.display()
        )
    })
}

/// Quota table: (category, value, min, max) rows, columns given by name.
fn read_quotas(
    path: &Path,
    cols: [&str; 4],
    case_insensitive: bool,
) -> Result<Vec<Category>, String> {
    let mut rdr = open(path)?;
    let headers = rdr
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let idx: Vec<usize> = cols
        .iter()
        .map(|c| header_index(&headers, c, path))
        .collect::<Result<_, _>>()?;
    let mut cats: Vec<Category> = Vec::new();
    for (r, rec) in rdr.records().enumerate() {
        let line = r + 2;
        let rec = rec.map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        let get = |j: usize| rec.get(idx[j]).unwrap_or("").to_string();
        let (cname, vname) = (get(0), get(1));
        if cname.is_empty() || vname.is_empty() {
            return Err(format!(
                "{}:{line}: empty category or value",
                path.display()
            ));
        }
        let min = parse_u32(&get(2), "min", path, line)?;
        let max = parse_u32(&get(3), "max", path, line)?;
        if min > max {
            return Err(format!("{}:{line}: min {min} > max {max}", path.display()));
        }
        let same = |a: &str, b: &str| {
            if case_insensitive {
                a.to_lowercase() == b.to_lowercase()
            } else {
                a == b
            }
        };
        let pos = match cats.iter().position(|c| same(&c.name, &cname)) {
            Some(p) => p,
            None => {
                cats.push(Category {
                    name: cname,
                    values: Vec::new(),
                });
                cats.len() - 1
            }
        };
        if cats[pos].values.iter().any(|v| same(&v.name, &vname)) {
            return Err(format!(
                "{}:{line}: duplicate value {vname} in category {}",
                path.display(),
                cats[pos].name
            ));
        }
        cats[pos].values.push(QuotaValue {
            name: vname,
            min,
            max,
        });
    }
    if cats.is_empty() {
        return Err(format!("{}: no quota rows", path.display()));
    }
    Ok(cats)
}

/// Value indices per agent, the header and the raw records of a candidates file.
type AgentTable = (Vec<Vec<usize>>, csv::StringRecord, Vec<csv::StringRecord>);

/// Agents' value indices from a CSV with one column per category. Returns the records too.
fn read_agents(
    path: &Path,
    cats: &[Category],
    case_insensitive: bool,
) -> Result<AgentTable, String> {
    let mut rdr = open(path)?;
    let headers = rdr
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    let key = |s: &str| {
        if case_insensitive {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let cols: Vec<usize> = cats
        .iter()
        .map(|c| {
            headers
                .iter()
                .position(|h| key(h) == key(&c.name))
                .ok_or_else(|| format!("{}: missing column {}", path.display(), c.name))
        })
        .collect::<Result<_, _>>()?;
    let lookup: Vec<BTreeMap<String, usize>> = cats
        .iter()
        .map(|c| {
            c.values
                .iter()
                .enumerate()
                .map(|(i, v)| (key(&v.name), i))
                .collect()
        })
        .collect();
    let mut agents = Vec::new();
    let mut records = Vec::new();
    for (r, rec) in rdr.records().enumerate() {
        let line = r + 2;
        let rec = rec.map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        let mut a = Vec::with_capacity(cats.len());
        for (c, &col) in cols.iter().enumerate() {
            let v = rec.get(col).unwrap_or("");
            let i = lookup[c].get(&key(v)).ok_or_else(|| {
                format!(
                    "{}:{line}: value {v:?} of {} is not in the quota table",
                    path.display(),
                    cats[c].name
                )
            })?;
            a.push(*i);
        }
        agents.push(a);
        records.push(rec);
    }
    Ok((agents, headers, records))
}

/// Reads the research format from a directory holding `categories.csv` and
/// `respondents.csv`; `k` is the panel size (not part of the format).
pub fn read_research_instance(dir: &Path, k: usize) -> Result<Instance, String> {
    let categories = read_quotas(
        &dir.join("categories.csv"),
        ["category", "feature", "min", "max"],
        false,
    )?;
    let (agents, _, _) = read_agents(&dir.join("respondents.csv"), &categories, false)?;
    Ok(Instance {
        k,
        categories,
        agents,
        households: None,
    })
}

/// Reads the sortition-foundation format. `id_column` names the candidate id column;
/// if `address_columns` is non-empty, candidates with identical (case-insensitive)
/// values in all of them form a household. Returns the instance and the candidate ids.
pub fn read_sortition_foundation(
    features: &Path,
    candidates: &Path,
    k: usize,
    id_column: &str,
    address_columns: &[&str],
) -> Result<(Instance, Vec<String>), String> {
    let categories = read_quotas(features, ["feature", "value", "min", "max"], true)?;
    let (agents, headers, records) = read_agents(candidates, &categories, true)?;
    let id = header_index(&headers, id_column, candidates)?;
    let ids: Vec<String> = records
        .iter()
        .map(|r| r.get(id).unwrap_or("").to_string())
        .collect();
    let households = if address_columns.is_empty() {
        None
    } else {
        let cols: Vec<usize> = address_columns
            .iter()
            .map(|c| header_index(&headers, c, candidates))
            .collect::<Result<_, _>>()?;
        let mut map: BTreeMap<Vec<String>, u32> = BTreeMap::new();
        let mut h = Vec::with_capacity(records.len());
        for r in &records {
            let key: Vec<String> = cols
                .iter()
                .map(|&c| r.get(c).unwrap_or("").trim().to_lowercase())
                .collect();
            let next = map.len() as u32;
            h.push(Some(*map.entry(key).or_insert(next)));
        }
        Some(h)
    };
    Ok((
        Instance {
            k,
            categories,
            agents,
            households,
        },
        ids,
    ))
}

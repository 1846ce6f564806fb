//! The audit journal: append-only JSON lines, each entry chained to the previous
//! one by its SHA-256. No personal data goes in: only hashes, counts, seeds and
//! parameters.
//!
//! Entry hash (spec §10): SHA-256 of the entry's JSON text with the `entry_hash`
//! field removed, keys sorted (serde_json's map is a BTreeMap), no whitespace.

use crate::error::{Error, Location, Result};
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub struct Journal {
    pub path: PathBuf,
    pub entries: Vec<Map<String, Value>>,
}

fn hash_of(entry: &Map<String, Value>) -> String {
    let mut e = entry.clone();
    e.remove("entry_hash");
    crate::fsio::sha256_hex(canonical_json(&Value::Object(e)).as_bytes())
}

/// Compact JSON with object keys sorted by their UTF-8 bytes, written here rather
/// than left to serde_json's map order (which a cargo feature could change).
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_canonical(&m[*k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

impl Journal {
    /// Opens the journal (an absent file is an empty journal) and checks its chain.
    pub fn open(path: &Path) -> Result<Journal> {
        let mut j = Journal {
            path: path.to_path_buf(),
            entries: vec![],
        };
        if !path.exists() {
            return Ok(j);
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(line).map_err(|e| {
                Error::input(
                    Location::line(path, i as u64 + 1),
                    format!("journal entry is not valid JSON: {e}"),
                )
            })?;
            let Value::Object(m) = v else {
                return Err(Error::input(
                    Location::line(path, i as u64 + 1),
                    "journal entry is not a JSON object",
                ));
            };
            j.entries.push(m);
        }
        if let Some((i, why)) = j.chain_problem() {
            return Err(Error::Verify(format!(
                "{}: journal entry {} is broken: {why}; the journal was changed after it was written",
                path.display(),
                i + 1
            )));
        }
        Ok(j)
    }

    /// The first entry whose link or own hash is wrong, with the reason.
    pub fn chain_problem(&self) -> Option<(usize, String)> {
        let mut prev = GENESIS.to_string();
        for (i, e) in self.entries.iter().enumerate() {
            if e.get("prev_hash").and_then(Value::as_str) != Some(prev.as_str()) {
                return Some((i, "its prev_hash does not match the entry before".into()));
            }
            let h = hash_of(e);
            if e.get("entry_hash").and_then(Value::as_str) != Some(h.as_str()) {
                return Some((i, "its entry_hash does not match its content".into()));
            }
            prev = h;
        }
        None
    }

    pub fn last_hash(&self) -> String {
        self.entries
            .last()
            .and_then(|e| e.get("entry_hash"))
            .and_then(Value::as_str)
            .unwrap_or(GENESIS)
            .to_string()
    }

    /// Appends an entry: adds seq, prev_hash, time, tool and spec versions, and
    /// entry_hash; writes one line with an fsync. Returns the entry hash.
    pub fn append(&mut self, step: &str, body: Value) -> Result<String> {
        let mut e = match body {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("data".into(), other);
                m
            }
        };
        e.insert("step".into(), json!(step));
        e.insert("seq".into(), json!(self.entries.len() + 1));
        e.insert("prev_hash".into(), json!(self.last_hash()));
        e.insert(
            "time".into(),
            json!(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        );
        e.insert(
            "tool".into(),
            json!(format!("sortes {}", env!("CARGO_PKG_VERSION"))),
        );
        e.insert("spec".into(), json!(crate::spec::SPEC_VERSION));
        let h = hash_of(&e);
        e.insert("entry_hash".into(), json!(h));
        let line = format!("{}\n", canonical_json(&Value::Object(e.clone())));
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|er| Error::io(dir, er))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|er| Error::io(&self.path, er))?;
        f.write_all(line.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|er| Error::io(&self.path, er))?;
        self.entries.push(e);
        Ok(h)
    }

    /// Entries of one step, in order.
    pub fn of_step<'a>(&'a self, step: &'a str) -> impl Iterator<Item = &'a Map<String, Value>> {
        self.entries
            .iter()
            .filter(move |e| e.get("step").and_then(Value::as_str) == Some(step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"d": [1, {"z": 0, "y": "ä\"\n"}], "c": null}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":null,"d":[1,{"y":"ä\"\n","z":0}]},"b":1}"#
        );
    }

    #[test]
    fn chain_detects_any_change() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("journal.jsonl");
        let mut j = Journal::open(&p).unwrap();
        j.append("commit", json!({"count": 1})).unwrap();
        j.append("draw", json!({"count": 2})).unwrap();
        assert!(Journal::open(&p).is_ok());
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replace("\"count\":1", "\"count\":3")).unwrap();
        let err = Journal::open(&p).err().unwrap().to_string();
        assert!(err.contains("entry 1"), "{err}");
        // Dropping the first line breaks the link of the second.
        let second = text.lines().nth(1).unwrap();
        std::fs::write(&p, format!("{second}\n")).unwrap();
        assert!(Journal::open(&p).is_err());
    }
}

//! The audit journal: append-only JSON lines, each entry chained to the previous one
//! by its SHA-256 (spec §10). No personal data goes in: only hashes, counts, seeds
//! and parameters.
//!
//! Every entry has the header fields `seq` (1, 2, …), `step`, `prev_hash`,
//! `entry_hash`, `time` (UTC), `tool` and `spec`, and the fields of its step
//! ([`entry`]). [`Journal::open`] checks, for every line, the chain, the hash, the
//! schema (no unknown or missing field, no floating-point number) and the order of
//! `seq`; a journal that fails is refused as a whole, so no step reads an unchecked
//! entry. Entry hash: SHA-256 of the entry's canonical JSON (keys sorted by their
//! UTF-8 bytes at every depth, no white space) without the `entry_hash` field.

pub mod entry;
pub mod lock;

pub use entry::*;
pub use lock::Lock;

use super::error::{Error, Location, Result};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One journal line: the header and the step's body.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub seq: u64,
    pub time: String,
    pub tool: String,
    pub spec: String,
    pub prev_hash: Sha256,
    pub entry_hash: Sha256,
    pub body: Body,
}

/// A file recorded as the output of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub step: Step,
    pub seq: u64,
    pub wave: Option<u32>,
    /// The output's name in the entry (`invitees`, `pool`, …).
    pub name: String,
    /// Path relative to the output folder.
    pub path: String,
    pub sha256: Sha256,
}

impl Entry {
    pub fn step(&self) -> Step {
        self.body.step()
    }

    /// "the draw step (journal entry 2)", for messages.
    pub fn describe(&self) -> String {
        match self.body.wave() {
            Some(w) => format!(
                "the {} step of wave {w} (journal entry {})",
                self.step(),
                self.seq
            ),
            None => format!("the {} step (journal entry {})", self.step(), self.seq),
        }
    }

    /// Every output file the entry records, in name order.
    pub fn outputs(&self) -> Vec<Recorded> {
        let Some((files, hashes)) = self.body.files() else {
            return vec![];
        };
        files
            .iter()
            .zip(hashes.values())
            .map(|((name, path), sha256)| Recorded {
                step: self.step(),
                seq: self.seq,
                wave: self.body.wave(),
                name: name.clone(),
                path: path.clone(),
                sha256: sha256.clone(),
            })
            .collect()
    }

    /// The output called `name`; an error names the entry when it records none.
    pub fn output(&self, name: &str) -> Result<Recorded> {
        self.outputs()
            .into_iter()
            .find(|r| r.name == name)
            .ok_or_else(|| {
                Error::changed(
                    Location::default(),
                    format!("{} records no {name} file", self.describe()),
                )
            })
    }

    /// An input that is not an output of a step (the pool a selection read, the
    /// invitee file of a letter batch), as recorded by this entry.
    pub fn input(&self, name: &str, path: &str, sha256: &Sha256) -> Recorded {
        Recorded {
            step: self.step(),
            seq: self.seq,
            wave: self.body.wave(),
            name: name.to_string(),
            path: path.to_string(),
            sha256: sha256.clone(),
        }
    }
}

/// The journal of a process folder, every entry checked.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    entries: Vec<Entry>,
}

/// Compact JSON with object keys sorted by their UTF-8 bytes at every depth (spec §10),
/// written here rather than left to serde_json's map order (which a cargo feature
/// could change).
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

/// The first floating-point number in `v`, by its path ("strata[2].factor").
fn float_in(v: &Value, path: &str) -> Option<String> {
    match v {
        Value::Number(n) if !(n.is_u64() || n.is_i64()) => Some(path.to_string()),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            float_in(
                x,
                &if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                },
            )
        }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| float_in(x, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// The header fields every entry has besides its step's fields.
const HEADER: [&str; 6] = ["seq", "prev_hash", "entry_hash", "time", "tool", "spec"];

fn hash_of(m: &Map<String, Value>) -> String {
    let mut e = m.clone();
    e.remove("entry_hash");
    super::fsio::sha256_hex(canonical_json(&Value::Object(e)).as_bytes())
}

/// Parses and checks one line (chain link aside).
fn parse_line(line: &str) -> std::result::Result<(Entry, String), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not valid JSON ({e})"))?;
    let canonical = canonical_json(&v) == line;
    let Value::Object(mut m) = v else {
        return Err("not a JSON object".into());
    };
    if let Some(p) = float_in(&Value::Object(m.clone()), "") {
        return Err(format!(
            "the field {p} is a floating-point number; the journal holds none"
        ));
    }
    let computed = hash_of(&m);
    let mut take = |k: &str| -> std::result::Result<Value, String> {
        m.remove(k)
            .ok_or_else(|| format!("the header field {k:?} is missing"))
    };
    let text = |v: Value, k: &str| -> std::result::Result<String, String> {
        match v {
            Value::String(s) => Ok(s),
            _ => Err(format!("the header field {k:?} is not text")),
        }
    };
    let seq = take("seq")?
        .as_u64()
        .ok_or("the header field \"seq\" is not a whole number")?;
    let hash = |v: Value, k: &str| -> std::result::Result<Sha256, String> {
        Sha256::try_from(text(v, k)?).map_err(|e| format!("{k}: {e}"))
    };
    let prev_hash = hash(take("prev_hash")?, "prev_hash")?;
    let entry_hash = hash(take("entry_hash")?, "entry_hash")?;
    let time = text(take("time")?, "time")?;
    let tool = text(take("tool")?, "tool")?;
    let spec = text(take("spec")?, "spec")?;
    if spec != super::spec::SPEC_VERSION {
        return Err(format!(
            "it was written under {spec:?}; this sortes reads journals of {:?} only",
            super::spec::SPEC_VERSION
        ));
    }
    let step = m
        .get("step")
        .and_then(Value::as_str)
        .unwrap_or("(none)")
        .to_string();
    let raw = Value::Object(m);
    let body: Body = serde_json::from_value(raw.clone())
        .map_err(|e| format!("it does not fit the {step} entry's schema: {e}"))?;
    // serde reads a missing optional field, or a null where the field is left out,
    // as None; the journal's form is exact: the entry must be what sortes writes.
    if serde_json::to_value(&body).ok().as_ref() != Some(&raw) {
        return Err(format!(
            "it is not in the {step} entry's exact form (a field missing or null that must be absent)"
        ));
    }
    body.check().map_err(|e| format!("{step} entry: {e}"))?;
    // The line is the canonical JSON of its entry (spec §10), byte for byte: keys
    // sorted, no spaces, LF only. Any other spelling of the same entry was not
    // written by sortes.
    if !canonical {
        return Err("it is not written in the canonical form of spec §10 (keys sorted, no spaces, LF line ends)".into());
    }
    Ok((
        Entry {
            seq,
            time,
            tool,
            spec,
            prev_hash,
            entry_hash,
            body,
        },
        computed,
    ))
}

impl Journal {
    /// Opens the journal (an absent file is an empty journal) and checks every entry:
    /// JSON, schema, `seq`, the chain and every hash. Any problem refuses the whole
    /// journal, naming the first broken entry.
    pub fn open(path: &Path) -> Result<Journal> {
        let mut j = Journal {
            path: path.to_path_buf(),
            entries: vec![],
        };
        let text = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(j),
            Err(e) => return Err(Error::io(path, e)),
        };
        let text = String::from_utf8(text).map_err(|e| {
            let (line, _) = super::table::line_col(e.as_bytes(), e.utf8_error().valid_up_to());
            Error::changed(Location::line(path, line), "the journal is not UTF-8 text")
        })?;
        if !text.is_empty() && !text.ends_with('\n') {
            let line = text.lines().count() as u64;
            return Err(Error::changed(
                Location::line(path, line),
                "the journal's last line is incomplete (an interrupted write?); the journal is not used",
            ));
        }
        let mut prev = GENESIS.to_string();
        for (i, line) in text.split_terminator('\n').enumerate() {
            let n = i as u64 + 1;
            let bad = |why: String| {
                Error::changed(
                    Location::line(path, n),
                    format!(
                        "journal entry {n} is broken: {why}; the journal was changed after it was written, and nothing is done with it"
                    ),
                )
            };
            let (e, computed) = parse_line(line).map_err(bad)?;
            if e.seq != n {
                return Err(bad(format!("its seq is {}, expected {n}", e.seq)));
            }
            if e.prev_hash != prev {
                return Err(bad("its prev_hash does not match the entry before".into()));
            }
            if e.entry_hash != computed {
                return Err(bad("its entry_hash does not match its content".into()));
            }
            prev = computed;
            j.entries.push(e);
        }
        Ok(j)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The hash of the last entry (the genesis hash for an empty journal).
    pub fn last_hash(&self) -> &str {
        self.entries
            .last()
            .map_or(GENESIS, |e| e.entry_hash.as_str())
    }

    /// Entries of kind `T`, in journal order.
    pub fn all<'a, T: Kind + 'a>(&'a self) -> impl DoubleEndedIterator<Item = (&'a Entry, &'a T)> {
        self.entries
            .iter()
            .filter_map(|e| T::of(&e.body).map(|b| (e, b)))
    }

    /// The latest entry of kind `T`.
    pub fn last<'a, T: Kind + 'a>(&'a self) -> Option<(&'a Entry, &'a T)> {
        self.all::<T>().next_back()
    }

    /// Appends an entry while `lock` is held: adds `seq`, `prev_hash`, `time`, `tool`,
    /// `spec` and `entry_hash`, checks the schema, and writes one line with an fsync.
    pub fn append(&mut self, lock: &Lock, body: Body) -> Result<&Entry> {
        lock.check(&self.path)?;
        body.check()
            .map_err(|e| Error::internal(format!("a {} entry: {e}", body.step())))?;
        let value = serde_json::to_value(&body)
            .map_err(|e| Error::internal(format!("a {} entry: {e}", body.step())))?;
        let Value::Object(mut m) = value else {
            return Err(Error::internal("a journal entry is not a JSON object"));
        };
        if let Some(p) = float_in(&Value::Object(m.clone()), "") {
            return Err(Error::internal(format!(
                "the {} entry's field {p} is a floating-point number",
                body.step()
            )));
        }
        let seq = self.entries.len() as u64 + 1;
        let time = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let tool = format!("sortes {}", env!("CARGO_PKG_VERSION"));
        let spec = super::spec::SPEC_VERSION.to_string();
        let prev = self.last_hash().to_string();
        m.insert("seq".into(), Value::from(seq));
        m.insert("prev_hash".into(), Value::from(prev.clone()));
        m.insert("time".into(), Value::from(time.clone()));
        m.insert("tool".into(), Value::from(tool.clone()));
        m.insert("spec".into(), Value::from(spec.clone()));
        let h = hash_of(&m);
        m.insert("entry_hash".into(), Value::from(h.clone()));
        debug_assert!(HEADER.iter().all(|k| m.contains_key(*k)));
        let line = format!("{}\n", canonical_json(&Value::Object(m)));
        if let Some(dir) = self.path.parent() {
            super::fsio::create_dir(dir, super::fsio::Privacy::Public)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|er| Error::io(&self.path, er))?;
        f.write_all(line.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|er| Error::io(&self.path, er))?;
        let hash = |s: String| Sha256::try_from(s).map_err(|e| Error::internal(e.message()));
        self.entries.push(Entry {
            seq,
            time,
            tool,
            spec,
            prev_hash: hash(prev)?,
            entry_hash: hash(h)?,
            body,
        });
        Ok(self.entries.last().expect("just pushed"))
    }
}

/// The canonical JSON of an entry as the journal holds it (for the published
/// commitment file, which is the commit entry itself).
pub fn entry_json(e: &Entry) -> Result<Value> {
    let mut v = serde_json::to_value(&e.body)
        .map_err(|er| Error::internal(format!("a {} entry: {er}", e.step())))?;
    if let Value::Object(m) = &mut v {
        m.insert("seq".into(), Value::from(e.seq));
        m.insert("prev_hash".into(), Value::from(e.prev_hash.as_str()));
        m.insert("entry_hash".into(), Value::from(e.entry_hash.as_str()));
        m.insert("time".into(), Value::from(e.time.as_str()));
        m.insert("tool".into(), Value::from(e.tool.as_str()));
        m.insert("spec".into(), Value::from(e.spec.as_str()));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"d": [1, {"z": 0, "y": "ä\"\n"}], "c": null}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":null,"d":[1,{"y":"ä\"\n","z":0}]},"b":1}"#
        );
    }

    fn report(min_cell: u64) -> Body {
        let h = Sha256::of(b"x");
        Body::Report(Report {
            min_cell,
            outputs: [
                ("report_de", "public/report.html"),
                ("report_en", "public/report-en.html"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
            output_sha256: [("report_de", h.clone()), ("report_en", h)]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b))
                .collect(),
        })
    }

    #[test]
    fn chain_schema_and_floats_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("journal.jsonl");
        let lock = Lock::take(dir.path(), Step::Report).unwrap();
        let mut j = Journal::open(&p).unwrap();
        j.append(&lock, report(3)).unwrap();
        j.append(&lock, report(5)).unwrap();
        drop(lock);
        let back = Journal::open(&p).unwrap();
        assert_eq!(back.entries().len(), 2);
        assert_eq!(back.last::<Report>().unwrap().1.min_cell, 5);
        let text = std::fs::read_to_string(&p).unwrap();
        let refused = |t: String, what: &str| {
            std::fs::write(&p, t).unwrap();
            let e = Journal::open(&p).unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        };
        refused(
            text.replacen("\"min_cell\":3", "\"min_cell\":4", 1),
            "entry 1 is broken: its entry_hash",
        );
        // Dropping the first line breaks the link of the second.
        refused(
            format!("{}\n", text.lines().nth(1).unwrap()),
            "entry 1 is broken",
        );
        refused(
            text.replacen("\"min_cell\":3", "\"min_cell\":3.5", 1),
            "floating-point",
        );
        refused(
            text.replacen("\"min_cell\":3", "\"min_cell\":3,\"extra\":1", 1),
            "unknown field",
        );
        refused(text.replacen("\"min_cell\":3,", "", 1), "missing field");
        refused(text.trim_end().to_string(), "incomplete");
    }

    #[test]
    fn tagged_bodies_round_trip() {
        let b = report(3);
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(v["step"], "report");
        let back: Body = serde_json::from_value(v).unwrap();
        assert_eq!(back, b);
        let mut bad = report(3);
        if let Body::Report(r) = &mut bad {
            r.outputs.remove("report_en");
        }
        assert!(bad.check().is_err());
    }
}

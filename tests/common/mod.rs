//! Shared helpers for the integration tests: small registers and process files
//! written to temporary directories, and the real `sortes` binary.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn sortes() -> Command {
    Command::cargo_bin("sortes").expect("the sortes binary is built for integration tests")
}

/// A process file for a hand-written register (UTF-8, ';').
pub fn process_toml(register: &str, extra_draw: &str, extra: &str) -> String {
    format!(
        r#"
[process]
name = "Testforum"
id = "test-forum"
reference_date = "2027-01-15"

[register]
path = "{register}"
encoding = "utf-8"
delimiter = ";"

[register.columns]
register_id = "id"
family_name = "name"
given_names = "vorname"
street = "strasse"
house_number = "hausnr"
postcode = "plz"
city = "ort"
birth_date = "geburtsdatum"
gender = "geschlecht"
nationality = "staat"
stadtbezirk = "bezirk"
block_51 = "sperre51"
block_52 = "sperre52"

[draw]
invitations = 10
{extra_draw}

[strata.values]
stadtbezirk = ["Eving", "Hörde", "Mengede"]
{extra}
"#
    )
}

pub const HEADER: &str =
    "id;name;vorname;strasse;hausnr;plz;ort;geburtsdatum;geschlecht;staat;bezirk;sperre51;sperre52";

/// `n` residents: ids R0000…, three districts, some minors, some blocks, a few shared addresses.
pub fn register_rows(n: usize) -> Vec<String> {
    let districts = ["Eving", "Hörde", "Mengede"];
    (0..n)
        .map(|i| {
            let year = if i % 10 == 0 { 2015 } else { 1940 + (i % 60) };
            let block = if i % 37 == 0 { "ja" } else { "" };
            format!(
                "R{i:04};Müller-{i};Jürgen;Hauptstraße;{};44{:03};Dortmund;{:02}.{:02}.{year};{};{};{};{block};",
                i / 3,
                (i / 3) % 7,
                1 + i % 28,
                1 + i % 12,
                if i % 2 == 0 { "m" } else { "w" },
                if i % 5 == 0 { "türkisch" } else { "deutsch" },
                districts[i % 3],
            )
        })
        .collect()
}

pub struct Setup {
    pub dir: tempfile::TempDir,
    pub process: PathBuf,
}

impl Setup {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

/// Writes `register.csv` (UTF-8) with the rows and a forum.toml.
pub fn setup(rows: &[String], extra_draw: &str, extra: &str) -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from(HEADER);
    text.push('\n');
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(dir.path().join("register.csv"), text).expect("write register");
    let process = dir.path().join("forum.toml");
    std::fs::write(&process, process_toml("register.csv", extra_draw, extra)).expect("write toml");
    Setup { dir, process }
}

/// `sortes <args> -p <process>` on the setup's process.
pub fn on(s: &Setup, args: &[&str]) -> assert_cmd::assert::Assert {
    sortes().args(args).arg("-p").arg(&s.process).assert()
}

/// The form of the seeds the tests draw with: six numbers and one more (Lotto 6aus49).
pub const SEED_FORM: &str = "rfc3797:6+1";

pub fn commit(process: &Path) -> assert_cmd::assert::Assert {
    sortes()
        .args(["commit", "--seed-source", "test lottery", "--seed-form", SEED_FORM, "-p"])
        .arg(process)
        .assert()
}

pub fn draw(process: &Path, seed: &str) -> assert_cmd::assert::Assert {
    sortes()
        .args(["draw", "--seed", seed, "-p"])
        .arg(process)
        .assert()
}

/// Register ids of invitees.csv in file order.
pub fn drawn_ids(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).expect("invitees.csv readable");
    r.records()
        .map(|x| x.expect("record")[3].to_string())
        .collect()
}

pub fn stdout_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

pub fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// What a dishonest operator would do after changing a recorded file: replace its old
/// SHA-256 by `new` everywhere in the journal and recompute every entry's hash and
/// link, so that the chain is intact again.
pub fn forge_journal(journal: &Path, old: &str, new: &str) {
    use sortes::base::journal::canonical_json;
    let text = std::fs::read_to_string(journal).expect("journal");
    let mut prev = "0".repeat(64);
    let mut out = String::new();
    for line in text.lines() {
        let mut v: serde_json::Value =
            serde_json::from_str(&line.replace(old, new)).expect("journal line");
        let m = v.as_object_mut().expect("entry");
        m.remove("entry_hash");
        m.insert("prev_hash".into(), prev.clone().into());
        let h = sortes::base::fsio::sha256_hex(canonical_json(&v).as_bytes());
        v.as_object_mut()
            .expect("entry")
            .insert("entry_hash".into(), h.clone().into());
        out.push_str(&canonical_json(&v));
        out.push('\n');
        prev = h;
    }
    std::fs::write(journal, out).expect("write journal");
}

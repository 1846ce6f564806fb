//! Shared helpers for the integration tests: small registers and process files
//! written to temporary directories, and the real `sortes` binary.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn sortes() -> Command {
    Command::cargo_bin("sortes").expect("the sortes binary is built for integration tests")
}

/// `lottery build` of 20 numbers, its number announced to come from a ceremony.
pub const BUILD_LOTTERY: &[&str] = &[
    "lottery",
    "build",
    "--m",
    "20",
    "--seed-source",
    "three urns at the council meeting",
    "--seed-form",
    "ceremony",
];

/// The journal's entries as JSON values, in order.
pub fn journal_entries(journal: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
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
        .args([
            "commit",
            "--seed-source",
            "test lottery",
            "--seed-form",
            SEED_FORM,
            "-p",
        ])
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

/// The example process (examples/dortmund/forum.toml) on a small synthetic register.
pub struct Example {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub toml: PathBuf,
}

/// The seed and its announced form the example's stage helpers use.
pub const EXAMPLE_SEED: &str = "1.2.3./";
pub const EXAMPLE_FORM: &str = "rfc3797:3";

impl Example {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        sortes().args(args).arg("-p").arg(&self.toml).assert()
    }
    /// Committed (seed announced as [`EXAMPLE_FORM`]) and drawn with [`EXAMPLE_SEED`].
    pub fn drawn(&self) {
        self.run(&[
            "commit",
            "--seed-source",
            "test",
            "--seed-form",
            EXAMPLE_FORM,
        ])
        .success();
        self.run(&["draw", "--seed", EXAMPLE_SEED]).success();
    }
    /// Synthetic replies of the invitees in `applications.csv`; returns its path.
    pub fn applications(&self) -> PathBuf {
        let apps = self.path("applications.csv");
        self.run(&["generate-applications", "--out", apps.to_str().unwrap()])
            .success();
        apps
    }
    /// After [`Example::drawn`]: the synthetic replies taken in.
    pub fn taken_in(&self) {
        let apps = self.applications();
        self.run(&["intake", "--applications", apps.to_str().unwrap()])
            .success();
    }
    /// After [`Example::drawn`]: the replies taken in and the panel distribution selected.
    pub fn selected(&self) {
        self.taken_in();
        self.run(&["select"]).success();
    }
    /// The lottery of 20 numbers, its number announced to come from a ceremony.
    pub fn build_lottery(&self) -> assert_cmd::assert::Assert {
        self.run(BUILD_LOTTERY)
    }
    /// The first seat of the panel that can be refilled (some cannot, by the
    /// quotas), replaced; `args` are added to `replace`.
    pub fn replace_some_seat(&self, args: &[&str]) {
        let panel = std::fs::read_to_string(self.path("out/public/lottery/panel.csv")).unwrap();
        let replaced = panel.lines().skip(1).any(|l| {
            let id = l.split(',').nth(1).unwrap();
            let mut a = vec!["replace", "--dropped", id];
            a.extend(args);
            self.run(&a).try_success().is_ok()
        });
        assert!(replaced, "some seat can be refilled");
    }
}

/// The example process with 200 invitations on a 20,000-resident synthetic register,
/// a panel of 6 (gender quotas only) and the repository's letter templates.
pub fn example() -> Example {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    sortes()
        .args(["generate-register", "--population", "20000", "--out"])
        .arg(root.join("data"))
        .assert()
        .success();
    let repo = env!("CARGO_MANIFEST_DIR");
    let toml = include_str!("../../examples/dortmund/forum.toml")
        .replace("invitations = 2000\nstrata", "invitations = 200\nstrata")
        .replace("k = 50\n", "k = 6\n")
        .replace("\"../../quotas/dortmund-50.csv\"", "\"quotas.csv\"")
        .replace(
            "../../templates/letters",
            &format!("{repo}/templates/letters"),
        );
    let p = root.join("forum.toml");
    std::fs::write(&p, toml).unwrap();
    std::fs::write(
        root.join("quotas.csv"),
        "category,value,min,max\ngender,m,2,4\ngender,w,2,4\ngender,d,0,1\n",
    )
    .unwrap();
    Example {
        _dir: dir,
        root,
        toml: p,
    }
}

/// Every panel of `inst` that meets its quotas and household rule, by brute force over
/// all subsets of size k (n ≤ 20): the oracle of the selection and lottery tests.
pub fn all_feasible_panels(inst: &sortes::select::Instance) -> Vec<Vec<u32>> {
    let n = inst.agents.len() as u32;
    (0u32..1 << n)
        .filter(|mask| mask.count_ones() as usize == inst.k)
        .map(|mask| (0..n).filter(|i| mask >> i & 1 == 1).collect::<Vec<u32>>())
        .filter(|p| sortes::select::check_panel(inst, p).is_ok())
        .collect()
}

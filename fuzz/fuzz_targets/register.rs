//! The register reader (spec §6) on arbitrary bytes: CSV in both encodings and
//! with every delimiter setting, rows set aside or not. It must return a value or
//! an error, never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sortes::base::process::Process;
use std::path::PathBuf;

const COLUMNS: &str = r#"
[register.columns]
register_id = "id"
family_name = "name"
given_names = "vorname"
doctorate = "dr"
name_prefix = "vorsatz"
street = "strasse"
house_number = "nr"
house_number_suffix = "zusatz"
house_number_part = "teil"
address_addition = "adresszusatz"
postcode = "plz"
city = "ort"
birth_date = "geburtsdatum"
gender = "geschlecht"
nationality = "staat"
stadtbezirk = "bezirk"
block_51 = "s51"
block_52 = "s52"

[eligibility]
min_age = 16
max_age = 90

[draw]
invitations = 5
strata = ["stadtbezirk", "age_band", "gender", "citizenship"]
household_rule = true
"#;

struct Setup {
    _dir: tempfile::TempDir,
    register: PathBuf,
    /// One process per (encoding, delimiter) setting.
    processes: Vec<Process>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let register = dir.path().join("register.csv");
    let mut processes = Vec::new();
    for (i, (enc, delim)) in [
        ("utf-8", "auto"),
        ("windows-1252", ";"),
        ("utf-8", ","),
        ("windows-1252", "tab"),
    ]
    .into_iter()
    .enumerate()
    {
        let toml = format!(
            "[process]\nname = \"F\"\nid = \"f\"\nreference_date = \"2027-01-15\"\n\n[register]\npath = \"register.csv\"\nencoding = \"{enc}\"\ndelimiter = \"{delim}\"\n{COLUMNS}"
        );
        let p = dir.path().join(format!("forum{i}.toml"));
        std::fs::write(&p, toml).expect("process file");
        processes.push(Process::load(&p).expect("the process file is valid"));
    }
    Setup {
        _dir: dir,
        register,
        processes,
    }
}

thread_local! {
    static SETUP: Setup = setup();
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    SETUP.with(|s| {
        std::fs::write(&s.register, bytes).expect("write the register");
        let process = &s.processes[usize::from(pick & 3)];
        if let Ok(reg) = sortes::register::load(process, pick & 4 != 0) {
            // The records of the drawn are read again from the file: read one.
            if let (Some(p), Ok(rules)) = (reg.people.first(), sortes::register::RowRules::of(process)) {
                let _ = reg.record(&rules, p);
            }
        }
    });
});

//! The intake of an applications export on arbitrary bytes, against real invitees:
//! a small synthetic register of the example process, committed and drawn once.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sortes::base::process::{IntakeConfig, Process};
use sortes::draw::invitees::Invitee;
use std::path::{Path, PathBuf};

struct Setup {
    _dir: tempfile::TempDir,
    cfg: IntakeConfig,
    invitees: Vec<Invitee>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let toml = std::fs::read_to_string(root.join("examples/dortmund/forum.toml"))
        .expect("the example process")
        .replace("../../templates", &root.join("templates").display().to_string());
    let process_path: PathBuf = dir.path().join("forum.toml");
    std::fs::write(&process_path, toml).expect("process file");
    let cfg = sortes::synth::register::SynthConfig {
        population: 8_000,
        ..Default::default()
    };
    sortes::synth::write_register(&dir.path().join("data"), &cfg, false).expect("register");
    let process = Process::load(&process_path).expect("process");
    let form = sortes::base::spec::SeedForm::parse("rfc3797:2").expect("form");
    sortes::draw::step::commit(
        &process,
        &sortes::draw::step::CommitArgs {
            wave: 1,
            counts: None,
            seed_source: "fuzz",
            seed_form: &form,
            recommit_reason: None,
            rejects: None,
            force: false,
        },
    )
    .expect("commit");
    let seed = sortes::base::spec::Seed::parse("1.2./").expect("seed");
    sortes::draw::step::draw(&process, &seed, None, None, false).expect("draw");
    let run = sortes::base::run::Run::open(process.layout()).expect("run");
    let (invitees, _) = sortes::intake::step::load_invitees(&run).expect("invitees");
    let cfg = process.file.intake.clone().expect("the example has [intake]");
    // A seed input for the corpus: what the synthetic replies look like.
    if let Ok(out) = std::env::var("SORTES_FUZZ_WRITE_SEED") {
        let bytes = sortes::synth::applications::synth_applications(&invitees[..40], &cfg, 7);
        std::fs::write(out, bytes).expect("seed");
    }
    Setup {
        _dir: dir,
        cfg,
        invitees,
    }
}

thread_local! {
    static SETUP: Setup = setup();
}

fuzz_target!(|data: &[u8]| {
    SETUP.with(|s| {
        let _ = sortes::intake::intake_bytes(
            &s.cfg,
            &s.invitees,
            Path::new("applications.csv"),
            data,
        );
    });
});

//! The end-to-end example: synthetic Dortmund register → commit → draw → applications →
//! intake → LEXIMIN → lottery → panel and reserves → a replacement → audit bundle → verify.

use crate::base::error::{Error, Result};
use crate::base::process::Process;
use crate::base::spec::Seed;
use crate::synth::register::SynthConfig;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The example process, built into the binary so the demo runs from anywhere.
pub const FORUM_TOML: &str = include_str!("../../examples/dortmund/forum.toml");
/// The example quota file (k = 50), see quotas/README.md.
pub const QUOTAS: &str = include_str!("../../quotas/dortmund-50.csv");
/// The letter templates, built in so the demo runs from anywhere (an office edits
/// its own copy: the process file's `[letters] templates`).
/// Each name once: `(name, contents of templates/letters/<name>)`.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/letters/", $name)))),*]
    };
}
const TEMPLATES: &[(&str, &str)] = templates![
    "layout.typ",
    "de/strings.toml",
    "de/letterhead.txt",
    "de/invitation.txt",
    "de/selected.txt",
    "de/reserve.txt",
    "de/not_selected.txt",
    "en/strings.toml",
    "en/letterhead.txt",
    "en/invitation.txt",
    "en/selected.txt",
    "en/reserve.txt",
    "en/not_selected.txt",
];
/// The example seed: numbers of a lottery draw in RFC 3797 key-string form.
pub const EXAMPLE_SEED: &str = "3.12.19.27.33.41./7./";
/// The form of the example seed: six numbers and one Superzahl.
pub const EXAMPLE_SEED_FORM: &str = "rfc3797:6+1";
/// The example lottery number, as three digits drawn at a public ceremony.
pub const EXAMPLE_NUMBER: u64 = 187;

/// Numbered step headings ("[3/15] …").
struct Steps {
    n: usize,
    total: usize,
}

impl Steps {
    fn next(&mut self, title: &str) -> Instant {
        self.n += 1;
        println!("\n[{}/{}] {title}", self.n, self.total);
        Instant::now()
    }
}

fn took(t: Instant) {
    println!("  ({:.2} s)", t.elapsed().as_secs_f64());
}

#[derive(clap::Args)]
pub struct Args {
    /// Working directory of the demo (created; must not hold an earlier demo unless --force).
    #[arg(long, default_value = "demo-out")]
    dir: PathBuf,
    /// Residents in the synthetic register.
    #[arg(long, default_value_t = 612_065)]
    population: usize,
    /// Start over in an existing demo directory.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    let t0 = Instant::now();
    let marker = a.dir.join(".sortes-demo");
    if a.dir.exists() {
        if !a.force {
            return Err(Error::refused(format!(
                "{} exists; run the demo with --force to start it over, or give --dir",
                a.dir.display()
            )));
        }
        if !marker.exists() {
            return Err(Error::refused(format!(
                "{} is not a sortes demo directory; it is left alone",
                a.dir.display()
            )));
        }
        std::fs::remove_dir_all(&a.dir).map_err(|e| Error::io(&a.dir, e))?;
    }
    std::fs::create_dir_all(&a.dir).map_err(|e| Error::io(&a.dir, e))?;
    std::fs::write(&marker, b"sortes demo\n").map_err(|e| Error::io(&marker, e))?;
    let process_path = a.dir.join("forum.toml");
    let toml = FORUM_TOML
        .replace("../../quotas/", "quotas/")
        .replace("../../templates/", "templates/");
    let public = |path: &Path, text: &str| {
        crate::base::fsio::write_atomic(
            path,
            text.as_bytes(),
            crate::base::fsio::Privacy::Public,
            false,
        )
    };
    for (name, text) in TEMPLATES {
        public(&a.dir.join("templates/letters").join(name), text)?;
    }
    public(&process_path, &toml)?;
    public(&a.dir.join("quotas/dortmund-50.csv"), QUOTAS)?;

    println!("sortes demo — {}", a.dir.display());
    let mut steps = Steps { n: 0, total: 15 };
    let t = steps.next("register office: synthetic Dortmund register extract");
    let pb = super::spinner("generating the synthetic register");
    let cfg = SynthConfig {
        population: a.population,
        ..SynthConfig::default()
    };
    let r = crate::synth::write_register(&a.dir.join("data"), &cfg, false);
    pb.finish_and_clear();
    let (csv, pq, n) = r?;
    println!(
        "  {n} residents → {} and {} ({:.2} s)",
        csv.display(),
        pq.display(),
        t.elapsed().as_secs_f64()
    );

    let process = Process::load(&process_path)?;
    let t = steps.next("commit: inputs fixed before the seed exists");
    let seed_source = "Lotto 6aus49, draw of Saturday 2027-01-16: six numbers and the Superzahl as an RFC 3797 key string";
    let c = crate::draw::step::commit(
        &process,
        &crate::draw::step::CommitArgs {
            wave: 1,
            counts: None,
            seed_source,
            seed_form: &crate::base::spec::SeedForm::parse(EXAMPLE_SEED_FORM)?,
            recommit_reason: None,
            rejects: None,
            force: false,
        },
    )?;
    super::print_plan(&c.loaded.plan, None);
    super::print_partial_dates(&c.loaded.reg);
    println!(
        "  commitment {}  ({:.2} s)",
        c.commitment,
        t.elapsed().as_secs_f64()
    );
    println!("  publish: {}", c.commitment_file.display());

    let t = steps.next(&format!("draw with the public seed {EXAMPLE_SEED}"));
    let seed = Seed::parse(EXAMPLE_SEED)?;
    let d = crate::draw::step::draw(&process, &seed, None, None, false)?;
    super::draw::report(&d);
    took(t);

    let t = steps
        .next("invitation letters: one per invitee, PDF for the print shop, HTML, mail-merge CSV");
    let pb = super::spinner("laying out 2,000 invitation letters");
    let w = crate::letters::step::invitations(&process, 1, false, false);
    pb.finish_and_clear();
    super::letters::print(&w?);
    took(t);

    let t = steps.next(
        "applications: synthetic replies to the invitation (response model by age, district, education)",
    );
    let apps = a.dir.join("data/applications.csv");
    crate::synth::applications::write_for_process(&process, &apps, 2027, false)?;
    println!("  {} ({:.2} s)", apps.display(), t.elapsed().as_secs_f64());

    let t = steps.next("intake: codes linked, answers checked, pseudonymous pool");
    let r = crate::intake::step::intake(&process, &apps, false)?;
    super::intake::print_report(&r);
    took(t);

    let t = steps.next(
        "selection: the legacy greedy procedure as a baseline, then the LEXIMIN distribution (k = 50, Dortmund quotas)",
    );
    super::select::run_legacy_baseline(&process, false)?;
    super::select::run_for_process(&process, false)?;
    took(t);

    let t = steps.next("lottery: 1000 numbered panels, committed before the number is drawn");
    let layout = crate::lottery::step::Setup::of(&process)?;
    let pb = super::spinner("rounding the distribution to a lottery");
    let b = crate::lottery::step::build(
        &layout,
        1000,
        "three digits drawn from urns at the public council meeting of 2027-04-01",
        &crate::base::spec::SeedForm::Ceremony,
        false,
    );
    pb.finish_and_clear();
    super::lottery::print_build(&b?, 1000);
    took(t);

    let t = steps.next(&format!(
        "public ceremony: three digits drawn, number {EXAMPLE_NUMBER:03} → panel and reserve order"
    ));
    let d = crate::lottery::step::draw_step(
        &layout,
        &crate::lottery::step::Source::Number(EXAMPLE_NUMBER),
    )?;
    super::lottery::print_draw(&d);
    took(t);

    let t =
        steps.next("during the year: a member drops out and is replaced from the reserve order");
    // The simulated drop-out is the first seat that can be refilled on its own: with
    // five tight quota categories many seats cannot (the tool then names the quota).
    let run = crate::base::run::Run::open(process.layout())?;
    let committed = crate::lottery::step::committed(&run, &layout)?;
    let standing = crate::lottery::step::standing(run.journal())?;
    let reserves = crate::lottery::step::reserves(&run)?;
    let seat = d.panel.iter().position(|m| {
        crate::lottery::step::choose(
            &committed.frame,
            &standing,
            &reserves,
            std::slice::from_ref(m),
            &[],
        )
        .is_ok()
    });
    drop(committed);
    drop(run);
    // Seats before the first replaceable one (all of them if none is).
    let blocked = seat.unwrap_or(d.panel.len());
    if blocked > 0 {
        println!(
            "  seats 1–{blocked}: no one in the reserve order could take their place without breaking a quota"
        );
    }
    if let Some(i) = seat {
        println!("  seat {} drops out on 2027-03-01", i + 1);
        let r = crate::lottery::step::replace_step(&layout, &d.panel[i..=i], &[], "2027-03-01")?;
        super::replace::print(&r);
    }
    took(t);

    let t =
        steps.next("letters after the lottery: selected, reserve (first 20) and thank-you letters");
    for w in crate::letters::step::panel_letters(&process, 20, false, false)? {
        super::letters::print(&w);
    }
    took(t);

    let t = steps.next("report: one page for the council and the public (German and English)");
    super::report::print(&crate::report::step::write(&process, false)?);
    took(t);

    let t = steps.next(
        "audit bundles: a public one (nothing personal) and a confidential one (with the pool's attributes)",
    );
    let bundle = a.dir.join("audit-bundle");
    let w = crate::bundle::write(&process, &bundle, false, true)?;
    println!("  public: {} files → {}", w.files, w.dir.display());
    let confidential = a.dir.join("audit-bundle-confidential");
    let w = crate::bundle::write(&process, &confidential, true, true)?;
    println!("  confidential: {} files → {}", w.files, w.dir.display());
    took(t);

    let t = steps.next("verify: journal, outputs, replays, lottery, replacements");
    let checks = crate::verify::verify(&process, &Default::default());
    let code = super::verify::print(&checks);
    took(t);

    let t = steps.next("verify each audit bundle alone (what an outside auditor runs)");
    let mut failed = 0;
    for dir in [&bundle, &confidential] {
        let checks = crate::verify::bundle::verify(dir, &Default::default())?;
        let bad = checks.iter().filter(|c| !c.ok()).count();
        let skipped = checks.iter().filter(|c| c.skipped()).count();
        println!(
            "  {} checks, {bad} failed, {skipped} skipped (sortes verify --bundle {})",
            checks.len(),
            dir.display()
        );
        failed += bad;
    }
    took(t);
    let code = if failed > 0 { 1 } else { code };
    println!(
        "\ndemo finished in {:.1} s; outputs under {}",
        t0.elapsed().as_secs_f64(),
        a.dir.join("out").display()
    );
    Ok(code)
}

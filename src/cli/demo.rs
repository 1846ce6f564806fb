//! The end-to-end example: synthetic Dortmund register → commit → draw → verify.

use crate::error::{Error, Result};
use crate::process::Process;
use crate::register::synth::SynthConfig;
use crate::spec::Seed;
use std::path::PathBuf;
use std::time::Instant;

/// The example process, built into the binary so the demo runs from anywhere.
pub const FORUM_TOML: &str = include_str!("../../examples/dortmund/forum.toml");
/// The example quota file (k = 50), see quotas/README.md.
pub const QUOTAS: &str = include_str!("../../quotas/dortmund-50.csv");
/// The example seed: numbers of a lottery draw in RFC 3797 key-string form.
pub const EXAMPLE_SEED: &str = "3.12.19.27.33.41./7./";

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
    let toml = FORUM_TOML.replace("../../quotas/", "quotas/");
    crate::fsio::write_atomic(
        &process_path,
        toml.as_bytes(),
        crate::fsio::Privacy::Public,
        false,
    )?;
    crate::fsio::write_atomic(
        &a.dir.join("quotas/dortmund-50.csv"),
        QUOTAS.as_bytes(),
        crate::fsio::Privacy::Public,
        false,
    )?;

    println!("sortes demo — {}", a.dir.display());
    println!("\n[1/7] register office: synthetic Dortmund register extract");
    let t = Instant::now();
    let pb = super::spinner("generating the synthetic register");
    let cfg = SynthConfig {
        population: a.population,
        ..SynthConfig::default()
    };
    let r = crate::register::read::write_synthetic(&a.dir.join("data"), &cfg, false);
    pb.finish_and_clear();
    let (csv, pq, n) = r?;
    println!(
        "  {n} residents → {} and {} ({:.2} s)",
        csv.display(),
        pq.display(),
        t.elapsed().as_secs_f64()
    );

    let process = Process::load(&process_path)?;
    println!("\n[2/7] commit: inputs fixed before the seed exists");
    let t = Instant::now();
    let seed_source = "Lotto 6aus49, draw of Saturday 2027-01-16: six numbers and the Superzahl as an RFC 3797 key string";
    let c = crate::draw::run::commit(&process, 1, None, seed_source, None, false)?;
    super::print_plan(&c.loaded.plan, None);
    println!(
        "  commitment {}  ({:.2} s)",
        c.commitment,
        t.elapsed().as_secs_f64()
    );
    println!("  publish: {}", c.commitment_file.display());

    println!("\n[3/7] draw with the public seed {EXAMPLE_SEED}");
    let t = Instant::now();
    let seed = Seed::parse(EXAMPLE_SEED)?;
    let d = crate::draw::run::draw(&process, &seed, None, None, false, false)?;
    super::draw::report(&d);
    println!("  ({:.2} s)", t.elapsed().as_secs_f64());

    println!(
        "\n[4/7] applications: synthetic replies to the invitation (response model by age, district, education)"
    );
    let t = Instant::now();
    let apps = a.dir.join("data/applications.csv");
    crate::intake::step::write_synthetic_applications(&process, &apps, 2027, false)?;
    println!("  {} ({:.2} s)", apps.display(), t.elapsed().as_secs_f64());

    println!("\n[5/7] intake: codes linked, answers checked, pseudonymous pool");
    let t = Instant::now();
    let r = crate::intake::step::intake(&process, &apps, false)?;
    super::intake::print_report(&r);
    println!("  ({:.2} s)", t.elapsed().as_secs_f64());

    println!("\n[6/7] selection: LEXIMIN panel distribution for k = 50 under the Dortmund quotas");
    let t = Instant::now();
    super::select::run_for_process(&process, false)?;
    println!("  ({:.2} s)", t.elapsed().as_secs_f64());

    println!("\n[7/7] verify: journal, outputs, replay");
    let t = Instant::now();
    let checks = crate::verify::verify(&process);
    let code = super::verify::print(&checks);
    println!("  ({:.2} s)", t.elapsed().as_secs_f64());
    println!(
        "\ndemo finished in {:.1} s; outputs under {}",
        t0.elapsed().as_secs_f64(),
        a.dir.join("out").display()
    );
    Ok(code)
}

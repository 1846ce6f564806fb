//! Benchmark of the selection (issue 3). Not a test: run it in release mode.
//!
//!     cargo run --release --example bench_select [-- --peer-large | --no-peer | --only NAME]
//!
//! Instances: Alternate(2000,200) and Alternate(200,20) (../shared/instances), the
//! Sortition Foundation fixture (150/22, households by address), a Dortmund-like
//! pool (the demo pipeline: synthetic register → draw 2,000 → synthetic replies →
//! intake; k = 50, 5 categories, households) and a random skewed 500/75 pool.
//! For each it times sortes' LEXIMIN and MAXIMIN (median of 3 runs) and, where the
//! Sortition Foundation's `sortition-algorithms` is installed in a virtual
//! environment outside the repository (SORTES_PEER_PYTHON, default
//! /work/peer-venv/bin/python), runs its maximin (HiGHS) on the same files via
//! benches/peer/run_peer.py, and prints both times, the ratio and both minima.
//! The peer's maximin on Alternate(2000,200) took over 20 minutes here, so it only
//! runs with --peer-large.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sortes::select::{Category, Distribution, Instance, Options, QuotaValue};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/instances")
}

/// Files the peer reads: features.csv (category,value,min,max) and candidates.csv.
struct PeerFiles {
    features: PathBuf,
    candidates: PathBuf,
    id: String,
    address: Option<String>,
}

fn write_peer_files(dir: &Path, inst: &Instance) -> PeerFiles {
    std::fs::create_dir_all(dir).expect("dir");
    let mut f = String::from("feature,value,min,max\n");
    for c in &inst.categories {
        for v in &c.values {
            f.push_str(&format!("{},{},{},{}\n", c.name, v.name, v.min, v.max));
        }
    }
    let mut c = String::from("id");
    for cat in &inst.categories {
        c.push(',');
        c.push_str(&cat.name);
    }
    c.push_str(",household\n");
    for (i, a) in inst.agents.iter().enumerate() {
        c.push_str(&format!("a{i}"));
        for (ci, &v) in a.iter().enumerate() {
            c.push(',');
            c.push_str(&inst.categories[ci].values[v].name);
        }
        // A household key only where one is shared; others get a unique one.
        let hh = inst
            .households
            .as_ref()
            .and_then(|h| h[i])
            .map(|h| format!("h{h}"))
            .unwrap_or_else(|| format!("single{i}"));
        c.push_str(&format!(",{hh}\n"));
    }
    let features = dir.join("features.csv");
    let candidates = dir.join("candidates.csv");
    std::fs::write(&features, f).expect("write");
    std::fs::write(&candidates, c).expect("write");
    PeerFiles {
        features,
        candidates,
        id: "id".into(),
        address: inst.households.as_ref().map(|_| "household".into()),
    }
}

fn random_instance(n: usize, k: usize, seed: u64) -> Instance {
    // 4 categories with 2–5 values; value v appears with weight v+1 in the pool
    // (self-selection bias) while quotas ask for equal shares k/m ± 10 %.
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = ChaCha20Rng::from_seed(s);
    let sizes = [2usize, 3, 4, 5];
    let mut agents = vec![Vec::new(); n];
    let mut categories = Vec::new();
    for (c, &m) in sizes.iter().enumerate() {
        let total: u64 = (1..=m as u64).sum();
        let mut counts = vec![0usize; m];
        for a in agents.iter_mut() {
            let mut r = rng.next_u64() % total;
            let mut v = 0;
            while r > v as u64 {
                r -= v as u64 + 1;
                v += 1;
            }
            a.push(v);
            counts[v] += 1;
        }
        let values = (0..m)
            .map(|v| {
                let share = k as f64 / m as f64;
                QuotaValue {
                    name: format!("v{v}"),
                    min: ((share * 0.9).floor() as u32).min(counts[v] as u32),
                    max: (share * 1.1).ceil() as u32,
                }
            })
            .collect();
        categories.push(Category {
            name: format!("c{c}"),
            values,
        });
    }
    Instance {
        k,
        categories,
        agents,
        households: None,
    }
}

/// The demo pipeline up to the pool, in a temporary directory.
fn dortmund_pool(dir: &Path) -> Instance {
    let marker = dir.join("out/public/pool.csv");
    if !marker.exists() {
        std::fs::create_dir_all(dir).expect("dir");
        let toml = include_str!("dortmund/forum.toml");
        std::fs::write(dir.join("forum.toml"), toml).expect("toml");
        let cfg = sortes::register::synth::SynthConfig::default();
        sortes::register::read::write_synthetic(&dir.join("data"), &cfg, true).expect("register");
        let p = sortes::process::Process::load(&dir.join("forum.toml")).expect("process");
        sortes::draw::run::commit(&p, 1, None, "bench", None, true).expect("commit");
        let seed = sortes::spec::Seed::parse("3.12.19.27.33.41./7./").expect("seed");
        sortes::draw::run::draw(&p, &seed, None, None, false, true).expect("draw");
        let (_, _, inv, _) = sortes::intake::step::load_invitees(&p).expect("invitees");
        let cfg = p.file.intake.clone().expect("intake config");
        let apps = dir.join("applications.csv");
        std::fs::write(&apps, sortes::intake::synth_applications(&inv, &cfg, 2027)).expect("apps");
        sortes::intake::step::intake(&p, &apps, true).expect("intake");
    }
    let qf = sortes::quotas::read_quota_file(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("quotas/dortmund-50.csv"),
    )
    .expect("quotas");
    let pool = sortes::quotas::read_pool(&marker, "pool_id", Some("household")).expect("pool");
    sortes::quotas::build_instance(&qf, 50, &pool).expect("instance")
}

fn ours(inst: &Instance, leximin: bool) -> (f64, f64, usize, Option<Distribution>) {
    let mut times = Vec::new();
    let mut result = (0.0, 0);
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let d = if leximin {
            sortes::select::leximin(inst, &Options::default(), &mut |_| {})
        } else {
            sortes::select::maximin(inst, &Options::default(), &mut |_| {})
        }
        .expect("selection");
        times.push(t.elapsed().as_secs_f64());
        let m = sortes::select::marginals(inst, &d);
        result = (
            m.iter().copied().fold(f64::INFINITY, f64::min),
            d.panels.len(),
        );
        last = Some(d);
    }
    times.sort_by(f64::total_cmp);
    (times[1], result.0, result.1, last)
}

/// Rounding the LEXIMIN distribution to a lottery of m = 1000 panels, as `sortes
/// lottery build` does (probabilities to 12 decimals, new panels from the pricing ILP).
/// Returns seconds (median of 3), the largest deviation, largest-remainder rounding's
/// deviation (the baseline, same run) and the lower bound, all in units of 1/m.
fn lottery(inst: &Instance, d: &Distribution) -> (f64, f64, f64, f64, usize) {
    use sortes::lottery::round::{UNIT, round};
    let mut probs: Vec<i128> = d
        .probs
        .iter()
        .map(|&p| (p * UNIT as f64).round() as i128)
        .collect();
    sortes::lottery::normalise_units(&mut probs);
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..3 {
        let t = Instant::now();
        let mut generate = |w: &[f64]| {
            sortes::select::best_panel(inst, w, sortes::select::Solver::default())
                .ok()
                .flatten()
        };
        let r = round(&d.panels, &probs, inst.agents.len(), 1000, &mut generate);
        times.push(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let r = out.expect("three runs");
    let u = UNIT as f64;
    (
        times[1],
        r.max_deviation as f64 / u,
        r.start_deviation as f64 / u,
        r.lower_bound as f64 / u,
        r.new_panels,
    )
}

fn peer(files: &PeerFiles, k: usize) -> Option<(f64, f64)> {
    let py = std::env::var("SORTES_PEER_PYTHON").unwrap_or("/work/peer-venv/bin/python".into());
    if !Path::new(&py).exists() {
        return None;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peer/run_peer.py");
    let mut cmd = Command::new(py);
    cmd.arg(script)
        .arg("--features")
        .arg(&files.features)
        .arg("--candidates")
        .arg(&files.candidates)
        .args([
            "--k",
            &k.to_string(),
            "--id-column",
            &files.id,
            "--repeat",
            "1",
        ]);
    if let Some(a) = &files.address {
        cmd.args(["--address-columns", a]);
    }
    let out = cmd.output().ok()?;
    let v: serde_json::Value = serde_json::from_slice(out.stdout.trim_ascii()).ok()?;
    Some((
        v["seconds_median"].as_f64()?,
        v["min_probability"].as_f64()?,
    ))
}

fn main() {
    let peer_large = std::env::args().any(|a| a == "--peer-large");
    let no_peer = std::env::args().any(|a| a == "--no-peer");
    let tmp = std::env::temp_dir().join("sortes-bench-select");
    let mut cases: Vec<(&str, Instance, bool)> = Vec::new();
    let large = sortes::select::instance_io::read_research_instance(
        &shared().join("example_large_200"),
        200,
    )
    .expect("example_large_200");
    cases.push(("Alternate(2000,200)", large, peer_large));
    let small =
        sortes::select::instance_io::read_research_instance(&shared().join("example_small_20"), 20)
            .expect("example_small_20");
    cases.push(("Alternate(200,20)", small, true));
    let d = shared().join("sortitionfoundation_fixture_150_22");
    let (fixture, _) = sortes::select::instance_io::read_sortition_foundation(
        &d.join("features.csv"),
        &d.join("candidates.csv"),
        22,
        "nationbuilder_id",
        &["primary_address1", "primary_zip"],
    )
    .expect("fixture");
    cases.push(("SF fixture 150/22", fixture, true));
    cases.push((
        "Dortmund-like pool",
        dortmund_pool(&tmp.join("dortmund")),
        true,
    ));
    cases.push(("random 500/75", random_instance(500, 75, 1), true));
    println!(
        "{:<20} {:>5} {:>4} | {:>9} {:>8} {:>7} | {:>9} {:>8} | {:>9} {:>8} {:>8}",
        "instance",
        "n",
        "k",
        "leximin s",
        "min",
        "panels",
        "maximin s",
        "min",
        "peer s",
        "peer min",
        "ratio"
    );
    // --only TEXT: run just the instances whose name contains TEXT (case-insensitive).
    let only = std::env::args()
        .skip_while(|a| a != "--only")
        .nth(1)
        .map(|s| s.to_lowercase());
    if let Some(o) = &only {
        cases.retain(|(name, _, _)| name.to_lowercase().contains(o.as_str()));
    }
    let mut dists = Vec::new();
    for (name, inst, run_peer) in &cases {
        let (lt, lmin, lp, dist) = ours(inst, true);
        let (mt, mmin, _, _) = ours(inst, false);
        dists.push((name, inst, dist));
        let files = write_peer_files(
            &tmp.join(name.replace([' ', '(', ')', ',', '/'], "_")),
            inst,
        );
        let p = if *run_peer && !no_peer {
            peer(&files, inst.k)
        } else {
            None
        };
        let (ps, pm, ratio) = match p {
            Some((s, m)) => (
                format!("{s:.2}"),
                format!("{m:.4}"),
                format!("{:.0}×", s / mt),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:<20} {:>5} {:>4} | {:>9.3} {:>8.4} {:>7} | {:>9.3} {:>8.4} | {:>9} {:>8} {:>8}",
            name,
            inst.agents.len(),
            inst.k,
            lt,
            lmin,
            lp,
            mt,
            mmin,
            ps,
            pm,
            ratio
        );
    }
    println!(
        "\nlottery rounding to m = 1000 of the LEXIMIN distribution (deviations in units of 1/m)"
    );
    println!(
        "{:<20} {:>9} {:>10} {:>16} {:>11} {:>10}",
        "instance", "seconds", "largest", "largest-remainder", "lower bound", "new panels"
    );
    for (name, inst, dist) in dists {
        let Some(d) = dist else { continue };
        let (t, dev, base, lb, np) = lottery(inst, &d);
        println!("{name:<20} {t:>9.3} {dev:>10.3} {base:>16.3} {lb:>11.3} {np:>10}");
    }
}

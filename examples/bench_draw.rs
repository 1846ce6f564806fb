//! Benchmark of the invitation draw (issues 2 and 13). Not a test: run it in release mode.
//!
//!     cargo run --release --example bench_draw [-- --big]
//!
//! For the synthetic Dortmund register (612,065 rows) as CSV (Windows-1252) and as
//! Parquet — and with `--big` a Berlin-size extract (3,900,000 rows) and a whole
//! state (18,000,000 rows), both CSV, made by repeating the Dortmund rows under new
//! register ids — it measures, in the same run and each in a fresh child process:
//! (a) polars merely reading the file (every column as text), (b) the whole `draw`
//! step (read, canonicalise, hash, eligibility, plan, compare with the commitment,
//! sample, codes, write invitees.csv), their ratio, and the peak memory (VmHWM) of
//! each child. Each figure is the median of 3 runs (1 run for the two big extracts).
//! Targets (issue 13): 612k within 2x the plain read; 3.9M under 5 s and 1 GiB;
//! 18M under 30 s and 2 GiB.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn peak_kib() -> u64 {
    sortes::base::timing::memory_kib().map_or(0, |(_, peak)| peak)
}

fn plain_read(path: &Path) {
    use polars::prelude::*;
    let t = Instant::now();
    let df = if path.extension().is_some_and(|e| e == "parquet") {
        let f = std::fs::File::open(path).expect("open");
        ParquetReader::new(f).finish().expect("parquet")
    } else {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_parse_options(
                CsvParseOptions::default()
                    .with_separator(b';')
                    .with_encoding(CsvEncoding::LossyUtf8),
            )
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .expect("reader")
            .finish()
            .expect("csv")
    };
    println!(
        "{} {} {}",
        t.elapsed().as_secs_f64(),
        df.height(),
        peak_kib()
    );
}

fn full_draw(process: &Path) {
    let t = Instant::now();
    let p = sortes::base::process::Process::load(process).expect("process");
    let seed = sortes::base::spec::Seed::parse("3.12./").expect("seed");
    let r = sortes::draw::step::draw(&p, &seed, None, Some("benchmark repetition"), true)
        .expect("draw");
    println!(
        "{} {} {}",
        t.elapsed().as_secs_f64(),
        r.loaded.reg.people.len(),
        peak_kib()
    );
}

fn child(args: &[&str]) -> (f64, u64, u64) {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(args)
        .output()
        .expect("child runs");
    let s = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = s.split_whitespace().collect();
    if f.len() < 3 {
        panic!("child failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    (
        f[0].parse().unwrap_or(f64::NAN),
        f[1].parse().unwrap_or(0),
        f[2].parse().unwrap_or(0),
    )
}

fn median(mut v: Vec<(f64, u64, u64)>) -> (f64, u64, u64) {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v[v.len() / 2]
}

fn setup(dir: &Path, population: usize, format: &str) -> PathBuf {
    let data = dir.join("data");
    if !data.join("register.csv").exists() {
        if population <= 612_065 {
            let cfg = sortes::synth::register::SynthConfig {
                population,
                ..Default::default()
            };
            sortes::synth::write_register(&data, &cfg, false).expect("synthetic register");
        } else {
            let base = dir.join("../dortmund/data/register.csv");
            repeat_register(&base, &data.join("register.csv"), population);
        }
    }
    let toml = include_str!("dortmund/forum.toml").replace(
        "path = \"data/register.csv\"",
        &format!("path = \"data/register.{format}\""),
    );
    let process = dir.join(format!("forum-{format}.toml"));
    let toml = toml.replace("dir = \"out\"", &format!("dir = \"out-{format}\""));
    std::fs::write(&process, toml).expect("write process");
    let p = sortes::base::process::Process::load(&process).expect("process");
    let _ = std::fs::remove_dir_all(dir.join(format!("out-{format}")));
    let form = sortes::base::spec::SeedForm::parse("rfc3797:2").expect("form");
    let args = sortes::draw::step::CommitArgs {
        wave: 1,
        counts: None,
        seed_source: "benchmark",
        seed_form: &form,
        recommit_reason: None,
        rejects: None,
        force: true,
    };
    sortes::draw::step::commit(&p, &args).expect("commit");
    let seed = sortes::base::spec::Seed::parse("1.2./").expect("seed");
    sortes::draw::step::draw(&p, &seed, None, None, true).expect("first draw");
    process
}

/// Writes `rows` data rows by repeating the rows of `base` under new register ids:
/// the k-th repetition of id i gets (k·10¹² + i)·1,000,000,007 mod 10¹⁴, 14 digits (a
/// bijection, so ids stay unique, and spread like a real register's).
fn repeat_register(base: &Path, out: &Path, rows: usize) {
    use std::io::{BufRead, BufWriter, Write};
    std::fs::create_dir_all(out.parent().expect("parent")).expect("dir");
    let mut w = BufWriter::new(std::fs::File::create(out).expect("create"));
    let mut written = 0usize;
    let mut k = 0usize;
    while written < rows {
        let r = std::io::BufReader::new(std::fs::File::open(base).expect("base register"));
        for (i, line) in r.split(b'\n').enumerate() {
            let line = line.expect("read");
            if i == 0 {
                if k == 0 {
                    w.write_all(&line).expect("write");
                    w.write_all(b"\n").expect("write");
                }
                continue;
            }
            if line.is_empty() || written == rows {
                continue;
            }
            let cut = line.iter().position(|&b| b == b';').expect("an id field");
            let id: u128 = std::str::from_utf8(&line[..cut])
                .ok()
                .and_then(|t| t.parse().ok())
                .expect("numeric ids in the synthetic register");
            let new = ((k as u128) * 1_000_000_000_000 + id) * 1_000_000_007 % 100_000_000_000_000;
            write!(w, "{new:014}").expect("write");
            w.write_all(&line[cut..]).expect("write");
            w.write_all(b"\n").expect("write");
            written += 1;
        }
        k += 1;
    }
    w.flush().expect("flush");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--child-read") => return plain_read(Path::new(&args[2])),
        Some("--child-draw") => return full_draw(Path::new(&args[2])),
        _ => {}
    }
    let big = args.iter().any(|a| a == "--big");
    let root = std::env::temp_dir().join("sortes-bench-draw");
    let mut sizes = vec![("dortmund", 612_065usize, &["csv", "parquet"][..])];
    if big {
        sizes.push(("berlin", 3_900_000, &["csv"][..]));
        sizes.push(("state", 18_000_000, &["csv"][..]));
    }
    println!(
        "{:<10} {:<8} {:>9} {:>10} {:>10} {:>7} {:>12} {:>12}",
        "register", "format", "rows", "read s", "draw s", "ratio", "read MiB", "draw MiB"
    );
    for (name, n, formats) in sizes {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        let runs = if n > 612_065 { 1 } else { 3 };
        for &format in formats {
            let process = setup(&dir, n, format);
            let file = dir.join(format!("data/register.{format}"));
            let read = median(
                (0..runs)
                    .map(|_| child(&["--child-read", file.to_str().expect("utf-8 path")]))
                    .collect(),
            );
            let draw = median(
                (0..runs)
                    .map(|_| child(&["--child-draw", process.to_str().expect("utf-8 path")]))
                    .collect(),
            );
            println!(
                "{:<10} {:<8} {:>9} {:>10.3} {:>10.3} {:>7.2} {:>12.0} {:>12.0}",
                name,
                format,
                read.1,
                read.0,
                draw.0,
                draw.0 / read.0,
                read.2 as f64 / 1024.0,
                draw.2 as f64 / 1024.0
            );
        }
    }
}

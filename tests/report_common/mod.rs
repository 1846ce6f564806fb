//! Sample report data for the report tests, built from the demo run's public outputs
//! in tests/data/report-demo/ (copied from a `sortes demo` run: public/ and the
//! journal only; distribution.csv is left out because the report does not read it).
#![allow(dead_code)]

use sortes::report::{Lang, Lottery, Replacement, ReportData, ReportOptions};
use std::path::{Path, PathBuf};

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join("report-demo")
}

/// Where tests leave files for people to look at (under target/).
pub fn artifact_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("report");
    std::fs::create_dir_all(&dir).expect("create target/report");
    dir
}

/// The report data of the fixture folder, read through the run handle.
pub fn load_fixture() -> sortes::base::error::Result<ReportData> {
    let run = sortes::base::run::Run::open(sortes::base::run::Layout::at(fixture_dir()))?;
    sortes::report::load(&run)
}

/// The demo data as the loader reads it, plus what the process file would add.
pub fn demo_data() -> ReportData {
    let mut d = load_fixture().expect("load the demo fixture");
    d.process_name = Some("Dortmunder Bürgerinnen- und Bürgerforum 2027".into());
    d.process_id = Some("dortmund-forum-2027".into());
    d
}

/// The demo extended by the later stages (synthetic figures, for rendering tests
/// only): a legacy baseline, the lottery, the panel's composition, replacements.
pub fn full_data() -> ReportData {
    let mut d = demo_data();
    let n = d.probabilities.leximin.len();
    // A legacy-like spread: same mean k/n, but unequal chances.
    let k = d.panel_size.unwrap_or(50) as f64;
    let mean = k / n as f64;
    d.probabilities.legacy = Some(
        (0..n)
            .map(|i| {
                let x = i as f64 / (n - 1) as f64;
                (mean * (0.35 + 1.3 * x * x * 1.5)).min(1.0)
            })
            .collect(),
    );
    d.lottery = Some(Lottery {
        m: 1000,
        number: 417,
        panel_no: 132,
        date: Some("2027-03-06".into()),
        seed: Some("rfc3797:5.9.22.30.41.48./3./".into()),
    });
    // A panel composition: expected values rounded, within the quotas.
    for cat in &mut d.categories {
        for v in &mut cat.values {
            v.panel = v.expected.map(|e| e.round() as u64);
        }
    }
    d.replacements = vec![
        Replacement {
            date: "2027-03-20".into(),
            dropped: 2,
            replaced: 2,
            note: Some("Vor der ersten Sitzung".into()),
        },
        Replacement {
            date: "2027-04-17".into(),
            dropped: 1,
            replaced: 0,
            note: None,
        },
    ];
    d
}

pub fn options(lang: Lang) -> ReportOptions {
    let mut o = ReportOptions::default();
    let labels: &[(&str, &str)] = match lang {
        Lang::De => &[
            ("gender", "Geschlecht"),
            ("age_band", "Altersgruppe"),
            ("stadtbezirk", "Stadtbezirk"),
            ("education", "Bildungsabschluss"),
            ("migration_background", "Migrationsgeschichte"),
        ],
        Lang::En => &[
            ("gender", "Gender"),
            ("age_band", "Age band"),
            ("stadtbezirk", "District"),
            ("education", "Education"),
            ("migration_background", "Migration background"),
        ],
    };
    for (k, v) in labels {
        o.category_labels.insert(k.to_string(), v.to_string());
    }
    o
}

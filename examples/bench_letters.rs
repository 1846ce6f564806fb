//! Benchmark: N invitation letters into one PDF.
//! `cargo run --release --example bench_letters -- [invitees.csv] [count]`
//! (default: the demo's invitees, `demo-out/out/private/invitees.csv`; run the demo first)
//! Prints only counts, sizes and times (the CSV holds personal data).

use sortes::letters::{Kind, LettersConfig, Recipient, render};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

#[derive(serde::Deserialize)]
struct File {
    letters: LettersConfig,
    intake: Option<sortes::base::process::IntakeConfig>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let csv_path = args
        .get(1)
        .map_or("demo-out/out/private/invitees.csv", String::as_str);
    let count: usize = args.get(2).map_or(Ok(2000), |s| s.parse())?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cfg: File = toml::from_str(&std::fs::read_to_string(
        root.join("examples/dortmund/forum.toml"),
    )?)?;
    // The reply card asks the intake's questions, as in `sortes letters invitations`.
    if let Some(intake) = &cfg.intake {
        cfg.letters.card = sortes::letters::step::card(intake);
    }
    let mut rdr = csv::Reader::from_path(csv_path)?;
    let headers = rdr.headers()?.clone();
    let mut recipients = Vec::new();
    for row in rdr.records() {
        let row = row?;
        let fields: BTreeMap<String, String> = headers
            .iter()
            .zip(row.iter())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        recipients.push(Recipient {
            language: None,
            fields,
        });
    }
    // Repeat the sample when more letters are asked for than it has.
    let n = recipients.len();
    let recipients: Vec<Recipient> = (0..count).map(|i| recipients[i % n].clone()).collect();
    let t = Instant::now();
    let batch = render(
        Kind::Invitation,
        &recipients,
        &cfg.letters,
        &std::env::var_os("LETTERS_TEMPLATES")
            .map_or_else(|| root.join("templates/letters"), Into::into),
        false,
    )?;
    let secs = t.elapsed().as_secs_f64();
    let out = std::env::temp_dir().join("letters-bench.pdf");
    std::fs::write(&out, &batch.pdf)?;
    println!(
        "{} letters, {} pages, PDF {:.1} MB, HTML {:.1} MB, render {:.2} s, missing glyphs {}; written to {}",
        batch.letters,
        batch.pages,
        batch.pdf.len() as f64 / 1e6,
        batch.html.len() as f64 / 1e6,
        secs,
        batch.missing_glyphs,
        out.display()
    );
    Ok(())
}

//! Synthetic data for trying sortes out, for the demo and for tests — never for a
//! real process: a Dortmund-like register extract ([`register`]), replies to the
//! invitations ([`applications`]) and selection instances with known answers
//! ([`instances`]). Nothing here is read by a step of a real process.

pub mod applications;
pub mod instances;
pub mod register;

pub use applications::{default_dortmund_config, synth_applications};

use crate::base::error::{Error, Result};

/// Integer draws on top of an unbiased `below` (no floating point): how the synthetic
/// generators sample.
pub(crate) trait Draws {
    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64;
    /// True with probability num/den.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
    /// An index chosen with the given integer weights (cumulative scan).
    fn weighted(&mut self, w: &[u64]) -> usize {
        let total: u64 = w.iter().sum();
        let mut x = self.below(total);
        for (i, &wi) in w.iter().enumerate() {
            if x < wi {
                return i;
            }
            x -= wi;
        }
        w.len().saturating_sub(1)
    }
}

impl Draws for crate::base::spec::Stream {
    fn below(&mut self, n: u64) -> u64 {
        crate::base::spec::Stream::below(self, n.max(1))
    }
}
use polars::prelude::*;
use std::path::Path;

/// Writes a DataFrame as Parquet (used by the synthetic register generator).
pub fn write_parquet(df: &mut DataFrame) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .finish(df)
        .map_err(|e| Error::internal(format!("writing Parquet failed: {e}")))?;
    Ok(buf)
}

/// Writes the synthetic register as `;`-separated Windows-1252 CSV and as Parquet
/// into `dir`. Both hold the same canonical records (the extract hashes agree).
pub fn write_register(
    dir: &Path,
    cfg: &register::SynthConfig,
    force: bool,
) -> Result<(std::path::PathBuf, std::path::PathBuf, usize)> {
    use crate::base::fsio::{Privacy, write_atomic};
    use register as synth;
    let csv_path = dir.join("register.csv");
    let pq_path = dir.join("register.parquet");
    crate::base::fsio::check_new(&csv_path, force)?;
    crate::base::fsio::check_new(&pq_path, force)?;
    let people = synth::generate(cfg);
    let bytes = synth::to_csv_windows1252(&people, b';').map_err(Error::internal)?;
    // A column at a time: all 612,000 rows as 18 strings each would take 0.4 GB at once.
    let columns: Vec<Column> = synth::HEADER
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let values: Vec<String> = people.iter().map(|p| p.cell(i)).collect();
            Column::new(PlSmallStr::from(*name), values)
        })
        .collect();
    let mut df = DataFrame::new(people.len(), columns)
        .map_err(|e| Error::internal(format!("building the Parquet table failed: {e}")))?;
    let pq = write_parquet(&mut df)?;
    write_atomic(&csv_path, &bytes, Privacy::Personal, force)?;
    write_atomic(&pq_path, &pq, Privacy::Personal, force)?;
    Ok((csv_path, pq_path, people.len()))
}

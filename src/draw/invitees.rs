//! `invitees.csv` (personal, mode 0600): the schema that the draw writes and that the
//! next wave's draw, the intake, the letters and the synthetic applications read.
//! One struct, one header, one writer, one reader.

use crate::base::error::{Error, Location, Result};
use crate::base::table::{Options, Table};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The columns, in file order.
pub const HEADER: [&str; 21] = [
    "wave",
    "stratum",
    "draw_rank",
    "register_id",
    "application_code",
    "family_name",
    "given_names",
    "doctorate",
    "name_prefix",
    "street",
    "house_number",
    "house_number_suffix",
    "house_number_part",
    "address_addition",
    "postcode",
    "city",
    "age",
    "age_band",
    "gender",
    "nationality",
    "stadtbezirk",
];

/// One invited person (a row of invitees.csv, any wave). `Debug` leaves out names,
/// addresses, codes and ids.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Invitee {
    pub wave: String,
    pub stratum: String,
    pub draw_rank: String,
    pub register_id: String,
    pub application_code: String,
    pub family_name: String,
    pub given_names: String,
    pub doctorate: String,
    pub name_prefix: String,
    pub street: String,
    pub house_number: String,
    pub house_number_suffix: String,
    pub house_number_part: String,
    pub address_addition: String,
    pub postcode: String,
    pub city: String,
    pub age: String,
    pub age_band: String,
    pub gender: String,
    pub nationality: String,
    pub stadtbezirk: String,
    /// Where the row was read (for messages that must not quote personal data).
    pub file: Option<PathBuf>,
    pub line: u64,
}

impl fmt::Debug for Invitee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invitee")
            .field("wave", &self.wave)
            .field("stratum", &self.stratum)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl Invitee {
    /// The cells in [`HEADER`] order.
    pub fn cells(&self) -> [&str; 21] {
        [
            &self.wave,
            &self.stratum,
            &self.draw_rank,
            &self.register_id,
            &self.application_code,
            &self.family_name,
            &self.given_names,
            &self.doctorate,
            &self.name_prefix,
            &self.street,
            &self.house_number,
            &self.house_number_suffix,
            &self.house_number_part,
            &self.address_addition,
            &self.postcode,
            &self.city,
            &self.age,
            &self.age_band,
            &self.gender,
            &self.nationality,
            &self.stadtbezirk,
        ]
    }

    fn slots(&mut self) -> [&mut String; 21] {
        [
            &mut self.wave,
            &mut self.stratum,
            &mut self.draw_rank,
            &mut self.register_id,
            &mut self.application_code,
            &mut self.family_name,
            &mut self.given_names,
            &mut self.doctorate,
            &mut self.name_prefix,
            &mut self.street,
            &mut self.house_number,
            &mut self.house_number_suffix,
            &mut self.house_number_part,
            &mut self.address_addition,
            &mut self.postcode,
            &mut self.city,
            &mut self.age,
            &mut self.age_band,
            &mut self.gender,
            &mut self.nationality,
            &mut self.stadtbezirk,
        ]
    }

    /// The value of a column by its invitees.csv name.
    pub fn field(&self, name: &str) -> Option<&str> {
        HEADER
            .iter()
            .position(|h| *h == name)
            .map(|i| self.cells()[i])
    }

    /// Column name → value, as the letter templates get a recipient's row.
    pub fn fields(&self) -> BTreeMap<String, String> {
        HEADER
            .iter()
            .zip(self.cells())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect()
    }

    /// Where the row was read, for messages.
    pub fn location(&self) -> Location {
        match &self.file {
            Some(p) => Location::line(p, self.line),
            None => Location::default(),
        }
    }
}

/// The bytes of invitees.csv for `rows` (CSV, `,`, quotes only where needed).
pub fn write(rows: &[Invitee]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::internal(format!("writing invitees.csv: {e}"));
    w.write_record(HEADER).map_err(io)?;
    for r in rows {
        w.write_record(r.cells()).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| Error::internal(format!("writing invitees.csv: {e}")))
}

/// Parses invitees.csv as written by [`write`]: the header must be [`HEADER`], every
/// row as wide, every application code valid (canonical form kept).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Invitee>> {
    let t = Table::parse(path, bytes, &Options::csv())?;
    if t.header != HEADER {
        return Err(Error::input(
            Location::line(path, 1),
            format!(
                "the header is not that of invitees.csv ({}); it must be the file sortes wrote",
                HEADER.join(",")
            ),
        ));
    }
    let mut out = Vec::with_capacity(t.rows.len());
    for row in t.rows {
        let mut inv = Invitee {
            file: Some(path.to_path_buf()),
            line: row.line,
            ..Default::default()
        };
        for (slot, cell) in inv.slots().into_iter().zip(row.cells) {
            *slot = cell;
        }
        inv.application_code = super::codes::parse_code(&inv.application_code).map_err(|_| {
            Error::input(
                Location::at(path, row.line, "application_code"),
                "this is not a valid application code; invitees.csv must be the file sortes wrote",
            )
        })?;
        out.push(inv);
    }
    Ok(out)
}

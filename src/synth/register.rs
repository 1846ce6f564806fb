//! Synthetic Dortmund population register (Einwohnermelderegister extract).
//!
//! The figures follow `quotas/dortmund-statistics.csv`: Stadtbezirk populations
//! of 31.12.2023, IT.NRW age bands of 31.12.2021, the gender split, the
//! non-German shares per district and the household figures. The tables (districts,
//! streets, names, nationalities) are data files in `src/synth/data/`, compiled in
//! with `include_str!`. Everything is derived from one ChaCha20 stream read through
//! small integer helpers, so a seed gives byte-identical output on every machine.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::LazyLock;

use super::Draws;
use chrono::{Datelike, Days, Months, NaiveDate};
use encoding_rs::WINDOWS_1252;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::base::apportion::apportion;

/// Register main-residence population of Dortmund on 31.12.2023 (the default size).
pub const DEFAULT_POPULATION: usize = 612_065;

/// Settings for [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    pub seed: u64,
    pub population: usize,
    /// The day the extract is "as of"; ages are computed relative to it.
    pub reference_date: NaiveDate,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 2023,
            population: DEFAULT_POPULATION,
            reference_date: NaiveDate::from_ymd_opt(2026, 12, 31).expect("constant date is valid"),
        }
    }
}

/// One resident as listed in the register extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthPerson {
    pub register_id: String,
    pub family_name: String,
    pub given_names: String,
    /// Doktorgrad ("Dr." or empty).
    pub doctorate: &'static str,
    /// Namensvorsatz ("von der", or empty).
    pub name_prefix: &'static str,
    pub street: String,
    pub house_number: String,
    /// The letter of "12a", in its own column as registers keep it.
    pub house_number_suffix: String,
    /// Teilnummer ("1/2", or empty).
    pub house_number_part: &'static str,
    /// Adresszusatz ("c/o Kaya", "Gebäude B; 2. OG", or empty).
    pub address_addition: String,
    pub postcode: String,
    pub city: String,
    pub birth_date: NaiveDate,
    /// How much of the birth date the register knows (day and month may be unknown).
    pub birth_known: Known,
    /// "M", "W", "D" or "X" (ohne Angabe), as register exports write it.
    pub gender: &'static str,
    /// German adjective as in the register, e.g. "deutsch", "türkisch".
    pub nationality: String,
    pub stadtbezirk: &'static str,
    /// Auskunftssperre (§ 51 BMG).
    pub block_51: bool,
    /// Bedingter Sperrvermerk (§ 52 BMG).
    pub block_52: bool,
}

/// How much of a birth date a register knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    Date,
    /// The day is unknown: `00.07.1955`.
    Month,
    /// Day and month are unknown: `00.00.1950`.
    Year,
}

/// Column names of the CSV export, in field order (the names German register
/// exports use, see docs/register-exports.md).
pub const HEADER: [&str; 18] = [
    "Ordnungsmerkmal",
    "Familienname",
    "Vornamen",
    "Doktorgrad",
    "Namensvorsatz",
    "Straße",
    "Hausnummer",
    "Hausnummerzusatz",
    "Teilnummer",
    "Adresszusatz",
    "PLZ",
    "Ort",
    "Geburtsdatum",
    "Geschlecht",
    "Staatsangehörigkeit",
    "Stadtbezirk",
    "Auskunftssperre",
    "Sperrvermerk",
];

impl SynthPerson {
    /// The cells in [`HEADER`] order, as the export writes them: dates
    /// `DD.MM.YYYY` with `00` for what is unknown, blocks `J`/`N`.
    pub fn cells(&self) -> [String; 18] {
        std::array::from_fn(|i| self.cell(i))
    }

    /// Cell `i` of [`Self::cells`] (a column at a time needs no row of 18 strings).
    pub fn cell(&self, i: usize) -> String {
        let mark = |b: bool| if b { "J" } else { "N" }.to_string();
        match i {
            0 => self.register_id.clone(),
            1 => self.family_name.clone(),
            2 => self.given_names.clone(),
            3 => self.doctorate.to_string(),
            4 => self.name_prefix.to_string(),
            5 => self.street.clone(),
            6 => self.house_number.clone(),
            7 => self.house_number_suffix.clone(),
            8 => self.house_number_part.to_string(),
            9 => self.address_addition.clone(),
            10 => self.postcode.clone(),
            11 => self.city.clone(),
            12 => {
                let d = &self.birth_date;
                match self.birth_known {
                    Known::Date => format!("{:02}.{:02}.{:04}", d.day(), d.month(), d.year()),
                    Known::Month => format!("00.{:02}.{:04}", d.month(), d.year()),
                    Known::Year => format!("00.00.{:04}", d.year()),
                }
            }
            13 => self.gender.to_string(),
            14 => self.nationality.clone(),
            15 => self.stadtbezirk.to_string(),
            16 => mark(self.block_51),
            _ => mark(self.block_52),
        }
    }
}

/// Generates exactly `cfg.population` residents of the 12 Stadtbezirke
/// (2023 populations, scaled by largest remainder when the size differs).
///
/// Rows come grouped by Stadtbezirk and building (like an address-sorted
/// extract); members of a household are adjacent.
pub fn generate(cfg: &SynthConfig) -> Vec<SynthPerson> {
    let (mut people, households) = generate_with_households(cfg);
    export_details(&mut people, &households, cfg.seed);
    people
}

/// What real exports carry beyond the basics, at rates of that order (from their
/// own stream, so the residents themselves do not change): a Doktorgrad for some
/// adults, a name prefix for some German families, the house-number letter in its
/// own column, a few part numbers and address additions (one with a `;`, which the
/// export must quote), gender X (ohne Angabe), and partial birth dates, most often
/// for people born abroad.
fn export_details(people: &mut [SynthPerson], households: &[Range<usize>], seed: u64) {
    use super::Draws;
    let mut r = Draw::new(seed ^ 0x6578_706f_7274_2d31);
    const PREFIXES: [&str; 5] = ["von", "von der", "van", "de", "zu"];
    const PARTS: [&str; 2] = ["1/2", "1/3"];
    for h in households {
        let prefix = (r.chance(6, 1000) && people[h.start].nationality == "deutsch")
            .then(|| *r.pick(&PREFIXES));
        let part = r.chance(3, 1000).then(|| *r.pick(&PARTS));
        let family = people[h.start].family_name.clone();
        for p in &mut people[h.clone()] {
            if let Some(pre) = prefix
                && p.family_name == family
            {
                p.name_prefix = pre;
            }
            if let Some(part) = part {
                p.house_number_part = part;
            }
        }
    }
    let families: Vec<String> = people.iter().map(|p| p.family_name.clone()).collect();
    for p in people.iter_mut() {
        let split = p.house_number.find(|c: char| !c.is_ascii_digit());
        if let Some(i) = split {
            p.house_number_suffix = p.house_number[i..].to_string();
            p.house_number.truncate(i);
        }
        // Adults of 30 and more (on the default reference date).
        if p.birth_date.year() <= 1996 && r.chance(15, 1000) {
            p.doctorate = "Dr.";
        }
        let w = r.below(1000);
        p.address_addition = if w < 5 {
            format!("c/o {}", r.pick(&families))
        } else if w < 7 {
            "Gebäude B; 2. OG".to_string()
        } else if w < 9 {
            format!("bei {}", r.pick(&families))
        } else {
            String::new()
        };
        p.gender = match p.gender {
            _ if r.chance(5, 10_000) => "X",
            "m" => "M",
            "w" => "W",
            _ => "D",
        };
        let partial = if p.nationality == "deutsch" {
            r.chance(5, 10_000)
        } else {
            r.chance(2, 100)
        };
        p.birth_known = match (partial, r.chance(7, 10)) {
            (false, _) => Known::Date,
            (true, true) => Known::Month,
            (true, false) => Known::Year,
        };
    }
}

/// One row per person after a header row, fields in [`HEADER`] order, CRLF
/// line ends; birth date as DD.MM.YYYY, blocks as "ja" or empty. `delimiter`
/// is `b';'`, `b','` or `b'\t'`; fields are quoted only when they contain the
/// delimiter, a quote or a line break.
pub fn to_csv_utf8(people: &[SynthPerson], delimiter: u8) -> String {
    let delim = char::from(delimiter);
    let mut out = String::with_capacity(160 * (people.len() + 1));
    for (i, h) in HEADER.iter().enumerate() {
        if i > 0 {
            out.push(delim);
        }
        push_field(&mut out, h, delim);
    }
    out.push_str("\r\n");
    for p in people {
        for (i, f) in p.cells().iter().enumerate() {
            if i > 0 {
                out.push(delim);
            }
            push_field(&mut out, f, delim);
        }
        out.push_str("\r\n");
    }
    out
}

/// [`to_csv_utf8`] encoded as Windows-1252. Fails (never substitutes) if a
/// character has no Windows-1252 code.
pub fn to_csv_windows1252(people: &[SynthPerson], delimiter: u8) -> Result<Vec<u8>, String> {
    let text = to_csv_utf8(people, delimiter);
    let (bytes, _, had_errors) = WINDOWS_1252.encode(&text);
    if !had_errors {
        return Ok(bytes.into_owned());
    }
    // Slow path only to name the offending character for the message.
    for (line, row) in text.split("\r\n").enumerate() {
        for c in row.chars().filter(|c| !c.is_ascii()) {
            let mut buf = [0u8; 4];
            if WINDOWS_1252.encode(c.encode_utf8(&mut buf)).2 {
                return Err(format!(
                    "character '{c}' (U+{:04X}) in CSV line {} cannot be encoded as Windows-1252",
                    u32::from(c),
                    line + 1
                ));
            }
        }
    }
    Err("text cannot be encoded as Windows-1252".to_string())
}

fn push_field(out: &mut String, field: &str, delim: char) {
    let needs_quotes = if delim.is_ascii() {
        let d = delim as u8;
        field
            .bytes()
            .any(|b| b == d || b == b'"' || b == b'\r' || b == b'\n')
    } else {
        field.contains([delim, '"', '\r', '\n'])
    };
    if needs_quotes {
        out.push('"');
        for c in field.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(field);
    }
}

// ---------------------------------------------------------------------------
// Random numbers: only raw ChaCha20 words, mapped by exact integer arithmetic.

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Draw(ChaCha20Rng);

impl super::Draws for Draw {
    /// Uniform in `0..n` (Lemire's multiply with rejection, unbiased).
    fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.word()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

impl Draw {
    fn new(seed: u64) -> Self {
        // Own seed expansion so the stream does not depend on rand_core's
        // `seed_from_u64` implementation.
        let mut key = [0u8; 32];
        let mut state = seed;
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        Self(ChaCha20Rng::from_seed(key))
    }

    fn word(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

/// Bijection of `0..9·10^11` onto 12-digit numbers without a leading zero:
/// a keyed 4-round Feistel network on two base-10^6 halves, cycle-walked.
fn register_number(index: u64, keys: &[u64; 4]) -> u64 {
    const HALF: u64 = 1_000_000;
    const SPAN: u64 = 900_000_000_000;
    let mut x = index;
    loop {
        let (mut l, mut r) = (x / HALF, x % HALF);
        for &k in keys {
            let mut s = r ^ k;
            let f = splitmix64(&mut s) % HALF;
            (l, r) = (r, (l + f) % HALF);
        }
        x = l * HALF + r;
        if x < SPAN {
            return 100_000_000_000 + x;
        }
    }
}

/// Twelve decimal digits, zero-padded.
fn register_id(number: u64) -> String {
    let mut id = String::with_capacity(12);
    let mut div = 100_000_000_000u64;
    while div > 0 {
        id.push(char::from(b'0' + ((number / div) % 10) as u8));
        div /= 10;
    }
    id
}

// ---------------------------------------------------------------------------
// Dortmund figures.

/// Parses one of the built-in tables of `data/`. They are compiled in, so a
/// failure is a bug (the tests force every table).
fn built_in<T: DeserializeOwned>(text: &str) -> T {
    toml::from_str(text).expect("built-in synthetic data parses")
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Layout {
    /// Mostly blocks of flats (Innenstadt).
    Urban,
    Mixed,
    /// Many one- and two-family houses.
    Suburban,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct District {
    name: String,
    /// Register population 31.12.2023 (Brackel, Lütgendortmund, Mengede derived).
    population_2023: u64,
    /// Non-German residents in 1/10000.
    foreign_per_10000: u64,
    /// Mild multipliers (percent) on the age bands 0–14, 15–29, 30–44, 45–59,
    /// 60–74, 75+; rebalanced so the city total keeps the IT.NRW shares. Six.
    age_tilt: Vec<u64>,
    layout: Layout,
    postcodes: Vec<String>,
    streets: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistrictFile {
    district: Vec<District>,
}

/// The 12 Stadtbezirke in extract order, Innenstadt-Nord second
/// (`data/districts.toml`, with the sources of the figures).
static DISTRICTS: LazyLock<Vec<District>> =
    LazyLock::new(|| built_in::<DistrictFile>(include_str!("data/districts.toml")).district);

/// IT.NRW Fortschreibung 31.12.2021, all ages: 0–14, 15–29, 30–44, 45–59, 60–74, 75+.
const AGE_BANDS_2021: [u64; 6] = [82_969, 106_188, 115_967, 121_796, 98_279, 61_653];
const AGES: usize = 106;
const ADULT: usize = 18;
const MAX_PER_ADDRESS: usize = 30;

fn age_band(age: usize) -> usize {
    match age {
        0..=14 => 0,
        15..=29 => 1,
        30..=44 => 2,
        45..=59 => 3,
        60..=74 => 4,
        _ => 5,
    }
}

/// Relative weight of one year of age inside its band: students around 20–29,
/// the baby boomers in their late fifties and early sixties, thinning after 85.
fn year_shape(age: usize) -> u64 {
    match age {
        0..=14 => 100,
        15..=19 => 88,
        20..=29 => 106,
        30..=44 => 100,
        45..=52 => 90,
        53..=59 => 113,
        60..=64 => 129,
        65..=79 => 100,
        80..=84 => 95,
        85..=89 => 55,
        90..=94 => 20,
        95..=99 => 5,
        _ => 1,
    }
}

/// Exact per-district counts for every year of age.
fn age_counts(targets: &[u64; 12]) -> Vec<[u64; AGES]> {
    const SCALE: u128 = 1_000_000_000_000;
    // Tilted band weights, then a few proportional-fitting rounds so the city
    // as a whole keeps the IT.NRW band shares despite the district tilts.
    let mut m: Vec<[u128; 6]> = DISTRICTS
        .iter()
        .map(|d| std::array::from_fn(|b| u128::from(AGE_BANDS_2021[b] * d.age_tilt[b])))
        .collect();
    let total: u128 = targets.iter().map(|&t| u128::from(t)).sum();
    let band_sum: u128 = AGE_BANDS_2021.iter().map(|&b| u128::from(b)).sum();
    if total > 0 {
        for _ in 0..8 {
            let mut expected = [0u128; 6];
            for (row, &n) in m.iter().zip(targets) {
                let row_sum: u128 = row.iter().sum();
                for b in 0..6 {
                    expected[b] += u128::from(n) * row[b] * SCALE / row_sum;
                }
            }
            for b in 0..6 {
                let want = total * u128::from(AGE_BANDS_2021[b]) * SCALE / band_sum;
                for row in m.iter_mut() {
                    if let Some(v) = (row[b] * want).checked_div(expected[b]) {
                        row[b] = v.max(1);
                    }
                }
            }
        }
    }
    let mut shape_sum = [0u128; 6];
    for age in 0..AGES {
        shape_sum[age_band(age)] += u128::from(year_shape(age));
    }
    m.iter()
        .zip(targets)
        .map(|(row, &n)| {
            let weights: Vec<u128> = (0..AGES)
                .map(|a| {
                    let b = age_band(a);
                    row[b] * u128::from(year_shape(a)) * 1_000_000 / shape_sum[b]
                })
                .collect();
            let counts = apportion(n, &weights);
            std::array::from_fn(|a| counts[a])
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Households.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gender {
    M,
    W,
    D,
}

impl Gender {
    fn code(self) -> &'static str {
        match self {
            Gender::M => "m",
            Gender::W => "w",
            Gender::D => "d",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NameRole {
    /// The household's family name.
    Base,
    /// Own family name (unmarried partner, flatmate).
    Own,
    /// Hyphenated double name "Base-Own" (German names only).
    Double,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Family,
    Single,
    Couple,
    ParentsAdultChild,
    SharedFlat,
}

struct Member {
    age: usize,
    gender: Gender,
    role: NameRole,
}

struct Draft {
    kind: Kind,
    members: Vec<Member>,
}

/// Remaining residents of one district by year of age; households draw from it
/// so the district's age structure is met exactly.
struct AgePool {
    counts: [u64; AGES],
}

impl AgePool {
    fn sum(&self, lo: usize, hi: usize) -> u64 {
        self.counts[lo..=hi.min(AGES - 1)].iter().sum()
    }

    fn take_weighted(
        &mut self,
        r: &mut Draw,
        lo: usize,
        hi: usize,
        weight: impl Fn(usize) -> u64,
    ) -> Option<usize> {
        let hi = hi.min(AGES - 1);
        if lo > hi {
            return None;
        }
        let slice = &self.counts[lo..=hi];
        let mut total: u64 = slice
            .iter()
            .enumerate()
            .map(|(i, &c)| c * weight(lo + i))
            .sum();
        let weighted = total > 0;
        if !weighted {
            total = slice.iter().sum();
        }
        if total == 0 {
            return None;
        }
        let mut x = r.below(total);
        for (i, c) in self.counts[lo..=hi].iter_mut().enumerate() {
            let w = if weighted { *c * weight(lo + i) } else { *c };
            if x < w {
                *c -= 1;
                return Some(lo + i);
            }
            x -= w;
        }
        None
    }

    /// The available age closest to `target` within `lo..=hi`.
    fn take_near(&mut self, r: &mut Draw, target: usize, lo: usize, hi: usize) -> Option<usize> {
        let hi = hi.min(AGES - 1);
        if lo > hi {
            return None;
        }
        let t = target.clamp(lo, hi);
        for d in 0..=(hi - lo) {
            let down = t.checked_sub(d).filter(|&a| a >= lo && self.counts[a] > 0);
            let up = Some(t + d).filter(|&a| d > 0 && a <= hi && self.counts[a] > 0);
            let age = match (down, up) {
                (Some(a), Some(b)) => {
                    if r.chance(1, 2) {
                        a
                    } else {
                        b
                    }
                }
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => continue,
            };
            self.counts[age] -= 1;
            return Some(age);
        }
        None
    }

    fn take_adult(
        &mut self,
        r: &mut Draw,
        lo: usize,
        hi: usize,
        w: impl Fn(usize) -> u64,
    ) -> Option<usize> {
        self.take_weighted(r, lo, hi, w)
            .or_else(|| self.take_weighted(r, ADULT, AGES - 1, |_| 1))
    }
}

fn single_weight(age: usize) -> u64 {
    match age {
        18..=19 => 30,
        20..=29 => 100,
        30..=39 => 70,
        40..=59 => 52,
        60..=69 => 60,
        70..=79 => 85,
        _ => 130,
    }
}

fn couple_weight(age: usize) -> u64 {
    match age {
        18..=22 => 12,
        23..=29 => 55,
        30..=39 => 85,
        40..=59 => 100,
        60..=79 => 115,
        _ => 55,
    }
}

fn adult_child_weight(age: usize) -> u64 {
    match age {
        18..=21 => 100,
        22..=25 => 60,
        26..=30 => 25,
        _ => 8,
    }
}

fn flat_weight(age: usize) -> u64 {
    match age {
        18..=19 => 40,
        20..=27 => 100,
        28..=34 => 40,
        _ => 5,
    }
}

impl Layout {
    /// Households per building: 1, 2, 3–4, 5–8, 9–12, 13–18.
    fn building_weights(self) -> [u64; 6] {
        match self {
            Layout::Urban => [4, 5, 10, 36, 30, 15],
            Layout::Mixed => [24, 18, 16, 26, 12, 4],
            Layout::Suburban => [40, 22, 13, 17, 6, 2],
        }
    }

    /// Adult-only households: single, couple, parents with adult child, shared flat.
    fn adult_mix(self) -> [u64; 4] {
        match self {
            Layout::Urban => [690, 230, 35, 45],
            Layout::Mixed => [600, 320, 65, 15],
            Layout::Suburban => [570, 350, 70, 10],
        }
    }

    /// Families with minors that have two parents, per mille.
    fn two_parents(self) -> u64 {
        match self {
            Layout::Urban => 720,
            Layout::Mixed => 780,
            Layout::Suburban => 820,
        }
    }

    fn buildings_per_street(self) -> usize {
        match self {
            Layout::Urban => 35,
            Layout::Mixed => 40,
            Layout::Suburban => 45,
        }
    }
}

fn adult_gender(r: &mut Draw, age: usize) -> Gender {
    if r.chance(1, 15_000) {
        return Gender::D;
    }
    // Women outlive men: more of them among the old.
    let male = match age {
        0..=59 => 535,
        60..=74 => 490,
        75..=84 => 400,
        _ => 300,
    };
    if r.chance(male, 1000) {
        Gender::M
    } else {
        Gender::W
    }
}

fn opposite(g: Gender) -> Gender {
    match g {
        Gender::M => Gender::W,
        _ => Gender::M,
    }
}

fn draft_family(r: &mut Draw, pool: &mut AgePool, layout: Layout) -> Draft {
    let mut members = Vec::with_capacity(5);
    let n_kids = 1 + r.weighted(&[500, 360, 100, 30, 10]);
    let first = pool.take_weighted(r, 0, ADULT - 1, |_| 1).unwrap_or(0);
    let mut kids = vec![first];
    for _ in 1..n_kids {
        let gap = r.between(1, 6) as usize;
        let target = if r.chance(1, 2) {
            first + gap
        } else {
            first.saturating_sub(gap)
        };
        match pool.take_near(
            r,
            target,
            first.saturating_sub(10),
            (first + 10).min(ADULT - 1),
        ) {
            Some(a) => kids.push(a),
            None => break,
        }
    }
    let oldest = kids.iter().copied().max().unwrap_or(first);
    let youngest = kids.iter().copied().min().unwrap_or(first);
    for &age in &kids {
        let gender = if r.chance(513, 1000) {
            Gender::M
        } else {
            Gender::W
        };
        members.push(Member {
            age,
            gender,
            role: NameRole::Base,
        });
    }
    let gap = 20 + 5 * r.weighted(&[15, 32, 33, 16, 4]) + r.below(5) as usize;
    let lo = oldest + ADULT;
    let parent = pool.take_near(r, (youngest + gap).max(lo), lo, oldest + 50);
    if let Some(p1) = parent {
        let two = r.chance(layout.two_parents(), 1000);
        let g1 = if two || r.chance(88, 100) {
            Gender::W
        } else {
            Gender::M
        };
        members.push(Member {
            age: p1,
            gender: g1,
            role: NameRole::Base,
        });
        if two {
            let target = (p1 + r.below(7) as usize).saturating_sub(1);
            if let Some(p2) = pool.take_near(r, target, lo, oldest + 55) {
                let g2 = if r.chance(98, 100) { opposite(g1) } else { g1 };
                let role = match r.below(100) {
                    0..=84 => NameRole::Base,
                    85..=94 => NameRole::Own,
                    _ => NameRole::Double,
                };
                members.push(Member {
                    age: p2,
                    gender: g2,
                    role,
                });
            }
        }
        // A few larger households: an adult sibling or a grandparent.
        if r.chance(6, 100)
            && let Some(a) = pool.take_near(r, oldest + 3, ADULT, 26)
        {
            let gender = adult_gender(r, a);
            members.push(Member {
                age: a,
                gender,
                role: NameRole::Base,
            });
        }
        if r.chance(3, 100)
            && let Some(a) = pool.take_near(r, p1 + 28, p1 + 18, AGES - 1)
        {
            let gender = adult_gender(r, a);
            members.push(Member {
                age: a,
                gender,
                role: NameRole::Own,
            });
        }
    }
    Draft {
        kind: Kind::Family,
        members,
    }
}

fn draft_adults(r: &mut Draw, pool: &mut AgePool, layout: Layout) -> Draft {
    let kind = [
        Kind::Single,
        Kind::Couple,
        Kind::ParentsAdultChild,
        Kind::SharedFlat,
    ][r.weighted(&layout.adult_mix())];
    let mut members = Vec::with_capacity(3);
    let mut add = |r: &mut Draw, age: usize, gender: Option<Gender>, role: NameRole| {
        let gender = gender.unwrap_or_else(|| adult_gender(r, age));
        members.push(Member { age, gender, role });
    };
    let last = AGES - 1;
    match kind {
        Kind::Single | Kind::Family => {
            if let Some(a) = pool.take_adult(r, ADULT, last, single_weight) {
                add(r, a, None, NameRole::Base);
            }
        }
        Kind::Couple => {
            if let Some(a) = pool.take_adult(r, ADULT, last, couple_weight) {
                let g = adult_gender(r, a);
                add(r, a, Some(g), NameRole::Base);
                let target = (a + r.below(9) as usize).saturating_sub(3);
                if let Some(b) = pool.take_near(r, target, a.saturating_sub(15).max(ADULT), a + 15)
                {
                    let g2 = if g != Gender::D && r.chance(97, 100) {
                        opposite(g)
                    } else {
                        adult_gender(r, b)
                    };
                    let role = match r.below(100) {
                        0..=71 => NameRole::Base,
                        72..=95 => NameRole::Own,
                        _ => NameRole::Double,
                    };
                    add(r, b, Some(g2), role);
                }
            }
        }
        Kind::ParentsAdultChild => {
            if let Some(c) = pool.take_adult(r, ADULT, 40, adult_child_weight) {
                let gender = if r.chance(56, 100) {
                    Gender::M
                } else {
                    Gender::W
                };
                add(r, c, Some(gender), NameRole::Base);
                if let Some(p) = pool.take_near(r, c + 29, c + 18, c + 45) {
                    let g = adult_gender(r, p);
                    add(r, p, Some(g), NameRole::Base);
                    if r.chance(60, 100)
                        && let Some(q) = pool.take_near(r, p + 1, p.saturating_sub(6), p + 8)
                    {
                        let g2 = if g == Gender::D {
                            Gender::M
                        } else {
                            opposite(g)
                        };
                        add(r, q, Some(g2), NameRole::Base);
                    }
                }
                if r.chance(25, 100)
                    && let Some(s) = pool.take_near(r, c + 2, ADULT, c + 8)
                {
                    add(r, s, None, NameRole::Base);
                }
            }
        }
        Kind::SharedFlat => {
            let n = 2 + r.weighted(&[60, 30, 10]);
            for i in 0..n {
                let age = if i == 0 {
                    pool.take_adult(r, ADULT, 40, flat_weight)
                } else {
                    pool.take_weighted(r, ADULT, 40, flat_weight)
                };
                if let Some(a) = age {
                    add(r, a, None, NameRole::Own);
                }
            }
        }
    }
    Draft { kind, members }
}

// ---------------------------------------------------------------------------
// Names and nationalities.

/// A table of `data/names.toml`.
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Culture {
    German,
    Turkish,
    Polish,
    Arabic,
    Afghan,
    Romanian,
    Bulgarian,
    Ukrainian,
    Russian,
    Italian,
    Greek,
    Balkan,
    Spanish,
}

/// A foreign nationality (German adjective as in the register) with weights for
/// the city and for Innenstadt-Nord (where Bulgarian and Romanian citizens are
/// concentrated).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Foreign {
    nationality: String,
    culture: Culture,
    city: u64,
    innenstadt_nord: u64,
}

/// Name origin of German citizens (naturalised families, Spätaussiedler, ...).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GermanMix {
    culture: Culture,
    weight: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Nationalities {
    foreign: Vec<Foreign>,
    german_mix: Vec<GermanMix>,
}

/// `data/nationalities.toml`.
static NATIONALITIES: LazyLock<Nationalities> =
    LazyLock::new(|| built_in(include_str!("data/nationalities.toml")));

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Names {
    /// Given names; none for German, which come by birth cohort.
    #[serde(default)]
    male: Vec<String>,
    #[serde(default)]
    female: Vec<String>,
    family: Vec<String>,
}

/// German given names of one birth cohort.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cohort {
    male: Vec<String>,
    female: Vec<String>,
}

/// `data/names.toml` (all Windows-1252; Turkish, Polish, Romanian and Cyrillic
/// names in the Latin transliteration common in German registers).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameLists {
    /// Five cohorts, see [`german_given`].
    german_given: Vec<Cohort>,
    german: Names,
    turkish: Names,
    polish: Names,
    arabic: Names,
    afghan: Names,
    romanian: Names,
    bulgarian: Names,
    ukrainian: Names,
    russian: Names,
    italian: Names,
    greek: Names,
    balkan: Names,
    spanish: Names,
}

static NAMES: LazyLock<NameLists> = LazyLock::new(|| built_in(include_str!("data/names.toml")));

fn names(c: Culture) -> &'static Names {
    let n: &'static NameLists = &NAMES;
    match c {
        Culture::German => &n.german,
        Culture::Turkish => &n.turkish,
        Culture::Polish => &n.polish,
        Culture::Arabic => &n.arabic,
        Culture::Afghan => &n.afghan,
        Culture::Romanian => &n.romanian,
        Culture::Bulgarian => &n.bulgarian,
        Culture::Ukrainian => &n.ukrainian,
        Culture::Russian => &n.russian,
        Culture::Italian => &n.italian,
        Culture::Greek => &n.greek,
        Culture::Balkan => &n.balkan,
        Culture::Spanish => &n.spanish,
    }
}

/// German given names change a lot between birth cohorts.
fn german_given(gender: Gender, birth_year: i32) -> &'static [String] {
    let cohort = match birth_year {
        ..=1945 => 0,
        1946..=1965 => 1,
        1966..=1985 => 2,
        1986..=2005 => 3,
        _ => 4,
    };
    let given = &NAMES.german_given[cohort];
    if gender == Gender::M {
        given.male.as_slice()
    } else {
        given.female.as_slice()
    }
}

/// Female form where the language marks it (Polish -ska, Bulgarian -ova, Greek -ou).
fn family_form(c: Culture, base: &str, gender: Gender) -> String {
    if gender != Gender::W {
        return base.to_string();
    }
    match c {
        Culture::Polish => match base.strip_suffix("ki") {
            Some(stem) => format!("{stem}ka"),
            None => base.to_string(),
        },
        Culture::Bulgarian | Culture::Russian | Culture::Ukrainian => {
            if let Some(stem) = base.strip_suffix("skyi") {
                format!("{stem}ska")
            } else if base.ends_with("ov") || base.ends_with("ev") {
                format!("{base}a")
            } else {
                base.to_string()
            }
        }
        Culture::Greek => {
            if let Some(stem) = base.strip_suffix("os") {
                format!("{stem}ou")
            } else if let Some(stem) = base.strip_suffix("is") {
                format!("{stem}i")
            } else if let Some(stem) = base.strip_suffix("as") {
                format!("{stem}a")
            } else {
                base.to_string()
            }
        }
        _ => base.to_string(),
    }
}

struct PersonDraft {
    family_name: String,
    given_names: String,
    birth_date: NaiveDate,
    gender: Gender,
    nationality: &'static str,
    block_51: bool,
    block_52: bool,
}

struct Generator {
    r: Draw,
    /// For each age: latest possible birth date and the number of candidate days.
    births: Vec<(NaiveDate, u64)>,
}

impl Generator {
    fn new(r: Draw, reference: NaiveDate) -> Self {
        let births = (0..AGES as u32)
            .map(|age| {
                let latest = reference
                    .checked_sub_months(Months::new(12 * age))
                    .unwrap_or(NaiveDate::MIN);
                let earliest = reference
                    .checked_sub_months(Months::new(12 * (age + 1)))
                    .unwrap_or(NaiveDate::MIN);
                let span = (latest - earliest).num_days().max(1).unsigned_abs();
                (latest, span)
            })
            .collect();
        Self { r, births }
    }

    /// Uniform over the days on which someone is `age` on the reference date
    /// (29 February included in leap years).
    fn birth_date(&mut self, age: usize) -> NaiveDate {
        let (latest, span) = self.births[age.min(AGES - 1)];
        let back = self.r.below(span);
        latest.checked_sub_days(Days::new(back)).unwrap_or(latest)
    }

    fn nationality(&mut self, foreign: bool, district: usize) -> (&'static str, Culture) {
        if foreign {
            let table = &NATIONALITIES.foreign;
            let weights: Vec<u64> = if district == 1 {
                table.iter().map(|f| f.innenstadt_nord).collect()
            } else {
                table.iter().map(|f| f.city).collect()
            };
            let f = &table[self.r.weighted(&weights)];
            (f.nationality.as_str(), f.culture)
        } else {
            let mix = &NATIONALITIES.german_mix;
            let weights: Vec<u64> = mix.iter().map(|m| m.weight).collect();
            ("deutsch", mix[self.r.weighted(&weights)].culture)
        }
    }

    fn given_names(&mut self, c: Culture, gender: Gender, birth_year: i32) -> String {
        let g = if gender == Gender::D {
            if self.r.chance(1, 2) {
                Gender::M
            } else {
                Gender::W
            }
        } else {
            gender
        };
        let list = if c == Culture::German {
            german_given(g, birth_year)
        } else if g == Gender::M {
            names(c).male.as_slice()
        } else {
            names(c).female.as_slice()
        };
        let first = self.r.pick(list);
        let double = if c == Culture::German { 25 } else { 10 };
        if self.r.chance(double, 100) {
            let second = self.r.pick(list);
            if second != first && !first.contains('-') {
                return format!("{first} {second}");
            }
        }
        first.to_string()
    }

    /// Names, nationality, birth dates and blocks for one household, appended to `out`.
    fn realise(
        &mut self,
        draft: &Draft,
        foreign: bool,
        district: usize,
        out: &mut Vec<PersonDraft>,
    ) {
        let (nat, culture) = self.nationality(foreign, district);
        let base = self.r.pick(&names(culture).family);
        let block_51 = self.r.chance(2, 1000);
        for m in &draft.members {
            let (nat, culture) = if draft.kind == Kind::SharedFlat {
                self.nationality(foreign, district)
            } else {
                (nat, culture)
            };
            let family_name = match m.role {
                NameRole::Base => family_form(culture, base, m.gender),
                NameRole::Double if culture == Culture::German => {
                    let own = self.r.pick(&NAMES.german.family);
                    if own == base || own.contains('-') || base.contains('-') {
                        base.to_string()
                    } else {
                        format!("{base}-{own}")
                    }
                }
                _ => {
                    let own = self.r.pick(&names(culture).family);
                    family_form(culture, own, m.gender)
                }
            };
            let birth_date = self.birth_date(m.age);
            let given_names = self.given_names(culture, m.gender, birth_date.year());
            let block_52 = !block_51 && self.r.chance(1, 2000);
            out.push(PersonDraft {
                family_name,
                given_names,
                birth_date,
                gender: m.gender,
                nationality: nat,
                block_51,
                block_52,
            });
        }
    }
}

// ---------------------------------------------------------------------------
// Streets.

/// Stems of generated street names (`data/streets.toml`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Stems {
    tree: Vec<String>,
    flower: Vec<String>,
    /// Full names, used hyphenated ("Heinrich-Böll-Straße").
    full_name: Vec<String>,
    animal: Vec<String>,
    land: Vec<String>,
    person: Vec<String>,
    place: Vec<String>,
}

static STEMS: LazyLock<Stems> = LazyLock::new(|| built_in(include_str!("data/streets.toml")));

/// Candidate street names in a fixed order; the caller shuffles them.
fn street_name_pool() -> Vec<String> {
    let mut set = BTreeSet::new();
    for s in &STEMS.tree {
        for f in [
            format!("{s}straße"),
            format!("{s}weg"),
            format!("{s}allee"),
            format!("{s}ring"),
            format!("{s}pfad"),
            format!("{s}kamp"),
            format!("Am {s}hof"),
            format!("Im {s}grund"),
            format!("Unter den {s}"),
            format!("{s}hain"),
        ] {
            // "Unter den …" only reads right with a plural.
            if !f.starts_with("Unter den") || s.ends_with("en") || s.ends_with("ern") {
                set.insert(f);
            }
        }
    }
    for s in &STEMS.flower {
        for f in [
            format!("{s}straße"),
            format!("{s}weg"),
            format!("{s}pfad"),
            format!("{s}ring"),
            format!("{s}kamp"),
            format!("Am {s}hang"),
        ] {
            set.insert(f);
        }
    }
    for s in &STEMS.full_name {
        for f in [
            format!("{s}-Straße"),
            format!("{s}-Weg"),
            format!("{s}-Platz"),
            format!("{s}-Allee"),
        ] {
            set.insert(f);
        }
    }
    for s in &STEMS.animal {
        for f in [
            format!("{s}straße"),
            format!("{s}weg"),
            format!("{s}pfad"),
            format!("Am {s}busch"),
            format!("{s}kamp"),
            format!("{s}stieg"),
        ] {
            set.insert(f);
        }
    }
    for s in &STEMS.land {
        for f in [
            format!("{s}straße"),
            format!("{s}weg"),
            format!("{s}pfad"),
            format!("{s}ring"),
            format!("{s}gasse"),
            format!("Am {s}bach"),
            format!("{s}stieg"),
        ] {
            set.insert(f);
        }
    }
    for s in &STEMS.person {
        for f in [
            format!("{s}straße"),
            format!("{s}weg"),
            format!("{s}platz"),
            format!("{s}allee"),
        ] {
            set.insert(f);
        }
    }
    for s in &STEMS.place {
        if s.ends_with("er") {
            set.insert(format!("{s} Straße"));
            set.insert(format!("{s} Weg"));
            set.insert(format!("{s} Hellweg"));
        }
    }
    for d in DISTRICTS.iter() {
        for s in &d.streets {
            set.remove(s);
        }
    }
    set.into_iter().collect()
}

struct Street {
    name: String,
    postcode: &'static str,
    number: u32,
    letter: u8,
}

impl Street {
    /// Mostly consecutive numbers, sometimes skipping one, sometimes "12a".
    fn next_number(&mut self, r: &mut Draw) -> String {
        if self.number > 0 && self.letter < 2 && r.chance(1, 14) {
            self.letter += 1;
            return format!("{}{}", self.number, char::from(b'a' + self.letter - 1));
        }
        self.letter = 0;
        self.number += if self.number == 0 {
            1 + r.below(2) as u32
        } else if r.chance(3, 10) {
            2
        } else {
            1
        };
        self.number.to_string()
    }
}

// ---------------------------------------------------------------------------
// Assembly.

/// Residents plus the index ranges of households (members are adjacent).
fn generate_with_households(cfg: &SynthConfig) -> (Vec<SynthPerson>, Vec<Range<usize>>) {
    let mut r = Draw::new(cfg.seed);
    let id_keys: [u64; 4] = std::array::from_fn(|_| r.word());
    let mut street_pool = street_name_pool();
    r.shuffle(&mut street_pool);
    let mut street_cursor = 0usize;

    let weights: Vec<u128> = DISTRICTS
        .iter()
        .map(|d| u128::from(d.population_2023))
        .collect();
    let shares = apportion(cfg.population as u64, &weights);
    let targets: [u64; 12] = std::array::from_fn(|i| shares[i]);
    let ages = age_counts(&targets);

    let mut g = Generator::new(r, cfg.reference_date);
    let mut people = Vec::with_capacity(cfg.population);
    let mut households = Vec::new();

    for (di, district) in DISTRICTS.iter().enumerate() {
        let layout = district.layout;
        let mut pool = AgePool { counts: ages[di] };
        let mut drafts = Vec::new();
        while pool.sum(0, ADULT - 1) > 0 {
            drafts.push(draft_family(&mut g.r, &mut pool, layout));
        }
        while pool.sum(ADULT, AGES - 1) > 0 {
            drafts.push(draft_adults(&mut g.r, &mut pool, layout));
        }
        g.r.shuffle(&mut drafts);

        // Sequential sampling: each household is foreign with probability
        // (foreign persons still due) / (persons still to place), which lands
        // the district share almost exactly.
        let mut persons_left = targets[di];
        let mut foreign_left = targets[di] * district.foreign_per_10000 / 10_000;
        let mut realised = Vec::with_capacity(targets[di] as usize);
        for d in &drafts {
            let size = d.members.len() as u64;
            let foreign = g.r.below(persons_left.max(1)) < foreign_left;
            if foreign {
                foreign_left = foreign_left.saturating_sub(size);
            }
            persons_left = persons_left.saturating_sub(size);
            g.realise(d, foreign, di, &mut realised);
        }
        let sizes: Vec<usize> = drafts.iter().map(|d| d.members.len()).collect();
        drop(drafts);

        // Pack households into buildings of a layout-typical size.
        let mut buildings: Vec<Range<usize>> = Vec::new();
        let mut next = 0;
        while next < sizes.len() {
            let bucket = g.r.weighted(&layout.building_weights());
            let (lo, hi) = [(1, 1), (2, 2), (3, 4), (5, 8), (9, 12), (13, 18)][bucket];
            let want = g.r.between(lo, hi) as usize;
            let start = next;
            let mut persons = 0;
            while next < sizes.len() && next - start < want {
                let size = sizes[next];
                if next > start && persons + size > MAX_PER_ADDRESS {
                    break;
                }
                persons += size;
                next += 1;
            }
            buildings.push(start..next);
        }

        // Streets: the district's well-known ones first, then generated names.
        let wanted = buildings
            .len()
            .div_ceil(layout.buildings_per_street())
            .max(1);
        let mut named: Vec<String> = district.streets.iter().map(|s| s.to_string()).collect();
        g.r.shuffle(&mut named);
        named.truncate(wanted);
        while named.len() < wanted && street_cursor < street_pool.len() {
            named.push(street_pool[street_cursor].clone());
            street_cursor += 1;
        }
        let mut streets: Vec<Street> = named
            .into_iter()
            .map(|name| Street {
                name,
                postcode: g.r.pick(&district.postcodes).as_str(),
                number: 0,
                letter: 0,
            })
            .collect();
        let lengths: Vec<u64> = streets.iter().map(|_| g.r.between(1, 4)).collect();

        let mut persons = realised.into_iter();
        for b in buildings {
            let si = g.r.weighted(&lengths);
            let house_number = streets[si].next_number(&mut g.r);
            let street = &streets[si];
            for &size in &sizes[b] {
                let start = people.len();
                for p in persons.by_ref().take(size) {
                    let index = people.len() as u64;
                    people.push(SynthPerson {
                        register_id: register_id(register_number(index, &id_keys)),
                        family_name: p.family_name,
                        given_names: p.given_names,
                        doctorate: "",
                        name_prefix: "",
                        street: street.name.clone(),
                        house_number: house_number.clone(),
                        house_number_suffix: String::new(),
                        house_number_part: "",
                        address_addition: String::new(),
                        postcode: street.postcode.to_string(),
                        city: "Dortmund".to_string(),
                        birth_date: p.birth_date,
                        birth_known: Known::Date,
                        gender: p.gender.code(),
                        nationality: p.nationality.to_string(),
                        stadtbezirk: district.name.as_str(),
                        block_51: p.block_51,
                        block_52: p.block_52,
                    });
                }
                households.push(start..people.len());
            }
        }
    }
    (people, households)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn small(seed: u64) -> SynthConfig {
        SynthConfig {
            seed,
            population: 20_000,
            ..SynthConfig::default()
        }
    }

    fn age_on(birth: NaiveDate, reference: NaiveDate) -> i32 {
        let mut age = reference.year() - birth.year();
        if (reference.month(), reference.day()) < (birth.month(), birth.day()) {
            age -= 1;
        }
        age
    }

    fn share(count: usize, total: usize) -> f64 {
        count as f64 / total as f64
    }

    const CULTURES: [Culture; 13] = [
        Culture::German,
        Culture::Turkish,
        Culture::Polish,
        Culture::Arabic,
        Culture::Afghan,
        Culture::Romanian,
        Culture::Bulgarian,
        Culture::Ukrainian,
        Culture::Russian,
        Culture::Italian,
        Culture::Greek,
        Culture::Balkan,
        Culture::Spanish,
    ];

    #[test]
    fn built_in_tables_parse_and_fit_the_generator() {
        // Forces every table of data/, so a malformed file fails here.
        assert_eq!(DISTRICTS.len(), 12);
        // Generator::nationality weights Innenstadt-Nord by its position.
        assert_eq!(DISTRICTS[1].name, "Innenstadt-Nord");
        let population: u64 = DISTRICTS.iter().map(|d| d.population_2023).sum();
        assert_eq!(population, DEFAULT_POPULATION as u64);
        let names_seen: BTreeSet<&str> = DISTRICTS.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names_seen.len(), 12);
        for d in DISTRICTS.iter() {
            assert!(!d.postcodes.is_empty(), "{}", d.name);
            assert!(!d.streets.is_empty(), "{}", d.name);
            assert_eq!(d.age_tilt.len(), 6, "{}", d.name);
            assert!(d.age_tilt.iter().all(|&t| t > 0), "{}", d.name);
            assert!(d.foreign_per_10000 <= 10_000, "{}", d.name);
            assert!(
                d.postcodes
                    .iter()
                    .all(|p| p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit())),
                "{}",
                d.name
            );
        }
        for stems in [
            &STEMS.tree,
            &STEMS.flower,
            &STEMS.full_name,
            &STEMS.animal,
            &STEMS.land,
            &STEMS.person,
            &STEMS.place,
        ] {
            assert!(!stems.is_empty());
        }
        assert_eq!(NAMES.german_given.len(), 5);
        for cohort in &NAMES.german_given {
            assert!(!cohort.male.is_empty() && !cohort.female.is_empty());
        }
        for c in CULTURES {
            let n = names(c);
            assert!(!n.family.is_empty());
            // German given names come by birth cohort, the others from their table.
            if c != Culture::German {
                assert!(!n.male.is_empty() && !n.female.is_empty());
            }
        }
        let nat = &*NATIONALITIES;
        assert!(!nat.foreign.is_empty());
        assert!(
            nat.foreign
                .iter()
                .all(|f| f.city > 0 && f.innenstadt_nord > 0 && f.nationality != "deutsch")
        );
        assert!(nat.german_mix.iter().all(|m| m.weight > 0));
        assert!(nat.german_mix.iter().any(|m| m.culture == Culture::German));
    }

    #[test]
    fn same_seed_same_output_other_seed_differs() {
        let a = generate(&small(7));
        let b = generate(&small(7));
        assert_eq!(a, b);
        assert_eq!(to_csv_utf8(&a, b';'), to_csv_utf8(&b, b';'));
        let c = generate(&small(8));
        assert_ne!(a, c);
    }

    #[test]
    fn full_population_count_and_district_targets() {
        let people = generate(&SynthConfig::default());
        assert_eq!(people.len(), DEFAULT_POPULATION);
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for p in &people {
            *counts.entry(p.stadtbezirk).or_default() += 1;
        }
        for d in DISTRICTS.iter() {
            assert_eq!(counts[d.name.as_str()], d.population_2023, "{}", d.name);
        }
    }

    #[test]
    fn small_population_scales_districts_by_largest_remainder() {
        for n in [0usize, 1, 11, 20_000] {
            let cfg = SynthConfig {
                population: n,
                ..small(3)
            };
            let people = generate(&cfg);
            assert_eq!(people.len(), n);
            let weights: Vec<u128> = DISTRICTS
                .iter()
                .map(|d| u128::from(d.population_2023))
                .collect();
            let want = apportion(n as u64, &weights);
            for (d, w) in DISTRICTS.iter().zip(want) {
                let got = people.iter().filter(|p| p.stadtbezirk == d.name).count() as u64;
                assert_eq!(got, w, "{} at population {n}", d.name);
            }
        }
    }

    #[test]
    fn shares_follow_the_statistics() {
        let cfg = small(11);
        let people = generate(&cfg);
        let n = people.len();
        let male = share(people.iter().filter(|p| p.gender == "M").count(), n);
        assert!((male - 0.492).abs() < 0.015, "male share {male}");
        let foreign = share(
            people.iter().filter(|p| p.nationality != "deutsch").count(),
            n,
        );
        assert!(
            (foreign - 0.218).abs() < 0.015,
            "non-German share {foreign}"
        );
        let adult16 = share(
            people
                .iter()
                .filter(|p| age_on(p.birth_date, cfg.reference_date) >= 16)
                .count(),
            n,
        );
        assert!((adult16 - 0.850).abs() < 0.015, "16+ share {adult16}");

        let by = |name: &str| -> (f64, f64) {
            let ds: Vec<&SynthPerson> = people.iter().filter(|p| p.stadtbezirk == name).collect();
            let f = share(
                ds.iter().filter(|p| p.nationality != "deutsch").count(),
                ds.len(),
            );
            let mean_age = ds
                .iter()
                .map(|p| f64::from(age_on(p.birth_date, cfg.reference_date)))
                .sum::<f64>()
                / ds.len() as f64;
            (f, mean_age)
        };
        let (f_nord, age_nord) = by("Innenstadt-Nord");
        let (f_apl, age_apl) = by("Aplerbeck");
        assert!(
            (f_nord - 0.50).abs() < 0.03,
            "Innenstadt-Nord foreign {f_nord}"
        );
        assert!((f_apl - 0.10).abs() < 0.03, "Aplerbeck foreign {f_apl}");
        assert!(age_apl - age_nord > 5.0, "ages {age_nord} vs {age_apl}");

        // The largest foreign groups are present.
        for nat in [
            "türkisch",
            "polnisch",
            "syrisch",
            "rumänisch",
            "bulgarisch",
            "ukrainisch",
        ] {
            assert!(people.iter().any(|p| p.nationality == nat), "{nat}");
        }
        // Blocks exist but are rare.
        let b51 = people.iter().filter(|p| p.block_51).count();
        let b52 = people.iter().filter(|p| p.block_52).count();
        assert!(b51 > 0 && share(b51, n) < 0.01, "§51 {b51}");
        assert!(b52 > 0 && b52 < b51, "§52 {b52}");
    }

    #[test]
    fn birth_dates_match_ages_and_include_leap_days() {
        let cfg = small(5);
        let people = generate(&cfg);
        let mut months = [0usize; 12];
        for p in &people {
            let age = age_on(p.birth_date, cfg.reference_date);
            assert!((0..AGES as i32).contains(&age), "age {age}");
            months[p.birth_date.month0() as usize] += 1;
        }
        assert!(months.iter().all(|&m| m > people.len() / 15), "{months:?}");
        assert!(
            people
                .iter()
                .any(|p| p.birth_date.month() == 2 && p.birth_date.day() == 29)
        );
    }

    #[test]
    fn households_share_an_address() {
        let (people, households) = generate_with_households(&small(13));
        let covered: usize = households.iter().map(|h| h.len()).sum();
        assert_eq!(covered, people.len());
        let mut same_name = 0;
        let mut multi = 0;
        let mut singles = 0;
        let mut with_minors = 0;
        let reference = small(13).reference_date;
        for h in &households {
            let first = &people[h.start];
            assert!(!h.is_empty());
            for p in &people[h.clone()] {
                assert_eq!(
                    (&p.street, &p.house_number, &p.postcode, p.stadtbezirk),
                    (
                        &first.street,
                        &first.house_number,
                        &first.postcode,
                        first.stadtbezirk
                    )
                );
            }
            if h.len() == 1 {
                singles += 1;
            } else {
                multi += 1;
                // Female forms (Nowak/Kowalska, Ivanov/Ivanova) share the stem.
                let stem: String = first.family_name.chars().take(4).collect();
                if people[h.clone()]
                    .iter()
                    .all(|p| p.family_name.contains(&stem))
                {
                    same_name += 1;
                }
            }
            if people[h.clone()]
                .iter()
                .any(|p| age_on(p.birth_date, reference) < 18)
            {
                with_minors += 1;
            }
        }
        let total = households.len();
        let single_share = share(singles, total);
        let family_share = share(with_minors, total);
        assert!(
            (0.42..0.58).contains(&single_share),
            "singles {single_share}"
        );
        assert!(
            (0.14..0.25).contains(&family_share),
            "families {family_share}"
        );
        assert!(
            share(same_name, multi) > 0.6,
            "shared names {same_name}/{multi}"
        );

        // People per address plausible, and many buildings hold several households.
        let mut per_address: BTreeMap<(&str, &str, &str), (usize, usize)> = BTreeMap::new();
        for h in &households {
            let p = &people[h.start];
            let e = per_address
                .entry((&p.street, &p.house_number, &p.postcode))
                .or_default();
            e.0 += h.len();
            e.1 += 1;
        }
        assert!(per_address.values().all(|&(n, _)| (1..=30).contains(&n)));
        let shared = per_address.values().filter(|&&(_, hh)| hh > 1).count();
        assert!(shared * 4 > per_address.len(), "shared buildings {shared}");
        // Street names are not reused across districts.
        let mut street_district: BTreeMap<&str, &str> = BTreeMap::new();
        for p in &people {
            let d = street_district.entry(&p.street).or_insert(p.stadtbezirk);
            assert_eq!(*d, p.stadtbezirk, "{}", p.street);
        }
    }

    #[test]
    fn register_ids_unique_twelve_digits_not_sequential() {
        let people = generate(&small(17));
        let ids: BTreeSet<&str> = people.iter().map(|p| p.register_id.as_str()).collect();
        assert_eq!(ids.len(), people.len());
        assert!(people.iter().all(
            |p| p.register_id.len() == 12 && p.register_id.bytes().all(|b| b.is_ascii_digit())
        ));
        let ascending = people
            .windows(2)
            .filter(|w| w[0].register_id < w[1].register_id)
            .count();
        assert!(ascending > people.len() / 3 && ascending < people.len() * 2 / 3);
    }

    #[test]
    fn windows1252_round_trip_keeps_umlauts() {
        let people = generate(&small(19));
        let text = to_csv_utf8(&people, b';');
        let bytes = to_csv_windows1252(&people, b';').expect("all names are Windows-1252");
        let (decoded, had_errors) = WINDOWS_1252.decode_without_bom_handling(&bytes);
        assert!(!had_errors);
        assert_eq!(decoded, text);
        for c in ['ä', 'ö', 'ü', 'ß', 'Ö', 'Ü'] {
            assert!(text.contains(c), "{c}");
        }
        assert!(bytes.contains(&0xDF) && bytes.contains(&0xFC));
        assert!(
            text.starts_with(
                "Ordnungsmerkmal;Familienname;Vornamen;Doktorgrad;Namensvorsatz;Straße;"
            )
        );
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), people.len() + 1);
    }

    #[test]
    fn every_name_list_entry_is_windows1252() {
        let mut all: Vec<&str> = Vec::new();
        for c in CULTURES {
            let n = names(c);
            all.extend(
                n.male
                    .iter()
                    .chain(&n.female)
                    .chain(&n.family)
                    .map(String::as_str),
            );
        }
        for cohort in &NAMES.german_given {
            all.extend(cohort.male.iter().chain(&cohort.female).map(String::as_str));
        }
        all.extend(NATIONALITIES.foreign.iter().map(|f| f.nationality.as_str()));
        let pool = street_name_pool();
        all.extend(pool.iter().map(String::as_str));
        for d in DISTRICTS.iter() {
            all.extend(d.streets.iter().map(String::as_str));
            all.push(d.name.as_str());
        }
        for s in all {
            assert!(!WINDOWS_1252.encode(s).2, "{s}");
        }
        assert!(pool.len() > 2000, "street pool {}", pool.len());
    }

    #[test]
    fn unencodable_character_is_an_error() {
        let mut people = generate(&SynthConfig {
            population: 3,
            ..small(1)
        });
        people[1].given_names = "Łukasz".to_string();
        let err = to_csv_windows1252(&people, b';').expect_err("Ł has no Windows-1252 code");
        assert!(err.contains("U+0141") && err.contains("line 3"), "{err}");
    }

    #[test]
    fn quoting_only_where_needed() {
        let mut people = generate(&SynthConfig {
            population: 1,
            ..small(1)
        });
        people[0].family_name = "Meyer, \"Jr.\"".to_string();
        people[0].given_names = "Anna;Lena".to_string();
        let comma = to_csv_utf8(&people, b',');
        assert!(comma.contains(",\"Meyer, \"\"Jr.\"\"\",Anna;Lena,"));
        let tab = to_csv_utf8(&people, b'\t');
        assert!(tab.contains("\t\"Meyer, \"\"Jr.\"\"\"\tAnna;Lena\t"));
        let semi = to_csv_utf8(&people, b';');
        assert!(semi.contains(";\"Anna;Lena\";"));
        let date = people[0].birth_date.format("%d.%m.%Y").to_string();
        assert!(semi.contains(&format!(";{date};")));
    }

    #[test]
    fn bounded_draws_are_in_range_and_apportion_is_exact() {
        let mut r = Draw::new(1);
        for n in [1u64, 2, 3, 7, 1000, u64::MAX] {
            for _ in 0..100 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(apportion(10, &[1, 1, 1]), vec![4, 3, 3]);
        let ids: BTreeSet<u64> = (0..50_000)
            .map(|i| register_number(i, &[1, 2, 3, 4]))
            .collect();
        assert_eq!(ids.len(), 50_000);
    }
}

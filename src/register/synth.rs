//! Synthetic Dortmund population register (Einwohnermelderegister extract).
//!
//! The figures follow `shared/reference/dortmund-statistics.csv`: Stadtbezirk
//! populations of 31.12.2023, IT.NRW age bands of 31.12.2021, the gender split,
//! the non-German shares per district and the household figures. Everything is
//! derived from one ChaCha20 stream read through small integer helpers, so a
//! seed gives byte-identical output on every machine.

use std::collections::BTreeSet;
use std::ops::Range;

use chrono::{Datelike, Days, Months, NaiveDate};
use encoding_rs::WINDOWS_1252;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

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
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
    pub birth_date: NaiveDate,
    /// "m", "w" or "d".
    pub gender: &'static str,
    /// German adjective as in the register, e.g. "deutsch", "türkisch".
    pub nationality: String,
    pub stadtbezirk: &'static str,
    /// Auskunftssperre (§ 51 BMG).
    pub block_51: bool,
    /// Bedingter Sperrvermerk (§ 52 BMG).
    pub block_52: bool,
}

/// Column names of the CSV export, in field order.
pub const HEADER: [&str; 13] = [
    "Ordnungsmerkmal",
    "Familienname",
    "Vornamen",
    "Straße",
    "Hausnummer",
    "PLZ",
    "Ort",
    "Geburtsdatum",
    "Geschlecht",
    "Staatsangehörigkeit",
    "Stadtbezirk",
    "Auskunftssperre",
    "Sperrvermerk",
];

/// Generates exactly `cfg.population` residents of the 12 Stadtbezirke
/// (2023 populations, scaled by largest remainder when the size differs).
///
/// Rows come grouped by Stadtbezirk and building (like an address-sorted
/// extract); members of a household are adjacent.
pub fn generate(cfg: &SynthConfig) -> Vec<SynthPerson> {
    generate_with_households(cfg).0
}

/// One row per person after a header row, fields in [`HEADER`] order, CRLF
/// line ends; birth date as DD.MM.YYYY, blocks as "ja" or empty. `delimiter`
/// is `b';'`, `b','` or `b'\t'`; fields are quoted only when they contain the
/// delimiter, a quote or a line break.
pub fn to_csv_utf8(people: &[SynthPerson], delimiter: u8) -> String {
    let delim = char::from(delimiter);
    let mut out = String::with_capacity(128 * (people.len() + 1));
    for (i, h) in HEADER.iter().enumerate() {
        if i > 0 {
            out.push(delim);
        }
        push_field(&mut out, h, delim);
    }
    out.push_str("\r\n");
    for p in people {
        let fields: [&str; 7] = [
            &p.register_id,
            &p.family_name,
            &p.given_names,
            &p.street,
            &p.house_number,
            &p.postcode,
            &p.city,
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(delim);
            }
            push_field(&mut out, f, delim);
        }
        out.push(delim);
        push_date(&mut out, p.birth_date);
        for f in [
            p.gender,
            &p.nationality,
            p.stadtbezirk,
            if p.block_51 { "ja" } else { "" },
            if p.block_52 { "ja" } else { "" },
        ] {
            out.push(delim);
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

fn push_date(out: &mut String, d: NaiveDate) {
    push_padded(out, d.day(), 2);
    out.push('.');
    push_padded(out, d.month(), 2);
    out.push('.');
    if (0..=9999).contains(&d.year()) {
        push_padded(out, d.year().unsigned_abs(), 4);
    } else {
        out.push_str(&d.year().to_string());
    }
}

fn push_padded(out: &mut String, value: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        out.push(char::from(b'0' + ((value / div) % 10) as u8));
        div /= 10;
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

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// Index drawn with integer weights (cumulative scan).
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

/// Largest-remainder apportionment of `total` to `weights` (ties to the lower index).
fn apportion(total: u64, weights: &[u128]) -> Vec<u64> {
    let sum: u128 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut given = 0u64;
    for (i, &w) in weights.iter().enumerate() {
        let q = u128::from(total) * w;
        let whole = (q / sum) as u64;
        given += whole;
        out.push(whole);
        rems.push((q % sum, i));
    }
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rems.iter().take((total - given) as usize) {
        out[i] += 1;
    }
    out
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Mostly blocks of flats (Innenstadt).
    Urban,
    Mixed,
    /// Many one- and two-family houses.
    Suburban,
}

struct District {
    name: &'static str,
    /// Register population 31.12.2023 (Brackel, Lütgendortmund, Mengede derived).
    population_2023: u64,
    /// Non-German residents in 1/10000.
    foreign_per_10000: u64,
    /// Mild multipliers (percent) on the age bands 0–14, 15–29, 30–44, 45–59,
    /// 60–74, 75+; rebalanced so the city total keeps the IT.NRW shares.
    age_tilt: [u64; 6],
    layout: Layout,
    postcodes: &'static [&'static str],
    streets: &'static [&'static str],
}

// Known shares: Aplerbeck 10 %, Hörde 17.5 %, Scharnhorst 22.7 %, Brackel
// 11.7 %, Lütgendortmund 17 %, Innenstadt-Nord ~50 %, Hombruch ~10 %. The other
// five are set so that the city total is 21.8 %.
const DISTRICTS: [District; 12] = [
    District {
        name: "Innenstadt-West",
        population_2023: 54_215,
        foreign_per_10000: 2600,
        age_tilt: [72, 140, 112, 88, 85, 88],
        layout: Layout::Urban,
        postcodes: &["44135", "44137", "44139", "44149"],
        streets: &[
            "Westenhellweg",
            "Kampstraße",
            "Hansastraße",
            "Brückstraße",
            "Hohe Straße",
            "Kreuzstraße",
            "Lindemannstraße",
            "Rheinische Straße",
            "Möllerstraße",
            "Sonnenstraße",
            "Arneckestraße",
            "Große Heimstraße",
            "Wittekindstraße",
            "Huckarder Straße",
            "Ritterstraße",
            "Unionstraße",
            "Dorstfelder Hellweg",
            "Wilhelmplatz",
        ],
    },
    District {
        name: "Innenstadt-Nord",
        population_2023: 61_065,
        foreign_per_10000: 5000,
        age_tilt: [135, 128, 118, 82, 68, 50],
        layout: Layout::Urban,
        postcodes: &["44145", "44147"],
        streets: &[
            "Münsterstraße",
            "Mallinckrodtstraße",
            "Schützenstraße",
            "Borsigstraße",
            "Oesterholzstraße",
            "Nordstraße",
            "Bornstraße",
            "Uhlandstraße",
            "Heroldstraße",
            "Scharnhorststraße",
            "Gronaustraße",
            "Stollenstraße",
            "Leopoldstraße",
            "Kielstraße",
            "Missundestraße",
            "Burgholzstraße",
            "Nordmarkt",
            "Brunnenstraße",
            "Schleswiger Straße",
            "Immermannstraße",
        ],
    },
    District {
        name: "Innenstadt-Ost",
        population_2023: 58_520,
        foreign_per_10000: 2000,
        age_tilt: [90, 112, 108, 95, 98, 100],
        layout: Layout::Urban,
        postcodes: &["44135", "44139", "44141", "44143"],
        streets: &[
            "Ostenhellweg",
            "Kaiserstraße",
            "Hamburger Straße",
            "Ruhrallee",
            "Markgrafenstraße",
            "Saarlandstraße",
            "Lübkestraße",
            "Gutenbergstraße",
            "Hainallee",
            "Körner Hellweg",
            "Märkische Straße",
            "Gabelsbergerstraße",
            "Weißenburger Straße",
            "Prinz-Friedrich-Karl-Straße",
            "Robert-Koch-Straße",
            "Von-der-Tann-Straße",
        ],
    },
    District {
        name: "Eving",
        population_2023: 39_405,
        foreign_per_10000: 3100,
        age_tilt: [115, 102, 100, 95, 95, 95],
        layout: Layout::Mixed,
        postcodes: &["44339"],
        streets: &[
            "Evinger Straße",
            "Bergstraße",
            "Deutsche Straße",
            "Preußische Straße",
            "Brechtener Straße",
            "Holthauser Straße",
            "Grävingholzstraße",
            "Burgweg",
            "Nollendorfplatz",
            "Externbrocker Straße",
            "Kemminghauser Straße",
            "Süggelweg",
        ],
    },
    District {
        name: "Scharnhorst",
        population_2023: 47_185,
        foreign_per_10000: 2270,
        age_tilt: [130, 100, 92, 98, 100, 95],
        layout: Layout::Mixed,
        postcodes: &["44328", "44329"],
        streets: &[
            "Gleiwitzstraße",
            "Buschei",
            "Kirchderner Straße",
            "Flughafenstraße",
            "Husener Straße",
            "Kurler Straße",
            "Droote",
            "Gneisenauallee",
            "Lanstroper Straße",
            "Derner Straße",
            "Haferfeldstraße",
        ],
    },
    District {
        name: "Brackel",
        population_2023: 56_395,
        foreign_per_10000: 1170,
        age_tilt: [95, 90, 95, 105, 106, 114],
        layout: Layout::Suburban,
        postcodes: &["44309", "44319"],
        streets: &[
            "Brackeler Hellweg",
            "Oberdorfstraße",
            "Asselner Hellweg",
            "Wickeder Hellweg",
            "Am Westheck",
            "Wambeler Hellweg",
            "Akazienstraße",
            "Rüschebrinkstraße",
            "Hohenbuschei-Allee",
        ],
    },
    District {
        name: "Aplerbeck",
        population_2023: 55_685,
        foreign_per_10000: 1000,
        age_tilt: [86, 78, 88, 112, 122, 132],
        layout: Layout::Suburban,
        postcodes: &["44287", "44289", "44269"],
        streets: &[
            "Köln-Berliner Straße",
            "Aplerbecker Marktplatz",
            "Ruinenstraße",
            "Schüruferstraße",
            "Rodenbergstraße",
            "Sölder Straße",
            "Vieselerhofstraße",
            "Schweizer Allee",
            "Aplerbecker Bahnhofstraße",
        ],
    },
    District {
        name: "Hörde",
        population_2023: 57_315,
        foreign_per_10000: 1750,
        age_tilt: [96, 102, 106, 100, 98, 98],
        layout: Layout::Mixed,
        postcodes: &["44263", "44265", "44267"],
        streets: &[
            "Hermannstraße",
            "Faßstraße",
            "Alfred-Trappen-Straße",
            "Benninghofer Straße",
            "Wellinghofer Straße",
            "Hörder Bahnhofstraße",
            "Seekante",
            "Hörder Semerteichstraße",
            "Niederhofener Straße",
            "Wittbräucker Straße",
            "Am Remberg",
            "Clarenberg",
            "Penningskamp",
            "Berghofer Straße",
        ],
    },
    District {
        name: "Hombruch",
        population_2023: 57_380,
        foreign_per_10000: 1000,
        age_tilt: [92, 106, 90, 100, 110, 116],
        layout: Layout::Suburban,
        postcodes: &["44225", "44227", "44229"],
        streets: &[
            "Harkortstraße",
            "Hombrucher Straße",
            "Stockumer Straße",
            "Kirchhörder Straße",
            "Baroper Straße",
            "Eichlinghofer Straße",
            "Menglinghauser Straße",
            "Am Rombergpark",
            "Löttringhauser Straße",
            "Emil-Figge-Straße",
            "Grotenbachstraße",
            "Mergelteichstraße",
        ],
    },
    District {
        name: "Lütgendortmund",
        population_2023: 48_750,
        foreign_per_10000: 1700,
        age_tilt: [100, 95, 95, 105, 104, 100],
        layout: Layout::Mixed,
        postcodes: &["44379", "44388"],
        streets: &[
            "Limbecker Straße",
            "Provinzialstraße",
            "Martener Straße",
            "Bövinghauser Straße",
            "Lütgendortmunder Hellweg",
            "Volksgartenstraße",
            "Westricher Straße",
            "Steinhammerstraße",
            "Dellwiger Straße",
            "Somborner Straße",
            "Oespeler Weg",
        ],
    },
    District {
        name: "Huckarde",
        population_2023: 36_565,
        foreign_per_10000: 2400,
        age_tilt: [104, 96, 96, 104, 100, 100],
        layout: Layout::Mixed,
        postcodes: &["44369", "44357"],
        streets: &[
            "Parsevalstraße",
            "Urbanusstraße",
            "Rahmer Straße",
            "Kirchlinder Straße",
            "Roßbachstraße",
            "Wischlinger Weg",
            "Frohlinder Straße",
            "Deusener Straße",
            "Varziner Straße",
            "Jungferntalstraße",
        ],
    },
    District {
        name: "Mengede",
        population_2023: 39_585,
        foreign_per_10000: 2320,
        age_tilt: [104, 96, 96, 104, 100, 100],
        layout: Layout::Mixed,
        postcodes: &["44359", "44357"],
        streets: &[
            "Mengeder Straße",
            "Siegburgstraße",
            "Bodelschwingher Straße",
            "Westerfilder Straße",
            "Waltroper Straße",
            "Strünkedestraße",
            "Castroper Straße",
            "Groppenbrucher Straße",
            "Königsmühle",
            "Mengeder Markt",
            "Schulte-Witten-Straße",
        ],
    },
];

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

#[derive(Clone, Copy, PartialEq, Eq)]
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

/// Foreign nationalities with weights for the city and for Innenstadt-Nord
/// (where Bulgarian and Romanian citizens are concentrated).
const FOREIGN: [(&str, Culture, u64, u64); 15] = [
    ("türkisch", Culture::Turkish, 150, 140),
    ("polnisch", Culture::Polish, 125, 70),
    ("syrisch", Culture::Arabic, 105, 110),
    ("rumänisch", Culture::Romanian, 85, 125),
    ("bulgarisch", Culture::Bulgarian, 70, 130),
    ("ukrainisch", Culture::Ukrainian, 75, 45),
    ("italienisch", Culture::Italian, 45, 25),
    ("griechisch", Culture::Greek, 42, 25),
    ("irakisch", Culture::Arabic, 35, 40),
    ("afghanisch", Culture::Afghan, 30, 30),
    ("serbisch", Culture::Balkan, 25, 20),
    ("russisch", Culture::Russian, 25, 10),
    ("kroatisch", Culture::Balkan, 20, 10),
    ("spanisch", Culture::Spanish, 20, 15),
    ("bosnisch-herzegowinisch", Culture::Balkan, 12, 10),
];

/// Name origin of German citizens (naturalised families, Spätaussiedler, ...).
const GERMAN_MIX: [(Culture, u64); 9] = [
    (Culture::German, 840),
    (Culture::Turkish, 50),
    (Culture::Polish, 45),
    (Culture::Russian, 20),
    (Culture::Balkan, 12),
    (Culture::Italian, 10),
    (Culture::Arabic, 10),
    (Culture::Greek, 8),
    (Culture::Spanish, 5),
];

struct Names {
    male: &'static [&'static str],
    female: &'static [&'static str],
    family: &'static [&'static str],
}

fn names(c: Culture) -> &'static Names {
    match c {
        Culture::German => &GERMAN,
        Culture::Turkish => &TURKISH,
        Culture::Polish => &POLISH,
        Culture::Arabic => &ARABIC,
        Culture::Afghan => &AFGHAN,
        Culture::Romanian => &ROMANIAN,
        Culture::Bulgarian => &BULGARIAN,
        Culture::Ukrainian => &UKRAINIAN,
        Culture::Russian => &RUSSIAN,
        Culture::Italian => &ITALIAN,
        Culture::Greek => &GREEK,
        Culture::Balkan => &BALKAN,
        Culture::Spanish => &SPANISH,
    }
}

/// German given names change a lot between birth cohorts.
fn german_given(gender: Gender, birth_year: i32) -> &'static [&'static str] {
    let cohort = match birth_year {
        ..=1945 => 0,
        1946..=1965 => 1,
        1966..=1985 => 2,
        1986..=2005 => 3,
        _ => 4,
    };
    if gender == Gender::M {
        GERMAN_MALE[cohort]
    } else {
        GERMAN_FEMALE[cohort]
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
            let weights = if district == 1 {
                FOREIGN.map(|f| f.3)
            } else {
                FOREIGN.map(|f| f.2)
            };
            let f = FOREIGN[self.r.weighted(&weights)];
            (f.0, f.1)
        } else {
            let weights = GERMAN_MIX.map(|m| m.1);
            ("deutsch", GERMAN_MIX[self.r.weighted(&weights)].0)
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
            names(c).male
        } else {
            names(c).female
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
        let base = self.r.pick(names(culture).family);
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
                    let own = self.r.pick(GERMAN.family);
                    if own == base || own.contains('-') || base.contains('-') {
                        base.to_string()
                    } else {
                        format!("{base}-{own}")
                    }
                }
                _ => {
                    let own = self.r.pick(names(culture).family);
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

const TREE_STEMS: &[&str] = &[
    "Linden",
    "Birken",
    "Eichen",
    "Buchen",
    "Ahorn",
    "Kastanien",
    "Tannen",
    "Fichten",
    "Erlen",
    "Eschen",
    "Ulmen",
    "Pappel",
    "Weiden",
    "Holunder",
    "Wacholder",
    "Rosen",
    "Tulpen",
    "Nelken",
    "Flieder",
    "Veilchen",
    "Lilien",
    "Astern",
    "Dahlien",
    "Lavendel",
    "Ginster",
    "Efeu",
    "Schlehen",
    "Hasel",
    "Kirsch",
    "Apfel",
    "Birnen",
    "Pflaumen",
    "Quitten",
    "Mispel",
    "Akelei",
    "Malven",
    "Kamillen",
    "Thymian",
    "Salbei",
    "Jasmin",
    "Magnolien",
    "Platanen",
    "Robinien",
    "Eiben",
    "Lärchen",
    "Kiefern",
    "Zedern",
    "Heckenrosen",
    "Brombeer",
    "Himbeer",
];

const FLOWER_STEMS: &[&str] = &[
    "Primel",
    "Krokus",
    "Enzian",
    "Iris",
    "Mohn",
    "Klee",
    "Rainfarn",
    "Schafgarben",
    "Hagebutten",
    "Mistel",
    "Farn",
    "Lupinen",
    "Kornblumen",
    "Margeriten",
    "Sonnenblumen",
    "Hortensien",
    "Geranien",
    "Levkojen",
    "Goldregen",
    "Schneeball",
    "Weißdorn",
    "Rotdorn",
    "Hainbuchen",
    "Espen",
    "Walnuss",
];

/// Full names, used hyphenated ("Heinrich-Böll-Straße").
const FULL_NAME_STEMS: &[&str] = &[
    "Annette-von-Droste",
    "Ricarda-Huch",
    "Else-Lasker-Schüler",
    "Heinrich-Böll",
    "Thomas-Mann",
    "Bertha-von-Suttner",
    "Käthe-Kollwitz",
    "Sophie-Scholl",
    "Geschwister-Scholl",
    "Carl-von-Ossietzky",
    "Kurt-Schumacher",
    "Willy-Brandt",
    "Gustav-Heinemann",
    "Theodor-Heuss",
    "Friedrich-Ebert",
    "Konrad-Adenauer",
    "Otto-Hahn",
    "Max-Planck",
    "Robert-Bosch",
    "Werner-von-Siemens",
    "Fritz-Henßler",
    "Clara-Zetkin",
    "Rosa-Luxemburg",
    "Marie-Juchacz",
    "Louise-Otto",
    "Hedwig-Dransfeld",
    "Mathilde-Anneke",
    "Ernst-Mehlich",
    "Wilhelm-Busch",
    "Hermann-Löns",
    "Friedrich-Hölderlin",
    "Joseph-von-Eichendorff",
    "Gerhart-Hauptmann",
    "Hermann-Hesse",
    "Erich-Kästner",
    "Kurt-Tucholsky",
    "Anne-Frank",
    "Albert-Schweitzer",
    "Dietrich-Bonhoeffer",
    "Martin-Luther-King",
    "Edith-Stein",
    "Adolph-Kolping",
    "Heinrich-Heine",
    "Johann-Sebastian-Bach",
    "Carl-Zeiss",
    "Rudolf-Diesel",
    "Gottlieb-Daimler",
    "Carl-Benz",
    "Nikolaus-Otto",
    "Emil-von-Behring",
    "Robert-Koch",
    "Lise-Meitner",
    "Marie-Curie",
    "Alexander-von-Humboldt",
    "Wilhelm-Röntgen",
    "Heinrich-Hertz",
    "Friedrich-Harkort",
    "Leopold-Hoesch",
    "Gustav-Stresemann",
    "Walther-Rathenau",
];

const ANIMAL_STEMS: &[&str] = &[
    "Amsel",
    "Drossel",
    "Finken",
    "Meisen",
    "Lerchen",
    "Schwalben",
    "Falken",
    "Habicht",
    "Sperber",
    "Kranich",
    "Reiher",
    "Eulen",
    "Raben",
    "Dohlen",
    "Stieglitz",
    "Zeisig",
    "Kiebitz",
    "Bussard",
    "Hasen",
    "Fuchs",
    "Dachs",
    "Hirsch",
    "Biber",
    "Marder",
    "Igel",
    "Specht",
    "Wachtel",
    "Storchen",
    "Schwanen",
    "Fasanen",
];

const LAND_STEMS: &[&str] = &[
    "Mühlen",
    "Brunnen",
    "Quellen",
    "Bach",
    "Teich",
    "Weiher",
    "Graben",
    "Wiesen",
    "Feld",
    "Acker",
    "Garten",
    "Hof",
    "Heide",
    "Busch",
    "Holz",
    "Wald",
    "Berg",
    "Höhen",
    "Tal",
    "Hügel",
    "Kirch",
    "Schul",
    "Markt",
    "Bahnhof",
    "Post",
    "Sonnen",
    "Stern",
    "Morgen",
    "Sommer",
    "Winter",
    "Nord",
    "Süd",
    "Ost",
    "West",
    "Mittel",
    "Zechen",
    "Schacht",
    "Stollen",
    "Hütten",
    "Gruben",
    "Kohlen",
    "Eisen",
    "Kupfer",
    "Silber",
    "Gold",
    "Schmiede",
    "Weber",
    "Bäcker",
    "Brauer",
    "Töpfer",
    "Gerber",
    "Schäfer",
    "Kanal",
    "Hafen",
    "Schleusen",
    "Deich",
    "Bruch",
    "Siepen",
    "Brink",
    "Kamp",
    "Wall",
    "Burg",
    "Schloss",
    "Kloster",
    "Kapellen",
    "Turm",
    "Steinbruch",
    "Ziegel",
    "Lehm",
    "Sand",
    "Kies",
];

const PERSON_STEMS: &[&str] = &[
    "Goethe",
    "Schiller",
    "Lessing",
    "Heine",
    "Mörike",
    "Eichendorff",
    "Hölderlin",
    "Novalis",
    "Kleist",
    "Storm",
    "Fontane",
    "Raabe",
    "Freiligrath",
    "Grabbe",
    "Mozart",
    "Beethoven",
    "Bach",
    "Händel",
    "Haydn",
    "Schubert",
    "Brahms",
    "Lortzing",
    "Humperdinck",
    "Kant",
    "Hegel",
    "Fichte",
    "Herder",
    "Leibniz",
    "Humboldt",
    "Gauß",
    "Kepler",
    "Röntgen",
    "Diesel",
    "Benz",
    "Bunsen",
    "Liebig",
    "Virchow",
    "Kolping",
    "Hardenberg",
    "Blücher",
    "Gneisenau",
    "Bismarck",
    "Moltke",
    "Stresemann",
    "Ebert",
    "Rathenau",
    "Erzberger",
    "Adenauer",
    "Heuss",
    "Bonhoeffer",
    "Stauffenberg",
    "Hoesch",
    "Vincke",
    "Zeppelin",
    "Bebel",
    "Dürer",
    "Holbein",
    "Cranach",
    "Menzel",
    "Barlach",
    "Kollwitz",
    "Nolde",
    "Macke",
    "Feininger",
    "Grimm",
    "Hauff",
    "Wieland",
    "Klopstock",
    "Gellert",
    "Arndt",
    "Jahn",
    "Körner",
    "Hebbel",
    "Keller",
    "Busch",
    "Brentano",
    "Chamisso",
    "Rückert",
    "Platen",
    "Gutenberg",
    "Luther",
    "Melanchthon",
    "Zwingli",
    "Overberg",
    "Spee",
    "Ketteler",
    "Galen",
    "Fröbel",
    "Pestalozzi",
    "Diesterweg",
    "Siemens",
    "Bosch",
    "Daimler",
    "Otto",
    "Mercator",
    "Behring",
    "Planck",
    "Einstein",
    "Heisenberg",
    "Hahn",
    "Meitner",
    "Nernst",
    "Ohm",
    "Hertz",
    "Fraunhofer",
];

const PLACE_STEMS: &[&str] = &[
    "Hagener",
    "Bochumer",
    "Essener",
    "Unnaer",
    "Lüner",
    "Wittener",
    "Schwerter",
    "Iserlohner",
    "Hammer",
    "Kamener",
    "Holzwickeder",
    "Herdecker",
    "Wetterer",
    "Hattinger",
    "Recklinghäuser",
    "Mendener",
    "Soester",
    "Arnsberger",
    "Kölner",
    "Düsseldorfer",
    "Berliner",
    "Bremer",
    "Kasseler",
    "Frankfurter",
    "Mainzer",
    "Koblenzer",
    "Trierer",
    "Aachener",
    "Bielefelder",
    "Paderborner",
    "Detmolder",
    "Lippstädter",
    "Gelsenkirchener",
    "Gladbecker",
    "Bottroper",
    "Marler",
    "Hertener",
    "Selmer",
    "Bergkamener",
    "Fröndenberger",
    "Schwelmer",
    "Gevelsberger",
    "Sprockhöveler",
    "Wuppertaler",
    "Mindener",
    "Mülheimer",
    "Oberhausener",
    "Duisburger",
    "Hertener",
    "Warendorfer",
    "Ahlener",
    "Beckumer",
    "Olper",
    "Siegener",
    "Lüdenscheider",
    "Altenaer",
    "Plettenberger",
    "Brilon",
    "Meschede",
    "Werler",
];

/// Candidate street names in a fixed order; the caller shuffles them.
fn street_name_pool() -> Vec<String> {
    let mut set = BTreeSet::new();
    for s in TREE_STEMS {
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
    for s in FLOWER_STEMS {
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
    for s in FULL_NAME_STEMS {
        for f in [
            format!("{s}-Straße"),
            format!("{s}-Weg"),
            format!("{s}-Platz"),
            format!("{s}-Allee"),
        ] {
            set.insert(f);
        }
    }
    for s in ANIMAL_STEMS {
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
    for s in LAND_STEMS {
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
    for s in PERSON_STEMS {
        for f in [
            format!("{s}straße"),
            format!("{s}weg"),
            format!("{s}platz"),
            format!("{s}allee"),
        ] {
            set.insert(f);
        }
    }
    for s in PLACE_STEMS {
        if s.ends_with("er") {
            set.insert(format!("{s} Straße"));
            set.insert(format!("{s} Weg"));
            set.insert(format!("{s} Hellweg"));
        }
    }
    for d in &DISTRICTS {
        for s in d.streets {
            set.remove(*s);
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
                postcode: g.r.pick(district.postcodes),
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
                        street: street.name.clone(),
                        house_number: house_number.clone(),
                        postcode: street.postcode.to_string(),
                        city: "Dortmund".to_string(),
                        birth_date: p.birth_date,
                        gender: p.gender.code(),
                        nationality: p.nationality.to_string(),
                        stadtbezirk: district.name,
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

// ---------------------------------------------------------------------------
// Name lists (all Windows-1252; Turkish, Polish, Romanian and Cyrillic names in
// the Latin transliteration common in German registers).

const GERMAN_MALE: [&[&str]; 5] = [
    &[
        "Heinz",
        "Günter",
        "Werner",
        "Gerhard",
        "Horst",
        "Helmut",
        "Karl",
        "Walter",
        "Kurt",
        "Herbert",
        "Hans",
        "Wilhelm",
        "Friedrich",
        "Ernst",
        "Rudolf",
        "Willi",
        "Erich",
        "Hermann",
        "Otto",
        "Alfred",
        "Paul",
        "Heinrich",
        "Josef",
        "Fritz",
        "Franz",
        "Gustav",
        "Bruno",
        "Egon",
        "Siegfried",
        "Manfred",
        "Dieter",
        "Klaus",
        "Rolf",
        "Joachim",
        "Lothar",
        "Norbert",
        "Alfons",
        "Hubert",
        "Theodor",
        "Johannes",
        "Georg",
        "Erwin",
    ],
    &[
        "Peter",
        "Wolfgang",
        "Michael",
        "Klaus",
        "Jürgen",
        "Uwe",
        "Dieter",
        "Bernd",
        "Rainer",
        "Manfred",
        "Thomas",
        "Hans-Jürgen",
        "Karl-Heinz",
        "Frank",
        "Andreas",
        "Detlef",
        "Ulrich",
        "Reinhard",
        "Volker",
        "Norbert",
        "Harald",
        "Hartmut",
        "Gerd",
        "Ralf",
        "Matthias",
        "Wilfried",
        "Jörg",
        "Bernhard",
        "Friedhelm",
        "Ludger",
        "Burkhard",
        "Hans-Peter",
        "Dirk",
        "Martin",
        "Stefan",
        "Heinz-Dieter",
        "Günther",
        "Rüdiger",
        "Gerhard",
        "Josef",
    ],
    &[
        "Thomas",
        "Michael",
        "Andreas",
        "Stefan",
        "Frank",
        "Markus",
        "Christian",
        "Oliver",
        "Sven",
        "Jörg",
        "Dirk",
        "Carsten",
        "Torsten",
        "Matthias",
        "Daniel",
        "Alexander",
        "Tobias",
        "Sebastian",
        "Marco",
        "Kai",
        "Jens",
        "Björn",
        "Holger",
        "Ingo",
        "Marc",
        "Heiko",
        "Timo",
        "Florian",
        "Patrick",
        "Sascha",
        "Dennis",
        "René",
        "André",
        "Christoph",
        "Jan",
        "Mario",
        "Guido",
        "Thorsten",
        "Volker",
        "Ralf",
    ],
    &[
        "Jan",
        "Tim",
        "Lukas",
        "Niklas",
        "Daniel",
        "Kevin",
        "Dennis",
        "Marcel",
        "Philipp",
        "Florian",
        "Tobias",
        "Alexander",
        "Sebastian",
        "Patrick",
        "Jonas",
        "Felix",
        "Maximilian",
        "Fabian",
        "Pascal",
        "Julian",
        "Marvin",
        "Dominik",
        "Nils",
        "Leon",
        "Moritz",
        "Robin",
        "Benedikt",
        "Jannik",
        "Tom",
        "Lars",
        "Yannick",
        "Simon",
        "Christopher",
        "Justin",
        "Luca",
        "Nico",
        "Björn",
        "Sören",
        "Malte",
        "Steffen",
    ],
    &[
        "Ben",
        "Paul",
        "Leon",
        "Finn",
        "Elias",
        "Jonas",
        "Noah",
        "Luis",
        "Louis",
        "Felix",
        "Luca",
        "Henry",
        "Emil",
        "Theo",
        "Matteo",
        "Liam",
        "Anton",
        "Jakob",
        "Maximilian",
        "Niklas",
        "Moritz",
        "Julian",
        "Leo",
        "Mats",
        "Jonah",
        "Mika",
        "Oskar",
        "Linus",
        "Hannes",
        "Milan",
        "Lias",
        "Levi",
        "Nick",
        "Tim",
        "Lenny",
        "Lukas",
        "Jannes",
        "Ole",
        "Till",
        "Malte",
    ],
];

const GERMAN_FEMALE: [&[&str]; 5] = [
    &[
        "Gertrud",
        "Ursula",
        "Helga",
        "Ilse",
        "Erika",
        "Irmgard",
        "Hildegard",
        "Anneliese",
        "Gisela",
        "Waltraud",
        "Elfriede",
        "Margarete",
        "Elisabeth",
        "Käthe",
        "Edith",
        "Liselotte",
        "Hedwig",
        "Ingeborg",
        "Christa",
        "Inge",
        "Marianne",
        "Hannelore",
        "Charlotte",
        "Anna",
        "Maria",
        "Martha",
        "Frieda",
        "Luise",
        "Herta",
        "Ruth",
        "Rosemarie",
        "Brigitte",
        "Renate",
        "Gerda",
        "Johanna",
        "Else",
        "Wilhelmine",
        "Irene",
        "Lieselotte",
        "Änne",
    ],
    &[
        "Monika",
        "Petra",
        "Sabine",
        "Gabriele",
        "Karin",
        "Brigitte",
        "Renate",
        "Ursula",
        "Barbara",
        "Christine",
        "Elke",
        "Heike",
        "Birgit",
        "Andrea",
        "Susanne",
        "Angelika",
        "Martina",
        "Doris",
        "Bärbel",
        "Jutta",
        "Marion",
        "Regina",
        "Cornelia",
        "Dagmar",
        "Gudrun",
        "Sigrid",
        "Beate",
        "Rita",
        "Annette",
        "Ingrid",
        "Ute",
        "Heidi",
        "Anke",
        "Silke",
        "Claudia",
        "Hannelore",
        "Rosemarie",
        "Gisela",
        "Edeltraud",
        "Marlies",
    ],
    &[
        "Sandra",
        "Nicole",
        "Stefanie",
        "Claudia",
        "Andrea",
        "Tanja",
        "Katrin",
        "Anja",
        "Melanie",
        "Christina",
        "Susanne",
        "Silke",
        "Kerstin",
        "Daniela",
        "Simone",
        "Nadine",
        "Bianca",
        "Jessica",
        "Julia",
        "Sabrina",
        "Yvonne",
        "Manuela",
        "Katja",
        "Sonja",
        "Britta",
        "Nina",
        "Anke",
        "Christiane",
        "Alexandra",
        "Ines",
        "Kirsten",
        "Verena",
        "Miriam",
        "Janina",
        "Jennifer",
        "Diana",
        "Doreen",
        "Maren",
        "Heike",
        "Petra",
    ],
    &[
        "Laura",
        "Julia",
        "Lisa",
        "Sarah",
        "Anna",
        "Lena",
        "Jana",
        "Katharina",
        "Vanessa",
        "Jessica",
        "Jennifer",
        "Michelle",
        "Annika",
        "Christina",
        "Kim",
        "Lea",
        "Sophie",
        "Hannah",
        "Johanna",
        "Sina",
        "Jacqueline",
        "Nina",
        "Carina",
        "Franziska",
        "Marie",
        "Alina",
        "Celina",
        "Chantal",
        "Luisa",
        "Jasmin",
        "Melina",
        "Svenja",
        "Pia",
        "Jule",
        "Larissa",
        "Saskia",
        "Lara",
        "Sophia",
        "Maike",
        "Chiara",
    ],
    &[
        "Mia",
        "Emma",
        "Hannah",
        "Sofia",
        "Emilia",
        "Lina",
        "Marie",
        "Lea",
        "Ella",
        "Clara",
        "Leni",
        "Mila",
        "Lia",
        "Ida",
        "Frieda",
        "Greta",
        "Mathilda",
        "Charlotte",
        "Amelie",
        "Luisa",
        "Johanna",
        "Nele",
        "Lotta",
        "Paula",
        "Maja",
        "Zoé",
        "Lena",
        "Anna",
        "Ronja",
        "Romy",
        "Malia",
        "Luna",
        "Jana",
        "Isabella",
        "Helena",
        "Merle",
        "Jule",
        "Pia",
        "Thea",
        "Chloé",
    ],
];

const GERMAN: Names = Names {
    male: &[],
    female: &[],
    family: &[
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Schwarz",
        "Zimmermann",
        "Braun",
        "Krüger",
        "Hofmann",
        "Hartmann",
        "Lange",
        "Schmitt",
        "Werner",
        "Schmitz",
        "Krause",
        "Meier",
        "Lehmann",
        "Schmid",
        "Schulze",
        "Maier",
        "Köhler",
        "Herrmann",
        "König",
        "Walter",
        "Mayer",
        "Huber",
        "Kaiser",
        "Fuchs",
        "Peters",
        "Lang",
        "Scholz",
        "Möller",
        "Weiß",
        "Jung",
        "Hahn",
        "Schubert",
        "Vogel",
        "Friedrich",
        "Keller",
        "Günther",
        "Frank",
        "Berger",
        "Winkler",
        "Roth",
        "Beck",
        "Lorenz",
        "Baumann",
        "Franke",
        "Albrecht",
        "Schuster",
        "Simon",
        "Ludwig",
        "Böhm",
        "Winter",
        "Kraus",
        "Martin",
        "Schumacher",
        "Krämer",
        "Vogt",
        "Stein",
        "Jäger",
        "Otto",
        "Sommer",
        "Groß",
        "Seidel",
        "Heinrich",
        "Brandt",
        "Haas",
        "Schreiber",
        "Graf",
        "Schulte",
        "Dietrich",
        "Ziegler",
        "Kuhn",
        "Kühn",
        "Pohl",
        "Engel",
        "Horn",
        "Busch",
        "Bergmann",
        "Thomas",
        "Voigt",
        "Sauer",
        "Arnold",
        "Wolff",
        "Pfeiffer",
        "Brinkmann",
        "Hülsmann",
        "Kötter",
        "Tewes",
        "Wessel",
        "Overbeck",
        "Hegemann",
        "Brüggemann",
        "Wiesmann",
        "Hölscher",
        "Beckmann",
        "Niehaus",
        "Kortmann",
        "Westermann",
        "Feldmann",
        "Heitkamp",
        "Kampmann",
        "Bröcker",
        "Spiekermann",
        "Niemeyer",
        "Rademacher",
        "Terhorst",
        "Hüsken",
        "Kemper",
        "Wortmann",
        "Drees",
        "Böckmann",
        "Hövelmann",
        "Schürmann",
        "Dahlhaus",
        "Bußmann",
        "Großkopf",
        "Strauß",
        "Preuß",
        "Voß",
        "Süß",
        "Nußbaum",
        "Meißner",
        "Rößler",
        "Göbel",
        "Höfer",
        "Stöcker",
        "Lübbert",
        "Fröhlich",
        "Köster",
        "Lüdtke",
        "Jürgens",
        "Düsing",
        "Schäfers",
        "Wöstmann",
        "Grüter",
        "Tönnies",
        "Möllers",
        "Kötting",
        "Große-Wilde",
        "Schulte-Sasse",
        "Schulze-Wierling",
        "Große-Kleimann",
        "Schulte-Frohlinde",
        "Kowalski",
        "Szymanski",
        "Nowak",
        "Kaminski",
        "Schimanski",
        "Tomczak",
        "Grabowski",
        "Pawlak",
        "Kuczera",
        "Wosnitza",
        "Piontek",
        "Kaczmarek",
        "Lewandowski",
        "Sobczak",
        "Przybilla",
        "Kubiak",
        "Schlüter",
        "Dreier",
        "Hagemann",
        "Lohmann",
        "Wieschhoff",
        "Sprenger",
        "Holtkamp",
        "Schwertfeger",
        "Ostermann",
        "Budde",
        "Hense",
        "Gerwin",
        "Klocke",
        "Rüther",
        "Stüber",
        "Henke",
        "Kleine",
        "Linnemann",
        "Schwarte",
        "Vollmer",
        "Kersting",
        "Lückemeyer",
        "Bökamp",
        "Wilms",
        "Thiele",
        "Ernst",
        "Kurz",
        "Schön",
        "Pütz",
        "Heuer",
        "Brückner",
        "Bäumer",
        "Jödicke",
        "Rühl",
        "Dörr",
        "Hübner",
    ],
};

const TURKISH: Names = Names {
    male: &[
        "Mehmet",
        "Mustafa",
        "Ahmet",
        "Ali",
        "Hüseyin",
        "Hasan",
        "Ibrahim",
        "Ismail",
        "Osman",
        "Yusuf",
        "Murat",
        "Ömer",
        "Ramazan",
        "Halil",
        "Süleyman",
        "Abdullah",
        "Mahmut",
        "Recep",
        "Kemal",
        "Emre",
        "Burak",
        "Can",
        "Deniz",
        "Serkan",
        "Volkan",
        "Cem",
        "Onur",
        "Yunus",
        "Emir",
        "Eymen",
        "Kerem",
        "Kaan",
        "Enes",
        "Furkan",
        "Baris",
        "Gökhan",
        "Tolga",
        "Sinan",
        "Erkan",
        "Orhan",
    ],
    female: &[
        "Fatma", "Ayse", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Sevgi", "Özlem", "Hülya",
        "Derya", "Esra", "Merve", "Büsra", "Selin", "Melek", "Gül", "Yasemin", "Songül", "Sibel",
        "Aylin", "Ebru", "Dilek", "Nur", "Ceren", "Ecem", "Azra", "Defne", "Hira", "Sultan",
        "Filiz", "Gülsüm", "Nesrin", "Tugba", "Sevda", "Leyla", "Irem", "Eda",
    ],
    family: &[
        "Yilmaz", "Kaya", "Demir", "Sahin", "Çelik", "Yildiz", "Yildirim", "Öztürk", "Aydin",
        "Özdemir", "Arslan", "Dogan", "Kilic", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan",
        "Simsek", "Polat", "Özcan", "Korkmaz", "Erdogan", "Aktas", "Günes", "Karaca", "Bulut",
        "Tekin", "Uçar", "Yavuz", "Aksoy", "Keskin", "Güler", "Türk", "Acar", "Ates", "Tas",
        "Erdem", "Bozkurt", "Koçak", "Ünal", "Altun", "Gül", "Duman",
    ],
};

const POLISH: Names = Names {
    male: &[
        "Piotr",
        "Krzysztof",
        "Andrzej",
        "Tomasz",
        "Pawel",
        "Jan",
        "Michal",
        "Marcin",
        "Stanislaw",
        "Jakub",
        "Adam",
        "Marek",
        "Lukasz",
        "Grzegorz",
        "Mateusz",
        "Wojciech",
        "Mariusz",
        "Dariusz",
        "Zbigniew",
        "Jerzy",
        "Maciej",
        "Kamil",
        "Szymon",
        "Rafal",
        "Robert",
        "Artur",
        "Sebastian",
        "Kacper",
        "Filip",
        "Bartosz",
        "Dawid",
        "Damian",
        "Patryk",
        "Karol",
    ],
    female: &[
        "Anna",
        "Maria",
        "Katarzyna",
        "Malgorzata",
        "Agnieszka",
        "Barbara",
        "Ewa",
        "Krystyna",
        "Elzbieta",
        "Zofia",
        "Joanna",
        "Magdalena",
        "Monika",
        "Beata",
        "Aleksandra",
        "Dorota",
        "Jolanta",
        "Iwona",
        "Natalia",
        "Karolina",
        "Marta",
        "Justyna",
        "Paulina",
        "Kinga",
        "Weronika",
        "Julia",
        "Zuzanna",
        "Oliwia",
        "Wiktoria",
        "Alicja",
        "Halina",
        "Danuta",
        "Teresa",
        "Renata",
    ],
    family: &[
        "Nowak",
        "Kowalski",
        "Wisniewski",
        "Wójcik",
        "Kowalczyk",
        "Kaminski",
        "Lewandowski",
        "Zielinski",
        "Szymanski",
        "Wozniak",
        "Dabrowski",
        "Kozlowski",
        "Jankowski",
        "Mazur",
        "Wojciechowski",
        "Kwiatkowski",
        "Krawczyk",
        "Kaczmarek",
        "Piotrowski",
        "Grabowski",
        "Zajac",
        "Pawlowski",
        "Michalski",
        "Król",
        "Wieczorek",
        "Jablonski",
        "Wróbel",
        "Nowakowski",
        "Majewski",
        "Olszewski",
        "Stepien",
        "Malinowski",
        "Jaworski",
        "Adamczyk",
        "Dudek",
        "Nowicki",
        "Pawlak",
        "Górski",
        "Witkowski",
        "Walczak",
        "Sikora",
        "Baran",
        "Rutkowski",
        "Michalak",
        "Szewczyk",
        "Ostrowski",
        "Tomaszewski",
        "Pietrzak",
        "Zalewski",
        "Wróblewski",
    ],
};

const ARABIC: Names = Names {
    male: &[
        "Mohammad", "Ahmad", "Ali", "Omar", "Khaled", "Mahmoud", "Hassan", "Hussein", "Abdullah",
        "Yousef", "Ibrahim", "Mustafa", "Samer", "Rami", "Bilal", "Karim", "Tarek", "Walid",
        "Amir", "Adnan", "Fadi", "Jamal", "Hamza", "Yazan", "Adam", "Zaid", "Majd", "Anas",
        "Osama", "Ammar",
    ],
    female: &[
        "Fatima", "Aisha", "Maryam", "Noor", "Rania", "Hiba", "Lama", "Rana", "Sara", "Amal",
        "Huda", "Layla", "Dima", "Nisreen", "Reem", "Yasmin", "Zainab", "Ghada", "Salma", "Hala",
        "Aya", "Jana", "Lana", "Sidra", "Shahd", "Batoul", "Raghad", "Joudi", "Maya", "Samira",
    ],
    family: &[
        "Al-Ahmad",
        "Al-Hassan",
        "Al-Hussein",
        "Al-Khalil",
        "Alhamad",
        "Alali",
        "Alsayed",
        "Ibrahim",
        "Mohammad",
        "Hassan",
        "Hussein",
        "Khalil",
        "Mustafa",
        "Othman",
        "Ismail",
        "Abdullah",
        "Haddad",
        "Khoury",
        "Saleh",
        "Youssef",
        "Nasser",
        "Darwish",
        "Hamdan",
        "Suleiman",
        "Al-Omar",
        "Alkhatib",
        "Kassem",
        "Jaber",
        "Mansour",
        "Sabbagh",
        "Aziz",
        "Al-Mohammad",
        "Hamoud",
        "Sheikh",
        "Al-Rashid",
    ],
};

const AFGHAN: Names = Names {
    male: &[
        "Ahmad",
        "Mohammad",
        "Ali",
        "Abdul",
        "Hamid",
        "Farid",
        "Nasir",
        "Jawad",
        "Omid",
        "Mehdi",
        "Hamed",
        "Sohrab",
        "Zabihullah",
        "Naveed",
        "Masoud",
        "Mustafa",
        "Sayed",
        "Reza",
    ],
    female: &[
        "Zahra", "Maryam", "Fatima", "Parwana", "Shabnam", "Nazanin", "Mahsa", "Laila", "Soraya",
        "Farzana", "Roya", "Nilofar", "Marzia", "Sakina",
    ],
    family: &[
        "Ahmadi",
        "Rahimi",
        "Hakimi",
        "Sultani",
        "Noori",
        "Karimi",
        "Haidari",
        "Amiri",
        "Hashimi",
        "Mohammadi",
        "Rezaei",
        "Hosseini",
        "Jafari",
        "Sadat",
        "Stanikzai",
        "Popal",
        "Wardak",
    ],
};

const ROMANIAN: Names = Names {
    male: &[
        "Ion",
        "Gheorghe",
        "Vasile",
        "Constantin",
        "Alexandru",
        "Andrei",
        "Mihai",
        "Nicolae",
        "Florin",
        "Adrian",
        "Marius",
        "Daniel",
        "Ionut",
        "Cristian",
        "Gabriel",
        "Stefan",
        "Bogdan",
        "Razvan",
        "Catalin",
        "Sorin",
        "Dumitru",
        "Petru",
        "Viorel",
        "Cosmin",
        "David",
        "Luca",
        "Darius",
        "Rares",
    ],
    female: &[
        "Maria",
        "Elena",
        "Ioana",
        "Ana",
        "Andreea",
        "Mihaela",
        "Gabriela",
        "Florentina",
        "Alexandra",
        "Cristina",
        "Daniela",
        "Georgiana",
        "Roxana",
        "Nicoleta",
        "Simona",
        "Bianca",
        "Alina",
        "Diana",
        "Larisa",
        "Denisa",
        "Ionela",
        "Claudia",
        "Carmen",
        "Raluca",
        "Sofia",
        "Daria",
        "Ilinca",
    ],
    family: &[
        "Popescu",
        "Ionescu",
        "Popa",
        "Pop",
        "Radu",
        "Dumitru",
        "Stan",
        "Stoica",
        "Gheorghe",
        "Matei",
        "Ciobanu",
        "Rusu",
        "Munteanu",
        "Constantin",
        "Marin",
        "Moldovan",
        "Florea",
        "Dinu",
        "Lazar",
        "Tudor",
        "Mihai",
        "Ilie",
        "Vasile",
        "Nistor",
        "Barbu",
        "Oprea",
        "Sandu",
        "Voicu",
        "Dobre",
        "Enache",
        "Serban",
        "Toma",
        "Preda",
        "Nedelcu",
        "Badea",
        "Mocanu",
        "Lupu",
        "Zamfir",
        "Petrescu",
        "Ene",
    ],
};

const BULGARIAN: Names = Names {
    male: &[
        "Georgi",
        "Ivan",
        "Dimitar",
        "Nikolay",
        "Petar",
        "Hristo",
        "Stoyan",
        "Todor",
        "Vasil",
        "Angel",
        "Atanas",
        "Aleksandar",
        "Martin",
        "Stefan",
        "Kaloyan",
        "Yordan",
        "Krasimir",
        "Plamen",
        "Emil",
        "Mehmed",
        "Ahmed",
        "Ismail",
        "Salih",
        "Asen",
    ],
    female: &[
        "Maria",
        "Ivanka",
        "Elena",
        "Yordanka",
        "Penka",
        "Desislava",
        "Gergana",
        "Tsvetanka",
        "Radka",
        "Galina",
        "Svetla",
        "Daniela",
        "Nikol",
        "Viktoria",
        "Aleksandra",
        "Teodora",
        "Raya",
        "Siyana",
        "Emine",
        "Fatme",
        "Ayshe",
        "Sevdie",
        "Nadezhda",
        "Stanka",
    ],
    family: &[
        "Ivanov", "Georgiev", "Dimitrov", "Petrov", "Nikolov", "Hristov", "Stoyanov", "Todorov",
        "Iliev", "Vasilev", "Atanasov", "Angelov", "Petkov", "Yordanov", "Kolev", "Marinov",
        "Popov", "Stefanov", "Mihaylov", "Kostov", "Ahmedov", "Aliev", "Mehmedov", "Asenov",
        "Yankov", "Salimov", "Ismailov",
    ],
};

const UKRAINIAN: Names = Names {
    male: &[
        "Oleksandr",
        "Andriy",
        "Serhiy",
        "Volodymyr",
        "Mykola",
        "Vasyl",
        "Ivan",
        "Dmytro",
        "Oleh",
        "Yuriy",
        "Viktor",
        "Mykhailo",
        "Taras",
        "Bohdan",
        "Maksym",
        "Artem",
        "Denys",
        "Vitaliy",
        "Roman",
        "Ihor",
        "Petro",
        "Yaroslav",
        "Danylo",
        "Matviy",
    ],
    female: &[
        "Olena",
        "Tetiana",
        "Nataliia",
        "Iryna",
        "Svitlana",
        "Oksana",
        "Yuliia",
        "Liudmyla",
        "Halyna",
        "Mariia",
        "Anna",
        "Olha",
        "Kateryna",
        "Viktoriia",
        "Alina",
        "Anastasiia",
        "Daryna",
        "Sofiia",
        "Valentyna",
        "Larysa",
        "Inna",
        "Khrystyna",
        "Solomiia",
        "Yana",
    ],
    family: &[
        "Shevchenko",
        "Kovalenko",
        "Bondarenko",
        "Tkachenko",
        "Kravchenko",
        "Boyko",
        "Melnyk",
        "Oliynyk",
        "Lysenko",
        "Moroz",
        "Marchenko",
        "Savchenko",
        "Rudenko",
        "Petrenko",
        "Kovalchuk",
        "Polishchuk",
        "Tkachuk",
        "Kravets",
        "Ponomarenko",
        "Klymenko",
        "Pavlenko",
        "Shevchuk",
        "Koval",
        "Levchenko",
        "Ivanenko",
        "Kovalskyi",
        "Hrytsenko",
        "Zhuk",
    ],
};

const RUSSIAN: Names = Names {
    male: &[
        "Aleksandr",
        "Sergej",
        "Dmitrij",
        "Andrej",
        "Alexej",
        "Vladimir",
        "Ivan",
        "Nikolaj",
        "Michail",
        "Jurij",
        "Igor",
        "Oleg",
        "Maxim",
        "Viktor",
        "Eugen",
        "Waldemar",
    ],
    female: &[
        "Olga",
        "Natalja",
        "Tatjana",
        "Irina",
        "Jelena",
        "Svetlana",
        "Anna",
        "Marina",
        "Ljudmila",
        "Galina",
        "Jekaterina",
        "Anastasia",
        "Valentina",
        "Larissa",
    ],
    family: &[
        "Ivanov",
        "Smirnov",
        "Kuznetsov",
        "Popov",
        "Sokolov",
        "Lebedev",
        "Kozlov",
        "Novikov",
        "Morozov",
        "Volkov",
        "Fedorov",
        "Pavlov",
        "Romanov",
        "Orlov",
        "Belov",
        "Sorokin",
    ],
};

const ITALIAN: Names = Names {
    male: &[
        "Giuseppe",
        "Antonio",
        "Giovanni",
        "Mario",
        "Francesco",
        "Luigi",
        "Salvatore",
        "Vincenzo",
        "Pietro",
        "Angelo",
        "Domenico",
        "Carmelo",
        "Roberto",
        "Marco",
        "Andrea",
        "Alessandro",
        "Luca",
        "Matteo",
        "Lorenzo",
        "Davide",
        "Stefano",
        "Paolo",
        "Nicola",
        "Gianluca",
        "Fabio",
        "Michele",
        "Niccolò",
    ],
    female: &[
        "Maria",
        "Anna",
        "Giuseppina",
        "Rosa",
        "Angela",
        "Giovanna",
        "Teresa",
        "Lucia",
        "Carmela",
        "Francesca",
        "Giulia",
        "Chiara",
        "Sara",
        "Martina",
        "Alessia",
        "Federica",
        "Valentina",
        "Elena",
        "Laura",
        "Silvia",
        "Paola",
        "Antonella",
        "Sofia",
        "Aurora",
        "Ginevra",
        "Alice",
    ],
    family: &[
        "Rossi",
        "Russo",
        "Ferrari",
        "Esposito",
        "Bianchi",
        "Romano",
        "Colombo",
        "Ricci",
        "Marino",
        "Greco",
        "Bruno",
        "Gallo",
        "Conti",
        "De Luca",
        "Costa",
        "Giordano",
        "Mancini",
        "Rizzo",
        "Lombardi",
        "Moretti",
        "Barbieri",
        "Fontana",
        "Santoro",
        "Caruso",
        "Mariani",
        "Rinaldi",
        "Ferrara",
        "Galli",
        "Martini",
        "Leone",
        "Longo",
        "Gentile",
        "Vitale",
        "D'Angelo",
        "D'Amico",
        "Dell'Aquila",
        "D'Onofrio",
        "Di Stefano",
        "La Rosa",
        "Lo Russo",
        "Pellegrino",
        "Palumbo",
        "Sanna",
        "Messina",
        "Amato",
    ],
};

const GREEK: Names = Names {
    male: &[
        "Georgios",
        "Dimitrios",
        "Konstantinos",
        "Ioannis",
        "Nikolaos",
        "Christos",
        "Panagiotis",
        "Vasileios",
        "Athanasios",
        "Evangelos",
        "Michail",
        "Theodoros",
        "Stavros",
        "Spyridon",
        "Alexandros",
        "Andreas",
        "Emmanouil",
        "Kostas",
        "Nikos",
        "Giannis",
        "Petros",
        "Stefanos",
    ],
    female: &[
        "Maria",
        "Eleni",
        "Aikaterini",
        "Vasiliki",
        "Sofia",
        "Angeliki",
        "Georgia",
        "Dimitra",
        "Konstantina",
        "Paraskevi",
        "Anastasia",
        "Christina",
        "Ioanna",
        "Evangelia",
        "Despoina",
        "Athina",
        "Eirini",
        "Stella",
        "Zoi",
        "Theodora",
    ],
    family: &[
        "Papadopoulos",
        "Georgiou",
        "Nikolaidis",
        "Pappas",
        "Dimitriou",
        "Konstantinidis",
        "Ioannidis",
        "Vasileiou",
        "Karagiannis",
        "Papageorgiou",
        "Oikonomou",
        "Makris",
        "Alexiou",
        "Christodoulou",
        "Papanikolaou",
        "Antoniou",
        "Athanasiou",
        "Theodorou",
        "Anagnostou",
        "Kyriakidis",
        "Papadakis",
        "Mavridis",
        "Triantafyllou",
        "Samaras",
        "Katsaros",
        "Zervas",
        "Stavropoulos",
        "Petridis",
    ],
};

const BALKAN: Names = Names {
    male: &[
        "Marko", "Nikola", "Stefan", "Luka", "Milan", "Dragan", "Zoran", "Goran", "Dejan", "Ivan",
        "Josip", "Tomislav", "Mirko", "Nenad", "Sasa", "Emir", "Amir", "Adnan", "Edin", "Haris",
        "Filip", "Petar",
    ],
    female: &[
        "Ana", "Marija", "Jelena", "Ivana", "Milica", "Snezana", "Dragana", "Vesna", "Jasmina",
        "Maja", "Tamara", "Sanja", "Mirjana", "Amra", "Lejla", "Azra", "Emina", "Sara", "Katarina",
        "Nina",
    ],
    family: &[
        "Jovanovic",
        "Petrovic",
        "Nikolic",
        "Markovic",
        "Djordjevic",
        "Stojanovic",
        "Ilic",
        "Stankovic",
        "Pavlovic",
        "Milosevic",
        "Horvat",
        "Kovacevic",
        "Babic",
        "Maric",
        "Juric",
        "Novak",
        "Knezevic",
        "Vukovic",
        "Hodzic",
        "Hadzic",
        "Begic",
        "Mujic",
        "Delic",
        "Kovac",
    ],
};

const SPANISH: Names = Names {
    male: &[
        "Antonio",
        "José",
        "Manuel",
        "Francisco",
        "Juan",
        "David",
        "Javier",
        "Daniel",
        "Carlos",
        "Jesús",
        "Alejandro",
        "Pablo",
        "Sergio",
        "Álvaro",
    ],
    female: &[
        "María", "Carmen", "Ana", "Isabel", "Laura", "Lucía", "Marta", "Cristina", "Elena",
        "Pilar", "Paula", "Sara", "Raquel", "Nuria",
    ],
    family: &[
        "García",
        "Fernández",
        "González",
        "Rodríguez",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Martín",
        "Jiménez",
        "Ruiz",
        "Hernández",
        "Díaz",
        "Moreno",
        "Álvarez",
        "Muñoz",
        "Romero",
    ],
};

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
        for d in &DISTRICTS {
            assert_eq!(counts[d.name], d.population_2023, "{}", d.name);
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
        let male = share(people.iter().filter(|p| p.gender == "m").count(), n);
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
        assert!(text.starts_with("Ordnungsmerkmal;Familienname;Vornamen;Straße;"));
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), people.len() + 1);
    }

    #[test]
    fn every_name_list_entry_is_windows1252() {
        let mut all: Vec<&str> = Vec::new();
        for c in [
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
        ] {
            let n = names(c);
            all.extend(n.male.iter().chain(n.female).chain(n.family));
        }
        for list in GERMAN_MALE.iter().chain(GERMAN_FEMALE.iter()) {
            all.extend(list.iter());
        }
        let pool = street_name_pool();
        all.extend(pool.iter().map(String::as_str));
        for d in &DISTRICTS {
            all.extend(d.streets.iter());
            all.push(d.name);
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

//! The recipe of the shipped Dortmund quota files (`quotas/dortmund-50*.csv`).
//!
//! [`dortmund_quotas`] rebuilds them from `dortmund-statistics.csv`; `quotas/README.md`
//! explains each figure. Value spellings follow the synthetic register and the draw:
//! gender `m`/`w`/`d`, age bands as labelled by `draw.age_bands = [16, 25, 35, 45, 55, 65, 75]`,
//! Stadtbezirk names as in the register.

use std::path::Path;

use super::derive::{StatsCategory, StatsValue, Tolerance, counts_from_statistics_text};
use super::{QuotaCategory, QuotaFile};
use crate::base::error::Result;

/// The 12 Stadtbezirke, in the order of the city's statistics.
pub const DISTRICTS: [&str; 12] = [
    "Innenstadt-West",
    "Innenstadt-Nord",
    "Innenstadt-Ost",
    "Eving",
    "Scharnhorst",
    "Brackel",
    "Aplerbeck",
    "Hörde",
    "Hombruch",
    "Lütgendortmund",
    "Huckarde",
    "Mengede",
];

/// Four groups of neighbouring districts for small pools (category `bezirksgruppe`).
pub const DISTRICT_GROUPS: [(&str, &[&str]); 4] = [
    (
        "Innenstadt",
        &["Innenstadt-West", "Innenstadt-Nord", "Innenstadt-Ost"],
    ),
    ("Nord", &["Eving", "Scharnhorst", "Mengede", "Huckarde"]),
    ("Ost", &["Brackel", "Aplerbeck", "Hörde"]),
    ("West", &["Hombruch", "Lütgendortmund"]),
];

/// Age bands of the quota files (lower edges 16, 25, …, 75).
pub const AGE_BANDS: [&str; 7] = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"];

/// The tolerance of the shipped files: ±1 seat for targets up to 5, ±2 seats above.
pub const TOLERANCE: Tolerance = Tolerance::BySize {
    up_to: 5,
    small: 1,
    large: 2,
};

/// Shares are scaled to this total (parts per million).
const PER_MILLION: u64 = 1_000_000;

/// How each category is read from `dortmund-statistics.csv`, in file order.
/// With `grouped`, the districts are replaced by [`DISTRICT_GROUPS`].
pub fn mapping(grouped: bool) -> Vec<StatsCategory> {
    let band = "age_band_16plus_2021";
    let age = vec![
        // Years inside a published band are taken as equally populated.
        StatsValue::whole("16-24", "16-17"),
        StatsValue::part("16-24", "18-29", 7, 12),
        StatsValue::part("25-34", "18-29", 5, 12),
        StatsValue::part("25-34", "30-44", 5, 15),
        StatsValue::part("35-44", "30-44", 10, 15),
        StatsValue::part("45-54", "45-59", 10, 15),
        StatsValue::part("55-64", "45-59", 5, 15),
        StatsValue::whole("55-64", "60-64"),
        StatsValue::whole("65-74", "65-74"),
        StatsValue::whole("75+", "75+"),
    ];
    let districts = if grouped {
        StatsCategory {
            category: "bezirksgruppe".into(),
            table_category: "stadtbezirk_population_2023".into(),
            total: 0,
            values: DISTRICT_GROUPS
                .iter()
                .flat_map(|(g, members)| members.iter().map(|d| StatsValue::whole(g, d)))
                .collect(),
            rest: None,
        }
    } else {
        StatsCategory {
            category: "stadtbezirk".into(),
            table_category: "stadtbezirk_population_2023".into(),
            total: 0,
            values: DISTRICTS.iter().map(|d| StatsValue::whole(d, d)).collect(),
            rest: None,
        }
    };
    let edu = "education_synthetic_dortmund_16plus";
    vec![
        StatsCategory {
            category: "gender".into(),
            table_category: "gender".into(),
            total: 0,
            values: vec![
                StatsValue::whole("m", "male (all ages, 2021)"),
                StatsValue::whole("w", "female (all ages, 2021)"),
                StatsValue::zero("d"),
                // § 22 Abs. 3 PStG: no entry (register exports write X).
                StatsValue::zero("x"),
            ],
            rest: None,
        },
        StatsCategory {
            category: "age_band".into(),
            table_category: band.into(),
            total: 0,
            values: age,
            rest: None,
        },
        districts,
        StatsCategory {
            category: "education".into(),
            table_category: edu.into(),
            total: PER_MILLION,
            values: vec![
                StatsValue::whole("niedrig", "ohne Schulabschluss"),
                StatsValue::whole("niedrig", "Hauptschulabschluss"),
                StatsValue::whole("mittel", "mittlerer Abschluss"),
                // Pupils aged 16+ mostly hold (or are about to receive) the mittlerer
                // Schulabschluss at the end of class 10: counted as "mittel".
                StatsValue::whole("mittel", "noch in schulischer Ausbildung"),
                StatsValue::whole("hoch", "Fachhochschulreife"),
                StatsValue::whole("hoch", "Abitur"),
            ],
            rest: None,
        },
        StatsCategory {
            category: "migration_background".into(),
            table_category: "migration_background_share".into(),
            total: PER_MILLION,
            values: vec![StatsValue::whole("ja", "Dortmund total 2023")],
            rest: Some("nein".into()),
        },
    ]
}

/// Rebuilds `quotas/dortmund-50.csv` (`grouped = false`) or
/// `quotas/dortmund-50-districtgroups.csv` (`grouped = true`) for panel size `k` from the
/// statistics table at `stats`: counts by [`mapping`], targets and bounds by
/// [`super::derive_category`] with [`TOLERANCE`], values in the mapping's order.
pub fn dortmund_quotas(stats: &Path, k: u32, grouped: bool) -> Result<QuotaFile> {
    let bytes = crate::base::fsio::read_input(stats, "the statistics table was not found")?;
    quotas_from(stats, &bytes, k, grouped)
}

/// The Dortmund statistics table shipped with sortes (`quotas/dortmund-statistics.csv`:
/// every figure with its source and whether it is official, derived or an assumption).
pub const STATISTICS: &str = include_str!("../../quotas/dortmund-statistics.csv");

/// [`dortmund_quotas`] from the shipped statistics table [`STATISTICS`].
pub fn dortmund_quotas_builtin(k: u32, grouped: bool) -> Result<QuotaFile> {
    quotas_from(
        Path::new("quotas/dortmund-statistics.csv (built in)"),
        STATISTICS.as_bytes(),
        k,
        grouped,
    )
}

fn quotas_from(stats: &Path, bytes: &[u8], k: u32, grouped: bool) -> Result<QuotaFile> {
    let map = mapping(grouped);
    let counts = counts_from_statistics_text(stats, bytes, &map)?;
    let mut categories: Vec<QuotaCategory> = Vec::new();
    let mut line = 2;
    for m in &map {
        let mut order: Vec<String> = Vec::new();
        for v in m.values.iter().map(|v| &v.value).chain(m.rest.as_ref()) {
            if !order.contains(v) {
                order.push(v.clone());
            }
        }
        let pairs: Vec<(String, u64)> = order
            .into_iter()
            .map(|v| {
                let c = counts
                    .get(&m.category)
                    .and_then(|c| c.get(&v))
                    .copied()
                    .unwrap_or(0);
                (v, c)
            })
            .collect();
        let mut cat = super::derive_category(&m.category, &pairs, k, TOLERANCE);
        for row in &mut cat.values {
            row.line = line;
            line += 1;
        }
        categories.push(cat);
    }
    Ok(QuotaFile { categories })
}

//! Tests of the quota module (`sortes::quotas`): reading and checking quota files, matching
//! pools, deriving quotas, and the shipped Dortmund files in `quotas/`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use sortes::base::error::{Error, Location};
use sortes::quotas::dortmund::{self, DISTRICT_GROUPS, DISTRICTS};
use sortes::quotas::{
    QuotaFile, StatsCategory, StatsValue, Tolerance, apportion, check_against_k,
    counts_from_statistics, derive, derive_category, propose_for_k, read_pool, read_quota_file,
    read_research_pool, write_quota_file,
};
use sortes::select::instance::build as build_instance;
use sortes::select::{feasibility, validate};
use sortes::synth::instances as synth;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Dortmund statistics table shipped in the repository.
fn statistics() -> PathBuf {
    root().join("quotas/dortmund-statistics.csv")
}

/// The Scotland-like pool's files (features.csv, candidates.csv, candidates_lower.csv).
fn scotland_files() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("temp dir");
    std::fs::write(d.path().join("features.csv"), synth::SCOTLAND_FEATURES).unwrap();
    std::fs::write(
        d.path().join("candidates.csv"),
        synth::scotland_candidates(false),
    )
    .unwrap();
    std::fs::write(
        d.path().join("candidates_lower.csv"),
        synth::scotland_candidates(true),
    )
    .unwrap();
    d
}

/// A temporary file with `contents` (kept alive by the returned handle).
fn temp(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create temp file");
    f.write_all(contents.as_bytes()).expect("write temp file");
    (dir, path)
}

/// The location and message of an input error.
fn input_err(e: Error) -> (Location, String) {
    assert_eq!(e.kind(), sortes::base::error::Kind::Input, "{e}");
    (e.location().clone(), e.message().to_string())
}

/// Reads a quota file that must fail; returns (line, column, message, full display).
fn bad_quota(contents: &str) -> (Option<u64>, Option<String>, String, String) {
    let (_dir, path) = temp("quotas.csv", contents);
    let err = read_quota_file(&path).expect_err("the file should be refused");
    let shown = err.to_string();
    assert!(
        shown.contains(&path.display().to_string()),
        "error does not name the file: {shown}"
    );
    let (loc, msg) = input_err(err);
    (loc.line, loc.column, msg, shown)
}

// ---------------------------------------------------------------------------------------
// Reading quota files.

#[test]
fn reads_the_three_layouts_with_either_delimiter() {
    let sortes = "category,value,min,max\ngender,m,1,3\ngender,w,1,3\nage,16-24,0,2\n";
    let sf = "FEATURE;Value;MIN;Max;min_flex;MAX_FLEX\ngender;m;1;3;0;5\ngender;w;1;3;;\nage;16-24;0;2;0;4\n";
    let research = "Category,Feature,Min,Max\ngender,m,1,3\ngender,w,1,3\nage,16-24,0,2\n";
    let mut files = Vec::new();
    for text in [sortes, sf, research] {
        let (_dir, path) = temp("q.csv", text);
        files.push(read_quota_file(&path).expect("valid file"));
    }
    for qf in &files {
        let names: Vec<&str> = qf.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["gender", "age"]);
        let g = &qf.categories[0];
        assert_eq!(g.values.len(), 2);
        assert_eq!((g.values[1].value.as_str(), g.values[1].min), ("w", 1));
        assert_eq!(g.values[1].line, 3);
        assert_eq!(qf.categories[1].values[0].line, 4);
    }
    assert_eq!(files[1].categories[0].values[0].min_flex, Some(0));
    assert_eq!(files[1].categories[0].values[0].max_flex, Some(5));
    assert_eq!(files[1].categories[0].values[1].max_flex, None);
    assert_eq!(files[0].categories[0].values[0].max_flex, None);
}

#[test]
fn category_rows_may_be_interleaved_and_keep_first_spelling() {
    let (_d, p) = temp(
        "q.csv",
        "category,value,min,max\nGender,m,1,2\nage,old,0,3\ngender,w,1,2\n",
    );
    let qf = read_quota_file(&p).expect("valid");
    assert_eq!(qf.categories[0].name, "Gender");
    assert_eq!(qf.categories[0].values.len(), 2);
    assert!(qf.category("GENDER").and_then(|c| c.value("W")).is_some());
}

#[test]
fn non_integer_bound_is_refused_with_line_and_column() {
    let (line, col, msg, _) = bad_quota("category,value,min,max\ngender,m,1,3\ngender,w,two,3\n");
    assert_eq!(line, Some(3));
    assert_eq!(col.as_deref(), Some("min"));
    assert!(
        msg.contains("\"two\"") && msg.contains("whole number"),
        "{msg}"
    );
    let (line, col, msg, _) = bad_quota("category,value,min,max\ngender,m,1,2.5\n");
    assert_eq!((line, col.as_deref()), (Some(2), Some("max")));
    assert!(msg.contains("2.5"), "{msg}");
}

#[test]
fn negative_bound_is_refused() {
    let (line, col, msg, _) = bad_quota("category,value,min,max\ngender,m,-1,3\n");
    assert_eq!((line, col.as_deref()), (Some(2), Some("min")));
    assert!(msg.contains("negative"), "{msg}");
}

#[test]
fn min_above_max_is_refused() {
    let (line, col, msg, shown) = bad_quota("category,value,min,max\ngender,m,4,3\n");
    assert_eq!((line, col.as_deref()), (Some(2), Some("min")));
    assert!(msg.contains("gender=m") && msg.contains('4') && msg.contains('3'));
    assert!(shown.contains("line 2"), "{shown}");
}

#[test]
fn duplicate_rows_name_both_lines() {
    let (line, col, msg, _) =
        bad_quota("category,value,min,max\ngender,m,1,3\ngender,w,1,3\nGENDER, M ,0,2\n");
    assert_eq!((line, col.as_deref()), (Some(4), Some("value")));
    assert!(msg.contains("line 2") && msg.contains("line 4"), "{msg}");
}

#[test]
fn empty_category_or_value_is_refused() {
    let (line, col, msg, _) = bad_quota("category,value,min,max\n,m,1,3\n");
    assert_eq!((line, col.as_deref()), (Some(2), Some("category")));
    assert!(msg.contains("empty"), "{msg}");
    let (line, col, msg, _) = bad_quota("feature,value,min,max\ngender,  ,1,3\n");
    assert_eq!((line, col.as_deref()), (Some(2), Some("value")));
    assert!(msg.contains("empty"), "{msg}");
}

#[test]
fn missing_header_columns_are_refused() {
    let (line, _, msg, _) = bad_quota("category,value,min\ngender,m,1\n");
    assert_eq!(line, Some(1));
    assert!(msg.contains("\"max\""), "{msg}");
    let (line, _, msg, _) = bad_quota("group,value,min,max\ngender,m,1,2\n");
    assert_eq!(line, Some(1));
    assert!(msg.contains("category"), "{msg}");
}

#[test]
fn flex_bounds_must_lie_outside_the_bounds() {
    let (line, col, msg, _) =
        bad_quota("category,value,min,max,min_flex,max_flex\ngender,m,1,3,2,5\n");
    assert_eq!((line, col.as_deref()), (Some(2), Some("min_flex")));
    assert!(msg.contains("min_flex 2"), "{msg}");
    let (line, col, msg, _) =
        bad_quota("category,value,min,max,min_flex,max_flex\ngender,m,1,3,0,5\ngender,w,1,3,0,2\n");
    assert_eq!((line, col.as_deref()), (Some(3), Some("max_flex")));
    assert!(msg.contains("max_flex 2"), "{msg}");
}

#[test]
fn ragged_rows_and_empty_files_are_refused() {
    let (line, _, msg, _) = bad_quota("category,value,min,max\ngender,m,1\n");
    assert_eq!(line, Some(2));
    assert!(msg.contains("cells"), "{msg}");
    let (_, _, msg, _) = bad_quota("category,value,min,max\n");
    assert!(msg.contains("no quota rows"), "{msg}");
}

#[test]
fn written_files_read_back_identically() {
    let (_d, p) = temp(
        "q.csv",
        "category;value;min;max;min_flex;max_flex\nregion;\"North, upper\";1;3;0;5\nregion;\"Say \"\"hi\"\"\";0;2;;\n",
    );
    let qf = read_quota_file(&p).expect("valid");
    let (_d2, p2) = temp("q2.csv", &write_quota_file(&qf));
    assert_eq!(read_quota_file(&p2).expect("round trip"), qf);
}

// ---------------------------------------------------------------------------------------
// Checks against k.

#[test]
fn sums_against_k_are_checked_per_category() {
    let (_d, p) = temp(
        "q.csv",
        "category,value,min,max\ngender,m,2,5\ngender,w,2,5\nage,young,0,2\nage,old,0,2\n",
    );
    let qf = read_quota_file(&p).expect("valid");
    check_against_k(&qf, 4, &p).expect("k = 4 fits both");
    let (loc, msg) = input_err(check_against_k(&qf, 5, &p).expect_err("Σ max of age is 4"));
    assert!(
        msg.contains("\"age\"") && msg.contains("add up to 4"),
        "{msg}"
    );
    assert!(msg.contains("panel size 5"), "{msg}");
    assert_eq!(loc.line, Some(4));
    let (loc, msg) = input_err(check_against_k(&qf, 5, &p).expect_err("again"));
    assert_eq!(loc.file.as_deref(), Some(p.as_path()));
    assert!(msg.contains("maximums"), "{msg}");
    let (_, msg) = input_err(check_against_k(&qf, 3, &p).expect_err("Σ min of gender is 4"));
    assert!(
        msg.contains("\"gender\"") && msg.contains("add up to 4") && msg.contains("minimums"),
        "{msg}"
    );
}

/// The case: age minimums adding up to 76 for k = 75 get a concrete proposal
/// (by hand: the largest minimum, 16-29 at 22, drops by one). Flex bounds are respected,
/// maximums are raised at the largest one, and an impossible flex says so.
#[test]
fn sums_against_k_come_with_the_smallest_change() {
    let (_d, p) = temp(
        "q.csv",
        "category,value,min,max,min_flex,max_flex\nage,16-29,22,30,22,30\nage,30-49,20,30,,\nage,50-64,22,30,,\nage,65+,12,30,,\n",
    );
    let qf = read_quota_file(&p).expect("valid");
    // 16-29 is held at 22 by its min_flex, so the first value with the largest minimum
    // that may move is 50-64.
    let (_, msg) = input_err(check_against_k(&qf, 75, &p).expect_err("76 > 75"));
    assert!(
        msg.contains("smallest change: 50-64 minimum 22 -> 21"),
        "{msg}"
    );
    assert_eq!(
        propose_for_k(&qf.categories[0], 73),
        Some(vec![
            "30-49 minimum 20 -> 19".to_string(),
            "50-64 minimum 22 -> 20".to_string(),
        ])
    );
    // Maximums: Σ max = 120 < 121 → the largest maximum (first of the ties, 16-29, held
    // at 30 by max_flex) → 30-49.
    assert_eq!(
        propose_for_k(&qf.categories[0], 121).map(|v| v[..1].to_vec()),
        Some(vec!["30-49 maximum 30 -> 31".to_string()])
    );
    let (_d2, p2) = temp(
        "q.csv",
        "category,value,min,max,min_flex,max_flex\ng,a,3,4,3,4\ng,b,3,4,3,4\n",
    );
    let qf2 = read_quota_file(&p2).expect("valid");
    assert_eq!(propose_for_k(&qf2.categories[0], 5), None);
    let (_, msg) = input_err(check_against_k(&qf2, 5, &p2).expect_err("6 > 5"));
    assert!(msg.contains("min_flex/max_flex do not allow"), "{msg}");
}

// ---------------------------------------------------------------------------------------
// Pools.

#[test]
fn fixture_matches_case_insensitively() {
    let dir = scotland_files();
    let d = dir.path();
    let qf = read_quota_file(&d.join("features.csv")).expect("features.csv");
    assert_eq!(qf.categories.len(), 4);
    assert_eq!(qf.categories[0].values[0].max_flex, Some(12));
    check_against_k(&qf, 22, &d.join("features.csv")).expect("fixture fits k = 22");
    let upper = read_pool(&d.join("candidates.csv"), "nationbuilder_id", None).expect("pool");
    let lower =
        read_pool(&d.join("candidates_lower.csv"), "NationBuilder_ID", None).expect("lower pool");
    assert_eq!(upper.ids.len(), 150);
    let a = build_instance(&qf, 22, &upper).expect("instance");
    let b = build_instance(&qf, 22, &lower).expect("instance from lower case");
    assert_eq!(a, b);
    validate(&a).expect("valid instance");
    // Candidate p7's attributes, by hand from the generated file.
    let row = synth::scotland_candidates(false)
        .lines()
        .nth(8)
        .expect("p7")
        .split(',')
        .map(str::to_string)
        .collect::<Vec<_>>();
    for (c, cat) in a.categories.iter().enumerate() {
        let col = ["Gender", "age_bracket", "edu_level", "geo_bucket"][c];
        let cell = &row[[9, 10, 12, 11][c]];
        assert_eq!(&cat.values[a.agents[7][c]].name, cell, "{col}");
    }
    assert!(feasibility(&a).is_ok());
}

#[test]
fn fixture_households_from_a_column() {
    let dir = scotland_files();
    let d = dir.path();
    let qf = read_quota_file(&d.join("features.csv")).expect("features.csv");
    let pool = read_pool(
        &d.join("candidates.csv"),
        "nationbuilder_id",
        Some("primary_address1"),
    )
    .expect("pool");
    let inst = build_instance(&qf, 22, &pool).expect("instance");
    let h = inst.households.expect("households");
    assert_eq!(h.len(), 150);
    for i in 0..150 {
        for j in 0..150 {
            let same_key = pool.households[i].as_deref().map(str::to_lowercase)
                == pool.households[j].as_deref().map(str::to_lowercase);
            assert_eq!(h[i] == h[j], same_key);
        }
    }
}

#[test]
fn research_layout_reads_example_small_20() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::write(dir.join("categories.csv"), synth::alternate_categories(20)).unwrap();
    std::fs::write(
        dir.join("respondents.csv"),
        synth::alternate_respondents(200),
    )
    .unwrap();
    let qf = read_quota_file(&dir.join("categories.csv")).expect("categories.csv");
    let pool = read_research_pool(dir).expect("respondents.csv");
    assert_eq!(pool.ids.len(), 200);
    assert_eq!(pool.ids[0], "0");
    assert_eq!(pool.lines[0], 2);
    let inst = build_instance(&qf, 20, &pool).expect("instance");
    // Alternate(200,20) by its definition: agent 0 female and conservative, 1..99
    // female and liberal, 100..199 male and conservative; every bound 9..=20.
    let name = |i: usize, c: usize| inst.categories[c].values[inst.agents[i][c]].name.as_str();
    assert_eq!((name(0, 0), name(0, 1)), ("female", "conservative"));
    assert!((1..100).all(|i| (name(i, 0), name(i, 1)) == ("female", "liberal")));
    assert!((100..200).all(|i| (name(i, 0), name(i, 1)) == ("male", "conservative")));
    assert!(
        inst.categories
            .iter()
            .flat_map(|c| &c.values)
            .all(|v| (v.min, v.max) == (9, 20))
    );
    check_against_k(&qf, 20, &dir.join("categories.csv")).expect("fits k = 20");
}

fn dortmund_pool_text() -> &'static str {
    "id;Geschlecht;Age_Band;Stadtbezirk;education;migration_background;adresse\n\
     a1;m;16-24;Innenstadt-West;niedrig;ja;Kampstr. 1\n\
     a2;W; 75+ ;hörde;HOCH;nein;Hörder Bahnhofstr. 3\n\
     a3;d;35-44;Hombruch;mittel;nein;kampstr.  1\n\
     a4;w;55-64;Mengede;mittel;ja;\n"
}

#[test]
fn unknown_values_name_file_line_column_and_a_suggestion() {
    let shipped = read_quota_file(&root().join("quotas/dortmund-50.csv")).expect("shipped");
    let mut qf = shipped.clone();
    qf.categories[0].name = "Geschlecht".into();
    let text = dortmund_pool_text().replace("hörde", "Hoerde");
    let (_d, p) = temp("pool.csv", &text);
    let pool = read_pool(&p, "id", Some("adresse")).expect("pool");
    let err = build_instance(&qf, 50, &pool).expect_err("Hoerde is unknown");
    let shown = err.to_string();
    let (loc, msg) = input_err(err);
    assert_eq!(loc.file.as_deref(), Some(p.as_path()));
    assert_eq!(loc.line, Some(3));
    assert_eq!(loc.column.as_deref(), Some("Stadtbezirk"));
    assert!(
        msg.contains("\"Hoerde\"") && msg.contains("did you mean \"Hörde\""),
        "{msg}"
    );
    assert!(shown.contains("line 3"), "{shown}");

    // A quota category with no pool column lists the pool's columns.
    let (_d2, p2) = temp("pool.csv", dortmund_pool_text());
    let pool = read_pool(&p2, "id", None).expect("pool");
    let (_, msg) = input_err(build_instance(&shipped, 50, &pool).expect_err("no gender column"));
    assert!(
        msg.contains("\"gender\"") && msg.contains("\"Geschlecht\""),
        "{msg}"
    );
}

#[test]
fn dortmund_pool_matches_and_households_join() {
    let mut qf = read_quota_file(&root().join("quotas/dortmund-50.csv")).expect("shipped");
    qf.categories[0].name = "geschlecht".into();
    let (_d, p) = temp("pool.csv", dortmund_pool_text());
    let pool = read_pool(&p, "ID", Some("Adresse")).expect("pool");
    assert_eq!(pool.households[3], None);
    let inst = build_instance(&qf, 50, &pool).expect("instance");
    assert_eq!(inst.agents[1], vec![1, 6, 7, 2, 1]);
    assert_eq!(inst.agents[2][0], 2);
    let h = inst.households.expect("households");
    assert_eq!(h, vec![Some(0), Some(1), Some(0), None]);
}

#[test]
fn pool_errors() {
    let (_d, p) = temp("pool.csv", "id,gender\n1,m\n2,w\n1,d\n");
    let (loc, msg) = input_err(read_pool(&p, "id", None).expect_err("duplicate id"));
    assert_eq!((loc.line, loc.column.as_deref()), (Some(4), Some("id")));
    assert!(msg.contains("line 2") && msg.contains("line 4"), "{msg}");
    let (_, msg) = input_err(read_pool(&p, "person", None).expect_err("no id column"));
    assert!(
        msg.contains("\"person\"") && msg.contains("\"gender\""),
        "{msg}"
    );
    let (_d2, p2) = temp("pool.csv", "id\tgender\n1\tm\n\tw\n");
    let (loc, _) = input_err(read_pool(&p2, "id", None).expect_err("empty id"));
    assert_eq!(loc.line, Some(3));
}

#[test]
fn district_groups_are_added_as_a_column() {
    let qf = read_quota_file(&root().join("quotas/dortmund-50-districtgroups.csv"))
        .expect("shipped grouped file");
    let (_d, p) = temp(
        "pool.csv",
        "id,gender,age_band,stadtbezirk,education,migration_background\n\
         1,m,16-24,Eving,niedrig,ja\n2,w,25-34,Hörde,hoch,nein\n3,w,75+,hombruch,mittel,nein\n",
    );
    let mut pool = read_pool(&p, "id", None).expect("pool");
    pool.add_group_column("stadtbezirk", "bezirksgruppe", &DISTRICT_GROUPS)
        .expect("all districts are grouped");
    let inst = build_instance(&qf, 50, &pool).expect("instance");
    let g = qf.category("bezirksgruppe").expect("group category");
    let names: Vec<&str> = inst
        .agents
        .iter()
        .map(|a| g.values[a[2]].value.as_str())
        .collect();
    assert_eq!(names, ["Nord", "Ost", "West"]);
    // Every district is in exactly one group.
    for d in DISTRICTS {
        let n = DISTRICT_GROUPS
            .iter()
            .filter(|(_, m)| m.contains(&d))
            .count();
        assert_eq!(n, 1, "{d}");
    }
    let (_d2, p2) = temp("pool.csv", "id,stadtbezirk\n1,Dortmund-Mitte\n");
    let mut pool = read_pool(&p2, "id", None).expect("pool");
    let (loc, _) = input_err(
        pool.add_group_column("stadtbezirk", "bezirksgruppe", &DISTRICT_GROUPS)
            .expect_err("unknown district"),
    );
    assert_eq!(loc.line, Some(2));
}

// ---------------------------------------------------------------------------------------
// Deriving quotas.

fn district_counts() -> BTreeMap<String, BTreeMap<String, u64>> {
    let m = StatsCategory {
        category: "stadtbezirk".into(),
        table_category: "stadtbezirk_population_2023".into(),
        total: 0,
        values: DISTRICTS.iter().map(|d| StatsValue::whole(d, d)).collect(),
        rest: None,
    };
    counts_from_statistics(&statistics(), &[m]).expect("district rows")
}

#[test]
fn dortmund_districts_for_50_seats_match_the_published_allocation() {
    let counts = district_counts();
    assert_eq!(counts["stadtbezirk"].values().sum::<u64>(), 612_065);
    let qf = derive(&counts, 50, Tolerance::Seats(0));
    let cat = &qf.categories[0];
    let got: BTreeMap<&str, u32> = cat
        .values
        .iter()
        .map(|v| {
            assert_eq!(v.min, v.max);
            (v.value.as_str(), v.min)
        })
        .collect();
    let expected = [
        ("Innenstadt-West", 4),
        ("Innenstadt-Nord", 5),
        ("Innenstadt-Ost", 5),
        ("Eving", 3),
        ("Scharnhorst", 4),
        ("Brackel", 5),
        ("Aplerbeck", 4),
        ("Hörde", 5),
        ("Hombruch", 5),
        ("Lütgendortmund", 4),
        ("Huckarde", 3),
        ("Mengede", 3),
    ];
    for (d, seats) in expected {
        assert_eq!(got[d], seats, "{d}");
    }
    // The same numbers as the table's own `stadtbezirk_seats_of_50` rows.
    let published = counts_from_statistics(
        &statistics(),
        &[StatsCategory {
            category: "seats".into(),
            table_category: "stadtbezirk_seats_of_50".into(),
            total: 0,
            values: DISTRICTS.iter().map(|d| StatsValue::whole(d, d)).collect(),
            rest: None,
        }],
    )
    .expect("published seats");
    for (d, seats) in &published["seats"] {
        assert_eq!(u64::from(got[d.as_str()]), *seats, "{d}");
    }
}

#[test]
fn derive_applies_tolerances_and_flex() {
    let mut counts = BTreeMap::new();
    counts.insert(
        "g".to_string(),
        BTreeMap::from([("a".to_string(), 70u64), ("b".to_string(), 30)]),
    );
    let qf = derive(&counts, 10, Tolerance::Seats(2));
    let v = &qf.categories[0].values;
    assert_eq!((v[0].min, v[0].max, v[1].min, v[1].max), (5, 9, 1, 5));
    assert_eq!((v[0].min_flex, v[0].max_flex), (Some(0), Some(10)));
    let qf = derive(&counts, 10, Tolerance::percent(20));
    let v = &qf.categories[0].values;
    // t = ⌈7·0.2⌉ = 2 and ⌈3·0.2⌉ = 1.
    assert_eq!((v[0].min, v[0].max, v[1].min, v[1].max), (5, 9, 2, 4));
    let qf = derive(&counts, 10, Tolerance::Seats(9));
    let v = &qf.categories[0].values;
    assert_eq!((v[0].min, v[0].max), (0, 10));
    let c = derive_category(
        "e",
        &[("x".into(), 1), ("y".into(), 1), ("z".into(), 2)],
        2,
        Tolerance::Seats(0),
    );
    let t: Vec<u32> = c.values.iter().map(|v| v.min).collect();
    // Remainders 0.5, 0.5, 0: the tie goes to the earlier value.
    assert_eq!(t, [1, 0, 1]);
}

#[test]
fn counts_from_statistics_reads_counts_shares_and_parts() {
    let (_d, p) = temp(
        "stats.csv",
        "category,value,population_count_or_share,source\n\
         age,16-17,10509 (0.021),x\nage,18-29,1200,x\nshare,a,0.25,x\nshare,b,~0.5,x\n",
    );
    let map = vec![
        StatsCategory {
            category: "age".into(),
            table_category: "AGE".into(),
            total: 0,
            values: vec![
                StatsValue::whole("young", "16-17"),
                StatsValue::part("young", "18-29", 7, 12),
                StatsValue::part("older", "18-29", 5, 12),
            ],
            rest: None,
        },
        StatsCategory {
            category: "s".into(),
            table_category: "share".into(),
            total: 1000,
            values: vec![StatsValue::whole("a", "a"), StatsValue::zero("z")],
            rest: Some("rest".into()),
        },
    ];
    let c = counts_from_statistics(&p, &map).expect("counts");
    assert_eq!(c["age"]["young"], 10509 + 700);
    assert_eq!(c["age"]["older"], 500);
    assert_eq!(c["s"]["a"], 250);
    assert_eq!(c["s"]["z"], 0);
    assert_eq!(c["s"]["rest"], 750);
    let bad = vec![StatsCategory {
        category: "s".into(),
        table_category: "share".into(),
        total: 10,
        values: vec![StatsValue::whole("b", "b")],
        rest: None,
    }];
    let (loc, msg) = input_err(counts_from_statistics(&p, &bad).expect_err("~0.5"));
    assert_eq!(loc.line, Some(5));
    assert!(msg.contains("~0.5"), "{msg}");
    let missing = vec![StatsCategory {
        category: "s".into(),
        table_category: "share".into(),
        total: 10,
        values: vec![StatsValue::whole("c", "c")],
        rest: None,
    }];
    assert!(counts_from_statistics(&p, &missing).is_err());
}

// ---------------------------------------------------------------------------------------
// The shipped files.

fn shipped() -> Vec<(PathBuf, bool)> {
    vec![
        (root().join("quotas/dortmund-50.csv"), false),
        (root().join("quotas/dortmund-50-districtgroups.csv"), true),
    ]
}

#[test]
fn shipped_files_parse_and_fit_50_seats() {
    for (path, _) in shipped() {
        let qf = read_quota_file(&path).expect("shipped file parses");
        check_against_k(&qf, 50, &path).expect("fits k = 50");
        let names: Vec<&str> = qf.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 5);
        let gender = qf.category("gender").expect("gender");
        let d = gender.value("d").expect("d");
        assert_eq!((d.min, d.max), (0, 1));
        let ages: Vec<&str> = qf
            .category("age_band")
            .expect("age_band")
            .values
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        assert_eq!(ages, dortmund::AGE_BANDS);
    }
    let qf = read_quota_file(&root().join("quotas/dortmund-50.csv")).expect("parses");
    let districts: Vec<&str> = qf
        .category("stadtbezirk")
        .expect("stadtbezirk")
        .values
        .iter()
        .map(|v| v.value.as_str())
        .collect();
    assert_eq!(districts, DISTRICTS);
}

#[test]
fn shipped_files_are_reproduced_from_the_statistics() {
    for (path, grouped) in shipped() {
        let text = std::fs::read_to_string(&path).expect("shipped file");
        let rebuilt = dortmund::dortmund_quotas(&statistics(), 50, grouped).expect("rebuild");
        assert_eq!(write_quota_file(&rebuilt), text, "{}", path.display());
        assert_eq!(read_quota_file(&path).expect("parses"), rebuilt);
    }
}

#[test]
fn shipped_targets_are_the_documented_ones() {
    // Target = midpoint of min and max except where min is cut at 0 (gender d).
    let qf = read_quota_file(&root().join("quotas/dortmund-50.csv")).expect("parses");
    let target = |c: &str, v: &str| {
        let r = qf.category(c).and_then(|c| c.value(v)).expect("row");
        (r.min + r.max) / 2
    };
    assert_eq!((target("gender", "m"), target("gender", "w")), (25, 25));
    let ages: Vec<u32> = dortmund::AGE_BANDS
        .iter()
        .map(|a| target("age_band", a))
        .collect();
    assert_eq!(ages, [6, 8, 8, 8, 8, 6, 6]);
    assert_eq!(
        (
            target("education", "niedrig"),
            target("education", "mittel"),
            target("education", "hoch")
        ),
        (18, 15, 17)
    );
    assert_eq!(
        (
            target("migration_background", "ja"),
            target("migration_background", "nein")
        ),
        (21, 29)
    );
    let g = read_quota_file(&root().join("quotas/dortmund-50-districtgroups.csv")).expect("ok");
    let groups: Vec<u32> = g
        .category("bezirksgruppe")
        .expect("groups")
        .values
        .iter()
        .map(|r| (r.min + r.max) / 2)
        .collect();
    assert_eq!(groups, [14, 13, 14, 9]);
}

fn check_file_invariants(qf: &QuotaFile, counts: &BTreeMap<String, BTreeMap<String, u64>>, k: u32) {
    assert_eq!(qf.categories.len(), counts.len());
    for (cat, (name, values)) in qf.categories.iter().zip(counts) {
        assert_eq!(&cat.name, name);
        assert_eq!(cat.values.len(), values.len());
        for (row, (v, _)) in cat.values.iter().zip(values) {
            assert_eq!(&row.value, v);
            assert!(row.min <= row.max && row.max <= k);
            assert_eq!((row.min_flex, row.max_flex), (Some(0), Some(k)));
        }
    }
}

proptest! {
    #[test]
    fn apportion_sums_to_k_and_stays_within_one_seat(
        counts in prop::collection::vec(0u64..2_000_000, 1..12),
        k in 1u32..300,
    ) {
        let t = apportion(&counts, k);
        prop_assert_eq!(t.len(), counts.len());
        prop_assert_eq!(t.iter().map(|&x| u64::from(x)).sum::<u64>(), u64::from(k));
        let total: u128 = counts.iter().map(|&c| u128::from(c)).sum();
        if total > 0 {
            for (&seats, &c) in t.iter().zip(&counts) {
                // |T − k·c/N| < 1  ⇔  |T·N − k·c| < N
                let lhs = i128::try_from(u128::from(seats) * total).unwrap_or(i128::MAX);
                let rhs = i128::try_from(u128::from(k) * u128::from(c)).unwrap_or(i128::MAX);
                prop_assert!((lhs - rhs).unsigned_abs() < total);
            }
        }
    }

    #[test]
    fn derive_invariants(
        raw in prop::collection::btree_map(
            "[a-z]{1,6}",
            prop::collection::btree_map("[a-z0-9]{1,8}", 0u64..100_000, 1..8),
            1..5,
        ),
        k in 1u32..120,
        t in 0u32..5,
        pct in 0u32..100,
    ) {
        let counts: BTreeMap<String, BTreeMap<String, u64>> = raw
            .into_iter()
            .map(|(c, vs)| (c, vs.into_iter().map(|(v, n)| (v + "x", n)).collect()))
            .collect();
        for tol in [Tolerance::Seats(t), Tolerance::percent(pct), dortmund::TOLERANCE] {
            let qf = derive(&counts, k, tol);
            check_file_invariants(&qf, &counts, k);
            let exact = derive(&counts, k, Tolerance::Seats(0));
            for (cat, ex) in qf.categories.iter().zip(&exact.categories) {
                let targets: Vec<u32> = ex.values.iter().map(|v| v.min).collect();
                prop_assert_eq!(targets.iter().sum::<u32>(), k);
                for (row, &target) in cat.values.iter().zip(&targets) {
                    prop_assert!(row.min <= target && target <= row.max);
                    let s = tol.seats_for(target);
                    prop_assert_eq!(row.min, target.saturating_sub(s));
                    prop_assert_eq!(row.max, (target + s).min(k));
                }
            }
            // Every derived file fits its k and reads back identically.
            let (_d, p) = temp("derived.csv", &write_quota_file(&qf));
            check_against_k(&qf, k as usize, &p).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = read_quota_file(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, qf);
        }
    }
}

#[test]
fn io_errors_name_the_file() {
    let missing = Path::new("/nonexistent/quotas.csv");
    let err = read_quota_file(missing).expect_err("no such file");
    assert_eq!(err.kind(), sortes::base::error::Kind::Io);
    assert!(err.to_string().contains("/nonexistent/quotas.csv"));
}

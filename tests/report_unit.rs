//! The report module without a browser: suppression, data protection, languages,
//! escaping, self-containedness, the loader.

mod report_common;

use report_common::{demo_data, fixture_dir, full_data, load_fixture, options};
use sortes::report::{
    Category, Funnel, Key, Lang, ReportData, ReportOptions, ResponseRate, Strings, ValueRow,
    expected_marks, render_html,
};
use std::time::Instant;

fn render(d: &ReportData, lang: Lang, o: &ReportOptions) -> String {
    render_html(d, lang, o).expect("render")
}

/// The `<tr>…</tr>` of the first table row whose header cell is `label`, after `from`.
fn row_after<'a>(html: &'a str, from: &str, label: &str) -> &'a str {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} not in page"));
    let rest = &html[start..];
    let key = format!("<th scope=\"row\">{label}</th>");
    let i = rest
        .find(&key)
        .unwrap_or_else(|| panic!("row {label:?} not found after {from:?}"));
    let row = &rest[i..];
    let end = row.find("</tr>").expect("row end");
    &row[..end]
}

/// Three values whose invitee counts partition 2,000; one is small.
fn small_cell_data() -> ReportData {
    let v = |value: &str, inv: u64, app: u64| ValueRow {
        value: value.into(),
        invitees: Some(inv),
        applicants: Some(app),
        expected: Some(app as f64 / 10.0),
        min: Some(0),
        max: Some(30),
        ..ValueRow::default()
    };
    ReportData {
        process_name: Some("Testverfahren".into()),
        panel_size: Some(20),
        funnel: Funnel {
            residents: Some(100_000),
            eligible: Some(90_000),
            invited: Some(2000),
            applied: Some(205),
            pool: Some(200),
            panel: Some(20),
        },
        categories: vec![Category {
            name: "farbe".into(),
            values: vec![v("rot", 1001, 120), v("blau", 2, 0), v("grün", 997, 80)],
        }],
        response_rates: vec![
            ResponseRate {
                stratum: "Nord".into(),
                invited: 1000,
                applied: 150,
            },
            ResponseRate {
                stratum: "Süd".into(),
                invited: 998,
                applied: 48,
            },
            ResponseRate {
                stratum: "Insel".into(),
                invited: 2,
                applied: 2,
            },
        ],
        ..ReportData::default()
    }
}

#[test]
fn small_cells_are_merged_into_a_large_one() {
    let html = render(&small_cell_data(), Lang::De, &ReportOptions::default());
    let from = "sr-only\">farbe";
    // blau (2 invitees, 0 applicants) counts with rot, the partner with the most
    // persons (min(1001, 120) = 120 > min(997, 80) = 80).
    let blau = row_after(&html, from, "blau");
    // Invitees, applicants and the expected panel count; the rate points to rot.
    assert_eq!(blau.matches("&lt;&nbsp;3 (bei rot)").count(), 3, "{blau}");
    assert!(
        blau.contains("<span class=\"supp\">(bei rot)</span>"),
        "{blau}"
    );
    let rot = row_after(&html, from, "rot");
    // 1001 + 2 invitees, 120 + 0 applicants, 120 / 1003 = 12,0 %, expected 12,0 + 0,0.
    assert!(
        rot.contains("1.003&nbsp;<span class=\"merged\">(+&nbsp;blau)</span>"),
        "{rot}"
    );
    assert!(rot.contains(">120&nbsp;<span class=\"merged\">"), "{rot}");
    assert!(
        rot.contains("12,0\u{202f}%&nbsp;") && rot.contains(">12,0&nbsp;"),
        "{rot}"
    );
    // Nothing of grün is hidden (the former rule hid 997 and 80).
    let gruen = row_after(&html, from, "grün");
    assert!(
        gruen.contains(">997<") && gruen.contains(">80<") && gruen.contains(">8,0<"),
        "{gruen}"
    );
    assert!(!gruen.contains("supp"), "{gruen}");
    // Bars: invitees, applicants and expected of rot and grün; blau only a mark.
    let marks = expected_marks(&html);
    assert_eq!(marks.get("chart-cat-0"), Some(&6), "{marks:?}");
}

#[test]
fn response_rates_are_suppressed_too() {
    let html = render(&small_cell_data(), Lang::En, &ReportOptions::default());
    let insel = row_after(&html, "id=\"response\"", "Insel");
    assert!(
        insel.contains("&lt;&nbsp;3 (in Nord)") && !insel.contains("100"),
        "{insel}"
    );
    // Nord takes Insel in: 1,000 + 2 invited, 150 + 2 applied, 152 / 1,002 = 15.2%.
    let nord = row_after(&html, "id=\"response\"", "Nord");
    assert!(
        nord.contains("1,002&nbsp;<span class=\"merged\">(+&nbsp;Insel)</span>")
            && nord.contains(">152&nbsp;")
            && nord.contains("15.2%"),
        "{nord}"
    );
    // Süd stays visible (the former rule hid it as the complement).
    let sued = row_after(&html, "id=\"response\"", "Süd");
    assert!(
        sued.contains(">998<") && sued.contains(">48<") && sued.contains("4.8%"),
        "{sued}"
    );
    assert_eq!(expected_marks(&html).get("chart-response"), Some(&2));
}

#[test]
fn the_threshold_is_configurable() {
    let mut o = ReportOptions {
        small_cell_threshold: 100,
        ..ReportOptions::default()
    };
    let html = render(&small_cell_data(), Lang::De, &o);
    // Invitees: blau (2) goes into rot (1001 − max(120, 100) = 881 ≥ 99 to spare).
    let rot = row_after(&html, "sr-only\">farbe", "rot");
    assert!(
        rot.contains("1.003&nbsp;<span class=\"merged\">(+&nbsp;blau)</span>"),
        "{rot}"
    );
    // Applicants 120, 0, 80: two below 100, and 120 has only 20 to spare above 100,
    // so no value can take them in and the column is hidden whole.
    assert!(!rot.contains(">120") && rot.contains('•'), "{rot}");
    let gruen = row_after(&html, "sr-only\">farbe", "grün");
    assert!(
        gruen.contains(">997<") && !gruen.contains(">80<"),
        "{gruen}"
    );
    o.small_cell_threshold = 0;
    let html = render(&small_cell_data(), Lang::De, &o);
    let blau = row_after(&html, "sr-only\">farbe", "blau");
    assert!(
        !blau.contains("&lt;&nbsp;"),
        "threshold 0 shows everything: {blau}"
    );
}

/// The requirement on the demo: gender value d (1 invitee, 0 applicants) is
/// protected without hiding m or w anywhere, and the panel is shown whole.
#[test]
fn the_demo_hides_no_large_count() {
    for (d, panel) in [(demo_data(), false), (full_data(), true)] {
        let html = render(&d, Lang::De, &options(Lang::De));
        let from = "sr-only\">Geschlecht";
        // m has more applicants than w (120 > 100), so d counts with m.
        let m = row_after(&html, from, "m");
        assert!(
            m.contains(">990&nbsp;<span class=\"merged\">(+&nbsp;d)</span>"),
            "{m}"
        );
        assert!(
            m.contains(">120&nbsp;<span class=\"merged\">(+&nbsp;d)</span>"),
            "{m}"
        );
        let w = row_after(&html, from, "w");
        assert!(
            w.contains("1.010") && w.contains(">100<") && !w.contains("supp"),
            "{w}"
        );
        let dd = row_after(&html, from, "d");
        let marks = dd.matches("&lt;&nbsp;3 (bei m)").count();
        assert_eq!(marks, if panel { 2 } else { 3 }, "{dd}");
        if panel {
            // The panel column is public: 0 members with d, shown as 0.
            assert!(dd.ends_with("<td class=\"num\">0</td>"), "{dd}");
        }
        // Nothing on the page is hidden outright; the gender chart has m and w bars
        // in each of its three series.
        assert!(!html.contains("<span class=\"supp\">•</span>"));
        assert_eq!(expected_marks(&html).get("chart-cat-0"), Some(&6));
    }
}

/// True if `s` contains a pool id: 'P' followed by four digits.
fn has_pool_id(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(4)).find_map(|i| {
        (b[i] == b'P' && b[i + 1..i + 5].iter().all(u8::is_ascii_digit)).then(|| &s[i..i + 5])
    })
}

#[test]
fn no_personal_data_in_data_or_page() {
    let data = demo_data();
    let json = serde_json::to_string(&data).expect("serialise");
    assert_eq!(has_pool_id(&json), None, "pool id in ReportData");
    for lang in Lang::ALL {
        for d in [demo_data(), full_data()] {
            let html = render(&d, lang, &options(lang));
            assert_eq!(has_pool_id(&html), None, "pool id in the page");
            // The fixture's private/ holds a decoy row; nothing of it may appear.
            for decoy in ["Mustermann", "Decoy", "R-DECOY", "Erika", "44135"] {
                assert!(!html.contains(decoy), "{decoy} in the page");
            }
            assert!(!html.contains("private/"), "a private path in the page");
        }
    }
    assert!(fixture_dir().join("private/pool-mapping.csv").exists());
}

#[test]
fn both_languages_are_complete() {
    let de = Strings::new(Lang::De).expect("German table complete");
    let en = Strings::new(Lang::En).expect("English table complete");
    // Texts that are the same in both languages on purpose.
    let same_ok = [
        Key::SeriesLeximin,
        Key::SeriesGoldilocks,
        Key::NotKnown,
        Key::ColApplicants,
    ];
    for k in Key::ALL {
        assert!(!de.get(*k).trim().is_empty() && !en.get(*k).trim().is_empty());
        if !same_ok.contains(k) {
            assert_ne!(de.get(*k), en.get(*k), "{k:?} is not translated");
        }
    }
    let html_de = render(&full_data(), Lang::De, &options(Lang::De));
    let html_en = render(&full_data(), Lang::En, &options(Lang::En));
    assert!(html_de.contains("<html lang=\"de\">") && html_de.contains("Bericht zum Losverfahren"));
    assert!(html_en.contains("<html lang=\"en\">") && html_en.contains("Civic lottery report"));
    // Numbers follow the language.
    assert!(html_de.contains("612.065") && html_en.contains("612,065"));
    // No German heading in the English page.
    for k in [
        Key::SecFunnel,
        Key::SecQuotas,
        Key::SecMethod,
        Key::StageInvited,
    ] {
        assert!(
            !html_en.contains(de.get(k)),
            "{k:?} in German on the English page"
        );
    }
}

#[test]
fn names_and_values_are_escaped() {
    let mut d = small_cell_data();
    d.process_name = Some("Forum <b>2027</b> & \"mehr\"".into());
    d.process_id = Some("x'><img src=x onerror=alert(1)>".into());
    d.categories[0].name = "<script>alert('cat')</script>".into();
    d.categories[0].values[0].value = "Tom & Jerry <i>".into();
    d.response_rates[0].stratum = "</td><script>alert(2)</script>".into();
    let mut o = ReportOptions::default();
    o.category_labels
        .insert("<script>alert('cat')</script>".into(), "Farbe <u>".into());
    for lang in Lang::ALL {
        let html = render(&d, lang, &o);
        for raw in [
            "<script",
            "<img",
            "<b>2027",
            "<i>",
            "<u>",
            "onerror=alert(1)>",
        ] {
            assert!(!html.contains(raw), "{raw} unescaped");
        }
        assert!(html.contains("Forum &lt;b&gt;2027&lt;/b&gt; &amp; &quot;mehr&quot;"));
        assert!(html.contains("Tom &amp; Jerry &lt;i&gt;"));
        assert!(html.contains("Farbe &lt;u&gt;"));
        assert!(html.contains("&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    }
}

#[test]
fn the_page_is_self_contained() {
    let html = render(&full_data(), Lang::De, &options(Lang::De));
    for bad in [
        "<script", "<link", "src=", "url(", "@import", "<iframe", "<object",
    ] {
        assert!(!html.contains(bad), "{bad} in the page");
    }
    let http = html.matches("http").count();
    let ns = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(http, ns, "the only URLs are the SVG namespace");
    // Every chart has an accessible name and description.
    let charts = expected_marks(&html);
    assert!(charts.len() >= 8, "{charts:?}");
    for id in charts.keys() {
        assert!(html.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")));
        assert!(html.contains(&format!("<title id=\"{id}-title\">")));
    }
}

#[test]
fn loader_reads_the_demo_outputs() {
    let d = load_fixture().expect("load");
    let f = &d.funnel;
    assert_eq!(
        (
            f.residents,
            f.eligible,
            f.invited,
            f.applied,
            f.pool,
            f.panel
        ),
        (
            Some(612065),
            Some(517990),
            Some(2000),
            Some(225),
            Some(220),
            Some(50)
        )
    );
    let names: Vec<&str> = d.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "gender",
            "age_band",
            "stadtbezirk",
            "education",
            "migration_background"
        ]
    );
    let gender = &d.categories[0].values;
    let dv = gender.iter().find(|v| v.value == "d").expect("d");
    assert_eq!(
        (dv.invitees, dv.applicants, dv.min, dv.max),
        (Some(1), Some(0), Some(0), Some(1))
    );
    assert_eq!(dv.expected, Some(0.0), "-0.000 is read as 0");
    let eving = d.categories[2]
        .values
        .iter()
        .find(|v| v.value == "Eving")
        .expect("Eving");
    assert_eq!(eving.eligible, Some(32562));
    assert!((eving.population_share.unwrap_or(0.0) - 32562.0 / 517990.0).abs() < 1e-12);
    let edu = &d.categories[3].values;
    assert!(
        edu.iter()
            .all(|v| v.invitees.is_none() && v.applicants.is_some())
    );
    assert_eq!(d.response_rates.len(), 12);
    assert_eq!(d.probabilities.leximin.len(), 220);
    assert!((d.probabilities.leximin.iter().sum::<f64>() - 50.0).abs() < 1e-6);
    assert_eq!(d.probabilities.panels, Some(457));
    let has = |v: &str| d.seeds_hashes.iter().any(|h| h.value == v);
    assert!(has(
        "43d748847e0ff404b3d036deec4bd780bcb63ef0e9dccc7ca49d92b0180e7367"
    ));
    assert!(has(
        "b99d9fd756e75fbd9c6732e07e83343d63f6038574453e52a33fef05840d10ec"
    ));
    assert!(has("rfc3797:3.12.19.27.33.41./7./"));
    assert!(d.lottery.is_none() && d.replacements.is_empty());
    // Serialisable both ways (floats may differ in the last bit, so compare the rest).
    let back: ReportData =
        serde_json::from_str(&serde_json::to_string(&d).expect("ser")).expect("de");
    assert_eq!(back.funnel, d.funnel);
    assert_eq!(back.seeds_hashes, d.seeds_hashes);
    assert_eq!(back.response_rates, d.response_rates);
    assert_eq!(back.categories.len(), d.categories.len());
}

#[test]
fn an_empty_process_renders() {
    for lang in Lang::ALL {
        let html = render(&ReportData::default(), lang, &ReportOptions::default());
        assert!(html.ends_with("</html>\n"));
    }
}

#[test]
fn bad_numbers_are_errors_not_pages() {
    let mut d = small_cell_data();
    d.probabilities.leximin = vec![0.1, f64::NAN];
    assert!(render_html(&d, Lang::De, &ReportOptions::default()).is_err());
}

#[test]
fn render_time_of_the_demo() {
    let d = full_data();
    let o = options(Lang::De);
    let t = Instant::now();
    let runs = 5;
    for _ in 0..runs {
        render(&d, Lang::De, &o);
    }
    let ms = t.elapsed().as_secs_f64() * 1e3 / runs as f64;
    eprintln!("render time of the demo report: {ms:.1} ms");
    assert!(ms < 2000.0, "{ms} ms");
}

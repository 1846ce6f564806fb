//! Page assembly. Written as plain string building rather than a template engine:
//! the page is one fixed layout, every inserted text goes through [`escape`] at one
//! place per call site, and the module stays free of a template dependency.

use super::ReportOptions;
use super::charts::{self, Bar, BarStyle, Chart, ChartText, Curve, Series, Stage};
use super::data::{Category, HashKind, PopulationMissing, ReportData, ValueRow};
use super::i18n::{Key, Lang, Strings};
use super::suppress::{
    self, Bounds, Cell, Column, shown_whole, suppress_category, suppress_single,
};
use std::fmt::Write as _;

use crate::base::text::html_escape as escape;

/// Opens a data table: `<table class>`, a screen-reader caption and the header row
/// of `cols` (label, numeric), up to and including `<tbody>` and a newline. `class`
/// is inserted as is; caption and labels are escaped.
fn table_start(h: &mut String, class: &str, caption: &str, cols: &[(&str, bool)]) {
    let _ = write!(
        h,
        "<table class=\"{class}\"><caption class=\"sr-only\">{}</caption><thead><tr>",
        escape(caption)
    );
    for (label, num) in cols {
        let attr = if *num { " class=\"num\"" } else { "" };
        let _ = write!(h, "<th scope=\"col\"{attr}>{}</th>", escape(label));
    }
    h.push_str("</tr></thead><tbody>\n");
}

const CSS: &str = include_str!("report.css");

/// The suppressed columns of one category.
struct CatCells {
    eligible: Vec<Cell>,
    invitees: Vec<Cell>,
    applicants: Vec<Cell>,
    panel: Vec<Cell>,
}

/// Each column has exactly one cell per value of `cat`, so the renderer indexes the
/// columns by value position. Eligible, invitees and applicants are suppressed
/// together (one merge partner per category where possible, see `suppress`); the
/// panel is shown whole, and its counts, the quota minimums and the neighbouring
/// stages are what the page tells about each count besides its own column.
fn cat_cells(cat: &Category, t: u64) -> CatCells {
    let col = |f: fn(&ValueRow) -> Option<u64>| -> Vec<Option<u64>> {
        cat.values.iter().map(f).collect()
    };
    let (el, inv, app, pan) = (
        col(|v| v.eligible),
        col(|v| v.invitees),
        col(|v| v.applicants),
        col(|v| v.panel),
    );
    // Public whatever the columns show: every stage holds the panel, and the panel
    // meets the quota minimums.
    let public: Vec<u64> = cat
        .values
        .iter()
        .map(|v| v.panel.unwrap_or(0).max(v.min.unwrap_or(0)))
        .collect();
    // expected ≤ applicants, where an expected count is printed.
    let exp_floor: Vec<u64> = cat
        .values
        .iter()
        .map(|v| v.expected.map_or(0, |e| (e - 1e-6).ceil().max(0.0) as u64))
        .collect();
    let bounds = |lower: &dyn Fn(usize) -> u64, upper: &dyn Fn(usize) -> Option<u64>| {
        (0..cat.values.len())
            .map(|i| Bounds {
                public_lower: public[i],
                lower: public[i].max(lower(i)),
                upper: upper(i),
            })
            .collect::<Vec<_>>()
    };
    let b_el = bounds(&|i| inv[i].unwrap_or(0), &|_| None);
    let b_inv = bounds(&|i| app[i].unwrap_or(0), &|i| el[i]);
    let b_app = bounds(&|i| exp_floor[i], &|i| inv[i]);
    let mut cols = suppress_category(
        &[
            Column {
                counts: &el,
                bounds: &b_el,
            },
            Column {
                counts: &inv,
                bounds: &b_inv,
            },
            Column {
                counts: &app,
                bounds: &b_app,
            },
        ],
        t,
    )
    .into_iter();
    CatCells {
        eligible: cols.next().unwrap_or_default(),
        invitees: cols.next().unwrap_or_default(),
        applicants: cols.next().unwrap_or_default(),
        panel: shown_whole(&pan),
    }
}

struct Ctx<'a> {
    s: Strings,
    t: u64,
    data: &'a ReportData,
    opts: &'a ReportOptions,
}

impl Ctx<'_> {
    fn k(&self) -> Option<u64> {
        self.data.panel_size.or(self.data.funnel.panel)
    }

    fn cat_label(&self, name: &str) -> String {
        self.opts
            .category_labels
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Whether any panel count is known (the panel is drawn).
    fn panel_known(&self) -> bool {
        self.data
            .categories
            .iter()
            .any(|c| c.values.iter().any(|v| v.panel.is_some()))
    }

    /// A table cell's HTML for a count standing alone (a funnel stage, the panel).
    fn count(&self, c: Cell) -> String {
        match c {
            Cell::Shown(n) | Cell::Sum(n) => self.s.int(n),
            Cell::Small | Cell::With(_) => {
                format!("<span class=\"supp\">&lt;&nbsp;{}</span>", self.t)
            }
            Cell::Complement => "<span class=\"supp\">•</span>".to_string(),
            Cell::Unknown => escape(self.s.get(Key::NotKnown)),
        }
    }

    /// Cell `i` of a column whose rows are `labels`: a merged sum is marked
    /// "(+ d)", a small count merged into row m "< 3 (in m)".
    fn count_at(&self, col: &[Cell], i: usize, labels: &[String]) -> String {
        match col[i] {
            Cell::Sum(n) => format!("{}{}", self.s.int(n), merged_note(col, i, labels)),
            Cell::With(h) => format!(
                "<span class=\"supp\">&lt;&nbsp;{} {}</span>",
                self.t,
                self.with_note(h, labels)
            ),
            c => self.count(c),
        }
    }

    /// "(in m)" / "(bei m)", escaped.
    fn with_note(&self, host: usize, labels: &[String]) -> String {
        let name = labels.get(host).map_or("", |l| l.as_str());
        format!(
            "({})",
            escape(&self.s.get(Key::MergedInto).replace("{v}", name))
        )
    }

    /// `part / whole` for row `i` as percent text, only from printed totals: over
    /// row `i` and the values merged into it in either column (then marked "(+ d)").
    /// A row merged into another points there where that row's rate is printed.
    fn rate_at(&self, part: &[Cell], whole: &[Cell], i: usize, labels: &[String]) -> String {
        let hidden = "<span class=\"supp\">•</span>".to_string();
        if let Some((r, g)) = group_rate(part, whole, i) {
            return format!("{}{}", self.s.pct(r, 1), plus_note(&g, i, labels));
        }
        match (part[i], whole[i]) {
            (Cell::Unknown, _) | (_, Cell::Unknown) => escape(self.s.get(Key::NotKnown)),
            (Cell::With(h), _) | (_, Cell::With(h)) if group_rate(part, whole, h).is_some() => {
                format!("<span class=\"supp\">{}</span>", self.with_note(h, labels))
            }
            _ => hidden,
        }
    }

    /// `part / whole` as percent text, only from shown counts.
    fn rate(&self, part: Cell, whole: Cell) -> String {
        match (part, whole) {
            (Cell::Shown(p), Cell::Shown(w)) if w > 0 => self.s.pct(p as f64 / w as f64, 1),
            (Cell::Unknown, _) | (_, Cell::Unknown) => escape(self.s.get(Key::NotKnown)),
            _ => "<span class=\"supp\">•</span>".to_string(),
        }
    }
}

/// The rate `part / whole` (0..=1) of row `i` together with the values merged into it
/// in either column, and those values; `None` where the page prints no such pair.
fn group_rate(part: &[Cell], whole: &[Cell], i: usize) -> Option<(f64, Vec<usize>)> {
    let g = suppress::row_group(&[part, whole], i)?;
    match (suppress::total(part, &g)?, suppress::total(whole, &g)?) {
        (p, w) if w > 0 => Some((p as f64 / w as f64, g)),
        _ => None,
    }
}

/// " (+ d, x)": the values of `group` other than `host`, escaped; empty if none.
fn plus_note(group: &[usize], host: usize, labels: &[String]) -> String {
    let names: Vec<String> = group
        .iter()
        .filter(|&&j| j != host)
        .filter_map(|&j| labels.get(j))
        .map(|l| escape(l))
        .collect();
    if names.is_empty() {
        return String::new();
    }
    format!(
        "&nbsp;<span class=\"merged\">(+&nbsp;{})</span>",
        names.join(", ")
    )
}

/// The note of a merged sum at row `host` of `col`.
fn merged_note(col: &[Cell], host: usize, labels: &[String]) -> String {
    plus_note(&suppress::members(col, host), host, labels)
}

/// A bar for a share of a printed total, following its cell's suppression.
fn share_bar(c: Cell, total: Option<u64>) -> Bar {
    match (c, total) {
        (Cell::Shown(n) | Cell::Sum(n), Some(tot)) if tot > 0 => {
            Bar::Value(n as f64 / tot as f64 * 100.0)
        }
        (Cell::Small, _) => Bar::Small,
        (Cell::With(h), _) => Bar::Merged(h),
        (Cell::Complement, _) => Bar::Complement,
        _ => Bar::Missing,
    }
}

fn check_data(data: &ReportData) -> crate::base::error::Result<()> {
    let probs = data
        .probabilities
        .leximin
        .iter()
        .chain(data.probabilities.legacy.iter().flatten());
    for p in probs {
        if !p.is_finite() || !(-1e-6..=1.0 + 1e-6).contains(p) {
            return Err(super::data_error(format!(
                "selection probability {p} is not in [0, 1]"
            )));
        }
    }
    for cat in &data.categories {
        for v in &cat.values {
            if let Some(sh) = v.population_share
                && (!sh.is_finite() || !(0.0..=1.0).contains(&sh))
            {
                return Err(super::data_error(format!(
                    "population share {sh} of {}={} is not in [0, 1]",
                    cat.name, v.value
                )));
            }
            for x in [v.target, v.expected].into_iter().flatten() {
                if !x.is_finite() {
                    return Err(super::data_error(format!(
                        "non-finite target or expected value for {}={}",
                        cat.name, v.value
                    )));
                }
            }
        }
    }
    Ok(())
}

pub fn render(
    data: &ReportData,
    lang: Lang,
    opts: &ReportOptions,
) -> crate::base::error::Result<String> {
    check_data(data)?;
    let cx = Ctx {
        s: Strings::new(lang)?,
        t: opts.small_cell_threshold,
        data,
        opts,
    };
    let s = &cx.s;
    let mut h = String::with_capacity(256 * 1024);
    let title = match &data.process_name {
        Some(p) => format!("{} – {}", s.get(Key::Title), p),
        None => s.get(Key::Title).to_string(),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        lang.tag(),
        escape(&title)
    );
    header(&mut h, &cx);
    overview(&mut h, &cx);
    funnel(&mut h, &cx)?;
    categories(&mut h, &cx)?;
    quotas(&mut h, &cx);
    response(&mut h, &cx)?;
    probabilities(&mut h, &cx)?;
    seeds(&mut h, &cx);
    lottery(&mut h, &cx);
    replacements(&mut h, &cx);
    method(&mut h, &cx);
    let _ = write!(
        h,
        "<footer><p>{}</p></footer>\n</main>\n</body>\n</html>\n",
        escape(s.get(Key::Footer))
    );
    Ok(h)
}

fn header(h: &mut String, cx: &Ctx) {
    let s = &cx.s;
    h.push_str("<header class=\"page-header\">\n");
    if let Some(p) = &cx.data.process_name {
        let _ = writeln!(h, "<p class=\"kicker\">{}</p>", escape(p));
    }
    let _ = writeln!(h, "<h1>{}</h1>", escape(s.get(Key::Title)));
    let mut meta = Vec::new();
    if let Some(id) = &cx.data.process_id {
        meta.push(format!(
            "{}: <code>{}</code>",
            escape(s.get(Key::Process)),
            escape(id)
        ));
    }
    if let Some(d) = &cx.data.as_of {
        meta.push(format!("{}: {}", escape(s.get(Key::AsOf)), escape(d)));
    }
    if !meta.is_empty() {
        let _ = writeln!(h, "<p class=\"meta\">{}</p>", meta.join(" · "));
    }
    let _ = writeln!(h, "<p class=\"intro\">{}</p>", escape(s.get(Key::Intro)));
    let _ = writeln!(
        h,
        "<p class=\"note\">{}</p>",
        escape(&s.with_t(Key::DataNote, cx.t))
    );
    h.push_str("</header>\n");
}

/// The funnel stages with suppression applied (each total stands alone).
fn stages(cx: &Ctx) -> Vec<(Key, Cell)> {
    let f = &cx.data.funnel;
    let t = cx.t;
    vec![
        (Key::StageResidents, suppress_single(f.residents, t)),
        (Key::StageEligible, suppress_single(f.eligible, t)),
        (Key::StageInvited, suppress_single(f.invited, t)),
        (Key::StageApplied, suppress_single(f.applied, t)),
        (Key::StagePool, suppress_single(f.pool, t)),
        (Key::StagePanel, suppress_single(f.panel, t)),
    ]
}

fn overview(h: &mut String, cx: &Ctx) {
    let s = &cx.s;
    let _ = writeln!(
        h,
        "<section id=\"overview\">\n<h2>{}</h2>\n<ul class=\"kpis\">",
        escape(s.get(Key::SecOverview))
    );
    for (key, c) in stages(cx) {
        let value = match c {
            Cell::Unknown => format!(
                "<span class=\"open\">{}</span>",
                escape(s.get(Key::StageOpen))
            ),
            c => cx.count(c),
        };
        let _ = writeln!(
            h,
            "<li><span class=\"kpi-value\">{value}</span><span class=\"kpi-label\">{}</span></li>",
            escape(s.get(key))
        );
    }
    let inv = suppress_single(cx.data.funnel.invited, cx.t);
    let pool = suppress_single(cx.data.funnel.pool, cx.t);
    if let (Cell::Shown(_), Cell::Shown(_)) = (inv, pool) {
        let _ = writeln!(
            h,
            "<li class=\"kpi-rate\"><span class=\"kpi-value\">{}</span><span class=\"kpi-label\">{}</span></li>",
            cx.rate(pool, inv),
            escape(s.get(Key::ColRate))
        );
    }
    h.push_str("</ul>\n</section>\n");
}

/// A figure around a chart: legend (HTML, so it reflows and prints crisply), the
/// SVG, and a caption; `data-marks` is what the browser test expects to see.
fn figure(h: &mut String, chart: &Chart, caption: &str, legend: &[(String, String)]) {
    let _ = writeln!(
        h,
        "<figure class=\"chart\" data-chart=\"{}\" data-marks=\"{}\">",
        escape(&chart.id),
        chart.marks,
    );
    // An empty caption: the section heading right above already names the chart.
    if !caption.is_empty() {
        let _ = writeln!(h, "<figcaption>{}</figcaption>", escape(caption));
    }
    if !legend.is_empty() {
        h.push_str("<ul class=\"legend\" aria-hidden=\"true\">");
        for (colour, label) in legend {
            let _ = write!(
                h,
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                escape(colour),
                escape(label)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str(&chart.svg);
    h.push_str("</figure>\n");
}

fn funnel(h: &mut String, cx: &Ctx) -> crate::base::error::Result<()> {
    let s = &cx.s;
    let st = stages(cx);
    let _ = writeln!(
        h,
        "<section id=\"funnel\">\n<h2>{}</h2>",
        escape(s.get(Key::SecFunnel))
    );
    let chart_stages: Vec<Stage> = st
        .iter()
        .map(|(k, c)| Stage {
            label: s.get(*k).to_string(),
            count: c.shown(),
            placeholder: match c {
                Cell::Small => format!("< {}", cx.t),
                Cell::Complement => "•".to_string(),
                _ => s.get(Key::StageOpen).to_string(),
            },
        })
        .collect();
    let chart = charts::funnel(
        ChartText {
            id: "chart-funnel",
            title: s.get(Key::FunnelChartTitle),
            desc: s.get(Key::FunnelChartDesc),
        },
        &chart_stages,
        s.get(Key::FunnelAxis),
        s,
    )?;
    figure(h, &chart, s.get(Key::FunnelChartTitle), &[]);
    table_start(
        h,
        "data",
        s.get(Key::FunnelChartTitle),
        &[
            (s.get(Key::ColStage), false),
            (s.get(Key::ColCount), true),
            (s.get(Key::ColShareOfPrevious), true),
        ],
    );
    let mut prev = Cell::Unknown;
    for (key, c) in &st {
        let count = match c {
            Cell::Unknown => escape(s.get(Key::StageOpen)),
            c => cx.count(*c),
        };
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{count}</td><td class=\"num\">{}</td></tr>",
            escape(s.get(*key)),
            cx.rate(*c, prev)
        );
        prev = *c;
    }
    h.push_str("</tbody></table>\n</section>\n");
    Ok(())
}

fn categories(h: &mut String, cx: &Ctx) -> crate::base::error::Result<()> {
    let s = &cx.s;
    let f = &cx.data.funnel;
    if cx.data.categories.is_empty() {
        return Ok(());
    }
    let _ = writeln!(
        h,
        "<section id=\"categories\">\n<h2>{}</h2>",
        escape(s.get(Key::SecCategories))
    );
    let panel_known = cx.panel_known();
    if !panel_known {
        let _ = writeln!(
            h,
            "<p class=\"hint\">{}</p>",
            escape(s.get(Key::ExpectedNote))
        );
    }
    for (ci, cat) in cx.data.categories.iter().enumerate() {
        let cells = cat_cells(cat, cx.t);
        let label = cx.cat_label(&cat.name);
        let rows: Vec<String> = cat.values.iter().map(|v| v.value.clone()).collect();
        let mut series = Vec::new();
        // Population: from the share, hidden or merged where its eligible count is.
        if cat.values.iter().any(|v| v.population_share.is_some()) {
            let shares: Vec<Option<f64>> = cat.values.iter().map(|v| v.population_share).collect();
            let bars = cells
                .eligible
                .iter()
                .enumerate()
                .map(|(i, e)| match (e, shares.get(i).copied().flatten()) {
                    (Cell::Small, _) => Bar::Small,
                    (Cell::With(h), _) => Bar::Merged(*h),
                    (Cell::Complement, _) => Bar::Complement,
                    (Cell::Sum(_), _) => suppress::group_sum(&cells.eligible, i, &shares)
                        .map_or(Bar::Missing, |sh| Bar::Value(sh * 100.0)),
                    (_, Some(sh)) => Bar::Value(sh * 100.0),
                    _ => Bar::Missing,
                })
                .collect();
            series.push(Series {
                label: s.get(Key::SeriesPopulation).to_string(),
                colour: charts::C_POPULATION,
                bars,
            });
        }
        if cat.values.iter().any(|v| v.invitees.is_some()) {
            let total = f
                .invited
                .or_else(|| Some(cat.values.iter().filter_map(|v| v.invitees).sum()));
            series.push(Series {
                label: s.get(Key::SeriesInvitees).to_string(),
                colour: charts::C_INVITEES,
                bars: cells
                    .invitees
                    .iter()
                    .map(|c| share_bar(*c, total))
                    .collect(),
            });
        }
        if cat.values.iter().any(|v| v.applicants.is_some()) {
            let total = f
                .pool
                .or_else(|| Some(cat.values.iter().filter_map(|v| v.applicants).sum()));
            series.push(Series {
                label: s.get(Key::SeriesApplicants).to_string(),
                colour: charts::C_APPLICANTS,
                bars: cells
                    .applicants
                    .iter()
                    .map(|c| share_bar(*c, total))
                    .collect(),
            });
        }
        let expected = expected_cells(cat, &cells);
        if panel_known {
            series.push(Series {
                label: s.get(Key::SeriesPanel).to_string(),
                colour: charts::C_PANEL,
                bars: cells.panel.iter().map(|c| share_bar(*c, cx.k())).collect(),
            });
        } else if let Some(k) = cx.k().filter(|k| *k > 0)
            && expected.iter().any(|e| !matches!(e, Exp::Missing))
        {
            series.push(Series {
                label: s.get(Key::SeriesExpected).to_string(),
                colour: charts::C_PANEL,
                bars: expected
                    .iter()
                    .map(|e| match e {
                        Exp::Value(x) => Bar::Value(x / k as f64 * 100.0),
                        Exp::Hidden(Cell::Small) => Bar::Small,
                        Exp::Hidden(Cell::With(h)) => Bar::Merged(*h),
                        Exp::Hidden(_) => Bar::Complement,
                        Exp::Missing => Bar::Missing,
                    })
                    .collect(),
            });
        }
        let _ = writeln!(
            h,
            "<article class=\"category\">\n<h3>{}</h3>",
            escape(&label)
        );
        if let Some(why) = cx.data.population_missing.get(&cat.name) {
            let key = match why {
                PopulationMissing::NotInRegister => Key::PopulationNotInRegister,
                PopulationMissing::NoRegister => Key::PopulationNoRegister,
                PopulationMissing::RegisterChanged => Key::PopulationRegisterChanged,
            };
            let _ = writeln!(
                h,
                "<p class=\"hint population-missing\">{}</p>",
                escape(s.get(key))
            );
        }
        if !series.is_empty() {
            let title = s.get(Key::CategoryChartTitle).replace("{c}", &label);
            let desc = s.get(Key::CategoryChartDesc).replace("{c}", &label);
            let pct = |v: f64| s.pct(v / 100.0, 1);
            let id = format!("chart-cat-{ci}");
            let chart = charts::grouped_hbar(
                ChartText {
                    id: &id,
                    title: &title,
                    desc: &desc,
                },
                &rows,
                &series,
                BarStyle {
                    axis: s.get(Key::AxisSharePercent),
                    threshold: cx.t,
                    // Value labels only where they fit without clutter.
                    value_text: if series.len() <= 2 { Some(&pct) } else { None },
                    reference: None,
                },
                s,
            )?;
            let legend: Vec<(String, String)> = series
                .iter()
                .map(|se| (charts::hex(se.colour), se.label.clone()))
                .collect();
            figure(h, &chart, "", &legend);
        }
        category_table(h, cx, cat, &label, &cells, &expected, panel_known);
        let any_hidden = [
            &cells.eligible,
            &cells.invitees,
            &cells.applicants,
            &cells.panel,
        ]
        .iter()
        .any(|col| col.iter().any(|c| c.is_suppressed() || c.is_merged()));
        if any_hidden {
            suppressed_legend(h, cx);
        }
        h.push_str("</article>\n");
    }
    h.push_str("</section>\n");
    Ok(())
}

fn suppressed_legend(h: &mut String, cx: &Ctx) {
    let _ = writeln!(
        h,
        "<p class=\"hint suppressed\">{}</p>",
        escape(&cx.s.with_t(Key::SuppressedLegend, cx.t))
    );
}

/// An expected panel count as it may be shown.
#[derive(Clone, Copy)]
enum Exp {
    /// The value's expected count; at a merged row, that of the merged values together
    /// (shown alone, the partner's would give the small one away: Σ expected = k).
    Value(f64),
    /// Hidden because the applicants cell is (expected ≤ applicants would bound it).
    Hidden(Cell),
    Missing,
}

fn expected_cells(cat: &Category, cells: &CatCells) -> Vec<Exp> {
    let exp: Vec<Option<f64>> = cat.values.iter().map(|v| v.expected).collect();
    exp.iter()
        .zip(&cells.applicants)
        .enumerate()
        .map(|(i, (e, a))| match (e, a) {
            (None, _) => Exp::Missing,
            (Some(_), c @ (Cell::Small | Cell::With(_) | Cell::Complement)) => Exp::Hidden(*c),
            (Some(_), Cell::Sum(_)) => {
                suppress::group_sum(&cells.applicants, i, &exp).map_or(Exp::Missing, Exp::Value)
            }
            (Some(x), _) => Exp::Value(*x),
        })
        .collect()
}

/// An expected count's HTML; `app`/`i`/`labels` name the merged values.
fn exp_html(cx: &Ctx, e: Exp, app: &[Cell], i: usize, labels: &[String]) -> String {
    match e {
        Exp::Value(x) => match app.get(i) {
            Some(Cell::Sum(_)) => format!("{}{}", cx.s.dec(x, 1), merged_note(app, i, labels)),
            _ => cx.s.dec(x, 1),
        },
        Exp::Hidden(_) => cx.count_at(app, i, labels),
        Exp::Missing => escape(cx.s.get(Key::NotKnown)),
    }
}

fn category_table(
    h: &mut String,
    cx: &Ctx,
    cat: &Category,
    label: &str,
    cells: &CatCells,
    expected: &[Exp],
    panel_known: bool,
) {
    let s = &cx.s;
    let has_pop = cat.values.iter().any(|v| v.population_share.is_some());
    let has_elig = cat.values.iter().any(|v| v.eligible.is_some());
    let has_inv = cat.values.iter().any(|v| v.invitees.is_some());
    let has_app = cat.values.iter().any(|v| v.applicants.is_some());
    let has_exp = expected.iter().any(|e| !matches!(e, Exp::Missing));
    let cols: Vec<(&str, bool)> = std::iter::once((s.get(Key::ColValue), false))
        .chain(
            [
                (has_pop, Key::ColPopulationShare),
                (has_elig, Key::ColEligible),
                (has_inv, Key::ColInvited),
                (has_app, Key::ColApplicants),
                (has_inv && has_app, Key::ColRate),
                (panel_known, Key::ColPanel),
                (!panel_known && has_exp, Key::ColExpected),
            ]
            .into_iter()
            .filter(|(show, _)| *show)
            .map(|(_, key)| (s.get(key), true)),
        )
        .collect();
    table_start(
        h,
        "data",
        &format!("{} – {}", label, s.get(Key::FunnelPerCategory)),
        &cols,
    );
    // Row labels, for the "(+ d)" and "(bei m)" notes of merged cells.
    let labels: Vec<String> = cat.values.iter().map(|v| v.value.clone()).collect();
    let shares: Vec<Option<f64>> = cat.values.iter().map(|v| v.population_share).collect();
    for (i, v) in cat.values.iter().enumerate() {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", escape(&v.value));
        let td = |h: &mut String, x: String| {
            let _ = write!(h, "<td class=\"num\">{x}</td>");
        };
        if has_pop {
            let x = match (cells.eligible[i], v.population_share) {
                (Cell::Small | Cell::With(_) | Cell::Complement, _) => {
                    cx.count_at(&cells.eligible, i, &labels)
                }
                (Cell::Sum(_), _) => match suppress::group_sum(&cells.eligible, i, &shares) {
                    Some(sh) => format!(
                        "{}{}",
                        s.pct(sh, 1),
                        merged_note(&cells.eligible, i, &labels)
                    ),
                    None => escape(s.get(Key::NotKnown)),
                },
                (_, Some(sh)) => s.pct(sh, 1),
                _ => escape(s.get(Key::NotKnown)),
            };
            td(h, x);
        }
        if has_elig {
            td(h, cx.count_at(&cells.eligible, i, &labels));
        }
        if has_inv {
            td(h, cx.count_at(&cells.invitees, i, &labels));
        }
        if has_app {
            td(h, cx.count_at(&cells.applicants, i, &labels));
        }
        if has_inv && has_app {
            td(
                h,
                cx.rate_at(&cells.applicants, &cells.invitees, i, &labels),
            );
        }
        if panel_known {
            td(h, cx.count(cells.panel[i]));
        } else if has_exp {
            td(h, exp_html(cx, expected[i], &cells.applicants, i, &labels));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
}

fn quotas(h: &mut String, cx: &Ctx) {
    let s = &cx.s;
    let any_quota = cx
        .data
        .categories
        .iter()
        .any(|c| c.values.iter().any(|v| v.min.is_some() || v.max.is_some()));
    if !any_quota {
        return;
    }
    let has_target = cx
        .data
        .categories
        .iter()
        .any(|c| c.values.iter().any(|v| v.target.is_some()));
    let panel_known = cx.panel_known();
    let achieved_label = if panel_known {
        s.get(Key::ColAchieved).to_string()
    } else {
        s.get(Key::ColExpectedShort).to_string()
    };
    let _ = writeln!(
        h,
        "<section id=\"quotas\">\n<h2>{}</h2>\n<p>{}</p>",
        escape(s.get(Key::SecQuotas)),
        escape(s.get(Key::QuotaIntro))
    );
    let mut cols = vec![
        (s.get(Key::ColCategory), false),
        (s.get(Key::ColValue), false),
        (s.get(Key::ColMin), true),
        (s.get(Key::ColMax), true),
    ];
    if has_target {
        cols.push((s.get(Key::ColTarget), true));
    }
    cols.push((achieved_label.as_str(), true));
    cols.push((s.get(Key::ColInQuota), false));
    table_start(h, "data quota", s.get(Key::SecQuotas), &cols);
    for cat in &cx.data.categories {
        if !cat
            .values
            .iter()
            .any(|v| v.min.is_some() || v.max.is_some())
        {
            continue;
        }
        let cells = cat_cells(cat, cx.t);
        let expected = expected_cells(cat, &cells);
        let label = cx.cat_label(&cat.name);
        let labels: Vec<String> = cat.values.iter().map(|v| v.value.clone()).collect();
        for (i, v) in cat.values.iter().enumerate() {
            // The category name is printed on its first row only (grouped rows).
            let cat_cell = if i == 0 {
                format!(
                    "<th scope=\"rowgroup\" rowspan=\"{}\">{}</th>",
                    cat.values.len(),
                    escape(&label)
                )
            } else {
                String::new()
            };
            let opt = |x: Option<u64>| {
                x.map(|n| s.int(n))
                    .unwrap_or_else(|| escape(s.get(Key::NotKnown)))
            };
            let (achieved, raw) = if panel_known {
                // The panel is shown whole (`shown_whole`): always the number.
                (cx.count(cells.panel[i]), v.panel.map(|p| p as f64))
            } else {
                (
                    exp_html(cx, expected[i], &cells.applicants, i, &labels),
                    v.expected,
                )
            };
            // Whether the bound holds is public anyway (every panel meets the quotas),
            // so it is shown even where the achieved number is hidden.
            let ok = raw.map(|x| {
                v.min.is_none_or(|m| x >= m as f64 - 1e-6)
                    && v.max.is_none_or(|m| x <= m as f64 + 1e-6)
            });
            let ok_html = match ok {
                Some(true) => format!("<span class=\"ok\">✓ {}</span>", escape(s.get(Key::Yes))),
                Some(false) => format!("<span class=\"bad\">✗ {}</span>", escape(s.get(Key::No))),
                None => escape(s.get(Key::NotKnown)),
            };
            let _ = write!(
                h,
                "<tr class=\"{}\">{cat_cell}<th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                if i == 0 { "group-start" } else { "" },
                escape(&v.value),
                opt(v.min),
                opt(v.max)
            );
            if has_target {
                let tg = v
                    .target
                    .map(|x| s.dec(x, 1))
                    .unwrap_or_else(|| escape(s.get(Key::NotKnown)));
                let _ = write!(h, "<td class=\"num\">{tg}</td>");
            }
            let _ = writeln!(
                h,
                "<td class=\"num\">{achieved}</td><td>{ok_html}</td></tr>"
            );
        }
    }
    h.push_str("</tbody></table>\n</section>\n");
}

/// The invited and applied cells of the response table. The strata are usually a
/// category too, with the same counts; both tables must then hide and merge alike
/// (or one would undo the other), so that category's cells are taken, re-indexed
/// to the table's rows. Otherwise the two columns are suppressed on their own.
fn response_cells(cx: &Ctx) -> (Vec<Cell>, Vec<Cell>) {
    let rr = &cx.data.response_rates;
    for cat in &cx.data.categories {
        if cat.values.len() != rr.len() {
            continue;
        }
        // pos[j]: the category's index of table row j.
        let pos: Option<Vec<usize>> = rr
            .iter()
            .map(|r| {
                cat.values.iter().position(|v| {
                    v.value == r.stratum
                        && v.invitees == Some(r.invited)
                        && v.applicants == Some(r.applied)
                })
            })
            .collect();
        let Some(pos) = pos else { continue };
        let mut seen = pos.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != pos.len() {
            continue;
        }
        let row_of = |ci: usize| pos.iter().position(|&p| p == ci).unwrap_or(ci);
        let cells = cat_cells(cat, cx.t);
        let reindex = |col: &[Cell]| -> Vec<Cell> {
            pos.iter()
                .map(|&p| match col[p] {
                    Cell::With(h) => Cell::With(row_of(h)),
                    c => c,
                })
                .collect()
        };
        return (reindex(&cells.invitees), reindex(&cells.applicants));
    }
    let inv: Vec<Option<u64>> = rr.iter().map(|r| Some(r.invited)).collect();
    let app: Vec<Option<u64>> = rr.iter().map(|r| Some(r.applied)).collect();
    let b_inv: Vec<Bounds> = rr
        .iter()
        .map(|r| Bounds {
            lower: r.applied,
            ..Bounds::default()
        })
        .collect();
    let b_app: Vec<Bounds> = rr
        .iter()
        .map(|r| Bounds {
            upper: Some(r.invited),
            ..Bounds::default()
        })
        .collect();
    let mut cols = suppress_category(
        &[
            Column {
                counts: &inv,
                bounds: &b_inv,
            },
            Column {
                counts: &app,
                bounds: &b_app,
            },
        ],
        cx.t,
    )
    .into_iter();
    (
        cols.next().unwrap_or_default(),
        cols.next().unwrap_or_default(),
    )
}

/// The response chart's bars: the rate of each row's printed group.
fn response_bars(inv: &[Cell], app: &[Cell]) -> Vec<Bar> {
    (0..inv.len())
        .map(|i| match group_rate(app, inv, i) {
            Some((r, _)) => Bar::Value(r * 100.0),
            None => match (inv[i], app[i]) {
                (Cell::With(h), _) | (_, Cell::With(h)) if group_rate(app, inv, h).is_some() => {
                    Bar::Merged(h)
                }
                (Cell::Small, _) | (_, Cell::Small) => Bar::Small,
                _ => Bar::Complement,
            },
        })
        .collect()
}

fn response(h: &mut String, cx: &Ctx) -> crate::base::error::Result<()> {
    let s = &cx.s;
    let rr = &cx.data.response_rates;
    let _ = writeln!(
        h,
        "<section id=\"response\">\n<h2>{}</h2>",
        escape(s.get(Key::SecResponse))
    );
    if rr.is_empty() {
        let _ = writeln!(
            h,
            "<p>{}</p>\n</section>",
            escape(s.get(Key::NoResponseData))
        );
        return Ok(());
    }
    let (inv, app) = response_cells(cx);
    let bars = response_bars(&inv, &app);
    let tot_inv: u64 = rr.iter().map(|r| r.invited).sum();
    let tot_app: u64 = rr.iter().map(|r| r.applied).sum();
    let overall = (tot_inv > 0).then(|| tot_app as f64 / tot_inv as f64 * 100.0);
    let rows: Vec<String> = rr.iter().map(|r| r.stratum.clone()).collect();
    let pct = |v: f64| s.pct(v / 100.0, 1);
    let chart = charts::grouped_hbar(
        ChartText {
            id: "chart-response",
            title: s.get(Key::ResponseChartTitle),
            desc: s.get(Key::ResponseChartDesc),
        },
        &rows,
        &[Series {
            label: s.get(Key::ColRate).to_string(),
            colour: charts::C_PANEL,
            bars,
        }],
        BarStyle {
            axis: s.get(Key::ResponseAxis),
            threshold: cx.t,
            value_text: Some(&pct),
            reference: overall,
        },
        s,
    )?;
    let mut legend = vec![(
        charts::hex(charts::C_PANEL),
        s.get(Key::ColRate).to_string(),
    )];
    if let Some(o) = overall {
        legend.push((
            "#333333".to_string(),
            format!("{}: {}", s.get(Key::ResponseOverall), s.pct(o / 100.0, 1)),
        ));
    }
    figure(h, &chart, s.get(Key::ResponseChartTitle), &legend);
    table_start(
        h,
        "data",
        s.get(Key::ResponseChartTitle),
        &[
            (s.get(Key::ColStratum), false),
            (s.get(Key::ColInvited), true),
            (s.get(Key::ColApplied), true),
            (s.get(Key::ColRate), true),
        ],
    );
    for (i, r) in rr.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&r.stratum),
            cx.count_at(&inv, i, &rows),
            cx.count_at(&app, i, &rows),
            cx.rate_at(&app, &inv, i, &rows)
        );
    }
    let ti = suppress_single(Some(tot_inv), cx.t);
    let ta = suppress_single(Some(tot_app), cx.t);
    let _ = writeln!(
        h,
        "</tbody><tfoot><tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tfoot></table>",
        escape(s.get(Key::ResponseOverall)),
        cx.count(ti),
        cx.count(ta),
        cx.rate(ta, ti)
    );
    if inv
        .iter()
        .chain(&app)
        .any(|c| c.is_suppressed() || c.is_merged())
    {
        suppressed_legend(h, cx);
    }
    h.push_str("</section>\n");
    Ok(())
}

fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

fn probabilities(h: &mut String, cx: &Ctx) -> crate::base::error::Result<()> {
    let s = &cx.s;
    let p = &cx.data.probabilities;
    let _ = writeln!(
        h,
        "<section id=\"probabilities\">\n<h2>{}</h2>",
        escape(s.get(Key::SecProbabilities))
    );
    if p.leximin.is_empty() && p.legacy.as_ref().is_none_or(|l| l.is_empty()) {
        let _ = writeln!(
            h,
            "<p>{}</p>\n</section>",
            escape(s.get(Key::NoProbabilities))
        );
        return Ok(());
    }
    let intro = match p.algorithm.as_deref() {
        Some("goldilocks") => Key::ProbIntroGoldilocks,
        _ => Key::ProbIntro,
    };
    let _ = writeln!(h, "<p>{}</p>", escape(s.get(intro)));
    if let Some(gap) = &p.pricing_gap {
        let gap = gap.trim_end_matches('0').trim_end_matches('.');
        let _ = writeln!(
            h,
            "<p>{}</p>",
            escape(&s.get(Key::ProbCertificate).replace("{gap}", gap))
        );
    }
    let main_name = p.algorithm.as_deref().unwrap_or("leximin");
    let main_label = algorithm_label(s, main_name);
    let mut curves = Vec::new();
    let mut legend = Vec::new();
    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
    if !p.leximin.is_empty() {
        curves.push(Curve {
            colour: charts::C_PANEL,
            values: p.leximin.clone(),
        });
        legend.push((charts::hex(charts::C_PANEL), main_label.clone()));
        columns.push((main_label, p.leximin.clone()));
    }
    if let Some(l) = p.legacy.as_ref().filter(|l| !l.is_empty()) {
        curves.push(Curve {
            colour: charts::C_LEGACY,
            values: l.clone(),
        });
        legend.push((
            charts::hex(charts::C_LEGACY),
            s.get(Key::SeriesLegacy).to_string(),
        ));
        columns.push((s.get(Key::SeriesLegacy).to_string(), l.clone()));
    }
    // The other algorithms of `select --compare`, beside the chosen one: the other fair
    // algorithm always, the legacy estimate where no legacy run is shown already.
    for (name, v) in &p.curves {
        let shown = name == main_name || (name == "legacy" && p.legacy.is_some());
        if shown || v.is_empty() {
            continue;
        }
        let colour = match name.as_str() {
            "legacy" => charts::C_LEGACY,
            "leximin" => charts::C_LEXIMIN,
            _ => charts::C_GOLDILOCKS,
        };
        let label = algorithm_label(s, name);
        curves.push(Curve {
            colour,
            values: v.clone(),
        });
        legend.push((charts::hex(colour), label.clone()));
        columns.push((label, v.clone()));
    }
    let n = columns.first().map(|c| c.1.len()).unwrap_or(0);
    let uniform = cx.k().filter(|_| n > 0).map(|k| k as f64 / n as f64);
    if let Some(u) = uniform {
        legend.push((
            "#333333".to_string(),
            format!("{} = {}", s.get(Key::SeriesUniform), s.pct(u, 1)),
        ));
    }
    let chart = charts::probabilities(
        ChartText {
            id: "chart-prob",
            title: s.get(Key::ProbChartTitle),
            desc: s.get(Key::ProbChartDesc),
        },
        &curves,
        uniform,
        (s.get(Key::ProbAxisX), s.get(Key::ProbAxisY)),
        s,
    )?;
    figure(h, &chart, s.get(Key::ProbChartTitle), &legend);
    let cols: Vec<(&str, bool)> = std::iter::once((s.get(Key::ColStatistic), false))
        .chain(columns.iter().map(|(label, _)| (label.as_str(), true)))
        .collect();
    table_start(h, "data narrow", s.get(Key::ProbChartTitle), &cols);
    let sorted: Vec<Vec<f64>> = columns
        .iter()
        .map(|(_, v)| {
            let mut v = v.clone();
            v.sort_by(f64::total_cmp);
            v
        })
        .collect();
    let stat_row = |h: &mut String, key: Key, f: &dyn Fn(&[f64]) -> String| {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", escape(s.get(key)));
        for v in &sorted {
            let _ = write!(h, "<td class=\"num\">{}</td>", f(v));
        }
        h.push_str("</tr>\n");
    };
    let na = escape(s.get(Key::NotKnown));
    stat_row(h, Key::StatCount, &|v| s.int(v.len() as u64));
    stat_row(h, Key::StatMin, &|v| {
        v.first()
            .map(|x| s.pct(*x, 2))
            .unwrap_or_else(|| na.clone())
    });
    stat_row(h, Key::StatMedian, &|v| {
        median(v).map(|x| s.pct(x, 2)).unwrap_or_else(|| na.clone())
    });
    stat_row(h, Key::StatMax, &|v| {
        v.last().map(|x| s.pct(*x, 2)).unwrap_or_else(|| na.clone())
    });
    if let Some(u) = uniform {
        stat_row(h, Key::StatUniform, &|_| s.pct(u, 2));
    }
    if let Some(panels) = p.panels {
        let _ = write!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td>",
            escape(s.get(Key::StatPanels)),
            s.int(panels)
        );
        for _ in 1..sorted.len() {
            let _ = write!(h, "<td class=\"num\">{na}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    if !p.comparison.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(s.get(Key::CompareIntro)));
        let cols = [
            (s.get(Key::ColAlgorithm), false),
            (s.get(Key::StatMin), true),
            (s.get(Key::StatMax), true),
            (s.get(Key::StatMedian), true),
            (s.get(Key::ColGini), true),
            (s.get(Key::ColMinRatio), true),
            (s.get(Key::ColMaxRatio), true),
        ];
        table_start(h, "data", s.get(Key::CompareIntro), &cols);
        for r in &p.comparison {
            let name = algorithm_label(s, &r.algorithm);
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&name),
                s.pct(r.min, 2),
                s.pct(r.max, 2),
                s.pct(r.median, 2),
                s.dec(r.gini, 3),
                s.dec(r.min_ratio, 3),
                s.dec(r.max_ratio, 3)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</section>\n");
    Ok(())
}

/// The series name of a selection algorithm (journal name) in the report's language.
fn algorithm_label(s: &Strings, algorithm: &str) -> String {
    match algorithm {
        "leximin" => s.get(Key::SeriesLeximin).to_string(),
        "goldilocks" => s.get(Key::SeriesGoldilocks).to_string(),
        "legacy" => s.get(Key::SeriesLegacy).to_string(),
        other => other.to_uppercase(),
    }
}

fn hash_label(s: &Strings, k: &HashKind) -> String {
    let key = match k {
        HashKind::SeedSource => Key::HkSeedSource,
        HashKind::Seed => Key::HkSeed,
        HashKind::Commitment => Key::HkCommitment,
        HashKind::JournalHead => Key::HkJournalHead,
        HashKind::ProcessFile => Key::HkProcessFile,
        HashKind::RegisterExtract => Key::HkRegisterExtract,
        HashKind::EligibleList => Key::HkEligibleList,
        HashKind::Invitees => Key::HkInvitees,
        HashKind::Pool => Key::HkPool,
        HashKind::Quotas => Key::HkQuotas,
        HashKind::Distribution => Key::HkDistribution,
        HashKind::Probabilities => Key::HkProbabilities,
        HashKind::Lottery => Key::HkLottery,
        HashKind::Other(label) => return label.clone(),
    };
    s.get(key).to_string()
}

fn seeds(h: &mut String, cx: &Ctx) {
    let s = &cx.s;
    if cx.data.seeds_hashes.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"seeds\">\n<h2>{}</h2>\n<p>{}</p>",
        escape(s.get(Key::SecSeeds)),
        escape(s.get(Key::SeedsIntro))
    );
    table_start(
        h,
        "data hashes",
        s.get(Key::SecSeeds),
        &[
            (s.get(Key::ColWhat), false),
            (s.get(Key::ColHashValue), false),
        ],
    );
    // What a reader checks first (the randomness and the chain head) comes first;
    // otherwise the caller's order, which follows the journal.
    let rank = |k: &HashKind| match k {
        HashKind::SeedSource => 0,
        HashKind::Commitment => 1,
        HashKind::Seed => 2,
        HashKind::JournalHead => 3,
        _ => 4,
    };
    let mut entries: Vec<_> = cx.data.seeds_hashes.iter().collect();
    entries.sort_by_key(|e| rank(&e.kind));
    for e in entries {
        // Hashes and seeds are code; the seed source is prose.
        let value = if e.kind == HashKind::SeedSource {
            escape(&e.value)
        } else {
            format!("<code>{}</code>", escape(&e.value))
        };
        // Where the value can be found goes under its label, leaving the value
        // column wide enough for a SHA-256 on one line.
        let detail = e
            .detail
            .as_deref()
            .map(|d| format!("<span class=\"detail\">{}</span>", escape(d)))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}{detail}</th><td>{value}</td></tr>",
            escape(&hash_label(s, &e.kind)),
        );
    }
    h.push_str("</tbody></table>\n</section>\n");
}

fn lottery(h: &mut String, cx: &Ctx) {
    let s = &cx.s;
    let _ = writeln!(
        h,
        "<section id=\"lottery\">\n<h2>{}</h2>",
        escape(s.get(Key::SecLottery))
    );
    match &cx.data.lottery {
        None => {
            let _ = writeln!(h, "<p>{}</p>", escape(s.get(Key::LotteryNone)));
        }
        Some(l) => {
            h.push_str("<dl class=\"facts\">\n");
            let mut fact = |k: Key, v: String| {
                let _ = writeln!(h, "<div><dt>{}</dt><dd>{v}</dd></div>", escape(s.get(k)));
            };
            fact(
                Key::LotteryNumber,
                format!("<strong>{}</strong>", s.int(l.number)),
            );
            fact(Key::LotteryM, s.int(l.m));
            fact(Key::LotteryPanelNo, s.int(l.panel_no));
            if let Some(d) = &l.date {
                fact(Key::LotteryDate, escape(d));
            }
            if let Some(seed) = &l.seed {
                let _ = writeln!(
                    h,
                    "<div class=\"wide\"><dt>{}</dt><dd><code>{}</code></dd></div>",
                    escape(s.get(Key::LotterySeed)),
                    escape(seed)
                );
            }
            h.push_str("</dl>\n");
        }
    }
    h.push_str("</section>\n");
}

fn replacements(h: &mut String, cx: &Ctx) {
    let s = &cx.s;
    let _ = writeln!(
        h,
        "<section id=\"replacements\">\n<h2>{}</h2>",
        escape(s.get(Key::SecReplacements))
    );
    if cx.data.replacements.is_empty() {
        let _ = writeln!(
            h,
            "<p>{}</p>\n</section>",
            escape(s.get(Key::ReplacementsNone))
        );
        return;
    }
    h.push_str("<ol class=\"timeline\">\n");
    for r in &cx.data.replacements {
        let _ = write!(
            h,
            "<li><time>{}</time><span>{}: <strong>{}</strong> · {}: <strong>{}</strong></span>",
            escape(&r.date),
            escape(s.get(Key::ColDropped)),
            r.dropped,
            escape(s.get(Key::ColReplaced)),
            r.replaced
        );
        if let Some(n) = &r.note {
            let _ = write!(h, "<span class=\"note-text\">{}</span>", escape(n));
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ol>\n</section>\n");
}

fn method(h: &mut String, cx: &Ctx) {
    let s = &cx.s;
    let _ = writeln!(
        h,
        "<section id=\"method\">\n<h2>{}</h2>\n<ul>",
        escape(s.get(Key::SecMethod))
    );
    for k in [
        Key::MethodSuppression,
        Key::MethodComplement,
        Key::MethodDerived,
        Key::MethodExceptions,
    ] {
        let _ = writeln!(h, "<li>{}</li>", escape(&s.with_t(k, cx.t)));
    }
    h.push_str("</ul>\n</section>\n");
}

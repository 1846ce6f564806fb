//! The report's charts, drawn with plotters' SVG backend.
//!
//! Why SVG from plotters rather than hand-written SVG: one well-tested layout
//! engine for axes, ticks and scales. Its SVG backend needs no fonts at build or
//! run time (without the `ttf` feature plotters estimates text extents itself), and
//! the browser renders the `<text>` elements with the page's fonts.
//!
//! After drawing, every SVG gets `role="img"`, a `<title>` and a `<desc>` (plotters
//! has no notion of them), and every data mark (bar or probability line) gets
//! `class="mark"`: marks are recognised by their series colour, which nothing else
//! in a chart uses (legends are HTML, outside the SVG). The browser test counts
//! `.mark` elements against the number the renderer says it drew.

use super::i18n::{Key, Strings};
use crate::base::text::html_escape as escape;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe–Ito colours: distinguishable with colour-vision deficiencies, and of
/// different lightness so they stay apart in greyscale print.
pub const C_POPULATION: RGBColor = RGBColor(0x9A, 0x9A, 0x9A);
pub const C_INVITEES: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
pub const C_APPLICANTS: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub const C_PANEL: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub const C_LEGACY: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// LEXIMIN and Goldilocks in a comparison, when not the chosen algorithm (Okabe–Ito
/// bluish green and reddish purple).
pub const C_LEXIMIN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
pub const C_GOLDILOCKS: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
const C_TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
const C_MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
const C_GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
const C_REFERENCE: RGBColor = RGBColor(0x33, 0x33, 0x33);

const FONT: &str = "sans-serif";
/// plotters' SVG backend writes `font-size` as the requested size / 1.24; this
/// undoes that so the sizes below are CSS pixels at 100 % zoom.
fn px(size: f64) -> f64 {
    size * 1.24
}
/// Width of every chart in SVG user units; the page scales it to the column width.
const WIDTH: u32 = 960;

/// A chart's id in the page and its accessible title and description.
#[derive(Clone, Copy, Debug)]
pub struct ChartText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
}

/// One finished chart.
#[derive(Clone, Debug)]
pub struct Chart {
    pub id: String,
    pub svg: String,
    /// Data marks drawn (bars, or lines for the probability chart).
    pub marks: usize,
}

/// One bar's content.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bar {
    /// A drawn bar of this length (axis units, e.g. percent).
    Value(f64),
    /// Suppressed below the threshold: no bar, a "< t" mark.
    Small,
    /// Suppressed to protect a small cell: no bar, a "•" mark.
    Complement,
    /// Suppressed below the threshold and counted in row `.0`'s bar: no bar, a
    /// "< t (in m)" mark.
    Merged(usize),
    /// Not known: nothing drawn.
    Missing,
}

/// One series of a grouped bar chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    pub colour: RGBColor,
    pub bars: Vec<Bar>,
}

pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn chart_err<E: std::fmt::Display>(e: E) -> crate::base::error::Error {
    super::chart_error(e.to_string())
}

fn text_style(size: f64, colour: &'static RGBColor, h: HPos) -> TextStyle<'static> {
    TextStyle::from((FONT, px(size)).into_font())
        .color(colour)
        .pos(Pos::new(h, VPos::Center))
}

/// Adds title/desc/role to the root element and `class="mark"` to data marks.
/// Returns the SVG and the number of marks found.
fn finish(
    raw: &str,
    id: &str,
    title: &str,
    desc: &str,
    rect_colours: &[RGBColor],
    line_colours: &[RGBColor],
) -> crate::base::error::Result<(String, usize)> {
    let rect_fills: Vec<String> = rect_colours
        .iter()
        .map(|c| format!("fill=\"{}\"", hex(*c)))
        .collect();
    let line_strokes: Vec<String> = line_colours
        .iter()
        .map(|c| format!("stroke=\"{}\"", hex(*c)))
        .collect();
    let mut out = String::with_capacity(raw.len() + 512);
    let mut marks = 0;
    let mut root_done = false;
    // plotters writes one element per line, so a line-wise rewrite is enough.
    for line in raw.lines() {
        if !root_done && line.starts_with("<svg") {
            let Some(body) = line.strip_suffix('>') else {
                return Err(super::chart_error("unexpected SVG root element"));
            };
            out.push_str(&format!(
                "{body} role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" class=\"chart-svg\" id=\"{id}\">\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>\n",
                escape(title),
                escape(desc)
            ));
            root_done = true;
            continue;
        }
        let is_mark = (line.starts_with("<rect") && rect_fills.iter().any(|f| line.contains(f)))
            || (line.starts_with("<polyline") && line_strokes.iter().any(|s| line.contains(s)));
        if is_mark {
            marks += 1;
            // Both tags have 5 or 9 letters; insert right after the tag name.
            let tag_len = if line.starts_with("<rect") { 5 } else { 9 };
            out.push_str(&line[..tag_len]);
            out.push_str(" class=\"mark\"");
            out.push_str(&line[tag_len..]);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !root_done {
        return Err(super::chart_error("no SVG root element"));
    }
    Ok((out, marks))
}

fn check_marks(id: &str, drawn: usize, found: usize) -> crate::base::error::Result<()> {
    if drawn != found {
        return Err(super::chart_error(format!(
            "chart {id}: drew {drawn} marks but found {found} in the SVG"
        )));
    }
    Ok(())
}

/// Draws the row labels left of the plot area; `at[i]` is the pixel position of
/// row i's band centre on the y axis (from `ChartContext::backend_coord`).
fn row_labels(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    at: &[(i32, i32)],
    labels: &[String],
) -> crate::base::error::Result<()> {
    for (label, (px, py)) in labels.iter().zip(at) {
        root.draw(&Text::new(
            label.clone(),
            (*px - 10, *py),
            text_style(15.0, &C_TEXT, HPos::Right),
        ))
        .map_err(chart_err)?;
    }
    Ok(())
}

/// How a grouped bar chart is labelled.
pub struct BarStyle<'a> {
    /// The value axis' label.
    pub axis: &'a str,
    /// The suppression threshold, for the "< t" marks.
    pub threshold: u64,
    /// Formats a bar's value for a label at its end (None: no labels).
    pub value_text: Option<&'a dyn Fn(f64) -> String>,
    /// Draws a vertical line (e.g. the overall rate) across all bands.
    pub reference: Option<f64>,
}

/// Horizontal grouped bars: one band per row (top to bottom), one bar per series.
pub fn grouped_hbar(
    text: ChartText<'_>,
    rows: &[String],
    series: &[Series],
    style: BarStyle<'_>,
    s: &Strings,
) -> crate::base::error::Result<Chart> {
    let ChartText { id, title, desc } = text;
    let BarStyle {
        axis,
        threshold,
        value_text,
        reference,
    } = style;
    let n = rows.len().max(1);
    let m = series.len().max(1);
    let bar_h = if m == 1 { 22 } else { 13 };
    let band = (m * bar_h + 14) as u32;
    let height = n as u32 * band + 70;
    let max_value = series
        .iter()
        .flat_map(|se| se.bars.iter())
        .filter_map(|b| match b {
            Bar::Value(v) => Some(*v),
            _ => None,
        })
        .chain(reference)
        .fold(0.0_f64, f64::max);
    let x_max = nice_max(max_value * if value_text.is_some() { 1.15 } else { 1.05 });
    let label_w = rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 28) as u32
        * 8
        + 24;
    let mut raw = String::new();
    let mut drawn = 0usize;
    {
        let root = SVGBackend::with_string(&mut raw, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(10)
            .margin_right(24)
            .margin_left(8)
            .x_label_area_size(50)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0f64..x_max, 0f64..n as f64)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(8)
            .x_label_formatter(&|v| s.dec(*v, if x_max < 5.0 { 1 } else { 0 }))
            .x_desc(axis)
            .axis_desc_style((FONT, px(14.0)).into_font().color(&C_MUTED))
            .label_style((FONT, px(13.0)).into_font().color(&C_MUTED))
            .bold_line_style(C_GRID)
            .light_line_style(WHITE)
            .axis_style(C_MUTED)
            .draw()
            .map_err(chart_err)?;
        let unit = 1.0 / band as f64; // one pixel of band height in data units
        for (i, _) in rows.iter().enumerate() {
            let top = (n - i) as f64 - 7.0 * unit;
            for (j, se) in series.iter().enumerate() {
                let y1 = top - (j * bar_h) as f64 * unit;
                let y0 = y1 - (bar_h - 2) as f64 * unit;
                let yc = (y0 + y1) / 2.0;
                match se.bars.get(i).copied().unwrap_or(Bar::Missing) {
                    Bar::Value(v) if v > 0.0 => {
                        chart
                            .draw_series(std::iter::once(Rectangle::new(
                                [(0.0, y0), (v, y1)],
                                se.colour.filled(),
                            )))
                            .map_err(chart_err)?;
                        drawn += 1;
                        if let Some(f) = value_text {
                            let (px, py) = chart.backend_coord(&(v, yc));
                            // A partner's bar covers the rows merged into it.
                            let merged: Vec<&str> = se
                                .bars
                                .iter()
                                .enumerate()
                                .filter(|(_, b)| **b == Bar::Merged(i))
                                .filter_map(|(k, _)| rows.get(k).map(|r| r.as_str()))
                                .collect();
                            let label = if merged.is_empty() {
                                f(v)
                            } else {
                                format!("{} (+ {})", f(v), merged.join(", "))
                            };
                            root.draw(&Text::new(
                                label,
                                (px + 5, py),
                                text_style(13.0, &C_TEXT, HPos::Left),
                            ))
                            .map_err(chart_err)?;
                        }
                    }
                    Bar::Value(_) | Bar::Missing => {}
                    mark @ (Bar::Small | Bar::Complement | Bar::Merged(_)) => {
                        let text = match mark {
                            Bar::Small => format!("< {threshold}"),
                            Bar::Merged(h) => format!(
                                "< {threshold} ({})",
                                s.get(Key::MergedInto)
                                    .replace("{v}", rows.get(h).map_or("", |r| r.as_str()))
                            ),
                            _ => "•".to_string(),
                        };
                        let (px, py) = chart.backend_coord(&(0.0, yc));
                        root.draw(&Text::new(
                            text,
                            (px + 4, py),
                            text_style(13.0, &C_MUTED, HPos::Left),
                        ))
                        .map_err(chart_err)?;
                    }
                }
            }
        }
        if let Some(r) = reference {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(r, 0.0), (r, n as f64)],
                    C_REFERENCE.stroke_width(2),
                )))
                .map_err(chart_err)?;
        }
        let at: Vec<(i32, i32)> = (0..rows.len())
            .map(|i| chart.backend_coord(&(0.0, (n - i) as f64 - 0.5)))
            .collect();
        row_labels(&root, &at, rows)?;
        root.present().map_err(chart_err)?;
    }
    let colours: Vec<RGBColor> = series.iter().map(|se| se.colour).collect();
    let (svg, found) = finish(&raw, id, title, desc, &colours, &[])?;
    check_marks(id, drawn, found)?;
    Ok(Chart {
        id: id.to_string(),
        svg,
        marks: found,
    })
}

/// A round upper bound for an axis (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k).
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for step in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if step * mag >= v {
            return step * mag;
        }
    }
    10.0 * mag
}

/// One stage of the funnel: label, and its count if shown.
pub struct Stage {
    pub label: String,
    pub count: Option<u64>,
    /// Text when there is no bar ("pending" or "< 3").
    pub placeholder: String,
}

/// The funnel as horizontal bars on a log axis: 612,065 residents and 50 seats on
/// one linear axis would leave the later stages invisible.
pub fn funnel(
    text: ChartText<'_>,
    stages: &[Stage],
    axis: &str,
    s: &Strings,
) -> crate::base::error::Result<Chart> {
    let ChartText { id, title, desc } = text;
    let n = stages.len().max(1);
    let band = 46u32;
    let height = n as u32 * band + 70;
    let max = stages.iter().filter_map(|st| st.count).max().unwrap_or(10);
    // Axis up to the next power of ten above the largest stage, with room for labels.
    let exp = ((max.max(10) as f64) * 4.0).log10().ceil() as i32;
    let x_max = 10f64.powi(exp);
    let labels: Vec<String> = stages.iter().map(|st| st.label.clone()).collect();
    let mut raw = String::new();
    let mut drawn = 0usize;
    {
        let root = SVGBackend::with_string(&mut raw, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(10)
            .margin_right(44)
            .margin_left(8)
            .x_label_area_size(50)
            .y_label_area_size(250)
            .build_cartesian_2d((1f64..x_max).log_scale(), 0f64..n as f64)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(exp as usize + 1)
            .x_label_formatter(&|v| {
                // Only powers of ten are labelled; others would crowd the log axis.
                let l = v.log10();
                if (l - l.round()).abs() < 1e-9 {
                    s.int(v.round() as u64)
                } else {
                    String::new()
                }
            })
            .x_desc(axis)
            .axis_desc_style((FONT, px(14.0)).into_font().color(&C_MUTED))
            .label_style((FONT, px(13.0)).into_font().color(&C_MUTED))
            .bold_line_style(C_GRID)
            .light_line_style(WHITE)
            .axis_style(C_MUTED)
            .draw()
            .map_err(chart_err)?;
        for (i, st) in stages.iter().enumerate() {
            let y1 = (n - i) as f64 - 0.2;
            let y0 = (n - i - 1) as f64 + 0.2;
            let yc = (y0 + y1) / 2.0;
            match st.count {
                Some(c) if c > 0 => {
                    let v = c as f64;
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(1.0, y0), (v, y1)],
                            C_PANEL.filled(),
                        )))
                        .map_err(chart_err)?;
                    drawn += 1;
                    let (px, py) = chart.backend_coord(&(v, yc));
                    root.draw(&Text::new(
                        s.int(c),
                        (px + 6, py),
                        text_style(15.0, &C_TEXT, HPos::Left),
                    ))
                    .map_err(chart_err)?;
                }
                _ => {
                    let (px, py) = chart.backend_coord(&(1.0, yc));
                    root.draw(&Text::new(
                        st.placeholder.clone(),
                        (px + 6, py),
                        text_style(14.0, &C_MUTED, HPos::Left),
                    ))
                    .map_err(chart_err)?;
                }
            }
        }
        let at: Vec<(i32, i32)> = (0..labels.len())
            .map(|i| chart.backend_coord(&(1.0, (n - i) as f64 - 0.5)))
            .collect();
        row_labels(&root, &at, &labels)?;
        root.present().map_err(chart_err)?;
    }
    let (svg, found) = finish(&raw, id, title, desc, &[C_PANEL], &[])?;
    check_marks(id, drawn, found)?;
    Ok(Chart {
        id: id.to_string(),
        svg,
        marks: found,
    })
}

/// One sorted probability curve.
pub struct Curve {
    pub colour: RGBColor,
    /// Probabilities (0..=1), any order; sorted here.
    pub values: Vec<f64>,
}

/// Sorted probability curves (in percent over the pool's rank in percent), with a
/// horizontal reference line at k/n when known.
pub fn probabilities(
    text: ChartText<'_>,
    curves: &[Curve],
    uniform: Option<f64>,
    (x_axis, y_axis): (&str, &str),
    s: &Strings,
) -> crate::base::error::Result<Chart> {
    let ChartText { id, title, desc } = text;
    let height = 420;
    let max = curves
        .iter()
        .flat_map(|c| c.values.iter().copied())
        .chain(uniform)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    // Probabilities end at 100 %: an axis to 120 % or 200 % would invite misreading.
    let y_max = if max * 100.0 * 1.08 > 80.0 {
        102.0
    } else {
        nice_max(max * 100.0 * 1.08)
    };
    let mut raw = String::new();
    let mut drawn = 0usize;
    {
        let root = SVGBackend::with_string(&mut raw, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(14)
            .margin_right(28)
            .margin_left(8)
            .x_label_area_size(50)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..100f64, 0f64..y_max)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_labels(11)
            .y_labels(8)
            .x_label_formatter(&|v| s.dec(*v, 0))
            .y_label_formatter(&|v| s.dec(*v, if y_max <= 5.0 { 1 } else { 0 }))
            .x_desc(x_axis)
            .y_desc(y_axis)
            .axis_desc_style((FONT, px(14.0)).into_font().color(&C_MUTED))
            .label_style((FONT, px(13.0)).into_font().color(&C_MUTED))
            .bold_line_style(C_GRID)
            .light_line_style(WHITE)
            .axis_style(C_MUTED)
            .draw()
            .map_err(chart_err)?;
        if let Some(u) = uniform {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, u * 100.0), (100.0, u * 100.0)],
                    C_REFERENCE.stroke_width(1),
                )))
                .map_err(chart_err)?;
        }
        for c in curves {
            let mut v: Vec<f64> = c.values.iter().copied().filter(|p| p.is_finite()).collect();
            if v.is_empty() {
                continue;
            }
            v.sort_by(f64::total_cmp);
            let len = v.len() as f64;
            // A step curve: person i occupies the rank interval [i, i+1)/n.
            let mut pts = Vec::with_capacity(v.len() * 2);
            for (i, p) in v.iter().enumerate() {
                pts.push((i as f64 / len * 100.0, p * 100.0));
                pts.push(((i + 1) as f64 / len * 100.0, p * 100.0));
            }
            chart
                .draw_series(LineSeries::new(pts, c.colour.stroke_width(3)))
                .map_err(chart_err)?;
            drawn += 1;
        }
        root.present().map_err(chart_err)?;
    }
    let colours: Vec<RGBColor> = curves.iter().map(|c| c.colour).collect();
    let (svg, found) = finish(&raw, id, title, desc, &[], &colours)?;
    check_marks(id, drawn, found)?;
    Ok(Chart {
        id: id.to_string(),
        svg,
        marks: found,
    })
}

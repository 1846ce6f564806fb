//! The report as a PDF for the council's information system (Ratsinformationssystem),
//! laid out by typst with the fonts bundled for the letters.
//!
//! The PDF is made from the very HTML page the report step writes, not from the data a
//! second time: every figure, every suppressed cell and every chart is the page's, so the
//! two cannot disagree. The page is sortes' own HTML with a small fixed set of elements
//! (headings, paragraphs, lists, tables, figures with an SVG chart and a legend,
//! definition lists); [`typst_source`] walks it once and writes typst markup, each text as
//! a typst string (so no character of the data can act as markup), each chart as an SVG
//! file of the typst world. Anything else is a rendering error, never silently dropped.

use crate::base::error::{Error, Result};
use std::fmt::Write as _;

/// Ends a cell in a row's buffer: a control character no text carries (`quote` drops
/// them all).
const CELL_END: char = '\u{1f}';

/// Files of the typst world besides the source: (absolute virtual path, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// Typst source and the chart files (`/chart-N.svg`) for the page `html`.
pub fn typst_source(html: &str, lang: &str) -> Result<(String, Files)> {
    let main = html
        .find("<main>")
        .and_then(|a| {
            let body = &html[a + 6..];
            body.find("</main>").map(|b| &body[..b])
        })
        .ok_or_else(|| Error::internal("the report page has no <main> element"))?;
    let mut w = Writer {
        out: String::new(),
        charts: Vec::new(),
        stack: Vec::new(),
        legend: false,
    };
    let _ = writeln!(
        w.out,
        "#set document(title: {})",
        quote(&title_of(html).unwrap_or_default())
    );
    let _ = writeln!(
        w.out,
        "#set page(paper: \"a4\", margin: (x: 2cm, y: 2cm), numbering: \"1 / 1\")\n\
         #set text(font: \"Libertinus Serif\", size: 10pt, lang: {})\n\
         #set par(justify: false)\n\
         #show heading.where(level: 1): set text(size: 18pt)\n\
         #show heading.where(level: 2): set text(size: 13pt)\n\
         #show heading.where(level: 3): set text(size: 11pt)\n\
         #set table(stroke: 0.4pt + luma(180), inset: 4pt)\n\
         #show table: set text(size: 8.5pt)",
        quote(lang)
    );
    let mut rest = main;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = after
                .find('>')
                .ok_or_else(|| Error::internal("an unclosed tag in the report page"))?;
            let tag = &after[..end];
            rest = &after[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                w.close(name.trim())?;
            } else if tag.starts_with("svg") {
                let close = rest
                    .find("</svg>")
                    .ok_or_else(|| Error::internal("an unclosed <svg> in the report page"))?;
                let svg = format!("<{tag}>{}</svg>", &rest[..close]);
                rest = &rest[close + 6..];
                w.chart(svg);
            } else {
                w.open(tag)?;
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            w.text(&rest[..end]);
            rest = &rest[end..];
        }
    }
    if let Some((name, _, _)) = w.stack.last() {
        return Err(Error::internal(format!(
            "the report page leaves <{name}> open"
        )));
    }
    Ok((w.out, w.charts))
}

/// The page title (`<title>`), decoded.
fn title_of(html: &str) -> Option<String> {
    let a = html.find("<title>")? + 7;
    let b = a + html[a..].find("</title>")?;
    Some(decode(&html[a..b]))
}

/// A typst string literal of `s`.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push(' '),
            c if c.is_control() => {}
            _ => q.push(c),
        }
    }
    q.push('"');
    q
}

/// Text of the page with its character references decoded (the page escapes only
/// `& < > " '` and writes `&nbsp;`).
fn decode(s: &str) -> String {
    s.replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in a start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let a = tag.find(&key)? + key.len();
    let b = a + tag[a..].find('"')?;
    Some(&tag[a..b])
}

/// An open element and what it collects.
enum Open {
    /// Markup into the output (containers, headings, paragraphs, list items …) with
    /// the text that closes it.
    Plain(&'static str),
    /// Skipped with everything inside (screen-reader captions, the legend's swatches
    /// are handled by `li`).
    Skip,
    /// A table: its rows (cells as typst content), the number of header rows.
    Table {
        /// Each row's cells and how many of its columns cells above it cover.
        rows: Vec<(Vec<String>, usize)>,
        header: usize,
        in_head: bool,
        /// Row spans of the cells of the row being collected.
        spans: Vec<usize>,
        /// Rows still covered by each spanning cell above.
        pending: Vec<usize>,
    },
    /// A table cell being collected, and the rows it spans.
    Cell { head: bool, rowspan: usize },
    /// A row.
    Row,
}

struct Writer {
    out: String,
    charts: Files,
    stack: Vec<(String, Open, String)>,
    /// Inside a chart's legend (its entries go on one line).
    legend: bool,
}

impl Writer {
    /// Where content goes now: the innermost cell being collected, or the output.
    fn sink(&mut self) -> &mut String {
        for (_, open, buf) in self.stack.iter_mut().rev() {
            if matches!(open, Open::Cell { .. }) {
                return buf;
            }
        }
        &mut self.out
    }

    fn skipping(&self) -> bool {
        self.stack.iter().any(|(_, o, _)| matches!(o, Open::Skip))
    }

    fn text(&mut self, raw: &str) {
        if self.skipping() {
            return;
        }
        let t = decode(raw);
        if t.trim().is_empty() {
            if !t.is_empty() {
                self.sink().push(' ');
            }
            return;
        }
        let q = quote(&t);
        let sink = self.sink();
        let _ = write!(sink, "#{q}");
    }

    fn chart(&mut self, svg: String) {
        if self.skipping() {
            return;
        }
        let name = format!("/chart-{}.svg", self.charts.len() + 1);
        let _ = writeln!(
            self.sink(),
            "\n#block(breakable: false, image({}, width: 100%))",
            quote(&name)
        );
        self.charts.push((name, svg.into_bytes()));
    }

    fn open(&mut self, tag: &str) -> Result<()> {
        let tag = tag.trim_end_matches('/').trim();
        let name = tag.split_whitespace().next().unwrap_or("").to_string();
        let class = attr(tag, "class").unwrap_or("");
        if self.skipping() || class.contains("sr-only") {
            self.stack.push((name, Open::Skip, String::new()));
            return Ok(());
        }
        let open = match name.as_str() {
            "br" => {
                self.sink().push_str(" \\\n");
                return Ok(());
            }
            "meta" | "img" => return Ok(()),
            "h1" => {
                self.sink().push_str("\n#heading(level: 1)[");
                Open::Plain("]\n")
            }
            "h2" => {
                self.sink().push_str("\n#heading(level: 2)[");
                Open::Plain("]\n")
            }
            "h3" => {
                self.sink().push_str("\n#heading(level: 3)[");
                Open::Plain("]\n")
            }
            "p" if class.contains("hint") || class.contains("note") => {
                self.sink().push_str("\n#par(text(size: 8.5pt)[");
                Open::Plain("])\n")
            }
            "p" | "figcaption" | "dt" | "dd" => {
                let bold = name == "dt" || name == "figcaption";
                self.sink()
                    .push_str(if bold { "\n#par(strong[" } else { "\n#par[" });
                Open::Plain(if bold { "])\n" } else { "]\n" })
            }
            "li" if self.legend => {
                // A legend entry on one line with the others: swatch, series name.
                self.sink().push_str("#h(1.2em)");
                Open::Plain("")
            }
            "li" => {
                self.sink().push_str("\n- ");
                Open::Plain("")
            }
            "ul" if class.contains("legend") => {
                self.legend = true;
                self.sink().push_str("\n#par[");
                Open::Plain("]\n")
            }
            "figure" => {
                // Legend, chart and caption stay on one page.
                self.sink().push_str("\n#block(breakable: false)[");
                Open::Plain("]\n")
            }
            "span" if class.contains("kpi-value") => {
                self.sink().push_str("#strong[");
                Open::Plain("] ")
            }
            "span" if class.contains("swatch") => {
                let colour = attr(tag, "style")
                    .and_then(|s| s.strip_prefix("background:"))
                    .unwrap_or("#888888");
                let _ = write!(
                    self.sink(),
                    "#box(width: 8pt, height: 8pt, fill: rgb({})) ",
                    quote(colour.trim())
                );
                Open::Plain("")
            }
            "strong" => {
                self.sink().push_str("#strong[");
                Open::Plain("]")
            }
            "code" => {
                self.sink()
                    .push_str("#text(font: \"DejaVu Sans Mono\", size: 0.85em)[");
                Open::Plain("]")
            }
            "small" => {
                self.sink().push_str("#text(size: 0.85em)[");
                Open::Plain("]")
            }
            "span" | "time" => Open::Plain(""),
            "section" | "article" | "header" | "footer" | "div" | "ul" | "ol" | "dl" => {
                Open::Plain("\n")
            }
            "table" => Open::Table {
                rows: Vec::new(),
                header: 0,
                in_head: false,
                spans: Vec::new(),
                pending: Vec::new(),
            },
            "thead" => {
                if let Some((_, Open::Table { in_head, .. }, _)) = self.stack.last_mut() {
                    *in_head = true;
                }
                return Ok(());
            }
            "tbody" | "tfoot" => return Ok(()),
            "tr" => Open::Row,
            "th" | "td" => {
                if attr(tag, "colspan").is_some() {
                    return Err(Error::internal(
                        "the report page has a cell spanning columns, which the PDF does not lay out",
                    ));
                }
                let rowspan = match attr(tag, "rowspan") {
                    None => 1,
                    Some(n) => n.parse::<usize>().map_err(|_| {
                        Error::internal(format!("a cell of the report page has rowspan {n:?}"))
                    })?,
                }
                .max(1);
                Open::Cell {
                    head: name == "th",
                    rowspan,
                }
            }
            other => {
                return Err(Error::internal(format!(
                    "the report page has an element <{other}> the PDF does not know"
                )));
            }
        };
        self.stack.push((name, open, String::new()));
        Ok(())
    }

    fn close(&mut self, name: &str) -> Result<()> {
        match name {
            "thead" => {
                if let Some((_, Open::Table { in_head, .. }, _)) = self.stack.last_mut() {
                    *in_head = false;
                }
                return Ok(());
            }
            "tbody" | "tfoot" => return Ok(()),
            _ => {}
        }
        let Some((open_name, open, buf)) = self.stack.pop() else {
            return Err(Error::internal(format!(
                "the report page closes </{name}> that is not open"
            )));
        };
        if open_name != name {
            return Err(Error::internal(format!(
                "the report page closes </{name}> inside <{open_name}>"
            )));
        }
        if open_name == "ul" {
            self.legend = false;
        }
        match open {
            Open::Skip => {}
            Open::Plain(end) => self.sink().push_str(end),
            Open::Cell { head, rowspan } => {
                let body = if head {
                    format!("[#strong[{buf}]]")
                } else {
                    format!("[{buf}]")
                };
                let content = if rowspan > 1 {
                    format!("table.cell(rowspan: {rowspan}){body}")
                } else {
                    body
                };
                if let Some((_, Open::Row, row)) = self.stack.last_mut() {
                    row.push_str(&content);
                    row.push(CELL_END);
                }
                // The rows below it have one cell less: remembered for their padding.
                if rowspan > 1
                    && let Some((_, Open::Table { spans, .. }, _)) = self
                        .stack
                        .iter_mut()
                        .rev()
                        .find(|(_, o, _)| matches!(o, Open::Table { .. }))
                {
                    spans.push(rowspan);
                }
            }
            Open::Row => {
                let cells: Vec<String> = buf
                    .split(CELL_END)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect();
                if let Some((
                    _,
                    Open::Table {
                        rows,
                        header,
                        in_head,
                        spans,
                        pending,
                    },
                    _,
                )) = self.stack.last_mut()
                {
                    if *in_head {
                        *header += 1;
                    }
                    // Columns of this row taken by cells spanning down from rows above.
                    let covered = pending.iter().filter(|&&n| n > 0).count();
                    for n in pending.iter_mut() {
                        *n = n.saturating_sub(1);
                    }
                    pending.extend(spans.drain(..).map(|n| n - 1));
                    rows.push((cells, covered));
                }
            }
            Open::Table { rows, header, .. } => {
                let columns = rows
                    .iter()
                    .map(|(c, covered)| c.len() + covered)
                    .max()
                    .unwrap_or(1)
                    .max(1);
                let _ = writeln!(
                    self.out,
                    "\n#table(columns: {columns}, align: (x, y) => if x == 0 {{ left }} else {{ right }},"
                );
                // Short rows (a total spanning columns) are padded with empty cells.
                let line = |(row, covered): &(Vec<String>, usize)| -> String {
                    let mut l = String::new();
                    for c in row {
                        l.push_str(c);
                        l.push_str(", ");
                    }
                    for _ in row.len() + covered..columns {
                        l.push_str("[], ");
                    }
                    l
                };
                if header > 0 {
                    self.out.push_str("table.header(");
                    for row in &rows[..header.min(rows.len())] {
                        self.out.push_str(&line(row));
                    }
                    self.out.push_str(
                        "),
",
                    );
                }
                for row in rows.iter().skip(header) {
                    self.out.push_str(&line(row));
                    self.out.push('\n');
                }
                self.out.push_str(")\n");
            }
        }
        Ok(())
    }
}

/// The page `html` as a PDF, and its page count.
pub fn pdf(html: &str, lang: &str) -> Result<(Vec<u8>, usize)> {
    let (source, charts) = typst_source(html, lang)?;
    let fonts = crate::letters::typeset::Fonts::bundled();
    crate::letters::typeset::document_pdf(
        std::path::Path::new("report.typ"),
        source,
        charts,
        &fonts,
        "sortes-report",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_never_acts_as_markup() {
        let html = "<html><title>T</title><main><h1>Bericht</h1>\
            <p>#set text(red) \"quoted\" \\ ] [x] $a$ &lt;b&gt; &amp; // not a comment</p>\
            <table><thead><tr><th>A</th><th>B</th></tr></thead>\
            <tbody><tr><th>*x*</th><td>1</td></tr><tr><td>2</td></tr></tbody></table></main></html>";
        let (src, charts) = typst_source(html, "de").unwrap();
        assert!(charts.is_empty());
        // The hostile paragraph is one typst string, decoded.
        assert!(
            src.contains(r##"#"#set text(red) \"quoted\" \\ ] [x] $a$ <b> & // not a comment""##),
            "{src}"
        );
        // Two columns; the short second row is padded.
        assert!(src.contains("#table(columns: 2"), "{src}");
        assert!(src.contains(r##"[#"2"], [], "##), "{src}");
        let (pdf, pages) = pdf(html, "de").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(pages, 1);
    }

    #[test]
    fn a_cell_spanning_rows_keeps_the_columns_in_place() {
        // The quota table's category cell spans its values' rows.
        let html = "<main><table><thead><tr><th>Category</th><th>Value</th><th>min</th></tr></thead>\
            <tbody><tr><th rowspan=\"2\">gender</th><td>m</td><td>23</td></tr>\
            <tr><td>w</td><td>23</td></tr><tr><th>age</th><td>16-24</td><td>4</td></tr></tbody></table></main>";
        let (src, _) = typst_source(html, "en").unwrap();
        assert!(src.contains("#table(columns: 3"), "{src}");
        assert!(
            src.contains(r##"table.cell(rowspan: 2)[#strong[#"gender"]], [#"m"], [#"23"], "##),
            "{src}"
        );
        // The second row has two cells of its own and no padding.
        assert!(src.contains("\n[#\"w\"], [#\"23\"], \n"), "{src}");
        assert!(!src.contains("[], "), "{src}");
        assert!(pdf(html, "en").is_ok());
        let colspan = "<main><table><tr><td colspan=\"2\">x</td></tr></table></main>";
        assert!(typst_source(colspan, "en").is_err());
    }

    #[test]
    fn an_unknown_element_is_an_error() {
        let e = typst_source("<main><blink>x</blink></main>", "en").unwrap_err();
        assert!(e.to_string().contains("<blink>"), "{e}");
        assert!(typst_source("<p>no main</p>", "en").is_err());
        assert!(typst_source("<main><p>x</div></main>", "en").is_err());
    }

    #[test]
    fn charts_become_files_of_the_world() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#;
        let html = format!("<main><figure><figcaption>C</figcaption>{svg}</figure></main>");
        let (src, charts) = typst_source(&html, "en").unwrap();
        assert_eq!(
            charts,
            vec![("/chart-1.svg".to_string(), svg.as_bytes().to_vec())]
        );
        assert!(
            src.contains(r#"image("/chart-1.svg", width: 100%)"#),
            "{src}"
        );
        assert!(pdf(&html, "en").is_ok());
    }
}

#[cfg(test)]
mod determinism {
    #[test]
    fn the_same_page_gives_the_same_bytes() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><text x="10" y="20" font-family="sans-serif" font-size="12">Einwohner 20.000</text><text x="10" y="40" font-family="sans-serif">Stadtbezirk Hörde</text></svg>"#;
        let html = format!("<main><h1>Bericht</h1><p>Text 123</p><figure>{svg}</figure></main>");
        let a = super::pdf(&html, "de").unwrap().0;
        for _ in 0..5 {
            assert!(super::pdf(&html, "de").unwrap().0 == a, "PDF bytes differ");
        }
        let plain = "<main><h1>Bericht</h1><p>Text 123</p></main>";
        let b = super::pdf(plain, "de").unwrap().0;
        for _ in 0..5 {
            assert!(
                super::pdf(plain, "de").unwrap().0 == b,
                "plain PDF bytes differ"
            );
        }
    }
}

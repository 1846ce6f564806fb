//! The same letters as one self-contained HTML file (for screen reading,
//! e-mail copies and checking). Every text is HTML-escaped here.

use super::markup::{Block, Span};
use super::{Kind, Letter};
use crate::base::process::letters::{Form, LettersConfig};
use crate::base::text::html_escape_into as esc;
use base64::prelude::{BASE64_STANDARD, Engine as _};
use std::fmt::Write;

fn spans(line: &[Span], out: &mut String) {
    for s in line {
        if s.b {
            out.push_str("<strong>");
            esc(&s.s, out);
            out.push_str("</strong>");
        } else {
            esc(&s.s, out);
        }
    }
}

fn lines(b: &Block, out: &mut String) {
    for (i, l) in b.lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        spans(l, out);
    }
}

const STYLE: &str = r#"
body { background: #eee; margin: 0; font-family: "Libertinus Serif", Georgia, serif; font-size: 11pt; }
.letter { background: #fff; width: 210mm; min-height: 297mm; box-sizing: border-box; margin: 10mm auto;
  padding: 12mm 20mm 22mm 25mm; position: relative; box-shadow: 0 0 3mm #aaa; }
.head { position: absolute; left: 125mm; top: 12mm; width: 75mm; }
.head .first { font-size: 15pt; font-weight: bold; }
.window { position: absolute; left: 20mm; width: 85mm; padding-left: 5mm; box-sizing: border-box; }
.return { font-size: 7pt; text-decoration: underline; }
.address { position: absolute; left: 0; right: 0; bottom: 0; height: 27.3mm; padding-left: 5mm; }
.info { position: absolute; left: 125mm; width: 75mm; font-size: 9pt; }
.info p { margin: 0 0 0.5em 0; }
.subject { font-weight: bold; font-size: 12pt; margin: 0 0 1.4em 0; }
h2 { font-size: 11pt; margin: 1.3em 0 0.5em 0; }
p { margin: 0 0 0.9em 0; }
ul { margin: 0 0 0.9em 0; padding-left: 1.2em; }
.check::before { content: ""; display: inline-block; width: 0.9em; height: 0.9em; border: 0.6pt solid #000; margin-right: 0.7em; vertical-align: -0.1em; }
.field { display: flex; gap: 0.5em; margin: 1.1em 0; }
.field span.line { flex: 1; border-bottom: 0.5pt solid #000; }
.qr { display: flex; gap: 5mm; align-items: center; margin: 1em 0; }
.qr img { width: 30mm; height: 30mm; image-rendering: pixelated; }
.pagebreak { border-top: 1px dashed #bbb; margin: 8mm 0; }
@media print {
  body { background: none; }
  .letter { margin: 0; box-shadow: none; break-after: page; }
  .pagebreak { border: 0; break-after: page; margin: 0; }
}
"#;

pub(crate) fn render(letters: &[Letter], cfg: &LettersConfig, kind: Kind) -> String {
    let (field_top, field_height) = match cfg.form {
        Form::A => (27.0, 40.0),
        Form::B => (45.0, 45.0),
    };
    let info_top = if cfg.form == Form::A { 32.0 } else { 50.0 };
    let body_top = field_top + field_height + 8.46 - 12.0;
    let mut o = String::with_capacity(letters.len() * 6000);
    o.push_str("<!DOCTYPE html>\n<html lang=\"");
    esc(&cfg.default_language, &mut o);
    o.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    esc(&cfg.forum.name, &mut o);
    o.push_str(" – ");
    o.push_str(kind.name());
    o.push_str("</title>\n<style>");
    o.push_str(STYLE);
    o.push_str("</style>\n</head>\n<body>\n");
    for (n, l) in letters.iter().enumerate() {
        let _ = write!(
            o,
            "<article class=\"letter\" id=\"letter-{}\" lang=\"",
            n + 1
        );
        esc(&l.lang, &mut o);
        // Arabic and other right-to-left languages; the address window stays left to right.
        if super::text::right_to_left(&l.lang) {
            o.push_str("\" dir=\"rtl");
        }
        o.push_str("\">\n<div class=\"head\" dir=\"ltr\">");
        for (i, h) in l.head.iter().enumerate() {
            o.push_str(if i == 0 {
                "<div class=\"first\">"
            } else {
                "<div>"
            });
            esc(h, &mut o);
            o.push_str("</div>");
        }
        let _ = write!(
            o,
            "</div>\n<div class=\"window\" dir=\"ltr\" style=\"top:{field_top}mm;height:{field_height}mm\"><div class=\"return\">"
        );
        esc(&l.return_line, &mut o);
        o.push_str("</div>");
        for note in &l.notes {
            o.push_str("<div>");
            esc(note, &mut o);
            o.push_str("</div>");
        }
        o.push_str("<div class=\"address\">");
        for (i, a) in l.address.iter().enumerate() {
            if i > 0 {
                o.push_str("<br>");
            }
            esc(a, &mut o);
        }
        let _ = write!(
            o,
            "</div></div>\n<div class=\"info\" style=\"top:{info_top}mm\">"
        );
        for b in &l.info {
            o.push_str("<p>");
            lines(b, &mut o);
            o.push_str("</p>");
        }
        let _ = write!(o, "</div>\n<div style=\"height:{body_top:.2}mm\"></div>\n");
        let mut in_list = false;
        for b in &l.blocks {
            if b.t == "item" && !in_list {
                o.push_str("<ul>");
                in_list = true;
            } else if b.t != "item" && in_list {
                o.push_str("</ul>\n");
                in_list = false;
            }
            match b.t {
                "subject" => {
                    o.push_str("<p class=\"subject\">");
                    lines(b, &mut o);
                    o.push_str("</p>\n");
                }
                "heading" => {
                    o.push_str("<h2>");
                    lines(b, &mut o);
                    o.push_str("</h2>\n");
                }
                "item" => {
                    o.push_str("<li>");
                    lines(b, &mut o);
                    o.push_str("</li>");
                }
                "check" => {
                    o.push_str("<p class=\"check\">");
                    lines(b, &mut o);
                    o.push_str("</p>\n");
                }
                "field" => {
                    o.push_str("<div class=\"field\"><span>");
                    lines(b, &mut o);
                    o.push_str("</span><span class=\"line\"></span></div>\n");
                }
                "qr" => {
                    o.push_str("<div class=\"qr\">");
                    if let Some(png) = &l.qr {
                        o.push_str("<img alt=\"QR\" src=\"data:image/png;base64,");
                        o.push_str(&BASE64_STANDARD.encode(png));
                        o.push_str("\">");
                    }
                    o.push_str("<div>");
                    lines(b, &mut o);
                    o.push_str("</div></div>\n");
                }
                "space" => {
                    let _ = writeln!(o, "<div style=\"height:{}em\"></div>", b.n);
                }
                "pagebreak" | "card" => o.push_str("<div class=\"pagebreak\"></div>\n"),
                _ => {
                    o.push_str("<p>");
                    lines(b, &mut o);
                    o.push_str("</p>\n");
                }
            }
        }
        if in_list {
            o.push_str("</ul>\n");
        }
        o.push_str("</article>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

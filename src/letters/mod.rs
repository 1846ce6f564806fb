//! Letters: invitations (stage 1) and the selected / reserve / not-selected
//! letters (stage 2), as one print-ready A4 PDF for window envelopes (DIN 5008),
//! one self-contained HTML file and a mail-merge CSV, all rendered in memory.
//!
//! The wording lives in template folders the office can change
//! (`<templates>/<lang>/*.txt`, tera with a small markup, see [`markup`]); the page
//! layout in `<templates>/layout.typ` (typst); settings in the `[letters]` table.
//! Names and addresses are data, never markup: tera escapes them for the text
//! markup, typst receives them as JSON, the HTML writer escapes them for HTML.
//!
//! Nothing here logs: messages and errors name letters by number, never a person.

mod error;
mod html;
pub mod markup;
pub mod step;
pub mod preview;
mod text;
pub(crate) mod typeset;

pub use crate::base::process::letters::{
    Allowance, Columns, Form, Forum, GenderValues, GlyphPolicy, LettersConfig, Meeting, Order,
    Privacy, ReplyCard, Sender, Signatory, Support,
};

use markup::Block;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Which letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invitation,
    Selected,
    Reserve,
    NotSelected,
}

impl Kind {
    /// Template file name (without `.txt`) and file-name prefix of single letters.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Selected => "selected",
            Kind::Reserve => "reserve",
            Kind::NotSelected => "not_selected",
        }
    }
}

/// One addressee: the columns of their row, and optionally a language code
/// (else taken from `language_column`, else `default_language`).
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    pub language: Option<String>,
    pub fields: BTreeMap<String, String>,
}

/// Everything a run produces, in memory; the caller writes the files atomically.
#[derive(Debug)]
pub struct Batch {
    pub pdf: Vec<u8>,
    pub html: String,
    pub mail_merge_csv: String,
    /// One PDF per letter (file name, bytes), when asked for.
    pub singles: Vec<(String, Vec<u8>)>,
    pub letters: usize,
    /// Pages of the batch PDF, duplex blank pages included.
    pub pages: usize,
    /// Characters no bundled font has, counted once per letter and character
    /// (only non-zero with `missing_glyphs = "warn"`).
    pub missing_glyphs: usize,
    /// Numbers (in print order, from 1) of the letters whose address does not fit the
    /// window's address zone (only with `address_overflow = "warn"`).
    pub address_overflow: Vec<usize>,
    /// Index into the recipients for each letter, in print order.
    pub order: Vec<usize>,
    /// Lower-case hex SHA-256 of `pdf`, `html` and `mail_merge_csv`, for the journal.
    pub pdf_sha256: String,
    pub html_sha256: String,
    pub mail_merge_sha256: String,
    /// Layout warnings from typst (about the template, never about data).
    pub warnings: Vec<String>,
}

/// A letter ready for layout; serialised as JSON for `layout.typ`.
#[derive(Debug, Serialize)]
pub(crate) struct Letter {
    lang: String,
    head: Vec<String>,
    return_line: String,
    notes: Vec<String>,
    address: Vec<String>,
    info: Vec<Block>,
    blocks: Vec<Block>,
    /// PNG of the reply link's QR code (one pixel per module), when the text
    /// has a `[[qr]]` block. A tiny image is much faster to lay out and smaller
    /// in the PDF than an SVG; typst scales it without smoothing.
    qr: Option<Vec<u8>>,
    reply_link: String,
    page_label: String,
    salutation: String,
    code: String,
    /// The back of a tear-off reply card (the lowest third of page 1), when the letter
    /// has a `[[card]]` and the card is torn off.
    card_back: Option<CardBack>,
}

/// The address side of a tear-off reply card: a postcard to the office.
#[derive(Debug, Serialize)]
pub(crate) struct CardBack {
    /// "Cut here" on the cut line.
    cut: String,
    /// "Reply" above the address.
    reply: String,
    /// The postage note in the stamp box.
    postage: String,
    address: Vec<String>,
}

/// What a render needs from the template folder besides the texts: the fonts
/// (bundled and `<templates>/fonts/`, indexed) and `layout.typ`. Loading them
/// once serves several renders, e.g. the three kinds of letters after the lottery.
pub struct Resources {
    template_dir: PathBuf,
    fonts: typeset::Fonts,
    layout_path: PathBuf,
    layout: String,
}

impl Resources {
    /// Loads the fonts and the layout of `template_dir`, and checks that
    /// `cfg.font` is among the fonts.
    pub fn load(template_dir: &Path, cfg: &LettersConfig) -> crate::base::error::Result<Resources> {
        let t_fonts = std::time::Instant::now();
        let fonts = typeset::Fonts::load(template_dir)?;
        crate::base::timing::phase("letters: fonts", t_fonts);
        if !fonts.has_family(&cfg.font) {
            return Err(error::config(format!(
                "font = \"{}\" is not among the bundled fonts (Libertinus Serif, New Computer Modern, \
                 DejaVu Sans Mono) nor in {}",
                cfg.font,
                template_dir.join("fonts").display()
            )));
        }
        let layout_path = template_dir.join("layout.typ");
        let layout = text::read_text(&layout_path)?;
        Ok(Resources {
            template_dir: template_dir.to_path_buf(),
            fonts,
            layout_path,
            layout,
        })
    }
}

/// Renders one kind of letter for all recipients.
pub fn render(
    kind: Kind,
    recipients: &[Recipient],
    cfg: &LettersConfig,
    template_dir: &Path,
    singles: bool,
) -> crate::base::error::Result<Batch> {
    let resources = Resources::load(template_dir, cfg)?;
    render_with(kind, recipients, cfg, &resources, singles)
}

/// Renders one kind of letter for all recipients with resources loaded before
/// (see [`Resources::load`]).
pub fn render_with(
    kind: Kind,
    recipients: &[Recipient],
    cfg: &LettersConfig,
    resources: &Resources,
    singles: bool,
) -> crate::base::error::Result<Batch> {
    let delimiter = u8::try_from(cfg.mail_merge_delimiter)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| {
            error::config("mail_merge_delimiter must be an ASCII character such as ; or ,")
        })?;
    if kind == Kind::Invitation && cfg.reply_card == Some(ReplyCard::TearOff) && !cfg.duplex {
        return Err(error::config(
            "reply_card = \"tear-off\" needs duplex = true: the card's questions are on the back \
             of its return address, so the sheet must be printed on both sides",
        ));
    }
    let template_dir = resources.template_dir.as_path();
    let fonts = &resources.fonts;
    // Measured once for the address check of every letter.
    let face = fonts.regular_face(&cfg.font);
    let layout_path = resources.layout_path.as_path();
    check_columns(recipients, cfg)?;

    // Languages: each recipient's, checked against the folders before any work.
    let langs: Vec<String> = recipients
        .iter()
        .enumerate()
        .map(|(i, r)| language_of(r, cfg, template_dir, i + 1))
        .collect::<Result<_, _>>()?;
    let needed: BTreeSet<&str> = langs.iter().map(String::as_str).collect();
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".txt"]);
    tera.set_escape_fn(markup::escape);
    let mut languages: HashMap<&str, text::Language> = HashMap::new();
    for &lang in &needed {
        let dir = template_dir.join(lang);
        for file in [format!("{}.txt", kind.name()), "letterhead.txt".into()] {
            if !dir.join(&file).is_file() {
                return Err(error::template(
                    dir.join(&file),
                    format!("this file is missing; every language folder needs {file}"),
                ));
            }
        }
        for path in text::template_files(&dir)? {
            let name = format!(
                "{lang}/{}",
                path.file_name()
                    .map(|f| f.to_string_lossy())
                    .unwrap_or_default()
            );
            let src = text::read_text(&path)?;
            tera.add_raw_template(&name, &src)
                .map_err(|e| text::tera_error(&e, template_dir, &name))?;
        }
        let strings = text::load_strings(&dir.join("strings.toml"))?;
        let common = text::common_values(cfg, &strings, lang)?;
        let common =
            tera::Context::from_serialize(&common).map_err(|e| error::config(e.to_string()))?;
        languages.insert(
            lang,
            text::Language {
                code: lang.to_string(),
                strings,
                common,
            },
        );
    }

    let t_prepare = std::time::Instant::now();
    let order = sort_order(recipients, cfg);
    let total = order.len();
    // Letters are prepared in parallel (tera and the checks are per letter);
    // the results keep the print order.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunk = total.div_ceil(threads).max(1);
    type Prepared = crate::base::error::Result<(Letter, usize, Option<usize>)>;
    let prepared: Vec<Prepared> = std::thread::scope(|scope| {
        let handles: Vec<_> = order
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let (tera, languages, langs, fonts, face) =
                    (&tera, &languages, &langs, fonts, &face);
                scope.spawn(move || {
                    let mut coverage: HashMap<char, bool> = HashMap::new();
                    part.iter()
                        .enumerate()
                        .map(|(k, &i)| {
                            let number = c * chunk + k + 1;
                            let lang = languages.get(langs[i].as_str()).ok_or_else(|| {
                                error::config(format!("language {} not loaded", langs[i]))
                            })?;
                            let letter = build_letter(
                                kind, &recipients[i], number, total, lang, cfg, tera, template_dir,
                            )?;
                            let missing = missing_chars(&letter, fonts, &mut coverage);
                            if let Some(ch) = missing.first()
                                && cfg.missing_glyphs == GlyphPolicy::Error
                            {
                                    return Err(error::data(number, format!(
                                            "the character U+{:04X} is in no bundled font and would print as an empty box; \
                                             add a font that has it to {} or set missing_glyphs = \"warn\"",
                                            *ch as u32,
                                            template_dir.join("fonts").display()
                                        )));
                            }
                            let overflow = address_overflow(&letter, face.as_ref());
                            if let Some(why) = &overflow
                                && cfg.address_overflow == GlyphPolicy::Error
                            {
                                return Err(error::data(number, format!(
                                    "{why}: shorten it in the register extract's columns or set address_overflow = \"warn\""
                                )));
                            }
                            Ok((letter, missing.len(), overflow.map(|_| number)))
                        })
                        .collect::<Vec<Prepared>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err(error::config("a letter thread failed"))])
            })
            .collect()
    });
    let mut letters = Vec::with_capacity(total);
    let mut missing_glyphs = 0;
    let mut address_overflow = Vec::new();
    for p in prepared {
        let (letter, missing, overflow) = p?;
        missing_glyphs += missing;
        address_overflow.extend(overflow);
        letters.push(letter);
    }

    crate::base::timing::phase("letters: texts (tera) and checks", t_prepare);
    let title = format!("{} – {}", cfg.forum.name, kind.name());
    let settings = json!({
        "title": title,
        "author": cfg.sender.authority,
        "font": cfg.font,
        "lang": cfg.default_language,
        "form": match cfg.form { Form::A => "A", Form::B => "B" },
        "duplex": cfg.duplex,
    });
    let data: Vec<serde_json::Value> = letters
        .iter()
        .map(|l| serde_json::to_value(l).unwrap_or_default())
        .collect();
    let mut set = typeset::typeset(
        layout_path,
        resources.layout.clone(),
        &settings,
        &data,
        fonts,
        cfg.duplex,
        &title,
        singles,
    )?;
    check_tear_off(&letters, &set, kind)?;
    let mut single_files = Vec::new();
    let mut names = Vec::with_capacity(total);
    for n in 0..letters.len() {
        let name = single_name(kind, n + 1);
        if singles {
            single_files.push((name.clone(), std::mem::take(&mut set.singles[n])));
        }
        names.push(name);
    }
    let t_html = std::time::Instant::now();
    let html = html::render(&letters, cfg, kind);
    let csv = mail_merge(&letters, &set.ranges, &names, singles, delimiter, kind)?;
    crate::base::timing::phase("letters: HTML and mail merge", t_html);
    let sha = |b: &[u8]| hex::encode(Sha256::digest(b));
    Ok(Batch {
        pdf_sha256: sha(&set.pdf),
        html_sha256: sha(html.as_bytes()),
        mail_merge_sha256: sha(csv.as_bytes()),
        pdf: set.pdf,
        html,
        mail_merge_csv: csv,
        singles: single_files,
        letters: total,
        pages: set.pages,
        missing_glyphs,
        address_overflow,
        order,
        warnings: set.warnings,
    })
}

/// A torn-off card belongs to one sheet: a text that runs onto a third page would
/// separate the card's questions (page 2) from the rest of the letter. And the card must
/// end above its foot (`layout.typ`: 297 mm less the 7 mm inset): what runs lower would
/// be cut off, off the sheet or where printers leave blank.
fn check_tear_off(
    letters: &[Letter],
    set: &typeset::Typeset,
    kind: Kind,
) -> crate::base::error::Result<()> {
    for (n, l) in letters.iter().enumerate() {
        if l.card_back.is_none() {
            continue;
        }
        let text = format!("{}/{}.txt", l.lang, kind.name());
        let (a, b) = set.ranges[n];
        if b + 1 - a != 2 {
            return Err(error::data(
                n + 1,
                format!(
                    "the invitation takes {} pages; with the tear-off reply card it must fit \
                     one sheet printed on both sides: shorten {text} or set reply_card = \"separate\"",
                    b + 1 - a
                ),
            ));
        }
        if let Some(bottom) = set.card_bottom_mm[n].filter(|b| *b > CARD_FOOT_MM) {
            return Err(error::data(
                n + 1,
                format!(
                    "the reply card runs {:.0} mm below the foot of the tear-off card: \
                     shorten the card in {text} or set reply_card = \"separate\"",
                    (bottom - CARD_FOOT_MM).ceil()
                ),
            ));
        }
    }
    Ok(())
}

/// The language folder of a recipient.
fn language_of(
    r: &Recipient,
    cfg: &LettersConfig,
    dir: &Path,
    letter: usize,
) -> crate::base::error::Result<String> {
    let from_column = cfg
        .language_column
        .as_ref()
        .and_then(|c| r.fields.get(c))
        .map(String::as_str);
    let lang = r
        .language
        .as_deref()
        .or(from_column)
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| cfg.default_language.clone());
    // Only plain folder names: a value like "../x" must not reach the file system.
    let plain = lang
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain || !dir.join(&lang).join("strings.toml").is_file() {
        let mut available: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().join("strings.toml").is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        available.sort();
        let shown = if plain {
            lang
        } else {
            "(not a language code)".into()
        };
        return Err(error::language(&shown, letter, &available, dir));
    }
    Ok(lang)
}

/// The file name of letter `number` of a batch printed as single files: the kind and
/// the number only (no code or name: file names show up in listings and logs).
pub fn single_name(kind: Kind, number: usize) -> String {
    format!("{}-{number:04}.pdf", kind.name())
}

/// Every column `[letters.columns]` names for the address and the code is in every
/// recipient's data (an address extra line, if named, too); the gender column may be
/// missing (then every letter gets the neutral salutation).
fn check_columns(recipients: &[Recipient], cfg: &LettersConfig) -> crate::base::error::Result<()> {
    let c = &cfg.columns;
    let mut needed: Vec<(&str, &String)> = vec![
        ("given_names", &c.given_names),
        ("family_name", &c.family_name),
        ("street", &c.street),
        ("house_number", &c.house_number),
        ("postcode", &c.postcode),
        ("city", &c.city),
        ("code", &c.code),
    ];
    // An optional address part is needed only where the process file names its column.
    for (key, col) in [
        ("doctorate", &c.doctorate),
        ("name_prefix", &c.name_prefix),
        ("house_number_suffix", &c.house_number_suffix),
        ("house_number_part", &c.house_number_part),
        ("address_extra", &c.address_extra),
    ] {
        if let Some(col) = col {
            needed.push((key, col));
        }
    }
    for (i, r) in recipients.iter().enumerate() {
        if let Some((key, col)) = needed.iter().find(|(_, col)| !r.fields.contains_key(*col)) {
            return Err(error::config(format!(
                "letters.columns.{key} names the column {col:?}, which the data of letter {} does not have (it has {})",
                i + 1,
                crate::base::text::quoted_list(r.fields.keys().map(String::as_str))
            )));
        }
    }
    Ok(())
}

/// Print order: postcode then name (postal discounts), code, or input order;
/// ties keep the input order, so the order is stable.
fn sort_order(recipients: &[Recipient], cfg: &LettersConfig) -> Vec<usize> {
    let mut order: Vec<usize> = (0..recipients.len()).collect();
    let get = |i: usize, col: &str| -> String {
        recipients[i]
            .fields
            .get(col)
            .map(|s| s.trim().to_lowercase())
            .unwrap_or_default()
    };
    let c = &cfg.columns;
    match cfg.order {
        Order::Input => {}
        Order::Code => order.sort_by_cached_key(|&i| get(i, &c.code)),
        Order::Postcode => order.sort_by_cached_key(|&i| {
            (
                get(i, &c.postcode),
                get(i, &c.family_name),
                get(i, &c.given_names),
            )
        }),
    }
    order
}

/// Percent-encodes a code for a URL query value.
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn build_letter(
    kind: Kind,
    r: &Recipient,
    number: usize,
    total: usize,
    lang: &text::Language,
    cfg: &LettersConfig,
    tera: &tera::Tera,
    dir: &Path,
) -> crate::base::error::Result<Letter> {
    let c = &cfg.columns;
    let f = |col: &str| r.fields.get(col).map(|v| v.trim()).unwrap_or("");
    let opt = |col: &Option<String>, default: &str| f(Columns::optional(col, default));
    let given = f(&c.given_names);
    let family = text::surname(opt(&c.name_prefix, "name_prefix"), f(&c.family_name));
    let family = family.as_str();
    let title = opt(&c.doctorate, "doctorate");
    let code = f(&c.code).to_string();
    if family.is_empty() && given.is_empty() || f(&c.postcode).is_empty() || f(&c.city).is_empty() {
        return Err(error::data(
            number,
            format!(
                "the address is incomplete (needs a name in {} or {}, and {} and {}); a letter cannot be posted without it",
                c.family_name, c.given_names, c.postcode, c.city
            ),
        ));
    }
    if kind == Kind::Invitation && code.is_empty() {
        return Err(error::data(
            number,
            format!("the application code (column {}) is empty", c.code),
        ));
    }
    let s = &lang.strings;
    let form = text::Form::of(f(&c.gender), cfg);
    let (sal, anrede) = match form {
        text::Form::Female => (&s.salutation_female, &s.address_title_female),
        text::Form::Male => (&s.salutation_male, &s.address_title_male),
        text::Form::Neutral => (&s.salutation_neutral, &s.address_title_neutral),
    };
    let sal = match &s.salutation_with_title {
        Some(t) if !title.is_empty() => t,
        _ => sal,
    };
    let salutation = text::fill_name(sal, title, given, family);
    let address = text::address_block(
        anrede,
        &[title, given, family],
        opt(&c.address_extra, "address_addition"),
        (
            f(&c.street),
            f(&c.house_number),
            opt(&c.house_number_suffix, "house_number_suffix"),
            opt(&c.house_number_part, "house_number_part"),
        ),
        (f(&c.postcode), f(&c.city)),
    );
    let reply_link = cfg.reply_link.replace("{code}", &url_encode(&code));

    let mut ctx = lang.common.clone();
    ctx.insert("recipient", &text::fields_value(&r.fields));
    ctx.insert(
        "person",
        &json!({ "given_names": given, "family_name": family, "form": form.name() }),
    );
    ctx.insert("salutation", &salutation);
    ctx.insert("code", &code);
    ctx.insert("reply_link", &reply_link);
    ctx.insert(
        "letter",
        &json!({ "number": number, "total": total, "kind": kind.name() }),
    );
    let info = text::render_blocks(tera, &format!("{}/letterhead.txt", lang.code), &ctx, dir)?;
    let blocks = text::render_blocks(
        tera,
        &format!("{}/{}.txt", lang.code, kind.name()),
        &ctx,
        dir,
    )?;
    let card_back = if blocks.iter().any(|b| b.t == "card")
        && cfg.reply_card() == ReplyCard::TearOff
    {
        let strings = |v: &Option<String>, key: &str| {
            v.clone().ok_or_else(|| {
                error::template(
                    dir.join(&lang.code).join("strings.toml"),
                    format!(
                        "{key} is missing; a tear-off reply card needs card_cut, card_reply and card_postage \
                         (or set reply_card = \"separate\")"
                    ),
                )
            })
        };
        let sender = &cfg.sender;
        Some(CardBack {
            cut: strings(&s.card_cut, "card_cut")?,
            reply: strings(&s.card_reply, "card_reply")?,
            postage: strings(&s.card_postage, "card_postage")?,
            address: [&sender.authority, &sender.office, &sender.street]
                .into_iter()
                .filter(|l| !l.is_empty())
                .cloned()
                .chain([format!("{} {}", sender.postcode, sender.city)])
                .collect(),
        })
    } else {
        None
    };
    let qr = if blocks.iter().any(|b| b.t == "qr") {
        Some(qr_png(&reply_link).map_err(|msg| error::data(number, msg))?)
    } else {
        None
    };
    Ok(Letter {
        lang: lang.code.clone(),
        head: cfg.sender.letterhead.clone(),
        return_line: text::return_line(cfg),
        notes: cfg.address_notes.clone(),
        address,
        info,
        blocks,
        qr,
        reply_link,
        page_label: s.page.clone(),
        salutation,
        code,
        card_back,
    })
}

/// QR code of the reply link as a grayscale PNG, one pixel per module, with
/// the 4-module quiet zone the standard asks for.
fn qr_png(link: &str) -> Result<Vec<u8>, String> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| {
            format!("the reply link does not fit in a QR code ({e}); shorten reply_link")
        })?;
    let (w, quiet) = (code.width(), 4);
    let size = w + 2 * quiet;
    let mut px = vec![255u8; size * size];
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            px[(i / w + quiet) * size + i % w + quiet] = 0;
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, size as u32, size as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    // fdeflate's fast mode: a few hundred bytes either way, and no 300 KB zlib state
    // built for each of 2,000 letters.
    enc.set_compression(png::Compression::Fast);
    let err = |e: png::EncodingError| format!("QR code image: {e}");
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(&px).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// The foot of the tear-off reply card, mm from the sheet's top (`layout.typ`:
/// 297 mm less the card's 7 mm bottom inset; half a millimetre for rounding).
const CARD_FOOT_MM: f64 = 290.5;

/// DIN 5008 address zone (Anschriftzone) of the window: 6 lines, 80 mm of text (85 mm
/// less the 5 mm inset of `layout.typ`), set at 11 pt.
const ADDRESS_LINES: usize = 6;
const ADDRESS_WIDTH_MM: f64 = 80.0;
const ADDRESS_SIZE_PT: f64 = 11.0;

/// Why a letter's address does not fit the address zone (the layout would clip it), or
/// `None`. Says how, never what (no address reaches the terminal).
/// `face`: the letters' regular font (`None`: not there, only the line count is checked).
fn address_overflow(l: &Letter, face: Option<&typst::text::FontInstance>) -> Option<String> {
    if l.address.len() > ADDRESS_LINES {
        return Some(format!(
            "the address has {} lines, the address field holds {ADDRESS_LINES}",
            l.address.len()
        ));
    }
    let mm_per_em = ADDRESS_SIZE_PT * 25.4 / 72.0;
    for (i, line) in l.address.iter().enumerate() {
        let width = typeset::width_em(face?, line) * mm_per_em;
        if width > ADDRESS_WIDTH_MM {
            return Some(format!(
                "line {} of the address is {width:.0} mm wide, the address field {ADDRESS_WIDTH_MM:.0} mm",
                i + 1
            ));
        }
    }
    None
}

/// Characters of a letter that no font has (each once).
fn missing_chars(l: &Letter, fonts: &typeset::Fonts, cache: &mut HashMap<char, bool>) -> Vec<char> {
    let mut missing = BTreeSet::new();
    let blocks = l.info.iter().chain(&l.blocks).flat_map(Block::text);
    let card = l
        .card_back
        .iter()
        .flat_map(|c| [&c.cut, &c.reply, &c.postage].into_iter().chain(&c.address));
    let strings = l
        .head
        .iter()
        .chain(&l.notes)
        .chain(&l.address)
        .chain(card)
        .map(String::as_str)
        .chain([l.return_line.as_str(), l.page_label.as_str()])
        .chain(blocks);
    for s in strings {
        for ch in s.chars().filter(|c| !c.is_whitespace() && !c.is_control()) {
            if !*cache.entry(ch).or_insert_with(|| fonts.covers(ch)) {
                missing.insert(ch);
            }
        }
    }
    missing.into_iter().collect()
}

/// A cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
/// tab or carriage return, e.g. a name typed as `=HYPERLINK(…)` on a reply card) gets a
/// leading apostrophe, so Excel and LibreOffice show it as text (OWASP's advice against
/// CSV injection). Names and addresses come from the register and from applicants.
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The CSV for a print shop's mail merge: one row per letter, in print order.
fn mail_merge(
    letters: &[Letter],
    ranges: &[(usize, usize)],
    names: &[String],
    singles: bool,
    delim: u8,
    kind: Kind,
) -> crate::base::error::Result<String> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delim)
        .from_writer(Vec::new());
    let io = |e: csv::Error| error::config(format!("mail-merge CSV: {e}"));
    w.write_record([
        "letter",
        "kind",
        "language",
        "return_line",
        "address_1",
        "address_2",
        "address_3",
        "address_4",
        "address_5",
        "address_6",
        "salutation",
        "code",
        "reply_link",
        "first_page",
        "pages",
        "file",
    ])
    .map_err(io)?;
    for (n, l) in letters.iter().enumerate() {
        let (a, b) = ranges[n];
        let mut row = vec![
            (n + 1).to_string(),
            kind.name().to_string(),
            l.lang.clone(),
            spreadsheet_safe(&l.return_line),
        ];
        row.extend((0..6).map(|k| spreadsheet_safe(l.address.get(k).map_or("", String::as_str))));
        row.extend([
            spreadsheet_safe(&l.salutation),
            l.code.clone(),
            l.reply_link.clone(),
            a.to_string(),
            (b + 1 - a).to_string(),
            if singles {
                names[n].clone()
            } else {
                String::new()
            },
        ]);
        w.write_record(&row).map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| error::config(format!("mail-merge CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| error::config(format!("mail-merge CSV: {e}")))
}

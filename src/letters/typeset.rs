//! PDF through typst used as a library: a virtual world that holds the layout
//! (`layout.typ` from the template folder), the letters as JSON data and the
//! bundled fonts. No system fonts and no files outside the world are read.

use super::error;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::ecow::EcoVec;
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::layout::{Frame, FrameItem};
use typst::model::DocumentInfo;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

/// The bundled fonts (typst-assets) and those in `<templates>/fonts/`.
pub(crate) struct Fonts {
    pub fonts: Vec<Font>,
    pub book: LazyHash<FontBook>,
}

impl Fonts {
    /// The fonts bundled with sortes (typst-assets) only.
    pub fn bundled() -> Fonts {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Fonts { fonts, book }
    }

    pub fn load(template_dir: &Path) -> crate::base::error::Result<Fonts> {
        let mut fonts = Self::bundled().fonts;
        let extra = template_dir.join("fonts");
        if extra.is_dir() {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(&extra)
                .map_err(|e| crate::base::error::Error::io(&extra.clone(), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        matches!(
                            e.to_ascii_lowercase().as_str(),
                            "ttf" | "otf" | "ttc" | "otc"
                        )
                    })
                })
                .collect();
            paths.sort();
            for p in paths {
                let data =
                    std::fs::read(&p).map_err(|e| crate::base::error::Error::io(&p.clone(), e))?;
                let before = fonts.len();
                fonts.extend(Font::iter(Bytes::new(data)));
                if fonts.len() == before {
                    return Err(error::template(
                        &p,
                        "this file is not a font typst can read",
                    ));
                }
            }
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Fonts { fonts, book })
    }

    pub fn has_family(&self, family: &str) -> bool {
        self.book.contains_family(&family.to_lowercase())
    }

    /// The regular upright face of `family`, for measuring text; `None` if the family
    /// has none.
    pub fn regular_face(&self, family: &str) -> Option<typst::text::FontInstance> {
        let family = family.to_lowercase();
        let font = self.fonts.iter().find(|f| {
            f.info().family.to_lowercase() == family
                && f.info().variant.weight == typst::text::FontWeight::REGULAR
                && f.info().variant.style == typst::text::FontStyle::Normal
        })?;
        Some(font.clone().instantiate(
            font.info().variant,
            typst::layout::Abs::pt(11.0),
            &Default::default(),
        ))
    }
}

/// The width of `text` in em of `face`, glyph by glyph (no kerning: a few hundredths of
/// an em wider than typst sets it, the safe side); a character the face lacks counts as
/// 0.6 em.
pub(crate) fn width_em(face: &typst::text::FontInstance, text: &str) -> f64 {
    text.chars()
        .map(|c| {
            face.ttf()
                .glyph_index(c)
                .and_then(|g| face.x_advance(g.0))
                .map_or(0.6, |a| a.get())
        })
        .sum()
}

impl Fonts {
    /// Whether some font has a glyph for `c` (typst falls back across all fonts).
    pub fn covers(&self, c: char) -> bool {
        self.fonts
            .iter()
            .any(|f| f.info().coverage.contains(c as u32))
    }
}

struct LetterWorld<'a> {
    library: LazyHash<Library>,
    fonts: &'a Fonts,
    main_id: FileId,
    main: Source,
    /// The other files of the world (the letters' JSON; the report's charts).
    files: Vec<(FileId, Bytes)>,
}

fn file_id(path: &str) -> FileId {
    // The two paths are constants without `..`, so VirtualPath accepts them.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("constant path {path}"));
    FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
}

impl World for LetterWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }
    fn main(&self) -> FileId {
        self.main_id
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main_id {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(PathBuf::from(format!(
                "{:?}",
                id.vpath()
            ))))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some((_, bytes)) = self.files.iter().find(|(f, _)| *f == id) {
            Ok(bytes.clone())
        } else if id == self.main_id {
            Ok(Bytes::from_string(self.main.text().to_string()))
        } else {
            Err(FileError::NotFound(PathBuf::from(format!(
                "{:?}",
                id.vpath()
            ))))
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }
    fn today(&self, _: Option<Duration>) -> Option<Datetime> {
        // Letters carry their date from the config; output stays reproducible.
        None
    }
}

pub(crate) struct Typeset {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// 1-based first and last page of each letter in the batch (without padding).
    pub ranges: Vec<(usize, usize)>,
    /// Each letter as its own (tagged) PDF, when asked for.
    pub singles: Vec<Vec<u8>>,
    /// How far down page 2's ink reaches (mm from the top), for letters whose data has
    /// a `card_back` (the tear-off reply card) and a second page.
    pub card_bottom_mm: Vec<Option<f64>>,
    /// Warnings of the layout (about the template, never about data).
    pub warnings: Vec<String>,
}

/// Letters laid out and exported at a time. The pages of a part are typst frames, about
/// 0.2 MB each; in parts of 200 the frames of 2,000 invitations (0.8 GB) are never all in
/// memory, and the parts' PDFs are joined at the end.
const PART: usize = 200;

/// Lays out every letter as its own small typst document, in parallel, and
/// joins the pages into one batch PDF. One big document would be much slower:
/// typst's page counters and states cost time quadratic in the document's length.
#[allow(clippy::too_many_arguments)]
pub(crate) fn typeset(
    layout_path: &Path,
    layout: String,
    settings: &serde_json::Value,
    letters: &[serde_json::Value],
    fonts: &Fonts,
    duplex: bool,
    title: &str,
    singles: bool,
) -> crate::base::error::Result<Typeset> {
    let main_id = file_id("/layout.typ");
    let data_id = file_id("/letters.json");
    let library = LazyHash::new(Library::builder().build());
    let main = Source::new(main_id, layout);
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    // The same for every letter: written as JSON once.
    let settings_json = &settings.to_string();
    let info = DocumentInfo {
        title: Some(title.into()),
        author: settings
            .get("author")
            .and_then(|a| a.as_str())
            .map(|a| vec![a.into()])
            .unwrap_or_default(),
        ..Default::default()
    };
    let (mut t_layout, mut t_pdf) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let mut parts = Vec::with_capacity(letters.len().div_ceil(PART));
    let mut ranges = Vec::with_capacity(letters.len());
    let mut single_pdfs = Vec::new();
    let mut card_bottom_mm = Vec::with_capacity(letters.len());
    let mut warnings: Vec<String> = Vec::new();
    let mut page_count = 0;
    for (p, part) in letters.chunks(PART).enumerate() {
        let started = std::time::Instant::now();
        let chunk = part.len().div_ceil(threads).max(1);
        type One = crate::base::error::Result<(PagedDocument, Vec<String>)>;
        let results: Vec<One> = std::thread::scope(|scope| {
            let handles: Vec<_> = part
                .chunks(chunk)
                .map(|share| {
                    let (library, main) = (&library, &main);
                    scope.spawn(move || {
                        share
                            .iter()
                            .enumerate()
                            .map(|(k, letter)| {
                                let world = LetterWorld {
                                    library: library.clone(),
                                    fonts,
                                    main_id,
                                    main: main.clone(),
                                    files: Vec::new(),
                                };
                                let one = compile_letter(
                                    world,
                                    data_id,
                                    settings_json,
                                    letter,
                                    layout_path,
                                );
                                // typst memoises with comemo, whose caches only grow: every
                                // 8 letters drop what no letter used in the last rounds of all
                                // threads (the layout and fonts, used by every letter, stay).
                                // After each letter it cost 5 % of the layout's time.
                                if k % 8 == 7 {
                                    typst::comemo::evict(2 * threads);
                                }
                                one
                            })
                            .collect::<Vec<One>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![Err(error::template(
                            layout_path,
                            "the layout thread failed",
                        ))]
                    })
                })
                .collect()
        });
        let mut pages = EcoVec::new();
        for (i, r) in results.into_iter().enumerate() {
            let (doc, w) = r?;
            for w in w {
                // The same template warning repeats for every letter; keep it once.
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            let first = page_count + pages.len() + 1;
            pages.extend(doc.pages().iter().cloned());
            ranges.push((first, page_count + pages.len()));
            let letter = &part[i];
            card_bottom_mm.push(
                doc.pages()
                    .get(1)
                    .filter(|_| tear_off(letter))
                    .map(|page| ink_bottom_mm(&page.frame)),
            );
            if singles {
                single_pdfs.push(
                    typst_pdf::pdf(&doc, &pdf_options(true))
                        .map_err(|errs| error::template(layout_path, first_message(&errs)))?,
                );
            }
            // Duplex: the next letter starts on a new sheet, so pad odd page counts.
            if duplex
                && p * PART + i + 1 < letters.len()
                && doc.pages().len() % 2 == 1
                && let Some(last) = doc.pages().last()
            {
                let mut blank = last.clone();
                blank.frame = Frame::hard(last.frame.size());
                blank.number += 1;
                pages.push(blank);
            }
        }
        t_layout += started.elapsed();
        // The layout caches are of no use to the PDF export: their memory serves it instead.
        typst::comemo::evict(0);
        page_count += pages.len();
        let batch = PagedDocument::new(pages, info.clone());
        // Untagged: the letters were laid out apart, so their structure tags cannot
        // be joined; print shops need none. Single files keep their tags.
        let started = std::time::Instant::now();
        parts.push(
            typst_pdf::pdf(&batch, &pdf_options(false))
                .map_err(|errs| error::template(layout_path, first_message(&errs)))?,
        );
        t_pdf += started.elapsed();
    }
    crate::base::timing::took("letters: typst layout", t_layout);
    let started = std::time::Instant::now();
    let pdf = join_pdfs(parts).map_err(|e| {
        error::template(
            layout_path,
            format!("joining the letters' PDF parts failed: {e}"),
        )
    })?;
    crate::base::timing::took("letters: PDF export", t_pdf + started.elapsed());
    Ok(Typeset {
        pdf,
        pages: page_count,
        ranges,
        singles: single_pdfs,
        card_bottom_mm,
        warnings,
    })
}

/// One PDF of the pages of `parts` (whole PDFs from typst, untagged, one page tree
/// each), in order: every part's objects renumbered after the previous part's, one page
/// tree over all pages, the first part's catalog entries (language, reading direction)
/// and document information. The parts' XMP metadata (which counts their pages) is left
/// out. The same parts give the same bytes.
fn join_pdfs(mut parts: Vec<Vec<u8>>) -> Result<Vec<u8>, String> {
    use lopdf::{Dictionary, Document, Object, ObjectId};
    if parts.len() == 1 {
        return Ok(parts.pop().unwrap_or_default());
    }
    let err = |e: lopdf::Error| e.to_string();
    let mut out = Document::with_version("1.7");
    let tree = out.new_object_id();
    let mut kids: Vec<Object> = Vec::new();
    let mut catalog = Dictionary::new();
    for (n, part) in parts.iter().enumerate() {
        let mut doc = Document::load_mem(part).map_err(err)?;
        doc.renumber_objects_with(out.max_id + 1);
        let root = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(err)?;
        let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
        let part_catalog = doc.get_dictionary(root).map_err(err)?.clone();
        let metadata = part_catalog
            .get(b"Metadata")
            .and_then(Object::as_reference)
            .ok();
        let page_tree = part_catalog
            .get(b"Pages")
            .and_then(Object::as_reference)
            .map_err(err)?;
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        if n == 0 {
            catalog = part_catalog;
            catalog.remove(b"Metadata");
            if let Some(info) = info {
                out.trailer.set("Info", Object::Reference(info));
            }
            if let Ok(id) = doc.trailer.get(b"ID") {
                out.trailer.set("ID", id.clone());
            }
        }
        let skip = [
            Some(root),
            Some(page_tree),
            metadata,
            if n == 0 { None } else { info },
        ];
        for (id, mut object) in std::mem::take(&mut doc.objects) {
            if skip.contains(&Some(id)) {
                continue;
            }
            if pages.contains(&id)
                && let Object::Dictionary(page) = &mut object
            {
                page.set("Parent", Object::Reference(tree));
            }
            out.objects.insert(id, object);
        }
        out.max_id = out.max_id.max(doc.max_id);
        kids.extend(pages.into_iter().map(Object::Reference));
    }
    let count = i64::try_from(kids.len()).map_err(|e| e.to_string())?;
    out.objects.insert(
        tree,
        Object::Dictionary(Dictionary::from_iter([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Count", Object::Integer(count)),
            ("Kids", Object::Array(kids)),
        ])),
    );
    catalog.set("Pages", Object::Reference(tree));
    let root = out.add_object(Object::Dictionary(catalog));
    out.trailer.set("Root", Object::Reference(root));
    let mut bytes = Vec::new();
    out.save_to(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// One typst document (`main`, with `files` at the given absolute virtual paths) as a
/// tagged PDF with a fixed identifier and no time stamp, and its page count. `path`
/// names the source in errors.
pub(crate) fn document_pdf(
    path: &Path,
    main: String,
    files: Vec<(String, Vec<u8>)>,
    fonts: &Fonts,
    ident: &str,
) -> crate::base::error::Result<(Vec<u8>, usize)> {
    let main_id = file_id("/main.typ");
    let mut world_files = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let vpath = VirtualPath::new(&name)
            .map_err(|_| error::template(path, format!("bad file name {name:?}")))?;
        world_files.push((
            FileId::new(RootedPath::new(VirtualRoot::Project, vpath)),
            Bytes::new(bytes),
        ));
    }
    let world = LetterWorld {
        library: LazyHash::new(Library::builder().build()),
        fonts,
        main_id,
        main: Source::new(main_id, main),
        files: world_files,
    };
    let (doc, _) = compile_one(&world, path)?;
    let pdf = typst_pdf::pdf(&doc, &pdf_options_as(ident, true))
        .map_err(|errs| error::template(path, first_message(&errs)))?;
    Ok((pdf, doc.pages().len()))
}

/// Lays out one letter (its data beside the settings) as its own document. A tear-off
/// letter that ended on page 1 has its card there: once more with a page break before
/// the card (rare; see layout.typ).
fn compile_letter(
    mut world: LetterWorld,
    data_id: FileId,
    settings: &str,
    letter: &serde_json::Value,
    layout_path: &Path,
) -> crate::base::error::Result<(PagedDocument, Vec<String>)> {
    let data = |letter: &serde_json::Value| {
        let json = format!("{{\"settings\":{settings},\"letters\":[{letter}]}}");
        vec![(data_id, Bytes::from_string(json))]
    };
    world.files = data(letter);
    let one = compile_one(&world, layout_path);
    if tear_off(letter) && one.as_ref().is_ok_and(|(doc, _)| doc.pages().len() == 1) {
        let mut letter = letter.clone();
        letter["card_page_break"] = serde_json::Value::Bool(true);
        world.files = data(&letter);
        return compile_one(&world, layout_path);
    }
    one
}

/// Whether a letter's data has the back of a tear-off reply card.
fn tear_off(letter: &serde_json::Value) -> bool {
    letter.get("card_back").is_some_and(|c| !c.is_null())
}

fn compile_one(
    world: &LetterWorld,
    layout_path: &Path,
) -> crate::base::error::Result<(PagedDocument, Vec<String>)> {
    let warned = typst::compile::<PagedDocument>(world);
    let warnings = warned
        .warnings
        .iter()
        .map(|d| diag_error(world, layout_path, Some(d)).to_string())
        .collect();
    let doc = warned
        .output
        .map_err(|errs| diag_error(world, layout_path, errs.first()))?;
    Ok((doc, warnings))
}

fn first_message(errs: &[SourceDiagnostic]) -> String {
    errs.first().map_or_else(
        || "PDF export failed".to_string(),
        |d| d.message.to_string(),
    )
}

fn pdf_options(tagged: bool) -> typst_pdf::PdfOptions {
    pdf_options_as("sortes-letters", tagged)
}

/// PDF options with a fixed identifier and no timestamp: the same input, the same bytes.
fn pdf_options_as(ident: &str, tagged: bool) -> typst_pdf::PdfOptions {
    typst_pdf::PdfOptions {
        ident: Smart::Custom(ident.to_string()),
        timestamp: None,
        tagged,
        ..Default::default()
    }
}

fn diag_error(
    world: &LetterWorld,
    path: &Path,
    d: Option<&SourceDiagnostic>,
) -> crate::base::error::Error {
    let Some(d) = d else {
        return error::template(path, "typst failed without a message");
    };
    let (line, column) = world
        .range(d.span)
        .map(|r| super::text::line_col(world.main.text(), r.start))
        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
    let mut msg = d.message.to_string();
    for h in &d.hints {
        msg.push_str(&format!(" (hint: {})", h.v));
    }
    error::template_at(path, line, column, msg)
}

/// How far down `frame` its ink reaches, in mm from the top: text (the lowest baseline
/// plus 0.3 of its font size, for descenders), lines and boxes (with their stroke) and
/// images. Groups are followed with their translation (the letters' layout uses no other
/// transform).
pub(crate) fn ink_bottom_mm(frame: &Frame) -> f64 {
    fn walk(frame: &Frame, dy: f64, low: &mut f64) {
        for (p, item) in frame.items() {
            match item {
                FrameItem::Group(g) => {
                    walk(&g.frame, dy + p.y.to_pt() + g.transform.ty.to_pt(), low)
                }
                FrameItem::Text(t) => *low = low.max(dy + p.y.to_pt() + 0.3 * t.size.to_pt()),
                FrameItem::Shape(shape, _) => {
                    *low = low.max(dy + p.y.to_pt() + shape.bbox(true).max.y.to_pt());
                }
                FrameItem::Image(_, size, _) => *low = low.max(dy + p.y.to_pt() + size.y.to_pt()),
                _ => {}
            }
        }
    }
    let mut low = 0.0;
    walk(frame, 0.0, &mut low);
    low * 25.4 / 72.0
}

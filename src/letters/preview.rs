//! Pages of a finished PDF as PNG images, for looking at letters before they are posted
//! (the workbench's preview). The PDF is rasterised by hayro, a PDF renderer in pure Rust
//! that typst already depends on; the letters' fonts are embedded in the PDF, so nothing
//! else is read.

use crate::base::error::{Error, Result};

/// Page `page` (counted from 1) of `pdf` as a PNG, `dpi` dots per inch on a white
/// background. Takes the bytes: a city's letters PDF is large, and the renderer keeps it.
pub fn page_png(pdf: Vec<u8>, page: usize, dpi: u32) -> Result<Vec<u8>> {
    let doc = parse(pdf)?;
    let pages = doc.pages();
    let Some(p) = page.checked_sub(1).and_then(|i| pages.get(i)) else {
        return Err(Error::refused(format!(
            "the PDF has {} pages, there is no page {page}",
            pages.len()
        )));
    };
    render(p, dpi)
}

/// The first `count` pages of `pdf` (fewer if it has fewer) as PNGs: the file parsed once.
pub fn first_pages_png(pdf: Vec<u8>, count: usize, dpi: u32) -> Result<Vec<Vec<u8>>> {
    let doc = parse(pdf)?;
    doc.pages()
        .iter()
        .take(count)
        .map(|p| render(p, dpi))
        .collect()
}

fn parse(pdf: Vec<u8>) -> Result<hayro::hayro_syntax::Pdf> {
    hayro::hayro_syntax::Pdf::new(pdf)
        .map_err(|_| Error::refused("this file is not a PDF that can be shown as pictures"))
}

fn render(p: &hayro::hayro_syntax::page::Page<'_>, dpi: u32) -> Result<Vec<u8>> {
    // PDF units are 1/72 inch.
    let scale = dpi as f32 / 72.0;
    let settings = hayro::RenderSettings {
        x_scale: scale,
        y_scale: scale,
        bg_color: hayro::vello_cpu::color::palette::css::WHITE,
        ..Default::default()
    };
    let pixmap = hayro::render(
        p,
        &hayro::RenderCache::new(),
        &hayro::hayro_interpret::InterpreterSettings::default(),
        &settings,
    );
    let (w, h) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    let rgba: Vec<u8> = pixmap
        .take_unpremultiplied()
        .into_iter()
        .flat_map(|c| [c.r, c.g, c.b, c.a])
        .collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let png_err = |e: png::EncodingError| Error::internal(format!("PNG encoding failed: {e}"));
    let mut writer = enc.write_header().map_err(png_err)?;
    writer.write_image_data(&rgba).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}

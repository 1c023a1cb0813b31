//! PDF: each page's text layer (pdf-extract) when it has a usable one, else
//! the page's largest embedded image, taken out with lopdf and decoded here
//! (DCT, Flate/LZW, CCITT Group 3/4, raw). No external rasteriser.
//!
//! Both libraries have sharp edges on damaged files: pdf-extract panics, and
//! lopdf may load a broken file as zero pages without an error. Panics are
//! contained by the caller; zero pages is reported as [`InputError::NoPages`].

use super::{Limits, PageImage, RawPage};
use crate::error::InputError;
use image::GrayImage;
use lopdf::{Document, Object, ObjectId};

/// A page with fewer letters or digits than this in its text layer is
/// treated as a scan (its text layer, if any, is noise such as a page number).
const MIN_TEXT_LAYER_CHARS: usize = 16;

pub struct PdfFile {
    doc: Document,
    pages: Vec<ObjectId>,
}

impl PdfFile {
    pub(super) fn open(bytes: &[u8], limits: &Limits) -> Result<PdfFile, InputError> {
        if !bytes.starts_with(b"%PDF") && !bytes[..bytes.len().min(1024)].windows(5).any(|w| w == b"%PDF-") {
            return Err(InputError::corrupt("pdf", "no %PDF header"));
        }
        let mut doc = match Document::load_mem(bytes) {
            Ok(doc) => doc,
            Err(lopdf::Error::Decryption(_)) | Err(lopdf::Error::InvalidPassword) => return Err(InputError::Encrypted),
            Err(e) => return Err(InputError::corrupt("pdf", e)),
        };
        if doc.is_encrypted() {
            // Files with only an owner password open with the empty user password.
            if doc.decrypt("").is_err() {
                return Err(InputError::Encrypted);
            }
        }
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        if pages.is_empty() {
            return Err(InputError::NoPages);
        }
        if pages.len() > limits.max_pages as usize {
            return Err(InputError::Unsupported(format!(
                "pdf with {} pages (limit {})",
                pages.len(),
                limits.max_pages
            )));
        }
        Ok(PdfFile { doc, pages })
    }

    pub(super) fn page_count(&self) -> u32 {
        self.pages.len() as u32
    }

    pub(super) fn page(&self, n: u32, limits: &Limits) -> Result<RawPage, InputError> {
        let id = *self.pages.get(n as usize - 1).ok_or_else(|| InputError::corrupt("pdf", format!("no page {n}")))?;
        // A panic in pdf-extract on this page only loses its text layer.
        let text = crate::error::contain_panic("reading a pdf text layer", || Ok(self.text_layer(n))).ok().flatten();
        if let Some(text) = text {
            return Ok(RawPage::Text(text));
        }
        self.page_image(id, limits).map(RawPage::Image)
    }

    fn text_layer(&self, n: u32) -> Option<String> {
        let mut text = String::new();
        let mut out = pdf_extract::PlainTextOutput::new(&mut text);
        pdf_extract::output_doc_page(&self.doc, &mut out, n).ok()?;
        let useful = text.chars().filter(|c| c.is_alphanumeric()).count();
        (useful >= MIN_TEXT_LAYER_CHARS).then(|| text.trim().to_string())
    }

    fn page_image(&self, page: ObjectId, limits: &Limits) -> Result<PageImage, InputError> {
        let images =
            self.doc.get_page_images(page).map_err(|e| InputError::corrupt("pdf", format!("page resources: {e}")))?;
        let largest = images
            .iter()
            .filter(|i| i.width > 0 && i.height > 0)
            .max_by_key(|i| i.width.saturating_mul(i.height))
            .ok_or(InputError::EmptyPdfPage)?;
        limits.check(largest.width as u64, largest.height as u64)?;
        let stream =
            self.doc.get_object(largest.id).and_then(Object::as_stream).map_err(|e| InputError::corrupt("pdf", e))?;
        let (w, h) = (largest.width as u32, largest.height as u32);
        let filters: Vec<String> = largest.filters.clone().unwrap_or_default();
        let last = filters.last().map(String::as_str).unwrap_or("");
        let mut gray = match last {
            "DCTDecode" | "DCT" => {
                let img = image::load_from_memory_with_format(&stream.content, image::ImageFormat::Jpeg)
                    .map_err(|e| InputError::corrupt("pdf", format!("embedded jpeg: {e}")))?;
                img.to_luma8()
            }
            "CCITTFaxDecode" | "CCF" => ccitt(stream, w, h)?,
            "JBIG2Decode" | "JPXDecode" => {
                return Err(InputError::Unsupported(format!("pdf image encoding {last}")));
            }
            _ => {
                let data = stream
                    .decompressed_content()
                    .map_err(|e| InputError::corrupt("pdf", format!("image stream ({}): {e}", filters.join(","))))?;
                raw_samples(&self.doc, stream, &data, w, h)?
            }
        };
        if decode_inverted(stream) {
            image::imageops::invert(&mut gray);
        }
        super::normalise_polarity(&mut gray);
        // Resolution from the page's size: the image fills (most of) the page.
        let dpi = media_width_points(&self.doc, page).map(|pts| w as f32 / (pts / 72.0));
        Ok(PageImage { gray, dpi })
    }
}

fn media_width_points(doc: &Document, page: ObjectId) -> Option<f32> {
    let mut dict = doc.get_dictionary(page).ok()?;
    // MediaBox is inheritable from the page tree.
    for _ in 0..32 {
        if let Ok(mb) = dict.get(b"MediaBox").and_then(Object::as_array) {
            let n: Vec<f32> = mb.iter().filter_map(|o| o.as_float().ok()).collect();
            return (n.len() == 4).then(|| (n[2] - n[0]).abs()).filter(|w| *w > 0.0);
        }
        let parent = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn decode_params(stream: &lopdf::Stream) -> Option<&lopdf::Dictionary> {
    match stream.dict.get(b"DecodeParms").ok()? {
        Object::Dictionary(d) => Some(d),
        Object::Array(a) => a.iter().rev().find_map(|o| o.as_dict().ok()),
        _ => None,
    }
}

/// `/Decode [1 0]` inverts gray samples.
fn decode_inverted(stream: &lopdf::Stream) -> bool {
    let Ok(arr) = stream.dict.get(b"Decode").and_then(Object::as_array) else {
        return false;
    };
    let first = arr.first().and_then(|o| o.as_float().ok());
    let second = arr.get(1).and_then(|o| o.as_float().ok());
    matches!((first, second), (Some(a), Some(b)) if a > b)
}

fn ccitt(stream: &lopdf::Stream, w: u32, h: u32) -> Result<GrayImage, InputError> {
    let params = decode_params(stream);
    let int = |key: &[u8], default: i64| {
        params.and_then(|p| p.get(key).ok()).and_then(|o| o.as_i64().ok()).unwrap_or(default)
    };
    let k = int(b"K", 0);
    let columns = int(b"Columns", w as i64);
    if columns != w as i64 || w > u16::MAX as u32 || h > u16::MAX as u32 {
        return Err(InputError::Unsupported("ccitt image wider than 65535 pixels or with odd columns".into()));
    }
    let mut out = Vec::with_capacity(w as usize * h as usize);
    let mut push_line = |transitions: &[u16]| {
        if out.len() < w as usize * h as usize {
            out.extend(fax::decoder::pels(transitions, w as u16).map(|c| match c {
                fax::Color::Black => 0u8,
                fax::Color::White => 255u8,
            }));
        }
    };
    let bytes = stream.content.iter().copied();
    let ok = if k < 0 {
        fax::decoder::decode_g4(bytes, w as u16, Some(h as u16), &mut push_line)
    } else {
        fax::decoder::decode_g3(bytes, &mut push_line)
    };
    if ok.is_none() && out.is_empty() {
        return Err(InputError::corrupt("pdf", "ccitt image data cannot be decoded"));
    }
    // A short image is padded white: keep what was decoded.
    out.resize(w as usize * h as usize, 255);
    GrayImage::from_raw(w, h, out).ok_or_else(|| InputError::corrupt("pdf", "ccitt image size"))
}

/// Uncompressed samples (after Flate/LZW) to gray, by colour space and depth.
fn raw_samples(doc: &Document, stream: &lopdf::Stream, data: &[u8], w: u32, h: u32) -> Result<GrayImage, InputError> {
    let dict = &stream.dict;
    let image_mask = dict.get(b"ImageMask").and_then(Object::as_bool).unwrap_or(false);
    let bpc = if image_mask { 1 } else { dict.get(b"BitsPerComponent").and_then(Object::as_i64).unwrap_or(8) };
    let space = color_space(doc, dict);
    let comps: usize = match space.as_deref() {
        Some("DeviceGray") | Some("CalGray") | Some("Indexed") => 1,
        Some("DeviceRGB") | Some("CalRGB") | Some("Lab") => 3,
        Some("DeviceCMYK") => 4,
        _ if image_mask => 1,
        // ICCBased and unknown spaces: infer the component count from the data size.
        _ => {
            let per_row = |c: usize| (w as usize * c * bpc as usize).div_ceil(8);
            (1..=4).find(|&c| per_row(c) * h as usize == data.len()).unwrap_or(1)
        }
    };
    if space.as_deref() == Some("Indexed") {
        return Err(InputError::Unsupported("pdf image with an indexed colour space".into()));
    }
    let short = || InputError::corrupt("pdf", "image data shorter than its size");
    match (bpc, comps) {
        (1, 1) => super::unpack_bits(data, w, h, image_mask).ok_or_else(short),
        (8, c) | (16, c) => {
            let bytes_per = if bpc == 16 { 2 } else { 1 };
            let stride = w as usize * c * bytes_per;
            if data.len() < stride * h as usize {
                return Err(short());
            }
            let mut out = Vec::with_capacity(w as usize * h as usize);
            for row in data.chunks_exact(stride).take(h as usize) {
                for px in row.chunks_exact(c * bytes_per) {
                    let s = |i: usize| px[i * bytes_per] as u32;
                    out.push(match c {
                        1 => s(0) as u8,
                        3 => ((s(0) * 299 + s(1) * 587 + s(2) * 114) / 1000) as u8,
                        4 => 255u32.saturating_sub((s(0) * 30 + s(1) * 59 + s(2) * 11) / 100 + s(3)) as u8,
                        _ => s(0) as u8,
                    });
                }
            }
            GrayImage::from_raw(w, h, out).ok_or_else(short)
        }
        _ => Err(InputError::Unsupported(format!("pdf image with {bpc}-bit samples and {comps} components"))),
    }
}

fn color_space(doc: &Document, dict: &lopdf::Dictionary) -> Option<String> {
    let mut obj = dict.get(b"ColorSpace").ok()?;
    if let Ok(r) = obj.as_reference() {
        obj = doc.get_object(r).ok()?;
    }
    let name = match obj {
        Object::Name(n) => n.clone(),
        Object::Array(a) => a.first()?.as_name().ok()?.to_vec(),
        _ => return None,
    };
    Some(String::from_utf8_lossy(&name).into_owned())
}

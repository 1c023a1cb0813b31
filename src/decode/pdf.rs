//! PDF: each page's text layer (pdf-extract) when it has a usable one, else
//! the page's scan, taken out with lopdf and decoded here (DCT, Flate/LZW,
//! CCITT Group 3/4, raw; JPEG 2000 through Leptonica). A scan stored as
//! several images (strips or tiles) is put back together where the page's
//! content stream places them. No external rasteriser.
//!
//! Both libraries have sharp edges on damaged files: pdf-extract panics, and
//! lopdf may load a broken file as zero pages without an error. Panics are
//! contained by the caller. A file whose cross-reference table is missing or
//! wrong is read again with a table rebuilt from its objects; a file with
//! page objects but no readable page tree is corrupt, one with none at all
//! has [`InputError::NoPages`].

use super::{Limits, PageImage, RawPage, SourceCoding};
use crate::error::InputError;
use crate::imaging::Affine;
use image::GrayImage;
use lopdf::{Document, Object, ObjectId};
use std::collections::{BTreeMap, HashMap, HashSet};

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
        let (mut doc, mut pages) = match Document::load_mem(bytes) {
            Ok(doc) => {
                let pages = page_ids(&doc);
                (doc, pages)
            }
            Err(lopdf::Error::Decryption(_)) | Err(lopdf::Error::InvalidPassword) => return Err(InputError::Encrypted),
            Err(e) => match load_with_rebuilt_xref(bytes) {
                Some(found) => found,
                None => return Err(InputError::corrupt("pdf", e)),
            },
        };
        if doc.is_encrypted() {
            // Files with only an owner password open with the empty user password.
            if doc.decrypt("").is_err() {
                return Err(InputError::Encrypted);
            }
            pages = page_ids(&doc);
        } else if pages.is_empty() {
            // lopdf loads a file whose table points to the wrong places as
            // zero pages, without an error.
            if let Some(found) = load_with_rebuilt_xref(bytes) {
                (doc, pages) = found;
            }
        }
        if pages.is_empty() {
            let has_page_objects = doc.objects.values().any(|o| {
                o.as_dict().and_then(|d| d.get(b"Type")).and_then(Object::as_name).is_ok_and(|n| n == b"Page")
            });
            return Err(if has_page_objects {
                InputError::corrupt("pdf", "it has pages but its page tree cannot be read")
            } else {
                InputError::NoPages
            });
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
        // pdf-extract draws form XObjects recursively, without a depth
        // limit: a form that draws itself would overflow the stack, which
        // aborts the process. Such a page is read from its image instead.
        // It also follows a page's parents without end when they loop.
        let text = if forms_are_finite(&self.doc, id) && parents_end(&self.doc, id) {
            crate::error::contain_panic("reading a pdf text layer", || Ok(self.text_layer(n))).ok().flatten()
        } else {
            None
        };
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
        let images = page_images(&self.doc, page);
        let images: Vec<&ImageRef> = images.iter().filter(|i| i.width > 0 && i.height > 0).collect();
        let largest = images.iter().max_by_key(|i| i.width.saturating_mul(i.height)).ok_or(InputError::EmptyPdfPage)?;
        let placed = if images.len() > 1 { placements(&self.doc, page) } else { Vec::new() };
        let mut img = if placed.len() > 1 {
            PageImage::gray(self.compose(&images, &placed, limits)?, None)
        } else {
            self.decode_image(largest, limits)?
        }
        .positive();
        // Resolution from the page's size: the scan fills (most of) the page.
        img.dpi = media_width_points(&self.doc, page).map(|pts| img.gray.width() as f32 / (pts / 72.0));
        Ok(img)
    }

    /// One image XObject as gray pixels (ink dark, as the PDF draws it),
    /// with its stream kept where it is a good encoding of them (a DCT
    /// stream, a Group 4 one) or its colour.
    fn decode_image(&self, image: &ImageRef, limits: &Limits) -> Result<PageImage, InputError> {
        limits.check(image.width as u64, image.height as u64)?;
        let stream =
            self.doc.get_object(image.id).and_then(Object::as_stream).map_err(|e| InputError::corrupt("pdf", e))?;
        let (w, h) = (image.width as u32, image.height as u32);
        let filters = &image.filters;
        let last = filters.last().map(String::as_str).unwrap_or("");
        // Only a stream of that one filter is the encoding as it is.
        let alone = filters.len() == 1;
        let inverted = decode_inverted(stream);
        let mut page = match last {
            "DCTDecode" | "DCT" => {
                if !super::raster::jpeg_is_complete(&stream.content) {
                    return Err(InputError::corrupt("pdf", "embedded jpeg is truncated (no end-of-image marker)"));
                }
                let img = image::load_from_memory_with_format(&stream.content, image::ImageFormat::Jpeg)
                    .map_err(|e| InputError::corrupt("pdf", format!("embedded jpeg: {e}")))?;
                let plain_space = matches!(
                    color_space(&self.doc, &stream.dict).as_deref(),
                    None | Some("DeviceGray" | "DeviceRGB" | "CalGray" | "CalRGB" | "ICCBased")
                );
                let keep =
                    alone && plain_space && crate::imaging::jpeg_info(&stream.content).is_some_and(|j| j.keepable);
                let mut page = PageImage::gray(img.to_luma8(), None);
                page.source = keep.then(|| SourceCoding::Jpeg(stream.content.clone()));
                page
            }
            "CCITTFaxDecode" | "CCF" => {
                let mut page = PageImage::gray(ccitt(stream, w, h)?, None);
                page.source = group4_stream(stream).filter(|_| alone);
                page
            }
            "JPXDecode" => PageImage::gray(
                super::lept::jpeg2000(&stream.content)
                    .ok_or_else(|| InputError::corrupt("pdf", "embedded jpeg 2000 image cannot be decoded"))?,
                None,
            ),
            "JBIG2Decode" => {
                return Err(InputError::Unsupported(format!("pdf image encoding {last}")));
            }
            _ => {
                let data = stream
                    .decompressed_content()
                    .map_err(|e| InputError::corrupt("pdf", format!("image stream ({}): {e}", filters.join(","))))?;
                let (gray, colour) = raw_samples(&self.doc, stream, &data, w, h)?;
                let mut page = PageImage::gray(gray, None);
                page.colour = colour;
                page
            }
        };
        if inverted {
            image::imageops::invert(&mut page.gray);
            page.inverted = true;
        }
        Ok(page)
    }

    /// Puts a page stored as several images back together: each image at
    /// the place the content stream draws it, at the finest resolution
    /// among them.
    fn compose(
        &self,
        images: &[&ImageRef],
        placed: &[(ObjectId, Rect)],
        limits: &Limits,
    ) -> Result<GrayImage, InputError> {
        let by_id: HashMap<ObjectId, &ImageRef> = images.iter().map(|i| (i.id, *i)).collect();
        let placed: Vec<(&ImageRef, Rect)> = placed.iter().filter_map(|(id, r)| Some((*by_id.get(id)?, *r))).collect();
        // Pixels per point: the finest image decides.
        let scale = placed.iter().map(|(i, r)| i.width as f32 / r.w).fold(0f32, f32::max);
        let (x0, y0) = placed.iter().fold((f32::MAX, f32::MAX), |(x, y), (_, r)| (x.min(r.x), y.min(r.y)));
        let (x1, y1) = placed.iter().fold((f32::MIN, f32::MIN), |(x, y), (_, r)| (x.max(r.x + r.w), y.max(r.y + r.h)));
        let (cw, ch) = (((x1 - x0) * scale).round(), ((y1 - y0) * scale).round());
        if !(scale.is_finite() && cw >= 1.0 && ch >= 1.0 && cw < u32::MAX as f32 && ch < u32::MAX as f32) {
            return Err(InputError::corrupt("pdf", "page images placed outside any sensible page"));
        }
        limits.check(cw as u64, ch as u64)?;
        let mut canvas = GrayImage::from_pixel(cw as u32, ch as u32, image::Luma([255]));
        for (image, r) in placed {
            let mut gray = self.decode_image(image, limits)?.gray;
            let (tw, th) = ((r.w * scale).round().max(1.0) as u32, (r.h * scale).round().max(1.0) as u32);
            if gray.dimensions() != (tw, th) {
                gray = image::imageops::resize(&gray, tw, th, image::imageops::FilterType::Triangle);
            }
            let left = ((r.x - x0) * scale).round() as i64;
            let top = ((y1 - (r.y + r.h)) * scale).round() as i64;
            image::imageops::replace(&mut canvas, &gray, left, top);
        }
        Ok(canvas)
    }
}

/// An image XObject of a page's resources.
#[derive(Debug)]
struct ImageRef {
    id: ObjectId,
    width: i64,
    height: i64,
    filters: Vec<String>,
}

/// The image XObjects in a page's resources (own or inherited). Entries
/// that are not image streams are left out.
fn page_images(doc: &Document, page: ObjectId) -> Vec<ImageRef> {
    let Some(xobjects) = page_resources(doc, page).and_then(|r| doc.get_dict_in_dict(r, b"XObject").ok()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (_, value) in xobjects.iter() {
        let Ok(id) = value.as_reference() else { continue };
        let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) else { continue };
        let dict = &stream.dict;
        if dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Image".as_slice()) {
            continue;
        }
        let int = |key: &[u8]| dict.get(key).and_then(Object::as_i64).unwrap_or(0);
        let filters = match dict.get(b"Filter") {
            Ok(Object::Name(n)) => vec![String::from_utf8_lossy(n).into_owned()],
            Ok(Object::Array(a)) => {
                a.iter().filter_map(|o| o.as_name().ok()).map(|n| String::from_utf8_lossy(n).into_owned()).collect()
            }
            _ => Vec::new(),
        };
        out.push(ImageRef { id, width: int(b"Width"), height: int(b"Height"), filters });
    }
    out
}

/// Where an image is drawn on the page, in points (PDF user space, y up).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

/// Images the page's content stream draws, with their places. Only upright,
/// unrotated placements count; anything else gives an empty list (the
/// caller then takes the largest image alone).
fn placements(doc: &Document, page: ObjectId) -> Vec<(ObjectId, Rect)> {
    const MAX_PLACED: usize = 256;
    let Ok(content) = doc.get_and_decode_page_content(page) else { return Vec::new() };
    let Some(resources) = page_resources(doc, page) else { return Vec::new() };
    let names: HashMap<Vec<u8>, ObjectId> = match doc.get_dict_in_dict(resources, b"XObject") {
        Ok(x) => x.iter().filter_map(|(name, v)| Some((name.clone(), v.as_reference().ok()?))).collect(),
        Err(_) => return Vec::new(),
    };
    let (mut ctm, mut saved) = (Affine::IDENTITY, Vec::new());
    let mut out = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "q" => saved.push(ctm),
            "Q" => ctm = saved.pop().unwrap_or(Affine::IDENTITY),
            "cm" => {
                let m: Vec<f64> = op.operands.iter().filter_map(|o| o.as_float().ok()).map(f64::from).collect();
                let m = m.as_slice().try_into().map(Affine).unwrap_or(Affine::IDENTITY);
                ctm = m.then(ctm);
            }
            "Do" => {
                let Some(id) = op.operands.first().and_then(|o| o.as_name().ok()).and_then(|n| names.get(n)) else {
                    continue;
                };
                let [a, b, c, d, e, f] = ctm.0.map(|v| v as f32);
                if b.abs() > 1e-3 || c.abs() > 1e-3 || a <= 0.0 || d <= 0.0 || out.len() >= MAX_PLACED {
                    return Vec::new();
                }
                out.push((*id, Rect { x: e, y: f, w: a, h: d }));
            }
            _ => {}
        }
    }
    out
}

/// Whether the XObjects a page draws (and those they draw) end: none draws
/// itself or one of those drawing it, and none nests deeper than
/// `MAX_DEPTH`. pdf-extract runs *every* XObject drawn as a content stream,
/// images included, so all are followed (an image's data only up to
/// `MAX_IMAGE_BYTES`: a scan's pixels draw nothing). An XObject without its
/// own resources uses those of whatever draws it, as pdf-extract does.
fn forms_are_finite(doc: &Document, page: ObjectId) -> bool {
    const MAX_DEPTH: usize = 12;
    const MAX_FORMS: usize = 1024;
    const MAX_IMAGE_BYTES: usize = 1 << 20;
    let xobjects_of = |dict: &lopdf::Dictionary| -> HashMap<Vec<u8>, ObjectId> {
        let Ok(x) = doc.get_dict_in_dict(dict, b"XObject") else { return HashMap::new() };
        x.iter().filter_map(|(name, v)| Some((name.clone(), v.as_reference().ok()?))).collect()
    };
    let names = page_resources(doc, page).map(xobjects_of).unwrap_or_default();
    let drawn = |content: &[u8]| -> Vec<Vec<u8>> {
        let Ok(ops) = lopdf::content::Content::decode(content) else { return Vec::new() };
        ops.operations
            .into_iter()
            .filter(|op| op.operator == "Do")
            .filter_map(|op| op.operands.first().and_then(|o| o.as_name().ok()).map(<[u8]>::to_vec))
            .collect()
    };
    let Ok(page_content) = doc.get_page_content(page) else { return true };
    // Depth-first over (form, the names it sees, the forms drawing it).
    type Names = HashMap<Vec<u8>, ObjectId>;
    let mut stack: Vec<(Vec<u8>, Names, Vec<ObjectId>)> =
        drawn(&page_content).into_iter().map(|name| (name, names.clone(), Vec::new())).collect();
    let mut visited = 0;
    while let Some((name, names, path)) = stack.pop() {
        let Some(&id) = names.get(&name) else { continue };
        let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) else { continue };
        let image = stream.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image".as_slice());
        if image && stream.content.len() > MAX_IMAGE_BYTES {
            continue;
        }
        visited += 1;
        if path.contains(&id) || path.len() >= MAX_DEPTH || visited > MAX_FORMS {
            return false;
        }
        let inner = match stream.dict.get(b"Resources").and_then(|r| match r {
            Object::Reference(id) => doc.get_dictionary(*id),
            other => other.as_dict(),
        }) {
            Ok(resources) => xobjects_of(resources),
            Err(_) => names.clone(),
        };
        let content = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
        let mut path = path.clone();
        path.push(id);
        for drawn_name in drawn(&content) {
            stack.push((drawn_name, inner.clone(), path.clone()));
        }
    }
    true
}

/// Whether a page's chain of parents ends (no loop, at most 64 deep).
fn parents_end(doc: &Document, page: ObjectId) -> bool {
    let mut seen = HashSet::from([page]);
    let mut node = page;
    for _ in 0..64 {
        let Ok(parent) = doc.get_dictionary(node).and_then(|d| d.get(b"Parent")).and_then(Object::as_reference) else {
            return true;
        };
        if !seen.insert(parent) {
            return false;
        }
        node = parent;
    }
    false
}

/// A page's resources: its own, else the nearest ancestor's, inline or by
/// reference (as pdf-extract finds them; lopdf's `get_page_resources`
/// skips inherited inline dictionaries).
fn page_resources(doc: &Document, page: ObjectId) -> Option<&lopdf::Dictionary> {
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..32 {
        match node.get(b"Resources") {
            Ok(Object::Reference(id)) => return doc.get_dictionary(*id).ok(),
            Ok(Object::Dictionary(d)) => return Some(d),
            _ => node = doc.get_dictionary(node.get(b"Parent").and_then(Object::as_reference).ok()?).ok()?,
        }
    }
    None
}

/// The page objects in page-tree order, each once (a tree that lists a page
/// twice, or loops back on itself, still gives each page once).
fn page_ids(doc: &Document) -> Vec<ObjectId> {
    let mut seen = HashSet::new();
    doc.page_iter().filter(|id| seen.insert(*id)).collect()
}

/// Loads `bytes` again with a cross-reference table rebuilt from the
/// objects found in the file (`N G obj`), for files whose table is missing,
/// cut off or points to the wrong places. `None` if that finds no pages.
fn load_with_rebuilt_xref(bytes: &[u8]) -> Option<(Document, Vec<ObjectId>)> {
    let start = bytes.windows(5).position(|w| w == b"%PDF-")?;
    let body = &bytes[start..];
    if body.windows(8).any(|w| w == b"/Encrypt") {
        return None; // the key is in the trailer this would replace
    }
    let header = regex::bytes::Regex::new(r"(?:^|[\r\n\t ])(\d{1,9})[\r\n\t ]+(\d{1,5})[\r\n\t ]+obj\b").ok()?;
    let catalog = regex::bytes::Regex::new(r"/Type\s*/Catalog\b").ok()?;
    let mut objects: BTreeMap<u32, (u16, usize)> = BTreeMap::new();
    let mut root = None;
    for cap in header.captures_iter(body) {
        let (id, gen) = (cap.get(1)?, cap.get(2)?);
        let id: u32 = std::str::from_utf8(id.as_bytes()).ok()?.parse().ok()?;
        let gen: u16 = std::str::from_utf8(gen.as_bytes()).ok()?.parse().ok()?;
        let at = cap.get(1)?.start();
        // Later definitions win, as with incremental updates.
        objects.insert(id, (gen, at));
        let end = body[at..].windows(6).take(1 << 16).position(|w| w == b"endobj").map_or(body.len(), |p| at + p);
        if catalog.is_match(&body[at..end]) {
            root = Some((id, gen));
        }
    }
    let (root_id, root_gen) = root?;
    let size = objects.keys().next_back()? + 1;
    if size > 10_000_000 {
        return None;
    }
    let mut fixed = body.to_vec();
    fixed.push(b'\n');
    let xref_at = fixed.len();
    fixed.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes());
    for id in 1..size {
        let entry = match objects.get(&id) {
            Some((gen, at)) => format!("{at:010} {gen:05} n\r\n"),
            None => "0000000000 00000 f\r\n".to_string(),
        };
        fixed.extend_from_slice(entry.as_bytes());
    }
    fixed.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root {root_id} {root_gen} R >>\nstartxref\n{xref_at}\n%%EOF\n").as_bytes(),
    );
    let doc = Document::load_mem(&fixed).ok()?;
    let pages = page_ids(&doc);
    (!pages.is_empty()).then_some((doc, pages))
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

/// A `CCITTFaxDecode` stream that is Group 4 as it stands: `K < 0`, rows
/// not byte-aligned.
fn group4_stream(stream: &lopdf::Stream) -> Option<SourceCoding> {
    let params = decode_params(stream);
    let get = |key: &[u8]| params.and_then(|p| p.get(key).ok());
    let k = get(b"K").and_then(|o| o.as_i64().ok()).unwrap_or(0);
    let aligned = get(b"EncodedByteAlign").and_then(|o| o.as_bool().ok()).unwrap_or(false);
    let black_is_1 = get(b"BlackIs1").and_then(|o| o.as_bool().ok()).unwrap_or(false);
    (k < 0 && !aligned).then(|| SourceCoding::G4 { data: stream.content.clone(), black_is_1 })
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

/// Uncompressed samples (after Flate/LZW) to gray, by colour space and
/// depth; and to RGB when they are 8-bit RGB with colour in them.
fn raw_samples(
    doc: &Document,
    stream: &lopdf::Stream,
    data: &[u8],
    w: u32,
    h: u32,
) -> Result<(GrayImage, Option<image::RgbImage>), InputError> {
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
    let rgb_space = matches!(space.as_deref(), Some("DeviceRGB" | "CalRGB" | "ICCBased"));
    let colour = if (bpc, comps) == (8, 3) && rgb_space && data.len() >= w as usize * h as usize * 3 {
        image::RgbImage::from_raw(w, h, data[..w as usize * h as usize * 3].to_vec())
            .map(image::DynamicImage::ImageRgb8)
            .and_then(|img| super::colour_of(&img))
    } else {
        None
    };
    match (bpc, comps) {
        (1, 1) => Ok((super::unpack_bits(data, w, h, image_mask).ok_or_else(short)?, None)),
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
            Ok((GrayImage::from_raw(w, h, out).ok_or_else(short)?, colour))
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

//! One searchable PDF per document.
//!
//! Each scanned page is its stored image as the store kept it (no
//! re-encoding: a JPEG as a `DCTDecode` stream, a PNG's image data as a
//! `FlateDecode` stream with PNG predictors, Group 4 as `CCITTFaxDecode`),
//! drawn so that it lands where OCR saw it (the skew and orientation
//! recorded at ingest, see [`crate::imaging::source_to_frame`]), under an
//! invisible text layer (rendering mode 3) that puts each OCR word on its
//! box in Tesseract's GlyphLessFont (every glyph blank, half an em wide,
//! horizontally scaled to the box). Selecting a word in a viewer highlights
//! that word; copying gives the OCR text. A page whose text came from a
//! born-digital text layer is its original page, copied from the stored
//! source PDF; where that page cannot be copied, a page showing its text.
//!
//! Aimed at PDF/A-2b: the font embedded, ICC-based colour spaces (sRGB, and
//! gray: no output intent needed), XMP metadata matching the document
//! information, no encryption. Pure and deterministic: the same document
//! gives the same bytes. Titles and metadata carry the chartmill document
//! id and type, never a patient's name.

use crate::imaging::{self, Affine};
use crate::model::{ImageCoding, PageRecord, Word};
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Tesseract's GlyphLessFont (`pdf.ttf` in tessdata, Apache-2.0): one
/// blank glyph. See `assets/README.md`.
const GLYPHLESS_FONT: &[u8] = include_bytes!("../../assets/GlyphLessFont.ttf");

/// One page of a document.
pub struct Page<'a> {
    pub record: &'a PageRecord,
    /// Its OCR words, in the frame OCR read (empty for a text-layer page).
    pub words: &'a [Word],
    /// The stored image's bytes (for a text-layer page, the source PDF's).
    pub image: &'a [u8],
}

/// What the PDF says about itself.
pub struct Meta<'a> {
    pub document_id: &'a str,
    pub revision: u32,
    pub doc_type: &'a str,
    pub display: &'a str,
    pub loinc: Option<&'a str>,
    /// When the document entered this revision (seconds since the epoch).
    pub made_at: i64,
    /// `chartmill x.y.z`.
    pub producer: &'a str,
}

/// Writes the PDF of a document's pages. The error names the page (by id)
/// and what is wrong with it, never its content.
pub fn document(pages: &[Page], meta: &Meta) -> Result<Vec<u8>, String> {
    let mut doc = Document::with_version("1.7");
    doc.reference_table.cross_reference_type = lopdf::xref::XrefType::CrossReferenceTable;
    let pages_id = doc.new_object_id();
    let font = add_font(&mut doc);
    let gray = icc_space(&mut doc, 1);
    let gray = doc.add_object(gray);
    let rgb = icc_space(&mut doc, 3);
    let rgb = doc.add_object(rgb);
    let mut sources: HashMap<&str, Option<Document>> = HashMap::new();
    let mut kids = Vec::new();
    for p in pages {
        let Some(image) = p.record.image.as_ref() else {
            return Err(format!("page {} has no stored image", p.record.page_id()));
        };
        let id = match image.coding {
            ImageCoding::PdfPage => {
                let source = sources.entry(image.sha256.as_str()).or_insert_with(|| load_source(p.image));
                match source.as_ref().and_then(|src| copy_page(&mut doc, src, image.pdf_page, pages_id)) {
                    Some(id) => id,
                    None => text_page(&mut doc, &p.record.text, pages_id),
                }
            }
            _ => image_page(&mut doc, p, Fonts { text: font, gray, rgb }, pages_id)?,
        };
        kids.push(Object::Reference(id));
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));

    let title = format!("chartmill document {} revision {}: {}", meta.document_id, meta.revision, meta.display);
    let keywords = format!(
        "chartmill document {}; type {}{}",
        meta.document_id,
        meta.doc_type,
        meta.loinc.map(|l| format!("; LOINC {l}")).unwrap_or_default()
    );
    let xmp = xmp_metadata(&title, meta.display, &keywords, meta.producer, meta.made_at);
    let metadata = doc.add_object(
        Stream::new(dictionary! { "Type" => "Metadata", "Subtype" => "XML" }, xmp.into_bytes()).with_compression(false),
    );
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Metadata" => metadata,
    });
    let date = pdf_date(meta.made_at);
    let info = doc.add_object(dictionary! {
        "Title" => Object::string_literal(title.as_str()),
        "Subject" => Object::string_literal(meta.display),
        "Keywords" => Object::string_literal(keywords.as_str()),
        "Creator" => Object::string_literal(meta.producer),
        "Producer" => Object::string_literal(meta.producer),
        "CreationDate" => Object::string_literal(date.as_str()),
        "ModDate" => Object::string_literal(date.as_str()),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    // The file identifier: the same document, the same id (and bytes).
    let id = file_id(pages, meta);
    let id_string = || Object::String(id.to_vec(), StringFormat::Hexadecimal);
    doc.trailer.set("ID", Object::Array(vec![id_string(), id_string()]));
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| format!("the pdf cannot be written: {e}"))?;
    Ok(out)
}

fn file_id(pages: &[Page], meta: &Meta) -> [u8; 16] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(format!("{}|{}|{}", meta.document_id, meta.revision, meta.doc_type).as_bytes());
    for p in pages {
        h.update(p.record.page_id().as_bytes());
        if let Some(i) = &p.record.image {
            h.update(i.sha256.as_bytes());
        }
    }
    h.finalize()[..16].try_into().expect("16 bytes of a SHA-256")
}

#[derive(Clone, Copy)]
struct Fonts {
    text: ObjectId,
    gray: ObjectId,
    rgb: ObjectId,
}

/// A scanned page: its image where OCR saw it, and the invisible words.
fn image_page(doc: &mut Document, p: &Page, ids: Fonts, parent: ObjectId) -> Result<ObjectId, String> {
    let rec = p.record;
    let image = rec.image.as_ref().expect("checked by the caller");
    let bad = |what: &str| format!("page {}: the stored image {what}", rec.page_id());
    let (w, h) = (image.width, image.height);
    if w == 0 || h == 0 {
        return Err(bad("has no size"));
    }
    let scale = 72.0 / rec.dpi.max(1) as f64;
    let (fw, fh) = imaging::ocr_frame(w, h, rec.rotation);
    let (page_w, page_h) = (fw as f64 * scale, fh as f64 * scale);
    let space = |colour: bool| Object::Reference(if colour { ids.rgb } else { ids.gray });
    let decode = |colour: bool| -> Object {
        let components = if colour { 3 } else { 1 };
        Object::Array((0..components).flat_map(|_| [Object::Integer(1), Object::Integer(0)]).collect())
    };
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => w as i64,
        "Height" => h as i64,
    };
    let content = match image.coding {
        ImageCoding::Jpeg => {
            dict.set("ColorSpace", space(image.colour));
            dict.set("BitsPerComponent", 8);
            dict.set("Filter", "DCTDecode");
            p.image.to_vec()
        }
        ImageCoding::Png => {
            let colours = if image.colour { 3 } else { 1 };
            dict.set("ColorSpace", space(image.colour));
            dict.set("BitsPerComponent", 8);
            dict.set("Filter", "FlateDecode");
            dict.set(
                "DecodeParms",
                dictionary! { "Predictor" => 15, "Colors" => colours, "BitsPerComponent" => 8, "Columns" => w as i64 },
            );
            imaging::png_image_data(p.image).ok_or_else(|| bad("is not a png file"))?
        }
        ImageCoding::G4 => {
            dict.set("ColorSpace", space(false));
            dict.set("BitsPerComponent", 1);
            dict.set("Filter", "CCITTFaxDecode");
            dict.set(
                "DecodeParms",
                dictionary! { "K" => -1, "Columns" => w as i64, "Rows" => h as i64, "BlackIs1" => image.black_is_1 },
            );
            p.image.to_vec()
        }
        ImageCoding::PdfPage => return Err(bad("is a pdf page")),
    };
    if image.inverted {
        dict.set("Decode", decode(image.colour));
    }
    let xobject = doc.add_object(Stream::new(dict, content).with_compression(false));

    // Image space (the unit square, row 0 at the top) → the decoded image's
    // pixels → the frame OCR read → points, y up.
    let (wf, hf) = (w as f64, h as f64);
    let placed = Affine([wf, 0.0, 0.0, -hf, 0.0, hf])
        .then(imaging::source_to_frame(w, h, rec.skew, rec.rotation))
        .then(Affine([scale, 0.0, 0.0, -scale, 0.0, page_h]));
    let mut ops = String::new();
    let [a, b, c, d, e, f] = placed.0;
    let _ = writeln!(ops, "q {} {} {} {} {} {} cm /Im0 Do Q", num(a), num(b), num(c), num(d), num(e), num(f));
    ops.push_str(&text_layer(p.words, scale, fh as f64));
    let contents = doc.add_object(
        Stream::new(dictionary! { "Filter" => "FlateDecode" }, deflate(ops.as_bytes())).with_compression(false),
    );
    Ok(doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => parent,
        "MediaBox" => vec![0.into(), 0.into(), Object::Real(page_w as f32), Object::Real(page_h as f32)],
        "Resources" => dictionary! {
            "XObject" => dictionary! { "Im0" => xobject },
            "Font" => dictionary! { "F0" => ids.text },
        },
        "Contents" => contents,
    }))
}

/// A number for a content stream: at most four decimals, no exponent.
fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The page's lines of words: as Tesseract read them where the words say
/// (`Word::line`), else words that follow one another rightwards and
/// overlap vertically by half the smaller height.
fn lines(words: &[Word]) -> Vec<&[Word]> {
    let known = words.iter().all(|w| w.line > 0);
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=words.len() {
        let breaks = i == words.len() || {
            let (prev, next) = (&words[i - 1], &words[i]);
            if known {
                prev.line != next.line
            } else {
                let overlap = (prev.y + prev.h).min(next.y + next.h) as i64 - prev.y.max(next.y) as i64;
                next.x + 2 < prev.x + prev.w || overlap * 2 < prev.h.min(next.h) as i64
            }
        };
        if breaks {
            out.push(&words[start..i]);
            start = i;
        }
    }
    out
}

/// The invisible words. Each line gets one font size (its height) and one
/// baseline (its bottom), so a viewer sees a line of text; each word is
/// stretched over its box, and a space over the gap to the next word.
/// (The glyphs span baseline to baseline + size: Ascent 1000, Descent ~0.)
fn text_layer(words: &[Word], scale: f64, frame_h: f64) -> String {
    let mut out = String::new();
    if words.is_empty() {
        return out;
    }
    out.push_str("BT\n3 Tr\n");
    for line in lines(words) {
        // The line's band: the median top and bottom of its words (a speck
        // that OCR took into a word's box does not stretch the line).
        let median = |mut v: Vec<u32>| {
            v.sort_unstable();
            v[v.len() / 2] as f64
        };
        let top = median(line.iter().map(|w| w.y).collect());
        let bottom = median(line.iter().map(|w| w.y + w.h).collect()).max(top + 1.0);
        let size = ((bottom - top) * scale).max(1.0);
        let base = (frame_h - bottom) * scale;
        let _ = writeln!(out, "/F0 {} Tf", num(size));
        for (i, w) in line.iter().enumerate() {
            let units: Vec<u16> = w.text.encode_utf16().collect();
            if units.is_empty() || w.w == 0 {
                continue;
            }
            let (x, width) = (w.x as f64 * scale, w.w as f64 * scale);
            // A word off the line's band (a speck Tesseract read into the
            // line) is put on its own box.
            let overlap = (w.y + w.h) as f64 - (w.y as f64).max(top) - ((w.y + w.h) as f64 - bottom).max(0.0);
            if overlap * 2.0 < w.h as f64 && w.h > 0 {
                let own = (w.h as f64 * scale).max(1.0);
                let _ = writeln!(out, "/F0 {} Tf", num(own));
                glyphs(&mut out, &units, x, (frame_h - (w.y + w.h) as f64) * scale, width, own);
                let _ = writeln!(out, "/F0 {} Tf", num(size));
            } else {
                glyphs(&mut out, &units, x, base, width, size);
            }
            // A space between words, even where their boxes touch: it is
            // what tells a viewer where one word ends.
            if let Some(next) = line.get(i + 1) {
                let gap = (next.x as f64 - (w.x + w.w) as f64) * scale;
                glyphs(&mut out, &[0x20], x + width, base, gap.max(MIN_SPACE), size);
            }
        }
    }
    out.push_str("ET\n");
    out
}

/// The narrowest space between two words, in points.
const MIN_SPACE: f64 = 0.05;

/// Shows UTF-16 `units` from (`x`, `base`) stretched to `width` points.
fn glyphs(out: &mut String, units: &[u16], x: f64, base: f64, width: f64, size: f64) {
    let natural = units.len() as f64 * 0.5 * size;
    let stretch = 100.0 * width / natural;
    let _ = write!(out, "{} Tz 1 0 0 1 {} {} Tm <", num(stretch), num(x), num(base));
    for u in units {
        let _ = write!(out, "{u:04X}");
    }
    out.push_str("> Tj\n");
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = z.write_all(bytes);
    z.finish().unwrap_or_default()
}

/// The GlyphLessFont as a Type 0 font whose codes are UTF-16 units, as
/// Tesseract writes it: every code is glyph 1 (`CIDToGIDMap`), and its
/// `ToUnicode` map gives each code back as itself.
fn add_font(doc: &mut Document) -> ObjectId {
    static CID_TO_GID: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let map = CID_TO_GID.get_or_init(|| deflate(&[0u8, 1].repeat(1 << 16)));
    let to_unicode = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
        /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
        /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
        1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
        1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n\
        endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
    let cid_map =
        doc.add_object(Stream::new(dictionary! { "Filter" => "FlateDecode" }, map.clone()).with_compression(false));
    let file = doc.add_object(
        Stream::new(dictionary! { "Length1" => GLYPHLESS_FONT.len() as i64 }, GLYPHLESS_FONT.to_vec())
            .with_compression(false),
    );
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => "GlyphLessFont",
        "Flags" => 5,
        "FontBBox" => vec![0.into(), 0.into(), 500.into(), 1000.into()],
        "ItalicAngle" => 0,
        "Ascent" => 1000,
        "Descent" => -1,
        "CapHeight" => 1000,
        "StemV" => 80,
        "FontFile2" => file,
    });
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => "GlyphLessFont",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "CIDToGIDMap" => cid_map,
        "DW" => 500,
    });
    let cmap = doc.add_object(Stream::new(dictionary! {}, to_unicode.as_bytes().to_vec()).with_compression(false));
    doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "GlyphLessFont",
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(cid_font)],
        "ToUnicode" => cmap,
    })
}

/// ICC profiles for the images' colour spaces (PDF/A needs device-independent
/// colour, and calibrated `CalGray`/`CalRGB` render tinted in some viewers):
/// sRGB, and gray with sRGB's white and a 2.2 gamma. Made once.
fn icc_profiles() -> &'static (Vec<u8>, Vec<u8>) {
    static PROFILES: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    PROFILES.get_or_init(|| {
        let named = |mut p: moxcms::ColorProfile, name: &str| {
            p.description = Some(moxcms::ProfileText::PlainString(name.into()));
            p.encode().unwrap_or_default()
        };
        (
            named(moxcms::ColorProfile::new_gray_with_gamma(2.2), "chartmill gray, gamma 2.2"),
            named(moxcms::ColorProfile::new_srgb(), "sRGB"),
        )
    })
}

/// `[/ICCBased profile]` with `n` components.
fn icc_space(doc: &mut Document, n: i64) -> Object {
    let (gray, rgb) = icc_profiles();
    let (profile, alternate) = if n == 1 { (gray, "DeviceGray") } else { (rgb, "DeviceRGB") };
    let stream = doc.add_object(
        Stream::new(dictionary! { "N" => n, "Alternate" => alternate }, profile.clone()).with_compression(false),
    );
    vec![Object::Name(b"ICCBased".to_vec()), Object::Reference(stream)].into()
}

/// The source PDF of text-layer pages, parsed (and decrypted with the
/// empty password, as ingest read it).
fn load_source(bytes: &[u8]) -> Option<Document> {
    let mut doc = crate::error::contain_panic("reading a stored pdf", || Ok(Document::load_mem(bytes).ok())).ok()??;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return None;
    }
    Some(doc)
}

/// Entries a page inherits from its page tree when it has none.
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// Copies page `n` of `src` and everything it draws into `out`, under
/// `parent`. Annotations are left behind (links reach into the rest of
/// the source file). `None` when the page cannot be copied.
fn copy_page(out: &mut Document, src: &Document, n: u32, parent: ObjectId) -> Option<ObjectId> {
    let id = *src.get_pages().get(&n)?;
    let mut page = src.get_dictionary(id).ok()?.clone();
    let mut node = page.get(b"Parent").and_then(Object::as_reference).ok();
    for _ in 0..32 {
        let Some(up) = node.and_then(|p| src.get_dictionary(p).ok()) else { break };
        for key in INHERITED {
            if !page.has(key) {
                if let Ok(v) = up.get(key) {
                    page.set(key, v.clone());
                }
            }
        }
        node = up.get(b"Parent").and_then(Object::as_reference).ok();
    }
    for key in [&b"Parent"[..], b"Annots", b"B", b"StructParents", b"Thumb"] {
        page.remove(key);
    }
    if !page.has(b"MediaBox") {
        return None;
    }
    let mut copied = HashMap::new();
    let Object::Dictionary(mut page) = copy_object(out, src, Object::Dictionary(page), &mut copied, 0)? else {
        return None;
    };
    page.set("Parent", parent);
    Some(out.add_object(page))
}

fn copy_object(
    out: &mut Document,
    src: &Document,
    obj: Object,
    copied: &mut HashMap<ObjectId, ObjectId>,
    depth: usize,
) -> Option<Object> {
    const MAX_DEPTH: usize = 64;
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match obj {
        Object::Reference(r) => {
            if let Some(&done) = copied.get(&r) {
                return Some(Object::Reference(done));
            }
            let new = out.new_object_id();
            copied.insert(r, new);
            let target = src.get_object(r).cloned().unwrap_or(Object::Null);
            let target = copy_object(out, src, target, copied, depth + 1)?;
            out.objects.insert(new, target);
            Object::Reference(new)
        }
        Object::Dictionary(d) => Object::Dictionary(copy_dict(out, src, d, copied, depth)?),
        Object::Array(a) => Object::Array(
            a.into_iter().map(|o| copy_object(out, src, o, copied, depth + 1)).collect::<Option<Vec<_>>>()?,
        ),
        Object::Stream(s) => {
            let dict = copy_dict(out, src, s.dict, copied, depth)?;
            Object::Stream(Stream::new(dict, s.content).with_compression(false))
        }
        other => other,
    })
}

fn copy_dict(
    out: &mut Document,
    src: &Document,
    d: Dictionary,
    copied: &mut HashMap<ObjectId, ObjectId>,
    depth: usize,
) -> Option<Dictionary> {
    let mut new = Dictionary::new();
    for (k, v) in d.into_iter() {
        // A parent link would pull in the source's page tree.
        if k == b"Parent" || k == b"P" {
            continue;
        }
        new.set(k, copy_object(out, src, v, copied, depth + 1)?);
    }
    Some(new)
}

/// A page showing `text` in Courier, for a text-layer page whose original
/// cannot be copied (not PDF/A: Courier is not embedded).
fn text_page(doc: &mut Document, text: &str, parent: ObjectId) -> ObjectId {
    const COLUMNS: usize = 95;
    let mut ops = String::from("BT\n/F1 9 Tf\n11 TL\n36 756 Td\n");
    let mut lines = 0;
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        for chunk in chars.chunks(COLUMNS).take(70usize.saturating_sub(lines)) {
            ops.push('(');
            for c in chunk {
                match c {
                    '(' | ')' | '\\' => {
                        ops.push('\\');
                        ops.push(*c);
                    }
                    ' '..='~' => ops.push(*c),
                    _ => ops.push('?'),
                }
            }
            ops.push_str(") Tj T*\n");
            lines += 1;
        }
    }
    ops.push_str("ET\n");
    let contents = doc.add_object(Stream::new(dictionary! {}, ops.into_bytes()));
    doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => parent,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Resources" => dictionary! {
            "Font" => dictionary! { "F1" => dictionary! {
                "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier", "Encoding" => "WinAnsiEncoding",
            } },
        },
        "Contents" => contents,
    })
}

/// `D:YYYYMMDDHHmmSSZ`.
fn pdf_date(t: i64) -> String {
    let iso = crate::report::rfc3339(t);
    let digits: String = iso.chars().filter(char::is_ascii_digit).collect();
    format!("D:{digits}Z")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The XMP packet PDF/A asks for, saying what the document information says.
fn xmp_metadata(title: &str, subject: &str, keywords: &str, producer: &str, made_at: i64) -> String {
    let date = crate::report::rfc3339(made_at);
    let (title, subject, keywords, producer) =
        (xml_escape(title), xml_escape(subject), xml_escape(keywords), xml_escape(producer));
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
  <rdf:Description rdf:about=\"\"\n\
    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n\
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n\
   <pdfaid:part>2</pdfaid:part>\n\
   <pdfaid:conformance>B</pdfaid:conformance>\n\
   <dc:format>application/pdf</dc:format>\n\
   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n\
   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{subject}</rdf:li></rdf:Alt></dc:description>\n\
   <pdf:Keywords>{keywords}</pdf:Keywords>\n\
   <pdf:Producer>{producer}</pdf:Producer>\n\
   <xmp:CreatorTool>{producer}</xmp:CreatorTool>\n\
   <xmp:CreateDate>{date}</xmp:CreateDate>\n\
   <xmp:ModifyDate>{date}</xmp:ModifyDate>\n\
   <xmp:MetadataDate>{date}</xmp:MetadataDate>\n\
  </rdf:Description>\n\
 </rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x: u32, y: u32, w: u32, h: u32) -> Word {
        Word { text: text.into(), conf: 90.0, x, y, w, h, line: 0 }
    }

    #[test]
    fn words_are_grouped_into_tesseracts_lines() {
        let mut words = [word("A", 0, 0, 10, 10), word("speck", 15, 30, 2, 2), word("B", 20, 0, 10, 10)];
        for (w, line) in words.iter_mut().zip([1, 1, 2]) {
            w.line = line;
        }
        assert_eq!(lines(&words).iter().map(|l| l.len()).collect::<Vec<_>>(), vec![2, 1]);
    }

    #[test]
    fn words_are_grouped_into_lines_by_position() {
        let words = [
            word("Patient", 100, 100, 80, 30),
            word("name", 190, 108, 60, 22),
            word("gypsy", 260, 104, 70, 36),
            word("Next", 100, 160, 50, 30),
            word("Column", 900, 100, 90, 30),
        ];
        let l = lines(&words);
        assert_eq!(l.iter().map(|l| l.len()).collect::<Vec<_>>(), vec![3, 1, 1]);
    }

    #[test]
    fn a_word_is_stretched_over_its_box_and_a_space_over_the_gap() {
        // 300 dpi: 100 pixels are 24 points.
        let layer = text_layer(&[word("ab", 100, 0, 100, 50), word("c", 300, 0, 50, 50)], 0.24, 3300.0);
        // The line is 12 points high: two glyphs of 6 points, 24 points wide: 200%.
        assert!(layer.contains("/F0 12 Tf"), "{layer}");
        assert!(layer.contains("200 Tz 1 0 0 1 24 780 Tm <00610062> Tj"), "{layer}");
        // The space from 48 to 72 points: one glyph of 6 points over 24.
        assert!(layer.contains("400 Tz 1 0 0 1 48 780 Tm <0020> Tj"), "{layer}");
        assert!(layer.starts_with("BT\n3 Tr\n") && layer.ends_with("ET\n"));
        assert_eq!(text_layer(&[], 0.24, 10.0), "");
        // A speck below the line's band is put on its own box.
        let mut ws = [word("ab", 100, 0, 100, 50), word("cd", 300, 0, 100, 50), word(".", 420, 80, 10, 10)];
        ws.iter_mut().for_each(|w| w.line = 1);
        let layer = text_layer(&ws, 0.24, 3300.0);
        assert!(layer.contains("/F0 2.4 Tf\n") && layer.contains(" 100.8 770.4 Tm <002E> Tj"), "{layer}");
    }

    #[test]
    fn numbers_are_short_and_plain() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(num(612.5), "612.5");
        assert_eq!(num(0.123456), "0.1235");
    }

    #[test]
    fn dates_for_pdf_and_xmp() {
        assert_eq!(pdf_date(0), "D:19700101000000Z");
        assert!(xmp_metadata("a<b", "s", "k", "p", 0).contains("a&lt;b"));
    }
}

//! Page images as the store keeps them: which encoding a page gets, the
//! encoders and decoders, and the geometry that puts a stored image where
//! OCR saw it.
//!
//! Pure: pixels and bytes in, bytes and numbers out; no I/O, no panics on
//! any input.
//!
//! What a page keeps ([`for_storage`]), in this order:
//! 1. the source's CCITT Group 4 stream, when it decodes to exactly the
//!    pixels OCR read (or their negative);
//! 2. the source's JPEG (a JFIF file or a PDF's DCT stream), byte for byte;
//! 3. a bilevel page (only black and white pixels) encoded as Group 4:
//!    lossless, and far smaller than anything else;
//! 4. the source's PNG (8-bit gray or RGB), byte for byte;
//! 5. anything else (TIFF gray or colour, PDF Flate images, JPEG 2000, a
//!    page put back together from strips) as PNG (lossless) or JPEG at
//!    [`JPEG_QUALITY`], whichever is smaller: clean typeset pages compress
//!    far better losslessly, noisy scans as JPEG.
//!
//! The stored image is the page *as decoded*, before deskew and orientation:
//! the record keeps the skew and rotation OCR applied, and
//! [`source_to_frame`] maps the stored image onto the frame OCR's word boxes
//! are in. Nothing lossy ever touches a bilevel page.

use crate::decode::{PageImage, SourceCoding};
use crate::model::ImageCoding;
use image::{GrayImage, RgbImage};

/// JPEG quality for gray and colour pages the source did not hold in a
/// good encoding. Measured with `chartmill debug image-quality` (see
/// docs/benchmarks.md): OCR reads the same text from it as from the
/// original pixels.
pub const JPEG_QUALITY: u8 = 85;

/// A page image encoded for the store.
#[derive(Clone, PartialEq)]
pub struct Encoded {
    pub coding: ImageCoding,
    pub width: u32,
    pub height: u32,
    pub colour: bool,
    /// For Group 4: the PDF parameter `BlackIs1` the stream is decoded with.
    pub black_is_1: bool,
    /// Whether the image is the negative of the page OCR read.
    pub inverted: bool,
    /// Whether these are the source's own bytes.
    pub kept_from_source: bool,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Encoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Encoded({:?} {}x{}, {} bytes, colour {}, inverted {}, kept {})",
            self.coding,
            self.width,
            self.height,
            self.bytes.len(),
            self.colour,
            self.inverted,
            self.kept_from_source
        )
    }
}

impl Encoded {
    /// Bytes the source already held, as they are.
    fn kept(coding: ImageCoding, (width, height): (u32, u32), colour: bool, inverted: bool, bytes: Vec<u8>) -> Encoded {
        Encoded { coding, width, height, colour, black_is_1: false, inverted, kept_from_source: true, bytes }
    }

    /// The record of this image once the store holds it as `sha256`.
    pub fn stored_as(&self, sha256: String) -> crate::model::StoredImage {
        crate::model::StoredImage {
            sha256,
            bytes: self.bytes.len() as u64,
            coding: self.coding,
            width: self.width,
            height: self.height,
            colour: self.colour,
            black_is_1: self.black_is_1,
            inverted: self.inverted,
            kept_from_source: self.kept_from_source,
            pdf_page: 0,
        }
    }
}

/// The image the store keeps of a decoded page (see the module's doc for
/// the order of choices). Takes the page's source bytes and colour (no copy
/// of a file's bytes); its gray pixels stay for OCR.
pub fn for_storage(page: &mut PageImage) -> Encoded {
    let size = page.gray.dimensions();
    let (w, h) = size;
    let source = page.source.take();
    let colour = page.colour.take();
    match source {
        Some(SourceCoding::G4 { data, black_is_1 }) => {
            if let Some(inverted) = decode_g4(&data, w, h, black_is_1).and_then(|d| same_or_negative(&d, &page.gray)) {
                return Encoded { black_is_1, ..Encoded::kept(ImageCoding::G4, size, false, inverted, data) };
            }
        }
        Some(SourceCoding::Jpeg(bytes)) => {
            if let Some(info) = jpeg_info(&bytes).filter(|i| i.keepable && (i.width, i.height) == size) {
                return Encoded::kept(ImageCoding::Jpeg, size, info.components == 3, page.inverted, bytes);
            }
        }
        Some(SourceCoding::Png(bytes)) if !is_bilevel(&page.gray) => {
            if let Some(info) = png_info(&bytes).filter(|i| i.keepable && (i.width, i.height) == size) {
                return Encoded::kept(ImageCoding::Png, size, info.colour, page.inverted, bytes);
            }
        }
        _ => {}
    }
    if is_bilevel(&page.gray) {
        if let Some(bytes) = encode_g4(&page.gray) {
            return Encoded { kept_from_source: false, ..Encoded::kept(ImageCoding::G4, size, false, false, bytes) };
        }
    }
    let (pixels, colour, inverted) = match &colour {
        Some(rgb) if rgb.dimensions() == size => (Pixels::Rgb(rgb), true, page.inverted),
        _ => (Pixels::Gray(&page.gray), false, false),
    };
    let (coding, bytes) = smaller_of_png_and_jpeg(pixels, JPEG_QUALITY);
    Encoded { kept_from_source: false, ..Encoded::kept(coding, size, colour, inverted, bytes) }
}

/// Pixels to encode.
#[derive(Clone, Copy)]
pub enum Pixels<'a> {
    Gray(&'a GrayImage),
    Rgb(&'a RgbImage),
}

fn smaller_of_png_and_jpeg(pixels: Pixels, quality: u8) -> (ImageCoding, Vec<u8>) {
    let png = encode_png(pixels);
    match encode_jpeg(pixels, quality) {
        Some(jpeg) if jpeg.len() < png.len() => (ImageCoding::Jpeg, jpeg),
        _ => (ImageCoding::Png, png),
    }
}

/// Whether every pixel is pure black or pure white.
pub fn is_bilevel(gray: &GrayImage) -> bool {
    gray.as_raw().iter().all(|&p| p == 0 || p == 255)
}

/// `Some(false)` when `a` and `b` are the same pixels, `Some(true)` when one
/// is the other's negative, else `None`.
fn same_or_negative(a: &GrayImage, b: &GrayImage) -> Option<bool> {
    if a.dimensions() != b.dimensions() {
        return None;
    }
    let (a, b) = (a.as_raw(), b.as_raw());
    if a == b {
        Some(false)
    } else if a.iter().zip(b).all(|(x, y)| *x == 255 - *y) {
        Some(true)
    } else {
        None
    }
}

/// Encodes a bilevel page (0 is black) as a CCITT Group 4 stream
/// (`BlackIs1` false). `None` for a page wider than Group 4 can code.
pub fn encode_g4(gray: &GrayImage) -> Option<Vec<u8>> {
    let (w, _) = gray.dimensions();
    let width = u16::try_from(w).ok().filter(|&w| w > 0)?;
    let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
    for row in gray.as_raw().chunks_exact(w as usize) {
        let pels = row.iter().map(|&p| if p < 128 { fax::Color::Black } else { fax::Color::White });
        // VecWriter cannot fail.
        let Ok(()) = encoder.encode_line(pels, width);
    }
    let Ok(writer) = encoder.finish();
    Some(writer.finish())
}

/// Decodes a Group 4 stream of a `w` x `h` page, as PDF's `CCITTFaxDecode`
/// with `BlackIs1` does: black runs are 0 (black) unless `black_is_1`.
/// `None` when the stream does not give a whole page.
pub fn decode_g4(data: &[u8], w: u32, h: u32, black_is_1: bool) -> Option<GrayImage> {
    let (width, height) = (u16::try_from(w).ok()?, u16::try_from(h).ok()?);
    let (black, white) = if black_is_1 { (255u8, 0u8) } else { (0u8, 255u8) };
    let mut out = Vec::with_capacity(w as usize * h as usize);
    fax::decoder::decode_g4(data.iter().copied(), width, Some(height), |transitions| {
        if out.len() < w as usize * h as usize {
            out.extend(fax::decoder::pels(transitions, width).map(|c| match c {
                fax::Color::Black => black,
                fax::Color::White => white,
            }));
        }
    });
    (out.len() == w as usize * h as usize).then(|| GrayImage::from_raw(w, h, out)).flatten()
}

/// Encodes pixels as a PNG file (8-bit, not interlaced, fast compression).
pub fn encode_png(pixels: Pixels) -> Vec<u8> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut out = Vec::new();
    let encoder = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
    let result = match pixels {
        Pixels::Gray(g) => encoder.write_image(g.as_raw(), g.width(), g.height(), image::ExtendedColorType::L8),
        Pixels::Rgb(c) => encoder.write_image(c.as_raw(), c.width(), c.height(), image::ExtendedColorType::Rgb8),
    };
    // Writing to memory fails only on a size the decoders already refused.
    if result.is_err() {
        out.clear();
    }
    out
}

/// Encodes pixels as a baseline JPEG file at `quality`. `None` for a page
/// larger than JPEG's 65535 pixels a side.
pub fn encode_jpeg(pixels: Pixels, quality: u8) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    let (w, h) = match pixels {
        Pixels::Gray(g) => g.dimensions(),
        Pixels::Rgb(c) => c.dimensions(),
    };
    let (w, h) = (u16::try_from(w).ok()?, u16::try_from(h).ok()?);
    let result = match pixels {
        Pixels::Gray(g) => encoder.encode(g.as_raw(), w, h, jpeg_encoder::ColorType::Luma),
        Pixels::Rgb(c) => encoder.encode(c.as_raw(), w, h, jpeg_encoder::ColorType::Rgb),
    };
    result.ok().map(|()| out)
}

/// What a JPEG file's frame header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    /// Whether it can be kept as it is: baseline, extended or progressive
    /// Huffman coding, 8-bit samples, one or three components (what PDF
    /// readers and browsers all show).
    pub keepable: bool,
}

/// Reads a JPEG's markers up to its frame header. `None` when it is not a
/// JPEG or has no frame header before its scan.
pub fn jpeg_info(bytes: &[u8]) -> Option<JpegInfo> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2usize;
    loop {
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        while bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos + 1)?;
        pos += 2;
        match marker {
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let len = u16::from_be_bytes([*bytes.get(pos)?, *bytes.get(pos + 1)?]) as usize;
        if len < 2 {
            return None;
        }
        let frame = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if frame {
            let seg = bytes.get(pos + 2..pos + len)?;
            let (precision, components) = (*seg.first()?, *seg.get(5)?);
            let height = u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]) as u32;
            let width = u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]) as u32;
            let keepable = matches!(marker, 0xC0..=0xC2)
                && precision == 8
                && matches!(components, 1 | 3)
                && width > 0
                && height > 0;
            return Some(JpegInfo { width, height, components, keepable });
        }
        pos += len;
    }
}

/// What a PNG file's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngInfo {
    pub width: u32,
    pub height: u32,
    pub colour: bool,
    /// 8-bit gray or RGB, not interlaced: its image data is then a PDF
    /// `FlateDecode` stream with PNG predictors as it is.
    pub keepable: bool,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Reads a PNG's header chunk.
pub fn png_info(bytes: &[u8]) -> Option<PngInfo> {
    let ihdr = bytes.strip_prefix(PNG_SIGNATURE)?;
    if ihdr.get(4..8)? != b"IHDR" {
        return None;
    }
    let be = |at: usize| Some(u32::from_be_bytes(ihdr.get(at..at + 4)?.try_into().ok()?));
    let (width, height) = (be(8)?, be(12)?);
    let (depth, colour_type, interlace) = (*ihdr.get(16)?, *ihdr.get(17)?, *ihdr.get(20)?);
    Some(PngInfo {
        width,
        height,
        colour: colour_type == 2,
        keepable: depth == 8 && matches!(colour_type, 0 | 2) && interlace == 0 && width > 0 && height > 0,
    })
}

/// A PNG's image data: its `IDAT` chunks' contents joined (one zlib stream
/// of rows, each led by its filter byte).
pub fn png_image_data(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut rest = bytes.strip_prefix(PNG_SIGNATURE)?;
    let mut out = Vec::new();
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let kind = &rest[4..8];
        let data = rest.get(8..8 + len)?;
        if kind == b"IDAT" {
            out.extend_from_slice(data);
        } else if kind == b"IEND" {
            break;
        }
        rest = rest.get(12 + len..)?;
    }
    (!out.is_empty()).then_some(out)
}

/// Decodes a stored image to gray pixels (a JPEG or PNG of any kind, or
/// Group 4 with its parameters). `None` when the bytes do not decode.
pub fn decode_to_gray(
    coding: ImageCoding,
    bytes: &[u8],
    width: u32,
    height: u32,
    black_is_1: bool,
) -> Option<GrayImage> {
    match coding {
        ImageCoding::G4 => decode_g4(bytes, width, height, black_is_1),
        ImageCoding::Jpeg => {
            image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg).ok().map(|i| i.to_luma8())
        }
        ImageCoding::Png => {
            image::load_from_memory_with_format(bytes, image::ImageFormat::Png).ok().map(|i| i.to_luma8())
        }
        ImageCoding::PdfPage => None,
    }
}

/// A stored image as a browser shows it: its bytes and their media type.
/// JPEG and PNG files are sent as they are; Group 4 is decoded and sent as
/// a PNG (browsers show no Group 4). A PDF page has no picture (`None`).
pub fn for_browser(
    coding: ImageCoding,
    bytes: &[u8],
    width: u32,
    height: u32,
    black_is_1: bool,
) -> Option<(&'static str, Vec<u8>)> {
    match coding {
        ImageCoding::Jpeg => Some(("image/jpeg", bytes.to_vec())),
        ImageCoding::Png => Some(("image/png", bytes.to_vec())),
        ImageCoding::G4 => {
            let gray = decode_g4(bytes, width, height, black_is_1)?;
            Some(("image/png", encode_png(Pixels::Gray(&gray))))
        }
        ImageCoding::PdfPage => None,
    }
}

/// `matrix(a, b, c, d, e, f)` for CSS (same order and y-down pixels as
/// [`Affine`]): with `transform-origin: 0 0` it puts the stored image where
/// OCR's frame has it, so boxes in word coordinates land on the words.
pub fn css_matrix(m: Affine) -> String {
    let [a, b, c, d, e, f] = m.0;
    format!("matrix({a:.6}, {b:.6}, {c:.6}, {d:.6}, {e:.3}, {f:.3})")
}

/// An affine map of the plane, in PDF's order: (x, y) goes to
/// (a x + c y + e, b x + d y + f).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine(pub [f64; 6]);

impl Affine {
    pub const IDENTITY: Affine = Affine([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    pub fn apply(self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    /// `self`, then `next`.
    pub fn then(self, next: Affine) -> Affine {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = next.0;
        Affine([
            a2 * a + c2 * b,
            b2 * a + d2 * b,
            a2 * c + c2 * d,
            b2 * c + d2 * d,
            a2 * e + c2 * f + e2,
            b2 * e + d2 * f + f2,
        ])
    }

    pub fn translate(x: f64, y: f64) -> Affine {
        Affine([1.0, 0.0, 0.0, 1.0, x, y])
    }

    /// In image coordinates (y down): a clockwise turn as the picture shows it.
    pub fn clockwise(degrees: f64) -> Affine {
        let (s, c) = degrees.to_radians().sin_cos();
        Affine([c, s, -s, c, 0.0, 0.0])
    }
}

/// The size in pixels of the frame OCR read: the decoded page, turned.
pub fn ocr_frame(width: u32, height: u32, rotation: u16) -> (u32, u32) {
    if rotation % 180 == 90 {
        (height, width)
    } else {
        (width, height)
    }
}

/// Maps pixel coordinates of the page as decoded (`width` x `height`, y
/// down) to those of the frame OCR read and its word boxes are in: first
/// the skew correction (`skew` degrees clockwise about the page's centre,
/// the size kept, as Leptonica's deskew does), then `rotation` degrees
/// clockwise (a multiple of 90, as Leptonica's orthogonal rotation).
pub fn source_to_frame(width: u32, height: u32, skew: f32, rotation: u16) -> Affine {
    let (w, h) = (width as f64, height as f64);
    let deskew = if skew == 0.0 {
        Affine::IDENTITY
    } else {
        Affine::translate(-w / 2.0, -h / 2.0)
            .then(Affine::clockwise(skew as f64))
            .then(Affine::translate(w / 2.0, h / 2.0))
    };
    let turn = match rotation % 360 {
        90 => Affine([0.0, 1.0, -1.0, 0.0, h, 0.0]),
        180 => Affine([-1.0, 0.0, 0.0, -1.0, w, h]),
        270 => Affine([0.0, -1.0, 1.0, 0.0, 0.0, w]),
        _ => Affine::IDENTITY,
    };
    deskew.then(turn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn quarter_turns_move_corners_as_leptonica_does() {
        // A 4 x 2 page: its top-left corner after each clockwise turn.
        let cases = [(0, (0.0, 0.0)), (90, (2.0, 0.0)), (180, (4.0, 2.0)), (270, (0.0, 4.0))];
        for (rotation, expect) in cases {
            let m = source_to_frame(4, 2, 0.0, rotation);
            assert!(close(m.apply(0.0, 0.0), expect), "{rotation}: {:?}", m.apply(0.0, 0.0));
        }
        assert_eq!(ocr_frame(4, 2, 90), (2, 4));
        assert_eq!(ocr_frame(4, 2, 180), (4, 2));
    }

    #[test]
    fn a_skew_turns_about_the_centre_clockwise() {
        let m = source_to_frame(100, 100, 90.0, 0);
        assert!(close(m.apply(50.0, 50.0), (50.0, 50.0)));
        // The right edge's middle goes to the bottom's (clockwise, y down).
        assert!(close(m.apply(100.0, 50.0), (50.0, 100.0)), "{:?}", m.apply(100.0, 50.0));
        let small = source_to_frame(200, 100, 1.0, 0);
        let (x, y) = small.apply(200.0, 50.0);
        assert!((x - (100.0 + 100.0 * 1f64.to_radians().cos())).abs() < 1e-9 && y > 50.0);
    }

    #[test]
    fn then_composes_in_order() {
        let a = Affine::translate(1.0, 0.0);
        let b = Affine::clockwise(90.0);
        assert!(close(a.then(b).apply(0.0, 0.0), (0.0, 1.0)));
        assert!(close(b.then(a).apply(0.0, 0.0), (1.0, 0.0)));
    }

    fn page(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| Luma([f(x, y)]))
    }

    #[test]
    fn group4_round_trips_a_bilevel_page() {
        let g = page(301, 97, |x, y| if (x / 7 + y / 5) % 3 == 0 || x == 300 { 0 } else { 255 });
        let coded = encode_g4(&g).unwrap();
        assert_eq!(decode_g4(&coded, 301, 97, false).unwrap(), g);
        let negative = decode_g4(&coded, 301, 97, true).unwrap();
        assert!(negative.as_raw().iter().zip(g.as_raw()).all(|(a, b)| *a == 255 - *b));
        assert!(decode_g4(&coded[..coded.len() / 3], 301, 97, false).is_none(), "a cut stream is no page");
    }

    #[test]
    fn a_bilevel_page_is_stored_as_group4_and_a_gray_one_losslessly_or_as_jpeg() {
        let bilevel = page(200, 100, |x, _| if x % 10 < 3 { 0 } else { 255 });
        let e = for_storage(&mut PageImage::gray(bilevel.clone(), None));
        assert_eq!((e.coding, e.kept_from_source, e.inverted), (ImageCoding::G4, false, false));
        assert_eq!(decode_to_gray(e.coding, &e.bytes, 200, 100, e.black_is_1).unwrap(), bilevel);
        // Clean typeset-like gray: PNG is smaller than JPEG, and lossless.
        let gray = page(200, 100, |x, y| if (x + y) % 17 < 2 { 40 } else { 250 });
        let e = for_storage(&mut PageImage::gray(gray.clone(), None));
        assert_eq!(e.coding, ImageCoding::Png);
        assert_eq!(decode_to_gray(e.coding, &e.bytes, 200, 100, false).unwrap(), gray);
        // Noise: JPEG is smaller.
        let noisy = page(200, 100, |x, y| {
            let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(2_246_822_519);
            (v >> 24) as u8 | 0x80
        });
        let e = for_storage(&mut PageImage::gray(noisy, None));
        assert_eq!(e.coding, ImageCoding::Jpeg);
    }

    #[test]
    fn a_sources_group4_is_kept_when_it_gives_the_pixels_ocr_read_or_their_negative() {
        let g = page(64, 32, |x, y| if (x * y) % 9 == 0 { 0 } else { 255 });
        let data = encode_g4(&g).unwrap();
        let mut p = PageImage::gray(g.clone(), None);
        p.source = Some(SourceCoding::G4 { data: data.clone(), black_is_1: false });
        let e = for_storage(&mut p.clone());
        assert_eq!((e.coding, e.kept_from_source, e.inverted), (ImageCoding::G4, true, false));
        p.source = Some(SourceCoding::G4 { data: data.clone(), black_is_1: true });
        let e = for_storage(&mut p.clone());
        assert_eq!((e.kept_from_source, e.inverted, e.black_is_1), (true, true, true));
        // A stream of other pixels is not kept: the page is coded afresh.
        let other = page(64, 32, |x, _| if x % 2 == 0 { 0 } else { 255 });
        p.source = Some(SourceCoding::G4 { data: encode_g4(&other).unwrap(), black_is_1: false });
        let e = for_storage(&mut p.clone());
        assert_eq!((e.coding, e.kept_from_source), (ImageCoding::G4, false));
        assert_eq!(decode_g4(&e.bytes, 64, 32, false).unwrap(), g);
    }

    #[test]
    fn jpeg_and_png_headers_are_read() {
        let g = page(40, 30, |x, _| (x * 6) as u8);
        let jpeg = encode_jpeg(Pixels::Gray(&g), 80).unwrap();
        assert_eq!(jpeg_info(&jpeg), Some(JpegInfo { width: 40, height: 30, components: 1, keepable: true }));
        let png = encode_png(Pixels::Gray(&g));
        assert_eq!(png_info(&png), Some(PngInfo { width: 40, height: 30, colour: false, keepable: true }));
        assert!(png_image_data(&png).is_some());
        assert_eq!(jpeg_info(b"\xFF\xD8\xFF\xDA"), None);
        assert_eq!(jpeg_info(b"not a jpeg"), None);
        assert_eq!(png_info(&png[..20]), None);
        let mut p = PageImage::gray(g.clone(), None);
        p.source = Some(SourceCoding::Jpeg(jpeg.clone()));
        let e = for_storage(&mut p.clone());
        assert_eq!((e.coding, e.kept_from_source, e.bytes == jpeg), (ImageCoding::Jpeg, true, true));
        p.source = Some(SourceCoding::Png(png.clone()));
        let e = for_storage(&mut p.clone());
        assert_eq!((e.coding, e.kept_from_source, e.bytes == png), (ImageCoding::Png, true, true));
    }

    #[test]
    fn a_browser_gets_jpeg_and_png_as_they_are_and_group4_as_png() {
        let g = page(120, 80, |x, y| if (x + y) % 9 == 0 { 0 } else { 255 });
        let g4 = encode_g4(&g).unwrap();
        let (kind, png) = for_browser(ImageCoding::G4, &g4, 120, 80, false).unwrap();
        assert_eq!(kind, "image/png");
        assert_eq!(decode_to_gray(ImageCoding::Png, &png, 120, 80, false).unwrap(), g);
        let jpeg = encode_jpeg(Pixels::Gray(&g), 80).unwrap();
        assert_eq!(for_browser(ImageCoding::Jpeg, &jpeg, 120, 80, false), Some(("image/jpeg", jpeg.clone())));
        assert_eq!(for_browser(ImageCoding::PdfPage, b"%PDF", 0, 0, false), None);
        assert_eq!(css_matrix(Affine::IDENTITY), "matrix(1.000000, 0.000000, 0.000000, 1.000000, 0.000, 0.000)");
    }

    #[test]
    fn garbage_decodes_to_nothing_without_a_panic() {
        for bytes in [&b""[..], b"\xFF\xD8", b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", &[0u8; 64][..], &[0xFFu8; 64][..]] {
            for coding in [ImageCoding::Jpeg, ImageCoding::Png] {
                assert!(decode_to_gray(coding, bytes, 10, 10, false).is_none());
            }
            // Group 4 has no check of its own (the store's SHA-256 is): any
            // bits may decode to some page, but never panic.
            let _ = decode_to_gray(ImageCoding::G4, bytes, 10, 10, false);
            let _ = (jpeg_info(bytes), png_info(bytes), png_image_data(bytes));
        }
    }
}

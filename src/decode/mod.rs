//! Decoding: turn the bytes of one input file into pages.
//!
//! A file is opened once ([`open`]), which checks its structure and counts its
//! pages; then each page is decoded on its own ([`Opened::page`]) so pages of a
//! long file can be processed in parallel and only a few are held in memory.
//!
//! Every page comes out as 8-bit grayscale pixels (or as text, for PDF pages
//! with a text layer). Dimensions are checked against the pixel limit from the
//! file's header *before* any pixel buffer is allocated. Third-party decoders
//! run inside `error::contain_panic`, so a decoder panic becomes an
//! [`InputError`] for that file or page.

mod lept;
mod pdf;
mod raster;
mod tiff;

use crate::error::InputError;
use crate::model::Format;
use image::{GrayImage, RgbImage};

/// Limits on what a decoder will accept.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest page, in pixels (width × height).
    pub max_pixels: u64,
    /// Most pages read from one file.
    pub max_pages: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        // 20000 × 10000 pixels: an A3 page at 1200 dpi. Scans are far smaller.
        Limits { max_pixels: 200_000_000, max_pages: 10_000 }
    }
}

impl Limits {
    pub(crate) fn check(&self, width: u64, height: u64) -> Result<(), InputError> {
        if width == 0 || height == 0 {
            return Err(InputError::Corrupt {
                format: "image",
                detail: format!("image has a zero dimension ({width} x {height})"),
            });
        }
        if width.saturating_mul(height) > self.max_pixels {
            return Err(InputError::TooLarge { width, height, limit: self.max_pixels });
        }
        Ok(())
    }
}

/// A page image as decoded: 8-bit gray, 0 = black, plus the resolution the
/// file claims (if it claims one), and what the store keeps of the page
/// (see [`crate::imaging::for_storage`]).
#[derive(Debug, Clone)]
pub struct PageImage {
    /// The pixels OCR reads: ink dark on light paper.
    pub gray: GrayImage,
    pub dpi: Option<f32>,
    /// The page in colour, when the source has colour (none for gray sources).
    pub colour: Option<RgbImage>,
    /// The source's own compressed bytes of these pixels, where they are a
    /// good encoding to keep as they are.
    pub source: Option<SourceCoding>,
    /// Whether `gray` is the negative of what `source` and `colour` show (a
    /// negative scan made positive).
    pub inverted: bool,
}

impl PageImage {
    /// Gray pixels only: the store encodes them itself.
    pub fn gray(gray: GrayImage, dpi: Option<f32>) -> PageImage {
        PageImage { gray, dpi, colour: None, source: None, inverted: false }
    }

    /// Makes the page positive (see [`normalise_polarity`]), noting whether
    /// it was turned.
    fn positive(mut self) -> PageImage {
        self.inverted ^= normalise_polarity(&mut self.gray);
        self
    }
}

/// A page's pixels as the source file holds them, kept byte for byte.
#[derive(Clone, PartialEq)]
pub enum SourceCoding {
    /// A whole JPEG file (a JFIF file, or a PDF's DCT stream): 8-bit,
    /// Huffman-coded, one or three components.
    Jpeg(Vec<u8>),
    /// A whole PNG file: 8-bit gray or RGB, not interlaced.
    Png(Vec<u8>),
    /// A CCITT Group 4 stream of the page (a TIFF strip, a PDF
    /// `CCITTFaxDecode` stream with `K < 0`). `black_is_1`: as the PDF
    /// parameter `BlackIs1`, the coded black runs are white without it.
    G4 { data: Vec<u8>, black_is_1: bool },
}

impl std::fmt::Debug for SourceCoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Pixels are patient data: never printed.
        match self {
            SourceCoding::Jpeg(b) => write!(f, "Jpeg({} bytes)", b.len()),
            SourceCoding::Png(b) => write!(f, "Png({} bytes)", b.len()),
            SourceCoding::G4 { data, black_is_1 } => write!(f, "G4({} bytes, black_is_1 {black_is_1})", data.len()),
        }
    }
}

/// `img` as colour pixels, when it has colour: RGB (without alpha) whose
/// channels differ somewhere. A gray picture stored as RGB is no colour.
pub(crate) fn colour_of(img: &image::DynamicImage) -> Option<RgbImage> {
    let c = img.color();
    if c.has_alpha() || c.channel_count() < 3 {
        return None;
    }
    let rgb = img.to_rgb8();
    rgb.pixels().any(|p| p.0[0] != p.0[1] || p.0[1] != p.0[2]).then_some(rgb)
}

/// One decoded page.
#[derive(Debug)]
pub enum RawPage {
    /// Pixels to OCR.
    Image(PageImage),
    /// Text from a PDF text layer; no OCR needed.
    Text(String),
}

/// A file whose structure has been checked and whose pages are counted.
pub enum Opened<'a> {
    Raster(&'a [u8]),
    Tiff(tiff::TiffFile<'a>),
    Pdf(Box<pdf::PdfFile>),
}

/// Opens `bytes` as `format`: checks the structure, counts pages.
pub fn open<'a>(format: Format, bytes: &'a [u8], limits: &Limits) -> Result<Opened<'a>, InputError> {
    if bytes.is_empty() {
        return Err(InputError::Empty);
    }
    crate::error::contain_panic("opening the file", || match format {
        Format::Png | Format::Jpeg => {
            raster::check(bytes, limits)?;
            Ok(Opened::Raster(bytes))
        }
        Format::Tiff => Ok(Opened::Tiff(tiff::TiffFile::open(bytes, limits)?)),
        Format::Pdf => Ok(Opened::Pdf(Box::new(pdf::PdfFile::open(bytes, limits)?))),
    })
}

impl Opened<'_> {
    /// Number of pages. A TIFF whose page chain breaks counts the broken page,
    /// so its failure is recorded against it.
    pub fn page_count(&self) -> u32 {
        match self {
            Opened::Raster(_) => 1,
            Opened::Tiff(t) => t.page_count(),
            Opened::Pdf(p) => p.page_count(),
        }
    }

    /// Decodes page `n` (1-based).
    pub fn page(&self, n: u32, limits: &Limits) -> Result<RawPage, InputError> {
        crate::error::contain_panic(&format!("decoding page {n}"), || match self {
            Opened::Raster(bytes) => raster::decode(bytes, limits).map(RawPage::Image),
            Opened::Tiff(t) => t.page(n, limits).map(RawPage::Image),
            Opened::Pdf(p) => p.page(n, limits),
        })
    }
}

/// Makes a mostly-dark page (a negative, or a bilevel image with inverted
/// polarity) positive: real pages are dark ink on light paper. Returns
/// whether it was inverted.
pub(crate) fn normalise_polarity(gray: &mut GrayImage) -> bool {
    let pixels = gray.as_raw();
    if pixels.is_empty() {
        return false;
    }
    // Sample every 7th pixel: enough for a mean, cheap on big pages.
    let (sum, n) = pixels.iter().step_by(7).fold((0u64, 0u64), |(s, n), &p| (s + p as u64, n + 1));
    let negative = sum / n < 96;
    if negative {
        image::imageops::invert(gray);
    }
    negative
}

/// Expands packed 1-bit rows (`0` bit = black unless `one_is_black`) to 8-bit gray.
pub(crate) fn unpack_bits(packed: &[u8], width: u32, height: u32, one_is_black: bool) -> Option<GrayImage> {
    let row_bytes = (width as usize).div_ceil(8);
    if packed.len() < row_bytes * height as usize {
        return None;
    }
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for row in packed.chunks(row_bytes).take(height as usize) {
        for x in 0..width as usize {
            let bit = (row[x / 8] >> (7 - (x % 8))) & 1 == 1;
            out.push(if bit != one_is_black { 255 } else { 0 });
        }
    }
    GrayImage::from_raw(width, height, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpack_bits_reads_msb_first() {
        let img = unpack_bits(&[0b1010_0000], 3, 1, false).unwrap();
        assert_eq!(img.as_raw(), &vec![255, 0, 255]);
        let img = unpack_bits(&[0b1010_0000], 3, 1, true).unwrap();
        assert_eq!(img.as_raw(), &vec![0, 255, 0]);
        assert!(unpack_bits(&[0], 9, 1, false).is_none());
    }

    #[test]
    fn negative_pages_are_made_positive() {
        let mut dark = GrayImage::from_pixel(10, 10, image::Luma([10]));
        assert!(normalise_polarity(&mut dark));
        assert_eq!(dark.get_pixel(0, 0).0[0], 245);
        let mut light = GrayImage::from_pixel(10, 10, image::Luma([200]));
        assert!(!normalise_polarity(&mut light));
        assert_eq!(light.get_pixel(0, 0).0[0], 200);
    }

    #[test]
    fn limits_refuse_absurd_dimensions() {
        let limits = Limits::default();
        assert!(matches!(limits.check(100_000, 100_000), Err(InputError::TooLarge { .. })));
        assert!(limits.check(2550, 3300).is_ok());
        assert!(matches!(limits.check(0, 10), Err(InputError::Corrupt { .. })));
    }
}

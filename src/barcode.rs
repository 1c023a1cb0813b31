//! Barcodes on a page, and what a site's patterns make of them.
//!
//! Reading is pure (pixels in, barcodes out, no I/O): [`read`] finds the
//! Code 128, Code 39, QR and DataMatrix symbols of a page with rxing, a pure
//! Rust port of ZXing, and never panics (rxing runs inside
//! `crate::error::contain_panic`). What a barcode means is the site's:
//! `[[barcodes]]` rules ([`BarcodeRule`]) map its text to an MRN (with a
//! date of birth when the site's labels carry both), a document type, a
//! cover sheet or a separator sheet ([`Rules::meaning`]). Without rules,
//! barcodes are read and kept on the page record and mean nothing.
//!
//! A barcode's text on a patient label is PHI: it goes to the store (the
//! page record) and, as identifiers, to the exports; never to a log or an
//! error message.

use crate::extract::{Date, DateOrder, ExtractConfig, Extracted, Found};
use image::GrayImage;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// The symbologies chartmill reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symbology {
    Code128,
    Code39,
    Qr,
    DataMatrix,
}

impl Symbology {
    pub fn name(self) -> &'static str {
        match self {
            Symbology::Code128 => "code128",
            Symbology::Code39 => "code39",
            Symbology::Qr => "qr",
            Symbology::DataMatrix => "data_matrix",
        }
    }

    fn of(format: &rxing::BarcodeFormat) -> Option<Symbology> {
        match format {
            rxing::BarcodeFormat::CODE_128 => Some(Symbology::Code128),
            rxing::BarcodeFormat::CODE_39 => Some(Symbology::Code39),
            rxing::BarcodeFormat::QR_CODE => Some(Symbology::Qr),
            rxing::BarcodeFormat::DATA_MATRIX => Some(Symbology::DataMatrix),
            _ => None,
        }
    }
}

/// One barcode read on a page: its symbology, its text, and the box it was
/// found in (pixels of the page as decoded, before OCR turned it: `x, y,
/// w, h`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Barcode {
    pub symbology: Symbology,
    pub text: String,
    pub bbox: [u32; 4],
}

/// The barcodes of a page scanned at `dpi`. Nothing found, or a reader
/// failure, is an empty list: a barcode is extra evidence, never a reason
/// for a page to fail.
///
/// rxing reading a whole 300-dpi page for four symbologies costs about a
/// seventh of the page's OCR time, so the page is first looked over for
/// where a symbol can be (`likely_regions`: blocks of dense ink, which
/// text is not), and only those regions are read, at full resolution. A
/// page with too many such regions (a photograph, a dark scan) is read
/// whole, at no more than 200 dpi.
pub fn read(gray: &GrayImage, dpi: u32) -> Vec<Barcode> {
    let found = crate::error::contain_panic("reading barcodes", || Ok(read_unguarded(gray, dpi)));
    found.unwrap_or_else(|e| {
        log::debug!("barcodes: {e}");
        Vec::new()
    })
}

fn read_unguarded(gray: &GrayImage, dpi: u32) -> Vec<Barcode> {
    let (w, h) = gray.dimensions();
    if w.min(h) < 20 {
        return Vec::new();
    }
    let dpi = dpi.clamp(50, 1200);
    let Some(regions) = likely_regions(gray, dpi) else { return read_whole(gray, dpi) };
    let mut out: Vec<Barcode> = Vec::new();
    for ([x, y, rw, rh], kind) in regions {
        let crop = image::imageops::crop_imm(gray, x, y, rw, rh).to_image();
        // The block is the symbol, in the middle of its box: rxing's quick
        // look (the middle rows, the symbol about the centre) reads it.
        // Sideways bars are turned upright first.
        let found = match kind {
            Block::Bars => decode_all(crop, &ONE_D, false),
            Block::SidewaysBars => {
                let turned = decode_all(image::imageops::rotate90(&crop), &ONE_D, false);
                // Clockwise: the turned image's (x, y) is the crop's (y, height - 1 - x).
                turned
                    .into_iter()
                    .map(|b| {
                        let [tx, ty, tw, th] = b.bbox;
                        Barcode { bbox: [ty, rh.saturating_sub(tx + tw), th, tw], ..b }
                    })
                    .collect()
            }
            Block::Modules => decode_all(crop, &TWO_D, false),
        };
        for mut b in found {
            if !out.iter().any(|o| o.symbology == b.symbology && o.text == b.text) {
                (b.bbox[0], b.bbox[1]) = (b.bbox[0] + x, b.bbox[1] + y);
                out.push(b);
            }
        }
    }
    out
}

/// The whole page, at no more than 200 dpi (halved, then made two thirds
/// of its size, as its resolution asks).
fn read_whole(gray: &GrayImage, dpi: u32) -> Vec<Barcode> {
    let mut page = std::borrow::Cow::Borrowed(gray);
    let (mut scale, mut dpi) = (1.0f32, dpi);
    while dpi >= 400 {
        page = std::borrow::Cow::Owned(halve(&page));
        (scale, dpi) = (scale * 2.0, dpi / 2);
    }
    if dpi >= 240 {
        page = std::borrow::Cow::Owned(two_thirds(&page));
        scale *= 1.5;
    }
    let mut found = decode_all(page.into_owned(), &ALL, true);
    for b in &mut found {
        b.bbox = b.bbox.map(|v| (v as f32 * scale).round() as u32);
    }
    found
}

/// What a block of [`likely_regions`] looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// Upright bars: a 1D symbol.
    Bars,
    /// Bars lying down: a 1D symbol turned a quarter.
    SidewaysBars,
    /// Modules: a 2D symbol.
    Modules,
}

/// More regions than this, or regions covering more than a quarter of the
/// page, and the page is read whole.
const MAX_REGIONS: usize = 24;

/// Where a page's barcodes can be: boxes (`x, y, w, h`, pixels), and what
/// they look like (bars, bars turned, modules), around
/// blocks of cells (1 mm square) that look like a symbol's, at least 4 mm
/// both ways. A symbol inks a third to four fifths of its area, and its
/// bars or modules turn from ink to paper and back at least once a
/// millimetre across (a 1D symbol's bars) or down, or both (a 2D
/// symbol's modules). Printed text inks less than that; bold headings
/// ink as much but turn less often; rules and boxes are thin. A box takes
/// in 6 mm and a quarter of its smaller side more each side (the symbol's quiet
/// zone, and edges of large modules that a cell did not take for a symbol's). `None` when the page
/// has too many such blocks to be worth it (a photograph, a dark scan).
fn likely_regions(gray: &GrayImage, dpi: u32) -> Option<Vec<([u32; 4], Block)>> {
    let (w, h) = gray.dimensions();
    let cell = (dpi / 25).max(4) as usize;
    let (gw, gh) = (w as usize / cell, h as usize / cell);
    if gw < 4 || gh < 4 {
        return None;
    }
    let src = gray.as_raw();
    let stride = w as usize;
    // Ink: darker than half the paper (the brightest common level).
    let mut histogram = [0usize; 256];
    src.iter().step_by(61).for_each(|&p| histogram[p as usize] += 1);
    let total: usize = histogram.iter().sum();
    let mut seen = 0;
    let paper = (0..256).rev().find(|&v| {
        seen += histogram[v];
        seen * 4 >= total
    })?;
    let ink = (paper / 2) as u8;
    // Per cell, over every other row: ink, changes along the row, changes
    // to the row under it.
    let mut stats = vec![[0u32; 3]; gw * gh];
    for y in (0..gh * cell).step_by(2) {
        // The row two under: every edge between rows is crossed once.
        let under = (y + 2).min(h as usize - 1);
        let (row, next) = (&src[y * stride..y * stride + gw * cell], &src[under * stride..under * stride + gw * cell]);
        let cells = &mut stats[(y / cell) * gw..(y / cell + 1) * gw];
        let mut before = row[0] < ink;
        for (c, (r, n)) in cells.iter_mut().zip(row.chunks_exact(cell).zip(next.chunks_exact(cell))) {
            for (&p, &q) in r.iter().zip(n) {
                let dark = p < ink;
                c[0] += dark as u32;
                c[1] += (dark != before) as u32;
                c[2] += (dark != (q < ink)) as u32;
                before = dark;
            }
        }
    }
    // Each cell judged with the eight around it (3 mm square): the share of
    // ink of a symbol whose bars or modules are as wide as a cell does not
    // then depend on where the cells fall on them.
    let mut around = vec![[0f32; 3]; gw * gh];
    for y in 0..gh {
        for x in 0..gw {
            let mut sum = [0u32; 3];
            for ny in y.saturating_sub(1)..(y + 2).min(gh) {
                for nx in x.saturating_sub(1)..(x + 2).min(gw) {
                    let c = stats[ny * gw + nx];
                    (sum[0], sum[1], sum[2]) = (sum[0] + c[0], sum[1] + c[1], sum[2] + c[2]);
                }
            }
            let n = ((y + 2).min(gh) - y.saturating_sub(1)) * ((x + 2).min(gw) - x.saturating_sub(1));
            // Back to one cell's worth.
            around[y * gw + x] = sum.map(|v| v as f32 / n as f32);
        }
    }
    let rows = cell.div_ceil(2) as u32;
    let area = rows * cell as u32;
    // 0: nothing; 1: bars (changes across, few down); 2: bars turned; 3: modules (both ways).
    let kinds: Vec<u8> = around
        .iter()
        .map(|&[dark, across, down]| {
            // Changes a millimetre (a cell), across and down.
            let (across, down) = (across / rows as f32, down * cell as f32 / area as f32 / 2.0);
            let inked = (0.3..=0.8).contains(&(dark / area as f32));
            if !inked {
                0
            } else if across >= 0.5 && down * 3.0 <= across {
                1
            } else if down >= 0.5 && across * 3.0 <= down {
                2
            } else if across >= 0.25 && down >= 0.25 {
                3
            } else {
                0
            }
        })
        .collect();
    let like: Vec<bool> = kinds.iter().map(|&k| k > 0).collect();
    // Joined across a cell: a wide space of a Code 39, a quiet module row.
    let mut joined = like.clone();
    for y in 0..gh {
        for x in 0..gw {
            if like[y * gw + x] {
                for (nx, ny) in [(x.wrapping_sub(1), y), (x + 1, y), (x, y.wrapping_sub(1)), (x, y + 1)] {
                    if nx < gw && ny < gh {
                        joined[ny * gw + nx] = true;
                    }
                }
            }
        }
    }
    let least = (4 * dpi as usize * 10 / 254).div_ceil(cell) + 2;
    let pad = (6 * dpi * 10 / 254) as usize;
    let mut seen = vec![false; gw * gh];
    let mut boxes: Vec<([u32; 4], Block)> = Vec::new();
    for start in 0..gw * gh {
        if !joined[start] || seen[start] {
            continue;
        }
        // One block: its cells, flood-filled; how many look like a symbol's.
        let (mut x0, mut y0, mut x1, mut y1, mut count) = (usize::MAX, usize::MAX, 0, 0, 0usize);
        let mut of_kind = [0usize; 4];
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % gw, i / gw);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            count += like[i] as usize;
            of_kind[kinds[i] as usize] += 1;
            for j in [i.wrapping_sub(1), i + 1, i.wrapping_sub(gw), i + gw] {
                let neighbour = match j {
                    _ if j == i.wrapping_sub(1) => x > 0,
                    _ if j == i + 1 => x + 1 < gw,
                    _ if j == i.wrapping_sub(gw) => y > 0,
                    _ => y + 1 < gh,
                };
                if neighbour && joined[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
        // A symbol fills its box; a block of text cells strays.
        if bw < least || bh < least || count * 3 < (bw - 2) * (bh - 2) {
            continue;
        }
        // Larger modules leave more of a symbol's edge unseen: a quarter more.
        let pad = pad + bw.min(bh) * cell / 4;
        let bx = (x0 * cell).saturating_sub(pad);
        let by = (y0 * cell).saturating_sub(pad);
        let rw = ((x1 + 1) * cell + pad).min(w as usize) - bx;
        let rh = ((y1 + 1) * cell + pad).min(h as usize) - by;
        let kind = match (1..4).max_by_key(|&k| of_kind[k]) {
            Some(1) => Block::Bars,
            Some(2) => Block::SidewaysBars,
            _ => Block::Modules,
        };
        boxes.push(([bx as u32, by as u32, rw as u32, rh as u32], kind));
        if boxes.len() > 4 * MAX_REGIONS {
            return None;
        }
    }
    // Boxes that overlap are one (a symbol cut by a wide space).
    let mut merged: Vec<([u32; 4], Block)> = Vec::new();
    for (b, kind) in boxes {
        let (mut b, mut kind) = (b, kind);
        while let Some(i) = merged.iter().position(|(m, _)| overlap(m, &b)) {
            let (m, m_kind) = merged.swap_remove(i);
            let (x0, y0) = (m[0].min(b[0]), m[1].min(b[1]));
            let (x1, y1) = ((m[0] + m[2]).max(b[0] + b[2]), (m[1] + m[3]).max(b[1] + b[3]));
            kind = if m[2] * m[3] > b[2] * b[3] { m_kind } else { kind };
            b = [x0, y0, x1 - x0, y1 - y0];
        }
        merged.push((b, kind));
    }
    let covered: u64 = merged.iter().map(|(b, _)| b[2] as u64 * b[3] as u64).sum();
    (merged.len() <= MAX_REGIONS && covered * 4 <= w as u64 * h as u64).then_some(merged)
}

fn overlap(a: &[u32; 4], b: &[u32; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

/// The symbologies read.
const ALL: [rxing::BarcodeFormat; 4] = [
    rxing::BarcodeFormat::CODE_128,
    rxing::BarcodeFormat::CODE_39,
    rxing::BarcodeFormat::QR_CODE,
    rxing::BarcodeFormat::DATA_MATRIX,
];
const ONE_D: [rxing::BarcodeFormat; 2] = [rxing::BarcodeFormat::CODE_128, rxing::BarcodeFormat::CODE_39];
const TWO_D: [rxing::BarcodeFormat; 2] = [rxing::BarcodeFormat::QR_CODE, rxing::BarcodeFormat::DATA_MATRIX];

/// At most this many barcodes are read on a page.
const MAX_PER_PAGE: usize = 8;

/// Decodes every barcode of `work`, one after another: each one found is
/// painted over before looking again (cheaper than rxing's search of the
/// regions around a find).
fn decode_all(mut work: GrayImage, formats: &[rxing::BarcodeFormat], harder: bool) -> Vec<Barcode> {
    let mut out: Vec<Barcode> = Vec::new();
    while out.len() < MAX_PER_PAGE {
        let Some((symbology, text, points)) = decode_one(&work, formats, harder) else { break };
        let Some([x, y, w, h]) = extent(&work, &points, symbology) else { break };
        if out.iter().any(|b| b.symbology == symbology && b.text == text) {
            // Painted over and found again: its box was not where rxing said.
            break;
        }
        for yy in y..y + h {
            for xx in x..x + w {
                work.put_pixel(xx, yy, image::Luma([255]));
            }
        }
        out.push(Barcode { symbology, text, bbox: [x, y, w, h] });
    }
    out
}

/// A symbol rxing read: its symbology, text, and the points it reports.
type Decoded = (Symbology, String, Vec<(f32, f32)>);

/// The first barcode rxing finds in `gray`: symbology, text, and the
/// points it reports (a 1D code's two ends on the row read; a 2D code's
/// corners or finder patterns).
fn decode_one(gray: &GrayImage, formats: &[rxing::BarcodeFormat], harder: bool) -> Option<Decoded> {
    use rxing::Reader;
    let (w, h) = gray.dimensions();
    let source = rxing::Luma8Source::new_with_slice(gray.as_raw(), w, h).ok()?;
    let mut bitmap = rxing::BinaryBitmap::new(rxing::common::HybridBinarizer::new(source));
    let hints = rxing::DecodeHints {
        PossibleFormats: Some(formats.iter().cloned().collect()),
        TryHarder: Some(harder),
        ..Default::default()
    };
    let r = rxing::MultiUseMultiFormatReader::default().decode_with_hints(&mut bitmap, &hints).ok()?;
    let symbology = Symbology::of(r.getBarcodeFormat())?;
    let text = r.getText().to_string();
    let points = r.getPoints().iter().map(|p| (p.x, p.y)).collect();
    (!text.is_empty()).then_some((symbology, text, points))
}

/// The box of a symbol in `gray` (`x, y, w, h`, clipped to the image) from
/// the points rxing reports: a 2D symbol's, widened by a sixth for the
/// modules beyond its finder patterns; a 1D symbol's row, grown across its
/// bars while they go on.
fn extent(gray: &GrayImage, points: &[(f32, f32)], symbology: Symbology) -> Option<[u32; 4]> {
    let (w, h) = gray.dimensions();
    let xs = points.iter().map(|p| p.0.clamp(0.0, (w - 1) as f32));
    let ys = points.iter().map(|p| p.1.clamp(0.0, (h - 1) as f32));
    let (x0, x1) = xs.fold((f32::MAX, f32::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (y0, y1) = ys.fold((f32::MAX, f32::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    if points.is_empty() {
        return None;
    }
    let (mut x0, mut x1, mut y0, mut y1) = (x0 as u32, x1 as u32, y0 as u32, y1 as u32);
    match symbology {
        Symbology::Qr | Symbology::DataMatrix => {
            let pad = (x1 - x0).max(y1 - y0) / 6 + 4;
            (x0, y0) = (x0.saturating_sub(pad), y0.saturating_sub(pad));
            (x1, y1) = ((x1 + pad).min(w - 1), (y1 + pad).min(h - 1));
        }
        Symbology::Code128 | Symbology::Code39 => {
            let inked = |pixels: &mut dyn Iterator<Item = u8>| {
                let (mut dark, mut all) = (0u32, 0u32);
                for p in pixels {
                    all += 1;
                    dark += u32::from(p < 128);
                }
                all > 0 && dark * 5 >= all
            };
            if x1 - x0 >= y1 - y0 {
                // Bars upright: grow up and down while the row has bars.
                let row = |y: u32| (x0..=x1).map(move |x| gray.get_pixel(x, y).0[0]);
                while y0 > 0 && inked(&mut row(y0 - 1)) {
                    y0 -= 1;
                }
                while y1 + 1 < h && inked(&mut row(y1 + 1)) {
                    y1 += 1;
                }
            } else {
                let col = |x: u32| (y0..=y1).map(move |y| gray.get_pixel(x, y).0[0]);
                while x0 > 0 && inked(&mut col(x0 - 1)) {
                    x0 -= 1;
                }
                while x1 + 1 < w && inked(&mut col(x1 + 1)) {
                    x1 += 1;
                }
            }
            (x0, y0) = (x0.saturating_sub(2), y0.saturating_sub(2));
            (x1, y1) = ((x1 + 2).min(w - 1), (y1 + 2).min(h - 1));
        }
    }
    Some([x0, y0, x1 - x0 + 1, y1 - y0 + 1])
}

/// `gray` at two thirds of its size (300 dpi to 200): each pixel the
/// area-weighted mean of the one and a half pixels it covers, both ways.
fn two_thirds(gray: &GrayImage) -> GrayImage {
    let (sw, sh) = gray.dimensions();
    let (w, h) = (sw / 3 * 2, sh / 3 * 2);
    let src = gray.as_raw();
    let stride = sw as usize;
    // Rows first: w columns of each source row, weights 2:1 and 1:2, times 3.
    let mut rows = vec![0u16; w as usize * sh as usize];
    for y in 0..sh as usize {
        let r = &src[y * stride..y * stride + stride];
        let o = &mut rows[y * w as usize..(y + 1) * w as usize];
        for i in 0..(w / 2) as usize {
            let (a, b, c) = (r[3 * i] as u16, r[3 * i + 1] as u16, r[3 * i + 2] as u16);
            o[2 * i] = 2 * a + b;
            o[2 * i + 1] = b + 2 * c;
        }
    }
    let mut out = vec![0u8; w as usize * h as usize];
    let wu = w as usize;
    for j in 0..(h / 2) as usize {
        let (a, b, c) = (&rows[3 * j * wu..], &rows[(3 * j + 1) * wu..], &rows[(3 * j + 2) * wu..]);
        for x in 0..wu {
            let (a, b, c) = (a[x] as u32, b[x] as u32, c[x] as u32);
            out[2 * j * wu + x] = ((2 * a + b + 4) / 9) as u8;
            out[(2 * j + 1) * wu + x] = ((b + 2 * c + 4) / 9) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).expect("the buffer has the size asked for")
}

/// `gray` at half its size, each pixel the mean of four.
fn halve(gray: &GrayImage) -> GrayImage {
    let (w, h) = (gray.width() / 2, gray.height() / 2);
    let src = gray.as_raw();
    let stride = gray.width() as usize;
    let mut out = Vec::with_capacity(w as usize * h as usize);
    for y in 0..h as usize {
        let (r0, r1) = (&src[2 * y * stride..], &src[(2 * y + 1) * stride..]);
        for x in 0..w as usize {
            let sum = r0[2 * x] as u16 + r0[2 * x + 1] as u16 + r1[2 * x] as u16 + r1[2 * x + 1] as u16;
            out.push(((sum + 2) / 4) as u8);
        }
    }
    GrayImage::from_raw(w, h, out).expect("the buffer has the size asked for")
}

/// What a barcode that matches a site's pattern means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meaning {
    /// A patient label: its `mrn` group (else the whole match) is an MRN
    /// read cleanly; with `carries = ["mrn", "birth_date"]`, its
    /// `birth_date` group is a date of birth read with it.
    Mrn,
    /// The page is of the rule's `doc_type` (a form's own barcode): its
    /// document is typed so, with certainty.
    DocType,
    /// A cover sheet: a separator sheet (not a page of the record) whose
    /// `doc_type` is the type of the document after it.
    CoverSheet,
    /// A separator sheet: it ends the document before it, and is not a
    /// page of the record.
    Separator,
}

/// One `[[barcodes]]` rule of the site configuration.
///
/// ```toml
/// [[barcodes]]
/// pattern = '^MRN[:\s]*(?P<mrn>\d{6,10})$'   # a regular expression on the barcode's text
/// meaning = "mrn"                            # or "doc_type", "cover_sheet" (both with doc_type = "..."), "separator"
/// carries = ["mrn", "birth_date"]            # mrn only: the label carries both (named groups mrn and birth_date)
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BarcodeRule {
    pub pattern: String,
    pub meaning: Meaning,
    #[serde(default)]
    pub doc_type: Option<String>,
    /// The identifiers a patient label carries (`mrn`, `birth_date`);
    /// `["mrn"]` when not given.
    #[serde(default)]
    pub carries: Vec<String>,
}

/// The site's rules, checked and compiled.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: Vec<(Regex, BarcodeRule)>,
}

impl Rules {
    /// Checks and compiles `rules`: every pattern a valid regular
    /// expression, every document type one of `taxonomy`'s, `carries`
    /// only on MRN rules and only with the groups it names. The error
    /// names the rule by its place (`barcodes[2]`, from 1).
    pub fn new(rules: &[BarcodeRule], taxonomy: &crate::taxonomy::Taxonomy) -> Result<Rules, String> {
        let mut out = Vec::new();
        for (n, rule) in rules.iter().enumerate() {
            let at = format!("barcodes[{}]", n + 1);
            let re =
                Regex::new(&rule.pattern).map_err(|_| format!("{at}: pattern is not a valid regular expression"))?;
            let groups: Vec<&str> = re.capture_names().flatten().collect();
            match (rule.meaning, &rule.doc_type) {
                (Meaning::DocType | Meaning::CoverSheet, None) => {
                    return Err(format!("{at}: meaning \"{}\" needs a doc_type", meaning_name(rule.meaning)));
                }
                (Meaning::DocType | Meaning::CoverSheet, Some(t)) if !taxonomy.contains(t) => {
                    return Err(format!("{at}: unknown document type '{t}' (see `chartmill types`)"));
                }
                (Meaning::Mrn | Meaning::Separator, Some(_)) => {
                    return Err(format!("{at}: doc_type goes with meaning \"doc_type\" or \"cover_sheet\""));
                }
                _ => {}
            }
            if rule.meaning != Meaning::Mrn && !rule.carries.is_empty() {
                return Err(format!("{at}: carries goes with meaning \"mrn\""));
            }
            if let Some(c) = rule.carries.iter().find(|c| !["mrn", "birth_date"].contains(&c.as_str())) {
                return Err(format!("{at}: carries names '{c}'; a label carries \"mrn\" and \"birth_date\""));
            }
            if !rule.carries.is_empty() && !rule.carries.iter().any(|c| c == "mrn") {
                return Err(format!("{at}: carries must name \"mrn\""));
            }
            if rule.carries.iter().any(|c| c == "birth_date") && !groups.contains(&"birth_date") {
                return Err(format!("{at}: carries names birth_date but the pattern has no (?P<birth_date>...) group"));
            }
            out.push((re, rule.clone()));
        }
        Ok(Rules { rules: out })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What a page's barcodes mean under these rules (every rule a barcode
    /// matches applies). MRNs are in the index's form (`ids`'s MRN format;
    /// a value the format refuses is no MRN), dates of birth in the site's
    /// date order unless written year first.
    pub fn meaning(&self, barcodes: &[Barcode], ids: &ExtractConfig) -> PageMeaning {
        let mut m = PageMeaning::default();
        for b in barcodes {
            for (re, rule) in &self.rules {
                let Some(caps) = re.captures(&b.text) else { continue };
                match rule.meaning {
                    Meaning::Mrn => {
                        let value = caps.name("mrn").unwrap_or_else(|| caps.get(0).expect("a match has group 0"));
                        let Some(mrn) = crate::extract::normalise_mrn(value.as_str(), ids) else { continue };
                        push_unique(&mut m.mrn, mrn);
                        // A date that does not read is no date of birth: the
                        // MRN then needs the page's corroboration.
                        let carried = rule.carries.iter().any(|c| c == "birth_date");
                        if let Some(d) = caps.name("birth_date").filter(|_| carried) {
                            if let Some(d) = parse_date(d.as_str(), ids.date_order) {
                                push_unique(&mut m.birth_date, d);
                            }
                        }
                    }
                    Meaning::DocType => push_unique(&mut m.doc_type, rule.doc_type.clone().unwrap_or_default()),
                    Meaning::CoverSheet => push_unique(&mut m.cover_sheet, rule.doc_type.clone().unwrap_or_default()),
                    Meaning::Separator => m.separator = true,
                }
            }
        }
        m
    }
}

fn meaning_name(m: Meaning) -> &'static str {
    match m {
        Meaning::Mrn => "mrn",
        Meaning::DocType => "doc_type",
        Meaning::CoverSheet => "cover_sheet",
        Meaning::Separator => "separator",
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// A date of birth as a label's barcode writes it: `1962-03-14`,
/// `19620314`, or `03/14/1962` (`.` or `-` too) in the site's order.
fn parse_date(s: &str, order: DateOrder) -> Option<Date> {
    let s = s.trim();
    let digits: Vec<&str> = s.split(['-', '/', '.']).collect();
    let iso = match digits.as_slice() {
        [d] if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) => format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]),
        [y, m, d] if y.len() == 4 => format!("{y}-{m}-{d}"),
        [a, b, y] if y.len() == 4 => match order {
            DateOrder::MonthFirst => format!("{y}-{a}-{b}"),
            DateOrder::DayFirst => format!("{y}-{b}-{a}"),
        },
        _ => return None,
    };
    if !iso.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    Date::parse_iso(&iso)
}

/// What a page's barcodes mean (see [`Rules::meaning`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeaning {
    /// MRNs read from patient labels, in the index's form.
    pub mrn: Vec<String>,
    /// Dates of birth read with them, where the site's labels carry both.
    pub birth_date: Vec<Date>,
    /// The types of the page (a form's barcode).
    pub doc_type: Vec<String>,
    /// The types a cover sheet gives the document after it.
    pub cover_sheet: Vec<String>,
    pub separator: bool,
}

impl PageMeaning {
    /// The document type the page's barcodes name, when they name one.
    pub fn page_type(&self) -> Option<&str> {
        match self.doc_type.as_slice() {
            [t] => Some(t.as_str()),
            _ => None,
        }
    }

    /// Whether the page is a separator sheet: a separator's barcode or a
    /// cover sheet's.
    pub fn is_separator(&self) -> bool {
        self.separator || !self.cover_sheet.is_empty()
    }

    /// Adds the page's barcode MRNs (clean readings) and the dates of birth
    /// read with them to what its text gave (`found`); the MRNs are also
    /// noted as a barcode's (`Extracted::barcode_mrn`), for the filing
    /// decision.
    pub fn add_to(&self, found: &mut Extracted) {
        for m in &self.mrn {
            if !found.mrn.iter().any(|x| !x.corrected && x.value == *m) {
                found.mrn.push(Found { value: m.clone(), corrected: false });
            }
            push_unique(&mut found.barcode_mrn, m.clone());
        }
        for d in &self.birth_date {
            if !found.birth_date.iter().any(|x| !x.corrected && x.value == *d) {
                found.birth_date.push(Found { value: *d, corrected: false });
            }
        }
    }
}

/// The type a document's barcodes give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentType {
    /// No barcode names a type: the classifier's.
    None,
    /// One type, from a form's barcode or the cover sheet before the document.
    Certain(String),
    /// Barcodes name two or more types.
    Disagree,
}

impl DocumentType {
    /// The document's classification when the barcodes name one type: that
    /// type, with certainty.
    pub fn classification(&self) -> Option<crate::classify::Classification> {
        match self {
            DocumentType::Certain(code) => Some(crate::classify::Classification {
                code: code.clone(),
                confidence: 1.0,
                ranked: vec![(code.clone(), 1.0)],
            }),
            _ => None,
        }
    }

    /// The doubt about the type when the barcodes name two.
    pub fn doubt(&self) -> Option<String> {
        (*self == DocumentType::Disagree).then(|| REASON_TYPES_DISAGREE.to_string())
    }
}

/// Review reason (a type doubt): the barcodes of a document name two types.
pub const REASON_TYPES_DISAGREE: &str = "document type barcodes disagree";

/// The type the barcodes give the document made of the pages `span`
/// (indices into `pages`): its pages' document-type barcodes, and the
/// cover sheets among the separator sheets (`separator`) just before its
/// first page.
pub fn document_type(pages: &[PageMeaning], separator: impl Fn(usize) -> bool, span: &[usize]) -> DocumentType {
    let mut types: Vec<&String> = Vec::new();
    let first = span.first().copied().unwrap_or(0).min(pages.len());
    let before = (0..first).rev().take_while(|&i| separator(i)).flat_map(|i| &pages[i].cover_sheet);
    for t in before.chain(span.iter().filter_map(|&i| pages.get(i)).flat_map(|m| &m.doc_type)) {
        push_unique(&mut types, t);
    }
    match types.as_slice() {
        [] => DocumentType::None,
        [t] => DocumentType::Certain((*t).clone()),
        _ => DocumentType::Disagree,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` as `format`, `module` pixels a module, black on white.
    pub(crate) fn symbol(format: rxing::BarcodeFormat, text: &str, module: u32) -> GrayImage {
        use rxing::Writer;
        // Square DataMatrix symbols, as labels and cover sheets print them.
        let hints = rxing::EncodeHints {
            DataMatrixShape: Some(rxing::datamatrix::encoder::SymbolShapeHint::FORCE_SQUARE),
            ..Default::default()
        };
        let m = rxing::MultiFormatWriter.encode_with_hints(text, &format, 0, 0, &hints).expect("encodable");
        let (w, h) = (m.width(), m.height());
        let tall = if h == 1 { 50 } else { 1 };
        GrayImage::from_fn(w * module, h * tall.max(module), |x, y| {
            let on = m.get(x / module, (y / tall.max(module)).min(h - 1));
            image::Luma([if on { 0 } else { 255 }])
        })
    }

    /// A white page, `w` by `h`, with `parts` pasted at their places.
    pub(crate) fn page(w: u32, h: u32, parts: &[(&GrayImage, u32, u32)]) -> GrayImage {
        let mut page = GrayImage::from_pixel(w, h, image::Luma([255]));
        for (img, x0, y0) in parts {
            image::imageops::replace(&mut page, *img, *x0 as i64, *y0 as i64);
        }
        page
    }

    /// A 300-dpi letter page of faint text-like marks with `parts` on it.
    fn letter(parts: &[(&GrayImage, u32, u32)]) -> GrayImage {
        let mut p = page(2550, 3300, parts);
        // Lines of "text": short dark dashes, so the page is not empty.
        for line in 0..50u32 {
            let y = 400 + line * 45;
            if y + 12 >= 2700 {
                break;
            }
            for word in 0..25u32 {
                let x = 150 + word * 90 + (line * 7 % 30);
                for yy in y..y + 12 {
                    for xx in x..x + 60 {
                        if p.get_pixel(xx, yy).0[0] == 255 && (xx + yy) % 3 != 0 {
                            p.put_pixel(xx, yy, image::Luma([40]));
                        }
                    }
                }
            }
        }
        p
    }

    fn rotate90(img: &GrayImage) -> GrayImage {
        image::imageops::rotate90(img)
    }

    /// Salt and pepper: one pixel in `every` flipped, deterministically.
    fn noisy(mut img: GrayImage, every: u32) -> GrayImage {
        let mut seed: u32 = 12345;
        for p in img.pixels_mut() {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            if (seed >> 8).is_multiple_of(every) {
                p.0[0] = 255 - p.0[0];
            }
        }
        img
    }

    fn texts(found: &[Barcode]) -> Vec<(Symbology, &str)> {
        let mut t: Vec<(Symbology, &str)> = found.iter().map(|b| (b.symbology, b.text.as_str())).collect();
        t.sort_by_key(|x| x.0.name());
        t
    }

    #[test]
    fn each_symbology_is_read_on_a_300_dpi_page() {
        use rxing::BarcodeFormat as F;
        // Module sizes a label printer gives at 300 dpi: 0.25 mm bars, 0.5 mm cells.
        let c128 = symbol(F::CODE_128, "MRN00482913", 3);
        let c39 = symbol(F::CODE_39, "SEPARATOR", 3);
        let qr = symbol(F::QR_CODE, "MRN:00482913|DOB:1962-03-14", 5);
        let dm = symbol(F::DATA_MATRIX, "DOCTYPE:LAB", 6);
        let p = letter(&[(&c128, 1500, 120), (&c39, 150, 3000), (&qr, 2100, 2900), (&dm, 150, 100)]);
        let found = read(&p, 300);
        assert_eq!(
            texts(&found),
            vec![
                (Symbology::Code128, "MRN00482913"),
                (Symbology::Code39, "SEPARATOR"),
                (Symbology::DataMatrix, "DOCTYPE:LAB"),
                (Symbology::Qr, "MRN:00482913|DOB:1962-03-14"),
            ]
        );
        // Boxes in the page's pixels, around where each was put.
        let qr_box = found.iter().find(|b| b.symbology == Symbology::Qr).unwrap().bbox;
        assert!(qr_box[0].abs_diff(2100) < 80 && qr_box[1].abs_diff(2900) < 80, "{qr_box:?}");
        let c128_box = found.iter().find(|b| b.symbology == Symbology::Code128).unwrap().bbox;
        assert!(c128_box[1].abs_diff(120) < 20 && c128_box[3] >= 40, "{c128_box:?}");
    }

    #[test]
    fn a_cover_sheets_large_symbols_are_read() {
        use rxing::BarcodeFormat as F;
        // Modules of 1.5 mm, bars of 1 mm: sheets meant to be read across a room.
        let qr = symbol(F::QR_CODE, "DOCTYPE:LAB", 18);
        let dm = symbol(F::DATA_MATRIX, "DOCTYPE:LAB", 14);
        let c39 = symbol(F::CODE_39, "SEPARATOR", 12);
        let big =
            |img: &GrayImage| image::imageops::resize(img, img.width(), 300, image::imageops::FilterType::Nearest);
        let p = page(2550, 3300, &[(&qr, 300, 300), (&dm, 1500, 300), (&big(&c39), 300, 2400)]);
        assert_eq!(
            texts(&read(&p, 300)),
            vec![
                (Symbology::Code39, "SEPARATOR"),
                (Symbology::DataMatrix, "DOCTYPE:LAB"),
                (Symbology::Qr, "DOCTYPE:LAB")
            ]
        );
    }

    /// The pages of a fixture file of `tests/data/barcodes/` (zint's symbols:
    /// another encoder than the one these tests draw with), as decoded.
    fn fixture(name: &str) -> Vec<GrayImage> {
        let bytes = std::fs::read(format!("tests/data/barcodes/{name}")).unwrap();
        let format = crate::model::Format::sniff(&bytes).unwrap();
        let limits = crate::decode::Limits::default();
        let opened = crate::decode::open(format, &bytes, &limits).unwrap();
        (1..=opened.page_count())
            .map(|n| match opened.page(n, &limits).unwrap() {
                crate::decode::RawPage::Image(img) => img.gray,
                crate::decode::RawPage::Text(_) => panic!("an image page"),
            })
            .collect()
    }

    #[test]
    fn zints_symbols_on_the_fixture_pages_are_read() {
        for (name, want) in [
            ("label_and_name.png", vec![vec![(Symbology::Code128, "MRN 00482913")]]),
            ("qr_mrn_and_birth_date.png", vec![vec![(Symbology::Qr, "PT|27750318|1937-01-30")]]),
            (
                "cover_sheet_and_separator.tif",
                vec![
                    vec![(Symbology::DataMatrix, "DOCTYPE:LAB")],
                    vec![],
                    vec![(Symbology::Code39, "SEPARATOR")],
                    vec![],
                ],
            ),
        ] {
            let got: Vec<Vec<Barcode>> = fixture(name).iter().map(|g| read(g, 300)).collect();
            let got: Vec<Vec<(Symbology, &str)>> = got.iter().map(|p| texts(p)).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn a_page_of_dense_ink_is_read_whole() {
        // A photograph's grain: too much looks like a symbol to look closer.
        let photo = noisy(GrayImage::from_pixel(1800, 1800, image::Luma([255])), 2);
        let qr = symbol(rxing::BarcodeFormat::QR_CODE, "MRN:00482913", 5);
        let p = page(2550, 3300, &[(&photo, 300, 300), (&qr, 300, 2600)]);
        assert!(likely_regions(&p, 300).is_none());
        assert_eq!(texts(&read(&p, 300)), vec![(Symbology::Qr, "MRN:00482913")]);
    }

    #[test]
    fn sideways_and_noisy_labels_are_read() {
        use rxing::BarcodeFormat as F;
        let c128 = rotate90(&symbol(F::CODE_128, "MRN00482913", 3));
        let dm = rotate90(&symbol(F::DATA_MATRIX, "DOCTYPE:LAB", 6));
        let p = noisy(letter(&[(&c128, 2440, 600), (&dm, 1200, 2900)]), 400);
        assert_eq!(
            texts(&read(&p, 300)),
            vec![(Symbology::Code128, "MRN00482913"), (Symbology::DataMatrix, "DOCTYPE:LAB")]
        );
        // The whole page turned: a page scanned sideways.
        let qr = symbol(F::QR_CODE, "MRN:00482913|DOB:1962-03-14", 5);
        let c39 = symbol(F::CODE_39, "SEPARATOR", 3);
        let p = rotate90(&noisy(letter(&[(&qr, 200, 200), (&c39, 1000, 3000)]), 400));
        assert_eq!(
            texts(&read(&p, 300)),
            vec![(Symbology::Code39, "SEPARATOR"), (Symbology::Qr, "MRN:00482913|DOB:1962-03-14")]
        );
    }

    #[test]
    fn pages_without_barcodes_and_odd_images_give_nothing() {
        assert!(read(&letter(&[]), 300).is_empty());
        assert!(read(&GrayImage::new(0, 0), 300).is_empty());
        assert!(read(&GrayImage::new(3, 5000), 300).is_empty());
        assert!(read(&GrayImage::from_pixel(600, 800, image::Luma([0])), 72).is_empty());
        assert!(read(&noisy(GrayImage::from_pixel(1000, 1000, image::Luma([255])), 2), 120).is_empty());
        // A 100-dpi page.
        let c128 = symbol(rxing::BarcodeFormat::CODE_128, "MRN00482913", 2);
        assert_eq!(
            texts(&read(&page(850, 1100, &[(&c128, 100, 100)]), 100)),
            vec![(Symbology::Code128, "MRN00482913")]
        );
    }

    fn rules(toml: &str) -> Rules {
        #[derive(serde::Deserialize)]
        struct Site {
            barcodes: Vec<BarcodeRule>,
        }
        let site: Site = toml::from_str(toml).expect("rules");
        Rules::new(&site.barcodes, &crate::taxonomy::Taxonomy::default()).expect("valid rules")
    }

    fn code(symbology: Symbology, text: &str) -> Barcode {
        Barcode { symbology, text: text.into(), bbox: [0, 0, 10, 10] }
    }

    const SITE: &str = r#"
[[barcodes]]
pattern = '^MRN[:\s]*(?P<mrn>\d{6,10})$'
meaning = "mrn"
[[barcodes]]
pattern = '^PT\|(?P<mrn>\d{8})\|(?P<birth_date>[0-9/-]+)$'
meaning = "mrn"
carries = ["mrn", "birth_date"]
[[barcodes]]
pattern = '^DOCTYPE:LAB$'
meaning = "cover_sheet"
doc_type = "lab_report"
[[barcodes]]
pattern = '^FORM-CONSENT-\d+$'
meaning = "doc_type"
doc_type = "consent"
[[barcodes]]
pattern = '^SEPARATOR$'
meaning = "separator"
"#;

    #[test]
    fn patterns_map_a_barcode_to_what_it_means() {
        let r = rules(SITE);
        let ids = ExtractConfig::default();
        let m = r.meaning(&[code(Symbology::Code128, "MRN 00482913")], &ids);
        assert_eq!(m, PageMeaning { mrn: vec!["00482913".into()], ..Default::default() });
        // The MRN in the index's one form; a value the site's format refuses is no MRN.
        assert_eq!(r.meaning(&[code(Symbology::Code128, "MRN:004829")], &ids).mrn, vec!["004829".to_string()]);
        assert!(r.meaning(&[code(Symbology::Code128, "MRN 1234")], &ids).mrn.is_empty());
        // A label that carries both: MRN and date of birth, in any common form.
        for text in ["PT|00482913|1962-03-14", "PT|00482913|19620314", "PT|00482913|03/14/1962"] {
            let m = r.meaning(&[code(Symbology::Qr, text)], &ids);
            assert_eq!(m.mrn, vec!["00482913".to_string()], "{text}");
            assert_eq!(m.birth_date, vec![Date { year: 1962, month: 3, day: 14 }], "{text}");
        }
        let day_first = ExtractConfig { date_order: DateOrder::DayFirst, ..Default::default() };
        let m = r.meaning(&[code(Symbology::Qr, "PT|00482913|14/03/1962")], &day_first);
        assert_eq!(m.birth_date, vec![Date { year: 1962, month: 3, day: 14 }]);
        // A date that does not read: the MRN alone.
        let m = r.meaning(&[code(Symbology::Qr, "PT|00482913|1962-13-45")], &ids);
        assert_eq!((m.mrn.len(), m.birth_date.len()), (1, 0));
        let m = r.meaning(&[code(Symbology::DataMatrix, "DOCTYPE:LAB"), code(Symbology::Code39, "SEPARATOR")], &ids);
        assert_eq!(m.cover_sheet, vec!["lab_report".to_string()]);
        assert!(m.separator && m.is_separator());
        let m = r.meaning(&[code(Symbology::Code128, "FORM-CONSENT-7")], &ids);
        assert_eq!((m.doc_type.clone(), m.is_separator()), (vec!["consent".to_string()], false));
        // Text no rule matches, and no rules at all: nothing.
        assert_eq!(r.meaning(&[code(Symbology::Qr, "https://example.org")], &ids), PageMeaning::default());
        let none = Rules::default().meaning(&[code(Symbology::Code128, "MRN 00482913")], &ids);
        assert_eq!(none, PageMeaning::default());
    }

    #[test]
    fn an_mrn_that_is_not_carried_with_a_birth_date_adds_only_the_mrn() {
        let r = rules("[[barcodes]]\npattern = '^(?P<mrn>\\d{8})/(?P<birth_date>\\d{8})$'\nmeaning = \"mrn\"\n");
        let m = r.meaning(&[code(Symbology::Code128, "00482913/19620314")], &ExtractConfig::default());
        assert_eq!((m.mrn.len(), m.birth_date.len()), (1, 0), "birth_date not in carries");
        let mut found = crate::extract::extract("Patient: QUILLFEATHER, MARISOL", &ExtractConfig::default());
        m.add_to(&mut found);
        assert_eq!(found.mrn, vec![Found { value: "00482913".into(), corrected: false }]);
        assert_eq!(found.barcode_mrn, vec!["00482913".to_string()]);
        assert!(found.birth_date.is_empty());
        // Printed too: one reading.
        let mut found = crate::extract::extract("MRN: 00482913", &ExtractConfig::default());
        m.add_to(&mut found);
        assert_eq!(found.mrn.len(), 1);
    }

    #[test]
    fn a_document_takes_its_type_from_its_form_or_the_cover_sheet_before_it() {
        let lab = PageMeaning { cover_sheet: vec!["lab_report".into()], ..Default::default() };
        let form = PageMeaning { doc_type: vec!["consent".into()], ..Default::default() };
        let plain = PageMeaning::default();
        let pages = [lab.clone(), plain.clone(), plain.clone(), form.clone(), plain.clone()];
        let sep = |i: usize| i == 0;
        assert_eq!(document_type(&pages, sep, &[1, 2]), DocumentType::Certain("lab_report".into()));
        assert_eq!(document_type(&pages, sep, &[3, 4]), DocumentType::Certain("consent".into()));
        assert_eq!(document_type(&pages, sep, &[1, 2, 3]), DocumentType::Disagree);
        assert_eq!(document_type(&pages, sep, &[4]), DocumentType::None);
        // A cover sheet types only the document right after it.
        assert_eq!(document_type(&pages, |i| i == 0 || i == 1, &[2]), DocumentType::Certain("lab_report".into()));
        assert_eq!(document_type(&pages, |_| false, &[1]), DocumentType::None);
    }
}

#[cfg(test)]
mod profile {
    use super::*;

    /// This thread's CPU time (the machine is shared: wall time is not the cost).
    fn cpu() -> std::time::Duration {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: a valid pointer to a timespec.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
        std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
    }

    fn timed<T>(f: impl FnOnce() -> T) -> (T, std::time::Duration) {
        let t = cpu();
        let r = f();
        (r, cpu() - t)
    }

    /// What reading costs on the samples' pages, in CPU time (`cargo test
    /// --release --lib barcode::profile -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn cost_on_the_samples() {
        let mut paths: Vec<String> = Vec::new();
        for dir in ["samples/png", "samples/jpeg"] {
            for e in std::fs::read_dir(dir).unwrap() {
                paths.push(e.unwrap().path().display().to_string());
            }
        }
        paths.sort();
        for path in paths {
            let img = image::open(&path).unwrap().to_luma8();
            let dpi = crate::prepare::effective_dpi(None, img.width(), img.height()).0;
            let (regions, t_regions) = timed(|| likely_regions(&img, dpi));
            let (found, t_read) = timed(|| read(&img, dpi));
            let (_, t_whole) = timed(|| read_whole(&img, dpi));
            eprintln!(
                "{path} {:?} at {dpi}: read {t_read:?} ({} found; {} regions in {t_regions:?}); whole page {t_whole:?}",
                img.dimensions(),
                found.len(),
                regions.map_or(-1, |r| r.len() as i64),
            );
        }
    }
}

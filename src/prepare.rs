//! Pure page preparation before OCR: the resolution to use, blank-page
//! detection, and the scale a page is read at from the size of its text
//! ([`x_height_of`], [`ocr_scale`]). No I/O; the image work that needs
//! Leptonica or Tesseract (measuring blobs, scaling, deskew, orientation)
//! lives in [`crate::ocr`].

use image::GrayImage;

/// Claimed resolutions outside this range are not believed.
const PLAUSIBLE_DPI: std::ops::RangeInclusive<f32> = 70.0..=1200.0;
/// A page is taken to be between 3 and 17 inches on its short side.
const PLAUSIBLE_SHORT_SIDE_INCHES: std::ops::RangeInclusive<f32> = 3.0..=17.0;
/// Short side of US letter (8.5 in); A4 is 8.27 in, close enough.
const ASSUMED_SHORT_SIDE_INCHES: f32 = 8.5;

/// The resolution OCR should assume, and whether it was estimated.
///
/// The file's claim is used when it is plausible and makes the page a
/// plausible physical size. Otherwise (no claim, 72 dpi written by software
/// that did not know better, ...) the page is assumed to be letter-sized.
pub fn effective_dpi(claimed: Option<f32>, width: u32, height: u32) -> (u32, bool) {
    let short = width.min(height) as f32;
    if let Some(dpi) = claimed {
        if PLAUSIBLE_DPI.contains(&dpi) && PLAUSIBLE_SHORT_SIDE_INCHES.contains(&(short / dpi)) {
            return (dpi.round() as u32, false);
        }
    }
    let estimate = (short / ASSUMED_SHORT_SIDE_INCHES).clamp(70.0, 1200.0);
    (estimate.round() as u32, true)
}

/// Share of ink below which a page is blank. A typed page has 2-10% ink; the
/// specks and edge shadows of a blank sheet stay well under this.
const BLANK_INK_FRACTION: f64 = 0.0015;

/// Whether a page is blank: after dropping a 4% margin (scanner edges and
/// punch holes) and averaging 4×4 cells (isolated specks vanish), almost no
/// cell is dark.
pub fn is_blank(gray: &GrayImage) -> bool {
    let (w, h) = gray.dimensions();
    let (mx, my) = (w / 25, h / 25);
    let (x0, x1, y0, y1) = (mx, w - mx, my, h - my);
    const CELL: u32 = 4;
    if x1 <= x0 + CELL || y1 <= y0 + CELL {
        // Too small to hold text worth reading.
        return gray.as_raw().iter().all(|&p| p > 128);
    }
    let mut dark = 0u64;
    let mut cells = 0u64;
    let raw = gray.as_raw();
    let stride = w as usize;
    let mut y = y0;
    while y + CELL <= y1 {
        let mut x = x0;
        while x + CELL <= x1 {
            let mut sum = 0u32;
            for dy in 0..CELL {
                let row = (y + dy) as usize * stride;
                for dx in 0..CELL {
                    sum += raw[row + (x + dx) as usize] as u32;
                }
            }
            // Mean under 160: a cell mostly covered by a stroke.
            if sum < 160 * CELL * CELL {
                dark += 1;
            }
            cells += 1;
            x += CELL;
        }
        y += CELL;
    }
    (dark as f64) < BLANK_INK_FRACTION * cells as f64
}

/// Blobs measured before a page's text size is believed: fewer is a page
/// with hardly any text (a cover sheet, a drawing), read as scanned.
const MIN_BLOBS: usize = 60;

/// The x-height of a page's text, in the pixels the blob heights were
/// measured in, or `None` when the page has too little text to tell.
///
/// `heights` are the heights of the page's glyph-sized ink blobs (connected
/// components, `ocr::blob_heights`). Most letters of running text are as
/// tall as an x (a, c, e, m, n, o, r, s, u, v, w, x, z, and the stems of i):
/// the most common height is the x-height, however many capitals, digits,
/// ascenders and descenders there are. Specks, dots and rules are left out
/// by the caller. The mode is taken over windows of three heights (a font's
/// x-height falls across two neighbouring pixel heights) and refined to the
/// mean of that window.
pub fn x_height_of(heights: &[u32]) -> Option<f32> {
    if heights.len() < MIN_BLOBS {
        return None;
    }
    let top = *heights.iter().max()? as usize;
    let mut hist = vec![0u32; top + 2];
    for &h in heights {
        hist[h as usize] += 1;
    }
    let window = |h: usize| hist[h - 1] + hist[h] + hist[h + 1];
    let mode = (1..=top).max_by_key(|&h| (window(h), std::cmp::Reverse(h)))?;
    let n = window(mode);
    if n == 0 {
        return None;
    }
    let sum: u32 = (mode - 1..=mode + 1).map(|h| hist[h] * h as u32).sum();
    Some(sum as f32 / n as f32)
}

/// How a page's text size sets the scale it is read at: the site
/// configuration's `[ocr]` `x_height`, `min_x_height`, `min_dpi` and
/// `scale_down_above_dpi` (`ocr::OcrSettings`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadSize {
    /// The x-height, in pixels, pages are read at: a page whose text is
    /// larger is scaled down to it. 0 reads every page as scanned.
    pub x_height: f32,
    /// Text smaller than this is scaled up to it (at most twice).
    pub min_x_height: f32,
    /// A page is not scaled down below this resolution, whatever its text
    /// size: the size measured is the body text's, and forms print their
    /// captions, and pages their footers, in smaller type beside it.
    pub min_dpi: f32,
    /// Only scans of a higher resolution are scaled down: a 200 dpi scan
    /// has no resolution to spare for a form's small print.
    pub scale_down_above_dpi: f32,
}

/// Scales further down than this are not used, whatever the measurement:
/// a page misjudged by a factor of two still reads.
const MIN_SCALE: f32 = 0.35;
/// Nor further up.
const MAX_SCALE: f32 = 2.0;
/// Scales this close to 1 (a tenth, and a little for rounding) read the
/// page as scanned: resampling would cost more time than it saves and blur
/// the strokes for nothing.
const SAME_SCALE: std::ops::RangeInclusive<f32> = 0.89..=1.11;

/// The scale a page scanned at `dpi` is read at, from its measured
/// x-height in the scan's pixels: down to `size.x_height` when the text is
/// larger and the scan's resolution is above `size.scale_down_above_dpi`
/// (not below `size.min_dpi`), up to `size.min_x_height` when it is smaller
/// than that, else 1 (as scanned). A page whose text size is unknown is
/// read as scanned.
pub fn ocr_scale(measured: Option<f32>, dpi: u32, size: ReadSize) -> f32 {
    let Some(x) = measured.filter(|x| *x > 0.0) else { return 1.0 };
    let scale = if size.x_height > 0.0 && x > size.x_height && dpi as f32 > size.scale_down_above_dpi {
        (size.x_height / x).max(size.min_dpi / dpi.max(1) as f32).min(1.0)
    } else if size.min_x_height > 0.0 && x < size.min_x_height {
        size.min_x_height / x
    } else {
        1.0
    };
    let scale = scale.clamp(MIN_SCALE, MAX_SCALE);
    if SAME_SCALE.contains(&scale) {
        1.0
    } else {
        scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn the_most_common_blob_height_is_the_x_height() {
        // Running text at 300 dpi, 11 pt: x-height 23-24 px, capitals and
        // ascenders 32-34, descenders 31-33, a few commas and broken strokes.
        let mut heights = Vec::new();
        for i in 0..400u32 {
            heights.push(match i % 10 {
                0..=4 => 23 + i % 2,
                5 | 6 => 32 + i % 3,
                7 | 8 => 31 + i % 3,
                _ => 6 + i % 5,
            });
        }
        let x = x_height_of(&heights).unwrap();
        assert!((23.0..=24.0).contains(&x), "{x}");
        assert_eq!(x_height_of(&heights[..40]), None, "too few blobs to tell");
        assert_eq!(x_height_of(&[]), None);
    }

    #[test]
    fn large_text_is_read_smaller_small_text_larger_the_rest_as_scanned() {
        let size = ReadSize { x_height: 16.0, min_x_height: 10.0, min_dpi: 0.0, scale_down_above_dpi: 0.0 };
        assert_eq!(ocr_scale(Some(32.0), 300, size), 0.5);
        assert_eq!(ocr_scale(Some(17.0), 300, size), 1.0, "close enough: not resampled");
        assert_eq!(ocr_scale(Some(12.0), 300, size), 1.0);
        assert_eq!(ocr_scale(Some(8.0), 300, size), 1.25);
        assert_eq!(ocr_scale(Some(2.0), 300, size), MAX_SCALE);
        assert_eq!(ocr_scale(Some(200.0), 300, size), MIN_SCALE);
        assert_eq!(ocr_scale(None, 300, size), 1.0, "unknown: as scanned");
        let off = ReadSize { x_height: 0.0, min_x_height: 0.0, min_dpi: 0.0, scale_down_above_dpi: 0.0 };
        assert_eq!(ocr_scale(Some(32.0), 300, off), 1.0, "switched off");
        let floor = ReadSize { min_dpi: 180.0, ..size };
        assert_eq!(ocr_scale(Some(32.0), 300, floor), 0.6, "not below 180 dpi");
        assert_eq!(ocr_scale(Some(32.0), 200, floor), 1.0, "0.9 of a 200 dpi scan: as scanned");
        assert_eq!(ocr_scale(Some(20.0), 150, floor), 1.0, "never down below the floor");
        let high_only = ReadSize { scale_down_above_dpi: 250.0, ..size };
        assert_eq!(ocr_scale(Some(32.0), 300, high_only), 0.5);
        assert_eq!(ocr_scale(Some(32.0), 240, high_only), 1.0, "a 240 dpi scan is read as scanned");
        assert_eq!(ocr_scale(Some(5.0), 200, high_only), 2.0, "but small text is still read larger");
    }

    #[test]
    fn plausible_claims_are_kept() {
        assert_eq!(effective_dpi(Some(300.0), 2550, 3300), (300, false));
        assert_eq!(effective_dpi(Some(200.0), 1700, 2200), (200, false));
    }

    #[test]
    fn missing_or_absurd_claims_are_estimated_from_letter_size() {
        assert_eq!(effective_dpi(None, 1700, 2200), (200, true));
        // 72 dpi would make this page 23.6 inches wide.
        assert_eq!(effective_dpi(Some(72.0), 1700, 2200), (200, true));
        assert_eq!(effective_dpi(Some(0.0), 2550, 3300), (300, true));
        // Sideways pages are measured on their short side too.
        assert_eq!(effective_dpi(None, 3300, 2550), (300, true));
    }

    fn page_with_specks() -> GrayImage {
        let mut img = GrayImage::from_pixel(850, 1100, Luma([245]));
        for i in 0..40u32 {
            img.put_pixel((i * 97) % 800 + 20, (i * 53) % 1000 + 40, Luma([0]));
        }
        img
    }

    #[test]
    fn white_and_specked_pages_are_blank() {
        assert!(is_blank(&GrayImage::from_pixel(850, 1100, Luma([255]))));
        assert!(is_blank(&page_with_specks()));
    }

    #[test]
    fn a_few_lines_of_text_are_not_blank() {
        let mut img = page_with_specks();
        // Three "lines" of 3-pixel-thick strokes across the page.
        for line in 0..3u32 {
            for y in 200 + line * 40..203 + line * 40 {
                for x in 100..700 {
                    if (x / 6) % 2 == 0 {
                        img.put_pixel(x, y, Luma([0]));
                        img.put_pixel(x, y + 4, Luma([0]));
                    }
                }
            }
        }
        assert!(!is_blank(&img));
    }

    #[test]
    fn tiny_images_do_not_panic() {
        assert!(is_blank(&GrayImage::from_pixel(1, 1, Luma([255]))));
        assert!(!is_blank(&GrayImage::from_pixel(1, 1, Luma([0]))));
    }
}

/// Whether a page looks like a patch-code separator sheet: at least three
/// solid vertical bars, each at least 1/150 of the page wide, running
/// down at least 40% of the page (patch codes are 4–5 such bars), and
/// little else. The caller also checks that OCR found almost no text.
pub fn looks_like_patch_sheet(gray: &GrayImage) -> bool {
    let (w, h) = gray.dimensions();
    if w < 50 || h < 50 {
        return false;
    }
    let raw = gray.as_raw();
    // Per column: the longest vertical run of dark pixels.
    let tall = (h as f32 * 0.4) as u32;
    let column_is_bar: Vec<bool> = (0..w)
        .map(|x| {
            let (mut best, mut run) = (0u32, 0u32);
            for y in 0..h {
                if raw[(y * w + x) as usize] < 100 {
                    run += 1;
                    best = best.max(run);
                } else {
                    run = 0;
                }
            }
            best >= tall
        })
        .collect();
    let min_width = (w / 150).max(2) as usize;
    let mut bars = 0;
    let mut run = 0usize;
    for &b in column_is_bar.iter().chain(std::iter::once(&false)) {
        if b {
            run += 1;
        } else {
            if run >= min_width {
                bars += 1;
            }
            run = 0;
        }
    }
    let bar_columns = column_is_bar.iter().filter(|b| **b).count();
    bars >= 3 && bar_columns * 2 < w as usize
}

#[cfg(test)]
mod patch_tests {
    use super::*;
    use image::Luma;

    #[test]
    fn patch_code_bars_are_recognised() {
        let mut sheet = GrayImage::from_pixel(850, 1100, Luma([250]));
        for bar in 0..4u32 {
            for x in 200 + bar * 90..230 + bar * 90 {
                for y in 200..800 {
                    sheet.put_pixel(x, y, Luma([10]));
                }
            }
        }
        assert!(looks_like_patch_sheet(&sheet));
        // A page of text lines is not one, nor a blank page.
        let mut text = GrayImage::from_pixel(850, 1100, Luma([250]));
        for line in 0..30u32 {
            for x in 80..770 {
                for y in 100 + line * 30..104 + line * 30 {
                    if x % 7 < 4 {
                        text.put_pixel(x, y, Luma([10]));
                    }
                }
            }
        }
        assert!(!looks_like_patch_sheet(&text));
        assert!(!looks_like_patch_sheet(&GrayImage::from_pixel(850, 1100, Luma([250]))));
    }
}

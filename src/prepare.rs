//! Pure page preparation before OCR: the resolution to use and blank-page
//! detection. No I/O; the image work that needs Leptonica or Tesseract
//! (deskew, orientation) lives in [`crate::ocr`].

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

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

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

//! PNG and JPEG: one page each, decoded with the `image` crate.

use super::{Limits, PageImage, SourceCoding};
use crate::error::InputError;
use std::io::Cursor;

fn reader(bytes: &[u8]) -> Result<image::ImageReader<Cursor<&[u8]>>, InputError> {
    image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| InputError::corrupt("image", e))
}

fn format_name(bytes: &[u8]) -> &'static str {
    match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => "png",
        Ok(image::ImageFormat::Jpeg) => "jpeg",
        Ok(image::ImageFormat::Tiff) => "tiff",
        Ok(_) => "image",
        Err(_) => "image",
    }
}

/// Reads the header only: the format is known and the size is within limits.
pub(super) fn check(bytes: &[u8], limits: &Limits) -> Result<(), InputError> {
    let fmt = format_name(bytes);
    let reader = reader(bytes)?;
    if reader.format().is_none() {
        return Err(InputError::corrupt("image", "not a png or jpeg file (unknown signature)"));
    }
    let (w, h) = reader.into_dimensions().map_err(|e| InputError::corrupt(fmt, e))?;
    limits.check(w as u64, h as u64)
}

pub(super) fn decode(bytes: &[u8], limits: &Limits) -> Result<PageImage, InputError> {
    let fmt = format_name(bytes);
    let mut reader = reader(bytes)?;
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(image_limits);
    if fmt == "jpeg" && !jpeg_is_complete(bytes) {
        // The decoder would fill the missing part with gray and carry on.
        return Err(InputError::corrupt("jpeg", "file is truncated (no end-of-image marker)"));
    }
    let img = reader.decode().map_err(|e| InputError::corrupt(fmt, e))?;
    let gray = if img.color().has_alpha() { over_white(&img) } else { img.to_luma8() };
    // What the store keeps: the file itself where it is a good encoding of
    // the page, else the colour pixels when there is colour.
    let source = match fmt {
        "jpeg" if crate::imaging::jpeg_info(bytes).is_some_and(|j| j.keepable) => {
            Some(SourceCoding::Jpeg(bytes.to_vec()))
        }
        "png" if crate::imaging::png_info(bytes).is_some_and(|p| p.keepable) => Some(SourceCoding::Png(bytes.to_vec())),
        _ => None,
    };
    let colour = if source.is_none() { super::colour_of(&img) } else { None };
    Ok(PageImage { gray, dpi: claimed_dpi(bytes), colour, source, inverted: false }.positive())
}

/// A page with transparency, as it shows on white paper: transparent pixels
/// are white whatever colour they carry (often black).
fn over_white(img: &image::DynamicImage) -> image::GrayImage {
    let gray_alpha = img.to_luma_alpha8();
    let (w, h) = gray_alpha.dimensions();
    let pixels = gray_alpha.pixels().map(|p| {
        let [v, a] = p.0;
        ((v as u32 * a as u32 + 255 * (255 - a as u32)) / 255) as u8
    });
    image::GrayImage::from_raw(w, h, pixels.collect()).expect("one value per pixel")
}

/// Whether a JPEG ends with its end-of-image marker (`FF D9`), allowing for
/// the padding some scanners append after it.
pub(super) fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(8192)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// The resolution a PNG (`pHYs`) or JPEG (JFIF `APP0`) header claims, if any.
pub(crate) fn claimed_dpi(bytes: &[u8]) -> Option<f32> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let mut pos = 8;
        while pos + 8 <= bytes.len() {
            let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().ok()?) as usize;
            let kind = &bytes[pos + 4..pos + 8];
            if kind == b"pHYs" && len == 9 && pos + 17 <= bytes.len() {
                let ppu = u32::from_be_bytes(bytes[pos + 8..pos + 12].try_into().ok()?);
                let unit = bytes[pos + 16];
                return (unit == 1 && ppu > 0).then_some(ppu as f32 * 0.0254);
            }
            if kind == b"IDAT" || kind == b"IEND" {
                return None;
            }
            pos = pos.checked_add(12 + len)?;
        }
        return None;
    }
    if bytes.len() > 18 && bytes.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]) && &bytes[6..11] == b"JFIF\0" {
        let units = bytes[13];
        let x = u16::from_be_bytes([bytes[14], bytes[15]]) as f32;
        return match units {
            1 if x > 0.0 => Some(x),
            2 if x > 0.0 => Some(x * 2.54),
            _ => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jfif_density_in_dots_per_inch() {
        let mut jfif = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        jfif.extend_from_slice(b"JFIF\0");
        jfif.extend_from_slice(&[1, 1, 1, 0, 72, 0, 72, 0, 0]);
        assert_eq!(claimed_dpi(&jfif), Some(72.0));
        jfif[13] = 0; // aspect ratio only
        assert_eq!(claimed_dpi(&jfif), None);
    }

    #[test]
    fn png_without_phys_claims_nothing() {
        let mut png = Vec::new();
        image::GrayImage::new(4, 4).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert_eq!(claimed_dpi(&png), None);
        assert!(decode(&png, &Limits::default()).is_ok());
    }

    #[test]
    fn a_jpeg_cut_short_is_corrupt() {
        let mut jpeg = Vec::new();
        image::GrayImage::from_pixel(64, 64, image::Luma([200]))
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        assert!(decode(&jpeg, &Limits::default()).is_ok());
        let err = decode(&jpeg[..jpeg.len() - 2], &Limits::default()).unwrap_err();
        assert!(err.to_string().starts_with("corrupt jpeg: file is truncated"), "{err}");
    }

    #[test]
    fn garbage_is_corrupt_not_a_panic() {
        let err = check(b"\x89PNG\r\n\x1a\nnot really", &Limits::default()).unwrap_err();
        assert!(err.to_string().starts_with("corrupt png"), "{err}");
    }
}

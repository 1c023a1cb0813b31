//! TIFF: every page of a multi-page file, with the `tiff` crate (which reads
//! Group 4, LZW, Deflate, PackBits and uncompressed data at 1, 8 and 16 bits).
//! The `image` crate would read only the first page.

use super::{Limits, PageImage, SourceCoding};
use crate::error::InputError;
use image::{GrayImage, RgbImage};
use std::io::Cursor;
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::{ResolutionUnit, Tag};
use tiff::ColorType;

pub struct TiffFile<'a> {
    bytes: &'a [u8],
    /// Pages whose directory could be read.
    readable: u32,
    /// Set when the page chain breaks after `readable` pages.
    broken: Option<String>,
}

fn decoder(bytes: &[u8]) -> Result<Decoder<Cursor<&[u8]>>, InputError> {
    Decoder::new(Cursor::new(bytes)).map_err(|e| InputError::corrupt("tiff", e))
}

impl<'a> TiffFile<'a> {
    pub(super) fn open(bytes: &'a [u8], limits: &Limits) -> Result<TiffFile<'a>, InputError> {
        let mut dec = decoder(bytes)?;
        let mut readable = 0u32;
        let mut broken = None;
        loop {
            match dec.dimensions() {
                Ok(_) => readable += 1,
                Err(e) => {
                    broken = Some(e.to_string());
                    break;
                }
            }
            if !dec.more_images() {
                break;
            }
            if readable >= limits.max_pages {
                broken = Some(format!("more than {} pages", limits.max_pages));
                break;
            }
            if let Err(e) = dec.next_image() {
                broken = Some(e.to_string());
                break;
            }
        }
        if readable == 0 {
            return Err(InputError::corrupt("tiff", broken.unwrap_or_default()));
        }
        Ok(TiffFile { bytes, readable, broken })
    }

    pub(super) fn page_count(&self) -> u32 {
        self.readable + u32::from(self.broken.is_some())
    }

    pub(super) fn page(&self, n: u32, limits: &Limits) -> Result<PageImage, InputError> {
        if n > self.readable {
            let why = self.broken.clone().unwrap_or_else(|| "no such page".into());
            return Err(InputError::corrupt("tiff", format!("page {n} cannot be read: {why}")));
        }
        let corrupt = |e: tiff::TiffError| InputError::corrupt("tiff", e);
        let mut dec = decoder(self.bytes)?;
        // Buffers as large as the page limit allows (16-bit RGBA: 8 bytes a
        // pixel); tag values keep the crate's 1 MiB limit, so a tag claiming
        // billions of values is an error, not an allocation that aborts.
        let buffer = usize::try_from(limits.max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
        let mut tiff_limits = tiff::decoder::Limits::default();
        (tiff_limits.decoding_buffer_size, tiff_limits.intermediate_buffer_size) = (buffer, buffer);
        dec = dec.with_limits(tiff_limits);
        dec.seek_to_image(n as usize - 1).map_err(corrupt)?;
        let (w, h) = dec.dimensions().map_err(corrupt)?;
        limits.check(w as u64, h as u64)?;
        let dpi = resolution(&mut dec);
        let source = g4_strip(&mut dec, self.bytes);
        let decoded = dec.colortype().and_then(|color| Ok((color, dec.read_image()?)));
        let (gray, colour) = match decoded {
            Ok((color, data)) => to_pixels(color, data, w, h)?,
            // Palette images, JPEG or JBIG compression: libtiff (through
            // Leptonica) reads what the tiff crate does not.
            Err(tiff::TiffError::UnsupportedError(e)) => match super::lept::tiff_page(self.bytes, n) {
                Some(gray) if gray.dimensions() == (w, h) => (gray, None),
                _ => return Err(InputError::Unsupported(format!("tiff: {e}"))),
            },
            Err(e) => return Err(corrupt(e)),
        };
        Ok(PageImage { gray, dpi, colour, source, inverted: false }.positive())
    }
}

/// The page's Group 4 data when it is one strip of it, as the file holds it
/// (`imaging::for_storage` checks it decodes to the page before keeping it).
fn g4_strip(dec: &mut Decoder<Cursor<&[u8]>>, bytes: &[u8]) -> Option<SourceCoding> {
    const T6_OPTIONS: u16 = 293;
    let unsigned = |dec: &mut Decoder<Cursor<&[u8]>>, tag: Tag| dec.find_tag(tag).ok().flatten()?.into_u64().ok();
    if unsigned(dec, Tag::Compression)? != 4 {
        return None;
    }
    // Bits in the usual order, no uncompressed mode.
    if unsigned(dec, Tag::FillOrder).unwrap_or(1) != 1 || unsigned(dec, Tag::Unknown(T6_OPTIONS)).unwrap_or(0) != 0 {
        return None;
    }
    let offsets = dec.get_tag_u64_vec(Tag::StripOffsets).ok()?;
    let counts = dec.get_tag_u64_vec(Tag::StripByteCounts).ok()?;
    let ([offset], [count]) = (offsets.as_slice(), counts.as_slice()) else { return None };
    let start = usize::try_from(*offset).ok()?;
    let data = bytes.get(start..start.checked_add(usize::try_from(*count).ok()?)?)?;
    Some(SourceCoding::G4 { data: data.to_vec(), black_is_1: false })
}

fn resolution(dec: &mut Decoder<Cursor<&[u8]>>) -> Option<f32> {
    // A RATIONAL, as the TIFF specification has it (`into_f32` takes only floats).
    let x = match dec.find_tag(Tag::XResolution).ok()?? {
        tiff::decoder::ifd::Value::Rational(n, d) if d > 0 => n as f32 / d as f32,
        other => other.into_f32().ok()?,
    };
    let unit = dec
        .find_tag(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .and_then(|v| v.into_u16().ok())
        .and_then(ResolutionUnit::from_u16)
        .unwrap_or(ResolutionUnit::Inch);
    let dpi = match unit {
        ResolutionUnit::Centimeter => x * 2.54,
        ResolutionUnit::Inch => x,
        _ => return None,
    };
    (dpi.is_finite() && dpi > 0.0).then_some(dpi)
}

/// Converts any sample layout the decoder returns into 8-bit gray, and
/// 8-bit RGB when the page has colour.
fn to_pixels(
    color: ColorType,
    data: DecodingResult,
    w: u32,
    h: u32,
) -> Result<(GrayImage, Option<RgbImage>), InputError> {
    let n = w as usize * h as usize;
    let bad = || InputError::corrupt("tiff", "pixel data shorter than the image size");
    // Samples widened or narrowed to 8 bits.
    let samples: Vec<u8> = match (&color, data) {
        (ColorType::Gray(1), DecodingResult::U8(packed)) => {
            return Ok((super::unpack_bits(&packed, w, h, false).ok_or_else(bad)?, None));
        }
        (_, DecodingResult::U8(v)) => v,
        (_, DecodingResult::U16(v)) => v.into_iter().map(|s| (s >> 8) as u8).collect(),
        (_, DecodingResult::U32(v)) => v.into_iter().map(|s| (s >> 24) as u8).collect(),
        (_, DecodingResult::F32(v)) => v.into_iter().map(|s| (s.clamp(0.0, 1.0) * 255.0) as u8).collect(),
        _ => return Err(InputError::Unsupported("tiff sample format".into())),
    };
    let colour = match color {
        ColorType::RGB(_) if samples.len() >= 3 * n => RgbImage::from_raw(w, h, samples[..3 * n].to_vec())
            .map(image::DynamicImage::ImageRgb8)
            .and_then(|img| super::colour_of(&img)),
        _ => None,
    };
    let gray: Vec<u8> = match color {
        ColorType::Gray(_) => samples,
        ColorType::GrayA(_) => samples.chunks_exact(2).map(|p| p[0]).collect(),
        ColorType::RGB(_) => samples.chunks_exact(3).map(luma).collect(),
        ColorType::RGBA(_) => samples.chunks_exact(4).map(luma).collect(),
        ColorType::CMYK(_) => samples
            .chunks_exact(4)
            .map(|p| {
                let k = 255 - p[3] as u32;
                let rgb = [p[0], p[1], p[2]].map(|c| ((255 - c as u32) * k / 255) as u8);
                luma(&rgb)
            })
            .collect(),
        other => return Err(InputError::Unsupported(format!("tiff color type {other:?}"))),
    };
    if gray.len() < n {
        return Err(bad());
    }
    Ok((GrayImage::from_raw(w, h, gray[..n].to_vec()).ok_or_else(bad)?, colour))
}

fn luma(p: &[u8]) -> u8 {
    ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resolution_a_tiff_claims_is_read() {
        // A 150 dpi page (XResolution is a RATIONAL, 150/1).
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bad/palette.tif")).unwrap();
        let file = TiffFile::open(&bytes, &Limits::default()).unwrap();
        let page = file.page(1, &Limits::default()).unwrap();
        assert_eq!(page.dpi.map(|d| d.round()), Some(150.0));
    }
}

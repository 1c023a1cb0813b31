//! Leptonica as a second decoder, for encodings the Rust decoders refuse:
//! JPEG 2000 (PDF `JPXDecode`, via OpenJPEG) and TIFF pages the `tiff` crate
//! does not read (palette images, JPEG or JBIG compression; via libtiff).
//!
//! Leptonica reads from memory and its error messages are switched off (they
//! would go to stderr); a failure is `None` and the caller keeps its own,
//! more specific error.

use crate::ocr::{silence_leptonica as quiet, Pix};
use image::GrayImage;
use leptess::capi;
use std::os::raw::c_int;

/// A JPEG 2000 codestream or JP2 file.
pub(super) fn jpeg2000(bytes: &[u8]) -> Option<GrayImage> {
    quiet();
    // SAFETY: Leptonica reads `bytes` (not kept) and returns a new Pix or null.
    to_gray(Pix(unsafe { capi::pixReadMem(bytes.as_ptr(), bytes.len()) }))
}

/// Page `n` (1-based) of a TIFF file.
pub(super) fn tiff_page(bytes: &[u8], n: u32) -> Option<GrayImage> {
    quiet();
    // SAFETY: as above; Leptonica counts TIFF pages from 0.
    to_gray(Pix(unsafe { capi::pixReadMemTiff(bytes.as_ptr(), bytes.len(), n.checked_sub(1)? as c_int) }))
}

/// Any depth, colour map or colour to 8-bit gray. Leptonica stores 4 pixels
/// per 32-bit word, the leftmost in the most significant byte.
fn to_gray(pix: Pix) -> Option<GrayImage> {
    if pix.0.is_null() {
        return None;
    }
    // SAFETY: `pix` is a valid image; the result is a new one, owned below.
    let gray = Pix(unsafe { capi::pixConvertTo8(pix.0, 0) });
    if gray.0.is_null() {
        return None;
    }
    // SAFETY: an 8-bit Pix holds `wpl * h` words of data.
    unsafe {
        let (w, h) = (capi::pixGetWidth(gray.0), capi::pixGetHeight(gray.0));
        if w <= 0 || h <= 0 || capi::pixGetDepth(gray.0) != 8 {
            return None;
        }
        let (w, h) = (w as usize, h as usize);
        let wpl = capi::pixGetWpl(gray.0) as usize;
        let data = std::slice::from_raw_parts(capi::pixGetData(gray.0), wpl * h);
        let mut out = Vec::with_capacity(w * h);
        for line in data.chunks_exact(wpl) {
            out.extend(line.iter().flat_map(|word| word.to_be_bytes()).take(w));
        }
        GrayImage::from_raw(w as u32, h as u32, out)
    }
}

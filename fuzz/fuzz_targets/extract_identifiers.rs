//! Patient-identifier extraction on a page's OCR text, with and without the
//! word boxes OCR gives.
//!
//! Input: page text (lossy UTF-8), optionally followed by a NUL byte and
//! *layout bytes*. The text alone is run through
//! `extract::extract_page(text, &[], default config)` (what `extract` does).
//! Then the text's whitespace-separated tokens are laid out as Tesseract
//! would box them on a clean page (one row per line, 20 px per character,
//! rows 40 px apart, so two or more spaces split a row into cells), each box
//! moved and resized by the next 4 layout bytes if there are any, and the
//! extraction runs again with those words (the form-cell pass,
//! src/extract/cells.rs). Box coordinates stay within 0..=65535, as on any
//! real page image.
#![no_main]

mod common;

use chartmill::extract::{extract_page, ExtractConfig};
use chartmill::model::Word;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const CHAR_W: i64 = 20;
const LINE_H: i64 = 40;
const WORD_H: i64 = 30;
const MAX_COORD: i64 = 65_535;

fn config() -> &'static ExtractConfig {
    static CFG: OnceLock<ExtractConfig> = OnceLock::new();
    CFG.get_or_init(ExtractConfig::default)
}

fn words(text: &str, layout: &[u8]) -> Vec<Word> {
    let mut jitter = layout.chunks_exact(4);
    let mut out = Vec::new();
    for (row, line) in text.lines().enumerate() {
        let mut col = 0i64;
        let mut chars = line.char_indices().peekable();
        while let Some(&(start, c)) = chars.peek() {
            if c.is_whitespace() {
                col += 1;
                chars.next();
                continue;
            }
            let mut end = start;
            let mut len = 0i64;
            while let Some(&(i, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                end = i + c.len_utf8();
                len += 1;
                chars.next();
            }
            let (mut x, mut y, mut w, mut h) = (col * CHAR_W, row as i64 * LINE_H, len * CHAR_W, WORD_H);
            col += len;
            if let Some(j) = jitter.next() {
                let j = |i: usize| j[i] as i8 as i64;
                x += j(0) * 4;
                y += j(1);
                w += j(2) * 4;
                h += j(3) / 2;
            }
            let clamp = |v: i64| v.clamp(0, MAX_COORD) as u32;
            // Tesseract's confidences are 0..100.
            let conf = (len * 7 % 101) as f32;
            out.push(Word {
                text: line[start..end].to_string(),
                conf,
                x: clamp(x),
                y: clamp(y),
                w: clamp(w),
                h: clamp(h),
            });
        }
    }
    out
}

fuzz_target!(init: common::install_panic_hook(), |data: &[u8]| {
    let (text, layout) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(text);
    let cfg = config();
    let _ = extract_page(&text, &[], cfg);
    let words = words(&text, layout);
    if !words.is_empty() {
        let _ = extract_page(&text, &words, cfg);
    }
});

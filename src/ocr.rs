//! The only caller of Tesseract and Leptonica (through leptess).
//!
//! An [`Engine`] is one initialised Tesseract instance. Creating one loads the
//! language model (tens of milliseconds and ~30 MB), so the pipeline keeps one
//! per worker thread and reuses it for every page ([`EnginePool`]).
//!
//! For each page: gray pixels go straight into a Leptonica `Pix` (no PNG
//! round trip), the skew is measured and corrected, Tesseract's orientation
//! detection (OSD) turns sideways and upside-down pages upright, then the page
//! is recognised and read back as TSV to get every word's box and confidence.
//!
//! Debian's shared libtesseract is built with OpenMP: it must see
//! `OMP_THREAD_LIMIT=1` in the environment *when the process starts* (libgomp
//! reads it at load time); `main` re-executes the process to guarantee it.
//! Without it, OpenMP threads fight rayon's. The static library that
//! `scripts/build-tesseract` builds, and chartmill links where it exists, has
//! no OpenMP at all.

use crate::error::InputError;
use crate::model::Word;
use image::GrayImage;
use leptess::capi;
use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::sync::Mutex;

/// How Tesseract reads each page: the site configuration's `[ocr]` section.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OcrSettings {
    pub layout: PageLayout,
    /// A page whose recognition takes longer is recorded as failed
    /// (`ocr time limit`) and the batch goes on.
    pub time_limit_seconds: f64,
    /// Read a page's patient header a second time, on its own, when the
    /// first reading found no MRN or no date of birth there
    /// (`extract::second_look`).
    pub reread_header: bool,
}

impl Default for OcrSettings {
    fn default() -> OcrSettings {
        OcrSettings { layout: PageLayout::Auto, time_limit_seconds: 120.0, reread_header: true }
    }
}

/// Tesseract's page segmentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageLayout {
    /// Tesseract's automatic layout analysis with column finding (`--psm
    /// 3`). The default: headers that put the patient block beside other
    /// text keep their blocks apart, which patient identification needs.
    Auto,
    /// The page as one block of text lines (`--psm 6`): on the benchmark
    /// corpus about a tenth faster with a lower character error rate, but on
    /// the filing evaluation's side-by-side headers MRN recall fell from 1.00
    /// to 0.86 (docs/evaluation.md). For archives of plain single-column text.
    Block,
}

/// What OCR made of one page.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrOutput {
    pub text: String,
    pub words: Vec<Word>,
    /// See [`page_confidence`].
    pub confidence: f32,
    /// Clockwise rotation applied to make the page upright.
    pub rotation: u16,
    /// Skew corrected, in degrees.
    pub skew: f32,
    pub deskew_ms: u32,
    pub osd_ms: u32,
    pub recognize_ms: u32,
}

fn ms_since(t: std::time::Instant) -> u32 {
    t.elapsed().as_millis().min(u32::MAX as u128) as u32
}

/// An owned Leptonica image, destroyed on drop (also used by `decode::lept`).
pub(crate) struct Pix(pub(crate) *mut capi::Pix);

impl Drop for Pix {
    fn drop(&mut self) {
        if !self.0.is_null() {
            unsafe { capi::pixDestroy(&mut self.0) };
        }
    }
}

impl Pix {
    /// Copies 8-bit gray pixels into a new Pix. Leptonica stores 4 pixels per
    /// 32-bit word, the leftmost in the most significant byte.
    fn from_gray(gray: &GrayImage, dpi: u32) -> Option<Pix> {
        let (w, h) = gray.dimensions();
        let pix = Pix(unsafe { capi::pixCreate(w as c_int, h as c_int, 8) });
        if pix.0.is_null() {
            return None;
        }
        unsafe {
            let wpl = capi::pixGetWpl(pix.0) as usize;
            let data = std::slice::from_raw_parts_mut(capi::pixGetData(pix.0), wpl * h as usize);
            for (y, row) in gray.as_raw().chunks_exact(w as usize).enumerate() {
                let line = &mut data[y * wpl..(y + 1) * wpl];
                for (word, px) in line.iter_mut().zip(row.chunks(4)) {
                    let mut b = [255u8; 4];
                    b[..px.len()].copy_from_slice(px);
                    *word = u32::from_be_bytes(b);
                }
            }
            capi::pixSetResolution(pix.0, dpi as c_int, dpi as c_int);
        }
        Some(pix)
    }

    fn replace(&mut self, new: *mut capi::Pix) {
        if !new.is_null() && new != self.0 {
            *self = Pix(new);
        }
    }
}

/// One Tesseract instance. Not shared between threads at the same time.
pub struct Engine {
    /// Recognition, with the `eng` LSTM model.
    handle: *mut capi::TessBaseAPI,
    /// Orientation detection, with the legacy `osd` model (`tesseract-ocr-osd`):
    /// the LSTM-only `eng` model cannot detect orientation.
    osd: *mut capi::TessBaseAPI,
    settings: OcrSettings,
    /// The last page read, upright and deskewed, and its resolution, for
    /// [`Engine::reread`].
    last: Option<(Pix, u32)>,
}

// SAFETY: a TessBaseAPI may be used from any thread as long as one thread at a
// time uses it; the pool hands each engine to one worker at a time.
unsafe impl Send for Engine {}

impl Drop for Engine {
    fn drop(&mut self) {
        self.last = None;
        for h in [self.handle, self.osd] {
            unsafe {
                capi::TessBaseAPIEnd(h);
                capi::TessBaseAPIDelete(h);
            }
        }
    }
}

fn set_variable(handle: *mut capi::TessBaseAPI, name: &str, value: &str) {
    let (n, v) = (CString::new(name).unwrap(), CString::new(value).unwrap());
    // An unknown variable is a programming error caught by tests, not a page failure.
    unsafe { capi::TessBaseAPISetVariable(handle, n.as_ptr(), v.as_ptr()) };
}

/// Takes a string Tesseract allocated, copies it, and frees it.
fn take_text(ptr: *mut std::os::raw::c_char) -> Result<String, String> {
    if ptr.is_null() {
        return Err("tesseract returned no text".into());
    }
    let text = unsafe { CStr::from_ptr(ptr) }.to_str().map(str::to_owned);
    unsafe { capi::TessDeleteText(ptr) };
    text.map_err(|_| "tesseract returned text that is not utf-8".into())
}

impl Engine {
    /// Starts Tesseract with the English model from the default tessdata.
    pub fn new(settings: OcrSettings) -> Result<Engine, crate::Error> {
        silence_leptonica();
        let engine = Engine {
            handle: unsafe { capi::TessBaseAPICreate() },
            osd: unsafe { capi::TessBaseAPICreate() },
            settings,
            last: None,
        };
        let (eng, osd) = (CString::new("eng").unwrap(), CString::new("osd").unwrap());
        if unsafe { capi::TessBaseAPIInit3(engine.handle, std::ptr::null(), eng.as_ptr()) } != 0 {
            return Err(crate::Error::Engine { detail: "the eng language model could not be loaded".into() });
        }
        let legacy = capi::TessOcrEngineMode_OEM_TESSERACT_ONLY;
        if unsafe { capi::TessBaseAPIInit2(engine.osd, std::ptr::null(), osd.as_ptr(), legacy) } != 0 {
            return Err(crate::Error::Engine {
                detail: "the osd model (tesseract-ocr-osd) could not be loaded".into(),
            });
        }
        // Tesseract's own diagnostics ("Estimating resolution...", "Empty
        // page") go to stderr by default; they carry no text, but are noise.
        for h in [engine.handle, engine.osd] {
            set_variable(h, "debug_file", "/dev/null");
        }
        unsafe { capi::TessBaseAPISetPageSegMode(engine.osd, capi::TessPageSegMode_PSM_OSD_ONLY) };
        Ok(engine)
    }

    /// Deskews, orients and recognises a page.
    ///
    /// Orientation detection costs about a third of a recognition, so it
    /// runs only when the upright reading is weak (confidence under
    /// `OSD_BELOW_CONFIDENCE`): a sideways or upside-down page reads as
    /// low-confidence gibberish. If the detection turns the page, it is read
    /// again and the better reading is kept.
    ///
    /// Recognition stops at the configured time limit (Tesseract's own
    /// deadline, checked between words); the page then fails with
    /// [`InputError::OcrTimeLimit`].
    pub fn read(&mut self, gray: &GrayImage, dpi: u32) -> Result<OcrOutput, InputError> {
        self.last = None;
        let started = std::time::Instant::now();
        let mut pix = Pix::from_gray(gray, dpi).ok_or(InputError::Ocr("cannot allocate the page image".into()))?;
        let t0 = std::time::Instant::now();
        let skew = deskew(&mut pix);
        let deskew_ms = ms_since(t0);
        let t1 = std::time::Instant::now();
        let (mut text, mut words) = self.recognize(&pix, dpi, started)?;
        let mut confidence = page_confidence(&words);
        let mut recognize_ms = ms_since(t1);
        let (mut rotation, mut osd_ms) = (0, 0);
        if confidence < OSD_BELOW_CONFIDENCE {
            let t2 = std::time::Instant::now();
            let turned = self.upright(&mut pix, dpi);
            osd_ms = ms_since(t2);
            if turned != 0 {
                let t3 = std::time::Instant::now();
                let (text2, words2) = self.recognize(&pix, dpi, started)?;
                recognize_ms += ms_since(t3);
                let confidence2 = page_confidence(&words2);
                if confidence2 > confidence {
                    (text, words, confidence, rotation) = (text2, words2, confidence2, turned);
                }
            }
        }
        self.last = Some((pix, dpi));
        Ok(OcrOutput { text, words, confidence, rotation, skew, deskew_ms, osd_ms, recognize_ms })
    }

    /// Lets go of the last page's image (kept for [`Engine::reread`]).
    pub fn release_page(&mut self) {
        self.last = None;
    }

    /// Reads a band of the last page [`Engine::read`] read (rows `top` to
    /// `bottom` of the upright, deskewed image, the whole width) on its own,
    /// as sparse text (`--psm 11`): without the rest of the page, Tesseract
    /// finds lines its whole-page layout analysis dropped. Words keep the
    /// page's coordinates. Within the configured time limit, counted afresh.
    ///
    /// The band is cut out of the image: Tesseract's own `SetRectangle`
    /// thresholds the rectangle but its LSTM recogniser cuts the lines out
    /// of the whole image at the rectangle's coordinates (measured: empty
    /// text or another part of the page).
    ///
    /// `look` says how the band's image is made over first (see [`Look`]).
    pub fn reread(&mut self, top: u32, bottom: u32, look: Look) -> Result<(String, Vec<Word>), InputError> {
        let (pix, dpi) = self.last.as_ref().ok_or(InputError::Ocr("no page to read again".into()))?;
        let (w, h) = unsafe { (capi::pixGetWidth(pix.0), capi::pixGetHeight(pix.0)) };
        let top = (top as c_int).min(h);
        let height = (bottom as c_int).min(h) - top;
        if height <= 0 || w <= 0 {
            return Err(InputError::Ocr("the band to read again is empty".into()));
        }
        let band = unsafe {
            let mut rect = capi::boxCreate(0, top, w, height);
            let band = capi::pixClipRectangle(pix.0, rect, std::ptr::null_mut());
            capi::boxDestroy(&mut rect);
            Pix(band)
        };
        if band.0.is_null() {
            return Err(InputError::Ocr("cannot cut out the band to read again".into()));
        }
        let made = match look {
            Look::AsScanned => None,
            // Gray dilation: the lightest pixel of each 3x3 square.
            Look::Thinned => Some(unsafe { capi::pixDilateGray(band.0, 3, 3) }),
            // The mean of each 3x3 square.
            Look::Softened => Some(unsafe { capi::pixBlockconv(band.0, 1, 1) }),
        };
        let band = match made {
            None => band,
            Some(p) if p.is_null() => return Err(InputError::Ocr("cannot make over the band to read again".into())),
            Some(p) => Pix(p),
        };
        let started = std::time::Instant::now();
        let (text, mut words) = self.run(band.0, *dpi, capi::TessPageSegMode_PSM_SPARSE_TEXT, started)?;
        for word in &mut words {
            word.y += top as u32;
        }
        Ok((text, words))
    }

    /// One recognition pass: the page's text and its words, within what is
    /// left of the page's time limit (counted from `started`).
    fn recognize(
        &mut self,
        pix: &Pix,
        dpi: u32,
        started: std::time::Instant,
    ) -> Result<(String, Vec<Word>), InputError> {
        let psm = match self.settings.layout {
            PageLayout::Block => capi::TessPageSegMode_PSM_SINGLE_BLOCK,
            PageLayout::Auto => capi::TessPageSegMode_PSM_AUTO,
        };
        self.run(pix.0, dpi, psm, started)
    }

    /// Recognises `pix` with segmentation mode `psm`, within what is left of
    /// the time limit counted from `started`.
    fn run(
        &self,
        pix: *mut capi::Pix,
        dpi: u32,
        psm: capi::TessPageSegMode,
        started: std::time::Instant,
    ) -> Result<(String, Vec<Word>), InputError> {
        let handle = self.handle;
        let limit = std::time::Duration::from_secs_f64(self.settings.time_limit_seconds.max(0.0));
        let over = || InputError::OcrTimeLimit { ms: limit.as_millis() as u64 };
        let left = limit.checked_sub(started.elapsed()).ok_or_else(over)?;
        unsafe {
            capi::TessBaseAPISetPageSegMode(handle, psm);
            capi::TessBaseAPISetImage2(handle, pix);
            capi::TessBaseAPISetSourceResolution(handle, dpi as c_int);
        }
        let monitor = unsafe { capi::TessMonitorCreate() };
        // At least 1 ms: Tesseract reads a deadline of 0 as "none".
        let deadline_ms = left.as_millis().clamp(1, i32::MAX as u128) as c_int;
        unsafe { capi::TessMonitorSetDeadlineMSecs(monitor, deadline_ms) };
        let status = unsafe { capi::TessBaseAPIRecognize(handle, monitor) };
        unsafe { capi::TessMonitorDelete(monitor) };
        if started.elapsed() >= limit {
            unsafe { capi::TessBaseAPIClear(handle) };
            return Err(over());
        }
        if status != 0 {
            unsafe { capi::TessBaseAPIClear(handle) };
            return Err(InputError::Ocr("tesseract could not recognise the page".into()));
        }
        let tsv = take_text(unsafe { capi::TessBaseAPIGetTsvText(handle, 0) });
        let text = take_text(unsafe { capi::TessBaseAPIGetUTF8Text(handle) });
        unsafe { capi::TessBaseAPIClear(handle) };
        let (tsv, text) = (tsv.map_err(InputError::Ocr)?, text.map_err(InputError::Ocr)?);
        Ok((text.trim_end().to_string(), parse_tsv(&tsv)))
    }

    /// Turns the page upright using Tesseract's orientation detection and
    /// returns the clockwise rotation applied. A weak detection is ignored.
    fn upright(&mut self, pix: &mut Pix, dpi: u32) -> u16 {
        let handle = self.osd;
        let (mut deg, mut conf): (c_int, f32) = (0, 0.0);
        let mut script: *const std::os::raw::c_char = std::ptr::null();
        let mut script_conf = 0.0f32;
        let ok = unsafe {
            capi::TessBaseAPISetImage2(handle, pix.0);
            capi::TessBaseAPISetSourceResolution(handle, dpi as c_int);
            capi::TessBaseAPIDetectOrientationScript(handle, &mut deg, &mut conf, &mut script, &mut script_conf)
        };
        unsafe { capi::TessBaseAPIClear(handle) };
        // Tesseract reports the page's orientation ("Orientation in degrees"
        // of `tesseract --psm 0`): the counter-clockwise turn that would make
        // it upright. Leptonica rotates clockwise, by 360 minus that.
        if ok == 0 || conf < MIN_ORIENTATION_CONFIDENCE || deg == 0 {
            return 0;
        }
        let quads = match deg {
            90 => 3,
            180 => 2,
            270 => 1,
            _ => return 0,
        };
        let rotated = unsafe { capi::pixRotateOrth(pix.0, quads) };
        if rotated.is_null() {
            return 0;
        }
        pix.replace(rotated);
        (quads * 90) as u16
    }
}

/// How a band's image is made over before it is read again
/// ([`Engine::reread`]). Tesseract's reading of a digit on a noisy or
/// bilevel scan turns on a few pixels of its strokes (a year's 0 read as 9
/// or 6, a 5 as 3); the same band with its strokes a pixel thinner, or its
/// edges softened, is read differently, and often right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// The deskewed page as read the first time.
    AsScanned,
    /// Strokes a pixel thinner (each pixel the lightest of its 3x3 square).
    Thinned,
    /// Edges softened (each pixel the mean of its 3x3 square).
    Softened,
}

/// The looks a header is read again in, one after the other while the
/// readings so far still miss or disagree (`extract::second_look`):
/// measured on three 150-document batches, thinned strokes recovered most
/// dates of birth, softened edges most MRNs (docs/evaluation.md).
pub const REREAD_LOOKS: [Look; 3] = [Look::AsScanned, Look::Thinned, Look::Softened];

/// Pages read with a lower confidence than this get orientation detection.
/// Upright typed pages read at 0.85-0.97; sideways and upside-down ones at
/// 0.2-0.4.
const OSD_BELOW_CONFIDENCE: f32 = 0.7;

/// Orientation detections weaker than this are not acted on (Tesseract's
/// own `min_orientation_margin` default is 7).
const MIN_ORIENTATION_CONFIDENCE: f32 = 2.0;

/// Measures the skew and, when it is confidently found and more than a tenth
/// of a degree, rotates it away. Returns the angle corrected.
fn deskew(pix: &mut Pix) -> f32 {
    let (mut angle, mut conf) = (0.0f32, 0.0f32);
    let out = unsafe { capi::pixFindSkewAndDeskew(pix.0, 0, &mut angle, &mut conf) };
    if out.is_null() {
        return 0.0;
    }
    let applied = if out != pix.0 && conf > 0.0 && angle.abs() >= 0.1 { angle } else { 0.0 };
    if out != pix.0 {
        pix.replace(out);
    } else {
        // No rotation: Leptonica returned a *clone* (the same image with its
        // reference count raised). Drop that reference, or every page leaks
        // its whole image (measured: 2.9 GiB after 600 pages).
        let mut clone = out;
        unsafe { capi::pixDestroy(&mut clone) };
    }
    applied
}

/// Leptonica's messages go to stderr; they are switched off.
pub(crate) fn silence_leptonica() {
    unsafe {
        capi::setMsgSeverity(capi::L_SEVERITY_NONE as c_int);
    }
}

/// Parses Tesseract's TSV output into words (level-5 rows with text).
///
/// Columns: level, page, block, paragraph, line, word, left, top, width,
/// height, conf, text.
pub fn parse_tsv(tsv: &str) -> Vec<Word> {
    // Lines are numbered within their paragraph and block: a new
    // (block, paragraph, line) is the page's next line.
    let mut line_of = (String::new(), 0u32);
    tsv.lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.splitn(12, '\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let num = |i: usize| cols[i].trim().parse::<u32>().ok();
            let conf = cols[10].trim().parse::<f32>().ok()?;
            let text = cols[11].trim();
            if text.is_empty() || conf < 0.0 {
                return None;
            }
            let key = format!("{}/{}/{}", cols[2], cols[3], cols[4]);
            if key != line_of.0 {
                line_of = (key, line_of.1 + 1);
            }
            Some(Word { text: text.to_string(), conf, x: num(6)?, y: num(7)?, w: num(8)?, h: num(9)?, line: line_of.1 })
        })
        .collect()
}

/// The page's OCR confidence in 0..1: the mean of Tesseract's word
/// confidences (0..100) weighted by each word's length in characters, divided
/// by 100. Long words weigh more than stray one-letter fragments, which
/// Tesseract often scores low on clean pages. A page without words scores 0.
pub fn page_confidence(words: &[Word]) -> f32 {
    let (sum, n) = words.iter().fold((0.0f64, 0usize), |(s, n), w| {
        let len = w.text.chars().count();
        (s + w.conf as f64 * len as f64, n + len)
    });
    if n == 0 {
        0.0
    } else {
        ((sum / n as f64) / 100.0).clamp(0.0, 1.0) as f32
    }
}

/// Engines for the worker threads: each worker takes one, uses it for a page
/// and gives it back, so at most one engine per thread is ever created and
/// all of them are dropped with the pool, on the thread that owns it.
pub struct EnginePool {
    idle: Mutex<Vec<Engine>>,
    settings: OcrSettings,
}

impl EnginePool {
    pub fn new(settings: OcrSettings) -> Result<EnginePool, crate::Error> {
        // Start one engine now so a missing model fails the run up front.
        Ok(EnginePool { idle: Mutex::new(vec![Engine::new(settings)?]), settings })
    }

    /// Runs `f` with an engine, creating one if all are busy.
    pub fn with<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> Result<T, String> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut engine = match taken {
            Some(e) => e,
            None => Engine::new(self.settings).map_err(|e| e.to_string())?,
        };
        let out = f(&mut engine);
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(engine);
        Ok(out)
    }
}

/// Tesseract's version string.
pub fn tesseract_version() -> String {
    unsafe { CStr::from_ptr(capi::TessVersion()).to_string_lossy().into_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_keep_boxes_and_confidences() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t96.5\tDischarge\n\
                   5\t1\t1\t1\t1\t2\t45\t20\t40\t12\t88\tsummary\n\
                   5\t1\t1\t1\t1\t3\t90\t20\t5\t12\t95\t \n";
        let words = parse_tsv(tsv);
        assert_eq!(words.len(), 2);
        assert_eq!(words[0], Word { text: "Discharge".into(), conf: 96.5, x: 10, y: 20, w: 30, h: 12, line: 1 });
        assert_eq!(words[1].text, "summary");
    }

    #[test]
    fn a_band_of_the_page_is_read_again_in_the_page_coordinates() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/png/hp_gray8.png");
        let gray = image::open(path).expect("the sample opens").to_luma8();
        let mut engine = Engine::new(OcrSettings::default()).expect("tesseract starts");
        assert!(engine.reread(0, 100, Look::AsScanned).is_err(), "nothing read yet");
        let page = engine.read(&gray, 300).expect("the sample reads");
        // The band of the first line with a word of five letters or more.
        let first = page.words.iter().find(|w| w.text.chars().filter(|c| c.is_alphabetic()).count() >= 5).unwrap();
        let (top, bottom) = (first.y.saturating_sub(first.h), first.y + 2 * first.h);
        for look in REREAD_LOOKS {
            let (text, words) = engine.reread(top, bottom, look).expect("the band reads");
            assert!(text.contains(first.text.as_str()), "{look:?}: {:?} not in the band's text", first.text);
            let again = words.iter().find(|w| w.text == first.text).expect("the word is read again");
            assert!(
                again.x.abs_diff(first.x) <= 3 && again.y.abs_diff(first.y) <= 3,
                "{look:?}: {again:?} vs {first:?}"
            );
            assert!(words.iter().all(|w| w.y >= top && w.y + w.h <= bottom + 1), "{look:?}: words outside the band");
        }
        assert!(
            engine.reread(gray.height() + 10, gray.height() + 50, Look::AsScanned).is_err(),
            "a band below the page"
        );
        engine.release_page();
        assert!(engine.reread(top, bottom, Look::Thinned).is_err(), "the page was let go");
    }

    #[test]
    fn confidence_is_length_weighted() {
        let w = |t: &str, c: f32| Word { text: t.into(), conf: c, x: 0, y: 0, w: 1, h: 1, line: 0 };
        assert_eq!(page_confidence(&[]), 0.0);
        let c = page_confidence(&[w("abcdefghi", 90.0), w("x", 10.0)]);
        assert!((c - 0.82).abs() < 1e-4, "{c}");
    }
}

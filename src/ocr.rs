//! The only caller of Tesseract and Leptonica (through leptess).
//!
//! An [`Engine`] is one initialised Tesseract instance. Creating one loads the
//! language model (tens of milliseconds and ~30 MB), so the pipeline keeps one
//! per worker thread and reuses it for every page ([`EnginePool`]).
//!
//! For each page: gray pixels go straight into a Leptonica `Pix` (no PNG
//! round trip), the size of the text is measured and the page scaled to the
//! size Tesseract reads best and fastest (`[ocr] x_height`; words are mapped
//! back to the scan's pixels), the skew is measured and corrected, Tesseract's orientation
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
    /// The x-height, in pixels, pages are read at: a page whose text
    /// measures larger is scaled down to it before recognition (a 300 dpi
    /// scan of 11 pt type has an x-height of about 23 pixels). 0 reads every
    /// page at its scanned resolution. See [`crate::prepare::ocr_scale`].
    pub x_height: f32,
    /// Text whose x-height measures smaller than this is scaled up to it,
    /// at most twice. 0: never scaled up.
    pub min_x_height: f32,
    /// Pages are not scaled down below this resolution (dots per inch),
    /// whatever their text size: forms print captions, and pages footers,
    /// in smaller type than the body text measured.
    pub min_dpi: f32,
    /// Only scans of a higher resolution (dots per inch) are scaled down.
    pub scale_down_above_dpi: f32,
}

impl Default for OcrSettings {
    fn default() -> OcrSettings {
        OcrSettings {
            layout: PageLayout::Auto,
            time_limit_seconds: 120.0,
            reread_header: true,
            x_height: DEFAULT_X_HEIGHT,
            min_x_height: DEFAULT_MIN_X_HEIGHT,
            min_dpi: DEFAULT_MIN_DPI,
            scale_down_above_dpi: DEFAULT_SCALE_DOWN_ABOVE_DPI,
        }
    }
}

/// See [`OcrSettings::x_height`]; chosen on the dense benchmark pages and
/// the filing evaluation (docs/benchmarks.md).
pub const DEFAULT_X_HEIGHT: f32 = 14.0;
/// See [`OcrSettings::min_x_height`].
pub const DEFAULT_MIN_X_HEIGHT: f32 = 9.0;
/// See [`OcrSettings::min_dpi`].
pub const DEFAULT_MIN_DPI: f32 = 150.0;
/// See [`OcrSettings::scale_down_above_dpi`].
pub const DEFAULT_SCALE_DOWN_ABOVE_DPI: f32 = 250.0;

impl OcrSettings {
    fn read_size(&self) -> crate::prepare::ReadSize {
        crate::prepare::ReadSize {
            x_height: self.x_height,
            min_x_height: self.min_x_height,
            min_dpi: self.min_dpi,
            scale_down_above_dpi: self.scale_down_above_dpi,
        }
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
    /// The x-height of the page's text as measured, in the scan's pixels;
    /// `None` when the page had too little text to tell.
    pub x_height: Option<f32>,
    /// The scale the page was read at (1: as scanned). Words are in the
    /// scan's pixels whatever the scale.
    pub scale: f32,
    /// Measuring the text and scaling the page.
    pub scale_ms: u32,
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
    /// The last page read, for [`Engine::reread`].
    last: Option<Last>,
}

/// The last page read, for [`Engine::reread`]: headers are read again at
/// the scan's own resolution, whatever the scale the page was read at (the
/// looks that thin or soften strokes by a pixel are made for it).
struct Last {
    /// The page as decoded (a reference to the same Leptonica image).
    scan: Pix,
    /// The scan's resolution.
    dpi: u32,
    /// The skew corrected and the clockwise turn applied before the
    /// reading the words come from.
    skew: f32,
    rotation: u16,
    /// The scan deskewed and upright: the page as read when it was read at
    /// full size, else made at the first reading again.
    upright: Option<Pix>,
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
    pub fn read(&mut self, gray: &GrayImage, scan_dpi: u32) -> Result<OcrOutput, InputError> {
        self.last = None;
        let started = std::time::Instant::now();
        let mut pix = Pix::from_gray(gray, scan_dpi).ok_or(InputError::Ocr("cannot allocate the page image".into()))?;
        let scan = Pix(unsafe { capi::pixClone(pix.0) });
        let t_scale = std::time::Instant::now();
        let x_height = crate::prepare::x_height_of(&blob_heights(&pix));
        let scale = crate::prepare::ocr_scale(x_height, scan_dpi, self.settings.read_size());
        if scale != 1.0 {
            pix = scaled(&pix, scale).ok_or(InputError::Ocr("cannot scale the page image".into()))?;
        }
        let dpi = ((scan_dpi as f32 * scale).round() as u32).max(1);
        let scale_ms = ms_since(t_scale);
        let t0 = std::time::Instant::now();
        let skew = deskew(&mut pix);
        let deskew_ms = ms_since(t0);
        let t1 = std::time::Instant::now();
        let (mut text, mut words) = self.recognize(&pix, dpi, started)?;
        let mut confidence = page_confidence(&words);
        let mut recognize_ms = ms_since(t1);
        let (mut rotation, mut osd_ms, mut turned) = (0, 0, 0);
        if confidence < OSD_BELOW_CONFIDENCE {
            let t2 = std::time::Instant::now();
            turned = self.upright(&mut pix, dpi);
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
        to_scan(&mut words, scale);
        // The image read is the upright scan when it is full size and turned
        // as the words were read.
        let upright = (scale == 1.0 && turned == rotation).then_some(pix);
        self.last = Some(Last { scan, dpi: scan_dpi, skew, rotation, upright });
        Ok(OcrOutput {
            text,
            words,
            confidence,
            rotation,
            skew,
            x_height,
            scale,
            scale_ms,
            deskew_ms,
            osd_ms,
            recognize_ms,
        })
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
    ///
    /// `top` and `bottom`, like the words, are in the scan's pixels, and the
    /// band is cut from the scan at its own resolution, deskewed and turned
    /// as the page was, whatever the scale the page was read at.
    pub fn reread(&mut self, top: u32, bottom: u32, look: Look) -> Result<(String, Vec<Word>), InputError> {
        let last = self.last.as_mut().ok_or(InputError::Ocr("no page to read again".into()))?;
        if last.upright.is_none() {
            last.upright = Some(
                upright_scan(&last.scan, last.skew, last.rotation)
                    .ok_or(InputError::Ocr("cannot turn the page to read it again".into()))?,
            );
        }
        let (pix, dpi) = (last.upright.as_ref().expect("made above"), last.dpi);
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
        let (text, mut words) = self.run(band.0, dpi, capi::TessPageSegMode_PSM_SPARSE_TEXT, started)?;
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
        // The text is put together from the TSV's words rather than asked
        // for: each of Tesseract's outputs walks all the page's results
        // again (9% of a dense page's time for the two, docs/benchmarks.md).
        let tsv = take_text(unsafe { capi::TessBaseAPIGetTsvText(handle, 0) });
        #[cfg(test)]
        let utf8 = take_text(unsafe { capi::TessBaseAPIGetUTF8Text(handle) });
        unsafe { capi::TessBaseAPIClear(handle) };
        let (text, words) = parse_tsv(&tsv.map_err(InputError::Ocr)?);
        // Every unit test that reads a page checks this.
        #[cfg(test)]
        assert_eq!(Ok(text.as_str()), utf8.as_deref().map(str::trim_end), "the TSV's text is Tesseract's own");
        Ok((text, words))
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

/// The heights, in the scan's pixels, of a page's glyph-sized ink blobs,
/// for [`crate::prepare::x_height_of`]. A page wider than 1,600 pixels is
/// measured at half size (area-averaged: noise fades, strokes stay), then
/// thresholded (Otsu, over the whole page) and its 8-connected components
/// boxed. Blobs under 3 pixels tall (specks, dots, noise), taller than a
/// twentieth of the page, or more than 12 times as wide as tall (rules,
/// underlines) are left out. Under 1% of a dense page's time
/// (docs/benchmarks.md).
fn blob_heights(pix: &Pix) -> Vec<u32> {
    let width = unsafe { capi::pixGetWidth(pix.0) };
    let half = width > 1600;
    let small = if half { Pix(unsafe { capi::pixScaleAreaMap2(pix.0) }) } else { Pix(std::ptr::null_mut()) };
    let src = if half { &small } else { pix };
    if src.0.is_null() {
        return Vec::new();
    }
    let (w, h) = unsafe { (capi::pixGetWidth(src.0), capi::pixGetHeight(src.0)) };
    let mut bin: *mut capi::Pix = std::ptr::null_mut();
    let ok = unsafe { capi::pixOtsuAdaptiveThreshold(src.0, w, h, 0, 0, 0.1, std::ptr::null_mut(), &mut bin) };
    let bin = Pix(bin);
    if ok != 0 || bin.0.is_null() {
        return Vec::new();
    }
    let mut boxes = unsafe { capi::pixConnCompBB(bin.0, 8) };
    if boxes.is_null() {
        return Vec::new();
    }
    let factor = if half { 2 } else { 1 };
    let tallest = h / 20;
    let mut heights = Vec::new();
    for i in 0..unsafe { capi::boxaGetCount(boxes) } {
        let (mut bx, mut by, mut bw, mut bh) = (0, 0, 0, 0);
        if unsafe { capi::boxaGetBoxGeometry(boxes, i, &mut bx, &mut by, &mut bw, &mut bh) } != 0 {
            continue;
        }
        if bh >= 3 && bh <= tallest && bw <= 12 * bh {
            heights.push((bh * factor) as u32);
        }
    }
    unsafe { capi::boxaDestroy(&mut boxes) };
    heights
}

/// The page at `scale`: Leptonica's area mapping when smaller (which
/// interpolates for mild reductions and averages areas for strong ones),
/// linear interpolation when larger.
fn scaled(pix: &Pix, scale: f32) -> Option<Pix> {
    let out = if scale < 1.0 {
        unsafe { capi::pixScaleAreaMap(pix.0, scale, scale) }
    } else {
        unsafe { capi::pixScaleGrayLI(pix.0, scale, scale) }
    };
    (!out.is_null()).then_some(Pix(out))
}

/// The scan deskewed by `skew` degrees as [`deskew`] does (Leptonica's
/// `pixDeskew` rotates by area mapping, bringing in white) and turned
/// `rotation` degrees clockwise.
fn upright_scan(scan: &Pix, skew: f32, rotation: u16) -> Option<Pix> {
    let deskewed = if skew != 0.0 {
        let (area_map, white) = (capi::L_ROTATE_AREA_MAP as c_int, capi::L_BRING_IN_WHITE as c_int);
        Pix(unsafe { capi::pixRotate(scan.0, skew.to_radians(), area_map, white, 0, 0) })
    } else {
        Pix(unsafe { capi::pixClone(scan.0) })
    };
    if deskewed.0.is_null() {
        return None;
    }
    if rotation == 0 {
        return Some(deskewed);
    }
    let turned = Pix(unsafe { capi::pixRotateOrth(deskewed.0, (rotation / 90) as c_int) });
    (!turned.0.is_null()).then_some(turned)
}

/// Words read at `scale` back in the scan's pixels: each box the smallest
/// that holds the read one.
fn to_scan(words: &mut [Word], scale: f32) {
    if scale == 1.0 {
        return;
    }
    for word in words {
        let (x0, y0) = (word.x as f32 / scale, word.y as f32 / scale);
        let (x1, y1) = ((word.x + word.w) as f32 / scale, (word.y + word.h) as f32 / scale);
        (word.x, word.y) = (x0.floor() as u32, y0.floor() as u32);
        (word.w, word.h) = (x1.ceil() as u32 - word.x, y1.ceil() as u32 - word.y);
    }
}

/// Leptonica's messages go to stderr; they are switched off.
pub(crate) fn silence_leptonica() {
    unsafe {
        capi::setMsgSeverity(capi::L_SEVERITY_NONE as c_int);
    }
}

/// Parses Tesseract's TSV output into the page's text and its words.
///
/// Columns: level, page, block, paragraph, line, word, left, top, width,
/// height, conf, text. The text is what Tesseract's own text output gives:
/// a line's words (level-5 rows) joined by spaces, each line ended by a
/// newline, each paragraph by one more (a paragraph of blank words is left
/// out), the end trimmed. Words keep only
/// rows with text and a confidence.
pub fn parse_tsv(tsv: &str) -> (String, Vec<Word>) {
    // Paragraphs of lines of words' texts, for the text.
    let mut paragraphs: Vec<Vec<Vec<&str>>> = Vec::new();
    let mut words = Vec::new();
    // Lines are numbered within their paragraph and block: a new
    // (block, paragraph, line) is the page's next line.
    let (mut line_key, mut para_key, mut line_no) = (("", "", ""), ("", ""), 0u32);
    for row in tsv.lines() {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let key = (cols[2], cols[3], cols[4]);
        if paragraphs.is_empty() || (key.0, key.1) != para_key {
            paragraphs.push(Vec::new());
        }
        let paragraph = paragraphs.last_mut().expect("pushed above");
        if paragraph.is_empty() || key != line_key {
            paragraph.push(Vec::new());
            line_no += 1;
        }
        (line_key, para_key) = (key, (key.0, key.1));
        let word = cols[11].trim_end_matches(['\r', '\n']);
        paragraph.last_mut().expect("pushed above").push(word);
        let num = |i: usize| cols[i].trim().parse::<u32>().ok();
        let Some(conf) = cols[10].trim().parse::<f32>().ok() else { continue };
        let word = word.trim();
        if word.is_empty() || conf < 0.0 {
            continue;
        }
        let (Some(x), Some(y), Some(w), Some(h)) = (num(6), num(7), num(8), num(9)) else { continue };
        words.push(Word { text: word.to_string(), conf, x, y, w, h, line: line_no });
    }
    let mut text = String::new();
    // A paragraph of blank words only is a rule or a picture's block, which
    // Tesseract's text output leaves out.
    for paragraph in paragraphs.iter().filter(|p| p.iter().flatten().any(|w| !w.trim().is_empty())) {
        for line in paragraph {
            text.push_str(&line.join(" "));
            text.push('\n');
        }
        text.push('\n');
    }
    (text.trim_end().to_string(), words)
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
        let (text, words) = parse_tsv(tsv);
        assert_eq!(text, "Discharge summary");
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
    fn words_read_at_a_smaller_scale_are_in_the_scans_pixels() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/png/hp_gray8.png");
        let gray = image::open(path).expect("the sample opens").to_luma8();
        let as_scanned = OcrSettings { x_height: 0.0, min_x_height: 0.0, min_dpi: 0.0, ..OcrSettings::default() };
        let full = Engine::new(as_scanned).unwrap().read(&gray, 300).expect("reads as scanned");
        assert_eq!(full.scale, 1.0);
        let x = full.x_height.expect("a page of text has a text size");
        // The sample is 300 dpi, 10-12 pt type: an x-height of 18-30 pixels.
        assert!((18.0..=30.0).contains(&x), "{x}");
        let half = OcrSettings { x_height: x / 2.0, min_dpi: 0.0, ..OcrSettings::default() };
        let small = Engine::new(half).unwrap().read(&gray, 300).expect("reads at half size");
        assert!((small.scale - 0.5).abs() < 0.01, "{}", small.scale);
        let mut matched = 0;
        for w in small.words.iter().filter(|w| w.text.len() >= 6) {
            // The same word read at full size: the nearest of that text.
            let near =
                full.words.iter().filter(|f| f.text == w.text).min_by_key(|f| f.x.abs_diff(w.x) + f.y.abs_diff(w.y));
            if let Some(f) = near {
                assert!(f.x.abs_diff(w.x) <= 4 && f.y.abs_diff(w.y) <= 4, "{w:?} vs {f:?}");
                assert!(f.w.abs_diff(w.w) <= 6 && f.h.abs_diff(w.h) <= 6, "{w:?} vs {f:?}");
                matched += 1;
            }
        }
        assert!(matched >= 10, "only {matched} long words read alike at both scales");
    }

    #[test]
    fn boxes_read_at_a_scale_map_back_to_the_smallest_that_holds_them() {
        let mut words = vec![Word::at("MRN", 10, 21, 30, 9)];
        to_scan(&mut words, 0.5);
        assert_eq!((words[0].x, words[0].y, words[0].w, words[0].h), (20, 42, 60, 18));
        let mut words = vec![Word::at("MRN", 10, 20, 30, 10)];
        to_scan(&mut words, 0.3);
        // 10/0.3 = 33.3, (10+30)/0.3 = 133.3: from 33 to 134.
        assert_eq!((words[0].x, words[0].w), (33, 101));
    }

    #[test]
    fn confidence_is_length_weighted() {
        let w = |t: &str, c: f32| Word { text: t.into(), conf: c, x: 0, y: 0, w: 1, h: 1, line: 0 };
        assert_eq!(page_confidence(&[]), 0.0);
        let c = page_confidence(&[w("abcdefghi", 90.0), w("x", 10.0)]);
        assert!((c - 0.82).abs() < 1e-4, "{c}");
    }
}

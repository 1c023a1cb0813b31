//! Plain data that the stages hand each other and that the store keeps.
//!
//! Nothing here does I/O. Records are serialised as JSON inside the store, so
//! a field added later must be `#[serde(default)]` to keep old records readable.

use serde::{Deserialize, Serialize};

/// The file formats chartmill reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Png,
    Jpeg,
    Tiff,
    Pdf,
}

impl Format {
    /// The format a file name promises, by its extension (case-insensitive).
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Format::Png),
            "jpg" | "jpeg" | "jpe" | "jfif" => Some(Format::Jpeg),
            "tif" | "tiff" => Some(Format::Tiff),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    /// The format the content itself has, by its signature.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            Some(Format::Tiff)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Format::Pdf)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Tiff => "tiff",
            Format::Pdf => "pdf",
        }
    }
}

/// Where a source file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Registered, pages being read. A file left here by a crash is resumed.
    Pending,
    /// Every page has an outcome (a page may still have failed).
    Done,
    /// The file as a whole could not be read; `error` says why.
    Failed,
    /// Not a format chartmill reads.
    Skipped,
    /// Same content (SHA-256) as a file already in the store.
    Duplicate,
}

/// One file (or unreadable folder) met while walking the input folders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub id: u64,
    pub batch: u64,
    /// Absolute path as raw bytes (paths need not be UTF-8).
    pub path: Vec<u8>,
    /// Path relative to the folder given to `ingest`, lossily made UTF-8 for display.
    pub source: String,
    pub size: u64,
    /// Modification time, seconds since the Unix epoch.
    pub mtime: i64,
    /// Hex SHA-256 of the content; `None` where the file could not be read.
    pub sha256: Option<String>,
    pub format: Option<Format>,
    pub status: FileStatus,
    /// Number of pages in the file, once known.
    pub pages: u32,
    pub error: Option<String>,
    /// For `Duplicate`: the file whose content this repeats.
    pub duplicate_of: Option<u64>,
    pub registered_at: i64,
    pub finished_at: Option<i64>,
    /// For a folder's page files read as one file (`walk::EntryKind::Sequence`):
    /// each file, in page order, with the pages it gave. Empty for any other file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<PageFile>,
    /// The counter scope of the box of paper the file was scanned from
    /// (the first folder under the batch's root; see `Store::box_scope`),
    /// 0 for a file directly in the root.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub box_scope: u64,
}

/// One page file of a sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageFile {
    /// The file name, lossily made UTF-8 (the file is in the record's folder).
    pub name: String,
    /// Its pages (0 until it is opened; 1 for a file that cannot be opened).
    pub pages: u32,
}

impl FileRecord {
    /// Where page `page` of a sequence of page files comes from: the page
    /// file and the page in it. `None` for any other file.
    pub fn page_file(&self, page: u32) -> Option<(&PageFile, u32)> {
        let mut first = 1;
        for m in &self.members {
            if page < first + m.pages {
                return Some((m, page - first + 1));
            }
            first += m.pages;
        }
        None
    }

    /// The page file of page `page` as a source (relative to the folder
    /// ingested, as `source` is), and the page in it.
    pub fn page_file_source(&self, page: u32) -> Option<(String, u32)> {
        let (m, k) = self.page_file(page)?;
        let folder = std::path::Path::new(&self.source).parent().unwrap_or(std::path::Path::new(""));
        Some((folder.join(&m.name).to_string_lossy().into_owned(), k))
    }

    /// Page `page` as a person finds it: `page-3.tif`, or `page-3.tif page
    /// 2` in a page file of several pages; `page 5` in any other file.
    pub fn page_origin(&self, page: u32) -> String {
        match self.page_file(page) {
            Some((m, _)) if m.pages == 1 => m.name.clone(),
            Some((m, k)) => format!("{} page {k}", m.name),
            None => format!("page {page}"),
        }
    }
}

/// What a page's review status is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageStatus {
    /// Filed to a patient.
    Filed,
    /// Needs a technician; `review_reasons` says why.
    Review,
    /// Could not be read; `error` says why.
    Failed,
    /// Detected as a blank page; not OCRed.
    Blank,
    /// A document separator sheet: it ends a document and is not a page of
    /// the record (not exported).
    Separator,
    /// Rejected in review: not a record of this archive.
    Rejected,
}

impl PageStatus {
    pub fn name(self) -> &'static str {
        match self {
            PageStatus::Filed => "filed",
            PageStatus::Review => "review",
            PageStatus::Failed => "failed",
            PageStatus::Blank => "blank",
            PageStatus::Separator => "separator",
            PageStatus::Rejected => "rejected",
        }
    }
}

/// Where a page's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    Ocr,
    TextLayer,
    None,
}

/// A recognised word with its box (pixels of the image OCR saw) and
/// Tesseract's confidence (0..100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub conf: f32,
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    /// The text line Tesseract read the word in, counted from 1 over the
    /// page; 0 where not known (words stored before lines were kept).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub line: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
impl Word {
    /// A word at `x, y`, `w` by `h` pixels, read with confidence 95: for tests.
    pub(crate) fn at(text: &str, x: u32, y: u32, w: u32, h: u32) -> Word {
        Word { text: text.into(), conf: 95.0, x, y, w, h, line: 0 }
    }
}

/// Time spent on a page, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub decode_ms: u32,
    /// Gray conversion, resolution and blank detection.
    pub prepare_ms: u32,
    /// Measuring the text's size and scaling the page to read it.
    #[serde(default)]
    pub scale_ms: u32,
    /// Skew measurement and correction.
    #[serde(default)]
    pub deskew_ms: u32,
    /// Orientation detection.
    #[serde(default)]
    pub osd_ms: u32,
    /// Recognition and reading back words and text.
    pub ocr_ms: u32,
    /// Deciding whether to read the patient header again, and the second
    /// reading when there was one.
    #[serde(default)]
    pub reread_ms: u32,
    /// Encoding the image the store keeps, and writing it.
    #[serde(default)]
    pub image_ms: u32,
    /// Looking for barcodes.
    #[serde(default)]
    pub barcode_ms: u32,
}

/// A second reading of a page's patient header on its own (see
/// `extract::second_look`): the band read (pixels of the image OCR saw),
/// and its text and words, in the page's coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondReading {
    pub top: u32,
    pub bottom: u32,
    pub text: String,
    pub words: Vec<Word>,
}

/// How a stored page image is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageCoding {
    /// A JPEG file.
    Jpeg,
    /// A PNG file: 8-bit gray or RGB, not interlaced.
    Png,
    /// A bare CCITT Group 4 stream (`black_is_1` says how it decodes).
    G4,
    /// A page of a PDF kept whole: a page whose text came from its own text
    /// layer keeps the original page (`pdf_page` of the stored file).
    PdfPage,
}

impl ImageCoding {
    pub fn name(self) -> &'static str {
        match self {
            ImageCoding::Jpeg => "jpeg",
            ImageCoding::Png => "png",
            ImageCoding::G4 => "g4",
            ImageCoding::PdfPage => "pdf_page",
        }
    }
}

/// A page's image as the store keeps it. The bytes are in the store's image
/// folder under their SHA-256 (see `store::images`); the image is the page
/// as decoded, and the page record's `skew` and `rotation` say how OCR
/// turned it (see `imaging::source_to_frame`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredImage {
    /// Hex SHA-256 of the stored bytes, checked on every read.
    pub sha256: String,
    /// Size of the stored bytes.
    pub bytes: u64,
    pub coding: ImageCoding,
    /// Pixels (0 for a PDF page).
    pub width: u32,
    pub height: u32,
    pub colour: bool,
    /// Group 4: decoded with PDF's `BlackIs1`.
    #[serde(default)]
    pub black_is_1: bool,
    /// The image is the negative of the page OCR read (a negative scan).
    #[serde(default)]
    pub inverted: bool,
    /// The source file's own bytes, kept as they were.
    #[serde(default)]
    pub kept_from_source: bool,
    /// `PdfPage`: the page of the stored PDF (1-based).
    #[serde(default)]
    pub pdf_page: u32,
}

impl StoredImage {
    /// Page `page` of a PDF stored as `sha256`, counting `share` bytes of it.
    pub fn pdf_page(sha256: String, share: u64, page: u32) -> StoredImage {
        StoredImage {
            sha256,
            bytes: share,
            coding: ImageCoding::PdfPage,
            width: 0,
            height: 0,
            colour: false,
            black_is_1: false,
            inverted: false,
            kept_from_source: true,
            pdf_page: page,
        }
    }
}

/// Patient demographics as filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: String,
}

/// Identifiers found on a page (empty until extraction exists).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Identifiers {
    pub mrn: Vec<String>,
    pub birth_date: Vec<String>,
    pub service_date: Vec<String>,
    pub name: Vec<String>,
}

/// One page and everything known about it. Words are kept apart (see the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageRecord {
    pub file_id: u64,
    /// 1-based page number within the file.
    pub page: u32,
    pub batch: u64,
    pub status: PageStatus,
    pub text_source: TextSource,
    pub text: String,
    /// Page OCR confidence in 0..1 (see `ocr::page_confidence`); `None` without OCR.
    pub ocr_confidence: Option<f32>,
    pub error: Option<String>,
    /// Pixel size of the scan (0 for text-layer pages): the pixels the
    /// words' boxes are in, whatever the scale OCR read the page at.
    pub width: u32,
    pub height: u32,
    /// The scan's resolution, and whether it was estimated.
    pub dpi: u32,
    pub dpi_estimated: bool,
    /// The x-height of the page's text as measured before OCR, in the
    /// scan's pixels (`None`: too little text to tell, or not measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_height: Option<f32>,
    /// The scale OCR read the page at (`[ocr] x_height`); `None` when it
    /// was read as scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_scale: Option<f32>,
    /// Clockwise rotation applied before OCR (0, 90, 180, 270).
    pub rotation: u16,
    /// Skew angle corrected, degrees.
    pub skew: f32,
    pub timings: Timings,
    pub document_seq: u32,
    pub doc_type: Option<String>,
    pub doc_type_confidence: Option<f32>,
    /// Who set `doc_type` when a person did (a technician's login); `None`
    /// when the classifier did.
    #[serde(default)]
    pub doc_type_by: Option<String>,
    pub patient: Option<Patient>,
    pub identifiers: Identifiers,
    pub review_reasons: Vec<String>,
    pub processed_at: i64,
    /// Patients suggested to the technician (never applied automatically).
    #[serde(default)]
    pub candidates: Vec<crate::filing::Candidate>,
    /// Who resolved or rejected the page in review, and when.
    #[serde(default)]
    pub resolved_by: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<i64>,
    /// What a second reading of the patient header found, when the first
    /// missed the MRN or the date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_reading: Option<SecondReading>,
    /// What further readings of the header found, each of its image made
    /// over (`ocr::REREAD_LOOKS` after the first), when the readings before
    /// still missed or disagreed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_readings: Vec<SecondReading>,
    /// The page's image as stored (none for a failed page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<StoredImage>,
    /// Filed to a certain patient with a type the classifier was not sure
    /// of: waiting for a technician's type check (`review types`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub type_unverified: bool,
    /// The classifier's ranking of the document's types (most likely
    /// first, with probabilities), kept while the type is unverified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub type_ranked: Vec<(String, f32)>,
    /// The barcodes read on the page (PHI on a patient label: kept here
    /// and never logged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub barcodes: Vec<crate::barcode::Barcode>,
    /// `doc_type` came from a barcode (a form's, or the cover sheet before
    /// the document), not from the classifier nor from a technician.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub type_from_barcode: bool,
    /// Its file's box (`FileRecord::box_scope`): its counters count there too.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub box_scope: u64,
    /// When ingest first decided the page (filed or review, at the end of
    /// its file): the decision is counted in that hour's figures once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<i64>,
}

impl PageRecord {
    /// The readings of its header after the first reading of the page, in
    /// the order they were made.
    pub fn rereads(&self) -> impl Iterator<Item = &SecondReading> {
        self.second_reading.iter().chain(&self.more_readings)
    }

    /// A page not yet read: in review, no text, document 1.
    pub fn new(file_id: u64, page: u32, batch: u64) -> PageRecord {
        PageRecord {
            file_id,
            page,
            batch,
            status: PageStatus::Review,
            text_source: TextSource::None,
            text: String::new(),
            ocr_confidence: None,
            error: None,
            width: 0,
            height: 0,
            dpi: 0,
            dpi_estimated: false,
            x_height: None,
            ocr_scale: None,
            rotation: 0,
            skew: 0.0,
            timings: Timings::default(),
            document_seq: 1,
            doc_type: None,
            doc_type_confidence: None,
            doc_type_by: None,
            patient: None,
            identifiers: Identifiers::default(),
            review_reasons: Vec::new(),
            processed_at: now(),
            candidates: Vec::new(),
            resolved_by: None,
            resolved_at: None,
            second_reading: None,
            more_readings: Vec::new(),
            image: None,
            type_unverified: false,
            type_ranked: Vec::new(),
            barcodes: Vec::new(),
            type_from_barcode: false,
            box_scope: 0,
            decided_at: None,
        }
    }

    /// The id technicians and reports use: `FILE:PAGE`.
    pub fn page_id(&self) -> String {
        format!("{}:{}", self.file_id, self.page)
    }

    /// The document id: `FILE-SEQ`.
    pub fn document_id(&self) -> String {
        format!("{}-{}", self.file_id, self.document_seq)
    }
}

/// One document as an export wrote it: the line of its index (CSV row,
/// FHIR `DocumentReference`) and its PDF. Kept so that a correction can
/// name what it corrects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// `FILE-SEQ`.
    pub document_id: String,
    pub revision: u32,
    /// `filed`, `review` or `rejected`.
    pub status: String,
    pub batch: String,
    /// The source file, relative to the folder ingested.
    pub source: String,
    /// Page numbers in the source file, in order.
    pub pages: Vec<u32>,
    pub doc_type: String,
    pub loinc: Option<String>,
    pub display: String,
    pub patient: Option<Patient>,
    /// The first date of service read on it (`YYYY-MM-DD`), and the last.
    pub service_start: Option<String>,
    pub service_end: Option<String>,
    /// When the document entered this revision (seconds since the epoch).
    pub made_at: i64,
    pub pdf: Option<PdfFile>,
}

/// A PDF an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfFile {
    /// Relative to the export folder, `/`-separated.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// Base64 SHA-1, as FHIR's `Attachment.hash` has it.
    pub sha1_base64: String,
}

/// What one export target has written of one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedDoc {
    pub file_id: u64,
    pub seq: u32,
    pub batch: u64,
    /// Whether the document stands exported (false once withdrawn).
    pub active: bool,
    pub exported_at: i64,
    /// The entry last written (for a withdrawn document: the one withdrawn).
    pub entry: IndexEntry,
}

/// A named run of `ingest` over some folders; re-running the same batch resumes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub id: u64,
    pub name: String,
    pub roots: Vec<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// Wall-clock milliseconds spent ingesting, summed over runs (for pages/s).
    pub busy_ms: u64,
    pub runs: u32,
    /// Entries the walk found at the start of the last run (files and
    /// page-file folders): the batch's size, for its progress and forecast.
    #[serde(default)]
    pub entries: u64,
    /// The pages the batch should hold (`ingest --expect-pages`), checked
    /// against the pages found and stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_pages: Option<u64>,
    /// The share of the folders this store ingests (`ingest --shard`,
    /// `I/N`); `None` for a whole batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// Bytes as lower-case hex digits (hashes, ids).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_a_sequence_says_which_page_file_it_came_from() {
        let mut f = FileRecord {
            id: 1,
            batch: 1,
            path: b"/in/chart/page-*.tif".to_vec(),
            source: "chart/page-*.tif".into(),
            size: 0,
            mtime: 0,
            sha256: None,
            format: Some(Format::Tiff),
            status: FileStatus::Done,
            pages: 4,
            error: None,
            duplicate_of: None,
            registered_at: 0,
            finished_at: None,
            members: [("page-1.tif", 1), ("page-2.tif", 2), ("page-10.tif", 1)]
                .map(|(name, pages)| PageFile { name: name.into(), pages })
                .to_vec(),
            box_scope: 0,
        };
        assert_eq!(f.page_file_source(1), Some(("chart/page-1.tif".into(), 1)));
        assert_eq!(f.page_file_source(3), Some(("chart/page-2.tif".into(), 2)));
        assert_eq!(f.page_file_source(4), Some(("chart/page-10.tif".into(), 1)));
        assert_eq!(f.page_file_source(5), None);
        assert_eq!([1, 2, 4].map(|n| f.page_origin(n)), ["page-1.tif", "page-2.tif page 1", "page-10.tif"]);
        f.members.clear();
        assert_eq!((f.page_file_source(1), f.page_origin(3)), (None, "page 3".to_string()));
        // Records written before sequences existed read as files without page files.
        let mut old = serde_json::to_value(&f).unwrap();
        assert!(old.get("members").is_none(), "an ordinary file's record is as it was");
        old.as_object_mut().unwrap().remove("members");
        assert_eq!(serde_json::from_value::<FileRecord>(old).unwrap(), f);
    }
}

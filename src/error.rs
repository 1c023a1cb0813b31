//! The library's error type.
//!
//! Two kinds of failure exist in chartmill and they travel differently:
//!
//! * A failure of one *input* (a corrupt page, an encrypted PDF, an unreadable
//!   file) is data: it is a [`InputError`] recorded against that file or page,
//!   counted, exported, and the batch goes on.
//! * A failure of the *run* (the store is in use, the store has another schema
//!   version, the OCR engine cannot start) is an [`Error`] and ends the command.
//!
//! Messages are lowercase, without a final period, and never carry page text
//! or patient identifiers: they name files by path and pages by number only.

use std::path::PathBuf;

/// A fatal error: the command cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store {path} is in use by another chartmill process")]
    StoreInUse { path: PathBuf },
    #[error("store {path} has schema version {found}, this chartmill reads version {expected}")]
    SchemaVersion { path: PathBuf, found: String, expected: u32 },
    #[error(
        "store {path} has schema version {found}, from before page images were kept; this chartmill reads version \
         {expected}: run `chartmill --store {path} migrate` to bring it up to date (it reads each page's image again \
         from its source file), or ingest the batches again into a new store"
    )]
    OldSchema { path: PathBuf, found: u32, expected: u32 },
    #[error("store {path}: the image {sha256} is missing or damaged ({detail})")]
    ImageDamaged { path: PathBuf, sha256: String, detail: String },
    #[error("store {path} is damaged or not a chartmill store: {detail}")]
    StoreDamaged { path: PathBuf, detail: String },
    #[error("store {path}: {source}")]
    Store { path: PathBuf, source: sled::Error },
    #[error("cannot start the OCR engine (is tesseract-ocr-eng installed?): {detail}")]
    Engine { detail: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Config(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why one input file or page could not be read. Recorded, never fatal.
///
/// `Display` gives the message stored with the file or page. Each variant
/// starts with a fixed keyword (`corrupt`, `empty`, `encrypted`, `too large`,
/// `unsupported`, `unreadable`, `ocr`, `internal`) so reports can group failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("empty file (0 bytes)")]
    Empty,
    #[error("unreadable: {0}")]
    Unreadable(String),
    #[error("corrupt {format}: {detail}")]
    Corrupt { format: &'static str, detail: String },
    #[error("encrypted pdf: a password is needed to open it")]
    Encrypted,
    #[error("too large: {width} x {height} pixels is over the limit of {limit} pixels")]
    TooLarge { width: u64, height: u64, limit: u64 },
    #[error("too large: {size} bytes is over the limit of {limit} bytes")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("unsupported {0}")]
    Unsupported(String),
    #[error("pdf has no pages")]
    NoPages,
    #[error("pdf page has neither a text layer nor an image")]
    EmptyPdfPage,
    #[error("ocr failed: {0}")]
    Ocr(String),
    #[error("ocr time limit: recognition took longer than {} s", *.ms as f64 / 1000.0)]
    OcrTimeLimit { ms: u64 },
    #[error("internal error while reading this input (a decoder panicked): {0}")]
    Panic(String),
}

impl InputError {
    pub(crate) fn corrupt(format: &'static str, detail: impl std::fmt::Display) -> InputError {
        InputError::Corrupt { format, detail: detail.to_string() }
    }
}

/// The operating system's reason for an I/O error, lower case, without the
/// path or the error number: "permission denied", "input/output error".
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        return "entity not found".into(); // what `ErrorKind` says; stable across systems
    }
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => e.kind().to_string(),
    }
}

/// Runs `f`, turning a panic inside it into [`InputError::Panic`].
///
/// Third-party decoders (pdf-extract in particular) panic on damaged input;
/// this is the one place such panics are contained. The panic message of a
/// decoder may quote the input, so only its location is kept.
pub(crate) fn contain_panic<T>(what: &str, f: impl FnOnce() -> Result<T, InputError>) -> Result<T, InputError> {
    let outer = CONTAINED.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(outer));
    match result {
        Ok(result) => result,
        Err(_) => Err(InputError::Panic(what.to_string())),
    }
}

thread_local! {
    static CONTAINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is inside `contain_panic`: a panic there is
/// expected (a decoder meeting damaged input), recorded as an input error,
/// and needs no message from the panic hook.
pub fn panic_is_contained() -> bool {
    CONTAINED.with(|c| c.get())
}

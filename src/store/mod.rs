//! The embedded store: the only module that touches sled.
//!
//! sled's on-disk format is pre-1.0, so everything else goes through the
//! typed methods here, and the key schema below is versioned. Opening a store
//! written with another schema version is refused without modifying it.
//!
//! # Key schema, version 2
//!
//! | tree          | key                                   | value                          |
//! |---------------|---------------------------------------|--------------------------------|
//! | `meta`        | `schema_version`; `next_id`           | decimal version; u64 BE        |
//! | `batches`     | batch id, u64 big-endian              | [`BatchRecord`] JSON           |
//! | `batch_names` | batch name, UTF-8                     | batch id, u64 BE               |
//! | `files`       | file id, u64 BE                       | [`FileRecord`] JSON            |
//! | `paths`       | absolute path, raw bytes              | file id, u64 BE                |
//! | `hashes`      | SHA-256, 32 raw bytes                 | file id that holds the content |
//! | `pages`       | file id u64 BE ++ page number u32 BE  | [`PageRecord`] JSON            |
//! | `words`       | same key as `pages`                   | `[Word]` JSON                  |
//! | `documents`   | file id u64 BE ++ sequence u32 BE     | [`DocumentRecord`] JSON        |
//! |               | file id u64 BE ++ `u32::MAX`          | the highest sequence given, u32 BE |
//! | `counters`    | scope u64 BE ++ counter name, UTF-8   | u64 BE                         |
//! | `patients`    | MRN, upper case                       | [`PatientRecord`] JSON         |
//! | `patient_dob` | birth date `YYYY-MM-DD` ++ 0 ++ MRN   | empty                          |
//! | `patient_name`| family name, upper case ++ 0 ++ MRN   | empty                          |
//! | `audit`       | sequence u64 BE (append-only)         | [`AuditEntry`] JSON, newline, its SHA-256 (a hash chain: `audit.rs`) |
//! | `revisions`   | file id u64 BE ++ sequence u32 BE     | [`Revision`] JSON              |
//! | `changes`     | change sequence u64 BE                | file id u64 BE                 |
//! | `file_changes`| file id u64 BE; `next`                | its last change sequence; the last given |
//! | `exports`     | export target id u64 BE               | [`ExportTarget`] JSON          |
//! | `export_names`| kind ++ 0 ++ folder, UTF-8            | export target id u64 BE        |
//! | `exported`    | target id u64 BE ++ file id u64 BE ++ sequence u32 BE | [`ExportedDoc`] JSON |
//! | `users`       | user name, UTF-8                      | [`crate::users::UserRecord`] JSON |
//! | `queue`       | entered (ns) u64 BE ++ file id u64 BE ++ sequence u32 BE | [`QueueEntry`] JSON: documents in review, oldest first |
//! | `queue_of`    | file id u64 BE ++ sequence u32 BE     | the document's key in `queue`  |
//! | `activity`    | hourly series, reviewers' work, documents opened (`activity.rs`) | |
//! | `boxes`       | batch id u64 BE ++ box name            | [`BoxRecord`] JSON             |
//!
//! `meta` also holds `audit_head` and `audit_entries` (`audit.rs`), `store_id`, 16 hex digits drawn when the store is
//! created (exports name documents with it), and `shard_merge:` + a shard
//! store's id: how far `merge` has brought that shard here (`shards.rs`). Page images are files in
//! `chartmill.images/`, named by their SHA-256 (`store/images.rs`); a page record
//! names its image (`PageRecord::image`).
//!
//! A document's *revision* counts the states it has been in: its pages,
//! their status, patient and type. Every write that changes a document's
//! state bumps its revision and logs its file in `changes`, in the same
//! transaction; exports read the log from their cursor on. A document
//! that goes away (documents of a file re-cut) keeps its revision entry,
//! with an empty state, so numbers are never given twice.
//!
//! Version 1 (before images, revisions and exports) is refused with a
//! pointer to `chartmill migrate` ([`Store::open_for_migration`]).
//!
//! Ids come from the `next_id` counter in `meta` (u64 BE) and start at 1, so
//! 0 is free: counter scope 0 is the store total, scope N is batch N. Counter names are listed in
//! [`counter`]. Every write that changes a counted fact updates its counters
//! in the same transaction, so counters always agree with a full count and
//! `status` never scans pages.
//!
//! Durability: sled flushes its log every `FLUSH_EVERY_MS` ms and on
//! [`Store::flush`]. A crash loses at most that much *uncommitted* work,
//! which a resumed run redoes; a transaction is never half-applied.

use crate::error::{Error, Result};
use crate::model::{BatchRecord, FileRecord, FileStatus, PageRecord, Word};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod activity;
mod audit;
mod backup;
mod crypt;
mod images;
mod seal;
mod shards;

pub use activity::{hour_of, series, BoxRecord, Work, WorkCell, HOUR};
pub use audit::{AuditCheck, AuditEntry, Broken, GENESIS};
pub use backup::{partial_path as backup_partial_path, restore, BackupSummary, Header as BackupHeader, RestoreSummary};
pub use crypt::{Kek, KeySource};
pub use shards::ShardMerge;

pub const SCHEMA_VERSION: u32 = 2;
/// The oldest schema `chartmill migrate` upgrades.
pub const OLDEST_MIGRATED: u32 = 1;
const FLUSH_EVERY_MS: u64 = 250;
/// Page cache for sled; keeps ingest's memory flat and small.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Counter names. Files and pages are counted by their current status.
pub mod counter {
    pub const FILES_FOUND: &str = "files_found";
    pub const PAGES: &str = "pages";
    pub const PAGES_OCR: &str = "pages_ocr";
    pub const PAGES_TEXT_LAYER: &str = "pages_text_layer";
    pub const OCR_MS: &str = "ocr_ms";
    /// Pages the source files hold (as counted when each file was opened).
    pub const SOURCE_PAGES: &str = "source_pages";
    /// Pages with a stored image, and the bytes of their images.
    pub const PAGES_IMAGED: &str = "pages_imaged";
    pub const IMAGE_BYTES: &str = "image_bytes";
    /// Documents in the review queue.
    pub const QUEUE_DOCUMENTS: &str = "queue_documents";
    /// `exported_documents:<kind>` and `exported_pages:<kind>`: documents
    /// (and their pages) standing exported by exports of that kind.
    pub fn exported_documents(kind: &str) -> String {
        format!("exported_documents:{kind}")
    }
    pub fn exported_pages(kind: &str) -> String {
        format!("exported_pages:{kind}")
    }
    /// `files_<status>` for each [`crate::model::FileStatus`].
    pub fn files(status: crate::model::FileStatus) -> String {
        format!("files_{}", super::file_status_name(status))
    }
    /// `pages_<status>` for each [`crate::model::PageStatus`].
    pub fn pages(status: crate::model::PageStatus) -> String {
        format!("pages_{}", status.name())
    }
    /// `doc_type:<code>`, with `doc_type:none` for unclassified pages.
    pub fn doc_type(code: Option<&str>) -> String {
        format!("doc_type:{}", code.unwrap_or("none"))
    }
    /// `reason:<reason>` for pages in review, the reason without its
    /// parenthesised details ("low OCR confidence (0.54)" counts as "low OCR
    /// confidence").
    pub fn reason(reason: &str) -> String {
        format!("reason:{}", reason_name(reason))
    }
    /// A review reason without its parenthesised details.
    pub fn reason_name(reason: &str) -> &str {
        reason.split(" (").next().unwrap_or(reason).trim()
    }
    /// `ocr_confidence:<d>`: OCR pages whose confidence is in the tenth
    /// `d` (0 for under 0.1, 9 for 0.9 and over).
    pub fn ocr_confidence(confidence: f32) -> String {
        ocr_confidence_tenth(((confidence.clamp(0.0, 1.0) * 10.0) as u32).min(9))
    }
    pub fn ocr_confidence_tenth(tenth: u32) -> String {
        format!("ocr_confidence:{tenth}")
    }
    /// Pages a person filed from review; those among them filed to the
    /// first candidate chartmill proposed, and to another patient than
    /// that candidate (what the filer would have got wrong).
    pub const RESOLVED_FILED: &str = "resolved_filed";
    pub const RESOLVED_FIRST_CANDIDATE: &str = "resolved_first_candidate";
    pub const RESOLVED_OTHER_PATIENT: &str = "resolved_other_patient";
    /// Filed pages taken back later: reopened, rejected, or filed to
    /// another patient.
    pub const CORRECTIONS: &str = "corrections";
}

pub fn file_status_name(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Pending => "pending",
        FileStatus::Done => "done",
        FileStatus::Failed => "failed",
        FileStatus::Skipped => "skipped",
        FileStatus::Duplicate => "duplicate",
    }
}

/// A run of pages of one file that belong together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub file_id: u64,
    pub seq: u32,
    pub first_page: u32,
    pub last_page: u32,
    pub doc_type: Option<String>,
}

/// A document's revision: how many states it has been in, and the current
/// one (a digest of its pages' numbers, status, patient and type; empty
/// once the document is gone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub revision: u32,
    pub state: String,
    /// When it entered this state.
    pub at: i64,
}

/// A document waiting in review, as the queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub file_id: u64,
    pub seq: u32,
    pub batch: u64,
    pub doc_type: Option<String>,
    /// The document's pages (numbers in the file), those in review among them.
    pub pages: Vec<u32>,
    pub in_review: u32,
    /// The review reasons of its pages, each once.
    pub reasons: Vec<String>,
}

impl QueueEntry {
    pub fn document_id(&self) -> String {
        format!("{}-{}", self.file_id, self.seq)
    }
}

/// The queue entry of a document whose pages are `pages`, when one of them
/// is in review.
fn queue_entry(file_id: u64, seq: u32, pages: &[&PageRecord]) -> Option<QueueEntry> {
    let waiting: Vec<&&PageRecord> = pages.iter().filter(|p| p.status == crate::model::PageStatus::Review).collect();
    let first = waiting.first()?;
    let mut reasons: Vec<String> = Vec::new();
    for r in waiting.iter().flat_map(|p| &p.review_reasons) {
        if !reasons.contains(r) {
            reasons.push(r.clone());
        }
    }
    Some(QueueEntry {
        file_id,
        seq,
        batch: first.batch,
        doc_type: first.doc_type.clone(),
        pages: pages.iter().map(|p| p.page).collect(),
        in_review: waiting.len() as u32,
        reasons,
    })
}

/// Where one kind of export writes, and how far it has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportTarget {
    pub id: u64,
    /// `pdf`, `fhir`, `csv`.
    pub kind: String,
    /// The export folder, absolute.
    pub folder: String,
    /// The last change (see `changes`) this export has written.
    pub cursor: u64,
    /// Runs that wrote something.
    pub runs: u32,
    pub last_run_at: Option<i64>,
}

pub use crate::model::ExportedDoc;

/// What happened when a file was registered.
#[derive(Debug, Clone, PartialEq)]
pub enum Registered {
    /// Newly recorded with the status asked for.
    New(FileRecord),
    /// Its content is already in the store under this file id.
    Duplicate(FileRecord),
}

pub struct Store {
    path: PathBuf,
    h: Handles,
    images: images::Images,
    /// The schema version the store's data is in (older only while migrating).
    version: u32,
    /// Declared after the sled handles, so it is dropped after them: the
    /// seal is written once sled has closed its files.
    seal: seal::OnClose,
    /// Held while an entry is appended to the audit trail (`audit.rs`).
    audit_lock: std::sync::Mutex<()>,
    /// The audit head the seal recorded at the last clean close, if any.
    sealed_audit_head: Option<String>,
    /// Every method that writes holds this for reading (recursively: they
    /// call one another); a backup holds it for writing while it reads the
    /// trees, so it sees the store between two writes (`backup.rs`).
    gate: parking_lot::RwLock<()>,
    /// Seals records and images, and hashes protected keys, in an encrypted
    /// store (`crypt.rs`).
    crypt: Option<std::sync::Arc<crypt::Cipher>>,
    /// An encrypted store's patients by family name (upper case) and MRN,
    /// built at the first name search: the names are sealed on disk.
    name_index: std::sync::Mutex<Option<std::collections::BTreeSet<(String, String)>>>,
}

/// The site's keys, for opening an encrypted store or creating one.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// The key-encryption key, when the site configures one.
    pub kek: Option<Kek>,
    /// Whether a new store is encrypted (needs `kek`).
    pub encrypt_new: bool,
}

impl Keys {
    /// No key: unencrypted stores only.
    pub fn none() -> Keys {
        Keys::default()
    }

    /// The key from `source`, new stores encrypted.
    pub fn from_source(source: &KeySource) -> Result<Keys> {
        Ok(Keys { kek: Some(source.load()?), encrypt_new: true })
    }

    fn open(&self, path: &Path, envelope: &crypt::Envelope) -> Result<crypt::Cipher> {
        let Some(kek) = &self.kek else {
            return Err(Error::Config(format!(
                "store {} is encrypted: its key is needed (the configuration's [encryption] section)",
                path.display()
            )));
        };
        crypt::Cipher::open(envelope, kek).ok_or_else(|| {
            Error::Config(format!(
                "the key given does not open store {} (not the key it was encrypted with)",
                path.display()
            ))
        })
    }

    fn create(&self) -> Result<(crypt::Cipher, crypt::Envelope)> {
        match &self.kek {
            Some(kek) => Ok(crypt::Cipher::create(kek)),
            None => Err(Error::Config("an encrypted store needs a key ([encryption] in the configuration)".into())),
        }
    }
}

/// The sled database and its trees.
struct Handles {
    db: sled::Db,
    batches: sled::Tree,
    batch_names: sled::Tree,
    files: sled::Tree,
    paths: sled::Tree,
    hashes: sled::Tree,
    pages: sled::Tree,
    words: sled::Tree,
    documents: sled::Tree,
    counters: sled::Tree,
    meta: sled::Tree,
    patients: sled::Tree,
    patient_dob: sled::Tree,
    patient_name: sled::Tree,
    audit: sled::Tree,
    revisions: sled::Tree,
    changes: sled::Tree,
    file_changes: sled::Tree,
    exports: sled::Tree,
    export_names: sled::Tree,
    exported: sled::Tree,
    users: sled::Tree,
    queue: sled::Tree,
    queue_of: sled::Tree,
    activity: sled::Tree,
    boxes: sled::Tree,
}

fn page_key(file_id: u64, page: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&file_id.to_be_bytes());
    k[8..].copy_from_slice(&page.to_be_bytes());
    k
}

fn counter_key(scope: u64, name: &str) -> Vec<u8> {
    let mut k = scope.to_be_bytes().to_vec();
    k.extend_from_slice(name.as_bytes());
    k
}

/// The key, after a file's id in `documents`, of the highest document number
/// the file has had.
const LAST_SEQ: u32 = u32::MAX;

fn read_u32(v: &[u8]) -> u32 {
    v.try_into().map(u32::from_be_bytes).unwrap_or(0)
}

fn read_u64(v: &[u8]) -> u64 {
    v.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<String>>;

/// Adds `delta` to counter `name` of the store, the batch and the box (0:
/// none) of `(batch, box)`.
fn bump(c: &TransactionalTree, (batch, in_box): (u64, u64), name: &str, delta: i64) -> TxResult<()> {
    for scope in [0, batch].into_iter().chain((in_box != 0).then_some(in_box)) {
        let key = counter_key(scope, name);
        let old = c.get(&key)?.map(|v| read_u64(&v)).unwrap_or(0);
        let new = old.saturating_add_signed(delta);
        c.insert(key, &new.to_be_bytes())?;
    }
    Ok(())
}

/// Logs `file_id` as changed: its next change sequence replaces its last.
fn log_change(changes: &TransactionalTree, file_changes: &TransactionalTree, file_id: u64) -> TxResult<()> {
    let next = file_changes.get(NEXT_CHANGE)?.map(|v| read_u64(&v)).unwrap_or(0) + 1;
    file_changes.insert(NEXT_CHANGE, &next.to_be_bytes())?;
    if let Some(old) = file_changes.insert(&file_id.to_be_bytes(), &next.to_be_bytes())? {
        changes.remove(old)?;
    }
    changes.insert(&next.to_be_bytes(), &file_id.to_be_bytes())?;
    Ok(())
}

/// The key in `file_changes` of the last change sequence given.
const NEXT_CHANGE: &[u8] = b"next";

/// Counts a page's review reasons (pages in review only).
fn bump_reasons(c: &TransactionalTree, page: &PageRecord, delta: i64) -> TxResult<()> {
    if page.status == crate::model::PageStatus::Review {
        for r in &page.review_reasons {
            bump(c, (page.batch, page.box_scope), &counter::reason(r), delta)?;
        }
    }
    Ok(())
}

/// Counts what became of a page that changed from `old` to `new`: ingest's
/// first decision on it (in the hour it was decided), a person's filing from
/// review against chartmill's first candidate, a filed page taken back.
fn count_outcome(
    counters: &TransactionalTree,
    activity: &TransactionalTree,
    old: &PageRecord,
    new: &PageRecord,
    by_person: bool,
    at: i64,
) -> TxResult<()> {
    use crate::model::PageStatus::{Filed, Review};
    let scope = (new.batch, new.box_scope);
    if let (None, Some(decided)) = (old.decided_at, new.decided_at) {
        match new.status {
            Filed => activity::bump_series(activity, new.batch, series::DECIDED_FILED, decided, 1)?,
            Review => {
                activity::bump_series(activity, new.batch, series::DECIDED_REVIEW, decided, 1)?;
                let mut names: Vec<&str> = new.review_reasons.iter().map(|r| counter::reason_name(r)).collect();
                names.sort_unstable();
                names.dedup();
                for name in names {
                    activity::bump_series(activity, new.batch, &series::review(name), decided, 1)?;
                }
            }
            _ => {}
        }
    }
    let mrn = |p: &PageRecord| p.patient.as_ref().map(|x| x.mrn.clone());
    if by_person && old.status == Review && new.status == Filed {
        bump(counters, scope, counter::RESOLVED_FILED, 1)?;
        if let Some(first) = old.candidates.first() {
            let name = if Some(&first.mrn) == mrn(new).as_ref() {
                counter::RESOLVED_FIRST_CANDIDATE
            } else {
                counter::RESOLVED_OTHER_PATIENT
            };
            bump(counters, scope, name, 1)?;
        }
    }
    if old.status == Filed && (new.status != Filed || mrn(new) != mrn(old)) {
        bump(counters, scope, counter::CORRECTIONS, 1)?;
        activity::bump_series(activity, new.batch, series::CORRECTIONS, at, 1)?;
    }
    Ok(())
}

/// 16 hex digits from the system's random source (time and process id if
/// it cannot be read): names the store in exports.
fn new_store_id() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 8];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let seed = format!("{}:{}:{}", t.as_nanos(), std::process::id(), std::env::temp_dir().display());
        bytes.copy_from_slice(&sha2::Sha256::digest(seed.as_bytes())[..8]);
    }
    crate::model::hex(&bytes)
}

/// The state of a document, as its revision sees it: which pages, and
/// each one's status, patient and type.
fn document_state(pages: &[&PageRecord]) -> String {
    let mut h = sha2::Sha256::new();
    for p in pages {
        let mrn = p.patient.as_ref().map(|x| x.mrn.as_str()).unwrap_or("");
        h.update(format!("{}|{}|{mrn}|{};", p.page, p.status.name(), p.doc_type.as_deref().unwrap_or("")).as_bytes());
    }
    crate::model::hex(&h.finalize()[..8])
}

fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("records serialise")
}

/// Opens the sled database in `dir`; errors name `shown` (the store as the
/// user gave it, which differs from `dir` when a copy is being checked).
///
/// sled compresses what it writes, except in an encrypted store (one with a
/// key envelope, `crypt::KEY_FILE`): its records are compressed before they
/// are sealed, and ciphertext does not compress. sled records the choice and
/// refuses the other one.
fn open_sled(shown: &Path, dir: &Path) -> Result<sled::Db> {
    open_sled_as(shown, dir, !shown.join(crypt::KEY_FILE).exists())
}

fn open_sled_as(shown: &Path, dir: &Path, compression: bool) -> Result<sled::Db> {
    let damaged = |detail: String| Error::StoreDamaged { path: shown.to_path_buf(), detail };
    sled::Config::new()
        .path(dir)
        .cache_capacity(CACHE_BYTES)
        .flush_every_ms(Some(FLUSH_EVERY_MS))
        .use_compression(compression)
        .open()
        .map_err(|e| match e {
            sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => {
                Error::StoreInUse { path: shown.to_path_buf() }
            }
            sled::Error::Corruption { .. } => damaged("its log is corrupted".into()),
            sled::Error::Unsupported(ref what) if what.contains("compression") => damaged(format!(
                "its key envelope {} is {} (sled's files say the store is {}encrypted)",
                crypt::KEY_FILE,
                if compression { "missing" } else { "there, but should not be" },
                if compression { "" } else { "not " }
            )),
            sled::Error::Unsupported(_) => damaged(e.to_string()),
            e => Error::Store { path: shown.to_path_buf(), source: e },
        })
}

fn witness_of(shown: &Path, db: &sled::Db) -> Result<seal::Witness> {
    let err = |e| Error::Store { path: shown.to_path_buf(), source: e };
    let meta = db.open_tree("meta").map_err(err)?;
    let counters = db.open_tree("counters").map_err(err)?;
    let next_id = meta.get("next_id").map_err(err)?.map(|v| read_u64(&v)).unwrap_or(0);
    let pages = counters.get(counter_key(0, counter::PAGES)).map_err(err)?.map(|v| read_u64(&v)).unwrap_or(0);
    Ok(seal::Witness { next_id, pages })
}

enum Schema {
    /// A chartmill store of this schema version, or of an older one a
    /// migration may open.
    Current(sled::Tree, u32),
    /// A database with nothing in it yet.
    New(sled::Tree),
}

/// The error for a store of schema version `found`.
/// Where a record's JSON is wrong, never what it holds: serde's own
/// message can quote a value (a name, an MRN).
fn json_error(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "a field of the wrong kind or missing",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{kind} at line {} column {}", e.line(), e.column())
}

pub(crate) fn schema_error(shown: &Path, found: &str) -> Error {
    match found.parse::<u32>() {
        Ok(v) if (OLDEST_MIGRATED..SCHEMA_VERSION).contains(&v) => {
            Error::OldSchema { path: shown.to_path_buf(), found: v, expected: SCHEMA_VERSION }
        }
        _ => Error::SchemaVersion { path: shown.to_path_buf(), found: found.to_string(), expected: SCHEMA_VERSION },
    }
}

/// Which schema the open database `db` holds; a version below `oldest`
/// or above this one, or trees without a version (not a chartmill store),
/// is an error.
fn schema_check(shown: &Path, db: &sled::Db, oldest: u32) -> Result<Schema> {
    let damaged = |detail: String| Error::StoreDamaged { path: shown.to_path_buf(), detail };
    let meta = db.open_tree("meta").map_err(|e| Error::Store { path: shown.into(), source: e })?;
    match meta.get("schema_version").map_err(|e| damaged(e.to_string()))? {
        Some(v) => {
            let found = String::from_utf8_lossy(&v).into_owned();
            match found.parse::<u32>() {
                Ok(version) if (oldest..=SCHEMA_VERSION).contains(&version) => Ok(Schema::Current(meta, version)),
                _ => Err(schema_error(shown, &found)),
            }
        }
        // sled's default tree and `meta` only: new. More trees but no version: not ours.
        None if db.tree_names().len() > 2 => Err(damaged("it has no schema version".into())),
        None => Ok(Schema::New(meta)),
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // The seal is written (after the handles are dropped) only if
        // everything reached the disk.
        self.seal.witness = self.witness().ok();
        self.seal.audit_head = self.audit_head().ok();
        self.seal.clean = self.h.db.flush().is_ok();
    }
}

impl Store {
    /// Opens the store at `path`, creating it if it does not exist.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_keyed(path, &Keys::none())
    }

    /// Opens an existing store; a missing one is an error (for read commands).
    pub fn open_existing(path: &Path) -> Result<Store> {
        Store::open_existing_keyed(path, &Keys::none())
    }

    /// [`Store::open`] with the site's keys: an encrypted store needs its
    /// key; a new store is encrypted when `keys.encrypt_new`.
    pub fn open_keyed(path: &Path, keys: &Keys) -> Result<Store> {
        Store::open_with(path, true, SCHEMA_VERSION, Some(keys))
    }

    /// [`Store::open_existing`] with the site's keys.
    pub fn open_existing_keyed(path: &Path, keys: &Keys) -> Result<Store> {
        Store::open_with(path, false, SCHEMA_VERSION, Some(keys))
    }

    /// Opens a store `backup::restore` has just written, not yet in use by
    /// anyone: no seal to compare, nothing to check on a copy, no key (its
    /// records are not read; its key envelope is written from `meta`).
    fn open_restored(path: &Path) -> Result<Store> {
        Store::open_with(path, false, SCHEMA_VERSION, None)
    }

    /// Opens a store of this schema version or an older one `chartmill
    /// migrate` upgrades; see [`Store::migrate_to_current`].
    pub fn open_for_migration(path: &Path, keys: &Keys) -> Result<Store> {
        Store::open_with(path, false, OLDEST_MIGRATED, Some(keys))
    }

    /// `keys`: `None` only for a store just restored.
    fn open_with(path: &Path, create: bool, oldest: u32, keys: Option<&Keys>) -> Result<Store> {
        let io = |source| Error::Io { path: path.to_path_buf(), source };
        let exists = path.exists();
        if !exists && !create {
            return Err(Error::Config(format!("no store at {}", path.display())));
        }
        // The key first: a missing or wrong one changes nothing, not even the seal.
        let envelope = if exists { crypt::Envelope::read(path)? } else { None };
        let mut cipher = match (keys, &envelope) {
            (None, _) => None,
            (Some(keys), Some(envelope)) => Some(keys.open(path, envelope)?),
            (Some(keys), None) if exists && keys.encrypt_new && path.join("db").exists() => {
                return Err(Error::Config(format!(
                    "store {} is not encrypted, but the configuration's [encryption] asks for an encrypted store \
                     (a store is not encrypted in place: ingest into a new one, or remove [encryption] for this store)",
                    path.display()
                )))
            }
            (Some(_), None) => None,
        };
        let mut sealed_audit_head = None;
        if exists && keys.is_some() {
            // In use, damaged, another schema: refused before sled writes a byte.
            sealed_audit_head = seal::check_before_open(path, oldest)?;
        } else if !exists {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path).map_err(io)?;
        }
        // A new encrypted store: its envelope is written once sled has opened.
        let new_encrypted = !path.join("db").exists() && keys.is_some_and(|k| k.encrypt_new);
        let db = open_sled_as(path, path, envelope.is_none() && !new_encrypted)?;
        let store_err = |e| Error::Store { path: path.into(), source: e };
        let (meta, version) = match schema_check(path, &db, oldest)? {
            Schema::Current(meta, version) => (meta, version),
            Schema::New(meta) => {
                if let Some(keys) = keys.filter(|k| k.encrypt_new) {
                    let (new, envelope) = keys.create()?;
                    envelope.write(path)?;
                    meta.insert(crypt::META_KEY, envelope.to_bytes()).map_err(store_err)?;
                    cipher = Some(new);
                }
                meta.insert("schema_version", SCHEMA_VERSION.to_string().as_bytes()).map_err(store_err)?;
                meta.insert("store_id", new_store_id().as_bytes()).map_err(store_err)?;
                (meta, SCHEMA_VERSION)
            }
        };
        // The envelope's copy in `meta` (which a backup carries) and its file agree.
        let in_meta = meta.get(crypt::META_KEY).map_err(store_err)?.and_then(|v| crypt::Envelope::from_bytes(&v));
        match (&envelope, in_meta) {
            (Some(file), Some(copy)) if *file != copy => {
                meta.insert(crypt::META_KEY, file.to_bytes()).map_err(store_err)?;
            }
            (Some(file), None) if cipher.is_some() => {
                meta.insert(crypt::META_KEY, file.to_bytes()).map_err(store_err)?;
            }
            // The file is missing (lost, or a store just restored): written from `meta`.
            (None, Some(copy)) => {
                if let Some(keys) = keys {
                    cipher = Some(keys.open(path, &copy)?);
                }
                copy.write(path)?;
            }
            _ => {}
        }
        let tree = |name: &str| db.open_tree(name).map_err(store_err);
        let h = Handles {
            batches: tree("batches")?,
            batch_names: tree("batch_names")?,
            files: tree("files")?,
            paths: tree("paths")?,
            hashes: tree("hashes")?,
            pages: tree("pages")?,
            words: tree("words")?,
            documents: tree("documents")?,
            counters: tree("counters")?,
            meta,
            patients: tree("patients")?,
            patient_dob: tree("patient_dob")?,
            patient_name: tree("patient_name")?,
            audit: tree("audit")?,
            revisions: tree("revisions")?,
            changes: tree("changes")?,
            file_changes: tree("file_changes")?,
            exports: tree("exports")?,
            export_names: tree("export_names")?,
            exported: tree("exported")?,
            users: tree("users")?,
            queue: tree("queue")?,
            queue_of: tree("queue_of")?,
            activity: tree("activity")?,
            boxes: tree("boxes")?,
            db,
        };
        let crypt = cipher.map(std::sync::Arc::new);
        let images = images::Images::new(path, crypt.clone());
        images.clear_unfinished();
        let store = Store {
            crypt,
            name_index: Default::default(),
            path: path.to_path_buf(),
            h,
            images,
            version,
            seal: seal::OnClose::new(path, version),
            audit_lock: Default::default(),
            sealed_audit_head,
            gate: Default::default(),
        };
        store.chain_unchained_audit()?;
        Ok(store)
    }

    /// The schema version of the store's data.
    pub fn schema_version(&self) -> u32 {
        self.version
    }

    /// The store's own id: 16 hex digits drawn when it was created.
    pub fn store_id(&self) -> Result<String> {
        match self.h.meta.get("store_id").map_err(|e| self.err(e))? {
            Some(v) => Ok(String::from_utf8_lossy(&v).into_owned()),
            None => Err(Error::StoreDamaged { path: self.path.clone(), detail: "it has no store id".into() }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where a running ingest leaves a status snapshot for other processes,
    /// which cannot open the store while it runs.
    pub fn snapshot_path(store: &Path) -> PathBuf {
        store.join("status-snapshot.json")
    }

    fn err(&self, e: sled::Error) -> Error {
        Error::Store { path: self.path.clone(), source: e }
    }

    fn tx_err(&self, e: TransactionError<String>) -> Error {
        match e {
            TransactionError::Abort(detail) => Error::StoreDamaged { path: self.path.clone(), detail },
            TransactionError::Storage(e) => self.err(e),
        }
    }

    /// A record read back: opened (an encrypted store's) and parsed.
    fn decode<T: for<'de> Deserialize<'de>>(&self, bytes: &[u8], what: &str) -> Result<T> {
        self.parse(bytes).map_err(|e| Error::StoreDamaged {
            path: self.path.clone(),
            detail: format!("unreadable {what} record: {e}"),
        })
    }

    /// A record that is never sealed (reviewers' work cells: counts).
    fn decode_clear<T: for<'de> Deserialize<'de>>(&self, bytes: &[u8], what: &str) -> Result<T> {
        serde_json::from_slice(bytes).map_err(|e| Error::StoreDamaged {
            path: self.path.clone(),
            detail: format!("unreadable {what} record: {}", json_error(&e)),
        })
    }

    /// [`Store::decode`]'s work, with the error as text (for transactions).
    fn parse<T: for<'de> Deserialize<'de>>(&self, bytes: &[u8]) -> std::result::Result<T, String> {
        let opened = self.unseal(bytes)?;
        serde_json::from_slice(&opened).map_err(|e| json_error(&e))
    }

    /// A record as stored: JSON, sealed in an encrypted store.
    fn encode<T: Serialize>(&self, v: &T) -> Vec<u8> {
        self.seal(to_json(v))
    }

    fn seal(&self, plain: Vec<u8>) -> Vec<u8> {
        match &self.crypt {
            Some(c) => c.seal(&plain),
            None => plain,
        }
    }

    fn unseal<'a>(&self, stored: &'a [u8]) -> std::result::Result<std::borrow::Cow<'a, [u8]>, String> {
        match &self.crypt {
            Some(c) => c
                .open_record(stored)
                .map(std::borrow::Cow::Owned)
                .ok_or_else(|| "a sealed record does not open (changed, or not this store's)".to_string()),
            None => Ok(std::borrow::Cow::Borrowed(stored)),
        }
    }

    /// The key a protected value (a path, an MRN, a name) is stored under in
    /// the index `label`: the value itself, or its index hash in an encrypted
    /// store (`crypt.rs`).
    fn protected_key(&self, label: &str, value: &[u8]) -> Vec<u8> {
        match &self.crypt {
            Some(c) => c.index(label, value).to_vec(),
            None => value.to_vec(),
        }
    }

    /// Wraps the data key under a new key-encryption key: the envelope is
    /// replaced (its file, then its copy in `meta`), no record is rewritten.
    /// The old key no longer opens the store; backups taken before still
    /// need it.
    pub fn rekey(&self, new: &Kek) -> Result<()> {
        let _writing = self.writing();
        let Some(c) = &self.crypt else {
            return Err(Error::Config(format!(
                "store {} is not encrypted: there is no key to change",
                self.path.display()
            )));
        };
        let old = crypt::Envelope::read(&self.path)?.ok_or_else(|| Error::StoreDamaged {
            path: self.path.clone(),
            detail: "its key envelope is missing".into(),
        })?;
        let envelope = c.rewrap(&old, new);
        envelope.write(&self.path)?;
        self.h.meta.insert(crypt::META_KEY, envelope.to_bytes()).map_err(|e| self.err(e))?;
        self.flush()
    }

    /// Whether records and images are encrypted (`crypt.rs`).
    pub fn encrypted(&self) -> bool {
        self.crypt.is_some()
    }

    /// Held by every method that writes (see `Store::gate`).
    fn writing(&self) -> parking_lot::RwLockReadGuard<'_, ()> {
        self.gate.read_recursive()
    }

    /// The next id (1, 2, 3, ...), shared by batches, files and audit
    /// entries. sled's own generator jumps by a million after a restart;
    /// technicians type these ids, so they stay small.
    fn new_id(&self) -> Result<u64> {
        let _writing = self.writing();
        let next = self
            .h
            .meta
            .update_and_fetch("next_id", |old| {
                let n = old.map(read_u64).unwrap_or(0) + 1;
                Some(n.to_be_bytes().to_vec())
            })
            .map_err(|e| self.err(e))?;
        Ok(next.map(|v| read_u64(&v)).unwrap_or(1))
    }

    /// Makes sure everything written so far is on disk.
    pub fn flush(&self) -> Result<()> {
        self.h.db.flush().map(|_| ()).map_err(|e| self.err(e))
    }

    /// Flushes, then notes beside the store how much it is known to hold,
    /// so that a damaged log that sled would silently cut short is refused
    /// at the next open (see `seal`).
    pub fn checkpoint(&self) -> Result<()> {
        let witness = self.witness()?;
        self.flush()?;
        seal::write_mark(&self.path, &witness).map_err(|source| Error::Io { path: self.path.clone(), source })
    }

    /// Values that only ever grow: a reopened store holding less has lost records.
    fn witness(&self) -> Result<seal::Witness> {
        witness_of(&self.path, &self.h.db)
    }

    // ----- batches -----

    /// The batch called `name`, created (with `roots`) if new.
    pub fn batch_named(&self, name: &str, roots: &[String]) -> Result<BatchRecord> {
        let _writing = self.writing();
        if let Some(id) =
            self.h.batch_names.get(self.protected_key(label::BATCH, name.as_bytes())).map_err(|e| self.err(e))?
        {
            if let Some(b) = self.batch(read_u64(&id))? {
                return Ok(b);
            }
        }
        let batch = BatchRecord {
            id: self.new_id()?,
            name: name.to_string(),
            roots: roots.to_vec(),
            started_at: crate::model::now(),
            finished_at: None,
            busy_ms: 0,
            runs: 0,
            entries: 0,
            expected_pages: None,
            shard: None,
        };
        self.put_batch(&batch)?;
        self.h
            .batch_names
            .insert(self.protected_key(label::BATCH, name.as_bytes()), &batch.id.to_be_bytes())
            .map_err(|e| self.err(e))?;
        Ok(batch)
    }

    pub fn batch(&self, id: u64) -> Result<Option<BatchRecord>> {
        match self.h.batches.get(id.to_be_bytes()).map_err(|e| self.err(e))? {
            Some(v) => Ok(Some(self.decode(&v, "batch")?)),
            None => Ok(None),
        }
    }

    pub fn put_batch(&self, batch: &BatchRecord) -> Result<()> {
        let _writing = self.writing();
        self.h.batches.insert(batch.id.to_be_bytes(), self.encode(batch)).map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn batches(&self) -> Result<Vec<BatchRecord>> {
        self.h
            .batches
            .iter()
            .map(|kv| {
                let (_, v) = kv.map_err(|e| self.err(e))?;
                self.decode(&v, "batch")
            })
            .collect()
    }

    // ----- files -----

    pub fn file(&self, id: u64) -> Result<Option<FileRecord>> {
        match self.h.files.get(id.to_be_bytes()).map_err(|e| self.err(e))? {
            Some(v) => Ok(Some(self.decode(&v, "file")?)),
            None => Ok(None),
        }
    }

    /// The file last recorded at this absolute path.
    pub fn file_at(&self, path: &[u8]) -> Result<Option<FileRecord>> {
        match self.h.paths.get(self.protected_key(label::PATH, path)).map_err(|e| self.err(e))? {
            Some(id) => self.file(read_u64(&id)),
            None => Ok(None),
        }
    }

    /// Records a file met in a walk. `rec.id` is assigned here. If the file
    /// has a hash already held by another file, it is recorded as a duplicate
    /// of that one instead. Atomic with its counters.
    pub fn register_file(&self, mut rec: FileRecord) -> Result<Registered> {
        let _writing = self.writing();
        rec.id = self.new_id()?;
        let hash: Option<Vec<u8>> = rec.sha256.as_deref().and_then(hex_decode);
        let result = (&self.h.files, &self.h.paths, &self.h.hashes, &self.h.counters)
            .transaction(|(files, paths, hashes, counters)| {
                let mut rec = rec.clone();
                let mut duplicate = false;
                if let Some(h) = &hash {
                    match hashes.get(h)? {
                        Some(other) if read_u64(&other) != rec.id => {
                            rec.status = FileStatus::Duplicate;
                            rec.duplicate_of = Some(read_u64(&other));
                            rec.finished_at = Some(rec.registered_at);
                            duplicate = true;
                        }
                        _ => {
                            hashes.insert(h.as_slice(), &rec.id.to_be_bytes())?;
                        }
                    }
                }
                files.insert(&rec.id.to_be_bytes(), self.encode(&rec))?;
                paths.insert(self.protected_key(label::PATH, &rec.path), &rec.id.to_be_bytes())?;
                bump(counters, (rec.batch, rec.box_scope), counter::FILES_FOUND, 1)?;
                bump(counters, (rec.batch, rec.box_scope), &counter::files(rec.status), 1)?;
                if rec.pages > 0 {
                    bump(counters, (rec.batch, rec.box_scope), counter::SOURCE_PAGES, rec.pages as i64)?;
                }
                Ok(if duplicate { Registered::Duplicate(rec) } else { Registered::New(rec) })
            })
            .map_err(|e| self.tx_err(e))?;
        Ok(result)
    }

    /// Stores a changed file record (status, page count, error), moving its
    /// status counters.
    pub fn update_file(&self, rec: &FileRecord) -> Result<()> {
        let _writing = self.writing();
        (&self.h.files, &self.h.counters)
            .transaction(|(files, counters)| {
                let old: FileRecord = match files.get(rec.id.to_be_bytes())? {
                    Some(v) => self
                        .parse(&v)
                        .map_err(|e| ConflictableTransactionError::Abort(format!("unreadable file record: {e}")))?,
                    None => return Err(ConflictableTransactionError::Abort(format!("no file {}", rec.id))),
                };
                if old.status != rec.status {
                    bump(counters, (rec.batch, rec.box_scope), &counter::files(old.status), -1)?;
                    bump(counters, (rec.batch, rec.box_scope), &counter::files(rec.status), 1)?;
                }
                if old.pages != rec.pages {
                    bump(
                        counters,
                        (rec.batch, rec.box_scope),
                        counter::SOURCE_PAGES,
                        rec.pages as i64 - old.pages as i64,
                    )?;
                }
                files.insert(&rec.id.to_be_bytes(), self.encode(rec))?;
                Ok(())
            })
            .map_err(|e| self.tx_err(e))
    }

    /// All file records, in id order.
    pub fn files(&self) -> impl Iterator<Item = Result<FileRecord>> + '_ {
        self.h.files.iter().map(move |kv| {
            let (_, v) = kv.map_err(|e| self.err(e))?;
            self.decode(&v, "file")
        })
    }

    // ----- pages -----

    /// Stores a page once: if the page is already stored nothing changes and
    /// `false` is returned. Atomic with its words and counters.
    pub fn put_page(&self, rec: &PageRecord, words: &[Word]) -> Result<bool> {
        let _writing = self.writing();
        let key = page_key(rec.file_id, rec.page);
        let value = self.encode(rec);
        let words = self.encode(&words);
        (&self.h.pages, &self.h.words, &self.h.counters, &self.h.activity)
            .transaction(|(pages, word_tree, counters, activity)| {
                if pages.get(key)?.is_some() {
                    return Ok(false);
                }
                activity::bump_series(activity, rec.batch, series::PAGES, rec.processed_at, 1)?;
                pages.insert(&key, value.as_slice())?;
                word_tree.insert(&key, words.as_slice())?;
                bump(counters, (rec.batch, rec.box_scope), counter::PAGES, 1)?;
                bump(counters, (rec.batch, rec.box_scope), &counter::pages(rec.status), 1)?;
                bump(counters, (rec.batch, rec.box_scope), &counter::doc_type(rec.doc_type.as_deref()), 1)?;
                bump_reasons(counters, rec, 1)?;
                if let Some(image) = &rec.image {
                    bump(counters, (rec.batch, rec.box_scope), counter::PAGES_IMAGED, 1)?;
                    bump(counters, (rec.batch, rec.box_scope), counter::IMAGE_BYTES, image.bytes as i64)?;
                }
                match rec.text_source {
                    crate::model::TextSource::Ocr => {
                        bump(counters, (rec.batch, rec.box_scope), counter::PAGES_OCR, 1)?;
                        bump(counters, (rec.batch, rec.box_scope), counter::OCR_MS, rec.timings.ocr_ms as i64)?;
                        if let Some(c) = rec.ocr_confidence {
                            bump(counters, (rec.batch, rec.box_scope), &counter::ocr_confidence(c), 1)?;
                        }
                    }
                    crate::model::TextSource::TextLayer => {
                        bump(counters, (rec.batch, rec.box_scope), counter::PAGES_TEXT_LAYER, 1)?
                    }
                    crate::model::TextSource::None => {}
                }
                Ok(true)
            })
            .map_err(|e| self.tx_err(e))
    }

    /// Replaces stored pages (new document, type, status or reasons),
    /// moving their counters, and the file's documents, in one transaction.
    /// Documents whose state changes get their next revision and their
    /// file is logged as changed (see the key schema).
    pub fn update_pages(&self, pages: &[PageRecord], documents: Option<(u64, &[DocumentRecord])>) -> Result<()> {
        self.update_pages_at(pages, documents, None, crate::model::now())
    }

    /// [`Store::update_pages`] as `work` by a person, or by ingest when
    /// `None`, at `at` (seconds; the hour its figures count in).
    pub fn update_pages_at(
        &self,
        pages: &[PageRecord],
        documents: Option<(u64, &[DocumentRecord])>,
        work: Option<Work>,
        at: i64,
    ) -> Result<()> {
        let _writing = self.writing();
        let encoded: Vec<([u8; 12], Vec<u8>)> =
            pages.iter().map(|p| (page_key(p.file_id, p.page), self.encode(p))).collect();
        let updated: BTreeMap<(u64, u32), &PageRecord> = pages.iter().map(|p| ((p.file_id, p.page), p)).collect();
        // When documents enter the review queue: nanoseconds, for their
        // order (the clock's, within `at`'s second).
        let sub_second =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos() as u64);
        let entered = (at.max(0) as u64).saturating_mul(1_000_000_000) + sub_second;
        let h = &self.h;
        let tx = (
            &h.pages,
            &h.documents,
            &h.counters,
            &h.revisions,
            &h.changes,
            &h.file_changes,
            &h.queue,
            &h.queue_of,
            &h.activity,
        );
        tx.transaction(|(tree, docs, counters, revisions, changes, file_changes, queue, queue_of, activity)| {
            // Documents whose state may have changed.
            let mut touched: std::collections::BTreeSet<(u64, u32)> = std::collections::BTreeSet::new();
            for (p, (key, value)) in pages.iter().zip(&encoded) {
                let old: PageRecord = match tree.get(key)? {
                    Some(v) => self
                        .parse(&v)
                        .map_err(|e| ConflictableTransactionError::Abort(format!("unreadable page record: {e}")))?,
                    None => return Err(ConflictableTransactionError::Abort(format!("no page {}", p.page_id()))),
                };
                if old.status != p.status {
                    bump(counters, (p.batch, p.box_scope), &counter::pages(old.status), -1)?;
                    bump(counters, (p.batch, p.box_scope), &counter::pages(p.status), 1)?;
                }
                if old.doc_type != p.doc_type {
                    bump(counters, (p.batch, p.box_scope), &counter::doc_type(old.doc_type.as_deref()), -1)?;
                    bump(counters, (p.batch, p.box_scope), &counter::doc_type(p.doc_type.as_deref()), 1)?;
                }
                if (old.status, &old.review_reasons) != (p.status, &p.review_reasons) {
                    bump_reasons(counters, &old, -1)?;
                    bump_reasons(counters, p, 1)?;
                }
                if let (None, Some(image)) = (&old.image, &p.image) {
                    bump(counters, (p.batch, p.box_scope), counter::PAGES_IMAGED, 1)?;
                    bump(counters, (p.batch, p.box_scope), counter::IMAGE_BYTES, image.bytes as i64)?;
                }
                count_outcome(counters, activity, &old, p, work.is_some(), at)?;
                touched.insert((p.file_id, old.document_seq));
                touched.insert((p.file_id, p.document_seq));
                tree.insert(key, value.as_slice())?;
            }
            if let Some((file_id, list)) = documents {
                // Transactional trees cannot scan: the highest number a
                // document of the file has had is kept under `LAST_SEQ`
                // (numbers may have gaps once documents are merged).
                let last_key = page_key(file_id, LAST_SEQ);
                let last = docs.get(last_key)?.map(|v| read_u32(&v)).unwrap_or(0);
                let mut seq = 1u32;
                while seq <= last || docs.get(page_key(file_id, seq))?.is_some() {
                    if docs.remove(&page_key(file_id, seq))?.is_some() {
                        touched.insert((file_id, seq));
                    }
                    seq += 1;
                }
                let mut highest = seq.saturating_sub(1);
                for d in list {
                    docs.insert(&page_key(file_id, d.seq), self.encode(d))?;
                    touched.insert((file_id, d.seq));
                    highest = highest.max(d.seq);
                }
                docs.insert(&last_key, &highest.to_be_bytes())?;
            }
            let mut changed_files = std::collections::BTreeSet::new();
            for (file_id, seq) in touched {
                let key = page_key(file_id, seq);
                let (state, waiting) = match docs.get(key)? {
                    None => (String::new(), None),
                    Some(v) => {
                        let d: DocumentRecord = self.parse(&v).map_err(|e| {
                            ConflictableTransactionError::Abort(format!("unreadable document record: {e}"))
                        })?;
                        let mut of_doc: Vec<PageRecord> = Vec::new();
                        let mut from_update: Vec<&PageRecord> = Vec::new();
                        for n in d.first_page..=d.last_page {
                            match updated.get(&(file_id, n)) {
                                Some(p) => from_update.push(p),
                                None => {
                                    if let Some(v) = tree.get(page_key(file_id, n))? {
                                        of_doc.push(self.parse(&v).map_err(|e| {
                                            ConflictableTransactionError::Abort(format!("unreadable page record: {e}"))
                                        })?);
                                    }
                                }
                            }
                        }
                        let mut all: Vec<&PageRecord> = from_update.into_iter().chain(of_doc.iter()).collect();
                        all.retain(|p| p.document_seq == seq && p.status != crate::model::PageStatus::Separator);
                        all.sort_by_key(|p| p.page);
                        (document_state(&all), queue_entry(file_id, seq, &all))
                    }
                };
                // The review queue: the document is in it while a page of it is in review.
                let listed = queue_of.get(key)?;
                match (listed, waiting) {
                    (Some(qkey), Some(entry)) => {
                        queue.insert(qkey, self.encode(&entry))?;
                    }
                    (None, Some(entry)) => {
                        activity::bump_series(activity, entry.batch, series::QUEUE_IN, at, 1)?;
                        let mut qkey = entered.to_be_bytes().to_vec();
                        qkey.extend_from_slice(&key);
                        queue.insert(qkey.as_slice(), self.encode(&entry))?;
                        queue_of.insert(&key, qkey)?;
                        bump(counters, (entry.batch, 0), counter::QUEUE_DOCUMENTS, 1)?;
                    }
                    (Some(qkey), None) => {
                        if let Some(old) = queue.remove(qkey)? {
                            let old: QueueEntry = self.parse(&old).map_err(|e| {
                                ConflictableTransactionError::Abort(format!("unreadable queue entry: {e}"))
                            })?;
                            bump(counters, (old.batch, 0), counter::QUEUE_DOCUMENTS, -1)?;
                            activity::bump_series(activity, old.batch, series::QUEUE_OUT, at, 1)?;
                            if let Some(work) = &work {
                                activity::record_work(activity, work, file_id, seq, &old.reasons, at)?;
                            }
                        }
                        queue_of.remove(&key)?;
                    }
                    (None, None) => {}
                }
                let old: Option<Revision> = match revisions.get(key)? {
                    Some(v) => Some(self.parse(&v).map_err(|e| {
                        ConflictableTransactionError::Abort(format!("unreadable revision record: {e}"))
                    })?),
                    None => None,
                };
                let revision = match &old {
                    Some(r) if r.state == state => continue,
                    Some(r) if state.is_empty() => r.revision,
                    Some(r) => r.revision + 1,
                    None if state.is_empty() => continue,
                    None => 1,
                };
                revisions.insert(&key, self.encode(&Revision { revision, state, at }))?;
                changed_files.insert(file_id);
            }
            for file_id in changed_files {
                log_change(changes, file_changes, file_id)?;
            }
            Ok(())
        })
        .map_err(|e| self.tx_err(e))
    }

    /// The records of one file in `tree` (keys start with its id), in key order.
    fn of_file<T: for<'de> Deserialize<'de>>(&self, tree: &sled::Tree, file_id: u64, what: &str) -> Result<Vec<T>> {
        tree.scan_prefix(file_id.to_be_bytes())
            .values()
            .map(|v| self.decode(&v.map_err(|e| self.err(e))?, what))
            .collect()
    }

    /// The pages of a file, in page order.
    pub fn pages_of(&self, file_id: u64) -> Result<Vec<PageRecord>> {
        self.of_file(&self.h.pages, file_id, "page")
    }

    pub fn page(&self, file_id: u64, page: u32) -> Result<Option<PageRecord>> {
        match self.h.pages.get(page_key(file_id, page)).map_err(|e| self.err(e))? {
            Some(v) => Ok(Some(self.decode(&v, "page")?)),
            None => Ok(None),
        }
    }

    pub fn words(&self, file_id: u64, page: u32) -> Result<Vec<Word>> {
        match self.h.words.get(page_key(file_id, page)).map_err(|e| self.err(e))? {
            Some(v) => self.decode(&v, "words"),
            None => Ok(Vec::new()),
        }
    }

    /// Page numbers already stored for a file.
    pub fn stored_pages(&self, file_id: u64) -> Result<std::collections::BTreeSet<u32>> {
        self.h
            .pages
            .scan_prefix(file_id.to_be_bytes())
            .keys()
            .map(|k| {
                let k = k.map_err(|e| self.err(e))?;
                Ok(u32::from_be_bytes(k[8..12].try_into().unwrap_or_default()))
            })
            .collect()
    }

    /// Every page, ordered by file id then page number.
    pub fn pages(&self) -> impl Iterator<Item = Result<PageRecord>> + '_ {
        self.h.pages.iter().values().map(move |v| {
            let v = v.map_err(|e| self.err(e))?;
            self.decode(&v, "page")
        })
    }

    pub fn documents(&self, file_id: u64) -> Result<Vec<DocumentRecord>> {
        self.h
            .documents
            .scan_prefix(file_id.to_be_bytes())
            .filter(|kv| kv.as_ref().map_or(true, |(k, _)| k[8..] != LAST_SEQ.to_be_bytes()))
            .map(|kv| self.decode(&kv.map_err(|e| self.err(e))?.1, "document"))
            .collect()
    }

    /// The next number free for a document of the file (numbers are never given twice).
    pub fn next_document_seq(&self, file_id: u64) -> Result<u32> {
        let last = self.h.documents.get(page_key(file_id, LAST_SEQ)).map_err(|e| self.err(e))?.map(|v| read_u32(&v));
        let listed = self.documents(file_id)?.iter().map(|d| d.seq).max().unwrap_or(0);
        let gone = self.revisions(file_id)?.iter().map(|(s, _)| *s).max().unwrap_or(0);
        Ok(last.unwrap_or(0).max(listed).max(gone) + 1)
    }

    // ----- counters -----

    /// Some counters of a scope, by name (0 for a counter never counted):
    /// point reads, for the many boxes of a batch.
    pub fn counters_named(&self, scope: u64, names: &[&str]) -> Result<BTreeMap<String, u64>> {
        names
            .iter()
            .map(|name| {
                let v = self.h.counters.get(counter_key(scope, name)).map_err(|e| self.err(e))?;
                Ok((name.to_string(), v.map(|v| read_u64(&v)).unwrap_or(0)))
            })
            .collect()
    }

    /// Counters of a scope: 0 for the whole store, else a batch id.
    pub fn counters(&self, scope: u64) -> Result<BTreeMap<String, u64>> {
        self.h
            .counters
            .scan_prefix(scope.to_be_bytes())
            .map(|kv| {
                let (k, v) = kv.map_err(|e| self.err(e))?;
                Ok((String::from_utf8_lossy(&k[8..]).into_owned(), read_u64(&v)))
            })
            .collect()
    }
}

/// A patient of the master patient index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientRecord {
    /// The MRN in the one form pages' readings are compared in
    /// ([`crate::extract::MrnFormat::normalise`]); the key.
    pub mrn: String,
    /// The MRN as the imported index printed it, when that is not `mrn`
    /// (`MRN-004738`); shown to technicians.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed_mrn: Option<String>,
    pub family_name: String,
    pub given_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub sex: String,
}

impl From<&PatientRecord> for crate::model::Patient {
    /// The demographics a page filed to this patient carries.
    fn from(p: &PatientRecord) -> crate::model::Patient {
        crate::model::Patient {
            mrn: p.mrn.clone(),
            family_name: p.family_name.clone(),
            given_name: p.given_name.clone(),
            birth_date: p.birth_date.clone(),
        }
    }
}

fn index_key(prefix: &str, mrn: &str) -> Vec<u8> {
    let mut k = prefix.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(mrn.as_bytes());
    k
}

/// Index labels of the protected keys (`Store::protected_key`).
mod label {
    pub const PATH: &str = "path";
    pub const BATCH: &str = "batch";
    pub const MRN: &str = "mrn";
    pub const BIRTH_DATE: &str = "birth date";
    pub const BOX: &str = "box";
    pub const EXPORT: &str = "export";
}

impl Store {
    /// A patient's key in `patients`.
    fn mrn_key(&self, mrn: &str) -> Vec<u8> {
        self.protected_key(label::MRN, mrn.as_bytes())
    }

    /// A patient's key and value in `patient_dob`: birth date ++ 0 ++ MRN,
    /// empty; encrypted, the two index hashes, the MRN sealed.
    fn dob_entry(&self, p: &PatientRecord) -> (Vec<u8>, Vec<u8>) {
        match &self.crypt {
            None => (index_key(&p.birth_date, &p.mrn), Vec::new()),
            Some(c) => {
                let mut k = c.index(label::BIRTH_DATE, p.birth_date.as_bytes()).to_vec();
                k.extend_from_slice(&c.index(label::MRN, p.mrn.as_bytes()));
                (k, c.seal(p.mrn.as_bytes()))
            }
        }
    }

    /// A patient's key in `patient_name` (family name ++ 0 ++ MRN); none in
    /// an encrypted store, whose name index is built in memory.
    fn name_key(&self, p: &PatientRecord) -> Option<Vec<u8>> {
        self.crypt.is_none().then(|| index_key(&p.family_name, &p.mrn))
    }

    /// Adds or updates patients, and removes the patients keyed `replaced`
    /// (keyed in another form of their MRN before), all or none. Returns
    /// (added, updated).
    pub fn import_patients(&self, patients: &[PatientRecord], replaced: &[String]) -> Result<(usize, usize)> {
        let _writing = self.writing();
        let encoded: Vec<Vec<u8>> = patients.iter().map(|p| self.encode(p)).collect();
        let done = (&self.h.patients, &self.h.patient_dob, &self.h.patient_name)
            .transaction(|(tree, by_dob, by_name)| {
                let (mut added, mut updated) = (0, 0);
                let unindex = |old: &[u8]| -> TxResult<()> {
                    let old: PatientRecord = self
                        .parse(old)
                        .map_err(|e| ConflictableTransactionError::Abort(format!("unreadable patient: {e}")))?;
                    by_dob.remove(self.dob_entry(&old).0)?;
                    if let Some(k) = self.name_key(&old) {
                        by_name.remove(k)?;
                    }
                    Ok(())
                };
                for key in replaced {
                    if let Some(old) = tree.remove(self.mrn_key(key))? {
                        unindex(&old)?;
                    }
                }
                for (p, value) in patients.iter().zip(&encoded) {
                    match tree.insert(self.mrn_key(&p.mrn), value.as_slice())? {
                        Some(old) => {
                            unindex(&old)?;
                            updated += 1;
                        }
                        None => added += 1,
                    }
                    let (k, v) = self.dob_entry(p);
                    by_dob.insert(k, v)?;
                    if let Some(k) = self.name_key(p) {
                        by_name.insert(k, &[])?;
                    }
                }
                Ok((added, updated))
            })
            .map_err(|e| self.tx_err(e));
        // Built again at the next name search.
        *self.name_index.lock().unwrap_or_else(|p| p.into_inner()) = None;
        done
    }

    pub fn patient(&self, mrn: &str) -> Result<Option<PatientRecord>> {
        match self.h.patients.get(self.mrn_key(mrn)).map_err(|e| self.err(e))? {
            Some(v) => Ok(Some(self.decode(&v, "patient")?)),
            None => Ok(None),
        }
    }

    /// Patients born on `date` (`YYYY-MM-DD`).
    pub fn patients_born(&self, date: &str) -> Result<Vec<PatientRecord>> {
        let prefix = match &self.crypt {
            None => index_key(date, "")[..date.len() + 1].to_vec(),
            Some(c) => c.index(label::BIRTH_DATE, date.as_bytes()).to_vec(),
        };
        let mut out = Vec::new();
        for kv in self.h.patient_dob.scan_prefix(&prefix) {
            let (k, v) = kv.map_err(|e| self.err(e))?;
            let mrn = match &self.crypt {
                None => k.iter().position(|&b| b == 0).map(|zero| k[zero + 1..].to_vec()),
                Some(_) => self.unseal(&v).ok().map(|m| m.into_owned()),
            };
            let Some(mrn) = mrn else { continue };
            if let Some(p) = self.patient(&String::from_utf8_lossy(&mrn))? {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Patients whose family name starts with `prefix` (upper case).
    pub fn patients_named(&self, prefix: &str) -> Result<Vec<PatientRecord>> {
        let mrns: Vec<String> = if self.crypt.is_none() {
            let mut mrns = Vec::new();
            for k in self.h.patient_name.scan_prefix(prefix.as_bytes()).keys() {
                let k = k.map_err(|e| self.err(e))?;
                if let Some(zero) = k.iter().position(|&b| b == 0) {
                    mrns.push(String::from_utf8_lossy(&k[zero + 1..]).into_owned());
                }
            }
            mrns
        } else {
            let mut index = self.name_index.lock().unwrap_or_else(|p| p.into_inner());
            if index.is_none() {
                let mut built = std::collections::BTreeSet::new();
                for v in self.h.patients.iter().values() {
                    let p: PatientRecord = self.decode(&v.map_err(|e| self.err(e))?, "patient")?;
                    built.insert((p.family_name, p.mrn));
                }
                *index = Some(built);
            }
            let from = (prefix.to_string(), String::new());
            let index = index.as_ref().expect("built above");
            index.range(from..).take_while(|(name, _)| name.starts_with(prefix)).map(|(_, mrn)| mrn.clone()).collect()
        };
        let mut out = Vec::new();
        for mrn in mrns {
            if let Some(p) = self.patient(&mrn)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    pub fn patient_count(&self) -> usize {
        self.h.patients.len()
    }
}

// ----- page images -----

impl Store {
    /// Stores an image's bytes durably (synced before this returns, so
    /// before the page record naming it can commit) and returns its SHA-256.
    pub fn put_image(&self, bytes: &[u8]) -> Result<String> {
        self.images.put(bytes).map_err(|source| Error::Io { path: self.path.join(images::FOLDER), source })
    }

    /// The bytes of a stored image, checked against its SHA-256.
    pub fn image(&self, image: &crate::model::StoredImage) -> Result<Vec<u8>> {
        self.images.get(&image.sha256).map_err(|e| Error::ImageDamaged {
            path: self.path.clone(),
            sha256: image.sha256.clone(),
            detail: match e {
                images::ReadError::Damaged => "its bytes do not have its SHA-256".into(),
                images::ReadError::Io(e) => crate::error::io_reason(&e),
            },
        })
    }

    /// Bytes and number of image files on disk (walks the image folder).
    pub fn image_disk_usage(&self) -> Result<(u64, u64)> {
        self.images.disk_usage().map_err(|source| Error::Io { path: self.path.join(images::FOLDER), source })
    }
}

// ----- revisions, changes, exports -----

impl Store {
    /// The last change logged (0 before any).
    pub fn last_change(&self) -> Result<u64> {
        Ok(self.h.file_changes.get(NEXT_CHANGE).map_err(|e| self.err(e))?.map(|v| read_u64(&v)).unwrap_or(0))
    }

    /// Files changed after change `after` up to `upto`, in the order of
    /// their last change: (that change's sequence, file id).
    pub fn files_changed(&self, after: u64, upto: u64) -> Result<Vec<(u64, u64)>> {
        if after >= upto {
            return Ok(Vec::new());
        }
        let (from, to) = ((after + 1).to_be_bytes(), upto.to_be_bytes());
        self.h
            .changes
            .range(from..=to)
            .map(|kv| {
                let (k, v) = kv.map_err(|e| self.err(e))?;
                Ok((read_u64(&k), read_u64(&v)))
            })
            .collect()
    }

    /// The revision entries of a file's document slots, by sequence.
    pub fn revisions(&self, file_id: u64) -> Result<Vec<(u32, Revision)>> {
        self.h
            .revisions
            .scan_prefix(file_id.to_be_bytes())
            .map(|kv| {
                let (k, v) = kv.map_err(|e| self.err(e))?;
                let seq = u32::from_be_bytes(k[8..12].try_into().unwrap_or_default());
                Ok((seq, self.decode(&v, "revision")?))
            })
            .collect()
    }

    /// The export target of `kind` writing to `folder`, created if new.
    pub fn export_target(&self, kind: &str, folder: &str) -> Result<ExportTarget> {
        let _writing = self.writing();
        let name = format!("{kind}\0{folder}");
        if let Some(id) =
            self.h.export_names.get(self.protected_key(label::EXPORT, name.as_bytes())).map_err(|e| self.err(e))?
        {
            if let Some(v) = self.h.exports.get(id).map_err(|e| self.err(e))? {
                return self.decode(&v, "export target");
            }
        }
        let target = ExportTarget {
            id: self.new_id()?,
            kind: kind.into(),
            folder: folder.into(),
            cursor: 0,
            runs: 0,
            last_run_at: None,
        };
        self.h.exports.insert(target.id.to_be_bytes(), self.encode(&target)).map_err(|e| self.err(e))?;
        self.h
            .export_names
            .insert(self.protected_key(label::EXPORT, name.as_bytes()), &target.id.to_be_bytes())
            .map_err(|e| self.err(e))?;
        Ok(target)
    }

    /// Every export target, in the order they were made.
    pub fn export_targets(&self) -> Result<Vec<ExportTarget>> {
        self.h.exports.iter().values().map(|v| self.decode(&v.map_err(|e| self.err(e))?, "export target")).collect()
    }

    /// What a target has exported of a file's documents.
    pub fn exported(&self, target: u64, file_id: u64) -> Result<Vec<ExportedDoc>> {
        let mut prefix = target.to_be_bytes().to_vec();
        prefix.extend_from_slice(&file_id.to_be_bytes());
        self.h
            .exported
            .scan_prefix(prefix)
            .values()
            .map(|v| self.decode(&v.map_err(|e| self.err(e))?, "exported document"))
            .collect()
    }

    /// Records what an export run wrote and moves its target (cursor, runs)
    /// in one transaction, with the counters of documents and pages
    /// standing exported.
    pub fn commit_export(&self, target: &ExportTarget, docs: &[ExportedDoc]) -> Result<()> {
        let _writing = self.writing();
        let key = |d: &ExportedDoc| {
            let mut k = target.id.to_be_bytes().to_vec();
            k.extend_from_slice(&page_key(d.file_id, d.seq));
            k
        };
        let encoded: Vec<(Vec<u8>, Vec<u8>)> = docs.iter().map(|d| (key(d), self.encode(d))).collect();
        let (documents, pages) = (counter::exported_documents(&target.kind), counter::exported_pages(&target.kind));
        (&self.h.exports, &self.h.exported, &self.h.counters)
            .transaction(|(exports, exported, counters)| {
                for (d, (k, v)) in docs.iter().zip(&encoded) {
                    let old: Option<ExportedDoc> = match exported.insert(k.as_slice(), v.as_slice())? {
                        Some(old) => Some(self.parse(&old).map_err(|e| {
                            ConflictableTransactionError::Abort(format!("unreadable exported document: {e}"))
                        })?),
                        None => None,
                    };
                    let standing = |x: &ExportedDoc| if x.active { (1i64, x.entry.pages.len() as i64) } else { (0, 0) };
                    let (d0, p0) = old.as_ref().map(standing).unwrap_or((0, 0));
                    let (d1, p1) = standing(d);
                    if d1 != d0 {
                        bump(counters, (d.batch, 0), &documents, d1 - d0)?;
                    }
                    if p1 != p0 {
                        bump(counters, (d.batch, 0), &pages, p1 - p0)?;
                    }
                }
                exports.insert(&target.id.to_be_bytes(), self.encode(target))?;
                Ok(())
            })
            .map_err(|e| self.tx_err(e))?;
        self.flush()
    }
}

// ----- the review queue -----

impl Store {
    /// Documents in review, oldest first (by when they entered the queue).
    pub fn review_queue(&self) -> impl Iterator<Item = Result<QueueEntry>> + '_ {
        self.h.queue.iter().values().map(move |v| self.decode(&v.map_err(|e| self.err(e))?, "queue entry"))
    }

    /// The review queue with when each document entered it (Unix seconds).
    pub fn review_queue_entered(&self) -> impl Iterator<Item = Result<(i64, QueueEntry)>> + '_ {
        self.h.queue.iter().map(move |kv| {
            let (k, v) = kv.map_err(|e| self.err(e))?;
            let ns = k.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes).unwrap_or(0);
            Ok(((ns / 1_000_000_000) as i64, self.decode(&v, "queue entry")?))
        })
    }

    /// Whether document `file_id`-`seq` is in the review queue.
    pub fn in_review_queue(&self, file_id: u64, seq: u32) -> Result<bool> {
        self.h.queue_of.contains_key(page_key(file_id, seq)).map_err(|e| self.err(e))
    }
}

// ----- users -----

impl Store {
    pub fn user(&self, name: &str) -> Result<Option<crate::users::UserRecord>> {
        match self.h.users.get(name.as_bytes()).map_err(|e| self.err(e))? {
            Some(v) => Ok(Some(self.decode(&v, "user")?)),
            None => Ok(None),
        }
    }

    /// Adds or replaces a user, durably.
    pub fn put_user(&self, user: &crate::users::UserRecord) -> Result<()> {
        let _writing = self.writing();
        self.h.users.insert(user.name.as_bytes(), self.encode(user)).map_err(|e| self.err(e))?;
        self.flush()
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<crate::users::UserRecord>> {
        self.h.users.iter().values().map(|v| self.decode(&v.map_err(|e| self.err(e))?, "user")).collect()
    }
}

// ----- migration -----

impl Store {
    /// Gives a page of a store being migrated its image (counted), without
    /// touching anything else of it.
    pub fn set_page_image(&self, file_id: u64, page: u32, image: crate::model::StoredImage) -> Result<()> {
        let _writing = self.writing();
        let Some(mut rec) = self.page(file_id, page)? else { return Ok(()) };
        if rec.image.is_some() {
            return Ok(());
        }
        rec.image = Some(image);
        self.update_pages(&[rec], None)
    }

    /// Gives every file's documents their first revision and logs them as
    /// changed (exports then see them all), counts the pages of the source
    /// files, draws a store id, and writes the current schema version:
    /// the last step of `chartmill migrate`, after every image is in.
    pub fn migrate_to_current(&mut self) -> Result<()> {
        let files: Vec<FileRecord> = self.files().collect::<Result<_>>()?;
        for f in &files {
            let pages = self.pages_of(f.id)?;
            let docs = self.documents(f.id)?;
            if !docs.is_empty() {
                self.update_pages(&pages, Some((f.id, &docs)))?;
            }
        }
        // Source pages were not counted before version 2.
        let mut by_batch: BTreeMap<u64, u64> = BTreeMap::new();
        for f in &files {
            *by_batch.entry(f.batch).or_default() += f.pages as u64;
        }
        let total: u64 = by_batch.values().sum();
        for (scope, n) in by_batch.into_iter().chain([(0, total)]) {
            self.h
                .counters
                .insert(counter_key(scope, counter::SOURCE_PAGES), &n.to_be_bytes())
                .map_err(|e| self.err(e))?;
        }
        if self.h.meta.get("store_id").map_err(|e| self.err(e))?.is_none() {
            self.h.meta.insert("store_id", new_store_id().as_bytes()).map_err(|e| self.err(e))?;
        }
        self.flush()?;
        self.h.meta.insert("schema_version", SCHEMA_VERSION.to_string().as_bytes()).map_err(|e| self.err(e))?;
        self.flush()?;
        self.version = SCHEMA_VERSION;
        self.seal.version = SCHEMA_VERSION;
        Ok(())
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn file(path: &str, sha: &str) -> FileRecord {
        FileRecord {
            id: 0,
            batch: 1,
            path: path.as_bytes().to_vec(),
            source: path.trim_start_matches('/').into(),
            size: 10,
            mtime: 0,
            sha256: Some(sha.into()),
            format: Some(Format::Png),
            status: FileStatus::Pending,
            pages: 0,
            error: None,
            duplicate_of: None,
            registered_at: 0,
            finished_at: None,
            members: Vec::new(),
            box_scope: 0,
        }
    }

    fn page(file_id: u64, n: u32) -> PageRecord {
        let mut p = PageRecord::new(file_id, n, 1);
        (p.text_source, p.ocr_confidence, p.dpi) = (TextSource::Ocr, Some(0.9), 300);
        p
    }

    #[test]
    fn same_content_at_two_paths_is_a_duplicate() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let Registered::New(a) = store.register_file(file("/a.png", "00ff")).unwrap() else { panic!() };
        let Registered::Duplicate(b) = store.register_file(file("/b.png", "00ff")).unwrap() else { panic!() };
        assert_eq!(b.duplicate_of, Some(a.id));
        let c = store.counters(0).unwrap();
        assert_eq!(c["files_found"], 2);
        assert_eq!(c["files_pending"], 1);
        assert_eq!(c["files_duplicate"], 1);
    }

    #[test]
    fn a_page_is_stored_once_and_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        assert!(store.put_page(&page(7, 1), &[]).unwrap());
        assert!(!store.put_page(&page(7, 1), &[]).unwrap());
        assert!(store.put_page(&page(7, 2), &[]).unwrap());
        assert_eq!(store.counters(1).unwrap()["pages"], 2);
        assert_eq!(store.counters(0).unwrap()["pages_review"], 2);
        assert_eq!(store.stored_pages(7).unwrap().into_iter().collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn status_changes_move_counters() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let Registered::New(mut f) = store.register_file(file("/a.png", "01")).unwrap() else { panic!() };
        f.status = FileStatus::Done;
        f.pages = 1;
        store.update_file(&f).unwrap();
        let c = store.counters(1).unwrap();
        assert_eq!((c["files_pending"], c["files_done"]), (0, 1));
    }

    #[test]
    fn page_updates_move_type_counters_and_replace_documents() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        store.put_page(&page(3, 1), &[]).unwrap();
        store.put_page(&page(3, 2), &[]).unwrap();
        let doc =
            |seq, first, last| DocumentRecord { file_id: 3, seq, first_page: first, last_page: last, doc_type: None };
        store.update_pages(&[], Some((3, &[doc(1, 1, 1), doc(2, 2, 2)]))).unwrap();
        let mut p = page(3, 2);
        p.doc_type = Some("lab_report".into());
        store.update_pages(&[p], Some((3, &[doc(1, 1, 2)]))).unwrap();
        let c = store.counters(0).unwrap();
        assert_eq!((c["doc_type:none"], c["doc_type:lab_report"]), (1, 1));
        assert_eq!(store.documents(3).unwrap(), vec![doc(1, 1, 2)]);
    }

    #[test]
    fn a_second_open_is_refused_as_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let _first = Store::open(&path).unwrap();
        assert!(matches!(Store::open(&path), Err(Error::StoreInUse { .. })));
    }

    #[test]
    fn another_schema_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let db = sled::Config::new().path(&path).use_compression(true).open().unwrap();
            db.open_tree("meta").unwrap().insert("schema_version", "99").unwrap();
            db.flush().unwrap();
        }
        let before = contents(&path);
        let err = Store::open(&path).err().unwrap();
        assert!(err.to_string().contains("schema version 99"), "{err}");
        assert_eq!(contents(&path), before, "refused without being modified");
        assert_only_the_store_is_left(dir.path());
    }

    /// Every file under `dir` and its bytes.
    fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(contents(&p));
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
        out
    }

    /// The copy checked before opening an unsealed store is gone.
    fn assert_only_the_store_is_left(parent: &Path) {
        let names: Vec<String> =
            std::fs::read_dir(parent).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["db".to_string()]);
    }

    fn closed_store_with_pages(path: &Path) {
        let store = Store::open(path).unwrap();
        for n in 1..=50 {
            store.put_page(&page(7, n), &[]).unwrap();
        }
    }

    #[test]
    fn a_closed_store_is_sealed_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        closed_store_with_pages(&path);
        assert!(path.join("chartmill.seal").exists());
        let store = Store::open(&path).unwrap();
        assert!(!path.join("chartmill.seal").exists(), "no seal while sled has the files");
        assert_eq!(store.counters(0).unwrap()["pages"], 50);
        drop(store);
        assert!(path.join("chartmill.seal").exists());
    }

    #[test]
    fn a_store_left_open_by_a_crash_is_checked_on_a_copy_then_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        closed_store_with_pages(&path);
        std::fs::remove_file(path.join("chartmill.seal")).unwrap(); // as after a kill
        let store = Store::open(&path).unwrap();
        assert_eq!(store.counters(0).unwrap()["pages"], 50);
        assert_only_the_store_is_left(dir.path());
    }

    #[test]
    fn a_damaged_store_is_refused_without_being_modified() {
        type Damage = fn(&Path);
        let damages: [(&str, Damage); 4] = [
            ("bytes overwritten", |p| {
                // sled reads a bad record as the torn end of its log and
                // recovers to it, silently dropping everything after.
                let mut db = std::fs::read(p.join("db")).unwrap();
                let mid = db.len() * 3 / 10;
                db[mid..mid + 512].iter_mut().enumerate().for_each(|(i, b)| *b = (i * 151 % 251) as u8);
                std::fs::write(p.join("db"), db).unwrap();
            }),
            ("cut short", |p| {
                let f = std::fs::OpenOptions::new().write(true).open(p.join("db")).unwrap();
                f.set_len(1000).unwrap();
            }),
            ("log missing", |p| std::fs::remove_file(p.join("db")).unwrap()),
            ("not a store", |p| {
                std::fs::remove_dir_all(p).unwrap();
                std::fs::create_dir(p).unwrap();
                std::fs::write(p.join("notes.txt"), "hello").unwrap();
            }),
        ];
        for (what, damage) in damages {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("db");
            closed_store_with_pages(&path);
            damage(&path);
            let before = contents(&path);
            let err = Store::open(&path).err().unwrap_or_else(|| panic!("{what}: opened"));
            assert!(matches!(err, Error::StoreDamaged { .. }), "{what}: {err}");
            assert_eq!(contents(&path), before, "{what}: the store was modified");
            assert_only_the_store_is_left(dir.path());
        }
    }

    #[test]
    fn after_a_crash_a_log_that_lost_checkpointed_pages_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let store = Store::open(&path).unwrap();
            for n in 1..=50 {
                store.put_page(&page(7, n), &[]).unwrap();
            }
            store.checkpoint().unwrap();
        }
        // As after a kill: no seal, only the checkpoint's witness.
        std::fs::remove_file(path.join("chartmill.seal")).unwrap();
        let mut db = std::fs::read(path.join("db")).unwrap();
        let at = db.len() * 3 / 10;
        db[at..at + 512].iter_mut().enumerate().for_each(|(i, b)| *b = (i * 151 % 251) as u8);
        std::fs::write(path.join("db"), db).unwrap();
        let before = contents(&path);
        let err = Store::open(&path).err().expect("refused");
        assert!(err.to_string().contains("its log is damaged: it reads back"), "{err}");
        assert_eq!(contents(&path), before);
    }

    #[test]
    fn a_sealed_store_of_another_schema_version_is_refused_unopened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        closed_store_with_pages(&path);
        let seal = std::fs::read_to_string(path.join("chartmill.seal")).unwrap();
        std::fs::write(path.join("chartmill.seal"), seal.replace("\"schema_version\":2", "\"schema_version\":3"))
            .unwrap();
        let before = contents(&path);
        let err = Store::open(&path).err().unwrap();
        assert!(err.to_string().contains("schema version 3"), "{err}");
        assert_eq!(contents(&path), before);
    }

    #[test]
    fn a_version_1_store_is_refused_with_the_way_to_migrate_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let db = sled::Config::new().path(&path).use_compression(true).open().unwrap();
            db.open_tree("meta").unwrap().insert("schema_version", "1").unwrap();
            db.flush().unwrap();
        }
        let before = contents(&path);
        let err = Store::open(&path).err().unwrap();
        assert!(matches!(err, Error::OldSchema { found: 1, .. }), "{err}");
        assert!(err.to_string().contains("chartmill --store"), "{err}");
        assert!(err.to_string().contains("migrate"), "{err}");
        assert_eq!(contents(&path), before, "refused without being modified");
        let mut store = Store::open_for_migration(&path, &Keys::none()).unwrap();
        assert_eq!(store.schema_version(), 1);
        store.migrate_to_current().unwrap();
        assert_eq!(store.store_id().unwrap().len(), 16);
        drop(store);
        assert_eq!(Store::open(&path).unwrap().schema_version(), SCHEMA_VERSION);
    }

    #[test]
    fn a_documents_revision_moves_with_its_state_and_its_file_is_logged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        for n in 1..=3 {
            store.put_page(&page(5, n), &[]).unwrap();
        }
        let doc =
            |seq, first, last| DocumentRecord { file_id: 5, seq, first_page: first, last_page: last, doc_type: None };
        let mut pages = store.pages_of(5).unwrap();
        pages[2].document_seq = 2;
        store.update_pages(&pages, Some((5, &[doc(1, 1, 2), doc(2, 3, 3)]))).unwrap();
        let revs = |s: &Store| s.revisions(5).unwrap().into_iter().map(|(q, r)| (q, r.revision)).collect::<Vec<_>>();
        assert_eq!(revs(&store), vec![(1, 1), (2, 1)]);
        let changed = |s: &Store, after| {
            s.files_changed(after, s.last_change().unwrap()).unwrap().into_iter().map(|c| c.1).collect::<Vec<_>>()
        };
        assert_eq!(changed(&store, 0), vec![5]);
        // The same state again: no new revision, no change logged.
        let before = store.last_change().unwrap();
        store.update_pages(&pages, Some((5, &[doc(1, 1, 2), doc(2, 3, 3)]))).unwrap();
        assert_eq!((revs(&store), store.last_change().unwrap()), (vec![(1, 1), (2, 1)], before));
        // A page of document 2 filed: its revision moves, document 1's does not.
        let mut p3 = store.page(5, 3).unwrap().unwrap();
        p3.status = PageStatus::Filed;
        store.update_pages(&[p3], None).unwrap();
        assert_eq!(revs(&store), vec![(1, 1), (2, 2)]);
        assert_eq!(changed(&store, before), vec![5]);
        // The documents re-cut as one: document 2 is gone, its number kept.
        let mut pages = store.pages_of(5).unwrap();
        pages[2].document_seq = 1;
        store.update_pages(&pages, Some((5, &[doc(1, 1, 3)]))).unwrap();
        let r = store.revisions(5).unwrap();
        assert_eq!((r[0].1.revision, r[1].1.revision, r[1].1.state.as_str()), (2, 2, ""));
        // One entry per file in the log, at its last change.
        assert_eq!(
            store.files_changed(0, store.last_change().unwrap()).unwrap(),
            vec![(store.last_change().unwrap(), 5)]
        );
    }
}

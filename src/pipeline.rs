//! The ingest pipeline, and the only user of rayon.
//!
//! ```text
//! walk ──► per file (parallel): read, SHA-256, register ──► decode::open
//!            └─► per page (parallel): decode ─► prepare ─► OCR ─► store.put_page
//! ```
//!
//! Files are taken from the walk lazily (`par_bridge`) and the pages of one
//! file are spread over the workers too, so a 300-page TIFF does not leave a
//! core idle. At any moment each worker holds one file's bytes and one
//! decoded page: memory does not grow with the batch.
//!
//! Every page and file gets an outcome in the store, failures included; the
//! batch never stops for one input. Work already in the store (same path,
//! size and mtime, or same content) is not done again, and a file left
//! half-done by a crash resumes at its first missing page.

use crate::decode::{self, Limits, RawPage};
use crate::error::{InputError, Result};
use crate::model::{hex, now, BatchRecord, FileRecord, FileStatus, PageRecord, PageStatus, TextSource, Word};
use crate::ocr::EnginePool;
use crate::progress::Progress;
use crate::store::{Registered, Store};
use crate::walk::{self, Entry, EntryKind};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Review reason given to every readable page until patient filing exists.
pub const REASON_NO_PATIENT: &str = "no patient identified";

/// Stack of each worker thread.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;
/// Problems kept for the end-of-run listing; the rest are only counted
/// (`status --list failed` lists them all from the store).
const PROBLEMS_KEPT: usize = 1000;

/// How often a running ingest refreshes the status snapshot.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(2);

/// Settings of one `ingest` run.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub roots: Vec<PathBuf>,
    pub batch: String,
    pub jobs: usize,
    pub limits: Limits,
    /// Files larger than this are refused unread.
    pub max_file_bytes: u64,
    pub quiet: bool,
    pub progress_every: Duration,
    /// Where progress lines go instead of standard error (an ingest the
    /// server runs for a client).
    pub progress_to: Option<crate::progress::Lines>,
    /// The document-type classifier.
    pub model: std::sync::Arc<crate::classify::Model>,
    /// Documents whose type confidence is under this go to review, or to
    /// the type check when their patient is certain and `type_check` is set.
    pub review_threshold: f32,
    pub type_check: bool,
    pub identifiers: crate::extract::ExtractConfig,
    pub filing: crate::filing::FilingConfig,
    pub documents: crate::config::DocumentsConfig,
    pub ocr: crate::ocr::OcrSettings,
    /// What the site's barcodes mean.
    pub barcodes: crate::barcode::Rules,
    /// The pages the batch should hold (`--expect-pages`).
    pub expect_pages: Option<u64>,
    /// The pages each box should hold (`--manifest`): box name, pages.
    pub manifest: Vec<(String, u64)>,
    /// This run's share of the folders (`--shard I/N`); `None`: all of them.
    pub shard: Option<crate::shard::Shard>,
}

impl IngestConfig {
    /// Settings for ingesting `roots` under a site's configuration, with the
    /// default limits, progress and worker count (`jobs`, else one per core).
    pub fn for_site(
        site: &crate::config::SiteConfig,
        model: crate::classify::Model,
        roots: Vec<PathBuf>,
        batch: String,
        jobs: Option<usize>,
    ) -> IngestConfig {
        IngestConfig {
            roots,
            batch,
            jobs: jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
            limits: Limits::default(),
            max_file_bytes: 2 * 1024 * 1024 * 1024,
            quiet: false,
            progress_every: Duration::from_secs(10),
            progress_to: None,
            model: std::sync::Arc::new(model),
            review_threshold: site.classifier.review_threshold,
            type_check: site.classifier.type_check,
            identifiers: site.identifiers.clone(),
            filing: site.filing.clone(),
            documents: site.documents.clone(),
            ocr: site.ocr,
            // Checked when the configuration was loaded.
            barcodes: site.barcode_rules().unwrap_or_default(),
            expect_pages: None,
            manifest: Vec::new(),
            shard: None,
        }
    }
}

/// What one run did.
#[derive(Debug, Default, Clone)]
pub struct RunSummary {
    pub batch: Option<BatchRecord>,
    pub files_seen: u64,
    /// Files already complete in the store from an earlier run.
    pub files_already: u64,
    pub files_done: u64,
    pub files_failed: u64,
    pub files_skipped: u64,
    pub files_duplicate: u64,
    pub pages_stored: u64,
    pub pages_failed: u64,
    pub pages_blank: u64,
    pub elapsed: Duration,
    /// (source, reason) of files and pages that failed or were skipped in
    /// this run; the first `PROBLEMS_KEPT` of `problem_count`.
    pub problems: Vec<(String, String)>,
    pub problem_count: u64,
}

#[derive(Default)]
struct Tally {
    seen: AtomicU64,
    already: AtomicU64,
    done: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    duplicate: AtomicU64,
    pages: AtomicU64,
    pages_failed: AtomicU64,
    pages_blank: AtomicU64,
    problems: Mutex<Vec<(String, String)>>,
    problem_count: AtomicU64,
}

impl Tally {
    fn problem(&self, source: &str, reason: String) {
        self.problem_count.fetch_add(1, Ordering::Relaxed);
        let mut p = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        if p.len() < PROBLEMS_KEPT {
            p.push((source.to_string(), reason));
        }
    }
}

struct Ctx<'a> {
    store: &'a Store,
    cfg: &'a IngestConfig,
    batch: &'a BatchRecord,
    engines: &'a EnginePool,
    progress: &'a Progress,
    tally: Tally,
    /// Whether the patient index has patients: without any, an MRN that is
    /// no patient's is no reason to read a header again.
    has_patients: bool,
}

/// Runs `ingest`: walks `cfg.roots` and stores every page.
pub fn ingest(store: &Store, cfg: &IngestConfig) -> Result<RunSummary> {
    let started = Instant::now();
    let roots: Vec<String> = cfg.roots.iter().map(|r| r.display().to_string()).collect();
    let mut batch = store.batch_named(&cfg.batch, &roots)?;
    // A batch is ingested whole or as one shard, the same one every run.
    let shard = cfg.shard.map(|s| s.to_string());
    if batch.runs > 0 && batch.shard != shard {
        let said = |s: &Option<String>| s.as_ref().map_or("whole".to_string(), |s| format!("shard {s}"));
        return Err(crate::Error::Config(format!(
            "batch id {} was ingested into this store {}; this run is {}: use the same --shard, or another store",
            batch.id,
            said(&batch.shard),
            said(&shard)
        )));
    }
    batch.shard = shard;
    batch.runs += 1;
    store.put_batch(&batch)?;
    let store_path = std::path::absolute(store.path()).unwrap_or_else(|_| store.path().to_path_buf());

    let walk_options = walk::Options { page_files: cfg.documents.page_files };
    // The entries of this run's shard (all of them without one).
    let walked =
        || walk::walk(&cfg.roots, &store_path, walk_options).filter(|e| cfg.shard.is_none_or(|s| s.owns(&e.source)));
    // A cheap first walk gives the progress bar its length.
    let total = walked().count() as u64;
    // The batch's size and what the site says it holds, for its progress
    // and its reconciliation.
    batch.entries = total;
    batch.expected_pages = cfg.expect_pages.or(batch.expected_pages);
    store.put_batch(&batch)?;
    for (name, pages) in &cfg.manifest {
        store.expect_box(batch.id, name, *pages)?;
    }
    log::info!(
        "batch {} (id {}, run {}): {total} entries to look at{}, {} jobs",
        batch.name,
        batch.id,
        batch.runs,
        cfg.shard.map(|s| format!(" in shard {s}")).unwrap_or_default(),
        cfg.jobs
    );
    let engines = EnginePool::new(cfg.ocr)?;
    let progress = Progress::start(total, cfg.quiet, cfg.progress_every, cfg.progress_to.clone());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs.max(1))
        .thread_name(|i| format!("chartmill-worker-{i}"))
        // Decoders recurse on nested PDF objects; a deep stack keeps a
        // hostile file from overflowing it (an overflow cannot be caught).
        .stack_size(WORKER_STACK_BYTES)
        .build()
        .map_err(|e| crate::Error::Config(format!("cannot start worker threads: {e}")))?;
    let ctx = Ctx {
        store,
        cfg,
        batch: &batch,
        engines: &engines,
        progress: &progress,
        tally: Tally::default(),
        has_patients: store.patient_count() > 0,
    };
    let _ = crate::report::write_snapshot(store);
    let last_snapshot = Mutex::new(Instant::now());
    let outcome: Result<()> = pool.install(|| {
        walked().par_bridge().try_for_each(|entry| {
            let source = entry.source.clone();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process_entry(&ctx, entry)))
                .unwrap_or_else(|_| {
                    // The file stays `pending` (or unregistered) and is retried by the next run.
                    ctx.progress.file_failed();
                    ctx.tally.failed.fetch_add(1, Ordering::Relaxed);
                    let why = InputError::Panic("processing the file".into());
                    ctx.tally.problem(&source, why.to_string());
                    Ok(())
                });
            ctx.progress.file_done();
            if let Ok(mut last) = last_snapshot.try_lock() {
                if last.elapsed() >= SNAPSHOT_EVERY {
                    *last = Instant::now();
                    // Only a convenience for `status`: a failure to write it is not the batch's.
                    let _ = crate::report::write_snapshot(store);
                    // Notes what is on disk, so a log damaged later cannot silently lose it.
                    if let Err(e) = store.checkpoint() {
                        log::warn!("checkpoint failed: {e}");
                    }
                }
            }
            r
        })
    });
    drop(pool);
    let t = ctx.tally;
    // Engines are dropped here, on this thread, before the process exits.
    drop(engines);
    progress.finish();
    let elapsed = started.elapsed();
    batch.busy_ms += elapsed.as_millis() as u64;
    batch.finished_at = Some(now());
    store.put_batch(&batch)?;
    store.checkpoint()?;
    let _ = crate::report::write_snapshot(store);
    log::info!("batch {}: run finished in {:.1} s", batch.name, elapsed.as_secs_f64());
    outcome?;
    Ok(RunSummary {
        batch: Some(batch),
        files_seen: t.seen.into_inner(),
        files_already: t.already.into_inner(),
        files_done: t.done.into_inner(),
        files_failed: t.failed.into_inner(),
        files_skipped: t.skipped.into_inner(),
        files_duplicate: t.duplicate.into_inner(),
        pages_stored: t.pages.into_inner(),
        pages_failed: t.pages_failed.into_inner(),
        pages_blank: t.pages_blank.into_inner(),
        elapsed,
        problems: t.problems.into_inner().unwrap_or_else(|p| p.into_inner()),
        problem_count: t.problem_count.into_inner(),
    })
}

/// The box of paper a file was scanned from: the first folder of its path
/// under the root the walk was given, if it is in one.
pub(crate) fn box_name(source: &str) -> Option<&str> {
    let (first, rest) = source.split_once('/')?;
    (!first.is_empty() && !rest.is_empty()).then_some(first)
}

fn new_record(ctx: &Ctx, entry: &Entry, size: u64, mtime: i64) -> Result<FileRecord> {
    use std::os::unix::ffi::OsStrExt;
    let box_scope = match box_name(&entry.source) {
        Some(name) => ctx.store.box_scope(ctx.batch.id, name)?,
        None => 0,
    };
    Ok(FileRecord {
        id: 0,
        batch: ctx.batch.id,
        path: entry.path.as_os_str().as_bytes().to_vec(),
        source: entry.source.clone(),
        size,
        mtime,
        sha256: None,
        format: None,
        status: FileStatus::Pending,
        pages: 0,
        error: None,
        duplicate_of: None,
        registered_at: now(),
        finished_at: None,
        members: Vec::new(),
        box_scope,
    })
}

/// Records a file that ends without pages (failed, skipped) in one step.
fn record_final(ctx: &Ctx, mut rec: FileRecord, status: FileStatus, error: String) -> Result<()> {
    log::debug!("file {}: {}: {error}", rec.source, crate::store::file_status_name(status));
    rec.status = status;
    rec.error = Some(error.clone());
    rec.finished_at = Some(now());
    ctx.store.register_file(rec.clone())?;
    let counter = if status == FileStatus::Skipped { &ctx.tally.skipped } else { &ctx.tally.failed };
    counter.fetch_add(1, Ordering::Relaxed);
    if status == FileStatus::Failed {
        ctx.progress.file_failed();
    }
    ctx.tally.problem(&rec.source, error);
    Ok(())
}

/// One walked entry, start to finish. Only store errors are returned; every
/// input problem is recorded against the file.
fn process_entry(ctx: &Ctx, entry: Entry) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let existing = ctx.store.file_at(entry.path.as_os_str().as_bytes())?;
    if let EntryKind::Sequence { members } = &entry.kind {
        // Page files an earlier run stored one by one (before sequences, or
        // with `page_files` off) go on one by one: no page is stored twice.
        if existing.is_none() && stored_one_by_one(ctx, members)? {
            for m in members {
                process_entry(ctx, member_entry(&entry, m))?;
            }
            return Ok(());
        }
    }
    ctx.tally.seen.fetch_add(1, Ordering::Relaxed);
    let (format, size, mtime) = match entry.kind {
        EntryKind::Problem(ref why) => {
            if existing.is_some() {
                ctx.tally.already.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            return record_final(ctx, new_record(ctx, &entry, 0, 0)?, FileStatus::Failed, why.clone());
        }
        EntryKind::Sequence { ref members } => return process_sequence(ctx, &entry, members, existing),
        EntryKind::File { format, size, mtime } => (format, size, mtime),
    };
    let unchanged = existing.as_ref().filter(|e| e.size == size && e.mtime == mtime);
    if let Some(e) = unchanged {
        if e.status != FileStatus::Pending {
            ctx.tally.already.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    }
    let Some(format) = format else {
        return record_final(
            ctx,
            new_record(ctx, &entry, size, mtime)?,
            FileStatus::Skipped,
            "unsupported file type".into(),
        );
    };
    let mut rec = new_record(ctx, &entry, size, mtime)?;
    rec.format = Some(format);
    if size > ctx.cfg.max_file_bytes {
        let err = InputError::FileTooLarge { size, limit: ctx.cfg.max_file_bytes };
        return record_final(ctx, rec, FileStatus::Failed, err.to_string());
    }
    let bytes = match read_whole(&entry.path, size, mtime) {
        Ok(b) => b,
        Err(err) => return record_final(ctx, rec, FileStatus::Failed, err.to_string()),
    };
    if bytes.is_empty() {
        // No hash: every empty file would otherwise be a "duplicate" of the first.
        return record_final(ctx, rec, FileStatus::Failed, InputError::Empty.to_string());
    }
    let sha = hex(&Sha256::digest(&bytes));
    let Some(rec) = register(ctx, rec, unchanged, sha)? else {
        return Ok(());
    };
    process_file(ctx, rec, &bytes)
}

/// Whether a page file of this sequence is in the store as a file of its own.
fn stored_one_by_one(ctx: &Ctx, members: &[walk::Member]) -> Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    for m in members {
        if ctx.store.file_at(m.path.as_os_str().as_bytes())?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A page file of `sequence` as an entry of its own.
fn member_entry(sequence: &Entry, m: &walk::Member) -> Entry {
    let folder = std::path::Path::new(&sequence.source).parent().unwrap_or(std::path::Path::new(""));
    Entry {
        path: m.path.clone(),
        source: folder.join(&m.name).to_string_lossy().into_owned(),
        kind: EntryKind::File { format: Some(m.format), size: m.size, mtime: m.mtime },
    }
}

/// The record to carry on with for content `sha`: the one a crash left half
/// done if its content is the same, else `rec` registered anew; `None` when
/// the content is already in the store under another path (a duplicate).
fn register(ctx: &Ctx, mut rec: FileRecord, unchanged: Option<&FileRecord>, sha: String) -> Result<Option<FileRecord>> {
    if let Some(e) = unchanged.filter(|e| e.sha256.as_deref() == Some(sha.as_str())) {
        return Ok(Some(e.clone()));
    }
    rec.sha256 = Some(sha);
    match ctx.store.register_file(rec)? {
        Registered::New(r) => Ok(Some(r)),
        Registered::Duplicate(_) => {
            ctx.tally.duplicate.fetch_add(1, Ordering::Relaxed);
            Ok(None)
        }
    }
}

/// Reads a file whole, checking it is the file the walk saw and that it did
/// not change while being read (a copy still in progress). A file that
/// changed is recorded as such; its size and time differ from the record,
/// so the next run reads it again.
fn read_whole(path: &std::path::Path, walked_size: u64, walked_mtime: i64) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::with_capacity(walked_size as usize);
    read_checked(path, walked_size, walked_mtime, |chunk| bytes.extend_from_slice(chunk))?;
    Ok(bytes)
}

/// Reads a file from start to end, handing each piece read to `sink`, with
/// the checks of [`read_whole`]. Returns how many bytes were read.
fn read_checked(
    path: &std::path::Path,
    walked_size: u64,
    walked_mtime: i64,
    mut sink: impl FnMut(&[u8]),
) -> Result<u64, InputError> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let unreadable = |e: std::io::Error| InputError::Unreadable(crate::error::io_reason(&e));
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let before = file.metadata().map_err(unreadable)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut read = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(e)),
        };
        sink(&buf[..n]);
        read += n as u64;
    }
    let after = file.metadata().map_err(unreadable)?;
    let stamp = |m: &std::fs::Metadata| (m.len(), m.mtime(), m.mtime_nsec());
    if before.len() != walked_size
        || before.mtime() != walked_mtime
        || stamp(&before) != stamp(&after)
        || read != after.len()
    {
        return Err(changed_while_read());
    }
    Ok(read)
}

fn process_file(ctx: &Ctx, mut rec: FileRecord, bytes: &[u8]) -> Result<()> {
    // The content decides, not the name: a JPEG saved as .png is read as a JPEG.
    if let Some(actual) = crate::model::Format::sniff(bytes) {
        if rec.format != Some(actual) {
            log::debug!("file {}: content is {}, not what its name says", rec.source, actual.name());
            rec.format = Some(actual);
        }
    }
    let format = rec.format.expect("registered files have a format");
    let opened = match decode::open(format, bytes, &ctx.cfg.limits) {
        Ok(o) => o,
        Err(e) => {
            rec.status = FileStatus::Failed;
            rec.error = Some(e.to_string());
            rec.finished_at = Some(now());
            ctx.store.update_file(&rec)?;
            ctx.tally.failed.fetch_add(1, Ordering::Relaxed);
            ctx.progress.file_failed();
            ctx.tally.problem(&rec.source, e.to_string());
            return Ok(());
        }
    };
    let count = opened.page_count();
    log::debug!("file {} (id {}): {}, {} bytes, {count} pages", rec.source, rec.id, format.name(), bytes.len());
    if rec.pages != count {
        rec.pages = count;
        ctx.store.update_file(&rec)?;
    }
    let stored = ctx.store.stored_pages(rec.id)?;
    let todo: Vec<u32> = (1..=count).filter(|p| !stored.contains(p)).collect();
    let source = Source { bytes, pages: count, kept: Mutex::new(None) };
    todo.into_par_iter().try_for_each(|n| {
        let page = contained_page(ctx, &rec, &opened, n, n);
        store_page(ctx, &rec, n, page, Some((&source, n)))
    })?;
    finish_file(ctx, rec)
}

/// One page file of a sequence, as its first reading found it.
struct Part {
    /// SHA-256 of its bytes.
    digest: Vec<u8>,
    /// Its pages (1 for a file that cannot be opened).
    pages: u32,
    /// Why it cannot be opened, its name first.
    error: Option<String>,
}

/// A folder's page files read as one file (see [`walk::page_sequences`]):
/// each read once, in order, for the hash of the whole and its page count;
/// then each page read from its own page file, one page file's bytes at a
/// time per worker; then documents cut over all of them. A page file that
/// cannot be opened is one failed page, its error naming the file.
fn process_sequence(ctx: &Ctx, entry: &Entry, members: &[walk::Member], existing: Option<FileRecord>) -> Result<()> {
    let size: u64 = members.iter().map(|m| m.size).sum();
    let mtime = members.iter().map(|m| m.mtime).max().unwrap_or(0);
    let same_files = |e: &FileRecord| e.members.iter().map(|m| &m.name).eq(members.iter().map(|m| &m.name));
    let unchanged = existing.as_ref().filter(|e| e.size == size && e.mtime == mtime && same_files(e));
    if let Some(e) = unchanged {
        if e.status != FileStatus::Pending {
            ctx.tally.already.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    }
    let mut rec = new_record(ctx, entry, size, mtime)?;
    rec.format = members.first().map(|m| m.format);
    rec.members = members.iter().map(|m| crate::model::PageFile { name: m.name.clone(), pages: 0 }).collect();
    if size == 0 {
        return record_final(ctx, rec, FileStatus::Failed, InputError::Empty.to_string());
    }
    let limit = ctx.cfg.max_file_bytes;
    let mut whole = Sha256::new();
    let mut parts = Vec::with_capacity(members.len());
    for m in members {
        let mut digest = Sha256::new();
        let mut bytes = (m.size <= limit).then(|| Vec::with_capacity(m.size as usize));
        let read = read_checked(&m.path, m.size, m.mtime, |chunk| {
            whole.update(chunk);
            digest.update(chunk);
            if let Some(b) = bytes.as_mut() {
                b.extend_from_slice(chunk);
            }
        });
        if let Err(err) = read {
            // Most likely a page file still being written: the next run reads the folder again.
            return record_final(ctx, rec, FileStatus::Failed, format!("{}: {err}", m.name));
        }
        if parts.is_empty() {
            // The file's format: its first page file's, by content as for any file.
            rec.format = bytes.as_deref().and_then(crate::model::Format::sniff).or(rec.format);
        }
        let opened = match &bytes {
            None => Err(InputError::FileTooLarge { size: m.size, limit }),
            Some(b) => open_page_file(b, m.format, &ctx.cfg.limits).map(|o| o.page_count()),
        };
        let (pages, error) = match opened {
            Ok(pages) => (pages, None),
            Err(e) => (1, Some(format!("{}: {e}", m.name))),
        };
        parts.push(Part { digest: digest.finalize().to_vec(), pages, error });
    }
    let sha = hex(&whole.finalize());
    let Some(mut rec) = register(ctx, rec, unchanged, sha)? else {
        return Ok(());
    };
    let count: u32 = parts.iter().map(|p| p.pages).sum();
    if rec.pages != count || rec.members.iter().zip(&parts).any(|(m, p)| m.pages != p.pages) {
        rec.pages = count;
        for (m, p) in rec.members.iter_mut().zip(&parts) {
            m.pages = p.pages;
        }
        ctx.store.update_file(&rec)?;
    }
    log::debug!("file {} (id {}): {} page files, {size} bytes, {count} pages", rec.source, rec.id, members.len());
    let stored = ctx.store.stored_pages(rec.id)?;
    let mut work = Vec::new();
    let mut first = 1;
    for (i, p) in parts.iter().enumerate() {
        let todo: Vec<u32> = (first..first + p.pages).filter(|n| !stored.contains(n)).collect();
        if !todo.is_empty() {
            work.push((i, first, todo));
        }
        first += p.pages;
    }
    let rec = rec;
    work.into_par_iter().try_for_each(|(i, first, todo)| {
        let (m, part) = (&members[i], &parts[i]);
        let fail_all = |why: String| {
            todo.iter().try_for_each(|&n| {
                let mut page = page_record(&rec, n);
                page.status = PageStatus::Failed;
                page.error = Some(why.clone());
                store_page(ctx, &rec, n, (page, Vec::new(), Keep::Nothing), None)
            })
        };
        if let Some(why) = &part.error {
            return fail_all(why.clone());
        }
        // Read again for its pages: it must be what was hashed.
        let bytes = match read_whole(&m.path, m.size, m.mtime) {
            Ok(b) if Sha256::digest(&b).as_slice() == part.digest.as_slice() => b,
            Ok(_) => return fail_all(format!("{}: {}", m.name, changed_while_read())),
            Err(e) => return fail_all(format!("{}: {e}", m.name)),
        };
        let opened = match open_page_file(&bytes, m.format, &ctx.cfg.limits) {
            Ok(o) => o,
            Err(e) => return fail_all(format!("{}: {e}", m.name)),
        };
        let source = Source { bytes: &bytes, pages: opened.page_count(), kept: Mutex::new(None) };
        todo.into_par_iter().try_for_each(|n| {
            let at = n - first + 1;
            let (mut page, words, keep) = contained_page(ctx, &rec, &opened, at, n);
            if let Some(e) = page.error.as_mut() {
                *e = format!("{}: {e}", m.name);
            }
            store_page(ctx, &rec, n, (page, words, keep), Some((&source, at)))
        })
    })?;
    finish_file(ctx, rec)
}

/// Why a file's bytes are not the bytes read a moment before.
fn changed_while_read() -> InputError {
    InputError::Unreadable(
        "the file changed while it was being read (still being copied?); the next run reads it again".into(),
    )
}

/// Opens a page file by its content (as [`process_file`] does a file),
/// else by its name.
fn open_page_file<'a>(
    bytes: &'a [u8],
    named: crate::model::Format,
    limits: &Limits,
) -> Result<decode::Opened<'a>, InputError> {
    decode::open(crate::model::Format::sniff(bytes).unwrap_or(named), bytes, limits)
}

/// The file a page was decoded from, for a page that keeps its page of the
/// source PDF (a text-layer page): its bytes, its pages, and its SHA-256
/// once stored (the PDF is stored once, whatever its pages).
struct Source<'a> {
    bytes: &'a [u8],
    pages: u32,
    kept: Mutex<Option<String>>,
}

/// Page `at` of `opened`, processed as page `n` of `file`; a panic is the
/// page's failure.
fn contained_page(
    ctx: &Ctx,
    file: &FileRecord,
    opened: &decode::Opened,
    at: u32,
    n: u32,
) -> (PageRecord, Vec<Word>, Keep) {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process_page(ctx, file, opened, at, n))).unwrap_or_else(
        |_| {
            let mut page = page_record(file, n);
            page.status = PageStatus::Failed;
            page.error = Some(InputError::Panic(format!("processing page {n}")).to_string());
            (page, Vec::new(), Keep::Nothing)
        },
    )
}

/// Stores page `n` of `rec` as processed: its image first (on disk,
/// synced, before the record naming it commits), then the record, counted.
/// `source`: the file it was decoded from, and its page there.
fn store_page(
    ctx: &Ctx,
    rec: &FileRecord,
    n: u32,
    (mut page, words, keep): (PageRecord, Vec<Word>, Keep),
    source: Option<(&Source, u32)>,
) -> Result<()> {
    let t = Instant::now();
    page.image = match (keep, source) {
        (Keep::Encoded(e), _) => Some(e.stored_as(ctx.store.put_image(&e.bytes)?)),
        (Keep::SourcePdf, Some((source, at))) => {
            let mut kept = source.kept.lock().unwrap_or_else(|p| p.into_inner());
            let sha = match kept.as_ref() {
                Some(sha) => sha.clone(),
                None => kept.insert(ctx.store.put_image(source.bytes)?).clone(),
            };
            // Each page counts its share of the file.
            Some(crate::model::StoredImage::pdf_page(sha, source.bytes.len() as u64 / source.pages.max(1) as u64, at))
        }
        (Keep::Nothing | Keep::SourcePdf, _) => None,
    };
    page.timings.image_ms += ms(t.elapsed());
    let page = classify_page(ctx.cfg, page);
    log_page(rec, &page);
    let failed = page.status == PageStatus::Failed;
    if ctx.store.put_page(&page, &words)? {
        ctx.tally.pages.fetch_add(1, Ordering::Relaxed);
        match page.status {
            PageStatus::Failed => {
                ctx.tally.pages_failed.fetch_add(1, Ordering::Relaxed);
                let why = page.error.clone().unwrap_or_default();
                ctx.tally.problem(&format!("{} page {n}", rec.source), why);
            }
            PageStatus::Blank => {
                ctx.tally.pages_blank.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
    ctx.progress.page_done(failed);
    Ok(())
}

/// Cuts a file whose pages are all stored into documents, and marks it done.
fn finish_file(ctx: &Ctx, mut rec: FileRecord) -> Result<()> {
    assemble_documents(ctx.store, ctx.cfg, &rec)?;
    log::debug!("file {} (id {}): done", rec.source, rec.id);
    rec.status = FileStatus::Done;
    rec.finished_at = Some(now());
    ctx.store.update_file(&rec)?;
    ctx.tally.done.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Gives a page with text its own classification (used to find document
/// boundaries) and recognises separator sheets.
pub(crate) fn classify_page(cfg: &IngestConfig, mut page: PageRecord) -> PageRecord {
    let barcode_separator = cfg.barcodes.meaning(&page.barcodes, &cfg.identifiers).is_separator();
    if page.status != PageStatus::Failed && barcode_separator {
        page.status = PageStatus::Separator;
        page.review_reasons.clear();
        return page;
    }
    if page.text.trim().is_empty() || matches!(page.status, PageStatus::Failed | PageStatus::Separator) {
        return page;
    }
    if crate::documents::is_separator(&page.text, &cfg.documents.separator_texts) {
        page.status = PageStatus::Separator;
        page.review_reasons.clear();
        return page;
    }
    let c = cfg.model.classify(&page.text);
    page.doc_type = Some(c.code);
    page.doc_type_confidence = Some(c.confidence);
    page
}

/// Splits a finished file's pages into documents, types each document from
/// all its pages, and records the review reasons that follow.
pub(crate) fn assemble_documents(store: &Store, cfg: &IngestConfig, file: &FileRecord) -> Result<()> {
    let mut pages = store.pages_of(file.id)?;
    let classes: Vec<Option<crate::classify::Classification>> = pages
        .iter()
        .map(|p| {
            p.doc_type.as_ref().map(|code| crate::classify::Classification {
                code: code.clone(),
                confidence: p.doc_type_confidence.unwrap_or(0.0),
                ranked: Vec::new(),
            })
        })
        .collect();
    let found: Vec<crate::extract::Extracted> = pages
        .iter()
        .map(|p| {
            let words = store.words(p.file_id, p.page)?;
            let mut found = crate::extract::extract_page(&p.text, &words, &cfg.identifiers);
            for s in p.rereads() {
                found.add_reading(&words, s, &cfg.identifiers, |m| crate::filing::index_says(&StoreIndex(store), m));
            }
            Ok(found)
        })
        .collect::<Result<_>>()?;
    // What the pages' barcodes mean: MRNs (and dates of birth) join what the text gave.
    let coded: Vec<crate::barcode::PageMeaning> =
        pages.iter().map(|p| cfg.barcodes.meaning(&p.barcodes, &cfg.identifiers)).collect();
    let found: Vec<crate::extract::Extracted> = found
        .into_iter()
        .zip(&coded)
        .map(|(mut f, c)| {
            c.add_to(&mut f);
            f
        })
        .collect();
    let views: Vec<crate::documents::PageView> = pages
        .iter()
        .zip(&classes)
        .zip(&found)
        .zip(&coded)
        .map(|(((p, c), f), b)| crate::documents::PageView {
            text: &p.text,
            class: c.as_ref(),
            separator: p.status == PageStatus::Separator,
            mrn: f.mrn.iter().find(|m| !m.corrected).map(|m| m.value.as_str()),
            barcode_type: b.page_type(),
        })
        .collect();
    let starts = crate::documents::boundaries(&views, cfg.documents.type_change_confidence);
    // Spans of page indices, separators left out.
    let mut spans: Vec<Vec<usize>> = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        if p.status == PageStatus::Separator {
            continue;
        }
        if starts[i] || spans.is_empty() {
            spans.push(Vec::new());
        }
        spans.last_mut().expect("a span was just pushed").push(i);
    }
    let mut docs = Vec::new();
    for (seq, span) in spans.iter().enumerate() {
        let seq = seq as u32 + 1;
        let texts: Vec<&str> = span.iter().map(|&i| pages[i].text.as_str()).filter(|t| !t.trim().is_empty()).collect();
        // A form's or a cover sheet's barcode types the document with
        // certainty; else a printed title; else the text's guess.
        let class =
            (!texts.is_empty()).then(|| crate::documents::typed_by_title(cfg.model.classify_pages(&texts), texts[0]));
        let by_barcode = crate::barcode::document_type(&coded, |i| pages[i].status == PageStatus::Separator, span);
        let class = by_barcode.classification().or(class);
        // Identifiers of every page; the filing decision for the document.
        let extracted: Vec<crate::extract::Extracted> = span.iter().map(|&i| found[i].clone()).collect();
        let evidence = crate::filing::Evidence {
            pages: extracted.clone(),
            texts: span.iter().map(|&i| pages[i].text.clone()).collect(),
            min_ocr_confidence: span.iter().filter_map(|&i| pages[i].ocr_confidence).reduce(f32::min),
        };
        let decision = crate::filing::decide(&evidence, &StoreIndex(store), &cfg.filing);
        // The patient and the type are two decisions: a certain patient
        // with an uncertain type is filed, its type left to the type check.
        let mut type_doubts = class.as_ref().map(|c| type_reasons(c, cfg.review_threshold)).unwrap_or_default();
        type_doubts.extend(by_barcode.doubt());
        let patient_certain = decision.patient.is_some() && decision.reasons.is_empty();
        let unverified = cfg.type_check && patient_certain && !type_doubts.is_empty();
        let mut reasons = decision.reasons.clone();
        if !unverified {
            reasons.extend(type_doubts);
        }
        let ranked: Vec<(String, f32)> = match &class {
            Some(c) if unverified => c.ranked.iter().take(3).cloned().collect(),
            _ => Vec::new(),
        };
        for (&i, found) in span.iter().zip(&extracted) {
            let p = &mut pages[i];
            p.document_seq = seq;
            p.identifiers = identifiers_for_export(found);
            if p.resolved_by.is_some() || matches!(p.status, PageStatus::Failed | PageStatus::Blank) {
                continue;
            }
            if let Some(c) = class.as_ref().filter(|_| p.doc_type_by.is_none()) {
                p.doc_type = Some(c.code.clone());
                p.doc_type_confidence = Some(c.confidence);
                p.type_from_barcode = by_barcode.classification().is_some();
            }
            p.candidates = decision.candidates.clone();
            match (&decision.patient, reasons.is_empty()) {
                (Some(patient), true) => {
                    p.status = PageStatus::Filed;
                    p.patient = Some(patient.into());
                    p.review_reasons.clear();
                    p.type_unverified = unverified && p.doc_type_by.is_none();
                    p.type_ranked = if p.type_unverified { ranked.clone() } else { Vec::new() };
                }
                _ => {
                    p.status = PageStatus::Review;
                    p.patient = None;
                    p.review_reasons = reasons.clone();
                    (p.type_unverified, p.type_ranked) = (false, Vec::new());
                }
            }
        }
        docs.push(crate::store::DocumentRecord {
            file_id: file.id,
            seq,
            first_page: pages[span[0]].page,
            last_page: pages[*span.last().expect("spans are not empty")].page,
            doc_type: class.map(|c| c.code),
        });
    }
    flag_several_patients(&mut pages, cfg.filing.review_files_with_several_patients);
    for (p, found) in pages.iter_mut().zip(&found) {
        if p.status == PageStatus::Filed && p.resolved_by.is_none() {
            add_confirmed(p, found);
        }
    }
    for d in &docs {
        let of_doc = pages.iter().filter(|p| (d.first_page..=d.last_page).contains(&p.page));
        let (filed, review) = of_doc.fold((0, 0), |(f, r), p| match p.status {
            PageStatus::Filed => (f + 1, r),
            PageStatus::Review => (f, r + 1),
            _ => (f, r),
        });
        log::debug!(
            "file {} (id {}): document {} pages {}-{}, type {}: {filed} pages filed, {review} in review",
            file.source,
            file.id,
            d.seq,
            d.first_page,
            d.last_page,
            d.doc_type.as_deref().unwrap_or("none")
        );
    }
    for p in pages.iter().filter(|p| p.status == PageStatus::Review) {
        // Review reasons are fixed phrases, never identifiers.
        log::trace!("page {}:{}: review: {}", file.id, p.page, p.review_reasons.join("; "));
    }
    // Ingest's first decision on each page, counted in its hour's figures
    // once (a file assembled again keeps its first decision's time).
    let decided = now();
    for p in pages.iter_mut().filter(|p| matches!(p.status, PageStatus::Filed | PageStatus::Review)) {
        p.decided_at.get_or_insert(decided);
    }
    store.update_pages(&pages, Some((file.id, &docs)))
}

/// A file whose pages name more than one patient (different MRNs) is where a
/// page can end up on the wrong side of a document boundary. With
/// `filing.review_files_with_several_patients` the whole file goes to review.
/// Otherwise (the default) two kinds of document go:
/// - a document holding a page that names no one and is not numbered as a
///   continuation ("Page 2 of 3"): it could belong to either patient;
/// - a document that starts a new patient without looking like a first page
///   (no separator sheet before it, no "Page 1 of N", no title with a
///   patient block; a signature ending the page before is not enough), and
///   the document before it: only the change of MRN split them,
///   so the pages may be one patient's record misfiled into another's.
pub const REASON_SEVERAL_PATIENTS: &str = "two patients in one file";

/// Whom a page names: the MRNs read on it, and the patient it was filed to
/// (who may have been found without an MRN label).
fn named_mrns(p: &PageRecord) -> Vec<&str> {
    p.identifiers.mrn.iter().map(String::as_str).chain(p.patient.as_ref().map(|x| x.mrn.as_str())).collect()
}

fn flag_several_patients(pages: &mut [PageRecord], whole_file: bool) {
    let mut mrns: Vec<&str> = pages.iter().flat_map(named_mrns).collect();
    mrns.sort_unstable();
    mrns.dedup();
    if mrns.len() < 2 {
        return;
    }
    let mut doubtful: Vec<u32> = Vec::new();
    // Per document, in file order: (seq, MRNs named, opened with evidence of its own).
    let mut documents: Vec<(u32, Vec<&str>, bool)> = Vec::new();
    let mut after_separator = true;
    for p in pages.iter() {
        if p.status == PageStatus::Separator {
            after_separator = true;
            continue;
        }
        if p.text.trim().is_empty() {
            continue;
        }
        let named = !named_mrns(p).is_empty() || !p.identifiers.name.is_empty();
        let numbered = crate::documents::page_of(&p.text).is_some_and(|(k, _)| k > 1);
        if (whole_file || (!named && !numbered)) && !doubtful.contains(&p.document_seq) {
            doubtful.push(p.document_seq);
        }
        if documents.last().is_none_or(|d| d.0 != p.document_seq) {
            let opened = after_separator || crate::documents::opens_document(&p.text, !p.identifiers.mrn.is_empty());
            documents.push((p.document_seq, Vec::new(), opened));
        }
        let doc = documents.last_mut().expect("a document was just pushed");
        doc.1.extend(named_mrns(p));
        after_separator = false;
    }
    for pair in documents.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let new_patient = !after.1.is_empty() && !before.1.is_empty() && !after.1.iter().any(|m| before.1.contains(m));
        if new_patient && !after.2 {
            for seq in [before.0, after.0] {
                if !doubtful.contains(&seq) {
                    doubtful.push(seq);
                }
            }
        }
    }
    for p in pages.iter_mut().filter(|p| {
        doubtful.contains(&p.document_seq)
            && p.resolved_by.is_none()
            && matches!(p.status, PageStatus::Filed | PageStatus::Review)
    }) {
        p.status = PageStatus::Review;
        p.patient = None;
        if !p.review_reasons.iter().any(|r| r.starts_with("two patients")) {
            p.review_reasons.insert(0, REASON_SEVERAL_PATIENTS.into());
        }
    }
}

/// Why a document goes to review as far as its type is concerned.
pub fn type_reasons(c: &crate::classify::Classification, threshold: f32) -> Vec<String> {
    if c.code == crate::taxonomy::OTHER {
        vec!["document type is other".into()]
    } else if c.confidence < threshold {
        let top: Vec<String> = c.ranked.iter().take(2).map(|(code, p)| format!("{code} {p:.2}")).collect();
        vec![format!("uncertain document type ({})", top.join(", "))]
    } else {
        Vec::new()
    }
}

/// The identifiers of a page as exported: the values read cleanly.
fn identifiers_for_export(e: &crate::extract::Extracted) -> crate::model::Identifiers {
    let clean_dates = |v: &[crate::extract::Found<crate::extract::Date>]| {
        v.iter().filter(|f| !f.corrected).map(|f| f.value.to_string()).collect()
    };
    crate::model::Identifiers {
        mrn: e.mrn.iter().filter(|m| !m.corrected).map(|m| m.value.clone()).collect(),
        birth_date: clean_dates(&e.birth_date),
        service_date: clean_dates(&e.service_date),
        name: e.name.iter().map(|n| format!("{}, {}", n.family, n.given)).collect(),
    }
}

/// A filed page's identifiers also show what it prints of its patient
/// without a label (see [`crate::filing::confirmed_on_page`]): after the
/// filing decision, never as its ground, and after the check for files of
/// several patients, which looks at what was read by label.
fn add_confirmed(p: &mut PageRecord, found: &crate::extract::Extracted) {
    let Some(patient) = &p.patient else { return };
    let c = crate::filing::confirmed_on_page(found, &p.text, patient);
    let ids = &mut p.identifiers;
    if c.mrn && !ids.mrn.contains(&patient.mrn) {
        ids.mrn.push(patient.mrn.clone());
    }
    if c.birth_date && !ids.birth_date.contains(&patient.birth_date) {
        ids.birth_date.push(patient.birth_date.clone());
    }
    if c.name {
        ids.name.push(format!("{}, {}", patient.family_name.to_uppercase(), patient.given_name.to_uppercase()));
    }
}

/// The store as the filing decision's patient index.
pub struct StoreIndex<'a>(pub &'a Store);

impl crate::filing::PatientIndex for StoreIndex<'_> {
    fn by_mrn(&self, mrn: &str) -> Option<crate::store::PatientRecord> {
        self.0.patient(mrn).ok().flatten()
    }
    fn born_on(&self, date: &str) -> Vec<crate::store::PatientRecord> {
        self.0.patients_born(date).unwrap_or_default()
    }
}

fn page_record(file: &FileRecord, n: u32) -> PageRecord {
    PageRecord { box_scope: file.box_scope, ..PageRecord::new(file.id, n, file.batch) }
}

fn ms(d: Duration) -> u32 {
    d.as_millis().min(u32::MAX as u128) as u32
}

/// One line per page at `-vv`: where it came from, how long each stage took,
/// what became of it. No text, no identifiers.
fn log_page(file: &FileRecord, p: &PageRecord) {
    if !log::log_enabled!(log::Level::Debug) {
        return;
    }
    let t = &p.timings;
    let outcome = match (&p.error, &p.doc_type) {
        (Some(e), _) => format!("failed: {e}"),
        (None, Some(code)) => format!("{} (type {code})", p.status.name()),
        (None, None) => p.status.name().to_string(),
    };
    log::debug!(
        "page {}:{} ({} {}): {}x{} at {} dpi{}; decode {} ms, ocr {} ms{}; {} chars; {outcome}",
        file.id,
        p.page,
        file.source,
        file.page_origin(p.page),
        p.width,
        p.height,
        p.dpi,
        match (p.x_height, p.ocr_scale) {
            (None, _) => String::new(),
            (Some(x), None) => format!(", x-height {x:.1} px, read as scanned"),
            (Some(x), Some(s)) => format!(", x-height {x:.1} px, read at {s:.2}x in {} ms", t.scale_ms),
        },
        t.decode_ms,
        t.ocr_ms,
        match p.rereads().count() {
            0 => String::new(),
            n => format!(", header read again {n}x {} ms", t.reread_ms),
        },
        p.text.chars().count()
    );
}

/// Reads the header band of the page `engine` just read again, in one look
/// of `ocr::REREAD_LOOKS` after another, while the readings so far still
/// miss or disagree (`extract::second_look`, then `extract::look_again`).
/// A failed reading leaves the readings before it as they are.
fn read_header_again(
    ctx: &Ctx,
    engine: &mut crate::ocr::Engine,
    out: &crate::ocr::OcrOutput,
    file_id: u64,
    n: u32,
) -> Vec<crate::model::SecondReading> {
    let index = |m: &str| match ctx.has_patients {
        true => crate::filing::index_says(&StoreIndex(ctx.store), m),
        false => crate::extract::IndexSays::Known(None),
    };
    let ids = &ctx.cfg.identifiers;
    let mut found = crate::extract::extract_page(&out.text, &out.words, ids);
    let mut rereads: Vec<crate::model::SecondReading> = Vec::new();
    for look in crate::ocr::REREAD_LOOKS {
        let Some((top, bottom)) = crate::extract::second_look(&found, &out.words, ids, index) else { break };
        let texts: Vec<&str> =
            std::iter::once(out.text.as_str()).chain(rereads.iter().map(|r| r.text.as_str())).collect();
        if !rereads.is_empty() && !crate::extract::look_again(&found, &texts, ids, index) {
            break;
        }
        match engine.reread(top, bottom, look) {
            Ok((text, words)) => {
                let reading = crate::model::SecondReading { top, bottom, text, words };
                found.add_reading(&out.words, &reading, ids, index);
                rereads.push(reading);
            }
            Err(e) => {
                log::debug!("page {file_id}:{n}: reading the header again ({look:?}) failed: {e}");
                break;
            }
        }
    }
    rereads
}

/// What the store keeps of a page's image.
enum Keep {
    Nothing,
    Encoded(crate::imaging::Encoded),
    /// The page of the source PDF itself (a text-layer page).
    SourcePdf,
}

/// Decodes, prepares and reads page `at` of `opened` as page `n` of `file`
/// (the same number but in a sequence of page files), and encodes the image
/// the store keeps of it. Never fails: a failure is a page with status
/// `Failed` and its reason.
fn process_page(
    ctx: &Ctx,
    file: &FileRecord,
    opened: &decode::Opened,
    at: u32,
    n: u32,
) -> (PageRecord, Vec<Word>, Keep) {
    let mut rec = page_record(file, n);
    let t0 = Instant::now();
    let raw = opened.page(at, &ctx.cfg.limits);
    rec.timings.decode_ms = ms(t0.elapsed());
    let fail = |mut rec: PageRecord, e: InputError, keep: Keep| {
        rec.status = PageStatus::Failed;
        rec.error = Some(e.to_string());
        (rec, Vec::new(), keep)
    };
    match raw {
        Err(e) => fail(rec, e, Keep::Nothing),
        Ok(RawPage::Text(text)) => {
            rec.text_source = TextSource::TextLayer;
            rec.text = text;
            rec.review_reasons.push(REASON_NO_PATIENT.into());
            (rec, Vec::new(), Keep::SourcePdf)
        }
        Ok(RawPage::Image(img)) => {
            // Encoded first: the source's bytes and colour are let go before OCR.
            let t = Instant::now();
            let mut img = img;
            let keep = Keep::Encoded(crate::imaging::for_storage(&mut img));
            rec.timings.image_ms = ms(t.elapsed());
            let t1 = Instant::now();
            let (w, h) = img.gray.dimensions();
            let (dpi, estimated) = crate::prepare::effective_dpi(img.dpi, w, h);
            (rec.width, rec.height, rec.dpi, rec.dpi_estimated) = (w, h, dpi, estimated);
            let blank = crate::prepare::is_blank(&img.gray);
            rec.timings.prepare_ms = ms(t1.elapsed());
            let t = Instant::now();
            rec.barcodes = crate::barcode::read(&img.gray, dpi);
            rec.timings.barcode_ms = ms(t.elapsed());
            if blank && rec.barcodes.is_empty() {
                rec.status = PageStatus::Blank;
                return (rec, Vec::new(), keep);
            }
            let reread = ctx.cfg.ocr.reread_header;
            let out = ctx.engines.with(|engine| {
                let out = engine.read(&img.gray, dpi)?;
                let t = Instant::now();
                let rereads = if reread { read_header_again(ctx, engine, &out, file.id, n) } else { Vec::new() };
                engine.release_page();
                Ok::<_, InputError>((out, rereads, ms(t.elapsed())))
            });
            match out {
                Ok(Ok((out, rereads, reread_ms))) => {
                    let mut rereads = rereads.into_iter();
                    rec.second_reading = rereads.next();
                    rec.more_readings = rereads.collect();
                    rec.timings.reread_ms = reread_ms;
                    // Little text and tall bars: a patch-code separator sheet.
                    let letters = out.text.chars().filter(|c| c.is_alphanumeric()).count();
                    if ctx.cfg.documents.patch_sheets
                        && letters < 40
                        && crate::prepare::looks_like_patch_sheet(&img.gray)
                    {
                        rec.status = PageStatus::Separator;
                        rec.text_source = TextSource::Ocr;
                        rec.text = out.text;
                        return (rec, out.words, keep);
                    }
                    rec.timings.scale_ms = out.scale_ms;
                    rec.x_height = out.x_height;
                    rec.ocr_scale = (out.scale != 1.0).then_some(out.scale);
                    rec.timings.deskew_ms = out.deskew_ms;
                    rec.timings.osd_ms = out.osd_ms;
                    rec.timings.ocr_ms = out.recognize_ms;
                    rec.text_source = TextSource::Ocr;
                    rec.text = out.text;
                    rec.ocr_confidence = Some(out.confidence);
                    rec.rotation = out.rotation;
                    rec.skew = out.skew;
                    rec.review_reasons.push(REASON_NO_PATIENT.into());
                    (rec, out.words, keep)
                }
                // The page could not be read, but its image is kept.
                Ok(Err(e)) => fail(rec, e, keep),
                Err(e) => fail(rec, InputError::Ocr(e), keep),
            }
        }
    }
}

/// Reads the images of `pages` of `file` again from its source file (for
/// `chartmill migrate`: stores of schema version 1 kept none) and stores
/// them. Returns how many were stored, and why the rest were not when the
/// source cannot give them (gone, changed, another page size).
pub fn reimage_file(
    store: &Store,
    file: &FileRecord,
    pages: &[&PageRecord],
    limits: &Limits,
) -> Result<(u64, Option<String>)> {
    use std::os::unix::ffi::OsStrExt;
    if !file.members.is_empty() {
        // Stores of schema version 1 hold no sequences of page files; a
        // sequence's path names no file to read.
        return Ok((0, Some("a folder of page files is not read again by migrate".into())));
    }
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&file.path));
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Ok((0, Some(format!("the source file cannot be read ({})", crate::error::io_reason(&e))))),
    };
    if file.sha256.as_deref() != Some(hex(&Sha256::digest(&bytes)).as_str()) {
        return Ok((0, Some("the source file has changed since it was ingested".into())));
    }
    let Some(format) = crate::model::Format::sniff(&bytes).or(file.format) else {
        return Ok((0, Some("the source file is of no format chartmill reads".into())));
    };
    let opened = match decode::open(format, &bytes, limits) {
        Ok(o) => o,
        Err(e) => return Ok((0, Some(format!("the source file cannot be opened again: {e}")))),
    };
    let (mut stored, mut problem, mut pdf_sha) = (0, None, None::<String>);
    for p in pages {
        let image = match opened.page(p.page, limits) {
            Ok(RawPage::Text(_)) => {
                // The source PDF is stored once, whatever its text-layer pages.
                let sha = match &pdf_sha {
                    Some(sha) => sha.clone(),
                    None => pdf_sha.insert(store.put_image(&bytes)?).clone(),
                };
                crate::model::StoredImage::pdf_page(sha, bytes.len() as u64 / file.pages.max(1) as u64, p.page)
            }
            Ok(RawPage::Image(mut img)) if img.gray.dimensions() == (p.width, p.height) || p.width == 0 => {
                let e = crate::imaging::for_storage(&mut img);
                e.stored_as(store.put_image(&e.bytes)?)
            }
            Ok(RawPage::Image(_)) => {
                problem = Some(format!("page {} decodes to another size than when it was read", p.page));
                continue;
            }
            Err(e) => {
                problem = Some(format!("page {} cannot be decoded again: {e}", p.page));
                continue;
            }
        };
        store.set_page_image(p.file_id, p.page, image)?;
        stored += 1;
    }
    Ok((stored, problem))
}

/// Runs `f` over `items` on `jobs` worker threads; the results come back in
/// the items' order. Export's PDFs use it, so rayon stays in this module.
pub fn in_parallel<T: Sync, R: Send>(jobs: usize, items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Result<Vec<R>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .thread_name(|i| format!("chartmill-export-{i}"))
        .build()
        .map_err(|e| crate::Error::Config(format!("cannot start worker threads: {e}")))?;
    Ok(pool.install(|| items.par_iter().map(f).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A filed page of document `seq` naming patient `mrn` (or no one).
    fn page(n: u32, seq: u32, mrn: Option<&str>, text: &str) -> PageRecord {
        let mut p = PageRecord::new(1, n, 1);
        p.status = PageStatus::Filed;
        p.document_seq = seq;
        p.text = text.into();
        if let Some(m) = mrn {
            p.identifiers.mrn = vec![m.into()];
            p.identifiers.name = vec!["FICTIONAL, PATIENT".into()];
        }
        p
    }

    /// Which pages the rule sends to review.
    fn reviewed(pages: &mut [PageRecord], whole_file: bool) -> Vec<bool> {
        flag_several_patients(pages, whole_file);
        pages.iter().map(|p| p.status == PageStatus::Review).collect()
    }

    #[test]
    fn two_patients_with_titled_documents_are_both_filed() {
        let mut pages = vec![
            page(1, 1, Some("11111111"), "DISCHARGE SUMMARY\nMRN: 11111111 DOB: 01/02/1960"),
            page(2, 1, Some("11111111"), "MRN: 11111111\nPage 2 of 2"),
            page(3, 2, Some("22222222"), "LABORATORY REPORT\nMRN: 22222222 DOB: 03/04/1970"),
        ];
        assert_eq!(reviewed(&mut pages, false), vec![false, false, false]);
    }

    #[test]
    fn a_patient_change_without_a_first_page_sends_both_documents_to_review() {
        let mut pages = vec![
            page(1, 1, Some("11111111"), "PROGRESS NOTE\nMRN: 11111111 DOB: 01/02/1960"),
            page(2, 2, Some("22222222"), "MRN: 22222222 DOB: 03/04/1970\nassessment and plan"),
            page(3, 3, Some("33333333"), "RADIOLOGY REPORT\nMRN: 33333333 DOB: 05/06/1980"),
        ];
        assert_eq!(reviewed(&mut pages, false), vec![true, true, false]);
        assert_eq!(pages[0].review_reasons, vec![REASON_SEVERAL_PATIENTS.to_string()]);
        assert!(pages[0].patient.is_none());
    }

    #[test]
    fn a_signed_page_before_is_no_evidence_of_a_new_patients_first_page() {
        let mut pages = vec![
            page(
                1,
                1,
                Some("11111111"),
                "PROGRESS NOTE\nMRN: 11111111\nplan as above\nElectronically signed by A. Doctor, MD",
            ),
            page(2, 2, Some("22222222"), "MRN: 22222222 DOB: 03/04/1970\nassessment and plan"),
        ];
        assert_eq!(reviewed(&mut pages, false), vec![true, true]);
    }

    #[test]
    fn a_separator_sheet_is_evidence_of_a_new_document() {
        let mut sep = page(2, 0, None, "DOCUMENT SEPARATOR");
        sep.status = PageStatus::Separator;
        let mut pages = vec![
            page(1, 1, Some("11111111"), "PROGRESS NOTE\nMRN: 11111111"),
            sep,
            page(3, 2, Some("22222222"), "MRN: 22222222\nassessment and plan"),
        ];
        assert_eq!(reviewed(&mut pages, false), vec![false, false, false]);
    }

    #[test]
    fn an_unnamed_unnumbered_page_in_a_two_patient_file_goes_to_review() {
        let mut pages = vec![
            page(1, 1, Some("11111111"), "OPERATIVE REPORT\nMRN: 11111111"),
            page(2, 1, None, "the wound was closed in layers"),
            page(3, 2, Some("22222222"), "CONSENT FOR PROCEDURE\nMRN: 22222222 DOB: 03/04/1970"),
        ];
        assert_eq!(reviewed(&mut pages, false), vec![true, true, false]);
        let mut whole = pages.clone();
        for p in &mut whole {
            p.status = PageStatus::Filed;
        }
        assert_eq!(reviewed(&mut whole, true), vec![true, true, true]);
    }

    #[test]
    fn one_patient_is_left_alone() {
        let mut pages =
            vec![page(1, 1, Some("11111111"), "note"), page(2, 2, Some("11111111"), "another note without title")];
        assert_eq!(reviewed(&mut pages, false), vec![false, false]);
    }
}

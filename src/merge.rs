//! `chartmill merge`: shard stores brought into one store.
//!
//! Each task of a job array ingests its share of the archive
//! (`ingest --shard I/N`, [`crate::shard`]) into a store of its own; the
//! merge brings every shard's files, pages, page images, words and audit
//! entries into the target, file by file, through the same `Store` methods
//! ingest uses, so counters move in the same transactions as the records:
//!
//! - a file gets a new id here (its path and content hash are looked up
//!   here first: a file already here is left alone, content another shard
//!   brought is recorded as a duplicate of it);
//! - its pages are copied (images by content, typed page by page again with
//!   the model), then cut into documents and filed by ingest's own code
//!   (`pipeline::assemble_documents`) against *this* store's
//!   patient index: shards ingested without an index are filed here. A file
//!   is whole in one shard, so no document spans two;
//! - the shard's audit entries are appended with their origin
//!   (`STORE_ID:SEQ`).
//!
//! Resumable and idempotent: a file half copied by a killed merge is taken
//! up at its first missing page; a shard is marked merged (with its
//! batches' figures added, in the same transaction) only once every file
//! is here, and a merged shard is skipped.

use crate::error::{Error, Result};
use crate::model::{now, BatchRecord, FileRecord, FileStatus};
use crate::pipeline::IngestConfig;
use crate::store::{AuditEntry, Registered, ShardMerge, Store};
use std::collections::{BTreeMap, HashMap};

/// Audit entries copied per transaction.
const AUDIT_RUN: usize = 1000;

/// What merging one shard store did in this run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ShardOutcome {
    pub store_id: String,
    /// The shard's shares (`I/N`) as its ingest recorded them.
    pub shards: Vec<String>,
    /// Merged by an earlier run: nothing was done.
    pub already: bool,
    /// Files registered here in this run; of them, content already here.
    pub files: u64,
    pub duplicates: u64,
    /// Files found here already (an earlier, cut-short merge).
    pub files_already: u64,
    pub pages: u64,
    pub audit_entries: u64,
    /// Files the shard has not finished reading (its ingest was cut short):
    /// not merged, and the shard is not marked merged until they are.
    pub pending: u64,
    /// Files that could not be copied (file id in the shard, why).
    pub problems: Vec<(u64, String)>,
    /// Every file of the shard is here.
    pub complete: bool,
}

/// Merges the shard store `shard` into `target`, filing with `cfg`'s
/// model, filing rules and barcode rules against `target`'s patient index.
pub fn merge_shard(target: &Store, shard: &Store, cfg: &IngestConfig) -> Result<ShardOutcome> {
    let store_id = shard.store_id()?;
    if store_id == target.store_id()? {
        return Err(Error::Config("a store cannot be merged into itself".into()));
    }
    let mut mark = target
        .shard_merge(&store_id)?
        .unwrap_or_else(|| ShardMerge { store_id: store_id.clone(), ..Default::default() });
    let batches = shard.batches()?;
    let mut shards: Vec<String> = batches.iter().filter_map(|b| b.shard.clone()).collect();
    shards.sort();
    shards.dedup();
    let mut out = ShardOutcome { store_id: store_id.clone(), shards: shards.clone(), ..Default::default() };
    if mark.done_at.is_some() {
        out.already = true;
        out.complete = true;
        return Ok(out);
    }
    mark.shards = shards;

    // The shard's batches here (by name), and their boxes' expected pages.
    let mut batch_here: HashMap<u64, u64> = HashMap::new();
    for b in &batches {
        let here = target.batch_named(&b.name, &b.roots)?;
        for bx in shard.boxes(b.id)? {
            if let Some(pages) = bx.expected_pages {
                target.expect_box(here.id, &bx.name, pages)?;
            }
        }
        batch_here.insert(b.id, here.id);
    }

    for file in shard.files() {
        let file = file?;
        if file.status == FileStatus::Pending {
            out.pending += 1;
            continue;
        }
        let Some(&batch) = batch_here.get(&file.batch) else {
            out.problems.push((file.id, format!("its batch id {} is not in the shard store", file.batch)));
            continue;
        };
        match merge_file(target, shard, cfg, &file, batch, &mut out) {
            Ok(()) => {}
            // A damaged image or record of the shard's is this file's
            // problem; the shard stays unmerged until it is mended.
            Err(e @ (Error::ImageDamaged { .. } | Error::StoreDamaged { .. })) => {
                out.problems.push((file.id, e.to_string()));
            }
            Err(e) => return Err(e),
        }
    }

    // The shard's audit trail, after what an earlier run copied.
    loop {
        let run: Vec<AuditEntry> = shard.audit_entries_after(mark.audit_upto).take(AUDIT_RUN).collect::<Result<_>>()?;
        let Some(last) = run.last().map(|e| e.seq) else {
            break;
        };
        let copies: Vec<AuditEntry> = run
            .into_iter()
            .map(|e| AuditEntry {
                origin: format!("{store_id}:{}", e.seq),
                seq: 0,
                prev: String::new(),
                hash: String::new(),
                ..e
            })
            .collect();
        out.audit_entries += copies.len() as u64;
        mark.audit_upto = last;
        target.copy_shard_audit(&mark, copies)?;
    }

    out.complete = out.pending == 0 && out.problems.is_empty();
    if out.complete {
        // The batches' figures: the shard's runs, time and entries added.
        let mut merged: BTreeMap<u64, BatchRecord> = BTreeMap::new();
        for b in &batches {
            let id = batch_here[&b.id];
            let here = match merged.remove(&id) {
                Some(h) => h,
                None => target
                    .batch(id)?
                    .ok_or_else(|| Error::Config(format!("batch id {id} vanished during the merge")))?,
            };
            merged.insert(id, add_batch(here, b));
        }
        let counters = shard.counters(0)?;
        mark.files = counters.get(crate::store::counter::FILES_FOUND).copied().unwrap_or(0);
        mark.pages = counters.get(crate::store::counter::PAGES).copied().unwrap_or(0);
        mark.duplicates += out.duplicates;
        mark.done_at = Some(now());
        let entry = AuditEntry {
            at: now(),
            user: crate::review::user(None),
            action: "merge".into(),
            target: format!("store {store_id}"),
            after: serde_json::json!({
                "shards": mark.shards, "files": mark.files, "pages": mark.pages,
                "duplicates_of_other_shards": mark.duplicates,
            }),
            ..Default::default()
        };
        let batches: Vec<BatchRecord> = merged.into_values().collect();
        target.finish_shard_merge(&mark, &batches, entry)?;
    }
    Ok(out)
}

/// A batch here with a shard's share of it added.
fn add_batch(mut here: BatchRecord, shard: &BatchRecord) -> BatchRecord {
    here.entries += shard.entries;
    here.busy_ms += shard.busy_ms;
    here.runs += shard.runs;
    here.started_at = here.started_at.min(shard.started_at);
    here.finished_at = here.finished_at.max(shard.finished_at);
    here.expected_pages = here.expected_pages.or(shard.expected_pages);
    here
}

/// One file of the shard: registered here (or found from a cut-short run),
/// its pages copied, its documents cut and filed.
fn merge_file(
    target: &Store,
    shard: &Store,
    cfg: &IngestConfig,
    file: &FileRecord,
    batch: u64,
    out: &mut ShardOutcome,
) -> Result<()> {
    let with_pages = matches!(file.status, FileStatus::Done | FileStatus::Duplicate);
    let here = match target.file_at(&file.path)? {
        Some(h) if h.status != FileStatus::Pending => {
            out.files_already += 1;
            return Ok(());
        }
        Some(h) => h,
        None => {
            let box_scope = match crate::pipeline::box_name(&file.source) {
                Some(name) => target.box_scope(batch, name)?,
                None => 0,
            };
            let mut rec = FileRecord { id: 0, batch, box_scope, duplicate_of: None, ..file.clone() };
            if with_pages {
                // Done once its pages are here and filed.
                rec.status = FileStatus::Pending;
                rec.finished_at = None;
            }
            out.files += 1;
            match target.register_file(rec)? {
                Registered::Duplicate(_) => {
                    out.duplicates += 1;
                    return Ok(());
                }
                Registered::New(r) if with_pages => r,
                Registered::New(_) => return Ok(()),
            }
        }
    };
    // A duplicate in the shard whose original is not here: its pages are
    // the original's there.
    let from = file.duplicate_of.unwrap_or(file.id);
    let have = target.stored_pages(here.id)?;
    let mut images: HashMap<String, String> = HashMap::new();
    for page in shard.pages_of(from)? {
        if have.contains(&page.page) {
            continue;
        }
        let words = shard.words(from, page.page)?;
        let mut page =
            crate::model::PageRecord { file_id: here.id, batch: here.batch, box_scope: here.box_scope, ..page };
        if let Some(image) = &mut page.image {
            let sha = match images.get(&image.sha256) {
                Some(sha) => sha.clone(),
                None => {
                    let sha = target.put_image(&shard.image(image)?)?;
                    images.insert(image.sha256.clone(), sha.clone());
                    sha
                }
            };
            image.sha256 = sha;
        }
        // Typed alone again, as ingest types a page before cutting
        // documents (a type a technician set stays).
        let page = if page.doc_type_by.is_none() { crate::pipeline::classify_page(cfg, page) } else { page };
        if target.put_page(&page, &words)? {
            out.pages += 1;
        }
    }
    crate::pipeline::assemble_documents(target, cfg, &here)?;
    let done = FileRecord {
        status: FileStatus::Done,
        finished_at: file.finished_at.or(Some(now())),
        error: file.error.clone(),
        ..here
    };
    target.update_file(&done)
}

/// `chartmill merge SHARD... --into STORE`: each shard in turn; a shard
/// that cannot be opened or merged is reported and the others go on.
pub fn run(
    con: &mut crate::console::Console,
    site: &crate::config::SiteConfig,
    store_path: &std::path::Path,
    shards: &[std::path::PathBuf],
    json: bool,
) -> Result<u8> {
    use crate::console::{errln, outln};
    let target = con.store(store_path, crate::console::Open::Create)?;
    let model = crate::commands::load_model(site, None)?;
    let cfg = IngestConfig::for_site(site, model, Vec::new(), String::new(), Some(1));
    let keys = con.keys()?;
    let mut failed = false;
    let mut outcomes = Vec::new();
    let here = std::fs::canonicalize(store_path).ok();
    for path in shards {
        if here.is_some() && std::fs::canonicalize(path).ok() == here {
            failed = true;
            errln!(con, "shard {}: a store cannot be merged into itself", path.display());
            continue;
        }
        let merged = Store::open_existing_keyed(path, &keys).and_then(|shard| merge_shard(&target, &shard, &cfg));
        match merged {
            Ok(o) => {
                failed |= !o.complete;
                if !json {
                    outln!(con, "{}", describe(&path.display().to_string(), &o));
                    for (id, why) in &o.problems {
                        errln!(con, "  file id {id} of the shard: {why}");
                    }
                }
                outcomes.push(serde_json::json!({"shard": path.display().to_string(), "outcome": o}));
            }
            Err(e) => {
                failed = true;
                errln!(con, "shard {}: {e}", path.display());
                outcomes.push(serde_json::json!({"shard": path.display().to_string(), "error": e.to_string()}));
            }
        }
    }
    target.checkpoint()?;
    let _ = crate::report::write_snapshot(&target);
    if json {
        outln!(con, "{}", serde_json::to_string_pretty(&outcomes).unwrap_or_default());
    }
    Ok(if failed { crate::config::exit::DONE_WITH_FAILURES } else { crate::config::exit::OK })
}

/// One line on a shard's merge.
fn describe(path: &str, o: &ShardOutcome) -> String {
    let share = if o.shards.is_empty() { String::new() } else { format!(" (shard {})", o.shards.join(", ")) };
    if o.already {
        return format!("{path}{share}: merged before, nothing to do");
    }
    let mut line = format!(
        "{path}{share}: {} files, {} pages, {} audit entries merged",
        o.files - o.duplicates,
        o.pages,
        o.audit_entries
    );
    if o.duplicates > 0 {
        line += &format!("; {} files whose content is here already, recorded as duplicates", o.duplicates);
    }
    if o.files_already > 0 {
        line += &format!("; {} files here from an earlier run", o.files_already);
    }
    if o.pending > 0 {
        line += &format!(
            "; {} files the shard has not finished reading: run its ingest again, then merge again",
            o.pending
        );
    }
    if !o.problems.is_empty() {
        line += &format!("; {} files could not be merged (below)", o.problems.len());
    }
    if !o.complete {
        line += "; not complete";
    }
    line
}

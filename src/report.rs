//! What administrators read: `status` (from the maintained counters, never
//! a scan of pages), its snapshot for other processes, and `reconcile`.

use crate::error::{Error, Result};
use crate::model::{FileRecord, FileStatus};
use crate::store::{self, Store};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Status of one batch or of the whole store.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Status {
    /// Batch name, or `"total"`.
    pub name: String,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub runs: Option<u32>,
    /// The share of the folders a shard store's batch holds (`I/N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub files: BTreeMap<String, u64>,
    pub pages: BTreeMap<String, u64>,
    pub doc_types: BTreeMap<String, u64>,
    /// Pages in review per reason.
    #[serde(default)]
    pub review_reasons: BTreeMap<String, u64>,
    /// Pages stored per second of ingest time (batches only).
    pub pages_per_second: Option<f64>,
    pub busy_seconds: Option<f64>,
    /// Pages the source files hold.
    #[serde(default)]
    pub source_pages: u64,
    /// Pages with a stored image, and the bytes of those images.
    #[serde(default)]
    pub image_pages: u64,
    #[serde(default)]
    pub image_bytes: u64,
    /// Per export kind: documents and pages standing exported.
    #[serde(default)]
    pub exported: BTreeMap<String, BTreeMap<String, u64>>,
    /// Documents in the review queue.
    #[serde(default)]
    pub documents_in_review: u64,
}

pub(crate) fn status_of(
    name: String,
    counters: BTreeMap<String, u64>,
    batch: Option<&crate::model::BatchRecord>,
) -> Status {
    let get = |k: &str| counters.get(k).copied().unwrap_or(0);
    let mut files = BTreeMap::new();
    files.insert("found".to_string(), get(store::counter::FILES_FOUND));
    for s in [FileStatus::Pending, FileStatus::Done, FileStatus::Failed, FileStatus::Skipped, FileStatus::Duplicate] {
        files.insert(store::file_status_name(s).to_string(), get(&store::counter::files(s)));
    }
    let mut pages = BTreeMap::new();
    let total = get(store::counter::PAGES);
    pages.insert("total".to_string(), total);
    use crate::model::PageStatus::*;
    for s in [Filed, Review, Failed, Blank, Separator, Rejected] {
        pages.insert(s.name().to_string(), get(&store::counter::pages(s)));
    }
    pages.insert("done".to_string(), total - get(&store::counter::pages(Failed)));
    pages.insert("ocr".to_string(), get(store::counter::PAGES_OCR));
    pages.insert("text_layer".to_string(), get(store::counter::PAGES_TEXT_LAYER));
    let doc_types = counters
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("doc_type:").map(|t| (t.to_string(), *v)))
        .filter(|(_, v)| *v > 0)
        .collect();
    let review_reasons = counters
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("reason:").map(|t| (t.to_string(), *v)))
        .filter(|(_, v)| *v > 0)
        .collect();
    let busy = batch.map(|b| b.busy_ms as f64 / 1000.0);
    let mut exported: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (k, v) in &counters {
        for (prefix, what) in [("exported_documents:", "documents"), ("exported_pages:", "pages")] {
            if let Some(kind) = k.strip_prefix(prefix) {
                exported.entry(kind.to_string()).or_default().insert(what.to_string(), *v);
            }
        }
    }
    Status {
        name,
        started_at: batch.map(|b| b.started_at),
        finished_at: batch.and_then(|b| b.finished_at),
        runs: batch.map(|b| b.runs),
        shard: batch.and_then(|b| b.shard.clone()),
        files,
        pages,
        doc_types,
        review_reasons,
        pages_per_second: busy.filter(|s| *s > 0.0).map(|s| total as f64 / s),
        busy_seconds: busy,
        source_pages: get(store::counter::SOURCE_PAGES),
        image_pages: get(store::counter::PAGES_IMAGED),
        image_bytes: get(store::counter::IMAGE_BYTES),
        exported,
        documents_in_review: get(store::counter::QUEUE_DOCUMENTS),
    }
}

/// Status per batch, then the total.
pub fn status(store: &Store) -> Result<Vec<Status>> {
    let mut out = Vec::new();
    for b in store.batches()? {
        out.push(status_of(b.name.clone(), store.counters(b.id)?, Some(&b)));
    }
    out.push(status_of("total".into(), store.counters(0)?, None));
    Ok(out)
}

fn time(t: Option<i64>) -> String {
    match t {
        Some(t) => format_utc(t),
        None => "-".into(),
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` from Unix seconds.
pub fn format_utc(t: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(t);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} UTC")
}

/// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, FHIR's instant) from Unix seconds.
pub fn rfc3339(t: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(t);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// Year, month, day, hour, minute, second (UTC) from Unix seconds
/// (civil-from-days, no time crate).
fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Writes the status snapshot that `status` shows while an ingest holds the
/// store. Atomic (write, then rename). Counts only: no PHI.
pub fn write_snapshot(store: &Store) -> Result<()> {
    let all = status(store)?;
    let v = serde_json::json!({"written_at": crate::model::now(), "batches": all});
    let path = Store::snapshot_path(store.path());
    let tmp = path.with_extension("tmp");
    let io = |e| Error::Io { path: path.clone(), source: e };
    std::fs::write(&tmp, serde_json::to_vec_pretty(&v).unwrap_or_default()).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)
}

/// Reads the snapshot a running ingest left, as (written_at, statuses).
pub fn read_snapshot(store: &std::path::Path) -> Option<(i64, Vec<Value>)> {
    let bytes = std::fs::read(Store::snapshot_path(store)).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    Some((v["written_at"].as_i64()?, v["batches"].as_array()?.clone()))
}

/// The status as text for people.
pub fn render_status(all: &[Status]) -> String {
    let mut s = String::new();
    for st in all {
        let f = |k: &str| st.files.get(k).copied().unwrap_or(0);
        let p = |k: &str| st.pages.get(k).copied().unwrap_or(0);
        if st.name == "total" {
            s.push_str("total\n");
        } else {
            s.push_str(&format!(
                "batch {}{}  (started {}, last finished {}, {} run(s))\n",
                st.name,
                st.shard.as_ref().map(|sh| format!(", shard {sh}")).unwrap_or_default(),
                time(st.started_at),
                time(st.finished_at),
                st.runs.unwrap_or(0)
            ));
        }
        s.push_str(&format!(
            "  files  found {}  done {}  failed {}  skipped {}  duplicate {}  in progress {}\n",
            f("found"),
            f("done"),
            f("failed"),
            f("skipped"),
            f("duplicate"),
            f("pending")
        ));
        s.push_str(&format!(
            "  pages  done {}  failed {}  (review {}, filed {}, rejected {}, blank {}; ocr {}, text layer {})\n",
            p("done"),
            p("failed"),
            p("review"),
            p("filed"),
            p("rejected"),
            p("blank"),
            p("ocr"),
            p("text_layer")
        ));
        if st.source_pages > 0 || st.image_pages > 0 {
            let per_page = st.image_bytes.checked_div(st.image_pages).unwrap_or(0);
            s.push_str(&format!(
                "  source pages {}; page images {} ({}, {} a page)\n",
                st.source_pages,
                st.image_pages,
                human_bytes(st.image_bytes),
                human_bytes(per_page)
            ));
        }
        for (kind, n) in &st.exported {
            let g = |k: &str| n.get(k).copied().unwrap_or(0);
            s.push_str(&format!("  exported {kind}  {} documents, {} pages\n", g("documents"), g("pages")));
        }
        if !st.doc_types.is_empty() {
            let types: Vec<String> = st.doc_types.iter().map(|(k, v)| format!("{k} {v}")).collect();
            s.push_str(&format!("  types  {}\n", types.join("  ")));
        }
        if !st.review_reasons.is_empty() {
            s.push_str(&format!("  review reasons (pages; {} documents in review)\n", st.documents_in_review));
            let mut reasons: Vec<_> = st.review_reasons.iter().collect();
            reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (k, v) in reasons {
                s.push_str(&format!("    {v:>8}  {k}\n"));
            }
        }
        if let (Some(rate), Some(busy)) = (st.pages_per_second, st.busy_seconds) {
            s.push_str(&format!("  speed  {rate:.2} pages/s over {busy:.1} s of ingest\n"));
        }
    }
    s
}

/// `1.2 MB`, `340 KB`, `12 B`.
pub fn human_bytes(n: u64) -> String {
    match n {
        0..=9_999 => format!("{n} B"),
        10_000..=9_999_999 => format!("{} KB", n / 1000),
        10_000_000..=9_999_999_999 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// How one source file's pages add up.
#[derive(Debug, Clone, Serialize)]
pub struct FileReconciliation {
    pub source: String,
    pub batch: String,
    pub status: String,
    /// Pages the file holds (0 when it could not be opened).
    pub pages_in_source: u32,
    /// Page records by status.
    pub stored: BTreeMap<String, u64>,
    /// Why its pages do not add up, or which pages are missing from the record.
    pub problems: Vec<String>,
}

/// Every source file checked against the pages stored of it.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    pub files_checked: u64,
    pub source_pages: u64,
    /// Page records by status, over the files checked.
    pub stored: BTreeMap<String, u64>,
    pub files_not_adding_up: u64,
    /// The files that do not add up.
    pub files: Vec<FileReconciliation>,
}

/// Checks every file of the store (or of one batch): a file adds up when
/// it was read, every page of it has a record, no page failed, and no
/// document's pages are filed to different patients. Files
/// skipped (not a chart format) and duplicates (their pages are their
/// original's) are counted, not listed.
pub fn reconcile(store: &Store, batch: Option<u64>) -> Result<Reconciliation> {
    let names: BTreeMap<u64, String> = store.batches()?.into_iter().map(|b| (b.id, b.name)).collect();
    let mut r = Reconciliation {
        files_checked: 0,
        source_pages: 0,
        stored: BTreeMap::new(),
        files_not_adding_up: 0,
        files: Vec::new(),
    };
    for file in store.files() {
        let file = file?;
        if batch.is_some_and(|b| b != file.batch) {
            continue;
        }
        r.files_checked += 1;
        r.source_pages += file.pages as u64;
        if matches!(file.status, FileStatus::Skipped | FileStatus::Duplicate) {
            continue;
        }
        let pages = store.pages_of(file.id)?;
        let mut stored: BTreeMap<String, u64> = BTreeMap::new();
        for p in &pages {
            *stored.entry(p.status.name().to_string()).or_default() += 1;
            *r.stored.entry(p.status.name().to_string()).or_default() += 1;
        }
        let mut problems = Vec::new();
        match file.status {
            FileStatus::Failed => {
                problems.push(format!("could not be read: {}", file.error.as_deref().unwrap_or("unknown reason")))
            }
            FileStatus::Pending => problems.push(format!(
                "ingest has not finished it: {} of {} pages stored (run the ingest again)",
                pages.len(),
                file.pages
            )),
            _ => {
                let have: std::collections::BTreeSet<u32> = pages.iter().map(|p| p.page).collect();
                let missing: Vec<String> =
                    (1..=file.pages).filter(|n| !have.contains(n)).map(|n| n.to_string()).collect();
                if !missing.is_empty() {
                    problems.push(format!("pages without a record: {}", missing.join(", ")));
                }
            }
        }
        for p in pages.iter().filter(|p| p.status == crate::model::PageStatus::Failed) {
            problems.push(format!("page {} could not be read: {}", p.page, p.error.as_deref().unwrap_or("")));
        }
        // A document whose pages were filed one by one to different patients
        // is no one's document: it is not exported until it is cut apart or
        // filed again.
        let mut filed_to: BTreeMap<u32, std::collections::BTreeSet<&str>> = BTreeMap::new();
        for p in pages.iter().filter(|p| p.status == crate::model::PageStatus::Filed) {
            if let Some(patient) = &p.patient {
                filed_to.entry(p.document_seq).or_default().insert(patient.mrn.as_str());
            }
        }
        for (seq, mrns) in filed_to.iter().filter(|(_, m)| m.len() > 1) {
            problems.push(format!(
                "document {}-{seq}: its pages are filed to {} patients (split it, or file it again); not exported",
                file.id,
                mrns.len()
            ));
        }
        if !problems.is_empty() {
            r.files_not_adding_up += 1;
            r.files.push(FileReconciliation {
                source: file.source.clone(),
                batch: names.get(&file.batch).cloned().unwrap_or_default(),
                status: store::file_status_name(file.status).into(),
                pages_in_source: file.pages,
                stored,
                problems,
            });
        }
    }
    Ok(r)
}

/// The reconciliation for people: one block per file that does not add up,
/// then the totals.
pub fn render_reconciliation(r: &Reconciliation) -> String {
    let mut s = String::new();
    for f in &r.files {
        let stored: Vec<String> = f.stored.iter().map(|(k, v)| format!("{k} {v}")).collect();
        s.push_str(&format!(
            "{}  (batch {}, {} pages in the file; stored: {})\n",
            f.source,
            f.batch,
            f.pages_in_source,
            if stored.is_empty() { "none".to_string() } else { stored.join(", ") }
        ));
        for p in &f.problems {
            s.push_str(&format!("  {p}\n"));
        }
    }
    let stored: Vec<String> = r.stored.iter().map(|(k, v)| format!("{k} {v}")).collect();
    s.push_str(&format!(
        "{} files checked, {} pages in them; stored: {}; {} files do not add up\n",
        r.files_checked,
        r.source_pages,
        stored.join(", "),
        r.files_not_adding_up
    ));
    s
}

/// Files with a given status (failed, skipped, duplicate, ...), for listing.
pub fn files_with_status(store: &Store, status: FileStatus) -> Result<Vec<FileRecord>> {
    store.files().filter(|f| f.as_ref().map(|f| f.status == status).unwrap_or(true)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::format_utc(1_795_000_000), "2026-11-18 11:06:40 UTC");
        assert_eq!(super::rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}

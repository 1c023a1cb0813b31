//! What administrators and downstream systems read: `status` (from the
//! maintained counters, never a scan of pages) and the JSONL export.

use crate::error::{Error, Result};
use crate::model::{FileRecord, FileStatus, PageRecord, PageStatus};
use crate::store::{self, Store};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// Status of one batch or of the whole store.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Status {
    /// Batch name, or `"total"`.
    pub name: String,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub runs: Option<u32>,
    pub files: BTreeMap<String, u64>,
    pub pages: BTreeMap<String, u64>,
    pub doc_types: BTreeMap<String, u64>,
    /// Pages in review per reason.
    #[serde(default)]
    pub review_reasons: BTreeMap<String, u64>,
    /// Pages stored per second of ingest time (batches only).
    pub pages_per_second: Option<f64>,
    pub busy_seconds: Option<f64>,
}

fn status_of(name: String, counters: BTreeMap<String, u64>, batch: Option<&crate::model::BatchRecord>) -> Status {
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
    Status {
        name,
        started_at: batch.map(|b| b.started_at),
        finished_at: batch.and_then(|b| b.finished_at),
        runs: batch.map(|b| b.runs),
        files,
        pages,
        doc_types,
        review_reasons,
        pages_per_second: busy.filter(|s| *s > 0.0).map(|s| total as f64 / s),
        busy_seconds: busy,
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

/// `YYYY-MM-DD HH:MM:SS UTC` from Unix seconds (civil-from-days, no time crate).
pub fn format_utc(t: i64) -> String {
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
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60, secs % 60)
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
                "batch {}  (started {}, last finished {}, {} run(s))\n",
                st.name,
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
            "  pages  done {}  failed {}  (review {}, filed {}, blank {}; ocr {}, text layer {})\n",
            p("done"),
            p("failed"),
            p("review"),
            p("filed"),
            p("blank"),
            p("ocr"),
            p("text_layer")
        ));
        if !st.doc_types.is_empty() {
            let types: Vec<String> = st.doc_types.iter().map(|(k, v)| format!("{k} {v}")).collect();
            s.push_str(&format!("  types  {}\n", types.join("  ")));
        }
        if !st.review_reasons.is_empty() {
            s.push_str("  review reasons (pages)\n");
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

/// Files with a given status (failed, skipped, duplicate, ...), for listing.
pub fn files_with_status(store: &Store, status: FileStatus) -> Result<Vec<FileRecord>> {
    store.files().filter(|f| f.as_ref().map(|f| f.status == status).unwrap_or(true)).collect()
}

/// The export object of one page. The schema is documented in the README;
/// fields are only ever added.
pub fn page_json(file: &FileRecord, page: &PageRecord, batch: &str) -> Value {
    json!({
        "page_id": page.page_id(),
        "source": file.source,
        "page": page.page,
        "batch": batch,
        "status": page.status.name(),
        "doc_type": page.doc_type,
        "doc_type_confidence": page.doc_type_confidence,
        "ocr_confidence": page.ocr_confidence,
        "text_source": page.text_source,
        "text": page.text,
        "patient": page.patient,
        "identifiers": page.identifiers,
        "review_reasons": page.review_reasons,
        "document_id": page.document_id(),
        "error": page.error,
        "sha256": file.sha256,
        "rotation": page.rotation,
        "dpi": page.dpi,
        "timings": page.timings,
        "resolved_by": page.resolved_by,
        "candidates": page.candidates,
    })
}

/// A file that could not be opened at all: one object with `page: null`.
pub fn failed_file_json(file: &FileRecord, batch: &str) -> Value {
    json!({
        "page_id": null,
        "source": file.source,
        "page": null,
        "batch": batch,
        "status": "failed",
        "doc_type": null,
        "doc_type_confidence": null,
        "ocr_confidence": null,
        "text_source": "none",
        "text": "",
        "patient": null,
        "identifiers": crate::model::Identifiers::default(),
        "review_reasons": [],
        "document_id": null,
        "error": file.error,
        "sha256": file.sha256,
        "rotation": 0,
        "dpi": 0,
    })
}

/// Writes the JSONL export; returns the number of lines written.
pub fn export_jsonl(store: &Store, out: &mut dyn Write) -> Result<u64> {
    let names: BTreeMap<u64, String> = store.batches()?.into_iter().map(|b| (b.id, b.name)).collect();
    let io = |e| Error::Io { path: "export output".into(), source: e };
    let mut lines = 0u64;
    for file in store.files() {
        let file = file?;
        let batch = names.get(&file.batch).map(String::as_str).unwrap_or("");
        match file.status {
            FileStatus::Failed => {
                serde_json::to_writer(&mut *out, &failed_file_json(&file, batch)).map_err(|e| io(e.into()))?;
                out.write_all(b"\n").map_err(io)?;
                lines += 1;
            }
            FileStatus::Done | FileStatus::Pending => {
                for n in 1..=file.pages {
                    if let Some(page) = store.page(file.id, n)?.filter(|p| p.status != PageStatus::Separator) {
                        serde_json::to_writer(&mut *out, &page_json(&file, &page, batch)).map_err(|e| io(e.into()))?;
                        out.write_all(b"\n").map_err(io)?;
                        lines += 1;
                    }
                }
            }
            FileStatus::Skipped | FileStatus::Duplicate => {}
        }
    }
    out.flush().map_err(io)?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::format_utc(1_795_000_000), "2026-11-18 11:06:40 UTC");
    }
}

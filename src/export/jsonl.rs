//! The JSONL export: one JSON object per page, ordered by file then page.
//! The schema is documented in the README; fields are only ever added.

use crate::error::{Error, Result};
use crate::model::{FileRecord, FileStatus, PageRecord, PageStatus};
use crate::store::Store;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// The export object of one page. The schema is documented in the README;
/// fields are only ever added.
pub fn page_json(file: &FileRecord, page: &PageRecord, batch: &str) -> Value {
    // A page of a folder's page files names its own file; `sequence` names
    // the folder's pages read as one file, and the page's place in them.
    let (source, number) = file.page_file_source(page.page).unwrap_or_else(|| (file.source.clone(), page.page));
    let sequence = (!file.members.is_empty()).then(|| json!({"source": file.source, "page": page.page}));
    json!({
        "page_id": page.page_id(),
        "source": source,
        "page": number,
        "batch": batch,
        "status": page.status.name(),
        "doc_type": page.doc_type,
        "doc_type_confidence": page.doc_type_confidence,
        "doc_type_by": page.doc_type_by,
        "type_unverified": page.type_unverified,
        "type_from_barcode": page.type_from_barcode,
        "barcodes": page.barcodes,
        "ocr_confidence": page.ocr_confidence,
        "text_source": page.text_source,
        "text": page.text,
        "patient": page.patient,
        "identifiers": page.identifiers,
        "review_reasons": page.review_reasons,
        "document_id": page.document_id(),
        "error": page.error,
        "sha256": file.sha256,
        "sequence": sequence,
        "rotation": page.rotation,
        "dpi": page.dpi,
        "x_height": page.x_height,
        "ocr_scale": page.ocr_scale.unwrap_or(1.0),
        "timings": page.timings,
        "resolved_by": page.resolved_by,
        "candidates": page.candidates,
        "skew": page.skew,
        "image": page.image.as_ref().map(|i| json!({
            "coding": i.coding.name(),
            "bytes": i.bytes,
            "sha256": i.sha256,
            "width": i.width,
            "height": i.height,
            "colour": i.colour,
            "kept_from_source": i.kept_from_source,
        })),
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
pub fn write(store: &Store, out: &mut dyn Write) -> Result<u64> {
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

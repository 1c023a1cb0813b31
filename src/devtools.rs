//! Developer tools behind the hidden `chartmill debug` command: fill a store
//! with synthetic page records (no OCR) to measure `status` and `export` on a
//! large store. The records go through the normal store API, counters and all.

use crate::error::Result;
use crate::model::{now, FileRecord, FileStatus, Format, PageRecord, TextSource, Word};
use crate::store::{Registered, Store};

/// A page's worth of fictional text (about 2 KB, like a typed page).
const FILLER: &str = "SYNTHETIC FILLER PAGE - NOT A PATIENT RECORD. Riverbend Fictional Medical Center. \
The fictional patient was seen in clinic for follow up of a fictional condition. Vital signs were \
stable. The examination was unremarkable. Plan: continue the current fictional regimen and return \
in three months. ";

/// Adds `pages` synthetic pages in files of `per_file` pages to batch `batch`.
pub fn fill(store: &Store, batch: &str, pages: u64, per_file: u32) -> Result<()> {
    let b = store.batch_named(batch, &["(synthetic)".into()])?;
    let text = FILLER.repeat(6);
    let words: Vec<Word> = text
        .split_whitespace()
        .take(300)
        .enumerate()
        .map(|(i, w)| Word {
            text: w.into(),
            conf: 93.0,
            x: (i as u32 % 12) * 120,
            y: (i as u32 / 12) * 40,
            w: 100,
            h: 30,
        })
        .collect();
    let per_file = per_file.max(1);
    let files = pages.div_ceil(per_file as u64);
    let mut left = pages;
    for f in 0..files {
        let n = left.min(per_file as u64) as u32;
        left -= n as u64;
        let path = format!("/synthetic/{batch}/file-{f:08}.tif");
        let rec = FileRecord {
            id: 0,
            batch: b.id,
            path: path.clone().into_bytes(),
            source: path.trim_start_matches('/').to_string(),
            size: 100_000,
            mtime: 0,
            sha256: Some(format!("{:064x}", (b.id as u128) << 64 | f as u128)),
            format: Some(Format::Tiff),
            status: FileStatus::Pending,
            pages: n,
            error: None,
            duplicate_of: None,
            registered_at: now(),
            finished_at: None,
        };
        let Registered::New(mut rec) = store.register_file(rec)? else {
            continue;
        };
        for p in 1..=n {
            let mut page = PageRecord::new(rec.id, p, b.id);
            page.text_source = TextSource::Ocr;
            page.text = text.clone();
            page.ocr_confidence = Some(0.93);
            (page.width, page.height, page.dpi) = (1700, 2200, 200);
            page.review_reasons = vec![crate::pipeline::REASON_NO_PATIENT.into()];
            store.put_page(&page, &words)?;
        }
        rec.status = FileStatus::Done;
        rec.finished_at = Some(now());
        store.update_file(&rec)?;
    }
    store.flush()
}

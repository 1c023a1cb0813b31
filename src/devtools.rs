//! Developer tools behind the hidden `chartmill debug` command: fill a store
//! with synthetic page records (no OCR) to measure `status` and `export` on a
//! large store. The records go through the normal store API, counters and all:
//! every file is one document, filed to one of a thousand synthetic patients,
//! every page with the same stored image (a bilevel page of word-like bars,
//! Group 4, about the size of a typed page's scan).

use crate::error::Result;
use crate::model::{now, FileRecord, FileStatus, Format, PageRecord, PageStatus, TextSource, Word};
use crate::store::{DocumentRecord, PatientRecord, Registered, Store};

/// A page's worth of fictional text (about 2 KB, like a typed page).
const FILLER: &str = "SYNTHETIC FILLER PAGE - NOT A PATIENT RECORD. Riverbend Fictional Medical Center. \
The fictional patient was seen in clinic for follow up of a fictional condition. Vital signs were \
stable. The examination was unremarkable. Plan: continue the current fictional regimen and return \
in three months. ";

/// Patients the synthetic documents are filed to.
const PATIENTS: u64 = 1000;

/// A 1700 x 2200 bilevel page (200 dpi letter) of word-like bars, as Group 4.
fn page_image() -> crate::imaging::Encoded {
    let gray = image::GrayImage::from_fn(1700, 2200, |x, y| {
        let (line, col) = (y / 40, x / 120);
        let inked = (150..2000).contains(&y) && (100..1600).contains(&x) && y % 40 < 22 && x % 120 < 100;
        image::Luma([if inked && (line * 7 + col * 3) % 11 != 0 { 0 } else { 255 }])
    });
    let page = crate::decode::PageImage::gray(gray, Some(200.0));
    crate::imaging::for_storage(&page)
}

/// Adds `pages` synthetic pages in files of `per_file` pages to batch `batch`.
pub fn fill(store: &Store, batch: &str, pages: u64, per_file: u32) -> Result<()> {
    let b = store.batch_named(batch, &["(synthetic)".into()])?;
    let patients: Vec<PatientRecord> = (0..PATIENTS)
        .map(|i| PatientRecord {
            mrn: format!("9{i:07}"),
            family_name: format!("SYNTHETIC{i}"),
            given_name: "FILLER".into(),
            birth_date: format!("19{:02}-01-01", 20 + i % 80),
            sex: "U".into(),
        })
        .collect();
    store.import_patients(&patients)?;
    let encoded = page_image();
    let image = crate::model::StoredImage {
        sha256: store.put_image(&encoded.bytes)?,
        bytes: encoded.bytes.len() as u64,
        coding: encoded.coding,
        width: encoded.width,
        height: encoded.height,
        colour: false,
        black_is_1: encoded.black_is_1,
        inverted: encoded.inverted,
        kept_from_source: false,
        pdf_page: 0,
    };
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
            line: i as u32 / 12 + 1,
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
        let patient = crate::model::Patient::from(&patients[(f % PATIENTS) as usize]);
        let mut filed = Vec::new();
        for p in 1..=n {
            let mut page = PageRecord::new(rec.id, p, b.id);
            page.text_source = TextSource::Ocr;
            page.text = text.clone();
            page.ocr_confidence = Some(0.93);
            (page.width, page.height, page.dpi) = (1700, 2200, 200);
            page.review_reasons = vec![crate::pipeline::REASON_NO_PATIENT.into()];
            page.image = Some(image.clone());
            store.put_page(&page, &words)?;
            page.status = PageStatus::Filed;
            page.review_reasons.clear();
            page.patient = Some(patient.clone());
            (page.doc_type, page.doc_type_confidence) = (Some("progress_note".into()), Some(0.95));
            filed.push(page);
        }
        let doc = DocumentRecord {
            file_id: rec.id,
            seq: 1,
            first_page: 1,
            last_page: n,
            doc_type: Some("progress_note".into()),
        };
        store.update_pages(&filed, Some((rec.id, &[doc])))?;
        rec.status = FileStatus::Done;
        rec.finished_at = Some(now());
        store.update_file(&rec)?;
    }
    store.flush()
}

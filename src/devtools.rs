//! Developer tools behind the hidden `chartmill debug` command: fill a store
//! with synthetic page records (no OCR) to measure `status` and `export` on a
//! large store. The records go through the normal store API, counters and all:
//! every file is one document, filed to one of a thousand synthetic patients
//! (one in ten left in review),
//! every page with the same stored image (a bilevel page of word-like bars,
//! Group 4, about the size of a typed page's scan).

use crate::error::Result;
use crate::model::{now, FileRecord, FileStatus, Format, PageRecord, PageStatus, TextSource, Word};
use crate::store::{DocumentRecord, PatientRecord, Registered, Store};
use sha2::Digest as _;

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
    crate::imaging::for_storage(&mut crate::decode::PageImage::gray(gray, Some(200.0)))
}

/// A page's 300 words drawn from `base` by a generator seeded with `seed`,
/// each with its number, on lines of a dozen, with boxes that vary; and
/// the page's text.
fn page_words(base: &[&str], seed: u64) -> (String, Vec<Word>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = String::new();
    let words: Vec<Word> = (0..300u32)
        .map(|i| {
            let r = next();
            let word = format!("{}{}", base[(r % base.len() as u64) as usize], r % 97);
            text.push_str(&word);
            text.push(if i % 12 == 11 { '\n' } else { ' ' });
            Word {
                text: word,
                conf: 80.0 + (r % 20) as f32,
                x: (i % 12) * 120 + (r >> 8) as u32 % 9,
                y: (i / 12) * 40 + (r >> 16) as u32 % 5,
                w: 90 + (r >> 24) as u32 % 20,
                h: 28 + (r >> 32) as u32 % 5,
                line: i / 12 + 1,
            }
        })
        .collect();
    (text, words)
}

/// Files per synthetic box of paper.
const FILES_PER_BOX: u64 = 100;
/// The synthetic reviewers.
const REVIEWERS: [&str; 5] = ["tech-a", "tech-b", "tech-c", "tech-d", "tech-e"];
/// Review reasons of the documents waiting, in turn.
const REASONS: [&str; 4] =
    ["MRN not in patient index", "low OCR confidence", "no MRN found", "name and DOB do not match the MRN's patient"];

/// Adds `pages` synthetic pages in files of `per_file` pages to batch
/// `batch`, spread evenly over the last `days` days (0: all now), as a
/// migration's history: files in boxes of 100 when `days` > 0 (every 50th
/// box's manifest a page more than it holds), one document in ten in review, seven in ten
/// of those resolved by one of five reviewers a few hours later, each
/// looked at first.
pub fn fill(store: &Store, batch: &str, pages: u64, per_file: u32, days: u32) -> Result<()> {
    let b = store.batch_named(batch, &["(synthetic)".into()])?;
    let mut rec_b = b.clone();
    rec_b.entries += pages.div_ceil(per_file.max(1) as u64);
    store.put_batch(&rec_b)?;
    let patients: Vec<PatientRecord> = (0..PATIENTS)
        .map(|i| PatientRecord {
            mrn: format!("9{i:07}"),
            printed_mrn: None,
            family_name: format!("SYNTHETIC{i}"),
            given_name: "FILLER".into(),
            birth_date: format!("19{:02}-01-01", 20 + i % 80),
            sex: "U".into(),
        })
        .collect();
    store.import_patients(&patients, &[])?;
    let encoded = page_image();
    let image = encoded.stored_as(store.put_image(&encoded.bytes)?);
    let base: Vec<&str> = FILLER.split_whitespace().collect();
    let per_file = per_file.max(1);
    let files = pages.div_ceil(per_file as u64);
    let mut left = pages;
    let end = now();
    let span = days as i64 * 86_400;
    for f in 0..files {
        let at = end - span + (span as f64 * f as f64 / files as f64) as i64;
        // Boxes in a history only: a store of `--days 0` keeps the file ids
        // tests know (no box ids drawn between them).
        let box_no = f / FILES_PER_BOX;
        let box_name = if days > 0 { format!("box-{box_no:05}/") } else { String::new() };
        if days > 0 && f % FILES_PER_BOX == 0 {
            let in_box: u64 = (FILES_PER_BOX * per_file as u64).min(left);
            store.expect_box(b.id, box_name.trim_end_matches('/'), in_box + u64::from(box_no % 50 == 49))?;
        }
        let n = left.min(per_file as u64) as u32;
        left -= n as u64;
        let path = format!("/synthetic/{batch}/{box_name}file-{f:08}.tif");
        let rec = FileRecord {
            id: 0,
            batch: b.id,
            path: path.clone().into_bytes(),
            source: path.trim_start_matches('/').to_string(),
            size: 100_000,
            mtime: 0,
            // Distinct per path, so stores filled under other batch names
            // merge without duplicates (scripts/bench-merge).
            sha256: Some(crate::model::hex(&sha2::Sha256::digest(path.as_bytes()))),
            format: Some(Format::Tiff),
            status: FileStatus::Pending,
            pages: n,
            error: None,
            duplicate_of: None,
            registered_at: at,
            finished_at: None,
            members: Vec::new(),
            box_scope: match days {
                0 => 0,
                _ => store.box_scope(b.id, box_name.trim_end_matches('/'))?,
            },
        };
        let Registered::New(mut rec) = store.register_file(rec)? else {
            continue;
        };
        let patient = crate::model::Patient::from(&patients[(f % PATIENTS) as usize]);
        let mut filed = Vec::new();
        for p in 1..=n {
            // Each page its own words and boxes, as real pages have: a store
            // of copies would compress far better than a real one.
            let (text, words) = page_words(&base, f * per_file as u64 + p as u64);
            let mut page = PageRecord { box_scope: rec.box_scope, ..PageRecord::new(rec.id, p, b.id) };
            page.processed_at = at;
            page.text_source = TextSource::Ocr;
            page.text = text;
            page.ocr_confidence = Some(0.55 + ((f * 7 + p as u64 * 13) % 45) as f32 / 100.0);
            (page.width, page.height, page.dpi) = (1700, 2200, 200);
            page.review_reasons = vec![crate::pipeline::REASON_NO_PATIENT.into()];
            page.image = Some(image.clone());
            store.put_page(&page, &words)?;
            // One document in ten waits in review; the rest are filed.
            page.decided_at = Some(at);
            if f % 10 == 0 {
                page.review_reasons = vec![REASONS[(f / 10 % 4) as usize].into()];
                page.candidates = vec![crate::filing::Candidate { mrn: patient.mrn.clone(), why: "synthetic".into() }];
            } else {
                page.status = PageStatus::Filed;
                page.review_reasons.clear();
                page.patient = Some(patient.clone());
            }
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
        store.update_pages_at(&filed, Some((rec.id, &[doc])), None, at)?;
        rec.status = FileStatus::Done;
        rec.finished_at = Some(at);
        store.update_file(&rec)?;
        // Seven in ten documents in review are resolved 1 to 30 hours later
        // by a reviewer who looked at them for 20 to 200 seconds.
        let resolved_at = at + 3600 * (1 + (f as i64 * 7) % 30);
        if f % 10 == 0 && (f / 10) % 10 < 7 && resolved_at < end {
            let user = REVIEWERS[(f / 10 % 5) as usize];
            store.note_opened(user, rec.id, 1, resolved_at - 20 - (f as i64 * 37) % 180)?;
            for page in &mut filed {
                page.status = PageStatus::Filed;
                page.review_reasons.clear();
                page.patient = Some(patient.clone());
                page.resolved_by = Some(user.into());
                page.resolved_at = Some(resolved_at);
            }
            store.update_pages_at(&filed, None, Some(crate::store::Work { user, action: "resolve" }), resolved_at)?;
        }
    }
    store.flush()
}

/// What JPEG at each quality does to OCR (`debug image-quality`): every
/// gray or colour page (not bilevel) of the files under `dirs` is read as
/// decoded, then again after a JPEG round trip at each quality; prints,
/// per quality, the pages read to the same text, the character difference
/// between the readings (1 - Levenshtein similarity), and the JPEG's size
/// against lossless PNG. Prints counts only, no text.
pub fn image_quality(dirs: &[std::path::PathBuf], qualities: &[u8], ocr: crate::ocr::OcrSettings) -> Result<()> {
    use crate::imaging::{encode_jpeg, encode_png, Pixels};
    let mut engine = crate::ocr::Engine::new(ocr)?;
    let limits = crate::decode::Limits::default();
    // Per quality: pages, same text, summed difference, JPEG bytes; and PNG bytes.
    let mut per: Vec<(u64, u64, f64, u64)> = vec![(0, 0, 0.0, 0); qualities.len()];
    let mut png_bytes = 0u64;
    for dir in dirs {
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().filter_map(|e| e.ok()) {
            let Ok(bytes) = std::fs::read(entry.path()) else { continue };
            let Some(format) = Format::sniff(&bytes) else { continue };
            let Ok(opened) = crate::decode::open(format, &bytes, &limits) else { continue };
            for n in 1..=opened.page_count() {
                let Ok(crate::decode::RawPage::Image(img)) = opened.page(n, &limits) else { continue };
                if crate::imaging::is_bilevel(&img.gray) || crate::prepare::is_blank(&img.gray) {
                    continue;
                }
                let (w, h) = img.gray.dimensions();
                let (dpi, _) = crate::prepare::effective_dpi(img.dpi, w, h);
                let Ok(first) = engine.read(&img.gray, dpi) else { continue };
                png_bytes += encode_png(Pixels::Gray(&img.gray)).len() as u64;
                for (q, row) in qualities.iter().zip(per.iter_mut()) {
                    let Some(jpeg) = encode_jpeg(Pixels::Gray(&img.gray), *q) else { continue };
                    let Ok(again) = image::load_from_memory(&jpeg).map(|i| i.to_luma8()) else { continue };
                    let Ok(second) = engine.read(&again, dpi) else { continue };
                    row.0 += 1;
                    row.1 += u64::from(first.text == second.text);
                    row.2 += 1.0 - crate::filing::similarity(&first.text, &second.text) as f64;
                    row.3 += jpeg.len() as u64;
                }
                engine.release_page();
            }
        }
    }
    println!("quality  pages  same text  mean difference  JPEG bytes / PNG bytes");
    for (q, (pages, same, diff, bytes)) in qualities.iter().zip(per) {
        println!(
            "{q:>7}  {pages:>5}  {same:>9}  {:>14.4}%  {:.2}",
            100.0 * diff / pages.max(1) as f64,
            bytes as f64 / png_bytes.max(1) as f64
        );
    }
    Ok(())
}

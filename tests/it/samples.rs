//! The bundled samples through the real pipeline: every format reads, the
//! degraded pages read, blank pages are found, and the export keeps its schema.

use crate::harness::*;
use serde_json::Value;

fn words_found(text: &str, expect: &[Value]) -> (usize, Vec<String>) {
    let lower = text.to_lowercase();
    let missing: Vec<String> =
        expect.iter().map(|w| w.as_str().unwrap().to_lowercase()).filter(|w| !lower.contains(w.as_str())).collect();
    (expect.len() - missing.len(), missing)
}

#[test]
fn every_sample_page_reads_with_its_expected_words() {
    let ingested = samples_ingested();
    assert_eq!(ingested.run.code, 0, "ingest of the samples: {}", ingested.run.stderr);
    let pages = by_page(&ingested.pages);
    let truth = truth();
    assert!(truth.len() >= 15, "the samples cover every format");
    let mut failures = Vec::new();
    for t in &truth {
        let key = (t["source"].as_str().unwrap().to_string(), t["page"].as_u64().unwrap());
        let Some(page) = pages.get(&key) else {
            failures.push(format!("{key:?}: not exported"));
            continue;
        };
        if t["kind"] == "blank" {
            if page["status"] != "blank" {
                failures.push(format!("{key:?}: expected blank, got {}", page["status"]));
            }
            continue;
        }
        if page["status"] != "review" {
            failures.push(format!("{key:?}: status {} error {}", page["status"], page["error"]));
            continue;
        }
        let expect = t["expect_words"].as_array().unwrap();
        let (_, missing) = words_found(page["text"].as_str().unwrap(), expect);
        if !missing.is_empty() {
            failures.push(format!("{key:?}: missing words {missing:?}"));
        }
        let text_layer = t["text_layer"].as_bool().unwrap_or(false);
        assert_eq!(page["text_source"], if text_layer { "text_layer" } else { "ocr" }, "{key:?}");
        if text_layer {
            assert!(page["ocr_confidence"].is_null(), "{key:?}: text-layer pages have no OCR confidence");
        } else {
            let c = page["ocr_confidence"].as_f64().unwrap();
            assert!(c > 0.6 && c <= 1.0, "{key:?}: ocr confidence {c}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(pages.len(), truth.len(), "one export record per page of the ground truth");
}

#[test]
fn sideways_and_upside_down_pages_are_turned_upright() {
    let ingested = samples_ingested();
    let pages = by_page(&ingested.pages);
    let mut seen = 0;
    for t in truth() {
        let degr: Vec<&str> = t["degradations"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        let key = (t["source"].as_str().unwrap().to_string(), t["page"].as_u64().unwrap());
        let rotation = pages[&key]["rotation"].as_u64().unwrap();
        if degr.contains(&"rot90") || degr.contains(&"rot270") {
            assert!(rotation == 90 || rotation == 270, "{key:?} rotated by {rotation}");
            seen += 1;
        } else if degr.contains(&"rot180") {
            assert_eq!(rotation, 180, "{key:?}");
            seen += 1;
        } else if t["kind"] == "text" && !t["text_layer"].as_bool().unwrap_or(false) {
            assert_eq!(rotation, 0, "{key:?} is upright and must stay so");
        }
    }
    assert!(seen >= 2, "the samples hold a sideways and an upside-down page");
}

#[test]
fn unsupported_files_are_listed_not_dropped() {
    let ingested = samples_ingested();
    let mut c = cmd(&ingested.store);
    c.args(["status", "--list", "skipped"]);
    let r = run(c);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("SYNTHETIC.txt\tunsupported file type"), "{}", r.stdout);
    assert!(r.stdout.contains("truth.jsonl\tunsupported file type"), "{}", r.stdout);
    assert!(r.stdout.contains("patients.csv\tunsupported file type"), "{}", r.stdout);
    let t = totals(&ingested.store);
    assert_eq!(t["files"]["skipped"], 3);
    assert_eq!(t["files"]["failed"], 0);
}

#[test]
fn status_counters_agree_with_the_export() {
    let ingested = samples_ingested();
    let t = totals(&ingested.store);
    let count = |s: &str| ingested.pages.iter().filter(|p| p["status"] == s).count() as u64;
    assert_eq!(t["pages"]["review"], count("review"));
    assert_eq!(t["pages"]["blank"], count("blank"));
    assert_eq!(t["pages"]["failed"], count("failed"));
    assert_eq!(t["pages"]["total"], ingested.pages.len() as u64);
    let s = status_json(&ingested.store);
    let batch = &s["batches"][0];
    assert_eq!(batch["name"], "samples");
    assert!(batch["pages_per_second"].as_f64().unwrap() > 0.0);
    assert!(batch["started_at"].is_i64() && batch["finished_at"].is_i64());
}

#[test]
fn export_matches_its_documented_schema() {
    let ingested = samples_ingested();
    assert!(!ingested.pages.is_empty());
    for p in &ingested.pages {
        let o = p.as_object().unwrap();
        for key in [
            "page_id",
            "source",
            "page",
            "batch",
            "status",
            "doc_type",
            "doc_type_confidence",
            "ocr_confidence",
            "text_source",
            "text",
            "patient",
            "identifiers",
            "review_reasons",
            "document_id",
            "error",
            "sha256",
        ] {
            assert!(o.contains_key(key), "missing {key} in {p}");
        }
        assert!(p["source"].as_str().is_some_and(|s| !s.starts_with('/')), "source is relative: {p}");
        assert!(p["page"].as_u64().is_some_and(|n| n >= 1));
        assert!(["filed", "review", "failed", "blank"].contains(&p["status"].as_str().unwrap()));
        if p["status"] == "review" || p["status"] == "filed" {
            assert!(p["doc_type"].is_string(), "readable pages have a type: {p}");
            let c = p["doc_type_confidence"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&c));
        } else {
            assert!(p["doc_type"].is_null() && p["doc_type_confidence"].is_null(), "{p}");
        }
        assert!(p["patient"].is_null());
        for k in ["mrn", "birth_date", "service_date", "name"] {
            assert!(p["identifiers"][k].is_array(), "identifiers.{k}");
        }
        assert!(p["review_reasons"].is_array());
        assert!(p["document_id"].is_string());
        // Every page is read at a scale; an OCRed page of text has its text size.
        let scale = p["ocr_scale"].as_f64().unwrap();
        assert!((0.35..=2.0).contains(&scale), "{p}");
        if p["text_source"] == "ocr" && p["text"].as_str().unwrap().len() > 500 {
            assert!(p["x_height"].as_f64().is_some_and(|x| x > 5.0), "{p}");
        }
        assert_eq!(p["status"] == "failed", p["error"].is_string(), "error is set exactly on failed pages: {p}");
        if p["status"] == "review" {
            assert!(!p["review_reasons"].as_array().unwrap().is_empty(), "review pages say why: {p}");
        }
        // Without a patient index nothing can be filed.
        assert_ne!(p["status"], "filed", "{p}");
    }
}

#[test]
fn a_second_ingest_does_nothing() {
    let dir = folder_with(&["png/hp_gray8.png", "tiff/discharge_g4_3pages.tif"]);
    let store = dir.path().join("s.db");
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for f in ["png", "tiff"] {
        std::fs::rename(dir.path().join(f), input.join(f)).unwrap();
    }
    let first = ingest(&store, &input, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = export(&store);
    assert_eq!(before.len(), 4);
    let second = ingest(&store, &input, &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stderr.contains("0 pages stored"), "{}", second.stderr);
    assert!(second.stderr.contains("2 already in the store"), "{}", second.stderr);
    assert_eq!(export(&store), before, "nothing changed");
    // The same content under another name is recognised by its hash.
    std::fs::copy(input.join("png/hp_gray8.png"), input.join("copy.png")).unwrap();
    let third = ingest(&store, &input, &[]);
    assert!(third.stderr.contains("1 duplicate"), "{}", third.stderr);
    assert_eq!(export(&store).len(), 4);
    assert_eq!(totals(&store)["files"]["duplicate"], 1);
}

#[test]
fn a_second_process_is_told_the_store_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    // A long ingest (all samples, one worker) holds the store...
    let mut first = cmd(&store);
    first.arg("ingest").arg(samples()).args(["--jobs", "1", "--quiet"]);
    let mut child = first.spawn().unwrap();
    let t0 = std::time::Instant::now();
    let snapshot = store.join("status-snapshot.json");
    while !snapshot.exists() && t0.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // ...so a second ingest is refused (not through `run`: no turn-taking here)...
    let mut second = cmd(&store);
    second.arg("ingest").arg(samples()).arg("--quiet");
    let second = second.output().unwrap();
    // ...while `status` still answers, from the running ingest's snapshot.
    let mut status = cmd(&store);
    status.arg("status");
    let live = status.output().unwrap();
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(still_running, "the first ingest outlived the checks");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("in use by another chartmill process"), "{stderr}");
    let stdout = String::from_utf8_lossy(&live.stdout);
    assert_eq!(live.status.code(), Some(0), "{}", String::from_utf8_lossy(&live.stderr));
    assert!(stdout.contains("an ingest is running: snapshot from"), "{stdout}");
    assert!(stdout.contains("batch samples"), "{stdout}");
}

#[test]
fn sample_pages_get_their_document_types_and_documents() {
    let ingested = samples_ingested();
    let pages = by_page(&ingested.pages);
    let (mut right, mut total) = (0, 0);
    let mut wrong = Vec::new();
    for t in truth().iter().filter(|t| t["doc_type"].is_string()) {
        let key = (t["source"].as_str().unwrap().to_string(), t["page"].as_u64().unwrap());
        total += 1;
        if pages[&key]["doc_type"] == t["doc_type"] {
            right += 1;
        } else {
            wrong.push(format!("{key:?}: {} for {}", pages[&key]["doc_type"], t["doc_type"]));
        }
    }
    assert!(right * 10 >= total * 9, "{right}/{total} right:\n{}", wrong.join("\n"));
    let doc = |source: &str, page: u64| pages[&(source.to_string(), page)]["document_id"].clone();
    // One discharge summary over three pages.
    assert_eq!(doc("tiff/discharge_g4_3pages.tif", 1), doc("tiff/discharge_g4_3pages.tif", 3));
    // Two documents of two patients in one file.
    assert_ne!(doc("tiff/mixed_lzw_8bit.tif", 1), doc("tiff/mixed_lzw_8bit.tif", 2));
    assert_ne!(doc("pdf/scan_dct.pdf", 1), doc("pdf/scan_dct.pdf", 2));
}

#[test]
fn with_the_patient_index_sample_pages_are_filed_only_to_their_own_patient() {
    let (_dir, store, _) = store_with_patient_index();
    let r = ingest(&store, &samples(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pages = by_page(&export(&store));
    let mut filed = 0;
    for t in truth() {
        let key = (t["source"].as_str().unwrap().to_string(), t["page"].as_u64().unwrap());
        let page = &pages[&key];
        if page["status"] == "filed" {
            filed += 1;
            assert_eq!(page["patient"]["mrn"], t["patient"]["mrn"], "{key:?} filed to the wrong patient");
        }
    }
    assert!(filed > 0, "clean sample pages with MRN, name and DOB are filed");
}

#[test]
fn the_store_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let s = samples_ingested();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&s.store) {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} has mode {:o}", entry.path().display(), mode & 0o777);
        checked += 1;
    }
    assert!(checked >= 3, "the store has its directory and files");
}

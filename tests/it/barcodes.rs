//! Barcodes end to end (issue 24): the fixtures of `tests/data/barcodes/`
//! (zint's symbols on synthetic pages) ingested with the samples' patient
//! index and the fixtures' `[[barcodes]]` rules. A barcode MRN is a clean
//! reading that still needs a second identifier, unless the site's labels
//! carry two; one that differs from a printed MRN is never filed; a cover
//! sheet types the document after it; a separator sheet splits.

use crate::harness::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    repo().join("tests/data/barcodes")
}

/// A store (in its folder) and its exported pages by (source, page).
type Ingested = (tempfile::TempDir, PathBuf, std::collections::BTreeMap<(String, u64), Value>);

/// The fixtures ingested once, with the samples' patient index and the
/// fixtures' site configuration; their pages by (source, page).
fn ingested() -> &'static Ingested {
    static ONCE: std::sync::OnceLock<Ingested> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let (dir, store, r) = store_with_patient_index();
        assert_eq!(r.code, 0, "{}", r.stderr);
        // Only the scans: the README and site.toml would be skipped files.
        let scans = dir.path().join("scans");
        std::fs::create_dir(&scans).unwrap();
        for f in std::fs::read_dir(fixtures()).unwrap() {
            let f = f.unwrap().path();
            if matches!(f.extension().and_then(|e| e.to_str()), Some("png" | "tif")) {
                std::fs::copy(&f, scans.join(f.file_name().unwrap())).unwrap();
            }
        }
        let r = ingest_with_config(&store, &scans, &fixtures().join("site.toml"));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let pages = by_page(&export(&store));
        (dir, store, pages)
    })
}

fn ingest_with_config(store: &Path, dir: &Path, config: &Path) -> Run {
    let mut c = cmd(store);
    c.arg("--config").arg(config).arg("ingest").arg(dir).args(["--jobs", "2", "--quiet"]);
    run(c)
}

fn page<'a>(source: &str, n: u64) -> &'a Value {
    let pages = &ingested().2;
    pages.get(&(source.to_string(), n)).unwrap_or_else(|| panic!("{source} page {n} exported: {:?}", pages.keys()))
}

fn reasons(p: &Value) -> Vec<&str> {
    p["review_reasons"].as_array().unwrap().iter().filter_map(Value::as_str).collect()
}

#[test]
fn a_label_barcode_mrn_is_filed_when_the_name_corroborates_it() {
    let p = page("label_and_name.png", 1);
    assert_eq!(p["status"], "filed", "{:?}", reasons(p));
    assert_eq!(p["patient"]["mrn"], "00482913");
    // The MRN is among the page's identifiers; the barcode on the record.
    assert!(p["identifiers"]["mrn"].as_array().unwrap().iter().any(|m| m == "00482913"));
    let codes = p["barcodes"].as_array().unwrap();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0]["symbology"], "code128");
    assert_eq!(codes[0]["text"], "MRN 00482913");
    // Where the label is: top right of the page as decoded.
    let bbox: Vec<u64> = codes[0]["bbox"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(bbox[0] > 1500 && bbox[1] < 400, "{bbox:?}");
    // The OCR text has no MRN: it came from the barcode alone.
    assert!(!p["text"].as_str().unwrap().contains("00482913"));
}

#[test]
fn a_label_barcode_mrn_alone_goes_to_review() {
    let p = page("label_alone.png", 1);
    assert_eq!(p["status"], "review");
    assert_eq!(reasons(p), vec!["MRN not corroborated by name or DOB"]);
    assert_eq!(p["candidates"][0]["mrn"], "00482913");
}

#[test]
fn a_barcode_mrn_that_is_not_the_printed_mrn_is_never_filed() {
    let p = page("label_and_another_mrn.png", 1);
    assert_eq!(p["status"], "review");
    assert!(p["patient"].is_null());
    assert!(
        reasons(p).contains(&"two patients in one document (the barcode's MRN is not the printed MRN)"),
        "{:?}",
        reasons(p)
    );
}

#[test]
fn a_label_that_carries_mrn_and_birth_date_is_two_identifiers() {
    let p = page("qr_mrn_and_birth_date.png", 1);
    assert_eq!(p["status"], "filed", "{:?}", reasons(p));
    assert_eq!(p["patient"]["mrn"], "27750318");
    assert_eq!(p["identifiers"]["birth_date"][0], "1937-01-30");
    assert_eq!(p["barcodes"][0]["symbology"], "qr");
}

#[test]
fn a_cover_sheet_types_the_document_and_a_separator_sheet_splits() {
    let file = "cover_sheet_and_separator.tif";
    // The two sheets are separators: not pages of the record (not exported).
    for n in [1, 3] {
        assert!(!ingested().2.contains_key(&(file.to_string(), n)), "page {n} is a separator sheet");
    }
    let (typed, after) = (page(file, 2), page(file, 4));
    assert_eq!(typed["doc_type"], "lab_report", "the cover sheet's type, whatever the text reads like");
    assert_eq!(typed["doc_type_confidence"], 1.0);
    assert_eq!(typed["type_from_barcode"], true);
    assert!(typed["doc_type_by"].is_null());
    assert_eq!(typed["status"], "filed", "{:?}", reasons(typed));
    // Without the separator, a page without a title continues the document.
    assert_ne!(typed["document_id"], after["document_id"]);
    assert_eq!(after["type_from_barcode"], false);
    assert_ne!(after["doc_type"], "lab_report");
}

#[test]
fn without_rules_barcodes_are_read_and_mean_nothing() {
    let (dir, store, r) = store_with_patient_index();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    std::fs::copy(fixtures().join("label_and_name.png"), scans.join("label_and_name.png")).unwrap();
    let r = ingest(&store, &scans, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pages = export(&store);
    let p = &pages[0];
    assert_eq!(p["barcodes"][0]["text"], "MRN 00482913", "kept on the page record");
    assert_eq!(p["status"], "review");
    assert_eq!(reasons(p), vec!["no MRN found"]);
}

#[test]
fn a_bad_barcode_pattern_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("site.toml");
    std::fs::write(&config, "[[barcodes]]\npattern = '^MRN(?P<mrn>\\d+'\nmeaning = \"mrn\"\n").unwrap();
    let r = ingest_with_config(&dir.path().join("s.db"), &fixtures(), &config);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("barcodes[1]: pattern is not a valid regular expression"), "{}", r.stderr);
}

#[test]
fn barcode_texts_are_never_logged() {
    let (dir, store, r) = store_with_patient_index();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    for f in ["label_and_name.png", "qr_mrn_and_birth_date.png"] {
        std::fs::copy(fixtures().join(f), scans.join(f)).unwrap();
    }
    let mut c = cmd(&store);
    c.arg("--config").arg(fixtures().join("site.toml")).arg("-vvv").arg("ingest").arg(&scans).args(["--jobs", "2"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(said.contains("page"), "the log at -vvv has page lines");
    for secret in ["00482913", "27750318", "1937-01-30", "01/30/1937", "QUILLFEATHER", "FAIRWEATHER"] {
        assert!(!said.to_uppercase().contains(secret), "{secret} in the log");
    }
}

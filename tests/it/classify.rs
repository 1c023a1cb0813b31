//! Document types and boundaries, with the classifier shipped in models/:
//! fixture texts (and OCR-damaged copies of them) get their expected type,
//! multi-document fixtures split where expected, and the confidence is
//! calibrated on a held-out split.

use crate::harness::*;
use chartmill::classify::Model;
use chartmill::config::SiteConfig;
use chartmill::train::{ocr_noise, Rng};

fn shipped() -> Model {
    chartmill::commands::load_model(&SiteConfig::default(), None).expect("the built-in model loads")
}

/// `(name, text, expected)` for each `NAME.txt` beside `NAME.expected` in `dir`.
fn fixtures(dir: &str) -> Vec<(String, String, String)> {
    let dir = repo().join("tests/data").join(dir);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read_to_string(&path).unwrap(), expected.trim().to_string()));
        }
    }
    out.sort();
    out
}

#[test]
fn each_fixture_text_gets_its_type_clean_and_ocr_damaged() {
    let model = shipped();
    let cases = fixtures("classify");
    assert!(cases.len() >= 14, "one fixture per type");
    let mut wrong = Vec::new();
    for (name, text, expected) in &cases {
        let clean = model.classify(text);
        if clean.code != *expected {
            wrong.push(format!("{name}: clean text classified {} ({:.2})", clean.code, clean.confidence));
        }
        for seed in 1..=3 {
            let noisy = ocr_noise(text, &mut Rng::new(seed), 0.04);
            let c = model.classify(&noisy);
            if c.code != *expected {
                wrong.push(format!("{name}: OCR-damaged copy {seed} classified {} ({:.2})", c.code, c.confidence));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn garbage_and_empty_text_do_not_panic() {
    let model = shipped();
    assert_eq!(model.classify("").confidence, 0.0);
    let c = model.classify("~~~ ||| \u{0} ¤¤ 12 34");
    assert!((0.0..=1.0).contains(&c.confidence));
    let c = model.classify_pages(&["", "  "]);
    assert_eq!(c.code, "other");
}

#[test]
fn multi_document_fixtures_split_where_expected() {
    let model = shipped();
    let markers = SiteConfig::default().documents.separator_texts;
    for (name, text, expected) in fixtures("boundaries") {
        let pages: Vec<&str> = text.split('\u{c}').collect();
        let classes: Vec<_> = pages.iter().map(|p| model.classify(p)).collect();
        let found: Vec<_> = pages.iter().map(|p| chartmill::extract::extract(p, &Default::default())).collect();
        let views: Vec<_> = pages
            .iter()
            .zip(&classes)
            .zip(&found)
            .map(|((p, c), f)| chartmill::documents::PageView {
                text: p,
                class: Some(c),
                separator: chartmill::documents::is_separator(p, &markers),
                mrn: f.mrn.iter().find(|m| !m.corrected).map(|m| m.value.as_str()),
                barcode_type: None,
            })
            .collect();
        let starts = chartmill::documents::boundaries(&views, 0.8);
        let got: Vec<&str> = starts
            .iter()
            .zip(&views)
            .map(|(s, v)| {
                if v.separator {
                    "-"
                } else if *s {
                    "1"
                } else {
                    "0"
                }
            })
            .collect();
        assert_eq!(got.join(" "), expected, "{name}");
    }
}

#[test]
fn confidence_is_calibrated_on_a_held_out_split() {
    let taxonomy = chartmill::taxonomy::Taxonomy::default();
    let data = chartmill::dataset::read_csv(&repo().join("data/synthetic-train.csv"), &taxonomy).unwrap();
    let (train, held) = chartmill::train::split(data, 0.3, 11);
    let mut classes: Vec<String> = train.iter().map(|e| e.label.clone()).collect();
    classes.sort();
    classes.dedup();
    let cfg = chartmill::train::TrainConfig { dims_log2: 16, epochs: 4, ..Default::default() };
    let (fit, calib) = chartmill::train::split(train, 0.2, 12);
    let model = chartmill::train::train(&fit, &calib, &classes, &cfg);
    // Score OCR-damaged copies of the held-out texts: what scans look like.
    let mut rng = Rng::new(5);
    let noisy: Vec<_> = held
        .iter()
        .map(|e| chartmill::train::Example::new(e.label.clone(), ocr_noise(&e.text, &mut rng, 0.05)))
        .collect();
    let m = chartmill::train::evaluate(&model, &noisy);
    assert!(m.total >= 100, "{} held-out texts", m.total);
    assert!(m.ece < 0.08, "expected calibration error {:.3}\n{}", m.ece, chartmill::train::render(&m));
    for bin in m.reliability.iter().filter(|b| b.count >= 20) {
        assert!(
            (bin.accuracy - bin.mean_confidence).abs() < 0.15,
            "confidence {:.1}-{:.1}: mean {:.2} but accuracy {:.2}",
            bin.from,
            bin.to,
            bin.mean_confidence,
            bin.accuracy
        );
    }
}

#[test]
fn types_lists_the_taxonomy_with_loinc_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cmd(&dir.path().join("s.db"));
    c.arg("types");
    let r = run(c);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("discharge_summary      18842-5  Discharge summary"), "{}", r.stdout);
    assert!(r.stdout.contains("medication_record      (local)"), "{}", r.stdout);
    // A site adds its own type through its configuration file.
    let site = dir.path().join("site.toml");
    std::fs::write(&site, "[[doc_types]]\ncode = \"wound_care\"\ndisplay = \"Wound care record\"\n").unwrap();
    let mut c = cmd(&dir.path().join("s.db"));
    c.arg("--config").arg(&site).arg("types");
    assert!(run(c).stdout.contains("wound_care"));
}

#[test]
fn a_patch_code_sheet_separates_documents_and_is_not_exported() {
    // Page 1: a discharge summary; page 2: a patch-code sheet (four bars);
    // page 3: lab results without a header. Synthetic, fictional patient.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let r = ingest(&store, &repo().join("tests/data/separator"), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pages = export(&store);
    let numbers: Vec<u64> = pages.iter().map(|p| p["page"].as_u64().unwrap()).collect();
    assert_eq!(numbers, vec![1, 3], "the separator sheet is not a page of the record");
    assert_ne!(pages[0]["document_id"], pages[1]["document_id"]);
    assert_eq!(totals(&store)["pages"]["separator"], 1);
}

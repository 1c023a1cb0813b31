//! Learning from the technicians (issue 24): a site's technicians type
//! documents through the `review` commands, `train --from-store` learns from
//! those pages, and the next batch of the same kind is typed by what they
//! taught; the site's model never files a page to another patient than the
//! shipped model does.
//!
//! The site has a type of its own (`wound_care`, in its configuration),
//! which the shipped model cannot know: only the technicians' work can
//! teach it. Two batches of the site's look (`scripts/realgen.py --site`:
//! the same hospitals and forms, other texts and patients), scanned pages
//! read by Tesseract.

use crate::harness::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A wound-care record of the site's wound clinic, the `i`th of its kind.
fn wound_note(i: usize) -> String {
    const SITES: [&str; 6] =
        ["left heel", "sacrum", "right lateral malleolus", "left great toe", "coccyx", "right anterior shin"];
    const KINDS: [&str; 4] =
        ["pressure injury, stage 3", "venous stasis ulcer", "diabetic foot ulcer", "surgical wound dehiscence"];
    const DRESSINGS: [&str; 4] = [
        "calcium alginate with a bordered foam cover",
        "hydrocolloid dressing",
        "silver hydrofiber and gauze wrap",
        "negative pressure wound therapy at 125 mmHg continuous",
    ];
    let site = SITES[i % SITES.len()];
    let kind = KINDS[(i / 2) % KINDS.len()];
    let dressing = DRESSINGS[(i + 1) % DRESSINGS.len()];
    let (l, w, d) = (2.1 + i as f32 * 0.7, 1.4 + i as f32 * 0.3, 0.2 + i as f32 * 0.1);
    format!(
        "WOUND ASSESSMENT: {kind} of the {site}, visit {visit} of the current plan of care.\n\n\
         MEASUREMENTS: Length {l:.1} cm, width {w:.1} cm, depth {d:.1} cm. Undermining from {a} to {b} o'clock, \
         {u:.1} cm at its deepest. No tunneling.\n\n\
         WOUND BED: {g}% red granulation tissue, {s}% yellow slough, no eschar. Exudate moderate, serosanguineous, \
         no odor after cleansing. Wound edges attached, with rolled epibole along the {edge} margin.\n\n\
         PERIWOUND: Intact with mild maceration; no induration, erythema or warmth. Pedal pulses palpable.\n\n\
         PROCEDURE: Wound cleansed with normal saline. Sharp selective debridement of slough with a curette, \
         tolerated well. Skin prep to the periwound. Dressing: {dressing}.\n\n\
         PLAN: Dressing change {freq}. Offloading and repositioning every two hours; heel suspension boots. \
         Nutrition consult for protein intake. Reassess wound measurements in one week at the wound clinic.",
        visit = 2 + i,
        a = 1 + i % 5,
        b = 4 + i % 5,
        u = 0.4 + i as f32 * 0.2,
        g = 60 + (i * 7) % 30,
        s = 40 - (i * 7) % 30,
        edge = ["proximal", "distal", "medial", "lateral"][i % 4],
        freq = ["daily", "three times a week", "every other day"][i % 3],
    )
}

/// A chest X-ray report, the `i`th of its kind.
fn radiology_note(i: usize) -> String {
    let side = ["right", "left"][i % 2];
    format!(
        "EXAMINATION: Chest, two views, PA and lateral.\n\nCLINICAL HISTORY: Cough and fever for {d} days.\n\n\
         COMPARISON: Chest radiograph of {m} months ago.\n\n\
         FINDINGS: The heart size is normal. The mediastinal contours are unremarkable. There is a patchy \
         airspace opacity in the {side} lower lobe. No pleural effusion or pneumothorax. The osseous \
         structures are intact.\n\nIMPRESSION: {side} lower lobe pneumonia. Follow-up radiographs in six weeks \
         to document resolution are recommended.",
        d = 3 + i,
        m = 6 + 2 * i,
    )
}

/// A clinic follow-up note, the `i`th of its kind.
fn progress_note(i: usize) -> String {
    let drug = ["lisinopril", "metformin", "atorvastatin", "amlodipine"][i % 4];
    format!(
        "SUBJECTIVE: The patient returns for follow-up of hypertension and type 2 diabetes. Taking {drug} as \
         prescribed. No chest pain, dyspnea or dizziness. Home blood pressures in the {p}s systolic.\n\n\
         OBJECTIVE: Blood pressure {p}/{q}, pulse {r}, weight stable. Lungs clear. Heart regular rate and \
         rhythm. Feet without lesions, monofilament sensation intact.\n\n\
         ASSESSMENT AND PLAN: Hypertension, controlled. Diabetes, hemoglobin A1c 7.{a}. Continue {drug}. \
         Diet and exercise counseling given. Return to clinic in three months with fasting labs.",
        p = 128 + i * 3,
        q = 78 + i,
        r = 70 + i * 2,
        a = 1 + i % 8,
    )
}

/// A texts CSV for realgen: the wound-care notes `wound`, with chest X-ray
/// reports and clinic notes `others`.
fn texts(path: &Path, wound: std::ops::Range<usize>, others: std::ops::Range<usize>) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["doc_type", "text"]).unwrap();
    for i in wound {
        w.write_record(["wound_care", &wound_note(i)]).unwrap();
    }
    for i in others {
        w.write_record(["radiology_report", &radiology_note(i)]).unwrap();
        w.write_record(["progress_note", &progress_note(i)]).unwrap();
    }
    w.flush().unwrap();
}

/// Renders a batch of the site's look: `seed` varies patients and scans.
fn batch(dir: &Path, name: &str, seed: u32, texts_csv: &Path) -> PathBuf {
    let out = dir.join(name);
    let made = Command::new("/usr/bin/python3")
        .arg(repo().join("scripts/realgen.py"))
        .arg("--data")
        .arg(texts_csv)
        .arg("--out")
        .arg(&out)
        .args(["--seed", &seed.to_string(), "--site", "11", "--outside-share", "0", "--page-files-share", "0"])
        .output()
        .expect("scripts/realgen.py runs (Debian python3-pil python3-numpy)");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    out
}

/// Imports the batch's patient index into a new store and ingests its scans
/// with `config`.
fn ingest_batch(store: &Path, config: &Path, batch: &Path) -> Vec<Value> {
    let mut c = cmd(store);
    c.arg("--config").arg(config).arg("patients").arg("import").arg(batch.join("patients.csv"));
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut c = cmd(store);
    c.arg("--config").arg(config).arg("ingest").arg(batch.join("scans")).args(["--jobs", "2", "--quiet"]);
    let r = run(c);
    assert!(r.code <= 1, "{}", r.stderr);
    export(store)
}

fn truth(batch: &Path) -> BTreeMap<(String, u64), Value> {
    let text = std::fs::read_to_string(batch.join("truth.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|t| ((t["source"].as_str().unwrap().to_string(), t["page"].as_u64().unwrap()), t))
        .collect()
}

/// Each document's pages, by document id.
fn documents(pages: &[Value]) -> BTreeMap<String, Vec<Value>> {
    let mut docs: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in pages.iter().filter(|p| p["document_id"].is_string()) {
        docs.entry(p["document_id"].as_str().unwrap().to_string()).or_default().push(p.clone());
    }
    docs
}

fn key(p: &Value) -> (String, u64) {
    (p["source"].as_str().unwrap().to_string(), p["page"].as_u64().unwrap())
}

/// The real document and type of each of `pages` when they are all one
/// real document's.
fn one_document(pages: &[Value], truth: &BTreeMap<(String, u64), Value>) -> Option<(String, String)> {
    let of: Vec<&Value> = pages.iter().map(|p| &truth[&key(p)]).collect();
    let first = of[0];
    of.iter()
        .all(|t| t["document"] == first["document"])
        .then(|| (first["document"].as_str().unwrap().into(), first["doc_type"].as_str().unwrap().into()))
}

#[test]
fn technicians_teach_the_sites_model_which_never_files_to_another_patient() {
    let dir = tempfile::tempdir().unwrap();
    let (a_texts, b_texts) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    texts(&a_texts, 0..4, 0..2);
    texts(&b_texts, 4..9, 2..6);
    let a = batch(dir.path(), "a", 1, &a_texts);
    let b = batch(dir.path(), "b", 2, &b_texts);
    let (a_truth, b_truth) = (truth(&a), truth(&b));
    let site_types = "[[doc_types]]\ncode = \"wound_care\"\ndisplay = \"Wound care record\"\n";
    let shipped = dir.path().join("shipped.toml");
    std::fs::write(&shipped, site_types).unwrap();

    // Batch A with the shipped model, which has never heard of wound care.
    let a_store = dir.path().join("a.db");
    let a_pages = ingest_batch(&a_store, &shipped, &a);
    assert!(a_pages.iter().all(|p| p["doc_type"] != "wound_care"));

    let review = |args: &[&str]| {
        let mut c = cmd(&a_store);
        c.arg("--config").arg(&shipped).arg("review").args(args).args(["--user", "tech"]);
        let r = run(c);
        assert_eq!(r.code, 0, "review {args:?}: {}", r.stderr);
        r
    };
    // The technician: the type check is worked through, each type confirmed
    // or set right; then every wound-care record left is retyped.
    let docs = documents(&a_pages);
    let mut c = cmd(&a_store);
    c.arg("--config").arg(&shipped).args(["review", "types"]);
    let checks = run(c).stdout;
    let mut done = std::collections::BTreeSet::new();
    for id in checks.lines().filter_map(|l| l.split('\t').next()) {
        let Some((_, t)) = one_document(&docs[id], &a_truth) else { continue };
        match docs[id][0]["doc_type"] == t.as_str() {
            true => review(&["confirm-type", id]),
            false => review(&["retype", id, "--type", &t]),
        };
        done.insert(id.to_string());
    }
    let mut wound = 0;
    for (id, pages) in &docs {
        if let Some((_, t)) = one_document(pages, &a_truth).filter(|(_, t)| t == "wound_care") {
            if done.insert(id.clone()) {
                review(&["retype", id, "--type", &t]);
            }
            wound += 1;
        }
    }
    assert!(wound >= 3, "{wound} wound-care records");
    // Confirming a type is a technician's label as much as setting one.
    let typed: usize = export(&a_store).iter().filter(|p| p["doc_type_by"] == "tech").count();
    assert_eq!(typed, done.iter().map(|id| docs[id].len()).sum::<usize>());

    // The site model: a little data (the synthetic training set's first
    // rows of each type) and the technician's pages.
    let data = dir.path().join("data.csv");
    let taxonomy = chartmill::taxonomy::Taxonomy::default();
    let rows = chartmill::dataset::read_csv(&repo().join("data/synthetic-train.csv"), &taxonomy).unwrap();
    let mut w = csv::Writer::from_path(&data).unwrap();
    w.write_record(["doc_type", "text"]).unwrap();
    let mut per_type: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &rows {
        let n = per_type.entry(e.label.as_str()).or_default();
        if *n < 25 {
            *n += 1;
            w.write_record([e.label.as_str(), e.text.as_str()]).unwrap();
        }
    }
    w.flush().unwrap();
    let model = dir.path().join("site-model.json");
    let mut c = cmd(&a_store);
    c.arg("--config").arg(&shipped).arg("train").arg("--data").arg(&data).arg("--from-store");
    c.args(["--store-weight", "8"]).arg("--out").arg(&model);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Its provenance names the store and what the technicians typed,
    // confirmed types included.
    let json: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    let sources: Vec<&str> =
        json["provenance"]["sources"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let store_line = sources.iter().find(|s| s.starts_with("store ")).expect("the store is a source");
    assert!(store_line.contains(&format!("({typed} pages typed by technicians: ")), "{store_line}");
    assert!(store_line.contains("each counted 8 times"), "{store_line}");
    assert!(json["classes"].as_array().unwrap().iter().any(|c| c == "wound_care"));

    // Batch B, with the shipped model and with the site's.
    let site = dir.path().join("site.toml");
    std::fs::write(&site, format!("[classifier]\nmodel = {:?}\n\n{site_types}", model.to_str().unwrap())).unwrap();
    let with_shipped = ingest_batch(&dir.path().join("b-shipped.db"), &shipped, &b);
    let with_site = ingest_batch(&dir.path().join("b-site.db"), &site, &b);

    // What the technicians taught: B's wound-care records (each in a
    // document of its own) are typed as such.
    let mut taught = 0;
    for pages in documents(&with_site).values() {
        if let Some((doc, t)) = one_document(pages, &b_truth).filter(|(_, t)| t == "wound_care") {
            for p in pages {
                assert_eq!(p["doc_type"], t.as_str(), "{doc} ({}) typed {}", p["page_id"], p["doc_type"]);
                // Typed with confidence: out of the type check.
                assert_eq!(p["type_unverified"], false, "{doc} ({})", p["page_id"]);
                taught += 1;
            }
        }
    }
    assert!(taught >= 3, "{taught} wound-care pages in documents of their own");

    // Filing: never to a wrong patient; what both models file, to the same patient.
    let shipped_pages: BTreeMap<(String, u64), &Value> = with_shipped.iter().map(|p| (key(p), p)).collect();
    let mut both = 0;
    for p in with_site.iter().filter(|p| p["page"].is_u64()) {
        let k = key(p);
        let truth_mrn = &b_truth[&k]["patient_mrn"];
        let other = shipped_pages[&k];
        for q in [p, other] {
            if q["status"] == "filed" {
                assert_eq!(&q["patient"]["mrn"], truth_mrn, "{k:?} filed to a wrong patient");
            }
        }
        if p["status"] == "filed" && other["status"] == "filed" {
            assert_eq!(p["patient"]["mrn"], other["patient"]["mrn"], "{k:?}");
            both += 1;
        }
    }
    assert!(both * 2 >= with_site.len(), "most pages are filed by both ({both} of {})", with_site.len());
    // The traps stay in review with the site's model.
    for (k, t) in b_truth.iter().filter(|(_, t)| t["trap"].is_string()) {
        let p = with_site.iter().find(|p| key(p) == *k).unwrap();
        assert_eq!(p["status"], "review", "{k:?} ({})", t["trap"]);
    }
}

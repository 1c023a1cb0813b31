//! Document boundaries fixed in review: split a document at a page, merge
//! it with the one before, move a page, retype; each audited, each a new
//! revision that the exports carry as a correction.

use crate::harness::*;
use serde_json::Value;
use std::path::Path;

fn review(store: &Path, args: &[&str]) -> Run {
    let mut c = cmd(store);
    c.arg("review").args(args).args(["--user", "tester"]);
    run(c)
}

fn documents_of(store: &Path, source: &str) -> Vec<(u64, String, String)> {
    export(store)
        .iter()
        .filter(|p| p["source"] == source)
        .map(|p| {
            (
                p["page"].as_u64().unwrap(),
                p["document_id"].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn csv_export(store: &Path, out: &Path) -> Vec<Vec<String>> {
    let mut c = cmd(store);
    c.args(["export", "--format", "csv", "--out"]).arg(out);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut files: Vec<_> = std::fs::read_dir(out.join("csv")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let last = files.last().unwrap();
    let mut reader = csv::Reader::from_path(last).unwrap();
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

#[test]
fn a_document_is_split_merged_and_a_page_moved_and_the_exports_follow() {
    let (dir, store, _) = store_with_patient_index();
    assert_eq!(ingest(&store, &samples(), &[]).code, 0);
    let source = "tiff/discharge_g4_3pages.tif";
    let docs = documents_of(&store, source);
    let doc = docs[0].1.clone();
    assert!(docs.iter().all(|d| d.1 == doc && d.2 == "filed"), "{docs:?}");
    let file = doc.split('-').next().unwrap().to_string();
    let out = dir.path().join("out");
    let rows = csv_export(&store, &out);
    // (action, document_id, page_range): columns action is last, page_range 13th, document_id 15th.
    let key = |r: &Vec<String>| (r[17].clone(), r[14].clone(), r[12].clone());
    assert!(rows.iter().any(|r| key(r) == ("add".into(), doc.clone(), "1-3".into())));

    // Split before page 2: pages 2 and 3 are a new document, still filed.
    assert_eq!(review(&store, &["split", &doc, "--at", "1"]).code, 2, "not at its first page");
    let r = review(&store, &["split", &doc, "--at", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let docs = documents_of(&store, source);
    let new = docs[1].1.clone();
    assert_ne!(new, doc);
    assert_eq!(docs.iter().map(|d| d.1.as_str()).collect::<Vec<_>>(), vec![doc.as_str(), &new, &new]);
    assert!(docs.iter().all(|d| d.2 == "filed"));
    let rows: Vec<_> = csv_export(&store, &out).iter().map(key).collect();
    assert_eq!(
        rows,
        vec![
            ("delete".into(), doc.clone(), "1-3".into()),
            ("add".into(), doc.clone(), "1".into()),
            ("add".into(), new.clone(), "2-3".into())
        ],
        "the split reaches the load file as a correction"
    );

    // Merge it back: one document again; the other withdrawn.
    let r = review(&store, &["merge", &new]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(documents_of(&store, source).iter().all(|d| d.1 == doc));
    let rows: Vec<_> = csv_export(&store, &out).iter().map(key).collect();
    assert!(rows.contains(&("delete".into(), new.clone(), "2-3".into())), "{rows:?}");
    assert!(rows.contains(&("add".into(), doc.clone(), "1-3".into())), "{rows:?}");
    assert_eq!(review(&store, &["merge", &doc]).code, 2, "the first document has none before it");

    // Numbers are never given twice; a page moves to another document of its file.
    let r = review(&store, &["split", &doc, "--at", "3"]);
    assert_eq!(r.code, 0);
    let third = documents_of(&store, source)[2].1.clone();
    assert!(
        third.split('-').nth(1).unwrap().parse::<u32>().unwrap()
            > new.split('-').nth(1).unwrap().parse::<u32>().unwrap()
    );
    let r = review(&store, &["move", &format!("{file}:3"), "--to", &doc]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(documents_of(&store, source).iter().all(|d| d.1 == doc));
    assert_eq!(review(&store, &["move", &format!("{file}:3"), "--to", "1-1"]).code, 2, "not to another file");

    // Retyped without being filed again.
    let r = review(&store, &["retype", &doc, "--type", "progress_note"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pages: Vec<Value> = export(&store).into_iter().filter(|p| p["source"] == source).collect();
    assert!(pages.iter().all(|p| p["doc_type"] == "progress_note" && p["status"] == "filed"));

    let mut c = cmd(&store);
    c.args(["audit", "--user", "tester"]);
    let audit = run(c).stdout;
    for action in ["split", "merge", "move", "retype"] {
        assert!(audit.contains(action), "{action} not audited: {audit}");
    }
    // Counters still agree with the pages.
    let t = totals(&store);
    let all = export(&store);
    assert_eq!(t["pages"]["filed"].as_u64().unwrap(), all.iter().filter(|p| p["status"] == "filed").count() as u64);
}

fn queue(store: &Path) -> Vec<String> {
    let mut c = cmd(store);
    c.args(["review", "list"]);
    run(c).stdout.lines().map(|l| l.split('\t').next().unwrap().to_string()).collect()
}

#[test]
fn the_review_queue_follows_every_change_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    // The samples' own index, with its traps: some documents wait in review.
    let mut c = cmd(&store);
    c.args(["patients", "import"]).arg(samples().join("patients.csv"));
    assert_eq!(run(c).code, 0);
    assert!(ingest(&store, &samples(), &[]).code <= 1);
    let waiting = queue(&store);
    let in_review: std::collections::BTreeSet<String> = export(&store)
        .iter()
        .filter(|p| p["status"] == "review")
        .map(|p| p["document_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(waiting.iter().cloned().collect::<std::collections::BTreeSet<_>>(), in_review);
    assert_eq!(totals(&store)["documents_in_review"].as_u64(), Some(waiting.len() as u64));
    if let Some(first) = waiting.first().cloned() {
        let r = review(&store, &["reject", &first, "--reason", "not this archive"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let now = queue(&store);
        assert!(!now.contains(&first) && now.len() + 1 == waiting.len());
        assert_eq!(totals(&store)["documents_in_review"].as_u64(), Some(now.len() as u64));
        assert_eq!(review(&store, &["reopen", &first]).code, 0);
        assert_eq!(queue(&store).last(), Some(&first), "back in the queue, last (it entered again)");
    }
}

#[test]
fn reconcile_names_a_document_filed_page_by_page_to_two_patients() {
    let (_dir, store, _) = store_with_patient_index();
    assert_eq!(ingest(&store, &samples(), &[]).code, 0);
    let pages = export(&store);
    let page = |n: u64| {
        pages.iter().find(|p| p["source"] == "tiff/discharge_g4_3pages.tif" && p["page"] == n).unwrap()["page_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (doc, first_mrn) = {
        let p = pages.iter().find(|p| p["page_id"] == page(1).as_str()).unwrap();
        (p["document_id"].as_str().unwrap().to_string(), p["patient"]["mrn"].as_str().unwrap().to_string())
    };
    let other = if first_mrn == "00482913" { "58832071" } else { "00482913" };
    assert_eq!(review(&store, &["resolve", &page(2), "--patient", other]).code, 0);
    let mut c = cmd(&store);
    c.arg("reconcile");
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains(&format!("document {doc}: its pages are filed to 2 patients")), "{}", r.stdout);
    assert!(!r.stdout.contains(other) && !r.stdout.contains(&first_mrn), "no MRN in the listing: {}", r.stdout);
}

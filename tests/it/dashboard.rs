//! The administrator's figures (`chartmill report`, the same figures as the
//! workstation's `/dashboard`): progress, review flow, quality, reviewers'
//! work and boxes reconciled, on the samples ingested for real, then after
//! a technician's work. (The page in a browser: tests/browser/workstation.py.)

use crate::harness::*;
use serde_json::Value;
use std::path::Path;

fn report_json(store: &Path, extra: &[&str]) -> Value {
    let mut c = cmd(store);
    c.args(["report", "--format", "json"]).args(extra);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("report --format json is JSON")
}

fn review(store: &Path, args: &[&str]) -> Run {
    let mut c = cmd(store);
    c.arg("review").args(args).args(["--user", "tester"]);
    let r = run(c);
    assert_eq!(r.code, 0, "review {args:?}: {}", r.stderr);
    r
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// Column `i` of a daily series summed over its days (a test that runs
/// over midnight has its figures on two days).
fn days_sum(daily: &Value, i: usize) -> u64 {
    daily.as_array().unwrap().iter().map(|d| n(&d[i])).sum()
}

/// The box lines of a report, by box name ("" for the batch as a whole).
fn boxes(r: &Value) -> std::collections::BTreeMap<String, Value> {
    r["boxes"].as_array().unwrap().iter().map(|b| (b["box"].as_str().unwrap_or("").to_string(), b.clone())).collect()
}

#[test]
fn the_report_adds_up_for_the_samples_and_follows_the_review_work() {
    // The samples' own index, which leaves their traps in review.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let mut c = cmd(&store);
    c.arg("patients").arg("import").arg(samples().join("patients.csv"));
    assert_eq!(run(c).code, 0);
    // The site's manifest: one box short of a page (tiff holds 9 pages).
    let manifest = dir.path().join("boxes.csv");
    std::fs::write(&manifest, "box,expected_pages\njpeg,2\npdf,7\npng,4\ntiff,10\n").unwrap();
    let r = ingest(&store, &samples(), &["--manifest", manifest.to_str().unwrap(), "--expect-pages", "22"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let status = totals(&store);
    let pages = export(&store);
    let rep = report_json(&store, &[]);

    // Progress: the counters `status` shows, and every entry walked has an outcome.
    assert_eq!(rep["total"]["pages"], status["pages"]);
    assert_eq!(rep["total"]["files"], status["files"]);
    let b = &rep["batches"][0];
    assert_eq!(n(&b["entries"]), n(&status["files"]["found"]));
    assert_eq!((n(&b["entries_done"]), b["progress"].as_f64()), (n(&b["entries"]), Some(1.0)));
    assert_eq!(b["ingest"]["state"], "done");
    assert_eq!(rep["throughput"]["ingest"]["state"], "done");
    let stored = n(&status["pages"]["total"]);
    assert_eq!(n(&rep["throughput"]["last_24_hours"]), stored, "every page was stored in the last day");
    assert_eq!(rep["throughput"]["hourly"].as_array().unwrap().len(), 48);

    // The review flow: the queue's documents entered today; none has left.
    let in_review: std::collections::BTreeSet<&str> =
        pages.iter().filter(|p| p["status"] == "review").map(|p| p["document_id"].as_str().unwrap()).collect();
    assert!(!in_review.is_empty(), "the samples' traps wait in review");
    assert_eq!(n(&rep["review"]["backlog_documents"]), in_review.len() as u64);
    let flow = &rep["review"]["daily"];
    assert_eq!((days_sum(flow, 1), days_sum(flow, 2)), (in_review.len() as u64, 0));
    assert!(rep["review"]["oldest_age_hours"].as_f64().unwrap() < 1.0);
    assert_eq!(rep["review"]["clearance"]["state"], "stalled", "nothing resolved yet: no date");
    assert_eq!(rep["review"]["clearance"]["finish_at"], Value::Null);

    // Quality: today's decisions are the pages filed and in review; the
    // reasons sent today are those waiting; every OCR page has a confidence.
    let (filed, waiting) = (n(&status["pages"]["filed"]), n(&status["pages"]["review"]));
    let rate = &rep["quality"]["review_rate_daily"];
    assert_eq!((days_sum(rate, 1), days_sum(rate, 2)), (filed + waiting, waiting));
    let sent: std::collections::BTreeMap<String, u64> = rep["quality"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x[0].as_str().unwrap().to_string(), n(&x[1])))
        .collect();
    let now_waiting: std::collections::BTreeMap<String, u64> =
        serde_json::from_value(rep["quality"]["waiting_reasons"].clone()).unwrap();
    assert_eq!(sent, now_waiting);
    let confidence: u64 = rep["quality"]["ocr_confidence"].as_array().unwrap().iter().map(n).sum();
    assert_eq!(confidence, n(&status["pages"]["ocr"]));
    assert_eq!(rep["reviewers"], serde_json::json!([]));

    // Boxes: the batch adds up to its 22 pages; the tiff box is a page short.
    let lines = boxes(&rep);
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[""]["problems"], serde_json::json!([]), "{:?}", lines[""]);
    assert_eq!((n(&lines[""]["expected_pages"]), n(&lines[""]["found_pages"])), (22, 22));
    for name in ["jpeg", "pdf", "png"] {
        assert_eq!(lines[name]["problems"], serde_json::json!([]), "{name}: {:?}", lines[name]);
    }
    assert_eq!(n(&lines["tiff"]["found_pages"]), 9);
    assert_eq!(lines["tiff"]["problems"], serde_json::json!(["1 of 10 expected pages not found in the scans"]));

    // A technician's work: a look and a rejection (timed from the look), a
    // filed document taken back and filed again.
    let rejected = *in_review.iter().next().unwrap();
    review(&store, &["show", rejected]);
    review(&store, &["reject", rejected, "--reason", "not a record of this archive"]);
    let filed_page = pages.iter().find(|p| p["status"] == "filed").unwrap();
    let (doc, mrn) = (filed_page["document_id"].as_str().unwrap(), filed_page["patient"]["mrn"].as_str().unwrap());
    let doc_pages = pages.iter().filter(|p| p["document_id"] == doc).count() as u64;
    review(&store, &["reopen", doc]);
    review(&store, &["resolve", doc, "--patient", mrn]);
    let after = report_json(&store, &[]);
    let q = &after["quality"];
    assert_eq!(n(&q["corrections"]), doc_pages, "the reopened document's pages were taken back");
    assert_eq!(n(&q["resolved_filed"]), doc_pages);
    assert_eq!(
        n(&q["resolved_first_candidate"]) + n(&q["resolved_other_patient"]) + n(&q["resolved_no_candidate"]),
        doc_pages
    );
    let reviewers = after["reviewers"].as_array().unwrap();
    assert_eq!(reviewers.len(), 1, "{reviewers:?}");
    let t = &reviewers[0];
    assert_eq!((t["user"].as_str(), n(&t["documents"])), (Some("tester"), 2));
    assert!((1..=2).contains(&n(&t["active_hours"])), "{t}");
    assert_eq!(n(&t["timed"]), 1, "only the document looked at first is timed");
    assert!(t["median_seconds"].as_f64().unwrap() < 60.0);
    let flow = &after["review"]["daily"];
    assert_eq!(
        (days_sum(flow, 1), days_sum(flow, 2)),
        (in_review.len() as u64 + 1, 2),
        "the reopened one entered again"
    );
    assert_eq!(n(&after["review"]["backlog_documents"]), in_review.len() as u64 - 1);
    assert_eq!(after["review"]["clearance"]["state"], "on course");

    // The same figures for one batch; a batch or a date that is not one is a clear error.
    let one = report_json(&store, &["--batch", "samples", "--since", "2026-01-01"]);
    assert_eq!(one["total"]["pages"], after["total"]["pages"]);
    assert_eq!(one["scope"], "batch samples");
    for bad in [["--batch", "nope"], ["--since", "yesterday"]] {
        let mut c = cmd(&store);
        c.arg("report").args(bad);
        let r = run(c);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
        assert!(r.stderr.contains(if bad[0] == "--batch" { "no batch named" } else { "YYYY-MM-DD" }), "{}", r.stderr);
    }

    // The HTML report: one file, nothing fetched, the figures in it, no
    // patient's identifier anywhere in it.
    let html_path = dir.path().join("report.html");
    let mut c = cmd(&store);
    c.args(["report", "--out"]).arg(&html_path);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains(&format!("id=\"pages-stored\">{stored}<")), "the headline figure");
    assert!(html.matches("<svg class=\"chart\"").count() >= 7);
    assert!(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"));
    assert!(!html.contains("@import") && !html.contains("url("));
    assert!(html.contains("1 of 10 expected pages not found in the scans"));
    let json = serde_json::to_string(&after).unwrap();
    for t in truth() {
        let p = &t["patient"];
        if p.is_object() {
            for field in ["mrn", "family_name", "birth_date"] {
                let v = p[field].as_str().unwrap();
                assert!(!html.contains(v) && !json.contains(v), "a patient's {field} in the report");
            }
        }
    }
}

#[test]
fn a_manifest_that_cannot_be_read_stops_the_ingest_before_it_starts() {
    let (dir, store, _) = store_with_patient_index();
    let manifest = dir.path().join("boxes.csv");
    std::fs::write(&manifest, "box,pages\njpeg,2\n").unwrap();
    let r = ingest(&store, &samples(), &["--manifest", manifest.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("box and expected_pages"), "{}", r.stderr);
    assert_eq!(totals(&store)["pages"]["total"], 0);
}

//! A folder of page files, one image per page (`tests/data/page-files/`,
//! synthetic), read as one multi-page file: documents span the files, a
//! later page without an MRN is filed with its first page's patient, a page
//! file that cannot be opened is one failed page; the folder is stored once
//! however often it is fed; `[documents] page_files = false` reads each file
//! on its own again.

use crate::harness::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The fixture folder copied into a new folder as `in/chart/`, and a store
/// holding the samples' patient index (both of its patients are in it).
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, store, _) = store_with_patient_index();
    let input = dir.path().join("in");
    copy_folder(&repo().join("tests/data/page-files/chart"), &input.join("chart"));
    (dir, store, input)
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn ingest_with(store: &Path, input: &Path, config: Option<&str>) -> Run {
    let mut c = cmd(store);
    if let Some(toml) = config {
        let path = store.with_extension("toml");
        std::fs::write(&path, toml).unwrap();
        c.arg("--config").arg(path);
    }
    c.arg("ingest").arg(input).args(["--jobs", "2", "--quiet"]);
    run(c)
}

/// Pages of a folder's page files read as one file, in their order there.
fn of_sequence<'a>(pages: &'a [Value], source: &str) -> Vec<&'a Value> {
    let mut of: Vec<&Value> = pages.iter().filter(|p| p["sequence"]["source"] == source).collect();
    of.sort_by_key(|p| p["sequence"]["page"].as_u64());
    of
}

/// Pages of one source, by page number.
fn of_source<'a>(pages: &'a [Value], source: &str) -> Vec<&'a Value> {
    let mut of: Vec<&Value> = pages.iter().filter(|p| p["source"] == source).collect();
    of.sort_by_key(|p| p["page"].as_u64());
    of
}

#[test]
fn a_folder_of_page_files_is_one_file_and_its_documents_span_the_files() {
    let (dir, store, input) = setup();
    let first = ingest_with(&store, &input, None);
    assert_eq!(first.code, 1, "done, with a failed page: {}", first.stderr);
    assert!(first.stderr.contains("1 files seen: 1 done, 0 failed"), "{}", first.stderr);
    assert!(first.stderr.contains("chart/page-*.tif page 4: page-9.tif: corrupt tiff"), "{}", first.stderr);
    let pages = export(&store);
    let seq = of_sequence(&pages, "chart/page-*.tif");
    assert_eq!(seq.len(), pages.len(), "one file: {pages:?}");
    // Natural order: page-9 before page-10; page-10.tif gives two pages.
    let from: Vec<(u64, &str, u64)> = seq
        .iter()
        .map(|p| (p["sequence"]["page"].as_u64().unwrap(), p["source"].as_str().unwrap(), p["page"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        from,
        vec![
            (1, "chart/page-1.tif", 1),
            (2, "chart/page-2.tif", 1),
            (3, "chart/page-3.tif", 1),
            (4, "chart/page-9.tif", 1),
            (5, "chart/page-10.tif", 1),
            (6, "chart/page-10.tif", 2),
        ]
    );
    let summary = |p: &Value| format!("{} {} {:?}", p["page"], p["status"], p["review_reasons"]);
    // The discharge summary: its pages 2 and 3 name no one and are filed with page 1.
    let discharge = &seq[0..3];
    for p in discharge {
        assert_eq!(p["status"], "filed", "{}", summary(p));
        assert_eq!(p["patient"]["mrn"], "10573826", "{}", summary(p));
        assert_eq!(p["document_id"], seq[0]["document_id"], "one document across page-1, -2 and -3.tif");
        assert_eq!(p["doc_type"], "discharge_summary", "one type for the document");
    }
    assert!(
        discharge[1..].iter().all(|p| p["identifiers"]["mrn"] == serde_json::json!([])),
        "pages 2 and 3 print no MRN"
    );
    // The page file that cannot be opened: one failed page, its error naming the file.
    assert_eq!(seq[3]["status"], "failed");
    let error = seq[3]["error"].as_str().unwrap();
    assert!(error.starts_with("page-9.tif: corrupt tiff"), "{error}");
    // The other patient's document: its own, filed to its own patient.
    let hp = &seq[4..6];
    for p in hp {
        assert_eq!(p["status"], "filed", "{}", summary(p));
        assert_eq!(p["patient"]["mrn"], "00482913", "{}", summary(p));
        assert_eq!(p["document_id"], seq[4]["document_id"]);
        assert_eq!(p["doc_type"], "history_physical");
    }
    assert_ne!(seq[4]["document_id"], seq[0]["document_id"]);
    let sha = seq[0]["sha256"].as_str().unwrap().to_string();
    assert!(seq.iter().all(|p| p["sha256"] == sha.as_str()));

    // Counted as one file of six pages; reconcile names the failed page's file.
    let t = totals(&store);
    assert_eq!((t["files"]["found"].as_u64(), t["source_pages"].as_u64()), (Some(1), Some(6)), "{t}");
    let mut c = cmd(&store);
    c.arg("reconcile");
    let r = run(c);
    assert!(r.stdout.contains("chart/page-*.tif  (batch in, 6 pages in the file"), "{}", r.stdout);
    assert!(r.stdout.contains("page 4 could not be read: page-9.tif: corrupt tiff"), "{}", r.stdout);
    // A technician sees which file a page came from.
    let mut c = cmd(&store);
    c.args(["review", "show", seq[0]["document_id"].as_str().unwrap(), "--user", "tech1"]);
    let shown = run(c);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(shown.stdout.contains("page-*.tif page 2 (page-2.tif))"), "{}", shown.stdout);

    // Fed again: nothing to do, nothing changes.
    let again = ingest_with(&store, &input, None);
    assert_eq!(again.code, 1, "the batch still holds its failed page: {}", again.stderr);
    assert!(again.stderr.contains("1 files seen: 0 done, 0 failed, 0 skipped (unsupported), 0 duplicate, 1 already"));
    assert!(again.stderr.contains("0 pages stored"), "{}", again.stderr);
    assert_eq!(export(&store), pages);
    // The same folder elsewhere, its files renamed: the same pages, a duplicate.
    let copy = dir.path().join("copy");
    for (i, name) in ["page-1.tif", "page-2.tif", "page-3.tif", "page-9.tif", "page-10.tif"].iter().enumerate() {
        std::fs::create_dir_all(copy.join("box")).unwrap();
        std::fs::copy(input.join("chart").join(name), copy.join("box").join(format!("scan{:03}.tif", i + 1))).unwrap();
    }
    let dup = ingest_with(&store, &copy, None);
    assert_eq!(dup.code, 0, "{}", dup.stderr);
    assert!(
        dup.stderr.contains("1 files seen: 0 done, 0 failed, 0 skipped (unsupported), 1 duplicate"),
        "{}",
        dup.stderr
    );
    assert_eq!(export(&store), pages);
}

#[test]
fn with_page_files_off_each_file_is_its_own_document_again() {
    let (_dir, store, input) = setup();
    let r = ingest_with(&store, &input, Some("[documents]\npage_files = false\n"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("5 files seen: 4 done, 1 failed"), "{}", r.stderr);
    let pages = export(&store);
    for later in ["chart/page-2.tif", "chart/page-3.tif"] {
        let p = of_source(&pages, later);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0]["status"], "review", "{later}");
        assert!(p[0]["review_reasons"].as_array().unwrap().iter().any(|r| r == "no MRN found"), "{later}: {}", p[0]);
        assert!(p[0]["sequence"].is_null());
    }
    assert_eq!(of_source(&pages, "chart/page-1.tif")[0]["patient"]["mrn"], "10573826");
    let failed = of_source(&pages, "chart/page-9.tif");
    assert_eq!((failed[0]["page"].is_null(), failed[0]["status"].as_str()), (true, Some("failed")));

    // The folder read file by file goes on file by file when page files are
    // on again: nothing is stored twice.
    let again = ingest_with(&store, &input, None);
    assert_eq!(again.code, 1, "the batch still holds its failed file: {}", again.stderr);
    assert!(again.stderr.contains("5 files seen: 0 done, 0 failed, 0 skipped (unsupported), 0 duplicate, 5 already"));
    assert_eq!(export(&store), pages);
}

/// Crash safety holds for a sequence as for any file: a run killed midway
/// resumes at the first page not stored, and every page is stored once.
#[test]
fn a_killed_run_resumes_a_folder_of_page_files_at_its_first_missing_page() {
    let (_dir, store, input) = setup();
    let mut c = cmd(&store);
    c.arg("ingest").arg(&input).args(["--jobs", "1", "--progress-every", "1"]);
    let mut child = c.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut killed_midway = false;
    for line in std::io::BufRead::lines(stderr) {
        let line = line.unwrap();
        // "progress: F/T files, P pages, ..."
        if let Some(pages) = line.strip_prefix("progress: ").and_then(|l| l.split(", ").nth(1)) {
            let n: usize = pages.trim_end_matches(" pages").parse().unwrap();
            if (1..5).contains(&n) {
                // Past sled's flush interval (250 ms), so the pages counted
                // are on disk when the kill comes (a busy machine once
                // killed it before they were: nothing to compare after).
                std::thread::sleep(std::time::Duration::from_millis(600));
                killed_midway = child.try_wait().unwrap().is_none();
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    assert!(killed_midway, "the first run was killed with pages still to do");
    let before = export(&store);
    assert!(!before.is_empty(), "{before:?}");
    let resumed = ingest_with(&store, &input, None);
    assert!(resumed.code <= 1, "{}", resumed.stderr);
    let pages = export(&store);
    let numbers: Vec<u64> =
        of_sequence(&pages, "chart/page-*.tif").iter().map(|p| p["sequence"]["page"].as_u64().unwrap()).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6], "every page once");
    for p in &before {
        let now = pages.iter().find(|q| q["sequence"] == p["sequence"]).unwrap();
        assert_eq!((&now["text"], &now["sha256"]), (&p["text"], &p["sha256"]), "page {} changed", p["page"]);
    }
    assert_eq!(pages.iter().filter(|p| p["status"] == "filed").count(), 5, "{pages:?}");
}

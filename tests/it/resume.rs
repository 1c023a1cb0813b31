//! Crash safety: a run killed with SIGKILL resumes where it stopped, and
//! every page ends up stored exactly once.

use crate::harness::*;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[test]
fn a_killed_run_resumes_and_stores_every_page_exactly_once() {
    let files = [
        "tiff/discharge_g4_3pages.tif",
        "pdf/scan_dct.pdf",
        "pdf/scan_ccitt.pdf",
        "png/hp_gray8.png",
        "jpeg/lab_report.jpg",
    ];
    let dir = folder_with(&files);
    let store = dir.path().join("..").join(format!("{}-kill.db", dir.path().file_name().unwrap().to_string_lossy()));
    let expected: usize = truth().iter().filter(|t| files.contains(&t["source"].as_str().unwrap())).count();

    // First run: one worker, progress every second; kill it once it has stored a page.
    let mut c = cmd(&store);
    c.arg("ingest").arg(dir.path()).args(["--jobs", "1", "--progress-every", "1", "--batch", "kill"]);
    let mut child = c.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut killed_midway = false;
    for line in stderr.lines() {
        let line = line.unwrap();
        // "progress: F/T files, P pages, ..."
        if let Some(pages) = line.strip_prefix("progress: ").and_then(|l| l.split(", ").nth(1)) {
            let n: usize = pages.trim_end_matches(" pages").parse().unwrap();
            if n >= 1 && n < expected {
                child.kill().unwrap();
                killed_midway = true;
                break;
            }
        }
    }
    child.wait().unwrap();
    assert!(killed_midway, "the first run was killed with pages still to do");

    let resumed = ingest(&store, dir.path(), &["--batch", "kill"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    let pages = export(&store);
    assert_eq!(pages.len(), expected, "every page once: {resumed:?}", resumed = resumed.stderr);
    let keys = by_page(&pages);
    assert_eq!(keys.len(), expected, "no page twice");
    let t = totals(&store);
    assert_eq!(t["pages"]["total"], expected as u64, "counters agree with the export");
    assert_eq!(t["files"]["done"], files.len() as u64);
    assert_eq!(t["files"]["found"], files.len() as u64);
    let _ = std::fs::remove_dir_all(&store);
}

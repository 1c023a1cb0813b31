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

/// Ten SIGKILLs at pseudo-random moments (a fixed seed, so a failure can be
/// replayed; `CHARTMILL_KILL_SEED` picks another), each followed by a
/// restart, then a run to the end: every page once, the counters agree with a
/// full count, and nothing stored before a kill changed after it.
#[test]
fn ten_random_kills_lose_nothing_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    for t in truth() {
        let src = t["source"].as_str().unwrap();
        let to = input.join(src);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(samples().join(src), &to).unwrap();
    }
    let expected = truth().len();
    let store = dir.path().join("s.db");
    let mut seed: u64 = std::env::var("CHARTMILL_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261125);
    let mut next = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed >> 33
    };
    // What a page was when first seen complete: its text and source bytes.
    let mut seen: std::collections::BTreeMap<(String, u64), (String, String)> = Default::default();
    let mut check_unchanged = |pages: &[serde_json::Value]| {
        for p in pages {
            let key = (p["source"].as_str().unwrap().to_string(), p["page"].as_u64().unwrap());
            let now = (p["text"].as_str().unwrap_or("").to_string(), p["sha256"].as_str().unwrap_or("").to_string());
            if let Some(before) = seen.get(&key) {
                assert_eq!(before, &now, "{key:?} changed after a kill");
            } else {
                seen.insert(key, now);
            }
        }
    };
    for _ in 0..10 {
        let wait = std::time::Duration::from_millis(300 + next() % 2200);
        let mut c = cmd(&store);
        c.arg("ingest").arg(&input).args(["--jobs", "2", "--quiet", "--batch", "kills"]);
        let mut child = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(wait);
        let _ = child.kill(); // SIGKILL; it may have finished already
        child.wait().unwrap();
        let pages = export(&store);
        assert!(pages.len() <= expected);
        check_unchanged(&pages);
    }
    let last = ingest(&store, &input, &["--batch", "kills"]);
    assert!(last.code <= 1, "{}", last.stderr);
    let pages = export(&store);
    check_unchanged(&pages);
    assert_eq!(by_page(&pages).len(), expected, "every page once");
    assert_eq!(pages.len(), expected, "no page twice");
    let t = totals(&store);
    assert_eq!(t["pages"]["total"], expected as u64, "counters agree with a full count");
    let statuses = ["review", "filed", "blank", "failed", "rejected", "separator"];
    let counted: u64 = statuses.iter().filter_map(|s| t["pages"][*s].as_u64()).sum();
    let by_status = |s: &str| pages.iter().filter(|p| p["status"] == s).count() as u64;
    assert_eq!(counted, statuses.iter().map(|s| by_status(s)).sum::<u64>(), "{t}");
}

/// A damaged store is refused with a clear message and the exit code for a
/// fatal error. (It is not yet left untouched: sled's recovery writes to
/// the log when it opens it.)
#[test]
fn a_damaged_store_is_refused_and_left_as_it_was() {
    let s = samples_ingested();
    // Two kinds of damage: the log cut short (a bad copy), and bytes of it
    // overwritten (a disk error), which sled alone would take for the torn
    // end of a crash and silently recover to, losing every page after it.
    type Damage = fn(&std::path::Path);
    let damages: [(&str, Damage); 2] = [
        ("cut short", |db| std::fs::OpenOptions::new().write(true).open(db).unwrap().set_len(1000).unwrap()),
        ("overwritten", |db| {
            let mut bytes = std::fs::read(db).unwrap();
            let at = bytes.len() / 5;
            bytes[at..at + 4096].iter_mut().enumerate().for_each(|(i, b)| *b = (i * 37 % 256) as u8);
            std::fs::write(db, bytes).unwrap();
        }),
    ];
    for (what, damage) in damages {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.db");
        std::fs::create_dir(&copy).unwrap();
        for entry in std::fs::read_dir(&s.store).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
            }
        }
        std::fs::create_dir_all(copy.join("blobs")).unwrap();
        damage(&copy.join("db"));
        let before = files_and_bytes(&copy);
        let mut c = cmd(&copy);
        c.arg("status");
        let r = run(c);
        assert_eq!(r.code, 2, "{what}: {}", r.stderr);
        assert!(r.stderr.contains("is damaged or not a chartmill store: its log is"), "{what}: {}", r.stderr);
        assert_eq!(files_and_bytes(&copy), before, "{what}: the refused store was modified");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec!["copy.db"], "{what}: the copy checked is removed");
    }
}

/// Every file under `dir` with its content.
fn files_and_bytes(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}

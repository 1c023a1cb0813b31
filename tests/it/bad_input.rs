//! Bad input is recorded against its file with a specific reason; the batch
//! goes on and the exit code says "done with failures".

use crate::harness::*;

#[test]
fn each_bad_input_gets_its_own_error_and_the_batch_completes() {
    let bad = repo().join("tests/data/bad");
    let expected = std::fs::read_to_string(bad.join("expected.tsv")).expect("tests/data/bad/expected.tsv");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let r = ingest(&store, &bad, &[]);
    assert_eq!(r.code, 1, "done with failures: {}", r.stderr);
    assert!(!r.stderr.contains("panic"), "{}", r.stderr);

    let failed = {
        let mut c = cmd(&store);
        c.args(["status", "--list", "failed"]);
        run(c).stdout
    };
    let skipped = {
        let mut c = cmd(&store);
        c.args(["status", "--list", "skipped"]);
        run(c).stdout
    };
    let pages = export(&store);
    let mut checked = 0;
    for line in expected.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (file, keyword) = line.split_once('\t').unwrap();
        if file == "file" {
            continue; // header
        }
        let reason =
            |listing: &str| listing.lines().find_map(|l| l.strip_prefix(&format!("{file}\t")).map(str::to_string));
        match keyword {
            "ok" => {
                let page = pages.iter().find(|p| p["source"] == file).expect("the good file is stored");
                assert_eq!(page["status"], "review", "{file}");
            }
            "unsupported" => {
                let why = reason(&skipped).unwrap_or_else(|| panic!("{file} is listed as skipped"));
                assert!(why.starts_with("unsupported"), "{file}: {why}");
            }
            _ => {
                // The failure is on the file, or on its only page.
                let why = reason(&failed).or_else(|| {
                    pages
                        .iter()
                        .find(|p| p["source"] == file && p["status"] == "failed")
                        .map(|p| p["error"].as_str().unwrap().to_string())
                });
                let why = why.unwrap_or_else(|| panic!("{file}: no failure recorded\n{failed}"));
                assert!(why.starts_with(keyword), "{file}: expected '{keyword}', got '{why}'");
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "the corpus covers the bad inputs");
}

#[test]
fn broken_links_and_link_loops_are_recorded_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::copy(repo().join("tests/data/bad/good.png"), input.join("good.png")).unwrap();
    // A link to nothing (an unreadable file), and a folder link that loops.
    std::os::unix::fs::symlink(input.join("gone.png"), input.join("dangling.png")).unwrap();
    std::os::unix::fs::symlink(&input, input.join("sub/loop")).unwrap();
    let store = dir.path().join("s.db");
    let r = ingest(&store, &input, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("dangling.png: unreadable"), "{}", r.stderr);
    assert!(r.stderr.contains("sub/loop: unreadable: symbolic link loop"), "{}", r.stderr);
    let pages = export(&store);
    assert!(pages.iter().any(|p| p["source"] == "good.png" && p["status"] == "review"));
}

#[test]
fn a_missing_folder_is_a_fatal_error() {
    let dir = tempfile::tempdir().unwrap();
    let r = ingest(&dir.path().join("s.db"), &dir.path().join("nope"), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not a folder"), "{}", r.stderr);
}

#[test]
fn a_page_over_the_ocr_time_limit_fails_with_that_reason_and_the_batch_goes_on() {
    // 50 ms is far less than any of these pages takes; a born-digital page
    // (no OCR) in the same batch is stored normally.
    let input = folder_with(&["png/hp_gray8.png", "png/progress_nodpi.png", "pdf/born_digital.pdf"]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("site.toml");
    std::fs::write(&config, "[ocr]\ntime_limit_seconds = 0.05\n").unwrap();
    let store = dir.path().join("s.db");
    let mut c = cmd(&store);
    c.arg("--config").arg(&config).arg("ingest").arg(input.path()).args(["--jobs", "2", "--quiet"]);
    let started = std::time::Instant::now();
    let r = run(c);
    assert_eq!(r.code, 1, "done with failures: {}", r.stderr);
    let pages = export(&store);
    let failed: Vec<&serde_json::Value> = pages.iter().filter(|p| p["status"] == "failed").collect();
    assert_eq!(failed.len(), 2, "{pages:?}");
    for p in failed {
        assert_eq!(p["error"], "ocr time limit: recognition took longer than 0.05 s", "{p}");
    }
    let text_layer: Vec<&serde_json::Value> = pages.iter().filter(|p| p["text_source"] == "text_layer").collect();
    assert!(!text_layer.is_empty() && text_layer.iter().all(|p| p["status"] != "failed"), "{pages:?}");
    // Tesseract stopped at its deadline instead of finishing the pages.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

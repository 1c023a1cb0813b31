//! `chartmill backup` while an ingest runs through the server, then
//! `restore`: the restored store verifies and holds every page the backup
//! says it held, as the live store had them; a cut or altered backup
//! restores nothing.

use crate::harness::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The number before `what` in a summary line (`... 12 pages, ...`).
fn number_before(text: &str, what: &str) -> u64 {
    let at = text.find(what).unwrap_or_else(|| panic!("{what:?} in {text}"));
    text[..at].trim_end().rsplit(' ').next().unwrap().parse().unwrap()
}

fn pages_by_id(pages: &[Value]) -> BTreeMap<String, Value> {
    pages
        .iter()
        .filter(|p| p["page"].is_u64())
        .map(|p| (p["page_id"].as_str().unwrap().to_string(), p.clone()))
        .collect()
}

#[test]
fn a_backup_taken_during_an_ingest_restores_to_a_store_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("live.db");
    let mut c = cmd(&store);
    c.args(["users", "add", "admin", "--role", "admin", "--password-stdin"]);
    assert_eq!(run_with_input(c, "a long enough pass phrase\n").code, 0);
    let input = folder_with(&[
        "tiff/discharge_g4_3pages.tif",
        "pdf/scan_ccitt.pdf",
        "pdf/scan_flate.pdf",
        "png/hp_gray8.png",
        "png/consult_skewed.png",
        "jpeg/lab_report.jpg",
        "tiff/op_deflate_16bit.tif",
        "tiff/with_blank.tif",
    ]);

    let server = Server::start(&store);
    let mut c = cmd(&store);
    c.arg("ingest").arg(input.path()).args(["--jobs", "1", "--quiet"]);
    let ingest = c.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Once the first pages are in, back up (through the server, which holds the store).
    let deadline = Instant::now() + Duration::from_secs(120);
    while totals(&store)["pages"]["total"].as_u64().unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "no page stored after 120 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let backup = dir.path().join("live.backup");
    let mut c = cmd(&store);
    c.args(["backup", "--out"]).arg(&backup);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = ingest.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    let held = number_before(&r.stderr, " pages,");
    let final_pages = totals(&store)["pages"]["total"].as_u64().unwrap();
    assert!(held > 0 && held <= final_pages, "{held} of {final_pages}: {}", r.stderr);
    if held == final_pages {
        eprintln!("note: the ingest had finished when the backup was taken");
    }
    assert!(!Path::new(&format!("{}.partial", backup.display())).exists());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);

    // Restored: it verifies, and holds exactly the pages the backup names,
    // each as the live store has it (images included).
    let restored = dir.path().join("restored.db");
    let mut c = cmd(&restored);
    c.arg("restore").arg(&backup);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(number_before(&r.stderr, " pages,"), held);
    let mut c = cmd(&restored);
    c.args(["verify", "--sources"]);
    let v = run(c);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains(&format!("{held} pages")), "{}", v.stdout);
    let restored_pages = pages_by_id(&export(&restored));
    let live_pages = pages_by_id(&export(&store));
    assert_eq!(restored_pages.len() as u64, held);
    for (id, page) in &restored_pages {
        let live = &live_pages[id];
        assert_eq!(page["sha256"], live["sha256"], "{id}");
        assert_eq!(page["image"], live["image"], "{id}");
        assert_eq!(page["text"], live["text"], "{id}");
    }
    let mut c = cmd(&restored);
    c.args(["audit", "verify"]);
    assert_eq!(run(c).code, 0);

    // A restore never overwrites, and a cut or altered backup restores nothing.
    let mut c = cmd(&restored);
    c.arg("restore").arg(&backup);
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("exists"), "{}", r.stderr);
    let bytes = std::fs::read(&backup).unwrap();
    let cut = dir.path().join("cut.backup");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let mut altered = bytes.clone();
    let middle = bytes.len() / 2;
    altered[middle] ^= 1;
    let changed = dir.path().join("changed.backup");
    std::fs::write(&changed, altered).unwrap();
    for (file, why) in [(&cut, "ends too early"), (&changed, "")] {
        let target = dir.path().join("again.db");
        let mut c = cmd(&target);
        c.arg("restore").arg(file);
        let r = run(c);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(why), "{}", r.stderr);
        assert!(!target.exists(), "nothing restored");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("restore-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

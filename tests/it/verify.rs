//! `chartmill verify`: a store as ingest left it agrees with itself and its
//! sources; a damaged image, a changed counter, a lost page record, a
//! changed or missing source file are each reported by id, exit 1.

use crate::harness::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn verify(store: &Path, extra: &[&str]) -> (Run, Value) {
    let mut c = cmd(store);
    c.arg("verify").args(extra).arg("--json");
    let r = run(c);
    let v = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r, v)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn problems(v: &Value) -> Vec<(String, String, String)> {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            (s("kind"), s("what"), s("detail"))
        })
        .collect()
}

/// Changes a copy of the store's sled files directly.
fn with_sled(store: &Path, change: impl FnOnce(&sled::Db)) {
    let db = sled::Config::new().path(store).use_compression(true).open().unwrap();
    change(&db);
    db.flush().unwrap();
}

#[test]
fn verify_finds_damaged_images_counters_documents_and_sources() {
    let input = folder_with(&["png/hp_gray8.png", "tiff/discharge_g4_3pages.tif", "pdf/born_digital.pdf"]);
    copy_dir(&repo().join("tests/data/page-files/chart"), &input.path().join("chart"));
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    // The folder of page files holds one that cannot be opened: a failed page (exit 1).
    assert_eq!(ingest(&store, input.path(), &[]).code, 1);
    let exported = export(&store);
    let pages = exported.iter().filter(|p| p["page"].is_u64()).count() as u64;
    let imaged = exported.iter().filter(|p| p["image"].is_object()).count() as u64;

    let (r, v) = verify(&store, &["--sources"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["pages"], pages);
    assert_eq!(v["images"], imaged);
    assert_eq!(imaged, pages - 1, "every page but the failed one kept its image");
    assert_eq!(v["sources_checked"], 4, "three files and one folder of page files");
    assert!(v["counters"].as_u64().unwrap() > 20, "{v}");
    assert!(problems(&v).is_empty());

    // Sources: one changed, one page file of the folder changed, one gone.
    let mut png = std::fs::read(input.path().join("png/hp_gray8.png")).unwrap();
    png.push(0);
    std::fs::write(input.path().join("png/hp_gray8.png"), png).unwrap();
    std::fs::write(input.path().join("chart/page-2.tif"), b"not the same page").unwrap();
    std::fs::remove_file(input.path().join("pdf/born_digital.pdf")).unwrap();
    let (r, _) = verify(&store, &[]);
    assert_eq!(r.code, 0, "without --sources the sources are not read");
    let (r, v) = verify(&store, &["--sources"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!((v["sources_changed"].as_u64(), v["sources_missing"].as_u64()), (Some(2), Some(1)));
    let found = problems(&v);
    for (source, detail) in
        [("png/hp_gray8.png", "changed"), ("chart/page-*.tif", "changed"), ("pdf/born_digital.pdf", "missing")]
    {
        assert!(
            found.iter().any(|(k, w, d)| k == "source" && w.contains(&format!("({source})")) && d.contains(detail)),
            "{source}: {found:?}"
        );
    }

    // A page image with one byte changed.
    let damaged = tempfile::tempdir().unwrap();
    let copy = damaged.path().join("s.db");
    copy_dir(&store, &copy);
    let image = walkdir::WalkDir::new(copy.join("chartmill.images"))
        .into_iter()
        .map(|e| e.unwrap())
        .find(|e| e.file_type().is_file())
        .unwrap();
    let mut bytes = std::fs::read(image.path()).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(image.path(), bytes).unwrap();
    let name = image.file_name().to_string_lossy().into_owned();
    let page = export(&copy)
        .into_iter()
        .find(|p| p["image"]["sha256"] == name.as_str())
        .map(|p| format!("page {}", p["page_id"].as_str().unwrap()));
    let (r, v) = verify(&copy, &[]);
    assert_eq!(r.code, 1);
    let found = problems(&v);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "image");
    if let Some(page) = page {
        assert_eq!(found[0].1, page);
    }

    // A counter changed, and a page record lost: its document and the
    // counters no longer agree with the records.
    let damaged = tempfile::tempdir().unwrap();
    let copy: PathBuf = damaged.path().join("s.db");
    copy_dir(&store, &copy);
    let tiff = export(&copy)
        .into_iter()
        .find(|p| p["source"] == "tiff/discharge_g4_3pages.tif" && p["page"] == 2)
        .expect("page 2 of the tiff");
    let file_id: u64 = tiff["page_id"].as_str().unwrap().split(':').next().unwrap().parse().unwrap();
    with_sled(&copy, |db| {
        let counters = db.open_tree("counters").unwrap();
        let mut key = 0u64.to_be_bytes().to_vec();
        key.extend_from_slice(b"files_found");
        let n = u64::from_be_bytes(counters.get(&key).unwrap().unwrap().as_ref().try_into().unwrap());
        counters.insert(key, &(n + 1).to_be_bytes()).unwrap();
        let mut page = file_id.to_be_bytes().to_vec();
        page.extend_from_slice(&2u32.to_be_bytes());
        assert!(db.open_tree("pages").unwrap().remove(page).unwrap().is_some());
    });
    let (r, v) = verify(&copy, &[]);
    assert_eq!(r.code, 1);
    let found = problems(&v);
    let has = |kind: &str, what: &str, detail: &str| {
        found.iter().any(|(k, w, d)| k == kind && w.contains(what) && d.contains(detail))
    };
    assert!(has("counter", "counter store files_found", "the records give"), "{found:?}");
    assert!(has("counter", "counter store pages", "the records give"), "{found:?}");
    assert!(has("document", &format!("document {file_id}-"), "names page 2, which has no record"), "{found:?}");
    assert!(!found.iter().any(|(k, ..)| k == "image" || k == "audit"), "{found:?}");
}

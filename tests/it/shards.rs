//! Shards and merge: the samples ingested as one store and as three shard
//! stores merged give the same record, page for page.

use crate::harness::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A store with the samples' patient index (or none) and the samples
/// ingested into batch `samples`, whole or as `shard`.
fn ingested(dir: &Path, name: &str, index: bool, shard: Option<&str>) -> PathBuf {
    let store = dir.join(name);
    if index {
        import_index(&store);
    }
    let mut extra = vec!["--batch", "samples"];
    if let Some(s) = shard {
        extra.extend(["--shard", s]);
    }
    let r = ingest(&store, &samples(), &extra);
    assert_eq!(r.code, 0, "{}", r.stderr);
    store
}

fn import_index(store: &Path) {
    let csv = store.with_extension("patients.csv");
    std::fs::write(&csv, patient_index_csv()).unwrap();
    let mut c = cmd(store);
    c.arg("patients").arg("import").arg(&csv);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

fn merge(into: &Path, shards: &[&Path]) -> Run {
    let mut c = std::process::Command::new(bin());
    c.arg("merge").args(shards).arg("--into").arg(into);
    run(c)
}

/// What a page's record says, without the ids and times a store gives.
fn outcome(p: &Value) -> Value {
    let keep = [
        "status",
        "doc_type",
        "doc_type_confidence",
        "patient",
        "identifiers",
        "review_reasons",
        "candidates",
        "text",
        "sha256",
        "type_unverified",
        "ocr_confidence",
    ];
    let mut o: serde_json::Map<String, Value> = keep.iter().map(|k| (k.to_string(), p[*k].clone())).collect();
    o.insert("image".into(), p["image"]["sha256"].clone());
    Value::Object(o)
}

/// Documents as the sets of pages they hold.
fn documents(pages: &[Value]) -> BTreeSet<Vec<(String, u64)>> {
    let mut docs: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for p in pages.iter().filter(|p| p["page"].is_u64()) {
        let key = p["document_id"].as_str().unwrap_or("none").to_string();
        docs.entry(key).or_default().push((p["source"].as_str().unwrap().to_string(), p["page"].as_u64().unwrap()));
    }
    docs.into_values()
        .map(|mut v| {
            v.sort();
            v
        })
        .collect()
}

/// `status --json`'s batches and total without what differs from run to
/// run (times, speed, the number of runs).
fn counted(store: &Path) -> Value {
    let mut s = status_json(store);
    for b in s["batches"].as_array_mut().unwrap() {
        let b = b.as_object_mut().unwrap();
        for k in ["started_at", "finished_at", "runs", "busy_seconds", "pages_per_second", "shard"] {
            b.remove(k);
        }
    }
    s["batches"].clone()
}

fn assert_same_record(one: &Path, merged: &Path) {
    assert_eq!(counted(one), counted(merged), "status of the merged store differs from the single store's");
    let (a, b) = (export(one), export(merged));
    let (pa, pb) = (by_page(&a), by_page(&b));
    assert_eq!(pa.keys().collect::<Vec<_>>(), pb.keys().collect::<Vec<_>>());
    for (k, p) in &pa {
        assert_eq!(outcome(p), outcome(&pb[k]), "page {k:?}");
    }
    assert_eq!(documents(&a), documents(&b));
}

/// Every file and folder under `root`: path, length, modification time,
/// permissions.
fn tree(root: &Path) -> BTreeSet<(PathBuf, u64, i64, u32)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeSet::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            out.insert((e.path(), m.len(), m.mtime(), m.mode()));
            if m.is_dir() {
                todo.push(e.path());
            }
        }
    }
    out
}

#[test]
fn the_samples_as_three_shards_merged_are_the_samples_as_one_store() {
    let dir = tempfile::tempdir().unwrap();
    // As on a shared file system: nothing is written beside the sources.
    let sources = tree(&samples());
    let one = ingested(dir.path(), "one.db", true, None);
    let shards: Vec<PathBuf> =
        (0..3).map(|i| ingested(dir.path(), &format!("s{i}.db"), true, Some(&format!("{i}/3")))).collect();

    // Every page in exactly one shard.
    let mut seen: BTreeMap<(String, u64), usize> = BTreeMap::new();
    for (i, s) in shards.iter().enumerate() {
        let pages = export(s);
        assert!(!pages.is_empty(), "shard {i} holds no page: the samples should spread over three");
        for k in by_page(&pages).into_keys() {
            assert!(seen.insert(k.clone(), i).is_none(), "{k:?} in two shards");
        }
        assert_eq!(status_json(s)["batches"][0]["shard"], format!("{i}/3"));
    }
    assert_eq!(seen.len(), by_page(&export(&one)).len());

    let merged = dir.path().join("merged.db");
    import_index(&merged);
    let refs: Vec<&Path> = shards.iter().map(|s| s.as_path()).collect();
    let r = merge(&merged, &refs);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.lines().filter(|l| l.contains("pages") && l.contains("merged")).count(), 3, "{}", r.stdout);
    assert_same_record(&one, &merged);

    // The shards' audit entries are here with their origin, and the chain holds.
    let mut c = cmd(&merged);
    c.args(["audit", "--format", "json"]);
    let a = run(c);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let entries: Vec<Value> = a.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let origins: BTreeSet<String> =
        entries.iter().filter_map(|e| e["origin"].as_str()).map(|o| o.split(':').next().unwrap().to_string()).collect();
    assert_eq!(origins.len(), 3, "one origin per shard store: {origins:?}");
    assert_eq!(entries.iter().filter(|e| e["action"] == "merge").count(), 3);
    for check in [&["audit", "verify"][..], &["verify"][..]] {
        let mut c = cmd(&merged);
        c.args(check);
        let v = run(c);
        assert_eq!(v.code, 0, "{check:?}: {}{}", v.stdout, v.stderr);
    }

    // Merging again changes nothing.
    let before = (counted(&merged), status_json(&merged)["audit"].clone());
    let again = merge(&merged, &refs);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.stdout.matches("merged before, nothing to do").count(), 3, "{}", again.stdout);
    assert_eq!((counted(&merged), status_json(&merged)["audit"].clone()), before);
    assert_eq!(status_json(&merged)["shards_merged"].as_array().unwrap().len(), 3);

    // Shards ingested without a patient index are filed at the merge,
    // against the target's, the same way.
    let bare: Vec<PathBuf> =
        (0..3).map(|i| ingested(dir.path(), &format!("b{i}.db"), false, Some(&format!("{i}/3")))).collect();
    let filed_at_merge = dir.path().join("filed-at-merge.db");
    import_index(&filed_at_merge);
    let refs: Vec<&Path> = bare.iter().map(|s| s.as_path()).collect();
    // One shard at a time, as the tasks of an array finish.
    for s in &refs {
        let r = merge(&filed_at_merge, &[s]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    assert_same_record(&one, &filed_at_merge);
    assert_eq!(tree(&samples()), sources, "the sources' folder changed");
}

#[test]
fn content_two_shards_hold_is_stored_once_and_the_second_recorded_a_duplicate() {
    // The same scan in two folders that fall in different shards (one file
    // a folder: numbered files side by side would be one page sequence).
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    let bytes = std::fs::read(samples().join("png/hp_gray8.png")).unwrap();
    let names: Vec<String> = (0..40).map(|i| format!("folder-{i}/scan.png")).collect();
    let shard = |name: &str| chartmill::shard::Shard { index: 0, count: 2 }.owns(name);
    let a = names.iter().find(|n| shard(n)).unwrap();
    let b = names.iter().find(|n| !shard(n)).unwrap();
    for name in [a, b] {
        std::fs::create_dir_all(archive.join(name).parent().unwrap()).unwrap();
        std::fs::write(archive.join(name), &bytes).unwrap();
    }
    let stores: Vec<PathBuf> = (0..2)
        .map(|i| {
            let s = dir.path().join(format!("s{i}.db"));
            let r = ingest(&s, &archive, &["--shard", &format!("{i}/2")]);
            assert_eq!(r.code, 0, "{}", r.stderr);
            s
        })
        .collect();
    let merged = dir.path().join("m.db");
    let r = merge(&merged, &[&stores[0], &stores[1]]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("recorded as duplicates"), "{}", r.stdout);
    let t = totals(&merged);
    assert_eq!(t["files"]["duplicate"], 1, "{t}");
    assert_eq!(t["pages"]["total"], 1, "{t}");
}

#[test]
fn shards_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let folder = folder_with(&["png/hp_gray8.png"]);
    for bad in ["3/3", "1", "x/2"] {
        let r = ingest(&store, folder.path(), &["--shard", bad]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
    }
    // A batch stays the shard it was ingested as.
    assert_eq!(ingest(&store, folder.path(), &["--batch", "b", "--shard", "0/2"]).code, 0);
    let r = ingest(&store, folder.path(), &["--batch", "b", "--shard", "1/2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("shard 0/2") && r.stderr.contains("shard 1/2"), "{}", r.stderr);
    assert_eq!(ingest(&store, folder.path(), &["--batch", "b"]).code, 2);

    // The shard from the scheduler's environment.
    let slurm = dir.path().join("slurm.db");
    let mut c = cmd(&slurm);
    c.arg("ingest").arg(folder.path()).args(["--quiet", "--shard-from-env"]);
    c.env("SLURM_ARRAY_TASK_ID", "4").env("SLURM_ARRAY_TASK_MIN", "3").env("SLURM_ARRAY_TASK_COUNT", "3");
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(status_json(&slurm)["batches"][0]["shard"], "1/3");
    let mut c = cmd(&dir.path().join("k8s.db"));
    c.arg("ingest").arg(folder.path()).args(["--quiet", "--shard-from-env"]).env("JOB_COMPLETION_INDEX", "0");
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("CHARTMILL_SHARD_COUNT"), "{}", r.stderr);

    // A store is not merged into itself.
    let r = merge(&store, &[&store]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("into itself"), "{}", r.stderr);
    // A shard that is not a store is reported; the others go on.
    let merged = dir.path().join("m.db");
    let r = merge(&merged, &[&dir.path().join("no-such.db"), &slurm]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("slurm.db (shard 1/3)"), "{}", r.stdout);
}

#[test]
fn a_merge_killed_part_way_resumes_and_ends_with_every_page_once() {
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("shard.db");
    let mut c = cmd(&shard);
    c.args(["debug", "fill", "--pages", "5000", "--batch", "filled"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let merged = dir.path().join("merged.db");

    let mut c = std::process::Command::new(bin());
    c.arg("merge").arg(&shard).arg("--into").arg(&merged);
    c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = c.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let cut = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();

    let r = merge(&merged, &[&shard]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    if cut {
        assert!(r.stdout.contains("files here from an earlier run"), "{}", r.stdout);
    }
    // The same as a merge that ran through (debug fill's pages carry
    // decisions no filing made, so the shard's own figures differ).
    let whole = dir.path().join("whole.db");
    assert_eq!(merge(&whole, &[&shard]).code, 0);
    assert_eq!(counted(&merged), counted(&whole));
    assert_eq!(totals(&merged)["pages"]["total"], 5000);
    assert_eq!(totals(&merged)["files"], totals(&shard)["files"]);
    let mut c = cmd(&merged);
    c.arg("verify");
    let v = run(c);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert!(status_json(&merged)["shards_merged"][0]["done_at"].is_i64());
}

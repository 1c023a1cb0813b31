//! The audit trail is a hash chain: `audit verify` finds every change made
//! to a real store's files behind chartmill's back (a changed byte, an entry
//! removed, inserted, moved, the end cut off) and names the first entry at
//! fault; `audit --format json` exports the entries with their hashes.

use crate::harness::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A store holding a patient index, one small ingest (so sequence numbers
/// have gaps, as in a real store) and eight more audit entries.
fn store_with_a_trail() -> (tempfile::TempDir, PathBuf) {
    let (dir, store, _) = store_with_patient_index();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("note.pdf"), text_pdf(&["PROGRESS NOTE\nMRN: 000000\nThe patient is well."])).unwrap();
    assert_eq!(ingest(&store, &docs, &[]).code, 0);
    for (i, name) in ["SM", "JO", "GA", "PA", "WI", "BR", "LE", "KI"].iter().enumerate() {
        let mut c = cmd(&store);
        c.args(["patients", "search", "--name", name, "--user", &format!("clerk{}", i % 3)]);
        assert_eq!(run(c).code, 0);
    }
    (dir, store)
}

fn entries(store: &Path) -> Vec<Value> {
    let mut c = cmd(store);
    c.args(["audit", "--format", "json"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn verify(store: &Path, extra: &[&str]) -> Run {
    let mut c = cmd(store);
    c.args(["audit", "verify"]).args(extra);
    run(c)
}

/// A copy of `store` (closed, sealed) in a new folder.
fn copy_of(store: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("copy.db");
    for entry in walkdir::WalkDir::new(store) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(store).unwrap();
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(to.join(rel)).unwrap();
        } else {
            std::fs::copy(entry.path(), to.join(rel)).unwrap();
        }
    }
    (dir, to)
}

/// Changes the copy's sled files directly, as someone with the disk could.
fn tamper(store: &Path, change: impl FnOnce(&sled::Tree, &sled::Tree)) {
    let db = sled::Config::new().path(store).use_compression(true).open().unwrap();
    let audit = db.open_tree("audit").unwrap();
    let meta = db.open_tree("meta").unwrap();
    change(&audit, &meta);
    db.flush().unwrap();
}

/// A change to the `audit` and `meta` trees.
type Tampering = dyn FnOnce(&sled::Tree, &sled::Tree);

fn keys(audit: &sled::Tree) -> Vec<u64> {
    audit.iter().keys().map(|k| u64::from_be_bytes(k.unwrap().as_ref().try_into().unwrap())).collect()
}

fn broken_at(r: &Run) -> u64 {
    assert_eq!(r.code, 1, "a broken trail exits 1: {}{}", r.stdout, r.stderr);
    let line = r.stdout.lines().find(|l| l.contains("BROKEN at entry")).expect(&r.stdout);
    line.split("entry ").nth(1).unwrap().split(':').next().unwrap().parse().unwrap()
}

#[test]
fn the_audit_trail_is_a_chain_and_every_tampering_is_found() {
    let (_dir, store) = store_with_a_trail();
    let all = entries(&store);
    assert!(all.len() >= 9, "{all:?}");
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    // Chained: each names the hash of the one before.
    assert_eq!(all[0]["prev"], "0".repeat(64));
    for pair in all.windows(2) {
        assert_eq!(pair[1]["prev"], pair[0]["hash"]);
        assert_eq!(pair[0]["hash"].as_str().unwrap().len(), 64);
    }
    // No page text in the trail: ids, users, actions and fields changed.
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains("The patient is well"), "{text}");

    // Intact: exit 0, and the head is what `status --json` prints.
    let head = status_json(&store)["audit"]["head"].as_str().unwrap().to_string();
    assert_eq!(status_json(&store)["audit"]["entries"], all.len() as u64);
    assert_eq!(head, all.last().unwrap()["hash"].as_str().unwrap());
    let r = verify(&store, &["--head", &head]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&format!("intact: {} entries", all.len())), "{}", r.stdout);

    // A SIEM's next pull: the entries after a sequence number.
    let mut c = cmd(&store);
    c.args(["audit", "--format", "json", "--after", &seqs[4].to_string()]);
    let later: Vec<u64> =
        run(c).stdout.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["seq"].as_u64().unwrap()).collect();
    assert_eq!(later, seqs[5..]);

    let cases: Vec<(&str, u64, Box<Tampering>)> = vec![
        (
            "one byte of an entry changed",
            seqs[3],
            Box::new(|audit: &sled::Tree, _: &sled::Tree| {
                let k = keys(audit)[3].to_be_bytes();
                let mut v = audit.get(k).unwrap().unwrap().to_vec();
                let at = v.windows(6).position(|w| w == b"clerk1" || w == b"clerk0" || w == b"clerk2").unwrap();
                v[at + 5] = b'9';
                audit.insert(k, v).unwrap();
            }),
        ),
        (
            "the stored hash changed",
            seqs[6],
            Box::new(|audit: &sled::Tree, _: &sled::Tree| {
                let k = keys(audit)[6].to_be_bytes();
                let mut v = audit.get(k).unwrap().unwrap().to_vec();
                let last = v.len() - 1;
                v[last] = if v[last] == b'0' { b'1' } else { b'0' };
                audit.insert(k, v).unwrap();
            }),
        ),
        (
            "an entry removed",
            seqs[5],
            Box::new(|audit: &sled::Tree, _: &sled::Tree| {
                audit.remove(keys(audit)[4].to_be_bytes()).unwrap();
            }),
        ),
        (
            "an entry inserted (a copy of another, in a gap of the sequence)",
            seqs[0] + 1,
            Box::new(|audit: &sled::Tree, _: &sled::Tree| {
                let k = keys(audit);
                assert!(k[1] > k[0] + 1, "the ingest left a gap: {k:?}");
                let copy = audit.get(k[0].to_be_bytes()).unwrap().unwrap();
                audit.insert((k[0] + 1).to_be_bytes(), copy).unwrap();
            }),
        ),
        (
            "two entries swapped",
            seqs[2],
            Box::new(|audit: &sled::Tree, _: &sled::Tree| {
                let k = keys(audit);
                let (a, b) = (k[2].to_be_bytes(), k[3].to_be_bytes());
                let (va, vb) = (audit.get(a).unwrap().unwrap(), audit.get(b).unwrap().unwrap());
                audit.insert(a, vb).unwrap();
                audit.insert(b, va).unwrap();
            }),
        ),
        (
            "the last entry cut off",
            seqs[seqs.len() - 2],
            Box::new(|audit: &sled::Tree, _: &sled::Tree| {
                audit.remove(keys(audit).last().unwrap().to_be_bytes()).unwrap();
            }),
        ),
        (
            "the last two entries cut off and the recorded head set back (found by the seal's head)",
            seqs[seqs.len() - 3],
            Box::new(|audit: &sled::Tree, meta: &sled::Tree| {
                let k = keys(audit);
                for key in &k[k.len() - 2..] {
                    audit.remove(key.to_be_bytes()).unwrap();
                }
                let v = audit.get(k[k.len() - 3].to_be_bytes()).unwrap().unwrap();
                let hash = &v[v.iter().rposition(|&b| b == b'\n').unwrap() + 1..];
                meta.insert("audit_head", hash).unwrap();
            }),
        ),
    ];
    for (what, expected, change) in cases {
        let (_copy_dir, copy) = copy_of(&store);
        tamper(&copy, change);
        let r = verify(&copy, &[]);
        assert_eq!(broken_at(&r), expected, "{what}: {}", r.stdout);
    }

    // The end cut off and the recorded head set back, then the store closed
    // cleanly once so that the seal agrees: found by the count of entries;
    // with the count set back too, only by a head recorded outside the store.
    let cut_last = |set_count: bool| {
        move |audit: &sled::Tree, meta: &sled::Tree| {
            let k = keys(audit);
            audit.remove(k.last().unwrap().to_be_bytes()).unwrap();
            let v = audit.get(k[k.len() - 2].to_be_bytes()).unwrap().unwrap();
            meta.insert("audit_head", &v[v.iter().rposition(|&b| b == b'\n').unwrap() + 1..]).unwrap();
            if set_count {
                meta.insert("audit_entries", &(k.len() as u64 - 1).to_be_bytes()).unwrap();
            }
        }
    };
    let (_copy_dir, copy) = copy_of(&store);
    tamper(&copy, cut_last(false));
    drop(status_json(&copy));
    let r = verify(&copy, &[]);
    assert_eq!(broken_at(&r), seqs[seqs.len() - 2], "{}", r.stdout);
    assert!(r.stdout.contains("entries removed"), "{}", r.stdout);
    let (_copy_dir, copy) = copy_of(&store);
    tamper(&copy, cut_last(true));
    assert_eq!(status_json(&copy)["audit"]["entries"], all.len() as u64 - 1);
    assert_eq!(verify(&copy, &[]).code, 0, "the seal now agrees with the cut trail");
    let r = verify(&copy, &["--head", &head]);
    assert_eq!(broken_at(&r), seqs[seqs.len() - 2], "{}", r.stdout);
    assert!(r.stdout.contains("removed from the end"), "{}", r.stdout);

    // A malformed --head is a clear error.
    let r = verify(&store, &["--head", "abc"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("64 digits"), "{}", r.stderr);
}

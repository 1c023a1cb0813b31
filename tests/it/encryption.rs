//! An encrypted store: not one MRN, name, birth date or body word of the
//! samples or of a generated 200-page batch anywhere in the raw bytes of
//! its files (nor of its backup); a missing or wrong key is a clear error
//! that changes nothing; `rekey` moves it to a new key; unencrypted stores
//! keep working.

use crate::harness::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A key file (mode 0400) and a configuration naming it.
fn key_config(dir: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let key = dir.join(format!("{name}.key"));
    use sha2::Digest;
    let bytes = sha2::Sha256::digest(format!("test key {name}"));
    std::fs::write(&key, bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o400)).unwrap();
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, format!("[encryption]\nkey_file = \"{}\"\n", key.display())).unwrap();
    config
}

fn with_config(config: &Path, store: &Path) -> std::process::Command {
    let mut c = cmd(store);
    c.arg("--config").arg(config);
    c
}

/// A fictional patient of the generated batch: (MRN, family, given, birth date).
fn generated_patient(i: usize) -> (String, String, String, String) {
    const A: [&str; 10] = ["Vor", "Quel", "Brim", "Tash", "Oster", "Penn", "Dravo", "Kel", "Mour", "Zan"];
    const B: [&str; 10] = ["hollow", "mere", "wick", "gard", "thorne", "vale", "brook", "stead", "field", "crest"];
    const G: [&str; 5] = ["Aurelio", "Benedikta", "Cassius", "Dorotea", "Evander"];
    (
        format!("{:08}", 73_000_000 + i * 7919),
        format!("{}{}", A[i % 10], B[(i / 10) % 10]),
        G[i % 5].to_string(),
        format!("19{:02}-{:02}-{:02}", 30 + i % 60, 1 + i % 12, 1 + i % 28),
    )
}

/// Words of the generated notes' bodies, one set per page.
const BODY: [&str; 10] = [
    "hemarthrosis",
    "pericardiocentesis",
    "thrombocytopenia",
    "cholecystectomy",
    "bronchiectasis",
    "nephrolithiasis",
    "osteomyelitis",
    "polymyalgia",
    "diverticulitis",
    "endocarditis",
];

/// 200 pages in 20 text PDFs of 10 one-page progress notes, and the patient index CSV.
fn generated_batch(dir: &Path) -> (PathBuf, String) {
    let folder = dir.join("generated");
    std::fs::create_dir_all(&folder).unwrap();
    let mut csv = String::from("mrn,family_name,given_name,birth_date,sex\n");
    for f in 0..20 {
        let mut pages = Vec::new();
        for p in 0..10 {
            let i = f * 10 + p;
            let (mrn, family, given, dob) = generated_patient(i);
            let us = format!("{}/{}/{}", &dob[5..7], &dob[8..10], &dob[..4]);
            pages.push(format!(
                "PROGRESS NOTE\nPatient: {family}, {given}\nMRN: {mrn}\nDOB: {us}\n\nAssessment: {} and {} under review.\nPlan: follow up in clinic.",
                BODY[i % 10],
                BODY[(i + 3) % 10]
            ));
            csv.push_str(&format!("{mrn},{family},{given},{dob},U\n"));
        }
        let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
        std::fs::write(folder.join(format!("chart-{f:02}.pdf")), text_pdf(&refs)).unwrap();
    }
    (folder, csv)
}

/// What must not be found: every identifier and body word, as written and
/// in upper and lower case. Words of chartmill's own vocabulary (document
/// types, counter names: `vocabulary`, lower case) are not the page's text.
fn protected_terms(generated_csv: &str, vocabulary: &str) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    let mut body_words = BTreeSet::new();
    for t in truth() {
        if let Some(p) = t["patient"].as_object() {
            for k in ["mrn", "family_name", "given_name", "birth_date"] {
                terms.insert(p[k].as_str().unwrap().to_string());
            }
        }
        for w in t["expect_words"].as_array().into_iter().flatten() {
            let w = w.as_str().unwrap();
            if !vocabulary.contains(&w.to_lowercase()) {
                body_words.insert(w.to_string());
            }
        }
    }
    assert!(body_words.len() >= 10, "{body_words:?}");
    terms.extend(body_words);
    for line in generated_csv.lines().skip(1) {
        terms.extend(line.split(',').take(4).map(str::to_string));
    }
    terms.extend(BODY.iter().map(|w| w.to_string()));
    terms.into_iter().filter(|t| t.len() >= 5).flat_map(|t| [t.to_uppercase(), t.to_lowercase(), t]).collect()
}

/// The terms found in the raw bytes of every file under `root`, with where.
fn raw_search(root: &Path, terms: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        for t in terms {
            if bytes.windows(t.len()).any(|w| w == t.as_bytes()) {
                found.push((t.clone(), entry.path().display().to_string()));
            }
        }
    }
    found
}

/// Every file of a store folder and its content's hash.
fn snapshot(root: &Path) -> Vec<(String, String)> {
    use sha2::Digest;
    let mut out: Vec<(String, String)> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let hash = sha2::Sha256::digest(std::fs::read(e.path()).unwrap());
            (e.path().display().to_string(), format!("{hash:x}"))
        })
        .collect();
    out.sort();
    out
}

/// A store (encrypted when `config` is given) holding both patient indexes,
/// the samples and the generated batch.
fn build(dir: &Path, name: &str, config: Option<&Path>, generated: &Path, csv: &str) -> PathBuf {
    let store = dir.join(name);
    let command = |store: &Path| match config {
        Some(c) => with_config(c, store),
        None => cmd(store),
    };
    if config.is_some() {
        let mut c = command(&store);
        c.args(["init", "--encrypt"]);
        let r = run(c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("encrypted"), "{}", r.stderr);
    }
    let patients = dir.join(format!("{name}-patients.csv"));
    std::fs::write(&patients, format!("{}{}", patient_index_csv(), csv.lines().skip(1).collect::<Vec<_>>().join("\n")))
        .unwrap();
    let mut c = command(&store);
    c.args(["patients", "import"]).arg(&patients);
    assert_eq!(run(c).code, 0);
    for input in [samples(), generated.to_path_buf()] {
        let mut c = command(&store);
        c.arg("ingest").arg(&input).args(["--jobs", "2", "--quiet"]);
        let r = run(c);
        assert!(r.code <= 1, "{}", r.stderr);
    }
    // Searches (audited with their terms) and a resolve leave PHI in the audit trail too.
    let mut c = command(&store);
    c.args(["patients", "search", "--name", "Quillfeather", "--user", "hit"]);
    assert_eq!(run(c).code, 0);
    store
}

#[test]
fn an_encrypted_store_holds_no_readable_phi_and_needs_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let (generated, csv) = generated_batch(dir.path());
    let config = key_config(dir.path(), "site");
    let store = build(dir.path(), "enc.db", Some(&config), &generated, &csv);
    let mut vocabulary = String::new();
    for args in [&["types"][..], &["status", "--json"]] {
        let mut c = with_config(&config, &store);
        c.args(args);
        vocabulary.push_str(&run(c).stdout.to_lowercase());
    }
    let terms = protected_terms(&csv, &vocabulary);
    assert!(terms.len() > 800, "{}", terms.len());

    // It works with its key: the pages are there and filed, it verifies.
    let mut c = with_config(&config, &store);
    c.args(["export", "--format", "jsonl"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pages: Vec<serde_json::Value> = r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let filed = pages.iter().filter(|p| p["status"] == "filed").count();
    assert!(pages.len() >= 220 && filed >= 200, "{} pages, {filed} filed", pages.len());
    assert!(r.stdout.contains("Brimhollow") || r.stdout.contains("Quelhollow"), "the names read back");
    let mut c = with_config(&config, &store);
    c.args(["patients", "search", "--name", "VOR"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 20, "the name search works on sealed names: {}", r.stdout);
    let mut c = with_config(&config, &store);
    c.args(["patients", "search", "--dob", "1962-03-14"]);
    assert!(run(c).stdout.contains("00482913"), "and the birth-date index");
    let mut c = with_config(&config, &store);
    c.args(["verify"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // Not one protected term in the raw bytes of the store's files.
    let found = raw_search(&store, &terms);
    assert!(found.is_empty(), "found in the encrypted store: {found:?}");
    // The same search finds them in an unencrypted store built the same way.
    let plain = build(dir.path(), "plain.db", None, &generated, &csv);
    assert!(!raw_search(&plain, &terms).is_empty(), "the search finds what is there");

    // A backup stays encrypted, and restores to a store that verifies with the key.
    let backup = dir.path().join("enc.backup");
    let mut c = with_config(&config, &store);
    c.args(["backup", "--out"]).arg(&backup);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("encrypted as the store is"), "{}", r.stderr);
    let found = raw_search(&backup, &terms);
    assert!(found.is_empty(), "found in the backup: {found:?}");
    let restored = dir.path().join("restored.db");
    let mut c = cmd(&restored);
    c.arg("restore").arg(&backup);
    assert_eq!(run(c).code, 0);
    let mut c = cmd(&restored);
    c.arg("verify");
    let r = run(c);
    assert_eq!(r.code, 2, "the restored store needs the key too");
    let mut c = with_config(&config, &restored);
    c.arg("verify");
    let r = run(c);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // A missing key, a wrong key, a key file others can read: clear errors, nothing changed.
    let before = snapshot(&store);
    let mut c = cmd(&store);
    c.arg("status");
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is encrypted: its key is needed"), "{}", r.stderr);
    let wrong = key_config(dir.path(), "another");
    let mut c = with_config(&wrong, &store);
    c.arg("status");
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not open store"), "{}", r.stderr);
    use std::os::unix::fs::PermissionsExt;
    let loose = dir.path().join("site.key");
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut c = with_config(&config, &store);
    c.arg("status");
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("can be read by others"), "{}", r.stderr);
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert_eq!(snapshot(&store), before, "a refused open changes no byte of the store");

    // rekey: the new key opens it, the old one no longer does.
    let new_key = dir.path().join("next.key");
    let next = key_config(dir.path(), "next");
    let mut c = with_config(&config, &store);
    c.args(["rekey", "--new-key-file"]).arg(&new_key);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut c = with_config(&config, &store);
    c.arg("status");
    assert_eq!(run(c).code, 2, "the old key no longer opens it");
    let mut c = with_config(&next, &store);
    c.args(["audit", "verify"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let mut c = with_config(&next, &store);
    c.args(["export", "--format", "jsonl"]);
    assert_eq!(run(c).stdout.lines().count(), pages.len());

    // An unencrypted store is not opened as if it were encrypted.
    let mut c = with_config(&config, &plain);
    c.arg("status");
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not encrypted"), "{}", r.stderr);
    let mut c = cmd(&plain);
    c.arg("verify");
    assert_eq!(run(c).code, 0, "and keeps working without a key");
}

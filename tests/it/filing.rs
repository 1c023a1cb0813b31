//! Patient filing end to end: a synthetic scanned batch with traps
//! (`scripts/make-filing-batch`), its patient index, the real pipeline. No
//! page may be filed to a wrong patient; every trap ends in review with its
//! reason; the review queue resolves, reopens and rejects, all audited.

use crate::harness::*;
use serde_json::Value;
use std::process::Command;

struct Batch {
    _dir: tempfile::TempDir,
    store: std::path::PathBuf,
    truth: Vec<Value>,
    pages: std::collections::BTreeMap<(String, u64), Value>,
}

fn filed_batch() -> &'static Batch {
    static ONCE: std::sync::OnceLock<Batch> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("batch");
        let made = Command::new(repo().join("scripts/make-filing-batch"))
            .arg("--out")
            .arg(&out)
            .args(["--docs", "30", "--seed", "1"])
            .output()
            .expect("scripts/make-filing-batch runs (Debian python3-pil)");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let store = dir.path().join("s.db");
        let mut c = cmd(&store);
        c.arg("patients").arg("import").arg(out.join("patients.csv"));
        let r = run(c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = ingest(&store, &out.join("scans"), &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let text = std::fs::read_to_string(out.join("truth.jsonl")).unwrap();
        let truth = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let pages = by_page(&export(&store));
        Batch { _dir: dir, store, truth, pages }
    })
}

#[test]
fn no_page_is_filed_to_a_wrong_patient_and_every_trap_is_in_review() {
    let b = filed_batch();
    let (mut filed, mut traps) = (0, 0);
    for t in &b.truth {
        let key = (t["source"].as_str().unwrap().to_string(), t["page"].as_u64().unwrap());
        let page = &b.pages[&key];
        if page["status"] == "filed" {
            filed += 1;
            assert_eq!(page["patient"]["mrn"], t["patient_mrn"], "{key:?} filed to a wrong patient");
        }
        if let Some(trap) = t["trap"].as_str() {
            traps += 1;
            assert_eq!(page["status"], "review", "{key:?} ({trap}) must be in review");
            let want = t["expect_reason"].as_str().unwrap();
            let reasons: Vec<&str> =
                page["review_reasons"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            assert!(reasons.iter().any(|r| r.contains(want)), "{key:?} ({trap}): reasons {reasons:?}, want '{want}'");
        }
    }
    // A page whose only MRN is no patient's has its header read again
    // (`extract::second_look`); the second reading finds the same number.
    for t in b.truth.iter().filter(|t| t["trap"] == "not_in_index") {
        let key = (t["source"].as_str().unwrap().to_string(), t["page"].as_u64().unwrap());
        let reread = b.pages[&key]["timings"]["reread_ms"].as_u64().unwrap_or(0);
        assert!(reread > 0, "{key:?}: the header of a page with an unknown MRN is read again");
    }
    assert!(traps >= 5, "the batch holds every kind of trap");
    assert!(filed * 2 >= b.truth.len(), "most ordinary pages are filed ({filed} of {})", b.truth.len());
}

#[test]
fn review_resolves_reopens_and_rejects_with_an_audit_trail() {
    let b = filed_batch();
    // A copy of the store: this test changes it.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let copy = Command::new("cp").arg("-r").arg(&b.store).arg(&store).status().unwrap();
    assert!(copy.success());
    let trap = b.truth.iter().find(|t| t["trap"] == "swapped_identity").expect("a swapped identity trap");
    let key = (trap["source"].as_str().unwrap().to_string(), trap["page"].as_u64().unwrap());
    let doc = b.pages[&key]["document_id"].as_str().unwrap().to_string();
    let truth_mrn = trap["patient_mrn"].as_str().unwrap();

    let review = |args: &[&str]| {
        let mut c = cmd(&store);
        c.arg("review").args(args).args(["--user", "tech1"]);
        run(c)
    };
    let mut c = cmd(&store);
    c.args(["review", "list", "--reason", "name and DOB belong"]);
    let listed = run(c);
    assert!(listed.stdout.contains(&doc), "{}", listed.stdout);
    let shown = review(&["show", &doc]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(shown.stdout.contains("reason: name and DOB belong to another patient"), "{}", shown.stdout);
    assert!(shown.stdout.contains("candidate:"), "candidates are listed: {}", shown.stdout);

    let bad = review(&["resolve", &doc, "--patient", "NOPE0000"]);
    assert_eq!(bad.code, 2, "an MRN outside the index is refused");
    let ok = review(&["resolve", &doc, "--patient", truth_mrn, "--type", "insurance"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let after = by_page(&export(&store));
    assert_eq!(after[&key]["status"], "filed");
    assert_eq!(after[&key]["patient"]["mrn"], truth_mrn);
    assert_eq!(after[&key]["resolved_by"], "tech1");
    assert_eq!(after[&key]["doc_type"], "insurance");

    assert_eq!(review(&["reopen", &doc]).code, 0);
    assert_eq!(by_page(&export(&store))[&key]["status"], "review");
    assert_eq!(review(&["reject", &doc, "--reason", "belongs to another hospital"]).code, 0);
    assert_eq!(by_page(&export(&store))[&key]["status"], "rejected");

    let mut c = cmd(&store);
    c.args(["audit", "--user", "tech1"]);
    let audit = run(c).stdout;
    for action in ["\tview\t", "\tresolve\t", "\treopen\t", "\treject\t"] {
        assert!(audit.contains(action), "audit has {action}: {audit}");
    }
    assert!(audit.contains(&doc));
}

#[test]
fn status_counts_pages_per_review_reason() {
    let b = filed_batch();
    let t = totals(&b.store);
    let reasons = t["review_reasons"].as_object().unwrap();
    assert!(reasons.contains_key("MRN not in patient index"), "{reasons:?}");
    assert!(reasons.contains_key("no MRN found"), "{reasons:?}");
    let in_review = b.pages.values().filter(|p| p["status"] == "review").count() as u64;
    assert_eq!(t["pages"]["review"], in_review);
    assert!(t["pages"]["filed"].as_u64().unwrap() > 0);
}

#[test]
fn patient_import_reports_bad_rows_and_updates_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let csv = dir.path().join("p.csv");
    std::fs::write(&csv, "mrn,family_name,given_name,birth_date,sex\n00000001,ALPHA,ANN,1970-01-02,F\n00000002,,BOB,1970-01-02,M\n00000003,GAMMA,CY,1970-13-40,M\n").unwrap();
    let mut c = cmd(&store);
    c.arg("patients").arg("import").arg(&csv);
    let r = run(c);
    assert_eq!(r.code, 1, "done with failures: {}", r.stderr);
    assert!(r.stderr.contains("line 3: no family or given name"), "{}", r.stderr);
    assert!(r.stderr.contains("line 4: birth date is not a valid"), "{}", r.stderr);
    assert!(!r.stderr.contains("GAMMA") && !r.stderr.contains("1970-13-40"), "no PHI in messages");
    // Synthea's column names through --map; the same MRN again updates.
    std::fs::write(&csv, "Id,BIRTHDATE,FIRST,LAST,GENDER\n00000001,1970-01-02,ANNE,ALPHA,F\n").unwrap();
    let mut c = cmd(&store);
    c.arg("patients").arg("import").arg(&csv);
    for m in ["mrn=Id", "family_name=LAST", "given_name=FIRST", "birth_date=BIRTHDATE", "sex=GENDER"] {
        c.args(["--map", m]);
    }
    let r = run(c);
    assert!(r.stderr.contains("0 added, 1 updated"), "{}", r.stderr);
    let mut c = cmd(&store);
    c.args(["patients", "show", "00000001"]);
    assert!(run(c).stdout.contains("ALPHA, ANNE\t1970-01-02"));
    let mut c = cmd(&store);
    c.args(["patients", "search", "--dob", "1970-01-02"]);
    assert_eq!(run(c).stdout.lines().count(), 1);
}

//! No patient data in what chartmill prints for operators: the progress,
//! summary and most verbose log (`-vvv`) of an ingest, `status` in all its
//! forms, the failure listings, the PDF, FHIR and CSV export's report (and
//! the names of the files it writes), `reconcile`, and the workstation's
//! log at `-vvv` while a technician looks at every document in review.
//! (`review show`, `patients` and `export --format jsonl` print patient data
//! on purpose, to the technician who asked, and that look is audited; the
//! exported FHIR and CSV indexes hold it because they are the record.)

use crate::harness::*;

/// Words chartmill's own messages use, which a page's body may also hold.
const CHARTMILLS_OWN_WORDS: &[&str] = &["DOCUMENT", "DOCUMENTS", "PATIENT", "REVIEW", "RECORD", "REPORT"];

/// Every way an identifier of the samples could be printed, and words of
/// their clinical text.
fn secrets() -> Vec<String> {
    let mut out = Vec::new();
    for t in truth() {
        let p = &t["patient"];
        if p.is_object() {
            let dob = p["birth_date"].as_str().unwrap();
            let (y, m, d) = (&dob[0..4], &dob[5..7], &dob[8..10]);
            out.push(p["mrn"].as_str().unwrap().to_string());
            out.push(p["family_name"].as_str().unwrap().to_uppercase());
            out.push(p["given_name"].as_str().unwrap().to_uppercase());
            out.extend([dob.to_string(), format!("{m}/{d}/{y}"), format!("{m}/{d}/{}", &y[2..])]);
        }
        // The last expected words of each page are words of its body.
        let words: Vec<&str> =
            t["expect_words"].as_array().map(|a| a.iter().filter_map(|w| w.as_str()).collect()).unwrap_or_default();
        out.extend(
            words
                .iter()
                .rev()
                .take(2)
                .map(|w| w.to_uppercase())
                .filter(|w| w.len() >= 6 && !CHARTMILLS_OWN_WORDS.contains(&w.as_str())),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// What `serve -vvv` logs while a technician works through every document
/// in review: each view, each page image, patient searches by every MRN and
/// family name, a refused change, mistyped addresses holding a name and an MRN.
fn workstation_log(store: &std::path::Path) -> String {
    use crate::web::{add_user, csrf, http, login, Server};
    // Every document, in review or filed: a supervisor may open any.
    let mut docs: Vec<String> =
        export(store).iter().filter_map(|p| p["document_id"].as_str().map(String::from)).collect();
    docs.dedup();
    add_user(store, "tess", "supervisor", "tess-password-12");
    let server = Server::start(store, &["-vvv"]);
    let addr = server.addr.clone();
    let (session, _) = login(&addr, "tess", "tess-password-12");
    let session = session.expect("signed in");
    let token = csrf(&addr, &session);
    assert_eq!(http(&addr, "GET", "/queue", &session, &[]).status, 200);
    assert_eq!(http(&addr, "GET", "/work", &session, &[]).status, 200);
    assert!(docs.len() > 10, "{docs:?}");
    for doc in &docs {
        let page = http(&addr, "GET", &format!("/doc/{doc}"), &session, &[]);
        assert_eq!(page.status, 200);
        for image in page.body.split("\"image\":\"").skip(1).filter_map(|s| s.split('"').next()) {
            assert_eq!(http(&addr, "GET", image, &session, &[]).status, 200);
        }
        let _ = http(&addr, "POST", &format!("/doc/{doc}/reject"), &session, &[("reason", "no token")]);
    }
    for t in truth() {
        let p = &t["patient"];
        if let (Some(mrn), Some(family)) = (p["mrn"].as_str(), p["family_name"].as_str()) {
            let search = [("csrf", token.as_str()), ("mrn", mrn)];
            assert_eq!(http(&addr, "POST", "/patients/search", &session, &search).status, 200);
            let search = [("csrf", token.as_str()), ("name", family)];
            assert_eq!(http(&addr, "POST", "/patients/search", &session, &search).status, 200);
            let _ = http(&addr, "GET", &format!("/doc/{family}"), &session, &[]);
            let _ = http(&addr, "GET", &format!("/patients/{mrn}"), &session, &[]);
        }
    }
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("GET /doc/"), "the server logged its requests: {log}");
    log
}

#[test]
fn operators_output_names_no_patient() {
    let (_dir, store, r) = store_with_patient_index();
    let mut printed = r.stdout + &r.stderr;
    // Not quiet, progress every second, every log line: the most chartmill
    // says while it works.
    let mut c = cmd(&store);
    c.arg("-vvv").arg("ingest").arg(samples()).args(["--jobs", "2", "--progress-every", "1"]);
    let r = run(c);
    assert!(r.code <= 1, "{}", r.stderr);
    assert!(r.stderr.contains("chartmill debug: page "), "the log has a line per page: {}", r.stderr);
    assert!(r.stderr.contains(": document 1 pages"), "and per document: {}", r.stderr);
    printed += &(r.stdout + &r.stderr);
    let out = store.parent().unwrap().join("export");
    let out_s = out.to_str().unwrap();
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["status", "--list", "failed"],
        &["status", "--list", "skipped"],
        &["export", "--format", "pdf,fhir,csv", "--bundle", "--out", out_s],
        &["export", "--format", "pdf,fhir,csv", "--all", "--status", "filed,review", "--out", out_s],
        &["reconcile"],
        &["reconcile", "--json"],
    ] {
        let mut c = cmd(&store);
        c.arg("-vvv").args(args);
        let r = run(c);
        printed += &(r.stdout + &r.stderr);
    }
    printed += &workstation_log(&store);
    assert!(printed.contains("documents added"), "the export ran: {printed}");
    // The names of the files the export wrote.
    for entry in walkdir::WalkDir::new(&out) {
        printed += &format!("{}\n", entry.unwrap().path().display());
    }
    let upper = printed.to_uppercase();
    let secrets = secrets();
    assert!(secrets.len() > 20, "{secrets:?}");
    let leaked: Vec<&String> = secrets.iter().filter(|s| upper.contains(s.as_str())).collect();
    assert!(leaked.is_empty(), "patient data printed: {leaked:?}");
    assert!(printed.contains("pages stored"), "{printed}");
    // Control: the same strings are in the store's export, so the check can see them.
    let exported = serde_json::to_string(&export(&store)).unwrap().to_uppercase();
    let found = secrets.iter().filter(|s| exported.contains(s.as_str())).count();
    assert!(found * 2 > secrets.len(), "only {found} of {} found in the export", secrets.len());
}

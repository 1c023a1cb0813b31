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

/// Issue 24: an index that prints its MRNs with a prefix or separators
/// (`MRN-004738`, `789-01-2345`), two rows the site's format makes one, a
/// row it refuses, a row repeated.
const PRINTED_INDEX: &str = "mrn,family_name,given_name,birth_date,sex
MRN-004738,Alderwick,Prudence,1961-04-12,F
789-01-2345,Bramblecote,Oswin,1954-09-30,M
023-417-36,Castellane,Mirabel,1977-02-08,F
MRN 0047-38,Dunmore,Ivo,1980-01-01,M
12AB,Eddery,Jo,1980-01-01,F
023-417-36,Castellane,Mirabel,1977-02-08,F
";

/// A discharge summary with this name, MRN line and date of birth.
fn summary(name: &str, mrn_line: &str, dob: &str) -> String {
    format!(
        "DISCHARGE SUMMARY\nPatient: {name}\n{mrn_line}\nDOB: {dob}\n\
         Admission Date: 03/02/2024    Discharge Date: 03/06/2024\n\
         HOSPITAL COURSE: The patient was admitted with community-acquired pneumonia and treated\n\
         with intravenous antibiotics. Oxygen was weaned to room air. Blood cultures remained negative.\n\
         DISCHARGE DIAGNOSES: Community-acquired pneumonia, resolved. Hypertension.\n\
         DISCHARGE MEDICATIONS: Amoxicillin-clavulanate 875 mg twice daily for five days.\n\
         FOLLOW-UP: Primary care physician in one week. Return for fever or shortness of breath.\n\
         CONDITION AT DISCHARGE: Stable."
    )
}

/// A new store with `PRINTED_INDEX` imported into it, and how the import ended.
fn import_printed_index() -> (tempfile::TempDir, std::path::PathBuf, Run) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let csv = dir.path().join("p.csv");
    std::fs::write(&csv, PRINTED_INDEX).unwrap();
    let mut c = cmd(&store);
    c.arg("patients").arg("import").arg(&csv);
    let r = run(c);
    (dir, store, r)
}

#[test]
fn patient_import_keys_mrns_in_the_sites_format_and_refuses_what_it_would_merge() {
    let (_dir, store, r) = import_printed_index();
    assert_eq!(r.code, 1, "done with failures: {}", r.stderr);
    for said in [
        "line 5: MRN is the MRN of line 2 once prefixes, separators and leading zeros are set aside",
        "line 6: MRN not in the site's MRN format",
        "line 7: MRN repeated in the file (line 4)",
        "patients: 3 added, 0 updated, 3 rows skipped",
    ] {
        assert!(r.stderr.contains(said), "{said}: {}", r.stderr);
    }
    for secret in ["DUNMORE", "0047-38", "12AB", "CASTELLANE", "023-417-36"] {
        assert!(!r.stderr.to_uppercase().contains(secret), "no patient data in messages: {}", r.stderr);
    }
    let show = |mrn: &str| {
        let mut c = cmd(&store);
        c.args(["patients", "show", mrn]);
        run(c)
    };
    // Typed as printed or as read, one patient, shown as the index prints it.
    for typed in ["MRN-004738", "mrn 004 738", "004738", "MRN:004738"] {
        let r = show(typed);
        assert!(r.stdout.contains("MRN-004738\tALDERWICK, PRUDENCE\t1961-04-12"), "{typed}: {}", r.stderr);
    }
    assert!(show("7890-12345").stdout.contains("789-01-2345\tBRAMBLECOTE, OSWIN"));
    let r = show("04738");
    assert!(r.code == 2 && r.stderr.contains("no patient with that MRN"), "a lost zero is another MRN: {}", r.stderr);
    let r = show("MRN-12AB");
    assert!(r.code == 2 && r.stderr.contains("not an MRN of the site's format"), "{}", r.stderr);
    assert!(!r.stderr.contains("12AB"), "{}", r.stderr);
}

#[test]
fn patients_imported_under_another_mrn_format_are_replaced_when_imported_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let csv = dir.path().join("p.csv");
    std::fs::write(&csv, PRINTED_INDEX).unwrap();
    // A site that took "MRN" as part of its MRNs (as chartmill did before
    // prefixes were set aside): MRN-004738 is keyed MRN004738.
    let config = dir.path().join("site.toml");
    std::fs::write(&config, "[identifiers]\nmrn_prefixes = []\n").unwrap();
    let mut c = cmd(&store);
    c.arg("--config").arg(&config).arg("patients").arg("import").arg(&csv);
    assert_eq!(run(c).code, 1);
    let born = |date: &str| {
        let mut c = cmd(&store);
        c.args(["patients", "search", "--dob", date]);
        run(c).stdout
    };
    assert!(born("1961-04-12").contains("MRN-004738\tALDERWICK"), "{}", born("1961-04-12"));
    // Imported again under the default format: one patient, keyed 004738,
    // no copy left under the old key (two records of one person would make
    // every page of hers "name and DOB belong to another patient").
    let mut c = cmd(&store);
    c.arg("patients").arg("import").arg(&csv);
    let r = run(c);
    assert!(r.stderr.contains("(1 of them imported before with their MRN in another form)"), "{}", r.stderr);
    assert_eq!(born("1961-04-12").lines().count(), 1, "{}", born("1961-04-12"));
    let mut c = cmd(&store);
    c.args(["patients", "show", "004738"]);
    assert!(run(c).stdout.contains("ALDERWICK"));
}

#[test]
fn pages_file_to_an_index_that_prints_its_mrns_another_way_and_near_misses_stay_in_review() {
    let (dir, store, r) = import_printed_index();
    assert_eq!(r.code, 1);
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    let docs = [
        // Each printed another way than the index prints it.
        ("a_no_prefix.pdf", "ALDERWICK, PRUDENCE", "MRN: 004738", "04/12/1961"),
        ("b_spaces.pdf", "BRAMBLECOTE, OSWIN", "Medical Record No: 789 01 2345", "09/30/1954"),
        ("c_en_dashes.pdf", "CASTELLANE, MIRABEL", "MRN: 023–417–36", "02/08/1977"),
        ("d_glued_prefix.pdf", "ALDERWICK, PRUDENCE", "Chart #: MRN004738", "04/12/1961"),
        // Near misses: a digit off, a zero lost, cut short.
        ("e_digit_off.pdf", "CASTELLANE, MIRABEL", "MRN: 023-417-35", "02/08/1977"),
        ("f_zero_lost.pdf", "ALDERWICK, PRUDENCE", "MRN: 04738", "04/12/1961"),
        ("g_cut_short.pdf", "CASTELLANE, MIRABEL", "MRN: 023-417", "02/08/1977"),
    ];
    for (file, name, mrn, dob) in docs {
        std::fs::write(pages.join(file), text_pdf(&[&summary(name, mrn, dob)])).unwrap();
    }
    let r = ingest(&store, &pages, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let by_source = by_page(&export(&store));
    let page = |file: &str| &by_source[&(file.to_string(), 1)];
    for (file, mrn) in [
        ("a_no_prefix.pdf", "004738"),
        ("b_spaces.pdf", "789012345"),
        ("c_en_dashes.pdf", "02341736"),
        ("d_glued_prefix.pdf", "004738"),
    ] {
        let p = page(file);
        assert_eq!((p["status"].as_str(), p["patient"]["mrn"].as_str()), (Some("filed"), Some(mrn)), "{file}: {p}");
    }
    for file in ["e_digit_off.pdf", "f_zero_lost.pdf", "g_cut_short.pdf"] {
        let p = page(file);
        assert_eq!(p["status"], "review", "{file}");
        assert_eq!(p["review_reasons"], serde_json::json!(["MRN not in patient index"]), "{file}");
    }
    // A technician files a near miss by the MRN as the index prints it.
    let doc = page("f_zero_lost.pdf")["document_id"].as_str().unwrap().to_string();
    let mut c = cmd(&store);
    c.args(["review", "resolve", &doc, "--patient", "MRN-004738", "--user", "tester"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after = by_page(&export(&store));
    assert_eq!(after[&("f_zero_lost.pdf".to_string(), 1)]["patient"]["mrn"], "004738");
}

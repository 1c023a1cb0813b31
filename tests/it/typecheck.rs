//! The patient and the type are two decisions: a document whose patient is
//! certain but whose type is not is filed, its type left to the type check
//! (one key per document in the workstation); with `type_check = false` it
//! waits in review, as before.

use crate::harness::*;
use crate::web::{add_user, http, login, Server};

/// The samples' patient index, the samples ingested with a classifier
/// threshold that leaves most types uncertain.
fn ingested(type_check: bool) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let (dir, store, _) = store_with_patient_index();
    let config = dir.path().join("site.toml");
    std::fs::write(&config, format!("[classifier]\nreview_threshold = 0.97\ntype_check = {type_check}\n")).unwrap();
    let mut c = cmd(&store);
    c.arg("--config").arg(&config).arg("ingest").arg(samples()).args(["--jobs", "2", "--quiet"]);
    let r = run(c);
    assert!(r.code <= 1, "{}", r.stderr);
    (dir, store, config)
}

fn review_list(store: &std::path::Path) -> String {
    let mut c = cmd(store);
    c.args(["review", "list"]);
    run(c).stdout
}

#[test]
fn a_certain_patient_is_filed_and_its_uncertain_type_checked_in_one_key() {
    let (_dir, store, _) = ingested(true);
    let (_dir2, old_store, _) = ingested(false);
    // Without the type check, uncertain types wait in review; with it, only
    // the documents whose patient is in doubt do.
    let (with, without) = (review_list(&store), review_list(&old_store));
    let doubtful_patients = |list: &str| {
        list.lines()
            .filter(|l| {
                l.split('\t').nth(3).is_some_and(|r| r.split("; ").any(|x| !x.starts_with("uncertain document type")))
            })
            .count()
    };
    // Every document left in review is there for its patient, not only its type.
    assert_eq!(doubtful_patients(&with), with.lines().count(), "{with}");
    assert_eq!(doubtful_patients(&with), doubtful_patients(&without));
    assert!(without.lines().count() > with.lines().count(), "{without}\n--\n{with}");
    // Filed to the same patients: the type check never files differently.
    let pages = export(&store);
    let old_pages = export(&old_store);
    let filed = |pages: &[serde_json::Value]| -> Vec<(String, String)> {
        pages
            .iter()
            .filter(|p| p["status"] == "filed")
            // By source and page: file ids depend on which worker registered the file first.
            .map(|p| {
                (
                    format!("{}#{}", p["source"].as_str().unwrap(), p["page"]),
                    p["patient"]["mrn"].as_str().unwrap_or("").into(),
                )
            })
            .collect()
    };
    let (new_filed, old_filed) = (filed(&pages), filed(&old_pages));
    for f in &old_filed {
        assert!(new_filed.contains(f), "{f:?} filed without the type check, not with it");
    }
    // The workstation: /types opens the first, Enter (confirm) or a number moves on.
    add_user(&store, "tom", "technician", "tom-password-123");
    let server = Server::start(&store, &[]);
    let addr = server.addr.clone();
    let (tom, _) = login(&addr, "tom", "tom-password-123");
    let tom = tom.unwrap();
    let mut checked = Vec::new();
    let mut at = http(&addr, "GET", "/types", &tom, &[]);
    while at.status == 303 {
        let location = at.header("location")[0].to_string();
        if !location.starts_with("/doc/") {
            break;
        }
        let doc = location.trim_start_matches("/doc/").to_string();
        assert!(!checked.contains(&doc), "{doc} offered twice");
        let page = http(&addr, "GET", &location, &tom, &[]).body;
        assert!(page.contains("id=\"type-check\""), "{page}");
        let token = page.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
        // The first document's type is changed to the second choice; the others confirmed.
        at = if checked.is_empty() {
            let second = page.split("id=\"type-choice-2\"").nth(1).expect("a second choice");
            let code = second.split("name=\"doc_type\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
            let form = [("csrf", token.as_str()), ("doc_type", code), ("then", "types")];
            http(&addr, "POST", &format!("{location}/retype"), &tom, &form)
        } else {
            http(&addr, "POST", &format!("{location}/confirm-type"), &tom, &[("csrf", &token)])
        };
        assert_eq!(at.status, 303);
        checked.push(doc);
        at = http(&addr, "GET", at.header("location")[0], &tom, &[]);
        if at.status == 200 {
            break; // the queue: none left
        }
    }
    assert!(checked.len() >= 2, "{checked:?}");
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    let pages = export(&store);
    for doc in &checked {
        // A blank page of the document has no type to confirm.
        let of_doc: Vec<_> =
            pages.iter().filter(|p| p["document_id"] == doc.as_str() && p["status"] != "blank").collect();
        assert!(
            of_doc.iter().all(|p| p["doc_type_by"] == "tom" && p["type_unverified"] == false && p["status"] == "filed"),
            "{doc}: {of_doc:?}"
        );
    }
    let mut c = cmd(&store);
    c.args(["audit", "--user", "tom"]);
    let audit = run(c).stdout;
    assert_eq!(audit.matches("\tconfirm type\t").count(), checked.len() - 1, "{audit}");
    assert_eq!(audit.matches("\tretype\t").count(), 1, "{audit}");
}

//! The review queue and the master patient index, for technicians: import
//! patients, list and show pages in review, resolve, reject, reopen. Every
//! change and every look at a page's text goes to the audit trail.
//!
//! A document id (`FILE-SEQ`) names a whole document; a page id
//! (`FILE:PAGE`) names one page. A resolution applies to what is named.

use crate::error::{Error, Result};
use crate::model::{now, PageRecord, PageStatus, Patient};
use crate::store::{AuditEntry, PatientRecord, Store};
use serde_json::json;
use std::path::Path;

/// The user to record: `--user`, else the login name.
pub fn user(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Reads a patient CSV. `map` gives, for a field, the column that holds it
/// (default: the field's own name). Returns the good rows and, for each bad
/// row, its line number and what is wrong (never the row's values).
/// Rows of a patient file: the good ones, and (line, problem) for the bad.
pub type PatientRows = (Vec<PatientRecord>, Vec<(usize, String)>);

pub fn read_patients(path: &Path, map: &[(String, String)]) -> Result<PatientRows> {
    let bad = |detail: String| Error::Config(format!("{}: {detail}", path.display()));
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let column = |field: &str| -> Result<Option<usize>> {
        let name = map.iter().find(|(f, _)| f == field).map(|(_, c)| c.as_str()).unwrap_or(field);
        let found = headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        if found.is_none() && field != "sex" {
            return Err(bad(format!("no column '{name}' for {field}")));
        }
        Ok(found)
    };
    let (mrn, family, given, birth, sex) =
        (column("mrn")?, column("family_name")?, column("given_name")?, column("birth_date")?, column("sex")?);
    let (mut good, mut errors) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(_) => {
                errors.push((line, "malformed CSV row".into()));
                continue;
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("").trim().to_string();
        let p = PatientRecord {
            // As the extractor reads them: upper case, without spaces or hyphens.
            mrn: get(mrn).to_uppercase().replace(['-', ' '], ""),
            family_name: get(family).to_uppercase(),
            given_name: get(given).to_uppercase(),
            // Synthea and others write dates with a time; keep the day.
            birth_date: get(birth).chars().take(10).collect(),
            sex: get(sex).to_uppercase(),
        };
        let problem = if p.mrn.is_empty() {
            Some("no MRN")
        } else if p.family_name.is_empty() || p.given_name.is_empty() {
            Some("no family or given name")
        } else if crate::extract::Date::parse_iso(&p.birth_date).is_none() {
            Some("birth date is not a valid YYYY-MM-DD date")
        } else if !seen.insert(p.mrn.clone()) {
            Some("MRN repeated in the file")
        } else {
            None
        };
        match problem {
            Some(why) => errors.push((line, why.to_string())),
            None => good.push(p),
        }
    }
    Ok((good, errors))
}

/// Parses `FILE-SEQ` (document) or `FILE:PAGE` (page).
pub enum Target {
    Document(u64, u32),
    Page(u64, u32),
}

pub fn parse_target(id: &str) -> Result<Target> {
    let bad = || Error::Config(format!("'{id}' is neither a document id (FILE-SEQ) nor a page id (FILE:PAGE)"));
    if let Some((f, p)) = id.split_once(':') {
        return Ok(Target::Page(f.parse().map_err(|_| bad())?, p.parse().map_err(|_| bad())?));
    }
    if let Some((f, d)) = id.split_once('-') {
        return Ok(Target::Document(f.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?));
    }
    Err(bad())
}

/// The pages a target names.
pub fn pages_of(store: &Store, target: &Target) -> Result<Vec<PageRecord>> {
    let pages = match *target {
        Target::Page(f, p) => store.page(f, p)?.into_iter().collect(),
        Target::Document(f, d) => store.pages_of(f)?.into_iter().filter(|p| p.document_seq == d).collect::<Vec<_>>(),
    };
    let pages: Vec<PageRecord> = pages.into_iter().filter(|p| p.status != PageStatus::Separator).collect();
    if pages.is_empty() {
        return Err(Error::Config("no such document or page".into()));
    }
    Ok(pages)
}

fn summary(p: &PageRecord) -> serde_json::Value {
    json!({
        "page_id": p.page_id(),
        "status": p.status.name(),
        "patient_mrn": p.patient.as_ref().map(|x| x.mrn.clone()),
        "doc_type": p.doc_type,
        "review_reasons": p.review_reasons,
        "resolved_by": p.resolved_by,
    })
}

/// Applies `change` to the pages and records one audit entry for it.
fn change(
    store: &Store,
    user: &str,
    action: &str,
    target: &str,
    pages: Vec<PageRecord>,
    f: impl Fn(&mut PageRecord),
) -> Result<Vec<PageRecord>> {
    // The ingest writes a file's pages once more when it cuts them into
    // documents: a change made before that would be overwritten.
    let mut files: Vec<u64> = pages.iter().map(|p| p.file_id).collect();
    files.dedup();
    for f in files {
        pages_of_done_file(store, f)?;
    }
    let before: Vec<_> = pages.iter().map(summary).collect();
    let mut changed = pages;
    for p in &mut changed {
        f(p);
    }
    store.update_pages(&changed, None)?;
    let after: Vec<_> = changed.iter().map(summary).collect();
    record(store, user, action, target, json!(before), json!(after))?;
    Ok(changed)
}

/// Appends one change to the audit trail and makes it durable.
pub(crate) fn record(
    store: &Store,
    user: &str,
    action: &str,
    target: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<()> {
    store.audit(AuditEntry {
        seq: 0,
        at: now(),
        user: user.into(),
        action: action.into(),
        target: target.into(),
        before,
        after,
    })?;
    store.flush()
}

/// Files the named pages to `mrn` (and optionally sets their type).
pub fn resolve(
    store: &Store,
    id: &str,
    mrn: &str,
    doc_type: Option<&str>,
    user: &str,
    taxonomy: &crate::taxonomy::Taxonomy,
) -> Result<Vec<PageRecord>> {
    let patient = store
        .patient(&mrn.trim().to_uppercase().replace(['-', ' '], ""))?
        .ok_or_else(|| Error::Config("that MRN is not in the patient index".into()))?;
    if let Some(t) = doc_type {
        if !taxonomy.contains(t) {
            return Err(Error::Config(format!("unknown document type '{t}' (see `chartmill types`)")));
        }
    }
    let pages = pages_of(store, &parse_target(id)?)?;
    if let Some(p) = pages.iter().find(|p| matches!(p.status, PageStatus::Failed | PageStatus::Blank)) {
        return Err(Error::Config(format!("page {} is {}: nothing to file", p.page_id(), p.status.name())));
    }
    let at = now();
    change(store, user, "resolve", id, pages, |p| {
        p.status = PageStatus::Filed;
        p.patient = Some(Patient::from(&patient));
        if let Some(t) = doc_type {
            p.doc_type = Some(t.to_string());
            p.doc_type_confidence = Some(1.0);
            p.doc_type_by = Some(user.to_string());
        }
        p.review_reasons.clear();
        p.resolved_by = Some(user.to_string());
        p.resolved_at = Some(at);
    })
}

/// Marks the named pages as not a record of this archive.
pub fn reject(store: &Store, id: &str, reason: &str, user: &str) -> Result<Vec<PageRecord>> {
    let pages = pages_of(store, &parse_target(id)?)?;
    let at = now();
    change(store, user, "reject", id, pages, |p| {
        p.status = PageStatus::Rejected;
        p.patient = None;
        p.review_reasons = vec![format!("rejected: {reason}")];
        p.resolved_by = Some(user.to_string());
        p.resolved_at = Some(at);
    })
}

/// Puts resolved or rejected pages back in review.
pub fn reopen(store: &Store, id: &str, user: &str) -> Result<Vec<PageRecord>> {
    let pages = pages_of(store, &parse_target(id)?)?;
    change(store, user, "reopen", id, pages, |p| {
        if matches!(p.status, PageStatus::Filed | PageStatus::Rejected) {
            p.status = PageStatus::Review;
            p.patient = None;
            p.review_reasons = vec![format!("reopened by {user}")];
            p.resolved_by = None;
            p.resolved_at = None;
        }
    })
}

/// Records a search of the patient index: what was asked, and the MRNs of
/// the patients whose details were shown (in the store, never the log).
pub fn record_patient_search(store: &Store, user: &str, asked: serde_json::Value, shown: &[&str]) -> Result<()> {
    record(store, user, "patient search", "patients", asked, json!({ "shown": shown }))
}

/// Records that `user` looked at the text of `id`.
pub fn record_view(store: &Store, id: &str, user: &str) -> Result<()> {
    store.audit(AuditEntry {
        seq: 0,
        at: now(),
        user: user.into(),
        action: "view".into(),
        target: id.into(),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    })?;
    store.flush()
}

/// The pages of a file as they stand, checked to be fully ingested: a file
/// still being read is not yet cut into documents, and its pages are not
/// changed under the ingest.
fn pages_of_done_file(store: &Store, file_id: u64) -> Result<Vec<PageRecord>> {
    match store.file(file_id)? {
        Some(f) if f.status == crate::model::FileStatus::Done => store.pages_of(file_id),
        Some(_) => {
            Err(Error::Config(format!("file {file_id} is still being ingested: its documents are not final yet")))
        }
        None => Err(Error::Config("no such document or page".into())),
    }
}

/// The file's documents as its pages now say (by number, first and last page).
fn documents_of(file_id: u64, pages: &[PageRecord]) -> Vec<crate::store::DocumentRecord> {
    let mut by_seq: std::collections::BTreeMap<u32, crate::store::DocumentRecord> = std::collections::BTreeMap::new();
    for p in pages.iter().filter(|p| p.status != PageStatus::Separator) {
        let d = by_seq.entry(p.document_seq).or_insert_with(|| crate::store::DocumentRecord {
            file_id,
            seq: p.document_seq,
            first_page: p.page,
            last_page: p.page,
            doc_type: p.doc_type.clone(),
        });
        d.first_page = d.first_page.min(p.page);
        d.last_page = d.last_page.max(p.page);
    }
    by_seq.into_values().collect()
}

/// Stores the file's pages cut into documents anew, with one audit entry.
fn recut(
    store: &Store,
    user: &str,
    action: &str,
    target: &str,
    file_id: u64,
    before: &[PageRecord],
    after: Vec<PageRecord>,
) -> Result<()> {
    let changed: Vec<PageRecord> = after.iter().zip(before).filter(|(a, b)| a != b).map(|(a, _)| a.clone()).collect();
    let docs = documents_of(file_id, &after);
    store.update_pages(&changed, Some((file_id, &docs)))?;
    let seqs = |pages: &[PageRecord]| -> Vec<serde_json::Value> {
        pages
            .iter()
            .filter(|p| p.status != PageStatus::Separator)
            .map(|p| json!({"page_id": p.page_id(), "document_id": p.document_id()}))
            .collect()
    };
    record(store, user, action, target, json!(seqs(before)), json!(seqs(&after)))
}

/// Splits document `id` (`FILE-SEQ`) before page `at`: its pages from `at`
/// on become a new document, numbered after every number the file has had
/// (other documents keep theirs). Their status, patient and type stay as
/// they were. Returns the new document's id.
pub fn split(store: &Store, id: &str, at: u32, user: &str) -> Result<String> {
    let Target::Document(file_id, seq) = parse_target(id)? else {
        return Err(Error::Config("split takes a document id (FILE-SEQ)".into()));
    };
    let before = pages_of_done_file(store, file_id)?;
    let of_doc: Vec<u32> =
        before.iter().filter(|p| p.document_seq == seq && p.status != PageStatus::Separator).map(|p| p.page).collect();
    if !of_doc.contains(&at) || of_doc.first() == Some(&at) {
        return Err(Error::Config(format!("page {at} is not a page of {id} after its first")));
    }
    let new_seq = store.next_document_seq(file_id)?;
    let mut after = before.clone();
    for p in after.iter_mut().filter(|p| p.document_seq == seq && p.page >= at) {
        p.document_seq = new_seq;
    }
    recut(store, user, "split", id, file_id, &before, after)?;
    Ok(format!("{file_id}-{new_seq}"))
}

/// Merges document `id` into the document before it in the file (by page):
/// its pages join that document. Returns the document they joined.
pub fn merge_with_previous(store: &Store, id: &str, user: &str) -> Result<String> {
    let Target::Document(file_id, seq) = parse_target(id)? else {
        return Err(Error::Config("merge takes a document id (FILE-SEQ)".into()));
    };
    let before = pages_of_done_file(store, file_id)?;
    let first = before.iter().filter(|p| p.document_seq == seq).map(|p| p.page).min();
    let Some(first) = first else { return Err(Error::Config("no such document or page".into())) };
    let previous = before
        .iter()
        .filter(|p| p.page < first && p.document_seq != seq && p.status != PageStatus::Separator)
        .map(|p| p.document_seq)
        .next_back()
        .ok_or_else(|| Error::Config(format!("{id} is the first document of its file")))?;
    let mut after = before.clone();
    for p in after.iter_mut().filter(|p| p.document_seq == seq) {
        p.document_seq = previous;
    }
    recut(store, user, "merge", id, file_id, &before, after)?;
    Ok(format!("{file_id}-{previous}"))
}

/// Moves page `page_id` (`FILE:PAGE`) into document `to` of the same file.
pub fn move_page(store: &Store, page_id: &str, to: &str, user: &str) -> Result<()> {
    let (Target::Page(file_id, page), Target::Document(to_file, to_seq)) = (parse_target(page_id)?, parse_target(to)?)
    else {
        return Err(Error::Config("move takes a page id (FILE:PAGE) and a document id (FILE-SEQ)".into()));
    };
    if file_id != to_file {
        return Err(Error::Config("a page moves only to a document of its own file".into()));
    }
    let before = pages_of_done_file(store, file_id)?;
    if !before.iter().any(|p| p.document_seq == to_seq && p.status != PageStatus::Separator) {
        return Err(Error::Config(format!("no document {to}")));
    }
    let mut after = before.clone();
    let p =
        after.iter_mut().find(|p| p.page == page).ok_or_else(|| Error::Config("no such document or page".into()))?;
    if p.status == PageStatus::Separator {
        return Err(Error::Config("a separator sheet belongs to no document".into()));
    }
    p.document_seq = to_seq;
    recut(store, user, "move", page_id, file_id, &before, after)
}

/// Sets the type of the named pages (a document or a page) without filing them.
pub fn retype(
    store: &Store,
    id: &str,
    doc_type: &str,
    user: &str,
    taxonomy: &crate::taxonomy::Taxonomy,
) -> Result<Vec<PageRecord>> {
    if !taxonomy.contains(doc_type) {
        return Err(Error::Config(format!("unknown document type '{doc_type}' (see `chartmill types`)")));
    }
    let pages = pages_of(store, &parse_target(id)?)?;
    change(store, user, "retype", id, pages, |p| {
        p.doc_type = Some(doc_type.to_string());
        p.doc_type_confidence = Some(1.0);
        p.doc_type_by = Some(user.to_string());
    })
}

//! The review queue and the master patient index, for technicians: import
//! patients, list and show pages in review, resolve, reject, reopen. Every
//! change and every look at a page's text goes to the audit trail.
//!
//! A document id (`FILE-SEQ`) names a whole document; a page id
//! (`FILE:PAGE`) names one page. A resolution applies to what is named.

use crate::error::{Error, Result};
use crate::extract::MrnFormat;
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

/// Rows of a patient file: the good ones, and (line, problem) for the bad.
pub type PatientRows = (Vec<PatientRecord>, Vec<(usize, String)>);

/// Reads a patient CSV. `map` gives, for a field, the column that holds it
/// (default: the field's own name). Each MRN is keyed in the one form of
/// the site's format (`format`, see [`MrnFormat::normalise`]); the form
/// printed in the file is kept beside it when it differs. Returns the good
/// rows and, for each bad row, its line number and what is wrong (never the
/// row's values). Bad rows include an MRN the site's format does not
/// accept, and the later of two rows whose MRNs are one once normalised:
/// two patients the rule would make one are never both imported.
pub fn read_patients(path: &Path, map: &[(String, String)], format: &MrnFormat) -> Result<PatientRows> {
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
    // Each MRN taken, with the line it was on and how it was printed.
    let mut seen: std::collections::HashMap<String, (usize, String)> = std::collections::HashMap::new();
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
        let printed = get(mrn);
        let key = format.normalise(&printed);
        let p = PatientRecord {
            mrn: key.clone().unwrap_or_default(),
            printed_mrn: key.as_ref().filter(|k| **k != printed.to_uppercase()).map(|_| printed.clone()),
            family_name: get(family).to_uppercase(),
            given_name: get(given).to_uppercase(),
            // Synthea and others write dates with a time; keep the day.
            birth_date: get(birth).chars().take(10).collect(),
            sex: get(sex).to_uppercase(),
        };
        let problem = if printed.is_empty() {
            Some("no MRN".to_string())
        } else if key.is_none() {
            Some("MRN not in the site's MRN format ([identifiers] mrn_pattern)".into())
        } else if p.family_name.is_empty() || p.given_name.is_empty() {
            Some("no family or given name".into())
        } else if crate::extract::Date::parse_iso(&p.birth_date).is_none() {
            Some("birth date is not a valid YYYY-MM-DD date".into())
        } else if let Some((first, as_printed)) = seen.get(&p.mrn) {
            Some(match *as_printed == printed.to_uppercase() {
                true => format!("MRN repeated in the file (line {first})"),
                false => format!(
                    "MRN is the MRN of line {first} once prefixes, separators and leading zeros \
                     are set aside as [identifiers] says: two patients cannot share it"
                ),
            })
        } else {
            seen.insert(p.mrn.clone(), (line, printed.to_uppercase()));
            None
        };
        match problem {
            Some(why) => errors.push((line, why)),
            None => good.push(p),
        }
    }
    Ok((good, errors))
}

/// Patients of the store keyed by another form of their MRN than the site's
/// format gives now (imported before the format was applied, or under
/// another `[identifiers]`): the keys of those that `incoming` brings again
/// (the same MRN in today's form), to remove as it is imported, and how
/// many others are left. Left as they are, no page's reading finds them
/// (readings are in today's form); importing them again puts them right.
pub fn stale_patients(store: &Store, format: &MrnFormat, incoming: &[PatientRecord]) -> Result<(Vec<String>, usize)> {
    let keys: std::collections::HashSet<&str> = incoming.iter().map(|p| p.mrn.as_str()).collect();
    let (mut replaced, mut left) = (Vec::new(), 0);
    for p in store.patients_named("")? {
        match format.normalise(p.printed_mrn.as_deref().unwrap_or(&p.mrn)) {
            Some(now) if now == p.mrn => {}
            Some(now) if keys.contains(now.as_str()) => replaced.push(p.mrn),
            _ => left += 1,
        }
    }
    Ok((replaced, left))
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
    store.update_pages_at(&changed, None, Some(crate::store::Work { user, action }), now())?;
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
        ..Default::default()
    })?;
    store.flush()
}

/// Files the named pages to the patient whose MRN is `mrn`, in the index's
/// form (what a person typed goes through [`crate::extract::normalise_mrn`]
/// first), and optionally sets their type.
pub fn resolve(
    store: &Store,
    id: &str,
    mrn: &str,
    doc_type: Option<&str>,
    user: &str,
    taxonomy: &crate::taxonomy::Taxonomy,
) -> Result<Vec<PageRecord>> {
    let patient =
        store.patient(mrn.trim())?.ok_or_else(|| Error::Config("that MRN is not in the patient index".into()))?;
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
            p.type_from_barcode = false;
        }
        p.review_reasons.clear();
        p.resolved_by = Some(user.to_string());
        p.resolved_at = Some(at);
        // Filed by a person who saw its type: nothing left to check.
        (p.type_unverified, p.type_ranked) = (false, Vec::new());
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

/// Records that `user` looked at the text of `id`. A document's
/// resolution by them is timed from their latest look at it.
pub fn record_view(store: &Store, id: &str, user: &str) -> Result<()> {
    if let Ok(Target::Document(file_id, seq)) = parse_target(id) {
        store.note_opened(user, file_id, seq, now())?;
    }
    store.audit(AuditEntry {
        seq: 0,
        at: now(),
        user: user.into(),
        action: "view".into(),
        target: id.into(),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
        ..Default::default()
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
    store.update_pages_at(&changed, Some((file_id, &docs)), Some(crate::store::Work { user, action }), now())?;
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
        p.type_from_barcode = false;
        (p.type_unverified, p.type_ranked) = (false, Vec::new());
    })
}

/// Confirms the type the classifier gave the named pages (the type check):
/// the type stays, now set by `user`.
pub fn confirm_type(store: &Store, id: &str, user: &str) -> Result<Vec<PageRecord>> {
    let pages = pages_of(store, &parse_target(id)?)?;
    if pages.iter().all(|p| p.doc_type.is_none()) {
        return Err(Error::Config("it has no type to confirm: set one with retype".into()));
    }
    change(store, user, "confirm type", id, pages, |p| {
        if p.doc_type.is_some() {
            p.doc_type_confidence = Some(1.0);
            p.doc_type_by = Some(user.to_string());
            p.type_from_barcode = false;
        }
        (p.type_unverified, p.type_ranked) = (false, Vec::new());
    })
}

/// A document waiting for its type check: filed, its type unverified.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeCheck {
    pub document_id: String,
    pub doc_type: Option<String>,
    /// The classifier's ranking (most likely first).
    pub ranked: Vec<(String, f32)>,
}

/// The documents waiting for a type check, in store order, at most `limit`
/// (and how many there are in all). A scan of the pages.
pub fn type_checks(store: &Store, limit: usize) -> Result<(Vec<TypeCheck>, usize)> {
    let (mut out, mut total, mut last) = (Vec::new(), 0, None);
    for p in store.pages() {
        let p = p?;
        if !p.type_unverified || p.status != PageStatus::Filed {
            continue;
        }
        let id = p.document_id();
        if last.as_ref() == Some(&id) {
            continue;
        }
        last = Some(id.clone());
        total += 1;
        if out.len() < limit {
            out.push(TypeCheck { document_id: id, doc_type: p.doc_type.clone(), ranked: p.type_ranked.clone() });
        }
    }
    Ok((out, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (MRN key, MRN as printed) of each good row.
    type Keys = Vec<(String, Option<String>)>;

    /// The good rows' MRNs, and the bad rows.
    fn read(csv: &str, cfg: &crate::extract::ExtractConfig) -> (Keys, Vec<(usize, String)>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, format!("mrn,family_name,given_name,birth_date,sex\n{csv}")).unwrap();
        let (good, bad) = read_patients(&path, &[], &MrnFormat::new(cfg).unwrap()).unwrap();
        (good.into_iter().map(|p| (p.mrn, p.printed_mrn)).collect(), bad)
    }

    #[test]
    fn an_index_is_keyed_in_the_sites_format_and_never_makes_two_patients_one() {
        let (good, bad) = read(
            "MRN-004738,A,B,1961-04-12,F\n\
             789-01-2345,C,D,1954-09-30,M\n\
             00482913,E,F,1962-03-14,F\n\
             mrn 004 738,G,H,1980-01-01,M\n\
             12AB,I,J,1980-01-01,F\n\
             00482913,E,F,1962-03-14,F\n\
             04738,K,L,1970-01-01,F\n",
            &crate::extract::ExtractConfig::default(),
        );
        let key = |k: &str, printed: Option<&str>| (k.to_string(), printed.map(str::to_string));
        assert_eq!(
            good,
            [
                key("004738", Some("MRN-004738")),
                key("789012345", Some("789-01-2345")),
                key("00482913", None),
                // Leading zeros count by default: another MRN.
                key("04738", None),
            ]
        );
        let lines: Vec<usize> = bad.iter().map(|b| b.0).collect();
        assert_eq!(lines, [5, 6, 7], "{bad:?}");
        assert!(bad[0].1.starts_with("MRN is the MRN of line 2 once prefixes"), "{bad:?}");
        assert!(bad[1].1.starts_with("MRN not in the site's MRN format"), "{bad:?}");
        assert_eq!(bad[2].1, "MRN repeated in the file (line 4)");
        // Where leading zeros do not count, 04738 is 004738's MRN: refused.
        let cfg = crate::extract::ExtractConfig {
            mrn_leading_zeros: crate::extract::LeadingZeros::Insignificant,
            mrn_pattern: "^[0-9]{4,10}$".into(),
            ..Default::default()
        };
        let (good, bad) = read("MRN-004738,A,B,1961-04-12,F\n04738,K,L,1970-01-01,F\n4739,M,N,1970-01-01,F\n", &cfg);
        assert_eq!(good, [key("4738", Some("MRN-004738")), key("4739", None)]);
        assert_eq!(bad.iter().map(|b| b.0).collect::<Vec<_>>(), [3]);
    }
}

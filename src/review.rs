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
    let before: Vec<_> = pages.iter().map(summary).collect();
    let mut changed = pages;
    for p in &mut changed {
        f(p);
    }
    store.update_pages(&changed, None)?;
    let after: Vec<_> = changed.iter().map(summary).collect();
    store.audit(AuditEntry {
        seq: 0,
        at: now(),
        user: user.into(),
        action: action.into(),
        target: target.into(),
        before: json!(before),
        after: json!(after),
    })?;
    store.flush()?;
    Ok(changed)
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

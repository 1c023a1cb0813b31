//! The pages: the router, and for each page the data its template shows.
//! Every page takes [`Auth`] (a live session) and records what the user
//! looked at in the audit trail; ids in URLs are file and document numbers,
//! never anything read on a page.

use super::auth::{self, Auth, Refused};
use super::{actions, assets, App};
use crate::model::{PageRecord, PageStatus};
use crate::users::Role;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::BTreeSet;
use std::sync::Arc;

pub fn router(app: Arc<App>) -> axum::Router {
    axum::Router::new()
        .route("/", get(|| async { Redirect::to("/queue") }))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/queue", get(queue))
        .route("/queue/next", get(next_in_queue))
        .route("/types", get(next_type_check))
        .route("/doc/{id}", get(document))
        .route("/page/{file}/{page}/image", get(page_image))
        .route("/patients/search", post(actions::search_patients))
        .route("/doc/{id}/{action}", post(actions::act))
        .route("/work", get(work))
        .route("/dashboard", get(super::dashboard::page))
        .route("/admin/users", get(users_page))
        .route("/admin/users/{action}", post(actions::users))
        .route("/admin/jobs", get(super::jobs::page))
        .route("/admin/jobs/{kind}", post(super::jobs::start))
        .route("/assets/{name}", get(assets::serve))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .fallback(|| async { message(StatusCode::NOT_FOUND, None, "Not found", "There is no such page.") })
        .layer(axum::middleware::from_fn(assets::headers_and_log))
        .with_state(app)
}

/// What the layout shows on every page.
pub struct Nav {
    pub user: String,
    pub role: &'static str,
    pub csrf: String,
    pub supervisor: bool,
    pub admin: bool,
    pub here: &'static str,
    pub queue_count: u64,
    pub message: Option<String>,
}

impl Nav {
    pub fn new(app: &App, auth: &Auth, here: &'static str) -> Nav {
        Nav {
            user: auth.user.clone(),
            role: auth.role.name(),
            csrf: auth.csrf.clone(),
            supervisor: auth.role.allows(Role::Supervisor),
            admin: auth.role.allows(Role::Admin),
            here,
            queue_count: queue_count(app),
            message: app.sessions.take_flash(&auth.token),
        }
    }
}

fn queue_count(app: &App) -> u64 {
    app.store.counters(0).ok().and_then(|c| c.get(crate::store::counter::QUEUE_DOCUMENTS).copied()).unwrap_or(0)
}

pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            log::error!("a page could not be rendered: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    nav: Nav,
    heading: &'a str,
    text: &'a str,
}

/// A page with one message (errors, refusals), with the layout when signed in.
pub fn message(status: StatusCode, nav: Option<Nav>, heading: &str, text: &str) -> Response {
    match nav {
        Some(nav) => (status, render(&MessagePage { nav, heading, text })).into_response(),
        None => (status, render(&BarePage { heading, text })).into_response(),
    }
}

pub fn forbidden() -> Response {
    message(StatusCode::FORBIDDEN, None, "Not allowed", "Your role does not allow this page or action.")
}

/// A failure inside a handler: logged (no page content in the message) and shown plainly.
pub fn failed(app: &App, auth: &Auth, e: crate::Error) -> Response {
    log::error!("request by {} failed: {e}", auth.user);
    message(StatusCode::INTERNAL_SERVER_ERROR, Some(Nav::new(app, auth, "")), "Something went wrong", &e.to_string())
}

#[derive(Template)]
#[template(path = "bare.html")]
struct BarePage<'a> {
    heading: &'a str,
    text: &'a str,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    token: &'a str,
    message: Option<&'a str>,
    no_users: bool,
}

pub fn login_html(token: &str, message: Option<&str>, no_users: bool) -> Response {
    render(&LoginPage { token, message, no_users })
}

// ----- the queue -----

#[derive(serde::Deserialize, Default)]
pub struct QueueFilter {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    batch: String,
    #[serde(rename = "type", default)]
    doc_type: String,
}

struct QueueRow {
    id: String,
    batch: String,
    doc_type: String,
    pages: String,
    reasons: Vec<String>,
    waiting: String,
    claimed_by: Option<String>,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    nav: Nav,
    rows: Vec<QueueRow>,
    total: usize,
    shown: usize,
    first_open: Option<String>,
    reasons: Vec<String>,
    batches: Vec<(String, String)>,
    types: Vec<(String, String)>,
    filter_reason: Option<String>,
    filter_batch: Option<String>,
    filter_type: Option<String>,
    filtered: bool,
}

/// The queue lists this many documents at most (the oldest).
const QUEUE_SHOWN: usize = 200;

/// A reason as the queue groups it: the fixed words before any detail in brackets.
fn reason_kind(r: &str) -> String {
    r.split(" (").next().unwrap_or(r).trim().to_string()
}

fn waited(since: i64, now: i64) -> String {
    let s = (now - since).max(0);
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

fn types_of(app: &App) -> Vec<(String, String)> {
    app.taxonomy.types().iter().map(|t| (t.code.clone(), t.display.clone())).collect()
}

async fn queue(State(app): State<Arc<App>>, auth: Auth, Query(f): Query<QueueFilter>) -> Response {
    let app2 = app.clone();
    let auth2 = auth.clone();
    let built = tokio::task::spawn_blocking(move || queue_page(&app2, &auth2, f)).await;
    match built {
        Ok(Ok(page)) => render(&page),
        Ok(Err(e)) => failed(&app, &auth, e),
        Err(_) => failed(&app, &auth, crate::Error::Config("the queue could not be read".into())),
    }
}

fn queue_page(app: &App, auth: &Auth, f: QueueFilter) -> crate::Result<QueuePage> {
    let filter_reason = Some(f.reason.trim().to_string()).filter(|s| !s.is_empty());
    let filter_batch = f.batch.trim().parse::<u64>().ok();
    let filter_type = Some(f.doc_type.trim().to_string()).filter(|s| !s.is_empty());
    let batches: Vec<(u64, String)> = app.store.batches()?.into_iter().map(|b| (b.id, b.name)).collect();
    let batch_name = |id: u64| batches.iter().find(|b| b.0 == id).map(|b| b.1.clone()).unwrap_or_default();
    let claims = app.claims.all();
    let now = crate::model::now();
    let (mut rows, mut total, mut reasons, mut first_open) = (Vec::new(), 0, BTreeSet::new(), None);
    for entry in app.store.review_queue_entered() {
        let (since, e) = entry?;
        for r in &e.reasons {
            reasons.insert(reason_kind(r));
        }
        let keep = filter_batch.is_none_or(|b| e.batch == b)
            && filter_type.as_ref().is_none_or(|t| e.doc_type.as_ref() == Some(t))
            && filter_reason.as_ref().is_none_or(|r| e.reasons.iter().any(|x| reason_kind(x) == *r));
        if !keep {
            continue;
        }
        total += 1;
        let id = e.document_id();
        let claimed_by = claims.get(&id).cloned();
        if first_open.is_none() && claimed_by.as_ref().is_none_or(|u| *u == auth.user) {
            first_open = Some(id.clone());
        }
        if rows.len() < QUEUE_SHOWN {
            let pages = match (e.pages.first(), e.pages.last()) {
                (Some(a), Some(b)) if a != b => format!("{a}–{b} ({} in review)", e.in_review),
                (Some(a), _) => format!("p. {a}"),
                _ => String::new(),
            };
            let doc_type = e
                .doc_type
                .as_deref()
                .map(|t| app.taxonomy.get(t).map(|x| x.display.clone()).unwrap_or_else(|| t.to_string()))
                .unwrap_or_else(|| "–".into());
            rows.push(QueueRow {
                id,
                batch: batch_name(e.batch),
                doc_type,
                pages,
                reasons: e.reasons.clone(),
                waiting: waited(since, now),
                claimed_by,
            });
        }
    }
    crate::review::record_view(&app.store, "queue", &auth.user)?;
    let nav = Nav::new(app, auth, "queue");
    let filtered = filter_reason.is_some() || filter_batch.is_some() || filter_type.is_some();
    Ok(QueuePage {
        nav,
        shown: rows.len(),
        rows,
        total,
        first_open,
        reasons: reasons.into_iter().collect(),
        batches: batches.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
        types: types_of(app),
        filter_reason,
        filter_batch: filter_batch.map(|b| b.to_string()),
        filter_type,
        filtered,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct TypesQuery {
    /// Skip to the type check after this document.
    #[serde(default)]
    after: String,
}

/// GET /types: the next document filed with an unverified type (after
/// `after`, wrapping round), or the queue when none is left.
async fn next_type_check(State(app): State<Arc<App>>, auth: Auth, Query(q): Query<TypesQuery>) -> Response {
    let app2 = app.clone();
    let found = tokio::task::spawn_blocking(move || crate::review::type_checks(&app2.store, usize::MAX)).await;
    match found {
        Ok(Ok((list, _))) => {
            let ids: Vec<&str> = list.iter().map(|t| t.document_id.as_str()).collect();
            let at = ids.iter().position(|id| *id == q.after).map(|i| i + 1).unwrap_or(0);
            match ids.get(at).or(ids.first()).filter(|id| **id != q.after || ids.len() == 1) {
                Some(id) => Redirect::to(&format!("/doc/{id}")).into_response(),
                None => {
                    app.sessions.set_flash(&auth.token, "No document waits for a type check.".into());
                    Redirect::to("/queue").into_response()
                }
            }
        }
        Ok(Err(e)) => failed(&app, &auth, e),
        Err(_) => failed(&app, &auth, crate::Error::Config("the type checks could not be read".into())),
    }
}

/// GET /queue/next: the oldest document waiting that no one else holds.
async fn next_in_queue(State(app): State<Arc<App>>, auth: Auth) -> Response {
    match next_document(&app, &auth.user, None) {
        Ok(Some(id)) => Redirect::to(&format!("/doc/{id}")).into_response(),
        Ok(None) => Redirect::to("/queue").into_response(),
        Err(e) => failed(&app, &auth, e),
    }
}

/// The document to go to after `after` (in queue order, wrapping round):
/// waiting, not `after` itself, not held by someone other than `user`.
pub fn next_document(app: &App, user: &str, after: Option<&str>) -> crate::Result<Option<String>> {
    let claims = app.claims.all();
    let free = |id: &str| claims.get(id).is_none_or(|u| u == user) && Some(id) != after;
    let (mut first, mut seen_after) = (None, after.is_none());
    for e in app.store.review_queue() {
        let id = e?.document_id();
        if Some(id.as_str()) == after {
            seen_after = true;
            continue;
        }
        if !free(&id) {
            continue;
        }
        if seen_after {
            return Ok(Some(id));
        }
        first.get_or_insert(id);
    }
    Ok(first)
}

/// The document before `id` in the queue (for `p`), if any.
fn previous_document(app: &App, id: &str) -> crate::Result<Option<String>> {
    let mut previous = None;
    for e in app.store.review_queue() {
        let this = e?.document_id();
        if this == id {
            return Ok(previous);
        }
        previous = Some(this);
    }
    Ok(None)
}

// ----- a document -----

#[derive(Clone)]
struct CandidateView {
    mrn: String,
    name: String,
    dob: String,
    sex: String,
    why: String,
    /// What the "file to" line shows once picked.
    label: String,
    /// The MRN as the index's source printed it.
    printed: String,
    /// "agree" or "differ": the candidate's name and birth date against
    /// those read on the pages ("" when nothing was read).
    name_check: &'static str,
    dob_check: &'static str,
}

/// Whether a candidate's family name and birth date agree with what was
/// read: "agree", "differ", or "" when nothing was read to compare.
fn checks(read: &crate::model::Identifiers, family: &str, dob: &str) -> (&'static str, &'static str) {
    let verdict = |none: bool, agrees: bool| {
        if none {
            ""
        } else if agrees {
            "agree"
        } else {
            "differ"
        }
    };
    let family = family.to_uppercase();
    let name = verdict(
        read.name.is_empty(),
        !family.is_empty() && read.name.iter().any(|n| n.to_uppercase().contains(&family)),
    );
    (name, verdict(read.birth_date.is_empty(), read.birth_date.iter().any(|d| d == dob)))
}

struct PageView {
    page_id: String,
    page: u32,
    status: &'static str,
}

/// The words of a document that made the model choose `code` over its
/// runner-up, and the runner-up's name: `("biopsy, margins, ...", "Radiology report")`.
fn words_that_decided(
    model: &crate::classify::Model,
    taxonomy: &crate::taxonomy::Taxonomy,
    pages: &[PageRecord],
    code: &str,
) -> Option<(String, String)> {
    // The first pages say it: a view of a long document stays quick.
    let texts: Vec<&str> = pages.iter().map(|p| p.text.as_str()).filter(|t| !t.trim().is_empty()).take(20).collect();
    let ranked = model.classify_pages(&texts).ranked;
    let against = ranked.iter().map(|r| r.0.as_str()).find(|c| *c != code)?;
    let display = |code: &str| taxonomy.get(code).map(|t| t.display.clone()).unwrap_or_else(|| code.to_string());
    if texts.first().and_then(|t| crate::documents::title_type(t)) == Some(code) {
        return Some(("its printed title".into(), display(against)));
    }
    let words = model.explain(&texts, code, against, 8);
    if words.is_empty() {
        return None;
    }
    let words: Vec<String> = words.into_iter().map(|w| w.0).collect();
    Some((words.join(", "), display(against)))
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    nav: Nav,
    id: String,
    status: &'static str,
    source: String,
    page_range: String,
    batch: String,
    doc_type: Option<String>,
    type_display: String,
    type_confidence: Option<String>,
    /// The words that decided the type, and the type they decided against.
    type_why: Option<(String, String)>,
    filed_to: Option<String>,
    claimed_by: Option<String>,
    supervisor: bool,
    can_act: bool,
    reopenable: bool,
    reasons: Vec<String>,
    read_mrn: String,
    read_name: String,
    read_dob: String,
    read_service: String,
    candidates: Vec<CandidateView>,
    types: Vec<(String, String)>,
    pages: Vec<PageView>,
    has_previous: bool,
    previous_doc: String,
    siblings: Vec<String>,
    next_id: Option<String>,
    prev_id: Option<String>,
    staff: Vec<String>,
    data_json: String,
    /// Filed with an unverified type: the choices of the type check
    /// (number, code, name, probability), the classifier's first first.
    type_check: Vec<(usize, String, String, String)>,
}

async fn document(State(app): State<Arc<App>>, auth: Auth, Path(id): Path<String>) -> Response {
    let (app2, auth2) = (app.clone(), auth.clone());
    let built = tokio::task::spawn_blocking(move || document_page(&app2, &auth2, &id)).await;
    match built {
        Ok(Ok(Some(page))) => render(&page),
        Ok(Ok(None)) => message(
            StatusCode::NOT_FOUND,
            Some(Nav::new(&app, &auth, "")),
            "No such document",
            "There is no document with that id (it may have been merged into another).",
        ),
        Ok(Err(e)) => failed(&app, &auth, e),
        Err(_) => failed(&app, &auth, crate::Error::Config("the document could not be read".into())),
    }
}

/// The status a document shows: review while any page is, else its pages'.
fn document_status(pages: &[PageRecord]) -> &'static str {
    if pages.iter().any(|p| p.status == PageStatus::Review) {
        "review"
    } else if pages.iter().all(|p| p.status == PageStatus::Rejected) {
        "rejected"
    } else if pages.iter().any(|p| p.status == PageStatus::Filed) {
        "filed"
    } else {
        pages.first().map(|p| p.status.name()).unwrap_or("")
    }
}

fn joined(values: impl IntoIterator<Item = String>) -> String {
    let mut seen = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    if seen.is_empty() {
        "not found".into()
    } else {
        seen.join(" · ")
    }
}

fn document_page(app: &App, auth: &Auth, id: &str) -> crate::Result<Option<DocumentPage>> {
    let Ok(crate::review::Target::Document(file_id, seq)) = crate::review::parse_target(id) else {
        return Ok(None);
    };
    let all = app.store.pages_of(file_id)?;
    let pages: Vec<PageRecord> =
        all.iter().filter(|p| p.document_seq == seq && p.status != PageStatus::Separator).cloned().collect();
    if pages.is_empty() {
        return Ok(None);
    }
    let file = app.store.file(file_id)?;
    let status = document_status(&pages);
    let supervisor = auth.role.allows(Role::Supervisor);
    // Opening a document in review claims it, unless someone else holds it.
    let claimed_by = if status == "review" {
        match app.claims.claim(id, &auth.user, app.opts.claim_timeout) {
            super::claims::Claimed::Yours => None,
            super::claims::Claimed::By(u) => Some(u),
        }
    } else {
        None
    };
    crate::review::record_view(&app.store, id, &auth.user)?;
    let can_act = status == "review" && (claimed_by.is_none() || supervisor);
    let file_done = file.as_ref().is_some_and(|f| f.status == crate::model::FileStatus::Done);

    let mut reasons = Vec::new();
    for p in &pages {
        for r in &p.review_reasons {
            if !reasons.contains(r) {
                reasons.push(r.clone());
            }
        }
    }
    if !file_done {
        reasons.push("its file is still being read: split, merge and move wait until it is done".into());
    }
    let ids = |f: fn(&crate::model::Identifiers) -> &Vec<String>| {
        joined(pages.iter().flat_map(|p| f(&p.identifiers).iter().cloned()))
    };
    let mut read = crate::model::Identifiers::default();
    for p in &pages {
        read.name.extend(p.identifiers.name.iter().cloned());
        read.birth_date.extend(p.identifiers.birth_date.iter().cloned());
    }
    let mut candidates = Vec::new();
    for p in &pages {
        for c in &p.candidates {
            if candidates.iter().any(|x: &CandidateView| x.mrn == c.mrn) {
                continue;
            }
            let found = app.store.patient(&c.mrn)?;
            let (name, dob, sex) = match &found {
                Some(x) => (format!("{}, {}", x.family_name, x.given_name), x.birth_date.clone(), x.sex.clone()),
                None => Default::default(),
            };
            let Some(found) = found else { continue };
            let (name_check, dob_check) = checks(&read, &found.family_name, &found.birth_date);
            let printed = found.printed_mrn.clone().unwrap_or_else(|| c.mrn.clone());
            candidates.push(CandidateView {
                name_check,
                dob_check,
                label: format!("{printed} · {name} · {dob}"),
                printed,
                mrn: c.mrn.clone(),
                name,
                dob,
                sex,
                why: c.why.clone(),
            });
        }
    }
    let filed_to = pages
        .iter()
        .find_map(|p| p.patient.as_ref())
        .map(|x| format!("{} · {}, {}", x.mrn, x.family_name, x.given_name));
    let doc_type = pages.iter().find_map(|p| p.doc_type.clone());
    let type_display = doc_type
        .as_deref()
        .map(|t| app.taxonomy.get(t).map(|x| x.display.clone()).unwrap_or_else(|| t.to_string()))
        .unwrap_or_else(|| "not known".into());
    let type_confidence = if pages.iter().any(|p| p.doc_type_by.is_some()) {
        pages.iter().find_map(|p| p.doc_type_by.clone()).map(|u| format!("set by {u}"))
    } else {
        pages.iter().find_map(|p| p.doc_type_confidence).map(|c| format!("{:.0}% sure", c * 100.0))
    };
    let type_why = doc_type
        .as_deref()
        .filter(|_| pages.iter().all(|p| p.doc_type_by.is_none()))
        .and_then(|code| words_that_decided(&app.model, &app.taxonomy, &pages, code));
    let first_page = pages[0].page;
    let mut docs_of_file: Vec<(u32, u32)> = Vec::new(); // (first page, seq)
    for p in all.iter().filter(|p| p.status != PageStatus::Separator) {
        if !docs_of_file.iter().any(|d| d.1 == p.document_seq) {
            docs_of_file.push((p.page, p.document_seq));
        }
    }
    let previous = docs_of_file.iter().filter(|d| d.0 < first_page && d.1 != seq).map(|d| d.1).next_back();
    let siblings: Vec<String> = if file_done {
        docs_of_file.iter().filter(|d| d.1 != seq).map(|d| format!("{file_id}-{}", d.1)).collect()
    } else {
        Vec::new()
    };
    let batch = app.store.batch(pages[0].batch)?.map(|b| b.name).unwrap_or_default();
    let staff = if supervisor {
        app.store.users()?.into_iter().filter(|u| !u.disabled).map(|u| u.name).collect()
    } else {
        Vec::new()
    };
    let data = serde_json::json!({
        "pages": pages.iter().map(|p| page_data(app, p)).collect::<crate::Result<Vec<_>>>()?,
    });
    let display = |code: &str| app.taxonomy.get(code).map(|t| t.display.clone()).unwrap_or_else(|| code.to_string());
    let type_check: Vec<(usize, String, String, String)> =
        if status == "filed" && pages.iter().any(|p| p.type_unverified) {
            let mut ranked: Vec<(String, f32)> =
                pages.iter().find(|p| p.type_unverified).map(|p| p.type_ranked.clone()).unwrap_or_default();
            if let Some(t) = &doc_type {
                if !ranked.iter().any(|(c, _)| c == t) {
                    ranked.insert(0, (t.clone(), 0.0));
                }
            }
            ranked
                .iter()
                .enumerate()
                .map(|(i, (c, p))| (i + 1, c.clone(), display(c), format!("{:.0}%", p * 100.0)))
                .collect()
        } else {
            Vec::new()
        };
    let nav = Nav::new(app, auth, "doc");
    Ok(Some(DocumentPage {
        nav,
        id: id.to_string(),
        status,
        source: file.map(|f| f.source).unwrap_or_default(),
        page_range: match (pages.first(), pages.last()) {
            (Some(a), Some(b)) if a.page != b.page => format!("pages {}–{}", a.page, b.page),
            (Some(a), _) => format!("page {}", a.page),
            _ => String::new(),
        },
        batch,
        doc_type,
        type_display,
        type_confidence,
        type_why,
        filed_to,
        claimed_by,
        supervisor,
        can_act,
        reopenable: matches!(status, "filed" | "rejected"),
        reasons,
        read_mrn: ids(|i| &i.mrn),
        read_name: ids(|i| &i.name),
        read_dob: ids(|i| &i.birth_date),
        read_service: ids(|i| &i.service_date),
        candidates,
        types: types_of(app),
        pages: pages.iter().map(|p| PageView { page_id: p.page_id(), page: p.page, status: p.status.name() }).collect(),
        has_previous: previous.is_some() && file_done,
        previous_doc: previous.map(|s| format!("{file_id}-{s}")).unwrap_or_default(),
        siblings,
        next_id: next_document(app, &auth.user, Some(id))?,
        prev_id: previous_document(app, id)?,
        staff,
        type_check,
        // Inside a <script> element: no "</" may close it early.
        data_json: serde_json::to_string(&data).unwrap_or_default().replace("</", "<\\/"),
    }))
}

/// What the viewer needs of a page: its image's place in OCR's frame, its
/// words, and the boxes of the identifiers read on it.
fn page_data(app: &App, p: &PageRecord) -> crate::Result<serde_json::Value> {
    let words = app.store.words(p.file_id, p.page)?;
    let marks = super::marks::identifier_boxes(&p.identifiers, &words);
    let image = p.image.as_ref().filter(|i| i.coding != crate::model::ImageCoding::PdfPage && i.width > 0);
    let (frame_w, frame_h, matrix) = match image {
        Some(i) => {
            let (fw, fh) = crate::imaging::ocr_frame(i.width, i.height, p.rotation);
            let m = crate::imaging::source_to_frame(i.width, i.height, p.skew, p.rotation);
            (fw, fh, crate::imaging::css_matrix(m))
        }
        None => (p.width, p.height, String::new()),
    };
    Ok(serde_json::json!({
        "id": p.page_id(),
        "file": p.file_id,
        "page": p.page,
        "status": p.status.name(),
        "image": image.map(|_| format!("/page/{}/{}/image", p.file_id, p.page)),
        "image_width": image.map(|i| i.width),
        "image_height": image.map(|i| i.height),
        "frame_width": frame_w,
        "frame_height": frame_h,
        "matrix": matrix,
        "text": if image.is_none() { p.text.as_str() } else { "" },
        "words": words.iter().map(|w| serde_json::json!([w.x, w.y, w.w, w.h, w.text])).collect::<Vec<_>>(),
        "marks": marks,
    }))
}

/// GET /page/FILE/PAGE/image: the stored image as a browser shows it.
async fn page_image(State(app): State<Arc<App>>, auth: Auth, Path((file, page)): Path<(u64, u32)>) -> Response {
    let app2 = app.clone();
    let got = tokio::task::spawn_blocking(move || -> crate::Result<Option<(&'static str, Vec<u8>)>> {
        let Some(rec) = app2.store.page(file, page)? else { return Ok(None) };
        let Some(image) = rec.image else { return Ok(None) };
        let bytes = app2.store.image(&image)?;
        Ok(crate::imaging::for_browser(image.coding, &bytes, image.width, image.height, image.black_is_1))
    })
    .await;
    match got {
        Ok(Ok(Some((media, bytes)))) => {
            ([(header::CONTENT_TYPE, media), (header::CACHE_CONTROL, "private, no-store")], bytes).into_response()
        }
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "no image for this page").into_response(),
        Ok(Err(e)) => {
            log::error!("image of page {file}:{page} for {}: {e}", auth.user);
            (StatusCode::INTERNAL_SERVER_ERROR, "the image could not be read").into_response()
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the image could not be read").into_response(),
    }
}

// ----- work and users -----

struct WorkRow {
    at: String,
    user: String,
    action: String,
    target: String,
    doc: Option<String>,
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    nav: Nav,
    rows: Vec<WorkRow>,
    staff: Vec<String>,
    filter_user: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct WorkFilter {
    #[serde(default)]
    user: String,
}

/// The actions the work page lists.
const WORK_ACTIONS: &[&str] = &["resolve", "reject", "reopen", "split", "merge", "move", "retype", "assign"];
const WORK_SHOWN: usize = 200;
/// How far back the work page reads the audit trail at most.
const WORK_SCANNED: usize = 20_000;

async fn work(State(app): State<Arc<App>>, auth: Auth, Query(f): Query<WorkFilter>) -> Response {
    let supervisor = auth.role.allows(Role::Supervisor);
    // A technician sees their own work; a supervisor everyone's, or one person's.
    let who =
        if supervisor { Some(f.user.trim().to_string()).filter(|u| !u.is_empty()) } else { Some(auth.user.clone()) };
    let mut rows = Vec::new();
    for e in app.store.audit_entries_newest_first().take(WORK_SCANNED) {
        let Ok(e) = e else { continue };
        if !WORK_ACTIONS.contains(&e.action.as_str()) || who.as_ref().is_some_and(|u| *u != e.user) {
            continue;
        }
        let doc = match crate::review::parse_target(&e.target) {
            Ok(crate::review::Target::Document(f, s)) => Some(format!("{f}-{s}")),
            Ok(crate::review::Target::Page(f, p)) => {
                app.store.page(f, p).ok().flatten().map(|x| format!("{f}-{}", x.document_seq))
            }
            Err(_) => None,
        };
        rows.push(WorkRow {
            at: crate::report::format_utc(e.at),
            user: e.user,
            action: e.action,
            target: e.target,
            doc,
        });
        if rows.len() >= WORK_SHOWN {
            break;
        }
    }
    let staff = if supervisor {
        app.store.users().map(|u| u.into_iter().map(|u| u.name).collect()).unwrap_or_default()
    } else {
        Vec::new()
    };
    let filter_user = if supervisor { who } else { None };
    if let Err(e) = crate::review::record_view(&app.store, "work", &auth.user) {
        return failed(&app, &auth, e);
    }
    render(&WorkPage { nav: Nav::new(&app, &auth, "work"), rows, staff, filter_user })
}

struct UserRow {
    name: String,
    role: &'static str,
    state: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<UserRow>,
}

pub async fn users_page(State(app): State<Arc<App>>, auth: Auth) -> Result<Response, Refused> {
    auth.require(Role::Admin)?;
    let now = crate::model::now();
    let users = match app.store.users() {
        Ok(u) => u,
        Err(e) => return Ok(failed(&app, &auth, e)),
    };
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            state: if u.disabled {
                "disabled".into()
            } else if u.locked_until.is_some_and(|t| t > now) {
                "locked".into()
            } else {
                "active".into()
            },
            name: u.name,
            role: u.role.name(),
            disabled: u.disabled,
        })
        .collect();
    if let Err(e) = crate::review::record_view(&app.store, "users", &auth.user) {
        return Ok(failed(&app, &auth, e));
    }
    Ok(render(&UsersPage { nav: Nav::new(&app, &auth, "users"), users: rows }))
}

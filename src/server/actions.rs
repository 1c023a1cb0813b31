//! State changes: each checks the session's CSRF token and the role,
//! then calls the one function in [`crate::review`] or [`crate::users`]
//! the command line calls too, and answers with a redirect (the next
//! document, or the same one after a boundary change).

use super::auth::{Auth, Refused};
use super::claims::Claimed;
use super::views::{failed, message, next_document, Nav};
use super::App;
use crate::users::Role;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use std::sync::Arc;

#[derive(serde::Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mrn: String,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    to: String,
    /// Where to go after: `types` (the next type check).
    #[serde(default)]
    then: String,
}

/// Where an action leads.
enum Then {
    /// The next document waiting for a type check, with a message.
    NextTypeCheck(String),
    /// The next document waiting (or the queue), with a message.
    Next(String),
    /// This document again (or another), with a message.
    Show(String, String),
}

/// POST /doc/ID/ACTION.
pub async fn act(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path((id, action)): Path<(String, String)>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Result<Response, Refused> {
    auth.check_csrf(&form.csrf)?;
    let supervisor = auth.role.allows(Role::Supervisor);
    if matches!(action.as_str(), "reopen" | "assign") {
        auth.require(Role::Supervisor)?;
    }
    if !matches!(crate::review::parse_target(&id), Ok(crate::review::Target::Document(..))) {
        return Ok(message(StatusCode::NOT_FOUND, Some(Nav::new(&app, &auth, "")), "No such document", ""));
    }
    // A technician acts only on a document no one else holds.
    if !supervisor && action != "skip" {
        if let Claimed::By(holder) = app.claims.claim(&id, &auth.user, app.opts.claim_timeout) {
            return Ok(message(
                StatusCode::CONFLICT,
                Some(Nav::new(&app, &auth, "")),
                "Someone else holds this document",
                &format!("{holder} is working on document {id}; it was not changed."),
            ));
        }
    }
    // Where to go next is decided before the change: the document may leave the queue.
    let next = next_document(&app, &auth.user, Some(&id)).ok().flatten();
    let (app2, auth2, id2) = (app.clone(), auth.clone(), id.clone());
    let done = tokio::task::spawn_blocking(move || apply(&app2, &auth2, &id2, &action, form)).await;
    let then = match done {
        Ok(Ok(then)) => then,
        Ok(Err(crate::Error::Config(why))) => {
            // Refused as the CLI refuses it: the reason is about ids and states, never page content.
            return Ok(message(
                StatusCode::BAD_REQUEST,
                Some(Nav::new(&app, &auth, "")),
                "Not done",
                &format!("Document {id}: {why}."),
            ));
        }
        Ok(Err(e)) => return Ok(failed(&app, &auth, e)),
        Err(_) => return Ok(failed(&app, &auth, crate::Error::Config("the change could not be made".into()))),
    };
    Ok(match then {
        Then::Next(done) => {
            app.claims.release_own(&id, &auth.user);
            app.sessions.set_flash(&auth.token, done);
            match next {
                Some(next) => Redirect::to(&format!("/doc/{next}")).into_response(),
                None => Redirect::to("/queue").into_response(),
            }
        }
        Then::Show(doc, done) => {
            app.sessions.set_flash(&auth.token, done);
            Redirect::to(&format!("/doc/{doc}")).into_response()
        }
        Then::NextTypeCheck(done) => {
            app.claims.release_own(&id, &auth.user);
            app.sessions.set_flash(&auth.token, done);
            Redirect::to(&format!("/types?after={id}")).into_response()
        }
    })
}

/// The change itself (blocking: it writes and syncs the store).
fn apply(app: &App, auth: &Auth, id: &str, action: &str, f: ActionForm) -> crate::Result<Then> {
    use crate::review;
    let (store, user) = (&app.store, auth.user.as_str());
    let bad = |why: &str| crate::Error::Config(why.to_string());
    Ok(match action {
        "file" => {
            if f.mrn.trim().is_empty() {
                return Err(bad("pick a patient first"));
            }
            // The type counts as a person's only when they changed it.
            let current = review::pages_of(store, &review::parse_target(id)?)?.iter().find_map(|p| p.doc_type.clone());
            let doc_type = Some(f.doc_type.trim()).filter(|t| !t.is_empty() && Some(*t) != current.as_deref());
            // The index's key (what a candidate or a search result carries is one already).
            let mrn =
                crate::extract::normalise_mrn(&f.mrn, &app.identifiers).unwrap_or_else(|| f.mrn.trim().to_string());
            review::resolve(store, id, &mrn, doc_type, user, &app.taxonomy)?;
            Then::Next(format!("Document {id} filed."))
        }
        "reject" => {
            let reason = f.reason.trim();
            if reason.is_empty() {
                return Err(bad("say why it is rejected"));
            }
            review::reject(store, id, &reason.chars().take(200).collect::<String>(), user)?;
            Then::Next(format!("Document {id} rejected."))
        }
        "retype" => {
            review::retype(store, id, f.doc_type.trim(), user, &app.taxonomy)?;
            if f.then == "types" {
                Then::NextTypeCheck(format!("Document {id}: type set."))
            } else {
                Then::Show(id.to_string(), format!("Document {id}: type changed."))
            }
        }
        "confirm-type" => {
            review::confirm_type(store, id, user)?;
            Then::NextTypeCheck(format!("Document {id}: type confirmed."))
        }
        "split" => {
            let at: u32 = f.at.trim().parse().map_err(|_| bad("no page to split at"))?;
            let new = review::split(store, id, at, user)?;
            Then::Show(id.to_string(), format!("Document {id} split: the pages from there are document {new}."))
        }
        "merge" => {
            let into = review::merge_with_previous(store, id, user)?;
            Then::Show(into.clone(), format!("Document {id} merged into {into}."))
        }
        "move" => {
            let page = f.page.trim();
            review::move_page(store, page, f.to.trim(), user)?;
            // The document may have lost its last page: show where the page went.
            let stays = review::pages_of(store, &review::parse_target(id)?).is_ok();
            let to = f.to.trim();
            Then::Show(
                if stays { id.to_string() } else { to.to_string() },
                format!("Page {page} moved to document {to}."),
            )
        }
        "skip" => Then::Next(format!("Document {id} skipped.")),
        "reopen" => {
            review::reopen(store, id, user)?;
            Then::Show(id.to_string(), format!("Document {id} is back in review."))
        }
        "assign" => {
            let to = f.to.trim();
            if to.is_empty() {
                app.claims.release(id);
            } else {
                if store.user(to)?.is_none_or(|u| u.disabled) {
                    return Err(bad("no such user"));
                }
                app.claims.assign(id, to, app.opts.claim_timeout.max(std::time::Duration::from_secs(8 * 3600)));
            }
            review::record(store, user, "assign", id, serde_json::Value::Null, serde_json::json!({"to": to}))?;
            Then::Show(id.to_string(), format!("Document {id} assigned."))
        }
        _ => return Err(bad("no such action")),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct SearchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mrn: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    dob: String,
}

/// Search results at most.
const FOUND_SHOWN: usize = 20;

/// POST /patients/search (POST: what is searched for is PHI, kept out of URLs).
pub async fn search_patients(
    State(app): State<Arc<App>>,
    auth: Auth,
    axum::Form(f): axum::Form<SearchForm>,
) -> Result<Response, Refused> {
    auth.check_csrf(&f.csrf)?;
    let store = app.store.clone();
    let user = auth.user.clone();
    let app2 = app.clone();
    let found = tokio::task::spawn_blocking(move || -> crate::Result<Vec<crate::store::PatientRecord>> {
        // As the index is keyed: the site's one MRN rule.
        let typed = f.mrn.trim();
        let mrn = if typed.is_empty() {
            String::new()
        } else {
            crate::extract::normalise_mrn(typed, &app2.identifiers)
                .ok_or_else(|| crate::Error::Config("that is not an MRN of the site's format".into()))?
        };
        let name = f.name.trim().to_uppercase();
        let dob = f.dob.trim().to_string();
        let mut found = if !mrn.is_empty() {
            store.patient(&mrn)?.into_iter().collect()
        } else if !dob.is_empty() {
            if crate::extract::Date::parse_iso(&dob).is_none() {
                return Err(crate::Error::Config("a birth date is YYYY-MM-DD".into()));
            }
            store.patients_born(&dob)?
        } else if name.chars().count() >= 2 {
            store.patients_named(&name)?
        } else {
            return Err(crate::Error::Config("give an MRN, two letters of a family name, or a birth date".into()));
        };
        if !name.is_empty() {
            found.retain(|p| p.family_name.starts_with(&name));
        }
        if !dob.is_empty() {
            found.retain(|p| p.birth_date == dob);
        }
        // Who searched for what and whose details were shown (in the store, never the log).
        let asked = serde_json::json!({"mrn": mrn, "name": name, "dob": dob});
        let shown: Vec<&str> = found.iter().take(FOUND_SHOWN).map(|p| p.mrn.as_str()).collect();
        crate::review::record_patient_search(&store, &user, asked, &shown)?;
        Ok(found)
    })
    .await;
    Ok(match found {
        Ok(Ok(found)) => {
            let more = found.len() > FOUND_SHOWN;
            let rows: Vec<_> = found
                .iter()
                .take(FOUND_SHOWN)
                .map(|p| {
                    serde_json::json!({
                        "mrn": p.mrn, "printed": p.printed_mrn.as_deref().unwrap_or(&p.mrn),
                        "name": format!("{}, {}", p.family_name, p.given_name),
                        "dob": p.birth_date, "sex": p.sex,
                    })
                })
                .collect();
            Json(serde_json::json!({"results": rows, "more": more})).into_response()
        }
        Ok(Err(crate::Error::Config(why))) => {
            (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": why}))).into_response()
        }
        Ok(Err(e)) => {
            log::error!("patient search by {} failed: {e}", auth.user);
            (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({"error": "the search failed"}))).into_response()
        }
        Err(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({"error": "the search failed"}))).into_response()
        }
    })
}

#[derive(serde::Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// POST /admin/users/{add,disable,password}: administrators only.
pub async fn users(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(action): Path<String>,
    axum::Form(f): axum::Form<UserForm>,
) -> Result<Response, Refused> {
    auth.require(Role::Admin)?;
    auth.check_csrf(&f.csrf)?;
    let (store, by) = (app.store.clone(), auth.user.clone());
    let name = f.name.trim().to_string();
    let name2 = name.clone();
    let done = tokio::task::spawn_blocking(move || -> crate::Result<String> {
        match action.as_str() {
            "add" => {
                let role = match f.role.as_str() {
                    "technician" => Role::Technician,
                    "supervisor" => Role::Supervisor,
                    "admin" => Role::Admin,
                    _ => return Err(crate::Error::Config("no such role".into())),
                };
                crate::users::add(&store, &by, &name2, role, &f.password)?;
                Ok(format!("user {name2} added"))
            }
            "disable" => {
                if name2 == by {
                    return Err(crate::Error::Config("you cannot disable yourself".into()));
                }
                crate::users::disable(&store, &by, &name2)?;
                Ok(format!("user {name2} disabled"))
            }
            "password" => {
                crate::users::set_password(&store, &by, &name2, &f.password)?;
                Ok(format!("password of {name2} set"))
            }
            _ => Err(crate::Error::Config("no such action".into())),
        }
    })
    .await;
    Ok(match done {
        Ok(Ok(done)) => {
            if !done.ends_with("added") {
                // A disabled user or a new password ends the user's sessions.
                app.sessions.end_user(&name);
            }
            app.sessions.set_flash(&auth.token, done);
            Redirect::to("/admin/users").into_response()
        }
        Ok(Err(crate::Error::Config(why))) => {
            message(StatusCode::BAD_REQUEST, Some(Nav::new(&app, &auth, "users")), "Not done", &why)
        }
        Ok(Err(e)) => failed(&app, &auth, e),
        Err(_) => failed(&app, &auth, crate::Error::Config("the change could not be made".into())),
    })
}

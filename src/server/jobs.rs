//! An administrator's jobs: ingest a folder of the server, or export the
//! record into one. A job is the command line's command, run in the server
//! through the local socket exactly as `chartmill ingest ...` typed in a
//! terminal would be ([`crate::remote::run_as_client`]): same code, same
//! turn-taking (one ingest at a time), same output, kept here for the page
//! (the last [`KEPT_BYTES`] of it). Jobs live in memory; what they did is in
//! the store and the audit trail.

use super::auth::{Auth, Refused};
use super::views::{failed, render, Nav};
use super::App;
use crate::users::Role;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::{Arc, Mutex};

/// Output kept per job (its end: that is where the summary is).
const KEPT_BYTES: usize = 64 * 1024;
/// Jobs listed, newest first.
const JOBS_SHOWN: usize = 20;

#[derive(Clone)]
pub struct Job {
    pub id: u64,
    pub by: String,
    pub what: String,
    pub started: String,
    pub exit: Option<u8>,
    pub output: String,
}

#[derive(Default)]
pub struct Jobs {
    list: Mutex<Vec<Job>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Job>> {
        self.list.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start(&self, by: &str, what: String) -> u64 {
        let mut list = self.lock();
        let id = list.last().map(|j| j.id + 1).unwrap_or(1);
        let started = crate::report::format_utc(crate::model::now());
        list.push(Job { id, by: by.into(), what, started, exit: None, output: String::new() });
        id
    }

    fn append(&self, id: u64, text: &str) {
        if let Some(j) = self.lock().iter_mut().find(|j| j.id == id) {
            j.output.push_str(text);
            if j.output.len() > KEPT_BYTES {
                let mut cut = j.output.len() - KEPT_BYTES;
                while !j.output.is_char_boundary(cut) {
                    cut += 1;
                }
                j.output.replace_range(..cut, "…");
            }
        }
    }

    fn end(&self, id: u64, code: u8) {
        if let Some(j) = self.lock().iter_mut().find(|j| j.id == id) {
            j.exit = Some(code);
        }
    }

    fn newest(&self) -> Vec<Job> {
        self.lock().iter().rev().take(JOBS_SHOWN).cloned().collect()
    }
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    nav: Nav,
    status: String,
    jobs: Vec<Job>,
    running: bool,
}

/// GET /admin/jobs: the batches' progress and the jobs.
pub async fn page(State(app): State<Arc<App>>, auth: Auth) -> Result<Response, Refused> {
    auth.require(Role::Admin)?;
    let status = match crate::report::status(&app.store) {
        Ok(all) => crate::report::render_status(&all),
        Err(e) => return Ok(failed(&app, &auth, e)),
    };
    if let Err(e) = crate::review::record_view(&app.store, "jobs", &auth.user) {
        return Ok(failed(&app, &auth, e));
    }
    let jobs = app.jobs.newest();
    let running = jobs.iter().any(|j| j.exit.is_none());
    Ok(render(&JobsPage { nav: Nav::new(&app, &auth, "jobs"), status, jobs, running }))
}

#[derive(serde::Deserialize, Default)]
pub struct JobForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    folder: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    pdf: Option<String>,
    #[serde(default)]
    fhir: Option<String>,
    #[serde(default)]
    csv: Option<String>,
    #[serde(default)]
    bundle: Option<String>,
}

/// POST /admin/jobs/{ingest,export}.
pub async fn start(
    State(app): State<Arc<App>>,
    auth: Auth,
    axum::extract::Path(kind): axum::extract::Path<String>,
    axum::Form(f): axum::Form<JobForm>,
) -> Result<Response, Refused> {
    auth.require(Role::Admin)?;
    auth.check_csrf(&f.csrf)?;
    let folder = f.folder.trim().to_string();
    let refuse = |why: &str| {
        super::views::message(StatusCode::BAD_REQUEST, Some(Nav::new(&app, &auth, "jobs")), "Not started", why)
    };
    if !folder.starts_with('/') {
        return Ok(refuse("give the folder as an absolute path on the server"));
    }
    let store = app.store.path().to_string_lossy().into_owned();
    let mut argv: Vec<String> = vec!["chartmill".into(), "--store".into(), store];
    let what = match kind.as_str() {
        "ingest" => {
            argv.extend(["ingest".into(), folder.clone(), "--progress-every".into(), "5".into()]);
            let batch = f.batch.trim();
            if !batch.is_empty() {
                argv.extend(["--batch".into(), batch.to_string()]);
            }
            format!("ingest {folder}")
        }
        "export" => {
            let formats: Vec<&str> = [("pdf", &f.pdf), ("fhir", &f.fhir), ("csv", &f.csv)]
                .iter()
                .filter(|(_, on)| on.is_some())
                .map(|(name, _)| *name)
                .collect();
            if formats.is_empty() {
                return Ok(refuse("choose at least one format"));
            }
            argv.extend(["export".into(), "--format".into(), formats.join(","), "--out".into(), folder.clone()]);
            if f.bundle.is_some() {
                argv.push("--bundle".into());
            }
            format!("export {} into {folder}", formats.join(","))
        }
        _ => {
            return Ok(super::views::message(
                StatusCode::NOT_FOUND,
                Some(Nav::new(&app, &auth, "jobs")),
                "No such job",
                "",
            ))
        }
    };
    let id = app.jobs.start(&auth.user, what);
    log::info!("job {id} ({kind}) started by {}", auth.user);
    let (app2, user) = (app.clone(), auth.user.clone());
    let spawned = std::thread::Builder::new().name(format!("chartmill-job-{id}")).spawn(move || {
        let store_dir = app2.store.path().to_path_buf();
        let code = crate::remote::run_as_client(&store_dir, argv, &user, app2.config_path.as_deref(), |_, text| {
            app2.jobs.append(id, text)
        })
        .unwrap_or_else(|e| {
            app2.jobs.append(id, &format!("error: {e}\n"));
            crate::config::exit::FATAL
        });
        app2.jobs.end(id, code);
        log::info!("job {id} ended with exit code {code}");
    });
    if spawned.is_err() {
        app.jobs.end(id, crate::config::exit::FATAL);
    }
    Ok(Redirect::to("/admin/jobs").into_response())
}

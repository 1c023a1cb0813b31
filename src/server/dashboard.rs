//! GET /dashboard: the administrator's view (supervisors and administrators),
//! the figures of `crate::dashboard` in the workstation's layout. A batch is
//! chosen by id (`?batch=ID`): batch names are folder names, and a folder's
//! name can hold a patient's, so names stay out of addresses.

use super::auth::{Auth, Refused};
use super::views::{failed, render, Nav};
use super::App;
use crate::dashboard::{gather, view, Options};
use crate::users::Role;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    v: view::View,
    batches: Vec<(u64, String)>,
    chosen: u64,
}

#[derive(serde::Deserialize, Default)]
pub struct Choice {
    #[serde(default)]
    batch: u64,
}

pub async fn page(State(app): State<Arc<App>>, auth: Auth, Query(c): Query<Choice>) -> Result<Response, Refused> {
    auth.require(Role::Supervisor)?;
    let store = app.store.clone();
    // The figures are read off the async threads: a store read is blocking.
    let read = tokio::task::spawn_blocking(move || -> crate::Result<_> {
        let batches: Vec<(u64, String)> = store.batches()?.into_iter().map(|b| (b.id, b.name)).collect();
        let batch = batches.iter().find(|(id, _)| *id == c.batch).map(|(_, name)| name.clone());
        let chosen = if batch.is_some() { c.batch } else { 0 };
        let figures = gather(&store, &Options { batch, since: None, now: crate::model::now() })?;
        Ok((batches, figures, chosen))
    })
    .await;
    let (batches, figures, chosen) = match read {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return Ok(failed(&app, &auth, e)),
        Err(_) => return Ok(failed(&app, &auth, crate::Error::Config("the figures could not be read".into()))),
    };
    if let Err(e) = crate::review::record_view(&app.store, "dashboard", &auth.user) {
        return Ok(failed(&app, &auth, e));
    }
    Ok(render(&DashboardPage { nav: Nav::new(&app, &auth, "dashboard"), v: view::view(&figures), batches, chosen }))
}

//! The page's own CSS and JavaScript, built into the binary (no CDN, no
//! internet), and the headers and log line every response gets.

use axum::extract::{Path, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The workstation's stylesheet, the administrator's view's after it.
pub(crate) const CSS: &str = concat!(include_str!("assets/app.css"), include_str!("../dashboard/dashboard.css"));
const JS: &str = include_str!("assets/app.js");

/// GET /assets/NAME.
pub async fn serve(Path(name): Path<String>) -> Response {
    let (media, body) = match name.as_str() {
        "app.css" => ("text/css; charset=utf-8", CSS),
        "app.js" => ("text/javascript; charset=utf-8", JS),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    ([(header::CONTENT_TYPE, media), (header::CACHE_CONTROL, "private, max-age=3600")], body).into_response()
}

/// The request's path for the log: its route, with each parameter shown
/// only when it is an id (digits, '-', ':'), so that a mistyped address
/// holding a name or an MRN never reaches the log.
fn loggable_path(request: &Request) -> String {
    let Some(route) = request.extensions().get::<axum::extract::MatchedPath>() else {
        return "(no such route)".into();
    };
    let actual: Vec<&str> = request.uri().path().split('/').collect();
    route
        .as_str()
        .split('/')
        .enumerate()
        .map(|(i, part)| match actual.get(i) {
            Some(a) if part.starts_with('{') && (is_id(a) || ACTIONS.contains(a)) => a.to_string(),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The actions' names in routes (`/doc/{id}/{action}` ...): logged as they are.
const ACTIONS: &[&str] = &[
    "file",
    "reject",
    "retype",
    "split",
    "merge",
    "move",
    "skip",
    "reopen",
    "assign",
    "add",
    "disable",
    "password",
    "ingest",
    "export",
    "app.css",
    "app.js",
    "confirm-type",
];

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ':')
}

/// Security headers on every response; pages and images are never cached
/// (they show patient data); one log line per request: method, path (ids
/// only: no query string, no form), status, time.
pub async fn headers_and_log(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let path = loggable_path(&request);
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    log::info!("{method} {path} {} {ms:.1} ms", response.status().as_u16());
    response
}

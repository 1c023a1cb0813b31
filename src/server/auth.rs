//! Sessions, login and logout, CSRF tokens and role checks.
//!
//! A session is a random 256-bit token in an HttpOnly, SameSite=Strict
//! cookie (Secure under TLS), kept in memory: a restart logs everyone out.
//! It ends after `idle_timeout` without a request. Every state-changing
//! request carries the session's CSRF token in its form; the login form
//! carries a token of its own, double-submitted in a cookie.
//!
//! [`Auth`] is the extractor every page and action takes: a request without
//! a live session never reaches a handler, and [`Auth::require`] checks the
//! role on the server whatever the page showed.

use super::App;
use crate::users::{Login, Role};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub const SESSION_COOKIE: &str = "chartmill_session";
const LOGIN_COOKIE: &str = "chartmill_login";

/// 32 random bytes as hex.
pub fn random_token() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).is_err() {
        // No randomness, no sessions: a token no one can guess is required.
        panic!("cannot read /dev/urandom");
    }
    crate::model::hex(&bytes)
}

/// Equal, in a time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub csrf: String,
    last_seen: Instant,
    /// The outcome of the last action, shown once on the next page.
    flash: Option<String>,
}

#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Session>>,
    /// Login attempts one at a time: a failure count is read and written
    /// back without another attempt in between.
    logins: tokio::sync::Mutex<()>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start(&self, user: String, role: Role) -> String {
        let token = random_token();
        self.lock().insert(
            token.clone(),
            Session { user, role, csrf: random_token(), last_seen: Instant::now(), flash: None },
        );
        token
    }

    /// The live session of `token`, touched; an idle one is ended.
    fn touch(&self, token: &str, idle: std::time::Duration) -> Option<Session> {
        let mut live = self.lock();
        let s = live.get_mut(token)?;
        if s.last_seen.elapsed() > idle {
            live.remove(token);
            return None;
        }
        s.last_seen = Instant::now();
        Some(s.clone())
    }

    /// Keeps `message` for the session's next page.
    pub fn set_flash(&self, token: &str, message: String) {
        if let Some(s) = self.lock().get_mut(token) {
            s.flash = Some(message);
        }
    }

    /// The message kept for this page, once.
    pub fn take_flash(&self, token: &str) -> Option<String> {
        self.lock().get_mut(token).and_then(|s| s.flash.take())
    }

    fn end(&self, token: &str) {
        self.lock().remove(token);
    }

    /// Ends every session of `user` (disabled, or password reset).
    pub fn end_user(&self, user: &str) {
        self.lock().retain(|_, s| s.user != user);
    }

    /// Drops idle sessions (called now and then).
    pub fn sweep(&self, idle: std::time::Duration) {
        self.lock().retain(|_, s| s.last_seen.elapsed() <= idle);
    }
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: String,
    pub role: Role,
    pub csrf: String,
    /// The session's token (to keep a message for its next page).
    pub token: String,
}

/// Why a request is refused.
#[derive(Debug)]
pub enum Refused {
    /// No live session: to the login page (a page) or 401 (anything else).
    NotSignedIn { page: bool },
    /// Signed in, but the role does not allow it.
    Forbidden,
    /// A state change without the session's CSRF token.
    BadCsrf,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NotSignedIn { page: true } => Redirect::to("/login").into_response(),
            Refused::NotSignedIn { page: false } => (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
            Refused::Forbidden => super::views::forbidden(),
            Refused::BadCsrf => {
                (StatusCode::FORBIDDEN, "refused: the form's security token is missing or stale; reload the page")
                    .into_response()
            }
        }
    }
}

impl Auth {
    /// Refused unless the user's role is `needed` or above.
    pub fn require(&self, needed: Role) -> Result<(), Refused> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            log::warn!("refused: {} ({}) asked for what needs the role {}", self.user, self.role.name(), needed.name());
            Err(Refused::Forbidden)
        }
    }

    /// Refused unless `token` is this session's CSRF token.
    pub fn check_csrf(&self, token: &str) -> Result<(), Refused> {
        if same(token, &self.csrf) {
            Ok(())
        } else {
            log::warn!("refused: a state change by {} without its CSRF token", self.user);
            Err(Refused::BadCsrf)
        }
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<Arc<App>> for Auth {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let page = parts.method == axum::http::Method::GET
            && parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(Refused::NotSignedIn { page })?;
        let s = app.sessions.touch(&token, app.opts.idle_timeout).ok_or(Refused::NotSignedIn { page })?;
        // A user disabled since signing in is out at once.
        if app.store.user(&s.user).ok().flatten().is_none_or(|u| u.disabled) {
            app.sessions.end(&token);
            return Err(Refused::NotSignedIn { page });
        }
        Ok(Auth { user: s.user, role: s.role, csrf: s.csrf, token })
    }
}

fn set_cookie(app: &App, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let secure = if app.opts.secure_cookies { "; Secure" } else { "" };
    let age = max_age.map(|s| format!("; Max-Age={s}")).unwrap_or_default();
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{age}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
}

/// GET /login: the form, with a fresh login token in a cookie and the form.
pub async fn login_page(State(app): State<Arc<App>>) -> Response {
    login_form(&app, None, StatusCode::OK)
}

fn login_form(app: &App, message: Option<&str>, status: StatusCode) -> Response {
    let token = random_token();
    let no_users = app.store.users().map(|u| u.iter().all(|u| u.disabled)).unwrap_or(false);
    let html = super::views::login_html(&token, message, no_users);
    let mut r = (status, html).into_response();
    r.headers_mut().append(header::SET_COOKIE, set_cookie(app, LOGIN_COOKIE, &token, Some(3600)));
    r
}

/// POST /login.
pub async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&expected, &form.token) {
        return login_form(&app, Some("The form was stale; try again."), StatusCode::FORBIDDEN);
    }
    let _one_at_a_time = app.sessions.logins.lock().await;
    let name = form.name.trim().to_string();
    let (store, password) = (app.store.clone(), form.password);
    let lookup = name.clone();
    let decided = tokio::task::spawn_blocking(move || -> crate::Result<(Login, Option<Role>)> {
        let user = if crate::users::check_name(&lookup).is_ok() { store.user(&lookup)? } else { None };
        let (outcome, changed) = crate::users::attempt(user.as_ref(), &password, crate::model::now());
        if let Some(u) = changed {
            store.put_user(&u)?;
        }
        let what = match outcome {
            Login::Ok => "login",
            Login::Locked { .. } => "login refused (locked)",
            Login::Disabled => "login refused (disabled)",
            Login::Refused => "login refused",
        };
        if user.is_some() {
            crate::review::record(
                &store,
                &lookup,
                what,
                "workstation",
                serde_json::Value::Null,
                serde_json::Value::Null,
            )?;
        }
        Ok((outcome, user.map(|u| u.role)))
    })
    .await;
    match decided {
        Ok(Ok((Login::Ok, Some(role)))) => {
            log::info!("{name} signed in");
            let token = app.sessions.start(name, role);
            let mut r = Redirect::to("/").into_response();
            r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, &token, None));
            r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, LOGIN_COOKIE, "", Some(0)));
            r
        }
        Ok(Ok((Login::Locked { .. }, _))) => login_form(
            &app,
            Some("This account is locked after too many failed sign-ins. Try again later, or ask an administrator."),
            StatusCode::FORBIDDEN,
        ),
        Ok(Ok(_)) => login_form(&app, Some("Wrong name or password."), StatusCode::UNAUTHORIZED),
        Ok(Err(e)) => {
            log::error!("sign-in failed: {e}");
            login_form(&app, Some("The server could not check the sign-in."), StatusCode::INTERNAL_SERVER_ERROR)
        }
        Err(_) => login_form(&app, Some("The server could not check the sign-in."), StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// POST /logout.
pub async fn logout(
    State(app): State<Arc<App>>,
    auth: Auth,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, Refused> {
    auth.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        app.sessions.end(&token);
    }
    app.claims.release_all(&auth.user);
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", Some(0)));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_session_ends_after_its_idle_time_and_at_sign_out() {
        let s = Sessions::default();
        let token = s.start("ada".into(), Role::Technician);
        let live = s.touch(&token, Duration::from_secs(60)).expect("live");
        assert_eq!((live.user.as_str(), live.role), ("ada", Role::Technician));
        assert_eq!(live.csrf.len(), 64);
        assert!(s.touch("not-a-token", Duration::from_secs(60)).is_none());
        std::thread::sleep(Duration::from_millis(5));
        assert!(s.touch(&token, Duration::from_millis(1)).is_none(), "idle too long");
        assert!(s.touch(&token, Duration::from_secs(60)).is_none(), "and gone for good");
        let other = s.start("bob".into(), Role::Admin);
        s.end_user("bob");
        assert!(s.touch(&other, Duration::from_secs(60)).is_none());
    }

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd") && !same("abc", "ab") && !same("", "a"));
        assert_ne!(random_token(), random_token());
    }
}

//! The workstation's HTTP surface without a browser: sessions, cookies,
//! CSRF, roles, lockout, headers, TLS. (The browser suite, `browser.rs`,
//! drives the pages themselves.)

use crate::harness::{bin, cmd, run};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A `chartmill serve` on a store, stopped (SIGTERM) when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    pub fn start(store: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(bin())
            .arg("--store")
            .arg(store)
            .args(["serve", "--listen", "127.0.0.1:0", "-vv"])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr"));
        let mut addr = String::new();
        let mut line = String::new();
        while lines.read_line(&mut line).expect("server's stderr") > 0 {
            if let Some(a) = line.split("listening on ").nth(1) {
                addr = a.trim().trim_start_matches("http://").trim_start_matches("https://").to_string();
                break;
            }
            line.clear();
        }
        assert!(!addr.is_empty(), "the server printed no address");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut rest = String::new();
            while lines.read_line(&mut rest).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&rest);
                rest.clear();
            }
        });
        Server { child, addr, log }
    }

    /// Stops the server and returns its exit code and everything it logged.
    pub fn stop(mut self) -> (i32, String) {
        let code = self.terminate();
        std::thread::sleep(std::time::Duration::from_millis(100));
        let log = self.log.lock().unwrap().clone();
        (code, log)
    }

    fn terminate(&mut self) -> i32 {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc_kill(self.child.id() as i32, 15) };
        self.child.wait().map(|s| s.code().unwrap_or(-1)).unwrap_or(-1)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
        }
    }
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// One HTTP/1.1 exchange on a fresh connection.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
}

pub fn http(addr: &str, method: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> Response {
    let body: String = form
        .iter()
        .map(|(k, v)| {
            format!("{k}={}", v.replace('%', "%25").replace('&', "%26").replace('+', "%2B").replace(' ', "+"))
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut s = TcpStream::connect(addr).expect("connect");
    // As a browser asks: a page wants HTML, an <img> an image.
    let accept = if path.ends_with("/image") { "image/webp,image/*,*/*" } else { "text/html" };
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: {accept}\r\n");
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Response { status, headers, body: body.to_string() }
}

fn cookie_value(r: &Response, name: &str) -> Option<String> {
    r.header("set-cookie")
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or("").to_string())
}

/// Signs in; returns the session cookie (`name=value`) and the login response.
pub fn login(addr: &str, name: &str, password: &str) -> (Option<String>, Response) {
    let form = http(addr, "GET", "/login", "", &[]);
    let login_cookie = cookie_value(&form, "chartmill_login").expect("a login cookie");
    let token = form.body.split("name=\"token\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("");
    let r = http(addr, "POST", "/login", &login_cookie, &[("name", name), ("password", password), ("token", token)]);
    (cookie_value(&r, "chartmill_session"), r)
}

/// The CSRF token of the signed-in session (from any page).
pub fn csrf(addr: &str, session: &str) -> String {
    let page = http(addr, "GET", "/queue", session, &[]);
    page.body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string()
}

pub fn add_user(store: &Path, name: &str, role: &str, password: &str) {
    let mut c = cmd(store);
    c.args(["users", "add", name, "--role", role, "--password-stdin"]).stdin(Stdio::piped());
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("users add");
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "users add {name}");
}

/// A small store with documents in review (no OCR: `debug fill`) and users.
fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut c = cmd(&store);
    c.args(["debug", "fill", "--pages", "200", "--pages-per-file", "4"]);
    assert_eq!(run(c).code, 0);
    add_user(&store, "ada", "admin", "ada-password-123");
    add_user(&store, "tom", "technician", "tom-password-123");
    add_user(&store, "lou", "technician", "lou-password-123");
    (dir, store)
}

#[test]
fn sessions_csrf_roles_and_lockout_are_checked_on_the_server() {
    let (_dir, store) = store();
    let server = Server::start(&store, &[]);
    let addr = server.addr.clone();

    // Without a session: pages go to the login page, everything else is 401.
    assert_eq!(http(&addr, "GET", "/queue", "", &[]).status, 303);
    assert_eq!(http(&addr, "GET", "/page/1/1/image", "", &[]).status, 401);
    assert_eq!(http(&addr, "POST", "/doc/1-1/reject", "", &[("reason", "x")]).status, 401);
    assert_eq!(http(&addr, "GET", "/queue", "chartmill_session=00ff", &[]).status, 303);

    // A login without the form's token is refused.
    let r = http(&addr, "POST", "/login", "", &[("name", "tom"), ("password", "tom-password-123")]);
    assert_eq!(r.status, 403);

    let (tom, r) = login(&addr, "tom", "tom-password-123");
    let tom = tom.expect("a session cookie");
    let set = r.header("set-cookie").join("\n");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"), "{set}");
    let queue = http(&addr, "GET", "/queue", &tom, &[]);
    assert_eq!(queue.status, 200);
    let csp = queue.header("content-security-policy").join("");
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(queue.header("cache-control"), ["no-store"]);
    let doc = queue.body.split("data-doc=\"").nth(1).and_then(|s| s.split('"').next()).expect("a document in review");

    // A technician is refused the administrator's pages and actions.
    assert_eq!(http(&addr, "GET", "/admin/users", &tom, &[]).status, 403);
    let token = csrf(&addr, &tom);
    let r = http(&addr, "POST", "/admin/users/add", &tom, &[("csrf", &token), ("name", "eve"), ("role", "admin")]);
    assert_eq!(r.status, 403);
    // ... and a supervisor's.
    assert_eq!(http(&addr, "POST", &format!("/doc/{doc}/reopen"), &tom, &[("csrf", &token)]).status, 403);

    // A change without the session's CSRF token, or with another's, is refused.
    let path = format!("/doc/{doc}/reject");
    assert_eq!(http(&addr, "POST", &path, &tom, &[("reason", "not ours")]).status, 403);
    let (lou, _) = login(&addr, "lou", "lou-password-123");
    let lou = lou.unwrap();
    let lou_token = csrf(&addr, &lou);
    assert_eq!(http(&addr, "POST", &path, &tom, &[("csrf", &lou_token), ("reason", "not ours")]).status, 403);

    // Tom opens the document: it is his; Lou cannot change it meanwhile.
    // It shows the words its type was read from.
    let view = http(&addr, "GET", &format!("/doc/{doc}"), &tom, &[]);
    assert_eq!(view.status, 200);
    let why = view.body.split("id=\"type-why\"").nth(1).expect("the words that decided the type");
    assert!(why.contains("Read from: ") && why.contains("rather than"), "{why}");
    let r = http(&addr, "POST", &path, &lou, &[("csrf", &lou_token), ("reason", "not ours")]);
    assert_eq!(r.status, 409, "{}", r.body);
    let r = http(&addr, "POST", &path, &tom, &[("csrf", &token), ("reason", "not ours")]);
    assert_eq!(r.status, 303);

    // Five wrong passwords lock the account: then even the right one is refused.
    for _ in 0..5 {
        let (s, r) = login(&addr, "lou", "wrong-password-1");
        assert!(s.is_none());
        assert!(r.status == 401 || r.status == 403);
    }
    let (s, r) = login(&addr, "lou", "lou-password-123");
    assert!(s.is_none() && r.body.contains("locked"), "{}", r.body);

    // Signing out ends the session.
    let r = http(&addr, "POST", "/logout", &tom, &[("csrf", &token)]);
    assert_eq!(r.status, 303);
    assert_eq!(http(&addr, "GET", "/queue", &tom, &[]).status, 303);

    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
    // The store: the rejection, by tom, in the audit trail; the lock.
    let mut c = cmd(&store);
    c.arg("audit");
    let audit = run(c).stdout;
    assert!(audit.lines().any(|l| l.contains("\ttom\treject\t") && l.contains(doc)), "{audit}");
    assert!(audit.lines().any(|l| l.contains("\tlou\tlogin refused (locked)\t")), "{audit}");
    let mut c = cmd(&store);
    c.args(["users", "list"]);
    assert!(run(c).stdout.lines().any(|l| l.starts_with("lou\t") && l.contains("locked")));
}

#[test]
fn under_tls_cookies_are_secure_and_plain_http_is_not_served() {
    let (dir, store) = store();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (scripts/setup installs it)");
    assert!(made.status.success());
    let server = Server::start(&store, &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    // Python's ssl module is the client (the certificate is self-signed).
    let script = format!(
        r#"
import ssl, urllib.request, re
ctx = ssl._create_unverified_context()
r = urllib.request.urlopen("https://{a}/login", context=ctx)
print("\n".join(r.headers.get_all("Set-Cookie")))
"#,
        a = server.addr
    );
    let out = Command::new("python3").args(["-c", &script]).output().expect("python3");
    let cookies = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(cookies.contains("chartmill_login=") && cookies.contains("; Secure"), "{cookies}");
    // Plain HTTP on the TLS port gets no page.
    let r = http(&server.addr, "GET", "/login", "", &[]);
    assert_ne!(r.status, 200);
}

#[test]
fn an_administrator_runs_an_ingest_and_an_export_from_the_browser() {
    let (dir, store) = store();
    let scans = crate::harness::folder_with(&["png/progress_nodpi.png"]);
    let out = dir.path().join("export");
    let server = Server::start(&store, &[]);
    let addr = server.addr.clone();
    let (tom, _) = login(&addr, "tom", "tom-password-123");
    let tom = tom.unwrap();
    assert_eq!(http(&addr, "GET", "/admin/jobs", &tom, &[]).status, 403);
    let token = csrf(&addr, &tom);
    let path = out.to_str().unwrap();
    let r = http(&addr, "POST", "/admin/jobs/export", &tom, &[("csrf", &token), ("folder", path), ("csv", "on")]);
    assert_eq!(r.status, 403);

    let (ada, _) = login(&addr, "ada", "ada-password-123");
    let ada = ada.unwrap();
    let token = csrf(&addr, &ada);
    let folder = scans.path().to_str().unwrap();
    let r =
        http(&addr, "POST", "/admin/jobs/ingest", &ada, &[("csrf", &token), ("folder", folder), ("batch", "box-1")]);
    assert_eq!(r.status, 303);
    let r = http(&addr, "POST", "/admin/jobs/export", &ada, &[("csrf", &token), ("folder", path), ("csv", "on")]);
    assert_eq!(r.status, 303);
    // Meanwhile a technician works through the queue, in the browser: each
    // document opened, then rejected (the ingest runs beside it).
    let tom_token = csrf(&addr, &tom);
    let mut rejected = Vec::new();
    loop {
        let queue = http(&addr, "GET", "/queue", &tom, &[]).body;
        let Some(doc) = queue.split("data-doc=\"").nth(1).and_then(|s| s.split('"').next()).map(String::from) else {
            break;
        };
        assert_eq!(http(&addr, "GET", &format!("/doc/{doc}"), &tom, &[]).status, 200);
        let form = [("csrf", tom_token.as_str()), ("reason", "not part of this archive")];
        assert_eq!(http(&addr, "POST", &format!("/doc/{doc}/reject"), &tom, &form).status, 303);
        rejected.push(doc);
        assert!(rejected.len() < 50, "the queue does not empty");
    }
    assert_eq!(rejected.len(), 5, "{rejected:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let page = loop {
        let page = http(&addr, "GET", "/admin/jobs", &ada, &[]).body;
        if !page.contains(">running<") {
            break page;
        }
        assert!(std::time::Instant::now() < deadline, "the jobs did not end: {page}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    assert_eq!(page.matches(">exit 0<").count(), 2, "{page}");
    assert!(page.contains("batch box-1: 1 files seen: 1 done"), "{page}");
    assert!(page.contains("documents added"), "{page}");
    let written: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert!(!written.is_empty());
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    let mut c = cmd(&store);
    c.arg("status");
    assert!(run(c).stdout.contains("box-1"));
    // Nothing lost: the new batch's page and every rejection are in the store.
    let pages = crate::harness::export(&store);
    assert_eq!(pages.iter().filter(|p| p["batch"] == "box-1").count(), 1);
    for doc in &rejected {
        let of_doc: Vec<_> = pages.iter().filter(|p| p["document_id"] == doc.as_str()).collect();
        assert!(!of_doc.is_empty() && of_doc.iter().all(|p| p["status"] == "rejected"), "{doc}");
    }
}

/// The document ids of file `file`'s pages, in page order.
fn documents_of_file(store: &Path, file: &str) -> Vec<String> {
    crate::harness::export(store)
        .iter()
        .filter(|p| p["page_id"].as_str().is_some_and(|id| id.starts_with(&format!("{file}:"))))
        .map(|p| p["document_id"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn a_supervisor_splits_merges_moves_reopens_and_assigns() {
    let (_dir, store) = store();
    add_user(&store, "sue", "supervisor", "sue-password-123");
    // File 2 is a 4-page document in review (one in ten of `debug fill`'s);
    // file 3 a filed one.
    assert_eq!(documents_of_file(&store, "2"), ["2-1"; 4]);
    let server = Server::start(&store, &[]);
    let addr = server.addr.clone();
    let (sue, _) = login(&addr, "sue", "sue-password-123");
    let sue = sue.unwrap();
    let token = csrf(&addr, &sue);
    let post = |path: &str, form: &[(&str, &str)]| {
        let mut f = vec![("csrf", token.as_str())];
        f.extend_from_slice(form);
        let r = http(&addr, "POST", path, &sue, &f);
        assert_eq!(r.status, 303, "{path}: {}", r.body);
        r.header("location").first().map(|l| l.to_string()).unwrap_or_default()
    };
    // Split before page 3: pages 3-4 become document 2-2; the view stays on 2-1.
    assert_eq!(post("/doc/2-1/split", &[("at", "3")]), "/doc/2-1");
    let page = http(&addr, "GET", "/doc/2-1", &sue, &[]).body;
    assert!(page.contains("Document 2-1 split: the pages from there are document 2-2."), "{page}");
    // Move page 2 into 2-2, then merge 2-2 back into 2-1.
    post("/doc/2-1/move", &[("page", "2:2"), ("to", "2-2")]);
    post("/doc/2-2/merge", &[]);
    // Reopen a filed document (the supervisor's undo), then hand it to tom.
    let filed = "3-1";
    assert_eq!(post(&format!("/doc/{filed}/reopen"), &[]), format!("/doc/{filed}"));
    post(&format!("/doc/{filed}/assign"), &[("to", "tom")]);
    // Tom's queue shows it his; Lou cannot take it.
    let (lou, _) = login(&addr, "lou", "lou-password-123");
    let lou = lou.unwrap();
    let lou_token = csrf(&addr, &lou);
    let queue = http(&addr, "GET", "/queue", &lou, &[]).body;
    let row = queue.split(&format!("data-doc=\"{filed}\"")).nth(1).and_then(|r| r.split("</tr>").next()).unwrap();
    assert!(row.contains("<td>tom</td>"), "{row}");
    let r = http(&addr, "POST", &format!("/doc/{filed}/reject"), &lou, &[("csrf", &lou_token), ("reason", "x")]);
    assert_eq!(r.status, 409);
    // A technician cannot reopen or assign.
    let r = http(&addr, "POST", "/doc/4-1/reopen", &lou, &[("csrf", &lou_token)]);
    assert_eq!(r.status, 403);
    // The work page: the supervisor sees her changes.
    let work = http(&addr, "GET", "/work", &sue, &[]).body;
    for action in ["split", "move", "merge", "reopen", "assign"] {
        assert!(work.contains(&format!("<td>sue</td><td>{action}</td>")), "{action}: {work}");
    }
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    // The store: file 2 is one document again (numbers are never reused),
    // the reopened one is back in review.
    let docs = documents_of_file(&store, "2");
    assert_eq!(docs, ["2-1"; 4], "{docs:?}");
    let pages = crate::harness::export(&store);
    let reopened = pages.iter().find(|p| p["page_id"] == "3:1").unwrap();
    assert_eq!(reopened["status"], "review");
    let mut c = cmd(&store);
    c.args(["audit", "--user", "sue"]);
    let audit = run(c).stdout;
    for action in ["\tsplit\t2-1", "\tmove\t2:2", "\tmerge\t2-2", "\treopen\t3-1", "\tassign\t3-1"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}

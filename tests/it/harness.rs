//! Runs the real `chartmill` binary against temporary stores.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_chartmill")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn samples() -> PathBuf {
    repo().join("samples")
}

/// A command for `chartmill` with the store given.
pub fn cmd(store: &Path) -> Command {
    let mut c = Command::new(bin());
    c.arg("--store").arg(store);
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut c: Command) -> Run {
    // Tests share the ingested samples store; sled lets one process open a
    // store at a time, so commands from this test binary take turns.
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let Output { status, stdout, stderr } = c.output().expect("chartmill runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub fn ingest(store: &Path, dir: &Path, extra: &[&str]) -> Run {
    let mut c = cmd(store);
    c.arg("ingest").arg(dir).args(["--jobs", "2", "--quiet"]).args(extra);
    run(c)
}

pub fn export(store: &Path) -> Vec<Value> {
    let mut c = cmd(store);
    c.args(["export", "--format", "jsonl"]);
    let r = run(c);
    assert_eq!(r.code, 0, "export failed: {}", r.stderr);
    r.stdout.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

pub fn status_json(store: &Path) -> Value {
    let mut c = cmd(store);
    c.args(["status", "--json"]);
    let r = run(c);
    assert_eq!(r.code, 0, "status failed: {}", r.stderr);
    serde_json::from_str(&r.stdout).expect("status --json is JSON")
}

/// The total counters from `status --json`.
pub fn totals(store: &Path) -> Value {
    let s = status_json(store);
    s["batches"].as_array().unwrap().last().unwrap().clone()
}

/// The bundled samples, ingested once into a store shared by read-only tests.
pub struct Ingested {
    pub _dir: tempfile::TempDir,
    pub store: PathBuf,
    pub run: Run,
    pub pages: Vec<Value>,
}

pub fn samples_ingested() -> &'static Ingested {
    static ONCE: OnceLock<Ingested> = OnceLock::new();
    ONCE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store.db");
        let run = ingest(&store, &samples(), &[]);
        let pages = export(&store);
        Ingested { _dir: dir, store, run, pages }
    })
}

/// The ground truth of the samples: one object per page.
pub fn truth() -> Vec<Value> {
    let text = std::fs::read_to_string(samples().join("truth.jsonl")).expect("samples/truth.jsonl");
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The samples' patient index as CSV: every patient of the ground truth.
pub fn patient_index_csv() -> String {
    let mut csv = String::from("mrn,family_name,given_name,birth_date,sex\n");
    let mut seen = std::collections::BTreeSet::new();
    for t in truth() {
        let p = &t["patient"];
        if p.is_object() && seen.insert(p["mrn"].as_str().unwrap().to_string()) {
            let field = |k: &str| p[k].as_str().unwrap().to_string();
            csv.push_str(&format!(
                "{},{},{},{},U\n",
                field("mrn"),
                field("family_name"),
                field("given_name"),
                field("birth_date")
            ));
        }
    }
    csv
}

/// A new store (in a temporary folder) holding the samples' patient index,
/// and what `patients import` printed.
pub fn store_with_patient_index() -> (tempfile::TempDir, PathBuf, Run) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let patients = dir.path().join("patients.csv");
    std::fs::write(&patients, patient_index_csv()).unwrap();
    let mut c = cmd(&store);
    c.arg("patients").arg("import").arg(&patients);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (dir, store, r)
}

/// Copies `files` (relative to samples/) into a new folder.
pub fn folder_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let to = dir.path().join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(samples().join(f), &to).unwrap();
    }
    dir
}

/// Pages of an export keyed by (source, page).
pub fn by_page(pages: &[Value]) -> std::collections::BTreeMap<(String, u64), Value> {
    pages
        .iter()
        .filter(|p| p["page"].is_u64())
        .map(|p| ((p["source"].as_str().unwrap().to_string(), p["page"].as_u64().unwrap()), p.clone()))
        .collect()
}

/// A born-digital PDF of one page per text (Helvetica, a line per line of
/// the text): chartmill reads its text layer, without OCR. Dashes are
/// written as WinAnsi's en and em dash.
pub fn text_pdf(pages: &[&str]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            (0..pages.len()).map(|i| format!("{} 0 R", 4 + 2 * i)).collect::<Vec<_>>().join(" "),
            pages.len()
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
    ];
    for (i, text) in pages.iter().enumerate() {
        let mut content = Vec::new();
        for (j, line) in text.lines().enumerate() {
            content.extend(format!("BT /F1 10 Tf 1 0 0 1 50 {} Tm (", 750 - 14 * j).as_bytes());
            for c in line.chars() {
                match c {
                    '\\' | '(' | ')' => content.extend([b'\\', c as u8]),
                    '–' => content.push(0x96),
                    '—' => content.push(0x97),
                    c if c.is_ascii() => content.push(c as u8),
                    _ => content.push(b'?'),
                }
            }
            content.extend(b") Tj ET\n");
        }
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend(content);
        stream.extend(b"endstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(o);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// Runs `c` with `input` on its standard input.
pub fn run_with_input(mut c: Command, input: &str) -> Run {
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A `chartmill serve` on a store; killed if the test ends without stopping it.
pub struct Server {
    child: Option<Child>,
}

impl Server {
    /// Starts one, under another login name and in another working folder
    /// than its clients', and waits for its socket.
    pub fn start(store: &Path) -> Server {
        let mut c = cmd(store);
        c.args(["serve", "--listen", "127.0.0.1:0"]).env("USER", "server-account").current_dir("/");
        let mut child = c.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let socket = store.join("chartmill.sock");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !socket.exists() {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
                panic!("the server ended ({status}): {err}");
            }
            assert!(Instant::now() < deadline, "no socket after 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child: Some(child) }
    }

    /// Stops it as a service manager does (SIGTERM): its exit code and
    /// what it wrote on standard error.
    pub fn stop(mut self) -> (i32, String) {
        let child = self.child.take().unwrap();
        // SAFETY: sends a signal to our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let out = child.wait_with_output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

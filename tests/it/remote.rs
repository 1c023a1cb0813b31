//! While `chartmill serve` holds a store, the other commands on it run in
//! the server: the same output and exit codes as on their own, nothing lost
//! when an ingest and review work go on side by side, relative paths taken
//! from the client's working folder, the audit trail naming the client's
//! user, and what needs the store to itself refused.

use crate::harness::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// A store in `dir` with an administrator (a server wants one) and `pages`
/// one-page documents from `debug fill`, one in ten waiting in review.
fn store_with_documents(dir: &Path, pages: u64) -> PathBuf {
    let store = dir.join("s.db");
    let mut c = cmd(&store);
    c.args(["users", "add", "admin", "--role", "admin", "--password-stdin"]);
    let r = run_with_input(c, "a long enough pass phrase\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut c = cmd(&store);
    c.args(["debug", "fill", "--pages", &pages.to_string(), "--pages-per-file", "1", "--batch", "earlier"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    store
}

/// The documents waiting in review.
fn queue(store: &Path) -> Vec<String> {
    let mut c = cmd(store);
    c.args(["review", "list"]);
    run(c).stdout.lines().map(|l| l.split('\t').next().unwrap().to_string()).collect()
}

/// Stops the server: it must exit 0, remove its socket and close the store
/// cleanly (sealed: the next open needs no check).
fn stop_cleanly(server: Server, store: &Path) {
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(!store.join("chartmill.sock").exists(), "the socket is removed");
    assert!(store.join("chartmill.seal").exists(), "the store was closed cleanly: {stderr}");
}

/// The rows of the CSV load file under `out`, without the PDFs' hashes
/// (a PDF records when it was written).
fn csv_rows(out: &Path) -> Vec<Vec<String>> {
    let files: Vec<_> = std::fs::read_dir(out.join("csv")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let mut reader = csv::Reader::from_path(&files[0]).unwrap();
    let sha = reader.headers().unwrap().iter().position(|h| h == "pdf_sha256").unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().enumerate().filter(|(i, _)| *i != sha).map(|(_, v)| v.into()).collect())
        .collect()
}

#[test]
fn commands_through_the_server_print_what_they_print_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_documents(dir.path(), 40);
    let first = queue(&store)[0].clone();
    let mut c = cmd(&store);
    c.args(["review", "reject", &first, "--reason", "not this archive", "--user", "alice"]);
    assert_eq!(run(c).code, 0);
    let commands: &[&[&str]] = &[
        &["status"],
        &["status", "--json"],
        &["review", "list"],
        &["audit"],
        &["reconcile"],
        &["users", "list"],
        &["export", "--format", "jsonl"],
    ];
    let each = |store: &Path| -> Vec<Run> {
        commands
            .iter()
            .map(|args| {
                let mut c = cmd(store);
                c.args(*args);
                run(c)
            })
            .collect()
    };

    let server = Server::start(&store);
    // The export folder is relative: the client's working folder's.
    let mut c = cmd(&store);
    c.args(["export", "--format", "csv", "--out", "through"]).current_dir(dir.path());
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let through_rows = csv_rows(&dir.path().join("through"));
    let through = each(&store);
    // What needs the store to itself is refused, clearly.
    let mut c = cmd(&store);
    c.arg("migrate");
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("stop the server first"), "{}", r.stderr);
    let mut c = cmd(&store);
    c.args(["serve", "--listen", "127.0.0.1:0"]);
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a server already serves this store"), "{}", r.stderr);
    stop_cleanly(server, &store);

    let alone = each(&store);
    for ((args, t), a) in commands.iter().zip(&through).zip(&alone) {
        assert_eq!(a.code, 0, "{args:?}: {}", a.stderr);
        assert_eq!((t.code, &t.stdout, &t.stderr), (a.code, &a.stdout, &a.stderr), "{args:?}");
    }
    assert!(alone[2].stderr.contains("3 documents in review"), "{}", alone[2].stderr);
    assert!(alone[3].stdout.contains(&format!("alice\treject\t{first}")), "{}", alone[3].stdout);
    let mut c = cmd(&store);
    c.args(["export", "--format", "csv", "--out", "alone"]).current_dir(dir.path());
    assert_eq!(run(c).code, 0);
    assert_eq!(through_rows, csv_rows(&dir.path().join("alone")));
    assert_eq!(through_rows.len(), 36, "the filed documents");
}

/// Copies sample files into `dir`.
fn copy_samples(dir: &Path, files: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    for f in files {
        std::fs::copy(samples().join(f), dir.join(Path::new(f).file_name().unwrap())).unwrap();
    }
}

fn pages_in_truth(files: &[&str]) -> u64 {
    truth().iter().filter(|t| files.contains(&t["source"].as_str().unwrap())).count() as u64
}

#[test]
fn an_ingest_and_review_work_side_by_side_through_the_server_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_documents(dir.path(), 120);
    let waiting = queue(&store);
    assert_eq!(waiting.len(), 12);
    // Enough pages (one at a time) that the ingest outlasts the review work's start.
    let new = [
        "tiff/discharge_g4_3pages.tif",
        "pdf/scan_ccitt.pdf",
        "tiff/with_blank.tif",
        "png/radiology_sideways.png",
        "png/consult_skewed.png",
        "tiff/mixed_lzw_8bit.tif",
    ];
    let more = ["pdf/born_digital.pdf"];
    copy_samples(&dir.path().join("new"), &new);
    copy_samples(&dir.path().join("more"), &more);

    let server = Server::start(&store);
    // An ingest of a folder given relative to the client's working folder
    // (the server works in /), with progress lines every second.
    let mut c = cmd(&store);
    c.args(["ingest", "./new", "--jobs", "1", "--progress-every", "1"]).current_dir(dir.path());
    let mut ingest = c.env("USER", "ingester").stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stderr = BufReader::new(ingest.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in stderr.lines() {
            let line = line.unwrap();
            let _ = lines_tx.send(line.clone());
            all.push(line);
        }
        all
    });
    // Its progress reaches the client as plain lines: it is under way.
    loop {
        let line = lines.recv_timeout(Duration::from_secs(60)).expect("a progress line from the server");
        if line.starts_with("progress: ") {
            break;
        }
    }
    // A second ingest waits for the first, and says so.
    let mut c = cmd(&store);
    c.args(["ingest"]).arg(dir.path().join("more")).args(["--jobs", "1", "--quiet"]);
    let second = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();

    // Meanwhile, the earlier batch's documents are filed or rejected.
    let mut resolved = Vec::new();
    let mut rejected = Vec::new();
    let mut while_ingesting = 0;
    for (i, doc) in waiting.iter().enumerate() {
        let mut c = cmd(&store);
        if i % 2 == 0 {
            let mrn = format!("9{:07}", i + 1);
            c.args(["review", "resolve", doc, "--patient", &mrn]).env("USER", "alice");
            resolved.push((doc.clone(), mrn));
        } else {
            c.args(["review", "reject", doc, "--reason", "not this archive"]).env("USER", "bob");
            rejected.push(doc.clone());
        }
        // Counted when the command starts while the ingest still runs.
        if ingest.try_wait().unwrap().is_none() {
            while_ingesting += 1;
        }
        let r = run(c);
        assert_eq!(r.code, 0, "{doc}: {}", r.stderr);
    }
    assert!(while_ingesting > 0, "the review work went on while the ingest ran");
    let status = ingest.wait().unwrap();
    let said = reader.join().unwrap().join("\n");
    assert_eq!(status.code(), Some(0), "{said}");
    let seen = format!("batch new: {n} files seen: {n} done", n = new.len());
    assert!(said.contains(&seen), "{said}");
    let second = second.wait_with_output().unwrap();
    let second_said = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{second_said}");
    assert!(second_said.contains("waiting: another ingest is running"), "{second_said}");
    stop_cleanly(server, &store);

    // The store on its own: every page of both batches, every decision.
    let status = status_json(&store);
    let batch = |name: &str| {
        status["batches"].as_array().unwrap().iter().find(|b| b["name"] == name).unwrap_or_else(|| panic!("{name}"))
            ["pages"]["total"]
            .as_u64()
    };
    assert_eq!(batch("new"), Some(pages_in_truth(&new)), "{status}");
    assert_eq!(batch("more"), Some(pages_in_truth(&more)), "{status}");
    let pages = export(&store);
    let of = |doc: &str| -> Vec<&serde_json::Value> { pages.iter().filter(|p| p["document_id"] == doc).collect() };
    for (doc, mrn) in &resolved {
        assert!(!of(doc).is_empty());
        assert!(of(doc).iter().all(|p| p["status"] == "filed" && p["patient"]["mrn"] == mrn.as_str()), "{doc}");
    }
    for doc in &rejected {
        assert!(of(doc).iter().all(|p| p["status"] == "rejected"), "{doc}");
    }
    let still = queue(&store);
    assert!(waiting.iter().all(|d| !still.contains(d)), "{still:?}");
    let mut c = cmd(&store);
    c.arg("audit");
    let audit = run(c).stdout;
    for (doc, _) in &resolved {
        assert!(audit.contains(&format!("\talice\tresolve\t{doc}\t")), "{doc}: {audit}");
    }
    for doc in &rejected {
        assert!(audit.contains(&format!("\tbob\treject\t{doc}\t")), "{doc}: {audit}");
    }
    assert!(!audit.contains("server-account"), "the clients are named, not the server: {audit}");
}

//! The technicians' workstation in a real browser: runs the selenium suite
//! `tests/browser/workstation.py` (Debian's headless Chromium against
//! `chartmill serve` on 127.0.0.1; see `tests/browser/README.md`) with the
//! Python of the virtual environment `scripts/setup` makes for it.

use crate::harness::*;
use std::process::Command;

#[test]
fn browser_workstation_suite_passes() {
    let python = repo().join("target/browser-venv/bin/python");
    assert!(python.exists(), "{} missing: scripts/setup installs selenium there", python.display());
    let out = Command::new(&python)
        .arg(repo().join("tests/browser/workstation.py"))
        .arg("--bin")
        .arg(bin())
        .arg("--repo")
        .arg(repo())
        // Test runs never rewrite the committed screenshots.
        .env_remove("CHARTMILL_SCREENSHOTS")
        .output()
        .expect("the browser suite runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the browser suite failed ({}):\n{text}", out.status);
    assert!(text.contains("\nOK"), "the browser suite ran no test:\n{text}");
    println!("{text}");
}

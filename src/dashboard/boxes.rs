//! Reconciliation per box of paper: the pages a site expects (a manifest's
//! row, `ingest --expect-pages`) against the pages found in the scans and
//! the pages stored. A page dropped by a scanner is a lost part of a chart,
//! so a box that does not add up is flagged. Pure, but for reading the
//! manifest.

use crate::error::{Error, Result};
use crate::model::{BatchRecord, FileStatus, PageStatus};
use crate::store::{counter, BoxRecord};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One batch, or one box of a batch, reconciled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoxLine {
    pub batch: String,
    /// The box (first folder under the batch's root); `None` for the batch
    /// as a whole.
    pub r#box: Option<String>,
    pub expected_pages: Option<u64>,
    /// Pages the scanned files hold.
    pub found_pages: u64,
    /// Pages stored with an outcome other than failed.
    pub stored_pages: u64,
    pub failed_pages: u64,
    pub failed_files: u64,
    /// Files still being read.
    pub pending_files: u64,
    /// What does not add up, in words; empty when the box adds up.
    pub problems: Vec<String>,
}

impl BoxLine {
    pub fn adds_up(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The counters a line reads.
pub fn counters_read() -> Vec<String> {
    vec![
        counter::SOURCE_PAGES.to_string(),
        counter::PAGES.to_string(),
        counter::pages(PageStatus::Failed),
        counter::files(FileStatus::Failed),
        counter::files(FileStatus::Pending),
        counter::files(FileStatus::Duplicate),
    ]
}

/// The line of a batch as a whole. Always given, so a batch's total is
/// reconciled even when its boxes are not named.
pub fn batch_line(b: &BatchRecord, counters: &BTreeMap<String, u64>) -> BoxLine {
    line(&b.name, None, b.expected_pages, counters)
}

/// The line of one box of a batch.
pub fn box_line(b: &BatchRecord, bx: &BoxRecord, counters: &BTreeMap<String, u64>) -> BoxLine {
    line(&b.name, Some(bx.name.clone()), bx.expected_pages, counters)
}

fn line(batch: &str, name: Option<String>, expected: Option<u64>, c: &BTreeMap<String, u64>) -> BoxLine {
    let get = |k: &str| c.get(k).copied().unwrap_or(0);
    let found = get(counter::SOURCE_PAGES);
    let failed_pages = get(&counter::pages(PageStatus::Failed));
    let records = get(counter::PAGES);
    let stored = records.saturating_sub(failed_pages);
    let failed_files = get(&counter::files(FileStatus::Failed));
    let pending_files = get(&counter::files(FileStatus::Pending));
    let duplicates = get(&counter::files(FileStatus::Duplicate));
    let mut problems = Vec::new();
    if let Some(e) = expected {
        if found < e {
            problems.push(format!("{} of {e} expected pages not found in the scans", e - found));
        } else if found > e {
            problems.push(format!("{} pages more than the {e} expected", found - e));
        }
    }
    if failed_files > 0 {
        problems.push(format!("{failed_files} files could not be read"));
    }
    if failed_pages > 0 {
        problems.push(format!("{failed_pages} pages could not be read"));
    }
    if pending_files > 0 {
        problems.push(format!("{pending_files} files still being read"));
    } else if records < found {
        problems.push(format!("{} pages found but not stored", found - records));
    }
    if duplicates > 0 && expected.is_some() {
        problems.push(format!("{duplicates} files are copies of files stored before (their pages count elsewhere)"));
    }
    BoxLine {
        batch: batch.to_string(),
        r#box: name,
        expected_pages: expected,
        found_pages: found,
        stored_pages: stored,
        failed_pages,
        failed_files,
        pending_files,
        problems,
    }
}

/// Reads a box manifest: a CSV file with a header naming `box` and
/// `expected_pages` columns (others are ignored), one row per box.
pub fn read_manifest(path: &Path) -> Result<Vec<(String, u64)>> {
    let bad = |what: String| Error::Config(format!("{}: {what}", path.display()));
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).map_err(|e| {
        bad(format!("cannot read the manifest: {}", e.to_string().split(" (os error").next().unwrap_or("")))
    })?;
    let headers = reader.headers().map_err(|e| bad(format!("no header line: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(b), Some(n)) = (col("box"), col("expected_pages")) else {
        return Err(bad("the header must name the columns box and expected_pages".into()));
    };
    let mut rows: Vec<(String, u64)> = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| bad(format!("line {line}: {e}")))?;
        let name = row.get(b).unwrap_or("").to_string();
        if name.is_empty() || name.contains('/') {
            return Err(bad(format!("line {line}: a box is the name of a folder under the batch's root")));
        }
        let pages: u64 = row
            .get(n)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(format!("line {line}: expected_pages is not a whole number")))?;
        if rows.iter().any(|(x, _)| x == &name) {
            return Err(bad(format!("line {line}: box '{name}' is listed twice")));
        }
        rows.push((name, pages));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_box_that_adds_up_has_no_problems() {
        let c = counters(&[("source_pages", 250), ("pages", 250), ("pages_filed", 240), ("pages_review", 10)]);
        let l = line("b", Some("box-1".into()), Some(250), &c);
        assert!(l.adds_up(), "{:?}", l.problems);
        assert_eq!((l.found_pages, l.stored_pages), (250, 250));
    }

    #[test]
    fn a_dropped_page_and_an_unreadable_file_are_flagged() {
        let c = counters(&[("source_pages", 248), ("pages", 248), ("files_failed", 1)]);
        let l = line("b", Some("box-2".into()), Some(250), &c);
        assert_eq!(l.problems, vec!["2 of 250 expected pages not found in the scans", "1 files could not be read"]);
        let c = counters(&[("source_pages", 10), ("pages", 10), ("pages_failed", 1)]);
        assert_eq!(line("b", None, None, &c).problems, vec!["1 pages could not be read"]);
        assert_eq!(line("b", None, None, &c).stored_pages, 9);
    }

    #[test]
    fn pages_found_but_not_stored_are_flagged_once_reading_ends() {
        let c = counters(&[("source_pages", 10), ("pages", 7), ("files_pending", 1)]);
        assert_eq!(line("b", None, None, &c).problems, vec!["1 files still being read"]);
        let c = counters(&[("source_pages", 10), ("pages", 7)]);
        assert_eq!(line("b", None, None, &c).problems, vec!["3 pages found but not stored"]);
    }

    #[test]
    fn manifests_are_read_and_bad_rows_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.csv");
        std::fs::write(&p, "box,expected_pages,note\nbox-01, 250,x\nbox-02,12,\n").unwrap();
        assert_eq!(read_manifest(&p).unwrap(), vec![("box-01".to_string(), 250), ("box-02".to_string(), 12)]);
        std::fs::write(&p, "box,expected_pages\nbox-01,many\n").unwrap();
        assert!(read_manifest(&p).unwrap_err().to_string().contains("line 2"));
        std::fs::write(&p, "name,pages\nbox-01,3\n").unwrap();
        assert!(read_manifest(&p).unwrap_err().to_string().contains("box and expected_pages"));
        std::fs::write(&p, "box,expected_pages\nbox-01,3\nbox-01,4\n").unwrap();
        assert!(read_manifest(&p).unwrap_err().to_string().contains("twice"));
    }
}

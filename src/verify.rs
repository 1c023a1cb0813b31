//! `chartmill verify`: the store checked against itself, and optionally
//! against the source files.
//!
//! * every stored page image read back and hashed (`Store::image` checks the
//!   SHA-256 it is named by);
//! * every document's page references: its pages exist and name it, and
//!   every page names a document that covers it;
//! * the counters that follow from the records (files and pages by status,
//!   types, reasons, images, the queue) against a full count, per scope:
//!   the store, each batch, each box;
//! * the audit trail's hash chain (`audit verify`);
//! * with `--sources`, every source file still present hashed again and
//!   compared with the SHA-256 recorded when it was read.
//!
//! Problems name files and pages by id (and a file by its source path
//! relative to its batch, as `status --list` does), never by their content.

use crate::error::Result;
use crate::model::{FileRecord, FileStatus, PageRecord, PageStatus, TextSource};
use crate::store::{counter, AuditCheck, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What was checked and what did not agree.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub files: u64,
    pub pages: u64,
    pub images: u64,
    pub documents: u64,
    /// Counters compared (scope and name pairs).
    pub counters: u64,
    /// Source files hashed again (`--sources`), and those found changed or missing.
    pub sources_checked: u64,
    pub sources_changed: u64,
    pub sources_missing: u64,
    pub audit: Option<AuditCheck>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// `image`, `document`, `counter`, `source`, `audit`.
    pub kind: &'static str,
    /// Ids: `file 12`, `page 12:3`, `document 12-2`, `counter batch 4 pages_filed`.
    pub what: String,
    pub detail: String,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the store; `sources` also hashes the source files again.
pub fn run(store: &Store, sources: bool) -> Result<Report> {
    let mut r = Report::default();
    let mut expected = Expected::default();
    for file in store.files() {
        let file = file?;
        r.files += 1;
        expected.file(&file);
        if sources && file.sha256.is_some() && file.status != FileStatus::Skipped {
            check_source(&file, &mut r);
        }
        if matches!(file.status, FileStatus::Skipped | FileStatus::Duplicate) {
            continue;
        }
        let pages = store.pages_of(file.id)?;
        for p in &pages {
            r.pages += 1;
            expected.page(p);
            if let Some(image) = &p.image {
                r.images += 1;
                if let Err(e) = store.image(image) {
                    r.problems.push(Problem {
                        kind: "image",
                        what: format!("page {}:{}", p.file_id, p.page),
                        detail: match e {
                            crate::Error::ImageDamaged { detail, .. } => detail,
                            e => e.to_string(),
                        },
                    });
                }
            }
        }
        let documents = store.documents(file.id)?;
        r.documents += documents.len() as u64;
        r.problems.extend(document_problems(file.id, &documents, &pages));
    }
    for entry in store.review_queue() {
        let entry = entry?;
        *expected.counts.entry((0, counter::QUEUE_DOCUMENTS.into())).or_default() += 1;
        *expected.counts.entry((entry.batch, counter::QUEUE_DOCUMENTS.into())).or_default() += 1;
    }
    compare_counters(store, &expected, &mut r)?;
    let audit = store.verify_audit(&[])?;
    if let Some(b) = &audit.first_bad {
        r.problems.push(Problem { kind: "audit", what: format!("audit entry {}", b.seq), detail: b.problem.clone() });
    }
    r.audit = Some(audit);
    Ok(r)
}

/// The counters that follow from the records, by (scope, name).
#[derive(Default)]
struct Expected {
    counts: BTreeMap<(u64, String), u64>,
    /// Scopes seen (0, batches, boxes).
    scopes: std::collections::BTreeSet<u64>,
}

impl Expected {
    fn add(&mut self, (batch, in_box): (u64, u64), name: &str, n: u64) {
        for scope in [0, batch].into_iter().chain((in_box != 0).then_some(in_box)) {
            self.scopes.insert(scope);
            *self.counts.entry((scope, name.to_string())).or_default() += n;
        }
    }

    fn file(&mut self, f: &FileRecord) {
        let scope = (f.batch, f.box_scope);
        self.add(scope, counter::FILES_FOUND, 1);
        self.add(scope, &counter::files(f.status), 1);
        self.add(scope, counter::SOURCE_PAGES, f.pages as u64);
    }

    fn page(&mut self, p: &PageRecord) {
        let scope = (p.batch, p.box_scope);
        self.add(scope, counter::PAGES, 1);
        self.add(scope, &counter::pages(p.status), 1);
        self.add(scope, &counter::doc_type(p.doc_type.as_deref()), 1);
        if p.status == PageStatus::Review {
            for reason in &p.review_reasons {
                self.add(scope, &counter::reason(reason), 1);
            }
        }
        if let Some(image) = &p.image {
            self.add(scope, counter::PAGES_IMAGED, 1);
            self.add(scope, counter::IMAGE_BYTES, image.bytes);
        }
        match p.text_source {
            TextSource::Ocr => self.add(scope, counter::PAGES_OCR, 1),
            TextSource::TextLayer => self.add(scope, counter::PAGES_TEXT_LAYER, 1),
            TextSource::None => {}
        }
    }
}

/// Whether a counter is one a full count of the records gives.
/// (`files_*` and `pages_*` include files found, pages imaged, OCR and text-layer pages.)
fn recounted(name: &str) -> bool {
    [counter::SOURCE_PAGES, counter::PAGES, counter::IMAGE_BYTES, counter::QUEUE_DOCUMENTS].contains(&name)
        || ["files_", "pages_", "doc_type:", "reason:"].iter().any(|p| name.starts_with(p))
}

fn compare_counters(store: &Store, expected: &Expected, r: &mut Report) -> Result<()> {
    let scope_name = |scope: u64| if scope == 0 { "store".to_string() } else { format!("scope {scope}") };
    for &scope in &expected.scopes {
        let stored = store.counters(scope)?;
        let mut names: std::collections::BTreeSet<&str> =
            stored.keys().map(String::as_str).filter(|n| recounted(n)).collect();
        names.extend(
            expected
                .counts
                .range((scope, String::new())..)
                .take_while(|((s, _), _)| *s == scope)
                .map(|((_, n), _)| n.as_str()),
        );
        for name in names {
            let have = stored.get(name).copied().unwrap_or(0);
            let want = expected.counts.get(&(scope, name.to_string())).copied().unwrap_or(0);
            r.counters += 1;
            if have != want {
                r.problems.push(Problem {
                    kind: "counter",
                    what: format!("counter {} {name}", scope_name(scope)),
                    detail: format!("counts {have} where the records give {want}"),
                });
            }
        }
    }
    Ok(())
}

/// A file's documents against its pages.
fn document_problems(file_id: u64, documents: &[crate::store::DocumentRecord], pages: &[PageRecord]) -> Vec<Problem> {
    let mut out = Vec::new();
    let by_number: BTreeMap<u32, &PageRecord> = pages.iter().map(|p| (p.page, p)).collect();
    let mut covered: BTreeMap<u32, u32> = BTreeMap::new();
    for d in documents {
        let what = format!("document {file_id}-{}", d.seq);
        if d.first_page == 0 || d.first_page > d.last_page {
            out.push(Problem { kind: "document", what, detail: format!("pages {}..{}", d.first_page, d.last_page) });
            continue;
        }
        for n in d.first_page..=d.last_page {
            match by_number.get(&n) {
                None => out.push(Problem {
                    kind: "document",
                    what: what.clone(),
                    detail: format!("names page {n}, which has no record"),
                }),
                Some(p) if p.document_seq != d.seq => out.push(Problem {
                    kind: "document",
                    what: what.clone(),
                    detail: format!("covers page {n}, which names document {}", p.document_seq),
                }),
                Some(_) => {}
            }
            if let Some(other) = covered.insert(n, d.seq) {
                out.push(Problem {
                    kind: "document",
                    what: what.clone(),
                    detail: format!("shares page {n} with document {file_id}-{other}"),
                });
            }
        }
    }
    let seqs: std::collections::BTreeSet<u32> = documents.iter().map(|d| d.seq).collect();
    for p in pages.iter().filter(|p| p.document_seq != 0 && !seqs.contains(&p.document_seq)) {
        out.push(Problem {
            kind: "document",
            what: format!("page {file_id}:{}", p.page),
            detail: format!("names document {}, which does not exist", p.document_seq),
        });
    }
    out
}

/// Hashes a source file (or a folder's page files, in order) again.
fn check_source(file: &FileRecord, r: &mut Report) {
    use std::os::unix::ffi::OsStrExt;
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&file.path)).to_path_buf();
    // A sequence's path is its folder joined with its members' pattern.
    let parts: Vec<std::path::PathBuf> = match (file.members.is_empty(), path.parent()) {
        (false, Some(folder)) => file.members.iter().map(|m| folder.join(&m.name)).collect(),
        _ => vec![path],
    };
    let what = format!("file {} ({})", file.id, file.source);
    let mut h = Sha256::new();
    for part in &parts {
        let read = std::fs::File::open(part).and_then(|mut f| std::io::copy(&mut f, &mut h));
        if let Err(e) = read {
            r.sources_checked += 1;
            if e.kind() == std::io::ErrorKind::NotFound {
                r.sources_missing += 1;
                r.problems.push(Problem { kind: "source", what, detail: "missing".into() });
            } else {
                r.sources_changed += 1;
                r.problems.push(Problem {
                    kind: "source",
                    what,
                    detail: format!("cannot be read: {}", crate::error::io_reason(&e)),
                });
            }
            return;
        }
    }
    r.sources_checked += 1;
    if Some(crate::model::hex(&h.finalize())) != file.sha256 {
        r.sources_changed += 1;
        r.problems.push(Problem {
            kind: "source",
            what,
            detail: "changed since it was read (its SHA-256 differs)".into(),
        });
    }
}

/// The report for people: each problem, then the totals.
pub fn render(r: &Report, sources: bool) -> String {
    let mut s = String::new();
    for p in &r.problems {
        s.push_str(&format!("{}\t{}\t{}\n", p.kind, p.what, p.detail));
    }
    s.push_str(&format!(
        "checked {} files, {} pages, {} images, {} documents, {} counters",
        r.files, r.pages, r.images, r.documents, r.counters
    ));
    if let Some(a) = &r.audit {
        s.push_str(&format!(", {} audit entries", a.entries));
    }
    if sources {
        s.push_str(&format!(
            ", {} source files ({} changed, {} missing)",
            r.sources_checked, r.sources_changed, r.sources_missing
        ));
    }
    s.push_str(&format!(": {}\n", if r.ok() { "all agree".into() } else { format!("{} problems", r.problems.len()) }));
    s
}

//! Exports: the electronic record, for the systems that load it.
//!
//! ```text
//! store: files changed since the target's cursor, their documents and revisions
//!   ─► plan, per document: add, correct (withdraw the old, add the new) or withdraw
//!   ─► pdf::document for each added one (in parallel) ─► pdf/NNNN/FILE-SEQ-rREV_TYPE.pdf
//!   ─► the index of the chunk ─► fhir/DocumentReference-RUN-PART.ndjson, csv/documents-RUN-PART.csv
//!   ─► Store::commit_export: what was written, the cursor and the counters, in one transaction
//! ```
//!
//! Each kind (`pdf`, `fhir`, `csv`) writing to one folder for one choice of
//! statuses is an *export target* with a cursor in the store: the last
//! change (`Store::last_change`) it has written. A run reads the files
//! changed since, and compares each document's revision with what the
//! target wrote of it: a document new to it is added; one at another
//! revision (re-filed to another patient, retyped, pages moved) is
//! withdrawn and added again, the new entry replacing the old; one no
//! longer in scope (reopened, rejected, gone) is withdrawn. `--all` writes
//! every document in scope again.
//!
//! `fhir` and `csv` entries point at the document's PDF in the same folder:
//! a run of either first brings the folder's `pdf` export up to date.
//!
//! Nothing half-written ever has its final name: each file is written under
//! a temporary name, synced and renamed. Work is committed a chunk of files
//! at a time (`CHUNK_FILES`); a run that fails (disk full, folder not
//! writable) reports it and leaves the cursor where the last complete chunk
//! put it, so the next run writes the rest again.
//!
//! `jsonl` (one object per page, to a file or standard output) is the
//! older, page-level export and has no cursor.

pub mod csv;
pub mod fhir;
pub mod jsonl;
pub mod pdf;

use crate::error::{Error, Result};
use crate::model::{ExportedDoc, FileRecord, FileStatus, IndexEntry, PageRecord, PageStatus, PdfFile};
use crate::store::{ExportTarget, Revision, Store};
use crate::taxonomy::Taxonomy;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Files whose documents are written and committed together.
const CHUNK_FILES: usize = 500;

/// Export kinds that write to a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Pdf,
    Fhir,
    Csv,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Fhir => "fhir",
            Kind::Csv => "csv",
        }
    }
}

/// A document's status for export: `filed` when every page of it is filed
/// to one patient, `rejected` when every page is rejected, else `review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocStatus {
    Filed,
    Review,
    Rejected,
}

impl DocStatus {
    pub fn name(self) -> &'static str {
        match self {
            DocStatus::Filed => "filed",
            DocStatus::Review => "review",
            DocStatus::Rejected => "rejected",
        }
    }
}

/// Settings of one export run.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    pub folder: PathBuf,
    pub kinds: Vec<Kind>,
    /// Documents of these statuses are exported (default: filed).
    pub statuses: Vec<DocStatus>,
    /// Write every document in scope again, not only what changed.
    pub all: bool,
    /// FHIR: also a `transaction` Bundle per batch.
    pub bundle: bool,
    pub systems: fhir::Systems,
    /// PDFs written at once.
    pub jobs: usize,
}

/// What one kind's run wrote.
#[derive(Debug, Clone, Default)]
pub struct KindSummary {
    pub kind: &'static str,
    /// Documents added that the target had not written before.
    pub added: u64,
    /// Documents written again at a new revision (a correction).
    pub corrected: u64,
    /// Documents withdrawn (no longer in scope).
    pub withdrawn: u64,
    /// Pages of the documents added and corrected.
    pub pages: u64,
    pub pdfs_written: u64,
    /// Index files written, relative to the folder.
    pub files: Vec<String>,
    /// Documents that could not be exported: (document id, why).
    pub failed: Vec<(String, String)>,
}

/// A document as it stands in the store.
#[derive(Debug, Clone)]
struct DocView {
    seq: u32,
    revision: Revision,
    status: DocStatus,
    /// Its pages in the record: not blank, failed or separators.
    pages: Vec<PageRecord>,
}

/// What a run does about one document.
#[derive(Debug, Clone)]
enum Step {
    /// Write it (its entry, the PDF still to come); `replaces` is what the
    /// target wrote of it before, at another revision.
    Add { file: u64, view: DocView, entry: Box<IndexEntry>, replaces: Option<IndexEntry> },
    /// Take back what the target wrote of it.
    Withdraw { old: ExportedDoc },
}

/// Runs the export kinds of `cfg` into its folder.
pub fn run(store: &Store, taxonomy: &Taxonomy, cfg: &ExportConfig) -> Result<Vec<KindSummary>> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path: path.clone(), source }
    };
    mkdirs(&cfg.folder).map_err(io(&cfg.folder))?;
    let folder = std::fs::canonicalize(&cfg.folder).map_err(io(&cfg.folder))?;
    let ctx = Ctx {
        store,
        taxonomy,
        cfg,
        folder: folder.clone(),
        store_id: store.store_id()?,
        batches: store.batches()?.into_iter().map(|b| (b.id, b.name)).collect(),
        upto: store.last_change()?,
        statuses: cfg.statuses.iter().copied().collect(),
        producer: format!("chartmill {}", env!("CARGO_PKG_VERSION")),
    };
    let asked: BTreeSet<Kind> = cfg.kinds.iter().copied().collect();
    let mut kinds = asked.clone();
    if kinds.contains(&Kind::Fhir) || kinds.contains(&Kind::Csv) {
        kinds.insert(Kind::Pdf);
    }
    // The folder's PDFs are brought up to date for the indexes; `--all`
    // writes them again only when they were asked for.
    kinds.into_iter().map(|k| ctx.run_kind(k, cfg.all && asked.contains(&k))).collect()
}

struct Ctx<'a> {
    store: &'a Store,
    taxonomy: &'a Taxonomy,
    cfg: &'a ExportConfig,
    folder: PathBuf,
    store_id: String,
    batches: BTreeMap<u64, String>,
    /// The last change this run writes.
    upto: u64,
    statuses: BTreeSet<DocStatus>,
    producer: String,
}

impl Ctx<'_> {
    /// The target of `kind` for this folder and choice of statuses.
    fn target(&self, kind: Kind) -> Result<ExportTarget> {
        let statuses: Vec<&str> = self.statuses.iter().map(|s| s.name()).collect();
        let folder = format!("{}\0{}", statuses.join(","), self.folder.display());
        self.store.export_target(kind.name(), &folder)
    }

    fn run_kind(&self, kind: Kind, all: bool) -> Result<KindSummary> {
        let mut target = self.target(kind)?;
        let mut summary = KindSummary { kind: kind.name(), ..Default::default() };
        // (change sequence, file) in change order; with --all every file.
        let files: Vec<(u64, u64)> = if all {
            let ids: Vec<u64> = self.store.files().map(|f| f.map(|f| f.id)).collect::<Result<_>>()?;
            ids.into_iter().map(|id| (0, id)).collect()
        } else {
            self.store.files_changed(target.cursor, self.upto)?
        };
        let run = target.runs + 1;
        let mut wrote = false;
        for (part, chunk) in files.chunks(CHUNK_FILES).enumerate() {
            let last = (part + 1) * CHUNK_FILES >= files.len();
            let mut steps = Vec::new();
            for &(_, file_id) in chunk {
                steps.extend(self.plan(&target, file_id, all)?);
            }
            let records = self.write_chunk(kind, &steps, run, part, &mut summary)?;
            wrote |= !records.is_empty();
            if !all || last {
                target.cursor = if last { self.upto } else { chunk.last().map(|c| c.0).unwrap_or(target.cursor) };
            }
            if wrote {
                target.runs = run;
                target.last_run_at = Some(crate::model::now());
            }
            self.store.commit_export(&target, &records)?;
        }
        if files.is_empty() && target.cursor != self.upto {
            target.cursor = self.upto;
            self.store.commit_export(&target, &[])?;
        }
        Ok(summary)
    }

    /// The documents of a file as they stand (none unless the file is done).
    fn documents_now(&self, file: &FileRecord) -> Result<Vec<DocView>> {
        if file.status != FileStatus::Done {
            return Ok(Vec::new());
        }
        let pages = self.store.pages_of(file.id)?;
        let revisions: BTreeMap<u32, Revision> = self.store.revisions(file.id)?.into_iter().collect();
        let mut out = Vec::new();
        for d in self.store.documents(file.id)? {
            let Some(revision) = revisions.get(&d.seq).cloned() else { continue };
            let in_record: Vec<PageRecord> = pages
                .iter()
                .filter(|p| p.document_seq == d.seq && (d.first_page..=d.last_page).contains(&p.page))
                .filter(|p| !matches!(p.status, PageStatus::Blank | PageStatus::Failed | PageStatus::Separator))
                .cloned()
                .collect();
            if in_record.is_empty() {
                continue;
            }
            let mrns: BTreeSet<&str> =
                in_record.iter().filter_map(|p| p.patient.as_ref()).map(|x| x.mrn.as_str()).collect();
            let status = if in_record.iter().all(|p| p.status == PageStatus::Filed) && mrns.len() == 1 {
                DocStatus::Filed
            } else if in_record.iter().all(|p| p.status == PageStatus::Rejected) {
                DocStatus::Rejected
            } else {
                DocStatus::Review
            };
            out.push(DocView { seq: d.seq, revision, status, pages: in_record });
        }
        Ok(out)
    }

    /// What to do about each document of a file, for one target.
    fn plan(&self, target: &ExportTarget, file_id: u64, all: bool) -> Result<Vec<Step>> {
        let Some(file) = self.store.file(file_id)? else { return Ok(Vec::new()) };
        let now = self.documents_now(&file)?;
        let mut before: BTreeMap<u32, ExportedDoc> =
            self.store.exported(target.id, file_id)?.into_iter().map(|d| (d.seq, d)).collect();
        let mut steps = Vec::new();
        let add = |view: DocView, replaces| {
            let entry = Box::new(self.entry(&file, &view));
            Step::Add { file: file_id, view, entry, replaces }
        };
        for view in now {
            let old = before.remove(&view.seq).filter(|b| b.active);
            if !self.statuses.contains(&view.status) {
                if let Some(old) = old {
                    steps.push(Step::Withdraw { old });
                }
                continue;
            }
            match old {
                Some(b) if b.entry.revision == view.revision.revision => {
                    if all {
                        steps.push(add(view, None));
                    }
                }
                Some(b) => steps.push(add(view, Some(b.entry))),
                None => steps.push(add(view, None)),
            }
        }
        // Documents that are gone.
        steps.extend(before.into_values().filter(|b| b.active).map(|old| Step::Withdraw { old }));
        Ok(steps)
    }

    /// The index entry of a document as it stands (its PDF still to come).
    fn entry(&self, file: &FileRecord, view: &DocView) -> IndexEntry {
        let first = &view.pages[0];
        let doc_type = first.doc_type.clone().unwrap_or_else(|| crate::taxonomy::OTHER.into());
        let (loinc, display) = match self.taxonomy.get(&doc_type) {
            Some(t) => (t.loinc.clone(), t.display.clone()),
            None => (None, doc_type.clone()),
        };
        let mut dates: Vec<&String> = view.pages.iter().flat_map(|p| &p.identifiers.service_date).collect();
        dates.sort();
        IndexEntry {
            document_id: format!("{}-{}", file.id, view.seq),
            revision: view.revision.revision,
            status: view.status.name().into(),
            batch: self.batches.get(&file.batch).cloned().unwrap_or_default(),
            source: file.source.clone(),
            pages: view.pages.iter().map(|p| p.page).collect(),
            doc_type,
            loinc,
            display,
            patient: (view.status == DocStatus::Filed).then(|| first.patient.clone()).flatten(),
            service_start: dates.first().map(|d| d.to_string()),
            service_end: dates.last().map(|d| d.to_string()),
            made_at: view.revision.at,
            pdf: None,
        }
    }

    /// Where a document revision's PDF goes, relative to the folder.
    fn pdf_path(file_id: u64, entry: &IndexEntry) -> String {
        format!("pdf/{:04}/{}-r{}_{}.pdf", file_id / 1000, entry.document_id, entry.revision, entry.doc_type)
    }

    /// Writes a document's PDF (atomically) and says what was written.
    fn write_pdf(
        &self,
        file_id: u64,
        view: &DocView,
        entry: &IndexEntry,
    ) -> Result<std::result::Result<PdfFile, String>> {
        let mut loaded = Vec::new();
        for p in &view.pages {
            let Some(image) = &p.image else {
                return Ok(Err(format!("page {} has no stored image", p.page_id())));
            };
            let words = if image.coding == crate::model::ImageCoding::PdfPage {
                Vec::new()
            } else {
                self.store.words(p.file_id, p.page)?
            };
            loaded.push((p, words, self.store.image(image)?));
        }
        let pages: Vec<pdf::Page> =
            loaded.iter().map(|(record, words, image)| pdf::Page { record, words, image }).collect();
        let meta = pdf::Meta {
            document_id: &entry.document_id,
            revision: entry.revision,
            doc_type: &entry.doc_type,
            display: &entry.display,
            loinc: entry.loinc.as_deref(),
            made_at: entry.made_at,
            producer: &self.producer,
        };
        let bytes = match pdf::document(&pages, &meta) {
            Ok(b) => b,
            Err(why) => return Ok(Err(why)),
        };
        let path = Self::pdf_path(file_id, entry);
        write_atomically(&self.folder.join(&path), &bytes)?;
        use base64::Engine as _;
        use sha2::Digest;
        Ok(Ok(PdfFile {
            path,
            size: bytes.len() as u64,
            sha256: crate::model::hex(&sha2::Sha256::digest(&bytes)),
            sha1_base64: base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(&bytes)),
        }))
    }

    /// The PDF the folder's `pdf` export wrote of this revision, if it
    /// still is there.
    fn pdf_written(&self, pdf_target: &ExportTarget, file_id: u64, seq: u32, revision: u32) -> Result<Option<PdfFile>> {
        let written = self.store.exported(pdf_target.id, file_id)?;
        Ok(written
            .into_iter()
            .find(|d| d.seq == seq && d.active && d.entry.revision == revision)
            .and_then(|d| d.entry.pdf)
            .filter(|p| std::fs::metadata(self.folder.join(&p.path)).is_ok_and(|m| m.len() == p.size)))
    }

    /// Writes one chunk's PDFs and index files; returns the records to commit.
    fn write_chunk(
        &self,
        kind: Kind,
        steps: &[Step],
        run: u32,
        part: usize,
        summary: &mut KindSummary,
    ) -> Result<Vec<ExportedDoc>> {
        let now = crate::model::now();
        let pdf_target = if kind == Kind::Pdf { None } else { Some(self.target(Kind::Pdf)?) };
        // Each added document's entry with its PDF (or why it has none).
        let added: Vec<&Step> = steps.iter().filter(|s| matches!(s, Step::Add { .. })).collect();
        let made = crate::pipeline::in_parallel(self.cfg.jobs, &added, |step| -> Result<_> {
            let Step::Add { file, view, entry, .. } = step else { unreachable!("only additions") };
            let mut entry = (**entry).clone();
            let reused = match &pdf_target {
                Some(t) => self.pdf_written(t, *file, view.seq, view.revision.revision)?,
                None => None,
            };
            let (pdf, wrote) = match reused {
                Some(p) => (Ok(p), false),
                None => (self.write_pdf(*file, view, &entry)?, true),
            };
            if let Ok(p) = &pdf {
                entry.pdf = Some(p.clone());
            }
            Ok((entry, pdf, wrote))
        })?;
        let mut records = Vec::new();
        // PDFs written for a fhir or csv run are the folder's pdf export's too.
        let mut pdf_records = Vec::new();
        let mut index = Index::new(kind, self.cfg.bundle);
        let mut made = made.into_iter();
        for step in steps {
            match step {
                Step::Withdraw { old } => {
                    index.withdraw(&old.entry, &self.store_id, &self.cfg.systems, old.batch);
                    records.push(ExportedDoc { active: false, exported_at: now, ..old.clone() });
                    summary.withdrawn += 1;
                }
                Step::Add { file, view, replaces, .. } => {
                    let (entry, pdf, wrote) = made.next().expect("one result per addition")?;
                    if let Err(why) = pdf {
                        summary.failed.push((entry.document_id.clone(), why));
                        continue;
                    }
                    let batch = view.pages[0].batch;
                    if let Some(old) = replaces {
                        index.withdraw(old, &self.store_id, &self.cfg.systems, batch);
                        summary.corrected += 1;
                    } else {
                        summary.added += 1;
                    }
                    index.add(&entry, replaces.as_ref(), &self.store_id, &self.cfg.systems, batch);
                    summary.pages += entry.pages.len() as u64;
                    let record =
                        ExportedDoc { file_id: *file, seq: view.seq, batch, active: true, exported_at: now, entry };
                    if wrote {
                        summary.pdfs_written += 1;
                        if kind != Kind::Pdf {
                            pdf_records.push(record.clone());
                        }
                    }
                    records.push(record);
                }
            }
        }
        for (path, bytes) in index.files(run, part) {
            write_atomically(&self.folder.join(&path), &bytes)?;
            summary.files.push(path);
        }
        if let (Some(t), false) = (pdf_target, pdf_records.is_empty()) {
            self.store.commit_export(&t, &pdf_records)?;
        }
        for dir in ["pdf", "fhir", "csv"] {
            let _ = sync_dir(&self.folder.join(dir));
        }
        Ok(records)
    }
}

/// The index a chunk writes: NDJSON lines (and bundles) or CSV rows.
struct Index {
    kind: Kind,
    bundle: bool,
    lines: Vec<u8>,
    /// FHIR resources per batch, for the bundles.
    by_batch: BTreeMap<u64, Vec<serde_json::Value>>,
    rows: Option<::csv::Writer<Vec<u8>>>,
    count: usize,
}

impl Index {
    fn new(kind: Kind, bundle: bool) -> Index {
        let rows = (kind == Kind::Csv).then(|| csv::writer(Vec::new()));
        Index { kind, bundle, lines: Vec::new(), by_batch: BTreeMap::new(), rows, count: 0 }
    }

    fn push_resource(&mut self, r: serde_json::Value, batch: u64) {
        self.lines.extend_from_slice(r.to_string().as_bytes());
        self.lines.push(b'\n');
        if self.bundle {
            self.by_batch.entry(batch).or_default().push(r);
        }
        self.count += 1;
    }

    fn push_row(&mut self, entry: &IndexEntry, action: csv::Action) {
        if let Some(w) = self.rows.as_mut() {
            // Writing to memory cannot fail.
            let _ = w.write_record(csv::row(entry, action));
            self.count += 1;
        }
    }

    fn withdraw(&mut self, old: &IndexEntry, store_id: &str, systems: &fhir::Systems, batch: u64) {
        match self.kind {
            Kind::Fhir => {
                let r = fhir::document_reference(old, store_id, systems, fhir::Standing::EnteredInError, None);
                self.push_resource(r, batch);
            }
            Kind::Csv => self.push_row(old, csv::Action::Delete),
            Kind::Pdf => {}
        }
    }

    fn add(
        &mut self,
        entry: &IndexEntry,
        replaces: Option<&IndexEntry>,
        store_id: &str,
        systems: &fhir::Systems,
        batch: u64,
    ) {
        match self.kind {
            Kind::Fhir => {
                let old = replaces.map(|o| fhir::resource_id(store_id, o));
                let r = fhir::document_reference(entry, store_id, systems, fhir::Standing::Current, old.as_deref());
                self.push_resource(r, batch);
            }
            Kind::Csv => self.push_row(entry, csv::Action::Add),
            Kind::Pdf => {}
        }
    }

    /// The files to write: (path relative to the folder, bytes).
    fn files(self, run: u32, part: usize) -> Vec<(String, Vec<u8>)> {
        if self.count == 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        match self.kind {
            Kind::Fhir => {
                out.push((format!("fhir/DocumentReference-{run:05}-{part:03}.ndjson"), self.lines));
                // Named by batch id: a batch's name may be a folder's, which may name a patient.
                for (batch, resources) in self.by_batch {
                    let bundle = fhir::transaction_bundle(&resources);
                    let bytes = serde_json::to_vec_pretty(&bundle).unwrap_or_default();
                    out.push((format!("fhir/Bundle-{run:05}-{part:03}-batch{batch}.json"), bytes));
                }
            }
            Kind::Csv => {
                let mut w = self.rows.expect("a csv index has rows");
                let _ = w.flush();
                let rows = w.into_inner().unwrap_or_default();
                let mut with_header = csv::writer(Vec::new());
                let _ = with_header.write_record(csv::HEADER);
                let mut bytes = with_header.into_inner().unwrap_or_default();
                bytes.extend_from_slice(&rows);
                out.push((format!("csv/documents-{run:05}-{part:03}.csv"), bytes));
            }
            Kind::Pdf => {}
        }
        out
    }
}

fn mkdirs(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
}

fn sync_dir(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

/// Writes `bytes` to `path` under a temporary name in the same folder,
/// syncs it, then renames it: `path` holds the whole file or nothing new.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let dir = path.parent().unwrap_or(Path::new("."));
    mkdirs(dir).map_err(io)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

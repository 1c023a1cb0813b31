//! The classifier commands: `train` and `eval`, and loading the model.

use crate::classify::Model;
use crate::config::{exit, SiteConfig};
use crate::console::{errln, out, outln, Console, Open};
use crate::error::{Error, Result};
use crate::train::{self, Example, TrainConfig};
use std::path::{Path, PathBuf};

/// The model built into chartmill (`models/doctype.json` at build time).
const BUILTIN_MODEL: &[u8] = include_bytes!("../models/doctype.json");

/// The model to use: `explicit`, else the site's, else the built-in one.
pub fn load_model(site: &SiteConfig, explicit: Option<&Path>) -> Result<Model> {
    match explicit.or(site.classifier.model.as_deref()) {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::Io { path: path.to_path_buf(), source: e })?;
            Model::from_json(&bytes).map_err(|e| Error::Config(format!("model {}: {e}", path.display())))
        }
        None => Model::from_json(BUILTIN_MODEL).map_err(|e| Error::Config(format!("built-in model: {e}"))),
    }
}

fn describe(path: &Path, rows: usize) -> String {
    use sha2::Digest;
    let sha = std::fs::read(path).map(|b| sha2::Sha256::digest(&b)).ok();
    let sha = sha.map(|d| d.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>()).unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{name} ({rows} rows, sha256 {sha}...)")
}

/// `chartmill train`: from labelled CSV files (`data`) and, with
/// `from_store` (the weight of each stored page), from the pages of the
/// store whose type a technician set (`review retype`, `review
/// confirm-type`, `review resolve --type`): the text of each scanned page as
/// OCR read it, the text ingest classifies.
pub fn train(
    con: &mut Console,
    site: &SiteConfig,
    store: &Path,
    data: &[PathBuf],
    from_store: Option<u32>,
    out: &Path,
    cfg: &TrainConfig,
) -> Result<u8> {
    let taxonomy = site.taxonomy()?;
    let mut examples: Vec<Example> = Vec::new();
    let mut sources = Vec::new();
    for path in data {
        let rows = crate::dataset::read_csv(path, &taxonomy)?;
        sources.push(describe(path, rows.len()));
        examples.extend(rows);
    }
    let mut labelled: Vec<Example> = Vec::new();
    if let Some(weight) = from_store {
        if weight == 0 {
            return Err(Error::Config("--store-weight must be at least 1".into()));
        }
        let store = con.store(store, Open::Existing)?;
        let mut by_type: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for page in store.pages() {
            let page = page?;
            if let (Some(code), Some(_)) = (&page.doc_type, &page.doc_type_by) {
                if taxonomy.contains(code) && !page.text.trim().is_empty() {
                    labelled.push(Example::page(code.clone(), page.text.clone()));
                    *by_type.entry(code.clone()).or_default() += 1;
                }
            }
        }
        let types: Vec<String> = by_type.iter().map(|(t, n)| format!("{t} {n}")).collect();
        let counted = if weight > 1 { format!("; each counted {weight} times") } else { String::new() };
        sources.push(format!(
            "store {} ({} pages typed by technicians{}{counted})",
            store.path().display(),
            labelled.len(),
            if types.is_empty() { String::new() } else { format!(": {}", types.join(", ")) }
        ));
        errln!(con, "{}", sources.last().expect("just pushed"));
    }
    if examples.is_empty() && labelled.is_empty() {
        return Err(Error::Config("no training examples: give --data FILE.csv or --from-store".into()));
    }
    if !(10..=22).contains(&cfg.dims_log2) {
        return Err(Error::Config("--dims-log2 must be between 10 and 22".into()));
    }
    let mut classes: Vec<String> = examples.iter().chain(&labelled).map(|e| e.label.clone()).collect();
    classes.sort();
    classes.dedup();
    let started = std::time::Instant::now();
    // A site's labelled pages are few and its own: all are learned, each
    // as many times as it counts, none held out (calibration and metrics
    // come from the data), unless there is no other data.
    let (mut fit, held) = match examples.is_empty() {
        true => train::split(std::mem::take(&mut labelled), cfg.heldout_fraction, cfg.seed),
        false => train::split(examples, cfg.heldout_fraction, cfg.seed),
    };
    for _ in 0..from_store.unwrap_or(0) {
        fit.extend(labelled.iter().cloned());
    }
    errln!(con, "training on {} examples ({} held out), {} types", fit.len(), held.len(), classes.len());
    let mut model = train::train_refit(&fit, &held, &classes, cfg);
    model.provenance.trained_at = crate::report::format_utc(crate::model::now());
    model.provenance.chartmill_version = env!("CARGO_PKG_VERSION").into();
    model.provenance.sources = sources;
    model.provenance.settings = serde_json::to_string(&cfg).unwrap_or_default();
    model.provenance.credit = "Trained in part on Transcribed Medical Transcription Sample Reports and Examples, \
                               www.mtsamples.com"
        .into();
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.to_path_buf(), source: e })?;
    }
    std::fs::write(out, model.to_json()).map_err(|e| Error::Io { path: out.to_path_buf(), source: e })?;
    // The figures of the model before its refit on the held-out share too.
    errln!(
        con,
        "wrote {} in {:.1} s: held-out accuracy {:.3}, macro-F1 {:.3}, temperature {:.3} (then refit on all)",
        out.display(),
        started.elapsed().as_secs_f64(),
        model.provenance.heldout_accuracy,
        model.provenance.heldout_macro_f1,
        model.temperature
    );
    Ok(exit::OK)
}

fn print_metrics(con: &mut Console, m: &train::Metrics, json: bool) {
    if json {
        outln!(con, "{}", serde_json::to_string_pretty(m).unwrap_or_default());
    } else {
        out!(con, "{}", train::render(m));
    }
}

/// `chartmill eval --data FILE.csv`. When the texts are pages of documents
/// (a `document` column), each page is also typed from its whole document,
/// as ingest types it, and first and later pages are scored apart.
pub fn eval_text(
    con: &mut Console,
    site: &SiteConfig,
    model: &Model,
    data: &[PathBuf],
    predictions: Option<&Path>,
    json: bool,
) -> Result<u8> {
    if data.is_empty() {
        return Err(Error::Config("give --data FILE.csv, or --truth FILE DIR".into()));
    }
    let taxonomy = site.taxonomy()?;
    let mut examples = Vec::new();
    for path in data {
        examples.extend(crate::dataset::read_csv(path, &taxonomy)?);
    }
    let paged = examples.iter().any(|e| e.document.is_some());
    let started = std::time::Instant::now();
    let m = train::evaluate(model, &examples);
    let per_page = started.elapsed().as_secs_f64() * 1000.0 / examples.len().max(1) as f64;
    let predicted = (paged || predictions.is_some()).then(|| train::predict_pages(model, &examples));
    if let (Some(path), Some(p)) = (predictions, &predicted) {
        let mut lines = String::new();
        for row in p {
            lines.push_str(&serde_json::to_string(row).unwrap_or_default());
            lines.push('\n');
        }
        std::fs::write(path, lines).map_err(|e| Error::Io { path: path.to_path_buf(), source: e })?;
    }
    match predicted.filter(|_| paged) {
        Some(p) => {
            let pm = train::score_pages(&p);
            if json {
                outln!(con, "{}", serde_json::to_string_pretty(&pm).unwrap_or_default());
            } else {
                outln!(con, "== every page typed from its whole document (as ingest types it)");
                out!(con, "{}", train::render(&pm.in_document));
                outln!(con, "\n== first pages: macro-F1 {:.3} ({} pages); later pages: macro-F1 {:.3} ({} pages); each page alone: macro-F1 {:.3}",
                    pm.first_pages.macro_f1, pm.first_pages.total, pm.later_pages.macro_f1, pm.later_pages.total, pm.alone.macro_f1);
            }
        }
        None => print_metrics(con, &m, json),
    }
    if !json {
        outln!(con, "\nclassification time: {per_page:.2} ms per text");
    }
    Ok(exit::OK)
}

/// `chartmill eval --truth truth.jsonl DIR`: ingests the scans in DIR into a
/// temporary store with `model`, then scores each page's document type
/// against the truth, and the document boundaries (`starts_document`).
pub fn eval_scans(
    con: &mut Console,
    site: &SiteConfig,
    model: &Model,
    truth: &Path,
    dir: &Path,
    jobs: Option<usize>,
    json: bool,
) -> Result<u8> {
    use std::collections::BTreeMap;
    let text = std::fs::read_to_string(truth).map_err(|e| Error::Io { path: truth.to_path_buf(), source: e })?;
    let mut expected: BTreeMap<(String, u32), (String, Option<bool>)> = BTreeMap::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| Error::Config(format!("{}: line {}: {e}", truth.display(), i + 1)))?;
        let (Some(source), Some(page)) = (v["source"].as_str(), v["page"].as_u64()) else {
            return Err(Error::Config(format!("{}: line {}: no source or page", truth.display(), i + 1)));
        };
        let Some(doc_type) = v["doc_type"].as_str() else {
            continue;
        }; // blank pages carry no type
        expected.insert((source.to_string(), page as u32), (doc_type.to_string(), v["starts_document"].as_bool()));
    }
    let scratch = std::env::temp_dir().join(format!("chartmill-eval-{}-{}", std::process::id(), crate::model::now()));
    let result = (|| {
        let store = crate::store::Store::open(&scratch)?;
        let cfg = crate::pipeline::IngestConfig {
            quiet: true,
            ..crate::pipeline::IngestConfig::for_site(site, model.clone(), vec![dir.to_path_buf()], "eval".into(), jobs)
        };
        let started = std::time::Instant::now();
        let summary = crate::pipeline::ingest(&store, &cfg)?;
        let secs = started.elapsed().as_secs_f64();
        let mut pairs = Vec::new();
        let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
        let mut missing = 0usize;
        let mut previous: Option<(u64, u32)> = None;
        let files: BTreeMap<u64, crate::model::FileRecord> =
            store.files().filter_map(|f| f.ok()).map(|f| (f.id, f)).collect();
        let mut seen = 0usize;
        for page in store.pages() {
            let page = page?;
            let starts = previous != Some((page.file_id, page.document_seq));
            previous = Some((page.file_id, page.document_seq));
            let Some(file) = files.get(&page.file_id) else {
                continue;
            };
            // A page of a folder's page files is known by its own file.
            let key = file.page_file_source(page.page).unwrap_or_else(|| (file.source.clone(), page.page));
            let Some((truth_type, truth_start)) = expected.get(&key) else {
                continue;
            };
            seen += 1;
            let c = crate::classify::Classification {
                code: page.doc_type.clone().unwrap_or_else(|| crate::taxonomy::OTHER.into()),
                confidence: page.doc_type_confidence.unwrap_or(0.0),
                ranked: Vec::new(),
            };
            pairs.push((truth_type.clone(), c));
            if let Some(t) = truth_start {
                match (starts, *t) {
                    (true, true) => tp += 1,
                    (true, false) => fp += 1,
                    (false, true) => fn_ += 1,
                    (false, false) => {}
                }
            }
        }
        missing += expected.len().saturating_sub(seen);
        let m = crate::train::score(&pairs);
        let precision = tp as f64 / (tp + fp).max(1) as f64;
        let recall = tp as f64 / (tp + fn_).max(1) as f64;
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        if json {
            let v = serde_json::json!({
                "classification": m,
                "boundaries": {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn_},
                "pages_missing": missing,
                "pages_stored": summary.pages_stored,
                "seconds": secs,
            });
            outln!(con, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        } else {
            out!(con, "{}", crate::train::render(&m));
            outln!(con,
                "\ndocument boundaries: precision {precision:.3}  recall {recall:.3}  F1 {f1:.3}  (tp {tp}, fp {fp}, fn {fn_})"
            );
            outln!(con, "pages scored {}  missing from the store {missing}  ingest {secs:.1} s", pairs.len());
        }
        Ok(exit::OK)
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// A patient as listed: the MRN as the index printed it.
fn patient_line(p: &crate::store::PatientRecord) -> String {
    let mrn = p.printed_mrn.as_deref().unwrap_or(&p.mrn);
    format!("{mrn}\t{}, {}\t{}\t{}", p.family_name, p.given_name, p.birth_date, p.sex)
}

/// An MRN typed on the command line, in the index's form (the site's
/// format, see [`crate::extract::MrnFormat::normalise`]).
fn typed_mrn(typed: &str, site: &SiteConfig) -> Result<String> {
    crate::extract::normalise_mrn(typed, &site.identifiers)
        .ok_or_else(|| Error::Config("that is not an MRN of the site's format ([identifiers] mrn_pattern)".into()))
}

/// `chartmill patients ...`.
pub fn patients(
    con: &mut Console,
    site: &SiteConfig,
    store_path: &Path,
    cmd: crate::cli::PatientsCommand,
) -> Result<u8> {
    use crate::cli::PatientsCommand::*;
    use crate::review;
    match cmd {
        Import { file, map, user } => {
            let mut pairs = Vec::new();
            for m in &map {
                let (f, c) =
                    m.split_once('=').ok_or_else(|| Error::Config(format!("--map {m}: expected FIELD=COLUMN")))?;
                if !["mrn", "family_name", "given_name", "birth_date", "sex"].contains(&f) {
                    return Err(Error::Config(format!("--map {m}: unknown field '{f}'")));
                }
                pairs.push((f.to_string(), c.to_string()));
            }
            let format = crate::extract::MrnFormat::new(&site.identifiers).map_err(Error::Config)?;
            let (good, bad) = review::read_patients(&file, &pairs, &format)?;
            let store = con.store(store_path, Open::Create)?;
            let (replaced, left) = review::stale_patients(&store, &format, &good)?;
            let (added, updated) = store.import_patients(&good, &replaced)?;
            for (line, why) in &bad {
                errln!(con, "{}: line {line}: {why}; skipped", file.display());
            }
            if left > 0 {
                errln!(
                    con,
                    "patients: {left} patients imported before have their MRN in another form than the site's \
                     format gives now ([identifiers]): no page is filed to them until they are imported again"
                );
            }
            store.audit(crate::store::AuditEntry {
                seq: 0,
                at: crate::model::now(),
                user: review::user(user),
                action: "import".into(),
                target: "patients".into(),
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "added": added, "updated": updated, "skipped": bad.len(), "replaced": replaced.len()
                }),
                ..Default::default()
            })?;
            store.flush()?;
            let again = match replaced.len() {
                0 => String::new(),
                n => format!(" ({n} of them imported before with their MRN in another form)"),
            };
            errln!(con, "patients: {added} added{again}, {updated} updated, {} rows skipped", bad.len());
            Ok(if bad.is_empty() { exit::OK } else { exit::DONE_WITH_FAILURES })
        }
        Show { mrn, user } => {
            let store = con.store(store_path, Open::Reading)?;
            let p = store
                .patient(&typed_mrn(&mrn, site)?)?
                .ok_or_else(|| Error::Config("no patient with that MRN".into()))?;
            review::record_view(&store, &format!("patient {}", p.mrn), &review::user(user))?;
            outln!(con, "{}", patient_line(&p));
            Ok(exit::OK)
        }
        Search { name, dob, user } => {
            let store = con.store(store_path, Open::Reading)?;
            let mut found = match (&name, &dob) {
                (_, Some(d)) => store.patients_born(d)?,
                (Some(n), None) => store.patients_named(&n.trim().to_uppercase())?,
                (None, None) => return Err(Error::Config("give --name and/or --dob".into())),
            };
            if let (Some(n), Some(_)) = (&name, &dob) {
                let n = n.trim().to_uppercase();
                found.retain(|p| p.family_name.starts_with(&n));
            }
            let shown: Vec<&str> = found.iter().map(|p| p.mrn.as_str()).collect();
            review::record_patient_search(
                &store,
                &review::user(user),
                serde_json::json!({"name": name, "dob": dob}),
                &shown,
            )?;
            for p in &found {
                outln!(con, "{}", patient_line(p));
            }
            Ok(exit::OK)
        }
    }
}

/// `chartmill review ...`.
pub fn review(con: &mut Console, site: &SiteConfig, store_path: &Path, cmd: crate::cli::ReviewCommand) -> Result<u8> {
    use crate::cli::ReviewCommand::*;
    use crate::review;
    match cmd {
        List { reason, batch, doc_type } => {
            let store = con.store(store_path, Open::Reading)?;
            let batch_id = batch_id(&store, batch.as_deref())?;
            // One line per document in review, oldest first: id, type, source and pages, reasons.
            let mut lines = Vec::new();
            for entry in store.review_queue() {
                let e = entry?;
                let keep = batch_id.is_none_or(|b| e.batch == b)
                    && doc_type.as_ref().is_none_or(|t| e.doc_type.as_ref() == Some(t))
                    && reason.as_ref().is_none_or(|r| e.reasons.iter().any(|x| x.starts_with(r.as_str())));
                if !keep {
                    continue;
                }
                let src = store.file(e.file_id)?.map(|f| f.source).unwrap_or_default();
                let range = match (e.pages.first(), e.pages.last()) {
                    (Some(a), Some(b)) if a != b => format!("pages {a}-{b}"),
                    (Some(a), _) => format!("page {a}"),
                    _ => String::new(),
                };
                lines.push(format!(
                    "{}\t{}\t{src} {range}\t{}",
                    e.document_id(),
                    e.doc_type.as_deref().unwrap_or("-"),
                    e.reasons.join("; ")
                ));
            }
            for l in &lines {
                outln!(con, "{l}");
            }
            errln!(con, "{} documents in review", lines.len());
            Ok(exit::OK)
        }
        Show { id, user } => {
            let store = con.store(store_path, Open::Reading)?;
            let pages = review::pages_of(&store, &review::parse_target(&id)?)?;
            review::record_view(&store, &id, &review::user(user))?;
            let file = store.file(pages[0].file_id)?;
            let path = file.as_ref().map(|f| String::from_utf8_lossy(&f.path).into_owned()).unwrap_or_default();
            for p in &pages {
                // A page of a folder's page files names its file: `page-*.tif page 3 (page-3.tif)`.
                let from = match file.as_ref().filter(|f| !f.members.is_empty()) {
                    Some(f) => format!(" ({})", f.page_origin(p.page)),
                    None => String::new(),
                };
                outln!(con, "== page {} ({} page {}{from})  status {}", p.page_id(), path, p.page, p.status.name());
                outln!(
                    con,
                    "type {} ({:.2})  ocr confidence {}",
                    p.doc_type.as_deref().unwrap_or("-"),
                    p.doc_type_confidence.unwrap_or(0.0),
                    p.ocr_confidence.map(|c| format!("{c:.2}")).unwrap_or_else(|| "-".into())
                );
                for r in &p.review_reasons {
                    outln!(con, "reason: {r}");
                }
                let ids = &p.identifiers;
                outln!(
                    con,
                    "found: MRN {:?}  DOB {:?}  names {:?}  service {:?}",
                    ids.mrn,
                    ids.birth_date,
                    ids.name,
                    ids.service_date
                );
                for c in &p.candidates {
                    let who = store.patient(&c.mrn)?.map(|x| patient_line(&x)).unwrap_or_else(|| c.mrn.clone());
                    outln!(con, "candidate: {who}  ({})", c.why);
                }
                if let Some(patient) = &p.patient {
                    outln!(con, "filed to: {} {}, {}", patient.mrn, patient.family_name, patient.given_name);
                }
                outln!(con, "--- text\n{}\n", p.text);
            }
            Ok(exit::OK)
        }
        Resolve { id, patient, doc_type, user } => {
            let store = con.store(store_path, Open::Create)?;
            let mrn = typed_mrn(&patient, site)?;
            let pages =
                review::resolve(&store, &id, &mrn, doc_type.as_deref(), &review::user(user), &site.taxonomy()?)?;
            errln!(con, "{} page(s) filed", pages.len());
            Ok(exit::OK)
        }
        Reject { id, reason, user } => {
            let store = con.store(store_path, Open::Create)?;
            let pages = review::reject(&store, &id, &reason, &review::user(user))?;
            errln!(con, "{} page(s) rejected", pages.len());
            Ok(exit::OK)
        }
        Reopen { id, user } => {
            let store = con.store(store_path, Open::Create)?;
            let pages = review::reopen(&store, &id, &review::user(user))?;
            errln!(con, "{} page(s) back in review", pages.len());
            Ok(exit::OK)
        }
        Split { id, at, user } => {
            let store = con.store(store_path, Open::Existing)?;
            let new = review::split(&store, &id, at, &review::user(user))?;
            errln!(con, "{id} split before page {at}: its pages from there are document {new}");
            Ok(exit::OK)
        }
        Merge { id, user } => {
            let store = con.store(store_path, Open::Existing)?;
            let into = review::merge_with_previous(&store, &id, &review::user(user))?;
            errln!(con, "{id} merged into {into}");
            Ok(exit::OK)
        }
        Move { page, to, user } => {
            let store = con.store(store_path, Open::Existing)?;
            review::move_page(&store, &page, &to, &review::user(user))?;
            errln!(con, "page {page} moved to {to}");
            Ok(exit::OK)
        }
        Types => {
            let store = con.store(store_path, Open::Reading)?;
            let (list, total) = review::type_checks(&store, usize::MAX)?;
            for t in &list {
                let ranked: Vec<String> = t.ranked.iter().map(|(c, p)| format!("{c} {p:.2}")).collect();
                outln!(con, "{}\t{}\t{}", t.document_id, t.doc_type.as_deref().unwrap_or("-"), ranked.join(", "));
            }
            errln!(con, "{total} documents wait for a type check");
            Ok(exit::OK)
        }
        ConfirmType { id, user } => {
            let store = con.store(store_path, Open::Existing)?;
            let pages = review::confirm_type(&store, &id, &review::user(user))?;
            errln!(con, "{} page(s): type confirmed", pages.len());
            Ok(exit::OK)
        }
        Retype { id, doc_type, user } => {
            let store = con.store(store_path, Open::Existing)?;
            let pages = review::retype(&store, &id, &doc_type, &review::user(user), &site.taxonomy()?)?;
            errln!(con, "{} page(s) typed {doc_type}", pages.len());
            Ok(exit::OK)
        }
    }
}

/// `chartmill audit`.
pub fn audit(con: &mut Console, store_path: &Path, args: crate::cli::AuditArgs) -> Result<u8> {
    use crate::cli::{AuditCommand, AuditFormat};
    let store = con.store(store_path, Open::Reading)?;
    if let Some(AuditCommand::Verify { head, json }) = args.check {
        return audit_verify(con, &store, &head, json);
    }
    let since = match args.since {
        Some(d) => {
            let date =
                crate::extract::Date::parse_iso(&d).ok_or_else(|| Error::Config("--since takes YYYY-MM-DD".into()))?;
            Some(format!("{date} 00:00:00 UTC"))
        }
        None => None,
    };
    for e in store.audit_entries_after(args.after.unwrap_or(0)) {
        let e = e?;
        let at = crate::report::format_utc(e.at);
        if since.as_ref().is_some_and(|s| at < *s) || args.user.as_ref().is_some_and(|u| &e.user != u) {
            continue;
        }
        match args.format {
            AuditFormat::Json => outln!(con, "{}", serde_json::to_string(&e).unwrap_or_default()),
            AuditFormat::Text => {
                outln!(con, "{at}\t{}\t{}\t{}\tbefore {}\tafter {}", e.user, e.action, e.target, e.before, e.after)
            }
        }
    }
    Ok(exit::OK)
}

/// `chartmill audit verify`: the chain walked, against the head `meta`
/// records, the seal's head at this open, and the heads given.
fn audit_verify(con: &mut Console, store: &crate::store::Store, heads: &[String], json: bool) -> Result<u8> {
    let anchors: Vec<String> = heads.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    if let Some(h) = anchors.iter().find(|h| h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(Error::Config(format!("--head takes a SHA-256 in hex (64 digits), not {:?}", h)));
    }
    let check = store.verify_audit(&anchors)?;
    if json {
        outln!(con, "{}", serde_json::to_string_pretty(&check).unwrap_or_default());
    } else {
        match &check.first_bad {
            None => outln!(con, "audit trail intact: {} entries, head {}", check.entries, check.head),
            Some(b) => outln!(con, "audit trail BROKEN at entry {}: {}", b.seq, b.problem),
        }
    }
    Ok(if check.intact() { exit::OK } else { exit::DONE_WITH_FAILURES })
}

/// `chartmill export`: JSONL of pages, or the documents as PDFs with their
/// FHIR and CSV indexes (`export::run`).
pub fn export(con: &mut Console, site: &SiteConfig, store_path: &Path, args: crate::cli::ExportArgs) -> Result<u8> {
    use crate::cli::{DocStatusArg, ExportFormat};
    use crate::export::{self, DocStatus, Kind};
    let store = con.store(store_path, Open::Reading)?;
    if args.format.contains(&ExportFormat::Jsonl) {
        if args.format.len() > 1 {
            return Err(Error::Config("jsonl is written on its own: --format jsonl, or --format pdf,fhir,csv".into()));
        }
        let n = match &args.out {
            Some(path) => {
                let file = std::fs::File::create(path).map_err(|e| Error::Io { path: path.clone(), source: e })?;
                export::jsonl::write(&store, &mut std::io::BufWriter::new(file))?
            }
            None => export::jsonl::write(&store, &mut std::io::BufWriter::new(&mut con.out))?,
        };
        errln!(con, "exported {n} records");
        return Ok(exit::OK);
    }
    let folder = args.out.ok_or_else(|| Error::Config("--out FOLDER is needed for pdf, fhir and csv".into()))?;
    let kinds = args
        .format
        .iter()
        .map(|f| match f {
            ExportFormat::Pdf => Kind::Pdf,
            ExportFormat::Fhir => Kind::Fhir,
            ExportFormat::Csv | ExportFormat::Jsonl => Kind::Csv,
        })
        .collect();
    let mut statuses: Vec<DocStatus> = args
        .status
        .iter()
        .map(|s| match s {
            DocStatusArg::Filed => DocStatus::Filed,
            DocStatusArg::Review => DocStatus::Review,
            DocStatusArg::Rejected => DocStatus::Rejected,
        })
        .collect();
    if statuses.is_empty() {
        statuses.push(DocStatus::Filed);
    }
    let cfg = export::ExportConfig {
        folder: folder.clone(),
        kinds,
        statuses,
        all: args.all,
        bundle: args.bundle,
        systems: site.export.clone(),
        jobs: args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
    };
    let started = std::time::Instant::now();
    let summaries = export::run(&store, &site.taxonomy()?, &cfg)?;
    let secs = started.elapsed().as_secs_f64();
    let mut failed = 0;
    for s in &summaries {
        errln!(
            con,
            "{}: {} documents added, {} corrected, {} withdrawn ({} pages); {} PDFs written",
            s.kind,
            s.added,
            s.corrected,
            s.withdrawn,
            s.pages,
            s.pdfs_written
        );
        match s.files.as_slice() {
            [] => {}
            [one] => errln!(con, "  {}", folder.join(one).display()),
            [first, .., last] => errln!(
                con,
                "  {} index files, {} to {}",
                s.files.len(),
                folder.join(first).display(),
                folder.join(last).display()
            ),
        }
        for (doc, why) in &s.failed {
            errln!(con, "  document {doc} not exported: {why}");
        }
        failed += s.failed.len();
    }
    errln!(con, "export to {} took {secs:.1} s", folder.display());
    Ok(if failed > 0 { exit::DONE_WITH_FAILURES } else { exit::OK })
}

/// The id of the batch named `name`, if a name is given.
fn batch_id(store: &crate::store::Store, name: Option<&str>) -> Result<Option<u64>> {
    let Some(name) = name else { return Ok(None) };
    let found = store.batches()?.into_iter().find(|b| b.name == name);
    found.map(|b| Some(b.id)).ok_or_else(|| Error::Config(format!("no batch '{name}'")))
}

/// `chartmill reconcile`: every source file whose pages do not add up.
/// `chartmill verify [--sources]`: exit 1 on any mismatch.
pub fn verify(con: &mut Console, store_path: &Path, sources: bool, json: bool) -> Result<u8> {
    let store = con.store(store_path, Open::Reading)?;
    let report = crate::verify::run(&store, sources)?;
    if json {
        outln!(con, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        out!(con, "{}", crate::verify::render(&report, sources));
    }
    Ok(if report.ok() { exit::OK } else { exit::DONE_WITH_FAILURES })
}

/// `chartmill init [--encrypt]`: a new store, or what an existing one is.
pub fn init(con: &mut Console, store_path: &Path, encrypt: bool) -> Result<u8> {
    if con.is_served() {
        return Err(Error::Config("a server holds this store: it exists".into()));
    }
    let keys = con.keys()?;
    if encrypt && keys.kek.is_none() {
        return Err(Error::Config(
            "--encrypt needs the key: an [encryption] section in the configuration (docs/security.md)".into(),
        ));
    }
    let existed = store_path.exists();
    let store = if existed {
        crate::store::Store::open_existing_keyed(store_path, &keys)?
    } else {
        crate::store::Store::open_keyed(store_path, &keys)?
    };
    if encrypt && !store.encrypted() {
        return Err(Error::Config(format!("store {} exists and is not encrypted", store_path.display())));
    }
    let what = if store.encrypted() {
        "encrypted: records and page images sealed with AES-256-GCM-SIV, its data key wrapped by the configured key"
    } else {
        "not encrypted"
    };
    let verb = if existed { "exists" } else { "created" };
    errln!(con, "store {} {verb} (id {}), {what}", store_path.display(), store.store_id()?);
    Ok(exit::OK)
}

/// `chartmill rekey --new-key-...`.
pub fn rekey(con: &mut Console, store_path: &Path, new: &crate::store::KeySource) -> Result<u8> {
    let kek = new.load()?;
    let store = con.store(store_path, Open::Existing)?;
    store.rekey(&kek)?;
    store.audit(crate::store::AuditEntry {
        at: crate::model::now(),
        user: crate::review::user(None),
        action: "rekey".into(),
        target: "store".into(),
        ..Default::default()
    })?;
    errln!(
        con,
        "store {}: its data key is now wrapped by the new key; set [encryption] to it before the next start (backups taken before still need the old key)",
        store_path.display()
    );
    Ok(exit::OK)
}

/// `chartmill backup --out FILE`: written beside FILE, renamed when complete.
pub fn backup(con: &mut Console, store_path: &Path, out: &Path) -> Result<u8> {
    let store = con.store(store_path, Open::Reading)?;
    let partial = crate::store::backup_partial_path(out);
    let io_err = |path: &Path, source| Error::Io { path: path.to_path_buf(), source };
    // Readable by its owner only: an unencrypted store's backup holds its records in clear.
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&partial)
    }
    .map_err(|e| io_err(&partial, e))?;
    let written = store.backup(&file).and_then(|s| file.sync_all().map(|()| s).map_err(|e| io_err(&partial, e)));
    let summary = match written {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, out).map_err(|e| io_err(out, e))?;
    let h = &summary.header;
    errln!(
        con,
        "backup of store {}: {} pages, {} files, {} audit entries (head {}), {} records, {} images, {:.1} MB; writes paused {} ms{}",
        h.store_id,
        h.pages,
        h.files,
        h.audit_entries,
        h.audit_head,
        summary.records,
        summary.images,
        summary.bytes as f64 / 1e6,
        summary.paused_ms,
        if h.encrypted { "; encrypted as the store is" } else { "" }
    );
    Ok(exit::OK)
}

/// `chartmill restore FILE --store PATH`.
pub fn restore(con: &mut Console, file: &Path, store_path: &Path) -> Result<u8> {
    let s = crate::store::restore(file, store_path)?;
    errln!(
        con,
        "restored store {} as of {} into {}: {} pages, {} files, {} audit entries (head {}), {} records, {} images",
        s.header.store_id,
        crate::report::format_utc(s.header.taken_at),
        store_path.display(),
        s.header.pages,
        s.header.files,
        s.header.audit_entries,
        s.header.audit_head,
        s.records,
        s.images
    );
    Ok(exit::OK)
}

pub fn reconcile(con: &mut Console, store_path: &Path, batch: Option<&str>, json: bool) -> Result<u8> {
    let store = con.store(store_path, Open::Reading)?;
    let batch_id = batch_id(&store, batch)?;
    let r = crate::report::reconcile(&store, batch_id)?;
    if json {
        outln!(con, "{}", serde_json::to_string_pretty(&r).unwrap_or_default());
    } else {
        out!(con, "{}", crate::report::render_reconciliation(&r));
    }
    Ok(if r.files_not_adding_up > 0 { exit::DONE_WITH_FAILURES } else { exit::OK })
}

/// `chartmill migrate`: a store of an older schema version brought up to
/// date. Version 1 kept no page images: each is read again from its source
/// file, when the file is still there with the same content.
pub fn migrate(con: &mut Console, store_path: &Path) -> Result<u8> {
    use crate::store::{Store, SCHEMA_VERSION};
    if con.is_served() {
        return Err(Error::Config(
            "migrate needs the store to itself, and a server holds it: stop the server first".into(),
        ));
    }
    let mut store = Store::open_for_migration(store_path, &con.keys()?)?;
    let from = store.schema_version();
    if from == SCHEMA_VERSION {
        errln!(con, "store {} is at schema version {SCHEMA_VERSION}: nothing to do", store_path.display());
        return Ok(exit::OK);
    }
    errln!(con, "migrating store {} from schema version {from} to {SCHEMA_VERSION}", store_path.display());
    let limits = crate::decode::Limits::default();
    let (mut imaged, mut missing) = (0u64, Vec::<(String, String)>::new());
    let files: Vec<crate::model::FileRecord> = store.files().collect::<Result<_>>()?;
    for file in &files {
        let pages: Vec<_> = store.pages_of(file.id)?.into_iter().filter(|p| p.image.is_none()).collect();
        if pages.is_empty() {
            continue;
        }
        let needs: Vec<_> = pages.iter().filter(|p| p.status != crate::model::PageStatus::Failed).collect();
        if needs.is_empty() {
            continue;
        }
        let (stored, why) = crate::pipeline::reimage_file(&store, file, &needs, &limits)?;
        imaged += stored;
        if let Some(why) = why {
            missing.push((file.source.clone(), why));
        }
    }
    store.migrate_to_current()?;
    errln!(con, "migrated: {imaged} page images read again from their source files");
    for (source, why) in &missing {
        errln!(con, "  {source}: {why}");
    }
    if !missing.is_empty() {
        errln!(con,
            "{} files' pages have no image (their documents cannot be exported as PDF): ingest them again into a new store",
            missing.len()
        );
    }
    Ok(if missing.is_empty() { exit::OK } else { exit::DONE_WITH_FAILURES })
}

/// Reads a new password: the first line of standard input, or asked for
/// twice on the terminal without echo; for a command the server runs, the
/// one its client read so ([`read_new_password_here`]).
fn read_new_password(con: &mut Console, from_stdin: bool) -> Result<String> {
    match con.take_password() {
        Some(password) => Ok(password),
        None if con.is_served() => Err(Error::Config("no password came with the command".into())),
        None => read_new_password_here(from_stdin),
    }
}

/// Reads a new password in this process: the first line of standard input,
/// or asked for twice on the terminal without echo.
pub fn read_new_password_here(from_stdin: bool) -> Result<String> {
    let io = |e| Error::Io { path: "standard input".into(), source: e };
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(io)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("password: ").map_err(io)?;
    let again = rpassword::prompt_password("password again: ").map_err(io)?;
    if first != again {
        return Err(Error::Config("the two passwords differ".into()));
    }
    Ok(first)
}

/// `chartmill users ...`: every change is in the audit trail (never a password).
pub fn users(con: &mut Console, store_path: &Path, cmd: crate::cli::UsersCommand) -> Result<u8> {
    use crate::cli::UsersCommand::*;
    use crate::users;
    match cmd {
        Add { name, role, password_stdin, user } => {
            // Checked before the password is asked for; `users::add` checks again.
            users::check_name(&name).map_err(|e| Error::Config(e.to_string()))?;
            let store = con.store(store_path, Open::Create)?;
            if store.user(&name)?.is_some() {
                return Err(Error::Config(format!("there is a user {name} already")));
            }
            let password = read_new_password(con, password_stdin)?;
            users::add(&store, &crate::review::user(user), &name, role, &password)?;
            errln!(con, "user {name} added ({})", role.name());
        }
        List => {
            let store = con.store(store_path, Open::Reading)?;
            let now = crate::model::now();
            for u in store.users()? {
                let state = match (u.disabled, u.locked_until) {
                    (true, _) => "disabled".to_string(),
                    (false, Some(t)) if t > now => format!("locked until {}", crate::report::format_utc(t)),
                    _ => "active".to_string(),
                };
                outln!(con, "{}\t{}\t{state}", u.name, u.role.name());
            }
        }
        Disable { name, user } => {
            let store = con.store(store_path, Open::Existing)?;
            users::disable(&store, &crate::review::user(user), &name)?;
            errln!(con, "user {name} disabled");
        }
        ResetPassword { name, password_stdin, user } => {
            let store = con.store(store_path, Open::Existing)?;
            if store.user(&name)?.is_none() {
                return Err(Error::Config(format!("no user {name}")));
            }
            let password = read_new_password(con, password_stdin)?;
            users::set_password(&store, &crate::review::user(user), &name, &password)?;
            errln!(con, "user {name}: password set");
        }
    }
    Ok(exit::OK)
}

//! The administrator's view: how far the migration is, when it will end,
//! where the backlog is, whether quality holds, who does the review work,
//! and whether every box of paper adds up.
//!
//! [`gather`] is the one place that reads the store, and it reads only
//! counters and bounded ranges (`store/activity.rs`): its cost does not grow
//! with the pages stored. The rest is pure: [`rates`] (rates, forecasts,
//! day buckets), [`boxes`] (reconciliation), [`charts`] (SVG). The server's
//! `/dashboard` page and `chartmill report` show the same [`Figures`]
//! through the same template (`templates/dashboard_body.html`).

pub mod boxes;
pub mod charts;
pub mod rates;
pub mod view;

use crate::console::{errln, outln, Console, Open};
use crate::error::{Error, Result};
use crate::model::BatchRecord;
use crate::report::Status;
use crate::store::{counter, series, Store};
use rates::{Forecast, DAY, HOUR};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the figures cover.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// One batch (by name) instead of the whole store.
    pub batch: Option<String>,
    /// Charts and productivity from this time (Unix seconds) instead of
    /// the default windows.
    pub since: Option<i64>,
    /// The time the figures are for (tests fix it).
    pub now: i64,
}

/// Days the charts show by default, and the productivity window.
pub const CHART_DAYS: u64 = 14;
pub const WORK_DAYS: u64 = 7;
/// The windows the forecasts' rates are measured over.
pub const INGEST_WINDOW_HOURS: u64 = 24;
pub const REVIEW_WINDOW_HOURS: u64 = 7 * 24;
/// Series longer than this many days are shown by day only.
const MAX_DAYS: u64 = 366;

/// Everything the dashboard and the report show. Serialised as
/// `report --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// When the figures were taken (Unix seconds) and what they cover.
    pub generated_at: i64,
    pub scope: String,
    /// The first day of the charts and of the productivity figures.
    pub since: i64,
    pub total: Status,
    pub batches: Vec<BatchFigures>,
    pub throughput: Throughput,
    pub review: ReviewFlow,
    pub quality: Quality,
    pub reviewers: Vec<Reviewer>,
    pub boxes: Vec<boxes::BoxLine>,
    /// Milliseconds the store reads took.
    pub gathered_ms: f64,
}

/// One batch's progress and forecast.
#[derive(Debug, Clone, Serialize)]
pub struct BatchFigures {
    pub id: u64,
    pub status: Status,
    /// Entries (files, page-file folders) the walk found at the last run's
    /// start, and those with an outcome.
    pub entries: u64,
    pub entries_done: u64,
    /// Share of entries with an outcome, 0 to 1.
    pub progress: f64,
    pub ingest: Forecast,
}

/// Pages stored per hour and per day.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// The last 48 hours, every hour: (hour, pages).
    pub hourly: Vec<(u64, u64)>,
    /// Every day of the window: (day, pages).
    pub daily: Vec<(i64, u64)>,
    pub last_24_hours: u64,
    /// When the whole scope's ingest ends at the last 24 hours' rate.
    pub ingest: Forecast,
}

/// Documents entering and leaving review.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewFlow {
    /// (day, entered, resolved) for every day of the window.
    pub daily: Vec<(i64, u64, u64)>,
    pub backlog_documents: u64,
    pub backlog_pages: u64,
    /// When the oldest waiting document entered the queue, and its age.
    pub oldest_entered_at: Option<i64>,
    pub oldest_age_hours: Option<f64>,
    /// Documents entering and leaving per hour over the last 7 days.
    pub entering_per_hour: f64,
    /// When the backlog is cleared at the last 7 days' resolution rate, if
    /// no more documents entered.
    pub clearance: Forecast,
}

/// Whether quality holds.
#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    /// (day, pages decided by ingest, of them sent to review, share).
    pub review_rate_daily: Vec<(i64, u64, u64, f64)>,
    /// Pages ingest sent to review in the window, per reason, and per day.
    pub reasons: Vec<(String, u64)>,
    pub reasons_daily: Vec<(String, Vec<(i64, u64)>)>,
    /// Pages now in review per reason (a page may have several).
    pub waiting_reasons: BTreeMap<String, u64>,
    pub doc_types: BTreeMap<String, u64>,
    /// OCR pages per tenth of confidence (0: under 0.1 ... 9: 0.9 and over).
    pub ocr_confidence: Vec<u64>,
    /// Pages people filed from review: to chartmill's first candidate, to
    /// another patient (what the filer would have got wrong), and with no
    /// candidate given.
    pub resolved_filed: u64,
    pub resolved_first_candidate: u64,
    pub resolved_other_patient: u64,
    pub resolved_no_candidate: u64,
    /// Filed pages taken back later (reopened, rejected, another patient),
    /// in all and per day of the window.
    pub corrections: u64,
    pub corrections_daily: Vec<(i64, u64)>,
}

/// One reviewer's work in the window.
#[derive(Debug, Clone, Serialize)]
pub struct Reviewer {
    pub user: String,
    pub documents: u64,
    /// Hours in which they resolved at least one document.
    pub active_hours: u64,
    pub per_hour: f64,
    /// Median seconds from opening a document in the workstation to
    /// resolving it; `timed` documents were measured.
    pub median_seconds: Option<f64>,
    pub timed: u64,
    /// (reason, documents, median seconds) per review reason.
    pub by_reason: Vec<(String, u64, Option<f64>)>,
}

/// The figures of the store, or of one batch.
pub fn gather(store: &Store, opts: &Options) -> Result<Figures> {
    let started = std::time::Instant::now();
    let now = opts.now;
    let all_batches = store.batches()?;
    let (scope, batches): (u64, Vec<&BatchRecord>) = match &opts.batch {
        Some(name) => {
            let b = all_batches
                .iter()
                .find(|b| &b.name == name)
                .ok_or_else(|| Error::Config(format!("no batch named '{name}' (see `chartmill status`)")))?;
            (b.id, vec![b])
        }
        None => (0, all_batches.iter().collect()),
    };
    let days = match opts.since {
        Some(since) => ((now - since).max(0) / DAY + 1).min(MAX_DAYS as i64) as u64,
        None => CHART_DAYS,
    };
    let first_day = now / DAY - days as i64 + 1;
    let from_hour = (first_day * DAY / HOUR) as u64;
    let recent_hour = crate::store::hour_of(now - REVIEW_WINDOW_HOURS as i64 * HOUR);
    let read = |name: &str, from: u64| store.series(scope, name, from);

    // Progress and the ingest forecast, per batch and in all.
    let counters = store.counters(scope)?;
    let total = crate::report::status_of(opts.batch.clone().unwrap_or_else(|| "total".into()), counters.clone(), None);
    let mut batch_figures = Vec::new();
    let (mut remaining_pages, mut recent_pages) = (0u64, 0u64);
    for b in &batches {
        let c = store.counters(b.id)?;
        let status = crate::report::status_of(b.name.clone(), c, Some(b));
        let pages =
            store.series(b.id, series::PAGES, crate::store::hour_of(now - INGEST_WINDOW_HOURS as i64 * HOUR))?;
        let recent = rates::recent(&pages, now, INGEST_WINDOW_HOURS);
        let f = ingest_forecast(b, &status, recent, now);
        remaining_pages += f.1.remaining;
        recent_pages += recent;
        batch_figures.push(BatchFigures {
            id: b.id,
            entries: b.entries,
            entries_done: f.0,
            progress: rates::ratio(f.0, b.entries).min(1.0),
            ingest: f.1,
            status,
        });
    }

    let pages_series = read(series::PAGES, from_hour.min(crate::store::hour_of(now - 48 * HOUR)))?;
    let throughput = Throughput {
        hourly: rates::hourly(&pages_series, now, 48),
        daily: rates::daily(&pages_series, now, days),
        last_24_hours: rates::recent(&pages_series, now, 24),
        ingest: rates::forecast(remaining_pages, recent_pages, INGEST_WINDOW_HOURS, now),
    };

    // Review flow.
    let from = from_hour.min(recent_hour);
    let (queue_in, queue_out) = (read(series::QUEUE_IN, from)?, read(series::QUEUE_OUT, from)?);
    let (din, dout) = (rates::daily(&queue_in, now, days), rates::daily(&queue_out, now, days));
    let backlog = counters.get(counter::QUEUE_DOCUMENTS).copied().unwrap_or(0);
    let oldest = match scope {
        0 => store.review_queue_entered().next().transpose()?.map(|(at, _)| at),
        // The queue is one list of the store's documents: a batch's oldest
        // is found by walking it from the oldest on, only as far as needed.
        b => oldest_of_batch(store, b)?,
    };
    let review = ReviewFlow {
        daily: din.iter().zip(&dout).map(|(a, b)| (a.0, a.1, b.1)).collect(),
        backlog_documents: backlog,
        backlog_pages: total.pages.get("review").copied().unwrap_or(0),
        oldest_entered_at: oldest,
        oldest_age_hours: oldest.map(|t| (now - t).max(0) as f64 / HOUR as f64),
        entering_per_hour: rates::recent(&queue_in, now, REVIEW_WINDOW_HOURS) as f64 / REVIEW_WINDOW_HOURS as f64,
        clearance: rates::forecast(
            backlog,
            rates::recent(&queue_out, now, REVIEW_WINDOW_HOURS),
            REVIEW_WINDOW_HOURS,
            now,
        ),
    };

    // Quality.
    let decided_filed = rates::daily(&read(series::DECIDED_FILED, from_hour)?, now, days);
    let decided_review = rates::daily(&read(series::DECIDED_REVIEW, from_hour)?, now, days);
    let review_rate_daily = decided_filed
        .iter()
        .zip(&decided_review)
        .map(|(f, r)| (f.0, f.1 + r.1, r.1, rates::ratio(r.1, f.1 + r.1)))
        .collect();
    let mut reasons = Vec::new();
    let mut reasons_daily = Vec::new();
    for name in store.series_names(scope, "review:")? {
        let s = read(&name, from_hour)?;
        let reason = name.trim_start_matches("review:").to_string();
        let n = rates::total(&s);
        if n > 0 {
            reasons.push((reason.clone(), n));
            reasons_daily.push((reason, rates::daily(&s, now, days)));
        }
    }
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    reasons_daily.sort_by_key(|(r, _)| std::cmp::Reverse(reasons.iter().find(|x| &x.0 == r).map_or(0, |x| x.1)));
    let get = |k: &str| counters.get(k).copied().unwrap_or(0);
    let (filed, first, other) =
        (get(counter::RESOLVED_FILED), get(counter::RESOLVED_FIRST_CANDIDATE), get(counter::RESOLVED_OTHER_PATIENT));
    let quality = Quality {
        review_rate_daily,
        reasons,
        reasons_daily,
        waiting_reasons: total.review_reasons.clone(),
        doc_types: total.doc_types.clone(),
        ocr_confidence: (0..10).map(|d| get(&counter::ocr_confidence_tenth(d))).collect(),
        resolved_filed: filed,
        resolved_first_candidate: first,
        resolved_other_patient: other,
        resolved_no_candidate: filed.saturating_sub(first + other),
        corrections: get(counter::CORRECTIONS),
        corrections_daily: rates::daily(&read(series::CORRECTIONS, from_hour)?, now, days),
    };

    // Reviewers (of the whole store: a reviewer's hour is not one batch's).
    let work_from = match opts.since {
        Some(since) => crate::store::hour_of(since),
        None => crate::store::hour_of(now - WORK_DAYS as i64 * DAY),
    };
    let reviewers = reviewers(store.work_since(work_from)?);

    // Boxes.
    let mut lines = Vec::new();
    let names = boxes::counters_read();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    for b in &batches {
        lines.push(boxes::batch_line(b, &store.counters_named(b.id, &names)?));
        for bx in store.boxes(b.id)? {
            lines.push(boxes::box_line(b, &bx, &store.counters_named(bx.scope, &names)?));
        }
    }

    Ok(Figures {
        generated_at: now,
        scope: match &opts.batch {
            Some(b) => format!("batch {b}"),
            None => "all batches".into(),
        },
        since: first_day * DAY,
        total,
        batches: batch_figures,
        throughput,
        review,
        quality,
        reviewers,
        boxes: lines,
        gathered_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// Entries with an outcome, and when the batch's remaining pages are read
/// at `recent` pages in the last day. The pages left are estimated from the
/// entries left and the pages per entry so far.
fn ingest_forecast(b: &BatchRecord, s: &Status, recent: u64, now: i64) -> (u64, Forecast) {
    let files = |k: &str| s.files.get(k).copied().unwrap_or(0);
    let done = files("found").saturating_sub(files("pending"));
    let left = b.entries.saturating_sub(done);
    let per_entry = if done == 0 { 1.0 } else { (s.source_pages.max(1)) as f64 / done as f64 };
    let remaining = (left as f64 * per_entry).ceil() as u64 + files("pending");
    (done, rates::forecast(remaining, recent, INGEST_WINDOW_HOURS, now))
}

/// How many queue entries a batch's oldest is looked for among: past this,
/// its age is not shown (the store's oldest is always known).
const QUEUE_LOOK: usize = 10_000;

fn oldest_of_batch(store: &Store, batch: u64) -> Result<Option<i64>> {
    for e in store.review_queue_entered().take(QUEUE_LOOK) {
        let (at, entry) = e?;
        if entry.batch == batch {
            return Ok(Some(at));
        }
    }
    Ok(None)
}

/// Per-user figures from the work cells.
fn reviewers(cells: Vec<(u64, String, String, crate::store::WorkCell)>) -> Vec<Reviewer> {
    #[derive(Default)]
    struct Acc {
        documents: u64,
        hours: std::collections::BTreeSet<u64>,
        seconds: Vec<u32>,
        by_reason: BTreeMap<String, (u64, Vec<u32>)>,
    }
    let mut users: BTreeMap<String, Acc> = BTreeMap::new();
    for (hour, user, reason, cell) in cells {
        let a = users.entry(user).or_default();
        if reason.is_empty() {
            a.documents += cell.documents;
            a.hours.insert(hour);
            a.seconds.extend(&cell.seconds);
        } else {
            let r = a.by_reason.entry(reason).or_default();
            r.0 += cell.documents;
            r.1.extend(&cell.seconds);
        }
    }
    users
        .into_iter()
        .map(|(user, mut a)| {
            let mut by_reason: Vec<(String, u64, Option<f64>)> =
                a.by_reason.into_iter().map(|(r, (n, mut s))| (r, n, rates::median(&mut s))).collect();
            by_reason.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            Reviewer {
                user,
                documents: a.documents,
                active_hours: a.hours.len() as u64,
                per_hour: rates::ratio(a.documents, a.hours.len() as u64),
                timed: a.seconds.len() as u64,
                median_seconds: rates::median(&mut a.seconds),
                by_reason,
            }
        })
        .collect()
}

/// `chartmill report`: a self-contained HTML file.
#[derive(askama::Template)]
#[template(path = "report.html")]
struct ReportPage {
    v: view::View,
    css: &'static str,
}

/// The report of `f` as one HTML file: the workstation's look inline, the
/// charts inline as SVG, nothing fetched.
pub fn report_html(f: &Figures) -> Result<String> {
    use askama::Template;
    // The workstation's stylesheet, which ends with this view's (dashboard.css).
    ReportPage { v: view::view(f), css: crate::server::assets::CSS }
        .render()
        .map_err(|e| Error::Config(format!("the report could not be rendered: {e}")))
}

/// `chartmill report`: the figures of the store (or of one batch) as HTML
/// or JSON, to `out` or standard output.
pub fn report(
    con: &mut Console,
    store_path: &std::path::Path,
    batch: Option<String>,
    since: Option<&str>,
    json: bool,
    out: Option<&std::path::Path>,
) -> Result<u8> {
    let since = match since {
        Some(d) => Some(rates::parse_day(d).ok_or_else(|| Error::Config("--since takes YYYY-MM-DD".into()))?),
        None => None,
    };
    let store = con.store(store_path, Open::Reading)?;
    let figures = gather(&store, &Options { batch, since, now: crate::model::now() })?;
    let text = if json {
        serde_json::to_string_pretty(&figures).map_err(|e| Error::Config(format!("cannot write JSON: {e}")))? + "\n"
    } else {
        report_html(&figures)?
    };
    match out {
        None => {
            outln!(con, "{}", text.trim_end());
        }
        Some(path) => {
            // A reader never sees half a report.
            crate::export::write_atomically(path, text.as_bytes())?;
            errln!(
                con,
                "wrote {} ({} batches, {} boxes flagged)",
                path.display(),
                figures.batches.len(),
                figures.boxes.iter().filter(|b| !b.adds_up()).count()
            );
        }
    }
    Ok(crate::config::exit::OK)
}

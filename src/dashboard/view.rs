//! Pure: the figures as the page shows them (numbers written out, charts
//! drawn), for `templates/dashboard_body.html`, which both the server's
//! `/dashboard` and `chartmill report` render.

use super::charts::{chart, hbars, Kind, Series};
use super::rates::{day_name, Forecast};
use super::Figures;
use crate::report::format_utc;

/// One headline figure.
pub struct Tile {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    pub note: String,
    /// Drawn as a warning (something waits or does not add up).
    pub warn: bool,
}

/// One batch's progress line.
pub struct BatchRow {
    pub name: String,
    pub percent: String,
    /// Width of the bar, 0 to 100.
    pub bar: u32,
    pub entries: String,
    pub files: String,
    pub pages_found: u64,
    pub pages_stored: u64,
    pub filed: u64,
    pub review: u64,
    pub rejected: u64,
    pub blank: u64,
    pub failed: u64,
    pub exported: String,
    pub forecast: String,
}

/// A row of a plain table.
pub struct Row {
    pub cells: Vec<String>,
    pub warn: bool,
}

/// Everything the template shows.
pub struct View {
    pub scope: String,
    pub generated: String,
    pub since: String,
    pub tiles: Vec<Tile>,
    pub batches: Vec<BatchRow>,
    pub throughput_hourly: String,
    pub throughput_daily: String,
    pub review_flow: String,
    pub review_rate: String,
    pub reasons_chart: String,
    pub types_chart: String,
    pub confidence_chart: String,
    pub reasons: Vec<Row>,
    pub quality: Vec<Row>,
    pub reviewers: Vec<Row>,
    pub boxes: Vec<Row>,
    pub boxes_flagged: usize,
    /// Boxes that add up, listed apart (folded in the page).
    pub boxes_fine: Vec<Row>,
    pub gathered_ms: String,
}

/// A forecast in a few words, and the rate it assumes.
fn when(f: &Forecast, unit: &str) -> (String, String) {
    let window = if f.window_hours.is_multiple_of(24) && f.window_hours > 24 {
        format!("{} days", f.window_hours / 24)
    } else {
        format!("{} hours", f.window_hours)
    };
    match (f.state, f.finish_at) {
        ("done", _) => ("done".into(), "nothing left".into()),
        (_, Some(t)) => (
            format_utc(t)[..16].to_string(),
            format!("{} {unit} left at {:.1} {unit}/hour (last {window})", f.remaining, f.per_hour),
        ),
        _ => ("stalled".into(), format!("{} {unit} left; none in the last {window}", f.remaining)),
    }
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn seconds(s: Option<f64>) -> String {
    s.map_or("-".into(), |s| format!("{s:.0} s"))
}

/// The page's view of `f`.
pub fn view(f: &Figures) -> View {
    let t = &f.total;
    let page = |k: &str| t.pages.get(k).copied().unwrap_or(0);
    let file = |k: &str| t.files.get(k).copied().unwrap_or(0);
    let decided = page("filed") + page("review");
    let flagged = f.boxes.iter().filter(|b| !b.adds_up()).count();
    let (ingest_when, ingest_note) = when(&f.throughput.ingest, "pages");
    let (review_when, review_note) = when(&f.review.clearance, "documents resolved");
    let tiles = vec![
        Tile {
            id: "pages-stored",
            label: "Pages stored",
            value: t.pages.get("total").copied().unwrap_or(0).to_string(),
            note: format!("of {} found in {} files", t.source_pages, file("found")),
            warn: false,
        },
        Tile {
            id: "pages-filed",
            label: "Pages filed",
            value: page("filed").to_string(),
            note: format!("{} of pages decided", percent(super::rates::ratio(page("filed"), decided))),
            warn: false,
        },
        Tile {
            id: "review-documents",
            label: "Documents in review",
            value: f.review.backlog_documents.to_string(),
            note: format!("{} pages", f.review.backlog_pages),
            warn: f.review.backlog_documents > 0,
        },
        Tile {
            id: "oldest-waiting",
            label: "Oldest waiting",
            value: f.review.oldest_age_hours.map_or("-".into(), |h| match h {
                h if h >= 48.0 => format!("{:.0} days", h / 24.0),
                h if h >= 1.0 => format!("{h:.1} hours"),
                h => format!("{:.0} minutes", h * 60.0),
            }),
            note: f
                .review
                .oldest_entered_at
                .map_or("nothing waits".into(), |t| format!("since {}", &format_utc(t)[..16])),
            warn: f.review.oldest_age_hours.is_some_and(|h| h > 72.0),
        },
        Tile {
            id: "failed",
            label: "Could not be read",
            value: format!("{} files, {} pages", file("failed"), page("failed")),
            note: format!("{} files skipped (not a scan), {} duplicates", file("skipped"), file("duplicate")),
            warn: file("failed") + page("failed") > 0,
        },
        Tile {
            id: "ingest-forecast",
            label: "Ingest ends",
            value: ingest_when,
            note: ingest_note,
            warn: f.throughput.ingest.state == "stalled",
        },
        Tile {
            id: "review-forecast",
            label: "Review backlog cleared",
            value: review_when,
            note: format!("{}; {:.1}/day entering", review_note, f.review.entering_per_hour * 24.0),
            warn: f.review.clearance.state == "stalled",
        },
        Tile {
            id: "boxes-flagged",
            label: "Boxes that do not add up",
            value: flagged.to_string(),
            note: format!("of {} batches and boxes", f.boxes.len()),
            warn: flagged > 0,
        },
    ];

    let mut batches: Vec<BatchRow> =
        f.batches.iter().map(|b| batch_row(&b.status, b.entries_done, b.entries, &b.ingest)).collect();
    if f.batches.len() > 1 {
        let (done, all) = f.batches.iter().fold((0, 0), |(d, a), b| (d + b.entries_done, a + b.entries));
        batches.push(batch_row(&f.total, done, all, &f.throughput.ingest));
    }

    let hours: Vec<String> = f.throughput.hourly.iter().map(|(h, _)| format!("{:02}h", h % 24)).collect();
    let days: Vec<String> = f.throughput.daily.iter().map(|(d, _)| day_name(*d)[5..].to_string()).collect();
    let values = |v: Vec<u64>| v.into_iter().map(|x| x as f64).collect::<Vec<f64>>();
    let throughput_hourly = chart(
        "Pages stored per hour, last 48 hours (UTC)",
        &hours,
        &[Series { name: "pages", values: values(f.throughput.hourly.iter().map(|x| x.1).collect()) }],
        Kind::Bars,
        false,
    );
    let throughput_daily = chart(
        "Pages stored per day",
        &days,
        &[Series { name: "pages", values: values(f.throughput.daily.iter().map(|x| x.1).collect()) }],
        Kind::Bars,
        false,
    );
    let review_flow = chart(
        "Documents entering and leaving review per day",
        &days,
        &[
            Series { name: "entered", values: values(f.review.daily.iter().map(|x| x.1).collect()) },
            Series { name: "resolved", values: values(f.review.daily.iter().map(|x| x.2).collect()) },
        ],
        Kind::Bars,
        false,
    );
    let review_rate = chart(
        "Share of decided pages sent to review, per day",
        &days,
        &[Series { name: "review rate", values: f.quality.review_rate_daily.iter().map(|x| x.3).collect() }],
        Kind::Lines,
        true,
    );
    let top: Vec<Series> = f
        .quality
        .reasons_daily
        .iter()
        .take(5)
        .map(|(r, d)| Series { name: r, values: values(d.iter().map(|x| x.1).collect()) })
        .collect();
    let reasons_chart = chart("Pages sent to review per day, by reason (top 5)", &days, &top, Kind::Lines, false);
    let types: Vec<(&String, &u64)> = f.quality.doc_types.iter().filter(|(k, _)| k.as_str() != "none").collect();
    let types_chart = hbars(
        "Pages per document type",
        &types.iter().map(|(k, _)| short_type(k)).collect::<Vec<_>>(),
        &types.iter().map(|(_, v)| **v as f64).collect::<Vec<_>>(),
    );
    let confidence_chart = chart(
        "OCR pages by confidence",
        &(0..10).map(|d| format!("{:.1}", d as f64 / 10.0)).collect::<Vec<_>>(),
        &[Series { name: "pages", values: values(f.quality.ocr_confidence.clone()) }],
        Kind::Bars,
        false,
    );

    let reasons = f
        .quality
        .reasons
        .iter()
        .map(|(r, n)| Row {
            cells: vec![r.clone(), n.to_string(), f.quality.waiting_reasons.get(r).copied().unwrap_or(0).to_string()],
            warn: false,
        })
        .collect();
    let q = &f.quality;
    let quality = vec![
        Row { cells: vec!["Pages filed from review by a person".into(), q.resolved_filed.to_string()], warn: false },
        Row {
            cells: vec!["… to chartmill's first candidate".into(), q.resolved_first_candidate.to_string()],
            warn: false,
        },
        Row {
            cells: vec!["… to another patient than its first candidate".into(), q.resolved_other_patient.to_string()],
            warn: q.resolved_other_patient > 0,
        },
        Row { cells: vec!["… with no candidate proposed".into(), q.resolved_no_candidate.to_string()], warn: false },
        Row {
            cells: vec!["Filed pages taken back (reopened, rejected, refiled)".into(), q.corrections.to_string()],
            warn: q.corrections > 0,
        },
    ];
    let reviewers = f
        .reviewers
        .iter()
        .map(|r| Row {
            cells: vec![
                r.user.clone(),
                r.documents.to_string(),
                r.active_hours.to_string(),
                format!("{:.1}", r.per_hour),
                seconds(r.median_seconds),
                r.timed.to_string(),
                r.by_reason
                    .iter()
                    .map(|(reason, n, s)| format!("{reason}: {n} ({})", seconds(*s)))
                    .collect::<Vec<_>>()
                    .join("; "),
            ],
            warn: false,
        })
        .collect();
    // Every batch's line and every box that does not add up first; the
    // boxes that do after them, folded (a migration has hundreds).
    let (shown, fine): (Vec<&super::boxes::BoxLine>, Vec<&super::boxes::BoxLine>) =
        f.boxes.iter().partition(|b| b.r#box.is_none() || !b.adds_up());
    let row = |b: &super::boxes::BoxLine| Row {
        cells: vec![
            b.batch.clone(),
            b.r#box.clone().unwrap_or_else(|| "(whole batch)".into()),
            b.expected_pages.map_or("-".into(), |e| e.to_string()),
            b.found_pages.to_string(),
            b.stored_pages.to_string(),
            if b.adds_up() { "adds up".into() } else { b.problems.join("; ") },
        ],
        warn: !b.adds_up(),
    };
    let boxes = shown.into_iter().map(row).collect();
    let boxes_fine = fine.into_iter().map(row).collect();
    View {
        scope: f.scope.clone(),
        generated: format_utc(f.generated_at),
        since: day_name(f.since / super::rates::DAY),
        tiles,
        batches,
        throughput_hourly,
        throughput_daily,
        review_flow,
        review_rate,
        reasons_chart,
        types_chart,
        confidence_chart,
        reasons,
        quality,
        reviewers,
        boxes,
        boxes_flagged: flagged,
        boxes_fine,
        gathered_ms: format!("{:.1}", f.gathered_ms),
    }
}

/// The progress line of a batch, or of the total.
fn batch_row(s: &crate::report::Status, done: u64, entries: u64, ingest: &Forecast) -> BatchRow {
    let page = |k: &str| s.pages.get(k).copied().unwrap_or(0);
    let file = |k: &str| s.files.get(k).copied().unwrap_or(0);
    let progress = super::rates::ratio(done, entries).min(1.0);
    BatchRow {
        name: s.name.clone(),
        percent: percent(progress),
        bar: (progress * 100.0).round() as u32,
        entries: format!("{done} of {entries}"),
        files: format!(
            "{} done, {} failed, {} skipped, {} duplicates",
            file("done"),
            file("failed"),
            file("skipped"),
            file("duplicate")
        ),
        pages_found: s.source_pages,
        pages_stored: page("total"),
        filed: page("filed"),
        review: page("review"),
        rejected: page("rejected"),
        blank: page("blank"),
        failed: page("failed"),
        exported: if s.exported.is_empty() {
            "-".into()
        } else {
            s.exported
                .iter()
                .map(|(kind, n)| format!("{kind} {}", n.get("pages").copied().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join(", ")
        },
        forecast: {
            let (value, note) = when(ingest, "pages");
            format!("{value} ({note})")
        },
    }
}

/// A type code short enough for an axis: `history_physical` → `history physical`.
fn short_type(code: &str) -> String {
    code.replace('_', " ")
}

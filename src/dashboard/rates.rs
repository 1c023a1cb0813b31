//! Pure: rates, forecasts and day buckets from hourly series.
//!
//! A series is `(hour, count)` pairs in hour order, hours with nothing left
//! out (as `Store::series` returns them). Every function here takes the
//! current time as an argument, so tests fix it.

use serde::Serialize;

/// Seconds in an hour (the store's series' buckets) and in a day.
pub use crate::store::HOUR;
pub const DAY: i64 = 86_400;

/// The sum of a series' counts in the `hours` hours before `now` (the
/// current, unfinished hour included).
pub fn recent(series: &[(u64, u64)], now: i64, hours: u64) -> u64 {
    let current = (now.max(0) / HOUR) as u64;
    let from = (current + 1).saturating_sub(hours);
    series.iter().filter(|(h, _)| (from..=current).contains(h)).map(|(_, n)| n).sum()
}

/// The sum of a series' counts.
pub fn total(series: &[(u64, u64)]) -> u64 {
    series.iter().map(|(_, n)| n).sum()
}

/// Counts per UTC day (day number since the epoch) of the `days` days
/// ending today, every day present (zero when nothing happened).
pub fn daily(series: &[(u64, u64)], now: i64, days: u64) -> Vec<(i64, u64)> {
    let today = now.max(0) / DAY;
    let first = today - days.max(1) as i64 + 1;
    let mut out: Vec<(i64, u64)> = (first..=today).map(|d| (d, 0)).collect();
    for &(h, n) in series {
        let day = h as i64 * HOUR / DAY;
        if day >= first && day <= today {
            out[(day - first) as usize].1 += n;
        }
    }
    out
}

/// Counts per hour of the `hours` hours ending with the current one, every
/// hour present.
pub fn hourly(series: &[(u64, u64)], now: i64, hours: u64) -> Vec<(u64, u64)> {
    let current = (now.max(0) / HOUR) as u64;
    let first = (current + 1).saturating_sub(hours.max(1));
    let mut out: Vec<(u64, u64)> = (first..=current).map(|h| (h, 0)).collect();
    for &(h, n) in series {
        if h >= first && h <= current {
            out[(h - first) as usize].1 += n;
        }
    }
    out
}

/// When work of `remaining` units ends at `per_hour`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// Units left (pages, documents).
    pub remaining: u64,
    /// The rate assumed: units per hour over the window.
    pub per_hour: f64,
    /// The window the rate was measured over, in hours.
    pub window_hours: u64,
    /// When the work ends at that rate (Unix seconds); `None` when nothing
    /// is left or nothing was done in the window (stalled: no date can be
    /// given).
    pub finish_at: Option<i64>,
    /// In words: "done", "stalled", or "at N per hour".
    pub state: &'static str,
}

/// The forecast for `remaining` units when `done_in_window` were done in
/// the last `window_hours` hours.
pub fn forecast(remaining: u64, done_in_window: u64, window_hours: u64, now: i64) -> Forecast {
    let per_hour = if window_hours == 0 { 0.0 } else { done_in_window as f64 / window_hours as f64 };
    let (finish_at, state) = if remaining == 0 {
        (None, "done")
    } else if per_hour <= 0.0 {
        (None, "stalled")
    } else {
        let hours = remaining as f64 / per_hour;
        // Beyond a century is no date anyone can use.
        if hours > 876_000.0 {
            (None, "stalled")
        } else {
            (Some(now + (hours * HOUR as f64).ceil() as i64), "on course")
        }
    };
    Forecast { remaining, per_hour, window_hours, finish_at, state }
}

/// The median of a list (the mean of the two middle values for an even
/// count); `None` for an empty list.
pub fn median(values: &mut [u32]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 { values[n / 2] as f64 } else { (values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0 })
}

/// `part / whole`, 0 when `whole` is 0.
pub fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Unix seconds at the start of a `YYYY-MM-DD` day (UTC); `None` when the
/// text is not such a date.
pub fn parse_day(text: &str) -> Option<i64> {
    let date = crate::extract::Date::parse_iso(text).filter(|d| d.year >= 1970)?;
    let (y, m, d) = (date.year as i64, date.month as i64, date.day as i64);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * DAY)
}

/// `YYYY-MM-DD` of a day number.
pub fn day_name(day: i64) -> String {
    crate::report::format_utc(day * DAY)[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000 * HOUR + 1_800; // half past hour 1000

    #[test]
    fn recent_counts_the_last_hours_including_the_current_one() {
        let s = vec![(990, 5), (998, 1), (999, 2), (1000, 3)];
        assert_eq!(recent(&s, NOW, 1), 3);
        assert_eq!(recent(&s, NOW, 3), 6);
        assert_eq!(recent(&s, NOW, 24), 11);
        assert_eq!(recent(&[], NOW, 24), 0);
    }

    #[test]
    fn a_steady_rate_gives_a_finish_date() {
        // 240 pages in the last 24 hours: 10 an hour; 100 left: 10 hours.
        let f = forecast(100, 240, 24, NOW);
        assert_eq!(f.per_hour, 10.0);
        assert_eq!(f.finish_at, Some(NOW + 10 * HOUR));
        assert_eq!(f.state, "on course");
    }

    #[test]
    fn a_stalled_batch_has_no_finish_date() {
        let f = forecast(500, 0, 24, NOW);
        assert_eq!((f.finish_at, f.state, f.per_hour), (None, "stalled", 0.0));
        // No window at all is no rate, not a division by zero.
        let f = forecast(500, 10, 0, NOW);
        assert_eq!((f.finish_at, f.state), (None, "stalled"));
        // A trickle that would take centuries is stalled too.
        let f = forecast(u64::MAX, 1, 24, NOW);
        assert_eq!(f.finish_at, None);
    }

    #[test]
    fn nothing_left_is_done_whatever_the_rate() {
        assert_eq!(forecast(0, 0, 24, NOW).state, "done");
        assert_eq!(forecast(0, 50, 24, NOW).finish_at, None);
    }

    #[test]
    fn days_and_hours_are_all_present() {
        let s = vec![(1000 - 48, 4), (1000 - 24, 2), (1000, 1)];
        let d = daily(&s, NOW, 3);
        assert_eq!(d.len(), 3);
        assert_eq!(d.iter().map(|x| x.1).sum::<u64>(), 7);
        assert_eq!(daily(&[], NOW, 7), (NOW / DAY - 6..=NOW / DAY).map(|d| (d, 0)).collect::<Vec<_>>());
        let h = hourly(&s, NOW, 24);
        assert_eq!((h.len(), h.first().unwrap().0, h.last().unwrap()), (24, 977, &(1000, 1)));
    }

    #[test]
    fn medians_and_ratios() {
        assert_eq!(median(&mut [30, 10, 20]), Some(20.0));
        assert_eq!(median(&mut [40, 10, 20, 30]), Some(25.0));
        assert_eq!(median(&mut []), None);
        assert_eq!(ratio(1, 4), 0.25);
        assert_eq!(ratio(1, 0), 0.0);
    }

    #[test]
    fn days_parse_and_print() {
        assert_eq!(parse_day("1970-01-02"), Some(DAY));
        let d = parse_day("2026-12-04").unwrap();
        assert_eq!(crate::report::format_utc(d), "2026-12-04 00:00:00 UTC");
        assert_eq!(day_name(d / DAY), "2026-12-04");
        assert_eq!(parse_day("2026-13-01"), None);
        assert_eq!(parse_day("yesterday"), None);
    }
}

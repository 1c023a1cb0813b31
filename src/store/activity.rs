//! What happened when: hourly series, reviewers' work and boxes of paper,
//! for the administrator's view (`crate::dashboard`).
//!
//! Everything here is written in the transactions that change the records
//! it counts (`put_page`, `update_pages_at`), so like the counters it agrees
//! with the records, and everything is read by bounded range scans: a
//! series from an hour on, the work from an hour on, a batch's boxes. No
//! read here grows with the number of pages.
//!
//! The `activity` tree holds three kinds of keys, told apart by their first
//! byte:
//!
//! | key | value |
//! |-----|-------|
//! | `s` scope u64 BE ++ series name ++ 0 ++ hour u64 BE | count, u64 BE |
//! | `w` hour u64 BE ++ user ++ 0 ++ reason | [`WorkCell`] JSON |
//! | `o` user ++ 0 ++ file id u64 BE ++ sequence u32 BE | when the user opened the document, i64 BE seconds |
//!
//! An hour is seconds since the epoch divided by 3600. A work cell's reason
//! is a review reason without its details ([`super::counter::reason`]'s
//! rule), or empty for every document the user resolved in that hour once.
//!
//! Boxes live in their own tree, `boxes`: batch id u64 BE ++ box name →
//! [`BoxRecord`] JSON. A box's counters are the counters of its scope, an
//! id drawn like a batch's.

use super::{read_u64, to_json, Store, TxResult};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

/// Series names (scope 0 and each batch).
pub mod series {
    /// Pages stored, by the hour they were read.
    pub const PAGES: &str = "pages";
    /// Pages ingest decided: filed, or sent to review.
    pub const DECIDED_FILED: &str = "decided_filed";
    pub const DECIDED_REVIEW: &str = "decided_review";
    /// Documents entering and leaving the review queue.
    pub const QUEUE_IN: &str = "queue_in";
    pub const QUEUE_OUT: &str = "queue_out";
    /// Filed pages taken back: reopened, rejected or filed to another patient.
    pub const CORRECTIONS: &str = "corrections";
    /// `review:<reason>`: pages ingest sent to review, by reason.
    pub fn review(reason: &str) -> String {
        format!("review:{}", super::super::counter::reason_name(reason))
    }
}

/// Seconds in an hour; hours are the series' buckets.
pub const HOUR: i64 = 3600;

/// The hour of a time in seconds.
pub fn hour_of(at: i64) -> u64 {
    (at.max(0) / HOUR) as u64
}

/// A person's change to the review queue, for the productivity figures.
#[derive(Debug, Clone, Copy)]
pub struct Work<'a> {
    pub user: &'a str,
    /// `resolve`, `reject`, ...: documents leaving the queue by a resolve or
    /// a reject count as resolved by `user`.
    pub action: &'a str,
}

impl Work<'_> {
    fn resolves(&self) -> bool {
        matches!(self.action, "resolve" | "reject")
    }
}

/// One user's resolutions in one hour for one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCell {
    pub documents: u64,
    /// Seconds from opening each document to resolving it, for the
    /// documents opened in the workstation first (the command line's are
    /// counted, not timed).
    pub seconds: Vec<u32>,
}

/// Longest a document counts as worked on: opened and resolved further
/// apart than this (left open overnight) is counted, not timed.
const MAX_TIMED_SECONDS: i64 = 4 * HOUR;

/// A box of paper of a batch: the first folder under the batch's root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoxRecord {
    pub batch: u64,
    pub name: String,
    /// The scope of its counters.
    pub scope: u64,
    /// The pages the site's manifest says it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_pages: Option<u64>,
}

fn series_key(scope: u64, name: &str, hour: u64) -> Vec<u8> {
    let mut k = series_prefix(scope, name);
    k.extend_from_slice(&hour.to_be_bytes());
    k
}

fn series_prefix(scope: u64, name: &str) -> Vec<u8> {
    let mut k = vec![b's'];
    k.extend_from_slice(&scope.to_be_bytes());
    k.extend_from_slice(name.as_bytes());
    k.push(0);
    k
}

fn work_key(hour: u64, user: &str, reason: &str) -> Vec<u8> {
    let mut k = vec![b'w'];
    k.extend_from_slice(&hour.to_be_bytes());
    k.extend_from_slice(user.as_bytes());
    k.push(0);
    k.extend_from_slice(reason.as_bytes());
    k
}

fn opened_key(user: &str, file_id: u64, seq: u32) -> Vec<u8> {
    let mut k = vec![b'o'];
    k.extend_from_slice(user.as_bytes());
    k.push(0);
    k.extend_from_slice(&super::page_key(file_id, seq));
    k
}

/// `name`: the box's name, or its index hash in an encrypted store.
fn box_key(batch: u64, name: &[u8]) -> Vec<u8> {
    let mut k = batch.to_be_bytes().to_vec();
    k.extend_from_slice(name);
    k
}

/// Adds `delta` to series `name` at `at`'s hour, in the store total and in
/// the batch.
pub(super) fn bump_series(t: &TransactionalTree, batch: u64, name: &str, at: i64, delta: i64) -> TxResult<()> {
    let hour = hour_of(at);
    for scope in [0, batch] {
        let key = series_key(scope, name, hour);
        let old = t.get(&key)?.map(|v| read_u64(&v)).unwrap_or(0);
        t.insert(key, &old.saturating_add_signed(delta).to_be_bytes())?;
    }
    Ok(())
}

/// Counts a document `user` took out of the queue by `work` at `at`, with
/// the reasons it waited for, and the time since they opened it.
pub(super) fn record_work(
    t: &TransactionalTree,
    work: &Work,
    file_id: u64,
    seq: u32,
    reasons: &[String],
    at: i64,
) -> TxResult<()> {
    let opened = t.remove(opened_key(work.user, file_id, seq))?.and_then(|v| v.as_ref().try_into().ok());
    if !work.resolves() {
        return Ok(());
    }
    let seconds = opened.map(i64::from_be_bytes).map(|o| at - o).filter(|s| (0..=MAX_TIMED_SECONDS).contains(s));
    let mut names: Vec<String> = reasons.iter().map(|r| super::counter::reason_name(r).to_string()).collect();
    names.sort();
    names.dedup();
    names.insert(0, String::new());
    let hour = hour_of(at);
    for reason in names {
        let key = work_key(hour, work.user, &reason);
        let mut cell: WorkCell = match t.get(&key)? {
            Some(v) => serde_json::from_slice(&v)
                .map_err(|e| ConflictableTransactionError::Abort(format!("unreadable work record: {e}")))?,
            None => WorkCell::default(),
        };
        cell.documents += 1;
        if let Some(s) = seconds {
            cell.seconds.push(s as u32);
        }
        t.insert(key, to_json(&cell))?;
    }
    Ok(())
}

impl Store {
    /// Series `name` of `scope` (0 for the store, else a batch) from hour
    /// `from` on: (hour, count), hours with nothing left out.
    pub fn series(&self, scope: u64, name: &str, from: u64) -> Result<Vec<(u64, u64)>> {
        let prefix = series_prefix(scope, name);
        let mut end = prefix.clone();
        end.extend_from_slice(&u64::MAX.to_be_bytes());
        self.h
            .activity
            .range(series_key(scope, name, from)..=end)
            .map(|kv| {
                let (k, v) = kv.map_err(|e| self.err(e))?;
                Ok((read_u64(&k[prefix.len()..]), read_u64(&v)))
            })
            .collect()
    }

    /// The names of `scope`'s series that start with `prefix` (the reasons
    /// of `review:`), each once. Skips from one name to the next, so the
    /// reads are as many as the names, not the hours.
    pub fn series_names(&self, scope: u64, prefix: &str) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let start = series_prefix(scope, prefix);
        let start = start[..start.len() - 1].to_vec();
        let mut from = start.clone();
        loop {
            let Some(kv) = self.h.activity.range(from.clone()..).next() else { break };
            let (k, _) = kv.map_err(|e| self.err(e))?;
            if !k.starts_with(&start) {
                break;
            }
            let rest = &k[9..];
            let Some(end) = rest.iter().position(|&b| b == 0) else { break };
            names.push(String::from_utf8_lossy(&rest[..end]).into_owned());
            // The first key after every hour of this name.
            from = k[..9 + end].to_vec();
            from.push(1);
        }
        Ok(names)
    }

    /// Resolutions from hour `from` on: (hour, user, reason, cell); the
    /// reason is empty in the cell that counts each document once.
    pub fn work_since(&self, from: u64) -> Result<Vec<(u64, String, String, WorkCell)>> {
        let mut start = vec![b'w'];
        start.extend_from_slice(&from.to_be_bytes());
        self.h
            .activity
            .range(start..vec![b'x'])
            .map(|kv| {
                let (k, v) = kv.map_err(|e| self.err(e))?;
                let hour = read_u64(&k[1..9]);
                let rest = &k[9..];
                let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                let user = String::from_utf8_lossy(&rest[..split]).into_owned();
                let reason = String::from_utf8_lossy(rest.get(split + 1..).unwrap_or_default()).into_owned();
                Ok((hour, user, reason, self.decode_clear(&v, "work")?))
            })
            .collect()
    }

    /// Notes that `user` opened document `seq` of `file_id` at `at`: its
    /// resolution by them is timed from here.
    pub fn note_opened(&self, user: &str, file_id: u64, seq: u32, at: i64) -> Result<()> {
        let _writing = self.writing();
        self.h.activity.insert(opened_key(user, file_id, seq), &at.to_be_bytes()).map_err(|e| self.err(e))?;
        Ok(())
    }

    // ----- boxes -----

    /// The counter scope of box `name` of `batch`, drawn when the box is
    /// first met.
    pub fn box_scope(&self, batch: u64, name: &str) -> Result<u64> {
        Ok(self.box_record(batch, name, None)?.scope)
    }

    /// Records the pages a box should hold (a manifest's row); creates the box.
    pub fn expect_box(&self, batch: u64, name: &str, pages: u64) -> Result<BoxRecord> {
        self.box_record(batch, name, Some(pages))
    }

    fn box_record(&self, batch: u64, name: &str, expected: Option<u64>) -> Result<BoxRecord> {
        let _writing = self.writing();
        let key = box_key(batch, &self.protected_key(super::label::BOX, name.as_bytes()));
        loop {
            let old = self.h.boxes.get(&key).map_err(|e| self.err(e))?;
            let mut rec = match &old {
                Some(v) => self.decode::<BoxRecord>(v, "box")?,
                None => BoxRecord { batch, name: name.to_string(), scope: 0, expected_pages: None },
            };
            if old.is_some() && (expected.is_none() || rec.expected_pages == expected) {
                return Ok(rec);
            }
            if rec.scope == 0 {
                rec.scope = self.new_id()?;
            }
            if expected.is_some() {
                rec.expected_pages = expected;
            }
            // Two workers meeting a new box at once: one record wins, the
            // other reads it (an id drawn and not used is harmless).
            let swapped = self.h.boxes.compare_and_swap(&key, old, Some(self.encode(&rec))).map_err(|e| self.err(e))?;
            if swapped.is_ok() {
                return Ok(rec);
            }
        }
    }

    /// The boxes of a batch, by name.
    pub fn boxes(&self, batch: u64) -> Result<Vec<BoxRecord>> {
        let mut boxes: Vec<BoxRecord> = self
            .h
            .boxes
            .scan_prefix(batch.to_be_bytes())
            .values()
            .map(|v| self.decode(&v.map_err(|e| self.err(e))?, "box"))
            .collect::<Result<_>>()?;
        // Keyed by name, or by its hash in an encrypted store.
        boxes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(boxes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_order_keys_and_names_are_listed_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store
            .h
            .activity
            .transaction(|t| {
                for (name, at) in [("review:a", 7200), ("review:a", 10), ("review:b", 3600), ("pages", 0)] {
                    bump_series(t, 5, name, at, 1)?;
                }
                Ok::<_, ConflictableTransactionError<String>>(())
            })
            .unwrap();
        assert_eq!(store.series(5, "review:a", 0).unwrap(), vec![(0, 1), (2, 1)]);
        assert_eq!(store.series(0, "review:a", 1).unwrap(), vec![(2, 1)]);
        assert_eq!(store.series_names(0, "review:").unwrap(), vec!["review:a", "review:b"]);
        assert_eq!(store.series_names(5, "").unwrap(), vec!["pages", "review:a", "review:b"]);
    }

    #[test]
    fn a_box_keeps_its_scope_and_takes_its_expected_pages() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let a = store.box_scope(3, "box-01").unwrap();
        assert_eq!(store.box_scope(3, "box-01").unwrap(), a);
        let rec = store.expect_box(3, "box-01", 250).unwrap();
        assert_eq!((rec.scope, rec.expected_pages), (a, Some(250)));
        assert_ne!(store.box_scope(4, "box-01").unwrap(), a);
        assert_eq!(store.boxes(3).unwrap().len(), 1);
    }
}

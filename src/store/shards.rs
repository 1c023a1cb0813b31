//! What `merge` has brought from each shard store: its progress, kept in
//! `meta` under `shard_merge:` and the shard's store id, written in the
//! same transactions as what it marks (the shard's audit entries copied
//! so far; the shard finished, with its batches' figures added).

use super::{AuditEntry, Store};
use crate::error::Result;
use crate::model::BatchRecord;
use serde::{Deserialize, Serialize};

/// One shard store's merge into this one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShardMerge {
    /// The shard store's id (`Store::store_id`).
    pub store_id: String,
    /// The shard's batches' shares (`I/N`), as its ingest recorded them.
    pub shards: Vec<String>,
    /// The last of the shard's audit entries copied here.
    pub audit_upto: u64,
    /// Set when every file of the shard is here: merging it again changes nothing.
    pub done_at: Option<i64>,
    /// Files registered here from the shard; of them, content another shard
    /// (or this store) already held: recorded as duplicates.
    pub files: u64,
    pub duplicates: u64,
    pub pages: u64,
}

fn key(store_id: &str) -> Vec<u8> {
    format!("shard_merge:{store_id}").into_bytes()
}

impl Store {
    /// How far the shard store `store_id` has been merged here.
    pub fn shard_merge(&self, store_id: &str) -> Result<Option<ShardMerge>> {
        match self.h.meta.get(key(store_id)).map_err(|e| self.err(e))? {
            Some(v) => Ok(Some(self.decode_clear(&v, "shard merge")?)),
            None => Ok(None),
        }
    }

    /// Every shard merged here (or being merged), by store id.
    pub fn shard_merges(&self) -> Result<Vec<ShardMerge>> {
        self.h
            .meta
            .scan_prefix(b"shard_merge:")
            .values()
            .map(|v| self.decode_clear(&v.map_err(|e| self.err(e))?, "shard merge"))
            .collect()
    }

    /// Appends the shard's audit entries (each with its origin) and moves
    /// its `audit_upto` mark, in one transaction.
    pub fn copy_shard_audit(&self, merge: &ShardMerge, entries: Vec<AuditEntry>) -> Result<()> {
        self.audit_many(entries, Some((&key(&merge.store_id), super::to_json(merge))), &[]).map(|_| ())
    }

    /// Marks a shard merged, stores its batches' new figures and audits
    /// the merge (`entry`), in one transaction: a kill before it leaves the
    /// shard to merge again (its files already here are skipped), never
    /// figures added twice.
    pub fn finish_shard_merge(&self, merge: &ShardMerge, batches: &[BatchRecord], entry: AuditEntry) -> Result<()> {
        self.audit_many(vec![entry], Some((&key(&merge.store_id), super::to_json(merge))), batches).map(|_| ())
    }
}

//! The audit trail, as a hash chain.
//!
//! Each entry is stored (key: its sequence number, u64 BE) as its JSON
//! *body*, a newline, and the SHA-256 of the body in hex. The body names the
//! hash of the entry before it (`prev`; 64 zeros for the first), so every
//! entry's hash covers the whole trail up to it. `meta` keeps the last hash
//! (`audit_head`) and the number of entries (`audit_entries`), written in the
//! same transaction as the entry; the seal notes the head at each clean close
//! and `status --json` prints it, so a site can record it elsewhere.
//!
//! What [`Store::verify_audit`] finds, and where:
//! * a changed byte of an entry: its body no longer has its hash (that entry);
//! * an entry removed, inserted or moved: the next entry does not follow it
//!   (its `prev`, or its sequence number against its key);
//! * entries cut from the end: the trail stops short of `audit_head`, or of a
//!   head recorded earlier (the seal's, or one the site kept: `--head`).
//!
//! Someone who can write the store's files and rewrites every hash from the
//! change on, `audit_head` included, is caught only by a head recorded
//! outside the store (docs/security.md).
//!
//! Entries written before the chain (a store of an earlier chartmill) are
//! chained once, in order, when the store is opened.

use super::{read_u64, to_json, Store};
use crate::error::{Error, Result};
use crate::model::hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sled::Transactional;

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD: &str = "audit_head";
const ENTRIES: &str = "audit_entries";

/// One line of the audit trail: who did what to what, before and after.
/// Never OCR text: ids, users, actions and the fields changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: i64,
    pub user: String,
    /// `resolve`, `reject`, `reopen`, `view`, `import`.
    pub action: String,
    /// Page ids, a file, or `patients`.
    pub target: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    /// The hash of the entry before (set when appended).
    #[serde(default)]
    pub prev: String,
    /// Where an entry merged from a shard store was written: that store's
    /// id and the entry's sequence number there (`STORE_ID:SEQ`); empty for
    /// an entry written here.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
    /// This entry's hash: the SHA-256 of its stored body. Not part of the
    /// body; set when read back.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditCheck {
    pub entries: u64,
    /// The hash of the last entry (`GENESIS` for an empty trail).
    pub head: String,
    /// The head `meta` records.
    pub recorded_head: String,
    /// The first sequence number at fault and what is wrong there; `None`
    /// when the trail is intact.
    pub first_bad: Option<Broken>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Broken {
    /// The entry at fault: the first that is changed or does not follow the
    /// one before it, or the last entry when the end is missing.
    pub seq: u64,
    pub problem: String,
}

impl AuditCheck {
    pub fn intact(&self) -> bool {
        self.first_bad.is_none()
    }
}

fn digest(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

/// The stored form of an entry whose `prev` is set: body, newline, hash.
fn seal_entry(entry: &AuditEntry) -> (Vec<u8>, String) {
    let mut body = to_json(&AuditEntry { hash: String::new(), ..entry.clone() });
    let hash = digest(&body);
    body.push(b'\n');
    body.extend_from_slice(hash.as_bytes());
    (body, hash)
}

/// Splits a stored value into its body and the hash it carries; `None` for
/// an entry written before the chain.
fn split(value: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = value.iter().rposition(|&b| b == b'\n')?;
    Some((&value[..at], &value[at + 1..]))
}

impl Store {
    /// Appends entries to the audit trail, chained in order (one appender
    /// at a time: sequence numbers and the chain's order agree), and writes
    /// `also` (a `meta` key and value) and `batches` in the same
    /// transaction: the mark of how far a copy of them has got, so a copy
    /// cut short by a kill resumes without an entry twice. Returns the
    /// entries as stored (sequence number, `prev`, `hash` set).
    pub(super) fn audit_many(
        &self,
        entries: Vec<AuditEntry>,
        also: Option<(&[u8], Vec<u8>)>,
        batches: &[crate::model::BatchRecord],
    ) -> Result<Vec<AuditEntry>> {
        let _writing = self.writing();
        let _one = self.audit_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut prev = self.audit_head()?;
        let mut stored = Vec::with_capacity(entries.len());
        let mut sealed = Vec::with_capacity(entries.len());
        for mut entry in entries {
            entry.seq = self.new_id()?;
            entry.prev = prev;
            let (value, hash) = seal_entry(&entry);
            sealed.push((entry.seq, self.seal(value)));
            prev = hash.clone();
            entry.hash = hash;
            stored.push(entry);
        }
        let batches: Vec<(u64, Vec<u8>)> = batches.iter().map(|b| (b.id, self.encode(b))).collect();
        (&self.h.audit, &self.h.meta, &self.h.batches)
            .transaction(|(audit, meta, batch_tree)| {
                for (id, value) in &batches {
                    batch_tree.insert(&id.to_be_bytes(), value.as_slice())?;
                }
                for (seq, value) in &sealed {
                    audit.insert(&seq.to_be_bytes(), value.as_slice())?;
                }
                meta.insert(HEAD, prev.as_bytes())?;
                let n = meta.get(ENTRIES)?.map(|v| read_u64(&v)).unwrap_or(0) + sealed.len() as u64;
                meta.insert(ENTRIES, &n.to_be_bytes())?;
                if let Some((key, value)) = &also {
                    meta.insert(*key, value.as_slice())?;
                }
                Ok(())
            })
            .map_err(|e| self.tx_err(e))?;
        Ok(stored)
    }

    /// Appends to the audit trail, chained to the entry before it.
    pub fn audit(&self, entry: AuditEntry) -> Result<AuditEntry> {
        let mut stored = self.audit_many(vec![entry], None, &[])?;
        Ok(stored.pop().expect("one entry in, one out"))
    }

    /// The hash of the last entry, as `meta` records it.
    pub fn audit_head(&self) -> Result<String> {
        Ok(match self.h.meta.get(HEAD).map_err(|e| self.err(e))? {
            Some(v) => String::from_utf8_lossy(&v).into_owned(),
            None => GENESIS.to_string(),
        })
    }

    /// The number of entries, as `meta` records it.
    pub fn audit_count(&self) -> Result<u64> {
        Ok(self.h.meta.get(ENTRIES).map_err(|e| self.err(e))?.map(|v| read_u64(&v)).unwrap_or(0))
    }

    fn decode_audit(&self, stored: &[u8]) -> Result<AuditEntry> {
        let value = self.unseal(stored).map_err(|detail| Error::StoreDamaged { path: self.path.clone(), detail })?;
        let (body, hash) = split(&value).unwrap_or((&value, b""));
        let mut entry: AuditEntry = self.decode(body, "audit")?;
        entry.hash = String::from_utf8_lossy(hash).into_owned();
        Ok(entry)
    }

    /// The audit trail, oldest first.
    pub fn audit_entries(&self) -> impl Iterator<Item = Result<AuditEntry>> + '_ {
        self.audit_entries_after(0)
    }

    /// The entries after sequence number `seq`, oldest first.
    pub fn audit_entries_after(&self, seq: u64) -> impl Iterator<Item = Result<AuditEntry>> + '_ {
        let from = seq.saturating_add(1).to_be_bytes();
        self.h.audit.range(from..).values().map(move |v| self.decode_audit(&v.map_err(|e| self.err(e))?))
    }

    /// The audit trail, newest first.
    pub fn audit_entries_newest_first(&self) -> impl Iterator<Item = Result<AuditEntry>> + '_ {
        self.h.audit.iter().rev().map(move |kv| self.decode_audit(&kv.map_err(|e| self.err(e))?.1))
    }

    /// Walks the chain from the first entry. `anchors` are heads a site
    /// recorded earlier; they and the seal's head at this open must each be
    /// the hash of an entry of the trail.
    pub fn verify_audit(&self, anchors: &[String]) -> Result<AuditCheck> {
        let mut prev = GENESIS.to_string();
        let mut last_seq = 0;
        let mut entries = 0;
        let mut first_bad = None;
        let mut seen = std::collections::HashSet::new();
        for kv in self.h.audit.iter() {
            let (key, stored) = kv.map_err(|e| self.err(e))?;
            let key_seq = read_u64(&key);
            entries += 1;
            let opened = self.unseal(&stored);
            let problem = match opened.as_deref().map(split) {
                Err(_) => Some("it cannot be opened (changed, or sealed with another key)".to_string()),
                Ok(None) => Some("it is not chained (no hash)".to_string()),
                Ok(Some((body, hash))) => {
                    let computed = digest(body);
                    let entry = serde_json::from_slice::<AuditEntry>(body);
                    if computed.as_bytes() != hash {
                        Some("its content does not match its hash (changed)".to_string())
                    } else {
                        match entry {
                            Err(_) => Some("it cannot be read".to_string()),
                            Ok(e) if e.seq != key_seq => {
                                Some(format!("it is entry {} stored at another place (moved)", e.seq))
                            }
                            Ok(e) if e.prev != prev => Some(
                                "it does not follow the entry before it (an entry removed, inserted or moved)"
                                    .to_string(),
                            ),
                            Ok(_) => {
                                prev = computed;
                                seen.insert(prev.clone());
                                None
                            }
                        }
                    }
                }
            };
            if let Some(problem) = problem {
                first_bad = Some(Broken { seq: key_seq, problem });
                break;
            }
            last_seq = key_seq;
        }
        let recorded_head = self.audit_head()?;
        if first_bad.is_none() {
            let missing_end = |what: &str| Broken {
                seq: last_seq,
                problem: format!(
                    "the trail ends at this entry but {what} names a later one (entries removed from the end)"
                ),
            };
            if prev != recorded_head && !seen.contains(&recorded_head) {
                first_bad = Some(missing_end("the store's recorded head"));
            } else if prev != recorded_head {
                first_bad = Some(Broken {
                    seq: last_seq,
                    problem: "the store's recorded head is an earlier entry (entries added after it)".into(),
                });
            } else if anchors.iter().chain(&self.sealed_audit_head).any(|a| a != GENESIS && !seen.contains(a)) {
                first_bad = Some(missing_end("a head recorded earlier"));
            } else {
                let written = self.audit_count()?;
                if entries != written {
                    first_bad = Some(Broken {
                        seq: last_seq,
                        problem: format!(
                            "the trail holds {entries} entries where {written} were written (entries removed)"
                        ),
                    });
                }
            }
        }
        Ok(AuditCheck { entries, head: prev, recorded_head, first_bad })
    }

    /// Chains the entries written before the chain (older stores), once.
    pub(super) fn chain_unchained_audit(&self) -> Result<()> {
        if self.h.meta.get(HEAD).map_err(|e| self.err(e))?.is_some() || self.h.audit.is_empty() {
            return Ok(());
        }
        let mut prev = GENESIS.to_string();
        let mut n = 0u64;
        let mut batch = sled::Batch::default();
        for kv in self.h.audit.iter() {
            let (key, value) = kv.map_err(|e| self.err(e))?;
            let mut entry: AuditEntry = self.decode(&value, "audit")?;
            entry.prev = prev;
            let (value, hash) = seal_entry(&entry);
            batch.insert(key, self.seal(value));
            prev = hash;
            n += 1;
        }
        (&self.h.audit, &self.h.meta)
            .transaction(|(audit, meta)| {
                audit.apply_batch(&batch)?;
                meta.insert(HEAD, prev.as_bytes())?;
                meta.insert(ENTRIES, &n.to_be_bytes())?;
                Ok(())
            })
            .map_err(|e: sled::transaction::TransactionError<String>| self.tx_err(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(user: &str) -> AuditEntry {
        AuditEntry { user: user.into(), action: "view".into(), target: "1-1".into(), ..Default::default() }
    }

    #[test]
    fn entries_are_chained_and_the_trail_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        assert_eq!(store.verify_audit(&[]).unwrap().head, GENESIS);
        let a = store.audit(entry("ann")).unwrap();
        let b = store.audit(entry("bob")).unwrap();
        assert_eq!((a.prev.as_str(), b.prev.as_str()), (GENESIS, a.hash.as_str()));
        let check = store.verify_audit(std::slice::from_ref(&a.hash)).unwrap();
        assert!(check.intact(), "{check:?}");
        assert_eq!((check.entries, check.head), (2, b.hash.clone()));
        assert_eq!(store.audit_count().unwrap(), 2);
        let read: Vec<AuditEntry> = store.audit_entries().map(|e| e.unwrap()).collect();
        assert_eq!(read, vec![a.clone(), b]);
        // A head the trail never had is an anchor it does not reach.
        assert!(!store.verify_audit(&["ab".repeat(32)]).unwrap().intact());
    }

    #[test]
    fn entries_written_before_the_chain_are_chained_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        {
            let store = Store::open(&path).unwrap();
            for user in ["ann", "bob"] {
                let seq = store.new_id().unwrap();
                let old = serde_json::json!({"seq": seq, "at": 1, "user": user, "action": "view",
                    "target": "1-1", "before": null, "after": null});
                store.h.audit.insert(seq.to_be_bytes(), to_json(&old)).unwrap();
            }
            assert!(!store.verify_audit(&[]).unwrap().intact(), "not chained yet");
        }
        let store = Store::open(&path).unwrap();
        let check = store.verify_audit(&[]).unwrap();
        assert!(check.intact(), "{check:?}");
        assert_eq!(check.entries, 2);
        let users: Vec<String> = store.audit_entries().map(|e| e.unwrap().user).collect();
        assert_eq!(users, ["ann", "bob"]);
        store.audit(entry("cy")).unwrap();
        assert!(store.verify_audit(&[check.head]).unwrap().intact());
    }
}

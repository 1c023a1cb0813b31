//! Backups: one file holding a consistent snapshot of the store, taken
//! while it is in use, and the restore that brings it back.
//!
//! Consistency: every method that writes holds the store's gate for
//! reading; the backup holds it for writing while it reads the trees, so it
//! sees the store between two writes (an ingest or a technician pauses for
//! that long). Page images are written once and never changed, and a page
//! record is committed only after its image is durable, so the images are
//! copied after the gate is released: every image a record of the snapshot
//! names is there (images stored later are copied too, harmlessly).
//!
//! Values are copied as stored, so an encrypted store's backup stays
//! encrypted (its wrapped data key travels in `meta`).
//!
//! # Format, version 2
//!
//! ```text
//! "CHARTMILL-BACKUP\n", u32 BE format version
//! then, inside one LZ4 frame (the records of an unencrypted store shrink a third or less):
//! u32 BE length, header JSON            (Header: what the snapshot held)
//! frames:  'T' u32 len, tree name        (the records below belong to it)
//!          'R' u32 len, key, u32 len, value
//!          'I' u32 len, image path (relative to the image folder), u64 len, bytes
//! 'Z' 32 bytes: the SHA-256 of every byte of the frame before them
//! ```
//!
//! Restore reads the file once, into a new folder beside the target, and
//! renames it into place only when the final hash matches and the restored
//! store holds what the header says; a torn or altered backup restores
//! nothing.

use super::{images, Store};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"CHARTMILL-BACKUP\n";
const FORMAT: u32 = 2;
/// Records restored per sled batch.
const BATCH: usize = 10_000;
/// Records read per iterator.
const CHUNK: usize = 1_000;

/// What the snapshot held: the restore checks it got the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub store_id: String,
    pub schema_version: u32,
    pub taken_at: i64,
    pub next_id: u64,
    pub pages: u64,
    pub files: u64,
    pub audit_entries: u64,
    pub audit_head: String,
    pub encrypted: bool,
}

/// What a backup wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub header: Header,
    pub records: u64,
    pub images: u64,
    /// The file's size.
    pub bytes: u64,
    /// How long writes waited for the snapshot, in milliseconds.
    pub paused_ms: u64,
}

/// Hashes and counts what goes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Counts what goes through it (the file's size).
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

fn put_bytes(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    w.write_all(&(bytes.len() as u32).to_be_bytes())?;
    w.write_all(bytes)
}

impl Store {
    /// Writes a consistent snapshot of the store to `out`.
    pub fn backup(&self, out: impl Write) -> Result<BackupSummary> {
        let io_err = |source| Error::Io { path: self.path.clone(), source };
        let mut file = Counting { inner: io::BufWriter::with_capacity(1 << 20, out), bytes: 0 };
        file.write_all(MAGIC).and_then(|()| file.write_all(&FORMAT.to_be_bytes())).map_err(io_err)?;
        let mut w = Hashing { inner: lz4_flex::frame::FrameEncoder::new(file), hash: Sha256::new(), bytes: 0 };
        let waited = std::time::Instant::now();
        let (header, records, paused_ms) = {
            let _snapshot = self.gate.write();
            let paused = std::time::Instant::now();
            let witness = self.witness()?;
            let header = Header {
                format: FORMAT,
                store_id: self.store_id()?,
                schema_version: self.version,
                taken_at: crate::model::now(),
                next_id: witness.next_id,
                pages: witness.pages,
                files: self.h.files.len() as u64,
                audit_entries: self.audit_count()?,
                audit_head: self.audit_head()?,
                encrypted: self.encrypted(),
            };
            put_bytes(&mut w, &serde_json::to_vec(&header).expect("a header serialises")).map_err(io_err)?;
            let mut records = 0u64;
            for name in self.h.db.tree_names() {
                let tree = self.h.db.open_tree(&name).map_err(|e| self.err(e))?;
                w.write_all(b"T").map_err(io_err)?;
                put_bytes(&mut w, &name).map_err(io_err)?;
                // In runs of CHUNK records, each from a new iterator: a
                // long-lived one keeps what it has passed from being freed.
                let mut from: Option<sled::IVec> = None;
                loop {
                    let run = match &from {
                        None => tree.iter(),
                        Some(k) => {
                            tree.range::<&[u8], _>((std::ops::Bound::Excluded(k.as_ref()), std::ops::Bound::Unbounded))
                        }
                    };
                    let mut n = 0;
                    for kv in run.take(CHUNK) {
                        let (k, v) = kv.map_err(|e| self.err(e))?;
                        w.write_all(b"R").map_err(io_err)?;
                        put_bytes(&mut w, &k).map_err(io_err)?;
                        put_bytes(&mut w, &v).map_err(io_err)?;
                        from = Some(k);
                        n += 1;
                    }
                    records += n as u64;
                    if n < CHUNK {
                        break;
                    }
                }
            }
            log::info!(
                "backup: {records} records read with writes paused {:.0} ms (after waiting {:.0} ms for writes in flight)",
                paused.elapsed().as_secs_f64() * 1e3,
                (paused - waited).as_secs_f64() * 1e3
            );
            (header, records, paused.elapsed().as_millis() as u64)
        };
        let folder = self.path.join(images::FOLDER);
        let mut count = 0u64;
        for entry in walkdir::WalkDir::new(&folder).sort_by_file_name() {
            let entry = entry.map_err(|e| io_err(e.into()))?;
            let rel = entry.path().strip_prefix(&folder).unwrap_or(entry.path());
            if !entry.file_type().is_file() || rel.starts_with("tmp") {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(io_err)?;
            w.write_all(b"I").map_err(io_err)?;
            put_bytes(&mut w, rel.to_string_lossy().as_bytes()).map_err(io_err)?;
            w.write_all(&(bytes.len() as u64).to_be_bytes()).map_err(io_err)?;
            w.write_all(&bytes).map_err(io_err)?;
            count += 1;
        }
        w.write_all(b"Z").map_err(io_err)?;
        let digest = w.hash.clone().finalize();
        w.inner.write_all(&digest).map_err(io_err)?;
        let mut file = w.inner.finish().map_err(|e| io_err(io::Error::other(e)))?;
        file.flush().map_err(io_err)?;
        Ok(BackupSummary { header, records, images: count, bytes: file.bytes, paused_ms })
    }
}

/// What a restore brought back.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    pub header: Header,
    pub records: u64,
    pub images: u64,
}

fn damaged(file: &Path, detail: impl Into<String>) -> Error {
    Error::Config(format!("backup {}: {}", file.display(), detail.into()))
}

/// Restores the backup `file` into a new store at `target` (which must not exist).
pub fn restore(file: &Path, target: &Path) -> Result<RestoreSummary> {
    if target.exists() {
        return Err(Error::Config(format!(
            "{} exists: restore writes a new store (give a path that does not exist)",
            target.display()
        )));
    }
    let input = std::fs::File::open(file).map_err(|source| Error::Io { path: file.to_path_buf(), source })?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "store".into());
    let work = target.with_file_name(format!(".{name}.restore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let result = restore_into(file, input, &work);
    match result {
        Ok(summary) => {
            std::fs::rename(&work, target).map_err(|source| Error::Io { path: target.to_path_buf(), source })?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&work);
            Err(e)
        }
    }
}

fn restore_into(file: &Path, input: std::fs::File, work: &Path) -> Result<RestoreSummary> {
    use std::os::unix::fs::DirBuilderExt;
    let io_err = |source| Error::Io { path: file.to_path_buf(), source };
    let torn = |e: io::Error| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            damaged(file, "it ends too early (an unfinished or cut backup)")
        } else {
            io_err(e)
        }
    };
    let mut input = io::BufReader::with_capacity(1 << 20, input);
    let mut magic = vec![0; MAGIC.len() + 4];
    input.read_exact(&mut magic).map_err(torn)?;
    if magic[..MAGIC.len()] != *MAGIC {
        return Err(damaged(file, "it is not a chartmill backup"));
    }
    let format = u32::from_be_bytes(magic[MAGIC.len()..].try_into().expect("4 bytes"));
    if format != FORMAT {
        return Err(damaged(file, format!("backup format {format} is not one this chartmill reads ({FORMAT})")));
    }
    let mut r = Hashing { inner: lz4_flex::frame::FrameDecoder::new(input), hash: Sha256::new(), bytes: 0 };
    let header: Header =
        serde_json::from_slice(&get_bytes(&mut r).map_err(torn)?).map_err(|e| damaged(file, format!("header: {e}")))?;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(work).map_err(io_err)?;
    let db = super::open_sled_as(work, work, !header.encrypted)?;
    let store_err = |e| Error::Store { path: work.to_path_buf(), source: e };
    let (mut records, mut images) = (0u64, 0u64);
    let mut tree: Option<sled::Tree> = None;
    let mut batch = sled::Batch::default();
    let mut in_batch = 0;
    let images_dir = work.join(images::FOLDER);
    loop {
        let mut tag = [0u8; 1];
        r.read_exact(&mut tag).map_err(torn)?;
        match tag[0] {
            b'T' => {
                if let Some(t) = &tree {
                    t.apply_batch(std::mem::take(&mut batch)).map_err(store_err)?;
                    in_batch = 0;
                }
                tree = Some(db.open_tree(get_bytes(&mut r).map_err(torn)?).map_err(store_err)?);
            }
            b'R' => {
                let key = get_bytes(&mut r).map_err(torn)?;
                let value = get_bytes(&mut r).map_err(torn)?;
                let Some(t) = &tree else { return Err(damaged(file, "a record before its tree")) };
                batch.insert(key, value);
                in_batch += 1;
                records += 1;
                if in_batch == BATCH {
                    t.apply_batch(std::mem::take(&mut batch)).map_err(store_err)?;
                    in_batch = 0;
                }
            }
            b'I' => {
                let rel = String::from_utf8(get_bytes(&mut r).map_err(torn)?)
                    .map_err(|_| damaged(file, "an image name that is not UTF-8"))?;
                let safe = Path::new(&rel).components().all(|c| matches!(c, std::path::Component::Normal(_)));
                if !safe {
                    return Err(damaged(file, "an image name outside the image folder"));
                }
                let mut len = [0u8; 8];
                r.read_exact(&mut len).map_err(torn)?;
                let bytes = read_len(&mut r, u64::from_be_bytes(len)).map_err(torn)?;
                let path = images_dir.join(&rel);
                if let Some(parent) = path.parent() {
                    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent).map_err(io_err)?;
                }
                let mut f = std::fs::File::create(&path).map_err(io_err)?;
                f.write_all(&bytes).and_then(|()| f.sync_all()).map_err(io_err)?;
                images += 1;
            }
            b'Z' => break,
            other => return Err(damaged(file, format!("an unknown frame {other:#04x}"))),
        }
    }
    if let Some(t) = &tree {
        t.apply_batch(batch).map_err(store_err)?;
    }
    let computed = r.hash.clone().finalize();
    let mut recorded = [0u8; 32];
    r.inner.read_exact(&mut recorded).map_err(torn)?;
    if computed.as_slice() != recorded {
        return Err(damaged(file, "its content does not match its SHA-256 (changed or damaged)"));
    }
    db.flush().map_err(store_err)?;
    // An encrypted store's key envelope beside it, from its copy in `meta`.
    let meta = db.open_tree("meta").map_err(store_err)?;
    if let Some(envelope) = meta.get(super::crypt::META_KEY).map_err(store_err)? {
        let envelope = super::crypt::Envelope::from_bytes(&envelope)
            .ok_or_else(|| damaged(file, "its key envelope cannot be read"))?;
        envelope.write(work)?;
    }
    drop(meta);
    drop(tree);
    drop(db);
    // Opened as a store (just written here, so without the check of a copy):
    // its schema is checked, and it is sealed at close.
    let store = Store::open_restored(work)?;
    let held = store.witness()?;
    let check = (held.next_id, held.pages, store.audit_count()?, store.audit_head()?);
    if check != (header.next_id, header.pages, header.audit_entries, header.audit_head.clone()) {
        return Err(damaged(file, "the restored store does not hold what the backup says it held"));
    }
    Ok(RestoreSummary { header, records, images })
}

fn get_bytes(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    read_len(r, u32::from_be_bytes(len) as u64)
}

/// `len` bytes, the buffer growing as they arrive: a damaged length is a
/// short read, not a huge allocation.
fn read_len(r: &mut impl Read, len: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(len.min(1 << 20) as usize);
    r.take(len).read_to_end(&mut bytes)?;
    if (bytes.len() as u64) < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
}

/// Where `backup --out FILE` writes until it is complete.
pub fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    out.with_file_name(name)
}

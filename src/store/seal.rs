//! The seal: knowing that a store is exactly as chartmill left it, so that a
//! damaged store or one of another schema version is refused *without being
//! modified*.
//!
//! sled writes to its files whenever it opens a database (log recovery, a new
//! snapshot), even to read one record, and it has no read-only mode. A
//! damaged store handed straight to sled is changed before the damage is
//! found. So:
//!
//! * On a clean close, chartmill writes `chartmill.seal` beside sled's files:
//!   the schema version, and the length and modification time of each of
//!   sled's files.
//! * Before opening, the seal is compared with the files. If they match, the
//!   store is as chartmill left it and its schema version is read from the
//!   seal.
//! * If not (no seal after a crash or a kill, or files changed behind
//!   chartmill's back), a copy of the store is opened and read in full first,
//!   in a sibling folder that is removed afterwards. Only if the copy opens,
//!   has this schema version and every record reads is the store itself
//!   opened; otherwise it is refused, untouched.
//! * The seal is removed just before sled opens the store: from then on sled
//!   changes its files, and a crash leaves no seal behind.

use super::{open_sled, schema_check, schema_error, SCHEMA_VERSION};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

const SEAL: &str = "chartmill.seal";
const MARK: &str = "chartmill.mark";

/// chartmill's own files in the store folder; everything else is sled's.
fn is_ours(name: &str) -> bool {
    name.starts_with("chartmill.") || name == "status-snapshot.json"
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Seal {
    schema_version: u32,
    files: Vec<Stamp>,
    /// What the store held at its close.
    witness: Option<Witness>,
    /// The audit trail's head at its close (`audit.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_head: Option<String>,
}

/// Values of a store that only ever grow (the id counter and the page
/// count), noted when they are known to be on disk: at a clean close (in the
/// seal) and after each checkpoint (`chartmill.mark`). sled reads a damaged
/// record as the torn end of its log after a crash and silently recovers to
/// just before it; a reopened store holding less than its witness has lost
/// records that way, and is refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Witness {
    pub(crate) next_id: u64,
    pub(crate) pages: u64,
}

impl Witness {
    fn at_least(self, other: Witness) -> Witness {
        Witness { next_id: self.next_id.max(other.next_id), pages: self.pages.max(other.pages) }
    }
}

fn read_mark(dir: &Path) -> Option<Witness> {
    serde_json::from_slice(&std::fs::read(dir.join(MARK)).ok()?).ok()
}

/// Notes `witness` (already flushed) beside the store.
pub(super) fn write_mark(dir: &Path, witness: &Witness) -> io::Result<()> {
    write_atomically(dir, MARK, &serde_json::to_vec(witness).expect("a witness serialises"))
}

/// Writes `name` in `dir` under a temporary name, synced, then renames it
/// into place and syncs the folder.
pub(super) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))?;
    File::open(dir)?.sync_all()
}

/// One of sled's files as it was at a clean close.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Stamp {
    /// Path relative to the store folder.
    name: String,
    len: u64,
    mtime_ns: i128,
}

/// sled's files under `dir` (its folder and the `blobs` folder), sorted.
fn stamps(dir: &Path) -> io::Result<Vec<Stamp>> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(rel) = folders.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let name = rel.join(entry.file_name());
            let shown = name.to_string_lossy().into_owned();
            if rel.as_os_str().is_empty() && is_ours(&shown) {
                continue;
            }
            let meta = std::fs::symlink_metadata(entry.path())?;
            if meta.is_dir() {
                folders.push(name);
            } else {
                let mtime_ns = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
                out.push(Stamp { name: shown, len: meta.len(), mtime_ns });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn read_seal(dir: &Path) -> Option<Seal> {
    serde_json::from_slice(&std::fs::read(dir.join(SEAL)).ok()?).ok()
}

/// An advisory lock on sled's `db` file, the one sled itself takes: held, it
/// proves no other process has the store open.
struct DbLock(#[allow(dead_code)] File);

impl DbLock {
    /// `None` when another process holds the store.
    fn try_take(dir: &Path) -> io::Result<Option<DbLock>> {
        use std::os::unix::io::AsRawFd;
        let file = File::open(dir.join("db"))?;
        // SAFETY: flock on a file descriptor this function owns.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(Some(DbLock(file)));
        }
        let err = io::Error::last_os_error();
        if err.kind() == io::ErrorKind::WouldBlock {
            Ok(None)
        } else {
            Err(err)
        }
    }
}

/// Checks an existing store before sled may open it: not in use, sled's
/// files present, and either sealed at a schema version from `oldest` to
/// this one or checked on a copy. Then removes the seal, and returns the
/// audit head it recorded.
pub(super) fn check_before_open(path: &Path, oldest: u32) -> Result<Option<String>> {
    let damaged = |detail: &str| Error::StoreDamaged { path: path.to_path_buf(), detail: detail.to_string() };
    let io_err = |source| Error::Io { path: path.to_path_buf(), source };
    match (path.join("conf").is_file(), path.join("db").is_file()) {
        (true, true) => {}
        (false, false) => return Err(damaged("the folder holds no sled database")),
        (true, false) => return Err(damaged("its database file `db` is missing")),
        (false, true) => return Err(damaged("its configuration file `conf` is missing")),
    }
    let Some(_lock) = DbLock::try_take(path).map_err(io_err)? else {
        return Err(Error::StoreInUse { path: path.to_path_buf() });
    };
    let seal = read_seal(path);
    let audit_head = seal.as_ref().and_then(|s| s.audit_head.clone());
    let witness =
        seal.as_ref().and_then(|s| s.witness).unwrap_or_default().at_least(read_mark(path).unwrap_or_default());
    match seal {
        Some(seal) if seal.files == stamps(path).map_err(io_err)? => {
            if !(oldest..=SCHEMA_VERSION).contains(&seal.schema_version) {
                return Err(schema_error(path, &seal.schema_version.to_string()));
            }
        }
        _ => check_a_copy(path, witness, oldest)?,
    }
    match std::fs::remove_file(path.join(SEAL)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(e)),
        _ => Ok(audit_head),
    }
}

/// Opens a copy of the store and reads every record of it.
fn check_a_copy(path: &Path, witness: Witness, oldest: u32) -> Result<()> {
    // Said always: on a large store the check takes a while (a copy and a full read).
    log::warn!("store {} was not closed cleanly: checking a copy of it before opening it", path.display());
    let started = std::time::Instant::now();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "store".into());
    let copy = path.with_file_name(format!(".{name}.check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    let result = copy_store(path, &copy)
        .map_err(|source| Error::Io { path: copy.clone(), source })
        .and_then(|()| read_all(path, &copy, witness, oldest));
    let _ = std::fs::remove_dir_all(&copy);
    log::info!("store {} checked in {:.1} s", path.display(), started.elapsed().as_secs_f64());
    result
}

fn copy_store(from: &Path, to: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(to)?;
    for stamp in stamps(from)? {
        let target = to.join(&stamp.name);
        if let Some(parent) = target.parent() {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
        }
        // On Linux this is copy_file_range: a reflink where the file system has them.
        std::fs::copy(from.join(&stamp.name), &target)?;
    }
    Ok(())
}

/// Opens the copy at `copy`, reads every record and checks it holds at least
/// `witness`; errors name `shown`.
fn read_all(shown: &Path, copy: &Path, witness: Witness, oldest: u32) -> Result<()> {
    let db = open_sled(shown, copy)?;
    schema_check(shown, &db, oldest)?;
    let damaged = |e: sled::Error| Error::StoreDamaged {
        path: shown.to_path_buf(),
        detail: match e {
            sled::Error::Corruption { .. } => "its log is corrupted".into(),
            e => format!("a record cannot be read ({e})"),
        },
    };
    for name in db.tree_names() {
        let tree = db.open_tree(&name).map_err(damaged)?;
        for item in tree.iter() {
            item.map_err(damaged)?;
        }
    }
    let held = super::witness_of(shown, &db)?;
    if held.next_id < witness.next_id || held.pages < witness.pages {
        return Err(Error::StoreDamaged {
            path: shown.to_path_buf(),
            detail: format!(
                "its log is damaged: it reads back {} pages where {} were stored, so records after the damage would be lost",
                held.pages, witness.pages
            ),
        });
    }
    Ok(())
}

/// Writes the seal when the store closes cleanly. Dropped after sled's
/// handles (see `Store`'s field order), so sled's files are final.
pub(super) struct OnClose {
    path: PathBuf,
    /// The schema version of the store's data, written into the seal.
    pub(super) version: u32,
    /// Set by `Store::drop` when the last flush succeeded.
    pub(super) clean: bool,
    /// Set by `Store::drop` before that flush.
    pub(super) witness: Option<Witness>,
    pub(super) audit_head: Option<String>,
}

impl OnClose {
    pub(super) fn new(path: &Path, version: u32) -> OnClose {
        OnClose { path: path.to_path_buf(), version, clean: false, witness: None, audit_head: None }
    }
}

impl Drop for OnClose {
    fn drop(&mut self) {
        if !self.clean {
            return;
        }
        if let Err(e) = write_seal(&self.path, self.version, self.witness, self.audit_head.take()) {
            log::warn!("store {}: cannot write its seal ({e}); the next open checks a copy first", self.path.display());
        }
    }
}

/// How long a closing store waits for its lock. sled's background threads
/// may keep the file, and with it the lock, for a moment after the last
/// handle is dropped (seen under load: the seal was then not written).
const SEAL_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

fn write_seal(dir: &Path, version: u32, witness: Option<Witness>, audit_head: Option<String>) -> io::Result<()> {
    let deadline = std::time::Instant::now() + SEAL_LOCK_WAIT;
    let _lock = loop {
        match DbLock::try_take(dir)? {
            Some(lock) => break lock,
            None if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(10)),
            // Another process opened the store the moment sled let it go:
            // no seal, so the next open checks a copy first.
            None => return Ok(()),
        }
    };
    let seal = Seal { schema_version: version, files: stamps(dir)?, witness, audit_head };
    write_atomically(dir, SEAL, &serde_json::to_vec(&seal).expect("a seal serialises"))
}

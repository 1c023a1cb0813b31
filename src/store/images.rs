//! Page images: one file per image in `chartmill.images/` inside the store
//! folder, named by the SHA-256 of its bytes (`ab/cd/abcd…`), so the same
//! image is kept once and every read can check what it got.
//!
//! Images live beside sled, not in it: sled is a log of small records and
//! rewrites what it holds as it compacts; images are large, written once and
//! never changed. The seal (`seal.rs`) leaves `chartmill.*` alone, so a
//! crash check copies sled's files, not the images.
//!
//! Durability: an image is written under a temporary name, synced, renamed
//! to its final name, and the folder synced, before the page record that
//! names it is committed. A crash leaves at most an image no record names
//! (harmless), never a record naming a missing or partial image.

use crate::model::hex;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::crypt::Cipher;

/// The folder, inside the store folder.
pub(super) const FOLDER: &str = "chartmill.images";

pub(super) struct Images {
    dir: PathBuf,
    /// An encrypted store's: images are sealed on disk, named by the
    /// SHA-256 of what they hold (`crypt.rs`).
    crypt: Option<Arc<Cipher>>,
}

/// Why an image could not be read back.
#[derive(Debug)]
pub(super) enum ReadError {
    Io(io::Error),
    /// Its bytes do not have the SHA-256 it is named by.
    Damaged,
}

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

fn mkdir(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
}

fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

impl Images {
    pub(super) fn new(store: &Path, crypt: Option<Arc<Cipher>>) -> Images {
        Images { dir: store.join(FOLDER), crypt }
    }

    /// Where the image of this SHA-256 (hex) lives.
    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.dir.join(&sha256[..2]).join(&sha256[2..4]).join(sha256))
    }

    /// Stores `bytes` durably and returns their SHA-256 (hex). An image
    /// already stored is not written again.
    pub(super) fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let sha = hex(&Sha256::digest(bytes));
        let path = self.path_of(&sha).expect("a SHA-256 in hex names an image");
        let stored_len = bytes.len() + if self.crypt.is_some() { super::crypt::IMAGE_OVERHEAD } else { 0 };
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == stored_len as u64) {
            return Ok(sha);
        }
        let sealed = self.crypt.as_ref().map(|c| c.seal_image(bytes));
        let bytes = sealed.as_deref().unwrap_or(bytes);
        let folder = path.parent().expect("images sit in a folder");
        mkdir(folder)?;
        let tmp_dir = self.dir.join("tmp");
        mkdir(&tmp_dir)?;
        let tmp = tmp_dir.join(format!("{sha}.{}.{}", std::process::id(), TMP_SEQ.fetch_add(1, Ordering::Relaxed)));
        let written = (|| {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            sync_dir(folder)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map(|()| sha)
    }

    /// The bytes of the image named `sha256`, checked against it.
    pub(super) fn get(&self, sha256: &str) -> Result<Vec<u8>, ReadError> {
        let path = self.path_of(sha256).ok_or(ReadError::Damaged)?;
        let mut bytes = std::fs::read(path).map_err(ReadError::Io)?;
        if let Some(c) = &self.crypt {
            bytes = c.open_image(&bytes).ok_or(ReadError::Damaged)?;
        }
        if hex(&Sha256::digest(&bytes)) != sha256 {
            return Err(ReadError::Damaged);
        }
        Ok(bytes)
    }

    /// Removes what a process stopped mid-write left under `tmp/` (called
    /// once the store is open, so no other process is writing there).
    pub(super) fn clear_unfinished(&self) {
        if let Ok(entries) = std::fs::read_dir(self.dir.join("tmp")) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// Bytes and count of the image files on disk (a walk: for reports and
    /// benchmarks, not for `status`).
    pub(super) fn disk_usage(&self) -> io::Result<(u64, u64)> {
        let (mut bytes, mut files) = (0, 0);
        let Ok(top) = std::fs::read_dir(&self.dir) else { return Ok((0, 0)) };
        let mut stack: Vec<PathBuf> = top.filter_map(|e| e.ok().map(|e| e.path())).collect();
        while let Some(p) = stack.pop() {
            let meta = std::fs::symlink_metadata(&p)?;
            if meta.is_dir() {
                stack.extend(std::fs::read_dir(&p)?.filter_map(|e| e.ok().map(|e| e.path())));
            } else if p.parent().and_then(Path::file_name) != Some("tmp".as_ref()) {
                bytes += meta.len();
                files += 1;
            }
        }
        Ok((bytes, files))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_is_stored_once_under_its_hash_and_checked_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let images = Images::new(dir.path(), None);
        let sha = images.put(b"page one").unwrap();
        assert_eq!(sha, hex(&Sha256::digest(b"page one")));
        assert_eq!(images.put(b"page one").unwrap(), sha);
        assert_eq!(images.get(&sha).unwrap(), b"page one");
        assert_eq!(images.disk_usage().unwrap(), (8, 1));
        let path = images.path_of(&sha).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        std::fs::write(&path, b"page 0ne").unwrap();
        assert!(matches!(images.get(&sha), Err(ReadError::Damaged)));
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(images.get(&sha), Err(ReadError::Io(_))));
        assert!(matches!(images.get("../../etc/passwd"), Err(ReadError::Damaged)));
    }

    #[test]
    fn what_a_stopped_write_left_is_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let images = Images::new(dir.path(), None);
        images.put(b"kept").unwrap();
        std::fs::write(dir.path().join(FOLDER).join("tmp").join("half-written.123.0"), b"ha").unwrap();
        images.clear_unfinished();
        assert_eq!(std::fs::read_dir(dir.path().join(FOLDER).join("tmp")).unwrap().count(), 0);
        assert_eq!(images.disk_usage().unwrap(), (4, 1));
    }

    #[test]
    fn a_short_file_under_the_name_is_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let images = Images::new(dir.path(), None);
        let sha = images.put(b"a whole image").unwrap();
        std::fs::write(images.path_of(&sha).unwrap(), b"a who").unwrap();
        images.put(b"a whole image").unwrap();
        assert_eq!(images.get(&sha).unwrap(), b"a whole image");
    }
}

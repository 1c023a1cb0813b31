//! Encryption at rest: envelope encryption of every record and page image.
//!
//! * A random 256-bit **data key** is drawn when an encrypted store is
//!   created. Three keys are derived from it (HMAC-SHA256 with a label):
//!   one encrypts records, one page images, one keys the **index hashes**
//!   that stand in for keys that are protected health information (paths,
//!   MRNs, birth dates, batch, box and folder names).
//! * Records and images are sealed with AES-256-GCM-SIV (RFC 8452,
//!   RustCrypto): a random 96-bit nonce per value, and a mode that stays safe
//!   if two values ever draw the same nonce (it then shows only whether they
//!   were equal), so the number of values a store writes under one key is not
//!   a concern; AES-NI makes it about three times cheaper than ChaCha20 here
//!   (docs/benchmarks.md). The tag makes any change to a sealed value an
//!   error, not a wrong read.
//!   A record is compressed (LZ4) before it is sealed when that makes it
//!   smaller: sled's own compression cannot shrink ciphertext, and is off.
//! * The data key is stored only **wrapped** (sealed) by the site's
//!   **key-encryption key**, 32 bytes from a key file (mode 0400 or
//!   stricter), an environment variable or a command's output (a vault or
//!   KMS client). The wrapped key is kept in `chartmill.key` beside sled's
//!   files, read before sled opens anything (a missing or wrong key changes
//!   nothing), and copied in `meta` (`encryption`) so a backup carries it.
//!   `chartmill rekey` wraps the same data key under a new key-encryption
//!   key: nothing else is rewritten.
//!
//! See docs/security.md for what this protects against, and what not.

use crate::error::{Error, Result};
use aes_gcm_siv::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm_siv::{Aes256GcmSiv, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::{Path, PathBuf};

/// The wrapped data key's file, in the store folder.
pub(super) const KEY_FILE: &str = "chartmill.key";
/// Its copy in `meta`.
pub(super) const META_KEY: &str = "encryption";
const NONCE: usize = 12;
const TAG: usize = 16;
/// Bytes a sealed image adds.
pub(super) const IMAGE_OVERHEAD: usize = NONCE + TAG;
/// Records shorter than this are not worth compressing.
const COMPRESS_FROM: usize = 160;

/// A key-encryption key: 32 bytes.
#[derive(Clone)]
pub struct Kek([u8; 32]);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl Drop for Kek {
    fn drop(&mut self) {
        // Best effort: the compiler may have copied it elsewhere.
        self.0 = [0; 32];
    }
}

impl Kek {
    /// Parses 32 bytes written as 64 hex digits or in base64.
    pub fn parse(text: &str, from: &str) -> Result<Kek> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            super::hex_decode(t).unwrap_or_default()
        } else {
            base64::engine::general_purpose::STANDARD.decode(t).unwrap_or_default()
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::Config(format!(
                "{from}: a key is 32 bytes, written as 64 hex digits or in base64 (make one with: head -c 32 /dev/urandom | base64)"
            ))
        })?;
        Ok(Kek(key))
    }
}

/// Where the key-encryption key comes from (`[encryption]` in the
/// configuration, or `rekey`'s new key).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// A file holding the key, readable by its owner only.
    File(PathBuf),
    /// An environment variable holding the key.
    Env(String),
    /// A command (run with `sh -c`) that prints the key.
    Command(String),
}

impl KeySource {
    /// Reads the key. Errors say where it was looked for, never what was found.
    pub fn load(&self) -> Result<Kek> {
        match self {
            KeySource::File(path) => {
                use std::os::unix::fs::PermissionsExt;
                let shown = format!("key file {}", path.display());
                let meta = std::fs::metadata(path).map_err(|source| Error::Io { path: path.clone(), source })?;
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(Error::Config(format!(
                        "{shown} can be read by others (mode {mode:04o}): chmod 0400 it"
                    )));
                }
                let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.clone(), source })?;
                Kek::parse(&text, &shown)
            }
            KeySource::Env(name) => {
                let shown = format!("environment variable {name}");
                let text =
                    std::env::var(name).map_err(|_| Error::Config(format!("{shown} (the store's key) is not set")))?;
                Kek::parse(&text, &shown)
            }
            KeySource::Command(command) => {
                let out = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(command)
                    .stdin(std::process::Stdio::null())
                    .stderr(std::process::Stdio::inherit())
                    .output()
                    .map_err(|e| Error::Config(format!("key command: cannot run sh ({e})")))?;
                if !out.status.success() {
                    return Err(Error::Config(format!("key command failed ({})", out.status)));
                }
                Kek::parse(&String::from_utf8_lossy(&out.stdout), "key command's output")
            }
        }
    }
}

/// The data key, wrapped by a key-encryption key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Envelope {
    pub(super) version: u32,
    /// `aes-256-gcm-siv`.
    pub(super) aead: String,
    /// Base64: nonce ++ sealed data key.
    pub(super) wrapped: String,
    pub(super) created_at: i64,
    #[serde(default)]
    pub(super) rekeyed_at: Option<i64>,
}

const WRAP_AAD: &[u8] = b"chartmill data key v1";
const AEAD: &str = "aes-256-gcm-siv";

impl Envelope {
    fn wrap(kek: &Kek, data_key: &[u8; 32], created_at: i64, rekeyed_at: Option<i64>) -> Envelope {
        let aead = Aes256GcmSiv::new((&kek.0).into());
        let nonce = Aes256GcmSiv::generate_nonce(&mut OsRng);
        let sealed =
            aead.encrypt(&nonce, Payload { msg: data_key, aad: WRAP_AAD }).expect("sealing 32 bytes cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Envelope {
            version: 1,
            aead: AEAD.into(),
            wrapped: base64::engine::general_purpose::STANDARD.encode(bytes),
            created_at,
            rekeyed_at,
        }
    }

    /// The data key, if `kek` is the key it was wrapped with.
    fn unwrap(&self, kek: &Kek) -> Option<[u8; 32]> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(&self.wrapped).ok()?;
        if self.version != 1 || self.aead != AEAD || bytes.len() < NONCE {
            return None;
        }
        let aead = Aes256GcmSiv::new((&kek.0).into());
        let key =
            aead.decrypt(Nonce::from_slice(&bytes[..NONCE]), Payload { msg: &bytes[NONCE..], aad: WRAP_AAD }).ok()?;
        key.try_into().ok()
    }

    pub(super) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("an envelope serialises")
    }

    pub(super) fn from_bytes(bytes: &[u8]) -> Option<Envelope> {
        serde_json::from_slice(bytes).ok()
    }

    /// The envelope in the store folder `dir`, if it has one.
    pub(super) fn read(dir: &Path) -> Result<Option<Envelope>> {
        let path = dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => Envelope::from_bytes(&bytes).map(Some).ok_or_else(|| Error::StoreDamaged {
                path: dir.to_path_buf(),
                detail: format!("its key envelope {KEY_FILE} cannot be read"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { path, source }),
        }
    }

    /// Writes the envelope into `dir`, atomically.
    pub(super) fn write(&self, dir: &Path) -> Result<()> {
        super::seal::write_atomically(dir, KEY_FILE, &self.to_bytes())
            .map_err(|source| Error::Io { path: dir.join(KEY_FILE), source })
    }
}

/// The keys derived from a data key.
pub(super) struct Cipher {
    data_key: [u8; 32],
    records: Aes256GcmSiv,
    images: Aes256GcmSiv,
    index: Hmac<Sha256>,
}

impl Drop for Cipher {
    fn drop(&mut self) {
        self.data_key = [0; 32];
    }
}

fn derive(data_key: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(data_key).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

const RECORD_AAD: &[u8] = b"chartmill record v1";
const IMAGE_AAD: &[u8] = b"chartmill image v1";

impl Cipher {
    fn new(data_key: [u8; 32]) -> Cipher {
        let records = Aes256GcmSiv::new((&derive(&data_key, b"chartmill records v1")).into());
        let images = Aes256GcmSiv::new((&derive(&data_key, b"chartmill images v1")).into());
        let index = <Hmac<Sha256> as Mac>::new_from_slice(&derive(&data_key, b"chartmill index v1"))
            .expect("HMAC takes any key length");
        Cipher { data_key, records, images, index }
    }

    /// A new store's data key, and its envelope under `kek`.
    pub(super) fn create(kek: &Kek) -> (Cipher, Envelope) {
        let mut data_key = [0u8; 32];
        getrandom::getrandom(&mut data_key).expect("the operating system's random source");
        let envelope = Envelope::wrap(kek, &data_key, crate::model::now(), None);
        (Cipher::new(data_key), envelope)
    }

    /// The cipher of a store whose envelope is `envelope`; `None` for a
    /// key that is not the one it was wrapped with.
    pub(super) fn open(envelope: &Envelope, kek: &Kek) -> Option<Cipher> {
        envelope.unwrap(kek).map(Cipher::new)
    }

    /// The same data key wrapped under `kek`.
    pub(super) fn rewrap(&self, old: &Envelope, kek: &Kek) -> Envelope {
        Envelope::wrap(kek, &self.data_key, old.created_at, Some(crate::model::now()))
    }

    /// A record sealed: nonce ++ ciphertext of a body ++ tag. The body is
    /// 0 ++ the record, or 1 ++ its length (u32 LE) ++ the record
    /// compressed with LZ4, when that is shorter.
    pub(super) fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let packed = (plain.len() >= COMPRESS_FROM).then(|| compress(plain)).flatten();
        let body = match packed.filter(|p| p.len() + 4 < plain.len()) {
            Some(p) => {
                let mut body = Vec::with_capacity(p.len() + 5);
                body.push(1);
                body.extend_from_slice(&(plain.len() as u32).to_le_bytes());
                body.extend(p);
                body
            }
            None => {
                let mut body = Vec::with_capacity(plain.len() + 1);
                body.push(0);
                body.extend_from_slice(plain);
                body
            }
        };
        seal_with(&self.records, &body, RECORD_AAD)
    }

    /// A sealed record opened; `None` when it was changed or is not one.
    pub(super) fn open_record(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let mut body = open_with(&self.records, sealed, RECORD_AAD)?;
        match *body.first()? {
            0 => {
                body.remove(0);
                Some(body)
            }
            1 if body.len() >= 5 => {
                let len = u32::from_le_bytes(body[1..5].try_into().ok()?) as usize;
                decompress(&body[5..], len)
            }
            _ => None,
        }
    }

    pub(super) fn seal_image(&self, plain: &[u8]) -> Vec<u8> {
        seal_with(&self.images, plain, IMAGE_AAD)
    }

    pub(super) fn open_image(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        open_with(&self.images, sealed, IMAGE_AAD)
    }

    /// The index hash of `bytes` in the index `label` names.
    pub(super) fn index(&self, label: &str, bytes: &[u8]) -> [u8; 32] {
        let mut mac = self.index.clone();
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(bytes);
        mac.finalize().into_bytes().into()
    }
}

fn seal_with(aead: &Aes256GcmSiv, plain: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce = Aes256GcmSiv::generate_nonce(&mut OsRng);
    let sealed = aead.encrypt(&nonce, Payload { msg: plain, aad }).expect("sealing in memory cannot fail");
    let mut out = Vec::with_capacity(NONCE + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend(sealed);
    out
}

fn open_with(aead: &Aes256GcmSiv, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE + TAG {
        return None;
    }
    aead.decrypt(Nonce::from_slice(&sealed[..NONCE]), Payload { msg: &sealed[NONCE..], aad }).ok()
}

/// LZ4 (lz4_flex): no entropy tables to build, so a small record opens in
/// a few microseconds.
fn compress(bytes: &[u8]) -> Option<Vec<u8>> {
    Some(lz4_flex::block::compress(bytes))
}

fn decompress(bytes: &[u8], len: usize) -> Option<Vec<u8>> {
    lz4_flex::block::decompress(bytes, len).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek(b: u8) -> Kek {
        Kek([b; 32])
    }

    #[test]
    fn records_and_images_round_trip_and_any_change_is_refused() {
        let (c, envelope) = Cipher::create(&kek(1));
        let text = "HISTORY AND PHYSICAL ".repeat(20);
        let sealed = c.seal(text.as_bytes());
        assert!(sealed.len() < text.len(), "compressed before sealing");
        assert!(!sealed.windows(7).any(|w| w == b"HISTORY"));
        assert_eq!(c.open_record(&sealed).unwrap(), text.as_bytes());
        assert_ne!(c.seal(b"x"), c.seal(b"x"), "a new nonce each time");
        assert_eq!(c.open_record(&c.seal(b"")).unwrap(), b"");
        for i in 0..sealed.len() {
            let mut changed = sealed.clone();
            changed[i] ^= 1;
            assert!(c.open_record(&changed).is_none(), "byte {i}");
        }
        let image = vec![7u8; 1000];
        assert_eq!(c.open_image(&c.seal_image(&image)).unwrap(), image);
        assert!(c.open_record(&c.seal_image(&image)).is_none(), "an image is not a record");
        // The envelope opens with its key only; rewrapped, with the new one only.
        assert!(Cipher::open(&envelope, &kek(2)).is_none());
        let again = Cipher::open(&envelope, &kek(1)).unwrap();
        assert_eq!(again.open_record(&sealed).unwrap(), text.as_bytes());
        let rewrapped = again.rewrap(&envelope, &kek(3));
        assert!(Cipher::open(&rewrapped, &kek(1)).is_none());
        assert_eq!(Cipher::open(&rewrapped, &kek(3)).unwrap().open_record(&sealed).unwrap(), text.as_bytes());
        // Index hashes: keyed, and one per index.
        assert_eq!(c.index("paths", b"/a"), again.index("paths", b"/a"));
        assert_ne!(c.index("paths", b"/a"), c.index("mrn", b"/a"));
        let (other, _) = Cipher::create(&kek(1));
        assert_ne!(c.index("paths", b"/a"), other.index("paths", b"/a"));
    }

    #[test]
    fn keys_parse_from_hex_or_base64_only() {
        assert!(Kek::parse(&"ab".repeat(32), "t").is_ok());
        assert!(Kek::parse(&base64::engine::general_purpose::STANDARD.encode([9u8; 32]), "t").is_ok());
        for bad in ["", "short", &"ab".repeat(31), "correct horse battery staple"] {
            let e = Kek::parse(bad, "test key").unwrap_err().to_string();
            assert!(e.contains("test key: a key is 32 bytes"), "{e}");
        }
        let e = Kek::parse("correct horse battery staple", "test key").unwrap_err().to_string();
        assert!(!e.contains("horse"), "the key's text is never shown: {e}");
    }
}

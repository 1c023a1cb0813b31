//! Where a command writes and which store it uses. On its own (`Console::standard`)
//! a command writes to the process's standard output and error and opens the
//! store itself. Run by `chartmill serve` for a client ([`crate::remote`]), it
//! writes to the client's terminal over the socket and uses the store the
//! server holds: sled lets one process open a store, and the command's code
//! is the same either way.

use crate::error::{Error, Result};
use crate::progress::Lines;
use crate::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A command's standard output or error.
pub type Writer = Box<dyn Write + Send>;

/// How a command running on its own opens its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Created if it does not exist ([`Store::open`]).
    Create,
    /// It must exist ([`Store::open_existing`]).
    Existing,
    /// It must exist; waits a moment if a short command holds it
    /// (`cli::open_for_reading`).
    Reading,
}

/// A command's output and store.
pub struct Console {
    pub out: Writer,
    pub err: Writer,
    /// The server's store and the (absolute) path it was opened at.
    shared: Option<(Arc<Store>, PathBuf)>,
    /// Where an ingest's plain progress lines go instead of the process's
    /// standard error (a forwarded ingest: the client's, never a bar).
    progress: Option<Lines>,
    /// A new password the client read (`users add`, `users reset-password`).
    password: Option<String>,
    /// Where the key of an encrypted store comes from (`[encryption]`).
    key_source: Option<crate::store::KeySource>,
}

impl Console {
    /// Standard output and error; each command opens its own store.
    pub fn standard() -> Console {
        Console {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            shared: None,
            progress: None,
            password: None,
            key_source: None,
        }
    }

    /// A command the server runs for a client: `out` and `err` reach the
    /// client, `progress` too (ingest), and the store is the server's,
    /// opened at `store_path`.
    pub fn serving(out: Writer, err: Writer, progress: Writer, store: Arc<Store>, store_path: PathBuf) -> Console {
        Console {
            out,
            err,
            shared: Some((store, store_path)),
            progress: Some(Lines::new(progress)),
            password: None,
            key_source: None,
        }
    }

    /// The new password the client read, for the `users` commands.
    pub fn with_password(mut self, password: Option<String>) -> Console {
        self.password = password;
        self
    }

    /// Where the store's key comes from, for a command opening its own store.
    pub fn set_key_source(&mut self, source: Option<crate::store::KeySource>) {
        self.key_source = source;
    }

    /// The site's keys (read from their source now), for opening a store.
    pub fn keys(&self) -> Result<crate::store::Keys> {
        match &self.key_source {
            Some(source) => crate::store::Keys::from_source(source),
            None => Ok(crate::store::Keys::none()),
        }
    }

    /// Whether the command runs in a server, on its store.
    pub fn is_served(&self) -> bool {
        self.shared.is_some()
    }

    /// The store at `path`: the server's when the command runs in one
    /// (refused if `path` is another store), else opened as `how` says
    /// and closed (sealed) when the command drops it.
    pub fn store(&self, path: &Path, how: Open) -> Result<Arc<Store>> {
        if let Some((store, served)) = &self.shared {
            if !same_folder(path, served) {
                return Err(Error::Config(format!(
                    "this server holds the store {}, not {}",
                    served.display(),
                    path.display()
                )));
            }
            return Ok(store.clone());
        }
        let keys = self.keys()?;
        Ok(Arc::new(match how {
            Open::Create => Store::open_keyed(path, &keys)?,
            Open::Existing => Store::open_existing_keyed(path, &keys)?,
            Open::Reading => crate::cli::open_for_reading(path, &keys)?,
        }))
    }

    /// Where a forwarded ingest's progress lines go (`None`: standard error).
    pub fn progress_lines(&self) -> Option<Lines> {
        self.progress.clone()
    }

    /// The password the client sent, once.
    pub fn take_password(&mut self) -> Option<String> {
        self.password.take()
    }
}

/// Whether two paths name the same folder (through symbolic links too).
fn same_folder(a: &Path, b: &Path) -> bool {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| std::path::absolute(p).unwrap_or(p.into()));
    real(a) == real(b)
}

/// `println!` to a console's standard output; a write error is ignored (a
/// client that went away does not stop the command).
macro_rules! outln {
    ($con:expr) => {{
        let _ = ::std::io::Write::write_all(&mut $con.out, b"\n");
    }};
    ($con:expr, $($arg:tt)*) => {{
        let _ = ::std::io::Write::write_fmt(&mut $con.out, format_args!("{}\n", format_args!($($arg)*)));
    }};
}

/// `print!` to a console's standard output.
macro_rules! out {
    ($con:expr, $($arg:tt)*) => {{
        let _ = ::std::io::Write::write_fmt(&mut $con.out, format_args!($($arg)*));
    }};
}

/// `eprintln!` to a console's standard error.
macro_rules! errln {
    ($con:expr, $($arg:tt)*) => {{
        let _ = ::std::io::Write::write_fmt(&mut $con.err, format_args!("{}\n", format_args!($($arg)*)));
    }};
}

pub(crate) use {errln, out, outln};

//! The command line while `chartmill serve` holds a store. sled lets one
//! process open a store; while a server holds it, the commands on that store
//! (ingest, status, review, export ...) go to the server over a Unix socket
//! in the store's folder (`chartmill.sock`, its owner's only), run there by
//! the same code ([`crate::cli::run`]) on the server's open store, and their
//! output and exit code come back.
//!
//! The protocol is JSON lines. The client sends one request,
//! `{"argv": [...], "cwd": "...", "user": "...", "password": ..., "config": ...}`
//! (`password`: the new password of `users add` or `users reset-password`,
//! read on the client; `config`: the client's site configuration file),
//! and the server answers with `{"out": "..."}` and `{"err": "..."}` as the
//! command writes, then `{"exit": N}`.
//!
//! A command runs to its end whatever its client does: a client that goes
//! away (Ctrl-C) stops reading, not the command. One ingest runs at a time;
//! the next waits for it. A stopping server waits for the commands under way.

use crate::cli::{Cli, Command};
use crate::config::exit;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::store::Store;
use clap::Parser;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, TryLockError};
use std::time::Duration;

/// The socket's name in the store's folder. chartmill's own files there
/// start with `chartmill.`: the seal does not take it for one of sled's.
pub const SOCKET: &str = "chartmill.sock";

/// How long the server waits for a client's request (the client may be
/// asking for a new password first).
const REQUEST_WAIT: Duration = Duration::from_secs(300);
/// How long the server waits for a client to take a reply; after that the
/// client is taken for gone and the command goes on without it.
const REPLY_WAIT: Duration = Duration::from_secs(60);
/// The largest request.
const MAX_REQUEST: u64 = 1 << 20;
/// Output is sent a line at a time, or in pieces of this size.
const PIECE: usize = 8192;

#[derive(Debug, Serialize, Deserialize)]
struct Request {
    argv: Vec<String>,
    /// The client's working folder: relative paths are the client's.
    cwd: String,
    /// The client's login name, for the audit trail.
    user: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    config: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Reply {
    Out(String),
    Err(String),
    Exit(u8),
}

// ----- the client -----

/// Runs the command in the server that holds its store, if one does:
/// `None` when none does (the command runs here), else its exit code.
/// Commands that do not use the store never go to a server.
pub fn forward(cli: &Cli, argv: &[OsString]) -> Option<Result<u8>> {
    if !cli.command.uses_store() {
        return None;
    }
    let store = cli.store_path();
    // No socket, or a stale one a server killed left behind: no server.
    let conn = connect(&store).ok()?;
    Some(submit(cli, argv, conn, &store.join(SOCKET)))
}

/// Runs a command in the server that holds the store at `store`, as `user`
/// would from a terminal of the server's account, and hands each piece of
/// its output to `sink` (`true`: its standard output). The workstation's
/// jobs (an administrator's ingest or export) go this way, so they take
/// their turn with the command line's (one ingest at a time).
pub fn run_as_client(
    store: &Path,
    argv: Vec<String>,
    user: &str,
    config: Option<&Path>,
    mut sink: impl FnMut(bool, &str),
) -> Result<u8> {
    let socket = store.join(SOCKET);
    let io = |e| Error::Io { path: socket.clone(), source: e };
    let conn = connect(store).map_err(io)?;
    let request = Request {
        argv,
        cwd: absolute(store).to_string_lossy().into_owned(),
        user: user.to_string(),
        password: None,
        config: config.map(|c| absolute(c).to_string_lossy().into_owned()),
    };
    let mut line = serde_json::to_vec(&request).map_err(|e| Error::Config(format!("request: {e}")))?;
    line.push(b'\n');
    (&conn).write_all(&line).map_err(io)?;
    for line in BufReader::new(&conn).lines() {
        match serde_json::from_str::<Reply>(&line.map_err(io)?) {
            Ok(Reply::Out(text)) => sink(true, &text),
            Ok(Reply::Err(text)) => sink(false, &text),
            Ok(Reply::Exit(code)) => return Ok(code),
            Err(e) => return Err(Error::Config(format!("the server's reply is not understood ({e})"))),
        }
    }
    Err(Error::Config("the server stopped before the command ended".into()))
}

fn submit(cli: &Cli, argv: &[OsString], conn: UnixStream, socket: &Path) -> Result<u8> {
    let utf8 = |s: &std::ffi::OsStr| {
        s.to_str().map(str::to_string).ok_or_else(|| {
            Error::Config(format!(
                "{} is not UTF-8 and cannot go to the server that holds the store: stop the server, or rename it",
                s.to_string_lossy()
            ))
        })
    };
    let cwd = std::env::current_dir().map_err(|e| Error::Io { path: ".".into(), source: e })?;
    let config = crate::cli::config_path(cli.config.clone()).map(|p| absolute(&p));
    let password = match cli.command.new_password() {
        Some(from_stdin) => Some(crate::commands::read_new_password_here(from_stdin)?),
        None => None,
    };
    let request = Request {
        argv: argv.iter().map(|a| utf8(a)).collect::<Result<_>>()?,
        cwd: utf8(cwd.as_os_str())?,
        user: crate::review::user(None),
        password,
        config: config.map(|c| utf8(c.as_os_str())).transpose()?,
    };
    let io = |e| Error::Io { path: socket.to_path_buf(), source: e };
    let mut line = serde_json::to_vec(&request).map_err(|e| Error::Config(format!("request: {e}")))?;
    line.push(b'\n');
    (&conn).write_all(&line).map_err(io)?;
    // A closed standard output (`| head`) or error is not the command's end:
    // the replies are read to the exit code.
    for line in BufReader::new(&conn).lines() {
        let line = line.map_err(io)?;
        match serde_json::from_str::<Reply>(&line) {
            Ok(Reply::Out(text)) => {
                let mut out = io::stdout().lock();
                let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
            }
            Ok(Reply::Err(text)) => {
                let _ = io::stderr().lock().write_all(text.as_bytes());
            }
            Ok(Reply::Exit(code)) => return Ok(code),
            Err(e) => return Err(Error::Config(format!("the server's reply is not understood ({e})"))),
        }
    }
    Err(Error::Config(
        "the server stopped answering before the command ended (an ingest resumes at its next run)".into(),
    ))
}

// ----- the server -----

/// The server's end of the socket: accepts the command line's requests
/// until dropped. Dropping it stops accepting, removes the socket, waits for
/// the commands under way and lets go of the store.
pub struct Listener {
    socket: PathBuf,
    dir: PathBuf,
    served: Arc<Served>,
    accepting: Option<std::thread::JoinHandle<()>>,
}

/// What every request uses.
struct Served {
    /// Absolute.
    store_path: PathBuf,
    /// The server's site configuration file (absolute), if any.
    config: Option<PathBuf>,
    /// Held by the ingest under way.
    ingest: Mutex<()>,
    state: Mutex<State>,
    /// Signalled when a command ends.
    ended: Condvar,
}

struct State {
    /// The server's store; `None` once the server is stopping.
    store: Option<Arc<Store>>,
    /// Commands under way.
    running: usize,
}

impl Served {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The store for a command, counted until the [`Running`] is dropped;
    /// `None` when the server is stopping.
    fn begin(self: &Arc<Served>) -> Option<(Arc<Store>, Running)> {
        let mut state = self.state();
        let store = state.store.clone()?;
        state.running += 1;
        Some((store, Running(self.clone())))
    }

    fn stopping(&self) -> bool {
        self.state().store.is_none()
    }
}

/// A command under way.
struct Running(Arc<Served>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.state().running -= 1;
        self.0.ended.notify_all();
    }
}

/// Listens on `STORE/chartmill.sock` for the command line's requests on
/// `store` (open at `store_path`), each run on its own thread. `config` is
/// the server's site configuration file: the commands use it.
pub fn listen(store: Arc<Store>, store_path: &Path, config: Option<PathBuf>) -> Result<Listener> {
    use std::os::unix::fs::PermissionsExt;
    let dir = absolute(store_path);
    let socket = dir.join(SOCKET);
    let io = |source| Error::Io { path: socket.clone(), source };
    if std::fs::symlink_metadata(&socket).is_ok() {
        if connect(&dir).is_ok() {
            return Err(Error::Config(format!("a server already serves the store {}", dir.display())));
        }
        // Left by a server that did not stop cleanly.
        std::fs::remove_file(&socket).map_err(io)?;
    }
    // The umask (077) makes it the owner's from the start; said again here.
    let listener = with_socket_path(&dir, |p| UnixListener::bind(p)).map_err(io)?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    let served = Arc::new(Served {
        store_path: dir.clone(),
        config: config.map(|c| absolute(&c)),
        ingest: Mutex::new(()),
        state: Mutex::new(State { store: Some(store), running: 0 }),
        ended: Condvar::new(),
    });
    let accepting = {
        let served = served.clone();
        std::thread::Builder::new()
            .name("chartmill-local".into())
            .spawn(move || accept(listener, served))
            .map_err(|e| Error::Config(format!("cannot start the command line's listener: {e}")))?
    };
    Ok(Listener { socket, dir, served, accepting: Some(accepting) })
}

fn accept(listener: UnixListener, served: Arc<Served>) {
    for conn in listener.incoming() {
        if served.stopping() {
            break;
        }
        let conn = match conn {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors, say: try again in a moment.
                log::warn!("command line socket: {e}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let served = served.clone();
        let spawned =
            std::thread::Builder::new().name("chartmill-command".into()).spawn(move || serve_one(conn, &served));
        if let Err(e) = spawned {
            log::warn!("cannot start a thread for a command: {e}");
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        // From here no command starts, and the store is the server's alone
        // again once those under way end.
        let store = self.served.state().store.take();
        // A connection wakes the accepting thread, which sees that.
        if connect(&self.dir).is_ok() {
            if let Some(t) = self.accepting.take() {
                let _ = t.join();
            }
        }
        let _ = std::fs::remove_file(&self.socket);
        let mut state = self.served.state();
        if state.running > 0 {
            eprintln!(
                "stopping: waiting for {} command(s) of the command line to end (an ingest finishes its batch; \
                 Ctrl-C again stops at once, and the next run resumes it)",
                state.running
            );
            // The web server's signal handlers went with its runtime: the
            // next Ctrl-C or SIGTERM ends the process.
            // SAFETY: restores the default action of two signals.
            unsafe {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGTERM, libc::SIG_DFL);
            }
        }
        while state.running > 0 {
            state = self.served.ended.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        drop(state);
        drop(store);
    }
}

/// Reads one request, runs it, sends its exit code. A thread waiting for
/// its request holds nothing of the store (a stopping server does not wait
/// for it).
fn serve_one(conn: UnixStream, served: &Arc<Served>) {
    let _ = conn.set_read_timeout(Some(REQUEST_WAIT));
    let _ = conn.set_write_timeout(Some(REPLY_WAIT));
    let mut line = String::new();
    let read = BufReader::new((&conn).take(MAX_REQUEST)).read_line(&mut line);
    if read.is_err() || line.is_empty() {
        // The wake-up of a stopping server, or a client gone before asking.
        return;
    }
    let link = Link(Arc::new(Mutex::new(Conn { conn, gone: false })));
    let code = match (serde_json::from_str::<Request>(&line), served.begin()) {
        (Ok(request), Some((store, _running))) => run_request(request, served, store, &link),
        (Err(e), _) => {
            link.send(&Reply::Err(format!("error: the request is not understood ({e})\n")));
            exit::FATAL
        }
        (_, None) => {
            link.send(&Reply::Err(STOPPING.into()));
            exit::FATAL
        }
    };
    link.send(&Reply::Exit(code));
}

const STOPPING: &str =
    "error: the server that holds the store is stopping: run the command again once it has stopped\n";

fn run_request(request: Request, served: &Served, store: Arc<Store>, link: &Link) -> u8 {
    let note = |text: String| link.send(&Reply::Err(text + "\n"));
    let mut cli = match Cli::try_parse_from(&request.argv) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            link.send(&if e.use_stderr() { Reply::Err(text) } else { Reply::Out(text) });
            return if e.use_stderr() { exit::FATAL } else { exit::OK };
        }
    };
    if !cli.command.uses_store() {
        note("error: this command does not use the store: it runs without the server".into());
        return exit::FATAL;
    }
    cli.absolutize(Path::new(&request.cwd));
    cli.store.get_or_insert_with(|| served.store_path.clone());
    let asked = request.config.map(PathBuf::from);
    if asked != served.config {
        let name = |c: &Option<PathBuf>| match c {
            Some(path) => path.display().to_string(),
            None => "the built-in defaults".into(),
        };
        note(format!(
            "note: the server that holds the store runs this command with its site configuration ({}), not {}",
            name(&served.config),
            name(&asked)
        ));
    }
    cli.config = served.config.clone();
    if cli.verbose > 0 {
        note("note: the server runs this command: its diagnostic lines (-v) are in the server's log".into());
    }
    cli.command.default_user(&request.user);
    let _turn = match cli.command {
        Command::Ingest { .. } => Some(match served.ingest.try_lock() {
            Ok(turn) => turn,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => {
                note("waiting: another ingest is running in the server; this one starts when it ends".into());
                served.ingest.lock().unwrap_or_else(|p| p.into_inner())
            }
        }),
        _ => None,
    };
    if served.stopping() {
        // This ingest waited for another while the server was told to stop.
        link.send(&Reply::Err(STOPPING.into()));
        return exit::FATAL;
    }
    let mut con = Console::serving(
        Box::new(link.writer(true)),
        Box::new(link.writer(false)),
        Box::new(link.writer(false)),
        store,
        served.store_path.clone(),
    )
    .with_password(request.password);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::cli::run(cli, &mut con)));
    // Everything the command wrote goes before its exit code.
    drop(con);
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            note(format!("error: {e}"));
            exit::FATAL
        }
        Err(_) => {
            // The panic hook wrote where it happened to the server's log;
            // its message may quote input, and the client gets none of it.
            note("internal error: the command stopped (the server's log says where)".into());
            exit::FATAL
        }
    }
}

/// The connection to one client, shared by the command's writers.
#[derive(Clone)]
struct Link(Arc<Mutex<Conn>>);

struct Conn {
    conn: UnixStream,
    /// A write failed: the client is gone, the command goes on.
    gone: bool,
}

impl Link {
    fn send(&self, reply: &Reply) {
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if c.gone {
            return;
        }
        let mut line = serde_json::to_vec(reply).unwrap_or_default();
        line.push(b'\n');
        if c.conn.write_all(&line).is_err() {
            c.gone = true;
        }
    }

    /// A writer whose bytes reach the client's standard output (`out`) or error.
    fn writer(&self, out: bool) -> Piece {
        Piece { link: self.clone(), out, pending: Vec::new() }
    }
}

/// A command's standard output or error on a [`Link`]: sent a line (or a
/// piece) at a time, cut only between characters.
struct Piece {
    link: Link,
    out: bool,
    pending: Vec<u8>,
}

impl Piece {
    fn send(&mut self, upto: usize) {
        if upto == 0 {
            return;
        }
        let rest = self.pending.split_off(upto);
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending = rest;
        self.link.send(&if self.out { Reply::Out(text) } else { Reply::Err(text) });
    }
}

impl Write for Piece {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= PIECE {
            let upto = match std::str::from_utf8(&self.pending) {
                // A character cut at the end waits for its other bytes.
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                _ => self.pending.len(),
            };
            self.send(upto);
        } else if let Some(i) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.send(i + 1);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send(self.pending.len());
        Ok(())
    }
}

impl Drop for Piece {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

// ----- both -----

fn connect(store_dir: &Path) -> io::Result<UnixStream> {
    with_socket_path(store_dir, |p| UnixStream::connect(p))
}

/// `f` on the path of the socket in `dir`, made short enough for a socket
/// address (108 bytes on Linux) when it is not: through `/proc/self/fd`.
fn with_socket_path<T>(dir: &Path, f: impl FnOnce(&Path) -> io::Result<T>) -> io::Result<T> {
    use std::os::unix::io::AsRawFd;
    let path = dir.join(SOCKET);
    if path.as_os_str().len() < 100 {
        return f(&path);
    }
    let folder = std::fs::File::open(dir)?;
    f(&Path::new("/proc/self/fd").join(folder.as_raw_fd().to_string()).join(SOCKET))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(writes: &[&[u8]]) -> Vec<String> {
        let (a, b) = UnixStream::pair().unwrap();
        let link = Link(Arc::new(Mutex::new(Conn { conn: a, gone: false })));
        let mut w = link.writer(true);
        for bytes in writes {
            w.write_all(bytes).unwrap();
        }
        drop(w);
        drop(link);
        BufReader::new(b)
            .lines()
            .map(|l| match serde_json::from_str::<Reply>(&l.unwrap()).unwrap() {
                Reply::Out(text) => text,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn output_is_sent_a_line_at_a_time_and_never_cut_inside_a_character() {
        assert_eq!(pieces(&[b"a", b"b\nc", b"\n", b"d"]), ["ab\n", "c\n", "d"]);
        let long = "x".to_string() + &"é".repeat(PIECE / 2);
        let bytes = long.as_bytes();
        // The first write is a piece long and ends inside the last "é".
        let got = pieces(&[&bytes[..PIECE], &bytes[PIECE..]]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got.concat(), long, "{got:?}");
        assert!(got.iter().all(|p| !p.contains('\u{fffd}')));
    }

    fn cli(args: &str) -> Cli {
        Cli::try_parse_from(std::iter::once("chartmill").chain(args.split(' '))).unwrap()
    }

    #[test]
    fn a_command_gets_the_clients_paths_and_user_and_only_store_commands_go() {
        let cwd = Path::new("/home/ada/work");
        let mut c = cli("--store s.db ingest ./in /scans --batch b");
        c.absolutize(cwd);
        assert_eq!(c.store, Some("/home/ada/work/s.db".into()));
        let Command::Ingest { dirs, .. } = &c.command else { panic!("{c:?}") };
        assert_eq!(dirs, &[PathBuf::from("/home/ada/work/in"), "/scans".into()]);
        let mut c = cli("export --format csv --out out");
        c.absolutize(cwd);
        let Command::Export(args) = &c.command else { panic!("{c:?}") };
        assert_eq!(args.out, Some("/home/ada/work/out".into()));
        let mut c = cli("train --from-store");
        c.absolutize(cwd);
        let Command::Train { out, .. } = &c.command else { panic!("{c:?}") };
        assert_eq!(out, Path::new("/home/ada/work/models/doctype.json"), "a default path is the client's too");

        let user = |args: &str| {
            let mut c = cli(args);
            c.command.default_user("ada");
            format!("{:?}", c.command)
        };
        assert!(user("review resolve 1-1 --patient 123").contains("user: Some(\"ada\")"));
        assert!(user("review resolve 1-1 --patient 123 --user bo").contains("user: Some(\"bo\")"));
        assert!(user("users add cy --role admin").contains("user: Some(\"ada\")"));
        assert!(user("audit").contains("user: None"), "audit --user is a filter");

        let uses = |args: &str| cli(args).command.uses_store();
        assert!(uses("status") && uses("migrate") && uses("serve") && uses("debug fill --pages 1"));
        assert!(uses("train --from-store") && !uses("train --data x.csv"));
        assert!(!uses("types") && !uses("eval --data x.csv") && !uses("debug extract f.txt"));
        assert_eq!(cli("users reset-password cy --password-stdin").command.new_password(), Some(true));
        assert_eq!(cli("users disable cy").command.new_password(), None);
    }

    #[test]
    fn a_socket_in_a_folder_with_a_long_path_is_reached() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a-folder-with-a-rather-long-name".repeat(4));
        std::fs::create_dir_all(&deep).unwrap();
        let listener = with_socket_path(&deep, |p| UnixListener::bind(p)).unwrap();
        assert!(deep.join(SOCKET).exists());
        let _client = connect(&deep).unwrap();
        assert!(listener.accept().is_ok());
    }
}

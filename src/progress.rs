//! Progress for people watching a long ingest: an indicatif bar on a
//! terminal, plain periodic lines otherwise (logs, cron). Counts only: no
//! path, text or identifier is ever printed here. An ingest the server runs
//! for a client sends its plain lines to the client ([`Lines`]).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Counts {
    pub files: AtomicU64,
    pub pages: AtomicU64,
    pub failed: AtomicU64,
}

pub struct Progress {
    pub counts: Arc<Counts>,
    bar: Option<indicatif::ProgressBar>,
    stop: Arc<(Mutex<bool>, Condvar)>,
    ticker: Option<std::thread::JoinHandle<()>>,
    started: Instant,
}

/// Where plain progress lines go instead of standard error: the client's
/// terminal, for an ingest run by the server (see [`crate::remote`]).
#[derive(Clone)]
pub struct Lines(Arc<Mutex<Box<dyn Write + Send>>>);

impl Lines {
    pub fn new(to: Box<dyn Write + Send>) -> Lines {
        Lines(Arc::new(Mutex::new(to)))
    }

    /// Writes one line; a write error is ignored (a client gone away).
    fn write(&self, line: &str) {
        let mut to = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(to, "{line}");
        let _ = to.flush();
    }
}

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lines")
    }
}

fn line(counts: &Counts, total: u64, elapsed: Duration) -> String {
    let files = counts.files.load(Ordering::Relaxed);
    let pages = counts.pages.load(Ordering::Relaxed);
    let failed = counts.failed.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64().max(1e-3);
    let eta = if files > 0 && total > files {
        let left = secs / files as f64 * (total - files) as f64;
        format!("{}s", left.round() as u64)
    } else {
        "-".into()
    };
    format!("{files}/{total} files, {pages} pages, {:.2} pages/s, {failed} failed, eta {eta}", pages as f64 / secs)
}

impl Progress {
    /// `quiet` shows nothing; `every` is the interval of plain lines, which
    /// go to `to` when given (never a bar then), else to standard error.
    pub fn start(total_files: u64, quiet: bool, every: Duration, to: Option<Lines>) -> Progress {
        let counts = Arc::new(Counts::default());
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let started = Instant::now();
        let mut bar = None;
        let mut ticker = None;
        if quiet {
        } else if to.is_none() && std::io::stderr().is_terminal() {
            let b = indicatif::ProgressBar::new(total_files);
            b.set_style(
                indicatif::ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} files {msg} eta {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.enable_steady_tick(Duration::from_millis(250));
            bar = Some(b);
        } else {
            let (counts, stop) = (counts.clone(), stop.clone());
            ticker = Some(std::thread::spawn(move || {
                let (lock, cvar) = &*stop;
                let mut stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    let (guard, timeout) = cvar.wait_timeout(stopped, every).unwrap_or_else(|p| p.into_inner());
                    stopped = guard;
                    if *stopped {
                        break;
                    }
                    if timeout.timed_out() {
                        let text = format!("progress: {}", line(&counts, total_files, started.elapsed()));
                        match &to {
                            Some(to) => to.write(&text),
                            None => eprintln!("{text}"),
                        }
                    }
                }
            }));
        }
        Progress { counts, bar, stop, ticker, started }
    }

    pub fn file_done(&self) {
        self.counts.files.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    pub fn page_done(&self, failed: bool) {
        self.counts.pages.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.counts.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.refresh();
    }

    pub fn file_failed(&self) {
        self.counts.failed.fetch_add(1, Ordering::Relaxed);
    }

    fn refresh(&self) {
        if let Some(bar) = &self.bar {
            let c = &self.counts;
            let pages = c.pages.load(Ordering::Relaxed);
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            bar.set_position(c.files.load(Ordering::Relaxed));
            bar.set_message(format!(
                "{pages} pages {:.2}/s {} failed",
                pages as f64 / secs,
                c.failed.load(Ordering::Relaxed)
            ));
        }
    }

    pub fn finish(mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        {
            let (lock, cvar) = &*self.stop;
            *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
            cvar.notify_all();
        }
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

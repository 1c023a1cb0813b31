//! The diagnostic log: lines on stderr, at the level `-v` asks for.
//!
//! Levels: warnings always; `-v` adds what each run does (store checks,
//! batch start and end); `-vv` adds a line per file and per page (timings,
//! status, review reasons); `-vvv` adds per-stage detail.
//!
//! Invariant: no log line carries page text, names, MRNs or dates of birth.
//! Files are named by path, pages by file id and page number; review
//! reasons are fixed phrases. `tests/it/leaks.rs` runs a batch at `-vvv` and
//! searches the output for the samples' identifiers.

use std::io::Write;

struct StderrLog {
    level: log::LevelFilter,
}

impl log::Log for StderrLog {
    fn enabled(&self, meta: &log::Metadata) -> bool {
        meta.level() <= self.level && meta.target().starts_with("chartmill")
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            let level = record.level().as_str().to_ascii_lowercase();
            let _ = writeln!(std::io::stderr().lock(), "chartmill {level}: {}", record.args());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger; `verbosity` is the number of `-v` flags.
pub fn init(verbosity: u8) {
    let level = match verbosity {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        2 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    };
    if log::set_boxed_logger(Box::new(StderrLog { level })).is_ok() {
        log::set_max_level(level);
    }
}

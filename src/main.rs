//! The `chartmill` binary: environment set-up, argument parsing, exit codes.
//! Everything else is in the library.

use chartmill::config::exit;
use clap::Parser;
use std::process::ExitCode;

/// Tesseract's OpenMP threads fight the worker threads unless limited to one.
/// libgomp reads this when it is loaded, before `main`, so a process started
/// without it re-executes itself with it set.
fn ensure_single_openmp_thread() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    use std::os::unix::process::CommandExt;
    if let Ok(exe) = std::env::current_exe() {
        let err = std::process::Command::new(exe).args(std::env::args_os().skip(1)).env("OMP_THREAD_LIMIT", "1").exec();
        // exec only returns on failure: go on, slower but correct.
        eprintln!("warning: could not restart with OMP_THREAD_LIMIT=1 ({err}); OCR may be slow");
    }
}

/// A panic that escapes must not print its message: a decoder's message may
/// quote the input. The location is enough to find the bug.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if chartmill::error::panic_is_contained() {
            return;
        }
        let place = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        let thread = std::thread::current().name().unwrap_or("main").to_string();
        eprintln!("internal error: panic in thread {thread} at {place} (message withheld: it may quote input)");
    }));
}

/// Everything chartmill creates (the store's files, exports) holds patient
/// data: readable and writable by the owner only, whatever the umask.
fn private_files() {
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe { libc::umask(0o077) };
}

fn main() -> ExitCode {
    ensure_single_openmp_thread();
    private_files();
    install_panic_hook();
    let cli = match chartmill::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::FATAL } else { exit::OK });
        }
    };
    chartmill::logging::init(cli.verbose);
    // While `chartmill serve` holds the store, the command runs there.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let outcome = match chartmill::remote::forward(&cli, &argv) {
        Some(outcome) => outcome,
        None => chartmill::cli::run(cli, &mut chartmill::console::Console::standard()),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit::FATAL)
        }
    }
}

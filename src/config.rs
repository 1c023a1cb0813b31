//! Validated settings, built from the raw command line (see [`crate::cli`]).

use std::path::PathBuf;

/// The default store, relative to the working folder.
pub const DEFAULT_STORE: &str = "chartmill.db";
/// Environment variable that overrides the default store.
pub const STORE_ENV: &str = "CHARTMILL_STORE";

/// Exit codes, documented in the README.
pub mod exit {
    /// Everything asked for was done.
    pub const OK: u8 = 0;
    /// Done, but some files or pages failed (they are recorded and listed).
    pub const DONE_WITH_FAILURES: u8 = 1;
    /// Nothing useful could be done: bad arguments, store in use or unreadable, no OCR engine.
    pub const FATAL: u8 = 2;
}

/// The store path: `--store`, else `$CHARTMILL_STORE`, else `./chartmill.db`.
pub fn store_path(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| {
        std::env::var_os(STORE_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE))
}

/// The batch name used when `--batch` is not given: the input folders' names
/// joined with `+`, so running the same command again resumes the same batch.
pub fn default_batch_name(roots: &[PathBuf]) -> String {
    let names: Vec<String> = roots
        .iter()
        .map(|r| {
            let abs = std::path::absolute(r).unwrap_or_else(|_| r.clone());
            abs.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "root".into())
        })
        .collect();
    names.join("+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_batch_is_named_after_the_folders() {
        let roots = vec![PathBuf::from("samples/"), PathBuf::from("/archive/box-7")];
        assert_eq!(default_batch_name(&roots), "samples+box-7");
    }
}

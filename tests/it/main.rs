//! End-to-end tests: the real binary, the real Tesseract, real files.
//!
//! One test binary (see ripgrep's `tests/`); [`harness`] runs `chartmill` in
//! temporary folders. The bundled samples are ingested once and shared by
//! the tests that only read the result.

mod audit;
mod backup;
mod bad_input;
mod barcodes;
mod browser;
mod classify;
mod dashboard;
mod deploy;
mod encryption;
mod export;
mod extract;
mod filing;
mod harness;
mod leaks;
mod learning;
mod page_files;
mod remote;
mod resume;
mod review;
mod samples;
mod shards;
mod typecheck;
mod users;
mod verify;
mod web;

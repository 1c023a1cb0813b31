//! chartmill: turns archived paper medical charts into electronic records.
//!
//! See `ARCHITECTURE.md` for the map. The binary (`src/main.rs`) is a thin
//! shell over [`cli::run`].

pub mod barcode;
pub mod classify;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod dashboard;
pub mod dataset;
pub mod decode;
pub mod devtools;
pub mod documents;
pub mod error;
pub mod export;
pub mod extract;
pub mod filing;
pub mod imaging;
pub mod logging;
pub mod merge;
pub mod model;
pub mod ocr;
pub mod pipeline;
pub mod prepare;
pub mod progress;
pub mod remote;
pub mod report;
pub mod review;
pub mod server;
pub mod shard;
pub mod store;
pub mod taxonomy;
pub mod train;
pub mod users;
pub mod verify;
pub mod walk;

pub use error::{Error, InputError, Result};

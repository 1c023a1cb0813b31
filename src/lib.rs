//! chartmill: turns archived paper medical charts into electronic records.
//!
//! See `ARCHITECTURE.md` for the map. The binary (`src/main.rs`) is a thin
//! shell over [`cli::run`].

pub mod cli;
pub mod config;
pub mod decode;
pub mod devtools;
pub mod error;
pub mod model;
pub mod ocr;
pub mod pipeline;
pub mod prepare;
pub mod progress;
pub mod report;
pub mod store;
pub mod walk;

pub use error::{Error, InputError, Result};

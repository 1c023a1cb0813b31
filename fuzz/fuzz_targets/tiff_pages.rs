//! Opens the input as a TIFF and decodes up to 8 of its pages, with fuzzing
//! limits. See common/mod.rs.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: common::install_panic_hook(), |data: &[u8]| {
    common::decode_all(chartmill::model::Format::Tiff, data);
});

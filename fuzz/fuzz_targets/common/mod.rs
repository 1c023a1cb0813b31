//! What the three targets share: the panic hook, the decoding limits and the
//! decoding loop.
//!
//! Stack: inputs run on libFuzzer's main thread, whose stack is the shell's
//! `ulimit -s` (8 MiB by default). chartmill's pipeline decodes and extracts
//! on rayon workers with 64 MiB stacks (`WORKER_STACK_BYTES`,
//! src/pipeline.rs), so `scripts/fuzz` raises the limit to 64 MiB before
//! fuzzing: a deep but finite recursion that the pipeline survives is then
//! not reported. Run a target by hand the same way (`ulimit -s 65536`).
//! (Running each input on a spawned 64 MiB thread would not need that, but
//! libFuzzer's timeout report then shows only the main thread waiting.)
#![allow(dead_code)] // each target uses part of it

/// Replaces libfuzzer-sys's panic hook (print, then abort on *every* panic).
///
/// chartmill contains decoder panics on purpose (`error::contain_panic`
/// turns them into `InputError::Panic`); aborting on those would report
/// designed behaviour as crashes. So a panic inside `contain_panic` is let
/// unwind quietly, as the binary's own hook does (src/main.rs). Any other
/// panic has escaped chartmill's containment: it is printed with its
/// location and the process aborts right there, before unwinding, so
/// libFuzzer reports it as a crash with the panicking frame on the stack.
pub fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if chartmill::error::panic_is_contained() {
            return;
        }
        default_hook(info);
        std::process::abort();
    }));
}

/// What a fuzz input may make a decoder do: pages of at most 20 million
/// pixels (a letter page at 1200 dpi is 13.5 million) and 64 pages, so that
/// no input can legitimately allocate gigabytes under `-rss_limit_mb=2048`.
pub const LIMITS: chartmill::decode::Limits = chartmill::decode::Limits { max_pixels: 20_000_000, max_pages: 64 };

/// Pages decoded per input, at most: later pages exercise the same code.
pub const PAGES_DECODED: u32 = 8;

/// Opens `data` as `format` and decodes its first pages, as the pipeline
/// does (src/pipeline.rs: `decode::open`, then `Opened::page` per page).
/// Errors are expected; besides not crashing, the decoders must keep the
/// promises of src/decode/mod.rs, which are asserted here (an assertion
/// failure is an escaped panic, hence a crash):
/// * no page image over the pixel limit (it is checked before allocating);
/// * no more pages than the page limit (a TIFF may count one more: the page
///   at which its page chain breaks, so that its failure is recorded).
pub fn decode_all(format: chartmill::model::Format, data: &[u8]) {
    use chartmill::decode::RawPage;
    let Ok(opened) = chartmill::decode::open(format, data, &LIMITS) else {
        return;
    };
    let count = opened.page_count();
    let most = match format {
        chartmill::model::Format::Tiff => LIMITS.max_pages + 1,
        _ => LIMITS.max_pages,
    };
    assert!(count >= 1 && count <= most, "{} pages counted, limit {most}", count);
    for n in 1..=count.min(PAGES_DECODED) {
        match opened.page(n, &LIMITS) {
            Ok(RawPage::Image(page)) => {
                let (w, h) = page.gray.dimensions();
                assert!(w as u64 * h as u64 <= LIMITS.max_pixels, "page {n} decoded at {w} x {h}, over the limit");
                assert_eq!(page.gray.as_raw().len(), w as usize * h as usize);
            }
            Ok(RawPage::Text(_)) | Err(_) => {}
        }
    }
}

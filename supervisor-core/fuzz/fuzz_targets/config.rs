//! The config loader never panics, whatever the text ([CFG-*], issue 3).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let path = std::path::Path::new("/nonexistent-fuzz-dir/supervisord.conf");
        let _ = supervisor_core::config::load_text(path, text, &Default::default());
    }
});

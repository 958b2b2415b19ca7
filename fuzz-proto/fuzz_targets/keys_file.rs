//! Fuzz the keys-file parser (both dialects): never panics, spans stay in bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpcheck::config::Dialect;
use ntpcheck::config::keys;
use ntpcheck::source::{FileId, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text_len = SourceFile::new("k", data).text.len();
    for d in [Dialect::Classic, Dialect::Ntpsec] {
        let k = keys::parse(FileId(0), data, d);
        for diag in &k.diagnostics {
            assert!(diag.span.start <= diag.span.end && diag.span.end <= text_len);
        }
    }
});

//! Any bytes, either dialect: the loader must not panic, and every span it hands out (each
//! diagnostic, each fix edit, each value of the model) must lie inside its file and on char
//! boundaries. Crashes found are kept in `testdata/fuzz/` as regression inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, Loaded, load_bytes};
use ntpcheck::source::Span;

fn span_ok(l: &Loaded, s: Span, what: &str) {
    let files = l.sources.files();
    assert!((s.file.0 as usize) < files.len(), "{what}: unknown file {:?}", s.file);
    let text = &files[s.file.0 as usize].text;
    assert!(s.start <= s.end && s.end <= text.len(), "{what}: span {s:?} out of bounds (len {})", text.len());
    assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "{what}: span {s:?} not on char boundaries");
}

/// Every `{file, start, end}` object in the model's JSON.
fn model_spans(v: &serde_json::Value, out: &mut Vec<Span>) {
    match v {
        serde_json::Value::Object(m) => {
            if m.len() == 3 {
                if let (Some(f), Some(s), Some(e)) = (m.get("file"), m.get("start"), m.get("end")) {
                    if let (Some(f), Some(s), Some(e)) = (f.as_u64(), s.as_u64(), e.as_u64()) {
                        out.push(Span::new(ntpcheck::source::FileId(f as u32), s as usize, e as usize));
                        return;
                    }
                }
            }
            m.values().for_each(|x| model_spans(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| model_spans(x, out)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    for dialect in [Dialect::Classic, Dialect::Ntpsec] {
        let opts = LoadOptions { dialect, no_conf_dir: true, ..Default::default() };
        let l = load_bytes("fuzz.conf", data, &opts);
        for d in &l.diagnostics {
            span_ok(&l, d.span, d.code.as_str());
            if let Some(f) = &d.fix {
                for e in &f.edits {
                    span_ok(&l, e.span, "fix edit");
                }
            }
        }
        let mut spans = Vec::new();
        model_spans(&serde_json::to_value(&l.config).expect("model serialises"), &mut spans);
        for s in spans {
            span_ok(&l, s, "model");
        }
        // The printers must cope with whatever was kept.
        let _ = ntpcheck::config::saveconfig::saveconfig(&l.config);
        let _ = ntpcheck::config::print::print(&l.config);
    }
});

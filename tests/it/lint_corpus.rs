//! Every real-world config of `../shared/corpus/public` linted in every profile and both
//! dialects without a panic; prints how often each rule fires (see the closing note).

use std::collections::BTreeMap;

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_bytes};
use ntpcheck::lint::{LintOptions, Profile};

use crate::util::shared;

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = shared().join("corpus/public");
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("../shared/corpus/public")
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().to_string(), std::fs::read(e.path()).unwrap()))
        .collect();
    v.sort();
    v
}

/// The profiles the summary covers: (label, dialect, options).
pub fn profiles() -> Vec<(&'static str, Dialect, LintOptions)> {
    let p = |ps: &[Profile]| LintOptions { profiles: ps.to_vec(), ..Default::default() };
    let migrate = |t: &str| LintOptions { profiles: vec![Profile::Migrate], target: Some(t.parse().unwrap()), ..Default::default() };
    vec![
        ("default", Dialect::Classic, p(&[])),
        ("default/ntpsec", Dialect::Ntpsec, p(&[])),
        ("security", Dialect::Classic, p(&[Profile::Security])),
        ("cis", Dialect::Classic, p(&[Profile::Cis])),
        ("stig", Dialect::Classic, p(&[Profile::Stig])),
        ("pedantic", Dialect::Classic, p(&[Profile::Pedantic])),
        ("migrate->ntpsec", Dialect::Classic, migrate("ntpsec")),
        ("migrate->classic@4.2.6p5", Dialect::Classic, migrate("classic@4.2.6p5")),
        ("migrate->classic", Dialect::Ntpsec, migrate("classic")),
    ]
}

#[test]
fn corpus_lints_in_every_profile_without_panic() {
    let files = corpus();
    assert!(files.len() >= 100, "corpus missing: {} files", files.len());
    let mut report = String::new();
    for (label, d, opts) in profiles() {
        let mut fires: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
        for (name, bytes) in &files {
            let l = load_bytes(name, bytes, &LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() });
            let diags = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ntpcheck::lint::check(&l, &opts)))
                .unwrap_or_else(|_| panic!("lint panicked on {name} ({label})"));
            let mut seen: Vec<&'static str> = Vec::new();
            for x in &diags {
                // Spans stay in bounds and on character boundaries.
                let f = l.sources.get(x.span.file);
                assert!(x.span.start <= x.span.end && x.span.end <= f.text.len(), "{name}: {} span out of bounds", x.code);
                assert!(
                    f.text.is_char_boundary(x.span.start) && f.text.is_char_boundary(x.span.end),
                    "{name}: {} span splits a character",
                    x.code
                );
                let e = fires.entry(x.code.as_str()).or_default();
                e.1 += 1;
                if !seen.contains(&x.code.as_str()) {
                    seen.push(x.code.as_str());
                    e.0 += 1;
                }
            }
        }
        report.push_str(&format!("== {label}: {} files\n", files.len()));
        for (code, (nfiles, n)) in &fires {
            let c: ntpcheck::diagnostic::Code = code.parse().unwrap();
            report.push_str(&format!("{code} {:<34} {:>4} files {:>5} findings\n", c.name(), nfiles, n));
        }
    }
    println!("{report}");
    let _ = std::fs::write(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lint-corpus-summary.txt"), &report);
}

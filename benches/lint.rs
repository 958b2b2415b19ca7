//! Benchmark (prints figures; not a timed test): lint of the whole real-world corpus in one
//! process — load + the default rules, and + every profile — for both dialects, plus the rules
//! alone on configurations loaded once. Each figure is the fastest of 30 passes (the machine
//! is shared; the minimum is the stable figure). Run with `cargo bench --bench lint`.

use std::time::Instant;

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_bytes};
use ntpcheck::lint::{LintOptions, Profile};

/// Fastest of `n` passes, in seconds.
fn best(n: usize, mut pass: impl FnMut() -> usize) -> (f64, usize) {
    let mut min = f64::MAX;
    let mut out = 0;
    for _ in 0..n {
        let t = Instant::now();
        out = pass();
        min = min.min(t.elapsed().as_secs_f64());
    }
    (min, out)
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    let mut files = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            if let Ok(b) = std::fs::read(e.path()) {
                files.push((e.path().display().to_string(), b));
            }
        }
    }
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let all_profiles =
        || LintOptions { profiles: vec![Profile::Security, Profile::Cis, Profile::Stig, Profile::Pedantic], ..Default::default() };
    for d in [Dialect::Classic, Dialect::Ntpsec] {
        let lo = LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() };
        let (parse, _) = best(30, || files.iter().map(|(n, b)| load_bytes(n, b, &lo).diagnostics.len()).sum());
        let loaded: Vec<_> = files.iter().map(|(n, b)| load_bytes(n, b, &lo)).collect();
        let (rules, _) = best(30, || loaded.iter().map(|l| ntpcheck::lint::check(l, &LintOptions::default()).len()).sum());
        println!(
            "{d:?}: parse alone {:.2} ms, default rules alone {:.2} ms per pass over {} files ({bytes} bytes)",
            parse * 1e3,
            rules * 1e3,
            files.len()
        );
        for (label, opts) in [("default", LintOptions::default()), ("all profiles", all_profiles())] {
            let (el, findings) = best(30, || files.iter().map(|(n, b)| ntpcheck::lint::check(&load_bytes(n, b, &lo), &opts).len()).sum());
            println!(
                "lint corpus {d:?} ({label}): {:.2} ms per pass ({:.1} MB/s, {:.0} µs per file), {findings} findings",
                el * 1e3,
                bytes as f64 / el / 1e6,
                el * 1e6 / files.len() as f64,
            );
        }
    }
}

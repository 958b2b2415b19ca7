//! Benchmark (prints figures; not a timed test): lint of the whole real-world corpus in one
//! process — load + every default rule, and every profile — for both dialects. Run with
//! `cargo bench --bench lint`.

use std::time::Instant;

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_bytes};
use ntpcheck::lint::{LintOptions, Profile};

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
    let rounds = 20;
    for d in [Dialect::Classic, Dialect::Ntpsec] {
        let lo = LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() };
        // Parse only, for comparison.
        let t = Instant::now();
        for _ in 0..rounds {
            for (n, b) in &files {
                std::hint::black_box(load_bytes(n, b, &lo));
            }
        }
        let parse = t.elapsed().as_secs_f64() / rounds as f64;
        // Lint alone, on configurations loaded once.
        let loaded: Vec<_> = files.iter().map(|(n, b)| load_bytes(n, b, &lo)).collect();
        let t = Instant::now();
        for _ in 0..rounds {
            for l in &loaded {
                std::hint::black_box(ntpcheck::lint::check(l, &LintOptions::default()));
            }
        }
        let lint_only = t.elapsed().as_secs_f64() / rounds as f64;
        println!("lint only {d:?} (default rules, pre-loaded): {:.2} ms per pass over {} files", lint_only * 1e3, files.len());
        for (label, opts) in [("default", LintOptions::default()), ("all profiles", all_profiles())] {
            let t = Instant::now();
            let mut findings = 0;
            for _ in 0..rounds {
                for (n, b) in &files {
                    let l = load_bytes(n, b, &lo);
                    findings += ntpcheck::lint::check(&l, &opts).len();
                }
            }
            let el = t.elapsed().as_secs_f64() / rounds as f64;
            println!(
                "lint corpus {d:?} ({label}): {} files, {bytes} bytes: {:.2} ms per pass (parse alone {:.2} ms; {:.1} MB/s; {:.0} µs per file), {} findings",
                files.len(),
                el * 1e3,
                parse * 1e3,
                bytes as f64 / el / 1e6,
                el * 1e6 / files.len() as f64,
                findings / rounds
            );
        }
    }
}

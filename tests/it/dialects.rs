//! Golden tests for the classic-vs-NTPsec differences (reference §4–§16, peers.md §5): each
//! `testdata/invalid/dialect-*.conf` holds one difference per line, and `NAME.golden` beside it
//! says, per line, what ntpcheck reports in each dialect (`ok`, or `CODE/effect` items). Both
//! daemons' verdicts on the same files are checked by `corpus_classic`, `ntpsec_oracle` and
//! `semantic`, so a golden line is what the real daemons do. Regenerate after a reviewed change
//! with `NTPCHECK_BLESS=1 cargo test dialects`.

use std::fmt::Write as _;

use ntpcheck::config::Dialect::{Classic, Ntpsec};
use ntpcheck::config::load::{LoadOptions, Loaded, load_bytes};
use ntpcheck::config::saveconfig::saveconfig;
use ntpcheck::diagnostic::DaemonEffect;

use crate::util::root;

fn effect(e: DaemonEffect) -> &'static str {
    match e {
        DaemonEffect::LineIgnored => "line-ignored",
        DaemonEffect::PartiallyApplied => "partial",
        DaemonEffect::None => "applied",
    }
}

fn per_line(l: &Loaded, line: usize) -> String {
    let mut v: Vec<String> = l
        .diagnostics
        .iter()
        .filter(|d| d.span.file.0 == 0 && l.sources.get(d.span.file).line_col(d.span.start).0 == line)
        .map(|d| format!("{}/{}", d.code, effect(d.daemon_effect)))
        .collect();
    v.dedup();
    if v.is_empty() { "ok".into() } else { v.join(",") }
}

fn golden_text(name: &str, bytes: &[u8]) -> String {
    let load = |d| load_bytes(name, bytes, &LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() });
    let (c, s) = (load(Classic), load(Ntpsec));
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let _ = writeln!(out, "{:>2} {line}\n     classic: {}\n     ntpsec:  {}", i + 1, per_line(&c, i + 1), per_line(&s, i + 1));
    }
    let _ = writeln!(out, "-- classic saveconfig\n{}", saveconfig(&c.config));
    out
}

#[test]
fn dialect_differences_golden() {
    let dir = root().join("testdata").join("invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf") && p.file_name().unwrap().to_string_lossy().starts_with("dialect-"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "expected the dialect-*.conf golden cases, found {}", files.len());
    let bless = std::env::var("NTPCHECK_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for p in files {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let got = golden_text(&name, &std::fs::read(&p).unwrap());
        let gp = p.with_extension("golden");
        if bless {
            std::fs::write(&gp, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&gp).unwrap_or_else(|e| panic!("{}: {e}", gp.display()));
        if want != got {
            failures.push(format!("{name}:\n--- golden\n{want}\n--- ntpcheck\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Every file of `../shared/corpus/public` against what a real classic ntpd 4.2.8p18 said
//! about it (`../shared/corpus/oracle/NAME.classic.txt`): the `saveconfig` dump must be equal
//! line for line, and the lines ntpd reported while parsing must be the lines we report.

use std::path::Path;

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_path};
use ntpcheck::config::saveconfig::saveconfig;

use crate::util::{known_differences, line_difference, shared};

fn corpus() -> Vec<std::path::PathBuf> {
    let dir = shared().join("corpus").join("public");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus missing at {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    v.sort();
    assert!(v.len() >= 100, "expected the 117-file corpus, found {}", v.len());
    v
}

fn oracle(name: &str, impl_: &str) -> String {
    let p = shared().join("corpus").join("oracle").join(format!("{name}.{impl_}.txt"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn load(p: &Path, d: Dialect) -> ntpcheck::config::load::Loaded {
    // The oracle ran ntpd with its working directory set to the config's directory.
    let opts = LoadOptions { dialect: d, classic_cwd: p.parent().map(|x| x.to_path_buf()), no_conf_dir: true };
    load_path(p, &opts).expect("readable")
}

#[test]
fn classic_saveconfig_equals_oracle_dump() {
    let known = known_differences();
    let mut failures = Vec::new();
    for p in corpus() {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        if known.iter().any(|(n, d)| *n == name && d == "classic-dump") {
            continue;
        }
        let o = oracle(&name, "classic");
        let want: String = match o.split_once("SAVED:\n") {
            Some((_, s)) => s.to_string(),
            None => continue,
        };
        let got = saveconfig(&load(&p, Dialect::Classic).config);
        if got.trim_end() != want.trim_end() {
            failures.push(format!("{name}:\n--- classic ntpd\n{want}\n--- ntpcheck\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{} file(s) differ:\n{}", failures.len(), failures.join("\n"));
}

fn compare_lines(impl_: &str, ntpsec: bool) {
    let known = known_differences();
    let d = if ntpsec { Dialect::Ntpsec } else { Dialect::Classic };
    let mut failures = Vec::new();
    for p in corpus() {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        if known.iter().any(|(n, k)| *n == name && k == impl_) {
            continue;
        }
        let l = load(&p, d);
        if let Some((want, got)) = line_difference(&oracle(&name, impl_), &l, ntpsec) {
            failures.push(format!("{name}: {impl_} reports lines {want:?}, ntpcheck {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn classic_error_lines_equal_oracle() {
    compare_lines("classic", false);
}

#[test]
fn ntpsec_error_lines_equal_stored_oracle() {
    compare_lines("ntpsec", true);
}

/// Our own cases in `testdata/` carry the classic oracle's verdict beside them
/// (`NAME.classic.txt`, made with `../shared/tools/oracle/ntpd-oracle.sh --impl classic`).
#[test]
fn testdata_classic_verdicts() {
    let mut failures = Vec::new();
    let mut n = 0;
    for sub in ["valid", "invalid", "examples"] {
        let dir = crate::util::root().join("testdata").join(sub);
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_none_or(|x| x != "conf") {
                continue;
            }
            let verdict = p.with_extension("classic.txt");
            let Ok(o) = std::fs::read_to_string(&verdict) else {
                failures.push(format!("{}: no classic verdict beside it", p.display()));
                continue;
            };
            n += 1;
            let l = load(&p, Dialect::Classic);
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if let Some((_, want)) = o.split_once("SAVED:\n") {
                let got = saveconfig(&l.config);
                if got.trim_end() != want.trim_end() {
                    failures.push(format!("{name}: dump differs\n--- classic ntpd\n{want}\n--- ntpcheck\n{got}"));
                }
            }
            if let Some((want, got)) = line_difference(&o, &l, false) {
                failures.push(format!("{name}: classic reports lines {want:?}, ntpcheck {got:?}"));
            }
            let errs = l.diagnostics.iter().any(|d| d.severity == ntpcheck::diagnostic::Severity::Error);
            if sub == "valid" && errs {
                failures.push(format!("{name}: in valid/ but has errors"));
            }
            if sub == "invalid" && !errs {
                failures.push(format!("{name}: in invalid/ but has no error"));
            }
        }
    }
    assert!(n >= 10, "expected testdata cases, found {n}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

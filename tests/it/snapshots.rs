//! Snapshot tests of what a user sees: for every file of `testdata/{valid,invalid,examples}`
//! and both dialects, the diagnostics as JSON (the `check --format json` schema) and as
//! miette's human rendering (no colour, 100 columns, no links). Snapshots live in
//! `tests/it/snapshots/`; review changes with `cargo insta review`.

use std::path::PathBuf;

use ntpcheck::config::Dialect::{self, Classic, Ntpsec};
use ntpcheck::config::load::{LoadOptions, load_bytes};
use ntpcheck::diagnostic::render;

use crate::util::root;

const DIRS: &[&str] = &["valid", "invalid", "examples"];

fn cases() -> Vec<(String, PathBuf)> {
    let mut v = Vec::new();
    for sub in DIRS {
        let Ok(rd) = std::fs::read_dir(root().join("testdata").join(sub)) else { continue };
        for p in rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "conf")) {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            v.push((format!("{sub}__{stem}"), p));
        }
    }
    v.sort();
    v
}

fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Classic => "classic",
        Ntpsec => "ntpsec",
    }
}

/// The snapshot text of one file in one dialect.
pub fn render_case(rel: &str, bytes: &[u8], d: Dialect) -> String {
    let l = load_bytes(rel, bytes, &LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() });
    let json: Vec<_> = l.diagnostics.iter().map(|x| render::to_json(x, &l.sources)).collect();
    let mut out = String::new();
    out.push_str(&format!("# {rel} --dialect {}: {} diagnostic(s), fatal: {}\n", dialect_name(d), l.diagnostics.len(), l.fatal));
    out.push_str("## json\n");
    out.push_str(&serde_json::to_string_pretty(&json).unwrap());
    out.push_str("\n## human\n");
    for x in &l.diagnostics {
        out.push_str(&render::human(x, &l.sources, false, 100));
    }
    out
}

#[test]
fn diagnostics_snapshots() {
    let cases = cases();
    assert!(cases.len() >= 20, "expected the testdata cases, found {}", cases.len());
    for (name, p) in &cases {
        let bytes = std::fs::read(p).unwrap();
        let rel = p.strip_prefix(root()).unwrap().to_string_lossy().to_string();
        for d in [Classic, Ntpsec] {
            let text = render_case(&rel, &bytes, d);
            insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(format!("{name}__{}", dialect_name(d)), text);
            });
        }
    }
}

/// Every committed snapshot belongs to a testdata file (a renamed or deleted case must take its
/// snapshots with it).
#[test]
fn no_orphan_snapshots() {
    let want: Vec<String> = cases().iter().flat_map(|(n, _)| [Classic, Ntpsec].map(|d| format!("{n}__{}.snap", dialect_name(d)))).collect();
    let dir = root().join("tests").join("it").join("snapshots");
    let mut orphans = Vec::new();
    for e in std::fs::read_dir(&dir).expect("tests/it/snapshots exists").flatten() {
        let f = e.file_name().to_string_lossy().to_string();
        // Other modules' snapshots (`it__…`, module-prefixed by insta) live in the same folder.
        if f.ends_with(".snap") && !f.starts_with("it__") && !want.contains(&f) {
            orphans.push(f);
        }
    }
    assert!(orphans.is_empty(), "snapshots without a testdata file: {orphans:?}");
}

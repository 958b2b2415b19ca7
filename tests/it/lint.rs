//! Lint rules: registry invariants, per-rule fixtures (`testdata/lint/NTPxxx`), the docs'
//! examples, the catalog §6.2 findings on the CentOS 6 example, every output format, SARIF
//! against the official 2.1.0 schema, and the `--fix` round trip.

use std::path::Path;

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_bytes};
use ntpcheck::diagnostic::{Code, Diagnostic, Safety, render};
use ntpcheck::lint::fix::{Applicability, apply_edits, select_edits};
use ntpcheck::lint::registry::ALL_RULES;
use ntpcheck::lint::{LintOptions, RuleMeta};
use ntpcheck::source::FileId;

use crate::lint_harness::run;
use crate::util::{root, shared};

fn num(c: Code) -> u32 {
    c.as_str()[3..].parse().unwrap()
}

fn lint_codes() -> Vec<Code> {
    // Lint owns NTP2xx-5xx and the environment checks of NTP1xx (NTP125).
    Code::ALL.iter().copied().filter(|c| (num(*c) >= 200 && *c != Code::Ntp328) || *c == Code::Ntp125).collect()
}

#[test]
fn registry_codes_are_unique_sorted_and_cover_every_lint_code() {
    let codes: Vec<u32> = ALL_RULES.iter().map(|r| num(r.meta().code)).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "ALL_RULES must be sorted by code without duplicates");
    let mut all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "duplicate code in the codes! table");
    let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate rule name");
    for c in lint_codes() {
        assert!(ALL_RULES.iter().any(|r| r.meta().code == c), "{c} has no registered rule");
    }
    for r in ALL_RULES {
        assert!(lint_codes().contains(&r.meta().code), "{} is registered but not a lint code", r.meta().code);
    }
}

#[test]
fn docs_are_complete() {
    for r in ALL_RULES {
        let m = r.meta();
        for (what, text) in [("what", m.what), ("why", m.why), ("flagged", m.flagged), ("fine", m.fine), ("reference", m.reference)] {
            assert!(text.trim().len() > 10, "{}: empty `{what}`", m.code);
        }
        assert!(m.url.starts_with("https://"), "{}: help URL", m.code);
        let md = m.docs_markdown();
        for s in ["## What it flags", "## Why it matters", "## Flagged example", "## Fine example", "## ntpd reference"] {
            assert!(md.contains(s), "{}: docs lack {s}", m.code);
        }
        let file = root().join("src/lint/rules").join(format!("{}.rs", m.name().replace('-', "_")));
        assert!(file.exists(), "{}: the rule lives in {}", m.code, file.display());
    }
}

fn fires(diags: &[Diagnostic], c: Code) -> bool {
    diags.iter().any(|d| d.code == c)
}

fn show(diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| format!("{} {}", d.code, d.message)).collect::<Vec<_>>().join("\n")
}

#[test]
fn docs_examples_behave() {
    for r in ALL_RULES {
        let m = r.meta();
        let (_, d) = run(m, m.flagged, None);
        assert!(fires(&d, m.code), "{}: the flagged example does not fire:\n{}\n--\n{}", m.code, m.flagged, show(&d));
        let (_, d) = run(m, m.fine, None);
        assert!(!fires(&d, m.code), "{}: the fine example fires:\n{}\n--\n{}", m.code, m.fine, show(&d));
    }
}

fn meta_of(dir: &str) -> Option<&'static RuleMeta> {
    ALL_RULES.iter().map(|r| r.meta()).find(|m| m.code.as_str() == dir)
}

#[test]
fn fixtures_exist_and_behave() {
    let base = root().join("testdata/lint");
    for r in ALL_RULES {
        let m = r.meta();
        let dir = base.join(m.code.as_str());
        assert!(dir.is_dir(), "{}: no fixture folder {}", m.code, dir.display());
        let mut fails = 0;
        let mut passes = 0;
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".conf") || !(name.starts_with("fail-") || name.starts_with("pass-")) {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(text.starts_with('#'), "{}: start the fixture with a comment saying what it shows", p.display());
            // Fixtures are loaded by their path relative to the project root (that is the
            // working directory of the tests), so file names in findings are stable.
            let rel = p.strip_prefix(root()).unwrap();
            let (_, d) = run(m, &text, Some(rel));
            if name.starts_with("fail-") {
                fails += 1;
                assert!(fires(&d, m.code), "{}: does not fire\n{}", p.display(), show(&d));
            } else {
                passes += 1;
                assert!(!fires(&d, m.code), "{}: fires\n{}", p.display(), show(&d));
            }
        }
        assert!(fails >= 1 && passes >= 1, "{}: needs at least one fail-* and one pass-* fixture", m.code);
    }
    for e in std::fs::read_dir(&base).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().to_string();
        assert!(meta_of(&n).is_some(), "testdata/lint/{n} belongs to no registered rule");
    }
}

fn centos() -> ntpcheck::config::load::Loaded {
    let bytes = std::fs::read(shared().join("examples/centos6-blog.conf")).expect("../shared/examples/centos6-blog.conf");
    load_bytes("centos6-blog.conf", &bytes, &LoadOptions::default())
}

fn lines_of(l: &ntpcheck::config::load::Loaded, d: &[Diagnostic]) -> Vec<(String, usize)> {
    d.iter().map(|x| (x.code.as_str().to_string(), l.sources.get(x.span.file).line_col(x.span.start).0)).collect()
}

/// Catalog §6.2: the findings on the CentOS 6 seed config (default profile, static).
#[test]
fn catalog_6_2_centos6_findings() {
    let l = centos();
    let d = ntpcheck::lint::check(&l, &LintOptions::default());
    let got = lines_of(&l, &d);
    let has = |c: &str, line: usize| got.iter().any(|(x, y)| x == c && *y == line);
    // (code, line) pairs from the table.
    let expected: &[(&str, &[usize])] = &[
        ("NTP101", &[1, 2]),
        ("NTP301", &[11]),
        ("NTP002", &[10, 11, 12]),
        ("NTP205", &[11]),
        ("NTP207", &[3, 4, 5, 6, 7, 8, 10]),
        ("NTP308", &[13]),
        ("NTP307", &[16]),
        ("NTP403", &[2]),
        ("NTP333", &[3, 4, 5, 6, 7, 8]),
        ("NTP404", &[11]),
        ("NTP321", &[12]),
        ("NTP313", &[12, 13, 14, 15]),
        ("NTP405", &[18]),
    ];
    for (c, lines) in expected {
        for l in *lines {
            assert!(has(c, *l), "expected {c} on line {l}; got {got:?}");
        }
    }
    // NTP315 (no `restrict ::1`) is anchored on the IPv6 default line, as the table says.
    assert!(got.iter().any(|(c, l)| c == "NTP315" && *l == 2), "{got:?}");
    // Not fired, as §6.2 says: NTP005 (inside NTP002 spans), NTP305, NTP201/202, NTP302.
    for c in ["NTP005", "NTP305", "NTP201", "NTP202", "NTP302"] {
        assert!(!got.iter().any(|(x, _)| x == c), "{c} must not fire on the seed config");
    }
    // Severities of the table.
    let sev = |c: &str, line: usize| {
        d.iter().find(|x| x.code.as_str() == c && l.sources.get(x.span.file).line_col(x.span.start).0 == line).map(|x| x.severity)
    };
    use ntpcheck::diagnostic::Severity::*;
    assert_eq!(sev("NTP301", 11), Some(Error));
    assert_eq!(sev("NTP207", 3), Some(Warning));
    assert_eq!(sev("NTP207", 10), Some(Info));
    assert_eq!(sev("NTP333", 3), Some(Info));
    let short: String = d.iter().map(|x| format!("{}\n", render::short(x, &l.sources))).collect();
    insta::assert_snapshot!("centos6_blog_findings", short);
}

#[test]
fn every_output_format_on_the_seed_config() {
    let l = centos();
    let d = ntpcheck::lint::check(&l, &LintOptions::default());
    let human: String = d.iter().map(|x| render::human(x, &l.sources, false, 100)).collect();
    insta::assert_snapshot!("format_human", human);
    let json: Vec<_> = d.iter().map(|x| render::to_json(x, &l.sources)).collect();
    insta::assert_snapshot!("format_json", serde_json::to_string_pretty(&json).unwrap());
    let short: String = d.iter().map(|x| format!("{}\n", render::short(x, &l.sources))).collect();
    insta::assert_snapshot!("format_short", short);
    let gh: String = d.iter().map(|x| format!("{}\n", render::github(x, &l.sources))).collect();
    insta::assert_snapshot!("format_github", gh);
    let sarif = sarif_for(&l, &d);
    insta::assert_snapshot!("format_sarif", serde_json::to_string_pretty(&sarif).unwrap());
}

fn sarif_for(l: &ntpcheck::config::load::Loaded, d: &[Diagnostic]) -> serde_json::Value {
    render::sarif(&[(&l.sources, d)], &ntpcheck::cli::sarif_rules(), "0.0.0-test")
}

#[test]
fn sarif_validates_against_the_official_2_1_0_schema() {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(shared().join("schemas/sarif-schema-2.1.0.json")).expect("../shared/schemas/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).expect("schema compiles");
    let l = centos();
    let d = ntpcheck::lint::check(&l, &LintOptions::default());
    let doc = sarif_for(&l, &d);
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
    // Every rule has metadata, and results point at them.
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Code::ALL.len());
    for r in ALL_RULES {
        let j = rules.iter().find(|x| x["id"] == r.meta().code.as_str()).unwrap();
        assert!(j["helpUri"].as_str().unwrap().starts_with("https://"), "{j}");
    }
    for res in doc["runs"][0]["results"].as_array().unwrap() {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
    }
    // A schema violation is caught (the test can fail).
    let mut bad = doc.clone();
    bad["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!v.is_valid(&bad));
}

/// Apply fixes until nothing changes (bounded), returning the final text.
fn fix_text(text: &str, d: Dialect, opts: &LintOptions, how: Applicability) -> (String, Vec<Code>) {
    let mut text = text.to_string();
    let mut fixed = Vec::new();
    for _ in 0..5 {
        let l = load_bytes("t.conf", text.as_bytes(), &LoadOptions { dialect: d, ..Default::default() });
        let diags = ntpcheck::lint::check(&l, opts);
        let (edits, n) = select_edits(&diags, FileId(0), how);
        if n == 0 {
            break;
        }
        for dg in &diags {
            if let Some(f) = &dg.fix
                && (how == Applicability::All || f.safety == Safety::Safe)
                && f.edits.iter().all(|e| edits.contains(e))
            {
                fixed.push(dg.code);
            }
        }
        text = apply_edits(&text, &edits);
    }
    (text, fixed)
}

/// The model with spans removed, as JSON, per top-level field.
fn model_fields(text: &str, d: Dialect) -> serde_json::Map<String, serde_json::Value> {
    fn strip(v: &mut serde_json::Value) {
        match v {
            // A bare span (`broadcastclient`) says where, not what.
            serde_json::Value::Object(m) if m.len() == 3 && m.contains_key("file") && m.contains_key("start") && m.contains_key("end") => {
                *v = serde_json::Value::Bool(true);
            }
            serde_json::Value::Object(m) => {
                m.remove("span");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let l = load_bytes("t.conf", text.as_bytes(), &LoadOptions { dialect: d, ..Default::default() });
    let mut v = serde_json::to_value(&l.config).unwrap();
    strip(&mut v);
    v.as_object().unwrap().clone()
}

/// What each safe fix may change in the model (top-level fields of `Config`).
fn allowed_changes(c: Code) -> &'static [&'static str] {
    match c {
        Code::Ntp202 | Code::Ntp204 | Code::Ntp302 | Code::Ntp402 | Code::Ntp403 | Code::Ntp404 | Code::Ntp502 => &["restricts"],
        Code::Ntp309 | Code::Ntp313 | Code::Ntp314 | Code::Ntp323 | Code::Ntp503 => &["associations"],
        Code::Ntp326 => &["statsdir", "filegens"],
        Code::Ntp401 | Code::Ntp407 => &["vars"],
        Code::Ntp406 | Code::Ntp509 => &["auth"],
        _ => &[],
    }
}

/// The server's restrict table as (net, match flags, flags) plus the `restrict source`
/// template — what a restrict fix must keep for the style rules (merging, default spelling,
/// redundant lines).
fn table_summary(text: &str, d: Dialect) -> Vec<String> {
    let l = load_bytes("t.conf", text.as_bytes(), &LoadOptions { dialect: d, ..Default::default() });
    let t = ntpcheck::runtime::access_table(&l.config);
    let mut v: Vec<String> = t.entries().map(|e| format!("{:?} {:?} {:?}", e.net, e.mflags, e.flags)).collect();
    v.push(format!("source {:?}", t.source_template()));
    v.sort();
    v
}

#[test]
fn fix_round_trip_on_every_safe_fixture() {
    let mut checked = 0;
    for r in ALL_RULES {
        let m = r.meta();
        if m.fix != ntpcheck::lint::FixAvailability::Safe {
            continue;
        }
        let dir = root().join("testdata/lint").join(m.code.as_str());
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.starts_with("fail-") || !name.ends_with(".conf") {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).unwrap();
            let mut case = crate::lint_harness::default_case(m);
            crate::lint_harness::apply_directives(&mut case, &text);
            if case.opts.env || case.opts.resolver.is_some() || case.stdin {
                continue;
            }
            let before = ntpcheck::lint::check(
                &load_bytes("t.conf", text.as_bytes(), &LoadOptions { dialect: case.dialect, ..Default::default() }),
                &case.opts,
            );
            let own_safe = before.iter().any(|d| d.code == m.code && d.fix.as_ref().is_some_and(|f| f.safety == Safety::Safe));
            if !own_safe {
                continue;
            }
            // Only this rule's fixes, so the model change can be attributed.
            let (fixed, _) = fix_only(&text, case.dialect, &case.opts, m.code);
            let after = ntpcheck::lint::check(
                &load_bytes("t.conf", fixed.as_bytes(), &LoadOptions { dialect: case.dialect, ..Default::default() }),
                &case.opts,
            );
            let remaining: Vec<&Diagnostic> =
                after.iter().filter(|d| d.code == m.code && d.fix.as_ref().is_some_and(|f| f.safety == Safety::Safe)).collect();
            assert!(remaining.is_empty(), "{name}: fixed findings still reported after --fix:\n{fixed}\n{}", show(&after));
            assert!(
                !after.iter().any(|d| d.code.as_str().starts_with("NTP0")),
                "{name}: the fix introduced a syntax error:\n{fixed}\n{}",
                show(&after)
            );
            let (a, b) = (model_fields(&text, case.dialect), model_fields(&fixed, case.dialect));
            for (k, v) in &a {
                if b.get(k) != Some(v) {
                    assert!(allowed_changes(m.code).contains(&k.as_str()), "{name}: fix changed model field `{k}`:\n{text}\n=>\n{fixed}");
                }
            }
            if matches!(m.code, Code::Ntp402 | Code::Ntp403 | Code::Ntp404) {
                assert_eq!(
                    table_summary(&text, case.dialect),
                    table_summary(&fixed, case.dialect),
                    "{name}: the effective restrict table changed"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} safe-fix fixtures checked");
}

fn fix_only(text: &str, d: Dialect, opts: &LintOptions, code: Code) -> (String, usize) {
    let l = load_bytes("t.conf", text.as_bytes(), &LoadOptions { dialect: d, ..Default::default() });
    let diags: Vec<Diagnostic> = ntpcheck::lint::check(&l, opts).into_iter().filter(|x| x.code == code).collect();
    let (edits, n) = select_edits(&diags, FileId(0), Applicability::Safe);
    (apply_edits(text, &edits), n)
}

#[test]
fn fix_all_safe_on_the_seed_config_converges() {
    let text = std::fs::read_to_string(shared().join("examples/centos6-blog.conf")).unwrap();
    let (fixed, codes) = fix_text(&text, Dialect::Classic, &LintOptions::default(), Applicability::Safe);
    assert!(codes.contains(&Code::Ntp002) && codes.contains(&Code::Ntp313), "{codes:?}");
    let l = load_bytes("t.conf", fixed.as_bytes(), &LoadOptions::default());
    let after = ntpcheck::lint::check(&l, &LintOptions::default());
    assert!(after.iter().all(|d| d.fix.as_ref().is_none_or(|f| f.safety != Safety::Safe)), "{}", show(&after));
    // Comments survive: the Chinese prose moved into `#` comments.
    assert!(fixed.contains("# prefer"), "{fixed}");
    insta::assert_snapshot!("centos6_blog_fixed", fixed);
}

#[test]
fn suppressions_silence_and_unused_ones_are_reported() {
    let opts = LintOptions::default();
    let text = "restrict default nomodify notrap nopeer noquery\nserver 192.0.2.1 # ntpcheck: ignore NTP313\n# ntpcheck: ignore NTP313, NTP321\nserver 192.0.2.2\nserver 192.0.2.3 iburst # ntpcheck: ignore NTP999x\nserver 192.0.2.4 iburst\ndriftfile /d\n";
    let l = load_bytes("t.conf", text.as_bytes(), &LoadOptions::default());
    let d = ntpcheck::lint::check(&l, &opts);
    let got = lines_of(&l, &d);
    assert!(!got.iter().any(|(c, _)| c == "NTP313"), "{got:?}");
    // NTP321 on line 3 silences nothing; `NTP999x` is not a code.
    assert!(got.contains(&("NTP408".to_string(), 3)), "{got:?}");
    assert!(got.contains(&("NTP408".to_string(), 5)), "{got:?}");
    assert_eq!(got.iter().filter(|(c, _)| c == "NTP408").count(), 2, "{got:?}");
    // A suppression of a rule that did not run (an --env rule) is not "unused".
    let l =
        load_bytes("t.conf", b"keys /etc/ntp.keys # ntpcheck: ignore NTP222, NTP405\nserver 192.0.2.1 iburst\n", &LoadOptions::default());
    let d = ntpcheck::lint::check(&l, &opts);
    assert!(!d.iter().any(|x| x.code == Code::Ntp408), "{}", show(&d));
}

#[test]
fn rules_table_is_snapshotted() {
    let out = assert_cmd::Command::cargo_bin("ntpcheck").unwrap().args(["rules"]).output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("rules_table", String::from_utf8_lossy(&out.stdout));
    let out = assert_cmd::Command::cargo_bin("ntpcheck").unwrap().args(["rules", "--format", "markdown"]).output().unwrap();
    insta::assert_snapshot!("rules_markdown", String::from_utf8_lossy(&out.stdout));
    let out = assert_cmd::Command::cargo_bin("ntpcheck").unwrap().args(["rules", "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), ALL_RULES.len());
}

#[test]
fn the_seed_path_exists() {
    assert!(Path::new(&shared().join("examples/centos6-blog.conf")).exists());
}

/// `--fix` on every corpus file (in memory): it converges, introduces no syntax error, leaves
/// no safe-fixable finding, and changes only the model fields the applied fixes mean to change.
#[test]
fn fix_round_trip_on_the_corpus() {
    let dir = shared().join("corpus/public");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    let opts = LintOptions::default();
    let mut fixed_files = 0;
    for p in files {
        let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
        for d in [Dialect::Classic, Dialect::Ntpsec] {
            let (fixed, codes) = fix_text(&text, d, &opts, Applicability::Safe);
            if codes.is_empty() {
                continue;
            }
            fixed_files += 1;
            let lo = LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() };
            let before = ntpcheck::lint::check(&load_bytes("t.conf", text.as_bytes(), &lo), &opts);
            let after = ntpcheck::lint::check(&load_bytes("t.conf", fixed.as_bytes(), &lo), &opts);
            let name = p.file_name().unwrap().to_string_lossy();
            let syntax = |v: &[Diagnostic]| {
                v.iter().filter(|x| x.code.as_str() < "NTP2" && x.severity == ntpcheck::diagnostic::Severity::Error).count()
            };
            assert!(syntax(&after) <= syntax(&before), "{name} ({d:?}): the fixes added syntax errors:\n{fixed}\n{}", show(&after));
            let left: Vec<&Diagnostic> = after.iter().filter(|x| x.fix.as_ref().is_some_and(|f| f.safety == Safety::Safe)).collect();
            assert!(
                left.is_empty(),
                "{name} ({d:?}): safe fixes left after the fixpoint: {:?}",
                left.iter().map(|x| x.code).collect::<Vec<_>>()
            );
            let (a, b) = (model_fields(&text, d), model_fields(&fixed, d));
            for (k, v) in &a {
                if b.get(k) != Some(v) {
                    // NTP002 turns a foreign comment into a real one: ntpd already dropped the rest of
                    // the line, so the model must not change at all for it.
                    assert!(
                        codes.iter().any(|c| allowed_changes(*c).contains(&k.as_str())),
                        "{name} ({d:?}): model field `{k}` changed, fixes applied: {codes:?}\n{fixed}"
                    );
                }
            }
        }
    }
    assert!(fixed_files >= 20, "only {fixed_files} corpus files had safe fixes");
}

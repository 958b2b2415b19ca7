//! The configuration-time checks ntpd makes (NTP1xx) against what the real daemons log when
//! they apply a configuration: every message of the kinds below in a stored run-mode verdict
//! (`../shared/corpus/oracle/NAME.{classic-run,ntpsec}.txt` for the corpus,
//! `testdata/*/NAME.{classic-run,ntpsec-run}.txt` for our own cases, made with
//! `../shared/tools/oracle/ntpd-oracle.sh --mode run`) must be the `ntpd_log` of one of our
//! diagnostics, and the other way round. These messages name no line (or a wrong one), so they
//! are compared as multisets of text.

use std::path::{Path, PathBuf};

use ntpcheck::config::Dialect::{self, Classic, Ntpsec};
use ntpcheck::config::load::{LoadOptions, Loaded, load_path};
use ntpcheck::diagnostic::{Code, DaemonEffect, Phase, Severity};

use crate::util::{known_differences, parse, root, shared};

/// Snapshots of the JSON and human diagnostics of every testdata file (kept in its own file).
#[path = "snapshots.rs"]
mod snapshots;

/// Golden tests of the classic-vs-NTPsec differences (kept in its own file).
#[path = "dialects.rs"]
mod dialects;

/// The messages compared: the configuration-time ones ntpcheck models.
const KINDS: &[&str] = &[
    "does nothing without",
    "not recognized - ignored",
    "Number of phone entries exceeds",
    "Number of TTL entries exceeds",
    "Using maximum tos",
    "Using minimum tos",
    "Must have tos",
    "cannot be disabled while",
    "Unknown flag-type-token",
    "Unexpected fudge flag",
    "Ignoring invalid trustedkey",
];

fn daemon_messages(verdict: &str) -> Vec<String> {
    let mut v = Vec::new();
    for l in verdict.lines() {
        let msg = if let Some(rest) = l.strip_prefix("ERROR ") {
            rest.split_once(' ').map(|x| x.1).unwrap_or("")
        } else if let Some(rest) = l.strip_prefix("NOTE ") {
            if rest.starts_with("stderr: ") {
                continue;
            }
            rest
        } else {
            continue;
        };
        let msg = msg.trim_start_matches("CONFIG: ").trim();
        if KINDS.iter().any(|k| msg.contains(k)) {
            v.push(msg.to_string());
        }
    }
    v.sort();
    v
}

fn our_messages(l: &Loaded) -> Vec<String> {
    let mut v: Vec<String> = l
        .diagnostics
        .iter()
        .filter(|d| d.ntpd_phase == Some(Phase::Config))
        .filter_map(|d| d.ntpd_log.clone())
        .filter(|m| KINDS.iter().any(|k| m.contains(k)))
        .collect();
    v.sort();
    v
}

fn load(p: &Path, d: Dialect) -> Loaded {
    let opts = LoadOptions { dialect: d, classic_cwd: p.parent().map(|x| x.to_path_buf()), no_conf_dir: true };
    load_path(p, &opts).expect("readable")
}

fn compare(cases: &[(PathBuf, PathBuf)], d: Dialect, kind: &str) -> (usize, Vec<String>) {
    let known = known_differences();
    let mut failures = Vec::new();
    let mut n = 0;
    for (conf, verdict) in cases {
        let name = conf.file_stem().unwrap().to_string_lossy().to_string();
        if known.iter().any(|(k, c)| *k == name && c == kind) {
            continue;
        }
        let Ok(o) = std::fs::read_to_string(verdict) else { continue };
        n += 1;
        let want = daemon_messages(&o);
        let got = our_messages(&load(conf, d));
        if want != got {
            failures.push(format!("{}:\n  ntpd:     {want:?}\n  ntpcheck: {got:?}", conf.display()));
        }
    }
    (n, failures)
}

fn corpus_cases(suffix: &str) -> Vec<(PathBuf, PathBuf)> {
    let dir = shared().join("corpus").join("public");
    let mut v: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus missing at {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            let o = shared().join("corpus").join("oracle").join(format!("{name}.{suffix}.txt"));
            (p, o)
        })
        .collect();
    v.sort();
    v
}

fn testdata_cases(suffix: &str) -> Vec<(PathBuf, PathBuf)> {
    let mut v = Vec::new();
    for sub in ["valid", "invalid", "examples"] {
        let Ok(rd) = std::fs::read_dir(root().join("testdata").join(sub)) else { continue };
        for p in rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "conf")) {
            let o = p.with_extension(format!("{suffix}.txt"));
            if o.exists() {
                v.push((p, o));
            }
        }
    }
    v.sort();
    v
}

#[test]
fn corpus_config_messages_equal_classic_run() {
    let (n, f) = compare(&corpus_cases("classic-run"), Classic, "classic-run");
    assert!(n >= 100, "expected the corpus' classic run verdicts, found {n}");
    assert!(f.is_empty(), "{} file(s) differ:\n{}", f.len(), f.join("\n"));
}

#[test]
fn corpus_config_messages_equal_ntpsec() {
    let (n, f) = compare(&corpus_cases("ntpsec"), Ntpsec, "ntpsec-run");
    assert!(n >= 100, "expected the corpus' NTPsec verdicts, found {n}");
    assert!(f.is_empty(), "{} file(s) differ:\n{}", f.len(), f.join("\n"));
}

#[test]
fn testdata_config_messages_equal_oracles() {
    let (n1, mut f) = compare(&testdata_cases("classic-run"), Classic, "classic-run");
    let (n2, f2) = compare(&testdata_cases("ntpsec-run"), Ntpsec, "ntpsec-run");
    f.extend(f2);
    assert!(n1 >= 3 && n2 >= 3, "expected run-mode verdicts in testdata, found {n1} classic, {n2} NTPsec");
    assert!(f.is_empty(), "{} file(s) differ:\n{}", f.len(), f.join("\n"));
}

fn with(text: &str, d: Dialect, code: Code) -> Vec<ntpcheck::diagnostic::Diagnostic> {
    parse(text, d).diagnostics.into_iter().filter(|x| x.code == code).collect()
}

#[test]
fn ntp101_kod_without_limited_per_line() {
    for d in [Classic, Ntpsec] {
        let v = with("restrict 10.0.0.0 mask 255.0.0.0 kod nomodify\n", d, Code::Ntp101);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].severity, Severity::Warning);
        assert_eq!(v[0].daemon_effect, DaemonEffect::None);
        assert_eq!(v[0].fix.as_ref().unwrap().edits[0].replacement, " limited");
        assert!(with("restrict 10.0.0.0 mask 255.0.0.0 kod limited\n", d, Code::Ntp101).is_empty());
        // Merged with another line for the same entry: ntpd still warns, but KoD works.
        let v = with("restrict 10.0.0.0 mask 255.0.0.0 kod\nrestrict 10.0.0.0 mask 255.0.0.0 limited\n", d, Code::Ntp101);
        assert_eq!(v[0].severity, Severity::Info);
    }
    // NTPsec's default entry has `limited` built in.
    assert_eq!(with("restrict default kod\n", Ntpsec, Code::Ntp101)[0].severity, Severity::Info);
    assert_eq!(with("restrict default kod\n", Classic, Code::Ntp101)[0].severity, Severity::Warning);
    assert_eq!(
        with("restrict -4 default kod\n", Classic, Code::Ntp101)[0].ntpd_log.as_deref(),
        Some("restrict 0.0.0.0: 'kod' does nothing without 'limited'.")
    );
}

#[test]
fn ntp102_ntp103_keys() {
    let text = "keys /etc/ntp.keys\nserver 192.0.2.1 key 5\ntrustedkey 5\ntrustedkey 9\n";
    // Classic keeps only the last trustedkey line; NTPsec adds them up.
    let c = with(text, Classic, Code::Ntp102);
    assert_eq!(c.len(), 1);
    assert!(c[0].message.contains("only the last"));
    assert_eq!(c[0].fix.as_ref().unwrap().edits[0].replacement, " 5");
    assert!(with(text, Ntpsec, Code::Ntp102).is_empty());
    // Ranges count; key 0 means no key; classic Autokey ids (> 65535) are not symmetric keys.
    assert!(with("keys k\nserver 192.0.2.1 key 7\ntrustedkey (5 ... 9)\n", Classic, Code::Ntp102).is_empty());
    assert!(with("keys k\nserver 192.0.2.1 key 0\n", Classic, Code::Ntp102).is_empty());
    assert!(with("keys k\nserver 192.0.2.1 key 70000\n", Classic, Code::Ntp102).is_empty());
    // requestkey is a no-op in NTPsec.
    assert_eq!(with("keys k\nrequestkey 3\n", Classic, Code::Ntp102).len(), 1);
    assert!(with("keys k\nrequestkey 3\n", Ntpsec, Code::Ntp102).is_empty());
    // NTP103 once, on the first use, only without `keys`.
    let v = with("trustedkey 1\ncontrolkey 1\n", Classic, Code::Ntp103);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.starts_with("`trustedkey`"));
    assert!(with("keys /etc/ntp.keys\ntrustedkey 1\ncontrolkey 1\n", Classic, Code::Ntp103).is_empty());
    assert!(with("server 192.0.2.1\n", Classic, Code::Ntp103).is_empty());
}

#[test]
fn ntp107_to_ntp110_addresses() {
    let v = with("restrict 192.168.1.10 mask 255.255.255.0\n", Classic, Code::Ntp107);
    assert_eq!(v[0].fix.as_ref().unwrap().edits[0].replacement, "192.168.1.0");
    assert!(with("restrict 192.168.1.0 mask 255.255.255.0\n", Classic, Code::Ntp107).is_empty());
    assert_eq!(with("restrict 2001:db8::1 mask ffff:ffff::\n", Classic, Code::Ntp107).len(), 1);
    // NTPsec CIDR acts as a mask.
    assert_eq!(with("restrict 192.168.1.10/24\n", Ntpsec, Code::Ntp107).len(), 1);
    assert!(with("restrict 192.168.1.0/24\n", Ntpsec, Code::Ntp107).is_empty());
    assert_eq!(with("restrict 10.0.0.0 mask 255.0.255.0\n", Classic, Code::Ntp108).len(), 1);
    assert!(with("restrict 10.0.0.0 mask 255.255.0.0\n", Classic, Code::Ntp108).is_empty());
    assert!(with("restrict 10.0.0.0 mask 0.0.0.0\n", Classic, Code::Ntp108).is_empty());
    let v = with("restrict 10.1.0.0 nomodify\n", Classic, Code::Ntp109);
    assert_eq!(v[0].fix.as_ref().unwrap().edits[0].replacement, " mask 255.255.0.0");
    assert!(with("restrict 10.1.0.1 nomodify\n", Classic, Code::Ntp109).is_empty());
    // A reference clock's unit 0 (127.127.1.0) is a host address by design.
    assert!(with("restrict 127.127.1.0\n", Classic, Code::Ntp109).is_empty());
    assert_eq!(with("restrict 2001:db8:: nomodify\n", Ntpsec, Code::Ntp109).len(), 1);
    assert!(with("restrict 2001:db8::/32 nomodify\n", Ntpsec, Code::Ntp109).is_empty());
    for (text, means) in [
        ("server 010.0.0.1\n", "8.0.0.1"),
        ("server 10.1\n", "10.0.0.1"),
        ("server 167772161\n", "10.0.0.1"),
        ("restrict 10.1.2 nomodify\n", "10.1.0.2"),
    ] {
        let v = with(text, Classic, Code::Ntp110);
        assert_eq!(v.len(), 1, "{text}");
        assert_eq!(v[0].fix.as_ref().unwrap().edits[0].replacement, means, "{text}");
    }
    assert!(with("server 10.0.0.1\nserver ntp1.example\nserver 09.1\n", Classic, Code::Ntp110).is_empty());
}

#[test]
fn ntp117_tos() {
    let v = with("tos ceiling 20\n", Ntpsec, Code::Ntp117);
    assert_eq!(v[0].ntpd_log.as_deref(), Some("Using maximum tos ceiling 15, 20 requested"));
    // NTPsec checks nothing else.
    assert!(with("tos minsane 4 floor 10 ceiling 5\n", Ntpsec, Code::Ntp117).is_empty());
    let v = with("tos minsane 4\ntos floor 10 ceiling 5\n", Classic, Code::Ntp117);
    assert_eq!(v.len(), 2);
    // The last value counts, after clamping.
    assert!(with("tos minclock 0 maxclock 0 minsane -1\n", Classic, Code::Ntp117).iter().all(|x| x.ntpd_log.is_none()));
    let v = with("pool pool.example\nserver 192.0.2.1\nserver 192.0.2.2\ntos maxclock 2\n", Classic, Code::Ntp117);
    assert!(v.iter().any(|x| x.message.contains("can never add")));
}

#[test]
fn ntp118_tinker() {
    let n = |t: &str| with(t, Classic, Code::Ntp118).len();
    assert_eq!(n("tinker step 0\n"), 1);
    assert_eq!(n("tinker step 0.128 stepout 300 huffpuff 900\n"), 0);
    assert_eq!(n("tinker stepfwd 1\n"), 1);
    assert_eq!(n("driftfile /var/lib/ntp/drift\ntinker freq 12\n"), 1);
    assert_eq!(n("driftfile\ntinker freq 12\n"), 0);
}

#[test]
fn ntp119_monitor() {
    assert_eq!(with("restrict default limited\ndisable monitor\n", Classic, Code::Ntp119).len(), 1);
    assert!(with("restrict default kod\ndisable monitor\n", Classic, Code::Ntp119).is_empty());
    // NTPsec: `limited` is built into the default entry, unless removed.
    assert_eq!(with("disable monitor\n", Ntpsec, Code::Ntp119).len(), 1);
    assert!(with("unrestrict default limited\ndisable monitor\n", Ntpsec, Code::Ntp119).is_empty());
}

#[test]
fn ntp120_classic_fatal_flags() {
    let l = parse("restrict 192.0.2.1 epeer\n", Classic);
    assert!(l.fatal);
    assert_eq!(l.diagnostics[0].code, Code::Ntp120);
    let l = parse("fudge 127.127.1.0 abbrev x\n", Classic);
    assert!(l.fatal);
    // NTPsec does not know the words: syntax errors, no exit.
    assert!(!parse("restrict 192.0.2.1 epeer\nfudge 127.127.1.0 abbrev x\n", Ntpsec).fatal);
}

#[test]
fn ntp122_items() {
    for item in ["syncall", "+sysevents", "-allclock", "=clockstatistics", "peerinfo", "all", "status"] {
        assert!(with(&format!("logconfig {item}\n"), Classic, Code::Ntp122).is_empty(), "{item}");
    }
    let v = with("logconfig =syncal\n", Classic, Code::Ntp122);
    assert_eq!(v[0].fix.as_ref().unwrap().edits[0].replacement, "syncall");
    assert!(v[0].message.contains("clears the log mask"));
    assert_eq!(with("phone 1 2 3 4 5 6 7 8 9\n", Classic, Code::Ntp122).len(), 0);
    assert_eq!(with("phone 1 2 3 4 5\nphone 6 7 8 9 10\n", Ntpsec, Code::Ntp122).len(), 1);
    assert_eq!(with("ttl 1 2 3 4 5 6 7 8 9 10\n", Classic, Code::Ntp122).len(), 2);
    assert_eq!(with("ttl 300\n", Classic, Code::Ntp122).len(), 1);
}

#[test]
fn ntp123_pollskewlist_default_bounds() {
    // Classic: `pollskewlist 3 … 7 lower bound reduced from 100 to 4 … 64` (oracle, run mode).
    let v = with("pollskewlist 4 1|2 default 100|3\n", Classic, Code::Ntp123);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("5 poll value(s)"));
    assert_eq!(
        v[0].ntpd_log.as_deref(),
        Some("pollskewlist 3 lower bound reduced from 100 to 4 … pollskewlist 7 lower bound reduced from 100 to 64")
    );
    assert!(with("pollskewlist default 4|4\n", Classic, Code::Ntp123).is_empty());
}

/// Many lines of the kinds the whole-model checks pair up (40 000 `restrict … kod`, 20 000 keyed
/// servers): every one is checked. (A pairwise merge check once made this take minutes; no
/// timing is asserted here, the test suite's run time shows it.)
#[test]
fn semantic_checks_on_many_lines() {
    let mut text = String::new();
    for i in 0..40_000 {
        text.push_str(&format!("restrict 10.{}.{}.0 mask 255.255.255.0 kod\n", i / 250, i % 250));
    }
    for i in 0..20_000 {
        text.push_str(&format!("server 192.0.{}.{} key {}\ntrustedkey {}\n", i / 250, i % 250, i + 1, i + 1));
    }
    text.push_str("restrict 10.0.0.0 mask 255.255.255.0 limited\n");
    for d in [Classic, Ntpsec] {
        let l = parse(&text, d);
        let kod: Vec<_> = l.diagnostics.iter().filter(|x| x.code == Code::Ntp101).collect();
        assert_eq!(kod.len(), 40_000);
        // Only the entry another line adds `limited` to is merged (info).
        assert_eq!(kod.iter().filter(|x| x.severity == Severity::Info).count(), 1);
        // Classic trusts only the last trustedkey line's key; NTPsec all of them.
        let untrusted = l.diagnostics.iter().filter(|x| x.code == Code::Ntp102).count();
        assert_eq!(untrusted, if d == Classic { 19_999 } else { 0 });
    }
}

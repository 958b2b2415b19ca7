//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, Loaded, load_bytes};

/// `../shared` beside the checkout.
pub fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("shared")
}

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parse text in a dialect.
pub fn parse(text: &str, d: Dialect) -> Loaded {
    load_bytes("test.conf", text.as_bytes(), &LoadOptions { dialect: d, ..Default::default() })
}

/// `true` in CI: tests that need a real program must not skip there.
pub fn in_ci() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

use ntpcheck::diagnostic::{DaemonEffect, Phase};

/// Lines of one file that a daemon's verdict names, from its `ERROR` lines (and the line-less
/// messages that still drop a line), normalised for the daemons' reporting quirks:
/// - NTPsec's `restrict: ignoring line L` names the line after the one it means;
/// - a host name that is `unusable` only failed DNS in the sandbox: left out (on both sides);
/// - a line-less message (`Couldn't open <P>`, `inappropriate address A for the fudge command`)
///   is matched to the diagnostic of ours whose `ntpd_log` carries the same text;
/// - the same `L:C` twice in a row is bison still recovering: it means the next line of ours
///   after the previous one.
pub fn oracle_lines(oracle: &str, ntpsec: bool, ours: &[(usize, String)]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut prev_lc: Option<String> = None;
    let our_lines: Vec<usize> = {
        let mut v: Vec<usize> = ours.iter().map(|(l, _)| *l).collect();
        v.sort();
        v.dedup();
        v
    };
    let mut used: Vec<bool> = vec![false; ours.len()];
    // Line-less messages that still drop a line: matched to our diagnostics by their text.
    const LINELESS: &[&str] = &[
        "for the fudge command, line ignored",
        ": invalid argument",
        "does not apply for",
        "attempt to configure invalid address",
        "Unknown peer/server option token",
        "Ignoring invalid trustedkey",
        "refclock_newpeer: clock type",
        "Unknown driver name",
    ];
    for l in oracle.lines() {
        let (kind, rest) = match l.split_once(' ') {
            Some(x) => x,
            None => continue,
        };
        if kind == "NOTE" {
            let m = rest.trim_start_matches("CONFIG: ");
            if LINELESS.iter().any(|p| m.contains(p)) {
                if let Some(l) = take_by_text(ours, &mut used, m) {
                    out.push(l);
                }
            }
            continue;
        }
        if kind != "ERROR" {
            continue;
        }
        let (loc, msg) = rest.split_once(' ').unwrap_or((rest, ""));
        if msg.contains("unusable") {
            let quoted = msg.split('\'').nth(1).unwrap_or("");
            let numeric = quoted.chars().all(|c| c.is_ascii_hexdigit() || ".:/".contains(c));
            if !numeric && msg.contains("address/host") {
                continue;
            }
        }
        let mut parts = loc.rsplitn(3, ':');
        let _col = parts.next();
        let line = parts.next().unwrap_or("?");
        if line == "?" {
            let key = msg
                .split('<')
                .nth(1)
                .map(|s| s.trim_end_matches('>'))
                .map(|p| format!("Couldn't open <{p}>"))
                .unwrap_or_else(|| msg.to_string());
            if let Some(l) = take_by_text(ours, &mut used, &key) {
                out.push(l);
            }
            continue;
        }
        let mut n: usize = line.parse().unwrap_or(0);
        if ntpsec && msg.contains("restrict: ignoring line") {
            n = n.saturating_sub(1);
        }
        let lc = loc.to_string();
        if prev_lc.as_deref() == Some(lc.as_str()) {
            let after = out.last().copied().unwrap_or(0);
            if let Some(next) = our_lines.iter().copied().find(|x| *x > after) {
                n = next;
            }
        }
        prev_lc = Some(lc);
        out.push(n);
    }
    out.sort();
    out.dedup();
    out
}

/// The line of the first diagnostic of ours, not matched yet, whose `ntpd_log` and the daemon's
/// message `m` contain one another; marks it matched.
fn take_by_text(ours: &[(usize, String)], used: &mut [bool], m: &str) -> Option<usize> {
    let i =
        ours.iter().enumerate().position(|(i, (_, log))| !used[i] && !log.is_empty() && (log.contains(m) || m.contains(log.as_str())))?;
    used[i] = true;
    Some(ours[i].0)
}

/// Our lines for the comparison: classic parse mode sees what ntpd reports while parsing;
/// NTPsec's run mode sees every line whose effect is not `none`.
pub fn our_lines(l: &Loaded, ntpsec: bool, file_index: u32) -> Vec<(usize, String)> {
    let mut v = Vec::new();
    for d in &l.diagnostics {
        if d.span.file.0 != file_index {
            continue;
        }
        let keep = if ntpsec {
            d.daemon_effect != DaemonEffect::None || (d.ntpd_phase == Some(Phase::Parse) && d.ntpd_log.is_some())
        } else {
            d.ntpd_phase == Some(Phase::Parse)
        };
        if keep {
            let (line, _) = l.sources.get(d.span.file).line_col(d.span.start);
            v.push((line, d.ntpd_log.clone().unwrap_or_default()));
        }
    }
    v
}

/// Entries of the known-differences file: `NAME<TAB>dialect<TAB>reason`.
pub fn known_differences() -> Vec<(String, String)> {
    let p = root().join("tests").join("known-differences.tsv");
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split('\t');
            (it.next().unwrap_or("").to_string(), it.next().unwrap_or("").to_string())
        })
        .collect()
}

/// Compare the lines a daemon's verdict names with ours for the main file of `l`:
/// `None` when equal, else `(daemon's lines, ours)`.
pub fn line_difference(verdict: &str, l: &Loaded, ntpsec: bool) -> Option<(Vec<usize>, Vec<usize>)> {
    let ours = our_lines(l, ntpsec, 0);
    let want = oracle_lines(verdict, ntpsec, &ours);
    let mut got: Vec<usize> = ours.iter().map(|(l, _)| *l).collect();
    got.sort();
    got.dedup();
    if want == got { None } else { Some((want, got)) }
}

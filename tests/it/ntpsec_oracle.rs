//! Differential test against a live NTPsec `ntpd` (Debian's 1.2.2), run as a parse oracle on
//! every file of `../shared/corpus/public` and `testdata/`, sandboxed by
//! `../shared/tools/oracle/ntpd-oracle.sh` (private user + network namespace, scratch
//! directory, timeout: it cannot touch the clock or the network). The lines NTPsec reports must
//! be the lines where `--dialect ntpsec` gives a `daemon_effect` other than `none`.
//! Skips loudly without NTPsec on a developer machine; fails in CI (`CI=true`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_path};

use crate::util::{in_ci, known_differences, line_difference, root, shared};

fn have_ntpsec() -> bool {
    Command::new("/usr/sbin/ntpd").arg("--version").output().map(|o| String::from_utf8_lossy(&o.stdout).contains("ntpsec")).unwrap_or(false)
}

fn files() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in [
        shared().join("corpus").join("public"),
        root().join("testdata").join("valid"),
        root().join("testdata").join("invalid"),
        root().join("testdata").join("examples"),
    ] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "conf") {
                    v.push(p);
                }
            }
        }
    }
    v.sort();
    v
}

fn run_oracle(p: &PathBuf) -> String {
    let script = shared().join("tools").join("oracle").join("ntpd-oracle.sh");
    let out = Command::new("bash").arg(script).arg("--impl").arg("ntpsec").arg(p).output().expect("run oracle");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ntpsec_live_error_lines_equal_ntpcheck() {
    if !have_ntpsec() {
        assert!(!in_ci(), "NTPsec's ntpd is not installed, but CI=true: .ci/run must install it");
        eprintln!(
            "\n*** SKIPPED ntpsec_live_error_lines_equal_ntpcheck: NTPsec's /usr/sbin/ntpd is not installed (apt-get install ntpsec) ***\n"
        );
        return;
    }
    let known = known_differences();
    let queue = Arc::new(Mutex::new(files()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(Mutex::new(0usize));
    let mut handles = Vec::new();
    for _ in 0..6 {
        let (queue, failures, known, count) = (queue.clone(), failures.clone(), known.clone(), count.clone());
        handles.push(std::thread::spawn(move || {
            loop {
                let Some(p) = queue.lock().unwrap().pop() else { break };
                let name = p.file_stem().unwrap().to_string_lossy().to_string();
                if known.iter().any(|(n, k)| *n == name && k == "ntpsec-live") {
                    continue;
                }
                let verdict = run_oracle(&p);
                if !verdict.contains("IMPL ntpsec") {
                    failures.lock().unwrap().push(format!("{name}: oracle did not run:\n{verdict}"));
                    continue;
                }
                let opts = LoadOptions { dialect: Dialect::Ntpsec, classic_cwd: None, no_conf_dir: true };
                let l = load_path(&p, &opts).expect("readable");
                *count.lock().unwrap() += 1;
                if let Some((want, got)) = line_difference(&verdict, &l, true) {
                    failures.lock().unwrap().push(format!("{name}: NTPsec reports lines {want:?}, ntpcheck {got:?}"));
                }
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let f = failures.lock().unwrap();
    eprintln!("ntpsec live oracle: {} files compared", count.lock().unwrap());
    assert!(f.is_empty(), "{} difference(s):\n{}", f.len(), f.join("\n"));
}

//! CLI transcripts of `check` with the lint options: formats, select/ignore, profiles,
//! thresholds, `--fix`/`--diff`, `--env`/`--dns` (stubbed), `rules` and `rule`.

use std::os::unix::fs::PermissionsExt;

use assert_cmd::Command;

use crate::util::root;

fn ntpcheck() -> Command {
    let mut c = Command::cargo_bin("ntpcheck").unwrap();
    c.current_dir(root());
    c
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).to_string()
}

#[test]
fn select_ignore_and_thresholds() {
    let conf = "restrict default kod limited nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\nrestrict 127.0.0.1\nrestrict ::1\ndriftfile /var/lib/ntp/ntp.drift\npool pool.ntp.org\n";
    // Only NTP313 (info): exit 0 by default, 1 with --deny info / --severity-threshold info.
    let a = ntpcheck().args(["check", "--format", "short", "-"]).write_stdin(conf).assert().code(0);
    assert_eq!(stdout(&a), "<stdin>:6:6: NTP313 [info] no `iburst`: the first synchronization takes minutes instead of seconds\n");
    ntpcheck().args(["check", "--deny", "info", "-"]).write_stdin(conf).assert().code(1);
    ntpcheck().args(["check", "--severity-threshold", "info", "-"]).write_stdin(conf).assert().code(1);
    let a = ntpcheck().args(["check", "--format", "short", "--ignore", "NTP313", "--deny", "info", "-"]).write_stdin(conf).assert().code(0);
    assert_eq!(stdout(&a), "");
    let a = ntpcheck().args(["check", "--format", "short", "--ignore", "missing-iburst", "-"]).write_stdin(conf).assert().code(0);
    assert_eq!(stdout(&a), "");
    // A warning fails only with --deny warnings.
    let warn = "server 192.0.2.1 iburst\nrestrict default nomodify notrap nopeer noquery\nrestrict 127.0.0.1\nrestrict ::1\ndriftfile /d\n";
    ntpcheck().args(["check", "--select", "NTP305", "-"]).write_stdin(warn).assert().code(0);
    ntpcheck().args(["check", "--select", "NTP305", "--deny", "warnings", "-"]).write_stdin(warn).assert().code(1);
    // --select of a profile rule turns it on; unknown patterns are usage errors.
    let a = ntpcheck().args(["check", "--format", "short", "--select", "NTP219", "-"]).write_stdin(warn).assert().code(0);
    assert!(stdout(&a).contains("NTP219"), "{}", stdout(&a));
    ntpcheck().args(["check", "--select", "NTP999", "-"]).write_stdin(warn).assert().code(2);
    ntpcheck().args(["check", "--profile", "migrate", "-"]).write_stdin(warn).assert().code(2);
    ntpcheck().args(["check", "--profile", "migrate", "--target", "chrony", "-"]).write_stdin(warn).assert().code(2);
}

#[test]
fn profiles_change_what_runs() {
    let conf = "restrict default kod nomodify notrap nopeer noquery\nrestrict 127.0.0.1\nrestrict ::1\ndriftfile /d\nserver 192.0.2.1 iburst\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\nserver 192.0.2.4 iburst\ntinker panic 0\n";
    let a = ntpcheck().args(["check", "--format", "short", "-"]).write_stdin(conf).assert();
    let s = stdout(&a);
    assert!(s.contains("NTP227 [info]") && !s.contains("NTP322") && !s.contains("NTP323"), "{s}");
    let a = ntpcheck().args(["check", "--format", "short", "--profile", "security", "-"]).write_stdin(conf).assert();
    let s = stdout(&a);
    assert!(s.contains("NTP227 [warning]") && s.contains("NTP322") && s.contains("NTP219"), "{s}");
    let a = ntpcheck().args(["check", "--format", "short", "--profile", "stig", "-"]).write_stdin(conf).assert().code(0);
    assert_eq!(stdout(&a).matches("NTP323 [warning]").count(), 4, "{}", stdout(&a));
    let a = ntpcheck()
        .args(["check", "--format", "short", "--profile", "cis", "-"])
        .write_stdin("server 192.0.2.1 iburst\nrestrict default kod nomodify notrap nopeer\n")
        .assert()
        .code(1);
    assert!(stdout(&a).contains("NTP201 [error]"), "{}", stdout(&a));
    // Migration: classic config to NTPsec.
    let a = ntpcheck()
        .args(["check", "--format", "short", "--profile", "migrate", "--target", "ntpsec", "-"])
        .write_stdin(
            "peer 192.0.2.7 key 1\nserver 192.0.2.1 iburst xleave\nbroadcastclient\nrestrict default kod nomodify notrap nopeer noquery\n",
        )
        .assert()
        .code(1);
    let s = stdout(&a);
    for c in ["NTP501", "NTP502", "NTP503", "NTP505"] {
        assert!(s.contains(c), "{c} missing:\n{s}");
    }
    // NTPsec config to classic (the dialect defaults to ntpsec for this target).
    let a = ntpcheck()
        .args(["check", "--format", "short", "--profile", "migrate", "--target", "classic", "-"])
        .write_stdin("refclock shm unit 0 refid GPS\nserver 192.0.2.1 iburst\nrestrict 10.0.0.0/8 nomodify\n")
        .assert()
        .code(1);
    assert!(stdout(&a).matches("NTP507").count() >= 2, "{}", stdout(&a));
    let a = ntpcheck()
        .args(["check", "--format", "short", "--profile", "migrate", "--target", "classic@4.2.6p5", "--dialect", "classic", "-"])
        .write_stdin("restrict source nomodify\npool pool.ntp.org iburst\n")
        .assert()
        .code(1);
    assert_eq!(stdout(&a).matches("NTP508").count(), 1, "{}", stdout(&a));
}

#[test]
fn github_and_sarif_and_json_formats() {
    let conf = "server 192.0.2.1\n";
    let a = ntpcheck().args(["check", "--format", "github", "--select", "NTP313", "-"]).write_stdin(conf).assert().code(0);
    assert_eq!(
        stdout(&a),
        "::notice file=<stdin>,line=1,col=8,endLine=1,endColumn=17,title=NTP313 missing-iburst::no `iburst`: the first synchronization takes minutes instead of seconds%0Ahelp: append `iburst`\n"
    );
    let a = ntpcheck().args(["check", "--format", "sarif", "-"]).write_stdin(conf).assert().code(0);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "NTP313" && r["fixes"].is_array()));
    let a = ntpcheck().args(["check", "--format", "json", "--select", "NTP313", "-"]).write_stdin(conf).assert().code(0);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["fix"]["safety"], "safe");
    assert_eq!(d["fix"]["edits"][0]["replacement"], " iburst");
    assert_eq!(v["summary"]["infos"], 1);
}

#[test]
fn fix_writes_atomically_keeps_mode_and_comments() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ntp.conf");
    let text = "# my servers\nserver 192.0.2.1 // main one\nserver 192.0.2.2   # backup\npool 0.pool.ntp.org iburst prefer\nrestrict 0.0.0.0 mask 0.0.0.0 nomodify\n";
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    // --diff shows the edits and writes nothing.
    let a = ntpcheck().args(["check", "--diff"]).arg(&p).assert().code(1);
    let diff = stdout(&a);
    assert!(diff.contains("+server 192.0.2.1 iburst # main one"), "{diff}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
    let _ = ntpcheck().args(["check", "--fix", "--format", "short"]).arg(&p).assert();
    let fixed = std::fs::read_to_string(&p).unwrap();
    assert_eq!(
        fixed,
        "# my servers\nserver 192.0.2.1 iburst # main one\nserver 192.0.2.2 iburst   # backup\npool 0.pool.ntp.org iburst\nrestrict -4 default nomodify\nrestrict -6 default nomodify\n"
    );
    assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777, 0o640);
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Unsafe fixes only with --unsafe-fixes.
    let before = fixed.clone();
    let _ = ntpcheck().args(["check", "--fix"]).arg(&p).assert();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), before);
    let _ = ntpcheck().args(["check", "--fix", "--unsafe-fixes"]).arg(&p).assert();
    assert_ne!(std::fs::read_to_string(&p).unwrap(), before);
    // stdin cannot be fixed in place.
    ntpcheck().args(["check", "--fix", "-"]).write_stdin("server x\n").assert().code(2);
}

#[test]
fn env_and_dns_rules_are_opt_in() {
    let conf = "keys testdata/lint/NTP125/bad.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\nserver nowhere.example.org iburst\n";
    let a = ntpcheck().args(["check", "--format", "short", "-"]).write_stdin(conf).assert();
    let s = stdout(&a);
    assert!(!s.contains("NTP125") && !s.contains("NTP330"), "{s}");
    let a = ntpcheck().args(["check", "--format", "short", "--env", "-"]).write_stdin(conf).assert();
    assert!(stdout(&a).contains("NTP125"), "{}", stdout(&a));
    // The stub resolver: nothing leaves the machine.
    let a = ntpcheck().args(["check", "--format", "short", "--stub-dns", "ntp.example.org=192.0.2.10", "-"]).write_stdin(conf).assert();
    assert!(stdout(&a).contains("NTP330"), "{}", stdout(&a));
    let a = ntpcheck()
        .args(["check", "--format", "short", "--env", "--local-addresses", "192.0.2.1", "-"])
        .write_stdin("server 192.0.2.1 iburst\n")
        .assert();
    assert!(stdout(&a).contains("NTP331"), "{}", stdout(&a));
}

#[test]
fn rule_docs_command() {
    let a = ntpcheck().args(["rule", "NTP301"]).assert().code(0);
    let s = stdout(&a);
    assert!(s.starts_with("# NTP301 sources-blocked-by-restrict") && s.contains("## Fine example"), "{s}");
    let a = ntpcheck().args(["rule", "missing-iburst"]).assert().code(0);
    assert!(stdout(&a).starts_with("# NTP313"));
    let a = ntpcheck().args(["rule", "NTP002"]).assert().code(0);
    assert!(stdout(&a).contains("reported by the parser"));
    ntpcheck().args(["rule", "NTP999"]).assert().code(2);
}

#[test]
fn human_output_lists_related_lines_and_fix() {
    let a = ntpcheck()
        .args(["check", "--select", "NTP301", "-"])
        .write_stdin("restrict default ignore\nserver 192.0.2.1 iburst\nserver 192.0.2.2 iburst\n")
        .assert()
        .code(1);
    let s = stdout(&a);
    assert!(s.contains("NTP301") && s.contains("replies from this source are dropped") && s.contains("unsafe fix"), "{s}");
}

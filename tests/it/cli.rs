//! CLI transcripts: exit codes (0 clean, 1 errors, 2 usage/I-O), the JSON schema of `check`,
//! `parse --format saveconfig`, standard input.

use assert_cmd::Command;

use crate::util::root;

fn ntpcheck() -> Command {
    Command::cargo_bin("ntpcheck").unwrap()
}

#[test]
fn clean_file_exits_0() {
    let v = root().join("testdata/valid/comment-mid-word.conf");
    ntpcheck().args(["check"]).arg(&v).assert().code(0);
}

#[test]
fn errors_exit_1_and_json_has_the_schema() {
    let f = root().join("testdata/examples/centos6-blog.conf");
    let out = ntpcheck().args(["check", "--format", "json", "--select", "NTP0,NTP1"]).arg(&f).assert().code(1).get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "NTP002").unwrap();
    for k in ["code", "severity", "message", "file", "line", "column", "end_line", "end_column", "help", "daemon_effect"] {
        assert!(d.get(k).is_some(), "missing {k} in {d}");
    }
    assert_eq!(d["code"], "NTP002");
    assert_eq!(d["line"], 6);
    assert_eq!(d["column"], 48);
    assert_eq!(d["daemon_effect"], "partially-applied");
    // 3 × NTP002, 1 × NTP001, and ntpd's two kod-without-limited warnings (NTP101).
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 6);
}

#[test]
fn unreadable_file_exits_2_with_a_clear_message() {
    let a = ntpcheck().args(["check", "/nonexistent/ntp.conf"]).assert().code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("cannot read /nonexistent/ntp.conf"), "{err}");
    ntpcheck().args(["check", "--dialect", "chrony", "x"]).assert().code(2);
    ntpcheck().args(["check"]).assert().code(2);
}

#[test]
fn short_format_and_stdin() {
    let a = ntpcheck()
        .args(["check", "--format", "short", "--select", "NTP0,NTP1", "-"])
        .write_stdin("server 192.0.2.1 iburts\n")
        .assert()
        .code(1);
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert_eq!(out, "<stdin>:1:18: NTP001 [error] unknown keyword `iburts`\n");
}

#[test]
fn parse_saveconfig_and_json() {
    let a = ntpcheck()
        .args(["parse", "--format", "saveconfig", "-"])
        .write_stdin("server x.example bogus iburst\ndriftfile /d\n")
        .assert()
        .code(0);
    assert_eq!(String::from_utf8_lossy(&a.get_output().stdout), "driftfile \"/d\"\nserver x.example\n");
    let a = ntpcheck().args(["parse", "--dialect", "ntpsec", "-"]).write_stdin("refclock shm unit 1 refid GPS\n").assert().code(0);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["associations"][0]["kind"], "refclock");
    assert_eq!(v["associations"][0]["unit"]["value"], 1);
}

#[test]
fn human_output_names_code_and_help() {
    let a = ntpcheck().args(["check", "-"]).write_stdin("restrict default nomodfiy\n").assert().code(1);
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(out.contains("NTP001"), "{out}");
    assert!(out.contains("did you mean `nomodify`?"), "{out}");
}

//! Operators' tooling: `check -` with `--stdin-filename`, `check --root DIR` (another host's tree),
//! `completions SHELL` loading in each shell, the generated man pages, and the systemd unit in
//! dist/ as `systemd-analyze verify` reads it. The .deb and pre-commit are proven by
//! .ci/package-check.sh.

use std::path::Path;
use std::process::Command as Std;

use assert_cmd::Command;

use crate::util::{in_ci, root};

fn ntpcheck() -> Command {
    Command::cargo_bin("ntpcheck").unwrap()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).to_string()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A program the test needs: `None` after a loud skip on a developer machine; a failure in CI.
fn need(program: &str) -> Option<()> {
    let found = Std::new("sh").args(["-c", &format!("command -v {program}")]).output().is_ok_and(|o| o.status.success());
    if found {
        return Some(());
    }
    assert!(!in_ci(), "{program} is missing: .ci/run installs it");
    eprintln!("\n*** SKIPPED: {program} not found (apt-get install {program}) ***\n");
    None
}

#[test]
fn stdin_is_reported_under_stdin_filename() {
    let a = ntpcheck()
        .args(["check", "--format", "short", "--select", "NTP0", "--stdin-filename", "roles/ntp/templates/ntp.conf.j2", "-"])
        .write_stdin("server 192.0.2.1 iburts\n")
        .assert()
        .code(1);
    assert_eq!(stdout(&a), "roles/ntp/templates/ntp.conf.j2:1:18: NTP001 [error] unknown keyword `iburts`\n");
    // JSON and GitHub annotations carry the same name.
    let a = ntpcheck()
        .args(["check", "--format", "github", "--select", "NTP0", "--stdin-filename", "etc/ntp.conf", "-"])
        .write_stdin("server 192.0.2.1 iburts\n")
        .assert()
        .code(1);
    assert!(stdout(&a).starts_with("::error file=etc/ntp.conf,line=1,"), "{}", stdout(&a));
}

#[test]
fn stdin_keys_file_is_recognised_by_content() {
    let a =
        ntpcheck().args(["check", "--format", "short", "--stdin-filename", "ntp.keys", "-"]).write_stdin("1 X secret\n").assert().code(1);
    assert_eq!(stdout(&a), "ntp.keys:1:3: NTP125 [error] unsupported key type `X` for key 1: the key is skipped\n");
    let a = ntpcheck().args(["check", "--format", "short", "-"]).write_stdin("1 MD5 0123456789abcdef0123\n").assert().code(0);
    assert_eq!(stdout(&a), "");
}

#[test]
fn stdin_usage_errors_exit_2() {
    let a = ntpcheck().args(["check", "-", "-"]).write_stdin("").assert().code(2);
    assert!(stderr(&a).contains("`-` (standard input) can be given once"), "{}", stderr(&a));
    let a = ntpcheck().args(["check", "--stdin-filename", "x.conf", "ntp.conf"]).assert().code(2);
    assert!(stderr(&a).contains("`--stdin-filename` names standard input"), "{}", stderr(&a));
    let a = ntpcheck().args(["check", "--root", "/nonexistent-ntpcheck-root", "-"]).write_stdin("").assert().code(2);
    assert!(stderr(&a).contains("--root /nonexistent-ntpcheck-root: not a directory"), "{}", stderr(&a));
}

/// Another host's configuration tree, as a repository keeps it.
fn host_tree(dir: &Path) {
    write(
        dir,
        "host/etc/ntp.conf",
        "driftfile /var/lib/ntp/ntp.drift\nincludefile /etc/ntp/servers.conf\nincludefile servers-relative.conf\nkeys /etc/ntp/keys\ntrustedkey 1\n\
         restrict default kod limited nomodify notrap nopeer noquery\n",
    );
    write(dir, "host/etc/ntp/servers.conf", "server 192.0.2.1 iburst bogus\n");
    write(dir, "host/servers-relative.conf", "server 192.0.2.2 iburst\n");
    write(dir, "host/etc/ntp/keys", "1 MD5 short\n");
    std::fs::set_permissions(dir.join("host/etc/ntp/keys"), std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
}

#[test]
fn root_reads_the_configs_absolute_paths_under_dir() {
    let t = tempfile::tempdir().unwrap();
    host_tree(t.path());
    // Without --root the includes name this machine's files, which are not there.
    let a =
        ntpcheck().current_dir(t.path()).args(["check", "--format", "short", "--select", "NTP328", "host/etc/ntp.conf"]).assert().code(1);
    assert_eq!(
        stdout(&a),
        "host/etc/ntp.conf:2:13: NTP328 [error] cannot open included file `/etc/ntp/servers.conf`: No such file or directory (os error 2)\n\
         host/etc/ntp.conf:3:13: NTP328 [error] cannot open included file `servers-relative.conf`: No such file or directory (os error 2)\n"
    );
    // With it, both are read: the absolute one under DIR, the relative one against classic
    // ntpd's working directory `/` of that host; diagnostics name the host's paths.
    let a = ntpcheck()
        .current_dir(t.path())
        .args(["check", "--format", "short", "--select", "NTP0,NTP1", "--root", "host", "host/etc/ntp.conf"])
        .assert()
        .code(1);
    assert_eq!(stdout(&a), "/etc/ntp/servers.conf:1:25: NTP001 [error] unknown keyword `bogus`\n");
    // --include-cwd names a directory of that host too.
    write(t.path(), "host/etc/servers-relative.conf", "server 192.0.2.5 iburts\n");
    let a = ntpcheck()
        .current_dir(t.path())
        .args(["check", "--format", "short", "--select", "NTP001", "--root", "host", "--include-cwd", "/etc", "host/etc/ntp.conf"])
        .assert()
        .code(1);
    assert_eq!(
        stdout(&a),
        "/etc/ntp/servers.conf:1:25: NTP001 [error] unknown keyword `bogus`\n\
         servers-relative.conf:1:18: NTP001 [error] unknown keyword `iburts`\n"
    );
    // --env reads the keys file and the drift file's directory under DIR too.
    let a = ntpcheck()
        .current_dir(t.path())
        .args(["check", "--format", "short", "--env", "--select", "NTP225,NTP327", "--root", "host", "host/etc/ntp.conf"])
        .assert()
        .code(0);
    assert_eq!(
        stdout(&a),
        "host/etc/ntp.conf:1:1: NTP327 [warning] the drift file's directory `host/var/lib/ntp` does not exist: ntpd cannot save the frequency\n\
         host/etc/ntp.conf:4:6: NTP225 [warning] /etc/ntp/keys:1: key 1 uses MD5 and a 40-bit secret\n"
    );
    std::fs::create_dir_all(t.path().join("host/var/lib/ntp")).unwrap();
    let a = ntpcheck()
        .current_dir(t.path())
        .args(["check", "--format", "short", "--env", "--select", "NTP327", "--root", "host", "host/etc/ntp.conf"])
        .assert()
        .code(0);
    assert_eq!(stdout(&a), "");
}

#[test]
fn root_with_stdin_stands_for_the_named_file() {
    let t = tempfile::tempdir().unwrap();
    host_tree(t.path());
    let text = std::fs::read_to_string(t.path().join("host/etc/ntp.conf")).unwrap();
    let a = ntpcheck()
        .current_dir(t.path())
        .args(["check", "--format", "short", "--select", "NTP0,NTP1", "--root", "host", "--stdin-filename", "/etc/ntp.conf", "-"])
        .write_stdin(text)
        .assert()
        .code(1);
    assert_eq!(stdout(&a), "/etc/ntp/servers.conf:1:25: NTP001 [error] unknown keyword `bogus`\n");
    // NTPsec: relative includes against the named file's directory, and its ntp.d/ under DIR.
    write(t.path(), "host/etc/ntpsec/ntp.d/10-local.conf", "server 192.0.2.3 iburts\n");
    write(t.path(), "host/etc/ntpsec/extra.conf", "server 192.0.2.4 iburts\n");
    let a = ntpcheck()
        .current_dir(t.path())
        .args(["check", "--format", "short", "--dialect", "ntpsec", "--select", "NTP001,NTP328", "--root", "host"])
        .args(["--stdin-filename", "/etc/ntpsec/ntp.conf", "-"])
        .write_stdin("includefile extra.conf\n")
        .assert()
        .code(1);
    assert_eq!(
        stdout(&a),
        "extra.conf:1:18: NTP001 [error] unknown keyword `iburts`\n\
         /etc/ntpsec/ntp.d/10-local.conf:1:18: NTP001 [error] unknown keyword `iburts`\n"
    );
}

#[test]
fn root_fix_writes_the_tree_never_this_hosts_files() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "host/etc/ntp.conf", "includefile /etc/ntp/servers.conf\n");
    write(t.path(), "host/etc/ntp/servers.conf", "server 192.0.2.1 iburst // primary\n");
    ntpcheck().current_dir(t.path()).args(["check", "--fix", "--select", "NTP002", "--root", "host", "host/etc/ntp.conf"]).assert().code(0);
    assert_eq!(std::fs::read_to_string(t.path().join("host/etc/ntp/servers.conf")).unwrap(), "server 192.0.2.1 iburst # primary\n");
}

#[test]
fn completions_load_in_each_shell() {
    let t = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let a = ntpcheck().args(["completions", shell]).assert().code(0);
        let script = stdout(&a);
        assert!(script.contains("check") && script.contains("stdin-filename"), "{shell}: {script}");
        assert!(!script.contains("manpages"), "{shell}: the hidden subcommand is offered");
        let name = match shell {
            "zsh" => "_ntpcheck",
            "fish" => "ntpcheck.fish",
            _ => "ntpcheck",
        };
        std::fs::create_dir_all(t.path().join(shell)).unwrap();
        std::fs::write(t.path().join(shell).join(name), script).unwrap();
    }
    ntpcheck().args(["completions", "tcsh"]).assert().code(2);
    let f = |shell: &str, name: &str| t.path().join(shell).join(name).display().to_string();

    // bash: source it, then complete `ntpcheck ch` and `ntpcheck check --stdin-f` the way
    // readline does.
    need("bash").unwrap();
    let out = Std::new("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg(format!(
            "set -e; source '{}'; complete -p ntpcheck; \
             COMP_WORDS=(ntpcheck ch); COMP_CWORD=1; _ntpcheck ntpcheck ch ntpcheck; echo \"words: ${{COMPREPLY[*]}}\"; \
             COMP_WORDS=(ntpcheck check --stdin-f); COMP_CWORD=2; _ntpcheck ntpcheck --stdin-f check; echo \"opts: ${{COMPREPLY[*]}}\"",
            f("bash", "ntpcheck")
        ))
        .output()
        .unwrap();
    let o = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && out.stderr.is_empty(), "bash: {o} {}", String::from_utf8_lossy(&out.stderr));
    assert!(o.contains("-F _ntpcheck ntpcheck") && o.contains("words: check"), "bash: {o}");
    assert!(o.contains("opts: --stdin-filename"), "bash: {o}");

    if need("zsh").is_some() {
        let out = Std::new("zsh")
            .args(["-f", "-c"])
            .arg(format!(
                "fpath=('{}' $fpath); autoload -Uz compinit; compinit -u -D; autoload -Uz _ntpcheck; \
                 source '{}'; print -r -- ${{_comps[ntpcheck]}}",
                t.path().join("zsh").display(),
                f("zsh", "_ntpcheck")
            ))
            .output()
            .unwrap();
        let o = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && out.stderr.is_empty(), "zsh: {o} {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(o.trim(), "_ntpcheck", "zsh: the completion function is not registered");
    }
    if need("fish").is_some() {
        let out = Std::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!(
                "source '{}'; and complete -C 'ntpcheck ch'; and complete -C 'ntpcheck check --stdin-f'",
                f("fish", "ntpcheck.fish")
            ))
            .output()
            .unwrap();
        let o = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && out.stderr.is_empty(), "fish: {o} {}", String::from_utf8_lossy(&out.stderr));
        assert!(o.lines().any(|l| l.starts_with("check\t")), "fish: {o}");
        assert!(o.lines().any(|l| l.starts_with("--stdin-filename")), "fish: {o}");
    }
}

#[test]
fn manpages_one_per_subcommand() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("man");
    let a = ntpcheck().arg("manpages").arg(&dir).assert().code(0);
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let want = ["ntpcheck-check.1", "ntpcheck-completions.1", "ntpcheck-parse.1", "ntpcheck-rule.1", "ntpcheck-rules.1"];
    let want2 = ["ntpcheck-serve.1", "ntpcheck-status.1", "ntpcheck.1"];
    assert_eq!(names, want.iter().chain(want2.iter()).map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(stdout(&a).lines().count(), names.len());
    let check = std::fs::read_to_string(dir.join("ntpcheck-check.1")).unwrap();
    assert!(check.contains(".TH ntpcheck-check 1"), "{check}");
    assert!(check.contains("ntpcheck\\-check \\- Report every problem"), "{check}");
    for opt in ["stdin\\-filename", "\\-\\-root", "\\-\\-format"] {
        assert!(check.contains(opt), "ntpcheck-check(1) lacks {opt}");
    }
    let top = std::fs::read_to_string(dir.join("ntpcheck.1")).unwrap();
    assert!(top.contains("ntpcheck\\-check(1)") && top.contains("ntpcheck\\-serve(1)"), "{top}");
    // The hidden generator documents nothing about itself.
    assert!(!top.contains("manpages"), "{top}");
    if need("man").is_some() {
        let out = Std::new("man")
            .args(["--warnings", "-l", "-E", "UTF-8"])
            .arg(dir.join("ntpcheck-check.1"))
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("--stdin-filename"));
    }
}

#[test]
fn unit_file_verifies_and_says_what_the_issue_asks() {
    let unit = std::fs::read_to_string(root().join("dist/ntpcheck.service")).unwrap();
    let has = |k: &str| unit.lines().any(|l| l.trim() == k);
    for k in [
        "Type=notify",
        "ExecStart=/usr/bin/ntpcheck serve -n -c ${NTPCHECK_CONFIG} $NTPCHECK_OPTS",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=CAP_SYS_TIME CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "SystemCallFilter=@system-service @clock",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK",
    ] {
        assert!(has(k), "dist/ntpcheck.service lacks `{k}`");
    }
    let conflicts = unit.lines().find_map(|l| l.strip_prefix("Conflicts=")).unwrap();
    for d in ["ntp.service", "ntpsec.service", "chrony.service", "chronyd.service", "systemd-timesyncd.service"] {
        assert!(conflicts.split_whitespace().any(|w| w == d), "Conflicts= lacks {d}");
    }
    // Every ReadWritePaths= entry may be missing on a host: `-` prefixed.
    let rw = unit.lines().find_map(|l| l.strip_prefix("ReadWritePaths=")).unwrap();
    assert!(rw.split_whitespace().all(|p| p.starts_with("-/")), "{rw}");

    // systemd-analyze checks that ExecStart exists: point it at the binary under test.
    if need("systemd-analyze").is_none() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("ntpcheck");
    let local = unit.replace("/usr/bin/ntpcheck", &bin.display().to_string());
    std::fs::write(t.path().join("ntpcheck.service"), local).unwrap();
    let out = Std::new("systemd-analyze").args(["verify", "--man=no"]).arg(t.path().join("ntpcheck.service")).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("ntpcheck.service:"), "systemd-analyze verify: {err}");
}

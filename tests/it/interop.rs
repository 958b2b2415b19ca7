//! Real NTP clients against `ntpcheck serve --no-clock-adjust` serving the local clock: NTPsec's
//! `ntpdig -j`, classic `sntp` and `ntpdate -q` (built by ../shared/tools/oracle/classic/build.sh),
//! and `chronyd -Q` (unpacked from its .deb by .ci/run). These clients talk to UDP 123 only, so
//! server and client run in a private user+network namespace (`unshare -U -r -n`, loopback up):
//! nothing there can reach the network or set the clock. Each test checks what the client
//! printed — stratum, offset, leap — not only its exit status.
//! A missing program skips loudly on a developer machine and fails when CI=true.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::in_ci;

/// The local clock at stratum 10, as the classic reference configs write it; with `prefer` ntpd
/// selects it at its first sample and serves stratum 11 (without, only after `orphanwait`).
const LOCAL_CLOCK: &str = "\
# local clock only, nothing upstream
server 127.127.1.0 prefer
fudge 127.127.1.0 stratum 10
restrict default kod limited nomodify nopeer noquery
restrict 127.0.0.1
restrict ::1
";

fn find(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    for c in candidates {
        let p = Path::new(c);
        if p.is_absolute() {
            if p.is_file() {
                return Some(p.to_path_buf());
            }
        } else if let Some(paths) = std::env::var_os("PATH") {
            if let Some(f) = std::env::split_paths(&paths).map(|d| d.join(c)).find(|f| f.is_file()) {
                return Some(f);
            }
        }
    }
    None
}

/// The program, or `None` after a loud skip message (a failure when CI=true).
fn require(what: &str, env: &str, candidates: &[&str], how: &str) -> Option<PathBuf> {
    for tool in ["unshare", "ip"] {
        if find("", &[tool, &format!("/usr/sbin/{tool}"), &format!("/usr/bin/{tool}")]).is_none() {
            assert!(!in_ci(), "{tool} is missing, but CI=true");
            eprintln!("SKIPPED: interop test needs {tool}");
            return None;
        }
    }
    match find(env, candidates) {
        Some(p) => Some(p),
        None => {
            assert!(!in_ci(), "{what} is not installed, but CI=true: {how}");
            eprintln!("\n*** SKIPPED: {what} not found ({how}; or set {env}) ***\n");
            None
        }
    }
}

/// What one namespace run produced.
struct Run {
    client_out: String,
    client_rc: i32,
    server_log: String,
    server_rc: i32,
}

/// Starts `ntpcheck serve` on port 123 in a fresh namespace with `conf`, runs `client` (a
/// shell command line) against it, then stops the server with SIGTERM.
fn run_in_namespace(conf: &str, serve_args: &str, client: &str) -> Run {
    let dir = tempdir();
    std::fs::write(dir.join("ntp.conf"), conf).unwrap();
    let bin = env!("CARGO_BIN_EXE_ntpcheck");
    let script = format!(
        r#"set -u
cd '{dir}'
ip link set lo up
'{bin}' serve -n -c ntp.conf --no-clock-adjust --max-runtime 60 {serve_args} > server.log 2>&1 &
srv=$!
for i in $(seq 100); do grep -q 'ready: serving' server.log && break; sleep 0.05; done
# ntpd takes the local clock's first sample 1 s after start; clients before that see LI=3
case '{conf}' in *127.127.1.0*) for i in $(seq 100); do grep -q 'synchronised to the local clock' server.log && break; sleep 0.05; done;; esac
timeout 30 {client} > client.out 2>&1
echo $? > client.rc
kill -TERM $srv
wait $srv
echo $? > server.rc
"#,
        dir = dir.display(),
        conf = conf.replace('\'', "")
    );
    let st = Command::new("unshare").args(["-U", "-r", "-n", "sh", "-c", &script]).status().expect("run unshare");
    assert!(st.success(), "namespace script failed: {st}");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    let run = Run {
        client_out: read("client.out"),
        client_rc: read("client.rc").trim().parse().unwrap_or(-1),
        server_log: read("server.log"),
        server_rc: read("server.rc").trim().parse().unwrap_or(-1),
    };
    let _ = std::fs::remove_dir_all(&dir);
    run
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!("ntpcheck-interop-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The server answered and stopped cleanly on SIGTERM.
fn check_server(r: &Run) {
    assert_eq!(r.server_rc, 0, "serve exit status after SIGTERM\n{}", r.server_log);
    assert!(r.server_log.contains("SIGTERM: stopping"), "{}", r.server_log);
    let stopped = r.server_log.lines().find(|l| l.contains("stopped; packets received")).unwrap_or_else(|| panic!("{}", r.server_log));
    assert!(!stopped.contains("replies 0,"), "no reply sent: {stopped}");
}

fn number_after<'a>(s: &'a str, key: &str) -> f64 {
    let rest = &s[s.find(key).unwrap_or_else(|| panic!("`{key}` not in {s:?}")) + key.len()..];
    let tok: String = rest.trim_start().chars().take_while(|c| c.is_ascii_digit() || "+-.e".contains(*c)).collect();
    tok.parse().unwrap_or_else(|_| panic!("no number after `{key}` in {s:?}"))
}

#[test]
fn ntpsec_ntpdig_accepts_the_local_clock() {
    let Some(ntpdig) = require("NTPsec ntpdig", "NTPDIG", &["ntpdig", "/usr/bin/ntpdig"], "apt-get install ntpsec-ntpdig") else {
        return;
    };
    let r = run_in_namespace(LOCAL_CLOCK, "", &format!("'{}' -j 127.0.0.1", ntpdig.display()));
    check_server(&r);
    assert_eq!(r.client_rc, 0, "ntpdig failed:\n{}\nserver:\n{}", r.client_out, r.server_log);
    let line = r.client_out.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON: {}", r.client_out));
    let j: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(j["stratum"], 11, "{line}");
    assert_eq!(j["leap"], "no-leap", "{line}");
    assert_eq!(j["ip"], "127.0.0.1", "{line}");
    let off = j["offset"].as_f64().unwrap();
    assert!(off.abs() < 0.05, "offset {off} s against our own clock: {line}");
    assert_eq!(j["adjusted"], false, "{line}");
}

#[test]
fn ntpsec_ntpdig_refuses_an_unsynchronised_server() {
    // No time source: ntpd answers LI=3, stratum 0 on the wire, and clients must refuse it —
    // the checks above can fail.
    let Some(ntpdig) = require("NTPsec ntpdig", "NTPDIG", &["ntpdig", "/usr/bin/ntpdig"], "apt-get install ntpsec-ntpdig") else {
        return;
    };
    let r = run_in_namespace("restrict default nomodify\n", "", &format!("'{}' -t 1 127.0.0.1", ntpdig.display()));
    check_server(&r);
    assert_ne!(r.client_rc, 0, "{}", r.client_out);
    assert!(r.client_out.contains("stratum 0") || r.client_out.contains("leap not in sync"), "{}", r.client_out);
}

#[test]
fn classic_sntp_accepts_the_local_clock() {
    let Some(sntp) =
        require("classic sntp", "CLASSIC_SNTP", &["/opt/ntp-classic-oracle/bin/sntp"], "run ../shared/tools/oracle/classic/build.sh")
    else {
        return;
    };
    let r = run_in_namespace(LOCAL_CLOCK, "", &format!("'{}' -K /dev/null 127.0.0.1", sntp.display()));
    check_server(&r);
    assert_eq!(r.client_rc, 0, "sntp failed:\n{}\nserver:\n{}", r.client_out, r.server_log);
    // 2026-11-25 14:25:10.869338 (+0000) +0.000144 +/- 0.000111 127.0.0.1 s11 no-leap
    let line = r.client_out.lines().find(|l| l.contains(" 127.0.0.1 s")).unwrap_or_else(|| panic!("{}", r.client_out));
    assert!(line.ends_with(" 127.0.0.1 s11 no-leap"), "{line}");
    let off = number_after(line, ")");
    assert!(off.abs() < 0.05, "offset {off}: {line}");
}

#[test]
fn classic_ntpdate_query_accepts_the_local_clock() {
    let Some(ntpdate) = require(
        "classic ntpdate",
        "CLASSIC_NTPDATE",
        &["/opt/ntp-classic-oracle/sbin/ntpdate"],
        "run ../shared/tools/oracle/classic/build.sh",
    ) else {
        return;
    };
    // -q: query only, never set the clock; -u: an unprivileged source port (ours holds 123).
    let r = run_in_namespace(LOCAL_CLOCK, "", &format!("'{}' -q -u 127.0.0.1", ntpdate.display()));
    check_server(&r);
    assert_eq!(r.client_rc, 0, "ntpdate failed:\n{}\nserver:\n{}", r.client_out, r.server_log);
    // server 127.0.0.1, stratum 11, offset +0.000016, delay 0.02568
    let line = r.client_out.lines().find(|l| l.starts_with("server 127.0.0.1,")).unwrap_or_else(|| panic!("{}", r.client_out));
    assert!(line.contains(", stratum 11,"), "{line}");
    let off = number_after(line, "offset");
    assert!(off.abs() < 0.05, "offset {off}: {line}");
    assert!(r.client_out.contains("adjust time server 127.0.0.1 offset"), "{}", r.client_out);
}

#[test]
fn chronyd_client_accepts_the_local_clock() {
    let Some(chronyd) = require(
        "chronyd",
        "CHRONYD",
        &["/opt/chrony-deb/root/usr/sbin/chronyd"],
        "unpack the chrony .deb into /opt/chrony-deb/root as .ci/run does (never apt-get install chrony)",
    ) else {
        return;
    };
    // -Q: measure once and print, never touch the clock; -u root: the unpacked .deb has no
    // _chrony user; nothing in this namespace may set the clock anyway. `maxdistance 16`:
    // right after start ntpd's LOCAL clock (and so ours) carries a root dispersion of ~8 s,
    // over chrony's default 3 s root-distance limit; real ntpd needs minutes to get below it.
    let cmd = format!("'{}' -Q -u root -t 20 'server 127.0.0.1 iburst maxsamples 1' 'maxdistance 16'", chronyd.display());
    let r = run_in_namespace(LOCAL_CLOCK, "", &cmd);
    check_server(&r);
    assert_eq!(r.client_rc, 0, "chronyd failed:\n{}\nserver:\n{}", r.client_out, r.server_log);
    // 2026-11-25T14:25:11Z System clock wrong by -0.000002 seconds (ignored)
    let line = r.client_out.lines().find(|l| l.contains("System clock wrong by")).unwrap_or_else(|| panic!("{}", r.client_out));
    let off = number_after(line, "wrong by");
    assert!(off.abs() < 0.05, "offset {off}: {line}");
    assert!(line.ends_with("(ignored)"), "{line}");
}

#[test]
fn serves_every_loopback_address_by_default() {
    // No --listen: the addresses come from the interfaces, as ntpd picks them (lo's 127.0.0.1
    // and ::1 when the kernel has IPv6).
    let Some(ntpdig) = require("NTPsec ntpdig", "NTPDIG", &["ntpdig", "/usr/bin/ntpdig"], "apt-get install ntpsec-ntpdig") else {
        return;
    };
    let r = run_in_namespace(LOCAL_CLOCK, "-4", &format!("'{}' -j 127.0.0.1", ntpdig.display()));
    check_server(&r);
    assert_eq!(r.client_rc, 0, "{}", r.client_out);
    assert!(r.server_log.contains("listening on 127.0.0.1:123"), "{}", r.server_log);
    assert!(!r.server_log.contains("listening on [::1]"), "-4 serves IPv4 only:\n{}", r.server_log);
}

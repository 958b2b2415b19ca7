//! Mode 6 against real clients: Debian's NTPsec `ntpq -p`, `ntpq -c rv`, `ntpq -c mrulist`, the
//! C `ntpstat`, classic 4.2.8p18 `ntpq`, and `ntpcheck status`, all talking to
//! `ntpcheck serve --no-clock-adjust` on port 123 inside a private user+network namespace
//! (`unshare -U -r -n`, loopback only). ntpq exits 0 even on "Request timed out", so every
//! check reads the text it printed. A missing program skips loudly, and fails when CI=true.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::in_ci;

const LOCAL_CLOCK: &str = "\
server 127.127.1.0 prefer
fudge 127.127.1.0 stratum 10
restrict default kod limited nomodify nopeer noquery
restrict 127.0.0.1
restrict ::1
";

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(Path::new).find(|p| p.is_file()).map(Path::to_path_buf)
}

/// The program, or `None` after a loud skip message (a failure when CI=true).
fn require(what: &str, candidates: &[&str], how: &str) -> Option<PathBuf> {
    for tool in [["/usr/bin/unshare", "/bin/unshare"], ["/usr/sbin/ip", "/sbin/ip"]] {
        if find(&tool).is_none() {
            assert!(!in_ci(), "{} is missing, but CI=true", tool[0]);
            eprintln!("\n*** SKIPPED: mode 6 test needs {} ***\n", tool[0]);
            return None;
        }
    }
    match find(candidates) {
        Some(p) => Some(p),
        None => {
            assert!(!in_ci(), "{what} is not installed, but CI=true: {how}");
            eprintln!("\n*** SKIPPED: {what} not found ({how}) ***\n");
            None
        }
    }
}

const NTPQ: &[&str] = &["/usr/bin/ntpq"];
const NTPSTAT: &[&str] = &["/usr/bin/ntpstat"];
const CLASSIC_NTPQ: &[&str] = &["/opt/ntp-classic-oracle/bin/ntpq"];
const NTPDIG: &[&str] = &["/usr/bin/ntpdig"];

/// Starts `ntpcheck serve` with `conf` in a fresh namespace, waits until it is ready (and, with
/// the local clock, synchronised), runs each shell command in turn, then stops the server.
/// Returns each command's output (stdout+stderr) and exit status, and the server log.
fn run(conf: &str, serve_args: &str, clients: &[String]) -> (Vec<(String, i32)>, String) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("ntpcheck-mode6-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ntp.conf"), conf).unwrap();
    let bin = env!("CARGO_BIN_EXE_ntpcheck");
    let mut script = format!(
        "set -u\ncd '{}'\nip link set lo up\n'{bin}' serve -n -c ntp.conf --no-clock-adjust --max-runtime 120 {serve_args} > server.log 2>&1 &\nsrv=$!\n\
         for i in $(seq 100); do grep -q 'ready: serving' server.log && break; sleep 0.05; done\n",
        dir.display()
    );
    if conf.contains("127.127.1.0") {
        script.push_str("for i in $(seq 100); do grep -q 'synchronised to the local clock' server.log && break; sleep 0.05; done\n");
    }
    for (i, c) in clients.iter().enumerate() {
        let c = c.replace('\'', "'\\''");
        script.push_str(&format!("timeout 60 sh -c '{c}' > out.{i} 2>&1 < /dev/null; echo $? > rc.{i}\n"));
    }
    script.push_str("kill -TERM $srv\nwait $srv\n");
    let st = Command::new("unshare").args(["-U", "-r", "-n", "sh", "-c", &script]).status().expect("run unshare");
    assert!(st.success(), "namespace script failed: {st}");
    let read = |f: String| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    let outs = (0..clients.len()).map(|i| (read(format!("out.{i}")), read(format!("rc.{i}")).trim().parse().unwrap_or(-1))).collect();
    let log = read("server.log".into());
    let _ = std::fs::remove_dir_all(&dir);
    (outs, log)
}

fn q(p: &Path) -> String {
    format!("'{}'", p.display())
}

/// The value of `name=` in ntpq's variable output.
fn var<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.split([',', '\n']).map(str::trim).find_map(|item| item.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

/// One NTPv3 client request from each of 127.0.0.2–127.0.0.81, waiting for each answer.
const MANY_CLIENTS: &str = "
import socket
for i in range(2, 82):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((\"127.0.0.%d\" % i, 0))
    s.settimeout(2)
    s.sendto(bytes([0x1b]) + bytes(47), (\"127.0.0.1\", 123))
    s.recv(512)
    s.close()
";

#[test]
fn ntpq_ntpstat_and_status_read_the_server() {
    let (Some(ntpq), Some(ntpstat), Some(classic), Some(ntpdig)) = (
        require("NTPsec ntpq", NTPQ, "apt-get install ntpsec"),
        require("ntpstat", NTPSTAT, "apt-get install ntpstat"),
        require("classic ntpq", CLASSIC_NTPQ, "bash ../shared/tools/oracle/classic/build.sh"),
        require("NTPsec ntpdig", NTPDIG, "apt-get install ntpsec-ntpdig"),
    ) else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_ntpcheck");
    let clients = vec![
        // Some time traffic first, so the MRU list has entries: ntpdig from 127.0.0.1, then
        // one client request from each of 127.0.0.2–127.0.0.81 (mrulist then needs several
        // fragments and pages).
        format!("{} 127.0.0.1; {} 127.0.0.1", q(&ntpdig), q(&ntpdig)),
        format!("{} -p 127.0.0.1", q(&ntpq)),
        format!("{} -c rv 127.0.0.1", q(&ntpq)),
        format!("python3 -c '{MANY_CLIENTS}' && {} -c mrulist 127.0.0.1", q(&ntpq)),
        q(&ntpstat),
        format!("{} -p 127.0.0.1", q(&classic)),
        format!("{} -c 'rv 0 stratum,refid,peer' 127.0.0.1", q(&classic)),
        format!("{} -c mrulist 127.0.0.1", q(&classic)),
        format!("'{bin}' status"),
        format!("'{bin}' status --json ::1"),
        format!("{} -c as 127.0.0.1", q(&ntpq)),
    ];
    let (o, log) = run(LOCAL_CLOCK, "", &clients);
    let all = || format!("{o:#?}\nserver log:\n{log}");

    // ntpq -p (NTPsec): the local clock as system peer at stratum 10, type l, reach 1.
    let peers = &o[1].0;
    assert!(!peers.contains("timed out"), "{}", all());
    let row = peers.lines().find(|l| l.starts_with('*')).unwrap_or_else(|| panic!("no system peer row: {}", all()));
    let f: Vec<&str> = row.split_whitespace().collect();
    assert_eq!((f[0], f[1], f[2], f[3], f[5], f[6]), ("*LOCAL(0)", ".LOCL.", "10", "l", "64", "1"), "{row}");

    // ntpq -c rv: the system variables, decoded status word.
    let rv = &o[2].0;
    assert!(rv.contains("leap_none, sync_local"), "{}", all());
    assert_eq!(var(rv, "stratum"), Some("11"), "{rv}");
    assert_eq!(var(rv, "refid"), Some("127.127.1.0"), "{rv}");
    assert_eq!(var(rv, "tc"), Some("6"), "{rv}");
    let rootdisp: f64 = var(rv, "rootdisp").unwrap().parse().unwrap();
    assert!((7000.0..8000.0).contains(&rootdisp), "{rv}");
    let assoc = var(rv, "peer").unwrap().to_string();
    assert_ne!(assoc, "0");

    // ntpq -c mrulist: ntpdig's two packets from 127.0.0.1 (mode 3, version 4) and the 80
    // other clients, each once.
    let mru = &o[3].0;
    let row = mru.lines().find(|l| l.ends_with("localhost") || l.ends_with("127.0.0.1")).unwrap_or_else(|| panic!("no MRU row: {}", all()));
    let f: Vec<&str> = row.split_whitespace().collect();
    assert_eq!((f[4], f[5], f[6]), ("3", "4", "2"), "mode, version, count: {row}");
    let others: Vec<&str> = mru.lines().filter(|l| l.contains(" 127.0.0.") && !l.ends_with("127.0.0.1")).collect();
    assert_eq!(others.len(), 80, "{}", all());
    assert!(mru.contains("# Collected 81 slots"), "{}", all());

    // ntpstat: synchronised, exit 0.
    let (st, rc) = &o[4];
    assert_eq!(*rc, 0, "{}", all());
    assert!(st.starts_with("synchronised to local net at stratum 11"), "{}", all());
    assert!(st.contains("time correct to within 79") && st.contains("polling server every 64 s"), "{st}");

    // Classic ntpq reads the same.
    let row = o[5].0.lines().find(|l| l.starts_with('*')).unwrap_or_else(|| panic!("classic ntpq -p: {}", all()));
    assert!(row.starts_with("*LOCAL(0)        .LOCL.          10 l"), "{row}");
    assert!(o[6].0.contains("stratum=11") && o[6].0.contains(&format!("peer={assoc}")), "{}", all());
    assert!(o[7].0.contains("Retrieved 81 unique MRU entries"), "{}", all());

    // ntpcheck status: the same table and ntpstat's lines, exit 0; JSON over ::1.
    let (st, rc) = &o[8];
    assert_eq!(*rc, 0, "{}", all());
    assert!(st.contains("\n*LOCAL(0)        .LOCL.          10 l ") && st.contains("synchronised to local net at stratum 11"), "{st}");
    let j: serde_json::Value = serde_json::from_str(&o[9].0).unwrap_or_else(|e| panic!("{e}: {}", all()));
    assert_eq!(o[9].1, 0);
    assert_eq!(j["sync"]["synchronised"], true);
    assert_eq!(j["sync"]["stratum"], 11);
    assert_eq!(j["peers"][0]["tally"], "*");
    assert_eq!(j["peers"][0]["assoc_id"].to_string(), assoc);

    // ntpq -c as: configured, reachable, sys.peer.
    assert!(o[10].0.lines().any(|l| l.contains(&assoc) && l.contains("yes") && l.contains("sys.peer")), "{}", all());
}

#[test]
fn noquery_means_no_answer() {
    let (Some(ntpq), Some(ntpstat)) =
        (require("NTPsec ntpq", NTPQ, "apt-get install ntpsec"), require("ntpstat", NTPSTAT, "apt-get install ntpstat"))
    else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_ntpcheck");
    let clients = vec![format!("{} -p 127.0.0.1", q(&ntpq)), q(&ntpstat), format!("'{bin}' status --timeout 1")];
    let conf = "server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum 10\nrestrict default noquery\nrestrict 127.0.0.1 noquery\n";
    let (o, log) = run(conf, "", &clients);
    assert!(o[0].0.contains("timed out") && !o[0].0.contains("LOCAL"), "{o:?}\n{log}");
    assert_eq!(o[1].1, 2, "ntpstat without an answer: {o:?}");
    assert_eq!(o[2].1, 2, "status without an answer: {o:?}");
    assert!(o[2].0.contains("timed out"), "{o:?}");
    // NTPsec's implicit `restrict default noquery limited` covers localhost too (NTPsec 1.2.2
    // does not answer ntpq on 127.0.0.1 with no restrict line, verified by running it).
    let (o, log) =
        run("server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum 10\n", "--dialect ntpsec", &[format!("'{bin}' status --timeout 1")]);
    assert_eq!(o[0].1, 2, "{o:?}\n{log}");
}

#[test]
fn ntpsec_dialect_nomrulist_and_unsynchronised() {
    let (Some(ntpq), Some(ntpstat)) =
        (require("NTPsec ntpq", NTPQ, "apt-get install ntpsec"), require("ntpstat", NTPSTAT, "apt-get install ntpstat"))
    else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_ntpcheck");
    // No `prefer`: the local clock is only a fallback, unsynchronised for orphanwait (300 s).
    let conf = "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\nrestrict 127.0.0.1 nomrulist\n";
    let clients = vec![
        format!("{} -p 127.0.0.1", q(&ntpq)),
        format!("{} -c mrulist 127.0.0.1", q(&ntpq)),
        q(&ntpstat),
        format!("'{bin}' status"),
        format!("{} -c rv 127.0.0.1", q(&ntpq)),
        format!("{} -c as 127.0.0.1", q(&ntpq)),
    ];
    let (o, log) = run(conf, "--dialect ntpsec", &clients);
    let all = || format!("{o:#?}\nserver log:\n{log}");
    let row = o[0].0.lines().find(|l| l.contains("LOCAL(0)")).unwrap_or_else(|| panic!("{}", all()));
    // As NTPsec 1.2.2 shows it then: reachable but rejected (blank tally), status 9014.
    assert!(row.starts_with(" LOCAL(0)        .LOCL.          10 l"), "not selected yet: {row}");
    assert!(o[1].0.contains("Server error code PERMISSION"), "{}", all());
    assert_eq!(o[2].1, 1, "ntpstat: unsynchronised: {}", all());
    assert!(o[2].0.starts_with("unsynchronised"), "{}", all());
    assert_eq!(o[3].1, 1, "{}", all());
    assert!(o[3].0.contains("unsynchronised"), "{}", all());
    assert!(o[4].0.contains("status=c016 leap_alarm, sync_unspec, 1 event, restart"), "{}", all());
    assert_eq!(var(&o[4].0, "stratum"), Some("16"), "{}", all());
    assert!(o[5].0.contains("9014") && o[5].0.contains("reject") && o[5].0.contains("reachable"), "{}", all());
}

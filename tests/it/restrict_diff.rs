//! Restrict differential: for a grid of `restrict` configurations × client source addresses,
//! `ntpcheck serve` and the real daemon of the same dialect (NTPsec 1.2.2's ntpd; classic
//! 4.2.8p18's ntpd from ../shared/tools/oracle/classic/build.sh), each run in turn as the server
//! at 192.0.2.1 on a test network (../shared/tools/netns/testnet.sh: clients with their own
//! addresses in their own network namespaces, all inside one `unshare -U -r -n`), must give the
//! same outcome for every request: a reply, no reply, or a kiss-o'-death code.
//! A missing daemon skips its half loudly on a developer machine and fails when CI=true.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use crate::util::{in_ci, shared};

/// One request pattern: NTP version, mode, how many back to back, source port (0 = any).
struct Probe {
    name: &'static str,
    version: u8,
    count: u8,
    sport: u16,
}

const PROBES: &[Probe] = &[
    Probe { name: "v4", version: 4, count: 1, sport: 0 },
    Probe { name: "v3", version: 3, count: 1, sport: 0 },
    Probe { name: "port123", version: 4, count: 1, sport: 123 },
    Probe { name: "burst", version: 4, count: 32, sport: 0 },
];

const CLIENTS: &[(&str, &str)] = &[("a", "192.0.2.2"), ("b", "192.0.2.3"), ("c", "192.0.2.130")];

/// (name, config, which probes). Every config serves the local clock so that the daemons
/// answer as they would in service.
const GRID: &[(&str, &str, &[&str])] = &[
    ("no-restrict", "", &["v4"]),
    ("default-ignore", "restrict default ignore\nrestrict -6 default ignore\n", &["v4"]),
    ("default-ignore-one-host", "restrict default ignore\nrestrict 192.0.2.2\n", &["v4"]),
    ("noserve", "restrict default noserve\nrestrict 192.0.2.3 nomodify\n", &["v4"]),
    ("limited-kod", "restrict default limited kod nomodify\n", &["v4", "burst"]),
    ("limited-no-kod", "restrict default limited nomodify\n", &["burst"]),
    ("version", "restrict default version nomodify\n", &["v4", "v3"]),
    ("ntpport", "restrict default nomodify\nrestrict 192.0.2.0 mask 255.255.255.0 ntpport ignore\n", &["v4", "port123"]),
    ("mask", "restrict default ignore\nrestrict 192.0.2.0 mask 255.255.255.128 nomodify\n", &["v4"]),
    ("cidr", "restrict default ignore\nrestrict 192.0.2.128/25 nomodify\n", &["v4"]),
    ("minus-6-only", "restrict -6 default ignore\n", &["v4"]),
    (
        "overlapping",
        "restrict default ignore\nrestrict 192.0.2.0 mask 255.255.255.0 noserve\nrestrict 192.0.2.2 nomodify\nrestrict 192.0.2.128 mask 255.255.255.128 kod limited\n",
        &["v4", "burst"],
    ),
    ("source", "restrict default ignore\nrestrict source nomodify\nserver 192.0.2.3\n", &["v4"]),
];

const LOCAL_CLOCK: &str = "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\n";

/// Sends `count` requests back to back, then collects the answers (matched by transmit
/// timestamp) for 0.3 s: one outcome per request, `+`-joined.
const PROBE_PY: &str = r#"
import socket, struct, sys, time
srv, version, count, sport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', sport))
base = (int(time.time()) + 2208988800) << 32
sent = []
for i in range(count):
    xmt = base | (0x1000 + i)
    sent.append(xmt)
    s.sendto(bytes([(version << 3) | 3]) + bytes(39) + struct.pack('!Q', xmt), (srv, 123))
    time.sleep(0.001)
got = {}
s.settimeout(0.3)
try:
    while len(got) < count:
        data, _ = s.recvfrom(2048)
        if len(data) < 48:
            continue
        org = struct.unpack('!Q', data[24:32])[0]
        refid = data[12:16]
        if data[1] == 0 and refid in (b'RATE', b'DENY', b'RSTR', b'CRYP'):
            got[org] = 'kod-' + refid.decode()
        else:
            got[org] = 'reply'
except socket.timeout:
    pass
print('+'.join(got.get(x, 'none') for x in sent))
"#;

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!("ntpcheck-restrict-diff-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the whole grid against each server; returns server → (config, client, probe) → outcome.
fn run_grid(servers: &[(&str, String)]) -> BTreeMap<String, BTreeMap<(String, String, String), String>> {
    let dir = tempdir();
    std::fs::write(dir.join("probe.py"), PROBE_PY).unwrap();
    let mut script = String::new();
    writeln!(script, "set -u\ncd '{}'\n. '{}'", dir.display(), shared().join("tools/netns/testnet.sh").display()).unwrap();
    writeln!(script, "testnet_up").unwrap();
    for (name, addr) in CLIENTS {
        writeln!(script, "testnet_host {name} {addr}").unwrap();
    }
    writeln!(script, "trap testnet_down EXIT").unwrap();
    // Let the new links settle (the first packets after set-up were lost otherwise).
    writeln!(script, "sleep 2").unwrap();
    for (sname, cmd) in servers {
        for (cname, conf, probes) in GRID {
            let tag = format!("{sname}.{cname}");
            std::fs::write(dir.join(format!("{tag}.conf")), format!("{LOCAL_CLOCK}{conf}")).unwrap();
            let cmd = cmd.replace("@CONF@", &format!("{tag}.conf")).replace("@LOG@", &format!("{tag}.log"));
            writeln!(script, ": > {tag}.log; {cmd} > {tag}.out 2>&1 & srv=$!").unwrap();
            // up when it listens on the test network (all three log the address)
            writeln!(
                script,
                "for i in $(seq 100); do grep -qE 'Listen normally on .*192.0.2.1|listening on 192.0.2.1' {tag}.log {tag}.out && break; sleep 0.05; done; sleep 0.3"
            )
            .unwrap();
            for (i, p) in PROBES.iter().filter(|p| probes.contains(&p.name)).enumerate() {
                // A burst right after a client's single probe lands inside or outside classic's
                // minimum-interval check depending on scheduling (classic rounds the gap to whole
                // seconds): a fixed pause makes every server see the same gap.
                if i > 0 && p.name == "burst" {
                    writeln!(script, "sleep 2").unwrap();
                }
                for (client, _) in CLIENTS {
                    writeln!(
                        script,
                        "echo \"R {sname} {cname} {client} {} $(testnet_exec {client} python3 probe.py 192.0.2.1 {} {} {})\"",
                        p.name, p.version, p.count, p.sport
                    )
                    .unwrap();
                }
            }
            writeln!(script, "kill $srv; wait $srv 2>/dev/null").unwrap();
        }
    }
    std::fs::write(dir.join("grid.sh"), &script).unwrap();
    // No process in here can set the clock: own user namespace, and CAP_SYS_TIME gone from the
    // bounding set before it.
    let out = Command::new("setpriv")
        .args(["--inh-caps=-sys_time", "--bounding-set=-sys_time", "--", "unshare", "-U", "-r", "-n", "bash"])
        .arg(dir.join("grid.sh"))
        .output()
        .expect("run the grid");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut res: BTreeMap<String, BTreeMap<(String, String, String), String>> = BTreeMap::new();
    for l in text.lines().filter_map(|l| l.strip_prefix("R ")) {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() == 5 {
            res.entry(f[0].into()).or_default().insert((f[1].into(), f[2].into(), f[3].into()), f[4].into());
        }
    }
    assert!(
        !res.is_empty(),
        "the grid produced nothing: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.join("grid.sh")).unwrap_or_default()
    );
    if std::env::var_os("NTPCHECK_KEEP").is_some() {
        eprintln!("restrict_diff: kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    res
}

fn available(what: &str, path: &str, how: &str) -> bool {
    if std::path::Path::new(path).is_file() {
        return true;
    }
    assert!(!in_ci(), "{what} ({path}) is missing, but CI=true: {how}");
    eprintln!("\n*** SKIPPED: {what} not found at {path} ({how}) ***\n");
    false
}

fn compare(dialect: &str, daemon: &str, daemon_cmd: String) {
    let ours =
        format!("'{}' serve -n --dialect {dialect} -c @CONF@ -l @LOG@ --no-clock-adjust --max-runtime 30", env!("CARGO_BIN_EXE_ntpcheck"));
    let res = run_grid(&[(daemon, daemon_cmd), ("ntpcheck", ours)]);
    let (Some(theirs), Some(ours)) = (res.get(daemon), res.get("ntpcheck")) else {
        panic!("missing results: {res:#?}");
    };
    let mut diffs = Vec::new();
    for (k, v) in theirs {
        let o = ours.get(k).map(String::as_str).unwrap_or("(nothing)");
        if o != v {
            diffs.push(format!("{:<24} client {} {:<8} {daemon}: {v:<28} ntpcheck: {o}", k.0, k.1, k.2));
        }
    }
    let expected = GRID.iter().map(|(_, _, p)| p.len() * CLIENTS.len()).sum::<usize>();
    assert_eq!(theirs.len(), expected, "{daemon} answered every probe: {theirs:#?}");
    // The grid must discriminate: the daemon itself gives more than one kind of outcome.
    let kinds: std::collections::BTreeSet<&str> = theirs.values().flat_map(|v| v.split('+')).collect();
    assert!(kinds.len() >= 3, "outcomes seen from {daemon}: {kinds:?}\n{theirs:#?}");
    assert!(diffs.is_empty(), "ntpcheck ({dialect}) differs from {daemon} on {} of {expected} probes:\n{}", diffs.len(), diffs.join("\n"));
}

#[test]
fn restrict_outcomes_match_classic_ntpd() {
    let ntpd = "/opt/ntp-classic-oracle/sbin/ntpd";
    if !available("classic ntpd", ntpd, "run ../shared/tools/oracle/classic/build.sh") {
        return;
    }
    compare("classic", "classic", format!("'{ntpd}' -n -c @CONF@ -l @LOG@ -f drift"));
}

#[test]
fn restrict_outcomes_match_ntpsec() {
    let ntpd = "/usr/sbin/ntpd";
    if !available("NTPsec ntpd", ntpd, "apt-get install ntpsec") {
        return;
    }
    compare("ntpsec", "ntpsec", format!("'{ntpd}' -n -c @CONF@ -l @LOG@ -f drift"));
}

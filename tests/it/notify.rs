//! The test plays systemd: it binds a `NOTIFY_SOCKET` (unix datagram socket in a temp dir),
//! starts `ntpcheck serve -n --no-clock-adjust` on UDP 123 and reads what the server says.
//!
//! Server and test run together in a private user+network namespace (`unshare -U -r -n`,
//! loopback up): the outer `#[test]` re-runs this test binary there on one `#[ignore]`d inner
//! test, so the probes below reach the server's port. Checked:
//! - `READY=1` comes only once the port answers: the moment READY arrives, one request goes out
//!   and must be answered (a READY sent before the socket is bound would meet "connection
//!   refused"), and nothing at all arrives before READY;
//! - `RELOADING=1` with `MONOTONIC_USEC` (close to CLOCK_MONOTONIC), then `READY=1`, on SIGHUP,
//!   for a good reload and for a bad one (STATUS says the old configuration is kept);
//! - `STATUS=` tracks the state: unsynchronised, then the local clock and its stratum;
//! - `STOPPING=1` on SIGTERM (and SIGINT), and a clean exit;
//! - without `-n`, the detached child keeps `NOTIFY_SOCKET` and says READY with `MAINPID=`;
//! - an unreachable `NOTIFY_SOCKET` does not stop the server.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use ntpcheck::proto::packet;

use crate::util::in_ci;

/// Marks the process the outer test started inside the namespace.
const NETNS_ENV: &str = "NTPCHECK_IT_IN_NETNS";

/// Runs the `#[ignore]`d test `name` (full path, e.g. `notify::inner`) of this binary in a fresh
/// user+network namespace and asserts it passed. `false` (after a loud message) when
/// unshare/ip are missing on a dev machine; a failure when CI=true.
pub(crate) fn run_in_namespace(name: &str) -> bool {
    for tool in [["/usr/bin/unshare", "/bin/unshare"], ["/usr/sbin/ip", "/sbin/ip"]] {
        if !tool.iter().any(|p| Path::new(p).is_file()) {
            assert!(!in_ci(), "{} is missing, but CI=true", tool[0]);
            eprintln!("\n*** SKIPPED: {name} needs {} ***\n", tool[0]);
            return false;
        }
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("unshare")
        .args(["-U", "-r", "-n"])
        .arg(exe)
        .args(["--exact", name, "--ignored", "--nocapture", "--test-threads", "1"])
        .env(NETNS_ENV, "1")
        .stdin(Stdio::null())
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A filter that matched nothing would "pass" too: require the one test.
    assert!(out.status.success() && stdout.contains("test result: ok. 1 passed"), "{name} in the namespace failed:\n{stdout}\n{stderr}");
    true
}

/// In the inner test: whether we are in the namespace (then loopback is brought up). Outside
/// (someone ran `--ignored` by hand) the inner test does nothing.
pub(crate) fn inside_namespace() -> bool {
    if std::env::var_os(NETNS_ENV).is_none() {
        eprintln!("not in the test namespace: nothing to do (the outer test starts this one)");
        return false;
    }
    let st = Command::new("ip").args(["link", "set", "lo", "up"]).status().expect("run ip");
    assert!(st.success(), "ip link set lo up: {st}");
    true
}

pub(crate) fn tempdir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!("ntpcheck-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A running `ntpcheck serve`, killed if the test fails.
pub(crate) struct Serve {
    pub child: Child,
    pub log: PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    pub fn start(dir: &Path, extra: &[&str], env: &[(&str, &Path)]) -> Serve {
        let log = dir.join("serve.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ntpcheck"));
        cmd.args(["serve", "-n", "-c"])
            .arg(dir.join("ntp.conf"))
            .arg("-l")
            .arg(&log)
            .args(["--listen", "127.0.0.1:123", "--no-clock-adjust", "--max-runtime", "60"])
            .args(extra)
            .env_remove("NOTIFY_SOCKET")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Serve { child: cmd.spawn().unwrap(), log }
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    pub fn signal(&self, s: Signal) {
        kill(self.pid(), s).unwrap();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (bounded) for the exit status.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < end, "serve did not exit within 10 s:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

pub(crate) const SERVER: &str = "127.0.0.1:123";

/// One NTPv4 client request from `sock` (connected to the server); the reply header, or the
/// error (ECONNREFUSED when nothing listens; a timeout after `wait`).
pub(crate) fn ask(sock: &UdpSocket, wait: Duration) -> std::io::Result<packet::Header> {
    sock.set_read_timeout(Some(wait))?;
    let mut req = [0u8; 48];
    req[0] = (4 << 3) | 3;
    let xmt = 0xE000_0000_0000_0000u64 | u64::from(std::process::id());
    req[40..48].copy_from_slice(&xmt.to_be_bytes());
    sock.send(&req)?;
    let mut buf = [0u8; 512];
    let n = sock.recv(&mut buf)?;
    let h = packet::decode(&buf[..n]).map_err(|e| std::io::Error::other(format!("{e:?}")))?.header;
    assert_eq!(h.origin_time.to_bits(), xmt, "the reply answers our request");
    Ok(h)
}

pub(crate) fn client(bind: &str) -> UdpSocket {
    let s = UdpSocket::bind(bind).unwrap();
    s.connect(SERVER.parse::<SocketAddr>().unwrap()).unwrap();
    s
}

/// The systemd side: the notification socket.
struct Manager {
    sock: UnixDatagram,
    path: PathBuf,
}

impl Manager {
    fn new(dir: &Path) -> Manager {
        let path = dir.join("notify.sock");
        let sock = UnixDatagram::bind(&path).unwrap();
        Manager { sock, path }
    }

    /// The next message within `wait`.
    fn next(&self, wait: Duration) -> Option<String> {
        self.sock.set_read_timeout(Some(wait)).unwrap();
        let mut buf = [0u8; 4096];
        let n = self.sock.recv(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// The next message that is not a bare STATUS update (those may come at any time).
    fn next_event(&self, wait: Duration, statuses: &mut Vec<String>) -> String {
        let end = Instant::now() + wait;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let m = self.next(left.max(Duration::from_millis(1))).unwrap_or_else(|| panic!("no notification within {wait:?}"));
            if m.lines().all(|l| l.starts_with("STATUS=")) {
                statuses.push(field(&m, "STATUS").unwrap().to_string());
                continue;
            }
            return m;
        }
    }
}

fn field<'a>(msg: &'a str, key: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

fn monotonic_usec() -> i128 {
    let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).unwrap();
    i128::from(t.tv_sec()) * 1_000_000 + i128::from(t.tv_nsec()) / 1000
}

const CONF: &str = "server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum 10\nrestrict default nomodify\n";

#[test]
fn systemd_notify_ready_reload_status_stopping() {
    run_in_namespace("notify::inner_systemd_notify");
}

#[test]
#[ignore = "runs inside the namespace systemd_notify_ready_reload_status_stopping creates"]
fn inner_systemd_notify() {
    if !inside_namespace() {
        return;
    }
    let dir = tempdir("notify");
    std::fs::write(dir.join("ntp.conf"), CONF).unwrap();
    let mgr = Manager::new(&dir);
    // The probe socket exists before the server: the request below goes out the moment READY
    // is read.
    let probe = client("127.0.0.1:0");
    let mut srv = Serve::start(&dir, &[], &[("NOTIFY_SOCKET", &mgr.path)]);

    // Nothing before READY, and READY within 15 s.
    let first = mgr.next(Duration::from_secs(15)).unwrap_or_else(|| panic!("no READY within 15 s:\n{}", srv.log()));
    let answer = ask(&probe, Duration::from_secs(2));
    assert!(first.starts_with("READY=1\n"), "the first notification is READY=1: {first:?}");
    let h = answer.unwrap_or_else(|e| panic!("READY=1 arrived but the port did not answer a request sent right then: {e}\n{}", srv.log()));
    assert_eq!(h.stratum, 0, "unsynchronised at first (stratum 16, sent as 0)");
    let log = srv.log();
    assert!(log.contains("listening on 127.0.0.1:123") && log.contains("ready: serving"), "{log}");
    let status = field(&first, "STATUS").expect("READY carries STATUS");
    assert_eq!(status, "unsynchronised (1 source, 0 reachable); serving stratum 16");

    // The local clock is selected 1 s after start; STATUS follows within its refresh period.
    let mut statuses = Vec::new();
    let end = Instant::now() + Duration::from_secs(10);
    while !statuses.iter().any(|s: &String| s == "synchronised to local clock 127.127.1.0 at stratum 11") {
        assert!(Instant::now() < end, "STATUS never said synchronised: {statuses:?}");
        if let Some(m) = mgr.next(Duration::from_millis(500)) {
            assert!(m.starts_with("STATUS="), "only STATUS updates while serving: {m:?}");
            statuses.push(field(&m, "STATUS").unwrap().to_string());
        }
    }

    // A good reload: RELOADING=1 + MONOTONIC_USEC, then READY=1.
    std::fs::write(dir.join("ntp.conf"), CONF.replace("stratum 10", "stratum 5")).unwrap();
    let before = monotonic_usec();
    srv.signal(Signal::SIGHUP);
    let m = mgr.next_event(Duration::from_secs(10), &mut statuses);
    assert!(m.starts_with("RELOADING=1\n"), "{m:?}");
    let usec: i128 = field(&m, "MONOTONIC_USEC").expect("MONOTONIC_USEC with RELOADING").parse().unwrap();
    assert!(usec >= before && usec <= monotonic_usec(), "MONOTONIC_USEC={usec} is CLOCK_MONOTONIC at the reload");
    let m = mgr.next_event(Duration::from_secs(10), &mut statuses);
    assert!(m.starts_with("READY=1\n"), "READY=1 after the reload: {m:?}");
    assert_eq!(field(&m, "STATUS"), Some("configuration reloaded; synchronised to local clock 127.127.1.0 at stratum 6"));
    assert_eq!(ask(&probe, Duration::from_secs(2)).unwrap().stratum, 6);

    // A reload ntpd would exit on: RELOADING, then READY again, saying the old one is kept.
    std::fs::write(dir.join("ntp.conf"), "server 127.127.1.0\nfudge 127.127.1.0 stratum 0x\n").unwrap();
    srv.signal(Signal::SIGHUP);
    let m = mgr.next_event(Duration::from_secs(10), &mut statuses);
    assert!(m.starts_with("RELOADING=1\n"), "{m:?}");
    let m = mgr.next_event(Duration::from_secs(10), &mut statuses);
    assert!(m.starts_with("READY=1\n"), "{m:?}");
    assert_eq!(
        field(&m, "STATUS"),
        Some("reload failed, previous configuration kept; synchronised to local clock 127.127.1.0 at stratum 6")
    );
    assert_eq!(ask(&probe, Duration::from_secs(2)).unwrap().stratum, 6, "the old configuration serves");

    // SIGTERM: STOPPING=1, then a clean exit.
    srv.signal(Signal::SIGTERM);
    let m = mgr.next_event(Duration::from_secs(10), &mut statuses);
    assert!(m.starts_with("STOPPING=1\n"), "{m:?}");
    assert!(srv.wait_exit().success(), "{}", srv.log());
    assert!(mgr.next(Duration::from_millis(200)).is_none(), "nothing after STOPPING");

    // Without -n: the detached child (started again with the same environment) is the one
    // that says READY, with MAINPID= itself; the parent exits 0.
    std::fs::write(dir.join("ntp.conf"), CONF).unwrap();
    let mut parent = Command::new(env!("CARGO_BIN_EXE_ntpcheck"))
        .args(["serve", "-c"])
        .arg(dir.join("ntp.conf"))
        .arg("-l")
        .arg(dir.join("detached.log"))
        .args(["--listen", SERVER, "--no-clock-adjust", "--max-runtime", "30"])
        .env("NOTIFY_SOCKET", &mgr.path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let m = mgr.next(Duration::from_secs(15)).expect("READY from the detached child");
    ask(&probe, Duration::from_secs(2)).expect("the detached child serves");
    assert!(m.starts_with("READY=1\n"), "{m:?}");
    let main: i32 = field(&m, "MAINPID").expect("MAINPID").parse().unwrap();
    assert_ne!(main, parent.id() as i32, "MAINPID is the child, not the parent");
    let end = Instant::now() + Duration::from_secs(10);
    let st = loop {
        if let Some(st) = parent.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < end, "the parent did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(st.success(), "parent: {st}");
    // SIGINT stops as SIGTERM does.
    kill(Pid::from_raw(main), Signal::SIGINT).unwrap();
    let m = mgr.next_event(Duration::from_secs(10), &mut statuses);
    assert!(m.starts_with("STOPPING=1\n"), "{m:?}");
    let end = Instant::now() + Duration::from_secs(10);
    while kill(Pid::from_raw(main), None).is_ok()
        && !std::fs::read_to_string(dir.join("detached.log")).unwrap_or_default().contains("stopped;")
    {
        assert!(Instant::now() < end, "the detached child did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }

    // A NOTIFY_SOCKET nobody listens on: logged, and the server serves anyway.
    std::fs::write(dir.join("ntp.conf"), CONF).unwrap();
    let _ = std::fs::remove_file(dir.join("serve.log"));
    let mut srv = Serve::start(&dir, &[], &[("NOTIFY_SOCKET", &dir.join("nobody.sock"))]);
    let end = Instant::now() + Duration::from_secs(15);
    while !srv.log().contains("ready: serving") {
        assert!(Instant::now() < end, "not ready:\n{}", srv.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    ask(&probe, Duration::from_secs(2)).expect("serves without a service manager");
    assert!(srv.log().contains("not notifying the service manager"), "{}", srv.log());
    srv.signal(Signal::SIGTERM);
    assert!(srv.wait_exit().success());
    let _ = std::fs::remove_dir_all(&dir);
}

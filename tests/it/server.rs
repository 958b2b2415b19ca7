//! `ntpcheck serve` end to end on loopback, on an ephemeral port (no namespace needed): replies,
//! SIGHUP reload (a bad reload keeps the old configuration), SIGTERM, the pid and log files,
//! detaching without `-n`, and usage errors. Every wait is bounded.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use ntpcheck::proto::packet::{self, LeapIndicator, Mode};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ntpcheck")
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!("ntpcheck-server-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn local_clock(stratum: u8) -> String {
    // `prefer`: ntpd selects LOCAL at its first sample (without it only after `orphanwait`).
    format!("server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum {stratum}\nrestrict default nomodify\n")
}

/// Waits (bounded) until the log file contains `needle` `count` times; returns the log.
fn wait_log(log: &Path, needle: &str, count: usize) -> String {
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        let s = std::fs::read_to_string(log).unwrap_or_default();
        if s.matches(needle).count() >= count {
            return s;
        }
        assert!(Instant::now() < end, "`{needle}` not logged within 15 s:\n{s}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn port_from(log: &str) -> SocketAddr {
    let l = log.lines().find(|l| l.contains("listening on 127.0.0.1:")).unwrap_or_else(|| panic!("{log}"));
    let a = l.split("listening on ").nth(1).unwrap().split_whitespace().next().unwrap();
    a.parse().unwrap()
}

/// Sends one NTPv`version` request of `mode`; returns the reply header, or None after 500 ms.
fn query(server: SocketAddr, version: u8, mode: u8) -> Option<packet::Header> {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut req = [0u8; 48];
    req[0] = (version << 3) | mode;
    req[2] = 6;
    let xmt: u64 = 0xE000_0000_1234_5678;
    req[40..48].copy_from_slice(&xmt.to_be_bytes());
    s.send_to(&req, server).unwrap();
    let mut buf = [0u8; 1024];
    let (n, from) = s.recv_from(&mut buf).ok()?;
    assert_eq!(from, server);
    let h = packet::decode(&buf[..n]).unwrap().header;
    assert_eq!(h.origin_time.to_bits(), xmt, "origin = our transmit timestamp");
    Some(h)
}

struct Server {
    child: Child,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, extra: &[&str]) -> Server {
    let log = dir.join("serve.log");
    let child = Command::new(bin())
        .args(["serve", "-n", "-c"])
        .arg(dir.join("ntp.conf"))
        .arg("-l")
        .arg(&log)
        .args(["--listen", "127.0.0.1:0", "--no-clock-adjust", "--max-runtime", "60"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server { child, log }
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        assert!(Instant::now() < end, "serve did not exit within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn reload_on_sighup_keeps_old_config_on_error_and_sigterm_stops() {
    let dir = tempdir();
    let conf = dir.join("ntp.conf");
    std::fs::write(&conf, local_clock(10)).unwrap();
    let pidfile = dir.join("ntpd.pid");
    let mut srv = start(&dir, &["-p", pidfile.to_str().unwrap()]);
    let log = wait_log(&srv.log, "ready: serving", 1);
    let addr = port_from(&log);
    // Unsynchronised until ntpd's first sample of the local clock, 1 s after start.
    assert_eq!(query(addr, 4, 3).expect("a reply").leap, LeapIndicator::Unsynchronized);
    wait_log(&srv.log, "synchronised to the local clock", 1);
    let pid = Pid::from_raw(srv.child.id() as i32);
    assert_eq!(std::fs::read_to_string(&pidfile).unwrap().trim(), srv.child.id().to_string(), "-p writes our pid");

    let h = query(addr, 4, 3).expect("a reply");
    assert_eq!((h.mode, h.version, h.stratum, h.leap), (Mode::Server, 4, 11, LeapIndicator::NoWarning));
    // classic ntpd's refid for its LOCAL clock: the clock's address.
    assert_eq!(h.reference_id.0, [127, 127, 1, 0]);
    assert!(h.receive_time.to_bits() != 0 && h.transmit_time.to_bits() >= h.receive_time.to_bits(), "T2 <= T3");
    // Version copied; modes a server does not answer get nothing.
    assert_eq!(query(addr, 3, 3).expect("v3 reply").version, 3);
    assert!(query(addr, 4, 7).is_none(), "mode 7 is never answered");

    // A good reload takes effect.
    std::fs::write(&conf, local_clock(5)).unwrap();
    kill(pid, Signal::SIGHUP).unwrap();
    wait_log(&srv.log, "configuration reloaded", 1);
    assert_eq!(query(addr, 4, 3).expect("a reply").stratum, 6);

    // A configuration ntpd exits on: logged, the old one keeps serving.
    std::fs::write(&conf, "server 127.127.1.0\nfudge 127.127.1.0 stratum 0x\n").unwrap();
    kill(pid, Signal::SIGHUP).unwrap();
    let log = wait_log(&srv.log, "reload failed", 1);
    assert!(log.contains("NTP008"), "the diagnostic is logged:\n{log}");
    assert_eq!(query(addr, 4, 3).expect("still serving").stratum, 6);

    // A missing file is an error too (with -c given): still serving.
    std::fs::remove_file(&conf).unwrap();
    kill(pid, Signal::SIGHUP).unwrap();
    wait_log(&srv.log, "reload failed", 2);
    assert_eq!(query(addr, 4, 3).expect("still serving").stratum, 6);

    kill(pid, Signal::SIGTERM).unwrap();
    let st = wait_exit(&mut srv.child);
    assert!(st.success(), "clean exit on SIGTERM: {st}");
    let log = std::fs::read_to_string(&srv.log).unwrap();
    assert!(log.contains("SIGTERM: stopping"), "{log}");
    // 6 answered, 1 mode 7 dropped.
    assert!(log.contains("stopped; packets received 7, replies 6, KoD 0, send failures 0, dropped 1 (mode 7 1)"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn strict_refuses_what_ntpd_runs_past() {
    let dir = tempdir();
    std::fs::write(dir.join("ntp.conf"), "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\nbogus line\n").unwrap();
    let out = Command::new(bin())
        .args(["serve", "-n", "--listen", "127.0.0.1:0", "--no-clock-adjust", "--strict", "-c"])
        .arg(dir.join("ntp.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ntp.conf:3:1") && err.contains("--strict: refusing"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_n_it_detaches_and_writes_the_daemon_pid() {
    let dir = tempdir();
    std::fs::write(dir.join("ntp.conf"), local_clock(10)).unwrap();
    let pidfile = dir.join("ntpd.pid");
    let log = dir.join("serve.log");
    let mut parent = Command::new(bin())
        .args(["serve", "-c"])
        .arg(dir.join("ntp.conf"))
        .arg("-p")
        .arg(&pidfile)
        .arg("-l")
        .arg(&log)
        .args(["--listen", "127.0.0.1:0", "--no-clock-adjust", "--max-runtime", "30"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let st = wait_exit(&mut parent);
    assert!(st.success(), "the parent exits 0 once the daemon is ready: {st}");
    let daemon: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    assert_ne!(daemon as u32, parent.id(), "the pid file names the background process");
    let text = wait_log(&log, "ready: serving", 1);
    let addr = port_from(&text);
    wait_log(&log, "synchronised to the local clock", 1);
    assert_eq!(query(addr, 4, 3).expect("the daemon answers").stratum, 11);
    // It is in its own session, without a terminal.
    let stat = std::fs::read_to_string(format!("/proc/{daemon}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split(' ').collect();
    assert_eq!(fields[3], daemon.to_string(), "session leader (setsid)");
    assert_eq!(fields[4], "0", "no controlling terminal");
    kill(Pid::from_raw(daemon), Signal::SIGTERM).unwrap();
    wait_log(&log, "stopped; packets received 1", 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(bin()).args(["serve", "--frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--frobnicate"));
    let out = Command::new(bin()).args(["serve", "-n", "--test-hosts", "no-address"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--test-hosts"));
    let out = Command::new(bin()).args(["serve", "--dialect", "ntpsec", "-r", "0.1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(bin()).args(["serve", "-V"]).output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("ntpcheck "));
}

#[test]
fn saveconfigquit_writes_the_dump_and_exits() {
    let dir = tempdir();
    std::fs::write(dir.join("ntp.conf"), local_clock(7)).unwrap();
    let out = dir.join("saved.conf");
    let st = Command::new(bin()).args(["serve", "-c"]).arg(dir.join("ntp.conf")).arg("--saveconfigquit").arg(&out).status().unwrap();
    assert!(st.success());
    let saved = std::fs::read_to_string(&out).unwrap();
    assert!(saved.contains("fudge 127.127.1.0 stratum 7"), "{saved}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn minus_u_drops_root_but_keeps_net_bind_service() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED: -u needs root (CI runs as root)");
        return;
    }
    let dir = tempdir();
    std::fs::write(dir.join("ntp.conf"), local_clock(10)).unwrap();
    // Readable by `nobody` for SIGHUP re-reads; the server itself never gets CAP_SYS_TIME here.
    for p in [dir.clone(), dir.join("ntp.conf")] {
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&p, perm).unwrap();
    }
    let log = dir.join("serve.log");
    let mut child = Command::new("setpriv")
        .args(["--inh-caps=-sys_time", "--bounding-set=-sys_time", "--"])
        .arg(bin())
        .args(["serve", "-n", "-u", "nobody", "-c"])
        .arg(dir.join("ntp.conf"))
        .arg("-l")
        .arg(&log)
        .args(["--listen", "127.0.0.1:0", "--max-runtime", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let text = wait_log(&log, "ready: serving", 1);
    assert!(text.contains("running as user nobody"), "{text}");
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let field = |k: &str| status.lines().find(|l| l.starts_with(k)).unwrap().split_whitespace().nth(1).unwrap().to_string();
    assert_eq!(field("Uid:"), "65534", "{status}");
    let eff = u64::from_str_radix(&field("CapEff:"), 16).unwrap();
    assert_eq!(eff, 1 << 10, "only CAP_NET_BIND_SERVICE is left (CAP_SYS_TIME was not in the bounding set): {eff:#x}");
    let addr = port_from(&text);
    wait_log(&log, "synchronised to the local clock", 1);
    assert_eq!(query(addr, 4, 3).expect("still serving after the drop").stratum, 11);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    assert!(wait_exit(&mut child).success());
    let _ = std::fs::remove_dir_all(&dir);
}

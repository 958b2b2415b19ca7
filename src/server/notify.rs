//! systemd's readiness protocol (`sd_notify`, `Type=notify` / `Type=notify-reload`): `READY=1`
//! once the sockets are bound and the configuration is loaded, `RELOADING=1` (with
//! `MONOTONIC_USEC`, which systemd ≥ 253 wants for `notify-reload`) then `READY=1` around a
//! SIGHUP reload, `STOPPING=1` on SIGTERM/SIGINT, and a `STATUS=` line for `systemctl status`.
//!
//! The messages are formatted by the `sd-notify` crate. The socket is connected once, at
//! start-up: after `-i` (chroot) the path in `NOTIFY_SOCKET` would no longer be reachable, and
//! after `-u` perhaps no longer writable. Without `NOTIFY_SOCKET` every call does nothing.
//! The variable is left in the environment (the detached child started by `daemon::detach`
//! inherits it unchanged).

use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};

use sd_notify::NotifyState;

use crate::proto::control::{ControlSnapshot, Selection};
use crate::proto::system::SystemVars;
use crate::srvlog;

use super::log::Level;

/// The connection to the service manager, or nothing.
#[derive(Debug, Default)]
pub struct Notifier {
    sock: Option<UnixDatagram>,
    warned: AtomicBool,
    main_pid: Option<u32>,
}

impl Notifier {
    /// Connects to `NOTIFY_SOCKET` if it is set (a path, or `@name` in the abstract namespace).
    /// A socket that cannot be reached is logged once and ignored: the server runs anyway.
    pub fn from_env() -> Self {
        let Some(path) = std::env::var_os("NOTIFY_SOCKET").filter(|p| !p.is_empty()) else { return Self::default() };
        match connect(&path) {
            Ok(s) => Notifier { sock: Some(s), ..Self::default() },
            Err(e) => {
                srvlog!(Level::Warning, "NOTIFY_SOCKET={}: {e}; not notifying the service manager", path.to_string_lossy());
                Self::default()
            }
        }
    }

    /// A notifier writing to `sock` (tests).
    pub fn with_socket(sock: UnixDatagram) -> Self {
        Notifier { sock: Some(sock), ..Self::default() }
    }

    /// READY also says `MAINPID=` this process: the detached child (no `-n`) tells the service
    /// manager that it, not the parent about to exit, is the service (`NotifyAccess=all`).
    pub fn with_main_pid(mut self) -> Self {
        self.main_pid = Some(std::process::id());
        self
    }

    /// Whether there is a service manager to tell.
    pub fn enabled(&self) -> bool {
        self.sock.is_some()
    }

    /// Serving: sockets bound, configuration loaded.
    pub fn ready(&self, status: &str) {
        let status = one_line(status);
        match self.main_pid {
            Some(pid) => self.send(&[NotifyState::Ready, NotifyState::MainPid(pid), NotifyState::Status(&status)]),
            None => self.send(&[NotifyState::Ready, NotifyState::Status(&status)]),
        }
    }

    /// A reload starts.
    pub fn reloading(&self) {
        let mut states = vec![NotifyState::Reloading];
        if let Ok(m) = NotifyState::monotonic_usec_now() {
            states.push(m);
        }
        states.push(NotifyState::Status("reloading the configuration"));
        self.send(&states);
    }

    /// Stopping (SIGTERM/SIGINT).
    pub fn stopping(&self) {
        self.send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
    }

    /// A new status line.
    pub fn status(&self, status: &str) {
        self.send(&[NotifyState::Status(&one_line(status))]);
    }

    fn send(&self, states: &[NotifyState<'_>]) {
        let Some(sock) = &self.sock else { return };
        let msg: String = states.iter().map(|s| format!("{s}\n")).collect();
        if let Err(e) = sock.send(msg.as_bytes())
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            srvlog!(Level::Warning, "cannot notify the service manager: {e}");
        }
    }
}

fn connect(path: &std::ffi::OsStr) -> std::io::Result<UnixDatagram> {
    use std::os::unix::ffi::OsStrExt;
    let sock = UnixDatagram::unbound()?;
    let bytes = path.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        sock.connect_addr(&std::os::unix::net::SocketAddr::from_abstract_name(name)?)?;
    } else {
        sock.connect(path)?;
    }
    sock.set_nonblocking(true)?;
    Ok(sock)
}

/// `STATUS=` is one line of the message.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// What `systemctl status` shows: sync state, stratum and system peer, e.g. "synchronised to
/// 192.0.2.2 at stratum 3", "synchronised to local clock 127.127.1.0 at stratum 11",
/// "unsynchronised (1 source, 0 reachable); serving stratum 16".
pub fn status_line(sys: &SystemVars, snap: &ControlSnapshot) -> String {
    let peer = snap.sys_peer.and_then(|id| snap.peers.iter().find(|p| p.assoc_id == id));
    if sys.is_synchronised() {
        match peer {
            Some(p) if is_refclock(p.srcadr.ip()) => format!("synchronised to local clock {} at stratum {}", p.srcadr.ip(), sys.stratum),
            Some(p) => format!("synchronised to {} at stratum {}", p.srcadr.ip(), sys.stratum),
            None => format!("synchronised at stratum {}", sys.stratum),
        }
    } else {
        let n = snap.peers.len();
        let reachable = snap.peers.iter().filter(|p| p.reach != 0).count();
        let candidates = snap.peers.iter().filter(|p| matches!(p.selection, Selection::Candidate | Selection::SysPeer)).count();
        let sources = match n {
            0 => "no sources".to_string(),
            1 => format!("1 source, {reachable} reachable"),
            _ => format!("{n} sources, {reachable} reachable"),
        };
        let cand =
            if candidates > 0 { format!(", {candidates} candidate{}", if candidates == 1 { "" } else { "s" }) } else { String::new() };
        format!("unsynchronised ({sources}{cand}); serving stratum {}", sys.stratum)
    }
}

/// 127.127.t.u: a reference clock's pseudo-address.
fn is_refclock(ip: std::net::IpAddr) -> bool {
    matches!(ip, std::net::IpAddr::V4(v4) if v4.octets()[..2] == [127, 127])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::control::PeerVars;
    use crate::proto::packet::{LeapIndicator, ReferenceId};
    use crate::proto::system::LocalClock;
    use crate::proto::time::{Log2Seconds, NtpShort, NtpTimestamp};
    use std::time::Duration;

    fn synced(stratum: u8) -> SystemVars {
        SystemVars {
            leap: LeapIndicator::NoWarning,
            stratum,
            root_delay: NtpShort::ZERO,
            root_dispersion: NtpShort::ZERO,
            reference_id: ReferenceId([192, 0, 2, 2]),
            reference_time: NtpTimestamp::ZERO,
            precision: Log2Seconds(-20),
        }
    }

    #[test]
    fn status_lines() {
        let p = Log2Seconds(-20);
        let unsync = SystemVars::unsynchronised(p);
        assert_eq!(status_line(&unsync, &ControlSnapshot::default()), "unsynchronised (no sources); serving stratum 16");

        let mut up = PeerVars::configured(7, Some("192.0.2.2".parse().unwrap()), None, Log2Seconds(6));
        let snap = ControlSnapshot { peers: vec![up.clone()], ..Default::default() };
        assert_eq!(status_line(&unsync, &snap), "unsynchronised (1 source, 0 reachable); serving stratum 16");
        up.reach = 3;
        up.selection = Selection::SysPeer;
        let snap = ControlSnapshot { peers: vec![up], sys_peer: Some(7), ..Default::default() };
        assert_eq!(status_line(&synced(3), &snap), "synchronised to 192.0.2.2 at stratum 3");

        let mut clock = LocalClock::new(10);
        clock.prefer = true;
        let snap = ControlSnapshot::serving(Some((&clock, 3)), p, Duration::from_secs(5), NtpTimestamp::ZERO);
        assert_eq!(status_line(&synced(11), &snap), "synchronised to local clock 127.127.1.0 at stratum 11");
        assert_eq!(status_line(&synced(11), &ControlSnapshot::default()), "synchronised at stratum 11");
    }

    #[test]
    fn messages_on_the_wire() {
        let (a, b) = UnixDatagram::pair().unwrap();
        let n = Notifier::with_socket(a);
        let mut buf = [0u8; 512];
        let mut recv = || {
            let k = b.recv(&mut buf).unwrap();
            String::from_utf8_lossy(&buf[..k]).into_owned()
        };
        n.ready("a\nb");
        assert_eq!(recv(), "READY=1\nSTATUS=a b\n");
        n.reloading();
        let m = recv();
        assert!(m.starts_with("RELOADING=1\nMONOTONIC_USEC="), "{m}");
        assert!(m.ends_with("\nSTATUS=reloading the configuration\n"), "{m}");
        n.stopping();
        assert_eq!(recv(), "STOPPING=1\nSTATUS=stopping\n");
        let (a, b) = UnixDatagram::pair().unwrap();
        Notifier::with_socket(a).with_main_pid().ready("s");
        let k = b.recv(&mut buf).unwrap();
        assert_eq!(String::from_utf8_lossy(&buf[..k]), format!("READY=1\nMAINPID={}\nSTATUS=s\n", std::process::id()));
        // Nothing configured: nothing sent, no error.
        Notifier::default().ready("x");
        assert!(!Notifier::default().enabled());
    }
}

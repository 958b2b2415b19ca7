//! The server decision: one datagram in, a verdict (and maybe a reply) out. Pure: the receive
//! time comes with the datagram and the transmit time from a clock the driver injects.
//!
//! Order of checks follows each dialect's `receive()` (classic `ntpd/ntp_proto.c` 4.2.8p18,
//! NTPsec 1.2.2): restrict lookup → `ignore` → mode 6/7 dispatch → `noserve` → format →
//! version → `notrust` → rate limiting (MRU) → authentication → reply.

use std::net::SocketAddr;
use std::time::Duration;

use super::Flavor;
use super::packet::{self, HEADER_LEN, Header, KissCode, Mode};
use super::system::SystemVars;
use super::time::{Log2Seconds, NtpTimestamp};

/// Largest reply [`Server::handle`] writes: header + key id + 20-byte digest.
pub const MAX_REPLY_LEN: usize = HEADER_LEN + packet::MAX_MAC_LEN;

/// Static settings of the server half (built by `runtime::plan`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// Whose behaviour to reproduce.
    pub flavor: Flavor,
    /// ntpd's `ntp_minpoll`: a reply's poll field is `max(request poll, this)` (classic:
    /// `discard average`, default 3; NTPsec: 0).
    pub min_poll: Log2Seconds,
}

impl ServerConfig {
    /// Defaults of the dialect's daemon.
    pub fn new(flavor: Flavor) -> Self {
        ServerConfig {
            flavor,
            min_poll: Log2Seconds(match flavor {
                Flavor::Classic => 3,
                Flavor::Ntpsec => 0,
            }),
        }
    }
}

/// What arrived, besides the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Sender.
    pub src: SocketAddr,
    /// Local address it was sent to.
    pub dst: SocketAddr,
    /// Receive timestamp (T2), ideally from the kernel.
    pub rx_time: NtpTimestamp,
    /// A monotonic reading taken at receipt (any fixed origin): rate limiting runs on it so
    /// that clock steps do not disturb it.
    pub mono: Duration,
}

/// Source of the transmit timestamp (T3), read as late as possible, just before a MAC is
/// computed. The driver implements it over the OS clock; tests use a fake.
pub trait TransmitClock {
    /// Now.
    fn transmit_time(&mut self) -> NtpTimestamp;
}

impl<F: FnMut() -> NtpTimestamp> TransmitClock for F {
    fn transmit_time(&mut self) -> NtpTimestamp {
        self()
    }
}

/// What to do with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send `out[..len]` back to the sender.
    Reply(usize),
    /// Send the kiss-o'-death in `out[..len]`.
    Kiss(KissCode, usize),
    /// Send nothing.
    Drop(DropReason),
}

/// Why nothing is sent (ntpd's counters in parentheses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Not a parsable NTP packet, or a length ntpd rejects (`sys_badlength`).
    Malformed,
    /// Version outside what the dialect accepts, or `restrict version` (`sys_badlength`).
    Version,
    /// A mode a server does not answer (`sys_declined`): 0, 2, 4, 5, or 1 where the dialect
    /// drops it.
    Mode,
    /// Mode 7 (ntpdc): never answered here.
    Private,
    /// Mode 6 (ntpq): the control handler is not implemented yet.
    Control,
    /// Source port 0.
    BadPort,
    /// `restrict … ignore`.
    Ignore,
    /// `restrict … noserve`.
    NoServe,
    /// `restrict … noquery` (mode 6/7).
    NoQuery,
    /// `restrict … flake` hit.
    Flake,
    /// `restrict … notrust` and no MAC.
    NotTrusted,
    /// Rate limit exceeded, no KoD (`sys_limitrejected`).
    RateLimited,
    /// MAC did not verify, unknown/untrusted key, crypto-NAK (`sys_badauth`).
    BadAuth,
    /// Extension fields the dialect does not serve (NTPsec: non-NTS fields).
    Extension,
}

/// Counters, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Datagrams seen.
    pub received: u64,
    /// Replies sent.
    pub replies: u64,
    /// KoD packets sent.
    pub kisses: u64,
    /// Drops.
    pub dropped: u64,
}

/// The server state machine.
#[derive(Debug, Clone)]
pub struct Server {
    config: ServerConfig,
    system: SystemVars,
    counters: Counters,
}

impl Server {
    /// A server with the given configuration and system variables.
    pub fn new(config: ServerConfig, system: SystemVars) -> Self {
        Server { config, system, counters: Counters::default() }
    }

    /// Publish new system variables (upstream sync, local clock driver).
    pub fn set_system(&mut self, system: SystemVars) {
        self.system = system;
    }

    /// The system variables served.
    pub fn system(&self) -> &SystemVars {
        &self.system
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Counters so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Decide what to do with `request`; a reply is written to `out`, which must hold at least
    /// [`MAX_REPLY_LEN`] bytes (a shorter buffer yields `Drop(Malformed)`).
    pub fn handle(&mut self, rx: &Received, request: &[u8], out: &mut [u8], clock: &mut impl TransmitClock) -> Verdict {
        self.counters.received += 1;
        let v = self.decide(rx, request, out, clock);
        match v {
            Verdict::Reply(_) => self.counters.replies += 1,
            Verdict::Kiss(..) => self.counters.kisses += 1,
            Verdict::Drop(_) => self.counters.dropped += 1,
        }
        v
    }

    fn decide(&mut self, rx: &Received, request: &[u8], out: &mut [u8], clock: &mut impl TransmitClock) -> Verdict {
        if rx.src.port() == 0 || request.is_empty() {
            return Verdict::Drop(DropReason::BadPort);
        }
        let mode = Mode::from_bits(request[0]);
        match mode {
            Mode::Private => return Verdict::Drop(DropReason::Private),
            Mode::Control => return Verdict::Drop(DropReason::Control),
            _ => {}
        }
        let Ok(pkt) = packet::decode(request) else { return Verdict::Drop(DropReason::Malformed) };
        let version = pkt.header.version;
        if !(1..=4).contains(&version) {
            return Verdict::Drop(DropReason::Version);
        }
        let mode = match (mode, version) {
            (Mode::Reserved, 1) => Mode::Client,
            (m, _) => m,
        };
        if mode != Mode::Client {
            return Verdict::Drop(DropReason::Mode);
        }
        if out.len() < MAX_REPLY_LEN {
            return Verdict::Drop(DropReason::Malformed);
        }
        let len = self.reply(&pkt.header, rx, out, clock);
        Verdict::Reply(len)
    }

    fn reply(&self, req: &Header, rx: &Received, out: &mut [u8], clock: &mut impl TransmitClock) -> usize {
        let s = &self.system;
        let mut h = Header {
            leap: s.leap,
            version: req.version,
            mode: Mode::Server,
            stratum: s.wire_stratum(),
            poll: req.poll.max(self.config.min_poll),
            precision: s.precision,
            root_delay: s.root_delay,
            root_dispersion: s.root_dispersion,
            reference_id: s.reference_id,
            reference_time: s.reference_time,
            origin_time: req.transmit_time,
            receive_time: rx.rx_time,
            transmit_time: NtpTimestamp::ZERO,
        };
        h.transmit_time = clock.transmit_time();
        let buf: &mut [u8; HEADER_LEN] = (&mut out[..HEADER_LEN]).try_into().expect("checked length");
        h.encode(buf);
        HEADER_LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::packet::{LeapIndicator, ReferenceId, decode};

    fn rx() -> Received {
        Received {
            src: "192.0.2.1:40000".parse().unwrap(),
            dst: "192.0.2.2:123".parse().unwrap(),
            rx_time: NtpTimestamp::new(100, 0),
            mono: Duration::from_secs(1),
        }
    }

    fn request(version: u8, mode: u8, poll: i8) -> [u8; 48] {
        let mut b = [0u8; 48];
        b[0] = (version << 3) | mode;
        b[2] = poll as u8;
        b[40..48].copy_from_slice(&NtpTimestamp::new(99, 5).0.to_be_bytes());
        b
    }

    #[test]
    fn mode3_gets_mode4_with_copied_fields() {
        let sys = SystemVars {
            stratum: 3,
            leap: LeapIndicator::NoWarning,
            reference_id: ReferenceId::LOCL,
            ..SystemVars::unsynchronised(Log2Seconds(-20))
        };
        let mut s = Server::new(ServerConfig::new(Flavor::Classic), sys);
        let mut out = [0u8; MAX_REPLY_LEN];
        let mut clock = || NtpTimestamp::new(100, 7);
        let v = s.handle(&rx(), &request(3, 3, 6), &mut out, &mut clock);
        assert_eq!(v, Verdict::Reply(48));
        let r = decode(&out[..48]).unwrap().header;
        assert_eq!((r.version, r.mode, r.stratum, r.poll.0), (3, Mode::Server, 3, 6));
        assert_eq!(r.origin_time, NtpTimestamp::new(99, 5));
        assert_eq!(r.receive_time, NtpTimestamp::new(100, 0));
        assert_eq!(r.transmit_time, NtpTimestamp::new(100, 7));
        assert_eq!(r.reference_id, ReferenceId::LOCL);
        assert_eq!(r.precision.0, -20);
    }

    #[test]
    fn poll_raised_to_min_poll() {
        let mut s = Server::new(ServerConfig::new(Flavor::Classic), SystemVars::unsynchronised(Log2Seconds(-20)));
        let mut out = [0u8; MAX_REPLY_LEN];
        let v = s.handle(&rx(), &request(4, 3, 0), &mut out, &mut || NtpTimestamp::ZERO);
        assert_eq!(v, Verdict::Reply(48));
        let r = decode(&out[..48]).unwrap().header;
        assert_eq!(r.poll.0, 3);
        assert_eq!(r.leap, LeapIndicator::Unsynchronized);
        assert_eq!(r.stratum, 0);
        assert_eq!(r.reference_id, ReferenceId::INIT);
    }

    #[test]
    fn modes_not_served() {
        let mut s = Server::new(ServerConfig::new(Flavor::Classic), SystemVars::unsynchronised(Log2Seconds(-20)));
        let mut out = [0u8; MAX_REPLY_LEN];
        for (mode, why) in [(7, DropReason::Private), (6, DropReason::Control), (4, DropReason::Mode), (5, DropReason::Mode)] {
            assert_eq!(s.handle(&rx(), &request(4, mode, 6), &mut out, &mut || NtpTimestamp::ZERO), Verdict::Drop(why));
        }
        assert_eq!(s.handle(&rx(), &request(5, 3, 6), &mut out, &mut || NtpTimestamp::ZERO), Verdict::Drop(DropReason::Version));
    }
}

//! The server decision: one datagram in, a verdict (and maybe a reply) out. Pure: the receive
//! time comes with the datagram and the transmit time from a clock the driver injects.
//!
//! The order of checks follows each dialect's `receive()`:
//! - classic 4.2.8p18 (`ntpd/ntp_proto.c`): restrict lookup → `ignore` → mode 7 (never
//!   answered) / mode 6 (`noquery`, then the control hook) → `noserve` → length → `flake` →
//!   version (4, or 1–7 unless `version`) → mode 0 of NTPv1 = client → trailer (RFC 7822
//!   fields, MAC) → `notrust` without MAC → rate limiting (KoD when `kod`) → MAC check →
//!   mode 3: reply (MACed with the request's key; a crypto-NAK reply when the MAC fails),
//!   mode 1: a symmetric passive reply without an association when the peer may not mobilize
//!   one (ntpd's answer to unauthenticated peers); an authenticated peer (or any, with
//!   `disable auth`) would get an ephemeral association, which is not implemented: dropped;
//!   everything else dropped;
//! - NTPsec 1.2.2 (`ntpd/ntp_proto.c`): NTPv1 mode 0/1 read as mode 3 → only versions 1–4,
//!   modes 3, 4, 6, ≥ 12 bytes → restrict lookup → `ignore`/`flake`/`noquery` (mode 6) or
//!   `noserve`/`version` → rate limiting for every mode (drop unless `kod`) → mode 6 hook →
//!   trailer → MAC check (a failure is dropped, never NAKed) → mode 3 reply or RATE kiss;
//!   non-NTS extension fields are dropped; replies are never longer than the request.

use std::net::SocketAddr;
use std::time::Duration;

use super::Flavor;
use super::access::{AccessPolicy, RestrictFlags};
use super::auth::{AuthOutcome, KeyStore};
use super::control::{self, ControlOutcome, ControlSnapshot, Fragments};
use super::packet::{self, HEADER_LEN, Header, KissCode, LeapIndicator, Mode, Packet};
use super::ratelimit::{RateLimitConfig, RateLimiter};
use super::system::{STRATUM_UNSPEC, SystemVars};
use super::time::{Log2Seconds, NtpDuration, NtpTimestamp};

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
    /// The compiled `restrict` table.
    pub access: AccessPolicy,
    /// Rate limiting and MRU bounds.
    pub rate_limit: RateLimitConfig,
    /// Symmetric keys with their trust.
    pub keys: KeyStore,
    /// Classic `enable auth` (default on): unauthenticated symmetric peers get no association.
    pub authenticate: bool,
    /// `tos floor` / `tos ceiling`: classic refuses mode 1 peers outside [floor, ceiling).
    pub floor: u8,
    /// See `floor`.
    pub ceiling: u8,
    /// `controlkey` (mode 6 writes; for the control handler).
    pub control_key: Option<u32>,
}

impl ServerConfig {
    /// Defaults of the dialect's daemon: default restrict entries, default rate limits, no
    /// keys.
    pub fn new(flavor: Flavor) -> Self {
        ServerConfig {
            flavor,
            min_poll: Log2Seconds(match flavor {
                Flavor::Classic => 3,
                Flavor::Ntpsec => 0,
            }),
            access: AccessPolicy::new(flavor),
            rate_limit: RateLimitConfig::default_for(flavor),
            keys: KeyStore::new(),
            authenticate: true,
            floor: 1,
            ceiling: 15,
            control_key: None,
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

/// Why nothing is sent (ntpd's counters in the comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Not a parsable NTP packet, or a length ntpd rejects (`sys_badlength`); also a reply
    /// longer than the request (NTPsec's anti-amplification check) or an `out` buffer shorter
    /// than [`MAX_REPLY_LEN`].
    Malformed,
    /// Version outside what the dialect accepts, or `restrict version` (`sys_badlength`).
    Version,
    /// A mode the server does not answer, or a classic mode 1 peer that may not mobilize an
    /// association (`nopeer`/`noepeer`, stratum outside floor/ceiling) (`sys_declined`).
    Mode,
    /// Mode 7 (ntpdc): never answered here.
    Private,
    /// Mode 6 (ntpq): dropped by the control handler.
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
    /// `restrict … notrust` and no valid MAC (`sys_restricted`).
    NotTrusted,
    /// Rate limit exceeded, no KoD (`sys_limitrejected`).
    RateLimited,
    /// MAC did not verify, unknown/untrusted key, crypto-NAK (`sys_badauth`).
    BadAuth,
    /// Extension fields the dialect does not serve (NTPsec: non-NTS fields).
    Extension,
}

impl DropReason {
    /// Every reason, for counters.
    pub const ALL: [DropReason; 14] = [
        DropReason::Malformed,
        DropReason::Version,
        DropReason::Mode,
        DropReason::Private,
        DropReason::Control,
        DropReason::BadPort,
        DropReason::Ignore,
        DropReason::NoServe,
        DropReason::NoQuery,
        DropReason::Flake,
        DropReason::NotTrusted,
        DropReason::RateLimited,
        DropReason::BadAuth,
        DropReason::Extension,
    ];
    /// A short name for logs and counters.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::Malformed => "malformed",
            DropReason::Version => "version",
            DropReason::Mode => "mode",
            DropReason::Private => "mode 7",
            DropReason::Control => "mode 6",
            DropReason::BadPort => "port 0",
            DropReason::Ignore => "restrict ignore",
            DropReason::NoServe => "restrict noserve",
            DropReason::NoQuery => "restrict noquery",
            DropReason::Flake => "restrict flake",
            DropReason::NotTrusted => "notrust",
            DropReason::RateLimited => "rate limit",
            DropReason::BadAuth => "authentication",
            DropReason::Extension => "extension field",
        }
    }
    fn index(self) -> usize {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
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
    /// Drops by reason, indexed like [`DropReason::ALL`].
    pub dropped_by: [u64; 14],
}

impl Counters {
    /// Drops for one reason.
    pub fn dropped_for(&self, r: DropReason) -> u64 {
        self.dropped_by[r.index()]
    }
}

/// How the reply is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReplyMac {
    /// No MAC.
    None,
    /// MAC with this key (if usable; classic silently sends no MAC otherwise).
    Key(u32),
    /// Classic's crypto-NAK: a zero key id and no digest.
    Nak,
}

/// The server state machine.
#[derive(Debug, Clone)]
pub struct Server {
    config: ServerConfig,
    system: SystemVars,
    limiter: RateLimiter,
    counters: Counters,
    rng: u64,
    // Mode 6: what the control handler reports, its nonce secret, the wall time of the
    // monotonic origin (fixed at the first packet, so MRU timestamps stay stable between
    // pages), and the last response's datagrams.
    control: ControlSnapshot,
    nonce_key: u64,
    mono_epoch: Option<NtpTimestamp>,
    fragments: Fragments,
}

impl Server {
    /// A server with the given configuration and system variables; `seed` keys the MRU hash
    /// and the random choices (`flake`, MRU preemption) — pass something unpredictable.
    pub fn new(config: ServerConfig, system: SystemVars) -> Self {
        Self::with_seed(config, system, 0x243f_6a88_85a3_08d3)
    }

    /// [`Server::new`] with an explicit seed.
    pub fn with_seed(config: ServerConfig, system: SystemVars, seed: u64) -> Self {
        let limiter = RateLimiter::new(config.rate_limit, seed);
        let nonce_key = seed.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15;
        Server {
            config,
            system,
            limiter,
            counters: Counters::default(),
            rng: seed | 1,
            control: ControlSnapshot::default(),
            nonce_key,
            mono_epoch: None,
            fragments: Fragments::default(),
        }
    }

    /// Swap in a new configuration (SIGHUP), keeping the MRU list and counters.
    pub fn reconfigure(&mut self, config: ServerConfig) {
        self.limiter.reconfigure(config.rate_limit);
        self.config = config;
    }

    /// Publish new system variables (upstream sync, local clock driver).
    pub fn set_system(&mut self, system: SystemVars) {
        self.system = system;
    }

    /// Publish what mode 6 reports about the associations (ntpq -p, ntpstat).
    pub fn set_control(&mut self, snapshot: ControlSnapshot) {
        self.control = snapshot;
    }

    /// Datagrams of the last mode 6 response after the first (which [`Server::handle`] wrote
    /// to `out`): send them to the same client, in order.
    pub fn more_fragments(&self) -> impl Iterator<Item = &[u8]> {
        self.fragments.iter().skip(1)
    }

    /// What mode 6 reports (the last [`Server::set_control`]).
    pub fn control_snapshot(&self) -> &ControlSnapshot {
        &self.control
    }

    /// The system variables served.
    pub fn system(&self) -> &SystemVars {
        &self.system
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The MRU list / rate limiter.
    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// Counters so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Decide what to do with `request`; a reply is written to `out`, which must hold at least
    /// [`MAX_REPLY_LEN`] bytes (a shorter buffer yields `Drop(Length)`).
    pub fn handle(&mut self, rx: &Received, request: &[u8], out: &mut [u8], clock: &mut impl TransmitClock) -> Verdict {
        self.counters.received += 1;
        self.fragments.clear();
        let v = if out.len() < MAX_REPLY_LEN {
            Verdict::Drop(DropReason::Malformed)
        } else {
            match self.config.flavor {
                Flavor::Classic => self.classic(rx, request, out, clock),
                Flavor::Ntpsec => self.ntpsec(rx, request, out, clock),
            }
        };
        match v {
            Verdict::Reply(_) => self.counters.replies += 1,
            Verdict::Kiss(..) => self.counters.kisses += 1,
            Verdict::Drop(r) => {
                self.counters.dropped += 1;
                self.counters.dropped_by[r.index()] += 1;
            }
        }
        v
    }

    fn random(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn mono_ns(rx: &Received) -> u64 {
        rx.mono.as_nanos().min(u64::MAX as u128) as u64
    }

    fn control(&mut self, rx: &Received, flags: RestrictFlags, request: &[u8], out: &mut [u8]) -> Verdict {
        let mono = NtpDuration::from_secs_f64(rx.mono.as_secs_f64());
        let epoch = *self.mono_epoch.get_or_insert(rx.rx_time.add_duration(NtpDuration(-mono.0)));
        let ctx = control::Context {
            flavor: self.config.flavor,
            system: &self.system,
            snapshot: &self.control,
            mru: &self.limiter,
            mru_epoch: epoch,
            nonce_key: self.nonce_key,
            src: rx.src,
            rx_time: rx.rx_time,
            flags,
        };
        match control::respond(&ctx, request, &mut self.fragments) {
            ControlOutcome::Reply(_) => match self.fragments.get(0) {
                Some(first) if first.len() <= out.len() => {
                    out[..first.len()].copy_from_slice(first);
                    Verdict::Reply(first.len())
                }
                _ => {
                    self.fragments.clear();
                    Verdict::Drop(DropReason::Control)
                }
            },
            ControlOutcome::Drop => Verdict::Drop(DropReason::Control),
        }
    }

    fn check_mac(&self, pkt: &Packet<'_>, request: &[u8]) -> AuthOutcome {
        match pkt.mac {
            None => AuthOutcome::None,
            Some(m) if m.is_crypto_nak() => AuthOutcome::CryptoNak(m.key_id),
            Some(m) => {
                if self.config.keys.verify(self.config.flavor, m.key_id, &request[..pkt.authenticated_len], m.digest) {
                    AuthOutcome::Ok(m.key_id)
                } else {
                    AuthOutcome::Error(m.key_id)
                }
            }
        }
    }

    fn classic(&mut self, rx: &Received, request: &[u8], out: &mut [u8], clock: &mut impl TransmitClock) -> Verdict {
        if rx.src.port() == 0 || request.len() < 2 {
            return Verdict::Drop(DropReason::BadPort);
        }
        let flags = self.config.access.flags(rx.src);
        let version = (request[0] >> 3) & 7;
        let mut mode = Mode::from_bits(request[0]);
        if flags.contains(RestrictFlags::IGNORE) {
            return Verdict::Drop(DropReason::Ignore);
        }
        match mode {
            // `enable mode7` would let ntpdc in; mode 7 is never answered here.
            Mode::Private => {
                return Verdict::Drop(if flags.contains(RestrictFlags::NOQUERY) { DropReason::NoQuery } else { DropReason::Private });
            }
            Mode::Control if flags.contains(RestrictFlags::NOQUERY) => return Verdict::Drop(DropReason::NoQuery),
            Mode::Control => return self.control(rx, flags, request, out),
            _ => {}
        }
        if flags.contains(RestrictFlags::NOSERVE) {
            return Verdict::Drop(DropReason::NoServe);
        }
        if request.len() < HEADER_LEN {
            return Verdict::Drop(DropReason::Malformed);
        }
        if flags.contains(RestrictFlags::FLAKE) && self.random() < 0.1 {
            return Verdict::Drop(DropReason::Flake);
        }
        // Version 4 always; 1–7 unless `version` (classic checks only the lower bound).
        if version != 4 && (flags.contains(RestrictFlags::VERSION) || version < 1) {
            return Verdict::Drop(DropReason::Version);
        }
        if mode == Mode::Reserved {
            if version != 1 {
                return Verdict::Drop(DropReason::Mode);
            }
            mode = Mode::Client;
        }
        let Ok(pkt) = packet::decode(request) else { return Verdict::Drop(DropReason::Malformed) };
        if flags.contains(RestrictFlags::NOTRUST) && pkt.mac.is_none() {
            return Verdict::Drop(DropReason::NotTrusted);
        }
        let flags = self.limiter.check(rx.src, Self::mono_ns(rx), request[0] & 0x3f, flags);
        let request_key = pkt.mac.map(|m| m.key_id).unwrap_or(0);
        let reply_mac = |k: u32| {
            if request.len() == HEADER_LEN {
                ReplyMac::None
            } else if k == 0 {
                ReplyMac::Nak
            } else {
                ReplyMac::Key(k)
            }
        };
        if flags.contains(RestrictFlags::LIMITED) {
            if !flags.contains(RestrictFlags::KOD) || matches!(mode, Mode::Server | Mode::Broadcast) {
                return Verdict::Drop(DropReason::RateLimited);
            }
            let xmode = if mode == Mode::Client { Mode::Server } else { Mode::SymmetricActive };
            let len = self.kiss(&pkt.header, xmode, out, reply_mac(request_key));
            return Verdict::Kiss(KissCode::Rate, len);
        }
        // Any 4-byte trailer is a crypto-NAK, and with no association it is invalid.
        let auth = self.check_mac(&pkt, request);
        if let AuthOutcome::CryptoNak(_) = auth {
            return Verdict::Drop(DropReason::BadAuth);
        }
        let notrust = flags.contains(RestrictFlags::NOTRUST);
        let acceptable = |strict: bool| match auth {
            AuthOutcome::Ok(_) => true,
            AuthOutcome::None => !strict,
            _ => false,
        };
        match mode {
            Mode::Client => {
                if acceptable(notrust) {
                    let len = self.reply(&pkt.header, Mode::Server, rx, out, clock, reply_mac(request_key));
                    Verdict::Reply(len)
                } else if matches!(auth, AuthOutcome::Error(_)) {
                    let len = self.reply(&pkt.header, Mode::Server, rx, out, clock, ReplyMac::Nak);
                    Verdict::Reply(len)
                } else {
                    Verdict::Drop(DropReason::NotTrusted)
                }
            }
            Mode::SymmetricActive => {
                let strict = self.config.authenticate || flags.contains(RestrictFlags::NOPEER) || notrust;
                if !acceptable(strict) {
                    // Not allowed to mobilize: answer as symmetric passive without an
                    // association if the packet passes `notrust` (ntpd's Windows workaround).
                    if acceptable(notrust) {
                        let len = self.reply(&pkt.header, Mode::SymmetricPassive, rx, out, clock, reply_mac(request_key));
                        return Verdict::Reply(len);
                    }
                    if matches!(auth, AuthOutcome::Error(_)) {
                        let len = self.reply(&pkt.header, Mode::SymmetricPassive, rx, out, clock, ReplyMac::Nak);
                        return Verdict::Reply(len);
                    }
                    return Verdict::Drop(DropReason::Mode);
                }
                if flags.contains(RestrictFlags::NOEPEER) {
                    return Verdict::Drop(DropReason::Mode);
                }
                let stratum = if pkt.header.stratum == 0 { STRATUM_UNSPEC } else { pkt.header.stratum };
                if pkt.header.leap != LeapIndicator::Unsynchronized && (stratum < self.config.floor || stratum >= self.config.ceiling) {
                    return Verdict::Drop(DropReason::Mode);
                }
                // ntpd mobilizes an ephemeral symmetric passive association here, which answers
                // later, on its own poll schedule, not to this packet (verified: no reply with
                // `disable auth`). This server keeps no associations.
                Verdict::Drop(DropReason::Mode)
            }
            _ => Verdict::Drop(DropReason::Mode),
        }
    }

    fn ntpsec(&mut self, rx: &Received, request: &[u8], out: &mut [u8], clock: &mut impl TransmitClock) -> Verdict {
        if request.is_empty() {
            return Verdict::Drop(DropReason::Malformed);
        }
        let mut first = request[0];
        let version = (first >> 3) & 7;
        // NTPv1 has no mode field: mode 0 (RFC 1059) and Windows XP's mode 1 are client requests.
        if version == 1 && request.len() == HEADER_LEN && matches!(Mode::from_bits(first), Mode::Reserved | Mode::SymmetricActive) {
            first = (1 << 3) | Mode::Client.bits();
        }
        let mode = Mode::from_bits(first);
        if request.len() < 12 || !(1..=4).contains(&version) {
            return Verdict::Drop(DropReason::Version);
        }
        if !matches!(mode, Mode::Client | Mode::Server | Mode::Control) {
            return Verdict::Drop(DropReason::Mode);
        }
        let flags = self.config.access.flags(rx.src);
        if flags.contains(RestrictFlags::IGNORE) {
            return Verdict::Drop(DropReason::Ignore);
        }
        if flags.contains(RestrictFlags::FLAKE) && self.random() < 0.1 {
            return Verdict::Drop(DropReason::Flake);
        }
        if mode == Mode::Control && flags.contains(RestrictFlags::NOQUERY) {
            return Verdict::Drop(DropReason::NoQuery);
        }
        if mode != Mode::Control && flags.contains(RestrictFlags::NOSERVE) {
            return Verdict::Drop(DropReason::NoServe);
        }
        if flags.contains(RestrictFlags::VERSION) && version != 4 {
            return Verdict::Drop(DropReason::Version);
        }
        let flags = self.limiter.check(rx.src, Self::mono_ns(rx), first & 0x3f, flags);
        if flags.contains(RestrictFlags::LIMITED) && !flags.contains(RestrictFlags::KOD) {
            return Verdict::Drop(DropReason::RateLimited);
        }
        if mode == Mode::Control {
            return self.control(rx, flags, request, out);
        }
        let Ok(pkt) = packet::decode_ntpsec(request) else { return Verdict::Drop(DropReason::Malformed) };
        let mut header = pkt.header;
        header.mode = mode;
        if mode == Mode::Server {
            // A reply to a request of ours: there are no associations to match.
            return Verdict::Drop(DropReason::Mode);
        }
        let auth = if flags.contains(RestrictFlags::NOTRUST) || pkt.mac.is_some() {
            match self.check_mac(&pkt, request) {
                AuthOutcome::Ok(k) => Some(k),
                _ => return Verdict::Drop(if pkt.mac.is_none() { DropReason::NotTrusted } else { DropReason::BadAuth }),
            }
        } else {
            None
        };
        if !pkt.extension_bytes.is_empty() {
            // Only NTS extension fields are served; NTS is not implemented here.
            return Verdict::Drop(DropReason::Extension);
        }
        let mac = auth.map(ReplyMac::Key).unwrap_or(ReplyMac::None);
        let (verdict, len) = if flags.contains(RestrictFlags::LIMITED) {
            let len = self.kiss(&header, Mode::Server, out, mac);
            (Verdict::Kiss(KissCode::Rate, len), len)
        } else {
            let len = self.reply(&header, Mode::Server, rx, out, clock, mac);
            (Verdict::Reply(len), len)
        };
        if len > request.len() {
            return Verdict::Drop(DropReason::Malformed);
        }
        verdict
    }

    /// Append the MAC and return the total length.
    fn finish(&self, out: &mut [u8], mac: ReplyMac) -> usize {
        match mac {
            ReplyMac::None => HEADER_LEN,
            ReplyMac::Nak => {
                out[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&[0; 4]);
                HEADER_LEN + 4
            }
            // A key that is not usable: classic writes the key id past the end but sends 48
            // bytes (`authencrypt` returns 0).
            ReplyMac::Key(k) => HEADER_LEN + self.config.keys.sign(self.config.flavor, k, out, HEADER_LEN).unwrap_or(0),
        }
    }

    fn kiss(&self, req: &Header, xmode: Mode, out: &mut [u8], mac: ReplyMac) -> usize {
        // KoD: unsynchronised, stratum 0, refid RATE; everything else echoed so the packet
        // reveals no time (ntpd's fast_xmit with RES_KOD).
        let h = Header {
            leap: LeapIndicator::Unsynchronized,
            version: req.version,
            mode: xmode,
            stratum: 0,
            poll: unsigned_max_poll(req.poll, self.config.min_poll),
            precision: req.precision,
            root_delay: req.root_delay,
            root_dispersion: req.root_dispersion,
            reference_id: KissCode::Rate.reference_id(),
            reference_time: req.reference_time,
            origin_time: req.transmit_time,
            receive_time: req.transmit_time,
            transmit_time: req.transmit_time,
        };
        h.encode((&mut out[..HEADER_LEN]).try_into().expect("checked length"));
        self.finish(out, mac)
    }

    fn reply(&self, req: &Header, xmode: Mode, rx: &Received, out: &mut [u8], clock: &mut impl TransmitClock, mac: ReplyMac) -> usize {
        let s = &self.system;
        let mut h = Header {
            leap: s.leap,
            version: req.version,
            mode: xmode,
            stratum: s.wire_stratum(),
            poll: unsigned_max_poll(req.poll, self.config.min_poll),
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
        h.encode((&mut out[..HEADER_LEN]).try_into().expect("checked length"));
        self.finish(out, mac)
    }
}

/// ntpd's `max(rpkt->ppoll, ntp_minpoll)` on an unsigned byte: a negative poll in the request
/// (e.g. −6 = 0xfa) is larger than any floor and is echoed (verified with both daemons).
fn unsigned_max_poll(req: Log2Seconds, floor: Log2Seconds) -> Log2Seconds {
    Log2Seconds((req.0 as u8).max(floor.0 as u8) as i8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::access::{AddrMask, MatchFlags, Origin, RestrictOp};
    use crate::proto::auth::{MacAlgorithm, SymmetricKey};
    use crate::proto::packet::{ReferenceId, decode};

    fn rx_from(src: &str, secs: f64) -> Received {
        Received {
            src: src.parse().unwrap(),
            dst: "192.0.2.2:123".parse().unwrap(),
            rx_time: NtpTimestamp::new(100, 0),
            mono: Duration::from_secs_f64(secs),
        }
    }
    fn rx() -> Received {
        rx_from("192.0.2.1:40000", 1.0)
    }

    fn request(version: u8, mode: u8, poll: i8) -> Vec<u8> {
        let mut b = vec![0u8; 48];
        b[0] = (version << 3) | mode;
        b[2] = poll as u8;
        b[40..48].copy_from_slice(&NtpTimestamp::new(99, 5).0.to_be_bytes());
        b
    }

    fn synced() -> SystemVars {
        SystemVars {
            stratum: 3,
            leap: LeapIndicator::NoWarning,
            reference_id: ReferenceId::LOCL,
            ..SystemVars::unsynchronised(Log2Seconds(-20))
        }
    }

    fn server(flavor: Flavor) -> Server {
        Server::new(ServerConfig::new(flavor), synced())
    }

    fn with_restrict(flavor: Flavor, flags: RestrictFlags) -> Server {
        let mut c = ServerConfig::new(flavor);
        c.access.apply(RestrictOp::Flags, AddrMask::any(false), MatchFlags::NONE, flags, -1, Origin::Lines(vec![0]));
        Server::new(c, synced())
    }

    fn go(s: &mut Server, rx: &Received, req: &[u8]) -> (Verdict, Vec<u8>) {
        let mut out = [0u8; MAX_REPLY_LEN];
        let v = s.handle(rx, req, &mut out, &mut || NtpTimestamp::new(100, 7));
        let n = match v {
            Verdict::Reply(n) | Verdict::Kiss(_, n) => n,
            Verdict::Drop(_) => 0,
        };
        (v, out[..n].to_vec())
    }

    #[test]
    fn mode3_gets_mode4_with_copied_fields() {
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            let (v, out) = go(&mut server(flavor), &rx(), &request(3, 3, 6));
            assert_eq!(v, Verdict::Reply(48));
            let r = decode(&out).unwrap().header;
            assert_eq!((r.version, r.mode, r.stratum, r.poll.0), (3, Mode::Server, 3, 6));
            assert_eq!(r.origin_time, NtpTimestamp::new(99, 5));
            assert_eq!(r.receive_time, NtpTimestamp::new(100, 0));
            assert_eq!(r.transmit_time, NtpTimestamp::new(100, 7));
            assert_eq!(r.reference_id, ReferenceId::LOCL);
            assert_eq!(r.precision.0, -20);
        }
    }

    #[test]
    fn poll_floor_differs_by_dialect() {
        let (_, out) = go(&mut server(Flavor::Classic), &rx(), &request(4, 3, 0));
        assert_eq!(decode(&out).unwrap().header.poll.0, 3);
        let (_, out) = go(&mut server(Flavor::Ntpsec), &rx(), &request(4, 3, 2));
        assert_eq!(decode(&out).unwrap().header.poll.0, 2);
        // Unsigned comparison: −6 (0xfa) is echoed by both.
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            let (_, out) = go(&mut server(flavor), &rx(), &request(4, 3, -6));
            assert_eq!(decode(&out).unwrap().header.poll.0, -6);
        }
    }

    #[test]
    fn unsynchronised_reply() {
        let mut s = Server::new(ServerConfig::new(Flavor::Classic), SystemVars::unsynchronised(Log2Seconds(-20)));
        let (_, out) = go(&mut s, &rx(), &request(4, 3, 6));
        let r = decode(&out).unwrap().header;
        assert_eq!((r.leap, r.stratum, r.reference_id), (LeapIndicator::Unsynchronized, 0, ReferenceId::INIT));
    }

    #[test]
    fn modes_not_served() {
        for (flavor, mode, why) in [
            (Flavor::Classic, 7, DropReason::Private),
            (Flavor::Classic, 4, DropReason::Mode),
            (Flavor::Classic, 5, DropReason::Mode),
            (Flavor::Classic, 2, DropReason::Mode),
            (Flavor::Ntpsec, 7, DropReason::Mode),
            (Flavor::Ntpsec, 1, DropReason::Mode),
            // NTPsec's default entry is `noquery limited`.
            (Flavor::Ntpsec, 6, DropReason::NoQuery),
            (Flavor::Ntpsec, 4, DropReason::Mode),
        ] {
            assert_eq!(go(&mut server(flavor), &rx(), &request(4, mode, 6)).0, Verdict::Drop(why), "{flavor:?} mode {mode}");
        }
        // Mode 6 goes to the control handler, which answers opcode 0 with an empty response.
        assert_eq!(go(&mut server(Flavor::Classic), &rx(), &request(4, 6, 6)).0, Verdict::Reply(12));
    }

    #[test]
    fn versions() {
        // Classic accepts 1–7 (only the lower bound is checked); NTPsec 1–4.
        assert_eq!(go(&mut server(Flavor::Classic), &rx(), &request(5, 3, 6)).0, Verdict::Reply(48));
        assert_eq!(go(&mut server(Flavor::Classic), &rx(), &request(0, 3, 6)).0, Verdict::Drop(DropReason::Version));
        assert_eq!(go(&mut server(Flavor::Ntpsec), &rx(), &request(5, 3, 6)).0, Verdict::Drop(DropReason::Version));
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            let mut s = with_restrict(flavor, RestrictFlags::VERSION);
            assert_eq!(go(&mut s, &rx(), &request(3, 3, 6)).0, Verdict::Drop(DropReason::Version));
            assert_eq!(go(&mut s, &rx(), &request(4, 3, 6)).0, Verdict::Reply(48));
        }
    }

    #[test]
    fn ntpv1_mode0_is_a_client() {
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            let (v, out) = go(&mut server(flavor), &rx(), &request(1, 0, 6));
            assert_eq!(v, Verdict::Reply(48));
            let r = decode(&out).unwrap().header;
            assert_eq!((r.version, r.mode), (1, Mode::Server));
        }
    }

    #[test]
    fn mode1_classic_passive_reply_unless_notrust_ntpsec_drops() {
        let (v, out) = go(&mut server(Flavor::Classic), &rx(), &request(4, 1, 6));
        assert_eq!(v, Verdict::Reply(48));
        assert_eq!(decode(&out).unwrap().header.mode, Mode::SymmetricPassive);
        // nopeer does not stop the no-association reply (it only stops mobilization).
        assert_eq!(go(&mut with_restrict(Flavor::Classic, RestrictFlags::NOPEER), &rx(), &request(4, 1, 6)).0, Verdict::Reply(48));
        assert_eq!(
            go(&mut with_restrict(Flavor::Classic, RestrictFlags::NOTRUST), &rx(), &request(4, 1, 6)).0,
            Verdict::Drop(DropReason::NotTrusted)
        );
        assert_eq!(go(&mut server(Flavor::Ntpsec), &rx(), &request(4, 1, 6)).0, Verdict::Drop(DropReason::Mode));
    }

    #[test]
    fn restrict_flags_per_mode() {
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            assert_eq!(
                go(&mut with_restrict(flavor, RestrictFlags::IGNORE), &rx(), &request(4, 3, 6)).0,
                Verdict::Drop(DropReason::Ignore)
            );
            assert_eq!(
                go(&mut with_restrict(flavor, RestrictFlags::NOSERVE), &rx(), &request(4, 3, 6)).0,
                Verdict::Drop(DropReason::NoServe)
            );
            // noserve leaves mode 6 to the control handler (NTPsec's default adds noquery).
            let want = if flavor == Flavor::Classic { Verdict::Reply(12) } else { Verdict::Drop(DropReason::NoQuery) };
            assert_eq!(go(&mut with_restrict(flavor, RestrictFlags::NOSERVE), &rx(), &request(4, 6, 0)).0, want);
            assert_eq!(
                go(&mut with_restrict(flavor, RestrictFlags::NOQUERY), &rx(), &request(4, 6, 0)).0,
                Verdict::Drop(DropReason::NoQuery)
            );
            assert_eq!(go(&mut with_restrict(flavor, RestrictFlags::NOQUERY), &rx(), &request(4, 3, 6)).0, Verdict::Reply(48));
            assert_eq!(
                go(&mut with_restrict(flavor, RestrictFlags::NOTRUST), &rx(), &request(4, 3, 6)).0,
                Verdict::Drop(DropReason::NotTrusted)
            );
            assert_eq!(go(&mut with_restrict(flavor, RestrictFlags::NOMODIFY), &rx(), &request(4, 3, 6)).0, Verdict::Reply(48));
        }
    }

    #[test]
    fn limited_kod() {
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            let mut s = with_restrict(flavor, RestrictFlags::LIMITED | RestrictFlags::KOD);
            let mut kisses = 0;
            let mut replies = 0;
            let mut drops = 0;
            for i in 0..200 {
                match go(&mut s, &rx_from("192.0.2.1:40000", i as f64 * 0.05), &request(4, 3, 6)) {
                    (Verdict::Kiss(KissCode::Rate, 48), out) => {
                        let h = decode(&out).unwrap().header;
                        assert_eq!((h.leap, h.stratum, h.reference_id.0), (LeapIndicator::Unsynchronized, 0, *b"RATE"));
                        assert_eq!(h.transmit_time, NtpTimestamp::new(99, 5), "KoD reveals no time");
                        kisses += 1
                    }
                    (Verdict::Reply(_), _) => replies += 1,
                    (Verdict::Drop(DropReason::RateLimited), _) => drops += 1,
                    other => panic!("{other:?}"),
                }
            }
            assert!(replies >= 1 && kisses >= 1 && drops > kisses, "{flavor:?}: {replies} {kisses} {drops}");
            // limited without kod: only drops.
            let mut s = with_restrict(flavor, RestrictFlags::LIMITED);
            let v: Vec<_> = (0..50).map(|i| go(&mut s, &rx_from("192.0.2.1:40000", i as f64 * 0.01), &request(4, 3, 6)).0).collect();
            assert!(v.iter().all(|v| matches!(v, Verdict::Reply(_) | Verdict::Drop(DropReason::RateLimited))));
            assert!(v.contains(&Verdict::Drop(DropReason::RateLimited)));
        }
    }

    fn keyed(flavor: Flavor, alg: MacAlgorithm) -> Server {
        let mut c = ServerConfig::new(flavor);
        c.keys.insert(SymmetricKey { id: 5, algorithm: alg, secret: b"sekrit".to_vec(), trusted: true, acl: vec![] });
        c.keys.insert(SymmetricKey { id: 6, algorithm: alg, secret: b"other".to_vec(), trusted: false, acl: vec![] });
        Server::new(c, synced())
    }

    fn signed(s: &Server, key: u32) -> Vec<u8> {
        let mut b = request(4, 3, 6);
        b.resize(72, 0);
        let mut c = s.config().keys.clone();
        c.set_trusted(key, true);
        let n = c.sign(s.config().flavor, key, &mut b, 48).unwrap();
        b.truncate(48 + n);
        b
    }

    #[test]
    fn authenticated_request_gets_macd_reply() {
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            for alg in [MacAlgorithm::Md5, MacAlgorithm::Sha1, MacAlgorithm::Aes128Cmac] {
                let mut s = keyed(flavor, alg);
                let req = signed(&s, 5);
                let (v, out) = go(&mut s, &rx(), &req);
                assert_eq!(v, Verdict::Reply(req.len()), "{flavor:?} {alg:?}");
                let p = decode(&out).unwrap();
                let m = p.mac.unwrap();
                assert_eq!(m.key_id, 5);
                assert!(s.config().keys.verify(flavor, 5, &out[..48], m.digest));
            }
        }
    }

    #[test]
    fn bad_mac_classic_naks_ntpsec_drops() {
        let mut s = keyed(Flavor::Classic, MacAlgorithm::Md5);
        let mut req = signed(&s, 5);
        req[60] ^= 0xff;
        let (v, out) = go(&mut s, &rx(), &req);
        assert_eq!(v, Verdict::Reply(52));
        assert_eq!(&out[48..], &[0, 0, 0, 0]);
        // untrusted key: same as bad MAC.
        let req = signed(&s, 6);
        assert_eq!(go(&mut s, &rx(), &req).0, Verdict::Reply(52));

        let mut s = keyed(Flavor::Ntpsec, MacAlgorithm::Md5);
        let mut req = signed(&s, 5);
        req[60] ^= 0xff;
        assert_eq!(go(&mut s, &rx(), &req).0, Verdict::Drop(DropReason::BadAuth));
    }

    #[test]
    fn notrust_serves_only_authenticated() {
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            let mut s = keyed(flavor, MacAlgorithm::Sha1);
            let mut c = s.config().clone();
            c.access.apply(RestrictOp::Flags, AddrMask::any(false), MatchFlags::NONE, RestrictFlags::NOTRUST, -1, Origin::Lines(vec![0]));
            s.reconfigure(c);
            assert_eq!(go(&mut s, &rx(), &request(4, 3, 6)).0, Verdict::Drop(DropReason::NotTrusted));
            let req = signed(&s, 5);
            assert_eq!(go(&mut s, &rx(), &req).0, Verdict::Reply(72));
        }
    }

    #[test]
    fn crypto_nak_requests_dropped() {
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            let mut req = request(4, 3, 6);
            req.extend_from_slice(&[0, 0, 0, 0]);
            assert_eq!(go(&mut server(flavor), &rx(), &req).0, Verdict::Drop(DropReason::BadAuth));
        }
    }

    #[test]
    fn extension_fields() {
        let mut req = request(4, 3, 6);
        req.extend_from_slice(&[0x01, 0x04, 0x00, 0x20]);
        req.extend_from_slice(&[0u8; 28]);
        // Classic: served; no MAC in the request but not 48 bytes long → reply carries a
        // crypto-NAK word (authencrypt with key 0).
        let (v, out) = go(&mut server(Flavor::Classic), &rx(), &req);
        assert_eq!(v, Verdict::Reply(52));
        assert_eq!(&out[48..], &[0, 0, 0, 0]);
        assert_eq!(go(&mut server(Flavor::Ntpsec), &rx(), &req).0, Verdict::Drop(DropReason::Extension));
    }

    #[test]
    fn port_zero_and_short() {
        assert_eq!(go(&mut server(Flavor::Classic), &rx_from("192.0.2.1:0", 1.0), &request(4, 3, 6)).0, Verdict::Drop(DropReason::BadPort));
        assert_eq!(go(&mut server(Flavor::Classic), &rx(), &request(4, 3, 6)[..47]).0, Verdict::Drop(DropReason::Malformed));
        assert_eq!(go(&mut server(Flavor::Ntpsec), &rx(), &request(4, 3, 6)[..47]).0, Verdict::Drop(DropReason::Malformed));
        let mut out = [0u8; 10];
        assert_eq!(
            server(Flavor::Classic).handle(&rx(), &request(4, 3, 6), &mut out, &mut || NtpTimestamp::ZERO),
            Verdict::Drop(DropReason::Malformed)
        );
    }
}

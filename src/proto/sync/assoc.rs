//! One association (ntpd's `struct peer` and its `transmit` / `receive` / `process_packet` /
//! `poll_update`): client mode for `server`/`pool`, symmetric active for a classic `peer`; the
//! poll interval, reach register, unreach count, burst/iburst, rate KoD back-off, the packet
//! tests of RFC 5905 §8 and the MAC of the keys file.

use std::net::{IpAddr, SocketAddr};

use md5::Digest as _;

use super::filter::{ClockFilter, Sample};
use super::{AssocMode, AssociationConfig};
use crate::proto::Flavor;
use crate::proto::auth::KeyStore;
use crate::proto::control::Selection;
use crate::proto::packet::{self, HEADER_LEN, Header, LeapIndicator, Mode, ReferenceId};
use crate::proto::system::{MAXDISPERSE, STRATUM_UNSPEC, SystemVars};
use crate::proto::time::{Log2Seconds, NtpDuration, NtpShort, NtpTimestamp};

/// ntpd's `NTP_UNREACH`: polls without an answer before the poll interval backs off.
pub const NTP_UNREACH: u32 = 10;
/// ntpd's `NTP_RETRY`: packets of an iburst/burst volley sent before an answer arrives.
pub const NTP_RETRY: u32 = 3;
/// ntpd's `NTP_IBURST` (both 4.2.8p18 and NTPsec 1.2.2: 6 packets in an initial burst).
pub const NTP_IBURST: u32 = 6;
/// ntpd's `NTP_SHIFT` (a burst sends at most this many packets).
pub const NTP_SHIFT: u32 = 8;
/// ntpd's `NTP_MINPKT`: guard time between packets (s).
pub const NTP_MINPKT: f64 = 2.0;
/// Smallest poll exponent a packet may carry (ntpd's `NTP_MINPOLL`).
pub const NTP_MINPOLL: i8 = 3;
/// Largest poll exponent (ntpd's `NTP_MAXPOLL`).
pub const NTP_MAXPOLL: i8 = 17;

/// The reference id a server at stratum ≥ 2 uses for an upstream: the IPv4 address, or the
/// first four bytes of the MD5 digest of the IPv6 address (ntpd's `addr2refid`).
pub fn addr2refid(addr: IpAddr) -> ReferenceId {
    match addr {
        IpAddr::V4(a) => ReferenceId(a.octets()),
        IpAddr::V6(a) => {
            let d = md5::Md5::digest(a.octets());
            ReferenceId([d[0], d[1], d[2], d[3]])
        }
    }
}

/// Why an address cannot be an association (ntpd refuses these; reference §2.5).
pub fn refused_address(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(a) if a.octets()[0] == 127 && a != std::net::Ipv4Addr::LOCALHOST => {
            Some("127.x addresses other than 127.0.0.1 are reserved for reference clocks")
        }
        a if a.is_multicast() => Some("multicast addresses need broadcast/manycast client mode"),
        a if a.is_unspecified() => Some("the unspecified address"),
        _ => None,
    }
}

/// What a packet test decided (ntpd's `flash` bits, named).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drop {
    /// TEST1: duplicate (same transmit timestamp as the last one).
    Duplicate,
    /// TEST2: origin timestamp does not match what we sent.
    Bogus,
    /// TEST3: zero transmit / origin timestamp.
    Unsynch,
    /// TEST5: authentication failed (or a crypto-NAK).
    Auth,
    /// TEST6: server unsynchronised or stratum out of range.
    Stratum,
    /// TEST7: root delay / 2 + root dispersion ≥ 16 s.
    Distance,
    /// A poll exponent out of range.
    BadPoll,
    /// NTPsec: delay beyond maxdist (its BOGON14).
    Delay,
    /// A kiss code other than RATE/DENY/RSTR.
    OtherKiss,
    /// Not expected (no request outstanding).
    Unexpected,
}

/// What a received packet did to the association.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Received {
    /// A sample for the clock filter.
    Sample(Sample),
    /// RATE kiss: backed off.
    Rate,
    /// DENY or RSTR kiss: the association should go.
    Deny([u8; 4]),
    /// Discarded.
    Dropped(Drop),
}

/// The association's side of one poll.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transmitted {
    /// The datagram (None: nothing to send, e.g. no key).
    pub payload: Option<Vec<u8>>,
    /// The reach register just became zero (ntpd feeds an empty filter sample).
    pub became_unreachable: bool,
    /// Reach is zero (feed an empty sample to the filter).
    pub unreachable: bool,
    /// The association timed out and is preemptible: demobilise it.
    pub demobilize: bool,
}

/// One association.
#[derive(Debug, Clone)]
pub struct Association {
    /// Association id (ntpq's).
    pub id: u16,
    /// Configuration.
    pub cfg: AssociationConfig,
    /// Remote address.
    pub addr: SocketAddr,
    /// Host mode.
    pub hmode: AssocMode,
    /// Spawned by a pool (ephemeral, preemptible).
    pub from_pool: Option<usize>,
    /// Host poll exponent.
    pub hpoll: i8,
    /// Peer poll exponent.
    pub ppoll: i8,
    /// Effective minpoll (raised by RATE kisses).
    pub minpoll: i8,
    /// Maxpoll.
    pub maxpoll: i8,
    /// Reach register.
    pub reach: u8,
    /// Polls without an answer.
    pub unreach: u32,
    /// Packets left in the current burst.
    pub burst: u32,
    /// Retries left before a volley (iburst/burst).
    pub retry: u32,
    /// Next poll (s since start).
    pub nextdate: f64,
    /// Last poll (s since start).
    pub outdate: f64,
    /// Last time a packet arrived.
    pub timelastrec: f64,
    /// When it last became reachable.
    pub timereachable: f64,
    /// Rate throttle (s).
    pub throttle: f64,
    /// The transmit timestamp we sent (origin check; cleared once answered).
    aorg: NtpTimestamp,
    /// The local time it was sent (T1).
    org_ts: NtpTimestamp,
    /// Peer's last transmit timestamp (duplicate check).
    xmt: NtpTimestamp,
    /// Peer's transmit timestamp to echo (symmetric mode origin).
    rec: NtpTimestamp,
    /// Our receive time of the last packet (T4).
    pub dst: NtpTimestamp,
    /// Peer leap indicator.
    pub leap: LeapIndicator,
    /// Peer stratum (16: unsynchronised).
    pub stratum: u8,
    /// Peer precision.
    pub precision: Log2Seconds,
    /// Peer root delay (s).
    pub rootdelay: f64,
    /// Peer root dispersion (s).
    pub rootdisp: f64,
    /// Peer reference id.
    pub refid: ReferenceId,
    /// Peer reference time.
    pub reftime: NtpTimestamp,
    /// The clock filter.
    pub filter: ClockFilter,
    /// Selection status (ntpq tally).
    pub status: Selection,
    /// The last packet authenticated.
    pub authentic: bool,
    /// Events since the last status read, and the last event code.
    pub event_count: u8,
    /// Last event code.
    pub last_event: u8,
    /// Packets sent.
    pub sent: u64,
    /// Packets accepted.
    pub received: u64,
    /// The last packet test failed, if any.
    pub last_drop: Option<Drop>,
    /// Random state for poll jitter and NTPsec's origin nonce.
    rng: u64,
}

/// What a request carries about the system (ntpd's `sys_*` in `peer_xmit`).
#[derive(Debug, Clone, Copy)]
pub struct SysForXmit<'a> {
    /// Dialect.
    pub flavor: Flavor,
    /// System variables.
    pub vars: SystemVars,
    /// Keys.
    pub keys: Option<&'a KeyStore>,
}

impl Association {
    /// A new association for `addr` mobilised at `now` (s).
    pub fn new(id: u16, cfg: AssociationConfig, addr: SocketAddr, hmode: AssocMode, now: f64, seed: u64) -> Self {
        let minpoll = cfg.minpoll.0.clamp(NTP_MINPOLL, NTP_MAXPOLL);
        let maxpoll = cfg.maxpoll.0.clamp(minpoll, NTP_MAXPOLL);
        let mut a = Association {
            id,
            addr,
            hmode,
            from_pool: None,
            hpoll: minpoll,
            ppoll: maxpoll,
            minpoll,
            maxpoll,
            reach: 0,
            unreach: 0,
            burst: 0,
            retry: 0,
            nextdate: now,
            outdate: now,
            timelastrec: 0.0,
            timereachable: 0.0,
            throttle: 0.0,
            aorg: NtpTimestamp::ZERO,
            org_ts: NtpTimestamp::ZERO,
            xmt: NtpTimestamp::ZERO,
            rec: NtpTimestamp::ZERO,
            dst: NtpTimestamp::ZERO,
            leap: LeapIndicator::Unsynchronized,
            stratum: STRATUM_UNSPEC,
            precision: Log2Seconds(-31),
            rootdelay: 0.0,
            rootdisp: 0.0,
            refid: ReferenceId::INIT,
            reftime: NtpTimestamp::ZERO,
            filter: ClockFilter::new(now),
            status: Selection::Reject,
            authentic: false,
            event_count: 1,
            last_event: 1,
            sent: 0,
            received: 0,
            last_drop: None,
            rng: seed | 1,
            cfg,
        };
        // ntpd's peer_clear: the first poll comes within the first few seconds (a random
        // share of the poll interval up to 2^NTP_MINPOLL s; at once with iburst).
        let r = a.random() & ((1 << NTP_MINPOLL) - 1);
        a.nextdate = now + if a.cfg.iburst { 1.0 } else { 1.0 + r as f64 };
        a
    }

    fn random(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32
    }

    /// Clear the protocol state (ntpd's `peer_clear`), e.g. after a clock step.
    pub fn clear(&mut self, now: f64, refid: ReferenceId) {
        self.filter = ClockFilter::new(now);
        self.leap = LeapIndicator::Unsynchronized;
        self.stratum = STRATUM_UNSPEC;
        self.refid = refid;
        self.reach = 0;
        self.unreach = 0;
        self.burst = 0;
        self.retry = 0;
        self.hpoll = self.minpoll;
        self.ppoll = self.maxpoll;
        self.aorg = NtpTimestamp::ZERO;
        self.xmt = NtpTimestamp::ZERO;
        self.rec = NtpTimestamp::ZERO;
        self.dst = NtpTimestamp::ZERO;
        self.outdate = now;
        self.nextdate = now + 1.0 + (self.random() & 7) as f64;
    }

    /// Root distance (ntpd's `root_distance`).
    pub fn root_distance(&self, now: f64, phi: f64, mindist: f64) -> f64 {
        let d = (self.filter.delay + self.rootdelay) / 2.0
            + self.filter.disp
            + phi * (now - self.filter.update)
            + self.rootdisp
            + self.filter.jitter;
        d.max(mindist)
    }

    /// ntpd's `peer_unfit`: unsynchronised / bad stratum, too far, unreachable or noselect.
    pub fn unfit(&self, now: f64, phi: f64, mindist: f64, maxdist: f64) -> bool {
        self.leap == LeapIndicator::Unsynchronized
            || self.stratum >= STRATUM_UNSPEC
            || self.root_distance(now, phi, mindist) >= maxdist + phi * (self.hpoll as f64).exp2()
            || self.reach == 0
            || self.cfg.noselect
    }

    /// ntpd's `poll_update`: the next poll from `mpoll` (clamped to minpoll..maxpoll).
    pub fn poll_update(&mut self, mpoll: i8, now: f64) {
        self.hpoll = mpoll.clamp(self.minpoll, self.maxpoll.max(self.minpoll));
        let utemp = now + f64::max(self.throttle - (NTP_SHIFT as f64 - 1.0) * (self.minpoll as f64).exp2(), NTP_MINPKT);
        let mut limit = (2u64 << self.hpoll) as f64;
        if limit > 64.0 {
            limit -= (limit / 4.0).floor();
        }
        let limit = (limit + self.outdate).max(now);
        if self.burst > 0 {
            if self.nextdate > now {
                return;
            }
            self.nextdate = utemp;
        } else {
            let h = if self.retry > 0 { self.minpoll } else { self.ppoll.min(self.hpoll) };
            // ntpd: 2^h × (1 + up to 255/4096) after the last poll.
            let next = (((0x1000 | (self.random() & 0xff)) << h) >> 12) as f64 + self.outdate;
            self.nextdate = next.max(utemp);
            if self.throttle > (self.minpoll as f64).exp2() {
                self.nextdate += NTP_MINPKT;
            }
        }
        if self.nextdate > limit {
            self.nextdate = limit;
        }
    }

    /// A poll is due (ntpd's `transmit`): reach/unreach bookkeeping, the next poll, and the
    /// request. `sys_poll` is the system poll; `clock` the local (disciplined) time now.
    pub fn transmit(&mut self, now: f64, clock: NtpTimestamp, sys_poll: i8, sys: &SysForXmit<'_>) -> Transmitted {
        let mut t = Transmitted::default();
        let mut hpoll = self.hpoll;
        if self.outdate > self.timelastrec && self.reach == 0 {
            self.ppoll = self.maxpoll;
        }
        if self.burst == 0 {
            let oreach = self.reach;
            self.outdate = now;
            self.unreach += 1;
            self.reach <<= 1;
            if self.reach == 0 {
                t.unreachable = true;
                if oreach != 0 {
                    t.became_unreachable = true;
                    self.note_event(5); // unreachable
                }
                if self.cfg.iburst && self.retry == 0 {
                    self.retry = NTP_RETRY;
                }
            } else {
                hpoll = sys_poll;
                if !self.cfg.preempt && self.from_pool.is_none() {
                    self.unreach = 0;
                }
                if self.cfg.burst && self.retry == 0 {
                    self.retry = NTP_RETRY;
                }
            }
            if self.unreach >= NTP_UNREACH {
                hpoll += 1;
                if self.from_pool.is_some() || self.cfg.preempt {
                    t.demobilize = true;
                }
            }
        } else {
            self.burst -= 1;
        }
        if self.retry > 0 {
            self.retry -= 1;
        }
        self.poll_update(hpoll, now);
        t.payload = self.request(clock, sys);
        t
    }

    fn request(&mut self, clock: NtpTimestamp, sys: &SysForXmit<'_>) -> Option<Vec<u8>> {
        let mode = match self.hmode {
            AssocMode::Client => Mode::Client,
            AssocMode::SymmetricActive => Mode::SymmetricActive,
        };
        let v = &sys.vars;
        let minimal = sys.flavor == Flavor::Ntpsec && self.cfg.version == 4 && mode == Mode::Client;
        let mut h = if minimal {
            // NTPsec 1.2.2 reveals nothing in a v4 client request: zeros, precision 0x20, and a
            // random transmit timestamp that must come back as the origin.
            Header {
                leap: LeapIndicator::NoWarning,
                version: 4,
                mode,
                stratum: 0,
                poll: Log2Seconds(0),
                precision: Log2Seconds(0x20),
                root_delay: NtpShort::ZERO,
                root_dispersion: NtpShort::ZERO,
                reference_id: ReferenceId([0; 4]),
                reference_time: NtpTimestamp::ZERO,
                origin_time: NtpTimestamp::ZERO,
                receive_time: NtpTimestamp::ZERO,
                transmit_time: NtpTimestamp::ZERO,
            }
        } else {
            Header {
                leap: v.leap,
                version: self.cfg.version.clamp(1, 4),
                mode,
                stratum: v.wire_stratum(),
                poll: Log2Seconds(self.hpoll),
                precision: v.precision,
                root_delay: v.root_delay,
                root_dispersion: v.root_dispersion,
                reference_id: v.reference_id,
                reference_time: v.reference_time,
                origin_time: self.rec,
                receive_time: self.dst,
                transmit_time: NtpTimestamp::ZERO,
            }
        };
        self.org_ts = clock;
        h.transmit_time = if minimal { NtpTimestamp((self.random() << 32) | self.random()) } else { clock };
        if h.transmit_time == NtpTimestamp::ZERO {
            h.transmit_time = NtpTimestamp(1);
        }
        self.aorg = h.transmit_time;
        let mut buf = vec![0u8; HEADER_LEN + packet::MAX_MAC_LEN];
        h.encode((&mut buf[..HEADER_LEN]).try_into().expect("48 bytes"));
        let mut len = HEADER_LEN;
        if let Some(k) = self.cfg.key {
            // ntpd: no usable key → nothing is sent (it logs "no key").
            let keys = sys.keys?;
            len += keys.sign(sys.flavor, k, &mut buf, HEADER_LEN)?;
        }
        buf.truncate(len);
        self.sent += 1;
        self.throttle += (self.minpoll as f64).exp2() - 2.0;
        Some(buf)
    }

    /// Whether a packet of `mode` from our address is for this association (a client
    /// association takes server replies; a symmetric one takes symmetric packets).
    pub fn takes(&self, mode: Mode) -> bool {
        match self.hmode {
            AssocMode::Client => mode == Mode::Server,
            AssocMode::SymmetricActive => matches!(mode, Mode::SymmetricActive | Mode::SymmetricPassive),
        }
    }

    fn drop(&mut self, d: Drop) -> Received {
        self.last_drop = Some(d);
        Received::Dropped(d)
    }

    /// A packet for this association arrived at local time `dst` (`now` s since start).
    /// `precision` is the system precision (s); `maxdist` for NTPsec's delay test.
    #[allow(clippy::too_many_arguments)]
    pub fn receive(
        &mut self,
        datagram: &[u8],
        dst: NtpTimestamp,
        now: f64,
        precision: f64,
        phi: f64,
        maxdist: f64,
        sys: &SysForXmit<'_>,
    ) -> Received {
        let decoded = match sys.flavor {
            Flavor::Classic => packet::decode(datagram),
            Flavor::Ntpsec => packet::decode_ntpsec(datagram),
        };
        let Ok(pkt) = decoded else { return self.drop(Drop::Unexpected) };
        let h = pkt.header;
        let kiss = (h.mode == Mode::Server && h.leap == LeapIndicator::Unsynchronized && h.stratum == 0).then_some(h.reference_id.0);
        if h.transmit_time == NtpTimestamp::ZERO {
            return self.drop(Drop::Unsynch);
        }
        if h.transmit_time == self.xmt {
            return self.drop(Drop::Duplicate);
        }
        if self.aorg == NtpTimestamp::ZERO && self.hmode == AssocMode::Client {
            // Nothing outstanding (already answered, or never asked).
            return self.drop(Drop::Bogus);
        }
        if kiss.is_some() && sys.flavor == Flavor::Classic {
            // Classic believes a KoD only with consistent timestamps (ntpd echoes ours thrice).
            if h.origin_time == NtpTimestamp::ZERO
                || h.receive_time == NtpTimestamp::ZERO
                || h.transmit_time != h.origin_time
                || h.transmit_time != h.receive_time
            {
                return self.drop(Drop::Bogus);
            }
        }
        if h.origin_time == NtpTimestamp::ZERO {
            if self.hmode == AssocMode::Client || self.aorg != NtpTimestamp::ZERO {
                return self.drop(Drop::Bogus);
            }
        } else if h.origin_time != self.aorg {
            return self.drop(Drop::Bogus);
        }
        self.aorg = NtpTimestamp::ZERO;
        // Authentication: a configured key requires a good MAC; any MAC present must verify.
        let mac_ok = match pkt.mac {
            None => None,
            Some(m) if m.is_crypto_nak() => Some(false),
            Some(m) => Some(sys.keys.is_some_and(|k| {
                k.verify(sys.flavor, m.key_id, &datagram[..pkt.authenticated_len], m.digest)
                    && self.cfg.key.is_none_or(|want| want == m.key_id)
            })),
        };
        self.authentic = mac_ok == Some(true);
        if (self.cfg.key.is_some() && mac_ok != Some(true)) || mac_ok == Some(false) {
            self.note_event(8); // bad auth
            return self.drop(Drop::Auth);
        }
        self.timelastrec = now;
        self.rec = h.transmit_time;
        self.dst = dst;
        self.xmt = h.transmit_time;
        if (NTP_MINPOLL..=NTP_MAXPOLL).contains(&h.poll.0) {
            self.ppoll = h.poll.0.max(self.minpoll);
        } else if sys.flavor == Flavor::Classic || kiss == Some(*b"RATE") {
            // Classic drops a packet with a poll out of range (a RATE kiss needs a valid one
            // in both); NTPsec ignores the field otherwise.
            return self.drop(Drop::BadPoll);
        }
        if let Some(code) = kiss {
            match &code {
                b"RATE" => {
                    self.note_event(0xb); // rate
                    if h.poll.0 > self.minpoll {
                        self.minpoll = match sys.flavor {
                            Flavor::Classic => self.ppoll,
                            Flavor::Ntpsec => self.ppoll.min(10),
                        };
                        self.maxpoll = self.maxpoll.max(self.minpoll);
                    }
                    self.burst = 0;
                    self.retry = 0;
                    self.throttle = (NTP_SHIFT as f64 + 1.0) * (self.minpoll as f64).exp2();
                    let p = if sys.flavor == Flavor::Ntpsec { h.poll.0.min(10) } else { h.poll.0 };
                    self.poll_update(p, now);
                    return Received::Rate;
                }
                b"DENY" | b"RSTR" => return Received::Deny(code),
                _ => return self.drop(Drop::OtherKiss),
            }
        }
        // process_packet
        let stratum = if h.stratum == 0 { STRATUM_UNSPEC } else { h.stratum.min(STRATUM_UNSPEC) };
        if h.leap == LeapIndicator::Unsynchronized || stratum >= STRATUM_UNSPEC {
            return self.drop(Drop::Stratum);
        }
        let p_del = h.root_delay.as_secs_f64();
        let p_disp = h.root_dispersion.as_secs_f64();
        if p_del / 2.0 + p_disp >= MAXDISPERSE {
            return self.drop(Drop::Distance);
        }
        let t34 = h.transmit_time.diff(dst).as_secs_f64();
        let t21 = h.receive_time.diff(self.org_ts).as_secs_f64();
        let delay = (t21 - t34).abs();
        if sys.flavor == Flavor::Ntpsec && delay > maxdist {
            return self.drop(Drop::Delay);
        }
        self.last_drop = None;
        self.received += 1;
        self.leap = h.leap;
        self.stratum = stratum;
        self.precision = h.precision;
        self.rootdelay = p_del;
        self.rootdisp = p_disp;
        self.refid = h.reference_id;
        self.reftime = h.reference_time;
        if self.retry > 0 {
            self.retry = 0;
            self.burst =
                if self.reach != 0 { (1u32 << (self.hpoll - self.minpoll).clamp(0, 3)).min(NTP_SHIFT) - 1 } else { NTP_IBURST - 1 };
            if self.burst > 0 {
                self.nextdate = now;
            }
        }
        if self.reach == 0 {
            self.note_event(4); // reachable
            self.timereachable = now;
        }
        self.reach |= 1;
        let offset = (t21 + t34) / 2.0;
        let delay = delay.max(precision);
        let disp = precision + h.precision.as_secs_f64() + phi * delay;
        let nd = self.nextdate;
        self.poll_update(self.hpoll, now);
        if self.burst > 0 {
            self.nextdate = nd.min(self.nextdate);
        }
        Received::Sample(Sample { offset, delay, disp, epoch: now, corr: 0.0 })
    }

    /// Record a peer event (ntpq's event counter and last code).
    pub fn note_event(&mut self, code: u8) {
        self.event_count = (self.event_count + 1).min(15);
        self.last_event = code;
    }

    /// Peer poll/host poll shown by ntpq.
    pub fn shown_poll(&self) -> i8 {
        self.hpoll.min(self.ppoll)
    }

    /// Time since the last packet (s), for ntpq's `when`: the driver computes it from `rec`.
    pub fn rec_time(&self) -> NtpTimestamp {
        self.dst
    }

    /// Local time T1 of the last request (for tests).
    pub fn last_t1(&self) -> NtpTimestamp {
        self.org_ts
    }
}

/// The refid ntpd shows for an association that has not answered (`INIT`), or steps (`STEP`).
pub fn step_refid() -> ReferenceId {
    ReferenceId(*b"STEP")
}

/// Add `secs` to a timestamp.
pub fn ts_add(t: NtpTimestamp, secs: f64) -> NtpTimestamp {
    t.add_duration(NtpDuration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::sync::Target;
    use std::net::Ipv6Addr;

    #[test]
    fn refids() {
        assert_eq!(addr2refid("192.0.2.2".parse().unwrap()), ReferenceId([192, 0, 2, 2]));
        // MD5 of ::1 (16 bytes) = ... first four bytes.
        let d = md5::Md5::digest(Ipv6Addr::LOCALHOST.octets());
        assert_eq!(addr2refid(IpAddr::V6(Ipv6Addr::LOCALHOST)).0, [d[0], d[1], d[2], d[3]]);
        assert!(refused_address("127.0.0.2".parse().unwrap()).is_some());
        assert!(refused_address("224.0.1.1".parse().unwrap()).is_some());
        assert!(refused_address("127.0.0.1".parse().unwrap()).is_none());
        assert!(refused_address("192.0.2.1".parse().unwrap()).is_none());
    }

    fn assoc(iburst: bool) -> Association {
        let addr: SocketAddr = "192.0.2.1:123".parse().unwrap();
        let cfg = AssociationConfig { iburst, minpoll: Log2Seconds(4), ..AssociationConfig::new(Target::Address(addr)) };
        Association::new(1, cfg, addr, AssocMode::Client, 0.0, 42)
    }
    fn sys() -> SysForXmit<'static> {
        SysForXmit { flavor: Flavor::Classic, vars: SystemVars::unsynchronised(Log2Seconds(-20)), keys: None }
    }

    #[test]
    fn reach_unreach_and_backoff() {
        let mut a = assoc(false);
        let mut now = a.nextdate;
        for i in 0..12 {
            let t = a.transmit(now, NtpTimestamp::new(1000 + i, 0), 4, &sys());
            assert!(t.payload.is_some());
            assert!(!t.demobilize);
            now = a.nextdate;
        }
        assert_eq!(a.reach, 0);
        assert!(a.unreach >= NTP_UNREACH);
        assert!(a.hpoll > a.minpoll, "poll backs off when unreachable: {}", a.hpoll);
    }

    #[test]
    fn request_echo_and_duplicate() {
        let mut a = assoc(true);
        let t = a.transmit(1.0, NtpTimestamp::new(1000, 0), 4, &sys());
        let req = Header::decode(&t.payload.unwrap()).unwrap();
        assert_eq!(req.mode, Mode::Client);
        let reply = |org: NtpTimestamp| {
            let h = Header {
                leap: LeapIndicator::NoWarning,
                version: 4,
                mode: Mode::Server,
                stratum: 2,
                poll: Log2Seconds(4),
                precision: Log2Seconds(-20),
                root_delay: NtpShort::ZERO,
                root_dispersion: NtpShort::ZERO,
                reference_id: ReferenceId([1, 2, 3, 4]),
                reference_time: NtpTimestamp::new(999, 0),
                origin_time: org,
                receive_time: NtpTimestamp::new(1000, 1 << 31),
                transmit_time: NtpTimestamp::new(1000, 1 << 31),
            };
            let mut b = [0u8; 48];
            h.encode(&mut b);
            b
        };
        let b = reply(NtpTimestamp::new(5, 0));
        assert_eq!(a.receive(&b, NtpTimestamp::new(1001, 0), 1.0, 1e-6, 15e-6, 1.5, &sys()), Received::Dropped(Drop::Bogus));
        let b = reply(req.transmit_time);
        match a.receive(&b, NtpTimestamp::new(1001, 0), 1.0, 1e-6, 15e-6, 1.5, &sys()) {
            Received::Sample(s) => {
                assert!(s.offset.abs() < 1e-6, "{}", s.offset);
                assert!((s.delay - 1.0).abs() < 1e-6);
            }
            r => panic!("{r:?}"),
        }
        assert_eq!(a.reach, 1);
        assert_eq!(a.burst, NTP_IBURST - 1, "iburst volley after the first answer");
        assert_eq!(a.receive(&b, NtpTimestamp::new(1001, 0), 1.0, 1e-6, 15e-6, 1.5, &sys()), Received::Dropped(Drop::Duplicate));
    }
}

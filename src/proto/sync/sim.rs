//! A deterministic simulation harness: simulated true time, a [`SimClock`] the synchroniser
//! disciplines, a simulated network (per-path delay, Gaussian jitter, loss, asymmetry) and
//! simulated upstream servers (truechimers, falsetickers, kiss-o'-death senders, servers that
//! fall silent), driving a [`Synchronizer`] with simulated time only. Seeded: the same seed
//! gives the same run.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::clock::SimClock;
use super::{Now, SyncConfig, SyncEvent, Synchronizer, Transmit};
use crate::proto::Flavor;
use crate::proto::auth::KeyStore;
use crate::proto::packet::{HEADER_LEN, Header, LeapIndicator, Mode, ReferenceId};
use crate::proto::time::{Log2Seconds, NtpDuration, NtpShort, NtpTimestamp};

/// The NTP seconds of simulated true time 0 (2023-08-01).
pub const EPOCH_SECS: u32 = 3_899_836_800;

/// A seeded PRNG (SplitMix64) with uniform and Gaussian draws.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn gaussian(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// One network path (both directions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Path {
    /// Mean one-way delay (s).
    pub delay: f64,
    /// Asymmetry (s): the request takes delay + asym/2, the reply delay − asym/2.
    pub asymmetry: f64,
    /// Gaussian jitter σ of each one-way delay (s).
    pub jitter: f64,
    /// Probability a datagram is lost.
    pub loss: f64,
}

impl Path {
    /// Symmetric `delay`, no jitter, no loss.
    pub fn symmetric(delay: f64) -> Self {
        Path { delay, asymmetry: 0.0, jitter: 0.0, loss: 0.0 }
    }
}

/// How a simulated server behaves.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// Answers with its clock (true time + its offset).
    Normal,
    /// Answers every request with a kiss-o'-death (`RATE`, `DENY`, `RSTR`) carrying `poll`.
    Kiss {
        /// Kiss code.
        code: [u8; 4],
        /// Poll exponent in the KoD.
        poll: i8,
    },
    /// Answers until true time `after` (s), then never again.
    SilentAfter(f64),
    /// Answers as an unsynchronised server (leap 3, stratum 16).
    Unsynchronised,
}

/// A simulated upstream server.
#[derive(Debug, Clone)]
pub struct SimServer {
    /// Its address.
    pub addr: SocketAddr,
    /// Its clock minus true time (s): 0 for a truechimer, 0.050 for a falseticker 50 ms off.
    pub offset: f64,
    /// Its stratum.
    pub stratum: u8,
    /// Its reference id.
    pub refid: ReferenceId,
    /// Root delay / dispersion it reports (s).
    pub root_delay: f64,
    /// Root dispersion it reports (s).
    pub root_dispersion: f64,
    /// The path to it.
    pub path: Path,
    /// Behaviour.
    pub behaviour: Behaviour,
    /// Sign replies with this key (keys, id).
    pub key: Option<(Arc<KeyStore>, u32)>,
    /// Requests received.
    pub requests: u64,
}

impl SimServer {
    /// A stratum-1 truechimer at `addr` over `path`.
    pub fn new(addr: SocketAddr, path: Path) -> Self {
        SimServer {
            addr,
            offset: 0.0,
            stratum: 1,
            refid: ReferenceId(*b"GPS\0"),
            root_delay: 0.0,
            root_dispersion: 0.0001,
            path,
            behaviour: Behaviour::Normal,
            key: None,
            requests: 0,
        }
    }
}

#[derive(Debug, Clone)]
enum Hop {
    ToServer(usize),
    ToClient,
}

/// The simulation.
pub struct Sim {
    /// True time (s since start).
    pub t: f64,
    /// The local clock.
    pub clock: SimClock,
    /// The synchroniser under test.
    pub sync: Synchronizer,
    /// The servers.
    pub servers: Vec<SimServer>,
    /// Name table for resolution (a fixed table; nothing leaves the process).
    pub names: HashMap<String, Vec<IpAddr>>,
    /// Every event the synchroniser reported, with its true time.
    pub events: Vec<(f64, SyncEvent)>,
    /// Datagrams sent by the synchroniser.
    pub sent: u64,
    flight: BTreeMap<(u64, u64), (Hop, SocketAddr, Vec<u8>)>,
    seq: u64,
    rng: Rng,
    flavor: Flavor,
}

fn ts(secs: f64) -> NtpTimestamp {
    NtpTimestamp::new(EPOCH_SECS, 0).add_duration(NtpDuration::from_secs_f64(secs))
}

fn key_of(t: f64) -> u64 {
    (t * 1e9).round().max(0.0) as u64
}

impl Sim {
    /// A simulation of `config` against `servers`, the local clock starting as `clock`.
    pub fn new(config: SyncConfig, servers: Vec<SimServer>, clock: SimClock, seed: u64) -> Self {
        let flavor = config.flavor;
        let now = Now { mono: Duration::ZERO, clock: ts(clock.phase) };
        Sim {
            t: 0.0,
            sync: Synchronizer::new(config, now),
            clock,
            servers,
            names: HashMap::new(),
            events: Vec::new(),
            sent: 0,
            flight: BTreeMap::new(),
            seq: 0,
            rng: Rng::new(seed),
            flavor,
        }
    }

    /// What the synchroniser is told the time is.
    pub fn now(&self) -> Now {
        Now { mono: Duration::from_secs_f64(self.t), clock: ts(self.t + self.clock.phase) }
    }

    /// True time minus the local clock (s).
    pub fn true_offset(&self) -> f64 {
        self.clock.true_offset()
    }

    /// The residual frequency error of the disciplined clock (s/s): the oscillator's error
    /// plus the synchroniser's correction.
    pub fn frequency_error(&self) -> f64 {
        self.clock.freq_error + self.sync.frequency_ppm() * 1e-6
    }

    fn advance(&mut self, to: f64) {
        if to > self.t {
            self.clock.advance(to - self.t);
            self.t = to;
        }
    }

    fn send(&mut self, out: Vec<Transmit>) {
        for tx in out {
            self.sent += 1;
            let Some(i) = self.servers.iter().position(|s| s.addr == tx.to) else { continue };
            let p = self.servers[i].path;
            if self.rng.uniform() < p.loss {
                continue;
            }
            let d = (p.delay + p.asymmetry / 2.0 + p.jitter * self.rng.gaussian()).max(0.0);
            self.enqueue(self.t + d, Hop::ToServer(i), tx.to, tx.payload);
        }
    }

    fn enqueue(&mut self, at: f64, hop: Hop, from: SocketAddr, data: Vec<u8>) {
        self.seq += 1;
        self.flight.insert((key_of(at), self.seq), (hop, from, data));
    }

    fn serve(&mut self, i: usize, req: &[u8]) {
        let Ok(q) = Header::decode(req) else { return };
        let t = self.t;
        let s = &mut self.servers[i];
        s.requests += 1;
        let mut h = Header {
            leap: LeapIndicator::NoWarning,
            version: q.version,
            mode: if q.mode == Mode::SymmetricActive { Mode::SymmetricPassive } else { Mode::Server },
            stratum: s.stratum,
            // ntpd's fast_xmit: the request's poll, at least NTP_MINPOLL.
            poll: Log2Seconds(q.poll.0.max(3)),
            precision: Log2Seconds(-20),
            root_delay: NtpShort::from_secs_f64(s.root_delay),
            root_dispersion: NtpShort::from_secs_f64(s.root_dispersion),
            reference_id: s.refid,
            reference_time: ts(t + s.offset - 8.0),
            origin_time: q.transmit_time,
            receive_time: ts(t + s.offset),
            transmit_time: ts(t + s.offset + 20e-6),
        };
        match &s.behaviour {
            Behaviour::Normal => {}
            Behaviour::SilentAfter(at) if t >= *at => return,
            Behaviour::SilentAfter(_) => {}
            Behaviour::Kiss { code, poll } => {
                h.leap = LeapIndicator::Unsynchronized;
                h.stratum = 0;
                h.reference_id = ReferenceId(*code);
                h.poll = Log2Seconds(q.poll.0.max(*poll));
                h.receive_time = q.transmit_time;
                h.transmit_time = q.transmit_time;
            }
            Behaviour::Unsynchronised => {
                h.leap = LeapIndicator::Unsynchronized;
                h.stratum = 0;
                h.reference_id = ReferenceId::INIT;
            }
        }
        let mut buf = vec![0u8; HEADER_LEN + 24];
        h.encode((&mut buf[..HEADER_LEN]).try_into().expect("48"));
        let mut len = HEADER_LEN;
        if let Some((keys, id)) = &s.key {
            len += keys.sign(self.flavor, *id, &mut buf, HEADER_LEN).unwrap_or(0);
        }
        buf.truncate(len);
        let p = s.path;
        let addr = s.addr;
        // The reply leaves 20 µs after the request arrived.
        if self.rng.uniform() < p.loss {
            return;
        }
        let d = (p.delay - p.asymmetry / 2.0 + p.jitter * self.rng.gaussian()).max(0.0);
        self.enqueue(t + 20e-6 + d, Hop::ToClient, addr, buf);
    }

    /// Run until true time `end` (s).
    pub fn run_until(&mut self, end: f64) {
        self.run_until_with(end, |_| {});
    }

    /// Run until `end`, calling `each` after every timer tick (for sampling figures).
    pub fn run_until_with(&mut self, end: f64, mut each: impl FnMut(&Sim)) {
        loop {
            let tick = self.sync.next_tick().as_secs_f64();
            let pkt = self.flight.keys().next().map(|k| k.0 as f64 / 1e9);
            let next = pkt.map_or(tick, |p| p.min(tick));
            if next > end {
                self.advance(end);
                return;
            }
            self.advance(next);
            if pkt.is_some_and(|p| p <= tick) {
                let (_, (hop, from, data)) = self.flight.pop_first().expect("packet");
                match hop {
                    Hop::ToServer(i) => self.serve(i, &data),
                    Hop::ToClient => {
                        let now = self.now();
                        let mut out = Vec::new();
                        self.sync.receive(now, from, &data, &mut self.clock, &mut out);
                        self.send(out);
                    }
                }
            } else {
                let now = self.now();
                let mut out = Vec::new();
                self.sync.tick(now, &mut self.clock, &mut out);
                self.send(out);
                for r in self.sync.resolve_requests(now) {
                    let answer = self.names.get(&r.host).cloned().ok_or_else(|| format!("{}: name unknown", r.host));
                    self.sync.resolved(r.id, answer, now);
                }
                each(self);
            }
            let t = self.t;
            for e in self.sync.drain_events() {
                self.events.push((t, e));
            }
        }
    }
}

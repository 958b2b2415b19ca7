//! Synchronisation from upstream servers, sans-IO: associations (client / symmetric active,
//! poll, reach, burst/iburst, KoD), the RFC 5905 clock filter, selection / cluster / combine,
//! and the clock discipline (ntpd's `local_clock` without the kernel), plus the LOCAL and
//! orphan fallbacks.
//!
//! Nothing here opens a socket, reads a clock, resolves a name or spawns a thread: time arrives
//! as [`Now`], datagrams as byte slices, packets to send go into caller vectors, names to
//! resolve come out as [`ResolveRequest`]s, and the clock is adjusted through [`ClockControl`].

pub mod assoc;
pub mod clock;
pub mod discipline;
pub mod filter;
pub mod select;
pub mod sim;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

pub use clock::ClockControl;

use super::Flavor;
use super::auth::KeyStore;
use super::control::{ControlSnapshot, PeerVars, Selection, SyncSource};
use super::packet::{self as wire, LeapIndicator, ReferenceId};
use super::system::{LOCAL_DISPERSION, LocalClock, STRATUM_UNSPEC, SystemVars};
use super::time::NtpShort;
pub use super::time::{Log2Seconds, NtpTimestamp};
use assoc::{Association, Received, SysForXmit, addr2refid, refused_address, ts_add};
use discipline::{Discipline, Update};
use filter::{ClockFilter, FilterOutcome, FilterParams, Sample};
use select::{Candidate, SelectParams, SelectState};

/// Time as the core sees it. `mono` drives timers (never jumps); `clock` is the local clock
/// reading (what T1/T4 use: the system clock as the process reads it, test-hook offset included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Now {
    /// Monotonic time since an arbitrary origin (the driver's start).
    pub mono: Duration,
    /// The local clock reading.
    pub clock: NtpTimestamp,
}

/// One configured association (from a `server`/`pool`/`peer` line).
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationConfig {
    /// What to talk to.
    pub target: Target,
    /// Client (server/pool; NTPsec peer) or symmetric active (classic peer).
    pub mode: AssocMode,
    /// `minpoll` (default 6).
    pub minpoll: Log2Seconds,
    /// `maxpoll` (default 10, at most 17).
    pub maxpoll: Log2Seconds,
    /// `iburst`: 8 packets 2 s apart while unreachable.
    pub iburst: bool,
    /// `burst`: 8 packets 2 s apart at each poll while reachable.
    pub burst: bool,
    /// `prefer`.
    pub prefer: bool,
    /// `noselect`: polled and shown, never selected.
    pub noselect: bool,
    /// `true`: always survives selection.
    pub true_chimer: bool,
    /// `preempt`: may be demobilised when not useful.
    pub preempt: bool,
    /// Symmetric key id: requests carry a MAC, answers must verify.
    pub key: Option<u32>,
    /// NTP version sent (1..=4, default 4).
    pub version: u8,
    /// The config line, for log messages.
    pub span_line: Option<u32>,
}

impl AssociationConfig {
    /// A `server` line for `target` with the defaults (minpoll 6, maxpoll 10, version 4).
    pub fn new(target: Target) -> Self {
        AssociationConfig {
            target,
            mode: AssocMode::Client,
            minpoll: Log2Seconds(6),
            maxpoll: Log2Seconds(10),
            iburst: false,
            burst: false,
            prefer: false,
            noselect: false,
            true_chimer: false,
            preempt: false,
            key: None,
            version: 4,
            span_line: None,
        }
    }
}

/// What an association talks to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A literal address (port 123 unless the test harness says otherwise).
    Address(SocketAddr),
    /// A host name to resolve (`server name`): one association once resolved.
    Name {
        /// Host name.
        host: String,
        /// Port.
        port: u16,
    },
    /// `pool name`: up to `tos maxclock` preemptible client associations, re-resolved to
    /// replace lost ones.
    Pool {
        /// Host name.
        host: String,
        /// Port.
        port: u16,
    },
}

/// Association mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssocMode {
    /// Client (mode 3).
    Client,
    /// Symmetric active (mode 1): classic `peer`.
    SymmetricActive,
}

/// `tos` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Tos {
    /// Minimum survivors of selection (`minsane`).
    pub minsane: u32,
    /// Minimum survivors of clustering (`minclock`).
    pub minclock: u32,
    /// Maximum associations a pool keeps (`maxclock`).
    pub maxclock: u32,
    /// Minimum distance (`mindist`, s).
    pub mindist: f64,
    /// Selection threshold on root distance (`maxdist`, s).
    pub maxdist: f64,
    /// Orphan stratum (`orphan`); `None` = off.
    pub orphan: Option<u8>,
    /// How long to wait before the orphan / LOCAL fallback (`orphanwait`).
    pub orphanwait: Duration,
}

impl Default for Tos {
    /// ntpd's defaults (identical in classic 4.2.8p18 and NTPsec 1.2.2): minsane 1, minclock 3,
    /// maxclock 10, mindist 1 ms, maxdist 1.5 s, orphan off, orphanwait 300 s.
    fn default() -> Self {
        Tos { minsane: 1, minclock: 3, maxclock: 10, mindist: 0.001, maxdist: 1.5, orphan: None, orphanwait: Duration::from_secs(300) }
    }
}

/// `tinker` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Tinker {
    /// Step threshold (s).
    pub step: f64,
    /// Panic threshold (s; 0 = off).
    pub panic: f64,
    /// Stepout interval (s).
    pub stepout: f64,
    /// Dispersion rate (PHI, s/s).
    pub dispersion: f64,
    /// Allan intercept in seconds (`tinker allan N` gives 2^N s; default 2^11 = 2048 s).
    pub allan: f64,
    /// Huff-n'-puff window (s; 0 = off).
    pub huffpuff: f64,
    /// Initial frequency (ppm), if set.
    pub freq: Option<f64>,
}

impl Default for Tinker {
    /// ntpd's defaults (both dialects): step 0.128 s, panic 1000 s, stepout 300 s, PHI 15 ppm,
    /// Allan intercept 2^11 s, huff-n'-puff off, no forced frequency.
    fn default() -> Self {
        Tinker { step: 0.128, panic: 1000.0, stepout: 300.0, dispersion: 15e-6, allan: 2048.0, huffpuff: 0.0, freq: None }
    }
}

/// ntpd's command-line clock options.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClockOptions {
    /// `-g`: the first offset may exceed the panic threshold.
    pub allow_big_first_step: bool,
    /// `-x`: step threshold 600 s.
    pub slew_only: bool,
    /// `-q`: set the clock once and report done.
    pub quit_after_set: bool,
    /// false = `--no-clock-adjust`: never call [`ClockControl`]; serve local clock +
    /// [`Synchronizer::offset_estimate`].
    pub discipline: bool,
}

/// Everything the synchroniser needs from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// Dialect.
    pub flavor: Flavor,
    /// Configured associations.
    pub associations: Vec<AssociationConfig>,
    /// The LOCAL driver, a fallback source.
    pub local_clock: Option<LocalClock>,
    /// `tos`.
    pub tos: Tos,
    /// `tinker`.
    pub tinker: Tinker,
    /// Command-line clock options.
    pub clock: ClockOptions,
    /// From the driftfile (None: no driftfile / unreadable → FSET start).
    pub initial_frequency_ppm: Option<f64>,
    /// System clock precision.
    pub precision: Log2Seconds,
    /// The keys file.
    pub keys: Option<Arc<KeyStore>>,
    /// `trustedkey` ids.
    pub trusted_keys: Vec<u32>,
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// Bytes.
    pub payload: Vec<u8>,
}

/// A name the driver should resolve now.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolveRequest {
    /// Pass back to [`Synchronizer::resolved`].
    pub id: u32,
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
}

/// Things worth a log line.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// An association was mobilised.
    Mobilized {
        /// Its address.
        addr: SocketAddr,
    },
    /// An association became reachable.
    Reachable {
        /// Its address.
        addr: SocketAddr,
    },
    /// An association became unreachable.
    Unreachable {
        /// Its address.
        addr: SocketAddr,
    },
    /// A new system peer.
    SysPeer {
        /// Its address (127.127.1.u for LOCAL).
        addr: SocketAddr,
    },
    /// No system peer any more.
    NoSysPeer,
    /// A kiss-o'-death packet.
    Kod {
        /// From.
        addr: SocketAddr,
        /// Kiss code.
        code: [u8; 4],
    },
    /// An association was demobilised.
    Demobilized {
        /// Its address.
        addr: SocketAddr,
        /// Why.
        why: String,
    },
    /// The clock was stepped.
    ClockStep {
        /// By this many seconds.
        offset: f64,
    },
    /// An offset beyond the panic threshold: ntpd exits (the driver should exit).
    Panic {
        /// The offset (s).
        offset: f64,
    },
    /// The frequency was set (end of the FREQ interval).
    FrequencySet {
        /// ppm.
        ppm: f64,
    },
    /// `-q`: the clock was set; the daemon should exit.
    ClockSetAndQuit,
    /// A reply that failed authentication.
    AuthFailed {
        /// From.
        addr: SocketAddr,
    },
    /// An address refused for an association.
    Refused {
        /// The address.
        addr: SocketAddr,
        /// Why.
        why: String,
    },
    /// A name could not be resolved (the core retries).
    ResolveFailed {
        /// Host name.
        host: String,
        /// The resolver's message.
        error: String,
    },
}

/// Where a name stands.
#[derive(Debug, Clone, PartialEq)]
enum Resolve {
    /// Ask at this time (s since start).
    Due(f64),
    /// Asked (request id).
    Asked(u32),
    /// Resolved (pools keep their addresses to spawn from).
    Done,
}

/// A `server name` not yet resolved, or a `pool` (its solicitor, which stays).
#[derive(Debug, Clone)]
struct Named {
    id: u16,
    cfg: AssociationConfig,
    host: String,
    port: u16,
    pool: bool,
    state: Resolve,
    /// Back-off for the next failure (s): ntpd's intres starts at 2 s and grows ~1.5× to 1024 s.
    retry: f64,
    addrs: Vec<IpAddr>,
    next_addr: usize,
    /// Next pool poll (s since start).
    nextdate: f64,
}

/// The LOCAL driver as an association.
#[derive(Debug, Clone)]
struct Local {
    id: u16,
    clock: LocalClock,
    filter: ClockFilter,
    reach: u8,
    samples: u64,
    nextdate: f64,
    last_sample: NtpTimestamp,
    status: Selection,
}

/// Who the system peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    Assoc(u16),
    Local,
}

/// Offset estimator: a weighted linear fit of (time, offset + cumulative correction) over the
/// recent samples of the surviving associations. The correction-free value changes only with
/// the oscillator, so the fit predicts the offset between samples (serving with
/// `--no-clock-adjust`) and bridges slews and steps.
/// Only the points of the associations that survived the last selection count, so a
/// falseticker's samples taken before selection found it out drop away.
#[derive(Debug, Clone, Default)]
struct Estimator {
    /// (time, offset + correction, weight, association id).
    points: std::collections::VecDeque<(f64, f64, f64, u16)>,
    survivors: Vec<u16>,
}

/// Points kept (about 32 polls of four sources).
const ESTIMATOR_POINTS: usize = 128;

impl Estimator {
    fn push(&mut self, t: f64, u: f64, w: f64, id: u16) {
        if self.points.len() == ESTIMATOR_POINTS {
            self.points.pop_front();
        }
        self.points.push_back((t, u, w, id));
    }
    fn predict(&self, t: f64, max_age: f64) -> Option<f64> {
        let pts: Vec<_> = self.points.iter().filter(|p| self.survivors.contains(&p.3) && t - p.0 <= max_age).collect();
        let n = pts.len();
        if n == 0 {
            return None;
        }
        let sw: f64 = pts.iter().map(|p| p.2).sum();
        let mt = pts.iter().map(|p| p.2 * p.0).sum::<f64>() / sw;
        let mu = pts.iter().map(|p| p.2 * p.1).sum::<f64>() / sw;
        let sxx: f64 = pts.iter().map(|p| p.2 * (p.0 - mt).powi(2)).sum();
        // A slope needs a span; under 4 points or 30 s the mean is the estimate.
        let span = pts[n - 1].0 - pts[0].0;
        if n < 4 || span < 30.0 || sxx <= 0.0 {
            return Some(mu);
        }
        let sxy: f64 = pts.iter().map(|p| p.2 * (p.0 - mt) * (p.1 - mu)).sum();
        Some(mu + sxy / sxx * (t - mt))
    }

    /// The slope (s/s) of offset + correction over the points since `since`: the frequency
    /// correction the oscillator needs. None with under 8 points or a span under half of
    /// `span` s.
    fn slope(&self, since: f64, span: f64) -> Option<f64> {
        let pts: Vec<_> = self.points.iter().filter(|p| self.survivors.contains(&p.3) && p.0 >= since).collect();
        if pts.len() < 8 || pts[pts.len() - 1].0 - pts[0].0 < span / 2.0 {
            return None;
        }
        let sw: f64 = pts.iter().map(|p| p.2).sum();
        let mt = pts.iter().map(|p| p.2 * p.0).sum::<f64>() / sw;
        let mu = pts.iter().map(|p| p.2 * p.1).sum::<f64>() / sw;
        let sxx: f64 = pts.iter().map(|p| p.2 * (p.0 - mt).powi(2)).sum();
        let sxy: f64 = pts.iter().map(|p| p.2 * (p.0 - mt) * (p.1 - mu)).sum();
        (sxx > 0.0).then(|| sxy / sxx)
    }
}

/// The synchroniser: every association, the selection state and the clock discipline.
#[derive(Debug)]
pub struct Synchronizer {
    config: SyncConfig,
    start: Duration,
    /// The next second the timer runs (s since start).
    next_sec: u64,
    assocs: Vec<Association>,
    named: Vec<Named>,
    local: Option<Local>,
    next_id: u16,
    next_req: u32,
    disc: Discipline,
    sel: SelectState,
    sys_peer: Option<Peer>,
    sys_epoch: f64,
    sys_offset: f64,
    sys_jitter: f64,
    sys_leap: LeapIndicator,
    sys_stratum: u8,
    sys_refid: ReferenceId,
    sys_rootdelay: f64,
    sys_rootdisp: f64,
    sys_reftime: NtpTimestamp,
    /// Never synchronised and never stepped (serve ntpd's start-up INIT values).
    pristine: bool,
    orphwait: f64,
    /// Cumulative clock correction (slews + steps, real or virtual) (s).
    corr: f64,
    /// Its phase part (steps, one-off slews, the PLL's share of each second's slew; not the
    /// frequency compensation, which only cancels the oscillator's drift): what moves the
    /// clock against true time, so what older filter samples are moved by.
    pcorr: f64,
    /// The virtual correction (discipline off): local clock + this = disciplined time.
    virt: f64,
    /// A real slew in progress (adjtime semantics: at most 500 PPM, replaced by the next one):
    /// (phase part left, frequency part left, since when).
    slewing: (f64, f64, f64),
    est: Estimator,
    events: Vec<SyncEvent>,
    sys_event_count: u8,
    sys_last_event: u8,
    /// -q done, or panic: the clock is left alone from now on.
    finished: bool,
    /// The discipline has had its first update.
    started: bool,
    /// The latest time seen by `tick` or `receive` (s since start).
    last_seen: f64,
    rng: u64,
}

/// ntpd's intres back-off: 2 s, then ×2 rounded down to 3·2^k or 2^k, up to 1024 s.
fn next_retry(r: f64) -> f64 {
    let mut r = (r as u64) << 1;
    if r & (r - 1) != 0 {
        r &= r - 1;
    } else {
        r -= r >> 2;
    }
    (r.min(1024)) as f64
}

impl Synchronizer {
    /// A synchroniser for `config`, started at `now`.
    pub fn new(config: SyncConfig, now: Now) -> Self {
        let minpoll = config.associations.iter().map(|a| a.minpoll.0).min().unwrap_or(6).clamp(assoc::NTP_MINPOLL, assoc::NTP_MAXPOLL);
        let precision = config.precision.as_secs_f64();
        let disc = Discipline::new(&config.tinker, &config.clock, config.initial_frequency_ppm, minpoll, precision, 0.0);
        let mut s = Synchronizer {
            start: now.mono,
            next_sec: 1,
            assocs: Vec::new(),
            named: Vec::new(),
            local: None,
            next_id: 1,
            next_req: 1,
            disc,
            sel: SelectState::default(),
            sys_peer: None,
            sys_epoch: f64::NEG_INFINITY,
            sys_offset: 0.0,
            sys_jitter: precision,
            sys_leap: LeapIndicator::Unsynchronized,
            sys_stratum: STRATUM_UNSPEC,
            sys_refid: ReferenceId::INIT,
            sys_rootdelay: 0.0,
            sys_rootdisp: 0.0,
            sys_reftime: NtpTimestamp::ZERO,
            pristine: true,
            orphwait: config.tos.orphanwait.as_secs_f64(),
            corr: 0.0,
            pcorr: 0.0,
            virt: 0.0,
            slewing: (0.0, 0.0, 0.0),
            est: Estimator::default(),
            events: Vec::new(),
            sys_event_count: 1,
            sys_last_event: 1, // freq_not_set / restart
            finished: false,
            started: false,
            last_seen: 0.0,
            rng: now.clock.0 ^ 0x9E37_79B9_7F4A_7C15,
            config,
        };
        let cfgs = s.config.associations.clone();
        for c in cfgs {
            s.mobilize_config(c, 0.0);
        }
        s.set_local(s.config.local_clock.clone());
        s
    }

    fn secs(&self, now: Now) -> f64 {
        now.mono.saturating_sub(self.start).as_secs_f64()
    }

    fn seed(&mut self) -> u64 {
        self.rng = self.rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.rng
    }

    fn alloc_id(&mut self) -> u16 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    fn set_local(&mut self, lc: Option<LocalClock>) {
        self.local = lc.map(|clock| {
            let id = self.local.as_ref().map(|l| l.id).unwrap_or_else(|| self.alloc_id());
            Local {
                id,
                filter: ClockFilter::new(0.0),
                reach: 0,
                samples: 0,
                nextdate: crate::proto::system::FIRST_SAMPLE.as_secs_f64(),
                last_sample: NtpTimestamp::ZERO,
                status: Selection::Reject,
                clock,
            }
        });
    }

    fn mobilize_config(&mut self, c: AssociationConfig, now: f64) {
        match c.target.clone() {
            Target::Address(addr) => self.mobilize(c, addr, None, now),
            Target::Name { host, port } | Target::Pool { host, port } => {
                let pool = matches!(c.target, Target::Pool { .. });
                let id = self.alloc_id();
                self.named.push(Named {
                    id,
                    cfg: c,
                    host,
                    port,
                    pool,
                    state: Resolve::Due(now),
                    retry: 2.0,
                    addrs: Vec::new(),
                    next_addr: 0,
                    nextdate: now + 1.0,
                });
            }
        }
    }

    fn mobilize(&mut self, c: AssociationConfig, addr: SocketAddr, from_pool: Option<usize>, now: f64) {
        if let Some(why) = refused_address(addr.ip()) {
            self.events.push(SyncEvent::Refused { addr, why: why.into() });
            return;
        }
        if self.assocs.iter().any(|a| a.addr == addr) {
            return;
        }
        let mode = match (c.mode, self.config.flavor) {
            (AssocMode::SymmetricActive, Flavor::Classic) => AssocMode::SymmetricActive,
            _ => AssocMode::Client,
        };
        let id = self.alloc_id();
        let seed = self.seed();
        let mut a = Association::new(id, c, addr, mode, now, seed);
        a.from_pool = from_pool;
        self.assocs.push(a);
        self.events.push(SyncEvent::Mobilized { addr });
    }

    /// SIGHUP: keep associations whose target+mode are unchanged; mobilise new; drop gone.
    pub fn reconfigure(&mut self, config: SyncConfig, now: Now) {
        let t = self.secs(now);
        let same = |a: &AssociationConfig, b: &AssociationConfig| a.target == b.target && a.mode == b.mode;
        let new_cfgs = config.associations.clone();
        // Associations (literal addresses and resolved names).
        let mut gone = Vec::new();
        self.assocs.retain_mut(|a| match new_cfgs.iter().find(|c| same(c, &a.cfg)) {
            Some(c) => {
                a.cfg = c.clone();
                true
            }
            None => {
                gone.push(a.addr);
                false
            }
        });
        for addr in gone {
            if self.sys_peer.is_some_and(|p| matches!(p, Peer::Assoc(_)))
                && !self.assocs.iter().any(|a| Some(Peer::Assoc(a.id)) == self.sys_peer)
            {
                self.sys_peer = None;
            }
            self.events.push(SyncEvent::Demobilized { addr, why: "removed from the configuration".into() });
        }
        self.named.retain(|n| new_cfgs.iter().any(|c| same(c, &n.cfg)));
        for c in new_cfgs {
            let known = self.assocs.iter().any(|a| same(&a.cfg, &c)) || self.named.iter().any(|n| same(&n.cfg, &c));
            if !known {
                self.mobilize_config(c, t);
            }
        }
        if config.local_clock != self.config.local_clock {
            self.set_local(config.local_clock.clone());
            if self.sys_peer == Some(Peer::Local) && self.local.is_none() {
                self.sys_peer = None;
            }
        }
        self.config = config;
    }

    fn apply_step(&mut self, clock: &mut dyn ClockControl, x: f64, t: f64) {
        if self.config.clock.discipline {
            // A step ends any slew in progress (the kernel drops it).
            self.advance_slew(t);
            self.slewing = (0.0, 0.0, t);
            clock.step(x);
        } else {
            self.virt += x;
        }
        self.corr += x;
        self.pcorr += x;
    }

    /// Slew by `phase + freq` (the frequency share does not count as a phase correction).
    /// A real clock slews at most 500 PPM (adjtime), and a new slew replaces what is left of
    /// the last, so the correction is accounted as it happens; the virtual one is at once.
    fn apply_slew(&mut self, clock: &mut dyn ClockControl, phase: f64, freq: f64, t: f64) {
        let x = phase + freq;
        if x == 0.0 {
            return;
        }
        if self.config.clock.discipline {
            self.advance_slew(t);
            clock.slew(x);
            self.slewing = (phase, freq, t);
        } else {
            self.virt += x;
            self.corr += x;
            self.pcorr += phase;
        }
    }

    /// Account for the part of a real slew done by `t`.
    fn advance_slew(&mut self, t: f64) {
        let (p, f, since) = self.slewing;
        let left = p + f;
        if left == 0.0 || t <= since {
            return;
        }
        let done = left.abs().min(clock::MAX_SLEW_RATE * (t - since)) * left.signum();
        let share = done / left;
        self.corr += done;
        self.pcorr += p * share;
        self.slewing = (p * (1.0 - share), f * (1.0 - share), t);
    }

    /// The disciplined local time (the local clock plus the virtual correction).
    fn local_time(&self, now: Now) -> NtpTimestamp {
        ts_add(now.clock, self.virt)
    }

    fn xmit_sys(&self) -> SystemVars {
        self.vars_at(self.next_sec as f64)
    }

    /// Run timers: polls due → `out`; the once-a-second clock adjustment; unreachable
    /// handling, pool replacement, local-clock / orphan fallback.
    pub fn tick(&mut self, now: Now, clock: &mut dyn ClockControl, out: &mut Vec<Transmit>) {
        let t = self.secs(now);
        self.last_seen = self.last_seen.max(t);
        let mut runs = 0;
        while (self.next_sec as f64) <= t {
            let sec = self.next_sec as f64;
            runs += 1;
            if runs > 16 {
                // A long pause (suspend, debugger): resume at the present second.
                self.next_sec = t.floor() as u64;
            }
            self.second(sec, now, clock, out);
            self.next_sec += 1;
        }
    }

    fn second(&mut self, sec: f64, now: Now, clock: &mut dyn ClockControl, out: &mut Vec<Transmit>) {
        self.advance_slew(sec);
        // adj_host_clock
        self.sys_rootdisp += self.config.tinker.dispersion;
        if !self.finished {
            let (phase, freq) = self.disc.adj_host_clock();
            self.apply_slew(clock, phase, freq, sec);
        }
        if (sec as u64).is_multiple_of(900) {
            self.disc.huffpuff_shift();
        }
        let vars = self.xmit_sys();
        let keys = self.config.keys.clone();
        let sysx = SysForXmit { flavor: self.config.flavor, vars, keys: keys.as_deref() };
        let ts = self.local_time(now);
        let sys_poll = self.disc.sys_poll;
        let mut empties = Vec::new();
        let mut demob = Vec::new();
        for a in &mut self.assocs {
            a.throttle = (a.throttle - 1.0).max(0.0);
            if a.nextdate <= sec {
                let tx = a.transmit(sec, ts, sys_poll, &sysx);
                if tx.became_unreachable {
                    self.events.push(SyncEvent::Unreachable { addr: a.addr });
                }
                if tx.unreachable {
                    empties.push(a.id);
                }
                if tx.demobilize {
                    demob.push(a.id);
                }
                if let Some(p) = tx.payload {
                    out.push(Transmit { to: a.addr, payload: p });
                }
            }
        }
        for id in demob {
            self.demobilize(id, "unreachable (preemptible)", sec);
        }
        for id in empties {
            if let Some(i) = self.assocs.iter().position(|a| a.id == id) {
                let p = self.filter_params(self.assocs[i].hpoll);
                self.assocs[i].filter.add(Sample::empty(sec), sec, &p);
                self.clock_select(sec, clock);
            }
        }
        self.local_poll(sec, now, clock);
        self.pool_poll(sec);
        // Orphan mode (and classic's "no peer for too long").
        if self.sys_peer.is_none() && sec > self.orphwait {
            // Orphan stratum (leap cleared if unsynchronised), or classic's unsynchronised state.
            let orphan = match self.config.tos.orphan.filter(|&o| o < STRATUM_UNSPEC) {
                Some(o) if self.sys_leap == LeapIndicator::Unsynchronized => Some((o, LeapIndicator::NoWarning)),
                Some(o) => Some((o, self.sys_leap)),
                None if self.config.flavor == Flavor::Classic => Some((STRATUM_UNSPEC, LeapIndicator::Unsynchronized)),
                None => None,
            };
            if let Some((stratum, leap)) = orphan {
                self.sys_leap = leap;
                self.sys_stratum = stratum;
                self.pristine = false;
                self.orphan_refid();
                self.sys_offset = 0.0;
                self.sys_rootdelay = 0.0;
                self.sys_rootdisp = 0.0;
            }
        }
    }

    fn orphan_refid(&mut self) {
        self.sys_refid = if self.sys_stratum > 1 {
            ReferenceId([127, 0, 0, 1])
        } else {
            match self.config.flavor {
                Flavor::Classic => ReferenceId(*b"ORPH"),
                Flavor::Ntpsec => ReferenceId(*b"LOOP"),
            }
        };
    }

    fn local_poll(&mut self, sec: f64, now: Now, clock: &mut dyn ClockControl) {
        let Some(l) = &mut self.local else { return };
        if l.nextdate > sec {
            return;
        }
        l.nextdate = sec + (l.clock.poll.0.clamp(0, 17) as f64).exp2();
        l.samples += 1;
        l.reach = (l.reach << 1) | 1;
        l.last_sample = ts_add(now.clock, self.virt);
        let p = FilterParams {
            phi: self.config.tinker.dispersion,
            allan: self.disc.allan_secs(),
            maxdist: self.config.tos.maxdist,
            precision: self.config.precision.as_secs_f64(),
            sort: self.disc.freq_cnt == 0,
            hpoll: l.clock.poll.0,
            corr: self.pcorr,
        };
        l.filter.add(Sample { offset: 0.0, delay: 0.0, disp: 0.0, epoch: sec, corr: self.pcorr }, sec, &p);
        self.clock_select(sec, clock);
    }

    fn pool_poll(&mut self, sec: f64) {
        let total = self.assocs.len() + self.named.len() + usize::from(self.local.is_some());
        let survivors = self.assocs.iter().filter(|a| matches!(a.status, Selection::Candidate | Selection::SysPeer)).count();
        let maxclock = self.config.tos.maxclock as usize;
        let minclock = self.config.tos.minclock as usize;
        let mut spawn = Vec::new();
        for (i, n) in self.named.iter_mut().enumerate() {
            if !n.pool || n.nextdate > sec {
                continue;
            }
            n.nextdate = sec + (n.cfg.minpoll.0.clamp(3, 17) as f64).exp2();
            if !(total <= 2 * maxclock && (total < maxclock || survivors < minclock)) {
                continue;
            }
            if n.state == Resolve::Done {
                if n.next_addr >= n.addrs.len() {
                    // Out of addresses: re-query the name.
                    n.state = Resolve::Due(sec);
                    n.addrs.clear();
                    n.next_addr = 0;
                } else {
                    spawn.push(i);
                }
            }
        }
        for i in spawn {
            self.spawn_from_pool(i, sec);
        }
    }

    /// Mobilise pool servers from the resolved list until the pool is full.
    fn spawn_from_pool(&mut self, i: usize, sec: f64) {
        let maxclock = self.config.tos.maxclock as usize;
        loop {
            let total = self.assocs.len() + self.named.len() + usize::from(self.local.is_some());
            if total >= maxclock {
                return;
            }
            let n = &mut self.named[i];
            let Some(&ip) = n.addrs.get(n.next_addr) else { return };
            n.next_addr += 1;
            let addr = SocketAddr::new(ip, n.port);
            if self.assocs.iter().any(|a| a.addr == addr) {
                continue;
            }
            let cfg = AssociationConfig { preempt: true, ..n.cfg.clone() };
            self.mobilize(cfg, addr, Some(i), sec);
        }
    }

    fn demobilize(&mut self, id: u16, why: &str, sec: f64) {
        if let Some(pos) = self.assocs.iter().position(|a| a.id == id) {
            let a = self.assocs.remove(pos);
            self.events.push(SyncEvent::Demobilized { addr: a.addr, why: why.into() });
            if self.sys_peer == Some(Peer::Assoc(id)) {
                self.lose_sys_peer(sec);
            }
        }
    }

    fn lose_sys_peer(&mut self, sec: f64) {
        if self.sys_peer.is_some() {
            self.orphwait = sec + self.config.tos.orphanwait.as_secs_f64();
            self.events.push(SyncEvent::NoSysPeer);
            self.sys_event(0xd); // no_sys_peer
        }
        self.sys_peer = None;
    }

    fn sys_event(&mut self, code: u8) {
        self.sys_event_count = (self.sys_event_count + 1).min(15);
        self.sys_last_event = code;
    }

    fn filter_params(&self, hpoll: i8) -> FilterParams {
        FilterParams {
            phi: self.config.tinker.dispersion,
            allan: self.disc.allan_secs(),
            maxdist: self.config.tos.maxdist,
            precision: self.config.precision.as_secs_f64(),
            sort: self.disc.freq_cnt == 0,
            hpoll,
            corr: self.pcorr,
        }
    }

    /// When `tick` next needs to run (mono).
    pub fn next_tick(&self) -> Duration {
        self.start + Duration::from_secs(self.next_sec)
    }

    /// A datagram from `from` that arrived at `now`. Returns false if it belongs to no
    /// association.
    pub fn receive(&mut self, now: Now, from: SocketAddr, datagram: &[u8], clock: &mut dyn ClockControl, _out: &mut Vec<Transmit>) -> bool {
        let Ok(h) = wire::Header::decode(datagram) else { return false };
        let Some(i) = self.assocs.iter().position(|a| a.addr == from && a.takes(h.mode)) else { return false };
        let t = self.secs(now);
        self.last_seen = self.last_seen.max(t);
        self.advance_slew(t);
        let dst = self.local_time(now);
        let vars = self.vars_at(t);
        let keys = self.config.keys.clone();
        let sysx = SysForXmit { flavor: self.config.flavor, vars, keys: keys.as_deref() };
        let precision = self.config.precision.as_secs_f64();
        let phi = self.config.tinker.dispersion;
        let maxdist = self.config.tos.maxdist;
        let was_reach = self.assocs[i].reach;
        let r = self.assocs[i].receive(datagram, dst, t, precision, phi, maxdist, &sysx);
        let addr = self.assocs[i].addr;
        match r {
            Received::Sample(s) => {
                if was_reach == 0 {
                    self.events.push(SyncEvent::Reachable { addr });
                }
                let p = self.filter_params(self.assocs[i].hpoll);
                let (corr, pcorr) = (self.corr, self.pcorr);
                let a = &mut self.assocs[i];
                let o = a.filter.add(Sample { corr: pcorr, ..s }, t, &p);
                let id = a.id;
                if matches!(o, FilterOutcome::Update | FilterOutcome::Empty)
                    && (a.burst == 0 || self.sys_leap == LeapIndicator::Unsynchronized)
                {
                    self.clock_select(t, clock);
                }
                if !matches!(o, FilterOutcome::Popcorn(_)) {
                    self.feed_estimator(id, t, s.offset + corr, s.delay);
                }
            }
            Received::Rate => self.events.push(SyncEvent::Kod { addr, code: *b"RATE" }),
            Received::Deny(code) => {
                self.events.push(SyncEvent::Kod { addr, code });
                let id = self.assocs[i].id;
                self.demobilize(id, &format!("kiss code {}", String::from_utf8_lossy(&code)), t);
            }
            Received::Dropped(assoc::Drop::Auth) => self.events.push(SyncEvent::AuthFailed { addr }),
            Received::Dropped(_) => {}
        }
        true
    }

    /// Every new sample of a surviving association (not a popcorn spike, delay near the
    /// filter's best) feeds the offset estimator, weighted by 1 / root distance.
    fn feed_estimator(&mut self, id: u16, t: f64, u: f64, delay: f64) {
        let Some(a) = self.assocs.iter().find(|a| a.id == id) else { return };
        if matches!(a.status, Selection::Candidate | Selection::SysPeer) && delay <= a.filter.delay * 1.5 + 0.0005 {
            let d = a.root_distance(t, self.config.tinker.dispersion, self.config.tos.mindist);
            self.est.push(t, u, 1.0 / d, id);
        }
    }

    /// ntpd's `clock_select` + `clock_update`.
    fn clock_select(&mut self, t: f64, clock: &mut dyn ClockControl) {
        let phi = self.config.tinker.dispersion;
        let tos = self.config.tos.clone();
        let orphan = tos.orphan.map(|o| o as u32).unwrap_or(STRATUM_UNSPEC as u32 + 1);
        let mut cands = Vec::new();
        let mut orphan_parent: Option<(u32, Candidate)> = None;
        let mut last_resort: Option<Candidate> = None;
        for (i, a) in self.assocs.iter_mut().enumerate() {
            a.status = Selection::Reject;
            if a.unfit(t, phi, tos.mindist, tos.maxdist) {
                continue;
            }
            let c = Candidate {
                id: i,
                offset: a.filter.offset + a.filter.corr - self.pcorr,
                jitter: a.filter.jitter,
                distance: a.root_distance(t, phi, tos.mindist),
                stratum: a.stratum,
                prefer: a.cfg.prefer,
                true_chimer: a.cfg.true_chimer,
            };
            if self.pristine && a.reftime != NtpTimestamp::ZERO && last_resort.is_none_or(|l| c.distance < l.distance) {
                last_resort = Some(c);
            }
            if a.stratum as u32 == orphan {
                let metric = u32::from_be_bytes(addr2refid(a.addr.ip()).0);
                if orphan_parent.is_none_or(|(m, _)| metric < m) {
                    orphan_parent = Some((metric, c));
                }
                continue;
            }
            if a.stratum as u32 > orphan {
                continue;
            }
            a.status = Selection::Falsetick;
            cands.push(c);
        }
        const LOCAL_IDX: usize = usize::MAX;
        let mut local_fallback = None;
        if let Some(l) = &mut self.local {
            l.status = Selection::Reject;
            if l.reach != 0 && !l.clock.noselect {
                let c = Candidate {
                    id: LOCAL_IDX,
                    offset: l.filter.offset,
                    jitter: l.filter.jitter,
                    distance: ((l.filter.delay) / 2.0 + l.filter.disp + phi * (t - l.filter.update) + LOCAL_DISPERSION + l.filter.jitter)
                        .max(tos.mindist),
                    stratum: l.clock.stratum,
                    prefer: l.clock.prefer,
                    true_chimer: false,
                };
                if l.clock.prefer {
                    l.status = Selection::Falsetick;
                    cands.push(c);
                } else if t > self.orphwait {
                    local_fallback = Some(c);
                }
            }
        }
        let fallback = local_fallback.or(orphan_parent.map(|o| o.1)).or(last_resort);
        let params = SelectParams {
            minsane: tos.minsane,
            minclock: tos.minclock,
            maxclock: tos.maxclock,
            mindist: tos.mindist,
            precision: self.config.precision.as_secs_f64(),
        };
        let old = match self.sys_peer {
            Some(Peer::Assoc(id)) => self
                .assocs
                .iter()
                .position(|a| a.id == id)
                .map(|i| (i, self.assocs[i].filter.offset + self.assocs[i].filter.corr - self.pcorr)),
            Some(Peer::Local) => self.local.as_ref().map(|l| (LOCAL_IDX, l.filter.offset)),
            None => None,
        };
        let out = select::select(&cands, fallback, old, &params, &mut self.sel);
        self.est.survivors = out.survivors.iter().filter(|&&i| i != LOCAL_IDX).map(|&i| self.assocs[i].id).collect();
        for &(id, st) in &out.status {
            if id == LOCAL_IDX {
                if let Some(l) = &mut self.local {
                    l.status = st;
                }
            } else if let Some(a) = self.assocs.get_mut(id) {
                a.status = st;
                if matches!(st, Selection::Candidate | Selection::SysPeer) {
                    a.unreach = 0;
                }
            }
        }
        let Some(sp) = out.sys_peer else {
            self.lose_sys_peer(t);
            return;
        };
        if !self.started && sp != LOCAL_IDX && !self.settled(t, &cands, &out.survivors) {
            // Start-up: ntpd takes the first association that turns fit, even alone, and while
            // the clock filters are still filling every root distance is ~1 s, so the
            // intersection cannot yet exclude a falseticker 50 ms off and the combined offset
            // (slewed in at once in NSET, the base of the frequency measurement) includes it.
            // Wait until every association that answers is fit and the survivors agree (within
            // 1 ms or 4 × their jitter of their median), or eight polls have passed.
            return;
        }
        let peer = if sp == LOCAL_IDX { Peer::Local } else { Peer::Assoc(self.assocs[sp].id) };
        let (epoch, stratum, refid, addr, rootdisp, disp, rootdelay, delay, update, dst, minpoll, maxpoll, leap) = match peer {
            Peer::Local => {
                let l = self.local.as_ref().expect("local peer");
                let refid = if l.clock.stratum == 0 { l.clock.driver_refid } else { ReferenceId([127, 127, 1, l.clock.unit]) };
                let p = l.clock.poll.0;
                (
                    l.filter.epoch,
                    l.clock.stratum,
                    refid,
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 127, 1, l.clock.unit)), 123),
                    LOCAL_DISPERSION,
                    l.filter.disp,
                    0.0,
                    0.0,
                    l.filter.update,
                    l.last_sample,
                    p,
                    p,
                    l.clock.leap,
                )
            }
            Peer::Assoc(_) => {
                let a = &self.assocs[sp];
                let refid = if a.stratum == 0 || a.stratum >= STRATUM_UNSPEC { a.refid } else { addr2refid(a.addr.ip()) };
                (
                    a.filter.epoch,
                    a.stratum,
                    refid,
                    a.addr,
                    a.rootdisp,
                    a.filter.disp,
                    a.rootdelay,
                    a.filter.delay,
                    a.filter.update,
                    a.dst,
                    a.minpoll,
                    a.maxpoll,
                    a.leap,
                )
            }
        };
        self.sys_offset = out.offset;
        self.sys_jitter = out.jitter;
        if epoch <= self.sys_epoch {
            return;
        }
        if self.sys_peer != Some(peer) {
            self.events.push(SyncEvent::SysPeer { addr });
            self.sys_event(0x4); // sync (new peer)
            if let Peer::Assoc(_) = peer {
                self.assocs[sp].note_event(0xa);
            }
        }
        // clock_update
        self.sys_peer = Some(peer);
        self.sys_epoch = epoch;
        self.disc.sys_poll = self.disc.sys_poll.clamp(minpoll, maxpoll.max(minpoll));
        let sys_poll = self.disc.sys_poll;
        if let Peer::Assoc(_) = peer {
            self.assocs[sp].poll_update(sys_poll, t);
        }
        self.sys_stratum = (stratum + 1).min(STRATUM_UNSPEC);
        self.sys_refid = refid;
        self.sys_rootdisp = (rootdisp + disp + self.sys_jitter + phi * (t - update) + self.sys_offset.abs()).max(tos.mindist);
        self.sys_rootdelay = delay + rootdelay;
        // In local-clock terms (the driver adds the offset estimate when it serves with the
        // discipline off); `dst` was taken on the disciplined (virtual) time scale.
        self.sys_reftime = ts_add(dst, -self.virt);
        if self.finished {
            return;
        }
        let was_valid = self.disc.freq_valid;
        let opoll = self.disc.sys_poll;
        let hint = if self.disc.state == discipline::State::Freq {
            self.est.slope(self.disc.clock_epoch, self.config.tinker.stepout)
        } else {
            None
        };
        let r = self.disc.local_clock_with(self.sys_offset, delay, minpoll, maxpoll, t, hint);
        self.started = true;
        if self.disc.freq_valid && !was_valid {
            self.events.push(SyncEvent::FrequencySet { ppm: self.disc.frequency_ppm() });
        }
        if self.disc.sys_poll != opoll
            && let Peer::Assoc(_) = peer
        {
            let p = self.disc.sys_poll;
            self.assocs[sp].poll_update(p, t);
        }
        match r {
            Update::Panic => {
                self.finished = true;
                self.events.push(SyncEvent::Panic { offset: self.sys_offset });
            }
            Update::Ignored => {}
            Update::Stepped(x) => {
                self.apply_step(clock, x, t);
                self.events.push(SyncEvent::ClockStep { offset: x });
                self.sys_event(0x3); // clock_step
                if self.config.clock.quit_after_set {
                    self.quit();
                    return;
                }
                // clear_all: every association starts over; the system is unsynchronised.
                for a in &mut self.assocs {
                    a.clear(t, assoc::step_refid());
                }
                self.sys_peer = None;
                self.sys_epoch = f64::NEG_INFINITY;
                self.sys_leap = LeapIndicator::Unsynchronized;
                self.sys_stratum = STRATUM_UNSPEC;
                self.sys_refid = ReferenceId(*b"STEP");
                self.sys_rootdelay = 0.0;
                self.sys_rootdisp = 0.0;
                self.sys_reftime = NtpTimestamp::ZERO;
                self.sys_jitter = self.config.precision.as_secs_f64();
                self.pristine = false;
            }
            Update::Slewed { slew } => {
                if let Some(x) = slew {
                    self.apply_slew(clock, x, 0.0, t);
                }
                if self.config.clock.quit_after_set {
                    self.quit();
                    return;
                }
                if self.sys_leap == LeapIndicator::Unsynchronized {
                    self.sys_leap = if leap == LeapIndicator::Unsynchronized { LeapIndicator::NoWarning } else { leap };
                }
                self.pristine = false;
            }
        }
    }

    fn settled(&self, t: f64, cands: &[Candidate], survivors: &[usize]) -> bool {
        let (phi, mindist, maxdist) = (self.config.tinker.dispersion, self.config.tos.mindist, self.config.tos.maxdist);
        let waited = |a: &Association| t - a.timereachable >= 8.0 * (a.hpoll as f64).exp2();
        let all_fit = self
            .assocs
            .iter()
            .filter(|a| a.reach != 0 && !a.cfg.noselect)
            .all(|a| !a.unfit(t, phi, mindist, maxdist) || a.stratum >= STRATUM_UNSPEC || waited(a));
        let offs: Vec<(f64, f64)> =
            survivors.iter().filter_map(|&id| cands.iter().find(|c| c.id == id)).map(|c| (c.offset, c.jitter)).collect();
        let mut sorted: Vec<f64> = offs.iter().map(|o| o.0).collect();
        sorted.sort_by(f64::total_cmp);
        let agree = sorted.is_empty() || {
            let median = sorted[sorted.len() / 2];
            offs.iter().all(|&(o, j)| (o - median).abs() <= f64::max(0.001, 4.0 * j))
        };
        let patience = self.assocs.iter().filter(|a| a.reach != 0).any(waited);
        all_fit && (agree || patience)
    }

    fn quit(&mut self) {
        self.finished = true;
        self.events.push(SyncEvent::ClockSetAndQuit);
    }

    /// Names to resolve now.
    pub fn resolve_requests(&mut self, now: Now) -> Vec<ResolveRequest> {
        let t = self.secs(now);
        let mut out = Vec::new();
        for n in &mut self.named {
            if let Resolve::Due(at) = n.state
                && at <= t
            {
                let id = self.next_req;
                self.next_req = self.next_req.wrapping_add(1);
                n.state = Resolve::Asked(id);
                out.push(ResolveRequest { id, host: n.host.clone(), port: n.port });
            }
        }
        out
    }

    /// The answer to a [`ResolveRequest`].
    pub fn resolved(&mut self, id: u32, result: Result<Vec<IpAddr>, String>, now: Now) {
        let t = self.secs(now);
        let Some(i) = self.named.iter().position(|n| n.state == Resolve::Asked(id)) else { return };
        let addrs = match result {
            Ok(a) if !a.is_empty() => a,
            Ok(_) | Err(_) => {
                let n = &mut self.named[i];
                let error = match result {
                    Err(e) => e,
                    Ok(_) => "no addresses".into(),
                };
                self.events.push(SyncEvent::ResolveFailed { host: n.host.clone(), error });
                n.state = Resolve::Due(t + n.retry);
                n.retry = next_retry(n.retry);
                return;
            }
        };
        if self.named[i].pool {
            let n = &mut self.named[i];
            n.addrs = addrs;
            n.next_addr = 0;
            n.state = Resolve::Done;
            n.retry = 2.0;
            self.spawn_from_pool(i, t);
        } else {
            let n = self.named.remove(i);
            // ntpd uses the first usable address of the answer.
            match addrs.iter().find(|ip| refused_address(**ip).is_none()) {
                Some(ip) => self.mobilize(n.cfg, SocketAddr::new(*ip, n.port), None, t),
                None => self.events.push(SyncEvent::Refused { addr: SocketAddr::new(addrs[0], n.port), why: "no usable address".into() }),
            }
        }
    }

    fn vars_at(&self, t: f64) -> SystemVars {
        let precision = self.config.precision;
        if self.pristine {
            return SystemVars::unsynchronised_since(precision, Duration::from_secs_f64(t.max(0.0)));
        }
        // Root dispersion grows by PHI a second since the timer last ran (adj_host_clock).
        let extra = self.config.tinker.dispersion * (t - (self.next_sec as f64 - 1.0)).clamp(0.0, 1.0).floor();
        SystemVars {
            leap: self.sys_leap,
            stratum: self.sys_stratum,
            precision,
            root_delay: NtpShort::from_secs_f64(self.sys_rootdelay),
            root_dispersion: NtpShort::from_secs_f64(self.sys_rootdisp + extra),
            reference_id: self.sys_refid,
            reference_time: self.sys_reftime,
        }
    }

    /// What served packets carry now.
    pub fn system_vars(&self, now: Now) -> SystemVars {
        self.vars_at(self.secs(now))
    }

    /// Combined offset of the local clock vs the selected sources (s; add it to the local
    /// clock to get true time). Between samples it is extrapolated from a fit over the
    /// recent samples of the surviving sources, so it tracks the oscillator; with the
    /// discipline off it includes the virtual correction. Evaluated at the last `tick` or
    /// `receive`; [`Synchronizer::offset_estimate_now`] evaluates it at a given instant.
    pub fn offset_estimate(&self) -> f64 {
        self.offset_estimate_at(self.last_seen)
    }

    /// ntpd's `sys_jitter` (s): the combined jitter of the survivors.
    pub fn sys_jitter(&self) -> f64 {
        self.sys_jitter
    }

    /// ntpd's `clk_jitter` (s): the discipline's offset jitter.
    pub fn clock_jitter(&self) -> f64 {
        self.disc.clock_jitter
    }

    /// ntpd's `clk_wander` (PPM): the discipline's frequency wander.
    pub fn clock_wander_ppm(&self) -> f64 {
        self.disc.clock_stability * 1e6
    }

    /// [`Synchronizer::offset_estimate`] at `now` (the fit evaluated at this instant).
    pub fn offset_estimate_now(&self, now: Now) -> f64 {
        self.offset_estimate_at(self.secs(now))
    }

    fn offset_estimate_at(&self, t: f64) -> f64 {
        let (p, f, since) = self.slewing;
        let left = p + f;
        let slewed = if left == 0.0 || t <= since { 0.0 } else { left.abs().min(clock::MAX_SLEW_RATE * (t - since)) * left.signum() };
        match self.est.predict(t, self.disc.allan_secs()) {
            Some(u) => u - self.corr - slewed + self.virt,
            None => self.virt + if self.sys_peer.is_some() { self.sys_offset } else { 0.0 },
        }
    }

    /// Current frequency correction (ppm) — what the driftfile stores.
    pub fn frequency_ppm(&self) -> f64 {
        self.disc.frequency_ppm()
    }

    /// True once the frequency is trustworthy enough to write the driftfile.
    pub fn frequency_valid(&self) -> bool {
        self.disc.freq_valid
    }

    /// The offset estimator's points (time s, offset + cumulative correction s, weight), for
    /// tests and statistics.
    pub fn estimator_points(&self) -> Vec<(f64, f64, f64)> {
        self.est.points.iter().filter(|p| self.est.survivors.contains(&p.3)).map(|p| (p.0, p.1, p.2)).collect()
    }

    /// Cumulative correction applied so far (s), for tests.
    pub fn correction(&self) -> f64 {
        self.corr
    }

    /// The discipline (state, jitter, poll), for tests and statistics.
    pub fn discipline(&self) -> &Discipline {
        &self.disc
    }

    /// The associations (for tests and statistics).
    pub fn associations(&self) -> &[Association] {
        &self.assocs
    }

    /// The system peer's address (127.127.1.u for LOCAL).
    pub fn sys_peer_addr(&self) -> Option<SocketAddr> {
        match self.sys_peer? {
            Peer::Assoc(id) => self.assocs.iter().find(|a| a.id == id).map(|a| a.addr),
            Peer::Local => self.local.as_ref().map(|l| SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 127, 1, l.clock.unit)), 123)),
        }
    }

    /// The system offset of the last selection (s), as ntpd's `sys_offset`.
    pub fn sys_offset(&self) -> f64 {
        self.sys_offset
    }

    /// -q done or panic: the driver should exit.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Mode 6 view.
    pub fn control_snapshot(&self, now: Now) -> ControlSnapshot {
        let t = self.secs(now);
        let mut peers = Vec::new();
        for a in &self.assocs {
            let host = match &a.cfg.target {
                Target::Name { host, .. } | Target::Pool { host, .. } => Some(host.clone()),
                Target::Address(_) => None,
            };
            let mut p = PeerVars::configured(a.id, Some(a.addr.ip()), host, Log2Seconds(a.hpoll));
            p.srcadr = a.addr;
            p.hmode = match a.hmode {
                AssocMode::Client => 3,
                AssocMode::SymmetricActive => 1,
            };
            p.configured = a.from_pool.is_none();
            p.auth_enabled = a.cfg.key.is_some();
            p.authentic = a.authentic;
            p.selection = a.status;
            p.event_count = a.event_count;
            p.last_event = a.last_event;
            p.leap = a.leap;
            p.stratum = a.stratum;
            p.precision = a.precision;
            p.root_delay = a.rootdelay;
            p.root_dispersion = a.rootdisp;
            p.refid = a.refid;
            p.reftime = a.reftime;
            p.rec = a.dst;
            p.xmt = a.dst;
            p.reach = a.reach;
            p.unreach = a.unreach;
            p.hpoll = Log2Seconds(a.hpoll);
            p.ppoll = Log2Seconds(a.ppoll);
            p.delay = a.filter.delay;
            p.offset = a.filter.offset + a.filter.corr - self.pcorr;
            p.jitter = a.filter.jitter;
            p.dispersion = a.filter.disp + self.config.tinker.dispersion * (t - a.filter.update);
            p.keyid = a.cfg.key.unwrap_or(0);
            peers.push(p);
        }
        for n in &self.named {
            let mut p = PeerVars::configured(n.id, None, Some(n.host.clone()), Log2Seconds(n.cfg.minpoll.0));
            p.srcadr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), n.port);
            if n.pool {
                p.refid = ReferenceId(*b"POOL");
            }
            peers.push(p);
        }
        if let Some(l) = &self.local {
            let mut p = PeerVars::local_clock(l.id, &l.clock, self.config.precision, Duration::from_secs_f64(t.max(0.0)), now.clock);
            p.selection = l.status;
            p.reach = l.reach;
            p.last_event = if l.status == Selection::SysPeer { 0xa } else { p.last_event };
            peers.push(p);
        }
        peers.sort_by_key(|p| p.assoc_id);
        let sys_peer = match self.sys_peer {
            Some(Peer::Assoc(id)) => Some(id),
            Some(Peer::Local) => self.local.as_ref().map(|l| l.id),
            None => None,
        };
        ControlSnapshot {
            peers,
            sys_peer,
            sync_source: match self.sys_peer {
                Some(Peer::Local) => SyncSource::Local,
                Some(Peer::Assoc(_)) => SyncSource::Ntp,
                None => SyncSource::Unspec,
            },
            sys_event_count: self.sys_event_count,
            sys_last_event: self.sys_last_event,
            tc: Log2Seconds(self.disc.sys_poll),
            ..ControlSnapshot::default()
        }
    }

    /// Log-worthy events since the last call.
    pub fn drain_events(&mut self) -> Vec<SyncEvent> {
        std::mem::take(&mut self.events)
    }
}

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

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

pub use clock::ClockControl;

use super::Flavor;
use super::auth::KeyStore;
use super::control::ControlSnapshot;
use super::system::{LocalClock, SystemVars};
pub use super::time::{Log2Seconds, NtpTimestamp};

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
    /// Allan intercept (log2 s, as `tinker allan` takes it: 11 = 2048 s).
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
        Tinker { step: 0.128, panic: 1000.0, stepout: 300.0, dispersion: 15e-6, allan: 11.0, huffpuff: 0.0, freq: None }
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

/// The synchroniser: every association, the selection state and the clock discipline.
#[derive(Debug)]
pub struct Synchronizer {
    config: SyncConfig,
    start: Duration,
    events: Vec<SyncEvent>,
}

impl Synchronizer {
    /// A synchroniser for `config`, started at `now`.
    pub fn new(config: SyncConfig, now: Now) -> Self {
        Synchronizer { config, start: now.mono, events: Vec::new() }
    }

    /// SIGHUP: keep associations whose target+mode are unchanged; mobilise new; drop gone.
    pub fn reconfigure(&mut self, config: SyncConfig, _now: Now) {
        self.config = config;
    }

    /// Run timers: polls due → `out`; the once-a-second clock adjustment; unreachable
    /// handling, pool replacement, local-clock / orphan fallback.
    pub fn tick(&mut self, _now: Now, _clock: &mut dyn ClockControl, _out: &mut Vec<Transmit>) {}

    /// When `tick` next needs to run (mono).
    pub fn next_tick(&self) -> Duration {
        self.start + Duration::from_secs(1)
    }

    /// A datagram from `from` that arrived at `now`. Returns false if it belongs to no
    /// association.
    pub fn receive(
        &mut self,
        _now: Now,
        _from: SocketAddr,
        _datagram: &[u8],
        _clock: &mut dyn ClockControl,
        _out: &mut Vec<Transmit>,
    ) -> bool {
        false
    }

    /// Names to resolve now.
    pub fn resolve_requests(&mut self, _now: Now) -> Vec<ResolveRequest> {
        Vec::new()
    }

    /// The answer to a [`ResolveRequest`].
    pub fn resolved(&mut self, _id: u32, _result: Result<Vec<IpAddr>, String>, _now: Now) {}

    /// What served packets carry now.
    pub fn system_vars(&self, _now: Now) -> SystemVars {
        SystemVars::unsynchronised(self.config.precision)
    }

    /// Combined offset of the local clock vs the selected sources (s; add it to the local
    /// clock to get true time).
    pub fn offset_estimate(&self) -> f64 {
        0.0
    }

    /// Current frequency correction (ppm) — what the driftfile stores.
    pub fn frequency_ppm(&self) -> f64 {
        self.config.initial_frequency_ppm.unwrap_or(0.0)
    }

    /// True once the frequency is trustworthy enough to write the driftfile.
    pub fn frequency_valid(&self) -> bool {
        false
    }

    /// Mode 6 view.
    pub fn control_snapshot(&self, _now: Now) -> ControlSnapshot {
        ControlSnapshot::default()
    }

    /// Log-worthy events since the last call.
    pub fn drain_events(&mut self) -> Vec<SyncEvent> {
        std::mem::take(&mut self.events)
    }
}

//! The upstream side of `serve`: the I/O around the sans-IO [`Synchronizer`] on the main
//! thread's tokio loop.
//!
//! - Upstream traffic uses one UDP socket per address family on an ephemeral port (as chronyd
//!   does; ntpd sends from port 123). Replies are read with kernel receive timestamps
//!   (SO_TIMESTAMPNS), as the serving sockets read requests, so T4 is the arrival time and
//!   not the time the loop got round to it. The serving sockets and their worker threads are
//!   not touched.
//! - Before a reply reaches the core, the access table applies as ntpd applies it to every
//!   packet (`receive()` in both daemons): `ignore` and `noserve` drop it, `notrust` drops it
//!   unless it carries a MAC, `version` (NTPsec) drops other versions than 4. So `restrict
//!   default ignore` without an entry for the server (or `restrict source`) never
//!   synchronises — as ntpd.
//! - Names are resolved on tokio's blocking pool ([`super::resolve`]), when and as often as
//!   the core asks (its back-off for failures, pool re-resolution).
//! - Every local clock reading the core sees (T1 at send, T4 from the kernel timestamp, the
//!   timer's `Now`) carries the hidden test hook's offset (`--test-clock-offset`), as do the
//!   timestamps served by the workers; with `--no-clock-adjust` the served timestamps also
//!   carry [`Synchronizer::offset_estimate`], so clients get the upstream's time.
//! - The frequency file is read at start and written hourly ([`super::driftfile`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;

use super::clock;
use super::driftfile;
use super::log::Level;
use super::resolve::Resolver;
use super::socket::{self, NtpSocket, RecvBatch, SendBatch};
use crate::config::lower::refused_association_address;
use crate::config::model::AssociationKind;
use crate::proto::Flavor;
use crate::proto::access::{AccessPolicy, RestrictFlags};
use crate::proto::control::ControlSnapshot;
use crate::proto::sync::clock::NoClock;
use crate::proto::sync::{ClockControl, Now, SyncConfig, SyncEvent, Synchronizer, Target, Transmit};
use crate::proto::system::SystemVars;
use crate::proto::time::{NtpDuration, NtpTimestamp};
use crate::runtime::{DriftfilePlan, ServerPlan};
use crate::srvlog;

/// How `serve` runs synchronisation (from its command line).
#[derive(Clone)]
pub struct SyncOptions {
    /// `-g`, `-x`, `-q` and whether the clock is disciplined at all (`--no-clock-adjust` off).
    pub clock: crate::proto::sync::ClockOptions,
    /// The resolver (system, or the test table).
    pub resolver: Arc<dyn Resolver>,
    /// Test hook: seconds added to every local clock reading (0 in production).
    pub test_offset: f64,
    /// `-f FILE`: the frequency file, overriding the configuration's `driftfile`.
    pub driftfile: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions").field("clock", &self.clock).field("test_offset", &self.test_offset).finish_non_exhaustive()
    }
}

/// What the loop should do after a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Go on; `changed`: the system variables or associations may have changed (publish).
    Continue {
        /// Publish now.
        changed: bool,
    },
    /// Stop the daemon: Ok = done (`-q`), Err = the reason (panic threshold).
    Exit(Result<String, String>),
}

enum Wake {
    Timer,
    Datagram(Datagram),
    Resolved(u32, Result<Vec<IpAddr>, String>),
}

/// One datagram read by an upstream socket's reader thread.
#[derive(Debug)]
struct Datagram {
    from: SocketAddr,
    /// Kernel receive timestamp (CLOCK_REALTIME), without the test offset.
    rx: NtpTimestamp,
    data: Vec<u8>,
}

/// The upstream driver.
pub struct SyncDriver {
    sync: Synchronizer,
    clock: Box<dyn ClockControl + Send>,
    opts: SyncOptions,
    flavor: Flavor,
    start: Instant,
    test_offset: NtpDuration,
    access: AccessPolicy,
    /// Host names (lower case) of configured associations → whether they carry a key, for
    /// `restrict source` on their addresses.
    keyed_names: HashMap<String, bool>,
    /// Lookups under way: request id → host.
    pending: HashMap<u32, String>,
    /// What names resolved to (lower-case host → addresses), to re-instantiate `restrict
    /// source` when a reload rebuilds the table.
    resolved_sources: HashMap<String, Vec<IpAddr>>,
    /// IPv4, IPv6 upstream sockets, opened on first use; each has a reader thread.
    sockets: [Option<Arc<NtpSocket>>; 2],
    readers: Vec<std::thread::JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    dg_tx: mpsc::UnboundedSender<Datagram>,
    dg_rx: mpsc::UnboundedReceiver<Datagram>,
    sb: SendBatch,
    out: Vec<Transmit>,
    res_tx: mpsc::UnboundedSender<(u32, Result<Vec<IpAddr>, String>)>,
    res_rx: mpsc::UnboundedReceiver<(u32, Result<Vec<IpAddr>, String>)>,
    drift: Option<driftfile::Writer>,
    next_drift: Instant,
    quit_reported: bool,
    /// Replies dropped by the access table (ntpd's `sys_restricted`), for the log.
    pub restricted: u64,
}

impl std::fmt::Debug for SyncDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncDriver").field("opts", &self.opts).finish_non_exhaustive()
    }
}

/// The configuration's synchronisation settings with what the command line and the host add.
pub fn sync_config(plan: &ServerPlan, opts: &SyncOptions, precision: crate::proto::time::Log2Seconds, freq: Option<f64>) -> SyncConfig {
    let mut c = plan.sync.clone();
    c.clock = opts.clock;
    c.precision = precision;
    c.initial_frequency_ppm = c.tinker.freq.or(freq);
    c
}

/// The `restrict` table the upstream replies are checked against: the server's, plus
/// `restrict source` for every numeric association (runtime adds those) and, later, for
/// resolved names.
fn upstream_access(plan: &ServerPlan) -> AccessPolicy {
    plan.server.access.clone()
}

fn keyed_names(c: &SyncConfig) -> HashMap<String, bool> {
    c.associations
        .iter()
        .filter_map(|a| match &a.target {
            Target::Name { host, .. } | Target::Pool { host, .. } => Some((host.to_ascii_lowercase(), a.key.is_some())),
            Target::Address(_) => None,
        })
        .collect()
}

/// The frequency file to use: `-f` or the configuration's, with the frequency it holds.
fn open_driftfile(plan: &ServerPlan, opts: &SyncOptions) -> (Option<driftfile::Writer>, Option<f64>) {
    let df: Option<DriftfilePlan> = match &opts.driftfile {
        Some(p) => {
            Some(DriftfilePlan { path: p.clone(), wander: plan.driftfile.as_ref().and_then(|d| d.wander), span: Default::default() })
        }
        None => plan.driftfile.clone(),
    };
    let Some(df) = df else { return (None, None) };
    let freq = match driftfile::read(&df.path) {
        Ok(v) => {
            srvlog!(Level::Info, "initial drift restored to {v:.6} PPM from {}", df.path.display());
            Some(v)
        }
        // Normal at the first start (ntpd says nothing): noted, not warned.
        Err(driftfile::ReadError::Missing) => {
            srvlog!(Level::Notice, "frequency file {} does not exist yet: starting without a frequency", df.path.display());
            None
        }
        Err(e @ driftfile::ReadError::Format { .. }) => {
            srvlog!(Level::Warning, "frequency file {}:{e}; starting without a frequency", df.path.display());
            None
        }
        Err(e) => {
            srvlog!(Level::Warning, "cannot read frequency file {}: {e}; starting without a frequency", df.path.display());
            None
        }
    };
    if !opts.clock.discipline {
        // The frequency of a clock nothing here steers (another daemon may, and may own this
        // very file): read for the virtual loop, never written.
        srvlog!(Level::Notice, "--no-clock-adjust: the frequency file {} is read, never written", df.path.display());
        return (None, freq);
    }
    (Some(driftfile::Writer::new(df.path, plan.flavor, df.wander, freq)), freq)
}

impl SyncDriver {
    /// A driver for `plan`, started at `start` (the server's monotonic origin). The clock is
    /// the system clock only when `opts.clock.discipline`; otherwise nothing can touch it.
    pub fn new(plan: &ServerPlan, opts: SyncOptions, start: Instant, precision: crate::proto::time::Log2Seconds) -> Self {
        let (drift, freq) = open_driftfile(plan, &opts);
        let config = sync_config(plan, &opts, precision, freq);
        let clock: Box<dyn ClockControl + Send> =
            if opts.clock.discipline { Box::new(super::sysclock::SystemClock::new()) } else { Box::new(NoClock) };
        let test_offset = NtpDuration::from_secs_f64(opts.test_offset);
        let keyed = keyed_names(&config);
        let now = Now { mono: start.elapsed(), clock: NtpTimestamp::from_unix(clock::unix_now()).add_duration(test_offset) };
        let (res_tx, res_rx) = mpsc::unbounded_channel();
        let (dg_tx, dg_rx) = mpsc::unbounded_channel();
        for a in &config.associations {
            let what = match &a.target {
                Target::Address(s) => s.ip().to_string(),
                Target::Name { host, .. } => host.clone(),
                Target::Pool { host, .. } => format!("pool {host}"),
            };
            srvlog!(Level::Info, "configuring association with {what} (minpoll {}, maxpoll {})", a.minpoll.0, a.maxpoll.0);
        }
        SyncDriver {
            sync: Synchronizer::new(config, now),
            clock,
            flavor: plan.flavor,
            opts,
            start,
            test_offset,
            access: upstream_access(plan),
            keyed_names: keyed,
            pending: HashMap::new(),
            resolved_sources: HashMap::new(),
            sockets: [None, None],
            readers: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            dg_tx,
            dg_rx,
            sb: SendBatch::new(),
            out: Vec::new(),
            res_tx,
            res_rx,
            drift,
            next_drift: start + driftfile::WRITE_INTERVAL,
            quit_reported: false,
            restricted: 0,
        }
    }

    /// SIGHUP with a good configuration: the core keeps the associations that did not change.
    pub fn reconfigure(&mut self, plan: &ServerPlan, precision: crate::proto::time::Log2Seconds) {
        let freq = Some(self.sync.frequency_ppm());
        let config = sync_config(plan, &self.opts, precision, freq);
        self.keyed_names = keyed_names(&config);
        self.access = upstream_access(plan);
        // Names still configured keep their `restrict source` entries (the core keeps their
        // associations and need not resolve them again).
        self.resolved_sources.retain(|host, _| self.keyed_names.contains_key(host));
        let again: Vec<(String, Vec<IpAddr>)> = self.resolved_sources.iter().map(|(h, a)| (h.clone(), a.clone())).collect();
        for (host, addrs) in again {
            self.add_sources(&host, &addrs);
        }
        let now = self.now();
        self.sync.reconfigure(config, now);
    }

    /// The local clock as the core sees it, with the test hook's offset.
    fn now(&self) -> Now {
        Now { mono: self.start.elapsed(), clock: NtpTimestamp::from_unix(clock::unix_now()).add_duration(self.test_offset) }
    }

    /// What the workers should add to their clock readings for served timestamps: the test
    /// offset, plus the offset estimate when the clock itself is not corrected.
    pub fn correction(&self) -> NtpDuration {
        let est = if self.opts.clock.discipline { 0.0 } else { self.sync.offset_estimate_now(self.now()) };
        NtpDuration::from_secs_f64(self.opts.test_offset + if est.is_finite() { est } else { 0.0 })
    }

    /// The system variables to serve (reference time in served-time terms).
    pub fn system_vars(&self) -> SystemVars {
        let mut v = self.sync.system_vars(self.now());
        if !self.opts.clock.discipline && v.reference_time != NtpTimestamp::ZERO {
            let est = self.sync.offset_estimate_now(self.now());
            if est.is_finite() {
                v.reference_time = v.reference_time.add_duration(NtpDuration::from_secs_f64(est));
            }
        }
        v
    }

    /// The mode 6 view, with the system `offset` and `frequency` from the synchroniser.
    pub fn control_snapshot(&self) -> ControlSnapshot {
        let mut snap = self.sync.control_snapshot(self.now());
        let (off, freq) = (self.sync.offset_estimate(), self.sync.frequency_ppm());
        let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
        snap.offset = finite(off);
        snap.frequency = finite(freq);
        snap.sys_jitter = finite(self.sync.sys_jitter());
        snap.clk_jitter = finite(self.sync.clock_jitter());
        snap.clk_wander = finite(self.sync.clock_wander_ppm());
        snap
    }

    /// The combined offset estimate (s).
    pub fn offset_estimate(&self) -> f64 {
        self.sync.offset_estimate()
    }

    /// Waits for the next thing to do (a timer, an upstream datagram, a resolver answer) and
    /// does it. Cancel-safe: nothing is consumed before the wait ends.
    pub async fn step(&mut self) -> Step {
        let mono = self.start.elapsed();
        let due = self.sync.next_tick().min(mono + Duration::from_secs(1));
        let sleep = due.saturating_sub(mono);
        let wake = tokio::select! {
            _ = tokio::time::sleep(sleep) => Wake::Timer,
            Some(d) = self.dg_rx.recv() => Wake::Datagram(d),
            Some((id, r)) = self.res_rx.recv() => Wake::Resolved(id, r),
        };
        let mut changed = false;
        match wake {
            Wake::Timer => {
                let now = self.now();
                if now.mono >= self.sync.next_tick() || now.mono >= due {
                    self.sync.tick(now, self.clock.as_mut(), &mut self.out);
                    changed = true;
                }
                self.drift_check();
            }
            Wake::Datagram(d) => {
                changed = self.receive(d);
                // Whatever else arrived meanwhile, in one go.
                while let Ok(d) = self.dg_rx.try_recv() {
                    changed |= self.receive(d);
                }
            }
            Wake::Resolved(id, r) => {
                let r = self.filter_resolved(id, r);
                let now = self.now();
                self.sync.resolved(id, r, now);
                changed = true;
            }
        }
        self.start_lookups();
        self.flush();
        if let Some(exit) = self.log_events() {
            return Step::Exit(exit);
        }
        if let Some(done) = self.quit_check() {
            return Step::Exit(done);
        }
        Step::Continue { changed }
    }

    /// One upstream datagram: the access checks, then the core.
    fn receive(&mut self, d: Datagram) -> bool {
        if !self.admit(d.from, &d.data) {
            return false;
        }
        let now = Now { mono: self.start.elapsed(), clock: d.rx.add_duration(self.test_offset) };
        let taken = self.sync.receive(now, d.from, &d.data, self.clock.as_mut(), &mut self.out);
        if !taken {
            srvlog!(Level::Debug, "upstream socket: datagram from {} belongs to no association; dropped", d.from);
        }
        taken
    }

    /// ntpd's checks of the source address before a reply is processed.
    fn admit(&mut self, from: SocketAddr, data: &[u8]) -> bool {
        if let Some(w) = refused_by(self.access.flags(from), self.flavor, data) {
            self.restricted += 1;
            if self.restricted.is_power_of_two() {
                srvlog!(Level::Info, "reply from {from} dropped by restrict ({w}); {} so far", self.restricted);
            }
            return false;
        }
        true
    }

    /// Addresses ntpd would not associate with are refused (logged); `restrict source` is
    /// instantiated for the rest.
    fn filter_resolved(&mut self, id: u32, r: Result<Vec<IpAddr>, String>) -> Result<Vec<IpAddr>, String> {
        let host = self.pending.remove(&id).unwrap_or_default();
        let addrs = r?;
        let ok: Vec<IpAddr> = addrs.iter().copied().filter(|ip| !refused_association_address(AssociationKind::Server, *ip)).collect();
        for ip in addrs.iter().filter(|ip| !ok.contains(ip)) {
            srvlog!(Level::Warning, "refusing association with {ip} (ntpd refuses 127.x other than 127.0.0.1, multicast, 0.0.0.0)");
        }
        if ok.is_empty() {
            return Err("no usable address".into());
        }
        srvlog!(Level::Info, "{host} resolved to {}", ok.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" "));
        self.add_sources(&host, &ok);
        Ok(ok)
    }

    fn start_lookups(&mut self) {
        let now = self.now();
        for req in self.sync.resolve_requests(now) {
            self.pending.insert(req.id, req.host.clone());
            let resolver = self.opts.resolver.clone();
            let tx = self.res_tx.clone();
            srvlog!(Level::Debug, "resolving {}", req.host);
            // getaddrinfo blocks: tokio's blocking pool, never this loop or a worker thread.
            tokio::task::spawn_blocking(move || {
                let r = resolver.lookup(&req.host, req.port);
                let _ = tx.send((req.id, r));
            });
        }
    }

    /// Records `restrict source` for the addresses a name resolved to.
    fn add_sources(&mut self, host: &str, addrs: &[IpAddr]) {
        let host = host.to_ascii_lowercase();
        let keyed = self.keyed_names.get(&host).copied().unwrap_or(false);
        let known = self.resolved_sources.entry(host).or_default();
        for ip in addrs {
            self.access.add_source(*ip, keyed);
            if !known.contains(ip) {
                known.push(*ip);
            }
        }
    }

    /// Sends what the core queued.
    fn flush(&mut self) {
        if self.out.is_empty() {
            return;
        }
        let out = std::mem::take(&mut self.out);
        for fam in 0..2 {
            let mut any = false;
            for t in out.iter().filter(|t| usize::from(t.to.is_ipv6()) == fam) {
                let n = t.payload.len().min(socket::BUF);
                self.sb.next_buf()[..n].copy_from_slice(&t.payload[..n]);
                self.sb.push(n, t.to);
                any = true;
            }
            if !any {
                continue;
            }
            if self.sockets[fam].is_none() {
                match self.open_upstream(fam == 1) {
                    Ok(s) => {
                        srvlog!(
                            Level::Info,
                            "upstream {} socket on {}",
                            if fam == 1 { "IPv6" } else { "IPv4" },
                            s.local_addr().map(|a| a.to_string()).unwrap_or_default()
                        );
                        self.sockets[fam] = Some(s);
                    }
                    Err(e) => {
                        srvlog!(Level::Err, "cannot open the upstream {} socket: {e}", if fam == 1 { "IPv6" } else { "IPv4" });
                        self.sb.clear();
                        continue;
                    }
                }
            }
            if let Some(fd) = &self.sockets[fam] {
                match self.sb.send(fd.as_ref()) {
                    Ok(o) if o.failed > 0 => srvlog!(Level::Debug, "upstream send: {} datagrams not sent", o.failed),
                    Ok(_) => {}
                    Err(e) => srvlog!(Level::Debug, "upstream send: {e}"),
                }
            }
            self.sb.clear();
        }
        self.out = out;
        self.out.clear();
    }

    /// Logs the core's events; `Some` when one means the daemon must stop.
    fn log_events(&mut self) -> Option<Result<String, String>> {
        let mut exit = None;
        for e in self.sync.drain_events() {
            match e {
                SyncEvent::Mobilized { addr } => srvlog!(Level::Info, "{} mobilized", addr.ip()),
                SyncEvent::Reachable { addr } => srvlog!(Level::Info, "{} reachable", addr.ip()),
                SyncEvent::Unreachable { addr } => srvlog!(Level::Notice, "{} unreachable", addr.ip()),
                SyncEvent::SysPeer { addr } => srvlog!(Level::Notice, "{} is the system peer", addr.ip()),
                SyncEvent::NoSysPeer => srvlog!(Level::Notice, "no system peer: no source survives selection"),
                SyncEvent::Kod { addr, code } => {
                    srvlog!(Level::Notice, "kiss-o'-death {} from {}", String::from_utf8_lossy(&code), addr.ip())
                }
                SyncEvent::Demobilized { addr, why } => srvlog!(Level::Notice, "{} demobilized: {why}", addr.ip()),
                SyncEvent::ClockStep { offset } => srvlog!(Level::Notice, "clock step {offset:+.6} s"),
                SyncEvent::Panic { offset } => {
                    let m = format!(
                        "offset {offset:+.6} s exceeds the panic threshold: set the clock by hand (or start with -g), as ntpd says; exiting"
                    );
                    srvlog!(Level::Err, "{m}");
                    exit = Some(Err(m));
                }
                SyncEvent::FrequencySet { ppm } => srvlog!(Level::Info, "frequency set to {ppm:.3} PPM"),
                SyncEvent::ClockSetAndQuit => {
                    let off = self.sync.offset_estimate();
                    let m = if self.opts.clock.discipline {
                        format!("time set {off:+.6}s")
                    } else {
                        format!("time offset {off:+.6}s (not set: --no-clock-adjust)")
                    };
                    self.quit_reported = true;
                    exit.get_or_insert(Ok(m));
                }
                SyncEvent::AuthFailed { addr } => srvlog!(Level::Notice, "reply from {} failed authentication", addr.ip()),
                SyncEvent::Refused { addr, why } => srvlog!(Level::Warning, "refusing association with {}: {why}", addr.ip()),
                SyncEvent::ResolveFailed { host, error } => {
                    srvlog!(Level::Notice, "cannot resolve {host}: {error} (will try again)")
                }
            }
        }
        exit
    }

    /// `-q` with `--no-clock-adjust`: nothing is set; report the offset once synchronised.
    fn quit_check(&mut self) -> Option<Result<String, String>> {
        if !self.opts.clock.quit_after_set || self.opts.clock.discipline || self.quit_reported {
            return None;
        }
        let v = self.sync.system_vars(self.now());
        if v.is_synchronised() && v.stratum > 1 && !self.sync.control_snapshot(self.now()).peers.is_empty() {
            self.quit_reported = true;
            return Some(Ok(format!("time offset {:+.6}s (not set: --no-clock-adjust)", self.sync.offset_estimate())));
        }
        None
    }

    fn drift_check(&mut self) {
        if clock::monotonic() < self.next_drift {
            return;
        }
        self.next_drift += driftfile::WRITE_INTERVAL;
        let (ppm, valid) = (self.sync.frequency_ppm(), self.sync.frequency_valid());
        if let Some(w) = &mut self.drift {
            match w.tick(ppm, valid) {
                Some(Ok(v)) => srvlog!(Level::Info, "frequency {v:.6} PPM written to {}", w.path.display()),
                Some(Err(e)) => srvlog!(Level::Err, "{e}"),
                None => {}
            }
        }
    }
}

/// Why ntpd's `receive()` drops a reply from an address with these restrictions before
/// looking at it (both dialects: `ignore`, `noserve`; `notrust` without a MAC; NTPsec's
/// early `version` check), or `None`.
fn refused_by(flags: RestrictFlags, flavor: Flavor, data: &[u8]) -> Option<&'static str> {
    let has_mac = data.len() >= 48 + 4;
    if flags.contains(RestrictFlags::IGNORE) {
        Some("ignore")
    } else if flags.contains(RestrictFlags::NOSERVE) {
        Some("noserve")
    } else if flags.contains(RestrictFlags::NOTRUST) && !has_mac {
        Some("notrust")
    } else if flavor == Flavor::Ntpsec && flags.contains(RestrictFlags::VERSION) && data.first().is_some_and(|b| (b >> 3) & 7 != 4) {
        Some("version")
    } else {
        None
    }
}

impl SyncDriver {
    /// Opens an upstream socket (ephemeral port, kernel receive timestamps) and starts its
    /// reader thread: a blocking `recvmmsg` with a timeout, so the thread sees the stop flag.
    fn open_upstream(&mut self, v6: bool) -> std::io::Result<Arc<NtpSocket>> {
        let addr: SocketAddr = if v6 { "[::]:0".parse().expect("literal") } else { "0.0.0.0:0".parse().expect("literal") };
        let sock = Arc::new(socket::bind_udp(addr, false)?);
        sock.set_blocking(Duration::from_millis(200), Duration::from_millis(200))?;
        let (s, tx, stop) = (sock.clone(), self.dg_tx.clone(), self.stop.clone());
        let t = std::thread::Builder::new().name(format!("ntp-upstream-{}", if v6 { 6 } else { 4 })).spawn(move || {
            let mut rb = RecvBatch::new();
            while !stop.load(Ordering::Acquire) {
                match rb.recv_wait(s.as_ref()) {
                    Ok(_) => {
                        for (k, m) in rb.meta().iter().enumerate() {
                            if m.truncated {
                                continue;
                            }
                            let rx = match m.kernel_rx {
                                Some((sec, ns)) => NtpTimestamp::from_unix(clock::from_timespec(sec, ns)),
                                None => NtpTimestamp::from_unix(clock::unix_now()),
                            };
                            if tx.send(Datagram { from: m.peer, rx, data: rb.packet(k).to_vec() }).is_err() {
                                return;
                            }
                        }
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted
                        ) => {}
                    // ICMP errors from earlier sends (port unreachable): the core's reach
                    // register notices the missing answers.
                    Err(e) => srvlog!(Level::Debug, "upstream socket: receive: {e}"),
                }
            }
        })?;
        self.readers.push(t);
        Ok(sock)
    }

    /// Stops the reader threads.
    pub fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        for t in self.readers.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for SyncDriver {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restrictions_on_replies_as_ntpd() {
        let reply = [0x24u8; 48];
        let mut with_mac = vec![0x24u8; 48 + 20];
        with_mac[0] = 0x24;
        assert_eq!(refused_by(RestrictFlags::NONE, Flavor::Classic, &reply), None);
        assert_eq!(refused_by(RestrictFlags::NOMODIFY | RestrictFlags::NOQUERY | RestrictFlags::LIMITED, Flavor::Classic, &reply), None);
        assert_eq!(refused_by(RestrictFlags::IGNORE, Flavor::Ntpsec, &reply), Some("ignore"));
        assert_eq!(refused_by(RestrictFlags::NOSERVE, Flavor::Classic, &reply), Some("noserve"));
        assert_eq!(refused_by(RestrictFlags::NOTRUST, Flavor::Classic, &reply), Some("notrust"));
        assert_eq!(refused_by(RestrictFlags::NOTRUST, Flavor::Classic, &with_mac), None, "authenticated replies pass notrust");
        let v3 = [0x1cu8; 48];
        assert_eq!(refused_by(RestrictFlags::VERSION, Flavor::Ntpsec, &v3), Some("version"));
        assert_eq!(refused_by(RestrictFlags::VERSION, Flavor::Ntpsec, &reply), None);
    }
}

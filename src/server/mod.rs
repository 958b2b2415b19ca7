//! The server driver: sockets in, [`crate::proto::server::Server::handle`] in the middle,
//! replies out.
//!
//! Data plane: one SO_REUSEPORT socket per served address and worker (one worker per core the
//! process may run on); the kernel spreads clients over them. Each socket has its own thread
//! looping on `recvmmsg(MSG_WAITFORONE)` → handle the batch → `sendmmsg`: one system call in
//! and one out per wake-up. That replaced per-worker tokio tasks (readiness poll, then
//! `recvmmsg`, then a `recvmmsg` that says EAGAIN): the same binary measured 4–5 % less CPU per
//! response with threads (bench/serve.sh). All sockets share one protocol state (MRU list,
//! rate limits — exactly ntpd's per-address limits whichever socket a client hits) behind a
//! mutex taken once per batch of up to [`socket::BATCH`] datagrams.
//!
//! Control plane (tokio, on the main thread): SIGTERM/SIGINT stop, SIGHUP re-reads the
//! configuration (an error keeps the old one), upstream synchronisation runs there
//! ([`sync::SyncDriver`]: its own sockets, never the workers'), and the system variables (the
//! synchroniser's, or the local clock driver's without upstream servers) and the served-time
//! correction reach the workers through one narrow channel, [`SystemFeed`].

pub mod clock;
pub mod daemon;
pub mod driftfile;
pub mod iface;
pub mod log;
pub mod metrics;
pub mod notify;
pub mod observe;
pub mod resolve;
pub mod socket;
pub mod stats;
pub mod sync;
pub mod sysclock;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::proto::control::ControlSnapshot;
use crate::proto::server::{Received, Server, ServerConfig, Verdict};
use crate::proto::system::SystemVars;
use crate::proto::time::{Log2Seconds, NtpDuration, NtpTimestamp};
use crate::runtime::{LocalClockPlan, ServerPlan};
use crate::srvlog;
use iface::Action;
use log::Level;
use stats::Stats;

/// A socket bound for one worker.
#[derive(Debug)]
pub struct Bound {
    /// The socket (non-blocking).
    pub socket: socket::NtpSocket,
    /// Its local address.
    pub local: SocketAddr,
    /// Serve, or read and discard (`interface drop`).
    pub action: Action,
}

/// Binds every endpoint once per worker (SO_REUSEPORT). An endpoint with port 0 gets a port
/// from the kernel with the first socket; the other workers' sockets join it. An interface
/// address that cannot be bound (an IPv6 address still tentative, an address gone since the
/// scan) is logged and skipped, as ntpd does; an explicit `--listen` address must bind.
pub fn bind_all(endpoints: &[iface::Endpoint], workers: usize) -> Result<Vec<Vec<Bound>>, String> {
    let mut per_worker: Vec<Vec<Bound>> = (0..workers).map(|_| Vec::new()).collect();
    for e in endpoints {
        let mut addr = e.addr;
        let mut socks = Vec::with_capacity(workers);
        let mut failed = None;
        for _ in 0..workers {
            match socket::bind_udp(addr, true).and_then(|s| s.local_addr().map(|a| (s, a))) {
                Ok((s, a)) => {
                    addr = a;
                    socks.push(Bound { socket: s, local: a, action: e.action });
                }
                Err(err) => {
                    failed = Some(format!("cannot bind {} UDP {addr} ({}): {err}", socket::family(&addr), e.name));
                    break;
                }
            }
        }
        match failed {
            Some(msg) if e.name == "--listen" => return Err(msg),
            Some(msg) => srvlog!(Level::Warning, "{msg}; not serving there"),
            None => {
                for (w, b) in per_worker.iter_mut().zip(socks) {
                    w.push(b);
                }
            }
        }
    }
    if per_worker[0].is_empty() {
        return Err("no address could be bound".into());
    }
    Ok(per_worker)
}

/// The system variables workers put in replies and the correction they add to their clock
/// readings, published by the main thread. Workers look at it once per batch.
#[derive(Debug)]
pub struct SystemFeed {
    vars: RwLock<SystemVars>,
    /// What workers add to their clock readings for served timestamps (NtpDuration bits):
    /// the test hook's offset, plus the offset estimate under `--no-clock-adjust`.
    correction: AtomicU64,
    version: AtomicU64,
}

impl SystemFeed {
    /// Starts with `v`.
    pub fn new(v: SystemVars) -> Self {
        SystemFeed { vars: RwLock::new(v), correction: AtomicU64::new(0), version: AtomicU64::new(1) }
    }
    /// Publishes new variables.
    pub fn publish(&self, v: SystemVars) {
        *self.vars.write().unwrap_or_else(|e| e.into_inner()) = v;
        self.version.fetch_add(1, Ordering::Release);
    }
    /// Publishes new variables and the served-time correction together.
    pub fn publish_corrected(&self, v: SystemVars, correction: NtpDuration) {
        *self.vars.write().unwrap_or_else(|e| e.into_inner()) = v;
        self.correction.store(correction.0 as u64, Ordering::Release);
        self.version.fetch_add(1, Ordering::Release);
    }
    /// The correction workers add to served timestamps.
    pub fn correction(&self) -> NtpDuration {
        NtpDuration(self.correction.load(Ordering::Acquire) as i64)
    }
    /// Current version (changes on every publish).
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }
    /// Current variables.
    pub fn get(&self) -> SystemVars {
        *self.vars.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// State shared by the workers and the main thread.
struct Shared {
    server: Mutex<ServerSlot>,
    system: SystemFeed,
    stats: Stats,
    stop: AtomicBool,
    start: Instant,
}

struct ServerSlot {
    server: Server,
    system_version: u64,
    /// The feed's correction as of `system_version`.
    correction: NtpDuration,
}

/// What a reload produces: the new plan, or the diagnostics that made it fail.
pub type Reload = Box<dyn FnMut() -> Result<ServerPlan, Vec<String>> + Send>;

/// How to run.
pub struct RunOptions {
    /// Re-reads the configuration on SIGHUP.
    pub reload: Reload,
    /// Called once every socket is bound and the workers run (the detached child tells its
    /// parent here).
    pub on_ready: Option<Box<dyn FnOnce() + Send>>,
    /// Stop after this long (tests); `None` runs until a signal.
    pub max_runtime: Option<Duration>,
    /// The service manager to tell about readiness, reloads and state (systemd).
    pub notify: notify::Notifier,
    /// Where to serve Prometheus metrics (`--metrics`, already bound).
    pub metrics: Option<std::net::TcpListener>,
    /// Synchronisation from the configuration's `server`/`pool`/`peer` lines.
    pub sync: sync::SyncOptions,
}

/// The system variables the local clock driver gives `since_start` after start-up, or the
/// unsynchronised state without one.
/// What mode 6 (ntpq, ntpstat) reports: the local clock driver's association, if configured.
fn local_control(plan: Option<&LocalClockPlan>, assoc_id: u16, precision: Log2Seconds, since_start: Duration) -> ControlSnapshot {
    let (version, processor, system) = control_identity();
    ControlSnapshot::serving(plan.map(|p| (&p.clock, assoc_id)), precision, since_start, NtpTimestamp::from_unix(clock::unix_now()))
        .with_identity(&version, &processor, &system)
}

/// The `version=`, `processor=` and `system=` texts of mode 6.
fn control_identity() -> (String, String, String) {
    let system =
        std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|r| format!("Linux/{}", r.trim())).unwrap_or_else(|_| "Linux".into());
    (format!("ntpcheck {}", env!("CARGO_PKG_VERSION")), std::env::consts::ARCH.to_string(), system)
}

fn local_system(plan: Option<&LocalClockPlan>, initial: &SystemVars, precision: Log2Seconds, since_start: Duration) -> SystemVars {
    match plan {
        Some(p) => p.clock.system_vars(precision, since_start, NtpTimestamp::from_unix(clock::unix_now())),
        None => SystemVars { precision, ..*initial },
    }
}

/// Serves until SIGTERM/SIGINT (or `max_runtime`); returns the final counters.
pub fn run(sockets: Vec<Vec<Bound>>, plan: ServerPlan, mut opts: RunOptions) -> Result<stats::Snapshot, String> {
    let precision = clock::measure_precision();
    let start = clock::monotonic();
    let mut local_clock = plan.local_clock.clone();
    let mut initial = plan.initial_system;
    let sync_opts = opts.sync.clone();
    // With `server`/`pool`/`peer` lines the synchroniser decides what is served (the LOCAL
    // driver is then one of its sources); without, the local clock driver alone, as before.
    let mut upstream: Option<sync::SyncDriver> =
        (!plan.sync.associations.is_empty()).then(|| sync::SyncDriver::new(&plan, sync_opts.clone(), start, precision));
    let system0 = match &upstream {
        Some(d) => d.system_vars(),
        None => local_system(local_clock.as_ref(), &initial, precision, Duration::ZERO),
    };
    // ntpd numbers associations from a random start.
    let assoc_id = (random_seed() % 60_000) as u16 + 1_000;
    if system0.is_synchronised() {
        srvlog!(Level::Notice, "synchronised to the local clock: stratum {}, refid {}", system0.stratum, refid_text(&system0));
    } else {
        srvlog!(Level::Notice, "unsynchronised: answering with leap indicator 3 (alarm) until a source is selected");
    }
    // ntpd's implicit `restrict <own address> ignore ntpport interface` for every address served.
    let mut local_ips: Vec<IpAddr> = sockets.iter().flatten().map(|b| b.local.ip()).filter(|ip| !ip.is_unspecified()).collect();
    local_ips.sort();
    local_ips.dedup();
    let with_interfaces = |mut c: ServerConfig| {
        for ip in &local_ips {
            c.access.add_interface(*ip);
        }
        c
    };
    let shared = Arc::new(Shared {
        server: Mutex::new(ServerSlot {
            server: Server::with_seed(with_interfaces(plan.server.clone()), system0, random_seed()),
            system_version: 1,
            correction: NtpDuration::ZERO,
        }),
        system: SystemFeed::new(system0),
        stats: Stats::default(),
        stop: AtomicBool::new(false),
        start,
    });
    shared
        .system
        .publish_corrected(system0, upstream.as_ref().map(|d| d.correction()).unwrap_or(NtpDuration::from_secs_f64(sync_opts.test_offset)));
    let mut iface_rules = plan.interface_rules.clone();
    let identity = control_identity();
    let publish_control = |lc: Option<&LocalClockPlan>, up: Option<&sync::SyncDriver>| {
        let snap = match up {
            Some(d) => d.control_snapshot().with_identity(&identity.0, &identity.1, &identity.2),
            None => local_control(lc, assoc_id, precision, shared.start.elapsed()),
        };
        shared.server.lock().unwrap_or_else(|e| e.into_inner()).server.set_control(snap);
    };
    let publish_upstream = |d: &sync::SyncDriver| {
        shared.system.publish_corrected(d.system_vars(), d.correction());
    };
    publish_control(local_clock.as_ref(), upstream.as_ref());

    // Signals are installed before the workers start, so none can kill a half-started server.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("tokio runtime: {e}"))?;
    let (mut term, mut int, mut hup) = rt
        .block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            Ok::<_, std::io::Error>((signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?, signal(SignalKind::hangup())?))
        })
        .map_err(|e| format!("cannot install signal handlers: {e}"))?;

    let view: observe::View = {
        let sh = shared.clone();
        Arc::new(move || observed(&sh))
    };
    let info = observe::Info { flavor: plan.server.flavor };
    let observer = observe::Observer::start(&rt, std::mem::take(&mut opts.notify), opts.metrics.take(), view, info)?;

    let mut threads = Vec::new();
    for (i, socks) in sockets.into_iter().enumerate() {
        for b in socks {
            let sh = shared.clone();
            let t = std::thread::Builder::new()
                .name(format!("ntp-w{i}-{}", b.local))
                .spawn(move || blocking_worker(sh, b))
                .map_err(|e| format!("cannot start worker thread: {e}"))?;
            threads.push(t);
        }
    }
    srvlog!(Level::Notice, "ready: serving with {} socket thread{}", threads.len(), if threads.len() == 1 { "" } else { "s" });
    // The service manager first: a detached child's MAINPID must reach it before the parent exits.
    observer.ready();
    if let Some(f) = opts.on_ready.take() {
        f();
    }

    let deadline = opts.max_runtime.map(|d| start + d);
    let mut outcome: Result<(), String> = Ok(());
    rt.block_on(async {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut synced = shared.system.get().is_synchronised();
        loop {
            let until_deadline = deadline.map(|d| d.saturating_duration_since(clock::monotonic())).unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                _ = term.recv() => { srvlog!(Level::Notice, "SIGTERM: stopping"); break; }
                _ = int.recv() => { srvlog!(Level::Notice, "SIGINT: stopping"); break; }
                _ = tokio::time::sleep(until_deadline), if deadline.is_some() => { srvlog!(Level::Notice, "run time over: stopping"); break; }
                step = async { match upstream.as_mut() { Some(d) => d.step().await, None => std::future::pending().await } } => {
                    match step {
                        sync::Step::Continue { changed: true } => {
                            if let Some(d) = &upstream {
                                publish_upstream(d);
                                publish_control(None, Some(d));
                            }
                        }
                        sync::Step::Continue { changed: false } => {}
                        sync::Step::Exit(Ok(msg)) => { srvlog!(Level::Notice, "{msg}; stopping (-q)"); println!("ntpcheck: {msg}"); break; }
                        sync::Step::Exit(Err(msg)) => { outcome = Err(msg); break; }
                    }
                }
                _ = hup.recv() => {
                    srvlog!(Level::Notice, "SIGHUP: re-reading the configuration");
                    observer.reloading();
                    match (opts.reload)() {
                        Ok(p) => {
                            if p.interface_rules != iface_rules {
                                srvlog!(Level::Warning, "interface/nic rules changed: the listening sockets stay as they are until restart");
                            }
                            iface_rules = p.interface_rules.clone();
                            local_clock = p.local_clock.clone();
                            initial = p.initial_system;
                            // Unchanged associations keep their state in the synchroniser.
                            match (&mut upstream, p.sync.associations.is_empty()) {
                                (Some(d), false) => d.reconfigure(&p, precision),
                                (None, false) => upstream = Some(sync::SyncDriver::new(&p, sync_opts.clone(), start, precision)),
                                (_, true) => upstream = None,
                            }
                            // The MRU list and counters stay; access, limits and keys are the new ones.
                            shared.server.lock().unwrap_or_else(|e| e.into_inner()).server.reconfigure(with_interfaces(p.server.clone()));
                            match &upstream {
                                Some(d) => publish_upstream(d),
                                None => shared.system.publish_corrected(
                                    local_system(local_clock.as_ref(), &initial, precision, shared.start.elapsed()),
                                    NtpDuration::from_secs_f64(sync_opts.test_offset),
                                ),
                            }
                            publish_control(local_clock.as_ref(), upstream.as_ref());
                            srvlog!(Level::Notice, "configuration reloaded; {}", shared.stats.snapshot());
                            observer.reloaded(true);
                        }
                        Err(diags) => {
                            for d in &diags {
                                srvlog!(Level::Err, "{d}");
                            }
                            srvlog!(Level::Err, "reload failed: still serving the previous configuration");
                            observer.reloaded(false);
                        }
                    }
                }
                _ = tick.tick() => {
                    if let Some(d) = &upstream {
                        // Root dispersion grows and the reference time ages every second.
                        publish_upstream(d);
                        publish_control(None, Some(d));
                        continue;
                    }
                    let sys = local_system(local_clock.as_ref(), &initial, precision, shared.start.elapsed());
                    let now_synced = sys.is_synchronised();
                    if now_synced != synced {
                        if now_synced {
                            srvlog!(Level::Notice, "synchronised to the local clock: stratum {}, refid {}", sys.stratum, refid_text(&sys));
                        } else {
                            srvlog!(Level::Notice, "unsynchronised");
                        }
                        synced = now_synced;
                    }
                    shared.system.publish_corrected(sys, NtpDuration::from_secs_f64(sync_opts.test_offset));
                    publish_control(local_clock.as_ref(), None);
                }
            }
        }
    });
    observer.stopping();
    drop(observer);
    shared.stop.store(true, Ordering::Release);
    drop(upstream);
    for t in threads {
        let _ = t.join();
    }
    let snap = shared.stats.snapshot();
    srvlog!(Level::Notice, "stopped; {snap}");
    outcome.map(|_| snap)
}

/// What notifications and metrics report, from what the driver publishes.
fn observed(sh: &Shared) -> observe::Observed {
    let control = sh.server.lock().unwrap_or_else(|e| e.into_inner()).server.control_snapshot().clone();
    observe::Observed { system: sh.system.get(), control, stats: sh.stats.snapshot(), uptime: sh.start.elapsed() }
}

/// A seed for the protocol core's randomness (KoD and MRU choices): std's per-process random
/// hasher keys, no extra dependency.
fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one((std::process::id(), clock::unix_now()))
}

/// The refid as ntpq shows it: four characters at stratum 1 (`LOCL`), an IPv4 address above.
fn refid_text(s: &SystemVars) -> String {
    let r = s.reference_id.0;
    if s.stratum <= 1 && r.iter().all(|&b| b == 0 || b.is_ascii_graphic()) {
        r.iter().take_while(|&&b| b != 0).map(|&b| b as char).collect()
    } else {
        std::net::Ipv4Addr::from(r).to_string()
    }
}

/// One socket's datagram loop on its own thread: `recvmmsg(MSG_WAITFORONE)` blocks until
/// something arrives and takes the whole queue, so a wake-up costs one system call in and one
/// out (`sendmmsg`) — no readiness poll, no EAGAIN probe. SO_RCVTIMEO bounds each wait so the
/// thread sees the stop flag.
fn blocking_worker(shared: Arc<Shared>, b: Bound) {
    let local = b.local;
    let sock = b.socket;
    if let Err(e) = sock.set_blocking(Duration::from_millis(200), Duration::from_secs(1)) {
        srvlog!(Level::Err, "{local}: {e}");
        return;
    }
    let mut rb = socket::RecvBatch::new();
    let mut sb = socket::SendBatch::new();
    let mut counts = stats::Local::default();
    while !shared.stop.load(Ordering::Acquire) {
        match rb.recv_wait(&sock) {
            Ok(0) => {}
            Ok(_) => {
                handle_batch(&shared, local, b.action, &rb, &mut sb, &mut counts);
                if !sb.is_empty() {
                    let o = sb.send_wait(&sock);
                    counts.send_failed += o.failed as u64;
                }
                shared.stats.flush(&mut counts);
            }
            Err(e)
                if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted) => {}
            Err(e) => {
                // ECONNREFUSED & co. from an earlier ICMP error: nothing to do but go on.
                srvlog!(Level::Debug, "{local}: receive: {e}");
            }
        }
    }
    shared.stats.flush(&mut counts);
}

fn handle_batch(
    shared: &Shared,
    local: SocketAddr,
    action: Action,
    rb: &socket::RecvBatch,
    sb: &mut socket::SendBatch,
    counts: &mut stats::Local,
) {
    let metas = rb.meta();
    counts.received += metas.len() as u64;
    if action == Action::Drop {
        for _ in metas {
            counts.drop("interface drop");
        }
        return;
    }
    let mono = shared.start.elapsed();
    let mut slot = shared.server.lock().unwrap_or_else(|e| e.into_inner());
    let v = shared.system.version();
    if v != slot.system_version {
        slot.server.set_system(shared.system.get());
        slot.correction = shared.system.correction();
        slot.system_version = v;
    }
    // Served time = local clock + correction (zero unless --no-clock-adjust or the test hook).
    let corr = slot.correction;
    // T3 as late as the sans-IO core allows: read right before the reply is encoded.
    let mut tx_clock = || NtpTimestamp::from_unix(clock::unix_now()).add_duration(corr);
    for (i, m) in metas.iter().enumerate() {
        let control = rb.packet(i).first().is_some_and(|b| b & 7 == 6);
        counts.control += u64::from(control);
        if m.truncated {
            counts.drop("too long");
            continue;
        }
        let rx_time = match m.kernel_rx {
            Some((s, ns)) => NtpTimestamp::from_unix(clock::from_timespec(s, ns)),
            None => NtpTimestamp::from_unix(clock::unix_now()),
        }
        .add_duration(corr);
        let rx = Received { src: m.peer, dst: local, rx_time, mono };
        let out = sb.next_buf();
        match slot.server.handle(&rx, rb.packet(i), out, &mut tx_clock) {
            Verdict::Reply(len) => {
                sb.push(len, m.peer);
                counts.replied += 1;
                counts.control_replied += u64::from(control);
                // Further mode 6 fragments, as long as the rest of this batch keeps a slot each.
                let room = socket::BATCH.saturating_sub(sb.len() + (metas.len() - i - 1));
                let more: Vec<Vec<u8>> = slot.server.more_fragments().take(room).map(<[u8]>::to_vec).collect();
                for f in more {
                    let n = f.len().min(socket::BUF);
                    sb.next_buf()[..n].copy_from_slice(&f[..n]);
                    sb.push(n, m.peer);
                }
            }
            Verdict::Kiss(_, len) => {
                sb.push(len, m.peer);
                counts.kod += 1;
            }
            Verdict::Drop(r) => counts.drop(r.name()),
        }
    }
}

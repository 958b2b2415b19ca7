//! What the outside sees of a running server: systemd notifications ([`super::notify`]) and
//! the Prometheus endpoint ([`super::metrics`]). Both read one [`Observed`] view, built on
//! demand from what the driver already publishes (the [`super::SystemFeed`], the control
//! snapshot the mode 6 handler serves, the packet counters), so whatever drives
//! synchronisation shows up here without being told about it.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::proto::Flavor;
use crate::proto::control::ControlSnapshot;
use crate::proto::system::SystemVars;
use crate::srvlog;

use super::log::Level;
use super::metrics;
use super::notify::{self, Notifier};
use super::stats;

/// One look at the server.
#[derive(Debug, Clone)]
pub struct Observed {
    /// The system variables served.
    pub system: SystemVars,
    /// What mode 6 reports (associations, system peer, poll).
    pub control: ControlSnapshot,
    /// Packet counters.
    pub stats: stats::Snapshot,
    /// Time since start.
    pub uptime: Duration,
}

/// Builds an [`Observed`] (takes the server lock briefly).
pub type View = Arc<dyn Fn() -> Observed + Send + Sync>;

/// Reloads and their outcome.
#[derive(Debug, Default)]
pub struct Reloads {
    /// Successful reloads.
    pub ok: AtomicU64,
    /// Failed reloads (the previous configuration kept serving).
    pub failed: AtomicU64,
    /// Unix time (s) of the last reload attempt; 0 = none.
    pub last_at: AtomicU64,
    /// 1 when the last reload succeeded (or none was tried).
    pub last_ok: AtomicU64,
}

/// Static facts for `ntpcheck_build_info`.
#[derive(Debug, Clone)]
pub struct Info {
    /// Dialect served.
    pub flavor: Flavor,
}

/// The hooks the driver calls, and the background work (STATUS refresh, metrics) they own.
pub struct Observer {
    notifier: Arc<Notifier>,
    view: View,
    reloads: Arc<Reloads>,
    /// A note that stays in STATUS until the next successful reload.
    note: Arc<Mutex<Option<String>>>,
    metrics: Option<metrics::Handle>,
}

/// How often STATUS is compared with the state (and sent if it changed).
const STATUS_EVERY: Duration = Duration::from_secs(2);

impl Observer {
    /// Starts the metrics endpoint (own thread) and the STATUS refresh (a task on `rt`, the
    /// control plane's runtime).
    pub fn start(
        rt: &tokio::runtime::Runtime,
        notifier: Notifier,
        listener: Option<TcpListener>,
        view: View,
        info: Info,
    ) -> Result<Self, String> {
        let notifier = Arc::new(notifier);
        let reloads = Arc::new(Reloads { last_ok: AtomicU64::new(1), ..Reloads::default() });
        let note = Arc::new(Mutex::new(None));
        let metrics = match listener {
            Some(l) => Some(metrics::spawn(l, view.clone(), reloads.clone(), info)?),
            None => None,
        };
        if notifier.enabled() {
            let (n, v, note) = (notifier.clone(), view.clone(), note.clone());
            rt.spawn(async move {
                let mut last = String::new();
                // READY carried the first STATUS.
                let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + STATUS_EVERY, STATUS_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let s = status(&v, &note);
                    if s != last {
                        n.status(&s);
                        last = s;
                    }
                }
            });
        }
        Ok(Observer { notifier, view, reloads, note, metrics })
    }

    /// Sockets bound, workers running, configuration loaded.
    pub fn ready(&self) {
        self.notifier.ready(&status(&self.view, &self.note));
    }

    /// SIGHUP received, the configuration is about to be read.
    pub fn reloading(&self) {
        self.notifier.reloading();
    }

    /// The reload is over: `ok`, or failed with the previous configuration still serving.
    pub fn reloaded(&self, ok: bool) {
        let r = &self.reloads;
        if ok { &r.ok } else { &r.failed }.fetch_add(1, Ordering::Relaxed);
        r.last_ok.store(u64::from(ok), Ordering::Relaxed);
        r.last_at.store(super::clock::unix_now().as_secs(), Ordering::Relaxed);
        *self.note.lock().unwrap_or_else(|e| e.into_inner()) =
            if ok { None } else { Some("reload failed, previous configuration kept".into()) };
        let s = status(&self.view, &self.note);
        self.notifier.ready(&if ok { format!("configuration reloaded; {s}") } else { s });
    }

    /// SIGTERM/SIGINT received.
    pub fn stopping(&self) {
        self.notifier.stopping();
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        if let Some(m) = self.metrics.take() {
            m.stop();
        }
    }
}

fn status(view: &View, note: &Mutex<Option<String>>) -> String {
    let o = view();
    let s = notify::status_line(&o.system, &o.control);
    match &*note.lock().unwrap_or_else(|e| e.into_inner()) {
        Some(n) => format!("{n}; {s}"),
        None => s,
    }
}

/// Binds the `--metrics` address (before privileges are dropped, so a low port works).
pub fn bind_metrics(addr: std::net::SocketAddr) -> Result<TcpListener, String> {
    let l = TcpListener::bind(addr).map_err(|e| format!("--metrics {addr}: cannot listen: {e}"))?;
    l.set_nonblocking(true).map_err(|e| format!("--metrics {addr}: {e}"))?;
    srvlog!(
        Level::Notice,
        "metrics: serving Prometheus text on http://{}/metrics",
        l.local_addr().map(|a| a.to_string()).unwrap_or_default()
    );
    Ok(l)
}

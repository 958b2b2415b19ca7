//! `serve --metrics ADDR:PORT`: Prometheus text exposition format 0.0.4 on `GET /metrics`.
//!
//! Names follow ntpd-rs's exporter where it has the same quantity (`ntp_system_stratum`,
//! `ntp_source_offset_seconds`, `ntp_server_rate_limited_packets_total`, …), so its dashboards
//! work; docs/metrics.md lists every metric. Cost is bounded: labels are the source address and
//! association id of configured sources and the fixed drop reasons — never a client address.
//!
//! The HTTP side is a deliberately small HTTP/1.1 responder on its own thread: one request per
//! connection, a request head of at most [`MAX_REQUEST`] bytes read within [`IO_TIMEOUT`], at
//! most [`MAX_CONNECTIONS`] connections at once (more are closed at once), 404 for other paths,
//! 405 for other methods, 400 for anything unparsable.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::proto::Flavor;
use crate::proto::server::DropReason;
use crate::srvlog;

use super::log::Level;
use super::observe::{Info, Observed, Reloads, View};

/// Largest request head read (request line and headers).
pub const MAX_REQUEST: usize = 8192;
/// Time a client has to send its request, and then to take the response.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 8;

/// Drop reasons the driver counts itself, besides [`DropReason`]'s.
const DRIVER_DROPS: [&str; 2] = ["interface drop", "too long"];

/// The running endpoint.
pub struct Handle {
    stop: Arc<tokio::sync::Notify>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    /// Stops accepting and ends the thread (connections in flight are cut).
    pub fn stop(mut self) {
        self.stop.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves `/metrics` on `listener` (non-blocking) from its own thread.
pub fn spawn(listener: TcpListener, view: View, reloads: Arc<Reloads>, info: Info) -> Result<Handle, String> {
    let stop = Arc::new(tokio::sync::Notify::new());
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new()
        .name("ntp-metrics".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    srvlog!(Level::Err, "metrics: tokio runtime: {e}");
                    return;
                }
            };
            rt.block_on(accept_loop(listener, view, reloads, info, stop2));
        })
        .map_err(|e| format!("cannot start the metrics thread: {e}"))?;
    Ok(Handle { stop, thread: Some(thread) })
}

async fn accept_loop(listener: TcpListener, view: View, reloads: Arc<Reloads>, info: Info, stop: Arc<tokio::sync::Notify>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            srvlog!(Level::Err, "metrics: {e}");
            return;
        }
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        tokio::select! {
            _ = stop.notified() => return,
            r = listener.accept() => {
                let Ok((stream, _)) = r else {
                    // EMFILE & co.: do not spin.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                // Over the limit: closed at once.
                let Ok(permit) = slots.clone().try_acquire_owned() else { continue };
                let (view, reloads, info) = (view.clone(), reloads.clone(), info.clone());
                tokio::spawn(async move {
                    serve_one(stream, &view, &reloads, &info).await;
                    drop(permit);
                });
            }
        }
    }
}

async fn serve_one(mut stream: tokio::net::TcpStream, view: &View, reloads: &Reloads, info: &Info) {
    let response = match tokio::time::timeout(IO_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(head)) => respond(&head, || render(&view(), reloads, info)),
        Ok(Err(HeadError::TooLarge)) => plain(431, "Request Header Fields Too Large", "request head too large\n", false),
        Ok(Err(HeadError::Io)) => return,
        Err(_) => plain(408, "Request Timeout", "request timeout\n", false),
    };
    let _ = tokio::time::timeout(IO_TIMEOUT, async {
        stream.write_all(&response).await?;
        stream.shutdown().await
    })
    .await;
    // Read what the client still sends (bounded) before closing: closing with unread input
    // makes the kernel reset the connection, which can destroy the response in flight.
    let _ = tokio::time::timeout(LINGER, async {
        let mut sink = [0u8; 4096];
        let mut left: usize = 64 * 1024;
        while left > 0 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    })
    .await;
}

/// How long a connection is drained after the response.
const LINGER: Duration = Duration::from_secs(1);

enum HeadError {
    TooLarge,
    Io,
}

/// Reads until the blank line that ends the request head.
async fn read_head(stream: &mut tokio::net::TcpStream) -> Result<Vec<u8>, HeadError> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| HeadError::Io)?;
        if n == 0 {
            // The client stopped sending: answer what came, if anything did.
            return if buf.is_empty() { Err(HeadError::Io) } else { Ok(buf) };
        }
        buf.extend_from_slice(&chunk[..n]);
        if head_complete(&buf) {
            return Ok(buf);
        }
        if buf.len() > MAX_REQUEST {
            return Err(HeadError::TooLarge);
        }
    }
}

fn head_complete(b: &[u8]) -> bool {
    b.windows(4).any(|w| w == b"\r\n\r\n") || b.windows(2).any(|w| w == b"\n\n")
}

/// The response to a request head; `body` renders the metrics.
pub fn respond(head: &[u8], body: impl FnOnce() -> String) -> Vec<u8> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let Ok(line) = std::str::from_utf8(line) else { return plain(400, "Bad Request", "bad request\n", false) };
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return plain(400, "Bad Request", "bad request\n", false);
    };
    if !version.starts_with("HTTP/1.") {
        return plain(400, "Bad Request", "bad request\n", false);
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return plain(405, "Method Not Allowed", "only GET and HEAD\n", false),
    };
    let path = target.split_once('?').map(|(p, _)| p).unwrap_or(target);
    if path != "/metrics" {
        return plain(404, "Not Found", "not found: the metrics are at /metrics\n", head_only);
    }
    response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", &body(), head_only)
}

fn plain(code: u16, reason: &str, body: &str, head_only: bool) -> Vec<u8> {
    response(code, reason, "text/plain; charset=utf-8", body, head_only)
}

fn response(code: u16, reason: &str, ctype: &str, body: &str, head_only: bool) -> Vec<u8> {
    let allow = if code == 405 { "Allow: GET, HEAD\r\n" } else { "" };
    let mut r = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{allow}Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        r.extend_from_slice(body.as_bytes());
    }
    r
}

/// Text exposition format 0.0.4: `# HELP`, `# TYPE`, then the samples of one family.
struct Out(String);

impl Out {
    fn family(&mut self, name: &str, typ: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {typ}");
    }
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let v = v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
                let _ = write!(self.0, "{k}=\"{v}\"");
            }
            self.0.push('}');
        }
        let v = if value.is_nan() {
            "NaN".to_string()
        } else if value.is_infinite() {
            if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
        } else {
            format!("{value}")
        };
        let _ = writeln!(self.0, " {v}");
    }
    fn one(&mut self, name: &str, typ: &str, help: &str, value: f64) {
        self.family(name, typ, help);
        self.sample(name, &[], value);
    }
}

fn pow2(l: i8) -> f64 {
    2f64.powi(i32::from(l))
}

/// The metrics page.
pub fn render(o: &Observed, reloads: &Reloads, info: &Info) -> String {
    let mut w = Out(String::with_capacity(8192));
    let sys = &o.system;
    let ctl = &o.control;
    let sys_peer = ctl.sys_peer.and_then(|id| ctl.peers.iter().find(|p| p.assoc_id == id));
    let synced = sys.is_synchronised();

    // System.
    w.one("ntp_system_stratum", "gauge", "Stratum of the system clock as served (16: unsynchronised, sent as 0).", f64::from(sys.stratum));
    w.one(
        "ntp_system_leap_indicator",
        "gauge",
        "Leap indicator served (0 none, 1 insert, 2 delete, 3 unsynchronised).",
        f64::from(sys.leap.bits()),
    );
    w.one("ntp_system_sync_status", "gauge", "1 when synchronised to a source, else 0.", if synced { 1.0 } else { 0.0 });
    w.one(
        "ntp_system_offset_seconds",
        "gauge",
        "Offset of the system peer (0 without one; the clock is not disciplined).",
        sys_peer.filter(|_| synced).map(|p| p.offset).unwrap_or(0.0),
    );
    let root_delay = sys.root_delay.as_secs_f64();
    let root_disp = sys.root_dispersion.as_secs_f64();
    w.one("ntp_system_root_delay_seconds", "gauge", "Root delay served: round trip to the primary reference.", root_delay);
    w.one("ntp_system_root_dispersion_seconds", "gauge", "Root dispersion served.", root_disp);
    w.one(
        "ntp_system_root_distance_seconds",
        "gauge",
        "Root distance: root delay / 2 + root dispersion, the bound on the served time's error.",
        root_delay / 2.0 + root_disp,
    );
    w.one("ntp_system_poll_interval_seconds", "gauge", "System poll interval (2^tc).", pow2(ctl.tc.0));
    w.one("ntp_system_precision_seconds", "gauge", "Precision of the system clock as served.", pow2(sys.precision.0));
    let reftime = if sys.reference_time.to_bits() == 0 { 0.0 } else { sys.reference_time.to_unix(super::clock::unix_now()).as_secs_f64() };
    w.one("ntp_system_reference_time_seconds", "gauge", "Reference time served, as Unix time (0: never set).", reftime);
    w.family("ntp_system_peer_info", "gauge", "The system peer (absent while there is none).");
    if let Some(p) = sys_peer {
        w.sample("ntp_system_peer_info", &[("address", &p.srcadr.ip().to_string()), ("id", &p.assoc_id.to_string())], 1.0);
    }

    // Sources: one series per association, labelled by its address and association id.
    let ids: Vec<(String, String)> = ctl.peers.iter().map(|p| (p.srcadr.ip().to_string(), p.assoc_id.to_string())).collect();
    let mut per_source = |name: &str, help: &str, f: &dyn Fn(&crate::proto::control::PeerVars) -> f64| {
        w.family(name, "gauge", help);
        for (p, (addr, id)) in ctl.peers.iter().zip(&ids) {
            w.sample(name, &[("address", addr), ("id", id)], f(p));
        }
    };
    per_source("ntp_source_stratum", "Stratum of the source (16: unsynchronised or not heard from).", &|p| f64::from(p.stratum));
    per_source("ntp_source_reach", "Reach register of the source (8 bits, one per poll, 255 = the last 8 answered).", &|p| {
        f64::from(p.reach)
    });
    per_source("ntp_source_unanswered_polls", "Polls since the last answer, at most 8 (from the reach register).", &|p| {
        f64::from(p.reach.trailing_zeros())
    });
    per_source("ntp_source_poll_interval_seconds", "Poll interval of the source (2^hpoll).", &|p| pow2(p.hpoll.0));
    per_source("ntp_source_offset_seconds", "Offset of the source against the system clock.", &|p| p.offset);
    per_source("ntp_source_delay_seconds", "Round-trip delay to the source.", &|p| p.delay);
    per_source("ntp_source_jitter_seconds", "Jitter of the source.", &|p| p.jitter);
    per_source("ntp_source_dispersion_seconds", "Clock-filter dispersion of the source.", &|p| p.dispersion);
    per_source("ntp_source_root_delay_seconds", "Root delay the source reports.", &|p| p.root_delay);
    per_source("ntp_source_root_dispersion_seconds", "Root dispersion the source reports.", &|p| p.root_dispersion);
    per_source(
        "ntp_source_selection",
        "Selection state as ntpq's tally: 0 reject, 1 falseticker, 2 excess, 3 outlier, 4 candidate, 5 backup, 6 system peer, 7 PPS peer.",
        &|p| f64::from(p.selection as u8),
    );

    // Server.
    let s = &o.stats;
    let dropped_total: u64 = s.dropped.values().sum();
    let drop_of = |name: &str| s.dropped.get(name).copied().unwrap_or(0);
    let rate_dropped = drop_of(DropReason::RateLimited.name());
    w.one("ntp_server_received_packets_total", "counter", "Datagrams received on the NTP sockets.", s.received as f64);
    w.one(
        "ntp_server_accepted_packets_total",
        "counter",
        "Time requests answered with a time reply (mode 4, or mode 2 to a symmetric peer).",
        s.replied.saturating_sub(s.control_replied) as f64,
    );
    w.one(
        "ntp_server_rate_limited_packets_total",
        "counter",
        "Requests over the rate limit (restrict limited): dropped, or answered with a RATE kiss-o'-death.",
        (rate_dropped + s.kod) as f64,
    );
    w.one("ntp_server_kod_packets_total", "counter", "Kiss-o'-death (RATE) packets sent.", s.kod as f64);
    w.one(
        "ntp_server_ignored_packets_total",
        "counter",
        "Datagrams dropped for any reason but the rate limit (see ntp_server_dropped_packets_total).",
        dropped_total.saturating_sub(rate_dropped) as f64,
    );
    w.family("ntp_server_dropped_packets_total", "counter", "Datagrams not answered, by reason.");
    let mut reasons: Vec<&str> = DropReason::ALL.iter().map(|r| r.name()).chain(DRIVER_DROPS).collect();
    for k in s.dropped.keys() {
        if !reasons.contains(k) {
            reasons.push(k);
        }
    }
    for r in reasons {
        w.sample("ntp_server_dropped_packets_total", &[("reason", r)], drop_of(r) as f64);
    }
    w.one("ntp_server_response_send_errors_total", "counter", "Replies the kernel refused to send.", s.send_failed as f64);
    w.one("ntp_server_control_requests_total", "counter", "Mode 6 (ntpq) requests received.", s.control as f64);
    w.one("ntp_server_control_responses_total", "counter", "Mode 6 (ntpq) requests answered.", s.control_replied as f64);

    // Configuration and process.
    w.family("ntp_config_reloads_total", "counter", "Configuration reloads (SIGHUP), by result.");
    w.sample("ntp_config_reloads_total", &[("result", "success")], reloads.ok.load(Ordering::Relaxed) as f64);
    w.sample("ntp_config_reloads_total", &[("result", "failure")], reloads.failed.load(Ordering::Relaxed) as f64);
    w.one(
        "ntp_config_last_reload_successful",
        "gauge",
        "1 when the last reload succeeded (or none was tried), 0 when the previous configuration is still serving.",
        reloads.last_ok.load(Ordering::Relaxed) as f64,
    );
    w.one(
        "ntp_config_last_reload_timestamp_seconds",
        "gauge",
        "Unix time of the last reload attempt (0: none).",
        reloads.last_at.load(Ordering::Relaxed) as f64,
    );
    let version = env!("CARGO_PKG_VERSION");
    w.family("ntp_uptime_seconds", "gauge", "Time since the server started.");
    w.sample("ntp_uptime_seconds", &[("version", version)], o.uptime.as_secs_f64());
    let dialect = match info.flavor {
        Flavor::Classic => "classic",
        Flavor::Ntpsec => "ntpsec",
    };
    w.family("ntpcheck_build_info", "gauge", "Version and the dialect served; always 1.");
    w.sample("ntpcheck_build_info", &[("version", version), ("dialect", dialect)], 1.0);
    w.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::control::{ControlSnapshot, PeerVars, Selection};
    use crate::proto::system::{LocalClock, SystemVars};
    use crate::proto::time::{Log2Seconds, NtpTimestamp};
    use crate::server::stats;

    fn observed() -> Observed {
        let mut clock = LocalClock::new(10);
        clock.prefer = true;
        let mut control = ControlSnapshot::serving(Some((&clock, 4242)), Log2Seconds(-20), Duration::from_secs(9), NtpTimestamp::ZERO);
        let mut up = PeerVars::configured(4243, Some("192.0.2.2".parse().unwrap()), Some("a\"b\\c\nd".into()), Log2Seconds(6));
        up.offset = -0.25;
        up.selection = Selection::Candidate;
        up.reach = 0b1010_0000;
        control.peers.push(up);
        let system =
            clock.system_vars(Log2Seconds(-20), Duration::from_secs(9), NtpTimestamp::from_unix(Duration::from_secs(1_700_000_000)));
        let mut s = stats::Snapshot { received: 20, replied: 12, kod: 1, control: 1, control_replied: 1, ..Default::default() };
        s.dropped.insert("rate limit", 7);
        Observed { system, control, stats: s, uptime: Duration::from_secs(9) }
    }

    fn value<'a>(text: &'a str, series: &str) -> &'a str {
        text.lines().find_map(|l| l.strip_prefix(series).and_then(|r| r.strip_prefix(' '))).unwrap_or_else(|| panic!("{series}:\n{text}"))
    }

    #[test]
    fn every_family_has_help_and_type_and_valid_samples() {
        let t = render(&observed(), &Reloads::default(), &Info { flavor: Flavor::Classic });
        let mut families = Vec::new();
        for l in t.lines() {
            if let Some(r) = l.strip_prefix("# HELP ") {
                families.push(r.split(' ').next().unwrap().to_string());
            } else if let Some(r) = l.strip_prefix("# TYPE ") {
                assert_eq!(Some(r.split(' ').next().unwrap()), families.last().map(String::as_str), "TYPE right after HELP: {l}");
                assert!(r.ends_with(" gauge") || r.ends_with(" counter"), "{l}");
            } else {
                let name = l.split(['{', ' ']).next().unwrap();
                assert_eq!(Some(name), families.last().map(String::as_str), "sample under its family: {l}");
                assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{l}");
                let v = l.rsplit(' ').next().unwrap();
                assert!(v.parse::<f64>().is_ok(), "{l}");
            }
        }
        let mut sorted = families.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), families.len(), "one block per family");
        assert!(families.iter().filter(|f| f.ends_with("_total")).all(|f| t.contains(&format!("# TYPE {f} counter"))));
    }

    #[test]
    fn values() {
        let t = render(&observed(), &Reloads::default(), &Info { flavor: Flavor::Ntpsec });
        assert_eq!(value(&t, "ntp_system_stratum"), "11");
        assert_eq!(value(&t, "ntp_system_sync_status"), "1");
        assert_eq!(value(&t, "ntp_system_peer_info{address=\"127.127.1.0\",id=\"4242\"}"), "1");
        assert_eq!(value(&t, "ntp_source_offset_seconds{address=\"192.0.2.2\",id=\"4243\"}"), "-0.25");
        assert_eq!(value(&t, "ntp_source_unanswered_polls{address=\"192.0.2.2\",id=\"4243\"}"), "5");
        assert_eq!(value(&t, "ntp_source_selection{address=\"192.0.2.2\",id=\"4243\"}"), "4");
        assert_eq!(value(&t, "ntp_source_poll_interval_seconds{address=\"192.0.2.2\",id=\"4243\"}"), "64");
        assert_eq!(value(&t, "ntp_server_accepted_packets_total"), "11");
        assert_eq!(value(&t, "ntp_server_rate_limited_packets_total"), "8");
        assert_eq!(value(&t, "ntp_server_dropped_packets_total{reason=\"rate limit\"}"), "7");
        assert_eq!(value(&t, "ntp_server_dropped_packets_total{reason=\"interface drop\"}"), "0");
        assert_eq!(value(&t, "ntp_server_ignored_packets_total"), "0");
        assert_eq!(value(&t, "ntpcheck_build_info{version=\"0.1.0\",dialect=\"ntpsec\"}"), "1");
        // No client addresses anywhere: the only address labels are the sources'.
        assert!(t.lines().filter(|l| l.contains("address=")).all(|l| l.contains("127.127.1.0") || l.contains("192.0.2.2")));
        // Unsynchronised: no system peer series.
        let mut o = observed();
        o.system = SystemVars::unsynchronised(Log2Seconds(-20));
        o.control.sys_peer = None;
        let t = render(&o, &Reloads::default(), &Info { flavor: Flavor::Classic });
        assert_eq!(value(&t, "ntp_system_stratum"), "16");
        assert_eq!(value(&t, "ntp_system_leap_indicator"), "3");
        assert_eq!(value(&t, "ntp_system_reference_time_seconds"), "0");
        assert!(!t.contains("ntp_system_peer_info{"));
    }

    #[test]
    fn label_values_are_escaped() {
        let mut o = Out(String::new());
        o.sample("x", &[("a", "q\"b\\s\nn")], f64::INFINITY);
        assert_eq!(o.0, "x{a=\"q\\\"b\\\\s\\nn\"} +Inf\n");
    }

    #[test]
    fn http_requests() {
        let body = || "m 1\n".to_string();
        let s = |r: Vec<u8>| String::from_utf8(r).unwrap();
        let ok = s(respond(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", body));
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
        assert!(ok.contains("Content-Length: 4\r\n") && ok.ends_with("\r\n\r\nm 1\n"));
        assert!(s(respond(b"GET /metrics?x=1 HTTP/1.0\r\n\r\n", body)).starts_with("HTTP/1.1 200"));
        let head = s(respond(b"HEAD /metrics HTTP/1.1\r\n\r\n", body));
        assert!(head.contains("Content-Length: 4\r\n") && head.ends_with("\r\n\r\n"));
        assert!(s(respond(b"GET / HTTP/1.1\r\n\r\n", body)).starts_with("HTTP/1.1 404"));
        assert!(s(respond(b"GET /metricsx HTTP/1.1\r\n\r\n", body)).starts_with("HTTP/1.1 404"));
        assert!(s(respond(b"POST /metrics HTTP/1.1\r\n\r\n", body)).starts_with("HTTP/1.1 405"));
        for bad in [
            &b""[..],
            b"\xff\xfe\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET /metrics\r\n\r\n",
            b"GET /metrics SPDY/3\r\n\r\n",
            b"GET  /metrics HTTP/1.1\r\n\r\n",
        ] {
            assert!(s(respond(bad, body)).starts_with("HTTP/1.1 400"), "{bad:?}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        use proptest::prelude::*;
        proptest!(|(b in proptest::collection::vec(any::<u8>(), 0..300))| {
            let r = respond(&b, String::new);
            prop_assert!(r.starts_with(b"HTTP/1.1 "));
        });
    }
}

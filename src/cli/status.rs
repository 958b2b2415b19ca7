//! `ntpcheck status [HOST]`: a mode 6 client. Prints the associations like `ntpq -p` and the
//! system state like `ntpstat`, or one JSON object with `--json`; exits as ntpstat does:
//! 0 synchronised, 1 not synchronised, 2 no answer (or a usage error).
// A client needs its own socket and a deadline clock; the protocol rules stay in
// src/proto/control (the codec), so the sans-IO lint does not apply here.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::proto::control::Selection;
use crate::proto::control::codec::{self, ControlHeader, ErrorCode, op};

/// Arguments of `status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Server to ask (name or address; default 127.0.0.1).
    #[arg(default_value = "127.0.0.1")]
    pub host: String,
    /// UDP port.
    #[arg(long, default_value_t = 123)]
    pub port: u16,
    /// Print one JSON object instead of the tables.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for each answer (each request is sent twice at most, as ntpq does).
    #[arg(long, default_value_t = 2.0, value_parser = parse_timeout)]
    pub timeout: f64,
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 60.0 => Ok(v),
        _ => Err(format!("`{s}`: give seconds between 0 and 60")),
    }
}

/// Why a query got no usable answer.
#[derive(Debug)]
pub enum QueryError {
    /// Nothing came back in time.
    Timeout,
    /// The server answered with an error code.
    Server(ErrorCode),
    /// Socket trouble.
    Io(std::io::Error),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Timeout => f.write_str("request timed out"),
            QueryError::Server(e) => write!(f, "server error: {}", e.text()),
            QueryError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// A mode 6 session with one server.
pub struct Session {
    sock: UdpSocket,
    sequence: u16,
    timeout: Duration,
}

/// One reassembled response.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status word of the response.
    pub status: u16,
    /// Data, reassembled in offset order.
    pub data: Vec<u8>,
}

impl Session {
    /// Connects a UDP socket to `server`.
    pub fn new(server: SocketAddr, timeout: Duration) -> std::io::Result<Self> {
        let bind: SocketAddr = if server.is_ipv4() { "0.0.0.0:0".parse().expect("addr") } else { "[::]:0".parse().expect("addr") };
        let sock = UdpSocket::bind(bind)?;
        sock.connect(server)?;
        Ok(Session { sock, sequence: 0, timeout })
    }

    /// Sends one request (version 2, as ntpq) and collects the fragments of its response;
    /// sent at most twice.
    pub fn query(&mut self, opcode: u8, assoc_id: u16, data: &str) -> Result<Answer, QueryError> {
        for _ in 0..2 {
            self.sequence = self.sequence.wrapping_add(1);
            let h = ControlHeader { version: 2, opcode, sequence: self.sequence, assoc_id, ..ControlHeader::default() };
            let mut pkt = Vec::new();
            codec::encode(&h, data.as_bytes(), &mut pkt);
            self.sock.send(&pkt).map_err(QueryError::Io)?;
            match self.collect(opcode, assoc_id) {
                Err(QueryError::Timeout) => continue,
                r => return r,
            }
        }
        Err(QueryError::Timeout)
    }

    fn collect(&mut self, opcode: u8, assoc_id: u16) -> Result<Answer, QueryError> {
        let deadline = Instant::now() + self.timeout;
        let mut frags: BTreeMap<u16, Vec<u8>> = BTreeMap::new();
        let mut total: Option<usize> = None;
        let mut buf = [0u8; 2048];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(QueryError::Timeout);
            }
            self.sock.set_read_timeout(Some(left)).map_err(QueryError::Io)?;
            let n = match self.sock.recv(&mut buf) {
                Ok(n) => n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    return Err(QueryError::Timeout);
                }
                // ICMP port unreachable from an earlier send: nobody is listening.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return Err(QueryError::Timeout),
                Err(e) => return Err(QueryError::Io(e)),
            };
            let Ok(m) = codec::decode(&buf[..n]) else { continue };
            let h = m.header;
            if !h.response || h.sequence != self.sequence || h.opcode != opcode || h.assoc_id != assoc_id {
                continue;
            }
            if h.error {
                return Err(QueryError::Server(ErrorCode::from_u8((h.status >> 8) as u8).unwrap_or(ErrorCode::Unspec)));
            }
            let status = h.status;
            frags.insert(h.offset, m.data.to_vec());
            if !h.more {
                total = Some(h.offset as usize + m.data.len());
            }
            if let Some(t) = total {
                // Complete when the fragments tile 0..t without gaps.
                let mut at = 0usize;
                for (&off, d) in &frags {
                    if off as usize != at {
                        break;
                    }
                    at += d.len();
                }
                if at == t {
                    let data = frags.into_values().flatten().collect();
                    return Ok(Answer { status, data });
                }
            }
        }
    }
}

/// One row of the peers table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PeerRow {
    /// Association id.
    pub assoc_id: u16,
    /// Peer status word.
    pub status: u16,
    /// Selection state from the status word.
    pub selection: Selection,
    /// ntpq's tally character.
    pub tally: char,
    /// Host name or address.
    pub remote: String,
    /// Refid as ntpq shows it.
    pub refid: String,
    /// Stratum.
    pub stratum: Option<u8>,
    /// Type letter (`l` local, `u` unicast, `s` symmetric, `b` broadcast, `p` pool, …).
    pub kind: char,
    /// Seconds since the last sample.
    pub when: Option<i64>,
    /// Poll interval (s).
    pub poll: Option<u64>,
    /// Reach register.
    pub reach: u8,
    /// Delay (ms).
    pub delay: Option<f64>,
    /// Offset (ms).
    pub offset: Option<f64>,
    /// Jitter (ms).
    pub jitter: Option<f64>,
}

/// ntpq's peer variable list (classic `ntpq-subs.c` `peervarlist`).
const PEER_LIST: &str = "srcadr,refid,stratum,hpoll,ppoll,reach,delay,offset,jitter,dispersion,rec,reftime,srcport,hmode,srchost";

fn vars(a: &Answer) -> BTreeMap<String, String> {
    codec::parse_vars(&String::from_utf8_lossy(&a.data)).into_iter().collect()
}

fn parse_ts(v: &str) -> Option<f64> {
    let v = v.strip_prefix("0x")?;
    let (s, f) = v.split_once('.')?;
    let (s, f) = (u32::from_str_radix(s, 16).ok()?, u32::from_str_radix(f, 16).ok()?);
    if s == 0 && f == 0 {
        return None;
    }
    Some(s as f64 + f as f64 / 4294967296.0)
}

fn peer_row(id: u16, status: u16, v: &BTreeMap<String, String>, now: Option<f64>) -> PeerRow {
    let sel = Selection::from_code((status >> 8) as u8);
    let num = |k: &str| v.get(k).and_then(|x| x.parse::<f64>().ok());
    let stratum = v.get("stratum").and_then(|s| s.parse::<u8>().ok());
    let srcadr = v.get("srcadr").cloned().unwrap_or_default();
    let refclock = srcadr.starts_with("127.127.");
    let remote = match v.get("srchost") {
        Some(h) if !h.is_empty() => h.clone(),
        _ if refclock => {
            let unit = srcadr.rsplit('.').next().unwrap_or("0");
            format!("LOCAL({unit})")
        }
        _ => srcadr.clone(),
    };
    let refid_raw = v.get("refid").cloned().unwrap_or_default();
    // As ntpq: an address stays as it is, a text refid goes between dots.
    let refid = if refid_raw.parse::<std::net::IpAddr>().is_ok() || refid_raw.len() > 4 { refid_raw } else { format!(".{refid_raw}.") };
    let hmode = v.get("hmode").and_then(|h| h.parse::<u8>().ok()).unwrap_or(3);
    let kind = if refclock {
        'l'
    } else {
        match hmode {
            1 | 2 => 's',
            5 => 'b',
            _ if srcadr.starts_with("224.") || srcadr.starts_with("ff") => 'm',
            _ => 'u',
        }
    };
    let poll = match (v.get("hpoll").and_then(|x| x.parse::<i32>().ok()), v.get("ppoll").and_then(|x| x.parse::<i32>().ok())) {
        (Some(h), Some(p)) => Some(1u64 << h.min(p).clamp(0, 17)),
        (Some(h), None) | (None, Some(h)) => Some(1u64 << h.clamp(0, 17)),
        _ => None,
    };
    let reach = v.get("reach").and_then(|r| u8::from_str_radix(r.trim_start_matches("0x"), 16).ok()).unwrap_or(0);
    let when = match (v.get("rec").and_then(|r| parse_ts(r)), now) {
        (Some(rec), Some(now)) => Some((now - rec).max(0.0) as i64),
        _ => None,
    };
    PeerRow {
        assoc_id: id,
        status,
        selection: sel,
        tally: sel.tally(),
        remote,
        refid,
        stratum,
        kind,
        when,
        poll,
        reach,
        delay: num("delay"),
        offset: num("offset"),
        jitter: num("jitter"),
    }
}

/// ntpq's compact interval: seconds, then minutes, hours, days.
fn interval(s: i64) -> String {
    if s <= 2048 {
        s.to_string()
    } else if s <= 300 * 60 {
        format!("{}m", s / 60)
    } else if s <= 96 * 3600 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86400)
    }
}

/// The peers table as `ntpq -p` prints it.
pub fn format_peers(rows: &[PeerRow]) -> String {
    let mut s = String::from("     remote           refid      st t when poll reach   delay   offset  jitter\n");
    s.push_str(&"=".repeat(78));
    s.push('\n');
    for r in rows {
        let f = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into());
        s.push_str(&format!(
            "{}{:<15.15} {:<15.15} {:>2} {} {:>4} {:>4}  {:>3o}  {:>7} {:>8} {:>7}\n",
            r.tally,
            r.remote,
            r.refid,
            r.stratum.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
            r.kind,
            r.when.map(interval).unwrap_or_else(|| "-".into()),
            r.poll.map(|p| interval(p as i64)).unwrap_or_else(|| "-".into()),
            r.reach,
            f(r.delay),
            r.offset.map(|v| format!("{v:+.3}")).unwrap_or_else(|| "-".into()),
            f(r.jitter),
        ));
    }
    s
}

/// What ntpstat says about the system.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SyncState {
    /// Synchronised (leap ≠ 3 and a sync source).
    pub synchronised: bool,
    /// The source type from the system status word ("NTP server", "local net", …).
    pub source: String,
    /// The system peer's address, when it is an NTP server.
    pub server: Option<String>,
    /// Stratum.
    pub stratum: Option<u8>,
    /// rootdelay/2 + rootdisp (ms).
    pub correct_within_ms: Option<f64>,
    /// 2^tc (s).
    pub poll_s: Option<u64>,
    /// System status word.
    pub status: u16,
}

const SOURCES: [&str; 10] =
    ["unspecified", "atomic clock", "VLF radio", "HF radio", "UHF radio", "local net", "NTP server", "UDP/TIME", "wristwatch", "modem"];

fn sync_state(sys: &Answer, v: &BTreeMap<String, String>, peer: Option<&BTreeMap<String, String>>) -> SyncState {
    let leap = sys.status >> 14;
    let src = ((sys.status >> 8) & 0x3f) as usize;
    let num = |k: &str| v.get(k).and_then(|x| x.parse::<f64>().ok());
    let within = match (num("rootdelay"), num("rootdisp")) {
        (Some(d), Some(e)) => Some(d / 2.0 + e),
        _ => None,
    };
    let synchronised = leap != 3 && src != 0;
    SyncState {
        synchronised,
        source: SOURCES.get(src).copied().unwrap_or("unknown source").to_string(),
        server: if src == 6 { peer.and_then(|p| p.get("srcadr").cloned()) } else { None },
        stratum: v.get("stratum").and_then(|s| s.parse().ok()),
        correct_within_ms: within,
        poll_s: v.get("tc").and_then(|t| t.parse::<i32>().ok()).map(|t| 1u64 << t.clamp(0, 17)),
        status: sys.status,
    }
}

/// ntpstat's three lines.
pub fn format_sync(s: &SyncState) -> String {
    let mut out = String::new();
    if s.synchronised {
        out.push_str(&format!("synchronised to {}", s.source));
        if let Some(a) = &s.server {
            out.push_str(&format!(" ({a})"));
        }
        if let Some(st) = s.stratum {
            out.push_str(&format!(" at stratum {st}"));
        }
        out.push('\n');
        if let Some(w) = s.correct_within_ms {
            out.push_str(&format!("   time correct to within {w:.0} ms\n"));
        }
    } else {
        out.push_str("unsynchronised\n");
    }
    if let Some(p) = s.poll_s {
        out.push_str(&format!("   polling server every {p} s\n"));
    }
    out
}

/// Everything `status` learnt.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// The sync state.
    pub sync: SyncState,
    /// The associations.
    pub peers: Vec<PeerRow>,
    /// The system variables as the server sent them.
    pub system: BTreeMap<String, String>,
}

/// Asks `server` for the association list, every association's variables and the system
/// variables.
pub fn gather(session: &mut Session) -> Result<Report, QueryError> {
    let list = session.query(op::READSTAT, 0, "")?;
    let sys = session.query(op::READVAR, 0, "")?;
    let sysv = vars(&sys);
    let now = sysv.get("clock").and_then(|c| parse_ts(c));
    let mut peers = Vec::new();
    let mut sys_peer_vars = None;
    let sys_peer: Option<u16> = sysv.get("peer").and_then(|p| p.parse().ok());
    for pair in list.data.chunks_exact(4).take(512) {
        let id = u16::from_be_bytes([pair[0], pair[1]]);
        let st = u16::from_be_bytes([pair[2], pair[3]]);
        let a = match session.query(op::READVAR, id, PEER_LIST) {
            Ok(a) => a,
            // An association can go away between the two requests.
            Err(QueryError::Server(_)) => continue,
            Err(e) => return Err(e),
        };
        let v = vars(&a);
        peers.push(peer_row(id, if a.status != 0 { a.status } else { st }, &v, now));
        if Some(id) == sys_peer {
            sys_peer_vars = Some(v);
        }
    }
    let sync = sync_state(&sys, &sysv, sys_peer_vars.as_ref());
    Ok(Report { sync, peers, system: sysv })
}

/// Runs `ntpcheck status`.
pub fn run(a: StatusArgs) -> ExitCode {
    let target = match (a.host.as_str(), a.port).to_socket_addrs().map(|mut i| i.next()) {
        Ok(Some(t)) => t,
        Ok(None) | Err(_) => {
            eprintln!("ntpcheck status: cannot resolve `{}`", a.host);
            return ExitCode::from(2);
        }
    };
    let mut session = match Session::new(target, Duration::from_secs_f64(a.timeout)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ntpcheck status: {target}: {e}");
            return ExitCode::from(2);
        }
    };
    match gather(&mut session) {
        Ok(r) => {
            if a.json {
                let v = json!({ "server": target.to_string(), "answered": true, "sync": r.sync, "peers": r.peers, "system": r.system });
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                print!("{}", format_peers(&r.peers));
                println!();
                print!("{}", format_sync(&r.sync));
            }
            if r.sync.synchronised { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            if a.json {
                println!("{}", json!({ "server": target.to_string(), "answered": false, "error": e.to_string() }));
            } else {
                println!("Unable to talk to NTP daemon at {target}: {e}");
            }
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_table_like_ntpq() {
        let mut v = BTreeMap::new();
        for (k, x) in [
            ("srcadr", "127.127.1.0"),
            ("refid", "LOCL"),
            ("stratum", "10"),
            ("hpoll", "6"),
            ("ppoll", "6"),
            ("reach", "0x1"),
            ("delay", "0.000000"),
            ("offset", "0.000000"),
            ("jitter", "0.000000"),
            ("rec", "0xeeb17794.00000000"),
            ("hmode", "3"),
        ] {
            v.insert(k.to_string(), x.to_string());
        }
        let r = peer_row(17767, 0x961a, &v, Some(0xeeb17798u32 as f64));
        assert_eq!((r.tally, r.kind, r.when, r.poll, r.reach), ('*', 'l', Some(4), Some(64), 1));
        let t = format_peers(&[r]);
        assert!(
            t.lines().nth(2).unwrap().starts_with("*LOCAL(0)        .LOCL.          10 l    4   64    1    0.000   +0.000   0.000"),
            "{t}"
        );
    }

    #[test]
    fn sync_lines_like_ntpstat() {
        let s = SyncState {
            synchronised: true,
            source: "local net".into(),
            server: None,
            stratum: Some(11),
            correct_within_ms: Some(7947.545),
            poll_s: Some(64),
            status: 0x0514,
        };
        assert_eq!(
            format_sync(&s),
            "synchronised to local net at stratum 11\n   time correct to within 7948 ms\n   polling server every 64 s\n"
        );
    }
}

//! Mode 6 (NTP control messages, `ntpq`, `ntpstat`, monitoring plugins): the read-only subset
//! ntpd answers without authentication, with ntpd's formats.
//!
//! - READSTAT: the association ids with their peer status words (the selection code in bits
//!   8–10 gives ntpq's tally character); READVAR for the system (association 0) and for each
//!   association; READCLOCK for the local clock driver; REQ_NONCE + READ_MRU (`ntpq mrulist`),
//!   the nonce proving the requester receives traffic at its address.
//! - Every write (WRITEVAR, WRITECLOCK, SETTRAP, UNSETTRAP, CONFIGURE, SAVECONFIG, ordered
//!   lists) gets the error the dialect's ntpd gives an unauthenticated request (classic:
//!   "permission denied" for all of them; NTPsec 1.2.2, measured: "permission denied" for
//!   WRITEVAR, WRITECLOCK, `:config` and ordered lists, "unknown request" for traps and
//!   SAVECONFIG, which it no longer has) and is never acted on.
//! - Malformed requests: dropped (responses, fragments, versions outside 1–4, short) or
//!   answered "bad format" as ntpd does.
//!
//! What the handler reports comes from snapshots the driver passes in: [`SystemVars`] and
//! [`ControlSnapshot`] (the associations and the system's sync source), plus the MRU list.

pub mod codec;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::Flavor;
use super::access::RestrictFlags;
use super::packet::{LeapIndicator, ReferenceId};
use super::ratelimit::{MonEntry, RateLimiter};
use super::system::{LOCAL_DISPERSION, LocalClock, STRATUM_UNSPEC, SystemVars};
use super::time::{Log2Seconds, NtpDuration, NtpTimestamp};
use codec::{ControlHeader, ErrorCode, HEADER_LEN, MAX_DATA_LEN, op};

/// What the control handler decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlOutcome {
    /// Send `out[..len]`.
    Reply(usize),
    /// Send nothing.
    Drop,
}

/// At most this many fragments answer one request (ntpd caps `frags=` at 128; this keeps a
/// spoofed request's answer small — READVAR needs 2, an MRU page asks for up to 32).
pub const MAX_FRAGMENTS: usize = 16;
/// MRU rows per request when the client gives `limit=` (ntpd's `MRU_ROW_LIMIT`).
const MRU_ROW_LIMIT: u32 = 256;
/// ntpd's `MRU_FRAGS_LIMIT`: larger `frags=` is a bad value.
const MRU_FRAGS_LIMIT: u32 = 128;
/// A nonce is good for this long (ntpd: 16 s).
const NONCE_LIFETIME_SECS: u32 = 16;
/// ntpd breaks variable lists into lines of about this many characters.
const MAX_LINE: usize = 72;

/// The selection state of an association (peer status bits 8–10), as ntpq shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Discarded as unreachable or insane (` `).
    #[default]
    Reject = 0,
    /// Falseticker (`x`).
    Falsetick = 1,
    /// Excess (`.`).
    Excess = 2,
    /// Outlier (`-`).
    Outlier = 3,
    /// Candidate (`+`).
    Candidate = 4,
    /// Backup (`#`).
    Backup = 5,
    /// The system peer (`*`).
    SysPeer = 6,
    /// PPS peer (`o`).
    PpsPeer = 7,
}

impl Selection {
    /// From the 3-bit code.
    pub fn from_code(c: u8) -> Self {
        use Selection::*;
        [Reject, Falsetick, Excess, Outlier, Candidate, Backup, SysPeer, PpsPeer][(c & 7) as usize]
    }
    /// ntpq's tally character.
    pub fn tally(self) -> char {
        [' ', 'x', '.', '-', '+', '#', '*', 'o'][self as usize]
    }
}

/// The system's synchronisation source type (system status bits 8–13, `CTL_SST_TS_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SyncSource {
    /// Unspecified (not synchronised).
    #[default]
    Unspec = 0,
    /// A local clock driver ("sync_local").
    Local = 5,
    /// An NTP server ("sync_ntp").
    Ntp = 6,
}

/// One association as ntpq sees it (ntpd's peer variables).
#[derive(Debug, Clone, PartialEq)]
pub struct PeerVars {
    /// Association id.
    pub assoc_id: u16,
    /// Source address (0.0.0.0 while a host name is unresolved); 127.127.t.u for a refclock.
    pub srcadr: SocketAddr,
    /// The configured host name, when the association was configured by name.
    pub srchost: Option<String>,
    /// Local address used.
    pub dstadr: Option<SocketAddr>,
    /// Host mode (3 = client).
    pub hmode: u8,
    /// Configured (not ephemeral).
    pub configured: bool,
    /// A key is configured for it.
    pub auth_enabled: bool,
    /// Its last packet authenticated.
    pub authentic: bool,
    /// Selection state.
    pub selection: Selection,
    /// Events since the last status read (4 bits).
    pub event_count: u8,
    /// Last event code (4 bits; 1 mobilize, 0xa sys_peer, …).
    pub last_event: u8,
    /// Its leap indicator.
    pub leap: LeapIndicator,
    /// Its stratum (16 = unsynchronised/unreached).
    pub stratum: u8,
    /// Its precision.
    pub precision: Log2Seconds,
    /// Its root delay (s).
    pub root_delay: f64,
    /// Its root dispersion (s).
    pub root_dispersion: f64,
    /// Its reference id.
    pub refid: ReferenceId,
    /// Its reference time.
    pub reftime: NtpTimestamp,
    /// When its last sample arrived (zero: never).
    pub rec: NtpTimestamp,
    /// Its transmit timestamp of that sample.
    pub xmt: NtpTimestamp,
    /// Reach register.
    pub reach: u8,
    /// Polls without an answer.
    pub unreach: u32,
    /// Host poll exponent.
    pub hpoll: Log2Seconds,
    /// Peer poll exponent.
    pub ppoll: Log2Seconds,
    /// Round-trip delay (s).
    pub delay: f64,
    /// Offset (s).
    pub offset: f64,
    /// Jitter (s).
    pub jitter: f64,
    /// Clock-filter dispersion (s).
    pub dispersion: f64,
    /// Key id (0 = none).
    pub keyid: u32,
    /// Reference clock description, for a refclock association (READCLOCK).
    pub refclock: Option<RefclockVars>,
}

/// What READCLOCK reports for a reference clock association.
#[derive(Debug, Clone, PartialEq)]
pub struct RefclockVars {
    /// Driver type (1 = LOCAL).
    pub kind: u8,
    /// Description (ntpd's `device`).
    pub device: String,
    /// Polls so far.
    pub polls: u64,
    /// Fudged stratum.
    pub stratum: u8,
    /// Fudged refid.
    pub refid: ReferenceId,
}

impl PeerVars {
    /// A configured server not heard from yet: what ntpd shows before the first answer
    /// (stratum 16, refid INIT, reach 0, one "mobilize" event). `srcadr` is 0.0.0.0 when
    /// the address is a name that has not been resolved.
    pub fn configured(assoc_id: u16, srcadr: Option<IpAddr>, srchost: Option<String>, hpoll: Log2Seconds) -> Self {
        PeerVars {
            assoc_id,
            srcadr: SocketAddr::new(srcadr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), 123),
            srchost,
            dstadr: None,
            hmode: 3,
            configured: true,
            auth_enabled: false,
            authentic: false,
            selection: Selection::Reject,
            event_count: 1,
            last_event: 1,
            leap: LeapIndicator::Unsynchronized,
            stratum: STRATUM_UNSPEC,
            precision: Log2Seconds(-31),
            root_delay: 0.0,
            root_dispersion: 0.0,
            refid: ReferenceId::INIT,
            reftime: NtpTimestamp::ZERO,
            rec: NtpTimestamp::ZERO,
            xmt: NtpTimestamp::ZERO,
            reach: 0,
            unreach: 0,
            hpoll,
            ppoll: Log2Seconds(10),
            delay: 0.0,
            offset: 0.0,
            jitter: 0.0,
            dispersion: super::system::MAXDISPERSE,
            keyid: 0,
            refclock: None,
        }
    }

    /// The local clock driver association `since_start` after start-up at wall time `now`, as
    /// ntpd shows it (verified against NTPsec 1.2.2 and classic 4.2.8p18): srcadr 127.127.1.u,
    /// stratum = the fudged one, refid LOCL, root dispersion 10 ms, the reach register filling
    /// one bit per sample, clock-filter dispersion as in [`LocalClock::filter_dispersion`].
    pub fn local_clock(assoc_id: u16, clock: &LocalClock, precision: Log2Seconds, since_start: Duration, now: NtpTimestamp) -> Self {
        let poll = 1u64 << clock.poll.0.clamp(0, 17);
        let first = super::system::FIRST_SAMPLE;
        let samples = if since_start < first { 0 } else { (since_start - first).as_secs() / poll + 1 };
        let last_sample = if samples == 0 {
            NtpTimestamp::ZERO
        } else {
            let at = first + Duration::from_secs((samples - 1) * poll);
            now.add_duration(NtpDuration::from_secs_f64(-(since_start - at).as_secs_f64()))
        };
        let selected = clock.selected_at().is_some_and(|k| samples >= k);
        // Before it is selected (a fallback waiting for orphanwait) ntpd shows it rejected:
        // NTPsec 1.2.2 reports status 0x9014 (reachable, reject), then 0x961a (sys.peer).
        let selection = if selected { Selection::SysPeer } else { Selection::Reject };
        let reach = if samples >= 8 { 0xff } else { ((1u16 << samples) - 1) as u8 };
        PeerVars {
            assoc_id,
            srcadr: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 127, 1, clock.unit)), 123),
            srchost: Some(format!("LOCAL({})", clock.unit)),
            dstadr: None,
            hmode: 3,
            configured: true,
            auth_enabled: false,
            authentic: false,
            selection,
            event_count: if samples > 0 { 1 } else { 0 },
            last_event: if selected {
                0xa // sys_peer
            } else if samples > 0 {
                4 // reachable
            } else {
                0
            },
            leap: if samples > 0 { LeapIndicator::NoWarning } else { LeapIndicator::Unsynchronized },
            stratum: clock.stratum,
            precision,
            root_delay: 0.0,
            root_dispersion: LOCAL_DISPERSION,
            refid: clock.driver_refid,
            reftime: NtpTimestamp::ZERO,
            rec: last_sample,
            xmt: last_sample,
            reach,
            unreach: 0,
            hpoll: clock.poll,
            ppoll: clock.poll,
            delay: 0.0,
            offset: 0.0,
            jitter: 0.0,
            dispersion: clock.filter_dispersion(samples),
            keyid: 0,
            refclock: Some(RefclockVars {
                kind: 1,
                device: "Undisciplined local clock".into(),
                polls: samples,
                stratum: clock.stratum,
                refid: clock.driver_refid,
            }),
        }
    }

    /// The peer status word (`ctlpeerstatus`).
    pub fn status_word(&self) -> u16 {
        let mut hi = self.selection as u16;
        if self.configured {
            hi |= 0x80;
        }
        if self.auth_enabled {
            hi |= 0x40;
        }
        if self.authentic {
            hi |= 0x20;
        }
        if self.reach != 0 {
            hi |= 0x10;
        }
        hi << 8 | ((self.event_count & 0xf) as u16) << 4 | (self.last_event & 0xf) as u16
    }
}

/// What the server says about itself beyond [`SystemVars`]: the associations and the sync
/// source. The driver builds one and hands it to the server whenever it changes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ControlSnapshot {
    /// Associations, in association-id order.
    pub peers: Vec<PeerVars>,
    /// The system peer's association id.
    pub sys_peer: Option<u16>,
    /// The sync source type for the system status word.
    pub sync_source: SyncSource,
    /// System events since the last read (4 bits) and the last one's code.
    pub sys_event_count: u8,
    /// Last system event code.
    pub sys_last_event: u8,
    /// The system poll exponent (`tc`).
    pub tc: Log2Seconds,
    /// The last clock offset (s): ntpd's `offset` (with `--no-clock-adjust`, the offset
    /// estimate that served timestamps carry).
    pub offset: f64,
    /// The frequency correction (PPM): `frequency`.
    pub frequency: f64,
    /// `sys_jitter` (s).
    pub sys_jitter: f64,
    /// `clk_jitter` (s).
    pub clk_jitter: f64,
    /// `clk_wander` (PPM).
    pub clk_wander: f64,
    /// `version=` text.
    pub version: String,
    /// `processor=` text.
    pub processor: String,
    /// `system=` text.
    pub system: String,
}

impl ControlSnapshot {
    /// What ntpd reports while serving from the local clock driver (`clock`, association
    /// `assoc_id`) or from nothing: the driver's association, the system peer once it is
    /// selected, sync source "local", `tc` = its poll.
    pub fn serving(clock: Option<(&LocalClock, u16)>, precision: Log2Seconds, since_start: Duration, now: NtpTimestamp) -> Self {
        // Events as NTPsec 1.2.2 reports them: "restart" until synchronised, then "freq_mode".
        let mut snap = ControlSnapshot { tc: Log2Seconds(3), sys_event_count: 1, sys_last_event: 6, ..ControlSnapshot::default() };
        if let Some((c, id)) = clock {
            let p = PeerVars::local_clock(id, c, precision, since_start, now);
            if p.selection == Selection::SysPeer {
                snap.sys_peer = Some(id);
                snap.sync_source = SyncSource::Local;
                snap.sys_last_event = 4;
                snap.tc = c.poll;
            }
            snap.peers.push(p);
        }
        snap
    }

    /// With the `version=`, `processor=` and `system=` texts.
    pub fn with_identity(mut self, version: &str, processor: &str, system: &str) -> Self {
        self.version = version.into();
        self.processor = processor.into();
        self.system = system.into();
        self
    }
}

/// The system status word (`ctlsysstatus`): leap, sync source, event count and code.
pub fn system_status(sys: &SystemVars, snap: &ControlSnapshot) -> u16 {
    let source = if sys.is_synchronised() { snap.sync_source as u16 } else { SyncSource::Unspec as u16 };
    (sys.leap.bits() as u16) << 14 | (source & 0x3f) << 8 | ((snap.sys_event_count & 0xf) as u16) << 4 | (snap.sys_last_event & 0xf) as u16
}

/// Everything one request is answered from.
pub struct Context<'a> {
    /// Which ntpd to answer as.
    pub flavor: Flavor,
    /// System variables.
    pub system: &'a SystemVars,
    /// Associations and sync source.
    pub snapshot: &'a ControlSnapshot,
    /// The MRU list.
    pub mru: &'a RateLimiter,
    /// Wall time of monotonic 0, to show MRU times as timestamps.
    pub mru_epoch: NtpTimestamp,
    /// Secret for nonces.
    pub nonce_key: u64,
    /// Where the request came from.
    pub src: SocketAddr,
    /// When it arrived (wall).
    pub rx_time: NtpTimestamp,
    /// Its restrictions (`nomodify`, `nomrulist`).
    pub flags: RestrictFlags,
}

/// The datagrams of one response, back to back.
#[derive(Debug, Clone, Default)]
pub struct Fragments {
    buf: Vec<u8>,
    ends: Vec<usize>,
}

impl Fragments {
    /// Empties it (keeps the allocation).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }
    /// Number of datagrams.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// No datagram.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// Datagram `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.buf[start..end])
    }
    /// All datagrams.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
    fn push(&mut self, header: &ControlHeader, data: &[u8]) {
        codec::encode(header, data, &mut self.buf);
        self.ends.push(self.buf.len());
    }
}

/// Text of one response, split into fragments at item boundaries the way ntpd's
/// `ctl_putdata` lays it out: `name=value` items joined by ", ", a line break (",\r\n") before
/// an item that would pass 72 characters, and a final "\r\n".
struct Text {
    frags: Vec<String>,
    line: usize,
    max_frags: usize,
    full: bool,
}

impl Text {
    fn new(max_frags: usize) -> Self {
        Text { frags: vec![String::new()], line: 0, max_frags, full: false }
    }

    /// Appends an item; false (and nothing appended) when it would need a fragment past the cap.
    fn put(&mut self, item: &str) -> bool {
        if self.full {
            return false;
        }
        let first = self.frags.len() == 1 && self.frags[0].is_empty();
        let sep = if first {
            ""
        } else if self.line + item.len() + 2 > MAX_LINE {
            ",\r\n"
        } else {
            ", "
        };
        let piece_len = sep.len() + item.len();
        let cur = self.frags.last_mut().expect("one fragment");
        // Leave room for the final "\r\n".
        if cur.len() + piece_len + 2 > MAX_DATA_LEN && !cur.is_empty() {
            if self.frags.len() >= self.max_frags {
                self.full = true;
                return false;
            }
            self.frags.push(String::new());
        }
        let cur = self.frags.last_mut().expect("one fragment");
        cur.push_str(sep);
        cur.push_str(item);
        self.line = if sep == ",\r\n" { item.len() } else { self.line + piece_len };
        true
    }

    fn finish(mut self) -> Vec<String> {
        if !(self.frags.len() == 1 && self.frags[0].is_empty()) {
            self.frags.last_mut().expect("one fragment").push_str("\r\n");
        }
        self.frags
    }
}

/// Answer one mode 6 request that passed the access checks. The response datagrams go to
/// `out`; [`ControlOutcome::Drop`] when nothing is sent.
pub fn respond(ctx: &Context<'_>, request: &[u8], out: &mut Fragments) -> ControlOutcome {
    out.clear();
    let (h, body) = match codec::decode(request) {
        Ok(m) => (m.header, m.data),
        // ntpd reads the header first and answers a bad count with "bad format" below.
        Err(codec::DecodeError::Truncated | codec::DecodeError::TooLong) => match codec::decode_header(request) {
            Some(h) => (h, &[][..]),
            None => return ControlOutcome::Drop,
        },
        Err(_) => return ControlOutcome::Drop,
    };
    if h.response || h.error || h.more || h.offset != 0 || !(1..=4).contains(&h.version) {
        return ControlOutcome::Drop;
    }
    let base = ControlHeader {
        leap: ctx.system.leap.bits(),
        version: h.version,
        response: true,
        opcode: h.opcode,
        sequence: h.sequence,
        assoc_id: h.assoc_id,
        ..ControlHeader::default()
    };
    let error = |out: &mut Fragments, e: ErrorCode| {
        out.push(&ControlHeader { error: true, status: (e as u16) << 8, ..base }, &[]);
        ControlOutcome::Reply(out.buf.len())
    };
    // Both daemons: the datagram must be a multiple of 4 octets and hold `count` octets.
    if !request.len().is_multiple_of(4) || request.len() < HEADER_LEN + h.count as usize || h.count as usize > MAX_DATA_LEN {
        return error(out, ErrorCode::BadFormat);
    }
    let data = String::from_utf8_lossy(body);
    let classic = ctx.flavor == Flavor::Classic;
    let result = match h.opcode {
        op::READSTAT => read_status(ctx, h.assoc_id),
        op::READVAR => read_vars(ctx, h.assoc_id, &data),
        op::READCLOCK => read_clock(ctx, h.assoc_id, &data),
        op::REQ_NONCE => Ok(Response::text(system_status(ctx.system, ctx.snapshot), vec![format!("nonce={}\r\n", nonce(ctx))])),
        op::READ_MRU => {
            if ctx.flags.contains(RestrictFlags::NOMRULIST) {
                Err(ErrorCode::Permission)
            } else {
                match read_mru(ctx, &data) {
                    Some(r) => r,
                    // No valid nonce: no answer at all (a spoofed source learns nothing).
                    None => return ControlOutcome::Drop,
                }
            }
        }
        op::UNSPEC => unspec(ctx, h.assoc_id),
        // Writes need a MAC with the `controlkey`; never acted on here.
        op::WRITEVAR | op::WRITECLOCK | op::CONFIGURE | op::READ_ORDLIST_A => Err(ErrorCode::Permission),
        op::SETTRAP | op::UNSETTRAP | op::SAVECONFIG if classic => Err(ErrorCode::Permission),
        // NTPsec 1.2.2 has no trap or saveconfig handlers: "unknown request" (measured).
        _ => Err(ErrorCode::BadOp),
    };
    match result {
        Err(e) => error(out, e),
        Ok(r) => {
            let mut offset = 0usize;
            let n = r.frags.len();
            for (i, f) in r.frags.iter().enumerate() {
                let hdr = ControlHeader { status: r.status, more: i + 1 < n, offset: offset as u16, ..base };
                out.push(&hdr, f);
                offset += f.len();
            }
            ControlOutcome::Reply(out.buf.len())
        }
    }
}

struct Response {
    status: u16,
    frags: Vec<Vec<u8>>,
}

impl Response {
    fn text(status: u16, frags: Vec<String>) -> Self {
        Response { status, frags: frags.into_iter().map(String::into_bytes).collect() }
    }
}

/// CTL_OP_UNSPEC: an empty answer carrying the system's (or the association's) status.
fn unspec(ctx: &Context<'_>, assoc: u16) -> Result<Response, ErrorCode> {
    let status = if assoc == 0 {
        system_status(ctx.system, ctx.snapshot)
    } else {
        ctx.snapshot.peers.iter().find(|p| p.assoc_id == assoc).ok_or(ErrorCode::BadAssoc)?.status_word()
    };
    Ok(Response { status, frags: vec![Vec::new()] })
}

fn read_status(ctx: &Context<'_>, assoc: u16) -> Result<Response, ErrorCode> {
    if assoc != 0 {
        // ntpd answers a peer's READSTAT like a READVAR of its default variables.
        return read_vars(ctx, assoc, "");
    }
    let mut data = Vec::new();
    for p in &ctx.snapshot.peers {
        data.extend_from_slice(&p.assoc_id.to_be_bytes());
        data.extend_from_slice(&p.status_word().to_be_bytes());
    }
    // Binary pairs: 4 octets each, 117 per fragment.
    let frags: Vec<Vec<u8>> = if data.is_empty() { vec![Vec::new()] } else { data.chunks(MAX_DATA_LEN).map(<[u8]>::to_vec).collect() };
    Ok(Response { status: system_status(ctx.system, ctx.snapshot), frags: frags.into_iter().take(MAX_FRAGMENTS).collect() })
}

/// Requested variable names (`name` or `name=value`; values are ignored on reads).
fn wanted(data: &str) -> Vec<String> {
    codec::parse_vars(data).into_iter().map(|(n, _)| n).filter(|n| !n.is_empty()).collect()
}

fn ms(s: f64) -> String {
    format!("{:.3}", s * 1e3)
}
fn ms6(s: f64) -> String {
    format!("{:.6}", s * 1e3)
}
fn ts(t: NtpTimestamp) -> String {
    format!("0x{:08x}.{:08x}", t.seconds(), t.fraction())
}
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "'"))
}
/// A refid as text: the four octets with NULs dropped (ntpd's `ctl_putrefid`).
fn refid_text(r: ReferenceId) -> String {
    r.0.iter().take_while(|&&b| b != 0).map(|&b| if b.is_ascii_graphic() { b as char } else { '.' }).collect()
}
/// Refid as ntpd prints it: an address above stratum 1, text at stratum 0/1 and when
/// unsynchronised.
fn refid_var(r: ReferenceId, stratum: u8) -> String {
    if stratum > 1 && stratum < STRATUM_UNSPEC { Ipv4Addr::from(r.0).to_string() } else { refid_text(r) }
}
fn addr_text(a: SocketAddr) -> String {
    a.ip().to_string()
}

/// System variables in the order the dialect's ntpd sends its default list.
const SYS_VARS_NTPSEC: &[&str] = &[
    "leap",
    "stratum",
    "precision",
    "rootdelay",
    "rootdisp",
    "refid",
    "reftime",
    "tc",
    "peer",
    "offset",
    "frequency",
    "sys_jitter",
    "clk_jitter",
    "clock",
    "processor",
    "system",
    "version",
    "clk_wander",
    "mintc",
];
const SYS_VARS_CLASSIC: &[&str] = &[
    "version",
    "processor",
    "system",
    "leap",
    "stratum",
    "precision",
    "rootdelay",
    "rootdisp",
    "refid",
    "reftime",
    "clock",
    "peer",
    "tc",
    "mintc",
    "offset",
    "frequency",
    "sys_jitter",
    "clk_jitter",
    "clk_wander",
];
/// Other system variable names ntpd knows; asked for by name they are left out rather than
/// refused (ntpcheck has no value for them).
const SYS_VARS_OTHER: &[&str] = &[
    "tai",
    "leapsec",
    "expire",
    "stability",
    "authdelay",
    "sys_var_list",
    "leapsmearinterval",
    "leapsmearoffset",
    "ss_uptime",
    "ss_reset",
    "ss_received",
    "ss_thisver",
    "ss_oldver",
    "ss_badformat",
    "ss_badauth",
    "ss_declined",
    "ss_restricted",
    "ss_limited",
    "ss_kodsent",
    "ss_processed",
    "peeradr",
    "peermode",
    "offset_ms",
];

fn sys_var(ctx: &Context<'_>, name: &str) -> Option<Option<String>> {
    let s = ctx.system;
    let classic = ctx.flavor == Flavor::Classic;
    let v = match name {
        "leap" => s.leap.bits().to_string(),
        "stratum" => s.stratum.to_string(),
        "precision" => s.precision.0.to_string(),
        "rootdelay" => ms(s.root_delay.as_secs_f64()),
        "rootdisp" => ms(s.root_dispersion.as_secs_f64()),
        "refid" => refid_var(s.reference_id, s.stratum),
        "reftime" => ts(s.reference_time),
        "clock" => ts(ctx.rx_time),
        "peer" => ctx.snapshot.sys_peer.unwrap_or(0).to_string(),
        "tc" => ctx.snapshot.tc.0.to_string(),
        "mintc" => (if classic { 3 } else { 0 }).to_string(),
        // In ms; zero while nothing synchronises (the local clock driver alone).
        "offset" => ms6(ctx.snapshot.offset),
        "sys_jitter" => ms6(ctx.snapshot.sys_jitter),
        "clk_jitter" => ms6(ctx.snapshot.clk_jitter),
        "frequency" => {
            if classic {
                format!("{:.3}", ctx.snapshot.frequency)
            } else {
                format!("{:.6}", ctx.snapshot.frequency)
            }
        }
        "clk_wander" => {
            if classic {
                format!("{:.3}", ctx.snapshot.clk_wander)
            } else {
                format!("{:.6}", ctx.snapshot.clk_wander)
            }
        }
        "version" => quoted(&ctx.snapshot.version),
        "processor" => quoted(&ctx.snapshot.processor),
        "system" => quoted(&ctx.snapshot.system),
        n if SYS_VARS_OTHER.contains(&n) => return Some(None),
        _ => return None,
    };
    Some(Some(v))
}

const PEER_VARS: &[&str] = &[
    "srcadr",
    "srcport",
    "srchost",
    "dstadr",
    "dstport",
    "leap",
    "hmode",
    "stratum",
    "ppoll",
    "hpoll",
    "precision",
    "rootdelay",
    "rootdisp",
    "refid",
    "reftime",
    "rec",
    "xmt",
    "reach",
    "unreach",
    "delay",
    "offset",
    "jitter",
    "dispersion",
    "keyid",
    "flash",
];
const PEER_VARS_OTHER: &[&str] = &[
    "config",
    "authenable",
    "authentic",
    "pmode",
    "headway",
    "filtdelay",
    "filtoffset",
    "filtdisp",
    "bias",
    "ttl",
    "flags",
    "mode",
    "ntscookies",
    "timer",
    "org",
    "bogusorg",
    "hostname",
    "xleave",
    "ident",
    "verifies",
];

fn peer_var(ctx: &Context<'_>, p: &PeerVars, name: &str) -> Option<Option<String>> {
    let v = match name {
        "srcadr" => addr_text(p.srcadr),
        "srcport" => p.srcadr.port().to_string(),
        "srchost" => return Some(p.srchost.as_deref().map(quoted)),
        "dstadr" => p.dstadr.map(addr_text).unwrap_or_else(|| "0.0.0.0".into()),
        "dstport" => p.dstadr.map(|a| a.port()).unwrap_or(0).to_string(),
        "leap" => p.leap.bits().to_string(),
        "hmode" => p.hmode.to_string(),
        "stratum" => p.stratum.to_string(),
        "ppoll" => p.ppoll.0.to_string(),
        "hpoll" => p.hpoll.0.to_string(),
        "precision" => p.precision.0.to_string(),
        "rootdelay" => ms(p.root_delay),
        "rootdisp" => ms(p.root_dispersion),
        // A reference clock's refid is always text (ntpd's FLAG_REFCLOCK case).
        "refid" if p.refclock.is_some() => refid_text(p.refid),
        "refid" => refid_var(p.refid, p.stratum),
        "reftime" => ts(p.reftime),
        "rec" => ts(p.rec),
        "xmt" => ts(p.xmt),
        "reach" => format!("0x{:x}", p.reach),
        "unreach" => p.unreach.to_string(),
        "delay" => ms6(p.delay),
        "offset" => ms6(p.offset),
        "jitter" => ms6(p.jitter),
        "dispersion" => ms6(p.dispersion),
        "keyid" => p.keyid.to_string(),
        "flash" => "0x0".into(),
        n if PEER_VARS_OTHER.contains(&n) => return Some(None),
        _ => return None,
    };
    let _ = ctx;
    Some(Some(v))
}

fn read_vars(ctx: &Context<'_>, assoc: u16, data: &str) -> Result<Response, ErrorCode> {
    let want = wanted(data);
    let mut text = Text::new(MAX_FRAGMENTS);
    if assoc == 0 {
        let defaults = if ctx.flavor == Flavor::Classic { SYS_VARS_CLASSIC } else { SYS_VARS_NTPSEC };
        let names: Vec<&str> = if want.is_empty() { defaults.to_vec() } else { want.iter().map(String::as_str).collect() };
        // ntpd checks every name before it answers: one unknown name fails the request.
        let mut items = Vec::new();
        for n in names {
            match sys_var(ctx, n) {
                None => return Err(ErrorCode::UnknownVar),
                Some(Some(v)) => items.push(format!("{n}={v}")),
                Some(None) => {}
            }
        }
        items.iter().for_each(|i| {
            text.put(i);
        });
        return Ok(Response::text(system_status(ctx.system, ctx.snapshot), text.finish()));
    }
    let Some(p) = ctx.snapshot.peers.iter().find(|p| p.assoc_id == assoc) else { return Err(ErrorCode::BadAssoc) };
    let names: Vec<&str> = if want.is_empty() { PEER_VARS.to_vec() } else { want.iter().map(String::as_str).collect() };
    let mut items = Vec::new();
    for n in names {
        match peer_var(ctx, p, n) {
            None => return Err(ErrorCode::UnknownVar),
            Some(Some(v)) => items.push(format!("{n}={v}")),
            Some(None) => {}
        }
    }
    items.iter().for_each(|i| {
        text.put(i);
    });
    Ok(Response::text(p.status_word(), text.finish()))
}

fn read_clock(ctx: &Context<'_>, assoc: u16, data: &str) -> Result<Response, ErrorCode> {
    // Association 0 means the system peer, when that is a reference clock.
    let id = if assoc == 0 { ctx.snapshot.sys_peer.ok_or(ErrorCode::BadAssoc)? } else { assoc };
    let p = ctx.snapshot.peers.iter().find(|p| p.assoc_id == id).ok_or(ErrorCode::BadAssoc)?;
    let rc = p.refclock.as_ref().ok_or(ErrorCode::BadAssoc)?;
    let all = [
        ("type", rc.kind.to_string()),
        ("timecode", "\"\"".to_string()),
        ("poll", rc.polls.to_string()),
        ("noreply", "0".into()),
        ("badformat", "0".into()),
        ("baddata", "0".into()),
        ("fudgetime1", "0.000".into()),
        ("fudgetime2", "0.000".into()),
        ("stratum", rc.stratum.to_string()),
        ("refid", refid_text(rc.refid)),
        ("flags", "0".into()),
        ("device", quoted(&rc.device)),
    ];
    let want = wanted(data);
    let mut text = Text::new(MAX_FRAGMENTS);
    if want.is_empty() {
        all.iter().for_each(|(n, v)| {
            text.put(&format!("{n}={v}"));
        });
    } else {
        let mut items = Vec::new();
        for w in &want {
            let (n, v) = all.iter().find(|(n, _)| n == w).ok_or(ErrorCode::UnknownVar)?;
            items.push(format!("{n}={v}"));
        }
        items.iter().for_each(|i| {
            text.put(i);
        });
    }
    let clock_status = 0u16; // CTL_CLK_OKAY, no events
    Ok(Response::text(clock_status, text.finish()))
}

// ---- nonce and MRU list ------------------------------------------------------------------

/// A 32-bit tag binding (source address, timestamp) under the server's secret: SHA-1 over
/// key ‖ address ‖ timestamp, as ntpd's `derive_nonce` does with MD5 and a rotating salt.
fn derive_nonce(key: u64, src: IpAddr, t: NtpTimestamp) -> u32 {
    use sha1::Digest;
    let mut h = sha1::Sha1::new();
    h.update(key.to_be_bytes());
    match src {
        IpAddr::V4(a) => h.update(a.octets()),
        IpAddr::V6(a) => h.update(a.octets()),
    }
    h.update(t.to_bits().to_be_bytes());
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn nonce(ctx: &Context<'_>) -> String {
    let t = ctx.rx_time;
    format!("{:08x}{:08x}{:08x}", t.seconds(), t.fraction(), derive_nonce(ctx.nonce_key, ctx.src.ip(), t))
}

fn nonce_valid(ctx: &Context<'_>, n: &str) -> bool {
    if n.len() != 24 || !n.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let p = |r: std::ops::Range<usize>| u32::from_str_radix(&n[r], 16).ok();
    let (Some(s), Some(f), Some(tag)) = (p(0..8), p(8..16), p(16..24)) else { return false };
    let t = NtpTimestamp::new(s, f);
    let age = ctx.rx_time.seconds().wrapping_sub(s);
    tag == derive_nonce(ctx.nonce_key, ctx.src.ip(), t) && age < NONCE_LIFETIME_SECS
}

fn mru_time(ctx: &Context<'_>, mono_ns: u64) -> NtpTimestamp {
    ctx.mru_epoch.add_duration(NtpDuration::from_secs_f64(mono_ns as f64 / 1e9))
}

/// `a.b.c.d:port` / `[v6]:port`, as ntpd's `sptoa`.
fn sptoa(ip: IpAddr, port: u16) -> String {
    SocketAddr::new(ip, port).to_string()
}

fn parse_hex_ts(v: &str) -> Option<NtpTimestamp> {
    let v = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X"))?;
    let (s, f) = v.split_once('.')?;
    Some(NtpTimestamp::new(u32::from_str_radix(s, 16).ok()?, u32::from_str_radix(f, 16).ok()?))
}

fn parse_num(v: &str) -> Option<u32> {
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}

/// READ_MRU (ntpd's `read_mru_list`). `None`: no (valid) nonce, so no answer.
fn read_mru(ctx: &Context<'_>, data: &str) -> Option<Result<Response, ErrorCode>> {
    let mut nonce_ok = false;
    let (mut frags, mut limit, mut mincount, mut resall, mut resany, mut maxlstint) = (0u32, 0u32, 0u32, 0u32, 0u32, 0u32);
    let mut priors: Vec<(Option<NtpTimestamp>, Option<SocketAddr>)> = Vec::new();
    let mut bad = false;
    for (name, value) in codec::parse_vars(data) {
        let num = || parse_num(&value);
        match name.as_str() {
            "nonce" => nonce_ok = nonce_valid(ctx, &value),
            "frags" => {
                frags = num().unwrap_or_else(|| {
                    bad = true;
                    0
                })
            }
            "limit" => {
                limit = num().unwrap_or_else(|| {
                    bad = true;
                    0
                })
            }
            "mincount" => mincount = num().unwrap_or(0),
            "resall" => resall = num().unwrap_or(0),
            "resany" => resany = num().unwrap_or(0),
            "maxlstint" => maxlstint = num().unwrap_or(0),
            n => {
                let idx = |p: &str| n.strip_prefix(p).and_then(|i| i.parse::<usize>().ok()).filter(|&i| i < 64);
                if let Some(i) = idx("last.") {
                    if priors.len() <= i {
                        priors.resize(i + 1, (None, None));
                    }
                    priors[i].0 = parse_hex_ts(&value);
                } else if let Some(i) = idx("addr.") {
                    if priors.len() <= i {
                        priors.resize(i + 1, (None, None));
                    }
                    priors[i].1 = value.parse().ok();
                }
                // Anything else (laddr=, sort=, recent=, …) is ignored, as ntpd ignores
                // unknown items.
            }
        }
    }
    if !nonce_ok {
        return None;
    }
    if bad || (frags == 0 && !(0 < limit && limit <= MRU_ROW_LIMIT)) || frags > MRU_FRAGS_LIMIT {
        return Some(Err(ErrorCode::BadValue));
    }
    let max_frags = if frags == 0 { MAX_FRAGMENTS } else { (frags as usize).min(MAX_FRAGMENTS) };
    let limit = if limit == 0 { u32::MAX } else { limit };
    // Oldest first.
    let entries: Vec<&MonEntry> = ctx.mru.entries().collect();
    let mut start = entries.len(); // index into entries (newest first) of the first row to send + 1
    let mut text = Text::new(max_frags);
    let priors: Vec<(NtpTimestamp, SocketAddr)> = priors.into_iter().filter_map(|(t, a)| Some((t?, a?))).collect();
    if !priors.is_empty() {
        let found = priors
            .iter()
            .find_map(|(t, a)| entries.iter().position(|e| e.addr == a.ip() && e.port == a.port() && mru_time(ctx, e.last) == *t));
        let Some(pos) = found else { return Some(Err(ErrorCode::UnknownVar)) };
        let e = entries[pos];
        text.put(&format!("last.older={}", ts(mru_time(ctx, e.last))));
        text.put(&format!("addr.older={}", sptoa(e.addr, e.port)));
        // The next newer entry, unless limit=1 asks for this one.
        start = if limit > 1 { pos } else { pos + 1 };
    }
    text.put(&format!("nonce={}", nonce(ctx)));
    let now_wall = ctx.rx_time;
    let mut count = 0u32;
    let mut last_sent = None;
    let mut i = start;
    let mut complete = true;
    while i > 0 {
        let e = entries[i - 1];
        if count >= limit {
            complete = false;
            break;
        }
        i -= 1;
        let last = mru_time(ctx, e.last);
        if e.count < mincount
            || (resall != 0 && resall & e.flags.0 != resall)
            || (resany != 0 && resany & e.flags.0 == 0)
            || (maxlstint > 0 && now_wall.seconds().wrapping_sub(last.seconds()) > maxlstint)
        {
            continue;
        }
        let mut row = vec![
            format!("addr.{count}={}", sptoa(e.addr, e.port)),
            format!("last.{count}={}", ts(last)),
            format!("first.{count}={}", ts(mru_time(ctx, e.first))),
            format!("ct.{count}={}", e.count),
            format!("mv.{count}={}", e.vn_mode),
            format!("rs.{count}=0x{:x}", e.flags.0),
        ];
        if ctx.flavor == Flavor::Ntpsec {
            row.push(format!("sc.{count}={:.3}", e.score));
            row.push(format!("dr.{count}={}", e.dropped));
        }
        // A row goes out whole or not at all.
        let mut probe = Text { frags: text.frags.clone(), line: text.line, max_frags: text.max_frags, full: false };
        if !row.iter().all(|r| probe.put(r)) {
            complete = false;
            i += 1;
            break;
        }
        text = probe;
        count += 1;
        last_sent = Some(last);
    }
    if complete && i == 0 {
        text.put(&format!("now={}", ts(now_wall)));
        if let Some(l) = last_sent {
            text.put(&format!("last.newest={}", ts(l)));
        }
    }
    Some(Ok(Response::text(system_status(ctx.system, ctx.snapshot), text.finish())))
}

#[cfg(test)]
mod tests;

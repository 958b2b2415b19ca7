//! Applying parsed commands to the model, with the checks ntpd makes while doing so (the
//! association option checks of `create_peer_node`, fudge targets, trusted keys, restrict
//! addresses and masks, …). What makes a line invalid is reported here (NTP1xx); what is valid
//! but unwise belongs to the lint rules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Dialect;
use super::model::*;
use super::parser::Cmd;
use crate::diagnostic::{Code, DaemonEffect, Diagnostic, Edit, Fix, Phase, Safety, Severity};
use crate::source::Span;

/// Strict numeric address test (ntpd's `is_ip_address`): dotted quad via inet_pton, or an IPv6
/// literal, optionally in brackets and with a `%scope`.
pub fn numeric_address(text: &str) -> Option<IpAddr> {
    if let Ok(v4) = text.parse::<Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    let t = text.strip_prefix('[').map(|r| r.split(']').next().unwrap_or(r)).unwrap_or(text);
    let t = t.split('%').next().unwrap_or(t);
    t.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// Is this a reference-clock pseudo-address (127.127.t.u)?
pub fn refclock_address(text: &str) -> Option<(u8, u8)> {
    match text.parse::<Ipv4Addr>() {
        Ok(a) if a.octets()[0] == 127 && a.octets()[1] == 127 => Some((a.octets()[2], a.octets()[3])),
        _ => None,
    }
}

fn assoc_int(o: &AssocOption) -> Option<i64> {
    match o {
        AssocOption::Int { value, .. } => Some(*value),
        _ => None,
    }
}

/// Add one command to the model (in file order, as ntpd's grammar actions do).
pub fn apply(cfg: &mut Config, cmd: Cmd, diags: &mut Vec<Diagnostic>) {
    let d = cfg.dialect;
    match cmd {
        Cmd::Assoc(a) => {
            if accept_association(&a, d, diags) {
                cfg.associations.push(a);
            }
        }
        Cmd::Unpeer(u) => cfg.unpeers.push(u),
        Cmd::Restrict(r) => {
            check_restrict(&r, d, diags);
            cfg.restricts.push(r);
        }
        Cmd::Fudge(f) => cfg.fudges.push(f),
        Cmd::Device(x) => cfg.devices.push(x),
        Cmd::Var(v) => cfg.vars.push(v),
        Cmd::Logconfig(v) => cfg.logconfig.extend(v),
        Cmd::Statsdir(s) => cfg.statsdir = Some(s),
        Cmd::Statistics(v) => cfg.statistics.extend(v),
        Cmd::Filegen(f) => cfg.filegens.push(f),
        Cmd::Keys(s) => cfg.auth.keys = Some(s),
        Cmd::Keysdir(s) => cfg.auth.keysdir = Some(s),
        Cmd::Trustedkey(t) => {
            for item in &t.items {
                let (bad, span, msg) = match item {
                    TrustedKeyItem::Key { id, span } => {
                        (!(1..=65535).contains(id), *span, format!("Ignoring invalid trustedkey {id}, min 1 max 65535."))
                    }
                    TrustedKeyItem::Range { first, last, span } => (
                        !(1 <= *first && first <= last && *last <= 65535),
                        *span,
                        format!("Ignoring invalid trustedkey range {first} ... {last}, min 1 max 65535."),
                    ),
                };
                if bad {
                    diags.push(
                        Diagnostic::new(Code::Ntp105, span, msg.clone())
                            .label("ignored by ntpd")
                            .effect(DaemonEffect::PartiallyApplied)
                            .help("key ids are 1..65535; a range needs 1 <= LO <= HI <= 65535")
                            .ntpd(Phase::Config, msg),
                    );
                }
            }
            cfg.auth.trustedkey_lines.push(t);
        }
        Cmd::Controlkey(k) => cfg.auth.controlkey = Some(k),
        Cmd::Requestkey(k) => cfg.auth.requestkey = Some(k),
        Cmd::Revoke(k) => cfg.auth.revoke = Some(k),
        Cmd::Crypto(items, revoke, span) => {
            cfg.auth.crypto_lines.push(span);
            cfg.auth.crypto.extend(items);
            if let Some(r) = revoke {
                cfg.auth.revoke = Some(r);
            }
        }
        Cmd::Ntpsigndsocket(s) => cfg.auth.ntpsigndsocket = Some(s),
        Cmd::Enable(v) => cfg.enable.extend(v),
        Cmd::Disable(v) => cfg.disable.extend(v),
        Cmd::Tos(v) => cfg.tos.extend(v),
        Cmd::Rlimit(v) => cfg.rlimit.extend(v),
        Cmd::Tinker(v) => cfg.tinker.extend(v),
        Cmd::Broadcastclient(s) => cfg.broadcastclient = Some(s),
        Cmd::Manycastserver(v) => cfg.manycastserver.extend(v),
        Cmd::Multicastclient(v) => cfg.multicastclient.extend(v),
        Cmd::Mdnstries(v) => cfg.mdnstries = Some(v),
        Cmd::Mru(v) => cfg.mru.extend(v),
        Cmd::Discard(v) => cfg.discard.extend(v),
        Cmd::Limit(v) => cfg.limit.extend(v),
        Cmd::Pollskewlist(v) => cfg.pollskewlist.extend(v),
        Cmd::Interface(r) => cfg.interface_rules.push(r),
        Cmd::Phone(v) => cfg.phone.extend(v),
        Cmd::Setvar(s) => cfg.setvars.push(s),
        Cmd::Ttl(v) => cfg.ttl.extend(v),
        Cmd::Trap(t) => cfg.traps.push(t),
        Cmd::Reset(v) => cfg.reset.extend(v),
        Cmd::Nts(v) => cfg.nts.extend(v),
        Cmd::Include(..) | Cmd::End(_) | Cmd::Empty => {}
    }
}

/// ntpd's `create_peer_node`: options it refuses drop the whole association.
fn accept_association(a: &Association, d: Dialect, diags: &mut Vec<Diagnostic>) -> bool {
    let is_refclock = refclock_address(&a.address.text).is_some() || a.kind == AssociationKind::Refclock;
    let mut ok = true;
    let drop = |diags: &mut Vec<Diagnostic>, code: Code, o: &AssocOption, msg: String, log: &str| {
        diags.push(
            Diagnostic::new(code, o.span(), msg)
                .label("ntpd drops the association")
                .effect(DaemonEffect::LineIgnored)
                .ntpd(Phase::Config, log.to_string()),
        );
        false
    };
    for o in &a.options {
        let v = assoc_int(o);
        match (o.name(), d) {
            ("minpoll", _) => {
                let v = v.unwrap_or(0) as u32 as i32;
                let (lo, hi) = if d == Dialect::Classic { (3, 255) } else { (0, 17) };
                if v < lo || v > hi {
                    diags.push(
                        Diagnostic::new(
                            Code::Ntp113,
                            o.span(),
                            format!("minpoll {v} is out of range [{lo}-{hi}]: ntpd uses {}", if v < lo { lo } else { hi }),
                        )
                        .label("clamped")
                        .help("poll exponents are log2 seconds; RFC 5905 allows 4..17"),
                    );
                }
            }
            ("maxpoll", _) => {
                let v = v.unwrap_or(0) as u32 as i32;
                if !(0..=17).contains(&v) {
                    diags.push(
                        Diagnostic::new(
                            Code::Ntp113,
                            o.span(),
                            format!("maxpoll {v} is out of range [0-17]: ntpd uses {}", if v < 0 && d == Dialect::Ntpsec { 0 } else { 17 }),
                        )
                        .label("clamped"),
                    );
                }
            }
            ("ttl", Dialect::Classic) => {
                if is_refclock {
                    ok = drop(
                        diags,
                        Code::Ntp112,
                        o,
                        "`ttl` does not apply to reference clocks: ntpd drops this association".into(),
                        "'ttl' does not apply for refclocks",
                    );
                } else if v.unwrap_or(0) as u64 >= 8 {
                    ok = drop(
                        diags,
                        Code::Ntp112,
                        o,
                        "`ttl` must be 0..7 (an index into the `ttl` list): ntpd drops this association".into(),
                        "ttl: invalid argument",
                    );
                }
            }
            ("mode", Dialect::Classic) if !is_refclock => {
                ok = drop(
                    diags,
                    Code::Ntp112,
                    o,
                    "`mode` applies only to reference clocks: ntpd drops this association".into(),
                    "'mode' does not apply for network peers",
                );
            }
            ("key", _) => {
                let k = v.unwrap_or(0) as u64;
                let limit = if d == Dialect::Classic { 0xFFFF_FFFF } else { 65535 };
                if k >= limit {
                    ok = drop(
                        diags,
                        Code::Ntp104,
                        o,
                        format!("key id {k} is out of range: ntpd drops this association"),
                        "key: invalid argument",
                    );
                } else if k > 65535 && d == Dialect::Classic {
                    diags.push(
                        Diagnostic::new(
                            Code::Ntp104,
                            o.span(),
                            format!("key id {k} above 65535 makes classic ntpd treat the association as Autokey"),
                        )
                        .severity(Severity::Warning),
                    );
                }
            }
            ("version", _) => {
                let n = v.unwrap_or(0) as u64;
                if n >= 255 {
                    ok = drop(
                        diags,
                        Code::Ntp116,
                        o,
                        format!("version {n} is out of range: ntpd drops this association"),
                        "version: invalid argument",
                    );
                } else if n == 0 || n > 4 {
                    diags.push(
                        Diagnostic::new(
                            Code::Ntp116,
                            o.span(),
                            format!("version {n} is not an NTP version (1-4); ntpd accepts it silently"),
                        )
                        .severity(Severity::Warning),
                    );
                }
            }
            ("cert", Dialect::Ntpsec) => {
                ok = drop(
                    diags,
                    Code::Ntp112,
                    o,
                    "NTPsec accepts `cert` in the grammar but then drops the association".into(),
                    "Unknown peer/server option token T_Cert",
                );
            }
            _ => {}
        }
    }
    ok
}

fn check_restrict(r: &RestrictEntry, d: Dialect, diags: &mut Vec<Diagnostic>) {
    let RestrictTarget::Address { address, mask } = &r.target else { return };
    if let Some(m) = mask {
        let a = numeric_address(&address.text);
        let mv = numeric_address(&m.text);
        let fam_mismatch = matches!((a, mv), (Some(IpAddr::V4(_)), Some(IpAddr::V6(_))) | (Some(IpAddr::V6(_)), Some(IpAddr::V4(_))));
        if mv.is_none() || fam_mismatch {
            let log = match d {
                Dialect::Classic => format!("restrict: mask '{}' unusable.", m.text),
                Dialect::Ntpsec => format!("restrict: ignoring line, mask '{}' unusable.", m.text),
            };
            diags.push(
                Diagnostic::new(
                    Code::Ntp106,
                    m.span,
                    format!("mask `{}` is not a numeric mask of the address's family: ntpd installs no restriction", m.text),
                )
                .label("unusable mask")
                .effect(DaemonEffect::LineIgnored)
                .help("write the mask as a dotted quad (IPv4) or an IPv6 literal such as ffff:ffff:ffff:ffff::")
                .ntpd(Phase::Config, log),
            );
            return;
        }
    }
    let text = &address.text;
    if let Some((addr, len)) = text.rsplit_once('/') {
        match d {
            Dialect::Classic => {
                if numeric_address(addr).is_some() {
                    diags.push(
                        Diagnostic::new(Code::Ntp106, address.span, format!("classic ntpd does not understand `{text}`: it looks the text up as a host name, fails, and installs no restriction"))
                            .label("CIDR notation is NTPsec-only")
                            .effect(DaemonEffect::LineIgnored)
                            .help(cidr_help(addr, len))
                            .ntpd(Phase::Config, format!("restrict: address/host '{text}' unusable.")),
                    );
                }
            }
            Dialect::Ntpsec => {
                let max = if addr.contains(':') { 128 } else { 32 };
                let n: Option<i64> = len.parse().ok();
                if numeric_address(addr).is_some() && !matches!(n, Some(n) if n > 0 && n <= max) {
                    diags.push(
                        Diagnostic::new(Code::Ntp124, address.span, format!("NTPsec ignores the prefix length of `{text}` and installs a single-host entry for {addr}"))
                            .label("prefix dropped")
                            .help("use a prefix length 1..32 (IPv4) or 1..128 (IPv6); for everyone use `restrict -4 default` / `restrict -6 default`"),
                    );
                }
            }
        }
    }
}

fn cidr_help(addr: &str, len: &str) -> String {
    match (addr.parse::<Ipv4Addr>(), len.parse::<u8>()) {
        (Ok(_), Ok(l)) if l <= 32 => {
            let m: u32 = if l == 0 { 0 } else { u32::MAX << (32 - l) };
            format!("write `restrict {addr} mask {}`", Ipv4Addr::from(m))
        }
        _ => "write the network with `mask`".into(),
    }
}

/// Driver names of `refclock` in Debian's NTPsec 1.2.2 build (matched case-insensitively).
pub const NTPSEC_DRIVERS: &[&str] =
    &["local", "spectracom", "generic", "arbiter", "nmea", "pps", "hpgps", "shm", "trimble", "jjy", "zyfer"];
/// Driver types of `server 127.127.T.U` in Debian's NTPsec 1.2.2 build.
pub const NTPSEC_TYPES: &[u8] = &[1, 4, 8, 11, 20, 22, 26, 28, 29, 40, 42];
/// Driver types classic ntpd 4.2.8p18 knows (availability depends on the build).
pub const CLASSIC_TYPES: &[u8] = &[
    1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 21, 22, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
    43, 44, 45, 46,
];

/// Checks over the whole model, after every file is read.
pub fn check(cfg: &Config, diags: &mut Vec<Diagnostic>) {
    semantic(cfg, diags);
    let d = cfg.dialect;
    let mut fatal_seen = diags.iter().any(|x| x.code == Code::Ntp120);
    for f in &cfg.fudges {
        if refclock_address(&f.address.text).is_none() {
            let numeric = numeric_address(&f.address.text).is_some();
            let log = if numeric || d == Dialect::Ntpsec {
                format!("inappropriate address {} for the fudge command, line ignored", f.address.text)
            } else {
                format!("unrecognized fudge reference clock address {}, line ignored", f.address.text)
            };
            diags.push(
                Diagnostic::new(
                    Code::Ntp114,
                    f.address.span,
                    format!("`{}` is not a reference clock address (127.127.t.u): ntpd ignores this fudge line", f.address.text),
                )
                .label("not 127.127.t.u")
                .effect(DaemonEffect::LineIgnored)
                .ntpd(Phase::Config, log),
            );
        }
    }
    for a in &cfg.associations {
        if a.kind == AssociationKind::Refclock {
            let name = a.address.text.to_ascii_lowercase();
            // NTPsec exits at the first unknown driver: later lines are never read.
            if !NTPSEC_DRIVERS.contains(&name.as_str()) && !fatal_seen {
                diags.push(
                    Diagnostic::new(
                        Code::Ntp120,
                        a.address.span,
                        format!("unknown refclock driver `{}`: NTPsec exits while reading the configuration", a.address.text),
                    )
                    .label("unknown driver")
                    .effect(DaemonEffect::LineIgnored)
                    .help(format!("Debian's NTPsec has the drivers {}", NTPSEC_DRIVERS.join(", ")))
                    .ntpd(Phase::Parse, format!("Unknown driver name {}", a.address.text)),
                );
                fatal_seen = true;
            }
            continue;
        }
        if let Some((t, _)) = refclock_address(&a.address.text) {
            let known = match d {
                Dialect::Classic => CLASSIC_TYPES.contains(&t),
                Dialect::Ntpsec => NTPSEC_TYPES.contains(&t),
            };
            if !known {
                diags.push(
                    Diagnostic::new(
                        Code::Ntp114,
                        a.address.span,
                        format!("there is no reference clock driver of type {t}: ntpd ignores this association"),
                    )
                    .label("unknown clock type")
                    .effect(DaemonEffect::LineIgnored)
                    .ntpd(Phase::Config, format!("refclock_newpeer: clock type {t} invalid")),
                );
            }
            continue;
        }
        if let Some(ip) = numeric_address(&a.address.text) {
            let bad = refused_association_address(a.kind, ip);
            let fam_conflict = matches!((ip, a.address.family), (IpAddr::V4(_), Some(Family::Ipv6)) | (IpAddr::V6(_), Some(Family::Ipv4)));
            if bad {
                diags.push(
                    Diagnostic::new(Code::Ntp111, a.address.span, format!("ntpd refuses an association with {}", a.address.text))
                        .label("invalid association address")
                        .effect(DaemonEffect::LineIgnored)
                        .ntpd(Phase::Config, format!("attempt to configure invalid address {}", a.address.text)),
                );
            } else if fam_conflict {
                diags.push(
                    Diagnostic::new(
                        Code::Ntp111,
                        a.address.span,
                        format!("`{}` with the other family's qualifier is looked up as a host name and never resolves", a.address.text),
                    )
                    .label("family conflict")
                    .effect(DaemonEffect::LineIgnored),
                );
            }
        }
    }
}

/// Does ntpd refuse an association of this kind with this (numeric, non-refclock) address?
/// 127.x other than 127.0.0.1, the unspecified address, multicast except for `broadcast` and
/// `manycastclient`, and a `manycastclient` address that is not multicast. The loader reports
/// it (NTP111); `serve` mobilises nothing for it, as ntpd.
pub fn refused_association_address(kind: AssociationKind, ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            let loop127 = o[0] == 127 && o[1] != 127 && v4 != Ipv4Addr::LOCALHOST;
            let mc = v4.is_multicast();
            loop127
                || v4.is_unspecified()
                || (mc && kind != AssociationKind::Manycastclient && kind != AssociationKind::Broadcast)
                || (!mc && kind == AssociationKind::Manycastclient)
        }
        IpAddr::V6(v6) => {
            v6.is_unspecified() || (v6.is_multicast() && kind != AssociationKind::Manycastclient && kind != AssociationKind::Broadcast)
        }
    }
}

/// `inet_aton`'s reading of a dotted address (what the resolver makes of a numeric-looking
/// host name): 1 to 4 parts, each decimal, octal (leading `0`) or hex (`0x`); the last part
/// fills the remaining bytes.
pub fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut vals = Vec::with_capacity(4);
    for p in &parts {
        let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            if h.is_empty() || !h.bytes().all(|c| c.is_ascii_hexdigit()) || h.len() > 8 {
                return None;
            }
            u64::from_str_radix(h, 16).ok()?
        } else if p.len() > 1 && p.starts_with('0') {
            if !p.bytes().all(|c| (b'0'..=b'7').contains(&c)) || p.len() > 12 {
                return None;
            }
            u64::from_str_radix(p, 8).ok()?
        } else {
            if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) || p.len() > 10 {
                return None;
            }
            p.parse::<u64>().ok()?
        };
        vals.push(v);
    }
    let n = vals.len();
    let last_bits = 8 * (5 - n) as u32;
    let mut out: u64 = 0;
    for (i, v) in vals.iter().enumerate() {
        if i + 1 < n {
            if *v > 255 {
                return None;
            }
            out |= v << (24 - 8 * i);
        } else {
            if *v >= (1u64 << last_bits) {
                return None;
            }
            out |= v;
        }
    }
    Some(Ipv4Addr::from(out as u32))
}

/// NTP110: a digits-and-dots address that is not a strict dotted quad, but that the resolver
/// still reads as an IPv4 address (a different one than it seems).
fn legacy_ipv4(a: &Address, diags: &mut Vec<Diagnostic>) {
    let t = &a.text;
    // With `-6` the resolver looks for IPv6 only: no IPv4 reading at all.
    if a.family == Some(Family::Ipv6)
        || !t.bytes().any(|c| c.is_ascii_digit())
        || !t.bytes().all(|c| c.is_ascii_hexdigit() || c == b'.' || c == b'x' || c == b'X')
        || t.parse::<Ipv4Addr>().is_ok()
    {
        return;
    }
    let Some(v4) = inet_aton(t) else { return };
    let mut d = Diagnostic::new(
        Code::Ntp110,
        a.span,
        format!("`{t}` is not a dotted quad: ntpd hands it to the resolver, which reads it as {v4}"),
    )
    .label(format!("means {v4}"))
    .help("a leading 0 makes a part octal, and missing parts fill the last bytes (`10.1` is 10.0.0.1); write the address as four decimal parts");
    if a.family.is_none() && a.span.end - a.span.start == t.len() {
        d = d.fix(Fix {
            description: format!("write `{v4}`"),
            edits: vec![Edit { span: a.span, replacement: v4.to_string() }],
            safety: Safety::Safe,
        });
    }
    diags.push(d);
}

/// Span of the address text alone (without a `-4`/`-6` qualifier), when it can be told.
fn bare_span(a: &Address) -> Option<Span> {
    let len = a.span.end - a.span.start;
    // With a `-4`/`-6` qualifier the span starts at the qualifier; without the source text the
    // address part cannot be told safely, so no edit is offered then.
    if len == a.text.len() && a.family.is_none() { Some(a.span) } else { None }
}

fn mask_bits(m: IpAddr) -> (u128, u32) {
    match m {
        IpAddr::V4(v) => (u32::from(v) as u128, 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    }
}

fn is_contiguous(bits: u128, width: u32) -> bool {
    let full: u128 = if width == 128 { u128::MAX } else { (1u128 << width) - 1 };
    let inv = !bits & full;
    // The zero bits must be a suffix: inv + 1 is a power of two.
    inv & inv.wrapping_add(1) == 0
}

fn ip_from_bits(bits: u128, width: u32) -> IpAddr {
    if width == 32 { IpAddr::V4(Ipv4Addr::from(bits as u32)) } else { IpAddr::V6(Ipv6Addr::from(bits)) }
}

/// NTP107, NTP108, NTP109 on one restrict line.
fn restrict_masks(r: &RestrictEntry, d: Dialect, diags: &mut Vec<Diagnostic>) {
    let RestrictTarget::Address { address, mask } = &r.target else { return };
    if r.action == RestrictAction::Delrestrict {
        return;
    }
    legacy_ipv4(address, diags);
    // NTPsec CIDR: ADDR/LEN with a usable length acts as a mask.
    let (text, cidr) = match (d, address.text.rsplit_once('/')) {
        (Dialect::Ntpsec, Some((a, l))) => {
            let max = if a.contains(':') { 128 } else { 32 };
            match l.parse::<i64>() {
                Ok(n) if n > 0 && n <= max => (a, Some(n as u32)),
                _ => return,
            }
        }
        (_, Some(_)) => return,
        _ => (address.text.as_str(), None),
    };
    let Some(ip) = numeric_address(text) else { return };
    let (abits, width) = mask_bits(ip);
    let full: u128 = if width == 128 { u128::MAX } else { (1u128 << width) - 1 };
    let m: Option<(u128, Span, String)> = if let Some(n) = cidr {
        Some(((full << (width - n)) & full, address.span, format!("/{n}")))
    } else if let Some(m) = mask {
        match numeric_address(&m.text) {
            Some(mip) if matches!((ip, mip), (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_))) => {
                Some((mask_bits(mip).0, m.span, format!("mask {}", m.text)))
            }
            _ => return, // NTP106 already.
        }
    } else {
        None
    };
    match m {
        Some((mbits, mspan, mtext)) => {
            if mask.is_some() && !is_contiguous(mbits, width) {
                diags.push(
                    Diagnostic::new(Code::Ntp108, mspan, format!("`{mtext}` is not a contiguous mask (its one-bits are not a prefix)"))
                        .label("non-contiguous")
                        .help("ntpd accepts it, but sorts entries by numeric address and mask, not by prefix length, so which entry a host matches is hard to predict; use a prefix mask such as 255.255.255.0"),
                );
            }
            let host = abits & !mbits & full;
            if host != 0 {
                let net = ip_from_bits(abits & mbits, width);
                let mut dg = Diagnostic::new(
                    Code::Ntp107,
                    address.span,
                    format!("`{text}` has bits outside `{mtext}`: ntpd stores {net}, so the entry covers the whole network, not this host"),
                )
                .label(format!("ntpd uses {net}"))
                .help("write the network address, or drop the mask for a single-host entry");
                if cidr.is_none()
                    && let Some(sp) = bare_span(address)
                {
                    dg = dg.fix(Fix {
                        description: format!("write the network address `{net}`"),
                        edits: vec![Edit { span: sp, replacement: net.to_string() }],
                        safety: Safety::Safe,
                    });
                }
                diags.push(dg);
            }
        }
        None => {
            // A host entry for an address that looks like a network.
            let suggestion = match ip {
                IpAddr::V4(v4) => {
                    let o = v4.octets();
                    // 127.127.t.0 is unit 0 of a reference clock, a host by design.
                    if o[3] != 0 || refclock_address(text).is_some() {
                        return;
                    }
                    let zeros = o.iter().rev().take_while(|b| **b == 0).count();
                    let m: u32 = if zeros >= 4 { 0 } else { u32::MAX << (8 * zeros) };
                    Ipv4Addr::from(m).to_string()
                }
                IpAddr::V6(v6) => {
                    if !text.ends_with("::") {
                        return;
                    }
                    let seg = v6.segments();
                    let zeros = seg.iter().rev().take_while(|s| **s == 0).count();
                    let m: u128 = if zeros >= 8 { 0 } else { u128::MAX << (16 * zeros) };
                    Ipv6Addr::from(m).to_string()
                }
            };
            let mut dg = Diagnostic::new(
                Code::Ntp109,
                address.span,
                format!("`{text}` without a mask is a single-host entry: it matches only the host {text}, not the network"),
            )
            .label("host entry")
            .help(format!(
                "ntpd's mask defaults to all ones; if a network is meant, add `mask {suggestion}`{}",
                if suggestion == "0.0.0.0" || suggestion == "::" { " (or use `restrict -4 default` / `restrict -6 default`)" } else { "" }
            ));
            dg = dg.fix(Fix {
                description: format!("add `mask {suggestion}`"),
                edits: vec![Edit {
                    span: Span::new(address.span.file, address.span.end, address.span.end),
                    replacement: format!(" mask {suggestion}"),
                }],
                safety: Safety::Unsafe,
            });
            diags.push(dg);
        }
    }
}

/// Key of a restrict entry for merging: lines with the same key OR their flags together.
fn restrict_key(r: &RestrictEntry) -> String {
    match &r.target {
        RestrictTarget::Default { family } => format!("default {family:?}"),
        RestrictTarget::Source { .. } => "source".into(),
        RestrictTarget::Address { address, mask } => {
            format!("{} {:?} {}", address.text, address.family, mask.as_ref().map(|m| m.text.as_str()).unwrap_or(""))
        }
    }
}

/// The address as ntpd names it in the `kod` warning.
fn kod_where(r: &RestrictEntry) -> String {
    match &r.target {
        RestrictTarget::Default { family: None } => "default".into(),
        RestrictTarget::Default { family: Some(Family::Ipv4) } => "0.0.0.0".into(),
        RestrictTarget::Default { family: Some(Family::Ipv6) } => "::".into(),
        RestrictTarget::Source { .. } => "source".into(),
        RestrictTarget::Address { address, .. } => address.text.clone(),
    }
}

/// `printf("%g")` for the values ntpd prints that way.
fn c_g(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e6 {
        return format!("{}", v as i64);
    }
    let e = format!("{v:e}");
    match e.split_once('e') {
        Some((m, x)) => {
            let x: i32 = x.parse().unwrap_or(0);
            let m: f64 = m.parse().unwrap_or(0.0);
            if (-5..6).contains(&x) {
                let s = format!("{v:.6}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                let ms = format!("{m:.5}");
                let ms = ms.trim_end_matches('0').trim_end_matches('.');
                format!("{ms}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
            }
        }
        None => e,
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::Int(i) => Some(*i as f64),
        Value::Str(_) => None,
    }
}

/// The configuration-time checks ntpd makes on the whole tree (restrict flags, tos, tinker,
/// enable/disable, logconfig, phone, ttl, fudge, keys), after every file is read.
fn semantic(cfg: &Config, diags: &mut Vec<Diagnostic>) {
    let d = cfg.dialect;
    let classic = d == Dialect::Classic;

    // --- restrict: kod without limited (NTP101), masks (NTP107-109), classic `epeer` (NTP120).
    let limited_keys: std::collections::HashSet<String> =
        cfg.restricts.iter().filter(|o| o.action == RestrictAction::Restrict && o.has_flag("limited")).map(restrict_key).collect();
    for r in &cfg.restricts {
        restrict_masks(r, d, diags);
        if r.action != RestrictAction::Restrict {
            continue;
        }
        if let Some(kod) = r.flags.iter().find(|f| f.value == "kod")
            && !r.has_flag("limited")
        {
            let w = kod_where(r);
            let log = match d {
                Dialect::Classic => format!("restrict {w}: 'kod' does nothing without 'limited'."),
                Dialect::Ntpsec => format!("restrict {w}: KOD does nothing without LIMITED."),
            };
            let merged = limited_keys.contains(&restrict_key(r));
            let builtin = d == Dialect::Ntpsec && matches!(r.target, RestrictTarget::Default { .. });
            let mut dg = Diagnostic::new(
                Code::Ntp101,
                kod.span,
                "`kod` without `limited` on this line: ntpd sends a KoD only to clients that `limited` rate-limits",
            )
            .label("no effect without `limited`")
            .ntpd(Phase::Config, log);
            if merged || builtin {
                dg = dg.severity(Severity::Info).help(if merged {
                    "another line for the same entry adds `limited`, so the merged entry works; ntpd still warns because it checks each line on its own; put `limited` on this line to silence it"
                } else {
                    "NTPsec's default entry has `limited` built in, so KoD does work here; ntpd still warns because it checks each line on its own"
                });
            } else {
                dg = dg.help("add `limited` (then rate limiting applies to these hosts), or drop `kod`").fix(Fix {
                    description: "add `limited`".into(),
                    edits: vec![Edit { span: Span::new(kod.span.file, kod.span.end, kod.span.end), replacement: " limited".into() }],
                    safety: Safety::Unsafe,
                });
            }
            diags.push(dg);
        }
    }
    if classic {
        // config_access() has no case for `epeer`: ntpd logs at LOG_EMERG and exits.
        let epeer =
            cfg.restricts.iter().filter(|r| r.action == RestrictAction::Restrict).flat_map(|r| r.flags.iter()).find(|f| f.value == "epeer");
        // config_fudge() has no case for `abbrev` either (it runs later, after config_access).
        let abbrev = cfg
            .fudges
            .iter()
            .filter(|f| refclock_address(&f.address.text).is_some())
            .flat_map(|f| f.options.iter())
            .find(|o| o.name == "abbrev");
        if let Some(e) = epeer {
            diags.push(
                Diagnostic::new(Code::Ntp120, e.span, "classic ntpd 4.2.8p18 accepts `epeer` in the grammar, then exits while applying it")
                    .label("ntpd exits here")
                    .effect(DaemonEffect::LineIgnored)
                    .help("remove `epeer` (ephemeral peers are allowed unless `noepeer` is given)")
                    .ntpd(Phase::Config, "config_access: Unknown flag-type-token=epeer/299"),
            );
        } else if let Some(a) = abbrev {
            let addr =
                cfg.fudges.iter().find(|f| f.options.iter().any(|o| o.span == a.span)).map(|f| f.address.text.clone()).unwrap_or_default();
            diags.push(
                Diagnostic::new(
                    Code::Ntp120,
                    a.span,
                    "classic ntpd 4.2.8p18 accepts `fudge … abbrev` in the grammar, then exits while applying it",
                )
                .label("ntpd exits here")
                .effect(DaemonEffect::LineIgnored)
                .help("remove the `abbrev` option")
                .ntpd(Phase::Config, format!("Unexpected fudge flag T_Abbrev (258) for {addr}")),
            );
        }
    }

    for a in cfg.associations.iter().filter(|a| a.kind != AssociationKind::Refclock) {
        legacy_ipv4(&a.address, diags);
    }

    // --- keys (NTP102, NTP103).
    let trusted = cfg.auth.effective_trustedkeys(d);
    let mut trusted_ids = std::collections::HashSet::new();
    let mut trusted_ranges = Vec::new();
    for t in &trusted {
        match t {
            TrustedKeyItem::Key { id, .. } if (1..=65535).contains(id) => {
                trusted_ids.insert(*id as i64);
            }
            TrustedKeyItem::Range { first, last, .. } if 1 <= *first && first <= last && *last <= 65535 => {
                trusted_ranges.push(*first as i64..=*last as i64);
            }
            _ => {}
        }
    }
    let is_trusted = |k: i64| trusted_ids.contains(&k) || trusted_ranges.iter().any(|r| r.contains(&k));
    let mut uses: Vec<(i64, Span, String)> = Vec::new();
    for a in &cfg.associations {
        if refclock_address(&a.address.text).is_some() || a.kind == AssociationKind::Refclock {
            continue;
        }
        for o in &a.options {
            if let AssocOption::Int { name, value, span } = o
                && name == "key"
                && *value != 0
                && *value <= 65535
            {
                uses.push((*value, *span, format!("{} {}", a.kind.keyword(), a.address.text)));
            }
        }
    }
    if let Some(k) = &cfg.auth.controlkey
        && k.value != 0
    {
        uses.push((k.value as i64, k.span, "controlkey".into()));
    }
    if let Some(k) = &cfg.auth.requestkey {
        // NTPsec ignores requestkey (no mode 7).
        if classic && k.value != 0 {
            uses.push((k.value as i64, k.span, "requestkey".into()));
        }
    }
    let last_tk = cfg.auth.trustedkey_lines.last();
    for (k, span, who) in &uses {
        if is_trusted(*k) {
            continue;
        }
        let why = match (d, cfg.auth.trustedkey_lines.len()) {
            (_, 0) => "there is no `trustedkey` line".to_string(),
            (Dialect::Classic, n) if n > 1 && cfg.auth.trustedkey_lines.iter().any(|l| l.items.iter().any(|i| item_has(i, *k))) => {
                "classic ntpd keeps only the last `trustedkey` line, and that one does not list it".to_string()
            }
            _ => "no `trustedkey` line lists it".to_string(),
        };
        let consequence = if who == "controlkey" {
            "ntpq cannot authenticate with it (runtime configuration is refused)"
        } else if who == "requestkey" {
            "ntpdc cannot authenticate with it"
        } else {
            "packets signed with it never authenticate, so this source is unusable"
        };
        let mut dg = Diagnostic::new(Code::Ntp102, *span, format!("key {k} ({who}) is not a trusted key: {why}"))
            .label("not trusted")
            .help(format!("ntpd treats an untrusted key as missing: {consequence}; add {k} to the `trustedkey` line"));
        if let Some(l) = last_tk {
            dg = dg.fix(Fix {
                description: format!("add {k} to the last `trustedkey` line"),
                edits: vec![Edit { span: Span::new(l.span.file, l.span.end, l.span.end), replacement: format!(" {k}") }],
                safety: Safety::Safe,
            });
        }
        diags.push(dg);
    }
    if cfg.auth.keys.is_none() {
        let mut first: Option<(Span, String)> = uses.first().map(|(_, s, w)| (*s, w.clone()));
        if let Some(l) = cfg.auth.trustedkey_lines.first()
            && first.as_ref().is_none_or(|(s, _)| (l.span.file, l.span.start) < (s.file, s.start))
        {
            first = Some((l.span, "trustedkey".into()));
        }
        if let Some((span, who)) = first {
            diags.push(
                Diagnostic::new(Code::Ntp103, span, format!("`{who}` uses symmetric keys, but no `keys` file is named"))
                    .label("no key material")
                    .help("without `keys PATH` (or ntpd's `-k PATH`) no key is loaded and every authenticated association fails; add e.g. `keys /etc/ntp.keys`"),
            );
        }
    }

    // --- tos (NTP117).
    tos_checks(cfg, diags);

    // --- tinker (NTP118).
    let drift = cfg.vars.iter().rev().find(|v| v.name == "driftfile").is_some_and(|v| v.value != Value::Str(String::new()));
    for t in &cfg.tinker {
        let v = t.value;
        let msg: Option<(String, Severity)> = match t.name.as_str() {
            "step" if v == 0.0 => Some((
                "`tinker step 0`: ntpd never steps the clock; any offset is slewed at no more than 500 PPM (about 2000 s per second of error), and the kernel discipline is off".into(),
                Severity::Warning,
            )),
            "stepback" | "stepfwd" if v == 0.0 => Some((
                format!("`tinker {} 0`: ntpd never steps the clock in that direction, and the kernel discipline is off", t.name),
                Severity::Warning,
            )),
            "step" | "stepback" | "stepfwd" if v > 0.5 => Some((
                format!("`tinker {} {}`: a step threshold above 0.5 s switches the kernel discipline off", t.name, c_g(v)),
                Severity::Warning,
            )),
            "stepout" if v < 300.0 => Some((format!("`tinker stepout {}` is below the minimum: ntpd uses 300", c_g(v)), Severity::Warning)),
            "huffpuff" if v < 900.0 => Some((format!("`tinker huffpuff {}` is below the minimum: ntpd uses 900", c_g(v)), Severity::Warning)),
            "freq" if drift => Some((
                "`tinker freq` together with a `driftfile`: the configured frequency overrides the drift file at every start".into(),
                Severity::Warning,
            )),
            "allan" | "dispersion" => Some((format!("`tinker {}` changes a loop constant; the defaults suit almost every system", t.name), Severity::Info)),
            _ => None,
        };
        if let Some((m, sev)) = msg {
            diags.push(Diagnostic::new(Code::Ntp118, t.span, m).severity(sev).label("tinker"));
        }
    }

    // --- disable monitor (NTP119).
    let user_limited = cfg.restricts.iter().any(|r| r.action == RestrictAction::Restrict && r.has_flag("limited"));
    let limited_anywhere = user_limited
        || (d == Dialect::Ntpsec
            && !cfg.restricts.iter().any(|r| {
                r.action == RestrictAction::Unrestrict && matches!(r.target, RestrictTarget::Default { .. }) && r.has_flag("limited")
            }));
    if limited_anywhere {
        for f in cfg.disable.iter().filter(|f| f.value == "monitor") {
            let log = match d {
                Dialect::Classic => "restrict: 'monitor' cannot be disabled while 'limited' is enabled",
                Dialect::Ntpsec => "'monitor' cannot be disabled while 'limited' is enabled",
            };
            diags.push(
                Diagnostic::new(
                    Code::Ntp119,
                    f.span,
                    if user_limited {
                        "`disable monitor` has no effect while a restrict entry uses `limited`: ntpd keeps monitoring on"
                    } else {
                        "`disable monitor` has no effect: NTPsec's default restriction has `limited` built in, so ntpd keeps monitoring on"
                    },
                )
                    .label("ignored")
                    .help(if classic {
                        "rate limiting needs the monitor (MRU list); `disable monitor` was the old monlist mitigation and is not needed since 4.2.7p26: remove it"
                    } else {
                        "NTPsec's default entry has `limited` built in, so the monitor always runs; remove `disable monitor`"
                    })
                    .ntpd(Phase::Config, log),
            );
        }
    }

    // --- pollskewlist `default` bounds (NTP123): copied to every poll 3..17 and cut to half
    // the poll interval there (classic `attrtopsl`); the last `default` item counts.
    if let Some(def) = cfg.pollskewlist.iter().rev().find(|p| p.poll.is_none())
        && (def.early != 0 || def.late != 0)
    {
        for (what, v) in [("lower", def.early as u16 as u32), ("upper", def.late as u16 as u32)] {
            let logs: Vec<String> = (3..=17u32)
                .filter(|p| v > 1 << (p - 1))
                .map(|p| format!("pollskewlist {p} {what} bound reduced from {v} to {}", 1u32 << (p - 1)))
                .collect();
            if let (Some(first), Some(last)) = (logs.first(), logs.last()) {
                let polls = logs.len();
                diags.push(
                    Diagnostic::new(
                        Code::Ntp123,
                        def.span,
                        format!(
                            "the default {what} skew {v} exceeds half the poll interval for {polls} poll value(s): ntpd reduces it there"
                        ),
                    )
                    .severity(Severity::Warning)
                    .label("reduced for short polls")
                    .help("a skew must stay below 2^(poll-1) seconds; ntpd logs one line per poll value")
                    .ntpd(Phase::Config, if polls > 1 { format!("{first} … {last}") } else { first.clone() }),
                );
            }
        }
    }

    // --- logconfig items (NTP122).
    for item in &cfg.logconfig {
        if !logconfig_known(&item.item) {
            let mut m = format!("unknown logconfig item `{}`: ntpd ignores it", item.item);
            if item.op == '=' {
                m.push_str(", and as a `=` item it first clears the log mask: the message classes set before it are turned off");
            }
            let cands: Vec<&str> = LOGCONFIG_WORDS.to_vec();
            let sugg = super::diagnose::suggest(&item.item, &cands);
            let mut dg = Diagnostic::new(Code::Ntp122, item.span, m)
                .label("not recognised")
                .help(match sugg.first() {
                    Some(s) => format!("did you mean `{s}`? items are CLASS+TYPE (clock, peer, sync, sys × all, info, events, status, statistics) or allall/allinfo/allevents/allstatus/allstatistics"),
                    None => "items are CLASS+TYPE (clock, peer, sync, sys × all, info, events, status, statistics) or allall/allinfo/allevents/allstatus/allstatistics".into(),
                })
                .ntpd(Phase::Config, format!("logconfig: '{}' not recognized - ignored", item.item));
            // The item's text, when the token is exactly `[op]item` (no quotes, no dropped bytes).
            let item_span = match item.span.end - item.span.start {
                n if n == item.item.len() => Some(item.span),
                n if n == item.item.len() + 1 => Some(Span::new(item.span.file, item.span.start + 1, item.span.end)),
                _ => None,
            };
            if let (1, Some(span)) = (sugg.len(), item_span) {
                dg = dg.fix(Fix {
                    description: format!("replace with `{}`", sugg[0]),
                    edits: vec![Edit { span, replacement: sugg[0].to_string() }],
                    safety: Safety::Safe,
                });
            }
            diags.push(dg);
        }
    }

    // --- phone (9 kept) and ttl (8 kept) (NTP122).
    for p in cfg.phone.iter().skip(9) {
        let log = match d {
            Dialect::Classic => format!("phone: Number of phone entries exceeds 9. Ignoring phone {}...", p.value),
            Dialect::Ntpsec => format!("Number of phone entries exceeds 9. Ignoring phone {}...", p.value),
        };
        diags.push(
            Diagnostic::new(Code::Ntp122, p.span, format!("more than 9 `phone` numbers: ntpd ignores `{}`", p.value))
                .severity(Severity::Warning)
                .label("ignored")
                .ntpd(Phase::Config, log),
        );
    }
    for t in cfg.ttl.iter().skip(8) {
        diags.push(
            Diagnostic::new(Code::Ntp122, t.span, format!("more than 8 `ttl` values: ntpd ignores {}", t.value))
                .severity(Severity::Warning)
                .label("ignored")
                .ntpd(Phase::Config, format!("ttl: Number of TTL entries exceeds 8. Ignoring TTL {}...", t.value)),
        );
    }
    for t in cfg.ttl.iter().take(8) {
        if !(0..=255).contains(&t.value) {
            diags.push(
                Diagnostic::new(
                    Code::Ntp122,
                    t.span,
                    format!("`ttl` value {} does not fit in 8 bits: ntpd uses {}", t.value, t.value as u8),
                )
                .severity(Severity::Warning)
                .label("truncated"),
            );
        }
    }
}

fn item_has(i: &TrustedKeyItem, k: i64) -> bool {
    match i {
        TrustedKeyItem::Key { id, .. } => *id as i64 == k,
        TrustedKeyItem::Range { first, last, .. } => (*first as i64..=*last as i64).contains(&k),
    }
}

/// Every word `logconfig` accepts (for did-you-mean).
const LOGCONFIG_WORDS: &[&str] = &[
    "allall",
    "allinfo",
    "allevents",
    "allstatus",
    "allstatistics",
    "allclock",
    "allpeer",
    "allsys",
    "allsync",
    "all",
    "info",
    "events",
    "status",
    "statistics",
    "clockall",
    "clockinfo",
    "clockevents",
    "clockstatus",
    "clockstatistics",
    "peerall",
    "peerinfo",
    "peerevents",
    "peerstatus",
    "peerstatistics",
    "syncall",
    "syncinfo",
    "syncevents",
    "syncstatus",
    "syncstatistics",
    "sysall",
    "sysinfo",
    "sysevents",
    "sysstatus",
    "sysstatistics",
];

/// ntpd's `get_logmask`: a class-less item, or an optional class prefix (first match in the
/// order clock, peer, sync, sys) followed by a type.
fn logconfig_known(item: &str) -> bool {
    const NOCLASS: &[&str] = &["allall", "allinfo", "allevents", "allstatus", "allstatistics", "allclock", "allpeer", "allsys", "allsync"];
    const CLASS: &[&str] = &["clock", "peer", "sync", "sys"];
    const TYPES: &[&str] = &["all", "info", "events", "status", "statistics"];
    if NOCLASS.contains(&item) {
        return true;
    }
    let rest = CLASS.iter().find(|c| item.starts_with(**c)).map(|c| &item[c.len()..]).unwrap_or(item);
    TYPES.contains(&rest)
}

/// classic `config_tos` (clamps and the two consistency checks) and NTPsec's ceiling clamp.
fn tos_checks(cfg: &Config, diags: &mut Vec<Diagnostic>) {
    let d = cfg.dialect;
    let (mut minsane, mut minclock, mut maxclock, mut floor, mut ceiling) = (1i32, 3i32, 10i32, 0i32, 15i32);
    let mut clock_span: Option<Span> = None;
    let mut stratum_span: Option<Span> = None;
    let mut maxclock_opt: Option<(i32, Span)> = None;
    let clamp = |diags: &mut Vec<Diagnostic>, o: &TosOption, what: &str, bound: &str, limit: i32, asked: String, log: String| {
        diags.push(
            Diagnostic::new(Code::Ntp117, o.span, format!("tos {what} {asked} is out of range: ntpd uses the {bound} {limit}"))
                .label(format!("ntpd uses {limit}"))
                .ntpd(Phase::Config, log),
        );
    };
    for o in &cfg.tos {
        let Some(v) = num(&o.value) else { continue };
        let iv = v as i32;
        match (o.name.as_str(), d) {
            ("ceiling", Dialect::Ntpsec) if v > 15.0 => {
                clamp(diags, o, "ceiling", "maximum", 15, c_g(v), format!("Using maximum tos ceiling 15, {} requested", c_g(v)));
            }
            ("ceiling" | "floor", Dialect::Classic) => {
                let what = o.name.as_str();
                let val = if iv > 15 {
                    clamp(diags, o, what, "maximum", 15, iv.to_string(), format!("Using maximum tos {what} 15, {iv} requested"));
                    15
                } else if iv < 0 {
                    clamp(diags, o, what, "minimum", 0, iv.to_string(), format!("Using minimum tos {what} 0, {iv} requested"));
                    0
                } else {
                    iv
                };
                if what == "ceiling" {
                    ceiling = val;
                } else {
                    floor = val;
                }
                stratum_span = Some(o.span);
            }
            ("bcpollbstep", Dialect::Classic) => {
                if v > 4.0 {
                    clamp(
                        diags,
                        o,
                        "bcpollbstep",
                        "maximum",
                        4,
                        iv.to_string(),
                        format!("Using maximum tos bcpollbstep 4, {iv} requested"),
                    );
                } else if v < 0.0 {
                    clamp(
                        diags,
                        o,
                        "bcpollbstep",
                        "minimum",
                        0,
                        iv.to_string(),
                        format!("Using minimum tos bcpollbstep 0, {iv} requested"),
                    );
                }
            }
            ("minclock" | "maxclock", Dialect::Classic) => {
                let val = if iv < 1 {
                    diags.push(
                        Diagnostic::new(Code::Ntp117, o.span, format!("tos {} {iv} is below 1: ntpd silently uses 1", o.name))
                            .label("ntpd uses 1"),
                    );
                    1
                } else {
                    iv
                };
                if o.name == "minclock" {
                    minclock = val;
                } else {
                    maxclock = val;
                    maxclock_opt = Some((val, o.span));
                }
                clock_span = Some(o.span);
            }
            ("maxclock", Dialect::Ntpsec) => maxclock_opt = Some((iv, o.span)),
            ("minsane", Dialect::Classic) => {
                minsane = if iv < 0 {
                    diags.push(
                        Diagnostic::new(Code::Ntp117, o.span, format!("tos minsane {iv} is below 0: ntpd silently uses 0"))
                            .label("ntpd uses 0"),
                    );
                    0
                } else {
                    iv
                };
                clock_span = Some(o.span);
            }
            ("orphan", _) if v >= 16.0 => diags.push(
                Diagnostic::new(
                    Code::Ntp117,
                    o.span,
                    format!("tos orphan {}: an orphan stratum of 16 or more turns orphan mode off", c_g(v)),
                )
                .label("orphan mode off")
                .help("orphan mode needs a stratum below 16, higher than any your real sources can have (e.g. 10)"),
            ),
            ("orphanwait", Dialect::Classic) if v < 1.0 => diags.push(
                Diagnostic::new(Code::Ntp117, o.span, format!("tos orphanwait {} is below 1: ntpd silently uses 300", c_g(v)))
                    .label("ntpd uses 300"),
            ),
            _ => {}
        }
    }
    if d == Dialect::Classic {
        if let Some(sp) = clock_span
            && !(minsane < minclock && minclock <= maxclock)
        {
            let log = format!(
                "Must have tos minsane ({minsane}) < minclock ({minclock}) <= maxclock ({maxclock}) - daemon will not operate properly!"
            );
            diags.push(
                Diagnostic::new(Code::Ntp117, sp, format!("tos needs minsane < minclock <= maxclock; here minsane {minsane}, minclock {minclock}, maxclock {maxclock}: ntpd warns that it will not operate properly"))
                    .label("inconsistent")
                    .help("the selection needs at least minsane survivors among minclock..maxclock candidates")
                    .ntpd(Phase::Config, log),
            );
        }
        if let Some(sp) = stratum_span
            && floor > ceiling
        {
            let log = format!("Must have tos floor ({floor}) <= ceiling ({ceiling}) - daemon will not operate properly!");
            diags.push(
                Diagnostic::new(
                    Code::Ntp117,
                    sp,
                    format!("tos floor {floor} is above ceiling {ceiling}: no source can have an acceptable stratum"),
                )
                .label("inconsistent")
                .ntpd(Phase::Config, log),
            );
        }
    }
    if let Some((mc, sp)) = maxclock_opt {
        let pools = cfg.associations.iter().any(|a| a.kind == AssociationKind::Pool);
        let others = cfg.associations.iter().filter(|a| a.kind != AssociationKind::Pool).count() as i32;
        if pools && mc <= others {
            diags.push(
                Diagnostic::new(
                    Code::Ntp117,
                    sp,
                    format!("tos maxclock {mc} with {others} other associations: the `pool` can never add a server"),
                )
                .label("no room for the pool")
                .help("maxclock counts every association; raise it above the number of server/peer lines"),
            );
        }
    }
}

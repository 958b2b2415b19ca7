//! Applying parsed commands to the model, with the checks ntpd makes while doing so (the
//! association option checks of `create_peer_node`, fudge targets, trusted keys, restrict
//! addresses and masks, …). What makes a line invalid is reported here (NTP1xx); what is valid
//! but unwise belongs to the lint rules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Dialect;
use super::model::*;
use super::parser::Cmd;
use crate::diagnostic::{Code, DaemonEffect, Diagnostic, Phase, Severity};

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
    let d = cfg.dialect;
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
            if !NTPSEC_DRIVERS.contains(&name.as_str()) && !diags.iter().any(|x| x.code == Code::Ntp120) {
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
            let bad = match ip {
                IpAddr::V4(v4) => {
                    let o = v4.octets();
                    let loop127 = o[0] == 127 && !(o[1] == 127) && v4 != Ipv4Addr::LOCALHOST;
                    let mc = v4.is_multicast();
                    let zero = v4.is_unspecified();
                    loop127
                        || zero
                        || (mc && a.kind != AssociationKind::Manycastclient && a.kind != AssociationKind::Broadcast)
                        || (!mc && a.kind == AssociationKind::Manycastclient)
                }
                IpAddr::V6(v6) => {
                    v6.is_unspecified()
                        || (v6.is_multicast() && a.kind != AssociationKind::Manycastclient && a.kind != AssociationKind::Broadcast)
                }
            };
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

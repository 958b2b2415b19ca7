//! What a rule sees: the typed model, the source files, the server's restrict table, the
//! options, and small questions many rules ask ("which lines are network sources?").

use std::net::IpAddr;
use std::sync::OnceLock;

use crate::config::Dialect;
use crate::config::keys::KeysFile;
use crate::config::load::Loaded;
use crate::config::lower::{numeric_address, refclock_address};
use crate::config::model::{AssocOption, Association, AssociationKind, Config, Family, MiscVar, Value};
use crate::source::{FileId, SourceFile, SourceMap, Span};

use super::{LintOptions, Profile};
use crate::proto::access::{AccessEntry, AccessPolicy, AddrMask, Origin, RestrictFlags};

/// One association line seen as a time source.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Index into `Config::associations`.
    pub index: usize,
    /// The line.
    pub assoc: &'a Association,
    /// Numeric address, when written as one.
    pub ip: Option<IpAddr>,
    /// A reference clock (127.127.T.U or NTPsec `refclock`).
    pub refclock: Option<u8>,
}

impl<'a> Source<'a> {
    /// The option of that name.
    pub fn opt(&self, name: &str) -> Option<&'a AssocOption> {
        self.assoc.options.iter().find(|o| o.name() == name)
    }
    /// Does it carry the option?
    pub fn has(&self, name: &str) -> bool {
        self.opt(name).is_some()
    }
    /// An integer option's value.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.opt(name) {
            Some(AssocOption::Int { value, .. }) => Some(*value),
            _ => None,
        }
    }
    /// Is it a network source (not a refclock)?
    pub fn is_network(&self) -> bool {
        self.refclock.is_none()
    }
    /// Is it authenticated (`key`, `autokey`, NTPsec `nts`)?
    pub fn authenticated(&self) -> bool {
        self.has("key") || self.has("autokey") || self.has("nts")
    }
    /// The address or name as written.
    pub fn name(&self) -> &'a str {
        &self.assoc.address.text
    }
    /// The directive keyword.
    pub fn kind(&self) -> AssociationKind {
        self.assoc.kind
    }
    /// Normalised identity for duplicate detection.
    pub fn identity(&self) -> String {
        match self.ip {
            Some(ip) => ip.to_string(),
            None => match self.assoc.kind {
                AssociationKind::Refclock => {
                    format!("refclock:{}:{}", self.name().to_ascii_lowercase(), self.assoc.unit.as_ref().map(|u| u.value).unwrap_or(0))
                }
                _ => self.name().trim_end_matches('.').to_ascii_lowercase(),
            },
        }
    }
}

/// Everything a rule may look at.
pub struct LintContext<'a> {
    /// The load (sources, model, parser diagnostics).
    pub loaded: &'a Loaded,
    /// Options of this run.
    pub opts: &'a LintOptions,
    access: OnceLock<AccessPolicy>,
}

/// NTPsec refclock driver names and their legacy type numbers.
pub const NTPSEC_DRIVER_TYPES: &[(&str, u8)] = &[
    ("local", 1),
    ("spectracom", 4),
    ("truetime", 5),
    ("generic", 8),
    ("arbiter", 11),
    ("modem", 18),
    ("nmea", 20),
    ("pps", 22),
    ("hpgps", 26),
    ("shm", 28),
    ("trimble", 29),
    ("oncore", 30),
    ("jjy", 40),
    ("zyfer", 42),
    ("gpsd", 46),
];

/// A rule's view of one entry of the server's restrict table: the entry as `proto` built it,
/// plus the model lines behind it (for spans). Only reads; the matching is `proto`'s.
#[derive(Debug, Clone)]
pub struct RestrictView<'s> {
    /// The entry.
    pub entry: &'s AccessEntry,
    /// Indexes into `Config::restricts` of the lines that touched it, in order.
    pub lines: Vec<usize>,
    /// A family's default entry.
    pub is_default: bool,
}

impl RestrictView<'_> {
    /// Restriction flags.
    pub fn flags(&self) -> RestrictFlags {
        self.entry.flags
    }
    /// IPv6?
    pub fn v6(&self) -> bool {
        self.entry.net.is_v6()
    }
    /// The (masked) address.
    pub fn ip(&self) -> IpAddr {
        match self.entry.net {
            AddrMask::V4 { addr, .. } => IpAddr::V4(addr.into()),
            AddrMask::V6 { addr, .. } => IpAddr::V6(addr.into()),
        }
    }
    /// Prefix length when the mask is contiguous.
    pub fn prefix_len(&self) -> Option<u32> {
        self.entry.net.prefix_len()
    }
    /// A host entry (all-ones mask)?
    pub fn is_host(&self) -> bool {
        self.prefix_len() == Some(if self.v6() { 128 } else { 32 })
    }
    /// Inside loopback (127/8, ::1)?
    pub fn is_loopback(&self) -> bool {
        !self.is_default && self.ip().is_loopback() && self.prefix_len().is_some_and(|p| p >= 8)
    }
}

impl<'a> LintContext<'a> {
    /// A context over one load.
    pub fn new(loaded: &'a Loaded, opts: &'a LintOptions) -> Self {
        LintContext { loaded, opts, access: OnceLock::new() }
    }
    /// The model.
    pub fn config(&self) -> &'a Config {
        &self.loaded.config
    }
    /// Which daemon's reading.
    pub fn dialect(&self) -> Dialect {
        self.loaded.config.dialect
    }
    /// Classic?
    pub fn classic(&self) -> bool {
        self.dialect() == Dialect::Classic
    }
    /// The files.
    pub fn sources_map(&self) -> &'a SourceMap {
        &self.loaded.sources
    }
    /// Was the profile asked for explicitly? (Switches severities and variants; `pedantic`
    /// turns on every profile's rules but not their severity changes.)
    pub fn profile(&self, p: Profile) -> bool {
        self.opts.profiles.contains(&p)
    }
    /// The compiled restrict table exactly as the server uses it (`runtime::access_table`):
    /// the one matcher; entries name their lines by index into `config.restricts`.
    pub fn access(&self) -> &AccessPolicy {
        self.access.get_or_init(|| crate::runtime::access_table(self.config()))
    }
    /// The entries of the server's table that configuration lines made (the defaults
    /// included), IPv4 then IPv6, each in match order; entries the server adds itself
    /// (`restrict source` host entries for numeric servers, interface entries) are left out.
    pub fn restrict_entries(&self) -> Vec<RestrictView<'_>> {
        self.access().entries().filter_map(|e| self.restrict_view(e)).collect()
    }
    /// The entry a packet from `ip` matches (`from_ntp_port`: source port 123), as the server
    /// looks it up; `None` when it is one the server added itself.
    pub fn restrict_lookup(&self, ip: IpAddr, from_ntp_port: bool) -> Option<RestrictView<'_>> {
        let port = if from_ntp_port { crate::proto::access::NTP_PORT } else { 0 };
        self.restrict_view(self.access().lookup(std::net::SocketAddr::new(ip, port)))
    }
    /// A rule's view of an entry of (a copy of) the server's table; `None` for entries the
    /// server adds itself.
    pub fn restrict_view<'s>(&'s self, e: &'s AccessEntry) -> Option<RestrictView<'s>> {
        let is_default = e.origin == Origin::Builtin && e.net == AddrMask::any(e.net.is_v6());
        let lines: Vec<usize> = match &e.origin {
            Origin::Lines(l) => l.iter().map(|&x| x as usize).collect(),
            Origin::Builtin if is_default => self.access().default_lines(e.net.is_v6()).iter().map(|&x| x as usize).collect(),
            Origin::Builtin => vec![],
            Origin::Source | Origin::Interface => return None,
        };
        Some(RestrictView { entry: e, lines, is_default })
    }
    /// The `restrict` lines (any action) naming a host: ntpd resolves them at start-up, so
    /// `runtime::access_table` installs nothing for them (`runtime::restrict_net` is `None`).
    pub fn restrict_hostname_lines(&self) -> Vec<usize> {
        let flavor = crate::runtime::flavor_of(self.dialect());
        (self.config().restricts.iter().enumerate())
            .filter(|(_, r)| match &r.target {
                crate::config::model::RestrictTarget::Address { address, mask } => {
                    numeric_address(address.text.split('/').next().unwrap_or("")).is_none()
                        && crate::runtime::restrict_net(&address.text, mask.as_ref().map(|m| m.text.as_str()), flavor).is_none()
                }
                _ => false,
            })
            .map(|(i, _)| i)
            .collect()
    }
    /// Where a flag of an entry was set: the first `restrict` line of the entry naming it.
    pub fn restrict_site(&self, v: &RestrictView, flag: RestrictFlags) -> Option<Span> {
        let word = flag.keywords().next()?;
        v.lines.iter().find_map(|&i| {
            let r = self.config().restricts.get(i)?;
            if r.action != crate::config::model::RestrictAction::Restrict {
                return None;
            }
            r.flags.iter().find(|f| f.value == word).map(|f| f.span)
        })
    }
    /// Where a flag of a family's default entry was set: the first line touching that entry
    /// that names the flag (`None`: a built-in flag, such as NTPsec's `noquery limited`).
    pub fn default_flag_site(&self, v6: bool, word: &str) -> Option<Span> {
        self.access().default_lines(v6).iter().find_map(|&i| {
            let r = self.config().restricts.get(i as usize)?;
            if r.action != crate::config::model::RestrictAction::Restrict {
                return None;
            }
            r.flags.iter().find(|f| f.value == word).map(|f| f.span)
        })
    }
    /// The text of a span.
    pub fn text(&self, s: Span) -> &'a str {
        let f = self.loaded.sources.get(s.file);
        f.text.get(s.start..s.end).unwrap_or("")
    }
    /// The span of a directive's first word (its keyword).
    pub fn keyword_span(&self, s: Span) -> Span {
        let t = self.text(s);
        let n = t.find(|c: char| c.is_whitespace()).unwrap_or(t.len());
        Span::new(s.file, s.start, s.start + n)
    }
    /// The span of a whole line (without its newline), including any comment.
    pub fn line_span(&self, s: Span) -> Span {
        let f = self.loaded.sources.get(s.file);
        let (line, _) = f.line_col(s.start);
        let (a, b) = f.line_range(line);
        Span::new(s.file, a, b)
    }
    /// The span of a line including its newline (for deleting it).
    pub fn line_with_newline(&self, s: Span) -> Span {
        let l = self.line_span(s);
        let f = self.loaded.sources.get(s.file);
        let end = if f.text.as_bytes().get(l.end) == Some(&b'\n') { l.end + 1 } else { l.end };
        Span::new(s.file, l.start, end)
    }
    /// Every association, as sources.
    pub fn all_sources(&self) -> Vec<Source<'a>> {
        self.config()
            .associations
            .iter()
            .enumerate()
            .map(|(index, a)| {
                let refclock = match a.kind {
                    AssociationKind::Refclock => {
                        let n = a.address.text.to_ascii_lowercase();
                        Some(NTPSEC_DRIVER_TYPES.iter().find(|(d, _)| *d == n).map(|(_, t)| *t).unwrap_or(0))
                    }
                    _ => refclock_address(&a.address.text).map(|(t, _)| t),
                };
                let ip = if refclock.is_some() { None } else { numeric_address(&a.address.text) };
                Source { index, assoc: a, ip, refclock }
            })
            .collect()
    }
    /// Time sources we poll: `server`, `pool`, `peer`, `manycastclient` (not `broadcast`).
    pub fn time_sources(&self) -> Vec<Source<'a>> {
        self.all_sources().into_iter().filter(|s| s.kind() != AssociationKind::Broadcast).collect()
    }
    /// Network time sources (not refclocks).
    pub fn network_sources(&self) -> Vec<Source<'a>> {
        self.time_sources().into_iter().filter(|s| s.is_network()).collect()
    }
    /// `interface ignore|drop ipv6` (or `all`) without a later `listen` for IPv6.
    pub fn ipv6_disabled(&self) -> bool {
        let mut off = false;
        for r in &self.config().interface_rules {
            if r.is_class && (r.target == "ipv6" || r.target == "all") {
                off = r.action != "listen";
            }
        }
        off
    }
    /// The `vars` entries with this name.
    pub fn vars(&self, name: &str) -> Vec<&'a MiscVar> {
        self.config().vars.iter().filter(|v| v.name == name).collect()
    }
    /// The `vars` entry ntpd ends up using (classic 4.2.8p18 keeps the first `driftfile`; else last).
    pub fn var(&self, name: &str) -> Option<&'a MiscVar> {
        let v = self.vars(name);
        if self.classic() && name == "driftfile" { v.first().copied() } else { v.last().copied() }
    }
    /// A string var's value.
    pub fn var_str(&self, name: &str) -> Option<(&'a str, Span)> {
        match self.var(name) {
            Some(MiscVar { value: Value::Str(s), span, .. }) => Some((s.as_str(), *span)),
            _ => None,
        }
    }
    /// The last value of a `tos` option.
    pub fn tos(&self, name: &str) -> Option<(f64, Span)> {
        self.config().tos.iter().rev().find(|t| t.name == name).and_then(|t| match &t.value {
            Value::Int(i) => Some((*i as f64, t.span)),
            Value::Number(n) => Some((*n, t.span)),
            Value::Str(_) => None,
        })
    }
    /// The last value of a `tinker` option.
    pub fn tinker(&self, name: &str) -> Option<(f64, Span)> {
        self.config().tinker.iter().rev().find(|t| t.name == name).map(|t| (t.value, t.span))
    }
    /// `enable X` given (and not disabled later; order as ntpd applies them: all in file order).
    pub fn enabled_flag(&self, name: &str) -> Option<Span> {
        self.config().enable.iter().rev().find(|f| f.value == name).map(|f| f.span)
    }
    /// `disable X` given.
    pub fn disabled_flag(&self, name: &str) -> Option<Span> {
        self.config().disable.iter().rev().find(|f| f.value == name).map(|f| f.span)
    }
    /// Key ids used anywhere (association `key`, `controlkey`, `requestkey`, `trustedkey`).
    pub fn any_key_use(&self) -> bool {
        let a = &self.config().auth;
        !a.trustedkey_lines.is_empty()
            || a.controlkey.is_some()
            || a.requestkey.is_some()
            || self.all_sources().iter().any(|s| s.has("key"))
    }
    /// An `Address`'s family qualifier.
    pub fn family_of(q: Option<Family>) -> Option<Family> {
        q
    }
    /// Resolve a host name with the opt-in resolver (`--dns`); `None` without one.
    pub fn resolve(&self, host: &str) -> Option<Result<Vec<IpAddr>, String>> {
        self.opts.resolver.as_ref().map(|r| r.resolve(host))
    }
    /// A path of the environment (`--env`), under the configured root.
    pub fn env_path(&self, p: &str) -> std::path::PathBuf {
        match &self.opts.env_root {
            Some(root) if std::path::Path::new(p).is_absolute() => root.join(p.trim_start_matches('/')),
            Some(root) => root.join(p),
            None => std::path::PathBuf::from(p),
        }
    }

    /// The `keys` file (`--env`), read by [`crate::config::keys`] as `dialect`'s `authreadkeys`
    /// reads it, with its text so rules can name lines. `None` without a `keys` line.
    pub fn keys_file(&self, dialect: Dialect) -> Option<std::io::Result<(SourceFile, KeysFile)>> {
        let k = self.config().auth.keys.as_ref()?;
        Some(std::fs::read(self.env_path(&k.value)).map(|bytes| {
            // The spans of the result are offsets into this file's text; the id is not used.
            let keys = crate::config::keys::parse(FileId(0), &bytes, dialect);
            (SourceFile::new(k.value.clone(), &bytes), keys)
        }))
    }
}

/// Is the host name in a pool.ntp.org zone (`pool.ntp.org`, `N.pool.ntp.org`,
/// `[N.]ZONE.pool.ntp.org`)?
pub fn pool_zone(host: &str) -> Option<String> {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if h == "pool.ntp.org" || h.ends_with(".pool.ntp.org") {
        let mut parts: Vec<&str> = h.split('.').collect();
        if parts.first().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit())) && parts.len() > 3 {
            parts.remove(0);
        }
        return Some(parts.join("."));
    }
    None
}

/// Numbered pool names (`0.centos.pool.ntp.org`).
pub fn numbered_pool_name(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    pool_zone(&h).is_some() && h.split('.').next().is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Leap-smearing public services (only the ones their operators document as smearing).
pub fn smearing_host(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    matches!(h.as_str(), "time.google.com" | "time1.google.com" | "time2.google.com" | "time3.google.com" | "time4.google.com")
}

/// Public NTP services whose operators ask clients to be gentle (pool zones plus well-known
/// public services).
pub fn public_service(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    pool_zone(&h).is_some()
        || smearing_host(&h)
        || h.ends_with(".nist.gov")
        || h == "time.cloudflare.com"
        || h == "time.apple.com"
        || h == "time.windows.com"
        || h.ends_with("ntp.ubuntu.com")
        || h == "ntp.aliyun.com"
}

/// Private, unique-local, link-local or loopback?
pub fn private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => v.is_private() || v.is_loopback() || v.is_link_local(),
        IpAddr::V6(v) => v.is_loopback() || (v.segments()[0] & 0xfe00) == 0xfc00 || (v.segments()[0] & 0xffc0) == 0xfe80,
    }
}

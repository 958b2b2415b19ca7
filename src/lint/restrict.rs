//! The effective restrict table, computed from the model's restrict lines the way ntpd builds
//! it (`hack_restrict` in C, the same in NTPsec): one list per family, key = (address AND mask,
//! mask, `ntpport`), flags OR-merged per key, lookup = first match in ntpd's sort order (the
//! longest prefix for contiguous masks), default entries always present (NTPsec's with a
//! built-in `noquery limited`). Written against the model only; the runtime matcher lives
//! elsewhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::Dialect;
use crate::config::lower::numeric_address;
use crate::config::model::{Config, Family, RestrictAction, RestrictTarget};
use crate::source::Span;

/// Restrict flags as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Flags(pub u32);

macro_rules! flags {
    ($( $c:ident = $bit:literal, $word:literal; )*) => {
        impl Flags {
            $( #[allow(missing_docs)] pub const $c: Flags = Flags(1 << $bit); )*
            /// Every flag with its keyword.
            pub const WORDS: &'static [(Flags, &'static str)] = &[ $( (Flags::$c, $word), )* ];
        }
    };
}

flags! {
    IGNORE = 0, "ignore";
    NOSERVE = 1, "noserve";
    NOTRUST = 2, "notrust";
    NOMODIFY = 3, "nomodify";
    NOQUERY = 4, "noquery";
    NOTRAP = 5, "notrap";
    NOPEER = 6, "nopeer";
    NOEPEER = 7, "noepeer";
    KOD = 8, "kod";
    LIMITED = 9, "limited";
    LOWPRIOTRAP = 10, "lowpriotrap";
    VERSION = 11, "version";
    NOMRULIST = 12, "nomrulist";
    MSSNTP = 13, "mssntp";
    FLAKE = 14, "flake";
    FUZZ = 15, "serverresponse fuzz";
    NTPPORT = 16, "ntpport";
    EPEER = 17, "epeer";
}

impl Flags {
    /// The four hardening flags CIS and the ntp.org docs ask for on defaults.
    pub const HARDENING: Flags = Flags(Flags::NOQUERY.0 | Flags::NOMODIFY.0 | Flags::NOTRAP.0 | Flags::NOPEER.0);
    /// No flags.
    pub const NONE: Flags = Flags(0);
    /// Parse one flag word.
    pub fn from_word(w: &str) -> Option<Flags> {
        Flags::WORDS.iter().find(|(_, n)| *n == w).map(|(f, _)| *f)
    }
    /// All bits of `o` set?
    pub fn has(self, o: Flags) -> bool {
        self.0 & o.0 == o.0 && o.0 != 0
    }
    /// Any bit of `o` set?
    pub fn any(self, o: Flags) -> bool {
        self.0 & o.0 != 0
    }
    /// Union.
    pub fn or(self, o: Flags) -> Flags {
        Flags(self.0 | o.0)
    }
    /// Difference.
    pub fn minus(self, o: Flags) -> Flags {
        Flags(self.0 & !o.0)
    }
    /// Keywords of the set bits, in ntpd's order.
    pub fn words(self) -> Vec<&'static str> {
        Flags::WORDS.iter().filter(|(f, _)| self.has(*f)).map(|(_, n)| *n).collect()
    }
    /// Is it empty?
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Address family of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fam {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// Where one flag of an entry was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagSite {
    /// The flag.
    pub flag: Flags,
    /// The flag's word in the file.
    pub span: Span,
}

/// One entry of the effective table.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Family.
    pub fam: Fam,
    /// Masked address (IPv4 in the low 32 bits).
    pub net: u128,
    /// Mask.
    pub mask: u128,
    /// Match only packets from port 123.
    pub ntpport: bool,
    /// Merged flags (match flag `ntpport` excluded).
    pub flags: Flags,
    /// Built-in flags that no line set (NTPsec's default `noquery limited`).
    pub builtin: Flags,
    /// Indexes into `Config::restricts` of the lines that make up this entry.
    pub lines: Vec<usize>,
    /// Where each flag was first set.
    pub sites: Vec<FlagSite>,
    /// The family's default entry.
    pub is_default: bool,
}

impl Entry {
    /// Does it match the address?
    pub fn matches(&self, a: u128) -> bool {
        a & self.mask == self.net
    }
    /// Prefix length when the mask is contiguous.
    pub fn prefix_len(&self) -> Option<u32> {
        let bits = if self.fam == Fam::V4 { 32 } else { 128 };
        let m = if self.fam == Fam::V4 { self.mask << 96 } else { self.mask };
        let ones = m.leading_ones();
        if m.count_ones() == ones { Some(ones.min(bits)) } else { None }
    }
    /// A host entry (all-ones mask)?
    pub fn is_host(&self) -> bool {
        self.prefix_len() == Some(if self.fam == Fam::V4 { 32 } else { 128 })
    }
    /// The address as text.
    pub fn addr_text(&self) -> String {
        to_ip(self.fam, self.net).to_string()
    }
    /// The first site of a flag.
    pub fn site(&self, f: Flags) -> Option<Span> {
        self.sites.iter().find(|s| s.flag == f).map(|s| s.span)
    }
    /// Is the entry inside loopback (127/8, ::1)?
    pub fn is_loopback(&self) -> bool {
        !self.is_default && to_ip(self.fam, self.net).is_loopback() && self.prefix_len().is_some_and(|p| p >= 8)
    }
}

/// `restrict source` lines merged.
#[derive(Debug, Clone, Default)]
pub struct SourceTemplate {
    /// Flags.
    pub flags: Flags,
    /// Lines.
    pub lines: Vec<usize>,
    /// Where each flag was set.
    pub sites: Vec<FlagSite>,
}

/// The effective table.
#[derive(Debug, Clone)]
pub struct RestrictTable {
    /// IPv4 entries in ntpd's lookup order.
    pub v4: Vec<Entry>,
    /// IPv6 entries in ntpd's lookup order.
    pub v6: Vec<Entry>,
    /// `restrict source`, if any line gives it.
    pub source: Option<SourceTemplate>,
    /// Lines naming a host (not numeric): resolved at start-up, unknown statically.
    pub hostname_lines: Vec<usize>,
    /// Lines that install nothing (C CIDR, unusable masks).
    pub dead_lines: Vec<usize>,
}

/// An address as a number (IPv4 in the low 32 bits).
pub fn to_bits(a: IpAddr) -> (Fam, u128) {
    match a {
        IpAddr::V4(v) => (Fam::V4, u32::from(v) as u128),
        IpAddr::V6(v) => (Fam::V6, u128::from(v)),
    }
}

/// Back to an address.
pub fn to_ip(f: Fam, bits: u128) -> IpAddr {
    match f {
        Fam::V4 => IpAddr::V4(Ipv4Addr::from(bits as u32)),
        Fam::V6 => IpAddr::V6(Ipv6Addr::from(bits)),
    }
}

fn prefix_mask(f: Fam, len: u32) -> u128 {
    let bits = if f == Fam::V4 { 32 } else { 128 };
    let len = len.min(bits);
    let full: u128 = if f == Fam::V4 { u32::MAX as u128 } else { u128::MAX };
    if len == 0 {
        0
    } else if len >= bits {
        full
    } else {
        full & !(full >> len)
    }
}

/// What a restrict target means numerically: `Some((fam, net, mask))` per family it touches.
/// `None` for host names and lines ntpd cannot use.
pub fn target_keys(t: &RestrictTarget, d: Dialect) -> Option<Vec<(Fam, u128, u128, bool)>> {
    match t {
        RestrictTarget::Default { family } => Some(match family {
            None => vec![(Fam::V4, 0, 0, true), (Fam::V6, 0, 0, true)],
            Some(Family::Ipv4) => vec![(Fam::V4, 0, 0, true)],
            Some(Family::Ipv6) => vec![(Fam::V6, 0, 0, true)],
        }),
        RestrictTarget::Source { .. } => None,
        RestrictTarget::Address { address, mask } => {
            let text = address.text.as_str();
            let (addr, mask_bits) = if let Some((a, len)) = text.rsplit_once('/') {
                if d == Dialect::Classic {
                    return None;
                }
                let ip = numeric_address(a)?;
                let (f, _) = to_bits(ip);
                let max = if f == Fam::V4 { 32 } else { 128 };
                match len.parse::<u32>() {
                    Ok(n) if n > 0 && n <= max => (ip, prefix_mask(f, n)),
                    // NTPsec drops a bad prefix and installs a host entry (NTP124).
                    _ => (ip, prefix_mask(f, max)),
                }
            } else {
                let ip = numeric_address(text)?;
                let (f, _) = to_bits(ip);
                let m = match mask {
                    None => prefix_mask(f, if f == Fam::V4 { 32 } else { 128 }),
                    Some(m) => {
                        let mi = numeric_address(&m.text)?;
                        let (mf, mb) = to_bits(mi);
                        if mf != f {
                            return None;
                        }
                        mb
                    }
                };
                (ip, m)
            };
            let (f, a) = to_bits(addr);
            // The literal forces the family; a contradicting -4/-6 makes it a host name.
            match (address.family, f) {
                (Some(Family::Ipv4), Fam::V6) | (Some(Family::Ipv6), Fam::V4) => return None,
                _ => {}
            }
            let is_default = mask_bits == 0;
            Some(vec![(f, a & mask_bits, mask_bits, is_default)])
        }
    }
}

impl RestrictTable {
    /// Build the table from a configuration.
    pub fn build(cfg: &Config) -> RestrictTable {
        let d = cfg.dialect;
        let builtin = if d == Dialect::Ntpsec { Flags::NOQUERY.or(Flags::LIMITED) } else { Flags::NONE };
        let mk_default =
            |fam| Entry { fam, net: 0, mask: 0, ntpport: false, flags: builtin, builtin, lines: vec![], sites: vec![], is_default: true };
        let mut t = RestrictTable {
            v4: vec![mk_default(Fam::V4)],
            v6: vec![mk_default(Fam::V6)],
            source: None,
            hostname_lines: vec![],
            dead_lines: vec![],
        };
        for (i, r) in cfg.restricts.iter().enumerate() {
            let mut fl = Flags::NONE;
            let mut sites = Vec::new();
            for f in &r.flags {
                if let Some(x) = Flags::from_word(&f.value) {
                    fl = fl.or(x);
                    sites.push(FlagSite { flag: x, span: f.span });
                }
            }
            let ntpport = fl.has(Flags::NTPPORT);
            let fl = fl.minus(Flags::NTPPORT);
            if let RestrictTarget::Source { .. } = r.target {
                if r.action == RestrictAction::Restrict {
                    let s = t.source.get_or_insert_with(SourceTemplate::default);
                    s.flags = s.flags.or(fl);
                    s.lines.push(i);
                    for x in sites {
                        if !s.sites.iter().any(|y| y.flag == x.flag) {
                            s.sites.push(x);
                        }
                    }
                }
                continue;
            }
            let Some(keys) = target_keys(&r.target, d) else {
                match &r.target {
                    RestrictTarget::Address { address, .. } if numeric_address(address.text.split('/').next().unwrap_or("")).is_none() => {
                        t.hostname_lines.push(i)
                    }
                    _ => t.dead_lines.push(i),
                }
                continue;
            };
            for (fam, net, mask, _) in keys {
                let list = if fam == Fam::V4 { &mut t.v4 } else { &mut t.v6 };
                let pos = list.iter().position(|e| e.net == net && e.mask == mask && e.ntpport == ntpport);
                match r.action {
                    RestrictAction::Restrict => {
                        let e = match pos {
                            Some(p) => &mut list[p],
                            None => {
                                list.push(Entry {
                                    fam,
                                    net,
                                    mask,
                                    ntpport,
                                    flags: Flags::NONE,
                                    builtin: Flags::NONE,
                                    lines: vec![],
                                    sites: vec![],
                                    is_default: mask == 0 && !ntpport,
                                });
                                list.last_mut().expect("just pushed")
                            }
                        };
                        e.flags = e.flags.or(fl);
                        e.lines.push(i);
                        for x in &sites {
                            if !e.sites.iter().any(|y| y.flag == x.flag) {
                                e.sites.push(*x);
                            }
                        }
                    }
                    RestrictAction::Unrestrict => {
                        if let Some(p) = pos {
                            if fl.is_empty() {
                                if !list[p].is_default {
                                    list.remove(p);
                                }
                            } else {
                                let e = &mut list[p];
                                e.flags = e.flags.minus(fl);
                                e.builtin = e.builtin.minus(fl);
                                e.lines.push(i);
                            }
                        }
                    }
                    RestrictAction::Delrestrict => {
                        if let Some(p) = pos
                            && !list[p].is_default
                        {
                            list.remove(p);
                        }
                    }
                }
            }
        }
        // ntpd's order: descending address, then descending mask; NTPsec puts `ntpport`
        // entries before plain ones with the same key, classic keeps insertion order.
        for list in [&mut t.v4, &mut t.v6] {
            list.sort_by(|a, b| {
                b.net.cmp(&a.net).then(b.mask.cmp(&a.mask)).then(if d == Dialect::Ntpsec {
                    b.ntpport.cmp(&a.ntpport)
                } else {
                    std::cmp::Ordering::Equal
                })
            });
        }
        t
    }

    /// The entries of a family.
    pub fn list(&self, f: Fam) -> &[Entry] {
        if f == Fam::V4 { &self.v4 } else { &self.v6 }
    }

    /// The family's default entry.
    pub fn default(&self, f: Fam) -> &Entry {
        self.list(f).iter().find(|e| e.is_default).expect("the default entry always exists")
    }

    /// The entry a packet from `ip` matches; `from_ntp_port`: its source port is 123 (replies
    /// from servers are).
    pub fn lookup(&self, ip: IpAddr, from_ntp_port: bool) -> &Entry {
        let (f, a) = to_bits(ip);
        self.list(f).iter().find(|e| e.matches(a) && (!e.ntpport || from_ntp_port)).unwrap_or_else(|| self.default(f))
    }

    /// Did any line mention the family's default (`default`, `-4 default`, `0.0.0.0 mask 0.0.0.0`)?
    pub fn default_configured(&self, f: Fam) -> bool {
        !self.default(f).lines.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::{LoadOptions, load_bytes};

    fn table(text: &str, d: Dialect) -> RestrictTable {
        let l = load_bytes("t.conf", text.as_bytes(), &LoadOptions { dialect: d, ..Default::default() });
        RestrictTable::build(&l.config)
    }

    #[test]
    fn longest_prefix_and_merge() {
        let t = table(
            "restrict default nomodify\nrestrict 10.0.0.0 mask 255.0.0.0 noquery\nrestrict 10.1.0.0 mask 255.255.0.0 notrap\nrestrict 10.0.0.0 mask 255.0.0.0 nopeer\n",
            Dialect::Classic,
        );
        let e = t.lookup("10.1.2.3".parse().unwrap(), false);
        assert_eq!(e.flags, Flags::NOTRAP);
        let e = t.lookup("10.2.2.3".parse().unwrap(), false);
        assert_eq!(e.flags, Flags::NOQUERY.or(Flags::NOPEER));
        assert_eq!(e.lines, vec![1, 3]);
        assert_eq!(t.lookup("192.0.2.1".parse().unwrap(), false).flags, Flags::NOMODIFY);
        assert_eq!(t.lookup("2001:db8::1".parse().unwrap(), false).flags, Flags::NOMODIFY);
    }

    #[test]
    fn zero_mask_is_the_default_and_ntpsec_builtin() {
        let t = table("restrict 0.0.0.0 mask 0.0.0.0 notrust\n", Dialect::Classic);
        assert_eq!(t.default(Fam::V4).flags, Flags::NOTRUST);
        assert_eq!(t.v4.len(), 1);
        let t = table("restrict default kod\nunrestrict default limited\n", Dialect::Ntpsec);
        assert_eq!(t.default(Fam::V4).flags, Flags::NOQUERY.or(Flags::KOD));
    }

    #[test]
    fn ntpport_matches_only_port_123() {
        let t = table("restrict default ignore\nrestrict 192.0.2.1 ntpport\n", Dialect::Classic);
        assert!(t.lookup("192.0.2.1".parse().unwrap(), true).flags.is_empty());
        assert!(t.lookup("192.0.2.1".parse().unwrap(), false).flags.has(Flags::IGNORE));
    }

    #[test]
    fn classic_cidr_and_hostnames_install_nothing() {
        let t = table("restrict 10.0.0.0/8 ignore\nrestrict ntp.example.org\n", Dialect::Classic);
        assert_eq!(t.v4.len(), 1);
        assert_eq!(t.dead_lines, vec![0]);
        assert_eq!(t.hostname_lines, vec![1]);
        let t = table("restrict 10.0.0.0/8 ignore\n", Dialect::Ntpsec);
        assert_eq!(t.lookup("10.9.9.9".parse().unwrap(), false).flags, Flags::IGNORE);
    }
}

#[cfg(test)]
mod mask_tests {
    use super::*;

    #[test]
    fn host_masks_are_all_ones() {
        assert_eq!(prefix_mask(Fam::V6, 128), u128::MAX);
        assert_eq!(prefix_mask(Fam::V4, 32), u32::MAX as u128);
        assert_eq!(prefix_mask(Fam::V6, 0), 0);
        assert_eq!(prefix_mask(Fam::V4, 24), 0xffff_ff00);
    }
}

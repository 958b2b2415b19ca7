//! Access control: the compiled `restrict` table and its lookup — THE matcher, used by the
//! server for every packet and by lint rules asking "which entry does address X hit".
//!
//! Faithful to `ntpd/ntp_restrict.c` of both dialects (reference §7.3):
//! - one list per family; an entry's key is (address AND mask, mask, match flags);
//!   restricting an existing key ORs the flags in, never replaces them;
//! - the list is sorted by descending masked address, then descending mask, then match flags
//!   (classic: interface entries first, `restrict source` entries last, otherwise insertion
//!   order; NTPsec: match flags numerically descending, so source > interface > ntpport >
//!   plain); a new entry goes before the first entry it sorts before;
//! - lookup returns the first entry whose masked address matches (an `ntpport` entry only for
//!   source port 123): the longest prefix for contiguous masks, list order for others;
//! - multicast sources are treated as `ignore`;
//! - the default entries (0/0 and ::/0) always exist, last: classic with no flags, NTPsec with
//!   `noquery limited` (`RES_Default`, `include/ntp.h`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::Flavor;

/// NTP's port: `ntpport` entries match only packets from it.
pub const NTP_PORT: u16 = 123;

macro_rules! flagset {
    ($(#[$m:meta])* $name:ident { $( $(#[$fm:meta])* $flag:ident = $bit:expr, $word:literal; )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub u32);
        impl $name {
            $( $(#[$fm])* pub const $flag: $name = $name($bit); )*
            /// No flags.
            pub const NONE: $name = $name(0);
            /// Every flag with its `ntp.conf` keyword, in a fixed order.
            pub const ALL: &'static [($name, &'static str)] = &[ $( ($name::$flag, $word), )* ];
            /// Contains every flag of `other`.
            pub const fn contains(self, other: $name) -> bool { self.0 & other.0 == other.0 && other.0 != 0 }
            /// Union.
            pub const fn union(self, other: $name) -> $name { $name(self.0 | other.0) }
            /// Without the flags of `other`.
            pub const fn without(self, other: $name) -> $name { $name(self.0 & !other.0) }
            /// No flag set.
            pub const fn is_empty(self) -> bool { self.0 == 0 }
            /// The flag for an `ntp.conf` keyword.
            pub fn from_keyword(word: &str) -> Option<$name> {
                Self::ALL.iter().find(|(_, w)| *w == word).map(|(f, _)| *f)
            }
            /// The keywords of the flags set.
            pub fn keywords(self) -> impl Iterator<Item = &'static str> {
                Self::ALL.iter().filter(move |(f, _)| self.contains(*f)).map(|(_, w)| *w)
            }
        }
        impl std::ops::BitOr for $name { type Output = $name; fn bitor(self, o: $name) -> $name { self.union(o) } }
        impl std::ops::BitOrAssign for $name { fn bitor_assign(&mut self, o: $name) { *self = self.union(o) } }
    };
}

flagset! {
    /// Restriction flags (`RES_*`): what happens to matching packets.
    RestrictFlags {
        /// `ignore`: drop everything.
        IGNORE = 0x0001, "ignore";
        /// `noserve`: no time service (mode 6 still answered).
        NOSERVE = 0x0002, "noserve";
        /// `notrust`: unauthenticated packets are dropped.
        NOTRUST = 0x0004, "notrust";
        /// `version`: only NTPv4 packets.
        VERSION = 0x0008, "version";
        /// `nopeer` (classic): no new unauthenticated association from this address.
        NOPEER = 0x0010, "nopeer";
        /// `noepeer` (classic): no ephemeral symmetric-passive association at all.
        NOEPEER = 0x0020, "noepeer";
        /// `limited`: rate limiting by the MRU list.
        LIMITED = 0x0040, "limited";
        /// `noquery`: drop mode 6 (and 7).
        NOQUERY = 0x0080, "noquery";
        /// `nomodify`: refuse mode 6/7 writes.
        NOMODIFY = 0x0100, "nomodify";
        /// `notrap` (classic): refuse trap registration.
        NOTRAP = 0x0200, "notrap";
        /// `lowpriotrap` (classic).
        LPTRAP = 0x0400, "lowpriotrap";
        /// `kod`: answer rate-limited packets with a RATE kiss (with `limited`).
        KOD = 0x0800, "kod";
        /// `mssntp`: MS-SNTP signing through Samba.
        MSSNTP = 0x1000, "mssntp";
        /// `flake`: drop 10% of packets.
        FLAKE = 0x2000, "flake";
        /// `nomrulist`: refuse mode 6 MRU list queries.
        NOMRULIST = 0x4000, "nomrulist";
        /// `serverresponse fuzz` (classic): fuzz the reference time.
        SRVRSPFUZZ = 0x8000, "serverresponse fuzz";
    }
}

flagset! {
    /// Match flags (`RESM_*`): part of an entry's key, not restrictions.
    MatchFlags {
        /// Entry for one of our own addresses (`ignore ntpport` self-restriction).
        INTERFACE = 0x1000, "interface";
        /// `ntpport`: matches only packets from source port 123.
        NTPPORT = 0x2000, "ntpport";
        /// Instantiated from `restrict source`.
        SOURCE = 0x4000, "source";
    }
}

/// What the entry matches: an address and a mask of the same family (the address is stored
/// masked, as ntpd does, so host bits under the mask are gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrMask {
    /// IPv4.
    V4 {
        /// Masked address.
        addr: u32,
        /// Mask (need not be contiguous).
        mask: u32,
    },
    /// IPv6.
    V6 {
        /// Masked address.
        addr: u128,
        /// Mask.
        mask: u128,
    },
}

impl AddrMask {
    /// A host entry (all-ones mask).
    pub fn host(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(a) => AddrMask::V4 { addr: a.into(), mask: u32::MAX },
            IpAddr::V6(a) => AddrMask::V6 { addr: a.into(), mask: u128::MAX },
        }
    }
    /// Address and mask; `None` if the families differ.
    pub fn new(ip: IpAddr, mask: IpAddr) -> Option<Self> {
        match (ip, mask) {
            (IpAddr::V4(a), IpAddr::V4(m)) => {
                let m = u32::from(m);
                Some(AddrMask::V4 { addr: u32::from(a) & m, mask: m })
            }
            (IpAddr::V6(a), IpAddr::V6(m)) => {
                let m = u128::from(m);
                Some(AddrMask::V6 { addr: u128::from(a) & m, mask: m })
            }
            _ => None,
        }
    }
    /// Address with a prefix length (NTPsec CIDR); `None` if the length is too long.
    pub fn prefix(ip: IpAddr, len: u8) -> Option<Self> {
        match ip {
            IpAddr::V4(_) if len <= 32 => {
                let m = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                AddrMask::new(ip, IpAddr::V4(Ipv4Addr::from(m)))
            }
            IpAddr::V6(_) if len <= 128 => {
                let m = if len == 0 { 0 } else { u128::MAX << (128 - len) };
                AddrMask::new(ip, IpAddr::V6(Ipv6Addr::from(m)))
            }
            _ => None,
        }
    }
    /// The all-addresses entry of a family (`restrict -4 default` / `-6 default`).
    pub fn any(v6: bool) -> Self {
        if v6 { AddrMask::V6 { addr: 0, mask: 0 } } else { AddrMask::V4 { addr: 0, mask: 0 } }
    }
    /// IPv6.
    pub fn is_v6(&self) -> bool {
        matches!(self, AddrMask::V6 { .. })
    }
    /// Does `ip` fall under it?
    pub fn matches(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (AddrMask::V4 { addr, mask }, IpAddr::V4(a)) => u32::from(a) & mask == *addr,
            (AddrMask::V6 { addr, mask }, IpAddr::V6(a)) => u128::from(a) & mask == *addr,
            _ => false,
        }
    }
    /// The mask is a prefix (ones then zeros); its length.
    pub fn prefix_len(&self) -> Option<u32> {
        match *self {
            AddrMask::V4 { mask, .. } => (mask.leading_ones() + mask.trailing_zeros() == 32).then(|| mask.leading_ones()),
            AddrMask::V6 { mask, .. } => (mask.leading_ones() + mask.trailing_zeros() == 128).then(|| mask.leading_ones()),
        }
    }
    fn key(&self) -> (u128, u128) {
        match *self {
            AddrMask::V4 { addr, mask } => (addr as u128, mask as u128),
            AddrMask::V6 { addr, mask } => (addr, mask),
        }
    }
}

impl std::fmt::Display for AddrMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            AddrMask::V4 { addr, mask } => match self.prefix_len() {
                Some(l) => write!(f, "{}/{l}", Ipv4Addr::from(addr)),
                None => write!(f, "{} mask {}", Ipv4Addr::from(addr), Ipv4Addr::from(mask)),
            },
            AddrMask::V6 { addr, mask } => match self.prefix_len() {
                Some(l) => write!(f, "{}/{l}", Ipv6Addr::from(addr)),
                None => write!(f, "{} mask {}", Ipv6Addr::from(addr), Ipv6Addr::from(mask)),
            },
        }
    }
}

/// Where an entry came from. Configuration lines are identified by an opaque number the
/// builder chooses (the runtime uses the index of the `restrict` line in the model).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Built-in default entry.
    Builtin,
    /// Self-restriction of a local address.
    Interface,
    /// Instantiated from the `restrict source` template for an association address.
    Source,
    /// Configuration lines, in the order they touched the entry.
    Lines(Vec<u32>),
}

/// One entry of the table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccessEntry {
    /// What it matches.
    pub net: AddrMask,
    /// Match flags (part of the key).
    pub mflags: MatchFlags,
    /// Restrictions.
    pub flags: RestrictFlags,
    /// Classic `ippeerlimit` (−1 = unlimited), taken from the line that created the entry.
    pub ippeerlimit: i16,
    /// Provenance.
    pub origin: Origin,
}

static MULTICAST: AccessEntry = AccessEntry {
    net: AddrMask::V4 { addr: 0xe000_0000, mask: 0xf000_0000 },
    mflags: MatchFlags::NONE,
    flags: RestrictFlags::IGNORE,
    ippeerlimit: 0,
    origin: Origin::Builtin,
};

/// What a `restrict`-family line does to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestrictOp {
    /// `restrict`: add flags (creating the entry if needed).
    Flags,
    /// NTPsec `unrestrict` with flags: clear them.
    Unflag,
    /// Classic `delrestrict`, NTPsec `unrestrict` without flags: remove the entry (never a
    /// default or interface entry).
    Remove,
}

/// The compiled `restrict` table.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessPolicy {
    flavor: Flavor,
    v4: Vec<AccessEntry>,
    v6: Vec<AccessEntry>,
    source_template: Option<(MatchFlags, RestrictFlags, i16)>,
    /// Lines (builder's numbers) that set or cleared flags on the default entries, IPv4 then
    /// IPv6; the entries themselves stay `Origin::Builtin` (so `Remove` never drops them).
    default_lines: [Vec<u32>; 2],
    /// The line that set the current `restrict source` template (the last one: ntpd keeps
    /// only the last template, it does not merge them).
    source_template_line: Option<u32>,
}

impl AccessPolicy {
    /// The table before any `restrict` line: the two default entries of the dialect.
    pub fn new(flavor: Flavor) -> Self {
        let flags = match flavor {
            Flavor::Classic => RestrictFlags::NONE,
            Flavor::Ntpsec => RestrictFlags::NOQUERY | RestrictFlags::LIMITED,
        };
        let def = |v6| AccessEntry { net: AddrMask::any(v6), mflags: MatchFlags::NONE, flags, ippeerlimit: -1, origin: Origin::Builtin };
        AccessPolicy {
            flavor,
            v4: vec![def(false)],
            v6: vec![def(true)],
            source_template: None,
            default_lines: [Vec::new(), Vec::new()],
            source_template_line: None,
        }
    }

    /// The dialect.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    fn sorts_before(&self, a: &AccessEntry, b: &AccessEntry) -> bool {
        let (aa, am) = a.net.key();
        let (ba, bm) = b.net.key();
        if aa != ba {
            return aa > ba;
        }
        if am != bm {
            return am > bm;
        }
        match self.flavor {
            Flavor::Classic => {
                (a.mflags.contains(MatchFlags::INTERFACE) && !b.mflags.contains(MatchFlags::INTERFACE))
                    || (!a.mflags.contains(MatchFlags::SOURCE) && b.mflags.contains(MatchFlags::SOURCE))
            }
            Flavor::Ntpsec => a.mflags.0 > b.mflags.0,
        }
    }

    fn list_mut(&mut self, v6: bool) -> &mut Vec<AccessEntry> {
        if v6 { &mut self.v6 } else { &mut self.v4 }
    }

    /// Apply one operation (ntpd's `hack_restrict`). Returns false when nothing matched for
    /// `Unflag`/`Remove` (ntpd logs "No match").
    pub fn apply(
        &mut self,
        op: RestrictOp,
        net: AddrMask,
        mflags: MatchFlags,
        flags: RestrictFlags,
        ippeerlimit: i16,
        origin: Origin,
    ) -> bool {
        let v6 = net.is_v6();
        let pos = self.list_mut(v6).iter().position(|e| e.net == net && e.mflags == mflags);
        if op != RestrictOp::Remove
            && let (Some(i), Origin::Lines(lines)) = (pos, &origin)
            && self.list_mut(v6)[i].origin == Origin::Builtin
        {
            self.default_lines[v6 as usize].extend(lines.iter().copied());
        }
        match op {
            RestrictOp::Flags => {
                if let Some(i) = pos {
                    let e = &mut self.list_mut(v6)[i];
                    e.flags |= flags;
                    if let (Origin::Lines(have), Origin::Lines(new)) = (&mut e.origin, origin) {
                        have.extend(new);
                    }
                } else {
                    let entry = AccessEntry { net, mflags, flags, ippeerlimit, origin };
                    let at = {
                        let list = if v6 { &self.v6 } else { &self.v4 };
                        list.iter().position(|cur| self.sorts_before(&entry, cur)).unwrap_or(list.len())
                    };
                    self.list_mut(v6).insert(at, entry);
                }
                true
            }
            RestrictOp::Unflag => match pos {
                Some(i) => {
                    let e = &mut self.list_mut(v6)[i];
                    e.flags = e.flags.without(flags);
                    if let (Origin::Lines(have), Origin::Lines(new)) = (&mut e.origin, origin) {
                        have.extend(new);
                    }
                    true
                }
                None => false,
            },
            RestrictOp::Remove => match pos {
                Some(i) => {
                    let e = &self.list_mut(v6)[i];
                    if e.origin == Origin::Builtin || e.mflags.contains(MatchFlags::INTERFACE) {
                        return false;
                    }
                    self.list_mut(v6).remove(i);
                    true
                }
                None => false,
            },
        }
    }

    /// Record the `restrict source` template. Each `restrict source` line replaces the previous
    /// template (ntpd stores it, it does not OR it).
    pub fn set_source_template(&mut self, mflags: MatchFlags, flags: RestrictFlags, ippeerlimit: i16) {
        self.source_template = Some((mflags | MatchFlags::SOURCE, flags, ippeerlimit));
    }

    /// Record which line set the `restrict source` template (call after `set_source_template`).
    pub fn set_source_template_line(&mut self, line: u32) {
        self.source_template_line = Some(line);
    }

    /// The line that set the current `restrict source` template, if recorded.
    pub fn source_template_line(&self) -> Option<u32> {
        self.source_template_line
    }

    /// The lines that set or cleared flags on a family's default entry, in order.
    pub fn default_lines(&self, v6: bool) -> &[u32] {
        &self.default_lines[v6 as usize]
    }

    /// A family's default entry (0/0 or ::/0, always present).
    pub fn default_entry(&self, v6: bool) -> &AccessEntry {
        let list = if v6 { &self.v6 } else { &self.v4 };
        list.iter().find(|e| e.origin == Origin::Builtin).expect("the default entry always exists")
    }

    /// The `restrict source` template, if configured.
    pub fn source_template(&self) -> Option<(MatchFlags, RestrictFlags, i16)> {
        self.source_template
    }

    /// Instantiate `restrict source` for an association address, as each dialect does:
    /// classic always adds the host entry; NTPsec only "pokes a hole" when the entry that
    /// would match ignores the address (or demands authentication the association lacks) and
    /// no host entry exists. Returns whether an entry was added.
    pub fn add_source(&mut self, addr: IpAddr, association_authenticated: bool) -> bool {
        let Some((mflags, flags, limit)) = self.source_template else { return false };
        if addr.is_multicast() {
            return false;
        }
        if self.flavor == Flavor::Ntpsec {
            let hit = self.lookup(SocketAddr::new(addr, NTP_PORT));
            let need =
                hit.flags.contains(RestrictFlags::IGNORE) || (hit.flags.contains(RestrictFlags::NOTRUST) && !association_authenticated);
            let specific = hit.net == AddrMask::host(addr);
            if !need || specific {
                return false;
            }
        }
        self.apply(RestrictOp::Flags, AddrMask::host(addr), mflags, flags, limit, Origin::Source)
    }

    /// Self-restriction for a local address the server listens on: `ignore` for packets from
    /// that address and port 123 (ntpd's `create_interface`), so a server never answers itself.
    pub fn add_interface(&mut self, addr: IpAddr) {
        self.apply(
            RestrictOp::Flags,
            AddrMask::host(addr),
            MatchFlags::INTERFACE | MatchFlags::NTPPORT,
            RestrictFlags::IGNORE,
            -4,
            Origin::Interface,
        );
    }

    /// The entry that applies to a packet from `src` (the first match in list order).
    pub fn lookup(&self, src: SocketAddr) -> &AccessEntry {
        let ip = canonical(src.ip());
        if ip.is_multicast() {
            return &MULTICAST;
        }
        let list = if ip.is_ipv6() { &self.v6 } else { &self.v4 };
        let port_ok = src.port() == NTP_PORT;
        list.iter()
            .find(|e| e.net.matches(ip) && (port_ok || !e.mflags.contains(MatchFlags::NTPPORT)))
            .expect("the default entry matches every address")
    }

    /// The restriction flags for a packet from `src`.
    pub fn flags(&self, src: SocketAddr) -> RestrictFlags {
        self.lookup(src).flags
    }

    /// Every entry, IPv4 list then IPv6 list, each in match order.
    pub fn entries(&self) -> impl Iterator<Item = &AccessEntry> {
        self.v4.iter().chain(self.v6.iter())
    }

    /// Any entry (the defaults included) carries `limited`: ntpd then keeps the MRU monitor on.
    pub fn any_limited(&self) -> bool {
        self.entries().any(|e| e.flags.contains(RestrictFlags::LIMITED))
            || self.source_template.is_some_and(|(_, f, _)| f.contains(RestrictFlags::LIMITED))
    }
}

/// ntpd receives IPv4 on v4 sockets; a v4-mapped IPv6 source (a dual-stack socket) is the
/// IPv4 address for matching purposes.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }
    fn net(a: &str, m: &str) -> AddrMask {
        AddrMask::new(a.parse().unwrap(), m.parse().unwrap()).unwrap()
    }
    fn line(n: u32) -> Origin {
        Origin::Lines(vec![n])
    }

    #[test]
    fn defaults_per_dialect() {
        let c = AccessPolicy::new(Flavor::Classic);
        assert_eq!(c.flags(sa("192.0.2.1:1234")), RestrictFlags::NONE);
        let s = AccessPolicy::new(Flavor::Ntpsec);
        assert_eq!(s.flags(sa("[2001:db8::1]:1234")), RestrictFlags::NOQUERY | RestrictFlags::LIMITED);
    }

    #[test]
    fn most_specific_wins_and_lines_are_cumulative() {
        let mut p = AccessPolicy::new(Flavor::Classic);
        p.apply(RestrictOp::Flags, AddrMask::any(false), MatchFlags::NONE, RestrictFlags::IGNORE, -1, line(1));
        p.apply(RestrictOp::Flags, net("10.0.0.0", "255.0.0.0"), MatchFlags::NONE, RestrictFlags::NOQUERY, -1, line(2));
        p.apply(RestrictOp::Flags, net("10.1.0.0", "255.255.0.0"), MatchFlags::NONE, RestrictFlags::KOD, -1, line(3));
        p.apply(RestrictOp::Flags, net("10.1.0.0", "255.255.0.0"), MatchFlags::NONE, RestrictFlags::LIMITED, -1, line(4));
        assert_eq!(p.flags(sa("192.0.2.1:5")), RestrictFlags::IGNORE);
        assert_eq!(p.flags(sa("10.2.0.1:5")), RestrictFlags::NOQUERY);
        let e = p.lookup(sa("10.1.2.3:5"));
        assert_eq!(e.flags, RestrictFlags::KOD | RestrictFlags::LIMITED, "no inheritance from 10/8, ORed lines");
        assert_eq!(e.origin, Origin::Lines(vec![3, 4]));
    }

    #[test]
    fn host_bits_are_masked_off() {
        let mut p = AccessPolicy::new(Flavor::Classic);
        p.apply(RestrictOp::Flags, net("10.1.2.3", "255.0.0.0"), MatchFlags::NONE, RestrictFlags::NOSERVE, -1, line(1));
        assert_eq!(p.flags(sa("10.200.0.1:5")), RestrictFlags::NOSERVE);
    }

    #[test]
    fn ntpport_only_from_port_123() {
        for flavor in [Flavor::Classic, Flavor::Ntpsec] {
            let mut p = AccessPolicy::new(flavor);
            p.apply(RestrictOp::Flags, net("192.0.2.0", "255.255.255.0"), MatchFlags::NTPPORT, RestrictFlags::IGNORE, -1, line(1));
            assert!(p.flags(sa("192.0.2.9:123")).contains(RestrictFlags::IGNORE));
            assert!(!p.flags(sa("192.0.2.9:50000")).contains(RestrictFlags::IGNORE));
        }
    }

    #[test]
    fn equal_key_order_differs_by_dialect() {
        // Same address/mask, one plain and one ntpport entry. Classic: first inserted wins;
        // NTPsec: ntpport (0x2000) sorts before plain (0).
        for (flavor, want) in [(Flavor::Classic, RestrictFlags::NOSERVE), (Flavor::Ntpsec, RestrictFlags::IGNORE)] {
            let mut p = AccessPolicy::new(flavor);
            p.apply(RestrictOp::Flags, net("192.0.2.0", "255.255.255.0"), MatchFlags::NONE, RestrictFlags::NOSERVE, -1, line(1));
            p.apply(RestrictOp::Flags, net("192.0.2.0", "255.255.255.0"), MatchFlags::NTPPORT, RestrictFlags::IGNORE, -1, line(2));
            assert_eq!(p.flags(sa("192.0.2.9:123")), want, "{flavor:?}");
        }
    }

    #[test]
    fn interface_entries_ignore_own_address_on_port_123() {
        let mut p = AccessPolicy::new(Flavor::Classic);
        p.add_interface("127.0.0.1".parse().unwrap());
        assert!(p.flags(sa("127.0.0.1:123")).contains(RestrictFlags::IGNORE));
        assert!(!p.flags(sa("127.0.0.1:40000")).contains(RestrictFlags::IGNORE));
    }

    #[test]
    fn multicast_is_ignored_and_mapped_v4_matches_v4() {
        let mut p = AccessPolicy::new(Flavor::Classic);
        p.apply(RestrictOp::Flags, net("192.0.2.0", "255.255.255.0"), MatchFlags::NONE, RestrictFlags::NOSERVE, -1, line(1));
        assert_eq!(p.flags(sa("224.0.1.1:123")), RestrictFlags::IGNORE);
        assert_eq!(p.flags(sa("[ff02::101]:123")), RestrictFlags::IGNORE);
        assert_eq!(p.flags(sa("[::ffff:192.0.2.7]:999")), RestrictFlags::NOSERVE);
    }

    #[test]
    fn unrestrict_and_delrestrict() {
        let mut p = AccessPolicy::new(Flavor::Ntpsec);
        assert!(p.apply(
            RestrictOp::Unflag,
            AddrMask::any(false),
            MatchFlags::NONE,
            RestrictFlags::NOQUERY | RestrictFlags::LIMITED,
            -1,
            line(1)
        ));
        assert_eq!(p.flags(sa("192.0.2.1:5")), RestrictFlags::NONE);
        assert!(
            !p.apply(RestrictOp::Remove, AddrMask::any(false), MatchFlags::NONE, RestrictFlags::NONE, -1, line(2)),
            "default never removed"
        );
        p.apply(RestrictOp::Flags, net("192.0.2.1", "255.255.255.255"), MatchFlags::NONE, RestrictFlags::IGNORE, -1, line(3));
        assert!(p.apply(RestrictOp::Remove, net("192.0.2.1", "255.255.255.255"), MatchFlags::NONE, RestrictFlags::NONE, -1, line(4)));
        assert_eq!(p.flags(sa("192.0.2.1:5")), RestrictFlags::NONE);
    }

    #[test]
    fn restrict_source_classic_always_ntpsec_only_to_poke_holes() {
        let mut c = AccessPolicy::new(Flavor::Classic);
        c.set_source_template(MatchFlags::NONE, RestrictFlags::NOQUERY, -1);
        assert!(c.add_source("192.0.2.5".parse().unwrap(), false));
        assert_eq!(c.flags(sa("192.0.2.5:123")), RestrictFlags::NOQUERY);

        let mut s = AccessPolicy::new(Flavor::Ntpsec);
        s.set_source_template(MatchFlags::NONE, RestrictFlags::NOQUERY, -1);
        assert!(!s.add_source("192.0.2.5".parse().unwrap(), false), "default does not ignore: no hole needed");
        s.apply(RestrictOp::Flags, AddrMask::any(false), MatchFlags::NONE, RestrictFlags::IGNORE, -1, line(1));
        assert!(s.add_source("192.0.2.5".parse().unwrap(), false));
        assert_eq!(s.flags(sa("192.0.2.5:123")), RestrictFlags::NOQUERY);
    }

    #[test]
    fn non_contiguous_mask_orders_numerically() {
        let mut p = AccessPolicy::new(Flavor::Classic);
        // mask 255.0.255.0 on 10.0.1.0 and a /8 on 10.0.0.0: 10.0.1.0 sorts first.
        p.apply(RestrictOp::Flags, net("10.0.1.0", "255.0.255.0"), MatchFlags::NONE, RestrictFlags::NOSERVE, -1, line(1));
        p.apply(RestrictOp::Flags, net("10.0.0.0", "255.0.0.0"), MatchFlags::NONE, RestrictFlags::NOQUERY, -1, line(2));
        assert_eq!(p.flags(sa("10.9.1.7:5")), RestrictFlags::NOSERVE);
        assert_eq!(p.flags(sa("10.9.2.7:5")), RestrictFlags::NOQUERY);
        assert_eq!(p.lookup(sa("10.9.2.7:5")).net.to_string(), "10.0.0.0/8");
        assert_eq!(p.lookup(sa("10.9.1.7:5")).net.to_string(), "10.0.1.0 mask 255.0.255.0");
    }
}

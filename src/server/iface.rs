//! Which local addresses to serve on: ntpd's `interface`/`nic` rules (and `-I`, `-L`, `-4`,
//! `-6`) applied to the machine's addresses, as `interface_action()` in ntp_io.c does: rules are
//! kept newest first (each one is inserted at the head of the list, config rules after the
//! command line's), the first match decides; loopback addresses are served and the wildcard is
//! not unless a rule says otherwise; without any rule every address is served, with rules an
//! unmatched address is ignored.

use std::net::{IpAddr, SocketAddr, SocketAddrV6};

use crate::config::model::InterfaceRule;

/// What to do with an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open a socket and serve.
    Listen,
    /// No socket.
    Ignore,
    /// Open a socket (so nothing else takes the port there) and discard what arrives.
    Drop,
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// `all`: every address except loopback and wildcard.
    All,
    /// `ipv4`
    Ipv4,
    /// `ipv6`
    Ipv6,
    /// `wildcard`
    Wildcard,
    /// An address, or a prefix with `/len`.
    Addr(IpAddr, Option<u8>),
    /// An interface name (shell pattern, case-insensitive).
    Name(String),
}

/// One `interface`/`nic` rule or `-I` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicRule {
    /// What it matches.
    pub matches: Match,
    /// What it does.
    pub action: Action,
}

impl NicRule {
    /// Reads one rule target (`all`, `ipv4`, `eth0`, `192.0.2.1`, `192.0.2.0/24`, …).
    pub fn parse(action: Action, target: &str, is_class: bool) -> NicRule {
        let matches = if is_class {
            match target {
                "all" => Match::All,
                "ipv4" => Match::Ipv4,
                "ipv6" => Match::Ipv6,
                _ => Match::Wildcard,
            }
        } else {
            let (a, len) = match target.split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (target, None),
            };
            match a.parse::<IpAddr>() {
                Ok(ip) => {
                    let bits = if ip.is_ipv4() { 32 } else { 128 };
                    // ntpd: sscanf("%d"), clamped to [-1, bits]; -1 (or no number) = exact address.
                    let len = len.and_then(|l| l.trim().parse::<i64>().ok()).filter(|&l| l >= 0).map(|l| l.min(bits) as u8);
                    Match::Addr(ip, len)
                }
                Err(_) => Match::Name(target.to_string()),
            }
        };
        NicRule { matches, action }
    }
}

/// The rules in evaluation order: the config's, newest first, then the command line's `-I`
/// (newest first), exactly as ntpd's head insertions leave its list.
pub fn rules(config_rules: &[InterfaceRule], cli_interfaces: &[String]) -> Vec<NicRule> {
    let mut out = Vec::new();
    for r in config_rules.iter().rev() {
        let action = match r.action.as_str() {
            "listen" => Action::Listen,
            "drop" => Action::Drop,
            _ => Action::Ignore,
        };
        out.push(NicRule::parse(action, &r.target, r.is_class));
    }
    for i in cli_interfaces.iter().rev() {
        out.push(NicRule::parse(Action::Listen, i, false));
    }
    out
}

/// One address of this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAddr {
    /// Interface name (`eth0`, or `eth0:1` for an alias — a "virtual IP").
    pub name: String,
    /// The address.
    pub ip: IpAddr,
    /// IPv6 scope (link-local).
    pub scope_id: u32,
    /// IFF_LOOPBACK.
    pub loopback: bool,
}

impl HostAddr {
    /// The socket address to bind on `port`.
    pub fn socket_addr(&self, port: u16) -> SocketAddr {
        match self.ip {
            IpAddr::V4(v4) => SocketAddr::new(IpAddr::V4(v4), port),
            IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, port, 0, self.scope_id)),
        }
    }
}

/// The addresses of the interfaces that are up.
pub fn host_addrs() -> std::io::Result<Vec<HostAddr>> {
    use nix::net::if_::InterfaceFlags;
    let mut out = Vec::new();
    for ifa in nix::ifaddrs::getifaddrs().map_err(std::io::Error::from)? {
        if !ifa.flags.contains(InterfaceFlags::IFF_UP) {
            continue;
        }
        let Some(addr) = ifa.address else { continue };
        let loopback = ifa.flags.contains(InterfaceFlags::IFF_LOOPBACK);
        if let Some(v4) = addr.as_sockaddr_in() {
            out.push(HostAddr { name: ifa.interface_name.clone(), ip: IpAddr::V4(v4.ip()), scope_id: 0, loopback });
        } else if let Some(v6) = addr.as_sockaddr_in6() {
            out.push(HostAddr { name: ifa.interface_name.clone(), ip: IpAddr::V6(v6.ip()), scope_id: v6.scope_id(), loopback });
        }
    }
    Ok(out)
}

/// `interface_action()`: what the rules say about one address (`name` is `None` for the
/// wildcard).
pub fn action(rules: &[NicRule], name: Option<&str>, ip: IpAddr, loopback: bool, listen_virtual: bool) -> Action {
    let wildcard = ip.is_unspecified();
    for r in rules {
        let hit = match &r.matches {
            Match::All => !loopback && !wildcard,
            Match::Ipv4 => ip.is_ipv4(),
            Match::Ipv6 => ip.is_ipv6(),
            Match::Wildcard => wildcard,
            Match::Addr(a, None) => *a == ip,
            Match::Addr(a, Some(len)) => same_prefix(*a, ip, *len),
            Match::Name(pat) => name.is_some_and(|n| glob_casefold(pat, n)),
        };
        if hit {
            return r.action;
        }
    }
    if loopback {
        return Action::Listen;
    }
    if wildcard {
        return Action::Drop;
    }
    if !listen_virtual && name.is_some_and(|n| n.contains(':')) {
        return Action::Ignore;
    }
    if rules.is_empty() { Action::Listen } else { Action::Ignore }
}

fn same_prefix(a: IpAddr, b: IpAddr, len: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let m = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len.min(32))) };
            u32::from(a) & m == u32::from(b) & m
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let m = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len.min(128))) };
            u128::from(a) & m == u128::from(b) & m
        }
        _ => false,
    }
}

/// fnmatch(3) with FNM_CASEFOLD for `*`, `?` and `[…]` (no escapes: interface names have none).
fn glob_casefold(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.to_lowercase().chars().collect();
    let t: Vec<char> = s.to_lowercase().chars().collect();
    fn class(p: &[char], c: char) -> Option<(bool, usize)> {
        // p starts after '['; returns (matched, chars consumed including ']').
        let mut i = 0;
        let neg = matches!(p.first(), Some('!') | Some('^'));
        if neg {
            i += 1;
        }
        let mut hit = false;
        let mut first = true;
        while i < p.len() {
            if p[i] == ']' && !first {
                return Some((hit != neg, i + 1));
            }
            first = false;
            if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
                hit |= p[i] <= c && c <= p[i + 2];
                i += 3;
            } else {
                hit |= p[i] == c;
                i += 1;
            }
        }
        None
    }
    fn go(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|k| go(&p[1..], &t[k..])),
            Some('?') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some('[') => match (t.first(), class(&p[1..], *t.first().unwrap_or(&'\0'))) {
                (Some(_), Some((true, n))) => go(&p[1 + n..], &t[1..]),
                (Some(_), Some((false, _))) => false,
                (_, None) => t.first() == Some(&'[') && go(&p[1..], &t[1..]),
                (None, _) => false,
            },
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(&p, &t)
}

/// Address families allowed by `-4`/`-6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Families {
    /// Both.
    #[default]
    Both,
    /// `-4`
    V4,
    /// `-6`
    V6,
}

impl Families {
    /// Whether `ip` is allowed.
    pub fn allows(self, ip: IpAddr) -> bool {
        match self {
            Families::Both => true,
            Families::V4 => ip.is_ipv4(),
            Families::V6 => ip.is_ipv6(),
        }
    }
}

/// One socket address to open and what to do there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Where.
    pub addr: SocketAddr,
    /// Listen or drop.
    pub action: Action,
    /// Interface name (or `wildcard`).
    pub name: String,
}

/// The endpoints to open on `port` for these host addresses.
pub fn endpoints(rules: &[NicRule], addrs: &[HostAddr], port: u16, fam: Families, listen_virtual: bool) -> Vec<Endpoint> {
    let mut out = Vec::new();
    // The wildcard of each family is opened only where a rule asks for it.
    for (w, f) in [(IpAddr::from([0u8; 4]), Families::V4), (IpAddr::from([0u16; 8]), Families::V6)] {
        if fam != Families::Both && fam != f {
            continue;
        }
        if action(rules, None, w, false, listen_virtual) == Action::Listen {
            out.push(Endpoint { addr: SocketAddr::new(w, port), action: Action::Listen, name: "wildcard".into() });
        }
    }
    for a in addrs {
        if !fam.allows(a.ip) {
            continue;
        }
        let act = action(rules, Some(&a.name), a.ip, a.loopback, listen_virtual);
        if act == Action::Ignore {
            continue;
        }
        let addr = a.socket_addr(port);
        if out.iter().any(|e: &Endpoint| e.addr == addr) {
            continue;
        }
        out.push(Endpoint { addr, action: act, name: a.name.clone() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Vec<HostAddr> {
        vec![
            HostAddr { name: "lo".into(), ip: "127.0.0.1".parse().unwrap(), scope_id: 0, loopback: true },
            HostAddr { name: "eth0".into(), ip: "192.0.2.5".parse().unwrap(), scope_id: 0, loopback: false },
            HostAddr { name: "eth0:1".into(), ip: "192.0.2.6".parse().unwrap(), scope_id: 0, loopback: false },
            HostAddr { name: "eth1".into(), ip: "2001:db8::5".parse().unwrap(), scope_id: 0, loopback: false },
        ]
    }

    fn ips(e: &[Endpoint]) -> Vec<String> {
        e.iter().map(|e| format!("{}{}", e.addr.ip(), if e.action == Action::Drop { " drop" } else { "" })).collect()
    }

    fn rule(action: &str, target: &str, is_class: bool) -> InterfaceRule {
        InterfaceRule { action: action.into(), target: target.into(), is_class, span: Default::default() }
    }

    #[test]
    fn no_rules_listen_everywhere_but_the_wildcard() {
        let e = endpoints(&[], &host(), 123, Families::Both, true);
        assert_eq!(ips(&e), ["127.0.0.1", "192.0.2.5", "192.0.2.6", "2001:db8::5"]);
        let e = endpoints(&[], &host(), 123, Families::V4, false);
        assert_eq!(ips(&e), ["127.0.0.1", "192.0.2.5"], "-4 and -L");
    }

    #[test]
    fn rules_newest_first_and_implicit_ignore() {
        // The ntpload NTPsec config: ignore wildcard, ignore ipv6, listen 127.0.0.1.
        let r = rules(&[rule("ignore", "wildcard", true), rule("ignore", "ipv6", true), rule("listen", "127.0.0.1", false)], &[]);
        assert_eq!(ips(&endpoints(&r, &host(), 123, Families::Both, true)), ["127.0.0.1"]);
        // A later rule wins over an earlier one.
        let r = rules(&[rule("listen", "eth0", false), rule("ignore", "192.0.2.0/24", false)], &[]);
        assert_eq!(ips(&endpoints(&r, &host(), 123, Families::Both, true)), ["127.0.0.1"]);
        // -I eth0 alone: only eth0 (and loopback, served by default).
        let r = rules(&[], &["ETH0".into()]);
        assert_eq!(ips(&endpoints(&r, &host(), 123, Families::Both, true)), ["127.0.0.1", "192.0.2.5"]);
        // Config rules come before -I: `interface drop eth*` beats -I eth0.
        let r = rules(&[rule("drop", "eth*", false)], &["eth0".into()]);
        assert_eq!(
            ips(&endpoints(&r, &host(), 123, Families::Both, true)),
            ["127.0.0.1", "192.0.2.5 drop", "192.0.2.6 drop", "2001:db8::5 drop"]
        );
        // `all` excludes loopback, which stays on by default; `nic ignore lo` turns it off.
        let r = rules(&[rule("ignore", "all", true), rule("ignore", "lo", false)], &[]);
        assert!(endpoints(&r, &host(), 123, Families::Both, true).is_empty());
        let r = rules(&[rule("listen", "wildcard", true)], &[]);
        assert_eq!(ips(&endpoints(&r, &host(), 123, Families::Both, true)), ["0.0.0.0", "::", "127.0.0.1"]);
    }

    #[test]
    fn globs() {
        assert!(glob_casefold("eth*", "ETH0"));
        assert!(glob_casefold("e?h[0-3]", "eth2"));
        assert!(!glob_casefold("e?h[!0-3]", "eth2"));
        assert!(!glob_casefold("eth", "eth0"));
    }

    #[test]
    fn prefixes() {
        assert_eq!(NicRule::parse(Action::Listen, "10.0.0.0/99", false).matches, Match::Addr("10.0.0.0".parse().unwrap(), Some(32)));
        assert!(same_prefix("192.0.2.0".parse().unwrap(), "192.0.2.77".parse().unwrap(), 24));
        assert!(!same_prefix("192.0.2.0".parse().unwrap(), "192.0.3.1".parse().unwrap(), 24));
        assert!(same_prefix("2001:db8::".parse().unwrap(), "2001:db8::1".parse().unwrap(), 64));
    }
}

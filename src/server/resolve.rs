//! Host-name resolution for `server`/`pool`/`peer` names, behind one [`Resolver`] trait:
//! the system resolver (getaddrinfo) in production, a fixed table in tests.
//!
//! Lookups block (getaddrinfo can take seconds), so the driver runs them on tokio's blocking
//! pool (`spawn_blocking`), never on the main loop and never on the socket worker threads. The
//! retry schedule for names that fail, and when pools are re-resolved, is the sync core's
//! (`ResolveRequest`); this module only answers.
//!
//! The fixed table is the test hook `--test-hosts NAME=ADDR,NAME=ADDR,…` (hidden; a name may
//! repeat to give several addresses). With it, nothing is ever asked of the system resolver:
//! a name not in the table fails, as an unknown name would.

use std::collections::BTreeMap;
use std::net::{IpAddr, ToSocketAddrs};

/// Resolves host names. `lookup` may block; call it off the event loop.
pub trait Resolver: Send + Sync + std::fmt::Debug {
    /// The addresses of `host` (port only passed through to getaddrinfo), in the order the
    /// resolver gave them, without duplicates. Err: why not (logged by the driver).
    fn lookup(&self, host: &str, port: u16) -> Result<Vec<IpAddr>, String>;
}

/// The system resolver (`getaddrinfo` through `std::net::ToSocketAddrs`), as ntpd uses it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn lookup(&self, host: &str, port: u16) -> Result<Vec<IpAddr>, String> {
        let addrs = (host, port).to_socket_addrs().map_err(|e| e.to_string())?;
        let v = dedup(addrs.map(|a| a.ip()));
        if v.is_empty() { Err("no address".into()) } else { Ok(v) }
    }
}

/// A fixed name → addresses table (tests). Names compare case-insensitively, as DNS does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FixedResolver {
    table: BTreeMap<String, Vec<IpAddr>>,
}

impl FixedResolver {
    /// Parse `NAME=ADDR,NAME=ADDR,…` (white space around the parts is ignored).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut table: BTreeMap<String, Vec<IpAddr>> = BTreeMap::new();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, addr) = item.split_once('=').ok_or_else(|| format!("`{item}`: expected NAME=ADDRESS"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("`{item}`: empty name"));
            }
            let a = addr.trim();
            let ip: IpAddr =
                a.trim_start_matches('[').trim_end_matches(']').parse().map_err(|_| format!("`{item}`: `{a}` is not an IP address"))?;
            let v = table.entry(name.to_ascii_lowercase()).or_default();
            if !v.contains(&ip) {
                v.push(ip);
            }
        }
        Ok(FixedResolver { table })
    }

    /// Names in the table.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// No names.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl Resolver for FixedResolver {
    fn lookup(&self, host: &str, _port: u16) -> Result<Vec<IpAddr>, String> {
        let key = host.trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = key.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        self.table.get(&key).cloned().ok_or_else(|| format!("{host}: not in the --test-hosts table (the system resolver is not asked)"))
    }
}

fn dedup(it: impl Iterator<Item = IpAddr>) -> Vec<IpAddr> {
    let mut v: Vec<IpAddr> = Vec::new();
    for ip in it {
        if !v.contains(&ip) {
            v.push(ip);
        }
    }
    v
}

/// Runs `resolver.lookup` on tokio's blocking pool; the answer comes back on the event loop.
pub async fn lookup_async(resolver: std::sync::Arc<dyn Resolver>, host: String, port: u16) -> Result<Vec<IpAddr>, String> {
    tokio::task::spawn_blocking(move || resolver.lookup(&host, port)).await.unwrap_or_else(|e| Err(format!("resolver task failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_table() {
        let r = FixedResolver::parse(" up.test=192.0.2.2 , pool.test=192.0.2.3,POOL.test=[2001:db8::1],pool.test=192.0.2.3").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.lookup("UP.test.", 123).unwrap(), vec!["192.0.2.2".parse::<IpAddr>().unwrap()]);
        assert_eq!(r.lookup("pool.test", 123).unwrap(), vec!["192.0.2.3".parse::<IpAddr>().unwrap(), "2001:db8::1".parse().unwrap()]);
        assert!(r.lookup("ntp.example.org", 123).unwrap_err().contains("not in the --test-hosts table"));
        assert_eq!(r.lookup("192.0.2.9", 123).unwrap(), vec!["192.0.2.9".parse::<IpAddr>().unwrap()]);
        assert!(FixedResolver::parse("x").is_err());
        assert!(FixedResolver::parse("=1.2.3.4").is_err());
        assert!(FixedResolver::parse("a=b").unwrap_err().contains("not an IP address"));
        assert!(FixedResolver::parse("").unwrap().is_empty());
    }

    #[test]
    fn system_resolver_answers_numeric_and_localhost_without_the_network() {
        // Numeric hosts never reach DNS; `localhost` comes from /etc/hosts (or nss-myhostname).
        assert_eq!(SystemResolver.lookup("192.0.2.7", 123).unwrap(), vec!["192.0.2.7".parse::<IpAddr>().unwrap()]);
        if let Ok(v) = SystemResolver.lookup("localhost", 123) {
            assert!(v.iter().all(|ip| ip.is_loopback()), "{v:?}");
        }
    }

    #[test]
    fn lookup_runs_on_the_blocking_pool() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let r: std::sync::Arc<dyn Resolver> = std::sync::Arc::new(FixedResolver::parse("a.test=192.0.2.5").unwrap());
        let got = rt.block_on(lookup_async(r, "a.test".into(), 123)).unwrap();
        assert_eq!(got, vec!["192.0.2.5".parse::<IpAddr>().unwrap()]);
    }
}

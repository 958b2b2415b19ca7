//! The environment, read only by the opt-in rules: name resolution (`--dns`, through the
//! [`Resolver`] trait so tests use a stub and never query anything outside the machine) and
//! local interface addresses (`--env`).

use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};

/// Resolves host names for the `env:dns` rules.
pub trait Resolver: Send + Sync {
    /// All addresses of `host`, or why there are none.
    fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String>;
}

/// The system resolver (getaddrinfo). Used only when the user passes `--dns`.
#[derive(Debug, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        (host, 123u16).to_socket_addrs().map(|it| it.map(|a| a.ip()).collect()).map_err(|e| e.to_string())
    }
}

/// A fixed table (tests): names absent from it do not resolve.
#[derive(Debug, Default, Clone)]
pub struct StubResolver {
    /// name → addresses.
    pub table: HashMap<String, Vec<IpAddr>>,
}

impl StubResolver {
    /// From `name=addr,addr;name=addr` text.
    pub fn parse(spec: &str) -> StubResolver {
        let mut table = HashMap::new();
        for item in spec.split(';').filter(|s| !s.trim().is_empty()) {
            if let Some((n, addrs)) = item.split_once('=') {
                let v: Vec<IpAddr> = addrs.split(',').filter_map(|a| a.trim().parse().ok()).collect();
                table.insert(n.trim().to_ascii_lowercase(), v);
            }
        }
        StubResolver { table }
    }
}

impl Resolver for StubResolver {
    fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        match self.table.get(&host.trim_end_matches('.').to_ascii_lowercase()) {
            Some(v) if !v.is_empty() => Ok(v.clone()),
            _ => Err("Name or service not known".into()),
        }
    }
}

/// The addresses of this host's interfaces.
pub fn local_addresses() -> Vec<IpAddr> {
    let mut out = Vec::new();
    if let Ok(it) = nix::ifaddrs::getifaddrs() {
        for i in it {
            if let Some(a) = i.address {
                if let Some(v4) = a.as_sockaddr_in() {
                    out.push(IpAddr::V4(v4.ip()));
                } else if let Some(v6) = a.as_sockaddr_in6() {
                    out.push(IpAddr::V6(v6.ip()));
                }
            }
        }
    }
    out
}

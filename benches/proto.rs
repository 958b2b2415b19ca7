//! `cargo bench --bench proto`: nanoseconds per packet through `proto::server::Server::handle`
//! (no sockets: the protocol core's own cost), per scenario. Prints a table; not a test.
// Timing a benchmark is what the clock is for here.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_bytes};
use ntpcheck::proto::Flavor;
use ntpcheck::proto::auth::{KeyStore, MacAlgorithm, SymmetricKey};
use ntpcheck::proto::packet::decode;
use ntpcheck::proto::server::{MAX_REPLY_LEN, Received, Server};
use ntpcheck::proto::system::SystemVars;
use ntpcheck::proto::time::{Log2Seconds, NtpTimestamp};
use ntpcheck::runtime;

fn server(conf: &str, d: Dialect, keys: Option<(MacAlgorithm, u32)>) -> Server {
    let l = load_bytes("bench.conf", conf.as_bytes(), &LoadOptions { dialect: d, ..Default::default() });
    let mut plan = runtime::plan(&l).unwrap();
    if let Some((alg, id)) = keys {
        let mut ks = KeyStore::new();
        ks.insert(SymmetricKey { id, algorithm: alg, secret: b"0123456789abcdef".to_vec(), trusted: true, acl: vec![] });
        plan.server.keys = ks;
    }
    let sys = SystemVars { stratum: 4, ..SystemVars::unsynchronised(Log2Seconds(-24)) };
    Server::with_seed(plan.server, sys, 0x1234_5678)
}

fn request(signed: Option<(&Server, u32)>) -> Vec<u8> {
    let mut b = vec![0u8; 72];
    b[0] = 0x23;
    b[2] = 6;
    b[40..48].copy_from_slice(&0xeeb1_7300_1234_5678u64.to_be_bytes());
    match signed {
        Some((s, id)) => {
            let n = s.config().keys.sign(s.config().flavor, id, &mut b, 48).unwrap();
            b.truncate(48 + n);
        }
        None => b.truncate(48),
    }
    b
}

fn run(name: &str, s: &mut Server, req: &[u8], sources: u32, n: u32) {
    let mut out = [0u8; MAX_REPLY_LEN];
    let mut clock = || NtpTimestamp::new(3_970_000_000, 1);
    // Warm up.
    for i in 0..n / 10 {
        let rx = Received {
            src: SocketAddr::new(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + (i % sources))), 40000),
            dst: "192.0.2.1:123".parse().unwrap(),
            rx_time: NtpTimestamp::new(3_970_000_000, i),
            mono: Duration::from_nanos(i as u64 * 1000),
        };
        black_box(s.handle(&rx, req, &mut out, &mut clock));
    }
    let t0 = Instant::now();
    for i in 0..n {
        let rx = Received {
            src: SocketAddr::new(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + (i % sources))), 40000),
            dst: "192.0.2.1:123".parse().unwrap(),
            rx_time: NtpTimestamp::new(3_970_000_000, i),
            mono: Duration::from_nanos(1_000_000_000 + i as u64 * 1000),
        };
        black_box(s.handle(&rx, black_box(req), &mut out, &mut clock));
    }
    let ns = t0.elapsed().as_nanos() as f64 / n as f64;
    let c = s.counters();
    println!("{name:<58} {ns:>8.1} ns/packet   (replies {} kisses {} drops {})", c.replies, c.kisses, c.dropped);
}

fn main() {
    let n = 2_000_000;
    println!("proto::Server::handle, {n} packets per row (one core, no I/O)");
    let plain = request(None);
    run("classic, no restrict, 1 source", &mut server("", Dialect::Classic, None), &plain, 1, n);
    run("classic, no restrict, 100k sources", &mut server("", Dialect::Classic, None), &plain, 100_000, n);
    run(
        "classic, restrict default limited kod, 100k sources",
        &mut server("restrict default limited kod\n", Dialect::Classic, None),
        &plain,
        100_000,
        n,
    );
    run(
        "classic, limited kod, 1M sources (MRU churn at 10922)",
        &mut server("restrict default limited kod\n", Dialect::Classic, None),
        &plain,
        1_000_000,
        n,
    );
    run("ntpsec, default (noquery limited), 100k sources", &mut server("", Dialect::Ntpsec, None), &plain, 100_000, n);
    run("ntpsec, unrestrict default limited, 1 source", &mut server("unrestrict default limited\n", Dialect::Ntpsec, None), &plain, 1, n);
    for (alg, name) in [(MacAlgorithm::Md5, "MD5"), (MacAlgorithm::Sha1, "SHA1"), (MacAlgorithm::Aes128Cmac, "AES128CMAC")] {
        let mut s = server("", Dialect::Classic, Some((alg, 7)));
        let req = request(Some((&s, 7)));
        run(&format!("classic, {name}-authenticated request + MACed reply"), &mut s, &req, 1, n / 4);
    }
    let t0 = Instant::now();
    for _ in 0..n {
        black_box(decode(black_box(&plain)).ok());
    }
    println!("{:<58} {:>8.1} ns/packet", "packet::decode alone", t0.elapsed().as_nanos() as f64 / n as f64);
    let _ = Flavor::Classic;
    // Memory per MRU entry: the entry itself plus one hash-map slot (key + index).
    let entry = std::mem::size_of::<ntpcheck::proto::ratelimit::MonEntry>();
    let slot = std::mem::size_of::<(u128, bool, u32)>() + 1;
    println!(
        "MRU entry: {entry} bytes + ~{slot} bytes of hash slot (ntpd: 96); default bound {} entries ≈ {} KiB",
        ntpcheck::proto::ratelimit::DEFAULT_MAXDEPTH,
        ntpcheck::proto::ratelimit::DEFAULT_MAXDEPTH as usize * (entry + slot * 8 / 7) / 1024
    );
}

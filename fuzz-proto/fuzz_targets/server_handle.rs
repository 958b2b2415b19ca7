//! Fuzz `proto::server::Server::handle` (both dialects) and the packet decoders with arbitrary
//! datagrams. The first bytes choose the source address, port and restrict configuration.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_bytes};
use ntpcheck::proto::packet;
use ntpcheck::proto::server::{MAX_REPLY_LEN, Received, Server, ServerConfig, Verdict};
use ntpcheck::proto::system::SystemVars;
use ntpcheck::proto::time::{Log2Seconds, NtpTimestamp};
use ntpcheck::runtime;

const CONFS: [&str; 4] = [
    "restrict default limited kod\n",
    "restrict default notrust\n",
    "restrict default noserve version flake\nrestrict 10.0.0.0 mask 255.0.0.0 ignore\n",
    "server 127.127.1.0 prefer\n",
];

fn configs() -> &'static Vec<ServerConfig> {
    static C: OnceLock<Vec<ServerConfig>> = OnceLock::new();
    C.get_or_init(|| {
        let mut v = Vec::new();
        for d in [Dialect::Classic, Dialect::Ntpsec] {
            for c in CONFS {
                let l = load_bytes("fuzz.conf", c.as_bytes(), &LoadOptions { dialect: d, ..Default::default() });
                v.push(runtime::plan(&l).expect("valid").server);
            }
        }
        v
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = packet::decode(data);
    let _ = packet::decode_ntpsec(data);
    if data.len() < 8 {
        return;
    }
    let (head, req) = data.split_at(8);
    let cfg = &configs()[head[0] as usize % configs().len()];
    let ip = if head[1] & 1 == 0 {
        IpAddr::V4(Ipv4Addr::new(head[2], head[3], head[4], head[5]))
    } else {
        IpAddr::V6(Ipv6Addr::from(u128::from_be_bytes([head[2]; 16]) ^ head[3] as u128))
    };
    let port = u16::from_be_bytes([head[6], head[7]]);
    let mut s = Server::new(cfg.clone(), SystemVars::unsynchronised(Log2Seconds(-24)));
    let mut out = [0u8; MAX_REPLY_LEN];
    for i in 0..3u64 {
        let rx = Received {
            src: SocketAddr::new(ip, port),
            dst: "127.0.0.1:123".parse().unwrap(),
            rx_time: NtpTimestamp(i),
            mono: Duration::from_millis(i * 300),
        };
        match s.handle(&rx, req, &mut out, &mut || NtpTimestamp(i)) {
            Verdict::Reply(n) | Verdict::Kiss(_, n) => assert!(n <= MAX_REPLY_LEN && packet::decode(&out[..n]).is_ok()),
            Verdict::Drop(_) => {}
        }
    }
});

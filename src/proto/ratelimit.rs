//! Rate limiting and the MRU ("monitor") list, as `ntpd/ntp_monitor.c` does it.
//!
//! One entry per source address (all ports together, so a cron'ed client with fresh source
//! ports cannot evade it), most recently used first. Each packet updates its entry and decides
//! whether `limited` (drop) and `kod` (answer with a RATE kiss) apply:
//!
//! - classic (`discard average A minimum M monitor P`): a leaky bucket in whole seconds. The
//!   headway is `2^A` s (default 8 s), the bucket limit 8 headways; a packet within `M` s of the
//!   previous one (1 s grace), or one that would overflow the bucket, is limited; the first
//!   such packet fills the bucket to limit + headway and keeps `kod`, later ones in the same
//!   burst lose `kod` — so KoDs themselves go out at most once per headway;
//! - NTPsec (`limit average R burst D kod K`): an exponentially decaying score
//!   (`score·e^(−Δt/D) + 1/D`); limited while the score ≥ R packets/s; no KoD while the score
//!   exceeds R + K.
//!
//! The list is bounded by `mru`: below `mindepth` entries it always grows; above, the oldest
//! entry is recycled when older than `maxage`, else the list grows to `maxdepth`, else the
//! oldest is recycled (classic: with probability age/`monitor`; NTPsec: if older than
//! `minage`) or the packet goes unrecorded (and unlimited). The first packet from a new
//! address is never limited.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, SocketAddr};

use super::Flavor;
use super::access::RestrictFlags;

/// ntpd's `sizeof(mon_entry)` on 64-bit Linux (both dialects: NTPsec logs "MRU 10922 entries"
/// for the 1 MB default). `mru maxmem` converts kilobytes to entries with it.
pub const MON_ENTRY_SIZE: u32 = 96;
/// Default `mru maxdepth`: 1 MB worth of entries.
pub const DEFAULT_MAXDEPTH: u32 = 1024 * 1024 / MON_ENTRY_SIZE;
/// Our own ceiling when the configuration says "unlimited" (a negative `maxdepth`/`maxmem`):
/// ntpd would grow without bound; we stop at 2^22 entries (≈ 400 MB in ntpd terms).
pub const UNLIMITED_CAP: u32 = 1 << 22;

/// The rate-limiting algorithm and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateAlgorithm {
    /// Classic `discard`.
    Classic {
        /// `discard average`: log2 of the headway in seconds (ntpd's `ntp_minpoll`), default 3.
        average: u8,
        /// `discard minimum`: minimum spacing in seconds (`ntp_minpkt`), default 2.
        minimum: i32,
        /// `discard monitor`: preemption scale (`mon_age`), default 3000.
        monitor: i32,
    },
    /// NTPsec `limit`.
    Ntpsec {
        /// `limit average`: allowed packets per second, default 1.0.
        average: f64,
        /// `limit burst`: decay time of the score in seconds, default 20.
        burst: f64,
        /// `limit kod`: KoDs per second, default 0.5.
        kod: f64,
    },
}

impl RateAlgorithm {
    /// The dialect's defaults.
    pub fn default_for(flavor: Flavor) -> Self {
        match flavor {
            Flavor::Classic => RateAlgorithm::Classic { average: 3, minimum: 2, monitor: 3000 },
            Flavor::Ntpsec => RateAlgorithm::Ntpsec { average: 1.0, burst: 20.0, kod: 0.5 },
        }
    }
}

/// `mru` bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MruLimits {
    /// Never recycle below this many entries (default 600).
    pub mindepth: u32,
    /// Hard limit (default [`DEFAULT_MAXDEPTH`]; "unlimited" is capped at [`UNLIMITED_CAP`]).
    pub maxdepth: u32,
    /// Recycle the oldest entry when older than this (s): classic 64, NTPsec 3600.
    pub maxage: i64,
    /// NTPsec: when full, recycle only entries older than this (s), default 64.
    pub minage: i64,
}

impl MruLimits {
    /// The dialect's defaults.
    pub fn default_for(flavor: Flavor) -> Self {
        MruLimits {
            mindepth: 600,
            maxdepth: DEFAULT_MAXDEPTH,
            maxage: match flavor {
                Flavor::Classic => 64,
                Flavor::Ntpsec => 3600,
            },
            minage: 64,
        }
    }
    /// The most entries the list can ever hold: `mindepth` is a floor below which ntpd
    /// allocates regardless of `maxdepth`.
    pub fn bound(&self) -> u32 {
        self.mindepth.max(self.maxdepth).min(UNLIMITED_CAP)
    }
}

/// Settings of the monitor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitConfig {
    /// Dialect.
    pub flavor: Flavor,
    /// Algorithm parameters.
    pub algorithm: RateAlgorithm,
    /// List bounds.
    pub mru: MruLimits,
    /// The monitor runs (classic: on by default, `disable monitor` turns it off unless some
    /// entry is `limited`; NTPsec: only while some entry is `limited`).
    pub enabled: bool,
}

impl RateLimitConfig {
    /// Dialect defaults, monitor on.
    pub fn default_for(flavor: Flavor) -> Self {
        RateLimitConfig { flavor, algorithm: RateAlgorithm::default_for(flavor), mru: MruLimits::default_for(flavor), enabled: true }
    }
}

const NIL: u32 = u32::MAX;
const NS: i64 = 1_000_000_000;

/// One MRU entry (what `ntpq mrulist` shows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonEntry {
    /// Source address.
    pub addr: IpAddr,
    /// Last source port.
    pub port: u16,
    /// First packet (monotonic ns).
    pub first: u64,
    /// Last packet (monotonic ns).
    pub last: u64,
    /// Packets.
    pub count: u32,
    /// Packets limited (NTPsec counts them).
    pub dropped: u32,
    /// Classic leaky bucket (s).
    pub leak: i32,
    /// NTPsec score.
    pub score: f32,
    /// Restriction flags returned for the last packet.
    pub flags: RestrictFlags,
    /// Version and mode of the last packet.
    pub vn_mode: u8,
    prev: u32,
    next: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key(u128, bool);

impl Key {
    /// One entry per address: an IPv4-mapped IPv6 source (a dual-stack socket) is the IPv4
    /// address.
    fn of(ip: IpAddr) -> Key {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match ip {
            IpAddr::V4(a) => Key(u32::from(a) as u128, false),
            IpAddr::V6(a) => Key(u128::from(a), true),
        }
    }
}

/// A keyed multiply-xorshift hasher: fast for 17-byte keys, and keyed by a seed the driver
/// draws at start so remote senders cannot aim at one bucket.
#[derive(Clone, Copy)]
struct SeededHash(u64);
impl BuildHasher for SeededHash {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher(self.0)
    }
}
struct MixHasher(u64);
impl Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(31);
    }
    fn write_u128(&mut self, v: u128) {
        self.write_u64(v as u64);
        self.write_u64((v >> 64) as u64);
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(v as u64);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// The MRU list and the rate limiter.
#[derive(Clone)]
pub struct RateLimiter {
    config: RateLimitConfig,
    map: HashMap<Key, u32, SeededHash>,
    slab: Vec<MonEntry>,
    head: u32,
    tail: u32,
    rng: u64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").field("config", &self.config).field("entries", &self.slab.len()).finish()
    }
}

/// The outcome of [`RateLimiter::check`]: the packet's flags with `limited`/`kod` left on only
/// where they apply.
pub type Checked = RestrictFlags;

impl RateLimiter {
    /// An empty list. `seed` keys the hash and the preemption coin (any value; the driver
    /// should pass something unpredictable).
    pub fn new(config: RateLimitConfig, seed: u64) -> Self {
        RateLimiter { config, map: HashMap::with_hasher(SeededHash(seed | 1)), slab: Vec::new(), head: NIL, tail: NIL, rng: seed | 1 }
    }

    /// The configuration.
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// Replace the configuration (SIGHUP), keeping the entries that still fit.
    pub fn reconfigure(&mut self, config: RateLimitConfig) {
        self.config = config;
        while self.slab.len() as u32 > config.mru.bound() {
            let t = self.tail;
            self.unlink(t);
            let last = self.slab.len() as u32 - 1;
            let key = Key::of(self.slab[t as usize].addr);
            self.map.remove(&key);
            if t != last {
                self.move_entry(last, t);
            }
            self.slab.pop();
        }
    }

    /// Entries now in the list.
    pub fn len(&self) -> usize {
        self.slab.len()
    }

    /// The list is empty.
    pub fn is_empty(&self) -> bool {
        self.slab.is_empty()
    }

    /// Entries, most recent first.
    pub fn entries(&self) -> impl Iterator<Item = &MonEntry> {
        let mut i = self.head;
        std::iter::from_fn(move || {
            if i == NIL {
                return None;
            }
            let e = &self.slab[i as usize];
            i = e.next;
            Some(e)
        })
    }

    fn random(&mut self) -> f64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn unlink(&mut self, i: u32) {
        let (p, n) = (self.slab[i as usize].prev, self.slab[i as usize].next);
        if p == NIL {
            self.head = n
        } else {
            self.slab[p as usize].next = n
        }
        if n == NIL { self.tail = p } else { self.slab[n as usize].prev = p }
    }

    fn push_front(&mut self, i: u32) {
        self.slab[i as usize].prev = NIL;
        self.slab[i as usize].next = self.head;
        if self.head != NIL {
            self.slab[self.head as usize].prev = i;
        } else {
            self.tail = i;
        }
        self.head = i;
    }

    /// Move slab slot `from` to `to` (which is free), fixing links and the map.
    fn move_entry(&mut self, from: u32, to: u32) {
        let e = self.slab[from as usize];
        self.slab[to as usize] = e;
        if e.prev == NIL {
            self.head = to
        } else {
            self.slab[e.prev as usize].next = to
        }
        if e.next == NIL {
            self.tail = to
        } else {
            self.slab[e.next as usize].prev = to
        }
        self.map.insert(Key::of(e.addr), to);
    }

    /// Record a packet from `src` at monotonic time `now_ns` and decide whether `limited` and
    /// `kod` of `flags` apply to it (ntpd's `ntp_monitor`).
    pub fn check(&mut self, src: SocketAddr, now_ns: u64, vn_mode: u8, flags: RestrictFlags) -> Checked {
        let quiet = flags.without(RestrictFlags::LIMITED | RestrictFlags::KOD);
        if !self.config.enabled {
            return quiet;
        }
        let key = Key::of(src.ip());
        if let Some(&i) = self.map.get(&key) {
            let mut mask = flags;
            let e = &mut self.slab[i as usize];
            let delta = now_ns.saturating_sub(e.last) as i64;
            e.last = now_ns;
            e.port = src.port();
            e.count = e.count.saturating_add(1);
            e.vn_mode = vn_mode;
            match self.config.algorithm {
                RateAlgorithm::Classic { average, minimum, .. } => {
                    // Whole seconds, rounded half up (ntpd adds 0.5 s to the l_fp difference).
                    let interval = ((delta + NS / 2) / NS).min(i32::MAX as i64) as i32;
                    e.leak = e.leak.saturating_sub(interval).max(0);
                    let head: i32 = 1 << average.min(30);
                    let leak = e.leak.saturating_add(head);
                    let limit = head.saturating_mul(8);
                    if interval.saturating_add(1) >= minimum && leak < limit {
                        e.leak = leak - 2;
                        mask = quiet;
                    } else if e.leak < limit {
                        e.leak = limit.saturating_add(head);
                    } else {
                        mask = mask.without(RestrictFlags::KOD);
                    }
                }
                RateAlgorithm::Ntpsec { average, burst, kod } => {
                    let since = delta as f64 / NS as f64;
                    let burst = burst as f32;
                    e.score *= (-(since as f32) / burst).exp();
                    e.score += 1.0 / burst;
                    if (e.score as f64) < average {
                        mask = quiet;
                    }
                    if mask.contains(RestrictFlags::LIMITED) {
                        e.dropped = e.dropped.saturating_add(1);
                    }
                    if e.score as f64 > kod + average {
                        mask = mask.without(RestrictFlags::KOD);
                    }
                }
            }
            e.flags = mask;
            self.unlink(i);
            self.push_front(i);
            return mask;
        }

        // A new address: allocate, recycle the oldest, or leave it unrecorded.
        let mru = self.config.mru;
        let len = self.slab.len() as u32;
        let slot = if len < mru.mindepth.min(UNLIMITED_CAP) {
            None
        } else {
            let oldest = self.tail;
            let age = if oldest == NIL { 0 } else { (now_ns.saturating_sub(self.slab[oldest as usize].last) as i64 + NS / 2) / NS };
            if oldest != NIL && mru.maxage < age {
                Some(oldest)
            } else if len < mru.bound() {
                None
            } else {
                let recycle = match self.config.algorithm {
                    RateAlgorithm::Classic { monitor, .. } => self.random() <= age as f64 / monitor as f64,
                    RateAlgorithm::Ntpsec { .. } => age >= mru.minage,
                };
                if !recycle || oldest == NIL {
                    return quiet;
                }
                Some(oldest)
            }
        };
        let score = match self.config.algorithm {
            RateAlgorithm::Ntpsec { burst, .. } => (1.0 / burst) as f32,
            RateAlgorithm::Classic { .. } => 0.0,
        };
        let entry = MonEntry {
            addr: src.ip(),
            port: src.port(),
            first: now_ns,
            last: now_ns,
            count: 1,
            dropped: 0,
            leak: 0,
            score,
            flags: quiet,
            vn_mode,
            prev: NIL,
            next: NIL,
        };
        let i = match slot {
            Some(i) => {
                self.unlink(i);
                let old = Key::of(self.slab[i as usize].addr);
                self.map.remove(&old);
                self.slab[i as usize] = entry;
                i
            }
            None => {
                self.slab.push(entry);
                self.slab.len() as u32 - 1
            }
        };
        self.map.insert(key, i);
        self.push_front(i);
        quiet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: RestrictFlags = RestrictFlags::LIMITED;
    const LK: RestrictFlags = RestrictFlags(RestrictFlags::LIMITED.0 | RestrictFlags::KOD.0);

    fn src(n: u32) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(n.into()), 40000)
    }
    fn secs(s: f64) -> u64 {
        (s * 1e9) as u64
    }

    #[test]
    fn classic_minimum_spacing_and_kod_once_per_burst() {
        let mut r = RateLimiter::new(RateLimitConfig::default_for(Flavor::Classic), 7);
        assert_eq!(r.check(src(1), secs(0.0), 0x23, LK), RestrictFlags::NONE, "first packet never limited");
        // 0.4 s later: interval rounds to 0, 0+1 < minimum 2 → limited, kod kept.
        assert_eq!(r.check(src(1), secs(0.4), 0x23, LK), LK);
        // Right after: bucket already over the limit → limited without kod.
        assert_eq!(r.check(src(1), secs(0.5), 0x23, LK), L);
        // Much later the bucket drains.
        assert_eq!(r.check(src(1), secs(200.0), 0x23, LK), RestrictFlags::NONE);
    }

    #[test]
    fn classic_average_headway() {
        let mut r = RateLimiter::new(RateLimitConfig::default_for(Flavor::Classic), 7);
        // Every 2 s (≥ minimum): bucket gains 8−2−2 = 4 per packet, limit 64.
        let mut t = 0.0;
        let mut first_limited = None;
        for n in 0..40 {
            let f = r.check(src(9), secs(t), 0x23, L);
            if f.contains(L) && first_limited.is_none() {
                first_limited = Some(n);
            }
            t += 2.0;
        }
        // After packet n ≥ 1 the bucket holds 4n + 2; packet n tests 4(n−1) + 8 = 4n + 4 < 64,
        // which first fails at n = 15 (30 s of 2 s polling).
        assert_eq!(first_limited, Some(15));
    }

    #[test]
    fn ntpsec_score() {
        let mut r = RateLimiter::new(RateLimitConfig::default_for(Flavor::Ntpsec), 7);
        // 10 packets per second: score climbs by ~0.05 per packet, limited from score ≥ 1.
        let mut limited_at = None;
        let mut kod_lost_at = None;
        for n in 0..400u64 {
            let f = r.check(src(2), n * 100_000_000, 0x23, LK);
            if f.contains(L) && limited_at.is_none() {
                limited_at = Some(n);
                assert!(f.contains(RestrictFlags::KOD));
            }
            if f.contains(L) && !f.contains(RestrictFlags::KOD) && kod_lost_at.is_none() {
                kod_lost_at = Some(n);
            }
        }
        let l = limited_at.expect("limited");
        assert!((20..25).contains(&l), "{l}");
        assert!(kod_lost_at.expect("kod stops above 1.5") > l);
    }

    #[test]
    fn bounded_by_maxdepth_and_mindepth() {
        let mut cfg = RateLimitConfig::default_for(Flavor::Ntpsec);
        cfg.mru = MruLimits { mindepth: 10, maxdepth: 50, maxage: 3600, minage: 0 };
        let mut r = RateLimiter::new(cfg, 1);
        for n in 0..1000 {
            r.check(src(n), n as u64 * 1000, 0x23, L);
            assert!(r.len() <= 50);
        }
        assert_eq!(r.len(), 50);
        // Most recent first.
        assert_eq!(r.entries().next().unwrap().addr, src(999).ip());
        assert_eq!(r.entries().count(), 50);
        cfg.mru.maxdepth = 5;
        r.reconfigure(cfg);
        assert_eq!(r.len(), 10, "mindepth is a floor");
        assert_eq!(r.entries().count(), 10);
    }

    #[test]
    fn old_entries_recycled_past_maxage() {
        let mut cfg = RateLimitConfig::default_for(Flavor::Classic);
        cfg.mru = MruLimits { mindepth: 2, maxdepth: 1000, maxage: 64, minage: 64 };
        let mut r = RateLimiter::new(cfg, 1);
        r.check(src(1), 0, 0x23, L);
        r.check(src(2), 0, 0x23, L);
        r.check(src(3), secs(100.0), 0x23, L);
        assert_eq!(r.len(), 2, "oldest (src 1) recycled");
        assert!(r.entries().all(|e| e.addr != src(1).ip()));
    }

    #[test]
    fn mapped_v4_is_the_same_source() {
        let mut r = RateLimiter::new(RateLimitConfig::default_for(Flavor::Classic), 7);
        r.check(src(0x0a00_0001), 0, 0x23, LK);
        let mapped: SocketAddr = "[::ffff:10.0.0.1]:5".parse().unwrap();
        assert_eq!(r.check(mapped, secs(0.1), 0x23, LK), LK);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn disabled_monitor_never_limits() {
        let mut cfg = RateLimitConfig::default_for(Flavor::Classic);
        cfg.enabled = false;
        let mut r = RateLimiter::new(cfg, 1);
        for n in 0..10 {
            assert_eq!(r.check(src(1), n, 0x23, LK), RestrictFlags::NONE);
        }
        assert!(r.is_empty());
    }
}

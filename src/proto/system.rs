//! The system variables a server puts in every reply (RFC 5905 §9.1: leap, stratum,
//! precision, root delay, root dispersion, reference id, reference time).
//!
//! This is the one narrow interface between "how the clock is synchronised" (the local clock
//! driver today, upstream associations later) and the reply path: the driver publishes a new
//! [`SystemVars`] snapshot (e.g. through a `tokio::sync::watch` channel) and hands the latest to
//! [`super::server::Server::set_system`].

use std::time::Duration;

use super::packet::{LeapIndicator, ReferenceId};
use super::time::{Log2Seconds, NtpShort, NtpTimestamp};

/// Stratum ntpd uses internally for "unsynchronised"; sent as 0 on the wire.
pub const STRATUM_UNSPEC: u8 = 16;

/// A snapshot of the system variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SystemVars {
    /// Leap indicator (3 = unsynchronised).
    pub leap: LeapIndicator,
    /// Stratum, 1–15 when synchronised; 16 = unsynchronised (sent as 0).
    pub stratum: u8,
    /// Precision of the system clock (log2 s).
    pub precision: Log2Seconds,
    /// Total round-trip delay to the reference clock.
    pub root_delay: NtpShort,
    /// Total dispersion to the reference clock.
    pub root_dispersion: NtpShort,
    /// Reference id of the system peer.
    pub reference_id: ReferenceId,
    /// When the system clock was last set or corrected.
    pub reference_time: NtpTimestamp,
}

impl SystemVars {
    /// What ntpd serves before it has synchronised: LI 3, stratum 16 (0 on the wire), refid
    /// `INIT`, zero root delay/dispersion and reference time.
    pub fn unsynchronised(precision: Log2Seconds) -> Self {
        SystemVars {
            leap: LeapIndicator::Unsynchronized,
            stratum: STRATUM_UNSPEC,
            precision,
            root_delay: NtpShort::ZERO,
            root_dispersion: NtpShort::ZERO,
            reference_id: ReferenceId::INIT,
            reference_time: NtpTimestamp::ZERO,
        }
    }

    /// Unsynchronised `since_start` after start-up: ntpd adds PHI to the root dispersion
    /// every second (`adj_host_clock`), from the first second on.
    pub fn unsynchronised_since(precision: Log2Seconds, since_start: Duration) -> Self {
        let secs = since_start.as_secs().saturating_sub(1);
        SystemVars { root_dispersion: NtpShort::from_secs_f64(PHI * secs as f64), ..Self::unsynchronised(precision) }
    }

    /// The stratum as sent: 16 and above become 0 ("unspecified"), as ntpd's `STRATUM_TO_PKT`.
    pub fn wire_stratum(&self) -> u8 {
        if self.stratum >= STRATUM_UNSPEC { 0 } else { self.stratum }
    }

    /// Synchronised to something.
    pub fn is_synchronised(&self) -> bool {
        self.leap != LeapIndicator::Unsynchronized && self.stratum < STRATUM_UNSPEC
    }
}

/// ntpd's `clock_phi`: the dispersion growth rate assumed for a clock (15 PPM).
pub const PHI: f64 = 15e-6;
/// The LOCAL driver's own dispersion (`refclock_local.c`: 10 ms), its peer root dispersion.
pub const LOCAL_DISPERSION: f64 = 0.01;
/// The dispersion of an empty clock-filter slot (`MAXDISPERSE`).
pub const MAXDISPERSE: f64 = 16.0;
/// Clock-filter stages (`NTP_SHIFT`).
pub const NTP_SHIFT: usize = 8;

/// The local clock driver (ntpd's LOCAL, type 1) as both daemons run it, verified by running
/// classic 4.2.8p18 and NTPsec 1.2.2 (identical here):
///
/// - the driver is sampled 1 s after start-up and then every 2^poll s (64 s);
/// - with `prefer` it is selected at the first sample; otherwise it is only a fallback,
///   selected at the first sample after `tos orphanwait` (default 300 s);
/// - once selected the server is synchronised at stratum `stratum + 1`; the reference id is
///   the driver's refid (`LOCL`) when that is stratum 1, else the pseudo-address 127.127.1.u;
///   the reference time is the last sample;
/// - root dispersion = 10 ms (the driver's own) + the clock-filter dispersion
///   Σ dᵢ/2^(i+1) over 8 stages (empty stages 16 s; a sample i polls old has grown
///   by PHI·age) + PHI per second since the last sample. After the first sample that is 7.95 s,
///   after the second 3.95 s, … (a chrony client, which rejects a root distance over 3 s,
///   accepts the time from the third sample on);
/// - before that: unsynchronised (LI 3, stratum 0, refid INIT) with the root dispersion
///   growing by PHI per second since start.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalClock {
    /// The driver's stratum (fudge/`stratum` option; LOCAL's default 5).
    pub stratum: u8,
    /// The driver's refid (`LOCL` unless `fudge … refid`).
    pub driver_refid: ReferenceId,
    /// The unit (the `u` of 127.127.1.u).
    pub unit: u8,
    /// `prefer` on the association: selected at once instead of after `orphanwait`.
    pub prefer: bool,
    /// `noselect`: never selected.
    pub noselect: bool,
    /// Poll exponent (`minpoll`; 6 by default).
    pub poll: Log2Seconds,
    /// `tos orphanwait` (300 s by default).
    pub orphan_wait: Duration,
    /// Leap indicator once synchronised.
    pub leap: LeapIndicator,
}

/// When the first sample is taken.
pub const FIRST_SAMPLE: Duration = Duration::from_secs(1);

impl LocalClock {
    /// Dialect defaults for a driver at `stratum`.
    pub fn new(stratum: u8) -> Self {
        LocalClock {
            stratum,
            driver_refid: ReferenceId::LOCL,
            unit: 0,
            prefer: false,
            noselect: false,
            poll: Log2Seconds(6),
            orphan_wait: Duration::from_secs(300),
            leap: LeapIndicator::NoWarning,
        }
    }

    fn poll_secs(&self) -> u64 {
        1u64 << self.poll.0.clamp(0, 17)
    }

    /// Start-up offsets of the samples taken by `since_start`.
    fn samples(&self, since_start: Duration) -> u64 {
        if since_start < FIRST_SAMPLE {
            return 0;
        }
        (since_start - FIRST_SAMPLE).as_secs() / self.poll_secs() + 1
    }

    fn sample_time(&self, k: u64) -> Duration {
        FIRST_SAMPLE + Duration::from_secs((k - 1) * self.poll_secs())
    }

    /// The sample (1-based) at which the daemon selects the driver, if ever.
    pub fn selected_at(&self) -> Option<u64> {
        if self.noselect {
            return None;
        }
        if self.prefer {
            return Some(1);
        }
        // First sample strictly after orphanwait.
        let w = self.orphan_wait.as_secs();
        let first = FIRST_SAMPLE.as_secs();
        let k = if w < first { 1 } else { (w - first) / self.poll_secs() + 2 };
        Some(k)
    }

    /// When the server becomes synchronised, measured from start-up.
    pub fn sync_after(&self) -> Option<Duration> {
        self.selected_at().map(|k| self.sample_time(k))
    }

    /// Clock-filter dispersion after `k` samples, one poll apart.
    pub fn filter_dispersion(&self, k: u64) -> f64 {
        let age = PHI * self.poll_secs() as f64;
        (0..NTP_SHIFT).map(|i| if (i as u64) < k { age * i as f64 } else { MAXDISPERSE } / (1u64 << (i + 1)) as f64).sum()
    }

    /// The reference id served: the driver's at stratum 1, the pseudo-address above.
    pub fn reference_id(&self) -> ReferenceId {
        if self.stratum == 0 { self.driver_refid } else { ReferenceId([127, 127, 1, self.unit]) }
    }

    /// The system variables served `since_start` after start-up, at wall time `now`.
    pub fn system_vars(&self, precision: Log2Seconds, since_start: Duration, now: NtpTimestamp) -> SystemVars {
        let k = self.samples(since_start);
        match self.selected_at() {
            Some(sel) if k >= sel => {
                let at = self.sample_time(k);
                let since_sample = since_start - at;
                let disp = LOCAL_DISPERSION + self.filter_dispersion(k) + PHI * since_sample.as_secs() as f64;
                SystemVars {
                    leap: self.leap,
                    stratum: (self.stratum + 1).min(STRATUM_UNSPEC),
                    precision,
                    root_delay: NtpShort::ZERO,
                    root_dispersion: NtpShort::from_secs_f64(disp),
                    reference_id: self.reference_id(),
                    reference_time: now.add_duration(super::time::NtpDuration::from_secs_f64(-since_sample.as_secs_f64())),
                }
            }
            _ => SystemVars::unsynchronised_since(precision, since_start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }
    const NOW: NtpTimestamp = NtpTimestamp::new(4_000_000_000, 0);

    // Reference values below are what classic 4.2.8p18 and NTPsec 1.2.2 served (queried at
    // those offsets after start-up) for `server 127.127.1.0` + `fudge 127.127.1.0 stratum 10`.

    #[test]
    fn prefer_selects_at_the_first_sample() {
        let l = LocalClock { stratum: 10, prefer: true, ..LocalClock::new(10) };
        let v = l.system_vars(Log2Seconds(-24), secs(5), NOW);
        assert_eq!((v.leap, v.stratum, v.reference_id.0), (LeapIndicator::NoWarning, 11, [127, 127, 1, 0]));
        assert!((v.root_dispersion.as_secs_f64() - 7.947556).abs() < 2e-5, "{}", v.root_dispersion.as_secs_f64());
        assert_eq!(v.reference_time, NOW.add_duration(super::super::time::NtpDuration::from_secs_f64(-4.0)));
        let v = l.system_vars(Log2Seconds(-24), secs(66), NOW);
        assert!((v.root_dispersion.as_secs_f64() - 3.947754).abs() < 2e-5, "{}", v.root_dispersion.as_secs_f64());
        let v = l.system_vars(Log2Seconds(-24), secs(130), NOW);
        assert!((v.root_dispersion.as_secs_f64() - 1.947983).abs() < 2e-5, "{}", v.root_dispersion.as_secs_f64());
    }

    #[test]
    fn without_prefer_it_is_a_fallback_after_orphanwait() {
        let l = LocalClock::new(10);
        assert_eq!(l.sync_after(), Some(secs(321)));
        let v = l.system_vars(Log2Seconds(-24), secs(260), NOW);
        assert_eq!((v.leap, v.stratum, v.reference_id), (LeapIndicator::Unsynchronized, 16, ReferenceId::INIT));
        assert!((v.root_dispersion.as_secs_f64() - 0.003891).abs() < 3e-5, "{}", v.root_dispersion.as_secs_f64());
        let v = l.system_vars(Log2Seconds(-24), secs(325), NOW);
        assert_eq!(v.stratum, 11);
        assert!((v.root_dispersion.as_secs_f64() - 0.198425).abs() < 3e-5, "{}", v.root_dispersion.as_secs_f64());
        let v = l.system_vars(Log2Seconds(-24), secs(460), NOW);
        assert!((v.root_dispersion.as_secs_f64() - 0.011108).abs() < 5e-5, "{}", v.root_dispersion.as_secs_f64());
    }

    #[test]
    fn stratum_zero_serves_locl_at_stratum_one() {
        let l = LocalClock { prefer: true, ..LocalClock::new(0) };
        let v = l.system_vars(Log2Seconds(-24), secs(5), NOW);
        assert_eq!((v.stratum, v.reference_id), (1, ReferenceId::LOCL));
    }

    #[test]
    fn noselect_never_syncs() {
        let l = LocalClock { noselect: true, prefer: true, ..LocalClock::new(3) };
        assert_eq!(l.sync_after(), None);
        assert!(!l.system_vars(Log2Seconds(-24), secs(10_000), NOW).is_synchronised());
    }
}

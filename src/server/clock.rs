//! The system clock: the only place the OS clock is read (clippy's `disallowed-methods` guard
//! allows it here). `proto` gets time only as arguments.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time since the Unix epoch now (CLOCK_REALTIME). A clock before 1970 reads as the epoch.
pub fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// A monotonic instant (uptime, rate intervals, timeouts).
pub fn monotonic() -> std::time::Instant {
    std::time::Instant::now()
}

/// A kernel receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME) as time since the Unix epoch.
/// Not a clock read: the kernel took it when the datagram arrived.
pub fn from_timespec(sec: i64, nsec: i64) -> Duration {
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Duration::ZERO;
    }
    Duration::new(sec as u64, nsec as u32)
}

/// ntpd's precision: log2 of the time one clock reading takes (at least one tick of the
/// clock's resolution), measured as the smallest step between successive distinct readings.
pub fn measure_precision() -> crate::proto::time::Log2Seconds {
    let mut best = u128::MAX;
    let mut last = SystemTime::now();
    for _ in 0..1000 {
        let t = SystemTime::now();
        if let Ok(d) = t.duration_since(last) {
            let ns = d.as_nanos();
            if ns > 0 {
                best = best.min(ns);
            }
        }
        last = t;
    }
    if best == u128::MAX {
        best = 1;
    }
    // Smallest p with 2^p s >= best: ceil(log2(best ns * 1e-9)).
    let secs = best as f64 * 1e-9;
    crate::proto::time::Log2Seconds(secs.log2().ceil().clamp(-30.0, 0.0) as i8)
}

fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    // Howard Hinnant's days→civil algorithm (proleptic Gregorian, UTC).
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (rem / 3600) as u32, (rem / 60 % 60) as u32, (rem % 60) as u32)
}

/// `2026-11-25T14:20:01Z`, for the log file.
pub fn log_stamp() -> String {
    let (y, mo, d, h, mi, s) = civil(unix_now().as_secs());
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `Nov 25 14:20:01`, the RFC 3164 header time.
pub fn syslog_stamp() -> String {
    const M: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (_, mo, d, h, mi, s) = civil(unix_now().as_secs());
    format!("{} {d:2} {h:02}:{mi:02}:{s:02}", M[(mo - 1) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(civil(1_795_616_401), (2026, 11, 25, 14, 20, 1));
    }

    #[test]
    fn timespec_conversion() {
        assert_eq!(from_timespec(5, 7), Duration::new(5, 7));
        assert_eq!(from_timespec(-1, 0), Duration::ZERO);
        assert_eq!(from_timespec(1, 1_000_000_000), Duration::ZERO);
    }
}

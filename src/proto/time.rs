//! NTP time values on the wire: the 64-bit timestamp (RFC 5905 §6, era-wrapping), the 32-bit
//! short format, and the signed log2 fields (poll, precision).

use std::time::Duration;

/// Seconds from the NTP prime epoch (1900-01-01) to the Unix epoch (1970-01-01).
pub const UNIX_OFFSET: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp: 32 bits of seconds and 32 bits of fraction, modulo one era
/// (2^32 s ≈ 136 years). Comparisons across an era boundary go through [`NtpTimestamp::diff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NtpTimestamp(pub u64);

impl NtpTimestamp {
    /// The all-zero timestamp ("unknown" in origin/reference fields).
    pub const ZERO: NtpTimestamp = NtpTimestamp(0);

    /// From the wire (already in host order).
    pub const fn from_bits(bits: u64) -> Self {
        NtpTimestamp(bits)
    }
    /// The wire value.
    pub const fn to_bits(self) -> u64 {
        self.0
    }
    /// Seconds field (mod 2^32).
    pub const fn seconds(self) -> u32 {
        (self.0 >> 32) as u32
    }
    /// Fraction field (units of 2^-32 s).
    pub const fn fraction(self) -> u32 {
        self.0 as u32
    }
    /// From seconds and fraction.
    pub const fn new(seconds: u32, fraction: u32) -> Self {
        NtpTimestamp(((seconds as u64) << 32) | fraction as u64)
    }
    /// From time since the Unix epoch (as `SystemTime::duration_since(UNIX_EPOCH)` gives it).
    /// Wraps into the current era: 2036-02-07 is era 1 second 0, as RFC 5905 §6 requires.
    pub fn from_unix(since_epoch: Duration) -> Self {
        let secs = since_epoch.as_secs().wrapping_add(UNIX_OFFSET) as u32;
        // nanoseconds → 2^-32 s, rounded to nearest.
        let frac = ((since_epoch.subsec_nanos() as u64) << 32).div_ceil(1_000_000_000);
        NtpTimestamp::new(secs, frac.min(u32::MAX as u64) as u32)
    }
    /// Back to Unix time, resolving the era so that the result lies within ±68 years of
    /// `pivot` (a Unix time known to be close, e.g. the build date or the receive time).
    pub fn to_unix(self, pivot: Duration) -> Duration {
        let p = NtpTimestamp::from_unix(pivot);
        let d = self.diff(p);
        let pivot_ns = pivot.as_nanos() as i128;
        let ns = pivot_ns + d.as_nanos() as i128;
        Duration::from_nanos(ns.max(0) as u64)
    }
    /// `self - other` as a signed interval, correct across an era boundary as long as the
    /// true difference is under 68 years (RFC 5905 §6: two's-complement subtraction).
    pub fn diff(self, other: NtpTimestamp) -> NtpDuration {
        NtpDuration(self.0.wrapping_sub(other.0) as i64)
    }
    /// Add an interval (wrapping at the era boundary).
    pub fn add_duration(self, d: NtpDuration) -> NtpTimestamp {
        NtpTimestamp(self.0.wrapping_add(d.0 as u64))
    }
}

/// A signed interval in 32.32 fixed point (the difference of two timestamps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpDuration(pub i64);

impl NtpDuration {
    /// Zero.
    pub const ZERO: NtpDuration = NtpDuration(0);
    /// From seconds as a float (saturating).
    pub fn from_secs_f64(s: f64) -> Self {
        NtpDuration((s * 4_294_967_296.0) as i64)
    }
    /// In seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 4_294_967_296.0
    }
    /// In nanoseconds.
    pub fn as_nanos(self) -> i64 {
        ((self.0 as i128 * 1_000_000_000) >> 32) as i64
    }
}

/// The 32-bit short format (16.16 unsigned seconds) of root delay and root dispersion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct NtpShort(pub u32);

impl NtpShort {
    /// Zero.
    pub const ZERO: NtpShort = NtpShort(0);
    /// From seconds, as ntpd's `DTOUFP` does: truncated toward zero, negatives become 0,
    /// values too large saturate.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            return NtpShort(0);
        }
        NtpShort((s * 65536.0).min(u32::MAX as f64) as u32)
    }
    /// In seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 65536.0
    }
}

/// A log2-seconds field (poll interval, precision): signed 8 bits on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Log2Seconds(pub i8);

impl Log2Seconds {
    /// In seconds.
    pub fn as_secs_f64(self) -> f64 {
        (self.0 as f64).exp2()
    }
}

/// Poll exponent (log2 s).
pub type PollExponent = Log2Seconds;
/// Clock precision (log2 s).
pub type Precision = Log2Seconds;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_maps_to_ntp_offset() {
        let t = NtpTimestamp::from_unix(Duration::ZERO);
        assert_eq!(t.seconds() as u64, UNIX_OFFSET);
        assert_eq!(t.fraction(), 0);
    }

    #[test]
    fn half_second_fraction() {
        let t = NtpTimestamp::from_unix(Duration::from_millis(500));
        assert_eq!(t.fraction(), 1 << 31);
    }

    #[test]
    fn era_boundary_2036() {
        // 2036-02-07T06:28:16Z is 2^32 s after 1900: era 1, second 0.
        let boundary = Duration::from_secs((1u64 << 32) - UNIX_OFFSET);
        let before = NtpTimestamp::from_unix(boundary - Duration::from_secs(1));
        let after = NtpTimestamp::from_unix(boundary + Duration::from_secs(1));
        assert_eq!(before.seconds(), u32::MAX);
        assert_eq!(after.seconds(), 1);
        assert_eq!(after.diff(before).as_secs_f64(), 2.0);
        assert_eq!(before.diff(after).as_secs_f64(), -2.0);
        // Resolved back across the era with a nearby pivot.
        assert_eq!(after.to_unix(boundary), boundary + Duration::from_secs(1));
        assert_eq!(before.to_unix(boundary), boundary - Duration::from_secs(1));
    }

    #[test]
    fn short_format_saturates_and_clamps() {
        assert_eq!(NtpShort::from_secs_f64(-1.0), NtpShort(0));
        assert_eq!(NtpShort::from_secs_f64(1.5), NtpShort(0x0001_8000));
        assert_eq!(NtpShort::from_secs_f64(1e9), NtpShort(u32::MAX));
    }
}

//! The system variables a server puts in every reply (RFC 5905 §9.1: leap, stratum,
//! precision, root delay, root dispersion, reference id, reference time).
//!
//! This is the one narrow interface between "how the clock is synchronised" (the local clock
//! driver today, upstream associations later) and the reply path: the driver publishes a new
//! [`SystemVars`] snapshot (e.g. through a `tokio::sync::watch` channel) and hands the latest to
//! [`super::server::Server::set_system`].

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

    /// The stratum as sent: 16 and above become 0 ("unspecified"), as ntpd's `STRATUM_TO_PKT`.
    pub fn wire_stratum(&self) -> u8 {
        if self.stratum >= STRATUM_UNSPEC { 0 } else { self.stratum }
    }

    /// Synchronised to something.
    pub fn is_synchronised(&self) -> bool {
        self.leap != LeapIndicator::Unsynchronized && self.stratum < STRATUM_UNSPEC
    }
}

/// The local clock driver (ntpd's LOCAL, type 1): a reference clock that is the system clock
/// itself. Once selected, ntpd serves stratum `stratum + 1` with refid `LOCL`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalClock {
    /// The driver's stratum (fudge stratum; LOCAL's default 5).
    pub stratum: u8,
    /// Its reference id (`LOCL`).
    pub reference_id: ReferenceId,
    /// How long after start-up the daemon selects it (ntpd needs several polls).
    pub sync_after: std::time::Duration,
    /// Leap indicator once synchronised.
    pub leap: LeapIndicator,
}

impl LocalClock {
    /// The system variables served `since_start` after start-up, at time `now`.
    pub fn system_vars(&self, precision: Log2Seconds, since_start: std::time::Duration, now: NtpTimestamp) -> SystemVars {
        if since_start < self.sync_after {
            return SystemVars::unsynchronised(precision);
        }
        SystemVars {
            leap: self.leap,
            stratum: (self.stratum + 1).min(STRATUM_UNSPEC),
            precision,
            root_delay: NtpShort::ZERO,
            root_dispersion: NtpShort::ZERO,
            reference_id: self.reference_id,
            reference_time: now,
        }
    }
}

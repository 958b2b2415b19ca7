//! Mode 6 (NTP control messages, `ntpq`): the hook the server routes permitted mode 6
//! packets to. The read-only subset (READSTAT, READVAR, REQ_NONCE, READ_MRU) is another issue;
//! until it lands every control packet is dropped here, after the access checks.

use super::access::RestrictFlags;

/// What the control handler decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlOutcome {
    /// Send `out[..len]`.
    Reply(usize),
    /// Send nothing.
    Drop,
}

/// Handle one mode 6 packet that passed `ignore`/`noquery` (and, for NTPsec, rate limiting).
/// `flags` are the packet's restrictions (`nomodify`, `nomrulist` matter here).
pub fn handle(_flags: RestrictFlags, _request: &[u8], _out: &mut [u8]) -> ControlOutcome {
    ControlOutcome::Drop
}

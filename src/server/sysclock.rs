//! The production [`ClockControl`]: the system clock, adjusted as ntpd adjusts it without the
//! kernel discipline — a step is `clock_settime(CLOCK_REALTIME)`, the once-a-second slew is
//! `adjtime()` (the kernel slews at most 500 PPM, so the half-millisecond a second ntpd ever
//! asks for is done within the second).
//!
//! Only `serve` without `--no-clock-adjust` constructs a [`SystemClock`]; tests always run
//! `--no-clock-adjust`, inside a user namespace without CAP_SYS_TIME besides, so neither call
//! can be reached there. This is the one file of the crate allowed `unsafe` (for `adjtime`,
//! which neither std nor nix wraps); tests/it/arch.rs checks that.
#![allow(clippy::disallowed_methods)]

use crate::proto::sync::ClockControl;
use crate::server::log::Level;
use crate::srvlog;

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock {
    /// What `adjtime` cannot express (below its microsecond resolution), carried to the next
    /// slew as ntpd's `sys_residual`.
    residual: f64,
    /// The last error, logged once until it changes.
    last_error: Option<String>,
}

impl SystemClock {
    /// The system clock. Changes nothing until the discipline asks.
    pub fn new() -> Self {
        SystemClock::default()
    }

    fn report(&mut self, what: &str, r: Result<(), String>) {
        match r {
            Ok(()) => self.last_error = None,
            Err(e) => {
                let msg = format!("{what}: {e}");
                if self.last_error.as_deref() != Some(&msg) {
                    srvlog!(Level::Err, "{msg}");
                    self.last_error = Some(msg);
                }
            }
        }
    }
}

/// `clock_settime(CLOCK_REALTIME, now + offset)`.
fn step_realtime(offset: f64) -> Result<(), String> {
    use nix::sys::time::TimeSpec;
    use nix::time::{ClockId, clock_gettime, clock_settime};
    let now = clock_gettime(ClockId::CLOCK_REALTIME).map_err(|e| e.to_string())?;
    let ns = now.tv_sec() as i128 * 1_000_000_000 + now.tv_nsec() as i128 + (offset * 1e9).round() as i128;
    let ts = TimeSpec::new(ns.div_euclid(1_000_000_000) as _, ns.rem_euclid(1_000_000_000) as _);
    clock_settime(ClockId::CLOCK_REALTIME, ts).map_err(|e| e.to_string())
}

/// Split `delta` seconds into adjtime's (seconds, microseconds) and the rest below 1 µs.
fn to_timeval(delta: f64) -> (i64, i64, f64) {
    let us = (delta * 1e6).trunc();
    let rest = delta - us * 1e-6;
    let us = us as i64;
    (us.div_euclid(1_000_000), us.rem_euclid(1_000_000), rest)
}

/// `adjtime(delta)`: slew by `delta` (replacing whatever slew is still pending, as ntpd's
/// per-second `adj_systime` does).
fn adjtime(sec: i64, usec: i64) -> Result<(), String> {
    let tv = nix::libc::timeval { tv_sec: sec as _, tv_usec: usec as _ };
    // SAFETY: `tv` is a valid, initialised timeval that outlives the call; a null `olddelta`
    // is allowed by adjtime(3) ("if olddelta is NULL, the previous adjustment is not
    // returned"). The call reads no other memory and keeps no pointer.
    #[allow(unsafe_code)]
    let rc = unsafe { nix::libc::adjtime(&tv, std::ptr::null_mut()) };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error().to_string()) }
}

impl ClockControl for SystemClock {
    fn step(&mut self, offset: f64) {
        if !offset.is_finite() {
            return;
        }
        self.residual = 0.0;
        let r = step_realtime(offset);
        if r.is_ok() {
            srvlog!(Level::Notice, "system clock stepped by {offset:+.6} s");
        }
        self.report("cannot step the system clock (clock_settime)", r);
    }

    fn slew(&mut self, delta: f64) {
        if !delta.is_finite() {
            return;
        }
        let (sec, usec, rest) = to_timeval(delta + self.residual);
        self.residual = rest;
        let r = adjtime(sec, usec);
        self.report("cannot slew the system clock (adjtime)", r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Only the arithmetic is tested: calling the clock functions is never done in tests.
    #[test]
    fn timeval_split_keeps_the_residual() {
        let (s, us, rest) = to_timeval(0.000_250_4);
        assert_eq!((s, us), (0, 250));
        assert!((rest - 0.000_000_4).abs() < 1e-12);
        let (s, us, rest) = to_timeval(-1.5);
        assert_eq!((s, us), (-2, 500_000), "timeval normalises a negative delta");
        assert!(rest.abs() < 1e-12);
        let (s, us, _) = to_timeval(-0.000_1);
        assert_eq!((s, us), (-1, 999_900));
    }
}

//! The clock the discipline adjusts: [`ClockControl`] (production: adjtimex in src/server,
//! behind an explicit option; tests: [`SimClock`]).

/// Applies the discipline to a clock.
pub trait ClockControl {
    /// Step the clock by `offset` seconds (positive = forward).
    fn step(&mut self, offset: f64);
    /// Slew: adjust the clock by `delta` seconds over the next second (adjtime-like; includes
    /// the frequency term of ntpd's per-second `adj_host_clock`).
    fn slew(&mut self, delta: f64);
}

/// A clock that records nothing and changes nothing (for `--no-clock-adjust` callers that
/// still need a `&mut dyn ClockControl`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoClock;

impl ClockControl for NoClock {
    fn step(&mut self, _offset: f64) {}
    fn slew(&mut self, _delta: f64) {}
}

/// The fastest a slew runs, as Linux's `adjtime` (500 PPM).
pub const MAX_SLEW_RATE: f64 = 500e-6;

/// A simulated oscillator: its phase against true time, a constant frequency error, and
/// `adjtime`-like slewing (at most 500 PPM; a new slew replaces what is left of the last).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimClock {
    /// Local clock minus true time (s).
    pub phase: f64,
    /// Oscillator frequency error (s/s; +15e-6 = 15 PPM fast).
    pub freq_error: f64,
    /// Slew still to be applied (s).
    pub slew_left: f64,
    /// Steps applied, in order.
    pub steps: Vec<f64>,
    /// Slews requested.
    pub slews: u64,
    /// Total slewed so far (s).
    pub slewed: f64,
}

impl SimClock {
    /// A clock `phase` s ahead of true time, `freq_error` s/s fast.
    pub fn new(phase: f64, freq_error: f64) -> Self {
        SimClock { phase, freq_error, ..Default::default() }
    }

    /// Let `dt` seconds of true time pass.
    pub fn advance(&mut self, dt: f64) {
        if dt <= 0.0 {
            return;
        }
        self.phase += self.freq_error * dt;
        let max = MAX_SLEW_RATE * dt;
        let s = self.slew_left.clamp(-max, max);
        self.phase += s;
        self.slewed += s;
        self.slew_left -= s;
    }

    /// True time minus the local clock (what a perfect offset estimate says).
    pub fn true_offset(&self) -> f64 {
        -self.phase
    }

    /// Untouched: no step and no slew was ever asked for.
    pub fn untouched(&self) -> bool {
        self.steps.is_empty() && self.slews == 0
    }
}

impl ClockControl for SimClock {
    fn step(&mut self, offset: f64) {
        self.phase += offset;
        self.slew_left = 0.0;
        self.steps.push(offset);
    }
    fn slew(&mut self, delta: f64) {
        self.slew_left = delta;
        self.slews += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slews_at_most_500_ppm_and_replaces() {
        let mut c = SimClock::new(0.0, 10e-6);
        c.slew(0.002);
        c.advance(1.0);
        assert!((c.phase - (10e-6 + 500e-6)).abs() < 1e-12);
        c.slew(-0.0001);
        c.advance(1.0);
        assert!((c.phase - (20e-6 + 400e-6)).abs() < 1e-12);
        c.step(-0.5);
        assert_eq!(c.steps, vec![-0.5]);
        assert!(!c.untouched());
    }
}

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

/// A simulated oscillator: phase error against true time and a frequency error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimClock {
    /// Local clock minus true time (s).
    pub phase: f64,
    /// Oscillator frequency error (s/s; +15e-6 = 15 ppm fast).
    pub freq_error: f64,
    /// Steps applied.
    pub steps: Vec<f64>,
    /// Slew pending for the current second.
    pub pending_slew: f64,
}

impl ClockControl for SimClock {
    fn step(&mut self, offset: f64) {
        self.phase += offset;
        self.steps.push(offset);
    }
    fn slew(&mut self, delta: f64) {
        self.pending_slew += delta;
    }
}

//! The clock discipline (RFC 5905 §11.3; ntpd's `local_clock` / `adj_host_clock` in
//! ntp_loopfilter.c, the daemon loop without the kernel): a hybrid PLL/FLL with ntpd's
//! start-up states.
//!
//! - NSET (no driftfile): the first update is slewed (or stepped) and the loop enters FREQ;
//! - FSET (driftfile read): the first update goes straight to SYNC;
//! - FREQ: updates are ignored until the stepout interval has passed, then the frequency is
//!   set directly from the offset accumulated over that interval (ntpd's `direct_freq`);
//! - SPIK: an offset beyond the step threshold in SYNC is ignored until stepout has passed;
//! - SYNC: PLL (and FLL above the Allan intercept) updates; once a second `adj_host_clock`
//!   slews by offset / (16 × 2^poll) plus the frequency correction.
//!
//! Start-up clamp (`freq_cnt`): for the first stepout seconds in SYNC (or until an offset
//! below 0.5 ms) the phase time constant is 2 s × 16 and the frequency is left alone.

use super::{ClockOptions, Tinker};

/// ntpd's `CLOCK_PLL`: PLL loop gain (log2 16).
pub const CLOCK_PLL: f64 = 16.0;
/// ntpd's `CLOCK_AVG`: averaging constant for jitter and wander.
pub const CLOCK_AVG: f64 = 8.0;
/// ntpd's `CLOCK_FLOOR`: below this offset the start-up clamp ends (s).
pub const CLOCK_FLOOR: f64 = 0.0005;
/// ntpd's `CLOCK_LIMIT`: poll-adjust threshold.
pub const CLOCK_LIMIT: i32 = 30;
/// ntpd's `CLOCK_PGATE`: poll-adjust gate (× jitter).
pub const CLOCK_PGATE: f64 = 4.0;
/// ntpd's `NTP_MAXFREQ`: frequency tolerance (500 PPM).
pub const NTP_MAXFREQ: f64 = 500e-6;
/// The step threshold `-x` sets (s).
pub const SLEW_ONLY_STEP: f64 = 600.0;

/// Discipline state (ntpd's `EVNT_*` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Frequency not set (no driftfile).
    Nset,
    /// Frequency set from the driftfile.
    Fset,
    /// Spike detected in SYNC.
    Spik,
    /// Measuring the frequency.
    Freq,
    /// Synchronised.
    Sync,
}

/// What one update did (ntpd's `local_clock` return value and its side effects).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Update {
    /// Beyond the panic threshold: ntpd exits.
    Panic,
    /// Ignored (FREQ/SPIK waiting, step in SYNC, loop disabled).
    Ignored,
    /// Slewed (or the first offset handed to the kernel as one slew: `slew`).
    Slewed {
        /// A one-off adjustment to hand to the clock now (NSET's initial slew, `-q`).
        slew: Option<f64>,
    },
    /// The clock must be stepped by this much.
    Stepped(f64),
}

/// The discipline.
#[derive(Debug, Clone, PartialEq)]
pub struct Discipline {
    /// State.
    pub state: State,
    /// Residual offset still to be slewed (s).
    pub clock_offset: f64,
    /// Last offset (s).
    pub last_offset: f64,
    /// Clock jitter (s).
    pub clock_jitter: f64,
    /// Frequency correction (s/s; positive = the clock is slow and is sped up).
    pub drift_comp: f64,
    /// Frequency wander (s/s).
    pub clock_stability: f64,
    /// When the state last changed / the last update (s).
    pub clock_epoch: f64,
    /// System poll exponent (time constant).
    pub sys_poll: i8,
    tc_counter: i32,
    tc_twinlo: f64,
    tc_twinhi: f64,
    /// Seconds left in the start-up clamp.
    pub freq_cnt: i32,
    allow_panic: bool,
    step: f64,
    panic: f64,
    stepout: f64,
    allan: i8,
    precision: f64,
    quit_after_set: bool,
    /// The discipline steers a virtual correction, not the clock (`--no-clock-adjust`): the
    /// panic threshold, which protects the system clock, does not apply.
    virtual_clock: bool,
    /// The frequency has been set (from the driftfile or a FREQ measurement): the driftfile
    /// may be written.
    pub freq_valid: bool,
    huffpuff: Option<HuffPuff>,
}

#[derive(Debug, Clone, PartialEq)]
struct HuffPuff {
    stages: Vec<f64>,
    ptr: usize,
    mindly: f64,
}

impl Discipline {
    /// A discipline started at `now` (s) with the initial frequency (ppm) from the driftfile or
    /// `tinker freq`, or none (NSET).
    pub fn new(tinker: &Tinker, opts: &ClockOptions, initial_freq_ppm: Option<f64>, minpoll: i8, precision: f64, now: f64) -> Self {
        let step = if opts.slew_only { SLEW_ONLY_STEP } else { tinker.step };
        let freq = tinker.freq.or(initial_freq_ppm);
        let huffpuff = (tinker.huffpuff > 0.0).then(|| {
            // ntpd: one stage per HUFFPUFF (900 s) of window, at least one.
            let n = ((tinker.huffpuff / 900.0) as usize).max(1);
            HuffPuff { stages: vec![1e9; n], ptr: 0, mindly: 1e9 }
        });
        Discipline {
            state: if freq.is_some() { State::Fset } else { State::Nset },
            clock_offset: 0.0,
            last_offset: 0.0,
            clock_jitter: precision,
            drift_comp: (freq.unwrap_or(0.0) * 1e-6).clamp(-NTP_MAXFREQ, NTP_MAXFREQ),
            clock_stability: 0.0,
            clock_epoch: now,
            sys_poll: minpoll,
            tc_counter: 0,
            tc_twinlo: 0.0,
            tc_twinhi: 0.0,
            freq_cnt: tinker.stepout as i32,
            allow_panic: opts.allow_big_first_step,
            step,
            panic: tinker.panic,
            stepout: tinker.stepout,
            // ntpd keeps the intercept as a poll exponent; `Tinker` carries seconds.
            allan: tinker.allan.max(1.0).log2().round().clamp(0.0, 30.0) as i8,
            precision,
            quit_after_set: opts.quit_after_set,
            virtual_clock: !opts.discipline,
            freq_valid: freq.is_some(),
            huffpuff,
        }
    }

    /// The Allan intercept (s).
    pub fn allan_secs(&self) -> f64 {
        (self.allan as f64).exp2()
    }

    fn rstclock(&mut self, state: State, offset: f64, now: f64) {
        self.state = state;
        self.last_offset = offset;
        self.clock_offset = offset;
        self.clock_epoch = now;
    }

    /// Feed the combined offset `offset` (s) of the system peer (its `delay`, `minpoll` and
    /// `maxpoll`) at `now` (s). Returns what to do with the clock; `sys_poll` may change.
    pub fn local_clock(&mut self, offset: f64, delay: f64, minpoll: i8, maxpoll: i8, now: f64) -> Update {
        self.local_clock_with(offset, delay, minpoll, maxpoll, now, None)
    }

    /// [`Discipline::local_clock`] with a frequency measured over the FREQ interval by the
    /// caller (a least-squares slope over every sample of the interval), used at the end of
    /// FREQ instead of ntpd's two-point `offset / interval` (which combines samples of
    /// different ages and so underestimates the drift by their mean age / interval).
    pub fn local_clock_with(&mut self, offset: f64, delay: f64, minpoll: i8, maxpoll: i8, now: f64, freq_hint: Option<f64>) -> Update {
        let mut fp_offset = offset;
        if fp_offset.abs() > self.panic && self.panic > 0.0 && !self.allow_panic && !self.virtual_clock {
            return Update::Panic;
        }
        self.allow_panic = false;
        if self.quit_after_set {
            // ntpdate mode: set once (step beyond the threshold, else slew) and be done.
            return if fp_offset.abs() > self.step && self.step > 0.0 {
                Update::Stepped(fp_offset)
            } else {
                Update::Slewed { slew: Some(fp_offset) }
            };
        }
        if let Some(h) = &mut self.huffpuff {
            if delay < h.stages[h.ptr] {
                h.stages[h.ptr] = delay;
            }
            if delay < h.mindly {
                h.mindly = delay;
            }
            let d = (delay - h.mindly) / 2.0;
            fp_offset += if fp_offset > 0.0 { -d } else { d };
        }
        let osys_poll = self.sys_poll;
        self.sys_poll = self.sys_poll.clamp(minpoll, maxpoll.max(minpoll));
        let mu = now - self.clock_epoch;
        let mut clock_frequency = self.drift_comp;
        let mut result = Update::Slewed { slew: None };
        if fp_offset.abs() > self.step && self.step > 0.0 {
            match self.state {
                State::Sync => {
                    self.state = State::Spik;
                    return Update::Ignored;
                }
                State::Freq | State::Spik if mu < self.stepout => return Update::Ignored,
                _ => {}
            }
            if self.state == State::Freq {
                clock_frequency = self.direct_freq(fp_offset, now, freq_hint);
            }
            self.tc_counter = 0;
            self.clock_jitter = self.precision;
            if self.state == State::Nset {
                self.rstclock(State::Freq, 0.0, now);
                return Update::Stepped(fp_offset);
            }
            result = Update::Stepped(fp_offset);
            self.rstclock(State::Sync, 0.0, now);
        } else {
            let etemp = self.clock_jitter.powi(2);
            let dtemp = f64::max((fp_offset - self.last_offset).abs(), self.precision).powi(2);
            self.clock_jitter = (etemp + (dtemp - etemp) / CLOCK_AVG).sqrt();
            match self.state {
                State::Nset => {
                    // ntpd hands the whole first offset to adjtime() and measures from there.
                    self.rstclock(State::Freq, fp_offset, now);
                    return Update::Slewed { slew: Some(fp_offset) };
                }
                State::Freq if mu < self.stepout => return Update::Ignored,
                s => {
                    if s == State::Freq {
                        clock_frequency = self.direct_freq(fp_offset, now, freq_hint);
                    }
                    if self.freq_cnt == 0 {
                        let poll = (self.sys_poll as f64).exp2();
                        if self.sys_poll >= self.allan {
                            clock_frequency += (fp_offset - self.clock_offset) / (poll.max(mu) * CLOCK_FLL);
                        }
                        let etemp = self.allan_secs().min(mu);
                        let dtemp = 4.0 * CLOCK_PLL * poll;
                        clock_frequency += fp_offset * etemp / (dtemp * dtemp);
                    }
                    self.rstclock(State::Sync, fp_offset, now);
                    if fp_offset.abs() < CLOCK_FLOOR {
                        self.freq_cnt = 0;
                    }
                }
            }
        }
        let dtemp = (clock_frequency - self.drift_comp).powi(2);
        self.drift_comp = clock_frequency.clamp(-NTP_MAXFREQ, NTP_MAXFREQ);
        let etemp = self.clock_stability.powi(2);
        self.clock_stability = (etemp + (dtemp - etemp) / CLOCK_AVG).sqrt();
        // Poll adaptation: lengthen the time constant while offsets stay within 4 × jitter.
        if self.freq_cnt > 0 {
            self.tc_counter = 0;
            self.tc_twinlo = now;
            self.tc_twinhi = now;
        } else if self.clock_offset.abs() < CLOCK_PGATE * self.clock_jitter {
            self.tc_counter += self.sys_poll as i32;
            if self.tc_counter > CLOCK_LIMIT {
                self.tc_counter = CLOCK_LIMIT;
                if self.sys_poll < maxpoll && now >= self.tc_twinhi {
                    self.sys_poll += 1;
                }
            }
        } else {
            self.tc_counter -= (self.sys_poll as i32) << 1;
            if self.tc_counter < -CLOCK_LIMIT {
                self.tc_counter = -CLOCK_LIMIT;
                if self.sys_poll > minpoll && now >= self.tc_twinlo {
                    self.sys_poll -= 1;
                }
            }
        }
        if osys_poll != self.sys_poll {
            let deadband = (1u64 << (self.sys_poll.max(1) - 1)) as f64;
            self.tc_counter = 0;
            self.tc_twinlo = now + deadband.max(60.0);
            self.tc_twinhi = self.tc_twinlo + deadband;
        }
        result
    }

    fn direct_freq(&mut self, fp_offset: f64, now: f64, hint: Option<f64>) -> f64 {
        let mu = now - self.clock_epoch;
        if let Some(f) = hint {
            self.drift_comp = f.clamp(-NTP_MAXFREQ, NTP_MAXFREQ);
        } else if mu > 0.0 {
            self.drift_comp = (fp_offset / mu).clamp(-NTP_MAXFREQ, NTP_MAXFREQ);
        }
        self.freq_valid = true;
        self.drift_comp
    }

    /// Once a second (ntpd's `adj_host_clock`): the slew for the next second as (phase share,
    /// frequency share), their sum bounded to ±500 PPM. A zero sum means "no adjtime call"
    /// (ntpd skips it).
    pub fn adj_host_clock(&mut self) -> (f64, f64) {
        let offset_adj = if self.state != State::Sync {
            0.0
        } else if self.freq_cnt > 0 {
            self.freq_cnt -= 1;
            self.clock_offset / (CLOCK_PLL * 2.0)
        } else {
            self.clock_offset / (CLOCK_PLL * (self.sys_poll as f64).exp2())
        };
        let freq_adj = self.drift_comp;
        let offset_adj = if offset_adj + freq_adj > NTP_MAXFREQ {
            NTP_MAXFREQ - freq_adj
        } else if offset_adj + freq_adj < -NTP_MAXFREQ {
            -NTP_MAXFREQ - freq_adj
        } else {
            offset_adj
        };
        self.clock_offset -= offset_adj;
        (offset_adj, freq_adj)
    }

    /// Advance the huff-n'-puff window (ntpd's `huffpuff()`, every 900 s).
    pub fn huffpuff_shift(&mut self) {
        if let Some(h) = &mut self.huffpuff {
            h.ptr = (h.ptr + 1) % h.stages.len();
            h.stages[h.ptr] = 1e9;
            h.mindly = h.stages.iter().copied().fold(1e9, f64::min);
        }
    }

    /// Frequency (ppm).
    pub fn frequency_ppm(&self) -> f64 {
        self.drift_comp * 1e6
    }
}

/// ntpd's `CLOCK_FLL`: FLL loop gain (frequency += Δoffset / (max(τ, μ) × 0.25)).
pub const CLOCK_FLL: f64 = 0.25;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(freq: Option<f64>) -> Discipline {
        Discipline::new(&Tinker::default(), &ClockOptions { discipline: true, ..Default::default() }, freq, 4, 1e-6, 0.0)
    }

    #[test]
    fn nset_slews_then_measures_frequency_over_stepout() {
        let mut l = d(None);
        assert_eq!(l.local_clock(0.010, 0.02, 4, 10, 16.0), Update::Slewed { slew: Some(0.010) });
        assert_eq!(l.state, State::Freq);
        assert_eq!(l.local_clock(0.002, 0.02, 4, 10, 100.0), Update::Ignored);
        // After stepout: 4.5 ms over 300 s = 15 PPM.
        assert!(matches!(l.local_clock(0.0045, 0.02, 4, 10, 316.0), Update::Slewed { slew: None }));
        assert_eq!(l.state, State::Sync);
        assert!((l.frequency_ppm() - 15.0).abs() < 1e-9, "{}", l.frequency_ppm());
        assert!(l.freq_valid);
        // As ntpd: clk_jitter took in the jumps from the slewed first offset and is reset
        // only by a step, not by the move to SYNC.
        assert!(l.clock_jitter > 1e-3, "{}", l.clock_jitter);
    }

    #[test]
    fn fset_goes_to_sync_and_slews_with_the_startup_clamp() {
        let mut l = d(Some(-15.0));
        l.local_clock(0.010, 0.02, 4, 10, 16.0);
        assert_eq!(l.state, State::Sync);
        let (p, f) = l.adj_host_clock();
        assert!((p - 0.010 / 32.0).abs() < 1e-12 && (f + 15e-6).abs() < 1e-15, "{p} {f}");
    }

    #[test]
    fn step_panic_and_spike() {
        let mut l = d(Some(0.0));
        assert_eq!(l.local_clock(2000.0, 0.0, 4, 10, 1.0), Update::Panic);
        let mut l = Discipline::new(
            &Tinker::default(),
            &ClockOptions { allow_big_first_step: true, discipline: true, ..Default::default() },
            Some(0.0),
            4,
            1e-6,
            0.0,
        );
        assert_eq!(l.local_clock(2000.0, 0.0, 4, 10, 1.0), Update::Stepped(2000.0));
        assert_eq!(l.local_clock(2000.0, 0.0, 4, 10, 20.0), Update::Panic, "-g allows the first panic only");
        // In SYNC a big offset is a spike first, a step after stepout.
        let mut l = d(Some(0.0));
        l.local_clock(0.001, 0.0, 4, 10, 1.0);
        assert_eq!(l.local_clock(0.5, 0.0, 4, 10, 17.0), Update::Ignored);
        assert_eq!(l.state, State::Spik);
        assert_eq!(l.local_clock(0.5, 0.0, 4, 10, 100.0), Update::Ignored);
        assert_eq!(l.local_clock(0.5, 0.0, 4, 10, 400.0), Update::Stepped(0.5));
        // -x: 600 s threshold, so 0.5 s is slewed.
        let mut l = Discipline::new(
            &Tinker::default(),
            &ClockOptions { slew_only: true, discipline: true, ..Default::default() },
            Some(0.0),
            4,
            1e-6,
            0.0,
        );
        assert!(matches!(l.local_clock(0.5, 0.0, 4, 10, 1.0), Update::Slewed { .. }));
    }

    #[test]
    fn adjustment_is_bounded_to_500_ppm() {
        let mut l = d(Some(0.0));
        l.local_clock(0.1, 0.0, 4, 10, 1.0);
        let (p, f) = l.adj_host_clock();
        assert!((p + f - 500e-6).abs() < 1e-15);
    }

    /// ntpd's poll-adjust arithmetic: +sys_poll per update inside CLOCK_PGATE × clk_jitter
    /// (the poll rises on the update that takes tc_counter past CLOCK_LIMIT: the 8th at poll
    /// 4), −2 × sys_poll per update outside it, and the time gates set at each change.
    #[test]
    fn poll_adjust_follows_ntpd_tc_counter() {
        let mut l = d(Some(0.0));
        l.freq_cnt = 0;
        let mut t = 0.0;
        // Offsets that are pure noise (±25 µs): clk_jitter, the RMS of successive offset
        // differences, follows them, so each passes the gate however small the noise.
        for i in 1..=8 {
            t += 16.0;
            l.local_clock(if i % 2 == 0 { 25e-6 } else { -25e-6 }, 0.0, 4, 10, t);
            assert_eq!(l.sys_poll, if i < 8 { 4 } else { 5 }, "update {i}: tc_counter {}", l.tc_counter);
        }
        assert_eq!(l.tc_counter, 0);
        assert_eq!((l.tc_twinlo, l.tc_twinhi), (t + 60.0, t + 76.0));
        // A persistent bias with a small jitter fails the gate: −10 a time at poll 5, held at
        // −CLOCK_LIMIT, and the poll falls only once the lower time gate (60 s) has passed.
        let t0 = t;
        l.last_offset = 300e-6;
        l.clock_jitter = 1e-6;
        for k in 1..=6 {
            l.local_clock(300e-6, 0.0, 4, 10, t0 + 10.0 * k as f64);
            assert_eq!(l.sys_poll, if k < 6 { 5 } else { 4 }, "biased update {k}: tc_counter {}", l.tc_counter);
            if (3..6).contains(&k) {
                assert_eq!(l.tc_counter, -CLOCK_LIMIT);
            }
        }
    }

    #[test]
    fn poll_rises_when_offsets_are_small() {
        let mut l = d(Some(0.0));
        l.freq_cnt = 0;
        let mut t = 0.0;
        for _ in 0..40 {
            t += (l.sys_poll as f64).exp2();
            l.local_clock(1e-7, 0.0, 4, 10, t);
            for _ in 0..(l.sys_poll as i32).pow(2) {
                l.adj_host_clock();
            }
        }
        assert!(l.sys_poll > 4, "{}", l.sys_poll);
    }
}

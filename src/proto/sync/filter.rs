//! The clock filter (RFC 5905 §10, ntpd's `clock_filter`): an 8-stage shift register of
//! (offset, delay, dispersion) samples per association. The sample with the lowest delay (or
//! delay + dispersion once older than the Allan intercept) is chosen; the peer jitter is the
//! RMS of the offset differences to it; a popcorn spike (an offset jump beyond 3 × jitter
//! soon after the last update) is suppressed, and a sample is used at most once.

use crate::proto::system::{MAXDISPERSE, NTP_SHIFT};

/// ntpd's `CLOCK_SGATE`: the popcorn spike gate (× jitter).
pub const CLOCK_SGATE: f64 = 3.0;
/// ntpd's `NTP_FWEIGHT`: the dispersion weight per stage.
pub const NTP_FWEIGHT: f64 = 0.5;

/// One clock-filter stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Clock offset θ (s).
    pub offset: f64,
    /// Round-trip delay δ (s).
    pub delay: f64,
    /// Dispersion ε (s), grown by PHI per second of age.
    pub disp: f64,
    /// When it arrived (s since start).
    pub epoch: f64,
    /// The synchroniser's cumulative clock correction when it arrived (s): lets the offset
    /// estimator relate samples taken before and after slews and steps.
    pub corr: f64,
}

impl Sample {
    /// An empty stage (dispersion MAXDISPERSE), as ntpd's `peer_clear` leaves them.
    pub fn empty(epoch: f64) -> Self {
        Sample { offset: 0.0, delay: 0.0, disp: MAXDISPERSE, epoch, corr: 0.0 }
    }
}

/// Parameters of one filter run (system state ntpd reads from globals).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterParams {
    /// Dispersion growth rate PHI (s/s).
    pub phi: f64,
    /// The Allan intercept (s): older samples are ranked by delay + dispersion.
    pub allan: f64,
    /// `tos maxdist` (s).
    pub maxdist: f64,
    /// System precision (s).
    pub precision: f64,
    /// ntpd sorts by distance only when its start-up frequency clamp is over (`freq_cnt == 0`);
    /// before that the newest sample is used.
    pub sort: bool,
    /// The association's host poll (log2 s), for the popcorn gate window.
    pub hpoll: i8,
    /// The synchroniser's cumulative clock correction now (s). Each stage's offset is moved
    /// by the correction applied since it was taken, so samples older than a slew or step
    /// still say something true about the clock (ntpd's daemon loop leaves them as measured,
    /// which lets stale start-up offsets back in once the filter starts sorting by delay).
    pub corr: f64,
}

/// What a filter run decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterOutcome {
    /// A new sample was chosen: offset/delay/jitter updated, selection should run.
    Update,
    /// Every stage is empty or too far: selection should run (the peer dropped out).
    Empty,
    /// A popcorn spike: discarded (the magnitude of the jump).
    Popcorn(f64),
    /// The chosen sample is not newer than the last one used.
    Stale,
}

/// The filter state of one association.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockFilter {
    stages: [Sample; NTP_SHIFT],
    nextpt: usize,
    /// Peer offset (s).
    pub offset: f64,
    /// Peer delay (s).
    pub delay: f64,
    /// Peer dispersion (s).
    pub disp: f64,
    /// Peer jitter (s).
    pub jitter: f64,
    /// Epoch of the last sample used (s since start).
    pub epoch: f64,
    /// When the filter last ran (ntpd's `peer->update`).
    pub update: f64,
    /// The cumulative correction `offset` is expressed against: the offset now is
    /// `offset + corr − correction now`.
    pub corr: f64,
}

impl ClockFilter {
    /// Cleared at `now` (all stages empty).
    pub fn new(now: f64) -> Self {
        ClockFilter {
            stages: [Sample::empty(now); NTP_SHIFT],
            nextpt: 0,
            offset: 0.0,
            delay: 0.0,
            disp: MAXDISPERSE,
            jitter: 0.0,
            epoch: f64::NEG_INFINITY,
            update: now,
            corr: 0.0,
        }
    }

    /// The stages, newest first.
    pub fn stages(&self) -> impl Iterator<Item = &Sample> {
        (1..=NTP_SHIFT).map(move |i| &self.stages[(self.nextpt + NTP_SHIFT - i) % NTP_SHIFT])
    }

    /// Shift in a sample taken at `now` and choose the best (ntpd's `clock_filter`).
    pub fn add(&mut self, s: Sample, now: f64, p: &FilterParams) -> FilterOutcome {
        self.stages[self.nextpt] = Sample { epoch: now, ..s };
        self.nextpt = (self.nextpt + 1) % NTP_SHIFT;
        // Age every stage but the new one by PHI since the last run; rank by delay (or by
        // delay + dispersion when older than the Allan intercept).
        let grow = p.phi * (now - self.update);
        self.update = now;
        let mut dst = [0.0f64; NTP_SHIFT];
        let mut ord = [0usize; NTP_SHIFT];
        let mut j = self.nextpt;
        for i in (0..NTP_SHIFT).rev() {
            let st = &mut self.stages[j];
            if i != 0 {
                st.disp += grow;
            }
            dst[i] = if st.disp >= MAXDISPERSE {
                st.disp = MAXDISPERSE;
                MAXDISPERSE
            } else if now - st.epoch > p.allan {
                st.delay + st.disp
            } else {
                st.delay
            };
            ord[i] = j;
            j = (j + 1) % NTP_SHIFT;
        }
        if p.sort {
            // Stable insertion order as ntpd's exchange sort leaves equal keys.
            for i in 1..NTP_SHIFT {
                for j in 0..i {
                    if dst[j] > dst[i] {
                        dst.swap(i, j);
                        ord.swap(i, j);
                    }
                }
            }
        }
        // Valid stages: not empty, and beyond the first two not farther than maxdist.
        let mut m = 0;
        for &d in &dst {
            if d >= MAXDISPERSE || (m >= 2 && d >= p.maxdist) {
                continue;
            }
            m += 1;
        }
        let k = ord[0];
        let adj = |st: &Sample| st.offset + st.corr - p.corr;
        self.disp = 0.0;
        let mut jit = 0.0;
        for i in (0..NTP_SHIFT).rev() {
            let st = &self.stages[ord[i]];
            self.disp = NTP_FWEIGHT * (self.disp + st.disp);
            if i < m {
                jit += (adj(st) - adj(&self.stages[k])).powi(2);
            }
        }
        if m == 0 {
            self.jitter = jit;
            return FilterOutcome::Empty;
        }
        let best = self.stages[k];
        let jump = (self.offset + self.corr - p.corr - adj(&best)).abs();
        self.offset = adj(&best);
        self.corr = p.corr;
        self.delay = best.delay;
        if m > 1 {
            jit /= (m - 1) as f64;
        }
        self.jitter = jit.sqrt().max(p.precision);
        if self.disp < p.maxdist
            && best.disp < p.maxdist
            && jump > CLOCK_SGATE * self.jitter
            && best.epoch - self.epoch < 2.0 * (p.hpoll as f64).exp2()
        {
            return FilterOutcome::Popcorn(jump);
        }
        if best.epoch <= self.epoch {
            return FilterOutcome::Stale;
        }
        self.epoch = best.epoch;
        FilterOutcome::Update
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> FilterParams {
        FilterParams { phi: 15e-6, allan: 2048.0, maxdist: 1.5, precision: 1e-6, sort: true, hpoll: 6, corr: 0.0 }
    }
    fn sample(offset: f64, delay: f64) -> Sample {
        Sample { offset, delay, disp: 1e-6, epoch: 0.0, corr: 0.0 }
    }

    #[test]
    fn picks_the_lowest_delay_sample() {
        let mut f = ClockFilter::new(0.0);
        let p = params();
        assert_eq!(f.add(sample(0.010, 0.030), 64.0, &p), FilterOutcome::Update);
        assert_eq!(f.offset, 0.010);
        assert_eq!(f.add(sample(0.002, 0.020), 128.0, &p), FilterOutcome::Update);
        assert_eq!(f.offset, 0.002);
        // A worse (longer delay) sample: the best is still the previous one, already used.
        assert_eq!(f.add(sample(0.003, 0.025), 192.0, &p), FilterOutcome::Stale);
        assert_eq!((f.offset, f.delay), (0.002, 0.020));
        // Jitter: RMS of differences to the chosen sample over the 3 valid stages.
        let want = (((0.010f64 - 0.002).powi(2) + (0.003f64 - 0.002).powi(2)) / 2.0).sqrt();
        assert!((f.jitter - want).abs() < 1e-12, "{} {}", f.jitter, want);
    }

    #[test]
    fn popcorn_spike_is_suppressed() {
        let mut f = ClockFilter::new(0.0);
        let p = params();
        for i in 1..=6 {
            f.add(sample(0.001 + 1e-6 * i as f64, 0.011 - 1e-4 * i as f64), 64.0 * i as f64, &p);
        }
        // The peer offset jumps by 50 ms while the stages agree within microseconds (jitter ≪
        // jump / 3) and the last update is recent: suppressed, as ntpd's popcorn gate.
        f.offset = 0.050;
        let o = f.add(sample(0.0011, 0.005), 448.0, &p);
        assert!(matches!(o, FilterOutcome::Popcorn(j) if j > 0.04), "{o:?}");
    }

    #[test]
    fn empty_filter_and_dispersion() {
        let mut f = ClockFilter::new(0.0);
        let p = params();
        let o = f.add(Sample::empty(0.0), 64.0, &p);
        assert_eq!(o, FilterOutcome::Empty);
        assert!((f.disp - MAXDISPERSE * (1.0 - 0.5f64.powi(8))).abs() < 1e-9, "{}", f.disp);
        // One real sample: dispersion Σ dᵢ/2^(i+1) with 7 empty stages.
        let o = f.add(Sample { disp: 0.0, ..sample(0.0, 0.001) }, 128.0, &p);
        assert_eq!(o, FilterOutcome::Update);
        assert!((f.disp - (MAXDISPERSE * (0.5 - 0.5f64.powi(8)))).abs() < 1e-6, "{}", f.disp);
    }

    #[test]
    fn old_samples_follow_later_corrections() {
        let mut f = ClockFilter::new(0.0);
        // Taken before a 5 ms correction: a 5 ms offset then means 0 now.
        f.add(Sample { corr: 0.0, ..sample(0.005, 0.010) }, 16.0, &params());
        let p = FilterParams { corr: 0.005, ..params() };
        f.add(Sample { corr: 0.005, ..sample(0.0001, 0.030) }, 32.0, &p);
        assert!((f.offset + f.corr - p.corr).abs() < 1e-12, "the low-delay old sample, moved: {}", f.offset);
    }

    #[test]
    fn unsorted_during_startup_uses_the_newest() {
        let mut f = ClockFilter::new(0.0);
        let p = FilterParams { sort: false, ..params() };
        f.add(sample(0.001, 0.010), 16.0, &p);
        assert_eq!(f.add(sample(0.0011, 0.030), 32.0, &p), FilterOutcome::Update);
        assert_eq!(f.offset, 0.0011);
    }
}

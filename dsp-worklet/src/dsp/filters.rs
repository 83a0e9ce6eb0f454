//! High-pass and low-pass filters, 12 dB/oct (one Butterworth section) or 24 dB/oct (two
//! sections, Butterworth Q's), frequency smoothed on a log scale (audio thread).

use super::Processor;
use super::svf::{SvfCoefs, SvfShape, SvfState};
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// Q of each section of a Butterworth filter of order 2 and 4.
pub const BUTTERWORTH_2: [f64; 1] = [core::f64::consts::FRAC_1_SQRT_2];
pub const BUTTERWORTH_4: [f64; 2] = [0.541_196_100_146_197, 1.306_562_964_876_376_5];

/// Q's of the sections for a slope in dB/oct.
pub fn butterworth_qs(slope_db: f32) -> &'static [f64] {
    if slope_db >= 18.0 {
        &BUTTERWORTH_4
    } else {
        &BUTTERWORTH_2
    }
}

/// Magnitude in dB of a pass filter design at `freq` (the UI curve and the tests use this).
pub fn pass_response_db(shape: SvfShape, cutoff: f64, slope_db: f32, freq: f64, fs: f64) -> f64 {
    butterworth_qs(slope_db)
        .iter()
        .map(|q| SvfCoefs::design(shape, cutoff, *q, 0.0, fs).magnitude_db(freq, fs))
        .sum()
}

/// A high- or low-pass filter on one or two channels.
#[derive(Clone, Debug)]
pub struct PassFilter {
    shape: SvfShape,
    sample_rate: f32,
    /// log2 of the cutoff in Hz.
    log_freq: LinearSmoother,
    slope_db: f32,
    coefs: [SvfCoefs; 2],
    /// [section][channel]
    state: [[SvfState; 2]; 2],
}

impl FiniteState for PassFilter {
    fn state_finite(&self) -> bool {
        self.log_freq.state_finite() && self.coefs.state_finite() && self.state.state_finite()
    }
}

impl PassFilter {
    pub fn new(shape: SvfShape, freq: f32, slope_db: f32, ms: f32, sample_rate: f32) -> Self {
        let mut f = PassFilter {
            shape,
            sample_rate,
            log_freq: LinearSmoother::new(freq.log2(), ms, sample_rate),
            slope_db,
            coefs: [SvfCoefs::identity(); 2],
            state: Default::default(),
        };
        f.design();
        f
    }

    fn design(&mut self) {
        let freq = self.log_freq.current().exp2() as f64;
        for (c, q) in self.coefs.iter_mut().zip(butterworth_qs(self.slope_db)) {
            *c = SvfCoefs::design(self.shape, freq, *q, 0.0, self.sample_rate as f64);
        }
    }

    pub fn set_freq(&mut self, hz: f32, snap: bool) {
        if snap {
            self.log_freq.reset(hz.log2());
            self.design();
        } else {
            self.log_freq.set_target(hz.log2());
        }
    }

    /// 12 or 24 dB/oct; the second section starts from rest.
    pub fn set_slope(&mut self, slope_db: f32) {
        if (slope_db >= 18.0) != (self.slope_db >= 18.0) {
            self.state[1] = Default::default();
        }
        self.slope_db = slope_db;
        self.design();
    }

    fn sections(&self) -> usize {
        butterworth_qs(self.slope_db).len()
    }

    /// True when the sections may run in a pipelined chain (no frequency ramp in progress).
    pub fn chain_ready(&self) -> bool {
        !self.log_freq.is_smoothing()
    }

    /// Appends this filter's sections (coefficients and states) to a chain at `*n`.
    pub fn push_sections(
        &self,
        coefs: &mut [SvfCoefs],
        states: &mut [[SvfState; 2]],
        n: &mut usize,
    ) {
        for s in 0..self.sections() {
            coefs[*n] = self.coefs[s];
            states[*n] = self.state[s];
            *n += 1;
        }
    }

    /// Takes this filter's states back from a chain, from `*n` on.
    pub fn pull_states(&mut self, states: &[[SvfState; 2]], n: &mut usize) {
        for s in 0..self.sections() {
            self.state[s] = states[*n];
            *n += 1;
        }
    }
}

impl super::SubnormalStates for PassFilter {
    fn subnormal_states(&self) -> usize {
        let v = self.state.iter().flatten().flat_map(|s| s.values());
        v.filter(|x| x.is_subnormal()).count()
    }
}

impl Processor for PassFilter {
    #[inline]
    fn tick(&mut self, mut l: f32, mut r: f32, stereo: bool) -> (f32, f32) {
        if self.log_freq.is_smoothing() {
            self.log_freq.next_value();
            self.design();
        }
        for s in 0..self.sections() {
            l = self.state[s][0].tick(&self.coefs[s], l);
            if stereo {
                r = self.state[s][1].tick(&self.coefs[s], r);
            }
        }
        (l, r)
    }

    fn process_block(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        if self.log_freq.is_smoothing() {
            super::per_sample(self, l, r, stereo);
            return;
        }
        for s in 0..self.sections() {
            if stereo {
                SvfState::run_pair(&mut self.state[s], &self.coefs[s], l, r);
            } else {
                self.state[s][0].run(&self.coefs[s], l);
            }
        }
    }

    fn reset(&mut self) {
        self.state = Default::default();
    }
}

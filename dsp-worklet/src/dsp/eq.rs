//! Four-band parametric EQ: low shelf, two bells, high shelf (audio thread). Frequencies are
//! smoothed on a log scale, gains in dB, Q on a log scale; a band at 0 dB is skipped (it would
//! pass audio unchanged).

use super::Processor;
use super::svf::{SvfCoefs, SvfShape, SvfState};
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// Band shapes, in band order.
pub const BAND_SHAPES: [SvfShape; 4] = [
    SvfShape::LowShelf,
    SvfShape::Bell,
    SvfShape::Bell,
    SvfShape::HighShelf,
];

/// One band's settings in display units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandSettings {
    pub freq: f32,
    pub gain_db: f32,
    pub q: f32,
}

/// Magnitude in dB of band `index` with `b` at `freq` (the UI curve and the tests use this).
pub fn band_response_db(index: usize, b: BandSettings, freq: f64, fs: f64) -> f64 {
    SvfCoefs::design(
        BAND_SHAPES[index.min(3)],
        b.freq as f64,
        b.q as f64,
        b.gain_db as f64,
        fs,
    )
    .magnitude_db(freq, fs)
}

#[derive(Clone, Debug)]
struct Band {
    shape: SvfShape,
    log_freq: LinearSmoother,
    gain_db: LinearSmoother,
    log_q: LinearSmoother,
    coefs: SvfCoefs,
    state: [SvfState; 2],
}

impl FiniteState for Band {
    fn state_finite(&self) -> bool {
        self.log_freq.state_finite()
            && self.gain_db.state_finite()
            && self.log_q.state_finite()
            && self.coefs.state_finite()
            && self.state.state_finite()
    }
}

impl Band {
    fn smoothing(&self) -> bool {
        self.log_freq.is_smoothing() || self.gain_db.is_smoothing() || self.log_q.is_smoothing()
    }

    /// One frame through this band: advances its ramps (redesigning while they move); a band
    /// at 0 dB passes the frame and keeps no state.
    #[inline]
    fn tick(&mut self, l: f32, r: f32, stereo: bool, fs: f32) -> (f32, f32) {
        if self.smoothing() {
            self.log_freq.next_value();
            self.gain_db.next_value();
            self.log_q.next_value();
            self.design(fs);
        } else if self.gain_db.current() == 0.0 {
            self.state = Default::default();
            return (l, r);
        }
        let l = self.state[0].tick(&self.coefs, l);
        let r = if stereo {
            self.state[1].tick(&self.coefs, r)
        } else {
            r
        };
        (l, r)
    }

    fn design(&mut self, fs: f32) {
        self.coefs = SvfCoefs::design(
            self.shape,
            self.log_freq.current().exp2() as f64,
            self.log_q.current().exp2() as f64,
            self.gain_db.current() as f64,
            fs as f64,
        );
    }
}

/// The EQ for one track.
#[derive(Clone, Debug)]
pub struct Equalizer {
    sample_rate: f32,
    bands: [Band; 4],
}

impl FiniteState for Equalizer {
    fn state_finite(&self) -> bool {
        self.bands.state_finite()
    }
}

impl Equalizer {
    pub fn new(settings: [BandSettings; 4], ms: f32, sample_rate: f32) -> Self {
        let band = |i: usize| {
            let s = settings[i];
            let mut b = Band {
                shape: BAND_SHAPES[i],
                log_freq: LinearSmoother::new(s.freq.log2(), ms, sample_rate),
                gain_db: LinearSmoother::new(s.gain_db, ms, sample_rate),
                log_q: LinearSmoother::new(s.q.log2(), ms, sample_rate),
                coefs: SvfCoefs::identity(),
                state: Default::default(),
            };
            b.design(sample_rate);
            b
        };
        Equalizer {
            sample_rate,
            bands: [band(0), band(1), band(2), band(3)],
        }
    }

    /// True when no band is ramping, so the bands may run in a pipelined chain.
    pub fn chain_ready(&self) -> bool {
        !self.bands.iter().any(Band::smoothing)
    }

    /// Appends the audible bands (gain ≠ 0 dB) to a chain at `*n`; a band at 0 dB passes the
    /// signal and its state is cleared, as in `process_block`.
    pub fn push_sections(
        &mut self,
        coefs: &mut [SvfCoefs],
        states: &mut [[SvfState; 2]],
        n: &mut usize,
    ) {
        for b in &mut self.bands {
            if b.gain_db.current() == 0.0 {
                b.state = Default::default();
            } else {
                coefs[*n] = b.coefs;
                states[*n] = b.state;
                *n += 1;
            }
        }
    }

    /// Takes the audible bands' states back from a chain, from `*n` on.
    pub fn pull_states(&mut self, states: &[[SvfState; 2]], n: &mut usize) {
        for b in &mut self.bands {
            if b.gain_db.current() != 0.0 {
                b.state = states[*n];
                *n += 1;
            }
        }
    }

    /// Changes band `index` (0…3).
    pub fn set_band(&mut self, index: usize, s: BandSettings, snap: bool) {
        let fs = self.sample_rate;
        let Some(b) = self.bands.get_mut(index) else {
            return;
        };
        for (sm, v) in [
            (&mut b.log_freq, s.freq.log2()),
            (&mut b.gain_db, s.gain_db),
            (&mut b.log_q, s.q.log2()),
        ] {
            sm.set(v, snap)
        }
        if snap {
            b.design(fs);
        }
    }
}

impl super::SubnormalStates for Equalizer {
    fn subnormal_states(&self) -> usize {
        let v = self
            .bands
            .iter()
            .flat_map(|b| b.state.iter().flat_map(|s| s.values()));
        v.filter(|x| x.is_subnormal()).count()
    }
}

impl Processor for Equalizer {
    #[inline]
    fn tick(&mut self, mut l: f32, mut r: f32, stereo: bool) -> (f32, f32) {
        let fs = self.sample_rate;
        for b in &mut self.bands {
            (l, r) = b.tick(l, r, stereo, fs);
        }
        (l, r)
    }

    /// Band by band over the block (the same arithmetic as `tick`, in a different order): a
    /// steady band runs as one tight loop per channel pair.
    fn process_block(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        let fs = self.sample_rate;
        for b in &mut self.bands {
            if !b.smoothing() {
                if b.gain_db.current() == 0.0 {
                    b.state = Default::default();
                } else if stereo {
                    SvfState::run_pair(&mut b.state, &b.coefs, l, r);
                } else {
                    b.state[0].run(&b.coefs, l);
                }
                continue;
            }
            for (x, y) in l.iter_mut().zip(r.iter_mut()) {
                (*x, *y) = b.tick(*x, *y, stereo, fs);
            }
        }
    }

    fn reset(&mut self) {
        for b in &mut self.bands {
            b.state = Default::default();
        }
    }
}

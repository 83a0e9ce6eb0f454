//! Gate/expander for cleaning up spill and noise (audio thread): when the level stays below the
//! threshold for longer than the hold time, the gain falls by `range` dB with the release time;
//! it opens again with the attack time. Stereo-linked.

use super::{Processor, one_pole};
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// Time constant of the level detector's decay, ms: long enough to ride over the troughs of a
/// 50 Hz wave, short enough to close promptly.
const DETECTOR_MS: f32 = 10.0;

#[derive(Clone, Debug)]
pub struct Gate {
    sample_rate: f32,
    threshold_db: LinearSmoother,
    /// Linear threshold, recomputed only while the dB value ramps.
    threshold: f32,
    range_db: LinearSmoother,
    attack: f32,
    release: f32,
    hold_samples: u32,
    detector_decay: f32,
    envelope: f32,
    hold_left: u32,
    /// Current gain in dB (0 open, −range closed).
    gain_db: f32,
    gain: f32,
    /// Deepest gain reduction since the meter last read it, dB (≥ 0).
    pub(crate) max_reduction_db: f32,
}

impl FiniteState for Gate {
    fn state_finite(&self) -> bool {
        self.threshold_db.state_finite()
            && self.range_db.state_finite()
            && crate::dsp::all_finite([
                &self.threshold,
                &self.envelope,
                &self.gain_db,
                &self.gain,
                &self.max_reduction_db,
            ])
    }
}

impl Gate {
    pub fn new(threshold_db: f32, range_db: f32, ms: f32, sample_rate: f32) -> Gate {
        Gate {
            sample_rate,
            threshold_db: LinearSmoother::new(threshold_db, ms, sample_rate),
            threshold: crate::params::db_to_gain(threshold_db),
            range_db: LinearSmoother::new(range_db, ms, sample_rate),
            attack: one_pole(1.0, sample_rate),
            release: one_pole(100.0, sample_rate),
            hold_samples: 0,
            detector_decay: one_pole(DETECTOR_MS, sample_rate),
            envelope: 0.0,
            hold_left: 0,
            gain_db: 0.0,
            gain: 1.0,
            max_reduction_db: 0.0,
        }
    }

    pub fn set_threshold(&mut self, db: f32, snap: bool) {
        self.threshold_db.set(db, snap);
        if snap {
            self.threshold = crate::params::db_to_gain(db);
        }
    }

    pub fn set_range(&mut self, db: f32, snap: bool) {
        self.range_db.set(db, snap);
    }

    pub fn set_attack(&mut self, ms: f32) {
        self.attack = one_pole(ms, self.sample_rate);
    }

    pub fn set_hold(&mut self, ms: f32) {
        self.hold_samples = (ms * 0.001 * self.sample_rate) as u32;
    }

    pub fn set_release(&mut self, ms: f32) {
        self.release = one_pole(ms, self.sample_rate);
    }

    /// Takes (and clears) the deepest reduction since the last call, dB.
    pub fn take_reduction_db(&mut self) -> f32 {
        core::mem::take(&mut self.max_reduction_db)
    }
}

impl super::SubnormalStates for Gate {
    fn subnormal_states(&self) -> usize {
        super::count_subnormals([&self.envelope, &self.gain_db, &self.gain])
    }
}

impl Processor for Gate {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32) {
        let level = if stereo {
            super::fast_math::max(l.abs(), r.abs())
        } else {
            l.abs()
        };
        // Decays towards zero: flushed before it turns subnormal.
        self.envelope = super::flush(super::fast_math::max(
            level,
            self.envelope * self.detector_decay,
        ));
        if self.threshold_db.is_smoothing() {
            self.threshold = crate::params::db_to_gain(self.threshold_db.next_value());
        }
        let threshold = self.threshold;
        let range = self.range_db.next_value();
        if self.envelope >= threshold {
            self.hold_left = self.hold_samples.max(1);
        } else {
            self.hold_left = self.hold_left.saturating_sub(1);
        }
        let target = if self.hold_left > 0 { 0.0 } else { -range };
        let before = self.gain_db;
        let a = if target > self.gain_db {
            self.attack
        } else {
            self.release
        };
        self.gain_db = target + a * (self.gain_db - target);
        if (self.gain_db - target).abs() < 1e-4 {
            self.gain_db = target;
        }
        if self.gain_db != before {
            self.gain = super::fast_math::db_to_gain(self.gain_db);
        }
        self.max_reduction_db = super::fast_math::max(self.max_reduction_db, -self.gain_db);
        (l * self.gain, r * self.gain)
    }

    /// The same recursion as `tick`, sample by sample, but with the level read and the gain
    /// applied over the whole block: a block in which the gain never moves (the gate steadily
    /// open or shut) is one multiply per sample, and a moving gain is converted to linear in one
    /// vectorisable pass. `gain` always equals `db_to_gain(gain_db)` (1 at 0 dB), so the output
    /// is bit-identical to `tick`'s.
    fn process_block(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        if self.threshold_db.is_smoothing() || self.range_db.is_smoothing() {
            super::per_sample(self, l, r, stereo);
            return;
        }
        let threshold = self.threshold;
        let range = self.range_db.current();
        for (l, r) in l
            .chunks_mut(crate::BLOCK_FRAMES)
            .zip(r.chunks_mut(crate::BLOCK_FRAMES))
        {
            let n = l.len();
            let mut db = [0.0f32; crate::BLOCK_FRAMES];
            let mut moved = false;
            let (mut envelope, mut hold_left, mut gain_db) =
                (self.envelope, self.hold_left, self.gain_db);
            let mut deepest = self.max_reduction_db;
            for i in 0..n {
                let level = if stereo {
                    super::fast_math::max(l[i].abs(), r[i].abs())
                } else {
                    l[i].abs()
                };
                envelope =
                    super::flush(super::fast_math::max(level, envelope * self.detector_decay));
                if envelope >= threshold {
                    hold_left = self.hold_samples.max(1);
                } else {
                    hold_left = hold_left.saturating_sub(1);
                }
                let target = if hold_left > 0 { 0.0 } else { -range };
                let before = gain_db;
                let a = if target > gain_db {
                    self.attack
                } else {
                    self.release
                };
                gain_db = target + a * (gain_db - target);
                if (gain_db - target).abs() < 1e-4 {
                    gain_db = target;
                }
                moved |= gain_db != before;
                deepest = super::fast_math::max(deepest, -gain_db);
                db[i] = gain_db;
            }
            (self.envelope, self.hold_left, self.gain_db) = (envelope, hold_left, gain_db);
            self.max_reduction_db = deepest;
            if moved {
                for d in &mut db[..n] {
                    *d = super::fast_math::db_to_gain(*d);
                }
                self.gain = db[n - 1];
                for ((a, b), g) in l.iter_mut().zip(r.iter_mut()).zip(&db[..n]) {
                    *a *= g;
                    *b *= g;
                }
            } else {
                let g = self.gain;
                for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                    *a *= g;
                    *b *= g;
                }
            }
        }
    }

    fn reset(&mut self) {
        self.envelope = 0.0;
        self.hold_left = 0;
        self.gain_db = 0.0;
        self.gain = 1.0;
    }
}

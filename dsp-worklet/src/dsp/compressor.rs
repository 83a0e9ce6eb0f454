//! Feed-forward compressor after Giannoulis, Massberg & Reiss (JAES 2012) (audio thread):
//! level in dB → soft-knee gain computer → smooth branching peak detector on the gain reduction
//! (attack while it rises, release while it falls) → makeup. Stereo-linked (the louder channel
//! drives both).

use super::{Processor, fast_math, one_pole};
use crate::BLOCK_FRAMES;
use crate::params::db_to_gain;
use crate::smoother::LinearSmoother;

/// The static curve: output level in dB for input level `x` dB with threshold `t`, ratio `r`
/// and knee width `w` dB (Giannoulis et al., eq. 4).
pub fn gain_computer_db(x: f32, t: f32, r: f32, w: f32) -> f32 {
    let over = x - t;
    if 2.0 * over < -w {
        x
    } else if w > 0.0 && 2.0 * over.abs() <= w {
        x + (1.0 / r - 1.0) * (over + w / 2.0) * (over + w / 2.0) / (2.0 * w)
    } else {
        t + over / r
    }
}

#[derive(Clone, Debug)]
pub struct Compressor {
    sample_rate: f32,
    threshold_db: LinearSmoother,
    ratio: LinearSmoother,
    knee_db: LinearSmoother,
    makeup_db: LinearSmoother,
    attack: f32,
    release: f32,
    /// Linear level where the knee starts (below it the computer changes nothing), cached.
    knee_start: f32,
    /// Linear makeup gain, cached.
    makeup: f32,
    /// Smoothed gain reduction, dB (≥ 0).
    reduction_db: f32,
    /// Deepest gain reduction since the meter last read it, dB.
    pub(crate) max_reduction_db: f32,
    /// Per-frame working buffer of the block path (target, then smoothed reduction, dB).
    scratch: [f32; BLOCK_FRAMES],
}

impl Compressor {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        threshold_db: f32,
        ratio: f32,
        knee_db: f32,
        attack_ms: f32,
        release_ms: f32,
        makeup_db: f32,
        ms: f32,
        sample_rate: f32,
    ) -> Compressor {
        Compressor {
            sample_rate,
            threshold_db: LinearSmoother::new(threshold_db, ms, sample_rate),
            ratio: LinearSmoother::new(ratio, ms, sample_rate),
            knee_db: LinearSmoother::new(knee_db, ms, sample_rate),
            makeup_db: LinearSmoother::new(makeup_db, ms, sample_rate),
            attack: one_pole(attack_ms, sample_rate),
            release: one_pole(release_ms, sample_rate),
            knee_start: db_to_gain(threshold_db - knee_db * 0.5),
            makeup: db_to_gain(makeup_db),
            reduction_db: 0.0,
            max_reduction_db: 0.0,
            scratch: [0.0; BLOCK_FRAMES],
        }
    }

    pub fn set_threshold(&mut self, db: f32, snap: bool) {
        self.threshold_db.set(db, snap);
        self.update_cache();
    }
    pub fn set_ratio(&mut self, ratio: f32, snap: bool) {
        self.ratio.set(ratio, snap);
    }
    pub fn set_knee(&mut self, db: f32, snap: bool) {
        self.knee_db.set(db, snap);
        self.update_cache();
    }
    pub fn set_makeup(&mut self, db: f32, snap: bool) {
        self.makeup_db.set(db, snap);
        self.update_cache();
    }

    fn update_cache(&mut self) {
        // While a ramp runs the knee start is the lower of its two ends, so nothing is skipped
        // that should be compressed; `tick` refreshes it every sample until the ramp ends.
        let knee = |t: f32, w: f32| db_to_gain(t - w * 0.5);
        self.knee_start = knee(self.threshold_db.current(), self.knee_db.current())
            .min(knee(self.threshold_db.target(), self.knee_db.target()));
        self.makeup = db_to_gain(self.makeup_db.current());
    }
    pub fn set_attack(&mut self, ms: f32) {
        self.attack = one_pole(ms, self.sample_rate);
    }
    pub fn set_release(&mut self, ms: f32) {
        self.release = one_pole(ms, self.sample_rate);
    }

    /// Current smoothed gain reduction, dB.
    pub fn reduction_db(&self) -> f32 {
        self.reduction_db
    }

    /// Takes (and clears) the deepest reduction since the last call, dB.
    pub fn take_reduction_db(&mut self) -> f32 {
        core::mem::take(&mut self.max_reduction_db)
    }
}

impl Compressor {
    /// Gain reduction the static curve asks for at linear `level`, dB (≥ 0). Far below the knee
    /// with nothing to release, the computer's answer is 0 dB: the log is skipped.
    #[inline]
    fn target_db(level: f32, t: f32, ratio: f32, w: f32) -> f32 {
        if level < 1e-9 {
            0.0
        } else {
            let x = fast_math::gain_to_db(level);
            super::fast_math::max(x - gain_computer_db(x, t, ratio, w), 0.0)
        }
    }

    /// One step of the smooth branching peak detector towards `target` dB; returns the
    /// smoothed reduction.
    #[inline]
    fn detect(&mut self, target: f32) -> f32 {
        let a = if target > self.reduction_db {
            self.attack
        } else {
            self.release
        };
        self.reduction_db = a * self.reduction_db + (1.0 - a) * target;
        if self.reduction_db < 1e-6 {
            self.reduction_db = 0.0;
        }
        self.max_reduction_db = super::fast_math::max(self.max_reduction_db, self.reduction_db);
        self.reduction_db
    }

    /// Linear gain for a smoothed reduction and the makeup in dB.
    #[inline]
    fn gain(&self, reduction_db: f32, makeup_db: f32) -> f32 {
        if reduction_db == 0.0 {
            self.makeup
        } else {
            fast_math::db_to_gain(makeup_db - reduction_db)
        }
    }

    fn smoothing(&self) -> bool {
        self.threshold_db.is_smoothing()
            || self.ratio.is_smoothing()
            || self.knee_db.is_smoothing()
            || self.makeup_db.is_smoothing()
    }
}

impl super::SubnormalStates for Compressor {
    fn subnormal_states(&self) -> usize {
        super::count_subnormals([&self.reduction_db])
    }
}

impl Processor for Compressor {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32) {
        let t = self.threshold_db.next_value();
        let ratio = self.ratio.next_value();
        let w = self.knee_db.next_value();
        let makeup = self.makeup_db.next_value();
        let level = if stereo {
            super::fast_math::max(l.abs(), r.abs())
        } else {
            l.abs()
        };
        let reduction = self.detect(Self::target_db(level, t, ratio, w));
        let g = self.gain(reduction, makeup);
        (l * g, r * g)
    }

    /// With the settings steady, three passes per block — the static curve for every frame (no
    /// state), the detector (the only recursion), then the gains — with the same arithmetic as
    /// `tick`, bit for bit.
    fn process_block(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        if self.smoothing() {
            super::per_sample(self, l, r, stereo);
            return;
        }
        let t = self.threshold_db.current();
        let ratio = self.ratio.current();
        let w = self.knee_db.current();
        let makeup = self.makeup_db.current();
        for (l, r) in l.chunks_mut(BLOCK_FRAMES).zip(r.chunks_mut(BLOCK_FRAMES)) {
            let mut buf = self.scratch;
            let buf = &mut buf[..l.len()];
            if stereo {
                for ((d, a), b) in buf.iter_mut().zip(&*l).zip(&*r) {
                    *d = Self::target_db(super::fast_math::max(a.abs(), b.abs()), t, ratio, w);
                }
            } else {
                for (d, a) in buf.iter_mut().zip(&*l) {
                    *d = Self::target_db(a.abs(), t, ratio, w);
                }
            }
            for d in buf.iter_mut() {
                *d = self.detect(*d);
            }
            for ((a, b), d) in l.iter_mut().zip(r.iter_mut()).zip(&*buf) {
                let g = self.gain(*d, makeup);
                *a *= g;
                *b *= g;
            }
        }
    }

    fn reset(&mut self) {
        self.reduction_db = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gain_computer_regions_meet_continuously() {
        let (t, r, w) = (-20.0, 4.0, 6.0);
        assert_eq!(gain_computer_db(-40.0, t, r, w), -40.0);
        assert!((gain_computer_db(0.0, t, r, w) - (-15.0)).abs() < 1e-5);
        for edge in [t - w / 2.0, t + w / 2.0] {
            let below = gain_computer_db(edge - 1e-3, t, r, w);
            let above = gain_computer_db(edge + 1e-3, t, r, w);
            assert!((below - above).abs() < 1e-2, "discontinuity at {edge}");
        }
        // Hard knee: exactly the two lines.
        assert_eq!(gain_computer_db(-10.0, t, r, 0.0), -17.5);
    }
}

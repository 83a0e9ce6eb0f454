//! Feed-forward compressor after Giannoulis, Massberg & Reiss (JAES 2012) (audio thread):
//! level in dB → soft-knee gain computer → smooth branching peak detector on the gain reduction
//! (attack while it rises, release while it falls) → makeup. Stereo-linked (the louder channel
//! drives both).

use super::{Processor, fast_math, one_pole};
use crate::BLOCK_FRAMES;
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

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
    /// Smoothed gain reduction, dB (≥ 0).
    reduction_db: f32,
    /// Deepest gain reduction since the meter last read it, dB.
    pub(crate) max_reduction_db: f32,
    /// Per-frame working buffer of the block path (target, then smoothed reduction, dB).
    scratch: [f32; BLOCK_FRAMES],
}

impl FiniteState for Compressor {
    fn state_finite(&self) -> bool {
        [
            &self.threshold_db,
            &self.ratio,
            &self.knee_db,
            &self.makeup_db,
        ]
        .iter()
        .all(|s| s.state_finite())
            && crate::dsp::all_finite([&self.reduction_db, &self.max_reduction_db])
    }
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
            reduction_db: 0.0,
            max_reduction_db: 0.0,
            scratch: [0.0; BLOCK_FRAMES],
        }
    }

    pub fn set_threshold(&mut self, db: f32, snap: bool) {
        self.threshold_db.set(db, snap);
    }
    pub fn set_ratio(&mut self, ratio: f32, snap: bool) {
        self.ratio.set(ratio, snap);
    }
    pub fn set_knee(&mut self, db: f32, snap: bool) {
        self.knee_db.set(db, snap);
    }
    pub fn set_makeup(&mut self, db: f32, snap: bool) {
        self.makeup_db.set(db, snap);
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

/// The static curve's settings for a block (or a sample, while they ramp), with the divisions
/// done once: the gain reduction it asks for is then a few multiply-adds and selects, with no
/// branch, so a block of them vectorises.
#[derive(Clone, Copy, Debug)]
struct Curve {
    /// Threshold, dB.
    t: f32,
    /// Knee width, dB (≥ 0).
    w: f32,
    /// `1 − 1/ratio`: dB of reduction per dB over the threshold.
    slope: f32,
    /// `slope / (2·w)` (unused when `w` is 0).
    knee_scale: f32,
}

impl Curve {
    fn new(t: f32, ratio: f32, w: f32) -> Curve {
        let slope = 1.0 - 1.0 / ratio;
        Curve {
            t,
            w,
            slope,
            knee_scale: if w > 0.0 { slope / (2.0 * w) } else { 0.0 },
        }
    }

    /// Gain reduction (dB, ≥ 0) the soft-knee computer asks for at linear `level`:
    /// `x − gain_computer_db(x)` with `x` the level in dB. Levels under 1e-9 (−180 dB, far below
    /// any threshold) and NaN count as 1e-9.
    #[inline(always)]
    fn reduction_db(self, level: f32) -> f32 {
        let x = fast_math::gain_to_db(fast_math::max(level, 1e-9));
        let over = x - self.t;
        let into_knee = over + 0.5 * self.w;
        let knee = self.knee_scale * into_knee * into_knee;
        let above = self.slope * over;
        let r = if 2.0 * over < -self.w {
            0.0
        } else if 2.0 * over <= self.w {
            knee
        } else {
            above
        };
        fast_math::max(r, 0.0)
    }
}

impl Compressor {
    /// One step of the smooth branching peak detector from `reduction` towards `target` dB
    /// (attack while it rises, release while it falls); settles to exactly 0 under 1e-6 dB.
    #[inline(always)]
    fn detect(reduction: f32, target: f32, attack: f32, release: f32) -> f32 {
        let a = if target > reduction { attack } else { release };
        let next = target + a * (reduction - target);
        if next < 1e-6 { 0.0 } else { next }
    }

    /// Linear gain for a smoothed reduction and the makeup, both in dB.
    #[inline(always)]
    fn gain(reduction_db: f32, makeup_db: f32) -> f32 {
        fast_math::db_to_gain(makeup_db - reduction_db)
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
        let makeup_db = self.makeup_db.next_value();
        let level = if stereo {
            fast_math::max(l.abs(), r.abs())
        } else {
            l.abs()
        };
        let target = Curve::new(t, ratio, w).reduction_db(level);
        self.reduction_db = Self::detect(self.reduction_db, target, self.attack, self.release);
        self.max_reduction_db = fast_math::max(self.max_reduction_db, self.reduction_db);
        let g = Self::gain(self.reduction_db, makeup_db);
        (l * g, r * g)
    }

    /// With the settings steady, four passes per block — the static curve for every frame (no
    /// state, vectorised), the detector (the only recursion), the deepest reduction, then the
    /// gains (vectorised) — with the same arithmetic as `tick`, bit for bit.
    fn process_block(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        if self.smoothing() {
            super::per_sample(self, l, r, stereo);
            return;
        }
        let curve = Curve::new(
            self.threshold_db.current(),
            self.ratio.current(),
            self.knee_db.current(),
        );
        let makeup_db = self.makeup_db.current();
        let (attack, release) = (self.attack, self.release);
        for (l, r) in l.chunks_mut(BLOCK_FRAMES).zip(r.chunks_mut(BLOCK_FRAMES)) {
            let buf = &mut self.scratch[..l.len()];
            if stereo {
                for ((d, a), b) in buf.iter_mut().zip(&*l).zip(&*r) {
                    *d = curve.reduction_db(fast_math::max(a.abs(), b.abs()));
                }
            } else {
                for (d, a) in buf.iter_mut().zip(&*l) {
                    *d = curve.reduction_db(a.abs());
                }
            }
            let mut reduction = self.reduction_db;
            for d in buf.iter_mut() {
                reduction = Self::detect(reduction, *d, attack, release);
                *d = reduction;
            }
            self.reduction_db = reduction;
            self.max_reduction_db = buf
                .iter()
                .fold(self.max_reduction_db, |m, &d| fast_math::max(m, d));
            for ((a, b), d) in l.iter_mut().zip(r.iter_mut()).zip(&*buf) {
                let g = Self::gain(*d, makeup_db);
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

    /// The engine's branch-free curve asks for what the reference computer gives, within the
    /// fast logarithm's error, across thresholds, ratios (1 included) and knees (0 included).
    #[test]
    fn the_block_curve_is_the_gain_computer() {
        for t in [-60.0f32, -24.0, -6.0, 0.0] {
            for r in [1.0f32, 1.5, 4.0, 20.0] {
                for w in [0.0f32, 3.0, 12.0, 24.0] {
                    let curve = Curve::new(t, r, w);
                    for i in -900..=100 {
                        let x = i as f32 / 10.0;
                        let want = (x - gain_computer_db(x, t, r, w)).max(0.0);
                        let got = curve.reduction_db(10f32.powf(x / 20.0));
                        assert!(
                            (got - want).abs() < 2e-3,
                            "t {t} r {r} w {w} x {x}: {got} vs {want}"
                        );
                    }
                }
            }
        }
        assert_eq!(Curve::new(-20.0, 4.0, 6.0).reduction_db(0.0), 0.0);
        assert_eq!(Curve::new(-20.0, 4.0, 6.0).reduction_db(f32::NAN), 0.0);
    }
}

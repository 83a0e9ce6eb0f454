//! 4th-order Linkwitz–Riley crossovers (audio thread). LR4 = two cascaded 2nd-order Butterworth
//! sections (Q = 1/√2); its low and high outputs sum to an allpass, so bands recombine with a flat
//! magnitude. A three-band split sends the low band through the upper crossover's allpass too, so
//! all three bands carry the same phase and `low + mid + high` is flat.

use super::svf::{SvfCoefs, SvfShape, SvfState};
use crate::smoother::LinearSmoother;

const Q: f64 = core::f64::consts::FRAC_1_SQRT_2;

/// One LR4 split of one channel: low = LP·LP, high = HP·HP (both 4th order).
#[derive(Clone, Copy, Debug, Default)]
struct Split {
    lp: [SvfState; 2],
    hp: [SvfState; 2],
}

impl Split {
    #[inline]
    fn tick(&mut self, lp: &SvfCoefs, hp: &SvfCoefs, x: f32) -> (f32, f32) {
        let low = self.lp[0].tick(lp, x);
        let low = self.lp[1].tick(lp, low);
        let high = self.hp[0].tick(hp, x);
        let high = self.hp[1].tick(hp, high);
        (low, high)
    }
}

/// A crossover frequency, smoothed on a log scale, with its two designs.
#[derive(Clone, Debug)]
struct Corner {
    log_freq: LinearSmoother,
    lp: SvfCoefs,
    hp: SvfCoefs,
    sample_rate: f32,
}

impl Corner {
    fn new(freq: f32, ms: f32, sample_rate: f32) -> Corner {
        let mut c = Corner {
            log_freq: LinearSmoother::new(freq.log2(), ms, sample_rate),
            lp: SvfCoefs::identity(),
            hp: SvfCoefs::identity(),
            sample_rate,
        };
        c.design();
        c
    }

    fn design(&mut self) {
        let f = self.log_freq.current().exp2() as f64;
        let fs = self.sample_rate as f64;
        self.lp = SvfCoefs::design(SvfShape::LowPass, f, Q, 0.0, fs);
        self.hp = SvfCoefs::design(SvfShape::HighPass, f, Q, 0.0, fs);
    }

    fn set(&mut self, hz: f32, snap: bool) {
        self.log_freq.set(hz.log2(), snap);
        if snap {
            self.design();
        }
    }

    #[inline]
    fn advance(&mut self) {
        if self.log_freq.is_smoothing() {
            self.log_freq.next_value();
            self.design();
        }
    }
}

/// Splits a stereo signal into low, mid and high bands at two frequencies.
#[derive(Clone, Debug)]
pub struct ThreeBandSplit {
    low_corner: Corner,
    high_corner: Corner,
    /// [channel]: the split at the low corner, the split of the upper part at the high corner,
    /// and the allpass (LP + HP at the high corner) that aligns the low band's phase.
    first: [Split; 2],
    second: [Split; 2],
    align: [Split; 2],
}

impl ThreeBandSplit {
    pub fn new(low_hz: f32, high_hz: f32, ms: f32, sample_rate: f32) -> Self {
        ThreeBandSplit {
            low_corner: Corner::new(low_hz, ms, sample_rate),
            high_corner: Corner::new(high_hz, ms, sample_rate),
            first: Default::default(),
            second: Default::default(),
            align: Default::default(),
        }
    }

    pub fn set_low(&mut self, hz: f32, snap: bool) {
        self.low_corner.set(hz, snap);
    }

    pub fn set_high(&mut self, hz: f32, snap: bool) {
        self.high_corner.set(hz, snap);
    }

    /// Splits one sample of channel `ch` into (low, mid, high).
    #[inline]
    pub fn tick(&mut self, ch: usize, x: f32) -> [f32; 3] {
        let (a, b) = (&self.low_corner, &self.high_corner);
        let (low, upper) = self.first[ch].tick(&a.lp, &a.hp, x);
        let (mid, high) = self.second[ch].tick(&b.lp, &b.hp, upper);
        let (l_lp, l_hp) = self.align[ch].tick(&b.lp, &b.hp, low);
        [l_lp + l_hp, mid, high]
    }

    /// Moves the corner ramps on by one sample (call once per frame, before `tick`).
    #[inline]
    pub fn advance(&mut self) {
        self.low_corner.advance();
        self.high_corner.advance();
    }

    pub fn reset(&mut self) {
        self.first = Default::default();
        self.second = Default::default();
        self.align = Default::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three bands sum to a flat magnitude (an allpass): a sine at any frequency comes back at
    /// its level within 0.01 dB.
    #[test]
    fn three_bands_sum_flat() {
        let fs = 48_000.0;
        for f in [
            30.0f64, 120.0, 150.0, 400.0, 1_000.0, 3_000.0, 5_000.0, 12_000.0,
        ] {
            let mut x = ThreeBandSplit::new(150.0, 3_000.0, 20.0, fs as f32);
            let n = 48_000usize;
            let (mut a, mut b) = (0.0f64, 0.0f64);
            for i in 0..n {
                let ph = 2.0 * core::f64::consts::PI * f * i as f64 / fs;
                x.advance();
                let y: f32 = x.tick(0, (0.5 * ph.sin()) as f32).iter().sum();
                if i >= n / 2 {
                    a += y as f64 * ph.cos();
                    b += y as f64 * ph.sin();
                }
            }
            let amp = 2.0 * (a * a + b * b).sqrt() / (n / 2) as f64;
            let db = 20.0 * (amp / 0.5).log10();
            assert!(db.abs() < 0.01, "{f} Hz: {db:.4} dB");
        }
    }
}

/// A two-band LR4 split of a stereo signal (for "mono below"): low and high of each channel; their
/// sum is the allpass the other path must also go through to stay phase-aligned.
#[derive(Clone, Debug)]
pub struct TwoBandSplit {
    corner: Corner,
    split: [Split; 2],
}

impl TwoBandSplit {
    pub fn new(hz: f32, ms: f32, sample_rate: f32) -> Self {
        TwoBandSplit {
            corner: Corner::new(hz, ms, sample_rate),
            split: Default::default(),
        }
    }

    pub fn set(&mut self, hz: f32, snap: bool) {
        self.corner.set(hz, snap);
    }

    /// Call once per frame before `tick`.
    #[inline]
    pub fn advance(&mut self) {
        self.corner.advance();
    }

    /// (low, high) of one sample of channel `ch`.
    #[inline]
    pub fn tick(&mut self, ch: usize, x: f32) -> (f32, f32) {
        self.split[ch].tick(&self.corner.lp, &self.corner.hp, x)
    }
}

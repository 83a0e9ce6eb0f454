//! 4th-order Linkwitz–Riley crossovers (audio thread). LR4 = two cascaded 2nd-order Butterworth
//! sections (Q = 1/√2); its low and high outputs sum to an allpass, so bands recombine with a flat
//! magnitude. A three-band split sends the low band through the upper crossover's allpass too, so
//! all three bands carry the same phase and `low + mid + high` is flat.

use super::svf::{SvfCoefs, SvfShape, SvfState};
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

const Q: f64 = core::f64::consts::FRAC_1_SQRT_2;

/// One LR4 split of one channel: low = LP·LP, high = HP·HP (both 4th order).
#[derive(Clone, Copy, Debug, Default)]
struct Split {
    lp: [SvfState; 2],
    hp: [SvfState; 2],
}

impl FiniteState for Split {
    fn state_finite(&self) -> bool {
        self.lp.state_finite() && self.hp.state_finite()
    }
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

impl FiniteState for Corner {
    fn state_finite(&self) -> bool {
        self.log_freq.state_finite() && self.lp.state_finite() && self.hp.state_finite()
    }
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

impl FiniteState for ThreeBandSplit {
    fn state_finite(&self) -> bool {
        self.low_corner.state_finite()
            && self.high_corner.state_finite()
            && self.first.state_finite()
            && self.second.state_finite()
            && self.align.state_finite()
    }
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

/// Butterworth 4th-order section Q's: LR8 = two cascaded Butterworth 4th-order filters.
const BUTTERWORTH_4_QS: [f64; 2] = [0.541_196_100_146_197, 1.306_562_964_876_376_5];

/// A two-band 8th-order Linkwitz–Riley split of a stereo signal (for "mono below"): 48 dB/oct, so
/// a side signal an octave under the corner is about 48 dB down. Low = BW4·BW4 low-pass, high =
/// BW4·BW4 high-pass; like LR4 their sum is an allpass, which the other path goes through to stay
/// phase-aligned.
#[derive(Clone, Debug)]
pub struct TwoBandSplit {
    log_freq: LinearSmoother,
    sample_rate: f32,
    /// Low-pass and high-pass designs for the two Butterworth Q's.
    lp: [SvfCoefs; 2],
    hp: [SvfCoefs; 2],
    /// [channel][section]: each BW4 runs twice (sections a, b, a, b).
    low: [[SvfState; 4]; 2],
    high: [[SvfState; 4]; 2],
}

impl FiniteState for TwoBandSplit {
    fn state_finite(&self) -> bool {
        self.log_freq.state_finite()
            && self.lp.state_finite()
            && self.hp.state_finite()
            && self.low.iter().all(|c| c.state_finite())
            && self.high.iter().all(|c| c.state_finite())
    }
}

impl TwoBandSplit {
    pub fn new(hz: f32, ms: f32, sample_rate: f32) -> Self {
        let mut t = TwoBandSplit {
            log_freq: LinearSmoother::new(hz.log2(), ms, sample_rate),
            sample_rate,
            lp: [SvfCoefs::identity(); 2],
            hp: [SvfCoefs::identity(); 2],
            low: Default::default(),
            high: Default::default(),
        };
        t.design();
        t
    }

    fn design(&mut self) {
        let f = self.log_freq.current().exp2() as f64;
        let fs = self.sample_rate as f64;
        for (k, q) in BUTTERWORTH_4_QS.iter().enumerate() {
            self.lp[k] = SvfCoefs::design(SvfShape::LowPass, f, *q, 0.0, fs);
            self.hp[k] = SvfCoefs::design(SvfShape::HighPass, f, *q, 0.0, fs);
        }
    }

    pub fn set(&mut self, hz: f32, snap: bool) {
        self.log_freq.set(hz.log2(), snap);
        if snap {
            self.design();
        }
    }

    /// Call once per frame before `tick`.
    #[inline]
    pub fn advance(&mut self) {
        if self.log_freq.is_smoothing() {
            self.log_freq.next_value();
            self.design();
        }
    }

    /// (low, high) of one sample of channel `ch`.
    #[inline]
    pub fn tick(&mut self, ch: usize, x: f32) -> (f32, f32) {
        let ch = ch.min(1);
        let (mut low, mut high) = (x, x);
        for (i, s) in self.low[ch].iter_mut().enumerate() {
            low = s.tick(&self.lp[i % 2], low);
        }
        for (i, s) in self.high[ch].iter_mut().enumerate() {
            high = s.tick(&self.hp[i % 2], high);
        }
        (low, high)
    }
}

#[cfg(test)]
mod lr8_tests {
    use super::*;

    /// Steady-state level (dB re 0.5 peak) of `f` Hz through `path` of a fresh 120 Hz split.
    fn level(f: f64, path: impl Fn((f32, f32)) -> f32) -> f64 {
        let fs = 48_000.0;
        let mut x = TwoBandSplit::new(120.0, 20.0, fs as f32);
        let n = 96_000usize;
        let (mut a, mut b) = (0.0f64, 0.0f64);
        for i in 0..n {
            let ph = 2.0 * core::f64::consts::PI * f * i as f64 / fs;
            x.advance();
            let y = path(x.tick(0, (0.5 * ph.sin()) as f32));
            if i >= n / 2 {
                a += y as f64 * ph.cos();
                b += y as f64 * ph.sin();
            }
        }
        20.0 * (2.0 * (a * a + b * b).sqrt() / (n / 2) as f64 / 0.5).log10()
    }

    #[test]
    fn lr8_bands_sum_flat_and_the_high_band_is_48_db_per_octave() {
        for f in [20.0, 60.0, 120.0, 240.0, 1_000.0, 10_000.0] {
            let sum = level(f, |(l, h)| l + h);
            assert!(sum.abs() < 0.01, "{f} Hz: sum {sum:.4} dB");
        }
        // An octave under the corner: 2 × 10·log10(1 + 2⁸) ≈ 48.2 dB down.
        let high = level(60.0, |(_, h)| h);
        assert!((high + 48.2).abs() < 0.5, "{high:.2} dB");
    }
}

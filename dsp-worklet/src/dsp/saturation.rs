//! Saturation, 4× oversampled so its harmonics do not fold back into the audio band (audio
//! thread). The signal is upsampled with a 97-tap Kaiser-windowed-sinc polyphase FIR, shaped by
//! `tanh(d·x)/d` (unity gain for small signals, soft limiting that starts lower as drive rises),
//! and decimated through the same FIR. The filters' delay is exactly [`LATENCY_FRAMES`] at the
//! base rate; the dry path is delayed to match, so the mix control and the bypass crossfade are
//! phase-aligned, and the strip has the same latency whether saturation is on or off.

use super::Processor;
use crate::params::db_to_gain;
use crate::smoother::LinearSmoother;

/// Oversampling factor.
pub const OVERSAMPLE: usize = 4;
/// Taps of the interpolation/decimation filter (odd: integer group delay).
pub const FIR_TAPS: usize = 97;
/// Taps per polyphase branch of the interpolator.
const PHASE_TAPS: usize = FIR_TAPS.div_ceil(OVERSAMPLE);
/// Delay of up- plus down-sampling at the base rate: 2 × 48 samples at 4× = 24 frames.
pub const LATENCY_FRAMES: usize = (FIR_TAPS - 1) / OVERSAMPLE;

/// Cutoff of the anti-imaging/anti-aliasing filter as a fraction of the base rate's Nyquist:
/// 21 kHz at 48 kHz. With 97 taps and β = 6 the passband is flat to about 17.5 kHz and the
/// stopband (≈ 60 dB) starts near 24.5 kHz, so a harmonic at 25 kHz cannot fold back to 23 kHz.
const CUTOFF: f64 = 0.875;

/// Low-pass FIR at the oversampled rate, Kaiser window β = 6.
fn design_fir() -> [f32; FIR_TAPS] {
    let fc = CUTOFF * 0.5 / OVERSAMPLE as f64; // cycles per oversampled sample
    let beta = 6.0;
    let mid = (FIR_TAPS - 1) as f64 / 2.0;
    let i0 = |x: f64| {
        // Modified Bessel function of the first kind, order 0 (series).
        let (mut sum, mut term) = (1.0, 1.0);
        for k in 1..40 {
            term *= (x / 2.0) * (x / 2.0) / (k as f64 * k as f64);
            sum += term;
        }
        sum
    };
    let mut h = [0.0f32; FIR_TAPS];
    let mut total = 0.0;
    let mut tmp = [0.0f64; FIR_TAPS];
    for (n, t) in tmp.iter_mut().enumerate() {
        let x = n as f64 - mid;
        let sinc = if x == 0.0 {
            2.0 * fc
        } else {
            (2.0 * core::f64::consts::PI * fc * x).sin() / (core::f64::consts::PI * x)
        };
        let r = x / mid;
        let w = i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0(beta);
        *t = sinc * w;
        total += *t;
    }
    for (dst, t) in h.iter_mut().zip(tmp) {
        *dst = (t / total) as f32; // unity DC gain
    }
    h
}

/// Dot product with eight independent accumulators, so the compiler can vectorise it and the
/// additions do not wait on each other.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]) + tail
}

/// The interpolator's polyphase branches: branch `p` holds taps `p, p + 4, p + 8, …` (zero-padded
/// to equal length), pre-scaled by the oversampling factor to restore the level zero-stuffing
/// takes away.
fn branches(fir: &[f32; FIR_TAPS]) -> [[f32; PHASE_TAPS]; OVERSAMPLE] {
    core::array::from_fn(|p| {
        core::array::from_fn(|j| {
            fir.get(p + OVERSAMPLE * j)
                .map_or(0.0, |h| h * OVERSAMPLE as f32)
        })
    })
}

/// `tanh` by Lambert's continued fraction (7th order): within 1e-6 of `tanh` below |x| = 3 and
/// within 1.1e-4 everywhere; it reaches ±1 at |x| ≈ 4.97, where it is clamped (continuously).
/// Far cheaper than libm's `tanh` in wasm.
#[inline]
pub fn fast_tanh(x: f32) -> f32 {
    if x.abs() >= 4.97 {
        return x.signum();
    }
    let x2 = x * x;
    let num = x * (135_135.0 + x2 * (17_325.0 + x2 * (378.0 + x2)));
    let den = 135_135.0 + x2 * (62_370.0 + x2 * (3_150.0 + x2 * 28.0));
    num / den
}

/// One channel's filter histories and dry delay, stored twice over so a window is always one
/// contiguous slice (no modulo in the inner loops).
#[derive(Clone, Copy, Debug)]
struct Channel {
    up: [f32; 2 * PHASE_TAPS],
    up_pos: usize,
    down: [f32; 2 * FIR_TAPS],
    down_pos: usize,
    dry: [f32; LATENCY_FRAMES + 1],
    dry_pos: usize,
}

impl Default for Channel {
    fn default() -> Self {
        Channel {
            up: [0.0; 2 * PHASE_TAPS],
            up_pos: 0,
            down: [0.0; 2 * FIR_TAPS],
            down_pos: 0,
            dry: [0.0; LATENCY_FRAMES + 1],
            dry_pos: 0,
        }
    }
}

impl Channel {
    /// The input from [`LATENCY_FRAMES`] frames ago (the dry path), after storing `x`.
    #[inline]
    fn delay(&mut self, x: f32) -> f32 {
        self.dry[self.dry_pos] = x;
        self.dry_pos += 1;
        if self.dry_pos == self.dry.len() {
            self.dry_pos = 0;
        }
        self.dry[self.dry_pos]
    }

    /// Oversampled saturation of `x`: returns the decimated, shaped sample.
    #[inline]
    fn saturate(
        &mut self,
        x: f32,
        fir: &[f32; FIR_TAPS],
        branches: &[[f32; PHASE_TAPS]; OVERSAMPLE],
        drive: f32,
    ) -> f32 {
        // Newest input first in `up[up_pos ..]`.
        self.up_pos = if self.up_pos == 0 {
            PHASE_TAPS - 1
        } else {
            self.up_pos - 1
        };
        self.up[self.up_pos] = x;
        self.up[self.up_pos + PHASE_TAPS] = x;
        let hist = &self.up[self.up_pos..self.up_pos + PHASE_TAPS];
        let inv_drive = 1.0 / drive;
        let mut out = 0.0;
        for (phase, branch) in branches.iter().enumerate() {
            let u = dot(branch, hist);
            let v = fast_tanh(u * drive) * inv_drive;
            self.down_pos = if self.down_pos == 0 {
                FIR_TAPS - 1
            } else {
                self.down_pos - 1
            };
            self.down[self.down_pos] = v;
            self.down[self.down_pos + FIR_TAPS] = v;
            if phase == 0 {
                // Decimate on the window that ends at phase 0: the delay is then exactly
                // 2 × 48 oversampled samples = 24 frames.
                out = dot(&self.down[self.down_pos..self.down_pos + FIR_TAPS], fir);
            }
        }
        out
    }
}

/// The saturation module for one track.
#[derive(Clone, Debug)]
pub struct Saturation {
    fir: [f32; FIR_TAPS],
    branches: [[f32; PHASE_TAPS]; OVERSAMPLE],
    drive: LinearSmoother,
    mix: LinearSmoother,
    ch: [Channel; 2],
}

impl Saturation {
    /// `drive_db` 0…24, `mix_percent` 0…100.
    pub fn new(drive_db: f32, mix_percent: f32, ms: f32, sample_rate: f32) -> Saturation {
        let fir = design_fir();
        Saturation {
            fir,
            branches: branches(&fir),
            drive: LinearSmoother::new(db_to_gain(drive_db), ms, sample_rate),
            mix: LinearSmoother::new(mix_percent / 100.0, ms, sample_rate),
            ch: [Channel::default(); 2],
        }
    }

    pub fn set_drive(&mut self, db: f32, snap: bool) {
        let g = db_to_gain(db);
        self.drive.set(g, snap)
    }

    pub fn set_mix(&mut self, percent: f32, snap: bool) {
        let m = percent / 100.0;
        self.mix.set(m, snap)
    }

    /// The dry path alone: what the strip outputs while saturation is bypassed, so the track's
    /// timing never depends on the switch. Keeps the oversampler's input history current.
    pub fn delay_only(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        for (a, b) in l.iter_mut().zip(r.iter_mut()) {
            *a = self.ch[0].delay(*a);
            if stereo {
                *b = self.ch[1].delay(*b);
            }
        }
    }
}

impl Saturation {
    /// Runs the module behind its switch. Unlike the other modules, "off" still delays by
    /// [`LATENCY_FRAMES`], and the crossfade blends against the delayed dry signal.
    pub fn run(
        &mut self,
        sw: &mut super::switch::Switch,
        l: &mut [f32],
        r: &mut [f32],
        stereo: bool,
    ) {
        if sw.is_off() {
            self.delay_only(l, r, stereo);
            return;
        }
        if sw.amount() == 0.0 {
            self.reset();
        }
        let fading = sw.is_fading();
        for (a, b) in l.iter_mut().zip(r.iter_mut()) {
            let k = if fading { sw.next_amount() } else { 1.0 };
            let drive = self.drive.next_value();
            let mix = self.mix.next_value() * k;
            let dry_l = self.ch[0].delay(*a);
            let wet_l = self.ch[0].saturate(*a, &self.fir, &self.branches, drive);
            *a = dry_l + mix * (wet_l - dry_l);
            if stereo {
                let dry_r = self.ch[1].delay(*b);
                let wet_r = self.ch[1].saturate(*b, &self.fir, &self.branches, drive);
                *b = dry_r + mix * (wet_r - dry_r);
            }
        }
    }
}

impl Processor for Saturation {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32) {
        let drive = self.drive.next_value();
        let mix = self.mix.next_value();
        let dry_l = self.ch[0].delay(l);
        let wet_l = self.ch[0].saturate(l, &self.fir, &self.branches, drive);
        let out_l = dry_l + mix * (wet_l - dry_l);
        if !stereo {
            return (out_l, out_l);
        }
        let dry_r = self.ch[1].delay(r);
        let wet_r = self.ch[1].saturate(r, &self.fir, &self.branches, drive);
        (out_l, dry_r + mix * (wet_r - dry_r))
    }

    fn reset(&mut self) {
        // The dry delay keeps running (it carries the signal while bypassed); only the
        // oversampler's filter memories start afresh.
        for c in &mut self.ch {
            c.up = [0.0; 2 * PHASE_TAPS];
            c.down = [0.0; 2 * FIR_TAPS];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_tanh_is_tanh() {
        for i in -800..=800 {
            let x = i as f32 / 100.0;
            let bound = if x.abs() < 3.0 { 2e-6 } else { 1.1e-4 };
            assert!((fast_tanh(x) - x.tanh()).abs() < bound, "{x}");
        }
    }

    #[test]
    fn fir_is_a_unity_gain_symmetric_low_pass() {
        let h = design_fir();
        assert!((h.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        for i in 0..FIR_TAPS / 2 {
            assert_eq!(h[i], h[FIR_TAPS - 1 - i]);
        }
        assert_eq!(LATENCY_FRAMES, 24);
    }
}

//! Saturation, 4× oversampled so its harmonics do not fold back into the audio band (audio
//! thread). The signal is upsampled with a 97-tap Kaiser-windowed-sinc polyphase FIR, shaped by
//! `tanh(d·x)/d` (unity gain for small signals, soft limiting that starts lower as drive rises),
//! and decimated through the same FIR. The filters' delay is exactly [`LATENCY_FRAMES`] at the
//! base rate; the dry path is delayed to match, so the mix control and the bypass crossfade are
//! phase-aligned, and the strip has the same latency whether saturation is on or off.
//!
//! The work is done a block at a time, one polyphase branch at a time: every filter tap is one
//! multiply-add over a contiguous run of up to [`BLOCK_FRAMES`] samples, which compilers turn into
//! SIMD (SSE natively, `simd128` in the worklet). Each output still sums its taps in the same
//! order whatever the block size, so splitting a block never changes a bit of the output.

use crate::BLOCK_FRAMES;
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

/// The decimator's taps split by phase: `phase[q][j] = fir[4j + q]` (zero-padded).
fn decimator_phases(fir: &[f32; FIR_TAPS]) -> [[f32; PHASE_TAPS]; OVERSAMPLE] {
    core::array::from_fn(|q| {
        core::array::from_fn(|j| fir.get(q + OVERSAMPLE * j).map_or(0.0, |h| *h))
    })
}

/// `tanh` by Lambert's continued fraction (7th order): within 1e-6 of `tanh` below |x| = 3 and
/// within 1.1e-4 everywhere; it reaches ±1 at |x| ≈ 4.97, where the input is clamped
/// (continuously, and without a branch, so a block of them vectorises). Far cheaper than libm's
/// `tanh` in wasm.
#[inline]
pub fn fast_tanh(x: f32) -> f32 {
    let x = x.clamp(-4.97, 4.97);
    let x2 = x * x;
    let num = x * (135_135.0 + x2 * (17_325.0 + x2 * (378.0 + x2)));
    let den = 135_135.0 + x2 * (62_370.0 + x2 * (3_150.0 + x2 * 28.0));
    num / den
}

/// History kept in front of each block: the filters' reach at the base rate (24 frames), which is
/// also the dry path's delay.
const HISTORY: usize = PHASE_TAPS - 1;
const BUF: usize = HISTORY + BLOCK_FRAMES;

/// `acc[i] += Σ_j taps[j] · src[end + i − j]` for every `i` in the block. Outputs are taken eight
/// at a time and held in registers while every tap passes over them (a multiply-add along time,
/// which vectorises); every `acc[i]` sums its taps in `j` order, whatever the block size.
#[inline]
fn convolve_add(acc: &mut [f32], taps: &[f32], src: &[f32; BUF], end: usize) {
    const LANES: usize = 8;
    let mut chunks = acc.chunks_exact_mut(LANES);
    let mut start = end;
    for out in &mut chunks {
        let mut a = [0.0f32; LANES];
        a.copy_from_slice(out);
        for (j, &h) in taps.iter().enumerate() {
            let s = &src[start - j..start - j + LANES];
            for k in 0..LANES {
                a[k] += h * s[k];
            }
        }
        out.copy_from_slice(&a);
        start += LANES;
    }
    for (i, a) in chunks.into_remainder().iter_mut().enumerate() {
        for (j, &h) in taps.iter().enumerate() {
            *a += h * src[start + i - j];
        }
    }
}

/// One channel's state: the base-rate input with [`HISTORY`] frames of history in front (the
/// upsampler's memory and the dry delay line at once), and the shaped oversampled signal split
/// into its four phases, each with the same history (the decimator's memory).
#[derive(Clone, Debug)]
struct Channel {
    input: [f32; BUF],
    shaped: [[f32; BUF]; OVERSAMPLE],
}

impl Default for Channel {
    fn default() -> Self {
        Channel {
            input: [0.0; BUF],
            shaped: [[0.0; BUF]; OVERSAMPLE],
        }
    }
}

impl Channel {
    /// Stores a block (≤ [`BLOCK_FRAMES`]) of input after the history.
    #[inline]
    fn load(&mut self, x: &[f32]) {
        self.input[HISTORY..HISTORY + x.len()].copy_from_slice(x);
    }

    /// The dry path: the input [`HISTORY`] frames ago, for the block just loaded.
    #[inline]
    fn dry(&self, n: usize) -> &[f32] {
        &self.input[..n]
    }

    /// Moves the last [`HISTORY`] frames of an `n`-frame block to the front, ready for the next.
    #[inline]
    fn advance(&mut self, n: usize, shaped_too: bool) {
        self.input.copy_within(n..n + HISTORY, 0);
        if shaped_too {
            for s in &mut self.shaped {
                s.copy_within(n..n + HISTORY, 0);
            }
        }
    }

    /// Upsamples the loaded block, shapes it with per-frame `drive` (and its inverse), and
    /// decimates into `out`.
    fn saturate(&mut self, k: &Kernels, drive: &[f32], inv_drive: &[f32], out: &mut [f32]) {
        let n = out.len();
        for (p, branch) in k.up.iter().enumerate() {
            let (_, block) = self.shaped[p].split_at_mut(HISTORY);
            let u = &mut block[..n];
            u.fill(0.0);
            convolve_add(u, branch, &self.input, HISTORY);
            for ((v, d), inv) in u.iter_mut().zip(drive).zip(inv_drive) {
                *v = fast_tanh(*v * d) * inv;
            }
        }
        // y[i] = Σ_j fir[4j]·s₀[i − j] + Σ_{q=1..3} Σ_j fir[4j + q]·s_{4−q}[i − j − 1]
        // (the window ends at phase 0 of frame i: a delay of exactly 2 × 48 oversampled samples).
        out.fill(0.0);
        convolve_add(out, &k.down[0], &self.shaped[0], HISTORY);
        for q in 1..OVERSAMPLE {
            // Phases 1–3 hold 24 taps (4·24 + q > 96): the 25th, zero, would reach before the history.
            let taps = &k.down[q][..PHASE_TAPS - 1];
            convolve_add(out, taps, &self.shaped[OVERSAMPLE - q], HISTORY - 1);
        }
    }

    /// Clears the oversampler's memories (the dry line keeps running).
    fn clear_oversampler(&mut self) {
        for s in &mut self.shaped {
            s[..HISTORY].fill(0.0);
        }
    }
}

/// The filter taps, arranged for the upsampler and the decimator.
#[derive(Clone, Debug)]
struct Kernels {
    up: [[f32; PHASE_TAPS]; OVERSAMPLE],
    down: [[f32; PHASE_TAPS]; OVERSAMPLE],
}

/// The saturation module for one track (or the master). All buffers are inline: no heap.
#[derive(Clone, Debug)]
pub struct Saturation {
    k: Kernels,
    drive: LinearSmoother,
    mix: LinearSmoother,
    ch: [Channel; 2],
    /// Per-frame drive, its inverse, and mix × switch amount, for the current block.
    drive_buf: [f32; BLOCK_FRAMES],
    inv_buf: [f32; BLOCK_FRAMES],
    mix_buf: [f32; BLOCK_FRAMES],
    wet: [f32; BLOCK_FRAMES],
}

impl Saturation {
    /// `drive_db` 0…24, `mix_percent` 0…100.
    pub fn new(drive_db: f32, mix_percent: f32, ms: f32, sample_rate: f32) -> Saturation {
        let fir = design_fir();
        Saturation {
            k: Kernels {
                up: branches(&fir),
                down: decimator_phases(&fir),
            },
            drive: LinearSmoother::new(db_to_gain(drive_db), ms, sample_rate),
            mix: LinearSmoother::new(mix_percent / 100.0, ms, sample_rate),
            ch: Default::default(),
            drive_buf: [0.0; BLOCK_FRAMES],
            inv_buf: [0.0; BLOCK_FRAMES],
            mix_buf: [0.0; BLOCK_FRAMES],
            wet: [0.0; BLOCK_FRAMES],
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
        for (l, r) in l.chunks_mut(BLOCK_FRAMES).zip(r.chunks_mut(BLOCK_FRAMES)) {
            let n = l.len();
            for (c, x) in self.ch.iter_mut().zip([l, r]).take(1 + stereo as usize) {
                c.load(x);
                x.copy_from_slice(c.dry(n));
                c.advance(n, false);
            }
        }
    }

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
        for (l, r) in l.chunks_mut(BLOCK_FRAMES).zip(r.chunks_mut(BLOCK_FRAMES)) {
            self.run_block(sw, l, r, stereo);
        }
    }

    /// One block of at most [`BLOCK_FRAMES`].
    fn run_block(
        &mut self,
        sw: &mut super::switch::Switch,
        l: &mut [f32],
        r: &mut [f32],
        stereo: bool,
    ) {
        let n = l.len();
        let fading = sw.is_fading();
        if self.drive.is_smoothing() {
            for (d, inv) in self.drive_buf[..n].iter_mut().zip(&mut self.inv_buf[..n]) {
                *d = self.drive.next_value();
                *inv = 1.0 / *d;
            }
        } else {
            let d = self.drive.current();
            self.drive_buf[..n].fill(d);
            self.inv_buf[..n].fill(1.0 / d);
        }
        for m in &mut self.mix_buf[..n] {
            let k = if fading { sw.next_amount() } else { 1.0 };
            *m = self.mix.next_value() * k;
        }
        for (c, x) in self.ch.iter_mut().zip([l, r]).take(1 + stereo as usize) {
            c.load(x);
            let wet = &mut self.wet[..n];
            c.saturate(&self.k, &self.drive_buf[..n], &self.inv_buf[..n], wet);
            for (((y, dry), w), m) in x.iter_mut().zip(c.dry(n)).zip(&*wet).zip(&self.mix_buf) {
                *y = dry + m * (w - dry);
            }
            c.advance(n, true);
        }
    }

    /// Subnormal values in the filter histories (a test probe).
    pub fn subnormal_states(&self) -> usize {
        self.ch
            .iter()
            .map(|c| {
                super::count_subnormals(c.input[..HISTORY].iter())
                    + super::count_subnormals(c.shaped.iter().flat_map(|s| s[..HISTORY].iter()))
            })
            .sum()
    }

    /// Clears the oversampler's filter memories. The dry delay keeps running (it carries the
    /// signal while bypassed).
    pub fn reset(&mut self) {
        for c in &mut self.ch {
            c.clear_oversampler();
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

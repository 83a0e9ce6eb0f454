//! Saturation, 4× oversampled so its harmonics do not fold back into the audio band (audio
//! thread). The signal is upsampled in two halfband stages (48 → 96 → 192 kHz at a 48 kHz
//! session), shaped by `tanh(d·x)/d` (unity gain for small signals, soft limiting that starts
//! lower as drive rises), and brought back down through the same two stages. The filters' delay is
//! exactly [`LATENCY_FRAMES`] at the base rate; the dry path is delayed to match, so the mix
//! control and the bypass crossfade are phase-aligned, and the strip has the same latency whether
//! saturation is on or off.
//!
//! Halfband filters have every other tap zero and a centre tap of ½, so each stage costs half its
//! length per output, and one of the two phases is a plain delay. Going up, the first stage
//! (43 taps, Kaiser β = 6) only has to clear the audio's images above 28 kHz; coming down it is a
//! sharp 53-tap low-pass (flat to about 17.5 kHz, 60 dB down from 24.5 kHz) so that harmonics
//! just above the base Nyquist do not fold back. The second stage (15 taps) only works an octave
//! up. In all about 110 multiply-adds per base-rate sample, against about 200 for a single 97-tap
//! 4× filter.
//!
//! The work is done a block at a time, one filter at a time: every pair of symmetric taps is one
//! add and one multiply-add over contiguous runs of samples, which compilers turn into SIMD (SSE
//! natively, `simd128` in the worklet). Each output sums its taps in the same order whatever the
//! block size, so splitting a block never changes a bit of the output.

use crate::BLOCK_FRAMES;
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;
use crate::params::db_to_gain;

/// Oversampling factor.
pub const OVERSAMPLE: usize = 4;
/// Halfband stage 1 up (base → 2×): `4·K1U − 1` taps, `2·K1U` of them non-zero besides the
/// centre. Upsampling only has to clear the images of the audio band (above 28 kHz).
const K1U: usize = 11;
/// Stage 1 down (2× → base) is the sharp one: harmonics just above the base Nyquist (a 5 kHz
/// sine's 5th at 25 kHz) must be gone before they fold back, so it is a full low-pass cut at
/// 21 kHz (flat to about 17.5 kHz, about 60 dB down from 24.5 kHz at a 48 kHz session): `N1D`
/// taps, odd for a whole-sample delay.
const N1D: usize = 53;
/// Its taps at even and odd positions.
const N1D_EVEN: usize = N1D.div_ceil(2);
const N1D_ODD: usize = N1D / 2;
/// Its cut-off as a fraction of the base Nyquist.
const CUTOFF_1D: f64 = 0.875;
/// Halfband stage 2 (2× ↔ 4×), both ways.
const K2: usize = 4;
/// Non-zero off-centre taps per filter.
const T1U: usize = 2 * K1U;
const T2: usize = 2 * K2;
/// Delay of up- plus down-sampling at the base rate: the filters' centres sit 2·K1U − 1 and
/// (N1D − 1)/2 samples in at 2×, and 2·K2 − 1 at 4× each way; the decimators' output phases make
/// the sum whole: (2·K1U − 1 + (N1D − 1)/2 + 2·K2 − 1)/2 = 27 frames (0.56 ms at 48 kHz).
pub const LATENCY_FRAMES: usize = (2 * K1U - 1 + (N1D - 1) / 2 + 2 * K2 - 1) / 2;

/// The off-centre taps of a halfband low-pass (cut-off at a quarter of its rate) of `4k − 1` taps,
/// Kaiser window `beta`: tap `j` sits `2j − (2k − 1)` samples from the centre. They are scaled to
/// sum to exactly ½, so with the centre tap of ½ each polyphase half has unity gain at DC.
fn halfband<const T: usize>(beta: f64) -> [f32; T] {
    let k = T / 2;
    let mid = (2 * k - 1) as f64;
    let mut taps = [0.0f64; T];
    for (j, t) in taps.iter_mut().enumerate() {
        let x = 2.0 * j as f64 - mid;
        let sinc = (core::f64::consts::FRAC_PI_2 * x).sin() / (core::f64::consts::PI * x);
        let r = x / (mid + 1.0);
        *t = sinc * super::kaiser(r, beta);
    }
    let total: f64 = taps.iter().sum();
    core::array::from_fn(|j| (taps[j] * 0.5 / total) as f32)
}

/// A Kaiser-windowed-sinc low-pass of `N` taps (odd), cut-off `cutoff` × Nyquist, unity DC gain.
fn lowpass<const N: usize>(cutoff: f64, beta: f64) -> [f32; N] {
    let fc = cutoff * 0.5; // cycles per sample
    let mid = (N - 1) as f64 / 2.0;
    let mut h = [0.0f64; N];
    for (n, t) in h.iter_mut().enumerate() {
        let x = n as f64 - mid;
        let sinc = if x == 0.0 {
            2.0 * fc
        } else {
            (2.0 * core::f64::consts::PI * fc * x).sin() / (core::f64::consts::PI * x)
        };
        let r = x / mid;
        *t = sinc * super::kaiser(r, beta);
    }
    let total: f64 = h.iter().sum();
    core::array::from_fn(|n| (h[n] / total) as f32)
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

/// History kept in front of each base-rate block: the dry path's delay (which also covers the
/// first stage's reach, T1U − 1 frames).
const HISTORY: usize = LATENCY_FRAMES;
/// History at 2× for the second stage's input and the shaped signal's phases.
const HISTORY2: usize = T2 - 1;
/// History of the decimated 2× signal's even and odd phases (stage 1 down's reach).
const HISTORY_VE: usize = N1D_EVEN - 1;
const HISTORY_VO: usize = N1D_ODD;

/// A run of samples with `H` of history in front of up to `N` new ones.
#[derive(Clone, Copy, Debug)]
struct Line<const L: usize>([f32; L]);

impl<const L: usize> Default for Line<L> {
    fn default() -> Self {
        Line([0.0; L])
    }
}

impl<const L: usize> Line<L> {
    /// Moves the last `keep` samples before `end` to the front.
    #[inline]
    fn advance(&mut self, end: usize, keep: usize) {
        self.0.copy_within(end - keep..end, 0);
    }
}

/// `out[i] += Σ_j taps[j] · src[first + i − j]` for symmetric `taps` (`taps[j] == taps[len − 1 −
/// j]`, as every filter here is linear-phase): the two samples a tap pair reads are added before
/// the one multiply. Outputs are taken [`FIR_LANES`] at a time and held in registers while every
/// tap pair passes over them (a multiply-add along time, which vectorises, with enough
/// independent sums in flight that the adds' latency is hidden); every output sums its taps in the
/// same order whatever the block size.
#[inline]
fn fir(out: &mut [f32], taps: &[f32], src: &[f32], first: usize) {
    const LANES: usize = FIR_LANES;
    let len = taps.len();
    debug_assert!(
        (0..len).all(|j| taps[j] == taps[len - 1 - j]),
        "symmetric taps"
    );
    let reach = len - 1;
    let (pairs, middle) = (len / 2, (len % 2 == 1).then(|| taps[len / 2]));
    let mut chunks = out.chunks_exact_mut(LANES);
    let mut start = first;
    for o in &mut chunks {
        let mut a = [0.0f32; LANES];
        a.copy_from_slice(o);
        // Tap j reads span[reach − j ..][..LANES], its partner span[j ..][..LANES].
        let span = &src[start - reach..start + LANES];
        for (j, &h) in taps[..pairs].iter().enumerate() {
            let (near, far) = (&span[reach - j..][..LANES], &span[j..][..LANES]);
            for k in 0..LANES {
                a[k] += h * (near[k] + far[k]);
            }
        }
        if let Some(h) = middle {
            let centre = &span[reach - pairs..][..LANES];
            for k in 0..LANES {
                a[k] += h * centre[k];
            }
        }
        o.copy_from_slice(&a);
        start += LANES;
    }
    for (i, a) in chunks.into_remainder().iter_mut().enumerate() {
        let at = start + i;
        for (j, &h) in taps[..pairs].iter().enumerate() {
            *a += h * (src[at - j] + src[at - reach + j]);
        }
        if let Some(h) = middle {
            *a += h * src[at - pairs];
        }
    }
}

/// Outputs one FIR pass keeps in registers: four 4-lane sums, so that the chain of adds into each
/// (three or four cycles apiece) no longer sets the pace (eight sums run out of registers).
const FIR_LANES: usize = 16;

const B1: usize = BLOCK_FRAMES;
const B2: usize = 2 * BLOCK_FRAMES;

/// One channel's state: the base-rate input (also the dry delay line), the 2× upsampled signal,
/// the shaped 4× signal split into even and odd phases, and the decimated 2× signal split into
/// its phases, each with the history its filter reaches back over.
#[derive(Clone, Debug, Default)]
struct Channel {
    input: Line<{ HISTORY + B1 }>,
    up2: Line<{ HISTORY2 + B2 }>,
    shaped_even: Line<{ HISTORY2 + B2 }>,
    shaped_odd: Line<{ HISTORY2 + B2 }>,
    down_odd: Line<{ HISTORY_VO + B1 }>,
    down_even: Line<{ HISTORY_VE + B1 }>,
}

impl Channel {
    /// Stores a block (≤ [`BLOCK_FRAMES`]) of input after the history.
    #[inline]
    fn load(&mut self, x: &[f32]) {
        self.input.0[HISTORY..HISTORY + x.len()].copy_from_slice(x);
    }

    /// The dry path: the input [`HISTORY`] frames ago, for the block just loaded.
    #[inline]
    fn dry(&self, n: usize) -> &[f32] {
        &self.input.0[..n]
    }

    /// Moves every line's history up behind an `n`-frame block, ready for the next.
    #[inline]
    fn advance(&mut self, n: usize, oversampler_too: bool) {
        self.input.advance(HISTORY + n, HISTORY);
        if oversampler_too {
            self.up2.advance(HISTORY2 + 2 * n, HISTORY2);
            self.shaped_even.advance(HISTORY2 + 2 * n, HISTORY2);
            self.shaped_odd.advance(HISTORY2 + 2 * n, HISTORY2);
            self.down_odd.advance(HISTORY_VO + n, HISTORY_VO);
            self.down_even.advance(HISTORY_VE + n, HISTORY_VE);
        }
    }

    /// Upsamples the loaded block, shapes it with `drive` (and its inverse) given per 2×-rate
    /// sample (each frame's value twice), and decimates into `out`. `scratch` holds up to
    /// 2·[`BLOCK_FRAMES`] samples.
    fn saturate(
        &mut self,
        k: &Kernels,
        drive: &[f32],
        inv_drive: &[f32],
        out: &mut [f32],
        scratch: &mut [f32; B2],
    ) {
        let n = out.len();
        // Stage 1 up: y[2i] = Σ 2·h1 · x (a FIR), y[2i + 1] = x[i − (K1U − 1)] (the centre tap).
        let even = &mut scratch[..n];
        even.fill(0.0);
        fir(even, &k.up1, &self.input.0, HISTORY);
        let y = &mut self.up2.0[HISTORY2..HISTORY2 + 2 * n];
        for (i, pair) in y.chunks_exact_mut(2).enumerate() {
            pair[0] = scratch[i];
            pair[1] = self.input.0[HISTORY + i - (K1U - 1)];
        }
        // Stage 2 up: w[2m] = Σ 2·h2 · y, w[2m + 1] = y[m − (K2 − 1)]; each shaped at once with the
        // drive of the base frame it belongs to.
        let we = &mut self.shaped_even.0[HISTORY2..HISTORY2 + 2 * n];
        we.fill(0.0);
        fir(we, &k.up2, &self.up2.0, HISTORY2);
        let wo = &mut self.shaped_odd.0[HISTORY2..HISTORY2 + 2 * n];
        wo.copy_from_slice(&self.up2.0[HISTORY2 - (K2 - 1)..HISTORY2 - (K2 - 1) + 2 * n]);
        for line in [&mut self.shaped_even, &mut self.shaped_odd] {
            let w = &mut line.0[HISTORY2..HISTORY2 + 2 * n];
            for ((v, d), inv) in w.iter_mut().zip(drive).zip(inv_drive) {
                *v = fast_tanh(*v * d) * inv;
            }
        }
        // Stage 2 down (output phase 0): v[m] = Σ h2 · s_even[m − j] + ½·s_odd[m − K2].
        let v = &mut scratch[..2 * n];
        v.fill(0.0);
        fir(v, &k.down2, &self.shaped_even.0, HISTORY2);
        for (i, vi) in v.iter_mut().enumerate() {
            *vi += 0.5 * self.shaped_odd.0[HISTORY2 + i - K2];
        }
        for (i, pair) in v.chunks_exact(2).enumerate() {
            self.down_even.0[HISTORY_VE + i] = pair[0];
            self.down_odd.0[HISTORY_VO + i] = pair[1];
        }
        // Stage 1 down (output phase 0): out[i] = Σ h[2j]·v_even[i − j] + Σ h[2j + 1]·v_odd[i − 1 − j].
        out.fill(0.0);
        fir(out, &k.down1_even, &self.down_even.0, HISTORY_VE);
        fir(out, &k.down1_odd, &self.down_odd.0, HISTORY_VO - 1);
    }

    /// Clears the oversampler's memories (the dry line keeps running).
    fn clear_oversampler(&mut self) {
        self.up2 = Line::default();
        self.shaped_even = Line::default();
        self.shaped_odd = Line::default();
        self.down_odd = Line::default();
        self.down_even = Line::default();
    }

    /// True when the histories are finite.
    fn histories_finite(&self) -> bool {
        crate::dsp::all_finite(
            self.input.0[..HISTORY]
                .iter()
                .chain(&self.up2.0[..HISTORY2])
                .chain(&self.shaped_even.0[..HISTORY2])
                .chain(&self.shaped_odd.0[..HISTORY2])
                .chain(&self.down_odd.0[..HISTORY_VO])
                .chain(&self.down_even.0[..HISTORY_VE]),
        )
    }

    /// Subnormal values in the histories.
    fn subnormals(&self) -> usize {
        super::count_subnormals(
            self.input.0[..HISTORY]
                .iter()
                .chain(&self.up2.0[..HISTORY2])
                .chain(&self.shaped_even.0[..HISTORY2])
                .chain(&self.shaped_odd.0[..HISTORY2])
                .chain(&self.down_odd.0[..HISTORY_VO])
                .chain(&self.down_even.0[..HISTORY_VE]),
        )
    }
}

/// The two stages' taps: interpolators scaled by 2 (zero-stuffing halves the level).
#[derive(Clone, Debug)]
struct Kernels {
    up1: [f32; T1U],
    down1_even: [f32; N1D_EVEN],
    down1_odd: [f32; N1D_ODD],
    up2: [f32; T2],
    down2: [f32; T2],
}

impl Kernels {
    fn new() -> Kernels {
        let h2 = halfband::<T2>(6.0);
        // It runs at 2×: the base Nyquist is half of its own.
        let h1d = lowpass::<N1D>(CUTOFF_1D / 2.0, 6.0);
        Kernels {
            up1: halfband::<T1U>(6.0).map(|h| 2.0 * h),
            down1_even: core::array::from_fn(|j| h1d[2 * j]),
            down1_odd: core::array::from_fn(|j| h1d[2 * j + 1]),
            up2: h2.map(|h| 2.0 * h),
            down2: h2,
        }
    }
}

/// The saturation module for one track (or the master). All buffers are inline: no heap.
#[derive(Clone, Debug)]
pub struct Saturation {
    k: Kernels,
    drive: LinearSmoother,
    mix: LinearSmoother,
    ch: [Channel; 2],
    /// Per-frame drive, its inverse, and mix × switch amount, for the current block.
    /// Per 2×-rate sample (each frame's value twice).
    drive_buf: [f32; B2],
    inv_buf: [f32; B2],
    mix_buf: [f32; BLOCK_FRAMES],
    wet: [f32; BLOCK_FRAMES],
    scratch: [f32; B2],
}

impl FiniteState for Saturation {
    fn state_finite(&self) -> bool {
        self.drive.state_finite()
            && self.mix.state_finite()
            && self.ch.iter().all(Channel::histories_finite)
    }
}

impl Saturation {
    /// `drive_db` 0…24, `mix_percent` 0…100.
    pub fn new(drive_db: f32, mix_percent: f32, ms: f32, sample_rate: f32) -> Saturation {
        Saturation {
            k: Kernels::new(),
            drive: LinearSmoother::new(db_to_gain(drive_db), ms, sample_rate),
            mix: LinearSmoother::new(mix_percent / 100.0, ms, sample_rate),
            ch: Default::default(),
            drive_buf: [0.0; B2],
            inv_buf: [0.0; B2],
            mix_buf: [0.0; BLOCK_FRAMES],
            wet: [0.0; BLOCK_FRAMES],
            scratch: [0.0; B2],
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
            for (d, inv) in self.drive_buf[..2 * n]
                .chunks_exact_mut(2)
                .zip(self.inv_buf[..2 * n].chunks_exact_mut(2))
            {
                let g = self.drive.next_value();
                d.fill(g);
                inv.fill(1.0 / g);
            }
        } else {
            let d = self.drive.current();
            self.drive_buf[..2 * n].fill(d);
            self.inv_buf[..2 * n].fill(1.0 / d);
        }
        for m in &mut self.mix_buf[..n] {
            let k = if fading { sw.next_amount() } else { 1.0 };
            *m = self.mix.next_value() * k;
        }
        for (c, x) in self.ch.iter_mut().zip([l, r]).take(1 + stereo as usize) {
            c.load(x);
            let wet = &mut self.wet[..n];
            c.saturate(
                &self.k,
                &self.drive_buf[..2 * n],
                &self.inv_buf[..2 * n],
                wet,
                &mut self.scratch,
            );
            for (((y, dry), w), m) in x.iter_mut().zip(c.dry(n)).zip(&*wet).zip(&self.mix_buf) {
                *y = dry + m * (w - dry);
            }
            c.advance(n, true);
        }
    }

    /// Subnormal values in the filter histories (a test probe).
    pub fn subnormal_states(&self) -> usize {
        self.ch.iter().map(Channel::subnormals).sum()
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
    fn halfbands_have_unity_gain_and_the_latency_is_whole_frames() {
        let h = lowpass::<N1D>(CUTOFF_1D / 2.0, 6.0);
        assert!((h.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        for (taps, k) in [
            (&halfband::<T1U>(6.0)[..], K1U),
            (&halfband::<T2>(6.0)[..], K2),
        ] {
            assert!((taps.iter().sum::<f32>() - 0.5).abs() < 1e-6);
            for j in 0..k {
                assert_eq!(taps[j], taps[2 * k - 1 - j], "symmetric");
            }
        }
        assert_eq!(LATENCY_FRAMES, 27);
    }

    /// An impulse comes out of the oversampler (at 0 dB drive, so nearly linear) peaking exactly
    /// LATENCY_FRAMES later, with unity gain at DC.
    #[test]
    fn an_impulse_comes_out_latency_frames_later() {
        let mut s = Saturation::new(0.0, 100.0, 1.0, 48_000.0);
        let mut sw = super::super::switch::Switch::new(true, 1.0, 48_000.0);
        let mut l = vec![0.0f32; 256];
        l[10] = 0.01;
        let mut r = l.clone();
        s.run(&mut sw, &mut l, &mut r, true);
        let peak = (0..l.len())
            .max_by(|&a, &b| l[a].abs().total_cmp(&l[b].abs()))
            .unwrap();
        assert_eq!(peak, 10 + LATENCY_FRAMES);
        let mut dc = vec![0.01f32; 512];
        let mut r = dc.clone();
        s.run(&mut sw, &mut dc, &mut r, true);
        assert!((dc[500] - 0.01).abs() < 1e-6, "{}", dc[500]);
    }
}

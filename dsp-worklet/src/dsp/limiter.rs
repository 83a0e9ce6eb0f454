//! True-peak look-ahead limiter (audio thread).
//!
//! Detection: each input frame's true peak is estimated with an 8× polyphase interpolator (48-tap
//! Kaiser-windowed sinc: the sample itself plus seven interpolated points per channel) and with
//! the points a BS.1770 meter's own 4× interpolator reads (see [`meter_phases`]), giving the gain
//! that keeps that neighbourhood under the ceiling; each frame's need is then widened to the
//! least over its ±24 neighbours, whose gains all enter the output's interpolated values. Gain path: moving minimum over the
//! look-ahead window W → smoothing with instant attack and timed (or automatic) release that never
//! rises above that minimum → a W-sample boxcar average. Every value averaged at the moment a
//! sample leaves is at most the gain that sample needs, so the average is too: the ceiling holds
//! without clipping. The audio is delayed to match; the delay is fixed at its 5 ms maximum (plus
//! the detector's) whatever W is, so the engine's latency compensation never changes.

use crate::dsp::FiniteState;
use crate::dsp::f4::F4;
use crate::dsp::smoother::LinearSmoother;

/// Longest look-ahead, ms.
pub const MAX_LOOKAHEAD_MS: f32 = 5.0;
/// Half-length of the true-peak interpolator, samples (48 taps per phase).
const HALF: usize = 24;
const TAPS: usize = 2 * HALF;
/// Headroom kept below the ceiling for the interpolator's residual error, dB.
const MARGIN_DB: f32 = 0.05;

/// Interpolated points per sample interval: 8× oversampled detection (BS.1770's 4× can read up
/// to 0.7 dB low on content near Nyquist).
const PHASES: usize = 7;

/// Interpolation filters for the phases at +⅛ … +⅞ of a sample (Kaiser-windowed sinc).
fn phases() -> [[f32; TAPS]; PHASES] {
    let beta = 5.0;
    core::array::from_fn(|p| {
        let frac = (p + 1) as f64 / (PHASES + 1) as f64;
        let mut h = [0.0f64; TAPS];
        for (k, v) in h.iter_mut().enumerate() {
            // Tap k weighs the sample at offset (k − HALF + 1) from the interpolated point's left
            // neighbour; the point sits `frac` after that neighbour.
            let d = (k as f64 - (HALF as f64 - 1.0)) - frac;
            let sinc = if d == 0.0 {
                1.0
            } else {
                (core::f64::consts::PI * d).sin() / (core::f64::consts::PI * d)
            };
            let r = d / (HALF as f64 + 0.5);
            *v = sinc * super::kaiser(r, beta);
        }
        let sum: f64 = h.iter().sum();
        // Stored newest-sample-first, the order of the detector's window.
        core::array::from_fn(|k| (h[TAPS - 1 - k] / sum) as f32)
    })
}

/// The interpolator a BS.1770 meter measures true peak with — `ebur128`'s (libebur128's): a
/// 48-tap Hann-windowed sinc, 4× below 96 kHz (12 taps per phase), 2× from 96 kHz (24 taps).
/// Near Nyquist it reads up to ~0.5 dB above the band-limited signal, so the detector checks its
/// interpolated points too: the ceiling then holds as such a meter measures it, not only in
/// theory. Returns (factor, taps per phase, phases 1…factor−1 with their taps, oldest last).
fn meter_phases(sample_rate: f32) -> (usize, usize, [[f32; 24]; 3]) {
    let factor = if sample_rate < 96_000.0 { 4 } else { 2 };
    let per_phase = 48 / factor;
    let h = |j: usize| {
        let j = j as f64;
        let w = 0.5 * (1.0 - (2.0 * core::f64::consts::PI * j / 48.0).cos());
        let m = j - 24.0;
        if m.abs() > 1e-9 {
            let a = m * core::f64::consts::PI / factor as f64;
            w * a.sin() / a
        } else {
            w
        }
    };
    let mut taps = [[0.0f32; 24]; 3];
    for (o, row) in taps.iter_mut().enumerate().take(factor - 1) {
        for (t, c) in row.iter_mut().enumerate().take(per_phase) {
            *c = h(t * factor + o + 1) as f32;
        }
    }
    (factor, per_phase, taps)
}

/// The detector's phases transposed: `[k]` holds tap k of phases 0…3 and 4…6 (the eighth lane
/// zero), newest sample first as the window is. One pass over the window then computes every
/// phase at once, lane-wise (see [`detect`]).
fn phase_lanes() -> [[F4; 2]; TAPS] {
    let p = phases();
    let lane = |j: usize, k: usize| if j < PHASES { p[j][k] } else { 0.0 };
    core::array::from_fn(|k| {
        [
            F4::new(core::array::from_fn(|j| lane(j, k))),
            F4::new(core::array::from_fn(|j| lane(j + 4, k))),
        ]
    })
}

/// The meter's interpolator (see [`meter_phases`]) transposed the same way: `taps[t]` holds tap
/// t of phases 1…3, zero in the lanes a meter at this rate does not have.
#[derive(Clone, Debug)]
struct MeterLanes {
    /// First window index the meter's taps meet.
    first: usize,
    /// Taps per phase (12 below 96 kHz, 24 from it).
    len: usize,
    taps: [F4; 24],
}

impl MeterLanes {
    fn new(sample_rate: f32) -> MeterLanes {
        let (factor, per_phase, taps) = meter_phases(sample_rate);
        MeterLanes {
            // The meter's phase o at "now − HALF + centre" lies o/factor after the sample HALF
            // frames back.
            first: HALF - per_phase / 2,
            len: per_phase,
            taps: core::array::from_fn(|t| {
                F4::new(core::array::from_fn(|o| {
                    if o + 1 < factor { taps[o][t] } else { 0.0 }
                }))
            }),
        }
    }
}

/// The largest of |sample| and |interpolated point| around the sample HALF − 1 frames back in
/// either channel's window (newest sample first, `TAPS` long): the detector's seven phases and
/// the meter's. Each phase is two running sums in tap order (taps 0…23 and 24…47) added at the
/// end, both channels in one loop: eight independent vector chains rather than one long one.
/// `F4` arithmetic rounds lane by lane as scalar code does, so every target gives the same bits.
#[inline]
fn detect(lanes: &[[F4; 2]; TAPS], meter: &MeterLanes, wl: &[f32], wr: &[f32]) -> f32 {
    let (wl, wr) = (&wl[..TAPS], &wr[..TAPS]);
    let mut a = [F4::default(); 8];
    for k in 0..HALF {
        let (c0, c1) = (lanes[k], lanes[k + HALF]);
        let [l0, l1, r0, r1] = [wl[k], wl[k + HALF], wr[k], wr[k + HALF]].map(F4::splat);
        a[0] = a[0].add(l0.mul(c0[0]));
        a[1] = a[1].add(l0.mul(c0[1]));
        a[2] = a[2].add(l1.mul(c1[0]));
        a[3] = a[3].add(l1.mul(c1[1]));
        a[4] = a[4].add(r0.mul(c0[0]));
        a[5] = a[5].add(r0.mul(c0[1]));
        a[6] = a[6].add(r1.mul(c1[0]));
        a[7] = a[7].add(r1.mul(c1[1]));
    }
    let mut peak = (a[0].add(a[2]).abs())
        .max(a[1].add(a[3]).abs())
        .max(a[4].add(a[6]).abs())
        .max(a[5].add(a[7]).abs());
    // The meter's points in the same interval, lane-wise the same way.
    let (first, len) = (meter.first, meter.len);
    let (mut ml, mut mr) = (F4::default(), F4::default());
    for (t, c) in meter.taps[..len].iter().enumerate() {
        ml = ml.add(F4::splat(wl[first + t]).mul(*c));
        mr = mr.add(F4::splat(wr[first + t]).mul(*c));
    }
    peak = peak.max(ml.abs()).max(mr.abs());
    let samples = super::fast_math::max(wl[HALF - 1].abs(), wr[HALF - 1].abs());
    super::fast_math::max(samples, peak.max_lane())
}

/// The largest sum of |taps| over the detector's and the meter's phases (at least 1, the sample
/// itself), raised by 1e-4: each interpolated point, a sum of 48 products rounded in f32, is
/// within (1 + 3e-6) of its exact value, so |point| ≤ this × the window's largest |sample|.
fn gain_bound(sample_rate: f32) -> f32 {
    let l1 = |taps: &[f32]| taps.iter().map(|c| f64::from(c.abs())).sum::<f64>();
    let (factor, per_phase, meter) = meter_phases(sample_rate);
    let detector = phases().iter().map(|p| l1(p)).fold(1.0, f64::max);
    let metered = meter[..factor - 1]
        .iter()
        .map(|p| l1(&p[..per_phase]))
        .fold(0.0, f64::max);
    (detector.max(metered) * (1.0 + 1e-4)) as f32
}

/// The largest |sample| of two windows of `TAPS` samples.
#[inline]
fn window_peak(wl: &[f32], wr: &[f32]) -> f32 {
    let mut m = F4::default();
    for w in [&wl[..TAPS], &wr[..TAPS]] {
        for c in w.chunks_exact(4) {
            m = m.max(F4::new([c[0], c[1], c[2], c[3]]).abs());
        }
    }
    m.max_lane()
}

/// The one-pole coefficient `e^(−1/n)` for a time constant of `ms` (n = ms·rate/1000 samples,
/// at least 240 here: 30 ms at 8 kHz), by its Taylor series to the fourth power: the truncation
/// error, below n⁻⁵/120 ≈ 1e-14, is far under f32 rounding. The automatic release needs it per
/// frame, where libm's `exp` (software in wasm) costs more than the rest of the gain path.
#[inline]
fn release_coef(ms: f32, sample_rate: f32) -> f32 {
    let u = 1.0 / (ms * 0.001 * sample_rate).max(1.0);
    1.0 - u * (1.0 - 0.5 * u * (1.0 - (1.0 / 3.0) * u * (1.0 - 0.25 * u)))
}

/// Fixed-capacity monotonic queue for a sliding-window minimum.
#[derive(Clone, Debug)]
struct MovingMin {
    /// (frame index, value) pairs with increasing values.
    buf: Vec<(u64, f32)>,
    head: usize,
    len: usize,
}

impl MovingMin {
    fn new(capacity: usize) -> Self {
        MovingMin {
            buf: vec![(0, 1.0); capacity + 1],
            head: 0,
            len: 0,
        }
    }

    /// Adds `value` at `frame` and returns the minimum over frames `frame − window + 1 ..= frame`.
    #[inline]
    fn push(&mut self, frame: u64, value: f32, window: usize) -> f32 {
        let cap = self.buf.len();
        while self.len > 0 {
            let back = (self.head + self.len - 1) % cap;
            if self.buf[back].1 >= value {
                self.len -= 1;
            } else {
                break;
            }
        }
        let at = (self.head + self.len) % cap;
        self.buf[at] = (frame, value);
        self.len += 1;
        while self.buf[self.head].0 + window as u64 <= frame {
            self.head = (self.head + 1) % cap;
            self.len -= 1;
        }
        self.buf[self.head].1
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Empties the queue and overwrites every slot (so no stale value is left in it).
    fn reset(&mut self) {
        self.buf.fill((0, 1.0));
        self.head = 0;
        self.len = 0;
    }
}

#[derive(Clone, Debug)]
pub struct Limiter {
    sample_rate: f32,
    /// The detector's interpolator, transposed (see [`phase_lanes`]).
    lanes: [[F4; 2]; TAPS],
    /// The meter's interpolator, transposed.
    meter: MeterLanes,
    /// The largest sum of |taps| of any interpolator phase, plus room for rounding: no point
    /// interpolated from a window exceeds this × the window's largest |sample|.
    gain_bound: f32,
    /// Run the detector even when the bound says it cannot limit (tests compare both).
    always_detect: bool,
    /// Input history per channel, stored twice for contiguous windows.
    hist: [[f32; 2 * TAPS]; 2],
    hist_pos: usize,
    input_gain: LinearSmoother,
    ceiling: LinearSmoother,
    window: usize,
    max_window: usize,
    release: f32,
    auto_release: bool,
    /// Sustained gain reduction (dB, 1 s average) steering the automatic release.
    sustained_db: f32,
    sustain_coef: f32,
    frame: u64,
    /// The gain each frame needs, widened to the least over ±HALF frames: the output's
    /// inter-sample values are interpolated from that many neighbours, whose gains must all
    /// respect the peak.
    near: MovingMin,
    min: MovingMin,
    smoothed: f32,
    /// The last `max_window` smoothed gains, and the running sum of the newest `window` of them.
    boxcar: Vec<f32>,
    box_pos: usize,
    box_sum: f64,
    /// Audio delay lines (detector delay + look-ahead).
    delay: [Vec<f32>; 2],
    delay_pos: usize,
    /// Finished gains, so a window shorter than the maximum still meets its sample.
    gain_delay: Vec<f32>,
    gain_pos: usize,
    /// Deepest gain reduction since the meter last read it, dB.
    pub(crate) max_reduction_db: f32,
}

impl FiniteState for Limiter {
    fn state_finite(&self) -> bool {
        use crate::dsp::all_finite as all;
        let queue = |q: &MovingMin| all(q.buf.iter().map(|(_, v)| v));
        all(self.hist.iter().flatten())
            && self.input_gain.state_finite()
            && self.ceiling.state_finite()
            && all([&self.sustained_db, &self.smoothed, &self.max_reduction_db])
            && queue(&self.near)
            && queue(&self.min)
            && all(&self.boxcar)
            && self.box_sum.is_finite()
            && all(self.delay.iter().flatten())
            && all(&self.gain_delay)
    }
}

impl Limiter {
    pub fn new(
        input_db: f32,
        ceiling_dbtp: f32,
        lookahead_ms: f32,
        release_ms: f32,
        auto: bool,
        ms: f32,
        sample_rate: f32,
    ) -> Limiter {
        let max_window = ((MAX_LOOKAHEAD_MS * 0.001 * sample_rate) as usize).max(1);
        let mut l = Limiter {
            sample_rate,
            lanes: phase_lanes(),
            meter: MeterLanes::new(sample_rate),
            gain_bound: gain_bound(sample_rate),
            always_detect: false,
            hist: [[0.0; 2 * TAPS]; 2],
            hist_pos: 0,
            input_gain: LinearSmoother::new(crate::params::db_to_gain(input_db), ms, sample_rate),
            ceiling: LinearSmoother::new(
                crate::params::db_to_gain(ceiling_dbtp - MARGIN_DB),
                ms,
                sample_rate,
            ),
            window: 1,
            max_window,
            release: 0.0,
            auto_release: auto,
            sustained_db: 0.0,
            sustain_coef: super::one_pole(1_000.0, sample_rate),
            frame: 0,
            near: MovingMin::new(2 * HALF + 1),
            min: MovingMin::new(max_window),
            smoothed: 1.0,
            boxcar: vec![1.0; max_window],
            box_pos: 0,
            box_sum: 0.0,
            delay: [
                vec![0.0; Self::delay_len(max_window)],
                vec![0.0; Self::delay_len(max_window)],
            ],
            delay_pos: 0,
            gain_delay: vec![1.0; max_window],
            gain_pos: 0,
            max_reduction_db: 0.0,
        };
        l.set_lookahead(lookahead_ms);
        l.set_release(release_ms);
        l
    }

    /// Audio delay line length: the delay is one less, 2·HALF + max_window − 2 frames (the
    /// detector's HALF, the neighbourhood's HALF, the look-ahead).
    fn delay_len(max_window: usize) -> usize {
        2 * HALF + max_window - 1
    }

    /// Latency in frames (constant for a sample rate).
    pub fn latency(&self) -> usize {
        Self::delay_len(self.max_window) - 1
    }

    pub fn set_input(&mut self, db: f32, snap: bool) {
        self.input_gain.set(crate::params::db_to_gain(db), snap);
    }

    pub fn set_ceiling(&mut self, dbtp: f32, snap: bool) {
        self.ceiling
            .set(crate::params::db_to_gain(dbtp - MARGIN_DB), snap);
    }

    /// Look-ahead in ms (clamped to 5). The gain path restarts from the current gain.
    pub fn set_lookahead(&mut self, ms: f32) {
        let w = ((ms.clamp(0.0, MAX_LOOKAHEAD_MS) * 0.001 * self.sample_rate) as usize)
            .clamp(1, self.max_window);
        if w != self.window {
            self.window = w;
            self.min.clear();
            let g = self.smoothed;
            self.boxcar.iter_mut().for_each(|v| *v = g);
            self.box_sum = g as f64 * w as f64;
        }
    }

    pub fn set_release(&mut self, ms: f32) {
        self.release = super::one_pole(ms, self.sample_rate);
    }

    pub fn set_auto_release(&mut self, on: bool) {
        self.auto_release = on;
    }

    /// Clears the detector history, the gain path and the delay lines, and ends the input and
    /// ceiling ramps at their targets; the settings (look-ahead, release) and the latency are
    /// kept. Allocation-free: the buffers are overwritten in place.
    pub fn reset(&mut self) {
        self.hist = [[0.0; 2 * TAPS]; 2];
        self.hist_pos = 0;
        self.input_gain.reset(self.input_gain.target());
        self.ceiling.reset(self.ceiling.target());
        self.sustained_db = 0.0;
        self.frame = 0;
        self.near.reset();
        self.min.reset();
        self.smoothed = 1.0;
        self.boxcar.fill(1.0);
        self.box_pos = 0;
        self.box_sum = self.window as f64;
        for d in &mut self.delay {
            d.fill(0.0);
        }
        self.delay_pos = 0;
        self.gain_delay.fill(1.0);
        self.gain_pos = 0;
        self.max_reduction_db = 0.0;
    }

    /// Takes (and clears) the deepest reduction since the last call, dB.
    pub fn take_reduction_db(&mut self) -> f32 {
        core::mem::take(&mut self.max_reduction_db)
    }

    /// Takes a frame while the limiter is bypassed: keeps the detector's history and the delay
    /// line current (so switching on resumes from the right audio) without the detection
    /// arithmetic; the gain path rests at unity.
    #[inline]
    pub fn idle(&mut self, l: f32, r: f32) {
        let gin = self.input_gain.next_value();
        self.ceiling.next_value();
        let (l, r) = (l * gin, r * gin);
        self.hist_pos = if self.hist_pos == 0 {
            TAPS - 1
        } else {
            self.hist_pos - 1
        };
        for (ch, x) in [l, r].into_iter().enumerate() {
            self.hist[ch][self.hist_pos] = x;
            self.hist[ch][self.hist_pos + TAPS] = x;
        }
        if self.smoothed != 1.0 || self.min.len > 0 {
            self.min.clear();
            self.near.clear();
            self.smoothed = 1.0;
            self.boxcar.iter_mut().for_each(|v| *v = 1.0);
            self.box_sum = self.window as f64;
            self.gain_delay.iter_mut().for_each(|v| *v = 1.0);
        }
        self.frame += 1;
        let d = self.delay[0].len();
        self.delay[0][self.delay_pos] = l;
        self.delay[1][self.delay_pos] = r;
        self.delay_pos = (self.delay_pos + 1) % d;
    }

    /// Limits one stereo frame; returns the frame that leaves (delayed by [`Self::latency`]).
    #[inline]
    pub fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        let gin = self.input_gain.next_value();
        let ceiling = self.ceiling.next_value();
        let (l, r) = (l * gin, r * gin);
        // Detector: true peak around the sample HALF − 1 frames back.
        self.hist_pos = if self.hist_pos == 0 {
            TAPS - 1
        } else {
            self.hist_pos - 1
        };
        for (ch, x) in [l, r].into_iter().enumerate() {
            self.hist[ch][self.hist_pos] = x;
            self.hist[ch][self.hist_pos + TAPS] = x;
        }
        let win = self.hist_pos..self.hist_pos + TAPS;
        let (wl, wr) = (&self.hist[0][win.clone()], &self.hist[1][win]);
        // No interpolated point exceeds `gain_bound` × the window's largest |sample|: when that
        // stays under the ceiling the need is 1 whatever the points are, and the detector (most
        // of the limiter's cost) is skipped with the very same result.
        let need = if window_peak(wl, wr) * self.gain_bound <= ceiling && !self.always_detect {
            1.0
        } else {
            let peak = detect(&self.lanes, &self.meter, wl, wr);
            if peak > ceiling { ceiling / peak } else { 1.0 }
        };
        self.frame += 1;
        let need = self.near.push(self.frame, need, 2 * HALF + 1);
        let m = self.min.push(self.frame, need, self.window);
        // Release: instant down, timed up, never above the window minimum.
        let rel = if self.auto_release {
            // Fast (30 ms) after short peaks, slow (600 ms) under sustained limiting.
            let t = (self.sustained_db / 6.0).clamp(0.0, 1.0);
            release_coef(30.0 + 570.0 * t, self.sample_rate)
        } else {
            self.release
        };
        self.smoothed = super::fast_math::min(m, rel * self.smoothed + (1.0 - rel) * m);
        // Boxcar over the newest `window` smoothed gains.
        let n = self.boxcar.len();
        let leaving = self.boxcar[(self.box_pos + n - self.window) % n];
        self.boxcar[self.box_pos] = self.smoothed;
        self.box_pos = (self.box_pos + 1) % n;
        self.box_sum += self.smoothed as f64 - leaving as f64;
        let mut g = (self.box_sum / self.window as f64) as f32;
        if g > 1.0 {
            g = 1.0;
        }
        // Steers the release and feeds the meter only, so the polynomial logarithm will do.
        let gr_db = -super::fast_math::gain_to_db(super::fast_math::max(g, 1e-6));
        self.sustained_db =
            self.sustain_coef * self.sustained_db + (1.0 - self.sustain_coef) * gr_db;
        self.max_reduction_db = super::fast_math::max(self.max_reduction_db, gr_db);
        // The gain just computed is safe for the sample HALF + W − 2 frames back. Audio is delayed
        // by the fixed HALF + max_window − 2, so a shorter window's gain waits (max_window − W)
        // frames in its own ring to meet its sample.
        let gn = self.gain_delay.len();
        self.gain_delay[self.gain_pos] = g;
        let g_aligned =
            self.gain_delay[(self.gain_pos + gn - (self.max_window - self.window)) % gn];
        self.gain_pos = (self.gain_pos + 1) % gn;
        let d = self.delay[0].len();
        self.delay[0][self.delay_pos] = l;
        self.delay[1][self.delay_pos] = r;
        self.delay_pos = (self.delay_pos + 1) % d;
        (
            self.delay[0][self.delay_pos] * g_aligned,
            self.delay[1][self.delay_pos] * g_aligned,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loudness::LoudnessMeter;

    const FS: f32 = 48_000.0;

    fn run(l: &mut Limiter, x: &[f32]) -> Vec<f32> {
        let mut out: Vec<f32> = x.iter().map(|v| l.tick(*v, *v).0).collect();
        // Flush the delay so the whole signal comes out.
        for _ in 0..l.latency() {
            out.push(l.tick(0.0, 0.0).0);
        }
        out
    }

    fn true_peak_db(x: &[f32]) -> f64 {
        let mut m = LoudnessMeter::new(2, FS as u32).unwrap();
        for c in x.chunks(256) {
            m.add(&[c, c]);
        }
        m.readings().true_peak
    }

    /// Hot material (noise and inter-sample-peak sines, 12 dB over the ceiling) comes out under
    /// the ceiling in true peak, measured by the BS.1770 meter, within +0.1 dB.
    #[test]
    fn output_true_peak_stays_under_the_ceiling() {
        for (lookahead, auto) in [(5.0, true), (1.5, false), (0.5, true)] {
            for ceiling in [-1.0f32, -0.1, -3.0] {
                let mut lim = Limiter::new(12.0, ceiling, lookahead, 80.0, auto, 20.0, FS);
                let mut s = 7u32;
                let mut x: Vec<f32> = (0..48_000)
                    .map(|_| {
                        s ^= s << 13;
                        s ^= s >> 17;
                        s ^= s << 5;
                        0.5 * (s as f32 / u32::MAX as f32 * 2.0 - 1.0)
                    })
                    .collect();
                // fs/4 at 45°: samples at ±0.707 of the true peak.
                x.extend((0..24_000).map(|i| {
                    0.5 * (core::f32::consts::FRAC_PI_2 * i as f32 + core::f32::consts::FRAC_PI_4)
                        .sin()
                }));
                let tp = true_peak_db(&run(&mut lim, &x));
                assert!(
                    tp <= ceiling as f64 + 0.1,
                    "look-ahead {lookahead} ms, ceiling {ceiling}: {tp:.3} dBTP"
                );
            }
        }
    }

    /// Below the ceiling the limiter is a pure delay of exactly `latency()` frames.
    #[test]
    fn quiet_audio_passes_bit_exact_after_the_latency() {
        for lookahead in [5.0, 2.0] {
            let mut lim = Limiter::new(0.0, -1.0, lookahead, 100.0, false, 20.0, FS);
            let x: Vec<f32> = (0..10_000).map(|i| 0.3 * (i as f32 * 0.01).sin()).collect();
            let y = run(&mut lim, &x);
            let d = lim.latency();
            assert_eq!(d, 2 * HALF + (0.005 * FS) as usize - 2);
            assert!(y[..d].iter().all(|v| *v == 0.0));
            assert_eq!(&y[d..d + x.len()], &x[..]);
        }
    }

    /// Skipping the detector where the bound says it cannot limit gives the detector's own
    /// result bit for bit: music-like material (bursts up to 10 dB over the ceiling between
    /// quiet and moderate passages; the bound is about 2.8, so "moderate" is 9 dB under the ceiling
    /// after the input gain) through a limiter with the shortcut and one without, at
    /// three rates, stereo with different channels. The shortcut must also have been taken for
    /// most frames (else this would test nothing).
    #[test]
    fn the_bound_shortcut_gives_the_detectors_bits() {
        for rate in [44_100.0f32, 48_000.0, 96_000.0] {
            let mut fast = Limiter::new(6.0, -1.0, 3.0, 60.0, true, 20.0, rate);
            let mut slow = fast.clone();
            slow.always_detect = true;
            let mut s = 11u32;
            let mut noise = || {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                s as f32 / u32::MAX as f32 * 2.0 - 1.0
            };
            let mut skipped = 0;
            let n = 3 * rate as usize / 2;
            for i in 0..n {
                // 0.1 s sections: quiet, moderate, hot bursts, in turn.
                let level = [0.02, 0.12, 0.9][(i * 10 / rate as usize) % 3];
                let tone = (i as f32 * 0.37).sin();
                let (l, r) = (level * (0.6 * tone + 0.4 * noise()), level * noise());
                let (a, b) = fast.tick(l, r);
                let (c, d) = slow.tick(l, r);
                assert_eq!(
                    (a.to_bits(), b.to_bits()),
                    (c.to_bits(), d.to_bits()),
                    "frame {i}"
                );
                let win = fast.hist_pos..fast.hist_pos + TAPS;
                if window_peak(&fast.hist[0][win.clone()], &fast.hist[1][win]) * fast.gain_bound
                    <= fast.ceiling.current()
                {
                    skipped += 1;
                }
            }
            assert_eq!(fast.take_reduction_db(), slow.take_reduction_db());
            // The worst case the bound is for: a window whose signs match the half-sample
            // phase's taps, 5 % over the ceiling once interpolated (and nowhere near it as
            // samples: 2.7× under). A bound that was too low would skip it and not limit.
            let half = phases()[PHASES / 2];
            let l1: f32 = half.iter().map(|c| c.abs()).sum();
            let a = 1.05 * fast.ceiling.current() / (l1 * 2.0); // input gain +6 dB
            // After 2 s of silence (the gain back above 0.95), so that limiting shows, and
            // until it has come out.
            let (silence, tail) = (2 * rate as usize, fast.latency() + TAPS);
            for k in (TAPS..TAPS + silence)
                .chain((0..TAPS).rev())
                .chain(TAPS..TAPS + tail)
            {
                let x = if k < TAPS { a * half[k].signum() } else { 0.0 };
                let (y, z) = (fast.tick(x, -x), slow.tick(x, -x));
                assert_eq!(
                    (y.0.to_bits(), y.1.to_bits()),
                    (z.0.to_bits(), z.1.to_bits())
                );
            }
            let reduced = slow.take_reduction_db();
            assert!(
                reduced > 0.2,
                "{rate} Hz: the worst case reduced {reduced} dB"
            );
            assert_eq!(fast.take_reduction_db(), reduced);
            assert!(
                skipped > n / 2,
                "{rate} Hz: the shortcut was taken {skipped} of {n} times"
            );
        }
    }

    /// The automatic release's coefficient equals `e^(−1/n)` within f32 rounding (2 ulp) from
    /// 30 ms at 8 kHz to 600 ms at 384 kHz.
    #[test]
    fn the_release_series_equals_the_exponential() {
        for rate in [8_000.0f32, 44_100.0, 48_000.0, 96_000.0, 384_000.0] {
            for ms in [30.0f32, 45.0, 100.0, 333.0, 600.0] {
                let n = f64::from(ms) * 0.001 * f64::from(rate);
                let exact = (-1.0 / n).exp();
                let got = f64::from(release_coef(ms, rate));
                assert!(
                    (got - exact).abs() <= 1.2e-7,
                    "{ms} ms at {rate} Hz: {got} vs {exact}"
                );
            }
        }
    }
}

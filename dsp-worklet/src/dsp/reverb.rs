//! Freeverb-style reverb (Jezar's public-domain design) for the FX bus (audio thread): 8 parallel
//! lowpass-feedback combs and 4 series allpasses per channel, the right channel's lines 23
//! samples longer, plus a pre-delay. All delay lines are allocated with the engine.

use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// Comb and allpass lengths at 44.1 kHz (Freeverb's tuning); scaled to the session rate.
const COMBS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASSES: [usize; 4] = [556, 441, 341, 225];
const STEREO_SPREAD: usize = 23;
/// Input gain into the combs (Freeverb's `fixedgain`).
const INPUT_GAIN: f32 = 0.015;
/// Longest pre-delay, ms.
pub const MAX_PREDELAY_MS: f32 = 200.0;

#[derive(Clone, Debug)]
struct Comb {
    buf: Vec<f32>,
    pos: usize,
    store: f32,
}

impl Comb {
    #[inline]
    fn tick(&mut self, x: f32, feedback: f32, damp: f32) -> f32 {
        let y = self.buf[self.pos];
        self.store = super::flush(y * (1.0 - damp) + self.store * damp);
        self.buf[self.pos] = super::flush(x + self.store * feedback);
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        y
    }
}

#[derive(Clone, Debug)]
struct Allpass {
    buf: Vec<f32>,
    pos: usize,
}

impl Allpass {
    #[inline]
    fn tick(&mut self, x: f32) -> f32 {
        let b = self.buf[self.pos];
        let y = b - x;
        // Once the combs fall silent the line halves on every pass: flush it before it turns
        // subnormal.
        self.buf[self.pos] = super::flush(x + b * 0.5);
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        y
    }
}

/// The reverb. Parameters in 0…1 (size, damping, width) and ms (pre-delay).
#[derive(Clone, Debug)]
pub struct Reverb {
    sample_rate: f32,
    combs: [Vec<Comb>; 2],
    allpasses: [Vec<Allpass>; 2],
    predelay: Vec<f32>,
    pre_pos: usize,
    /// Pre-delay in frames, ramped and read with linear interpolation so changing it glides.
    predelay_frames: LinearSmoother,
    feedback: LinearSmoother,
    damp: LinearSmoother,
    width: LinearSmoother,
}

impl FiniteState for Reverb {
    fn state_finite(&self) -> bool {
        use crate::dsp::all_finite as all;
        self.combs
            .iter()
            .flatten()
            .all(|c| all(c.buf.iter().chain([&c.store])))
            && self.allpasses.iter().flatten().all(|a| all(&a.buf))
            && all(&self.predelay)
            && [
                &self.predelay_frames,
                &self.feedback,
                &self.damp,
                &self.width,
            ]
            .iter()
            .all(|s| s.state_finite())
    }
}

impl Reverb {
    /// Allocates every line for `sample_rate` (message-handler side).
    pub fn new(
        size: f32,
        damping: f32,
        predelay_ms: f32,
        width: f32,
        ms: f32,
        sample_rate: f32,
    ) -> Reverb {
        let scale = sample_rate / 44_100.0;
        let len = |n: usize, ch: usize| (((n + ch * STEREO_SPREAD) as f32 * scale) as usize).max(1);
        let combs = core::array::from_fn(|ch| {
            COMBS
                .iter()
                .map(|n| Comb {
                    buf: vec![0.0; len(*n, ch)],
                    pos: 0,
                    store: 0.0,
                })
                .collect()
        });
        let allpasses = core::array::from_fn(|ch| {
            ALLPASSES
                .iter()
                .map(|n| Allpass {
                    buf: vec![0.0; len(*n, ch)],
                    pos: 0,
                })
                .collect()
        });
        let mut r = Reverb {
            sample_rate,
            combs,
            allpasses,
            predelay: vec![0.0; (MAX_PREDELAY_MS * 0.001 * sample_rate) as usize + 1],
            pre_pos: 0,
            predelay_frames: LinearSmoother::new(0.0, ms, sample_rate),
            feedback: LinearSmoother::new(room_feedback(size), ms, sample_rate),
            damp: LinearSmoother::new(damping * 0.4, ms, sample_rate),
            width: LinearSmoother::new(width, ms, sample_rate),
        };
        r.set_predelay(predelay_ms, true);
        r
    }

    /// Room size 0…1 (comb feedback 0.7…0.98).
    pub fn set_size(&mut self, size: f32, snap: bool) {
        self.feedback.set(room_feedback(size), snap);
    }

    /// High-frequency damping 0…1.
    pub fn set_damping(&mut self, damping: f32, snap: bool) {
        self.damp.set(damping * 0.4, snap);
    }

    /// Stereo width 0 (mono) … 1.
    pub fn set_width(&mut self, width: f32, snap: bool) {
        self.width.set(width, snap);
    }

    /// Pre-delay in ms (0…200).
    pub fn set_predelay(&mut self, ms: f32, snap: bool) {
        let frames = (ms.clamp(0.0, MAX_PREDELAY_MS) * 0.001 * self.sample_rate)
            .min((self.predelay.len() - 2) as f32);
        self.predelay_frames.set(frames, snap);
    }

    /// Clears every line and comb memory and ends every ramp at its target (parameters are
    /// kept). Allocation-free: the lines are zeroed in place.
    pub fn reset(&mut self) {
        for c in self.combs.iter_mut().flatten() {
            c.buf.fill(0.0);
            c.pos = 0;
            c.store = 0.0;
        }
        for a in self.allpasses.iter_mut().flatten() {
            a.buf.fill(0.0);
            a.pos = 0;
        }
        self.predelay.fill(0.0);
        self.pre_pos = 0;
        for s in [
            &mut self.predelay_frames,
            &mut self.feedback,
            &mut self.damp,
            &mut self.width,
        ] {
            s.reset(s.target());
        }
    }

    /// Subnormal values in the lines and comb filters (a test probe, not for the audio thread).
    pub fn subnormal_states(&self) -> usize {
        let combs = self.combs.iter().flatten();
        let allpasses = self.allpasses.iter().flatten();
        combs
            .map(|c| super::count_subnormals(c.buf.iter().chain([&c.store])))
            .sum::<usize>()
            + allpasses
                .map(|a| super::count_subnormals(a.buf.iter()))
                .sum::<usize>()
            + super::count_subnormals(self.predelay.iter())
    }

    /// Processes one frame of bus input; returns the wet stereo output.
    #[inline]
    pub fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        let feedback = self.feedback.next_value();
        let damp = self.damp.next_value();
        let width = self.width.next_value();
        // Pre-delay on the mono sum.
        let n = self.predelay.len();
        self.predelay[self.pre_pos] = super::flush((l + r) * INPUT_GAIN);
        let d = self.predelay_frames.next_value();
        let whole = d as usize;
        let frac = d - whole as f32;
        let a = self.predelay[(self.pre_pos + n - whole) % n];
        let b = self.predelay[(self.pre_pos + n - whole - 1) % n];
        let x = a + (b - a) * frac;
        self.pre_pos = (self.pre_pos + 1) % n;
        let mut out = [0.0f32; 2];
        for (ch, o) in out.iter_mut().enumerate() {
            let mut acc = 0.0;
            for c in &mut self.combs[ch] {
                acc += c.tick(x, feedback, damp);
            }
            for a in &mut self.allpasses[ch] {
                acc = a.tick(acc);
            }
            *o = acc;
        }
        let wet1 = width * 0.5 + 0.5;
        let wet2 = (1.0 - width) * 0.5;
        // Freeverb's output scaling (wet = 3 at full mix).
        let g = 3.0;
        (
            g * (out[0] * wet1 + out[1] * wet2),
            g * (out[1] * wet1 + out[0] * wet2),
        )
    }
}

fn room_feedback(size: f32) -> f32 {
    size.clamp(0.0, 1.0) * 0.28 + 0.7
}

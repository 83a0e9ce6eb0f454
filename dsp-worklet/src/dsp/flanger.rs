//! Flanger (audio thread): one short delay, swept between 0.3 ms and 6.3 ms by a sine LFO, fed
//! back (positive or negative) and blended with the dry signal, so the comb's notches glide up
//! and down. On a stereo stem the right channel's sweep runs a quarter cycle ahead. No latency;
//! at mix 0 the module gives back its input bit for bit.

use super::Processor;
use super::lfo::{Lfo, shifted, sine};
use super::mod_delay::ModDelay;
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// The shortest delay of the sweep, ms.
const MIN_MS: f32 = 0.3;
/// The sweep's width at depth 100 %, ms.
const SWEEP_MS: f32 = 6.0;
const STEREO_OFFSET: f32 = 0.25;

/// Flanger settings in display units: rate Hz, depth %, feedback % (−95…95), mix %.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlangerSettings {
    pub rate_hz: f32,
    pub depth_pct: f32,
    pub feedback_pct: f32,
    pub mix_pct: f32,
}

#[derive(Clone, Debug)]
pub struct Flanger {
    lines: [ModDelay; 2],
    lfo: Lfo,
    /// Sweep width, samples.
    sweep: LinearSmoother,
    /// −0.95…0.95.
    feedback: LinearSmoother,
    mix: LinearSmoother,
    min_delay: f32,
    frames_per_ms: f32,
    anchor: i64,
}

impl FiniteState for Flanger {
    fn state_finite(&self) -> bool {
        self.lines.state_finite()
            && self.lfo.state_finite()
            && self.sweep.state_finite()
            && self.feedback.state_finite()
            && self.mix.state_finite()
    }
}

impl Flanger {
    /// The delay lines for `sample_rate` (allocates: when the track is added).
    pub fn lines(sample_rate: f32) -> [ModDelay; 2] {
        let longest = (MIN_MS + SWEEP_MS + 1.0) * (sample_rate / 1000.0);
        [ModDelay::new(longest), ModDelay::new(longest)]
    }

    /// A flanger in `lines` from [`Flanger::lines`] (cleared; no allocation).
    pub fn new(s: FlangerSettings, ms: f32, sample_rate: f32, mut lines: [ModDelay; 2]) -> Flanger {
        let fpm = sample_rate / 1000.0;
        lines.iter_mut().for_each(ModDelay::clear);
        Flanger {
            lines,
            lfo: Lfo::new(s.rate_hz, ms, sample_rate),
            sweep: LinearSmoother::new(s.depth_pct / 100.0 * SWEEP_MS * fpm, ms, sample_rate),
            feedback: LinearSmoother::new(feedback(s.feedback_pct), ms, sample_rate),
            mix: LinearSmoother::new(s.mix_pct / 100.0, ms, sample_rate),
            min_delay: MIN_MS * fpm,
            frames_per_ms: fpm,
            anchor: 0,
        }
    }

    pub fn set_rate(&mut self, hz: f32, snap: bool) {
        self.lfo.set_rate(hz, snap);
    }

    pub fn set_depth(&mut self, pct: f32, snap: bool) {
        self.sweep
            .set(pct / 100.0 * SWEEP_MS * self.frames_per_ms, snap);
    }

    pub fn set_feedback(&mut self, pct: f32, snap: bool) {
        self.feedback.set(feedback(pct), snap);
    }

    pub fn set_mix(&mut self, pct: f32, snap: bool) {
        self.mix.set(pct / 100.0, snap);
    }

    /// The song frame of the next input (the LFO phase a reset starts from).
    pub fn set_anchor(&mut self, frame: i64) {
        self.anchor = frame;
    }

    /// After a seek: empty lines, the LFO at the phase of song frame `frame`.
    pub fn sync(&mut self, frame: i64) {
        self.anchor = frame;
        self.reset();
    }

    /// Gives the lines back (for [`Flanger::new`]), leaving empty ones.
    pub fn take_lines(&mut self) -> [ModDelay; 2] {
        core::mem::take(&mut self.lines)
    }

    /// Subnormal values in the lines (a test probe).
    pub fn subnormals(&self) -> usize {
        self.lines.iter().map(ModDelay::subnormals).sum()
    }

    /// One channel: read the swept delay, write the input plus the fed-back echo.
    #[inline]
    fn channel(&mut self, ch: usize, x: f32, phase: f32, sweep: f32, fb: f32, mix: f32) -> f32 {
        let d = self.min_delay + sweep * (0.5 + 0.5 * sine(phase));
        let echo = self.lines[ch].read(d);
        self.lines[ch].push(x + fb * echo);
        x + mix * (echo - x)
    }
}

impl Processor for Flanger {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32) {
        let phase = self.lfo.next_phase();
        let sweep = self.sweep.next_value();
        let fb = self.feedback.next_value();
        let mix = self.mix.next_value();
        let yl = self.channel(0, l, phase, sweep, fb, mix);
        if !stereo {
            return (yl, yl);
        }
        let yr = self.channel(1, r, shifted(phase, STEREO_OFFSET), sweep, fb, mix);
        (yl, yr)
    }

    /// Clears the lines, ends every ramp at its target and puts the LFO at the anchor's phase.
    fn reset(&mut self) {
        for line in &mut self.lines {
            line.clear();
        }
        for s in [&mut self.sweep, &mut self.feedback, &mut self.mix] {
            s.reset(s.target());
        }
        self.lfo.sync(self.anchor);
    }
}

fn feedback(pct: f32) -> f32 {
    (pct / 100.0).clamp(-0.95, 0.95)
}

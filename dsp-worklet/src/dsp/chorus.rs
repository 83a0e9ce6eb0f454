//! Chorus (audio thread): up to four delayed copies of the track whose delays a sine LFO sweeps,
//! each voice at its own base delay and LFO phase, blended with the dry signal. On a stereo stem
//! the right channel's LFO runs a quarter cycle ahead of the left's, which spreads the voices
//! across the image; a mono stem stays mono (it is panned after the strip). No latency: the dry
//! path is untouched, and at mix 0 the module gives back its input bit for bit.

use super::Processor;
use super::lfo::{Lfo, shifted, sine};
use super::mod_delay::ModDelay;
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// Most voices.
pub const MAX_VOICES: usize = 4;
/// Each voice's delay at the centre of its sweep, ms.
const BASE_MS: [f32; MAX_VOICES] = [12.0, 17.0, 14.5, 19.5];
/// Each voice's LFO phase, cycles: two voices move in opposition, four in quadrature.
const PHASE: [f32; MAX_VOICES] = [0.0, 0.5, 0.25, 0.75];
/// Sweep at depth 100 %: ± this many ms around each voice's base delay.
const SWEEP_MS: f32 = 5.0;
/// The right channel's LFO lead on a stereo stem, cycles.
const STEREO_OFFSET: f32 = 0.25;

/// Chorus settings in display units: voices 1…4, rate Hz, depth and mix in %.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChorusSettings {
    pub voices: f32,
    pub rate_hz: f32,
    pub depth_pct: f32,
    pub mix_pct: f32,
}

#[derive(Clone, Debug)]
pub struct Chorus {
    lines: [ModDelay; 2],
    lfo: Lfo,
    /// Sweep, samples (depth × [`SWEEP_MS`]).
    sweep: LinearSmoother,
    /// Wet share 0…1.
    mix: LinearSmoother,
    /// Each voice's level (1/√voices for those in use, 0 for the rest), ramped so that a change
    /// of voices fades them in and out.
    gains: [LinearSmoother; MAX_VOICES],
    voices: usize,
    /// Base delays, samples.
    base: [f32; MAX_VOICES],
    frames_per_ms: f32,
    /// The song frame of the next input (kept by the strip), for the LFO phase after a reset.
    anchor: i64,
}

impl FiniteState for Chorus {
    fn state_finite(&self) -> bool {
        self.lines.state_finite()
            && self.lfo.state_finite()
            && self.sweep.state_finite()
            && self.mix.state_finite()
            && self.gains.state_finite()
    }
}

impl Chorus {
    /// The delay lines for `sample_rate` (allocates: when the track is added).
    pub fn lines(sample_rate: f32) -> [ModDelay; 2] {
        let longest = (BASE_MS.iter().fold(0.0f32, |a, b| a.max(*b)) + SWEEP_MS + 1.0)
            * (sample_rate / 1000.0);
        [ModDelay::new(longest), ModDelay::new(longest)]
    }

    /// A chorus in `lines` from [`Chorus::lines`] (cleared; no allocation).
    pub fn new(s: ChorusSettings, ms: f32, sample_rate: f32, mut lines: [ModDelay; 2]) -> Chorus {
        let fpm = sample_rate / 1000.0;
        let voices = voice_count(s.voices);
        lines.iter_mut().for_each(ModDelay::clear);
        Chorus {
            lines,
            lfo: Lfo::new(s.rate_hz, ms, sample_rate),
            sweep: LinearSmoother::new(sweep(s.depth_pct, fpm), ms, sample_rate),
            mix: LinearSmoother::new(s.mix_pct / 100.0, ms, sample_rate),
            gains: core::array::from_fn(|k| {
                LinearSmoother::new(voice_gain(k, voices), ms, sample_rate)
            }),
            voices,
            base: BASE_MS.map(|b| b * fpm),
            frames_per_ms: fpm,
            anchor: 0,
        }
    }

    pub fn set_voices(&mut self, v: f32, snap: bool) {
        self.voices = voice_count(v);
        for (k, g) in self.gains.iter_mut().enumerate() {
            g.set(voice_gain(k, self.voices), snap);
        }
    }

    pub fn set_rate(&mut self, hz: f32, snap: bool) {
        self.lfo.set_rate(hz, snap);
    }

    pub fn set_depth(&mut self, pct: f32, snap: bool) {
        self.sweep.set(sweep(pct, self.frames_per_ms), snap);
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

    /// Gives the lines back (for [`Chorus::new`]), leaving empty ones.
    pub fn take_lines(&mut self) -> [ModDelay; 2] {
        core::mem::take(&mut self.lines)
    }

    /// Subnormal values in the lines (a test probe).
    pub fn subnormals(&self) -> usize {
        self.lines.iter().map(ModDelay::subnormals).sum()
    }

    /// One channel's wet signal: every voice in use, read at its swept delay.
    #[inline]
    fn wet(&self, ch: usize, phase: f32, sweep: f32, gains: &[f32; MAX_VOICES]) -> f32 {
        let mut sum = 0.0;
        for k in 0..MAX_VOICES {
            if gains[k] != 0.0 {
                let d = self.base[k] + sweep * sine(shifted(phase, PHASE[k]));
                sum += gains[k] * self.lines[ch].read(d);
            }
        }
        sum
    }
}

impl Processor for Chorus {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32) {
        let phase = self.lfo.next_phase();
        let sweep = self.sweep.next_value();
        let mix = self.mix.next_value();
        let gains = core::array::from_fn(|k| self.gains[k].next_value());
        let wl = self.wet(0, phase, sweep, &gains);
        self.lines[0].push(l);
        let yl = l + mix * (wl - l);
        if !stereo {
            return (yl, yl);
        }
        let wr = self.wet(1, shifted(phase, STEREO_OFFSET), sweep, &gains);
        self.lines[1].push(r);
        (yl, r + mix * (wr - r))
    }

    /// Clears the lines, ends every ramp at its target and puts the LFO at the anchor's phase.
    fn reset(&mut self) {
        for line in &mut self.lines {
            line.clear();
        }
        for s in [&mut self.sweep, &mut self.mix]
            .into_iter()
            .chain(self.gains.iter_mut())
        {
            s.reset(s.target());
        }
        self.lfo.sync(self.anchor);
    }
}

fn voice_count(v: f32) -> usize {
    (v.round() as usize).clamp(1, MAX_VOICES)
}

fn voice_gain(k: usize, voices: usize) -> f32 {
    if k < voices {
        1.0 / (voices as f32).sqrt()
    } else {
        0.0
    }
}

fn sweep(depth_pct: f32, frames_per_ms: f32) -> f32 {
    depth_pct / 100.0 * SWEEP_MS * frames_per_ms
}

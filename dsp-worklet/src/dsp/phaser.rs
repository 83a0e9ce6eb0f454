//! Phaser (audio thread): 2 to 12 first-order all-pass stages whose corner frequency a sine LFO
//! sweeps exponentially around 700 Hz (± 2.5 octaves at depth 100 %), with feedback from the
//! last stage to the first, blended with the dry signal: the notches the blend makes move up and
//! down the spectrum. On a stereo stem the right channel's sweep runs a quarter cycle ahead. A
//! change of stages crossfades from the old last stage to the new one. No latency; at mix 0 the
//! module gives back its input bit for bit.

use super::Processor;
use super::lfo::{Lfo, shifted, sine};
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// Most stages.
pub const MAX_STAGES: usize = 12;
/// Centre of the sweep, Hz.
const CENTRE_HZ: f32 = 700.0;
/// Half the sweep at depth 100 %, octaves.
const OCTAVES: f32 = 2.5;
const STEREO_OFFSET: f32 = 0.25;

/// Phaser settings in display units: stages 2…12 (even), rate Hz, depth %, feedback %
/// (−90…90), mix %.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhaserSettings {
    pub stages: f32,
    pub rate_hz: f32,
    pub depth_pct: f32,
    pub feedback_pct: f32,
    pub mix_pct: f32,
}

#[derive(Clone, Copy, Debug)]
pub struct Phaser {
    /// Each channel's all-pass states (transposed direct form II: one value per stage).
    states: [[f32; MAX_STAGES]; 2],
    /// Each channel's last output, fed back into the first stage.
    last: [f32; 2],
    lfo: Lfo,
    /// Sweep, octaves either side of the centre.
    octaves: LinearSmoother,
    /// −0.9…0.9.
    feedback: LinearSmoother,
    mix: LinearSmoother,
    /// The stage count being left and the one being reached, and how far the crossfade from
    /// one to the other has gone (1 = done).
    from: usize,
    to: usize,
    fade: LinearSmoother,
    /// A count asked for while a crossfade runs: it starts when that one ends (restarting the
    /// fade half way would jump).
    pending: Option<usize>,
    /// π / sample rate, and the highest corner frequency allowed (0.45 × the sample rate).
    pi_over_fs: f32,
    top_hz: f32,
    anchor: i64,
}

impl FiniteState for Phaser {
    fn state_finite(&self) -> bool {
        crate::dsp::all_finite(self.states.iter().flatten().chain(&self.last))
            && self.lfo.state_finite()
            && self.octaves.state_finite()
            && self.feedback.state_finite()
            && self.mix.state_finite()
            && self.fade.state_finite()
    }
}

impl Phaser {
    pub fn new(s: PhaserSettings, ms: f32, sample_rate: f32) -> Phaser {
        let n = stage_count(s.stages);
        Phaser {
            states: [[0.0; MAX_STAGES]; 2],
            last: [0.0; 2],
            lfo: Lfo::new(s.rate_hz, ms, sample_rate),
            octaves: LinearSmoother::new(s.depth_pct / 100.0 * OCTAVES, ms, sample_rate),
            feedback: LinearSmoother::new(feedback(s.feedback_pct), ms, sample_rate),
            mix: LinearSmoother::new(s.mix_pct / 100.0, ms, sample_rate),
            from: n,
            to: n,
            fade: LinearSmoother::new(1.0, ms, sample_rate),
            pending: None,
            pi_over_fs: core::f32::consts::PI / sample_rate,
            top_hz: 0.45 * sample_rate,
            anchor: 0,
        }
    }

    /// Stages 2…12 (rounded to even); while playing, crossfades to the new count (after the
    /// crossfade under way, if any).
    pub fn set_stages(&mut self, v: f32, snap: bool) {
        let n = stage_count(v);
        if snap {
            let running = self.from.max(self.to);
            (self.from, self.to, self.pending) = (n, n, None);
            self.fade.reset(1.0);
            self.rest_from(running.min(n));
            return;
        }
        if self.fade.is_smoothing() {
            self.pending = (n != self.to).then_some(n);
            return;
        }
        self.pending = None;
        self.start_fade(n);
    }

    /// Starts the crossfade from the current count to `n`.
    fn start_fade(&mut self, n: usize) {
        if n == self.to {
            return;
        }
        // Stages that were not running start from rest.
        self.rest_from(self.from.max(self.to));
        self.from = self.to;
        self.to = n;
        self.fade.reset(0.0);
        self.fade.set_target(1.0);
    }

    /// Clears the states of the stages from `k` on.
    fn rest_from(&mut self, k: usize) {
        for ch in &mut self.states {
            for s in ch.iter_mut().skip(k) {
                *s = 0.0;
            }
        }
    }

    pub fn set_rate(&mut self, hz: f32, snap: bool) {
        self.lfo.set_rate(hz, snap);
    }

    pub fn set_depth(&mut self, pct: f32, snap: bool) {
        self.octaves.set(pct / 100.0 * OCTAVES, snap);
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

    /// After a seek: states at rest, the LFO at the phase of song frame `frame`.
    pub fn sync(&mut self, frame: i64) {
        self.anchor = frame;
        self.reset();
    }

    /// Subnormal values in the states (a test probe).
    pub fn subnormals(&self) -> usize {
        crate::dsp::count_subnormals(self.states.iter().flatten().chain(&self.last))
    }

    /// The all-pass coefficient for the LFO at `phase`: `(t − 1)/(t + 1)` with `t = tan(π·f/fs)`,
    /// which is `tan(π·f/fs − π/4)`, by a Padé approximant (relative error below 1e-6 on the
    /// range used, −π/4…π/5; any error only moves the corner a hair, the stage stays all-pass).
    #[inline]
    fn coefficient(&self, phase: f32, octaves: f32) -> f32 {
        let f = (CENTRE_HZ * super::fast_math::exp2(octaves * sine(phase))).min(self.top_hz);
        tan_pade(self.pi_over_fs * f - core::f32::consts::FRAC_PI_4)
    }

    /// One channel through the stages; returns the wet signal (the crossfaded last stage).
    #[inline]
    fn channel(&mut self, ch: usize, x: f32, a: f32, fb: f32, fade: f32) -> f32 {
        let running = self.from.max(self.to);
        let mut v = x + fb * self.last[ch];
        let (mut at_from, mut at_to) = (0.0, 0.0);
        for (k, s) in self.states[ch][..running].iter_mut().enumerate() {
            let y = a * v + *s;
            *s = crate::dsp::flush(v - a * y);
            v = y;
            if k + 1 == self.from {
                at_from = y;
            }
            if k + 1 == self.to {
                at_to = y;
            }
        }
        let wet = at_from + fade * (at_to - at_from);
        self.last[ch] = crate::dsp::flush(wet);
        wet
    }
}

impl Processor for Phaser {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32) {
        let phase = self.lfo.next_phase();
        let octaves = self.octaves.next_value();
        let fb = self.feedback.next_value();
        let mix = self.mix.next_value();
        let mut fade = self.fade.next_value();
        if !self.fade.is_smoothing() {
            self.from = self.to;
            if let Some(n) = self.pending.take() {
                // The crossfade asked for during the last one starts here, from where that one
                // arrived.
                self.start_fade(n);
                fade = 0.0;
            }
        }
        let a = self.coefficient(phase, octaves);
        let wl = self.channel(0, l, a, fb, fade);
        let yl = l + mix * (wl - l);
        if !stereo {
            return (yl, yl);
        }
        let a = self.coefficient(shifted(phase, STEREO_OFFSET), octaves);
        let wr = self.channel(1, r, a, fb, fade);
        (yl, r + mix * (wr - r))
    }

    /// States at rest, every ramp at its target, the LFO at the anchor's phase.
    fn reset(&mut self) {
        self.states = [[0.0; MAX_STAGES]; 2];
        self.last = [0.0; 2];
        for s in [&mut self.octaves, &mut self.feedback, &mut self.mix] {
            s.reset(s.target());
        }
        self.fade.reset(1.0);
        if let Some(n) = self.pending.take() {
            self.to = n;
        }
        self.from = self.to;
        self.lfo.sync(self.anchor);
    }
}

/// `tan(x)` for |x| ≤ π/4 by its [5/4] Padé approximant.
#[inline]
fn tan_pade(x: f32) -> f32 {
    let x2 = x * x;
    x * (945.0 + x2 * (-105.0 + x2)) / (945.0 + x2 * (-420.0 + 15.0 * x2))
}

fn stage_count(v: f32) -> usize {
    let n = ((v / 2.0).round() as usize * 2).clamp(2, MAX_STAGES);
    n - n % 2
}

fn feedback(pct: f32) -> f32 {
    (pct / 100.0).clamp(-0.9, 0.9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pade_tangent_is_within_1e_6_on_the_range_used() {
        for i in 0..=10_000 {
            let x =
                -core::f32::consts::FRAC_PI_4 + i as f32 / 10_000.0 * 0.45 * core::f32::consts::PI;
            let want = (x as f64).tan();
            let got = tan_pade(x) as f64;
            assert!(
                (got - want).abs() <= 1e-6 * want.abs().max(1e-3),
                "{x}: {got} vs {want}"
            );
        }
    }
}

#[cfg(test)]
mod stage_tests {
    use super::*;

    /// Moving the stage count twice within one crossfade (a slider dragged) never jumps: the
    /// second change waits for the first to finish.
    #[test]
    fn two_quick_stage_changes_do_not_click() {
        let fs = 48_000.0;
        let settings = PhaserSettings {
            stages: 4.0,
            rate_hz: 0.5,
            depth_pct: 70.0,
            feedback_pct: 30.0,
            mix_pct: 50.0,
        };
        let mut p = Phaser::new(settings, 20.0, fs);
        let x = |i: usize| 0.5 * (core::f32::consts::TAU * 300.0 * i as f32 / fs).sin();
        let mut last = 0.0f32;
        let mut worst = 0.0f32;
        for i in 0..20_000 {
            if i == 5_000 {
                p.set_stages(12.0, false);
            }
            if i == 5_300 {
                p.set_stages(2.0, false);
            }
            let (y, _) = p.tick(x(i), x(i), false);
            if i > 100 {
                worst = worst.max((y - last).abs());
            }
            last = y;
        }
        // A 300 Hz sine of 0.5 moves at most 0.0196 per sample; the phaser's resonance lets it
        // move a little more, a jump far more.
        assert!(worst < 0.06, "largest step {worst}");
    }
}

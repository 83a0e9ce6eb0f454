//! Module bypass with a short crossfade (audio thread).

use super::Processor;
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// How much of a module is heard: 0 = bypassed (not run at all), 1 = fully in.
#[derive(Clone, Copy, Debug)]
pub struct Switch {
    amount: LinearSmoother,
}

impl FiniteState for Switch {
    fn state_finite(&self) -> bool {
        self.amount.state_finite()
    }
}

impl Switch {
    pub fn new(on: bool, ms: f32, sample_rate: f32) -> Switch {
        Switch {
            amount: LinearSmoother::new(if on { 1.0 } else { 0.0 }, ms, sample_rate),
        }
    }

    /// Turns the module on or off; `snap` skips the crossfade.
    pub fn set(&mut self, on: bool, snap: bool) {
        let t = if on { 1.0 } else { 0.0 };
        self.amount.set(t, snap)
    }

    /// Fully bypassed and not fading: the module costs nothing.
    pub fn is_off(&self) -> bool {
        !self.amount.is_smoothing() && self.amount.current() == 0.0
    }

    /// True while crossfading.
    pub fn is_fading(&self) -> bool {
        self.amount.is_smoothing()
    }

    /// Current amount 0…1 (where the last fade left it).
    pub fn amount(&self) -> f32 {
        self.amount.current()
    }

    /// Advances the crossfade one sample and returns the amount.
    #[inline]
    pub fn next_amount(&mut self) -> f32 {
        self.amount.next_value()
    }

    /// Runs `p` over a block in place, crossfading while the switch moves. A module switched on
    /// from off starts from a clean state.
    pub fn run<P: Processor>(&mut self, p: &mut P, l: &mut [f32], r: &mut [f32], stereo: bool) {
        if self.is_off() {
            return;
        }
        if self.amount.current() == 0.0 {
            p.reset();
        }
        if !self.amount.is_smoothing() {
            p.process_block(l, r, stereo);
            return;
        }
        for (a, b) in l.iter_mut().zip(r.iter_mut()) {
            let m = self.amount.next_value();
            let (y, z) = p.tick(*a, *b, stereo);
            *a += m * (y - *a);
            *b += m * (z - *b);
        }
    }
}

//! The low-frequency oscillator the modulation effects share (audio thread): a phase in cycles
//! (0…1, kept in `f64` so minutes of play never drift), advanced by a ramped rate in Hz, and a
//! sine read from it by a short polynomial. The phase follows the song: [`Lfo::sync`] sets it
//! from a song frame (on every seek and Play), so an export and playback from the same point
//! modulate alike.

use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// A sine LFO. `next_phase` returns the phase in cycles, 0 ≤ p < 1.
#[derive(Clone, Copy, Debug)]
pub struct Lfo {
    /// Cycles, 0 ≤ phase < 1.
    phase: f64,
    /// Rate, Hz (ramped).
    rate: LinearSmoother,
    sample_rate: f64,
}

impl FiniteState for Lfo {
    fn state_finite(&self) -> bool {
        self.phase.is_finite() && self.rate.state_finite()
    }
}

impl Lfo {
    /// At phase 0, `rate_hz` Hz, rate changes ramped over `ms`.
    pub fn new(rate_hz: f32, ms: f32, sample_rate: f32) -> Lfo {
        Lfo {
            phase: 0.0,
            rate: LinearSmoother::new(rate_hz, ms, sample_rate),
            sample_rate: sample_rate as f64,
        }
    }

    /// Rate in Hz; `snap` skips the ramp.
    pub fn set_rate(&mut self, hz: f32, snap: bool) {
        self.rate.set(hz, snap);
    }

    /// The rate being approached, Hz.
    pub fn rate(&self) -> f32 {
        self.rate.target()
    }

    /// Sets the phase for song frame `frame` (negative before the song starts): the phase a
    /// steady rate reaches from 0 at frame 0. Ends the rate's ramp.
    pub fn sync(&mut self, frame: i64) {
        self.rate.reset(self.rate.target());
        let cycles = self.rate.target() as f64 * frame as f64 / self.sample_rate;
        self.phase = cycles.rem_euclid(1.0);
        if self.phase >= 1.0 {
            self.phase = 0.0;
        }
    }

    /// The phase for this sample (cycles, 0…1), then advances one sample.
    #[inline]
    pub fn next_phase(&mut self) -> f32 {
        let p = self.phase;
        let step = self.rate.next_value() as f64 / self.sample_rate;
        self.phase += step;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        p as f32
    }
}

/// `sin(2π·p)` for a phase `p` in cycles, 0 ≤ p ≤ 1: folded into a quarter wave and a Taylor
/// polynomial to the 9th power, error below 4e-6. Compares and multiply-adds only (no rounding
/// call, which is a library call on some targets).
#[inline]
pub fn sine(p: f32) -> f32 {
    // sin(2πp) = −sin(2π(p − ½)); fold y = p − ½ (−½…½) into −¼…¼ by sin(π − θ) = sin θ.
    let mut y = p - 0.5;
    if y > 0.25 {
        y = 0.5 - y;
    } else if y < -0.25 {
        y = -0.5 - y;
    }
    let x = core::f32::consts::TAU * y;
    let x2 = x * x;
    let s = x
        * (1.0
            + x2 * (-1.0 / 6.0
                + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5_040.0 + x2 * (1.0 / 362_880.0)))));
    -s
}

/// `p + offset`, wrapped into 0…1 (`offset` in 0…1).
#[inline]
pub fn shifted(p: f32, offset: f32) -> f32 {
    let q = p + offset;
    if q >= 1.0 { q - 1.0 } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_matches_the_library_within_4e_6() {
        for i in 0..100_000 {
            let p = i as f32 / 100_000.0;
            let want = (core::f64::consts::TAU * p as f64).sin();
            assert!(
                (sine(p) as f64 - want).abs() < 4e-6,
                "{p}: {} vs {want}",
                sine(p)
            );
        }
    }

    #[test]
    fn the_phase_advances_by_the_rate_and_sync_lands_on_the_song_position() {
        let mut lfo = Lfo::new(2.0, 20.0, 48_000.0);
        for _ in 0..12_000 {
            lfo.next_phase();
        }
        // A quarter second at 2 Hz: half a cycle.
        assert!((lfo.next_phase() - 0.5).abs() < 1e-9);
        let mut a = Lfo::new(0.7, 20.0, 48_000.0);
        a.sync(0);
        for _ in 0..100_000 {
            a.next_phase();
        }
        let mut b = Lfo::new(0.7, 20.0, 48_000.0);
        b.sync(100_000);
        assert!((a.next_phase() - b.next_phase()).abs() < 1e-6);
        b.sync(-24_000); // half a second before the song: 0.35 cycles back
        assert!((b.next_phase() - 0.65).abs() < 1e-6);
    }
}

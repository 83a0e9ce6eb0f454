//! A delay line read at a moving, fractional delay (audio thread): what chorus and flanger are
//! made of. Sized once, when its track is added (a power of two, so wrapping is a mask); read
//! with 4-point cubic Hermite interpolation, which keeps the top octave far brighter than
//! linear interpolation while the delay sweeps.

use crate::dsp::FiniteState;

/// A mono line. Read before writing: `read(d)` is the input `d` samples before the one
/// about to be pushed.
#[derive(Clone, Debug, Default)]
pub struct ModDelay {
    buf: Vec<f32>,
    mask: usize,
    /// Index of the newest sample.
    pos: usize,
}

impl FiniteState for ModDelay {
    fn state_finite(&self) -> bool {
        crate::dsp::all_finite(&self.buf)
    }
}

/// The shortest delay [`ModDelay::read`] gives, samples (the interpolator's newest point must
/// already be in the line).
pub const MIN_DELAY: f32 = 2.0;

impl ModDelay {
    /// A line that reads delays up to `max_frames` samples (allocates; not for the audio
    /// thread).
    pub fn new(max_frames: f32) -> ModDelay {
        let len = ((max_frames.max(0.0) as usize) + 4)
            .next_power_of_two()
            .max(8);
        ModDelay {
            buf: vec![0.0; len],
            mask: len - 1,
            pos: 0,
        }
    }

    /// Silence in the whole line (in place, no allocation).
    pub fn clear(&mut self) {
        self.buf.fill(0.0);
    }

    /// Writes the next sample (flushed below 1e-20, so a feedback loop never goes subnormal).
    /// An empty line (taken for a rebuild) ignores it.
    #[inline]
    pub fn push(&mut self, x: f32) {
        if self.buf.is_empty() {
            return;
        }
        self.pos = (self.pos + 1) & self.mask;
        self.buf[self.pos] = crate::dsp::flush(x);
    }

    /// The sample `k` pushes ago (0 = the newest).
    #[inline]
    fn ago(&self, k: usize) -> f32 {
        self.buf[(self.pos.wrapping_sub(k)) & self.mask]
    }

    /// The input `d` samples before the next push, interpolated (`d` clamped to
    /// [`MIN_DELAY`]…the line's length − 3).
    #[inline]
    pub fn read(&self, d: f32) -> f32 {
        if self.buf.len() < 8 {
            // An empty line (taken for a rebuild): nothing to read.
            return 0.0;
        }
        // NaN-safe: anything not at least the minimum (NaN included) reads the minimum.
        let longest = (self.buf.len() - 3) as f32;
        let d = if d >= MIN_DELAY {
            d.min(longest)
        } else {
            MIN_DELAY
        };
        let i = d as usize;
        let t = d - i as f32;
        // Newest first: the sample after y0 in time, y0, y1 (one older), y2.
        let ym1 = self.ago(i - 2);
        let y0 = self.ago(i - 1);
        let y1 = self.ago(i);
        let y2 = self.ago(i + 1);
        let c1 = 0.5 * (y1 - ym1);
        let c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2;
        let c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1);
        ((c3 * t + c2) * t + c1) * t + y0
    }

    /// Subnormal values in the line (a test probe).
    pub fn subnormals(&self) -> usize {
        crate::dsp::count_subnormals(&self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_delays_are_exact_and_fractions_interpolate_a_ramp_exactly() {
        let mut line = ModDelay::new(100.0);
        for n in 0..50 {
            line.push(n as f32);
        }
        // The next input would be 50: a delay of d gives 50 − d.
        for d in [2.0f32, 3.0, 10.0, 40.0] {
            assert_eq!(line.read(d), 50.0 - d);
        }
        // A cubic through points on a line is that line.
        for d in [2.25f32, 7.5, 33.9] {
            assert!((line.read(d) - (50.0 - d)).abs() < 1e-4, "{d}");
        }
        line.clear();
        assert_eq!(line.read(5.5), 0.0);
        // Degenerate lines and delays never panic.
        assert_eq!(line.read(f32::NAN), line.read(MIN_DELAY));
        let mut tiny = ModDelay::new(0.1);
        tiny.push(1.0);
        assert!(tiny.read(100.0).is_finite());
        let mut empty = ModDelay::default();
        empty.push(1.0);
        assert_eq!(empty.read(3.0), 0.0);
    }
}

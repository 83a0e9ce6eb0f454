//! The channel-strip processors (audio thread). Each is a per-sample `tick` on a stereo frame
//! (mono stems run the left channel only), so block size never changes the output, and each sits
//! behind a [`switch::Switch`] that crossfades it in and out and skips it entirely when off.

pub mod buses;
pub mod compressor;
pub mod crossover;
pub mod delay;
pub mod eq;
pub mod fast_math;
pub mod filters;
pub mod gate;
pub mod limiter;
pub mod master;
pub mod reverb;
pub mod saturation;
pub mod strip;
pub mod svf;
pub mod switch;

/// A per-sample stereo processor.
pub trait Processor {
    /// Processes one frame. For mono input `r` is a copy of `l` and the result's right half is
    /// ignored.
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32);
    /// Processes a block in place, exactly as `tick` frame by frame would (bit for bit); a
    /// processor may override it with a faster loop (for example filter section by section).
    #[inline]
    fn process_block(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        for (a, b) in l.iter_mut().zip(r.iter_mut()) {
            (*a, *b) = self.tick(*a, *b, stereo);
        }
    }
    /// Clears internal state (filter memories, envelopes).
    fn reset(&mut self);
}

/// One-pole coefficient for a time constant of `ms` at `sample_rate`: `e^(−1/(τ·fs))`.
pub fn one_pole(ms: f32, sample_rate: f32) -> f32 {
    let samples = (ms * 0.001 * sample_rate).max(1e-3);
    (-1.0 / samples).exp()
}

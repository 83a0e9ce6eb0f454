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
pub mod svf_chain;
pub mod switch;

/// A per-sample stereo processor.
pub trait Processor {
    /// Processes one frame. For mono input `r` is a copy of `l` and the result's right half is
    /// ignored.
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32);
    /// Processes a block in place, exactly as `tick` frame by frame would (bit for bit); a
    /// processor may override it with a faster loop (for example filter section by section).
    #[inline]
    fn process_block(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool)
    where
        Self: Sized,
    {
        per_sample(self, l, r, stereo);
    }
    /// Clears internal state (filter memories, envelopes).
    fn reset(&mut self);
}

/// Runs `p.tick` over a block frame by frame: the reference every faster `process_block` matches.
#[inline]
pub fn per_sample<P: Processor>(p: &mut P, l: &mut [f32], r: &mut [f32], stereo: bool) {
    for (a, b) in l.iter_mut().zip(r.iter_mut()) {
        (*a, *b) = p.tick(*a, *b, stereo);
    }
}

/// How many state values (filter memories, envelopes, delay lines) are subnormal right now. A
/// probe for tests of the denormal rule (subnormal arithmetic is up to 100× slower on x86); it
/// walks every buffer, so it is never called on the audio thread.
pub trait SubnormalStates {
    fn subnormal_states(&self) -> usize;
}

/// Counts the subnormal values in `xs`.
pub fn count_subnormals<'a>(xs: impl IntoIterator<Item = &'a f32>) -> usize {
    xs.into_iter().filter(|x| x.is_subnormal()).count()
}

/// `x`, or 0 when it is below 1e-20 (−400 dB): what goes into a recirculating line or filter
/// memory, so that decaying values never reach the subnormal range (below 1.2e-38).
#[inline]
pub fn flush(x: f32) -> f32 {
    if x.abs() < 1e-20 { 0.0 } else { x }
}

/// One-pole coefficient for a time constant of `ms` at `sample_rate`: `e^(−1/(τ·fs))`.
pub fn one_pole(ms: f32, sample_rate: f32) -> f32 {
    let samples = (ms * 0.001 * sample_rate).max(1e-3);
    (-1.0 / samples).exp()
}

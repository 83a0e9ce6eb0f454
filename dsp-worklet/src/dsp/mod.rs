//! The channel-strip processors (audio thread). Each is a per-sample `tick` on a stereo frame
//! (mono stems run the left channel only), so block size never changes the output, and each sits
//! behind a [`switch::Switch`] that crossfades it in and out and skips it entirely when off.
//!
//! Also the primitives they share: [`smoother`] (linear parameter ramps), [`pan`] (pan and
//! balance laws), [`svf`] (the state-variable filter section), [`fast_math`].

pub mod buses;
pub mod chorus;
pub mod compressor;
pub mod crossover;
pub mod delay;
pub mod eq;
pub(crate) mod f4;
pub mod fast_math;
pub mod filters;
pub mod flanger;
pub mod gate;
pub mod lfo;
pub mod limiter;
pub mod master;
pub mod mod_delay;
pub mod pan;
pub mod phaser;
pub mod reverb;
pub mod saturation;
pub mod smoother;
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

/// Whether every value of a processor's running state (filter memories and coefficients,
/// envelopes, delay lines, parameter ramps) is finite. A probe for tests that a NaN or ±∞ never
/// gets into state, where a feedback path would keep it for good; it walks every buffer, so it is
/// never called on the audio thread.
pub trait FiniteState {
    fn state_finite(&self) -> bool;
}

impl<T: FiniteState> FiniteState for [T] {
    fn state_finite(&self) -> bool {
        self.iter().all(T::state_finite)
    }
}

impl<T: FiniteState, const N: usize> FiniteState for [T; N] {
    fn state_finite(&self) -> bool {
        self.iter().all(T::state_finite)
    }
}

/// True when every value in `xs` is finite.
pub fn all_finite<'a>(xs: impl IntoIterator<Item = &'a f32>) -> bool {
    xs.into_iter().all(|x| x.is_finite())
}

/// NaN, ±∞ and subnormals become 0: what may leave the engine.
#[inline]
pub fn clean(x: f32) -> f32 {
    if x.is_finite() && !x.is_subnormal() {
        x
    } else {
        0.0
    }
}

/// `x`, or 0 when it is below 1e-20 (−400 dB): what goes into a recirculating line or filter
/// memory, so that decaying values never reach the subnormal range (below 1.2e-38).
#[inline]
pub fn flush(x: f32) -> f32 {
    if x.abs() < 1e-20 { 0.0 } else { x }
}

/// The Kaiser window with shape `beta` at `r` (−1 … 1 across the window; 0 outside it), for the
/// windowed-sinc filter designs (limiter detection, saturation oversampling).
pub fn kaiser(r: f64, beta: f64) -> f64 {
    // Modified Bessel function of the first kind, order 0, by its series.
    let i0 = |x: f64| {
        let (mut sum, mut term) = (1.0, 1.0);
        for n in 1..40 {
            term *= (x / 2.0) * (x / 2.0) / (n as f64 * n as f64);
            sum += term;
        }
        sum
    };
    i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0(beta)
}

/// One-pole coefficient for a time constant of `ms` at `sample_rate`: `e^(−1/(τ·fs))`.
pub fn one_pole(ms: f32, sample_rate: f32) -> f32 {
    let samples = (ms * 0.001 * sample_rate).max(1e-3);
    (-1.0 / samples).exp()
}

#[cfg(test)]
mod block_equals_tick {
    //! fundsp's rule: a processor's block path gives exactly what its per-sample path gives.
    use super::compressor::Compressor;
    use super::eq::{BandSettings, Equalizer};
    use super::filters::PassFilter;
    use super::gate::Gate;
    use super::svf::SvfShape;
    use super::{Processor, per_sample};

    const FS: f32 = 48_000.0;

    /// Noise bursts at changing levels with silences: every gate and compressor state is visited.
    fn program(len: usize, seed: u32) -> (Vec<f32>, Vec<f32>) {
        let mut x = seed | 1;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as f32 / u32::MAX as f32 - 0.5
        };
        let mut l = Vec::with_capacity(len);
        let mut r = Vec::with_capacity(len);
        for i in 0..len {
            let level = [0.9, 0.0, 0.05, 0.4, 0.0005, 0.0][(i / 3000) % 6];
            l.push(rnd() * level);
            r.push(rnd() * level * 0.7);
        }
        (l, r)
    }

    /// Runs `make()` twice over the same program, in blocks of varying size and frame by frame,
    /// calling `change` at a few points (parameter moves that start ramps), and compares bits.
    fn check<P: Processor + Clone>(name: &str, mut p: P, change: impl Fn(&mut P, usize)) {
        for stereo in [true, false] {
            let (l0, r0) = program(40_000, 7 + stereo as u32);
            let mut q = p.clone();
            let (mut l1, mut r1) = (l0.clone(), r0.clone());
            let (mut l2, mut r2) = (l0.clone(), r0.clone());
            let sizes = [128usize, 1, 77, 128, 300, 5, 128, 64];
            let (mut at, mut k) = (0, 0);
            while at < l0.len() {
                let n = sizes[k % sizes.len()].min(l0.len() - at);
                change(&mut p, at);
                change(&mut q, at);
                p.process_block(&mut l1[at..at + n], &mut r1[at..at + n], stereo);
                per_sample(&mut q, &mut l2[at..at + n], &mut r2[at..at + n], stereo);
                at += n;
                k += 1;
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert!(
                bits(&l1) == bits(&l2),
                "{name}: left differs (stereo {stereo})"
            );
            if stereo {
                assert!(bits(&r1) == bits(&r2), "{name}: right differs");
            }
        }
    }

    /// True once for each frame position in `points` that a block starting at `at` reaches.
    fn hit(at: usize, points: &[usize]) -> Option<usize> {
        points
            .iter()
            .position(|p| (at..at + 128).contains(p) && at <= *p)
    }

    #[test]
    fn gate() {
        let mut g = Gate::new(-30.0, 40.0, 20.0, FS);
        g.set_hold(5.0);
        g.set_release(30.0);
        check("gate", g, |g, at| match hit(at, &[9_000, 21_000]) {
            Some(0) => g.set_threshold(-50.0, false),
            Some(1) => g.set_range(12.0, false),
            _ => {}
        });
    }

    #[test]
    fn compressor() {
        let c = Compressor::new(-24.0, 4.0, 6.0, 5.0, 80.0, 3.0, 20.0, FS);
        check("compressor", c, |c, at| match hit(at, &[12_000, 25_000]) {
            Some(0) => c.set_threshold(-12.0, false),
            Some(1) => c.set_ratio(10.0, false),
            _ => {}
        });
    }

    #[test]
    fn pass_filters_and_eq() {
        let hp = PassFilter::new(SvfShape::HighPass, 120.0, 24.0, 20.0, FS);
        check("high-pass", hp, |f, at| {
            if hit(at, &[15_000]).is_some() {
                f.set_freq(400.0, false);
            }
        });
        let band = |freq, gain_db, q| BandSettings { freq, gain_db, q };
        let eq = Equalizer::new(
            [
                band(80.0, 3.0, 0.7),
                band(400.0, -4.0, 1.5),
                band(3_000.0, 0.0, 2.0),
                band(9_000.0, 5.0, 0.7),
            ],
            20.0,
            FS,
        );
        check("eq", eq, |e, at| {
            if hit(at, &[18_000]).is_some() {
                e.set_band(2, band(2_500.0, 6.0, 3.0), false);
            }
        });
    }
}

//! Up to eight SVF sections in series, run as a pipeline (audio thread): lane `s` of a 4-wide
//! vector holds section `s`, and at step `t` it filters sample `t − s`, taking its input from lane
//! `s − 1`'s output of the step before. Every step advances all sections at once, so the cost of a
//! block is one section's recursion (about 20 cycles of latency per sample) instead of eight in a
//! row; with both channels in flight there is enough independent work to hide that latency. In
//! stereo the channels share the vectors: lanes `2s` and `2s + 1` hold section `s` of the left and
//! right channel, and each step shifts by a lane pair.
//!
//! Each lane does exactly the arithmetic of [`SvfState::tick`], in the same order, so the output
//! and the states are bit-identical to running the sections one after another (a test pins it).
//! The strip uses it for its high-pass, low-pass and EQ sections when none of them is smoothing
//! or crossfading.

use super::f4::F4;
use super::svf::{SvfCoefs, SvfState};

/// Most sections in one chain: two 24 dB/oct pass filters and four EQ bands.
pub const MAX_SECTIONS: usize = 8;

/// Section coefficients for `V` vectors of four lanes.
#[derive(Clone, Copy)]
struct Lanes<const V: usize> {
    a1: [F4; V],
    a2: [F4; V],
    a3: [F4; V],
    m0: [F4; V],
    m1: [F4; V],
    m2: [F4; V],
}

/// The pipeline (one channel, or both interleaved): integrator states and last outputs per lane.
#[derive(Clone, Copy)]
struct Pipe<const V: usize> {
    ic1: [F4; V],
    ic2: [F4; V],
    out: [F4; V],
}

impl<const V: usize> Pipe<V> {
    /// Ticks vector `v` once on `input`. With `MASK`, lanes whose `idle` flag is set keep their
    /// states.
    #[inline(always)]
    fn tick<const MASK: bool>(&mut self, c: &Lanes<V>, v: usize, input: F4, idle: &[F4; V]) {
        let (ic1, ic2) = (self.ic1[v], self.ic2[v]);
        // The arithmetic of SvfState::tick, in its order.
        let v3 = input.sub(ic2);
        let v1 = c.a1[v].mul(ic1).add(c.a2[v].mul(v3));
        let v2 = ic2.add(c.a2[v].mul(ic1)).add(c.a3[v].mul(v3));
        // 2·v as v + v: the same bits, without a multiplier or a constant in a register.
        let n1 = v1.add(v1).sub(ic1).flush();
        let n2 = v2.add(v2).sub(ic2).flush();
        if MASK {
            self.ic1[v] = ic1.keep_where(n1, idle[v]);
            self.ic2[v] = ic2.keep_where(n2, idle[v]);
        } else {
            self.ic1[v] = n1;
            self.ic2[v] = n2;
        }
        self.out[v] = c.m0[v].mul(input).add(c.m1[v].mul(v1)).add(c.m2[v].mul(v2));
    }

    /// One step of a pipeline of `C` channels (lane `k` is section `k / C` of channel `k % C`):
    /// `entry`'s top `C` lanes (the new samples) enter lanes `0..C`; every other lane takes the
    /// output `C` lanes down from the previous step.
    #[inline(always)]
    fn step<const MASK: bool, const C: usize>(&mut self, c: &Lanes<V>, entry: F4, idle: &[F4; V]) {
        let mut prev = entry;
        for v in 0..V {
            let o = self.out[v];
            let input = if C == 1 {
                o.shift_in_one(prev)
            } else {
                o.shift_in_pair(prev)
            };
            prev = o;
            self.tick::<MASK>(c, v, input, idle);
        }
    }
}

/// Runs `coefs.len()` (≤ [`MAX_SECTIONS`]) sections in series over `l` (and `r` when `stereo`)
/// in place; `states[s]` holds section `s`'s left and right states. Bit-identical to calling
/// [`SvfState::run`] for each section in turn. In stereo both channels share the vectors (lanes
/// `2s`, `2s + 1`), so five or six sections take three vectors per step, not four.
pub fn run_chain(
    coefs: &[SvfCoefs],
    states: &mut [[SvfState; 2]],
    l: &mut [f32],
    r: &mut [f32],
    stereo: bool,
) {
    let n = coefs.len().min(states.len()).min(MAX_SECTIONS);
    let (coefs, states) = (&coefs[..n], &mut states[..n]);
    match (n, stereo) {
        (0, _) => {}
        (1..=2, true) => run::<1, 2>(coefs, states, [l, r]),
        (3..=4, true) => run::<2, 2>(coefs, states, [l, r]),
        (5..=6, true) => run::<3, 2>(coefs, states, [l, r]),
        (_, true) => run::<4, 2>(coefs, states, [l, r]),
        (1..=4, false) => run::<1, 1>(coefs, states, [l]),
        (_, false) => run::<2, 1>(coefs, states, [l]),
    }
}

/// The pipeline over `V` vectors for `C` channels: lane `k` is section `k / C` of channel `k % C`.
fn run<const V: usize, const C: usize>(
    coefs: &[SvfCoefs],
    states: &mut [[SvfState; 2]],
    mut ch: [&mut [f32]; C],
) {
    let sections = coefs.len();
    let frames = ch.iter().map(|x| x.len()).min().unwrap_or(0);
    if frames == 0 {
        return;
    }
    let id = SvfCoefs::identity();
    let lane = |k: usize| coefs.get(k / C).unwrap_or(&id).lanes();
    let gather = |pick: fn([f32; 6]) -> f32| -> [F4; V] {
        core::array::from_fn(|v| F4::new(core::array::from_fn(|i| pick(lane(4 * v + i)))))
    };
    let c = Lanes::<V> {
        a1: gather(|x| x[0]),
        a2: gather(|x| x[1]),
        a3: gather(|x| x[2]),
        m0: gather(|x| x[3]),
        m1: gather(|x| x[4]),
        m2: gather(|x| x[5]),
    };
    let st = |k: usize| states.get(k / C).map_or([0.0; 2], |p| p[k % C].values());
    let mut pipe = Pipe::<V> {
        ic1: core::array::from_fn(|v| F4::new(core::array::from_fn(|i| st(4 * v + i)[0]))),
        ic2: core::array::from_fn(|v| F4::new(core::array::from_fn(|i| st(4 * v + i)[1]))),
        out: [F4::default(); V],
    };
    let last = sections - 1;
    // Channel c's output lane: section `last`'s, in vector `k / 4`, lane `k % 4`.
    let out_lane = |chan: usize| ((last * C + chan) / 4, (last * C + chan) % 4);
    // Step t feeds sample t into the first section's lanes and takes sample t − last out of the
    // last section's.
    for t in 0..frames + last {
        let input = |x: &[f32]| if t < frames { x[t] } else { 0.0 };
        let steady = t >= last && t < frames;
        let idle: [F4; V] = if steady {
            [F4::default(); V]
        } else {
            // Lanes with no sample to filter at this step (the pipeline filling or draining, and
            // lanes past the last section) keep their states.
            core::array::from_fn(|v| {
                F4::mask(core::array::from_fn(|i| {
                    let s = (4 * v + i) / C;
                    s > last || t < s || t - s >= frames
                }))
            })
        };
        // The new samples sit in the top lanes: lane 3 (mono), lanes 2 and 3 (stereo).
        let entry = F4::new([0.0, 0.0, input(ch[0]), input(ch[C - 1])]);
        if steady {
            pipe.step::<false, C>(&c, entry, &idle);
        } else {
            pipe.step::<true, C>(&c, entry, &idle);
        }
        if t >= last {
            for (chan, x) in ch.iter_mut().enumerate() {
                let (v, i) = out_lane(chan);
                x[t - last] = pipe.out[v].lane(i);
            }
        }
    }
    let ic1 = pipe.ic1.map(F4::to_array);
    let ic2 = pipe.ic2.map(F4::to_array);
    for (s, st) in states.iter_mut().enumerate() {
        for (chan, state) in st.iter_mut().enumerate().take(C) {
            let k = s * C + chan;
            *state = SvfState::from_values([ic1[k / 4][k % 4], ic2[k / 4][k % 4]]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::svf::SvfShape;

    fn sections(n: usize) -> Vec<SvfCoefs> {
        let shapes = [
            SvfShape::HighPass,
            SvfShape::HighPass,
            SvfShape::LowPass,
            SvfShape::LowPass,
            SvfShape::LowShelf,
            SvfShape::Bell,
            SvfShape::Bell,
            SvfShape::HighShelf,
        ];
        (0..n)
            .map(|s| {
                let f = 40.0 * 2.1f64.powi(s as i32);
                SvfCoefs::design(
                    shapes[s],
                    f,
                    0.5 + 0.3 * s as f64,
                    6.0 - 2.5 * s as f64,
                    48_000.0,
                )
            })
            .collect()
    }

    fn signal(len: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2_654_435_761) | 1;
        (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let noise = (x as f32 / u32::MAX as f32) - 0.5;
                noise * 0.8 + (i as f32 * 0.05).sin() * 0.3
            })
            .collect()
    }

    #[test]
    fn the_pipeline_is_bit_identical_to_running_sections_in_turn() {
        for n in 0..=MAX_SECTIONS {
            let coefs = sections(n);
            for stereo in [false, true] {
                let mut chained_states = vec![[SvfState::default(); 2]; n];
                let mut serial_states = chained_states.clone();
                let (mut cl, mut cr) = (Vec::new(), Vec::new());
                let (mut sl, mut sr) = (Vec::new(), Vec::new());
                // Blocks of many sizes, including shorter than the pipeline, one after another.
                for (b, len) in [1usize, 3, 7, 8, 9, 128, 5, 300, 2, 64]
                    .into_iter()
                    .enumerate()
                {
                    let mut l = signal(len, 2 * b as u32 + 1);
                    let mut r = signal(len, 2 * b as u32 + 2);
                    let (mut l2, mut r2) = (l.clone(), r.clone());
                    run_chain(&coefs, &mut chained_states, &mut l, &mut r, stereo);
                    for (c, st) in coefs.iter().zip(serial_states.iter_mut()) {
                        st[0].run(c, &mut l2);
                        if stereo {
                            st[1].run(c, &mut r2);
                        }
                    }
                    cl.extend(l);
                    cr.extend(r);
                    sl.extend(l2);
                    sr.extend(r2);
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&cl), bits(&sl), "left, {n} sections, stereo {stereo}");
                assert_eq!(bits(&cr), bits(&sr), "right, {n} sections, stereo {stereo}");
                assert_eq!(chained_states, serial_states, "states, {n} sections");
            }
        }
    }
}

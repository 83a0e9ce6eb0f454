//! Helpers shared by the engine's integration tests: synthetic stems and offline rendering.
#![allow(dead_code)]

use dsp_worklet::{Command, Engine, ParamId};

pub const RATE: f32 = 48_000.0;

/// A sine of `amp` linear peak at `freq` Hz, `frames` long.
pub fn sine(freq: f32, amp: f32, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|i| {
            amp * (2.0 * std::f64::consts::PI * freq as f64 * i as f64 / RATE as f64).sin() as f32
        })
        .collect()
}

/// A ramp 0, 1, 2, … scaled by `scale`: every sample distinct, so offsets are visible.
pub fn ramp(frames: usize, scale: f32) -> Vec<f32> {
    (0..frames).map(|i| i as f32 * scale).collect()
}

/// Deterministic white noise in −amp…amp (xorshift).
pub fn noise(frames: usize, amp: f32, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..frames)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            amp * (s as f32 / u32::MAX as f32 * 2.0 - 1.0)
        })
        .collect()
}

/// Renders `frames` frames in blocks of `block` and returns (left, right).
pub fn render(e: &mut Engine, frames: usize, block: usize) -> (Vec<f32>, Vec<f32>) {
    let mut l = vec![0.0; frames];
    let mut r = vec![0.0; frames];
    let mut at = 0;
    while at < frames {
        let n = block.min(frames - at);
        e.process(&mut l[at..at + n], &mut r[at..at + n]);
        at += n;
    }
    (l, r)
}

pub fn set(e: &mut Engine, track: u32, param: ParamId, value: f32) {
    e.apply(Command::SetTrackParam {
        track,
        param,
        value,
    })
    .unwrap();
}

pub fn db(x: f32) -> f32 {
    20.0 * x.log10()
}

/// Amplitude of the `freq` component in `x` by projection onto sin and cos (exact for a whole
/// number of cycles).
pub fn amplitude_at(x: &[f32], freq: f32) -> f32 {
    let (mut a, mut b) = (0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq as f64 * i as f64 / RATE as f64;
        a += v as f64 * ph.cos();
        b += v as f64 * ph.sin();
    }
    (2.0 * (a * a + b * b).sqrt() / x.len() as f64) as f32
}

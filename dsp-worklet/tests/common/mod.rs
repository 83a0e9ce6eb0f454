//! Helpers shared by the engine's integration tests: synthetic stems and offline rendering.
#![allow(dead_code)]

use dsp_worklet::params::{Group, Scope, Unit};
use dsp_worklet::{Command, Engine, PARAMS, ParamId};

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

/// Turns everything on for `tracks`: every module switch of the parameter table (`…-on`: filters,
/// EQ, gate, compressor, saturation, chorus, phaser, flanger on each strip; master EQ, multiband, width, mono-below,
/// saturation and limiter on the master), with settings that make each module work (EQ boosts and
/// cuts, a gate closed on odd tracks and open on even ones, a compressor threshold the noise
/// crosses, drive), both sends up (send 2 pre-fader) into both FX buses with their returns up,
/// delay synced and ping-pong, and the monitor stage active (mono, A/B on the mix, a platform
/// preview, a version trim).
pub fn everything_on(e: &mut Engine, tracks: std::ops::Range<u32>) {
    let switches = || {
        PARAMS.iter().filter(|p| {
            p.unit == Unit::Toggle && p.key.ends_with("-on") && p.group != Group::Monitor
        })
    };
    // Every module switch in the table is turned on (a new module's joins by itself); at least
    // today's are found.
    let keys: Vec<&str> = switches().map(|p| p.key).collect();
    for key in [
        "hp-on",
        "lp-on",
        "eq-on",
        "gate-on",
        "comp-on",
        "sat-on",
        "chorus-on",
        "phaser-on",
        "flanger-on",
        "meq-on",
        "mb-on",
        "width-on",
        "mono-below-on",
        "msat-on",
        "lim-on",
    ] {
        assert!(keys.contains(&key), "{key}");
    }
    let master = |e: &mut Engine, param: ParamId, value: f32| {
        e.apply(Command::SetMasterParam { param, value }).unwrap()
    };
    for t in tracks {
        for p in switches().filter(|p| p.scope == Scope::Track) {
            set(e, t, p.id, 1.0);
        }
        for (p, v) in [
            (ParamId::Trim, 3.0),
            (ParamId::Polarity, (t % 2) as f32),
            (ParamId::HpSlope, 24.0),
            (ParamId::Eq1Gain, 3.0),
            (ParamId::Eq2Gain, -4.0),
            (ParamId::Eq3Gain, 2.0),
            (ParamId::Eq4Gain, 1.5),
            (
                ParamId::GateThreshold,
                if t % 2 == 0 { -60.0 } else { -6.0 },
            ),
            (ParamId::CompThreshold, -30.0),
            (ParamId::SatDrive, 12.0),
            (ParamId::Send1Level, -6.0),
            (ParamId::Send2Level, -9.0),
            (ParamId::Send2Pre, 1.0),
        ] {
            set(e, t, p, v);
        }
    }
    for p in switches().filter(|p| p.scope == Scope::Master) {
        master(e, p.id, 1.0);
    }
    for (p, v) in [
        (ParamId::ReverbReturn, -3.0),
        (ParamId::DelayReturn, -3.0),
        (ParamId::DelaySync, 1.0),
        (ParamId::DelayPingPong, 1.0),
        (ParamId::MeqTilt, 2.0),
        (ParamId::Meq2Gain, 3.0),
        (ParamId::Mb1Threshold, -40.0),
        (ParamId::Mb2Threshold, -40.0),
        (ParamId::Mb3Threshold, -40.0),
        (ParamId::Width, 150.0),
        (ParamId::MsatDrive, 9.0),
        (ParamId::LimInput, 12.0),
        (ParamId::OutGain, -1.0),
        (ParamId::Mono, 1.0),
        (ParamId::AbToggle, 1.0),
        (ParamId::PlatformPreview, 1.0),
        (ParamId::MonitorTrim, -2.0),
    ] {
        master(e, p, v);
    }
    e.apply(Command::SetAnalysis { on: true }).unwrap();
}

//! The session every benchmark renders (criterion natively, and the Chromium worklet benchmark
//! through `examples/bench_commands.rs`), defined once so the figures compare like with like.
//! Not part of the library: the bench, the examples and `tests/premix.rs` include this file with
//! `#[path = "…/benches/common/bench_session.rs"] mod bench_session;`.
//!
//! Each track is a stereo stem with every strip module on — HP, LP, four EQ bands boosting and
//! cutting, gate, compressor, saturation — panned, at −3 dB, with both sends feeding the reverb
//! and delay buses. The master chain runs with its defaults and metering on.

// Each including target uses a different part of it.
#![allow(dead_code)]

use dsp_worklet::{Command, ParamId};

/// Stem `id` of the benchmark session: `frames` of a sine at 55·(id+1) Hz plus a little noise,
/// 0.1 peak, identical in both channels.
pub fn stem(id: u32, frames: usize, sample_rate: f32) -> Vec<f32> {
    let f = 55.0 * (1.0 + id as f32);
    let mut seed = 12_345u32.wrapping_add(id);
    (0..frames)
        .map(|i| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let noise = seed as f32 / u32::MAX as f32 - 0.5;
            0.1 * (2.0 * core::f32::consts::PI * f * i as f32 / sample_rate).sin() + 0.01 * noise
        })
        .collect()
}

/// The commands that set track `id` up: fader, pan, and (when `full_strip`) every module on plus
/// both sends.
pub fn track_commands(id: u32, full_strip: bool) -> Vec<Command> {
    let mut settings = vec![
        (ParamId::Gain, -3.0),
        (ParamId::Pan, (id as f32 * 17.0) % 200.0 - 100.0),
    ];
    if full_strip {
        settings.extend([
            (ParamId::HpOn, 1.0),
            (ParamId::LpOn, 1.0),
            (ParamId::EqOn, 1.0),
            (ParamId::Eq1Gain, 3.0),
            (ParamId::Eq2Gain, -4.0),
            (ParamId::Eq3Gain, 2.0),
            (ParamId::Eq4Gain, 1.5),
            (ParamId::GateOn, 1.0),
            (ParamId::CompOn, 1.0),
            (ParamId::CompThreshold, -24.0),
            (ParamId::SatOn, 1.0),
            (ParamId::Send1Level, -12.0),
            (ParamId::Send2Level, -18.0),
        ]);
    }
    settings
        .into_iter()
        .map(|(param, value)| Command::SetTrackParam {
            track: id,
            param,
            value,
        })
        .collect()
}

/// The commands that turn every master stage on: EQ (a shelf boost and a tilt), the three-band
/// compressor, width with mono-below, saturation, and the limiter with 6 dB into it.
pub fn master_commands() -> Vec<Command> {
    [
        (ParamId::MeqOn, 1.0),
        (ParamId::Meq1Gain, 2.0),
        (ParamId::MeqTilt, -1.0),
        (ParamId::MbOn, 1.0),
        (ParamId::WidthOn, 1.0),
        (ParamId::MonoBelowOn, 1.0),
        (ParamId::MsatOn, 1.0),
        (ParamId::LimOn, 1.0),
        (ParamId::LimInput, 6.0),
    ]
    .into_iter()
    .map(|(param, value)| Command::SetMasterParam { param, value })
    .collect()
}

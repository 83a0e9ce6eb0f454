//! Rough per-module cost natively: 16 stereo tracks of the benchmark session with one strip
//! module on at a time, µs per 128-frame block (wall clock over 3000 blocks; a profiling aid,
//! criterion gives the reported figures). Usage: `module_cost [case]`.

#[path = "../benches/common/bench_session.rs"]
mod bench_session;

use dsp_worklet::{BLOCK_FRAMES, Command, Engine, ParamId};
use std::time::Instant;

const TRACKS: u32 = 16;

fn session(mods: &[(ParamId, f32)]) -> Engine {
    let rate = 48_000.0;
    let frames = 48_000 * 10;
    let mut e = Engine::new(rate);
    for id in 0..TRACKS {
        let ch = bench_session::stem(id, frames, rate);
        e.add_track(id, vec![ch.clone(), ch]).unwrap();
        for &(param, value) in mods {
            e.apply(Command::SetTrackParam {
                track: id,
                param,
                value,
            })
            .unwrap();
        }
    }
    e.apply(Command::SetLoop {
        start: 0,
        end: frames as u64,
    })
    .unwrap();
    e.apply(Command::Play).unwrap();
    e
}

fn main() {
    use ParamId::*;
    let full = [
        (HpOn, 1.0),
        (LpOn, 1.0),
        (EqOn, 1.0),
        (Eq1Gain, 3.0),
        (Eq2Gain, -4.0),
        (GateOn, 1.0),
        (CompOn, 1.0),
        (CompThreshold, -24.0),
        (SatOn, 1.0),
        (Send1Level, -12.0),
        (Send2Level, -18.0),
    ];
    let cases: [(&str, &[(ParamId, f32)]); 12] = [
        ("none", &[]),
        ("hp", &[(HpOn, 1.0)]),
        ("lp", &[(LpOn, 1.0)]),
        ("eq", &[(EqOn, 1.0), (Eq1Gain, 3.0), (Eq2Gain, -4.0)]),
        ("gate", &[(GateOn, 1.0)]),
        ("comp", &[(CompOn, 1.0), (CompThreshold, -24.0)]),
        ("sat", &[(SatOn, 1.0)]),
        ("chorus", &[(ChorusOn, 1.0), (ChorusVoices, 4.0)]),
        ("phaser", &[(PhaserOn, 1.0), (PhaserStages, 12.0)]),
        ("flanger", &[(FlangerOn, 1.0)]),
        ("sends", &[(Send1Level, -12.0), (Send2Level, -18.0)]),
        ("full", &full),
    ];
    let only = std::env::args().nth(1);
    for (name, mods) in cases {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let mut e = session(mods);
        let mut l = vec![0.0f32; BLOCK_FRAMES];
        let mut r = vec![0.0f32; BLOCK_FRAMES];
        for _ in 0..200 {
            e.process(&mut l, &mut r);
        }
        let n = 3000;
        let t = Instant::now();
        for _ in 0..n {
            e.process(&mut l, &mut r);
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!(
            "{name:6} {TRACKS} tracks: {us:7.1} µs/block, {:.2} µs per track",
            us / TRACKS as f64
        );
    }
}

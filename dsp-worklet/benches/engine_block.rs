//! Cost of one 128-frame block of the mixer, natively, for growing track counts.
//! Figures are reported as % of the 2.667 ms block budget at 48 kHz by `scripts/bench`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
#[path = "common/bench_session.rs"]
mod bench_session;

use dsp_worklet::{BLOCK_FRAMES, Command, Engine};
use std::hint::black_box;

fn session(tracks: u32, full_strip: bool, full_master: bool) -> Engine {
    let rate = 48_000.0;
    let mut e = Engine::new(rate);
    let frames = 48_000 * 10;
    for id in 0..tracks {
        let ch = bench_session::stem(id, frames, rate);
        e.add_track(id, vec![ch.clone(), ch]).unwrap();
        for c in bench_session::track_commands(id, full_strip) {
            e.apply(c).unwrap();
        }
    }
    if full_master {
        for c in bench_session::master_commands() {
            e.apply(c).unwrap();
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

fn bench_block(c: &mut Criterion) {
    for (name, full, master) in [
        ("engine_block_128", false, false),
        ("engine_block_128_full_strip", true, false),
        ("engine_block_128_full_session", true, true),
    ] {
        bench_group(c, name, full, master);
    }
}

/// `full`: every strip module on (HP, LP, 4 EQ bands, gate, compressor, 4× saturation) and both
/// sends feeding the reverb and delay buses; `master`: every master stage on too. Metering (BS.1770
/// meters, correlation) is on in every group, as in the live worklet.
fn bench_group(c: &mut Criterion, name: &str, full: bool, master: bool) {
    let mut group = c.benchmark_group(name);
    group.measurement_time(std::time::Duration::from_secs(3));
    for tracks in [1u32, 8, 16, 32, 64, 128] {
        let mut e = session(tracks, full, master);
        let mut l = vec![0.0f32; BLOCK_FRAMES];
        let mut r = vec![0.0f32; BLOCK_FRAMES];
        group.bench_with_input(BenchmarkId::from_parameter(tracks), &tracks, |b, _| {
            b.iter(|| {
                e.process(black_box(&mut l), black_box(&mut r));
            })
        });
    }
    group.finish();
}

/// 64 full-strip tracks, without automation, with one fader lane on one track, and with one on
/// every track (50 points, a fade up and down every 0.2 s over the 10 s loop): what following
/// lanes costs.
fn bench_automation(c: &mut Criterion) {
    use dsp_worklet::ParamId;
    use dsp_worklet::automation::Curve;
    let mut group = c.benchmark_group("engine_block_128_automation_64");
    group.measurement_time(std::time::Duration::from_secs(3));
    for lanes in [0u32, 1, 64] {
        let mut e = session(64, true, false);
        {
            for t in 0..lanes {
                e.add_lane(t, t, ParamId::Gain, 50).unwrap();
                for i in 0..50u32 {
                    e.apply(Command::SetLanePoint {
                        lane: t,
                        index: i,
                        frame: i as u64 * 9_600,
                        value: if i % 2 == 0 { -12.0 } else { 0.0 },
                        curve: Curve::Linear,
                    })
                    .unwrap();
                }
                e.apply(Command::SetLaneLength { lane: t, len: 50 })
                    .unwrap();
            }
        }
        let mut l = vec![0.0f32; BLOCK_FRAMES];
        let mut r = vec![0.0f32; BLOCK_FRAMES];
        let id = format!("{lanes}-gain-lanes");
        group.bench_function(id, |b| {
            b.iter(|| {
                e.process(black_box(&mut l), black_box(&mut r));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_block, bench_automation);
criterion_main!(benches);

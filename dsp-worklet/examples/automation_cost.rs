//! What following automation lanes costs natively: 64 full-strip stereo tracks with no lane,
//! one fader lane on one track, one on every track (50 points, a fade every 0.2 s: always
//! moving), and one on every track that moves for half a second of the 10 s loop (a fade, as
//! most lanes are: still most of the time), timed
//! in alternating rounds so the machine's drift falls on all three alike; the lowest median
//! block time of the rounds, µs and % of the 2.667 ms budget. A profiling aid; criterion's
//! `engine_block_128_automation_64` group gives the same comparison.

#[path = "../benches/common/bench_session.rs"]
mod bench_session;

use dsp_worklet::automation::Curve;
use dsp_worklet::{BLOCK_FRAMES, Command, Engine, ParamId};
use std::time::Instant;

fn session(lanes: u32, always: bool) -> Engine {
    let rate = 48_000.0;
    let frames = 48_000 * 10;
    let mut e = Engine::new(rate);
    for id in 0..64 {
        let ch = bench_session::stem(id, frames, rate);
        e.add_track(id, vec![ch.clone(), ch]).unwrap();
        for c in bench_session::track_commands(id, true) {
            e.apply(c).unwrap();
        }
    }
    for t in 0..lanes {
        e.add_lane(t, t, ParamId::Gain, 50).unwrap();
        let points: Vec<(u64, f32)> = if always {
            (0..50u64)
                .map(|i| (i * 9_600, if i % 2 == 0 { -12.0 } else { 0.0 }))
                .collect()
        } else {
            vec![(0, 0.0), (216_000, 0.0), (240_000, -12.0)]
        };
        for (i, &(frame, value)) in points.iter().enumerate() {
            e.apply(Command::SetLanePoint {
                lane: t,
                index: i as u32,
                frame,
                value,
                curve: Curve::Linear,
            })
            .unwrap();
        }
        e.apply(Command::SetLaneLength {
            lane: t,
            len: points.len() as u32,
        })
        .unwrap();
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
    let cases = [
        (0u32, true, "no lane"),
        (1, true, "1 lane, always moving"),
        (64, true, "64 lanes, always moving"),
        (64, false, "64 lanes, moving 5 % of the time"),
    ];
    // `automation_cost <k>` runs case k alone (for a profiler).
    let only: Option<usize> = std::env::args().nth(1).and_then(|a| a.parse().ok());
    let mut engines: Vec<Engine> = cases
        .iter()
        .enumerate()
        .map(|(k, &(n, a, _))| session(if only.is_none_or(|o| o == k) { n } else { 0 }, a))
        .collect();
    let mut best = [f64::MAX; 4];
    let (mut l, mut r) = (vec![0.0f32; BLOCK_FRAMES], vec![0.0f32; BLOCK_FRAMES]);
    for _round in 0..7 {
        for (k, e) in engines.iter_mut().enumerate() {
            let mut times: Vec<f64> = (0..600)
                .map(|_| {
                    let t = Instant::now();
                    e.process(&mut l, &mut r);
                    t.elapsed().as_secs_f64() * 1e6
                })
                .collect();
            times.sort_by(f64::total_cmp);
            best[k] = best[k].min(times[times.len() / 2]);
        }
    }
    for (k, (_, _, name)) in cases.iter().enumerate() {
        println!(
            "64 full strips, {name:33} {:6.1} µs per block ({:.1} % of the budget), {:.2}× none",
            best[k],
            best[k] / 2_666.7 * 100.0,
            best[k] / best[0]
        );
    }
}

//! Automation lanes through the whole engine: a fader lane's fade follows its formula, a flat
//! lane is the static value, block sizes 1…1024 give the same output, lanes are followed
//! after a seek as in a render from the top, and a master lane works.

mod common;
use common::*;
use dsp_worklet::automation::{Curve, MASTER};
use dsp_worklet::{Command, Engine, ParamId};

fn point(e: &mut Engine, lane: u32, index: u32, frame: u64, value: f32, curve: Curve) {
    e.apply(Command::SetLanePoint {
        lane,
        index,
        frame,
        value,
        curve,
    })
    .unwrap();
}

/// An engine with one stereo stem (`stem` in both channels) and a fader lane: 0 dB until 0.5 s,
/// a linear-in-dB fade to −40 dB at 1.5 s (curve `curve`), then −40 dB.
fn faded(stem: &[f32], curve: Curve) -> Engine {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![stem.to_vec(), stem.to_vec()]).unwrap();
    e.add_lane(0, 1, ParamId::Gain, 8).unwrap();
    point(&mut e, 0, 0, 24_000, 0.0, curve);
    point(&mut e, 0, 1, 72_000, -40.0, Curve::Linear);
    e.apply(Command::SetLaneLength { lane: 0, len: 2 }).unwrap();
    e
}

/// The fader lane's gain in dB at song frame `f`.
fn lane_db(f: usize, curve: Curve) -> f64 {
    if f <= 24_000 {
        return 0.0;
    }
    if f >= 72_000 {
        return -40.0;
    }
    let t = (f - 24_000) as f64 / 48_000.0;
    // The fader's travel is linear in dB over −70…+12.
    -40.0 * curve.shape(t)
}

#[test]
fn a_fader_lane_is_followed_within_a_hundredth_of_a_db() {
    let frames = 2 * 48_000;
    let stem = sine(997.0, 0.5, frames);
    for curve in [Curve::Linear, Curve::Slow, Curve::Fast] {
        let mut e = faded(&stem, curve);
        e.apply(Command::Play).unwrap();
        let (l, _) = render(&mut e, frames, 128);
        let mut checked = 0;
        for f in (0..frames).step_by(97) {
            if stem[f].abs() < 0.3 {
                continue;
            }
            // A centred stereo stem passes the balance law at unity.
            let got = 20.0 * (l[f] as f64 / stem[f] as f64).abs().log10();
            let want = lane_db(f, curve);
            assert!(
                (got - want).abs() < 0.01,
                "{curve:?} at frame {f}: {got:.4} dB, want {want:.4} dB"
            );
            checked += 1;
        }
        assert!(checked > 500, "{checked}");
    }
}

#[test]
fn a_flat_lane_gives_the_static_value_bit_for_bit() {
    let frames = 48_000;
    let stem = noise(frames, 0.5, 4);
    let mut fixed = Engine::new(RATE);
    fixed.add_track(1, vec![stem.clone()]).unwrap();
    set(&mut fixed, 1, ParamId::Gain, -7.5);
    set(&mut fixed, 1, ParamId::Pan, 30.0);
    fixed.apply(Command::Play).unwrap();
    let want = render(&mut fixed, frames, 128);
    let mut laned = Engine::new(RATE);
    laned.add_track(1, vec![stem.clone()]).unwrap();
    laned.add_lane(0, 1, ParamId::Gain, 4).unwrap();
    laned.add_lane(1, 1, ParamId::Pan, 4).unwrap();
    for (lane, v) in [(0, -7.5), (1, 30.0)] {
        point(&mut laned, lane, 0, 0, v, Curve::Linear);
        point(&mut laned, lane, 1, 40_000, v, Curve::Slow);
        laned
            .apply(Command::SetLaneLength { lane, len: 2 })
            .unwrap();
    }
    laned.apply(Command::Play).unwrap();
    assert!(render(&mut laned, frames, 128) == want);
}

#[test]
fn block_sizes_from_1_to_1024_give_the_same_output_with_lanes_moving() {
    let frames = 60_000;
    let stem = noise(frames, 0.4, 9);
    let run = |block: usize| {
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![stem.clone(), stem.clone()]).unwrap();
        e.add_track(2, vec![stem.clone()]).unwrap();
        everything_on(&mut e, 1..3);
        let lanes = [
            (1, ParamId::Gain, -20.0, 3.0),
            (1, ParamId::Pan, -100.0, 100.0),
            (2, ParamId::Send1Level, -40.0, 0.0),
            (2, ParamId::Eq2Gain, -12.0, 12.0),
            (2, ParamId::HpFreq, 40.0, 800.0),
            (2, ParamId::Mute, 0.0, 1.0),
            // Down to −∞ (the track then skips its strip) and back.
            (2, ParamId::Gain, -70.0, 0.0),
            (MASTER, ParamId::MasterGain, 0.0, -12.0),
            (MASTER, ParamId::LimInput, 0.0, 9.0),
        ];
        for (id, &(track, param, a, b)) in lanes.iter().enumerate() {
            let id = id as u32;
            e.add_lane(id, track, param, 4).unwrap();
            point(&mut e, id, 0, 1_000 + 77 * id as u64, a, Curve::Fast);
            point(&mut e, id, 1, 30_000 + 1_001 * id as u64, b, Curve::Linear);
            point(&mut e, id, 2, 50_000, a, Curve::Linear);
            e.apply(Command::SetLaneLength { lane: id, len: 3 })
                .unwrap();
        }
        e.apply(Command::Play).unwrap();
        render(&mut e, frames, block)
    };
    let reference = run(128);
    for block in [1usize, 7, 100, 129, 1000, 1024] {
        assert!(run(block) == reference, "block {block}");
    }
    assert!(reference.0.iter().any(|x| x.abs() > 0.01));
}

#[test]
fn after_a_seek_lanes_are_where_a_render_from_the_top_has_them() {
    let frames = 2 * 48_000;
    let stem = sine(997.0, 0.5, frames);
    let mut top = faded(&stem, Curve::Linear);
    top.apply(Command::Play).unwrap();
    let (whole, _) = render(&mut top, frames, 128);
    let at = 50_016; // inside the fade, on the grid
    let mut e = faded(&stem, Curve::Linear);
    e.apply(Command::Play).unwrap();
    render(&mut e, 10_000, 128);
    e.apply(Command::Seek {
        frame: at as u64,
        serial: 1,
    })
    .unwrap();
    let (tail, _) = render(&mut e, frames - at, 128);
    let worst = tail
        .iter()
        .zip(&whole[at..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "{worst}");
}

#[test]
fn lanes_can_be_turned_off_and_removed_and_bad_ones_are_refused() {
    let stem = sine(997.0, 0.5, 48_000);
    let mut e = faded(&stem, Curve::Linear);
    // Off: the control's own value (0 dB) stands.
    e.apply(Command::SetLaneReading { lane: 0, on: false })
        .unwrap();
    e.apply(Command::Play).unwrap();
    let (l, _) = render(&mut e, 48_000, 128);
    assert!(l == stem, "a lane that is off changes nothing");
    e.apply(Command::RemoveLane { lane: 0 }).unwrap();
    assert!(e.lane(0).is_none());
    use dsp_worklet::EngineError::*;
    assert_eq!(e.apply(Command::RemoveLane { lane: 0 }), Err(UnknownLane));
    assert_eq!(e.add_lane(1, 1, ParamId::MasterGain, 4), Err(UnknownParam));
    assert_eq!(e.add_lane(1, MASTER, ParamId::Mono, 4), Err(UnknownParam));
    assert_eq!(e.add_lane(1, 1, ParamId::FadeIn, 4), Err(UnknownParam));
    assert_eq!(e.add_lane(9_999, 1, ParamId::Gain, 4), Err(UnknownLane));
    e.add_lane(1, 1, ParamId::Gain, 4).unwrap();
    assert_eq!(e.add_lane(1, 1, ParamId::Pan, 4), Err(UnknownLane));
    assert_eq!(
        e.apply(Command::SetLaneLength { lane: 1, len: 5 }),
        Err(InvalidValue)
    );
}

/// A control moved while a lane reads is overridden by the lane, also where the lane is at rest
/// (as in a DAW's read mode); a vertical step at the lane's first frame is followed.
#[test]
fn a_reading_lane_overrides_a_moved_control_and_steps_are_followed() {
    let frames = 48_000;
    let stem = sine(997.0, 0.5, frames);
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![stem.clone(), stem.clone()]).unwrap();
    e.add_lane(0, 1, ParamId::Gain, 4).unwrap();
    point(&mut e, 0, 0, 3_205, -20.0, Curve::Linear);
    point(&mut e, 0, 1, 3_205, -6.0, Curve::Linear);
    e.apply(Command::SetLaneLength { lane: 0, len: 2 }).unwrap();
    e.apply(Command::Play).unwrap();
    let (a, _) = render(&mut e, 9_600, 128);
    set(&mut e, 1, ParamId::Gain, 0.0);
    let (b, _) = render(&mut e, frames - 9_600, 128);
    let db = |y: f32, x: f32| 20.0 * (y as f64 / x as f64).abs().log10();
    // Before the step −20 dB, after it −6 dB; the fader moved to 0 dB yields to the lane.
    let peak = |from: usize| {
        (from..from + 48)
            .max_by(|&i, &j| stem[i].abs().total_cmp(&stem[j].abs()))
            .unwrap()
    };
    let i = peak(1_000);
    assert!(
        (db(a[i], stem[i]) + 20.0).abs() < 0.01,
        "{}",
        db(a[i], stem[i])
    );
    let i = peak(6_000);
    assert!(
        (db(a[i], stem[i]) + 6.0).abs() < 0.01,
        "{}",
        db(a[i], stem[i])
    );
    let i = peak(30_000);
    let got = db(b[i - 9_600], stem[i]);
    assert!((got + 6.0).abs() < 0.01, "the moved fader stuck: {got} dB");
}

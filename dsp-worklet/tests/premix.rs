//! An export's later passes replay the first pass's master-chain input (`dsp_worklet::premix`)
//! instead of rendering the tracks again. Replayed with other master settings, the output must be
//! bit-identical to a full render with those settings: here with strips, both FX buses (whose
//! tails ring on after the song), a start inside the song, a pause part-way (the export's region
//! end) and the limiter pushed hard.

mod common;
use common::{noise, render, set, sine};
#[path = "../benches/common/bench_session.rs"]
mod bench_session;

use dsp_worklet::{Command, Engine, ParamId};

const RATE: f32 = 48_000.0;
const SONG: usize = 48_000 * 3;
const START: u64 = 12_000;
/// Frames rendered: the song from START, plus a second of FX tail.
const FRAMES: usize = SONG - START as usize + 48_000;
/// Where the region ends and the export pauses the transport (a block boundary).
const PAUSE_AT: usize = 128 * 600;

fn master(e: &mut Engine, limiter_input_db: f32) {
    for (param, value) in [
        (ParamId::LimOn, 1.0),
        (ParamId::LimInput, limiter_input_db),
        (ParamId::LimCeiling, -1.0),
        (ParamId::MeqOn, 1.0),
        (ParamId::Meq1Gain, 2.0),
    ] {
        e.apply(Command::SetMasterParam { param, value }).unwrap();
    }
}

/// The session with its tracks and master settings, before the export's start commands.
fn session(limiter_input_db: f32) -> Engine {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![sine(220.0, 0.4, SONG), noise(SONG, 0.2, 5)])
        .unwrap();
    e.add_track(2, vec![noise(SONG, 0.3, 9)]).unwrap();
    for track in [1, 2] {
        for c in bench_session::track_commands(track, true) {
            e.apply(c).unwrap();
        }
    }
    set(&mut e, 2, ParamId::Send1Level, 0.0);
    master(&mut e, limiter_input_db);
    e
}

/// A full render, started.
fn started(limiter_input_db: f32) -> Engine {
    let mut e = session(limiter_input_db);
    start(&mut e);
    e
}

fn start(e: &mut Engine) {
    for c in [
        Command::SetMetering { on: false },
        Command::Seek {
            frame: START,
            serial: 0,
        },
        Command::Play,
    ] {
        e.apply(c).unwrap();
    }
}

/// Renders the export: up to PAUSE_AT, a pause, then the rest (the tail).
fn export(e: &mut Engine) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = render(e, PAUSE_AT, 128);
    e.apply(Command::Pause).unwrap();
    let (l2, r2) = render(e, FRAMES - PAUSE_AT, 128);
    l.extend(l2);
    r.extend(r2);
    (l, r)
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Both channels of a replayed pass are the full render's, bit for bit.
fn assert_same_render(full: &(Vec<f32>, Vec<f32>), replayed: &(Vec<f32>, Vec<f32>), db: f32) {
    assert!(same_bits(&full.0, &replayed.0), "left differs at {db} dB");
    assert!(same_bits(&full.1, &replayed.1), "right differs at {db} dB");
}

#[test]
fn a_replayed_premix_gives_the_full_render_bit_for_bit() {
    // Pass 1: full render at 0 dB into the limiter, recording the master chain's input.
    // (Recording starts before Play: the master chain's priming at Play is part of its input.)
    let mut first = session(0.0);
    first.record_premix(FRAMES + 4096).unwrap();
    start(&mut first);
    let pass1 = export(&mut first);
    let [rec_l, rec_r] = first.recorded_premix();
    assert!(!rec_l.is_empty() && rec_l.len() == rec_r.len());

    for limiter_input_db in [0.0, 9.0] {
        let full = export(&mut started(limiter_input_db));
        // A later pass: no tracks, the recording in their place, other master settings.
        let mut replay = Engine::new(RATE);
        master(&mut replay, limiter_input_db);
        replay.replay_premix(rec_l.len()).unwrap();
        replay.premix_channel_mut(0).unwrap().copy_from_slice(rec_l);
        replay.premix_channel_mut(1).unwrap().copy_from_slice(rec_r);
        start(&mut replay);
        let replayed = export(&mut replay);
        assert_same_render(&full, &replayed, limiter_input_db);
        if limiter_input_db == 0.0 {
            assert!(
                same_bits(&full.0, &pass1.0),
                "recording changed the first pass"
            );
        }
    }
    // Not vacuous: the settings change the output, and the tail is there.
    let (loud, quiet) = (export(&mut started(9.0)).0, pass1.0);
    assert!(!same_bits(&loud, &quiet));
    let tail = &quiet[SONG - START as usize + 4_800..];
    assert!(
        tail.iter().any(|x| x.abs() > 1e-4),
        "the FX tail rings past the song"
    );
}

#[test]
fn a_recording_passed_to_a_fresh_engine_replays_bit_for_bit_and_passes_on_again() {
    // As the export Worker does: the first pass's engine hands its recording to a fresh engine
    // (no copy), which replays it and hands it on to the next pass.
    let mut first = session(0.0);
    first.record_premix(FRAMES + 4096).unwrap();
    start(&mut first);
    export(&mut first);
    let mut previous = first;
    for limiter_input_db in [9.0, 3.0] {
        let full = export(&mut started(limiter_input_db));
        let mut next = Engine::new(RATE);
        assert!(previous.pass_premix_to(&mut next));
        assert!(
            !previous.pass_premix_to(&mut Engine::new(RATE)),
            "moved, not copied"
        );
        master(&mut next, limiter_input_db);
        start(&mut next);
        let replayed = export(&mut next);
        assert_same_render(&full, &replayed, limiter_input_db);
        previous = next;
    }
}

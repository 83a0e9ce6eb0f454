//! The mixer's laws, checked on offline renders against analytic values.

mod common;
use common::*;
use dsp_worklet::{Command, Engine, ParamId};

const N: usize = 4_800; // 0.1 s: a whole number of cycles of every test sine

#[test]
fn tracks_sum_sample_by_sample() {
    let mut e = Engine::new(RATE);
    let a = noise(N, 0.3, 1);
    let b = noise(N, 0.3, 2);
    let c = noise(N, 0.3, 3);
    let d = noise(N, 0.3, 4);
    e.add_track(1, vec![a.clone(), b.clone()]).unwrap();
    e.add_track(2, vec![c.clone(), d.clone()]).unwrap();
    e.apply(Command::Play).unwrap();
    let (l, r) = render(&mut e, N, 128);
    for i in 0..N {
        assert_eq!(l[i], a[i] + c[i], "left {i}");
        assert_eq!(r[i], b[i] + d[i], "right {i}");
    }
}

#[test]
fn gain_law_matches_db_within_a_thousandth_of_a_db() {
    for gain_db in [-40.0f32, -12.0, -6.0, -0.5, 0.0, 3.0, 12.0] {
        let mut e = Engine::new(RATE);
        let s = sine(1_000.0, 0.25, N);
        e.add_track(1, vec![s.clone(), s]).unwrap();
        set(&mut e, 1, ParamId::Gain, gain_db);
        e.apply(Command::Play).unwrap();
        let (l, r) = render(&mut e, N, 128);
        for ch in [&l, &r] {
            let got = db(amplitude_at(ch, 1_000.0) / 0.25);
            assert!((got - gain_db).abs() < 1e-3, "{gain_db} dB gave {got}");
        }
    }
    // The fader's bottom is silence.
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![sine(1_000.0, 0.5, N)]).unwrap();
    set(&mut e, 1, ParamId::Gain, -70.0);
    e.apply(Command::Play).unwrap();
    let (l, r) = render(&mut e, N, 128);
    assert!(l.iter().chain(&r).all(|x| *x == 0.0));
}

/// Mono: constant power (−3.01 dB each side at centre). Stereo: balance, unity at centre.
#[test]
fn pan_and_balance_at_hard_left_centre_hard_right() {
    let expect_mono = [
        (-100.0f32, 0.0f32, f32::NEG_INFINITY),
        (0.0, -3.0103, -3.0103),
        (100.0, f32::NEG_INFINITY, 0.0),
    ];
    for (pan, want_l, want_r) in expect_mono {
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![sine(1_000.0, 0.5, N)]).unwrap();
        set(&mut e, 1, ParamId::Pan, pan);
        e.apply(Command::Play).unwrap();
        let (l, r) = render(&mut e, N, 128);
        check_level(&l, want_l, "mono L", pan);
        check_level(&r, want_r, "mono R", pan);
    }
    let expect_stereo = [
        (-100.0f32, 0.0f32, f32::NEG_INFINITY),
        (0.0, 0.0, 0.0),
        (100.0, f32::NEG_INFINITY, 0.0),
    ];
    for (pan, want_l, want_r) in expect_stereo {
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![sine(1_000.0, 0.5, N), sine(1_000.0, 0.5, N)])
            .unwrap();
        set(&mut e, 1, ParamId::Pan, pan);
        e.apply(Command::Play).unwrap();
        let (l, r) = render(&mut e, N, 128);
        check_level(&l, want_l, "stereo L", pan);
        check_level(&r, want_r, "stereo R", pan);
    }
}

fn check_level(x: &[f32], want_db: f32, what: &str, pan: f32) {
    let got = db(amplitude_at(x, 1_000.0) / 0.5);
    if want_db == f32::NEG_INFINITY {
        assert!(got < -120.0, "{what} at pan {pan}: {got} dB, want silence");
    } else {
        assert!(
            (got - want_db).abs() < 1e-3,
            "{what} at pan {pan}: {got} dB, want {want_db}"
        );
    }
}

/// Every mute/solo combination of three tracks: a track is heard iff it is not muted and either
/// nothing is soloed or it is soloed.
#[test]
fn every_mute_solo_combination_of_three_tracks() {
    let freqs = [500.0f32, 1_000.0, 2_000.0];
    for combo in 0u32..64 {
        let mute = |t: usize| combo & (1 << t) != 0;
        let solo = |t: usize| combo & (1 << (t + 3)) != 0;
        let mut e = Engine::new(RATE);
        for (t, f) in freqs.iter().enumerate() {
            e.add_track(t as u32, vec![sine(*f, 0.25, N)]).unwrap();
            set(&mut e, t as u32, ParamId::Mute, mute(t) as u8 as f32);
            set(&mut e, t as u32, ParamId::Solo, solo(t) as u8 as f32);
        }
        e.apply(Command::Play).unwrap();
        let (l, _) = render(&mut e, N, 128);
        let any_solo = (0..3).any(solo);
        for (t, f) in freqs.iter().enumerate() {
            let heard = !mute(t) && (!any_solo || solo(t));
            let level = db(amplitude_at(&l, *f) / 0.25);
            if heard {
                assert!(
                    (level + 3.0103).abs() < 1e-3,
                    "combo {combo:06b} track {t}: {level}"
                );
            } else {
                assert!(
                    level < -120.0,
                    "combo {combo:06b} track {t} should be silent: {level}"
                );
            }
        }
    }
}

#[test]
fn seek_is_sample_accurate() {
    for target in [0u64, 1, 127, 128, 129, 1_000, 4_799] {
        let mut e = Engine::new(RATE);
        let x = ramp(N, 1e-4);
        e.add_track(1, vec![x.clone(), x.clone()]).unwrap();
        e.apply(Command::Seek {
            frame: target,
            serial: 0,
        })
        .unwrap();
        e.apply(Command::Play).unwrap();
        let (l, _) = render(&mut e, 64, 128);
        for (i, v) in l.iter().enumerate() {
            let want = x.get(target as usize + i).copied().unwrap_or(0.0);
            assert_eq!(*v, want, "seek {target}, frame {i}");
        }
        assert_eq!(e.position(), (target + 64).min(N as u64));
    }
    // Seeking while playing takes effect at the next sample rendered.
    let mut e = Engine::new(RATE);
    let x = ramp(N, 1e-4);
    e.add_track(1, vec![x.clone()]).unwrap();
    e.apply(Command::Play).unwrap();
    render(&mut e, 128, 128);
    e.apply(Command::Seek {
        frame: 3_001,
        serial: 0,
    })
    .unwrap();
    let (l, _) = render(&mut e, 1, 1);
    assert_eq!(l[0], x[3_001] * std::f32::consts::FRAC_1_SQRT_2);
}

#[test]
fn loop_region_wraps_mid_block_and_song_end_stops() {
    let mut e = Engine::new(RATE);
    let x = ramp(1_000, 1e-3);
    e.add_track(1, vec![x.clone(), x.clone()]).unwrap();
    e.apply(Command::SetLoop {
        start: 100,
        end: 150,
    })
    .unwrap();
    e.apply(Command::Seek {
        frame: 100,
        serial: 0,
    })
    .unwrap();
    e.apply(Command::Play).unwrap();
    let (l, _) = render(&mut e, 500, 128);
    for (i, v) in l.iter().enumerate() {
        assert_eq!(*v, x[100 + i % 50], "frame {i}");
    }
    // Without a loop, playback runs to the end of the longest stem and stops there.
    e.apply(Command::SetLoop { start: 0, end: 0 }).unwrap();
    e.apply(Command::Seek {
        frame: 900,
        serial: 0,
    })
    .unwrap();
    let (l, _) = render(&mut e, 256, 128);
    assert_eq!(&l[..100], &x[900..]);
    assert!(l[100..].iter().all(|v| *v == 0.0));
    assert!(!e.is_playing());
    assert_eq!(e.position(), 1_000);
    // Play at the end starts again from the top.
    e.apply(Command::Play).unwrap();
    assert_eq!(e.position(), 0);
}

#[test]
fn shorter_stems_end_in_silence_and_master_fader_applies() {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![vec![0.5; 100]]).unwrap();
    e.add_track(2, vec![vec![0.25; 300], vec![0.25; 300]])
        .unwrap();
    e.apply(Command::SetMasterParam {
        param: ParamId::MasterGain,
        value: -6.0,
    })
    .unwrap();
    e.apply(Command::Play).unwrap();
    let (l, r) = render(&mut e, 300, 128);
    let g = 10f32.powf(-6.0 / 20.0);
    let m = 0.5 * std::f32::consts::FRAC_1_SQRT_2;
    assert!((l[50] - (m + 0.25) * g).abs() < 1e-6);
    assert!((r[250] - 0.25 * g).abs() < 1e-6);
    assert_eq!(e.song_frames(), 300);
}

/// Smoothing: while playing, a fader move ramps over 20 ms with no step above |Δ|/ramp, and ends
/// exactly on the target.
#[test]
fn fader_moves_are_smoothed_with_bounded_steps() {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![vec![0.5; 48_000], vec![0.5; 48_000]])
        .unwrap();
    e.apply(Command::Play).unwrap();
    render(&mut e, 256, 128);
    set(&mut e, 1, ParamId::Gain, -20.0);
    // A change is heard after the master chain's latency (controls act where the graph renders).
    let c = e.control_latency_frames();
    let (l, _) = render(&mut e, 2_000 + c, 128);
    assert!(
        l[..c].iter().all(|v| *v == 0.5),
        "unchanged until the latency has passed"
    );
    let l = &l[c..];
    let ramp = (0.020 * RATE) as usize;
    let delta = 0.5 - 0.5 * 0.1;
    let bound = delta / ramp as f32 + 1e-6;
    let mut prev = 0.5f32;
    for (i, v) in l.iter().enumerate() {
        assert!((v - prev).abs() <= bound, "step {i}: {}", (v - prev).abs());
        prev = *v;
    }
    assert!((l[ramp - 1] - 0.05).abs() < 1e-6);
    assert!(l[ramp..].iter().all(|v| (*v - 0.05).abs() < 1e-7));
    // Mute ramps too (5 ms), to exact silence.
    set(&mut e, 1, ParamId::Mute, 1.0);
    let (l, _) = render(&mut e, 1_000 + c, 128);
    let l = &l[c..];
    let mute_ramp = (0.005 * RATE) as usize;
    assert!(l[0] > 0.0 && l[0] < 0.05);
    assert!(l[mute_ramp..].iter().all(|v| *v == 0.0));
}

#[test]
fn pause_fades_out_then_holds_position() {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![vec![0.5; 48_000], vec![0.5; 48_000]])
        .unwrap();
    e.apply(Command::Play).unwrap();
    render(&mut e, 1_024, 128);
    e.apply(Command::Pause).unwrap();
    let c = e.control_latency_frames();
    let (l, _) = render(&mut e, 1_024 + c, 128);
    let l = &l[c..];
    let fade = (0.005 * RATE) as usize;
    assert!(l[0] > 0.49 && l[fade / 2] < 0.3 && l[fade] == 0.0);
    assert!(!e.is_playing());
    let held = e.position();
    assert!(held >= 1_024 + fade as u64 && held < 1_024 + fade as u64 + 128);
    render(&mut e, 512, 128);
    assert_eq!(e.position(), held);
    e.apply(Command::Stop).unwrap();
    assert_eq!(e.position(), 0);
}

#[test]
fn stop_fading_when_the_song_ends_still_returns_to_the_start() {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![vec![0.5; 2_000]]).unwrap();
    e.apply(Command::Play).unwrap();
    render(&mut e, 1_900, 128);
    // The song ends 100 frames in, before the 5 ms fade does.
    e.apply(Command::Stop).unwrap();
    render(&mut e, 1_024, 128);
    assert!(!e.is_playing());
    assert_eq!(e.position(), 0);
}

/// fundsp's rule: the block size must not change the output. Renders a session with ramps, a loop
/// wrap, a solo gate ramp and a pause fade in blocks of 128 and in other sizes, bit for bit:
/// powers of two, and sizes that split differently from the engine's 128-frame blocks (1, 7, 100,
/// 129, 1000).
#[test]
fn block_size_does_not_change_the_output() {
    block_size_does_not_change(false, &EVENTS);
}

/// The same with every strip module, both sends into both FX buses, the whole master chain and
/// the monitor stage on: the processors with block paths (compressor, oversampled saturation,
/// limiter, FX buses that sleep) too. Without the pan ramp and the pause: the next test adds them.
#[test]
fn block_size_does_not_change_the_output_with_every_module_on() {
    block_size_does_not_change(true, &[0, 1_024, 4_096, 8_192]);
}

/// The whole script with the sends on: a pan ramp ending inside a block (the sends and the right
/// channel multiply `x·(g·p)` whether ramping or steady) and a pause (the de-click fade covers the
/// sends too, and the transport stops on the fade's last frame, not at the end of its block).
#[test]
fn block_size_does_not_change_the_output_with_every_module_on_through_pan_and_pause() {
    block_size_does_not_change(true, &EVENTS);
}

/// Frames of the script's events: loop and play, track 1's gain, track 2's pan, track 1's solo,
/// the master fader, pause.
const EVENTS: [usize; 6] = [0, 1_024, 2_048, 4_096, 8_192, 12_288];

/// Renders the script (only its `events`) in blocks of 128 and of other sizes, with every module
/// on when `everything`, and requires the same output bit for bit and the same final playhead.
fn block_size_does_not_change(everything: bool, events: &[usize]) {
    let script = |e: &mut Engine, at: usize| match at {
        _ if !events.contains(&at) => {}
        0 => {
            e.apply(Command::SetLoop {
                start: 3_000,
                end: 7_777,
            })
            .unwrap();
            e.apply(Command::Play).unwrap();
        }
        1_024 => set(e, 1, ParamId::Gain, -9.0),
        2_048 => set(e, 2, ParamId::Pan, 60.0),
        4_096 => set(e, 1, ParamId::Solo, 1.0),
        8_192 => e
            .apply(Command::SetMasterParam {
                param: ParamId::MasterGain,
                value: 4.0,
            })
            .unwrap(),
        12_288 => e.apply(Command::Pause).unwrap(),
        _ => {}
    };
    let make = || {
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![noise(9_000, 0.4, 7), noise(9_000, 0.4, 8)])
            .unwrap();
        e.add_track(2, vec![sine(440.0, 0.5, 6_000)]).unwrap();
        if everything {
            everything_on(&mut e, 1..3);
        }
        e
    };
    let total = 16_384;
    let run = |block: usize| {
        // A block is cut short at the next event, so every event lands on the same frame
        // whatever the size (events fall on multiples of 1024: powers of two are never cut).
        let mut e = make();
        let mut l = vec![0.0; total];
        let mut r = vec![0.0; total];
        let mut at = 0;
        while at < total {
            let next = EVENTS.into_iter().find(|&t| t > at).unwrap_or(total);
            let n = block.min(next - at);
            script(&mut e, at);
            e.process(&mut l[at..at + n], &mut r[at..at + n]);
            at += n;
        }
        // The playhead too: a pause holds on the fade's last frame, not at the end of a block.
        (l, r, e.position())
    };
    let reference = run(128);
    for block in [1, 2, 7, 16, 32, 64, 100, 129, 256, 1_000, 1_024] {
        assert!(
            run(block) == reference,
            "block size {block} differs from 128"
        );
    }
}

#[test]
fn reset_makes_a_render_repeatable() {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![noise(5_000, 0.4, 9)]).unwrap();
    set(&mut e, 1, ParamId::Gain, -3.0);
    e.apply(Command::Play).unwrap();
    let first = render(&mut e, 5_000, 128);
    e.reset();
    e.apply(Command::Play).unwrap();
    let second = render(&mut e, 5_000, 128);
    assert!(first == second);
}

#[test]
fn nan_inf_and_subnormal_input_never_reach_the_output() {
    let mut e = Engine::new(RATE);
    let mut x = vec![0.25f32; 512];
    x[3] = f32::NAN;
    x[4] = f32::INFINITY;
    x[5] = f32::NEG_INFINITY;
    x[6] = 1e-40;
    e.add_track(1, vec![x.clone(), x]).unwrap();
    set(&mut e, 1, ParamId::Gain, 12.0);
    e.apply(Command::Play).unwrap();
    let (l, r) = render(&mut e, 512, 128);
    assert!(
        l.iter()
            .chain(&r)
            .all(|v| v.is_finite() && !v.is_subnormal())
    );
    assert_eq!(l[3], 0.0);
    assert_eq!(l[6], 0.0);
}

#[test]
fn meters_report_post_fader_levels_and_clips() {
    let mut e = Engine::new(RATE);
    e.add_track(4, vec![sine(1_000.0, 0.5, N), sine(1_000.0, 0.5, N)])
        .unwrap();
    e.add_track(9, vec![sine(1_000.0, 0.9, N), sine(1_000.0, 0.9, N)])
        .unwrap();
    set(&mut e, 4, ParamId::Gain, -6.0);
    e.apply(Command::Play).unwrap();
    // Track meters measure where the graph renders, ahead of the output by the engine's latency:
    // stop short of the stem's end so the window holds only the sine.
    let frames = N - e.latency_frames() - 128;
    render(&mut e, frames, 128);
    let snap = dsp_worklet::MeterSnapshot::decode(e.meter_snapshot()).unwrap();
    assert_eq!(snap.position, frames as u64);
    assert!(snap.playing);
    let t4 = snap.track(4).unwrap();
    assert!((db(t4.peak) - db(0.5 * 10f32.powf(-0.3))).abs() < 0.01);
    assert!((db(t4.rms) - (db(t4.peak) - 3.0103)).abs() < 0.01);
    assert!(!t4.clip);
    assert!(snap.master_clip, "0.25 + 0.9 peaks above full scale");
    // A fresh snapshot starts the window anew.
    let again = dsp_worklet::MeterSnapshot::decode(e.meter_snapshot()).unwrap();
    assert_eq!(again.track(4).unwrap().peak, 0.0);
}

#[test]
fn removing_tracks_and_bad_loads_are_handled() {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![vec![0.1; 10]]).unwrap();
    assert_eq!(
        e.add_track(1, vec![vec![0.1; 10]]),
        Err(dsp_worklet::EngineError::DuplicateTrack)
    );
    assert_eq!(
        e.add_track(2, vec![]),
        Err(dsp_worklet::EngineError::UnsupportedChannelCount)
    );
    assert_eq!(
        e.add_track(2, vec![vec![]]),
        Err(dsp_worklet::EngineError::EmptyTrack)
    );
    assert_eq!(
        e.begin_track(3, 3, 10),
        Err(dsp_worklet::EngineError::UnsupportedChannelCount)
    );
    assert_eq!(
        e.commit_track(),
        Err(dsp_worklet::EngineError::NoPendingTrack)
    );
    e.begin_track(3, 2, 20).unwrap();
    e.pending_channel_mut(1).unwrap()[19] = 0.5;
    e.commit_track().unwrap();
    assert_eq!(e.song_frames(), 20);
    e.apply(Command::RemoveTrack { track: 3 }).unwrap();
    assert_eq!(e.song_frames(), 10);
    assert_eq!(
        e.apply(Command::RemoveTrack { track: 3 }),
        Err(dsp_worklet::EngineError::UnknownTrack)
    );
    assert_eq!(
        e.apply(Command::SetTrackParam {
            track: 42,
            param: ParamId::Gain,
            value: 0.0
        }),
        Err(dsp_worklet::EngineError::UnknownTrack)
    );
}

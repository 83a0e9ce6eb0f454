//! The modulation effects (chorus, phaser, flanger) as the strip runs them: the LFO's period
//! measured from the audio equals the rate set, mix 0 is transparent, the block size never
//! changes the output, and the LFO follows the song position across a seek.

mod common;
use common::*;
use dsp_worklet::dsp::strip::StripChain;
use dsp_worklet::{Command, Engine, ParamId, ParamValues};

/// A strip with these parameters set (display units).
fn strip(settings: &[(ParamId, f32)]) -> StripChain {
    let mut v = ParamValues::default();
    for (p, x) in settings {
        v.set(*p, *x);
    }
    StripChain::new(&v, RATE)
}

/// Runs `x` through the strip in blocks of `block` (mono: the left channel only).
fn run(chain: &mut StripChain, x: &[f32], block: usize, stereo: bool) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (x.to_vec(), x.to_vec());
    for (a, b) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        chain.process(a, b, stereo);
    }
    (l, r)
}

/// The delay (in seconds, up to a constant) a sine of `f0` Hz has been through at each of its
/// upward zero crossings: (time of the crossing, its lag behind the input's crossings),
/// unwrapped, so a lag that grows past one period of the tone keeps growing.
fn lags(y: &[f32], f0: f64) -> Vec<(f64, f64)> {
    let period = 1.0 / f0;
    let mut out: Vec<(f64, f64)> = Vec::new();
    for i in 1..y.len() {
        let (a, b) = (y[i - 1] as f64, y[i] as f64);
        if a < 0.0 && b >= 0.0 {
            let t = (i as f64 - 1.0 + a / (a - b)) / RATE as f64;
            // The input crosses upwards at whole periods: the lag modulo one period…
            let mut lag = t - (t * f0).floor() * period;
            // …moved by whole periods to continue the last one.
            if let Some(&(_, last)) = out.last() {
                lag += ((last - lag) / period).round() * period;
            }
            out.push((t, lag));
        }
    }
    out
}

/// The period of a slowly varying sequence, seconds: the mean spacing of its upward crossings
/// of its own mean (interpolated), from the first to the last.
fn period(seq: &[(f64, f64)]) -> f64 {
    let mean = seq.iter().map(|p| p.1).sum::<f64>() / seq.len() as f64;
    let mut ups = Vec::new();
    for w in seq.windows(2) {
        let (a, b) = (w[0].1 - mean, w[1].1 - mean);
        if a < 0.0 && b >= 0.0 {
            ups.push(w[0].0 + (w[1].0 - w[0].0) * (-a / (b - a)));
        }
    }
    assert!(ups.len() >= 3, "too few cycles: {}", ups.len());
    (ups[ups.len() - 1] - ups[0]) / (ups.len() - 1) as f64
}

/// Each module, fully wet, turns the steady delay of a 1 kHz tone into one that moves with
/// the LFO; the period of that movement, measured from the output's zero crossings, is the
/// rate's period within 1 %.
#[test]
fn the_lfo_period_measured_from_the_audio_is_the_rate_within_one_percent() {
    let f0 = 1_000.0;
    let x = sine(f0 as f32, 0.5, (RATE * 12.0) as usize);
    for rate in [0.4f32, 1.3, 4.0] {
        let cases: [(&str, Vec<(ParamId, f32)>); 3] = [
            (
                "chorus",
                vec![
                    (ParamId::ChorusOn, 1.0),
                    (ParamId::ChorusVoices, 1.0),
                    (ParamId::ChorusRate, rate),
                    (ParamId::ChorusMix, 100.0),
                ],
            ),
            (
                "phaser",
                vec![
                    (ParamId::PhaserOn, 1.0),
                    (ParamId::PhaserRate, rate),
                    (ParamId::PhaserFeedback, 0.0),
                    (ParamId::PhaserMix, 100.0),
                ],
            ),
            (
                "flanger",
                vec![
                    (ParamId::FlangerOn, 1.0),
                    (ParamId::FlangerRate, rate),
                    (ParamId::FlangerFeedback, 0.0),
                    (ParamId::FlangerMix, 100.0),
                ],
            ),
        ];
        for (name, settings) in cases {
            let (y, _) = run(&mut strip(&settings), &x, 128, false);
            // Skip the first 50 ms (the lines filling).
            let seq = lags(&y[2_400..], f0);
            let measured = period(&seq);
            let want = 1.0 / rate as f64;
            let err = (measured / want - 1.0).abs();
            assert!(
                err < 0.01,
                "{name} at {rate} Hz: period {measured:.4} s, want {want:.4} s ({:.3} %)",
                err * 100.0
            );
            // And the delay really moves: by more than 20 µs peak to peak.
            let (lo, hi) = seq.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
                (lo.min(p.1), hi.max(p.1))
            });
            assert!(
                hi - lo > 20e-6,
                "{name}: the delay moved {:.1} µs",
                (hi - lo) * 1e6
            );
        }
    }
}

/// At mix 0 a module that is on gives back its input bit for bit, stereo and mono, whatever
/// its other settings.
#[test]
fn at_mix_zero_each_module_is_transparent() {
    let x = noise(48_000, 0.5, 7);
    let (dry_l, dry_r) = run(&mut strip(&[]), &x, 128, true);
    for settings in [
        vec![
            (ParamId::ChorusOn, 1.0),
            (ParamId::ChorusVoices, 4.0),
            (ParamId::ChorusDepth, 100.0),
            (ParamId::ChorusMix, 0.0),
        ],
        vec![
            (ParamId::PhaserOn, 1.0),
            (ParamId::PhaserStages, 12.0),
            (ParamId::PhaserFeedback, 90.0),
            (ParamId::PhaserMix, 0.0),
        ],
        vec![
            (ParamId::FlangerOn, 1.0),
            (ParamId::FlangerFeedback, -95.0),
            (ParamId::FlangerMix, 0.0),
        ],
    ] {
        let (l, r) = run(&mut strip(&settings), &x, 128, true);
        assert!(l == dry_l && r == dry_r, "{settings:?}");
        let (l, _) = run(&mut strip(&settings), &x, 128, false);
        assert!(l == dry_l, "mono {settings:?}");
        // Not vacuous: the same settings at mix 50 change the sound.
        let mut wet = settings.clone();
        let mix = wet.last_mut().unwrap();
        mix.1 = 50.0;
        let (l, _) = run(&mut strip(&wet), &x, 128, true);
        let diff = l
            .iter()
            .zip(&dry_l)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff > 0.05, "{wet:?}: {diff}");
    }
}

/// Block sizes from 1 to 1024 give the same output, with every modulation setting moved while
/// the audio runs (voices and stages crossfading included).
#[test]
fn block_size_never_changes_the_output() {
    let x = noise(40_000, 0.4, 3);
    let all_on = [
        (ParamId::ChorusOn, 1.0),
        (ParamId::PhaserOn, 1.0),
        (ParamId::FlangerOn, 1.0),
        (ParamId::FlangerFeedback, 80.0),
    ];
    let moves: [(usize, ParamId, f32); 8] = [
        (5_000, ParamId::ChorusVoices, 4.0),
        (9_000, ParamId::PhaserStages, 10.0),
        (12_000, ParamId::ChorusRate, 3.0),
        (15_000, ParamId::FlangerDepth, 20.0),
        (20_000, ParamId::PhaserFeedback, -60.0),
        (25_000, ParamId::ChorusVoices, 1.0),
        (30_000, ParamId::PhaserStages, 2.0),
        (33_000, ParamId::FlangerOn, 0.0),
    ];
    let render = |block: usize| {
        let mut c = strip(&all_on);
        c.sync(0);
        let (mut l, mut r) = (x.clone(), x.clone());
        let mut at = 0;
        while at < x.len() {
            // Changes land on the block boundary at or after their frame, so cut blocks there.
            let next_move = moves
                .iter()
                .map(|m| m.0)
                .find(|&f| f > at)
                .unwrap_or(usize::MAX);
            let n = block.min(x.len() - at).min(next_move - at);
            for m in moves.iter().filter(|m| m.0 == at) {
                c.set(m.1, m.2, false);
            }
            c.process(&mut l[at..at + n], &mut r[at..at + n], true);
            at += n;
        }
        (l, r)
    };
    let reference = render(128);
    for block in [1, 7, 64, 333, 1024] {
        assert!(render(block) == reference, "block {block}");
    }
    assert!(
        reference
            .0
            .iter()
            .chain(&reference.1)
            .all(|v| v.is_finite())
    );
}

/// A stereo stem comes out wider (the right channel's LFO leads); a mono stem stays one
/// channel.
#[test]
fn stereo_stems_are_spread_and_mono_stems_stay_mono() {
    let x = noise(48_000, 0.4, 11);
    let mut c = strip(&[(ParamId::ChorusOn, 1.0), (ParamId::ChorusMix, 100.0)]);
    let (l, r) = run(&mut c, &x, 128, true);
    let corr = |a: &[f32], b: &[f32]| {
        let ab: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| (*x as f64) * (*y as f64))
            .sum();
        let aa: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum();
        let bb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum();
        ab / (aa * bb).sqrt()
    };
    let c_lr = corr(&l[4_800..], &r[4_800..]);
    assert!(c_lr < 0.9, "left and right correlate at {c_lr:.3}");
}

/// After a seek the LFOs are where they would be had the song played from the top: playback
/// from 3 s equals the render from 0 from 3 s on, once the lines have refilled and the
/// flanger's feedback has let go of what came before the seek (150 ms).
#[test]
fn after_a_seek_the_modulation_follows_the_song_position() {
    let frames = (RATE * 5.0) as usize;
    let stem = noise(frames, 0.3, 5);
    let make = || {
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![stem.clone(), stem.clone()]).unwrap();
        for (p, v) in [
            (ParamId::ChorusOn, 1.0),
            (ParamId::ChorusRate, 0.7),
            (ParamId::PhaserOn, 1.0),
            (ParamId::PhaserRate, 1.9),
            (ParamId::FlangerOn, 1.0),
            (ParamId::FlangerRate, 0.3),
        ] {
            set(&mut e, 1, p, v);
        }
        e
    };
    let mut from_top = make();
    from_top.apply(Command::Play).unwrap();
    let (l0, r0) = render(&mut from_top, frames, 128);
    let at = (RATE * 3.0) as usize;
    let mut seeked = make();
    // Played somewhere else first, so the LFOs have run on.
    seeked.apply(Command::Play).unwrap();
    render(&mut seeked, 30_000, 128);
    seeked
        .apply(Command::Seek {
            frame: at as u64,
            serial: 1,
        })
        .unwrap();
    let (l1, r1) = render(&mut seeked, frames - at, 128);
    let settle = (RATE * 0.15) as usize;
    let worst = l1[settle..]
        .iter()
        .zip(&l0[at + settle..])
        .chain(r1[settle..].iter().zip(&r0[at + settle..]))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "differs by {worst}");
}

/// An engine with one stereo stem and every modulation effect on.
fn modulated(stem: &[f32]) -> Engine {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![stem.to_vec(), stem.to_vec()]).unwrap();
    for (p, v) in [
        (ParamId::ChorusOn, 1.0),
        (ParamId::PhaserOn, 1.0),
        (ParamId::FlangerOn, 1.0),
    ] {
        set(&mut e, 1, p, v);
    }
    e
}

/// A muted stretch skips the strip; on unmuting, the LFOs are where the song is (as after a
/// seek there), not where they stopped.
#[test]
fn after_a_muted_stretch_the_modulation_follows_the_song_position() {
    let frames = (RATE * 4.0) as usize;
    let stem = noise(frames, 0.3, 8);
    let mut played = modulated(&stem);
    played.apply(Command::Play).unwrap();
    let mut out = render(&mut played, 48_000, 128).0;
    set(&mut played, 1, ParamId::Mute, 1.0);
    out.extend(render(&mut played, 48_000, 128).0);
    set(&mut played, 1, ParamId::Mute, 0.0);
    out.extend(render(&mut played, frames - 96_000, 128).0);
    let at = 96_000;
    let mut seeked = modulated(&stem);
    seeked
        .apply(Command::Seek {
            frame: at as u64,
            serial: 1,
        })
        .unwrap();
    seeked.apply(Command::Play).unwrap();
    let tail = render(&mut seeked, frames - at, 128).0;
    let settle = (RATE * 0.15) as usize;
    let worst = tail[settle..]
        .iter()
        .zip(&out[at + settle..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "differs by {worst}");
}

/// A seek from loud audio into silence: nothing of the old position reaches the modulation
/// effects' lines (the saturation's latency held some when they were cleared).
#[test]
fn a_seek_into_silence_is_silent() {
    let mut stem = noise(96_000, 0.8, 6);
    stem.extend(std::iter::repeat_n(0.0, 96_000));
    let mut e = modulated(&stem);
    e.apply(Command::Play).unwrap();
    render(&mut e, 48_000, 128);
    e.apply(Command::Seek {
        frame: 120_000,
        serial: 1,
    })
    .unwrap();
    let (l, r) = render(&mut e, 24_000, 128);
    // The de-click of the seek may still carry the old position's last frames out of the
    // master: look after the first 10 ms.
    let peak = l[480..]
        .iter()
        .chain(&r[480..])
        .fold(0.0f32, |m, x| m.max(x.abs()));
    assert_eq!(peak, 0.0, "old audio after the seek");
}

/// A module switched on while paused starts as after a seek to the pause: empty lines, the LFO
/// at the song's phase (not with what it held when last on, nor its old phase).
#[test]
fn a_module_switched_on_while_paused_starts_at_the_song_position() {
    let frames = (RATE * 3.0) as usize;
    let stem = noise(frames, 0.3, 12);
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![stem.clone(), stem.clone()]).unwrap();
    set(&mut e, 1, ParamId::ChorusOn, 1.0);
    set(&mut e, 1, ParamId::ChorusRate, 3.3);
    e.apply(Command::Play).unwrap();
    render(&mut e, 24_000, 128);
    set(&mut e, 1, ParamId::ChorusOn, 0.0);
    render(&mut e, 30_000, 128);
    e.apply(Command::Pause).unwrap();
    render(&mut e, 4_800, 128); // the pause's fade, then stopped
    let at = e.position();
    set(&mut e, 1, ParamId::ChorusOn, 1.0);
    e.apply(Command::Play).unwrap();
    let (resumed, _) = render(&mut e, 48_000, 128);
    let mut fresh = Engine::new(RATE);
    fresh.add_track(1, vec![stem.clone(), stem]).unwrap();
    set(&mut fresh, 1, ParamId::ChorusOn, 1.0);
    set(&mut fresh, 1, ParamId::ChorusRate, 3.3);
    fresh
        .apply(Command::Seek {
            frame: at,
            serial: 1,
        })
        .unwrap();
    fresh.apply(Command::Play).unwrap();
    let (seeked, _) = render(&mut fresh, 48_000, 128);
    // After the lines have filled and the resume's de-click (the first 30 ms).
    let worst = resumed[1_440..]
        .iter()
        .zip(&seeked[1_440..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "differs by {worst}");
}

//! The master chain through the whole engine (latency compensated): measured levels against the
//! designs, and the limiter's ceiling against the BS.1770 true-peak meter.

mod common;
use common::*;
use dsp_worklet::dsp::master::tilt_response_db;
use dsp_worklet::loudness::LoudnessMeter;
use dsp_worklet::{Command, Engine, ParamId};

fn master(e: &mut Engine, p: ParamId, v: f32) {
    e.apply(Command::SetMasterParam { param: p, value: v })
        .unwrap();
}

fn stereo_engine(l: Vec<f32>, r: Vec<f32>, settings: &[(ParamId, f32)]) -> Engine {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![l, r]).unwrap();
    for (p, v) in settings {
        master(&mut e, *p, *v);
    }
    e.apply(Command::Play).unwrap();
    e
}

/// With compression off (ratio 1:1) the three LR4 bands sum flat: ±0.1 dB at 31 log-spaced
/// frequencies from 20 Hz to 20 kHz.
#[test]
fn multiband_with_ratio_one_sums_flat() {
    for k in 0..31 {
        let f = 20.0f32 * 1000f32.powf(k as f32 / 30.0);
        let x = sine(f, 0.25, 48_000);
        let mut e = stereo_engine(
            x.clone(),
            x,
            &[
                (ParamId::MbOn, 1.0),
                (ParamId::Mb1Ratio, 1.0),
                (ParamId::Mb2Ratio, 1.0),
                (ParamId::Mb3Ratio, 1.0),
            ],
        );
        let (l, _) = render(&mut e, 48_000, 128);
        let got = db(amplitude_at(&l[24_000..], f) / 0.25);
        assert!(got.abs() < 0.1, "{f} Hz: {got:.3} dB");
    }
}

#[test]
fn width_zero_is_mono_and_mono_below_removes_low_side() {
    let n = 48_000;
    let (a, b) = (noise(n, 0.3, 1), noise(n, 0.3, 2));
    let mut e = stereo_engine(a, b, &[(ParamId::WidthOn, 1.0), (ParamId::Width, 0.0)]);
    let (l, r) = render(&mut e, n, 128);
    assert!(
        l.iter().zip(&r).all(|(x, y)| (x - y).abs() < 1e-6),
        "width 0 % is mono"
    );

    // Pure side signal: 60 Hz and 2 kHz, opposite polarity in L and R.
    let side: Vec<f32> = sine(60.0, 0.25, n)
        .iter()
        .zip(sine(2_000.0, 0.25, n))
        .map(|(p, q)| p + q)
        .collect();
    let neg: Vec<f32> = side.iter().map(|v| -v).collect();
    let mut e = stereo_engine(
        side,
        neg,
        &[
            (ParamId::WidthOn, 1.0),
            (ParamId::MonoBelowOn, 1.0),
            (ParamId::MonoBelow, 150.0),
        ],
    );
    let (l, _) = render(&mut e, n, 128);
    let low = db(amplitude_at(&l[24_000..], 60.0) / 0.25);
    let high = db(amplitude_at(&l[24_000..], 2_000.0) / 0.25);
    assert!(
        low < -30.0,
        "side at 60 Hz removed below 150 Hz: {low:.1} dB"
    );
    assert!(high.abs() < 0.1, "side at 2 kHz kept: {high:.3} dB");
}

/// "Mono below 120 Hz": a side signal an octave and more under the corner (60, 40, 20 Hz) is at
/// least 30 dB down (the LR8 split gives 48 dB at one octave); the mid signal passes at its
/// level (the allpass), and side above the corner keeps its level.
#[test]
fn mono_below_120_hz_takes_the_low_side_30_db_down() {
    let n = 96_000;
    for (f, want_side_kept) in [
        (20.0f32, false),
        (40.0, false),
        (60.0, false),
        (1_000.0, true),
    ] {
        let x = sine(f, 0.25, n);
        let neg: Vec<f32> = x.iter().map(|v| -v).collect();
        let settings = [
            (ParamId::WidthOn, 1.0),
            (ParamId::MonoBelowOn, 1.0),
            (ParamId::MonoBelow, 120.0),
        ];
        let (side, _) = render(&mut stereo_engine(x.clone(), neg, &settings), n, 128);
        let (mid, _) = render(&mut stereo_engine(x.clone(), x, &settings), n, 128);
        let side_db = db(amplitude_at(&side[48_000..], f) / 0.25);
        let mid_db = db(amplitude_at(&mid[48_000..], f) / 0.25);
        assert!(mid_db.abs() < 0.1, "{f} Hz mid: {mid_db:.3} dB");
        if want_side_kept {
            assert!(side_db.abs() < 0.1, "{f} Hz side kept: {side_db:.3} dB");
        } else {
            assert!(side_db < -30.0, "{f} Hz side: {side_db:.1} dB");
        }
    }
}

/// Width at 100 % (mono-below off) nulls against the dry mix: the stage changes nothing.
#[test]
fn width_100_nulls_against_the_input() {
    let n = 48_000;
    let (a, b) = (noise(n, 0.3, 5), noise(n, 0.3, 6));
    let (l0, r0) = render(&mut stereo_engine(a.clone(), b.clone(), &[]), n, 128);
    let settings = [(ParamId::WidthOn, 1.0), (ParamId::Width, 100.0)];
    let (l, r) = render(&mut stereo_engine(a, b, &settings), n, 128);
    let worst = l
        .iter()
        .zip(&l0)
        .chain(r.iter().zip(&r0))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "residual {worst:e} (below −120 dBFS)");
}

/// A hot mix (12 dB of input gain into the limiter) never passes the ceiling in true peak.
#[test]
fn limiter_in_the_engine_holds_the_true_peak_ceiling() {
    let n = 96_000;
    let mut e = stereo_engine(
        noise(n, 0.7, 3),
        noise(n, 0.7, 4),
        &[
            (ParamId::LimOn, 1.0),
            (ParamId::LimInput, 12.0),
            (ParamId::LimCeiling, -1.0),
        ],
    );
    let (l, r) = render(&mut e, n, 128);
    let mut m = LoudnessMeter::new(2, RATE as u32).unwrap();
    for (a, b) in l.chunks(128).zip(r.chunks(128)) {
        m.add(&[a, b]);
    }
    let tp = m.readings().true_peak;
    assert!(
        tp <= -1.0 + 0.1,
        "true peak {tp:.3} dBTP over a −1 dBTP ceiling"
    );
    assert!(
        tp > -3.0,
        "and it is really limiting, not just quiet: {tp:.2}"
    );
}

/// Bypassing the whole chain gives the dry mix bit for bit, whatever is switched on inside.
#[test]
fn bypassed_chain_is_the_dry_mix() {
    let n = 20_000;
    let (a, b) = (noise(n, 0.5, 5), noise(n, 0.5, 6));
    let mut e = stereo_engine(
        a.clone(),
        b.clone(),
        &[
            (ParamId::MeqOn, 1.0),
            (ParamId::MeqTilt, 4.0),
            (ParamId::MbOn, 1.0),
            (ParamId::LimOn, 1.0),
            (ParamId::LimInput, 10.0),
            (ParamId::MasterBypass, 1.0),
        ],
    );
    let (l, r) = render(&mut e, n, 128);
    assert!(l == a && r == b);
}

/// Tilt measured on sines matches its designed response within 0.1 dB.
#[test]
fn tilt_matches_its_design() {
    for f in [50.0f32, 300.0, 1_000.0, 4_000.0, 15_000.0] {
        let x = sine(f, 0.1, 48_000);
        let mut e = stereo_engine(
            x.clone(),
            x,
            &[(ParamId::MeqOn, 1.0), (ParamId::MeqTilt, 5.0)],
        );
        let (l, _) = render(&mut e, 48_000, 128);
        let got = db(amplitude_at(&l[24_000..], f) / 0.1) as f64;
        let want = tilt_response_db(5.0, f as f64, RATE as f64);
        assert!((got - want).abs() < 0.1, "{f} Hz: {got:.3} vs {want:.3}");
    }
}

/// Loudness-matched A/B, mono and platform preview change what is heard, never what is metered.
#[test]
fn monitoring_matches_loudness_and_leaves_the_meters_alone() {
    let n = 48_000 * 8;
    let x = sine(1_000.0, 0.1, n); // −20 dBFS stereo: −20 LUFS
    let mut e = stereo_engine(x.clone(), x, &[(ParamId::OutGain, 6.0)]); // master at −14 LUFS
    // Level over the last 0.5 s of a render (after any 50 ms monitor ramp).
    let level = |e: &mut Engine, frames: usize| {
        let (l, _) = render(e, frames, 128);
        db(amplitude_at(&l[frames - 24_000..], 1_000.0) / 0.1)
    };
    assert!(
        (level(&mut e, 48_000) - 6.0).abs() < 0.05,
        "the master is 6 dB up"
    );
    // B: the master, turned down to the mix's loudness once the meters have it.
    master(&mut e, ParamId::AbToggle, 2.0);
    e.meter_snapshot();
    let b = level(&mut e, 48_000);
    assert!(b.abs() < 0.1, "B (master) matched to the mix: {b:.3} dB");
    let snap = dsp_worklet::MeterSnapshot::decode(e.meter_snapshot()).unwrap();
    assert!(
        (snap.loudness.integrated - -14.0).abs() < 0.1,
        "meters still read the master: {}",
        snap.loudness.integrated
    );
    assert!((snap.ab_gain_db + 6.0).abs() < 0.1);
    // A: the unmastered mix, already the quieter one, at its own level.
    master(&mut e, ParamId::AbToggle, 1.0);
    e.meter_snapshot();
    let a = level(&mut e, 48_000);
    assert!(a.abs() < 0.1, "A (mix): {a:.3} dB");
    master(&mut e, ParamId::AbToggle, 0.0);
    // Spotify preview of a −14 LUFS master: unchanged; with +6 more (−8 LUFS): 6 dB down.
    master(&mut e, ParamId::OutGain, 12.0);
    master(&mut e, ParamId::PlatformPreview, 1.0);
    e.apply(Command::ResetLoudness).unwrap();
    render(&mut e, 48_000, 128);
    e.meter_snapshot();
    let heard = level(&mut e, 48_000);
    assert!(
        (heard - 6.0).abs() < 0.15,
        "Spotify plays the −8 LUFS master at −14: {heard:.3} dB"
    );
}

#[test]
fn mono_monitoring_and_correlation() {
    let n = 48_000;
    let (a, b) = (noise(n, 0.3, 8), noise(n, 0.3, 9));
    let mut e = stereo_engine(a.clone(), a.clone(), &[]);
    render(&mut e, n / 2, 128);
    let snap = dsp_worklet::MeterSnapshot::decode(e.meter_snapshot()).unwrap();
    assert!(
        (snap.correlation - 1.0).abs() < 1e-4,
        "identical channels: {}",
        snap.correlation
    );
    let mut e = stereo_engine(a.clone(), a.iter().map(|v| -v).collect(), &[]);
    render(&mut e, n / 2, 128);
    let snap = dsp_worklet::MeterSnapshot::decode(e.meter_snapshot()).unwrap();
    assert!(
        (snap.correlation + 1.0).abs() < 1e-4,
        "opposite polarity: {}",
        snap.correlation
    );
    let mut e = stereo_engine(a, b, &[(ParamId::Mono, 1.0)]);
    let (l, r) = render(&mut e, n, 128);
    assert!(l == r, "mono sums both channels to both speakers");
}

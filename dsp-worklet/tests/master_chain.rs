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

/// With compression off (ratio 1:1) the three LR4 bands sum flat: ±0.1 dB at every frequency.
#[test]
fn multiband_with_ratio_one_sums_flat() {
    for f in [40.0f32, 150.0, 700.0, 3_000.0, 9_000.0] {
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
        low < -20.0,
        "side at 60 Hz removed below 150 Hz: {low:.1} dB"
    );
    assert!(high.abs() < 0.1, "side at 2 kHz kept: {high:.3} dB");
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

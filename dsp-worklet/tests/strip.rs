//! Channel-strip modules against independent references: the RBJ Audio EQ Cookbook's biquad
//! formulas (computed here, not by the engine), sines measured through the whole engine, and the
//! compressor's and gate's defining equations.

mod common;
use common::*;
use dsp_worklet::dsp::compressor::gain_computer_db;
use dsp_worklet::dsp::strip::strip_response_db;
use dsp_worklet::{Command, Engine, ParamId, ParamValues};
use std::f64::consts::PI;

const FS: f64 = RATE as f64;

/// RBJ cookbook biquad (b0, b1, b2, a0, a1, a2) — the referee.
fn rbj(kind: &str, f0: f64, q: f64, gain_db: f64) -> [f64; 6] {
    let a = 10f64.powf(gain_db / 40.0);
    let w0 = 2.0 * PI * f0 / FS;
    let (c, s) = (w0.cos(), w0.sin());
    let alpha = s / (2.0 * q);
    match kind {
        "lowpass" => [
            (1.0 - c) / 2.0,
            1.0 - c,
            (1.0 - c) / 2.0,
            1.0 + alpha,
            -2.0 * c,
            1.0 - alpha,
        ],
        "highpass" => [
            (1.0 + c) / 2.0,
            -(1.0 + c),
            (1.0 + c) / 2.0,
            1.0 + alpha,
            -2.0 * c,
            1.0 - alpha,
        ],
        "peaking" => [
            1.0 + alpha * a,
            -2.0 * c,
            1.0 - alpha * a,
            1.0 + alpha / a,
            -2.0 * c,
            1.0 - alpha / a,
        ],
        "lowshelf" => {
            let k = 2.0 * a.sqrt() * alpha;
            [
                a * ((a + 1.0) - (a - 1.0) * c + k),
                2.0 * a * ((a - 1.0) - (a + 1.0) * c),
                a * ((a + 1.0) - (a - 1.0) * c - k),
                (a + 1.0) + (a - 1.0) * c + k,
                -2.0 * ((a - 1.0) + (a + 1.0) * c),
                (a + 1.0) + (a - 1.0) * c - k,
            ]
        }
        "highshelf" => {
            let k = 2.0 * a.sqrt() * alpha;
            [
                a * ((a + 1.0) + (a - 1.0) * c + k),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * c),
                a * ((a + 1.0) + (a - 1.0) * c - k),
                (a + 1.0) - (a - 1.0) * c + k,
                2.0 * ((a - 1.0) - (a + 1.0) * c),
                (a + 1.0) - (a - 1.0) * c - k,
            ]
        }
        _ => unreachable!(),
    }
}

fn biquad_db(b: &[f64; 6], f: f64) -> f64 {
    let w = 2.0 * PI * f / FS;
    let (c1, s1, c2, s2) = (w.cos(), w.sin(), (2.0 * w).cos(), (2.0 * w).sin());
    let nr = b[0] + b[1] * c1 + b[2] * c2;
    let ni = -(b[1] * s1 + b[2] * s2);
    let dr = b[3] + b[4] * c1 + b[5] * c2;
    let di = -(b[4] * s1 + b[5] * s2);
    10.0 * ((nr * nr + ni * ni) / (dr * dr + di * di)).log10()
}

/// 31 log-spaced frequencies, 20 Hz … 20 kHz.
fn freqs() -> Vec<f64> {
    (0..31)
        .map(|i| 20.0 * 1000f64.powf(i as f64 / 30.0))
        .collect()
}

/// Parameter settings for one case.
type Settings = Vec<(ParamId, f32)>;

/// A strip setting and the referee biquads (cascaded) that should equal it.
fn cases() -> Vec<(Settings, Vec<[f64; 6]>)> {
    let q2 = std::f64::consts::FRAC_1_SQRT_2;
    let (b4a, b4b) = (0.541_196_100_146_197, 1.306_562_964_876_376_5);
    vec![
        (
            vec![
                (ParamId::EqOn, 1.0),
                (ParamId::Eq2Freq, 500.0),
                (ParamId::Eq2Gain, 9.0),
                (ParamId::Eq2Q, 1.4),
            ],
            vec![rbj("peaking", 500.0, 1.4, 9.0)],
        ),
        (
            vec![
                (ParamId::EqOn, 1.0),
                (ParamId::Eq3Freq, 3_000.0),
                (ParamId::Eq3Gain, -15.0),
                (ParamId::Eq3Q, 6.0),
            ],
            vec![rbj("peaking", 3_000.0, 6.0, -15.0)],
        ),
        (
            vec![
                (ParamId::EqOn, 1.0),
                (ParamId::Eq1Freq, 150.0),
                (ParamId::Eq1Gain, 6.0),
                (ParamId::Eq1Q, q2 as f32),
            ],
            vec![rbj("lowshelf", 150.0, q2, 6.0)],
        ),
        (
            vec![
                (ParamId::EqOn, 1.0),
                (ParamId::Eq4Freq, 7_000.0),
                (ParamId::Eq4Gain, -8.0),
                (ParamId::Eq4Q, 0.5),
            ],
            vec![rbj("highshelf", 7_000.0, 0.5, -8.0)],
        ),
        (
            vec![
                (ParamId::HpOn, 1.0),
                (ParamId::HpFreq, 100.0),
                (ParamId::HpSlope, 12.0),
            ],
            vec![rbj("highpass", 100.0, q2, 0.0)],
        ),
        (
            vec![
                (ParamId::HpOn, 1.0),
                (ParamId::HpFreq, 250.0),
                (ParamId::HpSlope, 24.0),
            ],
            vec![
                rbj("highpass", 250.0, b4a, 0.0),
                rbj("highpass", 250.0, b4b, 0.0),
            ],
        ),
        (
            vec![
                (ParamId::LpOn, 1.0),
                (ParamId::LpFreq, 5_000.0),
                (ParamId::LpSlope, 24.0),
            ],
            vec![
                rbj("lowpass", 5_000.0, b4a, 0.0),
                rbj("lowpass", 5_000.0, b4b, 0.0),
            ],
        ),
        (
            vec![
                (ParamId::LpOn, 1.0),
                (ParamId::LpFreq, 12_000.0),
                (ParamId::LpSlope, 12.0),
            ],
            vec![rbj("lowpass", 12_000.0, q2, 0.0)],
        ),
    ]
}

/// The designed response equals the cookbook's within 0.01 dB at 31 frequencies (above −100 dB,
/// where both are numerically meaningful).
#[test]
fn eq_and_filter_designs_match_the_rbj_cookbook() {
    for (settings, referee) in cases() {
        let mut v = ParamValues::default();
        for (p, x) in &settings {
            v.set(*p, *x);
        }
        for f in freqs() {
            let want: f64 = referee.iter().map(|b| biquad_db(b, f)).sum();
            let got = strip_response_db(&v, f, FS);
            if want > -100.0 {
                assert!(
                    (got - want).abs() < 0.01,
                    "{settings:?} at {f:.1} Hz: {got:.4} vs {want:.4}"
                );
            }
        }
    }
}

/// Sines through the whole engine (stem → strip → fader → master) land on the designed response
/// within 0.1 dB.
#[test]
fn sines_through_the_engine_match_the_designed_response() {
    for (settings, _) in cases() {
        let mut v = ParamValues::default();
        for (p, x) in &settings {
            v.set(*p, *x);
        }
        for f in [40.0f32, 120.0, 400.0, 1_000.0, 3_000.0, 7_000.0, 15_000.0] {
            let want = strip_response_db(&v, f as f64, FS);
            if want < -60.0 {
                continue;
            }
            let n = 24_000;
            let mut e = Engine::new(RATE);
            e.add_track(1, vec![sine(f, 0.25, n), sine(f, 0.25, n)])
                .unwrap();
            for (p, x) in &settings {
                set(&mut e, 1, *p, *x);
            }
            e.apply(Command::Play).unwrap();
            let (l, _) = render(&mut e, n, 128);
            // Skip the first 0.25 s of transient; measure a whole number of cycles.
            let from = 12_000;
            let cycles = ((n - from) as f32 * f / RATE).floor();
            let len = (cycles * RATE / f).round() as usize;
            let got = db(amplitude_at(&l[from..from + len], f) / 0.25) as f64;
            // amplitude_at assumes phase 0 at index 0 of the slice: fine for magnitude.
            assert!(
                (got - want).abs() < 0.1,
                "{settings:?} at {f} Hz: measured {got:.3}, designed {want:.3}"
            );
        }
    }
}

fn compress(input: Vec<f32>, settings: &[(ParamId, f32)]) -> Vec<f32> {
    let n = input.len();
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![input.clone(), input]).unwrap();
    set(&mut e, 1, ParamId::CompOn, 1.0);
    for (p, v) in settings {
        set(&mut e, 1, *p, *v);
    }
    e.apply(Command::Play).unwrap();
    render(&mut e, n, 128).0
}

/// Static curve: sines from −60 to 0 dBFS come out where the soft-knee gain computer puts them
/// (within 0.2 dB), with fast attack and slow release so the detector sits on the peaks.
#[test]
fn compressor_static_curve_follows_the_soft_knee_gain_computer() {
    let (t, r, w) = (-30.0f32, 4.0f32, 12.0f32);
    for level in (-60..=0).step_by(5) {
        let amp = 10f32.powf(level as f32 / 20.0);
        let n = 48_000;
        let out = compress(
            sine(1_000.0, amp, n),
            &[
                (ParamId::CompThreshold, t),
                (ParamId::CompRatio, r),
                (ParamId::CompKnee, w),
                (ParamId::CompAttack, 0.1),
                (ParamId::CompRelease, 2_000.0),
            ],
        );
        let got = db(amplitude_at(&out[24_000..], 1_000.0));
        let want = gain_computer_db(level as f32, t, r, w);
        assert!(
            (got - want).abs() < 0.2,
            "input {level} dBFS: out {got:.3}, curve {want:.3}"
        );
    }
}

/// Attack and release: the gain reduction moves 63 % of the way in the set time (±10 %).
#[test]
fn compressor_attack_and_release_times_are_as_set() {
    for (attack_ms, release_ms) in [(5.0f32, 50.0f32), (20.0, 300.0), (1.0, 1_000.0)] {
        // A constant level: −40 dBFS, then 0 dBFS, then −40 dBFS again (DC: the detector sees a
        // steady level, so the gain reduction is a clean one-pole step).
        let seg = (RATE * (release_ms * 8.0 / 1000.0).max(0.5)) as usize;
        let mut x = vec![0.01f32; seg];
        x.extend(vec![1.0f32; seg]);
        x.extend(vec![0.01f32; seg]);
        let out = compress(
            x.clone(),
            &[
                (ParamId::CompThreshold, -50.0),
                (ParamId::CompRatio, 4.0),
                (ParamId::CompKnee, 0.0),
                (ParamId::CompAttack, attack_ms),
                (ParamId::CompRelease, release_ms),
            ],
        );
        let gr: Vec<f32> = out.iter().zip(&x).map(|(y, x)| db(*x) - db(*y)).collect();
        // Reductions: at −40 dBFS 7.5 dB; at 0 dBFS 37.5 dB.
        let (low, high) = (7.5f32, 37.5f32);
        let rise = (0..seg)
            .find(|i| gr[seg + i] >= low + 0.632 * (high - low))
            .unwrap();
        let fall = (0..seg)
            .find(|i| gr[2 * seg + i] <= high - 0.632 * (high - low))
            .unwrap();
        let (rise_ms, fall_ms) = (rise as f32 / RATE * 1000.0, fall as f32 / RATE * 1000.0);
        assert!(
            (rise_ms / attack_ms - 1.0).abs() < 0.1,
            "attack {attack_ms} ms measured {rise_ms:.2}"
        );
        assert!(
            (fall_ms / release_ms - 1.0).abs() < 0.1,
            "release {release_ms} ms measured {fall_ms:.2}"
        );
    }
}

/// Below the threshold the gate takes the signal down by its range (±0.5 dB); above, it passes.
#[test]
fn gate_drops_quiet_signal_by_its_range() {
    for range in [10.0f32, 30.0, 60.0] {
        let n = 48_000;
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![sine(440.0, 0.001, n)]).unwrap(); // −60 dBFS
        e.add_track(2, vec![sine(1_000.0, 0.5, n)]).unwrap(); // −6 dBFS, gated too, stays open
        for t in [1, 2] {
            set(&mut e, t, ParamId::GateOn, 1.0);
            set(&mut e, t, ParamId::GateThreshold, -40.0);
            set(&mut e, t, ParamId::GateRange, range);
            set(&mut e, t, ParamId::GateRelease, 20.0);
        }
        e.apply(Command::Play).unwrap();
        let (l, _) = render(&mut e, n, 128);
        let quiet =
            db(amplitude_at(&l[24_000..], 440.0) / (0.001 * std::f32::consts::FRAC_1_SQRT_2));
        let loud =
            db(amplitude_at(&l[24_000..], 1_000.0) / (0.5 * std::f32::consts::FRAC_1_SQRT_2));
        assert!(
            (quiet + range).abs() < 0.5,
            "range {range}: quiet track at {quiet:.2} dB"
        );
        assert!(
            loud.abs() < 0.05,
            "open gate passes the loud track: {loud:.3} dB"
        );
    }
}

/// Every module bypassed gives back the input bit for bit (a bypassed module does nothing).
#[test]
fn bypassed_modules_are_transparent() {
    let x = noise(10_000, 0.5, 11);
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![x.clone(), x.clone()]).unwrap();
    // Move every setting, leave every module off.
    for (p, v) in [
        (ParamId::HpFreq, 300.0),
        (ParamId::Eq2Gain, 12.0),
        (ParamId::CompThreshold, -50.0),
        (ParamId::GateThreshold, 0.0),
    ] {
        set(&mut e, 1, p, v);
    }
    e.apply(Command::Play).unwrap();
    let (l, r) = render(&mut e, 10_000, 128);
    assert!(l == x && r == x);
}

/// Polarity invert flips the sign; trim scales by its dB.
#[test]
fn trim_and_polarity() {
    let x = noise(4_000, 0.25, 5);
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![x.clone(), x.clone()]).unwrap();
    set(&mut e, 1, ParamId::Polarity, 1.0);
    set(&mut e, 1, ParamId::Trim, -6.0);
    e.apply(Command::Play).unwrap();
    let (l, _) = render(&mut e, 4_000, 128);
    let g = 10f32.powf(-6.0 / 20.0);
    for (y, x) in l.iter().zip(&x) {
        assert!((y + x * g).abs() < 1e-6);
    }
}

fn saturate(input: Vec<f32>, drive_db: f32, mix: f32) -> Vec<f32> {
    let n = input.len();
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![input.clone(), input]).unwrap();
    set(&mut e, 1, ParamId::SatOn, 1.0);
    set(&mut e, 1, ParamId::SatDrive, drive_db);
    set(&mut e, 1, ParamId::SatMix, mix);
    e.apply(Command::Play).unwrap();
    render(&mut e, n, 128).0
}

/// A 5 kHz sine driven hard at 48 kHz: its odd harmonics above Nyquist (25, 35, 45 kHz …) would
/// fold back to 23, 13, 3 kHz …; oversampling keeps every such alias 40 dB under the fundamental.
#[test]
fn hard_driven_saturation_does_not_alias_audibly() {
    let n = 96_000;
    let out = saturate(sine(5_000.0, 0.9, n), 24.0, 100.0);
    let window = &out[48_000..];
    let fundamental = db(amplitude_at(window, 5_000.0));
    let third = db(amplitude_at(window, 15_000.0));
    assert!(
        fundamental - third < 20.0,
        "it really is driven hard: 3rd harmonic {third:.1} dB vs {fundamental:.1}"
    );
    let mut worst = (f32::NEG_INFINITY, 0.0);
    // Folded odd harmonics of 5 kHz land on odd kHz that are not multiples of 5.
    for k in (1..24).step_by(2).filter(|k| k % 5 != 0) {
        let f = k as f32 * 1_000.0;
        let level = db(amplitude_at(window, f)) - fundamental;
        if level > worst.0 {
            worst = (level, f);
        }
    }
    assert!(
        worst.0 < -40.0,
        "alias at {} Hz only {:.1} dB under the fundamental",
        worst.1,
        -worst.0
    );
}

/// At 0 dB drive a quiet signal passes unchanged in level (±0.1 dB up to 16 kHz) and in time
/// (phase within 0.5° of the dry path: the strip's latency is compensated).
#[test]
fn gentle_saturation_is_transparent_and_aligned() {
    for f in [100.0f32, 1_000.0, 8_000.0, 16_000.0] {
        let n = 48_000;
        let x = sine(f, 0.01, n);
        let out = saturate(x.clone(), 0.0, 100.0);
        let gain = db(amplitude_at(&out[24_000..], f) / amplitude_at(&x[24_000..], f));
        assert!(gain.abs() < 0.1, "{f} Hz: {gain:.3} dB");
        let phase = |s: &[f32]| {
            let (mut a, mut b) = (0.0f64, 0.0f64);
            for (i, v) in s.iter().enumerate() {
                let ph = 2.0 * PI * f as f64 * (i + 24_000) as f64 / FS;
                a += *v as f64 * ph.cos();
                b += *v as f64 * ph.sin();
            }
            a.atan2(b)
        };
        let diff = (phase(&out[24_000..]) - phase(&x[24_000..])).to_degrees();
        assert!(diff.abs() < 0.5, "{f} Hz: phase {diff:.3}°");
    }
}

/// The mix control blends against the latency-aligned dry signal: at 0 % the output is the input,
/// sample for sample.
#[test]
fn saturation_mix_at_zero_is_the_dry_signal() {
    let x = noise(20_000, 0.8, 21);
    let out = saturate(x.clone(), 24.0, 0.0);
    assert!(out.iter().zip(&x).all(|(y, x)| (y - x).abs() < 1e-6));
}

//! Sample-rate conversion: nulled against SoX's very-high-quality converter and against the
//! analytic signal, with exact length and alignment.

use std::path::Path;

use crate::common::*;

const F_LEFT: f64 = 997.0;
const F_RIGHT: f64 = 3001.0;
const SECS: usize = 5;

/// Residual of `got` against `want` over the middle (0.25 s trimmed at each end), in dB
/// relative to `want`.
fn null_db(got: &[f32], want: &[f64], rate: u32) -> f64 {
    let edge = rate as usize / 4;
    let end = got.len().min(want.len()) - edge;
    let residual: Vec<f64> = (edge..end).map(|i| f64::from(got[i]) - want[i]).collect();
    relative_db(&residual, &want[edge..end])
}

fn check(from: u32, to: u32) {
    let dir = test_dir(&format!("resample_{from}_{to}"));
    let input = dir.join("in.wav");
    let n = SECS * from as usize;
    let left = sine(F_LEFT, from, n, 0.5);
    let right = sine(F_RIGHT, from, n, 0.25);
    let as_f32 = |x: &[f64]| x.iter().map(|&v| v as f32).collect::<Vec<f32>>();
    write_wav_f32(&input, from, &[as_f32(&left), as_f32(&right)]);

    let d = decode_ok(&input, Some(to));
    let expect_len = ((n as u128 * to as u128 + from as u128 / 2) / from as u128) as usize;
    assert_eq!(
        d.planes[0].len(),
        expect_len,
        "length for {n} frames {from} -> {to}"
    );

    // Analytic: the same sines sampled at the new rate, from time 0.
    let m = d.planes[0].len();
    let analytic_db = [
        null_db(&d.planes[0], &sine(F_LEFT, to, m, 0.5), to),
        null_db(&d.planes[1], &sine(F_RIGHT, to, m, 0.25), to),
    ];

    // SoX, very high quality.
    let sox_out = dir.join("sox.wav");
    sox_rate(&input, &sox_out, to);
    let (sox_rate_got, sox) = read_wav(&sox_out);
    assert_eq!(sox_rate_got, to);
    let sox_db = [
        null_db(
            &d.planes[0],
            &sox[0].iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
            to,
        ),
        null_db(
            &d.planes[1],
            &sox[1].iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
            to,
        ),
    ];
    eprintln!(
        "{from} -> {to}: length {m} (sox {}), null vs analytic L {:.1} dB R {:.1} dB, vs sox L {:.1} dB R {:.1} dB",
        sox[0].len(),
        analytic_db[0],
        analytic_db[1],
        sox_db[0],
        sox_db[1]
    );
    for db in analytic_db.iter().chain(&sox_db) {
        assert!(
            *db < -80.0,
            "residual {db:.1} dB is not below -80 dB ({from} -> {to})"
        );
    }
}

fn sox_rate(input: &Path, output: &Path, to: u32) {
    run(
        "sox",
        &[
            input.to_str().unwrap(),
            "-e",
            "floating-point",
            "-b",
            "32",
            output.to_str().unwrap(),
            "rate",
            "-v",
            &to.to_string(),
        ],
    );
}

#[test]
fn resample_44k1_to_48k() {
    check(44_100, 48_000);
}

#[test]
fn resample_48k_to_44k1() {
    check(48_000, 44_100);
}

#[test]
fn resample_96k_to_48k() {
    check(96_000, 48_000);
}

#[test]
fn same_rate_is_passed_through_untouched() {
    let dir = test_dir("resample_same");
    let input = dir.join("in.wav");
    let x: Vec<f32> = sine(F_LEFT, 48_000, 48_000, 0.5)
        .iter()
        .map(|&v| v as f32)
        .collect();
    write_wav_f32(&input, 48_000, std::slice::from_ref(&x));
    let d = decode_ok(&input, Some(48_000));
    assert_eq!(d.planes[0], x);
}

#[test]
fn an_impulse_stays_at_its_time() {
    // A click at exactly 0.5 s must come out centred at 0.5 s at the new rate.
    let dir = test_dir("resample_impulse");
    let input = dir.join("in.wav");
    let mut x = vec![0.0f32; 44_100];
    x[22_050] = 1.0;
    write_wav_f32(&input, 44_100, &[x]);
    let d = decode_ok(&input, Some(48_000));
    let y = &d.planes[0];
    let peak = (0..y.len())
        .max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs()))
        .unwrap();
    assert_eq!(peak, 24_000);
    // Symmetric (linear phase) around the peak.
    for k in 1..50 {
        assert!(
            (y[peak - k] - y[peak + k]).abs() < 1e-4,
            "asymmetric at ±{k}"
        );
    }
}

//! EBU Tech 3341 (cases 1–6, 9–23) and Tech 3342 (cases 1–4), synthesised here from their
//! definitions (no downloads) and measured through `LoudnessMeter`, the engine's metering path.
//! Tolerances are the standard's: ±0.1 LU, true peak +0.2/−0.4 dB, LRA ±1 LU.

use dsp_worklet::loudness::LoudnessMeter;
use std::f64::consts::PI;

const FS: u32 = 48_000;

/// Stereo 1 kHz sine segments, in phase, at `db` dBFS peak per channel for `secs` seconds.
fn segments(parts: &[(f64, f64)]) -> Vec<f32> {
    let mut x = Vec::new();
    let mut i = 0u64;
    for &(db, secs) in parts {
        let a = 10f64.powf(db / 20.0);
        for _ in 0..(secs * FS as f64).round() as u64 {
            x.push((a * (2.0 * PI * 1000.0 * i as f64 / FS as f64).sin()) as f32);
            i += 1;
        }
    }
    x
}

fn meter_stereo(x: &[f32]) -> LoudnessMeter {
    let mut m = LoudnessMeter::new(2, FS).unwrap();
    for chunk in x.chunks(128) {
        m.add(&[chunk, chunk]);
    }
    m
}

fn near(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: {got:.3}, want {want} ± {tol}"
    );
}

#[test]
fn tech3341_cases_1_to_5_integrated_and_steady_readings() {
    let c1 = meter_stereo(&segments(&[(-23.0, 20.0)])).readings();
    near(c1.integrated, -23.0, 0.1, "case 1 I");
    near(c1.momentary, -23.0, 0.1, "case 1 M");
    near(c1.short_term, -23.0, 0.1, "case 1 S");
    let c2 = meter_stereo(&segments(&[(-33.0, 20.0)])).readings();
    near(c2.integrated, -33.0, 0.1, "case 2 I");
    near(c2.momentary, -33.0, 0.1, "case 2 M");
    near(c2.short_term, -33.0, 0.1, "case 2 S");
    let c3 = meter_stereo(&segments(&[(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)])).readings();
    near(c3.integrated, -23.0, 0.1, "case 3 I");
    let c4 = meter_stereo(&segments(&[
        (-72.0, 10.0),
        (-36.0, 10.0),
        (-23.0, 60.0),
        (-36.0, 10.0),
        (-72.0, 10.0),
    ]))
    .readings();
    near(c4.integrated, -23.0, 0.1, "case 4 I");
    let c5 = meter_stereo(&segments(&[(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)])).readings();
    near(c5.integrated, -23.0, 0.1, "case 5 I");
}

#[test]
fn tech3341_case_6_five_channels() {
    let mut m = LoudnessMeter::new(5, FS).unwrap();
    let levels = [-28.0, -28.0, -24.0, -30.0, -30.0];
    let chans: Vec<Vec<f32>> = levels.iter().map(|db| segments(&[(*db, 20.0)])).collect();
    let n = chans[0].len();
    let mut at = 0;
    while at < n {
        let end = (at + 128).min(n);
        let planar: Vec<&[f32]> = chans.iter().map(|c| &c[at..end]).collect();
        m.add(&planar);
        at = end;
    }
    near(m.readings().integrated, -23.0, 0.1, "case 6 I");
}

/// Case 9: short-term constant after 3 s; case 12: momentary constant after 1 s.
#[test]
fn tech3341_cases_9_and_12_alternating_levels() {
    for (case, parts, reps, settle, short) in [
        (9, [(-20.0, 1.34), (-30.0, 1.66)], 5, 3.0, true),
        (12, [(-20.0, 0.18), (-30.0, 0.22)], 25, 1.0, false),
    ] {
        let mut all = Vec::new();
        for _ in 0..reps {
            all.extend_from_slice(&parts);
        }
        let x = segments(&all);
        let mut m = LoudnessMeter::new(2, FS).unwrap();
        let settle = (settle * FS as f64) as usize;
        for (k, chunk) in x.chunks(480).enumerate() {
            m.add(&[chunk, chunk]);
            if (k + 1) * 480 >= settle + 480 {
                let r = m.readings();
                let v = if short { r.short_term } else { r.momentary };
                near(
                    v,
                    -23.0,
                    0.1,
                    &format!("case {case} at {} ms", (k + 1) * 10),
                );
            }
        }
    }
}

/// Cases 10 and 13: a burst at every offset; the max short-term / momentary is −23.
#[test]
fn tech3341_cases_10_and_13_burst_offsets() {
    for (case, step, burst, short) in [(10, 0.15, 3.0, true), (13, 0.02, 0.4, false)] {
        for i in 0..20 {
            let x = segments(&[(-200.0, i as f64 * step), (-23.0, burst), (-200.0, 1.0)]);
            let mut m = LoudnessMeter::new(2, FS).unwrap();
            let mut max = f64::NEG_INFINITY;
            for chunk in x.chunks(48) {
                m.add(&[chunk, chunk]);
                let r = m.readings();
                max = max.max(if short { r.short_term } else { r.momentary });
            }
            near(max, -23.0, 0.1, &format!("case {case}, offset {i}"));
        }
    }
}

/// Sine at `fs/div` with `amp` peak and phase `deg`, 10 ms fades, 1 s.
fn tp_sine(div: f64, amp: f64, deg: f64) -> Vec<f32> {
    let n = FS as usize;
    let fade = (0.01 * FS as f64) as usize;
    (0..n)
        .map(|i| {
            let env = (i.min(n - 1 - i) as f64 / fade as f64).min(1.0);
            (env * amp * (2.0 * PI * i as f64 / div + deg.to_radians()).sin()) as f32
        })
        .collect()
}

fn tp_of(x: &[f32]) -> f64 {
    meter_stereo(x).readings().true_peak
}

#[test]
fn tech3341_cases_15_to_19_true_peak_of_sines() {
    for (case, div, amp, deg, want) in [
        (15, 4.0, 0.5, 0.0, -6.0),
        (16, 4.0, 0.5, 45.0, -6.0),
        (17, 6.0, 0.5, 60.0, -6.0),
        (18, 8.0, 0.5, 67.5, -6.0),
        (19, 4.0, 1.41, 45.0, 3.0),
    ] {
        let tp = tp_of(&tp_sine(div, amp, deg));
        assert!(
            tp <= want + 0.2 && tp >= want - 0.4,
            "case {case}: {tp:.3} dBTP, want {want} +0.2/−0.4"
        );
    }
}

/// Cases 20–23: an fs/6 sine at 0.5 with one period of fs/4 at 1.0 spliced in at a zero crossing,
/// made at 4·fs, low-passed at 0.45·fs, decimated by 4 with offsets 0…3. True peak 0 dBTP.
#[test]
fn tech3341_cases_20_to_23_inter_sample_peaks() {
    let hi = 4 * FS as usize; // 1 s at 4·fs
    let mut x4 = vec![0.0f64; hi];
    // fs/6 at the base rate = period of 24 samples at 4·fs; fs/4 = period of 16.
    let splice_at = hi / 2 / 24 * 24;
    for (i, v) in x4.iter_mut().enumerate() {
        *v = if i >= splice_at && i < splice_at + 16 {
            (2.0 * PI * (i - splice_at) as f64 / 16.0).sin()
        } else {
            0.5 * (2.0 * PI * i as f64 / 24.0).sin()
        };
    }
    // Windowed-sinc low-pass at 0.45·fs (0.1125 of the 4·fs rate), 255 taps, Blackman window.
    let taps = 255usize;
    let fc = 0.45 / 4.0;
    let h: Vec<f64> = (0..taps)
        .map(|k| {
            let m = k as f64 - (taps - 1) as f64 / 2.0;
            let sinc = if m == 0.0 {
                2.0 * fc
            } else {
                (2.0 * PI * fc * m).sin() / (PI * m)
            };
            let w = 0.42 - 0.5 * (2.0 * PI * k as f64 / (taps - 1) as f64).cos()
                + 0.08 * (4.0 * PI * k as f64 / (taps - 1) as f64).cos();
            sinc * w
        })
        .collect();
    let sum: f64 = h.iter().sum();
    let y4: Vec<f64> = (0..hi)
        .map(|i| {
            (0..taps)
                .filter_map(|k| {
                    (i + taps / 2)
                        .checked_sub(k)
                        .filter(|j| *j < hi)
                        .map(|j| h[k] * x4[j])
                })
                .sum::<f64>()
                / sum
        })
        .collect();
    for (case, offset) in (20..=23).zip(0..4) {
        let x: Vec<f32> = y4
            .iter()
            .skip(offset)
            .step_by(4)
            .map(|v| *v as f32)
            .collect();
        let tp = tp_of(&x);
        assert!(
            (-0.4..=0.2).contains(&tp),
            "case {case}: {tp:.3} dBTP, want 0 +0.2/−0.4"
        );
    }
}

#[test]
fn tech3342_loudness_range_cases_1_to_4() {
    for (case, parts, want) in [
        (1, vec![(-20.0, 20.0), (-30.0, 20.0)], 10.0),
        (2, vec![(-20.0, 20.0), (-15.0, 20.0)], 5.0),
        (3, vec![(-40.0, 20.0), (-20.0, 20.0)], 20.0),
        (
            4,
            vec![
                (-50.0, 20.0),
                (-35.0, 20.0),
                (-20.0, 20.0),
                (-35.0, 20.0),
                (-50.0, 20.0),
            ],
            15.0,
        ),
    ] {
        let lra = meter_stereo(&segments(&parts)).readings().range;
        near(lra, want, 1.0, &format!("Tech 3342 case {case} LRA"));
    }
}

/// Short-term loudness is kept from 10 ms pieces (see `loudness.rs`): at every piece boundary it
/// equals the `ebur128` crate's own 3 s window reading (the referee) to 1e-9 LU, for a signal
/// whose level changes every 70 ms, added in blocks of 128 frames, and at 44.1 kHz too.
#[test]
fn short_term_equals_the_crates_own_window_at_every_10_ms() {
    use ebur128::{EbuR128, Mode};
    for rate in [48_000u32, 44_100] {
        let piece = rate as usize / 100;
        let mut ours = LoudnessMeter::new(2, rate).unwrap();
        let mut referee = EbuR128::new(2, rate, Mode::S).unwrap();
        let n = rate as usize * 7;
        let level = |i: usize| 0.02 + 0.3 * ((i / (rate as usize / 14 + 1)) % 7) as f64 / 7.0;
        let l: Vec<f32> = (0..n)
            .map(|i| (level(i) * (2.0 * PI * 997.0 * i as f64 / rate as f64).sin()) as f32)
            .collect();
        let r: Vec<f32> = (0..n)
            .map(|i| (0.5 * level(i) * (2.0 * PI * 310.0 * i as f64 / rate as f64).sin()) as f32)
            .collect();
        let mut checked = 0;
        let mut at = 0;
        while at < n {
            // Up to the next piece boundary, in blocks of at most 128 frames.
            let end = ((at / piece + 1) * piece).min(n);
            let mut from = at;
            while from < end {
                let to = (from + 128).min(end);
                ours.add(&[&l[from..to], &r[from..to]]);
                referee
                    .add_frames_planar_f32(&[&l[from..to], &r[from..to]])
                    .unwrap();
                from = to;
            }
            at = end;
            if at % piece == 0 {
                let want = referee.loudness_shortterm().unwrap();
                let got = ours.readings().short_term;
                assert!(
                    (got - want).abs() < 1e-9 || (want == f64::NEG_INFINITY && got == want),
                    "{rate} Hz, frame {at}: {got} LUFS, the crate says {want}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, n / piece);
    }
}

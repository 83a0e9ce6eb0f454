//! WAV files written with `hound` decode to exactly the written samples.

use crate::common::*;
use second_ear::formats::stem_decode::CHUNK_FRAMES;

/// Integer test signal: full-scale extremes, zero, ±1 LSB, then pseudo-random values; long
/// enough to span several chunks.
fn int_signal(bits: u32, frames: usize, seed: u64) -> Vec<i32> {
    let max = (1i64 << (bits - 1)) - 1;
    let min = -(1i64 << (bits - 1));
    let mut rng = Rng(seed);
    let mut v: Vec<i32> = vec![min as i32, max as i32, 0, 1, -1];
    while v.len() < frames {
        let r = (rng.next_u64() % (1u64 << bits)) as i64 + min;
        v.push(r as i32);
    }
    v
}

fn check_int(bits: u16, channels: usize) {
    let dir = test_dir(&format!("wav_int{bits}_{channels}ch"));
    let path = dir.join("in.wav");
    let frames = 2 * CHUNK_FRAMES + 1234;
    let planes: Vec<Vec<i32>> = (0..channels)
        .map(|c| int_signal(bits.into(), frames, 7 + c as u64))
        .collect();
    write_wav_int(&path, 44_100, bits, &planes);

    let d = decode_ok(&path, None);
    assert_eq!(d.info.channels, channels);
    assert_eq!(d.info.source_rate, 44_100);
    assert_eq!(d.info.declared_frames, Some(frames as u64));
    assert!((d.info.duration_secs.unwrap() - frames as f64 / 44_100.0).abs() < 1e-12);
    assert_eq!(d.chunks, 3);
    let scale = (1u32 << (bits - 1)) as f32;
    for (c, (got, want)) in d.planes.iter().zip(&planes).enumerate() {
        assert_eq!(got.len(), frames);
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!(
                g == w as f32 / scale,
                "{bits}-bit ch{c} frame {i}: got {g}, wrote {w}"
            );
        }
    }
    // Full scale maps to exactly -1.0 and 1 - 2^-(bits-1).
    assert_eq!(d.planes[0][0], -1.0);
    assert_eq!(d.planes[0][1], 1.0 - 1.0 / scale);
}

#[test]
fn wav_16_bit_mono_is_exact() {
    check_int(16, 1);
}

#[test]
fn wav_16_bit_stereo_is_exact() {
    check_int(16, 2);
}

#[test]
fn wav_24_bit_mono_is_exact() {
    check_int(24, 1);
}

#[test]
fn wav_24_bit_stereo_is_exact() {
    check_int(24, 2);
}

fn check_float(channels: usize) {
    let dir = test_dir(&format!("wav_f32_{channels}ch"));
    let path = dir.join("in.wav");
    let frames = CHUNK_FRAMES + 99;
    let mut rng = Rng(99);
    let mut planes: Vec<Vec<f32>> = (0..channels)
        .map(|_| (0..frames).map(|_| rng.signed() as f32 * 1.5).collect())
        .collect();
    // Values a float file may hold: tiny, huge, over full scale, and non-finite ones.
    planes[0][10] = 1e-38;
    planes[0][11] = 4.0;
    planes[0][12] = f32::NAN;
    planes[0][13] = f32::INFINITY;
    planes[channels - 1][frames - 1] = f32::NEG_INFINITY;
    write_wav_f32(&path, 48_000, &planes);

    let d = decode_ok(&path, None);
    assert_eq!((d.info.channels, d.info.source_rate), (channels, 48_000));
    assert_eq!(d.info.non_finite_samples, 3);
    for (got, want) in d.planes.iter().zip(&planes) {
        assert_eq!(got.len(), frames);
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            let w = if w.is_finite() { w } else { 0.0 };
            assert!(
                g.to_bits() == w.to_bits() || (g == 0.0 && w == 0.0),
                "frame {i}: {g} vs {w}"
            );
        }
    }
}

#[test]
fn wav_float_mono_is_exact_and_non_finite_become_zero() {
    check_float(1);
}

#[test]
fn wav_float_stereo_is_exact_and_non_finite_become_zero() {
    check_float(2);
}

#[test]
fn non_finite_samples_do_not_reach_the_resampler() {
    let dir = test_dir("wav_nan_resampled");
    let path = dir.join("in.wav");
    let mut x: Vec<f32> = sine(440.0, 44_100, 44_100, 0.5)
        .into_iter()
        .map(|v| v as f32)
        .collect();
    x[1000] = f32::NAN;
    x[2000] = f32::INFINITY;
    write_wav_f32(&path, 44_100, &[x]);
    let d = decode_ok(&path, Some(48_000));
    assert_eq!(d.info.non_finite_samples, 2);
    assert_eq!(d.planes[0].len(), 48_000);
    assert!(d.planes[0].iter().all(|v| v.is_finite() && v.abs() < 0.6));
}

#[test]
fn decoder_can_move_to_a_worker_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<second_ear::formats::stem_decode::StemDecoder>();
    assert_send::<second_ear::formats::stem_decode::OverviewBuilder>();
}

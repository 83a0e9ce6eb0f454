//! FLAC, AIFF, MP3, Ogg Vorbis and M4A/AAC files made by `ffmpeg` from a known WAV.

use std::path::{Path, PathBuf};

use crate::common::*;

const RATE: u32 = 44_100;
const FRAMES: usize = 4 * RATE as usize;
/// Silence before and after the tone, in frames, to locate the tone's onset.
const GAP: usize = RATE as usize / 4;
const AMP_L: f64 = 0.5;
const AMP_R: f64 = 0.25;

/// A 4 s stereo 16-bit WAV: 1 kHz at −6 dBFS left and −12 dBFS right, with 0.25 s of silence
/// at both ends. Returns its path and the exact samples as the decoder should see them.
fn source(dir: &Path) -> (PathBuf, Vec<Vec<f32>>) {
    let tone = |amp| -> Vec<i32> {
        sine(1000.0, RATE, FRAMES, amp)
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                if (GAP..FRAMES - GAP).contains(&i) {
                    (v * 32768.0).round() as i32
                } else {
                    0
                }
            })
            .collect()
    };
    let planes = vec![tone(AMP_L), tone(AMP_R)];
    let path = dir.join("source.wav");
    write_wav_int(&path, RATE, 16, &planes);
    let expect = planes
        .iter()
        .map(|p| p.iter().map(|&s| s as f32 / 32768.0).collect())
        .collect();
    (path, expect)
}

fn assert_bit_exact(got: &[Vec<f32>], want: &[Vec<f32>]) {
    assert_eq!(got.len(), want.len());
    for (c, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "channel {c} length");
        if let Some(i) = (0..g.len()).find(|&i| g[i].to_bits() != w[i].to_bits()) {
            panic!(
                "channel {c} differs first at frame {i}: {} vs {}",
                g[i], w[i]
            );
        }
    }
}

#[test]
fn flac_is_bit_exact() {
    let dir = test_dir("flac");
    let (wav, expect) = source(&dir);
    let flac = dir.join("out.flac");
    ffmpeg(&wav, &["-c:a", "flac"], &flac);
    let d = decode_ok(&flac, None);
    assert_eq!((d.info.channels, d.info.source_rate), (2, RATE));
    assert_eq!(d.info.declared_frames, Some(FRAMES as u64));
    assert_bit_exact(&d.planes, &expect);
}

#[test]
fn flac_24_bit_is_bit_exact() {
    let dir = test_dir("flac24");
    let mut rng = Rng(24);
    let planes: Vec<Vec<i32>> = (0..2)
        .map(|_| {
            (0..30_000)
                .map(|_| (rng.signed() * 8_388_607.0) as i32)
                .collect()
        })
        .collect();
    let wav = dir.join("in24.wav");
    write_wav_int(&wav, 96_000, 24, &planes);
    let flac = dir.join("out.flac");
    ffmpeg(&wav, &["-c:a", "flac", "-sample_fmt", "s32"], &flac);
    let d = decode_ok(&flac, None);
    assert_eq!(d.info.source_rate, 96_000);
    let expect: Vec<Vec<f32>> = planes
        .iter()
        .map(|p| p.iter().map(|&s| s as f32 / 8_388_608.0).collect())
        .collect();
    assert_bit_exact(&d.planes, &expect);
}

#[test]
fn aiff_is_bit_exact() {
    let dir = test_dir("aiff");
    let (wav, expect) = source(&dir);
    let aiff = dir.join("out.aiff");
    ffmpeg(&wav, &["-c:a", "pcm_s16be"], &aiff);
    let d = decode_ok(&aiff, None);
    assert_eq!((d.info.channels, d.info.source_rate), (2, RATE));
    assert_bit_exact(&d.planes, &expect);
}

/// Where the tone starts: first frame whose magnitude exceeds a quarter of `amp`.
fn onset(x: &[f32], amp: f64) -> usize {
    x.iter()
        .position(|v| f64::from(v.abs()) > amp / 4.0)
        .expect("tone not found")
}

/// Level of the tone in dB relative to the source's, measured over its steady middle.
fn level_error_db(x: &[f32], amp: f64) -> f64 {
    let middle = &x[GAP + RATE as usize / 4..(FRAMES - GAP - RATE as usize / 4).min(x.len())];
    20.0 * (rms(middle) / (amp / 2f64.sqrt())).log10()
}

/// Decodes a lossy file and checks it against the source. `extra` is the range of frames the
/// decoded length may exceed the source by (encoder priming/padding that the container does
/// not let the decoder remove); `shift` the corresponding range of the tone's onset shift.
fn check_lossy(
    file: &Path,
    extra: std::ops::RangeInclusive<i64>,
    shift: std::ops::RangeInclusive<i64>,
) {
    let d = decode_ok(file, None);
    assert_eq!(d.info.channels, 2, "channels");
    assert_eq!(d.info.source_rate, RATE, "rate");
    let len = d.planes[0].len() as i64;
    let (on_l, on_r) = (
        onset(&d.planes[0], AMP_L) as i64,
        onset(&d.planes[1], AMP_R) as i64,
    );
    let (err_l, err_r) = (
        level_error_db(&d.planes[0], AMP_L),
        level_error_db(&d.planes[1], AMP_R),
    );
    eprintln!(
        "{}: {} ({}), length {len} (source {FRAMES}, {:+}), onset shift {:+}/{:+}, level error L {err_l:+.3} dB R {err_r:+.3} dB, declared {:?}",
        file.display(),
        d.info.format_name,
        d.info.codec_name,
        len - FRAMES as i64,
        on_l - GAP as i64,
        on_r - GAP as i64,
        d.info.declared_frames
    );
    assert!(
        extra.contains(&(len - FRAMES as i64)),
        "length {len} vs {FRAMES}: allowed extra {extra:?}"
    );
    assert!(
        shift.contains(&(on_l - GAP as i64)),
        "onset shift {} not in {shift:?}",
        on_l - GAP as i64
    );
    // Channel order is kept: left is the louder one.
    assert!(err_l.abs() < 0.5, "left level off by {err_l:.3} dB");
    assert!(err_r.abs() < 0.5, "right level off by {err_r:.3} dB");
}

#[test]
fn mp3_has_the_right_shape_and_level() {
    let dir = test_dir("mp3");
    let (wav, _) = source(&dir);
    let mp3 = dir.join("out.mp3");
    ffmpeg(&wav, &["-c:a", "libmp3lame", "-b:a", "192k"], &mp3);
    // LAME writes its encoder delay and padding in the Xing/LAME header, which the decoder
    // uses to trim them: the length is exact and the tone is in place.
    check_lossy(&mp3, 0..=0, -4..=4);
}

#[test]
fn ogg_vorbis_has_the_right_shape_and_level() {
    let dir = test_dir("ogg");
    let (wav, _) = source(&dir);
    let ogg = dir.join("out.ogg");
    ffmpeg(&wav, &["-c:a", "libvorbis", "-q:a", "5"], &ogg);
    // Ogg granule positions give the exact length.
    check_lossy(&ogg, 0..=0, -4..=4);
}

#[test]
fn m4a_aac_has_the_right_shape_and_level() {
    let dir = test_dir("m4a");
    let (wav, _) = source(&dir);
    let m4a = dir.join("out.m4a");
    ffmpeg(&wav, &["-c:a", "aac", "-b:a", "192k"], &m4a);
    // symphonia 0.6.1's MP4 reader ignores the edit list, so FFmpeg's 1024 frames of encoder
    // priming stay at the start (Apple's encoder uses 2112). The end padding is cut at the
    // track's declared duration.
    check_lossy(&m4a, 1024..=1024, 1020..=1028);
}

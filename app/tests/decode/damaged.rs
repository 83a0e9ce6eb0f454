//! Damaged headers: a small valid WAV with any of its header bytes changed (the sample rate,
//! channel count, bit depth, block alignment, chunk sizes…) is decoded, at its own rate and
//! converted to 48 kHz, without a panic: the decoder refuses it with a `DecodeError`, or gives
//! finite samples.

use std::io::Cursor;

use proptest::prelude::*;

use crate::common::*;
use second_ear::formats::stem_decode::{DecodeError, MAX_RATE, MIN_RATE, probe};

/// A 16-bit stereo 44.1 kHz WAV of 2000 frames, as bytes (written once; both tests share it,
/// so it is not rewritten in a directory the other test may be deleting).
fn small_wav() -> Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES
        .get_or_init(|| {
            let path = test_dir("damaged").join("small.wav");
            let planes: Vec<Vec<i32>> = (0..2)
                .map(|c| (0..2000).map(|i| ((i * 37 + c * 11) % 2000) * 8).collect())
                .collect();
            write_wav_int(&path, 44_100, 16, &planes);
            std::fs::read(&path).unwrap()
        })
        .clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn a_wav_with_damaged_header_bytes_is_refused_or_decoded_never_panics(
        edits in prop::collection::vec((0usize..64, any::<u8>()), 1..6),
        convert in any::<bool>(),
    ) {
        let mut bytes = small_wav();
        for (at, value) in edits {
            bytes[at] = value;
        }
        // The first 16 chunks at most: a damaged rate can ask for thousands of times more
        // frames than the file holds (bounded by the decoder's rate limits, but slow to collect
        // in a debug build).
        if let Ok(mut dec) = probe(Box::new(Cursor::new(bytes)), Some("wav")) {
            prop_assert!((1..=2).contains(&dec.info().channels));
            if !convert || dec.set_target_rate(48_000).is_ok() {
                for _ in 0..16 {
                    match dec.next_chunk() {
                        Ok(Some(chunk)) => prop_assert!(chunk.planes.iter().flatten().all(|x| x.is_finite())),
                        Ok(None) | Err(_) => break,
                    }
                }
            }
        }
    }
}

/// A damaged sample rate (bytes 24–27 of the header) used to size the rate converter's FFT from
/// it: 67 MHz asked for gigabytes and got the test process killed. It is refused by `probe`,
/// naming the rate, before anything is decoded or allocated for it.
#[test]
fn a_damaged_sample_rate_is_refused_naming_it() {
    let base = small_wav();
    for rate in [0x0400_AC44_u32, 7_999, 384_001, u32::MAX] {
        let mut bytes = base.clone();
        bytes[24..28].copy_from_slice(&rate.to_le_bytes());
        match probe(Box::new(Cursor::new(bytes)), Some("wav")) {
            Err(DecodeError::UnsupportedRate { rate: r }) => {
                assert_eq!(r, rate);
                let text = DecodeError::UnsupportedRate { rate: r }.to_string();
                assert!(text.contains(&format!("{rate} Hz")), "{text}");
                assert!(
                    text.contains(&format!("{MIN_RATE} to {MAX_RATE} Hz")),
                    "{text}"
                );
            }
            Err(e) => panic!("{rate} Hz: wrong refusal {e:?}"),
            Ok(_) => panic!("{rate} Hz: accepted"),
        }
    }
    for rate in [MIN_RATE, 44_100, MAX_RATE] {
        let mut bytes = base.clone();
        bytes[24..28].copy_from_slice(&rate.to_le_bytes());
        assert!(
            probe(Box::new(Cursor::new(bytes)), Some("wav")).is_ok(),
            "{rate} Hz refused"
        );
    }
}

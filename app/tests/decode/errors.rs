//! Files that must be refused, or that stop part-way.

use std::io::Cursor;

use crate::common::*;
use crate::pieces::PieceSource;
use second_ear::formats::stem_decode::{DecodeError, probe};

#[test]
fn six_channels_are_refused_before_decoding() {
    let dir = test_dir("six_channels");
    let path = dir.join("surround.wav");
    let frames = 10 * 48_000;
    let planes: Vec<Vec<i32>> = (0..6).map(|c| vec![100 * c; frames]).collect();
    write_wav_int(&path, 48_000, 16, &planes);
    let bytes = std::fs::read(&path).unwrap();

    let (source, stats) = PieceSource::new(bytes.clone(), true);
    let err = match probe(Box::new(source), Some("wav")) {
        Ok(_) => panic!("a 6-channel file was accepted: a decoder (and so chunks) could be made"),
        Err(e) => e,
    };
    assert!(
        matches!(err, DecodeError::TooManyChannels { channels: 6 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("6 channels"), "{err}");
    // Only the header area was read (about 1 KiB), not the 5.8 MB of audio.
    let read = stats.lock().unwrap().bytes_read;
    eprintln!(
        "6-channel WAV refused after reading {read} of {} bytes",
        bytes.len()
    );
    assert!(
        read < 16 * 1024,
        "read {read} of {} bytes before refusing",
        bytes.len()
    );
}

#[test]
fn truncated_wav_returns_what_is_there_then_ends_early() {
    let dir = test_dir("truncated");
    let path = dir.join("cut.wav");
    let rate = 44_100u32;
    let tone = write_sine_wav_16(&path, 440.0, rate, 10, 0.5);
    // Keep the header (which still declares 10 s) and 3 s of audio.
    let header = 44;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(header + 3 * rate as usize * 2);
    std::fs::write(&path, &bytes).unwrap();

    for target in [None, Some(48_000)] {
        let d = decode_path(&path, target).unwrap();
        assert_eq!(d.info.declared_frames, Some(10 * u64::from(rate)));
        let expect_frames = match target {
            None => 3 * rate as usize,
            Some(r) => 3 * r as usize,
        };
        assert_eq!(d.planes[0].len(), expect_frames, "target {target:?}");
        if target.is_none() {
            for (i, (&g, &w)) in d.planes[0].iter().zip(&tone).enumerate() {
                assert_eq!(g, w as f32 / 32768.0, "frame {i}");
            }
        }
        let err = d.error.expect("no EndsEarly error");
        match err {
            DecodeError::EndsEarly {
                decoded_frames,
                declared_frames,
                sample_rate,
            } => {
                assert_eq!(decoded_frames, 3 * u64::from(rate));
                assert_eq!(declared_frames, 10 * u64::from(rate));
                assert_eq!(sample_rate, rate);
            }
            ref other => panic!("expected EndsEarly, got {other:?}"),
        }
        assert!(
            err.to_string().contains("ends early at 0:03 of 0:10"),
            "{err}"
        );
    }
}

fn refusal(bytes: Vec<u8>, ext: Option<&str>) -> DecodeError {
    match probe(Box::new(Cursor::new(bytes)), ext) {
        Ok(d) => panic!(
            "accepted as {} / {}",
            d.info().format_name,
            d.info().codec_name
        ),
        Err(e) => e,
    }
}

#[test]
fn pdf_is_named() {
    let mut pdf =
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            .to_vec();
    pdf.resize(20_000, b' ');
    let err = refusal(pdf, Some("wav"));
    assert!(
        matches!(
            err,
            DecodeError::NotAudio {
                looks_like: Some(_)
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "can't be read as audio: it looks like a PDF document, not audio"
    );
}

#[test]
fn text_is_named() {
    let lyrics =
        "Verse 1\nI dropped the stems into the mixer,\nbut one of them was words.\n".repeat(50);
    let err = refusal(lyrics.into_bytes(), Some("mp3"));
    assert_eq!(
        err.to_string(),
        "can't be read as audio: it looks like text, not audio"
    );
}

#[test]
fn zip_is_named() {
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend(std::iter::repeat_n(0x5a, 5000));
    let err = refusal(zip, None);
    assert_eq!(
        err.to_string(),
        "can't be read as audio: it looks like a ZIP archive, not audio"
    );
}

#[test]
fn random_bytes_are_unrecognised() {
    let mut rng = Rng(0x5eed);
    let bytes: Vec<u8> = (0..200_000).map(|_| rng.next_u64() as u8).collect();
    let err = refusal(bytes, None);
    assert!(
        matches!(err, DecodeError::NotAudio { looks_like: None }),
        "{err:?}"
    );
    assert!(err.to_string().contains("format isn't recognised"), "{err}");
}

#[test]
fn empty_file_is_named() {
    let err = refusal(Vec::new(), Some("wav"));
    assert!(matches!(err, DecodeError::Empty), "{err:?}");
    assert!(err.to_string().contains("empty"), "{err}");
    // Also when the source can't tell its length in advance.
    let (source, _) = PieceSource::new(Vec::new(), false);
    let err = probe(Box::new(source), None)
        .err()
        .expect("accepted an empty stream");
    assert!(matches!(err, DecodeError::Empty), "{err:?}");
}

#[test]
fn unsupported_codecs_are_named() {
    let dir = test_dir("unsupported_codec");
    let wav = dir.join("in.wav");
    write_wav_int(&wav, 48_000, 16, &[vec![0; 48_000], vec![0; 48_000]]);
    let opus = dir.join("voice.ogg");
    ffmpeg(&wav, &["-c:a", "libopus"], &opus);
    let err = decode_path(&opus, None).err().expect("Opus accepted");
    assert!(
        matches!(err, DecodeError::UnsupportedCodec { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Opus"), "{err}");

    let alac = dir.join("lossless.m4a");
    ffmpeg(&wav, &["-c:a", "alac"], &alac);
    let err = decode_path(&alac, None).err().expect("ALAC accepted");
    assert!(err.to_string().contains("Apple Lossless (ALAC)"), "{err}");
}

#[test]
fn damaged_flac_reports_where() {
    let dir = test_dir("damaged_flac");
    let wav = dir.join("in.wav");
    let rate = 44_100;
    let mut rng = Rng(3);
    let noise: Vec<i32> = (0..10 * rate as usize)
        .map(|_| (rng.signed() * 20_000.0) as i32)
        .collect();
    write_wav_int(&wav, rate, 16, &[noise]);
    let flac = dir.join("in.flac");
    ffmpeg(&wav, &["-c:a", "flac"], &flac);
    let mut bytes = std::fs::read(&flac).unwrap();
    // Overwrite a stretch in the middle (about 5 s in) with garbage.
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 3000] {
        *b = rng.next_u64() as u8;
    }
    let damaged = dir.join("damaged.flac");
    std::fs::write(&damaged, &bytes).unwrap();
    let d = decode_path(&damaged, None).unwrap();
    eprintln!(
        "damaged FLAC: {} frames, error {:?}",
        d.planes[0].len(),
        d.error
    );
    match &d.error {
        Some(
            e @ DecodeError::Corrupt {
                at_secs: Some(at), ..
            },
        ) => {
            assert!((4.0..6.0).contains(at), "{e}");
            assert!(e.to_string().starts_with("is damaged at 0:0"), "{e}");
            assert!(d.planes[0].len() as f64 >= (at - 0.5) * f64::from(rate));
        }
        other => panic!("expected Corrupt with a position, got {other:?}"),
    }
}

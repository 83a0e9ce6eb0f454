//! The incremental overview gives the same columns as the whole-buffer computation it replaced
//! (the engine's former `waveform_overview`, kept here as the reference).

use crate::common::*;
use second_ear::formats::stem_decode::OverviewBuilder;

/// The reference: each column's min and max over the whole stem, all channels, non-finite
/// samples skipped (the engine computed overviews this way before the decode Workers did).
fn waveform_overview(channels: &[&[f32]], columns: usize) -> Vec<(f32, f32)> {
    let frames = channels.iter().map(|c| c.len()).max().unwrap_or(0);
    let columns = columns.min(frames);
    (0..columns)
        .map(|col| {
            let start = col * frames / columns;
            let end = ((col + 1) * frames / columns).max(start + 1);
            let mut lo = f32::INFINITY;
            let mut hi = f32::NEG_INFINITY;
            for ch in channels {
                for &x in ch.get(start..end.min(ch.len())).unwrap_or(&[]) {
                    if x.is_finite() {
                        lo = lo.min(x);
                        hi = hi.max(x);
                    }
                }
            }
            if lo > hi { (0.0, 0.0) } else { (lo, hi) }
        })
        .collect()
}

fn build(planes: &[Vec<f32>], estimate: u64, columns: usize, piece: usize) -> Vec<(f32, f32)> {
    let mut b = OverviewBuilder::new(estimate, columns);
    let frames = planes[0].len();
    let mut i = 0;
    while i < frames {
        let end = (i + piece).min(frames);
        let slices: Vec<&[f32]> = planes.iter().map(|p| &p[i..end]).collect();
        b.push(&slices);
        i = end;
    }
    assert_eq!(b.frames(), frames as u64);
    b.finish()
}

#[test]
fn identical_to_the_engine_when_the_length_is_known() {
    let mut rng = Rng(42);
    for frames in [0usize, 1, 2, 5, 999, 1000, 16_384, 3 * 16_384 + 17] {
        for channels in [1usize, 2] {
            let mut planes: Vec<Vec<f32>> = (0..channels)
                .map(|_| (0..frames).map(|_| rng.signed() as f32).collect())
                .collect();
            if frames > 10 {
                planes[0][7] = f32::NAN;
                planes[channels - 1][3] = f32::INFINITY;
            }
            let refs: Vec<&[f32]> = planes.iter().map(Vec::as_slice).collect();
            for columns in [0usize, 1, 3, 7, 100, 999, 1000, 1001, 5000] {
                let want = waveform_overview(&refs, columns);
                for piece in [1usize, 3, 1000, 16_384, usize::MAX / 2] {
                    let got = build(&planes, frames as u64, columns, piece);
                    assert_eq!(
                        got, want,
                        "frames {frames} ch {channels} columns {columns} piece {piece}"
                    );
                }
            }
        }
    }
}

#[test]
fn identical_to_the_engine_on_decoded_chunks() {
    let dir = test_dir("overview_decoded");
    let path = dir.join("in.wav");
    let frames = 100_000;
    let mut rng = Rng(5);
    let planes: Vec<Vec<i32>> = (0..2)
        .map(|_| {
            (0..frames)
                .map(|_| (rng.signed() * 30_000.0) as i32)
                .collect()
        })
        .collect();
    write_wav_int(&path, 44_100, 16, &planes);

    let file = std::fs::File::open(&path).unwrap();
    let mut dec = second_ear::formats::stem_decode::probe(Box::new(file), Some("wav")).unwrap();
    dec.set_target_rate(48_000).unwrap();
    let estimate = dec.expected_output_frames().unwrap();
    let mut builder = OverviewBuilder::new(estimate, 1200);
    let mut all = [Vec::new(), Vec::new()];
    while let Some(chunk) = dec.next_chunk().unwrap() {
        builder.push_chunk(&chunk);
        for (a, p) in all.iter_mut().zip(&chunk.planes) {
            a.extend_from_slice(p);
        }
    }
    assert_eq!(all[0].len() as u64, estimate);
    let refs: Vec<&[f32]> = all.iter().map(Vec::as_slice).collect();
    assert_eq!(builder.finish(), waveform_overview(&refs, 1200));
}

#[test]
fn close_to_the_engine_when_the_estimate_is_wrong() {
    let mut rng = Rng(8);
    let frames = 123_457;
    let x: Vec<f32> = (0..frames).map(|_| rng.signed() as f32 * 0.1).collect();
    let mut y = x.clone();
    y[60_000] = 0.9; // one peak must survive
    let want = waveform_overview(&[&y], 500);
    for estimate in [0u64, 1000, 200_000, 10_000_000] {
        let got = build(&[y.clone()], estimate, 500, 4096);
        assert_eq!(got.len(), 500);
        let peaks = got.iter().filter(|c| c.1 == 0.9).count();
        assert!(
            (1..=2).contains(&peaks),
            "the peak shows in {peaks} columns"
        );
        // Columns are the same up to a block at their edges: same overall envelope.
        let differing = got.iter().zip(&want).filter(|(g, w)| g != w).count();
        eprintln!("estimate {estimate}: {differing} of 500 columns differ from the exact overview");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                g.0 <= w.0 && g.1 >= w.1,
                "a column lost a peak: {g:?} vs {w:?}"
            );
        }
    }
}

//! A track's region through the whole engine: trimmed frames are silent, fades follow their
//! formula, clip gain scales, and the block size, streaming and seeks change nothing.

mod common;
use common::*;
use dsp_worklet::region::FadeShape;
use dsp_worklet::{Command, Engine, ParamId};

const SETTINGS: [(ParamId, f32); 7] = [
    (ParamId::RegionStart, 0.25),
    (ParamId::RegionEnd, 1.75),
    (ParamId::FadeIn, 0.1),
    (ParamId::FadeInShape, 1.0),
    (ParamId::FadeOut, 0.5),
    (ParamId::FadeOutShape, 2.0),
    (ParamId::ClipGain, -6.0),
];

fn engine(stem: &[f32]) -> Engine {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![stem.to_vec(), stem.to_vec()]).unwrap();
    for (p, v) in SETTINGS {
        set(&mut e, 1, p, v);
    }
    e
}

/// The gain the region should give at frame `f`, from the settings alone.
fn expected(f: usize) -> f64 {
    let t = f as f64 / RATE as f64;
    let (start, end) = (0.25 * 48_000.0, 1.75 * 48_000.0);
    let f = f as f64;
    if f < start || f >= end {
        return 0.0;
    }
    let mut g = 10f64.powf(-6.0 / 20.0);
    if t < 0.35 {
        g *= (std::f64::consts::FRAC_PI_2 * (f - start) / 4_800.0).sin();
    }
    if end - f <= 24_000.0 {
        let x = (end - f) / 24_000.0;
        g *= (1000f64.powf(x) - 1.0) / 999.0;
    }
    g
}

#[test]
fn the_export_is_the_stem_times_the_region_gain_at_every_frame_and_block_size() {
    let frames = 2 * 48_000;
    let stem = noise(frames, 0.5, 17);
    let mut reference = None;
    for block in [1usize, 128, 1000] {
        let mut e = engine(&stem);
        e.apply(Command::Play).unwrap();
        let (l, r) = render(&mut e, frames, block);
        assert_eq!(l, r, "a centred stereo stem");
        for f in (0..frames).step_by(7) {
            let want = stem[f] as f64 * expected(f);
            assert!(
                (l[f] as f64 - want).abs() < 1e-6,
                "frame {f}: {} vs {want}",
                l[f]
            );
        }
        match &reference {
            None => reference = Some(l),
            Some(x) => assert!(&l == x, "block {block} differs"),
        }
    }
    assert_eq!(FadeShape::from_value(2.0), FadeShape::Exponential);
}

#[test]
fn after_a_seek_into_a_fade_the_gain_is_the_same() {
    let frames = 2 * 48_000;
    let stem = noise(frames, 0.5, 18);
    let mut e = engine(&stem);
    e.apply(Command::Play).unwrap();
    let (whole, _) = render(&mut e, frames, 128);
    let at = 60_000; // inside the fade out
    let mut e = engine(&stem);
    e.apply(Command::Seek {
        frame: at as u64,
        serial: 1,
    })
    .unwrap();
    e.apply(Command::Play).unwrap();
    let (tail, _) = render(&mut e, frames - at, 128);
    assert!(tail == whole[at..], "a seek changes nothing");
}

/// Strip silence's fade: the mute/solo gate ramps over the track's "Mute fade", linearly.
#[test]
fn a_mute_fades_over_the_tracks_mute_fade() {
    let stem = vec![0.5f32; 48_000];
    for ms in [5.0f32, 50.0, 200.0] {
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![stem.clone(), stem.clone()]).unwrap();
        set(&mut e, 1, ParamId::MuteFade, ms);
        e.apply(Command::Play).unwrap();
        let (before, _) = render(&mut e, 4_096, 128);
        let level = *before.last().unwrap();
        assert!(level > 0.4, "{level}");
        set(&mut e, 1, ParamId::Mute, 1.0);
        let (l, _) = render(&mut e, 16_384, 128);
        let n = (ms * 48.0).round() as usize;
        // The fade starts within the strip's latency of the mute's frame, then falls in a
        // straight line to silence over exactly the fade's length.
        let at = l.iter().position(|&v| v < level - 1e-6).unwrap();
        // (A mute set by a command while playing reaches the gate a few hundred frames on, as
        // it did with the fixed 5 ms fade; the shape and length are what is checked here.)
        assert!(at <= 512, "{ms} ms: the fade starts at frame {at}");
        for k in 0..n + 64 {
            let want = level * (1.0 - (k + 1) as f32 / n as f32).max(0.0);
            let v = l[at + k];
            assert!((v - want).abs() < 1e-4, "{ms} ms, frame {k}: {v} vs {want}");
        }
        assert!(
            l[at + n..].iter().all(|&v| v == 0.0),
            "{ms} ms: silent after the fade"
        );
    }
}

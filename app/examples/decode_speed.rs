//! Decode speed, not a test: decodes a 60 s stereo 24-bit 44.1 kHz WAV (made in memory) to
//! 48 kHz and prints how many times faster than real time that ran.
//!
//! Run with `cargo run --release --example decode_speed`.

use std::io::Cursor;
use std::time::Instant;

use second_ear::formats::stem_decode::{OverviewBuilder, probe};

const SECS: usize = 60;
const RATE: u32 = 44_100;

fn make_wav() -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut bytes, spec).unwrap();
    let mut seed = 1u32;
    for n in 0..SECS * RATE as usize {
        let t = n as f64 / f64::from(RATE);
        // A tone plus a little noise, so nothing is trivially compressible or zero.
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = f64::from(seed >> 8) / f64::from(1u32 << 24) - 0.5;
        let l = 0.5 * (2.0 * std::f64::consts::PI * 440.0 * t).sin() + 0.01 * noise;
        let r = 0.4 * (2.0 * std::f64::consts::PI * 660.0 * t).sin() - 0.01 * noise;
        w.write_sample((l * 8_388_607.0) as i32).unwrap();
        w.write_sample((r * 8_388_607.0) as i32).unwrap();
    }
    w.finalize().unwrap();
    bytes.into_inner()
}

fn run(bytes: &[u8], target: u32) -> (f64, u64) {
    let start = Instant::now();
    let mut dec = probe(Box::new(Cursor::new(bytes.to_vec())), Some("wav")).unwrap();
    dec.set_target_rate(target).unwrap();
    let mut overview = OverviewBuilder::new(dec.expected_output_frames().unwrap_or(0), 2000);
    while let Some(chunk) = dec.next_chunk().unwrap() {
        overview.push_chunk(&chunk);
    }
    let _ = overview.finish();
    (start.elapsed().as_secs_f64(), dec.frames_out_so_far())
}

fn main() {
    let bytes = make_wav();
    for (label, target) in [
        ("44.1 kHz -> 48 kHz", 48_000),
        ("44.1 kHz -> 44.1 kHz (no resampling)", RATE),
    ] {
        let best = (0..3)
            .map(|_| run(&bytes, target))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        println!(
            "{label}: {SECS} s stereo 24-bit decoded in {:.3} s = {:.0}x realtime ({} frames out, incl. overview)",
            best.0,
            SECS as f64 / best.0,
            best.1
        );
    }
}

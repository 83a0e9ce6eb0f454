//! Helpers shared by the tests: temporary files, signal generation, decoding a whole file,
//! running external tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use second_ear::formats::stem_decode::{CHUNK_FRAMES, DecodeError, StemInfo, probe};

/// A fresh, empty directory for one test.
pub fn test_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("stem-decode-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Everything one decode produced.
pub struct Decoded {
    pub info: StemInfo,
    pub planes: Vec<Vec<f32>>,
    pub chunks: usize,
    pub error: Option<DecodeError>,
}

/// Decodes `path` completely at `target_rate` (`None`: the file's own), checking the chunk
/// contract on the way: fixed size except the last, contiguous `first_frame`, running count.
pub fn decode_path(path: &Path, target_rate: Option<u32>) -> Result<Decoded, DecodeError> {
    let file = std::fs::File::open(path).unwrap();
    let ext = path.extension().and_then(|e| e.to_str());
    decode_source(Box::new(file), ext, target_rate)
}

pub fn decode_source(
    source: Box<dyn second_ear::formats::stem_decode::MediaSource>,
    ext: Option<&str>,
    target_rate: Option<u32>,
) -> Result<Decoded, DecodeError> {
    let mut dec = probe(source, ext)?;
    if let Some(rate) = target_rate {
        dec.set_target_rate(rate)?;
    }
    let channels = dec.info().channels;
    let mut planes = vec![Vec::new(); channels];
    let mut chunks = 0;
    let mut short_seen = false;
    let error = loop {
        match dec.next_chunk() {
            Ok(Some(chunk)) => {
                assert!(!short_seen, "a short chunk was followed by another chunk");
                assert_eq!(chunk.planes.len(), channels);
                assert!(chunk.planes.iter().all(|p| p.len() == chunk.frames()));
                assert!(chunk.frames() > 0 && chunk.frames() <= CHUNK_FRAMES);
                assert_eq!(chunk.first_frame, planes[0].len() as u64);
                short_seen = chunk.frames() < CHUNK_FRAMES;
                for (all, p) in planes.iter_mut().zip(&chunk.planes) {
                    all.extend_from_slice(p);
                }
                chunks += 1;
                assert_eq!(dec.frames_out_so_far(), planes[0].len() as u64);
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    // After the end (or an error) the decoder stays finished.
    assert!(matches!(dec.next_chunk(), Ok(None)));
    Ok(Decoded {
        info: dec.info().clone(),
        planes,
        chunks,
        error,
    })
}

/// Like [`decode_path`] but the stream must end cleanly.
pub fn decode_ok(path: &Path, target_rate: Option<u32>) -> Decoded {
    let d = decode_path(path, target_rate).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    if let Some(e) = &d.error {
        panic!("{}: ended with {e:?}", path.display());
    }
    d
}

/// `amp · sin(2π·freq·n/rate)` for `frames` frames.
pub fn sine(freq: f64, rate: u32, frames: usize, amp: f64) -> Vec<f64> {
    (0..frames)
        .map(|n| amp * (2.0 * std::f64::consts::PI * freq * n as f64 / f64::from(rate)).sin())
        .collect()
}

/// Deterministic pseudo-random numbers (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [-1, 1).
    pub fn signed(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Writes interleaved integer samples as a `bits`-bit PCM WAV.
pub fn write_wav_int(path: &Path, rate: u32, bits: u16, planes: &[Vec<i32>]) {
    let spec = hound::WavSpec {
        channels: planes.len() as u16,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..planes[0].len() {
        for p in planes {
            if bits == 16 {
                w.write_sample(p[i] as i16).unwrap();
            } else {
                w.write_sample(p[i]).unwrap();
            }
        }
    }
    w.finalize().unwrap();
}

/// Writes planar float samples as a 32-bit float WAV.
/// Writes a mono 16-bit WAV of a sine (`secs` seconds at `rate`, peak `amp`) and returns its
/// samples as written.
pub fn write_sine_wav_16(path: &Path, freq: f64, rate: u32, secs: usize, amp: f64) -> Vec<i32> {
    let tone: Vec<i32> = sine(freq, rate, secs * rate as usize, amp)
        .iter()
        .map(|v| (v * 32768.0) as i32)
        .collect();
    write_wav_int(path, rate, 16, std::slice::from_ref(&tone));
    tone
}

pub fn write_wav_f32(path: &Path, rate: u32, planes: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: planes.len() as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..planes[0].len() {
        for p in planes {
            w.write_sample(p[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// Reads a float or integer WAV into planes of f32 (integers scaled by 2^(bits-1)).
pub fn read_wav(path: &Path) -> (u32, Vec<Vec<f32>>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let ch = spec.channels as usize;
    let inter: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1u64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    let planes = (0..ch)
        .map(|c| inter.iter().skip(c).step_by(ch).copied().collect())
        .collect();
    (spec.sample_rate, planes)
}

/// Runs an external tool, failing the test with a useful message if it is missing or fails.
pub fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run `{program}` ({e}); these tests need the Debian packages \
             `ffmpeg` and `sox` (apt-get install ffmpeg sox)"
            )
        });
    assert!(
        out.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ffmpeg -i input <args…> output`, quietly, overwriting.
pub fn ffmpeg(input: &Path, args: &[&str], output: &Path) {
    let mut all = vec!["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"];
    all.push(input.to_str().unwrap());
    all.extend_from_slice(args);
    all.push(output.to_str().unwrap());
    run("ffmpeg", &all);
}

pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// Level of `residual` relative to `reference` in dB (RMS over both slices).
pub fn relative_db(residual: &[f64], reference: &[f64]) -> f64 {
    let p = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>() / x.len().max(1) as f64;
    10.0 * (p(residual) / p(reference)).log10()
}

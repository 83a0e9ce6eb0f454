//! WAV encoding of a rendered stereo mix, through the `hound` crate (main thread).

use std::io::Cursor;

/// Sample formats the export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WavFormat {
    /// 24-bit integer PCM: `round(x · 2^23)`, clamped to the 24-bit range.
    Pcm24,
    /// 32-bit IEEE float, bit-exact with the render.
    Float32,
}

impl WavFormat {
    pub const ALL: [WavFormat; 2] = [WavFormat::Pcm24, WavFormat::Float32];

    /// Stable key for `<select>` values.
    pub fn key(self) -> &'static str {
        match self {
            WavFormat::Pcm24 => "pcm24",
            WavFormat::Float32 => "float32",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WavFormat::Pcm24 => "WAV 24-bit PCM",
            WavFormat::Float32 => "WAV 32-bit float",
        }
    }

    pub fn from_key(key: &str) -> Option<WavFormat> {
        WavFormat::ALL.into_iter().find(|f| f.key() == key)
    }
}

/// Encodes interleaved stereo from two equal-length channels at `rate` Hz.
pub fn encode_stereo(
    left: &[f32],
    right: &[f32],
    rate: u32,
    format: WavFormat,
) -> Result<Vec<u8>, hound::Error> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: match format {
            WavFormat::Pcm24 => 24,
            WavFormat::Float32 => 32,
        },
        sample_format: match format {
            WavFormat::Pcm24 => hound::SampleFormat::Int,
            WavFormat::Float32 => hound::SampleFormat::Float,
        },
    };
    let frames = left.len().min(right.len());
    let bytes_per_frame = 2 * spec.bits_per_sample as usize / 8;
    let mut out = Cursor::new(Vec::with_capacity(44 + frames * bytes_per_frame));
    {
        let mut w = hound::WavWriter::new(&mut out, spec)?;
        for (l, r) in left.iter().zip(right) {
            match format {
                WavFormat::Pcm24 => {
                    w.write_sample(to_i24(*l))?;
                    w.write_sample(to_i24(*r))?;
                }
                WavFormat::Float32 => {
                    w.write_sample(*l)?;
                    w.write_sample(*r)?;
                }
            }
        }
        w.finalize()?;
    }
    Ok(out.into_inner())
}

/// Quantises to 24 bits: `round(x · 2^23)` clamped to −2^23 … 2^23 − 1 (so decoding divides by 2^23).
fn to_i24(x: f32) -> i32 {
    const SCALE: f64 = 8_388_608.0;
    let x = if x.is_finite() { x as f64 } else { 0.0 };
    (x * SCALE).round().clamp(-SCALE, SCALE - 1.0) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_wav_round_trips_bit_exact() {
        let l: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 0.9).collect();
        let r: Vec<f32> = l.iter().map(|x| -x * 0.5).collect();
        let bytes = encode_stereo(&l, &r, 96_000, WavFormat::Float32).unwrap();
        let mut rd = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        assert_eq!(rd.spec().sample_rate, 96_000);
        assert_eq!(rd.spec().channels, 2);
        let s: Vec<f32> = rd.samples::<f32>().map(|x| x.unwrap()).collect();
        assert_eq!(s.len(), 2000);
        for i in 0..1000 {
            assert_eq!(s[2 * i], l[i]);
            assert_eq!(s[2 * i + 1], r[i]);
        }
    }

    #[test]
    fn pcm24_quantises_within_half_an_lsb_and_clamps() {
        let l = [0.0f32, 0.5, -0.5, 1.0, -1.0, 1.5, f32::NAN, 1e-9];
        let bytes = encode_stereo(&l, &l, 44_100, WavFormat::Pcm24).unwrap();
        let mut rd = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        assert_eq!(rd.spec().bits_per_sample, 24);
        let s: Vec<i32> = rd.samples::<i32>().map(|x| x.unwrap()).collect();
        let left: Vec<i32> = s.iter().step_by(2).copied().collect();
        assert_eq!(
            left,
            vec![
                0, 4_194_304, -4_194_304, 8_388_607, -8_388_608, 8_388_607, 0, 0
            ]
        );
    }
}

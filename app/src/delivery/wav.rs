//! The delivered file (main thread): the rendered float master requantised to the chosen format
//! ([`crate::delivery::dither`]), kept as the exact values the file holds (so the report measures what is
//! delivered), and written as WAV through the `hound` crate plus a LIST/INFO chunk
//! ([`crate::formats::riff_info`]).

use std::io::Cursor;

use crate::delivery::dither::{Dither, Quantizer};

/// Sample formats the export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WavFormat {
    /// 16-bit integer PCM (CD).
    Pcm16,
    /// 24-bit integer PCM.
    Pcm24,
    /// 32-bit IEEE float, bit-exact with the render.
    Float32,
}

impl WavFormat {
    pub const ALL: [WavFormat; 3] = [WavFormat::Pcm24, WavFormat::Pcm16, WavFormat::Float32];

    /// Stable key for `<select>` values.
    pub fn key(self) -> &'static str {
        match self {
            WavFormat::Pcm16 => "pcm16",
            WavFormat::Pcm24 => "pcm24",
            WavFormat::Float32 => "float32",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WavFormat::Pcm16 => "WAV 16-bit PCM",
            WavFormat::Pcm24 => "WAV 24-bit PCM",
            WavFormat::Float32 => "WAV 32-bit float",
        }
    }

    pub fn from_key(key: &str) -> Option<WavFormat> {
        WavFormat::ALL.into_iter().find(|f| f.key() == key)
    }

    /// Integer bit depth, or `None` for float.
    pub fn int_bits(self) -> Option<u32> {
        match self {
            WavFormat::Pcm16 => Some(16),
            WavFormat::Pcm24 => Some(24),
            WavFormat::Float32 => None,
        }
    }

    /// Whether dither applies to this format.
    pub fn dithers(self) -> bool {
        self.int_bits().is_some()
    }
}

/// The master as delivered: interleaved integers for PCM, and the same values as floats
/// (`integer / 2^(bits−1)`, or the render itself for float) for measuring.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub format: WavFormat,
    pub rate: u32,
    pub dither: Dither,
    ints: Vec<i32>,
    pub left: Vec<f32>,
    pub right: Vec<f32>,
}

impl Delivered {
    /// Requantises a stereo render. `seed` makes the dither noise repeatable.
    pub fn new(
        left: Vec<f32>,
        right: Vec<f32>,
        rate: u32,
        format: WavFormat,
        dither: Dither,
        seed: u64,
    ) -> Delivered {
        let frames = left.len().min(right.len());
        let Some(bits) = format.int_bits() else {
            return Delivered {
                format,
                rate,
                dither: Dither::Off,
                ints: Vec::new(),
                left,
                right,
            };
        };
        let mut q = Quantizer::new(bits, dither, seed);
        let scale = q.scale();
        let mut ints = Vec::with_capacity(2 * frames);
        let mut l = left;
        let mut r = right;
        for (a, b) in l.iter_mut().zip(r.iter_mut()).take(frames) {
            let (qa, qb) = (q.quantize(*a, 0), q.quantize(*b, 1));
            ints.push(qa);
            ints.push(qb);
            *a = (qa as f64 / scale) as f32;
            *b = (qb as f64 / scale) as f32;
        }
        l.truncate(frames);
        r.truncate(frames);
        Delivered {
            format,
            rate,
            dither,
            ints,
            left: l,
            right: r,
        }
    }

    pub fn frames(&self) -> usize {
        self.left.len()
    }

    /// The integers the file holds, interleaved (empty for float).
    pub fn ints(&self) -> &[i32] {
        &self.ints
    }

    /// The WAV file: hound writes the RIFF/fmt/data chunks; `info` (id, text) pairs follow as a
    /// LIST/INFO chunk.
    pub fn to_wav(&self, info: &[([u8; 4], String)]) -> Result<Vec<u8>, hound::Error> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: self.rate,
            bits_per_sample: self.format.int_bits().unwrap_or(32) as u16,
            sample_format: match self.format {
                WavFormat::Float32 => hound::SampleFormat::Float,
                _ => hound::SampleFormat::Int,
            },
        };
        let bytes_per_frame = 2 * spec.bits_per_sample as usize / 8;
        let mut out = Cursor::new(Vec::with_capacity(
            44 + self.frames() * bytes_per_frame + 256,
        ));
        {
            let mut w = hound::WavWriter::new(&mut out, spec)?;
            match self.format {
                WavFormat::Float32 => {
                    for (l, r) in self.left.iter().zip(&self.right) {
                        w.write_sample(*l)?;
                        w.write_sample(*r)?;
                    }
                }
                WavFormat::Pcm16 => {
                    let mut w16 = w.get_i16_writer(self.ints.len() as u32);
                    for s in &self.ints {
                        w16.write_sample(*s as i16);
                    }
                    w16.flush()?;
                }
                WavFormat::Pcm24 => {
                    for s in &self.ints {
                        w.write_sample(*s)?;
                    }
                }
            }
            w.finalize()?;
        }
        let mut bytes = out.into_inner();
        crate::formats::riff_info::append_info(&mut bytes, info).map_err(|e| {
            hound::Error::IoError(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ints(bytes: Vec<u8>) -> (hound::WavSpec, Vec<i32>) {
        let mut rd = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        let spec = rd.spec();
        (spec, rd.samples::<i32>().map(|x| x.unwrap()).collect())
    }

    #[test]
    fn float_wav_round_trips_bit_exact() {
        let l: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 0.9).collect();
        let r: Vec<f32> = l.iter().map(|x| -x * 0.5).collect();
        let d = Delivered::new(
            l.clone(),
            r.clone(),
            96_000,
            WavFormat::Float32,
            Dither::Tpdf,
            1,
        );
        assert!(
            d.left == l && d.right == r,
            "float ignores dither: the render itself"
        );
        let bytes = d.to_wav(&[]).unwrap();
        let mut rd = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        assert_eq!(rd.spec().sample_rate, 96_000);
        let s: Vec<f32> = rd.samples::<f32>().map(|x| x.unwrap()).collect();
        assert_eq!(s.len(), 2000);
        for i in 0..1000 {
            assert_eq!(s[2 * i], l[i]);
            assert_eq!(s[2 * i + 1], r[i]);
        }
    }

    #[test]
    fn pcm24_without_dither_is_the_render_rounded_and_clamped() {
        let l = vec![0.0f32, 0.5, -0.5, 1.0, -1.0, 1.5, f32::NAN, 1e-9];
        let d = Delivered::new(
            l.clone(),
            l.clone(),
            44_100,
            WavFormat::Pcm24,
            Dither::Off,
            1,
        );
        let (spec, s) = read_ints(d.to_wav(&[]).unwrap());
        assert_eq!(spec.bits_per_sample, 24);
        let left: Vec<i32> = s.iter().step_by(2).copied().collect();
        assert_eq!(
            left,
            vec![
                0, 4_194_304, -4_194_304, 8_388_607, -8_388_608, 8_388_607, 0, 0
            ]
        );
        // The measured copy is exactly what the file decodes to.
        for (x, i) in d.left.iter().zip(&left) {
            assert_eq!(*x, (*i as f64 / 8_388_608.0) as f32);
        }
    }

    #[test]
    fn pcm16_dithered_silence_is_noise_and_undithered_silence_is_zeros() {
        let silence = vec![0.0f32; 10_000];
        for (dither, want_noise) in [
            (Dither::Tpdf, true),
            (Dither::TpdfShaped, true),
            (Dither::Off, false),
        ] {
            let d = Delivered::new(
                silence.clone(),
                silence.clone(),
                44_100,
                WavFormat::Pcm16,
                dither,
                9,
            );
            let (spec, s) = read_ints(d.to_wav(&[]).unwrap());
            assert_eq!(spec.bits_per_sample, 16);
            let nonzero = s.iter().filter(|v| **v != 0).count();
            assert_eq!(nonzero > 1000, want_noise, "{dither:?}: {nonzero} non-zero");
            assert!(s.iter().all(|v| v.abs() <= 8), "low level");
        }
    }
}

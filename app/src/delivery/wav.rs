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

/// The master as delivered, built piece by piece as the render arrives: interleaved integers for
/// PCM, the render itself for float. Each piece pushed also gives back what the file holds for it
/// as floats (`integer / 2^(bits−1)`), for the report to measure what is delivered.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub format: WavFormat,
    pub rate: u32,
    pub dither: Dither,
    /// PCM only: the requantiser, whose noise and error feedback run on across pieces.
    quantizer: Option<Quantizer>,
    ints: Vec<i32>,
    /// Float only: the render, interleaved.
    floats: Vec<f32>,
}

impl Delivered {
    /// An empty file of `format` at `rate` Hz. `seed` makes the dither noise repeatable.
    pub fn start(rate: u32, format: WavFormat, dither: Dither, seed: u64) -> Delivered {
        let quantizer = format.int_bits().map(|b| Quantizer::new(b, dither, seed));
        Delivered {
            format,
            rate,
            dither: if quantizer.is_some() {
                dither
            } else {
                Dither::Off
            },
            quantizer,
            ints: Vec::new(),
            floats: Vec::new(),
        }
    }

    /// Makes room for `frames` more frames at once (else the file grows as pieces come, and
    /// each growth briefly holds the old and the new copy).
    pub fn reserve(&mut self, frames: usize) {
        if self.quantizer.is_some() {
            self.ints.reserve_exact(2 * frames);
        } else {
            self.floats.reserve_exact(2 * frames);
        }
    }

    /// Appends stereo frames (the shorter length of the two) and writes what the file holds for
    /// them, as floats, into `held` (cleared first; reused between pieces).
    pub fn push(&mut self, left: &[f32], right: &[f32], held: &mut [Vec<f32>; 2]) {
        let frames = left.len().min(right.len());
        let (left, right) = (&left[..frames], &right[..frames]);
        let [hl, hr] = held;
        hl.clear();
        hr.clear();
        let Some(q) = &mut self.quantizer else {
            self.floats.reserve(2 * frames);
            for (a, b) in left.iter().zip(right) {
                self.floats.extend([*a, *b]);
            }
            hl.extend_from_slice(left);
            hr.extend_from_slice(right);
            return;
        };
        let scale = q.scale();
        self.ints.reserve(2 * frames);
        for (a, b) in left.iter().zip(right) {
            let (qa, qb) = (q.quantize(*a, 0), q.quantize(*b, 1));
            self.ints.extend([qa, qb]);
            hl.push((qa as f64 / scale) as f32);
            hr.push((qb as f64 / scale) as f32);
        }
    }

    /// Requantises a whole stereo render at once ([`Self::start`], one [`Self::push`]); also
    /// returns what the file holds, as floats per channel.
    pub fn new(
        left: Vec<f32>,
        right: Vec<f32>,
        rate: u32,
        format: WavFormat,
        dither: Dither,
        seed: u64,
    ) -> (Delivered, [Vec<f32>; 2]) {
        let mut d = Delivered::start(rate, format, dither, seed);
        let mut held = [Vec::new(), Vec::new()];
        d.push(&left, &right, &mut held);
        (d, held)
    }

    pub fn frames(&self) -> usize {
        if self.quantizer.is_some() {
            self.ints.len() / 2
        } else {
            self.floats.len() / 2
        }
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
                    for x in &self.floats {
                        w.write_sample(*x)?;
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
        let (d, [hl, hr]) = Delivered::new(
            l.clone(),
            r.clone(),
            96_000,
            WavFormat::Float32,
            Dither::Tpdf,
            1,
        );
        assert!(
            hl == l && hr == r,
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
        let (d, [held, _]) = Delivered::new(
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
        for (x, i) in held.iter().zip(&left) {
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
            let (d, _) = Delivered::new(
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

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

/// The master as delivered, built piece by piece as the render arrives, as the WAV file itself:
/// hound's header for the format (written once, for an empty file, at the start), then the
/// samples as they come, little-endian and interleaved (requantised for PCM, the render itself
/// for float), so the file is never held twice. Each piece pushed also gives back what the file
/// holds for it as floats (`integer / 2^(bits−1)`), for the report to measure what is delivered.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub format: WavFormat,
    pub rate: u32,
    pub dither: Dither,
    /// PCM only: the requantiser, whose noise and error feedback run on across pieces.
    quantizer: Option<Quantizer>,
    /// The file so far.
    bytes: Vec<u8>,
    /// Where the samples start, and where the data chunk's size field is.
    header_len: usize,
    data_size_at: usize,
}

/// Room kept after the samples for the LIST/INFO chunk (so appending it does not move the file).
const INFO_ROOM: usize = 1024;

impl Delivered {
    /// An empty file of `format` at `rate` Hz. `seed` makes the dither noise repeatable.
    pub fn start(
        rate: u32,
        format: WavFormat,
        dither: Dither,
        seed: u64,
    ) -> Result<Delivered, hound::Error> {
        let quantizer = format.int_bits().map(|b| Quantizer::new(b, dither, seed));
        let mut header = Cursor::new(Vec::new());
        hound::WavWriter::new(&mut header, spec(rate, format))?.finalize()?;
        let bytes = header.into_inner();
        // hound writes RIFF, fmt and data: only the data chunk's size depends on the samples.
        let mut data_size_at = None;
        let mut at = 12;
        while at + 8 <= bytes.len() {
            if &bytes[at..at + 4] == b"data" {
                data_size_at = Some(at + 4);
                break;
            }
            let size =
                u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]);
            at += 8 + size as usize + (size as usize & 1);
        }
        let data_size_at =
            data_size_at.ok_or(hound::Error::FormatError("hound wrote no data chunk"))?;
        Ok(Delivered {
            format,
            rate,
            dither: if quantizer.is_some() {
                dither
            } else {
                Dither::Off
            },
            quantizer,
            header_len: data_size_at + 4,
            data_size_at,
            bytes,
        })
    }

    /// Bytes per sample in the file.
    fn sample_bytes(&self) -> usize {
        self.format.int_bits().unwrap_or(32) as usize / 8
    }

    /// Makes room for `frames` more frames, and the LIST/INFO chunk after them, at once (else
    /// the file grows as pieces come, and each growth briefly holds the old and the new copy).
    /// A size past what a WAV can say (4 GiB) is left to [`Delivered::into_wav`] to refuse.
    pub fn reserve(&mut self, frames: usize) {
        let bytes = frames
            .checked_mul(2 * self.sample_bytes())
            .and_then(|b| b.checked_add(INFO_ROOM))
            .filter(|b| *b <= u32::MAX as usize);
        if let Some(b) = bytes {
            self.bytes.reserve_exact(b);
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
        let width = self.sample_bytes();
        self.bytes.reserve(2 * frames * width);
        let Some(q) = &mut self.quantizer else {
            for (a, b) in left.iter().zip(right) {
                self.bytes.extend_from_slice(&a.to_le_bytes());
                self.bytes.extend_from_slice(&b.to_le_bytes());
            }
            hl.extend_from_slice(left);
            hr.extend_from_slice(right);
            return;
        };
        let scale = q.scale();
        for (a, b) in left.iter().zip(right) {
            let (qa, qb) = (q.quantize(*a, 0), q.quantize(*b, 1));
            // Two's complement, little-endian: the low `width` bytes of the i32.
            self.bytes.extend_from_slice(&qa.to_le_bytes()[..width]);
            self.bytes.extend_from_slice(&qb.to_le_bytes()[..width]);
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
    ) -> Result<(Delivered, [Vec<f32>; 2]), hound::Error> {
        let mut d = Delivered::start(rate, format, dither, seed)?;
        let mut held = [Vec::new(), Vec::new()];
        d.push(&left, &right, &mut held);
        Ok((d, held))
    }

    pub fn frames(&self) -> usize {
        (self.bytes.len() - self.header_len) / (2 * self.sample_bytes())
    }

    /// The WAV file: hound's RIFF/fmt/data header with the sizes the samples now take, the
    /// samples, then `info` (id, text) pairs as a LIST/INFO chunk. Errors when the file would be
    /// larger than a WAV's 32-bit sizes can say (4 GiB; in the browser's 32-bit memory the file
    /// cannot grow that far anyway).
    pub fn into_wav(mut self, info: &[([u8; 4], String)]) -> Result<Vec<u8>, hound::Error> {
        let too_big = || hound::Error::TooWide;
        let data = u32::try_from(self.bytes.len() - self.header_len).map_err(|_| too_big())?;
        let riff = u32::try_from(self.bytes.len() - 8).map_err(|_| too_big())?;
        self.bytes[self.data_size_at..self.data_size_at + 4].copy_from_slice(&data.to_le_bytes());
        self.bytes[4..8].copy_from_slice(&riff.to_le_bytes());
        let mut bytes = self.bytes;
        crate::formats::riff_info::append_info(&mut bytes, info).map_err(|e| {
            hound::Error::IoError(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })?;
        Ok(bytes)
    }
}

/// hound's description of a stereo file of `format` at `rate` Hz.
fn spec(rate: u32, format: WavFormat) -> hound::WavSpec {
    hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: format.int_bits().unwrap_or(32) as u16,
        sample_format: match format {
            WavFormat::Float32 => hound::SampleFormat::Float,
            _ => hound::SampleFormat::Int,
        },
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
        )
        .unwrap();
        assert!(
            hl == l && hr == r,
            "float ignores dither: the render itself"
        );
        let bytes = d.into_wav(&[]).unwrap();
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
        )
        .unwrap();
        let (spec, s) = read_ints(d.into_wav(&[]).unwrap());
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
            )
            .unwrap();
            let (spec, s) = read_ints(d.into_wav(&[]).unwrap());
            assert_eq!(spec.bits_per_sample, 16);
            let nonzero = s.iter().filter(|v| **v != 0).count();
            assert_eq!(nonzero > 1000, want_noise, "{dither:?}: {nonzero} non-zero");
            assert!(s.iter().all(|v| v.abs() <= 8), "low level");
        }
    }

    #[test]
    fn a_file_built_in_pieces_reads_back_whole_in_every_format() {
        // Pieces of odd lengths, every format: hound reads back exactly the frames pushed, at
        // the right rate and depth, and the sizes in the header match the bytes.
        let l: Vec<f32> = (0..3001).map(|i| (i as f32 * 0.013).sin() * 0.8).collect();
        let r: Vec<f32> = l.iter().map(|x| x * -0.25).collect();
        for format in WavFormat::ALL {
            let mut d = Delivered::start(48_000, format, Dither::Off, 3).unwrap();
            d.reserve(l.len());
            let mut held = [Vec::new(), Vec::new()];
            let mut all = [Vec::new(), Vec::new()];
            for (a, b) in [(0, 7), (7, 1000), (1000, 1001), (1001, 3001)] {
                d.push(&l[a..b], &r[a..b], &mut held);
                all[0].extend_from_slice(&held[0]);
                all[1].extend_from_slice(&held[1]);
            }
            assert_eq!(d.frames(), 3001);
            let room = d.bytes.capacity();
            let bytes = d.into_wav(&[(*b"ISFT", "Second Ear".into())]).unwrap();
            assert_eq!(
                bytes.capacity(),
                room,
                "the file never moved: it had its room at once"
            );
            let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
            assert_eq!(riff, bytes.len() - 8);
            let mut rd = hound::WavReader::new(Cursor::new(bytes)).unwrap();
            assert_eq!(rd.spec().sample_rate, 48_000);
            assert_eq!(rd.duration(), 3001, "{format:?}");
            let back: Vec<f32> = match format {
                WavFormat::Float32 => rd.samples::<f32>().map(|x| x.unwrap()).collect(),
                _ => {
                    let scale = (1i64 << (format.int_bits().unwrap() - 1)) as f64;
                    rd.samples::<i32>()
                        .map(|x| (x.unwrap() as f64 / scale) as f32)
                        .collect()
                }
            };
            for i in 0..3001 {
                assert_eq!(back[2 * i], all[0][i], "{format:?} left {i}");
                assert_eq!(back[2 * i + 1], all[1][i], "{format:?} right {i}");
            }
        }
    }
}

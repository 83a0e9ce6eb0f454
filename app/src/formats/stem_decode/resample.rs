//! Streaming fixed-ratio sample-rate conversion with the delay compensated.
//!
//! Design: rubato's synchronous FFT resampler ([`rubato::Fft`]), i.e. overlap-add convolution
//! with a windowed-sinc anti-aliasing filter applied in the frequency domain, where the
//! rate change happens by zero-padding / truncating the spectrum. Parameters:
//!
//! * FFT block: `fft_in = 2k · in/g` input frames and `fft_out = 2k · out/g` output frames
//!   (`g` = gcd of the rates), with `k` the smallest integer giving `fft_in ≥ 1024`. For
//!   44.1 kHz → 48 kHz that is 1176 → 1280 frames; for 96 kHz → 48 kHz, 1024 → 512.
//! * Filter: sinc of `fft_in` taps, windowed by the square of a periodic Blackman-Harris window
//!   (rubato's `BlackmanHarris2`), normalised to unity gain at DC, cutoff from rubato's
//!   `calculate_cutoff` fit: 0.988 of the lower Nyquist frequency for 44.1 ↔ 48 kHz (21.8 kHz).
//! * No oversampling table or interpolation is involved: the ratio is exact (`out/in`).
//! * Arithmetic in `f32`.
//!
//! The filter is symmetric about tap `fft_in / 2`, so it delays the signal by exactly
//! `fft_in / 2` input frames = `fft_out / 2` output frames (an integer because the block count
//! is even). Those first output frames are dropped, so output frame 0 is input time 0, and the
//! end of the stream is flushed with silence and cut so the total length is
//! `round(input_frames × out / in)`.

use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Indexing, Resampler, WindowFunction};

use super::error::DecodeError;

/// Minimum FFT block on the input side, in frames.
const MIN_FFT_IN: usize = 1024;
/// Roughly how many input frames one call to rubato processes.
const FRAMES_PER_CALL: usize = 8192;

pub(super) struct StreamResampler {
    fft: Fft<f32>,
    in_rate: u64,
    out_rate: u64,
    channels: usize,
    /// Input not yet consumed: `fifo[ch][fifo_start..]`.
    fifo: Vec<Vec<f32>>,
    fifo_start: usize,
    in_total: u64,
    /// Output frames still to drop to compensate the filter delay.
    skip: usize,
    /// Output frames handed out so far (after the delay).
    produced: u64,
    scratch: Vec<Vec<f32>>,
}

fn resampler_error(e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Resampler(e.to_string())
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `round(frames × out / in)`, halves rounded up, without overflow.
pub(super) fn scale_frames(frames: u64, in_rate: u32, out_rate: u32) -> u64 {
    let (f, i, o) = (
        u128::from(frames),
        u128::from(in_rate),
        u128::from(out_rate),
    );
    ((f * o + i / 2) / i) as u64
}

impl StreamResampler {
    pub(super) fn new(in_rate: u32, out_rate: u32, channels: usize) -> Result<Self, DecodeError> {
        let g = gcd(u64::from(in_rate), u64::from(out_rate));
        let min_in = (u64::from(in_rate) / g) as usize;
        let mut blocks = MIN_FFT_IN.div_ceil(min_in).max(1);
        blocks += blocks % 2;
        let fft_in = blocks * min_in;
        let sub_chunks = (FRAMES_PER_CALL / fft_in).max(1);
        let fft = Fft::<f32>::new_custom(
            in_rate as usize,
            out_rate as usize,
            sub_chunks * fft_in,
            sub_chunks,
            channels,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .map_err(resampler_error)?;
        // The delay compensation below relies on an integer delay of fft_out / 2 output frames.
        let fft_out = fft.fft_size_out();
        if fft.fft_size_in() != fft_in
            || fft.output_delay() * 2 != fft_out
            || (fft_in as u64 / 2) * u64::from(out_rate)
                != (fft_out as u64 / 2) * u64::from(in_rate)
        {
            return Err(resampler_error(format!(
                "unexpected FFT block sizes {} -> {} for {in_rate} Hz -> {out_rate} Hz",
                fft.fft_size_in(),
                fft_out
            )));
        }
        let skip = fft.output_delay();
        let scratch = vec![vec![0.0; fft.output_frames_max()]; channels];
        Ok(StreamResampler {
            fft,
            in_rate: u64::from(in_rate),
            out_rate: u64::from(out_rate),
            channels,
            fifo: vec![Vec::new(); channels],
            fifo_start: 0,
            in_total: 0,
            skip,
            produced: 0,
            scratch,
        })
    }

    /// The filter design, for documentation and tests: (FFT block in, FFT block out, cutoff
    /// relative to the input Nyquist frequency, delay in output frames).
    #[cfg(test)]
    pub(super) fn design(&self) -> (usize, usize, f32, usize) {
        (
            self.fft.fft_size_in(),
            self.fft.fft_size_out(),
            self.fft.cutoff(),
            self.skip,
        )
    }

    /// Appends input (one slice per channel, equal lengths) and converts every complete block,
    /// appending the output to `out` (one `Vec` per channel).
    pub(super) fn push(
        &mut self,
        input: &[Vec<f32>],
        out: &mut [Vec<f32>],
    ) -> Result<(), DecodeError> {
        for (fifo, plane) in self.fifo.iter_mut().zip(input) {
            fifo.extend_from_slice(plane);
        }
        self.in_total += input.first().map_or(0, |p| p.len() as u64);
        while self.available() >= self.fft.input_frames_next() {
            self.process(None, out, None)?;
        }
        // Keep the queue short: move the unconsumed tail to the front.
        if self.fifo_start > 0 {
            for fifo in &mut self.fifo {
                fifo.drain(..self.fifo_start);
            }
            self.fifo_start = 0;
        }
        Ok(())
    }

    /// Converts what is left, flushes the filter, and cuts the output at
    /// `round(input_frames × out / in)` frames in total.
    pub(super) fn finish(&mut self, out: &mut [Vec<f32>]) -> Result<(), DecodeError> {
        let target = scale_frames(self.in_total, self.in_rate as u32, self.out_rate as u32);
        let rest = self.available();
        if rest > 0 {
            self.process(Some(rest), out, Some(target))?;
        }
        while self.produced < target {
            self.process(Some(0), out, Some(target))?;
        }
        Ok(())
    }

    fn available(&self) -> usize {
        self.fifo.first().map_or(0, |f| f.len() - self.fifo_start)
    }

    fn process(
        &mut self,
        partial: Option<usize>,
        out: &mut [Vec<f32>],
        limit: Option<u64>,
    ) -> Result<(), DecodeError> {
        let needed = self.fft.input_frames_next();
        // A partial (final) call still wants a full-size input buffer: pad with silence.
        if partial.is_some() {
            for fifo in &mut self.fifo {
                fifo.resize(self.fifo_start + needed, 0.0);
            }
        }
        let frames_in = self.fifo[0].len();
        let input = SequentialSliceOfVecs::new(&self.fifo, self.channels, frames_in)
            .map_err(resampler_error)?;
        let out_max = self.scratch[0].len();
        let mut output = SequentialSliceOfVecs::new_mut(&mut self.scratch, self.channels, out_max)
            .map_err(resampler_error)?;
        let indexing = Indexing {
            input_offset: self.fifo_start,
            output_offset: 0,
            partial_len: partial,
            active_channels_mask: None,
        };
        let (used, made) = self
            .fft
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(resampler_error)?;
        self.fifo_start = (self.fifo_start + used).min(frames_in);
        if partial.is_some() {
            // Everything real has been consumed; the rest was padding.
            for fifo in &mut self.fifo {
                fifo.clear();
            }
            self.fifo_start = 0;
        }

        let drop = self.skip.min(made);
        self.skip -= drop;
        let mut keep = made - drop;
        if let Some(limit) = limit {
            keep = keep.min(limit.saturating_sub(self.produced) as usize);
        }
        for (dst, src) in out.iter_mut().zip(&self.scratch) {
            dst.extend_from_slice(&src[drop..drop + keep]);
        }
        self.produced += keep as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sizes_give_an_integer_delay() {
        for (i, o) in [
            (44_100, 48_000),
            (48_000, 44_100),
            (96_000, 48_000),
            (22_050, 48_000),
            (8_000, 44_100),
        ] {
            let r = StreamResampler::new(i, o, 2).unwrap();
            let (fin, fout, cutoff, delay) = r.design();
            assert!(fin >= MIN_FFT_IN, "{i}->{o}: {fin}");
            assert_eq!(delay * 2, fout);
            assert_eq!((fin as u64 / 2) * o as u64, (fout as u64 / 2) * i as u64);
            assert!(
                cutoff > 0.9 * (o as f32 / i as f32).min(1.0),
                "{i}->{o}: cutoff {cutoff}"
            );
        }
        let r = StreamResampler::new(44_100, 48_000, 1).unwrap();
        let (fin, fout, cutoff, delay) = r.design();
        assert_eq!((fin, fout, delay), (1176, 1280, 640));
        eprintln!("44.1k->48k cutoff {cutoff}");
    }

    #[test]
    fn length_is_rounded_ratio_for_any_split() {
        for n in [0usize, 1, 146, 147, 1000, 12_345, 50_000] {
            for split in [1usize, 333, 4096, 100_000] {
                let mut r = StreamResampler::new(44_100, 48_000, 1).unwrap();
                let mut out = vec![Vec::new()];
                let input: Vec<f32> = (0..n).map(|i| (i as f32 * 0.01).sin()).collect();
                for piece in input.chunks(split) {
                    r.push(&[piece.to_vec()], &mut out).unwrap();
                }
                r.finish(&mut out).unwrap();
                assert_eq!(
                    out[0].len() as u64,
                    scale_frames(n as u64, 44_100, 48_000),
                    "n={n}"
                );
            }
        }
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(scale_frames(441, 44_100, 48_000), 480);
        assert_eq!(scale_frames(1, 44_100, 48_000), 1);
        assert_eq!(scale_frames(1, 48_000, 44_100), 1);
        assert_eq!(scale_frames(3, 96_000, 48_000), 2);
    }
}

//! Spectrum analyser of the master (audio thread, only while the UI shows it): the newest 4096
//! samples of the mono sum, Hann window, `realfft`, power summed into 1/6-octave bands from 20 Hz
//! to 20 kHz. Everything is allocated when the engine is built; analysing never allocates.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

/// FFT length (85 ms at 48 kHz; bins 11.7 Hz apart).
pub const FFT_SIZE: usize = 4096;
/// Lowest and highest band centres, Hz.
pub const LOW_HZ: f64 = 20.0;
pub const HIGH_HZ: f64 = 20_000.0;
/// Bands per octave.
pub const PER_OCTAVE: f64 = 6.0;
/// Number of bands: 20 Hz … 20 kHz at 1/6 octave.
pub const BANDS: usize = 60;

/// Centre frequency of band `k`, Hz.
pub fn band_centre(k: usize) -> f64 {
    LOW_HZ * 2f64.powf(k as f64 / PER_OCTAVE)
}

pub struct Spectrum {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    ring: Vec<f32>,
    pos: usize,
    input: Vec<f32>,
    output: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Band levels in dB (a sine of amplitude A reads about 20·log10(A) in its band).
    bands: [f32; BANDS],
    /// FFT bin range of each band.
    ranges: [(usize, usize); BANDS],
}

impl core::fmt::Debug for Spectrum {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Spectrum").finish_non_exhaustive()
    }
}

impl Spectrum {
    pub fn new(sample_rate: f32) -> Spectrum {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_SIZE);
        let window = (0..FFT_SIZE)
            .map(|i| {
                (0.5 - 0.5 * (2.0 * core::f64::consts::PI * i as f64 / FFT_SIZE as f64).cos())
                    as f32
            })
            .collect();
        let bin_hz = sample_rate as f64 / FFT_SIZE as f64;
        let ranges = core::array::from_fn(|k| {
            let (lo, hi) = (
                band_centre(k) * 2f64.powf(-0.5 / PER_OCTAVE),
                band_centre(k) * 2f64.powf(0.5 / PER_OCTAVE),
            );
            let a = (lo / bin_hz).ceil().max(1.0) as usize;
            let b = ((hi / bin_hz).floor() as usize).max(a).min(FFT_SIZE / 2);
            (a, b)
        });
        Spectrum {
            input: fft.make_input_vec(),
            output: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            ring: vec![0.0; FFT_SIZE],
            pos: 0,
            bands: [-200.0; BANDS],
            ranges,
        }
    }

    /// Adds a block of the master (mono sum taken here).
    pub fn push(&mut self, l: &[f32], r: &[f32]) {
        for (a, b) in l.iter().zip(r) {
            self.ring[self.pos] = 0.5 * (a + b);
            self.pos = (self.pos + 1) % FFT_SIZE;
        }
    }

    /// Analyses the newest window and returns the band levels (dB).
    pub fn analyse(&mut self) -> &[f32; BANDS] {
        for (i, (dst, w)) in self.input.iter_mut().zip(&self.window).enumerate() {
            *dst = self.ring[(self.pos + i) % FFT_SIZE] * w;
        }
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
            .is_err()
        {
            return &self.bands;
        }
        // A sine of amplitude A gives a peak bin of A·N/4 under a Hann window (coherent gain ½);
        // summing the power of the band's bins (×(2/N·2)² scaling) reads 20·log10(A) for it, give
        // or take the window's 1.76 dB of power spread, which the summing captures.
        let scale = (4.0 / FFT_SIZE as f32).powi(2) / 1.5; // Hann's noise-power bandwidth is 1.5 bins
        for (band, (a, b)) in self.bands.iter_mut().zip(&self.ranges) {
            let mut p = 0.0f32;
            for c in self.output.get(*a..=*b).unwrap_or(&[]) {
                p += c.norm_sqr();
            }
            // Narrow low bands hold no bin of their own: read the nearest one.
            if *b < *a || p == 0.0 {
                p = self.output.get(*a).map_or(0.0, |c| c.norm_sqr());
            }
            *band = if p > 0.0 {
                10.0 * (p * scale).log10()
            } else {
                -200.0
            };
        }
        &self.bands
    }

    pub fn clear(&mut self) {
        self.ring.iter_mut().for_each(|v| *v = 0.0);
        self.bands = [-200.0; BANDS];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_lights_its_own_band() {
        let fs = 48_000.0;
        let mut s = Spectrum::new(fs);
        let x: Vec<f32> = (0..8192)
            .map(|i| 0.5 * (2.0 * core::f32::consts::PI * 1_000.0 * i as f32 / fs).sin())
            .collect();
        s.push(&x, &x);
        let bands = *s.analyse();
        let k = (0..BANDS)
            .max_by(|a, b| bands[*a].total_cmp(&bands[*b]))
            .unwrap();
        assert!(
            (band_centre(k) / 1_000.0).log2().abs() <= 1.0 / 12.0 + 1e-9,
            "peak band {} Hz",
            band_centre(k)
        );
        assert!(
            (bands[k] - 20.0 * 0.5f32.log10()).abs() < 1.0,
            "level {} dB",
            bands[k]
        );
        let two_octaves_off = (0..BANDS).find(|j| band_centre(*j) >= 4_000.0).unwrap();
        assert!(bands[k] - bands[two_octaves_off] > 40.0);
        assert_eq!(
            BANDS,
            ((HIGH_HZ / LOW_HZ).log2() * PER_OCTAVE).round() as usize
        );
    }
}

//! Requantisation of the rendered float master to 16- or 24-bit integers (main thread), with
//! TPDF dither (two uniform variables, ±1 LSB peak, so the error is signal-independent in mean
//! and power) and, for 16-bit, optional noise shaping by error feedback (Wannamaker's 3-tap
//! F-weighted filter, noise transfer `1 − 1.623 z⁻¹ + 0.982 z⁻² − 0.109 z⁻³`: the noise moves out
//! of the ear's most sensitive band, 2–5 kHz, towards the top octave).

/// Dither applied before rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dither {
    /// Plain rounding: digital silence stays zeros, and the error follows the signal.
    Off,
    /// TPDF, ±1 LSB.
    Tpdf,
    /// TPDF plus noise shaping (16-bit only; at 24-bit shaping is pointless).
    TpdfShaped,
}

impl Dither {
    pub const ALL: [Dither; 3] = [Dither::Tpdf, Dither::TpdfShaped, Dither::Off];

    /// Stable key for `<select>` values and the report.
    pub fn key(self) -> &'static str {
        match self {
            Dither::Off => "off",
            Dither::Tpdf => "tpdf",
            Dither::TpdfShaped => "tpdf-shaped",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dither::Off => "Off (rounding)",
            Dither::Tpdf => "TPDF",
            Dither::TpdfShaped => "TPDF + noise shaping (16-bit)",
        }
    }

    pub fn from_key(key: &str) -> Option<Dither> {
        Dither::ALL.into_iter().find(|d| d.key() == key)
    }
}

/// Error-feedback taps (F-weighted, Wannamaker 1992).
const SHAPING: [f64; 3] = [1.623, -0.982, 0.109];

/// Quantiser for one stereo stream: `bits` 16 or 24, deterministic noise (seeded), so an export
/// can be repeated bit for bit.
#[derive(Clone, Debug)]
pub struct Quantizer {
    scale: f64,
    dither: Dither,
    rng: u64,
    /// Last three quantisation errors per channel, newest first (LSB).
    errors: [[f64; 3]; 2],
}

impl Quantizer {
    pub fn new(bits: u32, dither: Dither, seed: u64) -> Quantizer {
        Quantizer {
            scale: (1u64 << (bits.clamp(8, 32) - 1)) as f64,
            dither: if bits > 16 && dither == Dither::TpdfShaped {
                Dither::Tpdf
            } else {
                dither
            },
            rng: seed | 1,
            errors: [[0.0; 3]; 2],
        }
    }

    /// Full scale: the integer that stands for 1.0.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Uniform in [0, 1) (xorshift64*).
    fn uniform(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let x = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Quantises sample `x` (full scale ±1.0) of channel `ch` (0 or 1) to an integer in
    /// `−scale … scale − 1`. NaN becomes 0.
    pub fn quantize(&mut self, x: f32, ch: usize) -> i32 {
        let x = if x.is_finite() { x as f64 } else { 0.0 };
        let ch = ch.min(1);
        let mut v = x * self.scale;
        if self.dither == Dither::TpdfShaped {
            let e = &self.errors[ch];
            v -= SHAPING[0] * e[0] + SHAPING[1] * e[1] + SHAPING[2] * e[2];
        }
        let d = match self.dither {
            Dither::Off => 0.0,
            Dither::Tpdf | Dither::TpdfShaped => self.uniform() - self.uniform(),
        };
        let q = (v + d).round().clamp(-self.scale, self.scale - 1.0);
        if self.dither == Dither::TpdfShaped {
            // Bounded, so a clipped peak cannot make the feedback run away.
            let err = (q - v).clamp(-4.0, 4.0);
            let e = &mut self.errors[ch];
            *e = [err, e[0], e[1]];
        }
        q as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_dither_it_rounds_and_silence_stays_silent() {
        let mut q = Quantizer::new(24, Dither::Off, 1);
        for x in [0.0f32, 0.5, -0.25, 1.0, -1.0, 0.3] {
            let want = (x as f64 * 8_388_608.0)
                .round()
                .clamp(-8_388_608.0, 8_388_607.0) as i32;
            assert_eq!(q.quantize(x, 0), want);
        }
        let mut q = Quantizer::new(16, Dither::Off, 1);
        assert!((0..1000).all(|_| q.quantize(0.0, 0) == 0));
    }

    #[test]
    fn tpdf_turns_silence_into_triangular_noise_of_one_lsb() {
        let mut q = Quantizer::new(16, Dither::Tpdf, 7);
        let s: Vec<i32> = (0..100_000).map(|i| q.quantize(0.0, i % 2)).collect();
        assert!(s.iter().all(|v| v.abs() <= 1), "±1 LSB at most");
        let nonzero = s.iter().filter(|v| **v != 0).count() as f64 / s.len() as f64;
        // P(|d| > 0.5) for a triangular variable on −1…1 is 1/4.
        assert!((nonzero - 0.25).abs() < 0.01, "{nonzero}");
        let mean = s.iter().map(|v| *v as f64).sum::<f64>() / s.len() as f64;
        assert!(mean.abs() < 0.01);
    }

    #[test]
    fn dithered_quantisation_is_unbiased_for_a_level_below_one_lsb() {
        // A constant 0.3 LSB: rounding gives 0 every time; TPDF gives 0.3 on average.
        let mut q = Quantizer::new(16, Dither::Tpdf, 3);
        let x = (0.3 / 32_768.0) as f32;
        let mean = (0..200_000).map(|_| q.quantize(x, 0) as f64).sum::<f64>() / 200_000.0;
        assert!((mean - 0.3).abs() < 0.01, "{mean}");
    }

    #[test]
    fn noise_shaping_moves_noise_to_high_frequencies() {
        // Error power in a low band (DFT near 1 kHz) vs near 20 kHz at 44.1 kHz.
        let mut q = Quantizer::new(16, Dither::TpdfShaped, 5);
        let n = 44_100;
        let x: Vec<f32> = (0..n).map(|i| 0.25 * (i as f32 * 0.01).sin()).collect();
        let err: Vec<f64> = x
            .iter()
            .map(|s| q.quantize(*s, 0) as f64 - *s as f64 * 32_768.0)
            .collect();
        let band = |lo: f64, hi: f64| {
            let mut p = 0.0;
            let mut f = lo;
            while f < hi {
                let w = 2.0 * std::f64::consts::PI * f / 44_100.0;
                let (mut re, mut im) = (0.0, 0.0);
                for (i, e) in err.iter().enumerate() {
                    re += e * (w * i as f64).cos();
                    im += e * (w * i as f64).sin();
                }
                p += re * re + im * im;
                f += 250.0;
            }
            p
        };
        let low = band(2_000.0, 4_000.0);
        let high = band(18_000.0, 20_000.0);
        assert!(
            high > low * 10.0,
            "shaped noise: high {high:.3e} vs low {low:.3e}"
        );
    }
}

//! Cytomic (Andrew Simper) trapezoidal state-variable filter: the building block of the
//! high/low-pass filters and the EQ. Chosen over a direct-form biquad because its states stay
//! meaningful when coefficients change every sample, so smoothed sweeps do not zipper or blow up.
//! Its responses equal the RBJ Audio EQ Cookbook designs (same analog prototypes, bilinear
//! transform prewarped at the corner), which lets Chromium's `BiquadFilterNode` referee them.
//!
//! [`SvfCoefs::magnitude_db`] is the exact analytic response of the designed digital filter; the
//! UI draws the EQ curve with it and the tests compare measurements against it.

use core::f64::consts::PI;

/// Filter shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvfShape {
    LowPass,
    HighPass,
    /// Peaking EQ (RBJ "peakingEQ"): `gain_db` at `freq`, bandwidth set by Q.
    Bell,
    /// RBJ low shelf; Q = 1/√2 is the cookbook's shelf slope S = 1.
    LowShelf,
    /// RBJ high shelf.
    HighShelf,
}

/// Coefficients for one SVF section (audio thread computes them; pure function of the design).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvfCoefs {
    g: f64,
    k: f64,
    a1: f32,
    a2: f32,
    a3: f32,
    m0: f32,
    m1: f32,
    m2: f32,
}

impl super::FiniteState for SvfCoefs {
    fn state_finite(&self) -> bool {
        self.g.is_finite()
            && self.k.is_finite()
            && super::all_finite([&self.a1, &self.a2, &self.a3, &self.m0, &self.m1, &self.m2])
    }
}

impl SvfCoefs {
    /// Designs a section: `freq` Hz (clamped below Nyquist), `q` > 0, `gain_db` for bell and
    /// shelves, at `sample_rate` Hz.
    pub fn design(shape: SvfShape, freq: f64, q: f64, gain_db: f64, sample_rate: f64) -> SvfCoefs {
        let f = freq.clamp(1.0, sample_rate * 0.499);
        let q = q.max(1e-3);
        let w = (PI * f / sample_rate).tan();
        let a = 10f64.powf(gain_db / 40.0);
        let (g, k, m0, m1, m2) = match shape {
            SvfShape::LowPass => (w, 1.0 / q, 0.0, 0.0, 1.0),
            SvfShape::HighPass => (w, 1.0 / q, 1.0, -1.0 / q, -1.0),
            SvfShape::Bell => {
                let k = 1.0 / (q * a);
                (w, k, 1.0, k * (a * a - 1.0), 0.0)
            }
            SvfShape::LowShelf => {
                let k = 1.0 / q;
                (w / a.sqrt(), k, 1.0, k * (a - 1.0), a * a - 1.0)
            }
            SvfShape::HighShelf => {
                let k = 1.0 / q;
                (w * a.sqrt(), k, a * a, k * (1.0 - a) * a, 1.0 - a * a)
            }
        };
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        SvfCoefs {
            g,
            k,
            a1: a1 as f32,
            a2: a2 as f32,
            a3: a3 as f32,
            m0: m0 as f32,
            m1: m1 as f32,
            m2: m2 as f32,
        }
    }

    /// A section that passes audio unchanged.
    /// The per-sample coefficients `[a1, a2, a3, m0, m1, m2]` (for the pipelined chain).
    pub fn lanes(&self) -> [f32; 6] {
        [self.a1, self.a2, self.a3, self.m0, self.m1, self.m2]
    }

    pub const fn identity() -> SvfCoefs {
        SvfCoefs {
            g: 0.0,
            k: 1.0,
            a1: 1.0,
            a2: 0.0,
            a3: 0.0,
            m0: 1.0,
            m1: 0.0,
            m2: 0.0,
        }
    }

    /// Exact magnitude response in dB at `freq` Hz of the digital filter designed for
    /// `sample_rate`: the analog prototype `H(s) = (m0·s² + (m0·k + m1)·s + m0 + m2) / (s² + k·s + 1)`
    /// evaluated at the bilinear image `s = j·tan(π·f/fs)/g`.
    pub fn magnitude_db(&self, freq: f64, sample_rate: f64) -> f64 {
        if self.g == 0.0 {
            return 0.0;
        }
        let (m0, m1, m2) = (self.m0 as f64, self.m1 as f64, self.m2 as f64);
        let w = (PI * freq / sample_rate).tan() / self.g;
        // H(jw) = (m0·(−w²) + m0 + m2 + j·(m0·k + m1)·w) / (1 − w² + j·k·w)
        let num_re = m0 + m2 - m0 * w * w;
        let num_im = (m0 * self.k + m1) * w;
        let den_re = 1.0 - w * w;
        let den_im = self.k * w;
        10.0 * ((num_re * num_re + num_im * num_im) / (den_re * den_re + den_im * den_im)).log10()
    }
}

/// The two integrator states of one section, for one channel.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SvfState {
    ic1eq: f32,
    ic2eq: f32,
}

impl super::FiniteState for SvfState {
    fn state_finite(&self) -> bool {
        super::all_finite(&self.values())
    }
}

impl SvfState {
    /// Filters one sample.
    #[inline]
    pub fn tick(&mut self, c: &SvfCoefs, v0: f32) -> f32 {
        let v3 = v0 - self.ic2eq;
        let v1 = c.a1 * self.ic1eq + c.a2 * v3;
        let v2 = self.ic2eq + c.a2 * self.ic1eq + c.a3 * v3;
        // Flush decaying states before they turn subnormal.
        self.ic1eq = super::flush(2.0 * v1 - self.ic1eq);
        self.ic2eq = super::flush(2.0 * v2 - self.ic2eq);
        c.m0 * v0 + c.m1 * v1 + c.m2 * v2
    }

    /// Filters a block in place with fixed coefficients: the same arithmetic as [`Self::tick`]
    /// sample by sample (bit for bit), with the states held in registers.
    #[inline]
    pub fn run(&mut self, c: &SvfCoefs, x: &mut [f32]) {
        let mut s = *self;
        for v in x {
            *v = s.tick(c, *v);
        }
        *self = s;
    }

    /// Filters two channels at once (independent states, shared coefficients): the two
    /// recursions interleave, so neither waits on the other.
    #[inline]
    pub fn run_pair(states: &mut [SvfState; 2], c: &SvfCoefs, l: &mut [f32], r: &mut [f32]) {
        let [mut a, mut b] = *states;
        for (x, y) in l.iter_mut().zip(r.iter_mut()) {
            *x = a.tick(c, *x);
            *y = b.tick(c, *y);
        }
        *states = [a, b];
    }

    pub fn reset(&mut self) {
        *self = SvfState::default();
    }

    /// A state from its two integrator values (see [`Self::values`]).
    pub fn from_values(v: [f32; 2]) -> SvfState {
        SvfState {
            ic1eq: v[0],
            ic2eq: v[1],
        }
    }

    /// The two integrator states.
    pub fn values(&self) -> [f32; 2] {
        [self.ic1eq, self.ic2eq]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f64 = 48_000.0;

    /// Steady-state gain of the running filter for a sine at `f`, in dB.
    fn measured_db(c: &SvfCoefs, f: f64) -> f64 {
        let mut s = SvfState::default();
        let n = (FS * 0.5) as usize;
        let (mut a, mut b, mut ia, mut ib) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        let skip = n / 2; // let the transient die
        let cycles = ((n - skip) as f64 * f / FS).floor();
        let len = (cycles * FS / f).round() as usize;
        for i in 0..skip + len {
            let ph = 2.0 * PI * f * i as f64 / FS;
            let x = ph.sin() as f32 * 0.5;
            let y = s.tick(c, x) as f64;
            if i >= skip {
                a += y * ph.cos();
                b += y * ph.sin();
                ia += x as f64 * ph.cos();
                ib += x as f64 * ph.sin();
            }
        }
        10.0 * ((a * a + b * b) / (ia * ia + ib * ib)).log10()
    }

    #[test]
    fn bell_peaks_at_its_gain_and_shelves_reach_theirs() {
        let bell = SvfCoefs::design(SvfShape::Bell, 1_000.0, 1.0, 6.0, FS);
        assert!((bell.magnitude_db(1_000.0, FS) - 6.0).abs() < 1e-4);
        assert!(bell.magnitude_db(20.0, FS).abs() < 0.01);
        let low = SvfCoefs::design(
            SvfShape::LowShelf,
            200.0,
            core::f64::consts::FRAC_1_SQRT_2,
            -9.0,
            FS,
        );
        assert!((low.magnitude_db(10.0, FS) + 9.0).abs() < 0.05);
        assert!(low.magnitude_db(15_000.0, FS).abs() < 0.05);
        let high = SvfCoefs::design(
            SvfShape::HighShelf,
            5_000.0,
            core::f64::consts::FRAC_1_SQRT_2,
            4.0,
            FS,
        );
        assert!((high.magnitude_db(20_000.0, FS) - 4.0).abs() < 0.1);
        let lp = SvfCoefs::design(
            SvfShape::LowPass,
            1_000.0,
            core::f64::consts::FRAC_1_SQRT_2,
            0.0,
            FS,
        );
        assert!((lp.magnitude_db(1_000.0, FS) + 3.0103).abs() < 1e-3);
        let hp = SvfCoefs::design(
            SvfShape::HighPass,
            1_000.0,
            core::f64::consts::FRAC_1_SQRT_2,
            0.0,
            FS,
        );
        assert!((hp.magnitude_db(1_000.0, FS) + 3.0103).abs() < 1e-3);
    }

    #[test]
    fn running_filter_matches_its_analytic_response() {
        let designs = [
            SvfCoefs::design(SvfShape::Bell, 2_500.0, 2.0, -12.0, FS),
            SvfCoefs::design(
                SvfShape::LowShelf,
                120.0,
                core::f64::consts::FRAC_1_SQRT_2,
                6.0,
                FS,
            ),
            SvfCoefs::design(
                SvfShape::HighShelf,
                8_000.0,
                core::f64::consts::FRAC_1_SQRT_2,
                -6.0,
                FS,
            ),
            SvfCoefs::design(
                SvfShape::HighPass,
                80.0,
                core::f64::consts::FRAC_1_SQRT_2,
                0.0,
                FS,
            ),
            SvfCoefs::design(
                SvfShape::LowPass,
                12_000.0,
                core::f64::consts::FRAC_1_SQRT_2,
                0.0,
                FS,
            ),
        ];
        for c in &designs {
            for f in [50.0, 300.0, 1_000.0, 3_000.0, 9_000.0, 16_000.0] {
                let (want, got) = (c.magnitude_db(f, FS), measured_db(c, f));
                assert!(
                    (want - got).abs() < 0.02,
                    "{c:?} at {f} Hz: {got} vs {want}"
                );
            }
        }
    }
}

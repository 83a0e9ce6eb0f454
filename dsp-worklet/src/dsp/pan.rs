//! Pan and balance laws. Positions are −1 (hard left) … 0 (centre) … +1 (hard right).

use core::f32::consts::FRAC_PI_2;

/// Constant-power pan for a mono source: `(cos θ, sin θ)` with `θ = (p + 1)·π/4`.
/// Centre is −3.01 dB in each channel; L² + R² = 1 everywhere, so loudness stays constant.
#[inline]
pub fn mono_pan(position: f32) -> (f32, f32) {
    let p = position.clamp(-1.0, 1.0);
    if p == 0.0 {
        // Exactly equal at centre (cos and sin of π/4 differ in their last bit in f32).
        return (
            core::f32::consts::FRAC_1_SQRT_2,
            core::f32::consts::FRAC_1_SQRT_2,
        );
    }
    let theta = (p + 1.0) * 0.5 * FRAC_PI_2;
    (theta.cos(), theta.sin())
}

/// Balance for a stereo source: unity for both channels at centre; moving right attenuates the left
/// channel along `cos(p·π/2)` (−3.01 dB at ±50, silent at the hard end), and vice versa.
#[inline]
pub fn stereo_balance(position: f32) -> (f32, f32) {
    let p = position.clamp(-1.0, 1.0);
    if p > 0.0 {
        ((p * FRAC_PI_2).cos(), 1.0)
    } else if p < 0.0 {
        (1.0, (p * FRAC_PI_2).cos())
    } else {
        (1.0, 1.0)
    }
}

/// The (left, right) gains for a track of `channels` channels at `position`.
#[inline]
pub fn pan_gains(channels: usize, position: f32) -> (f32, f32) {
    if channels == 1 {
        mono_pan(position)
    } else {
        stereo_balance(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(x: f32) -> f32 {
        20.0 * x.log10()
    }

    #[test]
    fn mono_pan_law_hard_left_centre_hard_right() {
        let (l, r) = mono_pan(-1.0);
        assert!((l - 1.0).abs() < 1e-7 && r.abs() < 1e-7);
        let (l, r) = mono_pan(0.0);
        assert!((db(l) + 3.0103).abs() < 1e-3 && l == r);
        let (l, r) = mono_pan(1.0);
        assert!(l.abs() < 1e-7 && (r - 1.0).abs() < 1e-7);
        for i in -10..=10 {
            let (l, r) = mono_pan(i as f32 / 10.0);
            assert!((l * l + r * r - 1.0).abs() < 1e-6, "constant power at {i}");
        }
    }

    #[test]
    fn stereo_balance_hard_left_centre_hard_right() {
        assert_eq!(stereo_balance(0.0), (1.0, 1.0));
        let (l, r) = stereo_balance(-1.0);
        assert!(l == 1.0 && r.abs() < 1e-7);
        let (l, r) = stereo_balance(1.0);
        assert!(l.abs() < 1e-7 && r == 1.0);
        let (l, r) = stereo_balance(0.5);
        assert!((db(l) + 3.0103).abs() < 1e-3 && r == 1.0);
    }
}

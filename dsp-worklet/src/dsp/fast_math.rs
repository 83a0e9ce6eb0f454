//! Decibel conversions cheap enough to run per sample on the audio thread. In wasm, libm's
//! `log10`/`powf` run in software (a few hundred instructions each); these are a handful of
//! multiply-adds and one division, branch-free, accurate to about 1e-4 dB.

/// dB per octave of amplitude: 20·log10(2).
const DB_PER_LOG2: f32 = 6.020_6;

/// `log2(x)` for finite `x > 0` (the exponent from the bits, the mantissa's logarithm from the
/// atanh series `2/ln2·(t + t³/3 + t⁵/5 + t⁷/7)`, `t = (m−1)/(m+1)`): error below 2e-5.
#[inline]
pub fn log2(x: f32) -> f32 {
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // 1 ≤ m < 2
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series = t * (2.885_39 + t2 * (0.961_797 + t2 * (0.577_078 + t2 * 0.412_199)));
    exponent as f32 + series
}

/// `2^x`, clamped to the normal range (x in −126…127): integer part into the exponent bits,
/// fraction by a 6th-order Taylor polynomial of `e^(f·ln2)`: relative error below 2e-5.
#[inline]
pub fn exp2(x: f32) -> f32 {
    let x = x.clamp(-126.0, 127.0);
    let floor = x.floor();
    let f = (x - floor) * core::f32::consts::LN_2;
    let poly = 1.0
        + f * (1.0
            + f * (0.5
                + f * (1.0 / 6.0 + f * (1.0 / 24.0 + f * (1.0 / 120.0 + f * (1.0 / 720.0))))));
    f32::from_bits(((floor as i32 + 127) as u32) << 23) * poly
}

/// Level in dB of a linear amplitude `x > 0`.
#[inline]
pub fn gain_to_db(x: f32) -> f32 {
    DB_PER_LOG2 * log2(x)
}

/// Linear gain for `db` (−760…760 dB).
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    exp2(db * (1.0 / DB_PER_LOG2))
}

/// The larger of `a` and `b` as compares and selects; a NaN argument yields the other one, as
/// with `f32::max`. In wasm `f32::max` cannot use the `f32.max` instruction (which propagates
/// NaN), so it becomes a call to libm's `fmaxf` per sample; this inlines and vectorises.
#[inline(always)]
pub fn max(a: f32, b: f32) -> f32 {
    if a.is_nan() || b > a { b } else { a }
}

/// The smaller of `a` and `b` (see [`max`]).
#[inline(always)]
pub fn min(a: f32, b: f32) -> f32 {
    if a.is_nan() || b < a { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gate's block path relies on this: its stored gain at 0 dB is exactly 1.
    #[test]
    fn max_is_f32_max_for_ordered_values_and_skips_nan() {
        for (a, b) in [
            (1.0f32, 2.0f32),
            (2.0, 1.0),
            (-3.0, -4.0),
            (0.5, 0.5),
            (0.0, 1e-30),
        ] {
            assert_eq!(max(a, b), a.max(b));
        }
        assert_eq!(max(f32::NAN, 1.0), 1.0);
        assert_eq!(max(1.0, f32::NAN), 1.0);
    }

    #[test]
    fn zero_db_is_exactly_unity() {
        assert_eq!(db_to_gain(0.0), 1.0);
    }

    #[test]
    fn log2_and_exp2_match_libm() {
        let mut x = 1e-30f32;
        while x < 1e30 {
            assert!((log2(x) - x.log2()).abs() < 2e-5, "log2({x})");
            x *= 1.37;
        }
        for i in -1200..=1200 {
            let e = i as f32 / 10.0;
            let rel = (exp2(e) / e.exp2() - 1.0).abs();
            assert!(rel < 2e-5, "exp2({e}): {rel}");
        }
    }

    #[test]
    fn decibels_round_trip_within_a_ten_thousandth_of_a_db() {
        for i in -1440..=480 {
            let db = i as f32 / 10.0;
            let g = db_to_gain(db);
            assert!((20.0 * g.log10() - db).abs() < 1e-3, "{db} dB");
            assert!((gain_to_db(g) - db).abs() < 2e-3, "{db} dB back");
        }
    }
}

//! Four f32 lanes (audio thread): `simd128` in the worklet, SSE natively, plain arrays
//! elsewhere. Every operation is IEEE single precision lane by lane, so code written with it gives
//! the same bits as the scalar arithmetic it stands for, on every target.

/// Four f32 lanes: `simd128` in the worklet, SSE natively (both IEEE single precision lane by
/// lane, so either gives the scalar code's bits), plain arrays elsewhere.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F4(Raw);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type Raw = core::arch::wasm32::v128;
#[cfg(target_arch = "x86_64")]
type Raw = core::arch::x86_64::__m128;
#[cfg(not(any(
    all(target_arch = "wasm32", target_feature = "simd128"),
    target_arch = "x86_64"
)))]
type Raw = [f32; 4];

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl F4 {
    #[inline(always)]
    pub(crate) fn new(x: [f32; 4]) -> F4 {
        F4(core::arch::wasm32::f32x4(x[0], x[1], x[2], x[3]))
    }
    #[inline(always)]
    pub(crate) fn lane(self, k: usize) -> f32 {
        self.to_array()[k]
    }
    #[inline(always)]
    pub(crate) fn to_array(self) -> [f32; 4] {
        use core::arch::wasm32::f32x4_extract_lane as e;
        [
            e::<0>(self.0),
            e::<1>(self.0),
            e::<2>(self.0),
            e::<3>(self.0),
        ]
    }
    /// `[prev[3], self[0], self[1], self[2]]`: the mono pipeline's shift by one lane.
    #[inline(always)]
    pub(crate) fn shift_in_one(self, prev: F4) -> F4 {
        F4(core::arch::wasm32::i32x4_shuffle::<7, 0, 1, 2>(
            self.0, prev.0,
        ))
    }
    /// `[prev[2], prev[3], self[0], self[1]]`: the stereo pipeline's shift by one lane pair.
    #[inline(always)]
    pub(crate) fn shift_in_pair(self, prev: F4) -> F4 {
        F4(core::arch::wasm32::i32x4_shuffle::<6, 7, 0, 1>(
            self.0, prev.0,
        ))
    }
    #[inline(always)]
    pub(crate) fn add(self, o: F4) -> F4 {
        F4(core::arch::wasm32::f32x4_add(self.0, o.0))
    }
    #[inline(always)]
    pub(crate) fn sub(self, o: F4) -> F4 {
        F4(core::arch::wasm32::f32x4_sub(self.0, o.0))
    }
    #[inline(always)]
    pub(crate) fn mul(self, o: F4) -> F4 {
        F4(core::arch::wasm32::f32x4_mul(self.0, o.0))
    }
    #[inline(always)]
    pub(crate) fn flush(self) -> F4 {
        use core::arch::wasm32::*;
        let tiny = f32x4_lt(f32x4_abs(self.0), f32x4_splat(1e-20));
        F4(v128_andnot(self.0, tiny))
    }
    #[inline(always)]
    pub(crate) fn keep_where(self, new: F4, keep: F4) -> F4 {
        F4(core::arch::wasm32::v128_bitselect(self.0, new.0, keep.0))
    }
    /// All-ones lanes where `keep[k]`.
    #[inline(always)]
    pub(crate) fn mask(keep: [bool; 4]) -> F4 {
        let m = |b: bool| if b { -1i32 } else { 0 };
        F4(core::arch::wasm32::i32x4(
            m(keep[0]),
            m(keep[1]),
            m(keep[2]),
            m(keep[3]),
        ))
    }
}

// SAFETY (every block below): SSE and SSE2 are part of the x86_64 baseline, so these
// intrinsics are always available; none of them touches memory except the unaligned store.
#[cfg(target_arch = "x86_64")]
impl F4 {
    #[inline(always)]
    pub(crate) fn new(x: [f32; 4]) -> F4 {
        use core::arch::x86_64::*;
        F4(unsafe { _mm_setr_ps(x[0], x[1], x[2], x[3]) })
    }
    #[inline(always)]
    pub(crate) fn lane(self, k: usize) -> f32 {
        self.to_array()[k]
    }
    #[inline(always)]
    pub(crate) fn to_array(self) -> [f32; 4] {
        let mut out = [0.0f32; 4];
        unsafe { core::arch::x86_64::_mm_storeu_ps(out.as_mut_ptr(), self.0) };
        out
    }
    #[inline(always)]
    pub(crate) fn shift_in_one(self, prev: F4) -> F4 {
        use core::arch::x86_64::*;
        F4(unsafe {
            // [prev[3], prev[3], self[0], self[0]], then lanes 0 and 2 of that and 1, 2 of self.
            let t = _mm_shuffle_ps::<0b00_00_11_11>(prev.0, self.0);
            _mm_shuffle_ps::<0b10_01_10_00>(t, self.0)
        })
    }
    #[inline(always)]
    pub(crate) fn shift_in_pair(self, prev: F4) -> F4 {
        use core::arch::x86_64::*;
        // Lanes 2 and 3 of `prev`, then lanes 0 and 1 of `self`.
        F4(unsafe { _mm_shuffle_ps::<0b01_00_11_10>(prev.0, self.0) })
    }
    #[inline(always)]
    pub(crate) fn add(self, o: F4) -> F4 {
        F4(unsafe { core::arch::x86_64::_mm_add_ps(self.0, o.0) })
    }
    #[inline(always)]
    pub(crate) fn sub(self, o: F4) -> F4 {
        F4(unsafe { core::arch::x86_64::_mm_sub_ps(self.0, o.0) })
    }
    #[inline(always)]
    pub(crate) fn mul(self, o: F4) -> F4 {
        F4(unsafe { core::arch::x86_64::_mm_mul_ps(self.0, o.0) })
    }
    #[inline(always)]
    pub(crate) fn flush(self) -> F4 {
        use core::arch::x86_64::*;
        F4(unsafe {
            let abs = _mm_andnot_ps(_mm_set1_ps(-0.0), self.0);
            let tiny = _mm_cmplt_ps(abs, _mm_set1_ps(1e-20));
            _mm_andnot_ps(tiny, self.0)
        })
    }
    #[inline(always)]
    pub(crate) fn keep_where(self, new: F4, keep: F4) -> F4 {
        use core::arch::x86_64::*;
        F4(unsafe { _mm_or_ps(_mm_and_ps(keep.0, self.0), _mm_andnot_ps(keep.0, new.0)) })
    }
    #[inline(always)]
    pub(crate) fn mask(keep: [bool; 4]) -> F4 {
        use core::arch::x86_64::*;
        let m = |b: bool| if b { -1i32 } else { 0 };
        F4(unsafe {
            _mm_castsi128_ps(_mm_setr_epi32(
                m(keep[0]),
                m(keep[1]),
                m(keep[2]),
                m(keep[3]),
            ))
        })
    }
}

#[cfg(not(any(
    all(target_arch = "wasm32", target_feature = "simd128"),
    target_arch = "x86_64"
)))]
impl F4 {
    #[inline(always)]
    pub(crate) fn new(x: [f32; 4]) -> F4 {
        F4(x)
    }
    #[inline(always)]
    pub(crate) fn lane(self, k: usize) -> f32 {
        self.0[k]
    }
    #[inline(always)]
    pub(crate) fn to_array(self) -> [f32; 4] {
        self.0
    }
    #[inline(always)]
    pub(crate) fn shift_in_one(self, prev: F4) -> F4 {
        F4([prev.0[3], self.0[0], self.0[1], self.0[2]])
    }
    #[inline(always)]
    pub(crate) fn shift_in_pair(self, prev: F4) -> F4 {
        F4([prev.0[2], prev.0[3], self.0[0], self.0[1]])
    }
    #[inline(always)]
    pub(crate) fn add(self, o: F4) -> F4 {
        F4(core::array::from_fn(|k| self.0[k] + o.0[k]))
    }
    #[inline(always)]
    pub(crate) fn sub(self, o: F4) -> F4 {
        F4(core::array::from_fn(|k| self.0[k] - o.0[k]))
    }
    #[inline(always)]
    pub(crate) fn mul(self, o: F4) -> F4 {
        F4(core::array::from_fn(|k| self.0[k] * o.0[k]))
    }
    #[inline(always)]
    pub(crate) fn flush(self) -> F4 {
        F4(self.0.map(|x| if x.abs() < 1e-20 { 0.0 } else { x }))
    }
    #[inline(always)]
    pub(crate) fn keep_where(self, new: F4, keep: F4) -> F4 {
        F4(core::array::from_fn(|k| {
            if keep.0[k] != 0.0 {
                self.0[k]
            } else {
                new.0[k]
            }
        }))
    }
    #[inline(always)]
    pub(crate) fn mask(keep: [bool; 4]) -> F4 {
        F4(keep.map(|b| if b { 1.0 } else { 0.0 }))
    }
}

impl F4 {
    #[inline(always)]
    pub(crate) fn splat(x: f32) -> F4 {
        F4::new([x; 4])
    }
}

impl Default for F4 {
    fn default() -> F4 {
        F4::splat(0.0)
    }
}

// Lane-wise |x| and max, and the largest lane (exact operations: no rounding, any order).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl F4 {
    /// Lane-wise `|x|`.
    #[inline(always)]
    pub(crate) fn abs(self) -> F4 {
        F4(core::arch::wasm32::f32x4_abs(self.0))
    }
    /// Lane-wise larger (`b` where `a < b`, else `a`).
    #[inline(always)]
    pub(crate) fn max(self, o: F4) -> F4 {
        F4(core::arch::wasm32::f32x4_pmax(self.0, o.0))
    }
}

#[cfg(target_arch = "x86_64")]
impl F4 {
    /// Lane-wise `|x|`.
    #[inline(always)]
    pub(crate) fn abs(self) -> F4 {
        use core::arch::x86_64::*;
        F4(unsafe { _mm_andnot_ps(_mm_set1_ps(-0.0), self.0) })
    }
    /// Lane-wise larger.
    #[inline(always)]
    pub(crate) fn max(self, o: F4) -> F4 {
        F4(unsafe { core::arch::x86_64::_mm_max_ps(o.0, self.0) })
    }
}

#[cfg(not(any(
    all(target_arch = "wasm32", target_feature = "simd128"),
    target_arch = "x86_64"
)))]
impl F4 {
    /// Lane-wise `|x|`.
    #[inline(always)]
    pub(crate) fn abs(self) -> F4 {
        F4(self.0.map(f32::abs))
    }
    /// Lane-wise larger.
    #[inline(always)]
    pub(crate) fn max(self, o: F4) -> F4 {
        F4(core::array::from_fn(|k| {
            if self.0[k] < o.0[k] {
                o.0[k]
            } else {
                self.0[k]
            }
        }))
    }
}

impl F4 {
    /// The largest lane.
    #[inline(always)]
    pub(crate) fn max_lane(self) -> f32 {
        let a = self.to_array();
        let m = |x: f32, y: f32| if x < y { y } else { x };
        m(m(a[0], a[1]), m(a[2], a[3]))
    }
}

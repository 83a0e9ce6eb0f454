//! A track's region (audio thread): the part of its stem that plays — trimmed start and end,
//! fades in and out with a shape, and clip gain — applied non-destructively where the stem is
//! read, before the strip. The gain at a stem frame is a function of that frame alone (clip gain
//! changes ramp), so any block size, a seek, playback and export give the same samples.

use crate::dsp::smoother::LinearSmoother;
use crate::params::{FADE_SHAPES, ParamId, db_to_gain};

/// How a fade moves between silence (t = 0) and full level (t = 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FadeShape {
    /// Amplitude proportional to time.
    Linear,
    /// `sin(π·t/2)`: a crossfade between two such fades keeps the power constant.
    EqualPower,
    /// `(1000^t − 1)/999`: close to a straight line in dB above −40 dB, the ear's idea of a
    /// smooth fade-out.
    Exponential,
    /// `(1 − cos(π·t))/2`: slow at both ends.
    SCurve,
}

impl FadeShape {
    /// The shape a parameter value picks (its index in [`FADE_SHAPES`]).
    pub fn from_value(v: f32) -> FadeShape {
        match v.round() as i32 {
            1 => FadeShape::EqualPower,
            2 => FadeShape::Exponential,
            3 => FadeShape::SCurve,
            _ => FadeShape::Linear,
        }
    }

    /// The gain at `t` (0…1, clamped).
    pub fn gain(self, t: f64) -> f64 {
        let t = t.clamp(0.0, 1.0);
        match self {
            FadeShape::Linear => t,
            FadeShape::EqualPower => (core::f64::consts::FRAC_PI_2 * t).sin(),
            FadeShape::Exponential => (1000f64.powf(t) - 1.0) / 999.0,
            FadeShape::SCurve => 0.5 - 0.5 * (core::f64::consts::PI * t).cos(),
        }
    }
}

const _: () = assert!(FADE_SHAPES.len() == 4);

/// Where a region starts and ends and how it fades, in frames.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bounds {
    /// First frame heard.
    start: u64,
    /// Frame after the last heard (`u64::MAX`: the stem's end).
    end: u64,
    fade_in: u64,
    fade_out: u64,
    in_shape: FadeShape,
    out_shape: FadeShape,
}

impl Bounds {
    const WHOLE: Bounds = Bounds {
        start: 0,
        end: u64::MAX,
        fade_in: 0,
        fade_out: 0,
        in_shape: FadeShape::Linear,
        out_shape: FadeShape::Linear,
    };

    /// The fade gain at stem frame `f` of a stem `stem_frames` long.
    fn gain(&self, f: u64, stem_frames: u64) -> f64 {
        let end = self.end.min(stem_frames);
        if f < self.start || f >= end {
            return 0.0;
        }
        let mut g = 1.0;
        if f - self.start < self.fade_in {
            g *= self
                .in_shape
                .gain((f - self.start) as f64 / self.fade_in as f64);
        }
        if end - f <= self.fade_out {
            g *= self.out_shape.gain((end - f) as f64 / self.fade_out as f64);
        }
        g
    }
}

/// A track's region: its bounds, a crossfade from the bounds before the last edit made while
/// playing (so moving a trim or fade past the playhead never cuts), and the clip gain.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    now: Bounds,
    /// The bounds before the last edit, heard less and less while `blend` runs to 1.
    before: Bounds,
    blend: LinearSmoother,
    /// Clip gain, linear (ramped).
    clip: LinearSmoother,
    sample_rate: f64,
}

impl crate::dsp::FiniteState for Region {
    fn state_finite(&self) -> bool {
        self.clip.state_finite() && self.blend.state_finite()
    }
}

/// Seconds at or past this in the region's end mean "the stem's end" (the row's maximum).
const TO_THE_END_S: f32 = crate::params::DAY_S;

impl Region {
    /// The whole stem at unity: changes nothing.
    pub fn new(sample_rate: f32) -> Region {
        Region {
            now: Bounds::WHOLE,
            before: Bounds::WHOLE,
            blend: LinearSmoother::new(1.0, ParamId::RegionStart.spec().smoothing_ms, sample_rate),
            clip: LinearSmoother::new(1.0, ParamId::ClipGain.spec().smoothing_ms, sample_rate),
            sample_rate: sample_rate as f64,
        }
    }

    fn frames(&self, seconds: f32) -> u64 {
        (seconds.max(0.0) as f64 * self.sample_rate).round() as u64
    }

    /// Sets a region parameter (display units: seconds, a shape's index, dB); false when `id`
    /// is not one. While playing (`snap` false) a change of bounds crossfades from the old
    /// ones over the row's smoothing time.
    pub fn set(&mut self, id: ParamId, v: f32, snap: bool) -> bool {
        let old = self.now;
        match id {
            ParamId::RegionStart => self.now.start = self.frames(v),
            ParamId::RegionEnd => {
                self.now.end = if v >= TO_THE_END_S {
                    u64::MAX
                } else {
                    self.frames(v)
                }
            }
            ParamId::FadeIn => self.now.fade_in = self.frames(v),
            ParamId::FadeOut => self.now.fade_out = self.frames(v),
            ParamId::FadeInShape => self.now.in_shape = FadeShape::from_value(v),
            ParamId::FadeOutShape => self.now.out_shape = FadeShape::from_value(v),
            ParamId::ClipGain => {
                self.clip.set(db_to_gain(v), snap);
                return true;
            }
            _ => return false,
        }
        if snap {
            self.before = self.now;
            self.blend.reset(1.0);
        } else if old != self.now {
            self.before = old;
            self.blend.reset(0.0);
            self.blend.set_target(1.0);
        }
        true
    }

    /// Ends the clip gain's ramp and any crossfade.
    pub fn settle(&mut self) {
        self.clip.reset(self.clip.target());
        self.blend.reset(1.0);
        self.before = self.now;
    }

    /// True when the region changes nothing: the whole stem, no fades, unity clip gain, no
    /// crossfade running.
    pub fn is_identity(&self) -> bool {
        self.now == Bounds::WHOLE
            && !self.blend.is_smoothing()
            && !self.clip.is_smoothing()
            && self.clip.current() == 1.0
    }

    /// The fade gain at stem frame `f` of a stem `stem_frames` long (clip gain excluded): 0
    /// outside the region, the fade-in's shape over its first `fade_in` frames, the fade-out's
    /// over its last `fade_out` (both where they overlap), 1 between.
    pub fn fade_gain(&self, f: u64, stem_frames: u64) -> f64 {
        self.now.gain(f, stem_frames)
    }

    /// Applies the region to the stem frames `first .. first + l.len()` in `l` (and `r` when
    /// `stereo`). Never allocates.
    pub fn apply(
        &mut self,
        first: u64,
        stem_frames: u64,
        l: &mut [f32],
        r: &mut [f32],
        stereo: bool,
    ) {
        let n = l.len() as u64;
        let b = self.now;
        let end = b.end.min(stem_frames);
        let last = first + n;
        let blending = self.blend.is_smoothing();
        if !blending && (last <= b.start || first >= end) {
            // Wholly outside: silence (the clip gain's ramp runs on in time).
            l.fill(0.0);
            r.fill(0.0);
            self.clip.skip(n as u32);
            return;
        }
        let body = !blending && first >= b.start + b.fade_in && last + b.fade_out <= end;
        if body && !self.clip.is_smoothing() {
            let k = self.clip.current();
            if k != 1.0 {
                l.iter_mut().for_each(|x| *x *= k);
                if stereo {
                    r.iter_mut().for_each(|x| *x *= k);
                }
            }
            return;
        }
        for (i, (a, c)) in l.iter_mut().zip(r.iter_mut()).enumerate() {
            let f = first + i as u64;
            let fade = if body {
                1.0
            } else if self.blend.is_smoothing() {
                let w = self.blend.next_value() as f64;
                let (was, is) = (self.before.gain(f, stem_frames), b.gain(f, stem_frames));
                was + (is - was) * w
            } else {
                b.gain(f, stem_frames)
            };
            let g = fade as f32 * self.clip.next_value();
            *a *= g;
            if stereo {
                *c *= g;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    fn region(settings: &[(ParamId, f32)]) -> Region {
        let mut r = Region::new(FS);
        for (p, v) in settings {
            r.set(*p, *v, true);
        }
        r
    }

    #[test]
    fn each_shape_meets_its_formula_at_the_ends_and_between() {
        for (shape, f) in [
            (FadeShape::Linear, (|t: f64| t) as fn(f64) -> f64),
            (FadeShape::EqualPower, |t| {
                (std::f64::consts::FRAC_PI_2 * t).sin()
            }),
            (FadeShape::Exponential, |t| {
                (10f64.powf(3.0 * t) - 1.0) / 999.0
            }),
            (FadeShape::SCurve, |t| {
                (1.0 - (std::f64::consts::PI * t).cos()) / 2.0
            }),
        ] {
            assert_eq!(shape.gain(0.0), 0.0, "{shape:?}");
            assert!((shape.gain(1.0) - 1.0).abs() < 1e-12, "{shape:?}");
            for t in [0.1, 0.25, 0.5, 0.9] {
                assert!((shape.gain(t) - f(t)).abs() < 1e-12, "{shape:?} at {t}");
            }
        }
        // Exponential fades are close to straight in dB: −30 dB half way… (10^1.5−1)/999.
        let half = 20.0 * FadeShape::Exponential.gain(0.5).log10();
        assert!((half + 30.4).abs() < 0.2, "{half}");
    }

    #[test]
    fn trimmed_frames_are_silent_and_fades_follow_their_shapes() {
        let r = region(&[
            (ParamId::RegionStart, 1.0),
            (ParamId::RegionEnd, 3.0),
            (ParamId::FadeIn, 0.5),
            (ParamId::FadeOut, 1.0),
            (ParamId::FadeOutShape, 1.0),
        ]);
        let stem = 10 * 48_000;
        assert_eq!(r.fade_gain(0, stem), 0.0);
        assert_eq!(r.fade_gain(47_999, stem), 0.0);
        assert_eq!(
            r.fade_gain(48_000, stem),
            0.0,
            "a fade in starts from silence"
        );
        assert!((r.fade_gain(48_000 + 12_000, stem) - 0.5).abs() < 1e-12);
        assert_eq!(r.fade_gain(72_000, stem), 1.0);
        assert_eq!(r.fade_gain(96_000, stem), 1.0, "the fade out starts at 2 s");
        let quarter = r.fade_gain(144_000 - 12_000, stem);
        assert!((quarter - (std::f64::consts::FRAC_PI_8).sin()).abs() < 1e-12);
        assert_eq!(r.fade_gain(144_000, stem), 0.0, "the end is exclusive");
        // An end past the stem's: the fade ends with the stem.
        let r = region(&[(ParamId::FadeOut, 1.0)]);
        assert!((r.fade_gain(stem - 24_000, stem) - 0.5).abs() < 1e-12);
    }

    /// Moving the start past the playhead while playing fades instead of cutting: no step
    /// larger than the 5 ms crossfade's.
    #[test]
    fn an_edit_while_playing_crossfades() {
        let mut r = region(&[]);
        let (mut l, mut rr) = (vec![0.5f32; 4_800], vec![0.5f32; 4_800]);
        r.apply(0, 96_000, &mut l[..2_400], &mut rr[..2_400], true);
        r.set(ParamId::RegionStart, 1.0, false); // the playhead (0.05 s) is now before it
        r.apply(2_400, 96_000, &mut l[2_400..], &mut rr[2_400..], true);
        let worst = l
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(worst <= 0.5 / 240.0 + 1e-6, "largest step {worst}");
        assert_eq!(
            l[4_799], 0.0,
            "after the crossfade: silent before the start"
        );
    }

    #[test]
    fn block_by_block_equals_frame_by_frame_with_a_clip_gain_ramp() {
        let mut settings = vec![
            (ParamId::RegionStart, 0.01),
            (ParamId::FadeIn, 0.02),
            (ParamId::FadeInShape, 3.0),
            (ParamId::FadeOut, 0.03),
            (ParamId::RegionEnd, 0.2),
        ];
        let stem = 12_000u64;
        let reference: Vec<f32> = {
            let mut r = region(&settings);
            r.set(ParamId::ClipGain, -6.0, false);
            let mut out = vec![1.0f32; stem as usize];
            for (i, x) in out.iter_mut().enumerate() {
                let (mut a, mut b) = ([*x], [*x]);
                r.apply(i as u64, stem, &mut a, &mut b, true);
                *x = a[0];
            }
            out
        };
        for block in [7usize, 128, 1000] {
            let mut r = region(&settings);
            r.set(ParamId::ClipGain, -6.0, false);
            let mut out = vec![1.0f32; stem as usize];
            let mut right = out.clone();
            for (k, (a, b)) in out
                .chunks_mut(block)
                .zip(right.chunks_mut(block))
                .enumerate()
            {
                r.apply((k * block) as u64, stem, a, b, true);
            }
            assert!(out == reference && right == reference, "block {block}");
        }
        assert_eq!(reference[479], 0.0);
        assert!(
            reference[5_000] > 0.49 && reference[5_000] < 0.51,
            "−6 dB clip gain"
        );
        settings.clear();
        assert!(region(&settings).is_identity());
    }
}

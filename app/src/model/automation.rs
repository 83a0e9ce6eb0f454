//! Automation lanes as the session holds them (plain data, main thread): one parameter's
//! envelope under a track or the master, its breakpoints in song frames at the session rate and
//! display units, and whether the engine reads it. The engine's side (following a lane while
//! playing) is `dsp_worklet::automation`; [`crate::model::lane_book`] turns lane edits into its
//! typed commands. What the UI draws is computed with the engine's own segment formula
//! ([`segment_value`]), so the drawn line is what plays.

use dsp_worklet::ParamId;
use dsp_worklet::automation::{Curve, GRID_FRAMES, Point, automatable, segment_value};

/// Most breakpoints in one lane (a document with more is refused; an edit past it is ignored).
pub const MAX_LANE_POINTS: usize = 10_000;
/// A point's value lies on a step: for a linear control, a multiple of the table's own step
/// from its minimum (0.1 dB on the fader, 1 on pan: what the control itself can set, so 0 dB is
/// exactly 0 dB); for a log-tapered one, one of `TRAVEL_STEPS + 1` equal steps of its travel
/// (3 cents on a frequency). That is far finer than a drag places a point, and keeps a link with
/// thousands of points short.
pub const TRAVEL_STEPS: u16 = 4095;
/// Most steps a value may have (a step index fits 14 bits: the document packs the curve with it).
pub const MAX_STEPS: u16 = 16_383;

/// Whether `param`'s values step by the table's own step (else by its travel).
fn by_table_step(param: ParamId) -> bool {
    let spec = param.spec();
    spec.taper == dsp_worklet::params::Taper::Linear
        && spec.step > 0.0
        && ((spec.max - spec.min) / spec.step).round() <= MAX_STEPS as f32
}

/// The last step of `param`'s values.
pub fn last_step(param: ParamId) -> u16 {
    let spec = param.spec();
    if by_table_step(param) {
        ((spec.max - spec.min) / spec.step).round() as u16
    } else {
        TRAVEL_STEPS
    }
}

/// The value of step `k` of `param` (display units).
pub fn step_value(param: ParamId, k: u16) -> f32 {
    let spec = param.spec();
    let k = k.min(last_step(param));
    if by_table_step(param) {
        // In whole steps from zero, then one division or product: round values come out exact
        // (−70 dB + 700 × 0.1 dB is 0 dB, not 1e-6).
        let step = spec.step as f64;
        let v = if step < 1.0 {
            let per_unit = (1.0 / step).round();
            ((spec.min as f64 * per_unit).round() + k as f64) / per_unit
        } else {
            ((spec.min as f64 / step).round() + k as f64) * step
        };
        spec.clamp(v as f32)
    } else {
        spec.from_normalized(k as f32 / TRAVEL_STEPS as f32)
    }
}

/// The step nearest `value`.
pub fn value_step(param: ParamId, value: f32) -> u16 {
    let spec = param.spec();
    let k = if by_table_step(param) {
        ((spec.clamp(value) as f64 - spec.min as f64) / spec.step as f64).round()
    } else {
        (spec.to_normalized(value) as f64 * TRAVEL_STEPS as f64).round()
    };
    k.clamp(0.0, last_step(param) as f64) as u16
}

/// `value` moved to the nearest step (display units).
pub fn snap_value(param: ParamId, value: f32) -> f32 {
    step_value(param, value_step(param, value))
}

/// A song frame moved to the engine's automation grid ([`GRID_FRAMES`], 0.67 ms at 48 kHz):
/// the engine reads lanes on that grid, so a point between two grid points sounds no different.
pub fn snap_frame(frame: u64) -> u64 {
    (frame + GRID_FRAMES / 2) / GRID_FRAMES * GRID_FRAMES
}

/// How a lane is played and written, as in a DAW.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneMode {
    /// Not played: the control's own value holds.
    Off,
    /// Played; the controls do not write.
    Read,
    /// Played; while you hold the control it writes, and when you let go the lane takes over
    /// again after a glide.
    Touch,
    /// Played; once you touch the control it writes, and keeps its last value until Stop.
    Latch,
    /// From Play to Stop the control's value is written, touched or not.
    Write,
}

impl LaneMode {
    /// Every mode, in menu order.
    pub const ALL: [LaneMode; 5] = [
        LaneMode::Off,
        LaneMode::Read,
        LaneMode::Touch,
        LaneMode::Latch,
        LaneMode::Write,
    ];

    /// Whether the engine plays the lane (every mode but Off; while a pass writes, the lane is
    /// off in the engine so that the control is heard).
    pub fn reading(self) -> bool {
        self != LaneMode::Off
    }

    /// Whether moving the control while playing writes the lane.
    pub fn writes(self) -> bool {
        matches!(self, LaneMode::Touch | LaneMode::Latch | LaneMode::Write)
    }

    /// Stable key (documents store `as u8`; the menu uses the key).
    pub fn key(self) -> &'static str {
        match self {
            LaneMode::Off => "off",
            LaneMode::Read => "read",
            LaneMode::Touch => "touch",
            LaneMode::Latch => "latch",
            LaneMode::Write => "write",
        }
    }

    pub fn from_key(key: &str) -> Option<LaneMode> {
        LaneMode::ALL.into_iter().find(|m| m.key() == key)
    }

    pub fn from_u8(raw: u8) -> Option<LaneMode> {
        LaneMode::ALL.get(raw as usize).copied()
    }

    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// One parameter's envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub param: ParamId,
    pub mode: LaneMode,
    /// In frame order; two points on one frame make a vertical step (the second applies from
    /// that frame on).
    pub points: Vec<Point>,
}

impl Lane {
    /// An empty lane for `param`, reading; `None` for a parameter that cannot be automated
    /// (monitoring, region, solo).
    pub fn new(param: ParamId) -> Option<Lane> {
        automatable(param).then(|| Lane {
            param,
            mode: LaneMode::Read,
            points: Vec::new(),
        })
    }

    /// The envelope's value at song frame `frame` (display units); `None` when the lane has
    /// no points. Before the first point its value holds, after the last the last.
    pub fn value_at(&self, frame: u64) -> Option<f32> {
        let first = self.points.first()?;
        if frame < first.frame {
            return Some(first.value);
        }
        let i = self.points.partition_point(|p| p.frame <= frame) - 1;
        Some(match self.points.get(i + 1) {
            Some(b) => segment_value(self.param, self.points[i], *b, frame),
            None => self.points[i].value,
        })
    }

    /// Adds a point at `frame` with `value` (snapped: [`snap_frame`], [`snap_value`]), after
    /// any point already on that frame; returns its index, or `None` when the lane is full.
    pub fn add_point(&mut self, frame: u64, value: f32, curve: Curve) -> Option<usize> {
        if self.points.len() >= MAX_LANE_POINTS {
            return None;
        }
        let (frame, value) = (snap_frame(frame), snap_value(self.param, value));
        let at = self.points.partition_point(|p| p.frame <= frame);
        self.points.insert(
            at,
            Point {
                frame,
                value,
                curve,
            },
        );
        Some(at)
    }

    /// Moves point `i` to `frame` and `value` (snapped, and in time between its neighbours,
    /// so the order — and the point's index — never changes).
    pub fn move_point(&mut self, i: usize, frame: u64, value: f32) {
        if i >= self.points.len() {
            return;
        }
        let lo = i.checked_sub(1).map_or(0, |j| self.points[j].frame);
        let hi = self.points.get(i + 1).map_or(u64::MAX, |p| p.frame);
        let value = snap_value(self.param, value);
        let p = &mut self.points[i];
        p.frame = snap_frame(frame).clamp(lo, hi);
        p.value = value;
    }

    /// Removes point `i`.
    pub fn remove_point(&mut self, i: usize) {
        if i < self.points.len() {
            self.points.remove(i);
        }
    }

    /// Sets the shape of the segment from point `i` to the next.
    pub fn set_curve(&mut self, i: usize, curve: Curve) {
        if let Some(p) = self.points.get_mut(i) {
            p.curve = curve;
        }
    }

    /// Moves the points `first ..= last` (a selection) by `frames` in time and `travel` in the
    /// control's travel (0…1 is the whole range), keeping them between their neighbours and in
    /// range.
    pub fn shift_points(&mut self, first: usize, last: usize, frames: i64, travel: f32) {
        let n = self.points.len();
        if first > last || last >= n {
            return;
        }
        let lo = first.checked_sub(1).map_or(0, |j| self.points[j].frame);
        let hi = self.points.get(last + 1).map_or(u64::MAX, |p| p.frame);
        let (a, b) = (self.points[first].frame, self.points[last].frame);
        // The whole selection moves by one amount, limited so its ends stay in their room.
        let frames = frames.clamp(
            -(a.saturating_sub(lo).min(i64::MAX as u64) as i64),
            hi.saturating_sub(b).min(i64::MAX as u64) as i64,
        );
        // Whole grid steps (the ends are on the grid, so the room is too).
        let frames = frames / GRID_FRAMES as i64 * GRID_FRAMES as i64;
        let spec = self.param.spec();
        for p in &mut self.points[first..=last] {
            p.frame = p.frame.saturating_add_signed(frames);
            let v = (spec.to_normalized(p.value) + travel).clamp(0.0, 1.0);
            p.value = snap_value(self.param, spec.from_normalized(v));
        }
    }

    /// Scales the values of points `first ..= last` about `anchor` (display units) by
    /// `factor` in the control's travel (0.5 halves their distance from it).
    pub fn scale_points(&mut self, first: usize, last: usize, anchor: f32, factor: f32) {
        if first > last || last >= self.points.len() || !factor.is_finite() {
            return;
        }
        let spec = self.param.spec();
        let a = spec.to_normalized(anchor);
        for p in &mut self.points[first..=last] {
            let v = (a + (spec.to_normalized(p.value) - a) * factor).clamp(0.0, 1.0);
            p.value = snap_value(self.param, spec.from_normalized(v));
        }
    }

    /// The points scaled to another session rate (a link opened at 44.1 kHz from 48 kHz),
    /// on the grid again.
    pub fn rescaled(&self, scale: f64) -> Lane {
        let mut l = self.clone();
        if scale != 1.0 {
            for p in &mut l.points {
                p.frame = snap_frame((p.frame as f64 * scale).round() as u64);
            }
        }
        l
    }
}

/// The lane of `param` in `lanes`.
pub fn find(lanes: &[Lane], param: ParamId) -> Option<&Lane> {
    lanes.iter().find(|l| l.param == param)
}

/// The lane of `param` in `lanes`, made (empty, reading) when there is none and the parameter
/// can be automated.
pub fn find_or_add(lanes: &mut Vec<Lane>, param: ParamId) -> Option<&mut Lane> {
    match lanes.iter().position(|l| l.param == param) {
        Some(i) => Some(&mut lanes[i]),
        None => {
            lanes.push(Lane::new(param)?);
            lanes.last_mut()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gain_lane() -> Lane {
        let mut l = Lane::new(ParamId::Gain).expect("automatable");
        l.add_point(1_024, -6.0, Curve::Linear);
        l.add_point(0, 0.0, Curve::Linear);
        l.add_point(2_048, -6.0, Curve::Fast);
        l
    }

    #[test]
    fn values_and_times_snap_to_the_travel_and_the_grid() {
        for p in [ParamId::Gain, ParamId::Pan, ParamId::HpFreq, ParamId::Mute] {
            let spec = p.spec();
            for k in 0..=1000 {
                let v = spec.from_normalized(k as f32 / 1000.0);
                let s = snap_value(p, v);
                // Snapping is stable (a stored value reads back as itself) and close.
                assert_eq!(snap_value(p, s).to_bits(), s.to_bits(), "{p:?} {v}");
                let off = (spec.to_normalized(s) - spec.to_normalized(v)).abs();
                assert!(off <= 0.5 / last_step(p) as f32 + 1e-6, "{p:?} {v} → {s}");
            }
        }
        // The fader steps by its own 0.1 dB: round values are exact.
        for db in [-70.0, -6.0, 0.0, 0.1, 12.0] {
            assert_eq!(snap_value(ParamId::Gain, db), db);
        }
        assert_eq!(snap_value(ParamId::Gain, -6.04), -6.0);
        assert_eq!(last_step(ParamId::Gain), 820);
        assert_eq!(last_step(ParamId::HpFreq), TRAVEL_STEPS);
        assert_eq!(snap_value(ParamId::Mute, 1.0), 1.0);
        assert_eq!(snap_frame(15), 0);
        assert_eq!(snap_frame(16), 32);
        assert_eq!(snap_frame(1_000), 992);
    }

    #[test]
    fn points_stay_in_order_and_in_range() {
        let mut l = gain_lane();
        let frames: Vec<u64> = l.points.iter().map(|p| p.frame).collect();
        assert_eq!(frames, [0, 1_024, 2_048]);
        // A point on an occupied frame goes after it (a vertical step).
        assert_eq!(l.add_point(1_024, -20.0, Curve::Linear), Some(2));
        assert_eq!(l.value_at(1_024), Some(snap_value(ParamId::Gain, -20.0)));
        // Moving cannot pass a neighbour; values are clamped to the fader's range.
        l.move_point(1, 5_000, 99.0);
        assert_eq!(l.points[1].frame, 1_024);
        assert_eq!(l.points[1].value, ParamId::Gain.spec().max);
        l.remove_point(1);
        assert_eq!(l.points.len(), 3);
        assert!(Lane::new(ParamId::Solo).is_none());
        assert!(Lane::new(ParamId::Mono).is_none());
    }

    #[test]
    fn the_drawn_value_is_the_engines_formula() {
        let l = gain_lane();
        assert_eq!(l.value_at(0), Some(0.0));
        let six = snap_value(ParamId::Gain, -6.0);
        // Halfway along a linear segment: halfway in the fader's travel.
        let mid = l.value_at(512).expect("value");
        let spec = ParamId::Gain.spec();
        let want = spec.from_normalized((spec.to_normalized(0.0) + spec.to_normalized(six)) / 2.0);
        assert!((mid - want).abs() < 1e-4, "{mid} vs {want}");
        // Flat after the last point, and before the first.
        assert_eq!(l.value_at(9_999_999), Some(six));
        let mut late = gain_lane();
        late.points.remove(0);
        assert_eq!(late.value_at(3), Some(six));
    }

    #[test]
    fn a_selection_moves_and_scales_within_its_room() {
        let mut l = gain_lane();
        l.add_point(3_072, -12.0, Curve::Linear);
        // Points 1 and 2 (1 024, 2 048) moved right by 5 000: only up to the next point.
        l.shift_points(1, 2, 5_000, 0.0);
        assert_eq!(l.points[2].frame, 3_072);
        assert_eq!(l.points[1].frame, 2_048);
        l.shift_points(1, 2, -100_000, 0.0);
        assert_eq!(l.points[1].frame, 0);
        // Scale about 0 dB by 0: both go to 0 dB.
        l.scale_points(1, 2, 0.0, 0.0);
        assert!(l.points[1].value == 0.0 && l.points[2].value == 0.0);
        // A raise past the top stops at the top.
        l.shift_points(0, 3, 0, 2.0);
        assert!(l.points.iter().all(|p| p.value == ParamId::Gain.spec().max));
    }

    #[test]
    fn a_full_lane_takes_no_more_points() {
        let mut l = Lane::new(ParamId::Pan).expect("automatable");
        for i in 0..MAX_LANE_POINTS as u64 {
            assert!(l.add_point(i * 32, 0.0, Curve::Linear).is_some());
        }
        assert_eq!(l.add_point(0, 0.0, Curve::Linear), None);
    }
}

//! Automation lanes (audio thread reads them; they are sized on the control side): a parameter's
//! envelope as breakpoints — song frame, value in display units, and the shape of the segment
//! to the next point — that the engine follows while playing.
//!
//! A lane is created with a fixed capacity ([`crate::Engine::add_lane`], which allocates, like
//! adding a track); its points then arrive as small typed commands
//! ([`crate::Command::SetLanePoint`], [`crate::Command::SetLaneLength`]) written into that
//! buffer, so following and editing a lane never allocates. Values are interpolated in the
//! parameter's control travel ([`crate::ParamSpec::to_normalized`]): dB move linearly in dB,
//! frequencies by equal ratios, as a control dragged at a steady speed would move them.
//!
//! The engine evaluates every reading lane on a fixed grid of song frames
//! ([`GRID_FRAMES`]) and ramps each parameter to the lane's value one grid step ahead, so the
//! parameter follows the envelope piecewise-linearly between grid points whatever the block
//! size; the fader, pan and send levels take exactly those ramps, other parameters approach
//! them through their own smoothing.

use crate::error::EngineError;
use crate::params::ParamId;

/// Automation is read every this many song frames (0.67 ms at 48 kHz).
pub const GRID_FRAMES: u64 = 32;
/// Most points in one lane.
pub const MAX_POINTS: usize = 65_536;
/// Most lanes in an engine (lane ids are below this).
pub const MAX_LANES: usize = 4_096;
/// The track id a master-scope lane names.
pub const MASTER: u32 = u32::MAX;

/// After following lanes at grid point `p` (of the frames read) whose values hold up to lane
/// frame `still`: the next grid point where one of them moves (`u64::MAX`: never). The step
/// from grid point `g` targets lane frame `g + GRID_FRAMES − latency`; it is due once that
/// passes `still`.
pub fn next_due(p: u64, still: u64) -> u64 {
    if still == u64::MAX {
        return u64::MAX;
    }
    let latency = crate::dsp::strip::STRIP_LATENCY_FRAMES as u64;
    p.saturating_add(GRID_FRAMES)
        .max(
            still
                .saturating_add(latency + 1)
                .saturating_sub(GRID_FRAMES),
        )
        .checked_next_multiple_of(GRID_FRAMES)
        .unwrap_or(u64::MAX)
}

/// The shape of the segment from a point to the next (`t` runs 0…1 across it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Curve {
    /// Straight: `t`.
    Linear = 0,
    /// Starts slowly, then speeds up: `t²`.
    Slow = 1,
    /// Starts quickly, then slows down: `1 − (1 − t)²`.
    Fast = 2,
}

impl Curve {
    /// The curve for a wire value.
    pub fn from_u8(raw: u8) -> Option<Curve> {
        match raw {
            0 => Some(Curve::Linear),
            1 => Some(Curve::Slow),
            2 => Some(Curve::Fast),
            _ => None,
        }
    }

    /// How far along the segment the value is at `t` (0…1).
    #[inline]
    pub fn shape(self, t: f64) -> f64 {
        match self {
            Curve::Linear => t,
            Curve::Slow => t * t,
            Curve::Fast => 1.0 - (1.0 - t) * (1.0 - t),
        }
    }
}

/// One breakpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Song frame.
    pub frame: u64,
    /// Display units of the lane's parameter.
    pub value: f32,
    /// Shape of the segment to the next point.
    pub curve: Curve,
}

/// One parameter's envelope. Points are kept in frame order by whoever writes them (the UI);
/// a lane whose points are out of order is read as if each point held until the next.
#[derive(Clone, Debug)]
pub struct Lane {
    /// The track it automates ([`MASTER`] for a master-scope parameter).
    pub track: u32,
    pub param: ParamId,
    /// `capacity` entries, of which the first `len` are in use.
    points: Vec<Point>,
    len: usize,
    /// Whether the engine follows it (off: the parameter keeps the lane's last value until the
    /// control sends its own).
    pub reading: bool,
    /// The segment the last read fell in (reads move forward, so this is usually still it).
    cursor: usize,
}

impl Lane {
    /// An empty lane for up to `capacity` points (allocates; not for the audio thread).
    pub fn new(track: u32, param: ParamId, capacity: usize) -> Result<Lane, EngineError> {
        if capacity == 0 || capacity > MAX_POINTS {
            return Err(EngineError::InvalidValue);
        }
        let mut points = Vec::new();
        points
            .try_reserve_exact(capacity)
            .map_err(|_| EngineError::OutOfMemory)?;
        points.resize(
            capacity,
            Point {
                frame: 0,
                value: param.spec().default,
                curve: Curve::Linear,
            },
        );
        Ok(Lane {
            track,
            param,
            points,
            len: 0,
            reading: true,
            cursor: 0,
        })
    }

    /// Writes point `index` (< capacity). The value is clamped to the parameter's range.
    pub fn set_point(&mut self, index: usize, mut point: Point) -> Result<(), EngineError> {
        let slot = self
            .points
            .get_mut(index)
            .ok_or(EngineError::InvalidValue)?;
        point.value = self.param.spec().clamp(point.value);
        *slot = point;
        Ok(())
    }

    /// Uses the first `len` points (≤ capacity).
    pub fn set_len(&mut self, len: usize) -> Result<(), EngineError> {
        if len > self.points.len() {
            return Err(EngineError::InvalidValue);
        }
        self.len = len;
        self.cursor = 0;
        Ok(())
    }

    /// The points in use.
    pub fn points(&self) -> &[Point] {
        &self.points[..self.len]
    }

    /// The last frame up to which the lane keeps the value it has at `frame` (`frame` itself
    /// when it is moving there; `u64::MAX` when it never moves again): the engine skips the
    /// grid steps where no lane moves.
    pub fn still_until(&self, frame: u64) -> u64 {
        let pts = &self.points[..self.len];
        let Some(first) = pts.first() else {
            return u64::MAX;
        };
        // The last point of the group of points sharing `pts[j]`'s frame (a vertical step).
        let group_end = |j: usize| {
            let f = pts[j].frame;
            j + pts[j..].iter().take_while(|p| p.frame == f).count() - 1
        };
        let (mut cur, v) = if frame < first.frame {
            // Before the first point its value holds; at its frame the group's last applies.
            let k = group_end(0);
            if pts[k].value != first.value {
                return first.frame - 1;
            }
            (k, first.value)
        } else {
            // The last point at or before `frame` (the last of its group).
            let i = pts.partition_point(|p| p.frame <= frame) - 1;
            match pts.get(i + 1) {
                Some(b) if b.frame > pts[i].frame && b.value != pts[i].value => return frame,
                _ => (i, pts[i].value),
            }
        };
        loop {
            let Some(next) = pts.get(cur + 1) else {
                return u64::MAX;
            };
            if next.frame <= pts[cur].frame {
                // Out of order: treated as a step where it lies.
                return pts[cur].frame.max(frame);
            }
            if next.value != v {
                // The segment to it moves from `pts[cur]` on.
                return pts[cur].frame.max(frame);
            }
            let k = group_end(cur + 1);
            if pts[k].value != v {
                // A vertical step at `next`'s frame.
                return next.frame - 1;
            }
            cur = k;
        }
    }

    /// The envelope's value at song frame `frame` (display units), or `None` for an empty lane.
    /// Before the first point the first value holds, after the last the last.
    pub fn value_at(&mut self, frame: u64) -> Option<f32> {
        let pts = &self.points[..self.len];
        let first = pts.first()?;
        if frame < first.frame {
            return Some(first.value);
        }
        // The segment [i, i + 1) holding `frame`: the cursor's, or found by bisection.
        let c = self.cursor.min(pts.len() - 1);
        let i = if pts[c].frame <= frame && pts.get(c + 1).is_none_or(|p| p.frame > frame) {
            c
        } else {
            pts.partition_point(|p| p.frame <= frame) - 1
        };
        self.cursor = i;
        let a = pts[i];
        let Some(b) = pts.get(i + 1) else {
            return Some(a.value);
        };
        Some(segment_value(self.param, a, *b, frame))
    }
}

/// The value at song frame `frame` (`a.frame ≤ frame`) on the segment from point `a` to point
/// `b` of a lane of `param`, display units: the shape of `a`'s curve in the control's travel.
/// A flat or vertical segment, and `a`'s own frame, give `a`'s value exactly. Any thread (the
/// UI draws lanes with it, so what is drawn is what plays).
pub fn segment_value(param: ParamId, a: Point, b: Point, frame: u64) -> f32 {
    if b.frame <= a.frame || b.value == a.value || frame <= a.frame {
        // Exactly the point's value (the travel's round trip could move its last bit).
        return a.value;
    }
    if frame >= b.frame {
        return b.value;
    }
    let t = (frame - a.frame) as f64 / (b.frame - a.frame) as f64;
    let spec = param.spec();
    let (na, nb) = (
        spec.to_normalized(a.value) as f64,
        spec.to_normalized(b.value) as f64,
    );
    spec.from_normalized((na + (nb - na) * a.curve.shape(t)) as f32)
}

/// Whether `param` can have a lane: every track and master row but monitoring, region and solo
/// (how you listen, the stem's bounds, and a switch that is about listening too).
pub fn automatable(param: ParamId) -> bool {
    let spec = param.spec();
    !matches!(
        spec.group,
        crate::params::Group::Monitor | crate::params::Group::Region
    ) && param != ParamId::Solo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(param: ParamId, pts: &[(u64, f32, Curve)]) -> Lane {
        let mut l = Lane::new(1, param, 16).unwrap();
        for (i, &(frame, value, curve)) in pts.iter().enumerate() {
            l.set_point(
                i,
                Point {
                    frame,
                    value,
                    curve,
                },
            )
            .unwrap();
        }
        l.set_len(pts.len()).unwrap();
        l
    }

    #[test]
    fn each_curve_meets_its_formula_at_the_breakpoints_and_between() {
        for (curve, f) in [
            (Curve::Linear, (|t: f64| t) as fn(f64) -> f64),
            (Curve::Slow, |t| t * t),
            (Curve::Fast, |t| 1.0 - (1.0 - t) * (1.0 - t)),
        ] {
            // Trim is linear in dB from −24 to +24: the value is −24 + 48·shape(t).
            let mut l = lane(
                ParamId::Trim,
                &[(1_000, -24.0, curve), (2_000, 24.0, Curve::Linear)],
            );
            assert_eq!(
                l.value_at(0),
                Some(-24.0),
                "{curve:?} before the first point"
            );
            assert_eq!(l.value_at(1_000), Some(-24.0));
            for k in [100u64, 250, 500, 900] {
                let want = -24.0 + 48.0 * f(k as f64 / 1_000.0);
                let got = l.value_at(1_000 + k).unwrap() as f64;
                assert!(
                    (got - want).abs() < 1e-4,
                    "{curve:?} at {k}: {got} vs {want}"
                );
            }
            assert_eq!(l.value_at(2_000), Some(24.0));
            assert_eq!(l.value_at(9_999), Some(24.0), "after the last point");
        }
    }

    #[test]
    fn frequencies_move_by_equal_ratios_and_reads_may_jump_back() {
        let mut l = lane(
            ParamId::HpFreq,
            &[(0, 100.0, Curve::Linear), (1_000, 1_600.0, Curve::Linear)],
        );
        // Half way between 100 Hz and 1.6 kHz in a log travel is 400 Hz.
        assert!((l.value_at(500).unwrap() - 400.0).abs() < 0.5);
        assert!(
            (l.value_at(250).unwrap() - 200.0).abs() < 0.5,
            "a read going back"
        );
        assert_eq!(lane(ParamId::Gain, &[]).value_at(5), None);
    }

    #[test]
    fn still_until_finds_where_the_value_starts_to_move() {
        let mut l = lane(
            ParamId::Gain,
            &[
                (1_000, -6.0, Curve::Linear),
                (2_000, -6.0, Curve::Linear),
                (3_000, 0.0, Curve::Linear),
                (4_000, 0.0, Curve::Linear),
            ],
        );
        assert_eq!(l.still_until(0), 2_000, "held until the ramp starts");
        assert_eq!(l.still_until(1_500), 2_000);
        assert_eq!(l.still_until(2_000), 2_000);
        assert_eq!(l.still_until(2_500), 2_500, "moving");
        assert_eq!(l.still_until(3_000), u64::MAX, "never moves again");
        // Whatever it says, the value really holds there.
        for f in (0..5_000).step_by(50) {
            let end = l.still_until(f).min(5_000);
            let v = l.value_at(f);
            for g in (f..=end).step_by(10) {
                assert_eq!(l.value_at(g), v, "{f}..{end} at {g}");
            }
        }
        assert_eq!(lane(ParamId::Gain, &[]).still_until(7), u64::MAX);
        // Vertical steps (two points on one frame), at the start and later.
        let mut l = lane(
            ParamId::Gain,
            &[
                (3_205, -20.0, Curve::Linear),
                (3_205, 0.0, Curve::Linear),
                (5_000, 0.0, Curve::Linear),
                (5_000, -6.0, Curve::Linear),
            ],
        );
        assert_eq!(
            l.value_at(3_205),
            Some(0.0),
            "the step's last point applies at its frame"
        );
        assert_eq!(l.still_until(3_150), 3_204);
        assert_eq!(l.still_until(3_205), 4_999);
        assert_eq!(l.still_until(5_000), u64::MAX);
        for f in (0..6_000).step_by(5) {
            let end = l.still_until(f).min(6_000);
            let v = l.value_at(f);
            assert_eq!(l.value_at(end), v, "{f}..{end}");
            if end < 6_000 {
                assert_ne!(l.value_at(end + 1), v, "{f}: still past {end}");
            }
        }
    }

    #[test]
    fn capacity_and_indices_are_checked() {
        assert_eq!(
            Lane::new(1, ParamId::Gain, 0).err(),
            Some(EngineError::InvalidValue)
        );
        let mut l = Lane::new(1, ParamId::Gain, 2).unwrap();
        let p = Point {
            frame: 0,
            value: 99.0,
            curve: Curve::Linear,
        };
        assert_eq!(l.set_point(2, p), Err(EngineError::InvalidValue));
        assert_eq!(l.set_len(3), Err(EngineError::InvalidValue));
        l.set_point(0, p).unwrap();
        l.set_len(1).unwrap();
        assert_eq!(l.value_at(0), Some(12.0), "clamped to the fader's range");
    }
}

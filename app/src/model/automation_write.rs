//! Writing automation from a control while the song plays (plain data, main thread): one
//! [`Pass`] per lane being written, fed the control's moves with the song position, and turned
//! into the lane's new points when it ends ([`Pass::apply`]).
//!
//! - **Touch**: writes from when you take the control until you let go; then the lane glides
//!   back to what it held before over the glide time.
//! - **Latch**: writes from when you take the control and keeps its last value until Stop;
//!   then glides back the same way.
//! - **Write**: writes from Play to Stop, starting from the control's value at Play.
//!
//! What was on the lane between the pass's start and its end (glide included) is replaced; the
//! rest stays. Moves closer than a grid step replace the previous one, and a move that repeats
//! the last value adds nothing, so a held control writes no points.

use dsp_worklet::ParamId;
use dsp_worklet::automation::{Curve, GRID_FRAMES, Point};

use crate::model::automation::{Lane, LaneMode, MAX_LANE_POINTS, snap_frame, snap_value};

/// Default glide back to the lane after a touch (or after Stop in latch and write), seconds.
pub const DEFAULT_GLIDE_S: f64 = 0.25;

/// One lane being written.
#[derive(Clone, Debug, PartialEq)]
pub struct Pass {
    /// Track id, or `dsp_worklet::automation::MASTER`.
    pub owner: u32,
    pub param: ParamId,
    pub mode: LaneMode,
    /// The lane as it was when the pass began.
    original: Lane,
    /// The song frame where writing began.
    start: u64,
    /// (frame, value) moves in time order, on the grid and the value steps.
    moves: Vec<(u64, f32)>,
    /// Touch: where the control was let go (the pass is over).
    released: Option<u64>,
}

impl Pass {
    /// A pass on `lane` (of `owner`) beginning at song frame `frame` with the control at
    /// `value`.
    pub fn begin(owner: u32, lane: &Lane, frame: u64, value: f32) -> Pass {
        let mut p = Pass {
            owner,
            param: lane.param,
            mode: lane.mode,
            original: lane.clone(),
            start: snap_frame(frame),
            moves: Vec::new(),
            released: None,
        };
        p.record(frame, value);
        p
    }

    /// The control moved to `value` at song frame `frame`. Moves before the pass's start (a
    /// loop wrap) end nothing and are ignored.
    pub fn record(&mut self, frame: u64, value: f32) {
        if self.released.is_some() || self.moves.len() >= MAX_LANE_POINTS - 8 {
            return;
        }
        let (frame, value) = (snap_frame(frame), snap_value(self.param, value));
        if frame < self.start {
            return;
        }
        match self.moves.last_mut() {
            Some(last) if frame < last.0 => {}
            Some(last) if frame - last.0 < GRID_FRAMES => last.1 = value,
            Some(last) if last.1 == value => {}
            _ => self.moves.push((frame, value)),
        }
    }

    /// The control was let go at `frame`. Touch: the pass is over (returns true); latch and
    /// write carry on until Stop.
    pub fn release(&mut self, frame: u64) -> bool {
        if self.mode == LaneMode::Touch && self.released.is_none() {
            self.released = Some(self.not_before_moves(frame));
            return true;
        }
        false
    }

    /// `frame` on the grid, but not before the pass's start or its last move (the playhead may
    /// have wrapped back at a loop's end meanwhile: what was written stays written).
    fn not_before_moves(&self, frame: u64) -> u64 {
        let last = self.moves.last().map_or(self.start, |m| m.0);
        snap_frame(frame).max(self.start).max(last)
    }

    /// Where the written part ends: the release (touch), else `stop`.
    pub fn end(&self, stop: u64) -> u64 {
        self.released.unwrap_or_else(|| self.not_before_moves(stop))
    }

    /// The lane after the pass ends at `stop` (the transport's position at Stop, for latch and
    /// write) with a glide of `glide` frames back to the original lane.
    pub fn apply(&self, stop: u64, glide: u64) -> Lane {
        let end = self.end(stop);
        let back = end + snap_frame(glide).max(GRID_FRAMES);
        let last = self.moves.last().map_or(self.value_before(), |m| m.1);
        let mut lane = self.original.clone();
        let resume = self
            .original
            .value_at(back)
            .map(|v| snap_value(self.param, v));
        lane.points
            .retain(|p| p.frame < self.start || p.frame > back);
        let at = lane.points.partition_point(|p| p.frame < self.start);
        let point = |frame, value| Point {
            frame,
            value,
            curve: Curve::Linear,
        };
        let mut written = Vec::with_capacity(self.moves.len() + 4);
        // The lane's value where writing began, then the moves, the last value held to the
        // end, and the glide back.
        written.push(point(self.start, self.value_before()));
        written.extend(
            self.moves
                .iter()
                .filter(|m| m.0 <= end)
                .map(|&(f, v)| point(f, v)),
        );
        written.push(point(end, last));
        if let Some(v) = resume {
            written.push(point(back, v));
        }
        // Two points on one frame with one value say nothing more than one.
        written.dedup_by(|b, a| a.frame == b.frame && a.value == b.value);
        lane.points.splice(at..at, written);
        lane.points.truncate(MAX_LANE_POINTS);
        lane
    }

    /// The lane's value where the pass began (the control's first value on an empty lane).
    fn value_before(&self) -> f32 {
        let v = self
            .original
            .value_at(self.start)
            .or(self.moves.first().map(|m| m.1))
            .unwrap_or(self.param.spec().default);
        // On the value steps, as every point is (the lane then reads back from a link exactly).
        snap_value(self.param, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 48_000;

    fn lane(mode: LaneMode) -> Lane {
        let mut l = Lane::new(ParamId::Gain).expect("lane");
        l.mode = mode;
        l.add_point(0, -10.0, Curve::Linear);
        l.add_point(10 * S, -10.0, Curve::Linear);
        l
    }

    #[test]
    fn a_touch_writes_while_held_and_glides_back() {
        let l = lane(LaneMode::Touch);
        let mut p = Pass::begin(1, &l, 2 * S, -10.0);
        for (k, db) in [(1, -8.0), (2, -6.0), (3, -6.0), (4, -4.0)] {
            p.record(2 * S + k * S / 4, db);
        }
        assert!(p.release(3 * S));
        // Moves after the release are not written.
        p.record(3 * S + 100, 6.0);
        let out = p.apply(9 * S, S / 4);
        let at = |s: f64| out.value_at((s * S as f64) as u64).expect("value");
        assert_eq!(at(1.0), -10.0);
        assert!((at(2.5) - -6.0).abs() < 1e-3, "{}", at(2.5));
        assert!((at(3.0) - -4.0).abs() < 1e-3);
        // Halfway through the glide: halfway back to −10 dB.
        assert!((at(3.125) - -7.0).abs() < 0.05, "{}", at(3.125));
        assert_eq!(at(3.25), -10.0);
        assert_eq!(at(9.0), -10.0);
        // The held −6 dB wrote one point, not two; the original points outside stay.
        let values: Vec<f32> = out.points.iter().map(|p| p.value).collect();
        assert_eq!(values, [-10.0, -10.0, -8.0, -6.0, -4.0, -10.0, -10.0]);
    }

    #[test]
    fn latch_holds_the_last_value_until_stop_and_write_starts_at_play() {
        let l = lane(LaneMode::Latch);
        let mut p = Pass::begin(1, &l, S, -3.0);
        assert!(!p.release(2 * S), "latch carries on after the release");
        let out = p.apply(5 * S, S / 4);
        let at = |s: f64| out.value_at((s * S as f64) as u64).expect("value");
        assert_eq!(at(3.0), -3.0);
        assert_eq!(at(4.99), -3.0);
        assert_eq!(at(5.3), -10.0);
        // Write from Play: the control's value at Play is written even untouched.
        let mut l = lane(LaneMode::Write);
        l.points.clear();
        let p = Pass::begin(1, &l, 0, 2.0);
        let out = p.apply(4 * S, S / 4);
        assert!(
            out.points.iter().all(|q| q.value == 2.0),
            "{:?}",
            out.points
        );
        assert_eq!(out.points.last().map(|q| q.frame), Some(4 * S));
    }

    #[test]
    fn a_loop_wrap_during_a_pass_keeps_what_was_written() {
        let l = lane(LaneMode::Touch);
        let mut p = Pass::begin(1, &l, 3 * S, -10.0);
        p.record(4 * S, -20.0);
        // The loop wrapped back to 1 s: later moves and the release lie before the start.
        p.record(S, -30.0);
        assert!(p.release(S + S / 2));
        let out = p.apply(0, S / 4);
        assert_eq!(out.value_at(4 * S), Some(-20.0));
        assert!(out.points.iter().all(|q| q.value != -30.0));
        assert!(out.points.windows(2).all(|w| w[0].frame <= w[1].frame));
        // Latch, stopped after a wrap: the same.
        let mut l = lane(LaneMode::Latch);
        l.mode = LaneMode::Latch;
        let mut p = Pass::begin(1, &l, 3 * S, -10.0);
        p.record(4 * S, -20.0);
        let out = p.apply(2 * S, S / 4);
        assert_eq!(out.value_at(4 * S), Some(-20.0));
    }

    #[test]
    fn a_pass_over_existing_points_replaces_them_and_keeps_the_rest() {
        let mut l = lane(LaneMode::Touch);
        for k in 1..10 {
            l.add_point(k * S, -10.0 + k as f32, Curve::Linear);
        }
        let mut p = Pass::begin(1, &l, 3 * S, 0.0);
        p.record(4 * S, 1.0);
        p.release(5 * S);
        let out = p.apply(0, S / 2);
        let frames: Vec<u64> = out.points.iter().map(|q| q.frame).collect();
        // The original points at 3, 4 and 5 s are gone (under the pass and its glide to
        // 5.5 s); 2 s and 6 s stay.
        assert!(frames.contains(&(2 * S)) && frames.contains(&(6 * S)));
        let gone = |f: u64, v: f32| !out.points.iter().any(|q| q.frame == f && q.value == v);
        assert!(gone(4 * S, -6.0) && gone(5 * S, -5.0));
        assert!(out.points.windows(2).all(|w| w[0].frame <= w[1].frame));
        assert_eq!(out.value_at(4 * S), Some(1.0));
        assert_eq!(out.value_at(9 * S), Some(-1.0));
        // The glide ends on the original lane's value there.
        assert_eq!(out.value_at(5 * S + S / 2), Some(-4.5));
    }
}

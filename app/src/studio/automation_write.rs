//! Writing automation from the controls while playing (main thread): a control whose lane is in
//! touch, latch or write mode records its moves into a [`Pass`] instead of setting the
//! parameter for the whole song; the engine stops playing that lane meanwhile so the control is
//! heard; when the pass ends (let go in touch, Stop in latch and write) the lane takes the
//! written points, as one undo step. Any pointer or key let go anywhere ends the touch passes
//! (one pointer holds one control).

use dsp_worklet::ParamId;
use dsp_worklet::automation::MASTER;
use leptos::prelude::*;

use crate::model::automation::{Lane, LaneMode, find};
use crate::model::automation_write::Pass;
use crate::model::history::EditKey;
use crate::model::session::{Mix, StemAudio};
use crate::studio::controller::Studio;

/// Turns off, in what the engine hears, the lanes being written (`owner`, parameter).
pub fn silence_written(heard: &mut Mix, writing: &[(u32, ParamId)]) {
    for &(owner, param) in writing {
        let lanes = if owner == MASTER {
            Some(&mut heard.master_lanes)
        } else {
            heard
                .tracks
                .iter_mut()
                .find(|t| t.id == owner)
                .map(|t| &mut t.lanes)
        };
        if let Some(l) = lanes.and_then(|l| l.iter_mut().find(|l| l.param == param)) {
            l.mode = LaneMode::Off;
        }
    }
}

/// `owner`'s lane of `param` in `mix`.
fn lane_of(mix: &Mix, owner: u32, param: ParamId) -> Option<&Lane> {
    if owner == MASTER {
        find(&mix.master_lanes, param)
    } else {
        find(&mix.track(owner)?.lanes, param)
    }
}

/// Sets `owner`'s `param` in `mix` (no undo step: the pass makes one).
fn set_param(mix: &mut Mix, owner: u32, param: ParamId, value: f32) {
    if owner == MASTER {
        mix.set_master_param(param, value);
    } else {
        mix.set_track_param(owner, param, value);
    }
}

/// `owner`'s lane of `param` and the control's value in `into`, set back to what they are in
/// `from`.
fn restore(into: &mut Mix, from: &Mix, owner: u32, param: ParamId) {
    let old_lane = lane_of(from, owner, param).cloned();
    let old_value = if owner == MASTER {
        Some(from.master.get(param))
    } else {
        from.track(owner).map(|t| t.value(param))
    };
    if let Some(v) = old_value {
        set_param(into, owner, param, v);
    }
    let lanes = if owner == MASTER {
        Some(&mut into.master_lanes)
    } else {
        into.tracks
            .iter_mut()
            .find(|t| t.id == owner)
            .map(|t| &mut t.lanes)
    };
    if let Some(lanes) = lanes {
        match (lanes.iter().position(|l| l.param == param), old_lane) {
            (Some(i), Some(old)) => lanes[i] = old,
            (Some(i), None) => _ = lanes.remove(i),
            (None, Some(old)) => lanes.push(old),
            (None, None) => {}
        }
    }
}

impl Studio {
    /// The song position now, frames.
    fn position(self) -> u64 {
        self.meters.with_untracked(|m| m.position)
    }

    /// A control of `owner`'s `param` moved to `value`. While playing, when its lane writes,
    /// the move goes into the lane's pass (begun here if none is under way) and true is
    /// returned: the caller makes no edit of its own.
    pub(crate) fn write_move(self, owner: u32, param: ParamId, value: f32) -> bool {
        if !self.meters.with_untracked(|m| m.playing) {
            return false;
        }
        let at = self.position();
        let under_way = self.passes.try_update_value(|passes| {
            passes
                .iter_mut()
                .find(|(p, _)| p.owner == owner && p.param == param)
                .map(|(p, _)| p.record(at, value))
                .is_some()
        });
        if under_way != Some(true) {
            let Some(lane) = self
                .mix
                .with_untracked(|m| lane_of(m, owner, param).cloned())
                .filter(|l| l.mode.writes())
            else {
                return false;
            };
            self.begin_pass(owner, &lane, at, value);
        }
        self.mix.update(|m| set_param(m, owner, param, value));
        self.sync_engine();
        // A change with nothing held (a double-click reset, a switch clicked, a menu): a touch
        // that ends at once.
        if !self.held.get_value() {
            self.release_controls();
        }
        true
    }

    fn begin_pass(self, owner: u32, lane: &Lane, at: u64, value: f32) {
        self.back_to_mine();
        let before = self.mix.get_untracked();
        let pass = Pass::begin(owner, lane, at, value);
        self.passes.update_value(|p| p.push((pass, before)));
        self.writing.update(|w| w.push((owner, lane.param)));
    }

    /// Ends the touch passes whenever a pointer or key is let go anywhere on the page (once,
    /// at start).
    pub(crate) fn listen_for_release(self) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let Some(window) = web_sys::window() else {
            return;
        };
        let on_release = Closure::<dyn Fn()>::new(move || {
            self.held.set_value(false);
            if self.passes.with_value(|p| !p.is_empty()) {
                self.release_controls();
            }
        });
        let on_hold = Closure::<dyn Fn()>::new(move || self.held.set_value(true));
        // Captured, so that the page knows before the control does.
        for kind in ["pointerdown", "keydown"] {
            let _ = window.add_event_listener_with_callback_and_bool(
                kind,
                on_hold.as_ref().unchecked_ref(),
                true,
            );
        }
        for kind in ["pointerup", "pointercancel", "keyup"] {
            let _ = window.add_event_listener_with_callback_and_bool(
                kind,
                on_release.as_ref().unchecked_ref(),
                true,
            );
        }
        // The page losing focus (not an element: a control's focus moving is no release).
        let _ =
            window.add_event_listener_with_callback("blur", on_release.as_ref().unchecked_ref());
        // They live as long as the page.
        on_release.forget();
        on_hold.forget();
    }

    /// A pointer or key was let go: every touch pass ends here.
    pub fn release_controls(self) {
        let at = self.position();
        let done: Vec<usize> = self
            .passes
            .try_update_value(|passes| {
                passes
                    .iter_mut()
                    .enumerate()
                    .filter_map(|(i, (p, _))| p.release(at).then_some(i))
                    .collect()
            })
            .unwrap_or_default();
        self.finish_passes(&done, at);
    }

    /// The transport started (`playing`) or stopped at `position`: Play begins a pass on every
    /// lane in write mode (from the control's value), Stop ends every pass.
    pub(crate) fn transport_moved(self, playing: bool, position: u64) {
        if playing {
            let lanes: Vec<(u32, Lane, f32)> = self.mix.with_untracked(|m| {
                let mut out = Vec::new();
                for t in m.tracks.iter().filter(|t| t.audio != StemAudio::Missing) {
                    for l in t.lanes.iter().filter(|l| l.mode == LaneMode::Write) {
                        out.push((t.id, l.clone(), t.value(l.param)));
                    }
                }
                for l in m.master_lanes.iter().filter(|l| l.mode == LaneMode::Write) {
                    out.push((MASTER, l.clone(), m.master.get(l.param)));
                }
                out
            });
            for (owner, lane, value) in lanes {
                self.begin_pass(owner, &lane, position, value);
            }
            self.sync_engine();
        } else {
            let all: Vec<usize> = (0..self.passes.with_value(Vec::len)).collect();
            self.finish_passes(&all, position);
        }
    }

    /// Drops every pass under way without writing it (the mix is being replaced).
    pub(crate) fn cancel_passes(self) {
        if self.passes.with_value(|p| !p.is_empty()) {
            self.passes.set_value(Vec::new());
            self.writing.set(Vec::new());
        }
    }

    /// The playhead is about to jump to `to`: passes under way end where it is, and while
    /// playing, write mode begins again from `to`.
    pub(crate) fn passes_jump(self, to: u64) {
        if self.passes.with_value(Vec::is_empty) {
            return;
        }
        let all: Vec<usize> = (0..self.passes.with_value(Vec::len)).collect();
        self.finish_passes(&all, self.position());
        if self.meters.with_untracked(|m| m.playing) {
            self.transport_moved(true, to);
        }
    }

    /// Ends passes `which` (indices) with the transport at `stop`: each lane takes its written
    /// points, one undo step per pass.
    fn finish_passes(self, which: &[usize], stop: u64) {
        if which.is_empty() {
            return;
        }
        let ended: Vec<(Pass, Mix)> = self
            .passes
            .try_update_value(|passes| {
                let mut out = Vec::new();
                for &i in which.iter().rev() {
                    if i < passes.len() {
                        out.push(passes.remove(i));
                    }
                }
                out.reverse();
                out
            })
            .unwrap_or_default();
        let glide = (self.glide_s.get_untracked()
            * self.mix.with_untracked(|m| m.sample_rate) as f64)
            .round() as u64;
        for (pass, before) in ended {
            let lane = pass.apply(stop, glide);
            // The undo step goes back to the lane and the control as they were before the pass,
            // keeping every other edit made meanwhile (each has its own step).
            let mut undo_to = self.mix.get_untracked();
            restore(&mut undo_to, &before, pass.owner, pass.param);
            let mut applied = false;
            self.mix.update(|m| {
                let lanes = if pass.owner == MASTER {
                    Some(&mut m.master_lanes)
                } else {
                    m.tracks
                        .iter_mut()
                        .find(|t| t.id == pass.owner)
                        .map(|t| &mut t.lanes)
                };
                if let Some(l) = lanes.and_then(|l| l.iter_mut().find(|l| l.param == pass.param)) {
                    *l = Lane {
                        mode: l.mode,
                        ..lane
                    };
                    applied = true;
                }
            });
            self.writing
                .update(|w| w.retain(|&(o, p)| (o, p) != (pass.owner, pass.param)));
            // (A lane whose track went meanwhile writes nothing, and makes no step.)
            if applied && self.mix.with_untracked(|m| *m != undo_to) {
                self.undo
                    .update_value(|h| _ = h.record(undo_to, EditKey::Single, js_sys::Date::now()));
            }
        }
        self.refresh_undo_state();
        self.sync_engine();
    }
}

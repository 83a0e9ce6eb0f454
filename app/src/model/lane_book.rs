//! The engine's automation lanes as the main thread last told them (plain data, main thread):
//! which engine lane id each lane of the mix has, the room it was made with, and its points as
//! sent, so an edit sends only the points that changed ([`LaneBook::sync`]).
//!
//! A lane is made in the engine with a fixed room ([`LaneMove::Add`], which allocates in the
//! engine's message handler, like adding a track); its points then travel as typed commands.
//! When a lane outgrows its room it is made again, larger (twice what it needs), under a new id
//! and the old one is removed. Lanes of strips still waiting for their file, and lanes without
//! points, are not in the engine.

use dsp_worklet::automation::{MASTER, MAX_LANES};
use dsp_worklet::{Command, ParamId};

use crate::model::automation::Lane;
use crate::model::session::{Mix, StemAudio};

/// Smallest room a lane is made with, points.
const MIN_ROOM: usize = 64;

/// One step of bringing the engine's lanes up to date, in the order they must be applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LaneMove {
    /// Make lane `id` for `param` of `track` ([`MASTER`] for the master) with room for
    /// `capacity` points (`se_lane_add`).
    Add {
        id: u32,
        track: u32,
        param: ParamId,
        capacity: u32,
    },
    /// A lane command (points, length, reading, removal).
    Cmd(Command),
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    /// Track id, or [`MASTER`].
    owner: u32,
    id: u32,
    room: usize,
    /// The lane as the engine holds it.
    told: Lane,
}

/// The engine's lanes as last told (one per engine: the realtime one; a fresh book for each
/// export).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LaneBook {
    entries: Vec<Entry>,
}

impl LaneBook {
    /// The engine removed track `id` (its lanes went with it).
    pub fn forget_track(&mut self, id: u32) {
        self.entries.retain(|e| e.owner != id);
    }

    /// The engine lane id of `owner`'s lane of `param`, when the engine has it.
    pub fn id_of(&self, owner: u32, param: ParamId) -> Option<u32> {
        self.entries
            .iter()
            .find(|e| e.owner == owner && e.told.param == param)
            .map(|e| e.id)
    }

    /// What the engine must be told so that its lanes are `mix`'s (the lanes of strips with
    /// audio, and the master's). Call [`forget_track`](Self::forget_track) first for every track
    /// the engine removes. Lanes past the engine's limit ([`MAX_LANES`]) are left out.
    pub fn sync(&mut self, mix: &Mix) -> Vec<LaneMove> {
        let mut wanted: Vec<(u32, &Lane)> = Vec::new();
        for t in mix.tracks.iter().filter(|t| t.audio != StemAudio::Missing) {
            wanted.extend(t.lanes.iter().map(|l| (t.id, l)));
        }
        wanted.extend(mix.master_lanes.iter().map(|l| (MASTER, l)));
        wanted.retain(|(_, l)| !l.points.is_empty());
        let mut out = Vec::new();
        // The control's own value, for a parameter a lane no longer plays (the engine keeps
        // what the lane last gave until told otherwise).
        let control = |owner: u32, param: ParamId| -> Option<LaneMove> {
            let value = if owner == MASTER {
                mix.master.get(param)
            } else {
                mix.track(owner)?.value(param)
            };
            Some(LaneMove::Cmd(if owner == MASTER {
                Command::SetMasterParam { param, value }
            } else {
                Command::SetTrackParam {
                    track: owner,
                    param,
                    value,
                }
            }))
        };
        // Lanes gone (or emptied) first: their ids are free for what follows.
        self.entries.retain(|e| {
            let keep = wanted
                .iter()
                .any(|(o, l)| *o == e.owner && l.param == e.told.param);
            if !keep {
                out.push(LaneMove::Cmd(Command::RemoveLane { lane: e.id }));
                if e.told.mode.reading() {
                    out.extend(control(e.owner, e.told.param));
                }
            }
            keep
        });
        for (owner, lane) in wanted {
            let len = lane.points.len();
            let at = self
                .entries
                .iter()
                .position(|e| e.owner == owner && e.told.param == lane.param);
            match at {
                Some(i) if self.entries[i].room >= len => {
                    let e = &mut self.entries[i];
                    for (k, p) in lane.points.iter().enumerate() {
                        if e.told.points.get(k) != Some(p) {
                            out.push(point(e.id, k, *p));
                        }
                    }
                    if e.told.points.len() != len {
                        out.push(LaneMove::Cmd(Command::SetLaneLength {
                            lane: e.id,
                            len: len as u32,
                        }));
                    }
                    if e.told.mode.reading() != lane.mode.reading() {
                        out.push(reading(e.id, lane.mode.reading()));
                        if !lane.mode.reading() {
                            out.extend(control(owner, lane.param));
                        }
                    }
                    e.told = lane.clone();
                }
                _ => {
                    let Some(id) = self.free_id() else {
                        continue;
                    };
                    let mut was_reading = false;
                    if let Some(i) = at {
                        let old = self.entries.remove(i);
                        was_reading = old.told.mode.reading();
                        out.push(LaneMove::Cmd(Command::RemoveLane { lane: old.id }));
                    }
                    let room = (len * 2).max(MIN_ROOM).next_power_of_two();
                    out.push(LaneMove::Add {
                        id,
                        track: owner,
                        param: lane.param,
                        capacity: room as u32,
                    });
                    out.extend(
                        lane.points
                            .iter()
                            .enumerate()
                            .map(|(k, p)| point(id, k, *p)),
                    );
                    out.push(LaneMove::Cmd(Command::SetLaneLength {
                        lane: id,
                        len: len as u32,
                    }));
                    if !lane.mode.reading() {
                        out.push(reading(id, false));
                        if was_reading {
                            out.extend(control(owner, lane.param));
                        }
                    }
                    self.entries.push(Entry {
                        owner,
                        id,
                        room,
                        told: lane.clone(),
                    });
                }
            }
        }
        out
    }

    /// The lowest id no lane holds (a lane being made again keeps its old id until it is
    /// removed, so its new one differs).
    fn free_id(&self) -> Option<u32> {
        (0..MAX_LANES as u32).find(|id| !self.entries.iter().any(|e| e.id == *id))
    }
}

fn point(lane: u32, index: usize, p: dsp_worklet::automation::Point) -> LaneMove {
    LaneMove::Cmd(Command::SetLanePoint {
        lane,
        index: index as u32,
        frame: p.frame,
        value: p.value,
        curve: p.curve,
    })
}

fn reading(lane: u32, on: bool) -> LaneMove {
    LaneMove::Cmd(Command::SetLaneReading { lane, on })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session::NewTrack;
    use dsp_worklet::Engine;
    use dsp_worklet::automation::Curve;

    fn mix() -> Mix {
        let mut m = Mix::new_session(7);
        m.sample_rate = 48_000.0;
        m.add_track(NewTrack {
            file_name: "vox.wav".into(),
            channels: 1,
            frames: 48_000,
            source_rate: 48_000.0,
            overview: Vec::new(),
            sha256: [1; 32],
        });
        m
    }

    /// Applies the moves to a real engine with the mix's tracks; panics on a refusal.
    fn apply(engine: &mut Engine, moves: &[LaneMove]) {
        for m in moves {
            match *m {
                LaneMove::Add {
                    id,
                    track,
                    param,
                    capacity,
                } => engine
                    .add_lane(id, track, param, capacity as usize)
                    .expect("lane made"),
                LaneMove::Cmd(c) => engine.apply(c).expect("command taken"),
            }
        }
    }

    fn engine_with_track() -> Engine {
        let mut e = Engine::new(48_000.0);
        e.add_track(1, vec![vec![0.0; 48_000]]).expect("track");
        e
    }

    #[test]
    fn the_engine_ends_up_with_the_mixs_points_and_only_changes_travel() {
        let mut m = mix();
        let lane = crate::model::automation::find_or_add(&mut m.tracks[0].lanes, ParamId::Gain)
            .expect("lane");
        lane.add_point(0, 0.0, Curve::Linear);
        lane.add_point(24_000, -12.0, Curve::Slow);
        let mut book = LaneBook::default();
        let mut engine = engine_with_track();
        let first = book.sync(&m);
        assert!(matches!(
            first[0],
            LaneMove::Add {
                id: 0,
                track: 1,
                param: ParamId::Gain,
                capacity: 64
            }
        ));
        apply(&mut engine, &first);
        assert_eq!(
            engine.lane(0).expect("lane").points(),
            &m.tracks[0].lanes[0].points[..]
        );
        // Nothing changed: nothing sent. One point moved: one point sent.
        assert!(book.sync(&m).is_empty());
        m.tracks[0].lanes[0].move_point(1, 20_000, -9.0);
        let moves = book.sync(&m);
        assert_eq!(moves.len(), 1, "{moves:?}");
        apply(&mut engine, &moves);
        assert_eq!(
            engine.lane(0).expect("lane").points(),
            &m.tracks[0].lanes[0].points[..]
        );
        // Off, then a point removed.
        m.tracks[0].lanes[0].mode = crate::model::automation::LaneMode::Off;
        m.tracks[0].lanes[0].remove_point(0);
        let moves = book.sync(&m);
        apply(&mut engine, &moves);
        let l = engine.lane(0).expect("lane");
        assert!(!l.reading);
        assert_eq!(l.points(), &m.tracks[0].lanes[0].points[..]);
    }

    #[test]
    fn a_lane_that_outgrows_its_room_is_made_again_larger() {
        let mut m = mix();
        let mut book = LaneBook::default();
        let mut engine = engine_with_track();
        let lane = crate::model::automation::find_or_add(&mut m.tracks[0].lanes, ParamId::Pan)
            .expect("lane");
        lane.add_point(0, 0.0, Curve::Linear);
        apply(&mut engine, &book.sync(&m));
        for i in 1..200 {
            m.tracks[0].lanes[0].add_point(i * 100, (i % 50) as f32, Curve::Linear);
        }
        let moves = book.sync(&m);
        apply(&mut engine, &moves);
        let id = book.id_of(1, ParamId::Pan).expect("lane");
        assert_ne!(
            id, 0,
            "a new id: the old one is still taken when the new one is chosen"
        );
        assert!(engine.lane(0).is_none());
        assert_eq!(
            engine.lane(id).expect("lane").points(),
            &m.tracks[0].lanes[0].points[..]
        );
    }

    #[test]
    fn removed_lanes_and_tracks_free_their_ids_and_placeholders_wait() {
        let mut m = mix();
        let mut book = LaneBook::default();
        let mut engine = engine_with_track();
        for p in [ParamId::Gain, ParamId::Pan] {
            crate::model::automation::find_or_add(&mut m.tracks[0].lanes, p)
                .expect("lane")
                .add_point(0, 0.0, Curve::Linear);
        }
        crate::model::automation::find_or_add(&mut m.master_lanes, ParamId::MasterGain)
            .expect("lane")
            .add_point(0, -1.0, Curve::Linear);
        apply(&mut engine, &book.sync(&m));
        assert_eq!(book.id_of(MASTER, ParamId::MasterGain), Some(2));
        // The gain lane goes: its id is removed and free again.
        m.tracks[0].lanes.retain(|l| l.param != ParamId::Gain);
        let moves = book.sync(&m);
        // The lane goes, and the fader's own value is heard again.
        assert_eq!(
            moves,
            [
                LaneMove::Cmd(Command::RemoveLane { lane: 0 }),
                LaneMove::Cmd(Command::SetTrackParam {
                    track: 1,
                    param: ParamId::Gain,
                    value: 0.0
                })
            ]
        );
        apply(&mut engine, &moves);
        // The track goes: the engine drops its lanes, the book forgets them.
        engine.remove_track(1).expect("removed");
        book.forget_track(1);
        m.tracks[0].audio = StemAudio::Missing;
        assert!(
            book.sync(&m).is_empty(),
            "a placeholder's lanes wait for its audio"
        );
        assert_eq!(book.id_of(1, ParamId::Pan), None);
    }
}

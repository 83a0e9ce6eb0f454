//! The mix as plain data (main thread): what the UI shows and edits. Every edit returns the typed
//! [`Command`] the engine needs, so the UI never builds engine messages by hand.

use std::sync::Arc;

use dsp_worklet::params::{Group, ParamId, Scope};
use dsp_worklet::{Command, PARAMS, ParamValues};

use crate::formats::document::{
    Comment, MAX_TRACK_ID, SessionDoc, StemIdentity, TargetDoc, TrackDoc, changed_params,
    lane_docs, lanes_of,
};
use crate::model::automation::Lane;

/// Whether a strip has its audio.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StemAudio {
    /// Decoded and in the engine.
    Loaded,
    /// Known from a link or bundle; waiting for the file (a placeholder strip).
    Missing,
    /// Loaded from a file with the right name but other bytes than the link's (`expected` is the
    /// link's SHA-256).
    Different { expected: [u8; 32] },
}

/// One stem's strip, in display units.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackState {
    /// Engine track id, unique within the session.
    pub id: u32,
    /// File name without extension (the strip's title and `data-track-name`).
    pub name: String,
    /// The dropped file's name.
    pub file_name: String,
    /// 1 or 2.
    pub channels: usize,
    /// Length at the session rate, frames.
    pub frames: u64,
    /// The file's own sample rate, Hz (before decoding resampled it).
    pub source_rate: f32,
    /// Every track parameter (fader, pan, mute, solo, strip modules), display units.
    pub params: ParamValues,
    /// Waveform overview, (min, max) per column (shared, so undo snapshots are cheap).
    pub overview: Arc<Vec<(f32, f32)>>,
    /// SHA-256 of the file's bytes (for a placeholder, of the file the link names).
    pub sha256: [u8; 32],
    pub audio: StemAudio,
    /// Automation lanes, one per parameter at most.
    pub lanes: Vec<Lane>,
}

impl TrackState {
    /// The value of a track parameter, display units (toggles as 0/1).
    pub fn value(&self, param: ParamId) -> f32 {
        self.params.get(param)
    }

    pub fn muted(&self) -> bool {
        self.params.on(ParamId::Mute)
    }

    pub fn soloed(&self) -> bool {
        self.params.on(ParamId::Solo)
    }
}

/// The whole session the UI holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Mix {
    /// The session's name: exports are named `<name> - <preset>.wav`.
    pub name: String,
    pub tracks: Vec<TrackState>,
    /// Master-scope parameters (master fader, reverb and delay buses), display units.
    pub master: ParamValues,
    /// The master's automation lanes, one per parameter at most.
    pub master_lanes: Vec<Lane>,
    /// The loudness target the master is matched to.
    pub target: crate::model::targets::Target,
    /// The AudioContext's rate, Hz; every stem is decoded to it. 0 until audio has started.
    pub sample_rate: f32,
    /// The loop region, frames at the session rate (start < end ≤ the song's length when set),
    /// and whether playback loops it. The export can render just this region.
    pub loop_region: Option<(u64, u64)>,
    pub loop_on: bool,
    /// Random id of this session's lineage (see [`SessionDoc::lineage`]).
    pub lineage: u64,
    /// Review comments with their display ids, in time order.
    pub comments: Vec<(u32, Comment)>,
    /// Ids of deleted comments (see [`SessionDoc::deleted_comments`]).
    pub deleted_comments: Vec<u64>,
    next_id: u32,
    next_comment: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            name: "Untitled session".into(),
            tracks: Vec::new(),
            master: ParamValues::default(),
            master_lanes: Vec::new(),
            target: crate::model::targets::PRESETS[0],
            sample_rate: 0.0,
            loop_region: None,
            loop_on: false,
            lineage: 0,
            comments: Vec::new(),
            deleted_comments: Vec::new(),
            next_id: 1,
            next_comment: 1,
        }
    }
}

/// What a new stem brings.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTrack {
    pub file_name: String,
    pub channels: usize,
    pub frames: u64,
    pub source_rate: f32,
    pub overview: Vec<(f32, f32)>,
    pub sha256: [u8; 32],
}

/// What the engine needs to go from one mix to another (undo, redo, taking a reviewer's version).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transition {
    /// Tracks to unload.
    pub removed: Vec<u32>,
    /// Tracks whose audio must be posted again (their parameters follow in `commands`).
    pub added: Vec<u32>,
    /// Parameter and loop commands, to send after the added tracks' audio.
    pub commands: Vec<Command>,
}

impl Mix {
    /// What a new engine holds: no tracks, every parameter at its default, no loop.
    pub fn fresh_engine() -> Mix {
        Mix::default()
    }

    /// An empty session with a fresh lineage id.
    pub fn new_session(lineage: u64) -> Mix {
        Mix {
            lineage,
            ..Mix::default()
        }
    }
    /// Adds a strip with default settings and returns its new id.
    pub fn add_track(&mut self, t: NewTrack) -> u32 {
        let id = self.fresh_id();
        self.tracks.push(TrackState {
            id,
            name: stem_name(&t.file_name),
            file_name: t.file_name,
            channels: t.channels,
            frames: t.frames,
            source_rate: t.source_rate,
            params: ParamValues::default(),
            overview: Arc::new(t.overview),
            sha256: t.sha256,
            audio: StemAudio::Loaded,
            lanes: Vec::new(),
        });
        id
    }

    /// An id for a new strip, at most [`MAX_TRACK_ID`]: the next unused one, so ids are not
    /// reused and a late engine message about a removed strip cannot reach a new one. Only
    /// after 2^24 strips in one session (far past any real one) does the count stop, and the
    /// lowest id no strip holds is taken instead (there are at most [`MAX_TRACKS`] strips).
    ///
    /// [`MAX_TRACKS`]: crate::formats::document::MAX_TRACKS
    fn fresh_id(&mut self) -> u32 {
        if self.next_id <= MAX_TRACK_ID {
            let id = self.next_id;
            self.next_id += 1;
            return id;
        }
        (1..=MAX_TRACK_ID)
            .find(|id| !self.tracks.iter().any(|t| t.id == *id))
            .unwrap_or(MAX_TRACK_ID)
    }

    /// Keeps the loop region within the song: its ends are moved back to the song's end, and a
    /// region that starts at or past the end is dropped (with looping). Every change of the
    /// song's length ([`remove_track`](Self::remove_track), [`fill_track`](Self::fill_track))
    /// and every session made from a document ([`from_doc`](Self::from_doc),
    /// [`with_settings_of`](Self::with_settings_of)) goes through this, so what the transport
    /// loops is always on the timeline the user sees (a session without tracks has no region,
    /// as [`set_loop`](Self::set_loop) gives it none).
    fn fit_loop_to_song(&mut self) {
        let song = self.song_frames();
        if let Some((a, b)) = self.loop_region {
            let (a, b) = (a.min(song), b.min(song));
            self.loop_region = (b > a).then_some((a, b));
        }
        self.loop_on &= self.loop_region.is_some();
    }

    /// Gives a placeholder strip its audio. `sha256` is the file's; when it differs from the one
    /// the strip expects, the strip is flagged as a different file.
    pub fn fill_track(&mut self, id: u32, t: NewTrack) -> bool {
        let Some(track) = self.tracks.iter_mut().find(|x| x.id == id) else {
            return false;
        };
        track.audio = if track.sha256 == t.sha256 {
            StemAudio::Loaded
        } else {
            StemAudio::Different {
                expected: track.sha256,
            }
        };
        track.file_name = t.file_name;
        track.channels = t.channels;
        track.frames = t.frames;
        track.source_rate = t.source_rate;
        track.overview = Arc::new(t.overview);
        track.sha256 = t.sha256;
        // A different file may be shorter than the one the session was made with.
        self.fit_loop_to_song();
        true
    }

    /// Strips still waiting for their file.
    pub fn missing(&self) -> impl Iterator<Item = &TrackState> {
        self.tracks.iter().filter(|t| t.audio == StemAudio::Missing)
    }

    /// The placeholder strips as [`crate::model::stem_match::place`] takes them.
    pub fn waiting(&self) -> Vec<crate::model::stem_match::Waiting<'_>> {
        self.missing()
            .map(|t| crate::model::stem_match::Waiting {
                id: t.id,
                file_name: &t.file_name,
                sha256: t.sha256,
            })
            .collect()
    }

    /// Adds a comment (kept in time order) and returns its id.
    pub fn add_comment(&mut self, c: Comment) -> u32 {
        let id = self.next_comment;
        self.next_comment += 1;
        let at = self
            .comments
            .iter()
            .position(|(_, x)| x.start_s > c.start_s)
            .unwrap_or(self.comments.len());
        self.comments.insert(at, (id, c));
        id
    }

    /// Deletes a comment and remembers its id, so a reviewer's link cannot bring it back.
    pub fn remove_comment(&mut self, id: u32) {
        if let Some(at) = self.comments.iter().position(|(i, _)| *i == id) {
            let (_, c) = self.comments.remove(at);
            self.deleted_comments.push(c.id);
            let excess = self
                .deleted_comments
                .len()
                .saturating_sub(crate::formats::document::MAX_COMMENTS);
            self.deleted_comments.drain(..excess);
        }
    }

    /// True when nothing has been done to this session yet: no tracks, comments, loop or
    /// changed setting (what a fresh page holds, whatever its lineage and rate).
    pub fn is_untouched(&self) -> bool {
        let fresh = Mix {
            lineage: self.lineage,
            sample_rate: self.sample_rate,
            ..Mix::default()
        };
        self.to_doc() == fresh.to_doc()
    }

    /// The session as a document (what links, autosave and bundles carry).
    pub fn to_doc(&self) -> SessionDoc {
        let rate = self.sample_rate.max(1.0) as f64;
        SessionDoc {
            lineage: self.lineage,
            name: self.name.clone(),
            sample_rate: self.sample_rate,
            target: TargetDoc {
                name: self.target.name.to_string(),
                lufs: self.target.lufs,
                ceiling: self.target.ceiling,
            },
            loop_region: self.loop_region,
            loop_on: self.loop_on,
            master: changed_params(&self.master, Scope::Master),
            tracks: self
                .tracks
                .iter()
                .map(|t| TrackDoc {
                    id: t.id,
                    stem: StemIdentity {
                        file_name: t.file_name.clone(),
                        duration_s: t.frames as f64 / rate,
                        channels: t.channels as u8,
                        sample_rate: t.source_rate,
                        sha256: t.sha256,
                    },
                    params: changed_params(&t.params, Scope::Track),
                    lanes: lane_docs(&t.lanes),
                })
                .collect(),
            master_lanes: lane_docs(&self.master_lanes),
            comments: self.comments.iter().map(|(_, c)| c.clone()).collect(),
            deleted_comments: self.deleted_comments.clone(),
        }
    }

    /// A session from a (validated) document, at `rate` Hz (the receiver's AudioContext rate, or
    /// 0 for the document's own): every strip is a placeholder until its file arrives.
    pub fn from_doc(doc: &SessionDoc, rate: f32) -> Mix {
        let rate = if rate > 0.0 { rate } else { doc.sample_rate };
        let scale = rate as f64 / doc.sample_rate as f64;
        let mut m = Mix {
            name: doc.name.clone(),
            master: crate::formats::document::param_values(&doc.master),
            master_lanes: lanes_of(&doc.master_lanes, scale),
            target: doc.app_target(),
            sample_rate: rate,
            loop_region: doc.loop_region.map(|r| scale_region(r, scale)),
            loop_on: doc.loop_on,
            lineage: doc.lineage,
            deleted_comments: doc.deleted_comments.clone(),
            ..Mix::default()
        };
        for t in &doc.tracks {
            m.tracks.push(placeholder(t, rate, scale));
            m.next_id = m.next_id.max(t.id.saturating_add(1));
        }
        for c in &doc.comments {
            m.add_comment(c.clone());
        }
        m.fit_loop_to_song();
        m
    }

    /// The same mix with another version's settings: parameters, target, loop and name from
    /// `doc`, comments merged (theirs added where they are not already here). A track is the same
    /// track on both sides when its id and its file (hash or name) agree; tracks they removed are
    /// removed, and tracks they added arrive as placeholder strips waiting for their files.
    pub fn with_settings_of(&self, doc: &SessionDoc) -> Mix {
        let mut m = self.clone();
        m.name = doc.name.clone();
        m.master = crate::formats::document::param_values(&doc.master);
        m.target = doc.app_target();
        m.loop_on = doc.loop_on;
        let scale = self.sample_rate.max(1.0) as f64 / doc.sample_rate as f64;
        m.master_lanes = lanes_of(&doc.master_lanes, scale);
        m.loop_region = doc.loop_region.map(|r| scale_region(r, scale));
        m.tracks
            .retain(|t| doc.tracks.iter().any(|d| same_track(t, d)));
        for t in &mut m.tracks {
            if let Some(theirs) = doc.tracks.iter().find(|d| same_track(t, d)) {
                t.params = crate::formats::document::param_values(&theirs.params);
                t.lanes = lanes_of(&theirs.lanes, scale);
            }
        }
        let rate = m.sample_rate;
        for d in &doc.tracks {
            if self.tracks.iter().any(|t| same_track(t, d)) {
                continue;
            }
            let id = if m.tracks.iter().any(|t| t.id == d.id) || self.track(d.id).is_some() {
                m.fresh_id()
            } else {
                d.id
            };
            m.next_id = m.next_id.max(id.saturating_add(1));
            m.tracks.push(TrackState {
                id,
                ..placeholder(d, rate, scale)
            });
        }
        m.merge_comments(&doc.comments);
        m.fit_loop_to_song();
        m
    }

    /// What is heard while you listen to a reviewer's version `theirs`: this mix with their
    /// settings ([`with_settings_of`](Self::with_settings_of)), monitored as you monitor this one.
    pub fn heard_as(&self, theirs: &SessionDoc) -> Mix {
        let mut heard = self.with_settings_of(theirs);
        heard.keep_live_state_of(self);
        heard
    }

    /// Carries the audio of tracks that arrived after `self` was saved (an undo snapshot taken
    /// while stems were still loading) over from `current`, so undoing an edit never unloads
    /// them. Monitoring settings are also kept from `current`: how you listen is not undone.
    pub fn keep_live_state_of(&mut self, current: &Mix) {
        for t in &mut self.tracks {
            if t.audio != StemAudio::Missing {
                continue;
            }
            if let Some(c) = current.tracks.iter().find(|c| {
                c.id == t.id
                    && c.audio != StemAudio::Missing
                    && (c.sha256 == t.sha256
                        || matches!(c.audio, StemAudio::Different { expected } if expected == t.sha256))
            }) {
                t.audio = c.audio;
                t.file_name = c.file_name.clone();
                t.channels = c.channels;
                t.frames = c.frames;
                t.source_rate = c.source_rate;
                t.overview = c.overview.clone();
                t.sha256 = c.sha256;
            }
        }
        for p in PARAMS.iter().filter(|p| p.group == Group::Monitor) {
            self.master.set(p.id, current.master.get(p.id));
        }
    }

    /// Adds the comments not already here (by id) and not deleted here, as many as the
    /// session's limit ([`MAX_COMMENTS`](crate::formats::document::MAX_COMMENTS)) allows;
    /// returns how many were added and how many were left out for the limit.
    pub fn merge_comments(&mut self, comments: &[Comment]) -> (usize, usize) {
        let (mut added, mut left_out) = (0, 0);
        for c in comments {
            let known = self.comments.iter().any(|(_, x)| x.id == c.id);
            if !known && !self.deleted_comments.contains(&c.id) {
                if self.comments.len() >= crate::formats::document::MAX_COMMENTS {
                    left_out += 1;
                    continue;
                }
                self.add_comment(c.clone());
                added += 1;
            }
        }
        (added, left_out)
    }

    /// What the engine must be told to turn `self` into `next`.
    pub fn transition_to(&self, next: &Mix) -> Transition {
        let mut tr = Transition::default();
        let loaded = |t: &&TrackState| t.audio != StemAudio::Missing;
        for t in self.tracks.iter().filter(loaded) {
            if !next.tracks.iter().filter(loaded).any(|n| n.id == t.id) {
                tr.removed.push(t.id);
                tr.commands.push(Command::RemoveTrack { track: t.id });
            }
        }
        for n in next.tracks.iter().filter(loaded) {
            let before = self.tracks.iter().filter(loaded).find(|t| t.id == n.id);
            if before.is_none() {
                tr.added.push(n.id);
            }
            for p in PARAMS.iter().filter(|p| p.scope == Scope::Track) {
                let v = n.value(p.id);
                if before.is_none_or(|b| b.value(p.id).to_bits() != v.to_bits()) {
                    tr.commands.push(Command::SetTrackParam {
                        track: n.id,
                        param: p.id,
                        value: v,
                    });
                }
            }
        }
        // Monitoring too: the engine's mirror (`studio/engine_sync.rs`) follows how you listen.
        for p in PARAMS.iter().filter(|p| p.scope == Scope::Master) {
            let v = next.master.get(p.id);
            if self.master.get(p.id).to_bits() != v.to_bits() {
                tr.commands.push(Command::SetMasterParam {
                    param: p.id,
                    value: v,
                });
            }
        }
        if (self.loop_on, self.loop_region) != (next.loop_on, next.loop_region) {
            tr.commands.push(match (next.loop_on, next.loop_region) {
                (true, Some((start, end))) => Command::SetLoop { start, end },
                _ => Command::SetLoop { start: 0, end: 0 },
            });
        }
        tr
    }

    pub fn track(&self, id: u32) -> Option<&TrackState> {
        self.tracks.iter().find(|t| t.id == id)
    }

    /// Removes a strip; the command unloads it from the engine. A loop region past the shorter
    /// song's end is moved back to it (see [`fit_loop_to_song`](Self::fit_loop_to_song); the
    /// engine hears that through [`transition_to`](Self::transition_to)).
    pub fn remove_track(&mut self, id: u32) -> Option<Command> {
        let i = self.tracks.iter().position(|t| t.id == id)?;
        self.tracks.remove(i);
        self.fit_loop_to_song();
        Some(Command::RemoveTrack { track: id })
    }

    /// Sets a track parameter (clamped to the table's range) and returns the engine command.
    pub fn set_track_param(&mut self, id: u32, param: ParamId, value: f32) -> Option<Command> {
        let spec = param.spec();
        if spec.scope != Scope::Track {
            return None;
        }
        let t = self.tracks.iter_mut().find(|t| t.id == id)?;
        let v = t.params.set(param, value);
        Some(Command::SetTrackParam {
            track: id,
            param,
            value: v,
        })
    }

    /// Sets a master-scope parameter (clamped) and returns the engine command.
    pub fn set_master_param(&mut self, param: ParamId, value: f32) -> Option<Command> {
        if param.spec().scope != Scope::Master {
            return None;
        }
        let v = self.master.set(param, value);
        Some(Command::SetMasterParam { param, value: v })
    }

    /// True when some audible track sends to an FX bus whose return is up: the export then
    /// renders the effects' tail.
    pub fn uses_fx(&self) -> bool {
        let buses = [
            (
                ParamId::Send1Level,
                ParamId::ReverbReturn,
                ParamId::ReverbMute,
            ),
            (
                ParamId::Send2Level,
                ParamId::DelayReturn,
                ParamId::DelayMute,
            ),
        ];
        let (m, ml) = (&self.master, &self.master_lanes[..]);
        buses.iter().any(|(send, ret, mute)| {
            may(m, ml, *mute, |v| v < 0.5)
                && may(m, ml, *ret, |v| v > ret.spec().min)
                && self.tracks.iter().any(|t| {
                    may(&t.params, &t.lanes, *send, |v| v > send.spec().min)
                        && may(&t.params, &t.lanes, ParamId::Mute, |v| v < 0.5)
                })
        })
    }

    /// Every parameter of every track and the master, as commands: what a fresh engine (the
    /// offline export's) needs to sound exactly like this mix.
    pub fn state_commands(&self) -> Vec<Command> {
        let mut out = Vec::new();
        // A placeholder strip has no engine track yet; its settings go with its audio.
        for t in self.tracks.iter().filter(|t| t.audio != StemAudio::Missing) {
            for p in PARAMS.iter().filter(|p| p.scope == Scope::Track) {
                out.push(Command::SetTrackParam {
                    track: t.id,
                    param: p.id,
                    value: t.value(p.id),
                });
            }
        }
        // Monitoring (mono, A/B, platform preview) is how you listen, not part of the mix.
        for p in PARAMS
            .iter()
            .filter(|p| p.scope == Scope::Master && p.group != Group::Monitor)
        {
            out.push(Command::SetMasterParam {
                param: p.id,
                value: self.master.get(p.id),
            });
        }
        out
    }

    /// One track's parameters as commands (for a strip whose audio just arrived).
    pub fn track_commands(&self, id: u32) -> Vec<Command> {
        let Some(t) = self.track(id) else {
            return Vec::new();
        };
        PARAMS
            .iter()
            .filter(|p| p.scope == Scope::Track)
            .map(|p| Command::SetTrackParam {
                track: id,
                param: p.id,
                value: t.value(p.id),
            })
            .collect()
    }

    /// Sets the loop region from seconds (clamped to the song; `None` when empty) and whether
    /// playback loops it; returns the engine command for the realtime transport.
    pub fn set_loop(&mut self, on: bool, start_s: f64, end_s: f64) -> Command {
        let song = self.song_frames();
        let frame = |s: f64| ((s.max(0.0) * self.sample_rate as f64).round() as u64).min(song);
        let (a, b) = (frame(start_s), frame(end_s));
        self.loop_region = (b > a).then_some((a, b));
        self.loop_on = on && self.loop_region.is_some();
        match (self.loop_on, self.loop_region) {
            (true, Some((start, end))) => Command::SetLoop { start, end },
            _ => Command::SetLoop { start: 0, end: 0 },
        }
    }

    /// The loop region in seconds, if set.
    pub fn loop_seconds(&self) -> Option<(f64, f64)> {
        let r = self.sample_rate as f64;
        self.loop_region
            .filter(|_| r > 0.0)
            .map(|(a, b)| (a as f64 / r, b as f64 / r))
    }

    /// Length of the longest stem, frames.
    pub fn song_frames(&self) -> u64 {
        self.tracks.iter().map(|t| t.frames).max().unwrap_or(0)
    }

    /// Why an export would be silent, if it would: no tracks, or nothing audible.
    pub fn silence_reason(&self) -> Option<&'static str> {
        if self.tracks.is_empty() {
            return Some("There are no tracks to export: drop some stems first.");
        }
        let any_solo = self.tracks.iter().any(|t| t.soloed());
        // A reading lane counts with every value it reaches.
        let silent = |t: &TrackState| {
            !may(&t.params, &t.lanes, ParamId::Mute, |v| v < 0.5)
                || (any_solo && !t.soloed())
                || !may(&t.params, &t.lanes, ParamId::Gain, |v| {
                    v > ParamId::Gain.spec().min
                })
        };
        if self.tracks.iter().all(silent)
            || !may(&self.master, &self.master_lanes, ParamId::MasterGain, |v| {
                v > ParamId::MasterGain.spec().min
            })
        {
            return Some(
                "Every track is muted or faded out (or the master is at -∞), so the export would be silent.",
            );
        }
        None
    }
}

/// Whether `param` ever takes a value for which `f` holds: its control's value, or, when a lane
/// of it is read, one of the lane's points (the lane overrides the control, and between points
/// it lies between their values).
fn may(values: &ParamValues, lanes: &[Lane], param: ParamId, f: impl Fn(f32) -> bool) -> bool {
    match crate::model::automation::find(lanes, param)
        .filter(|l| l.mode.reading() && !l.points.is_empty())
    {
        Some(l) => l.points.iter().any(|p| f(p.value)),
        None => f(values.get(param)),
    }
}

/// A loop region in frames, moved to a rate `scale` times the document's.
fn scale_region((a, b): (u64, u64), scale: f64) -> (u64, u64) {
    let at = |f: u64| (f as f64 * scale).round() as u64;
    (at(a), at(b))
}

/// True when a track and a document's track are the same strip: same id, and the same file (by
/// hash, or by name when the file differs).
pub fn same_track(t: &TrackState, d: &TrackDoc) -> bool {
    t.id == d.id && (t.sha256 == d.stem.sha256 || t.file_name == d.stem.file_name)
}

/// A placeholder strip for a document's track at `rate` Hz: its settings, waiting for its file.
/// A strip waiting for its file, from a document at `rate` Hz (`scale`: the receiver's rate over
/// the document's, for the lanes' frames).
fn placeholder(t: &TrackDoc, rate: f32, scale: f64) -> TrackState {
    TrackState {
        id: t.id,
        name: stem_name(&t.stem.file_name),
        file_name: t.stem.file_name.clone(),
        channels: t.stem.channels as usize,
        frames: (t.stem.duration_s * rate as f64).round() as u64,
        source_rate: t.stem.sample_rate,
        params: crate::formats::document::param_values(&t.params),
        overview: Arc::new(Vec::new()),
        sha256: t.stem.sha256,
        audio: StemAudio::Missing,
        lanes: lanes_of(&t.lanes, scale),
    }
}

/// A stem's display name: the file name without its extension (`Lead Vox.final.wav` →
/// `Lead Vox.final`).
pub fn stem_name(file_name: &str) -> String {
    match file_name.rfind('.') {
        Some(i) if i > 0 => file_name[..i].to_string(),
        _ => file_name.to_string(),
    }
}

/// `m:ss.mmm` for a frame position at `rate` Hz (minutes keep counting past 59).
pub fn format_position(frames: u64, rate: f32) -> String {
    let ms = if rate > 0.0 {
        (frames as f64 * 1000.0 / rate as f64).floor() as u64
    } else {
        0
    };
    format!("{}:{:02}.{:03}", ms / 60_000, (ms / 1000) % 60, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What decides whether a tab taking the autosave over opens the saved session instead.
    #[test]
    fn a_fresh_session_is_untouched_until_anything_is_done() {
        let fresh = Mix {
            sample_rate: 44_100.0,
            ..Mix::new_session(7)
        };
        assert!(fresh.is_untouched());
        let mut named = fresh.clone();
        named.name = "Demo".into();
        assert!(!named.is_untouched());
        let mut mastered = fresh.clone();
        mastered.master.set(ParamId::MasterGain, -2.0);
        assert!(!mastered.is_untouched());
        let mut looped = fresh.clone();
        looped.loop_region = Some((0, 100));
        assert!(!looped.is_untouched());
        let mut with_track = fresh;
        with_track.add_track(NewTrack {
            file_name: "a.wav".into(),
            channels: 1,
            frames: 10,
            source_rate: 44_100.0,
            overview: Vec::new(),
            sha256: [1; 32],
        });
        assert!(!with_track.is_untouched());
    }

    #[test]
    fn loop_region_is_clamped_to_the_song_and_off_when_empty() {
        let mut m = Mix {
            sample_rate: 48_000.0,
            ..Default::default()
        };
        m.add_track(NewTrack {
            file_name: "a.wav".into(),
            channels: 2,
            frames: 480_000,
            source_rate: 48_000.0,
            overview: Vec::new(),
            sha256: [0; 32],
        });
        assert_eq!(
            m.set_loop(true, 2.0, 5.0),
            Command::SetLoop {
                start: 96_000,
                end: 240_000
            }
        );
        assert_eq!(m.loop_seconds(), Some((2.0, 5.0)));
        // Past the end: clamped to the song.
        m.set_loop(true, 8.0, 30.0);
        assert_eq!(m.loop_region, Some((384_000, 480_000)));
        // Off keeps the region (for export) but tells the engine not to loop.
        assert_eq!(
            m.set_loop(false, 2.0, 5.0),
            Command::SetLoop { start: 0, end: 0 }
        );
        assert_eq!(m.loop_region, Some((96_000, 240_000)));
        // Empty: no region, no loop.
        assert_eq!(
            m.set_loop(true, 5.0, 5.0),
            Command::SetLoop { start: 0, end: 0 }
        );
        assert!(m.loop_region.is_none() && !m.loop_on);
    }

    fn new_track(name: &str, frames: u64) -> NewTrack {
        NewTrack {
            file_name: name.into(),
            channels: 2,
            frames,
            source_rate: 44_100.0,
            overview: vec![],
            sha256: [frames as u8; 32],
        }
    }

    #[test]
    fn edits_return_the_matching_commands_and_clamp() {
        let mut m = Mix::default();
        let a = m.add_track(new_track("Kick.wav", 100));
        let b = m.add_track(new_track("Bass.flac", 300));
        assert_ne!(a, b);
        assert_eq!(m.track(a).unwrap().name, "Kick");
        assert_eq!(
            m.set_track_param(a, ParamId::Gain, 40.0),
            Some(Command::SetTrackParam {
                track: a,
                param: ParamId::Gain,
                value: 12.0
            })
        );
        assert_eq!(m.set_track_param(99, ParamId::Gain, 0.0), None);
        assert_eq!(m.set_track_param(a, ParamId::MasterGain, 0.0), None);
        assert_eq!(m.song_frames(), 300);
        assert_eq!(m.remove_track(b), Some(Command::RemoveTrack { track: b }));
        assert_eq!(m.song_frames(), 100);
        // Ids are never reused, so late engine messages cannot hit a new track.
        assert!(m.add_track(new_track("x.wav", 1)) > b);
    }

    #[test]
    fn state_commands_reproduce_the_mix() {
        let mut m = Mix::default();
        let a = m.add_track(new_track("a.wav", 10));
        m.set_track_param(a, ParamId::Pan, -30.0);
        m.set_track_param(a, ParamId::Mute, 1.0);
        m.set_master_param(ParamId::MasterGain, -2.0);
        assert_eq!(m.set_master_param(ParamId::Gain, 0.0), None);
        let cmds = m.state_commands();
        let monitor = PARAMS.iter().filter(|p| p.group == Group::Monitor).count();
        assert_eq!(cmds.len(), PARAMS.len() - monitor);
        assert!(!cmds.iter().any(|c| matches!(
            c,
            Command::SetMasterParam {
                param: ParamId::Mono,
                ..
            }
        )));
        assert!(cmds.contains(&Command::SetTrackParam {
            track: a,
            param: ParamId::Pan,
            value: -30.0
        }));
        assert!(cmds.contains(&Command::SetTrackParam {
            track: a,
            param: ParamId::Mute,
            value: 1.0
        }));
        assert!(cmds.contains(&Command::SetMasterParam {
            param: ParamId::MasterGain,
            value: -2.0
        }));
        assert!(!m.uses_fx());
        m.set_track_param(a, ParamId::Mute, 0.0);
        m.set_track_param(a, ParamId::Send1Level, -10.0);
        assert!(m.uses_fx());
        m.set_master_param(ParamId::ReverbMute, 1.0);
        assert!(!m.uses_fx());
    }

    #[test]
    fn taking_their_version_follows_their_tracks_and_undo_keeps_arrived_audio() {
        let mut mine = Mix::new_session(7);
        mine.sample_rate = 48_000.0;
        let kick = mine.add_track(new_track("Kick.wav", 100));
        let bass = mine.add_track(new_track("Bass.wav", 200));
        let mut theirs_mix = mine.clone();
        theirs_mix.set_track_param(kick, ParamId::Gain, -3.0);
        theirs_mix.remove_track(bass);
        let pad = theirs_mix.add_track(new_track("Pad.wav", 300));
        // They added a track while I added one too: same id, other file.
        let vox = mine.add_track(new_track("Vox.wav", 400));
        assert_eq!(pad, vox);
        let doc = theirs_mix.to_doc();
        let taken = mine.with_settings_of(&doc);
        let names: Vec<(&str, StemAudio)> = taken
            .tracks
            .iter()
            .map(|t| (t.file_name.as_str(), t.audio))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Kick.wav", StemAudio::Loaded),
                ("Pad.wav", StemAudio::Missing)
            ]
        );
        assert_eq!(taken.track(kick).unwrap().value(ParamId::Gain), -3.0);
        let ids: Vec<u32> = taken.tracks.iter().map(|t| t.id).collect();
        assert!(ids[1] != vox, "their Pad gets a fresh id, not my Vox's");
        let tr = mine.transition_to(&taken);
        assert_eq!(tr.removed, vec![bass, vox]);

        // An undo snapshot from before a placeholder filled keeps the audio that arrived since.
        let opened = Mix::from_doc(&mine.to_doc(), 48_000.0);
        let mut filled = opened.clone();
        filled.fill_track(kick, new_track("Kick.wav", 100));
        filled.set_master_param(ParamId::Mono, 1.0);
        let mut back = opened.clone();
        back.keep_live_state_of(&filled);
        assert_eq!(back.track(kick).unwrap().audio, StemAudio::Loaded);
        assert_eq!(back.track(bass).unwrap().audio, StemAudio::Missing);
        assert_eq!(
            back.master.get(ParamId::Mono),
            1.0,
            "monitoring is not undone"
        );
        assert!(filled.transition_to(&back).removed.is_empty());
    }

    #[test]
    fn what_is_heard_during_a_review_is_derived_from_your_mix_and_diffs_to_the_engine() {
        let mut mine = Mix::new_session(7);
        mine.sample_rate = 48_000.0;
        let kick = mine.add_track(new_track("Kick.wav", 100));
        let mut theirs = mine.clone();
        theirs.set_track_param(kick, ParamId::Gain, -3.0);
        theirs.set_master_param(ParamId::MasterGain, -1.0);
        let doc = theirs.to_doc();
        // You listen in mono; their document carries no monitoring.
        mine.set_master_param(ParamId::Mono, 1.0);
        let heard = mine.heard_as(&doc);
        assert_eq!(heard.track(kick).unwrap().value(ParamId::Gain), -3.0);
        assert_eq!(
            heard.master.get(ParamId::Mono),
            1.0,
            "your monitoring is kept"
        );
        assert_eq!(heard.track(kick).unwrap().audio, StemAudio::Loaded);
        // Switching to theirs sends exactly their two differences; back to yours undoes them.
        let there = mine.transition_to(&heard);
        assert!(there.added.is_empty() && there.removed.is_empty());
        assert_eq!(
            there.commands,
            vec![
                Command::SetTrackParam {
                    track: kick,
                    param: ParamId::Gain,
                    value: -3.0
                },
                Command::SetMasterParam {
                    param: ParamId::MasterGain,
                    value: -1.0
                },
            ]
        );
        assert_eq!(heard.transition_to(&mine).commands.len(), 2);
        // Monitoring changes reach the engine through the same diff.
        let mut stereo = mine.clone();
        stereo.set_master_param(ParamId::Mono, 0.0);
        assert_eq!(
            mine.transition_to(&stereo).commands,
            vec![Command::SetMasterParam {
                param: ParamId::Mono,
                value: 0.0
            }]
        );
        // A fresh engine is told every track and every setting that is not a default.
        let fresh = Mix::fresh_engine().transition_to(&mine);
        assert_eq!(fresh.added, vec![kick]);
        assert!(fresh.commands.contains(&Command::SetMasterParam {
            param: ParamId::Mono,
            value: 1.0
        }));
    }

    #[test]
    fn a_reviewers_comments_are_merged_only_up_to_the_limit() {
        let note = |id: u64| Comment {
            id,
            start_s: id as f64,
            end_s: None,
            author: "Sam".into(),
            text: "n".into(),
        };
        let max = crate::formats::document::MAX_COMMENTS;
        let mut mine = Mix::new_session(3);
        mine.sample_rate = 48_000.0;
        for id in 0..max as u64 - 2 {
            mine.add_comment(note(id));
        }
        let theirs: Vec<Comment> = (5000..5005).map(note).collect();
        assert_eq!(mine.merge_comments(&theirs), (2, 3));
        assert_eq!(mine.comments.len(), max);
        assert_eq!(
            crate::formats::share_link::check_writable(&mine.to_doc()),
            Ok(())
        );
    }

    #[test]
    fn a_deleted_comment_does_not_come_back_from_a_reviewers_link() {
        let note = |id: u64, text: &str| Comment {
            id,
            start_s: 1.0,
            end_s: None,
            author: "Sam".into(),
            text: text.into(),
        };
        let mut mine = Mix::new_session(3);
        mine.sample_rate = 48_000.0;
        let a = mine.add_comment(note(11, "too loud"));
        mine.add_comment(note(12, "nice"));
        // Their version still has both, plus a new one with the same words as mine.
        let mut theirs = mine.clone();
        theirs.add_comment(note(13, "nice"));
        let theirs = theirs.to_doc();
        mine.remove_comment(a);
        assert_eq!(mine.deleted_comments, vec![11]);
        let doc = mine.to_doc();
        assert_eq!(
            crate::model::review::new_comments(&doc, &theirs)
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            vec![13]
        );
        assert_eq!(mine.merge_comments(&theirs.comments), (1, 0));
        let ids: Vec<u64> = mine.comments.iter().map(|(_, c)| c.id).collect();
        assert_eq!(ids, vec![12, 13]);
        // The record travels: a session reopened from its document still refuses it.
        let mut reopened = Mix::from_doc(&mine.to_doc(), 48_000.0);
        assert_eq!(reopened.merge_comments(&theirs.comments), (0, 0));
    }

    #[test]
    fn lanes_count_for_silence_and_for_the_effects_tail() {
        use crate::model::automation::{LaneMode, find_or_add};
        use dsp_worklet::automation::Curve;
        let mut m = Mix::default();
        m.add_track(new_track("Vox.wav", 100));
        m.set_track_param(1, ParamId::Mute, 1.0);
        assert!(m.silence_reason().is_some());
        // A mute lane that opens the track: not silent.
        let lane = find_or_add(&mut m.tracks[0].lanes, ParamId::Mute).expect("lane");
        lane.add_point(0, 1.0, Curve::Linear);
        lane.add_point(64, 0.0, Curve::Linear);
        assert_eq!(m.silence_reason(), None);
        // Off, the lane does not count.
        m.tracks[0].lanes[0].mode = LaneMode::Off;
        assert!(m.silence_reason().is_some());
        m.tracks[0].lanes.clear();
        m.set_track_param(1, ParamId::Mute, 0.0);
        // A send lane that rises from −∞, with the reverb's return up: the export rings on.
        m.set_master_param(ParamId::ReverbReturn, 0.0);
        assert!(!m.uses_fx());
        let send = find_or_add(&mut m.tracks[0].lanes, ParamId::Send1Level).expect("lane");
        send.add_point(0, -70.0, Curve::Linear);
        send.add_point(64, -10.0, Curve::Linear);
        assert!(m.uses_fx());
    }

    #[test]
    fn silence_reasons() {
        let mut m = Mix::default();
        assert!(m.silence_reason().is_some());
        let a = m.add_track(new_track("a.wav", 10));
        let b = m.add_track(new_track("b.wav", 10));
        assert_eq!(m.silence_reason(), None);
        m.set_track_param(a, ParamId::Mute, 1.0);
        m.set_track_param(b, ParamId::Mute, 1.0);
        assert!(m.silence_reason().is_some());
        m.set_track_param(b, ParamId::Mute, 0.0);
        m.set_track_param(a, ParamId::Solo, 1.0); // soloing a muted track: still silent
        assert!(m.silence_reason().is_some());
    }

    #[test]
    fn track_ids_never_pass_the_documents_bound() {
        let mut m = Mix::new_session(1);
        m.sample_rate = 48_000.0;
        m.add_track(new_track("Kick.wav", 100));
        let mut doc = m.to_doc();
        doc.tracks[0].id = MAX_TRACK_ID;
        // The highest id a document may hold: the next strip still gets a valid id.
        let mut opened = Mix::from_doc(&doc, 48_000.0);
        let next = opened.add_track(new_track("Snare.wav", 100));
        assert!(next < MAX_TRACK_ID, "{next}");
        assert_eq!(opened.to_doc().validate(), Ok(()));
        // Unvalidated (a recovery path): no overflow, and still no id past the bound.
        doc.tracks[0].id = u32::MAX;
        let mut opened = Mix::from_doc(&doc, 48_000.0);
        let next = opened.add_track(new_track("Snare.wav", 100));
        assert!(next <= MAX_TRACK_ID, "{next}");
        // Taking a reviewer's version whose new strip clashes with one of mine.
        let mut mine = Mix::new_session(1);
        mine.sample_rate = 48_000.0;
        mine.next_id = MAX_TRACK_ID;
        let vox = mine.add_track(new_track("Vox.wav", 100));
        assert_eq!(vox, MAX_TRACK_ID);
        let mut theirs = mine.to_doc();
        theirs.tracks[0].stem.file_name = "Pad.wav".into();
        theirs.tracks[0].stem.sha256 = [9; 32];
        let taken = mine.with_settings_of(&theirs);
        assert!(taken.tracks.iter().all(|t| t.id <= MAX_TRACK_ID));
        assert_eq!(taken.to_doc().validate(), Ok(()));
    }

    #[test]
    fn a_loop_past_the_songs_end_is_moved_back_to_it() {
        let mut m = Mix::new_session(1);
        m.sample_rate = 48_000.0;
        m.add_track(new_track("Kick.wav", 480_000));
        let mut doc = m.to_doc();
        // A document whose loop runs past its 10 s song: it ends where the song ends.
        doc.loop_region = Some((384_000, 960_000));
        doc.loop_on = true;
        let opened = Mix::from_doc(&doc, 48_000.0);
        assert_eq!(opened.loop_region, Some((384_000, 480_000)));
        assert!(opened.loop_on);
        // Wholly past the end: no region, no looping.
        doc.loop_region = Some((600_000, 960_000));
        let opened = Mix::from_doc(&doc, 48_000.0);
        assert_eq!((opened.loop_region, opened.loop_on), (None, false));
        // Taking a reviewer's version does the same.
        let taken = m.with_settings_of(&doc);
        assert_eq!((taken.loop_region, taken.loop_on), (None, false));
        // Removing the longest stem shortens the song, and the loop with it; the engine is told.
        let long = m.add_track(new_track("Pad.wav", 960_000));
        m.set_loop(true, 8.0, 15.0);
        assert_eq!(m.loop_region, Some((384_000, 720_000)));
        let before = m.clone();
        m.remove_track(long);
        assert_eq!(m.loop_region, Some((384_000, 480_000)));
        assert!(
            before
                .transition_to(&m)
                .commands
                .contains(&Command::SetLoop {
                    start: 384_000,
                    end: 480_000
                })
        );
    }

    #[test]
    fn names_and_positions() {
        assert_eq!(stem_name("Lead Vox.final.wav"), "Lead Vox.final");
        assert_eq!(stem_name(".hidden"), ".hidden");
        assert_eq!(stem_name("noext"), "noext");
        assert_eq!(format_position(0, 48_000.0), "0:00.000");
        assert_eq!(format_position(44_100 * 61 + 22_050, 44_100.0), "1:01.500");
        assert_eq!(format_position(48_000 * 600, 48_000.0), "10:00.000");
    }
}

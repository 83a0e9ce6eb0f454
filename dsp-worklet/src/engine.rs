//! The mixer engine: owns the stems and the transport, sums every track into a stereo bus and
//! applies the master fader, one block at a time. It orchestrates; the work is elsewhere: each
//! block runs the tracks ([`crate::track`]), the FX buses and the master chain ([`crate::dsp`]),
//! then [`crate::metering`] measures the output and [`crate::monitor`] shapes what is heard.
//!
//! Threading: in the browser everything here runs on the audio rendering thread. [`Engine::apply`],
//! [`Engine::begin_track`], [`Engine::commit_track`], [`Engine::add_streamed_track`],
//! [`Engine::stream_want`], [`Engine::stream_write`] and [`Engine::remove_track`] run in the
//! worklet's message handler, between render quanta: they may allocate and free (only adding and
//! removing tracks does). [`Engine::process`] and [`Engine::meter_snapshot`] run inside
//! `process()`: they never allocate, lock or panic.
//!
//! Streamed tracks (see [`crate::stream`]): their rings are emptied at every new epoch, so when
//! playback must (re)start the engine first waits, transport frozen and tracks silent, until
//! every ring holds what priming and the first block read; resident-only sessions never wait.

use crate::BLOCK_FRAMES;
use crate::automation::{self, GRID_FRAMES, Lane};
use crate::command::Command;
use crate::dsp::buses::FxBuses;
use crate::dsp::clean;
use crate::dsp::master::MasterChain;
use crate::dsp::smoother::LinearSmoother;
use crate::dsp::strip::STRIP_LATENCY_FRAMES;
use crate::error::EngineError;
use crate::meter::LevelMeter;
use crate::metering::{EngineStatus, Metering};
use crate::monitor::Monitor;
use crate::params::{Group, ParamId, Scope};
use crate::premix::Premix;
use crate::split::{Inlet, Taps};
use crate::stream::{ReadPlan, StemRing, StreamAt, StreamWant};
use crate::track::{MAX_TRACK_FRAMES, Track};
use crate::transport::Transport;

/// Length of the de-click fade when playback pauses or stops, in ms.
pub const DECLICK_MS: f32 = 5.0;

/// Longest the engine waits for streamed tracks' rings before it primes anyway (and counts the
/// frames that are missing as underruns), in s.
pub const MAX_STREAM_WAIT_S: f32 = 0.5;

/// What to do once the de-click fade-out has reached silence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AfterFade {
    Nothing,
    Pause,
    Stop,
}

/// The whole mixer for one session at one sample rate.
#[derive(Debug)]
pub struct Engine {
    sample_rate: f32,
    tracks: Vec<Track>,
    /// A track being filled by the worklet shell between `begin_track` and `commit_track`.
    pending: Option<Track>,
    master_gain: LinearSmoother,
    /// Reverb and delay buses with their returns.
    buses: FxBuses,
    /// EQ, multiband, width, saturation, limiter, output (after the master fader).
    master_chain: MasterChain,
    /// Transport fade: 1 while playing, ramps to 0 on pause/stop.
    declick: LinearSmoother,
    after_fade: AfterFade,
    transport: Transport,
    /// Where the tracks read their stems: [`Engine::latency_frames`] ahead of the playhead
    /// (through the loop), so that after the strips' and the master chain's constant latency the
    /// output at the playhead is exactly the song at the playhead.
    reader: Transport,
    /// Set when the strips' delay lines do not hold the look-ahead frames (tracks added while
    /// stopped); the next Play primes them.
    needs_prime: bool,
    /// Output of priming, thrown away. Allocated with the engine.
    discard: [Vec<f32>; 2],
    /// Records the master chain's input while set (an export's first pass).
    recording: Option<Premix>,
    /// While set, replaces the tracks and FX buses as the master chain's input (an export's
    /// later passes; see [`crate::premix`]).
    replaying: Option<Premix>,
    /// Length of the longest stem, in frames.
    song_frames: u64,
    /// The song is at least this long (an export split across engines: the longest stem may be
    /// in another engine), frames.
    song_floor: u64,
    /// A track in another engine is soloed (an export split across engines).
    solo_elsewhere: bool,
    /// A part of an export split across engines: the tracks render into these instead of the
    /// graph (see [`crate::split`]).
    taps: Option<Taps>,
    /// The summing engine of a split export: the other engines' tracks, added after its own.
    inlet: Option<Inlet>,
    /// The latency-matched unmastered mix of the current block.
    prechain: [Vec<f32>; 2],
    /// Monitoring: what is heard, never what is measured or exported.
    monitor: Monitor,
    /// The master's meters and the meter snapshot.
    metering: Metering,
    /// The serial of the last [`Command::Seek`], echoed in the meter snapshot.
    seek_serial: u32,
    /// Epoch, read plan and waiting for streamed tracks.
    stream: Streaming,
    /// Automation lanes by id (see [`crate::automation`]): the master's here, each track's
    /// in its track; `None` where none is.
    lanes: Vec<Option<LaneSlot>>,
    /// Reader position of the next grid point where a master lane moves (`u64::MAX`: none).
    next_follow: u64,
    /// Some master lane reads (whole blocks then end on the grid where it moves).
    master_automated: bool,
}

/// Where an automation lane lives.
#[derive(Debug)]
enum LaneSlot {
    /// A master-scope parameter's lane, followed by the engine.
    Master(Lane),
    /// Lane `index` of track `track`, followed by the track.
    Track { track: u32, index: usize },
}

/// The engine's side of streaming (see [`crate::stream`]; audio thread).
#[derive(Debug, Default)]
struct Streaming {
    /// Current epoch; bumped whenever the reader's sequence of song frames changes.
    epoch: u32,
    /// The sequence the reader follows in this epoch.
    plan: ReadPlan,
    /// Read index of the reader's next frame: frames read in this epoch.
    index: u64,
    /// Playing, but waiting for the rings before priming: transport frozen, tracks silent.
    waiting: bool,
    /// Frames waited since the epoch began (bounded by [`MAX_STREAM_WAIT_S`]).
    wait_frames: u64,
    /// Blocks spent waiting since the engine was made.
    waited_blocks: u64,
    /// Frames of the rings' tails to fade out when a wait interrupts playback (0: none), and
    /// how many have played.
    fade_len: usize,
    fade_at: usize,
    /// Underrun frames of tracks since removed, so the total never goes down.
    removed_underruns: u64,
}

impl Engine {
    /// An empty session at `sample_rate` Hz (the AudioContext's rate).
    pub fn new(sample_rate: f32) -> Engine {
        let master = ParamId::MasterGain.spec();
        Engine {
            sample_rate,
            tracks: Vec::new(),
            pending: None,
            master_gain: LinearSmoother::new(
                master.db_to_gain(master.default),
                master.smoothing_ms,
                sample_rate,
            ),
            buses: FxBuses::new(sample_rate),
            master_chain: MasterChain::new(&crate::ParamValues::default(), sample_rate),
            declick: LinearSmoother::new(1.0, DECLICK_MS, sample_rate),
            after_fade: AfterFade::Nothing,
            transport: Transport::default(),
            reader: Transport::default(),
            needs_prime: true,
            discard: [vec![0.0; BLOCK_FRAMES], vec![0.0; BLOCK_FRAMES]],
            recording: None,
            replaying: None,
            song_frames: 0,
            song_floor: 0,
            solo_elsewhere: false,
            taps: None,
            inlet: None,
            prechain: [vec![0.0; BLOCK_FRAMES], vec![0.0; BLOCK_FRAMES]],
            monitor: Monitor::new(sample_rate),
            metering: Metering::new(sample_rate),
            seek_serial: 0,
            stream: Streaming::default(),
            lanes: Vec::new(),
            next_follow: 0,
            master_automated: false,
        }
    }

    /// Adds automation lane `id` (below [`automation::MAX_LANES`]) for `param` of track
    /// `track` ([`automation::MASTER`] for a master-scope parameter), with room for `capacity`
    /// points. Allocates (like adding a track); the points then arrive as commands. A track's
    /// lanes live in the track (which follows them as it renders, in any engine of a split
    /// export alike). Monitoring, region and solo rows are not automatable.
    pub fn add_lane(
        &mut self,
        id: u32,
        track: u32,
        param: ParamId,
        capacity: usize,
    ) -> Result<(), EngineError> {
        let spec = param.spec();
        let scope = if track == automation::MASTER {
            Scope::Master
        } else {
            Scope::Track
        };
        if spec.scope != scope || !automation::automatable(param) {
            return Err(EngineError::UnknownParam);
        }
        let slot = id as usize;
        if slot >= automation::MAX_LANES || self.lanes.get(slot).is_some_and(Option::is_some) {
            return Err(EngineError::UnknownLane);
        }
        let lane = Lane::new(track, param, capacity)?;
        if self.lanes.len() <= slot {
            self.lanes
                .try_reserve(slot + 1 - self.lanes.len())
                .map_err(|_| EngineError::OutOfMemory)?;
            self.lanes.resize_with(slot + 1, || None);
        }
        self.lanes[slot] = Some(if track == automation::MASTER {
            LaneSlot::Master(lane)
        } else {
            let t = self
                .tracks
                .iter_mut()
                .find(|t| t.id() == track)
                .ok_or(EngineError::UnknownTrack)?;
            LaneSlot::Track {
                track,
                index: t.add_lane(lane)?,
            }
        });
        self.note_lanes();
        Ok(())
    }

    /// The lane with id `id`.
    pub fn lane(&self, id: u32) -> Option<&Lane> {
        match self.lanes.get(id as usize)?.as_ref()? {
            LaneSlot::Master(l) => Some(l),
            LaneSlot::Track { track, index } => {
                self.tracks.iter().find(|t| t.id() == *track)?.lane(*index)
            }
        }
    }

    /// Edits lane `id` with `f`, then lets its owner (the master or a track) know.
    fn edit_lane(
        &mut self,
        id: u32,
        f: impl FnOnce(&mut Lane) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        match self.lanes.get_mut(id as usize).and_then(Option::as_mut) {
            Some(LaneSlot::Master(l)) => {
                f(l)?;
                self.note_lanes();
            }
            Some(LaneSlot::Track { track, index }) => {
                let (track, index) = (*track, *index);
                let t = self
                    .tracks
                    .iter_mut()
                    .find(|t| t.id() == track)
                    .ok_or(EngineError::UnknownLane)?;
                f(t.lane_mut(index).ok_or(EngineError::UnknownLane)?)?;
                t.lanes_changed();
            }
            None => return Err(EngineError::UnknownLane),
        }
        Ok(())
    }

    /// Drops lane `id`.
    fn remove_lane(&mut self, id: u32) -> Result<(), EngineError> {
        match self.lanes.get_mut(id as usize).and_then(Option::take) {
            Some(LaneSlot::Master(_)) => self.note_lanes(),
            Some(LaneSlot::Track { track, index }) => {
                if let Some(t) = self.tracks.iter_mut().find(|t| t.id() == track) {
                    t.clear_lane(index);
                }
            }
            None => return Err(EngineError::UnknownLane),
        }
        Ok(())
    }

    fn note_lanes(&mut self) {
        self.master_automated = self
            .lanes
            .iter()
            .flatten()
            .any(|l| matches!(l, LaneSlot::Master(l) if l.reading && !l.points().is_empty()));
        self.refollow();
    }

    /// The master's lanes changed or the reader jumped: follow them at the next grid point.
    fn refollow(&mut self) {
        self.next_follow = self.reader.position.next_multiple_of(GRID_FRAMES);
    }

    /// Where the next piece of the graph must end for the master's lanes: the next grid point
    /// with a follow to do (or simply the next one when the reader is past where one was due).
    fn lane_stop(&self, position: u64) -> u64 {
        if self.next_follow > position {
            self.next_follow
        } else {
            (position + 1).next_multiple_of(GRID_FRAMES)
        }
    }

    /// The master's reading lanes.
    fn master_lanes(&mut self) -> impl Iterator<Item = &mut Lane> {
        self.lanes.iter_mut().flatten().filter_map(|l| match l {
            LaneSlot::Master(l) if l.reading => Some(l),
            _ => None,
        })
    }

    /// After following the master's lanes at grid point `p` (their values at lane frame
    /// `at`): the next grid point where one of them moves.
    fn plan_follow(&mut self, p: u64, at: u64) {
        let still = self
            .master_lanes()
            .map(|l| l.still_until(at))
            .min()
            .unwrap_or(u64::MAX);
        self.next_follow = automation::next_due(p, still);
    }

    /// Puts every lane's ramps where playing up to reader position `r` leaves them: at the
    /// value of the last grid point, ramping to the next, `r`'s offset from the grid already
    /// run (after priming, so a seek lands where playing would have).
    fn join_lanes(&mut self, r: u64) {
        for t in &mut self.tracks {
            t.join_lanes(r);
        }
        if !self.master_automated {
            return;
        }
        let off = r % GRID_FRAMES;
        let p = r - off;
        let latency = STRIP_LATENCY_FRAMES as u64;
        self.follow_lanes(p.saturating_sub(latency), true);
        if off > 0 {
            self.follow_lanes((p + GRID_FRAMES).saturating_sub(latency), false);
            self.master_gain.skip(off as u32);
        }
        self.refollow();
    }

    /// Sets the master's lane parameters to their values at lane (song) frame `frame`,
    /// ramping over one grid step (`snap`: at once, no audio flowing).
    fn follow_lanes(&mut self, frame: u64, snap: bool) {
        for i in 0..self.lanes.len() {
            let (param, v) = match &mut self.lanes[i] {
                Some(LaneSlot::Master(l)) if l.reading => match l.value_at(frame) {
                    Some(v) => (l.param, v),
                    None => continue,
                },
                _ => continue,
            };
            self.set_master_from_lane(param, v, snap);
        }
    }

    fn set_master_from_lane(&mut self, param: ParamId, v: f32, snap: bool) {
        match param.spec().group {
            Group::Master => {
                let g = param.spec().db_to_gain(v);
                if snap {
                    self.master_gain.reset(g);
                } else {
                    self.master_gain.ramp_to(g, GRID_FRAMES as u32);
                }
            }
            Group::Reverb | Group::Delay => self.buses.set(param, v, snap),
            g if g.in_master_chain() => self.master_chain.set(param, v, snap),
            _ => {}
        }
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Next frame to be rendered.
    pub fn position(&self) -> u64 {
        self.transport.position
    }

    pub fn is_playing(&self) -> bool {
        self.transport.playing
    }

    /// Length of the longest stem, frames.
    pub fn song_frames(&self) -> u64 {
        self.song_frames
    }

    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// Adds a decoded stem (1 or 2 channels of equal length at the session rate).
    pub fn add_track(&mut self, id: u32, channels: Vec<Vec<f32>>) -> Result<(), EngineError> {
        self.check_new_id(id)?;
        let track = Track::from_channels(id, channels, self.sample_rate)?;
        self.insert(track);
        Ok(())
    }

    /// Allocates a silent track for the shell to fill through [`pending_channel_mut`]
    /// (`Engine::pending_channel_mut`), then [`commit_track`](Self::commit_track).
    pub fn begin_track(
        &mut self,
        id: u32,
        channels: usize,
        frames: usize,
    ) -> Result<(), EngineError> {
        self.pending = None;
        self.check_new_id(id)?;
        self.pending = Some(Track::allocate(id, channels, frames, self.sample_rate)?);
        Ok(())
    }

    /// Samples of channel `ch` of the track being loaded.
    pub fn pending_channel_mut(&mut self, ch: usize) -> Result<&mut [f32], EngineError> {
        self.pending
            .as_mut()
            .ok_or(EngineError::NoPendingTrack)?
            .channel_mut(ch)
            .ok_or(EngineError::UnsupportedChannelCount)
    }

    /// Makes the track being loaded part of the mix.
    pub fn commit_track(&mut self) -> Result<(), EngineError> {
        let mut track = self.pending.take().ok_or(EngineError::NoPendingTrack)?;
        track.sanitize();
        self.insert(track);
        Ok(())
    }

    /// Unloads a track; its samples are freed here, in the message handler.
    pub fn remove_track(&mut self, id: u32) -> Result<(), EngineError> {
        let before = self.tracks.len();
        let underruns: u64 = self
            .tracks
            .iter()
            .filter(|t| t.id() == id)
            .map(|t| t.underrun_frames())
            .sum();
        self.tracks.retain(|t| t.id() != id);
        if self.tracks.len() == before {
            return Err(EngineError::UnknownTrack);
        }
        self.stream.removed_underruns += underruns;
        // Its lanes went with it.
        for slot in &mut self.lanes {
            if matches!(slot, Some(LaneSlot::Track { track, .. }) if *track == id) {
                *slot = None;
            }
        }
        self.tracks_changed();
        Ok(())
    }

    /// Adds a streamed track: a stem of `channels` (1 or 2) × `frames` frames whose audio a
    /// feeder writes through [`stream_write`](Self::stream_write) into a ring of `capacity`
    /// frames (at least [`stream_min_capacity`](Self::stream_min_capacity); a few seconds is
    /// usual). Allocates the ring: message handler only.
    pub fn add_streamed_track(
        &mut self,
        id: u32,
        channels: usize,
        frames: usize,
        capacity: usize,
    ) -> Result<(), EngineError> {
        self.check_new_id(id)?;
        if capacity < self.stream_min_capacity() {
            return Err(EngineError::RingTooSmall);
        }
        if capacity > MAX_TRACK_FRAMES {
            return Err(EngineError::TrackTooLong);
        }
        if !(1..=2).contains(&channels) {
            return Err(EngineError::UnsupportedChannelCount);
        }
        // Joins the epoch where the reader is, so it is fed from there.
        let ring = StemRing::new(channels, capacity, self.declick_frames(), self.stream.index)?;
        let track = Track::streamed(id, frames, ring, self.sample_rate)?;
        self.insert(track);
        Ok(())
    }

    /// Frames a streamed track's ring must hold before playback (re)starts: priming (the
    /// engine's latency) plus one block. The smallest capacity a ring may have.
    pub fn stream_min_capacity(&self) -> usize {
        self.latency_frames() + BLOCK_FRAMES
    }

    /// What the feeder of streamed track `id` should write next. Message handler.
    pub fn stream_want(&self, id: u32) -> Result<StreamWant, EngineError> {
        let ring = self.ring(id)?;
        Ok(StreamWant {
            epoch: self.stream.epoch,
            from: ring.filled(),
            free: ring.free(),
            plan: self.stream.plan,
        })
    }

    /// Writes frames of streamed track `id` for read indices `k0..` of `epoch` (one slice per
    /// channel, equal lengths; see [`StemRing::write`]). Returns how many frames were taken
    /// (as many as there is room for); 0 when `epoch` is no longer current, which is not an
    /// error: the feeder asks [`stream_want`](Self::stream_want) again. `k0` must be the `from`
    /// of the current want (`StreamOutOfOrder` otherwise, also after an underrun moved it on).
    /// Message handler; never allocates.
    pub fn stream_write(
        &mut self,
        id: u32,
        epoch: u32,
        k0: u64,
        channels: &[&[f32]],
    ) -> Result<usize, EngineError> {
        let current = self.stream.epoch;
        let ring = self.ring_mut(id)?;
        if epoch != current {
            return Ok(0);
        }
        ring.write(k0, channels)
    }

    fn ring(&self, id: u32) -> Result<&StemRing, EngineError> {
        let t = self.tracks.iter().find(|t| t.id() == id);
        t.ok_or(EngineError::UnknownTrack)?
            .ring()
            .ok_or(EngineError::NotStreamed)
    }

    fn ring_mut(&mut self, id: u32) -> Result<&mut StemRing, EngineError> {
        let t = self.tracks.iter_mut().find(|t| t.id() == id);
        t.ok_or(EngineError::UnknownTrack)?
            .ring_mut()
            .ok_or(EngineError::NotStreamed)
    }

    /// The current epoch (see [`crate::stream`]).
    pub fn stream_epoch(&self) -> u32 {
        self.stream.epoch
    }

    /// The read plan of the current epoch.
    pub fn read_plan(&self) -> ReadPlan {
        self.stream.plan
    }

    /// Frames streamed tracks played as silence because their rings lacked them, summed over
    /// every track the engine has held.
    pub fn underrun_frames(&self) -> u64 {
        let held: u64 = self.tracks.iter().map(|t| t.underrun_frames()).sum();
        self.stream.removed_underruns + held
    }

    /// True while playback waits for streamed tracks' rings (transport frozen).
    pub fn is_waiting(&self) -> bool {
        self.stream.waiting
    }

    /// Blocks (of at most [`BLOCK_FRAMES`]) spent waiting for rings since the engine was made.
    pub fn waited_blocks(&self) -> u64 {
        self.stream.waited_blocks
    }

    /// Length of the de-click fade, frames.
    fn declick_frames(&self) -> usize {
        ((DECLICK_MS * 0.001 * self.sample_rate).round() as usize).max(1)
    }

    /// The plan the reader follows when primed now.
    fn current_plan(&self) -> ReadPlan {
        ReadPlan {
            start: self.transport.position,
            loop_region: self.transport.loop_region,
        }
    }

    /// Begins a new epoch following `plan`, unless it is the current plan and nothing has been
    /// read in this epoch (then what was fed stays good). Empties every ring; while the tracks
    /// are sounding, first keeps what each was about to play, for a fade-out should the engine
    /// have to wait. Never allocates.
    fn begin_epoch(&mut self, plan: ReadPlan) {
        if plan == self.stream.plan && self.stream.index == 0 {
            return;
        }
        let sounding = self.transport.playing && !self.stream.waiting && !self.needs_prime;
        let mut streamed = false;
        for ring in self.tracks.iter_mut().filter_map(|t| t.ring_mut()) {
            ring.restart(0, sounding);
            streamed = true;
        }
        if sounding && streamed {
            self.stream.fade_len = self.declick_frames();
            self.stream.fade_at = 0;
        }
        self.stream.epoch = self.stream.epoch.wrapping_add(1);
        self.stream.plan = plan;
        self.stream.index = 0;
        self.stream.wait_frames = 0;
    }

    /// True when every streamed track's ring holds what priming and one block read (or all of
    /// it that lies inside its stem). Always true without streamed tracks, and while a premix
    /// replaces the tracks (an export's later passes do not hear them).
    fn streams_ready(&self) -> bool {
        if self.replaying.is_some() {
            return true;
        }
        let need = self.stream_min_capacity();
        self.tracks.iter().all(|t| {
            t.ring()
                .is_none_or(|r| r.ready(need, &self.stream.plan, t.frames() as u64))
        })
    }

    /// Primes now if the rings are ready, else waits (see [`poll_wait`](Self::poll_wait)).
    fn start_or_wait(&mut self) {
        if self.streams_ready() {
            self.start_tracks();
        } else {
            self.needs_prime = true;
            self.stream.waiting = true;
        }
    }

    /// Primes and ends a wait, if there was one (the tracks sound again at full level unless a
    /// pause or stop is fading them).
    fn start_tracks(&mut self) {
        self.prime();
        if self.stream.waiting {
            self.stream.waiting = false;
            if self.after_fade == AfterFade::Nothing {
                self.declick.reset(1.0);
            }
        }
        self.stream.fade_len = 0;
        self.stream.fade_at = 0;
    }

    /// At the start of each block while waiting: primes once the rings are ready, or the wait
    /// has lasted [`MAX_STREAM_WAIT_S`] (the missing frames then count as underruns), and
    /// never during a fade. Otherwise counts a waited block of `n` frames and, on the first,
    /// starts fading out the tails.
    fn poll_wait(&mut self, n: usize) {
        let s = &self.stream;
        let fading = s.fade_at > 0 && s.fade_at < s.fade_len;
        let bound = (MAX_STREAM_WAIT_S * self.sample_rate) as u64;
        if !fading
            && self.after_fade == AfterFade::Nothing
            && (s.wait_frames >= bound || self.streams_ready())
        {
            self.start_tracks();
            return;
        }
        if s.fade_at == 0 && s.fade_len > 0 {
            self.declick.set_target(0.0);
        }
        self.stream.wait_frames += n as u64;
        self.stream.waited_blocks += 1;
    }

    /// Where streamed tracks read the segment of `len` frames at song frame `position` the
    /// reader is about to render: the epoch's read index if the reader is where the plan says.
    fn stream_at(&self, position: u64, len: usize) -> StreamAt {
        let (plan, k) = (&self.stream.plan, self.stream.index);
        let here = plan.song_frame(k) == position && plan.run(k, len) == len;
        StreamAt::Ring(here.then_some(k))
    }

    fn check_new_id(&self, id: u32) -> Result<(), EngineError> {
        if self.tracks.iter().any(|t| t.id() == id) {
            Err(EngineError::DuplicateTrack)
        } else {
            Ok(())
        }
    }

    fn insert(&mut self, track: Track) {
        self.tracks.push(track);
        self.tracks_changed();
    }

    fn tracks_changed(&mut self) {
        if !self.transport.playing {
            self.needs_prime = true;
            // The next Play primes from the playhead: let the feeders start on that now.
            self.begin_epoch(self.current_plan());
        }
        self.song_frames = self
            .tracks
            .iter()
            .map(|t| t.frames() as u64)
            .max()
            .unwrap_or(0)
            .max(self.song_floor);
        self.metering.resize(self.tracks.len());
        self.update_gates(true);
    }

    /// Solo-in-place: when any track is soloed only soloed tracks sound; a muted track never does.
    fn update_gates(&mut self, snap: bool) {
        let any_solo = self.solo_elsewhere || self.tracks.iter().any(|t| t.solo());
        for t in &mut self.tracks {
            let audible = !t.mute() && (!any_solo || t.solo());
            t.set_any_solo(any_solo);
            t.set_audible(audible, snap);
        }
    }

    /// Applies one command. Parameter changes ramp while audio plays and take effect at once
    /// while stopped, so playback and export always start from the exact settings.
    pub fn apply(&mut self, command: Command) -> Result<(), EngineError> {
        let snap = !self.transport.playing;
        match command {
            Command::SetTrackParam {
                track,
                param,
                value,
            } => {
                let t = self
                    .tracks
                    .iter_mut()
                    .find(|t| t.id() == track)
                    .ok_or(EngineError::UnknownTrack)?;
                let gates = t.set_param(param, value, snap);
                if t.laned() {
                    // A lane that reads overrides the control (as in a DAW): it is followed
                    // again from the next grid point, even where it is at rest.
                    t.lanes_moved_back();
                }
                if gates {
                    self.update_gates(snap);
                }
            }
            Command::SetMasterParam { param, value } => match param.spec().group {
                _ if self.master_automated
                    && self.lanes.iter().flatten().any(
                        |l| matches!(l, LaneSlot::Master(l) if l.reading && l.param == param),
                    ) =>
                {
                    // A master lane reads this parameter: it overrides the control.
                    self.refollow();
                }
                Group::Master => self.master_gain.set(param.spec().db_to_gain(value), snap),
                Group::Reverb | Group::Delay => self.buses.set(param, value, snap),
                g if g.in_master_chain() => self.master_chain.set(param, value, snap),
                Group::Monitor => self.monitor.set(param, value, snap),
                // A track parameter sent as a master one: nothing on the master bus uses it.
                _ => {}
            },
            Command::Play => {
                if !self.transport.playing
                    && self.transport.position >= self.song_frames
                    && self.transport.loop_region.is_none()
                {
                    self.relocate(0);
                }
                if self.needs_prime {
                    self.begin_epoch(self.current_plan());
                    self.start_or_wait();
                }
                if !self.transport.playing && self.transport.position == 0 {
                    // Integrated loudness runs from play at the top (or a reset).
                    self.metering.reset_loudness();
                }
                self.transport.playing = true;
                self.after_fade = AfterFade::Nothing;
                if !self.stream.waiting {
                    // (A wait's fade-out runs on; the wait ends at full level.)
                    self.declick.reset(1.0);
                }
            }
            Command::Pause | Command::Stop => {
                let then = if command == Command::Stop {
                    AfterFade::Stop
                } else {
                    AfterFade::Pause
                };
                if self.transport.playing {
                    self.after_fade = then;
                    self.declick.set_target(0.0);
                } else {
                    self.finish(then);
                }
            }
            Command::Seek { frame, serial } => {
                self.seek_serial = serial;
                self.relocate(frame.min(self.song_frames));
            }
            Command::SetLoop { start, end } => {
                self.transport.loop_region = (end > start).then_some((start, end));
                self.relocate(self.transport.position);
            }
            Command::RemoveTrack { track } => self.remove_track(track)?,
            Command::SetMetering { on } => self.metering.set_on(on),
            Command::SetAnalysis { on } => self.metering.set_analysis(on),
            Command::ResetLoudness => self.metering.reset_loudness(),
            Command::SetLanePoint {
                lane,
                index,
                frame,
                value,
                curve,
            } => self.edit_lane(lane, |l| {
                l.set_point(
                    index as usize,
                    automation::Point {
                        frame,
                        value,
                        curve,
                    },
                )
            })?,
            Command::SetLaneLength { lane, len } => {
                self.edit_lane(lane, |l| l.set_len(len as usize))?
            }
            Command::SetLaneReading { lane, on } => self.edit_lane(lane, |l| {
                l.reading = on;
                Ok(())
            })?,
            Command::RemoveLane { lane } => self.remove_lane(lane)?,
        }
        Ok(())
    }

    fn finish(&mut self, what: AfterFade) {
        if what == AfterFade::Nothing {
            return;
        }
        self.transport.playing = false;
        // Stopped: a wait ends, the next Play primes.
        self.stream.waiting = false;
        self.stream.fade_len = 0;
        self.stream.fade_at = 0;
        if what == AfterFade::Stop {
            self.relocate(0);
        }
        self.after_fade = AfterFade::Nothing;
        self.declick.reset(1.0);
    }

    /// Moves the playhead to `frame` and primes the strips and the master chain with the
    /// [`Engine::latency_frames`] frames that follow it, so the next output frame is the song at
    /// `frame`. Renders into the discard buffers: no allocation, callable from `process` (a stop
    /// at the end of a fade). Begins a new streaming epoch; with streamed tracks, priming waits
    /// for their rings (at the latest until the next block).
    fn relocate(&mut self, frame: u64) {
        self.transport.position = frame;
        self.begin_epoch(self.current_plan());
        if self.transport.playing {
            self.start_or_wait();
        } else {
            // Primed at the next Play: priming now would leave the song's first frames waiting
            // in the master chain, to leak out while stopped.
            self.needs_prime = true;
        }
    }

    /// Fills the strips' and the master chain's delay lines with the frames that follow the
    /// playhead.
    fn prime(&mut self) {
        // Normally already begun (relocation, Play); a no-op then.
        self.begin_epoch(self.current_plan());
        self.reader = Transport {
            playing: true,
            position: self.transport.position,
            loop_region: self.transport.loop_region,
        };
        // The buffers are taken out while the graph renders into them (no allocation: an empty
        // Vec is free), then put back.
        let mut discard = core::mem::take(&mut self.discard);
        let [dl, dr] = &mut discard;
        // Automated parameters start at their lanes' values here (the strips prime with them).
        let at = self
            .reader
            .position
            .saturating_sub(STRIP_LATENCY_FRAMES as u64);
        for t in &mut self.tracks {
            t.snap_lanes(at);
        }
        if self.master_automated {
            self.follow_lanes(at, true);
        }
        // 1. The strips' latency: tracks alone (the frames that come out are stale and dropped).
        let mut left = STRIP_LATENCY_FRAMES;
        while left > 0 {
            let (len, wrap) = self.reader.next_segment(left.min(BLOCK_FRAMES), u64::MAX);
            let len = len.max(1);
            let (l, r) = (&mut dl[..len], &mut dr[..len]);
            l.fill(0.0);
            r.fill(0.0);
            let at = self.stream_at(self.reader.position, len);
            for t in &mut self.tracks {
                t.render(self.reader.position, at, l, r, None);
            }
            self.reader.advance(len, wrap);
            self.stream.index += len as u64;
            left -= len;
        }
        // From here the strips' output is heard: the modulation effects start with empty
        // lines (nothing of the old position, which the saturation's latency still held, gets
        // in) and their LFOs at the song's phase, and the lanes' ramps stand where a render that
        // got here by playing has them.
        for t in &mut self.tracks {
            t.sync_strip(self.reader.position);
        }
        self.join_lanes(self.reader.position);
        // 2. The master chain's latency: the whole graph, so the chain holds the frames that
        //    follow the playhead (the limiter sees its look-ahead).
        let mut left = self.master_chain.latency();
        while left > 0 {
            let len = left.min(BLOCK_FRAMES);
            self.mix_block(&mut dl[..len], &mut dr[..len], false);
            left -= len;
        }
        self.discard = discard;
        // Priming is not heard: keep it out of the track meters.
        for t in &mut self.tracks {
            t.meter = LevelMeter::default();
        }
        self.needs_prime = false;
    }

    /// How many values in the strips' and the FX buses' state (filter memories, envelopes,
    /// delay lines) are subnormal: a probe for tests of the denormal rule. It walks every
    /// buffer, so it is never called on the audio thread.
    pub fn subnormal_states(&self) -> usize {
        let tracks: usize = self.tracks.iter().map(|t| t.subnormal_states()).sum();
        tracks + self.buses.subnormal_states()
    }

    /// True when every value of the engine's running state is finite: the tracks' ramps, strip
    /// processors (filter memories and coefficients, envelopes, oversampler histories) and level
    /// meters, the FX buses (reverb and delay lines, returns), the master fader, de-click, the
    /// master chain (EQ, tilt, crossovers, band compressors, width, saturation, limiter, dry
    /// paths), the monitor, the master meters and the unmastered mix of the last block. A probe
    /// for tests (a NaN or ±∞ that got into a feedback path would stay for good); it walks every
    /// buffer, so it is never called on the audio thread.
    #[doc(hidden)]
    pub fn internal_state_finite(&self) -> bool {
        use crate::dsp::FiniteState;
        self.tracks.iter().all(Track::state_finite)
            && self.buses.state_finite()
            && self.master_gain.state_finite()
            && self.declick.state_finite()
            && self.master_chain.state_finite()
            && self.monitor.state_finite()
            && self.metering.state_finite()
            && crate::dsp::all_finite(self.prechain.iter().flatten())
    }

    /// Total latency the engine compensates, frames: the strips' plus the master chain's.
    pub fn latency_frames(&self) -> usize {
        STRIP_LATENCY_FRAMES + self.master_chain.latency()
    }

    /// How long after a change while playing a track or master control is heard, frames: the
    /// master chain's latency (controls act where the graph renders, ahead of the output).
    pub fn control_latency_frames(&self) -> usize {
        self.master_chain.latency()
    }

    /// Renders the next `min(out_l.len(), out_r.len())` frames of the mix into the two buffers
    /// (overwriting them). Any length works; the worklet uses 128. Never allocates or panics;
    /// the output is always finite and free of subnormals.
    pub fn process(&mut self, out_l: &mut [f32], out_r: &mut [f32]) {
        let n = out_l.len().min(out_r.len());
        for (l, r) in out_l[..n]
            .chunks_mut(BLOCK_FRAMES)
            .zip(out_r[..n].chunks_mut(BLOCK_FRAMES))
        {
            if !(self.master_automated && self.transport.playing && !self.stream.waiting) {
                self.process_block(l, r);
                continue;
            }
            // A master-scope lane: pieces that end on the lanes' grid (of the frames the tracks
            // read) where a lane moves, so its step reaches the FX buses and the master chain
            // on the same frame whatever the block size. (Track lanes only cut the tracks'
            // segments, in `graph_block`.)
            let mut done = 0;
            while done < l.len() {
                let position = self.reader.position;
                let to_stop = self.lane_stop(position) - position;
                let len = to_stop.min((l.len() - done) as u64) as usize;
                self.process_block(&mut l[done..done + len], &mut r[done..done + len]);
                done += len;
            }
        }
    }

    /// One block of at most [`BLOCK_FRAMES`] frames (the tracks' scratch size).
    fn process_block(&mut self, out_l: &mut [f32], out_r: &mut [f32]) {
        let n = out_l.len().min(out_r.len());
        if self.stream.waiting {
            self.poll_wait(n);
        }
        self.mix_block(out_l, out_r, true);
        for (l, r) in out_l.iter_mut().zip(out_r.iter_mut()) {
            *l = clean(*l);
            *r = clean(*r);
        }
        self.metering.measure(out_l, out_r, &self.prechain);
        self.monitor.apply(out_l, out_r, &self.prechain);
        if self.after_fade != AfterFade::Nothing && !self.declick.is_smoothing() {
            self.finish(self.after_fade);
        }
    }

    /// One block of the graph: [`graph_block`](Self::graph_block) (or its recording, see
    /// [`crate::premix`]) → master chain. `playback`: the playhead moves with the reader (normal
    /// play); otherwise only the reader moves (priming after a relocation).
    fn mix_block(&mut self, out_l: &mut [f32], out_r: &mut [f32], playback: bool) {
        let n = out_l.len().min(out_r.len());
        if let Some(premix) = &mut self.replaying {
            premix.replay(&mut out_l[..n], &mut out_r[..n]);
        } else {
            self.graph_block(&mut out_l[..n], &mut out_r[..n], playback);
            if self.taps.is_some() {
                // A part of a split export has no master chain: its output is in its taps.
                for c in [&mut out_l[..n], &mut out_r[..n]]
                    .into_iter()
                    .chain(self.prechain.iter_mut().map(|c| &mut c[..n]))
                {
                    c.fill(0.0);
                }
                return;
            }
            if let Some(premix) = &mut self.recording {
                premix.record(&out_l[..n], &out_r[..n]);
            }
        }
        let [pl, pr] = &mut self.prechain;
        self.master_chain
            .process(out_l, out_r, [&mut pl[..n], &mut pr[..n]]);
        // As in a strip: should a NaN or an infinity get into the master chain (a mix that
        // overflows, say), the block goes silent and the chain starts afresh (allocation-free),
        // so the next block is clean.
        let finite = crate::dsp::all_finite(
            out_l[..n]
                .iter()
                .chain(&out_r[..n])
                .chain(&pl[..n])
                .chain(&pr[..n]),
        );
        if !finite {
            out_l[..n].fill(0.0);
            out_r[..n].fill(0.0);
            pl[..n].fill(0.0);
            pr[..n].fill(0.0);
            self.master_chain.reset();
        }
    }

    /// The graph up to the master chain: tracks (and their sends) → de-click → FX returns →
    /// master fader.
    fn graph_block(&mut self, out_l: &mut [f32], out_r: &mut [f32], playback: bool) {
        let n = out_l.len().min(out_r.len());
        out_l.fill(0.0);
        out_r.fill(0.0);
        self.buses.clear_inputs(n);
        // A pause or stop ends on the frame where its fade reaches silence, not at the end of
        // the block it falls in: the tracks render (and the playhead moves) up to that frame
        // only, so where the playhead holds does not depend on the block size.
        let frames = if playback && self.after_fade != AfterFade::Nothing {
            n.min(self.declick.remaining() as usize)
        } else {
            n
        };
        let mut done = 0;
        if playback && self.stream.waiting {
            // The transport stays put; only the tails' fade-out, if any, sounds.
            self.render_tail(out_l, out_r);
            done = n;
        }
        while (self.transport.playing || !playback) && done < frames {
            let (len_play, wrap_play) = if playback {
                self.transport.next_segment(frames - done, self.song_frames)
            } else {
                (frames - done, false)
            };
            if len_play == 0 {
                // End of the song: stop where it ended. A pause or stop under way keeps its
                // fade (the frames rendered before the end stay faded) and finishes with it.
                self.transport.playing = false;
                if self.after_fade == AfterFade::Nothing {
                    self.declick.reset(1.0);
                }
                break;
            }
            // The reader runs ahead and may reach the loop end first; stop the segment there.
            let (len, wrap_read) = self.reader.next_segment(len_play, u64::MAX);
            let mut len = len.max(1);
            let position = self.reader.position;
            let mut wrap_read = wrap_read;
            if self.master_automated {
                // The master's lanes step on a grid of song frames where they move: segments
                // end there, and each that starts there ramps their parameters to their values
                // one step on (at the strips' output, which lags the stems by the strips'
                // latency). Each track follows its own lanes as it renders.
                if position.is_multiple_of(GRID_FRAMES) && position >= self.next_follow {
                    let at = (position + GRID_FRAMES).saturating_sub(STRIP_LATENCY_FRAMES as u64);
                    self.follow_lanes(at, false);
                    self.plan_follow(position, at);
                }
                let to_stop = self.lane_stop(position) - position;
                if to_stop < len as u64 {
                    len = to_stop as usize;
                    wrap_read = false;
                }
            }
            let at = self.stream_at(position, len);
            self.render_tracks(position, at, out_l, out_r, done, len);
            if playback {
                self.transport.advance(len, wrap_play && len == len_play);
            }
            self.reader.advance(len, wrap_read);
            if wrap_read {
                // Back at the loop's start: the lanes are followed from there.
                self.refollow();
                for t in &mut self.tracks {
                    t.lanes_moved_back();
                }
            }
            self.stream.index += len as u64;
            done += len;
        }
        // The de-click fade applies to the tracks and their sends (pre- and post-fader alike,
        // so the FX buses get nothing after the fade's last frame); the FX buses' own tails ring
        // on after a stop.
        if let Some(taps) = &mut self.taps {
            // A part of a split export: the summing engine applies the fade, the FX buses and
            // the master; the fade only runs on here, so the transport stops where it does there.
            if playback && (self.declick.is_smoothing() || self.declick.current() != 1.0) {
                (0..n).for_each(|_| _ = self.declick.next_value());
            }
            taps.advance(n);
            return;
        }
        if let Some(inlet) = &mut self.inlet {
            inlet.advance(n);
        }
        if playback && (self.declick.is_smoothing() || self.declick.current() != 1.0) {
            let [[al, ar], [bl, br]] = &mut self.buses.input;
            let sends =
                (al[..n].iter_mut().zip(&mut ar[..n])).zip(bl[..n].iter_mut().zip(&mut br[..n]));
            for ((l, r), ((al, ar), (bl, br))) in out_l.iter_mut().zip(out_r.iter_mut()).zip(sends)
            {
                let g = self.declick.next_value();
                *l *= g;
                *r *= g;
                *al *= g;
                *ar *= g;
                *bl *= g;
                *br *= g;
            }
        }
        self.buses.process_into(out_l, out_r);
        if self.master_gain.is_smoothing() || self.master_gain.current() != 1.0 {
            for (l, r) in out_l.iter_mut().zip(out_r.iter_mut()) {
                let g = self.master_gain.next_value();
                *l *= g;
                *r *= g;
            }
        }
    }

    /// Frames `done..done + len` of the graph call (`out_l`, `out_r`: the whole call) from the
    /// tracks at song frame `position`: into the master bus and the FX buses' inputs, then, in
    /// the summing engine of a split export, the other engines' tracks; in a part of one, into
    /// its taps instead.
    fn render_tracks(
        &mut self,
        position: u64,
        at: StreamAt,
        out_l: &mut [f32],
        out_r: &mut [f32],
        done: usize,
        len: usize,
    ) {
        if let Some(taps) = &mut self.taps {
            taps.render(&mut self.tracks, position, at, done, len);
            return;
        }
        let (l, r) = (&mut out_l[done..done + len], &mut out_r[done..done + len]);
        for t in &mut self.tracks {
            t.render(position, at, l, r, Some((&mut self.buses.input, done)));
        }
        if let Some(inlet) = &mut self.inlet {
            inlet.add(l, r, &mut self.buses.input, done, len);
        }
    }

    /// A waiting block's tracks: the frames that were to play when the wait began (streamed
    /// tracks from their rings' tails, resident ones from their stems, the reader carrying on
    /// where it was) until the fade-out has run its length; then nothing.
    fn render_tail(&mut self, out_l: &mut [f32], out_r: &mut [f32]) {
        let n = out_l.len().min(out_r.len());
        let mut done = 0;
        while done < n && self.stream.fade_at < self.stream.fade_len {
            let want = (n - done).min(self.stream.fade_len - self.stream.fade_at);
            let (len, wrap) = self.reader.next_segment(want, u64::MAX);
            let len = len.max(1);
            let at = StreamAt::Tail(self.stream.fade_at);
            self.render_tracks(self.reader.position, at, out_l, out_r, done, len);
            self.reader.advance(len, wrap);
            self.stream.fade_at += len;
            done += len;
        }
    }

    /// Takes part in an export split across engines (see [`crate::split`]): from now on the
    /// tracks render into taps of `capacity` frames, read and cleared by the Worker between
    /// blocks, and nothing else runs (no FX buses, no master). Call after adding the tracks and
    /// before Play (allocates: message handler only).
    pub fn split_as_part(&mut self, capacity: usize) -> Result<(), EngineError> {
        self.taps = Some(Taps::new(self.tracks.len(), capacity)?);
        Ok(())
    }

    /// Sums an export split across engines (see [`crate::split`]): after its own tracks, the
    /// graph adds the `tracks` tracks of the other engines, in order, from an inlet of
    /// `capacity` frames the Worker fills between blocks (allocates: message handler only).
    pub fn split_as_sum(&mut self, tracks: usize, capacity: usize) -> Result<(), EngineError> {
        self.inlet = Some(Inlet::new(tracks, capacity)?);
        Ok(())
    }

    /// For an export split across engines, what the other engines' tracks change here: the song
    /// is at least `song_frames` long, and whether one of them is soloed. Call before the
    /// settings and Play.
    pub fn set_split_context(&mut self, song_frames: u64, solo_elsewhere: bool) {
        self.song_floor = song_frames;
        self.solo_elsewhere = solo_elsewhere;
        self.tracks_changed();
    }

    /// A part's taps (see [`Engine::split_as_part`]).
    pub fn taps(&self) -> Option<&Taps> {
        self.taps.as_ref()
    }

    pub fn taps_mut(&mut self) -> Option<&mut Taps> {
        self.taps.as_mut()
    }

    /// The summing engine's inlet (see [`Engine::split_as_sum`]).
    pub fn inlet(&self) -> Option<&Inlet> {
        self.inlet.as_ref()
    }

    pub fn inlet_mut(&mut self) -> Option<&mut Inlet> {
        self.inlet.as_mut()
    }

    /// Starts recording the master chain's input, with room for `frames` frames (allocates:
    /// message handler only). See [`crate::premix`]. [`EngineError::OutOfMemory`] (and no
    /// recording) when the memory cannot be had.
    pub fn record_premix(&mut self, frames: usize) -> Result<(), EngineError> {
        self.recording = None;
        self.recording = Some(Premix::with_frames(frames)?);
        Ok(())
    }

    /// What has been recorded so far, left and right (empty when not recording).
    pub fn recorded_premix(&self) -> [&[f32]; 2] {
        self.recording
            .as_ref()
            .map_or([&[], &[]], |premix| premix.recorded())
    }

    /// From now on the master chain's input is a recording of `frames` frames, silent until
    /// filled through [`premix_channel_mut`](Self::premix_channel_mut), instead of the tracks
    /// and FX buses (allocates: message handler only). [`EngineError::OutOfMemory`] (and the
    /// tracks stay the input) when the memory cannot be had.
    pub fn replay_premix(&mut self, frames: usize) -> Result<(), EngineError> {
        self.replaying = None;
        self.replaying = Some(Premix::with_frames(frames)?);
        Ok(())
    }

    /// Hands this engine's recording of the master chain's input (or the recording it replays)
    /// to `next`, a fresh engine, to replay from its start instead of the tracks and FX buses:
    /// an export's later passes then need no copy of it. False (and nothing moves) when there is
    /// none. Never allocates.
    pub fn pass_premix_to(&mut self, next: &mut Engine) -> bool {
        let premix = match (self.recording.take(), self.replaying.take()) {
            (Some(recorded), _) => recorded.for_replay(true),
            (None, Some(replayed)) => replayed.for_replay(false),
            (None, None) => return false,
        };
        next.replaying = Some(premix);
        true
    }

    /// Channel `ch` of the recording being replayed, to fill before rendering.
    pub fn premix_channel_mut(&mut self, ch: usize) -> Option<&mut [f32]> {
        self.replaying.as_mut().and_then(|p| p.channel_mut(ch))
    }

    /// Fills and returns the meter words (layout in [`crate::meter`]) and restarts the level
    /// accumulators; the monitor's A/B and platform gains follow the new loudness readings.
    /// Never allocates.
    pub fn meter_snapshot(&mut self) -> &[f64] {
        let (master, mix) = self.metering.loudness();
        self.monitor.update(&master, &mix);
        let status = EngineStatus {
            position: self.transport.position,
            playing: self.transport.playing,
            song_frames: self.song_frames,
            limiter_reduction_db: self.master_chain.take_limiter_reduction_db(),
            ab_db: self.monitor.ab_db(),
            platform_db: self.monitor.platform_db(),
            underrun_frames: self.underrun_frames(),
            waiting: self.stream.waiting,
            waited_blocks: self.stream.waited_blocks,
            seek_serial: self.seek_serial,
        };
        self.metering
            .snapshot(&status, &master, &mix, &mut self.tracks)
    }

    /// Length of the meter snapshot in words (changes only when tracks are added or removed).
    pub fn meter_words(&self) -> usize {
        self.metering.words()
    }

    /// Back to a just-loaded state: playhead at 0, stopped, no loop, ramps settled, meters clear.
    /// Parameter values and tracks are kept. Rendering after `reset` repeats exactly.
    pub fn reset(&mut self) {
        self.transport = Transport::default();
        self.stream.waiting = false;
        self.stream.fade_len = 0;
        self.stream.fade_at = 0;
        self.after_fade = AfterFade::Nothing;
        self.declick.reset(1.0);
        self.master_gain.reset(self.master_gain.target());
        self.metering.clear_levels();
        for t in &mut self.tracks {
            t.settle();
        }
        self.relocate(0);
    }
}

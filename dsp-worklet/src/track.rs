//! One stem in the mixer: its samples (owned whole, or streamed through a small ring; allocated
//! when the track is added) and its strip state — fader, pan or balance, mute/solo gate — all
//! smoothed per sample.

use crate::BLOCK_FRAMES;
use crate::automation::{GRID_FRAMES, Lane};
use crate::dsp::FiniteState;
use crate::dsp::buses::SendBlock;
use crate::dsp::pan::pan_gains;
use crate::dsp::smoother::LinearSmoother;
use crate::dsp::strip::STRIP_LATENCY_FRAMES;
use crate::dsp::strip::StripChain;
use crate::error::EngineError;
use crate::meter::LevelMeter;
use crate::params::{ParamId, ParamValues, Scope};
use crate::region::Region;
use crate::stream::{StemRing, StreamAt};

/// Longest stem the engine takes, in frames (about 12 h at 48 kHz).
pub const MAX_TRACK_FRAMES: usize = i32::MAX as usize;

/// Where a track's samples come from.
#[derive(Clone, Debug)]
enum Source {
    /// 1 (mono) or 2 (stereo) channels of the whole stem, at the session rate.
    Resident(Vec<Vec<f32>>),
    /// A ring a feeder fills ahead of the reader (see [`crate::stream`]).
    Streamed(StemRing),
}

/// A loaded stem and its channel strip.
#[derive(Clone, Debug)]
pub struct Track {
    id: u32,
    source: Source,
    /// Length of the stem, frames (for a streamed track, as given when it was added).
    frames: usize,
    /// Display-unit values last set, dB and −100…100.
    gain_db: f32,
    pan: f32,
    mute: bool,
    solo: bool,
    /// Sample rate, Hz.
    rate: f32,
    /// Linear fader gain.
    gain: LinearSmoother,
    /// Pan position −1…1.
    pan_pos: LinearSmoother,
    /// 1 when audible, 0 when muted or soloed out; ramps so mute and solo do not click.
    gate: LinearSmoother,
    /// Trim, filters, EQ, gate, compressor, saturation.
    chain: StripChain,
    /// Trim, fades and clip gain, applied where the stem is read.
    region: Region,
    /// This track's automation lanes (allocated when added; see [`crate::automation`]).
    lanes: Vec<Lane>,
    /// Some lane reads.
    laned: bool,
    /// Stem frame of the next grid point where a lane moves (`u64::MAX`: none does).
    next_follow: u64,
    /// Some track is soloed (kept by the engine; a mute lane needs it to open or close the
    /// gate by itself).
    any_solo: bool,
    /// Send levels to the two FX buses, linear (0 = off).
    send_gain: [LinearSmoother; 2],
    /// Sends taken before the fader.
    send_pre: [bool; 2],
    /// The block being processed, left and right (mono stems use the left only). Allocated with
    /// the track, BLOCK_FRAMES long.
    scratch: [Vec<f32>; 2],
    /// Post-fader, post-pan level of both output channels.
    pub(crate) meter: LevelMeter,
}

impl FiniteState for Track {
    fn state_finite(&self) -> bool {
        self.gain.state_finite()
            && self.pan_pos.state_finite()
            && self.gate.state_finite()
            && self.send_gain.state_finite()
            && self.chain.state_finite()
            && self.region.state_finite()
            && self.meter.is_finite()
    }
}

impl Track {
    /// A silent track of `channels` × `frames` samples, for the caller to fill (see
    /// [`channel_mut`](Self::channel_mut)). This is where a track's memory is allocated.
    pub fn allocate(
        id: u32,
        channels: usize,
        frames: usize,
        sample_rate: f32,
    ) -> Result<Track, EngineError> {
        check_shape(channels, frames)?;
        Ok(Track::with_samples(
            id,
            crate::buffers::zeroed_channels(channels, frames)?,
            sample_rate,
        ))
    }

    /// A streamed track: a stem of `frames` frames whose audio arrives through `ring` (its
    /// memory, allocated by the caller; the stem itself is never held).
    pub fn streamed(
        id: u32,
        frames: usize,
        ring: StemRing,
        sample_rate: f32,
    ) -> Result<Track, EngineError> {
        check_shape(ring.channels(), frames)?;
        Ok(Track::with_source(
            id,
            Source::Streamed(ring),
            frames,
            sample_rate,
        ))
    }

    /// A track that takes ownership of decoded channels (all the same length).
    pub fn from_channels(
        id: u32,
        samples: Vec<Vec<f32>>,
        sample_rate: f32,
    ) -> Result<Track, EngineError> {
        if !(1..=2).contains(&samples.len()) {
            return Err(EngineError::UnsupportedChannelCount);
        }
        let frames = samples[0].len();
        if frames == 0 || samples.iter().any(|c| c.len() != frames) {
            return Err(EngineError::EmptyTrack);
        }
        if frames > MAX_TRACK_FRAMES {
            return Err(EngineError::TrackTooLong);
        }
        let mut t = Track::with_samples(id, samples, sample_rate);
        t.sanitize();
        Ok(t)
    }

    fn with_samples(id: u32, samples: Vec<Vec<f32>>, sample_rate: f32) -> Track {
        let frames = samples[0].len();
        Track::with_source(id, Source::Resident(samples), frames, sample_rate)
    }

    fn with_source(id: u32, source: Source, frames: usize, sample_rate: f32) -> Track {
        let spec = |p: ParamId| p.spec();
        Track {
            id,
            source,
            frames,
            gain_db: spec(ParamId::Gain).default,
            pan: spec(ParamId::Pan).default,
            mute: false,
            solo: false,
            rate: sample_rate,
            gain: LinearSmoother::new(
                spec(ParamId::Gain).db_to_gain(spec(ParamId::Gain).default),
                spec(ParamId::Gain).smoothing_ms,
                sample_rate,
            ),
            pan_pos: LinearSmoother::new(0.0, spec(ParamId::Pan).smoothing_ms, sample_rate),
            gate: LinearSmoother::new(1.0, spec(ParamId::Mute).smoothing_ms, sample_rate),
            chain: StripChain::new(&ParamValues::default(), sample_rate),
            region: Region::new(sample_rate),
            lanes: Vec::new(),
            laned: false,
            next_follow: 0,
            any_solo: false,
            send_gain: [LinearSmoother::new(
                0.0,
                spec(ParamId::Send1Level).smoothing_ms,
                sample_rate,
            ); 2],
            send_pre: [false; 2],
            scratch: [vec![0.0; BLOCK_FRAMES], vec![0.0; BLOCK_FRAMES]],
            meter: LevelMeter::default(),
        }
    }

    /// Writable samples of channel `ch`, to fill a freshly [`allocate`](Self::allocate)d track
    /// (`None` for a streamed track).
    pub fn channel_mut(&mut self, ch: usize) -> Option<&mut [f32]> {
        match &mut self.source {
            Source::Resident(samples) => samples.get_mut(ch).map(|c| c.as_mut_slice()),
            Source::Streamed(_) => None,
        }
    }

    /// Replaces NaN, ±∞ and subnormal samples with 0, so they never reach the mix (a streamed
    /// track's ring does this as frames are written).
    pub fn sanitize(&mut self) {
        if let Source::Resident(samples) = &mut self.source {
            for x in samples.iter_mut().flatten() {
                if !x.is_finite() || x.is_subnormal() {
                    *x = 0.0;
                }
            }
        }
    }

    /// The ring of a streamed track (`None` for a resident one).
    pub fn ring(&self) -> Option<&StemRing> {
        match &self.source {
            Source::Streamed(ring) => Some(ring),
            Source::Resident(_) => None,
        }
    }

    pub(crate) fn ring_mut(&mut self) -> Option<&mut StemRing> {
        match &mut self.source {
            Source::Streamed(ring) => Some(ring),
            Source::Resident(_) => None,
        }
    }

    /// Frames this track played as silence because its ring lacked them (0 for a resident track).
    pub fn underrun_frames(&self) -> u64 {
        self.ring().map_or(0, |r| r.underrun_frames())
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn frames(&self) -> usize {
        self.frames
    }

    pub fn channels(&self) -> usize {
        match &self.source {
            Source::Resident(samples) => samples.len(),
            Source::Streamed(ring) => ring.channels(),
        }
    }

    pub fn mute(&self) -> bool {
        self.mute
    }

    pub fn solo(&self) -> bool {
        self.solo
    }

    /// Whether both FX sends are off and steady: the track adds nothing to the FX buses.
    pub fn sends_silent(&self) -> bool {
        self.send_gain
            .iter()
            .all(|g| !g.is_smoothing() && g.current() == 0.0)
    }

    /// Sets a track parameter (display units, clamped). `snap` skips the ramp (no audio flowing).
    /// Returns whether mute/solo changed (the engine then recomputes every gate).
    pub fn set_param(&mut self, param: ParamId, value: f32, snap: bool) -> bool {
        let v = param.spec().clamp(value);
        match param {
            ParamId::Gain => {
                self.gain_db = v;
                self.gain.set(param.spec().db_to_gain(v), snap);
                false
            }
            ParamId::Pan => {
                self.pan = v;
                self.pan_pos.set(v / 100.0, snap);
                false
            }
            ParamId::Mute => {
                let changed = self.mute != (v >= 0.5);
                self.mute = v >= 0.5;
                changed
            }
            ParamId::Solo => {
                let changed = self.solo != (v >= 0.5);
                self.solo = v >= 0.5;
                changed
            }
            ParamId::Send1Level | ParamId::Send2Level => {
                let k = (param == ParamId::Send2Level) as usize;
                self.send_gain[k].set(param.spec().db_to_gain(v), snap);
                false
            }
            ParamId::Send1Pre | ParamId::Send2Pre => {
                self.send_pre[(param == ParamId::Send2Pre) as usize] = v >= 0.5;
                false
            }
            ParamId::MuteFade => {
                self.gate
                    .set_ramp_len((v * 0.001 * self.rate).round().max(1.0) as u32);
                false
            }
            other => {
                if other.spec().scope == Scope::Track {
                    // The chain keeps every track value (region rows included) in its table.
                    self.chain.set(other, v, snap);
                    self.region.set(other, v, snap);
                }
                false
            }
        }
    }

    /// Sets a track parameter from an automation lane: the fader, pan and send levels ramp to
    /// it over exactly `frames` (the next grid point), the others as [`set_param`](Self::set_param)
    /// ramps them. Returns whether mute/solo changed.
    pub fn set_param_over(&mut self, param: ParamId, value: f32, frames: u32) -> bool {
        let v = param.spec().clamp(value);
        match param {
            ParamId::Gain => {
                self.gain_db = v;
                self.gain.ramp_to(param.spec().db_to_gain(v), frames);
                false
            }
            ParamId::Pan => {
                self.pan = v;
                self.pan_pos.ramp_to(v / 100.0, frames);
                false
            }
            ParamId::Send1Level | ParamId::Send2Level => {
                let k = (param == ParamId::Send2Level) as usize;
                self.send_gain[k].ramp_to(param.spec().db_to_gain(v), frames);
                false
            }
            _ => self.set_param(param, v, false),
        }
    }

    /// Frames until the first of the fader's, pan's, sends' and gate's ramps under way ends.
    fn ramp_left(&self) -> Option<usize> {
        [
            self.gain,
            self.pan_pos,
            self.gate,
            self.send_gain[0],
            self.send_gain[1],
        ]
        .iter()
        .filter(|g| g.is_smoothing())
        .map(|g| g.remaining() as usize)
        .min()
    }

    /// Whether a lane reads on this track (a control moved then yields to it at the next grid
    /// point).
    pub fn laned(&self) -> bool {
        self.laned
    }

    /// Runs the fader's, pan's and sends' ramps `n` frames on (see `Engine::join_lanes`).
    pub fn skip_ramps(&mut self, n: u32) {
        self.gain.skip(n);
        self.pan_pos.skip(n);
        for g in &mut self.send_gain {
            g.skip(n);
        }
    }

    /// The strip-module values last set (display units).
    /// Subnormal values in the strip's state (a test probe, not for the audio thread).
    pub fn subnormal_states(&self) -> usize {
        self.chain.subnormal_states()
    }

    pub fn strip_values(&self) -> &ParamValues {
        self.chain.values()
    }

    /// Deepest gate and compressor gain reduction since the last call, dB.
    pub fn take_reductions(&mut self) -> (f32, f32) {
        self.chain.take_reductions()
    }

    /// The strip's next input is song frame `frame` (a seek; see [`StripChain::sync`]).
    pub fn sync_strip(&mut self, frame: u64) {
        self.chain.sync(frame.min(i64::MAX as u64) as i64);
    }

    /// Ends every ramp at its target and clears the meter (see [`crate::Engine::reset`]).
    pub fn settle(&mut self) {
        self.gain.reset(self.gain.target());
        self.pan_pos.reset(self.pan_pos.target());
        self.gate.reset(self.gate.target());
        self.region.settle();
        for g in &mut self.send_gain {
            g.reset(g.target());
        }
        self.chain.reset();
        self.meter = LevelMeter::default();
    }

    /// Adds an automation lane (allocates: not for the audio thread); returns its index here.
    pub fn add_lane(&mut self, lane: Lane) -> Result<usize, EngineError> {
        self.lanes
            .try_reserve(1)
            .map_err(|_| EngineError::OutOfMemory)?;
        self.lanes.push(lane);
        self.lanes_changed();
        Ok(self.lanes.len() - 1)
    }

    /// Lane `index` of this track.
    pub fn lane(&self, index: usize) -> Option<&Lane> {
        self.lanes.get(index)
    }

    /// Lane `index`, to edit; the lanes are then followed afresh from the next grid point.
    pub fn lane_mut(&mut self, index: usize) -> Option<&mut Lane> {
        self.next_follow = 0;
        self.lanes.get_mut(index)
    }

    /// Drops lane `index` (its parameter keeps the value the lane last gave it). The other
    /// lanes' indices do not move: the slot stays, emptied.
    pub fn clear_lane(&mut self, index: usize) {
        if let Some(l) = self.lanes.get_mut(index) {
            l.reading = false;
            let _ = l.set_len(0);
        }
        self.lanes_changed();
    }

    /// The reader jumped back (a loop wrap): the lanes are followed from the next grid point.
    pub fn lanes_moved_back(&mut self) {
        self.next_follow = 0;
    }

    /// After a lane was added, edited or turned on or off.
    pub fn lanes_changed(&mut self) {
        self.laned = self
            .lanes
            .iter()
            .any(|l| l.reading && !l.points().is_empty());
        self.next_follow = 0;
    }

    /// Sets every reading lane's parameter to its value at lane (song) frame `frame`: ramping
    /// over one grid step, or at once with `snap`.
    fn follow_lanes(&mut self, frame: u64, snap: bool) {
        // A mute lane snapped (a seek) sets the gate at once even when mute does not change,
        // so no fade under way carries on across the seek.
        let mut gate = snap
            && self
                .lanes
                .iter()
                .any(|l| l.reading && l.param == ParamId::Mute);
        for k in 0..self.lanes.len() {
            let lane = &mut self.lanes[k];
            if !lane.reading {
                continue;
            }
            let Some(v) = lane.value_at(frame) else {
                continue;
            };
            let param = lane.param;
            gate |= if snap {
                self.set_param(param, v, true)
            } else {
                self.set_param_over(param, v, GRID_FRAMES as u32)
            };
        }
        if gate {
            let audible = !self.mute && (!self.any_solo || self.solo);
            self.set_audible(audible, snap);
        }
    }

    /// After following at stem frame `p` (lane frame `at`): the next grid point where a lane
    /// moves.
    fn plan_follow(&mut self, p: u64, at: u64) {
        let still = (self.lanes.iter().filter(|l| l.reading))
            .map(|l| l.still_until(at))
            .min()
            .unwrap_or(u64::MAX);
        self.next_follow = crate::automation::next_due(p, still);
    }

    /// Puts the lanes' ramps where playing up to stem frame `r` leaves them (after a seek):
    /// at the last grid point's value, ramping to the next, `r`'s offset from the grid run.
    pub fn join_lanes(&mut self, r: u64) {
        if !self.laned {
            return;
        }
        let off = r % GRID_FRAMES;
        let p = r - off;
        let latency = STRIP_LATENCY_FRAMES as u64;
        self.follow_lanes(p.saturating_sub(latency), true);
        if off > 0 {
            self.follow_lanes((p + GRID_FRAMES).saturating_sub(latency), false);
            self.skip_ramps(off as u32);
        }
        self.next_follow = 0;
    }

    /// Sets the lanes' parameters at once to their values at lane frame `frame` (before the
    /// strips prime).
    pub fn snap_lanes(&mut self, frame: u64) {
        if self.laned {
            self.follow_lanes(frame, true);
        }
    }

    /// Whether some track is soloed (the engine tells every track).
    pub fn set_any_solo(&mut self, any_solo: bool) {
        self.any_solo = any_solo;
    }

    /// Opens or closes the mute/solo gate.
    pub fn set_audible(&mut self, audible: bool, snap: bool) {
        self.gate.set(if audible { 1.0 } else { 0.0 }, snap);
    }

    /// Adds this track's contribution for song frames `start .. start + out_l.len()` (at most
    /// [`BLOCK_FRAMES`], contiguous) into the buses: the stem (silence past its end) through the
    /// strip chain, then fader, mute/solo gate and pan; the sends, when given
    /// (`(buses, offset)`), are added into the FX buses' inputs at `offset`. A streamed track
    /// takes the frames from its ring at `at` (and advances it even when silent); a resident
    /// one ignores `at`. Never allocates.
    pub fn render(
        &mut self,
        start: u64,
        at: StreamAt,
        out_l: &mut [f32],
        out_r: &mut [f32],
        mut sends: Option<(&mut SendBlock, usize)>,
    ) {
        if !self.laned {
            self.render_piece(start, at, out_l, out_r, sends);
            return;
        }
        // Automated: in pieces that end on the lanes' grid of stem frames where a lane moves
        // (and where a mute lane's gate fade ends), each that starts on it ramping the lanes'
        // parameters to their values one step on, at the strip's output (which lags the stem
        // by the strip's latency). Whatever the block size, the same pieces.
        let n = out_l.len().min(out_r.len()).min(BLOCK_FRAMES);
        let mut done = 0;
        while done < n {
            let s = start + done as u64;
            if s.is_multiple_of(GRID_FRAMES) && s >= self.next_follow {
                let lane_frame = (s + GRID_FRAMES).saturating_sub(STRIP_LATENCY_FRAMES as u64);
                self.follow_lanes(lane_frame, false);
                self.plan_follow(s, lane_frame);
            }
            let stop = if self.next_follow > s {
                self.next_follow
            } else {
                (s + 1).next_multiple_of(GRID_FRAMES)
            };
            let mut len = (stop - s).min((n - done) as u64) as usize;
            // Ramps end where they end, not where the block does: whether a piece is silent
            // (a muted track, a fader at −∞) is then decided on the same frames at any size.
            if let Some(left) = self.ramp_left() {
                len = len.min(left);
            }
            let piece = sends.as_mut().map(|(b, offset)| (&mut **b, *offset + done));
            self.render_piece(
                s,
                at.offset(done),
                &mut out_l[done..done + len],
                &mut out_r[done..done + len],
                piece,
            );
            done += len;
        }
    }

    /// [`render`](Self::render) without following the lanes.
    fn render_piece(
        &mut self,
        start: u64,
        at: StreamAt,
        out_l: &mut [f32],
        out_r: &mut [f32],
        sends: Option<(&mut SendBlock, usize)>,
    ) {
        let n = out_l.len().min(out_r.len()).min(BLOCK_FRAMES);
        let smoothing =
            self.gain.is_smoothing() || self.pan_pos.is_smoothing() || self.gate.is_smoothing();
        let pre_send = (0..2).any(|k| {
            self.send_pre[k]
                && (self.send_gain[k].current() > 0.0 || self.send_gain[k].is_smoothing())
        });
        let silent =
            !smoothing && (self.gate.current() == 0.0 || (self.gain.current() == 0.0 && !pre_send));
        let channels = self.channels();
        let stereo = channels == 2;
        let [sl, sr] = &mut self.scratch;
        let (sl, sr) = (&mut sl[..n], &mut sr[..n]);
        match &mut self.source {
            Source::Streamed(ring) => {
                let dst = (!silent).then_some([&mut *sl, &mut *sr]);
                ring.take(at, start, self.frames as u64, n, dst);
            }
            Source::Resident(_) if silent => {}
            Source::Resident(samples) => {
                let start = start.min(self.frames as u64) as usize;
                let avail = (self.frames - start).min(n);
                for (dst, src) in [(&mut *sl, samples.first()), (&mut *sr, samples.get(1))] {
                    match src {
                        Some(src) => {
                            dst[..avail].copy_from_slice(&src[start..start + avail]);
                            dst[avail..].fill(0.0);
                        }
                        None => dst.fill(0.0),
                    }
                }
            }
        }
        if silent {
            self.meter.add_silence(2 * n);
            return;
        }
        if !self.region.is_identity() {
            self.region.apply(start, self.frames as u64, sl, sr, stereo);
        }
        self.chain.process_at(start, sl, sr, stereo);
        let right: &[f32] = if stereo { sr } else { sl };
        let (out_l, out_r) = (&mut out_l[..n], &mut out_r[..n]);
        if let Some((buses, offset)) = sends {
            // Before the fader pass below moves the smoothers: sends read them ahead per sample.
            let smoothers = (self.gain, self.gate, self.pan_pos);
            add_sends(
                &mut self.send_gain,
                self.send_pre,
                smoothers,
                sl,
                right,
                channels,
                buses,
                offset,
            );
        }
        // Fader, mute gate and pan into the scratch buffers (a mono stem fans out to both),
        // then meter and sum them: separate passes over contiguous blocks, so they vectorise.
        if smoothing {
            // A pan at rest has the same gains every frame (a fader lane ramps the gain alone).
            let pan_at_rest =
                (!self.pan_pos.is_smoothing()).then(|| pan_gains(channels, self.pan_pos.current()));
            for (a, b) in sl.iter_mut().zip(sr.iter_mut()) {
                let g = self.gain.next_value() * self.gate.next_value();
                let (p_l, p_r) = match pan_at_rest {
                    Some(p) => p,
                    None => pan_gains(channels, self.pan_pos.next_value()),
                };
                let x_r = if stereo { *b } else { *a };
                // `x·(g·p)`, as the steady path below: the same bits wherever a ramp ends.
                *b = x_r * (g * p_r);
                *a *= g * p_l;
            }
        } else {
            let g = self.gain.current() * self.gate.current();
            let (p_l, p_r) = pan_gains(channels, self.pan_pos.current());
            let (g_l, g_r) = (g * p_l, g * p_r);
            if stereo {
                sr.iter_mut().for_each(|b| *b *= g_r);
            } else {
                sr.iter_mut().zip(sl.iter()).for_each(|(b, a)| *b = a * g_r);
            }
            sl.iter_mut().for_each(|a| *a *= g_l);
        }
        for (y, a) in out_l.iter_mut().zip(sl.iter()) {
            *y += a;
        }
        for (y, b) in out_r.iter_mut().zip(sr.iter()) {
            *y += b;
        }
        self.meter.add_block(sl);
        self.meter.add_block(sr);
    }
}

/// Checks a stem's shape: 1 or 2 channels, 1 to [`MAX_TRACK_FRAMES`] frames.
fn check_shape(channels: usize, frames: usize) -> Result<(), EngineError> {
    if !(1..=2).contains(&channels) {
        return Err(EngineError::UnsupportedChannelCount);
    }
    if frames == 0 {
        return Err(EngineError::EmptyTrack);
    }
    if frames > MAX_TRACK_FRAMES {
        return Err(EngineError::TrackTooLong);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn add_sends(
    send_gain: &mut [LinearSmoother; 2],
    send_pre: [bool; 2],
    smoothers: (LinearSmoother, LinearSmoother, LinearSmoother),
    left: &[f32],
    right: &[f32],
    channels: usize,
    buses: &mut SendBlock,
    offset: usize,
) {
    {
        for bus in 0..2 {
            let level = &mut send_gain[bus];
            if !level.is_smoothing() && level.current() == 0.0 {
                continue;
            }
            let (mut gain, mut gate, mut pan) = smoothers;
            let pre = send_pre[bus];
            let [bl, br] = &mut buses[bus];
            let (Some(bl), Some(br)) = (
                bl.get_mut(offset..offset + left.len()),
                br.get_mut(offset..offset + left.len()),
            ) else {
                continue;
            };
            let steady = !(gain.is_smoothing()
                || gate.is_smoothing()
                || pan.is_smoothing()
                || level.is_smoothing());
            if steady {
                let fader = if pre { 1.0 } else { gain.current() };
                let g = gate.current() * level.current() * fader;
                let (p_l, p_r) = pan_gains(channels, pan.current());
                let (g_l, g_r) = (g * p_l, g * p_r);
                for (((x_l, x_r), a), b) in left.iter().zip(right).zip(bl).zip(br) {
                    *a += x_l * g_l;
                    *b += x_r * g_r;
                }
                continue;
            }
            let pan_at_rest = (!pan.is_smoothing()).then(|| pan_gains(channels, pan.current()));
            for (((x_l, x_r), a), b) in left.iter().zip(right).zip(bl).zip(br) {
                let fader = gain.next_value();
                let g = gate.next_value() * level.next_value() * if pre { 1.0 } else { fader };
                let (p_l, p_r) = match pan_at_rest {
                    Some(p) => p,
                    None => pan_gains(channels, pan.next_value()),
                };
                // `x·(g·p)`, as the steady path above, so a ramp ending mid-block gives the
                // same bits as one ending on a block boundary.
                *a += x_l * (g * p_l);
                *b += x_r * (g * p_r);
            }
        }
    }
}

//! Streamed stems: the order in which the engine reads song frames ([`ReadPlan`]) and the small
//! per-track ring a feeder fills ahead of it ([`StemRing`]).
//!
//! A streamed track does not hold its stem: a feeder (a Web Worker in the browser, a plain loop
//! natively) writes it into a ring of a few seconds, and the track's render reads the ring. Frames
//! are counted by *read index* `k`: the number of frames the engine's look-ahead reader has read
//! since the current *epoch* began. An epoch begins whenever the reader's sequence of song frames
//! changes (seek, stop, loop change, priming from another place); it empties every ring. The
//! feeder asks [`crate::Engine::stream_want`] for the epoch, the next index to write and the plan,
//! maps indices to song frames with [`ReadPlan::song_frame`] and [`ReadPlan::run`], and writes
//! with [`crate::Engine::stream_write`]. All frames are at the session sample rate.
//!
//! Threads: everything here runs on the audio rendering thread. [`StemRing::new`] allocates (the
//! message handler, when the track is added); nothing else does.

use crate::error::EngineError;

/// The song frames the engine's look-ahead reader visits after it is reset to `start`, in order:
/// read index `k` (frames read since the epoch began) ↦ song frame.
///
/// With a loop `[s, e)` (`s < e`) and `start < e` the reader reads `start..e`, then `s..e` for
/// ever (from before the loop it runs into it, as the transport does); otherwise `start, start+1,
/// …` without end. This is exactly what [`crate::transport::Transport`] visits with
/// `song_frames = u64::MAX` (a property test pins it). Plain value: any thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadPlan {
    /// Song frame of read index 0: the playhead when the reader was reset, frames.
    pub start: u64,
    /// The transport's loop `[start, end)` in song frames, when set.
    pub loop_region: Option<(u64, u64)>,
}

impl ReadPlan {
    /// `(first, s, len)` when the reader enters the loop: read index of the first wrap to `s`,
    /// loop start and loop length (frames, `len ≥ 1`).
    fn cycle(&self) -> Option<(u64, u64, u64)> {
        match self.loop_region {
            Some((s, e)) if s < e && self.start < e => Some((e - self.start, s, e - s)),
            _ => None,
        }
    }

    /// Song frame at read index `k`.
    pub fn song_frame(&self, k: u64) -> u64 {
        match self.cycle() {
            Some((first, s, len)) if k >= first => s + (k - first) % len,
            _ => self.start.saturating_add(k),
        }
    }

    /// How many read indices from `k` (at most `max`) map to consecutive song frames, that is
    /// until the next wrap to the loop start. `0` only when `max` is 0.
    pub fn run(&self, k: u64, max: usize) -> usize {
        let left = match self.cycle() {
            Some((first, _, _)) if k < first => first - k,
            Some((first, _, len)) => len - (k - first) % len,
            None => u64::MAX,
        };
        left.min(max as u64) as usize
    }
}

/// What a streamed track's feeder should write next (from [`crate::Engine::stream_want`];
/// message-handler side).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamWant {
    /// The current epoch: pass it back to [`crate::Engine::stream_write`].
    pub epoch: u32,
    /// Read index of the next frame to write (the ring holds every index below it that is still
    /// to be read).
    pub from: u64,
    /// Frames the ring has room for, from `from` on.
    pub free: usize,
    /// How read indices map to song frames in this epoch. Song frames at or past the stem's end
    /// are written as zeros (or, in a plan without a loop, the feeder may stop there).
    pub plan: ReadPlan,
}

/// Where a streamed track takes the frames of one segment the engine renders (audio thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamAt {
    /// Read index `k` of the current epoch; `None` when the reader is not where the plan says
    /// (the frames then count as missing).
    Ring(Option<u64>),
    /// This many frames into the tails kept when the last epoch began: the de-click fade-out
    /// played while the engine waits for the new epoch's frames.
    Tail(usize),
}

impl StreamAt {
    /// Where the frames `d` after these are.
    pub fn offset(self, d: usize) -> StreamAt {
        match self {
            StreamAt::Ring(k) => StreamAt::Ring(k.map(|k| k + d as u64)),
            StreamAt::Tail(f) => StreamAt::Tail(f + d),
        }
    }
}

/// A streamed track's ring: 1 or 2 channels × `capacity` frames, holding read indices
/// `read..filled` of the current epoch at slot `k % capacity`.
#[derive(Clone, Debug)]
pub struct StemRing {
    /// Samples, per channel, `capacity` long.
    data: Vec<Vec<f32>>,
    /// Next read index to render.
    read: u64,
    /// Indices below this are written (`read ≤ filled ≤ read + capacity`).
    filled: u64,
    /// Frames rendered as silence because they had not arrived (song frames inside the stem).
    underrun_frames: u64,
    /// The frames that were next to play when the last epoch began (per channel), for a fade-out.
    tail: Vec<Vec<f32>>,
    /// Valid frames in `tail`.
    tail_len: usize,
    /// Frames played as silence for want of audio (inside the stem) since it last had any: the
    /// next frames that arrive fade in rather than jump in.
    starved: bool,
    /// Frames into that fade-in (its length is the de-click's, the tail's capacity).
    ramp: Option<usize>,
    /// Added while playing and not fed yet: its silence is a start still to come, not an
    /// underrun (until it first has frames, or an epoch begins with priming).
    joining: bool,
}

impl StemRing {
    /// An empty ring of `channels` × `capacity` frames (both ≥ 1) whose next read index is `at`,
    /// keeping up to `tail` frames for a fade-out. This is where its memory is allocated:
    /// [`EngineError::OutOfMemory`] when it cannot be.
    pub fn new(
        channels: usize,
        capacity: usize,
        tail: usize,
        at: u64,
    ) -> Result<StemRing, EngineError> {
        Ok(StemRing {
            data: crate::buffers::zeroed_channels(channels, capacity.max(1))?,
            read: at,
            filled: at,
            underrun_frames: 0,
            tail: crate::buffers::zeroed_channels(channels, tail)?,
            tail_len: 0,
            starved: false,
            ramp: None,
            joining: true,
        })
    }

    pub fn channels(&self) -> usize {
        self.data.len()
    }

    /// Frames the ring holds when full.
    pub fn capacity(&self) -> usize {
        self.data[0].len()
    }

    /// Next read index to write.
    pub fn filled(&self) -> u64 {
        self.filled
    }

    /// Frames written and not yet read.
    pub fn held(&self) -> usize {
        (self.filled - self.read) as usize
    }

    /// Room for this many more frames.
    pub fn free(&self) -> usize {
        self.capacity() - self.held()
    }

    /// Frames played as silence because they had not arrived, since the track was added.
    pub fn underrun_frames(&self) -> u64 {
        self.underrun_frames
    }

    /// Empties the ring for a new epoch, its next index `at`. With `keep_tail` the frames that
    /// were next to play are first copied into the tail (otherwise the tail is left as it is: a
    /// fade-out may still be reading it).
    pub fn restart(&mut self, at: u64, keep_tail: bool) {
        if keep_tail {
            let n = self.held().min(self.tail.first().map_or(0, |t| t.len()));
            let cap = self.capacity();
            let from = (self.read % cap as u64) as usize;
            for (dst, src) in self.tail.iter_mut().zip(&self.data) {
                copy_wrapped(&mut dst[..n], src, from);
            }
            self.tail_len = n;
        }
        self.read = at;
        self.filled = at;
        // A new epoch primes every ring before it plays.
        self.starved = false;
        self.ramp = None;
        self.joining = false;
    }

    /// Appends frames for read indices `k0..` (one slice per channel of the ring, all the same
    /// length) as far as there is room; NaN, ±∞ and subnormals become 0. Returns how many were
    /// taken. Refuses another channel count (`UnsupportedChannelCount`), slices of unequal
    /// length (`InvalidValue`) and a `k0` other than [`filled`](Self::filled)
    /// (`StreamOutOfOrder`). Never allocates.
    pub fn write(&mut self, k0: u64, chunk: &[&[f32]]) -> Result<usize, EngineError> {
        if chunk.len() != self.channels() {
            return Err(EngineError::UnsupportedChannelCount);
        }
        if chunk.iter().any(|c| c.len() != chunk[0].len()) {
            return Err(EngineError::InvalidValue);
        }
        if k0 != self.filled {
            return Err(EngineError::StreamOutOfOrder);
        }
        let n = chunk[0].len().min(self.free());
        let cap = self.capacity();
        let at = (self.filled % cap as u64) as usize;
        let first = n.min(cap - at);
        for (dst, src) in self.data.iter_mut().zip(chunk) {
            let (a, b) = src[..n].split_at(first);
            copy_clean(&mut dst[at..at + first], a);
            copy_clean(&mut dst[..n - first], b);
        }
        self.filled += n as u64;
        Ok(n)
    }

    /// True when the ring holds the next `need` read indices, or every one of them it lacks maps
    /// to a song frame at or past the stem's end (`stem_frames`) under `plan`.
    pub fn ready(&self, need: usize, plan: &ReadPlan, stem_frames: u64) -> bool {
        let end = self.read + need as u64;
        let mut k = self.filled;
        while k < end {
            if plan.song_frame(k) < stem_frames {
                return false;
            }
            k += plan.run(k, (end - k) as usize) as u64;
        }
        true
    }

    /// Takes the `n` frames for song frames `start..start + n` (a run of the plan) from `at`,
    /// into `dst` (left, right; a mono ring leaves right silent) or, when `dst` is `None`,
    /// only accounts for them. Frames the ring lacks play as silence and, when they lie inside
    /// the stem (`< stem_frames`), count as underruns (except before a track added while
    /// playing has had any: it has not started yet); frames past the stem's end are silent.
    /// Frames that arrive after such silence fade in over the de-click's length instead of
    /// jumping in. Reading the ring advances it by `n` whatever it held. Never allocates.
    pub fn take(
        &mut self,
        at: StreamAt,
        start: u64,
        stem_frames: u64,
        n: usize,
        dst: Option<[&mut [f32]; 2]>,
    ) {
        let (have, src, from) = match at {
            StreamAt::Tail(offset) => (
                self.tail_len.saturating_sub(offset).min(n),
                &self.tail,
                offset,
            ),
            StreamAt::Ring(k) => {
                // Out of step with the reader (never expected): what the ring holds is not
                // these frames; drop it and carry on from the reader's index.
                let here = k == Some(self.read);
                let have = if here { self.held().min(n) } else { 0 };
                let from = (self.read % self.capacity() as u64) as usize;
                let missing = stem_frames
                    .saturating_sub(start + have as u64)
                    .min((n - have) as u64);
                if have > 0 {
                    if self.starved {
                        self.ramp = Some(0);
                    }
                    self.starved = false;
                    self.joining = false;
                }
                if missing > 0 {
                    self.starved = true;
                    if !self.joining {
                        self.underrun_frames += missing;
                    }
                }
                self.read = k.unwrap_or(self.read) + n as u64;
                self.filled = if here {
                    self.filled.max(self.read)
                } else {
                    self.read
                };
                (have, &self.data, from)
            }
        };
        // Song frames past the stem's end are silent whatever the feeder wrote.
        let keep = have.min(stem_frames.saturating_sub(start).min(n as u64) as usize);
        let fade = self.tail.first().map_or(0, Vec::len);
        let ramp = self.ramp.filter(|_| matches!(at, StreamAt::Ring(_)));
        if let Some(done) = ramp {
            self.ramp = (done + keep < fade).then_some(done + keep);
        }
        let Some(dst) = dst else { return };
        for (ch, out) in dst.into_iter().enumerate() {
            let out = &mut out[..n];
            match src.get(ch) {
                Some(src) => {
                    copy_wrapped(&mut out[..keep], src, from);
                    out[keep..].fill(0.0);
                    if let Some(done) = ramp {
                        fade_in(&mut out[..keep], done, fade);
                    }
                }
                None => out.fill(0.0),
            }
        }
    }
}

/// Scales `x` by the fade-in from silence to full level over `len` frames, `done` frames of
/// which have played: frame i gets (done + i + 1) / len, at most 1.
fn fade_in(x: &mut [f32], done: usize, len: usize) {
    for (i, v) in x.iter_mut().enumerate().take(len.saturating_sub(done)) {
        *v *= (done + i + 1) as f32 / len as f32;
    }
}

/// Fills `dst` from `src` starting at index `from`, wrapping to 0 at the end of `src`.
fn copy_wrapped(dst: &mut [f32], src: &[f32], from: usize) {
    if dst.is_empty() {
        return;
    }
    let first = dst.len().min(src.len() - from);
    let (a, b) = dst.split_at_mut(first);
    a.copy_from_slice(&src[from..from + first]);
    b.copy_from_slice(&src[..b.len()]);
}

/// Copies `src` into `dst`, NaN, ±∞ and subnormals becoming 0.
fn copy_clean(dst: &mut [f32], src: &[f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = if s.is_finite() && !s.is_subnormal() {
            *s
        } else {
            0.0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The next `n` frames (left), the song played straight from frame 0 (read index k is song
    /// frame k) with a stem of `stem` frames.
    fn take(ring: &mut StemRing, n: usize, stem: u64) -> Vec<f32> {
        let (mut l, mut r) = (vec![9.0; n], vec![9.0; n]);
        let k = ring.read;
        ring.take(StreamAt::Ring(Some(k)), k, stem, n, Some([&mut l, &mut r]));
        l
    }

    /// A track added while playing is silent, without underruns, until its audio comes; then
    /// it fades in over the de-click's length (here 8 frames) instead of jumping in.
    #[test]
    fn a_track_added_while_playing_fades_in_when_its_audio_arrives() {
        let mut ring = StemRing::new(1, 64, 8, 0).unwrap();
        assert_eq!(take(&mut ring, 16, 1_000), vec![0.0; 16]);
        assert_eq!(ring.underrun_frames(), 0, "not started yet: no underrun");
        ring.write(16, &[&[1.0; 32]]).unwrap();
        let y = take(&mut ring, 12, 1_000);
        let want: Vec<f32> = (1..=12).map(|i| (i as f32 / 8.0).min(1.0)).collect();
        assert_eq!(y, want);
        assert_eq!(
            take(&mut ring, 4, 1_000),
            vec![1.0; 4],
            "full level after the fade"
        );
    }

    /// Once playing, missing frames count as underruns, and the audio after them fades in,
    /// across takes of any size; a take with frames throughout is untouched.
    #[test]
    fn after_an_underrun_the_audio_fades_back_in() {
        let mut ring = StemRing::new(2, 64, 8, 0).unwrap();
        ring.write(0, &[&[0.5; 8], &[0.5; 8]]).unwrap();
        assert_eq!(
            take(&mut ring, 8, 1_000),
            vec![0.5; 8],
            "no fade at the start of a primed ring"
        );
        assert_eq!(take(&mut ring, 8, 1_000), vec![0.0; 8]);
        assert_eq!(ring.underrun_frames(), 8);
        ring.write(16, &[&[0.5; 20], &[0.5; 20]]).unwrap();
        let mut y = take(&mut ring, 3, 1_000);
        y.extend(take(&mut ring, 7, 1_000));
        let want: Vec<f32> = (1..=10).map(|i| 0.5 * (i as f32 / 8.0).min(1.0)).collect();
        assert_eq!(y, want);
        // A new epoch primes: no fade pending after it.
        ring.restart(100, false);
        ring.write(100, &[&[0.25; 4], &[0.25; 4]]).unwrap();
        assert_eq!(take(&mut ring, 4, 1_000), vec![0.25; 4]);
    }
}

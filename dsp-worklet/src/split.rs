//! Splitting an export's tracks across engines (one per Worker) so that the file does not depend
//! on the split.
//!
//! The tracks are cut into contiguous runs in mix order. The first run stays in the *summing*
//! engine, which runs the whole graph; every other run goes to a *part* engine, which renders
//! only its tracks. For every frame the graph renders (priming included), a part writes each of
//! its tracks' contributions — to the master bus (left, right) and, when any of its tracks sends,
//! to the two FX buses' inputs — into its [`Taps`], one plane per track and channel. The summing
//! engine's [`Inlet`] takes those planes and, after its own tracks, adds them to the master bus and
//! the FX buses' inputs track by track, in mix order.
//!
//! A single engine adds each track's contribution to the running sum in that same order, and a
//! contribution added to zero is itself (`+0 + x = x`; the running sum never becomes `−0`), so the
//! summed graph is bit-for-bit what one engine with every track computes, whatever the split.
//!
//! Threading: the buffers are allocated by the message handler ([`Taps::new`], [`Inlet::new`]);
//! [`Taps::render`] and [`Inlet::add`] run inside `process()` and never allocate.

use crate::EngineError;
use crate::dsp::buses::SendBlock;
use crate::stream::StreamAt;
use crate::track::Track;

/// Channels per track when its FX sends are carried: master left/right, reverb bus left/right,
/// delay bus left/right.
pub const CHANNELS_WITH_SENDS: usize = 6;
/// Channels per track when no track of the part sends: master left/right.
pub const CHANNELS_DRY: usize = 2;

fn zeroed(frames: usize) -> Result<Vec<f32>, EngineError> {
    crate::buffers::zeroed(frames)
}

/// A part engine's output: its tracks' contributions, frame by frame (audio thread writes; the
/// Worker reads and clears them between blocks).
#[derive(Debug)]
pub struct Taps {
    /// Per track: the master bus contribution, left and right.
    main: Vec<[Vec<f32>; 2]>,
    /// Per track: its sends (`[bus][channel]`).
    sends: Vec<SendBlock>,
    /// Whether the sends are carried: decided at the first render (the settings are all applied
    /// by then), from whether any track sends. When not, the sends go to `scratch`, silent.
    carry: Option<bool>,
    /// Where a track's sends go when they are not carried. One block long.
    scratch: SendBlock,
    /// Set if anything was lost: a track sent while the sends were not carried, or the planes
    /// filled up before the Worker read them. An export with this is refused.
    lost: bool,
    /// Frames of graph calls since the last [`Taps::clear`] (a call's frames where the transport
    /// did not play are not written: the summing engine, stopped there too, does not read them).
    len: usize,
    capacity: usize,
}

impl Taps {
    /// Room for `capacity` frames of `tracks` tracks.
    pub fn new(tracks: usize, capacity: usize) -> Result<Taps, EngineError> {
        let plane = || zeroed(capacity);
        let pair = || -> Result<[Vec<f32>; 2], EngineError> { Ok([plane()?, plane()?]) };
        let main = (0..tracks).map(|_| pair()).collect::<Result<_, _>>()?;
        let sends = (0..tracks)
            .map(|_| Ok([pair()?, pair()?]))
            .collect::<Result<_, EngineError>>()?;
        Ok(Taps {
            main,
            sends,
            carry: None,
            lost: false,
            scratch: crate::dsp::buses::send_block(),
            len: 0,
            capacity,
        })
    }

    /// Channels per track the planes hold: [`CHANNELS_WITH_SENDS`] when a track sends,
    /// [`CHANNELS_DRY`] when none does (0 before the first render).
    pub fn channels(&self) -> usize {
        match self.carry {
            None => 0,
            Some(true) => CHANNELS_WITH_SENDS,
            Some(false) => CHANNELS_DRY,
        }
    }

    /// Frames of graph calls since the last [`Taps::clear`].
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Frames the planes hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Channel `ch` (see [`Taps::channels`]) of track `track`'s plane, whole.
    pub fn plane(&self, track: usize, ch: usize) -> Option<&[f32]> {
        match ch {
            0 | 1 => self.main.get(track).map(|m| &m[ch][..]),
            2..=5 => self.sends.get(track).map(|s| &s[(ch - 2) / 2][ch % 2][..]),
            _ => None,
        }
    }

    /// Whether anything was lost: a track sent while the sends were not carried (see
    /// [`Taps::channels`]), or the planes were full.
    pub fn lost(&self) -> bool {
        self.lost
    }

    /// Starts the planes afresh (the Worker has read them).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Renders frames `done..done + len` of the current graph call (which began at
    /// [`Taps::len`]) for every track into its own planes. Frames past the capacity are lost
    /// and mark the taps as having lost audio (the Worker clears the taps long before).
    pub fn render(
        &mut self,
        tracks: &mut [Track],
        position: u64,
        at: StreamAt,
        done: usize,
        len: usize,
    ) {
        let from = self.len + done;
        if from + len > self.capacity {
            self.lost = true;
            return;
        }
        let carry = *self
            .carry
            .get_or_insert_with(|| tracks.iter().any(|t| !t.sends_silent()));
        for (k, t) in tracks.iter_mut().enumerate() {
            let Some([l, r]) = self.main.get_mut(k) else {
                break;
            };
            let (l, r) = (&mut l[from..from + len], &mut r[from..from + len]);
            l.fill(0.0);
            r.fill(0.0);
            if carry {
                let sends = &mut self.sends[k];
                for bus in sends.iter_mut() {
                    for ch in bus.iter_mut() {
                        ch[from..from + len].fill(0.0);
                    }
                }
                t.render(position, at, l, r, Some((sends, from)));
            } else {
                self.lost |= !t.sends_silent();
                t.render(position, at, l, r, Some((&mut self.scratch, 0)));
            }
        }
    }

    /// The graph call of `frames` frames is over.
    pub fn advance(&mut self, frames: usize) {
        self.len = (self.len + frames).min(self.capacity);
    }
}

/// The summing engine's input from the parts: their tracks' contributions, consumed frame by
/// frame as the graph renders (audio thread reads; the Worker appends between blocks).
#[derive(Debug)]
pub struct Inlet {
    /// Per track, [`CHANNELS_WITH_SENDS`] planes of `capacity` frames.
    planes: Vec<[Vec<f32>; CHANNELS_WITH_SENDS]>,
    /// Per track: whether its send planes are filled (else they are not read).
    sends: Vec<bool>,
    /// Frames consumed, and frames filled, from the start of the planes.
    read: usize,
    filled: usize,
    capacity: usize,
    /// Frames the graph needed that had not arrived (played as silence): an export with any is
    /// refused.
    missing: u64,
}

impl Inlet {
    /// Room for `capacity` frames of `tracks` tracks.
    pub fn new(tracks: usize, capacity: usize) -> Result<Inlet, EngineError> {
        let planes = (0..tracks)
            .map(|_| -> Result<_, EngineError> {
                let mut p: [Vec<f32>; CHANNELS_WITH_SENDS] = Default::default();
                for plane in &mut p {
                    *plane = zeroed(capacity)?;
                }
                Ok(p)
            })
            .collect::<Result<_, _>>()?;
        Ok(Inlet {
            planes,
            sends: vec![false; tracks],
            read: 0,
            filled: 0,
            capacity,
            missing: 0,
        })
    }

    /// Where the next frames go and how many fit: `(at, free)`. When fewer than `want` fit after
    /// the filled frames, what is not yet consumed first moves to the start of the planes (so
    /// the copying is paid about once per `want` frames taken, not at every call).
    pub fn make_room(&mut self, want: usize) -> (usize, usize) {
        if self.capacity - self.filled < want && self.read > 0 {
            let (read, filled) = (self.read, self.filled);
            for p in self.planes.iter_mut().flatten() {
                p.copy_within(read..filled, 0);
            }
            self.filled -= read;
            self.read = 0;
        }
        (self.filled, self.capacity - self.filled)
    }

    /// Track `track`'s channel `ch` plane, whole, to write frames at [`Inlet::make_room`]'s `at`.
    pub fn plane_mut(&mut self, track: usize, ch: usize) -> Option<&mut [f32]> {
        self.planes
            .get_mut(track)
            .and_then(|p| p.get_mut(ch))
            .map(|p| &mut p[..])
    }

    /// Whether track `track`'s send planes are filled from now on.
    pub fn set_sends(&mut self, track: usize, on: bool) {
        if let Some(s) = self.sends.get_mut(track) {
            *s = on;
        }
    }

    /// `frames` more frames were written after the filled ones.
    pub fn filled(&mut self, frames: usize) {
        self.filled = (self.filled + frames).min(self.capacity);
    }

    /// Frames filled and not yet consumed.
    pub fn available(&self) -> usize {
        self.filled - self.read
    }

    /// Frames the graph needed that had not arrived.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// Adds frames `done..done + len` of the current graph call to the master bus (`out_l`,
    /// `out_r`: that range) and the FX buses' inputs, track by track in order.
    pub fn add(
        &mut self,
        out_l: &mut [f32],
        out_r: &mut [f32],
        buses: &mut SendBlock,
        done: usize,
        len: usize,
    ) {
        if self.planes.is_empty() {
            return;
        }
        let from = self.read + done;
        let have = self.filled.saturating_sub(from).min(len);
        self.missing += (len - have) as u64;
        if have == 0 {
            return;
        }
        for (p, sends) in self.planes.iter().zip(&self.sends) {
            add_into(&mut out_l[..have], &p[0][from..from + have]);
            add_into(&mut out_r[..have], &p[1][from..from + have]);
            if *sends {
                for (bus, planes) in buses.iter_mut().zip([[2, 3], [4, 5]]) {
                    for (input, plane) in bus.iter_mut().zip(planes) {
                        add_into(&mut input[done..done + have], &p[plane][from..from + have]);
                    }
                }
            }
        }
    }

    /// The graph call of `frames` frames is over.
    pub fn advance(&mut self, frames: usize) {
        self.read = (self.read + frames).min(self.filled);
    }
}

fn add_into(sum: &mut [f32], x: &[f32]) {
    for (s, x) in sum.iter_mut().zip(x) {
        *s += x;
    }
}

//! The master chain's input, recorded block by block during one render and fed back in place of
//! the tracks and FX buses in later ones (audio thread for `record`/`replay`; the buffers are
//! allocated by the message handler).
//!
//! An export renders the same mix several times, changing only the master chain (the limiter's
//! input gain and ceiling) until the loudness meets the target. Everything before the master
//! chain (strips, sends, FX buses, master fader) is identical in every pass, so the first pass
//! records it and the later passes replay it: the master chain then sees exactly the samples it
//! saw the first time, block for block, and its output is bit-identical to a full render with the
//! same master settings, at the cost of the master chain alone.

use crate::EngineError;

/// A stereo recording of the master chain's input (frames at the engine's rate).
#[derive(Clone, Debug, Default)]
pub struct Premix {
    channels: [Vec<f32>; 2],
    /// Frames recorded (recording) or read (replaying) so far.
    at: usize,
}

impl Premix {
    /// Room for `frames` frames, silent. This is where the memory is allocated:
    /// [`EngineError::OutOfMemory`] when it cannot be.
    pub fn with_frames(frames: usize) -> Result<Premix, EngineError> {
        Ok(Premix {
            channels: [
                crate::buffers::zeroed(frames)?,
                crate::buffers::zeroed(frames)?,
            ],
            at: 0,
        })
    }

    /// Appends a block (as much of it as there is room for). Never allocates.
    pub fn record(&mut self, l: &[f32], r: &[f32]) {
        let n = l.len().min(r.len()).min(self.channels[0].len() - self.at);
        let at = self.at;
        self.channels[0][at..at + n].copy_from_slice(&l[..n]);
        self.channels[1][at..at + n].copy_from_slice(&r[..n]);
        self.at += n;
    }

    /// Writes the next block into `l` and `r` (silence past the end). Never allocates.
    pub fn replay(&mut self, l: &mut [f32], r: &mut [f32]) {
        let n = l.len().min(r.len());
        let have = n.min(self.channels[0].len() - self.at);
        let at = self.at;
        l[..have].copy_from_slice(&self.channels[0][at..at + have]);
        r[..have].copy_from_slice(&self.channels[1][at..at + have]);
        l[have..n].fill(0.0);
        r[have..n].fill(0.0);
        self.at += have;
    }

    /// The frames recorded so far, left and right.
    pub fn recorded(&self) -> [&[f32]; 2] {
        [&self.channels[0][..self.at], &self.channels[1][..self.at]]
    }

    /// The same recording, to replay from its start: what was recorded (recording), or the
    /// whole of it (replaying). Never allocates (the buffers move; unused room stays reserved).
    pub fn for_replay(mut self, recorded: bool) -> Premix {
        if recorded {
            let at = self.at;
            self.channels.iter_mut().for_each(|c| c.truncate(at));
        }
        self.at = 0;
        self
    }

    /// Channel `ch` (0 or 1) of the whole buffer, to fill before replaying.
    pub fn channel_mut(&mut self, ch: usize) -> Option<&mut [f32]> {
        self.channels.get_mut(ch).map(|c| &mut c[..])
    }
}

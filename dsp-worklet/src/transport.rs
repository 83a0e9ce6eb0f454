//! Playhead and loop region (audio thread).

/// Where playback is and whether it moves. Frames are at the session sample rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transport {
    /// True while the playhead advances.
    pub playing: bool,
    /// Next frame to render.
    pub position: u64,
    /// Loop `[start, end)` in frames, when set.
    pub loop_region: Option<(u64, u64)>,
}

impl Transport {
    /// How many frames can be rendered contiguously from the playhead (at most `want`), and
    /// whether the playhead then wraps to the loop start. `song_frames` ends playback when no loop
    /// contains the playhead and the song does not reach the loop ahead of it; 0 means the song
    /// has ended.
    ///
    /// A playhead before the loop runs into it: its segments stop at the loop end like those
    /// inside it, so the frames visited do not depend on the segment lengths (before, a segment
    /// longer than the loop could step over it, and a loop shorter than a block was entered or
    /// not depending on the block size). [`crate::stream::ReadPlan`] is the closed form of the
    /// sequence.
    pub fn next_segment(&self, want: usize, song_frames: u64) -> (usize, bool) {
        match self.loop_region {
            Some((start, end))
                if start < end
                    && self.position < end
                    && (self.position >= start || song_frames > start) =>
            {
                let left = end - self.position;
                if left <= want as u64 {
                    (left as usize, true)
                } else {
                    (want, false)
                }
            }
            _ => {
                let left = song_frames.saturating_sub(self.position);
                (want.min(left.min(usize::MAX as u64) as usize), false)
            }
        }
    }

    /// Moves the playhead past a rendered segment.
    pub fn advance(&mut self, frames: usize, wrap: bool) {
        self.position += frames as u64;
        if let (true, Some((start, _))) = (wrap, self.loop_region) {
            self.position = start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_stop_at_song_end_and_wrap_at_loop_end() {
        let mut t = Transport {
            playing: true,
            position: 90,
            loop_region: None,
        };
        assert_eq!(t.next_segment(128, 100), (10, false));
        t.loop_region = Some((20, 95));
        assert_eq!(t.next_segment(128, 100), (5, true));
        t.advance(5, true);
        assert_eq!(t.position, 20);
        assert_eq!(t.next_segment(128, 100), (75, true));
        // A playhead beyond the loop plays on to the song end.
        t.position = 96;
        assert_eq!(t.next_segment(128, 100), (4, false));
    }

    #[test]
    fn a_playhead_before_a_short_loop_runs_into_it_whatever_the_segment_length() {
        let mut t = Transport {
            playing: true,
            position: 0,
            loop_region: Some((10, 20)),
        };
        // Used to be (128, false): the segment stepped over the loop and played on.
        assert_eq!(t.next_segment(128, 1_000), (20, true));
        t.advance(20, true);
        assert_eq!(t.position, 10);
        // A loop wholly past the song's end is never reached: playback ends at the song's end.
        t.position = 0;
        assert_eq!(t.next_segment(128, 10), (10, false));
    }
}

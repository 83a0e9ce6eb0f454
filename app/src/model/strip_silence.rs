//! "Strip silence" (plain data, main thread): finds the passages of a stem that stay below a
//! threshold and writes them as mute automation the user can then edit, so the sound between
//! vocal phrases goes away without a gate.
//!
//! A passage counts when its peak level stays below the threshold for at least the minimum
//! length. The mute starts `post` after the sound falls below the threshold and ends `pre`
//! before it rises again (the padding keeps breaths and decays), on the engine's automation grid
//! (inward, so the padding is never shorter than set). Each mute fades out and in over the fade
//! length (the track's "Mute fade"), which runs inside the padding: the padding before a phrase
//! is at least the fade plus [`MIN_PAD_S`], so the sound above the threshold is never touched.

use dsp_worklet::ParamId;
use dsp_worklet::automation::{Curve, GRID_FRAMES, Point};

/// Shortest padding beyond the fade, seconds: the engine's automation grid (0.67 ms at 48 kHz)
/// with room to spare.
pub const MIN_PAD_S: f64 = 0.005;

/// What the user sets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Peak level below which a passage is silence, dBFS.
    pub threshold_db: f32,
    /// Shortest passage that is muted, seconds.
    pub min_length_s: f64,
    /// Sound kept before each phrase starts (the mute ends this early), seconds.
    pub pre_s: f64,
    /// Sound kept after each phrase ends (the mute starts this late), seconds.
    pub post_s: f64,
    /// Each mute's fade out and in, ms (set as the track's "Mute fade").
    pub fade_ms: f32,
}

impl Settings {
    /// The padding before and after each phrase actually used, seconds: at least the fade plus
    /// [`MIN_PAD_S`] before (the fade in ends before the phrase), and [`MIN_PAD_S`] plus 5 ms
    /// after.
    pub fn pads(&self) -> (f64, f64) {
        let fade = self.fade_ms.max(0.0) as f64 / 1000.0;
        (
            self.pre_s.max(fade + MIN_PAD_S),
            self.post_s.max(0.005 + MIN_PAD_S),
        )
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold_db: -50.0,
            min_length_s: 0.3,
            pre_s: 0.02,
            post_s: 0.08,
            fade_ms: 5.0,
        }
    }
}

/// Finds the quiet passages of a stem fed to it frame by frame, in pieces.
#[derive(Clone, Debug)]
pub struct SilenceFinder {
    threshold: f32,
    min_frames: u64,
    frame: u64,
    quiet_since: Option<u64>,
    passages: Vec<(u64, u64)>,
}

impl SilenceFinder {
    pub fn new(settings: &Settings, rate: f64) -> SilenceFinder {
        SilenceFinder {
            threshold: 10f32.powf(settings.threshold_db / 20.0),
            min_frames: (settings.min_length_s.max(0.0) * rate).round() as u64,
            frame: 0,
            quiet_since: Some(0),
            passages: Vec::new(),
        }
    }

    /// The next frames of the stem, one slice per channel (of one length).
    pub fn push(&mut self, channels: &[&[f32]]) {
        let n = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        for i in 0..n {
            // NaN counts as loud: nothing unreadable is muted.
            let loud = channels
                .iter()
                .any(|c| c[i].abs() >= self.threshold || c[i].is_nan());
            match (loud, self.quiet_since) {
                (true, Some(start)) => {
                    self.close(start, self.frame);
                    self.quiet_since = None;
                }
                (false, None) => self.quiet_since = Some(self.frame),
                _ => {}
            }
            self.frame += 1;
        }
    }

    fn close(&mut self, start: u64, end: u64) {
        if end - start >= self.min_frames.max(1) {
            self.passages.push((start, end));
        }
    }

    /// The quiet passages, frames `[start, end)`; one running to the end of the stem ends there.
    pub fn finish(mut self) -> Vec<(u64, u64)> {
        if let Some(start) = self.quiet_since.take() {
            self.close(start, self.frame);
        }
        self.passages
    }
}

/// The mute lane's points for quiet `passages` of a stem of `stem_frames` at `rate` Hz: each
/// passage muted from `post` after its start to `pre` before its end (no padding at the stem's
/// start and end), as vertical steps on the automation grid.
pub fn mute_points(
    passages: &[(u64, u64)],
    stem_frames: u64,
    settings: &Settings,
    rate: f64,
) -> Vec<Point> {
    let (pre, post) = settings.pads();
    let (pre, post) = ((pre * rate).ceil() as u64, (post * rate).ceil() as u64);
    let grid = GRID_FRAMES;
    let point = |frame, value| Point {
        frame,
        value,
        curve: Curve::Linear,
    };
    let mut out = Vec::new();
    for &(a, b) in passages {
        let start = if a == 0 {
            0
        } else {
            (a + post).next_multiple_of(grid)
        };
        let end = if b >= stem_frames {
            // To the end of the song: nothing comes back.
            u64::MAX
        } else {
            b.saturating_sub(pre) / grid * grid
        };
        if end <= start {
            continue;
        }
        // Unmuted up to `start`, muted from it; unmuted again from `end`.
        out.push(point(start, 0.0));
        out.push(point(start, 1.0));
        if end != u64::MAX {
            out.push(point(end, 1.0));
            out.push(point(end, 0.0));
        }
    }
    // A passage at the very start mutes from the first frame: no step needed there.
    if out.first().is_some_and(|p| p.frame == 0) {
        out.remove(0);
    }
    out
}

/// The parameter strip silence writes.
pub const PARAM: ParamId = ParamId::Mute;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::automation::Lane;

    const RATE: f64 = 48_000.0;

    /// Phrases of a 0.5 amplitude tone at `phrases` (seconds), −80 dBFS noise between.
    fn vocal(phrases: &[(f64, f64)], len_s: f64) -> Vec<f32> {
        let n = (len_s * RATE) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / RATE;
                if phrases.iter().any(|&(a, b)| t >= a && t < b) {
                    0.5 * (t * 440.0 * std::f64::consts::TAU).sin() as f32
                } else {
                    1e-4 * if i % 2 == 0 { 1.0 } else { -1.0 }
                }
            })
            .collect()
    }

    fn find(x: &[f32], s: &Settings) -> Vec<(u64, u64)> {
        let mut f = SilenceFinder::new(s, RATE);
        // Odd pieces: the answer cannot depend on how the stem is read.
        for piece in x.chunks(7_777) {
            f.push(&[piece]);
        }
        f.finish()
    }

    #[test]
    fn quiet_passages_are_found_with_their_frames() {
        let x = vocal(&[(1.0, 2.0), (2.1, 3.0), (4.0, 5.0)], 6.0);
        let s = Settings::default();
        let quiet = find(&x, &s);
        // The 0.1 s gap is under the minimum length; the tone's zero crossings are too short.
        let secs: Vec<(f64, f64)> = quiet
            .iter()
            .map(|&(a, b)| (a as f64 / RATE, b as f64 / RATE))
            .collect();
        assert_eq!(secs.len(), 3, "{secs:?}");
        assert!(
            secs[0].0 == 0.0 && (secs[0].1 - 1.0).abs() < 1e-4,
            "{secs:?}"
        );
        assert!((secs[1].0 - 3.0).abs() < 1e-4 && (secs[1].1 - 4.0).abs() < 1e-4);
        assert!((secs[2].0 - 5.0).abs() < 1e-4 && secs[2].1 == 6.0);
    }

    #[test]
    fn the_mute_lane_covers_the_gaps_inside_the_padding() {
        let x = vocal(&[(1.0, 2.0), (4.0, 5.0)], 6.0);
        let s = Settings::default();
        let quiet = find(&x, &s);
        let points = mute_points(&quiet, x.len() as u64, &s, RATE);
        let mut lane = Lane::new(PARAM).expect("mute lane");
        lane.points = points.clone();
        let muted = |t: f64| lane.value_at((t * RATE) as u64) == Some(1.0);
        // Muted from the start to 20 ms before the first phrase; open through it and 80 ms
        // after; muted until 20 ms before the next; after the last, muted to the end.
        assert!(muted(0.0) && muted(0.97));
        assert!(!muted(0.985) && !muted(1.5) && !muted(2.07));
        assert!(muted(2.085) && muted(3.97));
        assert!(!muted(3.985) && !muted(5.07));
        assert!(muted(5.085) && muted(5.999));
        // Every step on the grid, in order, as vertical pairs.
        assert!(points.iter().all(|p| p.frame % GRID_FRAMES == 0));
        assert!(points.windows(2).all(|w| w[0].frame <= w[1].frame));
        // The padding is never shorter than set: the phrase (1.0 … 2.0 s) is 20 ms / 80 ms clear.
        let open_from = points[1].frame as f64 / RATE;
        assert!(open_from <= 0.98, "{open_from}");
    }

    #[test]
    fn short_pads_are_raised_and_all_silence_mutes_everything() {
        let s = Settings {
            pre_s: 0.0,
            post_s: 0.0,
            ..Settings::default()
        };
        let x = vocal(&[(1.0, 2.0)], 3.0);
        let points = mute_points(&find(&x, &s), x.len() as u64, &s, RATE);
        // The mute ends at least the fade (5 ms) and 5 ms before the phrase.
        assert!(points[0].frame as f64 / RATE <= 0.99);
        // A 50 ms fade: the mute ends at least 55 ms before the phrase.
        let slow = Settings { fade_ms: 50.0, ..s };
        let points = mute_points(&find(&x, &slow), x.len() as u64, &slow, RATE);
        assert!(
            points[0].frame as f64 / RATE <= 0.945,
            "{}",
            points[0].frame
        );
        let silent = vec![0.0f32; 48_000];
        let points = mute_points(&find(&silent, &s), 48_000, &s, RATE);
        assert_eq!(
            points,
            vec![Point {
                frame: 0,
                value: 1.0,
                curve: Curve::Linear
            }]
        );
    }
}

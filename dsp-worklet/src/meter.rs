//! Level metering (audio thread) and the meter snapshot the UI reads (main thread).
//!
//! The engine accumulates peak and mean-square per track (post fader and pan) and per master
//! channel on every sample; the shell takes a snapshot about 30 times a second, which resets the
//! accumulators. The snapshot travels as `f64` words in a `Float64Array`:
//!
//! | word | meaning |
//! |---|---|
//! | 0 | playhead, frames |
//! | 1 | 1 while playing |
//! | 2 | song length, frames |
//! | 3, 4 | master peak L, R (linear amplitude) |
//! | 5, 6 | master RMS L, R (linear) |
//! | 7 | 1 if the master reached full scale (|x| ≥ 1) since the last snapshot |
//! | 8 | number of tracks N |
//! | 9–14 | loudness: momentary, short-term, integrated (LUFS), range (LU), true peak (dBTP), sample peak (dBFS); −∞ until measured |
//! | 15 | master limiter gain reduction, deepest in the window (dB, ≥ 0) |
//! | 16 | stereo correlation of the master over the window (−1…1; 0 for silence) |
//! | 17, 18 | unmastered mix: integrated and short-term loudness (LUFS), for A/B |
//! | 19, 20 | monitor gains in effect: A/B match and platform preview (dB) |
//! | 21 | streamed tracks' underrun frames since the engine was made (frames played as silence because their ring lacked them, summed over tracks) |
//! | 22 | 1 while playback waits for streamed tracks' rings (transport frozen) |
//! | 23 | blocks spent waiting for rings since the engine was made |
//! | 24 | serial of the last seek the engine took (see `Command::Seek`) |
//! | 25 + 6k … | track k: id, peak (max of L/R), RMS (of L and R together), clip flag, gate gain reduction (dB, ≥ 0), compressor gain reduction (dB, ≥ 0) |
//! | after the tracks | 60 spectrum bands (dB), 1/6 octave from 20 Hz, −200 while analysis is off |

/// Words before the per-track records.
pub const HEADER_WORDS: usize = 25;
/// Words per track record.
pub const TRACK_WORDS: usize = 6;

/// Peak and mean-square accumulator for one signal.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LevelMeter {
    peak: f32,
    sum_sq: f64,
    count: u32,
    clipped: bool,
}

impl LevelMeter {
    /// Adds one sample.
    #[inline]
    pub fn add(&mut self, x: f32) {
        let a = x.abs();
        if a > self.peak {
            self.peak = a;
        }
        self.sum_sq += (x as f64) * (x as f64);
        self.count += 1;
        self.clipped |= a >= 1.0;
    }

    /// Adds a block of samples: eight lanes of peak and sum of squares (f32 within the block,
    /// f64 across blocks), so it vectorises.
    #[inline]
    pub fn add_block(&mut self, x: &[f32]) {
        let mut peak = [0.0f32; 8];
        let mut sq = [0.0f32; 8];
        let chunks = x.chunks_exact(8);
        for &v in chunks.remainder() {
            peak[0] = crate::dsp::fast_math::max(peak[0], v.abs());
            sq[0] += v * v;
        }
        for c in chunks {
            for k in 0..8 {
                peak[k] = crate::dsp::fast_math::max(peak[k], c[k].abs());
                sq[k] += c[k] * c[k];
            }
        }
        let p = peak
            .iter()
            .fold(self.peak, |a, &b| crate::dsp::fast_math::max(a, b));
        self.peak = p;
        self.sum_sq += sq.iter().map(|&v| v as f64).sum::<f64>();
        self.count = self.count.saturating_add(x.len() as u32);
        self.clipped |= p >= 1.0;
    }

    /// True when the accumulators are finite (a test probe).
    pub fn is_finite(&self) -> bool {
        self.peak.is_finite() && self.sum_sq.is_finite()
    }

    /// Adds `n` samples of silence.
    #[inline]
    pub fn add_silence(&mut self, n: usize) {
        self.count = self.count.saturating_add(n as u32);
    }

    /// Peak (linear), RMS (linear) and clip flag since the last take; then starts afresh.
    pub fn take(&mut self) -> (f32, f32, bool) {
        let rms = if self.count == 0 {
            0.0
        } else {
            (self.sum_sq / self.count as f64).sqrt() as f32
        };
        let out = (self.peak, rms, self.clipped);
        *self = LevelMeter::default();
        out
    }
}

/// Per-track levels from a snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TrackLevel {
    pub id: u32,
    /// Linear peak, max over both output channels.
    pub peak: f32,
    /// Linear RMS over both output channels.
    pub rms: f32,
    pub clip: bool,
    /// Deepest gate gain reduction in the window, dB (≥ 0).
    pub gate_reduction_db: f32,
    /// Deepest compressor gain reduction in the window, dB (≥ 0).
    pub comp_reduction_db: f32,
}

/// A decoded meter snapshot (main thread).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeterSnapshot {
    pub position: u64,
    pub playing: bool,
    pub song_frames: u64,
    /// Linear peak, L and R.
    pub master_peak: [f32; 2],
    /// Linear RMS, L and R.
    pub master_rms: [f32; 2],
    pub master_clip: bool,
    /// Master loudness (LUFS, LU, dBTP, dBFS).
    pub loudness: crate::loudness::LoudnessReadings,
    /// Master limiter gain reduction, dB (≥ 0).
    pub limiter_reduction_db: f32,
    /// Stereo correlation of the master, −1…1.
    pub correlation: f32,
    /// Unmastered mix loudness (integrated, short-term), LUFS.
    pub mix_integrated: f64,
    pub mix_short_term: f64,
    /// Monitor gains in effect: A/B match and platform preview, dB.
    pub ab_gain_db: f64,
    pub platform_gain_db: f64,
    /// Streamed tracks' underrun frames since the engine was made.
    pub underrun_frames: u64,
    /// Playback is waiting for streamed tracks' rings.
    pub waiting: bool,
    /// Blocks spent waiting for rings since the engine was made.
    pub waited_blocks: u64,
    /// Serial of the last seek the engine took.
    pub seek_serial: u32,
    /// Spectrum of the master in 1/6-octave bands (dB), empty while analysis is off.
    pub spectrum: Vec<f32>,
    pub tracks: Vec<TrackLevel>,
}

impl MeterSnapshot {
    /// Reads the word layout above; `None` if it is malformed.
    pub fn decode(w: &[f64]) -> Option<MeterSnapshot> {
        let header = w.get(..HEADER_WORDS)?;
        let n = header[8];
        if !(n >= 0.0 && n.fract() == 0.0 && n <= (w.len() / TRACK_WORDS) as f64) {
            return None;
        }
        let body = w.get(HEADER_WORDS..HEADER_WORDS + n as usize * TRACK_WORDS)?;
        let bands = w
            .get(HEADER_WORDS + n as usize * TRACK_WORDS..)
            .unwrap_or(&[]);
        let spectrum = if bands.len() == crate::spectrum::BANDS && bands.iter().any(|b| *b > -199.0)
        {
            bands.iter().map(|b| *b as f32).collect()
        } else {
            Vec::new()
        };
        Some(MeterSnapshot {
            position: header[0].max(0.0) as u64,
            playing: header[1] != 0.0,
            song_frames: header[2].max(0.0) as u64,
            master_peak: [header[3] as f32, header[4] as f32],
            master_rms: [header[5] as f32, header[6] as f32],
            master_clip: header[7] != 0.0,
            loudness: crate::loudness::LoudnessReadings {
                momentary: header[9],
                short_term: header[10],
                integrated: header[11],
                range: header[12],
                true_peak: header[13],
                sample_peak: header[14],
            },
            limiter_reduction_db: header[15] as f32,
            correlation: header[16] as f32,
            mix_integrated: header[17],
            mix_short_term: header[18],
            ab_gain_db: header[19],
            platform_gain_db: header[20],
            underrun_frames: header[21].max(0.0) as u64,
            waiting: header[22] != 0.0,
            waited_blocks: header[23].max(0.0) as u64,
            seek_serial: header[24].clamp(0.0, u32::MAX as f64) as u32,
            spectrum,
            tracks: body
                .chunks_exact(TRACK_WORDS)
                .map(|t| TrackLevel {
                    id: t[0] as u32,
                    peak: t[1] as f32,
                    rms: t[2] as f32,
                    clip: t[3] != 0.0,
                    gate_reduction_db: t[4] as f32,
                    comp_reduction_db: t[5] as f32,
                })
                .collect(),
        })
    }

    /// Levels of one track, if it is in the snapshot.
    pub fn track(&self, id: u32) -> Option<&TrackLevel> {
        self.tracks.iter().find(|t| t.id == id)
    }
}

/// dBFS of a linear level, floored at −200 so the UI never has to show NaN.
pub fn to_dbfs(linear: f32) -> f32 {
    if linear > 1e-10 {
        20.0 * linear.log10()
    } else {
        -200.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_sine_reads_0_dbfs_peak_and_minus_3_rms() {
        let mut m = LevelMeter::default();
        for i in 0..48_000 {
            m.add((2.0 * core::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin());
        }
        let (peak, rms, clip) = m.take();
        assert!(to_dbfs(peak).abs() < 0.01);
        assert!((to_dbfs(rms) + 3.0103).abs() < 0.01);
        assert!(clip);
        assert_eq!(m.take(), (0.0, 0.0, false));
    }

    #[test]
    fn malformed_snapshots_are_rejected() {
        assert_eq!(MeterSnapshot::decode(&[0.0; 5]), None);
        let mut w = vec![0.0; HEADER_WORDS];
        w[8] = 2.0; // claims two tracks, carries none
        assert_eq!(MeterSnapshot::decode(&w), None);
        w[8] = 1e300; // found by the fuzzer: used to overflow the length arithmetic
        assert_eq!(MeterSnapshot::decode(&w), None);
        w[8] = 0.0;
        assert!(MeterSnapshot::decode(&w).is_some());
    }
}

//! Loudness metering to ITU-R BS.1770 / EBU R128 through the `ebur128` crate (audio thread):
//! momentary (400 ms), short-term (3 s), integrated (gated, since play or reset), loudness range
//! (EBU Tech 3342), true peak (4× oversampled, BS.1770 annex 2) and sample peak. Histogram mode,
//! so integrated loudness and LRA use fixed-size state: adding audio never allocates.

use ebur128::{Channel, EbuR128, Mode};

/// Readings in LUFS / LU / dBTP / dBFS; `f64::NEG_INFINITY` where nothing has been measured yet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoudnessReadings {
    pub momentary: f64,
    pub short_term: f64,
    pub integrated: f64,
    pub range: f64,
    /// Highest true peak of any channel since the last reset, dBTP.
    pub true_peak: f64,
    /// Highest sample peak of any channel since the last reset, dBFS.
    pub sample_peak: f64,
}

impl Default for LoudnessReadings {
    fn default() -> Self {
        LoudnessReadings {
            momentary: f64::NEG_INFINITY,
            short_term: f64::NEG_INFINITY,
            integrated: f64::NEG_INFINITY,
            range: 0.0,
            true_peak: f64::NEG_INFINITY,
            sample_peak: f64::NEG_INFINITY,
        }
    }
}

/// A conformant loudness meter for `channels` channels.
pub struct LoudnessMeter {
    ebu: EbuR128,
    channels: u32,
}

impl core::fmt::Debug for LoudnessMeter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LoudnessMeter")
            .field("channels", &self.channels)
            .finish()
    }
}

impl LoudnessMeter {
    /// A meter at `rate` Hz. For 5 channels the map is L, R, C, Ls, Rs (surrounds weighted 1.41).
    /// Returns `None` for a rate or channel count the meter cannot take.
    pub fn new(channels: u32, rate: u32) -> Option<LoudnessMeter> {
        let mode = Mode::M
            | Mode::S
            | Mode::I
            | Mode::LRA
            | Mode::TRUE_PEAK
            | Mode::SAMPLE_PEAK
            | Mode::HISTOGRAM;
        let mut ebu = EbuR128::new(channels, rate, mode).ok()?;
        if channels == 5 {
            ebu.set_channel_map(&[
                Channel::Left,
                Channel::Right,
                Channel::Center,
                Channel::LeftSurround,
                Channel::RightSurround,
            ])
            .ok()?;
        }
        Some(LoudnessMeter { ebu, channels })
    }

    /// A meter of momentary, short-term and integrated loudness only (no range, no peaks): what
    /// loudness matching needs, at a fraction of the cost (no 4× true-peak oversampling).
    pub fn loudness_only(channels: u32, rate: u32) -> Option<LoudnessMeter> {
        let mode = Mode::M | Mode::S | Mode::I | Mode::HISTOGRAM;
        Some(LoudnessMeter {
            ebu: EbuR128::new(channels, rate, mode).ok()?,
            channels,
        })
    }

    /// Adds planar audio (one slice per channel, equal lengths).
    pub fn add(&mut self, planar: &[&[f32]]) {
        // Only a channel-count mismatch can fail, which the engine never produces.
        let _ = self.ebu.add_frames_planar_f32(planar);
    }

    /// Starts integrated loudness, range and peaks afresh.
    pub fn reset(&mut self) {
        self.ebu.reset();
    }

    /// Current readings.
    pub fn readings(&self) -> LoudnessReadings {
        let db = |x: f64| {
            if x > 0.0 {
                20.0 * x.log10()
            } else {
                f64::NEG_INFINITY
            }
        };
        let peak = |f: &dyn Fn(u32) -> Result<f64, ebur128::Error>| {
            (0..self.channels)
                .filter_map(|c| f(c).ok())
                .fold(0.0f64, f64::max)
        };
        LoudnessReadings {
            momentary: self.ebu.loudness_momentary().unwrap_or(f64::NEG_INFINITY),
            short_term: self.ebu.loudness_shortterm().unwrap_or(f64::NEG_INFINITY),
            integrated: self.ebu.loudness_global().unwrap_or(f64::NEG_INFINITY),
            range: self.ebu.loudness_range().unwrap_or(0.0),
            true_peak: db(peak(&|c| self.ebu.true_peak(c))),
            sample_peak: db(peak(&|c| self.ebu.sample_peak(c))),
        }
    }
}

//! The delivery report (plain data, main thread): what was delivered, measured on the final
//! quantised samples with the engine's BS.1770 / EBU R128 meter, and what the streaming
//! platforms would do to its playback level. Shown after export; downloadable as JSON and text.

use dsp_worklet::loudness::LoudnessMeter;
use dsp_worklet::platform::{PLATFORMS, platform_gain_db};
use serde::Serialize;

/// Loudness and peak figures of a delivered file.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Measurement {
    /// Integrated loudness, LUFS.
    pub integrated_lufs: f64,
    /// Loudness range, LU.
    pub lra_lu: f64,
    /// Highest momentary (400 ms) loudness, LUFS, read every 100 ms.
    pub max_momentary_lufs: f64,
    /// Highest short-term (3 s) loudness, LUFS, read every 100 ms.
    pub max_short_term_lufs: f64,
    /// True peak (4× oversampled), dBTP.
    pub true_peak_dbtp: f64,
    /// Sample peak, dBFS.
    pub sample_peak_dbfs: f64,
    /// Peak-to-loudness ratio: true peak − integrated, dB.
    pub plr_db: f64,
    /// Length, seconds.
    pub duration_s: f64,
}

/// Measures audio fed in pieces (so a long file can be measured between UI frames): momentary
/// and short-term maxima are read every 100 ms of audio, as the momentary meter updates.
pub struct Measurer {
    meter: LoudnessMeter,
    rate: u32,
    step: usize,
    /// Frames since the last 100 ms reading.
    pending: usize,
    frames: usize,
    max_m: f64,
    max_s: f64,
}

impl Measurer {
    /// `None` when the meter cannot take the rate.
    pub fn new(rate: u32) -> Option<Measurer> {
        Some(Measurer {
            meter: LoudnessMeter::new(2, rate)?,
            rate,
            step: (rate / 10).max(1) as usize,
            pending: 0,
            frames: 0,
            max_m: f64::NEG_INFINITY,
            max_s: f64::NEG_INFINITY,
        })
    }

    /// Adds stereo frames (equal lengths).
    pub fn add(&mut self, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len());
        let mut at = 0;
        while at < n {
            let take = (self.step - self.pending).min(n - at);
            self.meter
                .add(&[&left[at..at + take], &right[at..at + take]]);
            at += take;
            self.pending += take;
            if self.pending == self.step {
                self.pending = 0;
                let now = self.meter.readings();
                self.max_m = self.max_m.max(now.momentary);
                self.max_s = self.max_s.max(now.short_term);
            }
        }
        self.frames += n;
    }

    pub fn finish(&self) -> Measurement {
        let r = self.meter.readings();
        Measurement {
            integrated_lufs: r.integrated,
            lra_lu: r.range,
            max_momentary_lufs: self.max_m,
            max_short_term_lufs: self.max_s,
            true_peak_dbtp: r.true_peak,
            sample_peak_dbfs: r.sample_peak,
            plr_db: r.true_peak - r.integrated,
            duration_s: self.frames as f64 / self.rate as f64,
        }
    }
}

/// Measures stereo audio at `rate` Hz in one go. `None` when the meter cannot take the rate.
pub fn measure(left: &[f32], right: &[f32], rate: u32) -> Option<Measurement> {
    let mut m = Measurer::new(rate)?;
    m.add(left, right);
    Some(m.finish())
}

/// What one platform would do to playback level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlatformPlayback {
    pub platform: String,
    /// Gain the platform applies, dB (negative: turned down).
    pub gain_db: f64,
}

/// Everything the report says about one delivered file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeliveryReport {
    pub software: String,
    pub file_name: String,
    pub preset: String,
    pub target_lufs: f64,
    pub ceiling_dbtp: f64,
    pub format: String,
    pub sample_rate_hz: u32,
    pub dither: String,
    pub range: String,
    pub passes: usize,
    /// Deepest limiter gain reduction in the last pass, dB.
    pub limiter_reduction_db: f64,
    pub on_target: bool,
    pub measured: Measurement,
    pub platforms: Vec<PlatformPlayback>,
}

impl DeliveryReport {
    /// Fills in the platform lines from the measurement.
    pub fn platform_lines(m: &Measurement) -> Vec<PlatformPlayback> {
        PLATFORMS
            .iter()
            .filter(|(v, _)| *v > 0.0)
            .map(|(v, name)| PlatformPlayback {
                platform: (*name).to_string(),
                gain_db: round1(platform_gain_db(*v, m.integrated_lufs, m.true_peak_dbtp)),
            })
            .collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// One line for the WAV's comment tag.
    pub fn summary(&self) -> String {
        let m = &self.measured;
        format!(
            "{}: {:.1} LUFS integrated, {:.1} dBTP, LRA {:.1} LU, PLR {:.1} dB; {} {} Hz, dither {}",
            self.preset,
            m.integrated_lufs,
            m.true_peak_dbtp,
            m.lra_lu,
            m.plr_db,
            self.format,
            self.sample_rate_hz,
            self.dither
        )
    }

    pub fn to_text(&self) -> String {
        let m = &self.measured;
        let mut t = format!(
            "Second Ear delivery report\n\
             File:              {}\n\
             Target:            {} ({:.1} LUFS, ceiling {:.1} dBTP){}\n\
             Format:            {}, {} Hz, dither {}\n\
             Range:             {}\n\
             Duration:          {:.2} s\n\
             Integrated:        {:.1} LUFS\n\
             Loudness range:    {:.1} LU\n\
             Max momentary:     {:.1} LUFS\n\
             Max short-term:    {:.1} LUFS\n\
             True peak:         {:.2} dBTP\n\
             Sample peak:       {:.2} dBFS\n\
             PLR:               {:.1} dB\n\
             Limiter:           {:.1} dB deepest gain reduction, {} pass(es)\n\
             Platform playback:\n",
            self.file_name,
            self.preset,
            self.target_lufs,
            self.ceiling_dbtp,
            if self.on_target {
                ""
            } else {
                " — NOT reached"
            },
            self.format,
            self.sample_rate_hz,
            self.dither,
            self.range,
            m.duration_s,
            m.integrated_lufs,
            m.lra_lu,
            m.max_momentary_lufs,
            m.max_short_term_lufs,
            m.true_peak_dbtp,
            m.sample_peak_dbfs,
            m.plr_db,
            self.limiter_reduction_db,
            self.passes,
        );
        for p in &self.platforms {
            t.push_str(&format!("  {}: {}\n", p.platform, signed_db(p.gain_db)));
        }
        t
    }
}

/// "−1.8 dB", "+0.4 dB", "0.0 dB".
pub fn signed_db(x: f64) -> String {
    if x.abs() < 0.05 {
        "0.0 dB (unchanged)".into()
    } else if x < 0.0 {
        format!("\u{2212}{:.1} dB", -x)
    } else {
        format!("+{x:.1} dB")
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, amp: f64, secs: f64, rate: u32) -> Vec<f32> {
        let n = (secs * rate as f64) as usize;
        (0..n)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn a_minus_20_dbfs_1k_sine_measures_as_the_standard_says() {
        // EBU Tech 3341: a stereo 1 kHz sine at −20 dBFS reads −20 LUFS (±0.1).
        let x = sine(1000.0, 0.1, 20.0, 48_000);
        let m = measure(&x, &x, 48_000).unwrap();
        assert!((m.integrated_lufs + 20.0).abs() < 0.1, "{m:?}");
        assert!((m.max_momentary_lufs + 20.0).abs() < 0.1);
        assert!((m.max_short_term_lufs + 20.0).abs() < 0.1);
        assert!((m.sample_peak_dbfs + 20.0).abs() < 0.01);
        assert!((m.true_peak_dbtp + 20.0).abs() < 0.2);
        assert!((m.plr_db - 0.0).abs() < 0.2);
        assert!((m.duration_s - 20.0).abs() < 1e-9);
    }

    #[test]
    fn max_momentary_finds_the_loud_part() {
        let mut x = sine(1000.0, 0.01, 10.0, 44_100); // −40 dBFS
        x.extend(sine(1000.0, 0.5, 1.0, 44_100)); // −6 dBFS for 1 s
        x.extend(sine(1000.0, 0.01, 10.0, 44_100));
        let m = measure(&x, &x, 44_100).unwrap();
        assert!(
            (m.max_momentary_lufs + 6.0).abs() < 0.2,
            "{}",
            m.max_momentary_lufs
        );
        assert!(m.max_short_term_lufs < m.max_momentary_lufs);
        // Fed in odd-sized pieces, the same figures.
        let mut pieces = Measurer::new(44_100).unwrap();
        for c in x.chunks(12_345) {
            pieces.add(c, c);
        }
        assert_eq!(pieces.finish(), m);
    }

    #[test]
    fn report_says_what_platforms_do_in_json_and_text() {
        let m = Measurement {
            integrated_lufs: -9.0,
            lra_lu: 4.0,
            max_momentary_lufs: -6.0,
            max_short_term_lufs: -7.5,
            true_peak_dbtp: -0.3,
            sample_peak_dbfs: -0.5,
            plr_db: 8.7,
            duration_s: 180.0,
        };
        let r = DeliveryReport {
            software: "Second Ear".into(),
            file_name: "Song - CD club.wav".into(),
            preset: "CD / club".into(),
            target_lufs: -9.0,
            ceiling_dbtp: -0.3,
            format: "WAV 24-bit PCM".into(),
            sample_rate_hz: 44_100,
            dither: "TPDF".into(),
            range: "whole song".into(),
            passes: 2,
            limiter_reduction_db: 6.5,
            on_target: true,
            measured: m,
            platforms: DeliveryReport::platform_lines(&m),
        };
        let spotify = &r.platforms[0];
        assert_eq!(
            (spotify.platform.as_str(), spotify.gain_db),
            ("Spotify", -5.0)
        );
        assert_eq!(r.platforms[1].gain_db, -7.0, "Apple Music: −16 − (−9)");
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["measured"]["integrated_lufs"], -9.0);
        assert_eq!(json["platforms"][1]["platform"], "Apple Music");
        let text = r.to_text();
        assert!(text.contains("Apple Music: \u{2212}7.0 dB"), "{text}");
        assert!(text.contains("Integrated:        -9.0 LUFS"));
        assert!(r.summary().starts_with("CD / club: -9.0 LUFS integrated"));
    }
}

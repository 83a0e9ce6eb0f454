//! The monitor stage: what goes to the speakers after everything that is measured or exported —
//! mono, loudness-matched A/B (the unmastered mix or the master, the louder turned down to the
//! other), platform preview (the gain a streaming platform would apply) and the version trim:
//! the parameters of [`Group::Monitor`](crate::params::Group::Monitor). Audio thread; never
//! allocates.

use crate::dsp::clean;
use crate::dsp::smoother::LinearSmoother;
use crate::loudness::LoudnessReadings;
use crate::params::ParamId;

/// Monitoring state: mono, loudness-matched A/B, platform preview. Gains in dB are recomputed at
/// each meter snapshot (about 30 Hz) and ramped.
#[derive(Debug)]
pub struct Monitor {
    mono: bool,
    /// 0 off, 1 hear the mix (A), 2 hear the master (B).
    ab: f32,
    platform: f32,
    ab_db: f64,
    platform_db: f64,
    /// The version trim ([`ParamId::MonitorTrim`]), dB.
    trim_db: f64,
    /// Linear monitor gain.
    gain: LinearSmoother,
    /// 0 = master, 1 = unmastered mix.
    source: LinearSmoother,
}

impl Monitor {
    /// Monitoring off (stereo, the master, unity gain) at `sample_rate` Hz.
    pub fn new(sample_rate: f32) -> Monitor {
        Monitor {
            mono: false,
            ab: 0.0,
            platform: 0.0,
            ab_db: 0.0,
            trim_db: 0.0,
            platform_db: 0.0,
            gain: LinearSmoother::new(1.0, 50.0, sample_rate),
            source: LinearSmoother::new(0.0, 20.0, sample_rate),
        }
    }

    /// Sets a monitoring parameter (others are ignored). Ramps while audio plays; jumps when
    /// `snap` (stopped).
    pub fn set(&mut self, param: ParamId, value: f32, snap: bool) {
        let v = param.spec().clamp(value);
        match param {
            ParamId::Mono => self.mono = v >= 0.5,
            ParamId::AbToggle => {
                self.ab = v;
                self.source
                    .set(if v.round() == 1.0 { 1.0 } else { 0.0 }, snap);
            }
            ParamId::PlatformPreview => self.platform = v,
            ParamId::MonitorTrim => {
                self.trim_db = v as f64;
                self.set_gain();
            }
            _ => {}
        }
        if snap {
            let g = self.gain.target();
            self.gain.reset(g);
        }
    }

    /// Recomputes the A/B and platform gains from the latest loudness readings.
    pub fn update(&mut self, master: &LoudnessReadings, mix: &LoudnessReadings) {
        let level = |r: &LoudnessReadings| {
            if r.integrated.is_finite() {
                r.integrated
            } else {
                r.short_term
            }
        };
        let (m, x) = (level(master), level(mix));
        self.ab_db = match self.ab.round() as i32 {
            1 => crate::platform::ab_match_gain_db(x, m),
            2 => crate::platform::ab_match_gain_db(m, x),
            _ => 0.0,
        };
        self.platform_db =
            crate::platform::platform_gain_db(self.platform, master.integrated, master.true_peak);
        self.set_gain();
    }

    /// The A/B match gain in effect, dB.
    pub fn ab_db(&self) -> f64 {
        self.ab_db
    }

    /// The platform preview gain in effect, dB.
    pub fn platform_db(&self) -> f64 {
        self.platform_db
    }

    /// Aims the monitor gain at the sum of the A/B, platform and version trims.
    fn set_gain(&mut self) {
        self.gain.set_target(crate::params::db_to_gain(
            (self.ab_db + self.platform_db + self.trim_db) as f32,
        ));
    }

    /// Applies source choice, gain and mono to what goes to the speakers: `l`, `r` are the
    /// output, `prechain` the latency-matched unmastered mix of the same frames.
    pub fn apply(&mut self, l: &mut [f32], r: &mut [f32], prechain: &[Vec<f32>; 2]) {
        let active = self.mono
            || self.gain.is_smoothing()
            || self.gain.current() != 1.0
            || self.source.is_smoothing()
            || self.source.current() != 0.0;
        if !active {
            return;
        }
        for (i, (a, b)) in l.iter_mut().zip(r.iter_mut()).enumerate() {
            let k = self.source.next_value();
            let g = self.gain.next_value();
            let (dl, dr) = (
                prechain[0].get(i).copied().unwrap_or(0.0),
                prechain[1].get(i).copied().unwrap_or(0.0),
            );
            let (mut x, mut y) = ((*a + k * (dl - *a)) * g, (*b + k * (dr - *b)) * g);
            if self.mono {
                let m = 0.5 * (x + y);
                x = m;
                y = m;
            }
            *a = clean(x);
            *b = clean(y);
        }
    }

    /// True when every value of its state (ramps, gains) is finite: a test probe.
    pub fn state_finite(&self) -> bool {
        use crate::dsp::FiniteState;
        [self.ab, self.platform].iter().all(|x| x.is_finite())
            && [self.ab_db, self.platform_db, self.trim_db]
                .iter()
                .all(|x| x.is_finite())
            && self.gain.state_finite()
            && self.source.state_finite()
    }
}

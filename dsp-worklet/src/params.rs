//! The parameter table: every automatable parameter defined once, shared by the UI (`app`) and the
//! engine. The UI builds its controls, `data-testid`s (`track-<key>`), labels and readouts from it;
//! the engine clamps, converts and smooths with it. Ids are stable: they travel in messages and,
//! later, in saved sessions, so a test pins the list.

/// Stable numeric id of a parameter (the wire value of [`crate::Command`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum ParamId {
    /// Track fader, dB.
    Gain = 1,
    /// Track pan (mono stems, constant power) or balance (stereo stems, unity at centre).
    Pan = 2,
    /// Track mute.
    Mute = 3,
    /// Track solo (solo-in-place).
    Solo = 4,
    /// Master fader, dB.
    MasterGain = 1001,
}

/// Whether a parameter belongs to each track or to the master bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Track,
    Master,
}

/// How a value is shown and what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Decibels relative to unity gain.
    Decibels,
    /// Pan position, −100 (hard left) … 0 (centre) … +100 (hard right).
    Pan,
    /// Off (0) or on (1).
    Toggle,
}

/// One row of the parameter table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    pub id: ParamId,
    /// Stable text id: `data-testid` suffix (`track-gain`) and session-document key.
    pub key: &'static str,
    /// Human name for labels.
    pub name: &'static str,
    pub scope: Scope,
    pub unit: Unit,
    /// Range in display units (dB, pan −100…100, toggle 0/1).
    pub min: f32,
    pub max: f32,
    pub default: f32,
    /// UI step in display units.
    pub step: f32,
    /// Length of the engine's linear ramp when the value changes while audio plays, in ms.
    pub smoothing_ms: f32,
    /// For dB parameters: the minimum of the range means silence (−∞ dB), as on a fader.
    pub min_is_silence: bool,
}

/// Fader range shared by track and master faders: −∞ (the bottom, shown as −∞) … +12 dB.
const FADER_MIN_DB: f32 = -70.0;
const FADER_MAX_DB: f32 = 12.0;

/// The table. Order is display order; ids never change meaning.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        id: ParamId::Gain,
        key: "gain",
        name: "Gain",
        scope: Scope::Track,
        unit: Unit::Decibels,
        min: FADER_MIN_DB,
        max: FADER_MAX_DB,
        default: 0.0,
        step: 0.1,
        smoothing_ms: 20.0,
        min_is_silence: true,
    },
    ParamSpec {
        id: ParamId::Pan,
        key: "pan",
        name: "Pan",
        scope: Scope::Track,
        unit: Unit::Pan,
        min: -100.0,
        max: 100.0,
        default: 0.0,
        step: 1.0,
        smoothing_ms: 20.0,
        min_is_silence: false,
    },
    ParamSpec {
        id: ParamId::Mute,
        key: "mute",
        name: "Mute",
        scope: Scope::Track,
        unit: Unit::Toggle,
        min: 0.0,
        max: 1.0,
        default: 0.0,
        step: 1.0,
        smoothing_ms: 5.0,
        min_is_silence: false,
    },
    ParamSpec {
        id: ParamId::Solo,
        key: "solo",
        name: "Solo",
        scope: Scope::Track,
        unit: Unit::Toggle,
        min: 0.0,
        max: 1.0,
        default: 0.0,
        step: 1.0,
        smoothing_ms: 5.0,
        min_is_silence: false,
    },
    ParamSpec {
        id: ParamId::MasterGain,
        key: "master-gain",
        name: "Master",
        scope: Scope::Master,
        unit: Unit::Decibels,
        min: FADER_MIN_DB,
        max: FADER_MAX_DB,
        default: 0.0,
        step: 0.1,
        smoothing_ms: 20.0,
        min_is_silence: true,
    },
];

impl ParamId {
    /// The id for a wire value, if it is in the table.
    pub fn from_u16(raw: u16) -> Option<ParamId> {
        PARAMS.iter().map(|p| p.id).find(|id| *id as u16 == raw)
    }

    /// This parameter's row in [`PARAMS`].
    pub fn spec(self) -> &'static ParamSpec {
        // Every ParamId variant has a row; `params_table_covers_every_id` pins that.
        PARAMS.iter().find(|p| p.id == self).unwrap_or(&PARAMS[0])
    }
}

impl ParamSpec {
    /// Looks a row up by its stable text key.
    pub fn by_key(key: &str) -> Option<&'static ParamSpec> {
        PARAMS.iter().find(|p| p.key == key)
    }

    /// `value` limited to the range; NaN becomes the default.
    pub fn clamp(&self, value: f32) -> f32 {
        if value.is_nan() {
            self.default
        } else {
            value.clamp(self.min, self.max)
        }
    }

    /// Linear amplitude for a dB value of this parameter (0 at the silent bottom of a fader).
    pub fn db_to_gain(&self, db: f32) -> f32 {
        let db = self.clamp(db);
        if self.min_is_silence && db <= self.min {
            0.0
        } else {
            db_to_gain(db)
        }
    }

    /// Display text for a value, with unit: `-6.0 dB`, `-∞ dB`, `C`, `L35`, `R100`, `On`/`Off`.
    pub fn format(&self, value: f32) -> String {
        let v = self.clamp(value);
        match self.unit {
            Unit::Decibels if self.min_is_silence && v <= self.min => "-∞ dB".to_string(),
            Unit::Decibels => format!("{v:+.1} dB").replace("+0.0", "0.0"),
            Unit::Pan => {
                let r = v.round();
                if r == 0.0 {
                    "C".to_string()
                } else if r < 0.0 {
                    format!("L{}", -r)
                } else {
                    format!("R{r}")
                }
            }
            Unit::Toggle => if v >= 0.5 { "On" } else { "Off" }.to_string(),
        }
    }

    /// Parses what a user types (or what [`format`](Self::format) wrote) back to a clamped value.
    /// Accepts `-6`, `-6 dB`, `-inf`, `-∞`, `C`, `L35`, `R20`, `35`, `on`/`off`.
    pub fn parse(&self, text: &str) -> Option<f32> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.trim_end_matches("db").trim();
        let value = match self.unit {
            Unit::Decibels if matches!(t, "-inf" | "-∞" | "−∞" | "-infinity") => self.min,
            Unit::Decibels => t.replace('−', "-").parse::<f32>().ok()?,
            Unit::Pan => match t.as_bytes().first()? {
                b'c' if t == "c" || t == "center" || t == "centre" => 0.0,
                b'l' => -t[1..].trim().parse::<f32>().ok()?,
                b'r' => t[1..].trim().parse::<f32>().ok()?,
                _ => t.parse::<f32>().ok()?,
            },
            Unit::Toggle => match t {
                "on" | "1" | "true" => 1.0,
                "off" | "0" | "false" => 0.0,
                _ => return None,
            },
        };
        value.is_finite().then(|| self.clamp(value))
    }
}

/// Linear amplitude for a level in dB (`10^(dB/20)`).
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// Level in dB for a linear amplitude; −∞ for 0.
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids travel in messages and saved sessions: changing one is a breaking change.
    #[test]
    fn params_table_ids_are_pinned() {
        let ids: Vec<(u16, &str)> = PARAMS.iter().map(|p| (p.id as u16, p.key)).collect();
        assert_eq!(
            ids,
            vec![
                (1, "gain"),
                (2, "pan"),
                (3, "mute"),
                (4, "solo"),
                (1001, "master-gain")
            ]
        );
    }

    #[test]
    fn params_table_covers_every_id_and_defaults_are_in_range() {
        for p in PARAMS {
            assert_eq!(ParamId::from_u16(p.id as u16), Some(p.id));
            assert_eq!(p.id.spec().key, p.key);
            assert!(p.min <= p.default && p.default <= p.max, "{}", p.key);
            assert!(p.smoothing_ms > 0.0);
            assert_eq!(ParamSpec::by_key(p.key).map(|s| s.id), Some(p.id));
        }
        assert_eq!(ParamId::from_u16(0), None);
    }

    #[test]
    fn format_and_parse_round_trip() {
        let gain = ParamId::Gain.spec();
        assert_eq!(gain.format(-6.0), "-6.0 dB");
        assert_eq!(gain.format(0.0), "0.0 dB");
        assert_eq!(gain.format(3.5), "+3.5 dB");
        assert_eq!(gain.format(-70.0), "-∞ dB");
        for v in [-69.9f32, -6.0, 0.0, 12.0] {
            assert_eq!(gain.parse(&gain.format(v)), Some(v));
        }
        assert_eq!(gain.parse("-inf"), Some(-70.0));
        assert_eq!(gain.parse("100"), Some(12.0));
        assert_eq!(gain.parse("loud"), None);
        let pan = ParamId::Pan.spec();
        for v in [-100.0f32, -35.0, 0.0, 20.0, 100.0] {
            assert_eq!(pan.parse(&pan.format(v)), Some(v));
        }
        assert_eq!(pan.format(-35.0), "L35");
        let mute = ParamId::Mute.spec();
        assert_eq!(mute.parse(&mute.format(1.0)), Some(1.0));
    }

    #[test]
    fn fader_bottom_is_silence_and_zero_db_is_exact_unity() {
        let gain = ParamId::Gain.spec();
        assert_eq!(gain.db_to_gain(-70.0), 0.0);
        assert_eq!(gain.db_to_gain(0.0), 1.0);
        assert!((gain.db_to_gain(-6.0) - 0.501_187_2).abs() < 1e-6);
        assert_eq!(gain.clamp(f32::NAN), 0.0);
    }
}

//! Loudness targets (plain data, main thread): platform presets and the user's custom choice.
//! Sources disagree on some platforms; these are editable starting points.

/// A loudness target: integrated loudness and true-peak ceiling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    pub name: &'static str,
    /// Integrated loudness, LUFS.
    pub lufs: f32,
    /// True-peak ceiling, dBTP.
    pub ceiling: f32,
}

/// Presets, in menu order; "Custom" is whatever the user types.
pub const PRESETS: [Target; 8] = [
    Target {
        name: "Spotify",
        lufs: -14.0,
        ceiling: -1.0,
    },
    Target {
        name: "Apple Music",
        lufs: -16.0,
        ceiling: -1.0,
    },
    Target {
        name: "YouTube",
        lufs: -14.0,
        ceiling: -1.0,
    },
    Target {
        name: "Tidal",
        lufs: -14.0,
        ceiling: -1.0,
    },
    Target {
        name: "Amazon Music",
        lufs: -14.0,
        ceiling: -2.0,
    },
    Target {
        name: "Deezer",
        lufs: -15.0,
        ceiling: -1.0,
    },
    Target {
        name: "CD / club",
        lufs: -9.0,
        ceiling: -0.3,
    },
    Target {
        name: "EBU R128 broadcast",
        lufs: -23.0,
        ceiling: -1.0,
    },
];

/// Range a target may be set to (LUFS) and the limiter's ceiling range (dBTP).
pub const LUFS_RANGE: (f32, f32) = (-36.0, -5.0);
pub const CEILING_RANGE: (f32, f32) = (-3.0, -0.1);

impl Target {
    /// Menu text: "Spotify (−14 LUFS / −1 dBTP)".
    pub fn label(&self) -> String {
        format!("{} ({} LUFS / {} dBTP)", self.name, self.lufs, self.ceiling)
    }

    /// A custom target, clamped to the allowed ranges.
    pub fn custom(lufs: f32, ceiling: f32) -> Target {
        Target {
            name: "Custom",
            lufs: lufs.clamp(LUFS_RANGE.0, LUFS_RANGE.1),
            ceiling: ceiling.clamp(CEILING_RANGE.0, CEILING_RANGE.1),
        }
    }

    /// The preset called `name`, if any.
    pub fn preset(name: &str) -> Option<Target> {
        PRESETS.iter().copied().find(|t| t.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_within_ranges_and_labelled() {
        for t in PRESETS {
            assert!(t.lufs >= LUFS_RANGE.0 && t.lufs <= LUFS_RANGE.1);
            assert!(t.ceiling >= CEILING_RANGE.0 && t.ceiling <= CEILING_RANGE.1);
        }
        assert_eq!(
            Target::preset("Spotify").unwrap().label(),
            "Spotify (-14 LUFS / -1 dBTP)"
        );
        assert_eq!(
            Target::custom(-50.0, 0.0),
            Target {
                name: "Custom",
                lufs: -36.0,
                ceiling: -0.1
            }
        );
    }
}

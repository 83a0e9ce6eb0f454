//! What streaming platforms do to playback level (plain data): the engine uses it for "listen as
//! a platform" and the UI for the sentence that says it. Rules as the platforms document them
//! (details differ between sources; these are the stated defaults).

/// Platforms the preview offers, by the value of the `platform-preview` parameter.
pub const PLATFORMS: [(f32, &str); 4] = [
    (0.0, "Off"),
    (1.0, "Spotify"),
    (2.0, "Apple Music"),
    (3.0, "YouTube"),
];

/// (target LUFS, may raise quiet tracks) for a platform value; `None` for Off.
fn rule(platform: f32) -> Option<(f64, bool)> {
    match platform.round() as i32 {
        // Spotify normal: −14 LUFS; quiet tracks are raised only while 1 dB of true-peak headroom
        // remains.
        1 => Some((-14.0, true)),
        // Apple Music Sound Check: about −16 LUFS, both ways, peaks kept under −1 dBTP.
        2 => Some((-16.0, true)),
        // YouTube: −14 LUFS, loud uploads are turned down, quiet ones are left alone.
        3 => Some((-14.0, false)),
        _ => None,
    }
}

/// The playback gain (dB) a platform would apply to a master measuring `integrated` LUFS with
/// `true_peak` dBTP. 0 when off or not measured yet.
pub fn platform_gain_db(platform: f32, integrated: f64, true_peak: f64) -> f64 {
    let Some((target, may_raise)) = rule(platform) else {
        return 0.0;
    };
    if !integrated.is_finite() {
        return 0.0;
    }
    let g = target - integrated;
    if g <= 0.0 {
        g
    } else if may_raise {
        let headroom = if true_peak.is_finite() {
            (-1.0 - true_peak).max(0.0)
        } else {
            g
        };
        g.min(headroom)
    } else {
        0.0
    }
}

/// The platform's name for a parameter value.
pub fn platform_name(platform: f32) -> &'static str {
    PLATFORMS
        .iter()
        .find(|(v, _)| (*v - platform).abs() < 0.5)
        .map_or("Off", |(_, n)| n)
}

/// "Spotify will play this 3.2 dB quieter" (or louder, or at the same level).
pub fn describe(platform: f32, gain_db: f64) -> String {
    let name = platform_name(platform);
    if gain_db <= -0.05 {
        format!("{name} will play this {:.1} dB quieter", -gain_db)
    } else if gain_db >= 0.05 {
        format!("{name} will play this {gain_db:.1} dB louder")
    } else {
        format!("{name} will play this at the level it is")
    }
}

/// Loudness-matched A/B: the gain (dB, ≤ 0) for the version being heard, so that whichever is
/// louder is turned down to the other's loudness.
pub fn ab_match_gain_db(heard_lufs: f64, other_lufs: f64) -> f64 {
    if heard_lufs.is_finite() && other_lufs.is_finite() && heard_lufs > other_lufs {
        other_lufs - heard_lufs
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_rules() {
        // A loud master is turned down everywhere.
        assert_eq!(platform_gain_db(1.0, -9.0, -0.3), -5.0);
        assert_eq!(platform_gain_db(3.0, -9.0, -0.3), -5.0);
        assert_eq!(platform_gain_db(2.0, -9.0, -0.3), -7.0);
        // A quiet one: Spotify raises only while 1 dB of true-peak headroom remains…
        assert_eq!(platform_gain_db(1.0, -20.0, -4.0), 3.0);
        assert_eq!(platform_gain_db(1.0, -20.0, -10.0), 6.0);
        // …YouTube never raises.
        assert_eq!(platform_gain_db(3.0, -20.0, -10.0), 0.0);
        assert_eq!(platform_gain_db(0.0, -9.0, 0.0), 0.0);
        assert_eq!(platform_gain_db(1.0, f64::NEG_INFINITY, 0.0), 0.0);
        assert_eq!(describe(1.0, -3.2), "Spotify will play this 3.2 dB quieter");
        assert_eq!(
            describe(2.0, 1.0),
            "Apple Music will play this 1.0 dB louder"
        );
        assert_eq!(ab_match_gain_db(-10.0, -14.0), -4.0);
        assert_eq!(ab_match_gain_db(-14.0, -10.0), 0.0);
    }
}

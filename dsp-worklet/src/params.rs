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
    /// Input trim, dB.
    Trim = 10,
    /// Polarity invert.
    Polarity = 11,
    HpOn = 20,
    HpFreq = 21,
    /// High-pass slope, 12 or 24 dB/oct.
    HpSlope = 22,
    LpOn = 25,
    LpFreq = 26,
    LpSlope = 27,
    /// EQ module on/off.
    EqOn = 30,
    /// Band 1 (low shelf).
    Eq1Freq = 31,
    Eq1Gain = 32,
    Eq1Q = 33,
    /// Band 2 (bell).
    Eq2Freq = 34,
    Eq2Gain = 35,
    Eq2Q = 36,
    /// Band 3 (bell).
    Eq3Freq = 37,
    Eq3Gain = 38,
    Eq3Q = 39,
    /// Band 4 (high shelf).
    Eq4Freq = 40,
    Eq4Gain = 41,
    Eq4Q = 42,
    GateOn = 50,
    GateThreshold = 51,
    GateRange = 52,
    GateAttack = 53,
    GateHold = 54,
    GateRelease = 55,
    CompOn = 60,
    CompThreshold = 61,
    CompRatio = 62,
    CompKnee = 63,
    CompAttack = 64,
    CompRelease = 65,
    CompMakeup = 66,
    SatOn = 70,
    /// Saturation drive, dB.
    SatDrive = 71,
    /// Saturation wet/dry mix, %.
    SatMix = 72,
    ChorusOn = 90,
    /// Chorus voices, 1…4.
    ChorusVoices = 91,
    /// Chorus LFO rate, Hz.
    ChorusRate = 92,
    /// Chorus sweep, % of ±5 ms.
    ChorusDepth = 93,
    /// Chorus wet/dry mix, %.
    ChorusMix = 94,
    PhaserOn = 100,
    /// Phaser all-pass stages, 2…12 (even).
    PhaserStages = 101,
    /// Phaser LFO rate, Hz.
    PhaserRate = 102,
    /// Phaser sweep, % of ±2.5 octaves around 700 Hz.
    PhaserDepth = 103,
    /// Phaser feedback, % (−90…90).
    PhaserFeedback = 104,
    PhaserMix = 105,
    FlangerOn = 110,
    /// Flanger LFO rate, Hz.
    FlangerRate = 111,
    /// Flanger sweep, % of 6 ms (above 0.3 ms).
    FlangerDepth = 112,
    /// Flanger feedback, % (−95…95).
    FlangerFeedback = 113,
    FlangerMix = 114,
    /// Region start: the first moment of the stem heard, seconds.
    RegionStart = 120,
    /// Region end, seconds (the maximum: the stem's end).
    RegionEnd = 121,
    /// Fade-in length from the region's start, seconds.
    FadeIn = 122,
    /// Fade-in shape, one of [`FADE_SHAPES`].
    FadeInShape = 123,
    /// Fade-out length before the region's end, seconds.
    FadeOut = 124,
    FadeOutShape = 125,
    /// Clip gain, dB: the region's level before the strip.
    ClipGain = 126,
    /// Length of the mute/solo gate's fade, ms (strip silence sets it: the fade of each
    /// passage it mutes).
    MuteFade = 127,
    /// Send to FX bus 1 (reverb), dB.
    Send1Level = 80,
    /// Send 1 taken before the fader.
    Send1Pre = 81,
    /// Send to FX bus 2 (delay), dB.
    Send2Level = 82,
    Send2Pre = 83,
    /// Master fader, dB.
    MasterGain = 1001,
    ReverbSize = 1010,
    ReverbDamping = 1011,
    ReverbPredelay = 1012,
    ReverbWidth = 1013,
    /// Reverb return fader, dB.
    ReverbReturn = 1014,
    ReverbMute = 1015,
    /// Delay time in ms (when not synced to the tempo).
    DelayTime = 1020,
    /// Use `DelayNote` at `DelayBpm` instead of `DelayTime`.
    DelaySync = 1021,
    /// Note value in quarter-note beats (1/16 = 0.25 … 1/1 = 4).
    DelayNote = 1022,
    DelayBpm = 1023,
    DelayFeedback = 1024,
    DelayHighCut = 1025,
    DelayPingPong = 1026,
    /// Delay return fader, dB.
    DelayReturn = 1027,
    DelayMute = 1028,
    // Master chain (issue 4): EQ + tilt, multiband, width, saturation, limiter, output, bypass.
    MeqOn = 1100,
    Meq1Freq = 1101,
    Meq1Gain = 1102,
    Meq1Q = 1103,
    Meq2Freq = 1104,
    Meq2Gain = 1105,
    Meq2Q = 1106,
    Meq3Freq = 1107,
    Meq3Gain = 1108,
    Meq3Q = 1109,
    Meq4Freq = 1110,
    Meq4Gain = 1111,
    Meq4Q = 1112,
    MeqTilt = 1113,
    MbOn = 1120,
    MbLowCross = 1121,
    MbHighCross = 1122,
    Mb1Threshold = 1130,
    Mb1Ratio = 1131,
    Mb1Attack = 1132,
    Mb1Release = 1133,
    Mb1Makeup = 1134,
    Mb1Solo = 1135,
    Mb2Threshold = 1140,
    Mb2Ratio = 1141,
    Mb2Attack = 1142,
    Mb2Release = 1143,
    Mb2Makeup = 1144,
    Mb2Solo = 1145,
    Mb3Threshold = 1150,
    Mb3Ratio = 1151,
    Mb3Attack = 1152,
    Mb3Release = 1153,
    Mb3Makeup = 1154,
    Mb3Solo = 1155,
    WidthOn = 1160,
    Width = 1161,
    MonoBelowOn = 1162,
    MonoBelow = 1163,
    MsatOn = 1170,
    MsatDrive = 1171,
    MsatMix = 1172,
    LimOn = 1180,
    LimInput = 1181,
    LimCeiling = 1182,
    LimLookahead = 1183,
    LimRelease = 1184,
    LimAuto = 1185,
    OutGain = 1190,
    MasterBypass = 1195,
    // Monitoring (what you hear, never what is measured or exported).
    /// Sum the output to mono.
    Mono = 1200,
    /// Loudness-matched A/B: 0 off, 1 hear the unmastered mix (A), 2 hear the master (B); in
    /// A and B the louder of the two is turned down to the other's loudness.
    AbToggle = 1201,
    /// Play at the gain a platform would apply (0 off, 1 Spotify, 2 Apple Music, 3 YouTube).
    PlatformPreview = 1202,
    /// Listening trim, dB (≤ 0): turns the louder of two compared versions down to the other's
    /// loudness (a reviewer's version against yours). Monitoring only, never exported.
    MonitorTrim = 1203,
}

/// Whether a parameter belongs to each track or to the master bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Track,
    Master,
}

/// The module a parameter belongs to: how the UI groups controls and how the engine routes a
/// master parameter (fader, FX buses, master chain or monitoring).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    // Track scope, in signal-flow order.
    /// Fader, pan, mute, solo.
    Fader,
    /// Input trim and polarity.
    Input,
    /// High- and low-pass.
    Filters,
    Eq,
    Gate,
    Comp,
    Sat,
    Chorus,
    Phaser,
    Flanger,
    Sends,
    /// The part of the stem that plays: trim, fades, clip gain (applied where the stem is read,
    /// before the strip; not automatable).
    Region,
    // Master scope.
    /// The master fader.
    Master,
    /// FX bus 1.
    Reverb,
    /// FX bus 2.
    Delay,
    // The master chain, in signal-flow order.
    MasterEq,
    Multiband,
    Width,
    MasterSat,
    Limiter,
    Output,
    /// Monitoring: what is heard, never what is measured or exported.
    Monitor,
}

impl Group {
    /// The stable text name (`data-module` in the UI): "fader", "input", "filters", "eq", "gate",
    /// "comp", "sat", "chorus", "phaser", "flanger", "sends", "region"; "master", "reverb", "delay", "master-eq", "multiband", "width",
    /// "master-sat", "limiter", "output", "monitor".
    pub const fn as_str(self) -> &'static str {
        match self {
            Group::Fader => "fader",
            Group::Input => "input",
            Group::Filters => "filters",
            Group::Eq => "eq",
            Group::Gate => "gate",
            Group::Comp => "comp",
            Group::Sat => "sat",
            Group::Chorus => "chorus",
            Group::Phaser => "phaser",
            Group::Flanger => "flanger",
            Group::Sends => "sends",
            Group::Region => "region",
            Group::Master => "master",
            Group::Reverb => "reverb",
            Group::Delay => "delay",
            Group::MasterEq => "master-eq",
            Group::Multiband => "multiband",
            Group::Width => "width",
            Group::MasterSat => "master-sat",
            Group::Limiter => "limiter",
            Group::Output => "output",
            Group::Monitor => "monitor",
        }
    }

    /// Track groups belong to each track; the others to the master bus.
    pub const fn scope(self) -> Scope {
        match self {
            Group::Fader
            | Group::Input
            | Group::Filters
            | Group::Eq
            | Group::Gate
            | Group::Comp
            | Group::Sat
            | Group::Chorus
            | Group::Phaser
            | Group::Flanger
            | Group::Sends
            | Group::Region => Scope::Track,
            Group::Master
            | Group::Reverb
            | Group::Delay
            | Group::MasterEq
            | Group::Multiband
            | Group::Width
            | Group::MasterSat
            | Group::Limiter
            | Group::Output
            | Group::Monitor => Scope::Master,
        }
    }

    /// A stage of the master chain (after the master fader; measured and exported).
    pub const fn in_master_chain(self) -> bool {
        matches!(
            self,
            Group::MasterEq
                | Group::Multiband
                | Group::Width
                | Group::MasterSat
                | Group::Limiter
                | Group::Output
        )
    }
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
    /// Frequency in Hz.
    Hertz,
    /// Time in milliseconds.
    Milliseconds,
    /// Compression ratio, n:1.
    Ratio,
    /// Filter quality factor.
    Q,
    /// Filter slope in dB per octave (12 or 24).
    DbPerOctave,
    /// Percent, 0…100.
    Percent,
    /// A note value in quarter-note beats, one of [`NOTE_VALUES`].
    NoteValue,
    /// Tempo, beats per minute.
    Bpm,
    /// A streaming platform, one of [`crate::platform::PLATFORMS`].
    Platform,
    /// A/B monitoring state, one of [`AB_STATES`].
    AbState,
    /// A whole number (voices, stages), in steps of the row's `step`.
    Count,
    /// Time in seconds, shown as `m:ss.mmm`; a row whose maximum is a day shows it as "end".
    Seconds,
    /// A fade's shape, one of [`FADE_SHAPES`].
    FadeShape,
}

/// Fade shapes (value, label): see [`crate::region::FadeShape`].
pub const FADE_SHAPES: [(f32, &str); 4] = [
    (0.0, "Linear"),
    (1.0, "Equal power"),
    (2.0, "Exponential"),
    (3.0, "S-curve"),
];

/// The A/B monitoring states.
pub const AB_STATES: [(f32, &str); 3] = [(0.0, "Off"), (1.0, "A: mix"), (2.0, "B: master")];

/// The fixed choices of a select-type unit (value, label).
pub fn choices(unit: Unit) -> Option<&'static [(f32, &'static str)]> {
    match unit {
        Unit::NoteValue => Some(&NOTE_VALUES),
        Unit::Platform => Some(&crate::platform::PLATFORMS),
        Unit::AbState => Some(&AB_STATES),
        Unit::FadeShape => Some(&FADE_SHAPES),
        _ => None,
    }
}

/// Note values a synced delay offers: (length in quarter-note beats, name).
pub const NOTE_VALUES: [(f32, &str); 10] = [
    (0.25, "1/16"),
    (1.0 / 3.0, "1/8T"),
    (0.5, "1/8"),
    (2.0 / 3.0, "1/4T"),
    (0.75, "1/8."),
    (1.0, "1/4"),
    (1.5, "1/4."),
    (2.0, "1/2"),
    (3.0, "1/2."),
    (4.0, "1/1"),
];

/// The listed note value nearest to `beats`.
pub fn nearest_note(beats: f32) -> (f32, &'static str) {
    let mut best = NOTE_VALUES[0];
    for nv in NOTE_VALUES {
        if (nv.0 - beats).abs() < (best.0 - beats).abs() {
            best = nv;
        }
    }
    best
}

/// How a control maps its travel to values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taper {
    Linear,
    /// Equal travel per octave/decade (frequencies, Q, times).
    Log,
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
    pub taper: Taper,
    /// The module it belongs to: grouping in the UI, routing in the engine. Its
    /// [`scope`](Group::scope) is [`Self::scope`].
    pub group: Group,
}

/// Fader range shared by track and master faders: −∞ (the bottom, shown as −∞) … +12 dB.
const FADER: (f32, f32, f32, f32) = (-70.0, 12.0, 0.0, 0.1);
/// Send level: −∞ (off, the default) … +6 dB.
const SEND: (f32, f32, f32, f32) = (-70.0, 6.0, -70.0, 0.1);
const ON: (f32, f32, f32, f32) = (0.0, 1.0, 0.0, 1.0);
const SLOPE: (f32, f32, f32, f32) = (12.0, 24.0, 12.0, 12.0);
const EQ_GAIN: (f32, f32, f32, f32) = (-18.0, 18.0, 0.0, 0.1);
const SHELF_Q: (f32, f32, f32, f32) = (0.1, 10.0, core::f32::consts::FRAC_1_SQRT_2, 0.01);
const BELL_Q: (f32, f32, f32, f32) = (0.1, 10.0, 1.0, 0.01);
const fn hz(default: f32) -> (f32, f32, f32, f32) {
    (20.0, 20_000.0, default, 1.0)
}
/// A day in seconds: the region end's maximum, meaning "to the stem's end".
pub const DAY_S: f32 = 86_400.0;
/// Modulation LFO rate, Hz: 0.05 (a 20 s sweep) … 5 Hz, default 0.6 Hz.
const LFO_RATE: (f32, f32, f32, f32) = (0.05, 5.0, 0.6, 0.01);
/// Ramp for continuous controls: fast enough to follow a hand, slow enough not to zipper (ms).
const SMOOTH: f32 = 20.0;
/// Crossfade for switches (ms).
const SWITCH: f32 = 5.0;

/// Builds a row. `range` is (min, max, default, step) in display units.
#[allow(clippy::too_many_arguments)]
const fn row(
    id: ParamId,
    key: &'static str,
    name: &'static str,
    group: Group,
    unit: Unit,
    taper: Taper,
    range: (f32, f32, f32, f32),
    smoothing_ms: f32,
) -> ParamSpec {
    ParamSpec {
        id,
        key,
        name,
        scope: group.scope(),
        unit,
        min: range.0,
        max: range.1,
        default: range.2,
        step: range.3,
        smoothing_ms,
        min_is_silence: matches!(
            id,
            ParamId::Gain
                | ParamId::MasterGain
                | ParamId::Send1Level
                | ParamId::Send2Level
                | ParamId::ReverbReturn
                | ParamId::DelayReturn
        ),
        taper,
        group,
    }
}

use Group as G;
use ParamId as P;
use Taper::{Linear as Lin, Log};
use Unit::{
    AbState, Bpm, Count, DbPerOctave, Decibels as Db, FadeShape, Hertz, Milliseconds as Ms,
    NoteValue, Pan as PanUnit, Percent, Platform, Q as Qu, Ratio, Seconds, Toggle,
};

/// The table. Order is signal-flow and display order (DESIGN.md); ids never change meaning.
#[rustfmt::skip]
pub const PARAMS: &[ParamSpec] = &[
    row(P::Gain, "gain", "Gain", G::Fader, Db, Lin, FADER, SMOOTH),
    row(P::Pan, "pan", "Pan", G::Fader, PanUnit, Lin, (-100.0, 100.0, 0.0, 1.0), SMOOTH),
    row(P::Mute, "mute", "Mute", G::Fader, Toggle, Lin, ON, SWITCH),
    row(P::Solo, "solo", "Solo", G::Fader, Toggle, Lin, ON, SWITCH),
    row(P::Trim, "trim", "Trim", G::Input, Db, Lin, (-24.0, 24.0, 0.0, 0.1), SMOOTH),
    row(P::Polarity, "polarity", "Polarity ø", G::Input, Toggle, Lin, ON, SWITCH),
    row(P::HpOn, "hp-on", "High-pass", G::Filters, Toggle, Lin, ON, SWITCH),
    row(P::HpFreq, "hp-freq", "HP freq", G::Filters, Hertz, Log, hz(80.0), SMOOTH),
    row(P::HpSlope, "hp-slope", "HP slope", G::Filters, DbPerOctave, Lin, SLOPE, SWITCH),
    row(P::LpOn, "lp-on", "Low-pass", G::Filters, Toggle, Lin, ON, SWITCH),
    row(P::LpFreq, "lp-freq", "LP freq", G::Filters, Hertz, Log, hz(16_000.0), SMOOTH),
    row(P::LpSlope, "lp-slope", "LP slope", G::Filters, DbPerOctave, Lin, SLOPE, SWITCH),
    row(P::EqOn, "eq-on", "EQ", G::Eq, Toggle, Lin, ON, SWITCH),
    row(P::Eq1Freq, "eq1-freq", "Low shelf freq", G::Eq, Hertz, Log, hz(100.0), SMOOTH),
    row(P::Eq1Gain, "eq1-gain", "Low shelf gain", G::Eq, Db, Lin, EQ_GAIN, SMOOTH),
    row(P::Eq1Q, "eq1-q", "Low shelf Q", G::Eq, Qu, Log, SHELF_Q, SMOOTH),
    row(P::Eq2Freq, "eq2-freq", "Bell 1 freq", G::Eq, Hertz, Log, hz(400.0), SMOOTH),
    row(P::Eq2Gain, "eq2-gain", "Bell 1 gain", G::Eq, Db, Lin, EQ_GAIN, SMOOTH),
    row(P::Eq2Q, "eq2-q", "Bell 1 Q", G::Eq, Qu, Log, BELL_Q, SMOOTH),
    row(P::Eq3Freq, "eq3-freq", "Bell 2 freq", G::Eq, Hertz, Log, hz(2_500.0), SMOOTH),
    row(P::Eq3Gain, "eq3-gain", "Bell 2 gain", G::Eq, Db, Lin, EQ_GAIN, SMOOTH),
    row(P::Eq3Q, "eq3-q", "Bell 2 Q", G::Eq, Qu, Log, BELL_Q, SMOOTH),
    row(P::Eq4Freq, "eq4-freq", "High shelf freq", G::Eq, Hertz, Log, hz(8_000.0), SMOOTH),
    row(P::Eq4Gain, "eq4-gain", "High shelf gain", G::Eq, Db, Lin, EQ_GAIN, SMOOTH),
    row(P::Eq4Q, "eq4-q", "High shelf Q", G::Eq, Qu, Log, SHELF_Q, SMOOTH),
    row(P::GateOn, "gate-on", "Gate", G::Gate, Toggle, Lin, ON, SWITCH),
    row(P::GateThreshold, "gate-threshold", "Threshold", G::Gate, Db, Lin, (-80.0, 0.0, -50.0, 0.1), SMOOTH),
    row(P::GateRange, "gate-range", "Range", G::Gate, Db, Lin, (0.0, 80.0, 40.0, 0.1), SMOOTH),
    row(P::GateAttack, "gate-attack", "Attack", G::Gate, Ms, Log, (0.1, 50.0, 1.0, 0.1), SMOOTH),
    row(P::GateHold, "gate-hold", "Hold", G::Gate, Ms, Lin, (0.0, 500.0, 20.0, 1.0), SMOOTH),
    row(P::GateRelease, "gate-release", "Release", G::Gate, Ms, Log, (5.0, 2_000.0, 100.0, 1.0), SMOOTH),
    row(P::CompOn, "comp-on", "Compressor", G::Comp, Toggle, Lin, ON, SWITCH),
    row(P::CompThreshold, "comp-threshold", "Threshold", G::Comp, Db, Lin, (-60.0, 0.0, -18.0, 0.1), SMOOTH),
    row(P::CompRatio, "comp-ratio", "Ratio", G::Comp, Ratio, Log, (1.0, 20.0, 4.0, 0.1), SMOOTH),
    row(P::CompKnee, "comp-knee", "Knee", G::Comp, Db, Lin, (0.0, 24.0, 6.0, 0.1), SMOOTH),
    row(P::CompAttack, "comp-attack", "Attack", G::Comp, Ms, Log, (0.1, 200.0, 10.0, 0.1), SMOOTH),
    row(P::CompRelease, "comp-release", "Release", G::Comp, Ms, Log, (5.0, 2_000.0, 100.0, 1.0), SMOOTH),
    row(P::CompMakeup, "comp-makeup", "Makeup", G::Comp, Db, Lin, (0.0, 24.0, 0.0, 0.1), SMOOTH),
    row(P::SatOn, "sat-on", "Saturation", G::Sat, Toggle, Lin, ON, SWITCH),
    row(P::SatDrive, "sat-drive", "Drive", G::Sat, Db, Lin, (0.0, 24.0, 6.0, 0.1), SMOOTH),
    row(P::SatMix, "sat-mix", "Mix", G::Sat, Percent, Lin, (0.0, 100.0, 100.0, 1.0), SMOOTH),
    row(P::ChorusOn, "chorus-on", "Chorus", G::Chorus, Toggle, Lin, ON, SWITCH),
    row(P::ChorusVoices, "chorus-voices", "Voices", G::Chorus, Count, Lin, (1.0, 4.0, 2.0, 1.0), SMOOTH),
    row(P::ChorusRate, "chorus-rate", "Rate", G::Chorus, Hertz, Log, LFO_RATE, SMOOTH),
    row(P::ChorusDepth, "chorus-depth", "Depth", G::Chorus, Percent, Lin, (0.0, 100.0, 40.0, 1.0), SMOOTH),
    row(P::ChorusMix, "chorus-mix", "Mix", G::Chorus, Percent, Lin, (0.0, 100.0, 50.0, 1.0), SMOOTH),
    row(P::PhaserOn, "phaser-on", "Phaser", G::Phaser, Toggle, Lin, ON, SWITCH),
    row(P::PhaserStages, "phaser-stages", "Stages", G::Phaser, Count, Lin, (2.0, 12.0, 4.0, 2.0), SMOOTH),
    row(P::PhaserRate, "phaser-rate", "Rate", G::Phaser, Hertz, Log, LFO_RATE, SMOOTH),
    row(P::PhaserDepth, "phaser-depth", "Depth", G::Phaser, Percent, Lin, (0.0, 100.0, 70.0, 1.0), SMOOTH),
    row(P::PhaserFeedback, "phaser-feedback", "Feedback", G::Phaser, Percent, Lin, (-90.0, 90.0, 30.0, 1.0), SMOOTH),
    row(P::PhaserMix, "phaser-mix", "Mix", G::Phaser, Percent, Lin, (0.0, 100.0, 50.0, 1.0), SMOOTH),
    row(P::FlangerOn, "flanger-on", "Flanger", G::Flanger, Toggle, Lin, ON, SWITCH),
    row(P::FlangerRate, "flanger-rate", "Rate", G::Flanger, Hertz, Log, (0.05, 5.0, 0.25, 0.01), SMOOTH),
    row(P::FlangerDepth, "flanger-depth", "Depth", G::Flanger, Percent, Lin, (0.0, 100.0, 70.0, 1.0), SMOOTH),
    row(P::FlangerFeedback, "flanger-feedback", "Feedback", G::Flanger, Percent, Lin, (-95.0, 95.0, 50.0, 1.0), SMOOTH),
    row(P::FlangerMix, "flanger-mix", "Mix", G::Flanger, Percent, Lin, (0.0, 100.0, 50.0, 1.0), SMOOTH),
    row(P::Send1Level, "send1-level", "Reverb send", G::Sends, Db, Lin, SEND, SMOOTH),
    row(P::Send1Pre, "send1-pre", "Reverb send pre-fader", G::Sends, Toggle, Lin, ON, SWITCH),
    row(P::Send2Level, "send2-level", "Delay send", G::Sends, Db, Lin, SEND, SMOOTH),
    row(P::Send2Pre, "send2-pre", "Delay send pre-fader", G::Sends, Toggle, Lin, ON, SWITCH),
    row(P::RegionStart, "region-start", "Region start", G::Region, Seconds, Lin, (0.0, DAY_S - 1.0, 0.0, 0.001), SWITCH),
    row(P::RegionEnd, "region-end", "Region end", G::Region, Seconds, Lin, (0.0, DAY_S, DAY_S, 0.001), SWITCH),
    row(P::FadeIn, "fade-in", "Fade in", G::Region, Seconds, Lin, (0.0, 600.0, 0.0, 0.001), SWITCH),
    row(P::FadeInShape, "fade-in-shape", "Fade-in shape", G::Region, FadeShape, Lin, (0.0, 3.0, 0.0, 1.0), SWITCH),
    row(P::FadeOut, "fade-out", "Fade out", G::Region, Seconds, Lin, (0.0, 600.0, 0.0, 0.001), SWITCH),
    row(P::FadeOutShape, "fade-out-shape", "Fade-out shape", G::Region, FadeShape, Lin, (0.0, 3.0, 0.0, 1.0), SWITCH),
    row(P::ClipGain, "clip-gain", "Clip gain", G::Region, Db, Lin, (-24.0, 24.0, 0.0, 0.1), SMOOTH),
    row(P::MuteFade, "mute-fade", "Mute fade", G::Region, Ms, Lin, (1.0, 500.0, 5.0, 1.0), SWITCH),
    row(P::MasterGain, "master-gain", "Master", G::Master, Db, Lin, FADER, SMOOTH),
    row(P::ReverbSize, "reverb-size", "Size", G::Reverb, Percent, Lin, (0.0, 100.0, 60.0, 1.0), SMOOTH),
    row(P::ReverbDamping, "reverb-damping", "Damping", G::Reverb, Percent, Lin, (0.0, 100.0, 50.0, 1.0), SMOOTH),
    row(P::ReverbPredelay, "reverb-predelay", "Pre-delay", G::Reverb, Ms, Lin, (0.0, 200.0, 20.0, 1.0), SMOOTH),
    row(P::ReverbWidth, "reverb-width", "Width", G::Reverb, Percent, Lin, (0.0, 100.0, 100.0, 1.0), SMOOTH),
    row(P::ReverbReturn, "reverb-return", "Reverb return", G::Reverb, Db, Lin, FADER, SMOOTH),
    row(P::ReverbMute, "reverb-mute", "Mute reverb", G::Reverb, Toggle, Lin, ON, SWITCH),
    row(P::DelayTime, "delay-time", "Time", G::Delay, Ms, Log, (1.0, 2_000.0, 375.0, 1.0), SMOOTH),
    row(P::DelaySync, "delay-sync", "Sync to tempo", G::Delay, Toggle, Lin, ON, SWITCH),
    row(P::DelayNote, "delay-note", "Note", G::Delay, NoteValue, Lin, (0.25, 4.0, 0.75, 0.25), SMOOTH),
    row(P::DelayBpm, "delay-bpm", "Tempo", G::Delay, Bpm, Lin, (40.0, 240.0, 120.0, 1.0), SMOOTH),
    row(P::DelayFeedback, "delay-feedback", "Feedback", G::Delay, Percent, Lin, (0.0, 95.0, 35.0, 1.0), SMOOTH),
    row(P::DelayHighCut, "delay-highcut", "High-cut", G::Delay, Hertz, Log, (1_000.0, 20_000.0, 6_000.0, 1.0), SMOOTH),
    row(P::DelayPingPong, "delay-pingpong", "Ping-pong", G::Delay, Toggle, Lin, ON, SWITCH),
    row(P::DelayReturn, "delay-return", "Delay return", G::Delay, Db, Lin, FADER, SMOOTH),
    row(P::DelayMute, "delay-mute", "Mute delay", G::Delay, Toggle, Lin, ON, SWITCH),
    row(P::MeqOn, "meq-on", "Master EQ", G::MasterEq, Toggle, Lin, ON, SWITCH),
    row(P::Meq1Freq, "meq1-freq", "Low shelf freq", G::MasterEq, Hertz, Log, hz(80.0), SMOOTH),
    row(P::Meq1Gain, "meq1-gain", "Low shelf gain", G::MasterEq, Db, Lin, EQ_GAIN, SMOOTH),
    row(P::Meq1Q, "meq1-q", "Low shelf Q", G::MasterEq, Qu, Log, SHELF_Q, SMOOTH),
    row(P::Meq2Freq, "meq2-freq", "Bell 1 freq", G::MasterEq, Hertz, Log, hz(300.0), SMOOTH),
    row(P::Meq2Gain, "meq2-gain", "Bell 1 gain", G::MasterEq, Db, Lin, EQ_GAIN, SMOOTH),
    row(P::Meq2Q, "meq2-q", "Bell 1 Q", G::MasterEq, Qu, Log, BELL_Q, SMOOTH),
    row(P::Meq3Freq, "meq3-freq", "Bell 2 freq", G::MasterEq, Hertz, Log, hz(3_000.0), SMOOTH),
    row(P::Meq3Gain, "meq3-gain", "Bell 2 gain", G::MasterEq, Db, Lin, EQ_GAIN, SMOOTH),
    row(P::Meq3Q, "meq3-q", "Bell 2 Q", G::MasterEq, Qu, Log, BELL_Q, SMOOTH),
    row(P::Meq4Freq, "meq4-freq", "High shelf freq", G::MasterEq, Hertz, Log, hz(10_000.0), SMOOTH),
    row(P::Meq4Gain, "meq4-gain", "High shelf gain", G::MasterEq, Db, Lin, EQ_GAIN, SMOOTH),
    row(P::Meq4Q, "meq4-q", "High shelf Q", G::MasterEq, Qu, Log, SHELF_Q, SMOOTH),
    row(P::MeqTilt, "meq-tilt", "Tilt (around 1 kHz)", G::MasterEq, Db, Lin, (-6.0, 6.0, 0.0, 0.1), SMOOTH),
    row(P::MbOn, "mb-on", "Multiband", G::Multiband, Toggle, Lin, ON, SWITCH),
    row(P::MbLowCross, "mb-low-cross", "Low/mid crossover", G::Multiband, Hertz, Log, (40.0, 1_000.0, 150.0, 1.0), SMOOTH),
    row(P::MbHighCross, "mb-high-cross", "Mid/high crossover", G::Multiband, Hertz, Log, (1_000.0, 12_000.0, 3_000.0, 1.0), SMOOTH),
    row(P::Mb1Threshold, "mb1-threshold", "Band 1 threshold", G::Multiband, Db, Lin, (-60.0, 0.0, -18.0, 0.1), SMOOTH),
    row(P::Mb1Ratio, "mb1-ratio", "Band 1 ratio", G::Multiband, Ratio, Log, (1.0, 20.0, 2.0, 0.1), SMOOTH),
    row(P::Mb1Attack, "mb1-attack", "Band 1 attack", G::Multiband, Ms, Log, (0.1, 200.0, 20.0, 0.1), SMOOTH),
    row(P::Mb1Release, "mb1-release", "Band 1 release", G::Multiband, Ms, Log, (5.0, 2_000.0, 200.0, 1.0), SMOOTH),
    row(P::Mb1Makeup, "mb1-makeup", "Band 1 makeup", G::Multiband, Db, Lin, (0.0, 24.0, 0.0, 0.1), SMOOTH),
    row(P::Mb1Solo, "mb1-solo", "Band 1 solo", G::Multiband, Toggle, Lin, ON, SWITCH),
    row(P::Mb2Threshold, "mb2-threshold", "Band 2 threshold", G::Multiband, Db, Lin, (-60.0, 0.0, -18.0, 0.1), SMOOTH),
    row(P::Mb2Ratio, "mb2-ratio", "Band 2 ratio", G::Multiband, Ratio, Log, (1.0, 20.0, 2.0, 0.1), SMOOTH),
    row(P::Mb2Attack, "mb2-attack", "Band 2 attack", G::Multiband, Ms, Log, (0.1, 200.0, 20.0, 0.1), SMOOTH),
    row(P::Mb2Release, "mb2-release", "Band 2 release", G::Multiband, Ms, Log, (5.0, 2_000.0, 200.0, 1.0), SMOOTH),
    row(P::Mb2Makeup, "mb2-makeup", "Band 2 makeup", G::Multiband, Db, Lin, (0.0, 24.0, 0.0, 0.1), SMOOTH),
    row(P::Mb2Solo, "mb2-solo", "Band 2 solo", G::Multiband, Toggle, Lin, ON, SWITCH),
    row(P::Mb3Threshold, "mb3-threshold", "Band 3 threshold", G::Multiband, Db, Lin, (-60.0, 0.0, -18.0, 0.1), SMOOTH),
    row(P::Mb3Ratio, "mb3-ratio", "Band 3 ratio", G::Multiband, Ratio, Log, (1.0, 20.0, 2.0, 0.1), SMOOTH),
    row(P::Mb3Attack, "mb3-attack", "Band 3 attack", G::Multiband, Ms, Log, (0.1, 200.0, 20.0, 0.1), SMOOTH),
    row(P::Mb3Release, "mb3-release", "Band 3 release", G::Multiband, Ms, Log, (5.0, 2_000.0, 200.0, 1.0), SMOOTH),
    row(P::Mb3Makeup, "mb3-makeup", "Band 3 makeup", G::Multiband, Db, Lin, (0.0, 24.0, 0.0, 0.1), SMOOTH),
    row(P::Mb3Solo, "mb3-solo", "Band 3 solo", G::Multiband, Toggle, Lin, ON, SWITCH),
    row(P::WidthOn, "width-on", "Stereo width", G::Width, Toggle, Lin, ON, SWITCH),
    row(P::Width, "width", "Width", G::Width, Percent, Lin, (0.0, 200.0, 100.0, 1.0), SMOOTH),
    row(P::MonoBelowOn, "mono-below-on", "Mono below", G::Width, Toggle, Lin, ON, SWITCH),
    row(P::MonoBelow, "mono-below", "Mono below freq", G::Width, Hertz, Log, (20.0, 500.0, 120.0, 1.0), SMOOTH),
    row(P::MsatOn, "msat-on", "Master saturation", G::MasterSat, Toggle, Lin, ON, SWITCH),
    row(P::MsatDrive, "msat-drive", "Drive", G::MasterSat, Db, Lin, (0.0, 24.0, 3.0, 0.1), SMOOTH),
    row(P::MsatMix, "msat-mix", "Mix", G::MasterSat, Percent, Lin, (0.0, 100.0, 100.0, 1.0), SMOOTH),
    row(P::LimOn, "lim-on", "Limiter", G::Limiter, Toggle, Lin, ON, SWITCH),
    row(P::LimInput, "lim-input", "Input gain", G::Limiter, Db, Lin, (-24.0, 24.0, 0.0, 0.1), SMOOTH),
    row(P::LimCeiling, "lim-ceiling", "Ceiling (dBTP)", G::Limiter, Db, Lin, (-3.0, -0.1, -1.0, 0.1), SMOOTH),
    row(P::LimLookahead, "lim-lookahead", "Look-ahead", G::Limiter, Ms, Lin, (0.5, 5.0, 3.0, 0.1), SMOOTH),
    row(P::LimRelease, "lim-release", "Release", G::Limiter, Ms, Log, (10.0, 1_000.0, 100.0, 1.0), SMOOTH),
    row(P::LimAuto, "lim-auto", "Auto release", G::Limiter, Toggle, Lin, (0.0, 1.0, 1.0, 1.0), SWITCH),
    row(P::OutGain, "out-gain", "Output gain", G::Output, Db, Lin, (-12.0, 12.0, 0.0, 0.1), SMOOTH),
    row(P::MasterBypass, "master-bypass", "Bypass master chain", G::Output, Toggle, Lin, ON, SWITCH),
    row(P::Mono, "mono", "Mono", G::Monitor, Toggle, Lin, ON, SWITCH),
    row(P::AbToggle, "ab-toggle", "A/B (loudness-matched)", G::Monitor, AbState, Lin, (0.0, 2.0, 0.0, 1.0), SWITCH),
    row(P::PlatformPreview, "platform-preview", "Listen as", G::Monitor, Platform, Lin, (0.0, 3.0, 0.0, 1.0), SMOOTH),
    row(P::MonitorTrim, "monitor-trim", "Version trim", G::Monitor, Db, Lin, (-40.0, 0.0, 0.0, 0.1), SMOOTH),
];

/// Number of rows in [`PARAMS`].
pub const PARAM_COUNT: usize = PARAMS.len();

/// Marks a wire value with no row in [`ROW_OF_ID`].
const NO_ROW: u8 = u8::MAX;
const _: () = assert!(
    PARAM_COUNT < NO_ROW as usize,
    "row positions must fit in a u8"
);

/// The largest id in the table.
const MAX_ID: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < PARAMS.len() {
        if PARAMS[i].id as usize > max {
            max = PARAMS[i].id as usize;
        }
        i += 1;
    }
    max
};

/// Row position in [`PARAMS`] by wire value ([`NO_ROW`] for a value that is no id), built from the
/// table at compile time: id → row in O(1), with no scan on the audio thread.
static ROW_OF_ID: [u8; MAX_ID + 1] = {
    let mut rows = [NO_ROW; MAX_ID + 1];
    let mut i = 0;
    while i < PARAMS.len() {
        rows[PARAMS[i].id as usize] = i as u8;
        i += 1;
    }
    rows
};

impl ParamId {
    /// The id for a wire value, if it is in the table.
    pub fn from_u16(raw: u16) -> Option<ParamId> {
        match ROW_OF_ID.get(raw as usize) {
            Some(&row) if row != NO_ROW => Some(PARAMS[row as usize].id),
            _ => None,
        }
    }

    /// This parameter's row in [`PARAMS`].
    pub fn spec(self) -> &'static ParamSpec {
        &PARAMS[self.index()]
    }

    /// Position of this parameter's row in [`PARAMS`] (stable within a build, not on the wire).
    /// O(1): a lookup in a table built from [`PARAMS`] at compile time.
    pub fn index(self) -> usize {
        // Every ParamId variant has a row; `params_table_covers_every_id` pins that.
        match ROW_OF_ID[self as usize] {
            NO_ROW => 0,
            row => row as usize,
        }
    }
}

impl ParamSpec {
    /// Looks a row up by its stable text key.
    pub fn by_key(key: &str) -> Option<&'static ParamSpec> {
        PARAMS.iter().find(|p| p.key == key)
    }

    /// `value` limited to the range (and, for slopes, to 12 or 24); NaN becomes the default.
    pub fn clamp(&self, value: f32) -> f32 {
        if value.is_nan() {
            self.default
        } else if self.unit == Unit::DbPerOctave {
            if value >= 18.0 { 24.0 } else { 12.0 }
        } else if self.unit == Unit::NoteValue {
            nearest_note(value).0
        } else if matches!(self.unit, Unit::Platform | Unit::AbState | Unit::FadeShape) {
            value.round().clamp(self.min, self.max)
        } else if self.unit == Unit::Count {
            (self.min + ((value - self.min) / self.step).round() * self.step)
                .clamp(self.min, self.max)
        } else {
            value.clamp(self.min, self.max)
        }
    }

    /// Travel 0…1 of a control for `value` (log taper: equal travel per ratio).
    pub fn to_normalized(&self, value: f32) -> f32 {
        let v = self.clamp(value);
        match self.taper {
            Taper::Linear => (v - self.min) / (self.max - self.min),
            Taper::Log => (v / self.min).ln() / (self.max / self.min).ln(),
        }
    }

    /// Value for a control travel 0…1.
    pub fn from_normalized(&self, t: f32) -> f32 {
        let t = t.clamp(0.0, 1.0);
        self.clamp(match self.taper {
            Taper::Linear => self.min + t * (self.max - self.min),
            Taper::Log => self.min * (self.max / self.min).powf(t),
        })
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
            Unit::Hertz if v >= 1000.0 => format!("{:.2} kHz", v / 1000.0),
            Unit::Hertz if v < 10.0 => format!("{v:.2} Hz"),
            Unit::Hertz => format!("{v:.0} Hz"),
            Unit::Milliseconds if v < 10.0 => format!("{v:.1} ms"),
            Unit::Milliseconds => format!("{v:.0} ms"),
            Unit::Ratio => format!("{v:.1}:1"),
            Unit::Q => format!("Q {v:.2}"),
            Unit::DbPerOctave => format!("{v:.0} dB/oct"),
            Unit::Percent => format!("{v:.0} %"),
            Unit::NoteValue => nearest_note(v).1.to_string(),
            Unit::Bpm => format!("{v:.0} BPM"),
            Unit::Count => format!("{v:.0}"),
            Unit::Seconds if self.max >= DAY_S && v >= DAY_S => "end".to_string(),
            Unit::Seconds => {
                let ms = (v as f64 * 1000.0).round() as u64;
                format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
            }
            Unit::Platform | Unit::AbState | Unit::FadeShape => choices(self.unit)
                .and_then(|c| c.iter().find(|(x, _)| (*x - v).abs() < 0.5))
                .map_or_else(String::new, |(_, n)| n.to_string()),
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
            Unit::Hertz => match t.strip_suffix("khz") {
                Some(k) => k.trim().parse::<f32>().ok()? * 1000.0,
                None => t.trim_end_matches("hz").trim().parse::<f32>().ok()?,
            },
            Unit::Milliseconds => t.trim_end_matches("ms").trim().parse::<f32>().ok()?,
            Unit::Ratio => t.trim_end_matches(":1").trim().parse::<f32>().ok()?,
            Unit::Q => t.trim_start_matches('q').trim().parse::<f32>().ok()?,
            Unit::DbPerOctave => t
                .trim_end_matches("/oct")
                .trim_end_matches("db")
                .trim()
                .parse::<f32>()
                .ok()?,
            Unit::Percent => t.trim_end_matches('%').trim().parse::<f32>().ok()?,
            Unit::NoteValue => match NOTE_VALUES.iter().find(|(_, n)| n.eq_ignore_ascii_case(t)) {
                Some((beats, _)) => *beats,
                None => t.parse::<f32>().ok()?,
            },
            Unit::Bpm => t.trim_end_matches("bpm").trim().parse::<f32>().ok()?,
            Unit::Count => t.parse::<f32>().ok()?,
            Unit::Seconds if t == "end" => self.max,
            Unit::Seconds => match t.trim_end_matches('s').trim().split_once(':') {
                Some((m, s)) => {
                    m.trim().parse::<f32>().ok()? * 60.0 + s.trim().parse::<f32>().ok()?
                }
                None => t.trim_end_matches('s').trim().parse::<f32>().ok()?,
            },
            Unit::Platform | Unit::AbState | Unit::FadeShape => match choices(self.unit)?
                .iter()
                .find(|(_, n)| n.eq_ignore_ascii_case(t))
            {
                Some((v, _)) => *v,
                None => t.parse::<f32>().ok()?,
            },
        };
        let value = if self.unit == Unit::DbPerOctave {
            if value >= 18.0 { 24.0 } else { 12.0 }
        } else {
            value
        };
        value.is_finite().then(|| self.clamp(value))
    }
}

/// One value per row of [`PARAMS`], in display units: a track's (or the master's) settings as
/// plain data, shared by the UI and the engine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamValues([f32; PARAM_COUNT]);

impl Default for ParamValues {
    fn default() -> Self {
        let mut v = [0.0; PARAM_COUNT];
        for (slot, p) in v.iter_mut().zip(PARAMS) {
            *slot = p.default;
        }
        ParamValues(v)
    }
}

impl ParamValues {
    pub fn get(&self, id: ParamId) -> f32 {
        self.0[id.index()]
    }

    /// Stores `value` clamped to the row's range and returns what was stored.
    pub fn set(&mut self, id: ParamId, value: f32) -> f32 {
        let v = id.spec().clamp(value);
        self.0[id.index()] = v;
        v
    }

    /// A toggle's state.
    pub fn on(&self, id: ParamId) -> bool {
        self.get(id) >= 0.5
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
        #[rustfmt::skip]
        let pinned = vec![
            (1, "gain"), (2, "pan"), (3, "mute"), (4, "solo"),
            (10, "trim"), (11, "polarity"),
            (20, "hp-on"), (21, "hp-freq"), (22, "hp-slope"),
            (25, "lp-on"), (26, "lp-freq"), (27, "lp-slope"),
            (30, "eq-on"),
            (31, "eq1-freq"), (32, "eq1-gain"), (33, "eq1-q"),
            (34, "eq2-freq"), (35, "eq2-gain"), (36, "eq2-q"),
            (37, "eq3-freq"), (38, "eq3-gain"), (39, "eq3-q"),
            (40, "eq4-freq"), (41, "eq4-gain"), (42, "eq4-q"),
            (50, "gate-on"), (51, "gate-threshold"), (52, "gate-range"),
            (53, "gate-attack"), (54, "gate-hold"), (55, "gate-release"),
            (60, "comp-on"), (61, "comp-threshold"), (62, "comp-ratio"), (63, "comp-knee"),
            (64, "comp-attack"), (65, "comp-release"), (66, "comp-makeup"),
            (70, "sat-on"), (71, "sat-drive"), (72, "sat-mix"),
            (90, "chorus-on"), (91, "chorus-voices"), (92, "chorus-rate"), (93, "chorus-depth"), (94, "chorus-mix"),
            (100, "phaser-on"), (101, "phaser-stages"), (102, "phaser-rate"), (103, "phaser-depth"),
            (104, "phaser-feedback"), (105, "phaser-mix"),
            (110, "flanger-on"), (111, "flanger-rate"), (112, "flanger-depth"), (113, "flanger-feedback"),
            (114, "flanger-mix"),
            (80, "send1-level"), (81, "send1-pre"), (82, "send2-level"), (83, "send2-pre"),
            (120, "region-start"), (121, "region-end"), (122, "fade-in"), (123, "fade-in-shape"),
            (124, "fade-out"), (125, "fade-out-shape"), (126, "clip-gain"), (127, "mute-fade"),
            (1001, "master-gain"),
            (1010, "reverb-size"), (1011, "reverb-damping"), (1012, "reverb-predelay"),
            (1013, "reverb-width"), (1014, "reverb-return"), (1015, "reverb-mute"),
            (1020, "delay-time"), (1021, "delay-sync"), (1022, "delay-note"), (1023, "delay-bpm"),
            (1024, "delay-feedback"), (1025, "delay-highcut"), (1026, "delay-pingpong"),
            (1027, "delay-return"), (1028, "delay-mute"),
            (1100, "meq-on"), (1101, "meq1-freq"), (1102, "meq1-gain"), (1103, "meq1-q"), (1104, "meq2-freq"), (1105, "meq2-gain"), (1106, "meq2-q"), (1107, "meq3-freq"), (1108, "meq3-gain"), (1109, "meq3-q"), (1110, "meq4-freq"), (1111, "meq4-gain"), (1112, "meq4-q"), (1113, "meq-tilt"), (1120, "mb-on"), (1121, "mb-low-cross"), (1122, "mb-high-cross"), (1130, "mb1-threshold"), (1131, "mb1-ratio"), (1132, "mb1-attack"), (1133, "mb1-release"), (1134, "mb1-makeup"), (1135, "mb1-solo"), (1140, "mb2-threshold"), (1141, "mb2-ratio"), (1142, "mb2-attack"), (1143, "mb2-release"), (1144, "mb2-makeup"), (1145, "mb2-solo"), (1150, "mb3-threshold"), (1151, "mb3-ratio"), (1152, "mb3-attack"), (1153, "mb3-release"), (1154, "mb3-makeup"), (1155, "mb3-solo"), (1160, "width-on"), (1161, "width"), (1162, "mono-below-on"), (1163, "mono-below"), (1170, "msat-on"), (1171, "msat-drive"), (1172, "msat-mix"), (1180, "lim-on"), (1181, "lim-input"), (1182, "lim-ceiling"), (1183, "lim-lookahead"), (1184, "lim-release"), (1185, "lim-auto"), (1190, "out-gain"), (1195, "master-bypass"),
            (1200, "mono"), (1201, "ab-toggle"), (1202, "platform-preview"), (1203, "monitor-trim"),
        ];
        assert_eq!(ids, pinned);
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
    fn index_is_the_row_position_and_every_other_wire_value_is_refused() {
        for (i, p) in PARAMS.iter().enumerate() {
            assert_eq!(p.id.index(), i, "{}", p.key);
            assert_eq!(p.id.spec(), p, "{}", p.key);
        }
        let ids: Vec<u16> = PARAMS.iter().map(|p| p.id as u16).collect();
        for raw in 0..=u16::MAX {
            assert_eq!(
                ParamId::from_u16(raw).is_some(),
                ids.contains(&raw),
                "{raw}"
            );
        }
    }

    #[test]
    fn groups_give_the_scope_and_keep_their_names() {
        for p in PARAMS {
            // Track ids are below 1000, master ids from 1000 (the wire convention).
            let scope = if (p.id as u16) < 1000 {
                Scope::Track
            } else {
                Scope::Master
            };
            assert_eq!(p.scope, scope, "{}", p.key);
            assert_eq!(p.group.scope(), p.scope, "{}", p.key);
            // Monitoring is ids 1200…, the master chain 1100…1199.
            assert_eq!(p.group == Group::Monitor, p.id as u16 >= 1200, "{}", p.key);
            let chain = (1100..1200).contains(&(p.id as u16));
            assert_eq!(p.group.in_master_chain(), chain, "{}", p.key);
        }
        let names: std::collections::BTreeSet<&str> =
            PARAMS.iter().map(|p| p.group.as_str()).collect();
        assert_eq!(names.len(), 22, "every group has rows, under its own name");
        for (key, name) in [
            ("gain", "fader"),
            ("trim", "input"),
            ("hp-freq", "filters"),
            ("eq2-q", "eq"),
            ("gate-hold", "gate"),
            ("comp-knee", "comp"),
            ("sat-mix", "sat"),
            ("chorus-voices", "chorus"),
            ("phaser-stages", "phaser"),
            ("flanger-feedback", "flanger"),
            ("send2-pre", "sends"),
            ("fade-out-shape", "region"),
            ("master-gain", "master"),
            ("reverb-size", "reverb"),
            ("delay-bpm", "delay"),
            ("meq-tilt", "master-eq"),
            ("mb2-solo", "multiband"),
            ("mono-below", "width"),
            ("msat-drive", "master-sat"),
            ("lim-auto", "limiter"),
            ("master-bypass", "output"),
            ("monitor-trim", "monitor"),
        ] {
            let p = ParamSpec::by_key(key).unwrap();
            assert_eq!(p.group.as_str(), name);
        }
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
        // Every row parses what it formats, to within its display precision.
        for p in PARAMS {
            for t in [0.0f32, 0.3, 0.77, 1.0] {
                let v = p.from_normalized(t);
                let back = p.parse(&p.format(v)).unwrap_or(f32::NAN);
                let tol = (v.abs() * 0.01).max(p.step).max(0.051);
                let silent_floor = p.min_is_silence && v <= p.min + 0.05;
                assert!(
                    silent_floor || (back - v).abs() <= tol,
                    "{}: {v} -> {} -> {back}",
                    p.key,
                    p.format(v)
                );
            }
        }
        assert_eq!(ParamId::HpSlope.spec().parse("24 dB/oct"), Some(24.0));
        assert_eq!(ParamId::HpFreq.spec().parse("1.5 kHz"), Some(1500.0));
    }

    #[test]
    fn log_taper_spends_equal_travel_per_octave() {
        let f = ParamId::Eq2Freq.spec();
        assert!((f.from_normalized(0.0) - 20.0).abs() < 1e-3);
        assert!((f.from_normalized(1.0) - 20_000.0).abs() < 0.5);
        assert!((f.from_normalized(0.5) - 632.46).abs() < 0.1);
        assert!((f.to_normalized(632.46) - 0.5).abs() < 1e-4);
        let g = ParamId::Gain.spec();
        assert!((g.to_normalized(g.from_normalized(0.25)) - 0.25).abs() < 1e-6);
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

//! Typed UI → engine messages.
//!
//! A [`Command`] is a small `Copy` value. Across the worklet boundary it travels as four `f64`
//! words (`[kind, a, b, c]`, see [`Command::to_words`]) inside a `Float64Array`; the wasm shell hands
//! the words to [`Command::from_words`], which validates them. No strings, no JSON.
//! Bulk stem audio does not travel as a command: see [`crate::Engine::begin_track`].

use crate::automation::{Curve, MAX_LANES, MAX_POINTS};
use crate::error::EngineError;
use crate::params::{ParamId, Scope};

/// One change the UI asks of the engine. Applied between `process` calls, never inside one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Command {
    /// Set a track parameter to a value in display units (dB, pan −100…100, toggle 0/1).
    SetTrackParam {
        track: u32,
        param: ParamId,
        value: f32,
    },
    /// Set a master-bus parameter (display units).
    SetMasterParam { param: ParamId, value: f32 },
    /// Start (or resume) playback from the playhead.
    Play,
    /// Stop advancing; the playhead stays where it is (after a 5 ms de-click fade).
    Pause,
    /// Stop and return the playhead to the start.
    Stop,
    /// Move the playhead to this frame (session sample rate), sample-accurately. `serial` is the
    /// UI's count of its seeks, echoed in the meter snapshot (`seek_serial`), so a snapshot taken
    /// before the seek is told apart from one taken after.
    Seek { frame: u64, serial: u32 },
    /// Loop between `start` (inclusive) and `end` (exclusive) frames; `end <= start` clears it.
    SetLoop { start: u64, end: u64 },
    /// Unload a track and free its samples.
    RemoveTrack { track: u32 },
    /// Start integrated loudness, loudness range and peak readings afresh.
    ResetLoudness,
    /// Run the spectrum analyser (only while the UI shows it).
    SetAnalysis { on: bool },
    /// Run the live meters (levels, loudness, correlation); the offline export turns them off.
    SetMetering { on: bool },
    /// Writes breakpoint `index` of automation lane `lane` (made by
    /// [`crate::Engine::add_lane`]): song `frame`, `value` in display units, the `curve` of
    /// the segment to the next point.
    SetLanePoint {
        lane: u32,
        index: u32,
        frame: u64,
        value: f32,
        curve: Curve,
    },
    /// The lane uses its first `len` points.
    SetLaneLength { lane: u32, len: u32 },
    /// Whether the engine follows the lane (read) or not (off: the parameter keeps the lane's
    /// last value until the control sends its own).
    SetLaneReading { lane: u32, on: bool },
    /// Drops a lane (its parameter keeps the last value the lane gave it).
    RemoveLane { lane: u32 },
}

const SET_TRACK_PARAM: f64 = 1.0;
const SET_MASTER_PARAM: f64 = 2.0;
const PLAY: f64 = 3.0;
const PAUSE: f64 = 4.0;
const STOP: f64 = 5.0;
const SEEK: f64 = 6.0;
const SET_LOOP: f64 = 7.0;
const REMOVE_TRACK: f64 = 8.0;
const RESET_LOUDNESS: f64 = 9.0;
const SET_ANALYSIS: f64 = 10.0;
const SET_METERING: f64 = 11.0;
const SET_LANE_POINT: f64 = 12.0;
const SET_LANE_LENGTH: f64 = 13.0;
const SET_LANE_READING: f64 = 14.0;
const REMOVE_LANE: f64 = 15.0;
/// A lane point's first word: `lane · 2^16 + index`.
const INDEX_SPAN: f64 = MAX_POINTS as f64;
/// A lane point's last word: `curve · 2^32 + the value's f32 bits`.
const BITS_SPAN: f64 = 4_294_967_296.0;

/// Largest whole number an f64 word carries exactly.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

impl Command {
    /// Encodes as `[kind, a, b, c]`.
    pub fn to_words(self) -> [f64; 4] {
        match self {
            Command::SetTrackParam {
                track,
                param,
                value,
            } => [
                SET_TRACK_PARAM,
                track as f64,
                param as u16 as f64,
                value as f64,
            ],
            Command::SetMasterParam { param, value } => {
                [SET_MASTER_PARAM, param as u16 as f64, value as f64, 0.0]
            }
            Command::Play => [PLAY, 0.0, 0.0, 0.0],
            Command::Pause => [PAUSE, 0.0, 0.0, 0.0],
            Command::Stop => [STOP, 0.0, 0.0, 0.0],
            Command::Seek { frame, serial } => [SEEK, frame as f64, serial as f64, 0.0],
            Command::SetLoop { start, end } => [SET_LOOP, start as f64, end as f64, 0.0],
            Command::RemoveTrack { track } => [REMOVE_TRACK, track as f64, 0.0, 0.0],
            Command::ResetLoudness => [RESET_LOUDNESS, 0.0, 0.0, 0.0],
            Command::SetAnalysis { on } => [SET_ANALYSIS, on as u8 as f64, 0.0, 0.0],
            Command::SetMetering { on } => [SET_METERING, on as u8 as f64, 0.0, 0.0],
            Command::SetLanePoint {
                lane,
                index,
                frame,
                value,
                curve,
            } => [
                SET_LANE_POINT,
                // An index past a lane's room cannot be packed: it encodes a lane id past the
                // limit, which decoding refuses.
                if (index as usize) < MAX_POINTS {
                    lane as f64 * INDEX_SPAN + index as f64
                } else {
                    MAX_LANES as f64 * INDEX_SPAN
                },
                frame as f64,
                curve as u8 as f64 * BITS_SPAN + value.to_bits() as f64,
            ],
            Command::SetLaneLength { lane, len } => [SET_LANE_LENGTH, lane as f64, len as f64, 0.0],
            Command::SetLaneReading { lane, on } => {
                [SET_LANE_READING, lane as f64, on as u8 as f64, 0.0]
            }
            Command::RemoveLane { lane } => [REMOVE_LANE, lane as f64, 0.0, 0.0],
        }
    }

    /// Decodes and validates four words; anything malformed is an error, never a panic.
    pub fn from_words(w: [f64; 4]) -> Result<Command, EngineError> {
        let [kind, a, b, c] = w;
        Ok(match kind {
            SET_TRACK_PARAM => Command::SetTrackParam {
                track: whole_u32(a)?,
                param: param(b, Scope::Track)?,
                value: finite(c)?,
            },
            SET_MASTER_PARAM => Command::SetMasterParam {
                param: param(a, Scope::Master)?,
                value: finite(b)?,
            },
            PLAY => Command::Play,
            PAUSE => Command::Pause,
            STOP => Command::Stop,
            SEEK => Command::Seek {
                frame: whole(a)?,
                serial: whole_u32(b)?,
            },
            SET_LOOP => Command::SetLoop {
                start: whole(a)?,
                end: whole(b)?,
            },
            REMOVE_TRACK => Command::RemoveTrack {
                track: whole_u32(a)?,
            },
            RESET_LOUDNESS => Command::ResetLoudness,
            SET_ANALYSIS => Command::SetAnalysis { on: a != 0.0 },
            SET_METERING => Command::SetMetering { on: a != 0.0 },
            SET_LANE_POINT => {
                let packed = whole(a)?;
                if packed / MAX_POINTS as u64 >= MAX_LANES as u64 {
                    return Err(EngineError::InvalidValue);
                }
                let lane = (packed / MAX_POINTS as u64) as u32;
                let index = (packed % MAX_POINTS as u64) as u32;
                let word = whole(c)?;
                let curve = u8::try_from(word >> 32)
                    .ok()
                    .and_then(Curve::from_u8)
                    .ok_or(EngineError::InvalidValue)?;
                let value = f32::from_bits(word as u32);
                if lane as usize >= MAX_LANES || !value.is_finite() {
                    return Err(EngineError::InvalidValue);
                }
                Command::SetLanePoint {
                    lane,
                    index,
                    frame: whole(b)?,
                    value,
                    curve,
                }
            }
            SET_LANE_LENGTH => Command::SetLaneLength {
                lane: whole_u32(a)?,
                len: whole_u32(b)?,
            },
            SET_LANE_READING => Command::SetLaneReading {
                lane: whole_u32(a)?,
                on: b != 0.0,
            },
            REMOVE_LANE => Command::RemoveLane {
                lane: whole_u32(a)?,
            },
            _ => return Err(EngineError::UnknownCommand),
        })
    }
}

fn whole(x: f64) -> Result<u64, EngineError> {
    if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= MAX_EXACT {
        Ok(x as u64)
    } else {
        Err(EngineError::InvalidValue)
    }
}

fn whole_u32(x: f64) -> Result<u32, EngineError> {
    u32::try_from(whole(x)?).map_err(|_| EngineError::InvalidValue)
}

fn finite(x: f64) -> Result<f32, EngineError> {
    let v = x as f32;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(EngineError::InvalidValue)
    }
}

fn param(x: f64, scope: Scope) -> Result<ParamId, EngineError> {
    let raw = u16::try_from(whole(x)?).map_err(|_| EngineError::UnknownParam)?;
    let id = ParamId::from_u16(raw).ok_or(EngineError::UnknownParam)?;
    if id.spec().scope == scope {
        Ok(id)
    } else {
        Err(EngineError::UnknownParam)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_round_trips_through_words() {
        let all = [
            Command::SetTrackParam {
                track: 7,
                param: ParamId::Gain,
                value: -6.5,
            },
            Command::SetMasterParam {
                param: ParamId::MasterGain,
                value: 3.0,
            },
            Command::Play,
            Command::Pause,
            Command::Stop,
            Command::Seek {
                frame: 12_345_678_901,
                serial: 7,
            },
            Command::SetLoop {
                start: 44_100,
                end: 88_200,
            },
            Command::RemoveTrack { track: u32::MAX },
            Command::ResetLoudness,
            Command::SetAnalysis { on: true },
            Command::SetMetering { on: false },
            Command::SetLanePoint {
                lane: 4_095,
                index: 65_535,
                frame: 1 << 40,
                value: -6.25,
                curve: Curve::Fast,
            },
            Command::SetLanePoint {
                lane: 0,
                index: 0,
                frame: 0,
                value: f32::MIN_POSITIVE,
                curve: Curve::Linear,
            },
            Command::SetLaneLength { lane: 3, len: 50 },
            Command::SetLaneReading { lane: 3, on: false },
            Command::RemoveLane { lane: 9 },
        ];
        for c in all {
            assert_eq!(Command::from_words(c.to_words()), Ok(c));
        }
    }

    #[test]
    fn malformed_words_are_errors() {
        use EngineError::*;
        let bad: [([f64; 4], EngineError); 13] = [
            ([0.0, 0.0, 0.0, 0.0], UnknownCommand),
            ([f64::NAN, 0.0, 0.0, 0.0], UnknownCommand),
            ([1.0, 1.0, 999.0, 0.0], UnknownParam),
            ([1.0, 1.0, 1001.0, 0.0], UnknownParam), // master param on a track
            ([2.0, 1.0, 0.0, 0.0], UnknownParam),    // track param on the master
            ([1.0, 1.0, 1.0, f64::INFINITY], InvalidValue),
            ([1.0, -1.0, 1.0, 0.0], InvalidValue),
            ([6.0, 1.5, 0.0, 0.0], InvalidValue),
            ([8.0, 5e9, 0.0, 0.0], InvalidValue),
            // A lane point with an unknown curve, a NaN value's bits, a lane past the limit.
            ([12.0, 0.0, 0.0, 3.0 * 4_294_967_296.0], InvalidValue),
            ([12.0, 0.0, 0.0, f32::NAN.to_bits() as f64], InvalidValue),
            ([12.0, 4_096.0 * 65_536.0, 0.0, 0.0], InvalidValue),
            ([12.0, 4_294_967_301.0 * 65_536.0, 0.0, 0.0], InvalidValue),
        ];
        for (w, e) in bad {
            assert_eq!(Command::from_words(w), Err(e), "{w:?}");
        }
    }
}

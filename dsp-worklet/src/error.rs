//! The engine's one error type.

use core::fmt;

/// Everything the engine can refuse. Returned by the message-handler side of the engine
/// ([`crate::Engine::apply`], track loading); `process` itself never fails.
///
/// Each variant has a stable negative [`code`](EngineError::code) so the wasm shell can return it
/// through an `extern "C"` function and the UI can turn it back into words with
/// [`EngineError::from_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// A command named a track id the engine does not hold.
    UnknownTrack,
    /// A track with this id is already loaded.
    DuplicateTrack,
    /// A stem must have 1 (mono) or 2 (stereo) channels.
    UnsupportedChannelCount,
    /// A stem with no frames.
    EmptyTrack,
    /// A stem longer than the engine addresses (2^31 frames, about 12 hours at 48 kHz).
    TrackTooLong,
    /// The command kind word is not one the engine knows.
    UnknownCommand,
    /// The parameter id is not in the parameter table, or is not of the scope the command needs.
    UnknownParam,
    /// A value that is NaN or infinite, or an id/frame that is not a whole non-negative number.
    InvalidValue,
    /// Channel data was written or committed without a track being started first.
    NoPendingTrack,
    /// A stream write or query named a track that is not streamed.
    NotStreamed,
    /// A stream write did not start where the ring's data ends (ask for the want again).
    StreamOutOfOrder,
    /// A streamed track's ring cannot hold what priming and one block read.
    RingTooSmall,
    /// The engine could not get the memory for a track's samples or ring, or for an export's
    /// premix recording (the device is short of memory). Nothing else changed.
    OutOfMemory,
    /// A command named an automation lane the engine does not hold, or a lane id already in use.
    UnknownLane,
}

impl EngineError {
    /// All variants, in code order.
    pub const ALL: [EngineError; 14] = [
        EngineError::UnknownTrack,
        EngineError::DuplicateTrack,
        EngineError::UnsupportedChannelCount,
        EngineError::EmptyTrack,
        EngineError::TrackTooLong,
        EngineError::UnknownCommand,
        EngineError::UnknownParam,
        EngineError::InvalidValue,
        EngineError::NoPendingTrack,
        EngineError::NotStreamed,
        EngineError::StreamOutOfOrder,
        EngineError::RingTooSmall,
        EngineError::OutOfMemory,
        EngineError::UnknownLane,
    ];

    /// Stable numeric code, always negative (0 means success across the wasm boundary).
    pub fn code(self) -> i32 {
        -1 - Self::ALL.iter().position(|e| *e == self).unwrap_or(0) as i32
    }

    /// The error for a code returned by the wasm shell; `None` for 0 or an unknown code.
    pub fn from_code(code: i32) -> Option<Self> {
        if code >= 0 {
            return None;
        }
        Self::ALL.get((-code - 1) as usize).copied()
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            EngineError::UnknownTrack => "the engine has no track with that id",
            EngineError::DuplicateTrack => "a track with that id is already loaded",
            EngineError::UnsupportedChannelCount => {
                "only mono and stereo stems are supported (this one has another channel count)"
            }
            EngineError::EmptyTrack => "the stem has no audio frames",
            EngineError::TrackTooLong => "the stem is longer than the engine can address",
            EngineError::UnknownCommand => "unknown engine command",
            EngineError::UnknownParam => "unknown parameter for this kind of command",
            EngineError::InvalidValue => "a value was not a finite number in range",
            EngineError::NoPendingTrack => "channel data arrived without a track being started",
            EngineError::NotStreamed => "that track is not streamed",
            EngineError::StreamOutOfOrder => {
                "streamed audio arrived out of order (the feeder asks where to continue)"
            }
            EngineError::RingTooSmall => "the streamed track's ring is too small for playback",
            EngineError::OutOfMemory => {
                "the audio engine ran out of memory for it (close other tabs or remove some tracks, then reload)"
            }
            EngineError::UnknownLane => {
                "the engine has no automation lane with that id (or it is taken)"
            }
        };
        f.write_str(text)
    }
}

impl std::error::Error for EngineError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_negative() {
        for e in EngineError::ALL {
            assert!(e.code() < 0);
            assert_eq!(EngineError::from_code(e.code()), Some(e));
        }
        assert_eq!(EngineError::from_code(0), None);
        assert_eq!(EngineError::from_code(-100), None);
    }

    /// dsp-worklet/js/engine-shell.js returns these two codes itself.
    #[test]
    fn codes_the_js_shell_uses_are_pinned() {
        assert_eq!(EngineError::InvalidValue.code(), -8);
        assert_eq!(EngineError::OutOfMemory.code(), -13);
    }
}

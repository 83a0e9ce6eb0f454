//! The one error type of the stem decoder.

use std::fmt;

/// Why a file could not be decoded (or not completely).
///
/// `Display` gives a short sentence for a musician, written to follow the file name, e.g.
/// `format!("{name}: {err}")` reads "drums.pdf: can't be read as audio: it looks like a PDF
/// document". `Debug` keeps the technical detail for logs.
///
/// [`EndsEarly`](Self::EndsEarly), [`Corrupt`](Self::Corrupt) and [`Io`](Self::Io) can arrive
/// after some chunks were already returned: every frame decoded before the problem has been
/// handed out first, so the caller may keep that partial stem if the user agrees.
#[derive(Debug)]
#[non_exhaustive]
pub enum DecodeError {
    /// The file has no bytes at all.
    Empty,
    /// No supported audio format was found in the file.
    NotAudio {
        /// What the first bytes look like, when recognisable: a noun phrase such as
        /// "a PDF document", "a ZIP archive", "text", "a Matroska/WebM media file (not a
        /// supported format)". `None` when nothing is recognised.
        looks_like: Option<&'static str>,
    },
    /// The container was read, but its audio is in a codec this decoder does not have.
    UnsupportedCodec {
        /// Human name of the codec, e.g. "Opus", "Apple Lossless (ALAC)".
        codec: String,
    },
    /// The stream has more than two channels. Detected from the container's parameters, before
    /// any audio is decoded.
    TooManyChannels {
        /// The number of channels the stream declares (3 or more).
        channels: usize,
    },
    /// The header declares a sample rate outside [`MIN_RATE`](super::MIN_RATE)…
    /// [`MAX_RATE`](super::MAX_RATE) (typically a damaged header). Detected before any audio is
    /// decoded.
    UnsupportedRate {
        /// The declared rate in Hz.
        rate: u32,
    },
    /// The stream stopped before the length its header declares (typically a file that was cut
    /// off while copying or downloading). All decoded audio has been returned already.
    ///
    /// Lossless files are checked to the frame. Lossy files may fall up to two codec packets
    /// short without this error, because their declared length can be an estimate (MP3 without
    /// a Xing/VBRI header).
    EndsEarly {
        /// Frames actually decoded, at `sample_rate`.
        decoded_frames: u64,
        /// Frames the header declares, at `sample_rate`.
        declared_frames: u64,
        /// The file's own sample rate in Hz (not the target rate).
        sample_rate: u32,
    },
    /// The audio data is damaged and decoding cannot go on. Audio before this point has been
    /// returned already.
    Corrupt {
        /// Position of the damage in seconds from the start of the stem, when known.
        at_secs: Option<f64>,
        /// Technical detail for logs (not shown by `Display`).
        detail: String,
    },
    /// Reading the file failed.
    Io(std::io::Error),
    /// The sample-rate converter could not be set up or failed (e.g. an unusable target rate).
    Resampler(String),
}

impl DecodeError {
    /// True when another decoder (the browser's own) may read the file: a codec or container
    /// this one does not have, or a format it does not recognise at all (never a file that is
    /// recognisably something else, such as a PDF, nor a damaged or refused one).
    pub fn browser_may_read(&self) -> bool {
        match self {
            DecodeError::UnsupportedCodec { .. } | DecodeError::NotAudio { looks_like: None } => {
                true
            }
            DecodeError::NotAudio {
                looks_like: Some(what),
            } => what.ends_with("(not a supported format)"),
            _ => false,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "can't be read as audio: the file is empty (0 bytes)"),
            DecodeError::NotAudio {
                looks_like: Some(what),
            } => {
                write!(f, "can't be read as audio: it looks like {what}, not audio")
            }
            DecodeError::NotAudio { looks_like: None } => write!(
                f,
                "can't be read as audio: its format isn't recognised \
                 (WAV, AIFF, FLAC, MP3, Ogg Vorbis and M4A/AAC files can be used)"
            ),
            DecodeError::UnsupportedCodec { codec } => write!(
                f,
                "is encoded as {codec}, which can't be decoded here \
                 (export it as WAV or FLAC and try again)"
            ),
            DecodeError::TooManyChannels { channels } => write!(
                f,
                "has {channels} channels; only mono or stereo stems can be used \
                 (export it as separate mono or stereo files)"
            ),
            DecodeError::UnsupportedRate { rate } => write!(
                f,
                "declares a sample rate of {rate} Hz; stems from {} to {} Hz can be used \
                 (the file's header may be damaged)",
                super::MIN_RATE,
                super::MAX_RATE
            ),
            DecodeError::EndsEarly {
                decoded_frames,
                declared_frames,
                sample_rate,
            } => write!(
                f,
                "ends early at {} of {}: the file looks cut off",
                format_time(*decoded_frames, *sample_rate),
                format_time(*declared_frames, *sample_rate)
            ),
            DecodeError::Corrupt {
                at_secs: Some(secs),
                ..
            } => write!(
                f,
                "is damaged at {} and can't be read past that point",
                format_secs(*secs)
            ),
            DecodeError::Corrupt { at_secs: None, .. } => {
                write!(f, "is damaged and can't be read")
            }
            DecodeError::Io(e) => write!(f, "couldn't be read ({e})"),
            DecodeError::Resampler(detail) => {
                write!(
                    f,
                    "couldn't be converted to the session's sample rate ({detail})"
                )
            }
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecodeError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for DecodeError {
    fn from(e: std::io::Error) -> Self {
        DecodeError::Io(e)
    }
}

/// `frames` at `rate` as `m:ss` (or `h:mm:ss`), rounded down to the whole second.
pub(super) fn format_time(frames: u64, rate: u32) -> String {
    format_whole_secs(frames / u64::from(rate.max(1)))
}

/// Seconds as `m:ss` (or `h:mm:ss`), rounded down to the whole second.
pub(super) fn format_secs(secs: f64) -> String {
    format_whole_secs(if secs.is_finite() && secs > 0.0 {
        secs as u64
    } else {
        0
    })
}

fn format_whole_secs(total: u64) -> String {
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_like_a_clock() {
        assert_eq!(format_time(3 * 44_100, 44_100), "0:03");
        assert_eq!(format_time(10 * 44_100 - 1, 44_100), "0:09");
        assert_eq!(format_time(754 * 48_000, 48_000), "12:34");
        assert_eq!(format_time(3_723 * 48_000, 48_000), "1:02:03");
        assert_eq!(format_secs(61.9), "1:01");
        assert_eq!(format_secs(f64::NAN), "0:00");
    }

    #[test]
    fn only_formats_this_decoder_lacks_go_to_the_browser() {
        let codec = DecodeError::UnsupportedCodec {
            codec: "Opus".into(),
        };
        assert!(codec.browser_may_read());
        assert!(DecodeError::NotAudio { looks_like: None }.browser_may_read());
        assert!(
            DecodeError::NotAudio {
                looks_like: Some("a Matroska/WebM media file (not a supported format)")
            }
            .browser_may_read()
        );
        for refused in [
            DecodeError::NotAudio {
                looks_like: Some("a PDF document"),
            },
            DecodeError::NotAudio {
                looks_like: Some("text"),
            },
            DecodeError::Empty,
            DecodeError::TooManyChannels { channels: 6 },
        ] {
            assert!(!refused.browser_may_read(), "{refused:?}");
        }
    }

    #[test]
    fn messages_are_plain_words() {
        let e = DecodeError::EndsEarly {
            decoded_frames: 3 * 44_100,
            declared_frames: 10 * 44_100,
            sample_rate: 44_100,
        };
        assert_eq!(
            e.to_string(),
            "ends early at 0:03 of 0:10: the file looks cut off"
        );
        let e = DecodeError::TooManyChannels { channels: 6 };
        assert!(e.to_string().starts_with("has 6 channels;"));
        let e = DecodeError::NotAudio {
            looks_like: Some("a PDF document"),
        };
        assert_eq!(
            e.to_string(),
            "can't be read as audio: it looks like a PDF document, not audio"
        );
        let e = DecodeError::Corrupt {
            at_secs: Some(83.2),
            detail: "bad huffman".into(),
        };
        assert_eq!(
            e.to_string(),
            "is damaged at 1:23 and can't be read past that point"
        );
        assert!(!e.to_string().contains("huffman"));
    }
}

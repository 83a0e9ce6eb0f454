//! Stem decoding: the plain-Rust core of the decode worker.
//!
//! A dropped file is decoded once, off the audio thread (in a Web Worker in the browser, or any
//! background thread natively), into planar 32-bit float PCM at the session sample rate:
//!
//! 1. [`probe`] reads the file's header through a [`MediaSource`] (which may serve the file in
//!    small pieces) and returns a [`StemDecoder`] whose [`StemInfo`] describes the stream. Files
//!    that are not audio, use an unsupported codec, or have more than two channels are refused
//!    here, before any audio is decoded.
//! 2. [`StemDecoder::set_target_rate`] picks the output sample rate (default: the file's own).
//! 3. [`StemDecoder::next_chunk`] is called until it returns `Ok(None)`. Each [`Chunk`] holds
//!    [`CHUNK_FRAMES`] frames (the last one fewer), one plane per channel. Mono stays mono and
//!    stereo stays stereo. The decoder only ever holds about one chunk of audio plus the
//!    container reader's 64 KiB buffer, so long files never sit in memory whole.
//! 4. [`OverviewBuilder`] can be fed the same chunks to draw the waveform overview.
//!
//! Nothing here is real-time safe (it allocates and blocks on I/O): never call it from the audio
//! thread.
//!
//! Supported inputs: WAV, AIFF, FLAC, MP3, Ogg Vorbis, and AAC in MP4/M4A (and raw ADTS `.aac`).

mod decoder;
mod error;
mod overview;
mod resample;
mod riff_channels;
mod sniff;

pub use decoder::{CHUNK_FRAMES, Chunk, MAX_RATE, MIN_RATE, StemDecoder, StemInfo, probe};
pub use error::DecodeError;
pub use overview::OverviewBuilder;
pub use symphonia::core::io::MediaSource;

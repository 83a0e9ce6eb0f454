//! Probing a file and decoding it chunk by chunk.

use std::io::ErrorKind;
use std::sync::{Arc, Mutex};

use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::codecs::audio::{AudioCodecId, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use super::error::DecodeError;
use super::resample::{StreamResampler, scale_frames};
use super::sniff::{HeadRecorder, Sniffed, describe};

/// Frames per [`Chunk`] (every chunk but the last has exactly this many).
pub const CHUNK_FRAMES: usize = 16_384;
/// Lowest accepted target sample rate, in Hz.
pub const MIN_RATE: u32 = 8_000;
/// Highest accepted target sample rate, in Hz.
pub const MAX_RATE: u32 = 384_000;

/// A jump forward in packet timestamps longer than this is reported as damage.
const MAX_GAP_SECS: f64 = 0.001;

/// What [`probe`] found out about a file, before decoding any audio.
#[derive(Debug, Clone, PartialEq)]
pub struct StemInfo {
    /// Container format, e.g. "Waveform Audio File Format", "Free Lossless Audio Codec Native".
    pub format_name: &'static str,
    /// Codec of the audio track, e.g. "PCM signed 16-bit little-endian interleaved", "MPEG
    /// Audio Layer 3", "Advanced Audio Coding".
    pub codec_name: &'static str,
    /// 1 (mono) or 2 (stereo). Output chunks have this many planes.
    pub channels: usize,
    /// The file's sample rate in Hz.
    pub source_rate: u32,
    /// Length the header declares, in frames at `source_rate` (after removing encoder delay and
    /// padding where the file says how much). `None` when the header does not say. For MP3
    /// files without a Xing/VBRI header it is an estimate from the bit rate.
    pub declared_frames: Option<u64>,
    /// `declared_frames` in seconds.
    pub duration_secs: Option<f64>,
    /// Samples that were NaN or ±infinity in the file (possible in float WAVs) and were replaced
    /// by 0.0. Counted as decoding goes: final once [`StemDecoder::next_chunk`] has returned
    /// `Ok(None)` or an error. Non-finite values never appear in the output.
    pub non_finite_samples: u64,
}

/// A piece of decoded audio at the target rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// One plane per channel (1 or 2), all the same length: linear sample values, nominally in
    /// −1.0…1.0 (decoded lossy audio or float files can exceed that; it is not clipped).
    pub planes: Vec<Vec<f32>>,
    /// Index, at the target rate, of this chunk's first frame within the stem.
    pub first_frame: u64,
}

impl Chunk {
    /// Frames in this chunk (samples per plane).
    pub fn frames(&self) -> usize {
        self.planes.first().map_or(0, Vec::len)
    }
}

enum State {
    /// `next_chunk` has not been called yet: the target rate may still change.
    Fresh,
    Decoding,
    /// The source is exhausted (or failed): flush the resampler, then report the error if any.
    Flushing(Option<DecodeError>),
    Draining(Option<DecodeError>),
    Done,
}

/// Decodes one file into planar `f32` chunks at the target rate. Create it with [`probe`].
///
/// Blocking and allocating: run it in a worker, never on the audio thread.
pub struct StemDecoder {
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    info: StemInfo,
    target_rate: u32,
    state: State,
    /// Frames decoded from the file so far (source rate).
    decoded_frames: u64,
    /// Frames handed out in chunks so far (target rate).
    frames_out: u64,
    /// Decoded audio not yet passed on (source rate), one `Vec` per channel.
    decoded: Vec<Vec<f32>>,
    /// Output not yet handed out (target rate), one `Vec` per channel.
    out: Vec<Vec<f32>>,
    resampler: Option<StreamResampler>,
    /// Track time base as (numerator, denominator) seconds per tick, for spotting gaps.
    time_base: Option<(u32, u32)>,
    /// Where the next packet should start, in time-base ticks.
    next_pts: Option<i64>,
    /// A short stream is allowed to fall this many frames short of its declared length without
    /// an [`DecodeError::EndsEarly`] (declared lengths of lossy files can be estimates).
    length_slack: u64,
}

/// Opens a file and reads its header: container, codec, channels, rate and declared length.
///
/// `source` is read from the start, in whatever piece sizes it serves; it need not be seekable
/// (if it is, trailing tags such as ID3v1 are read too). `hint_extension` is the file name's
/// extension without the dot (e.g. `"mp3"`), used only to speed up format detection.
///
/// Refuses, before decoding any audio: files that are not a supported audio format
/// ([`DecodeError::Empty`], [`DecodeError::NotAudio`]), unsupported codecs
/// ([`DecodeError::UnsupportedCodec`]) and streams with more than two channels
/// ([`DecodeError::TooManyChannels`]). The channel count comes from the container's
/// parameters, which every supported format declares; only if a file did not would the first
/// packet be decoded here to find out (and kept for the first chunk).
///
/// Blocking: call it off the audio thread.
pub fn probe(
    source: Box<dyn MediaSource>,
    hint_extension: Option<&str>,
) -> Result<StemDecoder, DecodeError> {
    if source.byte_len() == Some(0) {
        return Err(DecodeError::Empty);
    }
    let mut source = source;
    if source.is_seekable() {
        super::riff_channels::check(&mut source)?;
    }
    let (recorder, head) = HeadRecorder::new(source);
    let mss = MediaSourceStream::new(Box::new(recorder), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = hint_extension {
        hint.with_extension(ext.trim_start_matches('.'));
    }
    let reader = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| probe_failure(e, &head))?;
    StemDecoder::new(reader)
}

/// Turns a failed probe into an error naming what the file looks like.
fn probe_failure(err: SymphoniaError, head: &Arc<Mutex<Vec<u8>>>) -> DecodeError {
    let err = match err {
        SymphoniaError::IoError(e) if e.kind() != ErrorKind::UnexpectedEof => {
            return DecodeError::Io(e);
        }
        other => other,
    };
    let head = head.lock().unwrap_or_else(|e| e.into_inner());
    match describe(&head) {
        Sniffed::Empty => DecodeError::Empty,
        Sniffed::SupportedAudio => match err {
            SymphoniaError::Unsupported(what) => DecodeError::UnsupportedCodec {
                codec: format!("an unsupported variant of its format ({what})"),
            },
            other => DecodeError::Corrupt {
                at_secs: None,
                detail: other.to_string(),
            },
        },
        Sniffed::Other(what) => DecodeError::NotAudio {
            looks_like: Some(what),
        },
        Sniffed::Unknown => DecodeError::NotAudio { looks_like: None },
    }
}

/// A name a musician may recognise for a codec this decoder cannot decode.
fn codec_display_name(id: AudioCodecId) -> String {
    let known: &[(AudioCodecId, &str)] = &[
        (CODEC_ID_OPUS, "Opus"),
        (CODEC_ID_ALAC, "Apple Lossless (ALAC)"),
        (CODEC_ID_AC3, "Dolby Digital (AC-3)"),
        (CODEC_ID_EAC3, "Dolby Digital Plus (E-AC-3)"),
        (CODEC_ID_AC4, "Dolby AC-4"),
        (CODEC_ID_TRUEHD, "Dolby TrueHD"),
        (CODEC_ID_DCA, "DTS"),
        (CODEC_ID_WMA, "Windows Media Audio"),
        (CODEC_ID_SPEEX, "Speex"),
        (CODEC_ID_MUSEPACK, "Musepack"),
        (CODEC_ID_MP1, "MPEG Layer 1 (MP1)"),
        (CODEC_ID_MP2, "MPEG Layer 2 (MP2)"),
        (CODEC_ID_WAVPACK, "WavPack"),
        (CODEC_ID_MONKEYS_AUDIO, "Monkey's Audio (APE)"),
        (CODEC_ID_TTA, "True Audio (TTA)"),
        (CODEC_ID_ADPCM_MS, "Microsoft ADPCM"),
        (CODEC_ID_ADPCM_IMA_WAV, "IMA ADPCM"),
        (CODEC_ID_ADPCM_IMA_QT, "IMA ADPCM (QuickTime)"),
        (CODEC_ID_ADPCM_G722, "G.722 ADPCM"),
        (CODEC_ID_ADPCM_G726, "G.726 ADPCM"),
        (CODEC_ID_ADPCM_G726LE, "G.726 ADPCM"),
        (CODEC_ID_ATRAC3, "ATRAC3"),
        (CODEC_ID_ATRAC3PLUS, "ATRAC3+"),
        (CODEC_ID_SBC, "Bluetooth SBC"),
        (CODEC_ID_APTX, "aptX"),
    ];
    match known.iter().find(|(k, _)| *k == id) {
        Some((_, name)) => (*name).to_string(),
        None => format!("an unrecognised codec (id {id})"),
    }
}

fn is_pcm(id: AudioCodecId) -> bool {
    (CODEC_ID_PCM_S32LE..=CODEC_ID_PCM_MULAW).contains(&id)
}

impl StemDecoder {
    fn new(reader: Box<dyn FormatReader>) -> Result<Self, DecodeError> {
        let format_name = reader.format_info().long_name;
        let track = reader
            .default_track(TrackType::Audio)
            .or_else(|| reader.first_track(TrackType::Audio))
            .cloned()
            .ok_or(DecodeError::NotAudio {
                looks_like: Some("a media file with no audio track"),
            })?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .cloned()
            .ok_or(DecodeError::NotAudio {
                looks_like: Some("a media file with no audio track"),
            })?;

        // Refuse from the parameters alone, before any packet is decoded.
        let declared_channels = params.channels.as_ref().map(|c| c.count());
        if let Some(n) = declared_channels
            && n > 2
        {
            return Err(DecodeError::TooManyChannels { channels: n });
        }
        let codecs = symphonia::default::get_codecs();
        if codecs.get_audio_decoder(params.codec).is_none() {
            return Err(DecodeError::UnsupportedCodec {
                codec: codec_display_name(params.codec),
            });
        }
        let decoder = codecs
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| match e {
                SymphoniaError::Unsupported(what) => DecodeError::UnsupportedCodec {
                    codec: format!("{} ({what})", codec_display_name(params.codec)),
                },
                other => DecodeError::Corrupt {
                    at_secs: None,
                    detail: other.to_string(),
                },
            })?;
        let codec_name = decoder.codec_info().long_name;

        let lossless = is_pcm(params.codec) || params.codec == CODEC_ID_FLAC;
        let length_slack = if lossless {
            0
        } else {
            2 * params.max_frames_per_packet.unwrap_or(2048).max(1152)
        };

        let mut stem = StemDecoder {
            reader,
            decoder,
            track_id: track.id,
            info: StemInfo {
                format_name,
                codec_name,
                channels: declared_channels.unwrap_or(0),
                source_rate: params.sample_rate.unwrap_or(0),
                declared_frames: track.num_frames,
                duration_secs: None,
                non_finite_samples: 0,
            },
            target_rate: 0,
            state: State::Fresh,
            decoded_frames: 0,
            frames_out: 0,
            decoded: Vec::new(),
            out: Vec::new(),
            resampler: None,
            time_base: track.time_base.map(|tb| (tb.numer.get(), tb.denom.get())),
            next_pts: None,
            length_slack,
        };

        // A few containers only reveal channels or rate in the decoded audio: decode until the
        // first audio arrives (kept for the first chunk) and check it then.
        if stem.info.channels == 0 || stem.info.source_rate == 0 {
            match stem.pull() {
                Ok(true) => {}
                Ok(false) => {
                    return Err(DecodeError::Corrupt {
                        at_secs: None,
                        detail: "no audio could be decoded".into(),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        if !(MIN_RATE..=MAX_RATE).contains(&stem.info.source_rate) {
            // A damaged rate would otherwise size the converter's FFT from it (gigabytes for a
            // rate of millions of Hz).
            return Err(DecodeError::UnsupportedRate {
                rate: stem.info.source_rate,
            });
        }
        stem.target_rate = stem.info.source_rate;
        stem.info.duration_secs = stem
            .info
            .declared_frames
            .map(|f| f as f64 / f64::from(stem.info.source_rate));
        stem.out = vec![Vec::new(); stem.info.channels];
        Ok(stem)
    }

    /// What the header says about the stream (and the running count of replaced NaN/Inf).
    pub fn info(&self) -> &StemInfo {
        &self.info
    }

    /// The output sample rate in Hz: the file's own rate unless changed by
    /// [`set_target_rate`](Self::set_target_rate).
    pub fn target_rate(&self) -> u32 {
        self.target_rate
    }

    /// Sets the output sample rate in Hz ([`MIN_RATE`]…[`MAX_RATE`]). Must be called before the
    /// first [`next_chunk`](Self::next_chunk).
    ///
    /// When `rate` equals the file's rate, samples pass through untouched (bit-exact as
    /// decoded). Otherwise they are converted with a linear-phase windowed-sinc FFT resampler
    /// whose delay is compensated: output frame 0 is input time 0, and the stem is
    /// `round(input_frames × rate / source_rate)` frames long.
    pub fn set_target_rate(&mut self, rate: u32) -> Result<(), DecodeError> {
        if !matches!(self.state, State::Fresh) {
            return Err(DecodeError::Resampler(
                "the target rate must be set before decoding starts".into(),
            ));
        }
        if !(MIN_RATE..=MAX_RATE).contains(&rate) {
            return Err(DecodeError::Resampler(format!(
                "{rate} Hz is outside {MIN_RATE}…{MAX_RATE} Hz"
            )));
        }
        self.target_rate = rate;
        Ok(())
    }

    /// The declared length converted to the target rate, in frames (what the finished stem
    /// will hold if the file is intact). Useful as the estimate for [`OverviewBuilder`].
    ///
    /// [`OverviewBuilder`]: super::OverviewBuilder
    pub fn expected_output_frames(&self) -> Option<u64> {
        let declared = self.info.declared_frames?;
        Some(scale_frames(
            declared,
            self.info.source_rate,
            self.target_rate,
        ))
    }

    /// Frames (at the target rate) handed out in chunks so far.
    pub fn frames_out_so_far(&self) -> u64 {
        self.frames_out
    }

    /// Decodes the next [`CHUNK_FRAMES`] frames (fewer for the last chunk).
    ///
    /// Returns `Ok(None)` at the end of the stem. An error that happens part-way
    /// ([`DecodeError::EndsEarly`], [`DecodeError::Corrupt`], [`DecodeError::Io`]) is returned
    /// only after every frame decoded before it has been returned in chunks; after any error,
    /// further calls return `Ok(None)`.
    ///
    /// Blocking (reads the source): call it off the audio thread.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, DecodeError> {
        loop {
            if self.out.first().is_some_and(|p| p.len() >= CHUNK_FRAMES) {
                return Ok(Some(self.take_chunk(CHUNK_FRAMES)));
            }
            match std::mem::replace(&mut self.state, State::Done) {
                State::Fresh => {
                    if self.target_rate != self.info.source_rate {
                        self.resampler = Some(StreamResampler::new(
                            self.info.source_rate,
                            self.target_rate,
                            self.info.channels,
                        )?);
                    }
                    // Audio decoded while probing, if any.
                    self.forward()?;
                    self.state = State::Decoding;
                }
                State::Decoding => match self.pull() {
                    Ok(true) => {
                        self.forward()?;
                        self.state = State::Decoding;
                    }
                    Ok(false) => self.state = State::Flushing(self.shortfall()),
                    Err(e) => self.state = State::Flushing(Some(e)),
                },
                State::Flushing(pending) => {
                    self.forward()?;
                    if let Some(resampler) = &mut self.resampler {
                        resampler.finish(&mut self.out)?;
                    }
                    self.state = State::Draining(pending);
                }
                State::Draining(pending) => {
                    let left = self.out.first().map_or(0, Vec::len);
                    if left > 0 {
                        self.state = State::Draining(pending);
                        return Ok(Some(self.take_chunk(left.min(CHUNK_FRAMES))));
                    }
                    return match pending {
                        Some(e) => Err(e),
                        None => Ok(None),
                    };
                }
                State::Done => return Ok(None),
            }
        }
    }

    /// The `EndsEarly` error if the stream stopped short of its declared length.
    fn shortfall(&self) -> Option<DecodeError> {
        let declared = self.info.declared_frames?;
        (self.decoded_frames + self.length_slack < declared).then_some(DecodeError::EndsEarly {
            decoded_frames: self.decoded_frames,
            declared_frames: declared,
            sample_rate: self.info.source_rate,
        })
    }

    fn take_chunk(&mut self, frames: usize) -> Chunk {
        let planes = self
            .out
            .iter_mut()
            .map(|plane| {
                let rest = plane.split_off(frames);
                std::mem::replace(plane, rest)
            })
            .collect();
        let chunk = Chunk {
            planes,
            first_frame: self.frames_out,
        };
        self.frames_out += frames as u64;
        chunk
    }

    /// Passes decoded audio on to the output queue, through the resampler if there is one.
    fn forward(&mut self) -> Result<(), DecodeError> {
        if self.decoded.first().is_none_or(Vec::is_empty) {
            return Ok(());
        }
        match &mut self.resampler {
            Some(resampler) => {
                resampler.push(&self.decoded, &mut self.out)?;
                self.decoded.iter_mut().for_each(Vec::clear);
            }
            None => {
                for (out, plane) in self.out.iter_mut().zip(&mut self.decoded) {
                    if out.is_empty() {
                        std::mem::swap(out, plane);
                    } else {
                        out.append(plane);
                    }
                }
            }
        }
        Ok(())
    }

    fn position_secs(&self) -> Option<f64> {
        (self.info.source_rate > 0)
            .then(|| self.decoded_frames as f64 / f64::from(self.info.source_rate))
    }

    fn corrupt(&self, detail: String) -> DecodeError {
        DecodeError::Corrupt {
            at_secs: self.position_secs(),
            detail,
        }
    }

    /// Reads and decodes packets until one yields audio, appending it to `self.decoded`.
    /// `Ok(false)` at the end of the stream.
    fn pull(&mut self) -> Result<bool, DecodeError> {
        loop {
            let packet = match self.reader.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return Ok(false),
                // A file cut off mid-packet.
                Err(SymphoniaError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                    return Ok(false);
                }
                Err(SymphoniaError::IoError(e)) => return Err(DecodeError::Io(e)),
                Err(e) => return Err(self.corrupt(e.to_string())),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            // Demuxers skip over damaged stretches and resynchronise (FLAC does); a jump in the
            // timestamps would silently shift everything after it, so it ends decoding here.
            if let (Some(expected), Some((numer, denom))) = (self.next_pts, self.time_base) {
                let gap = packet.pts.get().saturating_sub(expected);
                if gap as f64 * f64::from(numer) / f64::from(denom) > MAX_GAP_SECS {
                    return Err(self.corrupt(format!("{gap} ticks of audio missing")));
                }
            }
            self.next_pts = Some(
                packet
                    .pts
                    .get()
                    .saturating_add(packet.block_dur().get() as i64),
            );
            let buf = match self.decoder.decode(&packet) {
                Ok(buf) => buf,
                Err(SymphoniaError::IoError(e)) if e.kind() != ErrorKind::UnexpectedEof => {
                    return Err(DecodeError::Io(e));
                }
                Err(e) => {
                    let detail = e.to_string();
                    return Err(self.corrupt(detail));
                }
            };
            let mut frames = buf.frames();
            // Some decoders (AAC) always return a whole codec frame, also for the last packet of
            // an MP4 track whose declared duration is shorter (the encoder's end padding): keep
            // only the packet's duration when it is counted in frames.
            if self.time_base == Some((1, self.info.source_rate)) {
                frames =
                    frames.min(usize::try_from(packet.block_dur().get()).unwrap_or(usize::MAX));
            }
            if frames == 0 {
                continue;
            }
            let (channels, rate) = (buf.spec().channels().count(), buf.spec().rate());
            if self.info.channels == 0 {
                if channels > 2 {
                    return Err(DecodeError::TooManyChannels { channels });
                }
                self.info.channels = channels;
            }
            if self.info.source_rate == 0 {
                self.info.source_rate = rate;
            }
            if channels != self.info.channels || rate != self.info.source_rate || channels == 0 {
                return Err(self.corrupt(format!(
                    "stream changes from {} ch {} Hz to {channels} ch {rate} Hz",
                    self.info.channels, self.info.source_rate
                )));
            }
            if self.decoded.len() != channels {
                self.decoded = vec![Vec::new(); channels];
            }
            let start = self.decoded[0].len();
            for plane in &mut self.decoded {
                plane.resize(start + frames, 0.0);
            }
            let mut dst: Vec<&mut [f32]> =
                self.decoded.iter_mut().map(|p| &mut p[start..]).collect();
            buf.slice(..frames).copy_to_slice_planar::<f32, _>(&mut dst);
            for plane in &mut dst {
                for s in plane.iter_mut() {
                    if !s.is_finite() {
                        *s = 0.0;
                        self.info.non_finite_samples += 1;
                    }
                }
            }
            self.decoded_frames += frames as u64;
            return Ok(true);
        }
    }
}

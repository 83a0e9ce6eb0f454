//! Turns a dropped file into a decoded stem at the session rate (main thread).

use dsp_worklet::overview::waveform_overview;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AudioBuffer, AudioContext, File};

use crate::error::{AppError, js_detail};
use crate::formats::sniff;

/// Columns in a strip's waveform overview.
pub const OVERVIEW_COLUMNS: usize = 600;

/// A decoded stem, ready for the engine.
pub struct DecodedStem {
    pub file_name: String,
    /// Chromium's decoded audio, resampled to the context rate.
    pub buffer: AudioBuffer,
    /// The file's bytes, kept so an export at another rate can decode it again at that rate.
    pub bytes: js_sys::ArrayBuffer,
    /// The file's own rate when the container says it (WAV), else the session rate.
    pub source_rate: f32,
    pub overview: Vec<(f32, f32)>,
}

/// Reads a file's bytes.
pub async fn read_file(file: &File) -> Result<js_sys::ArrayBuffer, AppError> {
    let name = file.name();
    if file.size() == 0.0 {
        return Err(AppError::EmptyFile { file: name });
    }
    let bytes = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| AppError::Unreadable {
            file: name.clone(),
            detail: js_detail(&e),
        })?;
    Ok(bytes.unchecked_into())
}

/// Reads and decodes `file` with `decodeAudioData` (which resamples to `ctx`'s rate).
pub async fn decode_file(ctx: &AudioContext, file: &File) -> Result<DecodedStem, AppError> {
    let array = read_file(file).await?;
    decode_bytes(ctx, file.name(), &array).await
}

/// Decodes a file's bytes (kept intact: a copy goes to the decoder).
pub async fn decode_bytes(
    ctx: &AudioContext,
    name: String,
    bytes: &js_sys::ArrayBuffer,
) -> Result<DecodedStem, AppError> {
    if bytes.byte_length() == 0 {
        return Err(AppError::EmptyFile { file: name });
    }
    let array = bytes.slice(0);
    let original = bytes.clone();
    let head =
        js_sys::Uint8Array::new_with_byte_offset_and_length(&array, 0, array.byte_length().min(64))
            .to_vec();
    let content = sniff::identify(&head);
    // decodeAudioData detaches the buffer it is given; the header read above is all we keep.
    let promise = ctx
        .decode_audio_data(&array)
        .map_err(|e| AppError::Undecodable {
            file: name.clone(),
            why: content.why_undecodable().into(),
            detail: js_detail(&e),
        })?;
    let buffer: AudioBuffer = JsFuture::from(promise)
        .await
        .map_err(|e| AppError::Undecodable {
            file: name.clone(),
            why: content.why_undecodable().into(),
            detail: js_detail(&e),
        })?
        .unchecked_into();
    let channels = buffer.number_of_channels();
    if channels > 2 {
        return Err(AppError::TooManyChannels {
            file: name,
            channels,
        });
    }
    let data: Vec<Vec<f32>> = (0..channels)
        .filter_map(|ch| buffer.get_channel_data(ch).ok())
        .collect();
    let refs: Vec<&[f32]> = data.iter().map(|c| c.as_slice()).collect();
    let overview = waveform_overview(&refs, OVERVIEW_COLUMNS);
    let source_rate = wav_rate(&head).unwrap_or(buffer.sample_rate());
    Ok(DecodedStem {
        file_name: name,
        buffer,
        bytes: original,
        source_rate,
        overview,
    })
}

/// The sample rate in a WAV header, read with hound.
fn wav_rate(head: &[u8]) -> Option<f32> {
    // hound wants the whole fmt chunk; the first 64 bytes hold it for ordinary files.
    hound::WavReader::new(std::io::Cursor::new(head))
        .ok()
        .map(|r| r.spec().sample_rate as f32)
}

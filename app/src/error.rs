//! The app's one error type: every message a user can see, naming the file and what is wrong.

use core::fmt;
use dsp_worklet::EngineError;

/// Something the app could not do. `Display` is the sentence shown in an `error` banner.
#[derive(Clone, Debug, PartialEq)]
pub enum AppError {
    /// A dropped file has no bytes.
    EmptyFile { file: String },
    /// Chromium's decoder refused a file; `why` says what the bytes look like, `detail` is the
    /// browser's own words.
    Undecodable {
        file: String,
        why: String,
        detail: String,
    },
    /// A file the decode Worker could not take; `message` names the file and what is wrong.
    Decode { message: String },
    /// A file decoded to more than two channels.
    TooManyChannels { file: String, channels: u32 },
    /// A file could not be read from disk.
    Unreadable { file: String, detail: String },
    /// Web Audio or the worklet could not be started.
    AudioUnavailable { detail: String },
    /// The engine refused a command or a stem.
    Engine {
        file: Option<String>,
        error: EngineError,
    },
    /// An export that would be silent.
    NothingToExport { reason: String },
    /// An export that failed part-way.
    Export { detail: String },
    /// An export refused because a track's stem is not in the audio engine (refused there, or
    /// never posted): the file would leave it out. `why` completes "… because ".
    StemNotInEngine { file: String, why: String },
    /// A share link that cannot be opened; `detail` completes "This share link …".
    BadLink { detail: String },
    /// A session bundle that cannot be opened.
    BadBundle { file: String, detail: String },
    /// A file dropped into a placeholder by name whose bytes differ from the link's file.
    DifferentFile { file: String, strip: String },
    /// A file this app's decoder cannot read, decoded by the browser's instead (`why`: the
    /// reason this app's could not). Loaded: a note, not a failure.
    DecodedByBrowser { file: String, why: String },
    /// The browser gives this page no private file storage (OPFS): stems are kept in memory, up
    /// to `limit_bytes` of decoded audio (said once, with the first such stem).
    StemsInMemory { limit_bytes: f64 },
    /// A comment that cannot be added.
    Comment { detail: String },
    /// Automation that cannot be written (strip silence finding more passages than a lane holds).
    Automation { detail: String },
    /// Autosave (IndexedDB) failed.
    Autosave { detail: String },
    /// A link or bundle of this very session with nothing in it that differs: no review opens.
    NothingToReview,
    /// Another tab owns this browser's autosave, so this one neither restores nor saves it.
    AutosaveInAnotherTab,
    /// The tab that owned the autosave closed and this one keeps it now; `restored` when this
    /// tab was empty and opened that tab's saved session.
    AutosaveTakenOver { restored: bool },
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::EmptyFile { file } => {
                write!(
                    f,
                    "{file}: could not be loaded: the file is empty (0 bytes)."
                )
            }
            AppError::Undecodable { file, why, detail } => {
                write!(f, "{file}: could not be decoded: {why}. ({detail})")
            }
            AppError::Decode { message } => write!(f, "{message}."),
            AppError::TooManyChannels { file, channels } => write!(
                f,
                "{file}: has {channels} channels; Second Ear mixes mono and stereo stems. Export it as stereo stems first."
            ),
            AppError::Unreadable { file, detail } => {
                write!(f, "{file}: could not be read: {detail}")
            }
            AppError::AudioUnavailable { detail } => {
                write!(f, "Audio could not be started in this browser: {detail}")
            }
            AppError::Engine {
                file: Some(file),
                error,
            } => {
                write!(f, "{file}: the audio engine refused it: {error}.")
            }
            AppError::Engine { file: None, error } => {
                write!(f, "The audio engine refused a change: {error}.")
            }
            AppError::NothingToExport { reason } => f.write_str(reason),
            AppError::Export { detail } => write!(f, "Export failed: {detail}"),
            AppError::StemNotInEngine { file, why } => write!(
                f,
                "Not exported: “{file}” is not playing in the audio engine, because {why}, so the file would leave it out. Remove that track or reload the page, then export again."
            ),
            AppError::BadLink { detail } => write!(
                f,
                "This share link {detail}. Your current session is unchanged."
            ),
            AppError::BadBundle { file, detail } => {
                write!(f, "{file}: {detail}. Your current session is unchanged.")
            }
            AppError::DifferentFile { file, strip } => write!(
                f,
                "{file}: different file than the one in the link (its contents differ), loaded into “{strip}” anyway. The mix may not sound as the sender heard it."
            ),
            AppError::DecodedByBrowser { file, why } => write!(
                f,
                "{file}: decoded by the browser (Second Ear's own decoder cannot read it: \
                 {why}). It is loaded; the browser's decoder and resampler made its samples."
            ),
            AppError::StemsInMemory { limit_bytes } => write!(
                f,
                "This browser gives this page no private file storage (as some private windows \
                 do), so stems are kept in memory: up to {:.0} MB of decoded audio, about {:.0} \
                 stereo stem-minutes at 48 kHz. After a reload they are decoded again from the \
                 original files.",
                limit_bytes / 1e6,
                limit_bytes / (48_000.0 * 60.0 * 2.0 * 4.0)
            ),
            AppError::Comment { detail } => write!(f, "Comment not added: {detail}."),
            AppError::Automation { detail } => write!(f, "Automation not written: {detail}."),
            AppError::Autosave { detail } => write!(f, "Autosave failed: {detail}"),
            AppError::AutosaveInAnotherTab => f.write_str(
                "Second Ear is open in another tab, which keeps this browser's autosave: work in \
                 this tab is not saved automatically until that tab closes (Download session \
                 keeps it).",
            ),
            AppError::AutosaveTakenOver { restored: true } => f.write_str(
                "The other Second Ear tab was closed: its saved session is open here, and this \
                 tab keeps the autosave now.",
            ),
            AppError::AutosaveTakenOver { restored: false } => f.write_str(
                "The other Second Ear tab was closed: this tab keeps the autosave now, so from \
                 your next change it saves this session in place of that tab's.",
            ),
            AppError::NothingToReview => f.write_str(
                "That is this session as it stands: no setting differs and there are no new \
                 comments, so there is nothing to review.",
            ),
        }
    }
}

impl std::error::Error for AppError {}

/// Readable text for a JS exception or rejection value (`DOMException` name and message).
pub fn js_detail(value: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        let name: String = e.name().into();
        let msg: String = e.message().into();
        return format!("{name}: {msg}");
    }
    value
        .as_string()
        .unwrap_or_else(|| "unknown browser error".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_the_reason() {
        let e = AppError::Undecodable {
            file: "notes.wav".into(),
            why: "it contains text, not audio".into(),
            detail: "EncodingError: Unable to decode audio data".into(),
        };
        let s = e.to_string();
        assert!(s.starts_with("notes.wav: ") && s.contains("text, not audio"));
        assert!(
            AppError::EmptyFile {
                file: "empty.wav".into()
            }
            .to_string()
            .contains("empty.wav")
        );
    }
}

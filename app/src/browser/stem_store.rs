//! The stem store on disk: decoded stems in the origin-private file system (OPFS), so a
//! session's size is bounded by the disk rather than by memory (main thread and Workers).
//!
//! Layout, in the OPFS directory [`DIR`]:
//! - `<sha256>-<rate>-<ch>.f32`: channel `ch` (0 = left/mono, 1 = right) of the stem whose
//!   original file has that SHA-256 (lower-case hex, the key share links use), decoded and
//!   converted to `rate` Hz: little-endian `f32` samples, one per frame, nothing else.
//! - `<sha256>-<rate>.json`: its [`StoredStem`] manifest, written last: a stem is in the store
//!   only once its manifest is, so a crash while decoding leaves no half stem that looks whole.
//!
//! Only a decode Worker writes (through `FileSystemSyncAccessHandle`s, which exist only in
//! dedicated Workers); any thread reads, through `getFile()`.

use js_sys::{Float32Array, Promise};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetDirectoryOptions,
    FileSystemGetFileOptions, StorageEstimate, StorageManager, Window, WorkerGlobalScope,
};

use crate::error::js_detail;

/// The store's directory in the origin-private file system.
pub const DIR: &str = "stems";

/// What the store knows of one decoded stem (its manifest).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredStem {
    /// Lower-case hex SHA-256 of the original file's bytes.
    pub sha256: String,
    /// Sample rate of the stored samples, Hz (the session's).
    pub rate: u32,
    /// 1 (mono) or 2 (stereo).
    pub channels: u32,
    /// Frames per channel at `rate`.
    pub frames: u64,
    /// The original file's sample rate, Hz.
    pub source_rate: u32,
    /// Waveform overview: (min, max) per column over all channels, −1…1.
    pub overview: Vec<(f32, f32)>,
    /// What the file was, e.g. "FLAC / Free Lossless Audio Codec" (for messages).
    pub format: String,
    /// Set when the file ends before its header says it should: how ("ends early at 0:03 of
    /// 0:10: …"). The store then holds what decoded, and the user decides whether to use it.
    #[serde(default)]
    pub cut: Option<String>,
    /// Set when this app's decoder could not read the file and the browser's decoded it
    /// (`decodeAudioData`, its resampler): why this app's could not.
    #[serde(default)]
    pub decoded_by_browser: Option<String>,
}

impl StoredStem {
    /// Bytes the stem takes in the store.
    pub fn bytes(&self) -> f64 {
        self.frames as f64 * self.channels as f64 * 4.0
    }
}

/// File name of channel `ch` of a stem at `rate`.
pub fn channel_file(sha256: &str, rate: u32, ch: u32) -> String {
    format!("{sha256}-{rate}-{ch}.f32")
}

/// File name of a stem's manifest at `rate`.
pub fn manifest_file(sha256: &str, rate: u32) -> String {
    format!("{sha256}-{rate}.json")
}

/// `navigator.storage` of this thread (window or Worker).
pub fn storage_manager() -> Result<StorageManager, String> {
    let global = js_sys::global();
    if let Some(w) = global.dyn_ref::<Window>() {
        return Ok(w.navigator().storage());
    }
    if let Some(w) = global.dyn_ref::<WorkerGlobalScope>() {
        return Ok(w.navigator().storage());
    }
    Err("this browser context has no navigator.storage".into())
}

async fn call(promise: Promise) -> Result<JsValue, String> {
    JsFuture::from(promise).await.map_err(|e| js_detail(&e))
}

/// The store's directory, created if needed. Fails where the browser offers no OPFS (some
/// private windows).
pub async fn directory() -> Result<FileSystemDirectoryHandle, String> {
    let root: FileSystemDirectoryHandle = call(storage_manager()?.get_directory())
        .await
        .map_err(|e| format!("the browser's private file storage is not available ({e})"))?
        .unchecked_into();
    let options = FileSystemGetDirectoryOptions::new();
    options.set_create(true);
    Ok(call(root.get_directory_handle_with_options(DIR, &options))
        .await?
        .unchecked_into())
}

/// A file in the store; `create` makes it when missing. `None` when it does not exist.
pub async fn file(
    dir: &FileSystemDirectoryHandle,
    name: &str,
    create: bool,
) -> Result<Option<FileSystemFileHandle>, String> {
    let options = FileSystemGetFileOptions::new();
    options.set_create(create);
    match JsFuture::from(dir.get_file_handle_with_options(name, &options)).await {
        Ok(h) => Ok(Some(h.unchecked_into())),
        Err(e) if !create && error_name(&e) == "NotFoundError" => Ok(None),
        Err(e) => Err(js_detail(&e)),
    }
}

fn error_name(e: &JsValue) -> String {
    e.dyn_ref::<web_sys::DomException>()
        .map(|d| d.name())
        .unwrap_or_default()
}

/// The manifest of a stem at `rate`, when the store holds that stem whole.
pub async fn manifest(
    dir: &FileSystemDirectoryHandle,
    sha256: &str,
    rate: u32,
) -> Result<Option<StoredStem>, String> {
    let Some(handle) = file(dir, &manifest_file(sha256, rate), false).await? else {
        return Ok(None);
    };
    let blob: web_sys::File = call(handle.get_file()).await?.unchecked_into();
    let text = call(blob.text()).await?.as_string().unwrap_or_default();
    let stem: StoredStem = match serde_json::from_str(&text) {
        Ok(s) => s,
        // A manifest we cannot read is as good as none: the stem is decoded again.
        Err(_) => return Ok(None),
    };
    // Every channel file must be there at its full length.
    for ch in 0..stem.channels {
        let Some(h) = file(dir, &channel_file(sha256, rate, ch), false).await? else {
            return Ok(None);
        };
        let f: web_sys::File = call(h.get_file()).await?.unchecked_into();
        if f.size() != stem.frames as f64 * 4.0 {
            return Ok(None);
        }
    }
    Ok(Some(stem))
}

/// Frames `from .. from + len` of channel `ch` of a stored stem, read from disk (frames past
/// the stem's end are not returned: the array may be shorter).
pub async fn read_frames(
    dir: &FileSystemDirectoryHandle,
    stem: &StoredStem,
    ch: u32,
    from: u64,
    len: u64,
) -> Result<Float32Array, String> {
    let handle = file(dir, &channel_file(&stem.sha256, stem.rate, ch), false)
        .await?
        .ok_or_else(|| format!("channel {ch} of a stored stem is missing"))?;
    let f: web_sys::File = call(handle.get_file()).await?.unchecked_into();
    let end = (from + len).min(stem.frames);
    let part = f
        .slice_with_f64_and_f64(from as f64 * 4.0, end as f64 * 4.0)
        .map_err(|e| js_detail(&e))?;
    let bytes: js_sys::ArrayBuffer = call(part.array_buffer()).await?.unchecked_into();
    Ok(Float32Array::new(&bytes))
}

/// Storage used and available to this origin, bytes (`navigator.storage.estimate()`).
pub async fn estimate() -> Result<(f64, f64), String> {
    let promise = storage_manager()?.estimate().map_err(|e| js_detail(&e))?;
    let e: StorageEstimate = call(promise).await?.unchecked_into();
    Ok((e.get_usage().unwrap_or(0.0), e.get_quota().unwrap_or(0.0)))
}

/// Asks the browser to keep this origin's storage under storage pressure
/// (`navigator.storage.persist()`); whether it agreed.
pub async fn persist() -> bool {
    let Ok(m) = storage_manager() else {
        return false;
    };
    match m.persist() {
        Ok(p) => call(p).await.map(|v| v.is_truthy()).unwrap_or(false),
        Err(_) => false,
    }
}

/// Whether the browser keeps this origin's storage under pressure
/// (`navigator.storage.persisted()`).
pub async fn persisted() -> bool {
    let Ok(m) = storage_manager() else {
        return false;
    };
    match m.persisted() {
        Ok(p) => call(p).await.map(|v| v.is_truthy()).unwrap_or(false),
        Err(_) => false,
    }
}

/// Removes a stem at `rate` (manifest first, so it stops counting as stored at once).
pub async fn remove(
    dir: &FileSystemDirectoryHandle,
    sha256: &str,
    rate: u32,
    channels: u32,
) -> Result<(), String> {
    let mut names = vec![manifest_file(sha256, rate)];
    names.extend((0..channels).map(|ch| channel_file(sha256, rate, ch)));
    for name in names {
        if let Err(e) = JsFuture::from(dir.remove_entry(&name)).await
            && error_name(&e) != "NotFoundError"
        {
            return Err(js_detail(&e));
        }
    }
    Ok(())
}

/// Removes every stored stem (at any rate) whose SHA-256 is not in `keep` (lower-case hex), so
/// the store holds what the session uses. Files still open elsewhere (another tab streaming
/// them) are left for a later tidy-up.
pub async fn retain(keep: &[String]) -> Result<(), String> {
    // No private file storage (stems kept in memory): nothing stored, nothing to remove.
    let Ok(dir) = directory().await else {
        return Ok(());
    };
    let mut names = Vec::new();
    let keys = dir.keys();
    loop {
        let step = call(keys.next().map_err(|e| js_detail(&e))?).await?;
        if js_sys::Reflect::get(&step, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true)
        {
            break;
        }
        if let Some(name) = js_sys::Reflect::get(&step, &"value".into())
            .ok()
            .and_then(|v| v.as_string())
        {
            names.push(name);
        }
    }
    // Manifests first, so a stem stops counting as stored before its samples go.
    names.sort_by_key(|n| !n.ends_with(".json"));
    for name in names {
        let sha = name.split('-').next().unwrap_or_default();
        if keep.iter().any(|k| k == sha) {
            continue;
        }
        let _ = JsFuture::from(dir.remove_entry(&name)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_hash_rate_and_channel() {
        assert_eq!(channel_file("ab12", 48_000, 1), "ab12-48000-1.f32");
        assert_eq!(manifest_file("ab12", 44_100), "ab12-44100.json");
    }
}

//! Collects the files a user drops or picks, recursing into dropped folders (main thread).

use crate::error::{AppError, js_detail};
use js_sys::{Array, Promise};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DragEvent, File, FileList, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry,
};

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

/// Something dropped: a file, or a folder to walk.
pub enum Dropped {
    File(File),
    Folder(FileSystemDirectoryEntry),
}

/// Extensions of audio files taken from inside folders (directly dropped files are all tried, so
/// a wrong one gets a message rather than silence).
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "flac", "mp3", "ogg", "oga", "opus", "m4a", "mp4", "aac", "webm", "caf",
];

/// True for names a folder walk should load.
pub fn is_audio_name(name: &str) -> bool {
    if name.starts_with('.') {
        return false;
    }
    name.rsplit_once('.')
        .map(|(_, ext)| AUDIO_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

/// Reads a drop event's items. Must run inside the event handler: the browser empties the
/// `DataTransfer` when it returns.
pub fn from_drop(ev: &DragEvent) -> Vec<Dropped> {
    let Some(dt) = ev.data_transfer() else {
        return Vec::new();
    };
    let items = dt.items();
    let mut out = Vec::new();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else { continue };
        if item.kind() != "file" {
            continue;
        }
        let entry = item.webkit_get_as_entry().ok().flatten();
        match entry {
            Some(e) if e.is_directory() => out.push(Dropped::Folder(e.unchecked_into())),
            _ => {
                if let Ok(Some(f)) = item.get_as_file() {
                    out.push(Dropped::File(f));
                }
            }
        }
    }
    if out.is_empty()
        && let Some(list) = dt.files()
    {
        out.extend(from_file_list(&list).into_iter().map(Dropped::File));
    }
    out
}

/// The files of an `<input type=file>` (with `webkitdirectory`, a folder's files, which are
/// filtered to audio names like a dropped folder's).
pub fn from_file_list(list: &FileList) -> Vec<File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Files in order: dropped files as given, then each folder's audio files, recursively, sorted
/// by path.
pub async fn expand(dropped: Vec<Dropped>) -> Result<Vec<File>, JsValue> {
    let mut files = Vec::new();
    for d in dropped {
        match d {
            Dropped::File(f) => files.push(f),
            Dropped::Folder(dir) => {
                let mut found = Vec::new();
                walk(dir, &mut found).await?;
                found.sort_by(|a, b| a.0.cmp(&b.0));
                files.extend(found.into_iter().map(|(_, f)| f));
            }
        }
    }
    Ok(files)
}

async fn walk(dir: FileSystemDirectoryEntry, out: &mut Vec<(String, File)>) -> Result<(), JsValue> {
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        let reader = dir.create_reader();
        loop {
            // readEntries hands back batches until it returns an empty one.
            let batch = Promise::new(&mut |resolve, reject| {
                let _ = reader.read_entries_with_callback_and_callback(&resolve, &reject);
            });
            let batch: Array = JsFuture::from(batch).await?.unchecked_into();
            if batch.length() == 0 {
                break;
            }
            for entry in batch.iter() {
                let entry: FileSystemEntry = entry.unchecked_into();
                if entry.is_directory() {
                    stack.push(entry.unchecked_into());
                } else if is_audio_name(&entry.name()) {
                    let fe: FileSystemFileEntry = entry.clone().unchecked_into();
                    let file = Promise::new(&mut |resolve, reject| {
                        fe.file_with_callback_and_callback(&resolve, &reject);
                    });
                    let file: File = JsFuture::from(file).await?.unchecked_into();
                    out.push((entry.full_path(), file));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_walk_takes_audio_names_only() {
        assert!(is_audio_name("Kick.WAV"));
        assert!(is_audio_name("bass.flac"));
        assert!(!is_audio_name("notes.txt"));
        assert!(!is_audio_name(".DS_Store"));
        assert!(!is_audio_name("._kick.wav"));
        assert!(!is_audio_name("README"));
    }
}

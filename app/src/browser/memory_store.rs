//! The stem store in memory (main thread), for a browser that gives this page no private file
//! storage (OPFS is missing in some private windows): the decode Worker then sends each decoded
//! stem back ([`crate::browser::decode_worker::FromDecoder::Done`]'s `planes`) and it is kept
//! here, as `Float32Array`s outside the wasm heap, up to [`limit`] bytes. The stream feeder and
//! the export Worker get copies of a stem's planes with its track (so a stem is held twice while
//! it plays: the stated limit counts the copy here only). Nothing is kept across a reload: the
//! originals in IndexedDB are decoded again. Everywhere OPFS exists this store stays empty.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Float32Array};
use wasm_bindgen::JsCast;

/// Decoded audio this store keeps at most, bytes: 1 GiB, about 46 stereo stem-minutes at 48 kHz
/// (23 MB each). The page's `memory-store-limit-kib` parameter lowers it (for tests).
pub const LIMIT_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;

#[derive(Default)]
struct Store {
    /// `<sha256>-<rate>` → one plane per channel.
    stems: HashMap<String, Vec<Float32Array>>,
    bytes: f64,
    /// Whether [`take_first_use`] has said so.
    told: bool,
}

thread_local! {
    static STORE: RefCell<Store> = RefCell::default();
}

fn key(sha256: &str, rate: u32) -> String {
    format!("{sha256}-{rate}")
}

/// The most this store keeps, bytes.
pub fn limit() -> f64 {
    crate::browser::js::headroom_from_query("memory-store-limit-kib").unwrap_or(LIMIT_BYTES)
}

/// Bytes this store may still take.
pub fn room() -> f64 {
    STORE.with(|s| (limit() - s.borrow().bytes).max(0.0))
}

/// True once: the first time it is asked after a stem was kept here (for the one notice).
pub fn take_first_use() -> bool {
    STORE.with(|s| {
        let mut s = s.borrow_mut();
        let first = !s.stems.is_empty() && !s.told;
        s.told |= first;
        first
    })
}

/// Keeps a decoded stem's planes (`Float32Array`s of equal length). Refused, saying so, when
/// they would take the store over its limit; a stem kept already is kept once.
pub fn put(sha256: &str, rate: u32, planes: &Array) -> Result<(), String> {
    let planes: Vec<Float32Array> = planes
        .iter()
        .filter_map(|p| p.dyn_into::<Float32Array>().ok())
        .collect();
    let bytes: f64 = planes.iter().map(|p| f64::from(p.length()) * 4.0).sum();
    STORE.with(|s| {
        let mut s = s.borrow_mut();
        if s.stems.contains_key(&key(sha256, rate)) {
            return Ok(());
        }
        if s.bytes + bytes > limit() {
            return Err(format!(
                "does not fit in memory: this browser gives this page no private file storage, so stems are kept in memory, up to {:.0} MB, and {:.0} MB of it are left",
                limit() / 1e6,
                (limit() - s.bytes).max(0.0) / 1e6
            ));
        }
        s.bytes += bytes;
        s.stems.insert(key(sha256, rate), planes);
        Ok(())
    })
}

/// A kept stem's planes (the same JS objects; posting them copies them), or `None`.
pub fn planes(sha256: &str, rate: u32) -> Option<Array> {
    STORE.with(|s| {
        s.borrow()
            .stems
            .get(&key(sha256, rate))
            .map(|planes| planes.iter().collect())
    })
}

//! The decode Worker (runs in a dedicated Web Worker, never on the main or audio thread): takes
//! a dropped file (`Blob`), hashes it, decodes it with [`crate::formats::stem_decode`] at the
//! session rate and writes the samples into the [`stem_store`], reading the file a piece at a
//! time so it never holds the whole file or the whole stem in memory.
//!
//! Messages are typed ([`ToDecoder`], [`FromDecoder`]) and cross as plain objects through
//! `serde-wasm-bindgen`; the file travels inside the message as a `Blob` (passed by reference,
//! not copied). The Worker posts [`FromDecoder::Ready`] once it listens.
//!
//! A file in a format this decoder cannot read (Opus, ALAC, WebM…) is answered
//! [`FromDecoder::Unsupported`]: the main thread then tries the browser's own decoder
//! (`decodeAudioData`) and sends the samples back ([`ToDecoder::Store`]) to be written into the
//! store the same way.

use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    Blob, DedicatedWorkerGlobalScope, FileReaderSync, FileSystemReadWriteOptions,
    FileSystemSyncAccessHandle, MessageEvent,
};

use crate::browser::hashing::{hex, web_crypto_sha256};
use crate::browser::stem_store::{self, StoredStem};
use crate::browser::stem_writer::{self, StemWriter};
use crate::error::js_detail;
use crate::formats::stem_decode::{Chunk, DecodeError, MediaSource, OverviewBuilder, probe};

/// Columns in a strip's waveform overview.
pub const OVERVIEW_COLUMNS: usize = 600;
/// Bytes read from the file per step (hashing and decoding): each `FileReaderSync` read costs a
/// round trip to the browser's file reader, so pieces are large (8 MiB is ~3× faster than 1 MiB).
const PIECE: u64 = 8 << 20;
/// Files up to this size are read in one go and hashed by the browser (WebCrypto, several times
/// faster than SHA-256 in wasm), then decoded from that copy, so they are read only once. Larger
/// files are read (twice) a piece at a time, never whole.
pub const WHOLE_FILE_MAX: u64 = 256 << 20;
/// Frames per plane gathered before one write to the store (fewer, larger writes).
const WRITE_FRAMES: usize = 1 << 18;
/// Progress is posted when it has moved this much (not for every chunk).
const PROGRESS_STEP: f64 = 0.005;
/// Room kept free on disk beyond a stem's own size, bytes.
const DISK_MARGIN: f64 = 64.0 * 1024.0 * 1024.0;

/// A request to a decode Worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToDecoder {
    /// Decode `blob` (named `name`) at `rate` Hz into the store.
    Decode {
        job: u32,
        name: String,
        rate: u32,
        /// The file, passed by reference (a `Blob` is not copied when posted).
        #[serde(with = "serde_wasm_bindgen::preserve")]
        blob: Blob,
        /// The whole file and its hash, when the main thread read them while this Worker was
        /// busy with the previous file ([`crate::browser::decoder_pool`]); the bytes are
        /// transferred, not copied.
        prefetched: Option<Prefetched>,
        /// Bytes the in-memory store may still take: used only where the browser gives no
        /// private file storage, and the stem then comes back (see
        /// [`crate::browser::memory_store`]).
        memory_room: f64,
    },
    /// From now on this Worker's heap may grow by at most `headroom_bytes` more (see
    /// `dsp_worklet::memory_budget`): for diagnosis and tests only, from the page's
    /// `decoder-memory-headroom-kib` query parameter. A file that needs more makes the Worker
    /// die as it would on a device out of memory.
    LimitMemory { headroom_bytes: f64 },
    /// Write samples the browser decoded (job `job`, the file `name` hashed `sha256`) into the
    /// store at `rate` Hz: `channels` is an array of one or two `Float32Array`s of equal length.
    Store {
        job: u32,
        name: String,
        rate: u32,
        sha256: String,
        /// Why this decoder could not (the message of [`FromDecoder::Unsupported`]).
        why: String,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        channels: js_sys::Array,
        /// As in `Decode`.
        memory_room: f64,
    },
}

/// A file read whole, and its SHA-256, ahead of its decoding.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Prefetched {
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
    /// The whole file.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub bytes: js_sys::Uint8Array,
}

impl PartialEq for Prefetched {
    /// The same hash, and bytes that are the same JS object.
    fn eq(&self, other: &Self) -> bool {
        self.sha256 == other.sha256 && JsValue::from(&self.bytes) == JsValue::from(&other.bytes)
    }
}

/// What a decode Worker posts back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromDecoder {
    /// The Worker is listening.
    Ready,
    /// How far job `job` is, 0…1 (hashing is the first tenth).
    Progress { job: u32, fraction: f64 },
    /// The stem is in the store; `cached` when it was there already (same file, same rate).
    Done {
        job: u32,
        stem: StoredStem,
        cached: bool,
        /// Where the Worker's time went (read by `tests/bench/real_session.mjs`).
        spent: Spent,
        /// Where the browser gives no private file storage: the decoded samples themselves, one
        /// `Float32Array` per channel (transferred), for the in-memory store; otherwise `null`.
        #[serde(with = "serde_wasm_bindgen::preserve")]
        planes: JsValue,
    },
    /// The file could not be taken; `message` names the file and what is wrong.
    Failed { job: u32, message: String },
    /// This decoder cannot read the file (hashed `sha256`), but the browser's might: `message`
    /// says why this one cannot (without the file's name). Answer with [`ToDecoder::Store`] or
    /// give up.
    Unsupported {
        job: u32,
        sha256: String,
        message: String,
    },
}

/// Where a decode Worker spent its time on one job, in milliseconds of wall-clock time
/// (`performance.now()` in the Worker). Figures for benchmarks; nothing depends on them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spent {
    /// Reading the whole file into the Worker in one go (files up to 256 MiB; 0 for larger
    /// files, whose reads are counted in `hash_ms` and `decode_ms`).
    pub read_ms: f64,
    /// Hashing the file (SHA-256).
    pub hash_ms: f64,
    /// Decoding and converting the rate (the decoder's `next_chunk`, including its reads of
    /// the file) and the waveform overview.
    pub decode_ms: f64,
    /// Writing samples and the manifest into the store.
    pub write_ms: f64,
    /// From the request's arrival to the reply, in all.
    pub total_ms: f64,
}

/// `performance.now()` in the Worker, ms (0 where it is missing).
fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&scope(), &"performance".into()).unwrap_or_default();
    js_sys::Reflect::get(&performance, &"now".into())
        .ok()
        .and_then(|now| now.dyn_into::<js_sys::Function>().ok())
        .and_then(|now| now.call0(&performance).ok())
        .and_then(|t| t.as_f64())
        .unwrap_or(0.0)
}

/// What [`decode`] ended with, when it did not fail.
enum Decoded {
    /// In the store (`cached`: it was there already).
    Stored {
        stem: StoredStem,
        cached: bool,
        spent: Spent,
        /// The samples, when they are kept in memory (no private file storage).
        planes: Option<js_sys::Array>,
    },
    /// A format for the browser's decoder (see [`FromDecoder::Unsupported`]).
    Unsupported { sha256: String, message: String },
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(msg: &FromDecoder) {
    if let Ok(v) = serde_wasm_bindgen::to_value(msg) {
        let _ = scope().post_message(&v);
    }
}

/// [`post`], transferring the buffers of the `Float32Array`s in `planes`.
fn post_transferring(msg: &FromDecoder, planes: &JsValue) {
    let transfer = js_sys::Array::new();
    if let Some(planes) = planes.dyn_ref::<js_sys::Array>() {
        for p in planes.iter() {
            if let Some(p) = p.dyn_ref::<js_sys::Float32Array>() {
                transfer.push(&p.buffer());
            }
        }
    }
    if let Ok(v) = serde_wasm_bindgen::to_value(msg) {
        let _ = scope().post_message_with_transfer(&v, &transfer);
    }
}

/// The Worker's entry point: listens for [`ToDecoder`] messages and says it is ready.
pub fn run() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| {
        let Ok(msg) = serde_wasm_bindgen::from_value::<ToDecoder>(ev.data()) else {
            return;
        };
        spawn_local(async move {
            let reply = match msg {
                ToDecoder::LimitMemory { headroom_bytes } => {
                    dsp_worklet::memory_budget::set_headroom(headroom_bytes);
                    return;
                }
                ToDecoder::Decode {
                    job,
                    name,
                    rate,
                    blob,
                    prefetched,
                    memory_room,
                } => match decode(job, &name, rate, &blob, prefetched, memory_room).await {
                    Ok(Decoded::Stored {
                        stem,
                        cached,
                        spent,
                        planes,
                    }) => FromDecoder::Done {
                        job,
                        stem,
                        cached,
                        spent,
                        planes: planes.map_or(JsValue::NULL, JsValue::from),
                    },
                    Ok(Decoded::Unsupported { sha256, message }) => FromDecoder::Unsupported {
                        job,
                        sha256,
                        message,
                    },
                    Err(message) => FromDecoder::Failed { job, message },
                },
                ToDecoder::Store {
                    job,
                    name,
                    rate,
                    sha256,
                    why,
                    channels,
                    memory_room,
                } => {
                    match store_pcm(job, &name, rate, &sha256, &why, &channels, memory_room).await {
                        Ok((stem, planes)) => FromDecoder::Done {
                            job,
                            stem,
                            cached: false,
                            spent: Spent::default(),
                            planes: planes.map_or(JsValue::NULL, JsValue::from),
                        },
                        Err(message) => FromDecoder::Failed { job, message },
                    }
                }
            };
            match &reply {
                FromDecoder::Done { planes, .. } => post_transferring(&reply, planes),
                _ => post(&reply),
            }
        });
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromDecoder::Ready);
}

/// Reads a `Blob` synchronously, one piece at a time (`FileReaderSync`, Workers only), or from
/// a copy of the whole file in JS memory once [`BlobSource::read_whole`] has made one.
struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
    pos: u64,
    /// The whole file, when it was read in one go.
    whole: Option<js_sys::Uint8Array>,
    /// The piece last read and where it starts in the file (the buffer is reused).
    piece: Vec<u8>,
    piece_at: u64,
}

// SAFETY: the app's wasm is built without threads (no atomics), so these JS handles are only
// ever used on the one thread that made them; symphonia's `MediaSource` asks for Send + Sync.
unsafe impl Send for BlobSource {}
unsafe impl Sync for BlobSource {}

impl BlobSource {
    fn new(blob: Blob) -> Result<BlobSource, String> {
        Ok(BlobSource {
            len: blob.size() as u64,
            blob,
            reader: FileReaderSync::new().map_err(|e| js_detail(&e))?,
            pos: 0,
            whole: None,
            piece: Vec::new(),
            piece_at: 0,
        })
    }

    /// Uses `bytes` (the whole file, read elsewhere) for every later read.
    fn use_whole(&mut self, bytes: js_sys::Uint8Array) {
        self.len = u64::from(bytes.length());
        self.whole = Some(bytes);
    }

    /// Reads the whole file into JS memory in one go; later reads copy from there.
    fn read_whole(&mut self) -> io::Result<js_sys::Uint8Array> {
        let buffer = self
            .reader
            .read_as_array_buffer(&self.blob)
            .map_err(|e| io::Error::other(js_detail(&e)))?;
        let bytes = js_sys::Uint8Array::new(&buffer);
        self.len = u64::from(bytes.length());
        self.whole = Some(bytes.clone());
        Ok(bytes)
    }

    /// Reads bytes `at .. at + len` of the file (fewer at its end) into `self.piece`.
    fn read_at(&mut self, at: u64, len: u64) -> io::Result<()> {
        let end = (at + len).min(self.len);
        let part = match &self.whole {
            Some(bytes) => bytes.subarray(at as u32, end as u32),
            None => {
                let part = self
                    .blob
                    .slice_with_f64_and_f64(at as f64, end as f64)
                    .map_err(|e| io::Error::other(js_detail(&e)))?;
                let buffer = self
                    .reader
                    .read_as_array_buffer(&part)
                    .map_err(|e| io::Error::other(js_detail(&e)))?;
                js_sys::Uint8Array::new(&buffer)
            }
        };
        self.piece.resize(part.length() as usize, 0);
        part.copy_to(&mut self.piece);
        self.piece_at = at;
        Ok(())
    }
}

impl Read for BlobSource {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || out.is_empty() {
            return Ok(0);
        }
        let inside =
            self.pos >= self.piece_at && self.pos < self.piece_at + self.piece.len() as u64;
        if !inside {
            self.read_at(self.pos, PIECE)?;
        }
        let from = (self.pos - self.piece_at) as usize;
        let n = out.len().min(self.piece.len() - from);
        out[..n].copy_from_slice(&self.piece[from..from + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for BlobSource {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.len as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if target < 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "seek before 0"));
        }
        self.pos = target as u64;
        Ok(self.pos)
    }
}

impl MediaSource for BlobSource {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// SHA-256 of the whole file; reports progress up to 0.1. A file up to [`WHOLE_FILE_MAX`] is
/// read whole (kept in `source` for decoding) and hashed by WebCrypto; a larger one, or when
/// WebCrypto is missing (not a secure context), is hashed here a piece at a time.
async fn hash(job: u32, source: &mut BlobSource, spent: &mut Spent) -> Result<[u8; 32], String> {
    if source.len <= WHOLE_FILE_MAX {
        let t0 = now_ms();
        let bytes = source.read_whole().map_err(|e| e.to_string())?;
        spent.read_ms = now_ms() - t0;
        if let Some(digest) = web_crypto_sha256(scope().crypto().ok(), &bytes).await {
            post(&FromDecoder::Progress { job, fraction: 0.1 });
            return Ok(digest);
        }
    }
    let mut hasher = Sha256::new();
    let mut at = 0;
    while at < source.len {
        source.read_at(at, PIECE).map_err(|e| e.to_string())?;
        if source.piece.is_empty() {
            break;
        }
        hasher.update(&source.piece);
        at += source.piece.len() as u64;
        post(&FromDecoder::Progress {
            job,
            fraction: 0.1 * at as f64 / source.len as f64,
        });
    }
    Ok(hasher.finalize().into())
}

async fn sync_handle(
    dir: &web_sys::FileSystemDirectoryHandle,
    name: &str,
) -> Result<FileSystemSyncAccessHandle, String> {
    let file = stem_store::file(dir, name, true)
        .await?
        .ok_or("the store refused to create a file")?;
    let handle: FileSystemSyncAccessHandle = JsFuture::from(file.create_sync_access_handle())
        .await
        .map_err(|e| js_detail(&e))?
        .unchecked_into();
    handle.truncate_with_f64(0.0).map_err(|e| js_detail(&e))?;
    Ok(handle)
}

fn write_at(handle: &FileSystemSyncAccessHandle, bytes: &[u8], at: f64) -> Result<(), String> {
    let options = FileSystemReadWriteOptions::new();
    options.set_at(at);
    let written = handle
        .write_with_u8_array_and_options(bytes, &options)
        .map_err(|e| js_detail(&e))?;
    if (written as usize) < bytes.len() {
        return Err("the disk is full".into());
    }
    Ok(())
}

/// Gathers decoded chunks and sends them [`WRITE_FRAMES`] at a time to this Worker's stem writer
/// (which writes them into the channel files while decoding goes on), or, where the browser
/// gives no private file storage, keeps them (up to `room` bytes).
struct PlaneWriter {
    /// The writer and the job whose files it has open (`None`: in memory).
    files: Option<(Rc<StemWriter>, u32)>,
    /// Samples not sent yet, one plane per channel file; in memory, the whole stem so far.
    pending: Vec<Vec<f32>>,
    /// The frame where `pending` starts.
    at: u64,
    /// In memory: bytes the stem may take.
    room: Option<f64>,
}

impl PlaneWriter {
    /// Opens job `job`'s channel files (`names`) through `writer`.
    fn to_files(writer: Rc<StemWriter>, job: u32, names: &[String]) -> Result<Self, String> {
        writer.open(job, names)?;
        Ok(PlaneWriter {
            files: Some((writer, job)),
            pending: vec![Vec::with_capacity(WRITE_FRAMES); names.len()],
            at: 0,
            room: None,
        })
    }

    /// Keeps `channels` planes in memory, refusing more than `room` bytes.
    fn in_memory(channels: usize, room: f64) -> Self {
        PlaneWriter {
            files: None,
            pending: vec![Vec::new(); channels],
            at: 0,
            room: Some(room),
        }
    }

    fn pending_frames(&self) -> usize {
        self.pending.first().map_or(0, Vec::len)
    }

    /// Adds `chunk` (at its place in the stem); writes when enough has gathered.
    fn push(&mut self, chunk: &Chunk) -> Result<(), String> {
        if let Some(room) = self.room {
            // In memory the planes are the stem: a gap is filled with silence.
            let end = chunk.first_frame as usize + chunk.frames();
            if (end * self.pending.len()) as f64 * 4.0 > room {
                return Err(memory_full(room));
            }
            for (pending, plane) in self.pending.iter_mut().zip(&chunk.planes) {
                pending.resize(chunk.first_frame as usize, 0.0);
                pending.extend_from_slice(plane);
            }
            return Ok(());
        }
        if chunk.first_frame != self.at + self.pending_frames() as u64 {
            self.flush()?;
            self.at = chunk.first_frame;
        }
        for (pending, plane) in self.pending.iter_mut().zip(&chunk.planes) {
            pending.extend_from_slice(plane);
        }
        if self.pending_frames() >= WRITE_FRAMES {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends what has gathered to the writer (in memory: nothing to do).
    fn flush(&mut self) -> Result<(), String> {
        let frames = self.pending_frames();
        let Some((writer, job)) = &self.files else {
            return Ok(());
        };
        if frames == 0 {
            return Ok(());
        }
        let at = self.at as f64 * 4.0;
        for (ch, pending) in self.pending.iter_mut().enumerate() {
            writer.write(*job, ch, at, pending)?;
            pending.clear();
        }
        self.at += frames as u64;
        Ok(())
    }

    /// Closes the files once the writer has written everything sent: the first failure of any
    /// write (in memory: nothing to do).
    async fn close(&self) -> Result<(), String> {
        match &self.files {
            Some((writer, job)) => writer.close(*job).await,
            None => Ok(()),
        }
    }

    /// In memory: the planes as `Float32Array`s (copied out of this Worker's heap, to be
    /// transferred), `frames` long; `None` when writing to files.
    fn take_planes(&mut self, frames: u64) -> Option<js_sys::Array> {
        self.room?;
        let planes = js_sys::Array::new();
        for p in &mut self.pending {
            p.resize(frames as usize, 0.0);
            planes.push(&js_sys::Float32Array::from(p.as_slice()));
            *p = Vec::new();
        }
        Some(planes)
    }
}

/// The message for a stem that does not fit in the memory a browser without private file
/// storage allows (see [`crate::browser::memory_store`]).
fn memory_full(room: f64) -> String {
    format!(
        "does not fit in memory: this browser gives this page no private file storage, so stems are kept in memory, and only {:.0} MB of that room are left",
        room.max(0.0) / 1e6
    )
}

fn close_all(handles: &[FileSystemSyncAccessHandle]) {
    for h in handles {
        let _ = h.flush();
        h.close();
    }
}

/// Decodes `blob` into the store; the stem's manifest, and whether it was there already.
/// `prefetched`: the file's bytes and hash, already read (then the Worker neither reads nor
/// hashes it).
async fn decode(
    job: u32,
    name: &str,
    rate: u32,
    blob: &Blob,
    prefetched: Option<Prefetched>,
    memory_room: f64,
) -> Result<Decoded, String> {
    let named = |e: String| format!("{name}: {e}");
    if blob.size() == 0.0 {
        return Err(named(DecodeError::Empty.to_string()));
    }
    let start = now_ms();
    let mut spent = Spent::default();
    let mut source = BlobSource::new(blob.clone()).map_err(named)?;
    let sha = match prefetched {
        Some(Prefetched { sha256, bytes }) if f64::from(bytes.length()) == blob.size() => {
            source.use_whole(bytes);
            post(&FromDecoder::Progress { job, fraction: 0.1 });
            sha256
        }
        _ => {
            let sha = hex(&hash(job, &mut source, &mut spent).await.map_err(named)?);
            spent.hash_ms = now_ms() - start - spent.read_ms;
            sha
        }
    };
    // `None` where the browser gives no private file storage (some private windows): the stem
    // is then kept in memory (see `crate::browser::memory_store`).
    let dir = stem_store::directory().await.ok();
    if let Some(dir) = &dir
        && let Some(stem) = stem_store::manifest(dir, &sha, rate).await.map_err(named)?
    {
        spent.total_ms = now_ms() - start;
        return Ok(Decoded::Stored {
            stem,
            cached: true,
            spent,
            planes: None,
        });
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let mut decoder = match probe(Box::new(source), extension.as_deref()) {
        Ok(d) => d,
        Err(e) if e.browser_may_read() => {
            return Ok(Decoded::Unsupported {
                sha256: sha,
                message: e.to_string(),
            });
        }
        Err(e) => return Err(named(e.to_string())),
    };
    decoder
        .set_target_rate(rate)
        .map_err(|e| named(e.to_string()))?;
    let info = decoder.info().clone();
    let expected = decoder.expected_output_frames().unwrap_or(0);
    let need = expected as f64 * info.channels as f64 * 4.0;
    let mut writer = match &dir {
        Some(_) => {
            check_room(need).await.map_err(named)?;
            let names: Vec<String> = (0..info.channels as u32)
                .map(|ch| stem_store::channel_file(&sha, rate, ch))
                .collect();
            PlaneWriter::to_files(stem_writer::writer().map_err(named)?, job, &names)
                .map_err(|e| named(not_written(&e.to_string())))?
        }
        None if need > memory_room => return Err(named(memory_full(memory_room))),
        None => PlaneWriter::in_memory(info.channels, memory_room),
    };
    let mut overview = OverviewBuilder::new(expected, OVERVIEW_COLUMNS);
    let mut frames = 0u64;
    let mut posted = 0.1;
    let result = loop {
        let t0 = now_ms();
        let next = decoder.next_chunk();
        if let Ok(Some(chunk)) = &next {
            overview.push_chunk(chunk);
        }
        let t1 = now_ms();
        spent.decode_ms += t1 - t0;
        match next {
            Ok(Some(chunk)) => {
                let pushed = writer.push(&chunk);
                spent.write_ms += now_ms() - t1;
                if let Err(e) = pushed {
                    break Err(not_written(&e.to_string()));
                }
                frames = chunk.first_frame + chunk.frames() as u64;
                let fraction = 0.1 + 0.9 * (frames as f64 / expected.max(1) as f64).min(1.0);
                if expected > 0 && fraction - posted >= PROGRESS_STEP {
                    posted = fraction;
                    post(&FromDecoder::Progress { job, fraction });
                }
            }
            Ok(None) => break Ok(None),
            // What decoded is kept (and marked): the user decides whether to use it.
            Err(e @ DecodeError::EndsEarly { .. }) => break Ok(Some(e.to_string())),
            Err(e) => break Err(e.to_string()),
        }
    };
    // What is still gathered goes to the store too (also what decoded before an error).
    let t0 = now_ms();
    let flushed = writer.flush();
    let closed = writer.close().await;
    let result = match (result, flushed.and(closed)) {
        (Ok(_), Err(e)) => Err(not_written(&e.to_string())),
        (result, _) => result,
    };
    let cut = result.as_ref().ok().cloned().flatten();
    let planes = writer.take_planes(frames);
    let stem = StoredStem {
        sha256: sha.clone(),
        rate,
        channels: info.channels as u32,
        frames,
        source_rate: info.source_rate,
        overview: overview.finish(),
        format: format!("{} / {}", info.format_name, info.codec_name),
        cut,
        decoded_by_browser: None,
    };
    if let Err(e) = result.and_then(|_| {
        if frames == 0 {
            Err(DecodeError::Empty.to_string())
        } else {
            Ok(())
        }
    }) {
        if let Some(dir) = &dir {
            let _ = stem_store::remove(dir, &sha, rate, stem.channels).await;
        }
        return Err(named(e));
    }
    if let Some(dir) = &dir {
        write_manifest(dir, &stem).await.map_err(named)?;
    }
    let end = now_ms();
    spent.write_ms += end - t0;
    spent.total_ms = end - start;
    Ok(Decoded::Stored {
        stem,
        cached: false,
        spent,
        planes,
    })
}

/// Creates (empty) the channel files of a stem and opens them for writing.
async fn open_planes(
    dir: &web_sys::FileSystemDirectoryHandle,
    sha: &str,
    rate: u32,
    channels: u32,
) -> Result<Vec<FileSystemSyncAccessHandle>, String> {
    let mut handles = Vec::new();
    for ch in 0..channels {
        match sync_handle(dir, &stem_store::channel_file(sha, rate, ch)).await {
            Ok(h) => handles.push(h),
            Err(e) => {
                close_all(&handles);
                return Err(not_written(&e.to_string()));
            }
        }
    }
    Ok(handles)
}

/// Why a decoded stem could not be written to the store, for the user: a full disk said as such
/// (Chromium's `FileSystemSyncAccessHandle.write` reports "No space available", other paths a
/// `QuotaExceededError`).
fn not_written(e: &str) -> String {
    let full = ["QuotaExceeded", "No space", "quota"]
        .iter()
        .any(|k| e.contains(k));
    if full {
        format!(
            "the browser's storage is full: there is no room on this disk for the decoded stem ({e}). Free some disk space, or remove stems you no longer use, and drop the file again"
        )
    } else {
        format!("could not be written to storage: {e}")
    }
}

/// Refuses with a message when the store has no room for `need` bytes (and a margin).
/// Chromium 138 and later report a bucketed quota (usage + at least 1 GiB, whatever the disk
/// holds) so that private windows cannot be told apart: this catches only needs beyond that, and
/// a disk that is really full shows as the write failing ([`not_written`]; tests/e2e/disk_full).
async fn check_room(need: f64) -> Result<(), String> {
    if let Ok((usage, quota)) = stem_store::estimate().await
        && quota > 0.0
        && quota - usage < need + DISK_MARGIN
    {
        return Err(format!(
            "not enough room in this browser's storage for the decoded stem: it needs {:.0} MB, {:.0} MB are free. Free some disk space or remove stems you no longer use",
            (need + DISK_MARGIN) / 1e6,
            ((quota - usage) / 1e6).max(0.0)
        ));
    }
    Ok(())
}

/// Writes a stem's manifest: last, so that a stem whose manifest exists is whole.
async fn write_manifest(
    dir: &web_sys::FileSystemDirectoryHandle,
    stem: &StoredStem,
) -> Result<(), String> {
    let manifest = serde_json::to_vec(stem).map_err(|e| e.to_string())?;
    let handle = sync_handle(dir, &stem_store::manifest_file(&stem.sha256, stem.rate)).await?;
    let wrote = write_at(&handle, &manifest, 0.0);
    close_all(std::slice::from_ref(&handle));
    wrote
}

/// Frames copied out of the browser's decoded channels per step.
const STORE_PIECE: u32 = 1 << 16;

/// Writes samples the browser decoded into the store (see [`ToDecoder::Store`]), a piece at a
/// time, with the waveform overview and the manifest, as [`decode`] does.
async fn store_pcm(
    job: u32,
    name: &str,
    rate: u32,
    sha: &str,
    why: &str,
    channels: &js_sys::Array,
    memory_room: f64,
) -> Result<(StoredStem, Option<js_sys::Array>), String> {
    let format = "decoded by the browser".to_string();
    let named = |e: String| format!("{name}: {e}");
    let planes: Vec<js_sys::Float32Array> = channels.iter().map(|c| c.unchecked_into()).collect();
    let frames = planes.first().map_or(0, |p| p.length());
    if planes.is_empty() || planes.len() > 2 || planes.iter().any(|p| p.length() != frames) {
        return Err(named(
            DecodeError::TooManyChannels {
                channels: planes.len(),
            }
            .to_string(),
        ));
    }
    if frames == 0 {
        return Err(named(DecodeError::Empty.to_string()));
    }
    let need = frames as f64 * planes.len() as f64 * 4.0;
    let dir = stem_store::directory().await.ok(); // `None`: kept in memory, as in `decode`
    let handles = match &dir {
        Some(dir) => {
            check_room(need).await.map_err(named)?;
            open_planes(dir, sha, rate, planes.len() as u32)
                .await
                .map_err(named)?
        }
        None if need > memory_room => return Err(named(memory_full(memory_room))),
        None => Vec::new(),
    };
    let mut overview = OverviewBuilder::new(frames as u64, OVERVIEW_COLUMNS);
    let mut wrote = Ok(());
    let mut at = 0;
    while at < frames && wrote.is_ok() {
        let end = (at + STORE_PIECE).min(frames);
        let pieces: Vec<Vec<f32>> = planes
            .iter()
            .map(|p| p.subarray(at, end).to_vec())
            .collect();
        // In memory there are no files: the planes themselves go back.
        wrote = pieces
            .iter()
            .zip(&handles)
            .try_for_each(|(piece, h)| write_at(h, f32_bytes(piece), at as f64 * 4.0));
        let refs: Vec<&[f32]> = pieces.iter().map(Vec::as_slice).collect();
        overview.push(&refs);
        at = end;
        post(&FromDecoder::Progress {
            job,
            fraction: 0.1 + 0.9 * at as f64 / frames as f64,
        });
    }
    close_all(&handles);
    let stem = StoredStem {
        sha256: sha.to_string(),
        rate,
        channels: planes.len() as u32,
        frames: frames as u64,
        source_rate: rate,
        overview: overview.finish(),
        format,
        cut: None,
        decoded_by_browser: Some(why.to_string()),
    };
    let Some(dir) = dir else {
        return Ok((stem, Some(channels.clone())));
    };
    if let Err(e) = wrote {
        let _ = stem_store::remove(&dir, sha, rate, stem.channels).await;
        return Err(named(not_written(&e.to_string())));
    }
    write_manifest(&dir, &stem).await.map_err(named)?;
    Ok((stem, None))
}

/// The bytes of `f32` samples as they lie in memory (little-endian in wasm).
fn f32_bytes(samples: &[f32]) -> &[u8] {
    // SAFETY: f32 has no padding and any bit pattern is a valid u8; the length is exact.
    unsafe { std::slice::from_raw_parts(samples.as_ptr().cast::<u8>(), size_of_val(samples)) }
}

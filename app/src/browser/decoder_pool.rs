//! The decode Workers, seen from the main thread: `hardwareConcurrency − 1` of them (at least
//! one), started on first use; each takes one file at a time from a queue (see
//! [`crate::browser::decode_worker`] for what a Worker does). [`decode`] resolves with the
//! stored stem's manifest, or with a message naming the file.
//!
//! While every Worker is busy, the main thread reads the next file whole and hashes it
//! (`Blob.arrayBuffer`, WebCrypto: the browser does both off this thread), and hands both to the
//! Worker with the job (the bytes transferred, not copied), so a Worker's time goes to decoding,
//! not to waiting for the disk. One file at a time is read ahead, and only files up to
//! [`WHOLE_FILE_MAX`] (a larger one the Worker reads a piece at a time itself).
//!
//! A Worker that crashes fails its file with a message saying so and is replaced; the other
//! files and the session are untouched.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ErrorEvent, MessageEvent, Worker};

use crate::browser::decode_worker::{FromDecoder, Prefetched, ToDecoder, WHOLE_FILE_MAX};
use crate::browser::hashing::{hex, web_crypto_sha256};
use crate::browser::stem_store::StoredStem;

/// The Worker script Trunk writes for the `decode_worker` bin (`data-loader-shim`).
pub const WORKER_URL: &str = "decode_worker_loader.js";

/// After this many Workers died before they were ready, no more are started.
const MAX_FAILED_STARTS: u32 = 3;

/// Called with how far a file is, 0…1.
pub type Progress = Rc<dyn Fn(f64)>;

struct Job {
    id: u32,
    name: String,
    rate: u32,
    blob: Blob,
    progress: Progress,
    resolve: Function,
    /// The file read ahead of its turn (see the module's documentation).
    fetch: Rc<RefCell<Fetch>>,
}

/// Where reading a queued file ahead of its turn is.
#[derive(Default)]
enum Fetch {
    /// Not started.
    #[default]
    Idle,
    /// Being read and hashed: the job waits for it rather than have the Worker read it again.
    Running,
    /// Read and hashed.
    Ready(Prefetched),
    /// Not possible (too large, no WebCrypto, a read error): the Worker reads the file itself.
    Unavailable,
}

struct Slot {
    worker: Worker,
    ready: bool,
    /// The job this Worker is on.
    busy: Option<Job>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

#[derive(Default)]
struct Pool {
    slots: Vec<Slot>,
    queue: VecDeque<Job>,
    next_job: u32,
    /// Workers that died before saying they were ready.
    failed_starts: u32,
    /// Outcomes of finished jobs by id, for the futures awaiting them.
    outcomes: HashMap<u32, Result<(StoredStem, bool), String>>,
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// How many decode Workers to run: one per core, less the one the page and audio need.
fn worker_count() -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(2.0) as usize;
    cores.saturating_sub(1).max(1)
}

/// A file on its way through a decode Worker (see [`start`]).
pub struct Pending {
    id: u32,
    name: String,
    done: Promise,
    refused: Option<String>,
}

/// Queues `blob` (the file `name`) for decoding into the stem store at `rate` Hz; it starts as
/// soon as a Worker is free, so several files decode at once. `progress` hears how far it is.
pub fn start(name: &str, blob: &Blob, rate: u32, progress: Progress) -> Pending {
    let mut id = 0;
    let done = Promise::new(&mut |resolve, _reject| {
        POOL.with(|p| {
            let mut pool = p.borrow_mut();
            pool.next_job += 1;
            id = pool.next_job;
            pool.queue.push_back(Job {
                id,
                name: name.to_string(),
                rate,
                blob: blob.clone(),
                progress: progress.clone(),
                resolve,
                fetch: Rc::default(),
            });
        });
    });
    Pending {
        id,
        name: name.to_string(),
        done,
        refused: dispatch().err(),
    }
}

impl Pending {
    /// The stem's manifest and whether it was in the store already, or a message naming the
    /// file.
    pub async fn finish(self) -> Result<(StoredStem, bool), String> {
        if let Some(message) = self.refused {
            return Err(format!("{}: {message}", self.name));
        }
        let _ = JsFuture::from(self.done).await;
        POOL.with(|p| p.borrow_mut().outcomes.remove(&self.id))
            .unwrap_or_else(|| Err(format!("{}: the decoder lost this file", self.name)))
    }
}

/// [`start`] and [`Pending::finish`] in one.
pub async fn decode(
    name: &str,
    blob: &Blob,
    rate: u32,
    progress: Progress,
) -> Result<(StoredStem, bool), String> {
    start(name, blob, rate, progress).finish().await
}

/// Starts Workers as needed and hands queued jobs to idle, ready ones.
fn dispatch() -> Result<(), String> {
    if POOL.with(|p| p.borrow().failed_starts >= MAX_FAILED_STARTS) {
        POOL.with(|p| p.borrow_mut().queue.clear());
        return Err("the decoder could not be started; reload the page to try again".into());
    }
    let want = worker_count();
    let have = POOL.with(|p| p.borrow().slots.len());
    for index in have..want {
        let slot = spawn(index)?;
        POOL.with(|p| p.borrow_mut().slots.push(slot));
    }
    POOL.with(|p| {
        let mut pool = p.borrow_mut();
        let pool = &mut *pool;
        // Bytes of the files being decoded: a file of the same size waits (it may be the same
        // file, dropped twice or used on two strips; two Workers must not write one stem).
        let mut running: Vec<f64> = pool
            .slots
            .iter()
            .filter_map(|s| s.busy.as_ref().map(|j| j.blob.size()))
            .collect();
        for slot in pool.slots.iter_mut() {
            if !slot.ready || slot.busy.is_some() {
                continue;
            }
            let Some(next) = pool
                .queue
                .iter()
                .position(|j| !running.contains(&j.blob.size()))
            else {
                break;
            };
            if matches!(*pool.queue[next].fetch.borrow(), Fetch::Running) {
                // Read ahead and nearly there: its end calls dispatch again.
                break;
            }
            let Some(job) = pool.queue.remove(next) else {
                break;
            };
            running.push(job.blob.size());
            let prefetched = match job.fetch.replace(Fetch::Unavailable) {
                Fetch::Ready(p) => Some(p),
                _ => None,
            };
            let transfer = js_sys::Array::new();
            if let Some(p) = &prefetched {
                transfer.push(&p.bytes.buffer());
            }
            let msg = ToDecoder::Decode {
                job: job.id,
                name: job.name.clone(),
                rate: job.rate,
                blob: job.blob.clone(),
                prefetched,
                memory_room: crate::browser::memory_store::room(),
            };
            let posted = serde_wasm_bindgen::to_value(&msg)
                .map_err(|e| JsValue::from_str(&e.to_string()))
                .and_then(|msg| slot.worker.post_message_with_transfer(&msg, &transfer));
            match posted {
                Ok(()) => slot.busy = Some(job),
                Err(e) => finish(
                    &mut pool.outcomes,
                    job,
                    Err(format!("could not be sent to the decoder ({e:?})")),
                ),
            }
        }
        read_ahead(&pool.queue);
    });
    Ok(())
}

/// Starts reading the next waiting file (every Worker is busy, or it would have been handed
/// out), unless one is being read or waits already.
fn read_ahead(queue: &VecDeque<Job>) {
    if queue
        .iter()
        .any(|j| matches!(*j.fetch.borrow(), Fetch::Running | Fetch::Ready(_)))
    {
        return;
    }
    let Some(job) = queue
        .iter()
        .find(|j| matches!(*j.fetch.borrow(), Fetch::Idle))
    else {
        return;
    };
    if job.blob.size() > WHOLE_FILE_MAX as f64 {
        *job.fetch.borrow_mut() = Fetch::Unavailable;
        return;
    }
    *job.fetch.borrow_mut() = Fetch::Running;
    let (fetch, blob) = (job.fetch.clone(), job.blob.clone());
    wasm_bindgen_futures::spawn_local(async move {
        *fetch.borrow_mut() = match read_and_hash(&blob).await {
            Some(p) => Fetch::Ready(p),
            None => Fetch::Unavailable,
        };
        let _ = dispatch();
    });
}

/// The whole of `blob` and its SHA-256 (WebCrypto); `None` when either is not possible here.
async fn read_and_hash(blob: &Blob) -> Option<Prefetched> {
    let crypto = web_sys::window()?.crypto().ok()?;
    if crypto.subtle().is_undefined() {
        // Not a secure context: no WebCrypto, so the Worker reads and hashes the file itself.
        return None;
    }
    let buffer = JsFuture::from(blob.array_buffer()).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer);
    let digest = web_crypto_sha256(Some(crypto), &bytes).await?;
    Some(Prefetched {
        sha256: hex(&digest),
        bytes,
    })
}

fn finish(
    outcomes: &mut HashMap<u32, Result<(StoredStem, bool), String>>,
    job: Job,
    outcome: Result<(StoredStem, bool), String>,
) {
    let outcome = outcome.map_err(|m| {
        if m.starts_with(&job.name) {
            m
        } else {
            format!("{}: {m}", job.name)
        }
    });
    outcomes.insert(job.id, outcome);
    let _ = job.resolve.call0(&JsValue::UNDEFINED);
}

fn spawn(index: usize) -> Result<Slot, String> {
    let worker =
        Worker::new(WORKER_URL).map_err(|e| format!("the decoder could not be started ({e:?})"))?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Ok(msg) = serde_wasm_bindgen::from_value::<FromDecoder>(ev.data()) else {
            return;
        };
        on_reply(index, msg);
    });
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |ev: ErrorEvent| {
        ev.prevent_default();
        on_crash(index, ev.message());
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Slot {
        worker,
        ready: false,
        busy: None,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// A device short of memory, for tests: the page's `decoder-memory-headroom-kib` caps a Worker
/// that just said it is ready (a message before that would be lost), before its first job.
fn limit_memory(worker: &Worker) {
    if let Some(headroom_bytes) =
        crate::browser::js::headroom_from_query("decoder-memory-headroom-kib")
        && let Ok(msg) = serde_wasm_bindgen::to_value(&ToDecoder::LimitMemory { headroom_bytes })
    {
        let _ = worker.post_message(&msg);
    }
}

fn on_reply(index: usize, msg: FromDecoder) {
    let progress = POOL.with(|p| {
        let mut pool = p.borrow_mut();
        let pool = &mut *pool;
        let slot = pool.slots.get_mut(index)?;
        match msg {
            FromDecoder::Ready => {
                slot.ready = true;
                limit_memory(&slot.worker);
            }
            FromDecoder::Progress { job, fraction } => {
                if let Some(j) = slot.busy.as_ref().filter(|j| j.id == job) {
                    return Some((j.progress.clone(), fraction));
                }
            }
            FromDecoder::Done {
                job,
                stem,
                cached,
                planes,
                ..
            } => {
                if let Some(j) = slot.busy.take_if(|j| j.id == job) {
                    (j.progress)(1.0);
                    // No private file storage: the samples came back to be kept in memory.
                    let kept = match planes.dyn_ref::<js_sys::Array>() {
                        Some(planes) => {
                            crate::browser::memory_store::put(&stem.sha256, stem.rate, planes)
                        }
                        None => Ok(()),
                    };
                    finish(&mut pool.outcomes, j, kept.map(|()| (stem, cached)));
                }
            }
            FromDecoder::Failed { job, message } => {
                if let Some(j) = slot.busy.take_if(|j| j.id == job) {
                    finish(&mut pool.outcomes, j, Err(message));
                }
            }
            FromDecoder::Unsupported {
                job,
                sha256,
                message,
            } => {
                // The Worker stays on this job while the browser's decoder tries.
                if let Some(j) = slot.busy.as_ref().filter(|j| j.id == job) {
                    let (name, rate, blob) = (j.name.clone(), j.rate, j.blob.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        by_browser(index, job, name, rate, blob, sha256, message).await;
                    });
                }
            }
        }
        None
    });
    // Called with the pool released: the callback may update the UI.
    if let Some((callback, fraction)) = progress {
        callback(fraction);
    }
    let _ = dispatch();
}

/// A Worker died (an uncaught error, out of memory): its file fails with a message, and a fresh
/// Worker takes its place. Workers that keep dying before they are ready (their script cannot
/// load) are not started again: every waiting file then fails with a message.
fn on_crash(index: usize, detail: String) {
    let hopeless = POOL.with(|p| {
        let mut pool = p.borrow_mut();
        if pool.slots.get(index).is_some_and(|s| !s.ready) {
            pool.failed_starts += 1;
        }
        pool.failed_starts >= MAX_FAILED_STARTS
    });
    if hopeless {
        POOL.with(|p| {
            let mut pool = p.borrow_mut();
            let pool = &mut *pool;
            if let Some(slot) = pool.slots.get_mut(index) {
                slot.worker.terminate();
                slot.ready = false;
            }
            while let Some(job) = pool.queue.pop_front() {
                finish(
                    &mut pool.outcomes,
                    job,
                    Err(format!(
                        "the decoder could not be started ({detail}); reload the page to try again"
                    )),
                );
            }
        });
        return;
    }
    let fresh = spawn(index);
    POOL.with(|p| {
        let mut pool = p.borrow_mut();
        let pool = &mut *pool;
        let Some(slot) = pool.slots.get_mut(index) else {
            return;
        };
        slot.worker.terminate();
        let job = slot.busy.take();
        match fresh {
            // The old slot's closures are running this very call: leak them rather than free
            // them under it (a crash is rare; the Worker itself is terminated).
            Ok(s) => std::mem::forget(std::mem::replace(slot, s)),
            Err(_) => slot.ready = false,
        }
        if let Some(job) = job {
            finish(
                &mut pool.outcomes,
                job,
                Err(format!(
                    "the decoder crashed while reading this file ({}); the other files and your session are not affected",
                    crash_reason(&detail)
                )),
            );
        }
    });
    let _ = dispatch();
}

/// What a Worker's uncaught error says, for a musician: a wasm trap (`unreachable`, which is how
/// running out of memory ends in wasm) as words, anything else as the browser said it.
fn crash_reason(detail: &str) -> String {
    if detail.contains("unreachable") {
        format!("it ran out of memory or hit an internal error: {detail}")
    } else {
        detail.to_string()
    }
}

#[wasm_bindgen]
extern "C" {
    /// An `AudioBuffer` as far as reading its channels without a copy goes.
    type DecodedBuffer;
    #[wasm_bindgen(method, getter, js_name = numberOfChannels)]
    fn number_of_channels(this: &DecodedBuffer) -> u32;
    /// The channel's samples, as the browser holds them (no copy into wasm memory).
    #[wasm_bindgen(method, js_name = getChannelData)]
    fn channel_data(this: &DecodedBuffer, channel: u32) -> js_sys::Float32Array;
}

/// The fallback for a file this app's decoder cannot read: the browser's `decodeAudioData` (in
/// an `OfflineAudioContext` at the session rate, so Chromium resamples), then the same decode
/// Worker writes the samples into the store. The file and its decoded samples are held whole in
/// memory meanwhile (this path only). If the browser cannot read it either, the file fails with
/// this app's reason.
async fn by_browser(
    index: usize,
    job: u32,
    name: String,
    rate: u32,
    blob: Blob,
    sha256: String,
    why: String,
) {
    let decoded = browser_decode(&blob, rate).await;
    POOL.with(|p| {
        let mut pool = p.borrow_mut();
        let pool = &mut *pool;
        let Some(slot) = pool.slots.get_mut(index) else {
            return;
        };
        if slot.busy.as_ref().is_none_or(|j| j.id != job) {
            return;
        }
        let posted = decoded.and_then(|channels| {
            let msg = ToDecoder::Store {
                job,
                name: name.clone(),
                rate,
                sha256,
                why: why.clone(),
                channels,
                memory_room: crate::browser::memory_store::room(),
            };
            // Copied, not transferred: the samples belong to the browser's AudioBuffer.
            serde_wasm_bindgen::to_value(&msg)
                .map_err(|e| e.to_string())
                .and_then(|m| slot.worker.post_message(&m).map_err(|e| format!("{e:?}")))
        });
        if let Err(detail) = posted
            && let Some(j) = slot.busy.take()
        {
            finish(
                &mut pool.outcomes,
                j,
                Err(format!(
                    "{why} (the browser's own decoder could not read it either: {detail})"
                )),
            );
        }
    });
    let _ = dispatch();
}

/// Decodes a whole file with the browser's decoder at `rate` Hz: its channels (one or two).
async fn browser_decode(blob: &Blob, rate: u32) -> Result<js_sys::Array, String> {
    let detail = |e: JsValue| crate::error::js_detail(&e);
    let bytes = JsFuture::from(blob.array_buffer()).await.map_err(detail)?;
    let ctx = web_sys::OfflineAudioContext::new_with_number_of_channels_and_length_and_sample_rate(
        1,
        1,
        rate as f32,
    )
    .map_err(detail)?;
    let promise = ctx
        .decode_audio_data(&bytes.unchecked_into())
        .map_err(detail)?;
    let buffer: DecodedBuffer = JsFuture::from(promise)
        .await
        .map_err(detail)?
        .unchecked_into();
    let n = buffer.number_of_channels();
    if n > 2 {
        return Err(format!(
            "it has {n} channels; only mono or stereo stems can be used"
        ));
    }
    let channels = js_sys::Array::new();
    for ch in 0..n {
        channels.push(&buffer.channel_data(ch));
    }
    Ok(channels)
}

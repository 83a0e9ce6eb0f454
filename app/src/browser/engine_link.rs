//! The link to the realtime engine (main thread): one `AudioContext`, the compiled worklet module,
//! the `AudioWorkletNode` running the Rust engine, and where each track's stem is in the stem
//! store (for export and undo). Messages are the typed enums of [`crate::browser::protocol`];
//! commands go out as `Float64Array` words and meter snapshots come back the same way.

use std::cell::RefCell;
use std::rc::Rc;

use dsp_worklet::{Command, EngineError, MeterSnapshot};
use js_sys::{Array, Promise, WebAssembly};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{
    AudioContext, AudioWorkletNode, AudioWorkletNodeOptions, MessageChannel, MessageEvent, Worker,
};

use crate::browser::js::{Gate, object};
use crate::browser::protocol::{FromFeeder, FromProcessor, ToFeeder, ToProcessor, to_js, words};
use crate::browser::stem_store::StoredStem;
use crate::error::{AppError, js_detail};

/// Name the processor registers under in `engine-processor.js`.
pub const PROCESSOR_NAME: &str = "second-ear-engine";
/// The processor script and the engine wasm, as Trunk copies them into `dist/`.
pub const PROCESSOR_URL: &str = "engine-processor.js";
pub const ENGINE_WASM_URL: &str = "dsp_worklet.wasm";
/// The Worker that reads streamed stems from the stem store for the engine.
pub const FEEDER_URL: &str = "stream-feeder.js";
/// Seconds of each streamed stem the engine's ring holds ahead of the playhead.
pub const RING_SECONDS: f32 = 2.0;

/// What the engine tells the UI.
pub struct Listeners {
    pub on_meter: Box<dyn Fn(MeterSnapshot)>,
    pub on_error: Rc<dyn Fn(AppError)>,
    /// The engine refused to take this track (its audio plays nowhere).
    pub on_refused: Box<dyn Fn(u32)>,
}

struct Studio {
    ctx: AudioContext,
    node: AudioWorkletNode,
    /// Reads streamed stems from the store and sends the engine what it asks for.
    feeder: Worker,
    module: WebAssembly::Module,
    /// The stems of the tracks in the engine, by track id, for the offline export.
    stems: RefCell<Vec<Stem>>,
    /// What the engine answered for each track posted to it (by track id).
    admissions: Rc<RefCell<Vec<(u32, Admission)>>>,
    /// One gate per ping in flight, opened by its pong (pongs come back in order).
    pings: Rc<RefCell<std::collections::VecDeque<Gate>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_feeder: Closure<dyn FnMut(MessageEvent)>,
}

/// What the engine answered when a track was posted to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Posted; no answer yet.
    Pending,
    /// The engine holds it (`added`).
    Added,
    /// The engine refused it (it plays nothing and cannot be exported).
    Refused(EngineError),
}

/// A track's stem as the engine link knows it: where its samples are in the stem store. No
/// samples are held on the main thread.
#[derive(Clone)]
pub struct Stem {
    pub id: u32,
    pub file_name: String,
    pub stored: StoredStem,
}

thread_local! {
    static STUDIO: RefCell<Option<Rc<Studio>>> = const { RefCell::new(None) };
    static STARTUP: RefCell<Option<Promise>> = const { RefCell::new(None) };
    /// Every stem decoded into the store this session, by hash (see [`remember_stem`]).
    static KNOWN: RefCell<Vec<StoredStem>> = const { RefCell::new(Vec::new()) };
}

/// Starts Web Audio and the engine once (at mount). Later calls do nothing.
pub fn start(listeners: Listeners) {
    STARTUP.with(|s| {
        if s.borrow().is_some() {
            return;
        }
        let promise = future_to_promise(async move {
            let studio = create(listeners).await?;
            STUDIO.with(|st| *st.borrow_mut() = Some(Rc::new(studio)));
            Ok(JsValue::UNDEFINED)
        });
        *s.borrow_mut() = Some(promise);
    });
}

/// Waits until [`start`] has finished.
pub async fn ready() -> Result<(), AppError> {
    let promise = STARTUP.with(|s| s.borrow().clone());
    let Some(p) = promise else {
        return Err(AppError::AudioUnavailable {
            detail: "the audio engine was never started".into(),
        });
    };
    JsFuture::from(p)
        .await
        .map(|_| ())
        .map_err(|e| AppError::AudioUnavailable {
            detail: js_detail(&e),
        })
}

async fn create(listeners: Listeners) -> Result<Studio, JsValue> {
    let ctx = AudioContext::new()?;
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(ENGINE_WASM_URL))
        .await?
        .dyn_into()?;
    if !response.ok() {
        return Err(format!("{ENGINE_WASM_URL}: HTTP {}", response.status()).into());
    }
    let bytes = JsFuture::from(response.array_buffer()?).await?;
    let module: WebAssembly::Module = JsFuture::from(WebAssembly::compile(&bytes))
        .await?
        .dyn_into()?;
    JsFuture::from(ctx.audio_worklet()?.add_module(PROCESSOR_URL)?).await?;
    let node = engine_node(&ctx, &module)?;
    node.connect_with_audio_node(&ctx.destination())?;
    // The feeder and the engine talk directly, through a channel of their own. A module Worker:
    // it imports `stem-source.js`, shared with the export Worker.
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let feeder = Worker::new_with_options(FEEDER_URL, &options)?;
    let channel = MessageChannel::new()?;
    node.port()?.post_message_with_transferable(
        &to_js(&ToProcessor::Feeder {
            port: channel.port1(),
        }),
        &Array::of1(&channel.port1()),
    )?;
    feeder.post_message_with_transfer(
        &to_js(&ToFeeder::Port {
            port: channel.port2(),
        }),
        &Array::of1(&channel.port2()),
    )?;
    // The feeder says when a stem's files on disk cannot be read (once per track).
    let on_feeder_error = listeners.on_error.clone();
    let on_feeder = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        if let Ok(FromFeeder::Error { id, message }) = serde_wasm_bindgen::from_value(ev.data()) {
            on_feeder_error(AppError::Unreadable {
                file: stem_file_name(id).unwrap_or_else(|| "a stem".into()),
                detail: format!(
                    "its decoded audio could not be read from this browser's storage ({message}); it plays as silence until it can"
                ),
            });
        }
    });
    feeder.set_onmessage(Some(on_feeder.as_ref().unchecked_ref()));
    let admissions: Rc<RefCell<Vec<(u32, Admission)>>> = Rc::default();
    let pings: Rc<RefCell<std::collections::VecDeque<Gate>>> = Rc::default();
    let (answers, pongs) = (admissions.clone(), pings.clone());
    let on_message =
        Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| match FromProcessor::read(
            ev.data(),
        ) {
            Some(FromProcessor::Meter(words)) => {
                if let Some(snap) = MeterSnapshot::decode(&words.to_vec()) {
                    (listeners.on_meter)(snap);
                }
            }
            Some(FromProcessor::Error { code, id }) => {
                let file = id.and_then(stem_file_name);
                let error = EngineError::from_code(code).unwrap_or(EngineError::InvalidValue);
                if let Some(id) = id
                    && answer(&answers, id, Admission::Refused(error))
                {
                    (listeners.on_refused)(id);
                }
                // The settings sent with a track the engine then refused arrive before the
                // refusal is known here: their "no such track" says nothing new.
                let raced = id.is_none()
                    && matches!(error, EngineError::UnknownTrack | EngineError::UnknownLane)
                    && answers
                        .borrow()
                        .iter()
                        .any(|(_, a)| matches!(a, Admission::Refused(_)));
                if !raced {
                    (listeners.on_error)(AppError::Engine { file, error });
                }
            }
            Some(FromProcessor::Added { id }) => {
                answer(&answers, id, Admission::Added);
            }
            Some(FromProcessor::Pong) => {
                let gate = pongs.borrow_mut().pop_front();
                if let Some(gate) = gate {
                    gate.open();
                }
            }
            None => {}
        });
    node.port()?
        .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    Ok(Studio {
        ctx,
        node,
        feeder,
        module,
        stems: RefCell::new(Vec::new()),
        admissions,
        pings,
        _on_message: on_message,
        _on_feeder: on_feeder,
    })
}

/// Records the engine's answer for track `id`: only a track still waiting for one is decided
/// (a later stream error about a track the engine holds does not take it back).
/// Records the engine's answer for a pending track; false when none was pending.
fn answer(admissions: &RefCell<Vec<(u32, Admission)>>, id: u32, a: Admission) -> bool {
    if let Some((_, state)) = admissions
        .borrow_mut()
        .iter_mut()
        .find(|(t, s)| *t == id && *s == Admission::Pending)
    {
        *state = a;
        return true;
    }
    false
}

/// How much more memory the engine may take once it exists, bytes, for diagnosis and tests:
/// the page's `engine-memory-headroom-kib` query parameter. None normally.
fn memory_headroom() -> Option<f64> {
    crate::browser::js::headroom_from_query("engine-memory-headroom-kib")
}

/// The `AudioWorkletNode` running the engine: no inputs, one stereo output.
fn engine_node(
    ctx: &web_sys::BaseAudioContext,
    module: &WebAssembly::Module,
) -> Result<AudioWorkletNode, JsValue> {
    let headroom = JsValue::from(memory_headroom().unwrap_or(0.0));
    let pairs: [(&str, &JsValue); 2] = [("module", module.as_ref()), ("memoryHeadroom", &headroom)];
    let options = AudioWorkletNodeOptions::new();
    options.set_number_of_inputs(0);
    options.set_number_of_outputs(1);
    options.set_output_channel_count(&Array::of1(&JsValue::from(2)));
    options.set_processor_options(Some(&object(&pairs)));
    AudioWorkletNode::new_with_options(ctx, PROCESSOR_NAME, &options)
}

fn studio() -> Option<Rc<Studio>> {
    STUDIO.with(|s| s.borrow().clone())
}

/// The session's sample rate (the AudioContext's), once started.
pub fn sample_rate() -> Option<f32> {
    studio().map(|s| s.ctx.sample_rate())
}

/// The realtime context (for decoding at its rate).
pub fn context() -> Option<AudioContext> {
    studio().map(|s| s.ctx.clone())
}

/// Resumes a context the browser started suspended (call from a user gesture).
pub fn resume() {
    if let Some(s) = studio() {
        let _ = s.ctx.resume();
    }
}

/// Sends commands to the realtime engine. Commands for a track the engine refused are left out
/// (it does not hold that track; the refusal was said once).
pub fn send(commands: &[Command]) {
    if let Some(s) = studio() {
        let refused: Vec<u32> = s
            .admissions
            .borrow()
            .iter()
            .filter(|(_, a)| matches!(a, Admission::Refused(_)))
            .map(|(id, _)| *id)
            .collect();
        let kept: Vec<Command> = commands
            .iter()
            .filter(|c| track_of(c).is_none_or(|t| !refused.contains(&t)))
            .copied()
            .collect();
        if kept.is_empty() {
            return;
        }
        let msg = to_js(&ToProcessor::Cmd {
            words: words(&kept),
        });
        if let Ok(port) = s.node.port() {
            let _ = port.post_message(&msg);
        }
    }
}

/// Brings the engine's automation lanes up to date: `moves` in order, lanes made by a `lanes`
/// message and their points by commands (lanes of tracks the engine refused are left out).
pub fn send_lanes(moves: &[crate::model::lane_book::LaneMove]) {
    use crate::model::lane_book::LaneMove;
    let Some(s) = studio() else {
        return;
    };
    let refused: Vec<u32> = s
        .admissions
        .borrow()
        .iter()
        .filter(|(_, a)| matches!(a, Admission::Refused(_)))
        .map(|(id, _)| *id)
        .collect();
    let Ok(port) = s.node.port() else {
        return;
    };
    let mut skipped: Vec<u32> = Vec::new();
    let lane_of = |c: &Command| match *c {
        Command::SetLanePoint { lane, .. }
        | Command::SetLaneLength { lane, .. }
        | Command::SetLaneReading { lane, .. }
        | Command::RemoveLane { lane } => Some(lane),
        _ => None,
    };
    // Consecutive moves of one kind travel in one message, in order.
    let mut i = 0;
    while i < moves.len() {
        let adding = matches!(moves[i], LaneMove::Add { .. });
        let run_end = moves[i..]
            .iter()
            .position(|m| matches!(m, LaneMove::Add { .. }) != adding)
            .map_or(moves.len(), |k| i + k);
        let run = &moves[i..run_end];
        i = run_end;
        if adding {
            let kept: Vec<LaneMove> = run
                .iter()
                .filter(|m| match **m {
                    LaneMove::Add { id, track, .. } if refused.contains(&track) => {
                        skipped.push(id);
                        false
                    }
                    _ => true,
                })
                .copied()
                .collect();
            if !kept.is_empty() {
                let msg = to_js(&ToProcessor::Lanes {
                    words: crate::browser::protocol::lane_words(&kept),
                });
                let _ = port.post_message(&msg);
            }
        } else {
            let kept: Vec<Command> = run
                .iter()
                .filter_map(|m| match m {
                    LaneMove::Cmd(c) if lane_of(c).is_none_or(|l| !skipped.contains(&l)) => {
                        Some(*c)
                    }
                    _ => None,
                })
                .collect();
            if !kept.is_empty() {
                let msg = to_js(&ToProcessor::Cmd {
                    words: words(&kept),
                });
                let _ = port.post_message(&msg);
            }
        }
    }
}

/// The track a command is about, if any.
fn track_of(c: &Command) -> Option<u32> {
    match *c {
        Command::SetTrackParam { track, .. } | Command::RemoveTrack { track } => Some(track),
        _ => None,
    }
}

/// Remembers where a decoded stem is in the store (by its hash), so that a track playing it can
/// be posted to the engine by [`post_stem`].
pub fn remember_stem(stored: &StoredStem) {
    KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        k.retain(|st| st.sha256 != stored.sha256);
        k.push(stored.clone());
    });
}

/// Gives the engine track `id`, streaming the remembered stem `sha256` (hex): the feeder opens
/// its files in the store and the engine asks it for a few seconds at a time. Remembers the
/// track's stem for export.
pub fn post_stem(id: u32, file_name: &str, sha256: &str) -> Result<(), AppError> {
    let s = studio().ok_or(AppError::AudioUnavailable {
        detail: "the audio engine is not running".into(),
    })?;
    let stored = KNOWN
        .with(|k| k.borrow().iter().find(|st| st.sha256 == sha256).cloned())
        .ok_or_else(|| AppError::Unreadable {
            file: file_name.to_string(),
            detail: "its decoded audio is not in this browser's store any more".into(),
        })?;
    let fail = |e: JsValue| AppError::Unreadable {
        file: file_name.to_string(),
        detail: js_detail(&e),
    };
    let frames = stored.frames as f64;
    let channels = stored.channels;
    s.feeder
        .post_message(&to_js(&ToFeeder::Track {
            id,
            sha256: stored.sha256.clone(),
            rate: stored.rate,
            channels,
            frames,
            planes: crate::browser::memory_store::planes(&stored.sha256, stored.rate)
                .map_or(JsValue::NULL, JsValue::from),
        }))
        .map_err(fail)?;
    let capacity = (s.ctx.sample_rate() * RING_SECONDS) as u32;
    s.node
        .port()
        .and_then(|port| {
            port.post_message(&to_js(&ToProcessor::StreamAdd {
                id,
                channels,
                frames,
                capacity,
            }))
        })
        .map_err(fail)?;
    {
        let mut admissions = s.admissions.borrow_mut();
        admissions.retain(|(t, _)| *t != id);
        admissions.push((id, Admission::Pending));
    }
    let mut stems = s.stems.borrow_mut();
    stems.retain(|st| st.id != id);
    stems.push(Stem {
        id,
        file_name: file_name.to_string(),
        stored,
    });
    Ok(())
}

/// Forgets a stem (after the engine was told to remove it); the feeder closes its files.
pub fn drop_stem(id: u32) {
    if let Some(s) = studio() {
        s.stems.borrow_mut().retain(|st| st.id != id);
        s.admissions.borrow_mut().retain(|(t, _)| *t != id);
        let _ = s.feeder.post_message(&to_js(&ToFeeder::Remove { id }));
    }
}

fn stem_file_name(id: u32) -> Option<String> {
    studio()?
        .stems
        .borrow()
        .iter()
        .find(|st| st.id == id)
        .map(|st| st.file_name.clone())
}

/// The engine's answer for every track posted to it, once it has answered everything posted
/// so far (a ping/pong round trip through the processor's queue).
pub async fn admissions() -> Vec<(u32, Admission)> {
    let Some(s) = studio() else {
        return Vec::new();
    };
    let gate = Gate::default();
    let sent = s
        .node
        .port()
        .and_then(|port| port.post_message(&to_js(&ToProcessor::Ping)));
    if sent.is_ok() {
        s.pings.borrow_mut().push_back(gate.clone());
        gate.wait().await;
    }
    s.admissions.borrow().clone()
}

/// The compiled engine module and every stem, for an offline render.
pub fn export_inputs() -> Option<(WebAssembly::Module, Vec<Stem>)> {
    let s = studio()?;
    let stems = s.stems.borrow().clone();
    Some((s.module.clone(), stems))
}

//! The link to the realtime engine (main thread): one `AudioContext`, the compiled worklet module,
//! the `AudioWorkletNode` running the Rust engine, and the decoded stems it was given (kept for
//! export). Commands go out as `Float64Array` words; meter snapshots come back the same way.

use std::cell::RefCell;
use std::rc::Rc;

use dsp_worklet::{Command, EngineError, MeterSnapshot};
use js_sys::{Array, Float64Array, Promise, WebAssembly};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{AudioBuffer, AudioContext, AudioWorkletNode, AudioWorkletNodeOptions, MessageEvent};

use crate::browser::js::{channel_data, get, object};
use crate::error::{AppError, js_detail};

/// Name the processor registers under in `engine-processor.js`.
pub const PROCESSOR_NAME: &str = "second-ear-engine";
/// The processor script and the engine wasm, as Trunk copies them into `dist/`.
pub const PROCESSOR_URL: &str = "engine-processor.js";
pub const ENGINE_WASM_URL: &str = "dsp_worklet.wasm";

/// What the engine tells the UI.
pub struct Listeners {
    pub on_meter: Box<dyn Fn(MeterSnapshot)>,
    pub on_error: Box<dyn Fn(AppError)>,
}

struct Studio {
    ctx: AudioContext,
    node: AudioWorkletNode,
    module: WebAssembly::Module,
    /// Stems by track id, for the offline export.
    stems: RefCell<Vec<Stem>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// A stem as the export needs it: decoded at the session rate, and the file's own bytes for
/// decoding again at another rate.
#[derive(Clone)]
pub struct Stem {
    pub id: u32,
    pub file_name: String,
    pub buffer: AudioBuffer,
    pub bytes: js_sys::ArrayBuffer,
}

thread_local! {
    static STUDIO: RefCell<Option<Rc<Studio>>> = const { RefCell::new(None) };
    static STARTUP: RefCell<Option<Promise>> = const { RefCell::new(None) };
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
    let node = engine_node(&ctx, &module, true)?;
    node.connect_with_audio_node(&ctx.destination())?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        match get(&data, "type").as_string().as_deref() {
            Some("meter") => {
                if let Ok(words) = get(&data, "words").dyn_into::<Float64Array>()
                    && let Some(snap) = MeterSnapshot::decode(&words.to_vec())
                {
                    (listeners.on_meter)(snap);
                }
            }
            Some("error") => {
                let code = get(&data, "code").as_f64().unwrap_or(0.0) as i32;
                let file = get(&data, "id")
                    .as_f64()
                    .and_then(|id| stem_file_name(id as u32));
                if let Some(error) = EngineError::from_code(code) {
                    (listeners.on_error)(AppError::Engine { file, error });
                }
            }
            _ => {}
        }
    });
    node.port()?
        .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    Ok(Studio {
        ctx,
        node,
        module,
        stems: RefCell::new(Vec::new()),
        _on_message: on_message,
    })
}

/// An `AudioWorkletNode` running the engine: no inputs, one stereo output. `meters` turns the
/// meter posts on (realtime) or off (export).
pub fn engine_node(
    ctx: &web_sys::BaseAudioContext,
    module: &WebAssembly::Module,
    meters: bool,
) -> Result<AudioWorkletNode, JsValue> {
    let pairs: [(&str, &JsValue); 2] = [
        ("module", module.as_ref()),
        ("meters", &JsValue::from_bool(meters)),
    ];
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

/// Command words for a list of commands (`Command::to_words`, flattened).
pub fn words(commands: &[Command]) -> Float64Array {
    let flat: Vec<f64> = commands.iter().flat_map(|c| c.to_words()).collect();
    Float64Array::from(flat.as_slice())
}

/// Sends commands to the realtime engine.
pub fn send(commands: &[Command]) {
    if let Some(s) = studio() {
        let msg = object(&[("type", &"cmd".into()), ("words", &words(commands))]);
        if let Ok(port) = s.node.port() {
            let _ = port.post_message(&msg);
        }
    }
}

/// Posts a stem to an engine node as `{type:'add', id, channels}`. The channels are fresh copies
/// whose buffers are transferred, not cloned a second time: one copy in all.
pub fn post_stem(
    port: &web_sys::MessagePort,
    id: u32,
    buffer: &AudioBuffer,
) -> Result<(), JsValue> {
    let channels = Array::new();
    let transfer = Array::new();
    for ch in 0..buffer.number_of_channels() {
        let copy = js_sys::Float32Array::new(&channel_data(buffer, ch)?.into());
        transfer.push(&copy.buffer());
        channels.push(&copy);
    }
    let msg = object(&[
        ("type", &"add".into()),
        ("id", &JsValue::from(id)),
        ("channels", &channels),
    ]);
    port.post_message_with_transferable(&msg, &transfer)
}

/// Gives the engine a decoded stem (copied across) and keeps the buffer for export.
pub fn add_stem(
    id: u32,
    file_name: &str,
    buffer: &AudioBuffer,
    bytes: &js_sys::ArrayBuffer,
) -> Result<(), AppError> {
    let s = studio().ok_or(AppError::AudioUnavailable {
        detail: "the audio engine is not running".into(),
    })?;
    let fail = |e: JsValue| AppError::Unreadable {
        file: file_name.to_string(),
        detail: js_detail(&e),
    };
    post_stem(&s.node.port().map_err(fail)?, id, buffer).map_err(fail)?;
    let mut stems = s.stems.borrow_mut();
    stems.retain(|st| st.id != id);
    stems.push(Stem {
        id,
        file_name: file_name.to_string(),
        buffer: buffer.clone(),
        bytes: bytes.clone(),
    });
    Ok(())
}

/// Posts a kept stem to the realtime engine again (undoing a removal).
pub fn repost_stem(id: u32) -> Result<(), AppError> {
    let s = studio().ok_or(AppError::AudioUnavailable {
        detail: "the audio engine is not running".into(),
    })?;
    let stems = s.stems.borrow();
    let st = stems
        .iter()
        .find(|st| st.id == id)
        .ok_or(AppError::AudioUnavailable {
            detail: format!("the audio of track {id} is no longer held"),
        })?;
    let port = s.node.port().map_err(|e| AppError::AudioUnavailable {
        detail: js_detail(&e),
    })?;
    post_stem(&port, id, &st.buffer).map_err(|e| AppError::Unreadable {
        file: st.file_name.clone(),
        detail: js_detail(&e),
    })
}

/// The kept file bytes of a track's stem (for a session bundle).
pub fn stem_bytes(id: u32) -> Option<(String, js_sys::ArrayBuffer)> {
    studio()?
        .stems
        .borrow()
        .iter()
        .find(|st| st.id == id)
        .map(|st| (st.file_name.clone(), st.bytes.clone()))
}

/// Forgets a stem's audio (after the engine was told to remove it).
pub fn drop_stem(id: u32) {
    if let Some(s) = studio() {
        s.stems.borrow_mut().retain(|st| st.id != id);
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

/// The compiled engine module and every stem, for an offline render.
pub fn export_inputs() -> Option<(WebAssembly::Module, Vec<Stem>)> {
    let s = studio()?;
    let stems = s.stems.borrow().clone();
    Some((s.module.clone(), stems))
}

//! The messages between the main thread and the engine's JavaScript: the AudioWorklet processor
//! (`dsp-worklet/js/engine-processor.js`), the stream feeder Worker (`stream-feeder.js`) and the
//! export Worker (`export-worker.js`). One typed enum per direction, crossing with
//! `serde-wasm-bindgen` as plain objects whose `type` is the variant's kebab-case name (the JS
//! side switches on it; this file is the one definition). Typed arrays, ports and the compiled
//! module pass through as they are (`serde_wasm_bindgen::preserve`), never copied into JSON.
//! The per-parameter hot path stays four `f64` words per [`Command`] (`Command::to_words`).
//! Main thread.

use dsp_worklet::Command;
use js_sys::{Float32Array, Float64Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// To the engine processor (AudioWorklet).
#[derive(Serialize)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum ToProcessor {
    /// Commands, four words each ([`words`]).
    Cmd {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        words: Float64Array,
    },
    /// A stem streamed from the stem store through a ring of `capacity` frames.
    StreamAdd {
        id: u32,
        channels: u32,
        frames: f64,
        capacity: u32,
    },
    /// Automation lanes to make, four words each ([`lane_words`]): lane id, track id
    /// (`u32::MAX`: the master), parameter id, room in points.
    Lanes {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        words: Float64Array,
    },
    /// The stream feeder's end of a `MessageChannel` (transferred beside the message).
    Feeder {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        port: web_sys::MessagePort,
    },
    /// Answered [`FromProcessor::Pong`] once everything posted before it has been applied.
    Ping,
}

/// From the engine processor. (It also posts `{type:'stream-path', shared}` once, saying whether
/// it streams through shared memory or messages: for diagnostics and tests, read as `None`.)
#[derive(Debug)]
pub enum FromProcessor {
    /// A meter snapshot's words (`MeterSnapshot::decode`), about 30 times a second.
    Meter(Float64Array),
    /// Track `id` is in the engine.
    Added { id: u32 },
    /// An `EngineError` code, for track `id` when it concerns one.
    Error { code: i32, id: Option<u32> },
    /// Everything posted before the matching ping has been applied.
    Pong,
}

/// The processor's reply kinds (the `type` field).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ProcessorReply {
    Meter,
    Added,
    Error,
    Pong,
}

/// A processor message as it arrives: the kind and every field any kind has. A flat struct, so
/// the typed array passes through (`serde` buffers internally tagged enums, which would lose it).
#[derive(Deserialize)]
struct ProcessorWire {
    #[serde(rename = "type")]
    kind: ProcessorReply,
    #[serde(default)]
    id: Option<u32>,
    #[serde(default)]
    code: Option<i32>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    words: JsValue,
}

impl FromProcessor {
    /// Reads a posted message; `None` for anything that is not one.
    pub fn read(data: JsValue) -> Option<FromProcessor> {
        let wire: ProcessorWire = serde_wasm_bindgen::from_value(data).ok()?;
        Some(match wire.kind {
            ProcessorReply::Meter => FromProcessor::Meter(wire.words.dyn_into().ok()?),
            ProcessorReply::Added => FromProcessor::Added { id: wire.id? },
            ProcessorReply::Error => FromProcessor::Error {
                code: wire.code?,
                id: wire.id,
            },
            ProcessorReply::Pong => FromProcessor::Pong,
        })
    }
}

/// To the stream feeder Worker.
#[derive(Serialize)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum ToFeeder {
    /// The engine's end of the feeder's `MessageChannel` (transferred beside the message).
    Port {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        port: web_sys::MessagePort,
    },
    /// Track `id` streams the stem `sha256` stored at `rate` Hz.
    Track {
        id: u32,
        sha256: String,
        rate: u32,
        channels: u32,
        frames: f64,
        /// Where the browser gives no private file storage: the stem's planes, from the
        /// in-memory store (copied by the posting); otherwise `null` (read from the files).
        #[serde(with = "serde_wasm_bindgen::preserve")]
        planes: JsValue,
    },
    /// Track `id` left the engine: close its files.
    Remove { id: u32 },
}

/// From the stream feeder Worker.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FromFeeder {
    /// The Worker is listening.
    Ready,
    /// Track `id`'s files could not be read (said once per track).
    Error { id: u32, message: String },
}

/// One stem of an export job, as the export Worker opens it from the store.
#[derive(Serialize)]
pub struct JobStem {
    pub id: u32,
    /// The file's name, for messages.
    pub name: String,
    pub sha256: String,
    pub rate: u32,
    pub channels: u32,
    pub frames: f64,
    /// As in [`ToFeeder::Track`]: the planes from the in-memory store, or `null`.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub planes: JsValue,
}

/// The one message to an export Worker: render `frames` frames.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportJob {
    /// The compiled engine module.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub module: js_sys::WebAssembly::Module,
    /// Hz.
    pub rate: f32,
    pub stems: Vec<JobStem>,
    /// The automation lanes to make before the commands ([`lane_words`]).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub lanes: Float64Array,
    /// State commands, then metering off, seek and play ([`words`]).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub words: Float64Array,
    /// `Command::Pause`'s words, applied at `stop_at`.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub pause_words: Float64Array,
    pub frames: f64,
    /// The frame where the tracks pause (a region's end, the effects ringing on), or −1.
    pub stop_at: f64,
    /// Room in frames for recording the master chain's input, or 0.
    pub record: f64,
    /// Render from the recording of the master chain's input that this Worker's last job made
    /// (or replayed), instead of the stems.
    pub replay: bool,
    /// Frames per piece of output the Worker posts as it renders (a multiple of the block).
    pub piece: f64,
    /// `"part"` for a part of a split export (see `dsp_worklet::split`), else `"sum"`.
    pub role: &'static str,
    /// A part's port to the summing Worker, or `null`.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub port: JsValue,
    /// The summing Worker's parts, `[{port, tracks}]` in mix order, or `null` (no split).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub split: JsValue,
    /// With a split: the song's length over every engine's stems, frames.
    pub song_frames: f64,
    /// With a split: whether any track of the mix is soloed.
    pub solo_elsewhere: bool,
}

/// From an export Worker.
#[derive(Debug)]
pub enum FromExporter {
    /// The script is loaded and listening.
    Ready,
    /// 0…1 of the render.
    Progress(f64),
    /// The next piece of the output, from frame `at` (pieces arrive in order, back to back).
    Piece {
        at: f64,
        left: Float32Array,
        right: Float32Array,
    },
    /// The render is complete: the final meter snapshot's words, the recording's length if one
    /// was asked for.
    Done {
        snapshot: Float64Array,
        /// Frames recorded when the job recorded (the recording stays in the Worker).
        recorded: Option<f64>,
        /// The parts' final meter snapshots (a split export), in order.
        parts: Vec<Float64Array>,
    },
    /// The render failed; `message` says why.
    Error(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ExporterReply {
    Ready,
    Progress,
    Piece,
    Done,
    Error,
}

/// An export Worker's message as it arrives (flat, see [`ProcessorWire`]).
#[derive(Deserialize)]
struct ExporterWire {
    #[serde(rename = "type")]
    kind: ExporterReply,
    #[serde(default)]
    fraction: f64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    at: f64,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    left: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    right: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    snapshot: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    recorded: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    parts: JsValue,
}

impl FromExporter {
    /// Reads a posted message; a malformed one reads as an error saying so.
    pub fn read(data: JsValue) -> FromExporter {
        let wire: ExporterWire = match serde_wasm_bindgen::from_value(data) {
            Ok(w) => w,
            Err(e) => return FromExporter::Error(format!("the renderer sent a bad message: {e}")),
        };
        match wire.kind {
            ExporterReply::Ready => FromExporter::Ready,
            ExporterReply::Progress => FromExporter::Progress(wire.fraction),
            ExporterReply::Error => FromExporter::Error(wire.message),
            ExporterReply::Piece => match (audio(wire.left), audio(wire.right)) {
                (Some(left), Some(right)) if left.length() == right.length() => {
                    FromExporter::Piece {
                        at: wire.at,
                        left,
                        right,
                    }
                }
                _ => FromExporter::Error("the renderer sent a piece without audio".into()),
            },
            ExporterReply::Done => {
                let recorded = wire.recorded.as_f64();
                let parts: Option<Vec<Float64Array>> = match wire.parts.dyn_into::<js_sys::Array>()
                {
                    Ok(a) => a.iter().map(|p| p.dyn_into().ok()).collect(),
                    Err(_) => Some(Vec::new()),
                };
                match (wire.snapshot.dyn_into::<Float64Array>().ok(), parts) {
                    (Some(snapshot), Some(parts)) => FromExporter::Done {
                        snapshot,
                        recorded,
                        parts,
                    },
                    (_, None) => FromExporter::Error(
                        "the renderer returned a part without a meter snapshot".into(),
                    ),
                    (None, _) => {
                        FromExporter::Error("the renderer returned no meter snapshot".into())
                    }
                }
            }
        }
    }
}

fn audio(v: JsValue) -> Option<Float32Array> {
    v.dyn_into::<Float32Array>().ok()
}

/// Command words for a list of commands (`Command::to_words`, flattened).
pub fn words(commands: &[Command]) -> Float64Array {
    let flat: Vec<f64> = commands.iter().flat_map(|c| c.to_words()).collect();
    Float64Array::from(flat.as_slice())
}

/// The lanes to make among `moves`, four words each (`EngineShell.addLanes`).
pub fn lane_words(moves: &[crate::model::lane_book::LaneMove]) -> Float64Array {
    use crate::model::lane_book::LaneMove;
    let flat: Vec<f64> = moves
        .iter()
        .filter_map(|m| match *m {
            LaneMove::Add {
                id,
                track,
                param,
                capacity,
            } => Some([
                id as f64,
                track as f64,
                param as u16 as f64,
                capacity as f64,
            ]),
            LaneMove::Cmd(_) => None,
        })
        .flatten()
        .collect();
    Float64Array::from(flat.as_slice())
}

/// A message as a JS value (plain objects; typed arrays and ports as they are).
pub fn to_js<T: Serialize>(msg: &T) -> JsValue {
    // Serialising these types cannot fail: every field is a number, a string, a list of such,
    // or a preserved JS value.
    serde_wasm_bindgen::to_value(msg).unwrap_or(JsValue::UNDEFINED)
}

//! Second Ear's audio engine.
//!
//! Plain Rust with no browser types: the same code runs natively under `cargo test`, inside the
//! AudioWorklet (through the thin [`wasm_shell`] exports), and in the offline export render.
//!
//! Data flow: the UI (main thread) sends [`Command`]s and whole decoded stems (or a feeder streams
//! them through small rings, see [`stream`]); the engine owns the stems and the transport, sums every track into a stereo bus on 128-frame blocks in
//! [`Engine::process`], and publishes a [`MeterSnapshot`] that the shell posts back to the UI.
//!
//! Layout, one job per module:
//! - [`engine`]: the orchestration: track list, transport and de-click, priming and latency,
//!   streaming epochs, and the order of a block: tracks → FX buses → master fader → master chain
//!   → metering → monitor.
//! - [`track`] (one stem, its [`region`] and its strip), [`dsp`] (the processors: strip modules, FX buses, master
//!   chain, and the primitives they share such as [`dsp::smoother`] and [`dsp::pan`]),
//!   [`monitor`] (mono, A/B, platform preview, version trim: what is heard, never measured or
//!   exported), [`metering`] (the master's meters and the assembly of the meter words).
//! - Around them: [`params`] (the parameter table, shared with the UI), [`automation`] (lanes), [`command`] and [`error`]
//!   (the messages in), [`meter`] (the meter words' layout and their decoding on the main thread),
//!   [`loudness`], [`spectrum`], [`platform`], [`stream`] (rings for streamed stems), [`premix`]
//!   (export passes), [`transport`], and `wasm_shell` (the worklet's exports, feature
//!   `wasm-shell`).

pub mod automation;
pub mod buffers;
pub mod command;
pub mod dsp;
pub mod engine;
pub mod error;
pub mod loudness;
pub mod memory_budget;
pub mod meter;
pub mod metering;
pub mod monitor;
pub mod params;
pub mod platform;
pub mod premix;
pub mod region;
pub mod spectrum;
pub mod split;
pub mod stream;
pub mod track;
pub mod transport;

#[cfg(feature = "wasm-shell")]
pub mod wasm_shell;

pub use command::Command;
pub use engine::Engine;
pub use error::EngineError;
pub use meter::MeterSnapshot;
pub use params::{PARAMS, ParamId, ParamSpec, ParamValues};
pub use stream::{ReadPlan, StreamWant};

/// Frames per render quantum in Web Audio: the block size the worklet calls `process` with.
pub const BLOCK_FRAMES: usize = 128;

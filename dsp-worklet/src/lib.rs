//! Second Ear's audio engine.
//!
//! Plain Rust with no browser types: the same code runs natively under `cargo test`, inside the
//! AudioWorklet (through the thin [`wasm_shell`] exports), and in the offline export render.
//!
//! Data flow: the UI (main thread) sends [`Command`]s and whole decoded stems (or a feeder streams
//! them through small rings, see [`stream`]); the engine owns the stems and the transport, sums every track into a stereo bus on 128-frame blocks in
//! [`Engine::process`], and publishes a [`MeterSnapshot`] that the shell posts back to the UI.

pub mod bench_session;
pub mod command;
pub mod dsp;
pub mod engine;
pub mod error;
pub mod loudness;
pub mod meter;
pub mod pan;
pub mod params;
pub mod platform;
pub mod premix;
pub mod smoother;
pub mod spectrum;
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

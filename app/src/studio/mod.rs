//! The application state and its actions (main thread): [`controller::Studio`] holds the model
//! in signals and is the one place edits go through,
//! and [`engine_sync`] the one path from the mix to the engine; [`sharing`] brings sessions in and out
//! (links, bundles, autosave, review); [`export_job`] and [`matching`] run the delivery loop.

pub mod automation_write;
pub mod controller;
pub mod engine_sync;
pub mod export_job;
pub mod job;
pub mod matching;
pub mod sharing;
pub mod strip_silence;

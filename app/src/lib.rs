//! Second Ear's browser UI (Leptos 0.8, client-side rendered), in layers:
//!
//! - [`model`]: the mix as plain data — tracks, settings, comments, undo, review diffs,
//!   loudness targets. No browser types; tested natively.
//! - [`formats`]: what goes in and out as bytes — the session document, share links, session
//!   bundles, RIFF tags, file sniffing. Plain data; tested natively.
//! - [`delivery`]: turning a rendered master into a delivered file — the loudness-target
//!   search, dither, the WAV and its report. Plain data; tested natively.
//! - [`browser`]: glue to the browser's APIs — the engine link (AudioWorklet), decoding,
//!   dropped files, IndexedDB, Web Locks, the offline render. Main thread.
//! - [`studio`]: the application state (`Studio`: signals of model data) and the actions that
//!   change it and drive the browser layer — engine start, stems in, sharing, export.
//! - [`ui`]: Leptos components only, grouped by what they show (a strip, the master, the
//!   session).
//!
//! [`error`] is the crate's one error type: every message a user can see.

pub mod browser;
pub mod delivery;
pub mod error;
pub mod formats;
pub mod model;
pub mod studio;
pub mod ui;

pub use ui::App;

//! Second Ear's browser UI (Leptos 0.8, client-side rendered).
//!
//! Plain-data domain types live in [`session`], [`wav`] and [`sniff`] and are tested natively;
//! the browser glue is in [`audio`] (the realtime engine link), [`decode`], [`intake`] and
//! [`export`]; the components are in [`ui`].

pub mod audio;
pub mod bundle;
pub mod decode;
pub mod delivery;
pub mod dither;
pub mod document;
pub mod error;
pub mod export;
pub mod export_job;
pub mod hashing;
pub mod history;
pub mod intake;
pub mod js;
pub mod matching;
pub mod report;
pub mod review;
pub mod riff_info;
pub mod session;
pub mod share_link;
pub mod sniff;
pub mod stem_match;
pub mod storage;
pub mod tab_lock;
pub mod targets;
pub mod ui;
pub mod wav;

pub use ui::App;

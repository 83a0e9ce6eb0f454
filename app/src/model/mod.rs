//! The mix as plain data (main thread, no browser types): what the UI shows and edits.

pub mod automation;
pub mod automation_write;
pub mod history;
pub mod lane_book;
pub mod review;
pub mod session;
pub mod stem_match;
pub mod storage_use;
pub mod strip_silence;
pub mod targets;

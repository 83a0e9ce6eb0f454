//! Glue to the browser (main thread): the realtime engine link, decoding, dropped files,
//! hashing, IndexedDB autosave, the autosave's Web Lock, and the offline render.

pub mod decode;
pub mod engine_link;
pub mod hashing;
pub mod intake;
pub mod js;
pub mod offline_render;
pub mod storage;
pub mod tab_lock;

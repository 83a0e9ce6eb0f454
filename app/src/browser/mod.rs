//! Glue to the browser: the realtime engine link, the decode Workers and the stem store on disk
//! (OPFS, or in memory where a browser has none), dropped files, hashing, IndexedDB autosave, the autosave's Web Lock, and the offline
//! render. Main thread, except [`decode_worker`], which runs in the decode Workers.

pub mod decode_worker;
pub mod decoder_pool;
pub mod download;
pub mod engine_link;
pub mod hashing;
pub mod intake;
pub mod js;
pub mod memory_store;
pub mod offline_render;
pub mod protocol;
pub mod stem_store;
pub mod stem_writer;
pub mod storage;
pub mod tab_lock;

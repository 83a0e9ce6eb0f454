//! The session as a whole: stems in, transport, comments, sharing, export and error messages.

pub mod comments;
pub mod drop_zone;
pub mod errors;
pub mod export_dialog;
pub mod share_panel;
pub mod storage_bar;
pub mod transport;

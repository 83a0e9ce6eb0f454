//! Bytes in and out (plain data, any thread): the session document and its encodings — share
//! links and session bundles — the WAV's LIST/INFO chunk, and naming what a file looks like.

pub mod bundle;
pub mod document;
pub mod riff_info;
pub mod share_link;
pub mod sniff;

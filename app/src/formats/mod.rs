//! Bytes in and out (plain data, any thread): the session document and its encodings — share
//! links and session bundles — every format version they were written in ([`versions`]), the
//! WAV's LIST/INFO chunk, and decoding audio files into stems at the session rate
//! ([`stem_decode`]).

pub mod bundle;
pub mod bundle_document;
pub mod document;
pub mod file_name;
pub mod invisible;
pub mod riff_info;
pub mod share_link;
pub mod stem_decode;
pub mod versions;

#[cfg(test)]
mod round_trip_tests;

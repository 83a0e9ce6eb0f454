//! Integration tests for the stem decoder. One test binary (faster to build); each module
//! covers one area. Tests that call `ffmpeg` or `sox` need the Debian packages `ffmpeg` and
//! `sox`, and fail with a message saying so when they are missing.

mod common;
mod damaged;
mod errors;
mod formats;
mod overview;
mod pieces;
mod resample;
mod wav;

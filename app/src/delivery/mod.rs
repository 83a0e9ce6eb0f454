//! From a rendered master to a delivered file (plain logic, main thread): the loudness-target
//! search ([`plan`]), requantisation with dither, the WAV, and the delivery report.

pub mod dither;
pub mod plan;
pub mod report;
pub mod wav;

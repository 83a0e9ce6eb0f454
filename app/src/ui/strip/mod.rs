//! A track: its channel strip, waveform and the editor of its strip modules.

pub mod automation_lane;
pub mod channel_strip;
pub mod editor;
pub mod eq_curve;
pub mod region_handles;
pub mod waveform;

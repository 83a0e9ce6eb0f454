//! The master: fader and meters, the FX buses and mastering chain, the loudness target and the
//! analysis panel.

pub mod analysis;
pub mod master_groups;
pub mod master_strip;
pub mod target_panel;

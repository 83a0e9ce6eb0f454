//! Controls shared by every view: parameter sliders and peak meters.

pub mod level_meter;
pub mod param_slider;

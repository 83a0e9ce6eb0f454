//! "Match target" (main thread): renders the whole song through the engine offline (the export's
//! path, faster than realtime), measures integrated loudness and true peak with the engine's own
//! BS.1770 meter, and moves the limiter's input gain until the master lands on the target.

use dsp_worklet::ParamId;
use dsp_worklet::loudness::LoudnessMeter;

use crate::error::AppError;
use crate::export::render_mix;
use crate::session::Mix;
use crate::targets::{Target, next_input_gain};

/// At most this many renders.
pub const MAX_PASSES: usize = 4;
/// Close enough, LU.
pub const TOLERANCE_LU: f64 = 0.1;

/// What matching settled on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Matched {
    pub passes: usize,
    pub integrated: f64,
    pub true_peak: f64,
    /// Limiter input gain that gets there, dB.
    pub input_gain_db: f32,
    /// True when the last pass is within the tolerance.
    pub on_target: bool,
}

/// Runs the passes. `progress` gets 0…1 over all passes; `Ok(None)` when cancelled.
pub async fn match_target(
    mix: &Mix,
    target: Target,
    progress: impl Fn(f64) + Clone,
    cancelled: impl Fn() -> bool + Clone,
) -> Result<Option<Matched>, AppError> {
    let mut m = mix.clone();
    m.set_master_param(ParamId::LimOn, 1.0);
    m.set_master_param(ParamId::LimCeiling, target.ceiling);
    m.set_master_param(ParamId::MasterBypass, 0.0);
    let spec = ParamId::LimInput.spec();
    let mut gain = m.master.get(ParamId::LimInput);
    let mut result = None;
    for pass in 1..=MAX_PASSES {
        m.set_master_param(ParamId::LimInput, gain);
        let p = progress.clone();
        let done = (pass - 1) as f64;
        let Some(r) = render_mix(
            &m,
            move |x| p((done + x) / MAX_PASSES as f64),
            cancelled.clone(),
        )
        .await?
        else {
            return Ok(None);
        };
        let mut meter = LoudnessMeter::new(2, r.sample_rate as u32).ok_or(AppError::Export {
            detail: format!("no loudness meter at {} Hz", r.sample_rate),
        })?;
        for (l, rr) in r.left.chunks(4096).zip(r.right.chunks(4096)) {
            meter.add(&[l, rr]);
        }
        let reading = meter.readings();
        if !reading.integrated.is_finite() {
            return Err(AppError::NothingToExport {
                reason:
                    "The mix is silent (below the −70 LUFS gate), so there is no loudness to match."
                        .into(),
            });
        }
        let on_target = (reading.integrated - target.lufs as f64).abs() <= TOLERANCE_LU;
        result = Some(Matched {
            passes: pass,
            integrated: reading.integrated,
            true_peak: reading.true_peak,
            input_gain_db: gain,
            on_target,
        });
        if on_target {
            break;
        }
        let next = next_input_gain(gain, reading.integrated, target.lufs, (spec.min, spec.max));
        if next == gain {
            break; // at the end of the control's range: report how close it got
        }
        gain = next;
    }
    progress(1.0);
    Ok(result)
}

//! "Match target" (main thread): renders the whole song through the engine offline (the export's
//! path, faster than realtime), measures integrated loudness and true peak with the engine's own
//! BS.1770 meter, and moves the limiter's input gain until the master lands on the target — the
//! [`crate::delivery::plan::Plan`] loop the export uses, measured on the float render. As in the
//! export, the first pass records the master chain's input and every later pass replays it: the
//! same bits at the cost of the master chain alone.

use crate::browser::offline_render::{Range, Recording, Source, render_mix_from};
use crate::delivery::plan::{MAX_PASSES, Plan, Verdict};
use crate::delivery::report::measure;
use crate::error::AppError;
use crate::model::session::Mix;
use crate::model::targets::Target;

/// What matching settled on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Matched {
    pub passes: usize,
    pub integrated: f64,
    pub true_peak: f64,
    /// Limiter input gain that gets there, dB.
    pub input_gain_db: f32,
    /// Limiter ceiling it needed, dBTP (the target's, or lower if the output overshot it).
    pub ceiling_db: f32,
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
    let mut plan = Plan::new(target, mix);
    let mut recording: Option<Recording> = None;
    loop {
        let used = plan;
        let p = progress.clone();
        let done = plan.passes as f64;
        let source = match &recording {
            Some(r) => Source::Replay(r),
            None => Source::Recording,
        };
        let Some(mut r) = render_mix_from(
            &plan.configure(mix),
            mix.sample_rate,
            Range::Song,
            source,
            move |x| p((done + x) / MAX_PASSES as f64),
            cancelled.clone(),
        )
        .await?
        else {
            return Ok(None);
        };
        if let Some(made) = r.recording.take() {
            recording = Some(made);
        }
        let m = measure(&r.left, &r.right, r.sample_rate as u32).ok_or(AppError::Export {
            detail: format!("no loudness meter at {} Hz", r.sample_rate),
        })?;
        if !m.integrated_lufs.is_finite() {
            return Err(AppError::NothingToExport {
                reason:
                    "The mix is silent (below the −70 LUFS gate), so there is no loudness to match."
                        .into(),
            });
        }
        let verdict = plan.after_pass(&m, r.limiter_reduction_db);
        if verdict != Verdict::Again {
            progress(1.0);
            return Ok(Some(Matched {
                passes: plan.passes,
                integrated: m.integrated_lufs,
                true_peak: m.true_peak_dbtp,
                input_gain_db: used.input_gain_db,
                ceiling_db: used.ceiling_db,
                on_target: verdict == Verdict::OnTarget,
            }));
        }
    }
}

//! "Match target" (main thread): renders the whole song through the engine offline (the export's
//! path, faster than realtime), measures integrated loudness and true peak with the engine's own
//! BS.1770 meter, and moves the limiter's input gain until the master lands on the target — the
//! [`crate::delivery::plan::Plan`] loop the export uses, measured on the float render. As in the
//! export, a first render with the limiter bypassed records the master chain's input and measures
//! the mix ([`unlimited_loudness`]); the limiter passes start from that loudness and replay the
//! recording: the same bits at the cost of the master chain alone.

use crate::browser::offline_render::{Range, Recording, Source, render_mix_into};
use crate::delivery::plan::{MAX_PASSES, Plan, Verdict};
use crate::delivery::report::Measurer;
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
    let p = progress.clone();
    let Some((made, lufs)) = unlimited_loudness(
        &plan.configure_unlimited(mix),
        mix.sample_rate as u32,
        Range::Song,
        move |x| p(x / MAX_PASSES as f64),
        cancelled.clone(),
    )
    .await?
    else {
        return Ok(None);
    };
    let Some(lufs) = lufs else {
        return Err(silent());
    };
    plan.start_from_unlimited(lufs);
    let master_moves = mix
        .master_lanes
        .iter()
        .any(|l| l.mode.reading() && !l.points.is_empty());
    let mut recording: Option<Recording> = made;
    loop {
        let used = plan;
        let p = progress.clone();
        // The first step of the bar was the bypassed render's.
        let done = (plan.passes + 1).min(MAX_PASSES - 1) as f64;
        // A replay does not follow master lanes (see export_job.rs): with any, every pass
        // renders from the stems.
        let source = match &recording {
            _ if master_moves => Source::Stems,
            Some(r) => Source::Replay(r),
            None => Source::Recording,
        };
        // Measured piece by piece while the Worker renders the next piece.
        let rate = mix.sample_rate as u32;
        let mut meter = Measurer::new(rate).ok_or(AppError::Export {
            detail: format!("no loudness meter at {rate} Hz"),
        })?;
        let Some(mut r) = render_mix_into(
            &plan.configure(mix),
            mix.sample_rate,
            Range::Song,
            source,
            move |x| p((done + x) / MAX_PASSES as f64),
            cancelled.clone(),
            &mut |l: &[f32], r: &[f32]| meter.add(l, r),
        )
        .await?
        else {
            return Ok(None);
        };
        if let Some(made) = r.recording.take() {
            recording = Some(made);
        }
        let m = meter.finish();
        if !m.integrated_lufs.is_finite() {
            return Err(silent());
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

fn silent() -> AppError {
    AppError::NothingToExport {
        reason: "The mix is silent (below the −70 LUFS gate), so there is no loudness to match."
            .into(),
    }
}

/// The first render of a search for a loudness target (Match target, and each export target):
/// `mix` as `Plan::configure_unlimited` sets it (the limiter bypassed), at `rate` Hz over
/// `range`. It records the master
/// chain's input, which every limiter pass after it replays (so the stems are read and mixed
/// once), and measures the mix's integrated loudness without the limiter: where the limiter's
/// input gain starts (`Plan::start_from_unlimited`). It costs the tracks and the master chain
/// without its limiter (most of the chain's cost), and most searches then land in one limiter
/// pass (natively, three mixes × three targets: 9 passes instead of 22). `progress` gets 0…1 of
/// this render. `None` when cancelled; the loudness is `None` for a mix below the gate.
pub async fn unlimited_loudness(
    mix: &Mix,
    rate: u32,
    range: Range,
    progress: impl Fn(f64),
    cancelled: impl Fn() -> bool + Clone,
) -> Result<Option<(Option<Recording>, Option<f64>)>, AppError> {
    let mut meter =
        dsp_worklet::loudness::LoudnessMeter::loudness_only(2, rate).ok_or(AppError::Export {
            detail: format!("no loudness meter at {rate} Hz"),
        })?;
    // Measured piece by piece while the Worker renders the next piece.
    let Some(mut r) = render_mix_into(
        mix,
        rate as f32,
        range,
        Source::Recording,
        progress,
        cancelled.clone(),
        &mut |l: &[f32], r: &[f32]| meter.add(&[l, r]),
    )
    .await?
    else {
        return Ok(None);
    };
    let recording = r.recording.take();
    let lufs = meter.readings().integrated;
    Ok(Some((recording, lufs.is_finite().then_some(lufs))))
}

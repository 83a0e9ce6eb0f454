//! One export run (main thread): for each chosen target, the [`Plan`] loop — render through the
//! engine, requantise with dither, measure the delivered samples, adjust — then the WAV with its
//! LIST/INFO chunk and the delivery report. Long steps yield to the browser so the UI stays
//! responsive; a cancel takes effect at the next step.

use crate::formats::file_name::{self, Refused};
use std::future::Future;

use crate::browser::offline_render::{Range, Recording, RenderSink, Source, render_mix_into};
use crate::delivery::dither::Dither;
use crate::delivery::plan::{MAX_LIMITING_DB, MAX_PASSES, Plan, Verdict};
use crate::delivery::report::{DeliveryReport, Measurer};
use crate::delivery::wav::{Delivered, WavFormat};
use crate::error::AppError;
use crate::model::session::Mix;
use crate::model::targets::Target;
use crate::studio::matching::unlimited_loudness;

/// What one exported file aims at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    /// The mix exactly as set, master chain and all, with no loudness matching (for a mastering
    /// engineer, or a reference): one pass.
    AsMixed,
    /// A loudness target and ceiling, reached by the [`Plan`] loop.
    Target(Target),
}

impl Goal {
    pub fn name(&self) -> &'static str {
        match self {
            Goal::AsMixed => "As mixed",
            Goal::Target(t) => t.name,
        }
    }
}

/// What the user chose in the export dialog.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportOptions {
    pub targets: Vec<Goal>,
    pub format: WavFormat,
    /// Hz: 44100, 48000, 88200 or 96000.
    pub rate: u32,
    pub dither: Dither,
    pub range: Range,
}

/// Rates the export offers, Hz.
pub const RATES: [u32; 4] = [44_100, 48_000, 88_200, 96_000];

/// One delivered file.
pub struct Delivery {
    pub file_name: String,
    pub wav: Vec<u8>,
    pub report: DeliveryReport,
}

/// How an export run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Finished,
    Cancelled,
    /// The user chose not to go on past the limiting warning.
    Stopped,
}

/// `<session> - <preset>.wav`, with characters that file systems refuse replaced.
pub fn file_name(session: &str, preset: &str) -> String {
    format!(
        "{} - {}.wav",
        safe_file_name(session),
        file_name::safe_file_name(preset, Refused::Replace('-'), "target")
    )
}

/// A session name fit for a file name ("Untitled session" when nothing is left).
pub fn safe_file_name(session: &str) -> String {
    file_name::safe_file_name(session, Refused::Replace('-'), "Untitled session")
}

/// Dither noise seed for a target: fixed, so the same export gives the same bits.
fn seed(t: &Target) -> u64 {
    t.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    }) ^ t.lufs.to_bits() as u64
}

/// A limiter pass's output as it arrives: requantised into the file, and measured as the file
/// holds it.
struct Delivering {
    file: Delivered,
    meter: Measurer,
    /// What the file holds for the last piece, as floats (reused).
    held: [Vec<f32>; 2],
}

impl RenderSink for Delivering {
    fn expect(&mut self, frames: usize) {
        self.file.reserve(frames);
    }
    fn take(&mut self, left: &[f32], right: &[f32]) {
        self.file.push(left, right, &mut self.held);
        self.meter.add(&self.held[0], &self.held[1]);
    }
}

/// Lets the browser run (paint, handle input) before going on.
pub async fn yield_to_browser() {
    crate::browser::js::sleep_ms(0).await;
}

/// Runs the export. `stage` gets a stage name and the overall progress 0…1; `confirm` is asked
/// (once per target) when reaching it takes more than 12 dB of limiting; each finished file goes
/// to `deliver`.
pub async fn run_export<C, F>(
    mix: &Mix,
    o: &ExportOptions,
    stage: impl Fn(String, f64) + Clone + 'static,
    cancelled: impl Fn() -> bool + Clone + 'static,
    confirm: C,
    mut deliver: impl FnMut(Delivery) -> Result<(), AppError>,
) -> Result<Outcome, AppError>
where
    C: Fn(String) -> F,
    F: Future<Output = bool>,
{
    if o.targets.is_empty() {
        return Err(AppError::NothingToExport {
            reason: "Choose at least one target to export.".into(),
        });
    }
    if let Some(reason) = mix.silence_reason() {
        return Err(AppError::NothingToExport {
            reason: reason.into(),
        });
    }
    let n = o.targets.len() as f64;
    // The first pass records the master chain's input; every later pass (of every target)
    // changes only the master chain, so it replays that instead of rendering the stems again.
    // A lone "As mixed" export is one pass: nothing to record for.
    let mut recording: Option<Recording> = None;
    // A recording of the master chain's input replays without the song's position, so master
    // lanes (which move the FX returns and the master chain) are not followed in a replay:
    // with any, every pass renders from the stems (the same bits, at the full cost).
    let master_moves = mix
        .master_lanes
        .iter()
        .any(|l| l.mode.reading() && !l.points.is_empty());
    let may_repeat = !master_moves
        && (o.targets.len() > 1 || o.targets.iter().any(|g| matches!(g, Goal::Target(_))));
    // Integrated loudness of the mix with the limiter bypassed (see `unlimited_loudness`).
    let mut unlimited: Option<f64> = None;
    for (i, goal) in o.targets.iter().enumerate() {
        // "As mixed" renders once with the mix as set: a plan that is never asked to move.
        let (target, fixed) = match goal {
            Goal::Target(t) => (*t, false),
            Goal::AsMixed => (
                Target {
                    name: "As mixed",
                    lufs: f32::NAN,
                    ceiling: mix.master.get(dsp_worklet::ParamId::LimCeiling),
                },
                true,
            ),
        };
        let target = &target;
        let mut plan = Plan::new(*target, mix);
        // Progress steps this target's renders take before its limiter passes (the probe's), so
        // the bar never moves back.
        let mut offset = 0;
        if !fixed && recording.is_none() {
            offset = 1;
            let (label, base) = (format!("{}: measuring the mix", target.name), i as f64 / n);
            stage(label.clone(), base);
            let (st, share) = (stage.clone(), 1.0 / (MAX_PASSES as f64 * n));
            let Some((made, lufs)) = unlimited_loudness(
                &plan.configure_unlimited(mix),
                o.rate,
                o.range,
                move |x| st(label.clone(), base + 0.8 * share * x),
                cancelled.clone(),
            )
            .await?
            else {
                return Ok(Outcome::Cancelled);
            };
            recording = made;
            unlimited = lufs;
        }
        if !fixed && let Some(lufs) = unlimited {
            plan.start_from_unlimited(lufs);
        }
        let mut asked = false;
        loop {
            let pass = plan.passes + 1;
            let step = (pass - 1 + offset).min(MAX_PASSES - 1);
            let base = (i as f64 + step as f64 / MAX_PASSES as f64) / n;
            let share = 1.0 / (MAX_PASSES as f64 * n);
            let label = format!("{} — pass {pass}", target.name);
            stage(format!("{label}: rendering"), base);
            let st = stage.clone();
            let lab = label.clone();
            let setup = if fixed {
                mix.clone()
            } else {
                plan.configure(mix)
            };
            let source = match &recording {
                Some(r) => Source::Replay(r),
                None if may_repeat => Source::Recording,
                None => Source::Stems,
            };
            // The file and its measurement are made piece by piece while the Worker renders
            // the next piece.
            let file = Delivered::start(o.rate, o.format, o.dither, seed(target)).map_err(|e| {
                AppError::Export {
                    detail: e.to_string(),
                }
            })?;
            let mut take = Delivering {
                file,
                meter: Measurer::new(o.rate).ok_or(AppError::Export {
                    detail: format!("no loudness meter at {} Hz", o.rate),
                })?,
                held: [Vec::new(), Vec::new()],
            };
            let Some(mut r) = render_mix_into(
                &setup,
                o.rate as f32,
                o.range,
                source,
                move |x| st(format!("{lab}: rendering"), base + 0.8 * share * x),
                cancelled.clone(),
                &mut take,
            )
            .await?
            else {
                return Ok(Outcome::Cancelled);
            };
            if let Some(made) = r.recording.take() {
                recording = Some(made);
            }
            stage(format!("{label}: measuring"), base + 0.8 * share);
            yield_to_browser().await;
            let limiting = r.limiter_reduction_db;
            let Delivering { file: d, meter, .. } = take;
            let m = meter.finish();
            if !m.integrated_lufs.is_finite() && !fixed {
                return Err(AppError::NothingToExport {
                    reason: "The rendered master is silent (below the −70 LUFS gate).".into(),
                });
            }
            if limiting > MAX_LIMITING_DB && !asked && !fixed {
                asked = true;
                let q = format!(
                    "{}: reaching {:.1} LUFS takes {limiting:.1} dB of limiting (more than {MAX_LIMITING_DB:.0} dB). This pass measured {:.1} LUFS integrated, {:.1} dBTP true peak, PLR {:.1} dB. Continue anyway?",
                    target.name, target.lufs, m.integrated_lufs, m.true_peak_dbtp, m.plr_db
                );
                if !confirm(q).await {
                    return Ok(Outcome::Stopped);
                }
            }
            let verdict = if fixed {
                plan.passes += 1;
                Verdict::OnTarget
            } else {
                plan.after_pass(&m, limiting)
            };
            if verdict == Verdict::Again {
                continue;
            }
            stage(format!("{}: writing", target.name), base + 0.9 * share);
            yield_to_browser().await;
            let name = file_name(&mix.name, target.name);
            let report = DeliveryReport {
                software: format!("Second Ear {}", env!("CARGO_PKG_VERSION")),
                file_name: name.clone(),
                preset: target.name.into(),
                target_lufs: if fixed {
                    m.integrated_lufs
                } else {
                    target.lufs as f64
                },
                ceiling_dbtp: target.ceiling as f64,
                format: o.format.label().into(),
                sample_rate_hz: o.rate,
                dither: if o.format.dithers() {
                    o.dither.label()
                } else {
                    "none (float)"
                }
                .into(),
                range: o.range.describe(),
                passes: plan.passes,
                limiter_reduction_db: (limiting * 10.0).round() / 10.0,
                on_target: verdict == Verdict::OnTarget,
                platforms: DeliveryReport::platform_lines(&m),
                measured: m,
            };
            let info = [
                (*b"ISFT", report.software.clone()),
                (*b"INAM", mix.name.clone()),
                (*b"ICMT", report.summary()),
            ];
            let wav = d.into_wav(&info).map_err(|e| AppError::Export {
                detail: e.to_string(),
            })?;
            deliver(Delivery {
                file_name: name,
                wav,
                report,
            })?;
            break;
        }
    }
    stage("Done".into(), 1.0);
    Ok(Outcome::Finished)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_after_session_and_preset() {
        assert_eq!(file_name("My Song", "Spotify"), "My Song - Spotify.wav");
        assert_eq!(
            file_name("A/B: take 2", "CD / club"),
            "A-B- take 2 - CD - club.wav"
        );
        assert_eq!(file_name("  ", "Custom"), "Untitled session - Custom.wav");
    }

    #[test]
    fn dither_seeds_differ_by_target_and_repeat() {
        let t = crate::model::targets::PRESETS;
        assert_eq!(seed(&t[0]), seed(&t[0]));
        assert_ne!(seed(&t[0]), seed(&t[1]));
    }
}

//! "Strip silence" on a track (main thread): reads the track's stem from the stem store a
//! second at a time (never whole), finds its quiet passages (`model::strip_silence`) and writes
//! them as the track's mute lane, replacing any mute lane it had, in one undo step.

use js_sys::Float32Array;

use crate::browser::{engine_link, memory_store, stem_store};
use crate::error::AppError;
use crate::model::automation::{MAX_LANE_POINTS, find_or_add};
use crate::model::history::EditKey;
use crate::model::strip_silence::{PARAM, Settings, SilenceFinder, mute_points};
use crate::studio::controller::Studio;

/// Frames read at a time.
const PIECE: u64 = 48_000;

impl Studio {
    /// Strips the silence of track `id` with `settings`. Returns how many passages were muted;
    /// a stem that cannot be read is reported by name and leaves the mix as it was.
    pub async fn strip_silence(self, id: u32, settings: Settings) -> Option<usize> {
        let stem = engine_link::export_inputs()
            .and_then(|(_, stems)| stems.into_iter().find(|s| s.id == id))?;
        let name = stem.file_name.clone();
        let st = stem.stored;
        let rate = st.rate as f64;
        let mut finder = SilenceFinder::new(&settings, rate);
        let fail = |detail: String| AppError::Unreadable {
            file: name.clone(),
            detail: format!("its decoded audio, for strip silence ({detail})"),
        };
        if let Some(planes) = memory_store::planes(&st.sha256, st.rate) {
            let planes: Vec<Vec<f32>> = planes
                .iter()
                .map(|p| Float32Array::from(p).to_vec())
                .collect();
            let refs: Vec<&[f32]> = planes.iter().map(Vec::as_slice).collect();
            finder.push(&refs);
        } else {
            let dir = match stem_store::directory().await {
                Ok(d) => d,
                Err(e) => {
                    self.report(fail(e));
                    return None;
                }
            };
            let mut from = 0;
            while from < st.frames {
                let mut chans = Vec::with_capacity(st.channels as usize);
                for ch in 0..st.channels {
                    match stem_store::read_frames(&dir, &st, ch, from, PIECE).await {
                        Ok(a) => chans.push(a.to_vec()),
                        Err(e) => {
                            self.report(fail(e));
                            return None;
                        }
                    }
                }
                let refs: Vec<&[f32]> = chans.iter().map(Vec::as_slice).collect();
                finder.push(&refs);
                from += PIECE;
            }
        }
        let passages = finder.finish();
        let points = mute_points(&passages, st.frames, &settings, rate);
        if points.len() > MAX_LANE_POINTS {
            self.report(AppError::Automation {
                detail: format!(
                    "strip silence found {} quiet passages in {name}, which would take {} \
                     breakpoints; a lane holds at most {MAX_LANE_POINTS}. Raise the minimum \
                     length or lower the threshold",
                    passages.len(),
                    points.len()
                ),
            });
            return None;
        }
        self.edit(EditKey::Single, |m| {
            let Some(t) = m.tracks.iter_mut().find(|t| t.id == id) else {
                return;
            };
            t.lanes.retain(|l| l.param != PARAM);
            if points.is_empty() {
                return;
            }
            t.params
                .set(dsp_worklet::ParamId::MuteFade, settings.fade_ms);
            if let Some(lane) = find_or_add(&mut t.lanes, PARAM) {
                lane.points = points;
                lane.mode = crate::model::automation::LaneMode::Read;
            }
        });
        Some(passages.len())
    }
}

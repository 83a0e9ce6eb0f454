//! A track's waveform overview with the playhead and the region's handles; click to seek.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::model::session::TrackState;
use crate::studio::controller::use_studio;
use crate::ui::strip::region_handles::RegionHandles;

/// The overview's width and height in plot units.
pub const WIDTH: f64 = 600.0;
pub const HEIGHT: f64 = 64.0;

/// SVG path of an overview: one vertical line per column, scaled to `span` of the width.
pub fn overview_path(overview: &[(f32, f32)], span: f64) -> String {
    let n = overview.len().max(1) as f64;
    let mid = HEIGHT / 2.0;
    let mut d = String::with_capacity(overview.len() * 24);
    for (i, (lo, hi)) in overview.iter().enumerate() {
        let x = (i as f64 + 0.5) / n * WIDTH * span;
        let top = mid - (*hi as f64).clamp(-1.0, 1.0) * mid;
        let bottom = (mid - (*lo as f64).clamp(-1.0, 1.0) * mid).max(top + 0.5);
        d.push_str(&format!("M{x:.1} {top:.1}V{bottom:.1}"));
    }
    d
}

/// The overview of the track in `state` (its strip's memo), scaled to the song's length.
#[component]
pub fn Waveform(state: Memo<Option<(TrackState, f32)>>) -> impl IntoView {
    let s = use_studio();
    // The song's length changes only when the longest track does.
    let song = Memo::new(move |_| s.heard.with(|m| m.song_frames()).max(1) as f64);
    let path = move || {
        state.with(|t| {
            t.as_ref()
                .map(|(t, _)| overview_path(&t.overview, t.frames as f64 / song.get()))
                .unwrap_or_default()
        })
    };
    let playhead_x = move || {
        let pos = s.meters.with(|m| m.position) as f64;
        format!("{:.1}", (pos / song.get()).clamp(0.0, 1.0) * WIDTH)
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        if let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let r = el.get_bounding_client_rect();
            if r.width() > 0.0 {
                s.seek_fraction((ev.client_x() as f64 - r.left()) / r.width());
            }
        }
    };
    view! {
        <svg
            class="waveform"
            data-testid="track-waveform"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            preserveAspectRatio="none"
            role="img"
            aria-label="Waveform overview (click to seek)"
            on:click=on_click
        >
            <path class="wave" d=path></path>
            <RegionHandles state=state song=song/>
            <line class="playhead" x1=playhead_x x2=playhead_x y1="0" y2=HEIGHT.to_string()></line>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_has_a_line_per_column_within_the_box() {
        let d = overview_path(&[(-1.0, 1.0), (0.0, 0.0)], 1.0);
        assert_eq!(d, "M150.0 0.0V64.0M450.0 32.0V32.5");
        assert!(overview_path(&[], 1.0).is_empty());
    }
}

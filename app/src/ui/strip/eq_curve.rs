//! The EQ curve: the magnitude response of the track's filters and EQ, computed by the same Rust
//! function that designs the DSP coefficients, with a draggable handle per band.

use dsp_worklet::dsp::strip::{BAND_PARAMS, strip_response_db};
use dsp_worklet::params::ParamId;
use leptos::prelude::*;

use crate::model::history::EditKey;
use crate::model::session::TrackState;
use wasm_bindgen::JsCast;

use crate::studio::controller::use_studio;

const W: f64 = 600.0;
const H: f64 = 200.0;
/// Vertical range of the plot, ± dB.
const DB_RANGE: f64 = 24.0;
const F_MIN: f64 = 20.0;
const F_MAX: f64 = 20_000.0;
/// Points on the curve.
const POINTS: usize = 240;

fn x_of(freq: f64) -> f64 {
    (freq / F_MIN).ln() / (F_MAX / F_MIN).ln() * W
}

fn freq_of(x: f64) -> f64 {
    F_MIN * (F_MAX / F_MIN).powf((x / W).clamp(0.0, 1.0))
}

fn y_of(db: f64) -> f64 {
    H / 2.0 - db.clamp(-DB_RANGE * 1.5, DB_RANGE * 1.5) / DB_RANGE * (H / 2.0)
}

fn db_of(y: f64) -> f64 {
    (H / 2.0 - y) / (H / 2.0) * DB_RANGE
}

/// Drag in progress: band, pointer at start (plot units), freq and gain at start.
#[derive(Clone, Copy)]
struct Drag {
    band: usize,
    x0: f64,
    y0: f64,
    freq0: f64,
    gain0: f64,
}

#[component]
pub fn EqCurve(id: u32, state: Memo<Option<(TrackState, f32)>>) -> impl IntoView {
    let s = use_studio();
    let values = move || state.with(|t| t.as_ref().map(|(t, _)| t.params));
    let path = move || {
        let Some((v, fs)) = state.with(|t| t.as_ref().map(|(t, rate)| (t.params, *rate))) else {
            return String::new();
        };
        let fs = fs.max(8_000.0) as f64;
        let mut d = String::with_capacity(POINTS * 16);
        for i in 0..POINTS {
            let f = F_MIN * (F_MAX / F_MIN).powf(i as f64 / (POINTS - 1) as f64);
            let y = y_of(strip_response_db(&v, f.min(fs * 0.499), fs));
            d.push_str(&format!(
                "{}{:.1} {:.1}",
                if i == 0 { "M" } else { "L" },
                x_of(f),
                y
            ));
        }
        d
    };
    let drag = StoredValue::new(None::<Drag>);
    // Pointer position in plot units.
    let plot_xy = |ev: &web_sys::PointerEvent| -> Option<(f64, f64)> {
        let svg = ev
            .current_target()?
            .dyn_into::<web_sys::Element>()
            .ok()?
            .closest("svg")
            .ok()??;
        let r = svg.get_bounding_client_rect();
        (r.width() > 0.0 && r.height() > 0.0).then(|| {
            (
                (ev.client_x() as f64 - r.left()) / r.width() * W,
                (ev.client_y() as f64 - r.top()) / r.height() * H,
            )
        })
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (Some(d), Some((x, y))) = (drag.get_value(), plot_xy(&ev)) else {
            return;
        };
        let k = if ev.shift_key() { 0.1 } else { 1.0 };
        let freq = freq_of(x_of(d.freq0) + (x - d.x0) * k);
        let gain = d.gain0 + (db_of(y) - db_of(d.y0)) * k;
        let (pf, pg, _) = BAND_PARAMS[d.band];
        // Both coordinates of one handle are one undo step.
        let key = EditKey::Control("eq-handle", id * 4 + d.band as u32);
        s.set_track_as(key, id, pf, freq as f32);
        s.set_track_as(key, id, pg, gain as f32);
    };
    let handles = (0..4)
        .map(|band| {
            let (pf, pg, pq) = BAND_PARAMS[band];
            let pos = move || {
                values()
                    .map(|v| (x_of(v.get(pf) as f64), y_of(v.get(pg) as f64)))
                    .unwrap_or((0.0, H / 2.0))
            };
            let on_down = move |ev: web_sys::PointerEvent| {
                let Some((x, y)) = plot_xy(&ev) else { return };
                ev.prevent_default();
                if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                    let _ = el.set_pointer_capture(ev.pointer_id());
                }
                let v = values().unwrap_or_default();
                if !v.on(ParamId::EqOn) {
                    s.set_track(id, ParamId::EqOn, 1.0);
                }
                drag.set_value(Some(Drag {
                    band,
                    x0: x,
                    y0: y,
                    freq0: v.get(pf) as f64,
                    gain0: v.get(pg) as f64,
                }));
            };
            let on_wheel = move |ev: web_sys::WheelEvent| {
                ev.prevent_default();
                let q = values().map(|v| v.get(pq)).unwrap_or(1.0);
                let step = if ev.shift_key() { 1.02 } else { 1.15 };
                s.set_track(id, pq, if ev.delta_y() < 0.0 { q * step } else { q / step });
            };
            view! {
                <g class="eq-handle" data-testid="eq-handle" data-band=band>
                    <circle
                        cx=move || format!("{:.1}", pos().0)
                        cy=move || format!("{:.1}", pos().1)
                        r="9"
                        on:pointerdown=on_down
                        on:wheel=on_wheel
                        on:dblclick=move |_| {
                            let key = EditKey::Control("eq-reset", id * 4 + band as u32);
                            for p in [pf, pg, pq] {
                                s.set_track_as(key, id, p, p.spec().default);
                            }
                        }
                    ></circle>
                    <text x=move || format!("{:.1}", pos().0) y=move || format!("{:.1}", pos().1 + 4.0)>
                        {band + 1}
                    </text>
                </g>
            }
        })
        .collect_view();
    let grid = [100.0, 1_000.0, 10_000.0]
        .into_iter()
        .map(|f| view! { <line class="grid" x1=x_of(f) x2=x_of(f) y1="0" y2=H></line> })
        .collect_view();
    view! {
        <svg
            class="eq-curve"
            data-testid="eq-curve"
            viewBox=format!("0 0 {W} {H}")
            role="img"
            aria-label="EQ and filter response, 20 Hz to 20 kHz, ±24 dB"
            on:pointermove=on_move
            on:pointerup=move |_| drag.set_value(None)
            on:pointercancel=move |_| drag.set_value(None)
        >
            {grid}
            <line class="grid zero" x1="0" x2=W y1=H / 2.0 y2=H / 2.0></line>
            <path class="response" d=path></path>
            {handles}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_invert() {
        for f in [20.0, 440.0, 20_000.0] {
            assert!((freq_of(x_of(f)) - f).abs() < 1e-6 * f);
        }
        for db in [-24.0, 0.0, 7.5] {
            assert!((db_of(y_of(db)) - db).abs() < 1e-9);
        }
    }
}

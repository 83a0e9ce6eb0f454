//! A track's region drawn on its waveform, and edited there: trim handles just inside the
//! region's start and end (what lies outside is shaded), fade handles whose distance from the edge is the fade's
//! length, the fades' gain curve, and a clip-gain bar dragged up and down. Shift drags ten times
//! finer; a double-click puts a handle back to its default. Each drag is one undo step.

use dsp_worklet::params::{DAY_S, ParamId, ParamValues};
use dsp_worklet::region::FadeShape;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::model::history::EditKey;
use crate::model::session::TrackState;
use crate::studio::controller::use_studio;

use super::waveform::{HEIGHT, WIDTH};

/// Clip gain shown over the waveform's height: +24 dB at the top, −24 dB at the bottom.
const CLIP_DB_SPAN: f64 = 48.0;
/// Points along each fade's curve.
const CURVE_POINTS: usize = 32;

/// The region of a track, in seconds (end resolved to the stem's end), and its clip gain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionView {
    pub start: f64,
    pub end: f64,
    pub fade_in: f64,
    pub fade_out: f64,
    pub in_shape: FadeShape,
    pub out_shape: FadeShape,
    pub clip_db: f64,
    /// The stem's length, seconds.
    pub stem: f64,
}

impl RegionView {
    /// The region `v` sets on a stem of `frames` at `rate` Hz.
    pub fn of(v: &ParamValues, frames: u64, rate: f64) -> RegionView {
        let stem = frames as f64 / rate;
        let end = v.get(ParamId::RegionEnd);
        let end = if end >= DAY_S {
            stem
        } else {
            (end as f64).min(stem)
        };
        RegionView {
            start: (v.get(ParamId::RegionStart) as f64).min(end),
            end,
            fade_in: v.get(ParamId::FadeIn) as f64,
            fade_out: v.get(ParamId::FadeOut) as f64,
            in_shape: FadeShape::from_value(v.get(ParamId::FadeInShape)),
            out_shape: FadeShape::from_value(v.get(ParamId::FadeOutShape)),
            clip_db: v.get(ParamId::ClipGain) as f64,
            stem,
        }
    }

    /// The fades' gain at `t` seconds (0 outside the region), as the engine computes it.
    pub fn fade_gain(&self, t: f64) -> f64 {
        if t < self.start || t >= self.end {
            return 0.0;
        }
        let mut g = 1.0;
        if self.fade_in > 0.0 && t - self.start < self.fade_in {
            g *= self.in_shape.gain((t - self.start) / self.fade_in);
        }
        if self.fade_out > 0.0 && self.end - t <= self.fade_out {
            g *= self.out_shape.gain((self.end - t) / self.fade_out);
        }
        g
    }

    /// SVG path of the fades' gain over the region (top = full level), `x` mapping seconds.
    pub fn curve_path(&self, x: impl Fn(f64) -> f64) -> String {
        let y = |g: f64| HEIGHT - g * (HEIGHT - 2.0);
        let mut d = format!("M{:.1} {:.1}", x(self.start), HEIGHT);
        let seg = |from: f64, to: f64, d: &mut String| {
            for i in 0..=CURVE_POINTS {
                let t = from + (to - from) * i as f64 / CURVE_POINTS as f64;
                let g = self.fade_gain(t.min(self.end - 1e-9));
                d.push_str(&format!("L{:.1} {:.1}", x(t), y(g)));
            }
        };
        seg(
            self.start,
            (self.start + self.fade_in).min(self.end),
            &mut d,
        );
        seg((self.end - self.fade_out).max(self.start), self.end, &mut d);
        d.push_str(&format!("L{:.1} {:.1}", x(self.end), HEIGHT));
        d
    }
}

/// The y of a clip gain in dB.
fn clip_y(db: f64) -> f64 {
    HEIGHT / 2.0 - db / CLIP_DB_SPAN * HEIGHT
}

/// A drag in progress: the parameter, the pointer's start (plot units), the value's start,
/// and whether Shift (fine) was held (a change of it re-anchors the drag where it is).
#[derive(Clone, Copy)]
struct Drag {
    param: ParamId,
    x0: f64,
    y0: f64,
    v0: f64,
    fine: bool,
}

/// `v` limited to `lo…hi`, never panicking when a rounded bound crosses the other (`hi` wins).
fn within(v: f64, lo: f64, hi: f64) -> f64 {
    v.max(lo).min(hi)
}

/// The overlay, drawn inside the waveform's SVG. `song` is the song's length in frames.
#[component]
pub fn RegionHandles(state: Memo<Option<(TrackState, f32)>>, song: Memo<f64>) -> impl IntoView {
    let s = use_studio();
    let region = Memo::new(move |_| {
        state.with(|t| {
            t.as_ref().map(|(t, rate)| {
                (
                    t.id,
                    RegionView::of(&t.params, t.frames, *rate as f64),
                    *rate,
                )
            })
        })
    });
    // Seconds → plot x, and plot units per second.
    let per_second = move || {
        let rate = region.with(|r| r.map_or(48_000.0, |r| r.2 as f64));
        WIDTH * rate / song.get()
    };
    let drag = StoredValue::new(None::<Drag>);
    let plot_xy = |ev: &web_sys::PointerEvent| -> Option<(f64, f64)> {
        let svg = ev
            .target()?
            .dyn_into::<web_sys::Element>()
            .ok()?
            .closest("svg")
            .ok()??;
        let r = svg.get_bounding_client_rect();
        (r.width() > 0.0 && r.height() > 0.0).then(|| {
            (
                (ev.client_x() as f64 - r.left()) / r.width() * WIDTH,
                (ev.client_y() as f64 - r.top()) / r.height() * HEIGHT,
            )
        })
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (Some(d), Some((x, y)), Some((id, r, _))) =
            (drag.get_value(), plot_xy(&ev), region.get_untracked())
        else {
            return;
        };
        let value_of = |d: &Drag, x: f64, y: f64| {
            let k = if d.fine { 0.1 } else { 1.0 };
            let dt = (x - d.x0) / per_second() * k;
            let span = (r.end - r.start).max(0.0);
            Some(match d.param {
                ParamId::RegionStart => within(d.v0 + dt, 0.0, (r.end - 0.01).max(0.0)),
                ParamId::RegionEnd => {
                    let t = within(d.v0.min(r.stem) + dt, r.start + 0.01, r.stem);
                    // Dragged to the stem's end: the region follows the stem's end.
                    if t >= r.stem - 0.5 / per_second() {
                        DAY_S as f64
                    } else {
                        t
                    }
                }
                ParamId::FadeIn => within(d.v0 + dt, 0.0, span),
                ParamId::FadeOut => within(d.v0 - dt, 0.0, span),
                ParamId::ClipGain => d.v0 + (d.y0 - y) / HEIGHT * CLIP_DB_SPAN * k,
                _ => return None,
            })
        };
        let mut d = d;
        if ev.shift_key() != d.fine {
            // Shift pressed or let go mid-drag: carry on from here at the new speed.
            let Some(v) = value_of(&d, x, y) else { return };
            d = Drag {
                x0: x,
                y0: y,
                v0: if d.param == ParamId::RegionEnd {
                    v.min(r.stem)
                } else {
                    v
                },
                fine: ev.shift_key(),
                ..d
            };
            drag.set_value(Some(d));
        }
        let Some(value) = value_of(&d, x, y) else {
            return;
        };
        let key = EditKey::Control("region-handle", id * 8 + d.param as u32 % 8);
        s.set_track_as(key, id, d.param, value as f32);
    };
    let handle = move |param: ParamId| {
        move |ev: web_sys::PointerEvent| {
            let (Some((x, y)), Some((_, r, _))) = (plot_xy(&ev), region.get_untracked()) else {
                return;
            };
            ev.prevent_default();
            ev.stop_propagation();
            if let Some(el) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            {
                let _ = el.set_pointer_capture(ev.pointer_id());
            }
            let v0 = match param {
                ParamId::RegionStart => r.start,
                ParamId::RegionEnd => r.end,
                ParamId::FadeIn => r.fade_in,
                ParamId::FadeOut => r.fade_out,
                _ => r.clip_db,
            };
            drag.set_value(Some(Drag {
                param,
                x0: x,
                y0: y,
                v0,
                fine: ev.shift_key(),
            }));
        }
    };
    let reset = move |param: ParamId| {
        move |ev: web_sys::MouseEvent| {
            ev.stop_propagation();
            if let Some((id, _, _)) = region.get_untracked() {
                s.set_track(id, param, param.spec().default);
            }
        }
    };
    let x_of = move |t: f64| t * per_second();
    let r = move || region.get().map(|r| r.1);
    let at = move |f: fn(&RegionView) -> f64| move || r().map_or(0.0, |r| x_of(f(&r)));
    let fmt = |v: f64| format!("{v:.1}");
    let end_drag = move |_| drag.set_value(None);
    view! {
        <g
            class="region"
            on:pointermove=on_move
            on:pointerup=end_drag
            on:pointercancel=end_drag
            on:lostpointercapture=end_drag
            on:click=|ev: web_sys::MouseEvent| {
                // A handle is not a seek.
                if ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| el.class_list().contains("region-grip"))
                {
                    ev.stop_propagation();
                }
            }
        >
            <rect class="trimmed" x="0" y="0" height=HEIGHT width=move || fmt(at(|r| r.start)())></rect>
            <rect
                class="trimmed"
                x=move || fmt(at(|r| r.end)())
                y="0"
                height=HEIGHT
                width=move || fmt((at(|r| r.stem)() - at(|r| r.end)()).max(0.0))
            ></rect>
            <path class="fade-curve" d=move || r().map(|r| r.curve_path(x_of)).unwrap_or_default()></path>
            <line
                class="clip-line"
                x1=move || fmt(at(|r| r.start)())
                x2=move || fmt(at(|r| r.end)())
                y1=move || fmt(clip_y(r().map_or(0.0, |r| r.clip_db)))
                y2=move || fmt(clip_y(r().map_or(0.0, |r| r.clip_db)))
            ></line>
            <rect
                class="region-grip clip-grip"
                data-testid="clip-gain"
                data-value=move || r().map_or(0.0, |r| r.clip_db).to_string()
                x=move || fmt((at(|r| r.start)() + at(|r| r.end)()) / 2.0 - 10.0)
                y=move || fmt(clip_y(r().map_or(0.0, |r| r.clip_db)) - 4.0)
                width="20"
                height="8"
                on:pointerdown=handle(ParamId::ClipGain)
                on:dblclick=reset(ParamId::ClipGain)
            >
                <title>"Clip gain (drag up or down; Shift: fine; double-click: 0 dB)"</title>
            </rect>
            <rect
                class="region-grip trim-grip"
                data-testid="region-start"
                data-value=move || r().map_or(0.0, |r| r.start).to_string()
                x=move || fmt(at(|r| r.start)())
                y="0"
                width="8"
                height=HEIGHT
                on:pointerdown=handle(ParamId::RegionStart)
                on:dblclick=reset(ParamId::RegionStart)
            >
                <title>"Region start (drag; Shift: fine; double-click: the stem's start)"</title>
            </rect>
            <rect
                class="region-grip trim-grip"
                data-testid="region-end"
                data-value=move || r().map_or(0.0, |r| r.end).to_string()
                x=move || fmt(at(|r| r.end)() - 8.0)
                y="0"
                width="8"
                height=HEIGHT
                on:pointerdown=handle(ParamId::RegionEnd)
                on:dblclick=reset(ParamId::RegionEnd)
            >
                <title>"Region end (drag; Shift: fine; double-click: the stem's end)"</title>
            </rect>
            <circle
                class="region-grip fade-grip"
                data-testid="fade-in"
                data-value=move || r().map_or(0.0, |r| r.fade_in).to_string()
                // Never under the trim handle (which lies just inside the region's edge).
                cx=move || fmt((at(|r| r.start + r.fade_in)()).max(at(|r| r.start)() + 14.0))
                cy="6"
                r="6"
                on:pointerdown=handle(ParamId::FadeIn)
                on:dblclick=reset(ParamId::FadeIn)
            >
                <title>"Fade in (drag right to lengthen; double-click: none)"</title>
            </circle>
            <circle
                class="region-grip fade-grip"
                data-testid="fade-out"
                data-value=move || r().map_or(0.0, |r| r.fade_out).to_string()
                cx=move || fmt((at(|r| r.end - r.fade_out)()).min(at(|r| r.end)() - 14.0))
                cy="6"
                r="6"
                on:pointerdown=handle(ParamId::FadeOut)
                on:dblclick=reset(ParamId::FadeOut)
            >
                <title>"Fade out (drag left to lengthen; double-click: none)"</title>
            </circle>
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(settings: &[(ParamId, f32)]) -> RegionView {
        let mut v = ParamValues::default();
        for (p, x) in settings {
            v.set(*p, *x);
        }
        RegionView::of(&v, 10 * 48_000, 48_000.0)
    }

    #[test]
    fn the_default_region_is_the_whole_stem_at_full_level() {
        let r = view(&[]);
        assert_eq!((r.start, r.end, r.stem), (0.0, 10.0, 10.0));
        assert_eq!(r.fade_gain(0.0), 1.0);
        assert_eq!(r.fade_gain(9.999), 1.0);
        assert_eq!(r.fade_gain(10.0), 0.0);
    }

    #[test]
    fn the_drawn_gain_is_the_engines() {
        let settings = [
            (ParamId::RegionStart, 1.0),
            (ParamId::RegionEnd, 8.0),
            (ParamId::FadeIn, 2.0),
            (ParamId::FadeInShape, 3.0),
            (ParamId::FadeOut, 3.0),
            (ParamId::FadeOutShape, 2.0),
        ];
        let r = view(&settings);
        let mut engine = dsp_worklet::region::Region::new(48_000.0);
        for (p, x) in settings {
            engine.set(p, x, true);
        }
        for t in [0.5, 1.0, 1.5, 2.9, 4.0, 5.0, 6.5, 7.99, 8.0, 9.0] {
            let f = (t * 48_000.0f64).round() as u64;
            let want = engine.fade_gain(f, 480_000);
            assert!(
                (r.fade_gain(t) - want).abs() < 1e-9,
                "{t}: {} vs {want}",
                r.fade_gain(t)
            );
        }
        let d = r.curve_path(|t| t * 60.0);
        assert!(d.starts_with("M60.0 64.0"), "{d}");
        assert!(d.ends_with("L480.0 64.0"), "{d}");
    }
}

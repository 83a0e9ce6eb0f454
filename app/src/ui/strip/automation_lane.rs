//! A track's automation lane under its waveform, and strip silence: choose the parameter, see
//! its envelope over the song (drawn with the engine's own formula), click to add a breakpoint,
//! drag one (Shift for fine), double-click or Delete to remove it; the lane is read or off.
//! Each gesture is one undo step. Strip silence writes the track's mute lane from its audio.

use dsp_worklet::automation::{Curve, automatable};
use dsp_worklet::params::{ParamId, Scope};
use dsp_worklet::{PARAMS, ParamSpec};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::model::automation::{Lane, LaneMode, find, find_or_add};
use crate::model::history::EditKey;
use crate::model::session::TrackState;
use crate::model::strip_silence::Settings;
use crate::studio::controller::use_studio;

use super::waveform::WIDTH;

/// The lane's height in plot units.
const LANE_H: f64 = 40.0;
/// Columns the envelope is drawn with.
const COLUMNS: usize = 300;

/// y of a value (top = the range's top).
fn y_of(spec: &ParamSpec, v: f32) -> f64 {
    LANE_H - 2.0 - spec.to_normalized(v) as f64 * (LANE_H - 4.0)
}

/// Value at y.
fn value_at_y(spec: &ParamSpec, y: f64) -> f32 {
    spec.from_normalized(((LANE_H - 2.0 - y) / (LANE_H - 4.0)) as f32)
}

/// SVG path of `lane` over a song of `song` frames (`None`: no points, nothing drawn).
pub fn lane_path(lane: &Lane, song: f64) -> Option<String> {
    lane.points.first()?;
    let spec = lane.param.spec();
    let mut d = String::with_capacity(COLUMNS * 14);
    for i in 0..=COLUMNS {
        let frame = (i as f64 / COLUMNS as f64 * song) as u64;
        let v = lane.value_at(frame)?;
        let x = i as f64 / COLUMNS as f64 * WIDTH;
        d.push_str(&format!(
            "{}{x:.1} {:.1}",
            if i == 0 { "M" } else { "L" },
            y_of(spec, v)
        ));
    }
    Some(d)
}

/// A point drag in progress.
#[derive(Clone, Copy)]
struct Drag {
    index: usize,
    x0: f64,
    y0: f64,
    frame0: u64,
    value0: f32,
    fine: bool,
}

/// The lane and strip-silence row of track `id`.
#[component]
pub fn AutomationLane(id: u32, state: Memo<Option<(TrackState, f32)>>) -> impl IntoView {
    let s = use_studio();
    let song = Memo::new(move |_| s.heard.with(|m| m.song_frames()).max(1) as f64);
    let param = RwSignal::new(ParamId::Gain);
    let lane = Memo::new(move |_| {
        let p = param.get();
        state.with(|t| t.as_ref().and_then(|(t, _)| find(&t.lanes, p).cloned()))
    });
    let spec = move || param.get().spec();
    let frames_per_x = move || song.get() / WIDTH;
    let drag = StoredValue::new(None::<Drag>);
    let key = move || {
        EditKey::Control(
            "lane-point",
            id.wrapping_mul(2048) + param.get_untracked() as u32,
        )
    };
    let edit_lane = move |k: EditKey, f: Box<dyn FnOnce(&mut Lane)>| {
        let p = param.get_untracked();
        s.edit(k, |m| {
            if let Some(t) = m.tracks.iter_mut().find(|t| t.id == id)
                && let Some(l) = find_or_add(&mut t.lanes, p)
            {
                f(l);
            }
        });
    };
    let plot_xy = |ev: &web_sys::MouseEvent| -> Option<(f64, f64)> {
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
                (ev.client_y() as f64 - r.top()) / r.height() * LANE_H,
            )
        })
    };
    // A click on the lane (not on a point) adds a point there, on the envelope's shape.
    let on_click = move |ev: web_sys::MouseEvent| {
        if is_point(&ev) {
            return;
        }
        let Some((x, y)) = plot_xy(&ev) else { return };
        let frame = (x.max(0.0) * frames_per_x()) as u64;
        let value = value_at_y(spec(), y);
        edit_lane(
            EditKey::Single,
            Box::new(move |l| _ = l.add_point(frame, value, Curve::Linear)),
        );
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (Some(d), Some((x, y))) = (drag.get_value(), plot_xy(&ev)) else {
            return;
        };
        let mut d = d;
        if ev.shift_key() != d.fine {
            // Shift pressed or let go mid-drag: carry on from where the point is.
            if let Some(p) = lane
                .get_untracked()
                .and_then(|l| l.points.get(d.index).copied())
            {
                d = Drag {
                    x0: x,
                    y0: y,
                    frame0: p.frame,
                    value0: p.value,
                    fine: ev.shift_key(),
                    ..d
                };
                drag.set_value(Some(d));
            }
        }
        let k = if d.fine { 0.1 } else { 1.0 };
        let sp = spec();
        let frame = (d.frame0 as f64 + (x - d.x0) * frames_per_x() * k).max(0.0) as u64;
        let travel = sp.to_normalized(d.value0) as f64 - (y - d.y0) / (LANE_H - 4.0) * k;
        let value = sp.from_normalized(travel as f32);
        let index = d.index;
        edit_lane(key(), Box::new(move |l| l.move_point(index, frame, value)));
    };
    let grab = move |index: usize| {
        move |ev: web_sys::PointerEvent| {
            let Some((x, y)) = plot_xy(&ev) else { return };
            let Some(p) = lane
                .get_untracked()
                .and_then(|l| l.points.get(index).copied())
            else {
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
            drag.set_value(Some(Drag {
                index,
                x0: x,
                y0: y,
                frame0: p.frame,
                value0: p.value,
                fine: ev.shift_key(),
            }));
        }
    };
    let remove = move |index: usize| {
        edit_lane(EditKey::Single, Box::new(move |l| l.remove_point(index)));
    };
    let end_drag = move |_| drag.set_value(None);
    let rate = move || state.with(|t| t.as_ref().map_or(48_000.0, |(_, r)| *r as f64));
    let points = move || {
        let Some(l) = lane.get() else {
            return Vec::new();
        };
        let sp = l.param.spec();
        let fpx = frames_per_x();
        let r = rate();
        l.points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (cx, cy) = (p.frame as f64 / fpx, y_of(sp, p.value));
                view! {
                    <circle
                        class="lane-point"
                        data-testid="automation-point"
                        data-time=format!("{:.3}", p.frame as f64 / r)
                        data-value=format!("{}", p.value)
                        data-index=i
                        cx=format!("{cx:.1}")
                        cy=format!("{cy:.1}")
                        r="3.5"
                        tabindex="0"
                        role="button"
                        aria-label=format!(
                            "Breakpoint at {:.2} s, {} (drag to move, Delete to remove)",
                            p.frame as f64 / r,
                            sp.format(p.value)
                        )
                        on:pointerdown=grab(i)
                        on:dblclick=move |ev: web_sys::MouseEvent| {
                            ev.stop_propagation();
                            remove(i);
                        }
                        on:keydown=move |ev: web_sys::KeyboardEvent| {
                            if ev.key() == "Delete" || ev.key() == "Backspace" {
                                ev.prevent_default();
                                remove(i);
                            }
                        }
                    ></circle>
                }
            })
            .collect_view()
            .into_iter()
            .collect::<Vec<_>>()
    };
    let options = PARAMS
        .iter()
        .filter(|p| p.scope == Scope::Track && automatable(p.id))
        .map(|p| {
            let key = p.key;
            view! { <option value=key>{p.name}</option> }
        })
        .collect_view();
    let on_param = move |ev: leptos::ev::Event| {
        if let Some(p) = ParamSpec::by_key(&event_target_value(&ev)) {
            param.set(p.id);
        }
    };
    let mode = move || lane.with(|l| l.as_ref().map_or(LaneMode::Read, |l| l.mode).key());
    let on_mode = move |ev: leptos::ev::Event| {
        if let Some(m) = LaneMode::from_key(&event_target_value(&ev)) {
            edit_lane(EditKey::Single, Box::new(move |l| l.mode = m));
        }
    };
    let writing = move || s.writing.with(|w| w.contains(&(id, param.get())));
    let clear = move |_| {
        let p = param.get_untracked();
        s.edit(EditKey::Single, |m| {
            if let Some(t) = m.tracks.iter_mut().find(|t| t.id == id) {
                t.lanes.retain(|l| l.param != p);
            }
        });
    };
    // Strip silence.
    let open = RwSignal::new(false);
    let settings = RwSignal::new(Settings::default());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(String::new());
    let apply = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let st = settings.get_untracked();
        spawn_local(async move {
            let n = s.strip_silence(id, st).await;
            busy.set(false);
            outcome.set(match n {
                Some(0) => "No passage stays below the threshold that long.".into(),
                Some(n) => format!(
                    "{n} quiet passage{} muted (Mute lane).",
                    if n == 1 { "" } else { "s" }
                ),
                None => String::new(),
            });
            param.set(ParamId::Mute);
        });
    };
    let number = move |testid: &'static str,
                       label: &'static str,
                       unit: &'static str,
                       (lo, hi, step): (f64, f64, f64),
                       get: fn(&Settings) -> f64,
                       put: fn(&mut Settings, f64)| {
        view! {
            <label class="silence-setting">
                <span>{label}</span>
                <input
                    type="number"
                    data-testid=testid
                    min=lo
                    max=hi
                    step=step
                    prop:value=move || format!("{}", get(&settings.get()))
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>()
                            && v.is_finite()
                        {
                            settings.update(|st| put(st, v.clamp(lo, hi)));
                        }
                    }
                />
                <span class="unit">{unit}</span>
            </label>
        }
    };
    view! {
        <div class="automation" data-testid="automation">
            <div class="lane-head">
                <label class="lane-param">
                    <span class="visually-hidden">"Automated parameter"</span>
                    <select
                        data-testid="automation-param"
                        aria-label="Automated parameter"
                        prop:value=move || param.get().spec().key
                        on:change=on_param
                    >
                        {options}
                    </select>
                </label>
                <select
                    data-testid="automation-mode"
                    aria-label="Lane mode"
                    prop:value=mode
                    on:change=on_mode
                >
                    {LaneMode::ALL
                        .into_iter()
                        .map(|m| {
                            let label = match m {
                                LaneMode::Off => "Off",
                                LaneMode::Read => "Read",
                                LaneMode::Touch => "Touch",
                                LaneMode::Latch => "Latch",
                                LaneMode::Write => "Write",
                            };
                            view! { <option value=m.key()>{label}</option> }
                        })
                        .collect_view()}
                </select>
                <label class="lane-glide" title="How long the lane takes to return after you let go of the control (touch) or stop (latch, write)">
                    <span>"Glide"</span>
                    <input
                        type="number"
                        data-testid="automation-glide"
                        min="0"
                        max="5000"
                        step="10"
                        prop:value=move || format!("{}", (s.glide_s.get() * 1000.0).round())
                        on:change=move |ev| {
                            if let Ok(ms) = event_target_value(&ev).parse::<f64>()
                                && ms.is_finite()
                            {
                                s.glide_s.set(ms.clamp(0.0, 5000.0) / 1000.0);
                            }
                        }
                    />
                    <span class="unit">"ms"</span>
                </label>
                <span class="lane-writing" data-testid="automation-writing" hidden=move || !writing()>
                    "● writing"
                </span>
                <button
                    class="lane-clear"
                    data-testid="automation-clear"
                    disabled=move || lane.with(|l| l.is_none())
                    on:click=clear
                >
                    "Clear lane"
                </button>
                <button
                    class="strip-silence"
                    data-testid="strip-silence"
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    "Strip silence…"
                </button>
            </div>
            <svg
                class="lane"
                data-testid="automation-lane"
                data-param=move || param.get().spec().key
                data-track-id=id
                viewBox=format!("0 0 {WIDTH} {LANE_H}")
                preserveAspectRatio="none"
                role="group"
                aria-label=move || format!("{} automation (click to add a breakpoint)", param.get().spec().name)
                on:click=on_click
                on:pointermove=on_move
                on:pointerup=end_drag
                on:pointercancel=end_drag
                on:lostpointercapture=end_drag
            >
                <rect class="lane-bg" x="0" y="0" width=WIDTH height=LANE_H></rect>
                <path
                    class=move || if mode() == "off" || writing() { "lane-line off" } else { "lane-line" }
                    d=move || lane.with(|l| l.as_ref().and_then(|l| lane_path(l, song.get())).unwrap_or_default())
                ></path>
                {points}
            </svg>
            <Show when=move || open.get()>
                <div class="silence" data-testid="strip-silence-settings">
                    <p class="hint">
                        "Mutes the passages that stay below the threshold (as the Mute lane, which you can edit). \
                         The padding keeps breaths and decays; the mute fades over 5 ms inside it."
                    </p>
                    {number("strip-silence-threshold", "Threshold", "dBFS", (-90.0, -10.0, 1.0),
                        |s| s.threshold_db as f64, |s, v| s.threshold_db = v as f32)}
                    {number("strip-silence-min", "Minimum length", "ms", (20.0, 10_000.0, 10.0),
                        |s| s.min_length_s * 1000.0, |s, v| s.min_length_s = v / 1000.0)}
                    {number("strip-silence-pre", "Pre-padding", "ms", (10.0, 2_000.0, 1.0),
                        |s| s.pre_s * 1000.0, |s, v| s.pre_s = v / 1000.0)}
                    {number("strip-silence-post", "Post-padding", "ms", (10.0, 2_000.0, 1.0),
                        |s| s.post_s * 1000.0, |s, v| s.post_s = v / 1000.0)}
                    <button
                        data-testid="strip-silence-apply"
                        disabled=move || busy.get()
                        on:click=apply
                    >
                        {move || if busy.get() { "Finding silence…" } else { "Strip silence" }}
                    </button>
                    <span class="silence-outcome" data-testid="strip-silence-outcome" role="status">
                        {move || outcome.get()}
                    </span>
                </div>
            </Show>
        </div>
    }
}

/// Whether a click landed on a breakpoint.
fn is_point(ev: &web_sys::MouseEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| el.class_list().contains("lane-point"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawn_line_follows_the_lane() {
        let mut l = Lane::new(ParamId::Gain).expect("lane");
        assert_eq!(lane_path(&l, 48_000.0), None);
        l.add_point(0, 12.0, Curve::Linear);
        l.add_point(48_000, -70.0, Curve::Linear);
        let d = lane_path(&l, 48_000.0).expect("path");
        // From the top at the left to the bottom at the right.
        assert!(d.starts_with("M0.0 2.0L"), "{d}");
        assert!(
            d.ends_with(&format!("L{WIDTH:.1} {:.1}", LANE_H - 2.0)),
            "{d}"
        );
        let spec = ParamId::Gain.spec();
        assert!((value_at_y(spec, y_of(spec, -6.0)) + 6.0).abs() < 1e-3);
    }
}

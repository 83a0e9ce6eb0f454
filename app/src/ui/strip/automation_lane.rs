//! An automation lane, under a track's waveform (drawn faintly behind it) or under the tracks
//! for the master: choose the parameter, see its envelope over the song (drawn with the
//! engine's own formula), click to add a breakpoint, drag one (Shift for fine; it snaps to the
//! playhead), Ctrl/⌘-click to extend a selection that drags together (Alt-drag scales its
//! values), double-click or Delete to remove, right-click or `C` for the curve after a point;
//! the lane's mode (off, read, touch, latch, write) and the glide. Each gesture is one undo
//! step. Strip silence writes a track's mute lane from its audio.

use dsp_worklet::automation::{Curve, automatable};
use dsp_worklet::params::{ParamId, Scope};
use dsp_worklet::{PARAMS, ParamSpec};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use dsp_worklet::automation::MASTER;

use crate::model::automation::{Lane, LaneMode, find, find_or_add};
use crate::model::history::EditKey;
use crate::model::session::Mix;
use crate::model::strip_silence::Settings;
use crate::studio::controller::use_studio;

use super::waveform::{HEIGHT, WIDTH, overview_path};

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

/// A point drag in progress: the point, the pointer's start (plot units), the lane and the
/// mix as they were when it began (every move is computed from them; the mix is the undo
/// step's), whether Shift (fine) and Alt (scale the selection) were held.
#[derive(Clone)]
struct Drag {
    index: usize,
    x0: f64,
    y0: f64,
    origin: Lane,
    before: Mix,
    fine: bool,
    scale: bool,
}

/// Whose lanes: a track's, or the master's.
fn lanes_of(m: &mut Mix, owner: u32) -> Option<&mut Vec<Lane>> {
    if owner == MASTER {
        Some(&mut m.master_lanes)
    } else {
        m.tracks
            .iter_mut()
            .find(|t| t.id == owner)
            .map(|t| &mut t.lanes)
    }
}

/// The next curve shape (right-click or `C` on a point).
fn next_curve(c: Curve) -> Curve {
    match c {
        Curve::Linear => Curve::Slow,
        Curve::Slow => Curve::Fast,
        Curve::Fast => Curve::Linear,
    }
}

/// The automation row of `owner` (a track id, or [`MASTER`]): the parameter, mode, glide and
/// (for a track) strip silence, over the lane itself.
#[component]
pub fn AutomationLane(owner: u32) -> impl IntoView {
    let s = use_studio();
    let master = owner == MASTER;
    let song = Memo::new(move |_| s.heard.with(|m| m.song_frames()).max(1) as f64);
    let rate = Memo::new(move |_| s.heard.with(|m| m.sample_rate.max(1.0)) as f64);
    let param = RwSignal::new(if master {
        ParamId::MasterGain
    } else {
        ParamId::Gain
    });
    // Your lanes (not a reviewer's version being heard, nor the engine's view while a pass
    // writes): what is edited here.
    let lane = Memo::new(move |_| {
        let p = param.get();
        s.mix.with(|m| {
            if master {
                find(&m.master_lanes, p).cloned()
            } else {
                m.track(owner).and_then(|t| find(&t.lanes, p).cloned())
            }
        })
    });
    // Behind a track's lane: its waveform, faintly.
    let wave = Memo::new(move |_| {
        if master {
            return String::new();
        }
        s.heard.with(|m| {
            m.track(owner).map_or_else(String::new, |t| {
                overview_path(&t.overview, t.frames as f64 / m.song_frames().max(1) as f64)
            })
        })
    });
    let spec = move || param.get().spec();
    let frames_per_x = move || song.get() / WIDTH;
    let playhead = move || s.meters.with(|m| m.position);
    let drag = StoredValue::new(None::<Drag>);
    // The selected points, first ..= last.
    let selection = RwSignal::new(None::<(usize, usize)>);
    let shown_param = StoredValue::new(param.get_untracked());
    Effect::new(move |_| {
        // Another parameter's lane: nothing selected there. A lane that lost points (undo, a
        // write pass, strip silence) keeps a selection only while it still lies in it.
        let p = param.get();
        let n = lane.with(|l| l.as_ref().map_or(0, |l| l.points.len()));
        let keep = if shown_param.get_value() == p {
            selection.get_untracked().filter(|&(_, b)| b < n)
        } else {
            shown_param.set_value(p);
            None
        };
        if selection.get_untracked() != keep {
            selection.set(keep);
        }
    });
    let change = move |f: Box<dyn FnOnce(&mut Lane)>| {
        let p = param.get_untracked();
        move |m: &mut Mix| {
            if let Some(l) = lanes_of(m, owner).and_then(|l| find_or_add(l, p)) {
                f(l);
            }
        }
    };
    let edit_lane = move |f: Box<dyn FnOnce(&mut Lane)>| {
        s.edit(EditKey::Single, change(f));
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
    // A click on the lane (not on a point) adds a point there.
    let on_click = move |ev: web_sys::MouseEvent| {
        if is_point(&ev) {
            return;
        }
        let Some((x, y)) = plot_xy(&ev) else { return };
        let frame = (x.max(0.0) * frames_per_x()) as u64;
        let value = value_at_y(spec(), y);
        selection.set(None);
        edit_lane(Box::new(move |l| {
            _ = l.add_point(frame, value, Curve::Linear)
        }));
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (Some(mut d), Some((x, y))) = (drag.get_value(), plot_xy(&ev)) else {
            return;
        };
        if ev.shift_key() != d.fine {
            // Shift pressed or let go mid-drag: carry on from here at the new speed.
            let now = lane.get_untracked().unwrap_or_else(|| d.origin.clone());
            d = Drag {
                x0: x,
                y0: y,
                origin: now,
                fine: ev.shift_key(),
                ..d
            };
            drag.set_value(Some(d.clone()));
        }
        let k = if d.fine { 0.1 } else { 1.0 };
        let dframes = ((x - d.x0) * frames_per_x() * k) as i64;
        let dtravel = -((y - d.y0) / (LANE_H - 4.0) * k) as f32;
        let (first, last) = selection
            .get_untracked()
            .filter(|&(a, b)| a <= d.index && d.index <= b)
            .unwrap_or((d.index, d.index));
        let origin = d.origin.clone();
        let index = d.index;
        let head = playhead();
        let snap = (4.0 * frames_per_x()) as u64;
        let scale = d.scale;
        s.edit_in_gesture(change(Box::new(move |l| {
            *l = Lane {
                mode: l.mode,
                ..origin
            };
            if scale {
                // Alt: the selection's values spread from (drag up) or gather to (down) their
                // middle.
                let sp = l.param.spec();
                let Some(pts) = l.points.get(first..=last) else {
                    return;
                };
                let mid =
                    pts.iter().map(|p| sp.to_normalized(p.value)).sum::<f32>() / pts.len() as f32;
                l.scale_points(
                    first,
                    last,
                    sp.from_normalized(mid),
                    (1.0 + 2.0 * dtravel).max(0.0),
                );
            } else if first < last {
                l.shift_points(first, last, dframes, dtravel);
            } else if let Some(p) = l.points.get(index).copied() {
                let sp = l.param.spec();
                let mut frame = p.frame.saturating_add_signed(dframes);
                // Near the playhead: on it.
                if frame.abs_diff(head) <= snap {
                    frame = head;
                }
                let v = sp.from_normalized(sp.to_normalized(p.value) + dtravel);
                l.move_point(index, frame, v);
            }
        })));
    };
    let grab = move |index: usize| {
        move |ev: web_sys::PointerEvent| {
            let Some((x, y)) = plot_xy(&ev) else { return };
            let Some(origin) = lane.get_untracked() else {
                return;
            };
            ev.prevent_default();
            ev.stop_propagation();
            if let Some(el) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            {
                let _ = el.set_pointer_capture(ev.pointer_id());
                let _ = el.dyn_ref::<web_sys::SvgElement>().map(|e| e.focus());
            }
            // Ctrl/⌘-click extends the selection; a click on an unselected point selects it.
            let sel = selection.get_untracked();
            if ev.ctrl_key() || ev.meta_key() {
                let (a, b) = sel.unwrap_or((index, index));
                selection.set(Some((a.min(index), b.max(index))));
            } else if !sel.is_some_and(|(a, b)| a <= index && index <= b) {
                selection.set(Some((index, index)));
            }
            drag.set_value(Some(Drag {
                index,
                x0: x,
                y0: y,
                origin,
                before: s.mix.get_untracked(),
                fine: ev.shift_key(),
                scale: ev.alt_key(),
            }));
        }
    };
    let remove = move |index: usize| {
        let (a, b) = selection
            .get_untracked()
            .filter(|&(a, b)| a <= index && index <= b)
            .unwrap_or((index, index));
        selection.set(None);
        edit_lane(Box::new(move |l| {
            for i in (a..=b).rev() {
                l.remove_point(i);
            }
        }));
    };
    let cycle_curve = move |index: usize| {
        edit_lane(Box::new(move |l| {
            if let Some(p) = l.points.get(index) {
                let c = next_curve(p.curve);
                l.set_curve(index, c);
            }
        }));
    };
    let end_drag = move |_| {
        if let Some(d) = drag.get_value() {
            drag.set_value(None);
            s.end_gesture(d.before);
        }
    };
    let add_at_playhead = move |_| {
        let frame = playhead();
        let p = param.get_untracked();
        // The lane's value there, or the control's when the lane is empty.
        let value = lane
            .get_untracked()
            .and_then(|l| l.value_at(frame))
            .unwrap_or_else(|| {
                s.heard.with_untracked(|m| {
                    if master {
                        m.master.get(p)
                    } else {
                        m.track(owner).map_or(p.spec().default, |t| t.value(p))
                    }
                })
            });
        edit_lane(Box::new(move |l| {
            _ = l.add_point(frame, value, Curve::Linear)
        }));
    };
    let points = move || {
        let Some(l) = lane.get() else {
            return Vec::new();
        };
        let sp = l.param.spec();
        let fpx = frames_per_x();
        let r = rate.get();
        let sel = selection.get();
        l.points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (cx, cy) = (p.frame as f64 / fpx, y_of(sp, p.value));
                let chosen = sel.is_some_and(|(a, b)| a <= i && i <= b);
                let curve = match p.curve {
                    Curve::Linear => "linear",
                    Curve::Slow => "slow",
                    Curve::Fast => "fast",
                };
                view! {
                    <circle
                        class=if chosen { "lane-point selected" } else { "lane-point" }
                        data-testid="automation-point"
                        data-time=format!("{:.3}", p.frame as f64 / r)
                        data-value=format!("{}", p.value)
                        data-curve=curve
                        data-index=i
                        cx=format!("{cx:.1}")
                        cy=format!("{cy:.1}")
                        r="3.5"
                        tabindex="0"
                        role="button"
                        aria-pressed=chosen.to_string()
                        aria-label=format!(
                            "Breakpoint at {:.2} s, {}, {curve} curve after it (drag to move, \
                             Delete to remove, C or right-click for the curve)",
                            p.frame as f64 / r,
                            sp.format(p.value)
                        )
                        on:pointerdown=grab(i)
                        on:dblclick=move |ev: web_sys::MouseEvent| {
                            ev.stop_propagation();
                            remove(i);
                        }
                        on:contextmenu=move |ev: web_sys::MouseEvent| {
                            ev.prevent_default();
                            cycle_curve(i);
                        }
                        on:keydown=move |ev: web_sys::KeyboardEvent| {
                            match ev.key().as_str() {
                                "Delete" | "Backspace" => {
                                    ev.prevent_default();
                                    remove(i);
                                }
                                "c" | "C" => cycle_curve(i),
                                _ => {}
                            }
                        }
                    ></circle>
                }
            })
            .collect_view()
            .into_iter()
            .collect::<Vec<_>>()
    };
    let scope = if master { Scope::Master } else { Scope::Track };
    let options = PARAMS
        .iter()
        .filter(|p| p.scope == scope && automatable(p.id))
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
            edit_lane(Box::new(move |l| l.mode = m));
        }
    };
    let writing = move || s.writing.with(|w| w.contains(&(owner, param.get())));
    let clear = move |_| {
        let p = param.get_untracked();
        selection.set(None);
        s.edit(EditKey::Single, |m| {
            if let Some(l) = lanes_of(m, owner) {
                l.retain(|l| l.param != p);
            }
        });
    };
    let (silence_button, silence_panel) = if master {
        (None, None)
    } else {
        let (button, panel) = strip_silence(owner, param);
        (Some(button), Some(panel))
    };
    let head_x = move || {
        format!(
            "{:.1}",
            (playhead() as f64 / frames_per_x()).clamp(0.0, WIDTH)
        )
    };
    view! {
        <div class="automation" data-testid=if master { "master-automation" } else { "automation" }>
            <div class="lane-head">
                {master.then(|| view! { <span class="lane-title">"Master automation"</span> })}
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
                    title="Off: not played. Read: played. Touch: moving the control while playing writes until you let go. Latch: writes from your first move until Stop. Write: writes from Play to Stop."
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
                <button
                    data-testid="automation-add-playhead"
                    title="A breakpoint at the playhead, at the lane's value there"
                    on:click=add_at_playhead
                >
                    "+ at playhead"
                </button>
                <button
                    class="lane-clear"
                    data-testid="automation-clear"
                    disabled=move || lane.with(|l| l.is_none())
                    on:click=clear
                >
                    "Clear lane"
                </button>
                <span class="lane-writing" data-testid="automation-writing" hidden=move || !writing()>
                    "● writing"
                </span>
                {silence_button}
            </div>
            <svg
                class="lane"
                data-testid="automation-lane"
                data-param=move || param.get().spec().key
                data-track-id=if master { "master".to_string() } else { owner.to_string() }
                viewBox=format!("0 0 {WIDTH} {LANE_H}")
                preserveAspectRatio="none"
                role="group"
                aria-label=move || {
                    format!(
                        "{} automation: click to add a breakpoint; Ctrl-click extends the selection, Alt-drag scales it",
                        param.get().spec().name,
                    )
                }
                on:click=on_click
                on:pointermove=on_move
                on:pointerup=end_drag
                on:pointercancel=end_drag
                on:lostpointercapture=end_drag
            >
                <rect class="lane-bg" x="0" y="0" width=WIDTH height=LANE_H></rect>
                <path
                    class="lane-wave"
                    transform=format!("scale(1 {})", LANE_H / HEIGHT)
                    d=move || wave.get()
                ></path>
                <path
                    class=move || if mode() == "off" || writing() { "lane-line off" } else { "lane-line" }
                    d=move || lane.with(|l| l.as_ref().and_then(|l| lane_path(l, song.get())).unwrap_or_default())
                ></path>
                <line class="lane-playhead" x1=head_x x2=head_x y1="0" y2=LANE_H.to_string()></line>
                {points}
            </svg>
            {silence_panel}
        </div>
    }
}

/// Strip silence for track `id`: the button (`.0`, in the lane's head) and its settings
/// (`.1`, under the lane); shows the mute lane when done.
fn strip_silence(id: u32, param: RwSignal<ParamId>) -> (AnyView, AnyView) {
    let s = use_studio();
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
    let button = view! {
        <button
            class="strip-silence"
            data-testid="strip-silence"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            "Strip silence…"
        </button>
    }
    .into_any();
    let panel = view! {
        <Show when=move || open.get()>
            <div class="silence" data-testid="strip-silence-settings">
                <p class="hint">
                    "Mutes the passages that stay below the threshold (as the Mute lane, which you can edit). \
                     The padding keeps breaths and decays; each mute fades out and in inside it (the fade is \
                     the track's Mute fade, in its editor's Region group)."
                </p>
                {number("strip-silence-threshold", "Threshold", "dBFS", (-90.0, -10.0, 1.0),
                    |s| s.threshold_db as f64, |s, v| s.threshold_db = v as f32)}
                {number("strip-silence-min", "Minimum length", "ms", (20.0, 10_000.0, 10.0),
                    |s| s.min_length_s * 1000.0, |s, v| s.min_length_s = v / 1000.0)}
                {number("strip-silence-pre", "Pre-padding", "ms", (10.0, 2_000.0, 1.0),
                    |s| s.pre_s * 1000.0, |s, v| s.pre_s = v / 1000.0)}
                {number("strip-silence-post", "Post-padding", "ms", (10.0, 2_000.0, 1.0),
                    |s| s.post_s * 1000.0, |s, v| s.post_s = v / 1000.0)}
                {number("strip-silence-fade", "Fade", "ms", (1.0, 500.0, 1.0),
                    |s| s.fade_ms as f64, |s, v| s.fade_ms = v as f32)}
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
    }
    .into_any();
    (button, panel)
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

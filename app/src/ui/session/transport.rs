//! Play/pause, stop, position readout, and the Space bar.

use dsp_worklet::Command;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::model::session::format_position;
use crate::studio::controller::{Studio, use_studio};

#[component]
pub fn Transport() -> impl IntoView {
    let s = use_studio();
    let playing = move || s.meters.with(|m| m.playing);
    let position = move || {
        let rate = s.mix.with(|m| m.sample_rate);
        format_position(s.meters.with(|m| m.position), rate)
    };
    // Frames that reached the speakers as silence because a stem's stream from disk was late.
    let dropouts = move || s.meters.with(|m| m.underrun_frames);
    let length = move || {
        let (frames, rate) = s.mix.with(|m| (m.song_frames(), m.sample_rate));
        format_position(frames, rate)
    };
    view! {
        <div class="transport">
            <button
                data-testid="transport-play"
                aria-label=move || if playing() { "Pause (Space)" } else { "Play (Space)" }
                class:playing=playing
                on:click=move |_| s.toggle_play()
            >
                {move || if playing() { "❚❚ Pause" } else { "▶ Play" }}
            </button>
            <button
                data-testid="transport-stop"
                aria-label="Stop (back to start)"
                on:click=move |_| s.transport(Command::Stop)
            >
                "■ Stop"
            </button>
            <output class="position" data-testid="transport-position" aria-label="Position">
                {position}
            </output>
            <span class="length">" / " {length}</span>
            <span
                class="dropouts"
                data-testid="underruns"
                data-value=move || dropouts().to_string()
                hidden=move || dropouts() == 0
                title="Audio that came from disk too late and played as silence (exports never drop out)"
            >
                {move || {
                    let rate = s.mix.with(|m| m.sample_rate).max(1.0) as f64;
                    format!("dropouts: {:.0} ms", dropouts() as f64 * 1000.0 / rate)
                }}
            </span>
            <LoopControls/>
            <span class="rate" data-testid="session-rate">
                {move || match s.mix.with(|m| m.sample_rate) {
                    r if r > 0.0 => format!("{r} Hz"),
                    _ => "starting audio…".to_string(),
                }}
            </span>
        </div>
    }
}

/// The loop region: on/off, start and end in seconds, and "here" buttons that take the playhead.
#[component]
fn LoopControls() -> impl IntoView {
    let s = use_studio();
    let on = move || s.heard.with(|m| m.loop_on);
    let playhead = move || {
        let rate = s.mix.with_untracked(|m| m.sample_rate as f64);
        s.meters.with_untracked(|m| m.position as f64) / rate.max(1.0)
    };
    // What the two fields hold, even while they do not make a region yet (start typed first).
    let fields = RwSignal::new((0.0f64, 0.0f64));
    let set = move |on: bool, a: f64, b: f64| {
        fields.set((a, b));
        s.set_loop(on, a, b)
    };
    // The mix's region when there is one (it may change by undo or a link), else what was typed.
    let current = move || {
        s.heard
            .with(|m| m.loop_seconds())
            .unwrap_or_else(|| fields.get())
    };
    view! {
        <fieldset class="loop" aria-label="Loop region">
            <label>
                <input
                    type="checkbox"
                    data-testid="loop-on"
                    prop:checked=on
                    on:change=move |ev| {
                        let (a, b) = current();
                        set(event_target_checked(&ev), a, b);
                    }
                />
                " Loop"
            </label>
            <input
                type="number"
                step="0.001"
                min="0"
                data-testid="loop-start"
                aria-label="Loop start (s)"
                prop:value=move || format!("{:.3}", current().0)
                on:change=move |ev| {
                    let a = event_target_value(&ev).parse().unwrap_or(0.0);
                    set(on(), a, current().1);
                }
            />
            "–"
            <input
                type="number"
                step="0.001"
                min="0"
                data-testid="loop-end"
                aria-label="Loop end (s)"
                prop:value=move || format!("{:.3}", current().1)
                on:change=move |ev| {
                    let b = event_target_value(&ev).parse().unwrap_or(0.0);
                    set(on(), current().0, b);
                }
            />
            <button
                data-testid="loop-set-start"
                title="Loop starts at the playhead"
                on:click=move |_| set(on(), playhead(), current().1.max(playhead()))
            >
                "[ here"
            </button>
            <button
                data-testid="loop-set-end"
                title="Loop ends at the playhead"
                on:click=move |_| set(on(), current().0, playhead())
            >
                "here ]"
            </button>
        </fieldset>
    }
}

/// True when a key event's target is a place where Space types a character.
pub fn typing_in(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .map(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            let kind = el.get_attribute("type").unwrap_or_default();
            tag == "textarea"
                || tag == "select"
                || el.is_content_editable()
                || (tag == "input" && !matches!(kind.as_str(), "range" | "checkbox" | "button"))
        })
        .unwrap_or(false)
}

/// Space toggles play/pause anywhere except while typing in a text field. The keyup default is
/// suppressed too, so a focused button or checkbox is not also activated by the same press.
pub fn install_space_bar(s: Studio) {
    let down = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.code() == "Space" && !typing_in(&ev) {
            ev.prevent_default();
            if !ev.repeat() {
                s.toggle_play();
            }
        }
    });
    let up = window_event_listener(leptos::ev::keyup, move |ev| {
        if ev.code() == "Space" && !typing_in(&ev) {
            ev.prevent_default();
        }
    });
    // The listeners live as long as the page.
    std::mem::forget(down);
    std::mem::forget(up);
}

//! Play/pause, stop, position readout, and the Space bar.

use dsp_worklet::Command;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::controller::{Studio, use_studio};
use crate::session::format_position;

#[component]
pub fn Transport() -> impl IntoView {
    let s = use_studio();
    let playing = move || s.meters.with(|m| m.playing);
    let position = move || {
        let rate = s.mix.with(|m| m.sample_rate);
        format_position(s.meters.with(|m| m.position), rate)
    };
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
            <span class="rate" data-testid="session-rate">
                {move || match s.mix.with(|m| m.sample_rate) {
                    r if r > 0.0 => format!("{r} Hz"),
                    _ => "starting audio…".to_string(),
                }}
            </span>
        </div>
    }
}

/// True when a key event's target is a place where Space types a character.
fn typing_in(ev: &web_sys::KeyboardEvent) -> bool {
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

//! Native controls bound to one row of the parameter table, chosen by the row's unit and taper:
//! toggles are checkboxes, slopes and fade shapes a select, log-taper values (Hz, ms, Q, ratio)
//! and times in seconds number inputs,
//! the rest range inputs. Every control holds its value in display units, has an accessible
//! label and a readout, and double-click resets it to the default. Holding Shift while dragging
//! a slider moves it ten times slower.

use dsp_worklet::ParamSpec;
use dsp_worklet::params::{Taper, Unit, choices};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Slider for `spec`. `value` reads the current display value; `set` writes one.
#[component]
pub fn ParamSlider(
    spec: &'static ParamSpec,
    /// `data-testid` of the input.
    testid: String,
    /// Accessible label, e.g. "Gain, Kick".
    label: String,
    #[prop(into)] value: Signal<f32>,
    set: Callback<f32>,
) -> impl IntoView {
    // Fine drag: (pointer x at start, value at start, px of the track).
    let fine = StoredValue::new(None::<(f64, f32, f64)>);
    let on_down = move |ev: web_sys::PointerEvent| {
        if !ev.shift_key() {
            return;
        }
        let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        ev.prevent_default();
        let _ = el.set_pointer_capture(ev.pointer_id());
        let width = el.get_bounding_client_rect().width().max(1.0);
        fine.set_value(Some((ev.client_x() as f64, value.get_untracked(), width)));
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        if let Some((x0, v0, width)) = fine.get_value() {
            ev.prevent_default();
            let travel = (ev.client_x() as f64 - x0) / width * 0.1;
            let t = spec.to_normalized(v0) + travel as f32;
            set.run(spec.from_normalized(t));
        }
    };
    let on_up = move |_| fine.set_value(None);
    view! {
        <label class="param">
            <span class="param-name">{spec.name}</span>
            <input
                type="range"
                data-testid=testid
                aria-label=label
                title="Double-click resets; Shift-drag for fine adjustment"
                min=spec.min.to_string()
                max=spec.max.to_string()
                step=spec.step.to_string()
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                        set.run(v);
                    }
                }
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointercancel=on_up
                on:dblclick=move |_| set.run(spec.default)
            />
            <output class="param-value">{move || spec.format(value.get())}</output>
        </label>
    }
}

/// The right native control for `spec` (see the module docs).
#[component]
pub fn ParamControl(
    spec: &'static ParamSpec,
    testid: String,
    label: String,
    #[prop(into)] value: Signal<f32>,
    set: Callback<f32>,
) -> impl IntoView {
    match (spec.unit, spec.taper) {
        (Unit::Toggle, _) => view! {
            <label class="param toggle-param">
                <input
                    type="checkbox"
                    data-testid=testid
                    aria-label=label
                    prop:checked=move || { value.get() >= 0.5 }
                    on:change=move |ev| set.run(event_target_checked(&ev) as u8 as f32)
                    on:dblclick=move |_| set.run(spec.default)
                />
                <span class="param-name">{spec.name}</span>
            </label>
        }
        .into_any(),
        (
            Unit::NoteValue | Unit::DbPerOctave | Unit::Platform | Unit::AbState | Unit::FadeShape,
            _,
        ) => {
            let options: Vec<(f32, String)> = match choices(spec.unit) {
                Some(list) => list.iter().map(|(v, n)| (*v, n.to_string())).collect(),
                None => [12.0, 24.0].iter().map(|v| (*v, spec.format(*v))).collect(),
            };
            view! {
                <label class="param">
                    <span class="param-name">{spec.name}</span>
                    <select
                        data-testid=testid
                        aria-label=label
                        prop:value=move || value.get().to_string()
                        on:change=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                                set.run(v);
                            }
                        }
                    >
                        {options
                            .into_iter()
                            .map(|(v, name)| view! { <option value=v.to_string()>{name}</option> })
                            .collect_view()}
                    </select>
                </label>
            }
            .into_any()
        }
        (Unit::Seconds, _) | (_, Taper::Log) => view! {
            <label class="param">
                <span class="param-name">{spec.name}</span>
                <input
                    type="number"
                    class="param-number"
                    data-testid=testid
                    aria-label=label
                    title="Double-click resets"
                    min=spec.min.to_string()
                    max=spec.max.to_string()
                    step=spec.step.to_string()
                    prop:value=move || trim_number(value.get())
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                            set.run(v);
                        }
                    }
                    on:dblclick=move |_| set.run(spec.default)
                />
                <output class="param-value">{move || spec.format(value.get())}</output>
            </label>
        }
        .into_any(),
        _ => view! { <ParamSlider spec testid label value set/> }.into_any(),
    }
}

/// A number without float noise (`707.1068` rather than `707.10675`).
fn trim_number(v: f32) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

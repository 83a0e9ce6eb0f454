//! A native range input bound to one row of the parameter table: label, readout in the table's
//! units, double-click resets to the default.

use dsp_worklet::ParamSpec;
use leptos::prelude::*;

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
    view! {
        <label class="param">
            <span class="param-name">{spec.name}</span>
            <input
                type="range"
                data-testid=testid
                aria-label=label
                title="Double-click resets"
                min=spec.min.to_string()
                max=spec.max.to_string()
                step=spec.step.to_string()
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                        set.run(v);
                    }
                }
                on:dblclick=move |_| set.run(spec.default)
            />
            <output class="param-value">{move || spec.format(value.get())}</output>
        </label>
    }
}

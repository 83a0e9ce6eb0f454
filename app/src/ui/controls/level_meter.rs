//! A peak meter (native `<meter>`, −60…0 dBFS) and a latched clip light, shared by the track
//! strips and the master.

use leptos::prelude::*;

/// Peak meter; `data-peak-db` / `data-rms-db` carry the readings for tests.
#[component]
pub fn PeakMeter(
    testid: &'static str,
    label: String,
    /// Peak and RMS in dBFS.
    #[prop(into)]
    peak: Signal<f32>,
    #[prop(into)] rms: Signal<f32>,
    /// `data-channel`, for the master's L and R.
    #[prop(optional)]
    channel: Option<&'static str>,
) -> impl IntoView {
    view! {
        <meter
            data-testid=testid
            data-channel=channel
            aria-label=label
            min="-60"
            max="0"
            low="-18"
            high="-6"
            optimum="-30"
            prop:value=move || peak.get().max(-60.0).to_string()
            data-peak-db=move || format!("{:.2}", peak.get())
            data-rms-db=move || format!("{:.2}", rms.get())
        ></meter>
    }
}

/// A clip light that stays on until clicked.
#[component]
pub fn ClipLight(
    testid: &'static str,
    label: String,
    #[prop(into)] on: Signal<bool>,
    clear: Callback<()>,
) -> impl IntoView {
    view! {
        <button class="clip" data-testid=testid class:on=move || on.get() aria-label=label on:click=move |_| clear.run(())>
            {move || if on.get() { "CLIP" } else { "" }}
        </button>
    }
}

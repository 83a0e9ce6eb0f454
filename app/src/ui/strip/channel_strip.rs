//! One stem's channel strip.

use dsp_worklet::meter::to_dbfs;
use dsp_worklet::params::ParamId;
use leptos::prelude::*;

use crate::model::session::{StemAudio, TrackState};
use crate::studio::controller::use_studio;
use crate::ui::controls::level_meter::{ClipLight, PeakMeter};
use crate::ui::controls::param_slider::ParamSlider;
use crate::ui::strip::automation_lane::AutomationLane;
use crate::ui::strip::waveform::Waveform;

/// Strip for track `id`: name, waveform, gain, pan/balance, mute, solo, meter, remove.
#[component]
pub fn Strip(id: u32) -> impl IntoView {
    let s = use_studio();
    let Some(track) = s.heard.with_untracked(|m| m.track(id).cloned()) else {
        return ().into_any();
    };
    // This strip's own state: an edit of another strip (or of the master) leaves it alone, so
    // nothing below re-renders for it.
    let state = strip_state(id);
    // How many times this strip's state has changed (for tests: an edit elsewhere must not
    // count here).
    let updates = StoredValue::new(0u32);
    let name = track.name.clone();
    let value = move |p: ParamId| {
        Signal::derive(move || state.with(|t| t.as_ref().map_or(0.0, |(t, _)| t.value(p))))
    };
    let set = move |p: ParamId| Callback::new(move |v: f32| s.set_track(id, p, v));
    let toggle = move |p: ParamId| {
        move |ev: leptos::ev::Event| s.set_track(id, p, event_target_checked(&ev) as u8 as f32)
    };
    let level = move || s.meters.with(|m| m.track(id).copied().unwrap_or_default());
    let peak_db = move || to_dbfs(level().peak);
    let rms_db = move || to_dbfs(level().rms);
    let clipped = move || s.clips.with(|c| c.contains(&id));
    let info = move || {
        state.with(|t| {
            let Some((t, session_rate)) = t else {
                return String::new();
            };
            let kind = if t.channels == 1 { "mono" } else { "stereo" };
            let rate = if (t.source_rate - session_rate).abs() > 0.5 {
                format!("{:.1} kHz → session rate", t.source_rate / 1000.0)
            } else {
                format!("{:.1} kHz", t.source_rate / 1000.0)
            };
            format!("{kind} · {rate}")
        })
    };
    let pan_name = if track.channels == 1 {
        "Pan"
    } else {
        "Balance"
    };
    let audio = move || state.with(|t| t.as_ref().map(|(t, _)| t.audio));
    let refused = move || s.refused.with(|r| r.contains(&id));
    let waiting_for = track.file_name.clone();
    let status = move || {
        match audio() {
        Some(StemAudio::Missing) => Some(view! {
            <p class="strip-missing" data-testid="track-missing">
                "Waiting for " <strong>{waiting_for.clone()}</strong> ": drop it (or its folder) anywhere."
            </p>
        }.into_any()),
        Some(StemAudio::Different { .. }) => Some(view! {
            <p class="strip-mismatch" data-testid="track-mismatch">
                "Different file than the one in the link: the mix may not sound as the sender heard it."
            </p>
        }.into_any()),
        _ if refused() => Some(view! {
            <p class="strip-refused" data-testid="track-refused">
                "Not playing: the audio engine had no memory left for this stem."
            </p>
        }.into_any()),
        _ => None,
    }
    };
    let selected = move || s.selected.get() == Some(id);
    view! {
        <div
            class="strip"
            class:selected=selected
            class:placeholder=move || audio() == Some(StemAudio::Missing)
            data-testid="track"
            data-status=move || match audio() {
                Some(StemAudio::Missing) => "missing",
                Some(StemAudio::Different { .. }) => "different",
                _ if refused() => "refused",
                _ => "loaded",
            }
            data-track-name=name.clone()
            data-track-id=id
            data-updates=move || {
                state.track();
                updates.update_value(|n| *n += 1);
                updates.get_value()
            }
        >
            <div class="strip-head">
                <span class="strip-name" title=track.file_name.clone()>{name.clone()}</span>
                <span class="strip-info">{info}</span>
                <button
                    class="strip-edit"
                    data-testid="track-edit"
                    aria-pressed=move || selected().to_string()
                    aria-label=format!("Edit channel strip, {name}")
                    on:click=move |_| s.selected.update(|sel| {
                        *sel = if *sel == Some(id) { None } else { Some(id) }
                    })
                >
                    "EQ · Dyn"
                </button>
                <button
                    class="strip-remove"
                    data-testid="track-remove"
                    aria-label=format!("Remove {name}")
                    on:click=move |_| s.remove_track(id)
                >
                    "✕"
                </button>
            </div>
            {status}
            <Waveform state=state/>
            <AutomationLane owner=id/>
            <div class="strip-controls">
                <ParamSlider
                    spec=ParamId::Gain.spec()
                    testid="track-gain".into()
                    label=format!("Gain, {name}")
                    value=value(ParamId::Gain)
                    set=set(ParamId::Gain)
                />
                <ParamSlider
                    spec=ParamId::Pan.spec()
                    testid="track-pan".into()
                    label=format!("{pan_name}, {name}")
                    value=value(ParamId::Pan)
                    set=set(ParamId::Pan)
                />
                {[(ParamId::Mute, "mute", "M", "Mute"), (ParamId::Solo, "solo", "S", "Solo")]
                    .into_iter()
                    .map(|(p, class, letter, verb)| {
                        view! {
                            <label class=format!("toggle {class}")>
                                <input
                                    type="checkbox"
                                    data-testid=format!("track-{}", p.spec().key)
                                    aria-label=format!("{verb} {name}")
                                    prop:checked=move || { value(p).get() >= 0.5 }
                                    on:change=toggle(p)
                                />
                                <span>{letter}</span>
                            </label>
                        }
                    })
                    .collect_view()}
                <div class="meter-wrap">
                    <PeakMeter
                        testid="track-meter"
                        label=format!("Level, {name}")
                        peak=Signal::derive(peak_db)
                        rms=Signal::derive(rms_db)
                    />
                    <ClipLight
                        testid="track-clip"
                        label=format!("Clip indicator, {name} (click to clear)")
                        on=Signal::derive(clipped)
                        clear=Callback::new(move |_| s.clear_clip(id))
                    />
                    <span class="meter-readout">
                        {move || {
                            let p = peak_db();
                            if p <= -199.0 { "-∞".to_string() } else { format!("{p:.1}") }
                        }}
                    </span>
                </div>
            </div>
        </div>
    }
    .into_any()
}

/// Track `id` as heard, with the session rate: a memo, so that it changes only when this track
/// (or the rate) does.
pub fn strip_state(id: u32) -> Memo<Option<(TrackState, f32)>> {
    let s = use_studio();
    Memo::new(move |_| {
        s.heard
            .with(|m| m.track(id).map(|t| (t.clone(), m.sample_rate)))
    })
}

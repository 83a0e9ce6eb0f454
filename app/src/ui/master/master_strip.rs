//! The master section: fader and stereo peak meters with clip light.

use dsp_worklet::Command;
use dsp_worklet::meter::to_dbfs;
use dsp_worklet::params::{Group, ParamId};
use leptos::prelude::*;

use crate::browser::engine_link;

use crate::studio::controller::use_studio;
use crate::ui::controls::level_meter::{ClipLight, PeakMeter};
use crate::ui::controls::param_slider::ParamSlider;
use crate::ui::master::master_groups::MasterParamGroup;

#[component]
pub fn Master() -> impl IntoView {
    let s = use_studio();
    let value = Signal::derive(move || s.heard.with(|m| m.master.get(ParamId::MasterGain)));
    let set = Callback::new(move |v: f32| s.set_master(ParamId::MasterGain, v));
    let peak = move |ch: usize| s.meters.with(|m| to_dbfs(m.master_peak[ch]));
    let rms = move |ch: usize| s.meters.with(|m| to_dbfs(m.master_rms[ch]));
    let clipped = move || s.clips.with(|c| c.contains(&0));
    let meter = move |ch: usize, name: &'static str| {
        view! {
            <PeakMeter
                testid="master-meter"
                channel=name
                label=format!("Master level {name}")
                peak=Signal::derive(move || peak(ch))
                rms=Signal::derive(move || rms(ch))
            />
        }
    };
    view! {
        <aside class="master strip">
            <div class="strip-head">
                <span class="strip-name">"Master"</span>
            </div>
            <ParamSlider
                spec=ParamId::MasterGain.spec()
                testid="master-gain".into()
                label="Master gain".into()
                value=value
                set=set
            />
            <div class="meter-wrap">
                {meter(0, "L")}
                {meter(1, "R")}
                <ClipLight
                    testid="master-clip"
                    label="Master clip indicator (click to clear)".to_string()
                    on=Signal::derive(clipped)
                    clear=Callback::new(move |_| s.clear_clip(0))
                />
                <span class="meter-readout">
                    {move || {
                        let p = peak(0).max(peak(1));
                        if p <= -199.0 { "-∞".to_string() } else { format!("{p:.1} dBFS") }
                    }}
                </span>
            </div>
            <Loudness/>
            <Listening/>
            <Buses/>
        </aside>
    }
}

/// The two FX buses: reverb and delay, each with its return fader and mute.
#[component]
fn Buses() -> impl IntoView {
    let s = use_studio();
    let delay_time = view! {
        <p class="delay-time-readout" data-testid="delay-effective-ms">
            {move || {
                let v = s.heard.with(|m| m.master);
                let ms = if v.on(ParamId::DelaySync) {
                    dsp_worklet::dsp::delay::note_ms(v.get(ParamId::DelayNote), v.get(ParamId::DelayBpm))
                } else {
                    v.get(ParamId::DelayTime)
                };
                format!("Delay time in effect: {ms:.1} ms")
            }}
        </p>
    }
    .into_any();
    view! {
        <MasterParamGroup group=Group::Reverb title="Reverb bus (send 1)"/>
        <MasterParamGroup group=Group::Delay title="Delay bus (send 2)" extra=delay_time/>
    }
}

/// EBU R128 readings of the master output, from the engine's BS.1770 meter.
#[component]
fn Loudness() -> impl IntoView {
    let s = use_studio();
    let reading = move |f: fn(&dsp_worklet::loudness::LoudnessReadings) -> f64| {
        s.meters.with(|m| f(&m.loudness))
    };
    let row = move |testid: &'static str,
                    name: &'static str,
                    unit: &'static str,
                    f: fn(&dsp_worklet::loudness::LoudnessReadings) -> f64| {
        view! {
            <div class="loudness-row">
                <span class="param-name">{name}</span>
                <output
                    data-testid=testid
                    data-value=move || {
                        let v = reading(f);
                        if v.is_finite() { format!("{v:.2}") } else { String::new() }
                    }
                >
                    {move || {
                        let v = reading(f);
                        if v.is_finite() { format!("{v:.1} {unit}") } else { format!("– {unit}") }
                    }}
                </output>
            </div>
        }
    };
    view! {
        <fieldset class="module loudness" data-module="loudness">
            <legend>"Loudness (EBU R128)"</legend>
            {row("lufs-momentary", "Momentary", "LUFS", |r| r.momentary)}
            {row("lufs-short", "Short-term", "LUFS", |r| r.short_term)}
            {row("lufs-integrated", "Integrated", "LUFS", |r| r.integrated)}
            {row("lra", "Range", "LU", |r| r.range)}
            {row("true-peak", "True peak", "dBTP", |r| r.true_peak)}
            {row("sample-peak", "Sample peak", "dBFS", |r| r.sample_peak)}
            {row("plr", "PLR", "LU", |r| r.true_peak - r.integrated)}
            <button
                data-testid="meter-reset"
                title="Start integrated loudness, range and peaks afresh"
                on:click=move |_| engine_link::send(&[Command::ResetLoudness])
            >
                "Reset"
            </button>
        </fieldset>
    }
}

/// Listening tools: mono with the correlation readout, loudness-matched A/B, platform preview.
#[component]
fn Listening() -> impl IntoView {
    let s = use_studio();
    let readouts = view! {
        <div class="loudness-row">
            <span class="param-name">"Correlation"</span>
            <output
                data-testid="correlation"
                data-value=move || s.meters.with(|m| format!("{:.3}", m.correlation))
            >
                {move || s.meters.with(|m| format!("{:+.2}", m.correlation))}
            </output>
        </div>
        <p class="monitor-note" data-testid="ab-offset">
            {move || {
                let ab = s.heard.with(|m| m.master.get(ParamId::AbToggle)).round() as i32;
                let gain = s.meters.with(|m| m.ab_gain_db);
                match ab {
                    1 => format!("Hearing A, the unmastered mix, {}", offset_words(gain)),
                    2 => format!("Hearing B, the master, {}", offset_words(gain)),
                    _ => "A/B off: hearing the master as it is.".to_string(),
                }
            }}
        </p>
        <p class="monitor-note" data-testid="platform-text">
            {move || {
                let platform = s.heard.with(|m| m.master.get(ParamId::PlatformPreview));
                if platform < 0.5 {
                    String::new()
                } else {
                    s.meters.with(|m| {
                        dsp_worklet::platform::describe(
                            platform,
                            dsp_worklet::platform::platform_gain_db(
                                platform,
                                m.loudness.integrated,
                                m.loudness.true_peak,
                            ),
                        )
                    })
                }
            }}
        </p>
    }
    .into_any();
    view! { <MasterParamGroup group=Group::Monitor title="Listening" extra=readouts/> }
}

fn offset_words(gain_db: f64) -> String {
    if gain_db <= -0.05 {
        format!(
            "turned down {:.1} dB to match the other's loudness.",
            -gain_db
        )
    } else {
        "at its own level (it is the quieter one).".to_string()
    }
}

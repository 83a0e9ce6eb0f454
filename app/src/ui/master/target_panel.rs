//! Loudness target: presets, custom values, and "Match target".

use dsp_worklet::ParamId;
use leptos::prelude::*;

use crate::model::history::EditKey;

/// Match target's four settings are one undo step.
const MATCH: EditKey = EditKey::Control("match-target", 0);
use leptos::task::spawn_local;

use crate::model::targets::{CEILING_RANGE, LUFS_RANGE, PRESETS, Target};
use crate::studio::controller::use_studio;
use crate::studio::job::Job;
use crate::studio::matching::match_target;

#[component]
pub fn TargetPanel() -> impl IntoView {
    let s = use_studio();
    let target = move || s.heard.with(|m| m.target);
    let set_target = move |t: Target| s.edit(EditKey::Control("target", 0), |m| m.target = t);
    let job = Job::new();
    let start = move |_| {
        let mix = s.mix.get_untracked();
        let t = mix.target;
        if !job.begin(format!("Rendering and measuring for {} LUFS…", t.lufs)) {
            return;
        }
        spawn_local(async move {
            match match_target(
                &mix,
                t,
                move |p| job.progress.set(p),
                move || job.cancelled(),
            )
            .await
            {
                Ok(Some(m)) => {
                    s.set_master_as(MATCH, ParamId::LimOn, 1.0);
                    s.set_master_as(MATCH, ParamId::LimCeiling, m.ceiling_db);
                    s.set_master_as(MATCH, ParamId::MasterBypass, 0.0);
                    s.set_master_as(MATCH, ParamId::LimInput, m.input_gain_db);
                    job.status.set(format!(
                        "{}: {:.1} LUFS integrated, true peak {:.1} dBTP, limiter input {:+.1} dB ({} pass{}).",
                        if m.on_target { "Matched" } else { "Closest reachable" },
                        m.integrated,
                        m.true_peak,
                        m.input_gain_db,
                        m.passes,
                        if m.passes == 1 { "" } else { "es" }
                    ));
                }
                Ok(None) => job.status.set("Matching cancelled.".into()),
                Err(e) => {
                    job.status.set(String::new());
                    s.report(e);
                }
            }
            job.finish();
        });
    };
    let number = move |testid: &'static str,
                       range: (f32, f32),
                       get: fn(&Target) -> f32,
                       custom: fn(Target, f32) -> Target| {
        view! {
            <input
                type="number"
                class="param-number"
                data-testid=testid
                aria-label=testid
                min=range.0.to_string()
                max=range.1.to_string()
                step="0.1"
                prop:value=move || get(&target()).to_string()
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                        set_target(custom(target(), v));
                    }
                }
            />
        }
    };
    view! {
        <fieldset class="module target" data-module="target">
            <legend>"Loudness target"</legend>
            <label class="param">
                <span class="param-name">"Preset"</span>
                <select
                    data-testid="target-preset"
                    aria-label="Loudness target preset"
                    prop:value=move || target().name.to_string()
                    on:change=move |ev| {
                        if let Some(t) = Target::preset(&event_target_value(&ev)) {
                            set_target(t);
                        }
                    }
                >
                    {PRESETS
                        .iter()
                        .map(|t| view! { <option value=t.name>{t.label()}</option> })
                        .collect_view()}
                    <option value="Custom">"Custom"</option>
                </select>
            </label>
            <label class="param">
                <span class="param-name">"Target (LUFS)"</span>
                {number("target-lufs", LUFS_RANGE, |t| t.lufs, |t, v| Target::custom(v, t.ceiling))}
            </label>
            <label class="param">
                <span class="param-name">"Ceiling (dBTP)"</span>
                {number("target-ceiling", CEILING_RANGE, |t| t.ceiling, |t, v| Target::custom(t.lufs, v))}
            </label>
            <button data-testid="match-target" disabled=move || job.running.get() on:click=start>
                "Match target"
            </button>
            <progress data-testid="match-progress" max="1" prop:value=move || job.progress.get()></progress>
            <button data-testid="match-cancel" disabled=move || !job.running.get() on:click=move |_| job.cancel.set(true)>
                "Cancel"
            </button>
            <output data-testid="match-status">{move || job.status.get()}</output>
        </fieldset>
    }
}

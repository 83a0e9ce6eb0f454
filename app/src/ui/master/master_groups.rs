//! Master-scope parameter groups (FX buses, mastering chain), rendered from the parameter table.
//! Each control's `data-testid` is its parameter key.

use dsp_worklet::PARAMS;
use dsp_worklet::params::Group;
use leptos::prelude::*;

use crate::studio::controller::use_studio;
use crate::ui::controls::param_slider::ParamControl;

/// A fieldset with every master-scope control of `group`, plus `extra` below them.
#[component]
pub fn MasterParamGroup(
    group: Group,
    title: &'static str,
    #[prop(optional)] extra: Option<AnyView>,
) -> impl IntoView {
    let s = use_studio();
    let controls = PARAMS
        .iter()
        .filter(|p| p.group == group)
        .map(|p| {
            let pid = p.id;
            view! {
                <ParamControl
                    spec=p
                    testid=p.key.to_string()
                    label=p.name.to_string()
                    value=Signal::derive(move || s.heard.with(|m| m.master.get(pid)))
                    set=Callback::new(move |v: f32| s.set_master(pid, v))
                />
            }
        })
        .collect_view();
    view! {
        <fieldset class="module" data-module=group.as_str()>
            <legend>{title}</legend>
            {controls}
            {extra}
        </fieldset>
    }
}

/// The mastering chain, in signal order, with the limiter's gain-reduction meter.
#[component]
pub fn Mastering() -> impl IntoView {
    let s = use_studio();
    let gr = move || s.meters.with(|m| m.limiter_reduction_db);
    let limiter_gr = view! {
        <label class="param gr">
            <span class="param-name">"Gain reduction"</span>
            <meter
                data-testid="limiter-gr"
                min="0"
                max="12"
                prop:value=move || gr().to_string()
                data-gr-db=move || format!("{:.2}", gr())
            ></meter>
            <output class="param-value">{move || format!("-{:.1} dB", gr())}</output>
        </label>
    }
    .into_any();
    view! {
        <details class="mastering" data-testid="mastering" open=true>
            <summary>"Mastering chain — EQ → multiband → width → saturation → limiter → output"</summary>
            <div class="modules">
                <crate::ui::master::target_panel::TargetPanel/>
                <MasterParamGroup group=Group::MasterEq title="EQ and tilt"/>
                <MasterParamGroup group=Group::Multiband title="Multiband compressor (LR4)"/>
                <MasterParamGroup group=Group::Width title="Stereo width"/>
                <MasterParamGroup group=Group::MasterSat title="Saturation (4× oversampled)"/>
                <MasterParamGroup group=Group::Limiter title="True-peak limiter" extra=limiter_gr/>
                <MasterParamGroup group=Group::Output title="Output"/>
            </div>
        </details>
    }
}

//! The editor for the selected track: EQ curve with band handles, gain-reduction meters, and
//! every strip-module control, grouped in signal-flow order.

use dsp_worklet::PARAMS;
use dsp_worklet::params::ParamId;
use leptos::prelude::*;

use crate::studio::controller::use_studio;
use crate::ui::controls::param_slider::ParamControl;
use crate::ui::strip::channel_strip::strip_state;
use crate::ui::strip::eq_curve::EqCurve;

/// Module groups shown in the editor, with their headings (the fader group lives in the strip).
pub const GROUPS: [(&str, &str); 11] = [
    (
        "region",
        "Region (trim, fades, clip gain; also on the waveform)",
    ),
    ("input", "Input"),
    ("filters", "Filters"),
    ("eq", "EQ"),
    ("gate", "Gate"),
    ("comp", "Compressor"),
    ("sat", "Saturation (4× oversampled)"),
    ("chorus", "Chorus"),
    ("phaser", "Phaser"),
    ("flanger", "Flanger"),
    ("sends", "Sends"),
];

#[component]
pub fn Editor() -> impl IntoView {
    let s = use_studio();
    // A memo, so the editor is rebuilt only when the selection changes, not on every edit (which
    // would also tear down an EQ handle in the middle of a drag).
    let selected = Memo::new(move |_| {
        s.selected
            .get()
            .filter(|id| s.heard.with(|m| m.track(*id).is_some()))
    });
    view! { {move || selected.get().map(|id| view! { <TrackEditor id=id/> })} }
}

#[component]
fn TrackEditor(id: u32) -> impl IntoView {
    let s = use_studio();
    let state = strip_state(id);
    let name = s
        .heard
        .with_untracked(|m| m.track(id).map(|t| t.name.clone()))
        .unwrap_or_default();
    let reduction = move |gate: bool| {
        s.meters.with(|m| {
            m.track(id)
                .map(|t| {
                    if gate {
                        t.gate_reduction_db
                    } else {
                        t.comp_reduction_db
                    }
                })
                .unwrap_or(0.0)
        })
    };
    let groups = GROUPS
        .iter()
        .map(|(group, title)| {
            let controls = PARAMS
                .iter()
                .filter(|p| p.group.as_str() == *group)
                .map(|p| {
                    let pid = p.id;
                    let value = Signal::derive(move || {
                        state.with(|t| t.as_ref().map_or(p.default, |(t, _)| t.value(pid)))
                    });
                    let set = Callback::new(move |v: f32| s.set_track(id, pid, v));
                    view! {
                        <ParamControl
                            spec=p
                            testid=format!("track-{}", p.key)
                            label=format!("{}, {name}", p.name)
                            value=value
                            set=set
                        />
                    }
                })
                .collect_view();
            let gr = match *group {
                "gate" => Some(true),
                "comp" => Some(false),
                _ => None,
            }
            .map(|gate| {
                let testid = if gate {
                    "track-gate-gr"
                } else {
                    "track-comp-gr"
                };
                view! {
                    <label class="param gr">
                        <span class="param-name">"Gain reduction"</span>
                        <meter
                            data-testid=testid
                            min="0"
                            max="30"
                            prop:value=move || reduction(gate).to_string()
                            data-gr-db=move || format!("{:.2}", reduction(gate))
                        ></meter>
                        <output class="param-value">
                            {move || format!("-{:.1} dB", reduction(gate))}
                        </output>
                    </label>
                }
            });
            view! {
                <fieldset class="module" data-module=*group>
                    <legend>{*title}</legend>
                    {controls}
                    {gr}
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <section class="editor" data-testid="editor" aria-label=format!("Editor, {name}")>
            <header class="editor-head">
                <h2>{format!("{name} — channel strip")}</h2>
                <button aria-label="Close editor" on:click=move |_| s.selected.set(None)>
                    "✕"
                </button>
            </header>
            <EqCurve id=id state=state/>
            <div class="modules">{groups}</div>
            <p class="hint">
                "Drag a band handle to set its frequency and gain, scroll on it for Q, Shift for fine moves. "
                "Double-click any control to reset it. Signal flow: "
                {ParamId::Trim.spec().name}
                " → filters → EQ → gate → compressor → saturation → fader → pan; sends go to the reverb and delay buses beside the master."
            </p>
        </section>
    }
}

//! "Export": targets (several at once), format, rate, dither, progress with stage names, cancel,
//! the limiting question, the delivered files and their reports.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser::download::{blob_url, download};
use crate::browser::js::Gate;
use crate::browser::offline_render::Range;
use crate::delivery::dither::Dither;
use crate::delivery::report::DeliveryReport;
use crate::delivery::wav::WavFormat;
use crate::model::targets::{PRESETS, Target};
use crate::studio::controller::use_studio;
use crate::studio::export_job::{Delivery, ExportOptions, Goal, Outcome, RATES, run_export};
use crate::studio::job::Job;

/// A delivered file as the dialog lists it.
#[derive(Clone, Debug, PartialEq)]
struct Delivered {
    file_name: String,
    url: String,
    report: DeliveryReport,
}

/// The `<select multiple>`'s value for a target: its preset name, or "current" for the session's
/// own (custom) target.
fn target_key(t: &Target) -> String {
    if PRESETS.iter().any(|p| p == t) {
        t.name.to_string()
    } else {
        "current".into()
    }
}

/// The `<select multiple>`'s value for [`Goal::AsMixed`].
const AS_MIXED: &str = "as-mixed";

#[component]
pub fn ExportDialog() -> impl IntoView {
    let s = use_studio();
    let open = RwSignal::new(false);
    let format = RwSignal::new(WavFormat::Pcm24);
    let rate = RwSignal::new(0u32); // 0: the session rate until chosen
    let dither = RwSignal::new(Dither::Tpdf);
    let use_loop = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<String>::new());
    let stage = RwSignal::new(String::new());
    let question = RwSignal::new(None::<String>);
    // The limiting question's answer: `Some(yes)`, or `None` when cancelled; the export waits
    // for `answered` to open.
    let answer = RwSignal::new(None::<bool>);
    let answered = StoredValue::new_local(None::<Gate>);
    let reply = move |yes: Option<bool>| {
        answer.set(yes);
        if let Some(g) = answered.get_value() {
            g.open();
        }
    };
    let delivered = RwSignal::new(Vec::<Delivered>::new());
    let job = Job::new();

    let rate_now = move || {
        let r = rate.get();
        if r != 0 {
            r
        } else {
            let session = s.mix.with(|m| m.sample_rate as u32);
            if RATES.contains(&session) {
                session
            } else {
                48_000
            }
        }
    };
    let chosen_targets = move || {
        let current = s.mix.with_untracked(|m| m.target);
        let mut keys = chosen.get_untracked();
        if keys.is_empty() {
            keys.push(target_key(&current));
        }
        keys.iter()
            .filter_map(|k| match k.as_str() {
                "current" => Some(Goal::Target(current)),
                AS_MIXED => Some(Goal::AsMixed),
                _ => Target::preset(k).map(Goal::Target),
            })
            .collect::<Vec<_>>()
    };

    let start = move |_| {
        let mix = s.mix.get_untracked();
        let options = ExportOptions {
            targets: chosen_targets(),
            format: format.get_untracked(),
            rate: rate_now(),
            dither: dither.get_untracked(),
            range: match (use_loop.get_untracked(), mix.loop_seconds()) {
                (true, Some((start, end))) => Range::Region { start, end },
                _ => Range::Song,
            },
        };
        if !job.begin("Exporting…") {
            return;
        }
        for d in delivered.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&d.url);
        }
        delivered.set(Vec::new());
        question.set(None);
        spawn_local(async move {
            let t0 = js_sys::Date::now();
            let confirm = move |q: String| async move {
                let gate = Gate::default();
                answered.set_value(Some(gate.clone()));
                answer.set(None);
                question.set(Some(q));
                if !job.cancelled() {
                    gate.wait().await;
                }
                answered.set_value(None);
                question.set(None);
                answer.get_untracked().unwrap_or(false) && !job.cancelled()
            };
            let deliver = move |d: Delivery| {
                download(&d.wav, &d.file_name, "audio/wav")?;
                // Revoked when the next export starts.
                let url = blob_url(&d.wav, "audio/wav").unwrap_or_default();
                delivered.update(|v| {
                    v.push(Delivered {
                        file_name: d.file_name,
                        url,
                        report: d.report,
                    })
                });
                Ok(())
            };
            let result = run_export(
                &mix,
                &options,
                move |text, p| {
                    stage.set(text);
                    job.progress.set(p);
                },
                move || job.cancelled(),
                confirm,
                deliver,
            )
            .await;
            stage.set(String::new());
            match result {
                Ok(Outcome::Finished) => {
                    let audio: f64 = delivered
                        .with_untracked(|v| v.iter().map(|d| d.report.measured.duration_s).sum());
                    let took = (js_sys::Date::now() - t0) / 1000.0;
                    job.status.set(format!(
                        "Exported {} file(s) in {took:.1} s ({:.0}× realtime).",
                        delivered.with_untracked(|v| v.len()),
                        audio / took.max(1e-3),
                    ));
                }
                Ok(Outcome::Cancelled) => job.status.set("Export cancelled.".into()),
                Ok(Outcome::Stopped) => {
                    job.status.set("Export stopped: limiting too heavy.".into())
                }
                Err(e) => {
                    job.status.set(String::new());
                    s.report(e);
                }
            }
            job.finish();
        });
    };

    let on_targets = move |ev: leptos::ev::Event| {
        let Some(sel) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        else {
            return;
        };
        let opts = sel.selected_options();
        let keys = (0..opts.length())
            .filter_map(|i| opts.item(i))
            .filter_map(|e| e.get_attribute("value"))
            .collect();
        chosen.set(keys);
    };

    view! {
        <button data-testid="export-open" on:click=move |_| open.update(|o| *o = !*o)>
            "Export…"
        </button>
        <Show when=move || open.get()>
            <div class="export-dialog" role="dialog" aria-label="Export">
                <label>
                    "Session "
                    <input
                        data-testid="export-name"
                        aria-label="Session name"
                        prop:value=move || s.mix.with(|m| m.name.clone())
                        maxlength=crate::formats::document::MAX_NAME_CHARS.to_string()
                        on:change=move |ev| {
                            // Names travel in share links: markup and control characters are
                            // replaced as they would be for a file name.
                            let v = crate::formats::document::shareable_name(event_target_value(&ev).trim());
                            s.edit(crate::model::history::EditKey::Control("name", 0), |m| m.name = v);
                        }
                    />
                </label>
                <label>
                    "Targets "
                    <select
                        multiple
                        size="5"
                        data-testid="export-target"
                        aria-label="Export targets (several at once)"
                        on:change=on_targets
                    >
                        {move || {
                            let current = s.mix.with(|m| m.target);
                            let picked = chosen.get();
                            let is = move |k: &str| {
                                if picked.is_empty() { target_key(&current) == k } else { picked.iter().any(|p| p == k) }
                            };
                            let mut opts: Vec<_> = PRESETS
                                .iter()
                                .map(|t| {
                                    let sel = is(t.name);
                                    view! { <option value=t.name selected=sel>{t.label()}</option> }
                                })
                                .collect();
                            let sel = is(AS_MIXED);
                            opts.push(view! { <option value=AS_MIXED selected=sel>{"As mixed (no loudness target)".to_string()}</option> });
                            if target_key(&current) == "current" {
                                let sel = is("current");
                                opts.push(view! { <option value="current" selected=sel>{current.label()}</option> });
                            }
                            opts
                        }}
                    </select>
                </label>
                <label>
                    "Format "
                    <select
                        data-testid="export-format"
                        aria-label="Export format"
                        on:change=move |ev| {
                            if let Some(f) = WavFormat::from_key(&event_target_value(&ev)) {
                                format.set(f);
                            }
                        }
                        prop:value=move || format.get().key()
                    >
                        {WavFormat::ALL
                            .into_iter()
                            .map(|f| view! { <option value=f.key()>{f.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Sample rate "
                    <select
                        data-testid="export-rate"
                        aria-label="Export sample rate"
                        on:change=move |ev| {
                            if let Ok(r) = event_target_value(&ev).parse() {
                                rate.set(r);
                            }
                        }
                        prop:value=move || rate_now().to_string()
                    >
                        {RATES
                            .into_iter()
                            .map(|r| view! { <option value=r.to_string()>{format!("{:.1} kHz", r as f64 / 1000.0)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Dither "
                    <select
                        data-testid="export-dither"
                        aria-label="Dither"
                        disabled=move || !format.get().dithers()
                        on:change=move |ev| {
                            if let Some(d) = Dither::from_key(&event_target_value(&ev)) {
                                dither.set(d);
                            }
                        }
                        prop:value=move || dither.get().key()
                    >
                        {Dither::ALL
                            .into_iter()
                            .map(|d| view! { <option value=d.key()>{d.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Range "
                    <select
                        data-testid="export-range"
                        aria-label="Export range"
                        on:change=move |ev| use_loop.set(event_target_value(&ev) == "loop")
                        prop:value=move || if use_loop.get() { "loop" } else { "song" }
                    >
                        <option value="song">"Whole song"</option>
                        <option value="loop" disabled=move || s.mix.with(|m| m.loop_region.is_none())>
                            {move || match s.mix.with(|m| m.loop_seconds()) {
                                Some((a, b)) => format!("Loop region {a:.3}–{b:.3} s"),
                                None => "Loop region (none set)".to_string(),
                            }}
                        </option>
                    </select>
                </label>
                <button data-testid="export-start" disabled=move || job.running.get() on:click=start>
                    "Export"
                </button>
                <progress
                    data-testid="export-progress"
                    aria-label="Export progress"
                    max="1"
                    prop:value=move || job.progress.get()
                ></progress>
                <span data-testid="export-stage" class="export-stage">{move || stage.get()}</span>
                <button
                    data-testid="export-cancel"
                    disabled=move || !job.running.get()
                    on:click=move |_| {
                        job.cancel.set(true);
                        reply(None);
                    }
                >
                    "Cancel"
                </button>
                <output data-testid="export-status">{move || job.status.get()}</output>
                <Show when=move || question.with(|q| q.is_some())>
                    <div class="export-question" role="alertdialog" data-testid="export-limiting">
                        <p>{move || question.get().unwrap_or_default()}</p>
                        <button data-testid="export-continue" on:click=move |_| reply(Some(true))>
                            "Continue anyway"
                        </button>
                        <button data-testid="export-stop" on:click=move |_| reply(Some(false))>
                            "Stop"
                        </button>
                    </div>
                </Show>
                <For
                    each=move || delivered.get()
                    key=|d| d.file_name.clone()
                    children=move |d: Delivered| {
                        let json = d.report.to_json();
                        let text = d.report.to_text();
                        let base = d.file_name.trim_end_matches(".wav").to_string();
                        let (json_name, text_name) = (format!("{base} report.json"), format!("{base} report.txt"));
                        let (j, t) = (json.clone(), text.clone());
                        view! {
                            <section class="export-report" data-testid="export-report" data-report=json>
                                <a data-testid="export-file" href=d.url.clone() download=d.file_name.clone()>
                                    {d.file_name.clone()}
                                </a>
                                <pre>{text}</pre>
                                <button data-testid="export-report-json" on:click=move |_| {
                                    let _ = download(j.as_bytes(), &json_name, "application/json");
                                }>"Report as JSON"</button>
                                <button data-testid="export-report-text" on:click=move |_| {
                                    let _ = download(t.as_bytes(), &text_name, "text/plain");
                                }>"Report as text"</button>
                            </section>
                        }
                    }
                />
            </div>
        </Show>
    }
}

//! "Export mix": format choice, progress, cancel, and the download.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::controller::use_studio;
use super::job::Job;
use crate::error::AppError;
use crate::export::{download, render_mix};
use crate::wav::{WavFormat, encode_stereo};

/// Name of the downloaded file.
pub const EXPORT_FILE_NAME: &str = "Second Ear mix.wav";

#[component]
pub fn ExportDialog() -> impl IntoView {
    let s = use_studio();
    let open = RwSignal::new(false);
    let format = RwSignal::new(WavFormat::Pcm24);
    let job = Job::new();

    let start = move |_| {
        let mix = s.mix.get_untracked();
        let fmt = format.get_untracked();
        if !job.begin("Rendering…") {
            return;
        }
        spawn_local(async move {
            let t0 = js_sys::Date::now();
            let result =
                render_mix(&mix, move |p| job.progress.set(p), move || job.cancelled()).await;
            let outcome = match result {
                Ok(None) => {
                    job.status.set("Export cancelled.".into());
                    Ok(())
                }
                Ok(Some(r)) => {
                    job.status.set("Writing WAV…".into());
                    let rendered_at = js_sys::Date::now();
                    encode_stereo(&r.left, &r.right, r.sample_rate as u32, fmt)
                        .map_err(|e| AppError::Export {
                            detail: e.to_string(),
                        })
                        .and_then(|bytes| {
                            download(&bytes, EXPORT_FILE_NAME, "audio/wav")?;
                            let secs = r.left.len() as f64 / r.sample_rate as f64;
                            let took = (js_sys::Date::now() - t0) / 1000.0;
                            let render = (rendered_at - t0) / 1000.0;
                            job.status.set(format!(
                                "Exported “{EXPORT_FILE_NAME}”: {secs:.1} s, {} Hz, {} — {:.0}× realtime (render {render:.2} s, write {:.2} s).",
                                r.sample_rate,
                                fmt.label(),
                                secs / took.max(1e-3),
                                took - render,
                            ));
                            Ok(())
                        })
                }
                Err(e) => Err(e),
            };
            if let Err(e) = outcome {
                job.status.set(String::new());
                s.report(e);
            }
            job.finish();
        });
    };

    view! {
        <button data-testid="export-open" on:click=move |_| open.update(|o| *o = !*o)>
            "Export mix…"
        </button>
        <Show when=move || open.get()>
            <div class="export-dialog" role="dialog" aria-label="Export mix">
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
                <span class="export-rate">
                    {move || format!("at the session rate, {} Hz", s.mix.with(|m| m.sample_rate))}
                </span>
                <button
                    data-testid="export-start"
                    disabled=move || job.running.get()
                    on:click=start
                >
                    "Export"
                </button>
                <progress
                    data-testid="export-progress"
                    aria-label="Export progress"
                    max="1"
                    prop:value=move || job.progress.get()
                ></progress>
                <button
                    data-testid="export-cancel"
                    disabled=move || !job.running.get()
                    on:click=move |_| job.cancel.set(true)
                >
                    "Cancel"
                </button>
                <output data-testid="export-status">{move || job.status.get()}</output>
            </div>
        </Show>
    }
}

//! Analysis: the master's spectrum (1/6 octave, 20 Hz–20 kHz, log axis) and the loudness history
//! over the song with the target line. The engine analyses only while this panel is open.

use dsp_worklet::Command;
use dsp_worklet::spectrum::{BANDS, HIGH_HZ, LOW_HZ, band_centre};
use leptos::prelude::*;

use crate::browser::engine_link;
use crate::studio::controller::use_studio;

const W: f64 = 600.0;
const H: f64 = 160.0;
/// Spectrum's vertical range, dB.
const SPEC_FLOOR: f64 = -90.0;
/// Loudness history's vertical range, LUFS.
const HIST_LOW: f64 = -40.0;
const HIST_HIGH: f64 = 0.0;

fn x_of_hz(f: f64) -> f64 {
    (f / LOW_HZ).ln() / (HIGH_HZ / LOW_HZ).ln() * W
}

/// SVG path of spectrum band levels.
pub fn spectrum_path(bands: &[f32]) -> String {
    bands
        .iter()
        .enumerate()
        .map(|(k, db)| {
            let y = (((*db as f64).clamp(SPEC_FLOOR, 0.0) / SPEC_FLOOR) * H).min(H);
            format!(
                "{}{:.1} {:.1}",
                if k == 0 { "M" } else { "L" },
                x_of_hz(band_centre(k)),
                y
            )
        })
        .collect()
}

fn y_of_lufs(l: f64) -> f64 {
    (HIST_HIGH - l.clamp(HIST_LOW, HIST_HIGH)) / (HIST_HIGH - HIST_LOW) * H
}

#[component]
pub fn Analysis() -> impl IntoView {
    let s = use_studio();
    let open = RwSignal::new(false);
    Effect::new(move |_| engine_link::send(&[Command::SetAnalysis { on: open.get() }]));
    let bands = move || s.meters.with(|m| m.spectrum.clone());
    let peak_hz = move || {
        let b = bands();
        (0..b.len().min(BANDS))
            .max_by(|x, y| b[*x].total_cmp(&b[*y]))
            .map(|k| format!("{:.0}", band_centre(k)))
            .unwrap_or_default()
    };
    let history_path = move || {
        let song = s
            .mix
            .with(|m| m.song_frames() as f64 / m.sample_rate.max(1.0) as f64)
            .max(1.0);
        s.history.with(|h| {
            h.iter()
                .enumerate()
                .map(|(i, (t, l))| {
                    format!(
                        "{}{:.1} {:.1}",
                        if i == 0 { "M" } else { "L" },
                        t / song * W,
                        y_of_lufs(*l)
                    )
                })
                .collect::<String>()
        })
    };
    let target_y = move || format!("{:.1}", y_of_lufs(s.mix.with(|m| m.target.lufs) as f64));
    view! {
        <details
            class="analysis"
            data-testid="analysis"
            on:toggle=move |ev| {
                use wasm_bindgen::JsCast;
                if let Some(d) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()) {
                    open.set(d.open());
                }
            }
        >
            <summary>"Analysis — spectrum and loudness history"</summary>
            <div class="analysis-views">
                <svg class="spectrum" data-testid="spectrum" data-peak-hz=peak_hz viewBox=format!("0 0 {W} {H}") role="img" aria-label="Spectrum of the master, 20 Hz to 20 kHz">
                    {[100.0, 1_000.0, 10_000.0].into_iter().map(|f| view! { <line class="grid" x1=x_of_hz(f) x2=x_of_hz(f) y1="0" y2=H></line> }).collect_view()}
                    <path class="spectrum-line" d=move || spectrum_path(&bands())></path>
                </svg>
                <svg class="history" data-testid="loudness-history" viewBox=format!("0 0 {W} {H}") role="img" aria-label="Short-term loudness over the song, with the target">
                    <line class="target-line" data-testid="history-target" x1="0" x2=W y1=target_y y2=target_y></line>
                    <path class="history-line" d=history_path></path>
                </svg>
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes() {
        assert!(x_of_hz(LOW_HZ).abs() < 1e-9 && (x_of_hz(HIGH_HZ) - W).abs() < 1e-9);
        assert_eq!(y_of_lufs(0.0), 0.0);
        assert_eq!(y_of_lufs(-40.0), H);
        assert!(spectrum_path(&[-200.0, 0.0]).starts_with("M0.0 160.0L"));
    }
}

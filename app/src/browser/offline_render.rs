//! Export: renders the session through the same engine in an `OfflineAudioContext`, in steps with
//! `suspend()` so progress shows and a cancel takes effect, then writes a WAV (main thread).

use dsp_worklet::{BLOCK_FRAMES, Command};
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AudioBuffer, OfflineAudioContext};

use crate::browser::engine_link::{PROCESSOR_URL, engine_node, export_inputs, post_stem, words};
use crate::error::{AppError, js_detail};
use crate::model::session::Mix;

/// A finished render: stereo at `sample_rate`.
pub struct Rendered {
    pub left: Vec<f32>,
    pub right: Vec<f32>,
    pub sample_rate: f32,
    /// The master limiter's deepest gain reduction over the render, dB (≥ 0).
    pub limiter_reduction_db: f64,
    /// The master chain's input, when the render was asked to record it ([`Source::Recording`]).
    pub recording: Option<Recording>,
}

/// Where a render's master chain takes its input from (see `dsp_worklet::premix`).
pub enum Source<'a> {
    /// The stems through the strips and FX buses.
    Stems,
    /// The same, recording the master chain's input for later passes.
    Recording,
    /// A recording made by an earlier render of the same mix, range and rate, with other master
    /// settings at most: the output is what the stems would give, bit for bit, at the cost of
    /// the master chain alone.
    Replay(&'a Recording),
}

/// The master chain's input over one render (main thread), with that render's extent.
pub struct Recording {
    channels: [js_sys::Float32Array; 2],
    /// Frames rendered, and where the dry range ended (see `render_mix`).
    frames: u64,
    dry: u64,
}

/// What part of the song to render.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// From the top to the end of the longest stem.
    Song,
    /// From `start` to `end`, seconds (the loop region). The dry tracks stop at the end (a
    /// render quantum later at most, ≤ 2.7 ms) and the effects ring out after it.
    Region { start: f64, end: f64 },
}

impl Range {
    pub fn describe(&self) -> String {
        match self {
            Range::Song => "whole song".into(),
            Range::Region { start, end } => format!("loop region {start:.3}–{end:.3} s"),
        }
    }
}

/// Longest effects tail an export keeps, seconds.
pub const MAX_TAIL_SECONDS: f64 = 10.0;
/// Level below which the tail counts as finished: −90 dBFS.
pub const TAIL_FLOOR: f32 = 3.162_277_7e-5;

/// Frames to keep: the whole song, plus the tail up to its last sample at or above −90 dBFS.
pub fn tail_end(left: &[f32], right: &[f32], song: usize) -> usize {
    let n = left.len().min(right.len());
    (song.min(n)..n)
        .rev()
        .find(|i| left[*i].abs() >= TAIL_FLOOR || right[*i].abs() >= TAIL_FLOOR)
        .map_or(song.min(n), |i| i + 1)
}

/// How many progress steps a render of `frames` gets: one per quarter second of audio, 1…25
/// (each suspend/resume round trip costs the render a few milliseconds).
pub fn progress_steps(frames: u64, rate: f32) -> u64 {
    ((frames as f64 / (rate as f64 * 0.25)) as u64).clamp(1, 25)
}

/// Suspend points (seconds) for `steps` equal parts of `frames`, on render-quantum boundaries,
/// strictly inside the render.
pub fn suspend_times(frames: u64, rate: f32, steps: u64) -> Vec<f64> {
    let q = BLOCK_FRAMES as u64;
    let mut out: Vec<f64> = (1..steps)
        .map(|k| (frames * k / steps) / q * q)
        .filter(|f| *f > 0 && *f < frames)
        .map(|f| f as f64 / rate as f64)
        .collect();
    out.dedup();
    out
}

/// Renders `range` of the mix at `rate` Hz (stems decoded again from their files when that is not
/// the session rate). `progress` gets 0…1; when `cancelled()` turns true the render is abandoned
/// at the next step and `Ok(None)` comes back.
pub async fn render_mix(
    mix: &Mix,
    rate: f32,
    range: Range,
    progress: impl Fn(f64),
    cancelled: impl Fn() -> bool,
) -> Result<Option<Rendered>, AppError> {
    render_mix_from(mix, rate, range, Source::Stems, progress, cancelled).await
}

/// [`render_mix`] with the master chain's input taken from `source`.
pub async fn render_mix_from(
    mix: &Mix,
    rate: f32,
    range: Range,
    source: Source<'_>,
    progress: impl Fn(f64),
    cancelled: impl Fn() -> bool,
) -> Result<Option<Rendered>, AppError> {
    let missing: Vec<&str> = mix.missing().map(|t| t.file_name.as_str()).collect();
    if !missing.is_empty() {
        return Err(AppError::NothingToExport {
            reason: format!(
                "{} stem(s) are still missing ({}): drop the files before exporting.",
                missing.len(),
                missing.join(", ")
            ),
        });
    }
    if let Some(reason) = mix.silence_reason() {
        return Err(AppError::NothingToExport {
            reason: reason.into(),
        });
    }
    let (module, stems) = export_inputs().ok_or(AppError::AudioUnavailable {
        detail: "the audio engine is not running".into(),
    })?;
    if rate <= 0.0 || mix.sample_rate <= 0.0 {
        return Err(AppError::AudioUnavailable {
            detail: "audio has not started yet".into(),
        });
    }
    let fail = |e: JsValue| AppError::Export {
        detail: js_detail(&e),
    };
    // Stems at the render rate: the session's own buffers, or the files decoded again (none
    // when a recording replaces them).
    let mut buffers = Vec::new();
    let replay = match source {
        Source::Replay(recording) => Some(recording),
        _ => None,
    };
    // In the mix's track order, so every machine sums the tracks in the same order (bit-exact).
    let ordered = mix
        .tracks
        .iter()
        .filter_map(|t| stems.iter().find(|st| st.id == t.id));
    for st in ordered.filter(|_| replay.is_none()) {
        let buffer = if rate == mix.sample_rate {
            st.buffer.clone()
        } else {
            decode_at(&st.bytes, rate)
                .await
                .map_err(|e| AppError::Export {
                    detail: format!(
                        "“{}” could not be decoded at {rate} Hz: {}",
                        st.file_name,
                        js_detail(&e)
                    ),
                })?
        };
        buffers.push((st.id, buffer));
    }
    let song = buffers
        .iter()
        .map(|(_, b)| b.length() as u64)
        .max()
        .unwrap_or(0);
    let q = BLOCK_FRAMES as u64;
    let (start, dry) = match range {
        Range::Song => (0, song),
        Range::Region { start, end } => {
            let a = ((start * rate as f64).round() as u64).min(song);
            let b = ((end * rate as f64).round() as u64).clamp(a, song);
            // The dry stop lands on a render-quantum boundary.
            (a, (b - a).div_ceil(q) * q)
        }
    };
    // The recording's own extent when replaying: the same render, frame for frame.
    let dry = replay.map_or(dry, |r| r.dry);
    if dry == 0 {
        return Err(AppError::NothingToExport {
            reason: "The range to export is empty.".into(),
        });
    }
    // With an FX bus in use, render up to 10 s more and keep the tail until it falls below −90 dBFS.
    let frames = match replay {
        Some(r) => r.frames,
        None if mix.uses_fx() => dry + (rate as f64 * MAX_TAIL_SECONDS) as u64,
        None => dry,
    };
    let ctx = OfflineAudioContext::new_with_number_of_channels_and_length_and_sample_rate(
        2,
        frames as u32,
        rate,
    )
    .map_err(fail)?;
    JsFuture::from(
        ctx.audio_worklet()
            .map_err(fail)?
            .add_module(PROCESSOR_URL)
            .map_err(fail)?,
    )
    .await
    .map_err(fail)?;
    let node = engine_node(&ctx, &module, false).map_err(fail)?;
    node.connect_with_audio_node(&ctx.destination())
        .map_err(fail)?;
    let port = node.port().map_err(fail)?;
    for (id, buffer) in &buffers {
        post_stem(&port, *id, buffer).map_err(fail)?;
    }
    // Room for a recording: the render, plus the master chain's priming (its look-ahead, a few
    // ms) with a second to spare.
    let room = frames as f64 + rate as f64;
    match source {
        // Before Play: the master chain's priming at Play is part of its input.
        Source::Recording => port
            .post_message(&crate::browser::js::object(&[
                ("type", &"record".into()),
                ("frames", &JsValue::from(room)),
            ]))
            .map_err(fail)?,
        Source::Replay(r) => {
            let channels = Array::of2(&r.channels[0], &r.channels[1]);
            port.post_message(&crate::browser::js::object(&[
                ("type", &"replay".into()),
                ("channels", &channels),
            ]))
            .map_err(fail)?
        }
        Source::Stems => {}
    }
    let mut commands = mix.state_commands();
    if replay.is_some() {
        // No tracks in the engine: only the master's settings apply.
        commands.retain(|c| !matches!(c, Command::SetTrackParam { .. }));
    }
    // Nobody reads live meters during an offline render.
    commands.push(Command::SetMetering { on: false });
    commands.push(Command::Seek { frame: start });
    commands.push(Command::Play);
    post_commands(&port, &commands).map_err(fail)?;
    // Port messages are handled in order; the pong says the engine holds the whole session.
    request(&port, "ping", "pong").await?;

    // Progress steps, plus the end of the dry range when the tail renders after it.
    let mut times = suspend_times(frames, rate, progress_steps(frames, rate));
    let stop_at = (range != Range::Song && dry < frames).then(|| dry as f64 / rate as f64);
    if let Some(t) = stop_at {
        times.push(t);
        times.sort_by(f64::total_cmp);
        times.dedup();
    }
    let mut next = times.iter();
    let mut pending = next
        .next()
        .map(|t| suspend(&ctx, *t).map(|f| (*t, f)))
        .transpose()
        .map_err(fail)?;
    let rendering = JsFuture::from(ctx.start_rendering().map_err(fail)?);
    let mut done = 0usize;
    while let Some((at, step)) = pending.take() {
        step.await.map_err(fail)?;
        done += 1;
        progress(done as f64 / (times.len() + 1) as f64);
        if cancelled() {
            // Let the engine go: it frees its memory and the rest renders as silence.
            if let Ok(port) = node.port() {
                let _ =
                    port.post_message(&crate::browser::js::object(&[("type", &"dispose".into())]));
            }
            let _ = JsFuture::from(ctx.resume().map_err(fail)?).await;
            let _ = rendering.await;
            return Ok(None);
        }
        if Some(at) == stop_at && replay.is_none() {
            // The end of the region: the dry tracks stop (with the transport's short fade) and
            // the effects ring on.
            post_commands(&port, &[Command::Pause]).map_err(fail)?;
            request(&port, "ping", "pong").await?;
        }
        pending = next
            .next()
            .map(|t| suspend(&ctx, *t).map(|f| (*t, f)))
            .transpose()
            .map_err(fail)?;
        JsFuture::from(ctx.resume().map_err(fail)?)
            .await
            .map_err(fail)?;
    }
    let buffer: AudioBuffer = rendering.await.map_err(fail)?.unchecked_into();
    progress(1.0);
    if cancelled() {
        return Ok(None);
    }
    // The limiter's deepest gain reduction over the whole render (nothing read the meters).
    let snapshot = request(&port, "snapshot", "snapshot").await?;
    let limiter_reduction_db = crate::browser::js::get(&snapshot, "words")
        .dyn_into::<js_sys::Float64Array>()
        .ok()
        .and_then(|w| dsp_worklet::MeterSnapshot::decode(&w.to_vec()))
        .map_or(0.0, |m| m.limiter_reduction_db as f64);
    let recording = match source {
        Source::Recording => {
            let reply = request(&port, "recorded", "recorded").await?;
            let channel = |k: u32| {
                js_sys::Array::from(&crate::browser::js::get(&reply, "channels"))
                    .get(k)
                    .dyn_into::<js_sys::Float32Array>()
                    .ok()
            };
            // Every rendered frame plus the master chain's priming, within the room asked for
            // (a recording that fell short, or filled the room, is not used: later passes then
            // render the stems).
            let complete = |len: u32| len as u64 >= frames && (len as f64) < room;
            channel(0)
                .zip(channel(1))
                .filter(|(l, r)| l.length() == r.length() && complete(l.length()))
                .map(|(l, r)| Recording {
                    channels: [l, r],
                    frames,
                    dry,
                })
        }
        _ => None,
    };
    let _ = port.post_message(&crate::browser::js::object(&[("type", &"dispose".into())]));
    let mut left = buffer.get_channel_data(0).map_err(fail)?;
    let mut right = buffer.get_channel_data(1).map_err(fail)?;
    let keep = tail_end(&left, &right, dry as usize);
    left.truncate(keep);
    right.truncate(keep);
    Ok(Some(Rendered {
        left,
        right,
        sample_rate: rate,
        limiter_reduction_db,
        recording,
    }))
}

/// Decodes a file's bytes at `rate` (an `OfflineAudioContext` at that rate resamples as it
/// decodes). The bytes are copied first: decoding detaches its input.
async fn decode_at(bytes: &js_sys::ArrayBuffer, rate: f32) -> Result<AudioBuffer, JsValue> {
    let ctx =
        OfflineAudioContext::new_with_number_of_channels_and_length_and_sample_rate(2, 128, rate)?;
    let decoded = JsFuture::from(ctx.decode_audio_data(&bytes.slice(0))?).await?;
    Ok(decoded.unchecked_into())
}

fn post_commands(port: &web_sys::MessagePort, commands: &[Command]) -> Result<(), JsValue> {
    port.post_message(&crate::browser::js::object(&[
        ("type", &"cmd".into()),
        ("words", &words(commands)),
    ]))
}

/// Posts `{type: ask}` and waits for the engine's `{type: answer}` message, which comes back
/// once everything posted before is applied. An engine error reported meanwhile fails it.
async fn request(
    port: &web_sys::MessagePort,
    ask: &str,
    answer: &'static str,
) -> Result<JsValue, AppError> {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    let failure: Rc<RefCell<Option<i32>>> = Rc::default();
    let seen = failure.clone();
    let mut handler: Option<Closure<dyn FnMut(web_sys::MessageEvent)>> = None;
    let reply = js_sys::Promise::new(&mut |resolve, _reject| {
        let seen = seen.clone();
        handler = Some(Closure::new(move |ev: web_sys::MessageEvent| {
            let data = ev.data();
            match crate::browser::js::get(&data, "type")
                .as_string()
                .as_deref()
            {
                Some(t) if t == answer => {
                    let _ = resolve.call1(&JsValue::UNDEFINED, &data);
                }
                Some("error") => {
                    let code = crate::browser::js::get(&data, "code")
                        .as_f64()
                        .unwrap_or(0.0) as i32;
                    seen.borrow_mut().get_or_insert(code);
                }
                _ => {}
            }
        }));
    });
    if let Some(h) = &handler {
        port.set_onmessage(Some(h.as_ref().unchecked_ref()));
    }
    let fail = |e: JsValue| AppError::Export {
        detail: js_detail(&e),
    };
    port.post_message(&crate::browser::js::object(&[("type", &ask.into())]))
        .map_err(fail)?;
    let data = JsFuture::from(reply).await.map_err(fail)?;
    port.set_onmessage(None);
    match *failure.borrow() {
        Some(code) => Err(AppError::Export {
            detail: dsp_worklet::EngineError::from_code(code)
                .map(|e| e.to_string())
                .unwrap_or_else(|| format!("engine error {code}")),
        }),
        None => Ok(data),
    }
}

/// `ctx.suspend(time)` as a future.
fn suspend(ctx: &OfflineAudioContext, time: f64) -> Result<JsFuture, JsValue> {
    let p: js_sys::Promise =
        crate::browser::js::call1(ctx, "suspend", &JsValue::from(time))?.unchecked_into();
    Ok(JsFuture::from(p))
}

/// Offers `bytes` as a download named `file_name`.
pub fn download(bytes: &[u8], file_name: &str, mime: &str) -> Result<(), AppError> {
    let fail = |e: JsValue| AppError::Export {
        detail: js_detail(&e),
    };
    let window = web_sys::window().ok_or(AppError::Export {
        detail: "no window".into(),
    })?;
    let document = window.document().ok_or(AppError::Export {
        detail: "no document".into(),
    })?;
    let parts = Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let a: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // Revoke once the browser has taken the download.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_is_kept_until_it_falls_below_minus_90_dbfs() {
        let mut l = vec![0.5f32; 100];
        l.extend([1e-3, 1e-4, 1e-5, 0.0, 0.0]);
        let r = vec![0.0f32; l.len()];
        assert_eq!(tail_end(&l, &r, 100), 102);
        // Never shorter than the song, even if the song ends in silence.
        assert_eq!(tail_end(&[0.0; 50], &[0.0; 50], 40), 40);
    }

    #[test]
    fn suspend_points_are_quantum_aligned_and_inside_the_render() {
        let rate = 44_100.0;
        let frames = 132_300;
        let steps = progress_steps(frames, rate);
        assert_eq!(steps, 12);
        let t = suspend_times(frames, rate, steps);
        assert_eq!(t.len(), 11);
        for s in &t {
            let f = s * rate as f64;
            assert!((f / 128.0).fract() == 0.0 && f > 0.0 && f < frames as f64);
        }
        assert!(t.windows(2).all(|w| w[0] < w[1]));
        assert!(suspend_times(100, rate, 4).is_empty());
    }
}

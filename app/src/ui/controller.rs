//! The UI's state handle: signals of plain data plus the actions that change them and tell the
//! engine (main thread).

use dsp_worklet::params::ParamId;
use dsp_worklet::{Command, MeterSnapshot};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::File;

use crate::audio;
use crate::decode::decode_file;
use crate::error::AppError;
use crate::session::{Mix, NewTrack};

/// One message in the error list.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
}

/// Every signal the components share. `Copy`, so closures take it freely.
#[derive(Clone, Copy)]
pub struct Studio {
    pub mix: RwSignal<Mix>,
    pub meters: RwSignal<MeterSnapshot>,
    pub errors: RwSignal<Vec<Notice>>,
    /// Files still being decoded.
    pub loading: RwSignal<usize>,
    /// Track ids whose clip light is latched (0 = master), until clicked.
    pub clips: RwSignal<Vec<u32>>,
    /// The track open in the editor.
    pub selected: RwSignal<Option<u32>>,
    /// Short-term loudness over the song while playing: (seconds, LUFS), ~10 points a second.
    pub history: RwSignal<Vec<(f64, f64)>>,
    next_notice: StoredValue<u64>,
}

impl Studio {
    pub fn new() -> Studio {
        Studio {
            mix: RwSignal::new(Mix::default()),
            meters: RwSignal::new(MeterSnapshot::default()),
            errors: RwSignal::new(Vec::new()),
            loading: RwSignal::new(0),
            clips: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            history: RwSignal::new(Vec::new()),
            next_notice: StoredValue::new(1),
        }
    }

    /// Starts Web Audio and the engine; meters and engine errors flow into the signals.
    pub fn start_audio(self) {
        audio::start(audio::Listeners {
            on_meter: Box::new(move |snap: MeterSnapshot| {
                let mut latched: Vec<u32> = snap
                    .tracks
                    .iter()
                    .filter(|t| t.clip)
                    .map(|t| t.id)
                    .collect();
                if snap.master_clip {
                    latched.push(0);
                }
                if !latched.is_empty() {
                    self.clips.update(|c| {
                        for id in latched {
                            if !c.contains(&id) {
                                c.push(id);
                            }
                        }
                    });
                }
                self.record_history(&snap);
                self.meters.set(snap);
            }),
            on_error: Box::new(move |e| self.report(e)),
        });
        spawn_local(async move {
            match audio::ready().await {
                Ok(()) => {
                    if let Some(rate) = audio::sample_rate() {
                        self.mix.update(|m| m.sample_rate = rate);
                    }
                    // Anything set before the engine was up (the master fader) reaches it now.
                    audio::send(&self.mix.with_untracked(|m| m.state_commands()));
                }
                Err(e) => self.report(e),
            }
        });
    }

    /// Adds a short-term loudness point while playing (starting over when the playhead jumps back).
    fn record_history(self, snap: &MeterSnapshot) {
        let rate = self.mix.with_untracked(|m| m.sample_rate).max(1.0) as f64;
        let t = snap.position as f64 / rate;
        let l = snap.loudness.short_term;
        if !snap.playing || !l.is_finite() {
            return;
        }
        self.history.update(|h| {
            if h.last().is_some_and(|(last, _)| t < *last) {
                h.clear();
            }
            if h.last().is_none_or(|(last, _)| t - last >= 0.1) {
                h.push((t, l));
            }
        });
    }

    /// Shows an error message.
    pub fn report(self, e: AppError) {
        let id = self.next_notice.get_value();
        self.next_notice.set_value(id + 1);
        leptos::logging::warn!("{e}");
        self.errors.update(|v| {
            v.push(Notice {
                id,
                text: e.to_string(),
            })
        });
    }

    pub fn dismiss(self, id: u64) {
        self.errors.update(|v| v.retain(|n| n.id != id));
    }

    /// Sets a track parameter (display units) and tells the engine.
    pub fn set_track(self, id: u32, param: ParamId, value: f32) {
        let mut cmd = None;
        self.mix
            .update(|m| cmd = m.set_track_param(id, param, value));
        if let Some(c) = cmd {
            audio::send(&[c]);
        }
    }

    /// Sets a master-scope parameter (master fader, FX buses) and tells the engine.
    pub fn set_master(self, param: ParamId, value: f32) {
        let mut cmd = None;
        self.mix.update(|m| cmd = m.set_master_param(param, value));
        if let Some(c) = cmd {
            audio::send(&[c]);
        }
    }

    pub fn remove_track(self, id: u32) {
        let mut cmd = None;
        self.mix.update(|m| cmd = m.remove_track(id));
        if let Some(c) = cmd {
            audio::send(&[c]);
            audio::drop_stem(id);
        }
        self.clips.update(|c| c.retain(|i| *i != id));
    }

    /// Play/pause/stop/seek.
    pub fn transport(self, cmd: Command) {
        audio::resume();
        audio::send(&[cmd]);
    }

    pub fn toggle_play(self) {
        let playing = self.meters.with_untracked(|m| m.playing);
        self.transport(if playing {
            Command::Pause
        } else {
            Command::Play
        });
    }

    /// Sets the loop region (seconds) and whether playback loops it.
    pub fn set_loop(self, on: bool, start_s: f64, end_s: f64) {
        let mut cmd = None;
        self.mix
            .update(|m| cmd = Some(m.set_loop(on, start_s, end_s)));
        if let Some(c) = cmd {
            audio::send(&[c]);
        }
    }

    /// Seeks to a fraction (0…1) of the song.
    pub fn seek_fraction(self, fraction: f64) {
        let frames = self.mix.with_untracked(|m| m.song_frames());
        let frame = (fraction.clamp(0.0, 1.0) * frames as f64).round() as u64;
        self.meters.update(|m| m.position = frame);
        self.transport(Command::Seek { frame });
    }

    pub fn clear_clip(self, id: u32) {
        self.clips.update(|c| c.retain(|i| *i != id));
    }

    /// Decodes files one after another and adds each good one as a strip; each bad one gets a
    /// message naming it. Nothing already loaded is touched.
    pub fn load_files(self, files: Vec<File>) {
        if files.is_empty() {
            return;
        }
        audio::resume();
        self.loading.update(|n| *n += files.len());
        spawn_local(async move {
            let ready = audio::ready().await;
            for file in files {
                let result = match (&ready, audio::context()) {
                    (Ok(()), Some(ctx)) => self.add_decoded(&ctx, &file).await,
                    (Err(e), _) => Err(e.clone()),
                    (Ok(()), None) => Err(AppError::AudioUnavailable {
                        detail: "no audio context".into(),
                    }),
                };
                if let Err(e) = result {
                    self.report(e);
                }
                self.loading.update(|n| *n = n.saturating_sub(1));
            }
        });
    }

    async fn add_decoded(self, ctx: &web_sys::AudioContext, file: &File) -> Result<(), AppError> {
        let stem = decode_file(ctx, file).await?;
        let mut id = 0;
        self.mix.update(|m| {
            m.sample_rate = ctx.sample_rate();
            id = m.add_track(NewTrack {
                file_name: stem.file_name.clone(),
                channels: stem.buffer.number_of_channels() as usize,
                frames: stem.buffer.length() as u64,
                source_rate: stem.source_rate,
                overview: stem.overview,
            });
        });
        if let Err(e) = audio::add_stem(id, &stem.file_name, &stem.buffer, &stem.bytes) {
            self.mix.update(|m| {
                m.remove_track(id);
            });
            return Err(e);
        }
        Ok(())
    }
}

impl Default for Studio {
    fn default() -> Self {
        Studio::new()
    }
}

/// The studio handle provided at the root.
pub fn use_studio() -> Studio {
    expect_context::<Studio>()
}

//! The UI's state handle: signals of plain data plus the actions that change them and tell the
//! engine (main thread).

use std::rc::Rc;

use dsp_worklet::params::{Group, ParamId};
use dsp_worklet::{Command, MeterSnapshot};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::File;

use crate::browser::decoder_pool;
use crate::browser::engine_link;
use crate::browser::js::Gate;
use crate::browser::stem_store::StoredStem;
use crate::error::AppError;
use crate::formats::document::SessionDoc;
use crate::formats::document::shareable_name;
use crate::model::history::{EditKey, History};
use crate::model::review::Change;
use crate::model::session::{Mix, NewTrack};
use crate::model::stem_match::{Arrived, Placement, place};
use crate::model::storage_use::StorageUse;

/// A reviewer's version of your session, opened from a link, being compared with yours.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// Their document.
    pub theirs: SessionDoc,
    /// Every setting that differs, old (yours) → new (theirs).
    pub changes: Vec<Change>,
    /// Their comments that were new to you (already added to your timeline).
    pub new_comments: usize,
    /// Which version is playing.
    pub hearing_theirs: bool,
    /// Integrated loudness of (yours, theirs), LUFS, once measured.
    pub loudness: Option<(f64, f64)>,
    /// Which review this is (a late measurement of an earlier one is dropped).
    pub serial: u64,
}

/// A file on its way in: dropped, picked, from a bundle or from the autosave store. Its bytes
/// stay where they are (on disk, behind the `Blob`) until a decode Worker reads them.
#[derive(Clone)]
pub struct IncomingStem {
    pub name: String,
    pub blob: web_sys::Blob,
}

/// One message in the error list.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    /// A file that ended early: the label of the button that keeps what decoded (see
    /// [`Studio::keep_partial`]).
    pub keep: Option<String>,
}

/// Every signal the components share. `Copy`, so closures take it freely.
#[derive(Clone, Copy)]
pub struct Studio {
    /// Your mix, always (also while a reviewer's version is being heard). Edits change it through
    /// [`Studio::edit`]; the engine hears [`Studio::heard`] (see `studio/engine_sync.rs`).
    pub mix: RwSignal<Mix>,
    /// What is heard and shown on the controls: your mix, or, while you listen to a reviewer's
    /// version, your mix with their settings (your monitoring kept).
    pub heard: Memo<Mix>,
    /// What the engine was last told (see `studio/engine_sync.rs`); `None` before it runs.
    pub(crate) told: StoredValue<Option<Mix>>,
    /// The engine's automation lanes as last told (ids, room, points).
    pub(crate) lanes_told: StoredValue<crate::model::lane_book::LaneBook>,
    /// Automation write passes under way, each with the mix before it began (one undo step
    /// each; see `studio/automation_write.rs`).
    pub(crate) passes: StoredValue<Vec<(crate::model::automation_write::Pass, Mix)>>,
    /// The lanes being written, (owner, parameter): the engine does not play them meanwhile, so
    /// the control is heard.
    pub writing: RwSignal<Vec<(u32, ParamId)>>,
    /// The glide back to a lane after a touch (or after Stop), seconds.
    pub glide_s: RwSignal<f64>,
    /// Whether a pointer button or a key is held down on the page (a touch pass lasts while it
    /// is; a change made with nothing held is a touch that ends at once).
    pub(crate) held: StoredValue<bool>,
    pub meters: RwSignal<MeterSnapshot>,
    pub errors: RwSignal<Vec<Notice>>,
    /// Files still being decoded.
    pub loading: RwSignal<usize>,
    /// Files in the decode Workers: (job, file name, fraction 0…1), in drop order.
    pub decoding: RwSignal<Vec<(u64, String, f64)>>,
    /// Track ids whose clip light is latched (0 = master), until clicked.
    pub clips: RwSignal<Vec<u32>>,
    /// Track ids the audio engine refused (no memory for them): their strips say so.
    pub refused: RwSignal<Vec<u32>>,
    /// The track open in the editor.
    pub selected: RwSignal<Option<u32>>,
    /// Short-term loudness over the song while playing: (seconds, LUFS), ~10 points a second.
    pub history: RwSignal<Vec<(f64, f64)>>,
    /// Undo/redo snapshots of the mix.
    pub undo: StoredValue<History<Mix>>,
    /// Whether undo / redo have somewhere to go (for the buttons).
    pub can_undo: RwSignal<(bool, bool)>,
    /// A reviewer's version being compared with yours.
    pub review: RwSignal<Option<Review>>,
    /// A link to another session, waiting for the user to confirm replacing this one.
    pub pending_link: RwSignal<Option<SessionDoc>>,
    /// When a saved session that could not be restored was kept aside (see
    /// [`Studio::recover`]), while it waits to be recovered.
    pub recoverable: RwSignal<Option<String>>,
    /// The stems of a bundle whose session waits in `pending_link` (stored only if accepted).
    pub(crate) pending_files: StoredValue<Vec<crate::studio::sharing::BundledFile>, LocalStorage>,
    /// True once the autosaved session (if any) has been restored; autosave waits for it.
    pub restored: RwSignal<bool>,
    /// Autosave progress: (the latest change waiting to be saved, the latest one saved), as
    /// counts. Equal when everything is saved (shown on the page for tests to wait on).
    pub autosave_state: RwSignal<(u64, u64)>,
    /// Files that ended early, by the id of the notice offering to keep them.
    partials: StoredValue<
        std::collections::HashMap<u64, (IncomingStem, String, StoredStem)>,
        LocalStorage,
    >,
    /// Opens when `restored` turns true (for tasks that wait for it).
    restored_gate: StoredValue<Gate, LocalStorage>,
    /// Whether this tab owns the browser's autosave (see [`crate::browser::tab_lock`]).
    pub owns_autosave: StoredValue<bool>,
    /// How many times another tab has taken the autosave lock from this one.
    pub lock_losses: StoredValue<u32>,
    /// How many times this tab was given the autosave lock while its owner reloaded and gave it
    /// back (shown on the page for tests to wait on).
    pub takeovers_declined: RwSignal<u32>,
    /// Changes not autosaved because another tab keeps the autosave (shown on the page).
    pub autosave_skipped: RwSignal<u32>,
    /// Dropped files being written to the originals store, and who waits for them all to be
    /// written (the autosave: a session record never names a file that is not stored yet).
    originals_in_flight: StoredValue<(usize, Gate), LocalStorage>,
    /// The browser storage used and free, as last read ([`Studio::refresh_storage_use`]).
    pub storage_use: RwSignal<Option<StorageUse>>,
    /// The notice saying the autosave is kept in another tab, and the one saying this tab took
    /// it over, while shown (removed by id when the other applies).
    pub(crate) lock_notice: StoredValue<Option<u64>>,
    pub(crate) takeover_notice: StoredValue<Option<u64>>,
    /// The last seek sent (serial, frame): until a meter snapshot echoes the serial, snapshots
    /// predate it and their position is not shown.
    seeking: StoredValue<(u32, u64)>,
    next_notice: StoredValue<u64>,
}

impl Studio {
    pub fn new() -> Studio {
        let mix = RwSignal::new(Mix::new_session(random_id()));
        let review: RwSignal<Option<Review>> = RwSignal::new(None);
        let writing: RwSignal<Vec<(u32, ParamId)>> = RwSignal::new(Vec::new());
        Studio {
            mix,
            heard: Memo::new(move |_| {
                let mut heard = review.with(|r| match r {
                    Some(r) if r.hearing_theirs => mix.with(|m| m.heard_as(&r.theirs)),
                    _ => mix.get(),
                });
                writing.with(|w| crate::studio::automation_write::silence_written(&mut heard, w));
                heard
            }),
            passes: StoredValue::new(Vec::new()),
            writing,
            glide_s: RwSignal::new(crate::model::automation_write::DEFAULT_GLIDE_S),
            held: StoredValue::new(false),
            told: StoredValue::new(None),
            lanes_told: StoredValue::new(Default::default()),
            meters: RwSignal::new(MeterSnapshot::default()),
            errors: RwSignal::new(Vec::new()),
            loading: RwSignal::new(0),
            decoding: RwSignal::new(Vec::new()),
            clips: RwSignal::new(Vec::new()),
            refused: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            history: RwSignal::new(Vec::new()),
            undo: StoredValue::new(History::default()),
            can_undo: RwSignal::new((false, false)),
            review,
            pending_link: RwSignal::new(None),
            recoverable: RwSignal::new(None),
            pending_files: StoredValue::new_local(Vec::new()),
            restored: RwSignal::new(false),
            restored_gate: StoredValue::new_local(Gate::default()),
            partials: StoredValue::new_local(Default::default()),
            autosave_state: RwSignal::new((0, 0)),
            owns_autosave: StoredValue::new(false),
            lock_losses: StoredValue::new(0),
            takeovers_declined: RwSignal::new(0),
            autosave_skipped: RwSignal::new(0),
            storage_use: RwSignal::new(None),
            originals_in_flight: StoredValue::new_local((0, Gate::default())),
            lock_notice: StoredValue::new(None),
            takeover_notice: StoredValue::new(None),
            seeking: StoredValue::new((0, 0)),
            next_notice: StoredValue::new(1),
        }
    }

    /// Starts Web Audio and the engine; meters and engine errors flow into the signals.
    pub fn start_audio(self) {
        engine_link::start(engine_link::Listeners {
            on_meter: Box::new(move |mut snap: MeterSnapshot| {
                // A snapshot posted before the engine took a seek still carries the old
                // position: keep showing the seek target until the engine has moved there.
                let (serial, frame) = self.seeking.get_value();
                if snap.seek_serial != serial {
                    snap.position = frame;
                }
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
                let (was_playing, was_at) = self.meters.with_untracked(|m| (m.playing, m.position));
                if snap.playing != was_playing {
                    // Stop returns to the start in the same snapshot: a pass ends where the
                    // playhead was (Pause holds it a little further on).
                    let at = if snap.playing || snap.position >= was_at {
                        snap.position
                    } else {
                        was_at
                    };
                    self.transport_moved(snap.playing, at);
                }
                self.meters.set(snap);
            }),
            on_error: Rc::new(move |e| self.report(e)),
            on_refused: Box::new(move |id| self.refused.update(|r| r.push(id))),
        });
        crate::browser::tab_lock::note_owner_on_leaving(move || self.owns_autosave.get_value());
        self.listen_for_release();
        spawn_local(async move {
            match engine_link::ready().await {
                Ok(()) => {
                    if let Some(rate) = engine_link::sample_rate() {
                        self.mix.update(|m| m.sample_rate = rate);
                    }
                    // Anything set before the engine was up (the master fader) reaches it now.
                    self.engine_started();
                    // Then the autosaved session (when this tab owns it), then a link in the
                    // address bar.
                    // A reloading owner takes the lock back here, within the waiting tab's
                    // grace period (see `take_over_autosave`).
                    let claim = crate::browser::tab_lock::Claim::at_start();
                    if claim.request(move || self.autosave_lost()).await {
                        self.own_autosave();
                        self.restore_autosave().await;
                    } else {
                        let notice = self.notify(AppError::AutosaveInAnotherTab);
                        self.lock_notice.set_value(Some(notice));
                        self.mark_restored();
                        spawn_local(self.take_over_autosave());
                    }
                    self.watch_links();
                }
                Err(e) => {
                    self.report(e);
                    self.mark_restored();
                }
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
    /// Shows `e` in the error list.
    pub fn report(self, e: AppError) {
        self.notify(e);
    }

    /// Shows `e` in the error list; the notice's id (for [`dismiss`](Self::dismiss)). A message
    /// already showing is not repeated: its notice's id is returned.
    pub fn notify(self, e: AppError) -> u64 {
        let text = e.to_string();
        let showing = self.errors.with_untracked(|v| {
            v.iter()
                .find(|n| n.text == text && n.keep.is_none())
                .map(|n| n.id)
        });
        if let Some(id) = showing {
            return id;
        }
        let id = self.next_notice.get_value();
        self.next_notice.set_value(id + 1);
        leptos::logging::warn!("{e}");
        self.errors.update(|v| {
            v.push(Notice {
                id,
                text,
                keep: None,
            })
        });
        id
    }

    pub fn dismiss(self, id: u64) {
        self.errors.update(|v| v.retain(|n| n.id != id));
        self.partials.update_value(|p| {
            p.remove(&id);
        });
    }

    /// A file that ends before its header says: says so, naming it and both times, and offers
    /// to keep what decoded (nothing is added unless the user agrees).
    fn offer_partial(self, file: IncomingStem, name: String, stem: StoredStem) {
        let id = self.next_notice.get_value();
        self.next_notice.set_value(id + 1);
        let cut = stem.cut.clone().unwrap_or_default();
        let rate = stem.rate.max(1) as f64;
        let secs = stem.frames as f64 / rate;
        let keep = format!(
            "Keep the first {}:{:02}",
            (secs / 60.0).floor(),
            (secs % 60.0).floor()
        );
        self.partials
            .update_value(|p| _ = p.insert(id, (file, name.clone(), stem)));
        self.errors.update(|v| {
            v.push(Notice {
                id,
                text: format!("{name}: {cut}."),
                keep: Some(keep),
            })
        });
    }

    /// The user keeps what decoded of a file that ended early (see [`offer_partial`]).
    pub fn keep_partial(self, notice: u64) {
        let Some((file, name, stem)) = self
            .partials
            .try_update_value(|p| p.remove(&notice))
            .flatten()
        else {
            return;
        };
        self.errors.update(|v| v.retain(|n| n.id != notice));
        let rate = engine_link::sample_rate().unwrap_or(0.0);
        spawn_local(async move {
            let mut stem = stem;
            stem.cut = None;
            match self.add_stored(name.clone(), stem, rate) {
                Ok(sha) => self.keep_original(&sha, &name, &file.blob).await,
                Err(e) => self.report(e),
            }
        });
    }

    /// Changes the mix through `f` as one undoable edit (merged with the previous one when `key`
    /// is the same control, edited moments ago). Edits that change nothing leave no step.
    /// While a reviewer's version is heard, an edit first switches back to yours (the edit is
    /// to your mix, and you hear what you change). The engine then hears the result.
    pub fn edit<R>(self, key: EditKey, f: impl FnOnce(&mut Mix) -> R) -> R {
        self.back_to_mine();
        let before = self.mix.get_untracked();
        let mut out = None;
        self.mix.update(|m| out = Some(f(m)));
        if self.mix.with_untracked(|m| *m != before) {
            self.undo
                .update_value(|h| _ = h.record(before, key, js_sys::Date::now()));
            self.refresh_undo_state();
        }
        self.sync_engine();
        // `update` runs its closure exactly once.
        out.expect("edit closure ran")
    }

    /// One step of a gesture (a drag) that becomes a single undo step when it ends
    /// ([`end_gesture`](Self::end_gesture) with the mix from before it began): the mix changes
    /// and the engine hears it, nothing is recorded yet.
    pub fn edit_in_gesture(self, f: impl FnOnce(&mut Mix)) {
        self.back_to_mine();
        self.mix.update(f);
        self.sync_engine();
    }

    /// The gesture that began with the mix `before` has ended: one undo step, if it changed
    /// anything.
    pub fn end_gesture(self, before: Mix) {
        if self.mix.with_untracked(|m| *m != before) {
            self.undo
                .update_value(|h| _ = h.record(before, EditKey::Single, js_sys::Date::now()));
            self.refresh_undo_state();
        }
    }

    /// [`edit`](Self::edit) for an edit that makes the session bigger (tracks, comments):
    /// refused, with the reason, when the result could not be saved, shared or reopened (a limit
    /// of the session document), so the app never holds a session it cannot restore.
    pub fn grow<R>(
        self,
        key: EditKey,
        f: impl FnOnce(&mut Mix) -> R,
    ) -> Result<R, crate::formats::document::DocError> {
        let mut next = self.mix.get_untracked();
        let out = f(&mut next);
        crate::formats::share_link::check_writable(&next.to_doc())?;
        self.edit(key, move |m| *m = next);
        Ok(out)
    }

    pub(crate) fn refresh_undo_state(self) {
        let state = self.undo.with_value(|h| (h.can_undo(), h.can_redo()));
        self.can_undo.set(state);
    }

    /// Sets a track parameter (display units) and tells the engine.
    pub fn set_track(self, id: u32, param: ParamId, value: f32) {
        self.set_track_as(EditKey::Track(id, param as u16), id, param, value);
    }

    /// [`set_track`](Self::set_track) as part of the edit `key` (one control setting several
    /// parameters, such as an EQ handle).
    pub fn set_track_as(self, key: EditKey, id: u32, param: ParamId, value: f32) {
        // While playing, a control whose lane writes records the move instead.
        if self.write_move(id, param, value) {
            return;
        }
        self.edit(key, |m| m.set_track_param(id, param, value));
    }

    /// Sets a master-scope parameter (master fader, FX buses) and tells the engine. Monitoring
    /// parameters are how you listen, not edits, so they are not undoable.
    pub fn set_master(self, param: ParamId, value: f32) {
        self.set_master_as(EditKey::Master(param as u16), param, value);
    }

    /// [`set_master`](Self::set_master) as part of the edit `key`.
    pub fn set_master_as(self, key: EditKey, param: ParamId, value: f32) {
        if param.spec().group == Group::Monitor {
            // How you listen: not an edit, and it does not end hearing their version.
            self.mix.update(|m| _ = m.set_master_param(param, value));
            self.sync_engine();
        } else if !self.write_move(dsp_worklet::automation::MASTER, param, value) {
            self.edit(key, |m| m.set_master_param(param, value));
        }
    }

    /// Removes a strip (undoable: its audio is kept until the page closes).
    pub fn remove_track(self, id: u32) {
        self.edit(EditKey::Single, |m| m.remove_track(id));
        self.clips.update(|c| c.retain(|i| *i != id));
    }

    /// Steps back one edit (while comparing with a reviewer's version, first back to yours).
    pub fn undo(self) {
        self.back_to_mine();
        let current = self.mix.get_untracked();
        if let Some(prev) = self.undo.try_update_value(|h| h.undo(current)).flatten() {
            self.apply_mix(prev);
        }
        self.refresh_undo_state();
    }

    /// Steps forward one undone edit.
    pub fn redo(self) {
        self.back_to_mine();
        let current = self.mix.get_untracked();
        if let Some(next) = self.undo.try_update_value(|h| h.redo(current)).flatten() {
            self.apply_mix(next);
        }
        self.refresh_undo_state();
    }

    /// [`apply_mix`](Self::apply_mix) as one undoable step.
    pub fn apply_as_edit(self, next: Mix) {
        let before = self.mix.get_untracked();
        if before == next {
            return;
        }
        self.apply_mix(next);
        self.undo
            .update_value(|h| _ = h.record(before, EditKey::Single, js_sys::Date::now()));
        self.refresh_undo_state();
    }

    /// Makes `next` the mix (keeping the audio that arrived since it was saved and how you
    /// listen); the engine is told only what differs.
    pub fn apply_mix(self, mut next: Mix) {
        // Another mix (undo, redo, a link, their version): what was being written is dropped.
        self.cancel_passes();
        self.mix.with_untracked(|m| next.keep_live_state_of(m));
        self.mix.set(next);
        self.sync_engine();
    }

    /// Play/pause/stop/seek.
    pub fn transport(self, cmd: Command) {
        engine_link::resume();
        engine_link::send(&[cmd]);
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
        self.edit(EditKey::Control("loop", 0), |m| {
            m.set_loop(on, start_s, end_s)
        });
    }

    /// Seeks to a fraction (0…1) of the song.
    pub fn seek_fraction(self, fraction: f64) {
        let frames = self.mix.with_untracked(|m| m.song_frames());
        let frame = (fraction.clamp(0.0, 1.0) * frames as f64).round() as u64;
        // A seek ends what is being written where the playhead was; write mode writes on from
        // the new place.
        self.passes_jump(frame);
        self.meters.update(|m| m.position = frame);
        let serial = self.seeking.get_value().0.wrapping_add(1);
        self.seeking.set_value((serial, frame));
        self.transport(Command::Seek { frame, serial });
    }

    pub fn clear_clip(self, id: u32) {
        self.clips.update(|c| c.retain(|i| *i != id));
    }

    /// Takes dropped or picked files: session bundles (`.zip`) are opened; audio files are
    /// decoded into the stem store by the decode Workers (several at once), then placed, in the
    /// order given, into waiting placeholder strips (by hash, then by name) or added as new
    /// strips. Each bad file gets a message naming it; nothing
    /// already loaded is touched.
    pub fn load_files(self, files: Vec<File>) {
        if files.is_empty() {
            return;
        }
        engine_link::resume();
        self.loading.update(|n| *n += files.len());
        spawn_local(async move {
            // Files dropped while the autosaved session is being restored wait for it.
            self.until_restored().await;
            let (bundles, stems): (Vec<File>, Vec<File>) = files
                .into_iter()
                .partition(|f| f.name().to_ascii_lowercase().ends_with(".zip"));
            for b in bundles {
                self.open_bundle_file(&b).await;
                self.loading.update(|n| *n = n.saturating_sub(1));
            }
            let incoming = stems
                .into_iter()
                .map(|f| IncomingStem {
                    name: f.name(),
                    blob: f.into(),
                })
                .collect();
            self.place_stems(incoming, true).await;
        });
    }

    /// Decodes files into the stem store and places them into placeholders or new strips (see
    /// [`load_files`](Self::load_files)). `store` keeps each file for autosave (not needed when
    /// it came from there). Decrements `loading` once per file.
    pub async fn place_stems(self, files: Vec<IncomingStem>, store: bool) {
        let ready = engine_link::ready().await;
        let rate = engine_link::sample_rate().unwrap_or(0.0);
        // Every file starts decoding now (as many at once as there are Workers); they are
        // placed in the order given.
        let pending: Vec<(IncomingStem, u64, decoder_pool::Pending)> = files
            .into_iter()
            .map(|f| {
                let key = random_id();
                self.decoding.update(|d| d.push((key, f.name.clone(), 0.0)));
                let progress: decoder_pool::Progress = Rc::new(move |fraction| {
                    self.decoding.update(|d| {
                        if let Some(e) = d.iter_mut().find(|e| e.0 == key) {
                            e.2 = fraction;
                        }
                    });
                });
                let job = decoder_pool::start(&f.name, &f.blob, rate as u32, progress);
                (f, key, job)
            })
            .collect();
        for (file, key, job) in pending {
            // Names as a link carries them (see `shareable_name`), on both sides of a link.
            let name = shareable_name(&file.name);
            let outcome = job.finish().await;
            self.decoding.update(|d| d.retain(|e| e.0 != key));
            let result = match (&ready, outcome) {
                (Err(e), _) => Err(e.clone()),
                (Ok(()), Err(message)) => Err(AppError::Decode { message }),
                // A cut file from the autosave store was kept by the user before.
                (Ok(()), Ok((stem, _cached))) if stem.cut.is_some() && store => {
                    self.offer_partial(file, name, stem);
                    self.loading.update(|n| *n = n.saturating_sub(1));
                    continue;
                }
                (Ok(()), Ok((stem, cached))) => {
                    if let Some(why) = stem.decoded_by_browser.clone().filter(|_| !cached) {
                        self.report(AppError::DecodedByBrowser {
                            file: name.clone(),
                            why,
                        });
                    }
                    if crate::browser::memory_store::take_first_use() {
                        self.report(AppError::StemsInMemory {
                            limit_bytes: crate::browser::memory_store::limit(),
                        });
                    }
                    self.add_stored(name.clone(), stem, rate)
                }
            };
            match result {
                // Every tab keeps dropped files, so that a tab that takes the autosave over
                // later (see `take_over_autosave`) has its stems stored; the owner's next restore
                // deletes the ones no session uses.
                Ok(sha) if store => self.keep_original(&sha, &name, &file.blob).await,
                Ok(_) => {}
                Err(e) => self.report(e),
            }
            self.loading.update(|n| *n = n.saturating_sub(1));
        }
    }

    /// Stores a dropped file for autosave (the originals store, by its SHA-256 hex). Until it
    /// is written, [`originals_stored`](Self::originals_stored) waits: the session record that
    /// names the file is written after the file, so a crash between the two never leaves a
    /// record pointing at nothing.
    async fn keep_original(self, sha: &str, name: &str, blob: &web_sys::Blob) {
        self.originals_in_flight.update_value(|(n, gate)| {
            if *n == 0 {
                *gate = Gate::default();
            }
            *n += 1;
        });
        let stored = crate::browser::storage::put_stem(sha, name, blob).await;
        let done = self
            .originals_in_flight
            .try_update_value(|(n, gate)| {
                *n -= 1;
                (*n == 0).then(|| gate.clone())
            })
            .flatten();
        if let Some(gate) = done {
            gate.open();
        }
        if let Err(detail) = stored {
            self.report(AppError::Autosave {
                detail: format!("{name} was not saved: {detail}"),
            });
        }
    }

    /// Resolves once no dropped file is still being written to the originals store.
    pub async fn originals_stored(self) {
        let waiting = self
            .originals_in_flight
            .with_value(|(n, gate)| (*n > 0).then(|| gate.clone()));
        if let Some(gate) = waiting {
            gate.wait().await;
        }
    }

    /// Places a stem now in the store and gives it to the engine; its SHA-256 (hex).
    fn add_stored(self, name: String, stem: StoredStem, rate: f32) -> Result<String, AppError> {
        let sha256 = parse_hex(&stem.sha256).ok_or_else(|| AppError::Decode {
            message: format!("{name}: the decoder returned a malformed hash"),
        })?;
        let new = NewTrack {
            file_name: name,
            channels: stem.channels as usize,
            frames: stem.frames,
            source_rate: stem.source_rate as f32,
            overview: stem.overview.clone(),
            sha256,
        };
        // The session may have changed while the file decoded (another link opened, the strip
        // filled from the autosave store): place it against what is there now.
        let placement = self.mix.with_untracked(|m| {
            let waiting = m.waiting();
            place(
                &waiting,
                &[Arrived {
                    file_name: &new.file_name,
                    sha256,
                }],
            )[0]
        });
        let file_name = new.file_name.clone();
        // The engine link learns where the stem is; the strip that gets it posts it to the
        // engine (with its settings: a placeholder's came with the link) as the engine syncs.
        engine_link::remember_stem(&stem);
        match placement {
            Placement::New => {
                self.grow(EditKey::Single, |m| {
                    m.sample_rate = rate;
                    m.add_track(new)
                })
                .map_err(|e| AppError::Decode {
                    message: format!(
                        "{file_name}: not added: the session could not be saved with it: it {e}"
                    ),
                })?;
            }
            Placement::Fill(id) | Placement::FillDifferent(id) => {
                // Loading a placeholder's audio is not an edit of the mix.
                self.mix.update(|m| {
                    m.sample_rate = rate;
                    m.fill_track(id, new);
                });
                self.sync_engine();
            }
        }
        if let Placement::FillDifferent(id) = placement {
            let strip = self
                .mix
                .with_untracked(|m| m.track(id).map(|t| t.name.clone()))
                .unwrap_or_default();
            self.report(AppError::DifferentFile {
                file: file_name,
                strip,
            });
        }
        Ok(stem.sha256)
    }

    /// Waits until the autosaved session has been restored (at start-up).
    pub async fn until_restored(self) {
        self.restored_gate.get_value().wait().await;
    }

    /// The autosaved session (if any) is in: autosave may start and waiting drops go on.
    pub fn mark_restored(self) {
        self.restored.set(true);
        self.restored_gate.get_value().open();
    }
}

/// The 32 bytes of a 64-digit hex SHA-256.
fn parse_hex(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A random 64-bit id (a new session's lineage, a new comment's id).
pub fn random_id() -> u64 {
    let hi = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let lo = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    (hi << 32) | lo
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

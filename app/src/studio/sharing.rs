//! Sessions coming and going (main thread): share links, a reviewer's version with its diff and
//! loudness-matched A/B, session bundles, and autosave to IndexedDB. The plain parts are in
//! [`crate::formats::document`], [`crate::formats::share_link`], [`crate::model::review`] and [`crate::formats::bundle`].

use dsp_worklet::params::ParamId;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::File;

use crate::browser::download::download;
use crate::browser::engine_link;
use crate::browser::hashing::{hex, sha256};
use crate::browser::intake::read_file;
use crate::browser::offline_render::{Range, render_mix};
use crate::browser::stem_store;
use crate::browser::storage;
use crate::browser::tab_lock;
use crate::error::{AppError, js_detail};
use crate::formats::bundle;
use crate::formats::bundle_document::{bundle_document_json, parse_bundle_document};
use crate::formats::document::SessionDoc;
use crate::formats::share_link;
use crate::model::history::EditKey;
use crate::model::review;
use crate::model::session::{Mix, StemAudio};
use crate::model::storage_use::StorageUse;
use crate::studio::controller::{IncomingStem, Review, Studio};

/// How long the mix must stay unchanged before it is autosaved, ms.
pub const AUTOSAVE_DELAY_MS: i32 = 400;
/// How long a tab holds the freed autosave lock before taking the autosave over, ms: time for
/// an owner that was only reloading to take it back (its page claims the lock as it starts).
pub const TAKEOVER_GRACE_MS: i32 = 5_000;

/// The page's address (for share URLs).
fn page_href() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Removes the fragment from the address bar without reloading, so a reload does not open the
/// link again over the autosaved session.
fn clear_fragment() {
    if let Some(w) = web_sys::window()
        && let Ok(history) = w.history()
    {
        let href = page_href();
        let base = href.split('#').next().unwrap_or(&href).to_string();
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&base));
    }
}

impl Studio {
    /// The share link for the mix as it is now, or `None` (with a message saying why) when the
    /// session holds something a link may not carry.
    pub fn share_url(self) -> Option<String> {
        let doc = self.saved_doc();
        if let Err(e) = share_link::to_checked_bytes(&doc) {
            self.report(AppError::Comment {
                detail: format!("the session cannot be shared: it {e}"),
            });
            return None;
        }
        Some(share_link::share_url(&page_href(), &doc))
    }

    /// The document to share and autosave: yours (`mix` is yours also while their version plays).
    fn saved_doc(self) -> SessionDoc {
        self.mix.with_untracked(|m| m.to_doc())
    }

    /// Opens the link in the address bar, if there is one; later pastes arrive as `hashchange`.
    pub fn watch_links(self) {
        let open_current = move || {
            let hash = web_sys::window()
                .and_then(|w| w.location().hash().ok())
                .unwrap_or_default();
            if let Some(payload) = share_link::payload_of(&hash) {
                self.open_link(payload);
                clear_fragment();
            }
        };
        open_current();
        let handle = window_event_listener(leptos::ev::hashchange, move |_| open_current());
        // The listener lives as long as the page.
        std::mem::forget(handle);
    }

    /// Opens a share link's payload. A bad link leaves everything as it was and says why. A link
    /// that derives from this session shows the reviewer's changes; a link to another session
    /// opens at once when nothing is loaded, else asks first.
    pub fn open_link(self, payload: &str) {
        match share_link::decode(payload) {
            Err(e) => self.report(AppError::BadLink {
                detail: e.to_string(),
            }),
            Ok(doc) => {
                // A link brings no files: a bundle that waited before it is dropped with it.
                self.pending_files.set_value(Vec::new());
                self.offer(doc);
            }
        }
    }

    /// What [`offer`](Self::offer) does with `doc`: a version of this very session is
    /// reviewed, anything opens at once into an empty studio, and otherwise the user is asked.
    fn route(self, doc: &SessionDoc) -> Route {
        self.mix.with_untracked(|m| {
            let empty = m.tracks.is_empty() && m.comments.is_empty();
            match (m.lineage == doc.lineage, empty) {
                (_, true) => Route::Open,
                (true, false) => Route::Review,
                (false, false) => Route::Ask,
            }
        })
    }

    /// Whether [`offer`](Self::offer) would ask before opening `doc` (it replaces work).
    fn offer_asks(self, doc: &SessionDoc) -> bool {
        self.route(doc) == Route::Ask
    }

    /// Routes a decoded document: review, open, or ask. A comparison in progress ends first
    /// (back to your version).
    fn offer(self, doc: SessionDoc) {
        self.finish_review(false);
        match self.route(&doc) {
            Route::Review => self.start_review(doc),
            Route::Open => self.open_doc(doc),
            Route::Ask => self.pending_link.set(Some(doc)),
        }
    }

    /// Replaces the session with `doc`: placeholder strips wait for their files, which are
    /// taken from the autosave store when it has them. Undo history belongs to the session it
    /// was made in, so it starts afresh, and the old session's audio is let go.
    pub fn open_doc(self, doc: SessionDoc) {
        self.pending_link.set(None);
        self.finish_review(false);
        let rate = self.mix.with_untracked(|m| m.sample_rate);
        let old: Vec<u32> = self
            .mix
            .with_untracked(|m| m.tracks.iter().map(|t| t.id).collect());
        self.apply_mix(Mix::from_doc(&doc, rate));
        let kept: Vec<u32> = self.mix.with_untracked(|m| {
            m.tracks
                .iter()
                .filter(|t| t.audio != StemAudio::Missing)
                .map(|t| t.id)
                .collect()
        });
        for id in old.into_iter().filter(|id| !kept.contains(id)) {
            engine_link::drop_stem(id);
        }
        self.undo.update_value(|h| h.clear());
        self.can_undo.set((false, false));
        spawn_local(async move {
            self.fill_from_store().await;
        });
    }

    /// Fills placeholder strips from stems the autosave store holds (by SHA-256).
    pub async fn fill_from_store(self) {
        let wanted: Vec<[u8; 32]> = self
            .mix
            .with_untracked(|m| m.missing().map(|t| t.sha256).collect());
        let mut found = Vec::new();
        for digest in wanted {
            match storage::get_stem_blob(&hex(&digest)).await {
                Ok(Some((name, blob))) => found.push(IncomingStem { name, blob }),
                Ok(None) => {}
                Err(detail) => self.report(AppError::Autosave { detail }),
            }
        }
        if !found.is_empty() {
            self.loading.update(|n| *n += found.len());
            self.place_stems(found, false).await;
        }
    }

    /// Compares a reviewer's version with yours: their new comments join your timeline at once
    /// (undoable); their settings wait for "Use their settings". A version with nothing new
    /// (your own link or bundle) only says so.
    fn start_review(self, theirs: SessionDoc) {
        let mine_doc = self.mix.with_untracked(|m| m.to_doc());
        let changes = review::diff(&mine_doc, &theirs);
        let fresh: Vec<_> = review::new_comments(&mine_doc, &theirs)
            .into_iter()
            .cloned()
            .collect();
        if changes.is_empty() && fresh.is_empty() {
            self.report(AppError::NothingToReview);
            // A bundle of your own session may still bring audio your strips are waiting for.
            spawn_local(async move { self.fill_from_store().await });
            return;
        }
        // Their comments join yours as far as the session's limits allow (a session the app
        // could not save or reopen is never made).
        let new_comments = match self.grow(EditKey::Single, |m| m.merge_comments(&fresh)) {
            Ok((added, 0)) => added,
            Ok((added, left_out)) => {
                self.report(AppError::Comment {
                    detail: format!(
                        "{left_out} of the reviewer's comments were left out: the session holds at most {} comments",
                        crate::formats::document::MAX_COMMENTS
                    ),
                });
                added
            }
            Err(e) => {
                self.report(AppError::Comment {
                    detail: format!(
                        "the reviewer's {} new comments were left out: the session could not be saved with it: it {e}",
                        fresh.len()
                    ),
                });
                0
            }
        };
        let serial = self
            .review
            .with_untracked(|r| r.as_ref().map_or(0, |r| r.serial))
            + 1;
        self.review.set(Some(Review {
            theirs,
            changes,
            new_comments,
            hearing_theirs: false,
            loudness: None,
            serial,
        }));
        self.measure_versions(serial);
    }

    /// Renders both versions offline and measures them, so the A/B can be loudness-matched.
    /// The result is dropped if another review has started meanwhile.
    fn measure_versions(self, serial: u64) {
        spawn_local(async move {
            let Some(r) = self.review.get_untracked() else {
                return;
            };
            let mine = self.mix.get_untracked();
            let theirs = mine.with_settings_of(&r.theirs);
            let mut levels = [f64::NAN; 2];
            for (slot, mix) in levels.iter_mut().zip([&mine, &theirs]) {
                let rate = mix.sample_rate;
                match render_mix(mix, rate, Range::Song, |_| {}, || false).await {
                    Ok(Some(out)) => {
                        *slot = crate::delivery::report::measure(
                            &out.left,
                            &out.right,
                            out.sample_rate as u32,
                        )
                        .map_or(f64::NAN, |m| m.integrated_lufs);
                    }
                    Ok(None) => {}
                    // Placeholders still waiting, say: the comparison is simply not matched.
                    Err(_) => {}
                }
            }
            let mut current = false;
            self.review.update(|r| {
                if let Some(r) = r.as_mut().filter(|r| r.serial == serial) {
                    r.loudness = Some((levels[0], levels[1]));
                    current = true;
                }
            });
            if current {
                self.update_version_trim();
            }
        });
    }

    /// Listens to their version (`true`) or yours, loudness-matched: the louder one is turned
    /// down to the other's loudness by the monitor's version trim. Listening is not an edit: your
    /// mix stays as it is, and what is heard is derived from it ([`Studio::heard`]).
    pub fn hear_version(self, theirs: bool) {
        let mut changed = false;
        self.review.update(|r| {
            if let Some(r) = r.as_mut().filter(|r| r.hearing_theirs != theirs) {
                r.hearing_theirs = theirs;
                changed = true;
            }
        });
        if changed {
            self.sync_engine();
            self.update_version_trim();
        }
    }

    /// Back to your version if theirs is playing (before undo, redo or opening something else).
    pub fn back_to_mine(self) {
        if self
            .review
            .with_untracked(|r| r.as_ref().is_some_and(|r| r.hearing_theirs))
        {
            self.hear_version(false);
        }
    }

    fn update_version_trim(self) {
        let trim = self.review.with_untracked(|r| match r {
            Some(Review {
                loudness: Some((mine, theirs)),
                hearing_theirs,
                ..
            }) => {
                let (heard, other) = if *hearing_theirs {
                    (*theirs, *mine)
                } else {
                    (*mine, *theirs)
                };
                dsp_worklet::platform::ab_match_gain_db(heard, other) as f32
            }
            _ => 0.0,
        });
        self.set_master(ParamId::MonitorTrim, trim);
    }

    /// Ends the comparison (if one is open) with your version, or with theirs as one undoable
    /// step.
    pub fn finish_review(self, take_theirs: bool) {
        if self.review.with_untracked(|r| r.is_none()) {
            return;
        }
        self.back_to_mine();
        let Some(r) = self.review.get_untracked() else {
            return;
        };
        self.review.set(None);
        self.set_master(ParamId::MonitorTrim, 0.0);
        if take_theirs {
            let theirs = self.mix.with_untracked(|m| m.with_settings_of(&r.theirs));
            self.apply_as_edit(theirs);
            // Tracks they added wait for their files; the store may have them.
            spawn_local(async move { self.fill_from_store().await });
        }
    }

    /// Downloads the session and its stems as one `.zip`.
    pub fn download_bundle(self) {
        spawn_local(async move { self.write_bundle().await });
    }

    async fn write_bundle(self) {
        let (doc, held, name) = self.mix.with_untracked(|m| {
            (
                m.to_doc(),
                m.tracks
                    .iter()
                    .filter(|t| t.audio != StemAudio::Missing)
                    .map(|t| (t.file_name.clone(), t.sha256))
                    .collect::<Vec<_>>(),
                m.name.clone(),
            )
        });
        if let Err(e) = share_link::to_checked_bytes(&doc) {
            self.report(AppError::Export {
                detail: format!("the session cannot be bundled: it {e}"),
            });
            return;
        }
        let json = bundle_document_json(&doc);
        // The original files, from the autosave store (every tab stores the files dropped in it).
        let mut stems: Vec<(String, Vec<u8>)> = Vec::new();
        for (file_name, sha) in held {
            match storage::get_stem(&hex(&sha)).await {
                Ok(Some((_, bytes))) => {
                    stems.push((file_name, js_sys::Uint8Array::new(&bytes).to_vec()))
                }
                Ok(None) => self.report(AppError::Export {
                    detail: format!("{file_name} is not in this browser's store and is left out of the session bundle"),
                }),
                Err(detail) => self.report(AppError::Autosave { detail }),
            }
        }
        let refs: Vec<(&str, &[u8])> = stems
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let missing: Vec<String> = self
            .mix
            .with_untracked(|m| m.missing().map(|t| t.file_name.clone()).collect());
        if !missing.is_empty() {
            self.report(AppError::Export {
                detail: format!(
                    "the session bundle leaves out {} stem(s) this browser does not have: {}",
                    missing.len(),
                    missing.join(", ")
                ),
            });
        }
        let file = format!("{}.zip", crate::studio::export_job::safe_file_name(&name));
        match bundle::write(&json, &refs) {
            Ok(zip) => {
                if let Err(e) = download(&zip, &file, "application/zip") {
                    self.report(e);
                }
            }
            Err(e) => self.report(AppError::Export {
                detail: format!("{file}: {e}"),
            }),
        }
    }

    /// Opens a dropped session bundle: its session (as a link would open) and its stems.
    pub async fn open_bundle_file(self, file: &File) {
        let name = file.name();
        let bad = |detail: String| AppError::BadBundle {
            file: name.clone(),
            detail,
        };
        // Its size first: a bundle is opened in memory, so one larger than a bundle may be is
        // refused before a byte of it is read.
        let size = file.size();
        if size > bundle::MAX_TOTAL_BYTES as f64 {
            return self.report(bad(format!(
                "it is {:.1} GB; session bundles up to {:.0} GB can be opened",
                size / (1u64 << 30) as f64,
                bundle::MAX_TOTAL_BYTES as f64 / (1u64 << 30) as f64
            )));
        }
        let bytes = match read_file(file).await {
            Ok(b) => js_sys::Uint8Array::new(&b).to_vec(),
            Err(e) => return self.report(e),
        };
        let contents = match bundle::read(&bytes) {
            Ok(c) => c,
            Err(e) => return self.report(bad(e.to_string())),
        };
        drop(bytes);
        let doc = match parse_bundle_document(&contents.document) {
            Ok(d) => d,
            Err(e) => return self.report(bad(e.to_string())),
        };
        // Only the stems the session uses are kept (as Blobs), and they reach the autosave
        // store only once the session is accepted: at once when it opens without asking (or as
        // a review of yours), else when the user says "Open it". However it opens, its
        // placeholders then fill from the store.
        let mut stems: Vec<BundledFile> = Vec::new();
        for s in &contents.stems {
            let digest = sha256(&s.bytes);
            if !doc.tracks.iter().any(|t| t.stem.sha256 == digest)
                || stems.iter().any(|b| b.sha256 == hex(&digest))
            {
                continue;
            }
            let bytes = js_sys::Uint8Array::from(s.bytes.as_slice());
            match web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&bytes)) {
                Ok(blob) => stems.push(BundledFile {
                    sha256: hex(&digest),
                    file_name: s.file_name.clone(),
                    bundle: name.clone(),
                    blob,
                }),
                Err(e) => self.report(AppError::Autosave {
                    detail: format!("{}: {}", s.file_name, js_detail(&e)),
                }),
            }
        }
        drop(contents);
        if self.offer_asks(&doc) {
            self.pending_files.set_value(stems);
            self.offer(doc);
        } else {
            self.store_bundled(stems).await;
            self.offer(doc);
        }
    }

    /// Stores a bundle's stems in the autosave store (once its session is accepted).
    async fn store_bundled(self, stems: Vec<BundledFile>) {
        for s in stems {
            if let Err(detail) = storage::put_stem(&s.sha256, &s.file_name, &s.blob).await {
                self.report(AppError::Autosave {
                    detail: format!(
                        "{} from {} could not be stored ({detail}); drop it from the bundle by hand",
                        s.file_name, s.bundle
                    ),
                });
            }
        }
    }

    /// "Open it" on a link or bundle waiting for confirmation: its stems (a bundle's) are
    /// stored, then it replaces the session.
    pub fn open_pending(self) {
        let Some(doc) = self.pending_link.get_untracked() else {
            return;
        };
        let stems = self
            .pending_files
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        spawn_local(async move {
            self.store_bundled(stems).await;
            self.open_doc(doc);
        });
    }

    /// "Keep mine": the waiting link or bundle is dropped, and nothing of it is stored.
    pub fn keep_mine(self) {
        self.pending_link.set(None);
        self.pending_files.set_value(Vec::new());
    }

    /// Restores the autosaved session and its stems (at start-up, before any link is opened),
    /// then lets go of stored stems the session no longer uses. A saved session that cannot be
    /// read is set aside (kept under another key), never overwritten.
    pub async fn restore_autosave(self) {
        match storage::load_session().await {
            Ok(Some(bytes)) => match share_link::from_bytes(&bytes) {
                Ok(doc) => {
                    let rate = self.mix.with_untracked(|m| m.sample_rate);
                    self.apply_mix(Mix::from_doc(&doc, rate));
                    self.fill_from_store().await;
                    // Stems no session uses go, unless another tab waits to take the autosave
                    // over (the stems it was given are stored for then); the stems of a session
                    // kept aside stay for its recovery (all of them, if it cannot be read).
                    let mut keep: Vec<String> =
                        doc.tracks.iter().map(|t| hex(&t.stem.sha256)).collect();
                    let aside = self.offer_recovery().await;
                    if let Some(aside) = &aside {
                        keep.extend(aside.iter().cloned());
                    }
                    if aside.is_some() && !tab_lock::others_waiting().await {
                        if let Err(detail) = storage::retain_stems(&keep).await {
                            self.report(AppError::Autosave { detail });
                        }
                        // The decoded stems on disk likewise.
                        if let Err(detail) = stem_store::retain(&keep).await {
                            self.report(AppError::Autosave { detail });
                        }
                    }
                }
                Err(e) => {
                    let kept = storage::set_aside_session(&bytes).await;
                    if kept.is_ok() {
                        self.offer_recovery().await;
                    }
                    self.report(AppError::Autosave {
                        detail: format!(
                            "the saved session could not be restored: it {e}{}",
                            if kept.is_ok() {
                                " (it is kept aside, not overwritten)"
                            } else {
                                ""
                            }
                        ),
                    });
                }
            },
            Ok(None) => {
                self.offer_recovery().await;
            }
            Err(detail) => self.report(AppError::Autosave { detail }),
        }
        self.mark_restored();
    }

    /// Looks for a session kept aside (one the app could not restore) and offers to recover
    /// it. The stems it uses (hex SHA-256), which the start-up tidy-up must keep: `Some` of
    /// them, or `None` when a kept session cannot be read at all (then nothing is tidied).
    async fn offer_recovery(self) -> Option<Vec<String>> {
        match storage::load_set_aside().await {
            Ok(None) => Some(Vec::new()),
            Ok(Some((bytes, at))) => {
                self.recoverable.set(Some(at));
                share_link::from_bytes_for_recovery(&bytes)
                    .ok()
                    .map(|doc| doc.tracks.iter().map(|t| hex(&t.stem.sha256)).collect())
            }
            Err(_) => None,
        }
    }

    /// Opens the session kept aside (cut to the limits if it breaks them, saying what was cut):
    /// at once into an untouched studio, else after asking, like a link to another session.
    pub fn recover(self) {
        spawn_local(async move {
            let loaded = match storage::load_set_aside().await {
                Ok(Some((bytes, _))) => {
                    share_link::from_bytes_for_recovery(&bytes).map_err(|e| format!("it {e}"))
                }
                Ok(None) => Err("it is no longer there".into()),
                Err(detail) => Err(detail),
            };
            let mut doc = match loaded {
                Ok(doc) => doc,
                Err(detail) => {
                    self.report(AppError::Autosave {
                        detail: format!("the session kept aside cannot be recovered: {detail}"),
                    });
                    return;
                }
            };
            let cut = doc.trim_to_limits();
            if let Err(e) = share_link::to_checked_bytes(&doc) {
                self.report(AppError::Autosave {
                    detail: format!("the session kept aside cannot be recovered: it {e}"),
                });
                return;
            }
            if !cut.is_empty() {
                self.report(AppError::Autosave {
                    detail: format!(
                        "the recovered session was over the limits; left out: {}",
                        cut.join(" and ")
                    ),
                });
            }
            if let Err(detail) = storage::clear_set_aside().await {
                self.report(AppError::Autosave { detail });
            }
            self.recoverable.set(None);
            if self.mix.with_untracked(Mix::is_untouched) {
                self.open_doc(doc);
            } else {
                self.pending_files.set_value(Vec::new());
                self.pending_link.set(Some(doc));
            }
        });
    }

    /// Marks this tab as the one keeping the autosave.
    pub fn own_autosave(self) {
        self.owns_autosave.set_value(true);
    }

    /// Another tab took the autosave lock (a reloaded owner taking it back): stop saving, say so
    /// (unless this tab had not yet taken the autosave over), and queue for it again.
    pub fn autosave_lost(self) {
        self.lock_losses.update_value(|n| *n += 1);
        if self.owns_autosave.get_value() {
            self.owns_autosave.set_value(false);
            if let Some(id) = self
                .takeover_notice
                .try_update_value(Option::take)
                .flatten()
            {
                self.dismiss(id);
            }
            let notice = self.notify(AppError::AutosaveInAnotherTab);
            self.lock_notice.set_value(Some(notice));
        }
        spawn_local(self.take_over_autosave());
    }

    /// Waits (in a tab that found the autosave taken) until the tab that owns it closes, then
    /// keeps the autosave here. A tab with nothing in it opens that tab's saved session, as a
    /// reload would; a tab with work of its own keeps it, and its next change is what the
    /// autosave holds from then on. The lock comes free while the owner reloads, too, so the
    /// tab holds it for [`TAKEOVER_GRACE_MS`] before acting; a reloaded owner takes it back
    /// within that time and this tab queues again.
    pub async fn take_over_autosave(self) {
        let granted = tab_lock::Claim::Wait.request(move || self.autosave_lost());
        if !granted.await {
            return;
        }
        let losses = self.lock_losses.get_value();
        crate::browser::js::sleep_ms(TAKEOVER_GRACE_MS).await;
        if self.lock_losses.get_value() != losses {
            self.takeovers_declined.update(|n| *n += 1);
            return;
        }
        if let Some(id) = self.lock_notice.try_update_value(Option::take).flatten() {
            self.dismiss(id);
        }
        self.own_autosave();
        let untouched = self.review.with_untracked(Option::is_none)
            && self.loading.get_untracked() == 0
            && self.mix.with_untracked(Mix::is_untouched);
        if untouched {
            self.restore_autosave().await;
            self.undo.update_value(|h| h.clear());
            self.can_undo.set((false, false));
        }
        if self.owns_autosave.get_value() {
            let notice = self.notify(AppError::AutosaveTakenOver {
                restored: untouched,
            });
            self.takeover_notice.set_value(Some(notice));
        }
    }

    /// Reads the storage used and free again (after a save: stems are stored before the
    /// session that names them).
    pub fn refresh_storage_use(self) {
        spawn_local(async move {
            if let Ok((used_bytes, quota_bytes)) = stem_store::estimate().await {
                let persisted = stem_store::persisted().await;
                self.storage_use.set(Some(StorageUse {
                    used_bytes,
                    quota_bytes,
                    persisted,
                }));
            }
        });
    }

    /// Saves the session whenever it has been still for [`AUTOSAVE_DELAY_MS`], once restoring
    /// is done, in the tab that owns the autosave; stems are saved as they are loaded.
    pub fn autosave(self) {
        // Stems live on disk: ask the browser not to evict them under storage pressure.
        spawn_local(async move {
            stem_store::persist().await;
            self.refresh_storage_use();
        });
        let generation = StoredValue::new(0u64);
        // The last failure reported: a failing save is said once, not once per edit, and again
        // only after a save has worked.
        let failing = StoredValue::new(None::<String>);
        let failed = move |detail: String| {
            if failing.with_value(|f| f.as_deref() != Some(&detail)) {
                failing.set_value(Some(detail.clone()));
                self.report(AppError::Autosave { detail });
            }
        };
        Effect::new(move |_| {
            self.mix.track();
            if !self.restored.get() {
                return;
            }
            if !self.owns_autosave.get_value() {
                // Another tab keeps the autosave: this change stays here (counted for tests).
                self.autosave_skipped.update(|n| *n += 1);
                return;
            }
            let doc = self.saved_doc();
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            self.autosave_state.update(|s| s.0 = mine);
            let save = move || {
                // A newer edit restarted the wait, or another tab took the autosave meanwhile.
                if generation.get_value() != mine || !self.owns_autosave.get_value() {
                    return;
                }
                // Only what the app can reopen is saved (the edits that grow a session are
                // checked already; this is the last line).
                let bytes = match share_link::to_checked_bytes(&doc) {
                    Ok(b) => b,
                    Err(e) => {
                        failed(format!(
                            "the session was not saved: it {e}; the last saved version is kept"
                        ));
                        return;
                    }
                };
                spawn_local(async move {
                    // The files this record names are stored first (crash consistency).
                    self.originals_stored().await;
                    if generation.get_value() != mine || !self.owns_autosave.get_value() {
                        return;
                    }
                    match storage::save_session(&bytes).await {
                        Ok(()) => {
                            failing.set_value(None);
                            self.autosave_state.update(|s| s.1 = s.1.max(mine));
                            self.refresh_storage_use();
                        }
                        Err(detail) => failed(detail),
                    }
                });
            };
            set_timeout(
                save,
                std::time::Duration::from_millis(AUTOSAVE_DELAY_MS as u64),
            );
        });
    }
}

/// Where a link's or bundle's session goes (see `Studio::offer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Review,
    Open,
    Ask,
}

/// A stem from a bundle, waiting to be stored once its session is accepted.
#[derive(Clone)]
pub struct BundledFile {
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    pub file_name: String,
    /// The bundle's file name (for messages).
    pub bundle: String,
    pub blob: web_sys::Blob,
}

/// The file of an `<input type=file>` change event, if one was picked.
pub fn picked_file(ev: &leptos::ev::Event) -> Option<File> {
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let file = input.files()?.get(0);
    // Picking the same file again (after "Keep mine", say) must fire `change` again.
    input.set_value("");
    file
}

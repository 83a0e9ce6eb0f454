//! Components only, grouped by what they show: [`strip`] (a track), [`master`], [`session`]
//! (transport, sharing, export, comments) and shared [`controls`]. State is plain data
//! ([`crate::model::session::Mix`]) in signals; edits go through the
//! [`crate::studio::controller::Studio`] handle, which updates the data and sends the engine its
//! typed commands.

pub mod controls;
pub mod master;
pub mod session;
pub mod strip;

use leptos::prelude::*;

use crate::studio::controller::Studio;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let studio = Studio::new();
    provide_context(studio);
    studio.start_audio();
    session::transport::install_space_bar(studio);
    session::share_panel::install_undo_keys();
    studio.autosave();
    // Keyed by id and file: a strip whose id now holds another file (another session opened,
    // or a placeholder filled by a different file) is built afresh.
    let track_ids = move || {
        studio.heard.with(|m| {
            m.tracks
                .iter()
                .map(|t| (t.id, t.sha256, t.file_name.clone()))
                .collect::<Vec<_>>()
        })
    };
    // Meter snapshots received (one per engine post, ~30 a second even while stopped): time
    // as the audio thread counts it, for tests to wait on instead of sleeping.
    let snapshots = StoredValue::new(0u64);
    view! {
        <main
            class="studio"
            data-autosave-wanted=move || studio.autosave_state.with(|s| s.0)
            data-autosaved=move || studio.autosave_state.with(|s| s.1)
            data-takeovers-declined=move || studio.takeovers_declined.get()
            data-autosave-skipped=move || studio.autosave_skipped.get()
            data-meter-snapshots=move || {
                studio.meters.track();
                snapshots.update_value(|n| *n += 1);
                snapshots.get_value()
            }
        >
            <header class="topbar">
                <h1>"Second Ear"</h1>
                <session::transport::Transport/>
                <session::share_panel::SharePanel/>
                <session::export_dialog::ExportDialog/>
                <session::storage_bar::StorageBar/>
            </header>
            <session::errors::Errors/>
            <session::share_panel::PendingLink/>
            <session::share_panel::ReviewPanel/>
            <session::comments::Timeline/>
            <session::drop_zone::DropZone/>
            <section class="mixer">
                <div class="strips">
                    <For each=track_ids key=|k| k.clone() let:k>
                        <strip::channel_strip::Strip id=k.0/>
                    </For>
                    <Show when=move || studio.mix.with(|m| !m.tracks.is_empty())>
                        <strip::automation_lane::AutomationLane owner=dsp_worklet::automation::MASTER/>
                    </Show>
                </div>
                <master::master_strip::Master/>
            </section>
            <strip::editor::Editor/>
            <session::comments::Comments/>
            <master::master_groups::Mastering/>
            <master::analysis::Analysis/>
        </main>
    }
}

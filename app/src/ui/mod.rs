//! Components. State is plain data ([`crate::session::Mix`]) in signals; edits go through the
//! [`controller::Studio`] handle, which updates the data and sends the engine its typed commands.

pub mod analysis;
pub mod comments;
pub mod controller;
pub mod drop_zone;
pub mod editor;
pub mod eq_curve;
pub mod errors;
pub mod export_dialog;
pub mod job;
pub mod level_meter;
pub mod master;
pub mod master_groups;
pub mod param_slider;
pub mod share_panel;
pub mod sharing;
pub mod strip;
pub mod target_panel;
pub mod transport;
pub mod waveform;

use leptos::prelude::*;

use controller::Studio;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let studio = Studio::new();
    provide_context(studio);
    studio.start_audio();
    transport::install_space_bar(studio);
    share_panel::install_undo_keys();
    studio.autosave();
    // Keyed by id and file: a strip whose id now holds another file (another session opened,
    // or a placeholder filled by a different file) is built afresh.
    let track_ids = move || {
        studio.mix.with(|m| {
            m.tracks
                .iter()
                .map(|t| (t.id, t.sha256, t.file_name.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <main class="studio">
            <header class="topbar">
                <h1>"Second Ear"</h1>
                <transport::Transport/>
                <share_panel::SharePanel/>
                <export_dialog::ExportDialog/>
            </header>
            <errors::Errors/>
            <share_panel::PendingLink/>
            <share_panel::ReviewPanel/>
            <comments::Timeline/>
            <drop_zone::DropZone/>
            <section class="mixer">
                <div class="strips">
                    <For each=track_ids key=|k| k.clone() let:k>
                        <strip::Strip id=k.0/>
                    </For>
                </div>
                <master::Master/>
            </section>
            <editor::Editor/>
            <comments::Comments/>
            <master_groups::Mastering/>
            <analysis::Analysis/>
        </main>
    }
}

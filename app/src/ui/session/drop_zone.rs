//! Where stems come in: drop files or folders, or pick them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser::intake::{self, is_audio_name};
use crate::error::{AppError, js_detail};
use crate::studio::controller::use_studio;

#[component]
pub fn DropZone() -> impl IntoView {
    let s = use_studio();
    let over = RwSignal::new(false);
    let folder_input = NodeRef::<leptos::html::Input>::new();
    // `webkitdirectory` has no typed attribute in the view macro; set it once mounted.
    Effect::new(move |_| {
        if let Some(input) = folder_input.get() {
            let _ = input.set_attribute("webkitdirectory", "");
        }
    });
    let empty = move || s.mix.with(|m| m.tracks.is_empty());
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        over.set(false);
        let dropped = intake::from_drop(&ev);
        spawn_local(async move {
            match intake::expand(dropped).await {
                Ok(files) => s.load_files(files),
                Err(e) => s.report(AppError::Unreadable {
                    file: "dropped folder".into(),
                    detail: js_detail(&e),
                }),
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event, folder: bool| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(list) = input.files() {
            let mut files = intake::from_file_list(&list);
            if folder {
                files.retain(|f| is_audio_name(&f.name()));
            }
            s.load_files(files);
        }
        // Picking the same file again must fire `change` again.
        input.set_value("");
    };
    view! {
        <section
            class="drop-zone"
            class:empty=empty
            class:over=move || over.get()
            data-testid="drop-zone"
            on:dragenter=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                over.set(true);
            }
            on:dragover=move |ev: web_sys::DragEvent| ev.prevent_default()
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            <p class="drop-hint">
                {move || if empty() {
                    "Drop your stems here — files or whole folders (WAV, FLAC, MP3, OGG, M4A). The audio never leaves this computer."
                } else {
                    "Drop more stems here"
                }}
            </p>
            <label class="pick">
                "Choose files…"
                <input
                    type="file"
                    data-testid="file-input"
                    aria-label="Choose audio files"
                    multiple=true
                    accept="audio/*,.wav,.flac,.mp3,.ogg,.oga,.opus,.m4a,.aac,.webm"
                    on:change=move |ev| on_pick(ev, false)
                />
            </label>
            <label class="pick">
                "Choose a folder…"
                <input
                    type="file"
                    data-testid="folder-input"
                    aria-label="Choose a folder of stems"
                    node_ref=folder_input
                    on:change=move |ev| on_pick(ev, true)
                />
            </label>
            <Show when=move || { s.loading.get() > 0 }>
                <p class="loading" data-testid="loading">
                    {move || format!("Decoding {} file(s)…", s.loading.get())}
                </p>
                <ul class="decoding">
                    <For
                        each=move || s.decoding.get()
                        key=|(key, _, fraction)| (*key, (fraction * 100.0) as u32)
                        let:file
                    >
                        <li>
                            <label>
                                {file.1.clone()}
                                " "
                                <progress
                                    data-testid="decode-progress"
                                    data-file=file.1.clone()
                                    max="1"
                                    value=file.2
                                ></progress>
                            </label>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

//! Sharing controls: the share link (open, URL, copy), session bundles (download, open), undo and
//! redo, the question before a link replaces your session, and a reviewer's version with its
//! diff and loudness-matched A/B.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::studio::controller::use_studio;
use crate::studio::sharing::picked_file;

/// Share link and bundle buttons for the top bar.
#[component]
pub fn SharePanel() -> impl IntoView {
    let s = use_studio();
    let url = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    let open = move |_| {
        copied.set(false);
        url.set(s.share_url());
    };
    let copy = move |_| {
        let Some(text) = url.get_untracked() else {
            return;
        };
        let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard()) else {
            return;
        };
        spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
                .await
                .is_ok();
            copied.set(ok);
        });
    };
    view! {
        <div class="share">
            <button data-testid="undo" title="Undo (Ctrl+Z)" disabled=move || !s.can_undo.get().0 on:click=move |_| s.undo()>
                "↶ Undo"
            </button>
            <button data-testid="redo" title="Redo (Ctrl+Shift+Z)" disabled=move || !s.can_undo.get().1 on:click=move |_| s.redo()>
                "↷ Redo"
            </button>
            <button data-testid="share-open" on:click=open title="A link that carries the whole mix, not the audio">
                "Share link"
            </button>
            <button data-testid="bundle-download" title="Session and stems in one .zip" on:click=move |_| s.download_bundle()>
                "Download session"
            </button>
            <label class="button-like" title="Open a session bundle (.zip)">
                "Open session…"
                <input
                    type="file"
                    accept=".zip,application/zip"
                    data-testid="bundle-open"
                    class="visually-hidden"
                    on:change=move |ev| {
                        if let Some(f) = picked_file(&ev) {
                            s.load_files(vec![f]);
                        }
                    }
                />
            </label>
            <Show when=move || url.with(|u| u.is_some())>
                <div class="share-link" role="dialog" aria-label="Share link">
                    <p>
                        "Anyone with this link sees your mix settings and comments. The audio stays on this computer: send them the stems too, or they drop their own copies."
                    </p>
                    <input
                        type="text"
                        readonly
                        data-testid="share-url"
                        aria-label="Share link"
                        prop:value=move || url.get().unwrap_or_default()
                        on:focus=move |ev| {
                            use wasm_bindgen::JsCast;
                            if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                i.select();
                            }
                        }
                    />
                    <span class="share-size" data-testid="share-size">
                        {move || url.with(|u| u.as_ref().map(|u| format!("{} characters", u.len())))}
                    </span>
                    <button data-testid="share-copy" on:click=copy>
                        {move || if copied.get() { "Copied ✓" } else { "Copy" }}
                    </button>
                    <button data-testid="share-close" on:click=move |_| url.set(None)>"Close"</button>
                </div>
            </Show>
        </div>
    }
}

/// Asks before a link to another session replaces this one.
#[component]
pub fn PendingLink() -> impl IntoView {
    let s = use_studio();
    view! {
        <Show when=move || s.pending_link.with(|p| p.is_some())>
            <div class="pending-link" role="alertdialog" data-testid="link-pending">
                <p>
                    {move || {
                        let theirs = s.pending_link.with(|p| p.as_ref().map(|d| (d.name.clone(), d.tracks.len())).unwrap_or_default());
                        let mine = s.mix.with(|m| m.name.clone());
                        format!(
                            "Open the linked session “{}” ({} tracks)? It replaces “{}”, which cannot be undone: Download session first to keep a copy.",
                            theirs.0, theirs.1, mine,
                        )
                    }}
                </p>
                <button data-testid="link-open" on:click=move |_| s.open_pending()>"Open it"</button>
                <button data-testid="link-cancel" on:click=move |_| s.keep_mine()>"Keep mine"</button>
            </div>
        </Show>
    }
}

/// A reviewer's version: what changed, A/B, and keep or take.
#[component]
pub fn ReviewPanel() -> impl IntoView {
    let s = use_studio();
    let changes = move || {
        s.review
            .with(|r| r.as_ref().map(|r| r.changes.clone()).unwrap_or_default())
    };
    let hearing_theirs = move || {
        s.review
            .with(|r| r.as_ref().is_some_and(|r| r.hearing_theirs))
    };
    let loudness = move || {
        s.review.with(|r| match r.as_ref().and_then(|r| r.loudness) {
            Some((a, b)) => format!("Yours {a:.1} LUFS, theirs {b:.1} LUFS: the louder one is turned down while you compare."),
            None => "Measuring both versions for a loudness-matched comparison…".into(),
        })
    };
    view! {
        <Show when=move || s.review.with(|r| r.is_some())>
            <section class="review" data-testid="review" aria-label="Reviewer's changes">
                <h2>"Their version"</h2>
                <p data-testid="review-summary">
                    {move || {
                        let (n, c) = s.review.with(|r| r.as_ref().map(|r| (r.changes.len(), r.new_comments)).unwrap_or_default());
                        format!("{n} setting(s) changed; {c} new comment(s) added to your timeline.")
                    }}
                </p>
                <ul class="review-changes">
                    {move || {
                        changes()
                            .into_iter()
                            .map(|c| {
                                view! {
                                    <li data-testid="review-change" data-place=c.place.clone() data-what=c.what.clone() data-old=c.old.clone() data-new=c.new.clone()>
                                        <span class="place">{c.place.clone()}</span>
                                        " · "
                                        <span class="what">{c.what.clone()}</span>
                                        ": "
                                        <span class="old">{c.old.clone()}</span>
                                        " → "
                                        <span class="new">{c.new.clone()}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <div class="review-ab" role="group" aria-label="Compare versions">
                    <button data-testid="review-hear-mine" class:active=move || !hearing_theirs() on:click=move |_| s.hear_version(false)>"A: yours"</button>
                    <button data-testid="review-hear-theirs" class:active=hearing_theirs on:click=move |_| s.hear_version(true)>"B: theirs"</button>
                    <span data-testid="review-loudness">{loudness}</span>
                </div>
                <button data-testid="review-take" on:click=move |_| s.finish_review(true)>"Use their settings"</button>
                <button data-testid="review-keep" on:click=move |_| s.finish_review(false)>"Keep mine"</button>
            </section>
        </Show>
    }
}

/// Ctrl+Z undoes, Ctrl+Shift+Z (or Ctrl+Y) redoes, except while typing in a text field, where
/// the field's own undo applies.
pub fn install_undo_keys() {
    let s = use_studio();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if !(ev.ctrl_key() || ev.meta_key()) || crate::ui::session::transport::typing_in(&ev) {
            return;
        }
        match (ev.key().to_ascii_lowercase().as_str(), ev.shift_key()) {
            ("z", false) => {
                ev.prevent_default();
                s.undo();
            }
            ("z", true) | ("y", _) => {
                ev.prevent_default();
                s.redo();
            }
            _ => {}
        }
    });
    // The listener lives as long as the page.
    std::mem::forget(handle);
}

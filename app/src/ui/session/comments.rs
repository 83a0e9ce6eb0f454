//! Review comments on the song's timeline: add one at the playhead (or over the loop region),
//! markers on a timeline bar, and a list; clicking a marker or a comment seeks there.

use leptos::prelude::*;

use crate::error::AppError;
use crate::formats::document::{Comment, MAX_COMMENT_CHARS, MAX_NAME_CHARS, check_text};
use crate::formats::invisible::reveal_hidden;
use crate::model::history::EditKey;
use crate::model::session::format_position;
use crate::studio::controller::use_studio;

/// The song as one bar: playhead, loop region and comment markers; click to seek.
#[component]
pub fn Timeline() -> impl IntoView {
    let s = use_studio();
    let song_s = move || {
        s.mix.with(|m| {
            let r = m.sample_rate.max(1.0) as f64;
            m.song_frames() as f64 / r
        })
    };
    let percent = move |t: f64| {
        let len = song_s();
        if len > 0.0 {
            (t / len * 100.0).clamp(0.0, 100.0)
        } else {
            0.0
        }
    };
    let playhead = move || {
        let r = s.mix.with(|m| m.sample_rate.max(1.0)) as f64;
        percent(s.meters.with(|m| m.position) as f64 / r)
    };
    let seek_click = move |ev: leptos::ev::MouseEvent| {
        use wasm_bindgen::JsCast;
        if let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let rect = el.get_bounding_client_rect();
            let x = (ev.client_x() as f64 - rect.left()) / rect.width().max(1.0);
            s.seek_fraction(x);
        }
    };
    let markers = move || s.mix.with(|m| m.comments.clone());
    view! {
        <div class="timeline" data-testid="timeline" on:click=seek_click title="Click to seek">
            {move || {
                s.mix
                    .with(|m| m.loop_seconds())
                    .map(|(a, b)| {
                        view! {
                            <div
                                class="timeline-loop"
                                style:left=format!("{}%", percent(a))
                                style:width=format!("{}%", percent(b) - percent(a))
                            ></div>
                        }
                    })
            }}
            <For each=markers key=|(id, c)| (*id, c.start_s.to_bits(), c.text.clone()) let:item>
                {
                    let (_, c) = item;
                    let start = c.start_s;
                    let width = c.end_s.map(|e| percent(e) - percent(start));
                    let title = format!("{} — {}: {}", clock(start), c.author, c.text);
                    view! {
                        <button
                            class="comment-marker"
                            class:range=width.is_some()
                            data-testid="comment-marker"
                            data-start=start.to_string()
                            title=title
                            style:left=move || format!("{}%", percent(start))
                            style:width=width.map(|w| format!("{w}%"))
                            on:click=move |ev| {
                                ev.stop_propagation();
                                seek_seconds(start);
                            }
                        ></button>
                    }
                }
            </For>
            <div class="timeline-playhead" style:left=move || format!("{}%", playhead())></div>
        </div>
    }
}

/// Seeks to `t` seconds.
fn seek_seconds(t: f64) {
    let s = use_studio();
    let len = s.mix.with_untracked(|m| {
        let r = m.sample_rate.max(1.0) as f64;
        m.song_frames() as f64 / r
    });
    if len > 0.0 {
        s.seek_fraction(t / len);
    }
}

/// `m:ss.mmm` for seconds.
fn clock(t: f64) -> String {
    format_position((t * 1000.0).round() as u64, 1000.0)
}

/// Adding and reading comments.
#[component]
pub fn Comments() -> impl IntoView {
    let s = use_studio();
    let author = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let over_loop = RwSignal::new(false);
    let add = move || {
        // Hidden direction and zero-width characters are shown, never kept (see
        // `formats::invisible`); markup and control characters are refused below.
        let body = reveal_hidden(text.get_untracked().trim()).into_owned();
        if body.is_empty() {
            return;
        }
        let who = reveal_hidden(author.get_untracked().trim()).into_owned();
        let who = if who.is_empty() {
            "Me".to_string()
        } else {
            who
        };
        if let Err(e) = check_text("The comment", &body, MAX_COMMENT_CHARS)
            .and_then(|_| check_text("The author name", &who, MAX_NAME_CHARS))
        {
            s.report(AppError::Comment {
                detail: e.to_string(),
            });
            return;
        }
        let (rate, position, region) = (
            s.mix.with_untracked(|m| m.sample_rate.max(1.0) as f64),
            s.meters.with_untracked(|m| m.position as f64),
            s.mix.with_untracked(|m| m.loop_seconds()),
        );
        let (start_s, end_s) = match (over_loop.get_untracked(), region) {
            (true, Some((a, b))) => (a, Some(b)),
            _ => (position / rate, None),
        };
        let added = s.grow(EditKey::Single, |m| {
            m.add_comment(Comment {
                id: crate::studio::controller::random_id(),
                start_s,
                end_s,
                author: who,
                text: body,
            })
        });
        match added {
            Ok(_) => text.set(String::new()),
            Err(e) => s.report(AppError::Comment {
                detail: format!("the session could not be saved with it: it {e}"),
            }),
        }
    };
    let list = move || s.mix.with(|m| m.comments.clone());
    view! {
        <section class="comments" aria-label="Comments">
            <h2>"Comments"</h2>
            <div class="comment-form">
                <input
                    type="text"
                    data-testid="comment-author"
                    placeholder="Your name"
                    aria-label="Your name"
                    maxlength=MAX_NAME_CHARS.to_string()
                    prop:value=move || author.get()
                    on:input=move |ev| author.set(event_target_value(&ev))
                />
                <input
                    type="text"
                    data-testid="comment-text"
                    placeholder="Comment at the playhead"
                    aria-label="Comment"
                    maxlength=MAX_COMMENT_CHARS.to_string()
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" {
                            add();
                        }
                    }
                />
                <label title="Comment on the loop region instead of the playhead">
                    <input
                        type="checkbox"
                        data-testid="comment-range"
                        prop:checked=move || over_loop.get()
                        on:change=move |ev| over_loop.set(event_target_checked(&ev))
                    />
                    " over loop"
                </label>
                <button data-testid="comment-add" on:click=move |_| add()>
                    "Add comment"
                </button>
            </div>
            <ol class="comment-list">
                <For each=list key=|(id, c)| (*id, c.start_s.to_bits(), c.text.clone()) let:item>
                    {
                        let (id, c) = item;
                        let when = match c.end_s {
                            Some(e) => format!("{}–{}", clock(c.start_s), clock(e)),
                            None => clock(c.start_s),
                        };
                        let start = c.start_s;
                        view! {
                            <li
                                class="comment"
                                data-testid="comment"
                                data-start=start.to_string()
                                data-author=c.author.clone()
                            >
                                <button
                                    class="comment-seek"
                                    data-testid="comment-seek"
                                    title="Play from here"
                                    on:click=move |_| seek_seconds(start)
                                >
                                    {when}
                                </button>
                                <span class="comment-author">{c.author.clone()}</span>
                                <span class="comment-body" data-testid="comment-body">
                                    {c.text.clone()}
                                </span>
                                <button
                                    class="comment-delete"
                                    data-testid="comment-delete"
                                    aria-label="Delete comment"
                                    on:click=move |_| {
                                        s.edit(EditKey::Single, |m| m.remove_comment(id));
                                    }
                                >
                                    "×"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ol>
        </section>
    }
}

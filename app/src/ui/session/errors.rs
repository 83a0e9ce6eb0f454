//! The list of error messages, each dismissible.

use leptos::prelude::*;

use crate::studio::controller::use_studio;

#[component]
pub fn Errors() -> impl IntoView {
    let s = use_studio();
    view! {
        <ul class="errors" aria-live="polite">
            <For each=move || s.errors.get() key=|n| n.id let:notice>
                <li class="error" data-testid="error" role="alert">
                    <span>{notice.text.clone()}</span>
                    {notice.keep.clone().map(|label| view! {
                        <button data-testid="keep-partial" on:click=move |_| s.keep_partial(notice.id)>
                            {label}
                        </button>
                    })}
                    <button aria-label="Dismiss" on:click=move |_| s.dismiss(notice.id)>
                        "✕"
                    </button>
                </li>
            </For>
        </ul>
    }
}

//! The list of error messages, each dismissible.

use leptos::prelude::*;

use crate::studio::controller::use_studio;

#[component]
pub fn Errors() -> impl IntoView {
    let s = use_studio();
    let recover = move || {
        s.recoverable.get().map(|at| {
            let when = if at.is_empty() {
                "earlier".to_string()
            } else {
                format!("on {at}")
            };
            view! {
                <p class="recover" data-testid="recover-offer" role="status">
                    "A saved session could not be restored and was kept aside. "
                    <button data-testid="recover" on:click=move |_| s.recover()>
                        {format!("Recover the session saved {when}")}
                    </button>
                </p>
            }
        })
    };
    view! {
        {recover}
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

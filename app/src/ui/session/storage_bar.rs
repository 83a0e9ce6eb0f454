//! The browser storage the session uses and what is left, in the top bar: stems live on disk,
//! so a musician sees how much room there is before dropping a 40-stem session.

use leptos::prelude::*;

use crate::studio::controller::use_studio;

#[component]
pub fn StorageBar() -> impl IntoView {
    let s = use_studio();
    move || {
        s.storage_use.get().map(|u| {
            view! {
                <span
                    class="storage"
                    class:low=u.is_low()
                    data-testid="storage"
                    data-used-bytes=u.used_bytes
                    data-quota-bytes=u.quota_bytes
                    data-persisted=u.persisted.to_string()
                    title=u.keeping()
                >
                    {format!("Storage: {}", u.summary())}
                    {(!u.persisted).then_some(" · may be cleared")}
                </span>
            }
        })
    }
}

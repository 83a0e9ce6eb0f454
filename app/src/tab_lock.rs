//! One autosave per browser (main thread): the first tab of Second Ear holds a Web Lock named
//! [`LOCK_NAME`] for as long as it is open, and only the holder restores and writes the
//! autosave. A second tab would otherwise restore the same record and then overwrite it with its
//! own session (the last save wins), losing the first tab's work.
//!
//! The lock is released by the browser when the holding tab closes or reloads, so a reload of
//! the first tab claims it again. Browsers without `navigator.locks` (or a page that is not a
//! secure context) get the old behaviour: every tab autosaves.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Name of the Web Lock that marks the tab owning the autosave.
const LOCK_NAME: &str = "second-ear-autosave";

/// Tries to become the tab that owns the autosave. Resolves `true` when this tab now holds the
/// lock (until it closes) or the browser has no Web Locks or refuses them, `false` when another
/// tab holds it.
pub async fn claim_autosave() -> bool {
    let Some(locks) = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|l| !l.is_undefined() && !l.is_null())
    else {
        return true;
    };
    let Ok(request) =
        Reflect::get(&locks, &"request".into()).and_then(|f| f.dyn_into::<Function>())
    else {
        return true;
    };
    let options = Object::new();
    if Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE).is_err() {
        return true;
    }
    // `granted` resolves with whether the callback got the lock. When it did, the callback
    // returns a promise that never settles, which keeps the lock for the page's lifetime.
    let mut resolve_granted = None;
    let granted = Promise::new(&mut |resolve, _| resolve_granted = Some(resolve));
    let Some(resolve_granted) = resolve_granted else {
        return true;
    };
    let on_refusal = resolve_granted.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let held = !lock.is_null() && !lock.is_undefined();
        let _ = resolve_granted.call1(&JsValue::NULL, &JsValue::from_bool(held));
        if held {
            Promise::new(&mut |_, _| {}).into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let Ok(requested) = request.call3(&locks, &LOCK_NAME.into(), &options, &callback) else {
        return true;
    };
    // A browser that denies locks here (site data blocked, an opaque origin) rejects the request
    // without ever calling back: the tab then autosaves as it would without Web Locks.
    if let Ok(requested) = requested.dyn_into::<Promise>() {
        let refused = Closure::once(move |_: JsValue| {
            let _ = on_refusal.call1(&JsValue::NULL, &JsValue::TRUE);
        });
        let _ = requested.catch(&refused);
        // Once per page: the handler lives as long as the page.
        refused.forget();
    }
    JsFuture::from(granted)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

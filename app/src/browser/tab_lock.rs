//! One autosave per browser (main thread): the tab of Second Ear that holds a Web Lock named
//! [`LOCK_NAME`] restores and writes the autosave; other tabs neither read nor write it. A second
//! tab would otherwise restore the same record and then overwrite it with its own session (the
//! last save wins), losing the first tab's work.
//!
//! - The first tab takes the lock at start-up ([`Claim::Now`]) and keeps it while it is open.
//! - A tab that finds it taken queues for it ([`Claim::Wait`]) and takes the autosave over once
//!   the owner closes.
//! - The browser also releases the lock while the owner reloads, and the queued tab would get it
//!   then. So as the owner's page goes away it notes in its `sessionStorage` (which outlives a
//!   reload of that tab alone) that it owned the autosave, and the reloaded page takes the lock
//!   back ([`Claim::Reclaim`], a `steal`). The tab it is taken from is told (`on_lost`) and
//!   queues again. The queued tab waits a few seconds before acting on the lock, so a reload
//!   normally never shows there.
//!
//! Browsers without `navigator.locks` (or a page that is not a secure context, or site data
//! blocked) get the old behaviour: every tab autosaves.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Object, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

// The Web Locks API and the navigation entry's type, typed (web-sys has them only behind its
// unstable-API flag).
#[wasm_bindgen]
extern "C" {
    /// `navigator`, as far as Web Locks go.
    type LockNavigator;
    /// `navigator.locks`, or `None` where the browser has no Web Locks.
    #[wasm_bindgen(method, getter)]
    fn locks(this: &LockNavigator) -> Option<LockManager>;
    /// `navigator.locks`.
    type LockManager;
    /// `locks.request(name, options, callback)`: the callback gets the lock (or `null`).
    #[wasm_bindgen(method, catch)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &LockOptions,
        callback: &JsValue,
    ) -> Result<Promise, JsValue>;
    /// `locks.query()`: resolves to a [`LockSnapshot`].
    #[wasm_bindgen(method, catch)]
    fn query(this: &LockManager) -> Result<Promise, JsValue>;

    /// The options of `locks.request`.
    #[wasm_bindgen(extends = Object)]
    type LockOptions;
    #[wasm_bindgen(method, setter, js_name = ifAvailable)]
    fn set_if_available(this: &LockOptions, on: bool);
    #[wasm_bindgen(method, setter)]
    fn set_steal(this: &LockOptions, on: bool);

    /// What `locks.query()` resolves to.
    type LockSnapshot;
    /// The requests waiting, as [`LockInfo`]s.
    #[wasm_bindgen(method, getter)]
    fn pending(this: &LockSnapshot) -> Option<Vec<LockInfo>>;
    /// One held or waiting request.
    type LockInfo;
    #[wasm_bindgen(method, getter)]
    fn name(this: &LockInfo) -> Option<String>;

    /// `performance.getEntriesByType(kind)`.
    #[wasm_bindgen(js_namespace = performance, js_name = getEntriesByType)]
    fn entries_by_type(kind: &str) -> js_sys::Array;
    /// A `PerformanceNavigationTiming` entry.
    type NavigationEntry;
    /// "navigate", "reload", "back_forward" or "prerender".
    #[wasm_bindgen(method, getter, js_name = type)]
    fn kind(this: &NavigationEntry) -> Option<String>;
}

/// Name of the Web Lock that marks the tab owning the autosave.
const LOCK_NAME: &str = "second-ear-autosave";
/// `sessionStorage` key written as the owning tab's page goes away, read once by the next page.
const OWNER_KEY: &str = "second-ear-owns-autosave";

/// How a tab asks for the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// At start-up: take it if it is free, else report that another tab has it.
    Now,
    /// At start-up after this very tab owned it (a reload): take it back from whoever got it.
    Reclaim,
    /// Queue until the owner closes.
    Wait,
}

impl Claim {
    /// How this page should claim at start-up: [`Claim::Reclaim`] when this tab owned the
    /// autosave and was reloaded (a page reached by going back, or a restored tab that carries
    /// the note, only claims [`Claim::Now`]). The note is removed as it is read.
    pub fn at_start() -> Claim {
        let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
        let owned_before = storage
            .as_ref()
            .and_then(|s| s.get_item(OWNER_KEY).ok().flatten())
            .is_some();
        if let Some(s) = storage {
            let _ = s.remove_item(OWNER_KEY);
        }
        if owned_before && reloaded() {
            Claim::Reclaim
        } else {
            Claim::Now
        }
    }

    /// Asks for the lock. The request is made before this returns; the future resolves `true`
    /// when this tab holds the lock (it keeps it until it closes, or another tab's
    /// [`Claim::Reclaim`] takes it, which calls `on_lost`) or the browser has no Web Locks or
    /// refuses them, and `false` when [`Claim::Now`] found it taken. [`Claim::Wait`] resolves
    /// only once the lock is free.
    pub fn request(self, on_lost: impl FnOnce() + 'static) -> impl Future<Output = bool> {
        let stolen = Rc::new(Cell::new(false));
        let granted = request_lock(self, stolen.clone(), on_lost);
        async move {
            let Some(granted) = granted else {
                return true;
            };
            let owned = JsFuture::from(granted)
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            // Granted, and then taken by another tab before this one looked: not owned.
            owned && !stolen.get()
        }
    }
}

/// True when this page was loaded by a reload (the Navigation Timing entry's `type`).
fn reloaded() -> bool {
    Some(entries_by_type("navigation").get(0))
        .filter(|e| e.is_object())
        .and_then(|e| e.unchecked_into::<NavigationEntry>().kind())
        .as_deref()
        == Some("reload")
}

/// Writes this tab's "owns the autosave" note as the page goes away (`pagehide`: a reload, a
/// close or a navigation), when `owns()` says so then; [`Claim::at_start`] reads it back, once.
/// Written only then, so a tab duplicated while its page is open does not inherit it. Call once.
pub fn note_owner_on_leaving(owns: impl Fn() -> bool + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let handler = Closure::<dyn Fn()>::new(move || {
        if owns()
            && let Some(s) = web_sys::window().and_then(|w| w.session_storage().ok().flatten())
        {
            let _ = s.set_item(OWNER_KEY, "1");
        }
    });
    let _ = window.add_event_listener_with_callback("pagehide", handler.as_ref().unchecked_ref());
    // Lives as long as the page.
    handler.forget();
}

/// Makes the lock request; `None` when the browser has no Web Locks. The promise resolves with
/// whether the lock was granted (a refused request counts as granted: no locks, old behaviour).
fn request_lock(
    claim: Claim,
    stolen: Rc<Cell<bool>>,
    on_lost: impl FnOnce() + 'static,
) -> Option<Promise> {
    let locks = lock_manager()?;
    let options: LockOptions = Object::new().unchecked_into();
    match claim {
        Claim::Now => options.set_if_available(true),
        Claim::Reclaim => options.set_steal(true),
        Claim::Wait => {}
    }
    // `granted` resolves with whether the callback got the lock. When it did, the callback
    // returns a promise that never settles, which keeps the lock for the page's lifetime.
    let mut resolve_granted = None;
    let granted = Promise::new(&mut |resolve, _| resolve_granted = Some(resolve));
    let resolve_granted = resolve_granted?;
    let held = Rc::new(Cell::new(false));
    let on_reject = (resolve_granted.clone(), held.clone());
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let got = !lock.is_null() && !lock.is_undefined();
        held.set(got);
        let _ = resolve_granted.call1(&JsValue::NULL, &JsValue::from_bool(got));
        if got {
            Promise::new(&mut |_, _| {}).into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let requested = locks.request(LOCK_NAME, &options, &callback).ok()?;
    // The request's promise rejects in two cases. Before the callback ran: the browser denies
    // locks here (site data blocked, an opaque origin) without ever calling back, and the tab
    // then autosaves as it would without Web Locks. After it ran with the lock: another tab stole
    // it.
    {
        let (resolve_granted, held) = on_reject;
        let rejected = Closure::once(move |_: JsValue| {
            if held.get() {
                held.set(false);
                stolen.set(true);
                on_lost();
            } else {
                let _ = resolve_granted.call1(&JsValue::NULL, &JsValue::TRUE);
            }
        });
        let _ = requested.catch(&rejected);
        // Once per request, of which a page makes a few: the handler lives as long as the page.
        rejected.forget();
    }
    Some(granted)
}

/// True when another tab of Second Ear is queued for the autosave (so its dropped stems, kept
/// in the store for when it takes over, must not be tidied away). False without Web Locks.
pub async fn others_waiting() -> bool {
    let Some(promise) = lock_manager().and_then(|l| l.query().ok()) else {
        return false;
    };
    let Ok(state) = JsFuture::from(promise).await else {
        return false;
    };
    state
        .unchecked_into::<LockSnapshot>()
        .pending()
        .unwrap_or_default()
        .iter()
        .any(|r| r.name().as_deref() == Some(LOCK_NAME))
}

/// `navigator.locks`; `None` without Web Locks.
fn lock_manager() -> Option<LockManager> {
    web_sys::window()?
        .navigator()
        .unchecked_into::<LockNavigator>()
        .locks()
}

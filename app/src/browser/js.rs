//! Small helpers for building JS values (main thread).

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// A plain JS object from key/value pairs.
pub fn object(pairs: &[(&str, &JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

/// A property of a JS object, or `undefined`.
pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Waits `ms` milliseconds (0: until the browser has run its pending work: paint, input) without
/// blocking the page. Returns at once where there is no window.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| match web_sys::window() {
        Some(w) => {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
        None => {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A one-way door for futures (main thread): [`wait`](Gate::wait) resolves once
/// [`open`](Gate::open) has been called, at once if it already was. Replaces polling a flag.
#[derive(Clone, Default)]
pub struct Gate(std::rc::Rc<std::cell::RefCell<(bool, Vec<js_sys::Function>)>>);

impl Gate {
    /// Opens the door: every waiter, and every later one, goes through.
    pub fn open(&self) {
        let waiters = {
            let mut s = self.0.borrow_mut();
            s.0 = true;
            std::mem::take(&mut s.1)
        };
        for w in waiters {
            let _ = w.call0(&JsValue::UNDEFINED);
        }
    }

    pub fn is_open(&self) -> bool {
        self.0.borrow().0
    }

    /// Resolves once the door is open.
    pub async fn wait(&self) {
        if self.is_open() {
            return;
        }
        let state = self.0.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _| state.borrow_mut().1.push(resolve));
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// A memory cap for diagnosis and tests, bytes: the page's query parameter `name` in KiB (e.g.
/// `?engine-memory-headroom-kib=640`), standing in for a device short of memory. None normally.
pub fn headroom_from_query(name: &str) -> Option<f64> {
    let kib = number_from_query(name)?;
    (kib.is_finite() && kib > 0.0).then_some(kib * 1024.0)
}

/// The page's query parameter `name` as a number (tests and benchmarks set a few), if it is one.
pub fn number_from_query(name: &str) -> Option<f64> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name)?.parse().ok()
}

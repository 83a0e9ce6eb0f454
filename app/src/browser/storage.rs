//! Autosave store (main thread): IndexedDB database `second-ear`, version 1, so that reloading
//! the tab restores the session and its audio files without asking for them again.
//!
//! The database holds two object stores, both with out-of-line keys (the key is given with
//! each write, not read from the value):
//!
//! - `session`: one record under the key `"current"`, a `Uint8Array` copy of the serialized
//!   session document. The bytes are opaque to this module.
//! - `stems`: one record per audio file, keyed by the lower-case hex SHA-256 of the file's
//!   original bytes; the value is a plain object `{ name: string, bytes: Blob }` (the file name
//!   and the original, undecoded file contents). The bytes go in as a `Blob` rather than an
//!   `ArrayBuffer` because Chromium refuses structured-clone values above about 127 MiB
//!   ("The serialized keys and/or value are too large"), while it stores blobs as separate
//!   files with no such limit. Reading also accepts `bytes` stored as an `ArrayBuffer`.
//!
//! Everything here uses `window.indexedDB` and must run on the browser main thread. The open
//! connection is cached per thread and reopened when the browser closes it or another tab asks
//! to upgrade the database. Writes return only after their transaction's `complete` event, so
//! the data is committed when they resolve. Errors are `String` details starting with
//! `IndexedDB`, e.g. `IndexedDB: QuotaExceededError: … (while storing an audio file)`, meant to
//! be wrapped into a user-facing message by the caller.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, DomException, IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction,
    IdbTransactionMode, IdbVersionChangeEvent,
};

/// Name of the IndexedDB database.
const DB_NAME: &str = "second-ear";
/// Schema version; `onupgradeneeded` creates the stores when upgrading from 0.
const DB_VERSION: u32 = 1;
/// Store holding the session document under [`SESSION_KEY`].
const SESSION_STORE: &str = "session";
/// Key of the one session record.
const SESSION_KEY: &str = "current";
/// Store holding the stem files, keyed by SHA-256 hex.
const STEMS_STORE: &str = "stems";

thread_local! {
    /// The pending or finished `indexedDB.open` (a promise of the `IDBDatabase`), tagged with
    /// a generation so stale close/error handlers cannot evict a newer connection.
    static CONNECTION: RefCell<Option<(u64, Promise)>> = const { RefCell::new(None) };
    /// Generation counter for [`CONNECTION`].
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// Saves the current session document (opaque bytes) under the key "current" in store
/// "session" (main thread). Resolves once the write transaction has completed.
pub async fn save_session(doc: &[u8]) -> Result<(), String> {
    save_session_record(SESSION_KEY, doc).await
}

/// Keeps a saved session that could not be restored under `"unrestorable"`, so a later autosave
/// of the fresh session does not destroy it (main thread).
pub async fn set_aside_session(doc: &[u8]) -> Result<(), String> {
    save_session_record("unrestorable", doc).await
}

async fn save_session_record(key: &str, doc: &[u8]) -> Result<(), String> {
    const WHAT: &str = "saving the session";
    let (tx, store) = transaction(SESSION_STORE, IdbTransactionMode::Readwrite, WHAT).await?;
    let value = Uint8Array::new_from_slice(doc);
    store
        .put_with_key(&value, &JsValue::from_str(key))
        .map_err(|e| thrown(&e, WHAT))?;
    completed(&tx, WHAT).await
}

/// The saved session document, if any (main thread).
pub async fn load_session() -> Result<Option<Vec<u8>>, String> {
    const WHAT: &str = "loading the saved session";
    let (_tx, store) = transaction(SESSION_STORE, IdbTransactionMode::Readonly, WHAT).await?;
    let req = store
        .get(&JsValue::from_str(SESSION_KEY))
        .map_err(|e| thrown(&e, WHAT))?;
    let value = succeeded(&req, WHAT).await?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(Some(bytes.to_vec()));
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Ok(Some(Uint8Array::new(buffer).to_vec()));
    }
    Err(format!(
        "IndexedDB: the saved session is not a byte array (while {WHAT})"
    ))
}

/// Removes the saved session (not the stems); main thread. Resolves once the delete has
/// been committed. Removing a session that is not there is not an error.
pub async fn clear_session() -> Result<(), String> {
    const WHAT: &str = "clearing the saved session";
    let (tx, store) = transaction(SESSION_STORE, IdbTransactionMode::Readwrite, WHAT).await?;
    store
        .delete(&JsValue::from_str(SESSION_KEY))
        .map_err(|e| thrown(&e, WHAT))?;
    completed(&tx, WHAT).await
}

/// Stores a stem file's original bytes under its SHA-256 (lower-case hex) in store "stems",
/// with its file name, as `{ name, bytes: Blob }` (main thread). Storing a key that exists
/// overwrites it. The browser copies the blob (a dropped `File` included) into the database on
/// disk; nothing is read into memory here. Resolves once the write transaction has completed.
pub async fn put_stem(sha256_hex: &str, file_name: &str, blob: &Blob) -> Result<(), String> {
    const WHAT: &str = "storing an audio file";
    let record = Object::new();
    Reflect::set(
        &record,
        &JsValue::from_str("name"),
        &JsValue::from_str(file_name),
    )
    .map_err(|e| thrown(&e, WHAT))?;
    Reflect::set(&record, &JsValue::from_str("bytes"), blob).map_err(|e| thrown(&e, WHAT))?;
    let (tx, store) = transaction(STEMS_STORE, IdbTransactionMode::Readwrite, WHAT).await?;
    store
        .put_with_key(&record, &JsValue::from_str(sha256_hex))
        .map_err(|e| thrown(&e, WHAT))?;
    completed(&tx, WHAT).await
}

/// True when the stem is stored (main thread). Cheap: a key-only `count(key)`, the bytes are
/// not read.
pub async fn has_stem(sha256_hex: &str) -> Result<bool, String> {
    const WHAT: &str = "looking up a stored audio file";
    let (_tx, store) = transaction(STEMS_STORE, IdbTransactionMode::Readonly, WHAT).await?;
    let req = store
        .count_with_key(&JsValue::from_str(sha256_hex))
        .map_err(|e| thrown(&e, WHAT))?;
    let count = succeeded(&req, WHAT).await?;
    Ok(count.as_f64().is_some_and(|n| n > 0.0))
}

/// A stored stem: (file name, bytes), or `None` when nothing is stored under that SHA-256
/// (main thread). Reads the whole file into memory: for a session bundle.
pub async fn get_stem(sha256_hex: &str) -> Result<Option<(String, ArrayBuffer)>, String> {
    const WHAT: &str = "reading a stored audio file";
    let Some((name, blob)) = get_stem_blob(sha256_hex).await? else {
        return Ok(None);
    };
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| thrown(&e, WHAT))?
        .dyn_into::<ArrayBuffer>()
        .map_err(|_| format!("IndexedDB: the stored audio file {sha256_hex} is malformed"))?;
    Ok(Some((name, buffer)))
}

/// A stored stem as (file name, `Blob` backed by the database's files), or `None` when nothing
/// is stored under that SHA-256 (main thread). Nothing is read into memory.
pub async fn get_stem_blob(sha256_hex: &str) -> Result<Option<(String, Blob)>, String> {
    const WHAT: &str = "reading a stored audio file";
    let (_tx, store) = transaction(STEMS_STORE, IdbTransactionMode::Readonly, WHAT).await?;
    let req = store
        .get(&JsValue::from_str(sha256_hex))
        .map_err(|e| thrown(&e, WHAT))?;
    let value = succeeded(&req, WHAT).await?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let malformed =
        || format!("IndexedDB: the stored audio file {sha256_hex} is malformed (while {WHAT})");
    let name = Reflect::get(&value, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .ok_or_else(malformed)?;
    let bytes = Reflect::get(&value, &JsValue::from_str("bytes")).map_err(|_| malformed())?;
    if let Some(blob) = bytes.dyn_ref::<Blob>() {
        // The blob is backed by the database's files and stays readable after the
        // transaction has finished.
        return Ok(Some((name, blob.clone())));
    }
    // Older records hold an ArrayBuffer.
    let buffer = bytes.dyn_into::<ArrayBuffer>().map_err(|_| malformed())?;
    let blob = Blob::new_with_buffer_source_sequence(&Array::of1(&buffer))
        .map_err(|e| thrown(&e, WHAT))?;
    Ok(Some((name, blob)))
}

/// Deletes every stored stem whose key is not in `keep` (main thread). Listing and deleting
/// happen in one read-write transaction, so the cleanup is atomic; resolves once it has
/// been committed.
pub async fn retain_stems(keep: &[String]) -> Result<(), String> {
    const WHAT: &str = "removing unused audio files";
    let keep: HashSet<String> = keep.iter().cloned().collect();
    let (tx, store) = transaction(STEMS_STORE, IdbTransactionMode::Readwrite, WHAT).await?;
    let req = store.get_all_keys().map_err(|e| thrown(&e, WHAT))?;
    // The deletes are issued from the `success` handler so they join the same transaction
    // (awaiting in between could let it auto-commit). A failure there aborts the transaction
    // and leaves its text here.
    let failure: Rc<RefCell<Option<String>>> = Rc::default();
    let on_keys = {
        let req = req.clone();
        let tx = tx.clone();
        let failure = Rc::clone(&failure);
        Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
            let deleted = req.result().and_then(|keys| {
                for key in Array::from(&keys).iter() {
                    if !key.as_string().is_some_and(|k| keep.contains(&k)) {
                        store.delete(&key)?;
                    }
                }
                Ok(())
            });
            if let Err(e) = deleted {
                *failure.borrow_mut() = Some(thrown(&e, WHAT));
                let _ = tx.abort();
            }
        })
    };
    req.set_onsuccess(Some(on_keys.as_ref().unchecked_ref()));
    // Declared after the closure, so dropped (unhooking it) before it is freed.
    let _unhook = OnDrop(|| req.set_onsuccess(None));
    let outcome = completed(&tx, WHAT).await;
    match failure.borrow_mut().take() {
        Some(text) => Err(text),
        None => outcome,
    }
}

// ---------------------------------------------------------------------------------------------
// Connection.

/// The cached connection, opening it first when there is none. Returns its generation too.
async fn database(what: &str) -> Result<(u64, IdbDatabase), String> {
    let cached = CONNECTION.with_borrow(|slot| slot.clone());
    let (generation, promise) = match cached {
        Some(pending) => pending,
        None => {
            let generation = GENERATION.with(|g| {
                let next = g.get().wrapping_add(1);
                g.set(next);
                next
            });
            let promise = open(generation, what)?;
            CONNECTION.with_borrow_mut(|slot| *slot = Some((generation, promise.clone())));
            (generation, promise)
        }
    };
    match JsFuture::from(promise).await {
        Ok(db) => match db.dyn_into::<IdbDatabase>() {
            Ok(db) => Ok((generation, db)),
            Err(_) => {
                forget_connection(generation);
                Err(format!(
                    "IndexedDB: opening the database gave no database (while {what})"
                ))
            }
        },
        Err(e) => {
            forget_connection(generation);
            Err(e.as_string().unwrap_or_else(|| thrown(&e, what)))
        }
    }
}

/// Drops the cached connection if it is still the one of `generation`.
fn forget_connection(generation: u64) {
    CONNECTION.with_borrow_mut(|slot| {
        if slot.as_ref().is_some_and(|(g, _)| *g == generation) {
            *slot = None;
        }
    });
}

/// Starts `indexedDB.open("second-ear", 1)`; the promise resolves to the `IDBDatabase` or
/// rejects with the error text. The handlers outlive any one caller (the promise is shared),
/// so they are handed to JS for good; the one of `success`/`error` that never fires is a small
/// one-off leak per opened connection.
fn open(generation: u64, what: &str) -> Result<Promise, String> {
    let window = web_sys::window()
        .ok_or_else(|| format!("IndexedDB: not on the main thread (while {what})"))?;
    let factory = window
        .indexed_db()
        .map_err(|e| thrown(&e, what))?
        .ok_or_else(|| format!("IndexedDB: not available in this browser (while {what})"))?;
    let req = factory
        .open_with_u32(DB_NAME, DB_VERSION)
        .map_err(|e| thrown(&e, what))?;
    let (promise, resolve, reject) = deferred(what)?;
    let what = what.to_owned();

    let on_upgrade = {
        let req = req.clone();
        let reject = reject.clone();
        let what = what.clone();
        Closure::once_into_js(move |event: IdbVersionChangeEvent| {
            if let Err(text) = create_stores(&req, &event, &what) {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&text));
                if let Some(tx) = req.transaction() {
                    let _ = tx.abort();
                }
            }
        })
    };
    let on_success = {
        let req = req.clone();
        let reject = reject.clone();
        let what = what.clone();
        Closure::once_into_js(move |_event: JsValue| match req.result() {
            Ok(db) => {
                if let Some(db) = db.dyn_ref::<IdbDatabase>() {
                    watch_connection(db, generation);
                }
                let _ = resolve.call1(&JsValue::NULL, &db);
            }
            Err(e) => {
                forget_connection(generation);
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&thrown(&e, &what)));
            }
        })
    };
    let on_error = {
        let req = req.clone();
        Closure::once_into_js(move |_event: JsValue| {
            forget_connection(generation);
            let text = request_error(&req, &what);
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&text));
        })
    };
    set_open_handlers(&req, &on_upgrade, &on_success, &on_error);
    Ok(promise)
}

/// Hooks the open request's `upgradeneeded`, `success` and `error` events.
fn set_open_handlers(
    req: &IdbOpenDbRequest,
    on_upgrade: &JsValue,
    on_success: &JsValue,
    on_error: &JsValue,
) {
    req.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    req.set_onsuccess(Some(on_success.unchecked_ref()));
    req.set_onerror(Some(on_error.unchecked_ref()));
}

/// `onupgradeneeded`: creates the `session` and `stems` stores (out-of-line keys) on a fresh
/// database.
fn create_stores(
    req: &IdbOpenDbRequest,
    event: &IdbVersionChangeEvent,
    what: &str,
) -> Result<(), String> {
    let db: IdbDatabase = req
        .result()
        .map_err(|e| thrown(&e, what))?
        .dyn_into()
        .map_err(|_| format!("IndexedDB: upgrading gave no database (while {what})"))?;
    if event.old_version() < 1.0 {
        for name in [SESSION_STORE, STEMS_STORE] {
            db.create_object_store(name).map_err(|e| thrown(&e, what))?;
        }
    }
    Ok(())
}

/// Forgets the cached connection when the browser closes it (`close`, e.g. the storage was
/// cleared) and closes it when another tab wants to upgrade or delete the database
/// (`versionchange`), so that neither blocks; the next call reopens.
fn watch_connection(db: &IdbDatabase, generation: u64) {
    let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
        forget_connection(generation);
    });
    let on_version_change = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        forget_connection(generation);
        if let Ok(target) = Reflect::get(&event, &JsValue::from_str("target"))
            && let Some(db) = target.dyn_ref::<IdbDatabase>()
        {
            db.close();
        }
    });
    db.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    // Owned by JS from here on: they live as long as the connection object.
    on_close.forget();
    on_version_change.forget();
}

/// A transaction on one store of the cached connection, and that store. If the connection
/// cannot start one (it was closed behind our back), it is reopened once.
async fn transaction(
    store: &str,
    mode: IdbTransactionMode,
    what: &str,
) -> Result<(IdbTransaction, IdbObjectStore), String> {
    let (generation, db) = database(what).await?;
    let tx = match db.transaction_with_str_and_mode(store, mode) {
        Ok(tx) => tx,
        Err(_) => {
            forget_connection(generation);
            let (_, db) = database(what).await?;
            db.transaction_with_str_and_mode(store, mode)
                .map_err(|e| thrown(&e, what))?
        }
    };
    let object_store = tx.object_store(store).map_err(|e| thrown(&e, what))?;
    Ok((tx, object_store))
}

// ---------------------------------------------------------------------------------------------
// Events as futures.

/// A new promise with its `resolve` and `reject` functions.
fn deferred(what: &str) -> Result<(Promise, Function, Function), String> {
    let mut functions = None;
    let promise = Promise::new(&mut |resolve, reject| functions = Some((resolve, reject)));
    // The executor runs synchronously inside `new Promise`, so this is always set.
    let (resolve, reject) =
        functions.ok_or_else(|| format!("IndexedDB: could not create a promise (while {what})"))?;
    Ok((promise, resolve, reject))
}

/// Runs its closure when dropped (unhooks event handlers before their closures are freed,
/// also when the awaiting future is dropped early).
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// Awaits a request's `success` (giving its `result`) or `error` (its DOMException as text).
async fn succeeded(req: &IdbRequest, what: &str) -> Result<JsValue, String> {
    let (promise, resolve, reject) = deferred(what)?;
    let on_success = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
        let _ = resolve.call0(&JsValue::NULL);
    });
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
        let _ = reject.call0(&JsValue::NULL);
    });
    req.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
    req.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // Declared after the closures, so dropped (unhooking them) before they are freed.
    let _unhook = OnDrop(|| {
        req.set_onsuccess(None);
        req.set_onerror(None);
    });
    match JsFuture::from(promise).await {
        Ok(_) => req.result().map_err(|e| thrown(&e, what)),
        Err(_) => Err(request_error(req, what)),
    }
}

/// Awaits a transaction's `complete`, or its `abort` (reported with the transaction's error,
/// e.g. `QuotaExceededError` or the failed request's error).
async fn completed(tx: &IdbTransaction, what: &str) -> Result<(), String> {
    let (promise, resolve, reject) = deferred(what)?;
    let on_complete = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
        let _ = resolve.call0(&JsValue::NULL);
    });
    let on_abort = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
        let _ = reject.call0(&JsValue::NULL);
    });
    tx.set_oncomplete(Some(on_complete.as_ref().unchecked_ref()));
    tx.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
    // Declared after the closures, so dropped (unhooking them) before they are freed.
    let _unhook = OnDrop(|| {
        tx.set_oncomplete(None);
        tx.set_onabort(None);
    });
    match JsFuture::from(promise).await {
        Ok(_) => Ok(()),
        Err(_) => Err(match tx.error() {
            Some(e) => dom_exception(&e, what),
            None => format!("IndexedDB: AbortError: the transaction was aborted (while {what})"),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Error text.

/// `IndexedDB: Name: message (while …)` for a DOMException.
fn dom_exception(e: &DomException, what: &str) -> String {
    format!("IndexedDB: {}: {} (while {what})", e.name(), e.message())
}

/// The error of a failed request as text.
fn request_error(req: &IdbRequest, what: &str) -> String {
    match req.error() {
        Ok(Some(e)) => dom_exception(&e, what),
        Ok(None) => format!("IndexedDB: the request failed without details (while {what})"),
        Err(e) => thrown(&e, what),
    }
}

/// Text for a value thrown by an IndexedDB call (normally a DOMException).
fn thrown(value: &JsValue, what: &str) -> String {
    if let Some(e) = value.dyn_ref::<DomException>() {
        return dom_exception(e, what);
    }
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        let name: String = e.name().into();
        let message: String = e.message().into();
        return format!("IndexedDB: {name}: {message} (while {what})");
    }
    match value.as_string() {
        Some(text) => format!("IndexedDB: {text} (while {what})"),
        None => format!("IndexedDB: unknown error (while {what})"),
    }
}

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
//! Everything here uses `window.indexedDB` through the `idb` crate and must run on the browser
//! main thread. The open connection is cached per thread and reopened when the browser closes it or another tab asks
//! to upgrade the database. Writes return only after their transaction's `complete` event, so
//! the data is committed when they resolve. Errors are `String` details starting with
//! `IndexedDB`, e.g. `IndexedDB: QuotaExceededError: … (while storing an audio file)`, meant to
//! be wrapped into a user-facing message by the caller.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::IntoFuture;
use std::rc::Rc;

use idb::{
    DatabaseEvent, Event, Factory, ObjectStore, ObjectStoreParams, Query, Request, TransactionMode,
    TransactionResult,
};
use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{Blob, DomException, IdbDatabase};

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

/// Key of a saved session that could not be restored, kept aside.
const SET_ASIDE_KEY: &str = "unrestorable";
/// Key of when it was set aside (UTF-8 text, the browser's local date and time).
const SET_ASIDE_AT_KEY: &str = "unrestorable-at";

/// Keeps a saved session that could not be restored under `"unrestorable"` (with the time), so
/// a later autosave of the fresh session does not destroy it and it can be recovered (main
/// thread).
pub async fn set_aside_session(doc: &[u8]) -> Result<(), String> {
    save_session_record(SET_ASIDE_KEY, doc).await?;
    let at = String::from(js_sys::Date::new_0().to_locale_string("default", &JsValue::UNDEFINED));
    save_session_record(SET_ASIDE_AT_KEY, at.as_bytes()).await
}

/// The session kept aside by [`set_aside_session`] and when, if any (main thread).
pub async fn load_set_aside() -> Result<Option<(Vec<u8>, String)>, String> {
    let Some(doc) = load_record(SET_ASIDE_KEY).await? else {
        return Ok(None);
    };
    let at = load_record(SET_ASIDE_AT_KEY)
        .await?
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    Ok(Some((doc, at)))
}

/// Forgets the session kept aside (once recovered); main thread.
pub async fn clear_set_aside() -> Result<(), String> {
    delete_record(SET_ASIDE_KEY).await?;
    delete_record(SET_ASIDE_AT_KEY).await
}

async fn save_session_record(key: &str, doc: &[u8]) -> Result<(), String> {
    const WHAT: &str = "saving the session";
    let store = object_store(SESSION_STORE, TransactionMode::ReadWrite, WHAT).await?;
    let value = Uint8Array::new_from_slice(doc);
    store
        .put(&value, Some(&JsValue::from_str(key)))
        .map_err(|e| idb_error(e, WHAT))?
        .await
        .map_err(|e| idb_error(e, WHAT))?;
    committed(&store, WHAT).await
}

/// The saved session document, if any (main thread).
pub async fn load_session() -> Result<Option<Vec<u8>>, String> {
    load_record(SESSION_KEY).await
}

async fn load_record(key: &str) -> Result<Option<Vec<u8>>, String> {
    const WHAT: &str = "loading the saved session";
    let store = object_store(SESSION_STORE, TransactionMode::ReadOnly, WHAT).await?;
    let value = store
        .get(JsValue::from_str(key))
        .map_err(|e| idb_error(e, WHAT))?
        .await
        .map_err(|e| idb_error(e, WHAT))?;
    let Some(value) = value else {
        return Ok(None);
    };
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
    delete_record(SESSION_KEY).await
}

async fn delete_record(key: &str) -> Result<(), String> {
    const WHAT: &str = "clearing the saved session";
    let store = object_store(SESSION_STORE, TransactionMode::ReadWrite, WHAT).await?;
    store
        .delete(JsValue::from_str(key))
        .map_err(|e| idb_error(e, WHAT))?
        .await
        .map_err(|e| idb_error(e, WHAT))?;
    committed(&store, WHAT).await
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
    let store = object_store(STEMS_STORE, TransactionMode::ReadWrite, WHAT).await?;
    store
        .put(&record, Some(&JsValue::from_str(sha256_hex)))
        .map_err(|e| idb_error(e, WHAT))?
        .await
        .map_err(|e| idb_error(e, WHAT))?;
    committed(&store, WHAT).await
}

/// True when the stem is stored (main thread). Cheap: a key-only `count(key)`, the bytes are
/// not read.
pub async fn has_stem(sha256_hex: &str) -> Result<bool, String> {
    const WHAT: &str = "looking up a stored audio file";
    let store = object_store(STEMS_STORE, TransactionMode::ReadOnly, WHAT).await?;
    let count = store
        .count(Some(Query::Key(JsValue::from_str(sha256_hex))))
        .map_err(|e| idb_error(e, WHAT))?
        .await
        .map_err(|e| idb_error(e, WHAT))?;
    Ok(count > 0)
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
    let store = object_store(STEMS_STORE, TransactionMode::ReadOnly, WHAT).await?;
    let value = store
        .get(JsValue::from_str(sha256_hex))
        .map_err(|e| idb_error(e, WHAT))?
        .await
        .map_err(|e| idb_error(e, WHAT))?;
    let Some(value) = value else {
        return Ok(None);
    };
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
    let store = object_store(STEMS_STORE, TransactionMode::ReadWrite, WHAT).await?;
    // Each await resumes in a microtask of the previous request's `success` event, while the
    // transaction is still active, so the deletes join it. A failure aborts the transaction
    // (nothing is deleted) and is reported.
    let deleted = async {
        let keys = store.get_all_keys(None, None)?.await?;
        for key in keys {
            if !key.as_string().is_some_and(|k| keep.contains(&k)) {
                store.delete(key)?.await?;
            }
        }
        Ok::<(), idb::Error>(())
    }
    .await;
    if let Err(e) = deleted {
        // Already aborting after a failed request; this undoes the earlier deletes after a
        // delete that threw.
        let _ = store.transaction().abort();
        return Err(idb_error(e, WHAT));
    }
    committed(&store, WHAT).await
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
/// rejects with the error text. A promise, so that callers arriving while it is pending share
/// it. There is no `blocked` handler: the open waits until the other connections close, which
/// they do on `versionchange` (see [`watch_connection`]).
fn open(generation: u64, what: &str) -> Result<Promise, String> {
    let window = web_sys::window()
        .ok_or_else(|| format!("IndexedDB: not on the main thread (while {what})"))?;
    let factory = window
        .indexed_db()
        .map_err(|e| thrown(&e, what))?
        .ok_or_else(|| format!("IndexedDB: not available in this browser (while {what})"))?;
    let mut request = Factory::from(factory)
        .open(DB_NAME, Some(DB_VERSION))
        .map_err(|e| idb_error(e, what))?;
    let what = what.to_owned();
    // Why the upgrade failed, if it did (the open then fails with an `AbortError`).
    let upgrade_failure: Rc<RefCell<Option<String>>> = Rc::default();
    request.on_upgrade_needed({
        let upgrade_failure = Rc::clone(&upgrade_failure);
        let what = what.clone();
        move |event| {
            if let Err(text) = create_stores(&event, &what) {
                *upgrade_failure.borrow_mut() = Some(text);
                if let Some(tx) = event.target().ok().and_then(|req| req.transaction()) {
                    let _ = tx.abort();
                }
            }
        }
    });
    // Its `success`/`error` handlers are hooked now; the task is spawned now, so the open
    // proceeds whether or not anyone awaits the promise.
    let opened = request.into_future();
    Ok(future_to_promise(async move {
        let opened = opened.await;
        if let Some(text) = upgrade_failure.borrow_mut().take() {
            forget_connection(generation);
            return Err(JsValue::from_str(&text));
        }
        match opened {
            Ok(mut db) => {
                watch_connection(&mut db, generation);
                Ok(IdbDatabase::from(db).into())
            }
            Err(e) => {
                forget_connection(generation);
                let text = match e {
                    idb::Error::UnexpectedJsType(..) => {
                        format!("IndexedDB: opening the database gave no database (while {what})")
                    }
                    e => idb_error(e, &what),
                };
                Err(JsValue::from_str(&text))
            }
        }
    }))
}

/// `upgradeneeded`: creates the `session` and `stems` stores (out-of-line keys, no key
/// generator) on a fresh database.
fn create_stores(event: &idb::event::VersionChangeEvent, what: &str) -> Result<(), String> {
    let db = event.database().map_err(|e| match e {
        idb::Error::UnexpectedJsType(..) => {
            format!("IndexedDB: upgrading gave no database (while {what})")
        }
        e => idb_error(e, what),
    })?;
    if event.old_version().map_err(|e| idb_error(e, what))? < 1 {
        for name in [SESSION_STORE, STEMS_STORE] {
            db.create_object_store(name, ObjectStoreParams::new())
                .map_err(|e| idb_error(e, what))?;
        }
    }
    Ok(())
}

/// Forgets the cached connection when the browser closes it (`close`, e.g. the storage was
/// cleared) and closes it when another tab wants to upgrade or delete the database
/// (`versionchange`), so that neither blocks; the next call reopens.
fn watch_connection(db: &mut idb::Database, generation: u64) {
    db.on_close(move |_event| forget_connection(generation));
    db.on_version_change(move |event| {
        forget_connection(generation);
        if let Some(db) = event
            .target()
            .and_then(|target| target.dyn_into::<IdbDatabase>().ok())
        {
            db.close();
        }
    });
    // Owned by JS from here on: they live as long as the connection object.
    db.forget_callbacks();
}

/// One store of a new transaction on the cached connection (the transaction is
/// `store.transaction()`). If the connection cannot start one (it was closed behind our back),
/// it is reopened once.
async fn object_store(
    store: &str,
    mode: TransactionMode,
    what: &str,
) -> Result<ObjectStore, String> {
    let (generation, db) = database(what).await?;
    let tx = match idb::Database::from(db).transaction(&[store], mode) {
        Ok(tx) => tx,
        Err(_) => {
            forget_connection(generation);
            let (_, db) = database(what).await?;
            idb::Database::from(db)
                .transaction(&[store], mode)
                .map_err(|e| idb_error(e, what))?
        }
    };
    tx.object_store(store).map_err(|e| idb_error(e, what))
}

/// Awaits the store's transaction: `complete`, or `abort` (reported with the transaction's
/// error, e.g. `QuotaExceededError`). Called once its requests have succeeded (a failed request
/// is reported by its own future), so no `error` event reaches the transaction meanwhile.
async fn committed(store: &ObjectStore, what: &str) -> Result<(), String> {
    match store.transaction().await {
        Ok(TransactionResult::Committed) => Ok(()),
        Ok(TransactionResult::Aborted) => Err(match store.transaction().error() {
            Some(e) => dom_exception(&e, what),
            None => format!("IndexedDB: AbortError: the transaction was aborted (while {what})"),
        }),
        Err(e) => Err(idb_error(e, what)),
    }
}

// ---------------------------------------------------------------------------------------------
// Error text.

/// `IndexedDB: Name: message (while …)` for a DOMException.
fn dom_exception(e: &DomException, what: &str) -> String {
    format!("IndexedDB: {}: {} (while {what})", e.name(), e.message())
}

/// Text for an error from `idb`: the failed request's DOMException, or the value an IndexedDB
/// call threw, as before `idb` wrapped them.
fn idb_error(error: idb::Error, what: &str) -> String {
    use idb::Error as E;
    match error {
        E::DomException(e) => dom_exception(&e, what),
        E::DomExceptionNotFound => {
            format!("IndexedDB: the request failed without details (while {what})")
        }
        E::CountFailed(e)
        | E::DeleteFailed(e)
        | E::GetAllKeysFailed(e)
        | E::GetFailed(e)
        | E::IndexedDbOpenFailed(e)
        | E::ObjectStoreCreateFailed(e)
        | E::ObjectStoreNotFound(e)
        | E::RequestErrorNotFound(e)
        | E::RequestResultNotFound(e)
        | E::TransactionOpenFailed(e)
        | E::UpdateFailed(e) => thrown(&e, what),
        e => format!("IndexedDB: {e} (while {what})"),
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

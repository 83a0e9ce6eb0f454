//! The decode Worker's link to its stem writer (`dsp-worklet/js/stem-writer.js`, a nested module
//! Worker it starts on first use): decoded planes are posted there (transferred) and written into
//! the stem store while this Worker decodes the next pieces, so decoding and writing use two
//! cores. A job's files are opened, written, then closed; the close answers with the job's first
//! failure (a file that could not be opened, a full disk) and ends that writer. Decode Worker
//! only.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Float32Array, Function, Object, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::error::js_detail;

/// The writer's script, beside the decode Worker's.
pub const WRITER_URL: &str = "stem-writer.js";

/// The started writer and the closes waiting for their answer.
pub struct StemWriter {
    worker: Worker,
    /// Job → the resolve function of its close's promise.
    waiting: Rc<RefCell<HashMap<u32, Function>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

thread_local! {
    static WRITER: RefCell<Option<Rc<StemWriter>>> = const { RefCell::new(None) };
}

/// This Worker's writer, started when a job needs one.
pub fn writer() -> Result<Rc<StemWriter>, String> {
    if let Some(w) = WRITER.with(|w| w.borrow().clone()) {
        return Ok(w);
    }
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(WRITER_URL, &options).map_err(|e| {
        format!(
            "the store's writer could not be started ({})",
            js_detail(&e)
        )
    })?;
    let waiting: Rc<RefCell<HashMap<u32, Function>>> = Rc::default();
    let w = waiting.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let job = Reflect::get(&data, &"job".into())
            .ok()
            .and_then(|j| j.as_f64())
            .map(|j| j as u32);
        if let Some(resolve) = job.and_then(|j| w.borrow_mut().remove(&j)) {
            let error = Reflect::get(&data, &"error".into()).unwrap_or(JsValue::NULL);
            let _ = resolve.call1(&JsValue::UNDEFINED, &error);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let writer = Rc::new(StemWriter {
        worker,
        waiting,
        _on_message: on_message,
    });
    WRITER.with(|w| *w.borrow_mut() = Some(writer.clone()));
    Ok(writer)
}

fn message(kind: &str, job: u32) -> Object {
    let m = Object::new();
    let _ = Reflect::set(&m, &"type".into(), &kind.into());
    let _ = Reflect::set(&m, &"job".into(), &job.into());
    m
}

impl StemWriter {
    /// Creates (or empties) job `job`'s files, one name per channel.
    pub fn open(&self, job: u32, names: &[String]) -> Result<(), String> {
        let m = message("open", job);
        let names: Array = names.iter().map(|n| JsValue::from_str(n)).collect();
        let _ = Reflect::set(&m, &"names".into(), &names);
        self.worker.post_message(&m).map_err(|e| js_detail(&e))
    }

    /// Writes `samples` into channel `ch`'s file at byte `at` (copied out of this heap, then
    /// transferred).
    pub fn write(&self, job: u32, ch: usize, at: f64, samples: &[f32]) -> Result<(), String> {
        let data = Float32Array::from(samples);
        let m = message("write", job);
        let _ = Reflect::set(&m, &"ch".into(), &(ch as u32).into());
        let _ = Reflect::set(&m, &"at".into(), &at.into());
        let _ = Reflect::set(&m, &"data".into(), &data);
        self.worker
            .post_message_with_transfer(&m, &Array::of1(&data.buffer()))
            .map_err(|e| js_detail(&e))
    }

    /// Closes job `job`'s files once everything posted before is written; its first failure.
    pub async fn close(&self, job: u32) -> Result<(), String> {
        let waiting = self.waiting.clone();
        let answered = Promise::new(&mut |resolve, _| {
            waiting.borrow_mut().insert(job, resolve);
        });
        self.worker
            .post_message(&message("close", job))
            .map_err(|e| js_detail(&e))?;
        let error = JsFuture::from(answered).await.unwrap_or(JsValue::NULL);
        // One job per writer: it goes with its job, and with it the memory its messages held
        // (a Worker's heap is freed at once; garbage waits for a collection), and the next job
        // starts a fresh one (a few ms against seconds of decoding).
        self.worker.terminate();
        WRITER.with(|w| w.borrow_mut().take());
        match error.as_string() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

//! Files the user takes away (main thread): an object URL for bytes, and a download of them.

use wasm_bindgen::{JsCast, JsValue};

use crate::error::{AppError, js_detail};

/// An object URL for `bytes` as a `Blob` of type `mime` (the caller revokes it).
pub fn blob_url(bytes: &[u8], mime: &str) -> Result<String, JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    web_sys::Url::create_object_url_with_blob(&blob)
}

/// Offers `bytes` as a download named `file_name`.
pub fn download(bytes: &[u8], file_name: &str, mime: &str) -> Result<(), AppError> {
    let fail = |e: JsValue| AppError::Export {
        detail: js_detail(&e),
    };
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(AppError::Export {
            detail: "no document".into(),
        })?;
    let url = blob_url(bytes, mime).map_err(fail)?;
    let a: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // Revoke once the browser has taken the download.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}

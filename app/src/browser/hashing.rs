//! SHA-256 of a file's bytes: the identity a share link gives each stem, computed by the `sha2`
//! crate (dropped files are hashed by the decode Workers as they read them; see
//! [`crate::browser::decode_worker`]).

use sha2::{Digest, Sha256};

/// SHA-256 of bytes already in Rust.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// SHA-256 of `bytes` by the browser (`crypto.subtle`, several times faster than `sha2` in wasm),
/// with the `Crypto` of the page or Worker; `None` where WebCrypto is not available (not a
/// secure context).
pub async fn web_crypto_sha256(
    crypto: Option<web_sys::Crypto>,
    bytes: &js_sys::Uint8Array,
) -> Option<[u8; 32]> {
    let subtle = crypto?.subtle();
    if subtle.is_undefined() {
        return None;
    }
    let promise = subtle
        .digest_with_str_and_buffer_source("SHA-256", bytes)
        .ok()?;
    let digest =
        js_sys::Uint8Array::new(&wasm_bindgen_futures::JsFuture::from(promise).await.ok()?);
    let mut out = [0; 32];
    (digest.length() == 32).then(|| digest.copy_to(&mut out))?;
    Some(out)
}

/// Lower-case hex, the form stems are stored under.
pub fn hex(digest: &[u8; 32]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(64);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest() {
        // FIPS 180-2 example: SHA-256("abc").
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

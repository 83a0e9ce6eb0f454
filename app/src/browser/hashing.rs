//! SHA-256 of a file's bytes: the identity a share link gives each stem. The digest is computed
//! by the `sha2` crate; the bytes are copied into wasm 4 MiB at a time, so a large file never
//! needs a second whole copy (main thread).

use sha2::{Digest, Sha256};

/// Bytes copied from JS per step.
const CHUNK: u32 = 4 << 20;

/// SHA-256 of a JS `ArrayBuffer`'s bytes.
pub fn sha256_of_buffer(buffer: &js_sys::ArrayBuffer) -> [u8; 32] {
    let len = buffer.byte_length();
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; CHUNK.min(len) as usize];
    let mut at = 0;
    while at < len {
        let n = CHUNK.min(len - at);
        let view = js_sys::Uint8Array::new_with_byte_offset_and_length(buffer, at, n);
        let part = &mut chunk[..n as usize];
        view.copy_to(part);
        hasher.update(&*part);
        at += n;
    }
    hasher.finalize().into()
}

/// SHA-256 of bytes already in Rust.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
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

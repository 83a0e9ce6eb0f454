//! SHA-256 of a file's bytes: the identity a share link gives each stem, computed by the `sha2`
//! crate (dropped files are hashed by the decode Workers as they read them; see
//! [`crate::browser::decode_worker`]).

use sha2::{Digest, Sha256};

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

//! Every session format this build reads, and how a new one is added (plain data, any thread).
//!
//! A stored or shared document names its format version: the byte before the deflated postcard
//! in a share link or autosave record ([`crate::formats::share_link`]), `"version"` in a
//! bundle's `session.json` ([`crate::formats::bundle_document`]). Each version has one frozen
//! struct, `vN::SessionDocVN`, a verbatim copy of the shape that version wrote, which never
//! changes. Reading decodes the body with its version's struct and migrates it one step at a
//! time up to the current [`SessionDoc`] (`V1 → V2 → … → SessionDoc`); then hidden format
//! characters in its text are made visible ([`SessionDoc::reveal_hidden_text`]). Writing always
//! writes [`FORMAT_VERSION`], in [`SessionDoc`]'s own shape, which is the newest frozen
//! struct's.
//!
//! The golden fixtures in `app/tests/fixtures/vN/` (a share link, an autosave record and a
//! session bundle of each version) are opened by the tests in `golden.rs`: they fail when a
//! version's wire shape changes, and when the writer's shape drifts from the newest version's.
//!
//! # Adding version 3 (as version 2, automation lanes, was added)
//!
//! 1. Change [`SessionDoc`] (and its nested types) in `document.rs` as needed.
//! 2. Copy the new shape, nested types included, into `versions/v3.rs` as `SessionDocV3`,
//!    `TrackDocV3`, … with the same "must never change" header as `v1.rs`, and write
//!    `From<SessionDocV3> for SessionDoc` (a field-by-field copy).
//! 3. In `v2.rs`, turn `From<SessionDocV2> for SessionDoc` into `From<SessionDocV2> for
//!    SessionDocV3`: the migration, which gives each new field the value that keeps a version-2
//!    session sounding and reading as it did. Never edit the `…V2` types themselves.
//! 4. Bump [`FORMAT_VERSION`] to 3. In [`from_postcard`] and [`from_json`] add an arm for 3 and
//!    send 1 and 2 through 3: `2 => SessionDoc::from(SessionDocV3::from(take::<SessionDocV2>(raw)?))`,
//!    `1 => … SessionDocV3::from(SessionDocV2::from(take::<SessionDocV1>(raw)?))`.
//! 5. Add fixtures: copy `write_v2_fixtures` in `golden.rs` as `write_v3_fixtures`, run it once
//!    (`cargo test -p app --lib write_v3_fixtures -- --ignored`), check in
//!    `app/tests/fixtures/v3/`, and add golden tests for them. Keep the older fixtures and
//!    their tests: old links and autosaves must still open, now through the migrations.

use core::fmt;

use serde::de::DeserializeOwned;

use crate::formats::document::{FORMAT_VERSION, SessionDoc};

pub mod v1;
pub mod v2;

#[cfg(test)]
mod golden;

/// Why a document's body cannot be read as its version.
#[derive(Clone, Debug, PartialEq)]
pub enum ReadError {
    /// A version no build ever wrote (0).
    Unknown { version: u64 },
    /// A version newer than [`FORMAT_VERSION`]: made by a newer build.
    Future { version: u64 },
    /// The body does not decode as its version's shape (the detail says how).
    Damaged(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Unknown { version } => write!(f, "unknown format {version}"),
            ReadError::Future { version } => write!(
                f,
                "was made by a newer version of Second Ear (session format {version}; this page reads up to format {FORMAT_VERSION}). Reload the page to update it"
            ),
            ReadError::Damaged(detail) => f.write_str(detail),
        }
    }
}

/// A postcard body (inflated) of format `version`, migrated to the current [`SessionDoc`]. Not
/// validated. Refuses stray bytes after the document.
pub fn from_postcard(version: u8, raw: &[u8]) -> Result<SessionDoc, ReadError> {
    let doc = match version {
        1 => SessionDoc::from(v2::SessionDocV2::from(take::<v1::SessionDocV1>(raw)?)),
        2 => SessionDoc::from(take::<v2::SessionDocV2>(raw)?),
        v => return Err(unreadable(v as u64)),
    };
    Ok(finish(doc))
}

/// A bundle's `session` value of format `version`, migrated to the current [`SessionDoc`]. Not
/// validated.
pub fn from_json(version: u64, session: serde_json::Value) -> Result<SessionDoc, ReadError> {
    let doc = match version {
        1 => SessionDoc::from(v2::SessionDocV2::from(json::<v1::SessionDocV1>(session)?)),
        2 => SessionDoc::from(json::<v2::SessionDocV2>(session)?),
        v => return Err(unreadable(v)),
    };
    Ok(finish(doc))
}

/// The error for a version without an arm above.
fn unreadable(version: u64) -> ReadError {
    if version > FORMAT_VERSION as u64 {
        ReadError::Future { version }
    } else {
        ReadError::Unknown { version }
    }
}

/// One version's struct from postcard, with nothing after it.
fn take<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ReadError> {
    let (doc, rest): (T, &[u8]) = postcard::take_from_bytes(raw)
        .map_err(|e| ReadError::Damaged(format!("the session data is corrupt: {e}")))?;
    if !rest.is_empty() {
        return Err(ReadError::Damaged(format!(
            "{} stray bytes after the session",
            rest.len()
        )));
    }
    Ok(doc)
}

/// One version's struct from JSON.
fn json<T: DeserializeOwned>(session: serde_json::Value) -> Result<T, ReadError> {
    serde_json::from_value(session)
        .map_err(|e| ReadError::Damaged(format!("its session.json is damaged ({e})")))
}

/// What every decoded document goes through after its migration.
fn finish(mut doc: SessionDoc) -> SessionDoc {
    doc.reveal_hidden_text();
    doc
}

//! A session bundle's `session.json` (plain data, any thread): the session document as JSON,
//! with its format named, so a person (or a script) opening the zip can read it:
//!
//! ```text
//! { "format": "second-ear-session", "version": 1, "session": { "lineage": …, "name": … } }
//! ```
//!
//! `session` has the field names of the version's frozen shape
//! ([`crate::formats::versions`]); reading migrates it to the current [`SessionDoc`] and
//! validates it. Reading never panics on any bytes, and every refusal is a [`BundleDocError`].

use core::fmt;

use serde::Serialize;

use crate::formats::document::{DocError, FORMAT_VERSION, SessionDoc};
use crate::formats::versions::{self, ReadError};

/// The `format` value that marks a Second Ear session.
pub const BUNDLE_FORMAT: &str = "second-ear-session";

/// What is written: the current document with its format and version.
#[derive(Serialize)]
struct BundleDocument<'a> {
    format: &'a str,
    version: u8,
    session: &'a SessionDoc,
}

/// Why a bundle's `session.json` cannot be opened. `Display` follows "<bundle>: ".
#[derive(Clone, Debug, PartialEq)]
pub enum BundleDocError {
    /// Not JSON (the parser's detail).
    NotJson(String),
    /// JSON, but not marked as a Second Ear session.
    NotASession,
    /// Made by a newer Second Ear.
    FutureVersion { version: u64 },
    /// No version, version 0, or a session that does not have its version's shape.
    Damaged(String),
    /// Decodes, but a value or text is not acceptable.
    Invalid(DocError),
}

impl fmt::Display for BundleDocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleDocError::NotJson(e) => write!(f, "its session.json is not valid JSON ({e})"),
            BundleDocError::NotASession => {
                f.write_str("its session.json is not a Second Ear session")
            }
            BundleDocError::FutureVersion { version } => write!(
                f,
                "it was made by a newer version of Second Ear (session format {version}; this page reads up to format {FORMAT_VERSION}). Reload the page to update it"
            ),
            BundleDocError::Damaged(detail) => f.write_str(detail),
            BundleDocError::Invalid(e) => write!(f, "its session {e}"),
        }
    }
}

impl std::error::Error for BundleDocError {}

/// `session.json` for `doc`, in the current format (pretty-printed).
pub fn bundle_document_json(doc: &SessionDoc) -> Vec<u8> {
    let document = BundleDocument {
        format: BUNDLE_FORMAT,
        version: FORMAT_VERSION,
        session: doc,
    };
    // Serialising plain owned data to a Vec cannot fail.
    serde_json::to_vec_pretty(&document).unwrap_or_default()
}

/// Reads `session.json` from a bundle: the format, its version, and the document's values
/// (migrated from its version and validated).
pub fn parse_bundle_document(bytes: &[u8]) -> Result<SessionDoc, BundleDocError> {
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| BundleDocError::NotJson(e.to_string()))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(BUNDLE_FORMAT) {
        return Err(BundleDocError::NotASession);
    }
    let Some(version) = value.get("version").and_then(|v| v.as_u64()) else {
        return Err(BundleDocError::Damaged(
            "its session.json is damaged (it names no format version)".into(),
        ));
    };
    let session = value
        .get_mut("session")
        .map(serde_json::Value::take)
        .ok_or_else(|| {
            BundleDocError::Damaged("its session.json is damaged (it holds no session)".into())
        })?;
    let doc = versions::from_json(version, session).map_err(|e| match e {
        ReadError::Future { version } => BundleDocError::FutureVersion { version },
        ReadError::Unknown { version } => BundleDocError::Damaged(format!(
            "its session.json is damaged (unknown format {version})"
        )),
        ReadError::Damaged(detail) => BundleDocError::Damaged(detail),
    })?;
    doc.validate().map_err(BundleDocError::Invalid)?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::document::tests::sample_doc;
    use proptest::prelude::*;

    #[test]
    fn a_bundle_document_round_trips_and_names_its_format() {
        let doc = sample_doc();
        let json = bundle_document_json(&doc);
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["format"], BUNDLE_FORMAT);
        assert_eq!(value["version"], FORMAT_VERSION);
        assert_eq!(parse_bundle_document(&json), Ok(doc));
    }

    #[test]
    fn every_value_reads_back_exactly_and_hidden_characters_are_shown() {
        let mut doc = sample_doc();
        // A time whose shortest decimal needs exact parsing to come back as the same f64.
        doc.comments[0].start_s = 186.860_984_420_507_78;
        doc.comments[0].end_s = Some(187.5);
        doc.tracks[0].stem.duration_s = 2.267_573_696_145_124_8e-5;
        assert_eq!(
            parse_bundle_document(&bundle_document_json(&doc)),
            Ok(doc.clone())
        );
        doc.comments[0].author = "Sam\u{202E}".into();
        let opened = parse_bundle_document(&bundle_document_json(&doc)).expect("opens");
        assert_eq!(opened.comments[0].author, "Sam\u{FFFD}");
    }

    #[test]
    fn bad_bundle_documents_get_their_own_typed_errors() {
        let doc = sample_doc();
        let with = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v: serde_json::Value =
                serde_json::from_slice(&bundle_document_json(&doc)).unwrap();
            f(&mut v);
            parse_bundle_document(&serde_json::to_vec(&v).unwrap())
        };
        assert!(matches!(
            parse_bundle_document(b"{not json"),
            Err(BundleDocError::NotJson(_))
        ));
        assert_eq!(
            with(&|v| v["format"] = "something-else".into()),
            Err(BundleDocError::NotASession)
        );
        let future = with(&|v| v["version"] = 7.into());
        assert_eq!(future, Err(BundleDocError::FutureVersion { version: 7 }));
        assert!(
            future
                .unwrap_err()
                .to_string()
                .contains("newer version of Second Ear")
        );
        assert!(matches!(
            with(&|v| v["version"] = 0.into()),
            Err(BundleDocError::Damaged(d)) if d.contains("unknown format 0")
        ));
        assert!(matches!(
            with(&|v| _ = v.as_object_mut().unwrap().remove("version")),
            Err(BundleDocError::Damaged(_))
        ));
        assert!(matches!(
            with(&|v| v["session"]["tracks"] = "none".into()),
            Err(BundleDocError::Damaged(_))
        ));
        assert!(matches!(
            with(&|v| v["session"]["tracks"][0]["id"] = u32::MAX.into()),
            Err(BundleDocError::Invalid(DocError::TrackId { id: u32::MAX }))
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn parse_bundle_document_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            // Whatever it says, it says it with a typed error (or a valid document).
            if let Ok(doc) = parse_bundle_document(&bytes) {
                prop_assert!(doc.validate().is_ok());
            }
        }

        #[test]
        fn parse_bundle_document_never_panics_on_damaged_json(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let mut json = bundle_document_json(&sample_doc());
            for (at, byte) in &flips {
                let at = at.index(json.len());
                json[at] = *byte;
            }
            if let Some(cut) = cut {
                json.truncate(cut.index(json.len()));
            }
            if let Ok(doc) = parse_bundle_document(&json) {
                prop_assert!(doc.validate().is_ok());
            }
        }
    }
}

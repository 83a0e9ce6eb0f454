//! Share links (plain data, any thread): a [`SessionDoc`] in a URL fragment, `#s=<payload>`.
//! Browsers never send the fragment to a server, so the session stays between the two people.
//!
//! Payload = base64url (no padding) of `[format version byte] ++ deflate(postcard(doc))`; an
//! autosave record is the same bytes before base64. The version sits outside the compression so
//! a link from a newer build is recognised before any decoding; an older version is decoded
//! with its own frozen shape and migrated ([`crate::formats::versions`]). Decoding is bounded
//! at every step: the text (64 KB), the inflated size (1 MiB), and the document's own limits
//! ([`SessionDoc::validate`]). It never panics on any input; a property test feeds it arbitrary
//! bytes.

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::formats::document::{DocError, FORMAT_VERSION, SessionDoc};
use crate::formats::versions::{self, ReadError};

/// The fragment key: `#s=…`.
pub const FRAGMENT_PREFIX: &str = "#s=";
/// Longest payload text accepted, bytes (checked before decoding anything).
pub const MAX_LINK_BYTES: usize = 64 * 1024;
/// Largest inflated document, bytes.
pub const MAX_INFLATED_BYTES: usize = 1 << 20;

/// Why a share link cannot be opened. `Display` completes "This share link …".
#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    /// Over [`MAX_LINK_BYTES`].
    TooLong { bytes: usize },
    /// Nothing after `#s=`.
    Empty,
    /// Not base64url text.
    NotBase64 { detail: String },
    /// Made by a newer Second Ear.
    FutureVersion { version: u8 },
    /// The compressed or binary data is cut short or damaged.
    Damaged { detail: String },
    /// Decodes, but a value or text is not acceptable.
    Invalid(DocError),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::TooLong { bytes } => write!(
                f,
                "is {} KB long; share links are at most {} KB, so this is not one Second Ear made",
                bytes.div_ceil(1024),
                MAX_LINK_BYTES / 1024
            ),
            LinkError::Empty => f.write_str("is empty: nothing follows \"#s=\""),
            LinkError::NotBase64 { detail } => write!(
                f,
                "is damaged: it is not valid link text ({detail}). It may have been cut off or edited when it was copied"
            ),
            LinkError::FutureVersion { version } => write!(
                f,
                "was made by a newer version of Second Ear (session format {version}; this page reads up to format {FORMAT_VERSION}). Reload the page to update it"
            ),
            LinkError::Damaged { detail } => write!(
                f,
                "is damaged or incomplete ({detail}). It may have been cut off when it was copied"
            ),
            LinkError::Invalid(e) => write!(f, "cannot be opened: it {e}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// The binary document: version byte, then the deflated postcard encoding.
pub fn to_bytes(doc: &SessionDoc) -> Vec<u8> {
    // Serialising plain owned data to a Vec cannot fail.
    let raw = postcard::to_allocvec(doc).unwrap_or_default();
    let mut out = vec![FORMAT_VERSION];
    out.extend(miniz_oxide::deflate::compress_to_vec(&raw, 10));
    out
}

/// [`to_bytes`] for a document every reader will accept: refused (with why) when it breaks a
/// limit of [`SessionDoc::validate`] or inflates past [`MAX_INFLATED_BYTES`]. Autosave, links
/// and bundles write only what this accepts, so the app never saves what it cannot open.
pub fn to_checked_bytes(doc: &SessionDoc) -> Result<Vec<u8>, DocError> {
    let raw = checked_raw(doc)?;
    let mut out = vec![FORMAT_VERSION];
    out.extend(miniz_oxide::deflate::compress_to_vec(&raw, 10));
    Ok(out)
}

/// Whether [`to_checked_bytes`] would accept `doc` (without compressing it: cheap enough to
/// check every edit that grows a session).
pub fn check_writable(doc: &SessionDoc) -> Result<(), DocError> {
    checked_raw(doc).map(|_| ())
}

/// The uncompressed encoding of a document that passes the limits.
fn checked_raw(doc: &SessionDoc) -> Result<Vec<u8>, DocError> {
    doc.validate()?;
    let raw = postcard::to_allocvec(doc).unwrap_or_default();
    if raw.len() > MAX_INFLATED_BYTES {
        return Err(DocError::TooLarge {
            bytes: raw.len(),
            max: MAX_INFLATED_BYTES,
        });
    }
    Ok(raw)
}

/// Reads and validates a binary document.
pub fn from_bytes(bytes: &[u8]) -> Result<SessionDoc, LinkError> {
    let doc = decode_unvalidated(bytes, MAX_INFLATED_BYTES)?;
    doc.validate().map_err(LinkError::Invalid)?;
    Ok(doc)
}

/// Reads a document the app saved but cannot open any more (over a limit: see
/// [`SessionDoc::trim_to_limits`]), inflating up to 16 MiB, without validating it.
pub fn from_bytes_for_recovery(bytes: &[u8]) -> Result<SessionDoc, LinkError> {
    decode_unvalidated(bytes, 16 << 20)
}

fn decode_unvalidated(bytes: &[u8], max_inflated: usize) -> Result<SessionDoc, LinkError> {
    let (&version, body) = bytes.split_first().ok_or(LinkError::Empty)?;
    if version > FORMAT_VERSION {
        return Err(LinkError::FutureVersion { version });
    }
    if version == 0 {
        return Err(LinkError::Damaged {
            detail: "unknown format 0".into(),
        });
    }
    let raw =
        miniz_oxide::inflate::decompress_to_vec_with_limit(body, max_inflated).map_err(|e| {
            LinkError::Damaged {
                detail: match e.status {
                    miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                        format!("it inflates past {} KB", max_inflated / 1024)
                    }
                    miniz_oxide::inflate::TINFLStatus::FailedCannotMakeProgress => {
                        "the compressed data ends early".to_string()
                    }
                    s => format!("the compressed data is corrupt: {s:?}"),
                },
            }
        })?;
    // Decoded with its version's frozen shape, then migrated to the current one.
    versions::from_postcard(version, &raw).map_err(|e| match e {
        ReadError::Future { .. } => LinkError::FutureVersion { version },
        e => LinkError::Damaged {
            detail: e.to_string(),
        },
    })
}

/// The payload text for a link (what follows `#s=`).
pub fn encode(doc: &SessionDoc) -> String {
    URL_SAFE_NO_PAD.encode(to_bytes(doc))
}

/// Decodes payload text (what follows `#s=`), refusing anything over [`MAX_LINK_BYTES`] before
/// looking at it.
pub fn decode(payload: &str) -> Result<SessionDoc, LinkError> {
    if payload.len() > MAX_LINK_BYTES {
        return Err(LinkError::TooLong {
            bytes: payload.len(),
        });
    }
    let payload = payload.trim();
    if payload.is_empty() {
        return Err(LinkError::Empty);
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|e| match e {
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidLastSymbol(..) => {
            LinkError::Damaged {
                detail: "the link text ends early".into(),
            }
        }
        e => LinkError::NotBase64 {
            detail: e.to_string(),
        },
    })?;
    from_bytes(&bytes)
}

/// The payload of a URL fragment (`location.hash`) when it is a share link.
pub fn payload_of(hash: &str) -> Option<&str> {
    hash.strip_prefix(FRAGMENT_PREFIX)
}

/// A full share URL: the page's address without any fragment, then `#s=` and the payload.
pub fn share_url(page_url: &str, doc: &SessionDoc) -> String {
    let base = page_url.split('#').next().unwrap_or(page_url);
    format!("{base}{FRAGMENT_PREFIX}{}", encode(doc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::document::{Comment, StemIdentity, TargetDoc, TrackDoc};
    use dsp_worklet::params::ParamId;
    use proptest::prelude::*;

    fn session(tracks: usize, comments: usize) -> SessionDoc {
        let names = [
            "Kick", "Snare", "Hats", "OH L", "OH R", "Toms", "Bass DI", "Bass Amp", "Gtr L",
            "Gtr R", "Keys", "Pad", "Lead Vox", "BV 1", "BV 2", "FX",
        ];
        SessionDoc {
            deleted_comments: vec![7, 8, 9],
            lineage: 0x9e37_79b9_7f4a_7c15,
            name: "Late Night Demo v3".into(),
            sample_rate: 48_000.0,
            target: TargetDoc {
                name: "Spotify".into(),
                lufs: -14.0,
                ceiling: -1.0,
            },
            loop_region: Some((1_440_000, 2_880_000)),
            loop_on: true,
            master: vec![
                (ParamId::MasterGain as u16, -1.5),
                (ParamId::LimOn as u16, 1.0),
                (ParamId::LimInput as u16, 4.25),
            ],
            tracks: (0..tracks)
                .map(|i| TrackDoc {
                    id: i as u32 + 1,
                    stem: StemIdentity {
                        file_name: format!("{}.wav", names[i % names.len()]),
                        duration_s: 213.4,
                        channels: 2,
                        sample_rate: 48_000.0,
                        // SHA-256 digests are incompressible: make these look like them.
                        sha256: core::array::from_fn(|k| {
                            ((i * 131 + k * 197 + 89) ^ (k * i * 61)) as u8
                        }),
                    },
                    // A mixed strip: fader, pan, HP, two EQ bands, compressor, a send.
                    params: vec![
                        (ParamId::Gain as u16, -4.5 - i as f32 * 0.25),
                        (ParamId::Pan as u16, (i as f32 * 13.0) % 100.0 - 50.0),
                        (ParamId::HpOn as u16, 1.0),
                        (ParamId::HpFreq as u16, 80.0 + i as f32),
                        (ParamId::Eq2Gain as u16, 2.5),
                        (ParamId::Eq2Freq as u16, 2_500.0),
                        (ParamId::CompOn as u16, 1.0),
                        (ParamId::CompThreshold as u16, -18.0),
                        (ParamId::CompRatio as u16, 4.0),
                        (ParamId::Send1Level as u16, -12.0),
                    ],
                    lanes: vec![],
                })
                .collect(),
            master_lanes: vec![],
            comments: (0..comments)
                .map(|i| Comment {
                    id: 0x5eed_0000 + i as u64,
                    start_s: 10.0 + i as f64 * 7.3,
                    end_s: (i % 3 == 0).then_some(14.0 + i as f64 * 7.3),
                    author: if i % 2 == 0 { "Alex" } else { "Sam" }.into(),
                    text: format!("bar {}: vocal a touch loud", 4 + i * 8),
                })
                .collect(),
        }
    }

    #[test]
    fn only_documents_every_reader_accepts_are_written_and_old_ones_can_be_recovered() {
        let full = session(4, MAX_COMMENTS_FOR_TEST);
        let bytes = to_checked_bytes(&full).expect("2000 comments are allowed");
        assert_eq!(from_bytes(&bytes).expect("and read back"), full);
        let mut over = session(4, MAX_COMMENTS_FOR_TEST + 1);
        assert!(matches!(
            to_checked_bytes(&over),
            Err(DocError::TooMany {
                what: "comments",
                count: 2001,
                ..
            })
        ));
        // A document an older build saved over the limit: refused as it is, readable for
        // recovery, and cut to the limits it opens.
        let unchecked = to_bytes(&over);
        assert!(from_bytes(&unchecked).is_err());
        let mut recovered = from_bytes_for_recovery(&unchecked).expect("readable for recovery");
        assert_eq!(recovered, over);
        assert_eq!(
            recovered.trim_to_limits(),
            vec!["the last 1 comments on the timeline"]
        );
        over.comments.truncate(MAX_COMMENTS_FOR_TEST);
        assert_eq!(recovered, over);
        assert!(to_checked_bytes(&recovered).is_ok());
        // Long comments: under the count, over the size a reader inflates.
        let mut big = session(1, 600);
        for c in &mut big.comments {
            c.text = "x".repeat(1990);
        }
        assert!(big.validate().is_ok());
        assert!(matches!(
            to_checked_bytes(&big),
            Err(DocError::TooLarge { .. })
        ));
    }

    const MAX_COMMENTS_FOR_TEST: usize = crate::formats::document::MAX_COMMENTS;

    #[test]
    fn a_document_with_hidden_characters_opens_with_them_shown() {
        // Written by a build that let them in: refused as it is, but it opens, shown.
        let mut d = session(1, 1);
        d.name = "Demo\u{202E}3v".into();
        d.comments[0].text = "\u{200B}vox\u{2066} up".into();
        assert!(d.validate().is_err());
        for opened in [decode(&encode(&d)), from_bytes(&to_bytes(&d))] {
            let opened = opened.expect("opens");
            assert_eq!(opened.name, "Demo\u{FFFD}3v");
            assert_eq!(opened.comments[0].text, "\u{FFFD}vox\u{FFFD} up");
        }
        let recovered = from_bytes_for_recovery(&to_bytes(&d)).expect("opens");
        assert_eq!(recovered.name, "Demo\u{FFFD}3v");
    }

    #[test]
    fn round_trip_is_exact() {
        let doc = session(16, 20);
        assert_eq!(decode(&encode(&doc)), Ok(doc.clone()));
        let url = share_url("http://127.0.0.1:8080/?x=1#old", &doc);
        assert!(url.starts_with("http://127.0.0.1:8080/?x=1#s="));
        assert_eq!(
            decode(payload_of(&url[url.find('#').unwrap()..]).unwrap()),
            Ok(doc)
        );
    }

    #[test]
    fn a_16_track_session_with_20_comments_is_about_2_kb() {
        let len = encode(&session(16, 20)).len();
        eprintln!("16 tracks, 20 comments: {len} bytes of link payload");
        // 16 SHA-256 digests alone are 512 bytes (683 in base64) and do not compress.
        assert!(len < 2_600, "link payload is {len} bytes");
    }

    /// The size case: 16 tracks, each with 10 lanes of 50 points (values as a drag
    /// leaves them: any f32 in range, times anywhere in a 4-minute song).
    #[test]
    fn sixteen_tracks_with_ten_lanes_of_fifty_points_fit_a_link() {
        use crate::formats::document::LaneDoc;
        let params = [
            ParamId::Gain,
            ParamId::Pan,
            ParamId::Send1Level,
            ParamId::Send2Level,
            ParamId::Eq2Gain,
            ParamId::Eq3Gain,
            ParamId::HpFreq,
            ParamId::CompThreshold,
            ParamId::Trim,
            ParamId::Mute,
        ];
        let mut d = session(16, 20);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for t in &mut d.tracks {
            t.lanes = params
                .iter()
                .map(|p| {
                    LaneDoc {
                        param: *p as u16,
                        mode: 1,
                        points: (0..50)
                            .map(|_| {
                                // Up to 4.8 s apart (50 points over a 4-minute song).
                                let steps = (next() * 7_200.0) as u64;
                                let last = crate::model::automation::last_step(*p);
                                let travel = (next() * last as f64) as u16;
                                (steps, travel << 2 | (next() * 3.0) as u16)
                            })
                            .collect(),
                    }
                })
                .collect();
        }
        assert_eq!(d.validate(), Ok(()));
        let len = encode(&d).len();
        eprintln!("16 tracks × 10 lanes × 50 points: {len} bytes of link payload");
        assert_eq!(decode(&encode(&d)), Ok(d.clone()));
        // Random times and values are the worst case (drawn and written lanes repeat values
        // and compress further): 40,294 bytes when this was written.
        assert!(len < 42_000, "link payload is {len} bytes");
    }

    #[test]
    fn bad_links_get_their_own_messages() {
        let good = encode(&session(2, 2));
        // Truncated: cut in the middle.
        for cut in [
            &good[..good.len() / 2],
            &good[..good.len() / 2 + 1],
            &good[..good.len() - 1],
        ] {
            assert!(
                matches!(decode(cut), Err(LinkError::Damaged { .. })),
                "{:?}",
                decode(cut)
            );
        }
        // Corrupted: a character that is not base64url.
        let mut bad = good.clone();
        bad.replace_range(5..6, "*");
        assert!(matches!(decode(&bad), Err(LinkError::NotBase64 { .. })));
        // Oversized: refused before decoding.
        let huge = "A".repeat(MAX_LINK_BYTES + 1);
        assert_eq!(
            decode(&huge),
            Err(LinkError::TooLong {
                bytes: MAX_LINK_BYTES + 1
            })
        );
        assert!(decode(&huge).unwrap_err().to_string().contains("64 KB"));
        // From a future version.
        let mut bytes = to_bytes(&session(1, 0));
        bytes[0] = FORMAT_VERSION + 1;
        let future = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(
            decode(&future),
            Err(LinkError::FutureVersion {
                version: FORMAT_VERSION + 1
            })
        );
        // NaN inside.
        let mut d = session(1, 0);
        d.tracks[0].params[0].1 = f32::NAN;
        let e = decode(&encode(&d)).unwrap_err();
        assert!(
            matches!(e, LinkError::Invalid(_)) && e.to_string().contains("NaN"),
            "{e}"
        );
        // Markup inside.
        let mut d = session(1, 1);
        d.comments[0].text = "<script>alert(1)</script>".into();
        assert!(
            decode(&encode(&d))
                .unwrap_err()
                .to_string()
                .contains("markup")
        );
        // Empty.
        assert_eq!(decode(""), Err(LinkError::Empty));
        // A deflate bomb: a small link that inflates past the limit.
        let zeros = vec![0u8; MAX_INFLATED_BYTES * 4];
        let mut bomb = vec![FORMAT_VERSION];
        bomb.extend(miniz_oxide::deflate::compress_to_vec(&zeros, 10));
        let bomb = URL_SAFE_NO_PAD.encode(&bomb);
        assert!(bomb.len() < MAX_LINK_BYTES);
        assert!(
            decode(&bomb)
                .unwrap_err()
                .to_string()
                .contains("inflates past")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = from_bytes(&bytes);
            let mut v = vec![FORMAT_VERSION];
            v.extend(miniz_oxide::deflate::compress_to_vec(&bytes, 1));
            let _ = from_bytes(&v);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,400}") {
            let _ = decode(&text);
        }

        #[test]
        fn damaged_links_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
            let mut bytes = to_bytes(&session(3, 3));
            for (at, x) in flips {
                let i = at % bytes.len();
                bytes[i] ^= x;
            }
            let n = bytes.len();
            bytes.truncate(1 + cut % n);
            if let Ok(doc) = from_bytes(&bytes) {
                // Whatever survives decoding passed validation.
                prop_assert!(doc.validate().is_ok());
            }
            // Raw postcard, not compressed: hits the deserialiser directly.
            let raw = postcard::to_allocvec(&session(2, 2)).unwrap();
            let mut v = vec![FORMAT_VERSION];
            v.extend(miniz_oxide::deflate::compress_to_vec(&raw[..(cut % raw.len())], 1));
            let _ = from_bytes(&v);
        }
    }
}

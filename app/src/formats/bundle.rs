//! Session bundles (plain data, any thread): one `.zip` holding a session document and the
//! stems' original files. "Download session" writes one; dropping it onto the app restores the
//! session.
//!
//! Layout:
//!
//! ```text
//! session.json          the session document as JSON (formats::bundle_document), deflated
//! stems/<file name>     each stem's original file, byte for byte, stored (audio does not compress)
//! ```
//!
//! Reading is defensive, because a bundle is a file from anywhere: the declared sizes are
//! checked against [`MAX_TOTAL_BYTES`] and [`MAX_DOCUMENT_BYTES`] from the central directory
//! before anything is unpacked, and each entry is unpacked through a limit of its declared size,
//! so a zip bomb is refused instead of filling the tab's memory. Entry names that could escape a
//! folder (absolute, `..`) are refused although nothing is ever extracted to disk: a bundle that
//! holds one was not written by Second Ear. Entries the bundle has no use for (`__MACOSX/`,
//! directories, hidden files such as `.DS_Store`) are ignored.

use crate::formats::file_name::Refused;
use std::collections::HashSet;
use std::fmt;
use std::io::{Cursor, Read, Write};

use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// Name of the session document inside a bundle.
pub const DOCUMENT_ENTRY: &str = "session.json";
/// Folder of the stems inside a bundle.
pub const STEMS_DIR: &str = "stems/";
/// Largest total uncompressed size a bundle may claim: 1 GiB. Opening one holds the zip and its
/// unpacked entries in wasm memory at once (besides the decoded audio), under wasm32's 4 GiB.
pub const MAX_TOTAL_BYTES: u64 = 1 << 30;
/// Most stem entries a bundle may hold: as many as a session has tracks.
pub const MAX_STEMS: usize = crate::formats::document::MAX_TRACKS;
/// Largest session document entry: 1 MiB.
pub const MAX_DOCUMENT_BYTES: u64 = 1 << 20;

/// Longest entry name quoted in an error message, in characters.
const MAX_QUOTED_NAME_CHARS: usize = 120;
/// Deflate cannot expand data by more than about 1032:1, so no deflated entry can fill more.
const MAX_DEFLATE_RATIO: u64 = 1032;
/// File name of a stem whose name is empty once made safe.
const FALLBACK_STEM_NAME: &str = "stem";

/// A bundle's contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// The session document's bytes, exactly as written.
    pub document: Vec<u8>,
    /// The stems, in the bundle's order.
    pub stems: Vec<BundledStem>,
}

/// One stem's original file inside a bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct BundledStem {
    /// The file name: the entry name after `stems/`.
    pub file_name: String,
    /// The original file's bytes.
    pub bytes: Vec<u8>,
}

/// Everything that can be wrong with a bundle. `Display` gives a sentence a musician understands,
/// without the bundle's file name: the caller prefixes "<file>: ".
#[derive(Debug, Clone, PartialEq)]
pub enum BundleError {
    /// The bytes are not a zip file at all.
    NotZip,
    /// The zip is damaged (truncated, corrupt, or a checksum failed); the detail is the zip
    /// reader's.
    Damaged(String),
    /// The zip holds no `session.json`.
    NoDocument,
    /// The session document is larger than the limit (declared size, in bytes).
    DocumentTooLarge { bytes: u64, limit: u64 },
    /// The entries to unpack declare more bytes in total than the limit.
    TooLarge { bytes: u64, limit: u64 },
    /// An entry unpacks to more than its declared size: a zip bomb, or damage.
    SizeMismatch { entry: String, declared: u64 },
    /// An entry's name is absolute or climbs out of its folder with `..`.
    UnsafePath(String),
    /// An entry is encrypted.
    Encrypted(String),
    /// An entry uses a compression method other than stored or deflate.
    UnsupportedCompression { entry: String, method: String },
    /// More stem entries than a session can have tracks.
    TooManyStems { count: usize, limit: usize },
    /// Two stem entries with one name (ignoring case): which one a strip means is unclear.
    DuplicateStem(String),
    /// Writing: the document and stems add up to more than the limit.
    TooLargeToWrite { bytes: u64, limit: u64 },
    /// Writing: the zip writer failed.
    WriteFailed(String),
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotZip => f.write_str("is not a zip file"),
            Self::TooManyStems { count, limit } => write!(
                f,
                "holds {count} stems; a session has at most {limit} tracks"
            ),
            Self::DuplicateStem(name) => {
                write!(
                    f,
                    "holds two stems named “{name}”, so which is which is unclear"
                )
            }
            Self::Damaged(detail) => write!(f, "is damaged: {detail}"),
            Self::NoDocument => write!(
                f,
                "has no {DOCUMENT_ENTRY}, so it is not a Second Ear session bundle"
            ),
            Self::DocumentTooLarge { bytes, limit } => write!(
                f,
                "has a {} session document, more than the {} a session document may be",
                human_size(*bytes),
                human_size(*limit)
            ),
            Self::TooLarge { bytes, limit } => write!(
                f,
                "claims {} of contents, more than the {} a browser tab can hold",
                human_size(*bytes),
                human_size(*limit)
            ),
            Self::SizeMismatch { entry, declared } => write!(
                f,
                "holds an entry ({entry}) that unpacks to more than the {} it declares, \
                 so the file is damaged or deliberately malformed",
                human_size(*declared)
            ),
            Self::UnsafePath(entry) => write!(f, "holds an entry with an unsafe path ({entry})"),
            Self::Encrypted(entry) => write!(
                f,
                "holds an encrypted entry ({entry}), which Second Ear cannot open"
            ),
            Self::UnsupportedCompression { entry, method } => write!(
                f,
                "holds an entry ({entry}) packed with {method} compression, which Second Ear \
                 cannot unpack; zip it again with standard (deflate) compression"
            ),
            Self::TooLargeToWrite { bytes, limit } => write!(
                f,
                "would hold {}, more than the {} a browser tab can hold; remove some stems and \
                 try again",
                human_size(*bytes),
                human_size(*limit)
            ),
            Self::WriteFailed(detail) => write!(f, "could not be written: {detail}"),
        }
    }
}

impl std::error::Error for BundleError {}

/// Writes a bundle: the document deflated, the stems stored (audio files do not compress;
/// storing is fast). Stem entries are `stems/<file_name>`. File names are reduced to their last
/// path component and stripped of control characters, of `/ \ :`, of surrounding whitespace and
/// of leading dots (which [`read`] would take for hidden files), so the entry name is safe; an
/// empty result becomes "stem". Duplicate file names (compared ignoring case, as macOS and
/// Windows do when the zip is unpacked) get " (2)", " (3)" before the extension, so none is lost.
///
/// Refuses what [`read`] would refuse: a document over [`MAX_DOCUMENT_BYTES`], or a total over
/// [`MAX_TOTAL_BYTES`].
pub fn write(document: &[u8], stems: &[(&str, &[u8])]) -> Result<Vec<u8>, BundleError> {
    let document_bytes = document.len() as u64;
    if document_bytes > MAX_DOCUMENT_BYTES {
        return Err(BundleError::DocumentTooLarge {
            bytes: document_bytes,
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    let total = stems.iter().fold(document_bytes, |sum, (_, bytes)| {
        sum.saturating_add(bytes.len() as u64)
    });
    if total > MAX_TOTAL_BYTES {
        return Err(BundleError::TooLargeToWrite {
            bytes: total,
            limit: MAX_TOTAL_BYTES,
        });
    }

    // Stems are stored, so the zip is their size plus headers (and the deflated document).
    let capacity = total.saturating_add(256 * (stems.len() as u64 + 1));
    let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(capacity)));

    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .unix_permissions(0o644);

    zip.start_file(DOCUMENT_ENTRY, deflated)
        .map_err(write_failed)?;
    zip.write_all(document)
        .map_err(|error| BundleError::WriteFailed(error.to_string()))?;

    let mut used = HashSet::new();
    for (name, bytes) in stems {
        let file_name = unique_name(&safe_file_name(name), &mut used);
        zip.start_file(format!("{STEMS_DIR}{file_name}"), stored)
            .map_err(write_failed)?;
        zip.write_all(bytes)
            .map_err(|error| BundleError::WriteFailed(error.to_string()))?;
    }

    let cursor = zip.finish().map_err(write_failed)?;
    Ok(cursor.into_inner())
}

/// Reads a bundle.
///
/// Rejects, with a specific [`BundleError`]: bytes that are not a zip; a zip without
/// `session.json`; a document over [`MAX_DOCUMENT_BYTES`]; entries to unpack whose declared
/// sizes sum over [`MAX_TOTAL_BYTES`] (checked from the central directory before anything is
/// unpacked); an entry that unpacks to more than its declared size (or less: damage); any entry
/// name that is absolute or has a `..` component; encrypted entries; compression other than
/// stored or deflate.
///
/// Ignores directories, entries outside `stems/` other than the document (such as macOS's
/// `__MACOSX/`), and stems whose names start with '.'. The stems come in the zip's order; a
/// stem's `file_name` is the part of its entry name after `stems/`.
pub fn read(bytes: &[u8]) -> Result<Bundle, BundleError> {
    read_with_limits(bytes, MAX_TOTAL_BYTES, MAX_DOCUMENT_BYTES)
}

/// An entry [`read_with_limits`] will unpack, as its central directory describes it.
struct Wanted {
    index: usize,
    name: String,
    declared: u64,
    encrypted: bool,
    compression: CompressionMethod,
}

/// [`read`] with the size limits as parameters, so tests can exercise them with small bundles.
fn read_with_limits(
    bytes: &[u8],
    max_total: u64,
    max_document: u64,
) -> Result<Bundle, BundleError> {
    // Every zip starts with a "PK" record (a local header, or the end record of an empty zip).
    if !bytes.starts_with(b"PK") {
        return Err(BundleError::NotZip);
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;

    // First pass: the central directory only. Nothing is unpacked until every check has passed.
    let mut document: Option<Wanted> = None;
    let mut stems: Vec<Wanted> = Vec::new();
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(damaged)?;
        let name = entry.name().to_owned();
        if is_unsafe_path(&name) {
            return Err(BundleError::UnsafePath(quoted(&name)));
        }
        let wanted = Wanted {
            index,
            name,
            declared: entry.size(),
            encrypted: entry.encrypted(),
            compression: entry.compression(),
        };
        if entry.is_dir() {
            continue;
        }
        if wanted.name == DOCUMENT_ENTRY {
            document = Some(wanted);
        } else if let Some(file_name) = wanted.name.strip_prefix(STEMS_DIR)
            && !is_hidden(file_name)
        {
            stems.push(wanted);
        }
    }
    let document = document.ok_or(BundleError::NoDocument)?;
    if stems.len() > MAX_STEMS {
        return Err(BundleError::TooManyStems {
            count: stems.len(),
            limit: MAX_STEMS,
        });
    }
    let mut names = HashSet::new();
    for stem in &stems {
        if !names.insert(stem.name.to_lowercase()) {
            return Err(BundleError::DuplicateStem(quoted(
                &stem.name[STEMS_DIR.len()..],
            )));
        }
    }

    for wanted in std::iter::once(&document).chain(&stems) {
        if wanted.encrypted {
            return Err(BundleError::Encrypted(quoted(&wanted.name)));
        }
        if !matches!(
            wanted.compression,
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(BundleError::UnsupportedCompression {
                entry: quoted(&wanted.name),
                method: method_name(wanted.compression),
            });
        }
    }
    if document.declared > max_document {
        return Err(BundleError::DocumentTooLarge {
            bytes: document.declared,
            limit: max_document,
        });
    }
    let total = stems.iter().fold(document.declared, |sum, stem| {
        sum.saturating_add(stem.declared)
    });
    if total > max_total {
        return Err(BundleError::TooLarge {
            bytes: total,
            limit: max_total,
        });
    }

    // Second pass: unpack, each entry through a limit of its declared size.
    let document_bytes = unpack(&mut archive, &document, bytes.len())?;
    let mut bundled = Vec::with_capacity(stems.len());
    for stem in &stems {
        let stem_bytes = unpack(&mut archive, stem, bytes.len())?;
        let file_name = stem.name[STEMS_DIR.len()..].to_owned();
        bundled.push(BundledStem {
            file_name,
            bytes: stem_bytes,
        });
    }
    Ok(Bundle {
        document: document_bytes,
        stems: bundled,
    })
}

/// Unpacks one entry, refusing it if it holds more or fewer bytes than it declares.
fn unpack(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    wanted: &Wanted,
    bundle_len: usize,
) -> Result<Vec<u8>, BundleError> {
    let entry = archive.by_index(wanted.index).map_err(damaged)?;
    // Reserve no more than the entry could possibly fill: the declared size may be a lie.
    let available = entry.compressed_size().min(bundle_len as u64);
    let ratio = if wanted.compression == CompressionMethod::Stored {
        1
    } else {
        MAX_DEFLATE_RATIO
    };
    let hint = wanted.declared.min(available.saturating_mul(ratio));
    let mut out = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    entry
        .take(wanted.declared.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|error| {
            BundleError::Damaged(format!(
                "{} cannot be unpacked ({error})",
                quoted(&wanted.name)
            ))
        })?;
    let unpacked = out.len() as u64;
    if unpacked > wanted.declared {
        return Err(BundleError::SizeMismatch {
            entry: quoted(&wanted.name),
            declared: wanted.declared,
        });
    }
    if unpacked < wanted.declared {
        return Err(BundleError::Damaged(format!(
            "{} is shorter than its header says",
            quoted(&wanted.name)
        )));
    }
    Ok(out)
}

/// Whether an entry name is absolute (`/x`, `\x`, `C:x`), has a `..` component or a NUL.
fn is_unsafe_path(name: &str) -> bool {
    let mut chars = name.chars();
    let drive_letter = matches!(
        (chars.next(), chars.next()),
        (Some(letter), Some(':')) if letter.is_ascii_alphabetic()
    );
    name.starts_with(['/', '\\'])
        || drive_letter
        || name.contains('\0')
        || name.split(['/', '\\']).any(|component| component == "..")
}

/// Whether a stem's file name is a hidden file (its last component starts with '.').
fn is_hidden(file_name: &str) -> bool {
    file_name
        .rsplit(['/', '\\'])
        .next()
        .is_some_and(|last| last.starts_with('.'))
}

/// An entry name fit for an error message: control characters replaced, length capped.
fn quoted(name: &str) -> String {
    let mut shown: String = name
        .chars()
        .take(MAX_QUOTED_NAME_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if name.chars().count() > MAX_QUOTED_NAME_CHARS {
        shown.push('…');
    }
    shown
}

/// A compression method's everyday name.
fn method_name(method: CompressionMethod) -> String {
    #[allow(deprecated)] // The zip crate offers no other way to get at the method's number.
    let code = method.to_u16();
    match code {
        9 => "Deflate64".to_owned(),
        12 => "bzip2".to_owned(),
        14 => "LZMA".to_owned(),
        93 => "Zstandard".to_owned(),
        95 => "XZ".to_owned(),
        98 => "PPMd".to_owned(),
        99 => "AES".to_owned(),
        other => format!("an unusual (number {other})"),
    }
}

/// A stem's file name made safe for an entry name (see [`write`]): its last path component,
/// through the one sanitiser.
fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    crate::formats::file_name::safe_file_name(last, Refused::Drop, FALLBACK_STEM_NAME)
}

/// `name`, or `name` with " (2)", " (3)"… before its extension if already used (ignoring case).
fn unique_name(name: &str, used: &mut HashSet<String>) -> String {
    let (base, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    };
    let mut candidate = name.to_owned();
    let mut number = 2u64;
    while !used.insert(candidate.to_lowercase()) {
        candidate = format!("{base} ({number}){extension}");
        number += 1;
    }
    candidate
}

/// A size in bytes for a sentence: "812 bytes", "1.5 MB", "3 GB" (binary units, one decimal).
fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    for (unit, label) in UNITS {
        if bytes >= unit {
            let value = format!("{:.1}", bytes as f64 / unit as f64);
            let value = value.strip_suffix(".0").unwrap_or(&value);
            return format!("{value} {label}");
        }
    }
    if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

/// A zip reader error as damage; i/o errors keep their own detail.
fn damaged(error: ZipError) -> BundleError {
    match error {
        ZipError::Io(io) => BundleError::Damaged(io.to_string()),
        other => BundleError::Damaged(other.to_string()),
    }
}

/// A zip writer error.
fn write_failed(error: ZipError) -> BundleError {
    match error {
        ZipError::Io(io) => BundleError::WriteFailed(io.to_string()),
        other => BundleError::WriteFailed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A small stand-in for an audio file: deterministic noise, which does not compress.
    fn noise(len: usize, seed: u32) -> Vec<u8> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect()
    }

    fn sample_bundle() -> Vec<u8> {
        let a = noise(3000, 1);
        let b = noise(2000, 2);
        write(b"{\"version\":1}", &[("a.wav", &a), ("b.flac", &b)]).expect("writes")
    }

    /// A zip made with the zip crate directly: `(name, bytes, method)`; a name ending in '/'
    /// becomes a directory.
    fn raw_zip(entries: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes, method) in entries {
            let options = SimpleFileOptions::default().compression_method(*method);
            if name.ends_with('/') {
                zip.add_directory(*name, options).expect("directory");
            } else {
                zip.start_file(*name, options).expect("entry");
                zip.write_all(bytes).expect("bytes");
            }
        }
        zip.finish().expect("finish").into_inner()
    }

    const DOC: (&str, &[u8], CompressionMethod) =
        (DOCUMENT_ENTRY, b"{}", CompressionMethod::Deflated);

    /// Overwrites a field of entry `name` in both its local header (at `local_offset`) and its
    /// central directory record (at `central_offset`).
    fn patch_entry(
        zip: &mut [u8],
        name: &str,
        local_offset: usize,
        central_offset: usize,
        value: &[u8],
    ) {
        let field = |zip: &[u8], at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]) as usize;
        let mut patched = 0;
        for at in 0..zip.len() {
            let (offset, name_len_at, name_at) = if zip[at..].starts_with(b"PK\x03\x04") {
                (local_offset, 26, 30)
            } else if zip[at..].starts_with(b"PK\x01\x02") {
                (central_offset, 28, 46)
            } else {
                continue;
            };
            if at + name_at > zip.len() {
                continue;
            }
            let name_len = field(zip, at + name_len_at);
            if zip.get(at + name_at..at + name_at + name_len) == Some(name.as_bytes()) {
                zip[at + offset..at + offset + value.len()].copy_from_slice(value);
                patched += 1;
            }
        }
        assert_eq!(patched, 2, "{name} has a local header and a central record");
    }

    #[test]
    fn round_trip_keeps_bytes_names_and_order() {
        let document = br#"{"version":1,"stems":["a","b","a again"]}"#.to_vec();
        let a = noise(5000, 1);
        let b = noise(4000, 2);
        let a_again = noise(3000, 3);
        let zip = write(
            &document,
            &[("a.wav", &a), ("b.flac", &b), ("a.wav", &a_again)],
        )
        .expect("writes");
        let bundle = read(&zip).expect("reads");
        assert_eq!(bundle.document, document);
        let expected = vec![
            BundledStem {
                file_name: "a.wav".into(),
                bytes: a,
            },
            BundledStem {
                file_name: "b.flac".into(),
                bytes: b,
            },
            BundledStem {
                file_name: "a (2).wav".into(),
                bytes: a_again,
            },
        ];
        assert_eq!(bundle.stems, expected);
    }

    #[test]
    fn round_trip_without_stems_and_with_empty_files() {
        let zip = write(b"", &[]).expect("writes");
        assert_eq!(
            read(&zip),
            Ok(Bundle {
                document: Vec::new(),
                stems: Vec::new()
            })
        );
        let zip = write(b"{}", &[("silence.wav", &[])]).expect("writes");
        let bundle = read(&zip).expect("reads");
        assert_eq!(bundle.stems.len(), 1);
        assert!(bundle.stems[0].bytes.is_empty());
    }

    #[test]
    fn document_is_deflated_and_stems_are_stored() {
        let document = vec![b'x'; 10_000];
        let stem = noise(1000, 4);
        let zip = write(&document, &[("a.wav", &stem)]).expect("writes");
        let mut archive = ZipArchive::new(Cursor::new(&zip[..])).expect("zip");
        let names: Vec<&str> = archive.file_names().collect();
        assert_eq!(names, [DOCUMENT_ENTRY, "stems/a.wav"]);
        let doc = archive.by_name(DOCUMENT_ENTRY).expect("document");
        assert_eq!(doc.compression(), CompressionMethod::Deflated);
        assert!(doc.compressed_size() < 1000);
        drop(doc);
        let stem = archive.by_name("stems/a.wav").expect("stem");
        assert_eq!(stem.compression(), CompressionMethod::Stored);
    }

    #[test]
    fn file_names_are_made_safe_and_unique() {
        let names = [
            "../../etc/a.wav",
            "C:\\Users\\me\\b.wav",
            "c:d\u{7}e\n.wav",
            ".hidden.wav",
            "..",
            "",
            "  spaced.wav  ",
            "A.WAV",
            "a (2).wav",
            "a.wav",
            "noext",
            "noext",
        ];
        let stems: Vec<(&str, &[u8])> = names.iter().map(|name| (*name, &b"x"[..])).collect();
        let zip = write(b"{}", &stems).expect("writes");
        let bundle = read(&zip).expect("reads");
        let file_names: Vec<&str> = bundle
            .stems
            .iter()
            .map(|stem| stem.file_name.as_str())
            .collect();
        assert_eq!(
            file_names,
            [
                "a.wav",
                "b.wav",
                "cde.wav",
                "hidden.wav",
                "stem",
                "stem (2)",
                "spaced.wav",
                "A (2).WAV",
                "a (2) (2).wav",
                "a (3).wav",
                "noext",
                "noext (2)",
            ]
        );
    }

    #[test]
    fn ignores_macos_folders_directories_and_hidden_files() {
        let zip = raw_zip(&[
            ("__MACOSX/", b"", CompressionMethod::Stored),
            ("__MACOSX/x", b"resource fork", CompressionMethod::Stored),
            ("__MACOSX/stems/._a.wav", b"fork", CompressionMethod::Stored),
            DOC,
            ("stems/", b"", CompressionMethod::Stored),
            ("stems/sub/", b"", CompressionMethod::Stored),
            ("stems/.DS_Store", b"finder", CompressionMethod::Stored),
            ("stems/a.wav", b"RIFF", CompressionMethod::Stored),
            ("notes.txt", b"hello", CompressionMethod::Deflated),
        ]);
        let bundle = read(&zip).expect("reads");
        assert_eq!(bundle.document, b"{}");
        assert_eq!(
            bundle.stems,
            [BundledStem {
                file_name: "a.wav".into(),
                bytes: b"RIFF".to_vec()
            }]
        );
    }

    #[test]
    fn reads_stems_in_zip_order_from_other_zippers() {
        let zip = raw_zip(&[
            ("stems/z.wav", b"zz", CompressionMethod::Deflated),
            ("stems/m.wav", b"mm", CompressionMethod::Stored),
            DOC,
            ("stems/a.wav", b"aa", CompressionMethod::Deflated),
        ]);
        let bundle = read(&zip).expect("reads");
        let names: Vec<&str> = bundle.stems.iter().map(|s| s.file_name.as_str()).collect();
        assert_eq!(names, ["z.wav", "m.wav", "a.wav"]);
        assert_eq!(bundle.stems[0].bytes, b"zz");
    }

    #[test]
    fn rejects_what_is_not_a_zip() {
        let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
        wav.extend_from_slice(&[0; 32]);
        for bytes in [noise(4096, 9), Vec::new(), wav, b"P".to_vec()] {
            assert_eq!(read(&bytes), Err(BundleError::NotZip));
        }
        // A "PK" start is not enough.
        assert!(matches!(
            read(b"PK\x03\x04 not really"),
            Err(BundleError::Damaged(_))
        ));
    }

    #[test]
    fn rejects_truncated_bundle_without_panicking() {
        let zip = sample_bundle();
        assert!(matches!(
            read(&zip[..zip.len() / 2]),
            Err(BundleError::Damaged(_))
        ));
        for cut in [2, 4, 30, 100, zip.len() - 22, zip.len() - 1] {
            assert!(read(&zip[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn rejects_zip_without_document() {
        let zip = raw_zip(&[("stems/a.wav", b"RIFF", CompressionMethod::Stored)]);
        assert_eq!(read(&zip), Err(BundleError::NoDocument));
        let zip = raw_zip(&[("other/session.json", b"{}", CompressionMethod::Stored)]);
        assert_eq!(read(&zip), Err(BundleError::NoDocument));
        let zip = raw_zip(&[("session.json/", b"", CompressionMethod::Stored)]);
        assert_eq!(read(&zip), Err(BundleError::NoDocument));
    }

    #[test]
    fn refuses_duplicate_stem_names_and_more_stems_than_tracks() {
        let doc: &[u8] = b"{}";
        let twice = raw_zip(&[
            ("session.json", doc, CompressionMethod::Stored),
            ("stems/Kick.wav", b"a", CompressionMethod::Stored),
            ("stems/kick.WAV", b"b", CompressionMethod::Stored),
        ]);
        assert_eq!(
            read(&twice).err(),
            Some(BundleError::DuplicateStem("kick.WAV".into()))
        );
        let names: Vec<String> = (0..=MAX_STEMS).map(|i| format!("stems/{i}.wav")).collect();
        let mut entries = vec![("session.json", doc, CompressionMethod::Stored)];
        entries.extend(
            names
                .iter()
                .map(|n| (n.as_str(), &b"x"[..], CompressionMethod::Stored)),
        );
        assert_eq!(
            read(&raw_zip(&entries)).err(),
            Some(BundleError::TooManyStems {
                count: MAX_STEMS + 1,
                limit: MAX_STEMS
            })
        );
    }

    #[test]
    fn rejects_unsafe_paths() {
        for name in [
            "stems/../../evil.wav",
            "/abs.wav",
            "\\abs.wav",
            "C:/evil.wav",
            "stems\\..\\evil.wav",
            "__MACOSX/../../x",
        ] {
            let zip = raw_zip(&[DOC, (name, b"RIFF", CompressionMethod::Stored)]);
            assert_eq!(
                read(&zip),
                Err(BundleError::UnsafePath(name.to_owned())),
                "{name}"
            );
        }
        // Dots inside a name are fine.
        let zip = raw_zip(&[DOC, ("stems/a..b.wav", b"RIFF", CompressionMethod::Stored)]);
        assert_eq!(read(&zip).expect("reads").stems[0].file_name, "a..b.wav");
    }

    #[test]
    fn rejects_entry_that_unpacks_to_more_than_it_declares() {
        let zeros = vec![0u8; 1 << 20];
        let mut zip = raw_zip(&[
            DOC,
            ("stems/zeros.wav", &zeros, CompressionMethod::Deflated),
        ]);
        assert!(zip.len() < 10_000, "zeros deflate well");
        // Declare 1000 bytes, in the local header and the central directory.
        let declared = 1000u32.to_le_bytes();
        patch_entry(&mut zip, "stems/zeros.wav", 22, 24, &declared);
        assert_eq!(
            read(&zip),
            Err(BundleError::SizeMismatch {
                entry: "stems/zeros.wav".into(),
                declared: 1000
            })
        );
    }

    #[test]
    fn rejects_entry_that_unpacks_to_less_than_it_declares() {
        let mut zip = raw_zip(&[DOC, ("stems/a.wav", b"RIFF", CompressionMethod::Deflated)]);
        patch_entry(&mut zip, "stems/a.wav", 22, 24, &5u32.to_le_bytes());
        assert!(matches!(read(&zip), Err(BundleError::Damaged(_))));
    }

    #[test]
    fn rejects_declared_sizes_over_the_limits() {
        let zip =
            write(&[b'd'; 100], &[("a.wav", &[1; 400]), ("b.wav", &[2; 500])]).expect("writes");
        assert!(
            read_with_limits(&zip, 1000, 100).is_ok(),
            "exactly at the limits"
        );
        assert_eq!(
            read_with_limits(&zip, 999, 100),
            Err(BundleError::TooLarge {
                bytes: 1000,
                limit: 999
            })
        );
        assert_eq!(
            read_with_limits(&zip, 1000, 99),
            Err(BundleError::DocumentTooLarge {
                bytes: 100,
                limit: 99
            })
        );
        // Ignored entries do not count.
        let zip = raw_zip(&[
            DOC,
            ("__MACOSX/big", &[0; 5000], CompressionMethod::Stored),
            ("stems/.DS_Store", &[0; 5000], CompressionMethod::Stored),
        ]);
        assert!(read_with_limits(&zip, 2, 2).is_ok());
    }

    #[test]
    fn rejects_huge_declared_size_before_unpacking() {
        let mut zip = raw_zip(&[DOC, ("stems/a.wav", b"RIFF", CompressionMethod::Stored)]);
        patch_entry(&mut zip, "stems/a.wav", 22, 24, &u32::MAX.to_le_bytes());
        assert_eq!(
            read(&zip),
            Err(BundleError::TooLarge {
                bytes: u64::from(u32::MAX) + 2,
                limit: MAX_TOTAL_BYTES
            })
        );
    }

    #[test]
    fn rejects_encrypted_entry() {
        let mut zip = raw_zip(&[DOC, ("stems/x.wav", b"RIFF", CompressionMethod::Stored)]);
        // General purpose flag bit 0: encrypted.
        patch_entry(&mut zip, "stems/x.wav", 6, 8, &1u16.to_le_bytes());
        assert_eq!(
            read(&zip),
            Err(BundleError::Encrypted("stems/x.wav".into()))
        );
    }

    #[test]
    fn rejects_unsupported_compression() {
        let mut zip = raw_zip(&[DOC, ("stems/x.wav", b"RIFF", CompressionMethod::Stored)]);
        patch_entry(&mut zip, "stems/x.wav", 8, 10, &14u16.to_le_bytes());
        assert_eq!(
            read(&zip),
            Err(BundleError::UnsupportedCompression {
                entry: "stems/x.wav".into(),
                method: "LZMA".into()
            })
        );
    }

    #[test]
    fn write_refuses_oversized_document() {
        let document = vec![b' '; MAX_DOCUMENT_BYTES as usize + 1];
        assert_eq!(
            write(&document, &[]),
            Err(BundleError::DocumentTooLarge {
                bytes: MAX_DOCUMENT_BYTES + 1,
                limit: MAX_DOCUMENT_BYTES
            })
        );
        let document = vec![b' '; MAX_DOCUMENT_BYTES as usize];
        assert!(read(&write(&document, &[]).expect("writes")).is_ok());
    }

    #[test]
    fn messages_read_as_sentences() {
        let cases = [
            (BundleError::NotZip, "is not a zip file"),
            (
                BundleError::NoDocument,
                "has no session.json, so it is not a Second Ear session bundle",
            ),
            (
                BundleError::TooLarge {
                    bytes: 5_583_457_485,
                    limit: MAX_TOTAL_BYTES,
                },
                "claims 5.2 GB of contents, more than the 1 GB a browser tab can hold",
            ),
            (
                BundleError::UnsafePath("../../etc/passwd".into()),
                "holds an entry with an unsafe path (../../etc/passwd)",
            ),
            (
                BundleError::Damaged("invalid Zip archive: Could not find EOCD".into()),
                "is damaged: invalid Zip archive: Could not find EOCD",
            ),
            (
                BundleError::Encrypted("x.wav".into()),
                "holds an encrypted entry (x.wav), which Second Ear cannot open",
            ),
            (
                BundleError::DocumentTooLarge {
                    bytes: 1_572_864,
                    limit: MAX_DOCUMENT_BYTES,
                },
                "has a 1.5 MB session document, more than the 1 MB a session document may be",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
        assert_eq!(human_size(1), "1 byte");
        assert_eq!(human_size(812), "812 bytes");
        assert_eq!(human_size(1536), "1.5 KB");
    }

    #[test]
    fn quoted_names_are_printable_and_short() {
        assert_eq!(quoted("a\nb"), "a?b");
        let long = "x".repeat(500);
        assert_eq!(quoted(&long).chars().count(), MAX_QUOTED_NAME_CHARS + 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn read_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..2048),
            pk_start in any::<bool>(),
        ) {
            let mut bytes = bytes;
            if pk_start {
                bytes.splice(0..0, *b"PK\x03\x04");
            }
            let _ = read(&bytes);
        }

        #[test]
        fn read_never_panics_on_damaged_bundle(
            flips in proptest::collection::vec(
                (any::<prop::sample::Index>(), any::<u8>()),
                0..8,
            ),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let mut zip = sample_bundle();
            for (at, byte) in &flips {
                let at = at.index(zip.len());
                zip[at] = *byte;
            }
            if let Some(cut) = cut {
                zip.truncate(cut.index(zip.len()));
            }
            if let Ok(bundle) = read(&zip) {
                // Whatever a damaged bundle yields stays within what it holds.
                let total: usize = bundle.document.len()
                    + bundle.stems.iter().map(|s| s.bytes.len()).sum::<usize>();
                prop_assert!(total <= zip.len());
            }
        }
    }
}

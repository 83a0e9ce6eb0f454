//! Recognising what a file that is not (supported) audio looks like, from its first bytes.

use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use symphonia::core::io::MediaSource;

/// How many leading bytes are kept for [`describe`].
pub(super) const HEAD_LEN: usize = 512;

/// Wraps the caller's source and keeps a copy of the file's first [`HEAD_LEN`] bytes as they are
/// read, so that a failed probe can say what the file looks like without reading it again (and
/// without needing a seekable source). After the head has been seen it only forwards calls.
pub(super) struct HeadRecorder {
    inner: Box<dyn MediaSource>,
    pos: u64,
    head: Arc<Mutex<Vec<u8>>>,
}

impl HeadRecorder {
    pub(super) fn new(inner: Box<dyn MediaSource>) -> (Self, Arc<Mutex<Vec<u8>>>) {
        let head = Arc::new(Mutex::new(Vec::with_capacity(HEAD_LEN)));
        (
            HeadRecorder {
                inner,
                pos: 0,
                head: Arc::clone(&head),
            },
            head,
        )
    }
}

impl Read for HeadRecorder {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.pos < HEAD_LEN as u64 {
            let start = self.pos as usize;
            let end = (start + n).min(HEAD_LEN);
            let mut head = self.head.lock().unwrap_or_else(|e| e.into_inner());
            // Only extend the head contiguously from where it stops.
            if start <= head.len() && end > head.len() {
                let from = head.len();
                head.extend_from_slice(&buf[from - start..end - start]);
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for HeadRecorder {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(pos)?;
        Ok(self.pos)
    }
}

impl MediaSource for HeadRecorder {
    fn is_seekable(&self) -> bool {
        self.inner.is_seekable()
    }

    fn byte_len(&self) -> Option<u64> {
        self.inner.byte_len()
    }
}

/// What the file's first bytes say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sniffed {
    /// Nothing was read.
    Empty,
    /// Starts like one of the audio formats this decoder reads: a probe failure then means a
    /// damaged header.
    SupportedAudio,
    /// Recognisably something else; a noun phrase for the error message.
    Other(&'static str),
    /// Not recognised.
    Unknown,
}

/// Recognises common file types from their first bytes (`head`, up to [`HEAD_LEN`] of them).
pub(super) fn describe(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Empty;
    }
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);

    let supported: &[&[u8]] = &[b"fLaC", b"OggS", b"ID3", b"FORM"];
    if supported.iter().any(|m| at(0, m))
        || (at(0, b"RIFF") && at(8, b"WAVE"))
        || (at(0, b"RF64") && at(8, b"WAVE"))
        || at(4, b"ftyp")
    {
        return Sniffed::SupportedAudio;
    }

    let table: &[(usize, &[u8], &str)] = &[
        (0, b"%PDF-", "a PDF document"),
        (0, b"PK\x03\x04", "a ZIP archive"),
        (0, b"PK\x05\x06", "a ZIP archive (empty)"),
        (0, b"Rar!\x1a\x07", "a RAR archive"),
        (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (0, b"\x1f\x8b", "a gzip-compressed file"),
        (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (0, b"\xff\xd8\xff", "a JPEG image"),
        (0, b"GIF87a", "a GIF image"),
        (0, b"GIF89a", "a GIF image"),
        (0, b"II*\x00", "a TIFF image"),
        (0, b"MM\x00*", "a TIFF image"),
        (
            0,
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an old Microsoft Office document",
        ),
        (0, b"{\\rtf", "a rich-text (RTF) document"),
        (0, b"\x7fELF", "a program (Linux executable)"),
        (0, b"\xca\xfe\xba\xbe", "a program (macOS executable)"),
        (0, b"\xcf\xfa\xed\xfe", "a program (macOS executable)"),
        (0, b"\x00asm", "a WebAssembly module"),
        (0, b"SQLite format 3\x00", "an SQLite database"),
        (0, b"MThd", "a MIDI file (notes, not recorded sound)"),
        (
            0,
            b"\x1a\x45\xdf\xa3",
            "a Matroska/WebM media file (not a supported format)",
        ),
        (
            0,
            b"caff",
            "a Core Audio (CAF) file (not a supported format)",
        ),
        (0, b"wvpk", "a WavPack file (not a supported format)"),
        (
            0,
            b"MAC ",
            "a Monkey's Audio (APE) file (not a supported format)",
        ),
        (
            0,
            b"#!AMR",
            "an AMR voice recording (not a supported format)",
        ),
        (
            0,
            b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",
            "a Windows Media file (not a supported format)",
        ),
        (0, b".snd", "a Sun/NeXT audio file (not a supported format)"),
        (8, b"AVI ", "an AVI video"),
        (8, b"WEBP", "a WebP image"),
    ];
    if let Some((_, _, what)) = table.iter().find(|(off, magic, _)| at(*off, magic)) {
        return Sniffed::Other(what);
    }

    match text_kind(head) {
        Some(kind) => Sniffed::Other(kind),
        // Two-byte magic: only trusted when the rest is not text ("MZ" could start a sentence).
        None if at(0, b"MZ") => Sniffed::Other("a program (Windows executable)"),
        None => Sniffed::Unknown,
    }
}

/// "text", "a web page (HTML)", … when `head` is readable text (UTF-8 or Latin-1 without control
/// characters other than whitespace).
fn text_kind(head: &[u8]) -> Option<&'static str> {
    // A multi-byte UTF-8 character may be cut at the end of the head.
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let text = valid.trim_start_matches('\u{feff}');
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
    {
        return None;
    }
    let lower = text
        .trim_start()
        .get(..16.min(text.trim_start().len()))
        .unwrap_or("");
    let lower = lower.to_ascii_lowercase();
    Some(
        if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
            "a web page (HTML)"
        } else if lower.starts_with("<?xml") || lower.starts_with("<svg") {
            "an XML or SVG document"
        } else {
            "text"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_common_files() {
        assert_eq!(describe(b""), Sniffed::Empty);
        assert_eq!(
            describe(b"%PDF-1.7\n%\xe2\xe3"),
            Sniffed::Other("a PDF document")
        );
        assert_eq!(
            describe(b"PK\x03\x04\x14\x00"),
            Sniffed::Other("a ZIP archive")
        );
        assert_eq!(
            describe(b"Hello, this is a lyric sheet.\n"),
            Sniffed::Other("text")
        );
        assert_eq!(
            describe("Gr\u{fc}\u{df}e\n".as_bytes()),
            Sniffed::Other("text")
        );
        assert_eq!(
            describe(b"  <!DOCTYPE html><html>"),
            Sniffed::Other("a web page (HTML)")
        );
        assert_eq!(
            describe(b"RIFF\x24\x00\x00\x00WAVEfmt "),
            Sniffed::SupportedAudio
        );
        assert_eq!(
            describe(b"RIFF\x24\x00\x00\x00AVI LIST"),
            Sniffed::Other("an AVI video")
        );
        assert_eq!(describe(b"\x00\x01\x02\x03\xfe\xff"), Sniffed::Unknown);
    }

    #[test]
    fn recorder_keeps_the_head_across_small_reads_and_seeks() {
        let data: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
        let (mut rec, head) = HeadRecorder::new(Box::new(std::io::Cursor::new(data.clone())));
        let mut buf = [0u8; 100];
        rec.seek(SeekFrom::Start(1900)).unwrap();
        rec.read_exact(&mut buf).unwrap();
        rec.seek(SeekFrom::Start(0)).unwrap();
        for _ in 0..7 {
            rec.read_exact(&mut buf).unwrap();
        }
        assert_eq!(head.lock().unwrap().as_slice(), &data[..HEAD_LEN]);
    }
}

//! Names what a file's first bytes look like, so a decode failure can say why (main thread).

/// What the start of a file looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    Empty,
    Wav,
    Flac,
    Ogg,
    Mp3,
    Mp4,
    Aiff,
    Text,
    Unknown,
}

/// Identifies a container from its first bytes (12 are enough).
pub fn identify(head: &[u8]) -> Content {
    match head {
        [] => Content::Empty,
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'A',
            b'V',
            b'E',
            ..,
        ] => Content::Wav,
        [b'R', b'F', b'6', b'4', ..] => Content::Wav,
        [b'f', b'L', b'a', b'C', ..] => Content::Flac,
        [b'O', b'g', b'g', b'S', ..] => Content::Ogg,
        [b'I', b'D', b'3', ..] => Content::Mp3,
        [0xFF, b, ..] if b & 0xE0 == 0xE0 => Content::Mp3,
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => Content::Mp4,
        [b'F', b'O', b'R', b'M', _, _, _, _, b'A', b'I', b'F', ..] => Content::Aiff,
        h if h
            .iter()
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
        {
            Content::Text
        }
        _ => Content::Unknown,
    }
}

impl Content {
    /// Words for an error message about a file that could not be decoded.
    pub fn why_undecodable(self) -> &'static str {
        match self {
            Content::Empty => "the file is empty (0 bytes)",
            Content::Text => "it contains text, not audio",
            Content::Unknown => "it is not in an audio format Chromium can decode",
            Content::Wav => "the WAV data is damaged or uses an encoding Chromium cannot decode",
            Content::Flac => "the FLAC data is damaged",
            Content::Ogg => "the Ogg data is damaged or uses a codec Chromium cannot decode",
            Content::Mp3 => "the MP3 data is damaged",
            Content::Mp4 => "the MP4/M4A data is damaged or uses a codec Chromium cannot decode",
            Content::Aiff => "AIFF files are not decoded by Chromium; convert it to WAV or FLAC",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_common_containers() {
        assert_eq!(identify(b"RIFF\x24\0\0\0WAVEfmt "), Content::Wav);
        assert_eq!(identify(b"fLaC\0\0\0\x22"), Content::Flac);
        assert_eq!(identify(b"OggS\0\x02"), Content::Ogg);
        assert_eq!(identify(b"ID3\x04\0"), Content::Mp3);
        assert_eq!(identify(&[0xFF, 0xFB, 0x90, 0x00]), Content::Mp3);
        assert_eq!(identify(b"\0\0\0\x20ftypM4A "), Content::Mp4);
        assert_eq!(identify(b"FORM\0\0\0\0AIFF"), Content::Aiff);
        assert_eq!(identify(b"hello, this is"), Content::Text);
        assert_eq!(identify(&[0, 1, 2, 3]), Content::Unknown);
        assert_eq!(identify(b""), Content::Empty);
        assert_eq!(identify(b"RIFF\x24\0\0\0AVI LIST"), Content::Unknown);
    }
}

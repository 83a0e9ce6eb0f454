//! The channel count a WAV (RIFF, RF64 or BW64) file declares, read from its `fmt ` chunk
//! before the container reader sees the file: a file with more than two channels is refused
//! with its count at once, and a damaged count (0, or tens of thousands, which overflows the
//! container reader's own arithmetic) never reaches it.

use std::io::{Read, Seek, SeekFrom};

use super::DecodeError;

/// Bytes looked at for the `fmt ` chunk (it comes first in every WAV writer's output, after at
/// most a few small chunks).
const LOOK: usize = 4096;

/// Checks the declared channel count of a WAV file and puts `source` back at its start (call it
/// on a seekable source only; the container reader checks the others). Not a
/// WAV, or no `fmt ` chunk in the first [`LOOK`] bytes: nothing to say (the container reader
/// decides). 1 or 2 channels: Ok.
pub fn check<S: Read + Seek + ?Sized>(source: &mut S) -> Result<(), DecodeError> {
    let mut head = vec![0u8; LOOK];
    let mut have = 0;
    while have < LOOK {
        match source.read(&mut head[have..]) {
            Ok(0) => break,
            Ok(n) => have += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(DecodeError::Io(e)),
        }
    }
    source.seek(SeekFrom::Start(0)).map_err(DecodeError::Io)?;
    match declared_channels(&head[..have]) {
        Some(0) => Err(DecodeError::Corrupt {
            at_secs: None,
            detail: "its header declares 0 channels".into(),
        }),
        Some(channels) if channels > 2 => Err(DecodeError::TooManyChannels {
            channels: channels as usize,
        }),
        _ => Ok(()),
    }
}

/// The `fmt ` chunk's channel count, if `head` starts a WAV file and holds that chunk.
fn declared_channels(head: &[u8]) -> Option<u16> {
    let magic = head.get(0..4)?;
    if !(magic == b"RIFF" || magic == b"RF64" || magic == b"BW64") || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12usize;
    while at.checked_add(8)? <= head.len() {
        let id = &head[at..at + 4];
        let size = u32::from_le_bytes(head[at + 4..at + 8].try_into().ok()?) as usize;
        if id == b"fmt " {
            let data = head.get(at + 8..at + 8 + 4)?;
            return Some(u16::from_le_bytes([data[2], data[3]]));
        }
        // Chunks are padded to an even length.
        at = at
            .checked_add(8)?
            .checked_add(size)?
            .checked_add(size & 1)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn wav(channels: u16, junk: usize) -> Vec<u8> {
        let mut b = b"RIFF\0\0\0\0WAVE".to_vec();
        if junk > 0 {
            b.extend_from_slice(b"JUNK");
            b.extend_from_slice(&(junk as u32).to_le_bytes());
            b.extend(std::iter::repeat_n(0u8, junk + (junk & 1)));
        }
        b.extend_from_slice(b"fmt \x10\0\0\0\x01\0");
        b.extend_from_slice(&channels.to_le_bytes());
        b.extend_from_slice(&[0u8; 12]);
        b
    }

    #[test]
    fn counts_are_read_past_other_chunks_and_the_source_is_rewound() {
        for (channels, junk) in [(1, 0), (2, 27), (6, 100)] {
            let mut c = Cursor::new(wav(channels, junk));
            let r = check(&mut c);
            assert_eq!(c.position(), 0);
            match channels {
                1 | 2 => assert!(r.is_ok()),
                n => assert!(
                    matches!(r, Err(DecodeError::TooManyChannels { channels }) if channels == n as usize)
                ),
            }
        }
        assert!(matches!(
            check(&mut Cursor::new(wav(0, 0))),
            Err(DecodeError::Corrupt { .. })
        ));
        assert!(matches!(
            check(&mut Cursor::new(wav(u16::MAX, 0))),
            Err(DecodeError::TooManyChannels { channels: 65535 })
        ));
        // Not a WAV, or cut before its fmt chunk: left to the container reader.
        assert!(check(&mut Cursor::new(b"fLaC\0\0\0\x22".to_vec())).is_ok());
        assert!(check(&mut Cursor::new(wav(6, 0)[..20].to_vec())).is_ok());
    }
}

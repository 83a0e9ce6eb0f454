//! A small RIFF chunk writer (main thread): appends a LIST/INFO chunk (software name, comment,
//! title, date) to a WAV that hound wrote, and patches the RIFF size. Players and tools
//! (ffprobe, foobar2000, DAWs) show these as tags.

/// Appends `LIST`/`INFO` with the given (id, text) entries, e.g. (`*b"ISFT"`, "Second Ear").
/// Texts are written NUL-terminated and padded to even length, as RIFF requires. Errors if
/// `wav` is not a RIFF/WAVE file.
pub fn append_info(wav: &mut Vec<u8>, entries: &[([u8; 4], String)]) -> Result<(), String> {
    if wav.len() < 12 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    if entries.is_empty() {
        return Ok(());
    }
    if wav.len() % 2 == 1 {
        wav.push(0); // chunks start on even offsets
    }
    let mut body = b"INFO".to_vec();
    for (id, text) in entries {
        // Plain text without NULs (a NUL would end the string early for readers).
        let mut t: Vec<u8> = text.bytes().filter(|b| *b != 0).collect();
        t.push(0);
        body.extend_from_slice(id);
        body.extend_from_slice(&(t.len() as u32).to_le_bytes());
        body.extend_from_slice(&t);
        if t.len() % 2 == 1 {
            body.push(0);
        }
    }
    wav.extend_from_slice(b"LIST");
    wav.extend_from_slice(&(body.len() as u32).to_le_bytes());
    wav.extend_from_slice(&body);
    let riff = (wav.len() - 8) as u32;
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(())
}

/// The INFO entries of a RIFF file, in order (for tests and for reading a file back).
pub fn read_info(wav: &[u8]) -> Vec<([u8; 4], String)> {
    let mut out = Vec::new();
    let mut at = 12;
    while at + 8 <= wav.len() {
        let id = &wav[at..at + 4];
        let len = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        let body = at + 8;
        let end = body.saturating_add(len).min(wav.len());
        if id == b"LIST" && end >= body + 4 && &wav[body..body + 4] == b"INFO" {
            let mut p = body + 4;
            while p + 8 <= end {
                let sid: [u8; 4] = [wav[p], wav[p + 1], wav[p + 2], wav[p + 3]];
                let slen =
                    u32::from_le_bytes([wav[p + 4], wav[p + 5], wav[p + 6], wav[p + 7]]) as usize;
                let text = &wav[p + 8..(p + 8 + slen).min(end)];
                let text = text.split(|b| *b == 0).next().unwrap_or(&[]);
                out.push((sid, String::from_utf8_lossy(text).into_owned()));
                p += 8 + slen + slen % 2;
            }
        }
        at = body + len + len % 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::dither::Dither;
    use crate::delivery::wav::{Delivered, WavFormat};

    #[test]
    fn info_chunk_is_read_back_and_the_file_stays_a_valid_wav() {
        let l = vec![0.25f32; 441];
        let d = Delivered::new(l.clone(), l, 44_100, WavFormat::Pcm24, Dither::Off, 1);
        let info = vec![
            (*b"ISFT", "Second Ear".to_string()),
            (*b"ICMT", "Spotify: -14.0 LUFS, -1.2 dBTP".to_string()),
        ];
        let bytes = d.to_wav(&info).unwrap();
        assert_eq!(read_info(&bytes), info);
        let riff = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        assert_eq!(riff, bytes.len() - 8, "RIFF size covers the new chunk");
        let mut rd = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            rd.samples::<i32>().count(),
            882,
            "hound still reads every sample"
        );
    }

    #[test]
    fn rejects_what_is_not_a_wav() {
        let mut junk = b"ID3\x04 not a wav".to_vec();
        assert!(append_info(&mut junk, &[(*b"ISFT", "x".into())]).is_err());
    }
}

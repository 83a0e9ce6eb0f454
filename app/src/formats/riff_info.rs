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
    let riff = u32::try_from(wav.len() - 8).map_err(|_| "the file is larger than 4 GiB")?;
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(())
}

/// The INFO entries of a RIFF file, in order (for tests and for reading a file back). Any bytes
/// are read without panicking: chunk lengths are trusted only as far as the bytes go, and
/// offsets saturate instead of wrapping (a 32-bit `usize` in the browser cannot overflow into
/// an endless loop).
pub fn read_info(wav: &[u8]) -> Vec<([u8; 4], String)> {
    let mut out = Vec::new();
    let mut at = 12usize;
    while at.saturating_add(8) <= wav.len() {
        let id = &wav[at..at + 4];
        let len = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        let body = at + 8;
        let end = body.saturating_add(len).min(wav.len());
        if id == b"LIST" && end >= body + 4 && &wav[body..body + 4] == b"INFO" {
            let mut p = body + 4;
            while p.saturating_add(8) <= end {
                let sid: [u8; 4] = [wav[p], wav[p + 1], wav[p + 2], wav[p + 3]];
                let slen =
                    u32::from_le_bytes([wav[p + 4], wav[p + 5], wav[p + 6], wav[p + 7]]) as usize;
                let text = &wav[p + 8..(p + 8).saturating_add(slen).min(end)];
                let text = text.split(|b| *b == 0).next().unwrap_or(&[]);
                out.push((sid, String::from_utf8_lossy(text).into_owned()));
                p = p.saturating_add(8 + slen % 2).saturating_add(slen);
            }
        }
        at = body.saturating_add(len % 2).saturating_add(len);
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
        let (d, _) =
            Delivered::new(l.clone(), l, 44_100, WavFormat::Pcm24, Dither::Off, 1).unwrap();
        let info = vec![
            (*b"ISFT", "Second Ear".to_string()),
            (*b"ICMT", "Spotify: -14.0 LUFS, -1.2 dBTP".to_string()),
        ];
        let bytes = d.into_wav(&info).unwrap();
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

    #[test]
    fn chunk_lengths_past_the_end_stop_reading() {
        let mut wav = b"RIFF\0\0\0\0WAVE".to_vec();
        wav.extend_from_slice(b"LIST\xff\xff\xff\xffINFOISFT\xfe\xff\xff\xffSecond Ear");
        assert_eq!(read_info(&wav), vec![(*b"ISFT", "Second Ear".to_string())]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn the_riff_reader_and_writer_never_panic_on_arbitrary_bytes(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            riff_start in proptest::prelude::any::<bool>(),
            text in "\\PC{0,20}",
        ) {
            let mut bytes = bytes;
            if riff_start {
                // A RIFF/WAVE header with a LIST/INFO chunk start, then anything.
                let mut head = b"RIFF\0\0\0\0WAVELIST".to_vec();
                head.extend_from_slice(&(bytes.len() as u32 + 4).to_le_bytes());
                head.extend_from_slice(b"INFO");
                bytes.splice(0..0, head);
            }
            let _ = read_info(&bytes);
            let mut written = bytes.clone();
            let appended = append_info(&mut written, &[(*b"ICMT", text.clone())]);
            if riff_start {
                // After a well-formed chunk, what was appended is read back last.
                proptest::prop_assert!(appended.is_ok());
                let info = read_info(&written);
                let shown: String = text.chars().filter(|c| *c != '\0').collect();
                proptest::prop_assert_eq!(info.last(), Some(&(*b"ICMT", shown)));
            }
        }
    }
}

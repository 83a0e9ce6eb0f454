//! The decoder reads its source in small pieces and never needs the whole file at once.

use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use crate::common::*;
use second_ear::formats::stem_decode::{CHUNK_FRAMES, MediaSource, probe};

#[derive(Debug, Default)]
pub struct Stats {
    pub bytes_read: u64,
    pub reads: u64,
    pub largest_read: usize,
    pub seeks: u64,
}

/// A test double for the browser `File` source: serves at most 4096 bytes per `read` call and
/// counts what was read.
pub struct PieceSource {
    data: Vec<u8>,
    pos: usize,
    seekable: bool,
    stats: Arc<Mutex<Stats>>,
}

pub const PIECE: usize = 4096;

impl PieceSource {
    pub fn new(data: Vec<u8>, seekable: bool) -> (Self, Arc<Mutex<Stats>>) {
        let stats = Arc::new(Mutex::new(Stats::default()));
        (
            PieceSource {
                data,
                pos: 0,
                seekable,
                stats: Arc::clone(&stats),
            },
            stats,
        )
    }
}

impl Read for PieceSource {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf
            .len()
            .min(PIECE)
            .min(self.data.len().saturating_sub(self.pos));
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        let mut s = self.stats.lock().unwrap();
        s.bytes_read += n as u64;
        s.reads += 1;
        s.largest_read = s.largest_read.max(n);
        Ok(n)
    }
}

impl Seek for PieceSource {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        if !self.seekable {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "not seekable",
            ));
        }
        let new = match to {
            SeekFrom::Start(p) => p as i64,
            SeekFrom::End(d) => self.data.len() as i64 + d,
            SeekFrom::Current(d) => self.pos as i64 + d,
        };
        self.pos = new.clamp(0, self.data.len() as i64) as usize;
        self.stats.lock().unwrap().seeks += 1;
        Ok(self.pos as u64)
    }
}

impl MediaSource for PieceSource {
    fn is_seekable(&self) -> bool {
        self.seekable
    }
    fn byte_len(&self) -> Option<u64> {
        self.seekable.then_some(self.data.len() as u64)
    }
}

/// Decodes `bytes` through a [`PieceSource`], tracking how far reading runs ahead of the audio
/// handed out. Returns (largest read-ahead in bytes, stats, output frames).
fn decode_in_pieces(
    bytes: Vec<u8>,
    seekable: bool,
    ext: &str,
    target: u32,
    bytes_per_source_frame: f64,
) -> (u64, Stats, u64) {
    let len = bytes.len() as u64;
    let (source, stats) = PieceSource::new(bytes, seekable);
    let mut dec = probe(Box::new(source), Some(ext)).unwrap();
    dec.set_target_rate(target).unwrap();
    let ratio = f64::from(dec.info().source_rate) / f64::from(target);
    let after_probe = stats.lock().unwrap().bytes_read;
    assert!(after_probe < 128 * 1024, "probing read {after_probe} bytes");
    let mut ahead_max = 0u64;
    while let Some(chunk) = dec.next_chunk().unwrap() {
        let _ = chunk;
        let read = stats.lock().unwrap().bytes_read;
        // Bytes that the audio handed out so far accounts for.
        let used = (dec.frames_out_so_far() as f64 * ratio * bytes_per_source_frame) as u64;
        ahead_max = ahead_max.max(read.saturating_sub(used));
    }
    let s = std::mem::take(&mut *stats.lock().unwrap());
    assert!(
        s.bytes_read >= len - 4096 && s.bytes_read <= len + 128 * 1024,
        "read {} of {len}",
        s.bytes_read
    );
    (ahead_max, s, dec.frames_out_so_far())
}

#[test]
fn wav_is_read_in_small_pieces_with_bounded_read_ahead() {
    let dir = test_dir("pieces_wav");
    let path = dir.join("long.wav");
    let rate = 44_100u32;
    let frames = 60 * rate as usize;
    let tone: Vec<i32> = sine(220.0, rate, frames, 0.3)
        .iter()
        .map(|v| (v * 32768.0) as i32)
        .collect();
    write_wav_int(&path, rate, 16, &[tone.clone(), tone]);
    let bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();

    let (ahead, s, out) = decode_in_pieces(bytes, true, "wav", 48_000, 4.0);
    eprintln!(
        "WAV {len} bytes: {} reads, largest {}, {} seeks, read-ahead at most {ahead} bytes",
        s.reads, s.largest_read, s.seeks
    );
    assert_eq!(out, 60 * 48_000);
    assert!(s.largest_read <= PIECE);
    assert!(s.reads as usize >= len / PIECE);
    // Read-ahead: the 64 KiB container buffer + one output chunk + the resampler's queue.
    let bound = 64 * 1024 + CHUNK_FRAMES as u64 * 4 + 16 * 1024 * 4;
    assert!(
        ahead < bound,
        "read {ahead} bytes ahead of the audio handed out (bound {bound})"
    );
}

#[test]
fn flac_from_a_non_seekable_source_matches_the_file() {
    let dir = test_dir("pieces_flac");
    let wav = dir.join("in.wav");
    let rate = 48_000u32;
    let mut rng = Rng(11);
    let noise: Vec<i32> = (0..20 * rate as usize)
        .map(|_| (rng.signed() * 3000.0) as i32)
        .collect();
    write_wav_int(&wav, rate, 16, std::slice::from_ref(&noise));
    let flac = dir.join("in.flac");
    ffmpeg(&wav, &["-c:a", "flac"], &flac);
    let bytes = std::fs::read(&flac).unwrap();
    let len = bytes.len();
    // Compressed bytes per frame, to estimate how far reading runs ahead.
    let per_frame = len as f64 / noise.len() as f64;
    let (ahead, s, out) = decode_in_pieces(bytes.clone(), false, "flac", rate, per_frame);
    eprintln!(
        "FLAC {len} bytes (non-seekable): {} reads, read-ahead at most {ahead} bytes",
        s.reads
    );
    assert_eq!(out, noise.len() as u64);
    assert_eq!(s.seeks, 0);
    assert!(
        ahead < 64 * 1024 + (CHUNK_FRAMES as f64 * per_frame) as u64 + 64 * 1024,
        "{ahead}"
    );

    let (source, _) = PieceSource::new(bytes, false);
    let d = decode_source(Box::new(source), Some("flac"), None).unwrap();
    assert!(d.error.is_none());
    assert!(
        d.planes[0]
            .iter()
            .zip(&noise)
            .all(|(&g, &w)| g == w as f32 / 32768.0)
    );
}

/// A source whose reads fail after `fail_at` bytes, like a file removed while being read.
struct FailingSource {
    inner: std::io::Cursor<Vec<u8>>,
    fail_at: u64,
}

impl Read for FailingSource {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.inner.position() >= self.fail_at {
            return Err(std::io::Error::other("the file is no longer available"));
        }
        let room = (self.fail_at - self.inner.position()) as usize;
        let n = buf.len().min(room);
        self.inner.read(&mut buf[..n])
    }
}

impl Seek for FailingSource {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

impl MediaSource for FailingSource {
    fn is_seekable(&self) -> bool {
        false
    }
    fn byte_len(&self) -> Option<u64> {
        None
    }
}

#[test]
fn read_failure_mid_file_returns_the_audio_before_it_then_io_error() {
    let dir = test_dir("pieces_io_error");
    let path = dir.join("in.wav");
    let rate = 44_100u32;
    let tone = write_sine_wav_16(&path, 330.0, rate, 10, 0.3);
    let bytes = std::fs::read(&path).unwrap();
    // Fail 4 s in (mono 16-bit: 2 bytes per frame after the 44-byte header).
    let fail_at = 44 + 4 * u64::from(rate) * 2;
    let source = FailingSource {
        inner: std::io::Cursor::new(bytes),
        fail_at,
    };
    let d = decode_source(Box::new(source), Some("wav"), None).unwrap();
    let err = d.error.expect("no error reported");
    assert!(
        matches!(err, second_ear::formats::stem_decode::DecodeError::Io(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("no longer available"), "{err}");
    // Everything before the failure was handed out (up to the reader's last whole packet).
    let got = d.planes[0].len();
    assert!(
        got <= 4 * rate as usize && got > 4 * rate as usize - 8192,
        "{got} frames"
    );
    assert!(
        d.planes[0]
            .iter()
            .zip(&tone)
            .all(|(&g, &w)| g == w as f32 / 32768.0)
    );
}

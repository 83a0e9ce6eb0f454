//! The worklet's `extern "C"` surface: the thin shell between `engine-processor.js` and
//! [`Engine`]. No wasm-bindgen and no imports, so the module instantiates synchronously inside the
//! AudioWorkletGlobalScope. Every function takes the pointer [`se_engine_new`] returned. Error
//! returns are [`EngineError::code`]s (negative), 0 is success.

use crate::{BLOCK_FRAMES, Command, Engine, EngineError};

/// The engine plus the two output buffers the processor copies from.
pub struct Shell {
    engine: Engine,
    out_l: Vec<f32>,
    out_r: Vec<f32>,
}

fn code(r: Result<(), EngineError>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.code(),
    }
}

/// Creates an engine at `sample_rate` Hz. Free it with [`se_engine_free`].
#[unsafe(no_mangle)]
pub extern "C" fn se_engine_new(sample_rate: f32) -> *mut Shell {
    Box::into_raw(Box::new(Shell {
        engine: Engine::new(sample_rate),
        out_l: vec![0.0; BLOCK_FRAMES],
        out_r: vec![0.0; BLOCK_FRAMES],
    }))
}

/// # Safety
/// `shell` must come from [`se_engine_new`] and not have been freed; it is invalid afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_engine_free(shell: *mut Shell) {
    if !shell.is_null() {
        drop(unsafe { Box::from_raw(shell) });
    }
}

/// Applies one command given as its four words (see [`Command::to_words`]).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_command(shell: *mut Shell, kind: f64, a: f64, b: f64, c: f64) -> i32 {
    let Some(s) = (unsafe { shell.as_mut() }) else {
        return EngineError::InvalidValue.code();
    };
    code(Command::from_words([kind, a, b, c]).and_then(|cmd| s.engine.apply(cmd)))
}

/// Allocates a track of `channels` × `frames` samples to be filled through
/// [`se_track_channel_ptr`] and made audible by [`se_track_commit`].
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_track_begin(
    shell: *mut Shell,
    id: u32,
    channels: u32,
    frames: u32,
) -> i32 {
    let Some(s) = (unsafe { shell.as_mut() }) else {
        return EngineError::InvalidValue.code();
    };
    code(s.engine.begin_track(id, channels as usize, frames as usize))
}

/// Address of channel `ch` of the track being loaded (null if there is none).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_track_channel_ptr(shell: *mut Shell, ch: u32) -> *mut f32 {
    match unsafe { shell.as_mut() }.map(|s| s.engine.pending_channel_mut(ch as usize)) {
        Some(Ok(samples)) => samples.as_mut_ptr(),
        _ => core::ptr::null_mut(),
    }
}

/// Adds the loaded track to the mix.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_track_commit(shell: *mut Shell) -> i32 {
    match unsafe { shell.as_mut() } {
        Some(s) => code(s.engine.commit_track()),
        None => EngineError::InvalidValue.code(),
    }
}

/// Renders `frames` (≤ 128) frames into the output buffers.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_process(shell: *mut Shell, frames: u32) {
    if let Some(s) = unsafe { shell.as_mut() } {
        let n = (frames as usize).min(BLOCK_FRAMES);
        s.engine.process(&mut s.out_l[..n], &mut s.out_r[..n]);
    }
}

/// Address of output channel `ch` (0 = left, 1 = right): 128 `f32`s that never move.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_out_ptr(shell: *mut Shell, ch: u32) -> *const f32 {
    match unsafe { shell.as_ref() } {
        Some(s) if ch == 0 => s.out_l.as_ptr(),
        Some(s) => s.out_r.as_ptr(),
        None => core::ptr::null(),
    }
}

/// Fills the meter snapshot and returns its address; its length is [`se_meter_len`].
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_meter_snapshot(shell: *mut Shell) -> *const f64 {
    match unsafe { shell.as_mut() } {
        Some(s) => s.engine.meter_snapshot().as_ptr(),
        None => core::ptr::null(),
    }
}

/// Number of `f64` words in the meter snapshot.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_meter_len(shell: *mut Shell) -> u32 {
    match unsafe { shell.as_ref() } {
        Some(s) => s.engine.meter_words() as u32,
        None => 0,
    }
}

/// Starts recording the master chain's input, with room for `frames` frames (an export's first
/// pass; see [`crate::premix`]). Send it before Play: priming at Play is part of the recording.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_premix_record(shell: *mut Shell, frames: u32) -> i32 {
    match unsafe { shell.as_mut() } {
        Some(s) => {
            s.engine.record_premix(frames as usize);
            0
        }
        None => EngineError::InvalidValue.code(),
    }
}

/// Frames recorded so far.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_premix_recorded_len(shell: *mut Shell) -> u32 {
    unsafe { shell.as_ref() }.map_or(0, |s| s.engine.recorded_premix()[0].len() as u32)
}

/// Address of channel `ch` (0 or 1) of the recording (null if there is none).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_premix_recorded_ptr(shell: *mut Shell, ch: u32) -> *const f32 {
    match unsafe { shell.as_ref() }
        .and_then(|s| s.engine.recorded_premix().get(ch as usize).copied())
    {
        Some(samples) if !samples.is_empty() => samples.as_ptr(),
        _ => core::ptr::null(),
    }
}

/// Replaces the tracks and FX buses with a recording of `frames` frames, to be filled through
/// [`se_premix_replay_ptr`] before Play (an export's later passes).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_premix_replay(shell: *mut Shell, frames: u32) -> i32 {
    match unsafe { shell.as_mut() } {
        Some(s) => {
            s.engine.replay_premix(frames as usize);
            0
        }
        None => EngineError::InvalidValue.code(),
    }
}

/// Address of channel `ch` (0 or 1) of the recording being replayed (null if there is none).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_premix_replay_ptr(shell: *mut Shell, ch: u32) -> *mut f32 {
    match unsafe { shell.as_mut() }.and_then(|s| s.engine.premix_channel_mut(ch as usize)) {
        Some(samples) => samples.as_mut_ptr(),
        None => core::ptr::null_mut(),
    }
}

//! The worklet's `extern "C"` surface: the thin shell between `engine-processor.js` and
//! [`Engine`]. No wasm-bindgen and no imports, so the module instantiates synchronously inside the
//! AudioWorkletGlobalScope. Every function takes the pointer [`se_engine_new`] returned. Error
//! returns are [`EngineError::code`]s (negative), 0 is success.

use crate::{BLOCK_FRAMES, Command, Engine, EngineError};

/// Most frames one [`se_stream_write`] carries (the staging buffer's length per channel).
pub const STAGING_FRAMES: usize = 16_384;

/// Words of a stream want (see [`se_stream_want`]).
pub const WANT_WORDS: usize = 6;

/// The engine plus the two output buffers the processor copies from.
pub struct Shell {
    engine: Engine,
    out_l: Vec<f32>,
    out_r: Vec<f32>,
    /// Where the processor puts a streamed chunk before [`se_stream_write`]: 2 ×
    /// [`STAGING_FRAMES`] (128 KiB), allocated with the engine.
    staging: [Vec<f32>; 2],
    /// The last [`se_stream_want`].
    want: [f64; WANT_WORDS],
}

/// From now on the engine instance's heap (its allocator is [`crate::memory_budget::Budget`])
/// may grow by at most `bytes` more (a whole number of
/// bytes, sent as `f64`; ≤ 0 or not finite: no cap). Larger buffers are then refused with
/// [`EngineError::OutOfMemory`]. For tests and diagnosis (a device short of memory, counted
/// from what the engine holds when it is called): nothing caps it in normal use.
#[unsafe(no_mangle)]
pub extern "C" fn se_memory_headroom(bytes: f64) {
    crate::memory_budget::set_headroom(bytes);
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
        staging: [vec![0.0; STAGING_FRAMES], vec![0.0; STAGING_FRAMES]],
        want: [0.0; WANT_WORDS],
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

/// Adds automation lane `id` for parameter `param` (its table id) of track `track`
/// (`u32::MAX`: the master) with room for `capacity` points (see `Engine::add_lane`).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_lane_add(
    shell: *mut Shell,
    id: u32,
    track: u32,
    param: u32,
    capacity: u32,
) -> i32 {
    let Some(s) = (unsafe { shell.as_mut() }) else {
        return EngineError::InvalidValue.code();
    };
    let Some(param) = u16::try_from(param).ok().and_then(crate::ParamId::from_u16) else {
        return EngineError::UnknownParam.code();
    };
    code(s.engine.add_lane(id, track, param, capacity as usize))
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
        Some(s) => code(s.engine.record_premix(frames as usize)),
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
        Some(s) => code(s.engine.replay_premix(frames as usize)),
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

/// Adds a streamed track of `channels` × `frames` frames with a ring of `capacity` frames (see
/// [`Engine::add_streamed_track`]); its audio then arrives through [`se_stream_write`].
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_stream_track_add(
    shell: *mut Shell,
    id: u32,
    channels: u32,
    frames: u32,
    capacity: u32,
) -> i32 {
    match unsafe { shell.as_mut() } {
        Some(s) => code(s.engine.add_streamed_track(
            id,
            channels as usize,
            frames as usize,
            capacity as usize,
        )),
        None => EngineError::InvalidValue.code(),
    }
}

/// Address of staging channel `ch` (0 or 1): [`se_stream_staging_frames`] `f32`s to fill before
/// [`se_stream_write`] (null for another `ch`). Memory growth detaches views: take the address
/// again before each chunk.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_stream_staging_ptr(shell: *mut Shell, ch: u32) -> *mut f32 {
    let Some(s) = (unsafe { shell.as_mut() }) else {
        return core::ptr::null_mut();
    };
    match s.staging.get_mut(ch as usize) {
        Some(c) => c.as_mut_ptr(),
        None => core::ptr::null_mut(),
    }
}

/// Frames per channel of the staging buffer: the most one [`se_stream_write`] carries.
#[unsafe(no_mangle)]
pub extern "C" fn se_stream_staging_frames() -> u32 {
    STAGING_FRAMES as u32
}

/// Writes the first `frames` frames of the staging buffer (one channel per channel of the track)
/// to streamed track `id` at read index `k0` (a whole number, sent as `f64`) of `epoch` (see
/// [`Engine::stream_write`]). Returns the frames taken (0 for a stale epoch) or a negative
/// [`EngineError`] code; `StreamOutOfOrder` means: ask for the want again.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_stream_write(
    shell: *mut Shell,
    id: u32,
    epoch: u32,
    k0: f64,
    frames: u32,
) -> i32 {
    let Some(s) = (unsafe { shell.as_mut() }) else {
        return EngineError::InvalidValue.code();
    };
    let n = frames as usize;
    if !(k0 >= 0.0 && k0.fract() == 0.0 && k0 <= 9_007_199_254_740_992.0) || n > s.staging[0].len()
    {
        return EngineError::InvalidValue.code();
    }
    let channels = match s.engine.tracks().iter().find(|t| t.id() == id) {
        Some(t) => t.channels(),
        None => return EngineError::UnknownTrack.code(),
    };
    let [l, r] = &s.staging;
    let chunk = [&l[..n], &r[..n]];
    match s
        .engine
        .stream_write(id, epoch, k0 as u64, &chunk[..channels])
    {
        Ok(taken) => taken as i32,
        Err(e) => e.code(),
    }
}

/// What streamed track `id`'s feeder should write next, as [`WANT_WORDS`] `f64`s: `[epoch, from,
/// free, song_frame, run, underrun_frames]`: read index `from` of `epoch` is the stem's frame
/// `song_frame`, and the next `run` read indices (at most `free` and [`STAGING_FRAMES`]) are the
/// consecutive frames after it, so a feeder copies frames `song_frame .. song_frame + run` (zeros
/// past the stem's end) and writes them at `from`; the rest of a loop comes in later wants. See
/// [`Engine::stream_want`] and [`crate::ReadPlan`]. The address stays valid until the next call;
/// null for an unknown or resident track.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_stream_want(shell: *mut Shell, id: u32) -> *const f64 {
    let Some(s) = (unsafe { shell.as_mut() }) else {
        return core::ptr::null();
    };
    let Ok(w) = s.engine.stream_want(id) else {
        return core::ptr::null();
    };
    let underruns = s
        .engine
        .tracks()
        .iter()
        .find(|t| t.id() == id)
        .map_or(0, |t| t.underrun_frames());
    s.want = [
        w.epoch as f64,
        w.from as f64,
        w.free as f64,
        w.plan.song_frame(w.from) as f64,
        w.plan.run(w.from, w.free.min(STAGING_FRAMES)) as f64,
        underruns as f64,
    ];
    s.want.as_ptr()
}

/// For an export split across engines (see [`crate::split`]): the song is at least
/// `song_frames` long (a whole number of frames, as `f64`) and whether a track in another engine
/// is soloed (`solo_elsewhere` ≠ 0). Call after adding the tracks, before the settings.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_context(
    shell: *mut Shell,
    song_frames: f64,
    solo_elsewhere: u32,
) {
    if let Some(s) = unsafe { shell.as_mut() } {
        let frames = if song_frames.is_finite() && song_frames > 0.0 {
            song_frames as u64
        } else {
            0
        };
        s.engine.set_split_context(frames, solo_elsewhere != 0);
    }
}

/// Makes the engine a part of a split export, its tracks rendering into taps of `capacity`
/// frames (see [`Engine::split_as_part`]).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_part(shell: *mut Shell, capacity: u32) -> i32 {
    match unsafe { shell.as_mut() } {
        Some(s) => code(s.engine.split_as_part(capacity as usize)),
        None => EngineError::InvalidValue.code(),
    }
}

/// Frames in the taps since they were last cleared (0 when the engine is not a part).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_taps_len(shell: *mut Shell) -> u32 {
    unsafe { shell.as_ref() }
        .and_then(|s| s.engine.taps())
        .map_or(0, |t| t.len() as u32)
}

/// Channels per track in the taps: 6 (with the FX sends), 2, or 0 before the first render.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_taps_channels(shell: *mut Shell) -> u32 {
    unsafe { shell.as_ref() }
        .and_then(|s| s.engine.taps())
        .map_or(0, |t| t.channels() as u32)
}

/// Address of track `track`'s (0-based, in the engine's order) channel `ch` plane in the taps
/// (null if there is none).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_taps_ptr(shell: *mut Shell, track: u32, ch: u32) -> *const f32 {
    match unsafe { shell.as_ref() }
        .and_then(|s| s.engine.taps())
        .and_then(|t| t.plane(track as usize, ch as usize))
    {
        Some(p) => p.as_ptr(),
        None => core::ptr::null(),
    }
}

/// The taps have been read: start them afresh. Returns 1 if audio was lost (a track sent while
/// its sends were not carried, or the taps were full: the export must be refused), else 0.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_taps_clear(shell: *mut Shell) -> u32 {
    match unsafe { shell.as_mut() }.and_then(|s| s.engine.taps_mut()) {
        Some(t) => {
            t.clear();
            t.lost() as u32
        }
        None => 0,
    }
}

/// Makes the engine the summing engine of a split export, adding `tracks` tracks from the
/// other engines through an inlet of `capacity` frames (see [`Engine::split_as_sum`]).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_sum(shell: *mut Shell, tracks: u32, capacity: u32) -> i32 {
    match unsafe { shell.as_mut() } {
        Some(s) => code(s.engine.split_as_sum(tracks as usize, capacity as usize)),
        None => EngineError::InvalidValue.code(),
    }
}

/// Where the inlet's next frames go (the capacity minus this is the room); its unread frames
/// move to its start first when fewer than `want` would fit (see [`crate::split::Inlet::make_room`]).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_inlet_make_room(shell: *mut Shell, want: u32) -> u32 {
    unsafe { shell.as_mut() }
        .and_then(|s| s.engine.inlet_mut())
        .map_or(0, |i| i.make_room(want as usize).0 as u32)
}

/// Address of the inlet's plane for track `track` (0-based among the other engines' tracks, in
/// mix order), channel `ch` (0–5; null if there is none).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_inlet_ptr(shell: *mut Shell, track: u32, ch: u32) -> *mut f32 {
    match unsafe { shell.as_mut() }
        .and_then(|s| s.engine.inlet_mut())
        .and_then(|i| i.plane_mut(track as usize, ch as usize))
    {
        Some(p) => p.as_mut_ptr(),
        None => core::ptr::null_mut(),
    }
}

/// Whether inlet track `track`'s send planes are filled (`on` ≠ 0) and so added to the FX buses.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_inlet_sends(shell: *mut Shell, track: u32, on: u32) {
    if let Some(i) = unsafe { shell.as_mut() }.and_then(|s| s.engine.inlet_mut()) {
        i.set_sends(track as usize, on != 0);
    }
}

/// `frames` more frames were written into every inlet plane, after the filled ones.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_inlet_filled(shell: *mut Shell, frames: u32) {
    if let Some(i) = unsafe { shell.as_mut() }.and_then(|s| s.engine.inlet_mut()) {
        i.filled(frames as usize);
    }
}

/// Frames in the inlet not yet consumed.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_inlet_available(shell: *mut Shell) -> u32 {
    unsafe { shell.as_ref() }
        .and_then(|s| s.engine.inlet())
        .map_or(0, |i| i.available() as u32)
}

/// Frames the graph needed from the inlet that had not arrived (as `f64`).
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_split_inlet_missing(shell: *mut Shell) -> f64 {
    unsafe { shell.as_ref() }
        .and_then(|s| s.engine.inlet())
        .map_or(0.0, |i| i.missing() as f64)
}

/// The engine's latency in frames (see [`Engine::latency_frames`]): the most frames priming
/// renders beyond a block.
///
/// # Safety
/// `shell` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_latency_frames(shell: *mut Shell) -> u32 {
    unsafe { shell.as_ref() }.map_or(0, |s| s.engine.latency_frames() as u32)
}

/// Moves `from`'s recording of the master chain's input (or the one it replays) to `to`, to
/// replay from its start (see [`Engine::pass_premix_to`]): both engines live in this instance, so
/// nothing is copied. Returns 0, or [`EngineError::InvalidValue`] when either engine is missing,
/// they are the same, or `from` has no recording.
///
/// # Safety
/// `from` and `to` must come from [`se_engine_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn se_premix_pass_on(from: *mut Shell, to: *mut Shell) -> i32 {
    if from == to {
        return EngineError::InvalidValue.code();
    }
    let (Some(a), Some(b)) = (unsafe { from.as_mut() }, unsafe { to.as_mut() }) else {
        return EngineError::InvalidValue.code();
    };
    if a.engine.pass_premix_to(&mut b.engine) {
        0
    } else {
        EngineError::InvalidValue.code()
    }
}

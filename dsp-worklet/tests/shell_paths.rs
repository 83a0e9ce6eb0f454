//! The worklet shell's `extern "C"` paths (feature `wasm-shell`, run natively: `cargo test -p
//! dsp-worklet --features wasm-shell --test shell_paths`): whatever numbers the processor's
//! JavaScript passes, loading a track, replaying a premix and writing a stream chunk return a
//! code or a null address, never panic, never hand out an address without room behind it, and
//! leave an engine that renders finite audio.

#![cfg(feature = "wasm-shell")]

use dsp_worklet::EngineError;
use dsp_worklet::wasm_shell::*;
use proptest::prelude::*;

/// Renders a few blocks and checks they are finite.
unsafe fn renders_finite(s: *mut Shell) -> bool {
    let mut ok = true;
    for _ in 0..4 {
        unsafe { se_process(s, 128) };
        for ch in 0..2 {
            let out = unsafe { std::slice::from_raw_parts(se_out_ptr(s, ch), 128) };
            ok &= out.iter().all(|x| x.is_finite());
        }
    }
    ok
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn loading_a_track_never_panics_and_only_valid_shapes_get_memory(
        id in any::<u32>(),
        channels in 0u32..5,
        frames in prop_oneof![Just(0u32), 1u32..50_000],
        ch in 0u32..4,
        play in any::<bool>(),
    ) {
        unsafe {
            let s = se_engine_new(48_000.0);
            if play {
                se_command(s, 3.0, 0.0, 0.0, 0.0);
            }
            let rc = se_track_begin(s, id, channels, frames);
            let valid = (1..=2).contains(&channels) && frames > 0;
            prop_assert_eq!(rc == 0, valid, "rc {}", rc);
            let ptr = se_track_channel_ptr(s, ch);
            prop_assert_eq!(!ptr.is_null(), valid && ch < channels);
            if !ptr.is_null() {
                // The whole channel is writable.
                std::slice::from_raw_parts_mut(ptr, frames as usize).fill(0.25);
            }
            let commit = se_track_commit(s);
            prop_assert_eq!(commit == 0, valid);
            if !valid {
                prop_assert!(EngineError::from_code(commit).is_some());
            }
            // The same id again is refused; the engine still renders.
            prop_assert!(!valid || se_track_begin(s, id, 1, 16) == EngineError::DuplicateTrack.code());
            prop_assert!(renders_finite(s));
            se_engine_free(s);
        }
    }

    #[test]
    fn replaying_a_premix_never_panics_and_its_addresses_hold_the_recording(
        frames in 0u32..100_000,
        ch in 0u32..4,
        fill in prop::num::f32::ANY,
    ) {
        unsafe {
            let s = se_engine_new(44_100.0);
            prop_assert_eq!(se_premix_replay(s, frames), 0);
            let ptr = se_premix_replay_ptr(s, ch);
            prop_assert_eq!(!ptr.is_null(), ch < 2);
            if !ptr.is_null() {
                // NaN and infinities included: what reaches the output is still finite.
                std::slice::from_raw_parts_mut(ptr, frames as usize).fill(fill);
            }
            se_command(s, 3.0, 0.0, 0.0, 0.0);
            prop_assert!(renders_finite(s));
            prop_assert_eq!(se_premix_record(s, frames), 0);
            prop_assert!(se_premix_recorded_len(s) <= frames);
            se_engine_free(s);
        }
    }

    #[test]
    fn stream_writes_with_any_numbers_are_refused_or_taken_never_panic(
        channels in 0u32..4,
        capacity in 0u32..200_000,
        k0 in prop_oneof![Just(0.0f64), Just(-1.0), Just(0.5), Just(f64::NAN), Just(f64::INFINITY), 0.0f64..1e16],
        frames in 0u32..40_000,
        epoch in 0u32..3,
        id in 0u32..3,
    ) {
        unsafe {
            let s = se_engine_new(48_000.0);
            let add = se_stream_track_add(s, 1, channels, 480_000, capacity);
            if add != 0 {
                prop_assert!(EngineError::from_code(add).is_some());
            }
            for c in 0..2 {
                let p = se_stream_staging_ptr(s, c);
                prop_assert!(!p.is_null());
                std::slice::from_raw_parts_mut(p, se_stream_staging_frames() as usize).fill(0.5);
            }
            prop_assert!(se_stream_staging_ptr(s, 2).is_null());
            let rc = se_stream_write(s, id, epoch, k0, frames);
            prop_assert!(rc >= 0 || EngineError::from_code(rc).is_some(), "rc {}", rc);
            if rc > 0 {
                prop_assert!(rc as u32 <= frames.min(capacity));
            }
            let want = se_stream_want(s, id);
            prop_assert_eq!(!want.is_null(), id == 1 && add == 0);
            se_command(s, 3.0, 0.0, 0.0, 0.0);
            prop_assert!(renders_finite(s));
            se_engine_free(s);
        }
    }
}

#[test]
fn a_null_engine_is_refused_everywhere() {
    let null = std::ptr::null_mut();
    unsafe {
        assert!(se_command(null, 0.0, 0.0, 0.0, 0.0) < 0);
        assert!(se_track_begin(null, 1, 1, 1) < 0);
        assert!(se_track_channel_ptr(null, 0).is_null());
        assert!(se_track_commit(null) < 0);
        assert!(se_premix_record(null, 1) < 0);
        assert!(se_premix_replay(null, 1) < 0);
        assert!(se_premix_replay_ptr(null, 0).is_null());
        assert!(se_premix_recorded_ptr(null, 0).is_null());
        assert_eq!(se_premix_recorded_len(null), 0);
        assert!(se_stream_track_add(null, 1, 1, 1, 4096) < 0);
        assert!(se_stream_staging_ptr(null, 0).is_null());
        assert!(se_stream_write(null, 1, 0, 0.0, 1) < 0);
        assert!(se_stream_want(null, 1).is_null());
        assert!(se_split_part(null, 128) < 0);
        assert!(se_split_sum(null, 1, 128) < 0);
        assert!(se_split_taps_ptr(null, 0, 0).is_null());
        assert!(se_split_inlet_ptr(null, 0, 0).is_null());
        assert_eq!(se_split_taps_len(null), 0);
        assert_eq!(se_split_taps_channels(null), 0);
        assert_eq!(se_split_taps_clear(null), 0);
        assert_eq!(se_split_inlet_make_room(null, 1), 0);
        assert_eq!(se_split_inlet_available(null), 0);
        assert_eq!(se_split_inlet_missing(null), 0.0);
        assert_eq!(se_latency_frames(null), 0);
        assert!(se_premix_pass_on(null, null) < 0);
        se_split_context(null, 1.0, 1);
        se_split_inlet_sends(null, 0, 1);
        se_split_inlet_filled(null, 1);
        assert!(se_meter_snapshot(null).is_null());
        assert!(se_out_ptr(null, 0).is_null());
        se_process(null, 128);
        se_engine_free(null);
    }
}

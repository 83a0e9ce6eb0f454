//! Property-based fuzzing of everything that crosses the worklet boundary: arbitrary command
//! words, arbitrary meter words, and arbitrary interleavings of commands and renders of any block
//! size. Nothing may panic, the output must stay finite, free of subnormals, and bounded by what
//! the gains allow, and after every step the engine's own state (filter memories, envelopes,
//! delay lines, ramps, meters: `Engine::internal_state_finite`) must be finite too, since the
//! output is cleaned on its way out and would hide a NaN stuck in a feedback path.

mod common;
use common::*;
use dsp_worklet::params::Scope;
use dsp_worklet::{Command, Engine, MeterSnapshot, PARAMS};
use proptest::prelude::*;

/// Any f64, weighted towards the values a decoder finds hardest.
fn word() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        (0u32..12).prop_map(f64::from),
        (0u16..1100).prop_map(f64::from),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-0.0),
        Just(1e300),
        (-200.0f64..200.0),
    ]
}

/// A change of any row of the parameter table (master chain and monitoring included) on track 1,
/// 2 or 3 (or one that does not exist), to any value; or any command words.
fn command() -> impl Strategy<Value = Option<Command>> {
    prop_oneof![
        (0..PARAMS.len(), 0u32..5, word()).prop_map(|(row, track, value)| {
            let p = &PARAMS[row];
            let value = value as f32;
            Some(match p.scope {
                Scope::Track => Command::SetTrackParam {
                    track,
                    param: p.id,
                    value,
                },
                Scope::Master => Command::SetMasterParam { param: p.id, value },
            })
        }),
        [word(), word(), word(), word()].prop_map(|w| Command::from_words(w).ok()),
    ]
}

/// The fuzzed session's three tracks: mono noise, stereo noise, a mono sine.
fn session() -> Engine {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![noise(3_000, 0.5, 1)]).unwrap();
    e.add_track(2, vec![noise(2_000, 0.5, 2), noise(2_000, 0.5, 3)])
        .unwrap();
    e.add_track(3, vec![sine(1_000.0, 0.5, 5_000)]).unwrap();
    e
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn command_decoder_never_panics_and_round_trips_what_it_accepts(
        w in [word(), word(), word(), word()]
    ) {
        if let Ok(cmd) = Command::from_words(w) {
            prop_assert_eq!(Command::from_words(cmd.to_words()), Ok(cmd));
        }
    }

    #[test]
    fn meter_decoder_never_panics(words in prop::collection::vec(word(), 0..64)) {
        let _ = MeterSnapshot::decode(&words);
    }

    #[test]
    fn any_command_sequence_renders_finite_bounded_audio(
        script in prop::collection::vec(
            (prop::option::of([word(), word(), word(), word()]), 1usize..300),
            1..40,
        )
    ) {
        let mut e = session();
        // No blow-up: three tracks of ≤ 0.5 at ≤ +12 dB, sends ≤ +6 dB into a reverb (comb
        // feedback ≤ 0.98) and a delay (feedback ≤ 0.95), master ≤ +12 dB stay far below 10⁴.
        let bound = 1e4;
        let mut out = vec![0.0f32; 600];
        for (words, frames) in script {
            if let Some(w) = words
                && let Ok(cmd) = Command::from_words(w)
            {
                let _ = e.apply(cmd);
            }
            let (l, r) = out.split_at_mut(300);
            e.process(&mut l[..frames], &mut r[..frames]);
            for x in l[..frames].iter().chain(&r[..frames]) {
                prop_assert!(x.is_finite() && !x.is_subnormal() && x.abs() <= bound, "{}", x);
            }
            prop_assert!(e.internal_state_finite(), "non-finite state after {frames} frames");
            prop_assert!(MeterSnapshot::decode(e.meter_snapshot()).is_some());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Every module, both FX buses, the whole master chain and the monitor stage on and playing,
    /// then any parameter of the table (or any command) changed to anything between renders.
    /// Gains may pile up without a bound here (EQ boosts, makeups, drive), so the output is only
    /// required to be finite and free of subnormals; the state must stay finite.
    #[test]
    fn every_module_on_any_change_keeps_output_and_state_finite(
        script in prop::collection::vec((command(), 1usize..300), 1..40)
    ) {
        let mut e = session();
        everything_on(&mut e, 1..4);
        e.apply(Command::Play).unwrap();
        let mut out = vec![0.0f32; 600];
        for (cmd, frames) in script {
            if let Some(cmd) = cmd {
                let _ = e.apply(cmd);
            }
            let (l, r) = out.split_at_mut(300);
            e.process(&mut l[..frames], &mut r[..frames]);
            for x in l[..frames].iter().chain(&r[..frames]) {
                prop_assert!(x.is_finite() && !x.is_subnormal(), "{}", x);
            }
            prop_assert!(e.internal_state_finite(), "non-finite state after {frames} frames");
            prop_assert!(MeterSnapshot::decode(e.meter_snapshot()).is_some());
        }
    }
}

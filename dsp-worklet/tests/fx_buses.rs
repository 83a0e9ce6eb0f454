//! Sends and FX buses: where the signal goes, and that tails outlive the dry tracks.

mod common;
use common::*;
use dsp_worklet::{Command, Engine, ParamId};

fn master(e: &mut Engine, p: ParamId, v: f32) {
    e.apply(Command::SetMasterParam { param: p, value: v })
        .unwrap();
}

fn energy(x: &[f32]) -> f32 {
    x.iter().map(|v| v * v).sum::<f32>()
}

/// A 0.2 s burst sent to the reverb: the wet tail keeps sounding after the song ends and the
/// transport stops, and it decays.
#[test]
fn reverb_tail_rings_after_the_dry_tracks_stop() {
    let burst = noise(9_600, 0.5, 3);
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![burst.clone(), burst]).unwrap();
    set(&mut e, 1, ParamId::Send1Level, 0.0);
    master(&mut e, ParamId::ReverbSize, 80.0);
    e.apply(Command::Play).unwrap();
    let (l, _) = render(&mut e, 9_600, 128);
    assert!(energy(&l) > 0.0);
    let (tail1, _) = render(&mut e, 24_000, 128);
    assert!(!e.is_playing(), "the song (0.2 s) is over");
    let (tail2, _) = render(&mut e, 24_000, 128);
    let (e1, e2) = (energy(&tail1), energy(&tail2));
    assert!(e1 > 1e-3, "the tail rings after the stop: {e1}");
    assert!(e2 < e1 * 0.5, "and decays: {e2} vs {e1}");
    // Muting the return silences it (after its 5 ms switch ramp).
    master(&mut e, ParamId::ReverbMute, 1.0);
    render(&mut e, 480, 128);
    let (muted, _) = render(&mut e, 4_800, 128);
    assert_eq!(energy(&muted), 0.0);
}

/// With no sends, the buses add nothing: the output is the dry mix exactly.
#[test]
fn unused_buses_are_silent() {
    let x = noise(10_000, 0.5, 4);
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![x.clone(), x.clone()]).unwrap();
    master(&mut e, ParamId::ReverbSize, 100.0);
    master(&mut e, ParamId::DelayFeedback, 90.0);
    e.apply(Command::Play).unwrap();
    let (l, _) = render(&mut e, 10_000, 128);
    assert!(l == x);
}

/// A synced delay repeats a click every note value at the tempo (1/8 at 120 BPM = 250 ms), each
/// repeat the feedback times the last (high-cut wide open).
#[test]
fn synced_delay_repeats_on_the_beat() {
    let mut click = vec![0.0f32; 48_000];
    click[0] = 1.0;
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![click.clone(), click]).unwrap();
    set(&mut e, 1, ParamId::Send2Level, 0.0);
    for (p, v) in [
        (ParamId::DelaySync, 1.0),
        (ParamId::DelayNote, 0.5),
        (ParamId::DelayBpm, 120.0),
        (ParamId::DelayFeedback, 50.0),
        (ParamId::DelayHighCut, 20_000.0),
    ] {
        master(&mut e, p, v);
    }
    e.apply(Command::Play).unwrap();
    let (l, _) = render(&mut e, 48_000, 128);
    let peak_near = |at: usize| l[at - 3..at + 4].iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let beat = 12_000; // 250 ms at 48 kHz
    let (r1, r2) = (peak_near(beat), peak_near(2 * beat));
    assert!(r1 > 0.5, "first repeat at 250 ms: {r1}");
    assert!(
        (r2 / r1 - 0.5).abs() < 0.1,
        "second repeat at half the first (with high-cut): {}",
        r2 / r1
    );
    assert!(peak_near(beat / 2) < 1e-6, "nothing in between");
}

/// Pre-fader sends feed the bus with the fader down; post-fader sends follow the fader.
#[test]
fn pre_and_post_fader_sends() {
    for (pre, want_wet) in [(true, true), (false, false)] {
        let x = noise(4_800, 0.5, 5);
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![x.clone(), x]).unwrap();
        set(&mut e, 1, ParamId::Gain, -70.0); // fader at −∞
        set(&mut e, 1, ParamId::Send1Level, 0.0);
        set(&mut e, 1, ParamId::Send1Pre, pre as u8 as f32);
        e.apply(Command::Play).unwrap();
        let (l, _) = render(&mut e, 24_000, 128);
        assert_eq!(energy(&l) > 1e-4, want_wet, "pre = {pre}");
    }
}

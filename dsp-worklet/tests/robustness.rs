//! Robustness of the strips and FX buses: bad samples stay contained, states never turn
//! subnormal, and time-based effects land where they are set.

mod common;
use common::*;
use dsp_worklet::dsp::strip::StripChain;
use dsp_worklet::{Command, Engine, ParamId, ParamValues};

fn master(e: &mut Engine, p: ParamId, v: f32) {
    e.apply(Command::SetMasterParam { param: p, value: v })
        .unwrap();
}

/// Every strip module on, both sends up, reverb and delay long.
fn full_strip(e: &mut Engine, track: u32) {
    for (p, v) in [
        (ParamId::HpOn, 1.0),
        (ParamId::LpOn, 1.0),
        (ParamId::LpSlope, 24.0),
        (ParamId::EqOn, 1.0),
        (ParamId::Eq1Gain, 6.0),
        (ParamId::Eq2Gain, -6.0),
        (ParamId::Eq3Gain, 4.0),
        (ParamId::Eq4Gain, 3.0),
        (ParamId::GateOn, 1.0),
        (ParamId::GateThreshold, -50.0),
        (ParamId::CompOn, 1.0),
        (ParamId::CompThreshold, -30.0),
        (ParamId::SatOn, 1.0),
        (ParamId::SatDrive, 12.0),
        (ParamId::ChorusOn, 1.0),
        (ParamId::PhaserOn, 1.0),
        (ParamId::PhaserFeedback, 90.0),
        (ParamId::FlangerOn, 1.0),
        (ParamId::FlangerFeedback, 95.0),
        (ParamId::Send1Level, 0.0),
        (ParamId::Send2Level, 0.0),
    ] {
        set(e, track, p, v);
    }
}

/// NaN and ±∞ inside one stem: the output is exactly what it is with zeros there instead — the
/// bad samples never reach the output, the other track is untouched, and the strip plays on
/// normally afterwards.
#[test]
fn nan_and_inf_in_one_stem_change_nothing_else() {
    let frames = 48_000;
    let clean = noise(frames, 0.3, 21);
    let mut bad = noise(frames, 0.3, 22);
    let mut zeroed = bad.clone();
    for i in (10_000..10_400).chain(20_000..20_003) {
        bad[i] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][i % 3];
        zeroed[i] = 0.0;
    }
    let run = |second: &Vec<f32>| {
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![clean.clone(), clean.clone()]).unwrap();
        e.add_track(2, vec![second.clone(), second.clone()])
            .unwrap();
        full_strip(&mut e, 1);
        full_strip(&mut e, 2);
        e.apply(Command::Play).unwrap();
        render(&mut e, frames, 128)
    };
    let (l, r) = run(&bad);
    assert!(l.iter().chain(&r).all(|x| x.is_finite()));
    let (l0, r0) = run(&zeroed);
    assert!(
        l == l0 && r == r0,
        "the bad samples act as silence, bit for bit"
    );
}

/// Should a NaN reach a strip anyway (stems are sanitised on load, so only a bug could do it),
/// that block goes silent and the chain starts afresh: every later block is exactly what a
/// fresh strip gives.
#[test]
fn a_strip_recovers_from_a_nan_block() {
    let mut v = ParamValues::default();
    for (p, x) in [
        (ParamId::HpOn, 1.0),
        (ParamId::EqOn, 1.0),
        (ParamId::Eq2Gain, 9.0),
        (ParamId::CompOn, 1.0),
        (ParamId::SatOn, 1.0),
        (ParamId::ChorusOn, 1.0),
        (ParamId::PhaserOn, 1.0),
        (ParamId::FlangerOn, 1.0),
    ] {
        v.set(p, x);
    }
    let mut hit = StripChain::new(&v, RATE);
    let mut fresh = StripChain::new(&v, RATE);
    let x = noise(128 * 20, 0.5, 9);
    let mut bad = vec![0.2f32; 128];
    bad[40] = f32::NAN;
    let (mut l, mut r) = (bad.clone(), bad.clone());
    hit.process(&mut l, &mut r, true);
    assert!(
        l.iter().chain(&r).all(|s| *s == 0.0),
        "the NaN block is silent"
    );
    let (mut z1, mut z2) = (vec![0.0f32; 128], vec![0.0f32; 128]);
    fresh.process(&mut z1, &mut z2, true);
    for block in x.chunks(128) {
        let (mut a, mut b) = (block.to_vec(), block.to_vec());
        let (mut c, mut d) = (block.to_vec(), block.to_vec());
        hit.process(&mut a, &mut b, true);
        fresh.process(&mut c, &mut d, true);
        assert!(a == c && b == d, "recovered strip equals a fresh one");
    }
}

/// Half a second of loud noise into every module and both buses, then long silence: no filter
/// memory, envelope, comb, allpass or delay line (the flanger's and phaser's feedback included) may hold a subnormal value at any point.
#[test]
fn states_hold_no_subnormals_after_long_silence() {
    let mut stem = noise(24_000, 0.5, 31);
    // A fade to very quiet before the silence, so states pass through every magnitude.
    stem.extend(noise(24_000, 1.0, 32).iter().enumerate().map(|(i, x)| {
        x * 10f32.powf(-(i as f32 / 24_000.0) * 30.0) // 0 → −600 dB over 0.5 s
    }));
    stem.resize(48_000 * 30, 0.0);
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![stem.clone(), stem.clone()]).unwrap();
    e.add_track(2, vec![stem.clone()]).unwrap(); // a mono stem too
    full_strip(&mut e, 1);
    full_strip(&mut e, 2);
    master(&mut e, ParamId::ReverbSize, 100.0);
    master(&mut e, ParamId::DelayFeedback, 90.0);
    e.apply(Command::Play).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 128], vec![0.0f32; 128]);
    let mut worst = 0;
    for block in 0..(48_000 * 30 / 128) {
        e.process(&mut l, &mut r);
        assert!(
            l.iter()
                .chain(&r)
                .all(|x| x.is_finite() && !x.is_subnormal()),
            "block {block}"
        );
        if block % 100 == 0 {
            worst = worst.max(e.subnormal_states());
        }
    }
    assert_eq!(worst, 0, "subnormal state values");
}

/// The first repeat of an impulse lands on the sample the delay time names (rounded to the
/// nearest frame when the time is fractional), and with feedback below 1 each repeat is
/// smaller than the last.
#[test]
fn delay_repeats_land_on_the_exact_sample() {
    // (time in ms, or None for a note value of 1/4 at 93 BPM = 645.16 ms) → expected frame
    for (ms, expect) in [
        (Some(100.0), 4_800.0),
        (Some(333.0), 15_984.0),
        (Some(1.5), 72.0),
        (None, 60_000.0f64 / 93.0 * 48.0),
    ] {
        let mut click = vec![0.0f32; 96_000];
        click[0] = 1.0;
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![click.clone(), click]).unwrap();
        set(&mut e, 1, ParamId::Gain, -70.0); // the dry click off: only the repeats
        set(&mut e, 1, ParamId::Send2Level, 0.0);
        set(&mut e, 1, ParamId::Send2Pre, 1.0);
        match ms {
            Some(t) => master(&mut e, ParamId::DelayTime, t),
            None => {
                master(&mut e, ParamId::DelaySync, 1.0);
                master(&mut e, ParamId::DelayNote, 1.0);
                master(&mut e, ParamId::DelayBpm, 93.0);
            }
        }
        master(&mut e, ParamId::DelayFeedback, 60.0);
        master(&mut e, ParamId::DelayHighCut, 20_000.0);
        e.apply(Command::Play).unwrap();
        let (l, _) = render(&mut e, 96_000, 128);
        let argmax = |from: usize, to: usize| {
            (from..to)
                .max_by(|&a, &b| l[a].abs().total_cmp(&l[b].abs()))
                .unwrap()
        };
        let want = expect.round() as usize;
        let first = argmax(0, want + want / 2);
        assert_eq!(first, want, "first repeat for {ms:?} ms");
        let second = argmax(want + want / 2, (2 * want + want / 2).min(l.len()));
        assert!(
            second.abs_diff(2 * want) <= 1,
            "second repeat at {second}, want {}",
            2 * want
        );
        assert!(l[second].abs() < l[first].abs(), "feedback < 1 decays");
    }
}

/// Reverb decay (Schroeder backward integration of an impulse's wet response) reaches −60 dB
/// within the analytic RT60 of its slowest comb loop, `3·M / (fs·−log10 g)` — a bound that
/// grows with size — and the decay itself grows with size.
#[test]
fn reverb_decays_within_a_bound_that_grows_with_size() {
    let mut last = 0.0;
    for size in [0.0f32, 25.0, 50.0, 75.0, 100.0] {
        let g = 0.7 + 0.28 * size / 100.0; // Freeverb's room-size → comb feedback
        let m = (1617.0 + 23.0) * RATE as f64 / 44_100.0; // longest comb, frames
        let bound = 3.0 * m / (RATE as f64 * -(g as f64).log10());
        let frames = ((bound * 1.2 + 0.5) * RATE as f64) as usize;
        let mut click = vec![0.0f32; frames];
        click[0] = 1.0;
        let mut e = Engine::new(RATE);
        e.add_track(1, vec![click.clone(), click]).unwrap();
        set(&mut e, 1, ParamId::Gain, -70.0);
        set(&mut e, 1, ParamId::Send1Level, 0.0);
        set(&mut e, 1, ParamId::Send1Pre, 1.0);
        master(&mut e, ParamId::ReverbSize, size);
        master(&mut e, ParamId::ReverbDamping, 50.0);
        master(&mut e, ParamId::ReverbPredelay, 0.0);
        e.apply(Command::Play).unwrap();
        let (l, r) = render(&mut e, frames, 128);
        // Energy decay curve.
        let mut edc: Vec<f64> = l
            .iter()
            .zip(&r)
            .map(|(a, b)| (*a as f64).powi(2) + (*b as f64).powi(2))
            .collect();
        for i in (0..edc.len() - 1).rev() {
            edc[i] += edc[i + 1];
        }
        let total = edc[0];
        assert!(total > 0.0);
        let t60 = edc
            .iter()
            .position(|v| 10.0 * (v / total).log10() < -60.0)
            .map(|i| i as f64 / RATE as f64)
            .expect("decays 60 dB within the render");
        assert!(
            t60 <= bound,
            "size {size} %: T60 {t60:.2} s over the bound {bound:.2} s"
        );
        assert!(t60 > last, "size {size} %: T60 {t60:.2} s vs {last:.2} s");
        last = t60;
    }
}

/// Renders `stem` (both channels) on track 1 of an engine set up by `setup`, block by block;
/// returns the output and, per 128-frame block, whether the engine's state was all finite
/// after it. The meters are read after every block, as the page does (a level meter holds an
/// overflowed reading until it is read).
fn render_probed(stem: &[f32], setup: impl Fn(&mut Engine)) -> (Vec<f32>, Vec<f32>, Vec<bool>) {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![stem.to_vec(), stem.to_vec()]).unwrap();
    setup(&mut e);
    e.apply(Command::Play).unwrap();
    let (mut l, mut r) = (vec![0.0f32; stem.len()], vec![0.0f32; stem.len()]);
    let mut finite = Vec::new();
    for (a, b) in l.chunks_mut(128).zip(r.chunks_mut(128)) {
        e.process(a, b);
        e.meter_snapshot();
        finite.push(e.internal_state_finite());
    }
    (l, r, finite)
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Checks a run with an overflowing burst against the same run without it: the output stays
/// finite, the state is poisoned for a moment and clean again from `clean_from` on, and the
/// last second is what the clean run gives (the tone back at its level).
fn assert_recovers(
    hot: (Vec<f32>, Vec<f32>, Vec<bool>),
    reference: (Vec<f32>, Vec<f32>, Vec<bool>),
    clean_from: usize,
) {
    let (l, r, finite) = hot;
    let (l0, r0, _) = reference;
    assert!(
        l.iter().chain(&r).all(|x| x.is_finite()),
        "the output stays finite"
    );
    assert!(
        finite.iter().any(|f| !f),
        "the burst poisons the state (else the test tests nothing)"
    );
    let first_bad = finite.iter().position(|f| !f).unwrap();
    assert!(
        finite[clean_from / 128..].iter().all(|f| *f),
        "state finite again from frame {clean_from} (poisoned at block {first_bad}, finite per block: {:?})",
        &finite[first_bad..(first_bad + 40).min(finite.len())]
    );
    let tail = l.len() - 48_000;
    for (a, b) in [(&l, &l0), (&r, &r0)] {
        let (a, b) = (&a[tail..], &b[tail..]);
        let want = rms(b);
        assert!(want > 1e-3, "the reference is audible: {want}");
        let got = rms(a);
        assert!(
            (db(got as f32) - db(want as f32)).abs() < 0.1,
            "the tone comes back at its level: {got} vs {want}"
        );
        let diff: Vec<f32> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        assert!(
            rms(&diff) < 1e-3 * want,
            "and matches the clean run: {}",
            rms(&diff)
        );
    }
}

/// A full-scale burst through a +6 dB pre-fader send overflows to ∞ inside the reverb (stems
/// are finite, so this is a legal input): the reverb's return is left out of that block, the bus
/// starts afresh, and the reverb of the tone that follows sounds as if the burst never was.
#[test]
fn the_reverb_bus_recovers_from_an_overflowing_send() {
    let frames = 48_000 * 4;
    let tone = sine(1_000.0, 0.25, frames);
    let mut hot = tone.clone();
    hot[4_800..4_900].fill(f32::MAX);
    let setup = |e: &mut Engine| {
        set(e, 1, ParamId::Gain, -70.0); // the dry track off: only the reverb
        set(e, 1, ParamId::Send1Level, 6.0);
        set(e, 1, ParamId::Send1Pre, 1.0);
        master(e, ParamId::ReverbSize, 0.0);
        master(e, ParamId::ReverbPredelay, 0.0);
    };
    assert_recovers(
        render_probed(&hot, setup),
        render_probed(&tone, setup),
        48_000 / 5,
    );
}

/// The same through the delay bus (feedback up, so a poisoned line would recirculate).
#[test]
fn the_delay_bus_recovers_from_an_overflowing_send() {
    let frames = 48_000 * 4;
    let tone = sine(1_000.0, 0.25, frames);
    let mut hot = tone.clone();
    hot[4_800..4_900].fill(f32::MAX);
    let setup = |e: &mut Engine| {
        set(e, 1, ParamId::Gain, -70.0);
        set(e, 1, ParamId::Send2Level, 6.0);
        set(e, 1, ParamId::Send2Pre, 1.0);
        master(e, ParamId::DelayTime, 50.0);
        master(e, ParamId::DelayFeedback, 30.0);
    };
    assert_recovers(
        render_probed(&hot, setup),
        render_probed(&tone, setup),
        48_000 / 5,
    );
}

/// A full-scale burst through the master fader at +12 dB overflows to ∞ on the master bus (a
/// legal input): the master chain's output for that block is silent, the chain starts afresh,
/// and the tone that follows comes out as it does without the burst.
#[test]
fn the_master_chain_recovers_from_an_overflowing_mix() {
    let frames = 48_000 * 3;
    let tone = sine(1_000.0, 0.05, frames);
    let mut hot = tone.clone();
    hot[4_800..4_900].fill(f32::MAX);
    for stages in [false, true] {
        let setup = |e: &mut Engine| {
            master(e, ParamId::MasterGain, 12.0);
            if stages {
                // Every stage in, so each one's state is poisoned and must be cleared.
                for (p, v) in [
                    (ParamId::MeqOn, 1.0),
                    (ParamId::MeqTilt, 2.0),
                    (ParamId::MbOn, 1.0),
                    (ParamId::WidthOn, 1.0),
                    (ParamId::MonoBelowOn, 1.0),
                    (ParamId::MsatOn, 1.0),
                    (ParamId::LimOn, 1.0),
                ] {
                    master(e, p, v);
                }
            }
        };
        assert_recovers(
            render_probed(&hot, setup),
            render_probed(&tone, setup),
            48_000 / 5,
        );
    }
}

//! Real-time rule, proven mechanically: `process()` and the meter snapshot never touch the heap.
//! A global allocator counts every allocation, reallocation and free made on a thread while that
//! thread is "armed"; the test arms it around nothing but rendering, parameter changes and (for
//! streamed tracks) the feeder's queries and writes. The sessions run every processor there is:
//! every strip module, both sends into both FX buses, every master stage and the monitor stage.

mod common;
use common::*;
use dsp_worklet::meter::{HEADER_WORDS, TRACK_WORDS};
use dsp_worklet::{Command, Engine, ParamId};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct CountingAlloc;

static HEAP_CALLS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if ARMED.with(|a| a.get()) {
        HEAP_CALLS.fetch_add(1, Ordering::SeqCst);
    }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn armed<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = HEAP_CALLS.load(Ordering::SeqCst);
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (r, HEAP_CALLS.load(Ordering::SeqCst) - before)
}

#[test]
fn counting_allocator_sees_allocations() {
    // The referee works: an allocation while armed is counted.
    let (_, n) = armed(|| std::hint::black_box(vec![1u8; 64]));
    assert!(n >= 1);
}

#[test]
fn process_and_meters_never_allocate() {
    let mut e = Engine::new(RATE);
    for id in 0..16u32 {
        let ch = if id % 2 == 0 { 1 } else { 2 };
        e.add_track(
            id,
            (0..ch)
                .map(|c| noise(20_000, 0.2, id * 2 + c + 1))
                .collect(),
        )
        .unwrap();
    }
    // Every strip module, both FX buses, the whole master chain and the monitor stage on.
    everything_on(&mut e, 0..16);
    let mut l = vec![0.0f32; 128];
    let mut r = vec![0.0f32; 128];
    // Deepest gain reduction seen: limiter, gates, compressors (dB).
    let mut deepest = [0.0f64; 3];
    let mut energy = 0.0f64;
    let ((), calls) = armed(|| {
        e.apply(Command::SetLoop {
            start: 1_000,
            end: 15_000,
        })
        .unwrap();
        e.apply(Command::Play).unwrap();
        for block in 0..2_000u32 {
            match block % 50 {
                0 => set(&mut e, block % 16, ParamId::Gain, -((block % 40) as f32)),
                10 => set(
                    &mut e,
                    block % 16,
                    ParamId::Pan,
                    (block % 200) as f32 - 100.0,
                ),
                20 => set(&mut e, block % 16, ParamId::Mute, (block % 2) as f32),
                30 => set(
                    &mut e,
                    block % 16,
                    ParamId::Solo,
                    (block % 3 == 0) as u8 as f32,
                ),
                40 => e
                    .apply(Command::Seek {
                        frame: (block as u64 * 37) % 20_000,
                        serial: block,
                    })
                    .unwrap(),
                // Voices and stages crossfade; a module switched on starts at the song's phase.
                25 => set(
                    &mut e,
                    block % 16,
                    ParamId::ChorusVoices,
                    (block % 4 + 1) as f32,
                ),
                27 => set(
                    &mut e,
                    block % 16,
                    ParamId::PhaserStages,
                    (block % 6 * 2 + 2) as f32,
                ),
                35 => set(
                    &mut e,
                    block % 16,
                    ParamId::FlangerOn,
                    (block % 3 != 0) as u8 as f32,
                ),
                45 => e
                    .apply(Command::SetMasterParam {
                        param: ParamId::MasterGain,
                        value: -3.0,
                    })
                    .unwrap(),
                _ => {}
            }
            if block == 1_500 {
                e.apply(Command::Pause).unwrap();
            }
            if block == 1_600 {
                e.apply(Command::Play).unwrap();
            }
            // The master chain's bypass crossfades out and back in.
            if block == 1_700 || block == 1_720 {
                e.apply(Command::SetMasterParam {
                    param: ParamId::MasterBypass,
                    value: (block == 1_700) as u8 as f32,
                })
                .unwrap();
            }
            e.process(&mut l, &mut r);
            energy += l.iter().chain(&r).map(|x| (x * x) as f64).sum::<f64>();
            if block % 12 == 0 {
                // Read in place (decoding would allocate): word 15 is the limiter's reduction,
                // words 4 and 5 of a track's record its gate's and compressor's (see `meter`).
                let w = std::hint::black_box(e.meter_snapshot());
                deepest[0] = deepest[0].max(w[15]);
                for t in w[HEADER_WORDS..].chunks_exact(TRACK_WORDS).take(16) {
                    deepest[1] = deepest[1].max(t[4]);
                    deepest[2] = deepest[2].max(t[5]);
                }
            }
        }
    });
    assert_eq!(
        calls, 0,
        "process/apply/meter_snapshot touched the heap {calls} times"
    );
    // Not a vacuous run: sound came out, and the limiter, gates and compressors worked.
    assert!(energy > 1.0, "silent: {energy}");
    assert!(deepest.iter().all(|&db| db > 1.0), "{deepest:?}");
}

/// Feeds streamed track `id` from its whole stem without allocating: chunks are slices of the
/// stem, or of `zeros` past its end.
fn feed(e: &mut Engine, id: u32, stem: &[Vec<f32>], zeros: &[f32]) {
    let Ok(w) = e.stream_want(id) else { return };
    let len = stem[0].len() as u64;
    let (mut k, mut left) = (w.from, w.free.min(zeros.len()));
    while left > 0 {
        let run = w.plan.run(k, left);
        let s = w.plan.song_frame(k);
        let inside = (len.saturating_sub(s) as usize).min(run);
        let s = s as usize;
        let mut parts = [[&zeros[..0]; 2]; 2];
        for (c, ch) in stem.iter().enumerate() {
            parts[0][c] = if inside > 0 {
                &ch[s..s + inside]
            } else {
                &zeros[..0]
            };
            parts[1][c] = &zeros[..run - inside];
        }
        let mut at = k;
        for part in &parts {
            let n = part[0].len();
            if n > 0 {
                let taken = e.stream_write(id, w.epoch, at, &part[..stem.len()]);
                assert_eq!(taken, Ok(n));
                at += n as u64;
            }
        }
        k += run as u64;
        left -= run;
    }
}

#[test]
fn streamed_tracks_never_allocate_while_playing() {
    let mut e = Engine::new(RATE);
    let stems: Vec<Vec<Vec<f32>>> = (0..6u32)
        .map(|id| {
            let ch = if id % 2 == 0 { 1 } else { 2 };
            (0..ch)
                .map(|c| noise(30_000 + id as usize * 1_000, 0.2, id * 2 + c + 1))
                .collect()
        })
        .collect();
    // Tracks 0–2 resident, 3–5 streamed through rings of 4 096 frames.
    for (id, stem) in stems.iter().enumerate() {
        let id = id as u32;
        if id < 3 {
            e.add_track(id, stem.clone()).unwrap();
        } else {
            e.add_streamed_track(id, stem.len(), stem[0].len(), 4_096)
                .unwrap();
        }
    }
    // Every strip module, both FX buses, the whole master chain and the monitor stage on.
    everything_on(&mut e, 0..6);
    let zeros = vec![0.0f32; 4_096];
    let mut l = vec![0.0f32; 128];
    let mut r = vec![0.0f32; 128];
    let ((), calls) = armed(|| {
        e.apply(Command::SetLoop {
            start: 5_000,
            end: 9_000,
        })
        .unwrap();
        e.apply(Command::Play).unwrap();
        let mut starve_from = u32::MAX;
        for block in 0..3_000u32 {
            match block % 400 {
                // Seeks while playing (before or into the loop, so playback never reaches the
                // song's end); the feeders then sleep for 6 blocks, so the engine waits.
                100 => {
                    e.apply(Command::Seek {
                        frame: (block as u64 * 53) % 9_000,
                        serial: block,
                    })
                    .unwrap();
                    starve_from = block;
                }
                // Back into the loop, which wraps every 4 000 frames.
                300 => e
                    .apply(Command::Seek {
                        frame: 4_000,
                        serial: 0,
                    })
                    .unwrap(),
                _ => {}
            }
            if block == 2_000 {
                e.apply(Command::Pause).unwrap();
            }
            if block == 2_100 {
                e.apply(Command::Play).unwrap();
            }
            for (id, stem) in stems.iter().enumerate().skip(3) {
                let asleep = block >= starve_from && block < starve_from + 6;
                // Track 5 starves for a while (underruns), and through one seek (a wait that
                // gives up after half a second).
                let starved = id == 5 && (1_150..1_700).contains(&block);
                if !asleep && !starved {
                    feed(&mut e, id as u32, stem, &zeros);
                }
            }
            e.process(&mut l, &mut r);
            if block % 12 == 0 {
                std::hint::black_box(e.meter_snapshot());
            }
        }
    });
    assert_eq!(
        calls, 0,
        "streamed process/feeding/meter_snapshot touched the heap {calls} times"
    );
    // The paths meant to run did.
    assert!(e.waited_blocks() > 0);
    assert!(e.underrun_frames() > 0);
    assert!(e.is_playing());
}

/// The recoveries from a non-finite block (an FX bus or the master chain starting afresh, see
/// `robustness.rs`) run inside `process()`, so they must not touch the heap either: a full-scale
/// burst on a plain track through +6 dB sends and a +12 dB master fader overflows to ∞ in both
/// buses and on the master bus, with every bus and master processor on (and a second track with
/// every strip module on).
#[test]
fn recovering_from_an_overflow_never_allocates() {
    let mut stem = noise(48_000, 0.05, 5);
    stem[4_800..4_900].fill(f32::MAX);
    let mut e = Engine::new(RATE);
    e.add_track(0, vec![stem.clone(), stem]).unwrap();
    e.add_track(1, vec![noise(48_000, 0.05, 6)]).unwrap();
    // Track 1's strip on, and the buses and the master chain; track 0's strip stays plain (a
    // saturator on it would tame the burst).
    everything_on(&mut e, 1..2);
    for p in [ParamId::Send1Level, ParamId::Send2Level] {
        set(&mut e, 0, p, 6.0);
    }
    e.apply(Command::SetMasterParam {
        param: ParamId::MasterGain,
        value: 12.0,
    })
    .unwrap();
    e.apply(Command::Play).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 128], vec![0.0f32; 128]);
    let (mut calls, mut poisoned) = (0, false);
    for _ in 0..48_000 / 128 {
        calls += armed(|| {
            e.process(&mut l, &mut r);
            std::hint::black_box(e.meter_snapshot());
        })
        .1;
        poisoned |= !e.internal_state_finite();
    }
    assert_eq!(calls, 0, "the recovery touched the heap {calls} times");
    assert!(
        poisoned,
        "the burst got into the state (else this tests nothing)"
    );
    assert!(e.internal_state_finite(), "and it is all gone");
}

#[test]
fn a_split_exports_engines_never_allocate_while_rendering() {
    // A part (tracks into taps, with sends) and a summing engine (its track plus the inlet):
    // rendering, taking the taps and filling the inlet between blocks touch no heap.
    let frames = 48_000;
    let stem = || vec![noise(frames, 0.3, 3), noise(frames, 0.3, 4)];
    let mut part = Engine::new(48_000.0);
    part.add_track(2, stem()).unwrap();
    part.set_split_context(frames as u64, false);
    part.split_as_part(8_192).unwrap();
    let mut sum = Engine::new(48_000.0);
    sum.add_track(1, stem()).unwrap();
    sum.set_split_context(frames as u64, false);
    sum.split_as_sum(1, 8_192).unwrap();
    for (e, id) in [(&mut part, 2), (&mut sum, 1)] {
        everything_on(e, id..id + 1);
    }
    let move_taps = |part: &mut Engine, sum: &mut Engine| {
        let taps = part.taps().unwrap();
        let (len, channels) = (taps.len(), taps.channels());
        let inlet = sum.inlet_mut().unwrap();
        let (at, free) = inlet.make_room(len);
        assert!(len <= free);
        for ch in 0..channels {
            inlet.plane_mut(0, ch).unwrap()[at..at + len]
                .copy_from_slice(&taps.plane(0, ch).unwrap()[..len]);
        }
        inlet.set_sends(0, channels == 6);
        inlet.filled(len);
        part.taps_mut().unwrap().clear();
    };
    part.apply(Command::Play).unwrap();
    move_taps(&mut part, &mut sum);
    sum.apply(Command::Play).unwrap();
    let (mut l, mut r) = (vec![0.0; 128], vec![0.0; 128]);
    let (_, calls) = armed(|| {
        for _ in 0..200 {
            part.process(&mut l, &mut r);
            move_taps(&mut part, &mut sum);
            sum.process(&mut l, &mut r);
        }
    });
    assert_eq!(calls, 0, "heap calls while rendering a split export");
    assert_eq!(sum.inlet().unwrap().missing(), 0);
    assert_eq!(
        part.taps().unwrap().channels(),
        6,
        "the part carried its sends"
    );
    assert!(l.iter().any(|x| *x != 0.0));
}

/// 64 automated lanes (a fader, pan, EQ and send lane on each of 16 tracks, every module on):
/// following them, writing their points, changing their lengths, turning them off and on and
/// seeking never touch the heap.
#[test]
fn following_and_editing_64_automation_lanes_never_allocates() {
    use dsp_worklet::automation::Curve;
    let mut e = Engine::new(RATE);
    for id in 0..16u32 {
        e.add_track(
            id,
            vec![noise(30_000, 0.2, id + 1), noise(30_000, 0.2, id + 40)],
        )
        .unwrap();
    }
    everything_on(&mut e, 0..16);
    let params = [
        ParamId::Gain,
        ParamId::Pan,
        ParamId::Eq2Gain,
        ParamId::Send1Level,
    ];
    for t in 0..16u32 {
        for (k, p) in params.iter().enumerate() {
            e.add_lane(t * 4 + k as u32, t, *p, 64).unwrap();
        }
    }
    let mut l = vec![0.0f32; 128];
    let mut r = vec![0.0f32; 128];
    let mut energy = 0.0f64;
    let ((), calls) = armed(|| {
        for lane in 0..64u32 {
            let spec = params[lane as usize % 4].spec();
            for i in 0..50u32 {
                let frame = i as u64 * 600;
                let value = if i % 2 == 0 {
                    spec.min.max(-30.0)
                } else {
                    spec.max.min(6.0)
                };
                e.apply(Command::SetLanePoint {
                    lane,
                    index: i,
                    frame,
                    value,
                    curve: [Curve::Linear, Curve::Slow, Curve::Fast][(i % 3) as usize],
                })
                .unwrap();
            }
            e.apply(Command::SetLaneLength { lane, len: 50 }).unwrap();
        }
        e.apply(Command::Play).unwrap();
        for block in 0..1_500u32 {
            match block % 100 {
                10 => e
                    .apply(Command::SetLaneReading {
                        lane: block % 64,
                        on: false,
                    })
                    .unwrap(),
                30 => e
                    .apply(Command::SetLaneReading {
                        lane: (block - 20) % 64,
                        on: true,
                    })
                    .unwrap(),
                50 => e
                    .apply(Command::Seek {
                        frame: (block as u64 * 131) % 30_000,
                        serial: block,
                    })
                    .unwrap(),
                70 => e
                    .apply(Command::SetLaneLength {
                        lane: block % 64,
                        len: block % 50,
                    })
                    .unwrap(),
                _ => {}
            }
            e.process(&mut l, &mut r);
            energy += l.iter().chain(&r).map(|x| (x * x) as f64).sum::<f64>();
            std::hint::black_box(e.meter_snapshot());
        }
    });
    assert_eq!(calls, 0, "automation touched the heap {calls} times");
    assert!(energy > 1.0, "silent: {energy}");
    assert!(e.lane(5).is_some_and(|l| l.points().len() == 50));
}

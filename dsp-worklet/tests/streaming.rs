//! Streamed stems: a track fed through a small ring by a feeder must sound exactly like the same
//! stem held whole, through seeks, loops, pauses and stops at any block size; a starved ring is
//! silence counted as underruns; a relocation the feeder has not caught up with waits instead.

mod common;
use common::*;
use dsp_worklet::transport::Transport;
use dsp_worklet::{Command, Engine, EngineError, MeterSnapshot, ParamId, ReadPlan};
use proptest::prelude::*;

/// Ring capacity of the streamed tracks: far smaller than the songs.
const CAPACITY: usize = 3_000;

/// The synchronous test feeder: writes as much of `stem` as track `id`'s ring has room for,
/// in the order the plan reads it (zeros past the stem's end). Returns the frames written.
fn feed(e: &mut Engine, id: u32, stem: &[Vec<f32>]) -> usize {
    feed_up_to(e, id, stem, usize::MAX)
}

/// [`feed`], writing at most `most` frames.
fn feed_up_to(e: &mut Engine, id: u32, stem: &[Vec<f32>], most: usize) -> usize {
    let w = e.stream_want(id).unwrap();
    let len = stem[0].len() as u64;
    let zeros = vec![0.0f32; w.free.min(most)];
    let (mut k, mut left) = (w.from, w.free.min(most));
    while left > 0 {
        let run = w.plan.run(k, left);
        let s = w.plan.song_frame(k);
        let inside = (len.saturating_sub(s) as usize).min(run);
        let chunk: Vec<&[f32]> = stem
            .iter()
            .map(|c| &c[(s as usize).min(c.len())..][..inside])
            .collect();
        if inside > 0 {
            assert_eq!(e.stream_write(id, w.epoch, k, &chunk), Ok(inside));
        }
        let pad: Vec<&[f32]> = stem.iter().map(|_| &zeros[..run - inside]).collect();
        if run > inside {
            let at = k + inside as u64;
            assert_eq!(e.stream_write(id, w.epoch, at, &pad), Ok(run - inside));
        }
        k += run as u64;
        left -= run;
    }
    w.free.min(most)
}

/// A mono and a stereo stem of different lengths.
fn stems() -> [Vec<Vec<f32>>; 2] {
    let mono: Vec<f32> = noise(18_500, 0.3, 11)
        .iter()
        .zip(sine(330.0, 0.2, 18_500))
        .map(|(a, b)| a + b)
        .collect();
    let stereo = vec![noise(33_000, 0.25, 12), sine(220.0, 0.4, 33_000)];
    [vec![mono], stereo]
}

/// The session, with its stems held whole or streamed through rings of [`CAPACITY`]: a strip
/// module on each track and a send from the mono one into the reverb.
fn session(streamed: bool, stems: &[Vec<Vec<f32>>; 2]) -> Engine {
    let mut e = Engine::new(RATE);
    for (i, stem) in stems.iter().enumerate() {
        let id = i as u32 + 1;
        if streamed {
            e.add_streamed_track(id, stem.len(), stem[0].len(), CAPACITY)
                .unwrap();
        } else {
            e.add_track(id, stem.clone()).unwrap();
        }
    }
    set(&mut e, 1, ParamId::HpOn, 1.0);
    set(&mut e, 1, ParamId::Send1Level, -6.0);
    set(&mut e, 1, ParamId::Pan, -30.0);
    set(&mut e, 2, ParamId::EqOn, 1.0);
    set(&mut e, 2, ParamId::Eq1Gain, 6.0);
    set(&mut e, 2, ParamId::Gain, -3.0);
    e
}

/// Output frame → command, spaced wider than the largest block so each lands in its own step.
fn script() -> Vec<(usize, Command)> {
    vec![
        (0, Command::Play),
        (
            4_000,
            Command::Seek {
                frame: 12_000,
                serial: 0,
            },
        ),
        // The playhead (~16 000) runs into a loop shorter than the ring, across the mono's end.
        (
            8_000,
            Command::SetLoop {
                start: 18_000,
                end: 19_000,
            },
        ),
        (14_000, Command::Pause),
        (15_500, Command::Play),
        // A loop longer than the ring, behind the playhead (which plays on), then a seek into it.
        (
            18_000,
            Command::SetLoop {
                start: 2_000,
                end: 7_000,
            },
        ),
        (
            19_500,
            Command::Seek {
                frame: 2_500,
                serial: 0,
            },
        ),
        // A muted streamed track still moves through its ring.
        (
            22_000,
            Command::SetTrackParam {
                track: 1,
                param: ParamId::Mute,
                value: 1.0,
            },
        ),
        (
            25_000,
            Command::SetTrackParam {
                track: 1,
                param: ParamId::Mute,
                value: 0.0,
            },
        ),
        (31_000, Command::Stop),
        (33_000, Command::Play),
    ]
}

const TOTAL: usize = 40_000;

/// Renders the script in blocks of `block`; a streamed session is fed before every `process`.
fn run(streamed: bool, block: usize) -> (Vec<f32>, Vec<f32>, Engine) {
    let stems = stems();
    let mut e = session(streamed, &stems);
    let (mut l, mut r) = (vec![0.0; TOTAL], vec![0.0; TOTAL]);
    let mut events = script().into_iter().peekable();
    let mut at = 0;
    while at < TOTAL {
        while let Some((_, cmd)) = events.next_if(|(t, _)| *t <= at) {
            e.apply(cmd).unwrap();
        }
        if streamed {
            feed(&mut e, 1, &stems[0]);
            feed(&mut e, 2, &stems[1]);
        }
        let n = block.min(TOTAL - at);
        e.process(&mut l[at..at + n], &mut r[at..at + n]);
        at += n;
    }
    (l, r, e)
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn energy(x: &[f32]) -> f32 {
    x.iter().map(|v| v * v).sum()
}

#[test]
fn streamed_equals_resident_bit_for_bit() {
    let probe = session(true, &stems());
    assert!(probe.stream_min_capacity() < CAPACITY);
    for block in [1, 7, 100, 128, 129, 1_000] {
        let (rl, rr, _) = run(false, block);
        let (sl, sr, e) = run(true, block);
        // Not a vacuous comparison: there is sound after each event.
        for (from, to) in [
            (1_000, 4_000),
            (4_500, 8_000),
            (10_500, 14_000),
            (16_000, 18_000),
            (20_500, 31_000),
            (34_000, TOTAL),
        ] {
            assert!(
                energy(&rl[from..to]) > 1.0,
                "block {block}: silent {from}..{to}"
            );
        }
        for (what, a, b) in [("left", &rl, &sl), ("right", &rr, &sr)] {
            if let Some(i) = (0..TOTAL).find(|&i| a[i].to_bits() != b[i].to_bits()) {
                panic!(
                    "block {block}: {what} differs first at frame {i}: {} vs {}",
                    a[i], b[i]
                );
            }
        }
        assert!(bits(&rl) == bits(&sl) && bits(&rr) == bits(&sr));
        // The feeder filled before every block: the engine never waited or ran dry.
        assert_eq!(e.underrun_frames(), 0, "block {block}");
        assert_eq!(e.waited_blocks(), 0, "block {block}");
    }
}

#[test]
fn a_starved_track_is_silence_counted_as_underruns() {
    let a = vec![noise(48_000, 0.3, 21)];
    let b = vec![noise(48_000, 0.3, 22), noise(48_000, 0.3, 23)];
    let mut e = Engine::new(RATE);
    e.add_streamed_track(1, 1, 48_000, CAPACITY).unwrap();
    e.add_streamed_track(2, 2, 48_000, CAPACITY).unwrap();
    set(&mut e, 1, ParamId::EqOn, 1.0);
    set(&mut e, 1, ParamId::Eq2Gain, -5.0);
    e.apply(Command::Play).unwrap();
    // Fed for 8 192 frames, then track 1's feeder stops; track 2's carries on.
    let (mut l, mut r) = (vec![0.0; 20_480], vec![0.0; 20_480]);
    let mut at = 0;
    while at < l.len() {
        if at < 8_192 {
            feed(&mut e, 1, &a);
        }
        feed(&mut e, 2, &b);
        e.process(&mut l[at..at + 128], &mut r[at..at + 128]);
        at += 128;
    }
    // Track 1 got read indices 0..filled; with no loop index k is song frame k.
    let filled = e.stream_want(1).unwrap().from;
    let read = (e.latency_frames() + l.len()) as u64;
    let last_fed = 8_192 - 128 + e.latency_frames() as u64 + CAPACITY as u64;
    assert!(
        filled == read,
        "the ring's fill index moved on with the reader"
    );
    assert_eq!(e.tracks()[0].underrun_frames(), read - last_fed);
    assert_eq!(e.tracks()[1].underrun_frames(), 0);
    assert_eq!(e.underrun_frames(), read - last_fed);
    let snap = MeterSnapshot::decode(e.meter_snapshot()).unwrap();
    assert_eq!(snap.underrun_frames, read - last_fed);
    assert!(!snap.waiting);
    // Exactly the resident session with track 1's stem silent from where its feeder stopped.
    let mut cut = a.clone();
    cut[0][last_fed as usize..].fill(0.0);
    let mut want = Engine::new(RATE);
    want.add_track(1, cut).unwrap();
    want.add_track(2, b.clone()).unwrap();
    set(&mut want, 1, ParamId::EqOn, 1.0);
    set(&mut want, 1, ParamId::Eq2Gain, -5.0);
    want.apply(Command::Play).unwrap();
    let (wl, wr) = render(&mut want, l.len(), 128);
    assert!(bits(&l) == bits(&wl) && bits(&r) == bits(&wr));
    assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    // And the starved track is really silent at the end: only track 2 is heard.
    assert!(energy(&l[15_000..]) > 1.0);
}

#[test]
fn a_seek_while_playing_waits_for_the_ring_then_plays_the_target() {
    let stem = vec![sine(440.0, 0.25, 48_000), sine(660.0, 0.25, 48_000)];
    let mut e = Engine::new(RATE);
    e.add_streamed_track(1, 2, 48_000, CAPACITY).unwrap();
    e.apply(Command::Play).unwrap();
    let mut out = (vec![0.0; 128], vec![0.0; 128]);
    let mut left = Vec::new();
    for _ in 0..32 {
        feed(&mut e, 1, &stem);
        e.process(&mut out.0, &mut out.1);
        left.extend_from_slice(&out.0);
    }
    assert_eq!(e.position(), 32 * 128);
    e.apply(Command::Seek {
        frame: 20_000,
        serial: 0,
    })
    .unwrap();
    // Nothing fed: the engine waits, transport frozen, and counts no underrun.
    let waits = 10;
    for _ in 0..waits {
        e.process(&mut out.0, &mut out.1);
        left.extend_from_slice(&out.0);
        assert!(e.is_waiting());
        assert_eq!(e.position(), 20_000);
        assert_eq!(e.underrun_frames(), 0);
    }
    let snap = MeterSnapshot::decode(e.meter_snapshot()).unwrap();
    assert!(snap.waiting && snap.playing && snap.position == 20_000);
    assert_eq!(snap.waited_blocks, waits);
    // It faded out (as for a pause) instead of cutting: no step much larger than the sine's
    // own steepest (2π·440/48 000 · 0.25 ≈ 0.0144, plus 0.25/240 for the fade; a cut would
    // step by up to 0.25), and silence at the end of the wait.
    let steepest = left
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(steepest < 0.02, "a step of {steepest}");
    assert!(out.0.iter().chain(&out.1).all(|v| *v == 0.0));
    // Fed: it plays from the target exactly as a fresh resident render from there.
    feed(&mut e, 1, &stem);
    let mut got = (vec![0.0; 4_096], vec![0.0; 4_096]);
    for i in (0..4_096).step_by(128) {
        feed(&mut e, 1, &stem);
        e.process(&mut got.0[i..i + 128], &mut got.1[i..i + 128]);
    }
    assert!(!e.is_waiting());
    assert_eq!(e.waited_blocks(), waits);
    assert_eq!(e.underrun_frames(), 0);
    let mut want = Engine::new(RATE);
    want.add_track(1, stem.clone()).unwrap();
    want.apply(Command::Seek {
        frame: 20_000,
        serial: 0,
    })
    .unwrap();
    want.apply(Command::Play).unwrap();
    let (wl, wr) = render(&mut want, 4_096, 128);
    assert!(bits(&got.0) == bits(&wl) && bits(&got.1) == bits(&wr));
}

#[test]
fn a_wait_gives_up_after_half_a_second_and_counts_the_underruns() {
    let mut e = Engine::new(RATE);
    e.add_streamed_track(1, 1, 96_000, CAPACITY).unwrap();
    e.apply(Command::Seek {
        frame: 1_000,
        serial: 0,
    })
    .unwrap();
    e.apply(Command::Play).unwrap();
    let (mut l, mut r) = (vec![0.0; 128], vec![0.0; 128]);
    let bound = (0.5 * RATE) as usize;
    let blocks = bound.div_ceil(128);
    for _ in 0..blocks {
        e.process(&mut l, &mut r);
        assert!(e.is_waiting());
    }
    e.process(&mut l, &mut r);
    assert!(!e.is_waiting());
    assert_eq!(e.waited_blocks(), blocks as u64);
    assert_eq!(e.position(), 1_128);
    assert_eq!(e.underrun_frames(), (e.latency_frames() + 128) as u64);
    assert!(l.iter().all(|v| *v == 0.0));
}

/// Without a loop, a feeder may stop once the plan has passed its stem's end: what follows is
/// silence, not an underrun.
#[test]
fn a_feeder_may_stop_at_the_end_of_its_stem() {
    let short = vec![noise(600, 0.3, 31)];
    let long = vec![noise(10_000, 0.3, 32), noise(10_000, 0.3, 33)];
    let mut e = Engine::new(RATE);
    e.add_streamed_track(1, 1, 600, CAPACITY).unwrap();
    e.add_track(2, long.clone()).unwrap();
    let w = e.stream_want(1).unwrap();
    assert_eq!(e.stream_write(1, w.epoch, 0, &[&short[0]]), Ok(600));
    e.apply(Command::Play).unwrap();
    assert!(!e.is_waiting(), "all of the stem is in the ring");
    let (l, r) = render(&mut e, 5_000, 128);
    assert_eq!(e.underrun_frames(), 0);
    let mut want = Engine::new(RATE);
    want.add_track(1, short).unwrap();
    want.add_track(2, long).unwrap();
    want.apply(Command::Play).unwrap();
    let (wl, wr) = render(&mut want, 5_000, 128);
    assert!(bits(&l) == bits(&wl) && bits(&r) == bits(&wr));
}

#[test]
fn writes_must_be_current_and_in_order() {
    let mut e = Engine::new(RATE);
    e.add_streamed_track(1, 2, 10_000, CAPACITY).unwrap();
    e.add_track(2, vec![vec![0.1; 100]]).unwrap();
    let x = vec![0.5f32; 200];
    let w = e.stream_want(1).unwrap();
    assert_eq!(
        (w.from, w.free, w.plan),
        (
            0,
            CAPACITY,
            ReadPlan {
                start: 0,
                loop_region: None
            }
        )
    );
    assert_eq!(e.stream_write(1, w.epoch, 0, &[&x, &x]), Ok(200));
    // Out of order: again at 0, or with a gap.
    assert_eq!(
        e.stream_write(1, w.epoch, 0, &[&x, &x]),
        Err(EngineError::StreamOutOfOrder)
    );
    assert_eq!(
        e.stream_write(1, w.epoch, 300, &[&x, &x]),
        Err(EngineError::StreamOutOfOrder)
    );
    assert_eq!(e.stream_want(1).unwrap().from, 200);
    // Wrong shapes and tracks.
    assert_eq!(
        e.stream_write(1, w.epoch, 200, &[&x]),
        Err(EngineError::UnsupportedChannelCount)
    );
    assert_eq!(
        e.stream_write(1, w.epoch, 200, &[&x, &x[..10]]),
        Err(EngineError::InvalidValue)
    );
    assert_eq!(
        e.stream_write(2, w.epoch, 0, &[&x]),
        Err(EngineError::NotStreamed)
    );
    assert_eq!(e.stream_want(2), Err(EngineError::NotStreamed));
    assert_eq!(e.stream_want(3), Err(EngineError::UnknownTrack));
    // A ring takes no more than it has room for.
    let big = vec![0.5f32; CAPACITY];
    assert_eq!(
        e.stream_write(1, w.epoch, 200, &[&big, &big]),
        Ok(CAPACITY - 200)
    );
    // A seek begins a new epoch: the ring is emptied and the old epoch's writes are dropped.
    e.apply(Command::Seek {
        frame: 5_000,
        serial: 0,
    })
    .unwrap();
    let now = e.stream_want(1).unwrap();
    assert_ne!(now.epoch, w.epoch);
    assert_eq!((now.from, now.free, now.plan.start), (0, CAPACITY, 5_000));
    assert_eq!(e.stream_write(1, w.epoch, 0, &[&x, &x]), Ok(0));
    assert_eq!(e.stream_want(1).unwrap().from, 0);
    assert_eq!(e.stream_write(1, now.epoch, 0, &[&x, &x]), Ok(200));
    // Seeking again to the same place before anything was read keeps what was fed.
    e.apply(Command::Seek {
        frame: 5_000,
        serial: 0,
    })
    .unwrap();
    assert_eq!(e.stream_want(1).unwrap().epoch, now.epoch);
    assert_eq!(e.stream_want(1).unwrap().from, 200);
    // Too small a ring, or a bad shape, is refused when the track is added.
    let small = e.stream_min_capacity() - 1;
    assert_eq!(
        e.add_streamed_track(3, 1, 100, small),
        Err(EngineError::RingTooSmall)
    );
    assert_eq!(
        e.add_streamed_track(3, 3, 100, CAPACITY),
        Err(EngineError::UnsupportedChannelCount)
    );
    assert_eq!(
        e.add_streamed_track(3, 1, 0, CAPACITY),
        Err(EngineError::EmptyTrack)
    );
    assert_eq!(
        e.add_streamed_track(1, 1, 100, CAPACITY),
        Err(EngineError::DuplicateTrack)
    );
}

#[test]
fn written_nan_inf_and_subnormals_are_zeroed() {
    let mut e = Engine::new(RATE);
    e.add_streamed_track(1, 1, 1_000, CAPACITY).unwrap();
    let mut x = vec![0.25f32; 1_000];
    x[3] = f32::NAN;
    x[4] = f32::INFINITY;
    x[5] = 1e-40;
    let w = e.stream_want(1).unwrap();
    e.stream_write(1, w.epoch, 0, &[&x]).unwrap();
    e.apply(Command::Play).unwrap();
    let (l, _) = render(&mut e, 512, 128);
    let m = 0.25 * std::f32::consts::FRAC_1_SQRT_2;
    assert_eq!(&l[3..6], &[0.0; 3]);
    assert_eq!(l[6], m);
}

proptest! {
    /// `ReadPlan` is the closed form of what the look-ahead reader (a `Transport` with no song
    /// end) visits, whatever lengths its segments are asked for.
    #[test]
    fn read_plan_is_what_the_reader_visits(
        start in 0u64..400,
        looped in proptest::option::of((0u64..300, 1u64..200)),
        wants in proptest::collection::vec(1usize..300, 1..12),
    ) {
        let loop_region = looped.map(|(s, len)| (s, s + len));
        let plan = ReadPlan { start, loop_region };
        let mut reader = Transport { playing: true, position: start, loop_region };
        let mut visited = Vec::new();
        for want in wants {
            let (len, wrap) = reader.next_segment(want, u64::MAX);
            prop_assert!(len >= 1);
            visited.extend((0..len as u64).map(|i| reader.position + i));
            reader.advance(len, wrap);
        }
        for (k, frame) in visited.iter().enumerate() {
            prop_assert_eq!(plan.song_frame(k as u64), *frame, "index {}", k);
        }
        for k in (0..visited.len()).step_by(13) {
            for max in [0, 1, 7, 150, 333] {
                let m = max.min(visited.len() - k);
                let brute = (0..m)
                    .take_while(|&i| visited[k + i] == visited[k] + i as u64)
                    .count();
                let run = plan.run(k as u64, max);
                if brute < m {
                    prop_assert_eq!(run, brute, "index {} max {}", k, max);
                } else {
                    prop_assert!(run >= brute && run <= max, "index {} max {}", k, max);
                }
            }
        }
    }
}

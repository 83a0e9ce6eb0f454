//! An export split across engines (`dsp_worklet::split`): the summing engine keeps the first run
//! of tracks and adds the parts' tracks after its own, in mix order. Whatever the split (1 to 4
//! engines), the output must be bit-for-bit what one engine with every track renders: here with
//! full strips, both FX buses (whose tails ring on after the song), a part whose tracks do not
//! send, stems of different lengths (the longest in a part), a start inside the song, a pause
//! part-way (the export's region end), and solo on tracks in different engines.

mod common;
use common::{noise, sine};
#[path = "../benches/common/bench_session.rs"]
mod bench_session;

use dsp_worklet::split::CHANNELS_WITH_SENDS;
use dsp_worklet::{Command, Engine, ParamId};

const RATE: f32 = 48_000.0;
const SONG: usize = 48_000 * 2;
const START: u64 = 4_000;
/// Frames rendered: the song from START, plus a second of FX tail.
const FRAMES: usize = SONG - START as usize + 48_000;
/// Where the region ends and the export pauses the transport (a block boundary).
const PAUSE_AT: usize = 128 * 500;
const TRACKS: u32 = 6;
/// Frames the taps and the inlet hold between reads (the test reads after every block).
const CAPACITY: usize = 8_192;

/// Track `id`'s stem: lengths differ, the longest (track 5) is never in the summing engine
/// when the session is split.
fn stem(id: u32) -> Vec<Vec<f32>> {
    let len = match id {
        5 => SONG,
        2 => SONG / 2,
        _ => SONG * 3 / 4,
    };
    let a = sine(110.0 * id as f32, 0.3, len);
    if id.is_multiple_of(3) {
        vec![a]
    } else {
        vec![a, noise(len, 0.2, id)]
    }
}

/// Track `id`'s settings: tracks 1–3 have full strips with both sends; 4–6 are plain (no sends),
/// so a part holding only those carries no send planes.
fn track_commands(id: u32, solo: &[u32]) -> Vec<Command> {
    let mut c = bench_session::track_commands(id, id <= 3);
    if solo.contains(&id) {
        c.push(Command::SetTrackParam {
            track: id,
            param: ParamId::Solo,
            value: 1.0,
        });
    }
    c
}

fn master_commands() -> Vec<Command> {
    [
        (ParamId::LimOn, 1.0),
        (ParamId::LimInput, 6.0),
        (ParamId::LimCeiling, -1.0),
        (ParamId::MeqOn, 1.0),
        (ParamId::Meq1Gain, 2.0),
    ]
    .into_iter()
    .map(|(param, value)| Command::SetMasterParam { param, value })
    .collect()
}

fn start_commands() -> [Command; 3] {
    [
        Command::SetMetering { on: false },
        Command::Seek {
            frame: START,
            serial: 0,
        },
        Command::Play,
    ]
}

/// One engine with `ids`, their settings and the master's.
fn engine_with(ids: &[u32]) -> Engine {
    let mut e = Engine::new(RATE);
    for &id in ids {
        e.add_track(id, stem(id)).unwrap();
    }
    e
}

fn settle(e: &mut Engine, ids: &[u32], solo: &[u32]) {
    for &id in ids {
        for c in track_commands(id, solo) {
            e.apply(c).unwrap();
        }
    }
    for c in master_commands() {
        e.apply(c).unwrap();
    }
}

/// The export as one engine renders it.
fn single(solo: &[u32]) -> (Vec<f32>, Vec<f32>) {
    let ids: Vec<u32> = (1..=TRACKS).collect();
    let mut e = engine_with(&ids);
    settle(&mut e, &ids, solo);
    for c in start_commands() {
        e.apply(c).unwrap();
    }
    let mut out = (vec![0.0; FRAMES], vec![0.0; FRAMES]);
    for at in (0..FRAMES).step_by(128) {
        if at == PAUSE_AT {
            e.apply(Command::Pause).unwrap();
        }
        let n = 128.min(FRAMES - at);
        e.process(&mut out.0[at..at + n], &mut out.1[at..at + n]);
    }
    out
}

/// Contiguous runs of the tracks, in order, as even as possible.
fn runs(engines: usize) -> Vec<Vec<u32>> {
    let ids: Vec<u32> = (1..=TRACKS).collect();
    let mut out = Vec::new();
    let mut from = 0;
    for k in 0..engines {
        let take = (ids.len() - from) / (engines - k);
        out.push(ids[from..from + take].to_vec());
        from += take;
    }
    out
}

/// Moves every part's taps into the summing engine's inlet, the parts in `order` (the mix
/// order is 0, 1, 2…), as the export Worker does.
fn pump(sum: &mut Engine, parts: &mut [Engine], order: &[usize]) {
    let len = parts[0].taps().unwrap().len();
    let inlet = sum.inlet_mut().unwrap();
    let (at, free) = inlet.make_room(len);
    assert!(len <= free, "the inlet is full");
    let mut slot = 0;
    for &p in order {
        let taps = parts[p].taps().unwrap();
        assert_eq!(taps.len(), len, "the parts rendered the same frames");
        let channels = taps.channels();
        assert!(channels > 0 || len == 0);
        let mut k = 0;
        while let Some(first) = taps.plane(k, 0) {
            assert!(first.len() >= len);
            for ch in 0..channels {
                let plane = taps.plane(k, ch).unwrap();
                inlet.plane_mut(slot, ch).unwrap()[at..at + len].copy_from_slice(&plane[..len]);
            }
            inlet.set_sends(slot, channels == CHANNELS_WITH_SENDS);
            k += 1;
            slot += 1;
        }
    }
    inlet.filled(len);
    for part in parts.iter_mut() {
        part.taps_mut().unwrap().clear();
    }
}

/// The export split across `engines` engines (the parts' taps summed in `order`), and the
/// channels each part carried.
fn split(engines: usize, solo: &[u32], order: &[usize]) -> ((Vec<f32>, Vec<f32>), Vec<usize>) {
    let runs = runs(engines);
    let any_solo = !solo.is_empty();
    let mut sum = engine_with(&runs[0]);
    sum.set_split_context(SONG as u64, any_solo);
    let elsewhere: usize = runs[1..].iter().map(Vec::len).sum();
    sum.split_as_sum(elsewhere, CAPACITY).unwrap();
    settle(&mut sum, &runs[0], solo);
    let mut parts: Vec<Engine> = runs[1..]
        .iter()
        .map(|ids| {
            let mut e = engine_with(ids);
            e.set_split_context(SONG as u64, any_solo);
            e.split_as_part(CAPACITY).unwrap();
            settle(&mut e, ids, solo);
            e
        })
        .collect();
    let mut out = (vec![0.0; FRAMES], vec![0.0; FRAMES]);
    let mut scratch = (vec![0.0; 128], vec![0.0; 128]);
    // Play primes: the parts render the priming frames the summing engine then needs.
    for c in start_commands() {
        for p in &mut parts {
            p.apply(c).unwrap();
        }
        if !parts.is_empty() && c == Command::Play {
            pump(&mut sum, &mut parts, order);
        }
        sum.apply(c).unwrap();
    }
    for at in (0..FRAMES).step_by(128) {
        let n = 128.min(FRAMES - at);
        if at == PAUSE_AT {
            sum.apply(Command::Pause).unwrap();
            parts
                .iter_mut()
                .for_each(|p| p.apply(Command::Pause).unwrap());
        }
        if !parts.is_empty() {
            for p in &mut parts {
                p.process(&mut scratch.0[..n], &mut scratch.1[..n]);
                assert!(
                    scratch.0[..n].iter().all(|x| *x == 0.0),
                    "a part has no output"
                );
            }
            pump(&mut sum, &mut parts, order);
        }
        sum.process(&mut out.0[at..at + n], &mut out.1[at..at + n]);
    }
    if let Some(inlet) = sum.inlet() {
        assert_eq!(
            inlet.missing(),
            0,
            "{engines} engines: the summing engine lacked frames"
        );
    }
    let channels = parts.iter().map(|p| p.taps().unwrap().channels()).collect();
    for p in &parts {
        assert!(!p.taps().unwrap().lost());
    }
    (out, channels)
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

#[test]
fn a_split_export_gives_the_single_engines_bits_for_1_to_4_engines() {
    for solo in [&[][..], &[2, 5][..]] {
        let whole = single(solo);
        for engines in 1..=4 {
            let order: Vec<usize> = (0..engines - 1).collect();
            let (got, channels) = split(engines, solo, &order);
            assert!(
                same_bits(&whole.0, &got.0) && same_bits(&whole.1, &got.1),
                "{engines} engines, solo {solo:?}: the output differs"
            );
            if engines == 3 {
                // Runs [1, 2], [3, 4], [5, 6]: the last part's tracks do not send.
                assert_eq!(channels, [6, 2]);
            }
        }
        // Not vacuous: the song is there, the FX tail rings past it, and with solo on tracks in
        // two engines the others are silent.
        assert!(whole.0.iter().any(|x| x.abs() > 0.1));
        let tail = &whole.0[SONG - START as usize + 4_800..];
        assert!(tail.iter().any(|x| x.abs() > 1e-4), "the FX tail rings");
        if !solo.is_empty() {
            assert!(!same_bits(&whole.0, &single(&[]).0), "solo changes the mix");
        }
    }
}

#[test]
fn the_order_of_the_sum_shows_in_the_bits() {
    // The same parts summed in another order give other bits: the test above can tell.
    let (ordered, _) = split(3, &[], &[0, 1]);
    let (swapped, _) = split(3, &[], &[1, 0]);
    assert!(!same_bits(&ordered.0, &swapped.0));
    // …but the same sound, to within rounding.
    let worst = ordered
        .0
        .iter()
        .zip(&swapped.0)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "{worst}");
}

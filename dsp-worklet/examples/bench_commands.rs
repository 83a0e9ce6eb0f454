//! Prints the benchmark session's commands for `tracks` tracks whose stems last `frames` as JSON
//! (an array of 4-word commands, `Command::to_words`): each track's setup, then a loop over the
//! whole stem and Play. The Chromium benchmark sends exactly what the criterion benchmark applies.
//! Usage: `bench_commands <tracks> <frames> [full|plain|master|full-without=<keys>|full-with=<keys>]`:
//! `full` (default) every strip module on, `plain` strips with modules off, `master` plain strips
//! and every master stage on, `full-without=sat-on,gate-on` the full strips with the switches
//! named (parameter-table keys) off on every track, `full-with=chorus-on` the full strips with
//! those switches on as well (at their default settings).

#[path = "../benches/common/bench_session.rs"]
mod bench_session;

use dsp_worklet::{Command, ParamSpec};

fn main() {
    let mut args = std::env::args().skip(1);
    let tracks: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let frames: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(480_000);
    let mode = args.next().unwrap_or_else(|| "full".into());
    let (switched, value) = match (
        mode.strip_prefix("full-without="),
        mode.strip_prefix("full-with="),
    ) {
        (Some(keys), _) => (Some(keys), 0.0),
        (_, Some(keys)) => (Some(keys), 1.0),
        _ => (None, 0.0),
    };
    let switches: Vec<_> = match switched {
        Some(keys) => keys
            .split(',')
            .map(|k| {
                ParamSpec::by_key(k)
                    .unwrap_or_else(|| panic!("no parameter {k:?}"))
                    .id
            })
            .collect(),
        None => Vec::new(),
    };
    let full = mode == "full" || switched.is_some();
    let master = if mode == "master" {
        bench_session::master_commands()
    } else {
        Vec::new()
    };
    let commands = (0..tracks)
        .flat_map(|id| {
            let switched = switches.iter().map(move |&param| Command::SetTrackParam {
                track: id,
                param,
                value,
            });
            bench_session::track_commands(id, full)
                .into_iter()
                .chain(switched)
        })
        .chain(master)
        .chain([
            Command::SetLoop {
                start: 0,
                end: frames,
            },
            Command::Play,
        ]);
    let words: Vec<String> = commands
        .map(|c| {
            let w = c.to_words();
            format!("[{},{},{},{}]", w[0], w[1], w[2], w[3])
        })
        .collect();
    println!("[{}]", words.join(","));
}

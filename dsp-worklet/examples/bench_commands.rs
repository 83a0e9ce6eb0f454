//! Prints the benchmark session's commands for `tracks` tracks whose stems last `frames` as JSON
//! (an array of 4-word commands, `Command::to_words`): each track's setup, then a loop over the
//! whole stem and Play. The Chromium benchmark sends exactly what the criterion benchmark applies.
//! Usage: `bench_commands <tracks> <frames> [full|plain|master|full-without=<keys>]`: `full`
//! (default) every strip module on, `plain` strips with modules off, `master` plain strips and
//! every master stage on, `full-without=sat-on,gate-on` the full strips with the switches named
//! (parameter-table keys) off on every track.

#[path = "../benches/common/bench_session.rs"]
mod bench_session;

use dsp_worklet::{Command, ParamSpec};

fn main() {
    let mut args = std::env::args().skip(1);
    let tracks: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let frames: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(480_000);
    let mode = args.next().unwrap_or_else(|| "full".into());
    let without: Vec<_> = match mode.strip_prefix("full-without=") {
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
    let full = mode == "full" || mode.starts_with("full-without=");
    let master = if mode == "master" {
        bench_session::master_commands()
    } else {
        Vec::new()
    };
    let commands = (0..tracks)
        .flat_map(|id| {
            let off = without.iter().map(move |&param| Command::SetTrackParam {
                track: id,
                param,
                value: 0.0,
            });
            bench_session::track_commands(id, full)
                .into_iter()
                .chain(off)
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

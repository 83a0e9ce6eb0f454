//! Prints the benchmark session's commands for `tracks` tracks whose stems last `frames` as JSON
//! (an array of 4-word commands, `Command::to_words`): each track's setup, then a loop over the
//! whole stem and Play. The Chromium benchmark sends exactly what the criterion benchmark applies.
//! Usage: `bench_commands <tracks> <frames> [full|plain|master]`: `full` (default) every strip
//! module on, `plain` strips with modules off, `master` plain strips and every master stage on.

use dsp_worklet::{Command, bench_session};

fn main() {
    let mut args = std::env::args().skip(1);
    let tracks: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let frames: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(480_000);
    let mode = args.next().unwrap_or_else(|| "full".into());
    let full = mode == "full";
    let master = if mode == "master" {
        bench_session::master_commands()
    } else {
        Vec::new()
    };
    let commands = (0..tracks)
        .flat_map(|id| bench_session::track_commands(id, full))
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

//! Offline render (main thread side): renders the session through the same engine wasm in the
//! export Worker (`dsp-worklet/js/export-worker.js`), which streams the stems straight from the
//! stem store, block by block, as fast as the CPU allows; progress comes back as it goes and a
//! cancel terminates the Worker. Nothing here holds a stem.

/// The export renderer's module Worker script, as Trunk copies it into `dist/`.
pub const EXPORT_WORKER_URL: &str = "export-worker.js";

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;

use dsp_worklet::{BLOCK_FRAMES, Command, ParamId};
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Worker, WorkerOptions, WorkerType};

use crate::browser::decoder_pool;
use crate::browser::engine_link::{self, Admission, Stem, export_inputs};
use crate::browser::protocol::{ExportJob, FromExporter, JobStem, to_js, words};
use crate::browser::stem_store::StoredStem;
use crate::browser::storage;
use crate::error::{AppError, js_detail};
use crate::model::lane_book::LaneMove;
use crate::model::session::Mix;

/// A finished render: stereo at `sample_rate`.
pub struct Rendered {
    pub left: Vec<f32>,
    pub right: Vec<f32>,
    pub sample_rate: f32,
    /// The master limiter's deepest gain reduction over the render, dB (≥ 0).
    pub limiter_reduction_db: f64,
    /// The master chain's input, when the render was asked to record it ([`Source::Recording`]).
    pub recording: Option<Recording>,
}

/// How a render ended, its audio having gone to the sink (see [`render_mix_into`]).
pub struct RenderEnd {
    /// Frames the sink received: the song, plus the effects' tail down to −90 dBFS.
    pub frames: usize,
    /// The master limiter's deepest gain reduction over the render, dB (≥ 0).
    pub limiter_reduction_db: f64,
    /// The master chain's input, when the render was asked to record it ([`Source::Recording`]).
    pub recording: Option<Recording>,
}

/// Where a render's output goes, piece by piece, in order (see [`render_mix_into`]).
pub trait RenderSink {
    /// The render will hand over at most `frames` frames: called once, before the first piece,
    /// so the sink can make room once instead of growing as pieces come.
    fn expect(&mut self, _frames: usize) {}
    /// The next frames of the output (equal lengths).
    fn take(&mut self, left: &[f32], right: &[f32]);
}

impl<F: FnMut(&[f32], &[f32])> RenderSink for F {
    fn take(&mut self, left: &[f32], right: &[f32]) {
        self(left, right)
    }
}

/// The whole render, collected (for callers that need it at once).
#[derive(Default)]
struct Collect {
    left: Vec<f32>,
    right: Vec<f32>,
}

impl RenderSink for Collect {
    fn expect(&mut self, frames: usize) {
        self.left.reserve_exact(frames);
        self.right.reserve_exact(frames);
    }
    fn take(&mut self, left: &[f32], right: &[f32]) {
        self.left.extend_from_slice(left);
        self.right.extend_from_slice(right);
    }
}

/// Seconds of output per piece the export Worker posts: the main thread measures a piece while
/// the Worker renders the next (two cores at work), and neither holds the whole render twice.
pub const PIECE_SECONDS: f64 = 5.0;

/// Where a render's master chain takes its input from (see `dsp_worklet::premix`).
pub enum Source<'a> {
    /// The stems through the strips and FX buses.
    Stems,
    /// The same, recording the master chain's input for later passes.
    Recording,
    /// A recording made by an earlier render of the same mix, range and rate, with other master
    /// settings at most: the output is what the stems would give, bit for bit, at the cost of
    /// the master chain alone.
    Replay(&'a Recording),
}

/// The master chain's input over one render, with that render's extent. It stays in the memory
/// of the export Worker that recorded it, which renders every pass that replays it (nothing is
/// copied); dropping the recording terminates that Worker.
pub struct Recording {
    keeper: Crew,
    replies: Replies,
    /// Set when a pass that replayed it was cancelled or failed: the Worker is gone.
    gone: std::cell::Cell<bool>,
    /// Frames rendered, and where the dry range ended (see `render_mix`).
    frames: u64,
    dry: u64,
}

impl Recording {
    /// Ends the Worker (a pass cancelled or failed while it rendered).
    fn abandon(&self) {
        self.gone.set(true);
        self.keeper.0.iter().for_each(Worker::terminate);
    }
}

/// What part of the song to render.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// From the top to the end of the longest stem.
    Song,
    /// From `start` to `end`, seconds (the loop region). The dry tracks stop at the end (a
    /// render quantum later at most, ≤ 2.7 ms) and the effects ring out after it.
    Region { start: f64, end: f64 },
}

impl Range {
    pub fn describe(&self) -> String {
        match self {
            Range::Song => "whole song".into(),
            Range::Region { start, end } => format!("loop region {start:.3}–{end:.3} s"),
        }
    }
}

/// Longest effects tail an export keeps, seconds.
pub const MAX_TAIL_SECONDS: f64 = 10.0;
/// Level below which the tail counts as finished: −90 dBFS.
pub const TAIL_FLOOR: f32 = 3.162_277_7e-5;

/// Frames to keep: the whole song, plus the tail up to its last sample at or above −90 dBFS.
pub fn tail_end(left: &[f32], right: &[f32], song: usize) -> usize {
    let n = left.len().min(right.len());
    (song.min(n)..n)
        .rev()
        .find(|i| left[*i].abs() >= TAIL_FLOOR || right[*i].abs() >= TAIL_FLOOR)
        .map_or(song.min(n), |i| i + 1)
}

/// Renders `range` of the mix at `rate` Hz (stems decoded again from their files when that is not
/// the session rate). `progress` gets 0…1; when `cancelled()` turns true the render is abandoned
/// at the next step and `Ok(None)` comes back.
pub async fn render_mix(
    mix: &Mix,
    rate: f32,
    range: Range,
    progress: impl Fn(f64),
    cancelled: impl Fn() -> bool,
) -> Result<Option<Rendered>, AppError> {
    render_mix_from(mix, rate, range, Source::Stems, progress, cancelled).await
}

/// [`render_mix`] with the master chain's input taken from `source`.
pub async fn render_mix_from(
    mix: &Mix,
    rate: f32,
    range: Range,
    source: Source<'_>,
    progress: impl Fn(f64),
    cancelled: impl Fn() -> bool,
) -> Result<Option<Rendered>, AppError> {
    let mut all = Collect::default();
    let end = render_mix_into(mix, rate, range, source, progress, cancelled, &mut all).await?;
    Ok(end.map(|end| Rendered {
        left: all.left,
        right: all.right,
        sample_rate: rate,
        limiter_reduction_db: end.limiter_reduction_db,
        recording: end.recording,
    }))
}

/// [`render_mix_from`] handing the output to `sink` as it is rendered, in order, in pieces of
/// about [`PIECE_SECONDS`] (the effects' tail, up to [`MAX_TAIL_SECONDS`], is held back until the
/// render ends and then cut where it falls below −90 dBFS): the caller measures or encodes one
/// piece while the Worker renders the next.
pub async fn render_mix_into(
    mix: &Mix,
    rate: f32,
    range: Range,
    source: Source<'_>,
    progress: impl Fn(f64),
    cancelled: impl Fn() -> bool,
    sink: &mut dyn RenderSink,
) -> Result<Option<RenderEnd>, AppError> {
    let missing: Vec<&str> = mix.missing().map(|t| t.file_name.as_str()).collect();
    if !missing.is_empty() {
        return Err(AppError::NothingToExport {
            reason: format!(
                "{} stem(s) are still missing ({}): drop the files before exporting.",
                missing.len(),
                missing.join(", ")
            ),
        });
    }
    if let Some(reason) = mix.silence_reason() {
        return Err(AppError::NothingToExport {
            reason: reason.into(),
        });
    }
    let (module, stems) = export_inputs().ok_or(AppError::AudioUnavailable {
        detail: "the audio engine is not running".into(),
    })?;
    // Every track must be in the engine: a file that silently leaves a stem out is worse than
    // no file.
    let admissions = engine_link::admissions().await;
    for t in &mix.tracks {
        let answer = admissions.iter().find(|(id, _)| *id == t.id).map(|a| a.1);
        let why = match (stems.iter().any(|st| st.id == t.id), answer) {
            (true, Some(Admission::Added)) => continue,
            (true, Some(Admission::Refused(e))) => format!("the engine refused it: {e}"),
            _ => "its audio never reached the engine".to_string(),
        };
        return Err(AppError::StemNotInEngine {
            file: t.file_name.clone(),
            why,
        });
    }
    if rate <= 0.0 || mix.sample_rate <= 0.0 {
        return Err(AppError::AudioUnavailable {
            detail: "audio has not started yet".into(),
        });
    }
    let fail = |e: JsValue| AppError::Export {
        detail: js_detail(&e),
    };
    // Stems at the render rate: the session's own buffers, or the files decoded again (none
    // when a recording replaces them).
    let mut buffers = Vec::new();
    let replay = match source {
        Source::Replay(recording) => Some(recording),
        _ => None,
    };
    // In the mix's track order, so every machine sums the tracks in the same order (bit-exact).
    let ordered = mix
        .tracks
        .iter()
        .filter_map(|t| stems.iter().find(|st| st.id == t.id));
    for st in ordered.filter(|_| replay.is_none()) {
        let stored = stem_at_rate(st, rate as u32)
            .await
            .map_err(|detail| AppError::Export { detail })?;
        buffers.push((st.id, stored));
    }
    let song = buffers.iter().map(|(_, st)| st.frames).max().unwrap_or(0);
    let q = BLOCK_FRAMES as u64;
    let (start, dry) = match range {
        Range::Song => (0, song),
        Range::Region { start, end } => {
            let a = ((start * rate as f64).round() as u64).min(song);
            let b = ((end * rate as f64).round() as u64).clamp(a, song);
            // The dry stop lands on a render-quantum boundary.
            (a, (b - a).div_ceil(q) * q)
        }
    };
    // The recording's own extent when replaying: the same render, frame for frame.
    let dry = replay.map_or(dry, |r| r.dry);
    if dry == 0 {
        return Err(AppError::NothingToExport {
            reason: "The range to export is empty.".into(),
        });
    }
    // With an FX bus in use, render up to 10 s more and keep the tail until it falls below −90 dBFS.
    let frames = match replay {
        Some(r) => r.frames,
        None if mix.uses_fx() => dry + (rate as f64 * MAX_TAIL_SECONDS) as u64,
        None => dry,
    };
    // Room for a recording: the render, plus the master chain's priming (its look-ahead, a few
    // ms) with a second to spare.
    let room = frames as f64 + rate as f64;
    let mut commands = mix.state_commands();
    if replay.is_some() {
        // No tracks in the engine: only the master's settings apply.
        commands.retain(|c| !matches!(c, Command::SetTrackParam { .. }));
    }
    // The automation lanes, made in a fresh engine as in the realtime one (their points before
    // the seek, which puts every lane's ramps where playing would have them).
    // Lanes are in frames at the session rate; the render may run at another.
    let lane_moves = {
        let scale = rate as f64 / mix.sample_rate.max(1.0) as f64;
        let mut at_rate = mix.clone();
        for lanes in at_rate
            .tracks
            .iter_mut()
            .map(|t| &mut t.lanes)
            .chain(std::iter::once(&mut at_rate.master_lanes))
        {
            for l in lanes.iter_mut() {
                *l = l.rescaled(scale);
            }
        }
        crate::model::lane_book::LaneBook::default().sync(&at_rate)
    };
    let lane_owner: Vec<(u32, u32)> = lane_moves
        .iter()
        .filter_map(|m| match *m {
            LaneMove::Add { id, track, .. } => Some((id, track)),
            LaneMove::Cmd(_) => None,
        })
        .collect();
    commands.extend(lane_moves.iter().filter_map(|m| match *m {
        LaneMove::Cmd(c) => Some(c),
        LaneMove::Add { .. } => None,
    }));
    // A lane belongs in an engine that has its track; the master's in the summing one.
    let lane_here = |lane: u32, run: &[JobStem], sum: bool| {
        lane_owner.iter().any(|&(id, track)| {
            id == lane
                && if track == dsp_worklet::automation::MASTER {
                    sum
                } else {
                    run.iter().any(|s| s.id == track)
                }
        })
    };
    // Nobody reads live meters during an offline render.
    commands.push(Command::SetMetering { on: false });
    commands.push(Command::Seek {
        frame: start,
        serial: 0,
    });
    commands.push(Command::Play);
    // The end of the region: the dry tracks stop (with the transport's short fade) and the
    // effects ring on.
    let stop_at = if range != Range::Song && dry < frames && replay.is_none() {
        dry as f64
    } else {
        -1.0
    };
    let stems: Vec<JobStem> = buffers
        .iter()
        .map(|(id, st)| JobStem {
            id: *id,
            name: mix
                .tracks
                .iter()
                .find(|t| t.id == *id)
                .map_or_else(String::new, |t| t.file_name.clone()),
            sha256: st.sha256.clone(),
            rate: st.rate,
            channels: st.channels,
            frames: st.frames as f64,
            planes: crate::browser::memory_store::planes(&st.sha256, st.rate)
                .map_or(JsValue::NULL, JsValue::from),
        })
        .collect();
    let record = if matches!(source, Source::Recording) {
        room
    } else {
        0.0
    };
    // The tracks in contiguous runs, one per Worker: the first stays with the summing Worker.
    let engines = if replay.is_some() {
        1
    } else {
        export_workers(stems.len())
    };
    let runs = runs(stems, engines);
    let solo_anywhere = commands.iter().any(|c| {
        matches!(c, Command::SetTrackParam { param: ParamId::Solo, value, .. } if *value >= 0.5)
    });
    // Each engine gets the settings and lanes of its own tracks (and everything else).
    let words_for = |run: &[JobStem], sum: bool| {
        let mine: Vec<Command> = commands
            .iter()
            .filter(|c| match **c {
                Command::SetTrackParam { track, .. } => run.iter().any(|s| s.id == track),
                Command::SetLanePoint { lane, .. }
                | Command::SetLaneLength { lane, .. }
                | Command::SetLaneReading { lane, .. } => lane_here(lane, run, sum),
                _ => true,
            })
            .copied()
            .collect();
        words(&mine)
    };
    let lanes_for = |run: &[JobStem], sum: bool| {
        let mine: Vec<LaneMove> = lane_moves
            .iter()
            .filter(|m| matches!(**m, LaneMove::Add { id, .. } if lane_here(id, run, sum)))
            .copied()
            .collect();
        crate::browser::protocol::lane_words(&mine)
    };
    let job = |run: Vec<JobStem>, role, port: JsValue, split: JsValue, record, replay| {
        let sum = role == "sum";
        let own = words_for(&run, sum);
        let lanes = lanes_for(&run, sum);
        to_js(&ExportJob {
            module: module.clone(),
            rate,
            stems: run,
            lanes,
            words: own,
            pause_words: words(&[Command::Pause]),
            frames: frames as f64,
            stop_at,
            record,
            replay,
            piece: (PIECE_SECONDS * rate as f64).round(),
            role,
            port,
            split,
            song_frames: song as f64,
            solo_elsewhere: solo_anywhere,
        })
    };
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    sink.expect(frames as usize);
    let mut runs = runs.into_iter();
    let first = runs.next().unwrap_or_default();
    // A replay renders in the Worker that holds the recording; anything else in new ones.
    let mut spawned: Option<(Crew, Replies)> = None;
    let (workers, replies) = match replay {
        Some(r) if r.gone.get() => {
            return Err(AppError::Export {
                detail: "the recording of the mix was lost when an earlier pass stopped".into(),
            });
        }
        Some(r) => (&r.keeper.0[..], &r.replies),
        None => {
            let crew = Crew(
                (0..engines)
                    .map(|_| Worker::new_with_options(EXPORT_WORKER_URL, &options))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(fail)?,
            );
            let replies = Replies::listen(&crew.0);
            let (crew, replies) = spawned.insert((crew, replies));
            (&crew.0[..], &*replies)
        }
    };
    // A replay's Worker must not go on rendering into the next pass's replies.
    let abandon = || {
        if let Some(r) = replay {
            r.abandon();
        }
    };
    let parts = Array::new();
    let ports = Array::new();
    for (run, part) in runs.zip(&workers[1..]) {
        let channel = web_sys::MessageChannel::new().map_err(fail)?;
        let entry = js_sys::Object::new();
        let tracks = JsValue::from(run.len() as f64);
        js_sys::Reflect::set(&entry, &"port".into(), &channel.port2()).map_err(fail)?;
        js_sys::Reflect::set(&entry, &"tracks".into(), &tracks).map_err(fail)?;
        parts.push(&entry);
        ports.push(&channel.port2());
        let part_job = job(
            run,
            "part",
            channel.port1().into(),
            JsValue::NULL,
            0.0,
            false,
        );
        part.post_message_with_transfer(&part_job, &Array::of1(&channel.port1()))
            .map_err(fail)?;
    }
    let split = if engines > 1 {
        parts.into()
    } else {
        JsValue::NULL
    };
    let sum_job = job(first, "sum", JsValue::NULL, split, record, replay.is_some());
    if let Err(e) = workers[0].post_message_with_transfer(&sum_job, &ports) {
        abandon();
        return Err(fail(e));
    }
    // The song goes to the sink as it comes; what lies past `dry` (the effects' tail) waits
    // here until its end is known.
    let mut tail: [Vec<f32>; 2] = Default::default();
    let mut received = 0u64;
    let (snapshot, recorded, part_snapshots) = loop {
        let reply = replies.next().await;
        if cancelled() {
            abandon();
            return Ok(None);
        }
        match reply {
            FromExporter::Progress(fraction) => progress(fraction),
            FromExporter::Piece { at, left, right } => {
                if at as u64 != received {
                    abandon();
                    return Err(AppError::Export {
                        detail: format!("the renderer sent frame {at} where {received} was due"),
                    });
                }
                let (l, r) = (left.to_vec(), right.to_vec());
                received += l.len() as u64;
                let song = (dry.saturating_sub(at as u64) as usize).min(l.len());
                sink.take(&l[..song], &r[..song]);
                tail[0].extend_from_slice(&l[song..]);
                tail[1].extend_from_slice(&r[song..]);
            }
            FromExporter::Done {
                snapshot,
                recorded,
                parts,
            } => break (snapshot, recorded, parts),
            FromExporter::Error(detail) => {
                abandon();
                return Err(AppError::Export { detail });
            }
            FromExporter::Ready => {}
        }
    };
    if received != frames {
        return Err(AppError::Export {
            detail: format!("the renderer delivered {received} of {frames} frames"),
        });
    }
    progress(1.0);
    // The limiter's deepest gain reduction over the whole render (nothing read the meters).
    let decode = |s: &js_sys::Float64Array| {
        dsp_worklet::MeterSnapshot::decode(&s.to_vec()).unwrap_or_default()
    };
    let meters = decode(&snapshot);
    let underruns: u64 = part_snapshots
        .iter()
        .map(|s| decode(s).underrun_frames)
        .sum::<u64>()
        + meters.underrun_frames;
    if underruns > 0 {
        return Err(AppError::Export {
            detail: format!(
                "the renderer missed {underruns} frames of audio from the store; nothing was delivered"
            ),
        });
    }
    let limiter_reduction_db = meters.limiter_reduction_db as f64;
    // The summing Worker holds the recording: it stays for the passes that replay it (the parts,
    // if any, end here).
    let complete = |len: f64| len as u64 >= frames && len < room;
    let recording = match (recorded.filter(|l| complete(*l)), spawned.take()) {
        (Some(_), Some((mut crew, replies))) if matches!(source, Source::Recording) => {
            let keeper = Crew(vec![crew.0.remove(0)]);
            drop(crew);
            // Its own queue: nothing a part posted late can reach a later pass.
            drop(replies);
            let replies = Replies::listen(&keeper.0);
            Some(Recording {
                keeper,
                replies,
                gone: Default::default(),
                frames,
                dry,
            })
        }
        _ => None,
    };
    let keep = tail_end(&tail[0], &tail[1], 0);
    sink.take(&tail[0][..keep], &tail[1][..keep]);
    Ok(Some(RenderEnd {
        frames: (dry.min(frames) as usize) + keep,
        limiter_reduction_db,
        recording,
    }))
}

/// A track's stem in the store at `rate`: the session's own, or its original file (from the
/// autosave store) decoded again at that rate by a decode Worker (kept in the store for the next
/// export at that rate).
async fn stem_at_rate(st: &Stem, rate: u32) -> Result<StoredStem, String> {
    if st.stored.rate == rate {
        return Ok(st.stored.clone());
    }
    let (_, blob) = storage::get_stem_blob(&st.stored.sha256)
        .await?
        .ok_or_else(|| {
            format!(
                "“{}” could not be decoded at {rate} Hz: its original file is not in this browser's store",
                st.file_name
            )
        })?;
    decoder_pool::decode(&st.file_name, &blob, rate, Rc::new(|_| {}))
        .await
        .map(|(stem, _)| stem)
}

/// A Worker's messages, one at a time, in order.
struct Replies {
    queue: Rc<RefCell<VecDeque<FromExporter>>>,
    wake: Rc<RefCell<Option<js_sys::Function>>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

/// Every Worker of one render; terminated together when the render ends, fails or is cancelled.
struct Crew(Vec<Worker>);

impl Drop for Crew {
    fn drop(&mut self) {
        self.0.iter().for_each(Worker::terminate);
    }
}

/// Most Workers one export's stems render on.
pub const MAX_EXPORT_WORKERS: usize = 4;

/// How many Workers render an export of `tracks` tracks: one per core less the one the page needs
/// (it requantises and measures while they render), at most [`MAX_EXPORT_WORKERS`], and no more
/// than there are tracks. The page's `export-workers` parameter sets it (tests, benchmarks).
fn export_workers(tracks: usize) -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(2.0) as usize;
    let asked = crate::browser::js::number_from_query("export-workers")
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map(|n| n as usize);
    asked
        .unwrap_or(cores.saturating_sub(1))
        .clamp(1, MAX_EXPORT_WORKERS)
        .min(tracks.max(1))
}

/// `items` cut into `n` contiguous runs in order, as even as possible (the later runs take the
/// remainder: the first goes to the summing Worker, which also runs the master).
fn runs<T>(items: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let n = n.max(1);
    let mut rest = items.into_iter();
    let mut left = rest.len();
    (0..n)
        .map(|k| {
            let take = left / (n - k);
            left -= take;
            rest.by_ref().take(take).collect()
        })
        .collect()
}

impl Replies {
    /// The messages of all `workers`, in one queue (the split export's parts post only `ready`
    /// and errors here).
    fn listen(workers: &[Worker]) -> Replies {
        let queue: Rc<RefCell<VecDeque<FromExporter>>> = Rc::default();
        let wake: Rc<RefCell<Option<js_sys::Function>>> = Rc::default();
        let (q, w) = (queue.clone(), wake.clone());
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                q.borrow_mut().push_back(FromExporter::read(ev.data()));
                if let Some(f) = w.borrow_mut().take() {
                    let _ = f.call0(&JsValue::UNDEFINED);
                }
            });
        for w in workers {
            w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        }
        // A script that fails to load or throws outside a job ends the wait with an error.
        let q = queue.clone();
        let w = wake.clone();
        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |ev: web_sys::ErrorEvent| {
                ev.prevent_default();
                q.borrow_mut().push_back(FromExporter::Error(format!(
                    "the renderer stopped: {}",
                    ev.message()
                )));
                if let Some(f) = w.borrow_mut().take() {
                    let _ = f.call0(&JsValue::UNDEFINED);
                }
            });
        for w in workers {
            w.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        }
        Replies {
            queue,
            wake,
            _on_message: on_message,
            _on_error: on_error,
        }
    }

    async fn next(&self) -> FromExporter {
        loop {
            if let Some(v) = self.queue.borrow_mut().pop_front() {
                return v;
            }
            let wake = self.wake.clone();
            let arrived = js_sys::Promise::new(&mut |resolve, _| {
                *wake.borrow_mut() = Some(resolve);
            });
            let _ = JsFuture::from(arrived).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_is_kept_until_it_falls_below_minus_90_dbfs() {
        let mut l = vec![0.5f32; 100];
        l.extend([1e-3, 1e-4, 1e-5, 0.0, 0.0]);
        let r = vec![0.0f32; l.len()];
        assert_eq!(tail_end(&l, &r, 100), 102);
        // Never shorter than the song, even if the song ends in silence.
        assert_eq!(tail_end(&[0.0; 50], &[0.0; 50], 40), 40);
    }

    #[test]
    fn runs_are_contiguous_in_order_and_even() {
        assert_eq!(
            runs((1..=6).collect(), 4),
            [vec![1], vec![2], vec![3, 4], vec![5, 6]]
        );
        assert_eq!(runs((1..=3).collect(), 1), [vec![1, 2, 3]]);
        assert_eq!(runs(vec![1, 2], 2), [vec![1], vec![2]]);
        let cut = runs((0..16).collect::<Vec<_>>(), 3);
        assert_eq!(cut.iter().map(Vec::len).collect::<Vec<_>>(), [5, 5, 6]);
        assert_eq!(cut.concat(), (0..16).collect::<Vec<_>>());
    }
}

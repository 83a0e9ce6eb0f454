// Second Ear's export renderer (a dedicated module Worker): the same engine wasm as playback
// (through engine-shell.js), rendering block by block as fast as the CPU allows, its stems
// streamed straight from the stem store (OPFS, read-only sync handles) — no OfflineAudioContext,
// no stem posted or held whole. Before every block each ring is filled as far as it will take, so
// an export never underruns (and fails loudly if the engine ever counts one).
// The main thread terminates a Worker to cancel.
// Split across Workers (dsp-worklet/src/split.rs): the main thread may cut the tracks into
// contiguous runs in mix order. This Worker then keeps the first run and sums (`split`: [{port,
// tracks}] in mix order; `songFrames`, the song over every run; `soloElsewhere`, any track soloed);
// each other run goes to a part Worker running this same script (`role: 'part'`, `port`,
// `songFrames`, `soloElsewhere`), which renders only its tracks
// and sends their contributions over its port ({type:'taps', frames, channels, data}, then
// {type:'end', snapshot}; the summing Worker answers {type:'ack'} per taps message taken). The
// summing engine adds them after its own tracks in mix order, so the file is bit-for-bit the same
// whatever the split.
// Job (from the main thread; Rust `ExportJob` / `FromExporter` in app/src/browser/protocol.rs):
//   {module, rate, lanes: Float64Array (automation lanes to make, 4 words each: lane, track,
//    param, room), stems: [{id, name, sha256, rate, channels, frames, planes (the in-memory
//    store's Float32Arrays where the browser gives no private file storage, else null)}],
//    words: Float64Array (state
//    commands, then metering off, Seek, Play), frames, stopAt (frame where Pause is applied, or
//    -1), record (room in frames, or 0), replay (true: render from the recording the last job
//    made or replayed in this Worker, instead of stems),
//    piece (frames per piece of output)}
// Replies: {type:'progress', fraction}; the output as it is rendered, in order, in pieces of
// `piece` frames (the last one shorter): {type:'piece', at, left, right} (buffers transferred, so
// the main thread measures one piece while the next renders and nobody holds the whole render
// twice); then {type:'done', snapshot: Float64Array, parts: [Float64Array] (the parts' final
// snapshots), recorded: frames recorded (kept here for the next job) | null, spent: {setup, feed,
// engine, turns, wait, total, parts} (ms, for benchmarks)} (buffers transferred), or
// {type:'error', message}.
// A Worker that recorded (or replayed) is kept by the main thread for the next pass: one job at
// a time, the recording never copied.

import { BLOCK, EngineShell, OUT_OF_MEMORY } from './engine-shell.js';
import { openStem } from './stem-source.js';

// Ring per streamed track, seconds.
const RING_SECONDS = 1;
// Progress messages per render, about.
const PROGRESS_STEPS = 40;
// Frames a part renders between taps messages, and how many messages it may have unanswered.
const TAP_FRAMES = 16384;
const MAX_AHEAD = 4;
// Room in the taps and the inlet beyond that: priming renders the engine's latency on top of a
// block (a few ms).
const SLACK_FRAMES = 16384;
// Command words of Pause (Rust `Command::Pause.to_words()`), sent by the main thread.
let pauseWords = null;

async function openStems(stems) {
  const open = new Map();
  try {
    for (const s of stems) open.set(s.id, { frames: s.frames, handles: await openStem(s) });
  } catch (e) {
    for (const s of open.values()) s.handles.forEach((h) => h.close());
    throw e;
  }
  return open;
}

// Tops up every ring that is half empty, as far as it will take (reads in large pieces): a ring
// then always holds far more than a block and the priming need, so the engine never waits or
// underruns.
function feed(shell, open, scratch, capacity) {
  for (const [id, s] of open) {
    const first = shell.want(id);
    if (!first || first.free < capacity / 2) continue;
    for (;;) {
      const w = shell.want(id);
      if (!w || w.run <= 0) break;
      const have = Math.max(0, Math.min(w.run, s.frames - w.songFrame));
      const channels = s.handles.map((h, ch) => {
        const out = scratch[ch].subarray(0, w.run);
        if (have > 0 && h.read(new Uint8Array(out.buffer, out.byteOffset, have * 4), { at: w.songFrame * 4 }) < have * 4) {
          throw new Error(`the decoded audio of track ${id} on disk is shorter than recorded`);
        }
        out.fill(0, have);
        return out;
      });
      const taken = shell.write(id, w.epoch, w.from, channels);
      if (taken < 0) throw new Error(`the engine refused the audio of track ${id} (code ${taken})`);
      if (taken < w.run) break;
    }
  }
}

function refusal(rc) {
  return rc === OUT_OF_MEMORY ? 'out of memory' : `engine error ${rc}`;
}

// A zero-delay turn of the event loop (messages from the parts arrive then).
const tick = new MessageChannel();
let ticked = null;
tick.port1.onmessage = () => { const r = ticked; ticked = null; if (r) r(); };
const turn = () => new Promise((resolve) => { ticked = resolve; tick.port2.postMessage(0); });

// The engine with the job's stems streamed in (rings of RING_SECONDS), the split context set.
function engineFor(job) {
  const shell = new EngineShell(job.module, job.rate);
  const capacity = Math.round(job.rate * RING_SECONDS);
  for (const s of job.stems) {
    const rc = shell.addStreamed(s.id, s.channels, s.frames, capacity);
    if (rc !== 0) {
      shell.dispose();
      throw new Error(`the export's engine could not take “${s.name}” (${refusal(rc)})`);
    }
  }
  if (job.role === 'part' || job.split) shell.splitContext(job.songFrames, job.soloElsewhere);
  return { shell, capacity };
}

// The job's automation lanes (their points follow in the job's words).
function addLanes(shell, job) {
  const errors = shell.addLanes(job.lanes);
  if (errors.length) {
    shell.dispose();
    throw new Error(`the export's engine could not make an automation lane (${refusal(errors[0])})`);
  }
}

// A part of a split export: renders its tracks block by block and sends their taps to the
// summing Worker, at most MAX_AHEAD messages ahead of what it has taken.
async function renderPart(job) {
  const { shell, capacity } = engineFor(job);
  addLanes(shell, job);
  let open = new Map();
  try {
    open = await openStems(job.stems);
    const rc = shell.splitPart(TAP_FRAMES + SLACK_FRAMES);
    if (rc !== 0) throw new Error(`the export's engine could not make room for its share (${refusal(rc)})`);
    const errors = shell.commands(job.words);
    if (errors.length) throw new Error(`the engine refused a setting (code ${errors[0]})`);
    const port = job.port;
    let unanswered = 0;
    let answered = null;
    port.onmessage = (e) => {
      if (e.data.type !== 'ack') return;
      unanswered--;
      const r = answered;
      answered = null;
      if (r) r();
    };
    const send = () => {
      const taps = shell.takeTaps(job.stems.length);
      port.postMessage({ type: 'taps', ...taps }, [taps.data.buffer]);
      unanswered++;
    };
    const scratch = [new Float32Array(16384), new Float32Array(16384)];
    // Where the time goes (ms; the summing Worker passes it on for benchmarks).
    const spent = { feed: 0, engine: 0, taps: 0, wait: 0 };
    for (let at = 0; at < job.frames; at += BLOCK) {
      if (at === job.stopAt) shell.commands(pauseWords);
      const t1 = performance.now();
      feed(shell, open, scratch, capacity);
      const t2 = performance.now();
      shell.process(Math.min(BLOCK, job.frames - at));
      const t3 = performance.now();
      spent.feed += t2 - t1;
      spent.engine += t3 - t2;
      if (shell.tapsLength() >= TAP_FRAMES) {
        send();
        const t4 = performance.now();
        while (unanswered > MAX_AHEAD) await new Promise((resolve) => { answered = resolve; });
        spent.taps += t4 - t3;
        spent.wait += performance.now() - t4;
      }
    }
    if (shell.tapsLength() > 0) send();
    const snapshot = shell.snapshot();
    port.postMessage({ type: 'end', snapshot, spent }, [snapshot.buffer]);
  } finally {
    for (const s of open.values()) s.handles.forEach((h) => h.close());
    shell.dispose();
  }
}

// The summing Worker's side of a split: the parts' taps as they arrive, moved into the engine's
// inlet in lockstep (the same frames of every part at once), each message answered once taken.
class Parts {
  constructor(shell, parts) {
    this.shell = shell;
    this.arrived = null;
    this.failure = null;
    let first = 0;
    this.parts = parts.map((p) => {
      const part = { port: p.port, first, queue: [], queued: 0, ended: false, snapshot: null };
      first += p.tracks;
      p.port.onmessage = (e) => {
        const m = e.data;
        if (m.type === 'taps') {
          part.queue.push({ chunk: m, off: 0 });
          part.queued += m.frames;
        } else if (m.type === 'end') {
          part.ended = true;
          part.snapshot = m.snapshot;
          part.spent = m.spent;
        }
        const r = this.arrived;
        this.arrived = null;
        if (r) r();
      };
      return part;
    });
    this.tracks = first;
  }

  // Moves as many frames as every part has and the inlet takes, in runs of a taps message (or
  // what is left) so the inlet's compaction is paid once per run.
  move() {
    let n = Infinity;
    for (const p of this.parts) n = Math.min(n, p.queued);
    if (!(n > 0)) return;
    const want = Math.min(n, TAP_FRAMES);
    // (Checked first: making room while it cannot suffice would compact for nothing.)
    if (this.shell.inletCapacity - this.shell.inletAvailable() < want) return;
    const { at, free } = this.shell.inletRoom(want);
    n = Math.min(n, free);
    for (const p of this.parts) {
      let done = 0;
      while (done < n) {
        const head = p.queue[0];
        const take = Math.min(n - done, head.chunk.frames - head.off);
        this.shell.inletWrite(at + done, p.first, head.chunk, head.off, take);
        head.off += take;
        done += take;
        if (head.off === head.chunk.frames) {
          p.queue.shift();
          p.port.postMessage({ type: 'ack' });
        }
      }
      p.queued -= n;
    }
    this.shell.inletFilled(n);
  }

  // Waits until the inlet holds `need` frames, or every part has ended (what they sent that
  // does not fit is `drain`'s to report).
  async fill(need) {
    for (;;) {
      this.move();
      if (this.shell.inletAvailable() >= need) return;
      if (this.parts.every((p) => p.ended)) return;
      await new Promise((resolve) => { this.arrived = resolve; });
    }
  }

  // After the render: waits for every part's end; all they sent must have been summed.
  async drain() {
    while (!this.parts.every((p) => p.ended)) await new Promise((resolve) => { this.arrived = resolve; });
    this.move();
    const left = this.shell.inletAvailable() + Math.max(...this.parts.map((p) => p.queued));
    if (left > 0) throw new Error(`the other Workers rendered ${left} frames more than the summing engine took`);
  }

  close() {
    for (const p of this.parts) p.port.close();
  }
}

// The engine of the last render that recorded the master chain's input (or replayed it): the
// next job with `replay` renders from that recording, which never leaves this Worker's memory.
let kept = null;

// The engine for a replay: a fresh one in the kept engine's instance, the recording handed over.
function replayEngine() {
  const shell = kept;
  kept = null;
  if (!shell) throw new Error('this renderer holds no recording of the mix to replay');
  const rc = shell.renewForReplay();
  if (rc !== 0) {
    shell.dispose();
    throw new Error(`the export's engine could not replay the mix (${refusal(rc)})`);
  }
  return { shell, capacity: 0 };
}

async function render(job) {
  const t0 = performance.now();
  const { shell, capacity } = job.replay ? replayEngine() : engineFor(job);
  addLanes(shell, job);
  let open = new Map();
  let parts = null;
  let keep = false;
  try {
    open = await openStems(job.stems);
    if (job.split) {
      parts = new Parts(shell, job.split);
      const rc = shell.splitSum(parts.tracks, 2 * TAP_FRAMES + SLACK_FRAMES);
      if (rc !== 0) throw new Error(`the export's engine could not make room for the other Workers' tracks (${refusal(rc)})`);
    }
    if (job.record > 0) {
      const rc = shell.record(job.record);
      if (rc !== 0) throw new Error(`the export's engine could not make room to record the mix (${refusal(rc)})`);
    }
    // With parts: the inlet always holds a block plus priming, and the parts' messages are
    // taken at least every TAP_FRAMES frames so they never wait on this Worker for long. Filled
    // before Play too: Play primes at once when none of this Worker's stems reaches the start
    // (a region after they end), and priming reads the inlet.
    const need = BLOCK + (parts ? shell.latencyFrames() + BLOCK : 0);
    if (parts) await parts.fill(need);
    const errors = shell.commands(job.words);
    if (errors.length) throw new Error(`the engine refused a setting (code ${errors[0]})`);
    const scratch = [new Float32Array(16384), new Float32Array(16384)];
    const piece = Math.max(BLOCK, Math.floor(job.piece / BLOCK) * BLOCK);
    let pieceAt = 0;
    let left = new Float32Array(Math.min(piece, job.frames));
    let right = new Float32Array(left.length);
    const every = Math.max(BLOCK, Math.ceil(job.frames / PROGRESS_STEPS / BLOCK) * BLOCK);
    // Where the time goes (ms; read by tests/bench): setup, feeding rings (reads), the engine.
    const spent = { setup: performance.now() - t0, feed: 0, engine: 0, turns: 0, wait: 0, total: 0 };
    for (let at = 0; at < job.frames; at += BLOCK) {
      if (at === job.stopAt) shell.commands(pauseWords);
      if (parts) {
        const t = performance.now();
        if (at % TAP_FRAMES === 0) await turn();
        const tw = performance.now();
        spent.turns += tw - t;
        if (shell.inletAvailable() < need) await parts.fill(need);
        else parts.move();
        spent.wait += performance.now() - tw;
      }
      const t1 = performance.now();
      feed(shell, open, scratch, capacity);
      const t2 = performance.now();
      const n = Math.min(BLOCK, job.frames - at);
      const [l, r] = shell.process(n);
      left.set(l, at - pieceAt);
      right.set(r, at - pieceAt);
      spent.feed += t2 - t1;
      spent.engine += performance.now() - t2;
      if (at + n === pieceAt + left.length) {
        self.postMessage({ type: 'piece', at: pieceAt, left, right }, [left.buffer, right.buffer]);
        pieceAt = at + n;
        left = new Float32Array(Math.min(piece, job.frames - pieceAt));
        right = new Float32Array(left.length);
      }
      if ((at + n) % every === 0) self.postMessage({ type: 'progress', fraction: (at + n) / job.frames });
    }
    const snapshot = shell.snapshot();
    // The recording stays in this Worker, for the next pass.
    const recorded = job.record > 0 ? shell.recordedFrames() : null;
    let partSnapshots = [];
    if (parts) {
      await parts.drain();
      const missing = shell.inletMissing();
      if (missing > 0) throw new Error(`the summing engine missed ${missing} frames of the other Workers' tracks`);
      partSnapshots = parts.parts.map((p) => p.snapshot);
      spent.parts = parts.parts.map((p) => p.spent);
    }
    const transfer = [snapshot.buffer, ...partSnapshots.map((p) => p.buffer)];
    spent.total = performance.now() - t0;
    keep = job.record > 0 || job.replay;
    self.postMessage({ type: 'done', snapshot, parts: partSnapshots, recorded, spent }, transfer);
  } finally {
    if (parts) parts.close();
    for (const s of open.values()) s.handles.forEach((h) => h.close());
    if (keep) kept = shell;
    else shell.dispose();
  }
}

self.onmessage = async (e) => {
  pauseWords = e.data.pauseWords;
  try {
    await (e.data.role === 'part' ? renderPart(e.data) : render(e.data));
  } catch (err) {
    self.postMessage({ type: 'error', message: err && err.message ? err.message : String(err) });
  }
};
self.postMessage({ type: 'ready' });

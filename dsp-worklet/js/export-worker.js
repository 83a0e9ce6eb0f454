// Second Ear's export renderer (a dedicated module Worker): the same engine wasm as playback
// (through engine-shell.js), rendering block by block as fast as the CPU allows, its stems
// streamed straight from the stem store (OPFS, read-only sync handles) — no OfflineAudioContext,
// no stem posted or held whole. Before every block each ring is filled as far as it will take, so
// an export never underruns (and fails loudly if the engine ever counts one).
// One job per Worker; the main thread terminates it to cancel.
// Job (from the main thread; Rust `ExportJob` / `FromExporter` in app/src/browser/protocol.rs):
//   {module, rate, stems: [{id, name, sha256, rate, channels, frames, planes (the in-memory
//    store's Float32Arrays where the browser gives no private file storage, else null)}],
//    words: Float64Array (state
//    commands, then metering off, Seek, Play), frames, stopAt (frame where Pause is applied, or
//    -1), record (room in frames, or 0), replay ([Float32Array, Float32Array] or null),
//    piece (frames per piece of output)}
// Replies: {type:'progress', fraction}; the output as it is rendered, in order, in pieces of
// `piece` frames (the last one shorter): {type:'piece', at, left, right} (buffers transferred, so
// the main thread measures one piece while the next renders and nobody holds the whole render
// twice); then {type:'done', snapshot: Float64Array, recorded: [Float32Array, Float32Array] |
// null, spent: {setup, feed, engine, total} (ms, for benchmarks)} (buffers transferred), or
// {type:'error', message}.

import { BLOCK, EngineShell, OUT_OF_MEMORY } from './engine-shell.js';
import { openStem } from './stem-source.js';

// Ring per streamed track, seconds.
const RING_SECONDS = 1;
// Progress messages per render, about.
const PROGRESS_STEPS = 40;
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

async function render(job) {
  const t0 = performance.now();
  const shell = new EngineShell(job.module, job.rate);
  const open = await openStems(job.stems);
  try {
    const capacity = Math.round(job.rate * RING_SECONDS);
    for (const s of job.stems) {
      const rc = shell.addStreamed(s.id, s.channels, s.frames, capacity);
      if (rc !== 0) throw new Error(`the export's engine could not take “${s.name}” (${refusal(rc)})`);
    }
    if (job.record > 0) {
      const rc = shell.record(job.record);
      if (rc !== 0) throw new Error(`the export's engine could not make room to record the mix (${refusal(rc)})`);
    }
    if (job.replay) {
      const rc = shell.replay(job.replay);
      if (rc !== 0) throw new Error(`the export's engine could not make room to replay the mix (${refusal(rc)})`);
    }
    const errors = shell.commands(job.words);
    if (errors.length) throw new Error(`the engine refused a setting (code ${errors[0]})`);
    const scratch = [new Float32Array(16384), new Float32Array(16384)];
    const piece = Math.max(BLOCK, Math.floor(job.piece / BLOCK) * BLOCK);
    let pieceAt = 0;
    let left = new Float32Array(Math.min(piece, job.frames));
    let right = new Float32Array(left.length);
    const every = Math.max(BLOCK, Math.ceil(job.frames / PROGRESS_STEPS / BLOCK) * BLOCK);
    // Where the time goes (ms; read by tests/bench): setup, feeding rings (reads), the engine.
    const spent = { setup: performance.now() - t0, feed: 0, engine: 0, total: 0 };
    for (let at = 0; at < job.frames; at += BLOCK) {
      if (at === job.stopAt) shell.commands(pauseWords);
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
    const recorded = job.record > 0 ? shell.recorded() : null;
    const transfer = [snapshot.buffer, ...(recorded ? recorded.map((c) => c.buffer) : [])];
    spent.total = performance.now() - t0;
    self.postMessage({ type: 'done', snapshot, recorded, spent }, transfer);
  } finally {
    for (const s of open.values()) s.handles.forEach((h) => h.close());
    shell.dispose();
  }
}

self.onmessage = async (e) => {
  pauseWords = e.data.pauseWords;
  try {
    await render(e.data);
  } catch (err) {
    self.postMessage({ type: 'error', message: err && err.message ? err.message : String(err) });
  }
};
self.postMessage({ type: 'ready' });

// Shared by the browser benchmarks that time the engine's wasm block by block: the benchmark
// session's commands (from `examples/bench_commands.rs`, the same ones criterion applies) and a
// dedicated Worker of the cross-origin-isolated page (performance.now() to 5 µs; the AudioWorklet
// scope has no clock) that drives the wasm exactly as the processor does and times each
// `se_process` call.
import { execFileSync } from 'node:child_process';

export const RATE = 48_000;
/** One 128-frame block at 48 kHz, ms. */
export const BUDGET_MS = (128 / RATE) * 1000;

/** The benchmark session's commands for `n` tracks of `frames` (see bench_commands.rs). */
export function benchCommands(n, frames, mode) {
  const json = execFileSync('cargo', ['run', '-q', '--release', '-p', 'dsp-worklet', '--example', 'bench_commands', String(n), String(frames), mode]);
  return JSON.parse(json.toString());
}

const WORKER = `
onmessage = (e) => {
  const { module, n, words, frames, blocks, RATE } = e.data;
  const w = new WebAssembly.Instance(module, {}).exports;
  const eng = w.se_engine_new(RATE);
  const ch = new Float32Array(frames);
  let failed = -1;
  for (let id = 0; id < n && failed < 0; id++) {
    const f = 55 * (1 + id);
    for (let i = 0; i < frames; i++) ch[i] = 0.1 * Math.sin((2 * Math.PI * f * i) / RATE);
    if (w.se_track_begin(eng, id, 2, frames) !== 0) { failed = id; break; }
    for (let c = 0; c < 2; c++) new Float32Array(w.memory.buffer, w.se_track_channel_ptr(eng, c) >>> 0, frames).set(ch);
    if (w.se_track_commit(eng) !== 0) failed = id;
  }
  const memory = w.memory.buffer.byteLength;
  if (failed >= 0) { postMessage({ failed, memory }); return; }
  for (let i = 0; i + 3 < words.length; i += 4) w.se_command(eng, words[i], words[i + 1], words[i + 2], words[i + 3]);
  for (let b = 0; b < 200; b++) w.se_process(eng, 128);
  const t = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    w.se_process(eng, 128);
    t[b] = performance.now() - t0;
  }
  t.sort();
  postMessage({ median: t[Math.floor(blocks / 2)], p99: t[Math.floor(blocks * 0.99)], memory, isolated: crossOriginIsolated });
};`;

/** The timing Worker's script, served beside the app (the page's policy starts Workers only from
 * its own origin): pass to `startApp({ files: BENCH_FILES })`. */
export const BENCH_FILES = { 'bench-block-worker.js': WORKER };

/**
 * Runs `n` stereo tracks of `frames` with `words` (the session's commands) in a fresh Worker of
 * `page` and times `blocks` blocks after 200 of warm-up (`wasm`: the engine build, a path the
 * page's server serves). Resolves to `{ median, p99 }` in ms, the
 * wasm `memory` in bytes and `isolated`, or `{ failed, memory }` when stem `failed` did not fit.
 */
export function timeBlocks(page, { n, words, frames, blocks, wasm = 'dsp_worklet.wasm' }) {
  return page.evaluate(async ({ n, words, frames, blocks, RATE, wasm }) => {
    const module = await WebAssembly.compileStreaming(fetch(wasm));
    const worker = new Worker('bench-block-worker.js');
    const r = await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage({ module, n, words: new Float64Array(words.flat()), frames, blocks, RATE });
    });
    worker.terminate();
    return r;
  }, { n, words, frames, blocks, RATE, wasm });
}

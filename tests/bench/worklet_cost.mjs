// Browser benchmark: the cost of the engine's wasm inside Chromium's AudioWorklet, rendered in
// an OfflineAudioContext at 48 kHz, for growing numbers of full strips (every module on, both
// sends, buses, master chain with metering). Not a test: it prints figures.
//
// Cost per block = render wall time / number of 128-frame blocks, so it includes Web Audio's
// own per-block overhead (reported separately as the 0-track line). Each count is rendered
// `runs` times, counts interleaved so machine drift spreads over all of them; best run counts.
// Usage: node tests/bench/worklet_cost.mjs [seconds=20] [runs=3] [counts=0,1,16,64] [full|plain|master]
import { execFileSync } from 'node:child_process';
import { startApp } from '../e2e/lib/browser.mjs';

const args = process.argv.slice(2);
const seconds = Number(args[0] ?? 20);
const runs = Number(args[1] ?? 3);
const counts = (args[2] ?? '0,1,16,64').split(',').map(Number);
const mode = args[3] ?? 'full';
const RATE = 48_000;
const BUDGET_MS = (128 / RATE) * 1000;
const stemFrames = RATE * 10; // 10 s stems, looped

const commands = {};
for (const n of counts) {
  const out = execFileSync('cargo', ['run', '-q', '--release', '-p', 'dsp-worklet', '--example', 'bench_commands', String(n), String(stemFrames), mode]);
  commands[n] = JSON.parse(out.toString());
}

const app = await startApp();
const page = await app.openPage();
const results = await page.evaluate(async ({ counts, commands, seconds, runs, RATE, stemFrames }) => {
  const module = await WebAssembly.compileStreaming(fetch('dsp_worklet.wasm'));
  const stem = (id) => {
    const f = 55 * (1 + id);
    let seed = (12345 + id) >>> 0;
    const x = new Float32Array(stemFrames);
    for (let i = 0; i < stemFrames; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      x[i] = 0.1 * Math.sin((2 * Math.PI * f * i) / RATE) + 0.01 * (seed / 4294967295 - 0.5);
    }
    return x;
  };
  async function render(n) {
    const ctx = new OfflineAudioContext(2, RATE * seconds, RATE);
    await ctx.audioWorklet.addModule('engine-processor.js');
    const node = new AudioWorkletNode(ctx, 'second-ear-engine', {
      numberOfInputs: 0, outputChannelCount: [2], processorOptions: { module, meters: false },
    });
    node.connect(ctx.destination);
    const errors = [];
    let added = 0;
    const pong = new Promise((resolve) => {
      node.port.onmessage = (e) => {
        if (e.data.type === 'added') added++;
        else if (e.data.type === 'error') errors.push(e.data.code);
        else if (e.data.type === 'pong') resolve();
      };
    });
    for (let id = 0; id < n; id++) {
      const ch = stem(id);
      node.port.postMessage({ type: 'add', id, channels: [ch, ch.slice()] });
    }
    node.port.postMessage({ type: 'cmd', words: new Float64Array(commands[n].flat()) });
    node.port.postMessage({ type: 'ping' });
    await pong;
    if (errors.length || added !== n) throw new Error(`engine setup failed: ${errors} (${added}/${n} added)`);
    const t0 = performance.now();
    const out = await ctx.startRendering();
    const wall = performance.now() - t0;
    node.port.postMessage({ type: 'dispose' });
    const y = out.getChannelData(0);
    let peak = 0;
    for (let i = 0; i < y.length; i++) peak = Math.max(peak, Math.abs(y[i]));
    return { wall, peak };
  }
  const best = Object.fromEntries(counts.map((n) => [n, Infinity]));
  const peaks = {};
  for (let r = 0; r < runs; r++) {
    for (const n of counts) {
      const { wall, peak } = await render(n);
      best[n] = Math.min(best[n], wall);
      peaks[n] = peak;
    }
  }
  return { best, peaks };
}, { counts, commands, seconds, runs, RATE, stemFrames });

const blocks = (RATE * seconds) / 128;
console.log(`worklet cost in Chromium ${app.browserVersion}, OfflineAudioContext 48 kHz, ${seconds} s, best of ${runs}, ${{ full: 'full strips + sends + buses, master chain defaults', plain: 'strip modules off, master chain defaults', master: 'strip modules off, every master stage on' }[mode]}, metering on`);
console.log('| tracks | µs per block | % of 2.667 ms budget | × realtime | output peak |');
console.log('|---:|---:|---:|---:|---:|');
for (const n of counts) {
  const us = (results.best[n] * 1000) / blocks;
  console.log(`| ${n} | ${us.toFixed(1)} | ${((us / 1000 / BUDGET_MS) * 100).toFixed(2)} % | ${(seconds * 1000 / results.best[n]).toFixed(0)}× | ${results.peaks[n].toFixed(3)} |`);
}
await app.close();

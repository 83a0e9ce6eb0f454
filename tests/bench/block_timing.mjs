// Browser benchmark: the realtime cost of one 128-frame block of the engine's wasm, timed around
// the wasm `se_process` call block by block (median and 99th percentile, % of the 2.667 ms
// budget at 48 kHz), and the wasm memory the stems take. The AudioWorklet scope has no clock, so
// the same wasm runs in a dedicated Worker of the cross-origin-isolated page (lib/block_worker.mjs),
// exactly as the processor drives it. Not a test: it prints figures.
// Each count runs 3 times: the lowest median and the spread of the 99th percentiles.
// Usage: node tests/bench/block_timing.mjs [blocks=4000] [counts=1,16,64] [mode=full] [big=32x5]
import { startApp } from '../e2e/lib/browser.mjs';
import { BENCH_FILES, BUDGET_MS as BUDGET, RATE, benchCommands, timeBlocks } from './lib/block_worker.mjs';

const args = process.argv.slice(2);
const blocks = Number(args[0] ?? 4000);
const counts = (args[1] ?? '1,16,64').split(',').map(Number);
const mode = args[2] ?? 'full';
const [bigStems, bigMinutes] = (args[3] ?? '32x5').split('x').map(Number);
const stemFrames = RATE * 10;

const commands = {};
for (const n of [...counts, bigStems]) {
  commands[n] = benchCommands(n, n === bigStems ? RATE * 60 * bigMinutes : stemFrames, mode);
}

const app = await startApp({ files: BENCH_FILES });
const page = await app.openPage();
const run = (n, frames) => timeBlocks(page, { n, words: commands[n], frames, blocks });

// A 2-core machine shared with other work drifts by a third between runs: each count runs
// ROUNDS times in a fresh Worker; the table gives the lowest median (like the best-of-N of the
// other benchmarks) and the spread of the runs' 99th percentiles, lowest to highest.
const ROUNDS = 3;
const rounds = async (n, frames) => {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await run(n, frames));
  const p99s = runs.map((r) => r.p99).sort((a, b) => a - b);
  return { ...runs.reduce((a, b) => (b.median < a.median ? b : a)), p99lo: p99s[0], p99hi: p99s.at(-1) };
};
console.log(`engine wasm per 128-frame block in Chromium ${app.browserVersion} (Worker, ${blocks} blocks, mode ${mode}, 48 kHz, ${ROUNDS} runs each: the lowest median, the runs' p99 from lowest to highest)`);
console.log('| tracks | median µs | median % of budget | p99 µs | p99 % of budget |');
console.log('|---:|---:|---:|---:|---:|');
let clock = '';
for (const n of counts) {
  const r = await rounds(n, stemFrames);
  clock = r.isolated ? '5 µs clock (cross-origin isolated)' : '100 µs clock (NOT isolated: coarse)';
  const us = (x) => (x * 1000).toFixed(0), pct = (x) => ((x / BUDGET) * 100).toFixed(1);
  console.log(`| ${n} | ${us(r.median)} | ${pct(r.median)} % | ${us(r.p99lo)}–${us(r.p99hi)} | ${pct(r.p99lo)}–${pct(r.p99hi)} % |`);
}
console.log(`(${clock})`);
const one = await run(1, RATE * 60);
console.log(`\nwasm memory with one stereo 1-minute stem: ${(one.memory / 1048576).toFixed(1)} MiB (samples are f32: 2 × 48000 × 60 × 4 B = 22.0 MiB per stereo stem-minute, plus the engine).`);
const big = await run(bigStems, RATE * 60 * bigMinutes);
if (big.failed !== undefined) {
  console.log(`${bigStems} stems × ${bigMinutes} min: stem ${big.failed + 1} did not fit (wasm memory ${(big.memory / 1073741824).toFixed(2)} GiB).`);
} else {
  console.log(`${bigStems} stems × ${bigMinutes} min loads: wasm memory ${(big.memory / 1073741824).toFixed(2)} GiB; a block costs ${(big.median * 1000).toFixed(0)} µs median (${((big.median / BUDGET) * 100).toFixed(1)} %), p99 ${(big.p99 * 1000).toFixed(0)} µs.`);
}
await app.close();

// Browser benchmark: where a block of the full 64-track session goes, module by module. The
// engine's wasm is timed block by block in a Worker (lib/block_worker.mjs) with every strip module
// on, and again with one module (or all of them) switched off on every track; a module's cost is
// what switching it off saves. The configurations alternate within each round so the machine's
// drift falls on all of them alike; each gets the lowest median of its rounds. Not a test: it
// prints figures.
// Usage: node tests/bench/module_cost.mjs [tracks=64] [rounds=5] [blocks=3000]
import { startApp } from '../e2e/lib/browser.mjs';
import { BENCH_FILES, BUDGET_MS, RATE, benchCommands, timeBlocks } from './lib/block_worker.mjs';

const args = process.argv.slice(2);
const n = Number(args[0] ?? 64);
const ROUNDS = Number(args[1] ?? 5);
const blocks = Number(args[2] ?? 3000);
const frames = RATE * 10;

const STRIP = 'hp-on,lp-on,eq-on,gate-on,comp-on,sat-on';
const configs = [
  ['every module on', 'full'],
  ['saturation off', 'full-without=sat-on'],
  ['HP, LP and EQ off', 'full-without=hp-on,lp-on,eq-on'],
  ['gate off', 'full-without=gate-on'],
  ['compressor off', 'full-without=comp-on'],
  ['every strip module off', `full-without=${STRIP}`],
  // The modulation effects are not part of the full strip: what adding each (default settings) costs.
  ['plus chorus', 'full-with=chorus-on'],
  ['plus phaser', 'full-with=phaser-on'],
  ['plus flanger', 'full-with=flanger-on'],
].map(([label, mode]) => {
  const words = benchCommands(n, frames, mode);
  return { label, words, added: mode.startsWith('full-with='), best: Infinity };
});

const app = await startApp({ files: BENCH_FILES });
const page = await app.openPage();
for (let round = 0; round < ROUNDS; round++) {
  for (const c of configs) {
    const r = await timeBlocks(page, { n, words: c.words, frames, blocks });
    c.best = Math.min(c.best, r.median);
  }
}
await app.close();

const us = (ms) => (ms * 1000).toFixed(0);
const pct = (ms) => ((ms / BUDGET_MS) * 100).toFixed(1);
const full = configs[0].best;
console.log(`where a block goes: ${n} stereo tracks, Chromium ${app.browserVersion} (Worker, ${blocks} blocks, lowest median of ${ROUNDS} alternating rounds, 48 kHz); sends, buses and the master's meters stay on throughout`);
console.log('| configuration | median µs | % of budget | the module costs µs | % of budget |');
console.log('|---|---:|---:|---:|---:|');
for (const c of configs) {
  // A module switched off costs what it saves; one added costs what it adds.
  const cost = c.added ? c.best - full : full - c.best;
  const saved = c === configs[0] ? '' : `${us(cost)} | ${pct(cost)} %`;
  console.log(`| ${c.label} | ${us(c.best)} | ${pct(c.best)} % | ${saved || '— | —'} |`);
}

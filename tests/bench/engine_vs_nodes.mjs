// Browser benchmark: the same session rendered in an OfflineAudioContext (48 kHz, 60 s by default)
// through our engine in the AudioWorklet, and through an equivalent graph of Chromium's built-in
// nodes (what a web developer would build instead). Not a test: it prints figures.
//
// Per track, the node graph is: AudioBufferSourceNode → GainNode (trim) → 2 BiquadFilterNodes
// (HP, LP) → 4 BiquadFilterNodes (low shelf, two peaking, high shelf) → DynamicsCompressorNode →
// WaveShaperNode (tanh, 2× oversampled) → StereoPannerNode → GainNode (fader) → master, plus two
// send GainNodes into a ConvolverNode reverb (2.5 s stereo IR) and a DelayNode bus (feedback
// through a low-pass). Master: 4 BiquadFilterNodes → DynamicsCompressorNode. Our engine runs the
// benchmark session (every strip module on, both sends, buses, master chain with metering).
// Runs alternate engine / nodes so machine drift falls on both; the best of `runs` counts.
// Usage: node tests/bench/engine_vs_nodes.mjs [seconds=60] [runs=5] [counts=1,16,64]
import { execFileSync } from 'node:child_process';
import { startApp } from '../e2e/lib/browser.mjs';

const args = process.argv.slice(2);
const seconds = Number(args[0] ?? 60);
const runs = Number(args[1] ?? 5);
const counts = (args[2] ?? '1,16,64').split(',').map(Number);
const RATE = 48_000;

const commands = {};
for (const n of counts) {
  const out = execFileSync('cargo', ['run', '-q', '--release', '-p', 'dsp-worklet', '--example', 'bench_commands', String(n), String(RATE * seconds), 'full']);
  commands[n] = JSON.parse(out.toString());
}

const app = await startApp();
const page = await app.openPage();
const results = await page.evaluate(async ({ counts, commands, seconds, runs, RATE }) => {
  const frames = RATE * seconds;
  const module = await WebAssembly.compileStreaming(fetch('dsp_worklet.wasm'));
  const stem = (id) => {
    const f = 55 * (1 + id);
    let seed = (12345 + id) >>> 0;
    const x = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      x[i] = 0.1 * Math.sin((2 * Math.PI * f * i) / RATE) + 0.01 * (seed / 4294967295 - 0.5);
    }
    return x;
  };
  const stems = [];
  for (let id = 0; id < Math.max(...counts); id++) stems.push(stem(id));

  async function engine(n) {
    const ctx = new OfflineAudioContext(2, frames, RATE);
    await ctx.audioWorklet.addModule('engine-processor.js');
    const node = new AudioWorkletNode(ctx, 'second-ear-engine', { numberOfInputs: 0, outputChannelCount: [2], processorOptions: { module, meters: false } });
    node.connect(ctx.destination);
    const pong = new Promise((resolve) => { node.port.onmessage = (e) => { if (e.data.type === 'pong') resolve(); }; });
    for (let id = 0; id < n; id++) node.port.postMessage({ type: 'add', id, channels: [stems[id], stems[id]] });
    node.port.postMessage({ type: 'cmd', words: new Float64Array(commands[n].flat()) });
    node.port.postMessage({ type: 'ping' });
    await pong;
    const t0 = performance.now();
    await ctx.startRendering();
    const ms = performance.now() - t0;
    node.port.postMessage({ type: 'dispose' });
    return ms;
  }

  async function nodes(n) {
    const ctx = new OfflineAudioContext(2, frames, RATE);
    const master = ctx.createGain();
    let m = master;
    for (const [type, f, g] of [['lowshelf', 100, 2], ['peaking', 400, -1], ['peaking', 3000, 1], ['highshelf', 10000, 1]]) {
      const bq = new BiquadFilterNode(ctx, { type, frequency: f, gain: g, Q: 1 });
      m.connect(bq);
      m = bq;
    }
    const mcomp = new DynamicsCompressorNode(ctx, { threshold: -12, ratio: 2 });
    m.connect(mcomp);
    mcomp.connect(ctx.destination);
    // Reverb bus: a 2.5 s decaying-noise impulse response.
    const ir = ctx.createBuffer(2, Math.round(2.5 * RATE), RATE);
    for (let c = 0; c < 2; c++) {
      const d = ir.getChannelData(c);
      for (let i = 0; i < d.length; i++) d[i] = (Math.random() * 2 - 1) * Math.exp((-i / RATE) * 2.8);
    }
    const reverb = new ConvolverNode(ctx, { buffer: ir });
    reverb.connect(master);
    // Delay bus: 250 ms, feedback 0.4 through a 6 kHz low-pass.
    const delay = new DelayNode(ctx, { delayTime: 0.25, maxDelayTime: 2 });
    const fb = new GainNode(ctx, { gain: 0.4 });
    const cut = new BiquadFilterNode(ctx, { type: 'lowpass', frequency: 6000 });
    delay.connect(cut).connect(fb).connect(delay);
    delay.connect(master);
    const curve = new Float32Array(4096);
    for (let i = 0; i < curve.length; i++) curve[i] = Math.tanh(2 * ((i / (curve.length - 1)) * 2 - 1));
    for (let id = 0; id < n; id++) {
      const buf = ctx.createBuffer(2, frames, RATE);
      buf.copyToChannel(stems[id], 0);
      buf.copyToChannel(stems[id], 1);
      const src = new AudioBufferSourceNode(ctx, { buffer: buf });
      const chain = [
        new GainNode(ctx, { gain: 1 }),
        new BiquadFilterNode(ctx, { type: 'highpass', frequency: 40 }),
        new BiquadFilterNode(ctx, { type: 'lowpass', frequency: 18000 }),
        new BiquadFilterNode(ctx, { type: 'lowshelf', frequency: 100, gain: 3 }),
        new BiquadFilterNode(ctx, { type: 'peaking', frequency: 400, gain: -4, Q: 1 }),
        new BiquadFilterNode(ctx, { type: 'peaking', frequency: 2500, gain: 2, Q: 1 }),
        new BiquadFilterNode(ctx, { type: 'highshelf', frequency: 8000, gain: 1.5 }),
        new DynamicsCompressorNode(ctx, { threshold: -24, ratio: 4 }),
        new WaveShaperNode(ctx, { curve, oversample: '2x' }),
        new StereoPannerNode(ctx, { pan: ((id * 17) % 200 - 100) / 100 }),
        new GainNode(ctx, { gain: 0.7 }),
      ];
      let node = src;
      for (const c of chain) { node.connect(c); node = c; }
      node.connect(master);
      node.connect(new GainNode(ctx, { gain: 0.25 })).connect(reverb);
      node.connect(new GainNode(ctx, { gain: 0.125 })).connect(delay);
      src.start();
    }
    const t0 = performance.now();
    await ctx.startRendering();
    return performance.now() - t0;
  }

  const best = {};
  for (const n of counts) best[n] = { engine: Infinity, nodes: Infinity };
  for (let r = 0; r < runs; r++) {
    for (const n of counts) {
      best[n].engine = Math.min(best[n].engine, await engine(n));
      best[n].nodes = Math.min(best[n].nodes, await nodes(n));
    }
  }
  return best;
}, { counts, commands, seconds, runs, RATE });

console.log(`engine vs Chromium's native nodes, Chromium ${app.browserVersion}, OfflineAudioContext 48 kHz, ${seconds} s, best of ${runs} alternating runs`);
console.log('| tracks | engine × realtime | native nodes × realtime | engine / nodes speed |');
console.log('|---:|---:|---:|---:|');
for (const n of counts) {
  const e = (seconds * 1000) / results[n].engine, x = (seconds * 1000) / results[n].nodes;
  console.log(`| ${n} | ${e.toFixed(1)}× | ${x.toFixed(1)}× | ${(e / x).toFixed(2)} |`);
}
await app.close();

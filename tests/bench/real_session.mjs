// Browser benchmark: a real-size session as a user feels it. N stereo 24-bit WAV stems of M
// minutes are written to disk (half at 44.1 kHz so the decode Workers resample, half at the
// session rate), picked through the drop zone's file input of a Chromium with an on-disk profile
// (Chromium reads them from disk, as a dropped file), then played (30 s, or the whole song) and
// exported.
// Not a test: it prints figures. Measured: time to the first playable strip and to every strip,
// memory of the whole Chromium process tree (empty app, peak while loading, steady after
// loading, peak while playing, peak while exporting), underruns while playing (the engine's
// meter posts, read by wrapping AudioWorkletNode in an init script, checked against the
// transport's dropout readout), export time, the stem store's size on disk, decode speed.
// The session rate is forced to `rate` by an init script (headless Chromium's default is the
// sound card's, 44.1 kHz here). WAVs stay in $TMPDIR/second-ear-real-session for the next run
// (same name and size); delete them by hand. `targets`: export-target option values.
// Usage: node tests/bench/real_session.mjs [stems=16] [minutes=4] [rate=48000] [targets=Spotify]
//        [play seconds=30 | song]
import { startApp } from '../e2e/lib/browser.mjs';
import { execFile } from 'node:child_process';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const stems = Number(process.argv[2] ?? 16);
const minutes = Number(process.argv[3] ?? 4);
const rate = Number(process.argv[4] ?? 48000);
const targets = (process.argv[5] ?? 'Spotify').split(',');
const seconds = minutes * 60;
const stemMinutes = stems * minutes;
// Seconds of playback: 30, or the 6th argument (`song`: the whole song, its underruns counted).
const PLAY_S = process.argv[6] === 'song' ? seconds : Number(process.argv[6] ?? 30);
const HOUR = 3_600_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- 1. The stems, on disk, written in pieces (a few sines and low noise, −1/√N each) ----
async function writeWav(file, k, srcRate) {
  const frames = Math.round(srcRate * seconds);
  const size = 44 + frames * 6;
  if (await stat(file).then((s) => s.size === size, () => false)) return false;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(size - 8, 4); h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(2, 22);
  h.writeUInt32LE(srcRate, 24); h.writeUInt32LE(srcRate * 6, 28); h.writeUInt16LE(6, 32);
  h.writeUInt16LE(24, 34); h.write('data', 36); h.writeUInt32LE(frames * 6, 40);
  const fh = await open(file + '.part', 'w');
  await fh.write(h);
  // Three partials (rotating phasors, renormalised every chunk) and LCG noise per channel.
  const f0 = 55 * 2 ** ((k * 5) % 24 / 12);
  const osc = [[f0, 0.25], [f0 * 2.01, 0.12], [f0 * 3.02, 0.06]].map(([f, a]) => ({
    cr: Math.cos(2 * Math.PI * f / srcRate), sr: Math.sin(2 * Math.PI * f / srcRate), c: a, s: 0, a,
  }));
  const g = 8388607 / Math.sqrt(stems);
  let seed = 12345 + k;
  const CHUNK = 65536;
  const buf = Buffer.alloc(CHUNK * 6);
  for (let done = 0; done < frames; done += CHUNK) {
    const n = Math.min(CHUNK, frames - done);
    for (let i = 0, o = 0; i < n; i++) {
      let x = 0;
      for (const p of osc) {
        const c = p.c * p.cr - p.s * p.sr;
        p.s = p.s * p.cr + p.c * p.sr;
        p.c = c;
        x += p.s;
      }
      for (let ch = 0; ch < 2; ch++, o += 3) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const v = Math.round((x + 0.01 * (seed / 4294967296 - 0.5)) * g);
        buf[o] = v & 255; buf[o + 1] = (v >> 8) & 255; buf[o + 2] = (v >> 16) & 255;
      }
    }
    for (const p of osc) { const m = p.a / Math.hypot(p.c, p.s); p.c *= m; p.s *= m; }
    await fh.write(buf, 0, n * 6);
  }
  await fh.close();
  await rename(file + '.part', file);
  return true;
}

const dir = path.join(os.tmpdir(), 'second-ear-real-session');
await mkdir(dir, { recursive: true });
const files = [];
let written = 0;
const tWrite = Date.now();
for (let k = 0; k < stems; k++) {
  const srcRate = k % 2 ? 44100 : rate;
  const file = path.join(dir, `n${stems}-${minutes}min-stem${String(k + 1).padStart(2, '0')}-${srcRate}.wav`);
  if (await writeWav(file, k, srcRate)) written++;
  files.push(file);
}
const wavBytes = (await Promise.all(files.map((f) => stat(f)))).reduce((a, s) => a + s.size, 0);
console.error(`stems: ${written} written, ${stems - written} reused, ${(wavBytes / 1e9).toFixed(2)} GB, ${((Date.now() - tWrite) / 1000).toFixed(0)} s`);

// ---- 2. Memory: RSS of every chromium/chrome process under this node process, every 250 ms ----
let phase = 'start';
const samples = [];
// Total RSS (KiB) and RSS by Chromium process kind (its --type: renderer, gpu-process, utility…;
// "browser" for the main process), summed.
async function chromiumRssKb() {
  const { stdout } = await run('ps', ['-eo', 'pid=,ppid=,rss=,comm=,args=']);
  const kids = new Map();
  const rows = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  for (const [pid, ppid] of rows) kids.set(ppid, [...(kids.get(ppid) ?? []), pid]);
  const mine = new Set();
  const todo = [String(process.pid)];
  while (todo.length) for (const c of kids.get(todo.pop()) ?? []) if (!mine.has(c)) { mine.add(c); todo.push(c); }
  const ours = rows.filter(([pid, , , comm]) => mine.has(pid) && /chrom/i.test(comm));
  const byType = {};
  for (const r of ours) {
    const type = r.slice(4).find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser';
    byType[type] = (byType[type] ?? 0) + Number(r[2]);
  }
  // PSS: each shared page divided among the processes that map it, so the sum is what the tree
  // really holds (RSS counts a shared page once per process).
  let pss = 0;
  for (const [pid] of ours) {
    try {
      const m = /^Pss:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) pss += Number(m[1]);
    } catch { /* the process ended */ }
  }
  return { kb: ours.reduce((a, r) => a + Number(r[2]), 0), pss, byType };
}
let busy = false;
const sampler = setInterval(async () => {
  if (busy) return;
  busy = true;
  try { samples.push({ phase, ...(await chromiumRssKb()) }); } catch { /* ps failed once */ }
  busy = false;
}, 250);
// The process kinds at the sample where phase `p` peaked, MB.
const peakByType = (p) => {
  const inP = samples.filter((x) => x.phase === p);
  if (!inP.length) return 'no samples';
  const top = inP.reduce((a, b) => (b.kb > a.kb ? b : a));
  return Object.entries(top.byType).sort((a, b) => b[1] - a[1]).map(([t, kb]) => `${t} ${(kb / 1024).toFixed(0)}`).join(', ') + ' MB';
};
const inPhase = (p) => samples.filter((s) => s.phase === p).map((s) => s.kb);
const peakMb = (p) => Math.max(...inPhase(p)) / 1024;
const peakPssMb = (p) => Math.max(...samples.filter((s) => s.phase === p).map((s) => s.pss)) / 1024;
const medianPssMb = (p) => { const v = samples.filter((s) => s.phase === p).map((s) => s.pss).sort((a, b) => a - b); return v[v.length >> 1] / 1024; };
const medianMb = (p) => { const v = inPhase(p).sort((a, b) => a - b); return v[v.length >> 1] / 1024; };

// ---- 3. The browser, the app, and the engine's meter posts ----
// The init script forces the session rate and keeps the last meter snapshot's words
// (0 playhead, 1 playing, 8 tracks, 21 underrun frames, 22 waiting, 23 blocks waited).
const init = `(() => {
  const b = window.__bench = { words: null, waitingMax: 0, firstEngine: 0, allEngine: 0, spent: [] };
  // The decode Workers' replies carry where their time went (FromDecoder::Done.spent).
  const W = window.Worker;
  window.Worker = class extends W {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        const done = e.data?.Done;
        if (done?.spent && !done.cached) b.spent.push(done.spent);
        // The export Worker's renders (dsp-worklet/js/export-worker.js).
        if (e.data?.type === 'done' && e.data.spent) (b.renders ??= []).push(e.data.spent);
      });
    }
  };
  const AC = window.AudioContext;
  window.AudioContext = class extends AC { constructor(o) { super({ sampleRate: ${rate}, ...o }); } };
  const Node = window.AudioWorkletNode;
  window.AudioWorkletNode = class extends Node {
    constructor(...a) {
      super(...a);
      this.port.addEventListener('message', (e) => {
        if (e.data?.type !== 'meter') return;
        const w = e.data.words;
        b.words = [w[0], w[1], w[8], w[21], w[22], w[23]];
        if (w[8] >= 1 && !b.firstEngine) b.firstEngine = Date.now();
        if (w[8] >= ${stems} && !b.allEngine) b.allEngine = Date.now();
        b.waitingMax = Math.max(b.waitingMax, w[22]);
      });
    }
  };
})();`;
const problems = [];
const note = (what) => { problems.push(what); console.error(what); };
const app = await startApp({ persistent: true });
// startApp keeps its profile next to the XDG dirs it sets (tests/e2e/lib/browser.mjs).
const profile = path.join(path.dirname(process.env.XDG_CONFIG_HOME), 'profile');
// SE_EXPORT_WORKERS=N: the export renders on N Workers (the page's `export-workers`), else the
// app's own choice (one per core less the page's).
const exportWorkers = process.env.SE_EXPORT_WORKERS;
const page = await app.openPage({ init, hash: exportWorkers ? `?export-workers=${exportWorkers}` : '' });
page.on('crash', () => note('PAGE CRASHED'));
page.on('pageerror', (e) => note(`page error: ${String(e).slice(0, 800)}`));
const onConsole = (where) => (m) => { if (m.type() === 'error' || m.type() === 'warning') note(`${where} console ${m.type()}: ${m.text().slice(0, 800)}`); };
page.on('console', onConsole('page'));
page.on('worker', (w) => { w.on('console', onConsole(`worker ${w.url().split('/').pop()}`)); w.on('close', () => console.error(`worker closed: ${w.url()}`)); });
const bench = () => page.evaluate(() => window.__bench);
const sessionRate = parseInt(await page.getByTestId('session-rate').textContent(), 10);
const cores = await page.evaluate(() => navigator.hardwareConcurrency);
const decoders = Math.max(1, cores - 1);
const appErrors = async () => (await page.getByTestId('error').allTextContents()).map((t) => `app error: ${t}`);

phase = 'empty';
await sleep(4000);
// A failure (crash, page error, timeout) prints what was seen so far, then the error.
const fail = async (e) => {
  note(`FAILED in phase ${phase}: ${e?.stack ?? e}`);
  const bb = await bench().catch(() => null);
  console.log(JSON.stringify({ bench: bb, peaks: Object.fromEntries(['empty', 'loading', 'steady', 'playing', 'export'].map((p) => [p, inPhase(p).length ? peakMb(p) : null])) }));
  for (const p of problems) console.log(`- ${p}`);
  clearInterval(sampler);
  await app.close().catch(() => {});
  process.exit(1);
};
process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);

// ---- 4. The drop: pick the files on the drop zone's input; watch the strips in the page ----
phase = 'loading';
const t0 = Date.now();
await page.getByTestId('file-input').setInputFiles(files);
await page.evaluate((n) => {
  const b = window.__bench;
  b.marks = {};
  const tick = () => {
    const now = Date.now();
    const strips = [...document.querySelectorAll('[data-testid=track]')];
    const loaded = strips.filter((s) => s.dataset.status === 'loaded').length;
    const loading = !!document.querySelector('[data-testid=loading]');
    if (loaded >= 1 && !b.marks.firstStrip) b.marks.firstStrip = now;
    if (document.querySelector('[data-testid=error]') && !b.marks.error) b.marks.error = now;
    if (!loading && ((loaded === n && b.allEngine) || b.marks.error)) b.marks.done = now;
    b.marks.loaded = loaded;
    if (!b.marks.done) setTimeout(tick, 50);
  };
  tick();
}, stems);
let b;
for (;;) {
  b = await bench();
  if (b.marks.done) break;
  if (Date.now() - t0 > 2 * HOUR) throw new Error(`loading timed out: ${b.marks.loaded}/${stems} strips`);
  await sleep(250);
}
const errors = await appErrors();
if (errors.length) note(errors.join('; '));
const s1 = (x) => `${x.toFixed(1)} s`;
const spentSum = (k) => b.spent.reduce((a, x) => a + x[k], 0) / 1000;
const firstPlayable = (Math.max(b.marks.firstStrip, b.firstEngine) - t0) / 1000;
const allLoaded = (b.marks.done - t0) / 1000;
phase = 'settle';
await sleep(5000);
phase = 'steady';
await sleep(5000);

// The store on disk: OPFS (Chromium's "File System" directory) and IndexedDB (the dropped
// files kept for autosave), found under the profile wherever this Chromium puts them.
async function duBytes(names) {
  const { stdout } = await run('find', [profile, '-type', 'd', '(', ...names.flatMap((n, i) => (i ? ['-o'] : []).concat(['-name', n])), ')', '-prune']);
  const dirs = stdout.trim().split('\n').filter(Boolean);
  if (!dirs.length) return { bytes: NaN, dirs };
  const { stdout: du } = await run('du', ['-scb', ...dirs]);
  return { bytes: Number(du.trim().split('\n').pop().split(/\s+/)[0]), dirs };
}
const opfs = await duBytes(['File System', 'FileSystem']);
const idb = await duBytes(['IndexedDB']);
const estimate = await page.evaluate(() => navigator.storage.estimate().then((e) => e.usage));

// ---- 5. Play 30 s ----
await page.evaluate(() => { window.__bench.waitingMax = 0; });
phase = 'playing';
// The transport's dropout readout (data-testid=underruns, data-value: frames) as a cross-check.
const shown = () => page.evaluate(() => Number(document.querySelector('[data-testid=underruns]')?.dataset.value ?? NaN));
const w0 = (await bench()).words;
const d0 = await shown();
await page.getByTestId('transport-play').click();
await sleep(PLAY_S * 1000);
const w1 = (await bench()).words;
const d1 = await shown();
const waitingMax = (await bench()).waitingMax;
await page.getByTestId('transport-stop').click();
const played = (w1[0] - w0[0]) / sessionRate;

// ---- 6. Export ----
phase = 'idle';
await sleep(2000);
await page.getByTestId('export-open').click();
await page.getByTestId('export-target').selectOption(targets);
await page.getByTestId('export-format').selectOption('pcm24');
const downloads = [];
page.on('download', (d) => downloads.push(d.path().then(() => ({ t: Date.now(), d }), (e) => { note(`download ${d.suggestedFilename()} failed: ${e}`); return { t: Date.now(), d }; })));
phase = 'export';
// Where the export's time goes: each change of the export's stage line ("Spotify — pass 1:
// rendering", "…: measuring", "…: writing"), timed in the page.
await page.evaluate(() => {
  const b = window.__bench;
  b.stages = [];
  const tick = () => {
    const stage = document.querySelector('[data-testid=export-stage]')?.textContent ?? '';
    const status = document.querySelector('[data-testid=export-status]')?.textContent ?? '';
    const text = stage || (/^Exported/.test(status) ? 'done' : '');
    if (text && text !== b.stages.at(-1)?.text) b.stages.push({ text, t: performance.now() });
    if (text !== 'done') setTimeout(tick, 20);
  };
  tick();
});
const tx = Date.now();
await page.getByTestId('export-start').click();
// Should a target need more than 12 dB of limiting, answer "continue" as a user would.
const answer = setInterval(() => page.getByTestId('export-continue').click({ timeout: 100 }).catch(() => {}), 1000);
let exportStatus = '';
for (;;) {
  exportStatus = await page.getByTestId('export-status').textContent();
  if (/Exported \d+ file/.test(exportStatus) || (await page.getByTestId('error').count()) > errors.length) break;
  if (Date.now() - tx > 2 * HOUR) throw new Error(`export timed out: ${exportStatus}`);
  await sleep(250);
}
clearInterval(answer);
const got = await Promise.all(downloads);
const stages = (await bench()).stages ?? [];
const stageTimes = stages.slice(0, -1).map((x, i) => `${x.text} ${((stages[i + 1].t - x.t) / 1000).toFixed(1)} s`).join('; ');
const renders = ((await bench()).renders ?? []).map((x) => `${s1(x.total / 1000)} (setup ${s1(x.setup / 1000)}, ring feeding ${s1(x.feed / 1000)}, engine ${s1(x.engine / 1000)}${x.wait ? `, waiting for the other Workers ${s1(x.wait / 1000)} (and turns of the event loop ${s1(x.turns / 1000)})` : ''}${(x.parts ?? []).map((p, k) => `; part ${k + 1}: ring feeding ${s1(p.feed / 1000)}, engine ${s1(p.engine / 1000)}, taps out ${s1(p.taps / 1000)}, waiting for the sum ${s1(p.wait / 1000)}`).join('')})`).join('; ');
const exportWall = (Math.max(Date.now(), ...got.map((g) => g.t)) - tx) / 1000;
phase = 'done';
const exportErrors = (await appErrors()).slice(errors.length);
if (exportErrors.length) note(exportErrors.join('; '));
for (const g of got) await g.d.delete();
clearInterval(sampler);
await app.close();

// ---- 7. The table ----
const mb = (x) => `${x.toFixed(0)} MB`;
const audioS = stemMinutes * 60;
const f32Bytes = stems * seconds * sessionRate * 2 * 4;
const steady = medianMb('steady');
const empty = medianMb('empty');
const underrunFrames = w1[3] - w0[3];
const rows = [
  ['drop → first strip playable', `${s1(firstPlayable)} (first strip loaded in the DOM and the engine's meter counts ≥ 1 track; Play itself is never disabled)`],
  ['drop → every strip loaded', `${s1(allLoaded)} (${stems} strips "loaded", no "Decoding…" indicator, engine counts ${stems} tracks; the engine had them all at ${s1((b.allEngine - t0) / 1000)})`],
  ['decode speed', `${(stemMinutes / allLoaded).toFixed(2)} stem-min/s = ${(audioS / allLoaded).toFixed(1)}× realtime, ${(audioS / allLoaded / decoders).toFixed(1)}× realtime per decode Worker (${decoders} = hardwareConcurrency ${cores} − 1)`],
  ['decode Workers\' time (summed over stems)', `${b.spent.length} stems decoded: ${s1(spentSum('total_ms'))} busy = read whole files ${s1(spentSum('read_ms'))}, hash ${s1(spentSum('hash_ms'))}, decode + convert + overview ${s1(spentSum('decode_ms'))}, store writes ${s1(spentSum('write_ms'))}; decode alone ${(audioS / spentSum('decode_ms')).toFixed(0)}× realtime`],
  ['memory, empty app (median)', mb(empty)],
  ['memory, peak while loading', mb(peakMb('loading'))],
  ['memory, steady after loading (median 5–10 s after)', mb(steady)],
  ['memory per stem-minute', `${((steady - empty) / stemMinutes).toFixed(2)} MB ((steady − empty) / ${stemMinutes} stem-min)`],
  [`memory, peak while playing ${PLAY_S} s`, mb(peakMb('playing'))],
  ['memory, peak while exporting', mb(peakMb('export'))],
  ['memory as PSS (shared pages divided among their processes): empty (median) / peak loading / steady (median) / peak playing / peak exporting', [medianPssMb('empty'), peakPssMb('loading'), medianPssMb('steady'), peakPssMb('playing'), peakPssMb('export')].map(mb).join(' / ')],
  ['memory by process kind: empty app (its peak sample) / export peak', `${peakByType('empty')} / ${peakByType('export')}`],
  [`playback, ${PLAY_S} s of wall time`, `transport moved ${played.toFixed(2)} s; underrun frames ${underrunFrames} (${(underrunFrames / sessionRate).toFixed(3)} s; the transport's dropout readout: ${d1 - d0}), blocks waited for rings ${w1[5] - w0[5]}, waiting seen: ${waitingMax ? 'yes' : 'no'}`],
  [`export (${targets.join(' + ')}, 24-bit)`, `${s1(exportWall)} click → last download = ${(seconds / exportWall).toFixed(1)}× realtime; ${got.length} file(s); app says: ${exportStatus || '—'}`],
  ['export stages (stage line)', stageTimes || '—'],
  [`export Worker renders (${exportWorkers ?? 'default'} Worker(s) per render)`, renders || '—'],
  ['OPFS store on disk', `${(opfs.bytes / 1e9).toFixed(2)} GB = ${(opfs.bytes / stemMinutes / 1e6).toFixed(1)} MB per stem-min (planar f32 is ${(f32Bytes / stemMinutes / 1e6).toFixed(1)})`],
  ['IndexedDB on disk (dropped files kept for autosave)', `${(idb.bytes / 1e9).toFixed(2)} GB = ${(idb.bytes / stemMinutes / 1e6).toFixed(1)} MB per stem-min (the WAVs: ${(wavBytes / stemMinutes / 1e6).toFixed(1)})`],
  ['navigator.storage.estimate() usage', `${(estimate / 1e9).toFixed(2)} GB`],
];
console.log(`real session: ${stems} stereo 24-bit WAV stems × ${minutes} min (${stems - (stems >> 1)} at ${rate} Hz, ${stems >> 1} at 44100 Hz) from disk, session ${sessionRate} Hz, Chromium ${app.browserVersion}, on-disk profile, ${cores} cores`);
console.log('');
console.log('| measure | value |');
console.log('|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
console.log('');
console.log(`Measured: wall time from setInputFiles on the drop zone's file input (Chromium reads the WAVs from disk) to the first strip and to the whole session being playable; RSS summed over every chromium process this benchmark started (ps every 250 ms; shared pages count once per process, so the sum overstates what the tree uses), and PSS summed from /proc/PID/smaps_rollup (each shared page divided among the processes mapping it: what the tree really holds), in phases: empty app, loading, steady (5–10 s after loading), ${PLAY_S} s of playback from the start, export; underruns from the realtime engine's meter snapshot (words 21–23), read by an init script wrapping AudioWorkletNode; export time from clicking Export to the last download on disk; the stem store's directories under the profile (du).${problems.length ? ` Page errors, console errors and warnings, crashes seen: ${problems.length} (below).` : ' No page errors, console errors or warnings, or crashes.'}`);
for (const p of problems) console.log(`- ${p}`);
if (process.env.VERBOSE) console.log(JSON.stringify({ opfs: opfs.dirs, idb: idb.dirs, samples: samples.length }));

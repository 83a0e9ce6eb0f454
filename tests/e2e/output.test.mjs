// What actually comes out of the speakers, measured: the page's Web Audio is instrumented (before
// the app loads) so the engine node's output also feeds two AnalyserNodes. Mono and the A/B
// switch change that output; the live integrated meter agrees with the same section measured
// offline by an independent BS.1770 implementation.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, setRange, exportMix, openExport, afterSnapshots, setLoopRegion } from './lib/browser.mjs';
import { encodeWav, decodeWav, noise, sine } from './lib/wav.mjs';
import { integratedLoudness } from './lib/bs1770.mjs';

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

/** Runs in the page before the app: taps whatever the app connects to the speakers. */
function tapOutput() {
  const connect = AudioNode.prototype.connect;
  AudioNode.prototype.connect = function (dest, ...rest) {
    const r = connect.call(this, dest, ...rest);
    if (dest instanceof AudioDestinationNode && this instanceof AudioWorkletNode) {
      const ctx = this.context;
      window.__ctx = ctx;
      const split = ctx.createChannelSplitter(2);
      connect.call(this, split);
      window.__tap = [0, 1].map((ch) => {
        const a = ctx.createAnalyser();
        a.fftSize = 16384;
        a.smoothingTimeConstant = 0;
        connect.call(split, a, ch);
        return a;
      });
    }
    return r;
  };
}

/** The last ~0.37 s at the output: [left, right] samples and the left channel's spectrum (dB). */
const listen = (page) => page.evaluate(() => {
  const [l, r] = window.__tap.map((a) => { const x = new Float32Array(a.fftSize); a.getFloatTimeDomainData(x); return Array.from(x); });
  const spec = new Float32Array(window.__tap[0].frequencyBinCount);
  window.__tap[0].getFloatFrequencyData(spec);
  return { l, r, spec: Array.from(spec), rate: window.__tap[0].context.sampleRate };
});

const rms = (x) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
const db = (x) => 20 * Math.log10(x);
/** Mean power (dB) of spectrum bins between lo and hi Hz. */
function band({ spec, rate }, lo, hi) {
  const hz = rate / 2 / spec.length;
  const bins = spec.slice(Math.ceil(lo / hz), Math.floor(hi / hz));
  return 10 * Math.log10(bins.reduce((s, v) => s + 10 ** (v / 10), 0) / bins.length);
}
/**
 * Listens every 0.15 s of audio until `heard(output)` holds, for at most 10 s, and returns the last
 * output: a switch reaches the speakers one message and one analyser window (0.34 s) later,
 * which on a loaded machine can take longer than any fixed wait.
 */
async function listenUntil(page, heard) {
  const end = Date.now() + 10_000;
  for (;;) {
    const o = await listen(page);
    if (heard(o) || Date.now() > end) return o;
    await audioTime(page, 0.15);
  }
}

/** Waits until the AudioContext has rendered `seconds` more audio (its clock, not a sleep). */
async function audioTime(page, seconds) {
  const t = await page.evaluate((s) => window.__ctx.currentTime + s, seconds);
  await page.waitForFunction((t) => window.__ctx.currentTime >= t, t, { timeout: 30_000 });
}

/** Listens until `measure` of two listens 0.4 s of audio apart (more than one analyser window) agrees
 * within 1 dB, for at most 10 s, and returns the later output. */
async function listenSteady(page, measure) {
  const end = Date.now() + 10_000;
  let before = await listen(page);
  for (;;) {
    await audioTime(page, 0.4);
    const o = await listen(page);
    if (Math.abs(measure(o) - measure(before)) < 1 || Date.now() > end) return o;
    before = o;
  }
}

test('mono and the A/B switch change what comes out of the speakers', async () => {
  const page = await app.openPage({ init: tapOutput });
  const rate = await sessionRate(page);
  const frames = 30 * rate;
  const tone = sine({ freq: 300, peakDb: -20, rate, seconds: 30 });
  const [na, nb] = [noise({ amp: 0.1, frames, seed: 1 }), noise({ amp: 0.1, frames, seed: 2 })];
  const l = tone.map((v, i) => v + na[i]), r = tone.map((v, i) => v + nb[i]);
  await dropFiles(page, [{ name: 'Wide.wav', bytes: encodeWav({ rate, channels: [l, r], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:01.000');
  const side = (o) => db(rms(o.l.map((v, i) => v - o.r[i])) / rms(o.l.map((v, i) => v + o.r[i])));
  const isMono = (o) => side(o) < -80 || o.l.every((v, i) => v === o.r[i]);
  const stereo = await listenUntil(page, (o) => side(o) > -6);
  assert.ok(side(stereo) > -6, `a wide mix has side: ${side(stereo).toFixed(1)} dB`);
  await page.getByTestId('mono').check();
  const mono = await listenUntil(page, isMono);
  assert.ok(rms(mono.l) > 0.01, 'still playing');
  assert.ok(isMono(mono), `mono: side ${side(mono).toFixed(1)} dB`);
  await page.getByTestId('mono').uncheck();
  const wide = await listenUntil(page, (o) => side(o) > -6);
  assert.ok(side(wide) > -6, `stereo again: side ${side(wide).toFixed(1)} dB`);

  // The master brightens the top (+12 dB high shelf): B has more highs than A, by the shelf.
  await page.getByTestId('meq-on').check();
  await setRange(page.getByTestId('meq4-gain'), 12);
  const tilt = (o) => band(o, 12_000, 16_000) - band(o, 500, 2_000);
  await page.getByTestId('ab-toggle').selectOption('1');
  const a = await listenSteady(page, tilt);
  await page.getByTestId('ab-toggle').selectOption('2');
  const b = await listenUntil(page, (o) => tilt(o) - tilt(a) > 9);
  const lift = tilt(b) - tilt(a);
  assert.ok(lift > 9 && lift < 15, `B's highs over A's: ${lift.toFixed(1)} dB (shelf +12)`);
  await page.getByTestId('transport-stop').click();
  await page.close();
});

test('the integrated meter after playing a section agrees within 0.2 LU with that section measured offline', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const frames = 20 * rate;
  const x = new Float32Array(frames), y = new Float32Array(frames);
  const pad = noise({ amp: 0.05, frames, seed: 9 });
  for (let i = 0; i < frames; i++) {
    const t = i / rate;
    const swell = 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.25 * t); // louder and quieter
    const kick = 0.4 * Math.exp(-((i % (rate / 2)) / rate) * 25) * Math.sin(2 * Math.PI * 60 * t);
    x[i] = swell * 0.2 * Math.sin(2 * Math.PI * 220 * t) + kick + pad[i];
    y[i] = swell * 0.2 * Math.sin(2 * Math.PI * 330 * t) + kick - pad[i];
  }
  await dropFiles(page, [{ name: 'Section.wav', bytes: encodeWav({ rate, channels: [x, y], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('target-preset').selectOption('Spotify');
  await page.getByTestId('lim-on').check();
  await setRange(page.getByTestId('lim-input'), 6);
  await page.getByTestId('meter-reset').click();
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:06.000', null, { timeout: 20_000 });
  await page.getByTestId('transport-play').click(); // pause
  // The engine has paused (its snapshot says so), and the meters then hold.
  await page.waitForFunction(() => /Play/.test(document.querySelector('[data-testid=transport-play]').textContent));
  await afterSnapshots(page, 3);
  const live = Number(await page.getByTestId('lufs-integrated').getAttribute('data-value'));
  const pos = await page.getByTestId('transport-position').textContent();
  const [, m, s] = /^(\d+):(\d+\.\d+)$/.exec(pos.trim());
  const played = Number(m) * 60 + Number(s);
  // The same section, offline: a loop-region export of 0 … the pause point, as mixed.
  await setLoopRegion(page, 0, played.toFixed(3));
  await openExport(page);
  await page.getByTestId('export-range').selectOption('loop');
  const wav = decodeWav((await exportMix(page, 'float32')).bytes);
  const offline = integratedLoudness(wav.channelData, wav.rate);
  assert.ok(Math.abs(live - offline) <= 0.2, `live ${live} LUFS vs offline ${offline.toFixed(2)} LUFS over ${played} s`);
  await page.close();
});

// Channel-strip filters and EQ in real Chromium: a multi-sine stem goes through the engine and
// the exported WAV's gain at each frequency is compared with Chromium's own BiquadFilterNode
// (getFrequencyResponse) set up with corresponding parameters. Chromium's biquads use the RBJ
// cookbook: peaking Q is the same Q; shelves have slope S = 1 (our shelf Q = 1/√2); lowpass and
// highpass take Q in dB (20·log10 of our Q).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, exportMix, setControl } from './lib/browser.mjs';
import { encodeWav, decodeWav, amplitudeAt, dB } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

const FREQS = [50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150, 5000, 8000, 12500, 16000];
const AMP = 0.02;
const Q_BW2 = Math.SQRT1_2;
const Q_BW4 = [0.541196100146197, 1.3065629648763766];

/** Our settings (param key → value) and the Chromium biquads that should match them. */
const CASES = [
  { name: 'bell +9 dB at 1 kHz, Q 2', set: { 'eq-on': 1, 'eq2-freq': 1000, 'eq2-gain': 9, 'eq2-q': 2 },
    nodes: [{ type: 'peaking', frequency: 1000, Q: 2, gain: 9 }] },
  { name: 'bell −12 dB at 3.15 kHz, Q 4', set: { 'eq-on': 1, 'eq3-freq': 3150, 'eq3-gain': -12, 'eq3-q': 4 },
    nodes: [{ type: 'peaking', frequency: 3150, Q: 4, gain: -12 }] },
  { name: 'low shelf −6 dB at 200 Hz', set: { 'eq-on': 1, 'eq1-freq': 200, 'eq1-gain': -6, 'eq1-q': Q_BW2 },
    nodes: [{ type: 'lowshelf', frequency: 200, gain: -6 }] },
  { name: 'high shelf +6 dB at 4 kHz', set: { 'eq-on': 1, 'eq4-freq': 4000, 'eq4-gain': 6, 'eq4-q': Q_BW2 },
    nodes: [{ type: 'highshelf', frequency: 4000, gain: 6 }] },
  { name: 'high-pass 150 Hz, 12 dB/oct', set: { 'hp-on': 1, 'hp-freq': 150, 'hp-slope': 12 },
    nodes: [{ type: 'highpass', frequency: 150, Q: 20 * Math.log10(Q_BW2) }] },
  { name: 'low-pass 6 kHz, 24 dB/oct', set: { 'lp-on': 1, 'lp-freq': 6000, 'lp-slope': 24 },
    nodes: Q_BW4.map((q) => ({ type: 'lowpass', frequency: 6000, Q: 20 * Math.log10(q) })) },
];

const setParam = (page, key, value) => setControl(page, `track-${key}`, value);

test('filters and EQ bands match Chromium\'s BiquadFilterNode within 0.1 dB, measured on the export', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const seconds = 3;
  const n = seconds * rate;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (const f of FREQS) x[i] += AMP * Math.sin((2 * Math.PI * f * i) / rate);
  }
  await dropFiles(page, [{ name: 'Tones.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('track-edit').click();
  await page.getByTestId('editor').waitFor();

  for (const c of CASES) {
    for (const [k, v] of Object.entries(c.set)) await setParam(page, k, v);
    const chromium = await page.evaluate(({ nodes, freqs, rate }) => {
      const ctx = new OfflineAudioContext(1, 128, rate);
      const total = new Float64Array(freqs.length);
      for (const spec of nodes) {
        const b = new BiquadFilterNode(ctx, spec);
        const mag = new Float32Array(freqs.length);
        b.getFrequencyResponse(new Float32Array(freqs), mag, new Float32Array(freqs.length));
        mag.forEach((m, i) => { total[i] += 20 * Math.log10(m); });
      }
      return Array.from(total);
    }, { nodes: c.nodes, freqs: FREQS, rate });

    const wav = decodeWav((await exportMix(page, 'float32')).bytes);
    assert.equal(wav.frames, n);
    let compared = 0;
    FREQS.forEach((f, i) => {
      if (chromium[i] < -60) return;
      const got = dB(amplitudeAt(wav.channelData[0], f, rate, rate, n) / AMP);
      assert.ok(Math.abs(got - chromium[i]) < 0.1, `${c.name} at ${f} Hz: engine ${got.toFixed(3)} dB, Chromium ${chromium[i].toFixed(3)} dB`);
      compared += 1;
    });
    assert.ok(compared >= 8, `${c.name}: compared ${compared} frequencies`);

    // Back to flat for the next case: double-click resets each control to its default.
    for (const k of Object.keys(c.set)) {
      const el = page.getByTestId(`track-${k}`);
      if ((await el.getAttribute('type')) === 'checkbox') await el.uncheck(); else await el.dblclick();
    }
  }
  assert.deepEqual(app.pageErrors, []);
});

test('the compressor shows gain reduction while a loud track plays', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const n = 4 * rate;
  const x = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate));
  await dropFiles(page, [{ name: 'Loud.wav', bytes: encodeWav({ rate, channels: [x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('track-edit').click();
  await setParam(page, 'comp-on', 1);
  await setParam(page, 'comp-threshold', -30);
  await setParam(page, 'comp-ratio', 4);
  await setParam(page, 'comp-knee', 0);
  // Fast attack, slow release: the detector sits on the peaks, so the meter reads the static curve.
  await setParam(page, 'comp-attack', 0.1);
  await setParam(page, 'comp-release', 1000);
  await page.getByTestId('transport-play').click();
  // −6 dBFS peak against −30 dB threshold at 4:1: 18 dB of reduction at the peaks.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=track-comp-gr]').dataset.grDb) > 15, null, { timeout: 5000 });
  const gr = Number(await page.getByTestId('track-comp-gr').getAttribute('data-gr-db'));
  assert.ok(Math.abs(gr - 18) < 0.5, `compressor gain reduction ${gr} dB, want 18 ± 0.5`);
  await page.getByTestId('transport-stop').click();
});

test('dragging an EQ handle sets its band (and turns the EQ on); Shift drags ten times finer', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const x = new Float32Array(rate).map((_, i) => 0.1 * Math.sin((2 * Math.PI * 440 * i) / rate));
  await dropFiles(page, [{ name: 'Guitar.wav', bytes: encodeWav({ rate, channels: [x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('track-edit').click();
  const handle = page.locator('[data-testid=eq-handle][data-band="1"] circle');
  const gain = page.getByTestId('track-eq2-gain');

  async function drag(dy, shift) {
    await handle.scrollIntoViewIfNeeded();
    const b = await handle.boundingBox();
    const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2];
    if (shift) await page.keyboard.down('Shift');
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx, cy + dy, { steps: 6 });
    await page.mouse.up();
    if (shift) await page.keyboard.up('Shift');
    return Number(await gain.inputValue());
  }

  assert.equal(await page.getByTestId('track-eq-on').isChecked(), false);
  const coarse = await drag(-30, false);
  assert.ok(coarse > 2, `dragging up 30 px boosts band 2: ${coarse} dB`);
  assert.equal(await page.getByTestId('track-eq-on').isChecked(), true, 'touching a band turns the EQ on');
  await gain.dblclick();
  assert.equal(Number(await gain.inputValue()), 0);
  const fine = await drag(-30, true);
  assert.ok(Math.abs(fine / coarse - 0.1) < 0.03, `Shift-drag moved ${fine} dB vs ${coarse} dB`);
});

/** The lag of a sine of `f0` Hz behind itself at each upward zero crossing of `y` (seconds,
 * unwrapped): [time, lag] pairs. */
function lags(y, f0, rate) {
  const period = 1 / f0;
  const out = [];
  for (let i = 1; i < y.length; i++) {
    const [a, b] = [y[i - 1], y[i]];
    if (a < 0 && b >= 0) {
      const t = (i - 1 + a / (a - b)) / rate;
      let lag = t - Math.floor(t * f0) * period;
      if (out.length) lag += Math.round((out[out.length - 1][1] - lag) / period) * period;
      out.push([t, lag]);
    }
  }
  return out;
}

/** The period of a slowly varying [time, value] sequence: the mean spacing of its upward
 * crossings of its own mean. */
function periodOf(seq) {
  const mean = seq.reduce((s, p) => s + p[1], 0) / seq.length;
  const ups = [];
  for (let i = 1; i < seq.length; i++) {
    const [a, b] = [seq[i - 1][1] - mean, seq[i][1] - mean];
    if (a < 0 && b >= 0) ups.push(seq[i - 1][0] + (seq[i][0] - seq[i - 1][0]) * (-a / (b - a)));
  }
  assert.ok(ups.length >= 3, `${ups.length} cycles`);
  return (ups[ups.length - 1] - ups[0]) / (ups.length - 1);
}

test('chorus, phaser and flanger: the LFO period measured on the export is the rate within 1 %, and mix 0 exports the same bits as the module off', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const n = 6 * rate;
  const x = new Float32Array(n).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  await dropFiles(page, [{ name: 'Tone.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('track-edit').click();
  await page.getByTestId('editor').waitFor();
  const dry = decodeWav((await exportMix(page, 'float32')).bytes);

  const MODULES = [
    { name: 'chorus', rate: 2.5, set: { 'chorus-voices': 1, 'chorus-depth': 60 } },
    { name: 'phaser', rate: 1.5, set: { 'phaser-stages': 6, 'phaser-feedback': 0 } },
    { name: 'flanger', rate: 0.8, set: { 'flanger-feedback': 0 } },
  ];
  for (const m of MODULES) {
    await setParam(page, `${m.name}-on`, 1);
    await setParam(page, `${m.name}-rate`, m.rate);
    for (const [k, v] of Object.entries(m.set)) await setParam(page, k, v);
    await setParam(page, `${m.name}-mix`, 100);
    const wet = decodeWav((await exportMix(page, 'float32')).bytes);
    const seq = lags(wet.channelData[0].subarray(rate / 10), 1000, rate);
    const period = periodOf(seq);
    const err = Math.abs(period * m.rate - 1);
    assert.ok(err < 0.01, `${m.name} at ${m.rate} Hz: LFO period ${period.toFixed(4)} s (${(err * 100).toFixed(2)} % off)`);
    const swing = Math.max(...seq.map((p) => p[1])) - Math.min(...seq.map((p) => p[1]));
    assert.ok(swing > 20e-6, `${m.name}: the delay swings ${(swing * 1e6).toFixed(1)} µs`);

    await setParam(page, `${m.name}-mix`, 0);
    const still = decodeWav((await exportMix(page, 'float32')).bytes);
    for (const ch of [0, 1]) {
      const a = still.channelData[ch];
      const b = dry.channelData[ch];
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
      assert.equal(diff, 0, `${m.name} at mix 0, channel ${ch}: differs from the module off by ${diff}`);
    }
    await setParam(page, `${m.name}-on`, 0);
  }
  assert.deepEqual(app.pageErrors, []);
});

// A stem's region edited on its waveform with the mouse, as a musician does: the trim, fade and
// clip-gain handles are dragged, and the exported file's gain is checked against the fade
// formulas at ten points (within 0.1 dB); what lies outside the region is exactly silent; a drag
// is one undo step.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, exportMix, setControl } from './lib/browser.mjs';
import { encodeWav, decodeWav, dB } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

/** Drags the handle `testid` by `dx`, `dy` pixels with the mouse. */
async function drag(page, testid, dx, dy = 0) {
  const h = page.getByTestId(testid);
  const b = await h.boundingBox();
  const [x, y] = [b.x + b.width / 2, b.y + b.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 8 });
  await page.mouse.up();
  return Number(await h.getAttribute('data-value'));
}

test('fades, trim and clip gain dragged on the waveform: the export follows them within 0.1 dB, outside is silent, a drag undoes in one step', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const seconds = 4;
  const n = seconds * rate;
  const x = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  await dropFiles(page, [{ name: 'Vocal.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  const wave = await page.getByTestId('track-waveform').boundingBox();
  const pxPerSecond = wave.width / seconds;

  // The fade-out handle sits at the stem's end: drag it 1.5 s to the left.
  const fadeOut = await drag(page, 'fade-out', -1.5 * pxPerSecond);
  assert.ok(Math.abs(fadeOut - 1.5) < 0.05, `fade out ${fadeOut} s`);
  // Trim the start by half a second, then a 0.4 s fade in from there.
  const start = await drag(page, 'region-start', 0.5 * pxPerSecond);
  assert.ok(Math.abs(start - 0.5) < 0.05, `region start ${start} s`);
  const fadeIn = await drag(page, 'fade-in', 0.4 * pxPerSecond);
  assert.ok(Math.abs(fadeIn - 0.4) < 0.05, `fade in ${fadeIn} s`);
  // Clip gain down: drag the bar 8 px down (the bar spans ±24 dB over the waveform's height).
  const clip = await drag(page, 'clip-gain', 0, 8);
  assert.ok(clip < -2 && clip > -12, `clip gain ${clip} dB`);
  // The editor shows the same region, and the fade-out's shape is chosen there.
  await page.getByTestId('track-edit').click();
  assert.equal(await page.getByTestId('track-region-start').inputValue(), String(Number(start.toFixed(4))));
  await setControl(page, 'track-fade-out-shape', 1); // equal power

  const y = decodeWav((await exportMix(page, 'float32')).bytes).channelData[0];
  assert.equal(y.length, n);
  const end = seconds;
  const shapeIn = (t) => t; // linear
  const shapeOut = (t) => Math.sin((Math.PI / 2) * t);
  const want = (t) => {
    if (t < start || t >= end) return 0;
    let g = 10 ** (clip / 20);
    if (t - start < fadeIn) g *= shapeIn((t - start) / fadeIn);
    if (end - t <= fadeOut) g *= shapeOut((end - t) / fadeOut);
    return g;
  };
  // Ten points through the fade in, the body and the fade out, each measured at the nearest
  // sample where the tone is near its peak (the export is the stem times the gain).
  const points = [0.55, 0.65, 0.8, 1.2, 2.0, 2.6, 3.0, 3.4, 3.8, 3.95];
  for (const t of points) {
    let i = Math.round(t * rate);
    while (Math.abs(x[i]) < 0.45) i++;
    const g = want(i / rate);
    const got = dB(Math.abs(y[i] / x[i]));
    assert.ok(Math.abs(got - dB(g)) < 0.1, `at ${(i / rate).toFixed(3)} s: ${got.toFixed(3)} dB, want ${dB(g).toFixed(3)} dB`);
  }
  // Before the region: nothing at all.
  const before = y.subarray(0, Math.floor(start * rate) - 1);
  assert.ok(before.every((v) => v === 0), 'the trimmed start is silent');

  // One undo takes back the fade-out shape, the next the whole clip-gain drag.
  await page.getByTestId('undo').click();
  await page.getByTestId('undo').click();
  assert.equal(Number(await page.getByTestId('clip-gain').getAttribute('data-value')), 0);
  assert.ok(Math.abs(Number(await page.getByTestId('fade-in').getAttribute('data-value')) - fadeIn) < 1e-6);
  assert.deepEqual(app.pageErrors, []);
});

// Live EBU R128 meters through the realtime worklet: a stereo 1 kHz sine at X dBFS peak reads
// X LUFS (BS.1770), its true and sample peak read X dB, and Reset clears integrated and peaks.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles } from './lib/browser.mjs';
import { encodeWav, sine } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

const value = async (page, id) => {
  const v = await page.getByTestId(id).getAttribute('data-value');
  return v === '' ? null : Number(v);
};

test('a −20 dBFS stereo 1 kHz sine reads −20 LUFS and −20 dBTP on the live meters', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const x = sine({ freq: 1000, peakDb: -20, rate, seconds: 8 });
  await dropFiles(page, [{ name: 'Tone.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:01.500', null, { timeout: 10_000 });
  const m = await value(page, 'lufs-momentary');
  const i = await value(page, 'lufs-integrated');
  const tp = await value(page, 'true-peak');
  const sp = await value(page, 'sample-peak');
  assert.ok(Math.abs(m - -20) <= 0.1, `momentary ${m} LUFS`);
  assert.ok(Math.abs(i - -20) <= 0.1, `integrated ${i} LUFS`);
  assert.ok(tp <= -20 + 0.2 && tp >= -20 - 0.4, `true peak ${tp} dBTP`);
  assert.ok(Math.abs(sp - -20) <= 0.05, `sample peak ${sp} dBFS`);
  assert.ok(Math.abs(await value(page, 'plr')) <= 0.4, 'PLR of a sine is about 0 LU');

  // Paused, a reset clears integrated loudness and peaks (silence has no loudness).
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => /Play/.test(document.querySelector('[data-testid=transport-play]').textContent));
  await page.getByTestId('meter-reset').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=lufs-integrated]').dataset.value === ''
    && document.querySelector('[data-testid=true-peak]').dataset.value === '');
  assert.match(await page.getByTestId('lufs-integrated').textContent(), /–/);
});

// Listening tools in Chromium: loudness-matched A/B says what it does and leaves the meters on
// the master; "listen as Spotify" says how Spotify would play the master; correlation reads.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, setRange, afterSnapshots } from './lib/browser.mjs';
import { encodeWav, sine } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

const value = async (page, id) => Number(await page.getByTestId(id).getAttribute('data-value'));

test('A/B is loudness-matched, the platform preview says what Spotify does, correlation reads', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const x = sine({ freq: 1000, peakDb: -20, rate, seconds: 20 });
  await dropFiles(page, [{ name: 'Tone.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await setRange(page.getByTestId('out-gain'), 6); // the master: −14 LUFS, the mix: −20
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:01.200', null, { timeout: 10_000 });

  await page.getByTestId('ab-toggle').selectOption('2');
  await page.getByTestId('ab-offset').filter({ hasText: /Hearing B, the master, turned down 6\.0 dB/ }).waitFor();
  const m = await value(page, 'lufs-momentary');
  assert.ok(Math.abs(m - -14) <= 0.1, `the meters still read the master: ${m} LUFS`);
  await page.getByTestId('ab-toggle').selectOption('1');
  await page.getByTestId('ab-offset').filter({ hasText: /Hearing A, the unmastered mix, at its own level/ }).waitFor();
  await page.getByTestId('ab-toggle').selectOption('0');

  await setRange(page.getByTestId('out-gain'), 12); // master now −8 LUFS
  await page.getByTestId('meter-reset').click();
  await page.getByTestId('platform-preview').selectOption('1');
  // About 1.2 s of audio through the reset meters (the engine's snapshots count it).
  await afterSnapshots(page, 36);
  await page.getByTestId('platform-text').filter({ hasText: /Spotify will play this (5\.9|6\.0|6\.1) dB quieter/ }).waitFor({ timeout: 5000 });
  const corr = await value(page, 'correlation');
  assert.ok(Math.abs(corr - 1) < 1e-3, `identical channels correlate: ${corr}`);
  await page.getByTestId('mono').check();
  await page.getByTestId('transport-stop').click();
});

test('the analysis panel shows the spectrum peak at a sine\'s frequency and draws loudness history', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const x = sine({ freq: 1000, peakDb: -12, rate, seconds: 10 });
  await dropFiles(page, [{ name: 'Tone.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.locator('[data-testid=analysis] > summary').click();
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:01.500', null, { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=spectrum]').dataset.peakHz !== '');
  const peak = Number(await page.getByTestId('spectrum').getAttribute('data-peak-hz'));
  assert.ok(Math.abs(Math.log2(peak / 1000)) <= 1 / 12, `spectrum peak at ${peak} Hz`);
  const points = await page.locator('[data-testid=loudness-history] path').evaluate((p) => (p.getAttribute('d').match(/[ML]/g) || []).length);
  assert.ok(points >= 5, `loudness history has ${points} points`);
  // Spotify's −14 LUFS target on a −40…0 LUFS axis 160 high: y = 14/40·160 = 56.
  assert.equal(await page.getByTestId('history-target').getAttribute('y1'), '56.0');
  await page.getByTestId('transport-stop').click();
});

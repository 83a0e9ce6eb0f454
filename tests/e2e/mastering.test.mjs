// The mastering chain through the UI: the true-peak limiter holds its ceiling on a hot mix (live
// BS.1770 meter and the exported file), shows its gain reduction, and the chain bypass gives the
// dry mix back exactly.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, exportMix, setControl as set } from './lib/browser.mjs';
import { encodeWav, decodeWav, noise } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });


test('the limiter holds −1 dBTP on a hot mix; bypass returns the dry mix', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const frames = 4 * rate;
  const a = noise({ amp: 0.6, frames, seed: 31 });
  const b = noise({ amp: 0.6, frames, seed: 32 });
  await dropFiles(page, [{ name: 'Mix.wav', bytes: encodeWav({ rate, channels: [a, b], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await set(page, 'lim-on', 1);
  await set(page, 'lim-input', 12);
  await set(page, 'lim-ceiling', -1);

  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:01.500', null, { timeout: 10_000 });
  const tp = Number(await page.getByTestId('true-peak').getAttribute('data-value'));
  const gr = Number(await page.getByTestId('limiter-gr').getAttribute('data-gr-db'));
  assert.ok(tp <= -0.9, `live true peak ${tp} dBTP under a −1 dBTP ceiling (+0.1)`);
  assert.ok(gr > 3, `the limiter is working: ${gr} dB of gain reduction`);
  await page.getByTestId('transport-stop').click();

  const limited = decodeWav((await exportMix(page, 'float32')).bytes);
  assert.equal(limited.frames, frames);
  let peak = 0;
  for (const ch of limited.channelData) for (const v of ch) peak = Math.max(peak, Math.abs(v));
  assert.ok(20 * Math.log10(peak) <= -1.0 + 0.05, `exported sample peak ${(20 * Math.log10(peak)).toFixed(3)} dBFS`);

  await set(page, 'master-bypass', 1);
  const dry = decodeWav((await exportMix(page, 'float32')).bytes);
  let worst = 0;
  for (let i = 0; i < frames; i++) {
    worst = Math.max(worst, Math.abs(dry.channelData[0][i] - a[i]), Math.abs(dry.channelData[1][i] - b[i]));
  }
  assert.ok(worst <= 1e-6, `bypassed chain differs from the dry mix by ${worst}`);
});

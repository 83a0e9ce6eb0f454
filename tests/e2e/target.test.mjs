// "Match target" in Chromium: the master lands on the preset's integrated loudness, refereed by
// an independent BS.1770 implementation on the exported file, and stays under the ceiling.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, exportMix } from './lib/browser.mjs';
import { encodeWav, decodeWav, noise, sine } from './lib/wav.mjs';
import { integratedLoudness } from './lib/bs1770.mjs';

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

test('the BS.1770 referee reads a stereo 1 kHz sine at X dBFS as X LUFS', () => {
  for (const fs of [44100, 48000]) {
    const x = sine({ freq: 1000, peakDb: -20, rate: fs, seconds: 5 });
    const l = integratedLoudness([x, x], fs);
    assert.ok(Math.abs(l - -20) < 0.05, `${fs} Hz: ${l}`);
  }
});

test('Match target lands a quiet mix on −14 LUFS under −1 dBTP (Spotify preset)', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const frames = 8 * rate;
  // A quiet "mix": a bass line, a pad of noise, a click track.
  const bass = sine({ freq: 82.4, peakDb: -24, rate, seconds: 8 });
  const pad = noise({ amp: 0.05, frames, seed: 77 });
  const l = new Float32Array(frames), r = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const click = i % Math.round(rate / 2) < 40 ? 0.3 * Math.sin(i * 0.7) : 0;
    l[i] = bass[i] + pad[i] + click;
    r[i] = bass[i] - 0.5 * pad[i] + click;
  }
  await dropFiles(page, [{ name: 'Quiet Mix.wav', bytes: encodeWav({ rate, channels: [l, r], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('target-preset').selectOption('Spotify');
  await page.getByTestId('match-target').click();
  await page.getByTestId('match-status').filter({ hasText: /Matched|Closest/ }).waitFor({ timeout: 60_000 });
  const status = await page.getByTestId('match-status').textContent();
  assert.match(status, /^Matched/, status);
  const reported = Number(/(-?\d+\.\d) LUFS integrated/.exec(status)[1]);

  const wav = decodeWav((await exportMix(page, 'float32')).bytes);
  const referee = integratedLoudness(wav.channelData, rate);
  assert.ok(Math.abs(referee - -14) <= 0.2, `exported master at ${referee.toFixed(2)} LUFS (referee)`);
  assert.ok(Math.abs(referee - reported) <= 0.15, `app reported ${reported}, referee ${referee.toFixed(2)}`);
  let peak = 0;
  for (const ch of wav.channelData) for (const v of ch) peak = Math.max(peak, Math.abs(v));
  assert.ok(20 * Math.log10(peak) <= -1 + 0.05, `sample peak ${(20 * Math.log10(peak)).toFixed(2)} dBFS`);
});

// FX buses through the UI, measured on the export: a reverb tail outlives the dry song (and the
// export keeps it until it falls below −90 dBFS), and a tempo-synced delay repeats on the beat.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, exportMix, setControl as set } from './lib/browser.mjs';
import { encodeWav, decodeWav, noise } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });


const peakDb = (chs, from, to) => {
  let p = 0;
  for (const ch of chs) for (let i = from; i < to; i++) p = Math.max(p, Math.abs(ch[i]));
  return 20 * Math.log10(p || 1e-30);
};

test('a reverb send leaves a tail after the song that the export keeps until −90 dBFS', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const frames = Math.round(0.3 * rate);
  const x = noise({ amp: 0.5, frames, seed: 9 });
  await dropFiles(page, [{ name: 'Snare.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('track-edit').click();
  await set(page, 'track-send1-level', 0);
  await set(page, 'reverb-size', 85);
  const wav = decodeWav((await exportMix(page, 'float32')).bytes);
  assert.ok(wav.frames > frames + rate / 2, `export runs past the song: ${wav.frames} frames vs ${frames}`);
  assert.ok(wav.frames <= frames + 10 * rate, 'at most 10 s of tail');
  const justAfter = peakDb(wav.channelData, frames, frames + rate / 10);
  assert.ok(justAfter > -40, `the tail rings right after the dry song: ${justAfter.toFixed(1)} dBFS`);
  const end = peakDb(wav.channelData, wav.frames - rate / 100, wav.frames);
  assert.ok(end < -80, `and has decayed at the end of the file: ${end.toFixed(1)} dBFS`);
});

test('a delay synced to 1/8 at 120 BPM repeats 250 ms after the dry click', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const frames = rate; // 1 s
  const click = new Float32Array(frames);
  click[1000] = 0.8;
  await dropFiles(page, [{ name: 'Click.wav', bytes: encodeWav({ rate, channels: [click], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await page.getByTestId('track-edit').click();
  await set(page, 'track-send2-level', 0);
  await set(page, 'delay-sync', 1);
  await set(page, 'delay-note', 0.5);
  await set(page, 'delay-bpm', 120);
  await set(page, 'delay-feedback', 0);
  await set(page, 'delay-pingpong', 0);
  assert.match(await page.getByTestId('delay-effective-ms').textContent(), /250\.0 ms/);
  const wav = decodeWav((await exportMix(page, 'float32')).bytes);
  const l = wav.channelData[0];
  const argmax = (from, to) => { let k = from; for (let i = from; i < to; i++) if (Math.abs(l[i]) > Math.abs(l[k])) k = i; return k; };
  const dry = argmax(900, 1100);
  assert.equal(dry, 1000, 'the dry click is where the stem has it (latency compensated)');
  const echo = argmax(1100, frames);
  const delayMs = ((echo - dry) / rate) * 1000;
  assert.ok(Math.abs(delayMs - 250) < 0.1, `echo ${delayMs.toFixed(3)} ms after the click`);
});

// A browser that gives the page no private file storage (OPFS), as some private windows do:
// `navigator.storage.getDirectory()` rejects there, in the page and in every Worker. Stems are
// then kept in memory, up to a limit the app states once; a dropped stem decodes, plays and
// exports at its level; a stem beyond the limit is refused by name and the other stays; after a
// reload the stem is decoded again from the saved original.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, exportMix, waitReady } from './lib/browser.mjs';
import { encodeWav, decodeWav, sine, amplitudeAt, dB } from './lib/wav.mjs';

/** What a browser without OPFS does (one line: it goes before every Worker's script too). */
const NO_OPFS = "StorageManager.prototype.getDirectory = function () { return Promise.reject(new DOMException('The operation is insecure.', 'SecurityError')); };";

let app;
before(async () => { app = await startApp({ workerPrelude: NO_OPFS }); });
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

test('without private file storage, stems are kept in memory up to a stated limit: one decodes, plays and exports at its level, one over the limit is refused by name', async () => {
  // 2000 KiB: room for one 3 s stereo stem at 48 kHz (1.15 MB), not for two.
  const page = await app.openPage({ init: NO_OPFS, hash: '?memory-store-limit-kib=2000' });
  assert.equal(await page.evaluate(() => navigator.storage.getDirectory().then(() => 'there', (e) => e.name)), 'SecurityError');
  const rate = await sessionRate(page);
  const x = sine({ freq: 440, peakDb: -6, rate, seconds: 3 });
  await dropFiles(page, [{ name: 'Lead.wav', bytes: encodeWav({ rate, channels: [x, x], format: 's24' }) }]);
  await page.waitForFunction(() => document.querySelector('[data-testid=track][data-status=loaded]'));
  const notice = await page.getByTestId('error').allTextContents();
  assert.equal(notice.length, 1, `one notice: ${JSON.stringify(notice)}`);
  assert.match(notice[0], /no private file storage.*kept in memory: up to 2 MB of decoded audio/, 'the limit is stated');

  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:00.400');
  const peak = Number(await page.getByTestId('master-meter').first().getAttribute('data-peak-db'));
  assert.ok(peak > -7 && peak < -5, `master peak while playing from memory: ${peak} dBFS`);
  await page.getByTestId('transport-stop').click();
  assert.equal(await page.getByTestId('underruns').getAttribute('data-value'), '0', 'no dropouts');

  // A second stem of the same size no longer fits: refused, named, the first untouched.
  const y = sine({ freq: 220, peakDb: -6, rate, seconds: 3 });
  await dropFiles(page, [{ name: 'Bass.wav', bytes: encodeWav({ rate, channels: [y, y], format: 's24' }) }]);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=error]')].some((e) => e.textContent.includes('Bass.wav')));
  const refusal = (await page.getByTestId('error').allTextContents()).find((t) => t.includes('Bass.wav'));
  assert.match(refusal, /Bass\.wav: does not fit in memory: .*no private file storage.*MB of that room are left/);
  assert.equal(await page.getByTestId('track').count(), 1, 'only the stem that fits is in the session');

  const { bytes } = await exportMix(page, 'pcm24');
  const wav = decodeWav(bytes);
  assert.equal(wav.frames, 3 * rate);
  const level = dB(amplitudeAt(wav.channelData[0], 440, rate, 0, 3 * rate));
  assert.ok(Math.abs(level - -6) < 0.05, `exported 440 Hz at ${level.toFixed(3)} dB`);

  // The session and the original file are saved (IndexedDB works here): after a reload the stem
  // is decoded again into memory and plays, with the notice again and nothing else.
  await page.waitForFunction(() => {
    const m = document.querySelector('main.studio');
    return m && Number(m.dataset.autosaveWanted) > 0 && m.dataset.autosaveWanted === m.dataset.autosaved;
  });
  await page.reload();
  await waitReady(page);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track][data-status=loaded]').length === 1);
  const after = await page.getByTestId('error').allTextContents();
  assert.equal(after.length, 1, `only the notice: ${JSON.stringify(after)}`);
  assert.match(after[0], /kept in memory/);
  assert.deepEqual(app.pageErrors, []);
  await page.context().close();
});

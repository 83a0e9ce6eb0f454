// dist/ served from a sub-path, as a site hosting the app beside others would: every URL the
// page, its worklet and its Workers ask for is relative (Trunk's `public_url = "./"`, the app's
// own file names), so a dropped stem decodes in a Worker, plays through the worklet and exports
// through the export Worker from there — under the page's policy, with nothing asked of the
// site's root.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, exportMix } from './lib/browser.mjs';
import { encodeWav, decodeWav, sine, amplitudeAt, dB } from './lib/wav.mjs';

const PREFIX = '/some/sub/path/';

let app;
before(async () => { app = await startApp({ prefix: PREFIX }); });
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

test('from a sub-path, a dropped WAV decodes, plays, meters and exports, asking nothing of the root', async () => {
  const page = await app.openPage();
  assert.equal(new URL(page.url()).pathname, PREFIX);
  const rate = await sessionRate(page);
  const x = sine({ freq: 440, peakDb: -6, rate, seconds: 2 });
  await dropFiles(page, [{ name: 'Lead.wav', bytes: encodeWav({ rate, channels: [x, x], format: 's24' }) }]);
  await page.waitForFunction(() => document.querySelector('[data-testid=track][data-status=loaded]'));

  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:00.400');
  const peak = Number(await page.getByTestId('master-meter').first().getAttribute('data-peak-db'));
  assert.ok(peak > -7 && peak < -5, `master peak while playing: ${peak} dBFS`);
  await page.getByTestId('transport-stop').click();

  const { bytes } = await exportMix(page, 'pcm24');
  const wav = decodeWav(bytes);
  assert.equal(wav.frames, 2 * rate);
  const level = dB(amplitudeAt(wav.channelData[0], 440, rate, 0, 2 * rate));
  assert.ok(Math.abs(level - -6) < 0.05, `exported 440 Hz at ${level.toFixed(3)} dB`);

  // Everything came from under the sub-path — the loader, the app's module and wasm, the
  // stylesheet and icon, the decode Worker (not the browser's decoder), the worklet, the engine,
  // the stream feeder and the export Worker — and nothing was asked for anywhere else.
  assert.deepEqual(app.server.missing, [], 'no request outside the sub-path or for a missing file');
  const asked = new Set(app.server.requests);
  for (const file of ['', 'decode_worker_loader.js', 'decode_worker.js', 'decode_worker_bg.wasm', 'engine-processor.js',
    'engine-shell.js', 'dsp_worklet.wasm', 'stream-feeder.js', 'export-worker.js']) {
    assert.ok(asked.has(PREFIX + file), `${PREFIX}${file} was loaded`);
  }
  for (const re of [/^app-[0-9a-f]+\.js$/, /^app-[0-9a-f]+_bg\.wasm$/, /^style-[0-9a-f]+\.css$/]) {
    assert.ok([...asked].some((p) => p.startsWith(PREFIX) && re.test(p.slice(PREFIX.length))), `${re} was loaded from ${PREFIX}`);
  }
  assert.deepEqual(app.pageErrors, []);
  await page.context().close();
});

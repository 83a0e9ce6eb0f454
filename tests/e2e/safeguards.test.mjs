// What keeps a musician's work safe when the machine is short of something: an audio engine
// with no memory left for a stem says so by name and the export refuses rather than leave that
// stem out; a decode Worker that dies fails only its own file; the storage used and free is
// shown; a dropped file is stored before the session record that names it (crash consistency).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles } from './lib/browser.mjs';
import { encodeWav, sine } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });
afterEach(() => app?.assertNoCspViolations());

async function waitTracks(page, n, status = 'loaded') {
  await page.waitForFunction(([n, status]) => {
    const t = [...document.querySelectorAll('[data-testid=track]')];
    return t.length === n && t.every((x) => x.dataset.status === status);
  }, [n, status], { timeout: 30_000 });
}

const waitNotice = (page, text) => page.waitForFunction((t) => [...document.querySelectorAll('[data-testid=error] > span')]
  .some((e) => e.textContent.includes(t)), text, { timeout: 30_000 });

const notices = (page) => page.locator('[data-testid=error] > span').allTextContents();

const autosaved = (page) => page.waitForFunction(() => {
  const m = document.querySelector('main.studio');
  return m && Number(m.dataset.autosaveWanted) > 0 && m.dataset.autosaveWanted === m.dataset.autosaved;
}, null, { timeout: 30_000 });

function wav(name, rate, channels, seconds, freq) {
  const x = sine({ freq, peakDb: -6, rate, seconds });
  return { name, bytes: encodeWav({ rate, channels: Array(channels).fill(x), format: 'f32' }) };
}

test('a stem the engine has no memory for is named in a message, the other stem plays, and the export refuses naming it', async () => {
  // 512 KiB more than the engine holds at start: a mono stem's 2-second ring (about 380 KB)
  // fits; a stereo stem's (about 770 KB) does not.
  const page = await app.openPage({ hash: '?engine-memory-headroom-kib=512' });
  const rate = await sessionRate(page);
  await dropFiles(page, [wav('Mono.wav', rate, 1, 4, 440)]);
  await waitTracks(page, 1);
  await dropFiles(page, [wav('Wide.wav', rate, 2, 4, 660)]);
  await waitNotice(page, 'Wide.wav: the audio engine refused it: the audio engine ran out of memory');
  // Its strip says it is not playing; the other strip is loaded.
  await page.waitForFunction(() => {
    const status = (name) => document.querySelector(`[data-testid=track][data-track-name="${name}"]`)?.dataset.status;
    return status('Wide') === 'refused' && status('Mono') === 'loaded';
  }, null, { timeout: 30_000 });
  assert.match(
    await page.locator('[data-testid=track][data-track-name="Wide"] [data-testid=track-refused]').textContent(),
    /Not playing: the audio engine had no memory left for this stem/,
  );
  const said = await notices(page);
  assert.ok(!said.some((t) => t.includes('Mono.wav')), 'the mono stem was taken');
  assert.equal(said.length, 1, `the refusal is said once: ${JSON.stringify(said)}`);

  // The stem that fits plays at its level (−6 dBFS sine, centre pan: about −9 dB per side).
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => {
    const m = document.querySelector('[data-testid=track][data-track-name="Mono"] [data-testid=track-meter]');
    return m && Number(m.dataset.peakDb) > -12;
  }, null, { timeout: 30_000 });
  await page.getByTestId('transport-stop').click();
  assert.equal((await notices(page)).length, 1, 'playing says nothing more about the refused stem');

  // The export refuses with the stem's name, and no file arrives.
  let downloaded = false;
  page.on('download', () => { downloaded = true; });
  if (!(await page.getByTestId('export-start').isVisible().catch(() => false))) await page.getByTestId('export-open').click();
  await page.getByTestId('export-format').selectOption('float32');
  await page.getByTestId('export-start').click();
  await waitNotice(page, 'Not exported: “Wide.wav” is not playing in the audio engine, because the engine refused it');
  assert.equal(downloaded, false, 'no file without the stem');
  assert.deepEqual(app.pageErrors, []);
  await page.context().close();
});

test('a decode Worker that dies (out of memory) fails its file by name; the other file loads, and the next one decodes in a fresh Worker', async () => {
  // 6 MiB more than the decode Worker holds at start: a 1 s stem decodes in about 3 MiB; a 30 s
  // stereo float WAV (11.5 MB) needs an 8 MiB read buffer, so the allocation fails and the Worker
  // dies, as it would on a device out of memory.
  const page = await app.openPage({ hash: '?decoder-memory-headroom-kib=6144' });
  const rate = await sessionRate(page);
  await dropFiles(page, [wav('Big.wav', rate, 2, 30, 440), wav('Small.wav', rate, 2, 1, 660)]);
  await waitNotice(page, 'Big.wav: the decoder crashed while reading this file (it ran out of memory');
  await waitTracks(page, 1);
  const names = () => page.locator('[data-testid=track]').evaluateAll((t) => t.map((x) => x.dataset.trackName));
  assert.deepEqual(await names(), ['Small']);
  assert.match((await notices(page)).join(' | '), /the other files and your session are not affected/);

  await dropFiles(page, [wav('Later.wav', rate, 1, 1, 880)]);
  await waitTracks(page, 2);
  assert.deepEqual(await names(), ['Small', 'Later']);
  assert.equal((await notices(page)).length, 1, 'nothing else went wrong');
  assert.deepEqual(app.pageErrors, []);
  await page.context().close();
});

test('the storage used and free is shown, and grows by the decoded stem', async () => {
  const page = await app.openPage();
  const bar = page.getByTestId('storage');
  await bar.waitFor();
  const read = async () => ({
    used: Number(await bar.getAttribute('data-used-bytes')),
    quota: Number(await bar.getAttribute('data-quota-bytes')),
    text: await bar.textContent(),
  });
  const before = await read();
  assert.ok(before.quota > 0, `a quota is shown: ${JSON.stringify(before)}`);
  assert.match(before.text, /^Storage: [\d.]+ (B|KB|MB|GB|TB) used · [\d.]+ (B|KB|MB|GB|TB) free/);
  const rate = await sessionRate(page);
  const seconds = 20;
  await dropFiles(page, [wav('Long.wav', rate, 2, seconds, 220)]);
  await waitTracks(page, 1);
  await autosaved(page);
  // The stem on disk: 2 channels of f32 at the session rate (plus the original file in
  // IndexedDB, about as much again).
  const pcm = seconds * rate * 2 * 4;
  await page.waitForFunction(([el, min]) => Number(el.dataset.usedBytes) >= min,
    [await bar.elementHandle(), before.used + 0.9 * pcm], { timeout: 30_000 });
  const after = await read();
  assert.ok(after.used - before.used < 4 * pcm, `grew by about the stem: ${after.used - before.used} for ${pcm}`);
  await page.context().close();
});

test('a dropped file is stored before the session record that names it: a slow originals store holds the autosave back', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  // The session record as stored (the empty session, saved once restoring is done). A read
  // that waits behind a session write already issued (browsers may queue it after the
  // originals' write) says so after 3 s instead of the bytes.
  const record = () => page.evaluate(() => new Promise((resolve, reject) => {
    setTimeout(() => resolve('queued behind a session write'), 3000);
    const open = indexedDB.open('second-ear');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction('session').objectStore('session').get('current');
      get.onsuccess = () => {
        db.close();
        const v = get.result;
        resolve(v === undefined ? null : Array.from(v).join(','));
      };
      get.onerror = () => reject(get.error);
    };
  }));
  await autosaved(page);
  const first = await record();
  assert.notEqual(first, null);
  // Keep a read-write transaction on the originals store busy (as a slow disk would), from
  // another page of the same origin: the app's write of the dropped file waits behind it.
  const hog = await page.context().newPage();
  await hog.goto(new URL('no-such-page', page.url()).href);
  await hog.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('second-ear');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const store = db.transaction('stems', 'readwrite').objectStore('stems');
      window.holding = true;
      const spin = () => { if (window.holding) store.count().onsuccess = spin; };
      spin();
      resolve();
    };
  }));
  let during;
  try {
    await dropFiles(page, [wav('Slow.wav', rate, 2, 3, 330)]);
    await waitTracks(page, 1);
    // Well past the autosave's 400 ms wait: the record must not name a file not stored yet.
    // About 1.5 s of audio time (the slow disk's duration), polled on a timer: the page is
    // not the front one for the compositor, so it paints no animation frames.
    const now = Number(await page.locator('main.studio').getAttribute('data-meter-snapshots'));
    await page.waitForFunction((t) => Number(document.querySelector('main.studio').dataset.meterSnapshots) >= t,
      now + 45, { polling: 50, timeout: 30_000 });
    during = await record();
  } finally {
    await hog.evaluate(() => { window.holding = false; });
    await hog.close();
  }
  assert.equal(during, first, 'no session record names the file before it is stored');
  await autosaved(page);
  assert.notEqual(await record(), first, 'then the session is saved');
  // A reload brings the session back with its stem.
  await page.reload();
  await waitTracks(page, 1);
  assert.deepEqual(app.pageErrors, []);
  await page.context().close();
});

// Second-ear review in Chromium: share links carry the whole mix (not the audio), a fresh
// browser that drops the same files exports the same bits, files are matched by hash then name,
// comments and a reviewer's changes come back as a diff, autosave survives a reload (and a second
// tab cannot overwrite it), undo/redo
// walk 20 edits exactly, session bundles round-trip, and bad links and bundles are refused
// without touching the session.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApp, sessionRate, dropFiles, setRange, setControl, exportMix, waitReady, downloadBytes, setLoopRegion } from './lib/browser.mjs';
import { encodeWav } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

/** Three 6 s stereo stems at `rate`: a kick pulse, a bass line, a chord pad. `detune` makes a
 * different file with the same musical role. */
function stems(rate, detune = 1) {
  const frames = 6 * rate;
  const kick = new Float32Array(frames), bass = new Float32Array(frames), pad = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const t = (i % Math.round(rate / 2)) / rate;
    kick[i] = 0.4 * Math.exp(-t * 25) * Math.sin(2 * Math.PI * 60 * t);
    bass[i] = 0.25 * Math.sin((2 * Math.PI * 55 * detune * i) / rate);
    pad[i] = 0.08 * (Math.sin((2 * Math.PI * 220 * i) / rate) + Math.sin((2 * Math.PI * 277.2 * i) / rate));
  }
  return [['Kick.wav', kick], ['Bass.wav', bass], ['Pad.wav', pad]].map(([name, x]) => ({
    name, bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }),
  }));
}

const strip = (page, name) => page.locator(`[data-testid=track][data-track-name="${name}"]`);

/** Waits for `n` strips, all with data-status `status`. */
async function waitTracks(page, n, status) {
  await page.waitForFunction(([n, status]) => {
    const t = [...document.querySelectorAll('[data-testid=track]')];
    return t.length === n && t.every((x) => x.dataset.status === status);
  }, [n, status], { timeout: 30_000 });
}

/** What the session looks like: strips with their controls, the master fader, comments. */
async function state(page) {
  return page.evaluate(() => ({
    tracks: [...document.querySelectorAll('[data-testid=track]')].map((t) => ({
      name: t.dataset.trackName,
      status: t.dataset.status,
      gain: t.querySelector('[data-testid=track-gain]').value,
      pan: t.querySelector('[data-testid=track-pan]').value,
      mute: t.querySelector('[data-testid=track-mute]').checked,
      solo: t.querySelector('[data-testid=track-solo]').checked,
    })),
    master: document.querySelector('[data-testid=master-gain]').value,
    comments: [...document.querySelectorAll('[data-testid=comment]')].map(
      (c) => `${Number(c.dataset.start).toFixed(3)} ${c.dataset.author}: ${c.querySelector('[data-testid=comment-body]').textContent}`),
  }));
}

async function shareUrl(page) {
  await page.getByTestId('share-open').click();
  const url = await page.getByTestId('share-url').inputValue();
  await page.getByTestId('share-close').click();
  return url;
}

const errors = (page) => page.locator('[data-testid=error] > span').allTextContents();

/** Seeks by clicking the timeline at `fraction` of the song. */
async function seekTo(page, fraction) {
  const bar = page.getByTestId('timeline');
  const box = await bar.boundingBox();
  await bar.click({ position: { x: box.width * fraction, y: box.height / 2 } });
}

async function comment(page, author, text) {
  await page.getByTestId('comment-author').fill(author);
  await page.getByTestId('comment-text').fill(text);
  await page.getByTestId('comment-add').click();
}

/** A session of the three stems with a few settings changed; returns [page, files]. */
async function authorSession() {
  const page = await app.openPage();
  const files = stems(await sessionRate(page));
  await dropFiles(page, files);
  await waitTracks(page, 3, 'loaded');
  await setRange(strip(page, 'Bass').getByTestId('track-gain'), -4.5);
  await setRange(strip(page, 'Pad').getByTestId('track-pan'), 35);
  await setControl(page, 'master-gain', -2);
  return [page, files];
}

test('a link opened in a fresh browser, with the same files dropped (one renamed), exports the same bits', async () => {
  const [sender, files] = await authorSession();
  const sent = await exportMix(sender, 'float32');
  const url = await shareUrl(sender);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#s=[A-Za-z0-9_-]+$/);
  // The copy button puts exactly that link on the clipboard.
  await sender.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await sender.getByTestId('share-open').click();
  await sender.getByTestId('share-copy').click();
  await sender.getByText('Copied ✓').waitFor();
  assert.equal(await sender.evaluate(() => navigator.clipboard.readText()), url);
  await sender.getByTestId('share-close').click();
  console.log(`share link for 3 tracks: ${url.length} characters`);

  const receiver = await app.openPage({ hash: new URL(url).hash });
  await waitTracks(receiver, 3, 'missing');
  assert.equal(await receiver.getByTestId('track-missing').count(), 3);
  // The link's settings are there before the audio.
  assert.equal(await strip(receiver, 'Bass').getByTestId('track-gain').inputValue(), '-4.5');
  // Kick arrives renamed: the hash finds its strip.
  await dropFiles(receiver, [{ ...files[0], name: 'kick (bounce 2).wav' }, files[1], files[2]]);
  await waitTracks(receiver, 3, 'loaded');
  assert.equal(await receiver.getByTestId('track-mismatch').count(), 0);
  assert.deepEqual(await state(receiver), await state(sender));
  const received = await exportMix(receiver, 'float32');
  assert.equal(received.bytes.length, sent.bytes.length);
  assert.ok(received.bytes.equals(sent.bytes), 'the receiver\'s export differs from the sender\'s');
  assert.deepEqual(await errors(receiver), []);
  await sender.context().close();
  await receiver.context().close();
});

test('a different file with the same name is flagged; the strip still takes it', async () => {
  const [sender, files] = await authorSession();
  const url = await shareUrl(sender);
  const receiver = await app.openPage({ hash: new URL(url).hash });
  await waitTracks(receiver, 3, 'missing');
  const other = stems(await sessionRate(receiver), 1.5)[1]; // another Bass.wav
  assert.notDeepEqual(other.bytes, files[1].bytes);
  await dropFiles(receiver, [other]);
  await receiver.waitForFunction(() => document.querySelector('[data-track-name=Bass]')?.dataset.status === 'different');
  assert.equal(await receiver.getByTestId('track-mismatch').count(), 1);
  assert.match((await errors(receiver)).join('\n'), /Bass\.wav: different file than the one in the link/);
  assert.equal(await strip(receiver, 'Kick').getAttribute('data-status'), 'missing');
  await sender.context().close();
  await receiver.context().close();
});

test('a reviewer\'s two comments and two changes come back as exactly that diff, with a loudness-matched A/B', async () => {
  const [author, files] = await authorSession();
  await comment(author, 'Alex', 'rough mix, ignore the vocal');
  const url = await shareUrl(author);
  // Their own link pasted straight back holds nothing new: it says so and opens no review.
  const unchanged = await state(author);
  await author.evaluate((h) => { location.hash = h; }, new URL(url).hash);
  await author.waitForFunction(() => [...document.querySelectorAll('[data-testid=error] > span')]
    .some((e) => e.textContent.includes('nothing to review')));
  assert.equal(await author.getByTestId('review').count(), 0);
  assert.deepEqual(await state(author), unchanged);
  // The author deletes that note after sending the link: the reviewer's copy of the session
  // still has it, and it must not come back.
  await author.getByTestId('comment-delete').click();
  assert.equal(await author.getByTestId('comment').count(), 0);

  const reviewer = await app.openPage({ hash: new URL(url).hash });
  await dropFiles(reviewer, files);
  await waitTracks(reviewer, 3, 'loaded');
  await seekTo(reviewer, 0.25);
  await comment(reviewer, 'Sam', 'Kick is too loud in the intro');
  await seekTo(reviewer, 0.6);
  await comment(reviewer, 'Sam', 'Pad could sit further left');
  await setRange(strip(reviewer, 'Kick').getByTestId('track-gain'), -3);
  await setRange(strip(reviewer, 'Pad').getByTestId('track-pan'), -20);
  const back = await shareUrl(reviewer);

  // The author pastes the returned link into the tab that holds the session.
  await author.evaluate((h) => { location.hash = h; }, new URL(back).hash);
  await author.getByTestId('review').waitFor();
  const changes = await author.getByTestId('review-change').evaluateAll((els) =>
    els.map((e) => `${e.dataset.place} · ${e.dataset.what}: ${e.dataset.old} → ${e.dataset.new}`));
  assert.deepEqual(changes, ['Kick · Gain: 0.0 dB → -3.0 dB', 'Pad · Pan: R35 → L20']);
  assert.equal(await author.getByTestId('comment-marker').count(), 2, 'their two comments, not the one the author deleted');
  const comments = (await state(author)).comments;
  assert.equal(comments.length, 2);
  assert.match(comments[0], / Sam: Kick is too loud in the intro$/);
  assert.match(comments[1], / Sam: Pad could sit further left$/);
  // The address bar no longer holds the link (a reload restores the autosave instead).
  assert.equal(await author.evaluate(() => location.hash), '');

  // A/B: theirs is heard (the controls show it), then the loudness of both is measured.
  await author.getByTestId('review-hear-theirs').click();
  assert.equal(await strip(author, 'Kick').getByTestId('track-gain').inputValue(), '-3');
  await author.waitForFunction(() => /Yours -?[\d.]+ LUFS, theirs -?[\d.]+ LUFS/.test(document.querySelector('[data-testid=review-loudness]').textContent), null, { timeout: 60_000 });
  const [mine, theirs] = (await author.getByTestId('review-loudness').textContent()).match(/-?\d+\.\d/g).map(Number);
  // Their kick is 3 dB down, so yours is the louder version: while theirs plays nothing is
  // trimmed, and while yours plays it is turned down to their loudness.
  assert.ok(mine > theirs, `mine ${mine} should be louder than theirs ${theirs}`);
  assert.equal(Number(await author.getByTestId('monitor-trim').inputValue()), 0);
  await author.getByTestId('review-hear-mine').click();
  assert.equal(await strip(author, 'Kick').getByTestId('track-gain').inputValue(), '0');
  const trim = Number(await author.getByTestId('monitor-trim').inputValue());
  assert.ok(Math.abs(trim - (theirs - mine)) <= 0.16, `version trim ${trim} dB for ${mine} vs ${theirs} LUFS`);
  await author.getByTestId('review-take').click();
  await author.getByTestId('review').waitFor({ state: 'detached' });
  assert.equal(await strip(author, 'Kick').getByTestId('track-gain').inputValue(), '-3');
  assert.equal(await strip(author, 'Pad').getByTestId('track-pan').inputValue(), '-20');
  // Taking theirs is one undo step.
  await author.keyboard.press('Control+z');
  assert.equal(await strip(author, 'Kick').getByTestId('track-gain').inputValue(), '0');
  assert.equal(await strip(author, 'Pad').getByTestId('track-pan').inputValue(), '35');
  await author.context().close();
  await reviewer.context().close();
});

test('undo/redo walk 20 mixed edits exactly (adding and removing tracks too), and a reload restores session and stems', async () => {
  const page = await app.openPage();
  const files = stems(await sessionRate(page));
  const snaps = [await state(page)];
  // The DOM follows an edit within a frame or two (Leptos renders in a microtask): read the
  // session until it shows what is expected, at most 5 s, one animation frame apart.
  const stateWhen = async (ok) => {
    const end = Date.now() + 5000;
    for (;;) {
      const s = await state(page);
      if (ok(s) || Date.now() > end) return s;
      await page.evaluate(() => new Promise(requestAnimationFrame));
    }
  };
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const edits = [
    async () => { await dropFiles(page, [files[0]]); await waitTracks(page, 1, 'loaded'); },
    async () => { await dropFiles(page, [files[1]]); await waitTracks(page, 2, 'loaded'); },
    () => setRange(strip(page, 'Kick').getByTestId('track-gain'), -6),
    () => setRange(strip(page, 'Bass').getByTestId('track-pan'), -40),
    () => strip(page, 'Kick').getByTestId('track-mute').check(),
    () => setControl(page, 'master-gain', -3),
    () => comment(page, 'Alex', 'first note'),
    () => setRange(strip(page, 'Bass').getByTestId('track-gain'), 2.5),
    () => strip(page, 'Bass').getByTestId('track-solo').check(),
    () => setRange(strip(page, 'Kick').getByTestId('track-pan'), 15),
    async () => { await dropFiles(page, [files[2]]); await waitTracks(page, 3, 'loaded'); },
    () => setRange(strip(page, 'Pad').getByTestId('track-gain'), -12),
    () => strip(page, 'Kick').getByTestId('track-mute').uncheck(),
    () => strip(page, 'Bass').getByTestId('track-remove').click(),
    () => setControl(page, 'master-gain', -1),
    () => comment(page, 'Alex', 'second note'),
    () => setRange(strip(page, 'Kick').getByTestId('track-gain'), -9),
    () => setRange(strip(page, 'Pad').getByTestId('track-pan'), 60),
    () => page.getByTestId('comment-delete').first().click(),
    () => strip(page, 'Pad').getByTestId('track-solo').check(),
  ];
  assert.equal(edits.length, 20);
  for (const edit of edits) {
    await edit();
    const s = await stateWhen((s) => !same(s, snaps.at(-1)));
    assert.notDeepEqual(s, snaps.at(-1), 'every edit changes the session');
    snaps.push(s);
  }
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 19; i >= 0; i--) {
    await page.keyboard.press('Control+z');
    assert.deepEqual(await stateWhen((s) => same(s, snaps[i])), snaps[i], `after undoing edit ${i + 1}`);
  }
  for (let i = 1; i <= 20; i++) {
    await page.keyboard.press('Control+Shift+z');
    assert.deepEqual(await stateWhen((s) => same(s, snaps[i])), snaps[i], `after redoing edit ${i}`);
  }
  // Autosave settles, then a reload brings everything back without asking for the files.
  await autosaved(page);
  await page.reload();
  await waitReady(page);
  await waitTracks(page, 2, 'loaded');
  assert.deepEqual(await state(page), snaps[20]);
  assert.deepEqual(await errors(page), []);
  await page.context().close();
});

/** A tab that owns the autosave, with the Kick stem at −6 dB saved. */
async function kickTab() {
  const first = await app.openPage();
  const files = stems(await sessionRate(first));
  await dropFiles(first, [files[0]]);
  await waitTracks(first, 1, 'loaded');
  await setRange(strip(first, 'Kick').getByTestId('track-gain'), -6);
  await autosaved(first);
  return { first, files, firstSession: await state(first) };
}

/** Waits until this tab's autosave holds every change made so far (the page counts the changes
 * waiting to be saved and the saves done). */
const autosaved = (page) => page.waitForFunction(() => {
  const m = document.querySelector('main.studio');
  return m && Number(m.dataset.autosaveWanted) > 0 && m.dataset.autosaveWanted === m.dataset.autosaved;
});

/** Waits for a notice containing `text`. */
const waitNotice = (page, text) => page.waitForFunction((t) => [...document.querySelectorAll('[data-testid=error] > span')]
  .some((e) => e.textContent.includes(t)), text);

/** Another tab of `first`'s browser, once it says the autosave is kept elsewhere: [page, its errors]. */
async function queuedTab(first) {
  const page = await first.context().newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await page.goto(first.url());
  await waitReady(page);
  await waitNotice(page, 'open in another tab');
  return [page, pageErrors];
}

test('a second tab leaves the first tab\'s autosave alone, and says so', async () => {
  const { first, files, firstSession } = await kickTab();

  const [second, secondErrors] = await queuedTab(first);
  assert.equal(await second.getByTestId('track').count(), 0, 'the second tab starts empty');

  // A reload of the first tab frees the lock for a moment, and the second tab, queued for it,
  // gets it; the reloaded first tab takes it back within the second's grace period. So the
  // second never takes the autosave over: past that period it is still empty (an empty tab that
  // took over would have opened the saved session) and still says so.
  await first.reload();
  await waitReady(first);
  await waitTracks(first, 1, 'loaded');
  assert.deepEqual(await state(first), firstSession);
  assert.deepEqual(await errors(first), []);
  // The second tab was given the lock during the reload, held it through its grace period, saw
  // the first take it back, and declined to take over (it counts that on the page).
  await second.waitForFunction(() => Number(document.querySelector('main.studio').dataset.takeoversDeclined) >= 1, null, { timeout: 20_000 });
  assert.equal(await second.getByTestId('track').count(), 0, 'the second tab stays empty');
  const notes = await errors(second);
  assert.ok(notes.some((t) => t.includes('open in another tab')), notes.join(' | '));

  // Work in the second tab never reaches the autosave: the first tab's session is still the one
  // a reload restores.
  await dropFiles(second, [files[1]]);
  await waitTracks(second, 1, 'loaded');
  const skipped = Number(await second.locator('main.studio').getAttribute('data-autosave-skipped'));
  await setRange(strip(second, 'Bass').getByTestId('track-gain'), 3);
  // The second tab saw the change and left it unsaved (it counts that on the page).
  await second.waitForFunction((n) => Number(document.querySelector('main.studio').dataset.autosaveSkipped) > n, skipped);
  await first.reload();
  await waitReady(first);
  await waitTracks(first, 1, 'loaded');
  assert.deepEqual(await state(first), firstSession);
  assert.deepEqual(await errors(first), []);
  assert.deepEqual(secondErrors, []);
  await first.context().close();
});

test('when the tab keeping the autosave closes, the next tab takes it over: an empty one opens the saved session, one with work keeps its own', async () => {
  const { first, files, firstSession } = await kickTab();

  // An empty tab, then one with a stem of its own: both queue for the autosave, in that order.
  const [empty, emptyErrors] = await queuedTab(first);
  const [busy, busyErrors] = await queuedTab(first);
  await dropFiles(busy, [files[1]]);
  await waitTracks(busy, 1, 'loaded');
  await setRange(strip(busy, 'Bass').getByTestId('track-gain'), 3);
  const busySession = await state(busy);

  await first.close();
  await waitNotice(empty, 'its saved session is open here');
  await waitTracks(empty, 1, 'loaded');
  assert.deepEqual(await state(empty), firstSession);
  const notes = await errors(empty);
  assert.equal(notes.length, 1, `only the take-over notice is left: ${notes.join(' | ')}`);
  assert.match(notes[0], /saved session is open here/);
  assert.deepEqual(await state(busy), busySession, 'the busy tab still waits and keeps its work');

  await empty.close();
  await waitNotice(busy, 'saves this session in place of that tab');
  assert.deepEqual(await state(busy), busySession, 'a tab with work keeps it');
  await setRange(strip(busy, 'Bass').getByTestId('track-gain'), 2);
  await autosaved(busy);
  const saved = await state(busy);
  await busy.reload();
  await waitReady(busy);
  await waitTracks(busy, 1, 'loaded'); // its stem was stored while it waited
  assert.deepEqual(await state(busy), saved);
  assert.deepEqual(await errors(busy), []);
  assert.deepEqual([...emptyErrors, ...busyErrors], []);
  await busy.context().close();
});

test('after a reload the engine plays the restored settings, not just the screen (a loop region loops)', async () => {
  const page = await app.openPage();
  const files = stems(await sessionRate(page));
  await dropFiles(page, [files[1]]);
  await waitTracks(page, 1, 'loaded');
  await setLoopRegion(page, 1, 2, { on: true });
  await autosaved(page);
  await page.reload();
  await waitReady(page);
  await waitTracks(page, 1, 'loaded');
  assert.equal(await page.getByTestId('loop-on').isChecked(), true);
  await page.getByTestId('transport-play').click();
  // Play until the playhead has jumped back (the loop's wrap), watching every position shown.
  const seen = await page.evaluate(() => new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('the playhead never jumped back within 15 s')), 15_000);
    const el = document.querySelector('[data-testid=transport-position]');
    const parse = (t) => { const [m, s] = t.trim().split(':'); return Number(m) * 60 + Number(s); };
    const positions = [parse(el.textContent)];
    const watch = new MutationObserver(() => {
      positions.push(parse(el.textContent));
      if (positions.at(-1) < positions.at(-2) - 0.5) { watch.disconnect(); resolve(positions); }
    });
    watch.observe(el, { childList: true, characterData: true, subtree: true });
  }));
  await page.getByTestId('transport-play').click();
  // Without the loop in the engine the playhead would run on past 2 s to the 6 s stem's end.
  const top = Math.max(...seen);
  assert.ok(top >= 1.8 && top < 2.0, `playhead reached ${top} s before jumping back (loop 1–2 s)`);
  assert.ok(seen.at(-1) >= 0.99 && seen.at(-1) < 1.5, `and came back to ${seen.at(-1)} s`);
  await page.context().close();
});

test('a session bundle downloads as one zip and dropping it in a fresh browser restores the mix, bit for bit (and fills a link\'s waiting strips)', async () => {
  const [author] = await authorSession();
  await comment(author, 'Alex', 'bundle me');
  const sent = await exportMix(author, 'float32');
  const download = author.waitForEvent('download');
  await author.getByTestId('bundle-download').click();
  const zip = await downloadBytes(await download);
  assert.match(zip.name, /\.zip$/);
  assert.equal(zip.bytes.subarray(0, 2).toString(), 'PK');

  const other = await app.openPage();
  await dropFiles(other, [{ name: zip.name, bytes: zip.bytes, type: 'application/zip' }]);
  await waitTracks(other, 3, 'loaded');
  assert.deepEqual(await state(other), await state(author));
  const again = await exportMix(other, 'float32');
  assert.ok(again.bytes.equals(sent.bytes), 'the bundle\'s export differs from the original');

  // A link of the same session waits for its files; the session's own bundle brings them, with
  // nothing to review.
  const url = await shareUrl(author);
  const waiting = await app.openPage({ hash: new URL(url).hash });
  await waitTracks(waiting, 3, 'missing');
  await dropFiles(waiting, [{ name: zip.name, bytes: zip.bytes, type: 'application/zip' }]);
  await waitTracks(waiting, 3, 'loaded');
  assert.ok((await errors(waiting)).some((e) => e.includes('nothing to review')));
  assert.equal(await waiting.getByTestId('review').count(), 0);
  assert.deepEqual(await state(waiting), await state(author));
  await author.context().close();
  await other.context().close();
  await waiting.context().close();
});

test('bad links and bad bundles get their own message and leave the session as it was', async () => {
  const page = await app.openPage({ init: () => { window.__xss = 0; } });
  const rate = await sessionRate(page);
  const files = stems(rate);
  await dropFiles(page, files.slice(0, 2));
  await waitTracks(page, 2, 'loaded');
  await setRange(strip(page, "Kick").getByTestId("track-gain"), -7.5);
  const markup = '<img src=x onerror=window.__xss=1>';
  await comment(page, 'Alex', 'X'.repeat(markup.length));
  const good = new URL(await shareUrl(page)).hash.slice(3);
  const before = await state(page);

  // Links crafted from the real one, at the byte level.
  const bytes = Buffer.from(good, 'base64url');
  const raw = zlib.inflateRawSync(bytes.subarray(1));
  const relink = (version, body) => '#s=' + Buffer.concat([Buffer.from([version]), zlib.deflateRawSync(body)]).toString('base64url');
  const patched = (find, replace) => {
    const at = raw.indexOf(find);
    assert.ok(at >= 0, 'pattern present in the session bytes');
    const b = Buffer.from(raw);
    replace.copy(b, at);
    return relink(bytes[0], b);
  };
  const f32 = (x) => { const b = Buffer.alloc(4); b.writeFloatLE(x); return b; };
  const middle = Math.floor(good.length / 2);
  const cases = [
    ['truncated', '#s=' + good.slice(0, middle), /This share link is damaged or incomplete/],
    ['corrupted character', '#s=' + good.slice(0, middle) + '!' + good.slice(middle + 1), /This share link is damaged: it is not valid link text/],
    ['corrupted data', '#s=' + good.slice(0, 2) + (good[2] === 'A' ? 'B' : 'A') + good.slice(3), /This share link (is damaged|cannot be opened)/],
    ['oversized', '#s=' + 'A'.repeat(70 * 1024), /share links are at most 64 KB/],
    ['future version', relink(bytes[0] + 1, raw), new RegExp(`made by a newer version of Second Ear \\(session format ${bytes[0] + 1}`)],
    ['NaN value', patched(f32(-7.5), f32(NaN)), /NaN/],
    ['out-of-range value', patched(f32(-7.5), f32(80)), /outside its range/],
    ['markup in a comment', patched(Buffer.from('X'.repeat(markup.length)), Buffer.from(markup)), /markup/],
  ];
  for (const [what, hash, message] of cases) {
    const n = (await errors(page)).length;
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=error]').length > n, n);
    const text = (await errors(page)).at(-1);
    assert.match(text, message, `${what}: ${text}`);
    assert.match(text, /Your current session is unchanged\.$/, what);
    assert.deepEqual(await state(page), before, `${what} changed the session`);
  }
  assert.equal(await page.evaluate(() => window.__xss), 0, 'nothing from a link was executed');
  assert.equal(await page.locator('img[src=x]').count(), 0);

  // Bundles: not a zip; a zip without a session.
  const bad = [
    ['broken.zip', Buffer.from('this is not a zip file at all'), /broken\.zip: .*not a zip/i],
    ['photos.zip', zipWithout(), /photos\.zip: .*session\.json/],
  ];
  for (const [name, bytes, message] of bad) {
    const n = (await errors(page)).length;
    await dropFiles(page, [{ name, bytes, type: 'application/zip' }]);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=error]').length > n, n);
    const text = (await errors(page)).at(-1);
    assert.match(text, message, text);
    assert.match(text, /Your current session is unchanged\.$/);
    assert.deepEqual(await state(page), before, `${name} changed the session`);
  }
  await page.context().close();
});

/** A valid zip (one stored entry, `readme.txt`) that is not a session bundle. */
function zipWithout() {
  const name = Buffer.from('readme.txt');
  const data = Buffer.from('hello');
  const crc = zlib.crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const localPart = Buffer.concat([local, name, data]);
  const centralPart = Buffer.concat([central, name]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12); end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

test('a session at its 2000-comment limit refuses one more, and a reload brings it back with its stem; a saved session that cannot be read is kept aside with its stems and offered for recovery', async () => {
  const page = await app.openPage();
  const files = stems(await sessionRate(page));
  await dropFiles(page, [files[0]]);
  await waitTracks(page, 1, 'loaded');
  // 2000 comments through the comment form, as a user would add them (in one go in the page).
  await page.evaluate(() => {
    const input = (testid, value) => {
      const el = document.querySelector(`[data-testid=${testid}]`);
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    };
    input('comment-author', 'Alex');
    for (let i = 0; i < 2000; i++) {
      input('comment-text', `note ${i}`);
      document.querySelector('[data-testid=comment-add]').click();
    }
  });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=comment]').length === 2000, null, { timeout: 120_000 });
  // One more is refused, saying why; nothing else changes.
  await comment(page, 'Alex', 'one too many');
  await waitNotice(page, 'at most 2000 are allowed');
  assert.equal(await page.getByTestId('comment').count(), 2000);
  await autosaved(page);
  await page.reload();
  await waitReady(page);
  await waitTracks(page, 1, 'loaded');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=comment]').length === 2000, null, { timeout: 60_000 });
  assert.deepEqual((await errors(page)).filter((t) => /could not be restored/.test(t)), [], 'the session restores');
  assert.equal(await page.getByTestId('recover-offer').count(), 0, 'nothing kept aside');

  // A saved session that cannot be read (damaged on disk): the next start keeps it aside, says
  // so, keeps every stem (nothing is tidied while a kept session cannot be read), and offers
  // to recover it; recovering says why it cannot.
  await autosaved(page);
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('second-ear');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('session', 'readwrite');
      tx.objectStore('session').put(new Uint8Array([1, 0xde, 0xad, 0xbe, 0xef]), 'current');
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.reload();
  await waitReady(page);
  await waitNotice(page, 'could not be restored');
  await page.getByTestId('recover-offer').waitFor();
  assert.match(await page.getByTestId('recover').textContent(), /^Recover the session saved on /);
  // A further reload (after the fresh session's autosave) still keeps the stems on disk.
  await page.reload();
  await waitReady(page);
  await page.getByTestId('recover-offer').waitFor();
  const stored = {
    files: await page.evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('stems');
      let files = 0;
      for await (const _ of dir.keys()) files += 1;
      return files;
    }),
    originals: (await storedOriginals(page)).length,
  };
  assert.ok(stored.files >= 2 && stored.originals >= 1, `the stem is still stored: ${JSON.stringify(stored)}`);
  await page.getByTestId('recover').click();
  await waitNotice(page, 'cannot be recovered');
  await page.context().close();
});

test('a 1.5 GB session bundle is refused by its size before it is read; the session is unchanged', async () => {
  const page = await app.openPage();
  const files = stems(await sessionRate(page));
  await dropFiles(page, [files[0]]);
  await waitTracks(page, 1, 'loaded');
  const before = await state(page);
  // A sparse file: 1.5 GB as far as the browser knows, no disk used.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'se-big-'));
  const big = path.join(dir, 'Huge session.zip');
  const fd = await open(big, 'w');
  await fd.truncate(1.5 * 2 ** 30);
  await fd.close();
  try {
    await page.getByTestId('bundle-open').setInputFiles(big);
    await waitNotice(page, 'Huge session.zip: it is 1.5 GB; session bundles up to 1 GB can be opened');
    assert.deepEqual(await state(page), before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await page.context().close();
});

/** The entries of a zip (stored or deflated), from its central directory: [{ name, data }]. */
function readZip(buf) {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const [nameLen, extraLen, commentLen] = [28, 30, 32].map((o) => buf.readUInt16LE(at + o));
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString();
    const from = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(from, from + size);
    out.push({ name, data: method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** A zip of stored entries. */
function writeZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const n = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const centralPart = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralPart.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralPart, end]);
}

/** The keys (SHA-256 hex) of the original files in the autosave store. */
const storedOriginals = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('second-ear');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const keys = db.transaction('stems').objectStore('stems').getAllKeys();
    keys.onsuccess = () => { db.close(); resolve(keys.result.map(String).sort()); };
    keys.onerror = () => reject(keys.error);
  };
}));

test('a bundle\'s stems are stored only once its session is opened, and only those it uses: "Keep mine" leaves storage as it was', async () => {
  const [author] = await authorSession();
  const download = author.waitForEvent('download');
  await author.getByTestId('bundle-download').click();
  const entries = readZip((await downloadBytes(await download)).bytes);
  const used = entries.filter((e) => e.name.startsWith('stems/'))
    .map((e) => createHash('sha256').update(e.data).digest('hex'));
  assert.equal(used.length, 3);
  // Ten 8 MB entries the session does not use.
  for (let i = 0; i < 10; i++) entries.push({ name: `stems/Unused ${i}.wav`, data: Buffer.alloc(8 << 20, i + 1) });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'se-padded-'));
  const padded = path.join(dir, 'Padded session.zip');
  await writeFile(padded, writeZip(entries));
  try {
    // A studio with work of its own: the bundle's session waits for "Open it".
    const page = await app.openPage();
    await dropFiles(page, [stems(await sessionRate(page), 1.5)[1]]);
    await waitTracks(page, 1, 'loaded');
    const before = await storedOriginals(page);
    await page.getByTestId('bundle-open').setInputFiles(padded);
    await page.getByTestId('link-cancel').click();
    assert.deepEqual(await storedOriginals(page), before, '"Keep mine" stores nothing');
    await page.getByTestId('bundle-open').setInputFiles(padded);
    await page.getByTestId('link-open').click();
    await waitTracks(page, 3, 'loaded');
    assert.deepEqual(await storedOriginals(page), [...new Set([...before, ...used])].sort(),
      'opened: its three stems are stored, none of the ten it does not use');
    await page.context().close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await author.context().close();
});

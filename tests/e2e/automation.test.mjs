// Automation as a musician makes it: breakpoints clicked and dragged on a track's gain lane, the
// export following the drawn lane within 0.1 dB at ten points; the fader ridden in touch mode
// while the song plays, the lane then holding the ride and gliding back; strip silence on a
// vocal with quiet gaps, the export exactly silent in the gaps and bit-identical through the
// phrases.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, sessionRate, dropFiles, exportMix, parsePosition, downloadBytes, setRange } from './lib/browser.mjs';
import { encodeWav, decodeWav, dB } from './lib/wav.mjs';

let app;
before(async () => { app = await startApp(); });
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

// The lane's plot: 40 units high, 2 units of margin top and bottom (automation_lane.rs).
const LANE_H = 40;
/** Page coordinates of (t seconds, travel 0…1) on the lane. */
function lanePoint(box, seconds, t, travel) {
  const y = (LANE_H - 2 - travel * (LANE_H - 4)) / LANE_H;
  return [box.x + (t / seconds) * box.width, box.y + y * box.height];
}

test('a fade drawn on the gain lane with the mouse: the export follows it within 0.1 dB at ten points', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const seconds = 4;
  const n = seconds * rate;
  const x = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  await dropFiles(page, [{ name: 'Vocal.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  const lane = page.getByTestId('automation').getByTestId('automation-lane');
  assert.equal(await lane.getAttribute('data-param'), 'gain');
  const box = await lane.boundingBox();
  // The fader's travel is linear in dB from −70 to +12: 0 dB is at 70/82 of it.
  const at = (t, db) => lanePoint(box, seconds, t, (db + 70) / 82);
  await page.mouse.click(...at(1.0, 0));
  await page.mouse.click(...at(3.0, -30));
  const points = page.getByTestId('automation').getByTestId('automation-point');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=automation] [data-testid=automation-point]').length === 2);
  // Drag the second point down a little more (one undo step).
  const p2 = await points.nth(1).boundingBox();
  const [cx, cy] = [p2.x + p2.width / 2, p2.y + p2.height / 2];
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx, cy + 3, { steps: 5 });
  await page.mouse.up();
  const read = async () => Promise.all([0, 1].map(async (i) => ({
    t: Number(await points.nth(i).getAttribute('data-time')),
    v: Number(await points.nth(i).getAttribute('data-value')),
  })));
  const [a, b] = await read();
  assert.ok(Math.abs(a.t - 1.0) < 0.02 && Math.abs(a.v) < 1.5, `first point ${JSON.stringify(a)}`);
  assert.ok(Math.abs(b.t - 3.0) < 0.02 && b.v < -31 && b.v > -45, `second point ${JSON.stringify(b)}`);

  const y = decodeWav((await exportMix(page, 'float32')).bytes).channelData[0];
  assert.equal(y.length, n);
  // The lane: flat before the first point and after the last, linear in dB between.
  const want = (t) => (t <= a.t ? a.v : t >= b.t ? b.v : a.v + ((b.v - a.v) * (t - a.t)) / (b.t - a.t));
  for (const t of [0.3, 0.9, 1.1, 1.4, 1.8, 2.2, 2.6, 2.9, 3.2, 3.8]) {
    let i = Math.round(t * rate);
    while (Math.abs(x[i]) < 0.45) i++;
    const got = dB(Math.abs(y[i] / x[i]));
    const expect = want(i / rate);
    assert.ok(Math.abs(got - expect) < 0.1, `at ${(i / rate).toFixed(3)} s: ${got.toFixed(3)} dB, want ${expect.toFixed(3)} dB`);
  }
  // At another rate (44.1 kHz from 48, or back): the lane at the same times.
  const other = rate === 48000 ? 44100 : 48000;
  const z = decodeWav((await exportMix(page, 'float32', { rate: other })).bytes).channelData[0];
  for (const t of [0.9, 1.4, 2.2, 2.9, 3.2]) {
    // A 1 kHz tone at 0.5: find a sample near a crest and compare with the amplitude there.
    let i = Math.round(t * other);
    while (Math.abs(Math.sin((2 * Math.PI * 1000 * i) / other)) < 0.99) i++;
    const got = dB(Math.abs(z[i]) / (0.5 * Math.abs(Math.sin((2 * Math.PI * 1000 * i) / other))));
    const expect = want(i / other);
    assert.ok(Math.abs(got - expect) < 0.15, `at ${other} Hz, ${(i / other).toFixed(3)} s: ${got.toFixed(3)} dB, want ${expect.toFixed(3)} dB`);
  }
  // Undo takes back the drag in one step, then the second point.
  await page.getByTestId('undo').click();
  const [, back] = await read();
  assert.ok(back.v > b.v, `the drag was undone: ${back.v} dB`);
  await page.getByTestId('undo').click();
  assert.equal(await points.count(), 1);
  assert.deepEqual(app.pageErrors, []);
});

test('strip silence on a vocal with quiet gaps: the gaps are exactly silent in the export and the phrases bit-identical', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const seconds = 4;
  const n = seconds * rate;
  const phrases = [[0.5, 1.5], [2.5, 3.2]];
  // Phrases of a tone; between them, hiss at −80 dBFS (below the default −50 dBFS threshold).
  const x = new Float32Array(n).map((_, i) => {
    const t = i / rate;
    return phrases.some(([p, q]) => t >= p && t < q)
      ? 0.5 * Math.sin((2 * Math.PI * 220 * i) / rate)
      : 1e-4 * (i % 2 ? 1 : -1);
  });
  await dropFiles(page, [{ name: 'Lead Vox.wav', bytes: encodeWav({ rate, channels: [x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  const before = decodeWav((await exportMix(page, 'float32')).bytes).channelData;

  await page.getByTestId('strip-silence').click();
  // Settings as a user types them: −45 dBFS, 200 ms, pads 40 ms before and 80 ms after, fades
  // of 20 ms.
  await page.getByTestId('strip-silence-threshold').fill('-45');
  await page.getByTestId('strip-silence-threshold').dispatchEvent('change');
  await page.getByTestId('strip-silence-min').fill('200');
  await page.getByTestId('strip-silence-min').dispatchEvent('change');
  await page.getByTestId('strip-silence-pre').fill('40');
  await page.getByTestId('strip-silence-pre').dispatchEvent('change');
  await page.getByTestId('strip-silence-fade').fill('20');
  await page.getByTestId('strip-silence-fade').dispatchEvent('change');
  await page.getByTestId('strip-silence-apply').click();
  await page.getByTestId('strip-silence-outcome').filter({ hasText: 'muted' }).waitFor();
  assert.match(await page.getByTestId('strip-silence-outcome').textContent(), /^3 quiet passages muted/);
  assert.equal(await page.getByTestId('automation').getByTestId('automation-lane').getAttribute('data-param'), 'mute');
  // Muted from the start; open from 40 ms before each phrase to 80 ms after it.
  const times = await page.getByTestId('automation').getByTestId('automation-point').evaluateAll((ps) => ps.map((p) => Number(p.dataset.time)));
  assert.equal(times.length, 3 + 4 + 2, `points ${times}`);

  const after = decodeWav((await exportMix(page, 'float32')).bytes).channelData;
  assert.equal(after[0].length, before[0].length);
  const range = (a, b) => [Math.round(a * rate), Math.round(b * rate)];
  // The 20 ms fades (and the 0.67 ms automation grid) lie inside the padding: the sound from
  // 10 ms before a phrase to 70 ms after it is untouched, bit for bit.
  for (const [p, q] of phrases) {
    const [i0, i1] = range(p - 0.01, q + 0.07);
    for (let ch = 0; ch < 2; ch++) {
      for (let i = i0; i < i1; i++) {
        if (after[ch][i] !== before[ch][i]) assert.fail(`phrase ${p}–${q} s changed at ${(i / rate).toFixed(4)} s`);
      }
    }
  }
  // The gaps, past the fades: exactly zero (the hiss is there without strip silence).
  const gaps = [[0, 0.5 - 0.04 - 0.007], [1.5 + 0.08 + 0.02 + 0.007, 2.5 - 0.04 - 0.007], [3.2 + 0.08 + 0.02 + 0.007, seconds]];
  for (const [p, q] of gaps) {
    const [i0, i1] = range(p, q);
    assert.ok(before[0].subarray(i0, i1).some((v) => v !== 0), `there is hiss in ${p}–${q} s to strip`);
    for (let ch = 0; ch < 2; ch++) {
      const k = after[ch].subarray(i0, i1).findIndex((v) => v !== 0);
      assert.equal(k, -1, `gap ${p.toFixed(3)}–${q.toFixed(3)} s not silent at ${((i0 + k) / rate).toFixed(4)} s`);
    }
  }
  // The fade after the first phrase: from the first changed sample to the first silent one,
  // 20 ms (within a millisecond).
  const [f0] = range(1.5, 1.5);
  const changed = after[0].findIndex((v, i) => i >= f0 && v !== before[0][i]);
  const silent = after[0].findIndex((v, i) => i > changed && v === 0);
  const fade = (silent - changed) / rate;
  assert.ok(Math.abs(fade - 0.02) < 0.001, `the mute fades over ${(fade * 1000).toFixed(2)} ms`);
  // One undo removes the whole lane.
  await page.getByTestId('undo').click();
  assert.equal(await page.getByTestId('automation').getByTestId('automation-point').count(), 0);
  assert.deepEqual(app.pageErrors, []);
});

test('touch-write while playing: the fader ride is written to the lane, which glides back after it, and the export follows', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const seconds = 8;
  const n = seconds * rate;
  const x = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  await dropFiles(page, [{ name: 'Vocal.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  // A lane at 0 dB to come back to: one point at the start, then touch mode.
  const box = await page.getByTestId('automation').getByTestId('automation-lane').boundingBox();
  await page.mouse.click(...lanePoint(box, seconds, 0.05, 70 / 82));
  await page.getByTestId('automation').getByTestId('automation-point').waitFor();
  await page.getByTestId('automation').getByTestId('automation-mode').selectOption('touch');
  await page.getByTestId('transport-play').click();
  const position = async () => parsePosition(await page.getByTestId('transport-position').textContent());
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:01.000', null, { timeout: 10_000 });
  // Take the fader at its 0 dB position and pull it down, hold, let go.
  const fader = await page.getByTestId('track-gain').boundingBox();
  const xOf = (db) => fader.x + 8 + ((db + 70) / 82) * (fader.width - 16);
  const yMid = fader.y + fader.height / 2;
  await page.mouse.move(xOf(0), yMid);
  await page.mouse.down();
  const touched = await position();
  await page.mouse.move(xOf(-4), yMid, { steps: 3 });
  await page.getByTestId('automation').getByTestId('automation-writing').waitFor({ state: 'visible' });
  await page.mouse.move(xOf(-12), yMid, { steps: 6 });
  // While held, the fader is heard, not the lane (about 0 dB): 0.5 peak (−6 dBFS) about 12 dB down.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=track-meter]').dataset.peakDb) < -14, null, { timeout: 2000 });
  await page.waitForTimeout(500);
  const letGo = await position();
  await page.mouse.up();
  await page.waitForTimeout(600);
  await page.getByTestId('transport-stop').click();
  await page.getByTestId('automation').getByTestId('automation-writing').waitFor({ state: 'hidden' });

  const pts = await page.getByTestId('automation').getByTestId('automation-point').evaluateAll((ps) =>
    ps.map((p) => ({ t: Number(p.dataset.time), v: Number(p.dataset.value) })));
  assert.ok(pts.length >= 4, `points ${JSON.stringify(pts)}`);
  // The ride's lowest value, held until the release; then back to the lane's value (the
  // point clicked at the start, about 0 dB) over the glide.
  const base = pts[0].v;
  assert.ok(Math.abs(base) < 1.5, `the lane was at ${base} dB`);
  const low = Math.min(...pts.map((p) => p.v));
  assert.ok(low < -8 && low > -16, `the ride went to ${low} dB`);
  const held = pts.filter((p) => p.v === low);
  const from = held[0].t;
  const to = held[held.length - 1].t;
  assert.ok(from > touched - 0.1 && from < letGo, `the ride starts at ${from} s (touched at ${touched} s)`);
  assert.ok(to >= letGo - 0.1 && to < letGo + 0.3, `held to ${to} s (let go at ${letGo} s)`);
  const back = pts.find((p) => p.t > to);
  assert.ok(back && back.v === base && Math.abs(back.t - to - 0.25) < 0.01, `glides back to ${base} dB in 0.25 s: ${JSON.stringify(back)}`);

  // The export follows the lane: the lane's value before the touch, the held value, the lane's
  // value again after the glide.
  const y = decodeWav((await exportMix(page, 'float32')).bytes).channelData[0];
  const gainAt = (t) => {
    let i = Math.round(t * rate);
    while (Math.abs(x[i]) < 0.45) i++;
    return dB(Math.abs(y[i] / x[i]));
  };
  for (const [t, want] of [[0.5, base], [(from + to) / 2, low], [to + 0.5, base]]) {
    const got = gainAt(t);
    assert.ok(Math.abs(got - want) < 0.1, `at ${t.toFixed(3)} s: ${got.toFixed(3)} dB, want ${want} dB`);
  }
  // The whole ride is one undo step.
  await page.getByTestId('undo').click();
  assert.equal(await page.getByTestId('automation').getByTestId('automation-point').count(), 1);
  assert.deepEqual(app.pageErrors, []);
});

/** Every breakpoint shown, as [time s, value]. */
const lanePoints = (page) => page.getByTestId('automation').getByTestId('automation-point').evaluateAll((ps) =>
  ps.map((p) => [Number(p.dataset.time), Number(p.dataset.value)]));

test('a share link and a session bundle carry the lanes: a fresh browser shows them and exports the same bits', async () => {
  const author = await app.openPage();
  const rate = await sessionRate(author);
  const seconds = 3;
  const x = new Float32Array(seconds * rate).map((_, i) => 0.4 * Math.sin((2 * Math.PI * 330 * i) / rate));
  const file = { name: 'Keys.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) };
  await dropFiles(author, [file]);
  await author.getByTestId('track').waitFor();
  const box = await author.getByTestId('automation').getByTestId('automation-lane').boundingBox();
  for (const [t, db] of [[0.5, -3], [1.5, -20], [2.5, 2]]) await author.mouse.click(...lanePoint(box, seconds, t, (db + 70) / 82));
  await author.waitForFunction(() => document.querySelectorAll('[data-testid=automation] [data-testid=automation-point]').length === 3);
  const drawn = await lanePoints(author);
  const sent = await exportMix(author, 'float32');

  // The link: the strip waits for its file; dropped, it plays the lane.
  await author.getByTestId('share-open').click();
  const url = await author.getByTestId('share-url').inputValue();
  await author.getByTestId('share-close').click();
  const viaLink = await app.openPage({ hash: new URL(url).hash });
  await viaLink.getByTestId('track').waitFor();
  assert.deepEqual(await lanePoints(viaLink), drawn, 'the link carries the points');
  await dropFiles(viaLink, [file]);
  await viaLink.waitForFunction(() => document.querySelector('[data-testid=track]')?.dataset.status === 'loaded');
  const again = await exportMix(viaLink, 'float32');
  assert.ok(again.bytes.equals(sent.bytes), 'the link\'s export differs from the author\'s');

  // The bundle.
  const download = author.waitForEvent('download');
  await author.getByTestId('bundle-download').click();
  const zip = await downloadBytes(await download);
  const viaBundle = await app.openPage();
  await dropFiles(viaBundle, [{ name: zip.name, bytes: zip.bytes, type: 'application/zip' }]);
  await viaBundle.waitForFunction(() => document.querySelector('[data-testid=track]')?.dataset.status === 'loaded');
  assert.deepEqual(await lanePoints(viaBundle), drawn, 'the bundle carries the points');
  const third = await exportMix(viaBundle, 'float32');
  assert.ok(third.bytes.equals(sent.bytes), 'the bundle\'s export differs from the author\'s');
  for (const p of [author, viaLink, viaBundle]) await p.context().close();
  assert.deepEqual(app.pageErrors, []);
});

test('lane editing: a selection drags together, a curve shape is chosen by right-click, and the master\'s lane is followed by the export', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const seconds = 4;
  const n = seconds * rate;
  const x = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  await dropFiles(page, [{ name: 'Gtr.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  const track = page.getByTestId('automation');
  const trackLane = track.getByTestId('automation-lane');
  const box = await trackLane.boundingBox();
  for (const [t, db] of [[1, -6], [2, -12], [3, -6]]) await page.mouse.click(...lanePoint(box, seconds, t, (db + 70) / 82));
  const pts = track.getByTestId('automation-point');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=automation] [data-testid=automation-point]').length === 3);
  const times = () => pts.evaluateAll((ps) => ps.map((p) => Number(p.dataset.time)));
  const t0 = await times();
  // Select the first, Ctrl-click the last (all three), drag the middle one 0.25 s right.
  await pts.nth(0).click();
  await pts.nth(2).click({ modifiers: ['Control'] });
  assert.equal(await track.locator('.lane-point.selected').count(), 3);
  const mid = await pts.nth(1).boundingBox();
  const [cx, cy] = [mid.x + mid.width / 2, mid.y + mid.height / 2];
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx + (0.25 / seconds) * box.width, cy, { steps: 6 });
  await page.mouse.up();
  const t1 = await times();
  const moved = t1.map((t, i) => t - t0[i]);
  assert.ok(moved.every((d) => Math.abs(d - moved[0]) < 0.002) && Math.abs(moved[0] - 0.25) < 0.03, `moved by ${moved}`);
  // The whole drag is one undo step.
  await page.getByTestId('undo').click();
  assert.deepEqual(await times(), t0);

  // The master's lane: 0 dB at 1 s to −12 dB at 3 s, the segment's curve "slow" (t²).
  const master = page.getByTestId('master-automation');
  assert.equal(await master.getByTestId('automation-lane').getAttribute('data-param'), 'master-gain');
  const mbox = await master.getByTestId('automation-lane').boundingBox();
  await page.mouse.click(...lanePoint(mbox, seconds, 1, 70 / 82));
  await page.mouse.click(...lanePoint(mbox, seconds, 3, 58 / 82));
  const mpts = master.getByTestId('automation-point');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=master-automation] [data-testid=automation-point]').length === 2);
  await mpts.nth(0).click({ button: 'right' });
  await page.waitForFunction(() => document.querySelector('[data-testid=master-automation] [data-testid=automation-point]').dataset.curve === 'slow');
  const [a, b] = await mpts.evaluateAll((ps) => ps.map((p) => ({ t: Number(p.dataset.time), v: Number(p.dataset.value) })));
  const y = decodeWav((await exportMix(page, 'float32')).bytes).channelData[0];
  const tp = await times();
  const tv = await pts.evaluateAll((ps) => ps.map((p) => Number(p.dataset.value)));
  const lin = (t, p, q, vp, vq) => (t <= p ? vp : t >= q ? vq : vp + ((vq - vp) * (t - p)) / (q - p));
  const trackAt = (t) => (t <= tp[1] ? lin(t, tp[0], tp[1], tv[0], tv[1]) : lin(t, tp[1], tp[2], tv[1], tv[2]));
  const masterAt = (t) => (t <= a.t ? a.v : t >= b.t ? b.v : a.v + (b.v - a.v) * ((t - a.t) / (b.t - a.t)) ** 2);
  for (const t of [0.5, 1.5, 2.0, 2.5, 3.5]) {
    let i = Math.round(t * rate);
    while (Math.abs(x[i]) < 0.45) i++;
    const got = dB(Math.abs(y[i] / x[i]));
    const want = trackAt(i / rate) + masterAt(i / rate);
    assert.ok(Math.abs(got - want) < 0.1, `at ${(i / rate).toFixed(3)} s: ${got.toFixed(3)} dB, want ${want.toFixed(3)} dB`);
  }
  assert.deepEqual(app.pageErrors, []);
});

test('write mode from Play to Stop writes the fader over the lane up to Stop; a lane turned off while playing gives the fader back', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const seconds = 8;
  const x = new Float32Array(seconds * rate).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  await dropFiles(page, [{ name: 'Vocal.wav', bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  const row = page.getByTestId('automation');
  // The lane holds −40 dB; the fader is at −6 dB (a reading lane overrides it).
  await setRange(page.getByTestId('track-gain'), -6);
  const box = await row.getByTestId('automation-lane').boundingBox();
  await page.mouse.click(...lanePoint(box, seconds, 0.05, 30 / 82));
  await row.getByTestId('automation-point').waitFor();
  const base = Number(await row.getByTestId('automation-point').getAttribute('data-value'));
  assert.ok(Math.abs(base - -40) < 3, `lane at ${base} dB`);
  await row.getByTestId('automation-mode').selectOption('write');
  await page.getByTestId('transport-play').click();
  await row.getByTestId('automation-writing').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:01.500', null, { timeout: 10_000 });
  // Stop (back to the start): the pass ends where the playhead was, not at 0.
  await page.getByTestId('transport-stop').click();
  await row.getByTestId('automation-writing').waitFor({ state: 'hidden' });
  const pts = await lanePoints(page);
  const held = pts.filter(([, v]) => v === -6);
  assert.ok(held.length >= 1, `the fader's −6 dB was written: ${JSON.stringify(pts)}`);
  const until = Math.max(...held.map(([t]) => t));
  assert.ok(until >= 1.4 && until < 3, `written up to ${until} s (stopped after 1.5 s)`);
  const after = pts.find(([t]) => t > until);
  assert.ok(after && after[1] === base, `then back to the lane: ${JSON.stringify(after)}`);

  // Read it back while playing, then turn the lane off: the fader's −6 dB is heard again.
  await row.getByTestId('automation-mode').selectOption('read');
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:03.500', null, { timeout: 10_000 });
  const peak = () => page.getByTestId('track-meter').getAttribute('data-peak-db').then(Number);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=track-meter]').dataset.peakDb) < -40);
  await row.getByTestId('automation-mode').selectOption('off');
  // 0.5 peak (−6.02 dBFS) through −6 dB: about −12 dBFS.
  await page.waitForFunction(() => Math.abs(Number(document.querySelector('[data-testid=track-meter]').dataset.peakDb) - -12.04) < 0.5, null, { timeout: 5000 });
  assert.ok(Math.abs((await peak()) - -12.04) < 0.5);
  await page.getByTestId('transport-stop').click();
  assert.deepEqual(app.pageErrors, []);
});

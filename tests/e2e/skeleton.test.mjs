// Walking skeleton, end to end in real Chromium: drop stems, mix them, play, export, and measure
// the exported WAV against what the gain and pan laws predict.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApp, sessionRate, dropFiles, setRange, exportMix, parsePosition, afterSnapshots } from './lib/browser.mjs';
import { encodeWav, decodeWav, sine, noise, amplitudeAt, dB } from './lib/wav.mjs';

const ARTIFACTS = new URL('../artifacts', import.meta.url).pathname;

let app;
before(async () => { app = await startApp(); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

const SECONDS = 3;

function threeStems() {
  // Distinct frequencies and levels; one mono; rates 44.1 kHz and 48 kHz; three bit depths.
  return [
    { name: 'Bass.wav', freq: 220, peakDb: -12, rate: 44100, channels: 1, format: 's24' },
    { name: 'Lead.wav', freq: 1000, peakDb: -10, rate: 48000, channels: 2, format: 'f32' },
    { name: 'Pad.wav', freq: 3000, peakDb: -14, rate: 44100, channels: 2, format: 's16' },
  ].map((s) => {
    const x = sine({ freq: s.freq, peakDb: s.peakDb, rate: s.rate, seconds: SECONDS });
    return { ...s, bytes: encodeWav({ rate: s.rate, format: s.format, channels: Array(s.channels).fill(x) }) };
  });
}

const track = (page, name) => page.locator(`[data-testid=track][data-track-name="${name}"]`);

test('three dropped stems mix to the levels the gain and pan laws predict', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  await dropFiles(page, threeStems());
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track]').length === 3);
  const names = await page.getByTestId('track').evaluateAll((els) => els.map((e) => e.dataset.trackName));
  assert.deepEqual(names.sort(), ['Bass', 'Lead', 'Pad']);
  assert.equal(await page.getByTestId('error').count(), 0);

  // One fader edit re-renders one strip: each strip counts the changes of its own state.
  const updates = () => page.getByTestId('track').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.trackName, Number(e.dataset.updates)])));
  const before = await updates();
  for (const v of [-1, -2, -3, -4, -6]) await setRange(track(page, 'Lead').getByTestId('track-gain'), v);
  await page.waitForFunction(() => document.querySelector('[data-track-name=Lead] .param-value').textContent === '-6.0 dB');
  const after = await updates();
  assert.ok(after.Lead >= before.Lead + 1, `Lead's strip updated (${before.Lead} → ${after.Lead})`);
  assert.equal(after.Bass, before.Bass, 'Bass is not re-rendered by an edit of Lead');
  assert.equal(after.Pad, before.Pad, 'Pad is not re-rendered by an edit of Lead');
  await track(page, 'Pad').getByTestId('track-mute').check();
  assert.equal(await track(page, 'Lead').locator('.param-value').first().textContent(), '-6.0 dB');

  // Realtime path: play, the playhead and the master meter move; pause holds the position.
  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid=transport-position]').textContent;
    return t > '0:00.400';
  }, null, { timeout: 10_000 });
  const masterPeak = Number(await page.getByTestId('master-meter').first().getAttribute('data-peak-db'));
  assert.ok(masterPeak > -20 && masterPeak < 0, `master peak while playing: ${masterPeak} dBFS`);
  const padPeak = Number(await track(page, 'Pad').getByTestId('track-meter').getAttribute('data-peak-db'));
  assert.ok(padPeak < -100, `muted Pad meter reads ${padPeak} dBFS`);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => /Play/.test(document.querySelector('[data-testid=transport-play]').textContent));
  const held = await page.getByTestId('transport-position').textContent();
  await afterSnapshots(page, 10);
  assert.equal(await page.getByTestId('transport-position').textContent(), held, 'paused playhead holds');

  // Clicking the middle of a waveform seeks to the middle of the song.
  await track(page, 'Bass').getByTestId('track-waveform').click({ position: { x: (await track(page, 'Bass').getByTestId('track-waveform').boundingBox()).width / 2, y: 10 } });
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent.startsWith('0:01.'));
  const seeked = parsePosition(await page.getByTestId('transport-position').textContent());
  assert.ok(Math.abs(seeked - SECONDS / 2) < 0.02, `seek to middle gave ${seeked} s`);
  await page.getByTestId('transport-stop').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent === '0:00.000');

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/mixer.png`, fullPage: true });
  const { name, bytes } = await exportMix(page, 'pcm24');
  assert.match(name, /\.wav$/);
  const wav = decodeWav(bytes);
  assert.equal(wav.rate, rate, 'exported at the session rate');
  assert.equal(wav.channels, 2);
  assert.equal(wav.bits, 24);
  assert.equal(wav.frames, SECONDS * rate, 'length = the longest stem at the session rate');

  // Measure over [0.5 s, 2.5 s): a whole number of cycles of every test sine.
  const from = Math.round(0.5 * rate);
  const to = Math.round(2.5 * rate);
  const tolerance = 0.05; // dB
  for (const [c, ch] of wav.channelData.entries()) {
    const bass = dB(amplitudeAt(ch, 220, rate, from, to));
    const lead = dB(amplitudeAt(ch, 1000, rate, from, to));
    const pad = dB(amplitudeAt(ch, 3000, rate, from, to));
    // Bass: mono at centre, constant-power pan: −12 − 3.0103 dB per channel.
    assert.ok(Math.abs(bass - (-12 - 3.0103)) < tolerance, `ch${c} Bass ${bass.toFixed(4)} dB`);
    // Lead: stereo at centre (balance is unity) with the fader at −6 dB: −16 dB.
    assert.ok(Math.abs(lead - (-10 - 6)) < tolerance, `ch${c} Lead ${lead.toFixed(4)} dB`);
    // Pad: muted.
    assert.ok(pad < -100, `ch${c} muted Pad at ${pad.toFixed(1)} dBFS`);
  }
  assert.deepEqual(app.pageErrors, []);
});

test('null test: at 0 dB and centre, a float export equals the sum of the stereo stems', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const frames = 2 * rate;
  const a = [noise({ amp: 0.25, frames, seed: 1 }), noise({ amp: 0.25, frames, seed: 2 })];
  const b = [noise({ amp: 0.25, frames, seed: 3 }), noise({ amp: 0.25, frames, seed: 4 })];
  await dropFiles(page, [
    { name: 'Left Stem.wav', bytes: encodeWav({ rate, channels: a, format: 'f32' }) },
    { name: 'Right Stem.wav', bytes: encodeWav({ rate, channels: b, format: 'f32' }) },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track]').length === 2);
  const { bytes } = await exportMix(page, 'float32');
  const wav = decodeWav(bytes);
  assert.equal(wav.float, true);
  assert.equal(wav.frames, frames);
  let worst = 0;
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < frames; i++) {
      worst = Math.max(worst, Math.abs(wav.channelData[c][i] - (a[c][i] + b[c][i])));
    }
  }
  assert.ok(worst <= 1e-6, `largest difference from the sum: ${worst}`);
});

test('bad files get a message naming them; good ones load; the app still plays and exports', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const good = sine({ freq: 440, peakDb: -6, rate, seconds: 1 });
  await dropFiles(page, [
    { name: 'Kick.wav', bytes: encodeWav({ rate, channels: [good], format: 's16' }) },
    { name: 'notes.wav', bytes: Buffer.from('These are my mix notes, not audio.\n') },
    { name: 'empty.wav', bytes: Buffer.alloc(0) },
    { name: 'Snare.wav', bytes: encodeWav({ rate, channels: [good, good], format: 's24' }) },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=error]').length === 2
    && document.querySelectorAll('[data-testid=track]').length === 2);
  const errors = await page.getByTestId('error').allTextContents();
  assert.ok(errors.some((e) => e.includes('notes.wav') && /text, not audio/.test(e)), errors.join(' | '));
  assert.ok(errors.some((e) => e.includes('empty.wav') && /empty \(0 bytes\)/.test(e)), errors.join(' | '));
  const names = await page.getByTestId('track').evaluateAll((els) => els.map((e) => e.dataset.trackName).sort());
  assert.deepEqual(names, ['Kick', 'Snare']);

  await page.getByTestId('transport-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=transport-position]').textContent > '0:00.200');
  await page.getByTestId('transport-stop').click();
  const { bytes } = await exportMix(page, 'pcm24');
  const wav = decodeWav(bytes);
  assert.equal(wav.frames, rate);
  const level = dB(amplitudeAt(wav.channelData[0], 440, rate, 0, rate));
  // Kick (mono, centre) −6 − 3.01 plus Snare (stereo, centre) −6, in phase: 20·log10(0.5·0.7071 + 0.5).
  const want = dB(0.5 * Math.SQRT1_2 + 0.5);
  assert.ok(Math.abs(level - want) < 0.05, `440 Hz at ${level.toFixed(3)} dB, want ${want.toFixed(3)}`);
});

test('export with nothing audible says so; a cancelled export leaves no file and the next one works', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  await page.getByTestId('export-open').click();
  await page.getByTestId('export-start').click();
  await page.getByTestId('error').filter({ hasText: 'no tracks' }).waitFor();

  // A five-minute stem, so the render is still under way when Cancel is pressed.
  const long = sine({ freq: 100, peakDb: -10, rate, seconds: 300 });
  await dropFiles(page, [{ name: 'Long.wav', bytes: encodeWav({ rate, channels: [long], format: 's16' }) }]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track]').length === 1, null, { timeout: 30_000 });
  await track(page, 'Long').getByTestId('track-mute').check();
  await page.getByTestId('export-start').click();
  await page.getByTestId('error').filter({ hasText: 'muted' }).waitFor();
  await track(page, 'Long').getByTestId('track-mute').uncheck();

  let downloads = 0;
  page.on('download', () => { downloads += 1; });
  const errorsBefore = await page.getByTestId('error').count();
  await page.getByTestId('export-start').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=export-progress]').value) > 0);
  await page.getByTestId('export-cancel').click();
  await page.getByTestId('export-status').filter({ hasText: 'cancelled' }).waitFor();
  assert.equal(await page.getByTestId('error').count(), errorsBefore, 'a cancelled export shows no error');

  const { bytes } = await exportMix(page, 'pcm24');
  assert.equal(decodeWav(bytes).frames, 300 * rate);
  // The cancelled render delivered nothing, before or after the next export's file.
  assert.equal(downloads, 1, 'only the finished export downloaded a file');
  assert.equal(await page.getByTestId('error').count(), errorsBefore, 'and no error since');
});

test('a picked folder loads its audio files, recursing into subfolders and skipping the rest', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'second-ear-folder-'));
  const x = sine({ freq: 330, peakDb: -12, rate, seconds: 0.5 });
  await mkdir(path.join(dir, 'Song', 'Drums'), { recursive: true });
  await writeFile(path.join(dir, 'Song', 'Bass.wav'), encodeWav({ rate, channels: [x], format: 's16' }));
  await writeFile(path.join(dir, 'Song', 'Drums', 'Kick.wav'), encodeWav({ rate, channels: [x, x], format: 's24' }));
  await writeFile(path.join(dir, 'Song', 'mix notes.txt'), 'bring the bass up');
  await writeFile(path.join(dir, 'Song', '.DS_Store'), 'junk');
  await page.getByTestId('folder-input').setInputFiles(path.join(dir, 'Song'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track]').length === 2);
  const names = await page.getByTestId('track').evaluateAll((els) => els.map((e) => e.dataset.trackName).sort());
  assert.deepEqual(names, ['Bass', 'Kick']);
  assert.equal(await page.getByTestId('error').count(), 0, 'non-audio files in a folder are skipped, not errors');

  // Removing a strip takes it out of the mix and the export.
  await track(page, 'Kick').getByTestId('track-remove').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track]').length === 1);
  const { bytes } = await exportMix(page, 'pcm24');
  const wav = decodeWav(bytes);
  assert.equal(wav.frames, rate / 2);
  const level = dB(amplitudeAt(wav.channelData[1], 330, rate, 0, rate / 2));
  assert.ok(Math.abs(level - (-12 - 3.0103)) < 0.05, `Bass alone at ${level.toFixed(3)} dB`);
  await rm(dir, { recursive: true, force: true });
});

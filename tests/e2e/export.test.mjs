// Export in Chromium, refereed by ffmpeg's ebur128 filter (not our code): several targets at once
// land on their loudness under their ceilings, the delivery report agrees with ffmpeg, and
// dither, bit-exactness and sample rates behave as a mastering engineer expects.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, sessionRate, dropFiles, exportMix, openExport, setControl, setLoopRegion } from './lib/browser.mjs';
import { encodeWav, decodeWav, noise } from './lib/wav.mjs';

let app, tmp;
before(async () => { app = await startApp(); tmp = mkdtempSync(path.join(os.tmpdir(), 'second-ear-export-')); });
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); rmSync(tmp, { recursive: true, force: true }); });

/** ffmpeg's EBU R128 summary of a file: integrated loudness (LUFS), true peak (dBTP), and the
 * file's tags as ffprobe reads them. */
function referee(bytes, name) {
  const file = path.join(tmp, name.replace(/[^\w. -]/g, '_'));
  writeFileSync(file, bytes);
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg failed on ${name}: ${r.stderr.slice(-2000)}`);
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'));
  const I = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
  const peak = Number(/Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1]);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', file], { encoding: 'utf8' });
  const tags = JSON.parse(probe.stdout || '{}').format?.tags ?? {};
  return { I, peak, tags };
}

/** A drum-like pulse train, a bass line and a noise pad, 12 s, as three stereo WAVs. */
function stems(rate, { silenceFrom, silenceTo } = {}) {
  const frames = 12 * rate;
  const kick = new Float32Array(frames), bass = new Float32Array(frames);
  // A pad of noise, low-passed (a 4-tap average) so that, like music, it has little energy
  // near Nyquist, where resampling to another rate would cut it.
  const white = noise({ amp: 0.12, frames, seed: 5 });
  const pad = new Float32Array(frames);
  for (let i = 3; i < frames; i++) pad[i] = (white[i] + white[i - 1] + white[i - 2] + white[i - 3]) / 4;
  for (let i = 0; i < frames; i++) {
    const t = (i % Math.round(rate / 2)) / rate; // a hit every 500 ms
    kick[i] = 0.3 * Math.exp(-t * 30) * Math.sin(2 * Math.PI * 55 * t * (1 + 2 * Math.exp(-t * 40)));
    const note = [55, 55, 65.4, 73.4][Math.floor(i / (2 * rate)) % 4];
    bass[i] = 0.2 * Math.sin((2 * Math.PI * note * i) / rate);
  }
  const all = [kick, bass, pad];
  if (silenceFrom !== undefined) for (const s of all) s.fill(0, silenceFrom, silenceTo);
  return [['Kick.wav', kick], ['Bass.wav', bass], ['Pad.wav', pad]].map(([name, x]) => ({
    name, bytes: encodeWav({ rate, channels: [x, x], format: 'f32' }),
  }));
}

async function loadSession(page, opts) {
  const rate = await sessionRate(page);
  // Stems at the session rate, or silence positions are given in its frames.
  await dropFiles(page, stems(rate, opts));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track]').length === 3);
  return rate;
}

async function readDownload(d) {
  const chunks = [];
  for await (const c of await d.createReadStream()) chunks.push(c);
  return { name: d.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

test('two targets at once (−14/−1 and −9/−0.3, 24-bit, 44.1 kHz) land on target by ffmpeg, and the report agrees', async () => {
  const page = await app.openPage();
  await loadSession(page);
  await openExport(page);
  await page.getByTestId('export-name').fill('Groove');
  await page.getByTestId('export-name').dispatchEvent('change');
  await page.getByTestId('export-target').selectOption(['Spotify', 'CD / club']);
  await page.getByTestId('export-format').selectOption('pcm24');
  await page.getByTestId('export-rate').selectOption('44100');
  const files = [];
  page.on('download', (d) => files.push(readDownload(d)));
  await page.getByTestId('export-start').click();
  await page.getByTestId('export-status').filter({ hasText: /Exported 2 file/ }).waitFor({ timeout: 240_000 });
  const got = await Promise.all(files);
  const wavs = got.filter((f) => f.name.endsWith('.wav'));
  assert.deepEqual(wavs.map((f) => f.name).sort(), ['Groove - CD - club.wav', 'Groove - Spotify.wav']);
  const reports = await page.getByTestId('export-report').evaluateAll((els) => els.map((e) => JSON.parse(e.dataset.report)));
  for (const [name, lufs, ceiling] of [['Groove - Spotify.wav', -14, -1], ['Groove - CD - club.wav', -9, -0.3]]) {
    const wav = wavs.find((f) => f.name === name);
    const decoded = decodeWav(wav.bytes);
    assert.equal(decoded.rate, 44100);
    assert.equal(wav.bytes.readUInt16LE(34), 24, '24-bit');
    const ref = referee(wav.bytes, name);
    const report = reports.find((r) => r.file_name === name);
    assert.ok(report, `a report for ${name}`);
    assert.ok(Math.abs(ref.I - lufs) <= 0.2, `${name}: ffmpeg integrated ${ref.I} LUFS, target ${lufs}; report: ${JSON.stringify(report)}`);
    assert.ok(ref.peak <= ceiling + 0.1, `${name}: ffmpeg true peak ${ref.peak} dBTP over ${ceiling} + 0.1`);
    assert.ok(Math.abs(report.measured.integrated_lufs - ref.I) <= 0.1, `report ${report.measured.integrated_lufs} vs ffmpeg ${ref.I}`);
    assert.ok(report.on_target && report.passes <= 4, JSON.stringify(report));
    assert.deepEqual(report.platforms.map((p) => p.platform), ['Spotify', 'Apple Music', 'YouTube']);
    // The LIST/INFO chunk, as an independent reader (ffprobe) sees it.
    assert.match(ref.tags.encoder ?? ref.tags.software ?? ref.tags.ISFT ?? '', /Second Ear/, JSON.stringify(ref.tags));
    assert.match(ref.tags.comment ?? '', /LUFS integrated/, JSON.stringify(ref.tags));
  }
  const text = await page.getByTestId('export-report').first().locator('pre').textContent();
  assert.match(text, /Apple Music: [−+0]/);

  // Every pass after an export's first replays that pass's master-chain input instead of
  // rendering the stems again (dsp_worklet::premix). "As mixed" is a single pass: after "CD /
  // club" it is a replay, on its own it renders the stems. The samples must be the same, bit for
  // bit.
  const asMixed = async (targets) => {
    await page.getByTestId('export-target').selectOption(targets);
    // "As mixed" is the export's last file (presets come first in the list).
    const download = page.waitForEvent('download', {
      predicate: (d) => /As mixed\.wav$/.test(d.suggestedFilename()),
      timeout: 240_000,
    });
    await page.getByTestId('export-start').click();
    const wav = await readDownload(await download);
    await page.getByTestId('export-status').filter({ hasText: new RegExp(`Exported ${targets.length} file`) })
      .waitFor({ timeout: 60_000 });
    return decodeWav(wav.bytes);
  };
  const replayed = await asMixed(['CD / club', 'as-mixed']);
  const rendered = await asMixed(['as-mixed']);
  assert.equal(replayed.frames, rendered.frames);
  for (const c of [0, 1]) {
    const first = replayed.channelData[c].findIndex((x, i) => x !== rendered.channelData[c][i]);
    assert.equal(first, -1, `channel ${c} differs from sample ${first}`);
  }
  await page.close();
});

test('16-bit: digital silence inside the song is TPDF noise with dither and zeros without; 24-bit without dither equals the float render', async () => {
  const p2 = await app.openPage();
  const r2 = await sessionRate(p2);
  await loadSession(p2, { silenceFrom: 4 * r2, silenceTo: 6 * r2 });
  const inside = (w) => { const a = w.channelData[0].subarray(Math.round(4.2 * w.rate), Math.round(5.8 * w.rate)); return a; };
  const dithered = decodeWav((await exportMix(p2, 'pcm16', { dither: 'tpdf' })).bytes);
  const lsb = 1 / 32768;
  const d = inside(dithered);
  const nonzero = d.filter((x) => x !== 0).length;
  assert.ok(nonzero > d.length * 0.1, `dithered silence is noise: ${nonzero}/${d.length} non-zero`);
  assert.ok(d.every((x) => Math.abs(x) <= 2 * lsb), 'low level: within ±2 LSB');
  const plain = decodeWav((await exportMix(p2, 'pcm16', { dither: 'off' })).bytes);
  assert.ok(inside(plain).every((x) => x === 0), 'undithered silence is zeros');
  const float = decodeWav((await exportMix(p2, 'float32')).bytes);
  const int24 = decodeWav((await exportMix(p2, 'pcm24', { dither: 'off' })).bytes);
  assert.equal(int24.frames, float.frames);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < float.frames; i++) {
      const v = float.channelData[c][i] * 8388608; // rounded half away from zero, as the app does
      const want = Math.max(-8388608, Math.min(8388607, Math.sign(v) * Math.round(Math.abs(v)))) / 8388608;
      if (int24.channelData[c][i] !== want) assert.fail(`sample ${i} ch ${c}: ${int24.channelData[c][i]} vs ${want}`);
    }
  }
  await p2.close();
});

test('a 96 kHz export has the right rate and length and the same loudness within 0.1 LU', async () => {
  const page = await app.openPage();
  await loadSession(page);
  const at44 = await exportMix(page, 'pcm24', { rate: 44100 });
  const at96 = await exportMix(page, 'pcm24', { rate: 96000 });
  const a = decodeWav(at44.bytes), b = decodeWav(at96.bytes);
  assert.equal(a.rate, 44100);
  assert.equal(b.rate, 96000);
  assert.ok(Math.abs(a.frames - 12 * 44100) <= 1, `44.1 kHz length ${a.frames}`);
  assert.ok(Math.abs(b.frames - 12 * 96000) <= 2, `96 kHz length ${b.frames}`);
  const la = referee(at44.bytes, 'a44.wav').I, lb = referee(at96.bytes, 'b96.wav').I;
  assert.ok(Math.abs(la - lb) <= 0.1, `44.1 kHz ${la} LUFS vs 96 kHz ${lb} LUFS`);
  await page.close();
});

test('the loop region exports on its own, sample for sample the same as that stretch of the song', async () => {
  const page = await app.openPage();
  const rate = await loadSession(page);
  const song = decodeWav((await exportMix(page, 'float32')).bytes);
  await setLoopRegion(page, 2, 5, { on: true });
  await openExport(page);
  await page.getByTestId('export-range').selectOption('loop');
  const region = decodeWav((await exportMix(page, 'float32')).bytes);
  const want = 3 * rate;
  assert.ok(region.frames >= want && region.frames < want + 128, `region length ${region.frames} for ${want}`);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < want; i++) {
      if (region.channelData[c][i] !== song.channelData[c][2 * rate + i]) {
        assert.fail(`frame ${i} ch ${c}: ${region.channelData[c][i]} vs ${song.channelData[c][2 * rate + i]}`);
      }
    }
  }
  await page.close();
});

test('a target that needs more than 12 dB of limiting asks first, with the numbers; Stop leaves no file', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const frames = 8 * rate;
  const clicks = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const t = (i % rate) / rate; // one sharp hit a second over near-silence
    clicks[i] = 0.9 * Math.exp(-t * 200) * Math.sin(2 * Math.PI * 80 * t);
  }
  await dropFiles(page, [{ name: 'Clicks.wav', bytes: encodeWav({ rate, channels: [clicks, clicks], format: 'f32' }) }]);
  await page.getByTestId('track').waitFor();
  await openExport(page);
  await page.getByTestId('export-target').selectOption(['CD / club']);
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.getByTestId('export-start').click();
  const q = page.getByTestId('export-limiting');
  await q.waitFor({ timeout: 120_000 });
  const text = await q.textContent();
  assert.match(text, /takes \d+\.\d dB of limiting \(more than 12 dB\)/, text);
  assert.match(text, /LUFS integrated, -?\d+\.\d dBTP true peak/, text);
  await page.getByTestId('export-stop').click();
  await page.getByTestId('export-status').filter({ hasText: /stopped/ }).waitFor();
  assert.equal(downloads, 0, 'no file');
  await page.close();
});

test('an export split across 1, 2 and 4 Workers gives the same bytes, for the song and for the loop region', async () => {
  // Count the export Workers each export starts (the summing one and its parts).
  const page = await app.openPage({
    init: `(${() => {
      window.__exportWorkers = 0;
      const Base = window.Worker;
      window.Worker = class extends Base {
        constructor(url, options) {
          super(url, options);
          if (String(url).includes('export-worker')) window.__exportWorkers++;
        }
      };
    }})();`,
  });
  const rate = await sessionRate(page);
  // Five stems of different lengths (the longest last, so with a split it is never in the
  // summing Worker), mono and stereo; two of them send to the FX buses.
  const files = [3.0, 2.5, 2.0, 3.5, 4.0].map((seconds, k) => {
    const frames = Math.round(seconds * rate);
    const x = noise({ amp: 0.15, frames, seed: 11 + k });
    for (let i = 0; i < frames; i++) x[i] += 0.2 * Math.sin((2 * Math.PI * 110 * (k + 1) * i) / rate);
    return { name: `Stem ${k + 1}.wav`, bytes: encodeWav({ rate, channels: k % 2 ? [x] : [x, noise({ amp: 0.1, frames, seed: 40 + k })], format: 'f32' }) };
  });
  await dropFiles(page, files);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track]').length === 5);
  await page.getByTestId('track-edit').nth(0).click();
  await setControl(page, 'track-send1-level', -6);
  await page.getByTestId('track-edit').nth(3).click();
  await setControl(page, 'track-send2-level', -6);
  const exportWith = async (workers) => {
    await page.evaluate((n) => { history.replaceState(null, '', `?export-workers=${n}`); window.__exportWorkers = 0; }, workers);
    const { bytes } = await exportMix(page, 'float32');
    assert.equal(await page.evaluate(() => window.__exportWorkers), workers, `the export ran on ${workers} Worker(s)`);
    return bytes;
  };
  const one = await exportWith(1);
  const song = decodeWav(one);
  assert.ok(song.frames > 4 * rate, `the FX tail rings past the longest stem: ${song.frames} frames`);
  for (const n of [2, 4]) assert.ok((await exportWith(n)).equals(one), `${n} Workers: the same bytes as 1`);
  // A region after the summing Worker's only stem (Stem 1, 3 s) has ended: with 4 Workers its
  // engine primes at Play, from the other Workers' tracks.
  await setLoopRegion(page, 3.2, 3.9, { on: true });
  await openExport(page);
  await page.getByTestId('export-range').selectOption('loop');
  const region = await exportWith(1);
  assert.ok(decodeWav(region).frames < song.frames, 'the region is shorter than the song');
  assert.ok((await exportWith(4)).equals(region), 'loop region, 4 Workers: the same bytes as 1');
  await page.close();
});

// Stems from disk: files decoded in the decode Workers (Rust: symphonia + rubato) into the stem
// store, streamed to the engine through its rings. FLAC and MP3 made by ffmpeg and WAVs at
// another rate load at the levels written; bad files are refused with what is wrong; playback
// across many ring refills and a seek is the stem sample for sample.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApp, sessionRate, dropFiles, parsePosition } from './lib/browser.mjs';
import { encodeWav, sine } from './lib/wav.mjs';

/** The recorder's worklet module, served as `tap-recorder.js` beside the app. */
const TAP_RECORDER = `registerProcessor('tap-recorder', class extends AudioWorkletProcessor {
  constructor() { super(); this.buf = new Float32Array(8192); this.n = 0; }
  process(inputs) {
    const x = inputs[0][0];
    if (x) { this.buf.set(x, this.n); this.n += x.length; }
    if (this.n >= 8192 - 128 || (!x && this.n)) {
      this.port.postMessage(this.buf.slice(0, this.n)); this.n = 0;
    }
    return true;
  }
});`;

let app;
let tmp;
before(async () => {
  app = await startApp({ files: { 'tap-recorder.js': TAP_RECORDER } });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'se-stems-'));
});
// Every test runs under the app's Content-Security-Policy: any violation fails it.
afterEach(() => app?.assertNoCspViolations());
after(async () => {
  await app?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** `ffmpeg -i <wav> <args> <out>`: the file it writes. */
async function ffmpeg(wav, name, args) {
  const src = path.join(tmp, `src-${name}.wav`);
  const out = path.join(tmp, name);
  await writeFile(src, wav);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', src, ...args, out]);
  return readFile(out);
}

const peakDb = (page, name) => page.locator(`[data-testid=track][data-track-name="${name}"] [data-testid=track-meter]`)
  .first().getAttribute('data-peak-db').then(Number);

/** Solos `name`, plays, and returns the highest of five successive readings of its peak meter
 * (dBFS; the peak of a steady sine is steady); then stops and un-solos it. */
async function soloPeakDb(page, name) {
  const solo = page.locator(`[data-testid=track][data-track-name="${name}"] [data-testid=track-solo]`);
  await solo.check();
  await page.getByTestId('transport-play').click();
  await page.waitForFunction((n) => {
    const m = document.querySelector(`[data-testid=track][data-track-name="${n}"] [data-testid=track-meter]`);
    return m && Number(m.dataset.peakDb) > -30;
  }, name);
  const readings = [];
  for (let i = 0; i < 5; i++) {
    readings.push(await peakDb(page, name));
    await page.waitForFunction(({ n, last }) => {
      const m = document.querySelector(`[data-testid=track][data-track-name="${n}"] [data-testid=track-meter]`);
      return m && m.dataset.peakDb !== String(last);
    }, { n: name, last: readings.at(-1) }).catch(() => {});
  }
  await page.getByTestId('transport-stop').click();
  await solo.uncheck();
  return Math.max(...readings);
}

test('FLAC and MP3 (by ffmpeg) and WAVs at another rate load and play at the levels written', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const other = rate === 48000 ? 44100 : 48000;
  // Stereo 1 kHz at −12 dBFS peak, 3 s: each stem alone reads −12 dBFS on its meter at 0 dB and
  // centre balance (stereo stems are unity at centre).
  const wavAt = (r, format) => {
    const x = sine({ freq: 1000, peakDb: -12, rate: r, seconds: 3 });
    return encodeWav({ rate: r, channels: [x, x], format });
  };
  const flac = await ffmpeg(wavAt(rate, 's24'), 'Keys.flac', ['-c:a', 'flac']);
  const mp3 = await ffmpeg(wavAt(other, 's16'), 'Vox.mp3', ['-c:a', 'libmp3lame', '-b:a', '256k']);
  await dropFiles(page, [
    { name: 'Keys.flac', bytes: flac, type: 'audio/flac' },
    { name: 'Vox.mp3', bytes: mp3, type: 'audio/mpeg' },
    { name: 'Strings.wav', bytes: wavAt(other, 'f32') },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track][data-status=loaded]').length === 3);
  assert.equal(await page.getByTestId('error').count(), 0, 'no errors');
  // Resampled and decoded stems keep their length: 3 s at the session rate (MP3 within its
  // encoder padding, which the decoder removes from the gapless header).
  const length = await page.locator('.transport .length').textContent();
  assert.match(length, /0:03\.0\d\d/, length);
  for (const name of ['Keys', 'Vox', 'Strings']) {
    const peak = await soloPeakDb(page, name);
    // ±0.5 dB: the MP3 encoder's own level change is about 0.3 dB; FLAC and float WAV are exact
    // apart from the 1 kHz sine's sampled peak (< 0.1 dB at 44.1/48 kHz).
    assert.ok(Math.abs(peak - -12) < 0.5, `${name} peaks at ${peak} dBFS, expected −12 ± 0.5`);
  }
  assert.equal(await page.getByTestId('underruns').getAttribute('data-value'), '0');
  await page.close();
});

test('Opus (in Ogg and in WebM), which the app\'s decoder cannot read, is decoded by the browser, says so, and plays at its level; a file neither can read is refused', async () => {
  const page = await app.openPage();
  const x = sine({ freq: 1000, peakDb: -12, rate: 48000, seconds: 3 });
  const wav = encodeWav({ rate: 48000, channels: [x, x], format: 's24' });
  const ogg = await ffmpeg(wav, 'Choir.opus', ['-c:a', 'libopus', '-b:a', '256k']);
  const webm = await ffmpeg(wav, 'Horns.webm', ['-c:a', 'libopus', '-b:a', '256k']);
  // Bytes that look like nothing at all (no known signature, not text).
  const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 73 + 151) % 256 | 0x80));
  await dropFiles(page, [
    { name: 'Choir.opus', bytes: ogg, type: 'audio/ogg' },
    { name: 'Horns.webm', bytes: webm, type: 'audio/webm' },
    { name: 'Mystery.wav', bytes: noise },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track][data-status=loaded]').length === 2
    && document.querySelectorAll('[data-testid=error]').length === 3, null, { timeout: 60_000 });
  const notes = await page.getByTestId('error').allTextContents();
  for (const name of ['Choir.opus', 'Horns.webm']) {
    assert.ok(notes.some((t) => t.includes(name) && /decoded by the browser/.test(t)), notes.join(' | '));
  }
  assert.ok(notes.some((t) => t.includes('Choir.opus') && /Opus/.test(t)), 'the note names the codec: ' + notes.join(' | '));
  assert.ok(notes.some((t) => t.includes('Mystery.wav') && /browser's own decoder could not read it either/.test(t)), notes.join(' | '));
  // Opus keeps the length (its pre-skip removed by the browser) within a packet.
  const length = parsePosition(/\d+:\d{2}\.\d{3}/.exec(await page.locator('.transport .length').textContent())[0]);
  assert.ok(Math.abs(length - 3) < 0.03, `length ${length} s`);
  for (const name of ['Choir', 'Horns']) {
    const peak = await soloPeakDb(page, name);
    // ±0.5 dB: Opus at 256 kb/s changes a 1 kHz sine's level by well under that.
    assert.ok(Math.abs(peak - -12) < 0.5, `${name} peaks at ${peak} dBFS, expected −12 ± 0.5`);
  }
  await page.close();
});

test('a truncated WAV says where it ends and is kept only if the user agrees; a 6-channel WAV is refused; the good stem loads', async () => {
  const page = await app.openPage();
  const rate = await sessionRate(page);
  const x = sine({ freq: 440, peakDb: -6, rate, seconds: 10 });
  const whole = encodeWav({ rate, channels: [x, x], format: 's16' });
  // The header says 10 s; the file holds the first 3 s.
  const truncated = whole.subarray(0, 44 + 3 * rate * 4);
  const six = Array(6).fill(x.slice(0, rate));
  await dropFiles(page, [
    { name: 'Cut.wav', bytes: truncated },
    { name: 'Surround.wav', bytes: encodeWav({ rate, channels: six, format: 's16' }) },
    { name: 'Kick.wav', bytes: encodeWav({ rate, channels: [x.slice(0, rate)], format: 's16' }) },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=error]').length === 2
    && document.querySelectorAll('[data-testid=track][data-status=loaded]').length === 1);
  const errors = await page.getByTestId('error').allTextContents();
  assert.ok(errors.some((e) => e.includes('Cut.wav') && /ends early at 0:03 of 0:10/.test(e)), errors.join(' | '));
  assert.ok(errors.some((e) => e.includes('Surround.wav') && /6 channels/.test(e)), errors.join(' | '));
  const names = await page.getByTestId('track').evaluateAll((els) => els.map((e) => e.dataset.trackName));
  assert.deepEqual(names, ['Kick'], 'nothing of the cut file is used unless the user agrees');
  // Keeping what decoded of the cut file adds it, 3 s long.
  await page.getByTestId('keep-partial').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track][data-status=loaded]').length === 2);
  assert.match(await page.locator(".transport .length").textContent(), /0:0(3\.0|2\.9)\d\d/);
  assert.equal(await page.getByTestId('error').count(), 1, 'the 6-channel message stays');
  await page.close();
});

/** Runs in the page before the app: records everything the engine node sends to the speakers
 * (left channel) through a small AudioWorklet, in order, without gaps. */
function recordOutput() {
  const connect = AudioNode.prototype.connect;
  window.__rec = [];
  AudioNode.prototype.connect = function (dest, ...rest) {
    const r = connect.call(this, dest, ...rest);
    if (dest instanceof AudioDestinationNode && this instanceof AudioWorkletNode && !window.__recording) {
      window.__recording = true;
      const ctx = this.context;
      // Served beside the app (TAP_RECORDER): the page's policy loads worklets only from it.
      ctx.audioWorklet.addModule('tap-recorder.js').then(() => {
        const rec = new AudioWorkletNode(ctx, 'tap-recorder', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 2, channelCountMode: 'explicit' });
        rec.port.onmessage = (e) => { if (window.__recOn) window.__rec.push(e.data); };
        const mute = ctx.createGain();
        mute.gain.value = 0;
        connect.call(this, rec);
        connect.call(rec, mute);
        connect.call(mute, ctx.destination);
        window.__recReady = true;
      });
    }
    return r;
  };
}

/** Runs in the page before the app: notes which streaming path the engine processor announced
 * ('shared': SharedArrayBuffer mailboxes; 'messages': transferred chunks) in `window.__streamPath`. */
function watchStreamPath() {
  const Node = window.AudioWorkletNode;
  window.AudioWorkletNode = class extends Node {
    constructor(...args) {
      super(...args);
      if (args[1] !== 'second-ear-engine') return;
      this.port.addEventListener('message', (e) => {
        if (e.data?.type === 'stream-path') window.__streamPath = e.data.shared ? 'shared' : 'messages';
      });
    }
  };
}

test('playback streams from disk across many ring refills and a seek, sample for sample the stem (shared memory, cross-origin isolated)', async () => {
  await streamsAcrossRefillsAndASeek(app, 'shared');
});

test('the same through transferred messages where the page is not cross-origin isolated (an ordinary static host)', async () => {
  const plain = await startApp({ files: { 'tap-recorder.js': TAP_RECORDER }, isolated: false });
  try {
    await streamsAcrossRefillsAndASeek(plain, 'messages');
    plain.assertNoCspViolations();
  } finally {
    await plain.close();
  }
});

/** Plays a 9 s ramp stem for 4 s (the 2 s ring refills dozens of times), seeks to about 6 s and
 * plays 2 s more, recording the output: two unbroken stretches of the stem, frame for frame, the
 * engine having announced streaming path `path`. */
async function streamsAcrossRefillsAndASeek(app, path) {
  const page = await app.openPage({ init: `(${recordOutput})(); (${watchStreamPath})();` });
  assert.equal(await page.evaluate(() => window.crossOriginIsolated), path === 'shared', 'isolation as served');
  const rate = await sessionRate(page);
  // A slow ramp: every sample's value says which frame of the stem it is (period 2^19 frames,
  // longer than the stem), so the output can be checked frame by frame without aligning.
  const PERIOD = 524288;
  const frames = 9 * rate;
  const ramp = new Float32Array(frames);
  for (let i = 0; i < frames; i++) ramp[i] = 0.1 + 0.8 * (i / PERIOD);
  await dropFiles(page, [{ name: 'Ramp.wav', bytes: encodeWav({ rate, channels: [ramp, ramp], format: 'f32' }) }]);
  await page.waitForFunction(() => document.querySelector('[data-testid=track][data-status=loaded]') && window.__recReady);
  await page.evaluate(() => { window.__recOn = true; });
  await page.getByTestId('transport-play').click();
  // Play 4 s (the 2 s ring refills dozens of times), seek to about 6 s, play 2 s more.
  const position = () => page.getByTestId('transport-position').textContent().then(parsePosition);
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid=transport-position]').textContent;
    const [m, s] = t.split(':');
    return Number(m) * 60 + Number(s) > 4;
  });
  const box = await page.getByTestId('track-waveform').boundingBox();
  await page.mouse.click(box.x + box.width * (6 / 9), box.y + box.height / 2);
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid=transport-position]').textContent;
    const [m, s] = t.split(':');
    return Number(m) * 60 + Number(s) > 8;
  });
  assert.ok((await position()) > 8);
  await page.getByTestId('transport-stop').click();
  const y = await page.evaluate(() => {
    window.__recOn = false;
    const all = window.__rec.flatMap((b) => Array.from(b));
    return all;
  });
  // Split the recording into runs of consecutive stem frames.
  const f32 = Float32Array.from(y);
  const frameOf = (v) => Math.round(((v - 0.1) / 0.8) * PERIOD);
  const runs = [];
  let run = null;
  for (let n = 0; n < f32.length; n++) {
    const k = frameOf(f32[n]);
    const exact = k >= 0 && k < frames && f32[n] === ramp[k];
    if (exact && run && k === run.end) run.end += 1;
    else if (exact) runs.push((run = { at: n, start: k, end: k + 1 }));
    else run = null;
  }
  const long = runs.filter((r) => r.end - r.start > rate);
  assert.equal(long.length, 2, `two stretches of the stem, frame for frame: ${JSON.stringify(long)}`);
  const [first, second] = long;
  assert.equal(first.start, 0, 'the first starts at the top');
  assert.ok(first.end - first.start > 4 * rate, `first stretch ${(first.end - first.start) / rate} s, unbroken through the refills`);
  assert.ok(Math.abs(second.start / rate - 6) < 0.5, `the seek lands near 6 s (${second.start / rate} s)`);
  assert.ok(second.end - second.start > 1.5 * rate, `second stretch ${(second.end - second.start) / rate} s`);
  // Between them only the seek: the 5 ms fade and the wait for the new position's frames.
  const gap = second.at - (first.at + (first.end - first.start));
  assert.ok(gap < 0.5 * rate, `the seek took ${(gap / rate * 1000).toFixed(1)} ms of output`);
  assert.equal(await page.getByTestId('underruns').getAttribute('data-value'), '0', 'no dropouts');
  assert.equal(await page.evaluate(() => window.__streamPath), path, 'the streaming path the engine took');
  await page.close();
}

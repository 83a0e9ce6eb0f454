// Browser benchmark: export speed (× realtime) of a session of N stereo stems of M minutes,
// rendered through the engine in an OfflineAudioContext. Not a test: it prints figures.
// Usage: node tests/bench/export_speed.mjs [stems=8] [minutes=3] [runs=3]
import { startApp, sessionRate } from '../e2e/lib/browser.mjs';

const [stems = 8, minutes = 3, runs = 3] = process.argv.slice(2).map(Number);

const app = await startApp();
const page = await app.openPage();
page.on('console', (m) => { if (m.text().startsWith('STAGE')) console.log(m.text()); });
const rate = await sessionRate(page);
const seconds = minutes * 60;

// Build 16-bit stereo WAVs in the page (sines plus noise) and drop them.
await page.evaluate(({ stems, seconds, rate }) => {
  const dt = new DataTransfer();
  for (let k = 0; k < stems; k++) {
    const frames = rate * seconds;
    const buf = new ArrayBuffer(44 + frames * 4);
    const v = new DataView(buf);
    const str = (o, s) => { for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); };
    str(0, 'RIFF'); v.setUint32(4, 36 + frames * 4, true); str(8, 'WAVE'); str(12, 'fmt ');
    v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 2, true);
    v.setUint32(24, rate, true); v.setUint32(28, rate * 4, true); v.setUint16(32, 4, true);
    v.setUint16(34, 16, true); str(36, 'data'); v.setUint32(40, frames * 4, true);
    const f = 55 * (k + 1);
    let s = 12345 + k;
    for (let i = 0; i < frames; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const x = 0.3 * Math.sin((2 * Math.PI * f * i) / rate) + 0.02 * (s / 4294967296 - 0.5);
      v.setInt16(44 + i * 4, x * 32767, true);
      v.setInt16(46 + i * 4, x * 32767, true);
    }
    dt.items.add(new File([buf], `Stem ${k + 1}.wav`, { type: 'audio/wav' }));
  }
  const zone = document.querySelector('[data-testid=drop-zone]');
  zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
}, { stems, seconds, rate });
await page.waitForFunction((n) => document.querySelectorAll('[data-testid=track]').length === n, stems, { timeout: 300_000 });

await page.getByTestId('export-open').click();
const results = [];
for (let r = 0; r < runs; r++) {
  const download = page.waitForEvent('download', { timeout: 300_000 });
  const t0 = Date.now();
  await page.getByTestId('export-start').click();
  await download;
  const wall = (Date.now() - t0) / 1000;
  const status = await page.getByTestId('export-status').textContent();
  results.push({ wall, realtime: seconds / wall, status });
  await page.waitForFunction(() => !document.querySelector('[data-testid=export-start]').disabled);
}
const best = results.reduce((a, b) => (a.realtime > b.realtime ? a : b));
const version = app.browserVersion;
console.log(`export speed: ${stems} stereo stems × ${minutes} min at ${rate} Hz, 24-bit WAV, Chromium ${version}`);
for (const r of results) console.log(`  run: ${r.wall.toFixed(2)} s wall (click → download) = ${r.realtime.toFixed(0)}× realtime; app says: ${r.status}`);
console.log(`  best of ${runs}: ${best.realtime.toFixed(0)}× realtime`);
await app.close();

// Browser benchmark: export speed (× realtime) of a session of N stereo stems of M minutes,
// rendered through the engine in the export Worker (stems streamed from the stem store), requantised, measured and written.
// Not a test: it prints figures. `targets`: export-target option values, comma-separated
// (`as-mixed` is one pass with no loudness target).
// Usage: node tests/bench/export_speed.mjs [stems=8] [minutes=3] [runs=3] [targets=as-mixed]
import { startApp, sessionRate } from '../e2e/lib/browser.mjs';

const [stems = 8, minutes = 3, runs = 3] = process.argv.slice(2, 5).map(Number);
const targets = (process.argv[5] ?? 'as-mixed').split(',');

// A persistent (on-disk) profile, like a musician's browser: autosave stores every stem in
// IndexedDB, which in a fresh in-memory context would fill Chromium's in-memory blob storage.
const app = await startApp({ persistent: true });
const page = await app.openPage();
page.on('crash', () => console.log('PAGE CRASHED'));
page.on('pageerror', (e) => console.log('PAGE ERROR', String(e).slice(0, 500)));
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log('CONSOLE', m.type(), m.text().slice(0, 500)); });
const rate = await sessionRate(page);
const seconds = minutes * 60;

// Build 16-bit stereo WAVs in the page (sines plus noise) and drop them, four at a time: files
// made in memory count against Chromium's in-memory blob quota (dropped files from disk do not),
// so each batch is read before the next is made.
const tLoad = Date.now();
for (let first = 0; first < stems; first += 4) {
await page.evaluate(({ first, stems, seconds, rate }) => {
  const dt = new DataTransfer();
  for (let k = first; k < Math.min(stems, first + 4); k++) {
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
      // Levels shrink with the stem count so the mix stays a plausible level (−1/√N).
      const x = (0.3 * Math.sin((2 * Math.PI * f * i) / rate) + 0.02 * (s / 4294967296 - 0.5)) / Math.sqrt(stems);
      v.setInt16(44 + i * 4, x * 32767, true);
      v.setInt16(46 + i * 4, x * 32767, true);
    }
    dt.items.add(new File([buf], `Stem ${k + 1}.wav`, { type: 'audio/wav' }));
  }
  const zone = document.querySelector('[data-testid=drop-zone]');
  zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
}, { first, stems, seconds, rate });
await page.waitForFunction((n) => document.querySelectorAll('[data-testid=track]').length === n || document.querySelector('[data-testid=error]'), Math.min(stems, first + 4), { timeout: 1_800_000 });
}
const loadErrors = await page.getByTestId('error').allTextContents();
if (loadErrors.length) throw new Error(`loading failed: ${loadErrors.join('; ')}`);
console.log(`loaded ${stems} stems in ${((Date.now() - tLoad) / 1000).toFixed(1)} s`);

await page.getByTestId('export-open').click();
await page.getByTestId('export-target').selectOption(targets);
await page.getByTestId('export-format').selectOption('pcm24');
const results = [];
for (let r = 0; r < runs; r++) {
  const t0 = Date.now();
  await page.getByTestId('export-start').click();
  // Should a target need more than 12 dB of limiting, answer "continue" as a user would.
  const answer = setInterval(() => page.getByTestId('export-continue').click({ timeout: 100 }).catch(() => {}), 1000);
  await page.getByTestId('export-status').filter({ hasText: /Exported \d+ file/ }).waitFor({ timeout: 1_800_000 });
  clearInterval(answer);
  const wall = (Date.now() - t0) / 1000;
  const reports = await page.getByTestId('export-report').evaluateAll((els) => els.map((e) => JSON.parse(e.dataset.report)));
  const passes = reports.reduce((n, x) => n + x.passes, 0);
  const status = await page.getByTestId('export-status').textContent();
  if (process.env.SHOW_REPORTS) console.log(JSON.stringify(reports, null, 1));
  results.push({ wall, realtime: seconds / wall, perPass: (seconds * passes) / wall, passes, status });
  await page.waitForFunction(() => !document.querySelector('[data-testid=export-start]').disabled);
}
const best = results.reduce((a, b) => (a.realtime > b.realtime ? a : b));
const version = app.browserVersion;
console.log(`export speed: ${stems} stereo stems × ${minutes} min at ${rate} Hz, 24-bit TPDF, targets ${targets.join(' + ')}, Chromium ${version}`);
for (const r of results) console.log(`  run: ${r.wall.toFixed(2)} s wall (click → last file) = ${r.realtime.toFixed(1)}× realtime for the session, ${r.passes} render passes = ${r.perPass.toFixed(0)}× realtime per pass; app says: ${r.status}`);
console.log(`  best of ${runs}: ${best.realtime.toFixed(1)}× realtime (${best.perPass.toFixed(0)}× per pass, ${best.passes} passes)`);
await app.close();

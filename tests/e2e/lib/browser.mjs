// Launches Debian's Chromium (never a downloaded browser) and opens the app from dist/.
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSP_TAG, serveDist } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs in every page before anything else: records each Content-Security-Policy violation
 * (a `securitypolicyviolation` event, which reaches the document from any element or request of
 * the page) in `window.__cspViolations` and reports it on the console, tagged, for the harness
 * (Workers get the same recorder from the test server: server.mjs). */
function recordCspViolations(tag) {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    const v = {
      directive: e.effectiveDirective || e.violatedDirective,
      blocked: e.blockedURI,
      source: e.sourceFile ? `${e.sourceFile}:${e.lineNumber}` : '',
      sample: e.sample,
    };
    window.__cspViolations.push(v);
    console.error(tag + JSON.stringify(v));
  }, true);
}

/** One violation as a line of a test failure. */
const describeViolation = (v) => `${v.directive} blocked ${v.blocked || '(nothing named)'}`
  + (v.sample ? ` (“${v.sample}”)` : '') + (v.source ? ` at ${v.source}` : '') + (v.where ? ` in ${v.where}` : '');

/** Starts the test server and Chromium. `persistent`: one on-disk profile (as a musician's
 * browser has) instead of fresh in-memory contexts; blobs and IndexedDB then live on disk, so
 * hundreds of MB of stems (the export benchmark's) do not hit the in-memory blob limit.
 * `prefix`: the path dist/ is served under (a sub-path such as "/some/sub/path/"); `files`:
 * extra files served beside dist/'s (see server.mjs).
 *
 * Every page and Worker runs under the app's own Content-Security-Policy and every violation is
 * recorded (its `securitypolicyviolation` events, from the page and from each Worker).
 * `assertNoCspViolations()` (each test file calls it after each test) throws naming each
 * violation's directive and blocked URI, and `close()` throws on any not taken before; a test
 * that provokes one on purpose takes it with `takeCspViolations()`. */
export async function startApp({ persistent = false, profileRoot = null, prefix = '/', files = {}, isolated = true, workerPrelude = '' } = {}) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'second-ear-e2e-'));
  for (const d of ['config', 'cache', 'runtime']) process.env[`XDG_${d.toUpperCase()}_${d === 'runtime' ? 'DIR' : 'HOME'}`] = path.join(tmp, d);
  const server = await serveDist(path.join(ROOT, 'dist'), { prefix, files, isolated, workerPrelude });
  const options = {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  };
  const profile = persistent
    ? await chromium.launchPersistentContext(path.join(profileRoot ?? tmp, 'profile'), { ...options, acceptDownloads: true })
    : null;
  const browser = profile ? profile.browser() : await chromium.launch(options);
  const pageErrors = [];
  const cspViolations = [];
  /** Records the violations of every page and Worker of `context`. */
  async function watchCsp(context) {
    await context.addInitScript(recordCspViolations, CSP_TAG);
    context.on('console', (m) => {
      const text = m.text();
      if (!text.startsWith(CSP_TAG)) return;
      const where = m.worker() ? `Worker ${m.worker().url()}` : m.page()?.url();
      cspViolations.push({ ...JSON.parse(text.slice(CSP_TAG.length)), where });
    });
  }
  if (profile) await watchCsp(profile);
  /** A fresh context and page on the app (with `persistent`, a page of the one profile). `init`:
   * a script run in the page before the app's own (for instrumenting browser APIs). */
  async function openPage({ init, hash = '' } = {}) {
    let context = profile;
    if (!context) {
      context = await browser.newContext({ acceptDownloads: true });
      await watchCsp(context);
    }
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    await page.goto(server.url + hash);
    await waitReady(page);
    return page;
  }
  /** Throws if any page or Worker violated the policy since the last check or take. */
  function assertNoCspViolations() {
    const seen = cspViolations.splice(0);
    if (seen.length) {
      throw new Error(`Content-Security-Policy violation${seen.length > 1 ? 's' : ''}:\n  ${seen.map(describeViolation).join('\n  ')}`);
    }
  }
  return {
    openPage,
    pageErrors,
    server,
    assertNoCspViolations,
    /** The violations recorded since the last check or take (read only). */
    cspViolations,
    /** Takes the violations recorded since the last check or take (a test expecting them). */
    takeCspViolations: () => cspViolations.splice(0),
    browserVersion: browser ? browser.version() : chromiumVersion(options.executablePath),
    async close() {
      if (profile) await profile.close(); else await browser.close();
      await server.close();
      await rm(tmp, { recursive: true, force: true });
      assertNoCspViolations();
    },
  };
}

/** `chromium --version`'s number (a persistent context has no Browser object to ask). */
function chromiumVersion(executable) {
  const out = execFileSync(executable, ['--version']).toString();
  return /(\d+\.\d+\.\d+\.\d+)/.exec(out)?.[1] ?? out.trim();
}

/** Waits until the app is mounted and its engine is up (the session rate shows the
 * AudioContext's rate). */
export async function waitReady(page) {
  await page.getByTestId('drop-zone').waitFor();
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid=session-rate]');
    return el && /^(44100|48000|88200|96000) Hz$/.test(el.textContent.trim());
  });
}

/** Reads a download's bytes. */
export async function downloadBytes(d) {
  const stream = await d.createReadStream();
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return { name: d.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

/** The session rate the page's AudioContext runs at. */
export async function sessionRate(page) {
  return parseInt(await page.getByTestId('session-rate').textContent(), 10);
}

/** Drops files on the drop zone with a real DragEvent carrying a DataTransfer. */
export async function dropFiles(page, files) {
  const payload = files.map((f) => ({ name: f.name, type: f.type || 'audio/wav', b64: Buffer.from(f.bytes).toString('base64') }));
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    const zone = document.querySelector('[data-testid=drop-zone]');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, payload);
}

/** Sets a range input as a user dragging it would (input event). */
export async function setRange(locator, value) {
  await locator.evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

/** Sets any native control by its test id as a user would: checkbox (check/uncheck), select
 * (choose), range (input event), number (change event). */
export async function setControl(page, testid, value) {
  const el = page.getByTestId(testid);
  const kind = await el.evaluate((e) => (e.tagName === 'SELECT' ? 'select' : e.type));
  if (kind === 'checkbox') {
    if (value) await el.check(); else await el.uncheck();
  } else if (kind === 'select') {
    await el.selectOption(String(value));
  } else {
    await el.evaluate((e, v) => {
      e.value = String(v);
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }
}

/** Types the loop region's start and end (seconds) into the transport as a user does, and with
 * `on` turns looping on. */
export async function setLoopRegion(page, start, end, { on = false } = {}) {
  for (const [id, v] of [['loop-start', start], ['loop-end', end]]) {
    await page.getByTestId(id).fill(String(v));
    await page.getByTestId(id).dispatchEvent('change');
  }
  if (on) await page.getByTestId('loop-on').check();
}

/** Opens the export dialog, picks a format, exports, and returns the downloaded bytes. */
/** Exports through the dialog and returns the (first) downloaded file. `targets`: option values
 * of the export-target multi-select; by default the mix as set, with no loudness target. */
export async function exportMix(page, format, { targets = ['as-mixed'], dither = 'tpdf', rate } = {}) {
  await openExport(page);
  await page.getByTestId('export-format').selectOption(format);
  await page.getByTestId('export-target').selectOption(targets);
  if (format !== 'float32') await page.getByTestId('export-dither').selectOption(dither);
  if (rate) await page.getByTestId('export-rate').selectOption(String(rate));
  const download = page.waitForEvent('download', { timeout: 60_000 });
  await page.getByTestId('export-start').click();
  const d = await download;
  const stream = await d.createReadStream();
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return { name: d.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

/** Opens the export dialog unless it is open. */
export async function openExport(page) {
  if (!(await page.getByTestId('export-start').isVisible().catch(() => false))) {
    await page.getByTestId('export-open').click();
  }
}

/** Waits until the engine has posted `n` more meter snapshots (about 30 a second, playing or
 * not): time as the audio thread counts it, observed on the page, instead of a fixed sleep. */
export async function afterSnapshots(page, n) {
  const now = Number(await page.locator('main.studio').getAttribute('data-meter-snapshots'));
  await page.waitForFunction((t) => Number(document.querySelector('main.studio').dataset.meterSnapshots) >= t, now + n, { timeout: 30_000 });
}

/** Parses m:ss.mmm into seconds. */
export function parsePosition(text) {
  const m = /^(\d+):(\d{2})\.(\d{3})$/.exec(text.trim());
  if (!m) throw new Error(`bad position readout: ${text}`);
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) / 1000;
}

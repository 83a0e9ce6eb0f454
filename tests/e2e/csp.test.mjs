// The page's Content-Security-Policy (written into index.html by scripts/csp.mjs at build time):
// what it allows, that it allows Trunk's inline loader by its hash and nothing inline besides,
// and that Chromium enforces it — in the page and in its Workers — with each violation reported
// by the harness every test runs under (lib/browser.mjs).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startApp } from './lib/browser.mjs';
import { metaPolicy } from './lib/server.mjs';

// Same-origin probes: only script from the page's own origin may run, so that is where they are.
const PROBES = {
  'csp-probe.js': "try { eval('1'); window.__evalRan = true; } catch { window.__evalBlocked = true; }",
  'csp-probe-worker.js': "let ran = false; try { ran = eval('true'); } catch {} postMessage({ ran });",
};

let app;
before(async () => { app = await startApp({ files: PROBES }); });
afterEach(() => app?.assertNoCspViolations());
after(async () => { await app?.close(); });

/** The policy's directives: name → sources. */
function directives(policy) {
  return new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name, sources]));
}

const HASH = /^'sha256-[A-Za-z0-9+/]{43}='$/;

test('index.html carries the policy first in its head: self only, wasm allowed, inline script by hash only', async () => {
  const html = await (await fetch(app.server.url)).text();
  const policy = metaPolicy(html);
  assert.ok(policy, 'index.html has a Content-Security-Policy meta');
  // It governs only what follows it: it comes before every script, stylesheet and link.
  assert.ok(html.indexOf('http-equiv="Content-Security-Policy"') < html.search(/<(script|link|style)\b/), 'the meta precedes every script and link');

  const d = directives(policy);
  assert.deepEqual(d.get('default-src'), ["'none'"]);
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.deepEqual(d.get('base-uri'), ["'none'"]);
  assert.deepEqual(d.get('connect-src'), ["'self'"]);
  assert.deepEqual(d.get('worker-src'), ["'self'"]);
  assert.deepEqual(d.get('style-src'), ["'self'"], 'no inline style, not even attributes');
  const script = d.get('script-src');
  assert.deepEqual(script.slice(0, 2), ["'self'", "'wasm-unsafe-eval'"]);
  for (const s of script.slice(2)) assert.match(s, HASH, 'script-src: besides self and wasm, only hashes');
  // No remote origin, scheme, wildcard or unsafe keyword anywhere.
  for (const [name, sources] of d) {
    for (const s of sources) {
      assert.ok(["'self'", "'none'", "'wasm-unsafe-eval'"].includes(s) || HASH.test(s), `${name} allows ${s}`);
    }
  }

  // Exactly the inline scripts index.html has (Trunk's loader), by the hash of their text.
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter((m) => !/\bsrc=/.test(m[1]));
  assert.ok(inline.length >= 1, "Trunk's module loader is inline");
  const hashes = inline.map((m) => `'sha256-${createHash('sha256').update(m[2]).digest('base64')}'`);
  assert.deepEqual([...new Set(hashes)].sort(), script.slice(2).sort());

  // The app loads and starts its engine under it (openPage waits for that) with no violation.
  const page = await app.openPage();
  assert.equal(await page.locator('meta[http-equiv=Content-Security-Policy]').getAttribute('content'), policy);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  await page.context().close();
});

test('the policy is enforced, in the page and in Workers, and the harness names each violation', async () => {
  const page = await app.openPage();
  const outcome = await page.evaluate(async () => {
    const out = {};
    // An inline script with no hash in the policy.
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true;';
    document.head.append(s);
    out.inline = window.__inlineRan === true;
    // A remote origin.
    out.fetch = await fetch('https://example.com/').then(() => 'fetched', (e) => e.name);
    // A Worker from a blob: URL.
    out.blobWorker = await new Promise((ok) => {
      const b = new Worker(URL.createObjectURL(new Blob(['postMessage(1)'])));
      b.onmessage = () => ok('ran');
      b.onerror = () => ok('failed');
      setTimeout(() => ok('silent'), 3000);
    });
    // A style attribute (the app sets styles through CSSOM instead).
    const div = document.createElement('div');
    div.setAttribute('style', 'color: rgb(255, 0, 0)');
    document.body.append(div);
    out.styleAttr = getComputedStyle(div).color === 'rgb(255, 0, 0)';
    div.remove();
    // eval, from a script of the page's own origin (the devtools protocol's evaluation is exempt).
    await new Promise((ok, fail) => {
      const p = document.createElement('script');
      p.src = 'csp-probe.js';
      p.onload = ok;
      p.onerror = fail;
      document.head.append(p);
    });
    out.eval = window.__evalRan === true;
    // eval in a same-origin Worker.
    const w = new Worker('csp-probe-worker.js');
    out.workerEval = await new Promise((ok) => { w.onmessage = (e) => ok(e.data.ran); });
    w.terminate();
    return out;
  });
  assert.deepEqual(outcome, { inline: false, fetch: 'TypeError', blobWorker: 'failed', styleAttr: false, eval: false, workerEval: false });
  // The page's own record.
  await page.waitForFunction(() => window.__cspViolations.length >= 5);
  const inPage = await page.evaluate(() => window.__cspViolations.map((v) => `${v.directive} ${v.blocked}`));
  assert.deepEqual(inPage.sort(), [
    'connect-src https://example.com/',
    'script-src eval',
    'script-src-elem inline',
    'style-src-attr inline',
    'worker-src blob',
  ]);

  // The harness fails the test on them, naming each directive and what it blocked, the Worker's
  // included; it then has nothing left to report.
  const expected = [
    /script-src-elem blocked inline/,
    /connect-src blocked https:\/\/example\.com\//,
    /worker-src blocked blob/,
    /style-src-attr blocked inline/,
    /script-src blocked eval at http:\/\/127\.0\.0\.1:\d+\/csp-probe\.js:1/,
    /script-src blocked eval at http:\/\/127\.0\.0\.1:\d+\/csp-probe-worker\.js:1 in Worker /,
  ];
  // Console messages reach the harness asynchronously: wait until all six have.
  for (let i = 0; i < 100 && app.cspViolations.length < expected.length; i++) await page.waitForTimeout(50);
  assert.throws(() => app.assertNoCspViolations(), (e) => {
    for (const re of expected) assert.match(e.message, re);
    assert.equal(e.message.split('\n').length - 1, expected.length, e.message);
    return true;
  });
  app.assertNoCspViolations();
  await page.context().close();
});

// A static file server for dist/ on a free loopback port (tests use the `trunk build` output,
// not `trunk serve`). index.html is sent without a Content-Security-Policy header: the page's
// policy is the <meta> the build writes into it, and that is what the tests hold the app to.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** What the recorders put before each policy violation they report on the console. */
export const CSP_TAG = '[csp-violation] ';

/** Put before each Worker's script (one line, so the script's line numbers hold): reports the
 * Worker's policy violations on its console, which the harness reads (browser.mjs) as it reads
 * the page's. Playwright has no init scripts for Workers. */
const WORKER_RECORDER = `self.addEventListener('securitypolicyviolation', (e) => console.error(${JSON.stringify(CSP_TAG)} + JSON.stringify({ directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile ? e.sourceFile + ':' + e.lineNumber : '', sample: e.sample })));`;

/** The Content-Security-Policy of a page: its <meta http-equiv> (the one the build writes). */
export function metaPolicy(html) {
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
  return meta?.[1];
}

/** Serves `root` under `prefix` (a path ending in "/": "/", or a sub-path such as
 * "/some/sub/path/" as a site hosting the app beside others would); anything else is 404.
 * `files`: extra files by name (path under the prefix → text), served as if in `root` (test
 * instrumentation that must load from the page's own origin, e.g. a worklet module). Every
 * request's path is kept in `requests`, the ones answered 404 in `missing`.
 *
 * The page's policy is only its <meta>. A Worker's policy, though, is the one its script's
 * response carries (a meta reaches only its document and the worklets): so every .js is sent
 * with the page's policy as a header, as a host holding Workers to it would, and the Workers run
 * under it too (subresources ignore the header); each Worker's script (the request says it is
 * for a Worker) starts with a recorder of its violations, then `workerPrelude` (one line of
 * test instrumentation, e.g. a browser API taken away). `isolated: false` leaves out the
 * cross-origin isolation headers. */
export async function serveDist(root, { prefix = '/', files = {}, isolated = true, workerPrelude = '' } = {}) {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`prefix must start and end with "/": ${prefix}`);
  const policy = metaPolicy(await readFile(path.join(root, 'index.html'), 'utf8'));
  if (!policy) throw new Error(`${root}/index.html has no Content-Security-Policy meta (is it a \`trunk build\`?)`);
  const requests = [];
  const missing = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    requests.push(url.pathname);
    const notFound = () => { missing.push(url.pathname); res.writeHead(404).end('not found'); };
    if (!url.pathname.startsWith(prefix)) { notFound(); return; }
    const rel = decodeURIComponent(url.pathname.slice(prefix.length));
    let file = path.join(root, rel);
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    if (url.pathname.endsWith('/')) file = path.join(file, 'index.html');
    const headers = (name) => ({
      'content-type': TYPES[path.extname(name)] || 'application/octet-stream',
      // Cross-origin isolation: gives the benchmarks a 5 µs clock (everything is same-origin) and
      // the page SharedArrayBuffer (the engine's shared-memory streaming path). `isolated: false`
      // serves as ordinary static hosts do, without it.
      ...(isolated ? {
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      } : {}),
      ...(path.extname(name) === '.js' ? { 'content-security-policy': policy } : {}),
    });
    const worker = ['worker', 'sharedworker'].includes(req.headers['sec-fetch-dest']);
    const send = (name, body) => {
      res.writeHead(200, headers(name));
      if (worker) res.write(WORKER_RECORDER + workerPrelude);
      res.end(body);
    };
    if (Object.hasOwn(files, rel)) { send(rel, files[rel]); return; }
    let body;
    try {
      body = await readFile(file);
    } catch {
      notFound();
      return;
    }
    send(file, body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    policy,
    requests,
    missing,
    close: () => new Promise((ok) => server.close(ok)),
  };
}
